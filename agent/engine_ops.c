/*
 * engine_ops.c: the operations table. The one transition function
 * (ops_propose, ops_change_state), the ledger's view (ops_record, a new
 * epoch or term), planning (ops_plan, ops_manual). Driving operations is
 * in engine_restart.c, what comes back in engine_results.c.
 *
 * An operation's status changes only through the ledger: the engine
 * proposes the next record (a REPLICATE action) and acts on it once the
 * record comes back merged in the same epoch (SRR_EV_RECORD). What this
 * agent has out for it is its phase (engine_int.h), which changes only
 * through op_phase() and the table below.
 */
#define SRR_LOG_TAG "engine"

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

#define P(x)	(1u << (x))

/* The phases and the moves allowed from each (doc/engine.md, "Phases").
 * Any phase that has nothing out may propose; a command or query out
 * ends only by its result or its deadline (the results' handlers may
 * propose at once); an agreed intent is sent in its step or given back. */
static const struct {
	const char *name;
	unsigned to;
} phases[PH_COUNT] = {
	[PH_IDLE] = { "idle", P(PH_PROPOSED) | P(PH_VALIDATING) |
		P(PH_QUERYING) | P(PH_RECONCILING) },
	[PH_PROPOSED] = { "proposed", P(PH_AGREED) | P(PH_IDLE) |
		P(PH_RECONCILING) },
	[PH_AGREED] = { "agreed", P(PH_RESTART_OUT) | P(PH_CLEANUP_OUT) |
		P(PH_PROPOSED) | P(PH_QUERYING) | P(PH_IDLE) |
		P(PH_RECONCILING) },
	[PH_VALIDATING] = { "validating", P(PH_PROPOSED) | P(PH_IDLE) |
		P(PH_RECONCILING) },
	[PH_RESTART_OUT] = { "restart out", P(PH_PROPOSED) | P(PH_IDLE) |
		P(PH_RECONCILING) },
	[PH_CLEANUP_OUT] = { "cleanup out", P(PH_PROPOSED) | P(PH_IDLE) |
		P(PH_RECONCILING) },
	[PH_QUERYING] = { "querying", P(PH_PROPOSED) | P(PH_IDLE) |
		P(PH_RECONCILING) },
	[PH_RECONCILING] = { "reconciling", P(PH_QUERYING) | P(PH_PROPOSED) |
		P(PH_IDLE) },
};

const char *
op_phase_name(enum op_phase p)
{
	return p < PH_COUNT ? phases[p].name : "?";
}

/* The one place a phase changes. A move outside the table is a broken
 * rule: counted (the simulator fails on it) and logged; the phase still
 * follows what the engine did, since the command or record is out. */
void
op_phase(struct srr_engine *e, struct eop *op, enum op_phase to,
	 const char *why)
{
	enum op_phase from = op->phase;

	if (from == to)
		return;
	if (!(phases[from].to & P(to))) {
		e->broken_rules++;
		srr_log(LOG_CRIT, "%s from %s: phase %s -> %s is not in the "
			"table (%s); broken rules so far: %llu", op->rec.lpar,
			op->rec.src, phases[from].name, phases[to].name, why,
			(unsigned long long)e->broken_rules);
	} else {
		srr_log(LOG_DEBUG, "%s from %s: %s -> %s (%s)", op->rec.lpar,
			op->rec.src, phases[from].name, phases[to].name, why);
	}
	op->phase = to;
	op->phase_since = e->now;
	op->phase_alerted = false;
}

/* Nothing out any more: a restarting operation whose command is not ours
 * in flight has an outcome unknown here, and is reconciled; any other
 * waits for the next step. */
void
op_settle(struct srr_engine *e, struct eop *op, const char *why)
{
	op_phase(e, op, op->have_rec && op->rec.status == SRR_OP_RESTARTING ?
		 PH_RECONCILING : PH_IDLE, why);
}

/* A record, command or query is out: the operation waits for it. */
bool
op_busy(const struct eop *op)
{
	return op->phase == PH_PROPOSED || op->phase == PH_VALIDATING ||
	       op->phase == PH_RESTART_OUT || op->phase == PH_CLEANUP_OUT ||
	       op->phase == PH_QUERYING;
}

/* The status as this agent will have it: a proposal out counts. */
enum srr_op_status
ops_cur_status(const struct eop *op)
{
	return op->phase == PH_PROPOSED ? op->prop.status : op->rec.status;
}

bool
ops_open(const struct eop *op)
{
	enum srr_op_status st = ops_cur_status(op);

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

/* An alert when the refusing part or the operation's phase changes, not
 * at each new text; the view (srrctl) always shows the latest text,
 * countdown included. */
void
ops_refuse(struct srr_engine *e, struct eop *op, enum srr_alert_kind k,
	   const char *why)
{
	bool same = op->refusal_phase == op->phase &&
		    same_refusal(op->refusal, why);

	snprintf(op->refusal, sizeof(op->refusal), "%s", why);
	op->refusal_phase = op->phase;
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
	if (op->phase == PH_PROPOSED)
		return -EBUSY;
	if (op->have_rec && !srr_op_transition_ok(op->rec.status, next->status)) {
		e->broken_rules++;
		srr_log(LOG_CRIT, "op %s: refused transition %s -> %s (%s); "
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
	srr_log(LOG_INFO, "op %s %s: %s -> %s (%s)", id, next->lpar,
		op->have_rec ? srr_op_status_name(op->rec.status) : "new",
		srr_op_status_name(next->status), reason);
	if (next->status == SRR_OP_CLEANED && op->src >= 0)
		watch_source_back(e, op->src, next->lpar);
	op->prop = *next;
	op->prop_epoch = e->epoch;
	op->contended = false;
	op_phase(e, op, PH_PROPOSED, reason);
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
	/* Agreed only while the ledger holds exactly our intent, and no
	 * other agent proposed the same step meanwhile (another leader's
	 * intent for the same attempt: its command may be out). A command or
	 * query out waits for its result whatever merges. */
	switch (op->phase) {
	case PH_PROPOSED:
		c = srr_record_cmp(r, &op->prop);
		if (c != 0 && same_step(r, &op->prop))
			op->contended = true;
		if (c < 0)
			break;		/* an older record: ours still out */
		if (c == 0 && op->prop_epoch == e->epoch && !op->contended &&
		    (r->status == SRR_OP_RESTARTING ||
		     r->status == SRR_OP_CLEANING))
			op_phase(e, op, PH_AGREED, "intent agreed");
		else
			op_settle(e, op, c == 0 ? "proposal merged" :
				  "proposal outranked by another record");
		break;
	case PH_IDLE:
	case PH_AGREED:
	case PH_RECONCILING:
		op_settle(e, op, "another record merged");
		break;
	default:
		break;
	}
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
		op->dest_ok = false;
		/* A command out keeps waiting for its result (its tag still
		 * matches); proposals, agreements and queries are void. */
		if (op->phase != PH_VALIDATING && op->phase != PH_RESTART_OUT &&
		    op->phase != PH_CLEANUP_OUT)
			op_settle(e, op, "new term");
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
		if (best == NULL || ops_cur_status(op) > ops_cur_status(best) ||
		    (ops_cur_status(op) == ops_cur_status(best) &&
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
