/*
 * srrctl_ipc.c: one request to the local srrd and its reply.
 *
 * Every wait is bounded (the command's timeout), and a wait longer than a
 * few seconds says so on stderr while it lasts: a write waits for the
 * acting leader, a validation for the HMC.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <ini.h>
#include <qb/qbipcc.h>

#include "agent/srrctl.h"

#define WAIT_SLICE_MS	1000
#define WAIT_NOTE_MS	5000

struct group_find {
	char group[SRRD_LABEL_LEN];
	bool found;
};

static int
ini_group(void *arg, const char *section, const char *name,
	  const char *value)
{
	struct group_find *g = arg;

	if (strcmp(section, "ipc") == 0 && strcmp(name, "group") == 0) {
		snprintf(g->group, sizeof(g->group), "%s", value);
		g->found = true;
	}
	return 1;
}

static const char *
config_path(const struct srrctl_opts *o)
{
	const char *env = getenv("SRRHA_CONF");

	if (o->config != NULL)
		return o->config;
	return env != NULL && env[0] != '\0' ? env : SRRD_CONF_DEFAULT;
}

/* srrd refuses before a byte is exchanged, so the group comes from the
 * configuration file, when this user may read it. */
void
srrctl_denied_text(const struct srrctl_opts *o, char *out, size_t len)
{
	struct group_find g = { .found = false };
	const char *path = config_path(o);

	if (ini_parse(path, ini_group, &g) < 0)
		snprintf(out, len, "permission denied: only root or the group "
			 "named in [ipc] group of %s may use srrd", path);
	else if (!g.found || g.group[0] == '\0')
		snprintf(out, len, "permission denied: only root may use srrd");
	else
		snprintf(out, len, "permission denied: only root or group %s "
			 "may use srrd", g.group);
}

/* A reply made here, in the protocol's shape, when srrd was not asked. */
static struct json_object *
local_error(const char *command, int err, const char *text)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "version",
			       json_object_new_int(SRRD_IPC_VERSION));
	json_object_object_add(o, "command", json_object_new_string(command));
	json_object_object_add(o, "ok", json_object_new_boolean(false));
	json_object_object_add(o, "errno",
			       json_object_new_string(srrd_ipc_errno_name(err)));
	json_object_object_add(o, "error", json_object_new_string(text));
	return o;
}

static qb_ipcc_connection_t *
connect_srrd(const struct srrctl_opts *o, size_t bufsize, char *why,
	     size_t len, int *err)
{
	qb_ipcc_connection_t *c = qb_ipcc_connect(srrd_ipc_name(), bufsize);

	*err = errno;
	if (c != NULL)
		return c;
	if (*err == EACCES || *err == EPERM)
		srrctl_denied_text(o, why, len);
	else
		snprintf(why, len, "srrd is not reachable (IPC '%s': %s): is "
			 "it running?", srrd_ipc_name(), strerror(*err));
	return NULL;
}

static int
send_request(qb_ipcc_connection_t *c, const char *command,
	     struct json_object *args)
{
	struct qb_ipc_request_header h = { .id = SRRD_IPC_MSG_REQUEST };
	struct json_object *req = json_object_new_object();
	struct iovec iov[2];
	const char *body;
	ssize_t rc;

	json_object_object_add(req, "version",
			       json_object_new_int(SRRD_IPC_VERSION));
	json_object_object_add(req, "command", json_object_new_string(command));
	if (args != NULL)
		json_object_object_add(req, "args", json_object_get(args));
	body = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	h.size = (int32_t)(sizeof(h) + strlen(body) + 1);
	iov[0] = (struct iovec){ &h, sizeof(h) };
	iov[1] = (struct iovec){ (void *)body, strlen(body) + 1 };
	rc = qb_ipcc_sendv(c, iov, 2);
	json_object_put(req);
	return rc < 0 ? (int)rc : 0;
}

/* Waits up to TIMEOUT_MS for the reply, in slices, saying so on stderr
 * while it waits. */
static ssize_t
recv_reply(qb_ipcc_connection_t *c, const char *command, char *buf,
	   size_t len, int64_t timeout_ms)
{
	int64_t waited = 0;
	ssize_t rc;

	for (;;) {
		rc = qb_ipcc_recv(c, buf, len, WAIT_SLICE_MS);
		if (rc != -EAGAIN && rc != -ETIMEDOUT)
			return rc;
		waited += WAIT_SLICE_MS;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		if (waited % WAIT_NOTE_MS == 0)
			fprintf(stderr, "srrctl: %s: still waiting for srrd's "
				"answer (%llds of %llds)\n", command,
				(long long)waited / 1000,
				(long long)timeout_ms / 1000);
	}
}

static struct json_object *
reply_parse(const char *command, const char *buf, ssize_t n)
{
	struct qb_ipc_response_header h = { .size = -1 };
	const char *body = buf + sizeof(h);
	size_t blen;
	struct json_object *o;

	if (n >= (ssize_t)sizeof(h))
		memcpy(&h, buf, sizeof(h));
	if (n < (ssize_t)sizeof(h) + 1 || h.size != n ||
	    h.id != SRRD_IPC_MSG_REPLY)
		return local_error(command, EBADMSG, "malformed reply");
	blen = (size_t)n - sizeof(h);
	if (memchr(body, '\0', blen) != body + blen - 1)
		return local_error(command, EBADMSG, "malformed reply");
	o = json_tokener_parse(body);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return local_error(command, EBADMSG, "malformed reply");
	}
	return o;
}

static int
exchange(qb_ipcc_connection_t *c, size_t bufsize, const char *command,
	 struct json_object *args, int64_t timeout_ms,
	 struct json_object **reply)
{
	char *buf = malloc(bufsize);
	char why[256];
	ssize_t n;
	int rc;

	if (buf == NULL)
		return -ENOMEM;
	if ((rc = send_request(c, command, args)) < 0) {
		snprintf(why, sizeof(why), "cannot send to srrd: %s",
			 strerror(-rc));
		*reply = local_error(command, -rc, why);
		free(buf);
		return rc;
	}
	n = recv_reply(c, command, buf, bufsize, timeout_ms);
	if (n < 0) {
		if (n == -ETIMEDOUT)
			snprintf(why, sizeof(why), "srrd did not answer "
				 "within %llds", (long long)(timeout_ms / 1000));
		else
			snprintf(why, sizeof(why), "srrd went away: %s",
				 strerror((int)-n));
		*reply = local_error(command, (int)-n, why);
		free(buf);
		return (int)n;
	}
	*reply = reply_parse(command, buf, n);
	free(buf);
	return 0;
}

/* The first buffer: $SRRCTL_IPC_BUF (tests), else SRRD_IPC_BUF. */
static size_t
first_bufsize(bool write)
{
	const char *env = getenv("SRRCTL_IPC_BUF");
	long v = env ? strtol(env, NULL, 10) : 0;

	if (write)
		return SRRD_IPC_BUF_MAX;
	return v > 0 && v <= SRRD_IPC_BUF_MAX ? (size_t)v : SRRD_IPC_BUF;
}

/* One exchange on a new connection of BUFSIZE bytes. */
static int
ask_once(const struct srrctl_opts *o, size_t bufsize, const char *command,
	 struct json_object *args, int64_t timeout_ms,
	 struct json_object **reply)
{
	qb_ipcc_connection_t *c;
	char why[512];
	int err, rc;

	if ((c = connect_srrd(o, bufsize, why, sizeof(why), &err)) == NULL) {
		*reply = local_error(command, err, why);
		return SRRCTL_EXIT_UNREACHABLE;
	}
	rc = exchange(c, bufsize, command, args, timeout_ms, reply);
	qb_ipcc_disconnect(c);
	if (rc < 0)
		return SRRCTL_EXIT_UNREACHABLE;
	return jbool(*reply, "ok") ? 0 : SRRCTL_EXIT_REFUSED;
}

int
srrctl_ask(const struct srrctl_opts *o, const char *command,
	   struct json_object *args, bool write, int64_t timeout_ms,
	   struct json_object **reply)
{
	size_t bufsize = first_bufsize(write);
	int64_t need;
	int rc;

	rc = ask_once(o, bufsize, command, args, timeout_ms, reply);
	need = jint(*reply, "size");
	/* A read too large for the first connection: once more, with room. */
	if (rc == SRRCTL_EXIT_REFUSED && !write &&
	    strcmp(jstr(*reply, "errno"), "EMSGSIZE") == 0 &&
	    need > (int64_t)bufsize && need < SRRD_IPC_BUF_MAX - 4096) {
		json_object_put(*reply);
		bufsize = (size_t)need + (size_t)need / 4 + 4096;
		rc = ask_once(o, bufsize, command, args, timeout_ms, reply);
	}
	return rc;
}
