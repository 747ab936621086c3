/*
 * engine_replay_events.c: the script's events that carry more than a few
 * numbers: polls, inventories, records fed back or from another agent,
 * results naming an earlier action, operator requests, and the read-only
 * views (`show`). Each echoes itself, canonical, before it is fed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_replay.h"

/* ------------------------------------------------------------ polls */

static void
poll_take(struct line *l, struct hmc_said *said)
{
	bool named[SRR_MAX_SYS] = { false };
	int i, s;

	for (i = 1; i < l->ntok; i++) {
		struct tok *t = &l->tok[i];

		if (!t->has_val || strcmp(t->key, "hmc") == 0)
			continue;
		s = sys_need(l, t->key);
		if (named[s])
			fail(l, "poll: %s given twice", t->key);
		named[s] = true;
		t->used = true;
		said->seen[s] = true;
		said->visible[s] = strcmp(t->val, "-") != 0;
		said->st[s] = said->visible[s] ? val_sys_state(l, t->val) :
			      HMC_SYS_UNKNOWN;
	}
}

void
ev_poll(struct line *l)
{
	struct srr_event ev = { .type = SRR_EV_POLL };
	int h = (int)need_int(l, "hmc", 0, rp.conf.nhmc - 1);
	struct hmc_said *said = &rp.said[h];
	struct sb s = { .n = 0 };
	int y;

	poll_take(l, said);
	ev.u.poll.hmc = h;
	ev.u.poll.nsys = rp.conf.nsys;
	sb_add(&s, "poll hmc=%d", h);
	for (y = 0; y < rp.conf.nsys; y++) {
		if (!said->seen[y])
			fail(l, "poll: HMC %d has said nothing of %s yet: name "
			     "it (%s=STATE, or %s=- if not managed)", h,
			     sys_name(y), sys_name(y), sys_name(y));
		ev.u.poll.state[y] = said->st[y];
		ev.u.poll.visible[y] = said->visible[y];
		sb_add(&s, " %s=", sys_name(y));
		sb_q(&s, said->visible[y] ? hmc_sys_state_name(said->st[y]) :
		     "-");
	}
	out_line('<', "%s", s.b);
	feed(&ev);
}

/* ------------------------------------------------------------ inventory */

static const char *
need_in(struct line *l, int from, int to, const char *key, const char *what)
{
	const char *v = opt_in(l, from, to, key);

	if (v == NULL)
		fail(l, "inventory: %s has no %s=", what, key);
	return v;
}

/* One partition: the words from FROM (its lpar=) to TO. */
static void
inv_lpar(struct line *l, int from, int to, struct srr_lpar_obs *o,
	 struct sb *s)
{
	const char *name = l->tok[from].val, *v;
	char pu[32];

	l->tok[from].used = true;
	name_check(l, name);
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->id = (uint32_t)val_int(l, "id", need_in(l, from + 1, to, "id", name),
				  1, UINT32_MAX);
	o->mem_mb = (uint32_t)val_int(l, "mem", need_in(l, from + 1, to,
				      "mem", name), 0, UINT32_MAX);
	o->proc_centi = val_units(l, "proc", need_in(l, from + 1, to, "proc",
						     name));
	v = opt_in(l, from + 1, to, "state");
	o->state = v ? val_lpar_state(l, v) : HMC_LPAR_RUNNING;
	v = opt_in(l, from + 1, to, "srr");
	o->srr_capable = v ? val_bool(l, "srr", v) : true;
	v = opt_in(l, from + 1, to, "vios");
	o->vios = v ? val_bool(l, "vios", v) : false;
	units_str(o->proc_centi, pu, sizeof(pu));
	sb_add(s, " lpar=%s id=%u state=", o->name, o->id);
	sb_q(s, hmc_lpar_state_name(o->state));
	sb_add(s, " mem=%u proc=%s srr=%d vios=%d", o->mem_mb, pu,
	       o->srr_capable, o->vios);
}

static int
next_lpar(const struct line *l, int from)
{
	int i;

	for (i = from; i < l->ntok; i++)
		if (l->tok[i].has_val && strcmp(l->tok[i].key, "lpar") == 0)
			return i;
	return l->ntok;
}

void
ev_inventory(struct line *l)
{
	static struct srr_lpar_obs lp[MAX_INV];
	struct srr_event ev = { .type = SRR_EV_INVENTORY };
	struct srr_ev_inventory *iv = &ev.u.inv;
	struct sb s = { .n = 0 };
	int first = next_lpar(l, 1), i, j;
	const char *v;

	iv->sys = sys_need(l, need_in(l, 1, first, "sys", "the line"));
	v = opt_in(l, 1, first, "hmc");
	iv->hmc = v ? (int)val_int(l, "hmc", v, 0, rp.conf.nhmc - 1) : 0;
	v = opt_in(l, 1, first, "state");
	iv->sys_state = v ? val_sys_state(l, v) : HMC_SYS_OPERATING;
	sb_add(&s, "inventory sys=%s hmc=%d state=", sys_name(iv->sys), iv->hmc);
	sb_q(&s, hmc_sys_state_name(iv->sys_state));
	memset(lp, 0, sizeof(lp));
	for (i = first; i < l->ntok; i = j) {
		j = next_lpar(l, i + 1);
		if (iv->n == MAX_INV)
			fail(l, "inventory: more than %d partitions", MAX_INV);
		inv_lpar(l, i, j, &lp[iv->n++], &s);
	}
	iv->lpars = lp;
	out_line('<', "%s", s.b);
	feed(&ev);
}

/* ------------------------------------------------------------ records */

static void
merge_one(struct named *p, size_t idx)
{
	struct srr_event ev = { .type = SRR_EV_RECORD };
	struct sb s = { .n = 0 };
	char id[64];

	p->pending = false;
	srr_op_id_str(&p->a.rec.id, id, sizeof(id));
	if (srr_record_is_mode(&p->a.rec))
		sb_add(&s, "merge P%zu %s %s", idx + 1, id, p->a.rec.code);
	else
		sb_add(&s, "merge P%zu %s %s", idx + 1, id,
		       srr_op_status_name(p->a.rec.status));
	out_line('<', "%s", s.b);
	ev.u.rec = p->a.rec;
	feed(&ev);
}

/* merge all: the proposals pending when the line is read, in order; the
 * ones they cause wait for the next merge line. */
void
ev_merge(struct line *l)
{
	const char *w = word(l, 1, "merge Pn|next|all");
	size_t i, n = rp.props.n, done = 0;

	if (strcmp(w, "all") != 0 && strcmp(w, "next") != 0) {
		struct named *p = named_ref(l, &rp.props, w);

		merge_one(p, (size_t)(p - rp.props.v));
		return;
	}
	for (i = 0; i < n; i++) {
		if (!rp.props.v[i].pending)
			continue;
		merge_one(&rp.props.v[i], i);
		done++;
		if (strcmp(w, "next") == 0)
			break;
	}
	if (done == 0)	/* a diff, not an error: the engine proposed less */
		out_line('<', "merge %s: nothing pending", w);
}

void
ev_drop(struct line *l)
{
	const char *w = word(l, 1, "drop Pn|all");
	size_t i;

	if (strcmp(w, "all") != 0) {
		struct named *p = named_ref(l, &rp.props, w);

		p->pending = false;
		out_line('<', "drop P%zu", (size_t)(p - rp.props.v) + 1);
		return;
	}
	for (i = 0; i < rp.props.n; i++)
		if (rp.props.v[i].pending) {
			rp.props.v[i].pending = false;
			out_line('<', "drop P%zu", i + 1);
		}
}

static enum srr_op_status
val_status(const struct line *l, const char *s)
{
	int i;

	for (i = 0; i < SRR_OP_STATUS_COUNT; i++)
		if (strcmp(srr_op_status_name((enum srr_op_status)i), s) == 0)
			return (enum srr_op_status)i;
	fail(l, "'%s' is not an operation status", s);
}

static void
set_text(const struct line *l, char *dst, size_t len, const char *v,
	 const char *key)
{
	if (strlen(v) >= len)
		fail(l, "%s: longer than %zu bytes", key, len - 1);
	snprintf(dst, len, "%s", v);
}

/* The fields the line gives; returns how many of id, status, lpar and
 * src it gave (a record made up whole needs the four). */
static int
record_fields(struct line *l, struct srr_record *r)
{
	const char *v;
	int key = 0;

	if ((v = opt(l, "id")) != NULL && srr_op_id_parse(v, &r->id) < 0)
		fail(l, "id: '%s' is not EPOCH.NODE.SEQ", v);
	key += v != NULL;
	if ((v = opt(l, "status")) != NULL)
		r->status = val_status(l, v);
	key += v != NULL;
	if ((v = opt(l, "lpar")) != NULL) {
		name_check(l, v);
		set_text(l, r->lpar, sizeof(r->lpar), v, "lpar");
	}
	key += v != NULL;
	if ((v = opt(l, "src")) != NULL)
		set_text(l, r->src, sizeof(r->src), sys_name(sys_need(l, v)), "src");
	key += v != NULL;
	if ((v = opt(l, "dst")) != NULL)
		set_text(l, r->dst, sizeof(r->dst), strcmp(v, "-") == 0 ? "" :
			 sys_name(sys_need(l, v)), "dst");
	r->lpar_id = (uint32_t)opt_int(l, "lpar-id", 0, UINT32_MAX, r->lpar_id);
	r->priority = (uint32_t)opt_int(l, "priority", 0, UINT32_MAX,
					r->priority);
	r->attempts = (uint32_t)opt_int(l, "attempts", 0, UINT32_MAX,
					r->attempts);
	r->att_epoch = (uint64_t)opt_int(l, "att-epoch", 0, INT64_MAX,
					 (int64_t)r->att_epoch);
	r->cl_attempts = (uint32_t)opt_int(l, "cl-attempts", 0, UINT32_MAX,
					   r->cl_attempts);
	if ((v = opt(l, "code")) != NULL)
		set_text(l, r->code, sizeof(r->code), v, "code");
	if ((v = opt(l, "msg")) != NULL)
		set_text(l, r->msg, sizeof(r->msg), v, "msg");
	r->updated.ms = opt_int(l, "updated", 0, INT64_MAX, WALL_BASE + rp.now);
	return key;
}

/* A record another agent's ledger merged: a proposal's copy changed, or
 * one made up whole. */
void
ev_record(struct line *l)
{
	struct srr_event ev = { .type = SRR_EV_RECORD };
	struct srr_record *r = &ev.u.rec;
	const char *from = opt(l, "from");
	struct sb s = { .n = 0 };

	if (from != NULL)
		*r = named_ref(l, &rp.props, from)->a.rec;
	else
		r->created.ms = WALL_BASE + rp.now;
	if (record_fields(l, r) < 4 && from == NULL)
		fail(l, "record: from=Pn, or id=, status=, lpar= and src=");
	sb_add(&s, "record ");
	sb_rec(&s, r);
	if (from != NULL)
		sb_add(&s, " (from %s)", from);
	out_line('<', "%s", s.b);
	feed(&ev);
}

/* ------------------------------------------------------------ results */

/* tag=last [lpar=L]: the last command (of L); tag=Cn: that one. */
static struct named *
cmd_ref(struct line *l)
{
	const char *tag = need(l, "tag"), *lpar = opt(l, "lpar");
	size_t i;

	if (lpar == NULL)
		return named_ref(l, &rp.cmds, tag);
	if (strcmp(tag, "last") != 0)
		fail(l, "cmd-result: lpar= goes with tag=last only");
	for (i = rp.cmds.n; i-- > 0;)
		if (strcmp(rp.cmds.v[i].a.lpar, lpar) == 0)
			return &rp.cmds.v[i];
	fail(l, "cmd-result: no command for %s yet", lpar);
}

static void
sb_opt_text(struct sb *s, const char *key, const char *v)
{
	if (v[0] == '\0')
		return;
	sb_add(s, " %s=", key);
	sb_q(s, v);
}

void
ev_cmd_result(struct line *l)
{
	struct srr_event ev = { .type = SRR_EV_CMD_RESULT };
	struct srr_ev_cmd_result *r = &ev.u.res;
	struct named *c = cmd_ref(l);
	const char *ex = opt(l, "exit"), *v;
	bool ok = flag(l, "ok");
	struct sb s = { .n = 0 };

	if (ok == (ex != NULL))
		fail(l, "cmd-result: one of ok, exit=N");
	r->op = c->a.op;
	r->tag = c->a.tag;
	r->cmd = c->a.cmd;
	r->attempt = c->a.attempt;
	r->exit_status = ok ? 0 : (int)val_int(l, "exit", ex, -1, 255);
	r->not_sent = flag(l, "not-sent");
	if ((v = opt(l, "code")) != NULL)
		set_text(l, r->code, sizeof(r->code), v, "code");
	if ((v = opt(l, "msg")) != NULL)
		set_text(l, r->msg, sizeof(r->msg), v, "msg");
	sb_add(&s, "cmd-result tag=C%zu %s lpar=%s attempt=%u exit=%d",
	       (size_t)(c - rp.cmds.v) + 1, hmc_rr_op_name(r->cmd), c->a.lpar,
	       r->attempt, r->exit_status);
	sb_opt_text(&s, "code", r->code);
	sb_opt_text(&s, "msg", r->msg);
	if (r->not_sent)
		sb_add(&s, " not-sent");
	out_line('<', "%s", s.b);
	feed(&ev);
}

static void
query_where(struct line *l, struct srr_ev_query_result *q, struct sb *s)
{
	const char *src = need(l, "src"), *on = need(l, "on"), *st;

	q->src_present = strcmp(src, "gone") != 0;
	q->src_rrs = q->src_present ? val_rrs(l, src) : HMC_RRS_UNKNOWN;
	q->found_on = strcmp(on, "none") == 0 ? -1 : sys_need(l, on);
	st = opt(l, "state");
	q->dst_state = st ? val_lpar_state(l, st) : q->found_on >= 0 ?
		       HMC_LPAR_RUNNING : HMC_LPAR_UNKNOWN;
	sb_add(s, " src=");
	sb_q(s, q->src_present ? hmc_rr_status_name(q->src_rrs) : "gone");
	sb_add(s, " on=%s", q->found_on >= 0 ? sys_name(q->found_on) : "none");
	if (q->found_on >= 0) {
		sb_add(s, " state=");
		sb_q(s, hmc_lpar_state_name(q->dst_state));
	}
}

void
ev_query_result(struct line *l)
{
	struct srr_event ev = { .type = SRR_EV_QUERY_RESULT };
	struct srr_ev_query_result *q = &ev.u.query;
	struct named *qa = named_ref(l, &rp.queries, need(l, "tag"));
	struct sb s = { .n = 0 };

	q->op = qa->a.op;
	q->tag = qa->a.tag;
	q->ok = !flag(l, "failed");
	sb_add(&s, "query-result tag=Q%zu lpar=%s",
	       (size_t)(qa - rp.queries.v) + 1, qa->a.lpar);
	if (q->ok) {
		query_where(l, q, &s);
	} else {
		q->found_on = -1;
		sb_add(&s, " failed");
	}
	out_line('<', "%s", s.b);
	feed(&ev);
}

void
ev_fence_result(struct line *l)
{
	struct srr_event ev = { .type = SRR_EV_FENCE_RESULT };
	struct named *f = named_ref(l, &rp.fences, need(l, "tag"));
	bool ok = flag(l, "ok"), failed = flag(l, "failed");

	if (ok == failed)
		fail(l, "fence-result: ok or failed");
	ev.u.fence.sys = f->a.src;
	ev.u.fence.tag = f->a.tag;
	ev.u.fence.success = ok;
	out_line('<', "fence-result tag=F%zu sys=%s %s",
		 (size_t)(f - rp.fences.v) + 1, sys_name(f->a.src),
		 ok ? "ok" : "failed");
	feed(&ev);
}

/* ------------------------------------------------------------ operator */

static const char *const oprs[] = {
	[SRR_OPR_CONFIRM] = "confirm", [SRR_OPR_PAUSE] = "pause",
	[SRR_OPR_RESUME] = "resume", [SRR_OPR_REPLAY] = "replay",
	[SRR_OPR_ABANDON] = "abandon", [SRR_OPR_RESTART] = "restart",
};

static enum srr_operator_req
opr_req(struct line *l)
{
	const char *w = word(l, 1, "operator confirm|pause|resume|replay|"
			     "abandon|restart ...");
	size_t i;

	for (i = 0; i < sizeof(oprs) / sizeof(oprs[0]); i++)
		if (strcmp(oprs[i], w) == 0)
			return (enum srr_operator_req)i;
	fail(l, "operator: unknown request '%s'", w);
}

static void
opr_target(struct line *l, struct srr_ev_operator *o, struct sb *s)
{
	const char *v;

	if (o->req == SRR_OPR_CONFIRM || o->req == SRR_OPR_RESTART) {
		o->sys = sys_need(l, need(l, "sys"));
		sb_add(s, " sys=%s", sys_name(o->sys));
	}
	if (o->req == SRR_OPR_RESTART) {
		v = need(l, "lpar");
		name_check(l, v);
		set_text(l, o->lpar, sizeof(o->lpar), v, "lpar");
		sb_add(s, " lpar=%s", o->lpar);
	}
	if (o->req == SRR_OPR_ABANDON) {
		char id[64];

		v = need(l, "op");
		if (srr_op_id_parse(v, &o->op) < 0)
			fail(l, "op: '%s' is not EPOCH.NODE.SEQ", v);
		srr_op_id_str(&o->op, id, sizeof(id));
		sb_add(s, " op=%s", id);
	}
}

void
ev_operator(struct line *l)
{
	struct srr_event ev = { .type = SRR_EV_OPERATOR };
	struct srr_ev_operator *o = &ev.u.opr;
	struct sb s = { .n = 0 };
	const char *v;

	o->req = opr_req(l);
	sb_add(&s, "operator %s", oprs[o->req]);
	opr_target(l, o, &s);
	if ((v = opt(l, "user")) != NULL)
		set_text(l, o->user, sizeof(o->user), v, "user");
	if ((v = opt(l, "reason")) != NULL)
		set_text(l, o->reason, sizeof(o->reason), v, "reason");
	sb_opt_text(&s, "user", o->user);
	sb_opt_text(&s, "reason", o->reason);
	out_line('<', "%s", s.b);
	feed(&ev);
}

/* ------------------------------------------------------------ views */

static const char *
yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void
show_sys(struct line *l)
{
	struct srr_engine_sys_view v;
	int y = sys_need(l, opt_in(l, 1, l->ntok, "sys"));

	srr_engine_view_sys(rp.e, y, &v);
	out_line('=', "sys %s down-polls=%d down-span=%lld confirmed-down=%s "
		 "by=%s", sys_name(y), v.down_polls, (long long)v.down_span_ms,
		 yes_no(v.confirmed_down), v.confirmed_by[0] ? v.confirmed_by : "-");
}

static void
show_lpar(struct line *l)
{
	struct srr_engine_lpar_view v;
	const char *sys = opt_in(l, 1, l->ntok, "sys");
	const char *lpar = opt_in(l, 1, l->ntok, "lpar");
	struct sb s = { .n = 0 };
	int y;
	int rc;

	if (sys == NULL)
		fail(l, "show lpar=L needs sys=S");
	y = sys_need(l, sys);
	name_check(l, lpar);
	rc = srr_engine_view_lpar(rp.e, y, lpar, &v);
	sb_add(&s, "lpar %s/%s ", sys_name(y), lpar);
	if (rc < 0)
		sb_add(&s, "(-%s) ", errno_name(-rc));
	sb_add(&s, "protect=%s ready=%s dest=%s why=", yes_no(v.protect),
	       yes_no(v.ready), sys_name(v.dest));
	sb_q(&s, v.why);
	out_line('=', "%s", s.b);
}

static void
show_pause(void)
{
	struct srr_engine_pause v;
	struct sb s = { .n = 0 };

	srr_engine_view_pause(rp.e, &v);
	sb_add(&s, "pause paused=%s stall-left=%lld", yes_no(v.paused),
	       (long long)v.stall_left_ms);
	if (v.have_mode) {
		sb_add(&s, " mode=");
		sb_rec(&s, &v.mode);
	}
	out_line('=', "%s", s.b);
}

/* show sys=S | show lpar=L sys=S | show leader | show pause */
void
ev_show(struct line *l)
{
	const char *w;

	if (opt(l, "lpar") != NULL) {
		show_lpar(l);
		return;
	}
	if (opt(l, "sys") != NULL) {
		show_sys(l);
		return;
	}
	w = word(l, 1, "show sys=S | lpar=L sys=S | leader | pause");
	if (strcmp(w, "leader") == 0)
		out_line('=', "leader acting=%s",
			 yes_no(srr_engine_is_acting_leader(rp.e)));
	else if (strcmp(w, "pause") == 0)
		show_pause();
	else
		fail(l, "show: sys=S, lpar=L sys=S, leader or pause");
}
