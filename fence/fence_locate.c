/*
 * fence_locate.c: where a partition is, from what the HMC showed. Pure: no
 * I/O, so that every case is a unit test.
 *
 * A partition may be defined on several systems at once: after a remote
 * restart the source keeps a stale definition until cleanup, and an
 * operator may have defined the same name twice. fence_lpar asks one
 * system and believes it; here every copy must be accounted for, and a
 * copy that cannot be proven off makes the answer UNKNOWN, never OFF.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fence_srr.h"

const char *
fence_copy_name(enum fence_copy c)
{
	static const char *const names[] = { "absent", "running", "off",
	    "down", "ambiguous" };

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

const char *
fence_power_name(enum fence_power p)
{
	return p == FENCE_POWER_ON ? "ON" : p == FENCE_POWER_OFF ? "OFF" : "UNKNOWN";
}

static const char *
sys_text(const struct fence_obs *ob)
{
	return ob->sys_state_text != NULL ? ob->sys_state_text :
	    hmc_sys_state_name(ob->sys_state);
}

/* The status as the HMC printed it (an unknown one has no name of ours). */
static const char *
rr_text(const struct fence_obs *ob)
{
	if (ob->rrs == HMC_RRS_UNKNOWN && ob->rrs_text != NULL)
		return ob->rrs_text;
	return hmc_rr_status_name(ob->rrs);
}

/* A remote restart is under way for this copy, or its status is one we do
 * not know: the partition may start on some system any moment. Destination
 * Remote Restarted is the point of no return, not the end. */
static bool
rr_in_progress(const struct fence_obs *ob)
{
	enum hmc_rr_status s = ob->rrs;

	/* No status at all (an HMC or partition without SRR data) is no
	 * restart; a status we cannot name may be one. */
	if (s == HMC_RRS_UNKNOWN)
		return ob->rrs_text != NULL && ob->rrs_text[0] != '\0';
	return s == HMC_RRS_SOURCE_RESTARTING || s == HMC_RRS_DEST_RESTARTING ||
	    s == HMC_RRS_DEST_RESTARTED;
}

/* The source side of a finished remote restart: the stale definition. */
static bool
rr_stale(enum hmc_rr_status s)
{
	return s == HMC_RRS_REMOTE_RESTARTED || s == HMC_RRS_SOURCE_CLEANUP_FAILED;
}

/* A copy on a system that answers (Operating, Standby). */
static enum fence_copy
classify_operating(const struct fence_obs *ob, char *why, size_t whylen)
{
	switch (hmc_lpar_state_power(ob->state)) {
	case HMC_POWER_OFF:
		return COPY_OFF;
	case HMC_POWER_ON:
	case HMC_POWER_UNKNOWN:	/* a state we do not know may be running */
		return COPY_RUNNING;
	case HMC_POWER_NOT_AVAILABLE:
	default:
		fence_seterr(why, whylen, "the partition on %s reads '%s' while its system is %s",
		    ob->sys, ob->state_text != NULL ? ob->state_text : "?", sys_text(ob));
		return COPY_AMBIGUOUS;
	}
}

enum fence_copy
fence_copy_classify(const struct fence_obs *ob, char *why, size_t whylen)
{
	enum hmc_sys_class cl = hmc_sys_state_class(ob->sys_state);

	/* Before the system state: a restart under way from a dead source is
	 * exactly when the partition is about to run somewhere else, and an
	 * HMC may show no destination copy until the end. */
	if (ob->listed && ob->defined && rr_in_progress(ob)) {
		fence_seterr(why, whylen, "the partition on %s (%s) is %s with a remote restart in progress or of unknown status (%s)",
		    ob->sys, sys_text(ob), ob->state_text != NULL ? ob->state_text : "?",
		    rr_text(ob));
		return COPY_AMBIGUOUS;
	}
	if (cl == HMC_CLASS_DOWN)	/* listed or not: nothing runs there */
		return ob->listed && !ob->defined ? COPY_ABSENT : COPY_DOWN;
	if (cl == HMC_CLASS_OPERATING && ob->listed)
		return ob->defined ? classify_operating(ob, why, whylen) : COPY_ABSENT;
	if (cl == HMC_CLASS_OPERATING) {
		fence_seterr(why, whylen, "the partitions of %s (%s) could not be read",
		    ob->sys, sys_text(ob));
		return COPY_AMBIGUOUS;
	}
	/* Ambiguous or unknown system state: the HMC may have lost a system
	 * whose partitions run fine. A running copy there is still running. */
	if (ob->listed && !ob->defined)
		return COPY_ABSENT;
	if (ob->listed && hmc_lpar_state_power(ob->state) == HMC_POWER_ON)
		return COPY_RUNNING;
	fence_seterr(why, whylen, "%s is in state '%s' (%s): a copy of the partition there cannot be proven off",
	    ob->sys, sys_text(ob), hmc_sys_class_name(cl));
	return COPY_AMBIGUOUS;
}

/* Which copy on starts: the one definition that is not stale (after a
 * finished remote restart, the destination's), else the managed system's. */
static int
pick_start(const struct fence_obs *obs, size_t n, const char *managed,
	   struct fence_verdict *v)
{
	size_t i, n_cand = 0;
	int cand = -1, home = -1;

	for (i = 0; i < n; i++) {
		if (v->copy[i] != COPY_OFF || rr_stale(obs[i].rrs))
			continue;
		n_cand++;
		cand = (int)i;
		if (managed != NULL && strcmp(obs[i].sys, managed) == 0)
			home = (int)i;
	}
	if (n_cand == 1)
		return cand;
	if (n_cand > 1 && home >= 0)
		return home;
	if (n_cand > 1)
		fence_seterr(v->why, sizeof(v->why),
		    "the partition is defined on %zu Operating systems and none is a remote restart destination: set managed= to choose",
		    n_cand);
	else
		fence_seterr(v->why, sizeof(v->why),
		    "no definition of the partition can be started: none is on an Operating system, or only stale ones are");
	return -1;
}

int
fence_locate(const struct fence_obs *obs, size_t n, const char *managed,
	     struct fence_verdict *v)
{
	size_t i, n_running = 0, n_ambiguous = 0;
	char why[FENCE_WHY_MAX] = "";

	memset(v, 0, sizeof(*v));
	v->start = -1;
	if (n > FENCE_SYS_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char w[FENCE_WHY_MAX] = "";

		v->copy[i] = fence_copy_classify(&obs[i], w, sizeof(w));
		v->n_defined += v->copy[i] != COPY_ABSENT;
		n_running += v->copy[i] == COPY_RUNNING;
		if (v->copy[i] == COPY_AMBIGUOUS && n_ambiguous++ == 0)
			memcpy(why, w, sizeof(why));
	}
	if (n_running > 0) {
		v->power = FENCE_POWER_ON;
	} else if (n_ambiguous > 0) {
		v->power = FENCE_POWER_UNKNOWN;
		memcpy(v->why, why, sizeof(v->why));
	} else if (v->n_defined == 0) {
		v->power = FENCE_POWER_UNKNOWN;
		fence_seterr(v->why, sizeof(v->why),
		    "the partition is not defined on any of the %zu candidate systems", n);
	} else {
		v->power = FENCE_POWER_OFF;
		v->start = pick_start(obs, n, managed, v);
	}
	if (v->power == FENCE_POWER_ON && n_ambiguous > 0)
		memcpy(v->why, why, sizeof(v->why));	/* off will need it */
	return 0;
}
