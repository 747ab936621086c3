/*
 * cluster_core.c: membership, epoch, leader and state-sync state machine.
 * No corosync here: the binding (or a unit test) feeds it views, quorum
 * and delivered messages, and it multicasts through core_transport.
 * See cluster.h for the protocol.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qb/qblog.h>

#include "cluster/cluster_int.h"

struct rbuf {			/* reassembly of a chunked item */
	uint8_t *data;
	size_t len;
	bool done;
};

struct peer {
	struct core_member m;
	bool hello;
	bool compatible;	/* same protocol version, not excluded */
	bool excluded;		/* stuck in a sync phase: out of this epoch */
	bool exclude_sent;	/* we asked, once */
	struct cw_hello info;
	struct rbuf digest;
	struct rbuf delta;	/* the delta this peer sent to us */
	bool merging;		/* merge_step of delta in progress */
	uint64_t cursor;	/* merge_step's */
	bool merged;
	uint64_t since;		/* ms: its last message in this epoch */
	/* its complete delta to the member at index i was delivered (every
	 * member sees every delta: each can tell who holds up whom) */
	bool delta_to[CORE_MEMBERS_MAX];
};

enum phase { PH_NONE, PH_HELLO, PH_DIGEST, PH_DELTA, PH_MERGED };
static const char *const phase_names[] = { "none", "HELLO", "digest",
	"delta", "MERGED" };

struct cluster_core {
	struct core_params p;
	uint8_t cfg_digest[CLUSTER_DIGEST_MAX];

	bool connected, quorate;
	bool ring_known, members_known;
	uint32_t ring_rep;
	uint64_t ring_seq;
	struct core_member members[CORE_MEMBERS_MAX];
	size_t n;

	uint64_t epoch;		/* 0: no view */
	struct peer peers[CORE_MEMBERS_MAX];
	bool sent_merged, synced, sync_failed, hellos_done, self_excluded;
	enum cluster_leader_kind leader_kind;
	uint32_t leader;
	struct cluster_stats stats;

	/* the quorum policy (binding) and corosync's timing, for the lease */
	bool policy_known, policy_safe;
	char policy_why[192];
	unsigned token_ms, consensus_ms;
	/* the last leader named (any epoch): if its node is lost, a new
	 * leader waits hold_until (token + consensus) before it may lead */
	struct core_member last_leader;
	uint64_t hold_until;
	bool holding;
	/* heartbeat: the leader's lease is hb_back (send time of its latest
	 * heartbeat delivered back to it) + lease_ms */
	uint64_t hb_sent, hb_back;
	uint64_t progress_sent;	/* ms: "still merging" heartbeat */
	/* sync progress */
	uint64_t epoch_start, stuck_logged;
	unsigned fail_streak;
	bool gate_said;		/* the last may_lead event */
};

#define EV(c, name, ...) do { \
	if ((c)->p.events && (c)->p.events->name) \
		(c)->p.events->name((c)->p.event_ctx, __VA_ARGS__); \
} while (0)

static void exclude(struct cluster_core *c, struct peer *pr, const char *why);
static void heartbeat(struct cluster_core *c, uint64_t now);
static void gate_check(struct cluster_core *c);

/* ---- small helpers ---- */

static uint64_t
now_ms(const struct cluster_core *c)
{
	struct timespec ts;

	if (c->p.transport.now_ms)
		return c->p.transport.now_ms(c->p.transport.tctx);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* How long a leader's heartbeat keeps it leading: safely below the
 * lease (token + consensus) a new leader waits, so the old one has
 * stopped before the new one starts (doc/cluster.md, "Lease"). */
static unsigned
lease_ms(const struct cluster_core *c)
{
	return c->token_ms / 2;
}

static void
rbuf_reset(struct rbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

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

static struct peer *
peer_find(struct cluster_core *c, uint32_t nodeid, uint32_t pid)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->peers[i].m.nodeid == nodeid && c->peers[i].m.pid == pid)
			return &c->peers[i];
	return NULL;
}

static bool
is_self(const struct cluster_core *c, const struct peer *pr)
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

static int
send_msg(struct cluster_core *c, uint16_t type, uint8_t flags,
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
static int
send_chunked(struct cluster_core *c, uint16_t type, const uint8_t *pre,
	     size_t pre_len, const uint8_t *p, size_t len)
{
	size_t room = CW_CHUNK_MAX - pre_len, off = 0, n;
	int rc;

	do {
		n = len - off < room ? len - off : room;
		rc = send_msg(c, type, off + n < len ? CW_FLAG_MORE : 0,
			      pre, pre_len, p + off, n);
		if (rc < 0)
			return rc;
		off += n;
	} while (off < len);
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
	cl_log(LOG_WARNING, "epoch %016" PRIx64 ": leaving the group, joining "
	       "again in %u ms", c->epoch, delay);
	c->p.transport.rejoin(c->p.transport.tctx, delay);
}

static void
sync_fail(struct cluster_core *c, const char *what, int rc)
{
	if (c->sync_failed)
		return;
	cl_log(LOG_ERR, "epoch %016" PRIx64 ": sync cannot complete: %s: %s",
	       c->epoch, what, strerror(-rc));
	c->sync_failed = true;
	EV(c, sync_failed, c->epoch, what, rc);
	ask_rejoin(c);
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
	cl_log(kind == CLUSTER_LEADER_NONE && c->quorate && c->epoch &&
	       why != NULL && strstr(why, "refuse") ? LOG_CRIT : LOG_NOTICE,
	       "epoch %016" PRIx64 ": leader %s %" PRIu32 " (%s)",
	       c->epoch, kind == CLUSTER_LEADER_SELF ? "self" :
	       kind == CLUSTER_LEADER_OTHER ? "other" : "none", nodeid, why);
	EV(c, leader, c->epoch, kind, nodeid);
	heartbeat(c, now_ms(c));	/* a new leader's lease starts now */
	gate_check(c);
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

static void
compute_leader(struct cluster_core *c)
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
	best = lowest_holder(c, ref);
	c->last_leader = best->m;
	set_leader(c, is_self(c, best) ? CLUSTER_LEADER_SELF :
		   CLUSTER_LEADER_OTHER, best->m.nodeid,
		   "lowest nodeid of the quorate view");
}

/* ---- lease and heartbeat ---- */

static void bad_input(struct cluster_core *c, uint32_t nodeid, const char *why);

static void
wr64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t
rd64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* The leader multicasts its send time every lease/4; its own copy comes
 * back only through a live ring in agreed order. */
static void
heartbeat(struct cluster_core *c, uint64_t now)
{
	uint8_t pl[8];

	if (c->leader_kind != CLUSTER_LEADER_SELF || !c->synced ||
	    c->sync_failed || c->token_ms == 0)
		return;
	if (c->hb_sent != 0 && now - c->hb_sent < lease_ms(c) / 4)
		return;
	wr64(pl, now);
	if (send_msg(c, CW_HEARTBEAT, 0, NULL, 0, pl, sizeof(pl)) == 0)
		c->hb_sent = now;
}

static void
rx_heartbeat(struct cluster_core *c, struct peer *pr, const struct cw_hdr *h,
	     const uint8_t *p)
{
	uint64_t t;

	if (h->length != 8)
		return bad_input(c, pr->m.nodeid, "bad HEARTBEAT");
	if (!is_self(c, pr))
		return;		/* another leader's lease is its own business */
	t = rd64(p);
	if (t > c->hb_back && t <= now_ms(c))
		c->hb_back = t;
}

/* A new leader must not start while an old one, cut off with its node,
 * may still act: wait token + consensus after the view that lost it. */
void
core_left(struct cluster_core *c, uint32_t nodeid, uint32_t pid,
	  bool node_lost)
{
	const struct core_member *l = &c->last_leader;
	bool was_leader = l->nodeid == nodeid && l->pid == pid;
	uint64_t wait = (uint64_t)c->token_ms + c->consensus_ms;

	if (!node_lost || (l->nodeid != 0 && !was_leader) ||
	    (nodeid == c->p.nodeid && pid == c->p.pid))
		return;
	c->hold_until = now_ms(c) + (wait ? wait : 10000u);
	c->holding = true;
	cl_log(LOG_WARNING, "lease: %s %" PRIu32 " (pid %" PRIu32 ") lost "
	       "with its node: no member may lead for %" PRIu64 " ms "
	       "(token + consensus)", was_leader ? "leader" : "member",
	       nodeid, pid, wait ? wait : 10000u);
}

static void
hold_tick(struct cluster_core *c, uint64_t now)
{
	if (!c->holding || now < c->hold_until)
		return;
	c->holding = false;
	cl_log(LOG_NOTICE, "lease: the lost leader's lease has run out");
}

/* ---- sync progress ---- */

static void
check_merged(struct cluster_core *c)
{
	size_t i;
	int rc;

	if (c->sent_merged || c->sync_failed)
		return;
	for (i = 0; i < c->n; i++) {
		const struct peer *pr = &c->peers[i];

		if (is_self(c, pr) || pr->excluded)
			continue;
		if (!pr->hello || (pr->compatible && !pr->delta.done))
			return;
	}
	rc = send_msg(c, CW_MERGED, 0, NULL, 0, NULL, 0);
	if (rc < 0)
		return sync_fail(c, "sending MERGED", rc);
	c->sent_merged = true;
}

static void
check_synced(struct cluster_core *c)
{
	size_t i;

	if (c->synced || !c->hellos_done || c->sync_failed)
		return;		/* a failed or excluded member never is */
	for (i = 0; i < c->n; i++)
		if (c->peers[i].compatible && !c->peers[i].merged)
			return;
	c->synced = true;
	c->fail_streak = 0;
	cl_log(LOG_NOTICE, "epoch %016" PRIx64 ": synced (%zu members) in %"
	       PRIu64 " ms", c->epoch, c->n, now_ms(c) - c->epoch_start);
	EV(c, synced, c->epoch);
	heartbeat(c, now_ms(c));
}

static void
report_mismatches(struct cluster_core *c)
{
	uint32_t d = duplicate_nodeid(c);
	size_t i;

	if (d != 0)
		cl_log(LOG_CRIT, "epoch %016" PRIx64 ": nodeid %" PRIu32 " appears "
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
		cl_log(LOG_WARNING, "epoch %016" PRIx64 ": member %" PRIu32
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
	c->epoch_start = c->stuck_logged = now_ms(c);
	if (c->p.transport.flush)
		c->p.transport.flush(c->p.transport.tctx);
	cl_log(LOG_NOTICE, "epoch %016" PRIx64 ": %zu members", c->epoch, c->n);
	EV(c, membership, c->epoch, ids, c->n);
	compute_leader(c);

	memcpy(h.digest, c->cfg_digest, c->p.config_digest_len);
	rc = send_msg(c, CW_HELLO, 0, NULL, 0, hb, cw_hello_encode(hb, sizeof(hb), &h));
	if (rc < 0)
		return sync_fail(c, "sending HELLO", rc);
	rc = c->p.sync->digest(c->p.sync_ctx, &d, &dlen);
	if (rc < 0)
		return sync_fail(c, "computing the state digest", rc);
	if (dlen > CLUSTER_SYNC_MAX) {
		free(d);
		cl_log(LOG_CRIT, "the state digest is %zu bytes, above the %u "
		       "byte cap every peer enforces: this member cannot sync",
		       dlen, CLUSTER_SYNC_MAX);
		return sync_fail(c, "state digest above CLUSTER_SYNC_MAX",
				 -EMSGSIZE);
	}
	rc = send_chunked(c, CW_DIGEST, NULL, 0, d, dlen);
	free(d);
	if (rc < 0)
		return sync_fail(c, "sending the state digest", rc);
	check_merged(c);	/* alone: nothing to wait for */
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
			compute_leader(c);
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
		cl_log(LOG_ERR, "view of %zu members exceeds %d: no view, no "
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
		cl_log(LOG_NOTICE, "%s", quorate ? "quorate" : "not quorate");
		EV(c, quorum, quorate);
	}
	compute_leader(c);
}

void
core_quorum_policy(struct cluster_core *c, bool safe, const char *why)
{
	bool changed = !c->policy_known || safe != c->policy_safe ||
		       (!safe && strcmp(why, c->policy_why) != 0);

	c->policy_known = true;
	c->policy_safe = safe;
	snprintf(c->policy_why, sizeof(c->policy_why), "%s",
		 safe ? "" : why);
	if (!changed)
		return;
	if (safe)
		cl_log(LOG_NOTICE, "quorum configuration keeps one quorate side "
		       "of a split%s%s", why && *why ? ": " : "", why ? why : "");
	else
		cl_log(LOG_CRIT, "quorum configuration lets both sides of a split "
		       "be quorate: %s", why);
	compute_leader(c);
}

void
core_timing(struct cluster_core *c, unsigned token_ms, unsigned consensus_ms)
{
	if (token_ms == c->token_ms && consensus_ms == c->consensus_ms)
		return;
	c->token_ms = token_ms;
	c->consensus_ms = consensus_ms;
	cl_log(LOG_INFO, "corosync token %u ms, consensus %u ms: a lost "
	       "leader's successor waits %u ms, a leader's heartbeat lease is "
	       "%u ms", token_ms, consensus_ms, token_ms + consensus_ms,
	       lease_ms(c));
	compute_leader(c);
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
		compute_leader(c);
	}
	cl_log(up ? LOG_NOTICE : LOG_WARNING, "%s", up ? "connected to corosync" :
	       "no cluster: corosync connection lost; acting disabled");
	EV(c, connection, up);
}

/* ---- receiving ---- */

static uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
bad_input(struct cluster_core *c, uint32_t nodeid, const char *why)
{
	c->stats.malformed++;
	cl_log(LOG_WARNING, "dropped a message from node %" PRIu32 ": %s",
	       nodeid, why);
}

static void
hellos_check(struct cluster_core *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!c->peers[i].hello)
			return;
	c->hellos_done = true;
	report_mismatches(c);
	compute_leader(c);
	check_merged(c);
	check_synced(c);
}

static void
rx_hello(struct cluster_core *c, struct peer *pr, const uint8_t *p,
	 size_t len, bool foreign)
{
	struct cw_hello h;

	if (pr->hello)
		return bad_input(c, pr->m.nodeid, "duplicate HELLO");
	if (cw_hello_decode(p, len, &h) != CW_OK)
		return bad_input(c, pr->m.nodeid, "malformed HELLO");
	if (!foreign && h.version != CW_VERSION)
		return bad_input(c, pr->m.nodeid, "HELLO version disagrees with header");
	pr->info = h;
	pr->hello = true;
	pr->compatible = !foreign;
	hellos_check(c);
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
		return exclude(c, pr, "its state digest is malformed");
	if (rc < 0)
		return sync_fail(c, "computing a delta", rc);
	if (dlen > CLUSTER_SYNC_MAX) {
		free(d);
		cl_log(LOG_CRIT, "the delta for node %" PRIu32 " is %zu bytes, "
		       "above the %u byte cap every peer enforces", pr->m.nodeid,
		       dlen, CLUSTER_SYNC_MAX);
		return sync_fail(c, "delta above CLUSTER_SYNC_MAX", -EMSGSIZE);
	}
	wr32(pre, pr->m.nodeid);
	wr32(pre + 4, pr->m.pid);
	rc = send_chunked(c, CW_DELTA, pre, sizeof(pre), d, dlen);
	free(d);
	if (rc < 0)
		sync_fail(c, "sending a delta", rc);
}

static void
rx_digest(struct cluster_core *c, struct peer *pr, const struct cw_hdr *h,
	  const uint8_t *p)
{
	int rc;

	if (!pr->hello || pr->digest.done)
		return bad_input(c, pr->m.nodeid, "DIGEST out of sequence");
	if (is_self(c, pr)) {	/* our own: nothing to compute, keep nothing */
		pr->digest.done = !(h->flags & CW_FLAG_MORE);
		return;
	}
	rc = rbuf_add(&pr->digest, p, h->length);
	if (rc == -EMSGSIZE)
		return exclude(c, pr, "its state digest exceeds the cap");
	if (rc < 0)
		return sync_fail(c, "a peer's digest", rc);
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
	struct peer *t = peer_find(c, nodeid, pid);

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
		return exclude(c, pr, "its delta was refused as malformed");
	}
	if (rc < 0) {		/* ours (store, memory): leave, rejoin */
		c->stats.merge_failed++;
		return sync_fail(c, "merging a peer's delta", rc);
	}
	pr->delta.done = true;
	check_merged(c);
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
	gate_check(c);
}

static void
rx_delta(struct cluster_core *c, struct peer *pr, const struct cw_hdr *h,
	 const uint8_t *p)
{
	int rc;

	if (h->length < 8)
		return bad_input(c, pr->m.nodeid, "DELTA without target");
	if (!(h->flags & CW_FLAG_MORE))
		delta_seen(c, pr, rd32(p), rd32(p + 4));
	if (rd32(p) != c->p.nodeid || rd32(p + 4) != c->p.pid)
		return;		/* addressed to another member */
	if (!pr->hello || pr->delta.done || pr->merging || is_self(c, pr))
		return bad_input(c, pr->m.nodeid, "DELTA out of sequence");
	rc = rbuf_add(&pr->delta, p + 8, h->length - 8);
	if (rc == -EMSGSIZE)
		return exclude(c, pr, "its delta exceeds the cap");
	if (rc < 0)
		return sync_fail(c, "a peer's delta", rc);
	if (!(h->flags & CW_FLAG_MORE))
		merge_delta(c, pr);
}

static void
rx_record(struct cluster_core *c, struct peer *pr, const struct cw_hdr *h,
	  const uint8_t *p)
{
	int rc;

	if (h->flags & CW_FLAG_MORE)
		return bad_input(c, pr->m.nodeid, "chunked RECORD");
	if (h->length > CLUSTER_RECORD_MAX)
		return bad_input(c, pr->m.nodeid, "RECORD above CLUSTER_RECORD_MAX");
	rc = c->p.sync->merge(c->p.sync_ctx, p, h->length);
	if (rc < 0) {
		c->stats.merge_failed++;
		cl_log(LOG_ERR, "record from node %" PRIu32 " refused by merge: %s",
		       pr->m.nodeid, strerror(-rc));
		return;
	}
	EV(c, delivered, c->epoch, pr->m.nodeid, p, h->length);
}

/* ask, in agreed order, that PR leave this epoch (once) */
static void
exclude(struct cluster_core *c, struct peer *pr, const char *why)
{
	uint8_t pl[8];

	if (pr->exclude_sent || pr->excluded || is_self(c, pr))
		return;
	cl_log(LOG_WARNING, "epoch %016" PRIx64 ": member %" PRIu32 " (pid %"
	       PRIu32 "): %s: asking to exclude it", c->epoch, pr->m.nodeid,
	       pr->m.pid, why);
	wr32(pl, pr->m.nodeid);
	wr32(pl + 4, pr->m.pid);
	if (send_msg(c, CW_EXCLUDE, 0, NULL, 0, pl, sizeof(pl)) == 0)
		pr->exclude_sent = true;
}

static void
rx_exclude(struct cluster_core *c, struct peer *pr, const struct cw_hdr *h,
	   const uint8_t *p)
{
	struct peer *t;

	if (h->length != 8)
		return bad_input(c, pr->m.nodeid, "bad EXCLUDE");
	t = peer_find(c, rd32(p), rd32(p + 4));
	/* agreed order: once the epoch is synced (every MERGED delivered,
	 * the same point in the stream for every member) it is too late */
	if (t == NULL || t->excluded || c->synced)
		return;
	t->hello = true;
	t->excluded = true;
	t->compatible = false;
	cl_log(LOG_WARNING, "epoch %016" PRIx64 ": member %" PRIu32 " (pid %"
	       PRIu32 ") excluded from this epoch at node %" PRIu32 "'s request"
	       " (no leadership, not waited for)", c->epoch, t->m.nodeid,
	       t->m.pid, pr->m.nodeid);
	if (is_self(c, t)) {
		cl_log(LOG_ERR, "epoch %016" PRIx64 ": this member was excluded;"
		       " it names no leader until it joins again", c->epoch);
		c->self_excluded = true;
		c->sync_failed = true;
		compute_leader(c);
		ask_rejoin(c);
		return;
	}
	if (!c->hellos_done)
		return hellos_check(c);
	compute_leader(c);
	check_merged(c);
	check_synced(c);
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

static void
sync_tick(struct cluster_core *c, uint64_t now)
{
	bool log = now - c->stuck_logged >= CORE_STUCK_LOG_MS;
	char why[96];
	size_t i;

	if (c->epoch == 0 || c->synced || c->self_excluded)
		return;
	for (i = 0; i < c->n; i++) {
		struct peer *pr = &c->peers[i];
		enum phase ph = is_self(c, pr) ? PH_NONE : peer_phase(c, i);
		uint64_t idle = now - (pr->since > c->epoch_start ?
				       pr->since : c->epoch_start);

		if (ph == PH_NONE)
			continue;
		if (idle >= phase_timeout(c, ph)) {
			snprintf(why, sizeof(why), "sync stuck in phase %s for "
				 "%" PRIu64 " ms", phase_names[ph], idle);
			exclude(c, pr, why);
		} else if (log && idle >= CORE_STUCK_LOG_MS) {
			cl_log(LOG_WARNING, "epoch %016" PRIx64 ": sync stuck on "
			       "member %" PRIu32 ", phase %s, for %" PRIu64 " ms "
			       "(excluded at %u ms)", c->epoch, pr->m.nodeid,
			       phase_names[ph], idle, phase_timeout(c, ph));
			c->stuck_logged = now;
		}
	}
}

/* tell the user when the gate opened or closed (the getter is exact) */
static void
gate_check(struct cluster_core *c)
{
	bool g = core_may_lead(c);

	if (g == c->gate_said)
		return;
	c->gate_said = g;
	cl_log(LOG_NOTICE, "epoch %016" PRIx64 ": this member %s lead",
	       c->epoch, g ? "may" : "may no longer");
	EV(c, may_lead, c->epoch, g);
}

/* A long merge sends nothing else: a heartbeat every 2 s shows the others
 * (whose phase timeout counts from a member's last message) that it is
 * alive and working. Only a leader reads heartbeats, and only its own. */
static void
progress_tick(struct cluster_core *c, uint64_t now)
{
	uint8_t pl[8];
	size_t i;

	if (now - c->progress_sent < 2000u)
		return;
	for (i = 0; i < c->n && !c->peers[i].merging; i++)
		;
	if (i == c->n)
		return;
	wr64(pl, now);
	if (send_msg(c, CW_HEARTBEAT, 0, NULL, 0, pl, sizeof(pl)) == 0)
		c->progress_sent = now;
}

void
core_tick(struct cluster_core *c)
{
	uint64_t now = now_ms(c);

	progress_tick(c, now);
	hold_tick(c, now);
	heartbeat(c, now);
	sync_tick(c, now);
	gate_check(c);
}

void
core_hello_timeout(struct cluster_core *c)
{
	size_t i;

	if (c->epoch == 0 || c->hellos_done || c->self_excluded)
		return;
	for (i = 0; i < c->n; i++)
		if (!c->peers[i].hello)
			exclude(c, &c->peers[i], "no HELLO in time");
}

static void
rx_current(struct cluster_core *c, struct peer *pr, const struct cw_hdr *h,
	   const uint8_t *p)
{
	switch (h->type) {
	case CW_HELLO:
		return rx_hello(c, pr, p, h->length, false);
	case CW_DIGEST:
		return rx_digest(c, pr, h, p);
	case CW_DELTA:
		return rx_delta(c, pr, h, p);
	case CW_MERGED:
		if (h->length != 0 || pr->merged || !pr->hello)
			return bad_input(c, pr->m.nodeid, "bad MERGED");
		pr->merged = true;
		return check_synced(c);
	case CW_RECORD:
		return rx_record(c, pr, h, p);
	case CW_EXCLUDE:
		return rx_exclude(c, pr, h, p);
	case CW_HEARTBEAT:
		return rx_heartbeat(c, pr, h, p);
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
		return bad_input(c, nodeid, cw_strerror(rc));
	if (h.sender != nodeid)
		return bad_input(c, nodeid, "sender field is not the sending node");
	if (rc == CW_ERR_VERSION && h.type != CW_HELLO) {
		c->stats.bad_version++;
		return;
	}
	pr = peer_find(c, nodeid, pid);
	if (c->epoch == 0 || h.epoch != c->epoch || pr == NULL) {
		c->stats.stale_epoch++;
		return;
	}
	if (pr->excluded) {	/* late: it is out of this epoch */
		c->stats.stale_epoch++;
		return;
	}
	pr->since = now_ms(c);
	if (rc == CW_ERR_VERSION)
		rx_hello(c, pr, p, h.length, true);
	else
		rx_current(c, pr, &h, p);
	gate_check(c);
}

int
core_send_record(struct cluster_core *c, const uint8_t *p, size_t len)
{
	if (c->epoch == 0)
		return -ENOTCONN;
	if (len > CLUSTER_RECORD_MAX)
		return -EMSGSIZE;
	return send_msg(c, CW_RECORD, 0, NULL, 0, p, len);
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

bool
core_may_lead(const struct cluster_core *c)
{
	uint64_t now;

	if (!c->connected || !c->quorate || c->epoch == 0 || !c->synced ||
	    c->self_excluded || c->leader_kind != CLUSTER_LEADER_SELF ||
	    c->hb_back == 0)
		return false;
	now = now_ms(c);
	/* the exact times, not the tick's view of them */
	return now >= c->hold_until && now < c->hb_back + lease_ms(c);
}
uint32_t core_nodeid(const struct cluster_core *c) { return c->p.nodeid; }

void
core_stats(const struct cluster_core *c, struct cluster_stats *st)
{
	*st = c->stats;
}
