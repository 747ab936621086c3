/*
 * engine_view.c: read-only views of the engine for srrd's views (srrd.h:
 * srrctl status, lpars, metrics). Nothing here changes the engine.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/engine_int.h"

void
srr_engine_view_pause(const struct srr_engine *e, struct srr_engine_pause *v)
{
	memset(v, 0, sizeof(*v));
	v->paused = e->paused;
	v->have_mode = e->have_mode;
	if (e->have_mode)
		v->mode = e->mode;
	if (e->stall_until > e->now)
		v->stall_left_ms = e->stall_until - e->now;
}

/* Confirmation progress: the least advanced HMC that sees S. */
void
srr_engine_view_sys(const struct srr_engine *e, int s,
		    struct srr_engine_sys_view *v)
{
	const struct esys *y;
	int h, first = 1;

	memset(v, 0, sizeof(*v));
	if (s < 0 || s >= e->c.nsys)
		return;
	y = &e->sys[s];
	for (h = 0; h < e->c.nhmc; h++) {
		const struct ehmc *m = &y->hmc[h];
		int64_t span;

		if (!m->seen || !m->visible)
			continue;
		span = m->down_run > 0 ? m->asked - m->down_start : 0;
		if (first || m->down_run < v->down_polls)
			v->down_polls = m->down_run;
		if (first || span < v->down_span_ms)
			v->down_span_ms = span;
		first = 0;
	}
	v->confirmed_down = y->down;
	if (!y->down)
		return;
	if (y->fenced && e->now - y->fenced_at < e->c.confirm_ttl_ms)
		snprintf(v->confirmed_by, sizeof(v->confirmed_by), "fence");
	else if (y->op_confirmed && e->now - y->confirmed_at < e->c.confirm_ttl_ms)
		snprintf(v->confirmed_by, sizeof(v->confirmed_by), "operator");
	else
		snprintf(v->confirmed_by, sizeof(v->confirmed_by), "polls");
}

/* Would LPAR of S be restarted if S died, and where (the pinned
 * destination, else the configured one with the most free memory). */
int
srr_engine_view_lpar(const struct srr_engine *e, int s, const char *lpar,
		     struct srr_engine_lpar_view *v)
{
	const struct srr_lpar_conf *lc = engine_lpar_conf(e, lpar);
	bool pinned = lc != NULL && lc->pinned && lc->pin >= 0 &&
		      lc->pin < e->c.nsys;
	const struct srr_lpar_obs *l;
	int i, best = -1, n;
	uint32_t best_free = 0;

	memset(v, 0, sizeof(*v));
	v->dest = -1;
	if (s < 0 || s >= e->c.nsys)
		return -EINVAL;
	l = watch_lpar(e, s, lpar);
	if (l == NULL) {
		snprintf(v->why, sizeof(v->why), "not in the last inventory");
		return -ENOENT;
	}
	v->protect = watch_eligible(e, s, l, v->why, sizeof(v->why));
	if (v->protect)
		snprintf(v->why, sizeof(v->why), "protected: Running, SRR "
			 "capable, not excluded");
	n = pinned ? 1 : e->c.sys[s].ndest;
	for (i = 0; i < n; i++) {
		int di = pinned ? lc->pin : e->c.sys[s].dest[i];
		const struct esys *d = &e->sys[di];

		if (d->have_cap && d->free_mem >= l->mem_mb &&
		    d->free_proc >= l->proc_centi &&
		    (best < 0 || d->free_mem > best_free)) {
			best = di;
			best_free = d->free_mem;
		}
	}
	v->dest = best;
	v->ready = v->protect && best >= 0;
	if (v->protect && best < 0)
		snprintf(v->why, sizeof(v->why), "protected, but no destination "
			 "has room now");
	return 0;
}
