/*
 * srrd_conf_keys.c: every key of srrha.conf, its type, range and default,
 * and the strict value parsers.
 *
 * One table drives reading, the canonical print and the digest, so a key
 * cannot be read and then forgotten by the print (which the round-trip test
 * would otherwise have to catch). Keys are in alphabetical order within a
 * section: the print follows the table.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hmc/hmc.h"
#include "agent/srrd_conf_int.h"

#define SEC	1000LL
#define MIN	(60 * SEC)
#define HOUR	(60 * MIN)

#define CL(f)	offsetof(struct srrd_conf, f), sizeof(((struct srrd_conf *)0)->f)
#define HM(f)	offsetof(struct srrd_hmc_conf, f), \
		sizeof(((struct srrd_hmc_conf *)0)->f)
#define SY(f)	offsetof(struct srrd_sys_conf, f), \
		sizeof(((struct srrd_sys_conf *)0)->f)
#define FE(f)	offsetof(struct srrd_fence_conf, f), \
		sizeof(((struct srrd_fence_conf *)0)->f)
#define LP(f)	offsetof(struct srrd_lpar_conf, f), \
		sizeof(((struct srrd_lpar_conf *)0)->f)
#define AL(f)	offsetof(struct srrd_alert_conf, f), \
		sizeof(((struct srrd_alert_conf *)0)->f)

const struct conf_keydef conf_keys[] = {
	{ CONF_CLUSTER, "group", T_CPG, CL(group), 0, 0, false },
	{ CONF_CLUSTER, "hello_timeout", T_DUR, CL(hello_timeout_ms), 0, HOUR, false },

	{ CONF_HMC, "host", T_HOST, HM(host), 0, 0, false },
	{ CONF_HMC, "identity", T_IDENTITY, HM(identity), 0, 0, true },
	{ CONF_HMC, "known_hosts", T_KNOWN_HOSTS, HM(known_hosts), 0, 0, true },
	{ CONF_HMC, "port", T_INT, HM(port), 1, 65535, false },
	{ CONF_HMC, "sessions", T_INT, HM(sessions), 1, 16, false },
	{ CONF_HMC, "timeout", T_DUR, HM(timeout_ms), SEC, HOUR, false },
	{ CONF_HMC, "user", T_LABEL, HM(user), 0, 0, false },

	{ CONF_SYSTEM, "destinations", T_DESTS, 0, 0, 0, 0, false },
	{ CONF_SYSTEM, "fence_agent", T_EXEC, FE(agent), 0, 0, false, true },
	{ CONF_SYSTEM, "fence_param_", T_FENCE_PARAM, 0, 0, 0, 0, false },
	{ CONF_SYSTEM, "fence_timeout", T_DUR, FE(timeout_ms), SEC, HOUR, false, true },
	{ CONF_SYSTEM, "protect", T_BOOL, SY(protect), 0, 0, false },

	{ CONF_LPAR, "destination", T_PIN, 0, 0, 0, 0, false },
	{ CONF_LPAR, "exclude", T_BOOL, LP(excluded), 0, 0, false },
	{ CONF_LPAR, "priority", T_INT, LP(priority), 1, 1000, false },

	{ CONF_POLICY, "ambiguous_states", T_STATES, CL(ambiguous_mask), 0, 0, false },
	{ CONF_POLICY, "backoff", T_DUR, CL(backoff_ms), 100, HOUR, false },
	{ CONF_POLICY, "backoff_max", T_DUR, CL(backoff_max_ms), 100, 24 * HOUR, false },
	{ CONF_POLICY, "cleanup_retaindev", T_BOOL, CL(cleanup_retaindev), 0, 0, false },
	{ CONF_POLICY, "command_timeout", T_DUR, CL(command_timeout_ms), 10 * SEC, 24 * HOUR, false },
	{ CONF_POLICY, "confirm_polls", T_INT, CL(confirm_k), 1, 100, false },
	{ CONF_POLICY, "confirm_ttl", T_DUR, CL(confirm_ttl_ms), SEC, 24 * HOUR, false },
	{ CONF_POLICY, "confirm_window", T_DUR, CL(confirm_t_ms), SEC, HOUR, false },
	{ CONF_POLICY, "default_priority", T_INT, CL(default_priority), 1, 1000, false },
	{ CONF_POLICY, "down_states", T_STATES, CL(down_mask), 0, 0, false },
	{ CONF_POLICY, "follower_poll_interval", T_DUR, CL(follower_poll_ms), 100, HOUR, false },
	{ CONF_POLICY, "inventory_interval", T_DUR, CL(inventory_ms), SEC, 24 * HOUR, false },
	{ CONF_POLICY, "max_per_dest", T_INT, CL(max_per_dest), 1, 256, false },
	{ CONF_POLICY, "max_per_source", T_INT, CL(max_per_source), 1, 256, false },
	{ CONF_POLICY, "poll_interval", T_DUR, CL(poll_ms), 100, 10 * MIN, false },
	{ CONF_POLICY, "retention", T_DUR, CL(retention_ms), HOUR, 87600 * HOUR, false },
	{ CONF_POLICY, "retries", T_INT, CL(retry_max), 1, 100, false },
	{ CONF_POLICY, "tier_timeout", T_DUR, CL(tier_timeout_ms), SEC, 24 * HOUR, false },
	{ CONF_POLICY, "validate_first", T_BOOL, CL(validate_first), 0, 0, false },

	{ CONF_ALERT, "path", T_EXEC, AL(path), 0, 0, true },
	{ CONF_ALERT, "recipient", T_TEXT, AL(recipient), 0, 0, false },
	{ CONF_ALERT, "timeout", T_DUR, AL(timeout_ms), SEC, HOUR, false },

	{ CONF_STORE, "path", T_PATH, CL(store_path), 0, 0, true },
	{ CONF_STORE, "state_dir", T_PATH, CL(state_dir), 0, 0, true },

	{ CONF_IPC, "group", T_GROUP, CL(ipc_group), 0, 0, true },
	{ CONF_IPC, "metrics_port", T_INT, CL(metrics_port), 0, 65535, true },
};

const size_t conf_nkeys = sizeof(conf_keys) / sizeof(conf_keys[0]);

/* ------------------------------------------------------------ defaults */

/* The engine's defaults (engine.c conf_defaults), written out so that the
 * print shows them and the digest covers them. */
void
conf_defaults(struct srrd_conf *c)
{
	strcpy(c->group, "srrha");
	c->hello_timeout_ms = 0;
	c->poll_ms = 5 * SEC;
	c->confirm_k = 3;
	c->confirm_t_ms = 15 * SEC;
	c->confirm_ttl_ms = 5 * MIN;
	c->down_mask = 1u << HMC_SYS_POWER_OFF | 1u << HMC_SYS_ERROR |
		       1u << HMC_SYS_ERROR_TERMINATED | 1u << HMC_SYS_ERROR_DUMP;
	c->default_priority = 3;
	c->tier_timeout_ms = 5 * MIN;
	c->max_per_source = 8;
	c->max_per_dest = 8;
	c->validate_first = false;
	c->retry_max = 3;
	c->backoff_ms = 10 * SEC;
	c->backoff_max_ms = 5 * MIN;
	c->inventory_ms = 1 * MIN;
	c->follower_poll_ms = 30 * SEC;
	c->command_timeout_ms = 15 * MIN;
	c->cleanup_retaindev = false;
	c->retention_ms = 720 * HOUR;
	strcpy(c->store_path, "/var/lib/srrha/ledger.db");
	strcpy(c->state_dir, "/var/lib/srrha");
}

void
conf_hmc_defaults(struct srrd_hmc_conf *h)
{
	memset(h, 0, sizeof(*h));
	h->port = 22;
	strcpy(h->user, "hscroot");
	snprintf(h->known_hosts, sizeof(h->known_hosts), "%s",
		 SRR_SYSCONFDIR "/srrha/known_hosts");
	h->timeout_ms = 30 * SEC;
	h->sessions = 4;
}

void
conf_sys_defaults(struct srrd_sys_conf *s)
{
	memset(s, 0, sizeof(*s));
}

/* The system's fence conf, made with its defaults at its first key. */
static int
fence_conf_get(struct srrd_sys_conf *s)
{
	if (s->fence != NULL)
		return 0;
	s->fence = calloc(1, sizeof(*s->fence));
	if (s->fence == NULL)
		return -ENOMEM;
	s->fence->timeout_ms = 60 * SEC;
	return 0;
}

void
conf_alert_defaults(struct srrd_alert_conf *a)
{
	memset(a, 0, sizeof(*a));
	a->timeout_ms = 30 * SEC;
}

/* ------------------------------------------------------------ numbers */

static int
int_parse(const char *s, int64_t *v)
{
	char *end;
	long long n;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -EINVAL;
	*v = n;
	return 0;
}

static const struct {
	const char *unit;
	int64_t ms;
} units[] = {
	{ "ms", 1 }, { "s", SEC }, { "m", MIN }, { "h", HOUR },
};

int
conf_duration_parse(const char *s, int64_t *ms)
{
	const char *u = s + strspn(s, "0123456789");
	char num[24];
	int64_t n;
	size_t i;

	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return 0;
	}
	if (u == s || (size_t)(u - s) >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, (size_t)(u - s));
	num[u - s] = '\0';
	if (int_parse(num, &n) < 0)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(u, units[i].unit) == 0) {
			if (n > INT64_MAX / units[i].ms)
				return -ERANGE;
			*ms = n * units[i].ms;
			return 0;
		}
	return -EINVAL;
}

/* The largest unit that divides the value: 90000 is "90s", 120000 "2m". */
void
conf_duration_format(int64_t ms, char *out, size_t len)
{
	int i;

	if (ms == 0) {
		snprintf(out, len, "0");
		return;
	}
	for (i = (int)(sizeof(units) / sizeof(units[0])) - 1; i > 0; i--)
		if (ms % units[i].ms == 0)
			break;
	snprintf(out, len, "%lld%s", (long long)(ms / units[i].ms),
		 units[i].unit);
}

static int
bool_parse(const char *s, bool *b)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*b = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*b = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* ------------------------------------------------------------ words */

int
conf_label_check(const char *s, size_t size, const char **why)
{
	size_t n = strlen(s);

	*why = "empty, or characters other than letters, digits, '.', '_', "
	       "'-' (first a letter or digit)";
	if (n == 0 || n >= size) {
		if (n >= size)
			*why = "too long";
		return -EINVAL;
	}
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789._-") != n || strchr("._-", s[0]) != NULL)
		return -EINVAL;
	return 0;
}

int
conf_states_parse(const char *s, uint32_t *mask, char *why, size_t whylen)
{
	char buf[CONF_LIST_LEN], *save = NULL, *tok;
	enum hmc_sys_state st;
	size_t n;

	*mask = 0;
	if (strlen(s) >= sizeof(buf)) {
		snprintf(why, whylen, "too long");
		return -EINVAL;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		tok += strspn(tok, " \t");
		n = strlen(tok);
		while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
			tok[--n] = '\0';
		st = hmc_sys_state_parse(tok);
		if (st == HMC_SYS_UNKNOWN) {
			snprintf(why, whylen, "'%.60s' is not an HMC system "
				 "state (Power Off, Error, No Connection, ...)",
				 tok);
			return -EINVAL;
		}
		if (*mask & 1u << st) {
			snprintf(why, whylen, "'%s' named twice",
				 hmc_sys_state_name(st));
			return -EINVAL;
		}
		*mask |= 1u << st;
	}
	return 0;
}

/* ------------------------------------------------------------ keys */

void *
conf_key_base(const struct srrd_conf *c, const struct conf_keydef *k, int idx)
{
	if (k->fence)
		return c->sys[idx].fence;
	switch (k->kind) {
	case CONF_HMC:
		return (void *)&c->hmc[idx];
	case CONF_SYSTEM:
		return (void *)&c->sys[idx];
	case CONF_LPAR:
		return (void *)&c->lpar[idx];
	case CONF_ALERT:
		return (void *)&c->alert[idx];
	default:
		return (void *)c;
	}
}

int64_t
conf_int_get(const void *p, size_t size)
{
	uint16_t v16;
	uint32_t v32;
	int64_t v64;

	switch (size) {
	case sizeof(v16):
		memcpy(&v16, p, size);
		return v16;
	case sizeof(v32):
		memcpy(&v32, p, size);
		return v32;
	default:
		memcpy(&v64, p, sizeof(v64));
		return v64;
	}
}

static const struct conf_keydef *
key_find(enum conf_kind kind, const char *key, size_t *idx)
{
	const struct conf_keydef *k;
	size_t i, n;

	for (i = 0; i < conf_nkeys; i++) {
		k = &conf_keys[i];
		n = strlen(k->name);
		if (k->kind != kind)
			continue;
		if (k->type == T_FENCE_PARAM ? strncmp(key, k->name, n) == 0 &&
		    key[n] != '\0' : strcmp(key, k->name) == 0) {
			*idx = i;
			return k;
		}
	}
	return NULL;
}

/* Edit distance of A and B, up to 3 (a typo, not another word). */
static int
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int d[CONF_SECT_LEN + 1], prev, tmp;

	if (la > CONF_LINE_MAX || lb > CONF_LINE_MAX)
		return 99;
	for (j = 0; j <= lb; j++)
		d[j] = (int)j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			tmp = d[j];
			d[j] = prev + (a[i - 1] != b[j - 1]);
			if (d[j - 1] + 1 < d[j])
				d[j] = d[j - 1] + 1;
			if (tmp + 1 < d[j])
				d[j] = tmp + 1;
			prev = tmp;
		}
	}
	return d[lb];
}

/* Names the nearest key of the section, when a typo explains it. */
static void
unknown_key(struct conf_ctx *x, const char *key)
{
	const char *best = NULL;
	char why[128];
	int d, bestd = 3;
	size_t i;

	for (i = 0; i < conf_nkeys; i++) {
		if (conf_keys[i].kind != x->kind ||
		    conf_keys[i].type == T_FENCE_PARAM)
			continue;
		d = distance(key, conf_keys[i].name);
		if (d < bestd) {
			bestd = d;
			best = conf_keys[i].name;
		}
	}
	if (best == NULL)
		snprintf(why, sizeof(why), "unknown key");
	else
		snprintf(why, sizeof(why), "unknown key (did you mean %s?)",
			 best);
	conf_key_fail(x, key, why);
}

int
conf_key(struct conf_ctx *x, const char *key, const char *value)
{
	const struct conf_keydef *k;
	char why[SRRD_ERR_LEN / 2];
	size_t i;
	int rc;

	k = key_find(x->kind, key, &i);
	if (k == NULL) {
		unknown_key(x, key);
		return -EINVAL;
	}
	if (k->type != T_FENCE_PARAM && (x->seen & 1ull << i)) {
		snprintf(why, sizeof(why), "repeated key (first on line %d)",
			 x->key_line[i]);
		conf_key_fail(x, key, why);
		return -EINVAL;
	}
	x->seen |= 1ull << i;
	x->key_line[i] = x->line;
	if (x->kind == CONF_SYSTEM && strncmp(key, "fence_", 6) == 0) {
		if (fence_conf_get(&x->c->sys[x->idx]) < 0) {
			conf_key_fail(x, key, "out of memory");
			return -ENOMEM;
		}
		if (x->sp[x->idx].fence_line == 0)
			x->sp[x->idx].fence_line = x->line;
	}
	why[0] = '\0';
	x->key_now = key;
	if (strlen(key) + strlen(" = ") + strlen(value) > CONF_LINE_MAX &&
	    !conf_key_is_list(k)) {
		/* the print writes "key = value": it must read back */
		conf_key_fail(x, key, "too long (\"key = value\" must fit in "
			      "198 bytes)");
		return -EINVAL;
	}
	rc = conf_value_set(x, k, conf_key_base(x->c, k, x->idx), value,
			    why, sizeof(why));
	if (rc < 0)
		conf_key_fail(x, key, why[0] ? why : "bad value");
	else if (conf_key_is_list(k) && value != x->accum)
		snprintf(x->accum, sizeof(x->accum), "%s", value);
	return rc;
}

bool
conf_key_is_list(const struct conf_keydef *k)
{
	return k->type == T_STATES || k->type == T_DESTS;
}

/* inih leaves an inline comment on a continuation line: cut it as inih
 * does on the first line (a ';' after a blank). */
static void
comment_cut(char *s)
{
	char *p;
	size_t n;

	for (p = s; (p = strchr(p, ';')) != NULL; p++)
		if (p > s && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

int
conf_key_more(struct conf_ctx *x, const char *key, const char *value)
{
	const struct conf_keydef *k;
	char buf[CONF_LIST_LEN];
	size_t i;

	k = key_find(x->kind, key, &i);
	if (k == NULL || !conf_key_is_list(k))
		return -ENOTSUP;
	if ((size_t)snprintf(buf, sizeof(buf), "%s,%s", x->accum, value) >=
	    sizeof(buf)) {
		conf_key_fail(x, key, "list too long");
		return -EINVAL;
	}
	comment_cut(buf);
	x->seen &= ~(1ull << i);
	strcpy(x->accum, buf);
	return conf_key(x, key, x->accum);
}

/* ------------------------------------------------------------ values */

int
conf_int_parse(const char *s, int64_t min, int64_t max, int64_t *v,
	       char *why, size_t whylen)
{
	if (int_parse(s, v) < 0) {
		snprintf(why, whylen, "'%.60s' is not a whole number", s);
		return -EINVAL;
	}
	if (*v < min || *v > max) {
		snprintf(why, whylen, "%lld out of range (%lld to %lld)",
			 (long long)*v, (long long)min, (long long)max);
		return -ERANGE;
	}
	return 0;
}

int
conf_bool_parse(const char *s, bool *b, char *why, size_t whylen)
{
	if (bool_parse(s, b) == 0)
		return 0;
	snprintf(why, whylen, "'%.60s' is not yes or no", s);
	return -EINVAL;
}

int
conf_dur_parse(const char *s, int64_t min, int64_t max, int64_t *ms,
	       char *why, size_t whylen)
{
	char a[32], b[32];

	if (conf_duration_parse(s, ms) < 0) {
		snprintf(why, whylen, "'%.60s' is not a duration (a whole "
			 "number and its unit: 500ms, 15s, 5m, 2h)", s);
		return -EINVAL;
	}
	if (*ms < min || *ms > max) {
		conf_duration_format(min, a, sizeof(a));
		conf_duration_format(max, b, sizeof(b));
		snprintf(why, whylen, "%.60s out of range (%s to %s)", s, a, b);
		return -ERANGE;
	}
	return 0;
}
