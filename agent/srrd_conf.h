/*
 * srrd_conf.h: srrd's configuration (/etc/srrha/srrha.conf), read with
 * inih, strictly.
 *
 * One INI file. Sections (srrha.conf(5) documents every key):
 *   [cluster]          group, hello_timeout
 *   [hmc NAME]         host, port, user, identity, known_hosts, timeout,
 *                      sessions (one section per HMC, at most SRR_MAX_HMC)
 *   [system NAME]      protect (a source), destinations (comma list),
 *                      fence_agent, fence_timeout, fence_param_KEY = VALUE
 *   [lpar SYSTEM/NAME] priority, exclude, destination (pinned)
 *   [policy]           poll_interval, confirm_polls (K), confirm_window (T),
 *                      confirm_ttl, max_per_source, max_per_dest,
 *                      validate_first, retries, backoff, backoff_max,
 *                      tier_timeout, default_priority, down_states,
 *                      ambiguous_states,
 *                      inventory_interval, follower_poll_interval,
 *                      command_timeout, cleanup_retaindev, retention
 *   [alert NAME]       path, recipient, timeout (Pacemaker alert agents)
 *   [store]            path, state_dir
 *   [ipc]              group, metrics_port (0: no scrape endpoint)
 *
 * Strict: an unknown section or key, a repeated key, a bad value (numbers
 * parsed with their unit: 500ms, 15s, 5m), a missing file, an identity file
 * readable by group or others, a destination that names no [system]: the
 * load fails with "FILE:LINE: [section] key: why" in ERR and nothing else
 * is used. Durations are kept in milliseconds. After a load, hmc[], sys[],
 * lpar[] (by system index, then name) and alert[] are sorted by name, so
 * equal configurations are equal index for index.
 *
 * The digest the cluster compares (srrd_conf_digest) is computed from the
 * effective configuration as srrd_conf_print() writes it (sorted,
 * defaults filled in, units normalised), never from the file's bytes: two
 * files that mean the same thing agree. Local-only keys (identity and
 * known_hosts paths, store path, IPC group, metrics port, alert paths) are
 * left out of the digest, since they may differ per host.
 *
 * Error convention: 0 on success, a negative errno on failure.
 */
#ifndef SRR_SRRD_CONF_H
#define SRR_SRRD_CONF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "agent/engine.h"

#define SRRD_CONF_DEFAULT	SRR_SYSCONFDIR "/srrha/srrha.conf"
#define SRRD_LABEL_LEN		64	/* HMC, alert and group names */
#define SRRD_HOST_LEN		256
#define SRRD_MAX_ALERTS		8
#define SRRD_MAX_FENCE_PARAMS	16
#define SRRD_DIGEST_LEN		32
#define SRRD_ERR_LEN		512

struct srrd_hmc_conf {
	char name[SRRD_LABEL_LEN];
	char host[SRRD_HOST_LEN];
	uint16_t port;			/* default 22 */
	char user[SRRD_LABEL_LEN];	/* default hscroot */
	char identity[PATH_MAX];	/* private key; mode 0600 or stricter */
	char known_hosts[PATH_MAX];	/* strict: an unknown key is refused */
	int64_t timeout_ms;		/* connect and read, default 30s */
	int sessions;			/* pool size, default 4; 8 channels each */
};

struct srrd_fence_conf {
	char agent[PATH_MAX];		/* e.g. /usr/sbin/fence_ipmilan */
	int64_t timeout_ms;		/* default 60s */
	int nparam;			/* stdin lines key=value, action=off added */
	char key[SRRD_MAX_FENCE_PARAMS][SRRD_LABEL_LEN];
	char val[SRRD_MAX_FENCE_PARAMS][SRRD_HOST_LEN];
};

struct srrd_sys_conf {
	char name[SRR_NAME_LEN];
	bool protect;			/* a source srrd watches and restarts */
	int ndest;
	int dest[SRR_MAX_DEST];		/* indices into srrd_conf.sys */
	/* malloc'd at the first fence_* key, NULL without one: a fixed
	 * 9 kB for each of the SRR_MAX_SYS systems was 0.6 MB of every
	 * agent's resident memory, written by the load's memset */
	struct srrd_fence_conf *fence;
};

struct srrd_lpar_conf {
	int sys;			/* index into srrd_conf.sys */
	char name[SRR_NAME_LEN];
	uint32_t priority;		/* 1 first; the policy default filled in */
	bool excluded;
	int pin;			/* pinned destination (sys index), -1 */
};

struct srrd_alert_conf {
	char name[SRRD_LABEL_LEN];
	char path[PATH_MAX];
	char recipient[SRRD_HOST_LEN];
	int64_t timeout_ms;		/* default 30s */
};

struct srrd_conf {
	char file[PATH_MAX];

	/* [cluster] */
	char group[128];		/* CPG group, default "srrha" */
	unsigned hello_timeout_ms;	/* silent-member exclusion */

	int nhmc;
	struct srrd_hmc_conf hmc[SRR_MAX_HMC];
	int nsys;
	struct srrd_sys_conf sys[SRR_MAX_SYS];
	size_t nlpar;
	struct srrd_lpar_conf *lpar;	/* malloc'd */

	/* [policy]: what the engine takes (srrd_conf_engine), plus the
	 * daemon's own cadences */
	int64_t poll_ms;
	int confirm_k;
	int64_t confirm_t_ms;
	int64_t confirm_ttl_ms;
	uint32_t down_mask;		/* bits of enum hmc_sys_state */
	uint32_t ambiguous_mask;	/* default: the rest of the not-operating
					 * states */
	uint32_t default_priority;
	int64_t tier_timeout_ms;
	int max_per_source;
	int max_per_dest;
	bool validate_first;
	int retry_max;
	int64_t backoff_ms;
	int64_t backoff_max_ms;
	int64_t inventory_ms;		/* inventory + capacity while Operating */
	int64_t follower_poll_ms;	/* a follower's poll cadence */
	int64_t command_timeout_ms;	/* per rrstartlpar */
	bool cleanup_retaindev;		/* rrstartlpar -o cleanup --retaindev */
	int64_t retention_ms;		/* closed debts compacted after this */

	int nalert;
	struct srrd_alert_conf alert[SRRD_MAX_ALERTS];

	/* [store] */
	char store_path[PATH_MAX];	/* default /var/lib/srrha/ledger.db */
	char state_dir[PATH_MAX];	/* default /var/lib/srrha: lock, cache */

	/* [ipc] */
	char ipc_group[SRRD_LABEL_LEN];	/* "" : root only */
	uint16_t metrics_port;		/* 0: no scrape endpoint */
};

/* Reads PATH into C (zeroed first). On error: -EINVAL (bad content),
 * -ENOENT/-EACCES (file), with "FILE:LINE: [section] key: why" in ERR. */
int srrd_conf_load(const char *path, struct srrd_conf *c,
		   char *err, size_t errlen);
void srrd_conf_free(struct srrd_conf *c);

/* srrd's own check before it loads PATH: the file holds HMC and fence
 * credentials (fence_param_password), so, as OpenSSH asks of a private
 * key, it must be a regular file owned by us or root that others cannot
 * read and only its owner can write. Group read is allowed (an operators'
 * group may read it). -EPERM with the path, the mode and the fix in ERR.
 * Kept out of srrd_conf_load(), which tools and tests use to parse. */
int srrd_conf_file_check(const char *path, char *err, size_t errlen);

/* The effective configuration, defaults included, in a canonical INI form
 * that srrd_conf_load() reads back to the same configuration. */
int srrd_conf_print(const struct srrd_conf *c, FILE *out);

/* The digest the cluster compares (see above). */
int srrd_conf_digest(const struct srrd_conf *c, uint8_t out[SRRD_DIGEST_LEN]);

/* The engine's configuration: systems, partitions and policy. OUT->lpar
 * is malloc'd: free it once srr_engine_new() has copied it. */
int srrd_conf_engine(const struct srrd_conf *c, uint32_t nodeid,
		     struct srr_engine_conf *out);

int srrd_conf_sys_index(const struct srrd_conf *c, const char *name);

#endif /* SRR_SRRD_CONF_H */
