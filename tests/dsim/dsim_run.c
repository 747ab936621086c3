/*
 * dsim_run.c: one schedule (setup, chaos, calm, repair, the checks) and
 * main(): many seeds, or one seed replayed with its trace.
 *
 * Without --first, the base seed is drawn at random (or taken from
 * DSIM_SEED) and printed; the regression seeds run after it.
 *
 *   engine_dsim [--schedules N] [--first SEED] [--seed SEED] [-v] [--clean-only]
 *               [--fault quorum|confirm|delivery|dest] [--expect-violation]
 *               [--sqlite-every N]
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsim.h"
#include "agent/engine_fault.h"

#define CHAOS_MS	30000
#define CALM_MS		90000
#define REPAIR_MS	30000


static void push_tick(struct sim *s, int ai);

static void
agent_start(struct sim *s, int ai)
{
	struct agent *a = &s->a[ai];
	struct srr_event ev = { .type = SRR_EV_RECORD };
	char err[512];
	size_t i;

	s->conf.nodeid = a->nodeid;
	if (srr_engine_new(&s->conf, &a->eng) < 0)
		abort();
	srr_engine_set_faults(a->eng, s->fault);
	if (s->sqlite && srr_store_open(a->path, &a->store, err, sizeof(err)) < 0) {
		sim_violation(s, "agent %d: %s", ai + 1, err);
		return;
	}
	if (a->led == NULL && srr_ledger_new(a->store, &a->led) < 0)
		abort();
	a->up = true;
	a->inc++;
	for (i = 0; i < (size_t)s->nlp; i++)	/* what it confirmed is gone */
		s->lp[i].seen_on_dest[ai] = 0;
	a->epoch = a->synced = 0;
	a->leader = a->quorate = false;
	/* srrd feeds its engine the stored ledger and its inventory cache
	 * before anything else. */
	for (i = 0; i < srr_ledger_count(a->led); i++) {
		ev.u.rec = *srr_ledger_at(a->led, i);
		sim_event(s, ai, &ev);
	}
	for (i = 0; i < (size_t)s->ns; i++) {
		struct srr_event iv = { .type = SRR_EV_INVENTORY };

		if (!a->have_inv[i])
			continue;
		iv.u.inv.sys = (int)i;
		iv.u.inv.sys_state = HMC_SYS_OPERATING;
		iv.u.inv.n = a->ninv[i];
		iv.u.inv.lpars = a->inv[i];
		sim_event(s, ai, &iv);
	}
	push_tick(s, ai);
}

/* A refused status transition or a phase move outside the table is a bug
 * in the engine, whatever follows. */
static void
check_broken_rules(struct sim *s, int ai)
{
	uint64_t n = srr_engine_broken_rules(s->a[ai].eng);

	if (n > 0)
		sim_violation(s, "agent %d: %llu status transition%s or phase "
			      "move%s outside the rules (logged LOG_CRIT)", ai + 1,
			      (unsigned long long)n, n == 1 ? "" : "s",
			      n == 1 ? "" : "s");
}

static void
agent_crash(struct sim *s, int ai)
{
	struct agent *a = &s->a[ai];

	a->up = false;
	s->ignored += srr_engine_ignored_results(a->eng);
	check_broken_rules(s, ai);
	srr_engine_free(a->eng);
	a->eng = NULL;
	if (s->sqlite) {	/* memory is lost; the store is not */
		srr_ledger_free(a->led);
		a->led = NULL;
		srr_store_close(a->store);
		a->store = NULL;
	}
}

static void
tick(struct sim *s, int ai)
{
	struct srr_event ev = { .type = SRR_EV_TICK };

	ev.u.tick.mono.ms = s->now;
	/* Each agent's wall clock: skewed, and it may jump. */
	ev.u.tick.wall.ms = 1700000000000 + s->now + s->a[ai].skew;
	sim_event(s, ai, &ev);
	hmcm_feed(s, ai);
}

static void
operator(struct sim *s, enum srr_operator_req req, int sys)
{
	struct srr_event ev = { .type = SRR_EV_OPERATOR };
	int i;

	ev.u.opr.req = req;
	ev.u.opr.sys = sys;
	for (i = 0; i < s->na; i++)
		if (s->a[i].up)
			sim_event(s, i, &ev);
}

/* The operator abandons one open debt, with a reason, on any agent: a
 * follower refuses (only the acting leader may); the ledgers say later
 * which debts were abandoned (sim_lp_abandoned). */
static void
operator_abandon(struct sim *s)
{
	struct srr_event ev = { .type = SRR_EV_OPERATOR };
	int i = (int)sim_rand(s, (uint32_t)s->na);
	size_t k;

	if (!s->a[i].up)
		return;
	for (k = 0; k < srr_ledger_count(s->a[i].led); k++) {
		const struct srr_record *r = srr_ledger_at(s->a[i].led, k);

		if (r->status != SRR_OP_RESTARTED)
			continue;
		ev.u.opr.req = SRR_OPR_ABANDON;
		ev.u.opr.op = r->id;
		snprintf(ev.u.opr.reason, sizeof(ev.u.opr.reason),
			 "dsim: operator cleans up by hand");
		sim_event(s, i, &ev);
		return;
	}
}

/* Someone shuts a restarted partition down on its destination: its debt
 * must now stay open (the source copy may be the one to keep). Or moves
 * it to the other destination (Live Partition Mobility): the engine
 * cleans up only after seeing it on the destination its debt names, so
 * the debt may stay open, held for the operator. */
static void
stop_one(struct sim *s)
{
	int i = (int)sim_rand(s, (uint32_t)s->nlp);
	struct tlpar *l = &s->lp[i];

	if (l->running_on < 0 || !sim_chance(s, 30))
		return;
	if (sim_chance(s, 50)) {
		l->running_on = s->ns + (l->running_on - s->ns + 1) % ND;
		l->migrated = true;
		sim_log(s, "%s migrated to %d", l->name, l->running_on);
		return;
	}
	l->running_on = -1;
	l->stopped = true;
	l->stopped_at = s->now;
	sim_log(s, "%s shut down on its destination", l->name);
}

/* The operator asks for one partition now (the gate still applies). */
static void
operator_restart(struct sim *s)
{
	struct srr_event ev = { .type = SRR_EV_OPERATOR };
	int k = (int)sim_rand(s, (uint32_t)s->nlp), i;

	ev.u.opr.req = SRR_OPR_RESTART;
	ev.u.opr.sys = s->lp[k].src;
	memcpy(ev.u.opr.lpar, s->lp[k].name, sizeof(ev.u.opr.lpar));
	for (i = 0; i < s->na; i++)
		if (s->a[i].up)
			sim_event(s, i, &ev);
}

/* Every HMC talks to SYS's FSP and answers polls (the first one, which
 * never lags, then shows a repair at once). */
static bool
all_hmcs_see(const struct sim *s, int sys)
{
	int h;

	for (h = 0; h < s->nh; h++)
		if (!s->sys[sys].link[h] || s->now < s->mute_until[h])
			return false;
	return true;
}

static void
chaos_source(struct sim *s)
{
	int y = (int)sim_rand(s, (uint32_t)s->ns), h = (int)sim_rand(s, (uint32_t)s->nh);
	struct tsys *t = &s->sys[y];

	switch (sim_rand(s, 5)) {
	case 0:
	case 1:
		if (t->alive && !t->ever_died) {
			t->style = sim_chance(s, 30) ? FS_AMBIGUOUS : FS_DEFINITE;
			t->flap = sim_chance(s, 30);
			hmcm_kill(s, y);
			sim_log(s, "source %d dies (%s)", y,
				t->style == FS_AMBIGUOUS ? "ambiguous" : "definite");
		}
		break;
	case 2:		/* the HMC loses the FSP: the system may run fine */
		/* not within 3 polls of a repair: a power-on no HMC ever
		 * reported defeats any confirmation (doc/engine.md) */
		if (t->repaired && s->now - t->alive_since <= 3 * POLL_MS)
			break;
		if (sim_chance(s, 25)) {	/* or answers nothing a while */
			s->mute_until[h] = s->now + 1000 + sim_rand(s, 8000);
			sim_log(s, "HMC %d silent until %lld", h,
				(long long)s->mute_until[h]);
			break;
		}
		t->link[h] = !t->link[h];
		break;
	case 3:
		if (!t->alive && t->style == FS_AMBIGUOUS && sim_chance(s, 50))
			operator(s, SRR_OPR_CONFIRM, y);
		else
			stop_one(s);
		break;
	default:
		/* Powered on again where an HMC sees it: a repair no HMC can
		 * see after a confirmation defeats any gate (doc/engine.md). */
		if (!t->alive && sim_chance(s, 20) && all_hmcs_see(s, y)) {
			hmcm_repair(s, y);
			sim_log(s, "source %d repaired early", y);
		}
		break;
	}
}

static void
chaos_cluster(struct sim *s)
{
	int i = (int)sim_rand(s, (uint32_t)s->na);

	switch (sim_rand(s, 6)) {
	case 4:		/* quorum or leader changes inside the epoch */
		dsim_view_change(s);
		return;
	case 5:		/* an agent's wall clock jumps */
		s->a[i].skew += (int64_t)sim_rand(s, 7200001) - 3600000;
		sim_log(s, "agent %d: wall clock jumps (skew %lld ms)", i + 1,
			(long long)s->a[i].skew);
		return;
	case 0:
		if (s->a[i].up) {
			sim_log(s, "agent %d crashes", i + 1);
			agent_crash(s, i);
		} else {
			sim_log(s, "agent %d restarts", i + 1);
			agent_start(s, i);
		}
		break;
	case 1:
		s->a[i].label = (int)sim_rand(s, 3);	/* up to 3 sides */
		sim_log(s, "network: agent %d to side %d", i + 1, s->a[i].label);
		break;
	case 2:
		for (i = 0; i < s->na; i++)
			s->a[i].label = 0;
		sim_log(s, "network healed");
		break;
	default:
		operator(s, sim_chance(s, 50) ? SRR_OPR_PAUSE : SRR_OPR_RESUME, 0);
		if (sim_chance(s, 30))
			operator_abandon(s);
		if (sim_chance(s, 30))
			operator_restart(s);
		break;
	}
	dsim_membership(s);
}

static void
chaos(struct sim *s)
{
	struct qev e = { .type = Q_CHAOS };

	if (sim_chance(s, 50))
		chaos_source(s);
	else
		chaos_cluster(s);
	e.t = s->now + 500 + sim_rand(s, 2500);
	if (e.t < CHAOS_MS)
		sim_push(s, &e);
}

/* ------------------------------------------------------------- setup */

static void
push_phase(struct sim *s, int64_t t, int kind)
{
	struct qev e = { .t = t, .type = Q_CHAOS, .label = kind };

	sim_push(s, &e);
}

static void
push_tick(struct sim *s, int ai)
{
	struct qev e = { .type = Q_TICK, .agent = ai, .inc = s->a[ai].inc };

	e.t = s->now + POLL_MS;
	if (!s->calm && sim_chance(s, 2))
		e.t += POLL_MS * 2 + sim_rand(s, POLL_MS);	/* a stall */
	sim_push(s, &e);
}

static void
setup_conf(struct sim *s)
{
	struct srr_engine_conf *c = &s->conf;
	int y;

	memset(c, 0, sizeof(*c));
	c->nhmc = s->nh;
	c->nsys = s->nsys;
	for (y = 0; y < s->nsys; y++) {
		snprintf(c->sys[y].name, sizeof(c->sys[y].name),
			 y < s->ns ? "SRC-%d" : "DST-%d", y);
		if (y < s->ns) {
			c->sys[y].ndest = ND;
			c->sys[y].dest[0] = s->ns;
			c->sys[y].dest[1] = s->ns + 1;
			c->sys[y].fence = sim_chance(s, 40);
		}
	}
	c->poll_ms = POLL_MS;
	c->confirm_k = 3;
	c->confirm_t_ms = 2000;
	c->confirm_ttl_ms = 10000;
	c->tier_timeout_ms = 10000;
	c->max_per_source = 1 + (int)sim_rand(s, 3);
	c->max_per_dest = 1 + (int)sim_rand(s, 3);
	c->validate_first = sim_chance(s, 50);
	c->retry_max = 3;
	c->backoff_ms = 1000;
	c->backoff_max_ms = 8000;
	c->cmd_timeout_ms = 40000;	/* restarts take up to 28 s */
	c->query_timeout_ms = 5000;
	c->lpar = s->lconf;
	c->nlpar = (size_t)s->nlp;
}

static void
setup_lpars(struct sim *s)
{
	int y, k;

	s->nlp = 0;
	for (y = 0; y < s->ns; y++) {
		int n = 3 + (int)sim_rand(s, NL_MAX - 2);

		for (k = 0; k < n; k++) {
			struct tlpar *l = &s->lp[s->nlp];
			struct srr_lpar_conf *lc = &s->lconf[s->nlp];

			memset(l, 0, sizeof(*l));
			snprintf(l->name, sizeof(l->name), "lp%d-%d", y, k);
			l->src = y;
			l->capable = sim_chance(s, 85);
			l->vios = k == 0 && sim_chance(s, 30);
			l->excluded = sim_chance(s, 10);
			l->prio = 1 + sim_rand(s, 3);
			l->mem = 64 + sim_rand(s, 236);
			l->proc = 10 + sim_rand(s, 70);
			l->running_on_src = sim_chance(s, 85);
			l->running_on = -1;
			l->present_on_src = true;
			l->rrs = l->capable ? HMC_RRS_REMOTE_RESTARTABLE :
					      HMC_RRS_INVALID;
			memset(lc, 0, sizeof(*lc));
			memcpy(lc->name, l->name, sizeof(lc->name));
			lc->priority = l->prio;
			lc->excluded = l->excluded;
			s->nlp++;
		}
	}
}

static void
setup(struct sim *s)
{
	int i, y, h;

	s->rng = s->seed * 0x9e3779b97f4a7c15ull + 1;
	s->na = 3 + (int)sim_rand(s, NA_MAX - 2);
	s->ns = 1 + (int)sim_rand(s, NS_MAX);
	s->nh = 1 + (int)sim_rand(s, NH_MAX);
	/* HMCs after the first may lag (show states up to 3 s late): the
	 * first one, which runs the commands, never does. */
	for (h = 1; h < s->nh; h++)
		s->lag[h] = sim_chance(s, 50) ? sim_rand(s, 3000) : 0;
	s->nsys = s->ns + ND;
	s->auto_cleanup = sim_chance(s, 30);
	s->fail_pct = 10 + (int)sim_rand(s, 25);
	for (y = 0; y < s->nsys; y++) {
		s->sys[y].alive = true;
		for (h = 0; h < NH_MAX; h++)
			s->sys[y].link[h] = true;
	}
	setup_lpars(s);
	setup_conf(s);
	for (i = 0; i < s->na; i++) {
		s->a[i].nodeid = (uint32_t)i + 1;
		s->a[i].skew = (int64_t)sim_rand(s, 360001) - 180000;
		if (s->sqlite)	/* tmpfs if there is one: fsync is free */
			snprintf(s->a[i].path, sizeof(s->a[i].path),
				 "%s/srr-dsim-%d-%llu-%d.db",
				 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
				 (int)getpid(), (unsigned long long)s->seed, i);
		agent_start(s, i);
	}
	dsim_membership(s);
	push_phase(s, 500, 0);
	push_phase(s, CHAOS_MS / 3, 4);
	push_phase(s, CHAOS_MS, 1);
	push_phase(s, CHAOS_MS + CALM_MS, 2);
}

/* ------------------------------------------------------------ phases */

static void
calm_start(struct sim *s)
{
	int i, y, h;

	s->calm = true;
	s->qdev_lost = s->skip_lowest = false;
	memset(s->mute_until, 0, sizeof(s->mute_until));
	for (i = 0; i < s->na; i++) {
		s->a[i].label = 0;
		if (!s->a[i].up)
			agent_start(s, i);
	}
	for (y = 0; y < s->nsys; y++) {
		s->sys[y].flap = false;		/* a working HMC: stable states */
		for (h = 0; h < s->nh; h++)
			s->sys[y].link[h] = true;
	}
	dsim_membership(s);
	operator(s, SRR_OPR_RESUME, 0);
	push_phase(s, s->now + 3000, 3);
}

/* The operator watching the alerts: confirms dead ambiguous sources and
 * replays what exhausted its retries. */
static void
calm_operator(struct sim *s)
{
	int y;

	for (y = 0; y < s->ns; y++)
		if (!s->sys[y].alive && s->sys[y].style == FS_AMBIGUOUS)
			operator(s, SRR_OPR_CONFIRM, y);
	/* A pause is a ledger record now: a resume sent while no agent
	 * could act was refused, so the operator resumes until it holds. */
	operator(s, SRR_OPR_RESUME, 0);
	operator(s, SRR_OPR_REPLAY, 0);
	push_phase(s, s->now + 8000, 3);
}

/* The leader of the calm phase (agent 1: the lowest nodeid) must restart
 * what it knows ran there. Inventories are per agent (each srrd polls and
 * keeps its own cache): an agent that never saw the source Operating has
 * nothing to restart from (see doc/engine.md, limits). */
static bool
leader_saw(const struct sim *s, const struct tlpar *l)
{
	const struct agent *a = &s->a[0];
	size_t i;

	if (!a->have_inv[l->src])
		return false;
	for (i = 0; i < a->ninv[l->src]; i++)
		if (!strcmp(a->inv[l->src][i].name, l->name))
			return a->inv[l->src][i].state == HMC_LPAR_RUNNING;
	return false;
}

static bool
must_restart(const struct sim *s, const struct tlpar *l)
{
	const struct tsys *t = &s->sys[l->src];

	return t->ever_died && !t->repaired && l->was_running && l->capable &&
	       !l->vios && !l->excluded && !l->stopped && leader_saw(s, l);
}

static void
check_restarted(struct sim *s)
{
	int i;

	for (i = 0; i < s->nlp; i++)
		if (must_restart(s, &s->lp[i]) && s->lp[i].running_on < 0 &&
		    !sim_lp_abandoned(s, &s->lp[i]))
			sim_violation(s, "liveness: %s not restarted after %d s "
				      "of calm", s->lp[i].name, CALM_MS / 1000);
}

static void
repair_start(struct sim *s)
{
	int y;

	check_restarted(s);
	for (y = 0; y < s->ns; y++)
		if (!s->sys[y].alive)
			hmcm_repair(s, y);
}

static void
kill_one(struct sim *s)
{
	int y;

	for (y = 0; y < s->ns; y++)
		if (s->sys[y].ever_died)
			return;
	s->sys[0].style = FS_DEFINITE;
	hmcm_kill(s, 0);
	sim_log(s, "source 0 dies (definite)");
}

static void
phase(struct sim *s, struct qev *e)
{
	switch (e->label) {
	case 0:
		chaos(s);
		break;
	case 1:
		calm_start(s);
		break;
	case 2:
		repair_start(s);
		break;
	case 3:
		calm_operator(s);
		break;
	case 4:
		kill_one(s);
		break;
	}
}

/* ------------------------------------------------------------ checks */

static int
rank(const struct srr_record *r)
{
	return r->status == SRR_OP_CLEANED ? 3 :
	       r->status == SRR_OP_ABANDONED ? 1 : 2;
}

static const struct srr_record *
debt_of(const struct srr_ledger *led, const struct sim *s,
	const struct tlpar *l)
{
	const struct srr_record *best = NULL;
	size_t k;

	for (k = 0; k < srr_ledger_count(led); k++) {
		const struct srr_record *r = srr_ledger_at(led, k);

		if (strcmp(r->lpar, l->name) != 0 ||
		    strcmp(r->src, s->conf.sys[l->src].name) != 0 ||
		    !srr_op_status_debt(r->status))
			continue;
		/* a superseded duplicate is abandoned too: prefer the real one */
		if (best == NULL || rank(r) > rank(best))
			best = r;
	}
	return best;
}

/* After healing: every restart is a debt on every agent, and, the HMC
 * working and the sources back, every debt is replayed. */
static void
check_final(struct sim *s)
{
	int i, k;

	for (i = 0; i < s->na; i++)
		if (s->a[i].eng != NULL)
			check_broken_rules(s, i);

	for (k = 0; k < s->nlp; k++) {
		const struct tlpar *l = &s->lp[k];
		bool abandoned = sim_lp_abandoned(s, l);

		if (!l->restarted_ok)
			continue;
		if (!abandoned && !l->stopped && !l->migrated && l->present_on_src)
			sim_violation(s, "liveness: debt of %s never replayed",
				      l->name);
		for (i = 0; i < s->na; i++) {
			const struct srr_record *r = debt_of(s->a[i].led, s, l);

			if (s->verbose)
				for (size_t q = 0; q < srr_ledger_count(s->a[i].led); q++) {
					const struct srr_record *x = srr_ledger_at(s->a[i].led, q);
					if (!strcmp(x->lpar, l->name))
						sim_log(s, "end: agent %d %llu.%u.%u %s %s a%u c%u", i + 1,
							(unsigned long long)x->id.epoch, x->id.node, x->id.seq,
							x->src, srr_op_status_name(x->status), x->attempts, x->cl_attempts);
				}
			if (r == NULL)
				sim_violation(s, "debt of %s lost on agent %d",
					      l->name, i + 1);
			else if (l->stopped && !abandoned && l->present_on_src &&
				 r->status == SRR_OP_CLEANED)
				sim_violation(s, "debt of %s closed on agent %d: it "
					      "was stopped on its destination and "
					      "its source still holds it", l->name,
					      i + 1);
			else if (!abandoned && !l->stopped && !l->migrated &&
				 r->status != SRR_OP_CLEANED)
				sim_violation(s, "debt of %s still %s on agent %d",
					      l->name,
					      srr_op_status_name(r->status), i + 1);
		}
	}
}

/* ------------------------------------------------------------- loop */

static void
handle(struct sim *s, struct qev *e)
{
	switch (e->type) {
	case Q_TICK:
		if (s->a[e->agent].up && s->a[e->agent].inc == e->inc) {
			tick(s, e->agent);
			push_tick(s, e->agent);
		}
		break;
	case Q_DELIVER:
		dsim_deliver(s, e);
		break;
	case Q_SYNC:
		dsim_sync(s, e);
		break;
	case Q_CMD_DONE:
	case Q_QUERY_DONE:
	case Q_FENCE_DONE:
		hmcm_done(s, e);
		break;
	case Q_CHAOS:
		phase(s, e);
		break;
	case Q_VIEW:
		dsim_view_learned(s, e);
		break;
	case Q_REPLAY:
		if (s->a[e->agent].up && s->a[e->agent].inc == e->inc)
			sim_event(s, e->agent, &e->ev);
		break;
	}
}

static void
teardown(struct sim *s)
{
	int i;

	while (s->nq > 0) {
		struct qev e = dsim_pop(s);

		free(e.buf);
	}
	free(s->q);
	for (i = 0; i < s->na; i++) {
		if (s->a[i].eng != NULL)
			s->ignored += srr_engine_ignored_results(s->a[i].eng);
		srr_engine_free(s->a[i].eng);
		srr_ledger_free(s->a[i].led);
		srr_store_close(s->a[i].store);
		if (s->sqlite) {
			char p[160];

			unlink(s->a[i].path);
			snprintf(p, sizeof(p), "%s-wal", s->a[i].path);
			unlink(p);
			snprintf(p, sizeof(p), "%s-shm", s->a[i].path);
			unlink(p);
		}
	}
}

/* One schedule; returns true if the promise held. */
static bool
run(struct sim *s)
{
	const int64_t end = CHAOS_MS + CALM_MS + REPAIR_MS;

	setup(s);
	while (s->nq > 0 && !s->violation[0]) {
		struct qev e = dsim_pop(s);

		if (e.t > end) {
			free(e.buf);
			break;
		}
		s->now = e.t;
		handle(s, &e);
	}
	if (!s->violation[0])
		check_final(s);
	teardown(s);
	return s->violation[0] == '\0';
}

/* ------------------------------------------------------------- main */

static const struct { const char *name; unsigned bit; } faults[] = {
	{ "quorum", SRR_FAULT_NO_QUORUM },
	{ "confirm", SRR_FAULT_NO_CONFIRM },
	{ "delivery", SRR_FAULT_NO_DELIVERY },
	{ "dest", SRR_FAULT_NO_DEST_CHECK },
};

struct opts {
	uint64_t first, count, seed, sqlite_every;
	bool one, verbose, expect, safety_only, first_given, clean_only;
	unsigned fault;
	const char *fault_name;
};

struct totals {
	uint64_t schedules, steps, commands, restarts, cleanups, alerts;
	uint64_t dups, lost, dropped, ignored;
	uint64_t failed_seed;
	char violation[512];
	bool failed;
};

static void
run_seeds(const struct opts *o, uint64_t first, uint64_t count,
	  struct totals *t)
{
	uint64_t seed;

	memset(t, 0, sizeof(*t));
	for (seed = first; seed < first + count; seed++) {
		struct sim s;

		memset(&s, 0, sizeof(s));
		s.seed = seed;
		s.fault = o->fault;
		s.verbose = o->verbose;
		s.sqlite = o->sqlite_every && seed % o->sqlite_every == 0;
		run(&s);
		t->schedules++;
		t->steps += s.steps;
		t->commands += s.commands;
		t->restarts += s.restarts;
		t->cleanups += s.cleanups;
		t->alerts += s.alerts;
		t->dups += s.dups;
		t->lost += s.lost;
		t->dropped += s.dropped;
		t->ignored += s.ignored;
		/* Looking for what a broken gate does: a safety violation. */
		if (s.violation[0] && o->safety_only &&
		    strstr(s.violation, "liveness") != NULL)
			continue;
		if (s.violation[0]) {
			t->failed = true;
			t->failed_seed = seed;
			snprintf(t->violation, sizeof(t->violation), "%s",
				 s.violation);
			return;
		}
	}
}

static void
replay_line(const struct opts *o, uint64_t seed)
{
	printf("# replay: tests/engine_dsim --seed %llu%s%s -v\n",
	       (unsigned long long)seed, o->fault_name ? " --fault " : "",
	       o->fault_name ? o->fault_name : "");
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The clean run: every schedule must keep the promise. */
static bool
suite_clean(const struct opts *o, int n)
{
	struct timespec t0;
	struct totals t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_seeds(o, o->first, o->count, &t);
	printf("# %llu schedules, %llu steps checked, %llu HMC commands "
	       "(%llu restarts, %llu cleanups), %llu alerts, %.1f s\n",
	       (unsigned long long)t.schedules, (unsigned long long)t.steps,
	       (unsigned long long)t.commands, (unsigned long long)t.restarts,
	       (unsigned long long)t.cleanups, (unsigned long long)t.alerts,
	       elapsed(&t0));
	printf("# faults: %llu results repeated late, %llu lost, %llu records "
	       "dropped at an epoch's end; %llu results ignored by their tag\n",
	       (unsigned long long)t.dups, (unsigned long long)t.lost,
	       (unsigned long long)t.dropped, (unsigned long long)t.ignored);
	if (t.failed) {
		printf("# seed %llu broke the promise: %s\n",
		       (unsigned long long)t.failed_seed, t.violation);
		replay_line(o, t.failed_seed);
	}
	printf("%s %d - %llu schedules keep the promise\n",
	       t.failed ? "not ok" : "ok", n, (unsigned long long)t.schedules);
	return !t.failed;
}

/* With one part of the gate off, the simulator must find a violation. */
static bool
suite_fault(const struct opts *base, int fi, int n)
{
	struct opts o = *base;
	struct totals t;

	o.fault = faults[fi].bit;
	o.fault_name = faults[fi].name;
	o.safety_only = true;
	run_seeds(&o, o.first, 3000, &t);
	if (t.failed) {
		printf("# gate part '%s' off: seed %llu (after %llu schedules): "
		       "%s\n", o.fault_name, (unsigned long long)t.failed_seed,
		       (unsigned long long)t.schedules, t.violation);
		replay_line(&o, t.failed_seed);
	}
	printf("%s %d - with the %s check off the simulator finds a safety "
	       "violation\n", t.failed ? "ok" : "not ok", n, o.fault_name);
	return t.failed;
}

/* Seeds that once broke the promise (doc/engine.md): run on every check,
 * whatever the base seed drawn. */
static const uint64_t regressions[] = {
	584, 7304, 26966,		/* found during development */
	112309, 204229, 305651, 510493,	/* a debt lost its destination */
	246217379118,			/* an intent of an earlier leader */
	311602263575,			/* an intent sent late, stale view */
	606109534864,			/* a superseded attempt left restarting */
	648875545602,			/* a late record merged by its sender only */
	820196905,			/* cleaned, replanned from the outage */
	88461884577464,			/* a cleanup intent sent seconds late */
	144927715326780,		/* checker: a poll in the repair's ms */
	236034563275574,		/* an earlier fence's late success */
};

static bool
suite_regressions(const struct opts *o, int n)
{
	size_t i, nr = sizeof(regressions) / sizeof(regressions[0]);
	struct totals t;
	bool ok = true;

	for (i = 0; i < nr; i++) {
		run_seeds(o, regressions[i], 1, &t);
		if (t.failed) {
			printf("# regression seed %llu broke the promise: %s\n",
			       (unsigned long long)regressions[i], t.violation);
			replay_line(o, regressions[i]);
			ok = false;
		}
	}
	printf("%s %d - %zu regression seeds keep the promise\n",
	       ok ? "ok" : "not ok", n, nr);
	return ok;
}

/* A fresh base seed for each run (DSIM_SEED replays one), printed first. */
static uint64_t
draw_base(void)
{
	const char *env = getenv("DSIM_SEED");
	struct timespec ts;
	uint64_t b;

	if (env != NULL && *env != '\0')
		return strtoull(env, NULL, 10);
	clock_gettime(CLOCK_REALTIME, &ts);
	b = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
	    ((uint64_t)getpid() << 40);
	b ^= b >> 31;
	return 1 + b % 1000000000000ull;
}

static int
parse(int argc, char **argv, struct opts *o)
{
	int i;
	size_t f;

	memset(o, 0, sizeof(*o));
	o->first = 1;
	o->count = 10000;
	o->sqlite_every = 10;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-v")) {
			o->verbose = true;
		} else if (!strcmp(a, "--clean-only")) {
			o->clean_only = true;
		} else if (!strcmp(a, "--expect-violation")) {
			o->expect = true;
		} else if (v && !strcmp(a, "--seed")) {
			o->seed = strtoull(v, NULL, 10);
			o->one = true;
			i++;
		} else if (v && !strcmp(a, "--schedules")) {
			o->count = strtoull(v, NULL, 10);
			i++;
		} else if (v && !strcmp(a, "--first")) {
			o->first = strtoull(v, NULL, 10);
			o->first_given = true;
			i++;
		} else if (v && !strcmp(a, "--sqlite-every")) {
			o->sqlite_every = strtoull(v, NULL, 10);
			i++;
		} else if (v && !strcmp(a, "--fault")) {
			for (f = 0; f < sizeof(faults) / sizeof(faults[0]); f++)
				if (!strcmp(v, faults[f].name)) {
					o->fault = faults[f].bit;
					o->fault_name = faults[f].name;
				}
			if (!o->fault)
				return -EINVAL;
			i++;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static void
print_base(const struct opts *o)
{
	printf("# base seed %llu: tests/engine_dsim --first %llu --schedules "
	       "%llu%s replays this run\n", (unsigned long long)o->first,
	       (unsigned long long)o->first, (unsigned long long)o->count,
	       o->clean_only ? " --clean-only" : "");
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct totals t;
	bool ok = true;
	size_t f;

	if (parse(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: engine_dsim [--schedules N] [--first S] "
			"[--seed S] [--fault quorum|confirm|delivery|dest] "
			"[--sqlite-every N] [--clean-only] [-v]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (o.one) {
		run_seeds(&o, o.seed, 1, &t);
		printf("seed %llu: %s%s\n", (unsigned long long)o.seed,
		       t.failed ? "VIOLATION: " : "promise kept",
		       t.failed ? t.violation : "");
		return t.failed ? 1 : 0;
	}
	if (o.fault) {
		run_seeds(&o, o.first, o.count, &t);
		if (t.failed)
			replay_line(&o, t.failed_seed);
		printf("%s\n", t.failed ? t.violation : "no violation");
		return t.failed == o.expect ? 0 : 1;
	}
	if (!o.first_given)
		o.first = draw_base();
	if (o.clean_only) {	/* scripts/dsim-long: the clean run alone */
		printf("1..1\n");
		print_base(&o);
		return suite_clean(&o, 1) ? 0 : 1;
	}
	printf("1..%zu\n", 2 + sizeof(faults) / sizeof(faults[0]));
	print_base(&o);
	ok = suite_clean(&o, 1);
	ok &= suite_regressions(&o, 2);
	/* The broken gates are searched from seed 1: a fixed, known search. */
	o.first = 1;
	for (f = 0; f < sizeof(faults) / sizeof(faults[0]); f++)
		ok &= suite_fault(&o, (int)f, (int)f + 3);
	return ok ? 0 : 1;
}
