/*
 * srrd_ipc_write.c: an operator's write request, from its JSON arguments to
 * an srrd_request. Every name and reason is checked here, before srrd sees
 * it: a wrong one is refused with the reason and changes nothing.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent/srrd_ipc.h"

static const struct {
	const char *name;
	enum srrd_req_kind kind;
} writes[] = {
	{ "confirm", SRRD_REQ_CONFIRM }, { "pause", SRRD_REQ_PAUSE },
	{ "resume", SRRD_REQ_RESUME }, { "replay", SRRD_REQ_REPLAY },
	{ "abandon", SRRD_REQ_ABANDON }, { "restart", SRRD_REQ_RESTART },
	{ "validate", SRRD_REQ_VALIDATE },
};

static int
write_kind(const char *command)
{
	size_t i;

	for (i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		if (strcmp(writes[i].name, command) == 0)
			return (int)writes[i].kind;
	return -1;
}

bool
srrd_ipc_is_write(const char *command)
{
	return write_kind(command) >= 0;
}

/* The string argument KEY of ARGS into OUT: -ENOENT when absent, -EINVAL
 * (reason in ERR) when not a string, too long or holding a control
 * character. */
static int
arg_text(struct json_object *args, const char *key, char *out, size_t len,
	 char *err, size_t errlen)
{
	struct json_object *v;
	const unsigned char *p;
	const char *s;

	out[0] = '\0';
	if (args == NULL || !json_object_object_get_ex(args, key, &v))
		return -ENOENT;
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "%s: not a string", key);
		return -EINVAL;
	}
	s = json_object_get_string(v);
	if (strlen(s) >= len) {
		snprintf(err, errlen, "%s: too long (at most %zu bytes)", key,
			 len - 1);
		return -EINVAL;
	}
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "%s: holds a control character",
				 key);
			return -EINVAL;
		}
	}
	snprintf(out, len, "%s", s);
	return 0;
}

static int
arg_needed(struct json_object *args, const char *key, char *out, size_t len,
	   char *err, size_t errlen)
{
	int rc = arg_text(args, key, out, len, err, errlen);

	if (rc == -ENOENT || (rc == 0 && out[0] == '\0')) {
		snprintf(err, errlen, "%s is required", key);
		return -EINVAL;
	}
	return rc;
}

static int
sys_known(const struct srrd_conf *c, const char *name)
{
	int i;

	for (i = 0; c != NULL && i < c->nsys; i++)
		if (strcmp(c->sys[i].name, name) == 0)
			return i;
	return -1;
}

/* Finds partition NAME ("SYSTEM/NAME" or a name unique among the protected
 * systems' partitions) and fills REQ's sys and lpar. */
static int
lpar_find(struct srrd *d, const char *name, struct srrd_request *req,
	  char *err, size_t errlen)
{
	struct srrd_lpar_view *v = NULL;
	const char *slash = strchr(name, '/');
	size_t n = 0, i, hits = 0;
	int rc;

	if ((rc = srrd_view_lpars(d, NULL, &v, &n)) < 0) {
		snprintf(err, errlen, "cannot list partitions: %s",
			 strerror(-rc));
		return rc;
	}
	for (i = 0; i < n; i++) {
		bool same = slash != NULL ?
			strncmp(v[i].sys, name, (size_t)(slash - name)) == 0 &&
			v[i].sys[slash - name] == '\0' &&
			strcmp(v[i].name, slash + 1) == 0 :
			strcmp(v[i].name, name) == 0;

		if (!same)
			continue;
		if (hits++ > 0) {
			snprintf(err, errlen, "partition %s is on %s and %s: "
				 "name it SYSTEM/PARTITION", name, req->sys,
				 v[i].sys);
			free(v);
			return -EINVAL;
		}
		snprintf(req->sys, sizeof(req->sys), "%s", v[i].sys);
		snprintf(req->lpar, sizeof(req->lpar), "%s", v[i].name);
	}
	free(v);
	if (hits == 0) {
		snprintf(err, errlen, "no partition %s on a protected system",
			 name);
		return -ENOENT;
	}
	return 0;
}

static int
parse_op(struct json_object *args, bool needed, struct srrd_request *req,
	 char *err, size_t errlen)
{
	char id[64];
	int rc = arg_text(args, "id", id, sizeof(id), err, errlen);

	if (rc == -ENOENT && !needed)
		return 0;
	if (rc == -ENOENT) {
		snprintf(err, errlen, "id is required");
		return -EINVAL;
	}
	if (rc < 0)
		return rc;
	if (srr_op_id_parse(id, &req->op) < 0) {
		snprintf(err, errlen, "id '%s' is not an operation id "
			 "(EPOCH.NODE.SEQ)", id);
		return -EINVAL;
	}
	return 0;
}

/* validate: "all", a system, or a partition. */
static int
parse_target(struct srrd *d, struct json_object *args,
	     struct srrd_request *req, char *err, size_t errlen)
{
	struct json_object *v;
	char target[2 * SRR_NAME_LEN];
	int rc;

	if (args != NULL && json_object_object_get_ex(args, "all", &v) &&
	    json_object_get_boolean(v)) {
		req->all = true;
		return 0;
	}
	rc = arg_needed(args, "target", target, sizeof(target), err, errlen);
	if (rc < 0) {
		snprintf(err, errlen, "name a partition or a system, or all");
		return rc;
	}
	if (sys_known(srrd_config(d), target) >= 0) {
		snprintf(req->sys, sizeof(req->sys), "%.*s",
			 (int)sizeof(req->sys) - 1, target);
		return 0;
	}
	return lpar_find(d, target, req, err, errlen);
}

static int
parse_kind(struct srrd *d, struct json_object *args,
	   struct srrd_request *req, char *err, size_t errlen)
{
	char name[2 * SRR_NAME_LEN];
	int rc;

	switch (req->kind) {
	case SRRD_REQ_CONFIRM:
		rc = arg_needed(args, "system", req->sys, sizeof(req->sys),
				err, errlen);
		if (rc == 0 && sys_known(srrd_config(d), req->sys) < 0) {
			snprintf(err, errlen, "no system %s in the "
				 "configuration", req->sys);
			return -ENOENT;
		}
		return rc < 0 ? rc : arg_needed(args, "reason", req->reason,
						sizeof(req->reason), err, errlen);
	case SRRD_REQ_PAUSE:
		return arg_needed(args, "reason", req->reason,
				  sizeof(req->reason), err, errlen);
	case SRRD_REQ_RESUME:
		rc = arg_text(args, "reason", req->reason, sizeof(req->reason),
			      err, errlen);
		return rc == -ENOENT ? 0 : rc;
	case SRRD_REQ_REPLAY:
		return parse_op(args, false, req, err, errlen);
	case SRRD_REQ_ABANDON:
		rc = parse_op(args, true, req, err, errlen);
		return rc < 0 ? rc : arg_needed(args, "reason", req->reason,
						sizeof(req->reason), err, errlen);
	case SRRD_REQ_RESTART:
		rc = arg_needed(args, "lpar", name, sizeof(name), err, errlen);
		return rc < 0 ? rc : lpar_find(d, name, req, err, errlen);
	case SRRD_REQ_VALIDATE:
		return parse_target(d, args, req, err, errlen);
	default:
		snprintf(err, errlen, "not a write");
		return -EINVAL;
	}
}

int
srrd_ipc_parse_request(struct srrd *d, const char *command,
		       struct json_object *args, struct srrd_request *req,
		       char *err, size_t errlen)
{
	int kind = write_kind(command);

	memset(req, 0, sizeof(*req));
	if (kind < 0) {
		snprintf(err, errlen, "unknown command '%.64s'", command);
		return -EOPNOTSUPP;
	}
	req->kind = (enum srrd_req_kind)kind;
	return parse_kind(d, args, req, err, errlen);
}
