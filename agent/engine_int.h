/*
 * engine_int.h: the engine's private state and its files' prototypes.
 */
#ifndef SRR_ENGINE_INT_H
#define SRR_ENGINE_INT_H

#include <qb/qblog.h>

#include "agent/engine.h"
#include "agent/engine_fault.h"

#include "include/srr_log.h"

/*
 * What this agent has out for an operation, and so what it waits for: its
 * phase (doc/engine.md, "Phases"). The ledger's status says where the
 * operation stands in the cluster; the phase is local, and changes only
 * through op_phase(), which checks it against the table in engine_ops.c
 * and logs it. Each waiting phase has a deadline (ops_deadlines).
 */
enum op_phase {
	PH_IDLE = 0,		/* nothing out: the next step reads the status */
	PH_PROPOSED,		/* a record proposed, not back from the cluster */
	PH_AGREED,		/* our intent came back merged in its epoch,
				 * uncontended: sent in this step or given back */
	PH_VALIDATING,		/* rrstartlpar -o validate out */
	PH_RESTART_OUT,		/* rrstartlpar -o restart out */
	PH_CLEANUP_OUT,		/* rrstartlpar -o cleanup out */
	PH_QUERYING,		/* where is the partition? (reconcile, cleanup) */
	PH_RECONCILING,		/* restarting, outcome unknown here: a query due */
	PH_COUNT
};

struct eop {
	bool have_rec;			/* a merged copy exists */
	struct srr_record rec;		/* the ledger's copy (merged) */
	enum op_phase phase;
	int64_t phase_since;		/* when (mono ms) it entered the phase */
	bool phase_alerted;		/* its deadline's alert is raised */
	struct srr_record prop;		/* PH_PROPOSED: the record out */
	uint64_t prop_epoch;
	bool contended;			/* another copy of prop's step merged */
	/* The command or query out (PH_VALIDATING to PH_QUERYING). */
	srr_tag tag;
	uint32_t out_attempt;
	uint64_t out_epoch;		/* the epoch it was sent in */
	int out_dst;			/* the destination it was sent to */
	bool validated;			/* validate passed for rec.dst */
	int validated_dst;
	bool dest_ok;			/* partition seen active on rec.dst */
	int64_t dest_ok_at;		/* when (mono ms): it ages out */
	/* When this agent learned the record closed (mono ms): an abandoned
	 * debt is of this outage until the source is seen up after it. */
	int64_t closed_seen;
	uint32_t cl_intent;		/* cleanup attempt we proposed, 0 */
	bool manual;			/* operator asked: skip the tiers */
	int64_t next_ms;		/* backoff: not before */
	uint32_t retry_base;		/* attempts when last replayed */
	bool exhausted_alerted;
	int src, dst;			/* system indices, -1 if unknown */
	uint32_t mem_mb, proc_centi;	/* from the inventory, for placement */
	/* The last refusal, and the phase it came in: an alert is raised
	 * when either changes (ops_refuse), not at each new text. */
	char refusal[SRR_ALERT_LEN];
	enum op_phase refusal_phase;
};

struct ehmc {
	bool seen;
	bool visible;
	enum hmc_sys_state st;
	int64_t polled;			/* when (mono ms): freshness */
	int64_t asked;			/* when it was asked: the window */
	int down_run;			/* consecutive definite-down polls */
	int64_t down_start;
	int notop_run;			/* consecutive not-operating polls */
	int64_t notop_start;
};

struct esys {
	struct ehmc hmc[SRR_MAX_HMC];
	bool op_confirmed;		/* srrctl confirm, until seen operating */
	bool fenced;			/* fence reported success */
	int64_t confirmed_at, fenced_at;	/* both expire: confirm_ttl_ms */
	bool fence_inflight;
	int64_t fence_next;
	char fence_refusal[SRR_ALERT_LEN];	/* last gate refusal of it */
	bool have_inv;
	struct srr_lpar_obs *inv;
	size_t ninv;
	bool have_cap;
	uint32_t free_mem, free_proc;
	bool down;			/* confirmed down at the last step */
	uint32_t tier;			/* highest priority now allowed */
	int64_t tier_since;
	int64_t up_mono;		/* mono ms it was last seen up (0: never) */
	int64_t fence_sent;		/* mono ms the fence in flight was sent */
	srr_tag fence_tag;		/* its tag: only its result counts */
	char refusal[SRR_ALERT_LEN];
};

struct srr_engine {
	struct srr_engine_conf c;
	unsigned fault;			/* engine_fault.h; tests only */
	uint64_t broken_rules;		/* transitions refused (a bug) */
	struct srr_lpar_conf *lparc;
	/* cluster */
	uint64_t epoch;
	uint32_t leader;
	bool quorate, config_agree;
	uint64_t synced;
	bool reconciled;		/* this leadership's reconciliation issued */
	uint32_t seq;
	srr_tag next_tag;		/* the last tag given to an action */
	uint64_t ignored;		/* results whose tag was not outstanding */
	/* time */
	bool have_tick;
	int64_t now, last_tick;
	struct srr_wall wall;
	int64_t stall_until;
	/* The automatic mode: the mode record in force (ledger.h), and a
	 * pause this leader proposed and has not seen merged yet (it holds
	 * at once; a resume waits for its record). paused is their sum. */
	bool have_mode;
	struct srr_record mode;
	bool pause_pending;
	bool paused;
	/* Mode and audit records take their seq from a space of their own
	 * (SRR_AUDIT_SEQ set), counted over the process's life and learned
	 * from the store: never the id of an operation, never one reused. */
	uint32_t aseq;
	struct esys sys[SRR_MAX_SYS];
	struct eop *ops;
	size_t nops, capops;
	struct srr_action *out;
	size_t nout, capout;
	char why[SRR_ALERT_LEN];	/* the last gate refusal */
};

/* engine.c */
struct srr_action *engine_emit(struct srr_engine *e, enum srr_action_type t);
void engine_alert(struct srr_engine *e, enum srr_alert_kind k,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool engine_acting(const struct srr_engine *e);
srr_tag engine_tag(struct srr_engine *e);
int64_t engine_backoff(const struct srr_engine *e, uint32_t n);
bool engine_leader(const struct srr_engine *e);
const struct srr_lpar_conf *engine_lpar_conf(const struct srr_engine *e,
					     const char *name);
int engine_sys_index(const struct srr_engine *e, const char *name);

/* engine_results.c */
void ops_mode_record(struct srr_engine *e, const struct srr_record *r);
void ops_mode_new_term(struct srr_engine *e);
void ops_deadlines(struct srr_engine *e);
int ops_cmd_result(struct srr_engine *e, const struct srr_ev_cmd_result *r);
int ops_query_result(struct srr_engine *e,
		     const struct srr_ev_query_result *q);
int ops_operator(struct srr_engine *e, const struct srr_ev_operator *o);

/* engine_watch.c */
void watch_tick(struct srr_engine *e, struct srr_mono now, struct srr_wall w);
int watch_poll(struct srr_engine *e, const struct srr_ev_poll *p);
int watch_inventory(struct srr_engine *e, const struct srr_ev_inventory *iv);
int watch_capacity(struct srr_engine *e, const struct srr_ev_capacity *c);
bool watch_down(struct srr_engine *e, int s, char *why, size_t len);
bool watch_operating(const struct srr_engine *e, int s);
void watch_fence(struct srr_engine *e, int s);
int watch_fence_result(struct srr_engine *e, const struct srr_ev_fence_result *f);
void watch_forget_confirm(struct srr_engine *e, int s, const char *why);
void watch_source_back(struct srr_engine *e, int s, const char *lpar);
const struct srr_lpar_obs *watch_lpar(const struct srr_engine *e, int s,
				      const char *name);
bool watch_eligible(const struct srr_engine *e, int s,
		    const struct srr_lpar_obs *l, char *why, size_t len);

/* engine_gate.c */
const char *gate_restart(struct srr_engine *e, struct eop *op);
const char *gate_validate(struct srr_engine *e, struct eop *op);
const char *gate_cleanup(struct srr_engine *e, struct eop *op);
const char *gate_cluster(struct srr_engine *e);
const char *gate_manual(struct srr_engine *e, int s, const char *lpar);
const char *gate_not_restarted(struct srr_engine *e, const struct eop *op);

/* engine_place.c */
void place_tiers(struct srr_engine *e, int s);
bool place_tier_allows(const struct srr_engine *e, const struct eop *op);
bool place_caps_allow(const struct srr_engine *e, const struct eop *op,
		      int dst);
int place_choose(struct srr_engine *e, struct eop *op);

/* engine_ops.c */
void op_phase(struct srr_engine *e, struct eop *op, enum op_phase to,
	      const char *why);
void op_settle(struct srr_engine *e, struct eop *op, const char *why);
bool op_busy(const struct eop *op);
const char *op_phase_name(enum op_phase p);
enum srr_op_status ops_cur_status(const struct eop *op);
struct eop *ops_find(struct srr_engine *e, const struct srr_op_id *id);
/* The next record: TO, with CODE (NULL: keep) and MSG (the reason). */
int ops_propose(struct srr_engine *e, struct eop *op, enum srr_op_status to,
		const char *code, const char *msg);
int ops_change_state(struct srr_engine *e, struct eop *op,
		     struct srr_record *next, const char *reason);
void ops_refuse(struct srr_engine *e, struct eop *op, enum srr_alert_kind k,
		const char *why);
bool ops_open(const struct eop *op);
void ops_record(struct srr_engine *e, const struct srr_record *r);
void ops_new_epoch(struct srr_engine *e);
void ops_new_term(struct srr_engine *e);
void ops_plan(struct srr_engine *e, int s);
/* true if the restart was taken (planned or marked manual) */
bool ops_manual(struct srr_engine *e, int s, const char *lpar);
bool ops_closed_this_outage(const struct srr_engine *e, const struct eop *o);
struct eop *ops_primary(struct srr_engine *e, const char *lpar, int src);

/* engine_restart.c */
void ops_step(struct srr_engine *e);
void ops_query(struct srr_engine *e, struct eop *op);
void ops_emit_cmd(struct srr_engine *e, struct eop *op, enum hmc_rr_op cmd,
		  int dst);

/* engine_cleanup.c */
void cleanup_step(struct srr_engine *e, struct eop *op);
bool cleanup_dest_fresh(const struct srr_engine *e, const struct eop *op);
void cleanup_query_result(struct srr_engine *e, struct eop *op,
			  const struct srr_ev_query_result *q);
void cleanup_cmd_result(struct srr_engine *e, struct eop *op,
			const struct srr_ev_cmd_result *r);

#endif /* SRR_ENGINE_INT_H */
