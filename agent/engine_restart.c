/*
 * engine_restart.c: driving operations: the step after each event
 * (ops_step), the restart path (validate, intent, gate, command) with
 * retries and backoff, the reconciliation query of an operation whose
 * outcome is unknown (ops_query), and the one place a command is emitted
 * (ops_emit_cmd). Results and operator requests: engine_results.c.
 */
#define SRR_LOG_TAG "engine"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/engine_int.h"

/* The one place an rrstartlpar action is emitted; callers have passed the
 * gate for CMD (gate_restart, gate_validate, gate_cleanup). */
void
ops_emit_cmd(struct srr_engine *e, struct eop *op, enum hmc_rr_op cmd, int dst)
{
	struct srr_action *a = engine_emit(e, SRR_ACT_COMMAND);

	a->op = op->rec.id;
	a->tag = op->tag = engine_tag(e);
	a->cmd = cmd;
	a->attempt = cmd == HMC_RR_CLEANUP ? op->rec.cl_attempts : op->rec.attempts;
	a->src = op->src;
	a->dst = dst;
	snprintf(a->lpar, sizeof(a->lpar), "%s", op->rec.lpar);
	a->lpar_id = op->rec.lpar_id;
	op->out_attempt = a->attempt;
	op->out_epoch = e->epoch;
	op->out_dst = dst;
	op->refusal[0] = '\0';
	op_phase(e, op, cmd == HMC_RR_VALIDATE ? PH_VALIDATING :
		 cmd == HMC_RR_RESTART ? PH_RESTART_OUT : PH_CLEANUP_OUT,
		 "command sent");
	if (cmd == HMC_RR_CLEANUP)
		srr_log(LOG_NOTICE, "rrstartlpar -o cleanup %s on %s (attempt %u)",
			op->rec.lpar, op->rec.src, a->attempt);
	else
		srr_log(LOG_NOTICE, "rrstartlpar -o %s %s from %s%s%s (attempt %u)",
			hmc_rr_op_name(cmd), op->rec.lpar, op->rec.src,
			dst >= 0 ? " to " : "", dst >= 0 ? e->c.sys[dst].name : "",
			a->attempt);
}

/* Ask the HMC where OP's partition is (reconciliation, cleanup's check
 * that it runs on its destination). Queries pass the cluster gate too. */
void
ops_query(struct srr_engine *e, struct eop *op)
{
	struct srr_action *a;

	if (gate_cluster(e) != NULL)
		return;
	a = engine_emit(e, SRR_ACT_QUERY);
	a->op = op->rec.id;
	a->tag = op->tag = engine_tag(e);
	op->out_epoch = e->epoch;
	a->src = op->src;
	a->dst = op->dst;
	snprintf(a->lpar, sizeof(a->lpar), "%s", op->rec.lpar);
	a->lpar_id = op->rec.lpar_id;
	op_phase(e, op, PH_QUERYING, "query sent");
}

/* The intent is back from the ledger: the gate, then the command, at
 * once or never. A new leader's reconciliation takes a command the HMC has
 * not seen by its query for one never sent (doc/engine.md); a command held
 * back by the gate and sent later (after a stall guard, or by an agent
 * that has not yet learned of a new configuration: dsim seed
 * 311602263575) breaks that. Refused: we hold the only right to send this
 * attempt and did not, a proven non-restart: give it back, not counted
 * against retry_max. */
static void
send_restart(struct srr_engine *e, struct eop *op)
{
	const char *why = gate_restart(e, op);
	char msg[SRR_MSG_LEN];

	if (why == NULL) {
		ops_emit_cmd(e, op, HMC_RR_RESTART, op->dst);
		return;
	}
	ops_refuse(e, op, SRR_ALERT_REFUSED, why);
	snprintf(msg, sizeof(msg), "restart not sent: %.200s", why);
	op->retry_base++;
	op->next_ms = e->now + e->c.poll_ms;
	ops_propose(e, op, SRR_OP_FAILED, "", msg);
}

static bool
retry_ready(struct srr_engine *e, struct eop *op)
{
	if (op->rec.status != SRR_OP_FAILED)
		return true;
	if (e->now < op->next_ms)
		return false;
	if (op->rec.attempts - op->retry_base < (uint32_t)e->c.retry_max)
		return true;
	if (!op->exhausted_alerted) {
		op->exhausted_alerted = true;
		engine_alert(e, SRR_ALERT_RETRIES, "%s from %s: %u attempts "
			     "failed (last %s %s): no more retries until `replay`",
			     op->rec.lpar, op->rec.src, op->rec.attempts,
			     op->rec.code, op->rec.msg);
	}
	return false;
}

/* Planned or failed: validate if configured, then send the intent. */
static void
drive_restart(struct srr_engine *e, struct eop *op)
{
	const struct srr_lpar_obs *l = watch_lpar(e, op->src, op->rec.lpar);
	char why[SRR_ALERT_LEN];
	struct srr_record next;
	const char *g;
	int d;

	if (!e->sys[op->src].down || ops_primary(e, op->rec.lpar, op->src) != op ||
	    !retry_ready(e, op) || !place_tier_allows(e, op))
		return;
	if ((g = gate_not_restarted(e, op)) != NULL) {
		ops_refuse(e, op, SRR_ALERT_REFUSED, g);
		return;
	}
	if (l == NULL || !watch_eligible(e, op->src, l, why, sizeof(why))) {
		ops_refuse(e, op, SRR_ALERT_REFUSED, l ? why : "not in inventory");
		return;
	}
	op->mem_mb = l->mem_mb;
	op->proc_centi = l->proc_centi;
	if (!place_caps_allow(e, op, -1) || (d = place_choose(e, op)) < 0)
		return;
	if (e->c.validate_first && !(op->validated && op->validated_dst == d)) {
		if ((g = gate_validate(e, op)) != NULL) {
			ops_refuse(e, op, SRR_ALERT_REFUSED, g);
			return;
		}
		op->dst = d;
		ops_emit_cmd(e, op, HMC_RR_VALIDATE, d);
		return;
	}
	/* No intent the cluster gate would stop at once (paused, stall). */
	if ((g = gate_cluster(e)) != NULL) {
		ops_refuse(e, op, SRR_ALERT_REFUSED, g);
		return;
	}
	next = op->rec;
	next.status = SRR_OP_RESTARTING;
	next.attempts++;
	next.att_epoch = e->epoch;
	snprintf(next.dst, sizeof(next.dst), "%s", e->c.sys[d].name);
	op->dst = d;
	if (ops_change_state(e, op, &next, "restart intent") == 0 &&
	    (e->fault & SRR_FAULT_NO_DELIVERY)) {
		/* The broken gate under test: act before the ledger agreed,
		 * waiting for nothing (and so outside the phase table). */
		uint32_t keep = op->rec.attempts;

		op->rec.attempts = next.attempts;
		op->phase = PH_IDLE;
		ops_emit_cmd(e, op, HMC_RR_RESTART, d);
		op->rec.attempts = keep;
	}
}

static void
reconcile(struct srr_engine *e, struct eop *op)
{
	if (e->now < op->next_ms)
		return;
	srr_log(LOG_INFO, "reconciling %s from %s (restarting, attempt %u)",
		op->rec.lpar, op->rec.src, op->rec.attempts);
	ops_query(e, op);
}

/* What the operation's phase and status call for; an agreed intent is
 * acted on here or given back (send_restart, cleanup_step). */
static void
step_op(struct srr_engine *e, struct eop *op)
{
	if (op_busy(op) || !op->have_rec || op->src < 0)
		return;
	switch (op->rec.status) {
	case SRR_OP_RESTARTING:
		if (op->phase == PH_RECONCILING)
			reconcile(e, op);
		else if (op->phase == PH_AGREED)
			send_restart(e, op);
		break;
	case SRR_OP_PLANNED:
	case SRR_OP_FAILED:
		drive_restart(e, op);
		break;
	case SRR_OP_RESTARTED:
	case SRR_OP_CLEANING:
		cleanup_step(e, op);
		break;
	default:
		break;
	}
	if (op->phase == PH_AGREED)
		op_settle(e, op, "intent not sent in the step of its "
			  "agreement: given back");
}

static void
step_sys(struct srr_engine *e, int s)
{
	struct esys *y = &e->sys[s];
	char why[SRR_ALERT_LEN];
	bool was = y->down;

	y->down = watch_down(e, s, why, sizeof(why));
	if (!y->down && watch_operating(e, s)) {
		y->tier = 0;
		y->tier_since = e->now;
	}
	if (!engine_acting(e))
		return;
	if (y->down && !was)
		engine_alert(e, SRR_ALERT_DOWN, "%s confirmed down",
			     e->c.sys[s].name);
	if (y->down && y->have_inv) {
		ops_plan(e, s);
		place_tiers(e, s);
	} else if (y->down && !y->refusal[0]) {
		snprintf(y->refusal, sizeof(y->refusal), "no inventory");
		engine_alert(e, SRR_ALERT_REFUSED, "%s is down but no inventory "
			     "of it taken while Operating is known: nothing to "
			     "restart", e->c.sys[s].name);
	}
	if (!y->down) {
		watch_fence(e, s);
	}
}

void
ops_step(struct srr_engine *e)
{
	size_t i;
	int s;

	ops_deadlines(e);
	for (s = 0; s < e->c.nsys; s++)
		step_sys(e, s);
	if (!engine_acting(e))
		return;
	for (i = 0; i < e->nops; i++)
		step_op(e, &e->ops[i]);
}
