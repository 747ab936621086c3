/*
 * fence_view_test.c: HMC listings, parsed by hmc/'s parser, turned into
 * observations and decided on (functional). The system listing is the
 * seed article's real transcript; the partition listings are written in
 * the HMC's -F format with its quoting.
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

#include "fence/fence_srr.h"

static char *
fixture(const char *name, size_t *len)
{
	const char *dir = getenv("SRCDIR");
	char path[1024];
	char *buf = malloc(65536);
	FILE *fp;

	snprintf(path, sizeof(path), "%s/fixtures/seed/%s", dir != NULL ? dir : "tests", name);
	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	assert_non_null(buf);
	*len = fread(buf, 1, 65535, fp);
	buf[*len] = '\0';
	fclose(fp);
	return buf;
}

/* The seed's "lssyscfg -r sys -F name,state": p824-2 Operating, p824-1
 * Power Off (the moment before the article's remote restart). */
static void
load_systems(struct fence_view *v, const char *const *want, size_t n_want,
	     int expect)
{
	struct hmc_table t = { 0 };
	size_t len;
	char *out = fixture("lssyscfg_sys_state.out", &len);
	char err[256] = "";

	fence_view_init(v);
	assert_int_equal(hmc_parse_fields(out, len, ',', SYS_NCOLS, &t), 0);
	assert_int_equal(fence_view_set_systems(v, &t, want, n_want, err, sizeof(err)), expect);
	hmc_table_free(&t);
	free(out);
}

static int
sys_index(const struct fence_view *v, const char *sys)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->sys[i], sys) == 0)
			return (int)i;
	fail_msg("no system %s", sys);
	return -1;
}

static void
set_lpars(struct fence_view *v, const char *sys, const char *out)
{
	int i = sys_index(v, sys);

	v->list_rc[i] = hmc_parse_fields(out, strlen(out), ',', LPAR_NCOLS, &v->lpars[i]);
}

static void
decide(struct fence_view *v, const char *plug, struct fence_verdict *vd)
{
	struct fence_obs obs[FENCE_SYS_MAX];
	char err[256] = "";

	assert_int_equal(fence_view_observe(v, plug, obs, err, sizeof(err)), 0);
	assert_int_equal(fence_locate(obs, v->n, NULL, vd), 0);
}

static void
test_after_remote_restart(void **state)
{
	struct fence_view v;
	struct fence_verdict vd;

	load_systems(&v, NULL, 0, 0);
	assert_int_equal(v.n, 2);
	set_lpars(&v, "p824-1", "lpar1,Not Activated,Remote Restarted,default_profile\n"
		  "vios1,Not Activated,Invalid,default\n");
	set_lpars(&v, "p824-2", "vios3,Running,Invalid,default\n"
		  "lpar1,Running,Remote Restartable,default_profile\n");
	decide(&v, "lpar1", &vd);
	assert_int_equal(vd.power, FENCE_POWER_ON);
	assert_int_equal(vd.copy[sys_index(&v, "p824-1")], COPY_DOWN);
	assert_int_equal(vd.copy[sys_index(&v, "p824-2")], COPY_RUNNING);
	fence_view_free(&v);
}

static void
test_quoted_name_and_empty_listing(void **state)
{
	struct fence_view v;
	struct fence_verdict vd;
	struct fence_obs obs[FENCE_SYS_MAX];
	int dst;

	load_systems(&v, NULL, 0, 0);
	set_lpars(&v, "p824-1", "No results were found.\n");
	set_lpars(&v, "p824-2", "\"db,prod \"\"1\"\"\",Not Activated,Remote Restartable,\"prof,a\"\n");
	dst = sys_index(&v, "p824-2");
	assert_int_equal(fence_view_observe(&v, "db,prod \"1\"", obs, NULL, 0), 0);
	assert_true(obs[dst].defined);
	assert_string_equal(obs[dst].profile, "prof,a");
	assert_int_equal(obs[dst].rrs, HMC_RRS_REMOTE_RESTARTABLE);
	decide(&v, "db,prod \"1\"", &vd);
	assert_int_equal(vd.power, FENCE_POWER_OFF);
	assert_int_equal(vd.start, dst);
	/* A name that is only a prefix is another partition. */
	decide(&v, "db", &vd);
	assert_int_equal(vd.power, FENCE_POWER_UNKNOWN);
	assert_non_null(strstr(vd.why, "not defined"));
	fence_view_free(&v);
}

static void
test_garbled_listing_is_unknown(void **state)
{
	struct fence_view v;
	struct fence_verdict vd;

	load_systems(&v, NULL, 0, 0);
	set_lpars(&v, "p824-1", "No results were found.\n");
	/* Three fields where four were asked: the parser refuses the row. */
	set_lpars(&v, "p824-2", "lpar1,Not Activated,default\n");
	assert_true(v.list_rc[sys_index(&v, "p824-2")] < 0);
	decide(&v, "lpar1", &vd);
	assert_int_equal(vd.power, FENCE_POWER_UNKNOWN);
	fence_view_free(&v);
}

static void
test_partition_twice_on_one_system(void **state)
{
	struct fence_view v;
	struct fence_obs obs[FENCE_SYS_MAX];
	char err[256] = "";

	load_systems(&v, NULL, 0, 0);
	set_lpars(&v, "p824-2", "lpar1,Running,Invalid,a\nlpar1,Not Activated,Invalid,b\n");
	assert_int_equal(fence_view_observe(&v, "lpar1", obs, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "twice"));
	fence_view_free(&v);
}

static void
test_candidate_systems(void **state)
{
	static const char *const only[] = { "p824-2" };
	static const char *const missing[] = { "p824-2", "p814-9" };
	struct fence_view v;

	load_systems(&v, only, 1, 0);
	assert_int_equal(v.n, 1);
	assert_string_equal(v.sys[0], "p824-2");
	assert_string_equal(v.sys_state[0], "Operating");
	fence_view_free(&v);
	load_systems(&v, missing, 2, -ENOENT);
	fence_view_free(&v);
}

static void
test_system_twice(void **state)
{
	const char *out = "s1,Operating\ns1,Power Off\n";
	struct hmc_table t = { 0 };
	struct fence_view v;
	char err[256] = "";

	fence_view_init(&v);
	assert_int_equal(hmc_parse_fields(out, strlen(out), ',', SYS_NCOLS, &t), 0);
	assert_int_equal(fence_view_set_systems(&v, &t, NULL, 0, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "twice"));
	fence_view_free(&v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_after_remote_restart),
		cmocka_unit_test(test_quoted_name_and_empty_listing),
		cmocka_unit_test(test_garbled_listing_is_unknown),
		cmocka_unit_test(test_partition_twice_on_one_system),
		cmocka_unit_test(test_candidate_systems),
		cmocka_unit_test(test_system_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
