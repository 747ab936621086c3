/*
 * cluster_junk.c: a hostile peer for the integration tests. It joins the
 * CPG group, multicasts malformed messages (random bytes, truncated and
 * oversized headers, lying length fields, spoofed senders, unknown types,
 * another version) and then stays in the group, silent, until killed.
 *
 *   cluster_junk --group NAME [--count N]
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

static void
junk_one(uint8_t *buf, size_t *len, unsigned i, uint32_t nodeid)
{
	struct cw_hdr h = { CW_MAGIC, CW_VERSION, 0, CW_RECORD, 0, nodeid, 0 };
	size_t j;

	*len = (size_t)rand() % 200;
	for (j = 0; j < *len; j++)
		buf[j] = (uint8_t)rand();
	switch (i % 7) {
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
	}
	if (*len < CW_HDR_LEN)
		*len = CW_HDR_LEN;
	if (i % 7 >= 4)
		h.length = (uint32_t)(*len - CW_HDR_LEN);
	cw_encode_hdr(buf, &h);
}

static bool joined;

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
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "count", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 } };
	cpg_callbacks_t cb = { .cpg_confchg_fn = on_confchg };
	struct cpg_name g = { 0 };
	cpg_handle_t h;
	unsigned int nodeid, i, count = 70, sent = 0;
	uint8_t buf[256];
	struct iovec iov = { buf, 0 };
	const char *group = "srrha-test";
	int o;

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
	if (cpg_initialize(&h, &cb) != CS_OK || cpg_local_get(h, &nodeid) != CS_OK ||
	    cpg_join(h, &g) != CS_OK) {
		fprintf(stderr, "cannot join the CPG group\n");
		return 1;
	}
	/* send only once every member has seen us join */
	while (!joined)
		if (cpg_dispatch(h, CS_DISPATCH_ONE) != CS_OK)
			return 1;
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
