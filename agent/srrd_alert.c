/*
 * srrd_alert.c: every configured alert agent, for every event, run
 * asynchronously with a timeout, never blocking the loop. The environment
 * is Pacemaker's alert agent convention (CRM_alert_kind, _node, _desc,
 * _timestamp, _recipient, _version, _node_sequence, _nodeid, _task, _rc,
 * _status, _target_rc, _rsc, _interval), so the agents Pacemaker ships
 * (/usr/share/pacemaker/alerts/) work unchanged; SRR_alert_* carry ours.
 * Kinds: "node" for the cluster and HMC events and the engine's alerts,
 * "fencing" for fence results, "resource" for a partition's commands
 * (the resource is the partition).
 *
 * At most SRRD_MAX_CHILDREN agents run at once; more wait in a bounded
 * queue; past it an alert is dropped and logged (never the loop blocked).
 */
#define SRR_LOG_TAG "srrd"

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "agent/srrd_int.h"

#define ALERT_ENV	20
#define ALERT_VAL	(SR_VAL_LEN)
#define SR_VAL_LEN	(SRR_ALERT_LEN + 64)

struct srrd_alert_item {
	struct srrd_alert_item *next;
	int alert;			/* index into conf.alert */
	char *env[ALERT_ENV + 1];
	char buf[ALERT_ENV][ALERT_VAL];
};

static const char *const kind_names[] = { "node", "fencing", "resource" };

static const char *const engine_kinds[] = {
	[SRR_ALERT_REFUSED] = "refused", [SRR_ALERT_NO_ROOM] = "no_room",
	[SRR_ALERT_HOLD] = "hold", [SRR_ALERT_RETRIES] = "retries_exhausted",
	[SRR_ALERT_FAILED] = "failed", [SRR_ALERT_DONE] = "done",
	[SRR_ALERT_OPERATOR] = "operator", [SRR_ALERT_STALL] = "stall",
	[SRR_ALERT_DOWN] = "system_down",
};

static void start_queued(struct srrd *d);

static void
alert_done(struct srrd *d, struct srrd_child *c, int status, bool timed_out)
{
	if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		d->counters.alerts_failed++;
		srr_log(LOG_WARNING, "%s: %s", c->what, timed_out ? "timed out" :
			WIFEXITED(status) ? "exit status not 0" : "killed");
	}
	free(c);
	start_queued(d);
}

static int
alert_spawn(struct srrd *d, struct srrd_alert_item *it)
{
	const struct srrd_alert_conf *a = &d->conf.alert[it->alert];
	struct srrd_child *c = calloc(1, sizeof(*c));
	char *argv[2] = { (char *)a->path, NULL };
	int rc;

	if (c == NULL)
		return -ENOMEM;
	c->done = alert_done;
	snprintf(c->what, sizeof(c->what), "alert %.64s", a->name);
	rc = srrd_child_spawn(d, c, argv, it->env, NULL, a->timeout_ms);
	if (rc < 0) {
		free(c);
		if (rc != -EAGAIN)
			d->counters.alerts_failed++;
		return rc;
	}
	d->counters.alerts_run++;
	return 0;
}

static void
start_queued(struct srrd *d)
{
	struct srrd_alert_item *it;

	while ((it = d->alertq) != NULL && d->nchildren < SRRD_MAX_CHILDREN) {
		d->alertq = it->next;
		d->nalertq--;
		if (alert_spawn(d, it) == -EAGAIN) {
			it->next = d->alertq;
			d->alertq = it;
			d->nalertq++;
			return;
		}
		free(it);
	}
}

static void
enqueue(struct srrd *d, struct srrd_alert_item *it)
{
	struct srrd_alert_item **p = &d->alertq;

	if (d->nalertq >= SRRD_ALERTQ_MAX) {
		srr_log(LOG_ERR, "alert queue full: alert dropped (%s)", it->env[6]);
		free(it);
		return;
	}
	while (*p)
		p = &(*p)->next;
	it->next = NULL;
	*p = it;
	d->nalertq++;
}

static void
timestamp(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out + n, len - n, ".%06ld", ts.tv_nsec / 1000);
}

struct alert_args {
	enum srrd_alert_kind kind;
	const char *event, *lpar, *task;
	int rc;
	const char *desc;
};

static void
fill(struct srrd *d, struct srrd_alert_item *it, int ai,
     const struct alert_args *x, uint64_t seq, const char *ts)
{
	const struct srrd_alert_conf *a = &d->conf.alert[ai];
	int k = 0;

#define ENV(...) do { snprintf(it->buf[k], ALERT_VAL, __VA_ARGS__); \
		      it->env[k] = it->buf[k]; k++; } while (0)
	ENV("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	ENV("CRM_alert_kind=%s", kind_names[x->kind]);
	ENV("CRM_alert_version=%s", PACKAGE_VERSION);
	ENV("CRM_alert_recipient=%s", a->recipient);
	ENV("CRM_alert_node_sequence=%llu", (unsigned long long)seq);
	ENV("CRM_alert_timestamp=%s", ts);
	ENV("CRM_alert_desc=%s", x->desc);
	ENV("CRM_alert_node=%s", d->nodename);
	ENV("CRM_alert_nodeid=%u", d->nodeid);
	ENV("CRM_alert_task=%s", x->task ? x->task : "");
	ENV("CRM_alert_rc=%d", x->rc);
	ENV("CRM_alert_status=%d", x->rc == 0 ? 0 : 1);
	ENV("CRM_alert_target_rc=0");
	ENV("CRM_alert_rsc=%s", x->lpar ? x->lpar : "");
	ENV("CRM_alert_interval=0");
	ENV("SRR_alert_event=%s", x->event);
	ENV("SRR_alert_lpar=%s", x->lpar ? x->lpar : "");
	ENV("SRR_alert_leader=%u", d->mem.leader);
#undef ENV
	it->env[k] = NULL;
	it->alert = ai;
}

static void
raise_all(struct srrd *d, const struct alert_args *x)
{
	char ts[64];
	uint64_t seq = ++d->alert_seq;
	int ai;

	timestamp(ts, sizeof(ts));
	for (ai = 0; ai < d->conf.nalert; ai++) {
		struct srrd_alert_item *it = calloc(1, sizeof(*it));

		if (it == NULL)
			return;
		fill(d, it, ai, x, seq, ts);
		enqueue(d, it);
	}
	start_queued(d);
}

void
srrd_alert(struct srrd *d, enum srrd_alert_kind kind, const char *event,
	   const char *lpar, const char *task, int rc, const char *fmt, ...)
{
	struct alert_args x = { kind, event, lpar, task, rc, NULL };
	char desc[SRR_ALERT_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	x.desc = desc;
	srr_log(LOG_INFO, "alert %s: %s", event, desc);
	raise_all(d, &x);
}

void
srrd_alert_action(struct srrd *d, const struct srr_action *a)
{
	struct alert_args x = { SRRD_AK_NODE, "engine", NULL, NULL, 0, a->text };

	if ((unsigned)a->alert < sizeof(engine_kinds) / sizeof(engine_kinds[0]) &&
	    engine_kinds[a->alert] != NULL)
		x.event = engine_kinds[a->alert];
	x.rc = a->alert == SRR_ALERT_FAILED || a->alert == SRR_ALERT_RETRIES;
	raise_all(d, &x);
}
