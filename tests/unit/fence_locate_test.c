/*
 * fence_locate_test.c: where a partition is, and what status, off and on
 * may do about it (internal). Each case is a situation an HMC shows.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fence/fence_srr.h"

/* A copy of the partition on SYS. STATE NULL: not defined there; LISTED
 * false: the system's partitions could not be read. */
static struct fence_obs
obs(const char *sys, const char *sys_state, bool listed, const char *state,
    const char *rrs)
{
	struct fence_obs o = {
		.sys = sys,
		.sys_state = hmc_sys_state_parse(sys_state),
		.sys_state_text = sys_state,
		.listed = listed,
		.defined = listed && state != NULL,
		.state = hmc_lpar_state_parse(state),
		.state_text = state,
		.rrs = hmc_rr_status_parse(rrs),
		.rrs_text = rrs,
		.profile = "default",
	};
	return o;
}

static void
test_operating_running(void **state)
{
	struct fence_obs o[] = {
		obs("p1", "Operating", true, "Running", "Remote Restartable"),
		obs("p2", "Operating", true, NULL, NULL),
	};
	struct fence_verdict v;

	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_ON);
	assert_int_equal(v.copy[0], COPY_RUNNING);
	assert_int_equal(v.copy[1], COPY_ABSENT);
	assert_string_equal(v.why, "");
}

static void
test_operating_off(void **state)
{
	struct fence_obs o[] = {
		obs("p2", "Operating", true, NULL, NULL),
		obs("p1", "Operating", true, "Not Activated", "Remote Restartable"),
	};
	struct fence_verdict v;

	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_OFF);
	assert_int_equal(v.start, 1);
}

static void
test_after_remote_restart_dead_source(void **state)
{
	/* The stale source copy reads "off" (what fence_lpar believes);
	 * the partition runs on the destination. */
	struct fence_obs o[] = {
		obs("src", "Power Off", true, "Not Available", "Remote Restarted"),
		obs("dst", "Operating", true, "Running", "Remote Restartable"),
	};
	struct fence_verdict v;

	assert_int_equal(fence_locate(o, 2, "src", &v), 0);
	assert_int_equal(v.power, FENCE_POWER_ON);
	assert_int_equal(v.copy[0], COPY_DOWN);
	assert_int_equal(v.copy[1], COPY_RUNNING);
	/* Once the destination copy is off, on starts it there. */
	o[1] = obs("dst", "Operating", true, "Not Activated", "Remote Restartable");
	assert_int_equal(fence_locate(o, 2, "src", &v), 0);
	assert_int_equal(v.power, FENCE_POWER_OFF);
	assert_int_equal(v.start, 1);
}

static void
test_after_remote_restart_source_back(void **state)
{
	/* The source is Operating again before cleanup: its stale copy is
	 * never the one to start, even when managed= names the source. */
	struct fence_obs o[] = {
		obs("src", "Operating", true, "Not Activated", "Remote Restarted"),
		obs("dst", "Operating", true, "Not Activated", "Remote Restartable"),
	};
	struct fence_verdict v;

	assert_int_equal(fence_locate(o, 2, "src", &v), 0);
	assert_int_equal(v.power, FENCE_POWER_OFF);
	assert_int_equal(v.start, 1);
	/* Only the stale copy left: nothing may be started. */
	o[1] = obs("dst", "Operating", true, NULL, NULL);
	assert_int_equal(fence_locate(o, 2, "src", &v), 0);
	assert_int_equal(v.power, FENCE_POWER_OFF);
	assert_int_equal(v.start, -1);
	assert_non_null(strstr(v.why, "stale"));
}

static void
test_dead_source_unlisted(void **state)
{
	/* A dead system whose partitions cannot be read holds nothing that
	 * runs: OFF, and no definition there to start. */
	struct fence_obs o[] = {
		obs("src", "Error - Dump in progress", false, NULL, NULL),
		obs("dst", "Operating", true, NULL, NULL),
	};
	struct fence_verdict v;

	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_OFF);
	assert_int_equal(v.copy[0], COPY_DOWN);
	assert_int_equal(v.start, -1);
}

static void
test_no_connection_unknown(void **state)
{
	struct fence_obs o[] = {
		obs("src", "No Connection", false, NULL, NULL),
		obs("dst", "Operating", true, NULL, NULL),
	};
	struct fence_verdict v;

	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_UNKNOWN);
	assert_int_equal(v.copy[0], COPY_AMBIGUOUS);
	assert_non_null(strstr(v.why, "No Connection"));
	/* A listed but off copy there proves nothing either. */
	o[0] = obs("src", "No Connection", true, "Not Activated", "Remote Restartable");
	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_UNKNOWN);
	/* Nor does an Initializing or an unknown system state. */
	o[0] = obs("src", "Initializing", true, "Not Activated", NULL);
	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_UNKNOWN);
	o[0] = obs("src", "Powered Down Maybe", true, "Not Activated", NULL);
	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_UNKNOWN);
	assert_non_null(strstr(v.why, "Powered Down Maybe"));
}

static void
test_running_beside_ambiguous(void **state)
{
	/* ON (something runs), and the reason off cannot finish is kept. */
	struct fence_obs o[] = {
		obs("src", "No Connection", false, NULL, NULL),
		obs("dst", "Operating", true, "Running", "Remote Restartable"),
	};
	struct fence_verdict v;

	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_ON);
	assert_non_null(strstr(v.why, "No Connection"));
	/* A copy a lost system still lists as running is running. */
	o[0] = obs("src", "No Connection", true, "Running", NULL);
	o[1] = obs("dst", "Operating", true, NULL, NULL);
	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_ON);
	assert_int_equal(v.copy[0], COPY_RUNNING);
}

static void
test_not_defined_anywhere(void **state)
{
	struct fence_obs o[] = {
		obs("p1", "Operating", true, NULL, NULL),
		obs("p2", "Standby", true, NULL, NULL),
	};
	struct fence_verdict v;

	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_UNKNOWN);
	assert_non_null(strstr(v.why, "not defined"));
	assert_int_equal(fence_locate(o, 0, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_UNKNOWN);
}

static void
test_operating_unlisted(void **state)
{
	struct fence_obs o[] = { obs("p1", "Operating", false, NULL, NULL) };
	struct fence_verdict v;

	assert_int_equal(fence_locate(o, 1, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_UNKNOWN);
	assert_non_null(strstr(v.why, "could not be read"));
}

static void
test_two_definitions(void **state)
{
	struct fence_obs o[] = {
		obs("p1", "Operating", true, "Not Activated", "Remote Restartable"),
		obs("p2", "Operating", true, "Not Activated", "Remote Restartable"),
	};
	struct fence_verdict v;

	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_OFF);
	assert_int_equal(v.start, -1);
	assert_non_null(strstr(v.why, "managed="));
	assert_int_equal(fence_locate(o, 2, "p2", &v), 0);
	assert_int_equal(v.start, 1);
	/* Both running: both are copies to stop. */
	o[0].state = o[1].state = HMC_LPAR_RUNNING;
	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.copy[0], COPY_RUNNING);
	assert_int_equal(v.copy[1], COPY_RUNNING);
}

static void
test_restart_in_progress(void **state)
{
	struct fence_obs o[] = {
		obs("src", "Power Off", true, "Not Available", "Source Remote Restarting"),
		obs("dst", "Operating", true, "Not Activated", "Destination Remote Restarting"),
	};
	struct fence_verdict v;

	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_UNKNOWN);
	assert_int_equal(v.copy[1], COPY_AMBIGUOUS);
	assert_non_null(strstr(v.why, "in progress"));
}

static void
test_partition_in_error_runs(void **state)
{
	/* Partition state Error is a running partition that needs
	 * attention: off must stop it, never answer "Already OFF". */
	struct fence_obs o[] = { obs("p1", "Operating", true, "Error", "Remote Restartable") };
	struct fence_verdict v;

	assert_int_equal(fence_locate(o, 1, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_ON);
	assert_int_equal(v.copy[0], COPY_RUNNING);
	assert_string_equal(v.why, "");
}

static void
test_restart_in_progress_source_down(void **state)
{
	/* Some HMC levels show the destination copy only at the end: mid
	 * restart, the source (down) is all there is. A restart under way,
	 * or a status fence_srr does not know, is UNKNOWN on any system. */
	static const char *const busy[] = { "Source Remote Restarting",
	    "Destination Remote Restarting", "Destination Remote Restarted",
	    "Something New" };
	static const char *const sys[] = { "Power Off", "Error - Dump in progress",
	    "Operating", "No Connection" };
	struct fence_obs o[2];
	struct fence_verdict v;
	size_t i, j;

	for (i = 0; i < sizeof(busy) / sizeof(busy[0]); i++)
		for (j = 0; j < sizeof(sys) / sizeof(sys[0]); j++) {
			o[0] = obs("src", sys[j], true, "Not Available", busy[i]);
			o[1] = obs("dst", "Operating", true, NULL, NULL);
			assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
			assert_int_equal(v.power, FENCE_POWER_UNKNOWN);
			assert_int_equal(v.copy[0], COPY_AMBIGUOUS);
			assert_non_null(strstr(v.why, busy[i]));
		}
	/* Past the point of no return, a copy shown starting is still a
	 * restart under way: off must not race it. */
	o[1] = obs("dst", "Operating", true, "Starting", "Destination Remote Restarted");
	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_UNKNOWN);
	assert_int_equal(v.copy[1], COPY_AMBIGUOUS);
	/* No status at all is no restart. */
	o[0] = obs("src", "Power Off", true, "Not Available", "");
	o[1] = obs("dst", "Operating", true, NULL, NULL);
	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_OFF);
	/* A dead source whose partitions were not read holds nothing. */
	o[0] = obs("src", "Power Off", false, NULL, NULL);
	assert_int_equal(fence_locate(o, 2, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_OFF);
}

static void
test_odd_partition_states(void **state)
{
	struct fence_obs o[] = { obs("p1", "Operating", true, "Dancing", NULL) };
	struct fence_verdict v;

	/* A partition state we do not know may be running. */
	assert_int_equal(fence_locate(o, 1, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_ON);
	/* Not Available on an Operating system contradicts itself. */
	o[0] = obs("p1", "Operating", true, "Not Available", NULL);
	assert_int_equal(fence_locate(o, 1, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_UNKNOWN);
	/* Suspended and Migrating - Running may run (fence_lpar: off). */
	o[0] = obs("p1", "Operating", true, "Suspended", NULL);
	assert_int_equal(fence_locate(o, 1, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_ON);
	o[0] = obs("p1", "Operating", true, "Migrating - Running", NULL);
	assert_int_equal(fence_locate(o, 1, NULL, &v), 0);
	assert_int_equal(v.power, FENCE_POWER_ON);
}

static void
test_too_many(void **state)
{
	static struct fence_obs o[FENCE_SYS_MAX + 1];
	struct fence_verdict v;

	assert_int_equal(fence_locate(o, FENCE_SYS_MAX + 1, NULL, &v), -EINVAL);
	assert_int_equal(v.power, FENCE_POWER_UNKNOWN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_operating_running),
		cmocka_unit_test(test_operating_off),
		cmocka_unit_test(test_after_remote_restart_dead_source),
		cmocka_unit_test(test_after_remote_restart_source_back),
		cmocka_unit_test(test_dead_source_unlisted),
		cmocka_unit_test(test_no_connection_unknown),
		cmocka_unit_test(test_running_beside_ambiguous),
		cmocka_unit_test(test_not_defined_anywhere),
		cmocka_unit_test(test_operating_unlisted),
		cmocka_unit_test(test_two_definitions),
		cmocka_unit_test(test_restart_in_progress),
		cmocka_unit_test(test_partition_in_error_runs),
		cmocka_unit_test(test_restart_in_progress_source_down),
		cmocka_unit_test(test_odd_partition_states),
		cmocka_unit_test(test_too_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
