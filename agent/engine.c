/*
 * engine.c: the engine object, event dispatch, the action queue and the
 * cluster view (epoch, leader, quorum, sync).
 */
#define SRR_LOG_TAG "engine"

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/engine_int.h"

static void
conf_defaults(struct srr_engine_conf *c)
{
	if (c->poll_ms <= 0)
		c->poll_ms = 5000;
	if (c->confirm_k <= 0)
		c->confirm_k = 3;
	if (c->confirm_t_ms <= 0)
		c->confirm_t_ms = 15000;
	if (c->confirm_ttl_ms <= 0)
		c->confirm_ttl_ms = 300000;
	if (c->down_mask == 0)
		c->down_mask = 1u << HMC_SYS_POWER_OFF | 1u << HMC_SYS_ERROR |
			       1u << HMC_SYS_ERROR_DUMP |
			       1u << HMC_SYS_ERROR_TERMINATED;
	if (c->default_priority == 0)
		c->default_priority = 3;
	if (c->tier_timeout_ms <= 0)
		c->tier_timeout_ms = 300000;
	if (c->max_per_source <= 0)
		c->max_per_source = 8;
	if (c->max_per_dest <= 0)
		c->max_per_dest = 8;
	if (c->retry_max <= 0)
		c->retry_max = 3;
	if (c->backoff_ms <= 0)
		c->backoff_ms = 10000;
	if (c->backoff_max_ms <= 0)
		c->backoff_max_ms = 300000;
	if (c->cmd_timeout_ms <= 0)
		c->cmd_timeout_ms = 1800000;
	if (c->query_timeout_ms <= 0)
		c->query_timeout_ms = 120000;
}

static int
conf_check(const struct srr_engine_conf *c)
{
	int s, d;

	if (c->nhmc < 1 || c->nhmc > SRR_MAX_HMC || c->nsys < 1 ||
	    c->nsys > SRR_MAX_SYS || (c->nlpar > 0 && c->lpar == NULL))
		return -EINVAL;
	for (s = 0; s < c->nsys; s++) {
		if (c->sys[s].ndest < 0 || c->sys[s].ndest > SRR_MAX_DEST ||
		    hmc_name_check(c->sys[s].name) < 0)
			return -EINVAL;
		for (d = 0; d < c->sys[s].ndest; d++)
			if (c->sys[s].dest[d] < 0 ||
			    c->sys[s].dest[d] >= c->nsys ||
			    c->sys[s].dest[d] == s)
				return -EINVAL;
	}
	return 0;
}

int
srr_engine_new(const struct srr_engine_conf *conf, struct srr_engine **out)
{
	struct srr_engine *e;

	if (conf_check(conf) < 0)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	e->c = *conf;
	conf_defaults(&e->c);
	if (conf->nlpar > 0) {
		e->lparc = calloc(conf->nlpar, sizeof(*e->lparc));
		if (e->lparc == NULL) {
			free(e);
			return -ENOMEM;
		}
		memcpy(e->lparc, conf->lpar, conf->nlpar * sizeof(*e->lparc));
	}
	e->c.lpar = e->lparc;
	*out = e;
	return 0;
}

void
srr_engine_free(struct srr_engine *e)
{
	int s;

	if (e == NULL)
		return;
	for (s = 0; s < SRR_MAX_SYS; s++)
		free(e->sys[s].inv);
	free(e->lparc);
	free(e->ops);
	free(e->out);
	free(e);
}

struct srr_action *
engine_emit(struct srr_engine *e, enum srr_action_type t)
{
	struct srr_action *a;

	if (e->nout == e->capout) {
		size_t cap = e->capout ? e->capout * 2 : 16;
		struct srr_action *n = realloc(e->out, cap * sizeof(*n));

		if (n == NULL)
			abort();	/* nothing sane to do without memory */
		e->out = n;
		e->capout = cap;
	}
	a = &e->out[e->nout++];
	memset(a, 0, sizeof(*a));
	a->type = t;
	a->src = a->dst = -1;
	return a;
}

void
engine_alert(struct srr_engine *e, enum srr_alert_kind k, const char *fmt, ...)
{
	struct srr_action *a = engine_emit(e, SRR_ACT_ALERT);
	va_list ap;

	a->alert = k;
	va_start(ap, fmt);
	vsnprintf(a->text, sizeof(a->text), fmt, ap);
	va_end(ap);
	srr_log(LOG_NOTICE, "%s", a->text);
}

/* A tag no other command or query of this engine carries: results echo
 * it, and only the outstanding one's is taken. */
srr_tag
engine_tag(struct srr_engine *e)
{
	return ++e->next_tag;
}

/* Attempt N waits backoff_ms * 2^(N-1), at most backoff_max_ms. */
int64_t
engine_backoff(const struct srr_engine *e, uint32_t n)
{
	int64_t b = e->c.backoff_ms;

	while (n-- > 1 && b < e->c.backoff_max_ms)
		b *= 2;
	return b < e->c.backoff_max_ms ? b : e->c.backoff_max_ms;
}

bool
engine_leader(const struct srr_engine *e)
{
	return e->epoch != 0 && e->leader == e->c.nodeid;
}

/* Leader of a synced, quorate epoch: the agent that may decide. The rest
 * of the gate is checked again right before each command. */
bool
engine_acting(const struct srr_engine *e)
{
	bool quorate = e->quorate || (e->fault & SRR_FAULT_NO_QUORUM);

	return engine_leader(e) && e->synced == e->epoch && quorate &&
	       e->have_tick;
}

const struct srr_lpar_conf *
engine_lpar_conf(const struct srr_engine *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->c.nlpar; i++)
		if (strcmp(e->lparc[i].name, name) == 0)
			return &e->lparc[i];
	return NULL;
}

int
engine_sys_index(const struct srr_engine *e, const char *name)
{
	int s;

	for (s = 0; s < e->c.nsys; s++)
		if (strcmp(e->c.sys[s].name, name) == 0)
			return s;
	return -1;
}

/* The cluster's epochs compare for equality only (cluster.h: a CPG join
 * or leave inside a ring may give a lower value), and quorum, leader and
 * configuration agreement may change inside an epoch (quorum lost with
 * the qdevice's vote, no ring change): take every view as it comes. */
static void
on_membership(struct srr_engine *e, const struct srr_ev_membership *m)
{
	bool was = engine_leader(e);
	bool moved = m->leader != e->leader;

	e->leader = m->leader;
	e->quorate = m->quorate;
	e->config_agree = m->config_agree;
	if (m->epoch == e->epoch) {
		/* The leader moved inside the epoch: "delivered in this epoch"
		 * no longer means "nobody else led meanwhile". Proposals out
		 * are void, as on a new epoch (dsim seed 246217379118: a
		 * leader's intent came back after another leader had sent the
		 * same attempt, and was sent again). */
		if (moved)
			ops_new_term(e);
		srr_log(LOG_INFO, "epoch %llu: leader %u%s, %squorate, "
			"configurations %s", (unsigned long long)m->epoch,
			m->leader, engine_leader(e) ? " (this agent)" : "",
			m->quorate ? "" : "not ", m->config_agree ? "agree" :
			"differ");
		if (was && !engine_leader(e))
			srr_log(LOG_NOTICE, "no longer the leader: actions stop");
		return;
	}
	e->epoch = m->epoch;
	e->reconciled = false;
	ops_new_epoch(e);
	srr_log(LOG_INFO, "epoch %llu: leader %u%s, %squorate, %d members",
		(unsigned long long)m->epoch, m->leader,
		engine_leader(e) ? " (this agent)" : "", m->quorate ? "" : "not ",
		m->members);
	if (was && !engine_leader(e))
		srr_log(LOG_NOTICE, "no longer the leader: actions stop");
}

static void
on_synced(struct srr_engine *e, uint64_t epoch)
{
	if (epoch != e->epoch)
		return;		/* the sync of an epoch already gone */
	e->synced = epoch;
}

static int
dispatch(struct srr_engine *e, const struct srr_event *ev)
{
	switch (ev->type) {
	case SRR_EV_TICK:
		watch_tick(e, ev->u.tick.mono, ev->u.tick.wall);
		return 0;
	case SRR_EV_MEMBERSHIP:
		on_membership(e, &ev->u.mem);
		return 0;
	case SRR_EV_SYNCED:
		on_synced(e, ev->u.synced_epoch);
		return 0;
	case SRR_EV_POLL:
		return watch_poll(e, &ev->u.poll);
	case SRR_EV_INVENTORY:
		return watch_inventory(e, &ev->u.inv);
	case SRR_EV_CAPACITY:
		return watch_capacity(e, &ev->u.cap);
	case SRR_EV_RECORD:
		if (srr_record_is_mode(&ev->u.rec))
			ops_mode_record(e, &ev->u.rec);
		else
			ops_record(e, &ev->u.rec);
		return 0;
	case SRR_EV_CMD_RESULT:
		return ops_cmd_result(e, &ev->u.res);
	case SRR_EV_QUERY_RESULT:
		return ops_query_result(e, &ev->u.query);
	case SRR_EV_FENCE_RESULT:
		return watch_fence_result(e, &ev->u.fence);
	case SRR_EV_OPERATOR:
		return ops_operator(e, &ev->u.opr);
	}
	return -EINVAL;
}

int
srr_engine_event(struct srr_engine *e, const struct srr_event *ev)
{
	int rc;

	e->nout = 0;
	if (ev->type != SRR_EV_TICK && e->have_tick && ev->at.ms > e->now)
		e->now = ev->at.ms;
	rc = dispatch(e, ev);
	if (rc < 0)
		return rc;
	ops_step(e);
	return 0;
}

const struct srr_action *
srr_engine_actions(const struct srr_engine *e, size_t *n)
{
	*n = e->nout;
	return e->out;
}

bool
srr_engine_is_acting_leader(const struct srr_engine *e)
{
	return engine_acting(e);
}

bool
srr_engine_sys_confirmed_down(const struct srr_engine *e, int sys)
{
	char why[SRR_ALERT_LEN];

	if (sys < 0 || sys >= e->c.nsys)
		return false;
	return watch_down((struct srr_engine *)e, sys, why, sizeof(why));
}

void
srr_engine_set_faults(struct srr_engine *e, unsigned mask)
{
	e->fault = mask;
}

uint64_t
srr_engine_broken_rules(const struct srr_engine *e)
{
	return e->broken_rules;
}

uint64_t
srr_engine_ignored_results(const struct srr_engine *e)
{
	return e->ignored;
}

