/*
 * srrctl_test.c: srrctl against the real IPC server over a fake srrd
 * (ipc_harness.c, srrd_fake.c): every command's output, --json, exit
 * codes, usage errors, colour and the confirmation prompt on a terminal.
 *
 * Human tables are compared with golden files in fixtures/srrctl/
 * (SRRCTL_UPDATE_GOLDEN=1 rewrites them); srrctl's "now" is fixed with
 * SRRCTL_NOW and the time zone with TZ=UTC.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "agent/srrd_ipc.h"
#include "srrd_fake.h"
#include "ipc_harness.h"

static void
test_status(void **state)
{
	struct run r;
	struct json_object *o;

	HUMAN(&r, "status.txt", 0, "status");

	RUN(&r, "--json", "status");
	assert_int_equal(r.rc, 0);
	o = json_out(&r);
	assert_string_equal(jpath(o, "answered_by", NULL, NULL), "2");
	assert_string_equal(jpath(o, "synced", NULL, NULL), "true");
	assert_string_equal(jpath(o, "data", "cluster", "leader"), "1");
	assert_string_equal(jpath(o, "data", "mode", "paused"), "false");
	assert_string_equal(jpath(o, "data", "protection", "protected"), "4");
	json_object_put(o);
}

static void
test_lpars(void **state)
{
	struct run r;
	struct json_object *o;

	HUMAN(&r, "lpars.txt", 0, "lpars");

	RUN(&r, "lpars", "P950-C", "--json");
	assert_int_equal(r.rc, 0);
	o = json_out(&r);
	assert_int_equal(json_object_array_length(json_object_object_get(
		json_object_object_get(o, "data"), "lpars")), 1);
	json_object_put(o);

	RUN(&r, "lpars", "NOSUCH");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
	assert_non_null(strstr(r.err, "no system NOSUCH"));
}

static void
test_debts(void **state)
{
	struct run r;
	struct json_object *o, *d;

	HUMAN(&r, "debts.txt", SRRCTL_EXIT_PENDING, "debts");

	RUN(&r, "debts", "--older-than", "1h");
	assert_int_equal(r.rc, SRRCTL_EXIT_OLD);
	RUN(&r, "debts", "--older-than", "3h");
	assert_int_equal(r.rc, SRRCTL_EXIT_PENDING);
	RUN(&r, "debts", "--check", "--older-than", "1h");
	assert_int_equal(r.rc, SRRCTL_EXIT_OLD);
	golden("debts_check.txt", r.out);

	RUN(&r, "debts", "--json");
	assert_int_equal(r.rc, SRRCTL_EXIT_PENDING);
	o = json_out(&r);
	d = json_object_array_get_idx(json_object_object_get(
		json_object_object_get(o, "data"), "debts"), 0);
	assert_string_equal(jpath(d, "lpar", NULL, NULL), "db'3");
	assert_string_equal(jpath(d, "cleanup_command", NULL, NULL),
			    "rrstartlpar -o cleanup -m 'P950-B' -p 'db'\\''3'");
	json_object_put(o);
}

static void
shell_words(const char *fn, const char *line, char *out, size_t len)
{
	char cmd[2048];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s() { printf '%%s|' \"$@\"; }; %s", fn,
		 line);
	p = popen(cmd, "r");
	assert_non_null(p);
	out[fread(out, 1, len - 1, p)] = '\0';
	pclose(p);
}

static void
test_debts_command_quoting(void **state)
{
	struct run r;
	struct json_object *o, *d;
	char out[256];

	RUN(&r, "debts", "--json");
	o = json_out(&r);
	d = json_object_array_get_idx(json_object_object_get(
		json_object_object_get(o, "data"), "debts"), 0);
	shell_words("rrstartlpar", jpath(d, "cleanup_command", NULL, NULL),
		    out, sizeof(out));
	assert_string_equal(out, "-o|cleanup|-m|P950-B|-p|db'3|");
	/* Over SSH: the local shell leaves the HMC's line for the remote. */
	shell_words("ssh", jpath(d, "cleanup_ssh", NULL, NULL), out,
		    sizeof(out));
	assert_string_equal(out, "--|hscroot@10.1.0.5|rrstartlpar -o cleanup "
			    "-m 'P950-B' -p 'db'\\''3'|");
	json_object_put(o);
}

static void
test_history(void **state)
{
	struct run r;
	struct json_object *o;

	HUMAN(&r, "history.txt", 0, "history");
	RUN(&r, "history", "--csv", "--lpar", "db'3");
	assert_int_equal(r.rc, 0);
	golden("history.csv", r.out);
	RUN(&r, "history", "--json", "--since", "90m", "--system", "P950-A");
	assert_int_equal(r.rc, 0);
	o = json_out(&r);
	/* Only app 4 moved in the last 90 minutes: its four rows. */
	assert_int_equal(json_object_array_length(json_object_object_get(
		json_object_object_get(o, "data"), "rows")), 4);
	json_object_put(o);
	RUN(&r, "history", "--since", "yesterday");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	assert_non_null(strstr(r.err, "--since 'yesterday'"));
}

static void
test_pause_resume(void **state)
{
	struct run r;
	struct json_object *o;
	char log[4096];

	RUN(&r, "pause", "--reason", "firmware update, change 4711");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "automatic restarts paused\n"
			    "(answered by node 1)\n");
	log_text(log, sizeof(log));
	assert_non_null(strstr(log, "request pause user=root reason=firmware "
			       "update, change 4711\n"));
	RUN(&r, "status", "--json");
	o = json_out(&r);
	assert_string_equal(jpath(o, "data", "mode", "paused"), "true");
	assert_string_equal(jpath(o, "data", "mode", "paused_by"), "root");
	assert_string_equal(jpath(o, "data", "mode", "paused_why"),
			    "firmware update, change 4711");
	json_object_put(o);
	RUN(&r, "status");
	fits_80(r.out);
	assert_non_null(strstr(r.out, "Mode:     automatic restarts PAUSED by "
			       "root since 2027-01-15 07:59:00 (1m00s):\n"
			       "          firmware update, change 4711\n"));
	RUN(&r, "resume", "--json");
	assert_int_equal(r.rc, 0);
	o = json_out(&r);
	assert_string_equal(jpath(o, "data", "text", NULL),
			    "automatic restarts resumed");
	assert_string_equal(jpath(o, "answered_by", NULL, NULL), "1");
	json_object_put(o);
}

static void
test_refusals_name_the_gate(void **state)
{
	struct run r;

	RUN(&r, "confirm", "P950-A", "--reason", "called the site");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
	assert_string_equal(r.err, "srrctl: confirm: refused by the gate: "
			    "source: P950-A is Operating (answered by node 1)\n");
	RUN(&r, "confirm", "NOSUCH", "--reason", "x");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
	assert_non_null(strstr(r.err, "no system NOSUCH in the configuration"));
	RUN(&r, "restart", "db01");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
	assert_non_null(strstr(r.err, "source: P950-A"));
	RUN(&r, "restart", "nolpar");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
	assert_non_null(strstr(r.err, "no partition nolpar"));
	RUN(&r, "abandon", "9.9.9", "--reason", "x");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
	RUN(&r, "abandon", "not-an-id", "--reason", "x");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
	assert_non_null(strstr(r.err, "not an operation id"));
	RUN(&r, "validate", "P950-A/db01");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "P950-A/db01: ok\n(answered by node 1)\n");
	RUN(&r, "replay");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
}

static void
test_debts_exit_codes(void **state)
{
	struct run r;

	RUN(&r, "abandon", "7.1.3", "--reason", "cleaned by hand on the HMC");
	assert_int_equal(r.rc, 0);
	RUN(&r, "abandon", "7.1.4", "--reason", "cleaned by hand");
	assert_int_equal(r.rc, 0);
	RUN(&r, "debts", "--older-than", "1m");
	assert_int_equal(r.rc, SRRCTL_EXIT_OK);
	assert_string_equal(r.out, "No cleanup pending.\n");
	RUN(&r, "debts", "--check");
	assert_int_equal(r.rc, SRRCTL_EXIT_OK);
	assert_string_equal(r.out, "SRRHA DEBTS OK - no cleanup pending | "
			    "pending=0;1;;0 oldest=0s;;;0\n");
	RUN(&r, "history", "--lpar", "db'3", "--csv");
	assert_non_null(strstr(r.out, ",abandoned,1,abandoned by root: "
			       "cleaned by hand on the HMC\r\n"));

	setenv(SRRD_IPC_NAME_ENV, "srrd-test-nobody-serves-this", 1);
	RUN(&r, "debts");
	assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
	assert_non_null(strstr(r.err, "srrd is not reachable"));
	RUN(&r, "debts", "--check");
	assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
	assert_memory_equal(r.out, "SRRHA DEBTS UNKNOWN - srrd is not", 33);
	RUN(&r, "debts", "--json");
	assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
	assert_non_null(strstr(r.out, "\"ok\": false"));
	group_teardown(NULL);
	strcpy(dir, "/tmp/srr-ipc-XXXXXX");
	assert_int_equal(group_setup(NULL), 0);
}

static void
test_usage(void **state)
{
	static const char *const cmds[] = { "status", "lpars", "debts",
		"history", "metrics", "validate", "confirm", "pause", "resume",
		"replay", "abandon", "restart" };
	struct run r;
	size_t i;

	RUN(&r, "--help");
	assert_int_equal(r.rc, 0);
	fits_80(r.out);
	assert_memory_equal(r.out, "Usage: srrctl", 13);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		RUN(&r, cmds[i], "--help");
		assert_int_equal(r.rc, 0);
		assert_memory_equal(r.out, "Usage: srrctl [OPTIONS] ", 24);
		fits_80(r.out);
	}
	RUN(&r, "status", "--bogus");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	assert_memory_equal(r.err, "srrctl: unknown option '--bogus'\nUsage:",
			    39);
	RUN(&r, "status", "--reason", "x");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	assert_memory_equal(r.err, "srrctl: status: --reason does not apply\n",
			    40);
	RUN(&r, "pause");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	RUN(&r, "abandon", "--reason", "x");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	RUN(&r, "validate");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	RUN(&r, "debts", "--older-than", "soon");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	RUN(&r, "frobnicate");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	RUN(&r, "history", "--csv", "--json");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
}

static int
run_tty(const char *answer, char *out, size_t len, const char *const *args)
{
	const char *argv[16] = { srrctl };
	struct pollfd p;
	size_t n = 0;
	ssize_t k;
	int fd, st, i;
	pid_t pid;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	pid = forkpty(&fd, NULL, NULL, NULL);
	assert_true(pid >= 0);
	if (pid == 0) {
		execv(srrctl, (char *const *)argv);
		_exit(98);
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (n < len - 1 && poll(&p, 1, 5000) > 0) {
		if ((k = read(fd, out + n, len - 1 - n)) <= 0)
			break;
		n += (size_t)k;
		out[n] = '\0';
		if (answer != NULL && strstr(out, "[y/N] ")) {
			assert_true(write(fd, answer, strlen(answer)) > 0);
			answer = NULL;
		}
	}
	out[n] = '\0';
	close(fd);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Colour on a terminal only, and never with NO_COLOR. */
static void
test_colour_on_terminal_only(void **state)
{
	static char out[16384];
	const char *const status[] = { "status", NULL };
	struct run r;

	assert_int_equal(run_tty(NULL, out, sizeof(out), status), 0);
	assert_non_null(strstr(out, "\033[31mUNREACHABLE\033[0m"));
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(run_tty(NULL, out, sizeof(out), status), 0);
	unsetenv("NO_COLOR");
	assert_null(strchr(out, '\033'));
	assert_non_null(strstr(out, "UNREACHABLE"));
	RUN(&r, "status");
	assert_null(strchr(r.out, '\033'));
}

static void
test_prompt_on_terminal(void **state)
{
	static char out[4096];
	const char *const pause[] = { "pause", "--reason", "asked", NULL };
	const char *const pause_yes[] = { "pause", "--reason", "not asked",
					  "--yes", NULL };
	char before[8192], after[8192];

	log_text(before, sizeof(before));
	assert_int_equal(run_tty("n\n", out, sizeof(out), pause),
			 SRRCTL_EXIT_DECLINED);
	assert_non_null(strstr(out, "Pause automatic restarts on every "
			       "agent.\r\nGo on? [y/N] "));
	assert_non_null(strstr(out, "srrctl: pause: not done"));
	log_text(after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(run_tty("y\n", out, sizeof(out), pause), 0);
	assert_non_null(strstr(out, "automatic restarts paused"));
	assert_int_equal(run_tty(NULL, out, sizeof(out), pause_yes), 0);
	assert_null(strstr(out, "Go on?"));
	log_text(after, sizeof(after));
	assert_non_null(strstr(after, "request pause user=root reason=asked\n"
			       "request pause user=root reason=not asked\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_lpars),
		cmocka_unit_test(test_debts),
		cmocka_unit_test(test_debts_command_quoting),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_pause_resume),
		cmocka_unit_test(test_refusals_name_the_gate),
		cmocka_unit_test(test_colour_on_terminal_only),
		cmocka_unit_test(test_prompt_on_terminal),
		cmocka_unit_test(test_debts_exit_codes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
