/*
 * srrd_cluster.c: srrd on cluster/: the ledger's sync callbacks, the
 * membership the engine is told about, and the operator messages
 * between agents.
 *
 * Everything that goes through the cluster (state sync deltas and
 * cluster_send payloads) starts with one tag byte: 'L' a ledger buffer,
 * 'Q' an operator request forwarded to the leader, 'A' the leader's
 * answer. Only ledger buffers reach the ledger's merge; the others are
 * handled on delivery, where the sender is known.
 *
 * The engine is fed through srrd_post(): never from inside a callback.
 */
#define SRR_LOG_TAG "srrd"

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "agent/srrd_int.h"

static int
sync_digest(void *ctx, uint8_t **out, size_t *len)
{
	struct srrd *d = ctx;

	return srr_ledger_digest(d->ledger, out, len);
}

/* prefix BUF (malloc'd, LEN bytes) with TAG */
static int
tagged(uint8_t tag, uint8_t **buf, size_t *len)
{
	uint8_t *n = malloc(*len + 1);

	if (n == NULL)
		return -ENOMEM;
	n[0] = tag;
	if (*len > 0)
		memcpy(n + 1, *buf, *len);
	free(*buf);
	*buf = n;
	*len += 1;
	return 0;
}

static int
sync_delta(void *ctx, const uint8_t *peer, size_t plen, uint8_t **out,
	   size_t *len)
{
	struct srrd *d = ctx;
	int rc;

	*out = NULL;
	*len = 0;
	rc = srr_ledger_delta(d->ledger, peer, plen, out, len);
	if (rc < 0)
		return rc;
	return tagged(SRRD_MSG_LEDGER, out, len);
}

static int
sync_merge(void *ctx, const uint8_t *data, size_t len)
{
	struct srrd *d = ctx;

	if (len == 0)
		return -EBADMSG;
	if (data[0] == SRRD_MSG_REQ || data[0] == SRRD_MSG_REPLY)
		return 0;	/* on delivery */
	if (data[0] != SRRD_MSG_LEDGER)
		return -EBADMSG;
	if (len == 1)
		return 0;	/* an empty delta */
	return srr_ledger_merge(d->ledger, data + 1, len - 1);
}

/* A delta in steps (cluster.h): the tag byte, then the ledger's steps. */
static int
sync_merge_step(void *ctx, const uint8_t *data, size_t len, uint64_t *cursor)
{
	struct srrd *d = ctx;

	if (len == 0 || data[0] != SRRD_MSG_LEDGER)
		return len > 0 && (data[0] == SRRD_MSG_REQ ||
				   data[0] == SRRD_MSG_REPLY) ? 0 : -EBADMSG;
	if (len == 1)
		return 0;
	return srr_ledger_merge_step(d->ledger, data + 1, len - 1, cursor);
}

static const struct cluster_sync_ops sync_ops = {
	.digest = sync_digest,
	.delta = sync_delta,
	.merge = sync_merge,
	.merge_step = sync_merge_step,
};

bool
srrd_is_leader(const struct srrd *d)
{
	return d->cl != NULL && d->nodeid != 0 &&
	       cluster_leader(d->cl) == d->nodeid;
}

/* The cluster's whole gate (leadership, sync, quorum settings, lease),
 * read right before a command or a fence goes out. */
bool
srrd_may_act(const struct srrd *d)
{
	return d->cl != NULL && cluster_may_lead(d->cl);
}

/* The leader as the engine is told: this agent only while the cluster's
 * gate is open (its lease held), so the engine's acting-leader view
 * closes with the lease. */
static uint32_t
engine_leader(const struct srrd *d)
{
	uint32_t l = cluster_leader(d->cl);

	if (l == d->nodeid && !cluster_may_lead(d->cl))
		return 0;
	return l;
}

/* One MEMBERSHIP for every change of what the engine is told. */
static void
membership_changed(struct srrd *d)
{
	struct srr_event ev = { .type = SRR_EV_MEMBERSHIP };
	struct srr_ev_membership m;
	uint32_t old_leader = d->mem.leader;
	bool old_q = d->mem.quorate;

	if (d->engine == NULL)
		return;	/* told in full once it exists */
	memset(&m, 0, sizeof(m));	/* compared whole, padding included */
	m.epoch = cluster_epoch(d->cl);
	m.leader = engine_leader(d);
	m.quorate = cluster_quorate(d->cl);
	m.config_agree = !(d->mismatch && d->mismatch_epoch == m.epoch);
	m.members = (int)d->nmembers;
	if (d->have_mem && memcmp(&m, &d->mem, sizeof(m)) == 0)
		return;
	d->mem = m;
	ev.u.mem = m;
	srr_log(LOG_NOTICE, "membership: epoch %016llx leader %u quorate %d "
		"config %s members %d", (unsigned long long)m.epoch, m.leader,
		m.quorate, m.config_agree ? "agreed" : "MISMATCH", m.members);
	if (d->have_mem && old_q != m.quorate)
		srrd_alert(d, SRRD_AK_NODE, m.quorate ? "quorum_regained" :
			   "quorum_lost", NULL, NULL, 0, "quorum %s",
			   m.quorate ? "regained" : "lost");
	if (d->have_mem && old_leader != m.leader)
		srrd_alert(d, SRRD_AK_NODE, "leader_changed", NULL, NULL, 0,
			   "leader changed from %u to %u", old_leader, m.leader);
	d->have_mem = true;
	sd_notifyf(0, "STATUS=epoch %016llx, leader %u%s, %squorate%s",
		   (unsigned long long)m.epoch, m.leader,
		   m.leader == d->nodeid ? " (this agent)" : "",
		   m.quorate ? "" : "not ", m.config_agree ? "" :
		   ", configuration MISMATCH");
	srrd_post(d, &ev);
	if (old_leader != m.leader) {
		srrd_poll_reschedule(d);
		srrd_req_leader_changed(d);
	}
}

static void
ev_connection(void *ctx, bool up)
{
	struct srrd *d = ctx;

	d->connected = up;
	srr_log(up ? LOG_NOTICE : LOG_WARNING, "corosync %s",
		up ? "connected" : "connection lost (the cluster layer logs why and reconnects)");
	if (d->cl == NULL)
		return;	/* inside cluster_init: srrd_cluster_start goes on */
	if (up && srrd_engine_ready(d) < 0) {
		srr_log(LOG_CRIT, "cannot start the engine: stopping");
		qb_loop_stop(d->loop);
		return;
	}
	if (d->engine)
		membership_changed(d);
}

static void
ev_membership(void *ctx, uint64_t epoch, const uint32_t *ids, size_t n)
{
	struct srrd *d = ctx;

	d->nmembers = n < SRRD_MAX_MEMBERS ? n : SRRD_MAX_MEMBERS;
	memcpy(d->members, ids, d->nmembers * sizeof(*ids));
	membership_changed(d);
}

static void
ev_quorum(void *ctx, bool quorate)
{
	membership_changed(ctx);
}

static void
ev_leader(void *ctx, uint64_t epoch, enum cluster_leader_kind kind,
	  uint32_t nodeid)
{
	membership_changed(ctx);
}

static void
ev_synced(void *ctx, uint64_t epoch)
{
	struct srrd *d = ctx;
	struct srr_event ev = { .type = SRR_EV_SYNCED };

	membership_changed(d);
	d->synced_epoch = epoch;
	ev.u.synced_epoch = epoch;
	srr_log(LOG_INFO, "epoch %016llx synced", (unsigned long long)epoch);
	srrd_post(d, &ev);
}

static void
ev_delivered(void *ctx, uint64_t epoch, uint32_t sender,
	     const uint8_t *payload, size_t len)
{
	struct srrd *d = ctx;

	if (len > 0 && (payload[0] == SRRD_MSG_REQ || payload[0] == SRRD_MSG_REPLY))
		srrd_req_message(d, sender, payload[0], payload + 1, len - 1);
}

static void
ev_may_lead(void *ctx, uint64_t epoch, bool may)
{
	struct srrd *d = ctx;

	srr_log(LOG_NOTICE, "cluster gate %s (epoch %016llx)", may ? "open: this "
		"agent may lead" : "closed", (unsigned long long)epoch);
	membership_changed(d);
}

static void
ev_sync_failed(void *ctx, uint64_t epoch, const char *what, int err)
{
	struct srrd *d = ctx;

	srrd_alert(d, SRRD_AK_NODE, "sync_failed", NULL, NULL, err,
		   "state sync of epoch %016llx failed: %s (%s): leaving and "
		   "joining again", (unsigned long long)epoch, what,
		   strerror(-err));
}

static void
ev_mismatch(void *ctx, uint64_t epoch, uint32_t nodeid, bool version)
{
	struct srrd *d = ctx;

	srr_log(LOG_WARNING, "node %u runs another %s: no agent acts until "
		"every member agrees", nodeid, version ? "protocol version" :
		"configuration (digest)");
	d->mismatch = true;
	d->mismatch_epoch = epoch;
	membership_changed(d);
}

static const struct cluster_events events = {
	.connection = ev_connection,
	.membership = ev_membership,
	.quorum = ev_quorum,
	.leader = ev_leader,
	.synced = ev_synced,
	.delivered = ev_delivered,
	.config_mismatch = ev_mismatch,
	.sync_failed = ev_sync_failed,
	.may_lead = ev_may_lead,
};

int
srrd_cluster_start(struct srrd *d)
{
	struct cluster_config cfg = {
		.group = d->conf.group,
		.config_digest = d->digest,
		.config_digest_len = SRRD_DIGEST_LEN,
		.sync = &sync_ops,
		.sync_ctx = d,
		.events = &events,
		.event_ctx = d,
		.hello_timeout_ms = d->conf.hello_timeout_ms,
	};
	int rc;

	rc = cluster_init(d->loop, &cfg, &d->cl);
	if (rc < 0) {
		srr_log(LOG_ERR, "cluster: %s", strerror(-rc));
		return rc;
	}
	/* connected during cluster_init: the engine needs d->cl set */
	if (d->connected && (rc = srrd_engine_ready(d)) < 0)
		return rc;
	return 0;
}

void
srrd_cluster_stop(struct srrd *d)
{
	if (d->cl)
		cluster_free(d->cl);
	d->cl = NULL;
}

int
srrd_cluster_send_msg(struct srrd *d, uint8_t tag, const void *body,
		      size_t len)
{
	uint8_t *buf = malloc(len + 1);
	int rc;

	if (buf == NULL)
		return -ENOMEM;
	buf[0] = tag;
	memcpy(buf + 1, body, len);
	rc = cluster_send(d->cl, buf, len + 1);
	free(buf);
	return rc;
}

int
srrd_cluster_replicate(struct srrd *d, const struct srr_record *recs, size_t n)
{
	const struct srr_record *p[SRRD_REPL_BATCH];
	uint8_t *buf;
	size_t len, k, i;
	int rc = 0;

	for (k = 0; k < n && rc == 0; k += SRRD_REPL_BATCH) {
		size_t m = n - k < SRRD_REPL_BATCH ? n - k : SRRD_REPL_BATCH;

		for (i = 0; i < m; i++)
			p[i] = &recs[k + i];
		buf = NULL;
		rc = srr_records_encode(p, m, &buf, &len);
		if (rc == 0)
			rc = srrd_cluster_send_msg(d, SRRD_MSG_LEDGER, buf, len);
		free(buf);
	}
	return rc;
}
