/*
 * engine_cleanup.c: replaying debts. When the source of an open debt is
 * Operating or Standby again: confirm the partition is active on its
 * destination (a query in this epoch), record the cleanup intent, pass the
 * gate, run `rrstartlpar -o cleanup`. The HMC's own auto-cleanup (the
 * source lists the partition no more, or as Invalid, or the cleanup
 * answers HSCL8012) closes the debt too.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "agent/engine_int.h"

#define HSCL_NOT_FOUND	"HSCL8012"

static void
send_cleanup(struct srr_engine *e, struct eop *op)
{
	const char *why = gate_cleanup(e, op);

	if (why != NULL) {
		ops_refuse(e, op, SRR_ALERT_REFUSED, why);
		op_settle(e, op, "cleanup intent refused by the gate: given "
			  "back");	/* now or never: see cleanup_step */
		return;
	}
	ops_emit_cmd(e, op, HMC_RR_CLEANUP, op->dst);
	op->cl_intent = 0;
}

/* The partition was seen active on its destination by a query of this
 * epoch, at most three poll intervals ago: an older answer says nothing
 * of a partition stopped or migrated since. */
bool
cleanup_dest_fresh(const struct srr_engine *e, const struct eop *op)
{
	return op->dest_ok && e->now - op->dest_ok_at <= 3 * e->c.poll_ms;
}

/* An agreed cleanup intent is sent in the step of its agreement or
 * never, as a restart's is (send_restart): one held back (the source not
 * seen Operating lately, the destination check aged) and sent seconds
 * later went out from an agent that had not yet learned of a new
 * configuration (dsim seed 88461884577464). Not sent: given back, the
 * next step proposes a new intent. */
void
cleanup_step(struct srr_engine *e, struct eop *op)
{
	struct srr_record next;

	if (!watch_operating(e, op->src) || e->now < op->next_ms) {
		return;		/* an agreed intent is given back (step_op) */
	} else if (!cleanup_dest_fresh(e, op) &&
		   !(e->fault & SRR_FAULT_NO_DEST_CHECK)) {
		ops_query(e, op);
	} else if (op->phase == PH_AGREED && op->rec.status == SRR_OP_CLEANING &&
		   op->cl_intent == op->rec.cl_attempts) {
		send_cleanup(e, op);
	} else if (gate_cluster(e) == NULL) {
		next = op->rec;
		next.status = SRR_OP_CLEANING;
		next.cl_attempts++;
		op->cl_intent = next.cl_attempts;
		ops_change_state(e, op, &next, "cleanup intent");
	}
}

void
cleanup_query_result(struct srr_engine *e, struct eop *op,
		     const struct srr_ev_query_result *q)
{
	if (!q->ok) {
		op->next_ms = e->now + e->c.poll_ms;
		return;
	}
	if (!q->src_present || q->src_rrs == HMC_RRS_INVALID) {
		engine_alert(e, SRR_ALERT_DONE, "debt of %s on %s closed: the "
			     "source holds it no more (HMC auto-cleanup)",
			     op->rec.lpar, op->rec.src);
		ops_propose(e, op, SRR_OP_CLEANED, NULL, "source no longer holds "
			    "it (auto-cleanup)");
		return;
	}
	if (q->found_on == op->dst && op->dst >= 0 &&
	    hmc_lpar_state_power(q->dst_state) == HMC_POWER_ON) {
		op->dest_ok = true;
		op->dest_ok_at = e->now;
		return;
	}
	op->next_ms = e->now + e->c.poll_ms;
	ops_refuse(e, op, SRR_ALERT_HOLD, "not active on its destination: "
		   "cleanup held (the source copy may be the live one)");
}

void
cleanup_cmd_result(struct srr_engine *e, struct eop *op,
		   const struct srr_ev_cmd_result *r)
{
	struct srr_record next = op->rec;

	op->dest_ok = false;
	if (op->rec.status != SRR_OP_CLEANING)
		return;
	if (r->exit_status == 0 || strcmp(r->code, HSCL_NOT_FOUND) == 0) {
		engine_alert(e, SRR_ALERT_DONE, "debt of %s on %s cleaned%s",
			     op->rec.lpar, op->rec.src,
			     r->exit_status ? " (already, by the HMC)" : "");
		ops_propose(e, op, SRR_OP_CLEANED, r->code, r->exit_status ?
			    "already cleaned" : "cleaned");
		return;
	}
	if (r->exit_status < 0) {
		op->next_ms = e->now;	/* unknown: confirm and try again */
		return;
	}
	snprintf(next.code, sizeof(next.code), "%s", r->code);
	snprintf(next.msg, sizeof(next.msg), "%s", r->msg);
	op->next_ms = e->now + engine_backoff(e, op->rec.cl_attempts);
	engine_alert(e, SRR_ALERT_FAILED, "cleanup of %s on %s failed (exit %d, "
		     "%s): %s", op->rec.lpar, op->rec.src, r->exit_status,
		     r->code[0] ? r->code : "no code", r->msg);
	ops_change_state(e, op, &next, "cleanup failed");
}
