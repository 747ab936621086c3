/*
 * hmc.h: the HMC protocol, the one public header of hmc/.
 *
 * What is here: the command builder (every name quoted for the HMC's shell),
 * the output parser and formatter (the -F and attr=value formats with HMC
 * quoting), the vocabularies (managed system, partition and remote restart
 * states) and the SSH transport. No policy: deciding what to do with a state
 * is the engine's business.
 *
 * Error convention for the whole component: functions return 0 (or a count)
 * on success and a negative errno on failure, as libqb does. Functions that
 * take outside input (HMC output, names) never abort on it.
 */
#ifndef SRR_HMC_H
#define SRR_HMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------ */
/* Limits                                                                   */
/* ------------------------------------------------------------------------ */

/* Longest system or partition name we pass on (bytes). The HMC's own limits
 * are lower (47 characters for a partition); it checks those itself. */
#define HMC_NAME_MAX		255
/* Longest command line we build. */
#define HMC_CMD_MAX		8192
/* Longest output line the parser accepts; a longer one is refused. */
#define HMC_LINE_MAX		(256 * 1024)
/* Most output we read from one command (2000 partitions fit many times). */
#define HMC_OUTPUT_MAX		(16 * 1024 * 1024)
/* Most name=value pairs on one attr=value line (a profile has about 60). */
#define HMC_PAIRS_MAX		4096
/* Room for an HSCL code: "HSCLA9CE" and its NUL. */
#define HMC_CODE_LEN		9

/* ------------------------------------------------------------------------ */
/* hmc_cmd.c: the command builder                                           */
/* ------------------------------------------------------------------------ */

/* A command line under construction; words are appended shell-quoted. */
struct hmc_cmd {
	char line[HMC_CMD_MAX];
	size_t len;
};

/* 0 if NAME can be quoted safely: non-empty, at most HMC_NAME_MAX bytes,
 * valid UTF-8, no control character (newline, CR, NUL, ...). -EINVAL or
 * -ENAMETOOLONG otherwise. */
int hmc_name_check(const char *name);

/* Quote one word for the HMC's restricted shell so that it reads as exactly
 * that word whatever it holds (spaces, quotes, ;, $(), backticks, UTF-8).
 * Always single quotes ('p814-1'); a ' inside becomes '\''. Writes a
 * NUL-terminated string to OUT. -ENOSPC if OUTLEN is too small. */
int hmc_shell_quote(const char *word, char *out, size_t outlen);

/* Low-level builder. hmc_cmd_word() appends a literal from our own code
 * (option or keyword: [A-Za-z0-9_.,:=/-] only, else -EINVAL); hmc_cmd_arg()
 * appends any text without control characters as one quoted word;
 * hmc_cmd_name() checks NAME with hmc_name_check() first and appends OPT
 * (if not NULL) and NAME. Past HMC_CMD_MAX: -E2BIG. A refused call leaves C
 * as it was; a refused per-command builder below leaves C empty. */
void hmc_cmd_init(struct hmc_cmd *c, const char *verb);
int hmc_cmd_word(struct hmc_cmd *c, const char *word);
int hmc_cmd_arg(struct hmc_cmd *c, const char *text);
int hmc_cmd_name(struct hmc_cmd *c, const char *opt, const char *name);

enum hmc_res {			/* lssyscfg -r */
	HMC_RES_SYS,
	HMC_RES_LPAR,
	HMC_RES_PROF,
};

enum hmc_hwres {		/* lshwres -r */
	HMC_HWRES_MEM,
	HMC_HWRES_PROC,
};

enum hmc_level {		/* lshwres --level */
	HMC_LEVEL_SYS,
	HMC_LEVEL_LPAR,
};

/* Fields for -F: NULL-terminated attribute names (hmc_attr_name_ok()),
 * joined with DELIM (hmc_delim_ok(): ',' or ':' ...; one that is not a
 * plain word character, such as ';', is shell-quoted with the list).
 * FIELDS NULL means no -F (attr=value output). */
struct hmc_fields {
	const char *const *names;
	char delim;
};

/* lssyscfg -r RES [-m SYS] [--filter "lpar_names=N1,N2"|"lpar_ids=.."]
 * [-F ...] [--header]. SYS is required for lpar and prof. Names in a filter
 * may not contain ',' or '"' (the HMC's filter syntax cannot carry them):
 * -EINVAL; use lpar_ids for such partitions. */
struct hmc_filter {
	const char *const *lpar_names;	/* NULL-terminated, or NULL */
	const unsigned int *lpar_ids;	/* with n_ids, or NULL */
	size_t n_ids;
};
int hmc_cmd_lssyscfg(struct hmc_cmd *c, enum hmc_res res, const char *sys,
		     const struct hmc_filter *filter,
		     const struct hmc_fields *fields, bool header);

int hmc_cmd_lshwres(struct hmc_cmd *c, enum hmc_hwres res, const char *sys,
		    enum hmc_level level, const struct hmc_fields *fields);

int hmc_cmd_lslic(struct hmc_cmd *c, const char *sys,
		  const struct hmc_fields *fields);

/* chsysstate -m SYS -r sys -o on|off [--immed] */
int hmc_cmd_sys_power(struct hmc_cmd *c, const char *sys, bool on, bool immed);
/* chsysstate -r lpar -m SYS -n LPAR -o on -f PROFILE */
int hmc_cmd_lpar_on(struct hmc_cmd *c, const char *sys, const char *lpar,
		    const char *profile);
/* chsysstate -r lpar -m SYS -n LPAR -o shutdown [--immed] */
int hmc_cmd_lpar_shutdown(struct hmc_cmd *c, const char *sys,
			  const char *lpar, bool immed);
/* chsyscfg -r lpar -m SYS -i "name=LPAR,simplified_remote_restart_capable=0|1" */
int hmc_cmd_lpar_set_srr(struct hmc_cmd *c, const char *sys, const char *lpar,
			 bool capable);
/* migrlpar -o v -m SRC -t DST -p LPAR */
int hmc_cmd_migrlpar_validate(struct hmc_cmd *c, const char *src,
			      const char *dst, const char *lpar);

enum hmc_rr_op {
	HMC_RR_VALIDATE,
	HMC_RR_RESTART,
	HMC_RR_CLEANUP,
	HMC_RR_CANCEL,
	HMC_RR_RECOVER,
};

/* rrstartlpar -o OP -m SRC [-t DST] (-p NAME | --id ID) [--redundantvios N]
 * [--retaindev] [--usecurrdata] [--noconnection] [-w MIN] [--force].
 * DST is required for validate and restart, refused for cleanup, optional
 * for cancel and recover. Exactly one of LPAR and LPAR_ID (>= 1). An option
 * the operation does not take is refused (-EINVAL): --retaindev cleanup;
 * --force cleanup, recover; --noconnection, --usecurrdata, --redundantvios
 * validate, restart. Set redundantvios to -1 when not given: a zeroed
 * struct asks for --redundantvios 0. */
struct hmc_rr {
	enum hmc_rr_op op;
	const char *src;
	const char *dst;
	const char *lpar;		/* name, or NULL to use lpar_id */
	unsigned int lpar_id;
	bool retaindev;			/* cleanup */
	bool force;			/* cleanup, recover */
	bool noconnection;		/* validate/restart, source in No Connection */
	bool usecurrdata;
	int redundantvios;		/* -1: not given; 0, 1 or 2 */
	int wait_minutes;		/* -w; 0: not given */
};
int hmc_cmd_rrstartlpar(struct hmc_cmd *c, const struct hmc_rr *rr);

const char *hmc_rr_op_name(enum hmc_rr_op op);	/* "validate", ... */

/* ------------------------------------------------------------------------ */
/* hmc_parse.c: the output parser                                           */
/* ------------------------------------------------------------------------ */

/* One row of output. For -F output NAMES is NULL and values are in field
 * order. For attr=value output every value has its name; attributes we do
 * not know are kept like the others. */
struct hmc_row {
	size_t n;
	char **names;
	char **values;
};

struct hmc_table {
	size_t nrows;
	struct hmc_row *rows;
};

/* Parse -F output: one row per line, fields split on DELIM with HMC quoting
 * (a value with the delimiter is in double quotes, "" inside is one quote).
 * NCOLS is the number of fields asked for; a row with another count is an
 * error (-EBADMSG), never a half-filled row. "No results were found." gives
 * zero rows. Lines end in LF, a CR before it is dropped, blank lines carry
 * no row. Unterminated quote, text after a closing quote, a NUL byte:
 * -EBADMSG; a line over HMC_LINE_MAX or output over HMC_OUTPUT_MAX: -E2BIG.
 * T is overwritten (not freed first); on error it is left empty. */
int hmc_parse_fields(const char *out, size_t len, char delim, size_t ncols,
		     struct hmc_table *t);

/* Parse attr=value output: pairs separated by commas, a pair holding commas
 * quoted whole, nested lists with doubled quotes. A pair without '=', a bad
 * name, an attribute named twice in a row: -EBADMSG; more than
 * HMC_PAIRS_MAX pairs: -E2BIG. Otherwise as hmc_parse_fields(). */
int hmc_parse_attrs(const char *out, size_t len, struct hmc_table *t);

/* Split one value that is itself a list ("a,b" or ""x,y"",""z"" after the
 * first level of quoting is gone) into items; *ITEMS is NULL-terminated and
 * freed with hmc_strv_free(). Returns the item count or -errno. */
int hmc_split_list(const char *value, char delim, char ***items);
void hmc_strv_free(char **v);

/* The value of attribute NAME in an attr=value row, or NULL. */
const char *hmc_row_get(const struct hmc_row *r, const char *name);
void hmc_table_free(struct hmc_table *t);

/* The characters both sides agree on. A delimiter is printable ASCII and
 * not alphanumeric, '_' or '"' (those would be ambiguous in the -F list or
 * in the output). An attribute name is [A-Za-z0-9_]+. */
bool hmc_delim_ok(char delim);
bool hmc_attr_name_ok(const char *name);

/* True if OUT is exactly the HMC's empty listing ("No results were found."). */
bool hmc_output_is_empty(const char *out, size_t len);

/* Find the first HSCL code at the start of a line (HSCL followed by four
 * hex digits, then the end of the word; blanks before it are allowed) in
 * OUT. Writes it to CODE (HMC_CODE_LEN bytes) and returns 0, or -ENOENT
 * with CODE "". Match on the code only: the text is translated. Use it on
 * the output of a command that failed or warned: a listing may hold a
 * partition named like a code. */
int hmc_find_code(const char *out, size_t len, char code[HMC_CODE_LEN]);

/* ------------------------------------------------------------------------ */
/* hmc_fmt.c: the output formatter (hmcsim, tests): the inverse of the      */
/* parser, so that both sides quote the same way.                           */
/* ------------------------------------------------------------------------ */

struct hmc_buf {
	char *s;
	size_t len;
	size_t cap;
};

int hmc_buf_append(struct hmc_buf *b, const char *s, size_t n);
int hmc_buf_printf(struct hmc_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void hmc_buf_free(struct hmc_buf *b);

/* Append one -F row (values joined by DELIM, quoted where needed, newline).
 * A value holding DELIM or '"' is quoted; a lone empty value is written ""
 * (a blank line would be no row). CR or LF in a value, or a row the parser
 * would refuse: -EINVAL / -E2BIG, and nothing is appended. */
int hmc_fmt_fields(struct hmc_buf *b, const char *const *values, size_t n,
		   char delim);
/* Append one attr=value row; a pair holding ',' or '"' is quoted whole.
 * Names must pass hmc_attr_name_ok() and be distinct. */
int hmc_fmt_attrs(struct hmc_buf *b, const char *const *names,
		  const char *const *values, size_t n);

/* ------------------------------------------------------------------------ */
/* hmc_vocab.c: vocabularies                                                */
/* ------------------------------------------------------------------------ */

/* Managed system states (lssyscfg -r sys -F state). Comparison is
 * case-insensitive; an unknown string is HMC_SYS_UNKNOWN (keep the text). */
enum hmc_sys_state {
	HMC_SYS_UNKNOWN = 0,
	HMC_SYS_OPERATING,
	HMC_SYS_STANDBY,
	HMC_SYS_POWER_OFF,
	HMC_SYS_POWER_OFF_IN_PROGRESS,
	HMC_SYS_INITIALIZING,
	HMC_SYS_SP_FAILOVER,
	HMC_SYS_NO_CONNECTION,
	HMC_SYS_PENDING_AUTH,
	HMC_SYS_FAILED_AUTH,
	HMC_SYS_ERROR,
	HMC_SYS_ERROR_TERMINATED,
	HMC_SYS_ERROR_DUMP,
	HMC_SYS_RECOVERY,
	HMC_SYS_INCOMPLETE,
	HMC_SYS_VERSION_MISMATCH,
	HMC_SYS_STATE_COUNT
};

/* What a system state says about its partitions, by default. The engine
 * may narrow the definite-down set from its configuration. */
enum hmc_sys_class {
	HMC_CLASS_UNKNOWN = 0,	/* never down */
	HMC_CLASS_OPERATING,	/* Operating, Standby: the FSP answers, partitions may run */
	HMC_CLASS_DOWN,		/* Power Off, Error, Error - Terminated, Error - Dump in progress */
	HMC_CLASS_AMBIGUOUS,	/* No Connection, Initializing, Power Off In Progress, ... */
};

enum hmc_sys_state hmc_sys_state_parse(const char *s);
const char *hmc_sys_state_name(enum hmc_sys_state st);	/* canonical HMC spelling */
enum hmc_sys_class hmc_sys_state_class(enum hmc_sys_state st);
const char *hmc_sys_class_name(enum hmc_sys_class cl);
/* The HMC accepts a remote restart from a source in this state. */
bool hmc_sys_state_rr_source_ok(enum hmc_sys_state st);
/* The HMC accepts a cleanup on a source in this state (Operating, Standby). */
bool hmc_sys_state_cleanup_ok(enum hmc_sys_state st);

enum hmc_lpar_state {
	HMC_LPAR_UNKNOWN = 0,
	HMC_LPAR_RUNNING,
	HMC_LPAR_STARTING,
	HMC_LPAR_OPEN_FIRMWARE,
	HMC_LPAR_SHUTTING_DOWN,
	HMC_LPAR_NOT_ACTIVATED,
	HMC_LPAR_NOT_AVAILABLE,
	HMC_LPAR_ERROR,
	HMC_LPAR_HW_DISCOVERY,
	HMC_LPAR_MIGRATING_RUNNING,
	HMC_LPAR_MIGRATING_NOT_ACTIVATED,
	HMC_LPAR_SUSPENDED,
	HMC_LPAR_STATE_COUNT
};

enum hmc_lpar_power {
	HMC_POWER_UNKNOWN = 0,	/* unknown state: may run */
	HMC_POWER_ON,		/* may be running */
	HMC_POWER_OFF,		/* not running */
	HMC_POWER_NOT_AVAILABLE,/* its system is in Error, Recovery, Incomplete */
};

enum hmc_lpar_state hmc_lpar_state_parse(const char *s);
const char *hmc_lpar_state_name(enum hmc_lpar_state st);
/* Our reading, for safety: anything that may execute is ON (Migrating -
 * Running, Suspended, Hardware Discovery included). */
enum hmc_lpar_power hmc_lpar_state_power(enum hmc_lpar_state st);
/* fence_lpar's reading: on = Running, Open Firmware, Shutting Down, Starting. */
bool hmc_lpar_state_fence_lpar_on(enum hmc_lpar_state st);
/* Counts for the restart inventory: Running, Starting, Open Firmware. */
bool hmc_lpar_state_restartable(enum hmc_lpar_state st);

enum hmc_rr_status {
	HMC_RRS_UNKNOWN = 0,
	HMC_RRS_INVALID,
	HMC_RRS_REMOTE_RESTARTABLE,
	HMC_RRS_SOURCE_RESTARTING,
	HMC_RRS_DEST_RESTARTING,
	HMC_RRS_DEST_RESTARTED,
	HMC_RRS_REMOTE_RESTARTED,
	HMC_RRS_LOCAL_STORAGE_UPDATE_FAILED,
	HMC_RRS_PROFILE_RESTORED,
	HMC_RRS_SOURCE_CLEANUP_FAILED,
	HMC_RRS_STALE_DATA,
	HMC_RRS_PARTIAL_UPDATE,
	HMC_RRS_OUT_OF_SPACE,
	HMC_RRS_FORCED_SOURCE_RESTART,
	HMC_RRS_COUNT
};

enum hmc_rr_status hmc_rr_status_parse(const char *s);
const char *hmc_rr_status_name(enum hmc_rr_status st);

/* ------------------------------------------------------------------------ */
/* hmc_ssh.c: the SSH transport (libssh client)                             */
/* ------------------------------------------------------------------------ */

/* The result of one command that ran. */
struct hmc_result {
	int exit_status;		/* remote exit status; -1 if none came */
	char *out;			/* stdout, NUL-terminated */
	size_t out_len;
	char *err;			/* stderr, NUL-terminated */
	size_t err_len;
	char code[HMC_CODE_LEN];	/* first HSCL code in stdout/stderr, or "" */
};
void hmc_result_free(struct hmc_result *r);

struct hmc_conn_opts {
	const char *host;
	uint16_t port;			/* 0: 22 */
	const char *user;
	const char *identity;		/* private key file */
	const char *password;		/* optional: password authentication */
	const char *known_hosts;	/* required: strict host key checking */
	int connect_timeout_ms;		/* 0: 10 s */
	int command_timeout_ms;		/* 0: 300 s */
	int backoff_min_ms;		/* 0: 500 ms */
	int backoff_max_ms;		/* 0: 30 s */
	size_t max_output;		/* 0: HMC_OUTPUT_MAX */
};

struct hmc_conn;

/* Transport errors, distinct from a command that ran and failed (which is
 * a 0 return with exit_status != 0):
 *   -EHOSTUNREACH, -ECONNREFUSED  cannot reach the HMC
 *   -EBADE        host key unknown or changed (never accepted, never asked)
 *   -EACCES       authentication refused
 *   -ETIMEDOUT    connect or command timeout
 *   -ECONNRESET   connection dropped during the command
 *   -EAGAIN       reconnect backoff in progress; try later
 *   -EFBIG        output over max_output
 * hmc_conn_error() gives the human message (host, fingerprint, ...). */
int hmc_conn_new(const struct hmc_conn_opts *opts, struct hmc_conn **connp);
/* Run one command on the persistent session (one channel per command),
 * connecting or reconnecting first as needed. Blocking; one command at a
 * time per connection: parallel work uses several connections. */
int hmc_conn_run(struct hmc_conn *conn, const char *cmdline,
		 struct hmc_result *res);
const char *hmc_conn_error(const struct hmc_conn *conn);
bool hmc_conn_connected(const struct hmc_conn *conn);
/* Counters for tests and benchmarks. */
unsigned int hmc_conn_connects(const struct hmc_conn *conn);
void hmc_conn_close(struct hmc_conn *conn);
void hmc_conn_free(struct hmc_conn *conn);

/* Several commands at once on the one session, one channel each (OpenSSH's
 * MaxSessions is 10 by default: at most HMC_CHANNELS_MAX). Not to be mixed
 * with hmc_conn_run() on the same connection while channels run. Each
 * command has the command timeout; a dropped session ends every running
 * one with -ECONNRESET (its outcome unknown).
 *   hmc_conn_start   connects if needed, opens a channel, sends CMDLINE;
 *                    -EBUSY when HMC_CHANNELS_MAX run or the server
 *                    refuses one more channel while others run (its
 *                    MaxSessions): nothing was sent, the session stays.
 *                    It waits for the server to open the channel (at most
 *                    the command timeout; a server that runs one command
 *                    at a time opens it when the running one ends)
 *   hmc_conn_poll    moves every channel on; waits at most TIMEOUT_MS for
 *                    input when none moved
 *   hmc_chan_done    finished (output, exit status, or an error)
 *   hmc_chan_finish  its result (as hmc_conn_run: 0 with RES, or a
 *                    transport error) and frees it; RES may be NULL */
#define HMC_CHANNELS_MAX	8
struct hmc_chan;
int hmc_conn_start(struct hmc_conn *conn, const char *cmdline,
		   struct hmc_chan **out);
int hmc_conn_poll(struct hmc_conn *conn, int timeout_ms);
bool hmc_chan_done(const struct hmc_chan *ch);
const char *hmc_chan_error(const struct hmc_chan *ch);
int hmc_chan_finish(struct hmc_chan *ch, struct hmc_result *res);

#endif /* SRR_HMC_H */
