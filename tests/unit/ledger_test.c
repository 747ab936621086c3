/*
 * ledger_test.c: the status lattice, the merge order and its algebra, the
 * wire codec and the replication callbacks (internal, security).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/ledger.h"
#include "cluster/cluster.h"

static void
rec_init(struct srr_record *r, uint32_t seq, enum srr_op_status st,
	 uint32_t attempts)
{
	memset(r, 0, sizeof(*r));
	r->id.epoch = 7;
	r->id.node = 1;
	r->id.seq = seq;
	r->status = st;
	r->attempts = attempts;
	snprintf(r->lpar, sizeof(r->lpar), "lpar %u", seq);
	snprintf(r->src, sizeof(r->src), "SRC-1");
	r->updated.ms = 1000;
}

static void
test_transitions(void **state)
{
	static const struct { enum srr_op_status from, to; bool ok; } t[] = {
		{ SRR_OP_PLANNED, SRR_OP_RESTARTING, true },
		{ SRR_OP_PLANNED, SRR_OP_FAILED, true },
		{ SRR_OP_PLANNED, SRR_OP_ABANDONED, false },
		{ SRR_OP_FAILED, SRR_OP_ABANDONED, false },
		{ SRR_OP_RESTARTED, SRR_OP_ABANDONED, true },
		{ SRR_OP_PLANNED, SRR_OP_RESTARTED, false },
		{ SRR_OP_RESTARTING, SRR_OP_RESTARTED, true },
		{ SRR_OP_RESTARTING, SRR_OP_FAILED, true },
		{ SRR_OP_RESTARTING, SRR_OP_ABANDONED, false },
		{ SRR_OP_RESTARTING, SRR_OP_PLANNED, false },
		{ SRR_OP_FAILED, SRR_OP_RESTARTING, true },
		{ SRR_OP_FAILED, SRR_OP_RESTARTED, true },
		{ SRR_OP_FAILED, SRR_OP_CLEANED, false },
		{ SRR_OP_RESTARTED, SRR_OP_CLEANING, true },
		{ SRR_OP_RESTARTED, SRR_OP_CLEANED, true },
		{ SRR_OP_RESTARTED, SRR_OP_RESTARTING, false },
		{ SRR_OP_RESTARTED, SRR_OP_FAILED, false },
		{ SRR_OP_CLEANING, SRR_OP_CLEANING, true },
		{ SRR_OP_CLEANING, SRR_OP_CLEANED, true },
		{ SRR_OP_CLEANING, SRR_OP_RESTARTED, false },
		{ SRR_OP_CLEANED, SRR_OP_ABANDONED, false },
		{ SRR_OP_ABANDONED, SRR_OP_CLEANED, false },
		{ SRR_OP_ABANDONED, SRR_OP_RESTARTING, false },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(srr_op_transition_ok(t[i].from, t[i].to), t[i].ok);
	assert_false(srr_op_transition_ok(SRR_OP_STATUS_COUNT, SRR_OP_PLANNED));
}

static void
test_order_debt_beats_attempts(void **state)
{
	struct srr_record a, b;

	rec_init(&a, 1, SRR_OP_RESTARTED, 1);
	rec_init(&b, 1, SRR_OP_RESTARTING, 5);
	assert_true(srr_record_cmp(&a, &b) > 0);
	/* A retry supersedes the failure it retries. */
	rec_init(&a, 1, SRR_OP_FAILED, 1);
	rec_init(&b, 1, SRR_OP_RESTARTING, 2);
	assert_true(srr_record_cmp(&a, &b) < 0);
	/* Same attempt: failed is later than restarting. */
	rec_init(&b, 1, SRR_OP_RESTARTING, 1);
	assert_true(srr_record_cmp(&a, &b) > 0);
	/* ... unless the restarting one is the same number proposed again in
	 * a later epoch: a late copy of an old epoch never wins. */
	b.att_epoch = 9;
	a.att_epoch = 8;
	assert_true(srr_record_cmp(&a, &b) < 0);
	/* Ties: more cleanup attempts, then later time. */
	rec_init(&a, 1, SRR_OP_CLEANING, 1);
	rec_init(&b, 1, SRR_OP_CLEANING, 1);
	b.cl_attempts = 2;
	assert_true(srr_record_cmp(&a, &b) < 0);
	a.cl_attempts = 2;
	a.updated.ms = 2000;
	assert_true(srr_record_cmp(&a, &b) > 0);
	b.updated.ms = 2000;
	assert_int_equal(srr_record_cmp(&a, &b), 0);
	strcpy(b.msg, "x");
	assert_int_not_equal(srr_record_cmp(&a, &b), 0);
	assert_int_equal(srr_record_cmp(&a, &b), -srr_record_cmp(&b, &a));
}

static uint32_t rng = 12345;
static uint32_t
rnd(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

static void
rand_record(struct srr_record *r)
{
	rec_init(r, rnd(6), (enum srr_op_status)rnd(SRR_OP_STATUS_COUNT), rnd(3));
	r->cl_attempts = rnd(2);
	r->updated.ms = rnd(3);
	if (rnd(2))
		snprintf(r->dst, sizeof(r->dst), "DST-%u", rnd(2));
}

/* Ledger contents as a sorted, comparable text. */
static void
ledger_text(struct srr_ledger *l, char *out, size_t len)
{
	uint64_t sum = 0;
	size_t i;

	/* Order-independent: the count and the sum of the records' hashes. */
	for (i = 0; i < srr_ledger_count(l); i++)
		sum += srr_record_hash(srr_ledger_at(l, i));
	snprintf(out, len, "%zu:%llu", srr_ledger_count(l),
		 (unsigned long long)sum);
}

static struct srr_ledger *
ledger_of(const struct srr_record *v, size_t n)
{
	struct srr_ledger *l;
	size_t i;

	assert_int_equal(srr_ledger_new(NULL, &l), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(srr_ledger_put(l, &v[i], "test", NULL), 0);
	return l;
}

/* Merge B's whole ledger into A through the replication callbacks. */
static void
sync_into(struct srr_ledger *a, struct srr_ledger *b)
{
	uint8_t *dig, *delta;
	size_t dl, xl;

	assert_int_equal(srr_ledger_digest(a, &dig, &dl), 0);
	assert_int_equal(srr_ledger_delta(b, dig, dl, &delta, &xl), 0);
	assert_int_equal(srr_ledger_merge(a, delta, xl), 0);
	free(dig);
	free(delta);
}

static void
test_merge_algebra(void **state)
{
	struct srr_record x[8], y[8], z[8];
	char t1[64], t2[64];
	int round;

	for (round = 0; round < 500; round++) {
		struct srr_ledger *a, *b, *c, *ab, *ba, *abc1, *abc2;
		size_t i;

		for (i = 0; i < 8; i++) {
			rand_record(&x[i]);
			rand_record(&y[i]);
			rand_record(&z[i]);
		}
		a = ledger_of(x, 8); b = ledger_of(y, 8); c = ledger_of(z, 8);
		/* commutative */
		ab = ledger_of(x, 8); sync_into(ab, b);
		ba = ledger_of(y, 8); sync_into(ba, a);
		ledger_text(ab, t1, sizeof(t1));
		ledger_text(ba, t2, sizeof(t2));
		assert_string_equal(t1, t2);
		/* idempotent */
		sync_into(ab, b);
		sync_into(ab, ab);
		ledger_text(ab, t2, sizeof(t2));
		assert_string_equal(t1, t2);
		/* associative: (a+b)+c == a+(b+c) */
		abc1 = ledger_of(x, 8); sync_into(abc1, b); sync_into(abc1, c);
		abc2 = ledger_of(y, 8); sync_into(abc2, c);
		sync_into(a, abc2);
		ledger_text(abc1, t1, sizeof(t1));
		ledger_text(a, t2, sizeof(t2));
		assert_string_equal(t1, t2);
		/* each id holds the greatest copy */
		for (i = 0; i < srr_ledger_count(abc1); i++) {
			const struct srr_record *r = srr_ledger_at(abc1, i);
			const struct srr_record *rb = srr_ledger_get(b, &r->id);
			if (rb != NULL)
				assert_true(srr_record_cmp(r, rb) >= 0);
		}
		srr_ledger_free(a); srr_ledger_free(b); srr_ledger_free(c);
		srr_ledger_free(ab); srr_ledger_free(ba);
		srr_ledger_free(abc1); srr_ledger_free(abc2);
	}
}

static void
test_codec_roundtrip(void **state)
{
	struct srr_record r, *out;
	const struct srr_record *v[1] = { &r };
	uint8_t *buf;
	size_t len, n;

	rec_init(&r, 3, SRR_OP_CLEANING, 2);
	strcpy(r.lpar, "db 'prod'; $(rm -rf /) é");
	strcpy(r.dst, "DST-9");
	strcpy(r.code, "HSCLA9CE");
	strcpy(r.msg, "not in a valid state");
	r.created.ms = -5;
	assert_int_equal(srr_records_encode(v, 1, &buf, &len), 0);
	assert_int_equal(srr_records_decode(buf, len, &out, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(srr_record_cmp(&r, &out[0]), 0);
	assert_string_equal(out[0].lpar, r.lpar);
	assert_int_equal(out[0].created.ms, -5);
	free(out);
	free(buf);
}

/* A mode record (no partition, no source, code pause or resume) crosses
 * the wire; a record with only one of the two names, or a mode record of
 * an unknown code, is malformed. The newer version is in force. */
static void
decodes(const struct srr_record *r, int want)
{
	const struct srr_record *v[1] = { r };
	struct srr_record *out = NULL;
	uint8_t *buf;
	size_t len, n;

	assert_int_equal(srr_records_encode(v, 1, &buf, &len), 0);
	assert_int_equal(srr_records_decode(buf, len, &out, &n), want);
	if (want == 0)
		assert_int_equal(srr_record_cmp(r, &out[0]), 0);
	free(out);
	free(buf);
}

static void
test_codec_mode_record(void **state)
{
	struct srr_record m, older, r;

	rec_init(&m, 4, SRR_OP_CLEANED, 2);
	m.lpar[0] = m.src[0] = '\0';
	strcpy(m.code, SRR_MODE_PAUSE);
	strcpy(m.dst, "alice");
	strcpy(m.msg, "firmware");
	assert_true(srr_record_is_mode(&m));
	decodes(&m, 0);
	strcpy(m.code, "HSCL1234");
	decodes(&m, -EBADMSG);
	strcpy(m.code, SRR_MODE_RESUME);
	decodes(&m, 0);
	strcpy(m.code, SRR_AUDIT_CONFIRM);
	decodes(&m, 0);
	m.status = SRR_OP_RESTARTED;	/* a peer's "debt" with no partition */
	decodes(&m, -EBADMSG);
	m.status = SRR_OP_CLEANED;
	strcpy(m.code, SRR_MODE_RESUME);
	rec_init(&r, 5, SRR_OP_RESTARTED, 1);
	r.src[0] = '\0';
	assert_false(srr_record_is_mode(&r));
	decodes(&r, -EBADMSG);
	rec_init(&r, 5, SRR_OP_RESTARTED, 1);
	r.lpar[0] = '\0';
	decodes(&r, -EBADMSG);
	/* version first: a later id of an older version does not win */
	older = m;
	older.attempts = 1;
	older.id.seq = 99;
	assert_true(srr_mode_cmp(&m, &older) > 0);
	older.attempts = 2;
	assert_true(srr_mode_cmp(&m, &older) < 0);
}

static void
test_codec_malformed_merges_nothing(void **state)
{
	struct srr_record r[2];
	const struct srr_record *v[2] = { &r[0], &r[1] };
	struct srr_ledger *l;
	uint8_t *buf, *bad;
	size_t len, i;

	rec_init(&r[0], 1, SRR_OP_RESTARTED, 1);
	rec_init(&r[1], 2, SRR_OP_PLANNED, 0);
	strcpy(r[1].msg, "waiting");
	assert_int_equal(srr_records_encode(v, 2, &buf, &len), 0);
	assert_int_equal(srr_ledger_new(NULL, &l), 0);
	/* Every truncation is refused whole. */
	for (i = 0; i < len; i++)
		assert_int_equal(srr_ledger_merge(l, buf, i), -EBADMSG);
	bad = malloc(len + 1);
	memcpy(bad, buf, len);
	bad[len] = 0;
	assert_int_equal(srr_ledger_merge(l, bad, len + 1), -EBADMSG);
	bad[0] = 99;		/* version */
	assert_int_equal(srr_ledger_merge(l, bad, len), -EBADMSG);
	memcpy(bad, buf, len);
	bad[5] = 200;		/* count larger than the buffer holds */
	assert_int_equal(srr_ledger_merge(l, bad, len), -EBADMSG);
	memcpy(bad, buf, len);
	bad[len - 1 - 0] = 0;	/* a NUL inside the last string */
	assert_int_equal(srr_ledger_merge(l, bad, len), -EBADMSG);
	memcpy(bad, buf, len);
	bad[6 + 2 + 16] = SRR_OP_STATUS_COUNT;	/* status of the first record */
	assert_int_equal(srr_ledger_merge(l, bad, len), -EBADMSG);
	assert_int_equal(srr_ledger_count(l), 0);
	free(bad);
	assert_int_equal(srr_ledger_delta(l, buf, len, &bad, &i), -EBADMSG);
	assert_int_equal(srr_ledger_merge(l, buf, len), 0);
	assert_int_equal(srr_ledger_count(l), 2);
	free(buf);
	srr_ledger_free(l);
}

static void
test_delta_sends_only_missing_or_lower(void **state)
{
	struct srr_record r[3];
	struct srr_ledger *a, *b;
	struct srr_record *out;
	uint8_t *dig, *delta;
	size_t dl, xl, n;

	rec_init(&r[0], 1, SRR_OP_RESTARTED, 1);
	rec_init(&r[1], 2, SRR_OP_PLANNED, 0);
	rec_init(&r[2], 3, SRR_OP_CLEANED, 1);
	a = ledger_of(r, 3);
	r[1].status = SRR_OP_RESTARTING;	/* b holds 2 higher */
	b = ledger_of(r, 2);			/* b lacks 3 */
	assert_int_equal(srr_ledger_digest(b, &dig, &dl), 0);
	assert_int_equal(srr_ledger_delta(a, dig, dl, &delta, &xl), 0);
	assert_int_equal(srr_records_decode(delta, xl, &out, &n), 0);
	/* a sends 2 (different; b keeps its greater copy) and 3 */
	assert_int_equal(n, 2);
	assert_int_equal(srr_ledger_merge(b, delta, xl), 0);
	assert_int_equal(srr_ledger_count(b), 3);
	assert_int_equal(srr_ledger_get(b, &r[1].id)->status, SRR_OP_RESTARTING);
	free(out); free(dig); free(delta);
	srr_ledger_free(a); srr_ledger_free(b);
}

/* The ledger plugs into the cluster layer's sync as it is (the types are
 * checked by the compiler), and a sync through those pointers works. */
static void
test_fits_cluster_sync_ops(void **state)
{
	const struct cluster_sync_ops ops = {
		.digest = srr_ledger_digest,
		.delta = srr_ledger_delta,
		.merge = srr_ledger_merge,
	};
	struct srr_record r[2];
	struct srr_ledger *a, *b;
	uint8_t *dig, *delta;
	size_t dl, xl;

	rec_init(&r[0], 1, SRR_OP_RESTARTED, 1);
	rec_init(&r[1], 2, SRR_OP_CLEANED, 1);
	a = ledger_of(r, 2);
	b = ledger_of(r, 1);
	assert_int_equal(ops.digest(b, &dig, &dl), 0);
	assert_int_equal(ops.delta(a, dig, dl, &delta, &xl), 0);
	assert_int_equal(ops.merge(b, delta, xl), 0);
	assert_int_equal(srr_ledger_count(b), 2);
	assert_int_equal(ops.merge(b, dig, dl), -EBADMSG);	/* wrong kind */
	free(dig);
	free(delta);
	srr_ledger_free(a);
	srr_ledger_free(b);
}

static void
test_id_parse(void **state)
{
	struct srr_op_id id;
	char s[64];

	assert_int_equal(srr_op_id_parse("12.3.45", &id), 0);
	srr_op_id_str(&id, s, sizeof(s));
	assert_string_equal(s, "12.3.45");
	assert_int_equal(srr_op_id_parse("12.3", &id), -EINVAL);
	assert_int_equal(srr_op_id_parse("12.3.4x", &id), -EINVAL);
	assert_int_equal(srr_op_id_parse("1.99999999999.1", &id), -EINVAL);
	assert_int_equal(srr_op_id_parse("-1.2.3", &id), -EINVAL);
	/* Strictly digits: no blank, sign or overflow. */
	assert_int_equal(srr_op_id_parse(" -1.2.3", &id), -EINVAL);
	assert_int_equal(srr_op_id_parse("+1.2.3", &id), -EINVAL);
	assert_int_equal(srr_op_id_parse("1. 2.3", &id), -EINVAL);
	assert_int_equal(srr_op_id_parse("99999999999999999999.1.1", &id),
			 -EINVAL);
	assert_int_equal(srr_op_id_parse("18446744073709551615.4294967295."
					 "4294967295", &id), 0);
	assert_true(id.epoch == UINT64_MAX && id.node == UINT32_MAX &&
		    id.seq == UINT32_MAX);
}

/* Each key of the order, alone (mutants in tests/mutants/engine.list):
 * among debts the attempt number after the cleanup count; every byte
 * counts (two records differing only in their destination never tie). */
static void
test_order_each_key(void **state)
{
	struct srr_record a, b;

	assert_true(srr_op_status_debt(SRR_OP_RESTARTED));
	assert_false(srr_op_status_debt(SRR_OP_FAILED));
	rec_init(&a, 1, SRR_OP_RESTARTED, 2);
	rec_init(&b, 1, SRR_OP_RESTARTED, 1);
	b.updated.ms = 5000;
	assert_true(srr_record_cmp(&a, &b) > 0);
	rec_init(&b, 1, SRR_OP_RESTARTED, 2);
	strcpy(a.dst, "D1");
	strcpy(b.dst, "D2");
	assert_true(srr_record_cmp(&a, &b) < 0);
}

/* A copy equal to the one held changes nothing and tells no one. */
static int changes;
static void
count_change(void *arg, const struct srr_record *r)
{
	changes++;
}

static void
test_equal_copy_changes_nothing(void **state)
{
	struct srr_record r;
	struct srr_ledger *l;
	bool changed = true;

	rec_init(&r, 1, SRR_OP_RESTARTED, 1);
	assert_int_equal(srr_ledger_new(NULL, &l), 0);
	srr_ledger_on_change(l, count_change, NULL);
	changes = 0;
	assert_int_equal(srr_ledger_put(l, &r, "first", &changed), 0);
	assert_true(changed);
	assert_int_equal(srr_ledger_put(l, &r, "again", &changed), 0);
	assert_false(changed);
	assert_int_equal(changes, 1);
	srr_ledger_free(l);
}

/* The delta sends a record whose copy at the peer differs only in its
 * bytes (same status, attempts, time): the digest's hash tells. */
static void
test_delta_sends_a_record_differing_in_bytes(void **state)
{
	struct srr_record r;
	struct srr_ledger *a, *b;
	uint8_t *dig, *delta;
	size_t dl, xl;

	rec_init(&r, 1, SRR_OP_RESTARTED, 1);
	strcpy(r.dst, "D2");
	a = ledger_of(&r, 1);
	r.dst[0] = '\0';
	b = ledger_of(&r, 1);
	assert_int_equal(srr_ledger_digest(b, &dig, &dl), 0);
	assert_int_equal(srr_ledger_delta(a, dig, dl, &delta, &xl), 0);
	assert_int_equal(srr_ledger_merge(b, delta, xl), 0);
	assert_string_equal(srr_ledger_get(b, &r.id)->dst, "D2");
	free(dig); free(delta);
	srr_ledger_free(a); srr_ledger_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_order_debt_beats_attempts),
		cmocka_unit_test(test_merge_algebra),
		cmocka_unit_test(test_codec_roundtrip),
		cmocka_unit_test(test_codec_mode_record),
		cmocka_unit_test(test_codec_malformed_merges_nothing),
		cmocka_unit_test(test_delta_sends_only_missing_or_lower),
		cmocka_unit_test(test_fits_cluster_sync_ops),
		cmocka_unit_test(test_id_parse),
		cmocka_unit_test(test_order_each_key),
		cmocka_unit_test(test_equal_copy_changes_nothing),
		cmocka_unit_test(test_delta_sends_a_record_differing_in_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
