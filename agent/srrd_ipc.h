/*
 * srrd_ipc.h: the IPC protocol between srrd and srrctl (private to agent/;
 * doc/srrctl.md describes it for people).
 *
 * libqb IPC (shared memory rings, abstract socket SRRD_IPC_NAME). A request
 * is a qb_ipc_request_header (id SRRD_IPC_MSG_REQUEST) followed by one JSON
 * object and its NUL: {"version": 1, "command": "status", "args": {...}}.
 * The reply is a qb_ipc_response_header (id SRRD_IPC_MSG_REPLY, error 0 or
 * a negative errno) followed by one JSON object and its NUL:
 *   {"version":1, "command":..., "ok":true, "answered_by":N, "synced":B,
 *    "data":{...}}
 *   {"version":1, "command":..., "ok":false, "answered_by":N, "synced":B,
 *    "errno":"EPERM", "error":"text"}
 * One request at a time per connection; a write's reply may come much later
 * (it waits for the acting leader), on the same response channel.
 *
 * Error convention: 0 on success, a negative errno on failure.
 */
#ifndef SRR_SRRD_IPC_H
#define SRR_SRRD_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <qb/qblog.h>

#include "agent/srrd.h"

/* every IPC and metrics log line carries the tag "ipc" */
#include "include/srr_log.h"

#define SRRD_IPC_VERSION	1
#define SRRD_IPC_MSG_REQUEST	1
#define SRRD_IPC_MSG_REPLY	1
/* The request cap: a request names a command and a few words. */
#define SRRD_IPC_REQ_MAX	(64 * 1024)
/* The connection's buffer is the cap on a reply, and the client picks it:
 * SRRD_IPC_BUF first (setting up a connection's three shared-memory rings
 * costs in proportion to their size, and most replies are small), then,
 * for a read whose reply did not fit (-EMSGSIZE, with the reply's "size"),
 * once more with room for it, up to SRRD_IPC_BUF_MAX; writes ask for
 * SRRD_IPC_BUF_MAX (they are not repeated). 2000 partitions' lpars reply
 * is about 700 KiB. */
#define SRRD_IPC_BUF		(256 * 1024)
#define SRRD_IPC_BUF_MAX	(8 * 1024 * 1024)
/* History rows per reply, at most (the reply says "truncated"). */
#define SRRD_IPC_HISTORY_MAX	5000
/* The environment variable that overrides SRRD_IPC_NAME for srrd and
 * srrctl alike (tests run several servers on one host). */
#define SRRD_IPC_NAME_ENV	"SRRHA_IPC_NAME"

/* The service name: $SRRHA_IPC_NAME or SRRD_IPC_NAME. */
const char *srrd_ipc_name(void);

/* srrd_ipc.c: the loop srrd_ipc_start() was given (NULL before): the
 * scrape endpoint runs on it too, so srrd starts the IPC first. */
qb_loop_t *srrd_ipc_loop(void);

/* srrd_ipc_read.c: the reads, answered from this agent's state. Each
 * fills DATA (a new JSON object) or returns a negative errno with the
 * reason in ERR. ARGS is the request's "args" (may be NULL). */
struct json_object;
int srrd_ipc_status(struct srrd *d, struct json_object **data,
		    char *err, size_t errlen);
int srrd_ipc_lpars(struct srrd *d, struct json_object *args,
		   struct json_object **data, char *err, size_t errlen);
int srrd_ipc_debts(struct srrd *d, struct json_object **data,
		   char *err, size_t errlen);
int srrd_ipc_history(struct srrd *d, struct json_object *args,
		     struct json_object **data, char *err, size_t errlen);
int srrd_ipc_metrics(struct srrd *d, struct json_object *args,
		     struct json_object **data, char *err, size_t errlen);

/* srrd_ipc.c: a request as it came off the ring (header, then one
 * NUL-terminated JSON object with version, command and args): the object,
 * its command in COMMAND (valid while the object is), or NULL with a
 * negative errno in RC and the reason in ERR. The header and the body are
 * checked before a byte of JSON is read. */
struct json_object *srrd_ipc_request_decode(const void *data, size_t size,
					    const char **command, int *rc,
					    char *err, size_t errlen);
/* A read's answer: status, lpars, debts, history, metrics. */
int srrd_ipc_read_answer(struct srrd *d, const char *command,
			 struct json_object *args, struct json_object **data,
			 char *err, size_t errlen);

/* srrd_ipc_write.c: a write's arguments as an srrd_request; -EINVAL with
 * the reason in ERR. */
int srrd_ipc_parse_request(struct srrd *d, const char *command,
			   struct json_object *args, struct srrd_request *req,
			   char *err, size_t errlen);
/* True if COMMAND is a write (goes through srrd_request). */
bool srrd_ipc_is_write(const char *command);

/* srrd_ipc_read.c: the manual cleanup of debt R, as typed on the HMC
 * (CMD) and from an admin host over SSH (SSH, "" when no HMC is
 * configured). */
int srrd_ipc_cleanup_cmd(const struct srrd_conf *c,
			 const struct srr_record *r,
			 char *cmd, size_t cmdlen, char *ssh, size_t sshlen);

/* srrd_metrics.c: OPENMETRICS selects the OpenMetrics 1.0 text (counter
 * families named without _total, "# EOF"), else the Prometheus text
 * format 0.0.4 that node_exporter's textfile collector and promtool read. */
int srrd_metrics_format(const struct srrd *d, bool openmetrics,
			char **out, size_t *len);

/* Wall-clock time now, in ms since the epoch (replies' now_ms, ages). */
int64_t srrd_ipc_wall_ms(void);

/* Text of an errno for the protocol ("EPERM"), and back (0: unknown). */
const char *srrd_ipc_errno_name(int err);

/* srrctl's exit codes (stable, srrctl(8)). */
enum srrctl_exit {
	SRRCTL_EXIT_OK = 0,
	SRRCTL_EXIT_PENDING = 1,	/* debts: some pending */
	SRRCTL_EXIT_OLD = 2,		/* debts: some older than --older-than */
	SRRCTL_EXIT_UNREACHABLE = 3,	/* srrd not running, refused us, timed out */
	SRRCTL_EXIT_REFUSED = 4,	/* srrd answered with an error */
	SRRCTL_EXIT_DECLINED = 5,	/* the operator answered no */
	SRRCTL_EXIT_USAGE = 64,		/* a wrong argument (sysexits EX_USAGE) */
};

#endif /* SRR_SRRD_IPC_H */
