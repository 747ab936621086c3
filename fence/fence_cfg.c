/*
 * fence_cfg.c: from raw parameter values to a checked configuration.
 *
 * The messages follow fence-agents' wording where it has one ("Failed:
 * You have to ...") so that operators find what they know.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <qb/qblog.h>

#include "fence_srr.h"

#define SECONDS_MAX	86400UL

int
fence_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')	/* no sign, no blank */
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static const char *
value(const struct fence_opts *o, enum fence_pid pid)
{
	return o->val[pid] != NULL ? o->val[pid] : fence_params[pid].def;
}

/* An optional string: given empty is the same as not given (a stonith
 * device attribute cleared to "" must not name a file called ""). */
static const char *
optional(const struct fence_opts *o, enum fence_pid pid)
{
	const char *v = value(o, pid);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* A number parameter with its default, in [0, MAX]. */
static int
number(const struct fence_opts *o, enum fence_pid pid, unsigned long max,
       unsigned int *out, char *err, size_t errlen)
{
	unsigned long v = 0;
	const char *s = value(o, pid);

	if (s == NULL) {
		*out = 0;
		return 0;
	}
	if (fence_parse_uint(s, max, &v) < 0) {
		fence_seterr(err, errlen,
		       fence_params[pid].type == PT_SECOND ?
		       "Failed: The value you have entered for %s is not a valid time in seconds (0 to %lu): '%s'" :
		       "Failed: The value you have entered for %s is not a valid integer (0 to %lu): '%s'",
		       fence_params[pid].name, max, s);
		return -EINVAL;
	}
	*out = (unsigned int)v;
	return 0;
}

static int
load_numbers(const struct fence_opts *o, struct fence_cfg *c, char *err,
	     size_t errlen)
{
	unsigned int level = 0;

	if (number(o, P_IPPORT, 65535, &c->ipport, err, errlen) < 0 ||
	    number(o, P_DELAY, SECONDS_MAX, &c->delay, err, errlen) < 0 ||
	    number(o, P_LOGIN_TIMEOUT, SECONDS_MAX, &c->login_timeout, err, errlen) < 0 ||
	    number(o, P_POWER_TIMEOUT, SECONDS_MAX, &c->power_timeout, err, errlen) < 0 ||
	    number(o, P_POWER_WAIT, SECONDS_MAX, &c->power_wait, err, errlen) < 0 ||
	    number(o, P_SHELL_TIMEOUT, SECONDS_MAX, &c->shell_timeout, err, errlen) < 0 ||
	    number(o, P_STONITH_STATUS_SLEEP, SECONDS_MAX, &c->status_sleep, err, errlen) < 0 ||
	    number(o, P_RETRY_ON, 100, &c->retry_on, err, errlen) < 0 ||
	    number(o, P_VERBOSE_LEVEL, 100, &level, err, errlen) < 0)
		return -EINVAL;
	if (c->ipport == 0) {
		fence_seterr(err, errlen, "Failed: ipport 0 is not a TCP port");
		return -EINVAL;
	}
	c->verbose = level > 0 || o->verbose_count > 0 ||
	    (o->val[P_VERBOSE] != NULL && strcmp(o->val[P_VERBOSE], "1") == 0);
	return 0;
}

static bool
truthy(const char *s)
{
	return s != NULL && (strcasecmp(s, "1") == 0 || strcasecmp(s, "yes") == 0 ||
	    strcasecmp(s, "on") == 0 || strcasecmp(s, "true") == 0);
}

/* Pacemaker 2 kills an agent at its own timeout; fence-agents then stops
 * bounding the wait for the power change, and so do we. */
static void
load_timeouts(const struct fence_opts *o, struct fence_cfg *c)
{
	const char *dt = o->val[P_DISABLE_TIMEOUT];
	const char *svc = getenv("PCMK_service");

	if (dt == NULL && svc != NULL && strcmp(svc, "pacemaker-fenced") == 0)
		dt = "1";
	if (truthy(dt))
		c->power_timeout = 0;
}

/* systems=a,b,c: split into C->systems, no empty item, no repeat. */
static int
load_systems(const char *list, struct fence_cfg *c, char *err, size_t errlen)
{
	char *s, *save = NULL, *tok;
	size_t i;

	if (list == NULL || *list == '\0')
		return 0;
	if (strstr(list, ",,") != NULL || list[0] == ',' ||
	    list[strlen(list) - 1] == ',') {
		fence_seterr(err, errlen, "Failed: systems '%s' has an empty item", list);
		return -EINVAL;
	}
	c->systems_buf = s = strdup(list);
	if (s == NULL)
		return -ENOMEM;
	for (tok = strtok_r(s, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (c->n_systems == FENCE_SYS_MAX) {
			fence_seterr(err, errlen, "Failed: more than %d systems", FENCE_SYS_MAX);
			return -EINVAL;
		}
		for (i = 0; i < c->n_systems; i++)
			if (strcmp(c->systems[i], tok) == 0) {
				fence_seterr(err, errlen, "Failed: system '%s' is listed twice", tok);
				return -EINVAL;
			}
		c->systems[c->n_systems++] = tok;
	}
	return 0;
}

/* What fence_lpar accepts and fence_srr cannot honour is refused, not
 * silently changed: a device must not look configured when it is not. */
static int
load_transport(const struct fence_opts *o, struct fence_cfg *c, char *err,
	       size_t errlen)
{
	const char *ver = value(o, P_HMC_VERSION);
	const char *ssh = value(o, P_SSH);
	static const enum fence_pid ignored[] = { P_COMMAND_PROMPT,
	    P_SSH_OPTIONS, P_SSH_PATH, P_INET4_ONLY, P_INET6_ONLY };
	size_t i;

	if (strcasecmp(ver, "3") == 0 || strcasecmp(ver, "ivm") == 0) {
		fence_seterr(err, errlen, "Failed: hmc_version %s is not supported by fence_srr: only 4", ver);
		return -EINVAL;
	}
	if (strcmp(ver, "4") != 0) {
		fence_seterr(err, errlen, "Failed: You have to enter a valid choice for --hmc-version from the valid values: 3, 4, ivm");
		return -EINVAL;
	}
	if (strcmp(ssh, "0") == 0) {
		fence_seterr(err, errlen, "Failed: fence_srr reaches the HMC over SSH only (ssh=0 given)");
		return -EINVAL;
	}
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (o->val[ignored[i]] != NULL)
			qb_log(LOG_NOTICE, "option %s is accepted for fence_lpar compatibility and ignored",
			       fence_params[ignored[i]].name);
	return 0;
}

static int
load_required(const struct fence_cfg *c, char *err, size_t errlen)
{
	bool needs_plug = c->action != FA_LIST && c->action != FA_LIST_STATUS &&
	    c->action != FA_MONITOR;

	if (c->ip == NULL || *c->ip == '\0') {
		fence_seterr(err, errlen, "Failed: You have to enter fence address");
		return -EINVAL;
	}
	if (c->username == NULL || *c->username == '\0') {
		fence_seterr(err, errlen, "Failed: You have to set login name");
		return -EINVAL;
	}
	if (c->password == NULL && c->password_script == NULL &&
	    c->identity_file == NULL) {
		fence_seterr(err, errlen, "Failed: You have to enter password, password script or identity file");
		return -EINVAL;
	}
	if (needs_plug && (c->plug == NULL || *c->plug == '\0')) {
		fence_seterr(err, errlen, "Failed: You have to enter plug number or machine identification");
		return -EINVAL;
	}
	return 0;
}

int
fence_cfg_load(const struct fence_opts *o, struct fence_cfg *c, char *err,
	       size_t errlen)
{
	const char *sep;
	int rc;

	memset(c, 0, sizeof(*c));
	if (fence_action_parse(value(o, P_ACTION), &c->action) < 0) {
		fence_seterr(err, errlen, "Failed: Unrecognised action '%s'", value(o, P_ACTION));
		return -EINVAL;
	}
	if (c->action == FA_METADATA || c->action == FA_MANPAGE)
		return 0;
	c->ip = o->val[P_IP];
	c->ip2 = optional(o, P_IP2);
	c->username = o->val[P_USERNAME];
	c->password = optional(o, P_PASSWORD);
	c->password_script = optional(o, P_PASSWORD_SCRIPT);
	c->identity_file = optional(o, P_IDENTITY_FILE);
	c->known_hosts = optional(o, P_KNOWN_HOSTS) != NULL ?
	    value(o, P_KNOWN_HOSTS) : fence_params[P_KNOWN_HOSTS].def;
	c->plug = o->val[P_PLUG];
	fence_cut(c->plug != NULL ? c->plug : "", c->plug_shown, sizeof(c->plug_shown));
	c->managed = optional(o, P_MANAGED);
	c->debug_file = optional(o, P_DEBUG_FILE);
	c->quiet = o->val[P_QUIET] != NULL && strcmp(o->val[P_QUIET], "1") == 0;
	sep = value(o, P_SEPARATOR);
	if (strlen(sep) != 1) {
		fence_seterr(err, errlen, "Failed: separator must be one character, not '%s'", sep);
		return -EINVAL;
	}
	c->separator = sep[0];
	rc = load_numbers(o, c, err, errlen);
	if (rc == 0)
		rc = load_transport(o, c, err, errlen);
	if (rc == 0)
		rc = load_systems(o->val[P_SYSTEMS], c, err, errlen);
	if (rc == 0)
		rc = load_required(c, err, errlen);
	load_timeouts(o, c);
	return rc;
}

int
fence_cfg_check_files(const struct fence_cfg *c, char *err, size_t errlen)
{
	if (c->identity_file != NULL && access(c->identity_file, R_OK) != 0) {
		fence_seterr(err, errlen, "Failed: Identity file %s does not exist or cannot be read",
		       c->identity_file);
		return -ENOENT;
	}
	if (access(c->known_hosts, R_OK) != 0) {
		fence_seterr(err, errlen, "Failed: known_hosts file %s does not exist or cannot be read: the HMC's host key must be known beforehand",
		       c->known_hosts);
		return -ENOENT;
	}
	return 0;
}

unsigned int
fence_cfg_warn_systems(const struct fence_cfg *c)
{
	if (c->n_systems != 1)
		return 0;
	/* After a remote restart the partition runs on another system: with
	 * that one left out, status reads the stale copy and says OFF. */
	qb_log(LOG_WARNING, "systems=%s holds one system, so no remote restart destination: after a restart the partition runs where fence_srr does not look; list every system it may be restarted to",
	       c->systems[0]);
	return 1;
}

void
fence_cfg_free(struct fence_cfg *c)
{
	free(c->systems_buf);
	memset(c, 0, sizeof(*c));
}
