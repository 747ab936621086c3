/*
 * engine_gate_test.c: the gate (engine_gate.c), one scenario per test
 * (functional): every refusal names its part; part 1 (the cluster: pause,
 * quorum, the stall guard); srrctl restart answered at once with the part
 * that refuses; at send time, part 2 (the source came back while the
 * intent was on its way) and part 4 (another operation of the partition
 * already restarting, restarted or cleaning). Part 2's windows and
 * confirmations are in engine_watch_test.c.
 *
 * The harness (engine_fixture.h) plays the daemon around one engine.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/engine.h"
#include "engine_fixture.h"

/* srrctl restart answers with the gate part that refuses, at once, and
 * plans nothing a gate would never let go (it used to say "requested"). */
static void
test_manual_restart_names_the_gate_part(void **state)
{
	struct h *h = estate(false);
	struct srr_event ev = { .type = SRR_EV_OPERATOR };
	size_t before = count(h, SRR_ACT_REPLICATE, 0);

	ev.u.opr.req = SRR_OPR_RESTART;
	ev.u.opr.sys = SRC;
	snprintf(ev.u.opr.lpar, sizeof(ev.u.opr.lpar), "db1");
	feed(h, &ev);
	assert_true(alerted(h, "restart db1 from SRC refused by the gate: "
			    "source SRC is Operating"));
	assert_int_equal(count(h, SRR_ACT_REPLICATE, 0), before);
	/* Paused: the cluster part refuses, even with the source down. */
	ev.u.opr.req = SRR_OPR_PAUSE;
	feed(h, &ev);
	h->st[SRC] = HMC_SYS_POWER_OFF;
	poll_round(h); poll_round(h); poll_round(h); poll_round(h);
	ev.u.opr.req = SRR_OPR_RESTART;
	feed(h, &ev);
	assert_true(alerted(h, "restart db1 from SRC refused by the gate: "
			    "automatic mode paused"));
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 0);
	free_h(h);
}

static void
test_gate_refusals_name_the_part(void **state)
{
	struct h *h = estate(false);
	struct srr_event ev = { .type = SRR_EV_OPERATOR };

	/* Paused by the acting leader: the record outlives the epoch. */
	member(h, 2, 1, true);
	ev.u.opr.req = SRR_OPR_PAUSE;
	feed(h, &ev);
	/* Not quorate: nothing at all. */
	member(h, 3, 1, false);
	h->st[SRC] = HMC_SYS_ERROR;
	poll_round(h); poll_round(h); poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 0);
	/* Quorate again, still paused: planned, refused with the reason. */
	member(h, 4, 1, true);
	poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 0);
	assert_true(alerted(h, "gate: automatic mode paused"));
	ev.u.opr.req = SRR_OPR_RESUME;
	feed(h, &ev);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 1);
	free_h(h);
}

/* Gate part 1, the stall guard: after a stall, a confirmed ambiguous
 * source (no K-poll window to rebuild) still waits out the guard. */
static void
test_stall_guard_holds_a_confirmed_source(void **state)
{
	struct h *h = stalled(HMC_SYS_NO_CONNECTION);

	opr(h, SRR_OPR_CONFIRM);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 0);
	assert_true(alerted(h, "gate: stall guard"));
	poll_round(h); poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 1);
	free_h(h);
}

/* Gate part 4 at send time: another operation of the same partition and
 * source became STATUS while our intent was on its way back (another
 * leader's record, learned late): not sent, given back. */
static void
other_op_blocks_send(enum srr_op_status status)
{
	struct h *h = estate(false);
	size_t n = intent_held(h);
	struct srr_record r = peer_rec(status, "D1", 1700000000000 + h->now);

	r.id = (struct srr_op_id){ 1, 2, 7 };
	record(h, &r);
	h->hold = false;
	record(h, &h->held[n]);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 0);
	assert_true(alerted(h, "already"));
	free_h(h);
}

static void
test_gate_other_op_restarting(void **state)
{
	other_op_blocks_send(SRR_OP_RESTARTING);
}

static void
test_gate_other_op_restarted(void **state)
{
	other_op_blocks_send(SRR_OP_RESTARTED);
}

static void
test_gate_other_op_cleaning(void **state)
{
	other_op_blocks_send(SRR_OP_CLEANING);
}

/* Gate part 2 at send time: the source came back while the intent was
 * on its way: not sent. */
static void
test_gate_source_up_before_send(void **state)
{
	struct h *h = estate(false);
	size_t n = intent_held(h);

	h->st[SRC] = HMC_SYS_OPERATING;
	poll_round(h);
	h->hold = false;
	record(h, &h->held[n]);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 0);
	free_h(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gate_refusals_name_the_part),
		cmocka_unit_test(test_manual_restart_names_the_gate_part),
		cmocka_unit_test(test_stall_guard_holds_a_confirmed_source),
		cmocka_unit_test(test_gate_other_op_restarting),
		cmocka_unit_test(test_gate_other_op_restarted),
		cmocka_unit_test(test_gate_other_op_cleaning),
		cmocka_unit_test(test_gate_source_up_before_send),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
