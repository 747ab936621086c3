/*
 * fence_opts_test.c: fence_srr's parameters: the fence-agent stdin, the
 * command line and the checked configuration (api, security).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fence/fence_srr.h"

static int
parse(struct fence_opts *o, const char *text, char *err, size_t errlen)
{
	fence_opts_init(o);
	return fence_opts_parse_stdin(o, text, strlen(text), err, errlen);
}

static void
test_stdin_pacemaker(void **state)
{
	/* What pacemaker-fenced writes, plus a comment and a blank line. */
	const char *in = "# a comment\n\naction=off\nnodename=n3\nplug=lpar3\n"
	    "ip=hmc1\nusername=hscroot\nidentity_file=/k\nmanaged=p814-1\n"
	    "pcmk_host_map=n3:lpar3\n";
	struct fence_opts o;
	char err[256] = "";

	assert_int_equal(parse(&o, in, err, sizeof(err)), 0);
	assert_string_equal(o.val[P_ACTION], "off");
	assert_string_equal(o.val[P_PLUG], "lpar3");
	assert_string_equal(o.val[P_MANAGED], "p814-1");
	assert_string_equal(o.nodename, "n3");
	assert_int_equal(o.n_warnings, 1);	/* pcmk_host_map: unknown */
	fence_opts_free(&o);
}

static void
test_stdin_last_wins_and_aliases(void **state)
{
	const char *in = "ipaddr=old\nip=new\nlogin=u1\nusername=u2\nport=p1\n"
	    "passwd=\"pw with spaces\"\nsecure=yes\nhmc-version=4\r\n"
	    "cmd_prompt=:~>\n  debug = /tmp/x  \n";
	struct fence_opts o;
	char err[256] = "";

	assert_int_equal(parse(&o, in, err, sizeof(err)), 0);
	assert_string_equal(o.val[P_IP], "new");
	assert_string_equal(o.val[P_USERNAME], "u2");
	assert_string_equal(o.val[P_PLUG], "p1");
	assert_string_equal(o.val[P_PASSWORD], "pw with spaces");
	assert_string_equal(o.val[P_SSH], "1");
	assert_string_equal(o.val[P_HMC_VERSION], "4");
	assert_string_equal(o.val[P_COMMAND_PROMPT], ":~>");
	assert_string_equal(o.val[P_DEBUG_FILE], "/tmp/x");
	assert_int_equal(o.n_warnings, 0);
	fence_opts_free(&o);
}

static void
test_stdin_missing_equals(void **state)
{
	struct fence_opts o;
	char err[256] = "";

	assert_int_equal(parse(&o, "action=off\nplug lpar3\n", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 2"));
	assert_non_null(strstr(err, "'='"));
	fence_opts_free(&o);
	assert_int_equal(parse(&o, "=value\n", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty key"));
	fence_opts_free(&o);
}

static void
test_stdin_binary_junk(void **state)
{
	const char junk[] = "action=off\n\x7f" "ELF\x02\x01\x01\x00\x00=\xff\xfe\n";
	struct fence_opts o;
	char err[256] = "";

	fence_opts_init(&o);
	assert_int_equal(fence_opts_parse_stdin(&o, junk, sizeof(junk) - 1, err,
						sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "control byte"));
	fence_opts_free(&o);
	fence_opts_init(&o);	/* a NUL in the middle of a value */
	assert_int_equal(fence_opts_parse_stdin(&o, "plug=a\0b\n", 9, err,
						sizeof(err)), -EINVAL);
	fence_opts_free(&o);
	/* A TAB is a control byte too, as the man page says: in a value it
	 * would reach the HMC as part of a name. */
	fence_opts_init(&o);
	assert_int_equal(fence_opts_parse_stdin(&o, "plug=lpar\t1\n", 12, err,
						sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "control byte 0x09"));
	assert_null(o.val[P_PLUG]);
	fence_opts_free(&o);
	fence_opts_init(&o);
	assert_int_equal(fence_opts_parse_stdin(&o, "\tplug=lpar1\n", 12, err,
						sizeof(err)), -EINVAL);
	fence_opts_free(&o);
	/* A final CR (a file written on Windows) is still fine. */
	fence_opts_init(&o);
	assert_int_equal(fence_opts_parse_stdin(&o, "plug=lpar1\r\n", 12, err,
						sizeof(err)), 0);
	assert_string_equal(o.val[P_PLUG], "lpar1");
	fence_opts_free(&o);
}

static void
test_stdin_long_line(void **state)
{
	size_t n = 1024 * 1024;
	char *big = malloc(n + 1);
	struct fence_opts o;
	char err[256] = "";
	FILE *fp;

	assert_non_null(big);
	memcpy(big, "plug=", 5);
	memset(big + 5, 'a', n - 5);
	big[n] = '\0';
	assert_int_equal(parse(&o, big, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bytes long"));
	assert_null(o.val[P_PLUG]);
	fence_opts_free(&o);
	/* Through the reader: refused before parsing. */
	fp = fmemopen(big, n, "r");
	assert_non_null(fp);
	fence_opts_init(&o);
	assert_int_equal(fence_opts_read_stdin(&o, fp, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "more than"));
	fclose(fp);
	fence_opts_free(&o);
	free(big);
}

static void
test_stdin_bad_boolean_ignored(void **state)
{
	struct fence_opts o;
	char err[256] = "";

	assert_int_equal(parse(&o, "verbose=maybe\nquiet=on\n", err, sizeof(err)), 0);
	assert_null(o.val[P_VERBOSE]);
	assert_string_equal(o.val[P_QUIET], "1");
	assert_int_equal(o.n_warnings, 1);
	fence_opts_free(&o);
}

static void
test_argv(void **state)
{
	const char *argv[] = { "fence_srr", "-o", "status", "-a", "hmc1", "-l", "hscroot",
	    "-k", "/id", "-n", "lpar 1", "--managed=p1", "--delay", "3", "-vv",
	    "--ip2", "hmc2", "-x", "--systems=p1,p2", NULL };
	struct fence_opts o;
	char err[256] = "";

	fence_opts_init(&o);
	assert_int_equal(fence_opts_parse_argv(&o, 19, (char *const *)argv, err, sizeof(err)), 0);
	assert_string_equal(o.val[P_ACTION], "status");
	assert_string_equal(o.val[P_PLUG], "lpar 1");
	assert_string_equal(o.val[P_MANAGED], "p1");
	assert_string_equal(o.val[P_DELAY], "3");
	assert_string_equal(o.val[P_IP2], "hmc2");
	assert_string_equal(o.val[P_SSH], "1");
	assert_int_equal(o.verbose_count, 2);
	fence_opts_free(&o);
}

static void
test_argv_errors(void **state)
{
	const char *bad[] = { "fence_srr", "--no-such-option", NULL };
	const char *noarg[] = { "fence_srr", "-o", NULL };
	struct fence_opts o;
	char err[256] = "";

	fence_opts_init(&o);
	assert_int_equal(fence_opts_parse_argv(&o, 2, (char *const *)bad, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--no-such-option"));
	fence_opts_free(&o);
	fence_opts_init(&o);
	assert_int_equal(fence_opts_parse_argv(&o, 2, (char *const *)noarg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing argument"));
	fence_opts_free(&o);
}

/* Found by fence_argv_fuzz: an error inside a cluster of short options
 * ("-Zv": Z unknown) left getopt's scan inside that argv, and the next
 * parse went on reading it (the rest of the cluster, freed memory by
 * then). Each parse must start from its own argv. */
static void
test_argv_parse_starts_afresh(void **state)
{
	char *first = strdup("-Zv");
	char *argv1[] = { (char *)"fence_srr", first, NULL };
	char *argv2[] = { (char *)"fence_srr", NULL };
	struct fence_opts o;
	char err[256] = "";

	assert_non_null(first);
	fence_opts_init(&o);
	assert_int_equal(fence_opts_parse_argv(&o, 2, argv1, err, sizeof(err)), -EINVAL);
	fence_opts_free(&o);
	free(first);
	fence_opts_init(&o);
	assert_int_equal(fence_opts_parse_argv(&o, 1, argv2, err, sizeof(err)), 0);
	assert_int_equal(o.verbose_count, 0);
	assert_null(o.val[P_VERBOSE]);
	fence_opts_free(&o);
}

static const char base[] = "ip=hmc1\nusername=hscroot\nidentity_file=/k\nplug=lpar1\n";

static int
load(const char *extra, struct fence_opts *o, struct fence_cfg *c, char *err)
{
	char in[1024];

	snprintf(in, sizeof(in), "%s%s", base, extra);
	assert_int_equal(parse(o, in, err, 256), 0);
	return fence_cfg_load(o, c, err, 256);
}

static void
test_cfg_defaults(void **state)
{
	struct fence_opts o;
	struct fence_cfg c;
	char err[256] = "";

	unsetenv("PCMK_service");
	assert_int_equal(load("", &o, &c, err), 0);
	assert_int_equal(c.action, FA_REBOOT);
	assert_int_equal(c.ipport, 22);
	assert_int_equal(c.power_timeout, 20);
	assert_int_equal(c.delay, 0);
	assert_int_equal(c.n_systems, 0);
	assert_string_equal(c.known_hosts, "/root/.ssh/known_hosts");
	assert_int_equal(c.separator, ',');
	fence_cfg_free(&c);
	fence_opts_free(&o);
	/* Under pacemaker-fenced the fencer bounds the wait. */
	setenv("PCMK_service", "pacemaker-fenced", 1);
	assert_int_equal(load("action=off\n", &o, &c, err), 0);
	assert_int_equal(c.power_timeout, 0);
	unsetenv("PCMK_service");
	fence_cfg_free(&c);
	fence_opts_free(&o);
}

static void
expect_refused(const char *extra, const char *needle)
{
	struct fence_opts o;
	struct fence_cfg c;
	char err[256] = "";

	assert_int_equal(load(extra, &o, &c, err), -EINVAL);
	if (strstr(err, needle) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", extra, err, needle);
	fence_cfg_free(&c);
	fence_opts_free(&o);
}

static void
test_cfg_refusals(void **state)
{
	expect_refused("action=dance\n", "Unrecognised action 'dance'");
	expect_refused("hmc_version=3\n", "only 4");
	expect_refused("hmc_version=5\n", "valid choice");
	expect_refused("ssh=0\n", "SSH only");
	expect_refused("ipport=22x\n", "ipport");
	expect_refused("ipport=70000\n", "ipport");
	expect_refused("delay=-1\n", "valid time in seconds");
	expect_refused("power_timeout=5s\n", "power_timeout");
	expect_refused("systems=a,,b\n", "empty item");
	expect_refused("systems=a,b,a\n", "twice");
	expect_refused("plug=\n", "plug");
	expect_refused("separator=::\n", "one character");
}

static void
test_cfg_required(void **state)
{
	struct fence_opts o;
	struct fence_cfg c;
	char err[256] = "";

	assert_int_equal(parse(&o, "action=status\nip=h\nusername=u\nplug=p\n", err,
			       sizeof(err)), 0);
	assert_int_equal(fence_cfg_load(&o, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "password"));
	fence_cfg_free(&c);
	fence_opts_free(&o);
	/* An optional parameter given empty is not given. */
	assert_int_equal(parse(&o, "ip=h\nusername=u\nplug=p\nidentity_file=\npassword=x\nip2=\n",
			       err, sizeof(err)), 0);
	assert_int_equal(fence_cfg_load(&o, &c, err, sizeof(err)), 0);
	assert_null(c.identity_file);
	assert_null(c.ip2);
	assert_string_equal(c.password, "x");
	fence_cfg_free(&c);
	fence_opts_free(&o);
	/* list needs no plug; metadata needs nothing at all. */
	assert_int_equal(parse(&o, "action=list\nip=h\nusername=u\npassword=x\n", err,
			       sizeof(err)), 0);
	assert_int_equal(fence_cfg_load(&o, &c, err, sizeof(err)), 0);
	fence_cfg_free(&c);
	fence_opts_free(&o);
	assert_int_equal(parse(&o, "action=meta-data\n", err, sizeof(err)), 0);
	assert_int_equal(fence_cfg_load(&o, &c, err, sizeof(err)), 0);
	assert_int_equal(c.action, FA_METADATA);
	fence_cfg_free(&c);
	fence_opts_free(&o);
}

static void
test_cfg_systems(void **state)
{
	struct fence_opts o;
	struct fence_cfg c;
	char err[256] = "";

	assert_int_equal(load("systems=p814-1,p814 2\n", &o, &c, err), 0);
	assert_int_equal(c.n_systems, 2);
	assert_string_equal(c.systems[0], "p814-1");
	assert_string_equal(c.systems[1], "p814 2");
	fence_cfg_free(&c);
	fence_opts_free(&o);
}

static void
test_parse_uint(void **state)
{
	unsigned long v = 0;

	assert_int_equal(fence_parse_uint("42", 100, &v), 0);
	assert_int_equal(v, 42);
	assert_true(fence_parse_uint("", 100, &v) < 0);
	assert_true(fence_parse_uint("+1", 100, &v) < 0);
	assert_true(fence_parse_uint("101", 100, &v) < 0);
	assert_true(fence_parse_uint("99999999999999999999999", ~0UL, &v) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stdin_pacemaker),
		cmocka_unit_test(test_stdin_last_wins_and_aliases),
		cmocka_unit_test(test_stdin_missing_equals),
		cmocka_unit_test(test_stdin_binary_junk),
		cmocka_unit_test(test_stdin_long_line),
		cmocka_unit_test(test_stdin_bad_boolean_ignored),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_argv_errors),
		cmocka_unit_test(test_argv_parse_starts_afresh),
		cmocka_unit_test(test_cfg_defaults),
		cmocka_unit_test(test_cfg_refusals),
		cmocka_unit_test(test_cfg_required),
		cmocka_unit_test(test_cfg_systems),
		cmocka_unit_test(test_parse_uint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
