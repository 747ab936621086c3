/*
 * engine_fixture.c: the engine tests' harness, event builders and action
 * finders (see engine_fixture.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/engine.h"
#include "engine_fixture.h"

/* ------------------------------------------------------ the harness */

static void
loopback(struct h *h, const struct srr_action *a)
{
	struct srr_event ev = { .type = SRR_EV_RECORD };

	if (h->hold) {
		h->held[h->nheld++] = a->rec;
		return;
	}
	ev.u.rec = a->rec;
	feed(h, &ev);
}

void
feed(struct h *h, struct srr_event *ev)
{
	struct srr_action copy[64];
	size_t n, i;
	const struct srr_action *v;

	ev->at.ms = h->now;
	assert_int_equal(srr_engine_event(h->e, ev), 0);
	v = srr_engine_actions(h->e, &n);
	assert_true(n <= 64);
	if (n > 0)
		memcpy(copy, v, n * sizeof(*v));
	for (i = 0; i < n; i++) {
		assert_true(h->nacts < 256);
		h->acts[h->nacts++] = copy[i];
	}
	for (i = 0; i < n; i++)
		if (copy[i].type == SRR_ACT_REPLICATE)
			loopback(h, &copy[i]);
}

void
conf_init(struct srr_engine_conf *c, const struct srr_lpar_conf *lc, size_t n)
{
	memset(c, 0, sizeof(*c));
	c->nodeid = 1;
	c->nhmc = 1;
	c->nsys = NSYS;
	strcpy(c->sys[SRC].name, "SRC");
	strcpy(c->sys[D1].name, "D1");
	strcpy(c->sys[D2].name, "D2");
	c->sys[SRC].ndest = 2;
	c->sys[SRC].dest[0] = D1;
	c->sys[SRC].dest[1] = D2;
	c->poll_ms = 1000;
	c->confirm_k = 3;
	c->confirm_t_ms = 2000;
	c->retry_max = 2;
	c->backoff_ms = 1000;
	c->lpar = lc;
	c->nlpar = n;
}

struct h *
setup_h(const struct srr_lpar_conf *lc, size_t n, bool validate)
{
	struct h *h = calloc(1, sizeof(*h));
	struct srr_engine_conf c;

	conf_init(&c, lc, n);
	c.validate_first = validate;
	assert_int_equal(srr_engine_new(&c, &h->e), 0);
	h->st[SRC] = h->st[D1] = h->st[D2] = HMC_SYS_OPERATING;
	return h;
}

void
free_h(struct h *h)
{
	/* No test drives the engine outside its rules (a refused status
	 * transition or phase move is a bug, logged LOG_CRIT). */
	assert_int_equal(srr_engine_broken_rules(h->e), 0);
	srr_engine_free(h->e);
	free(h);
}

static void
reconf(struct h *h, const struct srr_engine_conf *c)
{
	srr_engine_free(h->e);
	assert_int_equal(srr_engine_new(c, &h->e), 0);
}

/* A healthy estate, one partition, leader of a quorate synced epoch. */
struct h *
estate(bool validate)
{
	struct h *h = setup_h(NULL, 0, validate);

	lpar(h, "db1", 500, HMC_LPAR_RUNNING);
	member(h, 1, 1, true);
	poll_round(h);
	poll_round(h);
	return h;
}

/* estate() with a configuration of the test's own. */
struct h *
estate_conf(const struct srr_engine_conf *c)
{
	struct h *h = setup_h(NULL, 0, false);

	reconf(h, c);
	lpar(h, "db1", 500, HMC_LPAR_RUNNING);
	member(h, 1, 1, true);
	poll_round(h);
	return h;
}

/* ----------------------------------------------------------- events */

void
lpar(struct h *h, const char *name, uint32_t mem, enum hmc_lpar_state st)
{
	struct srr_lpar_obs *l = &h->inv[h->ninv++];

	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->id = (uint32_t)h->ninv;
	l->state = st;
	l->srr_capable = true;
	l->mem_mb = mem;
	l->proc_centi = 50;
}

void
member(struct h *h, uint64_t epoch, uint32_t leader, bool quorate)
{
	struct srr_event ev = { .type = SRR_EV_MEMBERSHIP };

	ev.u.mem = (struct srr_ev_membership){ epoch, leader, quorate, true, 3 };
	feed(h, &ev);
	ev.type = SRR_EV_SYNCED;
	ev.u.synced_epoch = epoch;
	feed(h, &ev);
}

void
tick(struct h *h)
{
	struct srr_event ev = { .type = SRR_EV_TICK };

	h->now += 1000;
	ev.u.tick.mono.ms = h->now;
	ev.u.tick.wall.ms = 1700000000000 + h->now;
	feed(h, &ev);
}

/* One poll interval: tick, states, inventory (if Operating), capacity. */
void
poll_round(struct h *h)
{
	struct srr_event ev;
	int y;

	tick(h);
	memset(&ev, 0, sizeof(ev));
	ev.type = SRR_EV_POLL;
	ev.u.poll.nsys = NSYS;
	for (y = 0; y < NSYS; y++) {
		ev.u.poll.state[y] = h->st[y];
		ev.u.poll.visible[y] = true;
	}
	feed(h, &ev);
	memset(&ev, 0, sizeof(ev));
	ev.type = SRR_EV_INVENTORY;
	ev.u.inv.sys = SRC;
	ev.u.inv.sys_state = h->st[SRC];
	ev.u.inv.n = h->ninv;
	ev.u.inv.lpars = h->inv;
	feed(h, &ev);
	for (y = D1; y <= D2; y++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = SRR_EV_CAPACITY;
		ev.u.cap.sys = y;
		ev.u.cap.free_mem_mb = y == D1 ? 1000 : 2000;
		ev.u.cap.free_proc_centi = 400;
		feed(h, &ev);
	}
}

void
poll_hmc(struct h *h, int hmc, enum hmc_sys_state st)
{
	struct srr_event ev = { .type = SRR_EV_POLL };
	int y;

	ev.u.poll.hmc = hmc;
	ev.u.poll.nsys = NSYS;
	for (y = 0; y < NSYS; y++) {
		ev.u.poll.state[y] = y == SRC ? st : HMC_SYS_OPERATING;
		ev.u.poll.visible[y] = true;
	}
	feed(h, &ev);
}

void
result(struct h *h, const struct srr_action *a, int exit_status,
       const char *code)
{
	struct srr_event ev = { .type = SRR_EV_CMD_RESULT };

	ev.u.res.op = a->op;
	ev.u.res.tag = a->tag;
	ev.u.res.cmd = a->cmd;
	ev.u.res.attempt = a->attempt;
	ev.u.res.exit_status = exit_status;
	snprintf(ev.u.res.code, sizeof(ev.u.res.code), "%s", code);
	feed(h, &ev);
}

void
record(struct h *h, const struct srr_record *r)
{
	struct srr_event ev = { .type = SRR_EV_RECORD };

	ev.u.rec = *r;
	feed(h, &ev);
}

void
opr(struct h *h, enum srr_operator_req req)
{
	struct srr_event ev = { .type = SRR_EV_OPERATOR };

	ev.u.opr.req = req;
	ev.u.opr.sys = SRC;
	feed(h, &ev);
}

/* The answer to the last query: where the partition is, in what state. */
void
query_full(struct h *h, bool ok, bool present, enum hmc_rr_status rrs,
	   int found, enum hmc_lpar_state st)
{
	struct srr_event ev = { .type = SRR_EV_QUERY_RESULT };

	ev.u.query.op = last(h, SRR_ACT_QUERY)->op;
	ev.u.query.tag = last(h, SRR_ACT_QUERY)->tag;
	ev.u.query.ok = ok;
	ev.u.query.src_present = present;
	ev.u.query.src_rrs = rrs;
	ev.u.query.found_on = found;
	ev.u.query.dst_state = st;
	feed(h, &ev);
}

void
query_result(struct h *h, bool present, enum hmc_rr_status rrs, int found)
{
	query_full(h, true, present, rrs, found,
		   found >= 0 ? HMC_LPAR_RUNNING : HMC_LPAR_UNKNOWN);
}

/* A peer's record of db1 from SRC, as another agent wrote it. */
struct srr_record
peer_rec(enum srr_op_status st, const char *dst, int64_t updated)
{
	struct srr_record r;

	memset(&r, 0, sizeof(r));
	r.id = (struct srr_op_id){ 1, 2, 1 };
	r.status = st;
	strcpy(r.lpar, "db1");
	r.lpar_id = 1;
	strcpy(r.src, "SRC");
	strcpy(r.dst, dst);
	r.priority = 3;
	r.attempts = 1;
	r.att_epoch = 1;
	r.updated.ms = updated;
	return r;
}

/* -------------------------------------------------------- scenarios */

/* The source dies (definite): after the window, the first command. */
struct srr_action
source_dies(struct h *h)
{
	h->st[SRC] = HMC_SYS_ERROR;
	poll_round(h); poll_round(h); poll_round(h);
	return *last(h, SRR_ACT_COMMAND);
}

/* The source shows ST for two polls, then the loop stalls 5 s. */
struct h *
stalled(enum hmc_sys_state st)
{
	struct h *h = estate(false);

	h->st[SRC] = st;
	poll_round(h); poll_round(h);
	h->now += 5000;		/* the loop stalled */
	poll_round(h);
	assert_true(alerted(h, "stall guard"));
	return h;
}

/* Restarted, then the source comes back: confirm, intent, cleanup. */
struct h *
debt(void)
{
	struct h *h = estate(false);

	h->st[SRC] = HMC_SYS_ERROR;
	poll_round(h); poll_round(h); poll_round(h);
	result(h, last(h, SRR_ACT_COMMAND), 0, "HSCLA32F");
	assert_int_equal(last(h, SRR_ACT_REPLICATE)->rec.status, SRR_OP_RESTARTED);
	h->st[SRC] = HMC_SYS_STANDBY;
	poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_CLEANUP), 0);
	assert_int_equal(count(h, SRR_ACT_QUERY, 0), 1);
	return h;
}

/* The source dies; the planned records come back, the restart intent is
 * held back (returned: its index in h->held). */
size_t
intent_held(struct h *h)
{
	size_t i, n;

	h->hold = true;
	h->st[SRC] = HMC_SYS_ERROR;
	poll_round(h); poll_round(h); poll_round(h);
	n = h->nheld;			/* planned */
	for (i = 0; i < n; i++)
		record(h, &h->held[i]);
	assert_int_equal(h->held[n].status, SRR_OP_RESTARTING);
	return n;
}

/* ------------------------------------------ what the engine emitted */

size_t
count(struct h *h, enum srr_action_type t, enum hmc_rr_op cmd)
{
	size_t i, n = 0;

	for (i = 0; i < h->nacts; i++)
		n += h->acts[i].type == t && (t != SRR_ACT_COMMAND ||
					      h->acts[i].cmd == cmd);
	return n;
}

const struct srr_action *
last(struct h *h, enum srr_action_type t)
{
	size_t i;

	for (i = h->nacts; i-- > 0;)
		if (h->acts[i].type == t)
			return &h->acts[i];
	return NULL;
}

bool
alerted(struct h *h, const char *text)
{
	size_t i;

	for (i = 0; i < h->nacts; i++)
		if (h->acts[i].type == SRR_ACT_ALERT &&
		    strstr(h->acts[i].text, text) != NULL)
			return true;
	return false;
}

size_t
alerts_with(struct h *h, const char *text)
{
	size_t i, n = 0;

	for (i = 0; i < h->nacts; i++)
		n += h->acts[i].type == SRR_ACT_ALERT &&
		     strstr(h->acts[i].text, text) != NULL;
	return n;
}
