/*
 * srrd_conf_check.c: what can only be checked once the whole file is read
 * (names of other sections, required keys, keys that bound each other), the
 * defaults that depend on other keys, and the canonical order.
 *
 * Every section list is sorted by name here, so two files that say the same
 * thing in another order load to the same structure, index for index; the
 * print and the digest then need no sorting of their own.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hmc/hmc.h"
#include "agent/srrd_conf_int.h"

#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

struct sys_item {
	struct srrd_sys_conf s;
	struct conf_sys_pend p;
};

struct lpar_item {
	struct srrd_lpar_conf l;
	int line;
};

static int
key_line(const struct conf_ctx *x, enum conf_kind kind, const char *name)
{
	size_t i;

	for (i = 0; i < conf_nkeys; i++)
		if (conf_keys[i].kind == kind &&
		    strcmp(conf_keys[i].name, name) == 0)
			return x->key_line[i];
	return 0;
}

static int
required(struct conf_ctx *x)
{
	const struct srrd_conf *c = x->c;
	int i;

	if (c->nhmc == 0)
		conf_fail(x, 0, "no [hmc] section: srrd needs at least one HMC");
	else if (c->nsys == 0)
		conf_fail(x, 0, "no [system] section: nothing to watch");
	for (i = 0; i < c->nhmc; i++) {
		const char *k = c->hmc[i].host[0] == '\0' ? "host" :
				c->hmc[i].identity[0] == '\0' ? "identity" : NULL;
		char why[SRRD_ERR_LEN / 2];

		if (k != NULL)
			conf_fail(x, x->hmc_line[i], "[hmc %s] %s: required",
				  c->hmc[i].name, k);
		/* a default known_hosts is checked like a given one */
		else if (conf_known_hosts_check(c->hmc[i].known_hosts, why,
						sizeof(why)) < 0)
			conf_fail(x, x->hmc_line[i], "[hmc %s] known_hosts: %s",
				  c->hmc[i].name, why);
	}
	for (i = 0; i < c->nalert; i++)
		if (c->alert[i].path[0] == '\0')
			conf_fail(x, x->alert_line[i], "[alert %s] path: required",
				  c->alert[i].name);
	return x->err[0] != '\0' ? -EINVAL : 0;
}

static int
hmc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct srrd_hmc_conf *)a)->name,
		      ((const struct srrd_hmc_conf *)b)->name);
}

static int
alert_cmp(const void *a, const void *b)
{
	return strcmp(((const struct srrd_alert_conf *)a)->name,
		      ((const struct srrd_alert_conf *)b)->name);
}

static int
sys_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sys_item *)a)->s.name,
		      ((const struct sys_item *)b)->s.name);
}

static int
sort_systems(struct conf_ctx *x)
{
	struct srrd_conf *c = x->c;
	struct sys_item *v = calloc((size_t)c->nsys, sizeof(*v));
	int i;

	if (v == NULL)
		return -ENOMEM;
	for (i = 0; i < c->nsys; i++) {
		v[i].s = c->sys[i];
		v[i].p = x->sp[i];
	}
	qsort(v, (size_t)c->nsys, sizeof(*v), sys_cmp);
	for (i = 0; i < c->nsys; i++) {
		c->sys[i] = v[i].s;
		x->sp[i] = v[i].p;
	}
	free(v);
	return 0;
}

static void
trim(char **s)
{
	size_t n;

	*s += strspn(*s, " \t");
	n = strlen(*s);
	while (n > 0 && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t'))
		(*s)[--n] = '\0';
}

static int
dest_add(struct conf_ctx *x, int s, const char *name)
{
	struct srrd_sys_conf *sc = &x->c->sys[s];
	int d = srrd_conf_sys_index(x->c, name), i;
	const char *why = NULL;

	if (d < 0)
		why = "names no [system]";
	else if (d == s)
		why = "is the system itself";
	for (i = 0; why == NULL && i < sc->ndest; i++)
		if (sc->dest[i] == d)
			why = "is named twice";
	if (why == NULL && sc->ndest == SRR_MAX_DEST)
		why = "is one too many (at most 8 destinations)";
	if (why != NULL) {
		conf_fail(x, x->sp[s].dest_line, "[system %s] destinations: "
			  "'%.100s' %s", sc->name, name, why);
		return -EINVAL;
	}
	sc->dest[sc->ndest++] = d;
	return 0;
}

/* Destinations keep their order: placement gives a tie to the first. */
static int
resolve_dests(struct conf_ctx *x, int s)
{
	char buf[CONF_LIST_LEN], *save = NULL, *tok;

	strcpy(buf, x->sp[s].dest);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		trim(&tok);
		if (dest_add(x, s, tok) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Fence parameters by name, so that their order in the file means
 * nothing (the agent reads them as a set). Whole buffers move, so that
 * equal configurations are equal byte for byte. */
static void
sort_fence_params(struct srrd_fence_conf *f)
{
	char k[SRRD_LABEL_LEN], v[SRRD_HOST_LEN];
	int i, j;

	for (i = 1; i < f->nparam; i++)
		for (j = i; j > 0 && strcmp(f->key[j - 1], f->key[j]) > 0; j--) {
			memcpy(k, f->key[j], sizeof(k));
			memcpy(v, f->val[j], sizeof(v));
			memcpy(f->key[j], f->key[j - 1], sizeof(k));
			memcpy(f->val[j], f->val[j - 1], sizeof(v));
			memcpy(f->key[j - 1], k, sizeof(k));
			memcpy(f->val[j - 1], v, sizeof(v));
		}
}

static int
check_system(struct conf_ctx *x, int s)
{
	const struct srrd_sys_conf *sc = &x->c->sys[s];
	const struct conf_sys_pend *p = &x->sp[s];

	if (resolve_dests(x, s) < 0)
		return -EINVAL;
	if (sc->protect && sc->ndest == 0) {
		conf_fail(x, p->line, "[system %s] destinations: required for "
			  "a protected system", sc->name);
		return -EINVAL;
	}
	if (p->fence_line != 0 && p->agent_line == 0) {
		conf_fail(x, p->fence_line, "[system %s] fence_agent: required "
			  "with fence_timeout and fence_param_*", sc->name);
		return -EINVAL;
	}
	if (sc->fence != NULL)
		sort_fence_params(sc->fence);
	return 0;
}

static bool
is_dest(const struct srrd_sys_conf *sc, int d)
{
	int i;

	for (i = 0; i < sc->ndest; i++)
		if (sc->dest[i] == d)
			return true;
	return false;
}

static int
resolve_lpar(struct conf_ctx *x, size_t i)
{
	struct srrd_conf *c = x->c;
	struct srrd_lpar_conf *l = &c->lpar[i];
	const struct conf_lpar_pend *p = &x->lp[i];

	l->sys = srrd_conf_sys_index(c, p->sys);
	if (l->sys < 0) {
		conf_fail(x, p->line, "[lpar %s/%s]: names no [system %s]",
			  p->sys, l->name, p->sys);
		return -EINVAL;
	}
	if (l->priority == 0)
		l->priority = c->default_priority;
	if (p->pin_line == 0)
		return 0;
	l->pin = srrd_conf_sys_index(c, p->pin);
	if (l->pin < 0) {
		conf_fail(x, p->pin_line, "[lpar %s/%s] destination: '%s' "
			  "names no [system]", p->sys, l->name, p->pin);
		return -EINVAL;
	}
	if (!is_dest(&c->sys[l->sys], l->pin)) {
		conf_fail(x, p->pin_line, "[lpar %s/%s] destination: '%s' is "
			  "not among the destinations of [system %s]", p->sys,
			  l->name, p->pin, p->sys);
		return -EINVAL;
	}
	return 0;
}

static int
lpar_cmp(const void *a, const void *b)
{
	const struct lpar_item *x = a, *y = b;

	if (x->l.sys != y->l.sys)
		return x->l.sys < y->l.sys ? -1 : 1;
	return strcmp(x->l.name, y->l.name);
}

/* Sorted by system, then name; a partition named twice is refused. */
static int
sort_lpars(struct conf_ctx *x)
{
	struct srrd_conf *c = x->c;
	struct lpar_item *v;
	size_t i;

	if (c->nlpar == 0)
		return 0;
	v = calloc(c->nlpar, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (i = 0; i < c->nlpar; i++) {
		v[i].l = c->lpar[i];
		v[i].line = x->lp[i].line;
	}
	qsort(v, c->nlpar, sizeof(*v), lpar_cmp);
	for (i = 0; i < c->nlpar; i++) {
		c->lpar[i] = v[i].l;
		if (i > 0 && lpar_cmp(&v[i - 1], &v[i]) == 0)
			conf_fail(x, MAX(v[i].line, v[i - 1].line), "[lpar %s/%s]: "
				  "section repeated (first on line %d)",
				  c->sys[v[i].l.sys].name, v[i].l.name,
				  MIN(v[i].line, v[i - 1].line));
	}
	free(v);
	return x->err[0] != '\0' ? -EINVAL : 0;
}

/* Ambiguous by default: every state that is neither operating nor in
 * down_states (an unknown state is never down, whatever this says). */
static int
states(struct conf_ctx *x)
{
	struct srrd_conf *c = x->c;
	uint32_t both;
	int st;

	if (!x->ambig_given) {
		c->ambiguous_mask = 0;
		for (st = 1; st < HMC_SYS_STATE_COUNT; st++)
			if (hmc_sys_state_class(st) != HMC_CLASS_OPERATING &&
			    !(c->down_mask & 1u << st))
				c->ambiguous_mask |= 1u << st;
		return 0;
	}
	both = c->down_mask & c->ambiguous_mask;
	for (st = 0; both != 0 && st < HMC_SYS_STATE_COUNT; st++)
		if (both & 1u << st) {
			conf_fail(x, key_line(x, CONF_POLICY, "ambiguous_states"),
				  "[policy] ambiguous_states: '%s' is also in "
				  "down_states", hmc_sys_state_name(st));
			return -EINVAL;
		}
	return 0;
}

static int
bound(struct conf_ctx *x, const char *lo, int64_t lov, const char *hi,
      int64_t hiv)
{
	char a[32], b[32];
	int line;

	if (hiv >= lov)
		return 0;
	line = key_line(x, CONF_POLICY, hi);
	if (line == 0)
		line = key_line(x, CONF_POLICY, lo);
	conf_duration_format(hiv, a, sizeof(a));
	conf_duration_format(lov, b, sizeof(b));
	conf_fail(x, line, "[policy] %s: %s is less than %s (%s)", hi, a, lo, b);
	return -EINVAL;
}

static int
policy(struct conf_ctx *x)
{
	const struct srrd_conf *c = x->c;

	if (states(x) < 0 ||
	    bound(x, "backoff", c->backoff_ms, "backoff_max",
		  c->backoff_max_ms) < 0 ||
	    bound(x, "poll_interval", c->poll_ms, "follower_poll_interval",
		  c->follower_poll_ms) < 0)
		return -EINVAL;
	return 0;
}

int
conf_finish(struct conf_ctx *x)
{
	struct srrd_conf *c = x->c;
	size_t i;
	int s;

	if (required(x) < 0 || policy(x) < 0)
		return -EINVAL;
	qsort(c->hmc, (size_t)c->nhmc, sizeof(c->hmc[0]), hmc_cmp);
	qsort(c->alert, (size_t)c->nalert, sizeof(c->alert[0]), alert_cmp);
	if (sort_systems(x) < 0)
		return -ENOMEM;
	for (s = 0; s < c->nsys; s++)
		if (check_system(x, s) < 0)
			return -EINVAL;
	for (i = 0; i < c->nlpar; i++)
		if (resolve_lpar(x, i) < 0)
			return -EINVAL;
	return sort_lpars(x);
}
