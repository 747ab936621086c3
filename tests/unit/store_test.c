/*
 * store_test.c: the SQLite store: durability across reopen, the history,
 * refusal of corrupt, foreign and newer stores (functional, security).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "agent/ledger.h"
#include "agent/store.h"

static char dir[] = "/tmp/srr-store-XXXXXX";
static char path[256];

static int
setup(void **state)
{
	strcpy(dir, "/tmp/srr-store-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/ledger.db", dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
rec(struct srr_record *r, uint32_t seq, enum srr_op_status st)
{
	memset(r, 0, sizeof(*r));
	r->id = (struct srr_op_id){ 4, 2, seq };
	r->status = st;
	snprintf(r->lpar, sizeof(r->lpar), "lpar'%u", seq);
	strcpy(r->src, "S1");
	strcpy(r->dst, "D1");
	r->attempts = 1;
	r->updated.ms = 1000 + seq;
}

static void
test_durable_across_reopen(void **state)
{
	struct srr_store *s;
	struct srr_ledger *l;
	struct srr_record r;
	struct srr_history_row *h;
	size_t n;
	char err[512];

	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), 0);
	assert_int_equal(srr_ledger_new(s, &l), 0);
	rec(&r, 1, SRR_OP_PLANNED);
	assert_int_equal(srr_ledger_put(l, &r, "planned", NULL), 0);
	r.status = SRR_OP_RESTARTING;
	assert_int_equal(srr_ledger_put(l, &r, "intent", NULL), 0);
	r.status = SRR_OP_RESTARTED;
	r.att_epoch = 9;
	strcpy(r.code, "HSCLA32F");
	assert_int_equal(srr_ledger_put(l, &r, "restart ok", NULL), 0);
	/* A lower copy changes nothing and writes no history. */
	r.status = SRR_OP_PLANNED;
	assert_int_equal(srr_ledger_put(l, &r, "stale", NULL), 0);
	srr_ledger_free(l);
	srr_store_close(s);

	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), 0);
	assert_int_equal(srr_ledger_new(s, &l), 0);
	assert_int_equal(srr_ledger_count(l), 1);
	assert_int_equal(srr_ledger_at(l, 0)->status, SRR_OP_RESTARTED);
	assert_string_equal(srr_ledger_at(l, 0)->code, "HSCLA32F");
	assert_string_equal(srr_ledger_at(l, 0)->lpar, "lpar'1");
	assert_string_equal(srr_ledger_at(l, 0)->dst, "D1");
	assert_int_equal(srr_ledger_at(l, 0)->att_epoch, 9);
	assert_int_equal(srr_store_history(s, &r.id, &h, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(h[0].from, -1);
	assert_int_equal(h[2].from, SRR_OP_RESTARTING);
	assert_int_equal(h[2].to, SRR_OP_RESTARTED);
	assert_string_equal(h[2].reason, "restart ok");
	free(h);
	srr_ledger_free(l);
	srr_store_close(s);
}

/* A peer's records merged through the replication callback are on disk
 * when the callback returns. */
static void
test_merge_is_durable(void **state)
{
	struct srr_store *s;
	struct srr_ledger *peer, *l;
	struct srr_record r;
	struct srr_history_row *h;
	uint8_t *dig, *delta;
	size_t dl, xl, n;
	char err[512];

	assert_int_equal(srr_ledger_new(NULL, &peer), 0);
	rec(&r, 7, SRR_OP_RESTARTED);
	assert_int_equal(srr_ledger_put(peer, &r, "peer", NULL), 0);
	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), 0);
	assert_int_equal(srr_ledger_new(s, &l), 0);
	assert_int_equal(srr_ledger_digest(l, &dig, &dl), 0);
	assert_int_equal(srr_ledger_delta(peer, dig, dl, &delta, &xl), 0);
	assert_int_equal(srr_ledger_merge(l, delta, xl), 0);
	free(dig);
	free(delta);
	/* no orderly close of the ledger: reopen the file beside it */
	{
		struct srr_store *s2;
		struct srr_ledger *l2;

		assert_int_equal(srr_store_open(path, &s2, err, sizeof(err)), 0);
		assert_int_equal(srr_ledger_new(s2, &l2), 0);
		assert_int_equal(srr_ledger_count(l2), 1);
		assert_int_equal(srr_ledger_at(l2, 0)->status, SRR_OP_RESTARTED);
		assert_int_equal(srr_store_history(s2, &r.id, &h, &n), 0);
		assert_int_equal(n, 1);
		assert_string_equal(h[0].reason, "replicated");
		free(h);
		srr_ledger_free(l2);
		srr_store_close(s2);
	}
	srr_ledger_free(l);
	srr_store_close(s);
	srr_ledger_free(peer);
}

static void
test_wal_journal(void **state)
{
	struct srr_store *s;
	sqlite3 *db;
	sqlite3_stmt *st;
	char err[512];

	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), 0);
	srr_store_close(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
write_file(const char *p, const char *data, size_t n)
{
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

static void
test_garbage_refused(void **state)
{
	struct srr_store *s = NULL;
	char err[512] = "";
	char junk[4096];

	memset(junk, 'x', sizeof(junk));
	write_file(path, junk, sizeof(junk));
	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), -EBADMSG);
	assert_null(s);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a database"));
}

static void
test_corrupt_page_refused(void **state)
{
	struct srr_store *s;
	struct srr_ledger *l;
	struct srr_record r;
	char err[512] = "", *buf;
	FILE *f;
	long len;
	uint32_t i;

	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), 0);
	assert_int_equal(srr_ledger_new(s, &l), 0);
	for (i = 0; i < 200; i++) {
		rec(&r, i, SRR_OP_RESTARTED);
		assert_int_equal(srr_ledger_put(l, &r, "x", NULL), 0);
	}
	srr_ledger_free(l);
	srr_store_close(s);	/* checkpoints the WAL into the file */
	f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_true(len > 3 * 4096);
	/* Scribble over every page after the first (the schema page). */
	memset(buf + 4096 + 100, 0xa5, (size_t)len - 4096 - 200);
	write_file(path, buf, (size_t)len);
	free(buf);
	s = NULL;
	assert_true(srr_store_open(path, &s, err, sizeof(err)) < 0);
	assert_null(s);
	assert_true(strlen(err) > strlen(path));
}

static void
test_newer_schema_refused(void **state)
{
	struct srr_store *s;
	sqlite3 *db;
	char err[512] = "";

	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), 0);
	srr_store_close(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 9", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "newer"));
}

static void
test_foreign_database_refused(void **state)
{
	struct srr_store *s;
	sqlite3 *db;
	char err[512] = "";

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "not an srrha ledger"));
}

static void
test_unreadable_refused(void **state)
{
	struct srr_store *s;
	char err[512] = "", p[300];

	snprintf(p, sizeof(p), "%s/missing-dir/ledger.db", dir);
	assert_true(srr_store_open(p, &s, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "missing-dir"));
}

/* The listing of every history row: filters by time, partition and system
 * (source or destination), the limit and its truncation flag. */
static void
test_history_list(void **state)
{
	struct srr_history_filter f = { 0 };
	struct srr_history_entry *h;
	struct srr_store *s;
	struct srr_record r;
	bool cut;
	size_t n;
	char err[512];

	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), 0);
	rec(&r, 1, SRR_OP_PLANNED);
	r.updated.ms = 1000;
	assert_int_equal(srr_store_put(s, &r, -1, "planned"), 0);
	rec(&r, 2, SRR_OP_PLANNED);
	strcpy(r.dst, "D2");
	assert_int_equal(srr_store_put(s, &r, -1, "planned"), 0);
	rec(&r, 1, SRR_OP_RESTARTED);
	r.updated.ms = 1005;
	assert_int_equal(srr_store_put(s, &r, SRR_OP_PLANNED, "restart ok"), 0);

	assert_int_equal(srr_store_history_list(s, &f, &h, &n, &cut), 0);
	assert_int_equal(n, 3);
	assert_false(cut);
	assert_string_equal(h[0].lpar, "lpar'1");
	assert_string_equal(h[2].row.reason, "restart ok");
	assert_int_equal(h[2].row.from, SRR_OP_PLANNED);
	assert_int_equal(h[2].row.to, SRR_OP_RESTARTED);
	assert_int_equal(h[2].row.id.seq, 1);
	free(h);

	f.lpar = "lpar'1";
	assert_int_equal(srr_store_history_list(s, &f, &h, &n, NULL), 0);
	assert_int_equal(n, 2);
	free(h);
	f.lpar = NULL;
	f.sys = "D2";
	assert_int_equal(srr_store_history_list(s, &f, &h, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].dst, "D2");
	free(h);
	f.sys = "S1";
	f.limit = 2;
	assert_int_equal(srr_store_history_list(s, &f, &h, &n, &cut), 0);
	assert_int_equal(n, 2);
	assert_true(cut);
	f.since_ms = h[1].row.time.ms + 1000000;
	free(h);
	f.limit = 0;
	f.sys = NULL;
	h = NULL;
	assert_int_equal(srr_store_history_list(s, &f, &h, &n, NULL), 0);
	assert_int_equal(n, 0);
	free(h);
	srr_store_close(s);
}

/* SQL run on the store's file behind its back. */
static void
behind(const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* A record the store cannot write is not applied (nor announced): the
 * ledger never runs ahead of its disk. */
static void
test_write_failure_applies_nothing(void **state)
{
	struct srr_store *s;
	struct srr_ledger *l;
	struct srr_record r;
	char err[512];

	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), 0);
	behind("CREATE TRIGGER full BEFORE INSERT ON ops BEGIN "
	       "SELECT RAISE(ABORT, 'disk full'); END");
	assert_int_equal(srr_ledger_new(s, &l), 0);
	rec(&r, 1, SRR_OP_PLANNED);
	assert_true(srr_ledger_put(l, &r, "planned", NULL) < 0);
	assert_int_equal(srr_ledger_count(l), 0);
	srr_ledger_free(l);
	srr_store_close(s);
}

/* The status of record SEQ as another connection reads the file (only
 * what is committed): -1 if absent. */
static int
on_disk(uint32_t seq)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT status FROM ops "
					    "WHERE seq = ?", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* What on_change was told, and whether the ledger was ahead of the disk
 * by then: the told record, and at the first call the records of the
 * buffer's first batch (the first FIRST_BATCH of BUF). */
struct told {
	uint32_t seq[1024];
	size_t n;
	struct srr_ledger *l;
	const struct srr_record *buf;
	size_t nbuf;
	size_t first_batch;	/* records the first commit must hold */
	bool ahead;		/* told before the commit of its batch */
};

static void
told_fn(void *arg, const struct srr_record *r)
{
	struct told *t = arg;
	size_t i;

	assert_true(t->n < 1024);
	t->seq[t->n++] = r->id.seq;
	if ((int)r->status != on_disk(r->id.seq))
		t->ahead = true;
	/* the first call: the whole first batch is committed already */
	if (t->n == 1)
		for (i = 0; i < t->first_batch && i < t->nbuf; i++)
			if (on_disk(t->buf[i].id.seq) != (int)
			    srr_ledger_get(t->l, &t->buf[i].id)->status)
				t->ahead = true;
}

static int
merge_buf(struct srr_ledger *l, const struct srr_record *recs, size_t n)
{
	const struct srr_record **p = calloc(n, sizeof(*p));
	uint8_t *buf;
	size_t len, i;
	int rc;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = &recs[i];
	assert_int_equal(srr_records_encode(p, n, &buf, &len), 0);
	rc = srr_ledger_merge(l, buf, len);
	free(buf);
	free(p);
	return rc;
}

/* A merged buffer is written in batches (one transaction, one fsync
 * each, doc/srrd.md) and nobody is told before its batch is on disk:
 * 300 records, two of them twice and one already known, are 2 batches
 * of 256 and 44 changed records; on_change hears each changed record of
 * a batch once, in the buffer's order, with its greatest copy. */
static void
test_merge_batches_durable_before_told(void **state)
{
	static struct srr_record recs[302];
	struct srr_store *s;
	struct srr_ledger *l;
	struct srr_record r;
	struct told t = { .buf = recs, .nbuf = 302, .first_batch = 258 };
	char err[512];
	size_t i;

	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), 0);
	assert_int_equal(srr_ledger_new(s, &l), 0);
	t.l = l;
	rec(&r, 5, SRR_OP_PLANNED);
	assert_int_equal(srr_ledger_put(l, &r, "planned", NULL), 0);
	srr_ledger_on_change(l, told_fn, &t);
	for (i = 0; i < 150; i++)
		rec(&recs[i], (uint32_t)i + 1, SRR_OP_PLANNED);
	recs[4].status = SRR_OP_RESTARTING;	/* seq 5: known as planned */
	recs[150] = recs[9];			/* seq 10 again, greater */
	recs[150].status = SRR_OP_RESTARTING;
	recs[151] = recs[19];			/* seq 20 again, the same */
	for (i = 152; i < 302; i++)
		rec(&recs[i], (uint32_t)i - 1, SRR_OP_PLANNED);
	assert_int_equal(merge_buf(l, recs, 302), 0);
	assert_false(t.ahead);
	assert_int_equal(t.n, 300);
	for (i = 0; i < 300; i++)
		assert_int_equal(t.seq[i], i + 1);
	assert_int_equal(srr_ledger_count(l), 300);
	assert_int_equal(on_disk(5), SRR_OP_RESTARTING);
	assert_int_equal(on_disk(10), SRR_OP_RESTARTING);
	assert_int_equal(srr_ledger_get(l, &recs[9].id)->status,
			 SRR_OP_RESTARTING);
	srr_ledger_free(l);
	srr_store_close(s);
}

/* A batch the store refuses is undone whole, nobody told, and the ledger
 * goes on (its index rebuilt): the batch before it stays, committed and
 * told. Here the 290th record of 300 fails, in the second batch. */
static void
test_merge_batch_refused_undone(void **state)
{
	static struct srr_record recs[300];
	struct srr_store *s;
	struct srr_ledger *l;
	struct srr_record r;
	struct told t = { .buf = recs, .nbuf = 300, .first_batch = 256 };
	char err[512];
	size_t i;

	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), 0);
	assert_int_equal(srr_ledger_new(s, &l), 0);
	t.l = l;
	rec(&r, 280, SRR_OP_PLANNED);	/* known, changed in batch 2 */
	assert_int_equal(srr_ledger_put(l, &r, "planned", NULL), 0);
	srr_ledger_on_change(l, told_fn, &t);
	for (i = 0; i < 300; i++)
		rec(&recs[i], (uint32_t)i + 1, SRR_OP_PLANNED);
	recs[279].status = SRR_OP_RESTARTING;
	behind("CREATE TRIGGER full BEFORE INSERT ON ops WHEN NEW.seq = 290 "
	       "BEGIN SELECT RAISE(ABORT, 'disk full'); END");
	assert_true(merge_buf(l, recs, 300) < 0);
	assert_false(t.ahead);
	/* batch 1 (seq 1..256, seq 280 not in it) committed and told */
	assert_int_equal(t.n, 256);
	assert_int_equal(srr_ledger_count(l), 257);
	assert_int_equal(on_disk(256), SRR_OP_PLANNED);
	/* batch 2 undone: in memory as on disk */
	assert_int_equal(on_disk(257), -1);
	assert_null(srr_ledger_get(l, &recs[256].id));
	assert_int_equal(srr_ledger_get(l, &r.id)->status, SRR_OP_PLANNED);
	assert_int_equal(on_disk(280), SRR_OP_PLANNED);
	/* the disk back: the same buffer merges whole */
	behind("DROP TRIGGER full");
	t.n = 0;
	t.first_batch = 0;
	assert_int_equal(merge_buf(l, recs, 300), 0);
	assert_false(t.ahead);
	assert_int_equal(t.n, 44);	/* 257..300 with 280 */
	assert_int_equal(srr_ledger_count(l), 300);
	for (i = 0; i < 300; i++)
		assert_int_equal(srr_ledger_get(l, &recs[i].id)->status,
				 recs[i].status);
	srr_ledger_free(l);
	srr_store_close(s);
}

/* A stored status out of range: the store is refused, not half loaded. */
static void
test_invalid_status_refused(void **state)
{
	struct srr_store *s;
	struct srr_ledger *l;
	struct srr_record r;
	char err[512];

	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), 0);
	assert_int_equal(srr_ledger_new(s, &l), 0);
	rec(&r, 1, SRR_OP_PLANNED);
	assert_int_equal(srr_ledger_put(l, &r, "planned", NULL), 0);
	srr_ledger_free(l);
	srr_store_close(s);
	behind("UPDATE ops SET status = 99");
	assert_int_equal(srr_store_open(path, &s, err, sizeof(err)), 0);
	assert_true(srr_ledger_new(s, &l) < 0);
	srr_store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_durable_across_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_is_durable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_page_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_database_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_applies_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_status_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_batches_durable_before_told, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_batch_refused_undone, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
