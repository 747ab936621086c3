/*
 * cluster_lease.c: whether this member may lead now: the quorum policy
 * from the binding, the lease a new leader waits after the last leader's
 * node was lost, the leader's own heartbeat, and the may_lead event. See
 * doc/cluster.md ("Lease").
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

/* How long a leader's heartbeat keeps it leading: safely below the
 * lease (token + consensus) a new leader waits, so the old one has
 * stopped before the new one starts (doc/cluster.md, "Lease"). */
unsigned
cle_lease_ms(const struct cluster_core *c)
{
	return c->token_ms / 2;
}

/* The leader multicasts its send time every lease/4; its own copy comes
 * back only through a live ring in agreed order. */
void
cle_heartbeat(struct cluster_core *c, uint64_t now)
{
	uint8_t pl[8];

	if (c->leader_kind != CLUSTER_LEADER_SELF || !c->synced ||
	    c->sync_failed || c->token_ms == 0)
		return;
	if (c->hb_sent != 0 && now - c->hb_sent < cle_lease_ms(c) / 4)
		return;
	cc_wr64(pl, now);
	if (cc_send(c, CW_HEARTBEAT, 0, NULL, 0, pl, sizeof(pl)) == 0)
		c->hb_sent = now;
}

void
cle_rx_heartbeat(struct cluster_core *c, struct peer *pr, const struct cw_hdr *h,
	     const uint8_t *p)
{
	uint64_t t;

	if (h->length != 8)
		return cc_bad_input(c, pr->m.nodeid, "bad HEARTBEAT");
	if (!cc_is_self(c, pr))
		return;		/* another leader's lease is its own business */
	t = cc_rd64(p);
	if (t > c->hb_back && t <= cc_now(c))
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
	c->hold_until = cc_now(c) + (wait ? wait : 10000u);
	c->holding = true;
	srr_log(LOG_WARNING, "lease: %s %" PRIu32 " (pid %" PRIu32 ") lost "
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
	srr_log(LOG_NOTICE, "lease: the lost leader's lease has run out");
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
		srr_log(LOG_NOTICE, "quorum configuration keeps one quorate side "
			"of a split%s%s", why && *why ? ": " : "", why ? why : "");
	else
		srr_log(LOG_CRIT, "quorum configuration lets both sides of a split "
			"be quorate: %s", why);
	cc_compute_leader(c);
}

void
core_timing(struct cluster_core *c, unsigned token_ms, unsigned consensus_ms)
{
	if (token_ms == c->token_ms && consensus_ms == c->consensus_ms)
		return;
	c->token_ms = token_ms;
	c->consensus_ms = consensus_ms;
	srr_log(LOG_INFO, "corosync token %u ms, consensus %u ms: a lost "
		"leader's successor waits %u ms, a leader's heartbeat lease is "
		"%u ms", token_ms, consensus_ms, token_ms + consensus_ms,
		cle_lease_ms(c));
	cc_compute_leader(c);
}

/* tell the user when the gate opened or closed (the getter is exact) */
void
cle_gate_check(struct cluster_core *c)
{
	bool g = core_may_lead(c);

	if (g == c->gate_said)
		return;
	c->gate_said = g;
	srr_log(LOG_NOTICE, "epoch %016" PRIx64 ": this member %s lead",
		c->epoch, g ? "may" : "may no longer");
	EV(c, may_lead, c->epoch, g);
}

void
core_tick(struct cluster_core *c)
{
	uint64_t now = cc_now(c);

	cs_progress_tick(c, now);
	hold_tick(c, now);
	cle_heartbeat(c, now);
	cs_tick(c, now);
	cle_gate_check(c);
}

bool
core_may_lead(const struct cluster_core *c)
{
	uint64_t now;

	if (!c->connected || !c->quorate || c->epoch == 0 || !c->synced ||
	    c->self_excluded || c->leader_kind != CLUSTER_LEADER_SELF ||
	    c->hb_back == 0)
		return false;
	now = cc_now(c);
	/* the exact times, not the tick's view of them */
	return now >= c->hold_until && now < c->hb_back + cle_lease_ms(c);
}
