/*
 * dsim.c: agents, the cluster oracle, the network, chaos, the end-of-run
 * checks and the schedule loop. See dsim.h.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsim.h"

uint32_t
sim_rand(struct sim *s, uint32_t n)
{
	/* xorshift64*: small, fast, the same everywhere */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return n ? (uint32_t)((s->rng * 2685821657736338717ull) >> 33) % n : 0;
}

bool
sim_chance(struct sim *s, int pct)
{
	return (int)sim_rand(s, 100) < pct;
}

void
sim_violation(struct sim *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->violation[0])
		return;		/* keep the first */
	n = snprintf(s->violation, sizeof(s->violation), "t=%lld ms: ",
		     (long long)s->now);
	va_start(ap, fmt);
	vsnprintf(s->violation + n, sizeof(s->violation) - (size_t)n, fmt, ap);
	va_end(ap);
}

void
sim_log(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->verbose)
		return;
	printf("# %8lld ", (long long)s->now);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ------------------------------------------------------------ the queue */

void
sim_push(struct sim *s, struct qev *e)
{
	size_t i;

	if (s->nq == s->capq) {
		s->capq = s->capq ? s->capq * 2 : 256;
		s->q = realloc(s->q, s->capq * sizeof(*s->q));
		if (s->q == NULL)
			abort();
	}
	e->seq = s->qseq++;
	i = s->nq++;
	while (i > 0) {		/* binary heap on (t, seq) */
		size_t p = (i - 1) / 2;

		if (s->q[p].t < e->t || (s->q[p].t == e->t && s->q[p].seq < e->seq))
			break;
		s->q[i] = s->q[p];
		i = p;
	}
	s->q[i] = *e;
}

static bool
before(const struct qev *a, const struct qev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

struct qev
dsim_pop(struct sim *s)
{
	struct qev top = s->q[0], last = s->q[--s->nq];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= s->nq)
			break;
		if (c + 1 < s->nq && before(&s->q[c + 1], &s->q[c]))
			c++;
		if (!before(&s->q[c], &last))
			break;
		s->q[i] = s->q[c];
		i = c;
	}
	if (s->nq > 0)
		s->q[i] = last;
	return top;
}

/* ---------------------------------------------------- agents and network */

static bool side_behind(const struct sim *s, int label, int members);

static void
replicate(struct sim *s, int ai, const struct srr_action *act)
{
	const struct srr_record *r = &act->rec;
	struct qev e = { .type = Q_DELIVER, .agent = ai };
	int i;

	if (srr_records_encode(&r, 1, &e.buf, &e.len) < 0)
		abort();
	e.t = s->now + 5 + sim_rand(s, 200);
	e.epoch = s->epoch;
	if (!s->calm && sim_chance(s, 10))
		e.t += 1000 + sim_rand(s, 4000);	/* late: crosses epochs */
	for (i = 0; i < s->na; i++)
		if (s->a[i].up && s->a[i].label == s->a[ai].label) {
			e.members |= 1 << i;
			e.incs[i] = s->a[i].inc;
		}
	e.label = s->a[ai].label;
	sim_push(s, &e);
}

static void
do_actions(struct sim *s, int ai, const struct srr_action *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (v[i].type) {
		case SRR_ACT_REPLICATE:
			sim_log(s, "agent %d: %s %s -> %s a%u (%s)", ai + 1,
				v[i].rec.lpar, v[i].rec.dst,
				srr_op_status_name(v[i].rec.status),
				v[i].rec.attempts, v[i].text);
			replicate(s, ai, &v[i]);
			break;
		case SRR_ACT_COMMAND:
			hmcm_command(s, ai, &v[i]);
			break;
		case SRR_ACT_QUERY:
			sim_log(s, "agent %d: query %s", ai + 1, v[i].lpar);
			hmcm_query(s, ai, &v[i]);
			break;
		case SRR_ACT_FENCE:
			hmcm_fence(s, ai, &v[i]);
			break;
		case SRR_ACT_ALERT:
			s->alerts++;
			sim_log(s, "agent %d alert: %s", ai + 1, v[i].text);
			break;
		}
	}
}

void
sim_event(struct sim *s, int ai, const struct srr_event *ev)
{
	const struct srr_action *v;
	struct srr_action *copy;
	size_t n;

	struct srr_event stamped = *ev;

	stamped.at.ms = s->now;
	ev = &stamped;
	if (srr_engine_event(s->a[ai].eng, ev) < 0) {
		sim_violation(s, "agent %d refused a well-formed event %d",
			      ai + 1, ev->type);
		return;
	}
	s->steps++;
	v = srr_engine_actions(s->a[ai].eng, &n);
	if (n == 0)
		return;
	/* Actions may feed events back into this engine: copy them first. */
	copy = malloc(n * sizeof(*copy));
	memcpy(copy, v, n * sizeof(*copy));
	do_actions(s, ai, copy, n);
	free(copy);
}

/* The ledger tells its engine about every record it merged. */
struct changed {
	struct srr_record *v;
	size_t n;
};

static void
on_change(void *arg, const struct srr_record *r)
{
	struct changed *c = arg;

	c->v = realloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = *r;
}

static void
feed_changes(struct sim *s, int ai, struct changed *c)
{
	struct srr_event ev = { .type = SRR_EV_RECORD };
	size_t i;

	for (i = 0; i < c->n && s->a[ai].up; i++) {
		ev.u.rec = c->v[i];
		sim_event(s, ai, &ev);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static void
merge_into(struct sim *s, int ai, const uint8_t *buf, size_t len)
{
	struct changed c = { 0 };

	srr_ledger_on_change(s->a[ai].led, on_change, &c);
	if (srr_ledger_merge(s->a[ai].led, buf, len) < 0)
		sim_violation(s, "agent %d could not merge a record", ai + 1);
	srr_ledger_on_change(s->a[ai].led, NULL, NULL);
	feed_changes(s, ai, &c);
}

void
dsim_deliver(struct sim *s, struct qev *e)
{
	int i;

	if (side_behind(s, e->label, e->members)) {
		e->t = s->now + 20;
		sim_push(s, e);
		return;
	}
	/* Not delivered before its epoch ended: the cluster layer drops it
	 * (for every member) half the time; the sync of the next epoch
	 * carries only what some ledger merged. */
	if (e->epoch != s->epoch && sim_chance(s, 50)) {
		s->dropped++;
		sim_log(s, "record of epoch %llu dropped at the epoch's end",
			(unsigned long long)e->epoch);
		free(e->buf);
		return;
	}
	/* The members it was sent to, and, as corosync's virtual synchrony
	 * promises, whoever joined their configuration since: a record late
	 * enough to cross an epoch reaches the new members too (the cluster
	 * layer must not deliver it to a part of a configuration only). */
	/* The sides are those the members are on now (a heal since the send
	 * moved them): delivering to the old side's label only gave a late
	 * record to its sender alone, after the new epoch's sync, and no
	 * later sync came to spread it (seed 648875545602: a cleaned debt
	 * left "cleaning" on two agents for good). */
	uint64_t sides = 1ull << (e->label & 63);

	for (i = 0; i < s->na; i++)
		if (s->a[i].up && (e->members & (1 << i)) &&
		    s->a[i].inc == e->incs[i])
			sides |= 1ull << (s->a[i].label & 63);
	for (i = 0; i < s->na; i++)
		if (s->a[i].up && (((e->members & (1 << i)) &&
		     s->a[i].inc == e->incs[i]) ||
		     (sides & (1ull << (s->a[i].label & 63)))))
			merge_into(s, i, e->buf, e->len);
	free(e->buf);
}

/* Agent I's view: the members of its side, their leader (the lowest
 * nodeid, or the next one once the leader moved inside the epoch) and
 * quorum (a majority, unless the quorum device's vote was lost). */
static struct srr_ev_membership
view_of(struct sim *s, int i)
{
	struct srr_ev_membership m = { .epoch = s->epoch, .config_agree = true };
	uint32_t low = UINT32_MAX, next = UINT32_MAX;
	int j;

	for (j = 0; j < s->na; j++) {
		uint32_t n = s->a[j].nodeid;

		if (!s->a[j].up || s->a[j].label != s->a[i].label)
			continue;
		m.members++;
		if (n < low) {
			next = low;
			low = n;
		} else if (n < next) {
			next = n;
		}
	}
	m.leader = s->skip_lowest && next != UINT32_MAX ? next : low;
	m.quorate = m.members > s->na / 2 && !s->qdev_lost;
	return m;
}

static void
send_view(struct sim *s, int i)
{
	struct agent *a = &s->a[i];
	struct srr_event ev = { .type = SRR_EV_MEMBERSHIP };

	ev.u.mem = view_of(s, i);
	a->epoch = ev.u.mem.epoch;
	a->leader = ev.u.mem.leader == a->nodeid;
	a->quorate = ev.u.mem.quorate;
	sim_event(s, i, &ev);
}

/* A new epoch for every component: corosync's configuration change. */
void
dsim_membership(struct sim *s)
{
	int i, j;

	s->epoch++;
	for (i = 0; i < s->na; i++) {
		struct qev v = { .type = Q_VIEW, .agent = i, .inc = s->a[i].inc,
				 .epoch = s->epoch };

		if (!s->a[i].up)
			continue;
		/* Each agent learns of the change when corosync tells it: in
		 * the chaos, some up to 300 ms later than others. */
		if (s->calm || sim_chance(s, 70)) {
			send_view(s, i);
			continue;
		}
		v.t = s->now + 1 + sim_rand(s, 300);
		sim_push(s, &v);
	}
	for (i = 0; i < s->na; i++) {
		struct qev e = { .type = Q_SYNC, .label = s->a[i].label,
				 .epoch = s->epoch };

		for (j = 0; j < i; j++)
			if (s->a[j].up && s->a[j].label == s->a[i].label)
				break;
		if (!s->a[i].up || j < i)
			continue;	/* one sync per component */
		e.t = s->now + 10 + sim_rand(s, 300);
		sim_push(s, &e);
	}
}

/* Agent E->agent learns of epoch E->epoch, unless a newer one came. */
void
dsim_view_learned(struct sim *s, struct qev *e)
{
	if (s->a[e->agent].up && s->a[e->agent].inc == e->inc &&
	    e->epoch == s->epoch)
		send_view(s, e->agent);
}

bool
dsim_learned(const struct sim *s, int ai)
{
	return s->a[ai].epoch == s->epoch;
}

/* Some member of side LABEL (or of MEMBERS) has not learned the current
 * configuration yet: corosync delivers it nothing of the new one before
 * (a record or a sync is held until it has). */
static bool
side_behind(const struct sim *s, int label, int members)
{
	int i;

	for (i = 0; i < s->na; i++)
		if (s->a[i].up && (s->a[i].label == label ||
				   (members & (1 << i))) && !dsim_learned(s, i))
			return true;
	return false;
}

/* Quorum or leader changes inside the epoch (a quorum device's vote lost
 * or back, a silent leader excluded): the same epoch, a new view, no
 * new sync. */
void
dsim_view_change(struct sim *s)
{
	int i;

	if (sim_chance(s, 50))
		s->qdev_lost = !s->qdev_lost;
	else
		s->skip_lowest = !s->skip_lowest;
	sim_log(s, "inside epoch %llu: quorum device %s, leader %s",
		(unsigned long long)s->epoch, s->qdev_lost ? "lost" : "there",
		s->skip_lowest ? "moved" : "lowest");
	for (i = 0; i < s->na; i++)
		if (s->a[i].up)
			send_view(s, i);
}

/* Did the operator abandon L's debt (some agent's ledger says so)? */
bool
sim_lp_abandoned(struct sim *s, const struct tlpar *l)
{
	size_t k;
	int i;

	for (i = 0; i < s->na; i++) {
		if (s->a[i].led == NULL)
			continue;
		for (k = 0; k < srr_ledger_count(s->a[i].led); k++) {
			const struct srr_record *r = srr_ledger_at(s->a[i].led, k);

			if (r->status == SRR_OP_ABANDONED &&
			    !strcmp(r->lpar, l->name) &&
			    !strcmp(r->src, s->conf.sys[l->src].name))
				return true;
		}
	}
	return false;
}

/* Every member of side LABEL sends its digest; each gets the others'
 * deltas. */
static void
exchange(struct sim *s, int label)
{
	uint8_t *dig, *delta;
	size_t dl, xl;
	int i, j;

	for (i = 0; i < s->na; i++)
		for (j = 0; j < s->na; j++) {
			if (i == j || !s->a[i].up || !s->a[j].up ||
			    s->a[i].label != label || s->a[j].label != label)
				continue;
			if (srr_ledger_digest(s->a[j].led, &dig, &dl) < 0 ||
			    srr_ledger_delta(s->a[i].led, dig, dl, &delta, &xl) < 0)
				abort();
			merge_into(s, j, delta, xl);
			free(dig);
			free(delta);
		}
}

/* Every member sends its digest; each gets the others' deltas. */
void
dsim_sync(struct sim *s, struct qev *e)
{
	int i;

	if (e->epoch == s->epoch && side_behind(s, e->label, 0)) {
		e->t = s->now + 20;
		sim_push(s, e);
		return;
	}
	if (e->epoch != s->epoch) {
		/* A newer configuration came first. Half the time its deltas
		 * still merge, late (a merge is a union: harmless), and its
		 * SYNCED still reaches members: it must count for nothing. */
		if (sim_chance(s, 50))
			exchange(s, e->label);
		for (i = 0; i < s->na; i++) {
			struct srr_event ev = { .type = SRR_EV_SYNCED };

			if (!s->a[i].up || s->a[i].label != e->label ||
			    !sim_chance(s, 50))
				continue;
			ev.u.synced_epoch = e->epoch;
			sim_event(s, i, &ev);
		}
		return;
	}
	sim_log(s, "sync of epoch %llu, side %d", (unsigned long long)e->epoch,
		e->label);
	exchange(s, e->label);
	for (i = 0; i < s->na; i++) {
		struct srr_event ev = { .type = SRR_EV_SYNCED };

		if (!s->a[i].up || s->a[i].label != e->label)
			continue;
		s->a[i].synced = e->epoch;
		ev.u.synced_epoch = e->epoch;
		sim_event(s, i, &ev);
	}
}
