/*
 * cluster_probe.c: a small agent over cluster/ for the integration tests.
 *
 *   cluster_probe --group NAME --digest TEXT --fifo PATH [--hello-timeout MS]
 *                 [--sync-timeout MS]
 *
 * Its replicated state is a set of short strings (merged as a union)
 * handled through the same cluster_sync_ops the ledger implements. Every
 * event is printed on stdout as one line, prefixed with the wall-clock time
 * in milliseconds (tests compare it with the time they killed something):
 *   MS connection up|down
 *   MS membership epoch=HEX members=1,2,3
 *   MS quorum 1|0
 *   MS leader self|other|none node=N epoch=HEX
 *   MS synced epoch=HEX
 *   MS delivered sender=N epoch=HEX
 *   MS mismatch node=N version=0|1
 *   MS gate 1|0 epoch=HEX   cluster_may_lead() changed (polled every 10 ms,
 *                            as an engine would see it)
 *   MS state epoch=HEX synced=0|1 quorate=0|1 leader=N may_lead=0|1
 *            items=a,b,c                                          (dump)
 *   MS stats malformed=N bad_version=N unknown_type=N stale=N merge_failed=N
 *            try_again=N                                  (dump, summary)
 *   MS summary count=N hash=HEX, then the stats line             (summary)
 *   MS sync_failed epoch=HEX err=N what=TEXT
 * Commands, one per line on the fifo: `add ITEM` (stored, then sent as a
 * record), `bulk N PREFIX` (N local items, not sent), `dump`, `summary`,
 * `fail-merge N` (the next N merges fail with -EIO, as a store error
 * would), `stop-next-epoch` (SIGSTOP itself right after its next HELLO
 * and digest went out: a member hung in mid-sync).
 * Items: 1..64 characters of [A-Za-z0-9._-]. qb_log goes to stderr.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <qb/qblog.h>
#include <qb/qbloop.h>

#include "cluster/cluster.h"

#define ITEM_MAX	64
#define ITEMS_MAX	500000

struct probe {
	qb_loop_t *loop;
	struct cluster *cl;
	char **items;		/* sorted, unique */
	size_t n, cap;
	char line[512];
	size_t line_len;
	int gate;		/* last cluster_may_lead() printed; -1 none */
	qb_loop_timer_handle gate_t, stop_t;
	unsigned fail_merges;	/* fail-merge N */
	bool stop_next;		/* stop-next-epoch */
};

static void
out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
out(const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	printf("%lld ", (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* ---- the test state: a sorted set of strings ---- */

static bool
item_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > ITEM_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && !strchr("._-", s[i]))
			return false;
	return true;
}

static int
span_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int
item_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sort and drop duplicates */
static void
normalize(struct probe *p)
{
	size_t i, o = 0;

	qsort(p->items, p->n, sizeof(char *), item_cmp);
	for (i = 0; i < p->n; i++) {
		if (o && strcmp(p->items[o - 1], p->items[i]) == 0) {
			free(p->items[i]);
			continue;
		}
		p->items[o++] = p->items[i];
	}
	p->n = o;
}

/* append unsorted; normalize() afterwards */
static int
push_item(struct probe *p, const char *s, size_t len)
{
	char **n;

	if (p->n == ITEMS_MAX)
		normalize(p);	/* duplicates from several deltas */
	if (p->n == ITEMS_MAX)
		return -ENOSPC;
	if (p->n == p->cap) {
		n = realloc(p->items, (p->cap ? 2 * p->cap : 64) * sizeof(char *));
		if (n == NULL)
			return -ENOMEM;
		p->items = n;
		p->cap = p->cap ? 2 * p->cap : 64;
	}
	p->items[p->n] = strndup(s, len);
	if (p->items[p->n] == NULL)
		return -ENOMEM;
	p->n++;
	return 0;
}

/* a list: valid items, strictly ascending, separated by '\n' */
static int
list_check(const uint8_t *d, size_t len)
{
	const char *prev = NULL;
	size_t i = 0, j, plen = 0;

	while (i < len) {
		for (j = i; j < len && d[j] != '\n'; j++)
			;
		if (!item_valid((const char *)d + i, j - i) ||
		    (prev && span_cmp(prev, plen, (const char *)d + i, j - i) >= 0))
			return -EBADMSG;
		prev = (const char *)d + i;
		plen = j - i;
		i = j + 1;
	}
	return 0;
}

/* our items not in the sorted list skip (NULL: all), '\n'-separated */
static int
list_build(struct probe *p, const uint8_t *skip, size_t skip_len,
	   uint8_t **outp, size_t *len)
{
	size_t i, cap = 1, o = 0, k = 0, j;
	uint8_t *b;

	for (i = 0; i < p->n; i++)
		cap += strlen(p->items[i]) + 1;
	b = malloc(cap);
	if (b == NULL)
		return -ENOMEM;
	for (i = 0; i < p->n; i++) {
		size_t l = strlen(p->items[i]);
		int c = 1;

		while (skip && k < skip_len) {
			for (j = k; j < skip_len && skip[j] != '\n'; j++)
				;
			c = span_cmp((const char *)skip + k, j - k, p->items[i], l);
			if (c >= 0)
				break;
			k = j + 1;
		}
		if (c == 0)
			continue;
		if (o)
			b[o++] = '\n';
		memcpy(b + o, p->items[i], l);
		o += l;
	}
	*outp = b;
	*len = o;
	return 0;
}

static int
ops_digest(void *ctx, uint8_t **o, size_t *len)
{
	return list_build(ctx, NULL, 0, o, len);
}

static int
ops_delta(void *ctx, const uint8_t *peer, size_t plen, uint8_t **o, size_t *len)
{
	if (list_check(peer, plen) < 0)
		return -EBADMSG;
	return list_build(ctx, peer, plen, o, len);
}

static int
ops_merge(void *ctx, const uint8_t *d, size_t len)
{
	struct probe *p = ctx;
	size_t i = 0, j;
	int rc = 0;

	if (list_check(d, len) < 0)
		return -EBADMSG;
	if (p->fail_merges > 0) {
		p->fail_merges--;
		out("merge failing on purpose (-EIO)");
		return -EIO;
	}
	while (i < len && rc == 0) {
		for (j = i; j < len && d[j] != '\n'; j++)
			;
		rc = push_item(p, (const char *)d + i, j - i);
		i = j + 1;
	}
	normalize(p);
	return rc;
}

/* ---- events ---- */

static void
ev_connection(void *ctx, bool up)
{
	out("connection %s", up ? "up" : "down");
}

static void
stop_fire(void *data)
{
	out("stopping (SIGSTOP) after this epoch's HELLO");
	raise(SIGSTOP);
}

static void
ev_membership(void *ctx, uint64_t epoch, const uint32_t *ids, size_t n)
{
	struct probe *p = ctx;
	char buf[1024] = "";
	size_t i, o = 0;

	/* the core sends HELLO and digest after this returns, the timer
	 * fires after that */
	if (p->stop_next) {
		p->stop_next = false;
		qb_loop_timer_add(p->loop, QB_LOOP_HIGH, 0, p, stop_fire,
				  &p->stop_t);
	}

	for (i = 0; i < n && o < sizeof(buf) - 16; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%" PRIu32,
				      i ? "," : "", ids[i]);
	out("membership epoch=%016" PRIx64 " members=%s", epoch, buf);
}

static void
ev_quorum(void *ctx, bool q)
{
	out("quorum %d", q);
}

static void
ev_leader(void *ctx, uint64_t epoch, enum cluster_leader_kind k, uint32_t id)
{
	out("leader %s node=%" PRIu32 " epoch=%016" PRIx64,
	    k == CLUSTER_LEADER_SELF ? "self" :
	    k == CLUSTER_LEADER_OTHER ? "other" : "none", id, epoch);
}

static void
ev_synced(void *ctx, uint64_t epoch)
{
	out("synced epoch=%016" PRIx64, epoch);
}

static void
ev_delivered(void *ctx, uint64_t epoch, uint32_t sender, const uint8_t *p,
	     size_t len)
{
	out("delivered sender=%" PRIu32 " epoch=%016" PRIx64, sender, epoch);
}

static void
ev_mismatch(void *ctx, uint64_t epoch, uint32_t id, bool version)
{
	out("mismatch node=%" PRIu32 " version=%d", id, version);
}

static void
ev_sync_failed(void *ctx, uint64_t epoch, const char *what, int err)
{
	out("sync_failed epoch=%016" PRIx64 " err=%d what=%s", epoch, err, what);
}

static void
print_stats(struct probe *p)
{
	struct cluster_stats st;

	cluster_get_stats(p->cl, &st);
	out("stats malformed=%" PRIu64 " bad_version=%" PRIu64 " unknown_type=%"
	    PRIu64 " stale=%" PRIu64 " merge_failed=%" PRIu64 " try_again=%"
	    PRIu64, st.malformed, st.bad_version, st.unknown_type,
	    st.stale_epoch, st.merge_failed, st.try_again);
}

static void
dump(struct probe *p)
{
	uint8_t *b = NULL;
	size_t len = 0, i;

	if (list_build(p, NULL, 0, &b, &len) < 0)
		return;
	for (i = 0; i < len; i++)
		if (b[i] == '\n')
			b[i] = ',';
	out("state epoch=%016" PRIx64 " synced=%d quorate=%d leader=%" PRIu32
	    " may_lead=%d items=%.*s", cluster_epoch(p->cl), cluster_synced(p->cl),
	    cluster_quorate(p->cl), cluster_leader(p->cl),
	    cluster_may_lead(p->cl), (int)len, (char *)b);
	free(b);
	print_stats(p);
}

/* count and FNV-1a-64 of the sorted set: compares big states */
static void
summary(struct probe *p)
{
	uint64_t h = 14695981039346656037ull;
	size_t i;
	const char *c;

	for (i = 0; i < p->n; i++) {
		for (c = p->items[i]; *c; c++)
			h = (h ^ (uint8_t)*c) * 1099511628211ull;
		h = (h ^ '\n') * 1099511628211ull;
	}
	out("summary count=%zu hash=%016" PRIx64, p->n, h);
	print_stats(p);
}

/* `bulk N PREFIX`: N local items PREFIX-000000.. (not sent: the next sync
 * carries them) */
static void
bulk(struct probe *p, const char *arg)
{
	char pre[ITEM_MAX], item[ITEM_MAX + 16], *end;
	unsigned long n, i;
	int rc = 0;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end != ' ' || n > ITEMS_MAX ||
	    strlen(end + 1) > ITEM_MAX - 8 || !item_valid(end + 1, strlen(end + 1))) {
		out("error bad bulk");
		return;
	}
	snprintf(pre, sizeof(pre), "%s", end + 1);
	for (i = 0; i < n && rc == 0; i++) {
		snprintf(item, sizeof(item), "%s-%06lu", pre, i);
		rc = push_item(p, item, strlen(item));
	}
	normalize(p);
	out("bulk %lu rc=%d", n, rc);
}

static void
command(struct probe *p, char *line)
{
	size_t len;
	int rc;

	if (strcmp(line, "dump") == 0)
		return dump(p);
	if (strcmp(line, "summary") == 0)
		return summary(p);
	if (strncmp(line, "bulk ", 5) == 0)
		return bulk(p, line + 5);
	if (strncmp(line, "fail-merge ", 11) == 0) {
		p->fail_merges = (unsigned)strtoul(line + 11, NULL, 10);
		return out("fail-merge %u", p->fail_merges);
	}
	if (strcmp(line, "stop-next-epoch") == 0) {
		p->stop_next = true;
		return out("stop-next-epoch");
	}
	if (strncmp(line, "add ", 4) != 0) {
		out("error unknown command");
		return;
	}
	line += 4;
	len = strlen(line);
	if (!item_valid(line, len)) {
		out("error bad item");
		return;
	}
	rc = push_item(p, line, len);	/* stored before it is sent */
	normalize(p);
	if (rc == 0)
		rc = cluster_send(p->cl, (const uint8_t *)line, len);
	out("added %s rc=%d", line, rc);
}

static int32_t
fifo_ready(int32_t fd, int32_t revents, void *data)
{
	struct probe *p = data;
	char buf[256];
	ssize_t n, i;

	n = read(fd, buf, sizeof(buf));
	for (i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (p->line_len < sizeof(p->line) - 1)
				p->line[p->line_len++] = buf[i];
			continue;
		}
		p->line[p->line_len] = '\0';
		p->line_len = 0;
		command(p, p->line);
	}
	return 0;
}

#define GATE_POLL_NS	(10ull * 1000 * 1000)

static void
gate_poll(void *data)
{
	struct probe *p = data;
	int g = cluster_may_lead(p->cl);

	if (g != p->gate) {
		p->gate = g;
		out("gate %d epoch=%016" PRIx64, g, cluster_epoch(p->cl));
	}
	qb_loop_timer_add(p->loop, QB_LOOP_HIGH, GATE_POLL_NS, p, gate_poll,
			  &p->gate_t);
}

static int32_t
on_signal(int32_t sig, void *data)
{
	qb_loop_stop(((struct probe *)data)->loop);
	return 0;
}

static void
log_setup(void)
{
	qb_log_init("cluster_probe", LOG_DAEMON, LOG_INFO);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
	qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE,
			  "*", LOG_INFO);
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
}

int
main(int argc, char **argv)
{
	static const struct cluster_sync_ops ops = { ops_digest, ops_delta, ops_merge };
	static const struct cluster_events ev = { ev_connection, ev_membership,
		ev_quorum, ev_leader, ev_synced, ev_delivered, ev_mismatch,
		ev_sync_failed };
	static const struct option lo[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "digest", required_argument, NULL, 'd' },
		{ "fifo", required_argument, NULL, 'f' },
		{ "hello-timeout", required_argument, NULL, 't' },
		{ "sync-timeout", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 } };
	const char *group = "srrha-probe", *digest = "default", *fifo = NULL;
	struct probe p = { 0 };
	struct cluster_config cfg = { 0 };
	int o, fd = -1, rc;
	unsigned hello_ms = 0, sync_ms = 0;

	while ((o = getopt_long(argc, argv, "g:d:f:t:s:", lo, NULL)) != -1) {
		switch (o) {
		case 'g': group = optarg; break;
		case 'd': digest = optarg; break;
		case 'f': fifo = optarg; break;
		case 't': hello_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': sync_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	log_setup();
	p.loop = qb_loop_create();
	if (p.loop == NULL)
		return 1;
	cfg = (struct cluster_config){ group, (const uint8_t *)digest,
		strlen(digest), &ops, &p, &ev, &p, hello_ms, sync_ms };
	rc = cluster_init(p.loop, &cfg, &p.cl);
	if (rc < 0) {
		fprintf(stderr, "cluster_init: %s\n", strerror(-rc));
		return 1;
	}
	if (fifo) {
		fd = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || qb_loop_poll_add(p.loop, QB_LOOP_MED, fd, POLLIN,
					       &p, fifo_ready) != 0) {
			fprintf(stderr, "%s: %s\n", fifo, strerror(errno));
			return 1;
		}
	}
	p.gate = -1;
	gate_poll(&p);
	qb_loop_signal_add(p.loop, QB_LOOP_HIGH, SIGTERM, &p, on_signal, NULL);
	qb_loop_signal_add(p.loop, QB_LOOP_HIGH, SIGINT, &p, on_signal, NULL);
	qb_loop_run(p.loop);
	cluster_free(p.cl);
	qb_loop_destroy(p.loop);
	while (p.n)
		free(p.items[--p.n]);
	free(p.items);
	qb_log_fini();
	return 0;
}
