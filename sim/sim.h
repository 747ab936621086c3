/*
 * sim.h: hmcsim's private header, prototypes grouped by file.
 *
 * hmcsim is an HMC simulator: an SSH server (libssh) in front of a model of
 * managed systems and partitions. One mutex guards the whole model; every
 * session runs in its own thread, every command on a worker thread of its
 * own (sim_exec.c), and holds the lock only while it reads or changes the
 * model (long operations sleep on the model's condition variable, which
 * releases the lock).
 *
 * Error convention: 0 / negative errno, as in the rest of srrha. Command
 * handlers return the command's exit status (0, 1, ...), the HMC's way.
 */
#ifndef SRR_SIM_H
#define SRR_SIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <qb/qblog.h>
#include <syslog.h>

#include "hmc/hmc.h"

/* Every component logs through libqb with its own tag. */
#include "include/srr_log.h"

#define SIM_NAME_MAX	HMC_NAME_MAX
#define SIM_PROF_MAX	64
#define SIM_LPARS_MAX	1000		/* per system, as an HMC allows */
#define SIM_SYS_MAX	64
#define SIM_ARGS_MAX	64		/* words in one command line */
#define SIM_LINE_MAX	HMC_CMD_MAX	/* longest command line accepted */

/* Monotonic nanoseconds: never mixed with wall-clock time. */
typedef struct { int64_t ns; } sim_mono;
sim_mono sim_mono_now(void);

/* ------------------------------------------------------------------------ */
/* sim_model.c: the estate                                                  */
/* ------------------------------------------------------------------------ */

/* Durations in seconds before the global time scale is applied. */
struct sim_timing {
	double validate;
	double restart;
	double cleanup;
	double sys_off;		/* Operating -> Power Off In Progress -> Power Off */
	double sys_off_immed;
	double sys_on;		/* Power Off -> Initializing -> Operating */
	double lpar_start;	/* Not Activated -> Starting -> Running */
	double lpar_shutdown;	/* OS shutdown: Shutting Down -> Not Activated */
	double lpar_shutdown_immed;
};

struct sim_rr;

struct sim_lpar {
	char name[SIM_NAME_MAX + 1];
	unsigned int id;
	bool vios;			/* lpar_env vioserver, else aixlinux */
	enum hmc_lpar_state state;	/* the truth, whatever the system shows */
	bool srr;			/* simplified_remote_restart_capable */
	bool rr_classic;		/* remote_restart_capable (Power7 kind) */
	unsigned int mem_mb;
	unsigned int pu;		/* processor units x 100 */
	unsigned int procs;
	char profile[SIM_PROF_MAX + 1];
	enum hmc_rr_status rrs;
	/* A pending transition (lpar on/shutdown), applied by sim_tick(). */
	enum hmc_lpar_state next_state;
	sim_mono next_at;
	struct sim_rr *rr;		/* a restart in progress, or NULL */
};

struct sim_sys {
	char name[SIM_NAME_MAX + 1];
	char type_model[32];
	char serial[32];
	char ipaddr[48];		/* its service processor's address */
	enum hmc_sys_state state;
	enum hmc_sys_state next_state;	/* pending transition, 0 if none */
	sim_mono next_at;
	enum hmc_sys_state final_state;	/* after next_state (two-step power) */
	double final_after;
	bool srr;			/* powervm_lpar_simplified_remote_restart_capable */
	char fw_spname[32], fw_level[16], fw_ec[16];
	unsigned int mem_mb;		/* installed */
	unsigned int pu;		/* installed processor units x 100 */
	unsigned int rr_limit;		/* concurrent remote restarts */
	unsigned int rr_active;
	struct sim_lpar **lpars;
	size_t nlpars, cap;
};

struct sim_model {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* broadcast on every change */
	struct sim_sys **sys;
	size_t nsys;
	struct sim_timing t;
	double time_scale;
	bool auto_cleanup;
	/* The destination copy of a restart shows only once the restart
	 * ends, as some HMC levels may show it (rr_dest_shown = end). */
	bool rr_dest_late;
	unsigned int rr_limit_default;
	char hmc_name[64];
	char *state_path;		/* persisted after each change, or NULL */
	uint64_t generation;		/* bumped on every change */
};

int sim_model_init(struct sim_model *m);
void sim_model_free(struct sim_model *m);
struct sim_sys *sim_sys_find(struct sim_model *m, const char *name);
struct sim_lpar *sim_lpar_find(struct sim_sys *s, const char *name);
struct sim_lpar *sim_lpar_find_id(struct sim_sys *s, unsigned int id);
int sim_sys_add(struct sim_model *m, const char *name, struct sim_sys **out);
int sim_lpar_add(struct sim_sys *s, const char *name, struct sim_lpar **out);
void sim_lpar_remove(struct sim_sys *s, struct sim_lpar *l);
/* Memory (MB) and processor units (x100) not used by active partitions. */
unsigned int sim_sys_avail_mem(const struct sim_sys *s);
unsigned int sim_sys_avail_pu(const struct sim_sys *s);
/* The system answers for its partitions (Operating or Standby). */
bool sim_sys_up(const struct sim_sys *s);
/* The partition state the HMC shows: Not Available while the system is
 * lost or broken, whatever the partition really does. */
enum hmc_lpar_state sim_lpar_shown(const struct sim_sys *s,
				   const struct sim_lpar *l);
/* Does the HMC list the partition (a restart's destination copy is hidden
 * until the end with rr_dest_late)? */
bool sim_lpar_listed(const struct sim_model *m, const struct sim_lpar *l);
/* Scale a duration (s) to a deadline from now. */
sim_mono sim_deadline(const struct sim_model *m, double seconds);
/* Apply the transitions that are due. Caller holds the lock. */
void sim_tick(struct sim_model *m);
/* Set a system state now (control interface, faults): cancels pending. */
void sim_sys_set_state(struct sim_model *m, struct sim_sys *s,
		       enum hmc_sys_state st);
/* Start a power transition to ST through MID, taking SECONDS. */
void sim_sys_power(struct sim_model *m, struct sim_sys *s,
		   enum hmc_sys_state mid, enum hmc_sys_state st, double seconds);
/* Record a change: bump generation, wake sleepers, persist. Holds lock. */
void sim_changed(struct sim_model *m);
/* Wait until DEADLINE or a change; the lock is released meanwhile.
 * Returns true when the deadline has passed. */
bool sim_wait(struct sim_model *m, sim_mono deadline);
int sim_parse_pu(const char *s, unsigned int *pu);
void sim_fmt_pu(unsigned int pu, char *out, size_t len);
int sim_parse_uint(const char *s, unsigned int max, unsigned int *v);

/* ------------------------------------------------------------------------ */
/* sim_topo.c: topology and state files (INI)                               */
/* ------------------------------------------------------------------------ */

/* Load a topology (or a saved state: same format) into an empty model.
 * On error, ERR (ERRLEN bytes) says which line and why. */
int sim_topo_load(struct sim_model *m, const char *path, char *err,
		  size_t errlen);
/* Write the model in the same format, atomically (temp file + rename). */
int sim_topo_save(struct sim_model *m, const char *path);
/* The model in the same format into BUF (control "dump"). */
int sim_topo_dump(struct sim_model *m, struct hmc_buf *b);

/* ------------------------------------------------------------------------ */
/* sim_words.c: shell-word splitting of incoming command lines              */
/* ------------------------------------------------------------------------ */

/* Runs a `command` substitution and gives its output (malloc'd). */
typedef int (*sim_subst_fn)(void *arg, const char *cmd, char **out);

/* Split LINE into words as bash would read them: '...' literal, "..." with
 * \" \\ \$ \` escapes, \x outside quotes, `cmd` substitution through SUBST
 * (NULL: refused). Operators the restricted shell does not offer (; | & < >
 * $( ) ) are refused with -EPERM. Returns the word count (ARGV is
 * NULL-terminated, freed with sim_words_free) or -errno. */
int sim_words_split(const char *line, sim_subst_fn subst, void *arg,
		    char ***argv);
void sim_words_free(char **argv);

/* ------------------------------------------------------------------------ */
/* sim_fault.c: injected faults                                             */
/* ------------------------------------------------------------------------ */

enum sim_fault_kind {
	SIM_FAULT_LATENCY,	/* arg: milliseconds added */
	SIM_FAULT_HANG,		/* never answers */
	SIM_FAULT_FAIL,		/* arg: HSCL code, exit 1, nothing changed */
	SIM_FAULT_DROP,		/* connection dropped, no answer */
	SIM_FAULT_GARBAGE,	/* unparseable output, exit 0 */
	SIM_FAULT_RR_FAIL,	/* restart fails midway (needs recover) */
	SIM_FAULT_SLOW,		/* arg: bytes per second (default 1) */
	SIM_FAULT_HUGE,		/* arg: bytes the output is repeated up to */
};

#define SIM_SLOW_BPS_MAX	(100u * 1000 * 1000)
#define SIM_HUGE_MAX		4000000000u

struct sim_fault_hit {
	bool latency, hang, fail, drop, garbage, rr_fail, slow, huge;
	unsigned int latency_ms;
	unsigned int slow_bps;		/* the slowest matching rate */
	unsigned int huge_bytes;	/* the largest matching size */
	char code[HMC_CODE_LEN];
};

void sim_faults_init(void);
/* VERB and SYS may be "*"; COUNT 0 = forever. Returns the id or -errno. */
int sim_fault_add(const char *verb, const char *sys, enum sim_fault_kind k,
		  const char *arg, unsigned int count);
int sim_fault_del(int id);
void sim_fault_clear(void);
void sim_fault_list(struct hmc_buf *b);
int sim_fault_kind_parse(const char *s, enum sim_fault_kind *k);
/* Collect the faults that match this command (consuming counts). */
void sim_fault_match(const char *verb, char *const *argv,
		     struct sim_fault_hit *hit);
/* Is a hang on VERB still in force (checked while hanging). */
bool sim_fault_hang_active(const char *verb, char *const *argv);
/* The stdout a huge fault makes of OUT (OUT itself without one), never
 * built whole: its length, and bytes [OFF, OFF + N) of it into BUF. */
uint64_t sim_fault_out_len(const struct sim_fault_hit *h, size_t out_len);
void sim_fault_out_read(const struct sim_fault_hit *h, const char *out,
			size_t out_len, uint64_t off, char *buf, size_t n);

/* ------------------------------------------------------------------------ */
/* sim_cmd.c, sim_cmd_ls.c, sim_cmd_ch.c, sim_rr.c: the HMC commands        */
/* ------------------------------------------------------------------------ */

struct sim_ctx {
	struct sim_model *m;
	struct hmc_buf *out;		/* stdout */
	struct hmc_buf *err;		/* stderr */
	const char *user;
	int depth;			/* `...` nesting */
	bool dropped;			/* the fault asked to drop the session */
	/* Is the client still there (checked while a hang fault holds). */
	bool (*alive)(void *arg);
	void *alive_arg;
	struct sim_fault_hit hit;	/* faults that matched this command */
	char fault[64];			/* their names, for the log */
};

/* Run one command line. Returns the exit status; output in CTX. */
int sim_cmd_run(struct sim_ctx *c, const char *line);

/* Option parsing shared by the handlers. */
struct sim_opt {
	const char *name;		/* "-m", "--filter", ... */
	bool has_arg;
	const char *val;		/* set by sim_opts_parse; "" for flags */
};
int sim_opts_parse(struct sim_ctx *c, int argc, char **argv,
		   struct sim_opt *opts, size_t nopts);
const char *sim_opt(const struct sim_opt *opts, size_t nopts, const char *name);
int sim_err(struct sim_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int sim_need_sys(struct sim_ctx *c, const char *name, struct sim_sys **s);
int sim_need_lpar(struct sim_ctx *c, struct sim_sys *s, const char *name,
		  const char *id, struct sim_lpar **l);

int sim_cmd_lssyscfg(struct sim_ctx *c, int argc, char **argv);
int sim_cmd_lshwres(struct sim_ctx *c, int argc, char **argv);
int sim_cmd_lslic(struct sim_ctx *c, int argc, char **argv);
int sim_cmd_lscomgmt(struct sim_ctx *c, int argc, char **argv);
int sim_cmd_chsysstate(struct sim_ctx *c, int argc, char **argv);
int sim_cmd_chsyscfg(struct sim_ctx *c, int argc, char **argv);
int sim_cmd_migrlpar(struct sim_ctx *c, int argc, char **argv);
int sim_cmd_rrstartlpar(struct sim_ctx *c, int argc, char **argv);

/* ------------------------------------------------------------------------ */
/* sim_log.c: the JSON command log                                          */
/* ------------------------------------------------------------------------ */

struct sim_log_rec {
	const char *endpoint;
	const char *user;
	const char *peer;		/* client address */
	const char *mode;		/* "exec" or "shell" */
	unsigned long session;
	const char *command;
	sim_mono start_mono, end_mono;
	int64_t start_wall_us, end_wall_us;
	int exit_status;		/* -1: none (dropped, hung) */
	const char *fault;		/* or NULL */
};

int sim_log_open(const char *path);
void sim_log_write(const struct sim_log_rec *r);
void sim_log_close(void);
/* The last N lines of the log (0: all) into B; -ENOENT without a log. */
int sim_log_tail(struct hmc_buf *b, unsigned int n);
int64_t sim_wall_us(void);

/* ------------------------------------------------------------------------ */
/* sim_exec.c: commands on worker threads                                   */
/* ------------------------------------------------------------------------ */

/* Channels of one session at once, as OpenSSH's MaxSessions (10 by
 * default): one more is refused (SSH_MSG_CHANNEL_OPEN_FAILURE). */
#define SIM_CHANNELS_MAX	10

/* A session's finished commands; its fd is readable when there are some. */
struct sim_hub;

/* One command line of one channel. The session fills the first part and
 * starts it; the worker owns it until it is taken from the hub (or frees
 * it if the session is gone by then). */
struct sim_job {
	struct sim_job *next;		/* on its hub's lists */
	struct sim_hub *hub;
	struct sim_model *m;
	unsigned int slot;		/* its channel in the session */
	char *line;			/* malloc'd */
	const char *mode;		/* "exec" or "shell" */
	const char *endpoint;		/* lives as long as the server */
	unsigned long session;
	char user[64], peer[64];
	/* The answer, read once taken from the hub. */
	struct hmc_buf out, err;
	struct sim_fault_hit hit;	/* slow and huge shape the output */
	bool dropped;			/* a fault drops the session */
	int status;			/* -1 if dropped */
	bool cancel;			/* client gone; under the hub's lock */
};

int sim_hub_new(struct sim_hub **out);
int sim_hub_fd(const struct sim_hub *h);
/* Run J on a thread of its own; J is logged when its command ends. */
int sim_job_start(struct sim_hub *h, struct sim_job *j);
/* Its client is gone: a hang fault stops holding it. */
void sim_job_cancel(struct sim_job *j);
/* The jobs done since the last call (a list through next), the caller's. */
struct sim_job *sim_hub_take(struct sim_hub *h);
/* The session ends: jobs still running are cancelled and dropped when
 * they end; the hub goes with the last one. */
void sim_hub_close(struct sim_hub *h);
void sim_job_free(struct sim_job *j);
/* Commands still running on worker threads (all sessions). */
unsigned int sim_jobs_running(void);

/* ------------------------------------------------------------------------ */
/* sim_ssh.c: the SSH server                                                */
/* ------------------------------------------------------------------------ */

struct sim_endpoint;

struct sim_server_opts {
	const char *host_key;		/* generated if absent */
	const char *authorized_keys;
	const char *password_user;	/* optional password authentication */
	const char *password;
	const char *prompt_host;	/* "hmcsim" in "hscroot@hmcsim:~> " */
	/* OpenSSH's LoginGraceTime, MaxStartups (one number), a cap on all
	 * sessions, MaxAuthTries (0: the defaults, SIM_LOGIN_GRACE_S ...),
	 * and the pause after a failed password (0: none). */
	double login_grace_s;
	unsigned int max_startups;
	unsigned int max_sessions;
	unsigned int max_auth_tries;
	unsigned int auth_fail_delay_ms;
};

#define SIM_LOGIN_GRACE_S	30
#define SIM_MAX_STARTUPS	100
#define SIM_MAX_SESSIONS	256
#define SIM_MAX_AUTH_TRIES	6
#define SIM_AUTH_FAIL_DELAY_MS	1000

int sim_server_init(struct sim_model *m, const struct sim_server_opts *o);
/* Add an endpoint listening on ADDR:PORT; it starts up. */
int sim_endpoint_add(const char *addr, unsigned int port);
size_t sim_endpoint_count(void);
/* Take endpoint IDX (0-based) down (refuse connections, drop sessions) or
 * bring it back. */
int sim_endpoint_set_up(size_t idx, bool up);
/* Generate a new host key, write it, and serve it from now on. */
int sim_hostkey_rotate(void);
/* Stop accepting, cut every session; true once no session thread is
 * left (then the model may be freed). */
bool sim_server_stop(void);
void sim_server_status(struct hmc_buf *b);
/* "logins ENDPOINT ADDRESS N" per endpoint and client address. */
void sim_server_logins(struct hmc_buf *b);

/* ------------------------------------------------------------------------ */
/* sim_ctl.c: the control socket                                            */
/* ------------------------------------------------------------------------ */

int sim_ctl_start(struct sim_model *m, const char *path);
/* One control command line; the answer ends with "OK\n" or "ERR ...\n".
 * (Exposed for the unit tests.) */
void sim_ctl_exec(struct sim_model *m, const char *line, struct hmc_buf *out);
void sim_ctl_stop(void);

#endif /* SRR_SIM_H */
