/*
 * engine_replay.c: feeds the engine an event script and prints the
 * transcript of what it did: golden transcripts (tests/engine/README,
 * golden.sh), as pacemaker's cts/scheduler and bgpd's regress .in/.ok.
 *
 *   engine_replay [-v] SCRIPT|-
 *
 * -v: the engine's own log (libqb) on stderr; stdout is the transcript.
 * Exit: 0, 2 for a bad script or usage (FILE:LINE: why, on stderr), 1 for
 * an I/O error. A line that is not understood whole is an error: nothing
 * in a script is skipped silently.
 *
 * THE SCRIPT. One line, one step; `#` at the start of a word begins a
 * comment; words are KEY=VALUE or bare words; a value with spaces is in
 * double quotes (\" and \\ inside). System, partition and HMC state names
 * are the HMC's spellings, in any case ("Power Off", "Not Activated",
 * "Remote Restarted"). Every key a line gives must be used, once.
 *
 * Configuration, before the first event (the engine starts there):
 *   node N                   this agent's nodeid (default 1)
 *   hmcs N                   number of HMCs (default 1), numbered from 0
 *   system NAME [dest=A,B] [fence]   in index order
 *   partition NAME [priority=N] [excluded] [pinned=SYS]
 *                            (dest and pinned may name later systems)
 *   set KEY=VALUE ...        srr_engine_conf fields by name: poll_ms,
 *       confirm_k, confirm_t_ms, confirm_ttl_ms, default_priority,
 *       tier_timeout_ms, max_per_source, max_per_dest, validate_first,
 *       retry_max, backoff_ms, backoff_max_ms, cmd_timeout_ms,
 *       query_timeout_ms (unset: the engine's defaults)
 *
 * Events. Each is stamped with the script's time, set by tick only:
 *   tick MS | tick +MS       monotonic ms (wall: 1700000000000 + MS)
 *   view epoch=E leader=N quorate=0|1 members=1,2,3 [agree=0|1]
 *   synced E
 *   poll hmc=H SYS=STATE|- ...   one HMC's poll of every system; `-`: the
 *       HMC does not manage it; a system not named keeps what that HMC
 *       said last (it must have said something)
 *   inventory sys=S [hmc=H] [state=STATE] {lpar=NAME id=N mem=MB proc=PU
 *       [state=LPARSTATE] [srr=0|1] [vios=0|1]}...   keys after an lpar=
 *       describe that partition (state default Running, srr 1, vios 0);
 *       the inventory's state defaults to Operating
 *   capacity sys=S mem=MB proc=PU        PU: processor units, 2 decimals
 *   merge Pn|next|all        feed back as merged what the engine proposed
 *       (each proposal a RECORD event of its own; all: those pending)
 *   drop Pn|all              a proposal lost: never merged by `all`/`next`
 *   record from=Pn|id=E.N.S [status=S] [lpar=L] [lpar-id=N] [src=SYS]
 *       [dst=SYS|-] [priority=N] [attempts=N] [att-epoch=E] [cl-attempts=N]
 *       [code=C] [msg=M] [updated=WALLMS]   a record merged from another
 *       agent: a proposal's copy changed, or a new one (id, status, lpar and
 *       src then needed); updated defaults to now's wall time
 *   cmd-result tag=Cn|last [lpar=L] ok|exit=N [code=C] [msg=M] [not-sent]
 *       exit=-1: no exit status; last [lpar=L]: the last command (of L)
 *   query-result tag=Qn|last failed | src=gone|RRSTATUS on=SYS|none
 *       [state=LPARSTATE]   state defaults to Running if on a system
 *   fence-result tag=Fn|last ok|failed
 *   operator confirm sys=S | pause | resume | replay | abandon op=E.N.S |
 *       restart sys=S lpar=L    each with [user=U] [reason=R]
 *   show sys=S | show lpar=L sys=S | show leader | show pause
 *       print a read-only view of the engine (no event)
 *
 * THE TRANSCRIPT, one line each, TIME right-aligned in 8 columns:
 *   TIME < EVENT       the event as the driver understood it (canonical)
 *   TIME > ACTION      what the engine emitted, in emission order:
 *       replicate Pn ID STATUS ...  command Cn OP ID ...  query Qn ID ...
 *       fence Fn SYS    alert KIND "TEXT"
 *       ignored ...     a result the engine ignored (its counter rose)
 *       BROKEN RULE ... a transition the engine refused (a bug)
 *       refused (-ERR)  the engine refused the event as malformed
 *   TIME = VIEW        what a `show` line asked for
 * Proposals, commands, queries and fences are named by the driver, P1, C1,
 * Q1, F1, in emission order: the engine's own tags never appear, so a
 * transcript changes only when what the engine does changes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qb/qblog.h>

#include "engine_replay.h"

struct rp rp;

/* ------------------------------------------------------------ config */

/* Sizes from the struct itself: 1 is a bool, 4 an int or uint32_t, 8 an
 * int64_t (a field whose type changes is refused at start, not misread). */
static const struct {
	const char *key;
	size_t off;
	size_t size;
} conf_keys[] = {
#define K(f) { #f, offsetof(struct srr_engine_conf, f), \
	       sizeof(((struct srr_engine_conf *)0)->f) }
	K(poll_ms), K(confirm_k), K(confirm_t_ms), K(confirm_ttl_ms),
	K(default_priority), K(tier_timeout_ms), K(max_per_source),
	K(max_per_dest), K(validate_first), K(retry_max), K(backoff_ms),
	K(backoff_max_ms), K(cmd_timeout_ms), K(query_timeout_ms),
#undef K
};

static void
conf_set_one(struct line *l, struct tok *t)
{
	char *p = (char *)&rp.conf;
	size_t i;
	int64_t v;

	for (i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++) {
		if (strcmp(conf_keys[i].key, t->key) != 0)
			continue;
		p += conf_keys[i].off;
		switch (conf_keys[i].size) {
		case sizeof(bool):
			*(bool *)p = val_bool(l, t->key, t->val);
			return;
		case sizeof(int32_t):
			v = val_int(l, t->key, t->val, 0, INT32_MAX);
			*(int32_t *)p = (int32_t)v;
			return;
		case sizeof(int64_t):
			*(int64_t *)p = val_int(l, t->key, t->val, 0, INT64_MAX);
			return;
		default:
			fail(l, "set: %s has a size the driver does not know",
			     t->key);
		}
	}
	fail(l, "set: unknown setting '%s'", t->key);
}

static void
conf_set(struct line *l)
{
	int i;

	if (l->ntok < 2)
		fail(l, "set: KEY=VALUE expected");
	for (i = 1; i < l->ntok; i++) {
		if (!l->tok[i].has_val)
			fail(l, "set: '%s' has no value", l->tok[i].key);
		l->tok[i].used = true;
		conf_set_one(l, &l->tok[i]);
	}
}

static void
conf_system(struct line *l)
{
	struct srr_sys_conf *s;
	const char *name = word(l, 1, "system NAME");
	const char *dest;

	if (rp.conf.nsys == SRR_MAX_SYS)
		fail(l, "system: more than %d systems", SRR_MAX_SYS);
	name_check(l, name);
	if (strcmp(name, "hmc") == 0)
		fail(l, "system: 'hmc' is a key of poll lines, not a name");
	if (sys_find(name) >= 0)
		fail(l, "system: %s defined twice", name);
	s = &rp.conf.sys[rp.conf.nsys];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->fence = flag(l, "fence");
	dest = opt(l, "dest");
	if (dest != NULL && strlen(dest) >= sizeof(rp.dest[0]))
		fail(l, "system: dest list too long");
	snprintf(rp.dest[rp.conf.nsys], sizeof(rp.dest[0]), "%s",
		 dest ? dest : "");
	rp.dest_line[rp.conf.nsys] = l->no;
	rp.conf.nsys++;
}

static void
set_name(const struct line *l, char *dst, const char *name)
{
	if (strlen(name) >= SRR_NAME_LEN)
		fail(l, "name '%s' too long", name);
	snprintf(dst, SRR_NAME_LEN, "%s", name);
}

static void
conf_partition(struct line *l)
{
	struct srr_lpar_conf *c;
	const char *name = word(l, 1, "partition NAME");
	const char *pin;

	name_check(l, name);
	if (rp.nlparc == MAX_LPARC)
		fail(l, "partition: more than %d", MAX_LPARC);
	c = &rp.lparc[rp.nlparc++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->priority = (uint32_t)opt_int(l, "priority", 0, UINT32_MAX, 0);
	c->excluded = flag(l, "excluded");
	if ((pin = opt(l, "pinned")) != NULL) {
		c->pinned = true;
		set_name(l, rp.pin[rp.nlparc - 1], pin);
		rp.pin_line[rp.nlparc - 1] = l->no;
	}
}

/* dest= and pinned= may name systems defined after them: resolved here,
 * with the line that gave them. */
static void
conf_resolve_pins(void)
{
	struct line l = { .no = 0 };
	size_t i;

	for (i = 0; i < rp.nlparc; i++) {
		if (!rp.lparc[i].pinned)
			continue;
		l.no = rp.pin_line[i];
		rp.lparc[i].pin = sys_need(&l, rp.pin[i]);
	}
}

static void
conf_resolve_dests(void)
{
	struct line l = { .no = 0 };
	char buf[sizeof(rp.dest[0])], *p, *save;
	int s;

	for (s = 0; s < rp.conf.nsys; s++) {
		struct srr_sys_conf *y = &rp.conf.sys[s];

		l.no = rp.dest_line[s];
		snprintf(buf, sizeof(buf), "%s", rp.dest[s]);
		for (p = strtok_r(buf, ",", &save); p != NULL;
		     p = strtok_r(NULL, ",", &save)) {
			if (y->ndest == SRR_MAX_DEST)
				fail(&l, "system %s: more than %d destinations",
				     y->name, SRR_MAX_DEST);
			y->dest[y->ndest++] = sys_need(&l, p);
		}
	}
}

static void
engine_start(struct line *l)
{
	int rc;

	if (rp.conf.nsys == 0)
		fail(l, "no system defined before the first event");
	conf_resolve_dests();
	conf_resolve_pins();
	rp.conf.lpar = rp.lparc;
	rp.conf.nlpar = rp.nlparc;
	rc = srr_engine_new(&rp.conf, &rp.e);
	if (rc < 0)
		fail(l, "the engine refused the configuration (%s)",
		     errno_name(-rc));
}

/* Configuration lines; false if L is not one. */
static bool
conf_line(struct line *l)
{
	static const char *const verbs[] = {
		"node", "hmcs", "system", "partition", "set",
	};
	const char *v = l->tok[0].key;
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(v, verbs[i]) == 0)
			break;
	if (i == sizeof(verbs) / sizeof(verbs[0]))
		return false;
	if (rp.e != NULL)
		fail(l, "%s: configuration after the first event", v);
	if (strcmp(v, "node") == 0)
		rp.conf.nodeid = (uint32_t)val_int(l, "node",
						   word(l, 1, "node N"), 1,
						   UINT32_MAX);
	else if (strcmp(v, "hmcs") == 0)
		rp.conf.nhmc = (int)val_int(l, "hmcs", word(l, 1, "hmcs N"), 1,
					    SRR_MAX_HMC);
	else if (strcmp(v, "system") == 0)
		conf_system(l);
	else if (strcmp(v, "partition") == 0)
		conf_partition(l);
	else
		conf_set(l);
	return true;
}

/* ------------------------------------------------------------ feeding */

/* Feeds one event and prints what came of it. The actions are copied
 * first: the engine's array is valid until the next event only. */
void
feed(struct srr_event *ev)
{
	const struct srr_action *v;
	uint64_t ign = srr_engine_ignored_results(rp.e);
	uint64_t brk = srr_engine_broken_rules(rp.e);
	size_t n, i;
	int rc;

	ev->at.ms = rp.now;
	rc = srr_engine_event(rp.e, ev);
	if (rc < 0) {
		out_line('>', "refused (-%s)", errno_name(-rc));
		return;
	}
	v = srr_engine_actions(rp.e, &n);
	for (i = 0; i < n; i++)
		out_action(&v[i]);
	if (srr_engine_ignored_results(rp.e) != ign)
		out_line('>', "ignored: not the outstanding tag (%llu so far)",
			 (unsigned long long)srr_engine_ignored_results(rp.e));
	if (srr_engine_broken_rules(rp.e) != brk)
		out_line('>', "BROKEN RULE: a transition refused (%llu so far)",
			 (unsigned long long)srr_engine_broken_rules(rp.e));
}

static void
ev_tick(struct line *l)
{
	struct srr_event ev = { .type = SRR_EV_TICK };
	const char *w = word(l, 1, "tick MS or tick +MS");

	if (w[0] == '+')
		rp.now += val_int(l, "tick", w + 1, 0, INT32_MAX);
	else
		rp.now = val_int(l, "tick", w, 0, INT64_MAX / 2);
	ev.u.tick.mono.ms = rp.now;
	ev.u.tick.wall.ms = WALL_BASE + rp.now;
	out_line('<', "tick");
	feed(&ev);
}

static void
ev_view(struct line *l)
{
	struct srr_event ev = { .type = SRR_EV_MEMBERSHIP };
	struct srr_ev_membership *m = &ev.u.mem;
	char list[128];

	m->epoch = (uint64_t)need_int(l, "epoch", 0, INT64_MAX);
	m->leader = (uint32_t)need_int(l, "leader", 0, UINT32_MAX);
	m->quorate = val_bool(l, "quorate", need(l, "quorate"));
	m->config_agree = opt_bool(l, "agree", true);
	m->members = node_list(l, "members", list, sizeof(list));
	out_line('<', "view epoch=%llu leader=%u quorate=%d members=%s agree=%d",
		 (unsigned long long)m->epoch, m->leader, m->quorate, list,
		 m->config_agree);
	feed(&ev);
}

static void
ev_synced(struct line *l)
{
	struct srr_event ev = { .type = SRR_EV_SYNCED };

	ev.u.synced_epoch = (uint64_t)val_int(l, "synced",
					      word(l, 1, "synced EPOCH"), 0,
					      INT64_MAX);
	out_line('<', "synced %llu", (unsigned long long)ev.u.synced_epoch);
	feed(&ev);
}

static void
ev_capacity(struct line *l)
{
	struct srr_event ev = { .type = SRR_EV_CAPACITY };
	char pu[32];

	ev.u.cap.sys = sys_need(l, need(l, "sys"));
	ev.u.cap.free_mem_mb = (uint32_t)need_int(l, "mem", 0, UINT32_MAX);
	ev.u.cap.free_proc_centi = val_units(l, "proc", need(l, "proc"));
	units_str(ev.u.cap.free_proc_centi, pu, sizeof(pu));
	out_line('<', "capacity sys=%s mem=%u proc=%s",
		 rp.conf.sys[ev.u.cap.sys].name, ev.u.cap.free_mem_mb, pu);
	feed(&ev);
}

static const struct {
	const char *verb;
	void (*fn)(struct line *l);
} events[] = {
	{ "tick", ev_tick },
	{ "view", ev_view },
	{ "synced", ev_synced },
	{ "poll", ev_poll },
	{ "inventory", ev_inventory },
	{ "capacity", ev_capacity },
	{ "merge", ev_merge },
	{ "drop", ev_drop },
	{ "record", ev_record },
	{ "cmd-result", ev_cmd_result },
	{ "query-result", ev_query_result },
	{ "fence-result", ev_fence_result },
	{ "operator", ev_operator },
	{ "show", ev_show },
};

static void
run_line(struct line *l)
{
	size_t i;

	if (conf_line(l)) {
		tok_all_used(l);
		return;
	}
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (strcmp(events[i].verb, l->tok[0].key) != 0)
			continue;
		if (l->tok[0].has_val)
			break;
		if (rp.e == NULL)
			engine_start(l);
		events[i].fn(l);
		tok_all_used(l);
		return;
	}
	fail(l, "unknown line '%s'", l->tok[0].key);
}

static void
log_to_stderr(void)
{
	qb_log_init("engine_replay", LOG_USER, LOG_DEBUG);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
	qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE,
			  "*", LOG_DEBUG);
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
}

static int
usage(void)
{
	fprintf(stderr, "usage: engine_replay [-v] SCRIPT|-\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct line l = { .no = 0 };
	FILE *f;
	int rc;

	if (argc == 3 && strcmp(argv[1], "-v") == 0) {
		log_to_stderr();
		argv++;
		argc--;
	}
	if (argc != 2 || (argv[1][0] == '-' && argv[1][1] != '\0'))
		return usage();
	rp.file = argv[1];
	f = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r");
	if (f == NULL) {
		fprintf(stderr, "engine_replay: %s: %s\n", argv[1],
			strerror(errno));
		return 2;
	}
	rp.conf.nodeid = 1;
	rp.conf.nhmc = 1;
	rp.props.prefix = 'P';
	rp.cmds.prefix = 'C';
	rp.queries.prefix = 'Q';
	rp.fences.prefix = 'F';
	while ((rc = read_line(f, &l)) > 0)
		if (l.ntok > 0)
			run_line(&l);
	if (rc < 0) {
		fprintf(stderr, "engine_replay: %s: %s\n", rp.file,
			strerror(-rc));
		return 1;
	}
	if (rp.e == NULL) {
		fprintf(stderr, "engine_replay: %s: no event in the script\n",
			rp.file);
		return 2;
	}
	srr_engine_free(rp.e);
	if (f != stdin)
		fclose(f);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "engine_replay: stdout: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
