/*
 * srrctl.h: srrctl's private header, prototypes grouped by file.
 *
 * srrctl asks the local srrd over libqb IPC (srrd_ipc.h) and prints the
 * answer: tables that fit 80 columns for people, the reply object itself
 * with --json for scripts. Exit codes: enum srrctl_exit (srrd_ipc.h).
 */
#ifndef SRR_SRRCTL_H
#define SRR_SRRCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "agent/srrd_ipc.h"

#define SRRCTL_WIDTH	80
#define SRRCTL_MAXARG	4

/* Options as given on the command line (any order). */
struct srrctl_opts {
	bool json, yes, check, csv, all, openmetrics, help;
	int64_t timeout_ms;		/* 0: the command's default */
	int64_t older_than_ms;		/* -1: not given */
	int64_t since_ms;		/* wall clock; -1: not given */
	const char *reason, *lpar, *system, *config;
	unsigned given;			/* OPT_* bits, to refuse strays */
	const char *cmd;
	int nargs;
	const char *args[SRRCTL_MAXARG];
};

enum {
	OPT_JSON = 1 << 0, OPT_YES = 1 << 1, OPT_CHECK = 1 << 2,
	OPT_CSV = 1 << 3, OPT_ALL = 1 << 4, OPT_OPENMETRICS = 1 << 5,
	OPT_TIMEOUT = 1 << 6, OPT_OLDER = 1 << 7, OPT_SINCE = 1 << 8,
	OPT_REASON = 1 << 9, OPT_LPAR = 1 << 10, OPT_SYSTEM = 1 << 11,
	OPT_CONFIG = 1 << 12,
};

/* srrctl.c */
void srrctl_usage(FILE *f);
int srrctl_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* srrctl_cmd.c: one function per command; each returns an exit code. */
int srrctl_run(struct srrctl_opts *o);
void srrctl_command_help(FILE *f, const char *cmd);

/* srrctl_ipc.c: one request, one reply. *REPLY is the reply object (a
 * local error object when srrd could not be asked); the return is 0 when
 * srrd answered ok, else an exit code (UNREACHABLE or REFUSED). */
int srrctl_ask(const struct srrctl_opts *o, const char *command,
	       struct json_object *args, bool write, int64_t timeout_ms,
	       struct json_object **reply);
/* The message for a refused connection, naming the [ipc] group. */
void srrctl_denied_text(const struct srrctl_opts *o, char *out, size_t len);

/* srrctl_out.c: the human output of each read. */
void srrctl_out_status(FILE *f, struct json_object *data, int64_t now_ms);
void srrctl_out_lpars(FILE *f, struct json_object *data, int64_t now_ms);
void srrctl_out_debts(FILE *f, struct json_object *data, int64_t now_ms);
void srrctl_out_history(FILE *f, struct json_object *data, bool csv);

/* srrctl_fmt.c: tables, colours, times. */
struct srrctl_table;
struct srrctl_table *srrctl_table_new(int ncol, const char *const *heads);
/* Adds a row of NCOL cells (copied); COLOR (may be NULL) per cell. */
void srrctl_table_row(struct srrctl_table *t, const char *const *cells,
		      const char *const *colors);
/* Prints T, fitting SRRCTL_WIDTH: the last column wraps onto more lines,
 * others are cut with '~' only when nothing else helps. Frees T. */
void srrctl_table_print(FILE *f, struct srrctl_table *t);

/* TEXT word-wrapped to SRRCTL_WIDTH, in COLOR (may be NULL), and a
 * newline; the caller has put the first line's INDENT columns, the next
 * lines are indented by INDENT. */
void srrctl_wrap(FILE *f, const char *text, const char *color, size_t indent);

bool srrctl_color_on(FILE *f);
extern const char *const SRRCTL_RED, *const SRRCTL_GREEN,
	*const SRRCTL_YELLOW, *const SRRCTL_BOLD;
/* Writes S in COLOR (when colour is on) to F. */
void srrctl_colored(FILE *f, const char *color, const char *s);

int64_t srrctl_now_ms(void);
/* "5s", "3m12s", "2h05m", "3d04h"; "-" for a negative age. */
void srrctl_age(int64_t ms, char *out, size_t len);
/* Local time "YYYY-MM-DD HH:MM:SS"; "-" for 0. */
void srrctl_time(int64_t wall_ms, char *out, size_t len);
/* "90", "90s", "15m", "2h", "1d", "500ms" -> ms; -EINVAL. */
int srrctl_parse_duration(const char *s, int64_t *ms);
/* A duration ago, "YYYY-MM-DD[ HH:MM[:SS]]" (local), or "@EPOCH" -> ms. */
int srrctl_parse_since(const char *s, int64_t now_ms, int64_t *ms);

/* JSON accessors that never fail: "" / 0 / false when absent. */
const char *jstr(struct json_object *o, const char *key);
int64_t jint(struct json_object *o, const char *key);
bool jbool(struct json_object *o, const char *key);
struct json_object *jget(struct json_object *o, const char *key);

#endif /* SRR_SRRCTL_H */
