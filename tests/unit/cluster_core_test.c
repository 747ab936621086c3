/*
 * cluster_core_test.c: membership, epoch, leader and state sync of the
 * cluster core over a fake transport (internal, functional). The fake is
 * a totally ordered bus: every send is appended to one queue and pump()
 * delivers each message to every member core in the same order, as CPG's
 * agreed order does. The test state is a 64-bit set (merged as OR), with
 * optional padding so digests and deltas exceed the chunk size.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cluster/cluster_int.h"

#define NODES 5

struct msg {
	uint32_t nodeid, pid;
	uint8_t *data;
	size_t len;
};

struct node {
	int idx;
	struct cluster_core *core;
	uint64_t set;
	size_t pad;			/* bytes of zero padding */
	bool in_view;
	char digest[8];
	/* what the events said */
	enum cluster_leader_kind leader_kind;
	uint32_t leader;
	uint64_t synced_epoch, member_epoch;
	int synced_count, delivered, mismatches, connection_events;
};

static struct node nodes[NODES];
static struct msg queue[4096];
static size_t qhead, qtail;
static uint64_t fake_ms;	/* the cores' monotonic clock */
static int rejoins;

static uint64_t
fake_now(void *tctx)
{
	return fake_ms;
}

static void
fake_rejoin(void *tctx, unsigned delay_ms)
{
	rejoins++;
}

static int
fake_send(void *tctx, const uint8_t *buf, size_t len)
{
	struct node *n = tctx;

	assert_true(qtail < 4096);
	queue[qtail].nodeid = (uint32_t)n->idx + 1;
	queue[qtail].pid = 100;
	queue[qtail].data = malloc(len);
	memcpy(queue[qtail].data, buf, len);
	queue[qtail].len = len;
	qtail++;
	return 0;
}

/* ---- the test state ---- */

static int
mk_blob(uint64_t v, size_t pad, uint8_t **out, size_t *len)
{
	*len = 8 + pad;
	*out = calloc(1, *len);
	memcpy(*out, &v, 8);
	return 0;
}

static int
rd_blob(const uint8_t *d, size_t len, uint64_t *v)
{
	size_t i;

	if (len < 8)
		return -EBADMSG;
	for (i = 8; i < len; i++)
		if (d[i])
			return -EBADMSG;
	memcpy(v, d, 8);
	return 0;
}

static int
s_digest(void *ctx, uint8_t **out, size_t *len)
{
	struct node *n = ctx;

	return mk_blob(n->set, n->pad, out, len);
}

static int
s_delta(void *ctx, const uint8_t *pd, size_t plen, uint8_t **out, size_t *len)
{
	struct node *n = ctx;
	uint64_t peer;

	if (rd_blob(pd, plen, &peer) < 0)
		return -EBADMSG;
	if ((n->set & ~peer) == 0) {
		*out = NULL;
		*len = 0;
		return 0;
	}
	return mk_blob(n->set & ~peer, n->pad, out, len);
}

static int
s_merge(void *ctx, const uint8_t *d, size_t len)
{
	struct node *n = ctx;
	uint64_t v;

	if (rd_blob(d, len, &v) < 0)
		return -EBADMSG;
	n->set |= v;
	return 0;
}

/* ---- events ---- */

static void
e_leader(void *ctx, uint64_t epoch, enum cluster_leader_kind k, uint32_t id)
{
	struct node *n = ctx;

	n->leader_kind = k;
	n->leader = id;
}

static void
e_synced(void *ctx, uint64_t epoch)
{
	struct node *n = ctx;

	n->synced_epoch = epoch;
	n->synced_count++;
}

static void
e_membership(void *ctx, uint64_t epoch, const uint32_t *ids, size_t k)
{
	((struct node *)ctx)->member_epoch = epoch;
}

static void
e_delivered(void *ctx, uint64_t epoch, uint32_t sender, const uint8_t *p,
	    size_t len)
{
	((struct node *)ctx)->delivered++;
}

static void
e_mismatch(void *ctx, uint64_t epoch, uint32_t id, bool version)
{
	((struct node *)ctx)->mismatches++;
}

static void
e_connection(void *ctx, bool up)
{
	((struct node *)ctx)->connection_events++;
}

/* a merge in three steps (the second and third calls), as the ledger's
 * merge_step for large deltas */
static int
s_merge_step(void *ctx, const uint8_t *d, size_t len, uint64_t *cursor)
{
	if (++*cursor < 3)
		return 1;
	return s_merge(ctx, d, len);
}

static const struct cluster_sync_ops ops = { s_digest, s_delta, s_merge };
static const struct cluster_sync_ops ops_step = { s_digest, s_delta, s_merge,
	s_merge_step };
static const struct cluster_sync_ops *test_ops = &ops;
static int kicks;

static void
fake_kick(void *tctx)
{
	kicks++;
}
static int sync_failures;

static void
e_sync_failed(void *ctx, uint64_t epoch, const char *what, int err)
{
	sync_failures++;
}

static const struct cluster_events evs = { e_connection, e_membership, NULL,
	e_leader, e_synced, e_delivered, e_mismatch, e_sync_failed };

/* ---- harness ---- */

static void
node_init(int i, const char *digest)
{
	struct core_params p = { 0 };

	nodes[i].idx = i;
	memcpy(nodes[i].digest, digest, 5);
	p.nodeid = (uint32_t)i + 1;
	p.pid = 100;
	p.config_digest = (const uint8_t *)nodes[i].digest;
	p.config_digest_len = 5;
	p.sync = test_ops;
	p.sync_ctx = &nodes[i];
	p.events = &evs;
	p.event_ctx = &nodes[i];
	p.transport = (struct core_transport){ fake_send, NULL, &nodes[i],
					       fake_now, fake_rejoin,
					       test_ops == &ops_step ? fake_kick : NULL };
	assert_int_equal(core_new(&p, &nodes[i].core), 0);
	core_connected(nodes[i].core, true);
	/* what the binding reads from corosync: a safe quorum, a token */
	core_quorum_policy(nodes[i].core, true, "");
	core_timing(nodes[i].core, 1000, 1200);
}

static int
setup(void **state)
{
	int i;

	memset(nodes, 0, sizeof(nodes));
	qhead = qtail = 0;
	fake_ms = 1000000;
	rejoins = kicks = sync_failures = 0;
	test_ops = &ops;
	for (i = 0; i < NODES; i++)
		node_init(i, "cfg-A");
	return 0;
}

static int
teardown(void **state)
{
	int i;

	for (i = 0; i < NODES; i++)
		core_free(nodes[i].core);
	for (; qhead < qtail; qhead++)
		free(queue[qhead].data);
	return 0;
}

/* deliver everything queued (and what that triggers) to the view */
static void
pump(void)
{
	int i;

	for (; qhead < qtail; qhead++) {
		for (i = 0; i < NODES; i++)
			if (nodes[i].in_view)
				core_deliver(nodes[i].core, queue[qhead].nodeid,
					     queue[qhead].pid, queue[qhead].data,
					     queue[qhead].len);
		free(queue[qhead].data);
		queue[qhead].data = NULL;
	}
}

/* a view of the nodes in mask (bit i = node i+1), on ring seq */
static void
view(unsigned mask, uint64_t seq, bool quorate)
{
	struct core_member m[NODES];
	size_t n = 0;
	int i;

	for (i = 0; i < NODES; i++) {
		nodes[i].in_view = mask & (1u << i);
		if (nodes[i].in_view)
			m[n++] = (struct core_member){ (uint32_t)i + 1, 100 };
	}
	for (i = 0; i < NODES; i++) {
		if (!nodes[i].in_view)
			continue;
		core_quorum(nodes[i].core, quorate);
		core_members(nodes[i].core, m, n);
		core_ring(nodes[i].core, 1, seq);
	}
}

static void
set_digest(int i, const char *d)
{
	core_free(nodes[i].core);
	node_init(i, d);
}

/* ---- tests ---- */

static void
test_three_nodes_leader_and_union(void **state)
{
	int i;

	nodes[0].set = 0x1, nodes[1].set = 0x2, nodes[2].set = 0x4;
	view(0x7, 8, true);
	for (i = 0; i < 3; i++) {	/* nothing before the sync */
		assert_int_equal(nodes[i].leader_kind, CLUSTER_LEADER_NONE);
		assert_false(core_is_synced(nodes[i].core));
		assert_false(core_may_lead(nodes[i].core));
	}
	pump();
	assert_true(core_may_lead(nodes[0].core));
	assert_false(core_may_lead(nodes[1].core));
	assert_false(core_may_lead(nodes[2].core));
	for (i = 0; i < 3; i++) {
		assert_int_equal(nodes[i].leader, 1);
		assert_int_equal(nodes[i].leader_kind,
				 i == 0 ? CLUSTER_LEADER_SELF : CLUSTER_LEADER_OTHER);
		assert_true(nodes[i].set == 0x7);
		assert_int_equal(nodes[i].synced_count, 1);
		assert_true(nodes[i].synced_epoch == core_epoch(nodes[0].core));
		assert_true(core_is_synced(nodes[i].core));
	}
	assert_true(core_epoch(nodes[0].core) >> 32 == 8);
}

static void
test_epoch_per_view(void **state)
{
	struct core_member a[2] = { { 1, 100 }, { 2, 100 } };
	struct core_member b[2] = { { 1, 100 }, { 2, 101 } };
	struct core_member c[2] = { { 2, 100 }, { 1, 100 } };

	/* another pid (agent restart) inside one ring: a new epoch */
	assert_true(core_epoch_of(1, 8, a, 2) != core_epoch_of(1, 8, b, 2));
	assert_true(core_epoch_of(1, 8, a, 2) != core_epoch_of(1, 12, a, 2));
	assert_true(core_epoch_of(1, 8, a, 2) != core_epoch_of(2, 8, a, 2));
	/* every member computes the same epoch whatever order CPG lists */
	view(0x3, 8, true);
	assert_true(core_epoch(nodes[0].core) == core_epoch(nodes[1].core));
	assert_true(core_epoch(nodes[0].core) == core_epoch_of(1, 8, a, 2));
	core_members(nodes[0].core, c, 2);
	assert_true(core_epoch(nodes[0].core) == core_epoch_of(1, 8, a, 2));
}

/* A view larger than the core can hold is no view: the old one is not
 * kept (its leader would lead beside members it cannot see). */
static void
test_oversize_view_is_no_view(void **state)
{
	struct core_member big[CORE_MEMBERS_MAX + 1];
	size_t i;

	view(0x7, 8, true);
	pump();
	assert_true(core_may_lead(nodes[0].core));
	for (i = 0; i <= CORE_MEMBERS_MAX; i++)
		big[i] = (struct core_member){ (uint32_t)i + 1, 100 };
	core_members(nodes[0].core, big, CORE_MEMBERS_MAX + 1);
	assert_false(core_may_lead(nodes[0].core));
	assert_true(core_epoch(nodes[0].core) == 0);
	assert_int_equal(nodes[0].leader_kind, CLUSTER_LEADER_NONE);
	/* a view it can hold again: a new epoch, synced, leader again */
	view(0x1, 9, true);
	pump();
	assert_true(core_may_lead(nodes[0].core));
}

static void
test_not_quorate_no_leader(void **state)
{
	view(0x1, 8, false);
	pump();
	assert_int_equal(nodes[0].leader_kind, CLUSTER_LEADER_NONE);
	assert_int_equal(nodes[0].synced_count, 1);	/* alone: synced */
	core_quorum(nodes[0].core, true);
	assert_int_equal(nodes[0].leader_kind, CLUSTER_LEADER_SELF);
	assert_false(core_may_lead(nodes[0].core));	/* its heartbeat first */
	pump();
	assert_true(core_may_lead(nodes[0].core));
	core_quorum(nodes[0].core, false);
	assert_false(core_may_lead(nodes[0].core));
	assert_int_equal(nodes[0].leader_kind, CLUSTER_LEADER_NONE);
	assert_int_equal(core_leader(nodes[0].core), 0);
}

static void
test_digest_mismatch_never_leads(void **state)
{
	int i;

	set_digest(0, "cfg-B");		/* node 1: the lowest nodeid */
	view(0x7, 8, true);
	pump();
	assert_int_equal(nodes[0].leader_kind, CLUSTER_LEADER_NONE);
	for (i = 1; i < 3; i++) {
		assert_int_equal(nodes[i].leader, 2);
		assert_int_equal(nodes[i].mismatches, 1);
	}
	assert_int_equal(nodes[1].leader_kind, CLUSTER_LEADER_SELF);
	assert_int_equal(nodes[0].mismatches, 2);
	/* its state is still synced: a debt is never left behind */
	for (i = 0; i < 3; i++)
		assert_int_equal(nodes[i].synced_count, 1);
}

static void
test_digest_tie_no_leader(void **state)
{
	set_digest(1, "cfg-B");
	view(0x3, 8, true);
	pump();
	assert_int_equal(nodes[0].leader_kind, CLUSTER_LEADER_NONE);
	assert_int_equal(nodes[1].leader_kind, CLUSTER_LEADER_NONE);
}

static void
test_interrupted_sync_restarts(void **state)
{
	struct cluster_stats st;
	int i;

	nodes[0].set = 0x1, nodes[1].set = 0x2, nodes[2].set = 0x4;
	view(0x7, 8, true);
	/* deliver only the HELLOs, then the view changes under the sync */
	for (i = 0; i < 3; i++)
		core_deliver(nodes[i].core, queue[0].nodeid, 100, queue[0].data,
			     queue[0].len);
	view(0xf, 12, true);
	pump();
	for (i = 0; i < 4; i++) {
		assert_true(nodes[i].set == 0x7);
		assert_int_equal(nodes[i].synced_count, 1);
		assert_true(nodes[i].synced_epoch == core_epoch(nodes[3].core));
		assert_int_equal(nodes[i].leader, 1);
	}
	core_stats(nodes[3].core, &st);
	assert_true(st.stale_epoch > 0);	/* the old epoch's messages */
}

static void
test_records_in_order_and_stale_dropped(void **state)
{
	struct cluster_stats st;
	uint8_t *rec;
	size_t len;
	int i;

	view(0x7, 8, true);
	pump();
	mk_blob(0x10, 0, &rec, &len);
	assert_int_equal(core_send_record(nodes[1].core, rec, len), 0);
	pump();
	for (i = 0; i < 3; i++) {
		assert_true(nodes[i].set == 0x10);	/* the sender too */
		assert_int_equal(nodes[i].delivered, 1);
	}
	/* sent in one epoch, delivered in the next: dropped by everyone */
	assert_int_equal(core_send_record(nodes[1].core, rec, len), 0);
	view(0x3, 16, true);
	pump();
	for (i = 0; i < 2; i++) {
		assert_int_equal(nodes[i].delivered, 1);
		core_stats(nodes[i].core, &st);
		assert_true(st.stale_epoch >= 1);
	}
	assert_int_equal(core_send_record(nodes[1].core, rec, CLUSTER_RECORD_MAX + 1),
			 -EMSGSIZE);
	free(rec);
}

static void
test_large_state_chunked(void **state)
{
	int i;

	for (i = 0; i < 3; i++) {
		nodes[i].pad = 3 * CW_CHUNK_MAX / 2;	/* 2 chunks each */
		nodes[i].set = 1ull << i;
	}
	view(0x7, 8, true);
	pump();
	for (i = 0; i < 3; i++) {
		assert_true(nodes[i].set == 0x7);
		assert_int_equal(nodes[i].synced_count, 1);
	}
}

static void
test_malformed_peer_input(void **state)
{
	struct cluster_stats st;
	uint8_t buf[64] = { 0 };
	struct cw_hdr h = { CW_MAGIC, CW_VERSION, 0, CW_MERGED, 0, 2, 0 };

	view(0x3, 8, true);
	pump();
	h.epoch = core_epoch(nodes[0].core);
	core_deliver(nodes[0].core, 2, 100, buf, sizeof(buf));	/* garbage */
	core_deliver(nodes[0].core, 2, 100, buf, 3);			/* short */
	cw_encode_hdr(buf, &h);
	core_deliver(nodes[0].core, 3, 100, buf, CW_HDR_LEN);	/* spoofed sender */
	core_deliver(nodes[0].core, 2, 100, buf, CW_HDR_LEN);	/* 2nd MERGED */
	h.type = 42;
	cw_encode_hdr(buf, &h);
	core_deliver(nodes[0].core, 2, 100, buf, CW_HDR_LEN);
	h.type = CW_RECORD;
	h.length = 3;
	cw_encode_hdr(buf, &h);
	core_deliver(nodes[0].core, 2, 100, buf, CW_HDR_LEN + 3);	/* merge refuses */
	h.type = CW_DELTA;
	h.length = 4;
	cw_encode_hdr(buf, &h);
	core_deliver(nodes[0].core, 2, 100, buf, CW_HDR_LEN + 4);	/* no target */
	h.type = CW_RECORD;
	h.version = CW_VERSION + 1;
	h.length = 0;
	cw_encode_hdr(buf, &h);
	core_deliver(nodes[0].core, 2, 100, buf, CW_HDR_LEN);
	core_stats(nodes[0].core, &st);
	assert_true(st.malformed == 5);
	assert_true(st.unknown_type == 1);
	assert_true(st.merge_failed == 1);
	assert_true(st.bad_version == 1);
	assert_int_equal(nodes[0].delivered, 0);
	assert_int_equal(nodes[0].leader, 1);	/* nothing changed */
}

static void
test_other_version_never_leads(void **state)
{
	uint8_t buf[64];
	struct cw_hdr h = { CW_MAGIC, CW_VERSION + 1, 0, CW_HELLO, 0, 1, 0 };
	struct cw_hello hello = { CW_VERSION + 1, 5, "cfg-A" };
	int i;

	view(0x7, 8, true);
	/* node 1 speaks another version: drop its real messages, forge its
	 * HELLO with the next version */
	h.epoch = core_epoch(nodes[1].core);
	h.length = (uint32_t)cw_hello_encode(buf + CW_HDR_LEN, 40, &hello);
	cw_encode_hdr(buf, &h);
	nodes[0].in_view = false;
	for (i = 1; i < 3; i++)
		core_deliver(nodes[i].core, 1, 100, buf, CW_HDR_LEN + h.length);
	for (; qhead < qtail; qhead++) {
		if (queue[qhead].nodeid == 1) {
			free(queue[qhead].data);
			queue[qhead].data = NULL;
			continue;
		}
		for (i = 1; i < 3; i++)
			core_deliver(nodes[i].core, queue[qhead].nodeid, 100,
				     queue[qhead].data, queue[qhead].len);
		free(queue[qhead].data);
		queue[qhead].data = NULL;
	}
	for (i = 1; i < 3; i++) {
		assert_int_equal(nodes[i].leader, 2);
		assert_int_equal(nodes[i].mismatches, 1);
		assert_int_equal(nodes[i].synced_count, 1);
	}
}

/* A rolling upgrade: nodes in FOREIGN (bit i = node i+1) speak the next
 * protocol version (their real messages dropped, their HELLOs forged);
 * the others of the 4-node view deliver the rest. */
static void
mixed_versions(unsigned foreign)
{
	uint8_t buf[64];
	struct cw_hdr h = { CW_MAGIC, CW_VERSION + 1, 0, CW_HELLO, 0, 0, 0 };
	struct cw_hello hello = { CW_VERSION + 1, 5, "cfg-A" };
	int i, j;

	view(0xf, 8, true);
	h.length = (uint32_t)cw_hello_encode(buf + CW_HDR_LEN, 40, &hello);
	for (j = 0; j < 4; j++) {
		if (!(foreign & (1u << j)))
			continue;
		nodes[j].in_view = false;
		h.epoch = core_epoch(nodes[(j + 1) % 4].core);
		h.sender = (uint32_t)j + 1;
		cw_encode_hdr(buf, &h);
		for (i = 0; i < 4; i++)
			if (!(foreign & (1u << i)))
				core_deliver(nodes[i].core, (uint32_t)j + 1, 100,
					     buf, CW_HDR_LEN + h.length);
	}
	for (; qhead < qtail; qhead++) {
		if (foreign & (1u << (queue[qhead].nodeid - 1))) {
			free(queue[qhead].data);
			queue[qhead].data = NULL;
			continue;
		}
		for (i = 0; i < 4; i++)
			if (!(foreign & (1u << i)))
				core_deliver(nodes[i].core, queue[qhead].nodeid, 100,
					     queue[qhead].data, queue[qhead].len);
		free(queue[qhead].data);
		queue[qhead].data = NULL;
	}
}

/* Half the view on the next version: the old half must not lead, since
 * the new half, seeing the old as foreign, would name a leader of its own
 * by the same rule. With one node upgraded of four, the three lead. */
static void
test_half_other_version_nobody_leads(void **state)
{
	int i;

	mixed_versions(0x3);			/* nodes 1 and 2 upgraded */
	for (i = 2; i < 4; i++) {
		assert_int_equal(nodes[i].mismatches, 2);
		assert_int_equal(nodes[i].leader, 0);
		assert_false(core_may_lead(nodes[i].core));
	}
}

static void
test_one_other_version_of_four_majority_leads(void **state)
{
	int i;

	mixed_versions(0x1);			/* node 1 upgraded */
	for (i = 1; i < 4; i++) {
		assert_int_equal(nodes[i].mismatches, 1);
		assert_int_equal(nodes[i].leader, 2);
	}
}

static void
test_disconnect_reports_no_cluster(void **state)
{
	view(0x3, 8, true);
	pump();
	assert_int_equal(nodes[0].leader, 1);
	core_connected(nodes[0].core, false);
	assert_int_equal(nodes[0].leader_kind, CLUSTER_LEADER_NONE);
	assert_false(core_is_quorate(nodes[0].core));
	assert_true(core_epoch(nodes[0].core) == 0);
	assert_int_equal(nodes[0].connection_events, 2);
	assert_int_equal(core_send_record(nodes[0].core, (const uint8_t *)"x", 1),
			 -ENOTCONN);
}

static void
test_failed_merge_blocks_sync(void **state)
{
	uint8_t buf[64] = { 0 };
	struct cw_hdr h = { CW_MAGIC, CW_VERSION, 0, CW_DELTA, 0, 2, 8 + 3 };
	int i;

	view(0x3, 8, true);
	/* node 2's real delta is replaced by a bad one (3 bytes of state) */
	h.epoch = core_epoch(nodes[0].core);
	cw_encode_hdr(buf, &h);
	buf[CW_HDR_LEN + 3] = 1;	/* target nodeid 1 */
	buf[CW_HDR_LEN + 7] = 100;	/* pid 100 */
	for (; qhead < qtail; qhead++) {
		struct cw_hdr m;
		const uint8_t *p;

		cw_decode(queue[qhead].data, queue[qhead].len, &m, &p);
		for (i = 0; i < 2; i++) {
			if (m.type == CW_DELTA && m.sender == 2 && i == 0)
				core_deliver(nodes[0].core, 2, 100, buf, CW_HDR_LEN + 11);
			else
				core_deliver(nodes[i].core, queue[qhead].nodeid, 100,
					     queue[qhead].data, queue[qhead].len);
		}
		free(queue[qhead].data);
		queue[qhead].data = NULL;
	}
	/* the peer's bytes were refused: node 1 excludes it and goes on;
	 * node 2 learns it was excluded and asks to join again */
	pump();
	assert_int_equal(nodes[0].synced_count, 1);
	assert_true(core_may_lead(nodes[0].core));
	assert_int_equal(nodes[1].synced_count, 0);
	assert_int_equal(nodes[1].leader_kind, CLUSTER_LEADER_NONE);
	assert_int_equal(rejoins, 1);
}

/* a member that never says HELLO (stopped process) is excluded after the
 * timeout, in agreed order, and the others go on */
static void
test_silent_member_excluded(void **state)
{
	struct cluster_stats st;
	struct msg late[8];
	uint8_t buf[CW_HDR_LEN + 8];
	struct cw_hdr h = { CW_MAGIC, CW_VERSION, 0, CW_EXCLUDE, 0, 1, 8 };
	size_t i, nlate = 0, o = qhead;
	int k;

	nodes[0].set = 1, nodes[1].set = 2, nodes[2].set = 4;
	view(0x7, 8, true);
	nodes[2].in_view = false;	/* stopped: it neither sends nor reads */
	for (i = qhead; i < qtail; i++) {
		if (queue[i].nodeid == 3)
			late[nlate++] = queue[i];
		else
			queue[o++] = queue[i];
	}
	qtail = o;
	pump();
	assert_int_equal(nodes[0].leader_kind, CLUSTER_LEADER_NONE);
	assert_int_equal(nodes[0].synced_count, 0);
	core_hello_timeout(nodes[0].core);
	core_hello_timeout(nodes[1].core);	/* both ask: one is enough */
	pump();
	for (k = 0; k < 2; k++) {
		assert_int_equal(nodes[k].leader, 1);
		assert_int_equal(nodes[k].synced_count, 1);
		assert_true(nodes[k].set == 3);
	}
	/* its HELLO arrives late: dropped, nothing changes */
	for (i = 0; i < nlate; i++) {
		for (k = 0; k < 2; k++)
			core_deliver(nodes[k].core, 3, 100, late[i].data, late[i].len);
		free(late[i].data);
	}
	core_stats(nodes[0].core, &st);
	assert_true(st.stale_epoch >= nlate);
	assert_int_equal(nodes[0].leader, 1);
	/* the excluded member learns it and names no leader */
	h.epoch = core_epoch(nodes[2].core);
	cw_encode_hdr(buf, &h);
	memcpy(buf + CW_HDR_LEN, "\0\0\0\3\0\0\0\x64", 8);
	core_deliver(nodes[2].core, 1, 100, buf, sizeof(buf));
	assert_int_equal(nodes[2].leader_kind, CLUSTER_LEADER_NONE);
	assert_int_equal(nodes[2].synced_count, 0);
	/* the next view takes it back */
	view(0x7, 12, true);
	pump();
	for (k = 0; k < 3; k++) {
		assert_int_equal(nodes[k].leader, 1);
		assert_true(nodes[k].set == 7);
	}
}

/* two agents on one node: no leader while the nodeid appears twice */
static void
test_duplicate_nodeid_no_leader(void **state)
{
	struct core_member m[3] = { { 1, 100 }, { 1, 101 }, { 2, 100 } };
	size_t i;
	int k;

	for (k = 0; k < 2; k++) {
		nodes[k].in_view = true;
		core_quorum(nodes[k].core, true);
		core_members(nodes[k].core, m, 3);
		core_ring(nodes[k].core, 1, 8);
	}
	/* the second agent on node 1 (pid 101) says HELLO as node 1 does */
	for (i = qhead; i < qtail && queue[i].nodeid != 1; i++)
		;
	assert_true(i < qtail);
	for (k = 0; k < 2; k++)
		core_deliver(nodes[k].core, 1, 101, queue[i].data, queue[i].len);
	pump();
	for (k = 0; k < 2; k++)
		assert_int_equal(nodes[k].leader_kind, CLUSTER_LEADER_NONE);
	assert_false(core_may_lead(nodes[0].core));
}

/* the leader's gate needs its own heartbeat back within token / 2 */
static void
test_heartbeat_lease(void **state)
{
	view(0x7, 8, true);
	pump();
	assert_true(core_may_lead(nodes[0].core));
	fake_ms += 499;
	assert_true(core_may_lead(nodes[0].core));
	fake_ms += 1;		/* cut off: nothing comes back */
	assert_false(core_may_lead(nodes[0].core));
	core_tick(nodes[0].core);	/* a heartbeat goes out... */
	pump();				/* ...and comes back: open again */
	assert_true(core_may_lead(nodes[0].core));
	fake_ms += 200;
	core_tick(nodes[0].core);	/* every lease / 4 */
	fake_ms += 400;
	pump();
	assert_true(core_may_lead(nodes[0].core));	/* sent 400 ms ago */
}

/* a lost node of the last leader holds the successor token + consensus;
 * a process that ended does not */
static void
test_lease_after_node_loss(void **state)
{
	view(0x7, 8, true);
	pump();
	core_left(nodes[1].core, 1, 100, true);
	core_left(nodes[2].core, 1, 100, true);
	view(0x6, 12, true);
	pump();
	assert_int_equal(nodes[1].leader_kind, CLUSTER_LEADER_SELF);
	assert_false(core_may_lead(nodes[1].core));
	fake_ms += 2199;
	core_tick(nodes[1].core);
	pump();
	assert_false(core_may_lead(nodes[1].core));
	fake_ms += 1;
	core_tick(nodes[1].core);
	pump();
	assert_true(core_may_lead(nodes[1].core));
	/* node 2's agent is killed (PROCDOWN): node 3 leads at once */
	core_left(nodes[2].core, 2, 100, false);
	view(0x4, 16, true);
	pump();
	assert_true(core_may_lead(nodes[2].core));
}

/* quorum settings that allow two quorate sides: nobody leads */
static void
test_unsafe_quorum_policy(void **state)
{
	view(0x3, 8, true);
	pump();
	assert_true(core_may_lead(nodes[0].core));
	core_quorum_policy(nodes[0].core, false, "two_node: refuses to lead");
	assert_false(core_may_lead(nodes[0].core));
	assert_int_equal(nodes[0].leader_kind, CLUSTER_LEADER_NONE);
	core_quorum_policy(nodes[0].core, true, "");
	pump();
	assert_true(core_may_lead(nodes[0].core));
}

/* a member that sent HELLO and digest, then hung: excluded after the
 * sync timeout, the others sync */
static void
test_stuck_in_delta_excluded(void **state)
{
	size_t i, end;
	int k;

	nodes[0].set = 1, nodes[1].set = 2, nodes[2].set = 4;
	view(0x7, 8, true);
	/* deliver only what was sent so far (HELLOs, digests), then node 3
	 * stops: it neither reads nor sends (what it sent since is lost) */
	end = qtail;
	for (i = qhead; i < end; i++)
		for (k = 0; k < 3; k++)
			core_deliver(nodes[k].core, queue[i].nodeid, 100,
				     queue[i].data, queue[i].len);
	for (i = qhead, k = (int)end; i < qtail; i++) {
		if (i >= end && queue[i].nodeid != 3) {
			queue[k++] = queue[i];
			continue;
		}
		free(queue[i].data);
	}
	qhead = end;
	qtail = (size_t)k;
	nodes[2].in_view = false;
	pump();
	assert_int_equal(nodes[0].synced_count, 0);
	fake_ms += CORE_SYNC_TIMEOUT_MS - 1;
	core_tick(nodes[0].core);
	pump();
	assert_int_equal(nodes[0].synced_count, 0);
	fake_ms += 1;
	core_tick(nodes[0].core);
	pump();
	for (k = 0; k < 2; k++) {
		assert_int_equal(nodes[k].synced_count, 1);
		assert_int_equal(nodes[k].leader, 1);
		assert_true(nodes[k].set == 3);
	}
}

/* deltas merged in steps from the loop: synced only once every step ran */
static void
test_merge_in_steps(void **state)
{
	int i, k;

	test_ops = &ops_step;
	for (i = 0; i < 3; i++) {
		core_free(nodes[i].core);
		node_init(i, "cfg-A");
		nodes[i].set = 1ull << i;
	}
	view(0x7, 8, true);
	pump();
	assert_true(kicks > 0);
	assert_int_equal(nodes[0].synced_count, 0);
	for (k = 0; k < 20 && kicks > 0; k++) {	/* the loop's jobs */
		kicks = 0;
		for (i = 0; i < 3; i++)
			core_work(nodes[i].core);
		pump();
	}
	for (i = 0; i < 3; i++) {
		assert_true(nodes[i].set == 0x7);
		assert_int_equal(nodes[i].synced_count, 1);
	}
	assert_true(core_may_lead(nodes[0].core));
}

/* a state above the cap is refused by the sender itself, with an alert,
 * and the member leaves (the others sync without it); a received record
 * above CLUSTER_RECORD_MAX is refused */
static void
test_caps(void **state)
{
	struct cluster_stats st;
	static uint8_t buf[CW_HDR_LEN + CLUSTER_RECORD_MAX + 8];
	struct cw_hdr h = { CW_MAGIC, CW_VERSION, 0, CW_RECORD, 0, 2,
			    CLUSTER_RECORD_MAX + 8 };
	int i;

	nodes[2].pad = CLUSTER_SYNC_MAX;	/* its digest: 8 bytes more */
	view(0x7, 8, true);
	pump();
	assert_int_equal(sync_failures, 1);
	assert_int_equal(rejoins, 1);
	for (i = 0; i < 3; i++)
		assert_int_equal(nodes[i].synced_count, 0);
	view(0x3, 12, true);	/* it left: the others sync */
	pump();
	assert_int_equal(nodes[0].synced_count, 1);
	h.epoch = core_epoch(nodes[0].core);
	cw_encode_hdr(buf, &h);
	core_deliver(nodes[0].core, 2, 100, buf, sizeof(buf));
	core_stats(nodes[0].core, &st);
	assert_true(st.malformed == 1);
	assert_int_equal(nodes[0].delivered, 0);
}

static void
test_votes_judgement(void **state)
{
	struct cv_facts f = { 0, 2, 3, 3, 3, 0, false, 0 };
	char why[192];

	assert_true(cv_judge(&f, why, sizeof(why)));	/* 3 nodes */
	f = (struct cv_facts){ VOTEQUORUM_INFO_TWONODE, 1, 2, 2, 2, 0, false, 0 };
	assert_false(cv_judge(&f, why, sizeof(why)));
	assert_non_null(strstr(why, "two_node"));
	f = (struct cv_facts){ 0, 2, 2, 2, 4, 0, false, 0 };	/* -e 2 */
	assert_false(cv_judge(&f, why, sizeof(why)));
	f = (struct cv_facts){ 0, 3, 4, 4, 4, 2, false, 0 };	/* config */
	assert_false(cv_judge(&f, why, sizeof(why)));
	f = (struct cv_facts){ VOTEQUORUM_INFO_LAST_MAN_STANDING, 1, 1, 1, 3,
			       0, false, 0 };	/* LMS lowered to the present */
	assert_true(cv_judge(&f, why, sizeof(why)));
	f = (struct cv_facts){ VOTEQUORUM_INFO_AUTO_TIE_BREAKER, 2, 2, 1, 2, 0,
			       false, 0 };	/* ATB 1 | 1 */
	assert_true(cv_judge(&f, why, sizeof(why)));
	f = (struct cv_facts){ 0, 3, 5, 4, 4, 0, true, 1 };	/* ffsplit */
	assert_true(cv_judge(&f, why, sizeof(why)));
	f = (struct cv_facts){ VOTEQUORUM_INFO_ALLOW_DOWNSCALE, 2, 3, 3, 3, 0,
			       false, 0 };
	assert_false(cv_judge(&f, why, sizeof(why)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_three_nodes_leader_and_union),
		T(test_epoch_per_view),
		T(test_oversize_view_is_no_view),
		T(test_not_quorate_no_leader),
		T(test_digest_mismatch_never_leads),
		T(test_digest_tie_no_leader),
		T(test_interrupted_sync_restarts),
		T(test_records_in_order_and_stale_dropped),
		T(test_large_state_chunked),
		T(test_malformed_peer_input),
		T(test_other_version_never_leads),
		T(test_half_other_version_nobody_leads),
		T(test_one_other_version_of_four_majority_leads),
		T(test_disconnect_reports_no_cluster),
		T(test_failed_merge_blocks_sync),
		T(test_silent_member_excluded),
		T(test_duplicate_nodeid_no_leader),
		T(test_heartbeat_lease),
		T(test_lease_after_node_loss),
		T(test_unsafe_quorum_policy),
		T(test_stuck_in_delta_excluded),
		T(test_votes_judgement),
		T(test_merge_in_steps),
		T(test_caps),
	};

	if (getenv("CORE_TEST_LOG")) {	/* the core's log, to debug */
		qb_log_init("cluster_core_test", LOG_USER, LOG_DEBUG);
		qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD,
				  QB_LOG_FILTER_FILE, "*", LOG_DEBUG);
		qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
