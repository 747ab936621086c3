/*
 * dsim_hmc.c: the HMC model of the simulator, and the promise checked at
 * each command an agent sends.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dsim.h"

/* Was SYS alive at time T (it dies once at most, is repaired once)? */
static bool
alive_at(const struct tsys *t, int64_t at)
{
	return !t->ever_died || at < t->died_at ||
	       (t->repaired && at >= t->alive_since);
}

/* What HMC H shows for system SYS: as it was lag[h] ms ago. */
enum hmc_sys_state
hmcm_shown(struct sim *s, int sys, int h)
{
	struct tsys *t = &s->sys[sys];

	if (!t->link[h])
		return HMC_SYS_NO_CONNECTION;
	if (alive_at(t, s->now - s->lag[h]))
		return HMC_SYS_OPERATING;
	if (t->style == FS_AMBIGUOUS)
		return HMC_SYS_NO_CONNECTION;
	if (t->flap && sim_chance(s, 30))
		return HMC_SYS_INITIALIZING;
	return (sys & 1) ? HMC_SYS_ERROR : HMC_SYS_POWER_OFF;
}

static void
feed_inventory(struct sim *s, int ai, int sys, int h, enum hmc_sys_state st)
{
	struct srr_lpar_obs obs[NL_MAX];
	struct srr_event ev = { .type = SRR_EV_INVENTORY };
	size_t n = 0;
	int i;

	memset(obs, 0, sizeof(obs));
	for (i = 0; i < s->nlp; i++) {
		const struct tlpar *l = &s->lp[i];

		if (l->src != sys || !l->present_on_src)
			continue;
		snprintf(obs[n].name, sizeof(obs[n].name), "%s", l->name);
		obs[n].id = (uint32_t)i + 1;
		obs[n].state = l->running_on_src ? HMC_LPAR_RUNNING :
			       HMC_LPAR_NOT_ACTIVATED;
		obs[n].srr_capable = l->capable;
		obs[n].vios = l->vios;
		obs[n].mem_mb = l->mem;
		obs[n].proc_centi = l->proc;
		n++;
	}
	ev.u.inv.hmc = h;
	ev.u.inv.sys = sys;
	ev.u.inv.sys_state = st;
	ev.u.inv.n = n;
	ev.u.inv.lpars = obs;
	sim_event(s, ai, &ev);
	s->a[ai].have_inv[sys] = true;
	s->a[ai].ninv[sys] = n;
	memcpy(s->a[ai].inv[sys], obs, sizeof(obs));
}

static void
feed_capacity(struct sim *s, int ai, int d)
{
	struct srr_event ev = { .type = SRR_EV_CAPACITY };
	uint32_t mem = 4096, proc = 800;
	int i;

	for (i = 0; i < s->nlp; i++)
		if (s->lp[i].running_on == d) {
			mem -= s->lp[i].mem;
			proc -= s->lp[i].proc;
		}
	ev.u.cap.sys = d;
	ev.u.cap.free_mem_mb = mem;
	ev.u.cap.free_proc_centi = proc;
	sim_event(s, ai, &ev);
}

/* One poll of every HMC by agent AI: states, inventories, capacities. */
void
hmcm_feed(struct sim *s, int ai)
{
	struct srr_event ev;
	int h, y;

	s->a[ai].last_poll = s->now;
	s->a[ai].last_poll_step = s->steps;
	for (h = 0; h < s->nh; h++) {
		if (s->now < s->mute_until[h])
			continue;	/* this HMC answers no poll: silent */
		memset(&ev, 0, sizeof(ev));
		ev.type = SRR_EV_POLL;
		ev.u.poll.hmc = h;
		ev.u.poll.nsys = s->nsys;
		for (y = 0; y < s->nsys; y++) {
			ev.u.poll.state[y] = hmcm_shown(s, y, h);
			ev.u.poll.visible[y] = true;
		}
		sim_event(s, ai, &ev);
		for (y = 0; y < s->ns; y++)
			if (ev.u.poll.state[y] == HMC_SYS_OPERATING)
				feed_inventory(s, ai, y, h, HMC_SYS_OPERATING);
	}
	for (y = s->ns; y < s->nsys; y++)
		feed_capacity(s, ai, y);
}

/* The cluster truth: only the leader of a quorate, synced membership may
 * send anything to the HMC. */
bool
hmcm_agent_may_act(struct sim *s, int ai)
{
	const struct agent *a = &s->a[ai];

	return a->up && a->leader && a->quorate && a->synced == a->epoch &&
	       a->epoch != 0;
}

static struct tlpar *
lpar_of(struct sim *s, const struct srr_action *a)
{
	int i;

	for (i = 0; i < s->nlp; i++)
		if (strcmp(s->lp[i].name, a->lpar) == 0 && s->lp[i].src == a->src)
			return &s->lp[i];
	return NULL;
}

static void
schedule_done(struct sim *s, int ai, const struct srr_action *a, int64_t delay,
	      int exit_status, enum qtype t)
{
	struct qev e = { .t = s->now + delay, .type = t, .agent = ai,
			 .inc = s->a[ai].inc, .act = *a,
			 .exit_status = exit_status };
	sim_push(s, &e);
}

static void
check_restart(struct sim *s, int ai, struct tlpar *l, const struct srr_action *a)
{
	/* Powered on after this agent's last poll: it could not know, and
	 * the HMC refuses (it shows the source Operating). Only if that poll
	 * was fresh: the engine may not act on an older one. "After" in
	 * event order: a poll in the same ms as the repair may come before it
	 * (seed 144927715326780 was no violation). */
	if (s->sys[a->src].alive &&
	    (s->a[ai].last_poll_step >= s->sys[a->src].alive_step ||
	     s->now - s->a[ai].last_poll > POLL_FRESH_MS))
		sim_violation(s, "agent %d restarts %s while its source %d runs",
			      ai + 1, a->lpar, a->src);
	if (s->verbose)
		for (size_t k = 0; k < srr_ledger_count(s->a[ai].led); k++) {
			const struct srr_record *r = srr_ledger_at(s->a[ai].led, k);
			if (!strcmp(r->lpar, a->lpar))
				sim_log(s, "  ledger of %d: %llu.%u.%u %s %s a%u", ai + 1,
					(unsigned long long)r->id.epoch, r->id.node,
					r->id.seq, r->src, srr_op_status_name(r->status),
					r->attempts);
		}
	if (l->restart_inflight || l->restarted_ok)
		sim_violation(s, "agent %d sends a second restart of %s (%s) "
			      "without a proven failure", ai + 1, a->lpar,
			      l->restart_inflight ? "one in progress" :
			      "already restarted");
}

static void
restart_cmd(struct sim *s, int ai, const struct srr_action *a, struct tlpar *l)
{
	enum hmc_sys_state st = hmcm_shown(s, a->src, 0);
	int64_t dur = 2000 + sim_rand(s, 6000);

	s->restarts++;
	check_restart(s, ai, l, a);
	if (!hmc_sys_state_rr_source_ok(st) ||
	    l->rrs != HMC_RRS_REMOTE_RESTARTABLE || !l->capable) {
		schedule_done(s, ai, a, 500, 1, Q_CMD_DONE);
		return;
	}
	if (!s->calm && sim_chance(s, 5))
		dur += 20000;		/* a slow HMC */
	l->restart_inflight = true;
	l->rrs = HMC_RRS_SOURCE_RESTARTING;
	schedule_done(s, ai, a, dur, 0, Q_CMD_DONE);
}

static void
cleanup_cmd(struct sim *s, int ai, const struct srr_action *a, struct tlpar *l)
{
	s->cleanups++;
	/* Stopped on its destination after a query showed this agent it
	 * active there: the race between check and act, not a skipped check.
	 * Only a query of its current epoch, of the last 3 polls, counts. */
	if (l->running_on < 0 && !(l->stopped && l->seen_on_dest[ai] > 0 &&
				   l->seen_on_dest[ai] <= l->stopped_at &&
				   l->seen_epoch[ai] == s->a[ai].epoch &&
				   s->now - l->seen_on_dest[ai] <= 3 * POLL_MS))
		sim_violation(s, "agent %d cleans up %s on %d, never confirmed "
			      "active on a destination", ai + 1, a->lpar, a->src);
	schedule_done(s, ai, a, 1000 + sim_rand(s, 2000), 0, Q_CMD_DONE);
}

/* The gate's ledger part: the intent for this very attempt is in the
 * sender's durable ledger (it came back through the cluster) first. */
static void
check_intent(struct sim *s, int ai, const struct srr_action *a)
{
	const struct srr_record *r = srr_ledger_get(s->a[ai].led, &a->op);
	enum srr_op_status want = a->cmd == HMC_RR_RESTART ? SRR_OP_RESTARTING :
				  SRR_OP_CLEANING;

	if (r == NULL || r->status != want ||
	    (want == SRR_OP_RESTARTING ? r->attempts : r->cl_attempts) !=
	    a->attempt)
		sim_violation(s, "agent %d sends %s of %s before its intent "
			      "(attempt %u) is in its ledger", ai + 1,
			      hmc_rr_op_name(a->cmd), a->lpar, a->attempt);
}

void
hmcm_command(struct sim *s, int ai, const struct srr_action *a)
{
	struct tlpar *l = lpar_of(s, a);

	if (a->cmd != HMC_RR_VALIDATE) {
		check_intent(s, ai, a);
		/* Nothing that changes an HMC from an agent that has not yet
		 * learned of the current configuration. */
		if (!dsim_learned(s, ai))
			sim_violation(s, "agent %d sends %s of %s with a stale "
				      "view (epoch %llu, now %llu)", ai + 1,
				      hmc_rr_op_name(a->cmd), a->lpar,
				      (unsigned long long)s->a[ai].epoch,
				      (unsigned long long)s->epoch);
	}

	s->commands++;
	if (!hmcm_agent_may_act(s, ai))
		sim_violation(s, "agent %d (epoch %llu, leader %d, quorate %d, "
			      "synced %d) sends %s", ai + 1,
			      (unsigned long long)s->a[ai].epoch, s->a[ai].leader,
			      s->a[ai].quorate, s->a[ai].synced == s->a[ai].epoch,
			      hmc_rr_op_name(a->cmd));
	if (l == NULL) {
		sim_violation(s, "command for unknown partition %s", a->lpar);
		return;
	}
	sim_log(s, "agent %d: rrstartlpar -o %s %s src %d dst %d", ai + 1,
		hmc_rr_op_name(a->cmd), a->lpar, a->src, a->dst);
	if (a->cmd == HMC_RR_RESTART)
		restart_cmd(s, ai, a, l);
	else if (a->cmd == HMC_RR_CLEANUP)
		cleanup_cmd(s, ai, a, l);
	else
		schedule_done(s, ai, a, 500 + sim_rand(s, 1000), 0, Q_CMD_DONE);
}

void
hmcm_query(struct sim *s, int ai, const struct srr_action *a)
{
	schedule_done(s, ai, a, 300 + sim_rand(s, 1500), 0, Q_QUERY_DONE);
}

void
hmcm_fence(struct sim *s, int ai, const struct srr_action *a)
{
	if (!hmcm_agent_may_act(s, ai))
		sim_violation(s, "agent %d fences while not the acting leader",
			      ai + 1);
	schedule_done(s, ai, a, 1000 + sim_rand(s, 2000), 0, Q_FENCE_DONE);
}

void
hmcm_kill(struct sim *s, int sys)
{
	int i;

	if (!s->sys[sys].alive)
		return;
	s->sys[sys].alive = false;
	s->sys[sys].ever_died = true;
	s->sys[sys].died_at = s->now;
	for (i = 0; i < s->nlp; i++)
		if (s->lp[i].src == sys) {
			s->lp[i].was_running = s->lp[i].running_on_src;
			s->lp[i].running_on_src = false;
		}
}

/* Repaired: partitions never restarted elsewhere boot again on it. */
void
hmcm_repair(struct sim *s, int sys)
{
	int i;

	s->sys[sys].alive = true;
	s->sys[sys].repaired = true;
	s->sys[sys].alive_since = s->now;
	s->sys[sys].alive_step = s->steps;
	for (i = 0; i < s->nlp; i++) {
		struct tlpar *l = &s->lp[i];

		if (l->src != sys)
			continue;
		if (l->rrs == HMC_RRS_REMOTE_RESTARTABLE && !l->restart_inflight)
			l->running_on_src = l->was_running;
		if (s->auto_cleanup && l->rrs == HMC_RRS_REMOTE_RESTARTED) {
			l->present_on_src = false;
			l->rrs = HMC_RRS_INVALID;
		}
	}
}

static void
restart_done(struct sim *s, struct qev *e, struct tlpar *l,
	     struct srr_ev_cmd_result *r)
{
	if (e->exit_status != 0) {	/* refused at once */
		r->exit_status = 1;
		snprintf(r->code, sizeof(r->code), "HSCLA9CE");
		snprintf(r->msg, sizeof(r->msg), "not in a valid state");
		return;
	}
	l->restart_inflight = false;
	if (!s->calm && sim_chance(s, s->fail_pct)) {
		l->rrs = HMC_RRS_REMOTE_RESTARTABLE;
		r->exit_status = 1;
		/* A made-up code: the simulator's, not IBM's. */
		snprintf(r->code, sizeof(r->code), "HSCLFFF1");
		snprintf(r->msg, sizeof(r->msg), "simulated restart failure");
	} else {
		l->rrs = HMC_RRS_REMOTE_RESTARTED;
		if (l->running_on_src)
			sim_violation(s, "%s runs twice: on its source and on "
				      "%d", l->name, e->act.dst);
		l->running_on = e->act.dst;
		l->restarted_ok = true;
		r->exit_status = 0;
	}
}

static void
cleanup_done(struct sim *s, struct tlpar *l, struct srr_ev_cmd_result *r)
{
	if (!hmc_sys_state_cleanup_ok(hmcm_shown(s, l->src, 0))) {
		r->exit_status = 1;
		snprintf(r->code, sizeof(r->code), "HSCLFFF2");
		snprintf(r->msg, sizeof(r->msg), "source not operating");
	} else if (!l->present_on_src) {
		r->exit_status = 1;
		snprintf(r->code, sizeof(r->code), "HSCL8012");
		snprintf(r->msg, sizeof(r->msg), "partition not found");
	} else if (!s->calm && sim_chance(s, s->fail_pct)) {
		r->exit_status = 1;
		snprintf(r->code, sizeof(r->code), "HSCLFFF3");
		snprintf(r->msg, sizeof(r->msg), "simulated cleanup failure");
	} else {
		l->present_on_src = false;
		l->rrs = HMC_RRS_INVALID;
		r->exit_status = 0;
	}
}

/* The answer reaches the agent that asked, if it still runs. In the
 * chaos, the transport may lose it (the engine's deadline then counts), or
 * deliver it again later, across attempts and epochs (its tag must then
 * make it count for nothing). */
static void
answer(struct sim *s, struct qev *e, const struct srr_event *ev)
{
	struct qev d = { .type = Q_REPLAY, .agent = e->agent, .inc = e->inc };

	if (!s->a[e->agent].up || s->a[e->agent].inc != e->inc)
		return;
	if (!s->calm && sim_chance(s, 3)) {
		s->lost++;
		sim_log(s, "agent %d: a result is lost", e->agent + 1);
		return;
	}
	sim_event(s, e->agent, ev);
	if (sim_chance(s, s->calm ? 5 : 15)) {
		s->dups++;
		d.t = s->now + 200 + sim_rand(s, 10000);
		d.ev = *ev;
		sim_push(s, &d);
	}
}

static void
query_done(struct sim *s, struct qev *e, struct tlpar *l)
{
	struct srr_event ev = { .type = SRR_EV_QUERY_RESULT };
	struct srr_ev_query_result *q = &ev.u.query;

	q->op = e->act.op;
	q->tag = e->act.tag;
	q->ok = s->calm || !sim_chance(s, 5);
	q->src_present = l->present_on_src;
	q->src_rrs = l->rrs;
	q->found_on = l->running_on;
	q->dst_state = l->running_on >= 0 ? HMC_LPAR_RUNNING : HMC_LPAR_UNKNOWN;
	if (q->ok && l->running_on >= 0) {
		l->seen_on_dest[e->agent] = s->now;
		l->seen_epoch[e->agent] = s->a[e->agent].epoch;
	}
	answer(s, e, &ev);
}

/* A command, query or fence finished: the HMC's side effects happen even
 * if the agent that asked is gone; the answer reaches it only if alive. */
void
hmcm_done(struct sim *s, struct qev *e)
{
	struct tlpar *l = lpar_of(s, &e->act);
	struct srr_event ev = { .type = SRR_EV_CMD_RESULT };
	struct srr_ev_cmd_result *r = &ev.u.res;
	bool alive = s->a[e->agent].up && s->a[e->agent].inc == e->inc;

	if (e->type == Q_FENCE_DONE) {
		bool ok = s->calm || !sim_chance(s, 10);

		if (ok) {	/* powered off: whatever ran there stops */
			s->sys[e->act.src].style = FS_DEFINITE;
			hmcm_kill(s, e->act.src);
		}
		sim_log(s, "fence of %d by agent %d: %s", e->act.src,
			e->agent + 1, ok ? "success" : "failure");
		ev.type = SRR_EV_FENCE_RESULT;
		ev.u.fence.sys = e->act.src;
		ev.u.fence.tag = e->act.tag;
		ev.u.fence.success = ok;
		answer(s, e, &ev);
		return;
	}
	if (l == NULL)
		return;
	if (e->type == Q_QUERY_DONE) {
		if (alive)
			query_done(s, e, l);
		return;
	}
	r->op = e->act.op;
	r->tag = e->act.tag;
	r->cmd = e->act.cmd;
	r->attempt = e->act.attempt;
	if (e->act.cmd == HMC_RR_RESTART)
		restart_done(s, e, l, r);
	else if (e->act.cmd == HMC_RR_CLEANUP)
		cleanup_done(s, l, r);
	else
		r->exit_status = l->rrs == HMC_RRS_REMOTE_RESTARTABLE &&
				 hmc_sys_state_rr_source_ok(hmcm_shown(s, l->src, 0))
				 ? 0 : 1;
	/* The transport may lose the exit status whatever happened. */
	if (!s->calm && sim_chance(s, 3)) {
		r->exit_status = -1;
		snprintf(r->msg, sizeof(r->msg), "connection dropped");
	}
	answer(s, e, &ev);
}
