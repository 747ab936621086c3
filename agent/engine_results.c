/*
 * engine_results.c: what comes back: command results, query results
 * (reconciliation of `restarting` operations), operator requests.
 */
#define SRR_LOG_TAG "engine"

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent/engine_int.h"

static void
failed(struct srr_engine *e, struct eop *op, const struct srr_ev_cmd_result *r,
       uint32_t attempts)
{
	struct srr_record next = op->rec;

	next.status = SRR_OP_FAILED;
	if (next.attempts != attempts)
		next.att_epoch = e->epoch;	/* a failed validate: new attempt */
	next.attempts = attempts;
	snprintf(next.code, sizeof(next.code), "%s", r->code);
	snprintf(next.msg, sizeof(next.msg), "%s", r->msg);
	op->next_ms = e->now + engine_backoff(e, attempts);
	op->validated = false;
	engine_alert(e, SRR_ALERT_FAILED, "%s %s from %s failed (exit %d, %s): "
		     "%s", hmc_rr_op_name(r->cmd), op->rec.lpar, op->rec.src,
		     r->exit_status, r->code[0] ? r->code : "no code", r->msg);
	ops_change_state(e, op, &next, "command failed");
}

/* Ours succeeded: a debt, whatever the ledger says meanwhile. The record is the attempt that was sent: its
 * destination is the command's, not whatever a merge left in the ledger's
 * copy (a failed validate of another agent has none: the debt was then
 * recorded with no destination and never replayed, seeds 112309, 204229,
 * 305651, 510493). */
static void
restarted(struct srr_engine *e, struct eop *op,
	  const struct srr_ev_cmd_result *r)
{
	struct srr_record next = op->rec;

	next.status = SRR_OP_RESTARTED;
	if (op->out_dst >= 0) {
		snprintf(next.dst, sizeof(next.dst), "%s",
			 e->c.sys[op->out_dst].name);
		op->dst = op->out_dst;
	}
	snprintf(next.code, sizeof(next.code), "%s", r->code);
	snprintf(next.msg, sizeof(next.msg), "restarted");
	engine_alert(e, SRR_ALERT_DONE, "%s restarted from %s on %s%s%s",
		     op->rec.lpar, op->rec.src, next.dst,
		     r->code[0] ? " with " : "", r->code);
	ops_change_state(e, op, &next, "restarted");
}

static void
restart_result(struct srr_engine *e, struct eop *op,
	       const struct srr_ev_cmd_result *r)
{
	if (r->exit_status == 0 && (op->rec.status == SRR_OP_RESTARTING ||
				    op->rec.status == SRR_OP_FAILED)) {
		restarted(e, op, r);
		return;
	}
	if (r->attempt != op->rec.attempts) {
		/* The ledger holds a later attempt: another leader reconciled
		 * ours (its query saw whatever ours did) and sent its own. Our
		 * failure is not that attempt's: recorded against it, it hid
		 * the attempt's unknown outcome and the debt was lost (found
		 * by the spin model, doc/model.md). */
		srr_log(LOG_INFO, "restart of %s: result of attempt %u not recorded, "
			"the ledger holds attempt %u", op->rec.lpar, r->attempt,
			op->rec.attempts);
		/* ...but that attempt's outcome is still to be found out:
		 * returning without it left the partition restarting forever
		 * (dsim seed 606109534864, once merged with the tags). The
		 * caller settles it: restarting, so reconciling. */
		return;
	}
	if (op->rec.status != SRR_OP_RESTARTING)
		return;
	if (r->exit_status > 0) {
		failed(e, op, r, op->rec.attempts);
		/* Declined by the daemon at send time (the cluster gate closed
		 * after we decided): like our own gate's refusal, given back
		 * and not counted against retry_max (engine_restart.c). */
		if (r->not_sent)
			op->retry_base++;
	} else if (r->exit_status < 0) {
		/* No exit status: it may or may not have run. Ask the HMC. */
		op_phase(e, op, PH_RECONCILING, "restart outcome unknown");
		engine_alert(e, SRR_ALERT_HOLD, "restart of %s: outcome unknown "
			     "(%s): reconciling", op->rec.lpar, r->msg);
	}
}

/* A validate changes nothing on the HMC: its failure is recorded as a
 * failed attempt only by the acting leader of the epoch that sent it. A
 * late one (another epoch, or leadership lost) is a decision of a view
 * that is gone: its `failed` record could outrank a restart another
 * leader made meanwhile in an epoch of the same value. */
static void
validate_result(struct srr_engine *e, struct eop *op,
		const struct srr_ev_cmd_result *r)
{
	if (r->exit_status == 0) {
		op->validated = true;
		op->validated_dst = op->out_dst;
		return;
	}
	op->validated = false;
	if (op->rec.status != SRR_OP_PLANNED && op->rec.status != SRR_OP_FAILED)
		return;
	if (r->exit_status < 0 || op->out_epoch != e->epoch ||
	    !engine_acting(e)) {
		op->next_ms = e->now + engine_backoff(e, op->rec.attempts + 1);
		srr_log(LOG_INFO, "validate of %s: %s: not recorded, asked again "
			"later", op->rec.lpar, r->exit_status < 0 ?
			"outcome unknown" : "answer of another view");
		return;
	}
	failed(e, op, r, op->rec.attempts + 1);
}

/* A result counts only for the command out: same phase, tag and attempt.
 * Its handler may propose the next record; if not, nothing is out. */
int
ops_cmd_result(struct srr_engine *e, const struct srr_ev_cmd_result *r)
{
	struct eop *op = ops_find(e, &r->op);
	enum op_phase want = r->cmd == HMC_RR_VALIDATE ? PH_VALIDATING :
			     r->cmd == HMC_RR_RESTART ? PH_RESTART_OUT :
			     r->cmd == HMC_RR_CLEANUP ? PH_CLEANUP_OUT : PH_IDLE;

	if (op == NULL || want == PH_IDLE || op->phase != want ||
	    r->tag != op->tag || op->out_attempt != r->attempt) {
		e->ignored++;
		srr_log(LOG_WARNING, "ignored a %s result (tag %llu) for no command "
			"of ours in flight", hmc_rr_op_name(r->cmd),
			(unsigned long long)r->tag);
		return 0;
	}
	if (want == PH_VALIDATING)
		validate_result(e, op, r);
	else if (want == PH_RESTART_OUT)
		restart_result(e, op, r);
	else
		cleanup_cmd_result(e, op, r);
	if (op->phase == want)
		op_settle(e, op, "command result");
	return 0;
}

/* DESIGN.md: active on a destination -> restarted; still Remote
 * Restartable on the source and on no destination -> retry allowed;
 * anything else -> hold and alert. */
static void
reconcile_result(struct srr_engine *e, struct eop *op,
		 const struct srr_ev_query_result *q)
{
	struct srr_record next = op->rec;

	if (q->ok && q->found_on >= 0 &&
	    hmc_lpar_state_power(q->dst_state) == HMC_POWER_ON) {
		next.status = SRR_OP_RESTARTED;
		snprintf(next.dst, sizeof(next.dst), "%s",
			 e->c.sys[q->found_on].name);
		snprintf(next.msg, sizeof(next.msg), "reconciled: active on %.200s",
			 next.dst);
		op->dst = q->found_on;
		ops_change_state(e, op, &next, next.msg);
		return;
	}
	if (q->ok && (!q->src_present || q->src_rrs == HMC_RRS_INVALID ||
		      q->src_rrs == HMC_RRS_REMOTE_RESTARTED)) {
		/* The source's own word that a restart completed (or its
		 * auto-cleanup after one): a debt, even if the partition is not
		 * active anywhere now; cleanup closes it. */
		next.status = SRR_OP_RESTARTED;
		snprintf(next.msg, sizeof(next.msg), "reconciled: the source "
			 "says %s", q->src_present ?
			 hmc_rr_status_name(q->src_rrs) : "it is gone");
		ops_change_state(e, op, &next, next.msg);
		return;
	}
	if (q->ok && q->found_on < 0 && q->src_present &&
	    q->src_rrs == HMC_RRS_REMOTE_RESTARTABLE) {
		next.status = SRR_OP_FAILED;
		snprintf(next.msg, sizeof(next.msg), "reconciled: not restarted");
		op->next_ms = e->now;
		ops_change_state(e, op, &next, next.msg);
		return;
	}
	op->next_ms = e->now + e->c.poll_ms;
	ops_refuse(e, op, SRR_ALERT_HOLD, q->ok ? "reconcile: neither active "
		   "on a destination nor Remote Restartable on the source: "
		   "holding" : "reconcile: query failed: holding");
}

int
ops_query_result(struct srr_engine *e, const struct srr_ev_query_result *q)
{
	struct eop *op = ops_find(e, &q->op);

	if (q->found_on >= e->c.nsys)
		return -EINVAL;
	if (op == NULL || op->phase != PH_QUERYING || q->tag != op->tag ||
	    op->out_epoch != e->epoch) {
		e->ignored++;
		srr_log(LOG_WARNING, "ignored a query answer (tag %llu) for no query "
			"of ours in flight", (unsigned long long)q->tag);
		return 0;
	}
	if (op->rec.status == SRR_OP_RESTARTING)
		reconcile_result(e, op, q);
	else if (op->rec.status == SRR_OP_RESTARTED ||
		 op->rec.status == SRR_OP_CLEANING)
		cleanup_query_result(e, op, q);
	if (op->phase == PH_QUERYING)
		op_settle(e, op, "query answered");
	return 0;
}

/* Each waiting phase's deadline (doc/engine.md, "Phases"); 0: none. */
static int64_t
phase_deadline(const struct srr_engine *e, enum op_phase p)
{
	switch (p) {
	case PH_VALIDATING:
	case PH_RESTART_OUT:
	case PH_CLEANUP_OUT:
		return e->c.cmd_timeout_ms;
	case PH_PROPOSED:	/* the cluster answers in milliseconds */
	case PH_QUERYING:
		return e->c.query_timeout_ms;
	default:
		return 0;	/* idle, agreed (this step), reconciling */
	}
}

/* A command with no result by its deadline has an unknown outcome (the
 * result, if it comes, is then ignored); a query with no answer is asked
 * again. A proposal not back waits on: only a new membership voids it
 * (sending it again could contend with itself). Each raises an alert,
 * deduplicated as refusals are (a restart's through its unknown outcome).
 * Without this an operation waits for ever while the same agent leads. */
static void
phase_expired(struct srr_engine *e, struct eop *op, int64_t lim)
{
	struct srr_ev_cmd_result r;

	char why[SRR_ALERT_LEN];

	snprintf(why, sizeof(why), "%s for %lld ms, past its deadline: %s",
		 op_phase_name(op->phase), (long long)lim,
		 op->phase == PH_PROPOSED ? "waiting for the cluster" :
		 op->phase == PH_QUERYING ? "asked again" :
		 "outcome unknown");
	srr_log(LOG_WARNING, "%s from %s: %s", op->rec.lpar, op->rec.src, why);
	if (op->phase != PH_RESTART_OUT)
		ops_refuse(e, op, SRR_ALERT_HOLD, why);
	op->phase_alerted = true;
	if (op->phase == PH_PROPOSED)
		return;
	if (op->phase == PH_QUERYING) {
		op_settle(e, op, "query unanswered");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.op = op->rec.id;
	r.tag = op->tag;
	r.cmd = op->phase == PH_VALIDATING ? HMC_RR_VALIDATE :
		op->phase == PH_RESTART_OUT ? HMC_RR_RESTART : HMC_RR_CLEANUP;
	r.attempt = op->out_attempt;
	r.exit_status = -1;
	snprintf(r.msg, sizeof(r.msg), "no result within %lld ms",
		 (long long)lim);
	ops_cmd_result(e, &r);
}

void
ops_deadlines(struct srr_engine *e)
{
	size_t i;

	for (i = 0; i < e->nops; i++) {
		struct eop *op = &e->ops[i];
		int64_t lim = phase_deadline(e, op->phase);

		if (lim > 0 && !op->phase_alerted &&
		    e->now - op->phase_since >= lim)
			phase_expired(e, op, lim);
	}
}

static void
abandon(struct srr_engine *e, const struct srr_ev_operator *o)
{
	struct eop *op = ops_find(e, &o->op);
	char id[64];

	srr_op_id_str(&o->op, id, sizeof(id));
	if (!engine_acting(e) || o->reason[0] == '\0' || op == NULL ||
	    !op->have_rec || op_busy(op) ||
	    !srr_op_transition_ok(op->rec.status, SRR_OP_ABANDONED)) {
		engine_alert(e, SRR_ALERT_OPERATOR, "abandon %s refused: %s", id,
			     !engine_acting(e) ? "not the acting leader" :
			     o->reason[0] == '\0' ? "a reason is required" :
			     op == NULL || !op->have_rec ? "no such operation" :
			     "operation busy or in a state that cannot be "
			     "abandoned");
		return;
	}
	engine_alert(e, SRR_ALERT_OPERATOR, "abandon %s (%s): %s", id,
		     srr_op_status_name(op->rec.status), o->reason);
	ops_propose(e, op, SRR_OP_ABANDONED, NULL, o->reason);
}

static void
replay(struct srr_engine *e)
{
	size_t i;

	for (i = 0; i < e->nops; i++) {
		struct eop *op = &e->ops[i];

		if (op->rec.status == SRR_OP_FAILED) {
			op->retry_base = op->rec.attempts;
			op->exhausted_alerted = false;
		}
		op->next_ms = 0;
		op->refusal[0] = '\0';
	}
	engine_alert(e, SRR_ALERT_OPERATOR, "replay: failed and held work "
		     "retried now");
}

static bool
mode_paused(const struct srr_record *m)
{
	return strcmp(m->code, SRR_MODE_PAUSE) == 0;
}

static void
mode_update(struct srr_engine *e)
{
	e->paused = e->pause_pending || (e->have_mode && mode_paused(&e->mode));
}

/* An operator record (ledger.h) through the cluster, by the acting
 * leader only: CODE, VERSION (mode records), the user, and MSG. */
static void __attribute__((format(printf, 5, 6)))
audit_emit(struct srr_engine *e, const char *code, uint32_t version,
	   const struct srr_ev_operator *o, const char *fmt, ...)
{
	struct srr_action *a;
	struct srr_record *r;
	va_list ap;

	if (!engine_acting(e))
		return;
	a = engine_emit(e, SRR_ACT_REPLICATE);
	r = &a->rec;
	memset(r, 0, sizeof(*r));
	r->id.epoch = e->epoch;
	r->id.node = e->c.nodeid;
	r->id.seq = SRR_AUDIT_SEQ | (++e->aseq & ~SRR_AUDIT_SEQ);
	r->status = SRR_OP_CLEANED;	/* nothing to do: never a debt */
	r->attempts = version;
	snprintf(r->code, sizeof(r->code), "%s", code);
	snprintf(r->dst, sizeof(r->dst), "%s", o->user[0] ? o->user : "-");
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->created = r->updated = e->wall;
	a->op = r->id;
	a->src = a->dst = -1;
	snprintf(a->text, sizeof(a->text), "%s by %s", code, r->dst);
}

/* srrctl pause / resume: a mode record through the cluster, so that every
 * agent holds it and the next leader keeps it. A pause holds at once on
 * this leader; a resume only once its record is merged. */
static void
mode_propose(struct srr_engine *e, const struct srr_ev_operator *o)
{
	bool pause = o->req == SRR_OPR_PAUSE;
	const char *word = pause ? "pause" : "resume";

	if (!engine_acting(e)) {
		engine_alert(e, SRR_ALERT_OPERATOR, "%s refused: not the "
			     "acting leader", word);
		return;
	}
	if (!e->pause_pending && pause == e->paused) {
		engine_alert(e, SRR_ALERT_OPERATOR, "automatic mode already %s",
			     pause ? "paused" : "active");
		return;
	}
	audit_emit(e, pause ? SRR_MODE_PAUSE : SRR_MODE_RESUME,
		   (e->have_mode ? e->mode.attempts : 0) + 1, o, "%s", o->reason);
	if (pause)
		e->pause_pending = true;
	mode_update(e);
	engine_alert(e, SRR_ALERT_OPERATOR, "automatic mode %s%s (by %s%s%s)",
		     pause ? "paused" : "resumed", pause ? "" :
		     " once the cluster has it", o->user[0] ? o->user : "-",
		     o->reason[0] ? ": " : "", o->reason);
}

/* A mode record merged (ours or another leader's, now or from the store):
 * the one in force follows the greatest. */
void
ops_mode_record(struct srr_engine *e, const struct srr_record *r)
{
	bool was = e->paused;

	if (r->id.node == e->c.nodeid && (r->id.seq & SRR_AUDIT_SEQ) &&
	    (r->id.seq & ~SRR_AUDIT_SEQ) > e->aseq)
		e->aseq = r->id.seq & ~SRR_AUDIT_SEQ;
	if (strcmp(r->code, SRR_MODE_PAUSE) != 0 &&
	    strcmp(r->code, SRR_MODE_RESUME) != 0)
		return;		/* an audit record: nothing to do */
	if (e->have_mode && srr_mode_cmp(r, &e->mode) <= 0)
		return;
	e->mode = *r;
	e->have_mode = true;
	e->pause_pending = false;
	mode_update(e);
	if (was != e->paused)
		srr_log(LOG_NOTICE, "automatic mode %s by %s (record of agent %u, "
			"version %u): %s", e->paused ? "paused" : "resumed",
			r->dst, r->id.node, r->attempts, r->msg);
}

/* A new epoch or leader: a pause proposed and not merged is lost with the
 * old term. Say so loudly: the operator was told it was paused. */
void
ops_mode_new_term(struct srr_engine *e)
{
	if (!e->pause_pending)
		return;
	e->pause_pending = false;
	mode_update(e);
	engine_alert(e, SRR_ALERT_OPERATOR, "a pause was not recorded by the "
		     "cluster before the membership changed: the automatic "
		     "mode is %s; run srrctl pause again if it must be paused",
		     e->paused ? "paused" : "ACTIVE");
}

int
ops_operator(struct srr_engine *e, const struct srr_ev_operator *o)
{
	if ((o->req == SRR_OPR_CONFIRM || o->req == SRR_OPR_RESTART) &&
	    (o->sys < 0 || o->sys >= e->c.nsys))
		return -EINVAL;
	if ((o->req == SRR_OPR_RESTART && hmc_name_check(o->lpar) < 0) ||
	    (o->req == SRR_OPR_ABANDON &&
	     memchr(o->reason, '\0', sizeof(o->reason)) == NULL))
		return -EINVAL;
	switch (o->req) {
	case SRR_OPR_CONFIRM:
		if (watch_operating(e, o->sys) || !e->have_tick) {
			engine_alert(e, SRR_ALERT_OPERATOR, "confirm %s refused: "
				     "an HMC reports it up", e->c.sys[o->sys].name);
			return 0;
		}
		e->sys[o->sys].op_confirmed = true;
		e->sys[o->sys].confirmed_at = e->now;
		engine_alert(e, SRR_ALERT_OPERATOR, "%s confirmed down by the "
			     "operator", e->c.sys[o->sys].name);
		audit_emit(e, SRR_AUDIT_CONFIRM, 0, o, "%s confirmed down: %s",
			   e->c.sys[o->sys].name, o->reason);
		return 0;
	case SRR_OPR_PAUSE:
	case SRR_OPR_RESUME:
		mode_propose(e, o);
		return 0;
	case SRR_OPR_REPLAY:
		replay(e);
		audit_emit(e, SRR_AUDIT_REPLAY, 0, o, "failed and held work "
			   "retried%s%s", o->reason[0] ? ": " : "", o->reason);
		return 0;
	case SRR_OPR_ABANDON:
		abandon(e, o);
		return 0;
	case SRR_OPR_RESTART:
		if (!engine_acting(e)) {
			engine_alert(e, SRR_ALERT_OPERATOR, "restart %s refused: "
				     "not the acting leader", o->lpar);
			return 0;
		}
		if (ops_manual(e, o->sys, o->lpar))
			audit_emit(e, SRR_AUDIT_RESTART, 0, o, "restart of %s from "
				   "%s asked", o->lpar, e->c.sys[o->sys].name);
		return 0;
	}
	return -EINVAL;
}
