/*
 * hmc_fmt_test.c: the formatter is the exact inverse of the parser
 * (functional): hostile values and a seeded random round trip.
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

#include "hmc/hmc.h"
#include "hmc_test_rand.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const hostile[] = {
	"", " ", "plain", "Power Off", "a,b", ",", ",,", "\"", "\"\"",
	"\"quoted\"", "say \"hi\", then go", "a:b", "a;b", "trailing ",
	" leading", "x=y", "=", "name=v,w", "\"a,b\",\"c\"", "'single'",
	"$(rm -rf /)", "`id`", "tab\there", "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5",
	"\"2/client/1/x/32/a,b/0\",\"4/client/1/x/35/c,d/0\"", "|", "\\",
	"a\\\"b",
};

static void
test_buf(void **state)
{
	struct hmc_buf b = { 0 };
	int i;

	assert_int_equal(hmc_buf_append(&b, "ab", 2), 0);
	assert_int_equal(hmc_buf_append(&b, "", 0), 0);
	assert_int_equal(hmc_buf_printf(&b, "-%d-%s", 42, "x"), 0);
	assert_string_equal(b.s, "ab-42-x");
	assert_int_equal(b.len, 7);
	for (i = 0; i < 10000; i++)
		assert_int_equal(hmc_buf_printf(&b, "%04d", i % 10000), 0);
	assert_int_equal(b.len, 7 + 40000);
	assert_int_equal(memcmp(b.s + b.len - 4, "9999", 4), 0);
	assert_int_equal(b.s[b.len], '\0');
	assert_int_equal(hmc_buf_append(&b, NULL, 1), -EINVAL);
	hmc_buf_free(&b);
	assert_null(b.s);
	assert_int_equal(b.len, 0);
	hmc_buf_free(&b);
}

static void
test_fields_exact(void **state)
{
	static const char *const v[] = { "lpar 1", "a,b", "say \"hi\"", "" };
	static const char *const one[] = { "" };
	struct hmc_buf b = { 0 };

	assert_int_equal(hmc_fmt_fields(&b, v, 4, ','), 0);
	assert_string_equal(b.s, "lpar 1,\"a,b\",\"say \"\"hi\"\"\",\n");
	assert_int_equal(hmc_fmt_fields(&b, v, 2, ':'), 0);
	assert_string_equal(b.s + strlen("lpar 1,\"a,b\",\"say \"\"hi\"\"\",\n"),
			    "lpar 1:a,b\n");
	hmc_buf_free(&b);
	/* A lone empty value is quoted, else it would be a blank line. */
	assert_int_equal(hmc_fmt_fields(&b, one, 1, ','), 0);
	assert_string_equal(b.s, "\"\"\n");
	hmc_buf_free(&b);
}

static void
test_attrs_exact(void **state)
{
	/* The seed's rspool line and profile's nested list, rebuilt. */
	static const char *const n1[] = { "vios_names", "vios_ids" };
	static const char *const v1[] = { "vios1,vios2", "1,2" };
	static const char *const n2[] = { "max_virtual_slots", "virtual_fc_adapters" };
	static const char *const v2[] = { "64",
	    "\"2/client/1/x/32/a,b/0\",\"4/client/1/x/35/c,d/0\"" };
	struct hmc_buf b = { 0 };

	assert_int_equal(hmc_fmt_attrs(&b, n1, v1, 2), 0);
	assert_string_equal(b.s, "\"vios_names=vios1,vios2\",\"vios_ids=1,2\"\n");
	hmc_buf_free(&b);
	assert_int_equal(hmc_fmt_attrs(&b, n2, v2, 2), 0);
	assert_string_equal(b.s, "max_virtual_slots=64,\"virtual_fc_adapters="
	    "\"\"2/client/1/x/32/a,b/0\"\",\"\"4/client/1/x/35/c,d/0\"\"\"\n");
	hmc_buf_free(&b);
}

static void
test_refused(void **state)
{
	static const char *const nl[] = { "a\nb" };
	static const char *const cr[] = { "a\r" };
	static const char *const ok[] = { "a", "b" };
	static const char *const badname[] = { "a b" };
	static const char *const dup[] = { "a", "a" };
	static const char *const null[] = { NULL };
	struct hmc_buf b = { 0 };
	char *big;

	assert_int_equal(hmc_fmt_fields(&b, ok, 2, ','), 0);
	assert_int_equal(hmc_fmt_fields(&b, nl, 1, ','), -EINVAL);
	assert_int_equal(hmc_fmt_fields(&b, cr, 1, ','), -EINVAL);
	assert_int_equal(hmc_fmt_fields(&b, null, 1, ','), -EINVAL);
	assert_int_equal(hmc_fmt_fields(&b, ok, 0, ','), -EINVAL);
	assert_int_equal(hmc_fmt_fields(&b, ok, 2, '"'), -EINVAL);
	assert_int_equal(hmc_fmt_fields(&b, ok, 2, 'x'), -EINVAL);
	assert_int_equal(hmc_fmt_attrs(&b, badname, ok, 1), -EINVAL);
	assert_int_equal(hmc_fmt_attrs(&b, dup, ok, 2), -EINVAL);
	assert_int_equal(hmc_fmt_attrs(&b, ok, nl, 1), -EINVAL);
	/* A line the parser would refuse is refused, and nothing is left of
	 * it in the buffer. */
	big = malloc(HMC_LINE_MAX + 2);
	assert_non_null(big);
	memset(big, 'x', HMC_LINE_MAX + 1);
	big[HMC_LINE_MAX + 1] = '\0';
	assert_int_equal(hmc_fmt_fields(&b, (const char *const *)&big, 1, ','),
			 -E2BIG);
	free(big);
	assert_string_equal(b.s, "a,b\n");
	assert_int_equal(b.len, 4);
	hmc_buf_free(&b);
}

/* Format one row of N values, parse it back, and compare. */
static void
round_trip_fields(const char *const *v, size_t n, char delim)
{
	struct hmc_buf b = { 0 };
	struct hmc_table t;
	size_t i;

	assert_int_equal(hmc_fmt_fields(&b, v, n, delim), 0);
	assert_int_equal(hmc_parse_fields(b.s, b.len, delim, n, &t), 0);
	assert_int_equal(t.nrows, 1);
	assert_int_equal(t.rows[0].n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(t.rows[0].values[i], v[i]);
	hmc_table_free(&t);
	hmc_buf_free(&b);
}

static void
round_trip_attrs(const char *const *names, const char *const *v, size_t n)
{
	struct hmc_buf b = { 0 };
	struct hmc_table t;
	size_t i;

	assert_int_equal(hmc_fmt_attrs(&b, names, v, n), 0);
	assert_int_equal(hmc_parse_attrs(b.s, b.len, &t), 0);
	assert_int_equal(t.nrows, 1);
	assert_int_equal(t.rows[0].n, n);
	for (i = 0; i < n; i++) {
		assert_string_equal(t.rows[0].names[i], names[i]);
		assert_string_equal(hmc_row_get(&t.rows[0], names[i]), v[i]);
	}
	hmc_table_free(&t);
	hmc_buf_free(&b);
}

static void
test_round_trip_hostile(void **state)
{
	static const char delims[] = { ',', ':', ';', '|', ' ', '/', '=' };
	static const char *const names[] = { "name", "state", "lpar_id" };
	const char *v[3];
	size_t i, j, d;

	for (d = 0; d < NELEM(delims); d++)
		for (i = 0; i < NELEM(hostile); i++)
			for (j = 0; j < NELEM(hostile); j++) {
				v[0] = hostile[i];
				v[1] = hostile[j];
				v[2] = hostile[(i + j) % NELEM(hostile)];
				round_trip_fields(v, 1, delims[d]);
				round_trip_fields(v, 3, delims[d]);
				if (d == 0)
					round_trip_attrs(names, v, 3);
			}
}

/* Nested lists: a list formatted as a -F row is a value of the next
 * level; split_list undoes that level. */
static void
test_round_trip_nested(void **state)
{
	struct hmc_buf inner = { 0 }, outer = { 0 };
	static const char *const name[] = { "virtual_fc_adapters" };
	const char *value;
	struct hmc_table t;
	char **items;
	size_t i;

	assert_int_equal(hmc_fmt_fields(&inner, hostile, NELEM(hostile), ','), 0);
	inner.s[--inner.len] = '\0';	/* the row's newline */
	value = inner.s;
	assert_int_equal(hmc_fmt_attrs(&outer, name, &value, 1), 0);
	assert_int_equal(hmc_parse_attrs(outer.s, outer.len, &t), 0);
	assert_int_equal(hmc_split_list(hmc_row_get(&t.rows[0], name[0]), ',',
					&items), (int)NELEM(hostile));
	for (i = 0; i < NELEM(hostile); i++)
		assert_string_equal(items[i], hostile[i]);
	hmc_strv_free(items);
	hmc_table_free(&t);
	hmc_buf_free(&inner);
	hmc_buf_free(&outer);
}

static void
test_round_trip_random(void **state)
{
	static const char delims[] = ",:;| /=.-";
	static const char *const names[] = { "a", "b", "c", "d", "e", "f" };
	char vals[6][64];
	const char *v[6];
	size_t i, k, n, cases = 0;
	uint32_t seed = 20260601;

	for (i = 0; i < 4000; i++) {
		n = 1 + test_rng(&seed) % 6;
		for (k = 0; k < n; k++) {
			/* Empty values included: 0 to 11 pieces. */
			test_random_text(&seed, ",,\"\"::;= aZ9_-/\\'$`|\t", 11,
					 vals[k], sizeof(vals[k]));
			v[k] = vals[k];
		}
		round_trip_fields(v, n, delims[test_rng(&seed) % (sizeof(delims) - 1)]);
		round_trip_attrs(names, v, n);
		cases += 2;
	}
	print_message("random round trips: %zu\n", cases);
	assert_int_equal(cases, 8000);
}

/* Many rows in one output, as hmcsim prints a listing. */
static void
test_round_trip_table(void **state)
{
	struct hmc_buf b = { 0 };
	struct hmc_table t;
	const char *v[2];
	char name[32];
	size_t i;

	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "lpar,\"%zu\"", i);
		v[0] = name;
		v[1] = hostile[i % NELEM(hostile)];
		assert_int_equal(hmc_fmt_fields(&b, v, 2, ','), 0);
	}
	assert_int_equal(hmc_parse_fields(b.s, b.len, ',', 2, &t), 0);
	assert_int_equal(t.nrows, 2000);
	assert_string_equal(t.rows[1234].values[0], "lpar,\"1234\"");
	assert_string_equal(t.rows[1999].values[1],
			    hostile[1999 % NELEM(hostile)]);
	hmc_table_free(&t);
	hmc_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_fields_exact),
		cmocka_unit_test(test_attrs_exact),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_round_trip_hostile),
		cmocka_unit_test(test_round_trip_nested),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_round_trip_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
