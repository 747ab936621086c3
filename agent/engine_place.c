/*
 * engine_place.c: priority tiers, parallelism caps and placement.
 *
 * A partition pinned by configuration goes to its destination only
 * (waiting for room there rather than going elsewhere).
 *
 * Tiers: priority 1 goes first; the next tier starts when every operation
 * of the tiers before it is restarted or has failed at least once, or when
 * the tier timeout expires. Placement: the configured destination with the
 * most free memory that fits the partition's memory and processor units,
 * after what is already on its way there.
 */
#define SRR_LOG_TAG "engine"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "agent/engine_int.h"

/* Waiting on: not yet restarted and not failed (failed releases the tier). */
static bool
blocks_tier(const struct eop *op)
{
	enum srr_op_status st = ops_cur_status(op);

	return st == SRR_OP_PLANNED || st == SRR_OP_RESTARTING;
}

static bool
restart_work(const struct eop *op)
{
	enum srr_op_status st = ops_cur_status(op);

	return st == SRR_OP_PLANNED || st == SRR_OP_RESTARTING ||
	       st == SRR_OP_FAILED;
}

/* Moves source S's tier on when its tier is done or timed out. */
void
place_tiers(struct srr_engine *e, int s)
{
	struct esys *y = &e->sys[s];
	uint32_t next = UINT32_MAX;
	bool blocked = false;
	size_t i;

	for (i = 0; i < e->nops; i++) {
		const struct eop *op = &e->ops[i];

		if (op->src != s || !restart_work(op))
			continue;
		if (op->rec.priority <= y->tier && blocks_tier(op))
			blocked = true;
		if (op->rec.priority > y->tier && op->rec.priority < next)
			next = op->rec.priority;
	}
	if (next == UINT32_MAX)
		return;
	if (blocked && e->now - y->tier_since < e->c.tier_timeout_ms)
		return;
	if (blocked)
		srr_log(LOG_NOTICE, "%s: tier %u timed out, starting tier %u",
			e->c.sys[s].name, y->tier, next);
	y->tier = next;
	y->tier_since = e->now;
}

bool
place_tier_allows(const struct srr_engine *e, const struct eop *op)
{
	return op->manual || op->rec.priority <= e->sys[op->src].tier;
}

/* In flight towards the HMC: restarting (ours or proposed), validating. */
static bool
busy(const struct eop *op)
{
	enum srr_op_status st = ops_cur_status(op);

	return st == SRR_OP_RESTARTING || op->phase == PH_VALIDATING;
}

bool
place_caps_allow(const struct srr_engine *e, const struct eop *op, int dst)
{
	int per_src = 0, per_dst = 0;
	size_t i;

	for (i = 0; i < e->nops; i++) {
		const struct eop *o = &e->ops[i];

		if (o == op || !busy(o))
			continue;
		per_src += o->src == op->src;
		per_dst += dst >= 0 && o->dst == dst;
	}
	return per_src < e->c.max_per_source &&
	       (dst < 0 || per_dst < e->c.max_per_dest);
}

static void
reserved(const struct srr_engine *e, int d, const struct eop *skip,
	 uint64_t *mem, uint64_t *proc)
{
	size_t i;

	*mem = *proc = 0;
	for (i = 0; i < e->nops; i++) {
		const struct eop *o = &e->ops[i];

		if (o != skip && o->dst == d && busy(o)) {
			*mem += o->mem_mb;
			*proc += o->proc_centi;
		}
	}
}

static bool
dest_usable(const struct srr_engine *e, int d)
{
	int h;

	if (!e->sys[d].have_cap)
		return false;
	for (h = 0; h < e->c.nhmc; h++) {
		const struct ehmc *m = &e->sys[d].hmc[h];

		if (m->seen && m->visible && m->st == HMC_SYS_OPERATING)
			return true;
	}
	return false;
}

/* Returns the chosen destination index, or -1 (with op->refusal set). */
int
place_choose(struct srr_engine *e, struct eop *op)
{
	const struct srr_sys_conf *sc = &e->c.sys[op->src];
	const struct srr_lpar_conf *lc = engine_lpar_conf(e, op->rec.lpar);
	bool pinned = lc != NULL && lc->pinned && lc->pin >= 0 &&
		      lc->pin < e->c.nsys;
	int64_t best_free = -1;
	int i, best = -1, n = pinned ? 1 : sc->ndest;

	for (i = 0; i < n; i++) {
		int d = pinned ? lc->pin : sc->dest[i];
		uint64_t rmem, rproc;
		int64_t fmem, fproc;

		if (!dest_usable(e, d) || !place_caps_allow(e, op, d))
			continue;
		reserved(e, d, op, &rmem, &rproc);
		fmem = (int64_t)e->sys[d].free_mem - (int64_t)rmem;
		fproc = (int64_t)e->sys[d].free_proc - (int64_t)rproc;
		if (fmem < (int64_t)op->mem_mb || fproc < (int64_t)op->proc_centi)
			continue;
		if (fmem > best_free) {
			best_free = fmem;
			best = d;
		}
	}
	if (best < 0) {
		char why[SRR_ALERT_LEN];

		snprintf(why, sizeof(why), "%s %.64s has room for %.64s (%u MB, "
			 "%u.%02u units) or a free slot: waiting",
			 pinned ? "its pinned destination" : "no destination of",
			 pinned ? e->c.sys[lc->pin].name : sc->name,
			 op->rec.lpar, op->mem_mb,
			 op->proc_centi / 100, op->proc_centi % 100);
		ops_refuse(e, op, SRR_ALERT_NO_ROOM, why);
	}
	return best;
}
