/*
 * cluster_sync.c: the state sync of an epoch (digests, deltas, merges in
 * steps, MERGED), its phase timeouts and the exclusion of a member that
 * holds it up, and leaving and joining again when this member's own sync
 * fails. See cluster.h and doc/cluster.md ("Sync timeouts").
 */
#define SRR_LOG_TAG "cluster"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qb/qblog.h>

#include "cluster/cluster_core_int.h"

static const char *const phase_names[] = { "none", "HELLO", "digest",
	"delta", "MERGED" };

/* append; -EMSGSIZE past the cap */
static int
rbuf_add(struct rbuf *b, const uint8_t *p, size_t len)
{
	uint8_t *n;

	if (b->len + len > CLUSTER_SYNC_MAX)
		return -EMSGSIZE;
	if (len == 0)
		return 0;
	n = realloc(b->data, b->len + len);
	if (n == NULL)
		return -ENOMEM;
	memcpy(n + b->len, p, len);
	b->data = n;
	b->len += len;
	return 0;
}

/* Leave and join again rather than hold every member's sync: backoff
 * 1 s, doubling to 64 s while it keeps failing (reset once synced). */
static void
ask_rejoin(struct cluster_core *c)
{
	unsigned delay = 1000u << (c->fail_streak < 6 ? c->fail_streak : 6);

	c->fail_streak++;
	if (c->p.transport.rejoin == NULL)
		return;
	srr_log(LOG_WARNING, "epoch %016" PRIx64 ": leaving the group, joining "
		"again in %u ms", c->epoch, delay);
	c->p.transport.rejoin(c->p.transport.tctx, delay);
}

void
cs_fail(struct cluster_core *c, const char *what, int rc)
{
	if (c->sync_failed)
		return;
	srr_log(LOG_ERR, "epoch %016" PRIx64 ": sync cannot complete: %s: %s",
		c->epoch, what, strerror(-rc));
	c->sync_failed = true;
	EV(c, sync_failed, c->epoch, what, rc);
	ask_rejoin(c);
}

void
cs_check_merged(struct cluster_core *c)
{
	size_t i;
	int rc;

	if (c->sent_merged || c->sync_failed)
		return;
	for (i = 0; i < c->n; i++) {
		const struct peer *pr = &c->peers[i];

		if (cc_is_self(c, pr) || pr->excluded)
			continue;
		if (!pr->hello || (pr->compatible && !pr->delta.done))
			return;
	}
	rc = cc_send(c, CW_MERGED, 0, NULL, 0, NULL, 0);
	if (rc < 0)
		return cs_fail(c, "sending MERGED", rc);
	c->sent_merged = true;
}

void
cs_check_synced(struct cluster_core *c)
{
	size_t i;

	if (c->synced || !c->hellos_done || c->sync_failed)
		return;		/* a failed or excluded member never is */
	for (i = 0; i < c->n; i++)
		if (c->peers[i].compatible && !c->peers[i].merged)
			return;
	c->synced = true;
	c->fail_streak = 0;
	srr_log(LOG_NOTICE, "epoch %016" PRIx64 ": synced (%zu members) in %"
		PRIu64 " ms", c->epoch, c->n, cc_now(c) - c->epoch_start);
	EV(c, synced, c->epoch);
	cle_heartbeat(c, cc_now(c));
}

static void
send_delta(struct cluster_core *c, struct peer *pr)
{
	uint8_t pre[8], *d = NULL;
	size_t dlen = 0;
	int rc;

	rc = c->p.sync->delta(c->p.sync_ctx, pr->digest.data, pr->digest.len,
			      &d, &dlen);
	if (rc == -EBADMSG)	/* the peer's digest: its fault, not ours */
		return cs_exclude(c, pr, "its state digest is malformed");
	if (rc < 0)
		return cs_fail(c, "computing a delta", rc);
	if (dlen > CLUSTER_SYNC_MAX) {
		free(d);
		srr_log(LOG_CRIT, "the delta for node %" PRIu32 " is %zu bytes, "
			"above the %u byte cap every peer enforces", pr->m.nodeid,
			dlen, CLUSTER_SYNC_MAX);
		return cs_fail(c, "delta above CLUSTER_SYNC_MAX", -EMSGSIZE);
	}
	cc_wr32(pre, pr->m.nodeid);
	cc_wr32(pre + 4, pr->m.pid);
	rc = cc_send_chunked(c, CW_DELTA, pre, sizeof(pre), d, dlen);
	free(d);
	if (rc < 0)
		cs_fail(c, "sending a delta", rc);
}

void
cs_rx_digest(struct cluster_core *c, struct peer *pr, const struct cw_hdr *h,
	  const uint8_t *p)
{
	int rc;

	if (!pr->hello || pr->digest.done)
		return cc_bad_input(c, pr->m.nodeid, "DIGEST out of sequence");
	if (cc_is_self(c, pr)) {	/* our own: nothing to compute, keep nothing */
		pr->digest.done = !(h->flags & CW_FLAG_MORE);
		return;
	}
	rc = rbuf_add(&pr->digest, p, h->length);
	if (rc == -EMSGSIZE)
		return cs_exclude(c, pr, "its state digest exceeds the cap");
	if (rc < 0)
		return cs_fail(c, "a peer's digest", rc);
	if (h->flags & CW_FLAG_MORE)
		return;
	pr->digest.done = true;
	if (!c->sync_failed)
		send_delta(c, pr);
	free(pr->digest.data);
	pr->digest.data = NULL;
}

/* a delta from PR to the member at index TI is complete */
static void
delta_seen(struct cluster_core *c, struct peer *pr, uint32_t nodeid,
	   uint32_t pid)
{
	struct peer *t = cc_peer_find(c, nodeid, pid);

	if (t != NULL)
		pr->delta_to[t - c->peers] = true;
}

/* the delta from PR merged (rc 0) or refused */
static void
merge_done(struct cluster_core *c, struct peer *pr, int rc)
{
	free(pr->delta.data);
	pr->delta.data = NULL;
	pr->merging = false;
	if (rc == -EBADMSG) {	/* the peer's bytes: exclude it, go on */
		c->stats.merge_failed++;
		return cs_exclude(c, pr, "its delta was refused as malformed");
	}
	if (rc < 0) {		/* ours (store, memory): leave, rejoin */
		c->stats.merge_failed++;
		return cs_fail(c, "merging a peer's delta", rc);
	}
	pr->delta.done = true;
	cs_check_merged(c);
}

/* one step of PR's delta; true while more remains */
static bool
merge_one_step(struct cluster_core *c, struct peer *pr)
{
	int rc = c->p.sync->merge_step(c->p.sync_ctx, pr->delta.data,
				       pr->delta.len, &pr->cursor);

	if (rc == 1)
		return true;
	merge_done(c, pr, rc < 0 ? rc : 0);
	return false;
}

static void
merge_delta(struct cluster_core *c, struct peer *pr)
{
	if (pr->delta.len == 0)
		return merge_done(c, pr, 0);
	if (c->p.sync->merge_step == NULL)
		return merge_done(c, pr, c->p.sync->merge(c->p.sync_ctx,
			pr->delta.data, pr->delta.len));
	pr->merging = true;
	pr->cursor = 0;
	if (c->p.transport.kick != NULL)
		return c->p.transport.kick(c->p.transport.tctx);
	while (merge_one_step(c, pr))
		;
}

void
core_work(struct cluster_core *c)
{
	size_t i;

	for (i = 0; i < c->n && !c->peers[i].merging; i++)
		;
	if (i == c->n)
		return;
	merge_one_step(c, &c->peers[i]);	/* one step per loop iteration */
	for (i = 0; i < c->n; i++)
		if (c->peers[i].merging) {
			c->p.transport.kick(c->p.transport.tctx);
			break;
		}
	cle_gate_check(c);
}

void
cs_rx_delta(struct cluster_core *c, struct peer *pr, const struct cw_hdr *h,
	 const uint8_t *p)
{
	int rc;

	if (h->length < 8)
		return cc_bad_input(c, pr->m.nodeid, "DELTA without target");
	if (!(h->flags & CW_FLAG_MORE))
		delta_seen(c, pr, cc_rd32(p), cc_rd32(p + 4));
	if (cc_rd32(p) != c->p.nodeid || cc_rd32(p + 4) != c->p.pid)
		return;		/* addressed to another member */
	if (!pr->hello || pr->delta.done || pr->merging || cc_is_self(c, pr))
		return cc_bad_input(c, pr->m.nodeid, "DELTA out of sequence");
	rc = rbuf_add(&pr->delta, p + 8, h->length - 8);
	if (rc == -EMSGSIZE)
		return cs_exclude(c, pr, "its delta exceeds the cap");
	if (rc < 0)
		return cs_fail(c, "a peer's delta", rc);
	if (!(h->flags & CW_FLAG_MORE))
		merge_delta(c, pr);
}

/* ask, in agreed order, that PR leave this epoch (once) */
void
cs_exclude(struct cluster_core *c, struct peer *pr, const char *why)
{
	uint8_t pl[8];

	if (pr->exclude_sent || pr->excluded || cc_is_self(c, pr))
		return;
	srr_log(LOG_WARNING, "epoch %016" PRIx64 ": member %" PRIu32 " (pid %"
		PRIu32 "): %s: asking to exclude it", c->epoch, pr->m.nodeid,
		pr->m.pid, why);
	cc_wr32(pl, pr->m.nodeid);
	cc_wr32(pl + 4, pr->m.pid);
	if (cc_send(c, CW_EXCLUDE, 0, NULL, 0, pl, sizeof(pl)) == 0)
		pr->exclude_sent = true;
}

void
cs_rx_exclude(struct cluster_core *c, struct peer *pr, const struct cw_hdr *h,
	   const uint8_t *p)
{
	struct peer *t;

	if (h->length != 8)
		return cc_bad_input(c, pr->m.nodeid, "bad EXCLUDE");
	t = cc_peer_find(c, cc_rd32(p), cc_rd32(p + 4));
	/* agreed order: once the epoch is synced (every MERGED delivered,
	 * the same point in the stream for every member) it is too late */
	if (t == NULL || t->excluded || c->synced)
		return;
	t->hello = true;
	t->excluded = true;
	t->compatible = false;
	srr_log(LOG_WARNING, "epoch %016" PRIx64 ": member %" PRIu32 " (pid %"
		PRIu32 ") excluded from this epoch at node %" PRIu32 "'s request"
		" (no leadership, not waited for)", c->epoch, t->m.nodeid,
		t->m.pid, pr->m.nodeid);
	if (cc_is_self(c, t)) {
		srr_log(LOG_ERR, "epoch %016" PRIx64 ": this member was excluded;"
			" it names no leader until it joins again", c->epoch);
		c->self_excluded = true;
		c->sync_failed = true;
		cc_compute_leader(c);
		ask_rejoin(c);
		return;
	}
	if (!c->hellos_done)
		return cc_hellos_check(c);
	cc_compute_leader(c);
	cs_check_merged(c);
	cs_check_synced(c);
}

/* what member I holds the sync up with, if anything */
static enum phase
peer_phase(const struct cluster_core *c, size_t i)
{
	const struct peer *pr = &c->peers[i];
	size_t j;

	if (pr->excluded || pr->merged || (pr->hello && !pr->compatible))
		return PH_NONE;
	if (!pr->hello)
		return PH_HELLO;
	if (!pr->digest.done)
		return PH_DIGEST;
	for (j = 0; j < c->n; j++)	/* its deltas, to whoever it can */
		if (j != i && c->peers[j].compatible &&
		    c->peers[j].digest.done && !pr->delta_to[j])
			return PH_DELTA;
	for (j = 0; j < c->n; j++)	/* waiting for another's delta */
		if (j != i && c->peers[j].compatible && !c->peers[j].delta_to[i])
			return PH_NONE;
	return PH_MERGED;
}

static unsigned
phase_timeout(const struct cluster_core *c, enum phase ph)
{
	if (ph == PH_HELLO && c->p.hello_timeout_ms)
		return c->p.hello_timeout_ms;
	return c->p.sync_timeout_ms ? c->p.sync_timeout_ms : CORE_SYNC_TIMEOUT_MS;
}

void
cs_tick(struct cluster_core *c, uint64_t now)
{
	bool log = now - c->stuck_logged >= CORE_STUCK_LOG_MS;
	char why[96];
	size_t i;

	if (c->epoch == 0 || c->synced || c->self_excluded)
		return;
	for (i = 0; i < c->n; i++) {
		struct peer *pr = &c->peers[i];
		enum phase ph = cc_is_self(c, pr) ? PH_NONE : peer_phase(c, i);
		uint64_t idle = now - (pr->since > c->epoch_start ?
				       pr->since : c->epoch_start);

		if (ph == PH_NONE)
			continue;
		if (idle >= phase_timeout(c, ph)) {
			snprintf(why, sizeof(why), "sync stuck in phase %s for "
				 "%" PRIu64 " ms", phase_names[ph], idle);
			cs_exclude(c, pr, why);
		} else if (log && idle >= CORE_STUCK_LOG_MS) {
			srr_log(LOG_WARNING, "epoch %016" PRIx64 ": sync stuck on "
				"member %" PRIu32 ", phase %s, for %" PRIu64 " ms "
				"(excluded at %u ms)", c->epoch, pr->m.nodeid,
				phase_names[ph], idle, phase_timeout(c, ph));
			c->stuck_logged = now;
		}
	}
}

/* A long merge sends nothing else: a heartbeat every 2 s shows the others
 * (whose phase timeout counts from a member's last message) that it is
 * alive and working. Only a leader reads heartbeats, and only its own. */
void
cs_progress_tick(struct cluster_core *c, uint64_t now)
{
	uint8_t pl[8];
	size_t i;

	if (now - c->progress_sent < 2000u)
		return;
	for (i = 0; i < c->n && !c->peers[i].merging; i++)
		;
	if (i == c->n)
		return;
	cc_wr64(pl, now);
	if (cc_send(c, CW_HEARTBEAT, 0, NULL, 0, pl, sizeof(pl)) == 0)
		c->progress_sent = now;
}

void
core_hello_timeout(struct cluster_core *c)
{
	size_t i;

	if (c->epoch == 0 || c->hellos_done || c->self_excluded)
		return;
	for (i = 0; i < c->n; i++)
		if (!c->peers[i].hello)
			cs_exclude(c, &c->peers[i], "no HELLO in time");
}
