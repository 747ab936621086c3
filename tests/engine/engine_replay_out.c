/*
 * engine_replay_out.c: the transcript. One line per event and per action,
 * canonical: names instead of the engine's tags, no pointers, no host
 * dependent text, every free text quoted the same way.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_replay.h"

void
sb_add(struct sb *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->n >= sizeof(s->b) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->b + s->n, sizeof(s->b) - s->n, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	s->n += (size_t)n;
	if (s->n > sizeof(s->b) - 1)
		s->n = sizeof(s->b) - 1;
}

static bool
plain(const char *str)
{
	const char *p;

	if (*str == '\0')
		return false;
	for (p = str; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_.,:/+@-", *p)))
			return false;
	return true;
}

/* A word as is, or "quoted" with \" \\ and \xNN for other bytes. */
void
sb_q(struct sb *s, const char *str)
{
	const unsigned char *p;

	if (plain(str)) {
		sb_add(s, "%s", str);
		return;
	}
	sb_add(s, "\"");
	for (p = (const unsigned char *)str; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			sb_add(s, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			sb_add(s, "\\x%02x", *p);
		else
			sb_add(s, "%c", *p);
	}
	sb_add(s, "\"");
}

const char *
sys_name(int s)
{
	return s >= 0 && s < rp.conf.nsys ? rp.conf.sys[s].name : "-";
}

static void
sb_id(struct sb *s, const struct srr_op_id *id)
{
	char b[64];

	srr_op_id_str(id, b, sizeof(b));
	sb_add(s, "%s", b);
}

/* A mode or audit record (ledger.h): the operator's word, no partition. */
static void
sb_mode(struct sb *s, const struct srr_record *r)
{
	bool mode = strcmp(r->code, SRR_MODE_PAUSE) == 0 ||
		    strcmp(r->code, SRR_MODE_RESUME) == 0;

	sb_id(s, &r->id);
	sb_add(s, " %s ", mode ? "mode" : "audit");
	sb_q(s, r->code);
	if (mode)
		sb_add(s, " version=%u", r->attempts);
	sb_add(s, " user=");
	sb_q(s, r->dst);
	sb_add(s, " msg=");
	sb_q(s, r->msg);
}

/* Every field but the wall times (created, updated: noise here). */
void
sb_rec(struct sb *s, const struct srr_record *r)
{
	if (srr_record_is_mode(r)) {
		sb_mode(s, r);
		return;
	}
	sb_id(s, &r->id);
	sb_add(s, " %s lpar=", srr_op_status_name(r->status));
	sb_q(s, r->lpar);
	sb_add(s, " id=%u src=", r->lpar_id);
	sb_q(s, r->src);
	sb_add(s, " dst=");
	sb_q(s, r->dst[0] ? r->dst : "-");
	sb_add(s, " priority=%u attempts=%u att-epoch=%llu cl-attempts=%u code=",
	       r->priority, r->attempts, (unsigned long long)r->att_epoch,
	       r->cl_attempts);
	sb_q(s, r->code);
	sb_add(s, " msg=");
	sb_q(s, r->msg);
}

void
out_line(char mark, const char *fmt, ...)
{
	char b[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	printf("%8lld %c %s\n", (long long)rp.now, mark, b);
}

static struct named *
named_push(struct nlist *nl, const struct srr_action *a)
{
	if (nl->n == nl->cap) {
		size_t cap = nl->cap ? nl->cap * 2 : 16;
		struct named *v = realloc(nl->v, cap * sizeof(*v));

		if (v == NULL) {
			fprintf(stderr, "engine_replay: out of memory\n");
			exit(1);
		}
		nl->v = v;
		nl->cap = cap;
	}
	nl->v[nl->n].a = *a;
	nl->v[nl->n].pending = a->type == SRR_ACT_REPLICATE;
	return &nl->v[nl->n++];
}

/* Tags are the engine's business: unique per engine (engine.h). Two
 * actions with one tag would make results ambiguous: said, not hidden. */
static void
sb_same_tag(struct sb *s, const struct srr_action *a)
{
	struct nlist *lists[] = { &rp.cmds, &rp.queries, &rp.fences };
	size_t i, k;

	for (k = 0; k < 3; k++)
		for (i = 0; i < lists[k]->n; i++)
			if (lists[k]->v[i].a.tag == a->tag) {
				sb_add(s, " SAME-TAG-AS=%c%zu",
				       lists[k]->prefix, i + 1);
				return;
			}
}

static void
sb_target(struct sb *s, const struct srr_action *a)
{
	sb_id(s, &a->op);
	sb_add(s, " lpar=");
	sb_q(s, a->lpar);
	sb_add(s, " id=%u src=%s dst=%s", a->lpar_id, sys_name(a->src),
	       sys_name(a->dst));
}

static const char *const alert_names[] = {
	[SRR_ALERT_REFUSED] = "refused", [SRR_ALERT_NO_ROOM] = "no-room",
	[SRR_ALERT_HOLD] = "hold", [SRR_ALERT_RETRIES] = "retries",
	[SRR_ALERT_FAILED] = "failed", [SRR_ALERT_DONE] = "done",
	[SRR_ALERT_OPERATOR] = "operator", [SRR_ALERT_STALL] = "stall",
	[SRR_ALERT_DOWN] = "down",
};

static void
sb_action(struct sb *s, const struct srr_action *a)
{
	switch (a->type) {
	case SRR_ACT_REPLICATE:
		sb_add(s, "replicate P%zu ", rp.props.n + 1);
		sb_rec(s, &a->rec);
		sb_add(s, " why=");
		sb_q(s, a->text);
		break;
	case SRR_ACT_COMMAND:
		sb_add(s, "command C%zu %s ", rp.cmds.n + 1,
		       hmc_rr_op_name(a->cmd));
		sb_target(s, a);
		sb_add(s, " attempt=%u", a->attempt);
		break;
	case SRR_ACT_QUERY:
		sb_add(s, "query Q%zu ", rp.queries.n + 1);
		sb_target(s, a);
		break;
	case SRR_ACT_FENCE:
		sb_add(s, "fence F%zu sys=%s", rp.fences.n + 1, sys_name(a->src));
		break;
	case SRR_ACT_ALERT:
		sb_add(s, "alert %s ", (unsigned)a->alert <
		       sizeof(alert_names) / sizeof(alert_names[0]) &&
		       alert_names[a->alert] ? alert_names[a->alert] : "?");
		sb_q(s, a->text);
		break;
	default:
		sb_add(s, "UNKNOWN ACTION %d", (int)a->type);
		break;
	}
	if (a->type == SRR_ACT_COMMAND || a->type == SRR_ACT_QUERY ||
	    a->type == SRR_ACT_FENCE)
		sb_same_tag(s, a);
}

void
out_action(const struct srr_action *a)
{
	struct sb s = { .n = 0 };

	sb_action(&s, a);
	out_line('>', "%s", s.b);
	if (a->type == SRR_ACT_REPLICATE)
		named_push(&rp.props, a);
	else if (a->type == SRR_ACT_COMMAND)
		named_push(&rp.cmds, a);
	else if (a->type == SRR_ACT_QUERY)
		named_push(&rp.queries, a);
	else if (a->type == SRR_ACT_FENCE)
		named_push(&rp.fences, a);
}

/* "last" or the driver's name of an earlier action (P3, C1, Q2, F1). */
struct named *
named_ref(const struct line *l, struct nlist *nl, const char *ref)
{
	int64_t i;

	if (nl->n == 0)
		fail(l, "'%s': the engine has emitted no %c action yet", ref,
		     nl->prefix);
	if (strcmp(ref, "last") == 0)
		return &nl->v[nl->n - 1];
	if (ref[0] != nl->prefix)
		fail(l, "'%s': %cN or last expected", ref, nl->prefix);
	i = val_int(l, "name", ref + 1, 1, INT32_MAX);
	if ((size_t)i > nl->n)
		fail(l, "%s: the engine has emitted %c1..%c%zu only", ref,
		     nl->prefix, nl->prefix, nl->n);
	return &nl->v[i - 1];
}
