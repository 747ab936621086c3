/*
 * cluster_core.c: membership, epoch, leader and the receiving side of the
 * state machine (the sync is cluster_sync.c, the lease cluster_lease.c).
 * No corosync here: the binding (or a unit test) feeds it views, quorum
 * and delivered messages, and it multicasts through core_transport.
 * See cluster.h for the protocol.
 */
#define SRR_LOG_TAG "cluster"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qb/qblog.h>

#include "cluster/cluster_core_int.h"

/* ---- small helpers ---- */

uint64_t
cc_now(const struct cluster_core *c)
{
	struct timespec ts;

	if (c->p.transport.now_ms)
		return c->p.transport.now_ms(c->p.transport.tctx);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
rbuf_reset(struct rbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

struct peer *
cc_peer_find(struct cluster_core *c, uint32_t nodeid, uint32_t pid)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->peers[i].m.nodeid == nodeid && c->peers[i].m.pid == pid)
			return &c->peers[i];
	return NULL;
}

bool
cc_is_self(const struct cluster_core *c, const struct peer *pr)
{
	return pr->m.nodeid == c->p.nodeid && pr->m.pid == c->p.pid;
}

static void
peers_reset(struct cluster_core *c)
{
	size_t i;

	for (i = 0; i < CORE_MEMBERS_MAX; i++) {
		rbuf_reset(&c->peers[i].digest);
		rbuf_reset(&c->peers[i].delta);
		memset(&c->peers[i], 0, sizeof(c->peers[i]));
	}
}

static int
member_cmp(const void *a, const void *b)
{
	const struct core_member *x = a, *y = b;

	if (x->nodeid != y->nodeid)
		return x->nodeid < y->nodeid ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return 0;
}

static uint32_t
fnv32(uint32_t h, uint64_t v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++) {
		h ^= (uint8_t)(v >> (8 * i));
		h *= 16777619u;
	}
	return h;
}

uint64_t
core_epoch_of(uint32_t rep_nodeid, uint64_t seq, const struct core_member *m,
	      size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	h = fnv32(h, rep_nodeid, 4);
	h = fnv32(h, seq, 8);
	for (i = 0; i < n; i++) {
		h = fnv32(h, m[i].nodeid, 4);
		h = fnv32(h, m[i].pid, 4);
	}
	/* 0 means "no view"; a zero hash with a zero ring is mapped away */
	if ((uint32_t)seq == 0 && h == 0)
		h = 1;
	return ((uint64_t)(uint32_t)seq << 32) | h;
}

/* ---- sending ---- */

int
cc_send(struct cluster_core *c, uint16_t type, uint8_t flags,
	 const uint8_t *pre, size_t pre_len, const uint8_t *p, size_t len)
{
	uint8_t *buf;
	struct cw_hdr h = { CW_MAGIC, CW_VERSION, flags, type, c->epoch,
			    c->p.nodeid, (uint32_t)(pre_len + len) };
	int rc;

	if (pre_len + len > CW_CHUNK_MAX)
		return -EMSGSIZE;
	buf = malloc(CW_HDR_LEN + pre_len + len);
	if (buf == NULL)
		return -ENOMEM;
	cw_encode_hdr(buf, &h);
	if (pre_len)
		memcpy(buf + CW_HDR_LEN, pre, pre_len);
	if (len)
		memcpy(buf + CW_HDR_LEN + pre_len, p, len);
	rc = c->p.transport.send(c->p.transport.tctx, buf,
				 CW_HDR_LEN + pre_len + len);
	free(buf);
	return rc;
}

/* an item in chunks of at most CW_CHUNK_MAX, each prefixed by pre */
int
cc_send_chunked(struct cluster_core *c, uint16_t type, const uint8_t *pre,
	     size_t pre_len, const uint8_t *p, size_t len)
{
	size_t room = CW_CHUNK_MAX - pre_len, off = 0, n;
	int rc;

	do {
		n = len - off < room ? len - off : room;
		rc = cc_send(c, type, off + n < len ? CW_FLAG_MORE : 0,
			      pre, pre_len, p + off, n);
		if (rc < 0)
			return rc;
		off += n;
	} while (off < len);
	return 0;
}

/* ---- leader ---- */

static size_t
digest_count(const struct cluster_core *c, const struct cw_hello *h)
{
	size_t i, k = 0;

	for (i = 0; i < c->n; i++) {
		const struct peer *pr = &c->peers[i];

		if (pr->compatible && pr->info.digest_len == h->digest_len &&
		    memcmp(pr->info.digest, h->digest, h->digest_len) == 0)
			k++;
	}
	return k;
}

/* the reference config: held by most members; NULL on a tie */
static const struct cw_hello *
reference_digest(const struct cluster_core *c)
{
	const struct cw_hello *best = NULL;
	size_t i, bestk = 0, k;
	bool tie = false;

	for (i = 0; i < c->n; i++) {
		const struct cw_hello *h = &c->peers[i].info;

		if (!c->peers[i].compatible)
			continue;
		k = digest_count(c, h);
		if (k > bestk) {
			best = h, bestk = k, tie = false;
		} else if (k == bestk && best != NULL &&
			   (best->digest_len != h->digest_len ||
			    memcmp(best->digest, h->digest, h->digest_len))) {
			tie = true;
		}
	}
	return tie ? NULL : best;
}

/* Members of another protocol version (a rolling upgrade) do not count
 * towards our reference, and ours not towards theirs: each version would
 * name a leader of its own. So while one is in the view, the reference
 * must be held by more than half of every member that sent a HELLO and
 * was not excluded, whatever its version. At most one version can. */
static bool
other_version_blocks(const struct cluster_core *c, const struct cw_hello *ref)
{
	size_t i, all = 0, foreign = 0;

	for (i = 0; i < c->n; i++) {
		const struct peer *pr = &c->peers[i];

		if (!pr->hello || pr->excluded)
			continue;
		all++;
		if (!pr->compatible)
			foreign++;
	}
	return foreign > 0 && 2 * digest_count(c, ref) <= all;
}

static bool
same_digest(const struct cw_hello *a, const uint8_t *d, size_t len)
{
	return a->digest_len == len && memcmp(a->digest, d, len) == 0;
}

static void
set_leader(struct cluster_core *c, enum cluster_leader_kind kind,
	   uint32_t nodeid, const char *why)
{
	if (kind == c->leader_kind && nodeid == c->leader)
		return;
	c->leader_kind = kind;
	c->leader = nodeid;
	/* a refusal the operator must fix is loud */
	srr_log(kind == CLUSTER_LEADER_NONE && c->quorate && c->epoch &&
		why != NULL && strstr(why, "refuse") ? LOG_CRIT : LOG_NOTICE,
		"epoch %016" PRIx64 ": leader %s %" PRIu32 " (%s)",
		c->epoch, kind == CLUSTER_LEADER_SELF ? "self" :
		kind == CLUSTER_LEADER_OTHER ? "other" : "none", nodeid, why);
	EV(c, leader, c->epoch, kind, nodeid);
	cle_heartbeat(c, cc_now(c));	/* a new leader's lease starts now */
	cle_gate_check(c);
}

/* a nodeid twice among the members that count: two agents on one node
 * (srrd locks its state directory, but this layer must not rely on it) */
static uint32_t
duplicate_nodeid(const struct cluster_core *c)
{
	size_t i;

	for (i = 1; i < c->n; i++)	/* sorted by nodeid */
		if (c->peers[i].m.nodeid == c->peers[i - 1].m.nodeid &&
		    c->peers[i].compatible && c->peers[i - 1].compatible)
			return c->peers[i].m.nodeid;
	return 0;
}

/* the member (nodeid, pid) of the lowest nodeid holding REF */
static const struct peer *
lowest_holder(const struct cluster_core *c, const struct cw_hello *ref)
{
	const struct peer *best = NULL;
	size_t i;

	for (i = 0; i < c->n; i++) {
		const struct peer *pr = &c->peers[i];

		if (pr->compatible && same_digest(ref, pr->info.digest,
						  pr->info.digest_len) &&
		    (best == NULL || pr->m.nodeid < best->m.nodeid))
			best = pr;
	}
	return best;
}

/* the part of the decision that is not about this epoch's members */
static const char *
leader_blocked(const struct cluster_core *c)
{
	if (c->epoch == 0 || !c->connected)
		return "no view";
	if (!c->quorate)
		return "not quorate";
	if (!c->policy_known)
		return "quorum configuration not read yet";
	if (!c->policy_safe)
		return c->policy_why;
	if (c->token_ms == 0)
		return "corosync token timeout unknown (no lease)";
	if (c->self_excluded)
		return "this member was excluded from the epoch";
	if (!c->hellos_done)
		return "waiting for hellos";
	return NULL;
}

void
cc_compute_leader(struct cluster_core *c)
{
	const struct cw_hello *ref;
	const struct peer *best;
	const char *why = leader_blocked(c);
	char dup[80];
	uint32_t d;

	if (why != NULL)
		return set_leader(c, CLUSTER_LEADER_NONE, 0, why);
	if ((d = duplicate_nodeid(c)) != 0) {
		snprintf(dup, sizeof(dup), "nodeid %" PRIu32 " appears twice "
			 "in the view: refuse to lead", d);
		return set_leader(c, CLUSTER_LEADER_NONE, 0, dup);
	}
	ref = reference_digest(c);
	if (ref == NULL)
		return set_leader(c, CLUSTER_LEADER_NONE, 0,
				  "no configuration digest held by a majority");
	if (!same_digest(ref, c->cfg_digest, c->p.config_digest_len))
		return set_leader(c, CLUSTER_LEADER_NONE, 0,
				  "local configuration digest differs from the members'");
	if (other_version_blocks(c, ref))
		return set_leader(c, CLUSTER_LEADER_NONE, 0,
				  "members of another protocol version hold half "
				  "the view or more: refuse to lead until one "
				  "version holds a majority");
	best = lowest_holder(c, ref);
	c->last_leader = best->m;
	set_leader(c, cc_is_self(c, best) ? CLUSTER_LEADER_SELF :
		   CLUSTER_LEADER_OTHER, best->m.nodeid,
		   "lowest nodeid of the quorate view");
}

/* ---- configuration mismatches ---- */

static void
report_mismatches(struct cluster_core *c)
{
	uint32_t d = duplicate_nodeid(c);
	size_t i;

	if (d != 0)
		srr_log(LOG_CRIT, "epoch %016" PRIx64 ": nodeid %" PRIu32 " appears "
			"twice in the view (two agents on one node): no member "
			"leads while it does", c->epoch, d);

	for (i = 0; i < c->n; i++) {
		const struct peer *pr = &c->peers[i];
		bool ver = !pr->compatible;

		if (pr->excluded)
			continue;
		if (!ver && same_digest(&pr->info, c->cfg_digest,
					c->p.config_digest_len))
			continue;
		srr_log(LOG_WARNING, "epoch %016" PRIx64 ": member %" PRIu32
			" runs %s %s; it cannot lead with this node",
			c->epoch, pr->m.nodeid,
			ver ? "protocol version" : "a configuration digest",
			ver ? "other than ours" : "different from ours");
		EV(c, config_mismatch, c->epoch, pr->m.nodeid, ver);
	}
}

/* ---- epochs ---- */

static void
start_epoch(struct cluster_core *c)
{
	struct cw_hello h = { CW_VERSION, (uint16_t)c->p.config_digest_len };
	uint8_t hb[4 + CLUSTER_DIGEST_MAX];
	uint32_t ids[CORE_MEMBERS_MAX];
	uint8_t *d = NULL;
	size_t i, dlen = 0;
	int rc;

	peers_reset(c);
	for (i = 0; i < c->n; i++) {
		c->peers[i].m = c->members[i];
		ids[i] = c->members[i].nodeid;
	}
	c->sent_merged = c->synced = c->sync_failed = c->hellos_done = false;
	c->self_excluded = false;
	c->hb_sent = c->hb_back = 0;
	c->epoch_start = c->stuck_logged = cc_now(c);
	if (c->p.transport.flush)
		c->p.transport.flush(c->p.transport.tctx);
	srr_log(LOG_NOTICE, "epoch %016" PRIx64 ": %zu members", c->epoch, c->n);
	EV(c, membership, c->epoch, ids, c->n);
	cc_compute_leader(c);

	memcpy(h.digest, c->cfg_digest, c->p.config_digest_len);
	rc = cc_send(c, CW_HELLO, 0, NULL, 0, hb, cw_hello_encode(hb, sizeof(hb), &h));
	if (rc < 0)
		return cs_fail(c, "sending HELLO", rc);
	rc = c->p.sync->digest(c->p.sync_ctx, &d, &dlen);
	if (rc < 0)
		return cs_fail(c, "computing the state digest", rc);
	if (dlen > CLUSTER_SYNC_MAX) {
		free(d);
		srr_log(LOG_CRIT, "the state digest is %zu bytes, above the %u "
			"byte cap every peer enforces: this member cannot sync",
			dlen, CLUSTER_SYNC_MAX);
		return cs_fail(c, "state digest above CLUSTER_SYNC_MAX",
				 -EMSGSIZE);
	}
	rc = cc_send_chunked(c, CW_DIGEST, NULL, 0, d, dlen);
	free(d);
	if (rc < 0)
		return cs_fail(c, "sending the state digest", rc);
	cs_check_merged(c);	/* alone: nothing to wait for */
}

static bool
self_in_view(const struct cluster_core *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->members[i].nodeid == c->p.nodeid &&
		    c->members[i].pid == c->p.pid)
			return true;
	return false;
}

static void
view_changed(struct cluster_core *c)
{
	uint64_t e;

	if (!c->connected || !c->ring_known || !c->members_known ||
	    !self_in_view(c)) {
		if (c->epoch != 0) {
			c->epoch = 0;
			peers_reset(c);
			cc_compute_leader(c);
		}
		return;
	}
	e = core_epoch_of(c->ring_rep, c->ring_seq, c->members, c->n);
	if (e == c->epoch)
		return;
	c->epoch = e;
	start_epoch(c);
}


void
core_ring(struct cluster_core *c, uint32_t rep_nodeid, uint64_t seq)
{
	c->ring_known = true;
	c->ring_rep = rep_nodeid;
	c->ring_seq = seq;
	view_changed(c);
}

void
core_members(struct cluster_core *c, const struct core_member *m, size_t n)
{
	if (n > CORE_MEMBERS_MAX) {
		/* Not the old view either: keeping it would let this member
		 * lead while others it cannot see may lead too. */
		srr_log(LOG_ERR, "view of %zu members exceeds %d: no view, no "
			"leader until a smaller one", n, CORE_MEMBERS_MAX);
		c->n = 0;
		c->members_known = false;
		view_changed(c);
		return;
	}
	memcpy(c->members, m, n * sizeof(*m));
	qsort(c->members, n, sizeof(*m), member_cmp);
	c->n = n;
	c->members_known = true;
	view_changed(c);
}

void
core_quorum(struct cluster_core *c, bool quorate)
{
	if (c->quorate != quorate) {
		c->quorate = quorate;
		srr_log(LOG_NOTICE, "%s", quorate ? "quorate" : "not quorate");
		EV(c, quorum, quorate);
	}
	cc_compute_leader(c);
}

void
core_connected(struct cluster_core *c, bool up)
{
	if (c->connected == up)
		return;
	c->connected = up;
	if (!up) {
		/* who leads now is unknown: a node loss seen after the
		 * reconnect holds every new leader for the lease */
		c->last_leader = (struct core_member){ 0, 0 };
		c->ring_known = c->members_known = false;
		c->n = 0;
		c->epoch = 0;
		peers_reset(c);
		if (c->quorate) {
			c->quorate = false;
			EV(c, quorum, false);
		}
		cc_compute_leader(c);
	}
	srr_log(up ? LOG_NOTICE : LOG_WARNING, "%s", up ? "connected to corosync" :
		"no cluster: corosync connection lost; acting disabled");
	EV(c, connection, up);
}

/* ---- receiving ---- */

void
cc_bad_input(struct cluster_core *c, uint32_t nodeid, const char *why)
{
	c->stats.malformed++;
	srr_log(LOG_WARNING, "dropped a message from node %" PRIu32 ": %s",
		nodeid, why);
}

void
cc_hellos_check(struct cluster_core *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!c->peers[i].hello)
			return;
	c->hellos_done = true;
	report_mismatches(c);
	cc_compute_leader(c);
	cs_check_merged(c);
	cs_check_synced(c);
}

static void
rx_hello(struct cluster_core *c, struct peer *pr, const uint8_t *p,
	 size_t len, bool foreign)
{
	struct cw_hello h;

	if (pr->hello)
		return cc_bad_input(c, pr->m.nodeid, "duplicate HELLO");
	if (cw_hello_decode(p, len, &h) != CW_OK)
		return cc_bad_input(c, pr->m.nodeid, "malformed HELLO");
	if (!foreign && h.version != CW_VERSION)
		return cc_bad_input(c, pr->m.nodeid, "HELLO version disagrees with header");
	pr->info = h;
	pr->hello = true;
	pr->compatible = !foreign;
	cc_hellos_check(c);
}

static void
rx_record(struct cluster_core *c, struct peer *pr, const struct cw_hdr *h,
	  const uint8_t *p)
{
	int rc;

	if (h->flags & CW_FLAG_MORE)
		return cc_bad_input(c, pr->m.nodeid, "chunked RECORD");
	if (h->length > CLUSTER_RECORD_MAX)
		return cc_bad_input(c, pr->m.nodeid, "RECORD above CLUSTER_RECORD_MAX");
	rc = c->p.sync->merge(c->p.sync_ctx, p, h->length);
	if (rc < 0) {
		c->stats.merge_failed++;
		srr_log(LOG_ERR, "record from node %" PRIu32 " refused by merge: %s",
			pr->m.nodeid, strerror(-rc));
		return;
	}
	EV(c, delivered, c->epoch, pr->m.nodeid, p, h->length);
}

static void
rx_current(struct cluster_core *c, struct peer *pr, const struct cw_hdr *h,
	   const uint8_t *p)
{
	switch (h->type) {
	case CW_HELLO:
		return rx_hello(c, pr, p, h->length, false);
	case CW_DIGEST:
		return cs_rx_digest(c, pr, h, p);
	case CW_DELTA:
		return cs_rx_delta(c, pr, h, p);
	case CW_MERGED:
		if (h->length != 0 || pr->merged || !pr->hello)
			return cc_bad_input(c, pr->m.nodeid, "bad MERGED");
		pr->merged = true;
		return cs_check_synced(c);
	case CW_RECORD:
		return rx_record(c, pr, h, p);
	case CW_EXCLUDE:
		return cs_rx_exclude(c, pr, h, p);
	case CW_HEARTBEAT:
		return cle_rx_heartbeat(c, pr, h, p);
	}
}

void
core_deliver(struct cluster_core *c, uint32_t nodeid, uint32_t pid,
	     const uint8_t *buf, size_t len)
{
	struct cw_hdr h;
	const uint8_t *p;
	struct peer *pr;
	int rc = cw_decode(buf, len, &h, &p);

	if (rc == CW_ERR_TYPE) {
		c->stats.unknown_type++;
		return;
	}
	if (rc != CW_OK && rc != CW_ERR_VERSION)
		return cc_bad_input(c, nodeid, cw_strerror(rc));
	if (h.sender != nodeid)
		return cc_bad_input(c, nodeid, "sender field is not the sending node");
	if (rc == CW_ERR_VERSION && h.type != CW_HELLO) {
		c->stats.bad_version++;
		return;
	}
	pr = cc_peer_find(c, nodeid, pid);
	if (c->epoch == 0 || h.epoch != c->epoch || pr == NULL) {
		c->stats.stale_epoch++;
		return;
	}
	if (pr->excluded) {	/* late: it is out of this epoch */
		c->stats.stale_epoch++;
		return;
	}
	pr->since = cc_now(c);
	if (rc == CW_ERR_VERSION)
		rx_hello(c, pr, p, h.length, true);
	else
		rx_current(c, pr, &h, p);
	cle_gate_check(c);
}

int
core_send_record(struct cluster_core *c, const uint8_t *p, size_t len)
{
	if (c->epoch == 0)
		return -ENOTCONN;
	if (len > CLUSTER_RECORD_MAX)
		return -EMSGSIZE;
	return cc_send(c, CW_RECORD, 0, NULL, 0, p, len);
}

/* ---- life cycle and getters ---- */

int
core_new(const struct core_params *p, struct cluster_core **out)
{
	struct cluster_core *c;

	if (p->config_digest_len == 0 || p->config_digest_len > CLUSTER_DIGEST_MAX ||
	    p->sync == NULL || p->sync->digest == NULL || p->sync->delta == NULL ||
	    p->sync->merge == NULL || p->transport.send == NULL)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->p = *p;
	memcpy(c->cfg_digest, p->config_digest, p->config_digest_len);
	c->p.config_digest = c->cfg_digest;
	*out = c;
	return 0;
}

void
core_free(struct cluster_core *c)
{
	if (c == NULL)
		return;
	peers_reset(c);
	free(c);
}

void
core_set_self(struct cluster_core *c, uint32_t nodeid, uint32_t pid)
{
	c->p.nodeid = nodeid;
	c->p.pid = pid;
}

bool core_is_connected(const struct cluster_core *c) { return c->connected; }
bool core_is_quorate(const struct cluster_core *c) { return c->quorate; }
uint64_t core_epoch(const struct cluster_core *c) { return c->epoch; }
bool core_is_synced(const struct cluster_core *c) { return c->synced; }
uint32_t core_leader(const struct cluster_core *c) { return c->leader; }

uint32_t core_nodeid(const struct cluster_core *c) { return c->p.nodeid; }

void
core_stats(const struct cluster_core *c, struct cluster_stats *st)
{
	*st = c->stats;
}
