/*
 * store.h: the ledger's durable store (SQLite).
 *
 * WAL journal, synchronous=FULL: a record is on disk when srr_store_put()
 * returns (or, in a batch, when srr_store_commit() does), before the
 * ledger acknowledges it to anyone. The schema carries
 * a version; a store that is corrupt, unreadable or from a newer schema is
 * refused with a clear message, never replaced by an empty ledger.
 *
 * Error convention: 0 on success, a negative errno on failure; the message
 * goes to ERR (srr_store_open) or srr_store_error().
 */
#ifndef SRR_STORE_H
#define SRR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/ledger.h"

#define SRR_STORE_SCHEMA	1

struct srr_store;

/* Opens (creating if absent) the store at PATH. -EBADMSG: corrupt or not a
 * store; -EPROTO: unknown schema version; -EIO/-EACCES: cannot read. */
int srr_store_open(const char *path, struct srr_store **out,
		   char *err, size_t errlen);
void srr_store_close(struct srr_store *s);
const char *srr_store_error(const struct srr_store *s);

/* Writes R and a history row (FROM -> R->status, REASON) in one
 * transaction, or in the open batch. FROM is -1 for a new record. */
int srr_store_put(struct srr_store *s, const struct srr_record *r,
		  int from, const char *reason);
/* A batch: the puts between begin and commit are one transaction, so one
 * fsync for all of them, and none of them is on disk before the commit
 * returns 0. A failed commit rolls the batch back; so does rollback.
 * -EINPROGRESS: a batch is already open. */
int srr_store_begin(struct srr_store *s);
int srr_store_commit(struct srr_store *s);
void srr_store_rollback(struct srr_store *s);
/* Calls FN for every record; stops at the first non-zero return. */
int srr_store_load(struct srr_store *s,
		   int (*fn)(void *arg, const struct srr_record *r), void *arg);

struct srr_history_row {
	struct srr_op_id id;
	struct srr_wall time;
	int from;			/* -1: created */
	enum srr_op_status to;
	char reason[SRR_MSG_LEN];
};
/* History of one operation, oldest first; *ROWS malloc'd. */
int srr_store_history(struct srr_store *s, const struct srr_op_id *id,
		      struct srr_history_row **rows, size_t *n);

/* Every history row, with its operation's partition and systems, filtered:
 * SINCE_MS (rows at or after it; 0: all), LPAR (NULL: any), SYS (NULL:
 * any; matches the source or the destination), at most LIMIT rows (0: no
 * limit). Oldest first; *ROWS malloc'd. *TRUNCATED (may be NULL) tells if
 * LIMIT cut the list. */
struct srr_history_filter {
	int64_t since_ms;
	const char *lpar;
	const char *sys;
	size_t limit;
};
struct srr_history_entry {
	struct srr_history_row row;
	char lpar[SRR_NAME_LEN];
	char src[SRR_NAME_LEN];
	char dst[SRR_NAME_LEN];
	char code[HMC_CODE_LEN];	/* a mode record's pause or resume */
};
int srr_store_history_list(struct srr_store *s,
			   const struct srr_history_filter *f,
			   struct srr_history_entry **rows, size_t *n,
			   bool *truncated);

#endif /* SRR_STORE_H */
