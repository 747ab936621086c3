/*
 * ledger.c: the status lattice, the merge order and the ledger object with
 * the replication callbacks (digest, delta, merge).
 */
#define SRR_LOG_TAG "ledger"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qb/qblog.h>

#include "include/srr_log.h"
#include "agent/ledger.h"
#include "agent/store.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const status_names[SRR_OP_STATUS_COUNT] = {
	[SRR_OP_PLANNED]	= "planned",
	[SRR_OP_RESTARTING]	= "restarting",
	[SRR_OP_FAILED]		= "failed",
	[SRR_OP_RESTARTED]	= "restarted",
	[SRR_OP_CLEANING]	= "cleaning",
	[SRR_OP_ABANDONED]	= "abandoned",
	[SRR_OP_CLEANED]	= "cleaned",
};

/* allowed[from][to]. Failed and cleaning may be entered again (one more
 * attempt with its error); nothing leaves abandoned or cleaned. Only a
 * debt can be abandoned: abandoned outranks every attempt in the merge, so
 * an abandon of a planned operation arriving late could hide a restart
 * made meanwhile (found by the simulator, seed 7304). */
static const bool allowed[SRR_OP_STATUS_COUNT][SRR_OP_STATUS_COUNT] = {
	[SRR_OP_PLANNED] = { [SRR_OP_RESTARTING] = true, [SRR_OP_FAILED] = true },
	[SRR_OP_RESTARTING] = { [SRR_OP_RESTARTED] = true, [SRR_OP_FAILED] = true },
	/* failed -> restarted: a success reported after a failure was
	 * recorded (the success is the fact that matters: it is a debt). */
	[SRR_OP_FAILED] = { [SRR_OP_RESTARTING] = true, [SRR_OP_FAILED] = true,
			    [SRR_OP_RESTARTED] = true },
	[SRR_OP_RESTARTED] = { [SRR_OP_CLEANING] = true, [SRR_OP_CLEANED] = true,
			       [SRR_OP_ABANDONED] = true },
	[SRR_OP_CLEANING] = { [SRR_OP_CLEANING] = true, [SRR_OP_CLEANED] = true,
			      [SRR_OP_ABANDONED] = true },
};

const char *
srr_op_status_name(enum srr_op_status st)
{
	if ((unsigned)st >= NELEM(status_names))
		return "invalid";
	return status_names[st];
}

bool
srr_op_status_debt(enum srr_op_status st)
{
	return st >= SRR_OP_RESTARTED && st < SRR_OP_STATUS_COUNT;
}

bool
srr_op_transition_ok(enum srr_op_status from, enum srr_op_status to)
{
	if ((unsigned)from >= SRR_OP_STATUS_COUNT ||
	    (unsigned)to >= SRR_OP_STATUS_COUNT)
		return false;
	return allowed[from][to];
}

bool
srr_op_id_eq(const struct srr_op_id *a, const struct srr_op_id *b)
{
	return a->epoch == b->epoch && a->node == b->node && a->seq == b->seq;
}

#define CMP(x, y) do { if ((x) != (y)) return (x) < (y) ? -1 : 1; } while (0)

int
srr_op_id_cmp(const struct srr_op_id *a, const struct srr_op_id *b)
{
	CMP(a->epoch, b->epoch);
	CMP(a->node, b->node);
	CMP(a->seq, b->seq);
	return 0;
}

bool
srr_record_is_mode(const struct srr_record *r)
{
	return r->lpar[0] == '\0' && r->src[0] == '\0';
}

bool
srr_mode_code_ok(const char *code)
{
	static const char *const ok[] = { SRR_MODE_PAUSE, SRR_MODE_RESUME,
		SRR_AUDIT_CONFIRM, SRR_AUDIT_REPLAY, SRR_AUDIT_RESTART };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(code, ok[i]) == 0)
			return true;
	return false;
}

int
srr_mode_cmp(const struct srr_record *a, const struct srr_record *b)
{
	CMP(a->attempts, b->attempts);
	return srr_op_id_cmp(&a->id, &b->id);
}

void
srr_op_id_str(const struct srr_op_id *id, char *out, size_t len)
{
	snprintf(out, len, "%" PRIu64 ".%" PRIu32 ".%" PRIu32,
		 id->epoch, id->node, id->seq);
}

/* One decimal field ending in END (digits only: no blank, sign or
 * overflow, which sscanf's %llu lets through). */
static int
id_field(const char **s, char end, uint64_t max, uint64_t *v)
{
	char *e;

	if (**s < '0' || **s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(*s, &e, 10);
	if (errno != 0 || *e != end || *v > max)
		return -EINVAL;
	*s = e + (end != '\0');
	return 0;
}

int
srr_op_id_parse(const char *s, struct srr_op_id *id)
{
	uint64_t e, n, q;

	if (s == NULL || id_field(&s, '.', UINT64_MAX, &e) < 0 ||
	    id_field(&s, '.', UINT32_MAX, &n) < 0 ||
	    id_field(&s, '\0', UINT32_MAX, &q) < 0)
		return -EINVAL;
	id->epoch = e;
	id->node = (uint32_t)n;
	id->seq = (uint32_t)q;
	return 0;
}

/* The bytes compared last: every field, in a fixed order. */
static int
record_bytes_cmp(const struct srr_record *a, const struct srr_record *b)
{
	int c;

	if ((c = strcmp(a->dst, b->dst)) != 0 ||
	    (c = strcmp(a->code, b->code)) != 0 ||
	    (c = strcmp(a->msg, b->msg)) != 0 ||
	    (c = strcmp(a->lpar, b->lpar)) != 0 ||
	    (c = strcmp(a->src, b->src)) != 0)
		return c < 0 ? -1 : 1;
	CMP(a->lpar_id, b->lpar_id);
	CMP(a->priority, b->priority);
	CMP(a->created.ms, b->created.ms);
	return 0;
}

int
srr_record_cmp(const struct srr_record *a, const struct srr_record *b)
{
	bool da = srr_op_status_debt(a->status), db = srr_op_status_debt(b->status);

	if (da != db)
		return da ? 1 : -1;
	if (!da) {
		/* Attempt n+1 supersedes whatever attempt n became. */
		CMP(a->attempts, b->attempts);
		CMP(a->att_epoch, b->att_epoch);
		CMP(a->status, b->status);
	} else {
		CMP(a->status, b->status);
		CMP(a->cl_attempts, b->cl_attempts);
		CMP(a->attempts, b->attempts);
	}
	CMP(a->updated.ms, b->updated.ms);
	return record_bytes_cmp(a, b);
}

/* ------------------------------------------------------------------------ */
/* The ledger object                                                        */
/* ------------------------------------------------------------------------ */

struct srr_ledger {
	struct srr_record *recs;
	size_t n, cap;
	/* open addressing over ids: position + 1, 0 free; kept at most half
	 * full, so a lookup is O(1) and a merge of n records O(n) */
	uint32_t *idx;
	size_t idx_cap;		/* a power of two */
	struct srr_store *store;
	srr_ledger_change_fn on_change;
	void *arg;
	/* A merge's batch (batch_begin): up to LEDGER_BATCH records written
	 * in one store transaction, so one fsync. They are applied in memory
	 * as they come, but nobody is told (on_change) before the commit;
	 * a failed commit undoes them from this log. A batch opens and closes
	 * inside one merge call, so nothing else on the loop (views, digests,
	 * deltas) ever reads a record the store has not committed. */
	bool batch;
	size_t n_before;		/* l->n at batch_begin */
	struct batch_undo {
		size_t i;
		struct srr_record old;	/* unused for i >= n_before */
	} *undo;
	size_t nundo;
};

/* Records per store transaction in a merge: one fsync for a restart
 * wave's intents or a sync delta's slice, and an undo log of at most
 * this many records (about 0.2 MB). */
#define LEDGER_BATCH	256u

static size_t
id_hash(const struct srr_op_id *id)
{
	uint64_t h = id->epoch * 0x9e3779b97f4a7c15ull;

	h ^= ((uint64_t)id->node << 32 | id->seq) + 0x7f4a7c159e3779b9ull +
	     (h << 6) + (h >> 2);
	h ^= h >> 31;
	return (size_t)(h * 0xbf58476d1ce4e5b9ull >> 17);
}

static size_t
idx_slot(const struct srr_ledger *l, const struct srr_op_id *id)
{
	size_t m = l->idx_cap - 1, i = id_hash(id) & m;

	while (l->idx[i] != 0 && !srr_op_id_eq(&l->recs[l->idx[i] - 1].id, id))
		i = (i + 1) & m;
	return i;
}

static int
idx_grow(struct srr_ledger *l, size_t want)
{
	size_t cap = l->idx_cap ? l->idx_cap : 64, i;
	uint32_t *old = l->idx;

	while (cap < 2 * want)
		cap *= 2;
	if (cap == l->idx_cap)
		return 0;
	l->idx = calloc(cap, sizeof(*l->idx));
	if (l->idx == NULL) {
		l->idx = old;
		return -ENOMEM;
	}
	l->idx_cap = cap;
	for (i = 0; i < l->n; i++)
		l->idx[idx_slot(l, &l->recs[i].id)] = (uint32_t)i + 1;
	free(old);
	return 0;
}

static ssize_t
ledger_find(const struct srr_ledger *l, const struct srr_op_id *id)
{
	size_t i;

	if (l->idx_cap == 0)
		return -1;
	i = idx_slot(l, id);
	return l->idx[i] ? (ssize_t)l->idx[i] - 1 : -1;
}

static int
ledger_load_one(void *arg, const struct srr_record *r)
{
	return srr_ledger_put(arg, r, NULL, NULL);
}

int
srr_ledger_new(struct srr_store *store, struct srr_ledger **out)
{
	struct srr_ledger *l = calloc(1, sizeof(*l));
	int rc;

	if (l == NULL)
		return -ENOMEM;
	if (store != NULL) {
		/* Load first, attach the store after: loading writes nothing. */
		rc = srr_store_load(store, ledger_load_one, l);
		if (rc < 0) {
			srr_ledger_free(l);
			return rc;
		}
	}
	l->store = store;
	*out = l;
	return 0;
}

void
srr_ledger_free(struct srr_ledger *l)
{
	if (l == NULL)
		return;
	free(l->recs);
	free(l->idx);
	free(l->undo);
	free(l);
}

void
srr_ledger_on_change(struct srr_ledger *l, srr_ledger_change_fn fn, void *arg)
{
	l->on_change = fn;
	l->arg = arg;
}

static int
ledger_grow(struct srr_ledger *l)
{
	size_t cap = l->cap ? l->cap * 2 : 16;
	struct srr_record *n;

	if (l->n >= SRR_LEDGER_MAX)
		return -E2BIG;
	if (idx_grow(l, cap) < 0)
		return -ENOMEM;
	n = realloc(l->recs, cap * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	l->recs = n;
	l->cap = cap;
	return 0;
}

/* The slot of record I in the batch's log, once: its state before the
 * batch (for the undo) and its place in the order of on_change. */
static int
batch_note(struct srr_ledger *l, size_t i)
{
	size_t k;

	for (k = 0; k < l->nundo; k++)
		if (l->undo[k].i == i)
			return 0;
	if (l->nundo >= LEDGER_BATCH)
		return -E2BIG;
	l->undo[l->nundo].i = i;
	if (i < l->n_before)
		l->undo[l->nundo].old = l->recs[i];
	l->nundo++;
	return 0;
}

int
srr_ledger_put(struct srr_ledger *l, const struct srr_record *r,
	       const char *reason, bool *changed)
{
	ssize_t i = ledger_find(l, &r->id);
	int from = i < 0 ? -1 : (int)l->recs[i].status;
	int rc;

	if (changed != NULL)
		*changed = false;
	if ((unsigned)r->status >= SRR_OP_STATUS_COUNT)
		return -EINVAL;
	if (i >= 0 && srr_record_cmp(r, &l->recs[i]) <= 0)
		return 0;
	if (i < 0 && l->n == l->cap && (rc = ledger_grow(l)) < 0)
		return rc;
	if (l->batch && (rc = batch_note(l, i < 0 ? l->n : (size_t)i)) < 0)
		return rc;
	/* Durable before it is applied, and so before anyone is told (in a
	 * batch: applied here, told after the commit, undone if it fails). */
	if (l->store != NULL) {
		rc = srr_store_put(l->store, r, from, reason ? reason : "merged");
		if (rc < 0) {
			srr_log(LOG_ERR, "cannot store record: %s",
				srr_store_error(l->store));
			if (l->batch && i < 0)
				l->nundo--;	/* noted, never appended */
			return rc;
		}
	}
	if (i < 0)
		i = (ssize_t)l->n++;
	l->recs[i] = *r;
	l->idx[idx_slot(l, &r->id)] = (uint32_t)i + 1;
	if (changed != NULL)
		*changed = true;
	if (!l->batch && l->on_change != NULL)
		l->on_change(l->arg, &l->recs[i]);
	return 0;
}

static int
batch_begin(struct srr_ledger *l)
{
	int rc;

	if (l->undo == NULL &&
	    (l->undo = malloc(LEDGER_BATCH * sizeof(*l->undo))) == NULL)
		return -ENOMEM;
	if (l->store != NULL && (rc = srr_store_begin(l->store)) < 0) {
		srr_log(LOG_ERR, "cannot store records: %s",
			srr_store_error(l->store));
		return rc;
	}
	l->batch = true;
	l->n_before = l->n;
	l->nundo = 0;
	return 0;
}

/* Back to the ledger of batch_begin: the changed records' old values,
 * newest first, then the new ones cut off and the index rebuilt. */
static void
batch_undo(struct srr_ledger *l)
{
	size_t k;

	for (k = l->nundo; k-- > 0;)
		if (l->undo[k].i < l->n_before)
			l->recs[l->undo[k].i] = l->undo[k].old;
	l->n = l->n_before;
	if (l->idx_cap > 0) {
		memset(l->idx, 0, l->idx_cap * sizeof(*l->idx));
		for (k = 0; k < l->n; k++)
			l->idx[idx_slot(l, &l->recs[k].id)] = (uint32_t)k + 1;
	}
}

/* Commit the batch (RC 0) or roll it back (RC < 0, or a failed commit);
 * then tell on_change of every record it changed, in the order of their
 * first change, each once with its final value. Returns RC or the
 * commit's error. */
static int
batch_end(struct srr_ledger *l, int rc)
{
	size_t k, n;

	if (!l->batch)
		return rc;
	l->batch = false;
	if (l->store != NULL && rc < 0)
		srr_store_rollback(l->store);
	else if (l->store != NULL && (rc = srr_store_commit(l->store)) < 0)
		srr_log(LOG_ERR, "cannot store %zu records: %s", l->nundo,
			srr_store_error(l->store));
	if (rc < 0) {
		if (l->nundo > 0)
			srr_log(LOG_ERR, "%zu merged records undone: the store "
				"did not take them", l->nundo);
		batch_undo(l);
		l->nundo = 0;
		return rc;
	}
	n = l->nundo;
	l->nundo = 0;
	for (k = 0; k < n && l->on_change != NULL; k++)
		l->on_change(l->arg, &l->recs[l->undo[k].i]);
	return 0;
}

const struct srr_record *
srr_ledger_get(const struct srr_ledger *l, const struct srr_op_id *id)
{
	ssize_t i = ledger_find(l, id);

	return i < 0 ? NULL : &l->recs[i];
}

size_t
srr_ledger_count(const struct srr_ledger *l)
{
	return l->n;
}

const struct srr_record *
srr_ledger_at(const struct srr_ledger *l, size_t i)
{
	return i < l->n ? &l->recs[i] : NULL;
}

/* ------------------------------------------------------------------------ */
/* Replication callbacks                                                    */
/* ------------------------------------------------------------------------ */

static void
digest_entry(const struct srr_record *r, struct srr_digest_entry *d)
{
	d->id = r->id;
	d->status = (uint8_t)r->status;
	d->attempts = r->attempts;
	d->cl_attempts = r->cl_attempts;
	d->updated_ms = r->updated.ms;
	d->hash = srr_record_hash(r);
}

int
srr_ledger_digest(void *ctx, uint8_t **out, size_t *len)
{
	struct srr_ledger *l = ctx;
	struct srr_digest_entry *d;
	size_t i;
	int rc;

	d = calloc(l->n ? l->n : 1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	for (i = 0; i < l->n; i++)
		digest_entry(&l->recs[i], &d[i]);
	rc = srr_digest_encode(d, l->n, out, len);
	free(d);
	return rc;
}

/* True if the peer's entry shows a copy at least as great as R. The hash
 * stands for the bytes: same key and same hash is the same record. */
static bool
peer_has(const struct srr_digest_entry *p, const struct srr_record *r)
{
	struct srr_digest_entry mine;

	digest_entry(r, &mine);
	return p->status == mine.status && p->attempts == mine.attempts &&
	       p->cl_attempts == mine.cl_attempts &&
	       p->updated_ms == mine.updated_ms && p->hash == mine.hash;
}

static int
digest_id_cmp(const void *a, const void *b)
{
	return srr_op_id_cmp(&((const struct srr_digest_entry *)a)->id,
			     &((const struct srr_digest_entry *)b)->id);
}

/* O((n + m) log m): the peer's digest sorted once, searched per record */
int
srr_ledger_delta(void *ctx, const uint8_t *peer_digest, size_t peer_len,
		 uint8_t **out, size_t *len)
{
	struct srr_ledger *l = ctx;
	struct srr_digest_entry *d = NULL, key;
	const struct srr_digest_entry *p;
	const struct srr_record **send;
	size_t nd = 0, ns = 0, i;
	int rc;

	rc = srr_digest_decode(peer_digest, peer_len, &d, &nd);
	if (rc < 0)
		return rc;
	send = calloc(l->n ? l->n : 1, sizeof(*send));
	if (send == NULL) {
		free(d);
		return -ENOMEM;
	}
	qsort(d, nd, sizeof(*d), digest_id_cmp);
	for (i = 0; i < l->n; i++) {
		key.id = l->recs[i].id;
		p = bsearch(&key, d, nd, sizeof(*d), digest_id_cmp);
		/* Absent, or different: send ours; merge keeps the greater. */
		if (p == NULL || !peer_has(p, &l->recs[i]))
			send[ns++] = &l->recs[i];
	}
	rc = srr_records_encode(send, ns, out, len);
	free(send);
	free(d);
	return rc;
}

static int
merge_one(void *arg, const struct srr_record *r)
{
	char why[SRR_MSG_LEN + 2 * SRR_NAME_LEN];
	struct srr_ledger *l = arg;
	int rc;

	if (l->batch && l->nundo >= LEDGER_BATCH &&
	    ((rc = batch_end(l, 0)) < 0 || (rc = batch_begin(l)) < 0))
		return rc;

	/* Every agent's history row says what the record says: the HMC's
	 * message or the operator's reason (with the user), not only that
	 * it came through the cluster. */
	if (srr_record_is_mode(r))
		snprintf(why, sizeof(why), "%s by %s: %s",
			 !strcmp(r->code, SRR_MODE_PAUSE) ? "paused" :
			 !strcmp(r->code, SRR_MODE_RESUME) ? "resumed" : r->code,
			 r->dst, r->msg);
	else
		snprintf(why, sizeof(why), "%s", r->msg[0] ? r->msg :
			 "replicated");
	return srr_ledger_put(arg, r, why, NULL);
}

/* Checked whole, then merged one record at a time: no copy of the
 * buffer's records is held (a peer's count allocates nothing). */
int
srr_ledger_merge(void *ctx, const uint8_t *data, size_t len)
{
	int rc = srr_records_each(data, len, NULL, NULL);

	if (rc < 0) {
		srr_log(LOG_WARNING, "refused a malformed peer buffer "
			"(%zu bytes): nothing merged", len);
		return rc;
	}
	if ((rc = batch_begin(ctx)) < 0)
		return rc;
	return batch_end(ctx, srr_records_each(data, len, merge_one, ctx));
}

/* Bit 63 of the cursor: checked, now merging (the walk's own cursor uses
 * the low 52 bits: an offset below 4 GiB, a count below 2^20). */
#define STEP_MERGING	(1ull << 63)

int
srr_ledger_merge_step(void *ctx, const uint8_t *data, size_t len,
		      uint64_t *cursor)
{
	uint64_t w = *cursor & ~STEP_MERGING;
	bool merging = (*cursor & STEP_MERGING) != 0;
	int rc;

	if (merging && (rc = batch_begin(ctx)) < 0)
		return rc;
	rc = srr_records_walk(data, len, &w, SRR_MERGE_STEP_MS,
			      merging ? merge_one : NULL, ctx);
	if (merging) {
		int brc = batch_end(ctx, rc < 0 ? rc : 0);

		if (brc < 0)
			return brc;
	}
	if (rc == -EBADMSG && !merging)
		srr_log(LOG_WARNING, "refused a malformed peer buffer "
			"(%zu bytes): nothing merged", len);
	if (rc < 0)
		return rc;
	if (rc == 0 && !merging) {	/* checked whole: merge from the top */
		*cursor = STEP_MERGING;
		return 1;
	}
	*cursor = w | (merging ? STEP_MERGING : 0);
	return rc;
}
