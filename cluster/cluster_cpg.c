/*
 * cluster_cpg.c: the thin corosync binding. CPG (model V1, totem confchg,
 * agreed order) and quorum tracking, both fds in the caller's qb_loop,
 * dispatched one event at a time. Outgoing messages go through a FIFO so
 * CS_ERR_TRY_AGAIN (flow control) is retried from a timer, never slept
 * on. A lost connection reports "no cluster" and is retried every second.
 * votequorum's settings come from a reader thread (cluster_reader.c):
 * nothing here makes a synchronous request to corosync from the loop.
 */
#define SRR_LOG_TAG "cluster"

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <corosync/cpg.h>
#include <corosync/quorum.h>
#include <qb/qblog.h>
#include <qb/qbloop.h>
#include <qb/qbutil.h>

#include "cluster/cluster_int.h"

#define RETRY_NS	(10ull * 1000 * 1000)		/* try again */
#define RECONNECT_NS	(1000ull * 1000 * 1000)		/* corosync gone */
#define TICK_NS		(CORE_TICK_MS * 1000ull * 1000)
#define STALL_FIRST_MS	2000u	/* a read of the settings this slow is said */
#define STALL_EVERY_MS	5000u	/* ... and said again while it lasts */
#define READER_JOIN_MS	2000u
/* Bytes queued under flow control: one epoch's digest and a delta for
 * every possible peer, each at the cap, must fit (doc/cluster.md). */
#define QUEUE_MAX	((size_t)(CORE_MEMBERS_MAX + 1) * \
			 (CLUSTER_SYNC_MAX + CLUSTER_SYNC_MAX / CW_CHUNK_MAX * \
			  (CW_HDR_LEN + 8)) + 64u * CLUSTER_RECORD_MAX)

struct qmsg {
	struct qmsg *next;
	size_t len;
	uint8_t data[];
};

struct cluster {
	qb_loop_t *loop;
	struct cpg_name group;
	struct cluster_core *core;
	cpg_handle_t cpg;
	quorum_handle_t quorum;
	int cpg_fd, q_fd;		/* -1 when not in the loop */
	bool cpg_open, q_open;
	struct qmsg *head, *tail;
	size_t queued;
	qb_loop_timer_handle retry_t, reconnect_t, tick_t, work_t;
	bool retry_armed, reconnect_armed, tick_armed;
	uint64_t try_again;
	struct cv_reader *reader;
	bool reader_polled;
	bool quorate_pending;		/* quorate, held until read_gen is read */
	uint64_t read_gen;
	uint64_t stall_said;		/* ms of waiting last logged */
	uint32_t nodeid;
	unsigned rejoin_ms;		/* next reconnect delay */
	char conn_err[96];		/* the last failed connect, "" if none */
	bool work_queued;		/* a core_work() step is due (work_t) */
};

static void cl_disconnect(struct cluster *c, const char *why, cs_error_t err);
static void arm_reconnect(struct cluster *c);

/* ---- outgoing queue ---- */

static void
queue_clear(struct cluster *c)
{
	struct qmsg *m;

	while ((m = c->head) != NULL) {
		c->head = m->next;
		free(m);
	}
	c->tail = NULL;
	c->queued = 0;
}

static void retry_fire(void *data);

static void
drop_fire(void *data)
{
	struct cluster *c = data;

	c->reconnect_armed = false;
	cl_disconnect(c, "lost the cpg connection", CS_ERR_LIBRARY);
}

static void
queue_run(struct cluster *c)
{
	struct qmsg *m;
	struct iovec iov;
	cs_error_t err;

	while ((m = c->head) != NULL && c->cpg_open) {
		iov.iov_base = m->data;
		iov.iov_len = m->len;
		err = cpg_mcast_joined(c->cpg, CPG_TYPE_AGREED, &iov, 1);
		if (err == CS_ERR_TRY_AGAIN) {
			c->try_again++;
			if (!c->retry_armed &&
			    qb_loop_timer_add(c->loop, QB_LOOP_MED, RETRY_NS, c,
					      retry_fire, &c->retry_t) == 0)
				c->retry_armed = true;
			return;
		}
		if (err != CS_OK) {
			/* maybe inside cpg_dispatch: finalize from the loop */
			srr_log(LOG_WARNING, "cpg_mcast_joined: corosync error %d", err);
			if (!c->reconnect_armed &&
			    qb_loop_timer_add(c->loop, QB_LOOP_HIGH, 0, c,
					      drop_fire, &c->reconnect_t) == 0)
				c->reconnect_armed = true;
			return;
		}
		c->head = m->next;
		if (c->head == NULL)
			c->tail = NULL;
		c->queued -= m->len;
		free(m);
	}
}

static void
retry_fire(void *data)
{
	struct cluster *c = data;

	c->retry_armed = false;
	queue_run(c);
}

static int
tx_send(void *tctx, const uint8_t *buf, size_t len)
{
	struct cluster *c = tctx;
	struct qmsg *m;

	if (!c->cpg_open)
		return -ENOTCONN;
	if (c->queued + len > QUEUE_MAX)
		return -ENOBUFS;
	m = malloc(sizeof(*m) + len);
	if (m == NULL)
		return -ENOMEM;
	m->next = NULL;
	m->len = len;
	memcpy(m->data, buf, len);
	if (c->tail)
		c->tail->next = m;
	else
		c->head = m;
	c->tail = m;
	c->queued += len;
	if (!c->retry_armed)
		queue_run(c);
	return 0;
}

/* a new epoch: drop the old one's queue */
static void
tx_flush(void *tctx)
{
	queue_clear(tctx);
}

/* Leave and join again (from the loop: this may run inside dispatch). */
static void
rejoin_fire(void *data)
{
	struct cluster *c = data;

	c->reconnect_armed = false;
	cl_disconnect(c, NULL, CS_OK);
	arm_reconnect(c);
}

static void
tx_rejoin(void *tctx, unsigned delay_ms)
{
	struct cluster *c = tctx;

	if (c->reconnect_armed)
		return;
	c->rejoin_ms = delay_ms;
	if (qb_loop_timer_add(c->loop, QB_LOOP_HIGH, 0, c, rejoin_fire,
			      &c->reconnect_t) == 0)
		c->reconnect_armed = true;
}

/* the reader's newest votequorum settings and totem timing, into the core */
static int32_t
reader_ready(int32_t fd, int32_t revents, void *data)
{
	struct cluster *c = data;
	struct cv_result r;
	char why[192] = "";
	bool safe;

	if (!cv_reader_take(c->reader, &r))
		return 0;
	if (r.rc < 0) {
		core_quorum_policy(c->core, false, "cannot read votequorum's "
				   "settings from corosync: this agent refuses "
				   "to lead");
		return 0;
	}
	safe = cv_judge(&r.facts, why, sizeof(why));
	core_timing(c->core, r.token_ms, r.consensus_ms);
	core_quorum_policy(c->core, safe, why);
	if (c->quorate_pending && r.gen >= c->read_gen) {
		c->quorate_pending = false;
		core_quorum(c->core, true);
	}
	return 0;
}

/* Quorum gained counts once settings read after it are in: the same
 * change may have made it meaningless (corosync-quorumtool -e lowering
 * expected votes makes a lone half quorate, and the settings say so).
 * Quorum lost counts at once. */
static void
quorum_seen(struct cluster *c, bool quorate)
{
	uint64_t gen = cv_reader_poke(c->reader, c->nodeid);

	if (quorate && !core_is_quorate(c->core)) {
		c->quorate_pending = true;
		c->read_gen = gen;
		return;
	}
	c->quorate_pending = false;
	core_quorum(c->core, quorate);
}

/* a read that waits on corosync is said while it lasts; the last
 * settings read stay in force meanwhile (they change with a
 * configuration reload, not with a busy ring) */
static void
reader_stall_check(struct cluster *c)
{
	uint64_t busy = cv_reader_busy_ms(c->reader);

	if (busy < STALL_FIRST_MS) {
		if (c->stall_said != 0)
			srr_log(LOG_NOTICE, "corosync answered the read of "
				"votequorum's settings again");
		c->stall_said = 0;
		return;
	}
	if (c->stall_said != 0 && busy < c->stall_said + STALL_EVERY_MS)
		return;
	c->stall_said = busy;
	srr_log(LOG_WARNING, "reading votequorum's settings from corosync has "
		"waited %llu ms (corosync busy?); the last settings read stay in "
		"force", (unsigned long long)busy);
}

static void
tick_fire(void *data)
{
	struct cluster *c = data;

	c->tick_armed = false;
	reader_stall_check(c);
	core_tick(c->core);
	if (qb_loop_timer_add(c->loop, QB_LOOP_HIGH, TICK_NS, c, tick_fire,
			      &c->tick_t) == 0)
		c->tick_armed = true;
}

static void
work_fire(void *data)
{
	struct cluster *c = data;

	c->work_queued = false;
	core_work(c->core);
}

/* A merge step: from the loop, so fds are served between steps. As a
 * timer due now, not a job: when nothing else is due, libqb's loop waits
 * 50 ms before it runs a job (qb_loop_run), and a sync in steps would
 * wait that long between any two. */
static void
tx_kick(void *tctx)
{
	struct cluster *c = tctx;

	if (!c->work_queued &&
	    qb_loop_timer_add(c->loop, QB_LOOP_LOW, 0, c, work_fire,
			      &c->work_t) == 0)
		c->work_queued = true;
}

static uint64_t
tx_now(void *tctx)
{
	return qb_util_nano_current_get() / 1000000u;
}

/* ---- corosync callbacks ---- */

static struct cluster *
cpg_ctx(cpg_handle_t h)
{
	void *ctx = NULL;

	cpg_context_get(h, &ctx);
	return ctx;
}

static void
on_deliver(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid,
	   uint32_t pid, void *msg, size_t len)
{
	core_deliver(cpg_ctx(h)->core, nodeid, pid, msg, len);
}

static void
on_confchg(cpg_handle_t h, const struct cpg_name *g,
	   const struct cpg_address *m, size_t n,
	   const struct cpg_address *left, size_t nleft,
	   const struct cpg_address *joined, size_t njoined)
{
	struct cluster *c = cpg_ctx(h);
	struct core_member mm[CORE_MEMBERS_MAX];
	size_t i;

	/* a node lost (not a process ended or gone) costs a lease */
	for (i = 0; i < nleft; i++)
		core_left(c->core, left[i].nodeid, left[i].pid,
			  left[i].reason == CPG_REASON_NODEDOWN);
	if (n > CORE_MEMBERS_MAX)
		n = CORE_MEMBERS_MAX + 1;	/* the core refuses and logs */
	for (i = 0; i < n && i < CORE_MEMBERS_MAX; i++) {
		mm[i].nodeid = m[i].nodeid;
		mm[i].pid = m[i].pid;
	}
	core_members(c->core, mm, n);
}

static void
on_totem(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n,
	 const uint32_t *members)
{
	struct cluster *c = cpg_ctx(h);

	cv_reader_poke(c->reader, c->nodeid);	/* the token follows the nodes */
	core_ring(c->core, ring.nodeid, ring.seq);
}

static void
on_quorum(quorum_handle_t h, uint32_t quorate, struct quorum_ring_id ring,
	  uint32_t n, const uint32_t *members)
{
	const void *ctx = NULL;

	quorum_context_get(h, &ctx);
	quorum_seen((struct cluster *)(uintptr_t)ctx, quorate != 0);
}

static void
on_nodelist(quorum_handle_t h, struct quorum_ring_id ring, uint32_t n,
	    const uint32_t *members, uint32_t nj, const uint32_t *joined,
	    uint32_t nl, const uint32_t *left)
{
}

static int32_t
cpg_ready(int32_t fd, int32_t revents, void *data)
{
	struct cluster *c = data;
	cs_error_t err;

	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		cl_disconnect(c, "cpg connection hung up", CS_ERR_LIBRARY);
		return 0;
	}
	err = cpg_dispatch(c->cpg, CS_DISPATCH_ONE);
	if (err != CS_OK && err != CS_ERR_TRY_AGAIN)
		cl_disconnect(c, "cpg_dispatch", err);
	return 0;
}

static int32_t
quorum_ready(int32_t fd, int32_t revents, void *data)
{
	struct cluster *c = data;
	cs_error_t err;

	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		cl_disconnect(c, "quorum connection hung up", CS_ERR_LIBRARY);
		return 0;
	}
	err = quorum_dispatch(c->quorum, CS_DISPATCH_ONE);
	if (err != CS_OK && err != CS_ERR_TRY_AGAIN)
		cl_disconnect(c, "quorum_dispatch", err);
	return 0;
}

/* ---- connection ---- */

static void
cl_disconnect(struct cluster *c, const char *why, cs_error_t err)
{
	if (why)
		srr_log(LOG_WARNING, "%s: %s", why, cs_strerror(err));
	if (c->cpg_fd >= 0)
		qb_loop_poll_del(c->loop, c->cpg_fd);
	if (c->q_fd >= 0)
		qb_loop_poll_del(c->loop, c->q_fd);
	c->cpg_fd = c->q_fd = -1;
	if (c->cpg_open)
		cpg_finalize(c->cpg);
	if (c->q_open)
		quorum_finalize(c->quorum);
	c->cpg_open = c->q_open = false;
	c->quorate_pending = false;
	if (c->retry_armed)
		qb_loop_timer_del(c->loop, c->retry_t);
	c->retry_armed = false;
	queue_clear(c);
	core_connected(c->core, false);
	if (why)
		arm_reconnect(c);
}

/* Why the last connection attempt failed, in corosync's own words (a
 * permission error is not "not reachable"); logged when it changes, so a
 * retry every second does not repeat it. -ENOTCONN. */
static int
conn_error(struct cluster *c, const char *call, cs_error_t err)
{
	char text[sizeof(c->conn_err)];

	snprintf(text, sizeof(text), "%s: %s", call, cs_strerror(err));
	if (strcmp(text, c->conn_err) != 0) {
		srr_log(LOG_WARNING, "cannot connect to corosync (%s); retrying "
			"every second", text);
		snprintf(c->conn_err, sizeof(c->conn_err), "%s", text);
	}
	return -ENOTCONN;
}

static int
open_cpg(struct cluster *c)
{
	cpg_model_v1_data_t model = {
		.model = CPG_MODEL_V1,
		.cpg_deliver_fn = on_deliver,
		.cpg_confchg_fn = on_confchg,
		.cpg_totem_confchg_fn = on_totem,
		.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF,
	};
	unsigned int nodeid;
	cs_error_t err;

	err = cpg_model_initialize(&c->cpg, CPG_MODEL_V1,
				   (cpg_model_data_t *)&model, c);
	if (err != CS_OK)
		return conn_error(c, "cpg_initialize", err);
	c->cpg_open = true;
	if ((err = cpg_local_get(c->cpg, &nodeid)) != CS_OK)
		return conn_error(c, "cpg_local_get", err);
	if ((err = cpg_join(c->cpg, &c->group)) != CS_OK)
		return conn_error(c, "cpg_join", err);
	if ((err = cpg_fd_get(c->cpg, &c->cpg_fd)) != CS_OK)
		return conn_error(c, "cpg_fd_get", err);
	c->nodeid = nodeid;
	core_set_self(c->core, nodeid, (uint32_t)getpid());
	if (qb_loop_poll_add(c->loop, QB_LOOP_MED, c->cpg_fd, POLLIN, c,
			     cpg_ready) != 0) {
		c->cpg_fd = -1;
		return -ENOTCONN;
	}
	return 0;
}

static int
open_quorum(struct cluster *c, uint32_t *quorate)
{
	quorum_model_v1_data_t model = {
		.model = QUORUM_MODEL_V1,
		.quorum_notify_fn = on_quorum,
		.nodelist_notify_fn = on_nodelist,
	};
	uint32_t type;
	cs_error_t err;
	int q = 0;

	err = quorum_model_initialize(&c->quorum, QUORUM_MODEL_V1,
				      (quorum_model_data_t *)&model, &type, c);
	if (err != CS_OK)
		return conn_error(c, "quorum_initialize", err);
	c->q_open = true;
	if ((err = quorum_getquorate(c->quorum, &q)) != CS_OK)
		return conn_error(c, "quorum_getquorate", err);
	if ((err = quorum_trackstart(c->quorum, CS_TRACK_CHANGES)) != CS_OK)
		return conn_error(c, "quorum_trackstart", err);
	if ((err = quorum_fd_get(c->quorum, &c->q_fd)) != CS_OK)
		return conn_error(c, "quorum_fd_get", err);
	if (qb_loop_poll_add(c->loop, QB_LOOP_MED, c->q_fd, POLLIN, c,
			     quorum_ready) != 0) {
		c->q_fd = -1;
		return -ENOTCONN;
	}
	*quorate = q != 0;
	return 0;
}

static int
cl_connect(struct cluster *c)
{
	uint32_t quorate = 0;

	if (open_cpg(c) < 0 || open_quorum(c, &quorate) < 0) {
		cl_disconnect(c, NULL, CS_OK);
		return -ENOTCONN;
	}
	c->rejoin_ms = 0;
	if (c->conn_err[0] != '\0')
		srr_log(LOG_NOTICE, "connected to corosync");
	c->conn_err[0] = '\0';
	core_connected(c->core, true);
	quorum_seen(c, quorate != 0);
	return 0;
}

static void
reconnect_fire(void *data)
{
	struct cluster *c = data;

	c->reconnect_armed = false;
	if (cl_connect(c) < 0)
		arm_reconnect(c);
}

static void
arm_reconnect(struct cluster *c)
{
	uint64_t ns = c->rejoin_ms ? c->rejoin_ms * 1000000ull : RECONNECT_NS;

	if (c->reconnect_armed)
		return;
	if (qb_loop_timer_add(c->loop, QB_LOOP_LOW, ns, c,
			      reconnect_fire, &c->reconnect_t) == 0)
		c->reconnect_armed = true;
	else
		srr_log(LOG_ERR, "cannot arm the reconnect timer");
}

/* ---- public API ---- */

int
cluster_init(qb_loop_t *loop, const struct cluster_config *cfg,
	     struct cluster **out)
{
	struct core_params p = { 0 };
	struct cluster *c;
	size_t glen;
	int rc;

	if (loop == NULL || cfg == NULL || cfg->group == NULL)
		return -EINVAL;
	glen = strlen(cfg->group);
	if (glen == 0 || glen >= CPG_MAX_NAME_LENGTH)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->loop = loop;
	c->cpg_fd = c->q_fd = -1;
	memcpy(c->group.value, cfg->group, glen);
	c->group.length = (uint32_t)glen;
	p.pid = (uint32_t)getpid();
	p.hello_timeout_ms = cfg->hello_timeout_ms;
	p.sync_timeout_ms = cfg->sync_timeout_ms;
	p.config_digest = cfg->config_digest;
	p.config_digest_len = cfg->config_digest_len;
	p.sync = cfg->sync;
	p.sync_ctx = cfg->sync_ctx;
	p.events = cfg->events;
	p.event_ctx = cfg->event_ctx;
	p.transport = (struct core_transport){ tx_send, tx_flush, c, tx_now,
					       tx_rejoin, tx_kick };
	rc = core_new(&p, &c->core);
	if (rc < 0) {
		free(c);
		return rc;
	}
	rc = cv_reader_start(&c->reader);
	if (rc == 0 && qb_loop_poll_add(loop, QB_LOOP_MED, cv_reader_fd(c->reader),
					POLLIN, c, reader_ready) != 0)
		rc = -EIO;
	if (rc < 0) {
		srr_log(LOG_ERR, "cannot start the votequorum reader thread");
		cv_reader_stop(c->reader, READER_JOIN_MS);
		core_free(c->core);
		free(c);
		return rc;
	}
	c->reader_polled = true;
	/* The connection event fires inside cl_connect(), and its handler
	 * may already call the API with the handle (srrd asks for the local
	 * nodeid there): hand it out first. */
	*out = c;
	if (cl_connect(c) < 0)
		arm_reconnect(c);
	tick_fire(c);
	return 0;
}

void
cluster_free(struct cluster *c)
{
	if (c == NULL)
		return;
	cl_disconnect(c, NULL, CS_OK);
	if (c->reconnect_armed)
		qb_loop_timer_del(c->loop, c->reconnect_t);
	if (c->tick_armed)
		qb_loop_timer_del(c->loop, c->tick_t);
	if (c->work_queued)
		qb_loop_timer_del(c->loop, c->work_t);
	if (c->reader_polled)
		qb_loop_poll_del(c->loop, cv_reader_fd(c->reader));
	if (!cv_reader_stop(c->reader, READER_JOIN_MS))
		srr_log(LOG_WARNING, "the votequorum reader thread is still "
			"waiting on corosync after %u ms: left behind",
			READER_JOIN_MS);
	core_free(c->core);
	free(c);
}

int
cluster_send(struct cluster *c, const uint8_t *payload, size_t len)
{
	return core_send_record(c->core, payload, len);
}

bool cluster_connected(const struct cluster *c) { return core_is_connected(c->core); }
bool cluster_quorate(const struct cluster *c) { return core_is_quorate(c->core); }
uint64_t cluster_epoch(const struct cluster *c) { return core_epoch(c->core); }
bool cluster_synced(const struct cluster *c) { return core_is_synced(c->core); }
uint32_t cluster_local_nodeid(const struct cluster *c) { return core_nodeid(c->core); }

uint32_t
cluster_leader(const struct cluster *c)
{
	return core_leader(c->core);
}

bool
cluster_may_lead(const struct cluster *c)
{
	return core_may_lead(c->core);
}

void
cluster_get_stats(const struct cluster *c, struct cluster_stats *st)
{
	core_stats(c->core, st);
	st->try_again = c->try_again;
}
