/*
 * sim_rr.c: rrstartlpar: validate, restart, cleanup, cancel, recover.
 *
 * A restart runs in the calling session's thread, as the HMC's command
 * blocks until the partition runs on the destination. It moves the source
 * definition to Source Remote Restarting, defines the partition on the
 * destination (Destination Remote Restarting, then Destination Remote
 * Restarted at the point of no return, half way), and ends with the source
 * definition Remote Restarted (waiting for cleanup) and the partition
 * Running on the destination. The model lock is released while it waits,
 * so restarts overlap up to the per-system limit.
 */
#define SRR_LOG_TAG "hmcsim"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

enum rr_kind { RR_RESTART, RR_CLEANUP };

struct sim_rr {
	enum rr_kind kind;
	struct sim_sys *src, *dst;
	struct sim_lpar *sl, *dl;
	bool cancel;
	bool past_return;		/* the point of no return is passed */
	bool id_changed;		/* warn HSCLA32F when it succeeds */
};

struct rr_args {
	const char *op, *src, *dst, *name, *id;
	bool force, noconnection;
};

static int
rr_parse(struct sim_ctx *c, int argc, char **argv, struct rr_args *a)
{
	struct sim_opt o[] = {
		{ "-o", true, NULL }, { "-m", true, NULL }, { "-t", true, NULL },
		{ "-p", true, NULL }, { "--id", true, NULL }, { "-d", true, NULL },
		{ "-v", false, NULL }, { "-w", true, NULL },
		{ "--retaindev", false, NULL }, { "--force", false, NULL },
		{ "--redundantvios", true, NULL }, { "--usecurrdata", false, NULL },
		{ "--noconnection", false, NULL }, { "--ip", true, NULL },
		{ "-u", true, NULL },
	};
	const size_t n = sizeof(o) / sizeof(o[0]);
	const char *rv;

	if (sim_opts_parse(c, argc, argv, o, n) != 0)
		return 1;
	a->op = sim_opt(o, n, "-o");
	a->src = sim_opt(o, n, "-m");
	a->dst = sim_opt(o, n, "-t");
	a->name = sim_opt(o, n, "-p");
	a->id = sim_opt(o, n, "--id");
	a->force = sim_opt(o, n, "--force") != NULL;
	a->noconnection = sim_opt(o, n, "--noconnection") != NULL;
	rv = sim_opt(o, n, "--redundantvios");
	if (rv != NULL && (strlen(rv) != 1 || rv[0] < '0' || rv[0] > '2'))
		return sim_err(c, "HSCL350B --redundantvios takes 0, 1 or 2.");
	if (sim_opt(o, n, "--ip") != NULL)
		return sim_err(c, "HSCL350B This simulator does not reach "
			       "other HMCs (--ip).");
	if (a->op == NULL)
		return sim_err(c, "HSCL350B The operation (-o) is required.");
	return 0;
}

/* Checks shared by validate and restart. */
static int
rr_check(struct sim_ctx *c, struct sim_sys *src, struct sim_sys *dst,
	 struct sim_lpar *l)
{
	if (dst == src)
		return sim_err(c, "HSCL350B The destination must differ from "
			       "the source.");
	if (!l->srr || l->vios)
		return sim_err(c, "HSCLA9D1 The partition %s is not simplified "
			       "remote restart capable.", l->name);
	if (!dst->srr)
		return sim_err(c, "HSCLB909 This operation is not allowed "
			       "because managed system %s does not support "
			       "PowerVM Simplified Partition Remote Restart.",
			       dst->name);
	if (dst->state != HMC_SYS_OPERATING)
		return sim_err(c, "HSCLA9CE The managed system is not in a "
			       "valid state to support partition remote "
			       "restart operations.");
	if (l->rr != NULL || l->rrs != HMC_RRS_REMOTE_RESTARTABLE)
		return sim_err(c, "HSCLA9D0 The partition %s is not in a valid "
			       "remote restart state for this operation (%s).",
			       l->name, hmc_rr_status_name(l->rrs));
	if (sim_lpar_find(dst, l->name) != NULL)
		return sim_err(c, "HSCLA9D5 A partition named %s already "
			       "exists on the managed system %s.", l->name,
			       dst->name);
	if (sim_sys_avail_mem(dst) < l->mem_mb)
		return sim_err(c, "HSCLA9D2 The managed system %s does not have "
			       "enough available memory (%u MB) for the "
			       "partition %s (%u MB).", dst->name,
			       sim_sys_avail_mem(dst), l->name, l->mem_mb);
	if (sim_sys_avail_pu(dst) < l->pu)
		return sim_err(c, "HSCLA9D2 The managed system %s does not have "
			       "enough available processing units for the "
			       "partition %s.", dst->name, l->name);
	return 0;
}

/* Wait for D seconds (scaled) or until the operation is cancelled. */
static void
rr_sleep(struct sim_ctx *c, struct sim_rr *rr, double d)
{
	sim_mono until = sim_deadline(c->m, d);

	while (!rr->cancel && !sim_wait(c->m, until))
		;
}

static struct sim_lpar *
rr_define(struct sim_ctx *c, struct sim_rr *rr)
{
	struct sim_lpar *sl = rr->sl, *dl;
	bool taken = sim_lpar_find_id(rr->dst, sl->id) != NULL;

	if (sim_lpar_add(rr->dst, sl->name, &dl) != 0)
		return NULL;
	if (!taken)
		dl->id = sl->id;
	rr->id_changed = taken;
	dl->srr = true;
	dl->mem_mb = sl->mem_mb;
	dl->pu = sl->pu;
	dl->procs = sl->procs;
	snprintf(dl->profile, sizeof(dl->profile), "%s", sl->profile);
	dl->state = HMC_LPAR_NOT_ACTIVATED;
	dl->rrs = HMC_RRS_DEST_RESTARTING;
	dl->rr = rr;
	return dl;
}

static void
rr_end(struct sim_ctx *c, struct sim_rr *rr)
{
	rr->sl->rr = NULL;
	if (rr->dl != NULL)
		rr->dl->rr = NULL;
	rr->src->rr_active--;
	rr->dst->rr_active--;
	sim_changed(c->m);
	free(rr);
}

/* Before the point of no return: undo, as cancel or a failure does. */
static void
rr_undo(struct sim_rr *rr, enum hmc_rr_status src_status)
{
	sim_lpar_remove(rr->dst, rr->dl);
	rr->dl = NULL;
	rr->sl->rrs = src_status;
}

/* Before the point of no return: cancelled, failed by a fault, or the
 * destination lost. Everything defined for the restart goes. */
static int
rr_abort(struct sim_ctx *c, struct sim_rr *rr)
{
	const char *lpar = rr->sl->name, *src = rr->src->name;
	bool cancelled = rr->cancel, fault = c->hit.rr_fail;

	rr_undo(rr, cancelled ? HMC_RRS_REMOTE_RESTARTABLE :
		HMC_RRS_SOURCE_RESTARTING);
	rr_end(c, rr);
	srr_log(LOG_NOTICE, "restart of %s from %s %s", lpar, src,
		cancelled ? "cancelled" : fault ? "failed (fault)" :
		"failed (destination lost)");
	if (cancelled)
		return sim_err(c, "HSCLA9D7 The remote restart operation of the "
			       "partition %s was cancelled.", lpar);
	return sim_err(c, "%s The remote restart operation of the partition "
		       "%s failed; recover it with rrstartlpar -o recover.",
		       fault ? c->hit.code : "HSCLA9D8", lpar);
}

/* After the point of no return: the source definition is stale whatever
 * happens; the partition runs on the destination unless that was lost. */
static int
rr_finish(struct sim_ctx *c, struct sim_rr *rr)
{
	struct sim_lpar *l = rr->sl, *dl = rr->dl;
	struct sim_sys *dst = rr->dst;
	bool lost = dst->state != HMC_SYS_OPERATING;

	dl->state = lost ? HMC_LPAR_NOT_ACTIVATED : HMC_LPAR_RUNNING;
	dl->rrs = HMC_RRS_REMOTE_RESTARTABLE;
	l->rrs = HMC_RRS_REMOTE_RESTARTED;
	l->state = HMC_LPAR_NOT_ACTIVATED;
	srr_log(lost ? LOG_NOTICE : LOG_INFO, "restart of %s from %s to %s %s "
		"(id %u)", l->name, rr->src->name, dst->name,
		lost ? "ended with the destination lost" : "done", dl->id);
	if (lost) {
		rr_end(c, rr);
		return sim_err(c, "HSCLA9D8 The managed system %s failed during "
			       "the remote restart of the partition %s.",
			       dst->name, l->name);
	}
	if (rr->id_changed)
		hmc_buf_printf(c->out, "Warnings:\nHSCLA32F The specified "
			       "partition ID is no longer valid. The next "
			       "available partition ID will be used.\n");
	rr_end(c, rr);
	return 0;
}

static int
rr_restart(struct sim_ctx *c, struct sim_sys *src, struct sim_sys *dst,
	   struct sim_lpar *l)
{
	struct sim_rr *rr;

	if (src->rr_active >= src->rr_limit || dst->rr_active >= dst->rr_limit)
		return sim_err(c, "HSCLA9D4 The maximum number of concurrent "
			       "remote restart operations (%u) is reached.",
			       src->rr_active >= src->rr_limit ? src->rr_limit :
			       dst->rr_limit);
	rr = calloc(1, sizeof(*rr));
	if (rr == NULL)
		return sim_err(c, "HSCL0002 Out of memory.");
	*rr = (struct sim_rr){ RR_RESTART, src, dst, l, NULL, false, false };
	rr->dl = rr_define(c, rr);
	if (rr->dl == NULL) {
		free(rr);
		return sim_err(c, "HSCLA9D5 The partition %s cannot be defined "
			       "on the managed system %s.", l->name, dst->name);
	}
	l->rr = rr;
	l->rrs = HMC_RRS_SOURCE_RESTARTING;
	srr_log(LOG_INFO, "restart of %s from %s to %s begins (source %s)",
		l->name, src->name, dst->name, hmc_sys_state_name(src->state));
	src->rr_active++;
	dst->rr_active++;
	sim_changed(c->m);
	rr_sleep(c, rr, c->m->t.restart / 2);
	if (rr->cancel || c->hit.rr_fail || dst->state != HMC_SYS_OPERATING)
		return rr_abort(c, rr);
	rr->past_return = true;
	rr->dl->rrs = HMC_RRS_DEST_RESTARTED;
	rr->dl->state = HMC_LPAR_STARTING;
	sim_changed(c->m);
	rr_sleep(c, rr, c->m->t.restart / 2);
	return rr_finish(c, rr);
}

static int
rr_validate_or_restart(struct sim_ctx *c, const struct rr_args *a,
		       struct sim_sys *src, struct sim_lpar *l, bool restart)
{
	struct sim_sys *dst;
	sim_mono until;

	if (a->dst == NULL)
		return sim_err(c, "HSCL350B The destination (-t) is required.");
	if (sim_need_sys(c, a->dst, &dst) != 0 || rr_check(c, src, dst, l) != 0)
		return 1;
	if (!restart) {
		/* Validation holds nothing; it only takes time. */
		until = sim_deadline(c->m, c->m->t.validate);
		while (!sim_wait(c->m, until))
			;
		return 0;
	}
	if (!hmc_sys_state_rr_source_ok(src->state) ||
	    (src->state == HMC_SYS_NO_CONNECTION && !a->noconnection))
		return sim_err(c, "HSCLA9CE The managed system is not in a "
			       "valid state to support partition remote "
			       "restart operations.");
	return rr_restart(c, src, dst, l);
}

static int
rr_cleanup(struct sim_ctx *c, const struct rr_args *a, struct sim_sys *src,
	   struct sim_lpar *l)
{
	struct sim_rr *rr;

	if (a->dst != NULL)
		return sim_err(c, "HSCL350B A cleanup takes no destination (-t).");
	if (!hmc_sys_state_cleanup_ok(src->state))
		return sim_err(c, "HSCLA9CE The managed system is not in a "
			       "valid state to support partition remote "
			       "restart operations.");
	if (l->rr != NULL || (l->rrs != HMC_RRS_REMOTE_RESTARTED &&
			      !(a->force && l->rrs == HMC_RRS_SOURCE_CLEANUP_FAILED)))
		return sim_err(c, "HSCLA9D0 The partition %s is not in a valid "
			       "remote restart state for this operation (%s).",
			       l->name, hmc_rr_status_name(l->rrs));
	if (hmc_lpar_state_power(l->state) != HMC_POWER_OFF)
		return sim_err(c, "HSCLA9D9 The partition %s is active on the "
			       "managed system %s: it cannot be cleaned up.",
			       l->name, src->name);
	rr = calloc(1, sizeof(*rr));
	if (rr == NULL)
		return sim_err(c, "HSCL0002 Out of memory.");
	*rr = (struct sim_rr){ RR_CLEANUP, src, src, l, NULL, false, true };
	l->rr = rr;
	rr_sleep(c, rr, c->m->t.cleanup);
	srr_log(LOG_INFO, "cleanup of %s on %s done", l->name, src->name);
	sim_lpar_remove(src, l);
	free(rr);
	sim_changed(c->m);
	return 0;
}

static int
rr_cancel(struct sim_ctx *c, struct sim_lpar *l)
{
	if (l->rr == NULL || l->rr->kind != RR_RESTART || l->rr->past_return ||
	    l->rr->sl != l)
		return sim_err(c, "HSCLA9D6 No remote restart operation that "
			       "can be cancelled is in progress for the "
			       "partition %s.", l->name);
	l->rr->cancel = true;
	pthread_cond_broadcast(&c->m->cond);
	return 0;
}

static int
rr_recover(struct sim_ctx *c, struct sim_lpar *l)
{
	if (l->rr != NULL || l->rrs == HMC_RRS_REMOTE_RESTARTABLE ||
	    l->rrs == HMC_RRS_REMOTE_RESTARTED || l->rrs == HMC_RRS_INVALID)
		return sim_err(c, "HSCLA9D0 The partition %s is not in a valid "
			       "remote restart state for this operation (%s).",
			       l->name, hmc_rr_status_name(l->rrs));
	l->rrs = HMC_RRS_REMOTE_RESTARTABLE;
	sim_changed(c->m);
	return 0;
}

int
sim_cmd_rrstartlpar(struct sim_ctx *c, int argc, char **argv)
{
	struct rr_args a = { 0 };
	struct sim_sys *src;
	struct sim_lpar *l;

	if (rr_parse(c, argc, argv, &a) != 0)
		return 1;
	if (sim_need_sys(c, a.src, &src) != 0 ||
	    sim_need_lpar(c, src, a.name, a.id, &l) != 0)
		return 1;
	if (strcmp(a.op, "validate") == 0)
		return rr_validate_or_restart(c, &a, src, l, false);
	if (strcmp(a.op, "restart") == 0)
		return rr_validate_or_restart(c, &a, src, l, true);
	if (strcmp(a.op, "cleanup") == 0)
		return rr_cleanup(c, &a, src, l);
	if (strcmp(a.op, "cancel") == 0)
		return rr_cancel(c, l);
	if (strcmp(a.op, "recover") == 0)
		return rr_recover(c, l);
	return sim_err(c, "HSCL350B The operation -o %s is not valid.", a.op);
}
