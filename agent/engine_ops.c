/*
 * engine_ops.c: the operations table. The one transition function
 * (ops_propose, ops_change_state), the ledger's view (ops_record, a new
 * epoch or term), planning (ops_plan, ops_manual). Driving operations is
 * in engine_restart.c, what comes back in engine_results.c.
 *
 * An operation's status changes only through the ledger: the engine
 * proposes the next record (a REPLICATE action) and acts on it once the
 * record comes back merged in the same epoch (SRR_EV_RECORD).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/engine_int.h"

struct eop *
ops_find(struct srr_engine *e, const struct srr_op_id *id)
{
	size_t i;

	for (i = 0; i < e->nops; i++)
		if (srr_op_id_eq(&e->ops[i].rec.id, id))
			return &e->ops[i];
	return NULL;
}

static struct eop *
ops_add(struct srr_engine *e, const struct srr_record *r)
{
	struct eop *op;

	if (e->nops == e->capops) {
		size_t cap = e->capops ? e->capops * 2 : 32;
		struct eop *n = realloc(e->ops, cap * sizeof(*n));

		if (n == NULL)
			abort();
		e->ops = n;
		e->capops = cap;
	}
	op = &e->ops[e->nops++];
	memset(op, 0, sizeof(*op));
	op->rec = *r;
	op->src = engine_sys_index(e, r->src);
	op->dst = r->dst[0] ? engine_sys_index(e, r->dst) : -1;
	op->validated_dst = -1;
	return op;
}

static enum srr_op_status
cur_status(const struct eop *op)
{
	return op->pending ? op->prop.status : op->rec.status;
}

bool
ops_open(const struct eop *op)
{
	enum srr_op_status st = cur_status(op);

	return st != SRR_OP_CLEANED && st != SRR_OP_ABANDONED;
}

/* The same refusal, its numbers apart: "stall guard for 900 more ms" and
 * "... 1900 more ms" are one state of the gate; the epoch or leader in
 * "not the leader of epoch E (leader is L)" is detail, the part is not. */
static bool
same_refusal(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			while (isdigit((unsigned char)*a))
				a++;
			while (isdigit((unsigned char)*b))
				b++;
		} else if (*a++ != *b++) {
			return false;
		}
	}
	return *a == *b;
}

/* An alert when the refusing part changes, not at each new text; the
 * view (srrctl) always shows the latest text, countdown included. */
void
ops_refuse(struct srr_engine *e, struct eop *op, enum srr_alert_kind k,
	   const char *why)
{
	bool same = same_refusal(op->refusal, why);

	snprintf(op->refusal, sizeof(op->refusal), "%s", why);
	if (!same)
		engine_alert(e, k, "%s from %s: %s", op->rec.lpar, op->rec.src,
			     why);
}

/* The one place an operation's status changes: checks the lattice, logs,
 * and sends the next record through the cluster. */
int
ops_change_state(struct srr_engine *e, struct eop *op, struct srr_record *next,
		 const char *reason)
{
	struct srr_action *a;
	char id[64];

	srr_op_id_str(&next->id, id, sizeof(id));
	if (op->pending)
		return -EBUSY;
	if (op->have_rec && !srr_op_transition_ok(op->rec.status, next->status)) {
		e->broken_rules++;
		elog(LOG_CRIT, "op %s: refused transition %s -> %s (%s); "
		     "broken rules so far: %llu", id,
		     srr_op_status_name(op->rec.status),
		     srr_op_status_name(next->status), reason,
		     (unsigned long long)e->broken_rules);
		return -EINVAL;
	}
	next->updated = e->wall;
	/* Strictly greater than what the ledger holds, or it would not merge
	 * (the wall clock may stand still or step back). */
	if (op->have_rec && srr_record_cmp(next, &op->rec) <= 0)
		next->updated.ms = op->rec.updated.ms + 1;
	elog(LOG_INFO, "op %s %s: %s -> %s (%s)", id, next->lpar,
	     op->have_rec ? srr_op_status_name(op->rec.status) : "new",
	     srr_op_status_name(next->status), reason);
	if (next->status == SRR_OP_CLEANED && op->src >= 0)
		watch_source_back(e, op->src, next->lpar);
	op->pending = true;
	op->prop = *next;
	op->prop_epoch = e->epoch;
	op->delivered = false;
	op->contended = false;
	a = engine_emit(e, SRR_ACT_REPLICATE);
	a->op = next->id;
	a->rec = *next;
	a->src = op->src;
	a->dst = op->dst;
	snprintf(a->text, sizeof(a->text), "%s", reason);
	return 0;
}

int
ops_propose(struct srr_engine *e, struct eop *op, enum srr_op_status to,
	    const char *code, const char *msg)
{
	struct srr_record next = op->rec;

	next.status = to;
	if (code != NULL)
		snprintf(next.code, sizeof(next.code), "%s", code);
	snprintf(next.msg, sizeof(next.msg), "%s", msg);
	return ops_change_state(e, op, &next, msg);
}

static void
record_reconcile_flag(struct eop *op)
{
	op->need_reconcile = op->rec.status == SRR_OP_RESTARTING &&
			     op->inflight != IF_RESTART && !op->delivered;
}

/* Two records of the same step: status and attempt numbers. */
static bool
same_step(const struct srr_record *a, const struct srr_record *b)
{
	return a->status == b->status && a->attempts == b->attempts &&
	       a->att_epoch == b->att_epoch && a->cl_attempts == b->cl_attempts;
}

/* The ledger merged R: our view follows it, and a proposal that came back
 * in its epoch becomes actionable. */
void
ops_record(struct srr_engine *e, const struct srr_record *r)
{
	struct eop *op = ops_find(e, &r->id);
	int c;

	if (r->id.node == e->c.nodeid && r->id.epoch == e->epoch &&
	    r->id.seq > e->seq)
		e->seq = r->id.seq;
	if (op == NULL)
		op = ops_add(e, r);
	else if (op->have_rec && srr_record_cmp(r, &op->rec) <= 0)
		return;
	if ((r->status == SRR_OP_ABANDONED || r->status == SRR_OP_CLEANED) &&
	    (!op->have_rec || op->rec.status != r->status)) {
		op->closed_seen = e->now;
		if (r->status == SRR_OP_CLEANED && op->src >= 0)
			watch_source_back(e, op->src, r->lpar);
	}
	op->rec = *r;
	op->have_rec = true;
	if (r->dst[0])
		op->dst = engine_sys_index(e, r->dst);
	/* Actionable only while the ledger holds exactly our proposal, and no
	 * other agent proposed the same step meanwhile (another leader's
	 * intent for the same attempt: its command may be out). */
	op->delivered = false;
	if (op->pending) {
		c = srr_record_cmp(r, &op->prop);
		if (c != 0 && same_step(r, &op->prop))
			op->contended = true;
		if (c >= 0) {
			op->pending = false;
			op->delivered = c == 0 && op->prop_epoch == e->epoch &&
					!op->contended;
		}
	}
	record_reconcile_flag(op);
}

/* Proposals of an old epoch, or of an earlier leader's term in this one,
 * are void: if they arrive later they are plain records, and
 * `restarting` ones get reconciled. */
void
ops_new_term(struct srr_engine *e)
{
	size_t i, j = 0;

	for (i = 0; i < e->nops; i++) {
		struct eop *op = &e->ops[i];

		if (!op->have_rec)
			continue;	/* a planned proposal that never came back */
		op->pending = false;
		op->delivered = false;
		op->dest_ok = false;
		if (op->inflight == IF_QUERY)
			op->inflight = IF_NONE;
		record_reconcile_flag(op);
		/* A backoff outlives the epoch: a new view is no proof the
		 * HMC is ready for another attempt. */
		e->ops[j++] = *op;
	}
	e->nops = j;
	ops_mode_new_term(e);
}

void
ops_new_epoch(struct srr_engine *e)
{
	size_t i;

	ops_new_term(e);
	/* An epoch value may come back (same ring, same members): never
	 * reuse an id this agent gave in it. */
	e->seq = 0;
	for (i = 0; i < e->nops; i++)
		if (e->ops[i].rec.id.node == e->c.nodeid &&
		    e->ops[i].rec.id.epoch == e->epoch &&
		    e->ops[i].rec.id.seq > e->seq)
			e->seq = e->ops[i].rec.id.seq;
}

/* The operation that stands for (LPAR, SRC): the most advanced, then the
 * oldest. The others, if not started, are superseded. */
struct eop *
ops_primary(struct srr_engine *e, const char *lpar, int src)
{
	struct eop *best = NULL;
	size_t i;

	for (i = 0; i < e->nops; i++) {
		struct eop *op = &e->ops[i];

		if (op->src != src || !ops_open(op) ||
		    strcmp(op->rec.lpar, lpar) != 0)
			continue;
		if (best == NULL || cur_status(op) > cur_status(best) ||
		    (cur_status(op) == cur_status(best) &&
		     srr_op_id_cmp(&op->rec.id, &best->rec.id) < 0))
			best = op;
	}
	return best;
}

static struct eop *
plan_one(struct srr_engine *e, int s, const struct srr_lpar_obs *l)
{
	const struct srr_lpar_conf *lc = engine_lpar_conf(e, l->name);
	struct srr_record r;
	struct eop *op;

	memset(&r, 0, sizeof(r));
	r.id.epoch = e->epoch;
	r.id.node = e->c.nodeid;
	r.id.seq = ++e->seq;
	r.status = SRR_OP_PLANNED;
	snprintf(r.lpar, sizeof(r.lpar), "%s", l->name);
	r.lpar_id = l->id;
	snprintf(r.src, sizeof(r.src), "%s", e->c.sys[s].name);
	r.priority = lc && lc->priority ? lc->priority : e->c.default_priority;
	r.created = e->wall;
	op = ops_add(e, &r);
	op->mem_mb = l->mem_mb;
	op->proc_centi = l->proc_centi;
	ops_change_state(e, op, &r, "source confirmed down");
	return op;
}

/* A closed debt of the source's current outage. Local times only: when
 * this agent learned of the closure against when it last saw the source
 * up, never wall clocks written by different agents (a leader's clock 2
 * minutes ahead made an abandoned partition look like an old outage's).
 * Closing time, not creation: an operator may plan a restart before the
 * source goes down (found by the simulator, seed 584).
 * A cleaned debt never counts: cleanup runs with the source up (its outage
 * ended) and leaves the source without the partition, so an old cleaned
 * record must not stop the failover of a later outage (nor one learned
 * from the store at start while the source is down). An abandoned one
 * counts until the source is seen up after it was learned. */
bool
ops_closed_this_outage(const struct srr_engine *e, const struct eop *o)
{
	return o->have_rec && o->rec.status == SRR_OP_ABANDONED &&
	       o->src >= 0 && o->closed_seen >= e->sys[o->src].up_mono;
}

/* Already handled in this outage: open, or abandoned in it. */
static bool
planned_already(struct srr_engine *e, int s, const char *lpar)
{
	size_t i;

	for (i = 0; i < e->nops; i++) {
		const struct eop *op = &e->ops[i];

		if (op->src == s && strcmp(op->rec.lpar, lpar) == 0 &&
		    (ops_open(op) || ops_closed_this_outage(e, op)))
			return true;
	}
	return false;
}

void
ops_plan(struct srr_engine *e, int s)
{
	const struct esys *y = &e->sys[s];
	char why[SRR_ALERT_LEN];
	size_t i;

	for (i = 0; i < y->ninv; i++) {
		const struct srr_lpar_obs *l = &y->inv[i];

		if (!watch_eligible(e, s, l, why, sizeof(why)) ||
		    planned_already(e, s, l->name))
			continue;
		plan_one(e, s, l);
	}
}

bool
ops_manual(struct srr_engine *e, int s, const char *lpar)
{
	const struct srr_lpar_obs *l = watch_lpar(e, s, lpar);
	struct eop *op = ops_primary(e, lpar, s);
	const char *why;

	if ((l != NULL || op != NULL) && (why = gate_manual(e, s, lpar))) {
		engine_alert(e, SRR_ALERT_OPERATOR, "restart %s from %s refused "
			     "by the %s", lpar, e->c.sys[s].name, why);
		return false;
	}
	if (op == NULL && l != NULL)
		op = plan_one(e, s, l);
	if (op == NULL) {
		engine_alert(e, SRR_ALERT_OPERATOR, "restart %s: not in the "
			     "last inventory of %s", lpar, e->c.sys[s].name);
		return false;
	}
	op->manual = true;
	op->next_ms = 0;
	engine_alert(e, SRR_ALERT_OPERATOR, "restart %s from %s requested by "
		     "the operator (the gate still applies)", lpar,
		     e->c.sys[s].name);
	return true;
}
