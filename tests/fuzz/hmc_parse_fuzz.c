/*
 * hmc_parse_fuzz.c: libFuzzer target for the HMC output parser (security).
 *
 * Built by `make -C tests fuzz` (clang only; not part of `make check`).
 * The first byte of an input picks the delimiter, the second the column
 * count (1 + byte % 64); the rest is HMC output. A corpus from the seed
 * transcripts, prefixed accordingly:
 *   mkdir corpus; for f in $SRCDIR/fixtures/seed/[a-z]*.out; do
 *     { printf ',\002'; cat "$f"; } > corpus/$(basename "$f"); done
 *   tests/hmc_parse_fuzz -max_total_time=600 -max_len=8192 corpus
 *
 * Beyond "no crash, no leak", every table parsed must format back and
 * parse to the same values (the formatter is the inverse of the parser),
 * and every error must leave the table empty.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hmc/hmc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_empty(const struct hmc_table *t)
{
	if (t->nrows != 0 || t->rows != NULL)
		abort();
}

static bool
rows_equal(const struct hmc_row *a, const struct hmc_row *b)
{
	size_t i;

	if (a->n != b->n || (a->names == NULL) != (b->names == NULL))
		return false;
	for (i = 0; i < a->n; i++) {
		if (strcmp(a->values[i], b->values[i]) != 0)
			return false;
		if (a->names && strcmp(a->names[i], b->names[i]) != 0)
			return false;
	}
	return true;
}

/* Format T again (-F with DELIM, or attr=value if DELIM is 0), parse the
 * result, and require the same table. Allowed refusals: a value the format
 * cannot hold (a CR inside a line), and a line that quoting grows past
 * HMC_LINE_MAX. */
static void
round_trip(const struct hmc_table *t, char delim, size_t ncols)
{
	struct hmc_buf b = { 0 };
	struct hmc_table u;
	size_t i;
	int rc = 0;

	for (i = 0; i < t->nrows && rc == 0; i++) {
		const struct hmc_row *r = &t->rows[i];

		rc = delim ? hmc_fmt_fields(&b, (const char *const *)r->values, r->n, delim)
			   : hmc_fmt_attrs(&b, (const char *const *)r->names,
					   (const char *const *)r->values, r->n);
	}
	if (rc == -EINVAL || rc == -E2BIG) {
		hmc_buf_free(&b);
		return;
	}
	if (rc != 0)
		abort();
	rc = delim ? hmc_parse_fields(b.s, b.len, delim, ncols, &u)
		   : hmc_parse_attrs(b.s, b.len, &u);
	/* "No results were found." as a single value formats to itself. */
	if (rc != 0 || (u.nrows != t->nrows && !hmc_output_is_empty(b.s, b.len)))
		abort();
	for (i = 0; i < u.nrows; i++)
		if (!rows_equal(&t->rows[i], &u.rows[i]))
			abort();
	hmc_table_free(&u);
	hmc_buf_free(&b);
}

static void
split_values(const struct hmc_table *t, char delim)
{
	size_t i, j;
	char **items;

	for (i = 0; i < t->nrows; i++)
		for (j = 0; j < t->rows[i].n; j++)
			if (hmc_split_list(t->rows[i].values[j], delim, &items) >= 0)
				hmc_strv_free(items);
			else if (items != NULL)
				abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *out = (const char *)data + 2;
	struct hmc_table t;
	char code[HMC_CODE_LEN];
	size_t len, ncols;
	char delim;

	if (size < 2)
		return 0;
	delim = (char)data[0];
	ncols = 1 + data[1] % 64;
	len = size - 2;

	if (hmc_parse_fields(out, len, delim, ncols, &t) == 0) {
		split_values(&t, ',');
		round_trip(&t, delim, ncols);
		hmc_table_free(&t);
	}
	check_empty(&t);
	if (hmc_parse_attrs(out, len, &t) == 0) {
		split_values(&t, ',');
		round_trip(&t, 0, 0);
		hmc_table_free(&t);
	}
	check_empty(&t);
	if (hmc_find_code(out, len, code) == 0 && strlen(code) != 8)
		abort();
	(void)hmc_output_is_empty(out, len);
	return 0;
}
