/*
 * cluster_votes.c: does votequorum's configuration keep a single quorate
 * side of any split? Read from cmap (the nodelist, the qdevice, totem's
 * runtime token and consensus) and votequorum_getinfo (flags, quorum and
 * expected votes as corosync runs them, so `corosync-quorumtool -e` is
 * seen). The judgement itself (cv_judge) is pure, for the unit tests.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <corosync/cmap.h>
#include <corosync/votequorum.h>

#include "cluster/cluster_int.h"

/* Two disjoint sides can both be quorate unless the quorum is a strict
 * majority of every vote that exists. Exceptions votequorum documents as
 * keeping one side: auto_tie_breaker (a 50:50 split goes to the side of
 * the tie-breaker node; the quorum itself stays a majority, so the rule
 * holds as is) and last_man_standing (it lowers expected votes to the
 * votes present, only while quorate, after its window: the nodes that are
 * gone keep the old expectation and stay inquorate). */
bool
cv_judge(const struct cv_facts *f, char *why, size_t len)
{
	unsigned all = f->node_votes + f->device_votes;
	bool lms = (f->flags & VOTEQUORUM_INFO_LAST_MAN_STANDING) &&
		   f->expected >= f->total_votes;

	if ((f->flags & VOTEQUORUM_INFO_TWONODE) && !f->device) {
		snprintf(why, len, "two_node is set and no qdevice breaks the "
			 "tie (each node alone is quorate): this agent refuses "
			 "to lead");
		return false;
	}
	if (f->flags & VOTEQUORUM_INFO_ALLOW_DOWNSCALE) {
		snprintf(why, len, "allow_downscale lowers the quorum as nodes "
			 "leave: this agent refuses to lead");
		return false;
	}
	if (f->cfg_expected != 0 && f->cfg_expected < f->node_votes) {
		snprintf(why, len, "quorum.expected_votes %u is below the %u "
			 "votes of the nodelist (two halves can each be quorate):"
			 " this agent refuses to lead", f->cfg_expected,
			 f->node_votes);
		return false;
	}
	if (f->expected < f->node_votes && !lms) {
		snprintf(why, len, "expected votes lowered to %u, below the %u "
			 "votes of the nodelist (corosync-quorumtool -e?): this "
			 "agent refuses to lead", f->expected, f->node_votes);
		return false;
	}
	if (2u * f->quorum > all)
		return true;
	if (lms) {
		snprintf(why, len, "last_man_standing lowered expected votes to "
			 "%u (the votes present)", f->expected);
		return true;
	}
	snprintf(why, len, "quorum %u is not a majority of the %u configured "
		 "votes: this agent refuses to lead", f->quorum, all);
	return false;
}

static unsigned
nodelist_votes(cmap_handle_t h)
{
	char key[CMAP_KEYNAME_MAXLEN];
	unsigned total = 0, i;
	uint32_t v;

	for (i = 0; i < 4096; i++) {
		snprintf(key, sizeof(key), "nodelist.node.%u.nodeid", i);
		if (cmap_get_uint32(h, key, &v) != CS_OK)
			break;
		snprintf(key, sizeof(key), "nodelist.node.%u.quorum_votes", i);
		total += cmap_get_uint32(h, key, &v) == CS_OK ? v : 1;
	}
	return total;
}

static void
device_votes(cmap_handle_t h, const struct votequorum_info *vi,
	     struct cv_facts *f)
{
	char *model = NULL;
	uint32_t v = 0;

	f->device = cmap_get_string(h, "quorum.device.model", &model) == CS_OK;
	free(model);
	if (!f->device)
		return;
	if (cmap_get_uint32(h, "quorum.device.votes", &v) != CS_OK)
		v = 0;
	f->device_votes = v > vi->qdevice_votes ? v : vi->qdevice_votes;
	if (f->device_votes == 0)
		f->device_votes = 1;
}

int
cv_read(cmap_handle_t cmap, votequorum_handle_t vq, uint32_t nodeid,
	struct cv_facts *f, unsigned *token_ms, unsigned *consensus_ms)
{
	struct votequorum_info vi;
	uint32_t t = 0, k = 0;

	memset(f, 0, sizeof(*f));
	if (votequorum_getinfo(vq, nodeid, &vi) != CS_OK)
		return -EIO;
	f->flags = vi.flags;
	f->quorum = vi.quorum;
	f->expected = vi.node_expected_votes;
	f->total_votes = vi.total_votes;
	f->node_votes = nodelist_votes(cmap);
	if (f->node_votes == 0)
		f->node_votes = vi.highest_expected;
	if (cmap_get_uint32(cmap, "quorum.expected_votes", &t) == CS_OK)
		f->cfg_expected = t;
	device_votes(cmap, &vi, f);
	if (cmap_get_uint32(cmap, "runtime.config.totem.token", &t) != CS_OK ||
	    cmap_get_uint32(cmap, "runtime.config.totem.consensus", &k) != CS_OK)
		return -EIO;
	*token_ms = t;
	*consensus_ms = k;
	return 0;
}
