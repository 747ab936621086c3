/*
 * sim_words_test.c: hmcsim's reading of command lines (internal, security).
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

#include "sim/sim.h"

static char **
split_ok(const char *line, int want)
{
	char **av = NULL;

	assert_int_equal(sim_words_split(line, NULL, NULL, &av), want);
	return av;
}

static void
test_plain_and_blanks(void **state)
{
	char **av = split_ok("  lssyscfg\t-r  sys ", 3);

	assert_string_equal(av[0], "lssyscfg");
	assert_string_equal(av[1], "-r");
	assert_string_equal(av[2], "sys");
	assert_null(av[3]);
	sim_words_free(av);
	av = split_ok("", 0);
	sim_words_free(av);
	av = split_ok("# only a comment", 0);
	sim_words_free(av);
}

static void
test_single_quotes_as_hmc_shell_quote(void **state)
{
	/* Every name hmc_shell_quote() produces reads back as that name. */
	static const char *const names[] = { "lpar1", "a b", "it's", "x;y|z",
		"$(reboot)", "`id`", "\"q\"", "back\\slash", "é-ü", "'", NULL };
	char q[512], line[600], **av;
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		assert_int_equal(hmc_shell_quote(names[i], q, sizeof(q)), 0);
		snprintf(line, sizeof(line), "chsysstate -n %s", q);
		av = split_ok(line, 3);
		assert_string_equal(av[2], names[i]);
		sim_words_free(av);
	}
	av = split_ok("x ''", 2);	/* an empty quoted word is a word */
	assert_string_equal(av[1], "");
	sim_words_free(av);
}

static void
test_double_quotes_and_backslash(void **state)
{
	char **av = split_ok("a \"name=lpar1,x=1\" \"q\\\"d\" b\\ c \"\\n\"", 5);

	assert_string_equal(av[1], "name=lpar1,x=1");
	assert_string_equal(av[2], "q\"d");
	assert_string_equal(av[3], "b c");
	assert_string_equal(av[4], "\\n");	/* bash keeps \n in "" */
	sim_words_free(av);
	av = split_ok("--filter 'lpar_names='\"a b\"", 2);
	assert_string_equal(av[1], "lpar_names=a b");
	sim_words_free(av);
}

static void
test_refused_syntax(void **state)
{
	char **av = NULL;

	/* A restricted shell runs one command: nothing that chains. */
	assert_int_equal(sim_words_split("ls; reboot", NULL, NULL, &av), -EPERM);
	assert_int_equal(sim_words_split("ls | x", NULL, NULL, &av), -EPERM);
	assert_int_equal(sim_words_split("ls > f", NULL, NULL, &av), -EPERM);
	assert_int_equal(sim_words_split("ls $(id)", NULL, NULL, &av), -EPERM);
	assert_int_equal(sim_words_split("ls \"$(id)\"", NULL, NULL, &av), -EPERM);
	assert_int_equal(sim_words_split("ls `id`", NULL, NULL, &av), -EPERM);
	assert_int_equal(sim_words_split("ls 'open", NULL, NULL, &av), -EINVAL);
	assert_int_equal(sim_words_split("ls \"open", NULL, NULL, &av), -EINVAL);
	assert_null(av);
}

static int
fake_subst(void *arg, const char *cmd, char **out)
{
	assert_string_equal(cmd, (const char *)arg);
	*out = strdup("default_profile\n\n");
	return 0;
}

static void
test_backtick_substitution(void **state)
{
	/* fence_lpar's "on": the profile comes from a nested lssyscfg. */
	const char *inner = "lssyscfg -r lpar -F curr_profile  -m p814-1 "
			    "--filter \"lpar_names=lpar1\"";
	char line[512], **av = NULL;

	snprintf(line, sizeof(line), "chsysstate -o on -r lpar -m p814-1 "
		 "-n lpar1 -f `%s`", inner);
	assert_int_equal(sim_words_split(line, fake_subst, (void *)inner, &av), 11);
	assert_string_equal(av[10], "default_profile");
	sim_words_free(av);
}

static void
test_caps(void **state)
{
	char *big = malloc(SIM_LINE_MAX + 2), **av = NULL;
	struct hmc_buf b = { 0 };
	int i;

	memset(big, 'a', SIM_LINE_MAX + 1);
	big[SIM_LINE_MAX + 1] = '\0';
	assert_int_equal(sim_words_split(big, NULL, NULL, &av), -E2BIG);
	free(big);
	for (i = 0; i < SIM_ARGS_MAX + 5; i++)
		hmc_buf_append(&b, "w ", 2);
	assert_int_equal(sim_words_split(b.s, NULL, NULL, &av), -E2BIG);
	hmc_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_blanks),
		cmocka_unit_test(test_single_quotes_as_hmc_shell_quote),
		cmocka_unit_test(test_double_quotes_and_backslash),
		cmocka_unit_test(test_refused_syntax),
		cmocka_unit_test(test_backtick_substitution),
		cmocka_unit_test(test_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
