/*
 * srrd_fake.h: a fake srrd over fixed data (srrd_fake.c) for the IPC tests.
 */
#ifndef SRR_SRRD_FAKE_H
#define SRR_SRRD_FAKE_H

#include <stdint.h>

#include <qb/qbloop.h>

/* "now" of the fixed data: 2027-01-15 08:00:00 UTC (srrctl takes it from
 * SRRCTL_NOW, so the golden tables do not move). */
#define FAKE_NOW_S	1800000000LL

struct srrd;

/* A fake with its ledger in DIR/ledger.db; IPC_GROUP is [ipc] group. */
struct srrd *fake_srrd_new(qb_loop_t *loop, const char *dir,
			   const char *ipc_group);
void fake_srrd_free(struct srrd *d);

#endif /* SRR_SRRD_FAKE_H */
