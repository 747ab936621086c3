/*
 * engine_place_test.c: priority tiers, parallelism caps and placement
 * (engine_place.c), one scenario per test (functional): the destination
 * with the most room, a partition no destination has room for, a
 * partition pinned to its destination.
 *
 * The harness (engine_fixture.h) plays the daemon around one engine.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "agent/engine.h"
#include "engine_fixture.h"

static void
test_tiers_and_caps(void **state)
{
	static const struct srr_lpar_conf lc[] = {
		{ "p1", 1, false }, { "p2", 2, false }, { "p2b", 2, false },
	};
	struct h *h = setup_h(lc, 3, false);
	struct srr_engine_conf c;

	srr_engine_free(h->e);
	conf_init(&c, lc, 3);
	c.max_per_source = 1;
	assert_int_equal(srr_engine_new(&c, &h->e), 0);
	lpar(h, "p2", 100, HMC_LPAR_RUNNING);
	lpar(h, "p1", 100, HMC_LPAR_RUNNING);
	lpar(h, "p2b", 100, HMC_LPAR_RUNNING);
	member(h, 1, 1, true);
	poll_round(h);
	h->st[SRC] = HMC_SYS_ERROR;
	poll_round(h); poll_round(h); poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 1);
	assert_string_equal(last(h, SRR_ACT_COMMAND)->lpar, "p1");
	poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 1);
	result(h, last(h, SRR_ACT_COMMAND), 0, "");
	/* tier 2 opens; the cap lets one through at a time */
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 2);
	assert_string_equal(last(h, SRR_ACT_COMMAND)->lpar, "p2");
	free_h(h);
}

static void
test_placement_none_fits(void **state)
{
	struct h *h = setup_h(NULL, 0, false);

	lpar(h, "big", 5000, HMC_LPAR_RUNNING);
	lpar(h, "mid", 1500, HMC_LPAR_RUNNING);
	member(h, 1, 1, true);
	poll_round(h);
	h->st[SRC] = HMC_SYS_ERROR;
	poll_round(h); poll_round(h); poll_round(h);
	assert_true(alerted(h, "no destination of SRC has room for big"));
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 1);
	assert_string_equal(last(h, SRR_ACT_COMMAND)->lpar, "mid");
	assert_int_equal(last(h, SRR_ACT_COMMAND)->dst, D2);
	free_h(h);
}

/* A pinned partition goes to its destination only, even with more room
 * elsewhere, and waits there rather than going elsewhere. */
static void
test_placement_pinned(void **state)
{
	struct srr_lpar_conf lc[2] = {
		{ .name = "pin1", .pinned = true, .pin = D1 },
		{ .name = "pinbig", .pinned = true, .pin = D1 },
	};
	struct h *h = setup_h(lc, 2, false);
	size_t i;

	lpar(h, "pin1", 500, HMC_LPAR_RUNNING);
	lpar(h, "free", 500, HMC_LPAR_RUNNING);
	lpar(h, "pinbig", 1500, HMC_LPAR_RUNNING);
	member(h, 1, 1, true);
	poll_round(h);
	h->st[SRC] = HMC_SYS_ERROR;
	poll_round(h); poll_round(h); poll_round(h);
	assert_int_equal(count(h, SRR_ACT_COMMAND, HMC_RR_RESTART), 2);
	for (i = 0; i < h->nacts; i++) {
		const struct srr_action *a = &h->acts[i];

		if (a->type != SRR_ACT_COMMAND)
			continue;
		assert_string_not_equal(a->lpar, "pinbig");
		assert_int_equal(a->dst, strcmp(a->lpar, "pin1") == 0 ? D1 : D2);
	}
	assert_true(alerted(h, "its pinned destination D1 has room for pinbig"));
	free_h(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tiers_and_caps),
		cmocka_unit_test(test_placement_none_fits),
		cmocka_unit_test(test_placement_pinned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
