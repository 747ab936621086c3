/*
 * srrctl.c: srrctl's command line. Options may come before or after the
 * command; a wrong one gets one line naming it, then the usage, and exit
 * status 64.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/srrctl.h"

static const char usage_text[] =
"Usage: srrctl [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Reads, answered by this agent from its replicated ledger:\n"
"  status                        cluster, HMCs, systems, protection, mode\n"
"  lpars [SYSTEM]                partitions: state, readiness, destination\n"
"  debts [--older-than D] [--check]\n"
"                                pending cleanups (exit 0, 1, 2 or 3)\n"
"  history [--since T] [--lpar P] [--system S] [--csv]\n"
"                                every transition of every operation\n"
"  metrics [--openmetrics]       metrics (node_exporter textfile format)\n"
"Requests, decided by the acting leader, recorded with your user name:\n"
"  validate LPAR|SYSTEM|--all    run rrstartlpar -o validate now\n"
"  confirm SYSTEM --reason R     confirm an ambiguous source is down\n"
"  pause --reason R              pause automatic restarts\n"
"  resume                        resume automatic restarts\n"
"  replay [ID]                   retry failed and held work now\n"
"  abandon ID --reason R         close a debt by hand\n"
"  restart LPAR                  restart a partition now (the gate applies)\n"
"\n"
"Options:\n"
"  --json             print srrd's reply as JSON (see srrctl(8))\n"
"  -y, --yes          do not ask for confirmation on a terminal\n"
"  --timeout D        wait at most D for srrd (reads 10s, requests 300s)\n"
"  -c, --config FILE  srrd's configuration (names the [ipc] group)\n"
"  -h, --help         this help; srrctl COMMAND --help for a command's\n"
"  -V, --version      print the version\n"
"\n"
"Exit status: 0 done, 1 debts pending, 2 debts older than --older-than,\n"
"3 srrd unreachable or permission denied, 4 srrd refused the request,\n"
"5 not confirmed, 64 wrong usage.\n";

void
srrctl_usage(FILE *f)
{
	fputs(usage_text, f);
}

int
srrctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("srrctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	srrctl_usage(stderr);
	return SRRCTL_EXIT_USAGE;
}

enum {
	LOPT_JSON = 256, LOPT_CHECK, LOPT_CSV, LOPT_ALL, LOPT_OPENMETRICS,
	LOPT_TIMEOUT, LOPT_OLDER, LOPT_SINCE, LOPT_REASON, LOPT_LPAR,
	LOPT_SYSTEM,
};

static const struct option longopts[] = {
	{ "json", no_argument, NULL, LOPT_JSON },
	{ "yes", no_argument, NULL, 'y' },
	{ "check", no_argument, NULL, LOPT_CHECK },
	{ "csv", no_argument, NULL, LOPT_CSV },
	{ "all", no_argument, NULL, LOPT_ALL },
	{ "openmetrics", no_argument, NULL, LOPT_OPENMETRICS },
	{ "timeout", required_argument, NULL, LOPT_TIMEOUT },
	{ "older-than", required_argument, NULL, LOPT_OLDER },
	{ "since", required_argument, NULL, LOPT_SINCE },
	{ "reason", required_argument, NULL, LOPT_REASON },
	{ "lpar", required_argument, NULL, LOPT_LPAR },
	{ "system", required_argument, NULL, LOPT_SYSTEM },
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int
opt_duration(const char *name, const char *arg, int64_t *ms)
{
	if (srrctl_parse_duration(arg, ms) < 0)
		return srrctl_usage_error("%s '%s': not a duration (90s, 15m, "
					  "2h, 1d)", name, arg);
	return 0;
}

/* Options with an argument; 0, or an exit code. */
static int
opt_value(struct srrctl_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case LOPT_TIMEOUT:
		o->given |= OPT_TIMEOUT;
		return opt_duration("--timeout", arg, &o->timeout_ms);
	case LOPT_OLDER:
		o->given |= OPT_OLDER;
		return opt_duration("--older-than", arg, &o->older_than_ms);
	case LOPT_SINCE:
		o->given |= OPT_SINCE;
		if (srrctl_parse_since(arg, srrctl_now_ms(), &o->since_ms) < 0)
			return srrctl_usage_error("--since '%s': give a "
				"duration ago (2h), a date (2026-12-03 "
				"07:00) or @EPOCH", arg);
		return 0;
	case LOPT_REASON:
		o->given |= OPT_REASON;
		o->reason = arg;
		return 0;
	case LOPT_LPAR:
		o->given |= OPT_LPAR;
		o->lpar = arg;
		return 0;
	case LOPT_SYSTEM:
		o->given |= OPT_SYSTEM;
		o->system = arg;
		return 0;
	case 'c':
		o->given |= OPT_CONFIG;
		o->config = arg;
		return 0;
	default:
		return srrctl_usage_error("unknown option");
	}
}

/* Flags; 0, 1 when the option is not a flag, or an exit code. */
static int
opt_flag(struct srrctl_opts *o, int ch)
{
	static const struct {
		int ch;
		unsigned bit;
	} flags[] = {
		{ LOPT_JSON, OPT_JSON }, { 'y', OPT_YES },
		{ LOPT_CHECK, OPT_CHECK }, { LOPT_CSV, OPT_CSV },
		{ LOPT_ALL, OPT_ALL }, { LOPT_OPENMETRICS, OPT_OPENMETRICS },
	};
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (flags[i].ch == ch)
			o->given |= flags[i].bit;
	o->json = o->given & OPT_JSON;
	o->yes = o->given & OPT_YES;
	o->check = o->given & OPT_CHECK;
	o->csv = o->given & OPT_CSV;
	o->all = o->given & OPT_ALL;
	o->openmetrics = o->given & OPT_OPENMETRICS;
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (flags[i].ch == ch)
			return 0;
	return 1;
}

static int
parse_args(int argc, char **argv, struct srrctl_opts *o)
{
	int ch, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":yc:hV", longopts, NULL)) != -1) {
		if (ch == 'h') {
			o->help = true;
		} else if (ch == 'V') {
			printf("srrctl %s\n", PACKAGE_VERSION);
			exit(0);
		} else if (ch == '?') {
			return srrctl_usage_error("unknown option '%s'",
						  argv[optind - 1]);
		} else if (ch == ':') {
			return srrctl_usage_error("option '%s' needs a value",
						  argv[optind - 1]);
		} else if ((rc = opt_flag(o, ch)) != 1) {
			continue;
		} else if ((rc = opt_value(o, ch, optarg)) != 0) {
			return rc;
		}
	}
	if (optind < argc)
		o->cmd = argv[optind++];
	while (optind < argc) {
		if (o->nargs == SRRCTL_MAXARG)
			return srrctl_usage_error("too many arguments");
		o->args[o->nargs++] = argv[optind++];
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct srrctl_opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	o.older_than_ms = -1;
	o.since_ms = -1;
	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	if (o.cmd == NULL && o.help) {
		srrctl_usage(stdout);
		return 0;
	}
	if (o.cmd == NULL)
		return srrctl_usage_error("no command given");
	if (o.help) {
		srrctl_command_help(stdout, o.cmd);
		return 0;
	}
	return srrctl_run(&o);
}
