/*
 * srrd_core.c: the engine on the loop: its event queue, its actions, the
 * tick, and start-up and stop in order.
 *
 * Every event goes through one queue and is fed from the loop, never
 * from inside a cluster or ledger callback: the engine's actions send
 * through the cluster, which must not be re-entered from its own
 * dispatch. The queue keeps the order events happened in (records merged
 * during a sync come before the SYNCED that follows them). Each event is
 * stamped with the monotonic time when it is fed.
 */
#define SRR_LOG_TAG "srrd"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/srrd_int.h"

int64_t
srrd_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
srrd_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
drain_job(void *data)
{
	struct srrd *d = data;

	d->evq.scheduled = false;
	srrd_drain(d);
}

void
srrd_post(struct srrd *d, const struct srr_event *ev)
{
	struct srrd_evq *q = &d->evq;

	if (d->engine == NULL)
		return;
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 64, i;
		struct srr_event *v;

		if (cap > SRRD_EVQ_MAX || (v = calloc(cap, sizeof(*v))) == NULL) {
			/* losing an event would desynchronise the engine from
			 * the ledger: a broken invariant, loudly */
			srr_log(LOG_CRIT, "event queue full (%zu): aborting", q->n);
			abort();
		}
		for (i = 0; i < q->n; i++)
			v[i] = q->v[(q->head + i) % q->cap];
		free(q->v);
		q->v = v;
		q->head = 0;
		q->cap = cap;
	}
	q->v[(q->head + q->n) % q->cap] = *ev;
	q->n++;
	/* A timer due now, not a job: when nothing else is due, libqb's
	 * loop waits 50 ms before it runs a job (qb_loop_run), a wait each
	 * round of the ledger (proposal, merge, intent, command) paid. */
	if (!q->scheduled && !d->in_engine)
		q->scheduled = qb_loop_timer_add(d->loop, QB_LOOP_HIGH, 0, d,
						 drain_job, NULL) == 0;
}

/* The gate part a refusal names (engine_gate.c's texts), first match. */
static const struct {
	const char *word;
	enum srrd_gate_part part;
} gate_words[] = {
	{ "not the leader", SRRD_GATE_LEADER },
	{ "state sync", SRRD_GATE_SYNC },
	{ "not quorate", SRRD_GATE_QUORUM },
	{ "different configurations", SRRD_GATE_CONFIG },
	{ "paused", SRRD_GATE_PAUSED },
	{ "stall guard", SRRD_GATE_STALL },
	{ "no time yet", SRRD_GATE_STALL },
	{ "in the ledger", SRRD_GATE_RESTARTED },
	{ "intent", SRRD_GATE_INTENT },
	{ "inventory", SRRD_GATE_ELIGIBLE },
	{ "VIO server", SRRD_GATE_ELIGIBLE },
	{ "SRR capable", SRRD_GATE_ELIGIBLE },
	{ "excluded", SRRD_GATE_ELIGIBLE },
};

static void
count_refusal(struct srrd *d, const struct srr_action *a)
{
	enum srrd_gate_part p = SRRD_GATE_SOURCE;	/* down, polls, HMCs */
	size_t i;

	if (a->alert == SRR_ALERT_NO_ROOM) {
		d->counters.refusals[SRRD_GATE_PLACEMENT]++;
		return;
	}
	if (a->alert != SRR_ALERT_REFUSED)
		return;
	for (i = 0; i < sizeof(gate_words) / sizeof(gate_words[0]); i++)
		if (strstr(a->text, gate_words[i].word) != NULL) {
			p = gate_words[i].part;
			break;
		}
	d->counters.refusals[p]++;
}

/* The proposals of one drain go out together (srrd_int.h), in the
 * order the engine made them; commands do not wait for them: a command
 * follows an intent already agreed, never one of these. */
static void
repl_flush(struct srrd *d)
{
	size_t n = d->nrepl;
	int rc;

	if (n == 0)
		return;
	d->nrepl = 0;
	if ((rc = srrd_cluster_replicate(d, d->repl, n)) < 0)
		srr_log(LOG_WARNING, "%zu record(s) not sent (%s), the first of "
			"%s: the next sync carries the proposals again", n,
			strerror(-rc), d->repl[0].lpar);
}

static void
repl_add(struct srrd *d, const struct srr_record *r)
{
	if (d->nrepl == d->repl_cap) {
		size_t cap = d->repl_cap ? 2 * d->repl_cap : 64;
		struct srr_record *v = realloc(d->repl, cap * sizeof(*v));

		if (v == NULL) {	/* what is held first, then this one */
			repl_flush(d);
			if (srrd_cluster_replicate(d, r, 1) < 0)
				srr_log(LOG_WARNING, "record of %s not sent: "
					"the next sync carries the proposal "
					"again", r->lpar);
			return;
		}
		d->repl = v;
		d->repl_cap = cap;
	}
	d->repl[d->nrepl++] = *r;
}

static void
do_action(struct srrd *d, const struct srr_action *a)
{
	switch (a->type) {
	case SRR_ACT_REPLICATE:
		repl_add(d, &a->rec);
		break;
	case SRR_ACT_COMMAND:
	case SRR_ACT_QUERY:
		srrd_exec_action(d, a);
		break;
	case SRR_ACT_FENCE:
		srrd_fence_run(d, a->src, a->tag);
		break;
	case SRR_ACT_ALERT:
		count_refusal(d, a);
		srrd_alert_action(d, a);
		break;
	}
}

static int
feed_one(struct srrd *d, struct srr_event *ev, struct srr_action **acts,
	 size_t *nacts)
{
	const struct srr_action *v;
	struct srr_action *copy = NULL;
	size_t n, i;
	int rc;

	ev->at.ms = srrd_mono_ms();
	d->in_engine = true;
	rc = srr_engine_event(d->engine, ev);
	v = srr_engine_actions(d->engine, &n);
	/* actions may post events (a failed spawn): copy them first */
	if (rc == 0 && n > 0) {
		copy = malloc(n * sizeof(*copy));
		if (copy == NULL)
			abort();
		memcpy(copy, v, n * sizeof(*copy));
	}
	d->in_engine = false;
	if (rc < 0)
		srr_log(LOG_ERR, "the engine refused event %d: %s", ev->type,
			strerror(-rc));
	for (i = 0; rc == 0 && i < n; i++)
		do_action(d, &copy[i]);
	if (acts != NULL) {
		*acts = copy;
		*nacts = rc == 0 ? n : 0;
	} else {
		free(copy);
	}
	return rc;
}

void
srrd_drain(struct srrd *d)
{
	struct srrd_evq *q = &d->evq;
	struct srr_event ev;

	while (q->n > 0 && !d->in_engine && d->engine != NULL) {
		ev = q->v[q->head];
		q->head = (q->head + 1) % q->cap;
		q->n--;
		feed_one(d, &ev, NULL, NULL);
	}
	if (!d->in_engine)
		repl_flush(d);
}

int
srrd_feed(struct srrd *d, const struct srr_event *ev, struct srr_action **acts,
	  size_t *n)
{
	struct srr_event copy = *ev;
	int rc;

	if (acts != NULL)
		*acts = NULL;
	if (n != NULL)
		*n = 0;
	if (d->engine == NULL)
		return -EAGAIN;	/* before corosync gave our nodeid */
	srrd_drain(d);
	rc = feed_one(d, &copy, acts, n);
	repl_flush(d);
	return rc;
}

static void
tick(void *data)
{
	struct srrd *d = data;
	struct srr_event ev = { .type = SRR_EV_TICK };
	int64_t period = d->conf.poll_ms > 0 ? d->conf.poll_ms / 2 : 1000;

	if (period > 1000)
		period = 1000;
	ev.u.tick.mono.ms = srrd_mono_ms();
	ev.u.tick.wall.ms = srrd_wall_ms();
	srrd_post(d, &ev);
	if (!d->stopping)
		qb_loop_timer_add(d->loop, QB_LOOP_MED, (uint64_t)period * 1000000ULL,
				  d, tick, &d->tick_timer);
}

static void
on_change(void *arg, const struct srr_record *r)
{
	struct srrd *d = arg;
	struct srr_event ev = { .type = SRR_EV_RECORD };

	ev.u.rec = *r;
	srrd_post(d, &ev);
}

static int
engine_new(struct srrd *d)
{
	struct srr_engine_conf ec;
	int rc;

	rc = srrd_conf_engine(&d->conf, d->nodeid, &ec);
	if (rc < 0)
		return rc;
	rc = srr_engine_new(&ec, &d->engine);
	free((void *)ec.lpar);
	return rc;
}

/* The stored ledger, then the inventory cache, before any membership. */
static int
feed_stored(struct srrd *d)
{
	struct srr_event ev = { .type = SRR_EV_RECORD };
	size_t i, n = srr_ledger_count(d->ledger);

	for (i = 0; i < n; i++) {
		ev.u.rec = *srr_ledger_at(d->ledger, i);
		srrd_post(d, &ev);
	}
	srr_log(LOG_INFO, "%zu records from the store fed to the engine", n);
	return srrd_inv_cache_load(d);
}

/*
 * The engine needs our nodeid, which only corosync knows: it is made when
 * the cluster first connects, and fed the stored ledger and the inventory
 * cache before anything else (doc/engine.md). Until then events are
 * dropped (polls come again; the cluster's come after this).
 */
int
srrd_engine_ready(struct srrd *d)
{
	int rc;

	if (d->engine != NULL)
		return 0;
	d->nodeid = cluster_local_nodeid(d->cl);
	if ((rc = engine_new(d)) < 0) {
		srr_log(LOG_ERR, "engine: %s", strerror(-rc));
		return rc;
	}
	srr_ledger_on_change(d->ledger, on_change, d);
	srr_log(LOG_NOTICE, "engine started as node %u", d->nodeid);
	return feed_stored(d);
}

int
srrd_start(struct srrd *d)
{
	int rc, h;

	if ((rc = srrd_lock(d)) < 0 || (rc = srrd_open_store(d)) < 0)
		return rc;
	if ((rc = srrd_work_init(d)) < 0 || (rc = srrd_child_init(d)) < 0)
		return rc;
	for (h = 0; h < d->conf.nhmc; h++) {
		int n = d->conf.hmc[h].sessions > 0 ? d->conf.hmc[h].sessions : 4;

		if ((rc = srrd_pool_start(d, &d->hmc[h].poll, h, "poll", 1, 0)) < 0 ||
		    (rc = srrd_pool_start(d, &d->hmc[h].exec, h, "exec", n,
					  HMC_CHANNELS_MAX)) < 0) {
			srr_log(LOG_ERR, "HMC %s: %s", d->conf.hmc[h].name,
				strerror(-rc));
			return rc;
		}
	}
	if ((rc = srrd_cluster_start(d)) < 0 || (rc = srrd_poll_start(d)) < 0)
		return rc;
	tick(d);
	return 0;
}

/* Every pool's workers joined, or DEADLINE passed: how many are still
 * inside a command (a worker runs up to 8 at once as channels). */
static int
join_all(struct srrd *d, int64_t deadline)
{
	int h, n = 0;

	for (h = 0; h < d->conf.nhmc; h++) {
		n += srrd_pool_join(&d->hmc[h].poll, deadline);
		n += srrd_pool_join(&d->hmc[h].exec, deadline);
	}
	return n;
}

int
srrd_stop(struct srrd *d)
{
	int64_t start = srrd_mono_ms(), deadline = start + SRRD_STOP_WAIT_MS;
	int h, running;

	d->stopping = true;
	srrd_req_stop(d);
	srrd_child_stop_all(d);
	for (h = 0; h < d->conf.nhmc; h++) {
		srrd_pool_stop(&d->hmc[h].poll);
		srrd_pool_stop(&d->hmc[h].exec);
	}
	/* idle workers end at once; a second's wait is not worth a line */
	running = join_all(d, start + 1000);
	if (running > 0) {
		srr_log(LOG_NOTICE, "stopping: %d HMC session(s) still inside "
			"a command; waiting up to %d s for them", running,
			SRRD_STOP_WAIT_MS / 1000);
		running = join_all(d, deadline);
	}
	if (running > 0)
		srr_log(LOG_WARNING, "stopping: the commands of %d HMC "
			"session(s) still running after %d s are left in flight "
			"(their outcome is reconciled by the next leader)", running,
			SRRD_STOP_WAIT_MS / 1000);
	else
		srrd_work_drain(d);
	srrd_cluster_stop(d);
	free(d->repl);	/* proposals not flushed: the next leader's */
	d->repl = NULL;
	d->nrepl = d->repl_cap = 0;
	if (d->engine)
		srr_engine_free(d->engine);
	d->engine = NULL;
	if (d->ledger)
		srr_ledger_free(d->ledger);
	d->ledger = NULL;
	if (d->store)
		srr_store_close(d->store);
	d->store = NULL;
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	d->lock_fd = -1;
	return running;
}
