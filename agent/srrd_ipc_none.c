/*
 * srrd_ipc_none.c: TEMPORARY. srrd without its IPC server and metrics
 * endpoint, until the ipc branch (srrd_ipc.c, srrd_metrics.c) is merged;
 * then this file leaves agent/Makefile.am.
 */
#include "config.h"

#include <errno.h>

#include "agent/srrd.h"

int
srrd_ipc_start(struct srrd *d, qb_loop_t *loop, struct srrd_ipc **out)
{
	*out = NULL;
	return -ENOTSUP;
}

void
srrd_ipc_stop(struct srrd_ipc *ipc)
{
}

int
srrd_metrics_text(const struct srrd *d, char **out, size_t *len)
{
	return -ENOTSUP;
}

int
srrd_http_start(struct srrd *d, uint16_t port, struct srrd_http **out)
{
	*out = NULL;
	return -ENOTSUP;
}

void
srrd_http_stop(struct srrd_http *h)
{
}
