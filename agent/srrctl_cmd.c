/*
 * srrctl_cmd.c: the commands. Each checks its arguments, asks srrd once,
 * prints the answer (the reply object itself with --json) and returns a
 * stable exit code (srrctl(8)).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/srrctl.h"

#define READ_TIMEOUT_MS		10000
#define WRITE_TIMEOUT_MS	300000
#define OPT_GLOBAL		(OPT_JSON | OPT_TIMEOUT | OPT_CONFIG)

struct cmd {
	const char *name;
	const char *synopsis;
	const char *help;
	unsigned opts;			/* allowed beyond OPT_GLOBAL */
	int minarg, maxarg;
	bool write;
	int (*run)(struct srrctl_opts *o);
};

/* ------------------------------------------------------------ output */

static void
print_json(struct json_object *reply)
{
	puts(json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_SPACED));
}

/* srrd's error, or ours, on stderr (and the reply on stdout with --json). */
static int
report_error(const struct srrctl_opts *o, struct json_object *reply, int rc)
{
	int64_t by = jint(reply, "answered_by");
	const char *err = jstr(reply, "error");
	int len = (int)strlen(err);

	if (o->json)
		print_json(reply);
	while (len > 0 && err[len - 1] == '\n')
		len--;
	/* srrd's text may be several lines (validate: one per partition). */
	fprintf(stderr, "srrctl: %s: %s%.*s", o->cmd,
		memchr(err, '\n', (size_t)len) ? "\n" : "", len, err);
	if (by > 0)
		fprintf(stderr, " (answered by node %lld)", (long long)by);
	fputc('\n', stderr);
	json_object_put(reply);
	return rc;
}

static int64_t
timeout_of(const struct srrctl_opts *o, bool write)
{
	if (o->given & OPT_TIMEOUT)
		return o->timeout_ms > 0 ? o->timeout_ms : 1000;
	return write ? WRITE_TIMEOUT_MS : READ_TIMEOUT_MS;
}

/* Asks COMMAND; on success *DATA is the reply's data (owned by *REPLY). */
static int
ask(struct srrctl_opts *o, const char *command, struct json_object *args,
    bool write, struct json_object **reply)
{
	int rc = srrctl_ask(o, command, args, write, timeout_of(o, write),
			    reply);

	json_object_put(args);
	return rc;
}

static void
answered_by(FILE *f, struct json_object *reply)
{
	fprintf(f, "(answered by node %lld%s)\n",
		(long long)jint(reply, "answered_by"),
		jbool(reply, "synced") ? "" : ", NOT synced: may be stale");
}

/* -------------------------------------------------------------- reads */

static int
run_read(struct srrctl_opts *o, struct json_object *args,
	 void (*out)(FILE *, struct json_object *, int64_t))
{
	struct json_object *reply;
	int rc = ask(o, o->cmd, args, false, &reply);

	if (rc != 0)
		return report_error(o, reply, rc);
	if (o->json)
		print_json(reply);
	else
		out(stdout, jget(reply, "data"), srrctl_now_ms());
	json_object_put(reply);
	return 0;
}

static int
cmd_status(struct srrctl_opts *o)
{
	return run_read(o, NULL, srrctl_out_status);
}

static int
cmd_lpars(struct srrctl_opts *o)
{
	struct json_object *args = json_object_new_object();

	if (o->nargs > 0)
		json_object_object_add(args, "system",
				       json_object_new_string(o->args[0]));
	return run_read(o, args, srrctl_out_lpars);
}

static int
cmd_history(struct srrctl_opts *o)
{
	struct json_object *args = json_object_new_object(), *reply;
	int rc;

	if (o->since_ms >= 0)
		json_object_object_add(args, "since_ms",
				       json_object_new_int64(o->since_ms));
	if (o->lpar != NULL)
		json_object_object_add(args, "lpar",
				       json_object_new_string(o->lpar));
	if (o->system != NULL)
		json_object_object_add(args, "system",
				       json_object_new_string(o->system));
	if ((rc = ask(o, "history", args, false, &reply)) != 0)
		return report_error(o, reply, rc);
	if (o->json)
		print_json(reply);
	else
		srrctl_out_history(stdout, jget(reply, "data"), o->csv);
	json_object_put(reply);
	return 0;
}

static int
cmd_metrics(struct srrctl_opts *o)
{
	struct json_object *args = json_object_new_object(), *reply;
	int rc;

	json_object_object_add(args, "format", json_object_new_string(
		o->openmetrics ? "openmetrics" : "prometheus"));
	if ((rc = ask(o, "metrics", args, false, &reply)) != 0)
		return report_error(o, reply, rc);
	if (o->json)
		print_json(reply);
	else
		fputs(jstr(jget(reply, "data"), "text"), stdout);
	json_object_put(reply);
	return 0;
}

/* -------------------------------------------------------------- debts */

struct debt_sum {
	size_t pending, old;
	int64_t oldest_ms;
	const char *oldest_lpar, *oldest_src;
};

static void
debts_sum(struct json_object *data, const struct srrctl_opts *o,
	  int64_t now, struct debt_sum *s)
{
	struct json_object *a = jget(data, "debts"), *d;
	size_t i, n = a ? json_object_array_length(a) : 0;
	int64_t age;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		d = json_object_array_get_idx(a, i);
		age = now - jint(d, "restarted_ms");
		s->pending++;
		if (o->older_than_ms >= 0 && age > o->older_than_ms)
			s->old++;
		if (age > s->oldest_ms || s->oldest_lpar == NULL) {
			s->oldest_ms = age;
			s->oldest_lpar = jstr(d, "lpar");
			s->oldest_src = jstr(d, "source");
		}
	}
}

static int
debts_exit(const struct debt_sum *s)
{
	if (s->old > 0)
		return SRRCTL_EXIT_OLD;
	return s->pending > 0 ? SRRCTL_EXIT_PENDING : SRRCTL_EXIT_OK;
}

/* The Nagios plugin line: status, text, then performance data. */
static void
debts_check(const struct srrctl_opts *o, const struct debt_sum *s, int rc)
{
	static const char *const state[] = { "OK", "WARNING", "CRITICAL" };
	char age[32], limit[32] = "-", crit[32] = "";

	srrctl_age(s->oldest_ms, age, sizeof(age));
	if (o->older_than_ms >= 0) {
		srrctl_age(o->older_than_ms, limit, sizeof(limit));
		snprintf(crit, sizeof(crit), "%llds",
			 (long long)(o->older_than_ms / 1000));
	}
	if (s->pending == 0)
		printf("SRRHA DEBTS OK - no cleanup pending");
	else
		printf("SRRHA DEBTS %s - %zu cleanup%s pending, %zu older "
		       "than %s, oldest %s (%s on %s)", state[rc], s->pending,
		       s->pending == 1 ? "" : "s", s->old, limit, age,
		       s->oldest_lpar,
		       s->oldest_src);
	printf(" | pending=%zu;1;;0 oldest=%llds;;%s;0\n", s->pending,
	       (long long)(s->pending ? s->oldest_ms / 1000 : 0), crit);
}

static int
cmd_debts(struct srrctl_opts *o)
{
	struct json_object *reply;
	struct debt_sum s;
	int64_t now = srrctl_now_ms();
	int rc = ask(o, "debts", NULL, false, &reply);

	/* Monitoring reads any failure to get the list as "unknown". */
	if (rc != 0 && o->check && !o->json) {
		printf("SRRHA DEBTS UNKNOWN - %s\n", jstr(reply, "error"));
		json_object_put(reply);
		return SRRCTL_EXIT_UNREACHABLE;
	}
	if (rc != 0)
		return report_error(o, reply, SRRCTL_EXIT_UNREACHABLE);
	debts_sum(jget(reply, "data"), o, now, &s);
	rc = debts_exit(&s);
	if (o->json)
		print_json(reply);
	else if (o->check)
		debts_check(o, &s, rc);
	else
		srrctl_out_debts(stdout, jget(reply, "data"), now);
	json_object_put(reply);
	return rc;
}

/* ------------------------------------------------------------- writes */

/* Asks on a terminal unless --yes; true to go on. */
static bool
confirmed(const struct srrctl_opts *o, const char *what)
{
	char line[64];

	if (o->yes || !isatty(STDIN_FILENO))
		return true;
	fprintf(stderr, "%s\nGo on? [y/N] ", what);
	fflush(stderr);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	return strcmp(line, "y\n") == 0 || strcmp(line, "yes\n") == 0 ||
	       strcmp(line, "Y\n") == 0;
}

static int
run_write(struct srrctl_opts *o, struct json_object *args, const char *what)
{
	struct json_object *reply;
	const char *text;
	int rc;

	if (what != NULL && !confirmed(o, what)) {
		json_object_put(args);
		fprintf(stderr, "srrctl: %s: not done\n", o->cmd);
		return SRRCTL_EXIT_DECLINED;
	}
	if ((rc = ask(o, o->cmd, args, true, &reply)) != 0)
		return report_error(o, reply, rc);
	if (o->json) {
		print_json(reply);
	} else {
		text = jstr(jget(reply, "data"), "text");
		printf("%s%s", text, text[0] && text[strlen(text) - 1] != '\n' ?
		       "\n" : "");
		answered_by(stdout, reply);
	}
	json_object_put(reply);
	return 0;
}

static struct json_object *
args_with(const char *k1, const char *v1, const char *k2, const char *v2)
{
	struct json_object *a = json_object_new_object();

	if (k1 != NULL && v1 != NULL)
		json_object_object_add(a, k1, json_object_new_string(v1));
	if (k2 != NULL && v2 != NULL)
		json_object_object_add(a, k2, json_object_new_string(v2));
	return a;
}

static int
cmd_confirm(struct srrctl_opts *o)
{
	char what[512];

	snprintf(what, sizeof(what), "Confirm that system %s is down: its "
		 "protected partitions may be restarted elsewhere.",
		 o->args[0]);
	return run_write(o, args_with("system", o->args[0], "reason",
				      o->reason), what);
}

static int
cmd_pause(struct srrctl_opts *o)
{
	return run_write(o, args_with("reason", o->reason, NULL, NULL),
			 "Pause automatic restarts on every agent.");
}

static int
cmd_resume(struct srrctl_opts *o)
{
	return run_write(o, args_with("reason", o->reason, NULL, NULL),
			 "Resume automatic restarts.");
}

static int
cmd_replay(struct srrctl_opts *o)
{
	char what[256];

	snprintf(what, sizeof(what), "Retry %s now.", o->nargs ? o->args[0] :
		 "every failed and held operation");
	return run_write(o, args_with("id", o->nargs ? o->args[0] : NULL,
				      NULL, NULL), what);
}

static int
cmd_abandon(struct srrctl_opts *o)
{
	char what[256];

	snprintf(what, sizeof(what), "Abandon operation %s: its cleanup will "
		 "no longer be tried or shown as pending.", o->args[0]);
	return run_write(o, args_with("id", o->args[0], "reason", o->reason),
			 what);
}

static int
cmd_restart(struct srrctl_opts *o)
{
	char what[512];

	snprintf(what, sizeof(what), "Restart partition %s now on its "
		 "destination (the gate applies, but for the tiers).",
		 o->args[0]);
	return run_write(o, args_with("lpar", o->args[0], NULL, NULL), what);
}

static int
cmd_validate(struct srrctl_opts *o)
{
	struct json_object *args;

	if (o->all == (o->nargs > 0))
		return srrctl_usage_error("validate: name a partition or a "
					  "system, or give --all");
	args = args_with("target", o->nargs ? o->args[0] : NULL, NULL, NULL);
	if (o->all)
		json_object_object_add(args, "all",
				       json_object_new_boolean(true));
	return run_write(o, args, NULL);
}

/* ----------------------------------------------------------- commands */

static const struct cmd cmds[] = {
	{ "status", "status", "The cluster (members, quorum, leader, epoch, "
	  "sync, configuration agreement), each HMC, each system, "
	  "protection, the automatic mode and operations in flight.",
	  0, 0, 0, false, cmd_status },
	{ "lpars", "lpars [SYSTEM]", "One row per partition of SYSTEM (or of "
	  "every protected system): state, SRR capability, priority, "
	  "destination (* pinned), last validation and its age, and why it "
	  "is or is not protected.", 0, 0, 1, false, cmd_lpars },
	{ "debts", "debts [--older-than D] [--check]", "The pending cleanups, "
	  "each with the manual cleanup command. Exit status: 0 none, 1 some "
	  "pending, 2 some older than D, 3 srrd unreachable. --check prints "
	  "one line in the Nagios plugin format.", OPT_OLDER | OPT_CHECK,
	  0, 0, false, cmd_debts },
	{ "history", "history [--since T] [--lpar P] [--system S] [--csv]",
	  "Every transition of every operation, oldest first: time, "
	  "operation (EPOCH.LEADER.SEQ: the leader that created it), "
	  "partition, from, to, and the reason. --system matches the source "
	  "or the destination. T: 2h (ago), 2026-12-03 07:00, or @EPOCH.",
	  OPT_SINCE | OPT_LPAR | OPT_SYSTEM | OPT_CSV, 0, 0, false,
	  cmd_history },
	{ "metrics", "metrics [--openmetrics]", "This agent's metrics in the "
	  "Prometheus text format (node_exporter's textfile collector), or "
	  "OpenMetrics.", OPT_OPENMETRICS, 0, 0, false, cmd_metrics },
	{ "validate", "validate LPAR|SYSTEM|--all", "Runs rrstartlpar -o "
	  "validate now for a partition, every partition of a system, or all, "
	  "and shows each result.", OPT_ALL, 0, 1, true, cmd_validate },
	{ "confirm", "confirm SYSTEM --reason R", "Confirms that an "
	  "ambiguous source is down, so that its partitions may be "
	  "restarted.", OPT_REASON | OPT_YES, 1, 1, true, cmd_confirm },
	{ "pause", "pause --reason R", "Pauses automatic restarts (for "
	  "maintenance).", OPT_REASON | OPT_YES, 0, 0, true, cmd_pause },
	{ "resume", "resume", "Resumes automatic restarts.",
	  OPT_REASON | OPT_YES, 0, 0, true, cmd_resume },
	{ "replay", "replay [ID]", "Retries failed and held work now (one "
	  "operation, or all).", OPT_YES, 0, 1, true, cmd_replay },
	{ "abandon", "abandon ID --reason R", "Closes a debt by hand: srrd "
	  "stops trying its cleanup.", OPT_REASON | OPT_YES, 1, 1, true,
	  cmd_abandon },
	{ "restart", "restart LPAR", "Restarts a partition (SYSTEM/NAME, or "
	  "a unique NAME) now, through the whole gate but for the tiers.",
	  OPT_YES, 1, 1, true, cmd_restart },
};

static const struct cmd *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

void
srrctl_command_help(FILE *f, const char *name)
{
	const struct cmd *c = cmd_find(name);

	if (c == NULL) {
		srrctl_usage(f);
		return;
	}
	fprintf(f, "Usage: srrctl [OPTIONS] %s%s\n\n", c->synopsis,
		c->opts & OPT_YES ? " [--yes]" : "");
	fputs("  ", f);
	srrctl_wrap(f, c->help, NULL, 2);
	fputs("\nOPTIONS: --json, --timeout D, --config FILE (srrctl --help "
	      "says more).\n", f);
}

static const char *
stray_option(unsigned given)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ OPT_YES, "--yes" }, { OPT_CHECK, "--check" },
		{ OPT_CSV, "--csv" }, { OPT_ALL, "--all" },
		{ OPT_OPENMETRICS, "--openmetrics" },
		{ OPT_OLDER, "--older-than" }, { OPT_SINCE, "--since" },
		{ OPT_REASON, "--reason" }, { OPT_LPAR, "--lpar" },
		{ OPT_SYSTEM, "--system" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (given & names[i].bit)
			return names[i].name;
	return "an option";
}

static int
check_args(const struct cmd *c, const struct srrctl_opts *o)
{
	unsigned stray = o->given & ~(c->opts | OPT_GLOBAL);
	bool needs_reason = c->run == cmd_confirm || c->run == cmd_pause ||
			    c->run == cmd_abandon;

	if (stray)
		return srrctl_usage_error("%s: %s does not apply", c->name,
					  stray_option(stray));
	if (o->nargs < c->minarg || o->nargs > c->maxarg)
		return srrctl_usage_error("%s: usage: srrctl %s", c->name,
					  c->synopsis);
	if (needs_reason && (o->reason == NULL || o->reason[0] == '\0'))
		return srrctl_usage_error("%s: --reason is required (it is "
					  "recorded in the history)", c->name);
	if (o->csv && o->json)
		return srrctl_usage_error("%s: --csv or --json, not both",
					  c->name);
	return 0;
}

int
srrctl_run(struct srrctl_opts *o)
{
	const struct cmd *c;
	int rc;

	if (strcmp(o->cmd, "help") == 0) {
		if (o->nargs > 0)
			srrctl_command_help(stdout, o->args[0]);
		else
			srrctl_usage(stdout);
		return 0;
	}
	if ((c = cmd_find(o->cmd)) == NULL)
		return srrctl_usage_error("unknown command '%s'", o->cmd);
	if ((rc = check_args(c, o)) != 0)
		return rc;
	return c->run(o);
}
