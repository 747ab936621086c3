/*
 * srrd_ipc_read.c: the reads (status, lpars, debts, history, metrics) as
 * JSON, from this agent's views and its replicated ledger. The names are
 * the stable --json format of srrctl(8): add, never rename.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "agent/srrd_ipc.h"

static void
add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void
add_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void
add_bool(struct json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

static void
add_id(struct json_object *o, const char *k, const struct srr_op_id *id)
{
	char s[64];

	srr_op_id_str(id, s, sizeof(s));
	add_str(o, k, s);
}

/* The optional string argument KEY of ARGS (*OUT NULL when absent);
 * -EINVAL with the reason in ERR when it is not a string. */
static int
arg_string(struct json_object *args, const char *key, const char **out,
	   char *err, size_t errlen)
{
	struct json_object *v;

	*out = NULL;
	if (args == NULL || !json_object_object_get_ex(args, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "%s: not a string", key);
		return -EINVAL;
	}
	*out = json_object_get_string(v);
	return 0;
}

/* ------------------------------------------------------------- status */

static struct json_object *
status_cluster(const struct srrd_cluster_view *v)
{
	struct json_object *o = json_object_new_object();
	struct json_object *m = json_object_new_array();
	size_t i;

	add_int(o, "nodeid", v->local_nodeid);
	add_bool(o, "connected", v->connected);
	add_bool(o, "quorate", v->quorate);
	add_int(o, "epoch", (int64_t)v->epoch);
	add_bool(o, "synced", v->synced);
	add_int(o, "leader", v->leader);
	add_bool(o, "acting_leader", v->acting_leader);
	add_bool(o, "config_agree", v->config_agree);
	for (i = 0; i < v->nmembers && i < SRRD_MAX_MEMBERS; i++)
		json_object_array_add(m, json_object_new_int64(v->members[i]));
	json_object_object_add(o, "members", m);
	add_int(o, "stall_left_ms", v->stall_left_ms);
	m = json_object_new_object();
	add_int(m, "malformed", (int64_t)v->dropped.malformed);
	add_int(m, "bad_version", (int64_t)v->dropped.bad_version);
	add_int(m, "unknown_type", (int64_t)v->dropped.unknown_type);
	add_int(m, "stale_epoch", (int64_t)v->dropped.stale_epoch);
	add_int(m, "merge_failed", (int64_t)v->dropped.merge_failed);
	json_object_object_add(o, "dropped", m);
	return o;
}

static struct json_object *
status_mode(const struct srrd_cluster_view *v)
{
	struct json_object *o = json_object_new_object();

	add_bool(o, "paused", v->paused);
	add_str(o, "paused_by", v->paused ? v->paused_by : "");
	add_str(o, "paused_why", v->paused ? v->paused_why : "");
	add_int(o, "paused_since_ms", v->paused ? v->paused_since.ms : 0);
	return o;
}

static struct json_object *
status_hmcs(struct srrd *d)
{
	struct srrd_hmc_view v[SRR_MAX_HMC];
	struct json_object *a = json_object_new_array(), *o;
	size_t n = srrd_view_hmcs(d, v, SRR_MAX_HMC), i;

	for (i = 0; i < n && i < SRR_MAX_HMC; i++) {
		o = json_object_new_object();
		add_str(o, "name", v[i].name);
		add_str(o, "host", v[i].host);
		add_bool(o, "reachable", v[i].reachable);
		add_int(o, "poll_age_ms", v[i].poll_age_ms);
		add_str(o, "last_error", v[i].last_error);
		add_int(o, "handshakes", v[i].handshakes);
		add_int(o, "channels", v[i].channels);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *
system_json(const struct srrd_sys_view *s)
{
	struct json_object *o = json_object_new_object();
	struct json_object *c = json_object_new_object();
	struct json_object *l = json_object_new_object();

	add_str(o, "name", s->name);
	add_bool(o, "protect", s->protect);
	add_str(o, "state", hmc_sys_state_name(s->state));
	add_str(o, "class", hmc_sys_class_name(s->cls));
	add_int(o, "since_ms", s->since.ms);
	add_int(c, "polls", s->confirm_polls);
	add_int(c, "k", s->confirm_k);
	add_int(c, "span_ms", s->confirm_span_ms);
	add_int(c, "t_ms", s->confirm_t_ms);
	json_object_object_add(o, "confirm", c);
	add_bool(o, "confirmed_down", s->confirmed_down);
	add_str(o, "confirmed_by", s->confirmed_by);
	add_int(l, "protected", s->lpars_protected);
	add_int(l, "ready", s->lpars_ready);
	add_int(l, "not_ready", s->lpars_not_ready);
	json_object_object_add(o, "lpars", l);
	return o;
}

/* The systems, and the protection summed over them. */
static struct json_object *
status_systems(struct srrd *d, struct json_object **protection)
{
	struct srrd_sys_view v[SRR_MAX_SYS];
	struct json_object *a = json_object_new_array();
	size_t n = srrd_view_systems(d, v, SRR_MAX_SYS), i;
	int64_t prot = 0, ready = 0, not_ready = 0;

	for (i = 0; i < n && i < SRR_MAX_SYS; i++) {
		json_object_array_add(a, system_json(&v[i]));
		prot += v[i].lpars_protected;
		ready += v[i].lpars_ready;
		not_ready += v[i].lpars_not_ready;
	}
	*protection = json_object_new_object();
	add_int(*protection, "protected", prot);
	add_int(*protection, "ready", ready);
	add_int(*protection, "not_ready", not_ready);
	return a;
}

static int
status_inflight(struct srrd *d, struct json_object **out)
{
	struct srrd_inflight_view *v = NULL;
	struct json_object *a, *o;
	size_t n = 0, i;
	int rc;

	if ((rc = srrd_view_inflight(d, &v, &n)) < 0)
		return rc;
	a = json_object_new_array();
	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		add_id(o, "id", &v[i].op);
		add_str(o, "command", (int)v[i].cmd < 0 ? "query" :
			hmc_rr_op_name(v[i].cmd));
		add_str(o, "lpar", v[i].lpar);
		add_str(o, "source", v[i].src);
		add_str(o, "destination", v[i].dst);
		add_int(o, "attempt", v[i].attempt);
		add_int(o, "elapsed_ms", v[i].elapsed_ms);
		add_int(o, "timeout_ms", v[i].timeout_ms);
		json_object_array_add(a, o);
	}
	free(v);
	*out = a;
	return 0;
}

int
srrd_ipc_status(struct srrd *d, struct json_object **data, char *err,
		size_t errlen)
{
	struct srrd_cluster_view cv;
	struct json_object *o, *inflight, *prot;
	int rc;

	if ((rc = status_inflight(d, &inflight)) < 0) {
		snprintf(err, errlen, "cannot list operations in flight: %s",
			 strerror(-rc));
		return rc;
	}
	srrd_view_cluster(d, &cv);
	o = json_object_new_object();
	add_int(o, "now_ms", srrd_ipc_wall_ms());
	json_object_object_add(o, "cluster", status_cluster(&cv));
	json_object_object_add(o, "mode", status_mode(&cv));
	json_object_object_add(o, "hmcs", status_hmcs(d));
	json_object_object_add(o, "systems", status_systems(d, &prot));
	json_object_object_add(o, "protection", prot);
	json_object_object_add(o, "inflight", inflight);
	*data = o;
	return 0;
}

/* -------------------------------------------------------------- lpars */

static struct json_object *
lpar_json(const struct srrd_lpar_view *l)
{
	struct json_object *o = json_object_new_object();
	struct json_object *v = json_object_new_object();

	add_str(o, "system", l->sys);
	add_str(o, "name", l->name);
	add_int(o, "id", l->id);
	add_str(o, "state", hmc_lpar_state_name(l->state));
	add_bool(o, "srr_capable", l->srr_capable);
	add_bool(o, "vios", l->vios);
	add_bool(o, "excluded", l->excluded);
	add_bool(o, "protected", l->protect);
	add_int(o, "priority", l->priority);
	add_str(o, "destination", l->dest);
	add_bool(o, "pinned", l->pinned);
	add_int(v, "rc", l->validate_rc);
	add_str(v, "code", l->validate_code);
	add_str(v, "message", l->validate_msg);
	add_int(v, "at_ms", l->validate_at.ms);
	json_object_object_add(o, "validate", v);
	add_str(o, "why", l->why);
	return o;
}

int
srrd_ipc_lpars(struct srrd *d, struct json_object *args,
	       struct json_object **data, char *err, size_t errlen)
{
	struct srrd_lpar_view *v = NULL;
	struct json_object *o, *a;
	const char *sys;
	size_t n = 0, i;
	int rc;

	if ((rc = arg_string(args, "system", &sys, err, errlen)) < 0)
		return rc;
	if ((rc = srrd_view_lpars(d, sys, &v, &n)) < 0) {
		if (rc == -ENOENT)
			snprintf(err, errlen, "no system %s", sys ? sys : "");
		else
			snprintf(err, errlen, "cannot list partitions: %s",
				 strerror(-rc));
		return rc;
	}
	o = json_object_new_object();
	add_int(o, "now_ms", srrd_ipc_wall_ms());
	a = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(a, lpar_json(&v[i]));
	json_object_object_add(o, "lpars", a);
	free(v);
	*data = o;
	return 0;
}

/* -------------------------------------------------------------- debts */

int
srrd_ipc_cleanup_cmd(const struct srrd_conf *c, const struct srr_record *r,
		     char *cmd, size_t cmdlen, char *ssh, size_t sshlen)
{
	struct hmc_rr rr = {
		.op = HMC_RR_CLEANUP, .src = r->src, .lpar = r->lpar,
		.retaindev = c != NULL && c->cleanup_retaindev,
		.redundantvios = -1,
	};
	struct hmc_cmd hc;
	char dest[SRRD_LABEL_LEN + SRRD_HOST_LEN + 1];
	char qline[2 * HMC_CMD_MAX], qdest[2 * sizeof(dest)];
	int rc;

	if ((rc = hmc_cmd_rrstartlpar(&hc, &rr)) < 0)
		return rc;
	snprintf(cmd, cmdlen, "%s", hc.line);
	ssh[0] = '\0';
	if (c == NULL || c->nhmc == 0)
		return 0;
	/* The HMC line is quoted once more for the admin host's shell: ssh
	 * hands the remote shell exactly that line. */
	snprintf(dest, sizeof(dest), "%s@%s", c->hmc[0].user, c->hmc[0].host);
	if (hmc_shell_quote(hc.line, qline, sizeof(qline)) < 0 ||
	    hmc_shell_quote(dest, qdest, sizeof(qdest)) < 0)
		return -E2BIG;
	/* A plain user@host needs no quotes, and reads better without. */
	if (strspn(dest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789@._-:") == strlen(dest))
		snprintf(qdest, sizeof(qdest), "%s", dest);
	if (c->hmc[0].port != 0 && c->hmc[0].port != 22)
		snprintf(ssh, sshlen, "ssh -p %u -- %s %s",
			 (unsigned)c->hmc[0].port, qdest, qline);
	else
		snprintf(ssh, sshlen, "ssh -- %s %s", qdest, qline);
	return 0;
}

/* When the debt's restart was recorded: its history row to restarted, or
 * the record's creation when the store has none. */
static int64_t
debt_restarted_ms(struct srrd *d, const struct srr_record *r)
{
	struct srr_store *st = srrd_store(d);
	struct srr_history_row *h = NULL;
	int64_t at = r->created.ms;
	size_t n = 0, i;

	if (st == NULL || srr_store_history(st, &r->id, &h, &n) < 0)
		return at;
	for (i = 0; i < n; i++) {
		if (h[i].to == SRR_OP_RESTARTED) {
			at = h[i].time.ms;
			break;
		}
	}
	free(h);
	return at;
}

static struct json_object *
debt_json(struct srrd *d, const struct srr_record *r)
{
	struct json_object *o = json_object_new_object();
	char cmd[HMC_CMD_MAX], ssh[3 * HMC_CMD_MAX];

	add_id(o, "id", &r->id);
	add_str(o, "lpar", r->lpar);
	add_int(o, "lpar_id", r->lpar_id);
	add_str(o, "source", r->src);
	add_str(o, "destination", r->dst);
	add_str(o, "status", srr_op_status_name(r->status));
	add_int(o, "restarted_ms", debt_restarted_ms(d, r));
	add_int(o, "updated_ms", r->updated.ms);
	add_int(o, "attempts", r->attempts);
	add_int(o, "cleanup_attempts", r->cl_attempts);
	add_str(o, "code", r->code);
	add_str(o, "message", r->msg);
	if (srrd_ipc_cleanup_cmd(srrd_config(d), r, cmd, sizeof(cmd), ssh,
				 sizeof(ssh)) < 0) {
		cmd[0] = '\0';
		ssh[0] = '\0';
	}
	add_str(o, "cleanup_command", cmd);
	add_str(o, "cleanup_ssh", ssh);
	return o;
}

static bool
debt_open(enum srr_op_status st)
{
	return st == SRR_OP_RESTARTED || st == SRR_OP_CLEANING;
}

int
srrd_ipc_debts(struct srrd *d, struct json_object **data, char *err,
	       size_t errlen)
{
	const struct srr_ledger *l = srrd_ledger(d);
	const struct srr_record *r;
	struct json_object *o, *a;
	size_t i, n = l ? srr_ledger_count(l) : 0;

	o = json_object_new_object();
	add_int(o, "now_ms", srrd_ipc_wall_ms());
	a = json_object_new_array();
	for (i = 0; i < n; i++) {
		r = srr_ledger_at(l, i);
		if (r != NULL && debt_open(r->status))
			json_object_array_add(a, debt_json(d, r));
	}
	json_object_object_add(o, "debts", a);
	*data = o;
	return 0;
}

/* ------------------------------------------------------------ history */

static int
history_filter(struct json_object *args, struct srr_history_filter *f,
	       char *err, size_t errlen)
{
	struct json_object *v;

	memset(f, 0, sizeof(*f));
	f->limit = SRRD_IPC_HISTORY_MAX;
	if (args == NULL)
		return 0;
	if (json_object_object_get_ex(args, "since_ms", &v)) {
		if (!json_object_is_type(v, json_type_int)) {
			snprintf(err, errlen, "since_ms: not an integer");
			return -EINVAL;
		}
		f->since_ms = json_object_get_int64(v);
	}
	if (arg_string(args, "lpar", &f->lpar, err, errlen) < 0 ||
	    arg_string(args, "system", &f->sys, err, errlen) < 0)
		return -EINVAL;
	return 0;
}

static struct json_object *
history_json(const struct srr_history_entry *e)
{
	struct json_object *o = json_object_new_object();

	add_int(o, "time_ms", e->row.time.ms);
	add_id(o, "id", &e->row.id);
	add_int(o, "leader", e->row.id.node);
	if (e->lpar[0] == '\0' && e->src[0] == '\0') {
		/* A mode or audit record (ledger.h): an operator's change,
		 * its user in dst (so never matched as a system). */
		bool p = strcmp(e->code, SRR_MODE_PAUSE) == 0;
		bool r = strcmp(e->code, SRR_MODE_RESUME) == 0;

		add_str(o, "lpar", "-");
		add_str(o, "source", "");
		add_str(o, "destination", "");
		add_str(o, "user", e->dst);
		add_str(o, "from", p ? "active" : r ? "paused" : "");
		add_str(o, "to", p ? "paused" : r ? "active" : e->code);
	} else {
		add_str(o, "lpar", e->lpar);
		add_str(o, "source", e->src);
		add_str(o, "destination", e->dst);
		add_str(o, "from", e->row.from < 0 ? "" :
			srr_op_status_name((enum srr_op_status)e->row.from));
		add_str(o, "to", srr_op_status_name(e->row.to));
	}
	add_str(o, "reason", e->row.reason);
	return o;
}

int
srrd_ipc_history(struct srrd *d, struct json_object *args,
		 struct json_object **data, char *err, size_t errlen)
{
	struct srr_store *st = srrd_store(d);
	struct srr_history_filter f;
	struct srr_history_entry *e = NULL;
	struct json_object *o, *a;
	bool cut = false;
	size_t n = 0, i;
	int rc;

	if ((rc = history_filter(args, &f, err, errlen)) < 0)
		return rc;
	if (st != NULL && (rc = srr_store_history_list(st, &f, &e, &n,
						       &cut)) < 0) {
		snprintf(err, errlen, "cannot read the history: %s",
			 srr_store_error(st));
		return rc;
	}
	o = json_object_new_object();
	a = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(a, history_json(&e[i]));
	free(e);
	json_object_object_add(o, "rows", a);
	add_bool(o, "truncated", cut);
	*data = o;
	return 0;
}

/* ------------------------------------------------------------ metrics */

int
srrd_ipc_metrics(struct srrd *d, struct json_object *args,
		 struct json_object **data, char *err, size_t errlen)
{
	const char *fmt;
	bool om;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if ((rc = arg_string(args, "format", &fmt, err, errlen)) < 0)
		return rc;
	if (fmt != NULL && strcmp(fmt, "openmetrics") != 0 &&
	    strcmp(fmt, "prometheus") != 0) {
		snprintf(err, errlen, "format: openmetrics or prometheus");
		return -EINVAL;
	}
	om = fmt != NULL && strcmp(fmt, "openmetrics") == 0;
	if ((rc = srrd_metrics_format(d, om, &text, &len)) < 0) {
		snprintf(err, errlen, "cannot make the metrics: %s",
			 strerror(-rc));
		return rc;
	}
	*data = json_object_new_object();
	add_str(*data, "format", om ? "openmetrics" : "prometheus");
	add_str(*data, "text", text);
	free(text);
	return 0;
}
