/*
 * hmc_parse_test.c: the output parser against every seed transcript
 * (tests/fixtures/seed, found through $SRCDIR) and against malformed input
 * (functional, security).
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

/* ------------------------------------------------------------------------ */
/* Fixtures                                                                 */
/* ------------------------------------------------------------------------ */

struct fixture {
	char *out;
	size_t len;
	int rc;
};

static char *
read_file(const char *name, const char *ext, size_t *lenp)
{
	const char *dir = getenv("SRCDIR");
	char path[4096];
	char *buf;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/fixtures/seed/%s.%s",
		 dir ? dir : ".", name, ext);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open fixture %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*lenp = (size_t)n;
	return buf;
}

static void
load(struct fixture *fx, const char *name)
{
	size_t n;
	char *rc = read_file(name, "rc", &n);

	fx->rc = atoi(rc);
	free(rc);
	fx->out = read_file(name, "out", &fx->len);
}

/* Parse fixture NAME as -F output with NCOLS fields, expecting success. */
static void
load_fields(struct fixture *fx, const char *name, size_t ncols,
	    struct hmc_table *t)
{
	load(fx, name);
	assert_int_equal(fx->rc, 0);
	assert_int_equal(hmc_parse_fields(fx->out, fx->len, ',', ncols, t), 0);
}

static void
load_attrs(struct fixture *fx, const char *name, struct hmc_table *t)
{
	load(fx, name);
	assert_int_equal(fx->rc, 0);
	assert_int_equal(hmc_parse_attrs(fx->out, fx->len, t), 0);
}

static void
done(struct fixture *fx, struct hmc_table *t)
{
	hmc_table_free(t);
	assert_int_equal(t->nrows, 0);
	assert_null(t->rows);
	free(fx->out);
}

#define CELL(t, r, c)	((t)->rows[r].values[c])

/* ------------------------------------------------------------------------ */
/* -F transcripts                                                           */
/* ------------------------------------------------------------------------ */

static void
test_seed_lslic(void **state)
{
	static const char *const names[] = { "lslic_p814-1", "lslic_p814-2" };
	struct fixture fx;
	struct hmc_table t;
	size_t i;

	for (i = 0; i < 2; i++) {
		load_fields(&fx, names[i], 3, &t);
		assert_int_equal(t.nrows, 1);
		assert_null(t.rows[0].names);
		assert_string_equal(CELL(&t, 0, 0), "FW830.00");
		assert_string_equal(CELL(&t, 0, 1), "48");
		assert_string_equal(CELL(&t, 0, 2), "01SV830");
		done(&fx, &t);
	}
}

static void
test_seed_sys_srr_capable(void **state)
{
	static const char *const want[][2] = { { "p720-1", "0" },
	    { "p814-1", "1" }, { "p720-2", "0" }, { "p814-2", "1" } };
	struct fixture fx;
	struct hmc_table t;
	size_t i;

	load_fields(&fx, "lssyscfg_sys_srr_capable", 2, &t);
	assert_int_equal(t.nrows, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(t.rows[i].n, 2);
		assert_string_equal(CELL(&t, i, 0), want[i][0]);
		assert_string_equal(CELL(&t, i, 1), want[i][1]);
	}
	done(&fx, &t);
}

static void
test_seed_lpar_srr_capable(void **state)
{
	struct fixture fx;
	struct hmc_table t;
	size_t i, capable = 0;

	load_fields(&fx, "lssyscfg_lpar_srr_capable", 2, &t);
	assert_int_equal(t.nrows, 9);
	assert_string_equal(CELL(&t, 0, 0), "vios1");
	assert_string_equal(CELL(&t, 2, 0), "lpar1");
	assert_string_equal(CELL(&t, 2, 1), "1");
	assert_string_equal(CELL(&t, 8, 0), "lpar7");
	for (i = 0; i < t.nrows; i++)
		capable += strcmp(CELL(&t, i, 1), "1") == 0;
	assert_int_equal(capable, 1);
	done(&fx, &t);
}

static void
test_seed_lpar_srr_env(void **state)
{
	struct fixture fx;
	struct hmc_table t;
	size_t i, capable = 0;

	load_fields(&fx, "lssyscfg_lpar_srr_env", 3, &t);
	assert_int_equal(t.nrows, 7);
	for (i = 0; i < t.nrows; i++) {
		assert_string_equal(CELL(&t, i, 2), "aixlinux");
		capable += strcmp(CELL(&t, i, 1), "1") == 0;
	}
	assert_int_equal(capable, 5);
	assert_string_equal(CELL(&t, 5, 0), "lpar6");
	assert_string_equal(CELL(&t, 5, 1), "0");
	/* The same listing read as two columns is refused, not truncated. */
	hmc_table_free(&t);
	assert_int_equal(hmc_parse_fields(fx.out, fx.len, ',', 2, &t), -EBADMSG);
	assert_int_equal(t.nrows, 0);
	done(&fx, &t);
}

static void
test_seed_sys_state(void **state)
{
	struct fixture fx;
	struct hmc_table t;

	load_fields(&fx, "lssyscfg_sys_state", 2, &t);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(CELL(&t, 0, 0), "p824-2");
	assert_int_equal(hmc_sys_state_parse(CELL(&t, 0, 1)), HMC_SYS_OPERATING);
	assert_string_equal(CELL(&t, 1, 0), "p824-1");
	assert_string_equal(CELL(&t, 1, 1), "Power Off");
	assert_int_equal(hmc_sys_state_parse(CELL(&t, 1, 1)), HMC_SYS_POWER_OFF);
	done(&fx, &t);
}

static void
test_seed_small_listings(void **state)
{
	struct fixture fx;
	struct hmc_table t;

	load_fields(&fx, "lssyscfg_lpar_rr_capable", 2, &t);
	assert_int_equal(t.nrows, 4);
	assert_string_equal(CELL(&t, 3, 0), "remote-restart");
	assert_string_equal(CELL(&t, 3, 1), "1");
	done(&fx, &t);

	load_fields(&fx, "lssyscfg_lpar_filter_rs_vios", 3, &t);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(CELL(&t, 0, 0), "vios1");
	assert_string_equal(CELL(&t, 0, 1), "vios2");
	assert_string_equal(CELL(&t, 0, 2), "vios1");
	done(&fx, &t);
}

/* ------------------------------------------------------------------------ */
/* attr=value transcripts                                                   */
/* ------------------------------------------------------------------------ */

static void
test_seed_profile(void **state)
{
	struct fixture fx;
	struct hmc_table t;
	const struct hmc_row *r;
	char **items;
	int n;

	load_attrs(&fx, "lssyscfg_prof_filter", &t);
	assert_int_equal(t.nrows, 1);
	r = &t.rows[0];
	assert_non_null(r->names);
	assert_int_equal(r->n, 46);
	assert_string_equal(hmc_row_get(r, "name"), "default_profile");
	assert_string_equal(hmc_row_get(r, "lpar_name"), "temp3-b642c120-00000133");
	assert_string_equal(hmc_row_get(r, "lpar_id"), "11");
	assert_string_equal(hmc_row_get(r, "hpt_ratio"), "1:128");
	assert_string_equal(hmc_row_get(r, "sriov_eth_logical_ports"), "none");
	assert_null(hmc_row_get(r, "no_such_attribute"));
	/* A pair quoted whole because its value has a comma. */
	assert_string_equal(hmc_row_get(r, "virtual_serial_adapters"),
			    "0/server/1/any//any/1,1/server/1/any//any/1");
	n = hmc_split_list(hmc_row_get(r, "virtual_serial_adapters"), ',', &items);
	assert_int_equal(n, 2);
	assert_string_equal(items[1], "1/server/1/any//any/1");
	assert_null(items[2]);
	hmc_strv_free(items);
	/* The nested list: doubled quotes, one level gone after the row. */
	assert_string_equal(hmc_row_get(r, "virtual_fc_adapters"),
	    "\"2/client/1/s00ia9927559/32/c050760727c5007a,c050760727c5007b/0\","
	    "\"4/client/1/s00ia9927559/35/c050760727c5007c,c050760727c5007d/0\","
	    "\"5/client/2/s00ia9927560/34/c050760727c5007e,c050760727c5007f/0\","
	    "\"6/client/2/s00ia9927560/35/c050760727c50080,c050760727c50081/0\"");
	n = hmc_split_list(hmc_row_get(r, "virtual_fc_adapters"), ',', &items);
	assert_int_equal(n, 4);
	assert_string_equal(items[0],
	    "2/client/1/s00ia9927559/32/c050760727c5007a,c050760727c5007b/0");
	assert_string_equal(items[3],
	    "6/client/2/s00ia9927560/35/c050760727c50080,c050760727c50081/0");
	hmc_strv_free(items);
	/* An attribute list of one item with slashes inside. */
	n = hmc_split_list(hmc_row_get(r, "virtual_scsi_adapters"), ',', &items);
	assert_int_equal(n, 1);
	assert_string_equal(items[0], "3/client/2/s00ia9927560/32/0");
	hmc_strv_free(items);
	done(&fx, &t);
}

static void
test_seed_rspool(void **state)
{
	struct fixture fx;
	struct hmc_table t;
	char **items;

	load_attrs(&fx, "lshwres_rspool", &t);
	assert_int_equal(t.nrows, 1);
	assert_int_equal(t.rows[0].n, 2);
	assert_string_equal(t.rows[0].names[0], "vios_names");
	assert_string_equal(hmc_row_get(&t.rows[0], "vios_names"), "vios1,vios2");
	assert_string_equal(hmc_row_get(&t.rows[0], "vios_ids"), "1,2");
	assert_int_equal(hmc_split_list(hmc_row_get(&t.rows[0], "vios_ids"),
					',', &items), 2);
	assert_string_equal(items[0], "1");
	assert_string_equal(items[1], "2");
	hmc_strv_free(items);
	done(&fx, &t);
}

static void
test_seed_rsdev(void **state)
{
	struct fixture fx;
	struct hmc_table t;
	size_t i;

	load_attrs(&fx, "lshwres_rspool_rsdev_inactive", &t);
	assert_int_equal(t.nrows, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(t.rows[i].n, 15);
		assert_string_equal(hmc_row_get(&t.rows[i], "state"), "Inactive");
		assert_string_equal(hmc_row_get(&t.rows[i], "lpar_id"), "none");
	}
	assert_string_equal(hmc_row_get(&t.rows[2], "device_name"), "hdisk990");
	done(&fx, &t);

	load_attrs(&fx, "lshwres_rspool_rsdev_active", &t);
	assert_int_equal(t.nrows, 1);
	assert_int_equal(t.rows[0].n, 16);
	assert_string_equal(hmc_row_get(&t.rows[0], "state"), "Active");
	assert_string_equal(hmc_row_get(&t.rows[0], "lpar_name"),
			    "temp3-b642c120-00000133");
	assert_string_equal(hmc_row_get(&t.rows[0], "lpar_id"), "11");
	assert_string_equal(hmc_row_get(&t.rows[0], "device_selection_type"),
			    "manual");
	done(&fx, &t);
}

static void
test_seed_lsmemdev_lsrsdevsize(void **state)
{
	struct fixture fx;
	struct hmc_table t;

	load_attrs(&fx, "lsmemdev_avail_dest", &t);
	assert_int_equal(t.nrows, 3);
	assert_string_equal(hmc_row_get(&t.rows[1], "device_name"), "hdisk989");
	assert_string_equal(hmc_row_get(&t.rows[1], "size"), "61440");
	assert_string_equal(hmc_row_get(&t.rows[1], "redundant_capable"), "1");
	done(&fx, &t);

	load_attrs(&fx, "lsmemdev_avail_source", &t);
	assert_int_equal(t.nrows, 3);
	assert_string_equal(hmc_row_get(&t.rows[0], "phys_loc"),
	    "U2C4E.001.DBJN916-P2-C1-T1-W500507680140F32C-L3E5000000000000");
	done(&fx, &t);

	load_attrs(&fx, "lsrsdevsize", &t);
	assert_int_equal(t.nrows, 1);
	assert_int_equal(t.rows[0].n, 1);
	assert_string_equal(hmc_row_get(&t.rows[0], "size"), "8498");
	done(&fx, &t);
}

/* ------------------------------------------------------------------------ */
/* Errors, warnings and empty outputs                                       */
/* ------------------------------------------------------------------------ */

static void
expect_code(const char *name, int rc, const char *code)
{
	struct fixture fx;
	char got[HMC_CODE_LEN];

	load(&fx, name);
	assert_int_equal(fx.rc, rc);
	assert_int_equal(hmc_find_code(fx.out, fx.len, got), 0);
	assert_string_equal(got, code);
	free(fx.out);
}

static void
test_seed_codes(void **state)
{
	struct fixture fx;
	char code[HMC_CODE_LEN];

	/* The message line first, the code on the next. */
	expect_code("chsyscfg_srr_hscla9f8", 1, "HSCLA9F8");
	expect_code("chsyscfg_srr_loop_hscla9f8", 1, "HSCLA9F8");
	expect_code("migrlpar_validate_hsclb909", 1, "HSCLB909");
	expect_code("rrstartlpar_restart_hscla9ce", 1, "HSCLA9CE");
	expect_code("rrstartlpar_restart_d5_hscla9ce", 1, "HSCLA9CE");
	expect_code("rrstartlpar_restart_hscla32f", 0, "HSCLA32F");

	/* An error with no code: nothing is invented. */
	load(&fx, "chsyscfg_p7_no_code");
	assert_int_equal(fx.rc, 1);
	memset(code, 'x', sizeof(code));
	assert_int_equal(hmc_find_code(fx.out, fx.len, code), -ENOENT);
	assert_string_equal(code, "");
	free(fx.out);
}

static void
test_seed_silent_commands(void **state)
{
	static const char *const names[] = { "rrstartlpar_validate",
	    "rrstartlpar_restart", "rrstartlpar_cleanup",
	    "rrstartlpar_cleanup_retaindev_force",
	    "rrstartlpar_validate_redundantvios", "chsysstate_sys_off_immed",
	    "chsysstate_sys_on", "chsysstate_lpar_on_profile",
	    "chsysstate_lpar_shutdown_immed", "chsyscfg_rs_device",
	    "chhwres_rspool_add" };
	struct fixture fx;
	struct hmc_table t;
	char code[HMC_CODE_LEN];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		load(&fx, names[i]);
		assert_int_equal(fx.rc, 0);
		assert_int_equal(fx.len, 0);
		assert_int_equal(hmc_find_code(fx.out, fx.len, code), -ENOENT);
		assert_int_equal(hmc_parse_attrs(fx.out, fx.len, &t), 0);
		assert_int_equal(t.nrows, 0);
		free(fx.out);
	}
}

static void
test_find_code_rules(void **state)
{
	char code[HMC_CODE_LEN];
	const char *s;

	s = "Errors:\r\nHSCLB909 This operation is not allowed\r\n";
	assert_int_equal(hmc_find_code(s, strlen(s), code), 0);
	assert_string_equal(code, "HSCLB909");
	/* Only at the start of a line, only four hex digits, whole word. */
	s = "text HSCL1234 in the middle\n";
	assert_int_equal(hmc_find_code(s, strlen(s), code), -ENOENT);
	s = "HSCLXYZW no\nHSCL12345 no\nHSCL123 no\n";
	assert_int_equal(hmc_find_code(s, strlen(s), code), -ENOENT);
	s = "HSCL8012";		/* at the very end, no newline */
	assert_int_equal(hmc_find_code(s, strlen(s), code), 0);
	assert_string_equal(code, "HSCL8012");
	s = "first\nHSCLA9CE one\nHSCLB909 two\n";
	assert_int_equal(hmc_find_code(s, strlen(s), code), 0);
	assert_string_equal(code, "HSCLA9CE");
	/* The length bounds the search, not a NUL. */
	s = "no code\nHSCLA9CE";
	assert_int_equal(hmc_find_code(s, 8, code), -ENOENT);
	assert_int_equal(hmc_find_code(s, 15, code), -ENOENT);
	assert_int_equal(hmc_find_code(s, 16, code), 0);
}

static void
test_no_results(void **state)
{
	struct hmc_table t;
	const char *s;

	s = "No results were found.\n";
	assert_true(hmc_output_is_empty(s, strlen(s)));
	assert_true(hmc_output_is_empty(s, strlen(s) - 1));
	assert_true(hmc_output_is_empty("No results were found.\r\n", 24));
	assert_false(hmc_output_is_empty("No results were found", 21));
	assert_false(hmc_output_is_empty("xNo results were found.", 23));
	assert_false(hmc_output_is_empty("No results were found.\nlpar1,1\n", 31));
	assert_int_equal(hmc_parse_fields(s, strlen(s), ',', 2, &t), 0);
	assert_int_equal(t.nrows, 0);
	assert_int_equal(hmc_parse_attrs(s, strlen(s), &t), 0);
	assert_int_equal(t.nrows, 0);
}

/* ------------------------------------------------------------------------ */
/* Quoting, line endings, delimiters                                        */
/* ------------------------------------------------------------------------ */

static void
test_quoting(void **state)
{
	struct hmc_table t;
	const char *s;

	s = "\"a,b\",\"say \"\"hi\"\"\",,\"\"\r\n";
	assert_int_equal(hmc_parse_fields(s, strlen(s), ',', 4, &t), 0);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(CELL(&t, 0, 0), "a,b");
	assert_string_equal(CELL(&t, 0, 1), "say \"hi\"");
	assert_string_equal(CELL(&t, 0, 2), "");
	assert_string_equal(CELL(&t, 0, 3), "");
	hmc_table_free(&t);

	/* Any delimiter; a comma is then plain text. */
	s = "lpar 1:Running:\"a:b\"\nx,y:Not Activated:\n";
	assert_int_equal(hmc_parse_fields(s, strlen(s), ':', 3, &t), 0);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(CELL(&t, 0, 2), "a:b");
	assert_string_equal(CELL(&t, 1, 0), "x,y");
	assert_string_equal(CELL(&t, 1, 1), "Not Activated");
	assert_string_equal(CELL(&t, 1, 2), "");
	hmc_table_free(&t);

	/* No final newline; blank lines carry no row. */
	s = "\n\na,1\r\n\nb,2";
	assert_int_equal(hmc_parse_fields(s, strlen(s), ',', 2, &t), 0);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(CELL(&t, 1, 1), "2");
	hmc_table_free(&t);

	/* UTF-8 passes through untouched. */
	s = "\xc3\xa9t\xc3\xa9,\xe6\x97\xa5\n";
	assert_int_equal(hmc_parse_fields(s, strlen(s), ',', 2, &t), 0);
	assert_string_equal(CELL(&t, 0, 0), "\xc3\xa9t\xc3\xa9");
	hmc_table_free(&t);

	/* Bad arguments. */
	assert_int_equal(hmc_parse_fields(s, strlen(s), ',', 0, &t), -EINVAL);
	assert_int_equal(hmc_parse_fields(s, strlen(s), '"', 2, &t), -EINVAL);
	assert_int_equal(hmc_parse_fields(s, strlen(s), 'a', 2, &t), -EINVAL);
	assert_int_equal(hmc_parse_fields(s, strlen(s), '\n', 2, &t), -EINVAL);
	assert_int_equal(hmc_parse_fields(NULL, 3, ',', 2, &t), -EINVAL);
	assert_int_equal(hmc_parse_fields(s, strlen(s), ',', 2, NULL), -EINVAL);
}

static void
test_attr_forms(void **state)
{
	struct hmc_table t;
	const char *s;

	s = "name=a b,state=Not Activated,\"ids=1,2\",empty=,eq=a=b\n";
	assert_int_equal(hmc_parse_attrs(s, strlen(s), &t), 0);
	assert_int_equal(t.rows[0].n, 5);
	assert_string_equal(hmc_row_get(&t.rows[0], "name"), "a b");
	assert_string_equal(hmc_row_get(&t.rows[0], "ids"), "1,2");
	assert_string_equal(hmc_row_get(&t.rows[0], "empty"), "");
	assert_string_equal(hmc_row_get(&t.rows[0], "eq"), "a=b");
	/* Fields of an attr row are in output order. */
	assert_string_equal(t.rows[0].names[4], "eq");
	assert_string_equal(t.rows[0].values[1], "Not Activated");
	hmc_table_free(&t);
	/* -F rows have no names. */
	assert_null(hmc_row_get(&(struct hmc_row){ 0 }, "name"));
}

/* ------------------------------------------------------------------------ */
/* Malformed input: an error and an empty table, never a partial row        */
/* ------------------------------------------------------------------------ */

static void
expect_fields_error(const char *s, size_t len, size_t ncols, int err)
{
	struct hmc_table t = { .nrows = 99, .rows = (void *)&t };

	assert_int_equal(hmc_parse_fields(s, len, ',', ncols, &t), err);
	assert_int_equal(t.nrows, 0);
	assert_null(t.rows);
}

static void
expect_attrs_error(const char *s, size_t len, int err)
{
	struct hmc_table t = { .nrows = 99, .rows = (void *)&t };

	assert_int_equal(hmc_parse_attrs(s, len, &t), err);
	assert_int_equal(t.nrows, 0);
	assert_null(t.rows);
}

#define FIELDS_BAD(s, n, e)	expect_fields_error(s, sizeof(s) - 1, n, e)
#define ATTRS_BAD(s, e)		expect_attrs_error(s, sizeof(s) - 1, e)

static void
test_malformed_fields(void **state)
{
	/* Good rows before the bad one are dropped too. */
	FIELDS_BAD("a,1\nb,\"unterminated\n", 2, -EBADMSG);
	FIELDS_BAD("a,1\n\"x\"y,2\n", 2, -EBADMSG);	/* garbage after quote */
	FIELDS_BAD("a,1\nb\n", 2, -EBADMSG);		/* truncated row */
	FIELDS_BAD("a,1\nb,2,3\n", 2, -EBADMSG);	/* one field too many */
	FIELDS_BAD("a,1\nb,2,\n", 2, -EBADMSG);		/* trailing delimiter */
	FIELDS_BAD("\"", 1, -EBADMSG);
	FIELDS_BAD("\"\"\"", 1, -EBADMSG);
	FIELDS_BAD("a,1\nb\0,2\n", 2, -EBADMSG);	/* embedded NUL */
	FIELDS_BAD("HSCL8012 The partition was not found.\n", 2, -EBADMSG);
}

static void
test_malformed_attrs(void **state)
{
	ATTRS_BAD("name=a,\"ids=1,2\n", -EBADMSG);	/* unterminated */
	ATTRS_BAD("name=a,\"ids=1,2\"x\n", -EBADMSG);	/* garbage */
	ATTRS_BAD("name=a,novalue\n", -EBADMSG);	/* no '=' */
	ATTRS_BAD("name=a,=1\n", -EBADMSG);		/* empty name */
	ATTRS_BAD("name=a,,state=x\n", -EBADMSG);	/* empty pair */
	ATTRS_BAD("name=a,\n", -EBADMSG);		/* trailing comma */
	ATTRS_BAD("na me=a\n", -EBADMSG);		/* bad name */
	ATTRS_BAD("name=a,state=x,name=b\n", -EBADMSG);	/* ambiguous */
	ATTRS_BAD("name=a\nname=b,st\0ate=x\n", -EBADMSG);
	ATTRS_BAD("HSCL8012 The partition was not found.\n", -EBADMSG);
}

static void
test_malformed_sizes(void **state)
{
	size_t big = 1024 * 1024, i;
	char *s = malloc(big + 16);
	struct hmc_buf b = { 0 };

	assert_non_null(s);
	/* A 1 MiB line, then a good one. */
	memset(s, 'x', big);
	memcpy(s + big, ",1\na,1\n", 7);
	expect_fields_error(s, big + 7, 2, -E2BIG);
	memcpy(s, "name=", 5);
	expect_attrs_error(s, big, -E2BIG);
	/* The longest line accepted, and one byte more. */
	memset(s, 'x', HMC_LINE_MAX);
	s[HMC_LINE_MAX] = '\n';
	expect_fields_error(s, HMC_LINE_MAX + 1, 2, -EBADMSG);	/* 1 field */
	{
		struct hmc_table t;

		assert_int_equal(hmc_parse_fields(s, HMC_LINE_MAX + 1, ',', 1, &t), 0);
		assert_int_equal(strlen(CELL(&t, 0, 0)), HMC_LINE_MAX);
		hmc_table_free(&t);
	}
	s[HMC_LINE_MAX] = 'x';
	expect_fields_error(s, HMC_LINE_MAX + 1, 1, -E2BIG);
	free(s);
	/* Output over the cap, refused before any parsing. */
	expect_fields_error("a,1\n", (size_t)HMC_OUTPUT_MAX + 1, 2, -E2BIG);
	/* Too many pairs on one line. */
	for (i = 0; i <= HMC_PAIRS_MAX; i++)
		assert_int_equal(hmc_buf_printf(&b, "%sa%zu=", i ? "," : "", i), 0);
	expect_attrs_error(b.s, b.len, -E2BIG);
	hmc_buf_free(&b);
}

static void
test_split_list(void **state)
{
	char **items;

	assert_int_equal(hmc_split_list("", ',', &items), 0);
	assert_null(items[0]);
	hmc_strv_free(items);
	assert_int_equal(hmc_split_list("a", ',', &items), 1);
	hmc_strv_free(items);
	assert_int_equal(hmc_split_list("a,,\"b,\"\"c\"", ',', &items), 3);
	assert_string_equal(items[1], "");
	assert_string_equal(items[2], "b,\"c");
	hmc_strv_free(items);
	assert_int_equal(hmc_split_list("1/2/3", '/', &items), 3);
	hmc_strv_free(items);
	items = (char **)&items;
	assert_int_equal(hmc_split_list("\"a,b", ',', &items), -EBADMSG);
	assert_null(items);
	assert_int_equal(hmc_split_list("\"a\"b,c", ',', &items), -EBADMSG);
	assert_int_equal(hmc_split_list(NULL, ',', &items), -EINVAL);
	hmc_strv_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_lslic),
		cmocka_unit_test(test_seed_sys_srr_capable),
		cmocka_unit_test(test_seed_lpar_srr_capable),
		cmocka_unit_test(test_seed_lpar_srr_env),
		cmocka_unit_test(test_seed_sys_state),
		cmocka_unit_test(test_seed_small_listings),
		cmocka_unit_test(test_seed_profile),
		cmocka_unit_test(test_seed_rspool),
		cmocka_unit_test(test_seed_rsdev),
		cmocka_unit_test(test_seed_lsmemdev_lsrsdevsize),
		cmocka_unit_test(test_seed_codes),
		cmocka_unit_test(test_seed_silent_commands),
		cmocka_unit_test(test_find_code_rules),
		cmocka_unit_test(test_no_results),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_attr_forms),
		cmocka_unit_test(test_malformed_fields),
		cmocka_unit_test(test_malformed_attrs),
		cmocka_unit_test(test_malformed_sizes),
		cmocka_unit_test(test_split_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
