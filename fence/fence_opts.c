/*
 * fence_opts.c: the parameters of fence_srr and their two ways in, the
 * fence-agent stdin (key=value lines, what pacemaker-fenced writes) and
 * GNU-style options (what an operator types).
 *
 * Every parameter of fence_lpar is accepted under the same name so that a
 * fence_lpar device can be switched to fence_srr by changing the agent
 * only; the ones that make no sense over our SSH transport (prompt regex,
 * ssh binary path) are accepted and ignored with a note in the log.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <qb/qblog.h>

#include "fence_srr.h"

static const char *const hmc_versions[] = { "3", "4", "ivm", NULL };

const struct fence_param fence_params[P_COUNT] = {
	[P_ACTION] = { "action", 'o', PT_STRING, "reboot", true, "[action]",
		"Fencing action" },
	[P_IP] = { "ip", 'a', PT_STRING, NULL, true, "[ip]",
		"IP address or hostname of the HMC" },
	[P_IP2] = { "ip2", 0, PT_STRING, NULL, false, "[ip]",
		"IP address or hostname of a second HMC managing the same systems (used when the first cannot be reached)" },
	[P_IPPORT] = { "ipport", 'u', PT_INTEGER, "22", false, "[port]",
		"TCP port of the HMC's SSH server" },
	[P_USERNAME] = { "username", 'l', PT_STRING, NULL, true, "[name]",
		"Login name" },
	[P_PASSWORD] = { "password", 'p', PT_STRING, NULL, false, "[password]",
		"Login password or passphrase (also the passphrase of an encrypted identity_file)" },
	[P_PASSWORD_SCRIPT] = { "password_script", 'S', PT_STRING, NULL, false,
		"[script]", "Script to run to retrieve password" },
	[P_IDENTITY_FILE] = { "identity_file", 'k', PT_STRING, NULL, false,
		"[filename]", "Identity file (private key) for SSH" },
	[P_KNOWN_HOSTS] = { "known_hosts", 0, PT_STRING, "/root/.ssh/known_hosts",
		false, "[filename]",
		"known_hosts file holding the HMC's host key (an unknown or changed key is refused)" },
	[P_PLUG] = { "plug", 'n', PT_STRING, NULL, true, "[id]",
		"Partition (LPAR) name" },
	[P_MANAGED] = { "managed", 's', PT_STRING, NULL, false, "[id]",
		"Managed system the partition is normally on (prefered when several definitions could be started)" },
	[P_SYSTEMS] = { "systems", 0, PT_STRING, NULL, false, "[sys1,sys2]",
		"Managed systems the partition may be on, comma-separated, every possible remote restart destination included (default: every system the HMC manages)" },
	[P_HMC_VERSION] = { "hmc_version", 'H', PT_SELECT, "4", false,
		"[version]", "Force HMC version to use (only 4 is supported)",
		hmc_versions },
	[P_SSH] = { "ssh", 'x', PT_BOOL, "1", false, NULL,
		"Use SSH connection (always on)" },
	[P_COMMAND_PROMPT] = { "command_prompt", 'c', PT_STRING, NULL, false,
		"[prompt]", "Accepted for fence_lpar compatibility; ignored (commands run on exec channels)" },
	[P_SSH_OPTIONS] = { "ssh_options", 0, PT_STRING, NULL, false,
		"[options]", "Accepted for fence_lpar compatibility; ignored" },
	[P_SSH_PATH] = { "ssh_path", 0, PT_STRING, NULL, false, "[path]",
		"Accepted for fence_lpar compatibility; ignored (built-in SSH client)" },
	[P_INET4_ONLY] = { "inet4_only", '4', PT_BOOL, NULL, false, NULL,
		"Accepted for fence_lpar compatibility; ignored" },
	[P_INET6_ONLY] = { "inet6_only", '6', PT_BOOL, NULL, false, NULL,
		"Accepted for fence_lpar compatibility; ignored" },
	[P_QUIET] = { "quiet", 'q', PT_BOOL, NULL, false, NULL,
		"Disable logging to stderr" },
	[P_VERBOSE] = { "verbose", 'v', PT_BOOL, NULL, false, NULL,
		"Verbose mode" },
	[P_VERBOSE_LEVEL] = { "verbose_level", 0, PT_INTEGER, NULL, false,
		"[level]", "Level of debugging detail in output" },
	[P_DEBUG_FILE] = { "debug_file", 'D', PT_STRING, NULL, false,
		"[debugfile]", "Write debug information to given file" },
	[P_VERSION] = { "version", 'V', PT_BOOL, NULL, false, NULL,
		"Display version information and exit" },
	[P_HELP] = { "help", 'h', PT_BOOL, NULL, false, NULL,
		"Display help and exit" },
	[P_PLUG_SEPARATOR] = { "plug_separator", 0, PT_STRING, ",", false,
		"[char]", "Accepted for compatibility; one partition per call" },
	[P_SEPARATOR] = { "separator", 'C', PT_STRING, ",", false, "[char]",
		"Separator for CSV created by 'list' operation" },
	[P_DELAY] = { "delay", 0, PT_SECOND, "0", false, "[seconds]",
		"Wait X seconds before fencing is started (off and reboot)" },
	[P_DISABLE_TIMEOUT] = { "disable_timeout", 0, PT_STRING, NULL, false,
		"[true/false]", "Disable timeout (true/false) (default: true when run from Pacemaker 2.0+)" },
	[P_LOGIN_TIMEOUT] = { "login_timeout", 0, PT_SECOND, "15", false,
		"[seconds]", "Wait X seconds to connect and log in to the HMC" },
	[P_POWER_TIMEOUT] = { "power_timeout", 0, PT_SECOND, "20", false,
		"[seconds]", "Test X seconds for status change after ON/OFF" },
	[P_POWER_WAIT] = { "power_wait", 0, PT_SECOND, "0", false, "[seconds]",
		"Wait X seconds after issuing ON/OFF" },
	[P_SHELL_TIMEOUT] = { "shell_timeout", 0, PT_SECOND, "60", false,
		"[seconds]", "Wait X seconds for one HMC command to complete" },
	[P_STONITH_STATUS_SLEEP] = { "stonith_status_sleep", 0, PT_SECOND, "1",
		false, "[seconds]", "Sleep X seconds between status calls during a STONITH action" },
	[P_RETRY_ON] = { "retry_on", 0, PT_INTEGER, "1", false, "[attempts]",
		"Count of attempts to retry power on" },
};

const struct fence_alias fence_aliases[] = {
	{ "ipaddr", P_IP },
	{ "login", P_USERNAME },
	{ "passwd", P_PASSWORD },
	{ "passwd_script", P_PASSWORD_SCRIPT },
	{ "port", P_PLUG },
	{ "secure", P_SSH },
	{ "cmd_prompt", P_COMMAND_PROMPT },	/* fence_lpar's own */
	{ "debug", P_DEBUG_FILE },
};
const size_t fence_n_aliases = sizeof(fence_aliases) / sizeof(fence_aliases[0]);

static const char *const action_names[FA_COUNT] = {
	[FA_REBOOT] = "reboot", [FA_ON] = "on", [FA_OFF] = "off",
	[FA_STATUS] = "status", [FA_LIST] = "list",
	[FA_LIST_STATUS] = "list-status", [FA_MONITOR] = "monitor",
	[FA_METADATA] = "metadata", [FA_MANPAGE] = "manpage",
	[FA_VALIDATE_ALL] = "validate-all",
};

void
fence_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
fence_cut(const char *s, char *out, size_t outlen)
{
	size_t n = strlen(s);
	int head;

	if (n < outlen) {
		memcpy(out, s, n + 1);
		return;
	}
	head = (int)outlen - 24;	/* room for "...(4294967295 bytes)" */
	snprintf(out, outlen, "%.*s...(%zu bytes)", head > 0 ? head : 0, s, n);
}

int
fence_action_parse(const char *s, enum fence_action *a)
{
	size_t i;

	if (s == NULL)
		return -EINVAL;
	if (strcasecmp(s, "meta-data") == 0) {	/* the OCF spelling */
		*a = FA_METADATA;
		return 0;
	}
	for (i = 0; i < FA_COUNT; i++)
		if (strcasecmp(s, action_names[i]) == 0) {
			*a = (enum fence_action)i;
			return 0;
		}
	return -EINVAL;
}

/* Compare a key with a parameter name, '-' and '_' alike. */
static bool
key_eq(const char *key, const char *name)
{
	for (; *key != '\0' && *name != '\0'; key++, name++) {
		char k = *key == '-' ? '_' : *key;

		if (k != *name)
			return false;
	}
	return *key == '\0' && *name == '\0';
}

int
fence_param_lookup(const char *key)
{
	size_t i;

	for (i = 0; i < P_COUNT; i++)
		if (key_eq(key, fence_params[i].name))
			return (int)i;
	for (i = 0; i < fence_n_aliases; i++)
		if (key_eq(key, fence_aliases[i].old))
			return (int)fence_aliases[i].pid;
	return -ENOENT;
}

void
fence_opts_init(struct fence_opts *o)
{
	memset(o, 0, sizeof(*o));
}

void
fence_opts_free(struct fence_opts *o)
{
	size_t i;

	for (i = 0; i < P_COUNT; i++) {
		if (o->val[i] != NULL)	/* passwords: do not leave them about */
			explicit_bzero(o->val[i], strlen(o->val[i]));
		free(o->val[i]);
	}
	free(o->nodename);
	memset(o, 0, sizeof(*o));
}

static int
bool_value(const char *v)
{
	static const char *const yes[] = { "1", "yes", "on", "true" };
	static const char *const no[] = { "0", "no", "off", "false" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -EINVAL;
}

int
fence_opts_set(struct fence_opts *o, enum fence_pid pid, const char *v)
{
	char *copy;

	if ((unsigned)pid >= P_COUNT || v == NULL)
		return -EINVAL;
	if (fence_params[pid].type == PT_BOOL) {
		int b = bool_value(v);

		if (b < 0)
			return -EINVAL;
		v = b ? "1" : "0";
	}
	copy = strdup(v);
	if (copy == NULL)
		return -ENOMEM;
	if (o->val[pid] != NULL)
		explicit_bzero(o->val[pid], strlen(o->val[pid]));
	free(o->val[pid]);
	o->val[pid] = copy;
	return 0;
}

/* Strip blanks at both ends, in place; returns the new start. */
static char *
strip(char *s)
{
	char *e;

	while (*s == ' ')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Refuse bytes that no parameter holds: NUL and control characters, TAB
 * included (a final CR excepted). Binary junk on stdin stops here, and no
 * TAB reaches the HMC inside a name. */
static int
line_check(const char *line, size_t len, unsigned int lineno, char *err,
	   size_t errlen)
{
	size_t i;

	if (len > FENCE_LINE_MAX) {
		fence_seterr(err, errlen, "stdin line %u is %zu bytes long, more than %d",
		       lineno, len, FENCE_LINE_MAX);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\r' && i + 1 == len)
			continue;
		if (c < 0x20 || c == 0x7f) {
			fence_seterr(err, errlen,
			       "stdin line %u holds a control byte 0x%02x at offset %zu: not key=value text",
			       lineno, c, i);
			return -EINVAL;
		}
	}
	return 0;
}

/* One non-comment line "key=value". */
static int
parse_pair(struct fence_opts *o, char *line, unsigned int lineno, char *err,
	   size_t errlen)
{
	char *eq = strchr(line, '='), *key, *val;
	size_t vlen;
	int pid, rc;

	if (eq == NULL) {
		fence_seterr(err, errlen, "stdin line %u has no '=': expected key=value",
		       lineno);
		return -EINVAL;
	}
	*eq = '\0';
	key = strip(line);
	val = strip(eq + 1);
	if (*key == '\0') {
		fence_seterr(err, errlen, "stdin line %u has an empty key", lineno);
		return -EINVAL;
	}
	vlen = strlen(val);	/* fence-agents drops one pair of quotes */
	if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
		val[vlen - 1] = '\0';
		val++;
	}
	if (strcmp(key, "nodename") == 0) {	/* always sent; log only */
		free(o->nodename);
		o->nodename = strdup(val);
		return o->nodename == NULL ? -ENOMEM : 0;
	}
	pid = fence_param_lookup(key);
	if (pid < 0) {
		qb_log(LOG_WARNING, "Parse error: ignoring unknown option '%s' (stdin line %u)",
		       key, lineno);
		o->n_warnings++;
		return 0;
	}
	rc = fence_opts_set(o, (enum fence_pid)pid, val);
	if (rc == -EINVAL) {	/* a boolean with another word: as fence-agents */
		qb_log(LOG_WARNING, "Parse error: ignoring option '%s' because its value is not a boolean",
		       key);
		o->n_warnings++;
		return 0;
	}
	return rc;
}

int
fence_opts_parse_stdin(struct fence_opts *o, const char *buf, size_t len,
		       char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len;
	char line[FENCE_LINE_MAX + 1];
	unsigned int lineno = 0;
	int rc;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p);
		char *s;

		lineno++;
		rc = line_check(p, n, lineno, err, errlen);
		if (rc < 0)
			return rc;
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl != NULL);
		s = strip(line);
		if (*s == '\0' || *s == '#')
			continue;
		rc = parse_pair(o, s, lineno, err, errlen);
		explicit_bzero(line, sizeof(line));
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
fence_opts_read_stdin(struct fence_opts *o, FILE *fp, char *err, size_t errlen)
{
	char *buf = malloc(FENCE_INPUT_MAX + 1);
	size_t len = 0, n;
	int rc;

	if (buf == NULL)
		return -ENOMEM;
	while ((n = fread(buf + len, 1, FENCE_INPUT_MAX + 1 - len, fp)) > 0) {
		len += n;
		if (len > FENCE_INPUT_MAX) {
			fence_seterr(err, errlen, "stdin holds more than %d bytes: not a fence-agent parameter list",
			       FENCE_INPUT_MAX);
			free(buf);
			return -E2BIG;
		}
	}
	if (ferror(fp)) {
		fence_seterr(err, errlen, "cannot read stdin: %s", strerror(errno));
		free(buf);
		return -EIO;
	}
	rc = fence_opts_parse_stdin(o, buf, len, err, errlen);
	explicit_bzero(buf, len);
	free(buf);
	return rc;
}

void
fence_param_longopt(enum fence_pid i, char *out, size_t outlen)
{
	size_t k;

	snprintf(out, outlen, "%s", fence_params[i].name);
	for (k = 0; out[k] != '\0'; k++)
		if (out[k] == '_')
			out[k] = '-';
}

static char long_names[P_COUNT][32];

static void
build_getopt(struct option *lo, char *so, size_t solen)
{
	size_t i, k = 0, s = 0;

	so[s++] = ':';		/* a missing argument is ':' not '?' */
	for (i = 0; i < P_COUNT; i++) {
		const struct fence_param *p = &fence_params[i];
		bool arg = p->type != PT_BOOL;

		fence_param_longopt((enum fence_pid)i, long_names[i], sizeof(long_names[i]));
		lo[k].name = long_names[i];
		lo[k].has_arg = arg ? required_argument : no_argument;
		lo[k].flag = NULL;
		lo[k].val = 0x100 + (int)i;
		k++;
		if (p->shortopt != 0 && s + 3 < solen) {
			so[s++] = p->shortopt;
			if (arg)
				so[s++] = ':';
		}
	}
	memset(&lo[k], 0, sizeof(lo[k]));
	so[s] = '\0';
}

static int
short_to_pid(int c)
{
	size_t i;

	for (i = 0; i < P_COUNT; i++)
		if (fence_params[i].shortopt == c)
			return (int)i;
	return -ENOENT;
}

static int
set_from_argv(struct fence_opts *o, int pid, const char *optarg_,
	      char *err, size_t errlen)
{
	int rc;

	if (pid == P_VERBOSE)
		o->verbose_count++;
	rc = fence_opts_set(o, (enum fence_pid)pid,
			    fence_params[pid].type == PT_BOOL ? "1" : optarg_);
	if (rc < 0)
		fence_seterr(err, errlen, "bad value for --%s", long_names[pid]);
	return rc;
}

int
fence_opts_parse_argv(struct fence_opts *o, int argc, char *const argv[],
		      char *err, size_t errlen)
{
	struct option lo[P_COUNT + 1];
	char so[2 * P_COUNT + 2];
	int c, pid, rc;

	build_getopt(lo, so, sizeof(so));
	/* 0, not 1: glibc then also forgets a scan left inside a cluster of
	 * short options by an earlier parse ("-Zv"), which would read that
	 * argv again (found by fence_argv_fuzz). */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		if (c == '?' || c == ':') {
			fence_seterr(err, errlen, "Parse error: %s option '%s'",
			       c == ':' ? "missing argument to" : "unrecognized",
			       argv[optind - 1]);
			return -EINVAL;
		}
		pid = c >= 0x100 ? c - 0x100 : short_to_pid(c);
		if (pid < 0 || pid >= P_COUNT) {
			fence_seterr(err, errlen, "Parse error: unrecognized option '-%c'", c);
			return -EINVAL;
		}
		rc = set_from_argv(o, pid, optarg, err, errlen);
		if (rc < 0)
			return rc;
	}
	if (optind < argc) {
		qb_log(LOG_WARNING, "Unused arguments on command line: %s ...", argv[optind]);
		o->n_warnings++;
	}
	return 0;
}
