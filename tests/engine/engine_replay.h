/*
 * engine_replay.h: the golden-transcript driver's private header (the
 * script format and the transcript are described in engine_replay.c).
 *
 * Error convention: a bad script line ends the program through fail()
 * (FILE:LINE: why, exit 2): the driver reads one script and has nothing
 * to unwind. read_line() returns 1, 0 at the end, or a negative errno.
 */
#ifndef ENGINE_REPLAY_H
#define ENGINE_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "agent/engine.h"

#define MAX_LINE	4096	/* bytes in a script line, newline excluded */
#define MAX_TOK		128	/* words in a line */
#define MAX_LPARC	256	/* partition lines */
#define MAX_INV		256	/* partitions in one inventory line */

struct tok {
	char *key;		/* the bare word, or the part before '=' */
	char *val;		/* after '=', unquoted; NULL for a bare word */
	bool has_val;
	bool used;		/* taken by the line's handler */
};

struct line {
	int no;
	int ntok;
	struct tok tok[MAX_TOK];
	char buf[MAX_LINE + 2];
};

/* An action the driver named (P1, C1, Q1, F1), kept for later lines. */
struct named {
	struct srr_action a;
	bool pending;		/* proposals: not merged or dropped yet */
};

struct nlist {
	char prefix;
	struct named *v;
	size_t n, cap;
};

/* What one HMC said last about each system (poll lines may omit some). */
struct hmc_said {
	bool seen[SRR_MAX_SYS];
	bool visible[SRR_MAX_SYS];
	enum hmc_sys_state st[SRR_MAX_SYS];
};

struct rp {
	const char *file;
	struct srr_engine_conf conf;
	struct srr_lpar_conf lparc[MAX_LPARC];
	size_t nlparc;
	char dest[SRR_MAX_SYS][256];	/* dest= lists, resolved at start */
	int dest_line[SRR_MAX_SYS];
	char pin[MAX_LPARC][SRR_NAME_LEN];	/* pinned=, resolved at start */
	int pin_line[MAX_LPARC];
	struct srr_engine *e;		/* NULL until the first event */
	int64_t now;			/* monotonic ms, set by tick */
	struct hmc_said said[SRR_MAX_HMC];
	struct nlist props, cmds, queries, fences;
};

extern struct rp rp;

/* Monotonic time 0 is this wall time (ms); records carry wall times. */
#define WALL_BASE	1700000000000LL

/* engine_replay.c */
void feed(struct srr_event *ev);

/* engine_replay_read.c: lines, words, values */
int read_line(FILE *f, struct line *l);
void fail(const struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
const char *word(struct line *l, int i, const char *usage);
const char *opt_in(struct line *l, int from, int to, const char *key);
const char *opt(struct line *l, const char *key);
const char *need(struct line *l, const char *key);
bool flag(struct line *l, const char *w);
void tok_all_used(const struct line *l);
int64_t val_int(const struct line *l, const char *key, const char *s,
		int64_t min, int64_t max);
int64_t need_int(struct line *l, const char *key, int64_t min, int64_t max);
int64_t opt_int(struct line *l, const char *key, int64_t min, int64_t max,
		int64_t def);
bool val_bool(const struct line *l, const char *key, const char *s);
bool opt_bool(struct line *l, const char *key, bool def);
uint32_t val_units(const struct line *l, const char *key, const char *s);
void units_str(uint32_t centi, char *out, size_t len);
int node_list(struct line *l, const char *key, char *out, size_t len);
void name_check(const struct line *l, const char *name);
int sys_find(const char *name);
int sys_need(const struct line *l, const char *name);
enum hmc_sys_state val_sys_state(const struct line *l, const char *s);
enum hmc_lpar_state val_lpar_state(const struct line *l, const char *s);
enum hmc_rr_status val_rrs(const struct line *l, const char *s);
const char *errno_name(int e);

/* engine_replay_events.c: the events that refer to earlier actions */
void ev_poll(struct line *l);
void ev_inventory(struct line *l);
void ev_merge(struct line *l);
void ev_drop(struct line *l);
void ev_record(struct line *l);
void ev_cmd_result(struct line *l);
void ev_query_result(struct line *l);
void ev_fence_result(struct line *l);
void ev_operator(struct line *l);
void ev_show(struct line *l);

/* engine_replay_out.c: the transcript */
struct sb {
	char b[2048];
	size_t n;
};
void sb_add(struct sb *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_q(struct sb *s, const char *str);
void sb_rec(struct sb *s, const struct srr_record *r);
const char *sys_name(int s);
void out_line(char mark, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void out_action(const struct srr_action *a);
struct named *named_ref(const struct line *l, struct nlist *nl, const char *ref);

#endif /* ENGINE_REPLAY_H */
