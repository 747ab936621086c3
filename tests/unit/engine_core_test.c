/*
 * engine_core_test.c: the engine object, its event dispatch and its
 * cluster view (engine.c), one scenario per test (functional): only the
 * acting leader acts; quorum lost or members on another configuration
 * inside an epoch; an epoch value lower than the last; nothing before the
 * state sync of this very epoch; events refused whole.
 *
 * The harness (engine_fixture.h) plays the daemon around one engine.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/engine.h"
#include "engine_fixture.h"

/* Quorum lost inside an epoch (the qdevice's vote gone, no ring change):
 * the engine stops at once. Members on another configuration inside the
 * epoch: planned, but no command (gate part 1). */
static void
view_change_inside_the_epoch(bool quorate, bool agree, size_t planned)
{
	struct h *h = estate(false);
	struct srr_event ev = { .type = SRR_EV_MEMBERSHIP };

	assert_true(srr_engine_is_acting_leader(h->e));
	ev.u.mem = (struct srr_ev_membership){ 1, 1, quorate, agree, 3 };
	feed(h, &ev);
	h->st[SRC] = HMC_SYS_ERROR;
	poll_round(h); poll_round(h); poll_round(h); poll_round(h);
	assert_true(count(h, SRR_ACT_REPLICATE, 0) <= planned);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 0);
	/* Back in the same, synced epoch: the restart goes. */
	ev.u.mem.quorate = ev.u.mem.config_agree = true;
	feed(h, &ev);
	poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 1);
	free_h(h);
}

static void
test_quorum_lost_inside_the_epoch(void **state)
{
	view_change_inside_the_epoch(false, true, 0);
}

static void
test_config_disagreement_inside_the_epoch(void **state)
{
	view_change_inside_the_epoch(true, false, 2);
}

/* cluster.h: epochs compare for equality only; a CPG join inside a ring
 * may give a lower value. A new view naming another leader is taken, and
 * back in an epoch value seen before, no operation id is given twice. */
static void
test_lower_epoch_value_is_a_new_view(void **state)
{
	struct h *h = estate(false);
	struct srr_event ev = { .type = SRR_EV_OPERATOR };
	struct srr_action a;

	member(h, 100, 1, true);
	h->st[SRC] = HMC_SYS_ERROR;
	poll_round(h); poll_round(h); poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 1);
	a = *last(h, SRR_ACT_COMMAND);
	assert_int_equal(a.op.epoch, 100);
	assert_int_equal(a.op.seq, 1);
	result(h, &a, 0, "");
	ev.u.opr.req = SRR_OPR_ABANDON;
	ev.u.opr.op = a.op;
	snprintf(ev.u.opr.reason, sizeof(ev.u.opr.reason), "test");
	feed(h, &ev);
	h->st[SRC] = HMC_SYS_OPERATING;
	poll_round(h); poll_round(h);
	member(h, 50, 2, true);
	assert_false(srr_engine_is_acting_leader(h->e));
	h->st[SRC] = HMC_SYS_ERROR;
	poll_round(h); poll_round(h); poll_round(h); poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 1);
	member(h, 100, 1, true);
	poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 2);
	a = *last(h, SRR_ACT_COMMAND);
	assert_int_equal(a.op.epoch, 100);
	assert_int_equal(a.op.seq, 2);
	free_h(h);
}

static void
test_not_leader_does_nothing(void **state)
{
	struct h *h = estate(false);

	member(h, 2, 2, true);
	h->st[SRC] = HMC_SYS_ERROR;
	poll_round(h); poll_round(h); poll_round(h); poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 0);
	assert_int_equal(count(h, SRR_ACT_REPLICATE, 0), 0);
	free_h(h);
}

static void
test_bad_events_refused(void **state)
{
	struct h *h = estate(false);
	struct srr_event ev = { .type = SRR_EV_POLL };

	ev.u.poll.hmc = 7;
	assert_int_equal(srr_engine_event(h->e, &ev), -EINVAL);
	ev.type = SRR_EV_INVENTORY;
	ev.u.inv.sys = 99;
	assert_int_equal(srr_engine_event(h->e, &ev), -EINVAL);
	ev.type = SRR_EV_CAPACITY;
	ev.u.cap.sys = -1;
	assert_int_equal(srr_engine_event(h->e, &ev), -EINVAL);
	ev.type = (enum srr_event_type)99;
	assert_int_equal(srr_engine_event(h->e, &ev), -EINVAL);
	/* Names: unterminated or with a control byte, refused whole. */
	memset(&ev, 0, sizeof(ev));
	ev.type = SRR_EV_INVENTORY;
	ev.u.inv.sys = SRC;
	ev.u.inv.sys_state = HMC_SYS_OPERATING;
	ev.u.inv.n = h->ninv;
	ev.u.inv.lpars = h->inv;
	memset(h->inv[0].name, 'a', sizeof(h->inv[0].name));
	assert_int_equal(srr_engine_event(h->e, &ev), -EINVAL);
	snprintf(h->inv[0].name, sizeof(h->inv[0].name), "db\n1");
	assert_int_equal(srr_engine_event(h->e, &ev), -EINVAL);
	memset(&ev, 0, sizeof(ev));
	ev.type = SRR_EV_OPERATOR;
	ev.u.opr.req = SRR_OPR_RESTART;
	ev.u.opr.sys = SRC;
	memset(ev.u.opr.lpar, 'a', sizeof(ev.u.opr.lpar));
	assert_int_equal(srr_engine_event(h->e, &ev), -EINVAL);
	ev.u.opr.req = SRR_OPR_ABANDON;
	memset(ev.u.opr.reason, 'r', sizeof(ev.u.opr.reason));
	assert_int_equal(srr_engine_event(h->e, &ev), -EINVAL);
	/* The inventory taken before is kept: db1 still restarts. */
	snprintf(h->inv[0].name, sizeof(h->inv[0].name), "db1");
	h->ninv = 0;
	h->st[SRC] = HMC_SYS_ERROR;
	poll_round(h); poll_round(h); poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 1);
	assert_string_equal(last(h, SRR_ACT_COMMAND)->lpar, "db1");
	free_h(h);
}

/* Gate part 1, the state sync: nothing before the SYNCED of this very
 * epoch (a late SYNCED of an older epoch counts for nothing). */
static void
test_nothing_before_sync(void **state)
{
	struct h *h = estate(false);
	struct srr_event ev = { .type = SRR_EV_MEMBERSHIP };

	ev.u.mem = (struct srr_ev_membership){ 2, 1, true, true, 3 };
	feed(h, &ev);
	memset(&ev, 0, sizeof(ev));
	ev.type = SRR_EV_SYNCED;
	ev.u.synced_epoch = 1;
	feed(h, &ev);
	h->st[SRC] = HMC_SYS_ERROR;
	poll_round(h); poll_round(h); poll_round(h); poll_round(h);
	assert_false(srr_engine_is_acting_leader(h->e));
	assert_int_equal(count(h, SRR_ACT_REPLICATE, 0), 0);
	ev.u.synced_epoch = 2;
	feed(h, &ev);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 1);
	free_h(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_leader_does_nothing),
		cmocka_unit_test(test_quorum_lost_inside_the_epoch),
		cmocka_unit_test(test_config_disagreement_inside_the_epoch),
		cmocka_unit_test(test_lower_epoch_value_is_a_new_view),
		cmocka_unit_test(test_bad_events_refused),
		cmocka_unit_test(test_nothing_before_sync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
