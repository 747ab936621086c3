/*
 * engine_cleanup_test.c: replaying debts (engine_cleanup.c), one scenario
 * per test (functional): the destination check (fresh, on the debt's
 * destination, running), the intent sent in the step of its delivery or
 * given back, the HMC's own auto-cleanup and HSCL8012, an unknown outcome,
 * a failed query; a debt cleaned while the source looks down (a cleanup
 * means it was up: confirmed down afresh, nothing planned).
 *
 * The harness (engine_fixture.h) plays the daemon around one engine.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/engine.h"
#include "engine_fixture.h"

static void
test_cleanup_after_confirm(void **state)
{
	struct h *h = debt();

	query_result(h, true, HMC_RRS_REMOTE_RESTARTED, D2);
	poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_CLEANUP), 1);
	result(h, last(h, SRR_ACT_COMMAND), 0, "");
	assert_int_equal(last(h, SRR_ACT_REPLICATE)->rec.status, SRR_OP_CLEANED);
	free_h(h);
}

/* dsim seed 88461884577464: a cleanup intent delivered while the source's
 * polls had stopped was kept, and sent seconds later, once a new query
 * answered: by then from an agent that had not learned of a new
 * configuration. Sent in the step of its delivery or never: given back,
 * a new intent (attempt 2) goes. */
static void
test_cleanup_intent_not_sent_later(void **state)
{
	struct h *h = debt();
	struct srr_event ev = { .type = SRR_EV_RECORD };

	h->hold = true;
	query_result(h, true, HMC_RRS_REMOTE_RESTARTED, D2);
	/* the intent goes out, not back yet */
	assert_int_equal(last(h, SRR_ACT_REPLICATE)->rec.status, SRR_OP_CLEANING);
	ev.u.rec = last(h, SRR_ACT_REPLICATE)->rec;
	tick(h); tick(h);		/* no poll for 2 s: the HMC is silent */
	h->hold = false;
	feed(h, &ev);			/* back now: not sent */
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_CLEANUP), 0);
	poll_round(h); poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_CLEANUP), 1);
	assert_int_equal(last(h, SRR_ACT_COMMAND)->attempt, 2);
	free_h(h);
}

/* The same when the intent comes back after the destination check aged:
 * the query goes, and the intent is given back, not sent on its answer. */
static void
test_cleanup_intent_not_sent_after_a_query(void **state)
{
	struct h *h = debt();
	struct srr_event ev = { .type = SRR_EV_RECORD };

	h->hold = true;
	query_result(h, true, HMC_RRS_REMOTE_RESTARTED, D2);
	ev.u.rec = last(h, SRR_ACT_REPLICATE)->rec;
	poll_round(h); poll_round(h);
	poll_round(h); poll_round(h);	/* the check is 4 s old */
	h->hold = false;
	feed(h, &ev);
	assert_int_equal(count(h, SRR_ACT_QUERY, 0), 2);
	query_result(h, true, HMC_RRS_REMOTE_RESTARTED, D2);
	poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_CLEANUP), 1);
	assert_int_equal(last(h, SRR_ACT_COMMAND)->attempt, 2);
	free_h(h);
}

static void
test_cleanup_held_if_not_on_destination(void **state)
{
	struct h *h = debt();

	query_result(h, true, HMC_RRS_REMOTE_RESTARTED, -1);
	poll_round(h); poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_CLEANUP), 0);
	assert_true(alerted(h, "cleanup held"));
	free_h(h);
}

static void
test_auto_cleanup_closes_debt(void **state)
{
	struct h *h = debt();

	query_result(h, false, HMC_RRS_UNKNOWN, D2);
	assert_int_equal(last(h, SRR_ACT_REPLICATE)->rec.status, SRR_OP_CLEANED);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_CLEANUP), 0);
	free_h(h);
}

static void
test_hscl8012_closes_debt(void **state)
{
	struct h *h = debt();

	query_result(h, true, HMC_RRS_REMOTE_RESTARTED, D2);
	poll_round(h);
	result(h, last(h, SRR_ACT_COMMAND), 1, "HSCL8012");
	assert_int_equal(last(h, SRR_ACT_REPLICATE)->rec.status, SRR_OP_CLEANED);
	free_h(h);
}

/* dsim seed 820196905: the source came back early and the HMC cleaned
 * the partition up by itself; the closure arrived before any poll showed
 * the source up, and the engine, still counting the source confirmed
 * down, planned the partition again from the outage's inventory and sent
 * a second restart. A cleanup means the source was up: it must be
 * confirmed down afresh. */
static void
test_cleanup_seen_while_down_plans_nothing(void **state)
{
	struct h *h = estate(false);
	struct srr_record r;

	source_dies(h);
	result(h, last(h, SRR_ACT_COMMAND), 0, "HSCLA32F");
	r = last(h, SRR_ACT_REPLICATE)->rec;
	assert_int_equal(r.status, SRR_OP_RESTARTED);
	assert_true(srr_engine_sys_confirmed_down(h->e, SRC));
	r.status = SRR_OP_CLEANED;	/* another agent saw the auto-cleanup */
	r.updated.ms++;
	record(h, &r);
	assert_false(srr_engine_sys_confirmed_down(h->e, SRC));
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 1);
	tick(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 1);
	h->st[SRC] = HMC_SYS_OPERATING;	/* and the polls say it is back */
	poll_round(h); poll_round(h); poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 1);
	free_h(h);
}

/* The same on this agent's own query, before its closure comes back
 * merged: the source back in Standby, a cleanup query out, the source
 * confirmed down again before the answer, which says the HMC cleaned the
 * partition up. The closure plans nothing (no `planned` record of the
 * partition that the gate would then refuse). */
static void
test_own_auto_cleanup_while_down_plans_nothing(void **state)
{
	struct h *h = debt();
	size_t i, before;

	h->st[SRC] = HMC_SYS_ERROR;
	poll_round(h); poll_round(h); poll_round(h);
	assert_true(srr_engine_sys_confirmed_down(h->e, SRC));
	h->hold = true;
	before = h->nacts;
	query_result(h, false, HMC_RRS_UNKNOWN, D2);
	assert_int_equal(last(h, SRR_ACT_REPLICATE)->rec.status, SRR_OP_CLEANED);
	assert_false(srr_engine_sys_confirmed_down(h->e, SRC));
	for (i = before; i < h->nacts; i++)
		assert_false(h->acts[i].type == SRR_ACT_REPLICATE &&
			     h->acts[i].rec.status == SRR_OP_PLANNED);
	free_h(h);
}

/* Review (minor): the destination check ages: a cleanup whose intent
 * came back long after the query asks again first. */
static void
test_destination_check_ages(void **state)
{
	struct h *h = debt();
	size_t i, n;

	h->hold = true;		/* the cleaning intent, held back */
	query_result(h, true, HMC_RRS_REMOTE_RESTARTED, D2);
	assert_int_equal(last(h, SRR_ACT_REPLICATE)->rec.status, SRR_OP_CLEANING);
	poll_round(h); poll_round(h); poll_round(h); poll_round(h);
	h->hold = false;
	n = h->nheld;
	for (i = 0; i < n; i++)
		record(h, &h->held[i]);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_CLEANUP), 0);
	assert_int_equal(count(h, SRR_ACT_QUERY, 0), 2);
	query_result(h, true, HMC_RRS_REMOTE_RESTARTED, D2);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_CLEANUP), 1);
	free_h(h);
}

/* Cleanup's destination check: active on the destination the debt
 * names, not on another one (the ledger would then be wrong: held, with
 * an alert, for the operator). */
static void
test_cleanup_held_if_on_another_destination(void **state)
{
	struct h *h = debt();

	query_result(h, true, HMC_RRS_REMOTE_RESTARTED, D1);	/* debt: D2 */
	poll_round(h); poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_CLEANUP), 0);
	assert_true(alerted(h, "cleanup held"));
	free_h(h);
}

/* A cleanup with no exit status may not have run: the debt stays open,
 * the destination is checked again, the cleanup retried. */
static void
test_cleanup_unknown_outcome_keeps_debt(void **state)
{
	struct h *h = debt();

	query_result(h, true, HMC_RRS_REMOTE_RESTARTED, D2);
	poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_CLEANUP), 1);
	result(h, last(h, SRR_ACT_COMMAND), -1, "");
	assert_int_equal(last(h, SRR_ACT_REPLICATE)->rec.status, SRR_OP_CLEANING);
	poll_round(h);
	assert_int_equal(count(h, SRR_ACT_QUERY, 0), 2);
	free_h(h);
}

/* Cleanup's gate: the source's Operating poll must be fresh. */
static void
test_cleanup_needs_a_fresh_operating_poll(void **state)
{
	struct h *h = debt();

	tick(h);
	tick(h);			/* ticks, no poll: 2 s old */
	query_result(h, true, HMC_RRS_REMOTE_RESTARTED, D2);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_CLEANUP), 0);
	free_h(h);
}

/* Cleanup: the source lists it as Invalid: the debt closes. */
static void
test_cleanup_source_invalid_closes_debt(void **state)
{
	struct h *h = debt();

	query_result(h, true, HMC_RRS_INVALID, D2);
	assert_int_equal(last(h, SRR_ACT_REPLICATE)->rec.status, SRR_OP_CLEANED);
	free_h(h);
}

/* Cleanup: on its destination but not running: held. */
static void
test_cleanup_held_if_not_running(void **state)
{
	struct h *h = debt();

	query_full(h, true, true, HMC_RRS_REMOTE_RESTARTED, D2,
		   HMC_LPAR_NOT_ACTIVATED);
	poll_round(h); poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_CLEANUP), 0);
	free_h(h);
}

/* Cleanup: a failed query says nothing (its fields are not read). */
static void
test_cleanup_failed_query_says_nothing(void **state)
{
	struct h *h = debt();

	query_full(h, false, false, HMC_RRS_UNKNOWN, -1, HMC_LPAR_UNKNOWN);
	assert_int_equal(last(h, SRR_ACT_REPLICATE)->rec.status, SRR_OP_RESTARTED);
	free_h(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cleanup_after_confirm),
		cmocka_unit_test(test_cleanup_held_if_not_on_destination),
		cmocka_unit_test(test_auto_cleanup_closes_debt),
		cmocka_unit_test(test_hscl8012_closes_debt),
		cmocka_unit_test(test_cleanup_intent_not_sent_later),
		cmocka_unit_test(test_cleanup_intent_not_sent_after_a_query),
		cmocka_unit_test(test_cleanup_seen_while_down_plans_nothing),
		cmocka_unit_test(test_own_auto_cleanup_while_down_plans_nothing),
		cmocka_unit_test(test_destination_check_ages),
		cmocka_unit_test(test_cleanup_held_if_on_another_destination),
		cmocka_unit_test(test_cleanup_unknown_outcome_keeps_debt),
		cmocka_unit_test(test_cleanup_needs_a_fresh_operating_poll),
		cmocka_unit_test(test_cleanup_source_invalid_closes_debt),
		cmocka_unit_test(test_cleanup_held_if_not_running),
		cmocka_unit_test(test_cleanup_failed_query_says_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
