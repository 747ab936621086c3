/*
 * srrd_conf_int.h: the configuration reader's private parts, by file.
 *
 * srrd_conf.c reads the file (inih through a line reader of our own, so
 * that every error knows its line and no long line or section name is cut
 * silently), srrd_conf_keys.c holds the key table and the value parsers,
 * srrd_conf_check.c the checks that need the whole file (names of other
 * sections, defaults that depend on other keys, the canonical order), and
 * srrd_conf_print.c the canonical print, the digest and the engine's view.
 */
#ifndef SRR_SRRD_CONF_INT_H
#define SRR_SRRD_CONF_INT_H

#include "agent/srrd_conf.h"

/* Debian's libinih is built with INI_MAX_LINE 200: a longer line would be
 * split in two, so the reader refuses it. */
#define CONF_LINE_MAX	198
#define CONF_SECT_LEN	(CONF_LINE_MAX + 1)
/* A list (destinations, states) may go on over indented lines. */
#define CONF_LIST_LEN	2560
#define CONF_MAX_LPARS	(SRR_MAX_SYS * SRR_MAX_LPARS)

enum conf_kind {
	CONF_NONE,		/* before the first section */
	CONF_CLUSTER,
	CONF_HMC,
	CONF_SYSTEM,
	CONF_LPAR,
	CONF_POLICY,
	CONF_ALERT,
	CONF_STORE,
	CONF_IPC,
	CONF_KIND_COUNT
};

/* What a [system] said that needs the whole file to check. */
struct conf_sys_pend {
	int line;			/* of the section */
	int dest_line;
	char dest[CONF_LIST_LEN];	/* destinations as written */
	int fence_line;			/* first fence_* key, 0: none */
	int agent_line;			/* fence_agent, 0: none */
};

struct conf_lpar_pend {
	int line;
	char sys[SRR_NAME_LEN];
	int pin_line;
	char pin[SRR_NAME_LEN];
};

enum conf_type {
	T_BOOL,
	T_INT,			/* width from the field's size */
	T_DUR,			/* milliseconds, int64_t or unsigned */
	T_LABEL,		/* [A-Za-z0-9._-] */
	T_CPG,			/* a CPG group name, a label */
	T_HOST,
	T_TEXT,			/* any printable text, may be empty */
	T_PATH,			/* absolute */
	T_IDENTITY,		/* a private key: 0600 or stricter */
	T_KNOWN_HOSTS,		/* not writable by group or others */
	T_EXEC,			/* an executable */
	T_GROUP,		/* a Unix group, or empty */
	T_STATES,		/* HMC system states, comma separated */
	T_DESTS,		/* system names, comma separated */
	T_PIN,			/* one system name */
	T_FENCE_PARAM,		/* fence_param_KEY: a prefix */
};

struct conf_keydef {
	enum conf_kind kind;
	const char *name;
	enum conf_type type;
	size_t off;		/* in the section's struct */
	size_t size;
	int64_t min, max;	/* numbers */
	bool local;		/* may differ per host: not in the digest */
	bool fence;		/* off is in the system's fence conf */
};

extern const struct conf_keydef conf_keys[];
extern const size_t conf_nkeys;

struct conf_ctx {
	struct srrd_conf *c;
	FILE *fp;
	int read_errno;			/* of the read that failed */
	int line;			/* the line inih is working on */
	bool indented;			/* it began with a blank */

	/* the current section, in full (inih's own copy is cut at 49) */
	char sect[CONF_SECT_LEN];
	int sect_line;
	enum conf_kind kind;
	int idx;			/* instance index, -1: none */
	uint64_t seen;			/* keys given in this section */
	char last_key[CONF_SECT_LEN];
	const char *key_now;		/* the key being set */
	char accum[CONF_LIST_LEN];	/* the list value so far */

	int single_line[CONF_KIND_COUNT];	/* [cluster] ... first seen */
	int hmc_line[SRR_MAX_HMC];
	int alert_line[SRRD_MAX_ALERTS];
	struct conf_sys_pend sp[SRR_MAX_SYS];
	struct conf_lpar_pend *lp;
	size_t caplpar;
	bool ambig_given;
	int key_line[64];		/* per conf_keys entry, last given */

	int err_line;			/* first error: 0 none, -1 no line */
	char err[SRRD_ERR_LEN];
};

/* srrd_conf.c */
/* srrd_conf_load() on an open stream; NAME stands for the file in errors
 * (the fuzz target reads from memory). */
int conf_load_fp(FILE *fp, const char *name, struct srrd_conf *c, char *err,
		 size_t errlen);
void conf_fail(struct conf_ctx *x, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void conf_key_fail(struct conf_ctx *x, const char *key, const char *why);

/* srrd_conf_keys.c */
/* Where K's value lives in section IDX (a fence key: in the system's
 * fence conf, NULL until its first fence_* key). */
void *conf_key_base(const struct srrd_conf *c, const struct conf_keydef *k,
		    int idx);
int64_t conf_int_get(const void *p, size_t size);
void conf_defaults(struct srrd_conf *c);
void conf_hmc_defaults(struct srrd_hmc_conf *h);
void conf_sys_defaults(struct srrd_sys_conf *s);
void conf_alert_defaults(struct srrd_alert_conf *a);
int conf_key(struct conf_ctx *x, const char *key, const char *value);
/* An indented line after a list key: more items for it. */
int conf_key_more(struct conf_ctx *x, const char *key, const char *value);
bool conf_key_is_list(const struct conf_keydef *k);
int conf_label_check(const char *s, size_t size, const char **why);
/* "500ms", "15s", "5m", "2h" or "0" into milliseconds. */
int conf_duration_parse(const char *s, int64_t *ms);
void conf_duration_format(int64_t ms, char *out, size_t len);
/* Comma list of HMC system state names into a mask. */
int conf_states_parse(const char *s, uint32_t *mask, char *why,
		      size_t whylen);
/* Strict parsers with a range; WHY says what is wrong. */
int conf_int_parse(const char *s, int64_t min, int64_t max, int64_t *v,
		   char *why, size_t whylen);
int conf_bool_parse(const char *s, bool *b, char *why, size_t whylen);
int conf_dur_parse(const char *s, int64_t min, int64_t max, int64_t *ms,
		   char *why, size_t whylen);

/* srrd_conf_value.c */
int conf_value_set(struct conf_ctx *x, const struct conf_keydef *k,
		   void *base, const char *value, char *why, size_t whylen);
int conf_known_hosts_check(const char *path, char *why, size_t whylen);

/* srrd_conf_check.c */
int conf_finish(struct conf_ctx *x);

/* srrd_conf_print.c */
int conf_print(const struct srrd_conf *c, FILE *out, bool local);

#endif /* SRR_SRRD_CONF_INT_H */
