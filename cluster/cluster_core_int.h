/*
 * cluster_core_int.h: the core's state, shared by its three files:
 * cluster_core.c (views, epochs, leader, receiving), cluster_sync.c (state
 * sync: digests, deltas, merges, phase timeouts, exclusion) and
 * cluster_lease.c (quorum policy, lease, heartbeat, the gate).
 */
#ifndef SRR_CLUSTER_CORE_INT_H
#define SRR_CLUSTER_CORE_INT_H

#include "cluster/cluster_int.h"

struct rbuf {			/* reassembly of a chunked item */
	uint8_t *data;
	size_t len;
	bool done;
};

struct peer {
	struct core_member m;
	bool hello;
	bool compatible;	/* same protocol version, not excluded */
	bool excluded;		/* stuck in a sync phase: out of this epoch */
	bool exclude_sent;	/* we asked, once */
	struct cw_hello info;
	struct rbuf digest;
	struct rbuf delta;	/* the delta this peer sent to us */
	bool merging;		/* merge_step of delta in progress */
	uint64_t cursor;	/* merge_step's */
	bool merged;
	uint64_t since;		/* ms: its last message in this epoch */
	/* its complete delta to the member at index i was delivered (every
	 * member sees every delta: each can tell who holds up whom) */
	bool delta_to[CORE_MEMBERS_MAX];
};

enum phase { PH_NONE, PH_HELLO, PH_DIGEST, PH_DELTA, PH_MERGED };

struct cluster_core {
	struct core_params p;
	uint8_t cfg_digest[CLUSTER_DIGEST_MAX];

	bool connected, quorate;
	bool ring_known, members_known;
	uint32_t ring_rep;
	uint64_t ring_seq;
	struct core_member members[CORE_MEMBERS_MAX];
	size_t n;

	uint64_t epoch;		/* 0: no view */
	struct peer peers[CORE_MEMBERS_MAX];
	bool sent_merged, synced, sync_failed, hellos_done, self_excluded;
	enum cluster_leader_kind leader_kind;
	uint32_t leader;
	struct cluster_stats stats;

	/* the quorum policy (binding) and corosync's timing, for the lease */
	bool policy_known, policy_safe;
	char policy_why[192];
	unsigned token_ms, consensus_ms;
	/* the last leader named (any epoch): if its node is lost, a new
	 * leader waits hold_until (token + consensus) before it may lead */
	struct core_member last_leader;
	uint64_t hold_until;
	bool holding;
	/* heartbeat: the leader's lease is hb_back (send time of its latest
	 * heartbeat delivered back to it) + lease_ms */
	uint64_t hb_sent, hb_back;
	uint64_t progress_sent;	/* ms: "still merging" heartbeat */
	/* sync progress */
	uint64_t epoch_start, stuck_logged;
	unsigned fail_streak;
	bool gate_said;		/* the last may_lead event */
};

#define EV(c, name, ...) do { \
	if ((c)->p.events && (c)->p.events->name) \
		(c)->p.events->name((c)->p.event_ctx, __VA_ARGS__); \
} while (0)

static inline uint32_t
cc_rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static inline void
cc_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
cc_wr64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static inline uint64_t
cc_rd64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* cluster_core.c */
uint64_t cc_now(const struct cluster_core *c);
struct peer *cc_peer_find(struct cluster_core *c, uint32_t nodeid,
			  uint32_t pid);
bool cc_is_self(const struct cluster_core *c, const struct peer *pr);
int cc_send(struct cluster_core *c, uint16_t type, uint8_t flags,
	    const uint8_t *pre, size_t pre_len, const uint8_t *p, size_t len);
int cc_send_chunked(struct cluster_core *c, uint16_t type, const uint8_t *pre,
		    size_t pre_len, const uint8_t *p, size_t len);
void cc_compute_leader(struct cluster_core *c);
void cc_bad_input(struct cluster_core *c, uint32_t nodeid, const char *why);
void cc_hellos_check(struct cluster_core *c);

/* cluster_sync.c */
void cs_fail(struct cluster_core *c, const char *what, int rc);
void cs_check_merged(struct cluster_core *c);
void cs_check_synced(struct cluster_core *c);
void cs_rx_digest(struct cluster_core *c, struct peer *pr,
		  const struct cw_hdr *h, const uint8_t *p);
void cs_rx_delta(struct cluster_core *c, struct peer *pr,
		 const struct cw_hdr *h, const uint8_t *p);
void cs_rx_exclude(struct cluster_core *c, struct peer *pr,
		   const struct cw_hdr *h, const uint8_t *p);
void cs_exclude(struct cluster_core *c, struct peer *pr, const char *why);
void cs_tick(struct cluster_core *c, uint64_t now);
void cs_progress_tick(struct cluster_core *c, uint64_t now);

/* cluster_lease.c */
unsigned cle_lease_ms(const struct cluster_core *c);
void cle_heartbeat(struct cluster_core *c, uint64_t now);
void cle_rx_heartbeat(struct cluster_core *c, struct peer *pr,
		      const struct cw_hdr *h, const uint8_t *p);
void cle_gate_check(struct cluster_core *c);

#endif /* SRR_CLUSTER_CORE_INT_H */
