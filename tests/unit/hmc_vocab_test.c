/*
 * hmc_vocab_test.c: the state vocabularies (internal).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hmc/hmc.h"

static void
test_sys_states_case_insensitive(void **state)
{
	assert_int_equal(hmc_sys_state_parse("Operating"), HMC_SYS_OPERATING);
	assert_int_equal(hmc_sys_state_parse("operating"), HMC_SYS_OPERATING);
	assert_int_equal(hmc_sys_state_parse("Error - Dump in progress"), HMC_SYS_ERROR_DUMP);
	assert_int_equal(hmc_sys_state_parse("Error - Dump In Progress"), HMC_SYS_ERROR_DUMP);
	assert_int_equal(hmc_sys_state_parse("POWER OFF"), HMC_SYS_POWER_OFF);
}

static void
test_sys_state_classes(void **state)
{
	/* The DESIGN.md default definite-down set, exactly. */
	static const enum hmc_sys_state down[] = { HMC_SYS_POWER_OFF,
	    HMC_SYS_ERROR, HMC_SYS_ERROR_DUMP, HMC_SYS_ERROR_TERMINATED };
	static const enum hmc_sys_state ambiguous[] = { HMC_SYS_NO_CONNECTION,
	    HMC_SYS_INITIALIZING, HMC_SYS_POWER_OFF_IN_PROGRESS,
	    HMC_SYS_INCOMPLETE, HMC_SYS_RECOVERY };
	size_t i;
	int ndown = 0;

	for (i = 0; i < sizeof(down) / sizeof(down[0]); i++)
		assert_int_equal(hmc_sys_state_class(down[i]), HMC_CLASS_DOWN);
	for (i = 0; i < sizeof(ambiguous) / sizeof(ambiguous[0]); i++)
		assert_int_equal(hmc_sys_state_class(ambiguous[i]), HMC_CLASS_AMBIGUOUS);
	for (i = 0; i < HMC_SYS_STATE_COUNT; i++)
		ndown += hmc_sys_state_class((enum hmc_sys_state)i) == HMC_CLASS_DOWN;
	assert_int_equal(ndown, 4);
	assert_int_equal(hmc_sys_state_class(HMC_SYS_OPERATING), HMC_CLASS_OPERATING);
	assert_int_equal(hmc_sys_state_class(HMC_SYS_STANDBY), HMC_CLASS_OPERATING);
}

static void
test_unknown_never_down(void **state)
{
	enum hmc_sys_state st = hmc_sys_state_parse("Powered Off Sort Of");

	assert_int_equal(st, HMC_SYS_UNKNOWN);
	assert_int_equal(hmc_sys_state_class(st), HMC_CLASS_UNKNOWN);
	assert_int_equal(hmc_sys_state_parse(NULL), HMC_SYS_UNKNOWN);
	assert_int_equal(hmc_sys_state_parse(""), HMC_SYS_UNKNOWN);
	assert_int_equal(hmc_sys_state_class((enum hmc_sys_state)999), HMC_CLASS_UNKNOWN);
	assert_false(hmc_sys_state_rr_source_ok(HMC_SYS_UNKNOWN));
}

static void
test_names_round_trip(void **state)
{
	int i;

	for (i = 1; i < HMC_SYS_STATE_COUNT; i++)
		assert_int_equal(hmc_sys_state_parse(hmc_sys_state_name((enum hmc_sys_state)i)), i);
	for (i = 1; i < HMC_LPAR_STATE_COUNT; i++)
		assert_int_equal(hmc_lpar_state_parse(hmc_lpar_state_name((enum hmc_lpar_state)i)), i);
	for (i = 1; i < HMC_RRS_COUNT; i++)
		assert_int_equal(hmc_rr_status_parse(hmc_rr_status_name((enum hmc_rr_status)i)), i);
}

static void
test_rr_source_states(void **state)
{
	/* hmc-cli.md: the HMC accepts these, and only these. */
	assert_true(hmc_sys_state_rr_source_ok(HMC_SYS_POWER_OFF));
	assert_true(hmc_sys_state_rr_source_ok(HMC_SYS_NO_CONNECTION));
	assert_true(hmc_sys_state_rr_source_ok(HMC_SYS_INITIALIZING));
	assert_false(hmc_sys_state_rr_source_ok(HMC_SYS_OPERATING));
	assert_false(hmc_sys_state_rr_source_ok(HMC_SYS_STANDBY));
	assert_false(hmc_sys_state_rr_source_ok(HMC_SYS_ERROR_TERMINATED));
	assert_true(hmc_sys_state_cleanup_ok(HMC_SYS_STANDBY));
	assert_false(hmc_sys_state_cleanup_ok(HMC_SYS_POWER_OFF));
}

static void
test_lpar_power(void **state)
{
	assert_int_equal(hmc_lpar_state_power(hmc_lpar_state_parse("running")), HMC_POWER_ON);
	assert_int_equal(hmc_lpar_state_power(hmc_lpar_state_parse("Not Activated")), HMC_POWER_OFF);
	assert_int_equal(hmc_lpar_state_power(hmc_lpar_state_parse("Not Available")), HMC_POWER_NOT_AVAILABLE);
	assert_int_equal(hmc_lpar_state_power(hmc_lpar_state_parse("Migrating - Running")), HMC_POWER_ON);
	assert_int_equal(hmc_lpar_state_power(hmc_lpar_state_parse("Sleeping")), HMC_POWER_UNKNOWN);
	/* fence_lpar counts Migrating - Running as off; we do not. */
	assert_false(hmc_lpar_state_fence_lpar_on(HMC_LPAR_MIGRATING_RUNNING));
	assert_true(hmc_lpar_state_fence_lpar_on(HMC_LPAR_SHUTTING_DOWN));
	assert_false(hmc_lpar_state_restartable(HMC_LPAR_SHUTTING_DOWN));
	assert_true(hmc_lpar_state_restartable(HMC_LPAR_OPEN_FIRMWARE));
}

static void
test_lpar_error_is_running(void **state)
{
	/* The HMC's help: "Error: the logical partition is running, but it
	 * requires attention". Read as off, it would be fenced by doing
	 * nothing; left out of the inventory, it would not be restarted. */
	assert_int_equal(hmc_lpar_state_power(hmc_lpar_state_parse("Error")), HMC_POWER_ON);
	assert_int_equal(hmc_lpar_state_power(hmc_lpar_state_parse("error")), HMC_POWER_ON);
	assert_true(hmc_lpar_state_restartable(HMC_LPAR_ERROR));
	/* fence_lpar's own reading is kept as it is: Error is off there. */
	assert_false(hmc_lpar_state_fence_lpar_on(HMC_LPAR_ERROR));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sys_states_case_insensitive),
		cmocka_unit_test(test_sys_state_classes),
		cmocka_unit_test(test_unknown_never_down),
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_rr_source_states),
		cmocka_unit_test(test_lpar_error_is_running),
		cmocka_unit_test(test_lpar_power),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
