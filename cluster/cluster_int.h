/*
 * cluster_int.h: cluster/ internals: the wire codec (cluster_wire.c) and
 * the pure state machine (cluster_core.c) that the corosync binding
 * (cluster_cpg.c) and the unit tests drive.
 */
#ifndef SRR_CLUSTER_INT_H
#define SRR_CLUSTER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <corosync/cmap.h>
#include <corosync/votequorum.h>
#include <qb/qblog.h>

#include "cluster/cluster.h"

/* every cluster/ log line carries the subsystem tag "cluster" */
#include "include/srr_log.h"

/* ---- cluster_wire.c ------------------------------------------------------
 * Header, network byte order, 24 bytes:
 *   magic u32 | version u8 | flags u8 | type u16 | epoch u64 |
 *   sender u32 | length u32
 * then `length` payload bytes; the datagram must be exactly that long.
 * The magic and version offsets never change, and the HELLO payload
 * (version u16, digest length u16, digest) is frozen, so members of another
 * version can still be recognised and kept from leading.
 */
#define CW_MAGIC	0x53525243u	/* "SRRC" */
#define CW_VERSION	1u
#define CW_HDR_LEN	24u
#define CW_FLAG_MORE	0x01u		/* another chunk of this item follows */
#define CW_CHUNK_MAX	(512u * 1024u)	/* payload bytes per message */
#define CW_MSG_MAX	(CW_HDR_LEN + CW_CHUNK_MAX)

enum cw_type {
	CW_HELLO = 1,	/* version u16, digest len u16, config digest */
	CW_DIGEST = 2,	/* chunks of the sender's state digest */
	CW_DELTA = 3,	/* target nodeid u32, target pid u32, delta chunk */
	CW_MERGED = 4,	/* empty: the sender merged every delta for it */
	CW_RECORD = 5,	/* a replicated record (cluster_send) */
	CW_EXCLUDE = 6,	/* nodeid u32, pid u32: stuck in a sync phase */
	CW_HEARTBEAT = 7, /* u64: the leader's own send time (ms); only the
			   * sender reads it back (its lease) */
};

struct cw_hdr {
	uint32_t magic;
	uint8_t version;
	uint8_t flags;
	uint16_t type;
	uint64_t epoch;
	uint32_t sender;
	uint32_t length;
};

/* cw_decode()'s verdicts: their own range, below -1000, so that none is
 * taken for a negative errno (-1..-7 were -EPERM..-E2BIG). */
enum cw_error {
	CW_OK = 0,
	CW_ERR_SHORT = -1001,	/* shorter than a header */
	CW_ERR_MAGIC = -1002,
	CW_ERR_VERSION = -1003,	/* valid header of another version */
	CW_ERR_LENGTH = -1004,	/* length field disagrees with the datagram */
	CW_ERR_SIZE = -1005,	/* length above CW_CHUNK_MAX */
	CW_ERR_TYPE = -1006,	/* unknown type */
	CW_ERR_FLAGS = -1007,	/* unknown flag bits */
};

void cw_encode_hdr(uint8_t *buf, const struct cw_hdr *h);
/* Decode and check buf[0..len); on CW_OK *payload points into buf.
 * CW_ERR_VERSION still fills *h (for HELLO of other versions). */
int cw_decode(const uint8_t *buf, size_t len, struct cw_hdr *h,
	      const uint8_t **payload);
const char *cw_strerror(int err);

struct cw_hello {
	uint16_t version;
	uint16_t digest_len;
	uint8_t digest[CLUSTER_DIGEST_MAX];
};
size_t cw_hello_encode(uint8_t *buf, size_t cap, const struct cw_hello *h);
int cw_hello_decode(const uint8_t *p, size_t len, struct cw_hello *h);

/* ---- cluster_votes.c ----------------------------------------------------- */
struct cv_facts {
	unsigned flags;		/* VOTEQUORUM_INFO_* */
	unsigned quorum, expected, total_votes;	/* votequorum, run time */
	unsigned node_votes;	/* every node of the nodelist */
	unsigned cfg_expected;	/* quorum.expected_votes; 0: not set */
	bool device;		/* a qdevice is configured */
	unsigned device_votes;
};
/* true if no two disjoint sides can be quorate; WHY says which setting
 * (refusal) or which exception applies */
bool cv_judge(const struct cv_facts *f, char *why, size_t len);
/* the facts, and totem's runtime token and consensus (ms); -EIO */
int cv_read(cmap_handle_t cmap, votequorum_handle_t vq, uint32_t nodeid,
	    struct cv_facts *f, unsigned *token_ms, unsigned *consensus_ms);

/* ---- cluster_reader.c: cv_read in a thread of its own --------------------
 * The loop polls cv_reader_fd and takes the newest result; it never waits
 * on corosync itself (see the file's comment). */
struct cv_result {
	int rc;			/* 0, or -ENOTCONN / -EIO: nothing read */
	struct cv_facts facts;
	unsigned token_ms, consensus_ms;
	uint64_t gen;		/* read after this many pokes */
};
struct cv_reader;
int cv_reader_start(struct cv_reader **out);
int cv_reader_fd(const struct cv_reader *r);
/* read now (a membership or quorum change), for this node; returns the
 * poke's number: a result with gen >= it was read after the poke */
uint64_t cv_reader_poke(struct cv_reader *r, uint32_t nodeid);
/* false: no result since the last take */
bool cv_reader_take(struct cv_reader *r, struct cv_result *res);
/* how long the read under way has waited on corosync; 0: none */
uint64_t cv_reader_busy_ms(struct cv_reader *r);
/* false: the thread did not end within WAIT_MS and was left behind; it
 * frees the reader itself when its read returns (R is gone for the caller) */
bool cv_reader_stop(struct cv_reader *r, unsigned wait_ms);

/* ---- cluster_core.c ------------------------------------------------------ */
#define CORE_MEMBERS_MAX 64

struct core_member {
	uint32_t nodeid;
	uint32_t pid;
};

/* What the core asks of its transport (CPG, or a fake in tests). */
struct core_transport {
	/* multicast in agreed order; the transport queues on try-again */
	int (*send)(void *tctx, const uint8_t *buf, size_t len);
	/* a new epoch began: queued messages of the old one are void */
	void (*flush)(void *tctx);
	void *tctx;
	/* monotonic milliseconds; NULL: CLOCK_MONOTONIC */
	uint64_t (*now_ms)(void *tctx);
	/* leave the group and join again after delay_ms (this member's own
	 * sync failed, or it was excluded); NULL: not supported */
	void (*rejoin)(void *tctx, unsigned delay_ms);
	/* call core_work() soon, from the loop (a merge step is pending);
	 * NULL: the core does all steps at once */
	void (*kick)(void *tctx);
};

/* core_tick() is due this often; every deadline is checked there */
#define CORE_TICK_MS		50u
/* sync phase timeout when cluster_config.sync_timeout_ms is 0 */
#define CORE_SYNC_TIMEOUT_MS	20000u
/* "sync stuck" is logged this often while a phase waits */
#define CORE_STUCK_LOG_MS	5000u

struct core_params {
	uint32_t nodeid;
	uint32_t pid;
	unsigned hello_timeout_ms;	/* see cluster_config; 0: sync timeout */
	unsigned sync_timeout_ms;	/* see cluster_config; 0: default */
	const uint8_t *config_digest;
	size_t config_digest_len;
	const struct cluster_sync_ops *sync;
	void *sync_ctx;
	const struct cluster_events *events;
	void *event_ctx;
	struct core_transport transport;
};

struct cluster_core;

int core_new(const struct core_params *p, struct cluster_core **out);
void core_free(struct cluster_core *c);
void core_set_self(struct cluster_core *c, uint32_t nodeid, uint32_t pid);

/* Inputs from the transport. */
void core_connected(struct cluster_core *c, bool up);
void core_ring(struct cluster_core *c, uint32_t rep_nodeid, uint64_t seq);
void core_members(struct cluster_core *c, const struct core_member *m,
		  size_t n);
void core_quorum(struct cluster_core *c, bool quorate);
void core_deliver(struct cluster_core *c, uint32_t nodeid, uint32_t pid,
		  const uint8_t *buf, size_t len);

/* The binding's reading of votequorum: SAFE when no two disjoint sides
 * of a split can both be quorate (why says which setting, if not). Until
 * the first call the core names no leader. */
void core_quorum_policy(struct cluster_core *c, bool safe, const char *why);
/* corosync's runtime token and consensus timeouts (ms), for the lease;
 * until known (non-zero) the core names no leader */
void core_timing(struct cluster_core *c, unsigned token_ms,
		 unsigned consensus_ms);
/* A member left the group: NODE_LOST when its node went down (CPG
 * NODEDOWN), not when its process ended or left (PROCDOWN, LEAVE).
 * Call before core_members() of the view it left. */
void core_left(struct cluster_core *c, uint32_t nodeid, uint32_t pid,
	       bool node_lost);
/* every CORE_TICK_MS: heartbeat, lease, sync phase timeouts */
void core_tick(struct cluster_core *c);
/* one step of a pending delta merge (after transport.kick) */
void core_work(struct cluster_core *c);
/* exclude now every member that sent no HELLO (tests) */
void core_hello_timeout(struct cluster_core *c);
int core_send_record(struct cluster_core *c, const uint8_t *p, size_t len);

bool core_is_connected(const struct cluster_core *c);
bool core_is_quorate(const struct cluster_core *c);
uint64_t core_epoch(const struct cluster_core *c);
bool core_is_synced(const struct cluster_core *c);
uint32_t core_leader(const struct cluster_core *c);
bool core_may_lead(const struct cluster_core *c);
uint32_t core_nodeid(const struct cluster_core *c);
void core_stats(const struct cluster_core *c, struct cluster_stats *st);

/* exposed for tests: the epoch of a view */
uint64_t core_epoch_of(uint32_t rep_nodeid, uint64_t seq,
		       const struct core_member *m, size_t n);

#endif /* SRR_CLUSTER_INT_H */
