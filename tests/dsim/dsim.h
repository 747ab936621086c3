/*
 * dsim.h: the deterministic simulator of srrha's engine.
 *
 * N agents (engine + ledger, in memory or in SQLite), a cluster oracle
 * (membership epochs, quorum, leader, state sync through the ledger's real
 * replication callbacks), a network that delays and reorders replicated
 * records across epochs, crashes and restarts, an HMC model (systems that
 * die, flap, lose their HMC link; restarts that succeed, fail, or end
 * without an exit status; auto-cleanup) and an operator. Everything is
 * driven by one seeded generator: a seed replays exactly.
 */
#ifndef DSIM_H
#define DSIM_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/engine.h"
#include "agent/ledger.h"
#include "agent/store.h"

#define NA_MAX	5
#define NS_MAX	3	/* sources */
#define ND	2	/* destinations */
#define NH_MAX	3
#define NL_MAX	6	/* partitions per source */
#define NSYS_MAX (NS_MAX + ND)
#define POLL_MS		1000
#define POLL_FRESH_MS	(POLL_MS + POLL_MS / 2)	/* the engine's freshness */

enum fail_style { FS_DEFINITE, FS_AMBIGUOUS };

struct tsys {
	bool alive;			/* partitions on it may run */
	bool link[NH_MAX];		/* HMC h talks to its FSP */
	enum fail_style style;
	bool flap;			/* shows Initializing now and then */
	bool ever_died;
	bool repaired;
	int64_t died_at;
	int64_t alive_since;
	uint64_t alive_step;		/* s->steps at the repair: order within a ms */
};

struct tlpar {
	char name[SRR_NAME_LEN];
	int src;
	bool capable, vios, excluded;
	uint32_t prio, mem, proc;
	bool running_on_src;
	bool was_running;		/* running when its source died */
	int running_on;			/* destination index, -1 */
	enum hmc_rr_status rrs;
	bool present_on_src;
	bool restart_inflight;
	bool restarted_ok;
	bool stopped;			/* shut down on its destination */
	bool migrated;			/* moved to the other destination */
	int64_t stopped_at;
	int64_t seen_on_dest[NA_MAX];	/* a query told agent i: active */
	uint64_t seen_epoch[NA_MAX];	/* in which of its epochs */
};

struct agent {
	bool up;
	uint32_t inc;			/* incarnation */
	uint32_t nodeid;
	int label;			/* network component */
	uint64_t epoch, synced;
	bool leader, quorate;
	struct srr_engine *eng;
	struct srr_ledger *led;
	struct srr_store *store;
	char path[128];
	int64_t last_poll;		/* time of its last poll */
	uint64_t last_poll_step;	/* s->steps at its last poll */
	int64_t skew;			/* its wall clock minus the true one */
	/* srrd keeps its inventory cache on disk: it survives a crash */
	bool have_inv[NS_MAX];
	struct srr_lpar_obs inv[NS_MAX][NL_MAX];
	size_t ninv[NS_MAX];
};

struct sim {
	uint64_t seed, rng;
	unsigned fault;
	bool verbose, sqlite;
	int64_t now;
	int na, ns, nh, nl;
	int nsys;
	struct agent a[NA_MAX];
	struct tsys sys[NSYS_MAX];
	struct tlpar lp[NS_MAX * NL_MAX];
	int nlp;
	bool auto_cleanup;
	bool calm;			/* the liveness phases */
	int fail_pct;			/* HMC command failure, percent */
	int64_t lag[NH_MAX];		/* HMC h shows states this late */
	int64_t mute_until[NH_MAX];	/* HMC h answers no poll until then */
	bool qdev_lost;			/* quorum lost inside the epoch */
	bool skip_lowest;		/* leader moved inside the epoch */
	uint64_t epoch;
	struct srr_engine_conf conf;
	struct srr_lpar_conf lconf[NS_MAX * NL_MAX];
	/* the event queue */
	struct qev *q;
	size_t nq, capq;
	uint64_t qseq;
	/* results */
	char violation[512];
	uint64_t steps, commands, restarts, cleanups, alerts;
	uint64_t dups, lost, dropped, ignored;	/* the new faults, counted */
};

/* the queue */
enum qtype { Q_TICK, Q_DELIVER, Q_SYNC, Q_CMD_DONE, Q_QUERY_DONE,
	     Q_FENCE_DONE, Q_CHAOS, Q_REPLAY, Q_VIEW };

struct qev {
	int64_t t;
	uint64_t seq;
	enum qtype type;
	int agent;
	uint32_t inc;
	uint64_t epoch;
	int label;
	int members;			/* bitmask of recipients */
	uint32_t incs[NA_MAX];
	struct srr_action act;
	uint8_t *buf;
	size_t len;
	bool ok;
	int exit_status;
	struct srr_event ev;		/* Q_REPLAY: fed again, as it was */
};

uint32_t sim_rand(struct sim *s, uint32_t n);
bool sim_chance(struct sim *s, int pct);
void sim_push(struct sim *s, struct qev *e);
void sim_violation(struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sim_log(struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* dsim_hmc.c */
enum hmc_sys_state hmcm_shown(struct sim *s, int sys, int h);
void hmcm_feed(struct sim *s, int ai);
void hmcm_command(struct sim *s, int ai, const struct srr_action *a);
void hmcm_query(struct sim *s, int ai, const struct srr_action *a);
void hmcm_fence(struct sim *s, int ai, const struct srr_action *a);
void hmcm_done(struct sim *s, struct qev *e);
void hmcm_kill(struct sim *s, int sys);
void hmcm_repair(struct sim *s, int sys);
bool hmcm_agent_may_act(struct sim *s, int ai);

/* dsim.c */
void sim_event(struct sim *s, int ai, const struct srr_event *ev);
void dsim_deliver(struct sim *s, struct qev *e);
void dsim_sync(struct sim *s, struct qev *e);
void dsim_membership(struct sim *s);
void dsim_view_change(struct sim *s);
void dsim_view_learned(struct sim *s, struct qev *e);
bool dsim_learned(const struct sim *s, int ai);
bool sim_lp_abandoned(struct sim *s, const struct tlpar *l);
struct qev dsim_pop(struct sim *s);

#endif /* DSIM_H */
