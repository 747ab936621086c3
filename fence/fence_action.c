/*
 * fence_action.c: the actions that talk to the HMC, with the fence-agent
 * API's output and exit codes. Every decision comes from fence_locate();
 * this file only observes, acts and polls.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <qb/qblog.h>

#include "fence_srr.h"

/* One observation of the partition: the view keeps the strings alive. */
struct look {
	struct fence_view view;
	struct fence_obs obs[FENCE_SYS_MAX];
	struct fence_verdict v;
	char err[FENCE_WHY_MAX];
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
log_copies(const struct look *l)
{
	size_t i;

	for (i = 0; i < l->view.n; i++) {
		if (l->v.copy[i] == COPY_ABSENT)
			continue;
		qb_log(LOG_INFO, "copy on %s (%s): %s, partition %s, remote restart %s",
		       l->obs[i].sys, l->obs[i].sys_state_text,
		       fence_copy_name(l->v.copy[i]),
		       l->obs[i].state_text != NULL ? l->obs[i].state_text : "not read",
		       hmc_rr_status_name(l->obs[i].rrs));
	}
}

/* Observe and decide. Failure to observe reads as UNKNOWN, with why. */
static void
look(const struct fence_cfg *c, struct fence_hmc *h, struct look *l)
{
	int rc;

	l->err[0] = '\0';
	rc = fence_hmc_view(h, c, true, &l->view, l->err, sizeof(l->err));
	if (rc == 0)
		rc = fence_view_observe(&l->view, c->plug, l->obs, l->err, sizeof(l->err));
	if (rc == 0)
		rc = fence_locate(l->obs, l->view.n, c->managed, &l->v);
	if (rc < 0) {
		memset(&l->v, 0, sizeof(l->v));
		l->v.power = FENCE_POWER_UNKNOWN;
		l->v.start = -1;
		snprintf(l->v.why, sizeof(l->v.why), "%s",
			 l->err[0] != '\0' ? l->err : strerror(-rc));
		return;
	}
	log_copies(l);
	qb_log(LOG_INFO, "partition %s: %s%s%s", c->plug_shown, fence_power_name(l->v.power),
	       l->v.why[0] != '\0' ? ": " : "", l->v.why);
}

/* Poll until the partition reads WANT or power_timeout passes (0: until
 * the fencer stops us). Returns true when it does. */
static bool
poll_until(const struct fence_cfg *c, struct fence_hmc *h, struct look *l,
	   enum fence_power want)
{
	double deadline = now() + c->power_timeout;

	if (c->power_wait > 0)
		sleep(c->power_wait);
	for (;;) {
		look(c, h, l);
		if (l->v.power == want)
			return true;
		if (c->power_timeout > 0 && now() >= deadline)
			return false;
		sleep(c->status_sleep > 0 ? c->status_sleep : 1);
	}
}

static int
do_off(const struct fence_cfg *c, struct fence_hmc *h, struct look *l)
{
	size_t i;
	int rc;

	if (l->v.power == FENCE_POWER_UNKNOWN || l->v.why[0] != '\0') {
		/* An ambiguous copy may be running: stopping the others would
		 * not make the partition provably off. Nothing is sent. */
		qb_log(LOG_ERR, "Failed: cannot fence %s: %s", c->plug_shown, l->v.why);
		return -EHOSTUNREACH;
	}
	for (i = 0; i < l->view.n; i++) {
		if (l->v.copy[i] != COPY_RUNNING)
			continue;
		rc = fence_hmc_shutdown(h, l->obs[i].sys, c->plug, l->err, sizeof(l->err));
		if (rc < 0) {
			qb_log(LOG_ERR, "Failed: %s", l->err);
			return rc;
		}
	}
	if (!poll_until(c, h, l, FENCE_POWER_OFF)) {
		qb_log(LOG_ERR, "Failed: Timed out waiting to power OFF (%s)",
		       l->v.why[0] != '\0' ? l->v.why : fence_power_name(l->v.power));
		return -ETIMEDOUT;
	}
	return 0;
}

static int
do_on(const struct fence_cfg *c, struct fence_hmc *h, struct look *l,
      unsigned int attempts)
{
	unsigned int k;
	int rc = -ETIMEDOUT;

	for (k = 0; k < attempts; k++) {
		const struct fence_obs *ob;

		if (l->v.power == FENCE_POWER_ON)
			return 0;
		if (l->v.power != FENCE_POWER_OFF || l->v.start < 0) {
			qb_log(LOG_ERR, "Failed: cannot power on %s: %s", c->plug_shown,
			       l->v.why[0] != '\0' ? l->v.why : fence_power_name(l->v.power));
			return -EHOSTUNREACH;
		}
		ob = &l->obs[l->v.start];
		rc = fence_hmc_start(h, ob->sys, c->plug, ob->profile, l->err, sizeof(l->err));
		if (rc < 0)
			qb_log(LOG_ERR, "power on failed: %s", l->err);
		else if (poll_until(c, h, l, FENCE_POWER_ON))
			return 0;
		else
			rc = -ETIMEDOUT;
		look(c, h, l);
	}
	if (rc == -ETIMEDOUT)
		qb_log(LOG_ERR, "Failed: Timed out waiting to power ON");
	else
		qb_log(LOG_ERR, "Failed: power on of %s did not succeed after %u attempt(s)",
		       c->plug_shown, attempts);
	return rc;
}

static int
fence_power(const struct fence_cfg *c, struct fence_hmc *h, FILE *out,
	    struct look *l)
{
	look(c, h, l);
	if (c->action == FA_STATUS) {
		fprintf(out, "Status: %s\n", fence_power_name(l->v.power));
		if (l->v.power == FENCE_POWER_UNKNOWN)
			qb_log(LOG_ERR, "status of %s is unknown: %s", c->plug_shown, l->v.why);
		return l->v.power == FENCE_POWER_ON ? FENCE_EXIT_OK :
		    l->v.power == FENCE_POWER_OFF ? FENCE_EXIT_OFF : FENCE_EXIT_FAIL;
	}
	if (c->action == FA_OFF && l->v.power == FENCE_POWER_OFF) {
		fprintf(out, "Success: Already OFF\n");
		return FENCE_EXIT_OK;
	}
	if (c->action == FA_ON) {
		if (l->v.power == FENCE_POWER_ON) {
			fprintf(out, "Success: Already ON\n");
			return FENCE_EXIT_OK;
		}
		if (do_on(c, h, l, 1 + c->retry_on) < 0)
			return FENCE_EXIT_FAIL;
		fprintf(out, "Success: Powered ON\n");
		return FENCE_EXIT_OK;
	}
	if (l->v.power != FENCE_POWER_OFF && do_off(c, h, l) < 0)
		return FENCE_EXIT_FAIL;
	if (c->action == FA_OFF) {
		fprintf(out, "Success: Powered OFF\n");
		return FENCE_EXIT_OK;
	}
	/* reboot: the partition is fenced once off; a failed power on is
	 * logged, and the fencing still succeeded (as fence-agents does). */
	if (do_on(c, h, l, c->retry_on > 0 ? c->retry_on : 1) < 0)
		qb_log(LOG_ERR, "Timed out waiting to power ON");
	fprintf(out, "Success: Rebooted\n");
	return FENCE_EXIT_OK;
}

/* Has NAME been printed already (a partition defined on two systems)? */
static bool
seen_before(const struct fence_view *v, size_t sys, size_t row)
{
	const char *name = v->lpars[sys].rows[row].values[LPAR_COL_NAME];
	size_t i, j;

	for (i = 0; i <= sys; i++) {
		if (v->list_rc[i] != 0)
			continue;
		for (j = 0; j < (i == sys ? row : v->lpars[i].nrows); j++)
			if (strcmp(v->lpars[i].rows[j].values[LPAR_COL_NAME], name) == 0)
				return true;
	}
	return false;
}

static void
list_one(const struct fence_cfg *c, struct look *l, const char *name, FILE *out)
{
	const char *status = "UNKNOWN";

	if (fence_view_observe(&l->view, name, l->obs, l->err, sizeof(l->err)) == 0 &&
	    fence_locate(l->obs, l->view.n, c->managed, &l->v) == 0)
		status = fence_power_name(l->v.power);
	if (c->action == FA_LIST)
		fprintf(out, "%s%c\n", name, c->separator);
	else
		fprintf(out, "%s%c%c%s\n", name, c->separator, c->separator, status);
}

static int
fence_list(const struct fence_cfg *c, struct fence_hmc *h, FILE *out,
	   struct look *l)
{
	size_t i, j;

	if (fence_hmc_view(h, c, true, &l->view, l->err, sizeof(l->err)) < 0) {
		qb_log(LOG_ERR, "Failed: %s", l->err);
		return FENCE_EXIT_FAIL;
	}
	for (i = 0; i < l->view.n; i++) {
		if (l->view.list_rc[i] != 0)
			continue;
		for (j = 0; j < l->view.lpars[i].nrows; j++)
			if (!seen_before(&l->view, i, j))
				list_one(c, l, l->view.lpars[i].rows[j].values[LPAR_COL_NAME], out);
	}
	return FENCE_EXIT_OK;
}

/* systems= leaves out systems the HMC manages: a partition restarted to
 * one of them would be missed (status OFF from the stale source copy). */
static void
warn_unlisted(const struct fence_cfg *c, const struct fence_view *v)
{
	char names[FENCE_WHY_MAX] = "";
	size_t i, used = 0, n = 0;

	if (c->n_systems == 0)
		return;
	for (i = 0; i < v->systab.nrows; i++) {
		const char *name = v->systab.rows[i].values[SYS_COL_NAME];
		size_t k;

		for (k = 0; k < c->n_systems; k++)
			if (strcmp(c->systems[k], name) == 0)
				break;
		if (k < c->n_systems)
			continue;
		n++;
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used, sizeof(names) - used,
						 "%s%s", used > 0 ? "," : "", name);
	}
	if (n > 0)
		qb_log(LOG_WARNING, "systems= leaves out %zu system(s) this HMC manages (%s): a partition remote-restarted there is not seen; list every possible destination",
		       n, names);
}

/* The device works when an HMC answers and shows every system asked for. */
static int
fence_monitor(const struct fence_cfg *c, struct fence_hmc *h, struct look *l)
{
	if (fence_hmc_view(h, c, false, &l->view, l->err, sizeof(l->err)) < 0) {
		qb_log(LOG_ERR, "monitor failed: %s", l->err);
		return FENCE_EXIT_FAIL;
	}
	warn_unlisted(c, &l->view);
	qb_log(LOG_INFO, "monitor: HMC %s answers, %zu candidate systems",
	       h->host[h->cur], l->view.n);
	return FENCE_EXIT_OK;
}

int
fence_run(const struct fence_cfg *c, struct fence_hmc *h, FILE *out)
{
	static struct look l;	/* large: keep it off the stack */
	int rc;

	fence_view_init(&l.view);
	switch (c->action) {
	case FA_LIST:
	case FA_LIST_STATUS:
		rc = fence_list(c, h, out, &l);
		break;
	case FA_MONITOR:
		rc = fence_monitor(c, h, &l);
		break;
	case FA_ON:
	case FA_OFF:
	case FA_REBOOT:
	case FA_STATUS:
		rc = fence_power(c, h, out, &l);
		break;
	default:
		rc = FENCE_EXIT_FAIL;
	}
	fence_view_free(&l.view);
	qb_log(LOG_DEBUG, "%u HMC commands sent", h->n_cmds);
	return rc;
}
