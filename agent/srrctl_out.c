/*
 * srrctl_out.c: the human output of the reads, from the reply's data (the
 * same object --json prints, so both always say the same thing).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/srrctl.h"

#define ROWS(a)	((a) ? json_object_array_length(a) : 0)

static void
age_since(int64_t now, int64_t then_ms, char *out, size_t len)
{
	if (then_ms <= 0)
		snprintf(out, len, "-");
	else
		srrctl_age(now - then_ms, out, len);
}

/* ------------------------------------------------------------- status */

/* Peers' messages the cluster layer dropped as broken or hostile, when
 * there are any (stale_epoch is left out: late messages of an older
 * membership are normal after a change). */
static void
status_dropped(FILE *f, struct json_object *d)
{
	int64_t bad = jint(d, "malformed") + jint(d, "bad_version") +
		      jint(d, "unknown_type") + jint(d, "merge_failed");
	char line[256];

	if (bad <= 0)
		return;
	snprintf(line, sizeof(line), "%lld messages from peers dropped "
		 "(malformed %lld, other version %lld, unknown type %lld, "
		 "merge refused %lld): a broken or hostile member of the group",
		 (long long)bad, (long long)jint(d, "malformed"),
		 (long long)jint(d, "bad_version"),
		 (long long)jint(d, "unknown_type"),
		 (long long)jint(d, "merge_failed"));
	fputs("Dropped:  ", f);
	srrctl_wrap(f, line, SRRCTL_YELLOW, 10);
}

/* The cluster's line, in red when this agent cannot act for the cluster
 * (corosync gone, not quorate), yellow when not synced. */
static void
status_cluster(FILE *f, struct json_object *c)
{
	struct json_object *m = jget(c, "members");
	int64_t self = jint(c, "nodeid"), leader = jint(c, "leader");
	bool bad = !jbool(c, "connected") || !jbool(c, "quorate");
	char line[256], who[64];
	char members[1024];	/* 64 members of up to 10 digits */
	size_t i, n = 0;

	if (leader > 0)
		snprintf(who, sizeof(who), "leader %lld%s", (long long)leader,
			 leader == self ? " (this agent)" : "");
	else
		snprintf(who, sizeof(who), "no leader");
	snprintf(line, sizeof(line), "node %lld, %s%s, %s, epoch %lld, %s",
		 (long long)self, jbool(c, "connected") ? "" :
		 "corosync NOT reachable, ", jbool(c, "quorate") ? "quorate" :
		 "NOT quorate", who, (long long)jint(c, "epoch"),
		 jbool(c, "synced") ? "synced" : "NOT synced");
	fputs("Cluster:  ", f);
	srrctl_wrap(f, line, bad ? SRRCTL_RED : jbool(c, "synced") ? NULL :
		    SRRCTL_YELLOW, 10);
	for (i = 0; i < ROWS(m) && n < sizeof(members) - 64; i++)
		n += (size_t)snprintf(members + n, sizeof(members) - n, "%lld ",
			(long long)json_object_get_int64(
				json_object_array_get_idx(m, i)));
	snprintf(members + n, sizeof(members) - n, "(%zu); configuration %s",
		 ROWS(m), jbool(c, "config_agree") ? "agreed by every member" :
		 "NOT agreed: restarts refused");
	fputs("Members:  ", f);
	srrctl_wrap(f, members, jbool(c, "config_agree") ? NULL : SRRCTL_RED,
		    10);
	status_dropped(f, jget(c, "dropped"));
}

static void
status_mode(FILE *f, struct json_object *m, struct json_object *c,
	    int64_t now)
{
	char when[32], age[32], text[SRR_MSG_LEN + SRRD_USER_LEN + 128];
	int64_t stall = jint(c, "stall_left_ms");

	fputs("Mode:     ", f);
	if (jbool(m, "paused")) {
		srrctl_time(jint(m, "paused_since_ms"), when, sizeof(when));
		age_since(now, jint(m, "paused_since_ms"), age, sizeof(age));
		snprintf(text, sizeof(text), "automatic restarts PAUSED by %s "
			 "since %s (%s): %s", jstr(m, "paused_by"), when, age,
			 jstr(m, "paused_why"));
		srrctl_wrap(f, text, SRRCTL_YELLOW, 10);
	} else {
		fputs("automatic restarts active\n", f);
	}
	if (stall > 0) {
		srrctl_age(stall, age, sizeof(age));
		fputs("Stall:    ", f);
		srrctl_colored(f, SRRCTL_YELLOW, "actions suspended");
		fprintf(f, " for %s more (clock jump or loop stall)\n", age);
	}
}

static void
status_hmcs(FILE *f, struct json_object *a)
{
	static const char *const heads[] = { "HMC", "HOST", "STATE",
					     "LAST POLL", "ERROR" };
	struct srrctl_table *t = srrctl_table_new(5, heads);
	struct json_object *h;
	char age[32];
	size_t i;

	for (i = 0; i < ROWS(a); i++) {
		h = json_object_array_get_idx(a, i);
		if (jint(h, "poll_age_ms") < 0)
			snprintf(age, sizeof(age), "never");
		else
			srrctl_age(jint(h, "poll_age_ms"), age, sizeof(age));
		const char *cells[] = { jstr(h, "name"), jstr(h, "host"),
			jbool(h, "reachable") ? "reachable" : "UNREACHABLE",
			age, jstr(h, "last_error") };
		const char *colors[] = { NULL, NULL, jbool(h, "reachable") ?
			SRRCTL_GREEN : SRRCTL_RED, NULL, NULL };
		srrctl_table_row(t, cells, colors);
	}
	srrctl_table_print(f, t);
}

static void
system_confirm(struct json_object *s, char *out, size_t len)
{
	struct json_object *c = jget(s, "confirm");
	const char *cls = jstr(s, "class");

	if (jbool(s, "confirmed_down"))
		snprintf(out, len, "down (%s)", jstr(s, "confirmed_by"));
	else if (strcmp(cls, "down") == 0)
		snprintf(out, len, "%lld of %lld polls",
			 (long long)jint(c, "polls"), (long long)jint(c, "k"));
	else if (strcmp(cls, "ambiguous") == 0)
		snprintf(out, len, "needs confirm");
	else
		snprintf(out, len, "-");
}

static const char *
class_color(const char *cls)
{
	if (strcmp(cls, "operating") == 0)
		return SRRCTL_GREEN;
	return strcmp(cls, "down") == 0 ? SRRCTL_RED : SRRCTL_YELLOW;
}

static void
status_systems(FILE *f, struct json_object *a, int64_t now)
{
	static const char *const heads[] = { "SYSTEM", "STATE", "CLASS",
		"SINCE", "CONFIRMATION", "PROT", "READY", "NOT READY" };
	struct srrctl_table *t = srrctl_table_new(8, heads);
	struct json_object *s, *l;
	char since[32], conf[128], p[16], r[16], nr[16];
	size_t i;

	for (i = 0; i < ROWS(a); i++) {
		s = json_object_array_get_idx(a, i);
		l = jget(s, "lpars");
		age_since(now, jint(s, "since_ms"), since, sizeof(since));
		system_confirm(s, conf, sizeof(conf));
		snprintf(p, sizeof(p), "%lld", (long long)jint(l, "protected"));
		snprintf(r, sizeof(r), "%lld", (long long)jint(l, "ready"));
		snprintf(nr, sizeof(nr), "%lld",
			 (long long)jint(l, "not_ready"));
		const char *cells[] = { jstr(s, "name"), jstr(s, "state"),
			jstr(s, "class"), since, conf, p, r, nr };
		const char *colors[] = { NULL, class_color(jstr(s, "class")),
			NULL, NULL, NULL, NULL, NULL, jint(l, "not_ready") ?
			SRRCTL_YELLOW : NULL };
		srrctl_table_row(t, cells, colors);
	}
	srrctl_table_print(f, t);
}

static void
status_inflight(FILE *f, struct json_object *a)
{
	static const char *const heads[] = { "OPERATION", "COMMAND",
		"PARTITION", "FROM", "TO", "ATTEMPT", "ELAPSED" };
	struct srrctl_table *t;
	struct json_object *op;
	char att[16], el[32], to[32], elapsed[72];
	size_t i;

	if (ROWS(a) == 0) {
		fputs("Operations in flight: none\n", f);
		return;
	}
	t = srrctl_table_new(7, heads);
	for (i = 0; i < ROWS(a); i++) {
		op = json_object_array_get_idx(a, i);
		snprintf(att, sizeof(att), "%lld", (long long)jint(op, "attempt"));
		srrctl_age(jint(op, "elapsed_ms"), el, sizeof(el));
		srrctl_age(jint(op, "timeout_ms"), to, sizeof(to));
		snprintf(elapsed, sizeof(elapsed), "%s of %s", el, to);
		const char *cells[] = { jstr(op, "id"), jstr(op, "command"),
			jstr(op, "lpar"), jstr(op, "source"),
			jstr(op, "destination"), att, elapsed };
		srrctl_table_row(t, cells, NULL);
	}
	srrctl_table_print(f, t);
}

void
srrctl_out_status(FILE *f, struct json_object *data, int64_t now)
{
	struct json_object *c = jget(data, "cluster"), *p;

	status_cluster(f, c);
	status_mode(f, jget(data, "mode"), c, now);
	fputc('\n', f);
	status_hmcs(f, jget(data, "hmcs"));
	fputc('\n', f);
	status_systems(f, jget(data, "systems"), now);
	p = jget(data, "protection");
	fprintf(f, "\nProtection: %lld partitions protected, %lld ready, "
		"%lld not ready\n", (long long)jint(p, "protected"),
		(long long)jint(p, "ready"), (long long)jint(p, "not_ready"));
	fputc('\n', f);
	status_inflight(f, jget(data, "inflight"));
}

/* -------------------------------------------------------------- lpars */

static void
lpar_validate(struct json_object *v, int64_t now, char *out, size_t len)
{
	int64_t rc = jint(v, "rc");
	char age[32];

	age_since(now, jint(v, "at_ms"), age, sizeof(age));
	if (rc == -2)
		snprintf(out, len, "never");
	else if (rc == 0)
		snprintf(out, len, "ok %s", age);
	else if (rc < 0)
		snprintf(out, len, "unknown %s", age);
	else
		snprintf(out, len, "%s %s", jstr(v, "code")[0] ?
			 jstr(v, "code") : "failed", age);
}

void
srrctl_out_lpars(FILE *f, struct json_object *data, int64_t now)
{
	static const char *const heads[] = { "SYSTEM", "PARTITION", "STATE",
		"SRR", "PRI", "DEST", "VALIDATED", "WHY" };
	struct json_object *a = jget(data, "lpars"), *l;
	struct srrctl_table *t = srrctl_table_new(8, heads);
	char pri[16], dest[SRR_NAME_LEN + 2], val[64];
	size_t i;

	for (i = 0; i < ROWS(a); i++) {
		l = json_object_array_get_idx(a, i);
		snprintf(pri, sizeof(pri), "%lld", (long long)jint(l, "priority"));
		snprintf(dest, sizeof(dest), "%s%s", jstr(l, "destination")[0] ?
			 jstr(l, "destination") : "-",
			 jbool(l, "pinned") ? "*" : "");
		lpar_validate(jget(l, "validate"), now, val, sizeof(val));
		const char *cells[] = { jstr(l, "system"), jstr(l, "name"),
			jstr(l, "state"), jbool(l, "srr_capable") ? "yes" : "no",
			pri, dest, val, jstr(l, "why") };
		const char *colors[] = { NULL, NULL, NULL, NULL, NULL, NULL,
			jint(jget(l, "validate"), "rc") == 0 ? NULL :
			SRRCTL_YELLOW, jbool(l, "protected") ? NULL : SRRCTL_RED };
		srrctl_table_row(t, cells, colors);
	}
	srrctl_table_print(f, t);
	fprintf(f, "%zu partitions; DEST * pinned\n", ROWS(a));
}

/* -------------------------------------------------------------- debts */

static void
debts_table(FILE *f, struct json_object *a, int64_t now)
{
	static const char *const heads[] = { "ID", "PARTITION", "FROM", "TO",
		"RESTARTED", "AGE", "CLEANUPS", "LAST CODE" };
	struct srrctl_table *t = srrctl_table_new(8, heads);
	struct json_object *d;
	char when[32], age[32], tries[16];
	size_t i;

	for (i = 0; i < ROWS(a); i++) {
		d = json_object_array_get_idx(a, i);
		/* month, day and minute: the age says the rest */
		srrctl_time(jint(d, "restarted_ms"), when, sizeof(when));
		memmove(when, when + 5, 11);
		when[11] = '\0';
		age_since(now, jint(d, "restarted_ms"), age, sizeof(age));
		snprintf(tries, sizeof(tries), "%lld",
			 (long long)jint(d, "cleanup_attempts"));
		const char *cells[] = { jstr(d, "id"), jstr(d, "lpar"),
			jstr(d, "source"), jstr(d, "destination"), when, age,
			tries, jstr(d, "code")[0] ? jstr(d, "code") : "-" };
		srrctl_table_row(t, cells, NULL);
	}
	srrctl_table_print(f, t);
}

/* The last HMC answer (wrapped) and the manual cleanup (never cut: it is
 * meant to be copied whole). */
static void
debt_detail(FILE *f, struct json_object *d)
{
	char last[SRR_MSG_LEN + 64];

	fprintf(f, "%s  %s\n", jstr(d, "id"), jstr(d, "lpar"));
	if (jstr(d, "message")[0]) {
		snprintf(last, sizeof(last), "last HMC answer: %s%s%s",
			 jstr(d, "code"), jstr(d, "code")[0] ? " " : "",
			 jstr(d, "message"));
		fputs("    ", f);
		srrctl_wrap(f, last, NULL, 4);
	}
	fprintf(f, "    on the HMC: %s\n", jstr(d, "cleanup_command"));
	if (jstr(d, "cleanup_ssh")[0])
		fprintf(f, "    over SSH:   %s\n", jstr(d, "cleanup_ssh"));
}

void
srrctl_out_debts(FILE *f, struct json_object *data, int64_t now)
{
	struct json_object *a = jget(data, "debts");
	size_t i, n = ROWS(a);

	if (n == 0) {
		fputs("No cleanup pending.\n", f);
		return;
	}
	fprintf(f, "%zu cleanup debt%s pending: the source still holds the "
		"old definition.\n\n", n, n == 1 ? "" : "s");
	debts_table(f, a, now);
	fputs("\nManual cleanup, on the HMC or from this host:\n", f);
	for (i = 0; i < n; i++)
		debt_detail(f, json_object_array_get_idx(a, i));
}

/* ------------------------------------------------------------ history */

/* One CSV field, RFC 4180: quoted when it holds , " or a line break. */
static void
csv_field(FILE *f, const char *s, bool last)
{
	const char *p;

	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
	} else {
		fputc('"', f);
		for (p = s; *p; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputc('"', f);
	}
	fputs(last ? "\r\n" : ",", f);
}

static void
history_csv(FILE *f, struct json_object *a)
{
	static const char *const keys[] = { "id", "lpar", "source",
		"destination", "from", "to" };
	struct json_object *r;
	char when[32], by[16];
	size_t i, k;

	fputs("time,time_ms,id,lpar,source,destination,from,to,leader,"
	      "reason\r\n", f);
	for (i = 0; i < ROWS(a); i++) {
		r = json_object_array_get_idx(a, i);
		srrctl_time(jint(r, "time_ms"), when, sizeof(when));
		csv_field(f, when, false);
		fprintf(f, "%lld,", (long long)jint(r, "time_ms"));
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			csv_field(f, jstr(r, keys[k]), false);
		snprintf(by, sizeof(by), "%lld", (long long)jint(r, "leader"));
		csv_field(f, by, false);
		csv_field(f, jstr(r, "reason"), true);
	}
}

void
srrctl_out_history(FILE *f, struct json_object *data, bool csv)
{
	/* The leader that created the operation is the NODE of its id
	 * (EPOCH.NODE.SEQ); the CSV and JSON have it apart. */
	static const char *const heads[] = { "TIME", "OPERATION", "PARTITION",
		"FROM", "TO", "REASON" };
	struct json_object *a = jget(data, "rows"), *r;
	struct srrctl_table *t;
	char when[32];
	size_t i;

	if (csv) {
		history_csv(f, a);
		return;
	}
	t = srrctl_table_new(6, heads);
	for (i = 0; i < ROWS(a); i++) {
		r = json_object_array_get_idx(a, i);
		srrctl_time(jint(r, "time_ms"), when, sizeof(when));
		const char *cells[] = { when, jstr(r, "id"), jstr(r, "lpar"),
			jstr(r, "from")[0] ? jstr(r, "from") : "-",
			jstr(r, "to"), jstr(r, "reason") };
		srrctl_table_row(t, cells, NULL);
	}
	srrctl_table_print(f, t);
	if (jbool(data, "truncated"))
		fprintf(f, "(the first %zu rows only: narrow it with --since, "
			"--lpar or --system)\n", ROWS(a));
}
