/*
 * srrd_view.c: the read-only views srrd.h gives the IPC server and the
 * metrics: this agent's own state, its engine's (engine_view.c) and its
 * replicated ledger. Called on the loop; nothing here blocks.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/srrd_int.h"

static const char *const gate_names[SRRD_GATE_COUNT] = {
	[SRRD_GATE_LEADER] = "leader",
	[SRRD_GATE_SYNC] = "sync",
	[SRRD_GATE_QUORUM] = "quorum",
	[SRRD_GATE_CONFIG] = "config",
	[SRRD_GATE_PAUSED] = "paused",
	[SRRD_GATE_STALL] = "stall",
	[SRRD_GATE_SOURCE] = "source",
	[SRRD_GATE_ELIGIBLE] = "eligible",
	[SRRD_GATE_RESTARTED] = "restarted",
	[SRRD_GATE_INTENT] = "intent",
	[SRRD_GATE_PLACEMENT] = "placement",
};

const char *
srrd_gate_part_name(enum srrd_gate_part p)
{
	return (unsigned)p < SRRD_GATE_COUNT ? gate_names[p] : "unknown";
}

void
srrd_view_cluster(const struct srrd *d, struct srrd_cluster_view *v)
{
	struct srr_engine_pause ep;

	memset(v, 0, sizeof(*v));
	v->local_nodeid = d->nodeid;
	v->connected = d->cl != NULL && cluster_connected(d->cl);
	v->quorate = d->cl != NULL && cluster_quorate(d->cl);
	v->epoch = d->cl ? cluster_epoch(d->cl) : 0;
	v->synced = d->cl != NULL && cluster_synced(d->cl);
	v->leader = d->cl ? cluster_leader(d->cl) : 0;
	v->acting_leader = d->engine && srr_engine_is_acting_leader(d->engine);
	v->config_agree = d->mem.config_agree;
	if (d->cl != NULL)
		cluster_get_stats(d->cl, &v->dropped);
	v->nmembers = d->nmembers;
	memcpy(v->members, d->members, d->nmembers * sizeof(d->members[0]));
	if (d->engine) {
		srr_engine_view_pause(d->engine, &ep);
		v->paused = ep.paused;
		v->stall_left_ms = ep.stall_left_ms;
	}
	/* Who paused, why and since when: the mode record in force, the
	 * same on every agent (a pause proposed and not yet merged shows
	 * without them for the few ms it takes). */
	if (d->engine && v->paused && ep.have_mode &&
	    strcmp(ep.mode.code, SRR_MODE_PAUSE) == 0) {
		snprintf(v->paused_by, sizeof(v->paused_by), "%.*s",
			 (int)sizeof(v->paused_by) - 1, ep.mode.dst);
		snprintf(v->paused_why, sizeof(v->paused_why), "%s", ep.mode.msg);
		v->paused_since = ep.mode.created;
	}
}

size_t
srrd_view_hmcs(const struct srrd *d, struct srrd_hmc_view *v, size_t max)
{
	int64_t now = srrd_mono_ms();
	size_t h;

	for (h = 0; h < (size_t)d->conf.nhmc && h < max; h++) {
		const struct srrd_hmc *m = &d->hmc[h];

		memset(&v[h], 0, sizeof(v[h]));
		snprintf(v[h].name, sizeof(v[h].name), "%s", d->conf.hmc[h].name);
		snprintf(v[h].host, sizeof(v[h].host), "%s", d->conf.hmc[h].host);
		v[h].reachable = m->reachable;
		v[h].poll_age_ms = m->ever ? now - m->last_ok_ms : -1;
		snprintf(v[h].last_error, sizeof(v[h].last_error), "%s",
			 m->last_error);
		v[h].handshakes = srrd_pool_connects(&m->poll) +
				  srrd_pool_connects(&m->exec);
		v[h].channels = m->channels;
	}
	return (size_t)d->conf.nhmc;
}

static void
count_lpars(const struct srrd *d, int s, struct srrd_sys_view *v)
{
	size_t i;

	for (i = 0; i < d->sys[s].ninv; i++) {
		struct srr_engine_lpar_view e;

		if (srr_engine_view_lpar(d->engine, s, d->sys[s].inv[i].name,
					 &e) < 0 || !e.protect)
			continue;
		v->lpars_protected++;
		if (e.ready)
			v->lpars_ready++;
		else
			v->lpars_not_ready++;
	}
}

size_t
srrd_view_systems(const struct srrd *d, struct srrd_sys_view *v, size_t max)
{
	size_t s;

	for (s = 0; s < (size_t)d->conf.nsys && s < max; s++) {
		struct srr_engine_sys_view e = { 0 };

		memset(&v[s], 0, sizeof(v[s]));
		snprintf(v[s].name, sizeof(v[s].name), "%s", d->conf.sys[s].name);
		v[s].protect = d->conf.sys[s].protect;
		v[s].state = d->sys[s].state;
		v[s].cls = hmc_sys_state_class(d->sys[s].state);
		v[s].since.ms = d->sys[s].since_wall;
		v[s].confirm_k = d->conf.confirm_k;
		v[s].confirm_t_ms = d->conf.confirm_t_ms;
		if (d->engine == NULL)
			continue;
		srr_engine_view_sys(d->engine, (int)s, &e);
		v[s].confirm_polls = e.down_polls;
		v[s].confirm_span_ms = e.down_span_ms;
		v[s].confirmed_down = e.confirmed_down;
		snprintf(v[s].confirmed_by, sizeof(v[s].confirmed_by), "%s",
			 e.confirmed_by);
		if (v[s].protect)
			count_lpars(d, (int)s, &v[s]);
	}
	return (size_t)d->conf.nsys;
}

static const struct srrd_vres *
vres_find(const struct srrd *d, int s, const char *lpar)
{
	size_t i;

	for (i = 0; i < d->nvres; i++)
		if (d->vres[i].sys == s && strcmp(d->vres[i].lpar, lpar) == 0)
			return &d->vres[i];
	return NULL;
}

static void
lpar_view(const struct srrd *d, int s, const struct srr_lpar_obs *l,
	  struct srrd_lpar_view *v)
{
	struct srr_engine_lpar_view e = { 0 };
	const struct srrd_vres *r = vres_find(d, s, l->name);
	int ci = srrd_lpar_index(d, s, l->name);

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", l->name);
	snprintf(v->sys, sizeof(v->sys), "%s", d->conf.sys[s].name);
	v->id = l->id;
	v->state = l->state;
	v->srr_capable = l->srr_capable;
	v->vios = l->vios;
	v->validate_rc = -2;
	if (ci >= 0) {
		v->excluded = d->conf.lpar[ci].excluded;
		v->priority = d->conf.lpar[ci].priority;
		v->pinned = d->conf.lpar[ci].pin >= 0;
	}
	if (v->priority == 0)
		v->priority = d->conf.default_priority ? d->conf.default_priority : 3;
	if (d->engine && srr_engine_view_lpar(d->engine, s, l->name, &e) == 0) {
		v->protect = e.protect;
		if (e.dest >= 0)
			snprintf(v->dest, sizeof(v->dest), "%s",
				 d->conf.sys[e.dest].name);
		snprintf(v->why, sizeof(v->why), "%s", e.why);
	}
	if (r != NULL) {
		v->validate_rc = r->rc;
		snprintf(v->validate_code, sizeof(v->validate_code), "%s", r->code);
		snprintf(v->validate_msg, sizeof(v->validate_msg), "%s", r->msg);
		v->validate_at.ms = r->at_wall;
	}
}

int
srrd_view_lpars(const struct srrd *d, const char *sys,
		struct srrd_lpar_view **out, size_t *n)
{
	int s, s0 = 0, s1 = d->conf.nsys;
	size_t cap = 0, k = 0, i;
	struct srrd_lpar_view *v;

	if (sys != NULL) {
		s0 = srrd_conf_sys_index(&d->conf, sys);
		if (s0 < 0)
			return -ENOENT;
		s1 = s0 + 1;
	}
	for (s = s0; s < s1; s++)
		if (sys != NULL || d->conf.sys[s].protect)
			cap += d->sys[s].ninv;
	v = calloc(cap + 1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (s = s0; s < s1; s++) {
		if (sys == NULL && !d->conf.sys[s].protect)
			continue;
		for (i = 0; i < d->sys[s].ninv; i++)
			lpar_view(d, s, &d->sys[s].inv[i], &v[k++]);
	}
	*out = v;
	*n = k;
	return 0;
}

int
srrd_view_inflight(const struct srrd *d, struct srrd_inflight_view **out,
		   size_t *n)
{
	const struct srrd_exec_job *x;
	int64_t now = srrd_mono_ms();
	struct srrd_inflight_view *v;
	size_t k = 0, cap = 0;

	for (x = d->inflight; x; x = x->next_inflight)
		cap++;
	v = calloc(cap + 1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (x = d->inflight; x; x = x->next_inflight, k++) {
		v[k].op = x->act.op;
		v[k].cmd = x->query ? (enum hmc_rr_op)-1 : x->act.cmd;
		snprintf(v[k].lpar, sizeof(v[k].lpar), "%s", x->act.lpar);
		snprintf(v[k].src, sizeof(v[k].src), "%s",
			 d->conf.sys[x->act.src].name);
		if (x->act.dst >= 0)
			snprintf(v[k].dst, sizeof(v[k].dst), "%s",
				 d->conf.sys[x->act.dst].name);
		v[k].attempt = x->act.attempt;
		v[k].elapsed_ms = now - x->started_ms;
		v[k].timeout_ms = x->timeout_ms;
	}
	*out = v;
	*n = k;
	return 0;
}

void
srrd_view_counters(const struct srrd *d, struct srrd_counters *c)
{
	*c = d->counters;
}

const struct srr_ledger *
srrd_ledger(const struct srrd *d)
{
	return d->ledger;
}

struct srr_store *
srrd_store(const struct srrd *d)
{
	return d->store;
}

const struct srrd_conf *
srrd_config(const struct srrd *d)
{
	return &d->conf;
}
