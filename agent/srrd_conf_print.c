/*
 * srrd_conf_print.c: the effective configuration in canonical form, the
 * digest the cluster compares, and the engine's configuration.
 *
 * Canonical: sections in a fixed order ([cluster], [policy], then [hmc],
 * [system], [lpar] and [alert] sorted by name, [store], [ipc]), keys in
 * alphabetical order, every default written out, durations in the largest
 * unit that divides them, states in the HMC's spelling. srrd_conf_load()
 * reads it back to the same configuration; the digest hashes it without
 * the keys that may differ per host.
 */
#include "config.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "hmc/hmc.h"
#include "agent/srrd_conf_int.h"

struct print_ctx {
	const struct srrd_conf *c;
	FILE *out;
	bool local;
	enum conf_kind kind;
	int idx;
	bool started;
};

/* A list too long for one line goes on over indented lines, one item on
 * each (the reader joins them). */
static void
list_print(FILE *out, const char *key, const char *const *items, int n)
{
	size_t len = strlen(key) + strlen(" = ");
	int i;

	for (i = 0; i < n; i++)
		len += strlen(items[i]) + (i > 0 ? 2 : 0);
	fprintf(out, "%s =", key);
	for (i = 0; i < n; i++) {
		if (len <= CONF_LINE_MAX)
			fprintf(out, "%s%s", i > 0 ? ", " : " ", items[i]);
		else
			fprintf(out, "%s%s", i > 0 ? "\n\t" : " ", items[i]);
	}
	fputc('\n', out);
}

static void
states_print(FILE *out, const char *key, uint32_t mask)
{
	const char *items[HMC_SYS_STATE_COUNT];
	int st, n = 0;

	for (st = 1; st < HMC_SYS_STATE_COUNT; st++)
		if (mask & 1u << st)
			items[n++] = hmc_sys_state_name(st);
	list_print(out, key, items, n);
}

static void
dests_print(const struct print_ctx *p, const char *key)
{
	const struct srrd_sys_conf *sc = &p->c->sys[p->idx];
	const char *items[SRR_MAX_DEST];
	int i;

	if (sc->ndest == 0)
		return;
	for (i = 0; i < sc->ndest; i++)
		items[i] = p->c->sys[sc->dest[i]].name;
	list_print(p->out, key, items, sc->ndest);
}

static void
fence_print(const struct print_ctx *p)
{
	const struct srrd_fence_conf *f = p->c->sys[p->idx].fence;
	int i;

	for (i = 0; i < f->nparam; i++)
		fprintf(p->out, "fence_param_%s = %s\n", f->key[i], f->val[i]);
}

static void
text_print(FILE *out, const char *key, const char *v)
{
	fprintf(out, v[0] != '\0' ? "%s = %s\n" : "%s =%s\n", key, v);
}

static void
special_print(const struct print_ctx *p, const struct conf_keydef *k)
{
	const struct srrd_lpar_conf *l;

	switch (k->type) {
	case T_DESTS:
		dests_print(p, k->name);
		break;
	case T_PIN:
		l = &p->c->lpar[p->idx];
		if (l->pin >= 0)
			fprintf(p->out, "%s = %s\n", k->name,
				p->c->sys[l->pin].name);
		break;
	case T_FENCE_PARAM:
		fence_print(p);
		break;
	default:
		break;
	}
}

static void
key_print(const struct print_ctx *p, const struct conf_keydef *k)
{
	const char *v = (const char *)conf_key_base(p->c, k, p->idx) +
			k->off;
	char d[32];

	switch (k->type) {
	case T_BOOL:
		fprintf(p->out, "%s = %s\n", k->name,
			*(const bool *)(const void *)v ? "yes" : "no");
		break;
	case T_INT:
		fprintf(p->out, "%s = %lld\n", k->name,
			(long long)conf_int_get(v, k->size));
		break;
	case T_DUR:
		conf_duration_format(conf_int_get(v, k->size), d, sizeof(d));
		fprintf(p->out, "%s = %s\n", k->name, d);
		break;
	case T_STATES:
		states_print(p->out, k->name,
			     (uint32_t)conf_int_get(v, sizeof(uint32_t)));
		break;
	case T_DESTS:
	case T_PIN:
	case T_FENCE_PARAM:
		special_print(p, k);
		break;
	default:
		text_print(p->out, k->name, v);
		break;
	}
}

static bool
key_shown(const struct print_ctx *p, const struct conf_keydef *k)
{
	if (k->kind != p->kind || (k->local && !p->local))
		return false;
	/* the fence keys say nothing without an agent, and read back
	 * without one they would be refused */
	if (p->kind == CONF_SYSTEM && strncmp(k->name, "fence_", 6) == 0)
		return p->c->sys[p->idx].fence != NULL;
	return true;
}

static void
section_print(struct print_ctx *p, enum conf_kind kind, int idx,
	      const char *head)
{
	size_t i;
	int n = 0;

	p->kind = kind;
	p->idx = idx;
	for (i = 0; i < conf_nkeys; i++)
		n += key_shown(p, &conf_keys[i]);
	if (n == 0)
		return;
	fprintf(p->out, "%s[%s]\n", p->started ? "\n" : "", head);
	p->started = true;
	for (i = 0; i < conf_nkeys; i++)
		if (key_shown(p, &conf_keys[i]))
			key_print(p, &conf_keys[i]);
}

static void
named_print(struct print_ctx *p, enum conf_kind kind, int idx,
	    const char *word, const char *name)
{
	char head[2 * SRR_NAME_LEN + 16];

	snprintf(head, sizeof(head), "%s %s", word, name);
	section_print(p, kind, idx, head);
}

int
conf_print(const struct srrd_conf *c, FILE *out, bool local)
{
	struct print_ctx p = { .c = c, .out = out, .local = local };
	char name[2 * SRR_NAME_LEN];
	size_t l;
	int i;

	section_print(&p, CONF_CLUSTER, -1, "cluster");
	section_print(&p, CONF_POLICY, -1, "policy");
	for (i = 0; i < c->nhmc; i++)
		named_print(&p, CONF_HMC, i, "hmc", c->hmc[i].name);
	for (i = 0; i < c->nsys; i++)
		named_print(&p, CONF_SYSTEM, i, "system", c->sys[i].name);
	for (l = 0; l < c->nlpar; l++) {
		snprintf(name, sizeof(name), "%s/%s",
			 c->sys[c->lpar[l].sys].name, c->lpar[l].name);
		named_print(&p, CONF_LPAR, (int)l, "lpar", name);
	}
	for (i = 0; i < c->nalert; i++)
		named_print(&p, CONF_ALERT, i, "alert", c->alert[i].name);
	section_print(&p, CONF_STORE, -1, "store");
	section_print(&p, CONF_IPC, -1, "ipc");
	return ferror(out) ? -EIO : 0;
}

int
srrd_conf_print(const struct srrd_conf *c, FILE *out)
{
	return conf_print(c, out, true);
}

int
srrd_conf_digest(const struct srrd_conf *c, uint8_t out[SRRD_DIGEST_LEN])
{
	char *buf = NULL;
	size_t len = 0;
	unsigned int dlen = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (f == NULL)
		return -ENOMEM;
	rc = conf_print(c, f, false);
	if (fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc == 0 && (EVP_Digest(buf, len, out, &dlen, EVP_sha256(), NULL)
			!= 1 || dlen != SRRD_DIGEST_LEN))
		rc = -EIO;
	free(buf);
	return rc;
}

/* The engine keeps partitions by name: srr_lpar_conf has no system yet, so
 * a partition configured under two systems with the same name takes the
 * first one's settings (sorted by system name) in the engine. The system
 * and the pinned destination are in srrd_conf.lpar for the daemon. */
int
srrd_conf_engine(const struct srrd_conf *c, uint32_t nodeid,
		 struct srr_engine_conf *out)
{
	struct srr_lpar_conf *l = NULL;
	size_t i;
	int s;

	memset(out, 0, sizeof(*out));
	if (c->nlpar > 0 && (l = calloc(c->nlpar, sizeof(*l))) == NULL)
		return -ENOMEM;
	for (i = 0; i < c->nlpar; i++) {
		strcpy(l[i].name, c->lpar[i].name);
		l[i].priority = c->lpar[i].priority;
		l[i].excluded = c->lpar[i].excluded;
		l[i].pinned = c->lpar[i].pin >= 0;
		l[i].pin = c->lpar[i].pin;
	}
	out->nodeid = nodeid;
	out->nhmc = c->nhmc;
	out->nsys = c->nsys;
	for (s = 0; s < c->nsys; s++) {
		strcpy(out->sys[s].name, c->sys[s].name);
		out->sys[s].ndest = c->sys[s].ndest;
		memcpy(out->sys[s].dest, c->sys[s].dest, sizeof(c->sys[s].dest));
		out->sys[s].fence = c->sys[s].fence != NULL;
	}
	out->nlpar = c->nlpar;
	out->lpar = l;
	out->poll_ms = c->poll_ms;
	out->confirm_k = c->confirm_k;
	out->confirm_t_ms = c->confirm_t_ms;
	out->confirm_ttl_ms = c->confirm_ttl_ms;
	out->down_mask = c->down_mask;
	out->default_priority = c->default_priority;
	out->tier_timeout_ms = c->tier_timeout_ms;
	out->max_per_source = c->max_per_source;
	out->max_per_dest = c->max_per_dest;
	out->validate_first = c->validate_first;
	out->retry_max = c->retry_max;
	out->backoff_ms = c->backoff_ms;
	out->backoff_max_ms = c->backoff_max_ms;
	return 0;
}
