/*
 * ledger.h: the replicated, durable ledger of remote restart operations.
 *
 * An operation record is identified by (epoch, leader nodeid, sequence).
 * Its status only moves up a lattice (planned < restarting < restarted <
 * cleaning < cleaned, with failed and abandoned as side branches), and two
 * copies of a record merge to the greater one (srr_record_cmp), so merging
 * ledgers is a union: commutative, associative and idempotent.
 *
 * Error convention: 0 (or a count) on success, a negative errno on failure.
 * Bytes from a peer are outside input: a malformed buffer is refused whole
 * with -EBADMSG and nothing is merged.
 */
#ifndef SRR_LEDGER_H
#define SRR_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hmc/hmc.h"

#define SRR_NAME_LEN	(HMC_NAME_MAX + 1)
#define SRR_MSG_LEN	256
/* Most records one buffer may carry (2000 partitions fit many times). */
#define SRR_LEDGER_MAX	(1u << 20)

/* Wall-clock time (ms since the epoch) for records and the audit; monotonic
 * time for decisions lives in engine.h and is a different type on purpose. */
struct srr_wall {
	int64_t ms;
};

enum srr_op_status {
	SRR_OP_PLANNED = 0,
	SRR_OP_RESTARTING,
	SRR_OP_FAILED,		/* restart failed: retryable */
	SRR_OP_RESTARTED,	/* debt open */
	SRR_OP_CLEANING,	/* debt open, cleanup attempted */
	SRR_OP_ABANDONED,	/* operator, with a reason: terminal */
	SRR_OP_CLEANED,		/* debt closed: terminal */
	SRR_OP_STATUS_COUNT
};

struct srr_op_id {
	uint64_t epoch;
	uint32_t node;
	uint32_t seq;
};

struct srr_record {
	struct srr_op_id id;
	enum srr_op_status status;
	char lpar[SRR_NAME_LEN];
	uint32_t lpar_id;
	char src[SRR_NAME_LEN];
	char dst[SRR_NAME_LEN];		/* "" until placed */
	uint32_t priority;
	struct srr_wall created;
	struct srr_wall updated;
	uint32_t attempts;		/* restart attempts */
	uint64_t att_epoch;		/* epoch that proposed this attempt */
	uint32_t cl_attempts;		/* cleanup attempts */
	char code[HMC_CODE_LEN];	/* last HSCL code, or "" */
	char msg[SRR_MSG_LEN];		/* last HMC message or operator reason */
};

const char *srr_op_status_name(enum srr_op_status st);
/* True once a restart may have happened: the record is (or was) a debt. */
bool srr_op_status_debt(enum srr_op_status st);
/* True if the lattice allows FROM -> TO (FROM == TO is not a transition). */
bool srr_op_transition_ok(enum srr_op_status from, enum srr_op_status to);
bool srr_op_id_eq(const struct srr_op_id *a, const struct srr_op_id *b);
int srr_op_id_cmp(const struct srr_op_id *a, const struct srr_op_id *b);
/* "EPOCH.NODE.SEQ" */
void srr_op_id_str(const struct srr_op_id *id, char *out, size_t len);
int srr_op_id_parse(const char *s, struct srr_op_id *id);

/* A mode record is not an operation: it is an operator's pause or resume
 * of the automatic mode, replicated and stored as operations are, so that
 * every agent shows it and the next leader keeps it (a pause that lived
 * only in one leader's memory ended with that leader). Its lpar and src
 * are empty, which no operation's are; code is "pause" or "resume", msg
 * the operator's reason, dst the operator's user name, created when, and
 * attempts its version: one more than the greatest the leader held. The
 * one in force has the greatest version, then the greatest id (epochs are
 * not ordered in time within a ring: doc/cluster.md). */
#define SRR_MODE_PAUSE	"pause"
#define SRR_MODE_RESUME	"resume"
/* The same kind of record, for the audit only (the engine never acts on
 * them): an operator's confirm, replay or manual restart, with the user
 * in dst and what was done in msg. */
#define SRR_AUDIT_CONFIRM	"confirm"
#define SRR_AUDIT_REPLAY	"replay"
#define SRR_AUDIT_RESTART	"restart"
/* The seq of a mode or audit record has this bit set: they never share
 * an id with an operation (whose seq restarts with each epoch). */
#define SRR_AUDIT_SEQ	0x80000000u
bool srr_record_is_mode(const struct srr_record *r);
/* A code a mode or audit record may carry. */
bool srr_mode_code_ok(const char *code);
/* > 0 if mode record A supersedes B. */
int srr_mode_cmp(const struct srr_record *a, const struct srr_record *b);

/* The merge order, a total order on records with the same id: < 0, 0, > 0.
 * Debts (restarted and above) beat restart attempts; among attempts the
 * higher attempt number wins, then the attempt of the later epoch (a late
 * proposal of an old epoch never overrides a newer one), then the later
 * stage; then later time; then the bytes, so that two copies never tie. */
int srr_record_cmp(const struct srr_record *a, const struct srr_record *b);

/* ledger_codec.c: the versioned, length-checked wire encoding. */
#define SRR_CODEC_VERSION	1
int srr_records_encode(const struct srr_record *const *recs, size_t n,
		       uint8_t **out, size_t *len);
/* Decodes a whole buffer or nothing: -EBADMSG on any malformed byte. */
int srr_records_decode(const uint8_t *buf, size_t len,
		       struct srr_record **recs, size_t *n);
/* Each record of BUF in order through FN (NULL: only check the buffer),
 * one record in memory at a time; stops at FN's first error. -EBADMSG on
 * a malformed buffer (records before the bad one may have gone through
 * FN: check first to refuse a buffer whole). */
int srr_records_each(const uint8_t *buf, size_t len,
		     int (*fn)(void *arg, const struct srr_record *r),
		     void *arg);
/* The same in steps: from *CURSOR (0 at the start; opaque), for about
 * BUDGET_MS; 1 while records remain, 0 at the end, -EBADMSG, or FN's
 * error. */
int srr_records_walk(const uint8_t *buf, size_t len, uint64_t *cursor,
		     unsigned budget_ms,
		     int (*fn)(void *arg, const struct srr_record *r),
		     void *arg);

struct srr_digest_entry {
	struct srr_op_id id;
	uint8_t status;
	uint32_t attempts;
	uint32_t cl_attempts;
	int64_t updated_ms;
	uint64_t hash;
};
uint64_t srr_record_hash(const struct srr_record *r);
int srr_digest_encode(const struct srr_digest_entry *d, size_t n,
		      uint8_t **out, size_t *len);
int srr_digest_decode(const uint8_t *buf, size_t len,
		      struct srr_digest_entry **d, size_t *n);

/* ledger.c: the ledger object (in memory, written through to a store). */
struct srr_store;
struct srr_ledger;

/* Called after a record changed and is durable (the daemon feeds it to the
 * engine as a "record merged" event). */
typedef void (*srr_ledger_change_fn)(void *arg, const struct srr_record *r);

/* STORE may be NULL (memory only: the simulator). With a store, every
 * record it holds is loaded. */
int srr_ledger_new(struct srr_store *store, struct srr_ledger **out);
void srr_ledger_free(struct srr_ledger *l);
void srr_ledger_on_change(struct srr_ledger *l, srr_ledger_change_fn fn,
			  void *arg);
/* Merge one record; written to the store (with a history row giving
 * REASON) before it is applied in memory. *CHANGED (may be NULL) tells if
 * it was new or greater. */
int srr_ledger_put(struct srr_ledger *l, const struct srr_record *r,
		   const char *reason, bool *changed);
const struct srr_record *srr_ledger_get(const struct srr_ledger *l,
					const struct srr_op_id *id);
size_t srr_ledger_count(const struct srr_ledger *l);
const struct srr_record *srr_ledger_at(const struct srr_ledger *l, size_t i);

/* The replication callbacks the cluster layer calls (ctx: the ledger). */
int srr_ledger_digest(void *ctx, uint8_t **out, size_t *len);
int srr_ledger_delta(void *ctx, const uint8_t *peer_digest, size_t peer_len,
		     uint8_t **out, size_t *len);
int srr_ledger_merge(void *ctx, const uint8_t *data, size_t len);
/* cluster_sync_ops.merge_step: the buffer checked, then merged, each in
 * steps of SRR_MERGE_STEP_MS */
#define SRR_MERGE_STEP_MS	20u
int srr_ledger_merge_step(void *ctx, const uint8_t *data, size_t len,
			  uint64_t *cursor);

#endif /* SRR_LEDGER_H */
