/*
 * cluster.h: srrha's cluster layer (public API).
 *
 * One agent process joins a CPG group on the local corosync and tracks
 * quorum. The layer tells its user, through callbacks:
 *   - membership: the CPG members and the epoch (see below);
 *   - quorate or not (from corosync's quorum service);
 *   - leader: self, another node, or none;
 *   - synced: every member of the epoch has merged the others' state;
 *   - delivered: a replicated record (cluster_send), in agreed order;
 *   - connected or not ("no cluster" while corosync is down).
 *
 * Epoch: one per view. A view is the totem ring id (representative nodeid,
 * sequence) plus the CPG member list; every member computes the same value:
 *   epoch = (low 32 bits of the ring sequence) << 32 | FNV-1a-32(view)
 * so it changes on every ring change and on every CPG join or leave inside a
 * ring. Compare epochs for equality only (the high half grows with the ring).
 *
 * Leader: none unless this node is quorate and votequorum's settings keep
 * a single quorate side of any split (two_node without a qdevice, expected
 * votes below the nodelist's votes, allow_downscale: every agent refuses to
 * lead, LOG_CRIT; auto_tie_breaker, last_man_standing and a qdevice are
 * fine; doc/cluster.md). Among the members that run this protocol version,
 * the configuration digest held by the most members is the reference (a
 * tie: no reference, no leader); the leader is the lowest nodeid among the
 * members holding it. While a nodeid appears twice among the members (two
 * agents on one node) nobody leads. A member holding another digest is
 * reported (config_mismatch) and logged, and never leads; if that member
 * is this process, it names no leader at all. The leader is known once
 * every member's HELLO of the epoch has arrived.
 *
 * Lease: the leader's gate (cluster_may_lead) stays open only while its
 * own heartbeat, multicast in agreed order every token/8, came back within
 * token/2; after a view that lost the last leader with its node, no member
 * may lead for token + consensus (a process that ended or left is replaced
 * at once). cluster_may_lead() reads the clock: ask it right before acting.
 *
 * Sync timeouts: a member that holds up any sync phase (HELLO, digest,
 * delta, MERGED) without a message for sync_timeout_ms (hello_timeout_ms
 * for HELLO, if set) is excluded from the epoch by an EXCLUDE message in
 * agreed order (so all members decide alike): it cannot lead and is not
 * waited for; "sync stuck on member N, phase P" is logged every 5 s before.
 * If it is this process (or its own sync failed), it leaves the group and
 * joins again (backoff 1 s doubling to 64 s) instead of holding everyone.
 * The trade-off: the others then sync and may act without the records only
 * that member holds (they arrive with the next view).
 *
 * State sync (each epoch): every member multicasts HELLO (version, config
 * digest) and its state digest (sync->digest); on each peer's digest it
 * multicasts the delta that peer lacks (sync->delta, addressed to it); a
 * member merges the deltas addressed to it (sync->merge) and, once it holds
 * one from every peer, multicasts MERGED. The epoch is synced when every
 * member's MERGED has arrived. A new view restarts all of this in the new
 * epoch; messages of another epoch are dropped (and counted). Nothing may
 * act on the replicated state before `synced`.
 *
 * Records: cluster_send() multicasts a payload in agreed order; every
 * member (the sender too) merges it through sync->merge and then gets
 * `delivered`. A record whose epoch ends before delivery is dropped by
 * everyone alike: store it before sending and the next sync carries it.
 *
 * Event loop: the layer adds its fds to the caller's qb_loop and never
 * blocks or sleeps; CS_ERR_TRY_AGAIN is retried from a timer; when
 * corosync goes away it reports connected=false, leader none, and retries
 * every second until corosync is back. Logs via qb_log, tag "cluster".
 *
 * Errors: 0 or a negative errno.
 */
#ifndef SRR_CLUSTER_H
#define SRR_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <qb/qbloop.h>

/* Callbacks the state owner (the ledger) supplies; ctx is sync_ctx. */
struct cluster_sync_ops {
	/* a summary of the local replicated state; *out malloc'd */
	int (*digest)(void *ctx, uint8_t **out, size_t *len);
	/* given a peer's digest: the records the peer lacks or holds at a
	 * lower status; may be empty */
	int (*delta)(void *ctx, const uint8_t *peer_digest, size_t peer_len,
		     uint8_t **out, size_t *len);
	/* merge records from a peer (a delta, or a replicated record);
	 * durable before it returns; bad input: -EBADMSG and nothing merged */
	int (*merge)(void *ctx, const uint8_t *data, size_t len);
	/* optional, for deltas: the same merge in steps of a few tens of ms
	 * (one per loop iteration, so a 64 MiB delta never blocks the loop);
	 * *cursor is 0 at the start and the callee's own; 1 while more
	 * remains, 0 once all is merged and durable, or merge's errors
	 * (-EBADMSG: nothing merged). srrd: srr_ledger_merge_step. */
	int (*merge_step)(void *ctx, const uint8_t *data, size_t len,
			  uint64_t *cursor);
};

enum cluster_leader_kind {
	CLUSTER_LEADER_NONE = 0,
	CLUSTER_LEADER_SELF,
	CLUSTER_LEADER_OTHER,
};

/* Events; any may be NULL; ctx is event_ctx. */
struct cluster_events {
	void (*connection)(void *ctx, bool up);
	void (*membership)(void *ctx, uint64_t epoch, const uint32_t *nodeids,
			   size_t n);
	void (*quorum)(void *ctx, bool quorate);
	void (*leader)(void *ctx, uint64_t epoch, enum cluster_leader_kind kind,
		       uint32_t nodeid);
	void (*synced)(void *ctx, uint64_t epoch);
	void (*delivered)(void *ctx, uint64_t epoch, uint32_t sender,
			  const uint8_t *payload, size_t len);
	/* a member whose protocol version or config digest differs */
	void (*config_mismatch)(void *ctx, uint64_t epoch, uint32_t nodeid,
				bool version);
	/* this member's own sync of EPOCH failed (WHAT, a negative errno):
	 * it leaves the group and joins again (backoff 1 s doubling to
	 * 64 s); an alert for the operator (e.g. a state above the cap) */
	void (*sync_failed)(void *ctx, uint64_t epoch, const char *what,
			    int err);
	/* cluster_may_lead() changed (seen after each event and every 50 ms:
	 * it may lag the exact getter by one tick; feed it to the engine,
	 * and still ask cluster_may_lead() right before acting) */
	void (*may_lead)(void *ctx, uint64_t epoch, bool may);
};

struct cluster_config {
	const char *group;		/* CPG group name, < 128 bytes */
	const uint8_t *config_digest;	/* opaque, 1..CLUSTER_DIGEST_MAX */
	size_t config_digest_len;
	const struct cluster_sync_ops *sync;
	void *sync_ctx;
	const struct cluster_events *events;
	void *event_ctx;
	/* A member that sends no HELLO this long into an epoch is
	 * excluded from it; 0: sync_timeout_ms. */
	unsigned hello_timeout_ms;
	/* A member holding up any sync phase (HELLO, digest, delta, MERGED)
	 * without a message this long is excluded from the epoch in agreed
	 * order; 0: 20000 ms (doc/cluster.md, "Sync timeouts"). srrd: leave
	 * both 0, or take them from its configuration. */
	unsigned sync_timeout_ms;
};

#define CLUSTER_DIGEST_MAX	64
/* Largest record cluster_send() takes; sync data is chunked, capped at
 * CLUSTER_SYNC_MAX per digest or delta. */
#define CLUSTER_RECORD_MAX	(256u * 1024u)
#define CLUSTER_SYNC_MAX	(64u * 1024u * 1024u)

/* Counters of dropped input, for status output and tests. */
struct cluster_stats {
	uint64_t malformed;	/* bad magic, length, payload, or spoofed sender */
	uint64_t bad_version;	/* another protocol version (not HELLO) */
	uint64_t unknown_type;
	uint64_t stale_epoch;
	uint64_t merge_failed;	/* sync->merge refused the data */
	uint64_t try_again;	/* corosync flow control: a send was queued */
};

struct cluster;

/* *OUT is set before any event runs: the connection event may fire
 * before cluster_init() returns. */
int cluster_init(qb_loop_t *loop, const struct cluster_config *cfg,
		 struct cluster **out);
void cluster_free(struct cluster *c);

/* Multicast a record in agreed order; -ENOTCONN without a view,
 * -EMSGSIZE past CLUSTER_RECORD_MAX. Queued if corosync says try again. */
int cluster_send(struct cluster *c, const uint8_t *payload, size_t len);

bool cluster_connected(const struct cluster *c);
bool cluster_quorate(const struct cluster *c);
uint64_t cluster_epoch(const struct cluster *c);
bool cluster_synced(const struct cluster *c);
/* the leader's nodeid; 0 when none */
uint32_t cluster_leader(const struct cluster *c);
/* the cluster part of the gate: connected, quorate with a safe quorum
 * configuration, this process is the leader of the current epoch, the
 * epoch is synced, no lease is held after a lost leader, and this
 * leader's heartbeat came back in time; it reads the clock, so it can
 * turn false between two events: ask it right before acting */
bool cluster_may_lead(const struct cluster *c);
uint32_t cluster_local_nodeid(const struct cluster *c);
void cluster_get_stats(const struct cluster *c, struct cluster_stats *st);

#endif /* SRR_CLUSTER_H */
