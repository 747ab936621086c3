/*
 * cluster_junk.c: a hostile peer for the integration tests. It joins the
 * CPG group, multicasts malformed messages (random bytes, truncated and
 * oversized headers, lying length fields, spoofed senders, unknown types,
 * another version), oversized ones (JUNK_BIG bytes, near corosync's limit),
 * well-formed ones of a stale epoch, and ones of the current epoch (it
 * computes it as the members do) that break the protocol: a RECORD above
 * CLUSTER_RECORD_MAX, a chunked RECORD, a DIGEST without a HELLO. Then it
 * stays in the group, silent, until killed.
 *
 *   cluster_junk --group NAME [--count N]
 *
 * It prints the epoch it computed and "sent N" (messages corosync took),
 * and exits 1 if it could not join or learn the ring within 20 s.
 */
#include "config.h"

#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <corosync/cpg.h>

#include "cluster/cluster_int.h"

#define JUNK_KINDS	12
#define JUNK_BIG	(1000u * 1000u)	/* below corosync's 1 MiB message */

static uint64_t epoch;			/* the members' current epoch */
static uint32_t ring_rep;
static uint64_t ring_seq;
static struct core_member members[CORE_MEMBERS_MAX];
static size_t nmembers;

static void
junk_one(uint8_t *buf, size_t *len, unsigned i, uint32_t nodeid)
{
	struct cw_hdr h = { CW_MAGIC, CW_VERSION, 0, CW_RECORD, 0, nodeid, 0 };
	size_t j;

	*len = (size_t)rand() % 200;
	switch (i % JUNK_KINDS) {
	case 7:		/* oversized: near corosync's limit */
		*len = JUNK_BIG;
		break;
	case 9:		/* a RECORD above CLUSTER_RECORD_MAX */
		*len = CW_HDR_LEN + CLUSTER_RECORD_MAX + 1;
		break;
	}
	for (j = 0; j < *len; j++)
		buf[j] = (uint8_t)rand();
	switch (i % JUNK_KINDS) {
	case 0:		/* random bytes */
		return;
	case 1:		/* truncated header */
		cw_encode_hdr(buf, &h);
		*len = CW_HDR_LEN - 1 - (size_t)rand() % 10;
		return;
	case 2:		/* length field larger than the message */
		h.length = 1000;
		break;
	case 3:		/* oversized length */
		h.length = 0xfffffff0u;
		break;
	case 4:		/* spoofed sender */
		h.sender = nodeid + 1;
		break;
	case 5:		/* unknown type */
		h.type = 77;
		break;
	case 6:		/* another version, not HELLO */
		h.version = CW_VERSION + 1;
		break;
	case 7:		/* oversized, its length field true */
		break;
	case 8:		/* well-formed, of an older epoch */
		h.epoch = epoch - 1;
		break;
	case 9:		/* current epoch, RECORD above the cap */
		h.epoch = epoch;
		break;
	case 10:	/* current epoch, a chunked RECORD */
		h.epoch = epoch;
		h.flags = CW_FLAG_MORE;
		break;
	case 11:	/* current epoch, a DIGEST without a HELLO */
		h.epoch = epoch;
		h.type = CW_DIGEST;
		break;
	}
	if (*len < CW_HDR_LEN)
		*len = CW_HDR_LEN;
	if (i % JUNK_KINDS >= 4)
		h.length = (uint32_t)(*len - CW_HDR_LEN);
	cw_encode_hdr(buf, &h);
}

static bool joined;

static int
member_cmp(const void *a, const void *b)
{
	const struct core_member *x = a, *y = b;

	if (x->nodeid != y->nodeid)
		return x->nodeid < y->nodeid ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static void
on_confchg(cpg_handle_t h, const struct cpg_name *g,
	   const struct cpg_address *m, size_t n,
	   const struct cpg_address *l, size_t nl,
	   const struct cpg_address *j, size_t nj)
{
	size_t i;

	for (i = 0; i < nj; i++)
		if (j[i].pid == (uint32_t)getpid())
			joined = true;
	nmembers = n < CORE_MEMBERS_MAX ? n : CORE_MEMBERS_MAX;
	for (i = 0; i < nmembers; i++) {
		members[i].nodeid = m[i].nodeid;
		members[i].pid = m[i].pid;
	}
	qsort(members, nmembers, sizeof(members[0]), member_cmp);
	epoch = core_epoch_of(ring_rep, ring_seq, members, nmembers);
}

/* The epoch as the members compute it (cluster_core.c): the ring and the
 * sorted (nodeid, pid) list. */
static void
on_totem(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n,
	 const uint32_t *m)
{
	ring_rep = ring.nodeid;
	ring_seq = ring.seq;
	epoch = core_epoch_of(ring_rep, ring_seq, members, nmembers);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "count", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 } };
	cpg_model_v1_data_t md = {
		.model = CPG_MODEL_V1, .cpg_confchg_fn = on_confchg,
		.cpg_totem_confchg_fn = on_totem,
		.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF };
	struct cpg_name g = { 0 };
	cpg_handle_t h;
	unsigned int nodeid, i, count = 70, sent = 0;
	static uint8_t buf[JUNK_BIG];
	struct iovec iov = { buf, 0 };
	const char *group = "srrha-test";
	int o, fd;

	while ((o = getopt_long(argc, argv, "g:c:", lo, NULL)) != -1) {
		if (o == 'g')
			group = optarg;
		else if (o == 'c')
			count = (unsigned)atoi(optarg);
		else
			return 2;
	}
	if (strlen(group) >= sizeof(g.value))
		return 2;
	g.length = (uint32_t)strlen(group);
	memcpy(g.value, group, g.length);
	if (cpg_model_initialize(&h, CPG_MODEL_V1, (cpg_model_data_t *)&md,
				 NULL) != CS_OK || cpg_local_get(h, &nodeid) != CS_OK ||
	    cpg_join(h, &g) != CS_OK) {
		fprintf(stderr, "cannot join the CPG group\n");
		return 1;
	}
	/* send only once every member has seen us join */
	/* send once every member has seen us join and the ring is known
	 * (the current epoch), within 20 s */
	if (cpg_fd_get(h, &fd) != CS_OK)
		return 1;
	for (i = 0; i < 200 && (!joined || ring_seq == 0); i++) {
		struct pollfd p = { fd, POLLIN, 0 };

		if (poll(&p, 1, 100) > 0 &&
		    cpg_dispatch(h, CS_DISPATCH_ALL) != CS_OK)
			return 1;
	}
	if (!joined || ring_seq == 0) {
		fprintf(stderr, "no membership or ring after 20 s\n");
		return 1;
	}
	printf("epoch %016llx ring %u/%llu members %zu\n",
	       (unsigned long long)epoch, ring_rep,
	       (unsigned long long)ring_seq, nmembers);
	srand((unsigned)time(NULL));
	for (i = 0; i < count; i++) {
		cs_error_t err;

		junk_one(buf, &iov.iov_len, i, nodeid);
		while ((err = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1)) ==
		       CS_ERR_TRY_AGAIN)
			usleep(10000);	/* a test tool: it may sleep */
		sent += err == CS_OK;
	}
	printf("sent %u\n", sent);
	fflush(stdout);
	for (;;)
		pause();
}
