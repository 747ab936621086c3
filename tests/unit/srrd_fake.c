/*
 * srrd_fake.c: srrd.h's views and requests over fixed data, so that the
 * real IPC server, metrics and srrctl can be tested without a cluster.
 *
 * The ledger and its store are real (SQLite in the test's directory): the
 * debts, the history and an abandon go through the code srrd uses. Writes
 * answer from a timer, later, as the acting leader would; "validate slow"
 * never answers (a client that leaves must have it cancelled). Every
 * request and cancellation is appended to $SRRD_FAKE_LOG, so the test can
 * see what reached "srrd" and what did not.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qb/qbloop.h>

#include "agent/srrd.h"
#include "srrd_fake.h"

struct fake_pending {
	srrd_reply_fn fn;
	void *ctx;
	int rc;
	char text[512];
	qb_loop_timer_handle timer;
	bool used;
};

struct srrd {
	qb_loop_t *loop;
	struct srrd_conf conf;
	struct srr_store *store;
	struct srr_ledger *ledger;
	struct srrd_cluster_view cv;
	struct fake_pending pend[8];
	FILE *log;
};

static const char *const gate_names[SRRD_GATE_COUNT] = {
	"leader", "sync", "quorum", "config", "paused", "stall", "source",
	"eligible", "restarted", "intent", "placement",
};

const char *
srrd_gate_part_name(enum srrd_gate_part p)
{
	return (unsigned)p < SRRD_GATE_COUNT ? gate_names[p] : "unknown";
}

void
srrd_view_cluster(const struct srrd *d, struct srrd_cluster_view *v)
{
	*v = d->cv;
}

size_t
srrd_view_hmcs(const struct srrd *d, struct srrd_hmc_view *v, size_t max)
{
	static const struct srrd_hmc_view h[2] = {
		{ "hmc1", "10.1.0.5", true, 2300, "", 1, 2 },
		{ "hmc2", "hmc2.example.com", false, -1,
		  "connect: Connection refused", 0, 0 },
	};
	size_t i;

	for (i = 0; i < 2 && i < max; i++)
		v[i] = h[i];
	return 2;
}

static void
sys_view(struct srrd_sys_view *s, const char *name, enum hmc_sys_state st,
	 int64_t since_ago_s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->protect = true;
	s->state = st;
	s->cls = hmc_sys_state_class(st);
	s->since.ms = (FAKE_NOW_S - since_ago_s) * 1000;
	s->confirm_k = 3;
	s->confirm_t_ms = 15000;
}

size_t
srrd_view_systems(const struct srrd *d, struct srrd_sys_view *v, size_t max)
{
	struct srrd_sys_view s[3];
	size_t i;

	sys_view(&s[0], "P950-A", HMC_SYS_OPERATING, 3 * 86400 + 7200);
	s[0].lpars_protected = 3;
	s[0].lpars_ready = 2;
	s[0].lpars_not_ready = 1;
	sys_view(&s[1], "P950-B", HMC_SYS_POWER_OFF, 125);
	s[1].confirm_polls = 3;
	s[1].confirm_span_ms = 16000;
	s[1].confirmed_down = true;
	snprintf(s[1].confirmed_by, sizeof(s[1].confirmed_by), "polls");
	sys_view(&s[2], "P950-C", HMC_SYS_NO_CONNECTION, 40);
	s[2].confirm_polls = 1;
	s[2].lpars_protected = 1;
	s[2].lpars_not_ready = 1;
	for (i = 0; i < 3 && i < max; i++)
		v[i] = s[i];
	return 3;
}

static void
lpar_view(struct srrd_lpar_view *l, const char *sys, const char *name,
	  uint32_t id, int vrc, const char *why)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->sys, sizeof(l->sys), "%s", sys);
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->id = id;
	l->state = HMC_LPAR_RUNNING;
	l->srr_capable = true;
	l->protect = vrc == 0;
	l->priority = id;
	snprintf(l->dest, sizeof(l->dest), "P950-B");
	l->validate_rc = vrc;
	l->validate_at.ms = vrc == -2 ? 0 : (FAKE_NOW_S - 300) * 1000;
	snprintf(l->why, sizeof(l->why), "%s", why);
}

/* System "MANY": 200 partitions, a reply larger than a small buffer. */
static int
many_lpars(struct srrd_lpar_view **out, size_t *n)
{
	struct srrd_lpar_view *v = calloc(200, sizeof(*v));
	char name[32];
	size_t i;

	if (v == NULL)
		return -ENOMEM;
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "lpar%03zu", i);
		lpar_view(&v[i], "MANY", name, (uint32_t)i + 1, 0, "protected: "
			  "Running, SRR capable, validated 5m ago onto P950-B");
	}
	*out = v;
	*n = 200;
	return 0;
}

int
srrd_view_lpars(const struct srrd *d, const char *sys,
		struct srrd_lpar_view **out, size_t *n)
{
	struct srrd_lpar_view *v;
	size_t k = 0, i;

	if (sys != NULL && strcmp(sys, "MANY") == 0)
		return many_lpars(out, n);
	if ((v = calloc(4, sizeof(*v))) == NULL)
		return -ENOMEM;
	lpar_view(&v[0], "P950-A", "db01", 1, 0, "protected: Running, SRR "
		  "capable, validated 5m ago onto P950-B");
	lpar_view(&v[1], "P950-A", "app 'x'", 2, 0, "protected: Running, SRR "
		  "capable, validated 5m ago onto P950-B");
	v[1].pinned = true;
	lpar_view(&v[2], "P950-A", "web01", 3, 1, "NOT protected: the last "
		  "validation failed (HSCLA27C: the destination has no "
		  "virtual fibre channel mapping for this partition)");
	snprintf(v[2].validate_code, sizeof(v[2].validate_code), "HSCLA27C");
	v[2].srr_capable = false;
	lpar_view(&v[3], "P950-C", "slow", 4, -2, "NOT protected: never "
		  "validated");
	v[3].state = HMC_LPAR_NOT_ACTIVATED;
	for (i = 0; i < 4; i++)
		if (sys == NULL || strcmp(v[i].sys, sys) == 0)
			v[k++] = v[i];
	if (sys != NULL && k == 0 && strcmp(sys, "P950-B") != 0) {
		free(v);
		return -ENOENT;
	}
	*out = v;
	*n = k;
	return 0;
}

int
srrd_view_inflight(const struct srrd *d, struct srrd_inflight_view **out,
		   size_t *n)
{
	struct srrd_inflight_view *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	v->op = (struct srr_op_id){ 7, 1, 12 };
	v->cmd = HMC_RR_RESTART;
	snprintf(v->lpar, sizeof(v->lpar), "db02");
	snprintf(v->src, sizeof(v->src), "P950-B");
	snprintf(v->dst, sizeof(v->dst), "P950-A");
	v->attempt = 1;
	v->elapsed_ms = 12400;
	v->timeout_ms = 300000;
	*out = v;
	*n = 1;
	return 0;
}

void
srrd_view_counters(const struct srrd *d, struct srrd_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->restarts_ok = 5;
	c->restarts_failed = 1;
	c->cleanups_ok = 3;
	c->refusals[SRRD_GATE_SOURCE] = 2;
	c->alerts_run = 9;
}

const struct srr_ledger *
srrd_ledger(const struct srrd *d)
{
	return d->ledger;
}

struct srr_store *
srrd_store(const struct srrd *d)
{
	return d->store;
}

const struct srrd_conf *
srrd_config(const struct srrd *d)
{
	return &d->conf;
}

/* ------------------------------------------------------------ requests */

static const char *const kind_names[SRRD_REQ_KIND_COUNT] = {
	"confirm", "pause", "resume", "replay", "abandon", "restart",
	"validate",
};

static void
fake_log(struct srrd *d, const char *line)
{
	if (d->log == NULL)
		return;
	fprintf(d->log, "%s\n", line);
	fflush(d->log);
}

static void
pend_fire(void *data)
{
	struct fake_pending *p = data;

	p->used = false;
	p->fn(p->ctx, p->rc, 1, p->text);
}

static int
abandon(struct srrd *d, const struct srrd_request *req, char *text,
	size_t len)
{
	const struct srr_record *cur = srr_ledger_get(d->ledger, &req->op);
	struct srr_record r;
	char why[SRR_MSG_LEN + SRRD_USER_LEN + 16];

	if (cur == NULL) {
		snprintf(text, len, "no operation with that id");
		return -ENOENT;
	}
	r = *cur;
	r.status = SRR_OP_ABANDONED;
	r.updated.ms = FAKE_NOW_S * 1000;
	snprintf(r.msg, sizeof(r.msg), "%s", req->reason);
	snprintf(why, sizeof(why), "abandoned by %s: %s", req->user,
		 req->reason);
	srr_ledger_put(d->ledger, &r, why, NULL);
	snprintf(text, len, "operation abandoned");
	return 0;
}

/* What the fake leader decides; -1 (no answer ever) for "slow". */
static int
decide(struct srrd *d, const struct srrd_request *req, char *text,
       size_t len)
{
	switch (req->kind) {
	case SRRD_REQ_PAUSE:
		d->cv.paused = true;
		snprintf(d->cv.paused_by, sizeof(d->cv.paused_by), "%s",
			 req->user);
		snprintf(d->cv.paused_why, sizeof(d->cv.paused_why), "%s",
			 req->reason);
		d->cv.paused_since.ms = FAKE_NOW_S * 1000 - 60000;
		snprintf(text, len, "automatic restarts paused");
		return 0;
	case SRRD_REQ_RESUME:
		d->cv.paused = false;
		snprintf(text, len, "automatic restarts resumed");
		return 0;
	case SRRD_REQ_CONFIRM:
		snprintf(text, len, "refused by the gate: source: %s is "
			 "Operating", req->sys);
		return strcmp(req->sys, "P950-C") == 0 ? 0 : -EPERM;
	case SRRD_REQ_ABANDON:
		return abandon(d, req, text, len);
	case SRRD_REQ_VALIDATE:
		if (strcmp(req->lpar, "slow") == 0)
			return 1;
		snprintf(text, len, "%.64s/%.64s: ok\n", req->sys, req->lpar);
		return 0;
	default:
		snprintf(text, len, "refused by the gate: source: P950-A is "
			 "Operating");
		return -EPERM;
	}
}

int
srrd_request(struct srrd *d, const struct srrd_request *req,
	     srrd_reply_fn fn, void *ctx)
{
	struct fake_pending *p = NULL;
	char line[512];
	size_t i;
	int rc;


	snprintf(line, sizeof(line), "request %s user=%s reason=%s",
		 kind_names[req->kind], req->user, req->reason);
	fake_log(d, line);
	for (i = 0; i < sizeof(d->pend) / sizeof(d->pend[0]); i++)
		if (!d->pend[i].used)
			p = &d->pend[i];
	if (p == NULL)
		return -EAGAIN;
	rc = decide(d, req, p->text, sizeof(p->text));
	p->used = true;
	p->fn = fn;
	p->ctx = ctx;
	p->rc = rc;
	if (rc > 0)
		return 0;
	/* The leader's answer comes later, as over the cluster. */
	return qb_loop_timer_add(d->loop, QB_LOOP_MED, 50 * 1000000ULL, p,
				 pend_fire, &p->timer);
}

void
srrd_request_cancel(struct srrd *d, void *ctx)
{
	size_t i;

	for (i = 0; i < sizeof(d->pend) / sizeof(d->pend[0]); i++) {
		if (!d->pend[i].used || d->pend[i].ctx != ctx)
			continue;
		if (d->pend[i].rc <= 0)
			qb_loop_timer_del(d->loop, d->pend[i].timer);
		d->pend[i].used = false;
		fake_log(d, "cancel");
	}
}

/* ------------------------------------------------------------- ledger */

static void
put_op(struct srrd *d, uint32_t seq, const char *lpar, const char *src,
       const char *dst, enum srr_op_status last, int64_t restarted_ago_s)
{
	static const enum srr_op_status path[] = {
		SRR_OP_PLANNED, SRR_OP_RESTARTING, SRR_OP_RESTARTED,
		SRR_OP_CLEANING, SRR_OP_CLEANED,
	};
	static const char *const why[] = {
		"planned: P950-B confirmed down (3 polls over 16s)",
		"intent replicated", "restart ok", "cleanup attempted: HSCLA9CE",
		"cleanup ok",
	};
	struct srr_record r;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.id = (struct srr_op_id){ 7, 1, seq };
	snprintf(r.lpar, sizeof(r.lpar), "%s", lpar);
	snprintf(r.src, sizeof(r.src), "%s", src);
	snprintf(r.dst, sizeof(r.dst), "%s", dst);
	r.lpar_id = seq;
	r.attempts = 1;
	r.created.ms = (FAKE_NOW_S - restarted_ago_s - 40) * 1000;
	for (i = 0; i < sizeof(path) / sizeof(path[0]); i++) {
		r.status = path[i];
		r.updated.ms = (FAKE_NOW_S - restarted_ago_s - 20 + 20 *
				(int64_t)i) * 1000;
		if (path[i] == SRR_OP_CLEANING) {
			r.cl_attempts = 2;
			snprintf(r.code, sizeof(r.code), "HSCLA9CE");
			snprintf(r.msg, sizeof(r.msg), "The managed system is "
				 "not in a valid state for cleanup");
		}
		srr_ledger_put(d->ledger, &r, why[i], NULL);
		if (path[i] == last)
			break;
	}
}

static void
fake_conf(struct srrd_conf *c, const char *ipc_group)
{
	memset(c, 0, sizeof(*c));
	c->nhmc = 2;
	snprintf(c->hmc[0].name, sizeof(c->hmc[0].name), "hmc1");
	snprintf(c->hmc[0].host, sizeof(c->hmc[0].host), "10.1.0.5");
	snprintf(c->hmc[0].user, sizeof(c->hmc[0].user), "hscroot");
	c->hmc[0].port = 22;
	snprintf(c->hmc[1].name, sizeof(c->hmc[1].name), "hmc2");
	c->nsys = 3;
	snprintf(c->sys[0].name, sizeof(c->sys[0].name), "P950-A");
	snprintf(c->sys[1].name, sizeof(c->sys[1].name), "P950-B");
	snprintf(c->sys[2].name, sizeof(c->sys[2].name), "P950-C");
	snprintf(c->ipc_group, sizeof(c->ipc_group), "%s", ipc_group);
}

struct srrd *
fake_srrd_new(qb_loop_t *loop, const char *dir, const char *ipc_group)
{
	struct srrd *d = calloc(1, sizeof(*d));
	char path[512], err[512];
	const char *log = getenv("SRRD_FAKE_LOG");
	static const uint32_t members[] = { 1, 2, 3 };

	if (d == NULL)
		return NULL;
	d->loop = loop;
	fake_conf(&d->conf, ipc_group);
	snprintf(path, sizeof(path), "%s/ledger.db", dir);
	if (srr_store_open(path, &d->store, err, sizeof(err)) < 0 ||
	    srr_ledger_new(d->store, &d->ledger) < 0) {
		fprintf(stderr, "fake srrd: %s\n", err);
		exit(1);
	}
	d->log = log ? fopen(log, "a") : NULL;
	d->cv = (struct srrd_cluster_view){ .local_nodeid = 2,
		.connected = true, .quorate = true, .epoch = 7, .synced = true,
		.leader = 1, .config_agree = true, .nmembers = 3 };
	memcpy(d->cv.members, members, sizeof(members));
	put_op(d, 3, "db'3", "P950-B", "P950-A", SRR_OP_RESTARTED, 7200);
	put_op(d, 4, "app 4", "P950-B", "P950-A", SRR_OP_CLEANING, 1200);
	put_op(d, 5, "web05", "P950-B", "P950-A", SRR_OP_CLEANED, 86400);
	return d;
}

void
fake_srrd_free(struct srrd *d)
{
	srr_ledger_free(d->ledger);
	srr_store_close(d->store);
	if (d->log)
		fclose(d->log);
	free(d);
}
