/*
 * engine_watch.c: what the HMCs say about the systems. Confirmation
 * windows, the stall guard, inventories, capacities and the fence.
 *
 * A system is confirmed down when every HMC that sees it has reported a
 * definite-down state on K consecutive polls spanning at least T ms. An
 * ambiguous state (anything not operating and not definitely down) only
 * counts with an operator's confirmation or a fence that succeeded, and
 * never while any HMC reports the system operating.
 */
#define SRR_LOG_TAG "engine"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/engine_int.h"

static void
reset_windows(struct srr_engine *e)
{
	int s, h;

	for (s = 0; s < e->c.nsys; s++)
		for (h = 0; h < e->c.nhmc; h++) {
			e->sys[s].hmc[h].down_run = 0;
			e->sys[s].hmc[h].notop_run = 0;
		}
}

/* A tick gap longer than the poll interval, or time going backwards, means
 * the loop stalled or the clock jumped: what we saw may be stale. */
void
watch_tick(struct srr_engine *e, struct srr_mono now, struct srr_wall w)
{
	int64_t gap = now.ms - e->last_tick;

	if (e->have_tick && (gap < 0 || gap > e->c.poll_ms)) {
		e->stall_until = now.ms + e->c.confirm_t_ms;
		reset_windows(e);
		engine_alert(e, SRR_ALERT_STALL, "stall guard: tick gap of %lld "
			     "ms (poll interval %lld ms): actions suspended for "
			     "%lld ms", (long long)gap, (long long)e->c.poll_ms,
			     (long long)e->c.confirm_t_ms);
	}
	e->have_tick = true;
	e->last_tick = now.ms;
	e->now = now.ms;
	e->wall = w;
}

static bool
is_down_state(const struct srr_engine *e, enum hmc_sys_state st)
{
	if (e->fault & SRR_FAULT_NO_CONFIRM)
		return hmc_sys_state_class(st) != HMC_CLASS_OPERATING;
	return (unsigned)st < 32 && (e->c.down_mask & (1u << st)) &&
	       hmc_sys_state_class(st) != HMC_CLASS_OPERATING;
}

static void
poll_one(struct srr_engine *e, int s, struct ehmc *h, enum hmc_sys_state st,
	 bool visible, int64_t asked)
{
	bool operating = hmc_sys_state_class(st) == HMC_CLASS_OPERATING;

	h->seen = true;
	h->visible = visible;
	h->st = st;
	h->polled = e->now;
	h->asked = asked;
	if (!visible || !is_down_state(e, st))
		h->down_run = 0;
	else if (h->down_run++ == 0)
		h->down_start = asked;
	if (!visible || operating)
		h->notop_run = 0;
	else if (h->notop_run++ == 0)
		h->notop_start = asked;
	if (visible && operating) {
		watch_forget_confirm(e, s, "seen operating");
		e->sys[s].up_mono = e->now;
	}
}

int
watch_poll(struct srr_engine *e, const struct srr_ev_poll *p)
{
	int64_t asked = p->asked.ms > 0 && e->have_tick ? p->asked.ms : e->now;
	int s;

	/* Asked after it came, or before the clock: the daemon's bug. */
	if (p->hmc < 0 || p->hmc >= e->c.nhmc || p->nsys < 0 ||
	    p->nsys > e->c.nsys || p->asked.ms < 0 || asked > e->now)
		return -EINVAL;
	for (s = 0; s < p->nsys; s++)
		poll_one(e, s, &e->sys[s].hmc[p->hmc], p->state[s],
			 p->visible[s], asked);
	return 0;
}

void
watch_forget_confirm(struct srr_engine *e, int s, const char *why)
{
	struct esys *y = &e->sys[s];

	if (y->op_confirmed || y->fenced)
		srr_log(LOG_INFO, "%s %s: confirmation withdrawn",
			e->c.sys[s].name, why);
	y->op_confirmed = false;
	y->fenced = false;
}

/* A debt of S was cleaned: by our cleanup, by the HMC's auto-cleanup, or
 * by another agent's. Either runs only once S is back, so every poll that
 * confirmed S down may be older than a moment S was up (an auto-cleanup
 * seen by a query before any poll showed S up: the simulator, seed
 * 820196905, restarted the cleaned partition again from the inventory of
 * the outage). S must be confirmed down afresh, by polls after this. */
void
watch_source_back(struct srr_engine *e, int s, const char *lpar)
{
	struct esys *y = &e->sys[s];
	bool had = y->down;
	int h;

	for (h = 0; h < e->c.nhmc; h++) {
		had |= y->hmc[h].down_run > 0;
		y->hmc[h].down_run = 0;
		y->hmc[h].notop_run = 0;
	}
	if (had)
		srr_log(LOG_NOTICE, "%s: the debt of %s was cleaned, so it was up "
			"after the polls that confirmed it down: it must be "
			"confirmed down again", e->c.sys[s].name, lpar);
	watch_forget_confirm(e, s, "had a debt cleaned");
	y->down = false;
}

/* Only an inventory taken while the system was Operating says which
 * partitions ran on it. */
int
watch_inventory(struct srr_engine *e, const struct srr_ev_inventory *iv)
{
	struct esys *y;
	struct srr_lpar_obs *v;
	size_t i;

	if (iv->sys < 0 || iv->sys >= e->c.nsys || iv->n > SRR_MAX_LPARS ||
	    (iv->n > 0 && iv->lpars == NULL))
		return -EINVAL;
	/* Names come from HMC output: unterminated or unquotable ones would
	 * be compared past their end, or planned and never sendable. */
	for (i = 0; i < iv->n; i++)
		if (hmc_name_check(iv->lpars[i].name) < 0) {
			srr_log(LOG_WARNING, "inventory of %s refused: partition %zu "
				"has no valid name", e->c.sys[iv->sys].name, i);
			return -EINVAL;
		}
	if (iv->sys_state != HMC_SYS_OPERATING)
		return 0;
	y = &e->sys[iv->sys];
	v = malloc((iv->n ? iv->n : 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	if (iv->n > 0)
		memcpy(v, iv->lpars, iv->n * sizeof(*v));
	free(y->inv);
	y->inv = v;
	y->ninv = iv->n;
	y->have_inv = true;
	return 0;
}

int
watch_capacity(struct srr_engine *e, const struct srr_ev_capacity *c)
{
	if (c->sys < 0 || c->sys >= e->c.nsys)
		return -EINVAL;
	e->sys[c->sys].have_cap = true;
	e->sys[c->sys].free_mem = c->free_mem_mb;
	e->sys[c->sys].free_proc = c->free_proc_centi;
	return 0;
}

static bool
fresh(const struct srr_engine *e, const struct ehmc *m)
{
	return e->now - m->polled <= e->c.poll_ms + e->c.poll_ms / 2;
}

static bool
confirm_valid(const struct srr_engine *e, bool set, int64_t at)
{
	return set && e->now - at < e->c.confirm_ttl_ms;
}

/* The HMC counting rule (doc/engine.md): every configured HMC counts. One
 * that answered that it does not manage S is out of S's agreement, as it
 * said; one that has not answered lately (or never since start) is silent,
 * and a silent HMC blocks a decision on its own polls: it may be the one
 * that sees S run. Only an operator's confirmation or a successful fence
 * stands for a silent HMC. Any HMC whose last word is Operating blocks. */
static bool
hmc_out(const struct ehmc *m)
{
	return m->seen && !m->visible;
}

static bool
hmc_silent(const struct srr_engine *e, const struct ehmc *m)
{
	return !m->seen || !fresh(e, m);
}

static void
silent_why(const struct srr_engine *e, int s, int h, char *why, size_t len)
{
	const struct ehmc *m = &e->sys[s].hmc[h];

	if (m->seen)
		snprintf(why, len, "the last poll of %s by HMC %d is %lld ms old",
			 e->c.sys[s].name, h, (long long)(e->now - m->polled));
	else
		snprintf(why, len, "HMC %d has not answered about %s since start",
			 h, e->c.sys[s].name);
}

/* Every configured HMC agrees; WHY says which part failed. */
bool
watch_down(struct srr_engine *e, int s, char *why, size_t len)
{
	const struct esys *y = &e->sys[s];
	const char *name = e->c.sys[s].name;
	bool definite = true, notop = true;
	int h, seeing = 0, silent = -1;

	for (h = 0; h < e->c.nhmc; h++) {
		const struct ehmc *m = &y->hmc[h];

		if (hmc_out(m))
			continue;
		if (m->seen && hmc_sys_state_class(m->st) == HMC_CLASS_OPERATING) {
			snprintf(why, len, "source %s is %s on HMC %d", name,
				 hmc_sys_state_name(m->st), h);
			return false;
		}
		if (hmc_silent(e, m)) {
			if (silent < 0)
				silent = h;
			continue;
		}
		seeing++;
		/* K polls that span T themselves (DESIGN.md): time passed
		 * since the last of them is no observation. */
		if (m->down_run < e->c.confirm_k ||
		    m->asked - m->down_start < e->c.confirm_t_ms)
			definite = false;
		if (m->notop_run == 0)
			notop = false;
	}
	if (seeing == 0) {
		snprintf(why, len, silent < 0 ? "no HMC sees source %s" :
			 "no HMC answered about source %s lately", name);
		return false;
	}
	if (definite && silent < 0)
		return true;
	if (notop && (confirm_valid(e, y->op_confirmed, y->confirmed_at) ||
		      confirm_valid(e, y->fenced, y->fenced_at)))
		return true;
	if (silent >= 0) {
		silent_why(e, s, silent, why, len);
		return false;
	}
	snprintf(why, len, "source %s not confirmed down (%d polls over %lld "
		 "ms needed from every HMC; ambiguous states need `confirm` or "
		 "a fence)", name, e->c.confirm_k, (long long)e->c.confirm_t_ms);
	return false;
}

/* Every configured HMC that manages S reports Operating or Standby,
 * lately: cleanup may run. A silent HMC blocks it. */
bool
watch_operating(const struct srr_engine *e, int s)
{
	int h, seeing = 0;

	for (h = 0; h < e->c.nhmc; h++) {
		const struct ehmc *m = &e->sys[s].hmc[h];

		if (hmc_out(m))
			continue;
		if (hmc_silent(e, m) || !hmc_sys_state_cleanup_ok(m->st))
			return false;
		seeing++;
	}
	return seeing > 0;
}

const struct srr_lpar_obs *
watch_lpar(const struct srr_engine *e, int s, const char *name)
{
	size_t i;

	for (i = 0; i < e->sys[s].ninv; i++)
		if (strcmp(e->sys[s].inv[i].name, name) == 0)
			return &e->sys[s].inv[i];
	return NULL;
}

bool
watch_eligible(const struct srr_engine *e, int s, const struct srr_lpar_obs *l,
	       char *why, size_t len)
{
	const struct srr_lpar_conf *lc = engine_lpar_conf(e, l->name);

	if (l->vios)
		snprintf(why, len, "%s is a VIO server", l->name);
	else if (!l->srr_capable)
		snprintf(why, len, "%s is not SRR capable", l->name);
	else if (lc != NULL && lc->excluded)
		snprintf(why, len, "%s is excluded by configuration", l->name);
	else if (!hmc_lpar_state_restartable(l->state))
		snprintf(why, len, "%s was %s in the last inventory", l->name,
			 hmc_lpar_state_name(l->state));
	else
		return true;
	return false;
}

/* An ambiguous system that stayed so for a whole window is fenced, if it
 * has a fence device: a successful fence is as good as a confirmation. */
void
watch_fence(struct srr_engine *e, int s)
{
	struct esys *y = &e->sys[s];
	struct srr_action *a;
	const char *why;
	int h, seeing = 0;

	/* A fence with no result by the command deadline: run it again. */
	if (y->fence_inflight && e->now - y->fence_sent >= e->c.cmd_timeout_ms) {
		srr_log(LOG_WARNING, "fence of %s: no result in %lld ms",
			e->c.sys[s].name, (long long)e->c.cmd_timeout_ms);
		y->fence_inflight = false;
	}
	if (!e->c.sys[s].fence || y->fence_inflight || e->now < y->fence_next ||
	    confirm_valid(e, y->fenced, y->fenced_at) ||
	    confirm_valid(e, y->op_confirmed, y->confirmed_at))
		return;
	for (h = 0; h < e->c.nhmc; h++) {
		const struct ehmc *m = &y->hmc[h];

		if (!m->seen || !m->visible)
			continue;
		if (m->notop_run < e->c.confirm_k ||
		    m->asked - m->notop_start < e->c.confirm_t_ms)
			return;
		seeing++;
	}
	if (seeing == 0)
		return;
	/* Powering a system off is as drastic as a restart: the same cluster
	 * gate (configuration agreement, pause, stall guard included). */
	if ((why = gate_cluster(e)) != NULL) {
		if (strcmp(y->fence_refusal, why) != 0) {
			snprintf(y->fence_refusal, sizeof(y->fence_refusal),
				 "%s", why);
			engine_alert(e, SRR_ALERT_REFUSED, "fence of %s not run: "
				     "%s", e->c.sys[s].name, why);
		}
		return;
	}
	y->fence_refusal[0] = '\0';
	a = engine_emit(e, SRR_ACT_FENCE);
	a->src = s;
	a->tag = engine_tag(e);
	y->fence_tag = a->tag;
	y->fence_inflight = true;
	y->fence_sent = e->now;
	srr_log(LOG_NOTICE, "%s ambiguous for a whole window: fencing",
		e->c.sys[s].name);
}

int
watch_fence_result(struct srr_engine *e, const struct srr_ev_fence_result *f)
{
	struct esys *y;

	if (f->sys < 0 || f->sys >= e->c.nsys)
		return -EINVAL;
	y = &e->sys[f->sys];
	/* The result of the fence in flight, by its tag: a late repeat of an
	 * earlier fence's success, arriving while a later fence was out, was
	 * taken for it after the source came back (dsim seed 236034563275574:
	 * a restart while the source ran). */
	if (!y->fence_inflight || f->tag != y->fence_tag) {
		e->ignored++;
		srr_log(LOG_WARNING, "ignored a fence result for %s (tag %llu): "
			"not the fence in flight", e->c.sys[f->sys].name,
			(unsigned long long)f->tag);
		return 0;
	}
	y->fence_inflight = false;
	/* Seen up since the fence was sent: whatever the fence did, it says
	 * nothing about the system now (a late success must not re-arm the
	 * gate for a source that was powered on again). */
	if (f->success && y->up_mono >= y->fence_sent && y->up_mono > 0) {
		srr_log(LOG_WARNING, "fence of %s reported success after it was "
			"seen up: not counted", e->c.sys[f->sys].name);
		return 0;
	}
	if (f->success) {
		y->fenced = true;
		y->fenced_at = e->now;
		srr_log(LOG_NOTICE, "fence of %s succeeded", e->c.sys[f->sys].name);
	} else {
		y->fence_next = e->now + e->c.confirm_t_ms;
		engine_alert(e, SRR_ALERT_REFUSED, "fence of %s failed: "
			     "no restart until it is confirmed down",
			     e->c.sys[f->sys].name);
	}
	return 0;
}
