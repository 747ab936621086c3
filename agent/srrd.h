/*
 * srrd.h: the daemon's state and control, as its IPC server
 * (srrd_ipc.c), its metrics (srrd_metrics.c) and srrctl see them.
 *
 * This is the one interface between srrd's core (srrd*.c: loop, cluster,
 * poller, executor, store) and the operator's side (IPC, srrctl, metrics).
 * Everything here runs on srrd's one qb_loop and never blocks.
 *
 * Reads are answered from this agent's own state and its replicated
 * ledger: every view says which agent answered and whether its epoch is
 * synced, so an operator can tell a stale answer. Writes (operator
 * requests) go to the acting leader: on a follower srrd forwards the
 * request through the cluster and the reply is the leader's answer.
 *
 * Error convention: 0 on success, a negative errno on failure.
 */
#ifndef SRR_SRRD_H
#define SRR_SRRD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <qb/qbloop.h>

#include "agent/engine.h"
#include "agent/ledger.h"
#include "agent/srrd_conf.h"
#include "agent/store.h"
#include "cluster/cluster.h"

/* The IPC service name (libqb: abstract socket "srrd"). */
#define SRRD_IPC_NAME		"srrd"
#define SRRD_MAX_MEMBERS	64
#define SRRD_USER_LEN		64

struct srrd;

/* ---------------------------------------------------------------- views */

struct srrd_cluster_view {
	uint32_t local_nodeid;
	bool connected;			/* corosync reachable */
	bool quorate;
	uint64_t epoch;
	bool synced;			/* this epoch's state sync is complete */
	uint32_t leader;		/* 0: none */
	bool acting_leader;		/* this agent may act (the whole
					 * cluster part of the gate) */
	bool config_agree;		/* every member runs our digest */
	size_t nmembers;
	uint32_t members[SRRD_MAX_MEMBERS];
	/* automatic mode */
	bool paused;
	char paused_by[SRRD_USER_LEN];
	char paused_why[SRR_MSG_LEN];
	struct srr_wall paused_since;
	int64_t stall_left_ms;		/* stall guard: 0 when none */
	/* peers' messages dropped by the cluster layer (a hostile or broken
	 * member of the CPG group, or a late one from an older epoch) */
	struct cluster_stats dropped;
};

struct srrd_hmc_view {
	char name[SRRD_LABEL_LEN];
	char host[SRRD_HOST_LEN];
	bool reachable;			/* the last poll got an answer */
	int64_t poll_age_ms;		/* since the last answer; -1: never */
	char last_error[SRR_MSG_LEN];	/* "" or the last transport/HMC error */
	unsigned handshakes;		/* SSH connects since start */
	unsigned channels;		/* commands running now */
};

struct srrd_sys_view {
	char name[SRR_NAME_LEN];
	bool protect;			/* a watched source */
	enum hmc_sys_state state;	/* the worst any HMC reports */
	enum hmc_sys_class cls;
	struct srr_wall since;		/* in this state since (0: unknown) */
	int confirm_polls;		/* definite-down polls seen so far */
	int confirm_k;			/* of K */
	int64_t confirm_span_ms;	/* over so many ms */
	int64_t confirm_t_ms;		/* of T */
	bool confirmed_down;		/* the gate's source-down part holds */
	char confirmed_by[SRR_MSG_LEN];	/* "polls", "fence", "operator NAME" */
	unsigned lpars_protected;
	unsigned lpars_ready;
	unsigned lpars_not_ready;
};

struct srrd_lpar_view {
	char name[SRR_NAME_LEN];
	char sys[SRR_NAME_LEN];
	uint32_t id;
	enum hmc_lpar_state state;
	bool srr_capable;
	bool vios;
	bool excluded;
	bool protect;			/* would be restarted if SYS died */
	uint32_t priority;
	char dest[SRR_NAME_LEN];	/* pinned or the one placement picks */
	bool pinned;
	int validate_rc;		/* -2 never run, -1 unknown, 0 ok, >0 */
	char validate_code[HMC_CODE_LEN];
	char validate_msg[SRR_MSG_LEN];
	struct srr_wall validate_at;
	char why[SRR_ALERT_LEN];	/* in words: protected or not, and why */
};

struct srrd_inflight_view {
	struct srr_op_id op;
	enum hmc_rr_op cmd;		/* or -1 for a query */
	char lpar[SRR_NAME_LEN];
	char src[SRR_NAME_LEN];
	char dst[SRR_NAME_LEN];
	uint32_t attempt;
	int64_t elapsed_ms;
	int64_t timeout_ms;
};

/* Parts of the gate, as engine_gate.c names them, for refusal counters. */
enum srrd_gate_part {
	SRRD_GATE_LEADER = 0,
	SRRD_GATE_SYNC,
	SRRD_GATE_QUORUM,
	SRRD_GATE_CONFIG,
	SRRD_GATE_PAUSED,
	SRRD_GATE_STALL,
	SRRD_GATE_SOURCE,
	SRRD_GATE_ELIGIBLE,
	SRRD_GATE_RESTARTED,
	SRRD_GATE_INTENT,
	SRRD_GATE_PLACEMENT,
	SRRD_GATE_COUNT
};
const char *srrd_gate_part_name(enum srrd_gate_part p);

struct srrd_counters {
	uint64_t restarts_ok, restarts_failed, restarts_unknown;
	uint64_t cleanups_ok, cleanups_failed;
	uint64_t validates_ok, validates_failed;
	uint64_t refusals[SRRD_GATE_COUNT];
	uint64_t alerts_run, alerts_failed;
};

void srrd_view_cluster(const struct srrd *d, struct srrd_cluster_view *v);
/* These return the count and fill at most MAX entries. */
size_t srrd_view_hmcs(const struct srrd *d, struct srrd_hmc_view *v,
		      size_t max);
size_t srrd_view_systems(const struct srrd *d, struct srrd_sys_view *v,
			 size_t max);
/* Partitions of SYS (NULL: of every protected system); *OUT malloc'd. */
int srrd_view_lpars(const struct srrd *d, const char *sys,
		    struct srrd_lpar_view **out, size_t *n);
int srrd_view_inflight(const struct srrd *d,
		       struct srrd_inflight_view **out, size_t *n);
void srrd_view_counters(const struct srrd *d, struct srrd_counters *c);

/* The replicated ledger (debts are its records) and the store behind it
 * (history rows). Read only. */
const struct srr_ledger *srrd_ledger(const struct srrd *d);
struct srr_store *srrd_store(const struct srrd *d);
const struct srrd_conf *srrd_config(const struct srrd *d);

/* ------------------------------------------------------------- control */

enum srrd_req_kind {
	SRRD_REQ_CONFIRM,	/* sys, reason */
	SRRD_REQ_PAUSE,		/* reason */
	SRRD_REQ_RESUME,
	SRRD_REQ_REPLAY,	/* op (all when op is zero) */
	SRRD_REQ_ABANDON,	/* op, reason */
	SRRD_REQ_RESTART,	/* sys, lpar */
	SRRD_REQ_VALIDATE,	/* lpar (sys/lpar), sys (all of it) or all */
	SRRD_REQ_KIND_COUNT
};

struct srrd_request {
	enum srrd_req_kind kind;
	char sys[SRR_NAME_LEN];
	char lpar[SRR_NAME_LEN];
	struct srr_op_id op;
	bool all;
	char user[SRRD_USER_LEN];	/* from the IPC peer's credentials */
	char reason[SRR_MSG_LEN];
};

/*
 * The answer to a request, called exactly once, on the loop, unless the
 * request was cancelled first. RC: 0 done; -EAGAIN no acting leader
 * reachable; -EPERM refused by the gate (TEXT names the part); -ENOENT
 * unknown system, partition or operation; -ETIMEDOUT the leader did not
 * answer within the bound; -EINVAL a bad request. TEXT is one or more
 * lines for the operator (validate: one line per partition). ANSWERED_BY is
 * the nodeid of the agent that decided.
 */
typedef void (*srrd_reply_fn)(void *ctx, int rc, uint32_t answered_by,
			      const char *text);

/* Queue REQ; the reply comes later through FN. The user and reason are
 * recorded in the ledger's history of every operation it changes. */
int srrd_request(struct srrd *d, const struct srrd_request *req,
		 srrd_reply_fn fn, void *ctx);
/* Forget every pending request with this CTX (its client went away). */
void srrd_request_cancel(struct srrd *d, void *ctx);

/* --------------------------------------------- the IPC server's side */

struct srrd_ipc;
/* Starts the libqb IPC server on LOOP; only root and the configured group
 * may connect. */
int srrd_ipc_start(struct srrd *d, qb_loop_t *loop, struct srrd_ipc **out);
void srrd_ipc_stop(struct srrd_ipc *ipc);

/* srrd_metrics.c: the OpenMetrics text of this agent's state; *OUT
 * malloc'd, NUL-terminated. The optional HTTP endpoint serves the same,
 * bound to 127.0.0.1, on the loop srrd_ipc_start() was given: start the
 * IPC first (-EINVAL otherwise). */
int srrd_metrics_text(const struct srrd *d, char **out, size_t *len);
struct srrd_http;
int srrd_http_start(struct srrd *d, uint16_t port, struct srrd_http **out);
void srrd_http_stop(struct srrd_http *h);

#endif /* SRR_SRRD_H */
