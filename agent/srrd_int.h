/*
 * srrd_int.h: srrd's private state and its files' prototypes.
 *
 * One qb_loop thread owns every field of struct srrd. Worker threads
 * (srrd_work.c) each own one hmc_conn and touch only the job they took;
 * their results come back to the loop through a pipe. See doc/srrd.md.
 *
 * Error convention: 0 on success, a negative errno on failure.
 */
#ifndef SRR_SRRD_INT_H
#define SRR_SRRD_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <qb/qblog.h>
#include <qb/qbloop.h>

#include "agent/srrd.h"
#include "cluster/cluster.h"

#include "include/srr_log.h"

#define SRRD_MAX_SESSIONS	16	/* executor sessions per HMC */
#define SRRD_EVQ_MAX		65536	/* events waiting for the engine */
#define SRRD_MAX_CHILDREN	64	/* fence + alert processes at once */
#define SRRD_ALERTQ_MAX		256	/* alerts waiting for a free slot */
#define SRRD_REQ_TIMEOUT_MS	10000	/* a forwarded request's bound */
#define SRRD_MAX_REQS		256	/* pending operator requests */
#define SRRD_STOP_WAIT_MS	5000	/* for HMC commands running at a stop */

struct srrd_job;
struct srrd_pool;

/* ------------------------------------------------------- srrd_work.c */

/* A unit of HMC work. RUN happens on a worker thread with its connection;
 * DONE on the loop. Jobs are embedded first in bigger structs. A job of a
 * channel pool (the executor's) is one command, CMDLINE, run as one of up
 * to HMC_CHANNELS_MAX channels of the worker's session; RESULT gets its
 * outcome on the worker thread. */
struct srrd_job {
	struct srrd_job *next;
	void (*run)(struct srrd_job *j, struct hmc_conn *conn);
	const char *cmdline;
	void (*result)(struct srrd_job *j, int rc, struct hmc_result *res,
		       const char *err);
	void (*done)(struct srrd *d, struct srrd_job *j);
	int hmc;
	int64_t started_ms;		/* mono, when queued */
};

struct srrd_pool {
	struct srrd *d;
	int hmc;
	const char *what;		/* "poll" or "exec" */
	int channels;			/* per session; 0: RUN jobs */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct srrd_job *head, *tail;
	bool stop;
	int nthreads;
	pthread_t th[SRRD_MAX_SESSIONS];
	struct hmc_conn *conn[SRRD_MAX_SESSIONS];
	unsigned connects[SRRD_MAX_SESSIONS];	/* atomics: read by views */
	int idle;			/* workers waiting for a job (mu) */
	bool joined[SRRD_MAX_SESSIONS];
};

int srrd_work_init(struct srrd *d);
/* CHANNELS: 0 for a pool of RUN jobs, else channels per session. */
int srrd_pool_start(struct srrd *d, struct srrd_pool *p, int hmc,
		    const char *what, int nthreads, int channels);
void srrd_pool_stop(struct srrd_pool *p);
/* Joins the pool's workers until DEADLINE (srrd_mono_ms()); returns how
 * many are still inside a command. Sessions of joined workers are freed. */
int srrd_pool_join(struct srrd_pool *p, int64_t deadline);
/* Runs DONE of the jobs the workers handed back since the loop stopped. */
void srrd_work_drain(struct srrd *d);
void srrd_pool_submit(struct srrd_pool *p, struct srrd_job *j);
unsigned srrd_pool_connects(const struct srrd_pool *p);
/* Runs one command; a transport error leaves exit_status -1 and its
 * message in RES->err. Returns the transport rc. */
int srrd_run(struct hmc_conn *conn, const char *cmd, struct hmc_result *res);

/* ------------------------------------------------------- srrd_core.c */

struct srrd_evq {
	struct srr_event *v;
	size_t head, n, cap;
	bool scheduled;
};

struct srrd_hmc {
	struct srrd_pool poll, exec;
	bool reachable;
	bool ever;
	bool alerted_down;		/* an outage alert is out */
	int64_t last_ok_ms;		/* mono */
	char last_error[SRR_MSG_LEN];
	bool poll_busy;
	bool poll_late;			/* its lateness is logged, once */
	int64_t poll_started_ms;
	int fails;			/* polls without an answer in a row */
	int64_t fail_since_ms;
	bool silent;			/* told to the engine as seeing nothing */
	qb_loop_timer_handle timer;
	enum hmc_sys_state st[SRR_MAX_SYS];	/* this HMC's last poll */
	bool visible[SRR_MAX_SYS];
	bool have_poll;
	int64_t inv_ms[SRR_MAX_SYS];	/* last inventory/capacity, mono */
	bool inv_wanted[SRR_MAX_SYS];	/* on change: next poll takes it */
	unsigned channels;		/* executor commands running */
};

struct srrd_sys {
	enum hmc_sys_state state;	/* the worst any HMC reports */
	int64_t since_wall;
	size_t ninv;
	struct srr_lpar_obs *inv;	/* last inventory taken while Operating */
	int64_t inv_wall;
	int inv_hmc;
	bool have_cap;
	uint32_t free_mem, free_proc;
	bool fence_busy;
	srr_tag fence_tag;		/* the engine's latest fence request */
};

struct srrd_vres {
	int sys;
	char lpar[SRR_NAME_LEN];
	int rc;				/* -2 never, -1 unknown, 0 ok, >0 */
	char code[HMC_CODE_LEN];
	char msg[SRR_MSG_LEN];
	int64_t at_wall;
};

struct srrd_exec_job;
struct srrd_child;
struct srrd_req;

struct srrd {
	struct srrd_conf conf;
	char conf_path[PATH_MAX];
	uint8_t digest[SRRD_DIGEST_LEN];
	bool foreground;
	qb_loop_t *loop;
	int lock_fd;
	struct srr_store *store;
	struct srr_ledger *ledger;
	struct srr_engine *engine;
	struct srr_lpar_conf *engine_lpars;
	struct cluster *cl;
	uint32_t nodeid;
	char nodename[64];

	struct srrd_evq evq;
	bool in_engine;
	bool stopping;
	/* the engine's proposals (REPLICATE) since the last flush: sent as
	 * one buffer when the queue of events is drained, so that a wave of
	 * N records is one message and one fsync on every agent */
	struct srr_record *repl;
	size_t nrepl, repl_cap;

	/* cluster view, as last fed to the engine */
	struct srr_ev_membership mem;
	bool have_mem;
	bool connected;
	bool mismatch;			/* a digest mismatch in this epoch */
	uint64_t mismatch_epoch;
	uint64_t synced_epoch;
	size_t nmembers;
	uint32_t members[SRRD_MAX_MEMBERS];

	qb_loop_timer_handle tick_timer;

	struct srrd_hmc hmc[SRR_MAX_HMC];
	struct srrd_sys sys[SRR_MAX_SYS];
	struct srrd_vres *vres;		/* validate results, by sys/lpar */
	size_t nvres;

	int work_pipe[2];
	struct srrd_exec_job *inflight;	/* list of commands and queries */

	struct srrd_child *children;
	unsigned nchildren;
	uint64_t alert_seq;
	struct srrd_alert_item *alertq;
	size_t nalertq;

	struct srrd_req *reqs;		/* operator requests pending */
	uint32_t req_seq;


	struct srrd_counters counters;
	char last_refusal[SRRD_GATE_COUNT][SRR_ALERT_LEN];

	struct srrd_ipc *ipc;
	struct srrd_http *http;
};

int64_t srrd_mono_ms(void);
int64_t srrd_wall_ms(void);
int srrd_start(struct srrd *d);
/* Makes the engine once the cluster gave our nodeid. */
int srrd_engine_ready(struct srrd *d);
/* Returns how many HMC sessions were still inside a command after
 * SRRD_STOP_WAIT_MS: then the process must leave with _exit(), as those
 * threads still use libssh and their sessions. */
int srrd_stop(struct srrd *d);
/* Queue an event for the engine; it is stamped and fed from a loop job. */
void srrd_post(struct srrd *d, const struct srr_event *ev);
/* Feed EV now (queued events first); the actions are carried out.
 * Returns the engine's rc; ACTS/N (may be NULL) get a copy of the
 * actions, malloc'd. */
int srrd_feed(struct srrd *d, const struct srr_event *ev,
	      struct srr_action **acts, size_t *n);
void srrd_drain(struct srrd *d);

/* ------------------------------------------------------ srrd_state.c */

int srrd_lock(struct srrd *d);
int srrd_open_store(struct srrd *d);
int srrd_inv_cache_load(struct srrd *d);
int srrd_inv_cache_save(struct srrd *d);

/* ---------------------------------------------------- srrd_cluster.c */

int srrd_cluster_start(struct srrd *d);
void srrd_cluster_stop(struct srrd *d);
/* Replicates ledger records (REPLICATE actions) as one buffer each
 * SRRD_REPL_BATCH records. */
int srrd_cluster_replicate(struct srrd *d, const struct srr_record *recs,
			   size_t n);
/* at most CLUSTER_RECORD_MAX bytes once encoded (about 1.1 kB a record) */
#define SRRD_REPL_BATCH	128u
/* Operator messages between agents: tag, then the body. */
int srrd_cluster_send_msg(struct srrd *d, uint8_t tag, const void *body,
			  size_t len);
bool srrd_is_leader(const struct srrd *d);
bool srrd_may_act(const struct srrd *d);

/* ------------------------------------------------------- srrd_poll.c */

int srrd_poll_start(struct srrd *d);
void srrd_poll_reschedule(struct srrd *d);

/* ------------------------------------------------------- srrd_exec.c */

struct srrd_exec_job {
	struct srrd_job job;
	struct srrd_exec_job *next_inflight;
	bool query;
	bool validate_req;		/* an operator's validate */
	const struct srr_action *act_copy;
	struct srr_action act;
	int64_t started_ms;
	int64_t timeout_ms;
	/* query: commands, and which must answer */
	int ncmd;
	char cmd[1 + SRR_MAX_DEST][HMC_CMD_MAX];
	int cmd_sys[1 + SRR_MAX_DEST];
	bool must[1 + SRR_MAX_DEST];
	char lpar[SRR_NAME_LEN];
	/* results */
	int rc;
	struct srr_ev_cmd_result res;
	struct srr_ev_query_result qres;
	void (*cb)(struct srrd *d, struct srrd_exec_job *x, void *ctx);
	void *ctx;
};

int srrd_exec_action(struct srrd *d, const struct srr_action *act);
/* rrstartlpar -o validate of LPAR from SRC to DST; CB on completion. */
int srrd_exec_validate(struct srrd *d, int src, int dst, const char *lpar,
		       void (*cb)(struct srrd *, struct srrd_exec_job *, void *),
		       void *ctx);
int srrd_pick_hmc(const struct srrd *d, int sys);

/* ------------------------------------------------ srrd_child.c, fence, alert */

struct srrd_child {
	struct srrd_child *next;
	pid_t pid;
	int64_t deadline_ms;
	qb_loop_timer_handle timer;
	bool killed;
	void (*done)(struct srrd *d, struct srrd_child *c, int status,
		     bool timed_out);
	int sys;			/* fence */
	char what[SRRD_LABEL_LEN + 16];
};

int srrd_child_init(struct srrd *d);
/* Spawns ARGV with ENVP, writes INPUT (may be NULL) on its stdin. */
int srrd_child_spawn(struct srrd *d, struct srrd_child *c, char *const argv[],
		     char *const envp[], const char *input, int64_t timeout_ms);
void srrd_child_stop_all(struct srrd *d);

int srrd_fence_run(struct srrd *d, int sys, srr_tag tag);

enum srrd_alert_kind {
	SRRD_AK_NODE,			/* cluster, quorum, leader, HMC */
	SRRD_AK_FENCING,
	SRRD_AK_RESOURCE,		/* restart/cleanup of a partition */
};
struct srrd_alert_item;
void srrd_alert(struct srrd *d, enum srrd_alert_kind kind, const char *event,
		const char *lpar, const char *task, int rc, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
void srrd_alert_action(struct srrd *d, const struct srr_action *a);

/* ------------------------------------------------- srrd_req.c, view */

/* A forwarded request or its reply arrived from SENDER. */
void srrd_req_message(struct srrd *d, uint32_t sender, uint8_t tag,
		      const uint8_t *body, size_t len);
void srrd_req_leader_changed(struct srrd *d);
void srrd_req_stop(struct srrd *d);
int srrd_lpar_index(const struct srrd *d, int sys, const char *lpar);

#define SRRD_MSG_LEDGER		'L'
#define SRRD_MSG_REQ		'Q'
#define SRRD_MSG_REPLY		'A'

#endif /* SRR_SRRD_INT_H */
