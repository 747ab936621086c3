/*
 * conf_test.c: srrd's configuration against its golden files, the round
 * trip of the canonical print, the digest, the engine's view and the
 * packaged sample (functional).
 *
 * fixtures/conf/good/NAME.conf loads and prints NAME.out; bad/NAME.conf
 * fails with the one line of NAME.err (fixtures/conf/README). With
 * CONF_TEST_REGEN=1 the expected files are rewritten from what the code
 * does (read the diff before committing).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/srrd_conf.h"
#include "conf_util.h"

#define MAX_FIXTURES 128

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The NAME.conf files of fixtures/conf/SUB, sorted; returns the count. */
static int
fixtures(const char *sub, char *names[MAX_FIXTURES])
{
	char dir[512];
	struct dirent *e;
	DIR *d;
	int n = 0;
	size_t l;

	conf_src_path(sub, dir, sizeof(dir));
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL && n < MAX_FIXTURES) {
		l = strlen(e->d_name);
		if (l > 5 && strcmp(e->d_name + l - 5, ".conf") == 0)
			names[n++] = strndup(e->d_name, l - 5);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), name_cmp);
	return n;
}

static char *
fixture_text(const char *sub, const char *name, const char *ext)
{
	char rel[256], path[512];

	snprintf(rel, sizeof(rel), "%s/%s%s", sub, name, ext);
	conf_src_path(rel, path, sizeof(path));
	return conf_read_text(path);
}

/* Compares with the expected file, or rewrites it under CONF_TEST_REGEN. */
static bool
golden(const char *sub, const char *name, const char *ext, const char *got)
{
	char rel[256], path[512], what[300];
	char *want;
	bool same;
	FILE *f;

	snprintf(what, sizeof(what), "%s/%s%s", sub, name, ext);
	if (getenv("CONF_TEST_REGEN") != NULL) {
		snprintf(rel, sizeof(rel), "%s/%s%s", sub, name, ext);
		conf_src_path(rel, path, sizeof(path));
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(got, f);
		fclose(f);
		return true;
	}
	want = fixture_text(sub, name, ext);
	same = conf_golden_same(what, got, want);
	free(want);
	return same;
}

/* The print loads back to the same configuration, and prints the same. */
static void
round_trip(const struct srrd_conf *c, const char *name)
{
	struct srrd_conf back;
	char err[SRRD_ERR_LEN], file[300];
	char *p1 = conf_print_text(c, true), *p2;
	int rc;

	snprintf(file, sizeof(file), "%s.back", name);
	rc = conf_load_text(file, p1, &back, err, sizeof(err));
	if (rc < 0)
		printf("# %s: %s\n", file, err);
	assert_int_equal(rc, 0);
	p2 = conf_print_text(&back, true);
	assert_true(conf_golden_same(file, p2, p1));
	assert_true(conf_equal(c, &back));
	free(p1);
	free(p2);
	srrd_conf_free(&back);
}

/* good/NAME: loads, prints NAME.out, and the print reads back the same.
 * Returns the mismatches. */
static int
check_good(const char *name, const char *file, const char *text)
{
	char err[SRRD_ERR_LEN], *out;
	struct srrd_conf c;
	int bad;

	if (conf_load_text(file, text, &c, err, sizeof(err)) < 0) {
		printf("# good/%s: %s\n", name, err);
		return 1;
	}
	out = conf_print_text(&c, true);
	bad = !golden("fixtures/conf/good", name, ".out", out);
	round_trip(&c, name);
	free(out);
	srrd_conf_free(&c);
	return bad;
}

/* bad/NAME: refused with the line of NAME.err, nothing kept. */
static int
check_bad(const char *name, const char *file, const char *text)
{
	char err[SRRD_ERR_LEN + 1];
	struct srrd_conf c;
	int rc, bad = 0;

	rc = conf_load_text(file, text, &c, err, sizeof(err) - 1);
	if (rc != -EINVAL) {
		printf("# bad/%s: loaded (%d)\n", name, rc);
		bad++;
	}
	assert_int_equal(c.nhmc + c.nsys + (int)c.nlpar, 0);
	assert_null(c.lpar);
	strcat(err, "\n");
	return bad + !golden("fixtures/conf/bad", name, ".err", err);
}

static void
each_fixture(const char *sub, int min,
	     int (*check)(const char *, const char *, const char *))
{
	char *names[MAX_FIXTURES], file[300], *text;
	int n, i, bad = 0;

	n = fixtures(sub, names);
	assert_true(n >= min);
	for (i = 0; i < n; i++) {
		text = fixture_text(sub, names[i], ".conf");
		assert_non_null(text);
		snprintf(file, sizeof(file), "%s.conf", names[i]);
		bad += check(names[i], file, text);
		free(text);
		free(names[i]);
	}
	assert_int_equal(bad, 0);
}

static void
test_good(void **state)
{
	each_fixture("fixtures/conf/good", 4, check_good);
}

static void
test_bad(void **state)
{
	each_fixture("fixtures/conf/bad", 40, check_bad);
}

/* The golden check itself can fail: a changed expectation is caught. */
static void
test_golden_can_fail(void **state)
{
	char err[SRRD_ERR_LEN], *text, *out, *wrong;
	struct srrd_conf c;

	if (getenv("CONF_TEST_REGEN") != NULL)
		skip();
	text = fixture_text("fixtures/conf/good", "minimal", ".conf");
	assert_int_equal(conf_load_text("minimal", text, &c, err,
					sizeof(err)), 0);
	out = conf_print_text(&c, true);
	assert_true(golden("fixtures/conf/good", "minimal", ".out", out));
	wrong = conf_subst(out, "retries = 3", "retries = 4");
	assert_false(conf_golden_same("minimal (altered)", wrong, out));
	free(wrong);
	free(out);
	free(text);
	srrd_conf_free(&c);
}

static void
test_missing_file(void **state)
{
	struct srrd_conf c;
	char err[SRRD_ERR_LEN], path[128];

	snprintf(path, sizeof(path), "%s/absent.conf", conf_dir);
	assert_int_equal(srrd_conf_load(path, &c, err, sizeof(err)), -ENOENT);
	conf_normalise(err, sizeof(err));
	assert_string_equal(err, "@DIR@/absent.conf: cannot open: No such file "
			    "or directory");
	assert_int_equal(c.nhmc, 0);
	/* opened, but not a file */
	assert_int_equal(srrd_conf_load(conf_dir, &c, err, sizeof(err)),
			 -EISDIR);
	conf_normalise(err, sizeof(err));
	assert_string_equal(err, "@DIR@: cannot read: Is a directory");
}

static void
digest_of(const char *name, uint8_t d[SRRD_DIGEST_LEN], char **print)
{
	char err[SRRD_ERR_LEN], *text;
	struct srrd_conf c;

	text = fixture_text("fixtures/conf/digest", name, ".conf");
	assert_non_null(text);
	if (conf_load_text(name, text, &c, err, sizeof(err)) < 0)
		printf("# digest/%s: %s\n", name, err);
	assert_int_equal(srrd_conf_digest(&c, d), 0);
	*print = conf_print_text(&c, false);
	free(text);
	srrd_conf_free(&c);
}

/* Comments, order, units, spellings and local paths do not count; a
 * policy value does. */
static void
test_digest_files(void **state)
{
	uint8_t a[SRRD_DIGEST_LEN], b[SRRD_DIGEST_LEN], x[SRRD_DIGEST_LEN];
	char *pa, *pb, *px;

	digest_of("base", a, &pa);
	digest_of("same", b, &pb);
	digest_of("changed", x, &px);
	assert_true(conf_golden_same("digest same", pb, pa));
	assert_memory_equal(a, b, SRRD_DIGEST_LEN);
	assert_memory_not_equal(a, x, SRRD_DIGEST_LEN);
	free(pa);
	free(pb);
	free(px);
}

static void
test_engine(void **state)
{
	char err[SRRD_ERR_LEN], *text;
	struct srr_engine_conf e;
	struct srr_engine *eng;
	struct srrd_conf c;
	size_t i;

	text = fixture_text("fixtures/conf/good", "full", ".conf");
	assert_int_equal(conf_load_text("full", text, &c, err, sizeof(err)), 0);
	assert_int_equal(srrd_conf_engine(&c, 7, &e), 0);
	assert_int_equal(e.nodeid, 7);
	assert_int_equal(e.nhmc, 2);
	assert_int_equal(e.nsys, 3);
	/* sorted by name: S924-DST1, S924-DST2, S924-SRC; order kept */
	assert_string_equal(e.sys[2].name, "S924-SRC");
	assert_int_equal(e.sys[2].ndest, 2);
	assert_int_equal(e.sys[2].dest[0], 1);
	assert_int_equal(e.sys[2].dest[1], 0);
	assert_true(e.sys[2].fence);
	assert_false(e.sys[0].fence);
	assert_int_equal(e.nlpar, 3);
	for (i = 0; i < e.nlpar; i++) {
		assert_string_equal(e.lpar[i].name, c.lpar[i].name);
		assert_int_equal(e.lpar[i].priority, c.lpar[i].priority);
		assert_int_equal(e.lpar[i].excluded, c.lpar[i].excluded);
	}
	assert_int_equal(e.poll_ms, 2000);
	assert_int_equal(e.confirm_k, 4);
	assert_int_equal(e.confirm_t_ms, 20000);
	assert_int_equal(e.confirm_ttl_ms, 600000);
	assert_int_equal(e.default_priority, 5);
	assert_int_equal(e.max_per_source, 16);
	assert_int_equal(e.max_per_dest, 4);
	assert_true(e.validate_first);
	assert_int_equal(e.retry_max, 5);
	assert_int_equal(e.backoff_ms, 5000);
	assert_int_equal(e.backoff_max_ms, 600000);
	assert_int_equal(e.tier_timeout_ms, 180000);
	assert_int_equal(e.down_mask, c.down_mask);
	assert_int_equal(srr_engine_new(&e, &eng), 0);
	srr_engine_free(eng);
	free((void *)e.lpar);
	free(text);
	srrd_conf_free(&c);
}

/* The minimal file gives the engine's own defaults (engine.h). */
static void
test_engine_defaults(void **state)
{
	char err[SRRD_ERR_LEN], *text;
	struct srr_engine_conf e;
	struct srrd_conf c;

	text = fixture_text("fixtures/conf/good", "minimal", ".conf");
	assert_int_equal(conf_load_text("minimal", text, &c, err,
					sizeof(err)), 0);
	assert_int_equal(srrd_conf_engine(&c, 1, &e), 0);
	assert_int_equal(e.poll_ms, 5000);
	assert_int_equal(e.confirm_k, 3);
	assert_int_equal(e.confirm_t_ms, 15000);
	assert_int_equal(e.confirm_ttl_ms, 300000);
	assert_int_equal(e.default_priority, 3);
	assert_int_equal(e.tier_timeout_ms, 300000);
	assert_int_equal(e.max_per_source, 8);
	assert_int_equal(e.max_per_dest, 8);
	assert_int_equal(e.retry_max, 3);
	assert_int_equal(e.backoff_ms, 10000);
	assert_int_equal(e.backoff_max_ms, 300000);
	assert_int_equal(e.down_mask, 1u << HMC_SYS_POWER_OFF |
			 1u << HMC_SYS_ERROR | 1u << HMC_SYS_ERROR_DUMP |
			 1u << HMC_SYS_ERROR_TERMINATED);
	assert_false(e.validate_first);
	free((void *)e.lpar);
	free(text);
	srrd_conf_free(&c);
}

/* packaging/srrha.conf.sample, its /etc/srrha files in the scratch
 * directory, loads and holds what it is there to show. */
static void
test_sample(void **state)
{
	char path[512], err[SRRD_ERR_LEN], *text, *t;
	struct srrd_conf c;
	int i, fenced = 0;
	size_t l, pinned = 0, excluded = 0;

	conf_src_path("../packaging/srrha.conf.sample", path, sizeof(path));
	text = conf_read_text(path);
	assert_non_null(text);
	t = conf_subst(text, "/etc/srrha/", "@DIR@/");
	if (conf_load_text("sample.conf", t, &c, err, sizeof(err)) < 0)
		printf("# sample: %s\n", err);
	assert_int_equal(c.nhmc, 2);
	assert_true(c.nsys >= 3);
	for (i = 0; i < c.nsys; i++)
		fenced += c.sys[i].fence != NULL;
	for (l = 0; l < c.nlpar; l++) {
		pinned += c.lpar[l].pin >= 0;
		excluded += c.lpar[l].excluded;
	}
	assert_true(fenced >= 1 && pinned >= 1 && excluded >= 1);
	assert_true(c.nalert >= 1);
	assert_non_null(strstr(c.alert[0].path, "alert_file.sh.sample"));
	assert_true(c.ipc_group[0] != '\0');
	round_trip(&c, "sample");
	free(text);
	free(t);
	srrd_conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_golden_can_fail),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_digest_files),
		cmocka_unit_test(test_engine),
		cmocka_unit_test(test_engine_defaults),
		cmocka_unit_test(test_sample),
	};

	return cmocka_run_group_tests(tests, conf_group_setup,
					   conf_group_teardown);
}
