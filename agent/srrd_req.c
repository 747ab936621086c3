/*
 * srrd_req.c: operator requests (srrd.h). On the acting leader a request
 * becomes the engine's OPERATOR event, with "by USER: REASON", and the
 * reply is what the engine said (its operator alerts). On a follower it is
 * forwarded to the leader through the cluster (agreed order, tag 'Q'),
 * and the leader's answer comes back the same way (tag 'A'), within
 * SRRD_REQ_TIMEOUT_MS or -ETIMEDOUT. VALIDATE runs rrstartlpar -o
 * validate on this agent's executor directly (it changes nothing).
 *
 * Wire form of 'Q' and 'A': a fixed little struct, version-checked and
 * length-checked; every agent of one cluster runs the same srrd.
 */
#define SRR_LOG_TAG "srrd"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/srrd_int.h"

#define REQ_WIRE_VERSION	1

struct srrd_req {
	struct srrd_req *next;
	struct srrd *d;
	uint32_t seq;
	srrd_reply_fn fn;
	void *ctx;
	int64_t deadline_ms;
	qb_loop_timer_handle timer;
	/* validate batches */
	int pending;
	int rc;
	char *text;
	size_t len;
};

struct wire_req {
	uint8_t version;
	uint32_t seq;
	uint32_t origin;
	struct srrd_request req;
};

struct wire_reply {
	uint8_t version;
	uint32_t seq;
	uint32_t origin;
	int32_t rc;
	uint32_t answered_by;
	char text[2048];
};

static void
req_free(struct srrd *d, struct srrd_req *r)
{
	struct srrd_req **p;

	for (p = &d->reqs; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
	if (qb_loop_timer_is_running(d->loop, r->timer))
		qb_loop_timer_del(d->loop, r->timer);
	free(r->text);
	free(r);
}

static void
reply(struct srrd *d, struct srrd_req *r, int rc, uint32_t by,
      const char *text)
{
	if (r->fn != NULL)
		r->fn(r->ctx, rc, by, text);
	req_free(d, r);
}

static void
append(struct srrd_req *r, const char *line)
{
	size_t n = strlen(line);
	char *t = realloc(r->text, r->len + n + 2);

	if (t == NULL)
		return;
	r->text = t;
	memcpy(t + r->len, line, n);
	r->len += n;
	t[r->len++] = '\n';
	t[r->len] = '\0';
}

static int
to_operator(const struct srrd *d, const struct srrd_request *q,
	    struct srr_ev_operator *o)
{
	static const enum srr_operator_req map[] = {
		[SRRD_REQ_CONFIRM] = SRR_OPR_CONFIRM,
		[SRRD_REQ_PAUSE] = SRR_OPR_PAUSE,
		[SRRD_REQ_RESUME] = SRR_OPR_RESUME,
		[SRRD_REQ_REPLAY] = SRR_OPR_REPLAY,
		[SRRD_REQ_ABANDON] = SRR_OPR_ABANDON,
		[SRRD_REQ_RESTART] = SRR_OPR_RESTART,
	};

	memset(o, 0, sizeof(*o));
	if ((unsigned)q->kind >= SRRD_REQ_VALIDATE)
		return -EINVAL;
	o->req = map[q->kind];
	o->sys = -1;
	if (q->kind == SRRD_REQ_CONFIRM || q->kind == SRRD_REQ_RESTART) {
		o->sys = srrd_conf_sys_index(&d->conf, q->sys);
		if (o->sys < 0)
			return -ENOENT;
	}
	o->op = q->op;
	snprintf(o->lpar, sizeof(o->lpar), "%s", q->lpar);
	snprintf(o->reason, sizeof(o->reason), "by %.60s: %.180s",
		 q->user[0] ? q->user : "?", q->reason);
	if (q->kind == SRRD_REQ_ABANDON && q->reason[0] == '\0')
		o->reason[0] = '\0';	/* the engine requires one */
	/* Mode and audit records keep the user apart from the reason
	 * (ledger.h); an abandoned operation's record has only its msg. */
	snprintf(o->user, sizeof(o->user), "%s", q->user[0] ? q->user : "?");
	if (q->kind != SRRD_REQ_ABANDON)
		snprintf(o->reason, sizeof(o->reason), "%s", q->reason);
	return 0;
}

/* Decide on this agent (the acting leader). TEXT gets the answer. */
static int
decide(struct srrd *d, const struct srrd_request *q, char *text, size_t len)
{
	struct srr_event ev = { .type = SRR_EV_OPERATOR };
	struct srr_action *acts = NULL;
	size_t n = 0, i, o = 0;
	int rc;

	text[0] = '\0';
	if (d->engine == NULL || !srr_engine_is_acting_leader(d->engine)) {
		snprintf(text, len, "not the acting leader");
		return -EAGAIN;
	}
	rc = to_operator(d, q, &ev.u.opr);
	if (rc < 0) {
		snprintf(text, len, rc == -ENOENT ? "no such system: %s" :
			 "bad request", q->sys);
		return rc;
	}
	rc = srrd_feed(d, &ev, &acts, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		const char *t = acts[i].text;

		if (acts[i].type != SRR_ACT_ALERT ||
		    acts[i].alert != SRR_ALERT_OPERATOR)
			continue;
		if (strstr(t, "no such operation") || strstr(t, "not in the last"))
			rc = -ENOENT;
		else if (strstr(t, "refused"))
			rc = -EPERM;
		o += (size_t)snprintf(text + o, o < len ? len - o : 0, "%s%s",
				      o ? "\n" : "", t);
		if (o >= len)
			o = len - 1;
	}
	free(acts);
	if (rc == 0 && text[0] == '\0')
		snprintf(text, len, "done");
	return rc;
}

static void
forward_timeout(void *data)
{
	struct srrd_req *r = data;

	reply(r->d, r, -ETIMEDOUT, 0, "the leader did not answer in time");
}

static struct srrd_req *
req_new(struct srrd *d, srrd_reply_fn fn, void *ctx)
{
	struct srrd_req *r = calloc(1, sizeof(*r));
	size_t n = 0;
	struct srrd_req *p;

	for (p = d->reqs; p; p = p->next)
		n++;
	if (r == NULL || n >= SRRD_MAX_REQS) {
		free(r);
		return NULL;
	}
	r->d = d;
	r->seq = ++d->req_seq;
	r->fn = fn;
	r->ctx = ctx;
	r->next = d->reqs;
	d->reqs = r;
	return r;
}

static int
forward(struct srrd *d, const struct srrd_request *q, srrd_reply_fn fn,
	void *ctx)
{
	struct wire_req w = { .version = REQ_WIRE_VERSION };
	struct srrd_req *r;
	int rc;

	if (cluster_leader(d->cl) == 0)
		return -EAGAIN;
	r = req_new(d, fn, ctx);
	if (r == NULL)
		return -ENOMEM;
	w.seq = r->seq;
	w.origin = d->nodeid;
	w.req = *q;
	rc = srrd_cluster_send_msg(d, SRRD_MSG_REQ, &w, sizeof(w));
	if (rc < 0) {
		req_free(d, r);
		return -EAGAIN;
	}
	qb_loop_timer_add(d->loop, QB_LOOP_MED, SRRD_REQ_TIMEOUT_MS * 1000000ULL,
			  r, forward_timeout, &r->timer);
	return 0;
}

/* ------------------------------------------------------------ validate */

static void
vres_store(struct srrd *d, const struct srrd_exec_job *x)
{
	struct srrd_vres *v = NULL, *n;
	size_t i;

	for (i = 0; i < d->nvres; i++)
		if (d->vres[i].sys == x->act.src &&
		    strcmp(d->vres[i].lpar, x->act.lpar) == 0)
			v = &d->vres[i];
	if (v == NULL) {
		n = realloc(d->vres, (d->nvres + 1) * sizeof(*n));
		if (n == NULL)
			return;
		d->vres = n;
		v = &d->vres[d->nvres++];
		v->sys = x->act.src;
		snprintf(v->lpar, sizeof(v->lpar), "%s", x->act.lpar);
	}
	v->rc = x->res.exit_status;
	snprintf(v->code, sizeof(v->code), "%s", x->res.code);
	snprintf(v->msg, sizeof(v->msg), "%s", x->res.msg);
	v->at_wall = srrd_wall_ms();
}

static void
validate_done(struct srrd *d, struct srrd_exec_job *x, void *ctx)
{
	struct srrd_req *r = ctx;
	char line[SRR_MSG_LEN + 2 * SRR_NAME_LEN];

	vres_store(d, x);
	snprintf(line, sizeof(line), "%.100s/%.100s -> %.100s: %s%s%s %.200s",
		 d->conf.sys[x->act.src].name, x->act.lpar,
		 x->act.dst >= 0 ? d->conf.sys[x->act.dst].name : "?",
		 x->res.exit_status == 0 ? "ok" : x->res.exit_status < 0 ?
		 "unknown" : "FAILED", x->res.code[0] ? " " : "", x->res.code,
		 x->res.msg);
	append(r, line);
	if (x->res.exit_status != 0)
		r->rc = -EPERM;
	if (--r->pending == 0)
		reply(d, r, r->rc, d->nodeid, r->text ? r->text : "");
}

/* pinned, else the first destination */
static int
validate_dest(const struct srrd *d, int s, const char *lpar)
{
	size_t i;

	for (i = 0; i < d->conf.nlpar; i++)
		if (d->conf.lpar[i].sys == s && d->conf.lpar[i].pin >= 0 &&
		    strcmp(d->conf.lpar[i].name, lpar) == 0)
			return d->conf.lpar[i].pin;
	return d->conf.sys[s].ndest > 0 ? d->conf.sys[s].dest[0] : -1;
}

static int
validate_one(struct srrd *d, struct srrd_req *r, int s, const char *lpar)
{
	int dst = validate_dest(d, s, lpar);

	if (dst < 0)
		return -ENOENT;
	if (srrd_exec_validate(d, s, dst, lpar, validate_done, r) < 0)
		return -EINVAL;
	r->pending++;
	return 0;
}

static int
validate(struct srrd *d, const struct srrd_request *q, srrd_reply_fn fn,
	 void *ctx)
{
	struct srrd_req *r = req_new(d, fn, ctx);
	int s, s0 = 0, s1 = d->conf.nsys;
	size_t i;

	if (r == NULL)
		return -ENOMEM;
	if (!q->all) {
		s0 = srrd_conf_sys_index(&d->conf, q->sys);
		if (s0 < 0) {
			req_free(d, r);
			return -ENOENT;
		}
		s1 = s0 + 1;
	}
	for (s = s0; s < s1; s++) {
		if (!d->conf.sys[s].protect)
			continue;
		for (i = 0; i < d->sys[s].ninv; i++) {
			const struct srr_lpar_obs *l = &d->sys[s].inv[i];

			if ((q->lpar[0] && strcmp(q->lpar, l->name) != 0) ||
			    (!q->lpar[0] && (!l->srr_capable || l->vios)))
				continue;
			validate_one(d, r, s, l->name);
		}
	}
	if (r->pending == 0) {
		req_free(d, r);
		return -ENOENT;
	}
	return 0;
}

/* ------------------------------------------------------------- entry */

static void
answer_job(void *data)
{
	struct srrd_req *r = data;

	if (r->text != NULL && r->len > 0)
		r->text[r->len - 1] = '\0';	/* the last newline */
	reply(r->d, r, r->rc, r->d->nodeid, r->text ? r->text : "");
}

int
srrd_request(struct srrd *d, const struct srrd_request *req, srrd_reply_fn fn,
	     void *ctx)
{
	char text[2048];
	struct srrd_req *r;

	if (req == NULL || (unsigned)req->kind >= SRRD_REQ_KIND_COUNT ||
	    memchr(req->sys, 0, sizeof(req->sys)) == NULL ||
	    memchr(req->lpar, 0, sizeof(req->lpar)) == NULL ||
	    memchr(req->reason, 0, sizeof(req->reason)) == NULL ||
	    memchr(req->user, 0, sizeof(req->user)) == NULL)
		return -EINVAL;
	if (req->kind == SRRD_REQ_VALIDATE)
		return validate(d, req, fn, ctx);
	if (!srrd_is_leader(d))
		return forward(d, req, fn, ctx);
	r = req_new(d, fn, ctx);
	if (r == NULL)
		return -ENOMEM;
	/* decided now, answered from the loop (never inside the caller) */
	r->rc = decide(d, req, text, sizeof(text));
	append(r, text);
	qb_loop_job_add(d->loop, QB_LOOP_HIGH, r, answer_job);
	return 0;
}

void
srrd_request_cancel(struct srrd *d, void *ctx)
{
	struct srrd_req *r;

	for (r = d->reqs; r; r = r->next)
		if (r->ctx == ctx)
			r->fn = NULL;	/* answered to nobody */
}

struct leader_job {
	struct srrd *d;
	uint32_t sender;
	struct wire_req w;
};

/* Out of the cluster's delivery callback: deciding sends through it. */
static void
leader_answer(void *data)
{
	struct leader_job *lj = data;
	struct srrd *d = lj->d;
	struct wire_reply a = { .version = REQ_WIRE_VERSION };

	a.seq = lj->w.seq;
	a.origin = lj->w.origin;
	a.answered_by = d->nodeid;
	a.rc = decide(d, &lj->w.req, a.text, sizeof(a.text));
	srr_log(LOG_NOTICE, "request from node %u (%s): %d %s", lj->sender,
		lj->w.req.user, a.rc, a.text);
	srrd_cluster_send_msg(d, SRRD_MSG_REPLY, &a, sizeof(a));
	free(lj);
}

static void
leader_side(struct srrd *d, uint32_t sender, const uint8_t *body, size_t len)
{
	struct leader_job *lj;
	struct wire_req w;

	if (len != sizeof(w) || !srrd_is_leader(d))
		return;	/* only the leader answers */
	memcpy(&w, body, sizeof(w));
	if (w.version != REQ_WIRE_VERSION || w.origin != sender ||
	    memchr(w.req.reason, 0, sizeof(w.req.reason)) == NULL ||
	    memchr(w.req.user, 0, sizeof(w.req.user)) == NULL ||
	    memchr(w.req.sys, 0, sizeof(w.req.sys)) == NULL ||
	    memchr(w.req.lpar, 0, sizeof(w.req.lpar)) == NULL ||
	    (unsigned)w.req.kind >= SRRD_REQ_VALIDATE) {
		srr_log(LOG_WARNING, "malformed request from node %u dropped", sender);
		return;
	}
	lj = malloc(sizeof(*lj));
	if (lj == NULL)
		return;	/* the requester's bound answers it */
	lj->d = d;
	lj->sender = sender;
	lj->w = w;
	qb_loop_job_add(d->loop, QB_LOOP_HIGH, lj, leader_answer);
}

void
srrd_req_message(struct srrd *d, uint32_t sender, uint8_t tag,
		 const uint8_t *body, size_t len)
{
	struct wire_reply a;
	struct srrd_req *r;

	if (tag == SRRD_MSG_REQ) {
		leader_side(d, sender, body, len);
		return;
	}
	if (len != sizeof(a))
		return;
	memcpy(&a, body, sizeof(a));
	if (a.version != REQ_WIRE_VERSION || a.origin != d->nodeid)
		return;
	a.text[sizeof(a.text) - 1] = '\0';
	for (r = d->reqs; r; r = r->next)
		if (r->seq == a.seq && r->pending == 0) {
			reply(d, r, a.rc, a.answered_by, a.text);
			return;
		}
}

void
srrd_req_leader_changed(struct srrd *d)
{
	/* forwarded requests wait for their answer or their bound: the old
	 * leader may have decided before it went */
}

void
srrd_req_stop(struct srrd *d)
{
	while (d->reqs)
		reply(d, d->reqs, -ESHUTDOWN, d->nodeid, "srrd is stopping");
}

int
srrd_lpar_index(const struct srrd *d, int sys, const char *lpar)
{
	size_t i;

	for (i = 0; i < d->conf.nlpar; i++)
		if (d->conf.lpar[i].sys == sys &&
		    strcmp(d->conf.lpar[i].name, lpar) == 0)
			return (int)i;
	return -1;
}
