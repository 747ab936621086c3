/*
 * srrd_ipc.c: srrd's local IPC server (libqb, shared memory), on the
 * daemon's one loop.
 *
 * Who may connect is decided in the accept callback from the peer's
 * credentials (SO_PEERCRED, as libqb passes them): root, or a member of
 * the configured [ipc] group. Anyone else gets -EACCES before any request
 * is read, so a refused peer can change nothing (corosync's
 * cs_ipcs_connection_accept does the same with its uidgid list; libqb's
 * example that accepts everyone is the thing not to copy).
 *
 * Every request gets one reply, an error reply if it is malformed,
 * oversized, of another version or unknown; nothing here waits. A write is
 * handed to srrd_request() and its reply is sent when srrd calls back,
 * with the connection held; a client that goes away first has its request
 * cancelled.
 */
#define SRR_LOG_TAG "ipc"

#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <json-c/json.h>
#include <qb/qbipcs.h>
#include <qb/qbloop.h>

#include "agent/srrd_ipc.h"

struct srrd_ipc {
	struct srrd *d;
	qb_loop_t *loop;
	qb_ipcs_service_t *svc;
};

/* One client connection. */
struct ipc_conn {
	struct srrd_ipc *ipc;
	qb_ipcs_connection_t *c;
	uid_t uid;
	char user[SRRD_USER_LEN];
	bool pending;			/* a write waits for srrd's reply */
	char command[32];		/* of the pending write */
};

/* libqb's poll callbacks carry no loop: srrd has exactly one. */
static qb_loop_t *ipc_loop;

qb_loop_t *
srrd_ipc_loop(void)
{
	return ipc_loop;
}

/* ------------------------------------------------------- credentials */

static bool
group_gid(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) != 0 || res == NULL)
		return false;
	*gid = gr.gr_gid;
	return true;
}

/* The peer's user is a member of GID through its supplementary groups (a
 * process's credentials carry its primary group only). */
static bool
user_in_group(uid_t uid, gid_t gid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	gid_t groups[256];
	int n = 256, i;

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return false;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
		return false;
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static bool
peer_allowed(const struct srrd_conf *conf, uid_t uid, gid_t gid)
{
	gid_t want;

	if (uid == 0)
		return true;
	if (conf == NULL || conf->ipc_group[0] == '\0')
		return false;
	if (!group_gid(conf->ipc_group, &want)) {
		srr_log(LOG_WARNING, "[ipc] group %s does not exist: root only",
			conf->ipc_group);
		return false;
	}
	return gid == want || user_in_group(uid, want);
}

static void
user_name(uid_t uid, char *out, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, len, "%s", pw.pw_name);
	else
		snprintf(out, len, "uid %u", (unsigned)uid);
}

/* The connection's state is made here, where the peer's uid is known, and
 * freed in ipc_destroyed (libqb calls it for every accepted connection). */
static int32_t
ipc_accept(qb_ipcs_connection_t *c, uid_t uid, gid_t gid)
{
	struct srrd_ipc *ipc = qb_ipcs_connection_service_context_get(c);
	const struct srrd_conf *conf = srrd_config(ipc->d);
	struct ipc_conn *conn;

	if (!peer_allowed(conf, uid, gid)) {
		srr_log(LOG_NOTICE, "refused a client uid %u gid %u: only "
			"root%s%s may use srrd", (unsigned)uid, (unsigned)gid,
			conf && conf->ipc_group[0] ? " or group " : "",
			conf ? conf->ipc_group : "");
		return -EACCES;
	}
	if ((conn = calloc(1, sizeof(*conn))) == NULL)
		return -ENOMEM;
	conn->ipc = ipc;
	conn->c = c;
	conn->uid = uid;
	user_name(uid, conn->user, sizeof(conn->user));
	qb_ipcs_context_set(c, conn);
	return 0;
}

static int32_t
ipc_closed(qb_ipcs_connection_t *c)
{
	struct ipc_conn *conn = qb_ipcs_context_get(c);

	if (conn != NULL && conn->pending) {
		srr_log(LOG_INFO, "%s went away: its %s request is cancelled",
			conn->user, conn->command);
		srrd_request_cancel(conn->ipc->d, conn);
		conn->pending = false;
		qb_ipcs_connection_unref(c);
	}
	return 0;
}

static void
ipc_destroyed(qb_ipcs_connection_t *c)
{
	free(qb_ipcs_context_get(c));
	qb_ipcs_context_set(c, NULL);
}

/* ------------------------------------------------------------ replies */

static struct json_object *
reply_head(struct srrd_ipc *ipc, const char *command, bool ok,
	   uint32_t answered_by)
{
	struct srrd_cluster_view v;
	struct json_object *o = json_object_new_object();

	srrd_view_cluster(ipc->d, &v);
	json_object_object_add(o, "version",
			       json_object_new_int(SRRD_IPC_VERSION));
	json_object_object_add(o, "command",
			       json_object_new_string(command ? command : ""));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "answered_by", json_object_new_int64(
		answered_by ? answered_by : v.local_nodeid));
	json_object_object_add(o, "synced", json_object_new_boolean(v.synced));
	return o;
}

static struct json_object *
reply_error(struct srrd_ipc *ipc, const char *command, int rc,
	    uint32_t answered_by, const char *text)
{
	struct json_object *o = reply_head(ipc, command, false, answered_by);

	json_object_object_add(o, "errno",
			       json_object_new_string(srrd_ipc_errno_name(rc)));
	json_object_object_add(o, "error", json_object_new_string(text));
	return o;
}

/* Sends O (consumed) as the reply; one too large for the connection's
 * buffer becomes an -EMSGSIZE error reply. */
static void
reply_send(struct ipc_conn *conn, const char *command, int rc,
	   struct json_object *o)
{
	struct qb_ipc_response_header h = { .id = SRRD_IPC_MSG_REPLY };
	int32_t cap = qb_ipcs_connection_get_buffer_size(conn->c);
	const char *body = json_object_to_json_string_ext(o,
					JSON_C_TO_STRING_PLAIN);
	size_t blen = strlen(body) + 1;
	struct iovec iov[2];
	char why[160];
	ssize_t sent;

	/* A ring holds a little less than its size: keep a margin. */
	if (cap > 0 && sizeof(h) + blen + 1024 > (size_t)cap) {
		snprintf(why, sizeof(why), "the reply (%zu bytes) exceeds the "
			 "connection's %d bytes: narrow the query", blen, cap);
		srr_log(LOG_INFO, "%s: %s", command, why);
		json_object_put(o);
		o = reply_error(conn->ipc, command, -EMSGSIZE, 0, why);
		json_object_object_add(o, "size", json_object_new_int64(
			(int64_t)(sizeof(h) + blen)));
		rc = -EMSGSIZE;
		body = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		blen = strlen(body) + 1;
	}
	h.size = (int32_t)(sizeof(h) + blen);
	h.error = rc;
	iov[0] = (struct iovec){ &h, sizeof(h) };
	iov[1] = (struct iovec){ (void *)body, blen };
	sent = qb_ipcs_response_sendv(conn->c, iov, 2);
	if (sent < 0)
		srr_log(LOG_WARNING, "cannot send the %s reply to %s: %s",
			command, conn->user, strerror((int)-sent));
	json_object_put(o);
}

static void
reply_fail(struct ipc_conn *conn, const char *command, int rc,
	   const char *text)
{
	srr_log(LOG_INFO, "%s from %s refused: %s", command, conn->user, text);
	reply_send(conn, command, rc,
		   reply_error(conn->ipc, command, rc, 0, text));
}

/* ------------------------------------------------------------- writes */

static void
write_done(void *ctx, int rc, uint32_t answered_by, const char *text)
{
	struct ipc_conn *conn = ctx;
	struct json_object *o, *data;

	if (!conn->pending)
		return;
	conn->pending = false;
	if (text == NULL)
		text = "";
	if (rc < 0) {
		o = reply_error(conn->ipc, conn->command, rc, answered_by, text);
	} else {
		o = reply_head(conn->ipc, conn->command, true, answered_by);
		data = json_object_new_object();
		json_object_object_add(data, "text",
				       json_object_new_string(text));
		json_object_object_add(o, "data", data);
	}
	srr_log(LOG_INFO, "%s from %s: %s%s%s", conn->command, conn->user,
		rc < 0 ? srrd_ipc_errno_name(rc) : "done",
		text[0] ? ": " : "", text);
	reply_send(conn, conn->command, rc, o);
	qb_ipcs_connection_unref(conn->c);
}

/* srrd.h's meaning of a request's error, for a refusal without text. */
static const char *
request_errtext(int rc)
{
	switch (rc) {
	case -EAGAIN:
		return "no acting leader reachable: try again";
	case -EPERM:
		return "refused by the gate";
	case -ENOENT:
		return "no such system, partition or operation";
	case -ETIMEDOUT:
		return "the leader did not answer in time";
	case -EINVAL:
		return "a bad request";
	default:
		return strerror(-rc);
	}
}

static void
write_start(struct ipc_conn *conn, const char *command,
	    struct json_object *args)
{
	struct srrd_request req;
	char err[256] = "";
	int rc;

	rc = srrd_ipc_parse_request(conn->ipc->d, command, args, &req,
				    err, sizeof(err));
	if (rc < 0) {
		reply_fail(conn, command, rc, err);
		return;
	}
	snprintf(req.user, sizeof(req.user), "%s", conn->user);
	snprintf(conn->command, sizeof(conn->command), "%s", command);
	srr_log(LOG_NOTICE, "%s requested by %s%s%s", command, conn->user,
		req.reason[0] ? ", reason: " : "", req.reason);
	conn->pending = true;
	qb_ipcs_connection_ref(conn->c);
	rc = srrd_request(conn->ipc->d, &req, write_done, conn);
	/* srrd may have answered already; if not, its refusal is ours. */
	if (rc < 0 && conn->pending)
		write_done(conn, rc, 0, request_errtext(rc));
}

/* -------------------------------------------------------------- reads */

int
srrd_ipc_read_answer(struct srrd *d, const char *command,
		     struct json_object *args, struct json_object **data,
		     char *err, size_t errlen)
{
	if (strcmp(command, "status") == 0)
		return srrd_ipc_status(d, data, err, errlen);
	if (strcmp(command, "lpars") == 0)
		return srrd_ipc_lpars(d, args, data, err, errlen);
	if (strcmp(command, "debts") == 0)
		return srrd_ipc_debts(d, data, err, errlen);
	if (strcmp(command, "history") == 0)
		return srrd_ipc_history(d, args, data, err, errlen);
	if (strcmp(command, "metrics") == 0)
		return srrd_ipc_metrics(d, args, data, err, errlen);
	snprintf(err, errlen, "unknown command '%.64s'", command);
	return -EOPNOTSUPP;
}

static void
read_reply(struct ipc_conn *conn, const char *command,
	   struct json_object *args)
{
	struct json_object *o, *data = NULL;
	char err[256] = "";
	int rc;

	rc = srrd_ipc_read_answer(conn->ipc->d, command, args, &data, err,
				  sizeof(err));
	if (rc < 0) {
		reply_fail(conn, command, rc, err);
		return;
	}
	o = reply_head(conn->ipc, command, true, 0);
	json_object_object_add(o, "data", data);
	reply_send(conn, command, 0, o);
}

/* ---------------------------------------------------------- requests */

/* The request's JSON object, or NULL with the reason in ERR: the header
 * and the body are checked before a byte of JSON is read. */
static struct json_object *
request_parse(const void *data, size_t size, int *rc, char *err,
	      size_t errlen)
{
	struct qb_ipc_request_header h = { .size = -1 };
	const char *body = (const char *)data + sizeof(h);
	size_t blen;
	enum json_tokener_error jerr;
	struct json_object *o;

	/* The ring may hand the message at any alignment: copy the header. */
	if (size >= sizeof(h))
		memcpy(&h, data, sizeof(h));
	*rc = -EBADMSG;
	if (size < sizeof(h) || h.size < 0 || (size_t)h.size != size) {
		snprintf(err, errlen, "malformed request: %zu bytes, header "
			 "says %d", size, h.size);
		return NULL;
	}
	blen = size - sizeof(h);
	if (size > SRRD_IPC_REQ_MAX) {
		*rc = -EMSGSIZE;
		snprintf(err, errlen, "request of %zu bytes refused: at most "
			 "%d", size, SRRD_IPC_REQ_MAX);
		return NULL;
	}
	if (h.id != SRRD_IPC_MSG_REQUEST) {
		*rc = -EOPNOTSUPP;
		snprintf(err, errlen, "unknown message id %d", h.id);
		return NULL;
	}
	if (blen == 0 || memchr(body, '\0', blen) != body + blen - 1) {
		snprintf(err, errlen, "malformed request: the body is not "
			 "one NUL-terminated string");
		return NULL;
	}
	o = json_tokener_parse_verbose(body, &jerr);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "malformed request: %s", o == NULL ?
			 json_tokener_error_desc(jerr) : "not a JSON object");
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* The command of request O, or NULL with the reason in ERR. */
static const char *
request_command(struct json_object *o, int *rc, char *err, size_t errlen)
{
	struct json_object *v;
	int64_t ver;

	*rc = -EPROTO;
	if (!json_object_object_get_ex(o, "version", &v) ||
	    !json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "malformed request: no version");
		return NULL;
	}
	ver = json_object_get_int64(v);
	if (ver != SRRD_IPC_VERSION) {
		snprintf(err, errlen, "protocol version %lld is not "
			 "supported: srrd speaks version %d", (long long)ver,
			 SRRD_IPC_VERSION);
		return NULL;
	}
	*rc = -EBADMSG;
	if (!json_object_object_get_ex(o, "command", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "malformed request: no command");
		return NULL;
	}
	if (json_object_object_get_ex(o, "args", NULL) &&
	    !json_object_is_type(json_object_object_get(o, "args"),
				 json_type_object)) {
		snprintf(err, errlen, "malformed request: args is not an "
			 "object");
		return NULL;
	}
	return json_object_get_string(v);
}

struct json_object *
srrd_ipc_request_decode(const void *data, size_t size, const char **command,
			int *rc, char *err, size_t errlen)
{
	struct json_object *o = request_parse(data, size, rc, err, errlen);

	*command = NULL;
	if (o == NULL)
		return NULL;
	*command = request_command(o, rc, err, errlen);
	if (*command == NULL) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int32_t
ipc_msg(qb_ipcs_connection_t *c, void *data, size_t size)
{
	struct ipc_conn *conn = qb_ipcs_context_get(c);
	struct json_object *o, *args = NULL;
	const char *command;
	char err[256] = "";
	int rc;

	if (conn == NULL)
		return 0;
	o = srrd_ipc_request_decode(data, size, &command, &rc, err, sizeof(err));
	if (o == NULL) {
		reply_fail(conn, "", rc, err);
	} else if (conn->pending) {
		reply_fail(conn, command, -EBUSY, "one request at a time: the "
			   "last one is still waiting for its answer");
	} else {
		json_object_object_get_ex(o, "args", &args);
		if (srrd_ipc_is_write(command))
			write_start(conn, command, args);
		else
			read_reply(conn, command, args);
	}
	json_object_put(o);
	return 0;
}

/* ------------------------------------------------- loop and service */

static int32_t
poll_add(enum qb_loop_priority p, int32_t fd, int32_t events, void *data,
	 qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_add(ipc_loop, p, fd, events, data, fn);
}

static int32_t
poll_mod(enum qb_loop_priority p, int32_t fd, int32_t events, void *data,
	 qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_mod(ipc_loop, p, fd, events, data, fn);
}

static int32_t
poll_del(int32_t fd)
{
	return qb_loop_poll_del(ipc_loop, fd);
}

static int32_t
job_add(enum qb_loop_priority p, void *data, qb_loop_job_dispatch_fn fn)
{
	return qb_loop_job_add(ipc_loop, p, data, fn);
}

int
srrd_ipc_start(struct srrd *d, qb_loop_t *loop, struct srrd_ipc **out)
{
	static struct qb_ipcs_service_handlers handlers = {
		.connection_accept = ipc_accept,
		.msg_process = ipc_msg,
		.connection_closed = ipc_closed,
		.connection_destroyed = ipc_destroyed,
	};
	static struct qb_ipcs_poll_handlers polls = {
		.job_add = job_add, .dispatch_add = poll_add,
		.dispatch_mod = poll_mod, .dispatch_del = poll_del,
	};
	struct srrd_ipc *ipc;
	int rc;

	if ((ipc = calloc(1, sizeof(*ipc))) == NULL)
		return -ENOMEM;
	ipc->d = d;
	ipc->loop = ipc_loop = loop;
	ipc->svc = qb_ipcs_create(srrd_ipc_name(), 0, QB_IPC_SHM, &handlers);
	if (ipc->svc == NULL) {
		free(ipc);
		return -errno ? -errno : -EIO;
	}
	qb_ipcs_service_context_set(ipc->svc, ipc);
	qb_ipcs_poll_handlers_set(ipc->svc, &polls);
	if ((rc = qb_ipcs_run(ipc->svc)) < 0) {
		srr_log(LOG_ERR, "cannot serve IPC '%s': %s", srrd_ipc_name(),
			strerror(-rc));
		qb_ipcs_destroy(ipc->svc);
		free(ipc);
		return rc;
	}
	srr_log(LOG_INFO, "serving '%s' (root and group '%s')",
		srrd_ipc_name(), srrd_config(d) ? srrd_config(d)->ipc_group : "");
	*out = ipc;
	return 0;
}

void
srrd_ipc_stop(struct srrd_ipc *ipc)
{
	if (ipc == NULL)
		return;
	qb_ipcs_destroy(ipc->svc);
	free(ipc);
}
