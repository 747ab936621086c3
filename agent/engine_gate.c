/*
 * engine_gate.c: the gate of DESIGN.md, checked right before each command
 * is emitted. Each function returns NULL to let the command go, or the
 * reason it may not (kept in e->why), naming the part of the gate.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "agent/engine_int.h"

#define REFUSE(...) do { \
		snprintf(e->why, sizeof(e->why), __VA_ARGS__); \
		return e->why; \
	} while (0)

/* Leader, synced, quorate, same configuration, not paused, no stall. */
const char *
gate_cluster(struct srr_engine *e)
{
	if (!engine_leader(e))
		REFUSE("gate: not the leader of epoch %llu (leader is %u)",
		       (unsigned long long)e->epoch, e->leader);
	if (e->synced != e->epoch)
		REFUSE("gate: state sync of epoch %llu not complete",
		       (unsigned long long)e->epoch);
	if (!e->quorate && !(e->fault & SRR_FAULT_NO_QUORUM))
		REFUSE("gate: the partition of agents is not quorate");
	if (!e->config_agree)
		REFUSE("gate: members run different configurations");
	if (e->paused)
		REFUSE("gate: automatic mode paused");
	if (!e->have_tick)
		REFUSE("gate: no time yet");
	if (e->now < e->stall_until)
		REFUSE("gate: stall guard for %lld more ms",
		       (long long)(e->stall_until - e->now));
	return NULL;
}

static const char *
gate_source_down(struct srr_engine *e, const struct eop *op)
{
	char why[SRR_ALERT_LEN - 8];

	if (!watch_down(e, op->src, why, sizeof(why)))
		REFUSE("gate: %s", why);
	return NULL;
}

static const char *
gate_eligible(struct srr_engine *e, const struct eop *op)
{
	const struct srr_lpar_obs *l;
	char why[SRR_ALERT_LEN - 8];

	if (!e->sys[op->src].have_inv)
		REFUSE("gate: no inventory of %s taken while Operating",
		       e->c.sys[op->src].name);
	l = watch_lpar(e, op->src, op->rec.lpar);
	if (l == NULL)
		REFUSE("gate: %s not in the last inventory of %s",
		       op->rec.lpar, e->c.sys[op->src].name);
	if (!watch_eligible(e, op->src, l, why, sizeof(why)))
		REFUSE("gate: %s", why);
	return NULL;
}

/* srrctl restart: the parts of the gate that can be decided when the
 * operator asks (cluster, source down, partition eligible), so that the
 * answer names the part that refuses instead of "requested" for a restart
 * that would never go. The whole gate still runs before the command. */
const char *
gate_manual(struct srr_engine *e, int s, const char *lpar)
{
	struct eop op;
	const char *why;

	memset(&op, 0, sizeof(op));
	op.src = s;
	op.dst = -1;
	snprintf(op.rec.lpar, sizeof(op.rec.lpar), "%s", lpar);
	if ((why = gate_cluster(e)) != NULL ||
	    (why = gate_source_down(e, &op)) != NULL)
		return why;
	/* an operation already planned from an older inventory: the send
	 * time gate judges it */
	if (watch_lpar(e, s, lpar) != NULL)
		return gate_eligible(e, &op);
	return NULL;
}

/* No other operation has restarted (or may be restarting) this partition
 * from this source. */
const char *
gate_not_restarted(struct srr_engine *e, const struct eop *op)
{
	size_t i;

	for (i = 0; i < e->nops; i++) {
		const struct eop *o = &e->ops[i];

		if (o == op || !o->have_rec || o->src != op->src ||
		    strcmp(o->rec.lpar, op->rec.lpar) != 0)
			continue;
		/* A closed debt of this outage counts too: an operator who
		 * abandoned a debt did not ask for a second restart. */
		if (o->rec.status == SRR_OP_RESTARTING ||
		    o->rec.status == SRR_OP_RESTARTED ||
		    o->rec.status == SRR_OP_CLEANING ||
		    ops_closed_this_outage(e, o))
			REFUSE("gate: %s already %s in the ledger", op->rec.lpar,
			       srr_op_status_name(o->rec.status));
	}
	if (op->have_rec && op->rec.status != SRR_OP_RESTARTING &&
	    op->rec.status != SRR_OP_PLANNED && op->rec.status != SRR_OP_FAILED)
		REFUSE("gate: %s already %s in the ledger", op->rec.lpar,
		       srr_op_status_name(op->rec.status));
	return NULL;
}

/* The intent came back through the cluster's agreed order in this epoch,
 * so every member (and our store) holds it. */
static const char *
gate_delivered(struct srr_engine *e, const struct eop *op, enum srr_op_status st,
	       uint32_t attempt)
{
	if (e->fault & SRR_FAULT_NO_DELIVERY)
		return NULL;
	if (op->phase != PH_AGREED || op->prop_epoch != e->epoch ||
	    !op->have_rec || op->rec.status != st || op->prop.status != st ||
	    (st == SRR_OP_RESTARTING ? op->rec.attempts : op->rec.cl_attempts)
	    != attempt)
		REFUSE("gate: the %s intent for %.64s (attempt %u) is not yet in "
		       "the replicated ledger (ledger: %s, attempt %u)",
		       srr_op_status_name(st), op->rec.lpar, attempt,
		       srr_op_status_name(op->rec.status),
		       st == SRR_OP_RESTARTING ? op->rec.attempts :
		       op->rec.cl_attempts);
	return NULL;
}

const char *
gate_restart(struct srr_engine *e, struct eop *op)
{
	const char *why;

	if ((why = gate_cluster(e)) || (why = gate_source_down(e, op)) ||
	    (why = gate_eligible(e, op)) || (why = gate_not_restarted(e, op)) ||
	    (why = gate_delivered(e, op, SRR_OP_RESTARTING, op->prop.attempts)))
		return why;
	if (op->dst < 0 || strcmp(op->rec.dst, e->c.sys[op->dst].name) != 0)
		REFUSE("gate: no destination placed for %s", op->rec.lpar);
	return NULL;
}

const char *
gate_validate(struct srr_engine *e, struct eop *op)
{
	const char *why;

	if ((why = gate_cluster(e)) || (why = gate_source_down(e, op)) ||
	    (why = gate_eligible(e, op)))
		return why;
	return NULL;
}

const char *
gate_cleanup(struct srr_engine *e, struct eop *op)
{
	const char *why;

	if ((why = gate_cluster(e)))
		return why;
	if (!watch_operating(e, op->src))
		REFUSE("gate: source %s is not Operating or Standby on every "
		       "HMC", e->c.sys[op->src].name);
	if (!cleanup_dest_fresh(e, op) && !(e->fault & SRR_FAULT_NO_DEST_CHECK))
		REFUSE("gate: %.64s not confirmed active on %.64s lately",
		       op->rec.lpar, op->rec.dst);
	return gate_delivered(e, op, SRR_OP_CLEANING, op->prop.cl_attempts);
}
