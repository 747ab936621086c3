/*
 * store.c: the ledger in SQLite.
 *
 * The schema version is kept in PRAGMA user_version. Opening checks the
 * file is a database (sqlite reads the header only when asked, so the
 * first query is the test) and runs quick_check: a corrupt store stops the
 * daemon with the reason instead of starting with an empty ledger.
 */
#define SRR_LOG_TAG "store"

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <qb/qblog.h>

#include "include/srr_log.h"
#include "agent/store.h"

struct srr_store {
	sqlite3 *db;
	sqlite3_stmt *put, *hist, *load;
	bool batch;		/* inside srr_store_begin(): puts do not commit */
	char err[512];
};

static const char schema[] =
	"CREATE TABLE ops ("
	" epoch INTEGER NOT NULL, node INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" status INTEGER NOT NULL, lpar TEXT NOT NULL, lpar_id INTEGER NOT NULL,"
	" src TEXT NOT NULL, dst TEXT NOT NULL, priority INTEGER NOT NULL,"
	" created INTEGER NOT NULL, updated INTEGER NOT NULL,"
	" attempts INTEGER NOT NULL, cl_attempts INTEGER NOT NULL,"
	" att_epoch INTEGER NOT NULL,"
	" code TEXT NOT NULL, msg TEXT NOT NULL,"
	" PRIMARY KEY (epoch, node, seq));"
	"CREATE TABLE history ("
	" epoch INTEGER NOT NULL, node INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" time INTEGER NOT NULL, from_status INTEGER NOT NULL,"
	" to_status INTEGER NOT NULL, reason TEXT NOT NULL);"
	"CREATE INDEX history_op ON history (epoch, node, seq);"
	"PRAGMA user_version = 1;";

static int
store_fail(struct srr_store *s, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	srr_log(LOG_ERR, "%s", s->err);
	return rc;
}

static int
errno_of(int sqlrc)
{
	switch (sqlrc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EBADMSG;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_READONLY:
		return -EACCES;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	default:
		return -EIO;
	}
}

static int
store_exec(struct srr_store *s, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return store_fail(s, errno_of(rc), "%s: %s", sql,
				  sqlite3_errmsg(s->db));
	return 0;
}

static int
store_int(struct srr_store *s, const char *sql, int *val, char *text,
	  size_t textlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (val != NULL)
			*val = sqlite3_column_int(st, 0);
		if (text != NULL)
			snprintf(text, textlen, "%s",
				 (const char *)sqlite3_column_text(st, 0));
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK && rc != SQLITE_DONE)
		rc = store_fail(s, errno_of(rc), "%s: %s", sql,
				sqlite3_errmsg(s->db));
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

/* Checks an existing store, or lays the schema in a new (empty) one. */
static int
store_schema(struct srr_store *s)
{
	char check[256] = "";
	int version = 0, tables = 0, rc;

	if ((rc = store_int(s, "PRAGMA user_version", &version, NULL, 0)) < 0 ||
	    (rc = store_int(s, "SELECT count(*) FROM sqlite_master", &tables,
			    NULL, 0)) < 0)
		return rc;
	if (version == 0 && tables == 0)
		return store_exec(s, schema);
	if (version == 0)
		return store_fail(s, -EBADMSG, "not an srrha ledger (tables "
				  "without a schema version)");
	if (version > SRR_STORE_SCHEMA)
		return store_fail(s, -EPROTO, "ledger schema version %d is "
				  "newer than this srrd (%d)", version,
				  SRR_STORE_SCHEMA);
	if ((rc = store_int(s, "PRAGMA quick_check", NULL, check,
			    sizeof(check))) < 0)
		return rc;
	if (strcmp(check, "ok") != 0)
		return store_fail(s, -EBADMSG, "integrity check failed: %s",
				  check);
	return 0;
}

static int
store_prepare(struct srr_store *s)
{
	static const char put[] = "INSERT OR REPLACE INTO ops VALUES "
		"(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	static const char hist[] = "INSERT INTO history VALUES (?,?,?,?,?,?,?)";
	static const char load[] = "SELECT epoch, node, seq, status, lpar, "
		"lpar_id, src, dst, priority, created, updated, attempts, "
		"cl_attempts, att_epoch, code, msg FROM ops "
		"ORDER BY epoch, node, seq";
	int rc;

	if ((rc = sqlite3_prepare_v2(s->db, put, -1, &s->put, NULL)) ||
	    (rc = sqlite3_prepare_v2(s->db, hist, -1, &s->hist, NULL)) ||
	    (rc = sqlite3_prepare_v2(s->db, load, -1, &s->load, NULL)))
		return store_fail(s, errno_of(rc), "prepare: %s",
				  sqlite3_errmsg(s->db));
	return 0;
}

int
srr_store_open(const char *path, struct srr_store **out, char *err,
	       size_t errlen)
{
	struct srr_store *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return -ENOMEM;
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		rc = store_fail(s, errno_of(rc), "cannot open %s: %s", path,
				s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if ((rc = store_schema(s)) < 0 ||
	    (rc = store_exec(s, "PRAGMA journal_mode=WAL")) < 0 ||
	    (rc = store_exec(s, "PRAGMA synchronous=FULL")) < 0 ||
	    (rc = store_prepare(s)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	if (err != NULL)
		snprintf(err, errlen, "ledger store %s: %s", path, s->err);
	srr_store_close(s);
	return rc;
}

void
srr_store_close(struct srr_store *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->hist);
	sqlite3_finalize(s->load);
	sqlite3_close(s->db);
	free(s);
}

const char *
srr_store_error(const struct srr_store *s)
{
	return s->err;
}

static int
bind_record(sqlite3_stmt *st, const struct srr_record *r)
{
	int rc = 0;

	rc |= sqlite3_bind_int64(st, 1, (sqlite3_int64)r->id.epoch);
	rc |= sqlite3_bind_int64(st, 2, r->id.node);
	rc |= sqlite3_bind_int64(st, 3, r->id.seq);
	rc |= sqlite3_bind_int(st, 4, (int)r->status);
	rc |= sqlite3_bind_text(st, 5, r->lpar, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_int64(st, 6, r->lpar_id);
	rc |= sqlite3_bind_text(st, 7, r->src, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, 8, r->dst, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_int64(st, 9, r->priority);
	rc |= sqlite3_bind_int64(st, 10, r->created.ms);
	rc |= sqlite3_bind_int64(st, 11, r->updated.ms);
	rc |= sqlite3_bind_int64(st, 12, r->attempts);
	rc |= sqlite3_bind_int64(st, 13, r->cl_attempts);
	rc |= sqlite3_bind_int64(st, 14, (sqlite3_int64)r->att_epoch);
	rc |= sqlite3_bind_text(st, 15, r->code, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, 16, r->msg, -1, SQLITE_STATIC);
	return rc;
}

static int
step_reset(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
srr_store_begin(struct srr_store *s)
{
	int rc;

	if (s->batch)
		return -EINPROGRESS;
	if ((rc = store_exec(s, "BEGIN IMMEDIATE")) < 0)
		return rc;
	s->batch = true;
	return 0;
}

int
srr_store_commit(struct srr_store *s)
{
	int rc;

	if (!s->batch)
		return -EINVAL;
	s->batch = false;
	rc = store_exec(s, "COMMIT");
	if (rc < 0)	/* a failed COMMIT may leave the transaction open */
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

void
srr_store_rollback(struct srr_store *s)
{
	if (!s->batch)
		return;
	s->batch = false;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int
srr_store_put(struct srr_store *s, const struct srr_record *r, int from,
	      const char *reason)
{
	int rc;

	if (!s->batch && (rc = store_exec(s, "BEGIN IMMEDIATE")) < 0)
		return rc;
	rc = bind_record(s->put, r);
	if (rc == SQLITE_OK)
		rc = step_reset(s->put);
	if (rc == SQLITE_OK) {
		rc |= sqlite3_bind_int64(s->hist, 1, (sqlite3_int64)r->id.epoch);
		rc |= sqlite3_bind_int64(s->hist, 2, r->id.node);
		rc |= sqlite3_bind_int64(s->hist, 3, r->id.seq);
		rc |= sqlite3_bind_int64(s->hist, 4, r->updated.ms);
		rc |= sqlite3_bind_int(s->hist, 5, from);
		rc |= sqlite3_bind_int(s->hist, 6, (int)r->status);
		rc |= sqlite3_bind_text(s->hist, 7, reason, -1, SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = step_reset(s->hist);
	}
	if (rc != SQLITE_OK) {
		rc = store_fail(s, errno_of(rc), "write: %s",
				sqlite3_errmsg(s->db));
		/* a batch's owner rolls the whole of it back */
		if (!s->batch)
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return s->batch ? 0 : store_exec(s, "COMMIT");
}

static void
col_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, len, "%s", t ? (const char *)t : "");
}

static int
row_record(sqlite3_stmt *st, struct srr_record *r)
{
	int status = sqlite3_column_int(st, 3);

	memset(r, 0, sizeof(*r));
	if (status < 0 || status >= SRR_OP_STATUS_COUNT)
		return -EBADMSG;
	r->id.epoch = (uint64_t)sqlite3_column_int64(st, 0);
	r->id.node = (uint32_t)sqlite3_column_int64(st, 1);
	r->id.seq = (uint32_t)sqlite3_column_int64(st, 2);
	r->status = (enum srr_op_status)status;
	col_text(st, 4, r->lpar, sizeof(r->lpar));
	r->lpar_id = (uint32_t)sqlite3_column_int64(st, 5);
	col_text(st, 6, r->src, sizeof(r->src));
	col_text(st, 7, r->dst, sizeof(r->dst));
	r->priority = (uint32_t)sqlite3_column_int64(st, 8);
	r->created.ms = sqlite3_column_int64(st, 9);
	r->updated.ms = sqlite3_column_int64(st, 10);
	r->attempts = (uint32_t)sqlite3_column_int64(st, 11);
	r->cl_attempts = (uint32_t)sqlite3_column_int64(st, 12);
	r->att_epoch = (uint64_t)sqlite3_column_int64(st, 13);
	col_text(st, 14, r->code, sizeof(r->code));
	col_text(st, 15, r->msg, sizeof(r->msg));
	return 0;
}

int
srr_store_load(struct srr_store *s,
	       int (*fn)(void *arg, const struct srr_record *r), void *arg)
{
	struct srr_record r;
	int rc, ret = 0;

	while ((rc = sqlite3_step(s->load)) == SQLITE_ROW) {
		if ((ret = row_record(s->load, &r)) < 0) {
			store_fail(s, ret, "a record has an invalid status");
			break;
		}
		if ((ret = fn(arg, &r)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = store_fail(s, errno_of(rc), "read: %s",
				 sqlite3_errmsg(s->db));
	sqlite3_reset(s->load);
	return ret;
}

int
srr_store_history(struct srr_store *s, const struct srr_op_id *id,
		  struct srr_history_row **rows, size_t *n)
{
	static const char sql[] = "SELECT time, from_status, to_status, "
		"reason FROM history WHERE epoch=? AND node=? AND seq=? "
		"ORDER BY rowid";
	struct srr_history_row *v = NULL, *nv;
	sqlite3_stmt *st;
	size_t count = 0;
	int rc;

	if ((rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return store_fail(s, errno_of(rc), "history: %s",
				  sqlite3_errmsg(s->db));
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id->epoch);
	sqlite3_bind_int64(st, 2, id->node);
	sqlite3_bind_int64(st, 3, id->seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		nv = realloc(v, (count + 1) * sizeof(*v));
		if (nv == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		v = nv;
		v[count].id = *id;
		v[count].time.ms = sqlite3_column_int64(st, 0);
		v[count].from = sqlite3_column_int(st, 1);
		v[count].to = (enum srr_op_status)sqlite3_column_int(st, 2);
		col_text(st, 3, v[count].reason, sizeof(v[count].reason));
		count++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return store_fail(s, errno_of(rc), "history read failed");
	}
	*rows = v;
	*n = count;
	return 0;
}

static void
history_entry(sqlite3_stmt *st, struct srr_history_entry *e)
{
	e->row.id.epoch = (uint64_t)sqlite3_column_int64(st, 0);
	e->row.id.node = (uint32_t)sqlite3_column_int64(st, 1);
	e->row.id.seq = (uint32_t)sqlite3_column_int64(st, 2);
	e->row.time.ms = sqlite3_column_int64(st, 3);
	e->row.from = sqlite3_column_int(st, 4);
	e->row.to = (enum srr_op_status)sqlite3_column_int(st, 5);
	col_text(st, 6, e->row.reason, sizeof(e->row.reason));
	col_text(st, 7, e->lpar, sizeof(e->lpar));
	col_text(st, 8, e->src, sizeof(e->src));
	col_text(st, 9, e->dst, sizeof(e->dst));
	col_text(st, 10, e->code, sizeof(e->code));
}

static void
history_bind(sqlite3_stmt *st, const struct srr_history_filter *f)
{
	sqlite3_bind_int64(st, 1, f->since_ms);
	if (f->lpar != NULL)
		sqlite3_bind_text(st, 2, f->lpar, -1, SQLITE_TRANSIENT);
	if (f->sys != NULL)
		sqlite3_bind_text(st, 3, f->sys, -1, SQLITE_TRANSIENT);
	/* One row more than asked tells whether the limit cut the list. */
	sqlite3_bind_int64(st, 4, f->limit ? (sqlite3_int64)f->limit + 1 : -1);
}

int
srr_store_history_list(struct srr_store *s,
		       const struct srr_history_filter *f,
		       struct srr_history_entry **rows, size_t *n,
		       bool *truncated)
{
	static const char sql[] = "SELECT h.epoch, h.node, h.seq, h.time, "
		"h.from_status, h.to_status, h.reason, o.lpar, o.src, o.dst, o.code "
		"FROM history h JOIN ops o "
		"ON h.epoch = o.epoch AND h.node = o.node AND h.seq = o.seq "
		"WHERE h.time >= ?1 AND (?2 IS NULL OR o.lpar = ?2) "
		"AND (?3 IS NULL OR o.src = ?3 OR (o.src <> '' AND o.dst = ?3)) "
		"ORDER BY h.time, h.rowid LIMIT ?4";
	struct srr_history_entry *v = NULL, *nv;
	sqlite3_stmt *st;
	size_t count = 0;
	bool more = false;
	int rc;

	if ((rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return store_fail(s, errno_of(rc), "history: %s",
				  sqlite3_errmsg(s->db));
	history_bind(st, f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (f->limit && count == f->limit) {
			more = true;
			continue;
		}
		nv = realloc(v, (count + 1) * sizeof(*v));
		if (nv == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		v = nv;
		history_entry(st, &v[count++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return store_fail(s, errno_of(rc), "history read failed");
	}
	if (truncated != NULL)
		*truncated = more;
	*rows = v;
	*n = count;
	return 0;
}
