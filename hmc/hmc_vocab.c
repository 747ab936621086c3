/*
 * hmc_vocab.c: the HMC's words for system, partition and remote restart
 * states, and what each says by default.
 *
 * The HMC prints states in its own spelling, which varies in case between
 * releases ("Error - Dump in progress" and "Error - Dump In Progress" are
 * both seen), so every comparison is case-insensitive. A value we do not
 * know maps to the UNKNOWN member of its enum: the caller keeps the text,
 * and an unknown system state is never read as down.
 */
#include "config.h"

#include <strings.h>

#include "hmc.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct sys_word {
	const char *name;
	enum hmc_sys_class cl;
};

/* Indexed by enum hmc_sys_state. */
static const struct sys_word sys_words[HMC_SYS_STATE_COUNT] = {
	[HMC_SYS_UNKNOWN]		= { "Unknown", HMC_CLASS_UNKNOWN },
	[HMC_SYS_OPERATING]		= { "Operating", HMC_CLASS_OPERATING },
	/* Standby: powered on, no partition started; the FSP answers. */
	[HMC_SYS_STANDBY]		= { "Standby", HMC_CLASS_OPERATING },
	[HMC_SYS_POWER_OFF]		= { "Power Off", HMC_CLASS_DOWN },
	/* Not down yet: partitions may still be stopping. */
	[HMC_SYS_POWER_OFF_IN_PROGRESS]	= { "Power Off In Progress", HMC_CLASS_AMBIGUOUS },
	/* A rebooting FSP looks the same: proves nothing about partitions. */
	[HMC_SYS_INITIALIZING]		= { "Initializing", HMC_CLASS_AMBIGUOUS },
	[HMC_SYS_SP_FAILOVER]		= { "Service Processor Failover", HMC_CLASS_AMBIGUOUS },
	/* The HMC lost the FSP; the partitions may be running fine. */
	[HMC_SYS_NO_CONNECTION]		= { "No Connection", HMC_CLASS_AMBIGUOUS },
	[HMC_SYS_PENDING_AUTH]		= { "Pending Authentication", HMC_CLASS_AMBIGUOUS },
	[HMC_SYS_FAILED_AUTH]		= { "Failed Authentication", HMC_CLASS_AMBIGUOUS },
	[HMC_SYS_ERROR]			= { "Error", HMC_CLASS_DOWN },
	[HMC_SYS_ERROR_TERMINATED]	= { "Error - Terminated", HMC_CLASS_DOWN },
	[HMC_SYS_ERROR_DUMP]		= { "Error - Dump in progress", HMC_CLASS_DOWN },
	[HMC_SYS_RECOVERY]		= { "Recovery", HMC_CLASS_AMBIGUOUS },
	[HMC_SYS_INCOMPLETE]		= { "Incomplete", HMC_CLASS_AMBIGUOUS },
	[HMC_SYS_VERSION_MISMATCH]	= { "Version Mismatch", HMC_CLASS_AMBIGUOUS },
};

static const char *const class_names[] = {
	[HMC_CLASS_UNKNOWN]	= "unknown",
	[HMC_CLASS_OPERATING]	= "operating",
	[HMC_CLASS_DOWN]	= "down",
	[HMC_CLASS_AMBIGUOUS]	= "ambiguous",
};

struct lpar_word {
	const char *name;
	enum hmc_lpar_power power;
};

/* Indexed by enum hmc_lpar_state. When in doubt a state is ON: reading a
 * running partition as off is how a partition ends up running twice. */
static const struct lpar_word lpar_words[HMC_LPAR_STATE_COUNT] = {
	[HMC_LPAR_UNKNOWN]			= { "Unknown", HMC_POWER_UNKNOWN },
	[HMC_LPAR_RUNNING]			= { "Running", HMC_POWER_ON },
	[HMC_LPAR_STARTING]			= { "Starting", HMC_POWER_ON },
	[HMC_LPAR_OPEN_FIRMWARE]		= { "Open Firmware", HMC_POWER_ON },
	[HMC_LPAR_SHUTTING_DOWN]		= { "Shutting Down", HMC_POWER_ON },
	[HMC_LPAR_NOT_ACTIVATED]		= { "Not Activated", HMC_POWER_OFF },
	[HMC_LPAR_NOT_AVAILABLE]		= { "Not Available", HMC_POWER_NOT_AVAILABLE },
	/* The HMC's help: "the logical partition is running, but it requires
	 * attention". Not an off state, whatever fence_lpar thinks. */
	[HMC_LPAR_ERROR]			= { "Error", HMC_POWER_ON },
	[HMC_LPAR_HW_DISCOVERY]			= { "Hardware Discovery", HMC_POWER_ON },
	[HMC_LPAR_MIGRATING_RUNNING]		= { "Migrating - Running", HMC_POWER_ON },
	[HMC_LPAR_MIGRATING_NOT_ACTIVATED]	= { "Migrating - Not Activated", HMC_POWER_OFF },
	/* Suspended keeps its memory and can resume: it may run. */
	[HMC_LPAR_SUSPENDED]			= { "Suspended", HMC_POWER_ON },
};

static const char *const rrs_names[HMC_RRS_COUNT] = {
	[HMC_RRS_UNKNOWN]			= "Unknown",
	[HMC_RRS_INVALID]			= "Invalid",
	[HMC_RRS_REMOTE_RESTARTABLE]		= "Remote Restartable",
	[HMC_RRS_SOURCE_RESTARTING]		= "Source Remote Restarting",
	[HMC_RRS_DEST_RESTARTING]		= "Destination Remote Restarting",
	[HMC_RRS_DEST_RESTARTED]		= "Destination Remote Restarted",
	[HMC_RRS_REMOTE_RESTARTED]		= "Remote Restarted",
	[HMC_RRS_LOCAL_STORAGE_UPDATE_FAILED]	= "Local Storage Update Failed",
	[HMC_RRS_PROFILE_RESTORED]		= "Profile Restored",
	[HMC_RRS_SOURCE_CLEANUP_FAILED]		= "Source Side Cleanup Failed",
	[HMC_RRS_STALE_DATA]			= "Stale Data",
	[HMC_RRS_PARTIAL_UPDATE]		= "Partial Update",
	[HMC_RRS_OUT_OF_SPACE]			= "Out Of Space",
	[HMC_RRS_FORCED_SOURCE_RESTART]		= "Forced Source Side Restart",
};

enum hmc_sys_state
hmc_sys_state_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return HMC_SYS_UNKNOWN;
	for (i = 1; i < NELEM(sys_words); i++)
		if (strcasecmp(s, sys_words[i].name) == 0)
			return (enum hmc_sys_state)i;
	return HMC_SYS_UNKNOWN;
}

const char *
hmc_sys_state_name(enum hmc_sys_state st)
{
	if ((unsigned)st >= NELEM(sys_words))
		st = HMC_SYS_UNKNOWN;
	return sys_words[st].name;
}

enum hmc_sys_class
hmc_sys_state_class(enum hmc_sys_state st)
{
	if ((unsigned)st >= NELEM(sys_words))
		return HMC_CLASS_UNKNOWN;
	return sys_words[st].cl;
}

const char *
hmc_sys_class_name(enum hmc_sys_class cl)
{
	if ((unsigned)cl >= NELEM(class_names))
		cl = HMC_CLASS_UNKNOWN;
	return class_names[cl];
}

bool
hmc_sys_state_rr_source_ok(enum hmc_sys_state st)
{
	/* The states in which the HMC accepts rrstartlpar -o restart (IBM's
	 * "Remote restart states"); anything else earns HSCLA9CE. */
	switch (st) {
	case HMC_SYS_POWER_OFF_IN_PROGRESS:
	case HMC_SYS_POWER_OFF:
	case HMC_SYS_ERROR:
	case HMC_SYS_ERROR_DUMP:
	case HMC_SYS_INITIALIZING:
	case HMC_SYS_NO_CONNECTION:
		return true;
	default:
		return false;
	}
}

bool
hmc_sys_state_cleanup_ok(enum hmc_sys_state st)
{
	return st == HMC_SYS_OPERATING || st == HMC_SYS_STANDBY;
}

enum hmc_lpar_state
hmc_lpar_state_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return HMC_LPAR_UNKNOWN;
	for (i = 1; i < NELEM(lpar_words); i++)
		if (strcasecmp(s, lpar_words[i].name) == 0)
			return (enum hmc_lpar_state)i;
	return HMC_LPAR_UNKNOWN;
}

const char *
hmc_lpar_state_name(enum hmc_lpar_state st)
{
	if ((unsigned)st >= NELEM(lpar_words))
		st = HMC_LPAR_UNKNOWN;
	return lpar_words[st].name;
}

enum hmc_lpar_power
hmc_lpar_state_power(enum hmc_lpar_state st)
{
	if ((unsigned)st >= NELEM(lpar_words))
		return HMC_POWER_UNKNOWN;
	return lpar_words[st].power;
}

bool
hmc_lpar_state_fence_lpar_on(enum hmc_lpar_state st)
{
	return st == HMC_LPAR_RUNNING || st == HMC_LPAR_OPEN_FIRMWARE ||
	    st == HMC_LPAR_SHUTTING_DOWN || st == HMC_LPAR_STARTING;
}

bool
hmc_lpar_state_restartable(enum hmc_lpar_state st)
{
	/* Error is a running partition that needs attention: its owner
	 * expects it protected like any running one (doc/engine.md). */
	return st == HMC_LPAR_RUNNING || st == HMC_LPAR_STARTING ||
	    st == HMC_LPAR_OPEN_FIRMWARE || st == HMC_LPAR_ERROR;
}

enum hmc_rr_status
hmc_rr_status_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return HMC_RRS_UNKNOWN;
	for (i = 1; i < NELEM(rrs_names); i++)
		if (strcasecmp(s, rrs_names[i]) == 0)
			return (enum hmc_rr_status)i;
	return HMC_RRS_UNKNOWN;
}

const char *
hmc_rr_status_name(enum hmc_rr_status st)
{
	if ((unsigned)st >= NELEM(rrs_names))
		st = HMC_RRS_UNKNOWN;
	return rrs_names[st];
}
