/*
 * srrd_exec.c: the executor. The engine's COMMAND and QUERY actions run
 * at once (doc/engine.md), in parallel, on the executor pool of an HMC
 * that sees the source: each worker owns one persistent SSH session, so
 * no command pays a handshake (the engine's caps bound how many run). A
 * command whose outcome is unknown (timeout, dropped connection, no
 * session) is reported as exit -1, never as failed. Names go through
 * hmc/'s builder only.
 */
#define SRR_LOG_TAG "srrd"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/srrd_int.h"

static const char *const q_src_fields[] = { "name", "state",
	"remote_restart_status", NULL };
static const char *const q_dst_fields[] = { "name", "state", NULL };

/* An HMC whose last poll answered and sees SYS; else one that answered;
 * else the first (its command fails as unknown and is reconciled). */
int
srrd_pick_hmc(const struct srrd *d, int sys)
{
	int h;

	for (h = 0; h < d->conf.nhmc; h++)
		if (d->hmc[h].reachable && sys >= 0 && d->hmc[h].visible[sys])
			return h;
	for (h = 0; h < d->conf.nhmc; h++)
		if (d->hmc[h].reachable)
			return h;
	return 0;
}

static void
first_line(const char *s, char *out, size_t len)
{
	size_t n;

	while (s && (*s == '\n' || *s == ' '))
		s++;
	if (s == NULL || *s == '\0') {
		out[0] = '\0';
		return;
	}
	n = strcspn(s, "\n");
	snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), s);
}

/* On the worker: a transport error (timeout, dropped session, no
 * session) leaves the outcome unknown, exit -1, never failed. */
static void
cmd_result(struct srrd_job *j, int rc, struct hmc_result *r, const char *err)
{
	struct srrd_exec_job *x = (struct srrd_exec_job *)j;

	x->rc = rc;
	x->res.exit_status = rc < 0 ? -1 : r->exit_status;
	snprintf(x->res.code, sizeof(x->res.code), "%s", rc < 0 ? "" : r->code);
	if (rc < 0)
		snprintf(x->res.msg, sizeof(x->res.msg), "outcome unknown: %.200s",
			 err && err[0] ? err : strerror(-rc));
	else
		first_line(r->exit_status != 0 && r->err && r->err[0] ? r->err :
			   r->out, x->res.msg, sizeof(x->res.msg));
}

/* One listing of the query; fills present/state/rrs for command I. */
struct qline {
	int rc;
	bool present;
	enum hmc_lpar_state state;
	enum hmc_rr_status rrs;
};

static struct qline
query_one(struct hmc_conn *conn, const char *cmd, const char *lpar,
	  size_t ncols)
{
	struct qline q = { 0 };
	struct hmc_result r;
	struct hmc_table t;
	size_t i;

	q.rc = srrd_run(conn, cmd, &r);
	if (q.rc == 0 && r.exit_status != 0)
		q.rc = -EREMOTEIO;
	if (q.rc == 0 && hmc_output_is_empty(r.out, r.out_len)) {
		hmc_result_free(&r);
		return q;
	}
	if (q.rc == 0)
		q.rc = hmc_parse_fields(r.out, r.out_len, ',', ncols, &t);
	hmc_result_free(&r);
	if (q.rc < 0)
		return q;
	for (i = 0; i < t.nrows; i++) {
		if (strcmp(t.rows[i].values[0], lpar) != 0)
			continue;
		q.present = true;
		q.state = hmc_lpar_state_parse(t.rows[i].values[1]);
		if (ncols > 2)
			q.rrs = hmc_rr_status_parse(t.rows[i].values[2]);
	}
	hmc_table_free(&t);
	return q;
}

static void
query_run(struct srrd_job *j, struct hmc_conn *conn)
{
	struct srrd_exec_job *x = (struct srrd_exec_job *)j;
	struct srr_ev_query_result *q = &x->qres;
	struct qline l, on_any = { 0 };
	int i, found = -1;

	q->ok = true;
	q->found_on = -1;
	for (i = 0; i < x->ncmd; i++) {
		l = query_one(conn, x->cmd[i], x->lpar, i == 0 ? 3 : 2);
		if (l.rc < 0) {
			if (i == 0 || x->must[i])
				q->ok = false;
			continue;
		}
		if (i == 0) {
			q->src_present = l.present;
			q->src_rrs = l.rrs;
			continue;
		}
		/* prefer a destination where it may run */
		if (l.present && (found < 0 ||
		    hmc_lpar_state_power(l.state) == HMC_POWER_ON)) {
			if (found < 0 || hmc_lpar_state_power(on_any.state) !=
					 HMC_POWER_ON) {
				found = x->cmd_sys[i];
				on_any = l;
			}
		}
	}
	q->found_on = found;
	q->dst_state = found >= 0 ? on_any.state : HMC_LPAR_UNKNOWN;
}

static void
unlink_inflight(struct srrd *d, struct srrd_exec_job *x)
{
	struct srrd_exec_job **p;

	for (p = &d->inflight; *p; p = &(*p)->next_inflight)
		if (*p == x) {
			*p = x->next_inflight;
			return;
		}
}

static void
count(struct srrd *d, const struct srrd_exec_job *x)
{
	struct srrd_counters *c = &d->counters;
	int st = x->res.exit_status;

	switch (x->act.cmd) {
	case HMC_RR_RESTART:
		st == 0 ? c->restarts_ok++ : st < 0 ? c->restarts_unknown++ :
			  c->restarts_failed++;
		break;
	case HMC_RR_CLEANUP:
		st == 0 ? c->cleanups_ok++ : c->cleanups_failed++;
		break;
	case HMC_RR_VALIDATE:
		st == 0 ? c->validates_ok++ : c->validates_failed++;
		break;
	default:
		break;
	}
}

/* A partition's command as a Pacemaker resource alert: the resource is
 * the partition, the task the operation. */
static void
cmd_alert(struct srrd *d, const struct srrd_exec_job *x, bool started)
{
	const struct srr_action *a = &x->act;
	const char *op = hmc_rr_op_name(a->cmd);
	const char *src = d->conf.sys[a->src].name;
	const char *dst = a->dst >= 0 ? d->conf.sys[a->dst].name : "";
	char event[32];
	int st = x->res.exit_status;

	if (x->validate_req)
		return;
	snprintf(event, sizeof(event), "%s_%s", op, started ? "started" :
		 st == 0 ? "done" : st < 0 ? "unknown" : "failed");
	if (started)
		srrd_alert(d, SRRD_AK_RESOURCE, event, a->lpar, op, 0,
			   "%s of %s from %s%s%s started (attempt %u)", op,
			   a->lpar, src, dst[0] ? " to " : "", dst, a->attempt);
	else
		srrd_alert(d, SRRD_AK_RESOURCE, event, a->lpar, op, st,
			   "%s of %s from %s%s%s: %s%s%s", op, a->lpar, src,
			   dst[0] ? " to " : "", dst, st == 0 ? "OK" : st < 0 ?
			   "outcome unknown" : "failed", x->res.code[0] ? " " : "",
			   x->res.code);
}

static void
exec_done(struct srrd *d, struct srrd_job *j)
{
	struct srrd_exec_job *x = (struct srrd_exec_job *)j;
	struct srr_event ev;

	unlink_inflight(d, x);
	d->hmc[j->hmc].channels--;
	if (d->stopping)
		goto out;
	if (x->query) {
		ev = (struct srr_event){ .type = SRR_EV_QUERY_RESULT };
		ev.u.query = x->qres;
		srr_log(LOG_INFO, "query %s: ok %d on source %d (%s) found on %s",
			x->lpar, x->qres.ok, x->qres.src_present,
			hmc_rr_status_name(x->qres.src_rrs),
			x->qres.found_on >= 0 ?
			d->conf.sys[x->qres.found_on].name : "none");
	} else {
		count(d, x);
		cmd_alert(d, x, false);
		ev = (struct srr_event){ .type = SRR_EV_CMD_RESULT };
		ev.u.res = x->res;
		srr_log(x->res.exit_status == 0 ? LOG_NOTICE : LOG_WARNING,
			"%s: exit %d %s %s (%lld ms)", x->cmd[0],
			x->res.exit_status, x->res.code, x->res.msg,
			(long long)(srrd_mono_ms() - x->started_ms));
	}
	if (x->cb != NULL)
		x->cb(d, x, x->ctx);
	else
		srrd_feed(d, &ev, NULL, NULL);
out:
	free(x);
}

static void
submit(struct srrd *d, struct srrd_exec_job *x, int h, struct srrd_pool *p)
{
	x->job.hmc = h;
	x->job.done = exec_done;
	x->started_ms = srrd_mono_ms();
	x->timeout_ms = d->conf.command_timeout_ms;
	x->next_inflight = d->inflight;
	d->inflight = x;
	d->hmc[h].channels++;
	srrd_pool_submit(p, &x->job);
}

static int
build_rr(const struct srrd *d, const struct srr_action *a, int h,
	 struct hmc_cmd *cmd)
{
	struct hmc_rr rr = {
		.op = a->cmd,
		.src = d->conf.sys[a->src].name,
		.dst = a->dst >= 0 && a->cmd != HMC_RR_CLEANUP ?
		       d->conf.sys[a->dst].name : NULL,
		.lpar = a->lpar[0] ? a->lpar : NULL,
		.lpar_id = a->lpar[0] ? 0 : a->lpar_id,
		.retaindev = a->cmd == HMC_RR_CLEANUP && d->conf.cleanup_retaindev,
		.redundantvios = -1,
	};

	/* DESIGN.md: a source the HMC lost needs --noconnection */
	rr.noconnection = (a->cmd == HMC_RR_RESTART || a->cmd == HMC_RR_VALIDATE) &&
			  d->hmc[h].visible[a->src] &&
			  d->hmc[h].st[a->src] == HMC_SYS_NO_CONNECTION;
	return hmc_cmd_rrstartlpar(cmd, &rr);
}

static int
exec_command(struct srrd *d, struct srrd_exec_job *x)
{
	const struct srr_action *a = &x->act;
	int h = srrd_pick_hmc(d, a->src);
	struct hmc_cmd cmd;
	int rc;

	rc = build_rr(d, a, h, &cmd);
	x->res.op = a->op;
	x->res.tag = a->tag;
	x->res.cmd = a->cmd;
	x->res.attempt = a->attempt;
	if (rc == 0 && !x->validate_req && a->cmd != HMC_RR_VALIDATE &&
	    !srrd_may_act(d)) {
		/* the lease ran out since the engine decided: not sent (a
		 * known non-run the next leader's query will confirm) */
		srr_log(LOG_WARNING, "rrstartlpar %s of %s not sent: this agent "
			"may not lead now (cluster gate)", hmc_rr_op_name(a->cmd),
			a->lpar);
		x->res.exit_status = 1;
		x->res.not_sent = true;
		snprintf(x->res.msg, sizeof(x->res.msg), "not sent: this agent "
			 "may not lead now");
		return -EPERM;
	}
	if (rc < 0) {
		/* never sent: a known failure, not an unknown outcome */
		srr_log(LOG_ERR, "rrstartlpar %s of %s: the builder refused it: %s",
			hmc_rr_op_name(a->cmd), a->lpar, strerror(-rc));
		x->res.exit_status = 1;
		x->res.not_sent = true;
		snprintf(x->res.msg, sizeof(x->res.msg), "not sent: %s",
			 strerror(-rc));
		return rc;
	}
	snprintf(x->cmd[0], sizeof(x->cmd[0]), "%s", cmd.line);
	x->job.cmdline = x->cmd[0];
	x->job.result = cmd_result;
	srr_log(LOG_NOTICE, "HMC %s: %s", d->conf.hmc[h].name, cmd.line);
	submit(d, x, h, &d->hmc[h].exec);
	cmd_alert(d, x, true);
	return 0;
}

static int
query_cmd(const char *sys, const char *lpar, bool src, char *out)
{
	const char *const names[] = { lpar, NULL };
	struct hmc_filter f = { .lpar_names = names };
	struct hmc_fields fl = { src ? q_src_fields : q_dst_fields, ',' };
	struct hmc_cmd cmd;
	int rc;

	rc = hmc_cmd_lssyscfg(&cmd, HMC_RES_LPAR, sys, &f, &fl, false);
	if (rc == -EINVAL)	/* a name the filter cannot carry: list all */
		rc = hmc_cmd_lssyscfg(&cmd, HMC_RES_LPAR, sys, NULL, &fl, false);
	if (rc == 0)
		snprintf(out, HMC_CMD_MAX, "%s", cmd.line);
	return rc;
}

static int
exec_query(struct srrd *d, struct srrd_exec_job *x)
{
	const struct srr_action *a = &x->act;
	const struct srrd_sys_conf *sc = &d->conf.sys[a->src];
	int h = srrd_pick_hmc(d, a->src), i, rc;

	x->query = true;
	x->qres.op = a->op;
	x->qres.tag = a->tag;
	x->qres.found_on = -1;
	snprintf(x->lpar, sizeof(x->lpar), "%s", a->lpar);
	rc = query_cmd(sc->name, a->lpar, true, x->cmd[0]);
	x->cmd_sys[0] = a->src;
	x->ncmd = 1;
	for (i = 0; rc == 0 && i < sc->ndest; i++) {
		int s = sc->dest[i];

		rc = query_cmd(d->conf.sys[s].name, a->lpar, false,
			       x->cmd[x->ncmd]);
		x->cmd_sys[x->ncmd] = s;
		/* a destination that is not Operating cannot run it */
		x->must[x->ncmd] = d->hmc[h].st[s] == HMC_SYS_OPERATING;
		x->ncmd++;
	}
	if (rc < 0) {
		srr_log(LOG_ERR, "query of %s: %s", a->lpar, strerror(-rc));
		return rc;
	}
	/* a few listings in a row: on the poller's session */
	x->job.run = query_run;
	submit(d, x, h, &d->hmc[h].poll);
	return 0;
}

int
srrd_exec_action(struct srrd *d, const struct srr_action *act)
{
	struct srrd_exec_job *x = calloc(1, sizeof(*x));
	struct srr_event ev;
	int rc;

	if (x == NULL)
		abort();	/* the engine waits for an answer: no way out */
	x->act = *act;
	rc = act->type == SRR_ACT_QUERY ? exec_query(d, x) : exec_command(d, x);
	if (rc == 0)
		return 0;
	/* answered at once, through the queue (we are inside the engine's
	 * action loop) */
	if (act->type == SRR_ACT_QUERY) {
		ev = (struct srr_event){ .type = SRR_EV_QUERY_RESULT };
		ev.u.query = x->qres;
		ev.u.query.ok = false;
	} else {
		ev = (struct srr_event){ .type = SRR_EV_CMD_RESULT };
		ev.u.res = x->res;
	}
	srrd_post(d, &ev);
	free(x);
	return rc;
}

int
srrd_exec_validate(struct srrd *d, int src, int dst, const char *lpar,
		   void (*cb)(struct srrd *, struct srrd_exec_job *, void *),
		   void *ctx)
{
	struct srrd_exec_job *x = calloc(1, sizeof(*x));
	int rc;

	if (x == NULL)
		return -ENOMEM;
	x->validate_req = true;
	x->cb = cb;
	x->ctx = ctx;
	x->act.type = SRR_ACT_COMMAND;
	x->act.cmd = HMC_RR_VALIDATE;
	x->act.src = src;
	x->act.dst = dst;
	snprintf(x->act.lpar, sizeof(x->act.lpar), "%s", lpar);
	rc = exec_command(d, x);
	if (rc < 0)
		free(x);
	return rc;
}
