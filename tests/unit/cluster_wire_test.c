/*
 * cluster_wire_test.c: the cluster wire codec (security: peer bytes are
 * outside input).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cluster/cluster_int.h"

static size_t
mk(uint8_t *buf, uint16_t type, uint32_t len)
{
	struct cw_hdr h = { CW_MAGIC, CW_VERSION, 0, type, 0x1122334455667788ull,
			    7, len };

	cw_encode_hdr(buf, &h);
	memset(buf + CW_HDR_LEN, 'x', len);
	return CW_HDR_LEN + len;
}

static void
test_roundtrip(void **state)
{
	uint8_t buf[64];
	struct cw_hdr h;
	const uint8_t *p;
	size_t n = mk(buf, CW_RECORD, 5);

	assert_int_equal(cw_decode(buf, n, &h, &p), CW_OK);
	assert_int_equal(h.type, CW_RECORD);
	assert_true(h.epoch == 0x1122334455667788ull);
	assert_int_equal(h.sender, 7);
	assert_int_equal(h.length, 5);
	assert_ptr_equal(p, buf + CW_HDR_LEN);
}

static void
test_truncated(void **state)
{
	uint8_t buf[64];
	struct cw_hdr h;
	const uint8_t *p;
	size_t n = mk(buf, CW_RECORD, 5), i;

	for (i = 0; i < CW_HDR_LEN; i++)
		assert_int_equal(cw_decode(buf, i, &h, &p), CW_ERR_SHORT);
	for (i = CW_HDR_LEN; i < n; i++) {
		assert_int_equal(cw_decode(buf, i, &h, &p), CW_ERR_LENGTH);
		assert_null(p);
	}
	assert_int_equal(cw_decode(NULL, 100, &h, &p), CW_ERR_SHORT);
}

static void
test_trailing_bytes(void **state)
{
	uint8_t buf[64];
	struct cw_hdr h;
	const uint8_t *p;
	size_t n = mk(buf, CW_RECORD, 5);

	assert_int_equal(cw_decode(buf, n + 1, &h, &p), CW_ERR_LENGTH);
}

static void
test_bad_magic(void **state)
{
	uint8_t buf[64];
	struct cw_hdr h;
	const uint8_t *p;
	size_t n = mk(buf, CW_RECORD, 0);

	buf[0] ^= 0xff;
	assert_int_equal(cw_decode(buf, n, &h, &p), CW_ERR_MAGIC);
}

static void
test_oversized(void **state)
{
	uint8_t buf[64];
	struct cw_hdr h = { CW_MAGIC, CW_VERSION, 0, CW_RECORD, 1, 1,
			    CW_CHUNK_MAX + 1 };
	const uint8_t *p;

	cw_encode_hdr(buf, &h);
	assert_int_equal(cw_decode(buf, sizeof(buf), &h, &p), CW_ERR_SIZE);
	h.length = 0xffffffffu;
	cw_encode_hdr(buf, &h);
	assert_int_equal(cw_decode(buf, sizeof(buf), &h, &p), CW_ERR_SIZE);
}

static void
test_wrong_version(void **state)
{
	uint8_t buf[64];
	struct cw_hdr h;
	const uint8_t *p;
	size_t n = mk(buf, CW_HELLO, 4);

	buf[4] = CW_VERSION + 1;
	assert_int_equal(cw_decode(buf, n, &h, &p), CW_ERR_VERSION);
	/* the frozen part is still read, for HELLO of other versions */
	assert_int_equal(h.type, CW_HELLO);
	assert_int_equal(h.sender, 7);
	assert_non_null(p);
}

static void
test_unknown_type_and_flags(void **state)
{
	uint8_t buf[64];
	struct cw_hdr h;
	const uint8_t *p;
	size_t n = mk(buf, 99, 0);

	assert_int_equal(cw_decode(buf, n, &h, &p), CW_ERR_TYPE);
	n = mk(buf, 0, 0);
	assert_int_equal(cw_decode(buf, n, &h, &p), CW_ERR_TYPE);
	n = mk(buf, CW_DIGEST, 0);
	buf[5] = 0x80;
	assert_int_equal(cw_decode(buf, n, &h, &p), CW_ERR_FLAGS);
}

static void
test_hello(void **state)
{
	struct cw_hello h = { 1, 3, "abc" }, d;
	uint8_t buf[80];
	size_t n = cw_hello_encode(buf, sizeof(buf), &h);

	assert_int_equal(n, 7);
	assert_int_equal(cw_hello_decode(buf, n, &d), CW_OK);
	assert_int_equal(d.digest_len, 3);
	assert_memory_equal(d.digest, "abc", 3);
	assert_int_equal(cw_hello_decode(buf, n - 1, &d), CW_ERR_LENGTH);
	assert_int_equal(cw_hello_decode(buf, 3, &d), CW_ERR_SHORT);
	buf[2] = 0xff;		/* digest length 0xff03: above the cap */
	assert_int_equal(cw_hello_decode(buf, n, &d), CW_ERR_SIZE);
	buf[2] = 0;
	buf[3] = 0;
	assert_int_equal(cw_hello_decode(buf, 4, &d), CW_ERR_SIZE);
	h.digest_len = CLUSTER_DIGEST_MAX + 1;
	assert_int_equal(cw_hello_encode(buf, sizeof(buf), &h), 0);
	h.digest_len = 3;
	assert_int_equal(cw_hello_encode(buf, 5, &h), 0);
}

/* random bytes, and valid headers over random bodies: never a crash, and
 * OK only when the declared length matches exactly */
static void
test_fuzz(void **state)
{
	uint8_t buf[256];
	struct cw_hdr h;
	const uint8_t *p;
	int i, rc;
	size_t j, n;

	srand(4);
	for (i = 0; i < 20000; i++) {
		n = (size_t)rand() % sizeof(buf);
		for (j = 0; j < n; j++)
			buf[j] = (uint8_t)rand();
		if (i % 2 && n >= CW_HDR_LEN) {
			buf[0] = 0x53, buf[1] = 0x52, buf[2] = 0x52, buf[3] = 0x43;
			buf[4] = CW_VERSION;
		}
		rc = cw_decode(buf, n, &h, &p);
		if (rc == CW_OK)
			assert_int_equal(h.length + CW_HDR_LEN, n);
		if (p && rc == CW_OK)
			(void)cw_hello_decode(p, h.length, &(struct cw_hello){ 0 });
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_wrong_version),
		cmocka_unit_test(test_unknown_type_and_flags),
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
