/*
 * engine_fixture.h: what the engine tests share (engine_fixture.c): a
 * harness that plays the daemon around one engine, the events it feeds,
 * a few scenarios, and finders over the actions the engine emitted.
 *
 * The harness feeds events and loops every REPLICATE action back as a
 * merged RECORD (the cluster's agreed order) unless a test holds them
 * back. Its estate: SRC, whose destinations are D1 (1000 MB free) and D2
 * (2000 MB free), seen by one HMC, polled each second; a system is
 * confirmed down after 3 polls over 2000 ms; retry_max 2, backoff_ms
 * 1000. Failures are cmocka assertions.
 */
#ifndef SRR_ENGINE_FIXTURE_H
#define SRR_ENGINE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/engine.h"

enum { SRC, D1, D2, NSYS };

struct h {
	struct srr_engine *e;
	int64_t now;
	bool hold;			/* do not loop records back */
	struct srr_action acts[256];	/* everything emitted, in order */
	size_t nacts;
	struct srr_record held[64];
	size_t nheld;
	struct srr_lpar_obs inv[8];
	size_t ninv;
	enum hmc_sys_state st[NSYS];
};

/* The harness. feed() stamps EV with the harness's time, passes it, keeps
 * every action and loops REPLICATEs back. estate(): a healthy estate, one
 * partition (db1, 500 MB), leader of a quorate synced epoch, two polls
 * in; estate_conf(): the same with configuration C, one poll in. */
void feed(struct h *h, struct srr_event *ev);
void conf_init(struct srr_engine_conf *c, const struct srr_lpar_conf *lc,
	       size_t n);
struct h *setup_h(const struct srr_lpar_conf *lc, size_t n, bool validate);
void free_h(struct h *h);
struct h *estate(bool validate);
struct h *estate_conf(const struct srr_engine_conf *c);

/* Events. lpar() adds a partition to SRC's inventory; member() a view and
 * its sync; poll_round() one poll interval (a tick of 1000 ms, the states
 * of h->st on HMC 0, SRC's inventory, the capacities); poll_hmc() the
 * states seen by another HMC; result(), query_result() the answers to a
 * command, to the last query; peer_rec() a record of db1 from SRC as
 * another agent wrote it. */
void lpar(struct h *h, const char *name, uint32_t mem, enum hmc_lpar_state st);
void member(struct h *h, uint64_t epoch, uint32_t leader, bool quorate);
void tick(struct h *h);
void poll_round(struct h *h);
void poll_hmc(struct h *h, int hmc, enum hmc_sys_state st);
void result(struct h *h, const struct srr_action *a, int exit_status,
	    const char *code);
void record(struct h *h, const struct srr_record *r);
void opr(struct h *h, enum srr_operator_req req);
void query_full(struct h *h, bool ok, bool present, enum hmc_rr_status rrs,
		int found, enum hmc_lpar_state st);
void query_result(struct h *h, bool present, enum hmc_rr_status rrs,
		  int found);
struct srr_record peer_rec(enum srr_op_status st, const char *dst,
			   int64_t updated);

/* Scenarios on an estate. source_dies(): SRC dies, the first command
 * after the window; stalled(): SRC shows ST for two polls, then the loop
 * stalls 5 s; debt(): db1 restarted, SRC back in Standby, its cleanup
 * query out; intent_held(): SRC dies, the restart intent held back (its
 * index in h->held). */
struct srr_action source_dies(struct h *h);
struct h *stalled(enum hmc_sys_state st);
struct h *debt(void);
size_t intent_held(struct h *h);

/* What the engine emitted: actions of type T (commands: of CMD), the
 * last one of type T, alerts holding TEXT. */
size_t count(struct h *h, enum srr_action_type t, enum hmc_rr_op cmd);
const struct srr_action *last(struct h *h, enum srr_action_type t);
bool alerted(struct h *h, const char *text);
size_t alerts_with(struct h *h, const char *text);

#endif /* SRR_ENGINE_FIXTURE_H */
