/*
 * fence_meta_test.c: fence_srr's metadata against fence-agents' schema
 * (metadata.rng, with the real xmllint), its man page and help (api).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fence/fence_srr.h"

#define RNG "/usr/share/cluster/relaxng/metadata.rng"

/* The text FN prints, NUL-terminated (caller frees). */
static char *
capture(void (*fn)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	fn(fp);
	fclose(fp);
	return buf;
}

static void
test_metadata_valid(void **state)
{
	char path[] = "/tmp/fence_srr_meta.XXXXXX";
	char cmd[256];
	int fd, rc;
	FILE *fp;

	if (access(RNG, R_OK) != 0 || system("command -v xmllint >/dev/null 2>&1") != 0)
		skip();	/* fence-agents or libxml2-utils missing */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fence_print_metadata(fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "xmllint --noout --relaxng %s %s", RNG, path);
	rc = system(cmd);
	unlink(path);
	assert_int_equal(rc, 0);
}

static void
test_metadata_invalid_is_caught(void **state)
{
	/* The validation above can fail: a parameter without getopt does. */
	char path[] = "/tmp/fence_srr_bad.XXXXXX";
	char cmd[256];
	int fd, rc;
	FILE *fp;

	if (access(RNG, R_OK) != 0 || system("command -v xmllint >/dev/null 2>&1") != 0)
		skip();
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs("<?xml version=\"1.0\" ?><resource-agent name=\"x\" shortdesc=\"x\">"
	      "<longdesc/><vendor-url/><parameters><parameter name=\"a\" unique=\"0\" "
	      "required=\"0\"><content type=\"string\"/><shortdesc lang=\"en\">a</shortdesc>"
	      "</parameter></parameters><actions><action name=\"on\"/></actions>"
	      "</resource-agent>\n", fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "xmllint --noout --relaxng %s %s 2>/dev/null", RNG, path);
	rc = system(cmd);
	unlink(path);
	assert_int_not_equal(rc, 0);
}

static void
test_metadata_content(void **state)
{
	char *m = capture(fence_print_metadata);
	static const char *const want[] = {
		"name=\"fence_srr\"",
		"<parameter name=\"ipaddr\" unique=\"0\" required=\"1\" deprecated=\"1\">",
		"<parameter name=\"ip\" unique=\"0\" required=\"1\" obsoletes=\"ipaddr\">",
		"<parameter name=\"port\" unique=\"0\" required=\"1\" deprecated=\"1\">",
		"<parameter name=\"plug\" unique=\"0\" required=\"1\" obsoletes=\"port\">",
		"<parameter name=\"secure\"", "<parameter name=\"login\"",
		"<parameter name=\"passwd\"", "<parameter name=\"cmd_prompt\"",
		"<parameter name=\"managed\" unique=\"0\" required=\"0\">",
		"<parameter name=\"ip2\"", "<parameter name=\"known_hosts\"",
		"<parameter name=\"systems\"",
		"<getopt mixed=\"-s, --managed=[id]\" />",
		"<option value=\"ivm\" />",
		"<action name=\"on\" automatic=\"0\"/>", "<action name=\"list-status\" />",
		"<action name=\"validate-all\" />", "<action name=\"monitor\" />",
		"<content type=\"second\" default=\"0\" />",
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(m, want[i]) == NULL)
			fail_msg("metadata lacks %s", want[i]);
	free(m);
}

static void
test_manpage_and_usage(void **state)
{
	char *man = capture(fence_print_manpage);
	char *use = capture(fence_print_usage);

	assert_true(strncmp(man, ".TH FENCE_SRR 8", 15) == 0);
	assert_non_null(strstr(man, ".SH OPTIONS"));
	assert_non_null(strstr(man, "\\-\\-known\\-hosts"));
	assert_non_null(strstr(man, "old name: ipaddr"));
	assert_non_null(strstr(use, "-a, --ip=[ip]"));
	assert_non_null(strstr(use, "--delay=[seconds]"));
	free(man);
	free(use);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metadata_valid),
		cmocka_unit_test(test_metadata_invalid_is_caught),
		cmocka_unit_test(test_metadata_content),
		cmocka_unit_test(test_manpage_and_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
