/*
 * engine.h: srrha's decisions as a pure state machine.
 *
 * Events in (srr_engine_event), actions out (srr_engine_actions). No I/O,
 * no clock, no global: the daemon, the unit tests and the deterministic
 * simulator (tests/unit/engine_dsim.c) drive the same code. Time comes in
 * with tick events as monotonic milliseconds, in a type of its own.
 *
 * Restarts pass the whole gate of DESIGN.md right before the command is
 * emitted (engine_gate.c); every refusal is logged and raised as an alert
 * naming the part of the gate that failed.
 *
 * Error convention: 0 on success, a negative errno on failure. Events with
 * bad fields (an unknown system index, an over-long name) are refused with
 * -EINVAL and change nothing.
 */
#ifndef SRR_ENGINE_H
#define SRR_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hmc/hmc.h"
#include "agent/ledger.h"

struct srr_mono {
	int64_t ms;
};

#define SRR_MAX_SYS	64
#define SRR_MAX_HMC	4
#define SRR_MAX_DEST	8
#define SRR_MAX_LPARS	4096	/* per system inventory */
#define SRR_ALERT_LEN	320

struct srr_sys_conf {
	char name[SRR_NAME_LEN];
	int ndest;
	int dest[SRR_MAX_DEST];		/* indices into systems */
	bool fence;			/* a fence device can power it off */
};

struct srr_lpar_conf {
	char name[SRR_NAME_LEN];
	uint32_t priority;		/* 1 first; 0: default */
	bool excluded;
	bool pinned;			/* restarted on PIN only */
	int pin;			/* system index, when pinned */
};

struct srr_engine_conf {
	uint32_t nodeid;
	int nhmc;
	int nsys;
	struct srr_sys_conf sys[SRR_MAX_SYS];
	size_t nlpar;
	const struct srr_lpar_conf *lpar;	/* copied */
	int64_t poll_ms;		/* 0: 5000 */
	int confirm_k;			/* 0: 3 */
	int64_t confirm_t_ms;		/* 0: 15000 */
	/* How long an operator's confirmation or a fence's success counts for
	 * an ambiguous source (it says nothing about a later power-on no HMC
	 * could see); a fence is run again after it. 0: 300000 */
	int64_t confirm_ttl_ms;
	uint32_t down_mask;		/* bits of hmc_sys_state; 0: default */
	uint32_t default_priority;	/* 0: 3 */
	int64_t tier_timeout_ms;	/* 0: 300000 */
	int max_per_source;		/* 0: 8 */
	int max_per_dest;		/* 0: 8 */
	bool validate_first;
	int retry_max;			/* 0: 3 */
	int64_t backoff_ms;		/* 0: 10000, doubled per attempt */
	int64_t backoff_max_ms;		/* 0: 300000 */
	/* A command with no result after this long has an unknown outcome
	 * (as an exit status of -1); a late result is then ignored (its tag
	 * is no longer the outstanding one). 0: 1800000 */
	int64_t cmd_timeout_ms;
	/* A query with no answer after this long is asked again. 0: 120000 */
	int64_t query_timeout_ms;
};

/* ---------------------------------------------------------------- events */

enum srr_event_type {
	SRR_EV_TICK,
	SRR_EV_MEMBERSHIP,
	SRR_EV_SYNCED,
	SRR_EV_POLL,		/* system states seen by one HMC */
	SRR_EV_INVENTORY,	/* partitions of one system, by one HMC */
	SRR_EV_CAPACITY,
	SRR_EV_RECORD,		/* the ledger merged (and stored) a record */
	SRR_EV_CMD_RESULT,
	SRR_EV_QUERY_RESULT,
	SRR_EV_FENCE_RESULT,
	SRR_EV_OPERATOR,
};

struct srr_ev_membership {
	uint64_t epoch;
	uint32_t leader;
	bool quorate;
	bool config_agree;		/* every member runs our config digest */
	int members;
};

struct srr_ev_poll {
	int hmc;
	int nsys;			/* states for systems 0..nsys-1 */
	enum hmc_sys_state state[SRR_MAX_SYS];
	bool visible[SRR_MAX_SYS];	/* the HMC manages (sees) the system */
	/* When the HMC was asked (0: when the event comes). The confirmation
	 * window's span is measured between the asking times of its polls: a
	 * poller asks every poll interval, and an answer's latency (tens of
	 * ms, varying) would otherwise make K polls fall just short of T. */
	struct srr_mono asked;
};

struct srr_lpar_obs {
	char name[SRR_NAME_LEN];
	uint32_t id;
	enum hmc_lpar_state state;
	bool srr_capable;
	bool vios;
	uint32_t mem_mb;
	uint32_t proc_centi;		/* processing units x 100 */
};

struct srr_ev_inventory {
	int hmc;
	int sys;
	enum hmc_sys_state sys_state;	/* the system's state when taken */
	size_t n;
	const struct srr_lpar_obs *lpars;	/* copied */
};

struct srr_ev_capacity {
	int sys;
	uint32_t free_mem_mb;
	uint32_t free_proc_centi;
};

enum srr_action_cmd {
	SRR_CMD_VALIDATE = HMC_RR_VALIDATE,
	SRR_CMD_RESTART = HMC_RR_RESTART,
	SRR_CMD_CLEANUP = HMC_RR_CLEANUP,
};

/* Every COMMAND and QUERY action carries a tag the engine chose; the
 * daemon echoes it, untouched, in the result, so a late answer to an older
 * command or query is never taken for the answer to a newer one. */
typedef uint64_t srr_tag;

struct srr_ev_cmd_result {
	struct srr_op_id op;
	srr_tag tag;			/* the action's tag, echoed */
	enum hmc_rr_op cmd;
	uint32_t attempt;
	int exit_status;		/* -1: no exit status (outcome unknown) */
	bool not_sent;			/* the daemon declined to send it (exit 1):
					 * a proven non-run, not an attempt that
					 * failed on the HMC */
	char code[HMC_CODE_LEN];
	char msg[SRR_MSG_LEN];
};

/* The answer to a query action: where the partition is now. */
struct srr_ev_query_result {
	struct srr_op_id op;
	srr_tag tag;			/* the action's tag, echoed */
	bool ok;			/* false: the query itself failed */
	bool src_present;		/* the source still lists it */
	enum hmc_rr_status src_rrs;
	int found_on;			/* destination index, or -1 */
	enum hmc_lpar_state dst_state;
};

struct srr_ev_fence_result {
	int sys;
	bool success;
	srr_tag tag;			/* the FENCE action's tag, echoed */
};

enum srr_operator_req {
	SRR_OPR_CONFIRM,		/* sys: confirmed down by a human */
	SRR_OPR_PAUSE,
	SRR_OPR_RESUME,
	SRR_OPR_REPLAY,			/* retry failed and held work now */
	SRR_OPR_ABANDON,		/* op, reason */
	SRR_OPR_RESTART,		/* sys, lpar: restart now (gate applies) */
};

struct srr_ev_operator {
	enum srr_operator_req req;
	int sys;
	struct srr_op_id op;
	char lpar[SRR_NAME_LEN];
	char reason[SRR_MSG_LEN];
	char user[SRR_NAME_LEN];	/* who asked (pause, resume) */
};

struct srr_event {
	enum srr_event_type type;
	/* When the daemon dispatched it (0: unknown). Time moves with every
	 * event, so that a decision never rests on a poll older than the
	 * poll interval even if the tick timer is late. */
	struct srr_mono at;
	union {
		struct {
			struct srr_mono mono;
			struct srr_wall wall;
		} tick;
		struct srr_ev_membership mem;
		uint64_t synced_epoch;
		struct srr_ev_poll poll;
		struct srr_ev_inventory inv;
		struct srr_ev_capacity cap;
		struct srr_record rec;
		struct srr_ev_cmd_result res;
		struct srr_ev_query_result query;
		struct srr_ev_fence_result fence;
		struct srr_ev_operator opr;
	} u;
};

/* --------------------------------------------------------------- actions */

enum srr_action_type {
	SRR_ACT_REPLICATE,	/* send this record through the cluster */
	SRR_ACT_COMMAND,	/* run rrstartlpar OP */
	SRR_ACT_QUERY,		/* look for the partition on src and dests */
	SRR_ACT_FENCE,		/* power the system off through its fence */
	SRR_ACT_ALERT,
};

enum srr_alert_kind {
	SRR_ALERT_REFUSED,	/* a gate refusal (why in text) */
	SRR_ALERT_NO_ROOM,
	SRR_ALERT_HOLD,		/* reconciliation could not decide */
	SRR_ALERT_RETRIES,	/* retries exhausted */
	SRR_ALERT_FAILED,	/* a command failed */
	SRR_ALERT_DONE,		/* restarted / cleaned */
	SRR_ALERT_OPERATOR,	/* an operator request refused or done */
	SRR_ALERT_STALL,
	SRR_ALERT_DOWN,		/* a system confirmed down */
};

struct srr_action {
	enum srr_action_type type;
	struct srr_op_id op;
	srr_tag tag;			/* COMMAND, QUERY, FENCE: echo it in the result */
	uint32_t attempt;
	enum hmc_rr_op cmd;
	int src, dst;			/* system indices; dst -1 if none */
	char lpar[SRR_NAME_LEN];
	uint32_t lpar_id;
	struct srr_record rec;		/* REPLICATE */
	enum srr_alert_kind alert;
	char text[SRR_ALERT_LEN];
};

struct srr_engine;

int srr_engine_new(const struct srr_engine_conf *conf, struct srr_engine **out);
void srr_engine_free(struct srr_engine *e);
/* Feeds one event; the actions it caused are then read with
 * srr_engine_actions() (valid until the next event). */
int srr_engine_event(struct srr_engine *e, const struct srr_event *ev);
const struct srr_action *srr_engine_actions(const struct srr_engine *e,
					    size_t *n);

/* Read-only views for srrctl and tests. */
bool srr_engine_is_acting_leader(const struct srr_engine *e);
bool srr_engine_sys_confirmed_down(const struct srr_engine *e, int sys);
/* Status transitions the engine refused (ops_change_state) and phase
 * moves outside the phase table (op_phase): each is a bug, logged
 * LOG_CRIT; the simulator fails on any. */
uint64_t srr_engine_broken_rules(const struct srr_engine *e);
/* Results and answers ignored because their tag was not the outstanding
 * one (late, duplicated, of an older attempt or epoch). */
uint64_t srr_engine_ignored_results(const struct srr_engine *e);

/* engine_view.c: what srrd's status views need; read only. */
struct srr_engine_pause {
	bool paused;
	int64_t stall_left_ms;		/* stall guard: 0 when none */
	/* The mode record in force (ledger.h), if any: who paused or
	 * resumed, why, when, and on which agent's leadership. */
	bool have_mode;
	struct srr_record mode;
};
void srr_engine_view_pause(const struct srr_engine *e,
			   struct srr_engine_pause *v);

struct srr_engine_sys_view {
	int down_polls;			/* definite-down polls (least HMC) */
	int64_t down_span_ms;		/* over so many ms */
	bool confirmed_down;
	char confirmed_by[SRR_MSG_LEN];	/* "polls", "fence", "operator" */
};
void srr_engine_view_sys(const struct srr_engine *e, int sys,
			 struct srr_engine_sys_view *v);

struct srr_engine_lpar_view {
	bool protect;			/* would be restarted if SYS died */
	bool ready;			/* and a destination has room now */
	int dest;			/* the destination placement picks, -1 */
	char why[SRR_ALERT_LEN];
};
/* -ENOENT: not in the last inventory of SYS. */
int srr_engine_view_lpar(const struct srr_engine *e, int sys,
			 const char *lpar, struct srr_engine_lpar_view *v);

#endif /* SRR_ENGINE_H */
