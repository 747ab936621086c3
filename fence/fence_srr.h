/*
 * fence_srr.h: private header of fence/, the SRR-aware fence agent.
 *
 * fence_srr speaks the fence-agent API (stdin key=value or GNU options,
 * the actions and exit codes of ClusterLabs fence-agents) and fences an
 * IBM Power partition wherever it really is: on the system it was
 * defined on, or on the destination of a remote restart.
 *
 * Error convention: 0 / negative errno, as hmc/. Functions that take
 * outside input (stdin, options, HMC output) never abort on it.
 */
#ifndef SRR_FENCE_H
#define SRR_FENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hmc/hmc.h"

/* Exit codes of the fence-agent API. */
#define FENCE_EXIT_OK		0
#define FENCE_EXIT_FAIL		1	/* failure, unknown status */
#define FENCE_EXIT_OFF		2	/* status: the target is off */

/* Limits on stdin: pacemaker sends a few hundred bytes. */
#define FENCE_LINE_MAX		4096
#define FENCE_INPUT_MAX		(64 * 1024)
/* Most candidate systems a partition may be on. */
#define FENCE_SYS_MAX		64
/* A "why" message for the operator. */
#define FENCE_WHY_MAX		512
/* A name or command line in a message is cut to this, so that the reason
 * after it is never lost (a log line holds about 512 bytes). */
#define FENCE_SHOWN_MAX		96

/* ------------------------------------------------------------------------ */
/* fence_opts.c: parameters, stdin and command line                         */
/* ------------------------------------------------------------------------ */

enum fence_action {
	FA_REBOOT = 0,
	FA_ON,
	FA_OFF,
	FA_STATUS,
	FA_LIST,
	FA_LIST_STATUS,
	FA_MONITOR,
	FA_METADATA,
	FA_MANPAGE,
	FA_VALIDATE_ALL,
	FA_COUNT
};

enum fence_ptype {
	PT_STRING,
	PT_BOOL,
	PT_SECOND,
	PT_INTEGER,
	PT_SELECT,
};

/* Every parameter; the order is the metadata's order. */
enum fence_pid {
	P_ACTION = 0,
	P_IP,
	P_IP2,
	P_IPPORT,
	P_USERNAME,
	P_PASSWORD,
	P_PASSWORD_SCRIPT,
	P_IDENTITY_FILE,
	P_KNOWN_HOSTS,
	P_PLUG,
	P_MANAGED,
	P_SYSTEMS,
	P_HMC_VERSION,
	P_SSH,
	P_COMMAND_PROMPT,
	P_SSH_OPTIONS,
	P_SSH_PATH,
	P_INET4_ONLY,
	P_INET6_ONLY,
	P_QUIET,
	P_VERBOSE,
	P_VERBOSE_LEVEL,
	P_DEBUG_FILE,
	P_VERSION,
	P_HELP,
	P_PLUG_SEPARATOR,
	P_SEPARATOR,
	P_DELAY,
	P_DISABLE_TIMEOUT,
	P_LOGIN_TIMEOUT,
	P_POWER_TIMEOUT,
	P_POWER_WAIT,
	P_SHELL_TIMEOUT,
	P_STONITH_STATUS_SLEEP,
	P_RETRY_ON,
	P_COUNT
};

struct fence_param {
	const char *name;		/* stdin key; long option with '_' -> '-' */
	char shortopt;			/* 0: none */
	enum fence_ptype type;
	const char *def;		/* default, or NULL */
	bool required;
	const char *argname;		/* "[ip]" in the help line */
	const char *desc;		/* shortdesc */
	const char *const *choices;	/* PT_SELECT */
};

/* An old name still accepted (fence-agents' and fence_lpar's own). */
struct fence_alias {
	const char *old;
	enum fence_pid pid;
};

extern const struct fence_param fence_params[P_COUNT];
extern const struct fence_alias fence_aliases[];
extern const size_t fence_n_aliases;

/* The raw values as given (NULL: not given), then the typed reading. */
struct fence_opts {
	char *val[P_COUNT];
	int verbose_count;		/* -v given N times */
	char *nodename;			/* from stdin, for the log only */
	unsigned int n_warnings;	/* unknown keys and the like */
};

struct fence_cfg {
	enum fence_action action;
	const char *ip, *ip2, *username, *password, *password_script;
	const char *identity_file, *known_hosts, *plug, *managed;
	char plug_shown[FENCE_SHOWN_MAX];	/* plug, cut for messages */
	const char *systems[FENCE_SYS_MAX];	/* empty: all the HMC manages */
	size_t n_systems;
	char *systems_buf;			/* storage of systems[] */
	unsigned int ipport;
	unsigned int delay, login_timeout, power_timeout, power_wait;
	unsigned int shell_timeout, status_sleep, retry_on;
	bool verbose, quiet;
	const char *debug_file;
	char separator;
};

/* "meta-data" is taken as "metadata". -EINVAL if unknown. */
int fence_action_parse(const char *s, enum fence_action *a);
/* The parameter for a stdin key or option name ('-' and '_' alike, old
 * names included), or -ENOENT. */
int fence_param_lookup(const char *key);

void fence_opts_init(struct fence_opts *o);
void fence_opts_free(struct fence_opts *o);
/* Set one parameter (last value wins). Booleans take 1/yes/on/true and
 * 0/no/off/false: anything else is -EINVAL. */
int fence_opts_set(struct fence_opts *o, enum fence_pid pid, const char *v);

/* Parse the fence-agent stdin: BUF of LEN bytes. Comments and blank lines
 * are skipped; unknown keys are warned about and ignored. A NUL or control
 * byte, a line over FENCE_LINE_MAX, a line without '=' or with an empty
 * key: -EINVAL with the reason in ERR. */
int fence_opts_parse_stdin(struct fence_opts *o, const char *buf, size_t len,
			   char *err, size_t errlen);
/* Read all of FP (at most FENCE_INPUT_MAX bytes, else -E2BIG) and parse. */
int fence_opts_read_stdin(struct fence_opts *o, FILE *fp, char *err,
			  size_t errlen);
/* Parse GNU-style options. -EINVAL with ERR on a bad option. */
int fence_opts_parse_argv(struct fence_opts *o, int argc, char *const argv[],
			  char *err, size_t errlen);

/* Typed reading and checks of what an action needs. Defaults are applied.
 * Only the action is read for metadata, manpage, help and version (so that
 * they work with no other parameter). -EINVAL with ERR if anything is
 * wrong. CFG points into O: keep O alive. */
int fence_cfg_load(const struct fence_opts *o, struct fence_cfg *cfg,
		   char *err, size_t errlen);
/* Checks that touch the file system (key files exist and are readable). */
int fence_cfg_check_files(const struct fence_cfg *cfg, char *err,
			  size_t errlen);
void fence_cfg_free(struct fence_cfg *cfg);
/* validate-all: warn when systems= cannot hold a restart destination (one
 * system: a remote restart always leaves it). Returns the warnings. */
unsigned int fence_cfg_warn_systems(const struct fence_cfg *cfg);

/* snprintf into ERR (may be NULL): the one way errors are reported. */
void fence_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* S for a message: whole if it fits OUT, else its head, "..." and its
 * length. */
void fence_cut(const char *s, char *out, size_t outlen);
/* The long option of parameter PID: its name with '_' -> '-'. */
void fence_param_longopt(enum fence_pid pid, char *out, size_t outlen);

/* Strict unsigned number in [0, MAX]. */
int fence_parse_uint(const char *s, unsigned long max, unsigned long *out);

/* ------------------------------------------------------------------------ */
/* fence_meta.c: metadata, usage, man page                                  */
/* ------------------------------------------------------------------------ */

void fence_print_metadata(FILE *fp);
void fence_print_usage(FILE *fp);
void fence_print_manpage(FILE *fp);

/* ------------------------------------------------------------------------ */
/* fence_locate.c: where the partition is (pure; no I/O)                     */
/* ------------------------------------------------------------------------ */

/* What one candidate system showed about the partition. */
struct fence_obs {
	const char *sys;
	enum hmc_sys_state sys_state;
	const char *sys_state_text;	/* as the HMC printed it */
	bool listed;			/* its partitions could be read */
	bool defined;			/* the partition is defined there */
	enum hmc_lpar_state state;
	const char *state_text;
	enum hmc_rr_status rrs;
	const char *rrs_text;		/* as the HMC printed it */
	const char *profile;		/* curr_profile */
};

/* How one copy reads. */
enum fence_copy {
	COPY_ABSENT = 0,	/* not defined on that system */
	COPY_RUNNING,		/* may run: fencing must stop it */
	COPY_OFF,		/* its system is Operating and it is off */
	COPY_DOWN,		/* its system is in a definite down state */
	COPY_AMBIGUOUS,		/* cannot be proven off */
};

enum fence_power {
	FENCE_POWER_UNKNOWN = 0,
	FENCE_POWER_ON,
	FENCE_POWER_OFF,
};

struct fence_verdict {
	enum fence_power power;
	enum fence_copy copy[FENCE_SYS_MAX];	/* per observation */
	size_t n_defined;
	int start;			/* observation to start for on, or -1 */
	char why[FENCE_WHY_MAX];	/* the reason for UNKNOWN, or for no start */
};

const char *fence_copy_name(enum fence_copy c);
const char *fence_power_name(enum fence_power p);	/* ON, OFF, UNKNOWN */
/* Classify one copy; WHY (may be NULL) says why when not plainly on/off. */
enum fence_copy fence_copy_classify(const struct fence_obs *ob, char *why,
				    size_t whylen);
/* Decide from N observations (at most FENCE_SYS_MAX). MANAGED (may be NULL)
 * breaks a tie between definitions for on. -EINVAL if N is too big. */
int fence_locate(const struct fence_obs *obs, size_t n, const char *managed,
		 struct fence_verdict *v);

/* ------------------------------------------------------------------------ */
/* fence_view.c: the HMC's listings as observations (pure; no I/O)           */
/* ------------------------------------------------------------------------ */

/* The -F fields fence_srr asks for, and their columns. */
extern const char *const fence_sys_fields[];	/* name,state */
extern const char *const fence_lpar_fields[];	/* name,state,remote_restart_status,curr_profile */
enum { SYS_COL_NAME, SYS_COL_STATE, SYS_NCOLS };
enum { LPAR_COL_NAME, LPAR_COL_STATE, LPAR_COL_RRS, LPAR_COL_PROFILE, LPAR_NCOLS };

/* What the HMC showed about the candidate systems. */
struct fence_view {
	size_t n;
	const char *sys[FENCE_SYS_MAX];
	const char *sys_state[FENCE_SYS_MAX];	/* as printed */
	int list_rc[FENCE_SYS_MAX];		/* 0: lpars[i] holds the listing */
	struct hmc_table lpars[FENCE_SYS_MAX];
	struct hmc_table systab;		/* storage of sys[], sys_state[] */
};

void fence_view_init(struct fence_view *v);
void fence_view_free(struct fence_view *v);
/* Pick the candidate systems from SYSTAB (name,state rows), which V takes
 * over. WANT (N_WANT items) empty: every system. A wanted system the HMC
 * does not show, a repeated row or too many systems: -ENOENT / -EBADMSG /
 * -E2BIG with ERR. */
int fence_view_set_systems(struct fence_view *v, struct hmc_table *systab,
			   const char *const *want, size_t n_want, char *err,
			   size_t errlen);
/* Observations of partition PLUG on every candidate system, into OBS (at
 * least V->n entries; strings point into V). A listing with PLUG twice on
 * one system: -EBADMSG with ERR. */
int fence_view_observe(const struct fence_view *v, const char *plug,
		       struct fence_obs *obs, char *err, size_t errlen);

/* ------------------------------------------------------------------------ */
/* fence_hmc.c: talking to the HMC (hmc/'s builder, parser and transport)    */
/* ------------------------------------------------------------------------ */

/* One or two HMCs managing the same systems: a transport failure on one
 * moves to the other; a command that ran and failed does not. */
struct fence_hmc {
	struct hmc_conn *conn[2];
	const char *host[2];
	size_t n;
	size_t cur;
	unsigned int n_cmds;		/* commands sent, for the log */
};

int fence_hmc_open(struct fence_hmc *h, const struct fence_cfg *c,
		   const char *password);
void fence_hmc_close(struct fence_hmc *h);
/* Run CMD; 0 when it ran and exited 0. -EREMOTEIO when it ran and failed
 * (ERR holds the HSCL code and the first line), a transport errno else. */
int fence_hmc_run(struct fence_hmc *h, const struct hmc_cmd *cmd,
		  struct hmc_result *res, char *err, size_t errlen);
/* Read the candidate systems and, if LPARS, each one's partitions. */
int fence_hmc_view(struct fence_hmc *h, const struct fence_cfg *c, bool lpars,
		   struct fence_view *v, char *err, size_t errlen);
int fence_hmc_shutdown(struct fence_hmc *h, const char *sys, const char *lpar,
		       char *err, size_t errlen);
int fence_hmc_start(struct fence_hmc *h, const char *sys, const char *lpar,
		    const char *profile, char *err, size_t errlen);

/* ------------------------------------------------------------------------ */
/* fence_action.c: the actions that talk to the HMC                          */
/* ------------------------------------------------------------------------ */

/* Run C->action (on, off, reboot, status, list, list-status, monitor)
 * and return the exit code of the fence-agent API. */
int fence_run(const struct fence_cfg *c, struct fence_hmc *h, FILE *out);

#endif /* SRR_FENCE_H */
