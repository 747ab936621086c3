/*
 * cluster_cpg_test.c: the corosync binding (internal) with libcpg and
 * libquorum replaced through -Wl,--wrap by a scripted fake, over a real
 * qb_loop. Proves: connect and join; CS_ERR_TRY_AGAIN keeps messages
 * queued, in order, retried from a loop timer; a lost corosync reports
 * "no cluster" and the binding reconnects by itself; the HELLO timer runs
 * only when configured; a corosync slow to answer votequorum_getinfo (as
 * in a sync after a heal) does not stop the loop from reading CPG events,
 * and the reader says how long it has waited; quorum gained counts only
 * with settings read after it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <corosync/cpg.h>
#include <corosync/quorum.h>
#include <qb/qbloop.h>

#include "cluster/cluster_int.h"

/* ---- the fake corosync ---- */

static struct {
	cpg_model_v1_data_t model;
	quorum_model_v1_data_t qmodel;
	void *ctx, *qctx;
	int pipe[2], qpipe[2];
	int init_failures;	/* cpg_model_initialize fails this often */
	int try_again;		/* cpg_mcast_joined says try again this often */
	bool dispatch_fails;
	bool totem_on_dispatch;	/* the next dispatch delivers a totem change */
	atomic_int getinfo_ms;	/* votequorum_getinfo takes this long */
	atomic_int getinfos;
	int dispatched;
	int sent, finalized, inits;
	uint16_t types[64];
} fk;

cs_error_t __wrap_cpg_model_initialize(cpg_handle_t *h, cpg_model_t m,
				       cpg_model_data_t *d, void *ctx);
cs_error_t __wrap_cpg_local_get(cpg_handle_t h, unsigned int *id);
cs_error_t __wrap_cpg_join(cpg_handle_t h, const struct cpg_name *g);
cs_error_t __wrap_cpg_fd_get(cpg_handle_t h, int *fd);
cs_error_t __wrap_cpg_context_get(cpg_handle_t h, void **ctx);
cs_error_t __wrap_cpg_dispatch(cpg_handle_t h, cs_dispatch_flags_t f);
cs_error_t __wrap_cpg_finalize(cpg_handle_t h);
cs_error_t __wrap_cpg_mcast_joined(cpg_handle_t h, cpg_guarantee_t g,
				   const struct iovec *iov, unsigned int n);
cs_error_t __wrap_quorum_model_initialize(quorum_handle_t *h, quorum_model_t m,
					  quorum_model_data_t *d, uint32_t *t,
					  void *ctx);
cs_error_t __wrap_quorum_getquorate(quorum_handle_t h, int *q);
cs_error_t __wrap_quorum_trackstart(quorum_handle_t h, unsigned int f);
cs_error_t __wrap_quorum_fd_get(quorum_handle_t h, int *fd);
cs_error_t __wrap_quorum_context_get(quorum_handle_t h, const void **ctx);
cs_error_t __wrap_quorum_dispatch(quorum_handle_t h, cs_dispatch_flags_t f);
cs_error_t __wrap_quorum_finalize(quorum_handle_t h);

cs_error_t
__wrap_cpg_model_initialize(cpg_handle_t *h, cpg_model_t m,
			    cpg_model_data_t *d, void *ctx)
{
	fk.inits++;
	if (fk.init_failures > 0) {
		fk.init_failures--;
		return CS_ERR_LIBRARY;
	}
	memcpy(&fk.model, d, sizeof(fk.model));
	fk.ctx = ctx;
	*h = 1;
	return CS_OK;
}

cs_error_t __wrap_cpg_local_get(cpg_handle_t h, unsigned int *id) { *id = 1; return CS_OK; }
cs_error_t __wrap_cpg_join(cpg_handle_t h, const struct cpg_name *g) { return CS_OK; }
cs_error_t __wrap_cpg_fd_get(cpg_handle_t h, int *fd) { *fd = fk.pipe[0]; return CS_OK; }
cs_error_t __wrap_cpg_context_get(cpg_handle_t h, void **ctx) { *ctx = fk.ctx; return CS_OK; }
cs_error_t __wrap_cpg_finalize(cpg_handle_t h) { fk.finalized++; return CS_OK; }

cs_error_t
__wrap_cpg_dispatch(cpg_handle_t h, cs_dispatch_flags_t f)
{
	char b;

	assert_int_equal(f, CS_DISPATCH_ONE);
	assert_int_equal(read(fk.pipe[0], &b, 1), 1);
	fk.dispatched++;
	if (fk.totem_on_dispatch && fk.model.cpg_totem_confchg_fn) {
		struct cpg_ring_id ring = { 1, 8 };
		uint32_t ids[1] = { 1 };

		fk.totem_on_dispatch = false;
		fk.model.cpg_totem_confchg_fn(h, ring, 1, ids);
	}
	return fk.dispatch_fails ? CS_ERR_LIBRARY : CS_OK;
}

cs_error_t
__wrap_cpg_mcast_joined(cpg_handle_t h, cpg_guarantee_t g,
			const struct iovec *iov, unsigned int n)
{
	struct cw_hdr hdr;
	const uint8_t *p;

	assert_int_equal(g, CPG_TYPE_AGREED);
	if (fk.try_again > 0) {
		fk.try_again--;
		return CS_ERR_TRY_AGAIN;
	}
	assert_int_equal(cw_decode(iov[0].iov_base, iov[0].iov_len, &hdr, &p), CW_OK);
	if (fk.sent < 64)
		fk.types[fk.sent] = hdr.type;
	fk.sent++;
	return CS_OK;
}

cs_error_t
__wrap_quorum_model_initialize(quorum_handle_t *h, quorum_model_t m,
			       quorum_model_data_t *d, uint32_t *t, void *ctx)
{
	memcpy(&fk.qmodel, d, sizeof(fk.qmodel));
	fk.qctx = ctx;
	*h = 2;
	return CS_OK;
}

cs_error_t __wrap_quorum_getquorate(quorum_handle_t h, int *q) { *q = 1; return CS_OK; }
cs_error_t __wrap_quorum_trackstart(quorum_handle_t h, unsigned int f) { return CS_OK; }
cs_error_t __wrap_quorum_fd_get(quorum_handle_t h, int *fd) { *fd = fk.qpipe[0]; return CS_OK; }
cs_error_t __wrap_quorum_context_get(quorum_handle_t h, const void **ctx) { *ctx = fk.qctx; return CS_OK; }
cs_error_t __wrap_quorum_dispatch(quorum_handle_t h, cs_dispatch_flags_t f) { return CS_OK; }
cs_error_t __wrap_quorum_finalize(quorum_handle_t h) { return CS_OK; }

/* cmap and votequorum: three nodes, default votequorum, token 1000 ms */
cs_error_t __wrap_cmap_initialize(cmap_handle_t *h);
cs_error_t __wrap_cmap_finalize(cmap_handle_t h);
cs_error_t __wrap_cmap_get_uint32(cmap_handle_t h, const char *k, uint32_t *v);
cs_error_t __wrap_cmap_get_string(cmap_handle_t h, const char *k, char **v);
cs_error_t __wrap_votequorum_initialize(votequorum_handle_t *h,
					votequorum_callbacks_t *cb);
cs_error_t __wrap_votequorum_finalize(votequorum_handle_t h);
cs_error_t __wrap_votequorum_getinfo(votequorum_handle_t h, unsigned int id,
				     struct votequorum_info *vi);

cs_error_t __wrap_cmap_initialize(cmap_handle_t *h) { *h = 3; return CS_OK; }
cs_error_t __wrap_cmap_finalize(cmap_handle_t h) { return CS_OK; }
cs_error_t __wrap_cmap_get_string(cmap_handle_t h, const char *k, char **v) { return CS_ERR_NOT_EXIST; }
cs_error_t __wrap_votequorum_initialize(votequorum_handle_t *h, votequorum_callbacks_t *cb) { *h = 4; return CS_OK; }
cs_error_t __wrap_votequorum_finalize(votequorum_handle_t h) { return CS_OK; }

cs_error_t
__wrap_cmap_get_uint32(cmap_handle_t h, const char *k, uint32_t *v)
{
	char rest[32];
	unsigned i;

	if (strcmp(k, "runtime.config.totem.token") == 0)
		return *v = 1000, CS_OK;
	if (strcmp(k, "runtime.config.totem.consensus") == 0)
		return *v = 1200, CS_OK;
	if (sscanf(k, "nodelist.node.%u.%31s", &i, rest) == 2 && i < 3 &&
	    strcmp(rest, "nodeid") == 0)
		return *v = i + 1, CS_OK;
	return CS_ERR_NOT_EXIST;
}

cs_error_t
__wrap_votequorum_getinfo(votequorum_handle_t h, unsigned int id,
			  struct votequorum_info *vi)
{
	int ms = atomic_load(&fk.getinfo_ms);

	atomic_fetch_add(&fk.getinfos, 1);
	if (ms > 0)
		usleep((useconds_t)ms * 1000u);
	memset(vi, 0, sizeof(*vi));
	vi->quorum = 2;
	vi->node_expected_votes = vi->highest_expected = vi->total_votes = 3;
	return CS_OK;
}

/* ---- the user of the layer ---- */

static int s_digest(void *c, uint8_t **o, size_t *l) { *o = NULL; *l = 0; return 0; }
static int s_delta(void *c, const uint8_t *p, size_t pl, uint8_t **o, size_t *l) { *o = NULL; *l = 0; return 0; }
static int s_merge(void *c, const uint8_t *d, size_t l) { return 0; }
static const struct cluster_sync_ops ops = { s_digest, s_delta, s_merge };

static int ups, downs;
static void e_conn(void *c, bool up) { if (up) ups++; else downs++; }
static const struct cluster_events evs = { .connection = e_conn };

static qb_loop_t *loop;

static void stop(void *data) { qb_loop_stop(loop); }

static void
run_for(unsigned ms)
{
	qb_loop_timer_handle t;

	qb_loop_timer_add(loop, QB_LOOP_HIGH, ms * 1000000ull, NULL, stop, &t);
	qb_loop_run(loop);
}

/* connect; a view of this process and, with peer, a silent node 2 */
static struct cluster *
start_with(unsigned hello_ms, bool peer)
{
	struct cluster_config cfg = { "test", (const uint8_t *)"cfg", 3, &ops,
				      NULL, &evs, NULL, hello_ms };
	struct cluster *c;
	struct cpg_address m[2] = { { 1, (uint32_t)getpid(), 0 }, { 2, 77, 0 } };
	struct cpg_ring_id ring = { 1, 4 };
	uint32_t ids[2] = { 1, 2 };

	assert_int_equal(cluster_init(loop, &cfg, &c), 0);
	if (fk.model.cpg_confchg_fn) {
		fk.model.cpg_totem_confchg_fn(1, ring, peer ? 2 : 1, ids);
		fk.model.cpg_confchg_fn(1, NULL, m, peer ? 2 : 1, NULL, 0, m, 1);
	}
	return c;
}

static struct cluster *
start(void)
{
	return start_with(0, false);
}

static bool
sent_type(uint16_t type)
{
	int i;

	for (i = 0; i < fk.sent && i < 64; i++)
		if (fk.types[i] == type)
			return true;
	return false;
}

/* hello_timeout_ms: 0 is the sync timeout (20 s); set, the silent peer
 * is named after it */
static void
test_hello_timeout(void **state)
{
	struct cluster *c = start_with(0, true);

	run_for(150);
	assert_false(sent_type(CW_EXCLUDE));
	cluster_free(c);
	fk.sent = 0;
	c = start_with(50, true);
	run_for(150);
	assert_true(sent_type(CW_EXCLUDE));
	cluster_free(c);
}

static int
setup(void **state)
{
	memset(&fk, 0, sizeof(fk));
	ups = downs = 0;
	assert_int_equal(pipe(fk.pipe), 0);
	assert_int_equal(pipe(fk.qpipe), 0);
	loop = qb_loop_create();
	return 0;
}

static int
teardown(void **state)
{
	qb_loop_destroy(loop);
	close(fk.pipe[0]), close(fk.pipe[1]);
	close(fk.qpipe[0]), close(fk.qpipe[1]);
	return 0;
}

static void
test_connect_and_join(void **state)
{
	struct cluster *c = start();

	assert_true(cluster_connected(c));
	assert_int_equal(cluster_local_nodeid(c), 1);
	assert_true(cluster_epoch(c) != 0);
	/* alone: HELLO, DIGEST and MERGED go out at once (synced only once
	 * they come back in agreed order, which this fake does not do) */
	assert_int_equal(fk.sent, 3);
	assert_int_equal(fk.types[0], CW_HELLO);
	assert_int_equal(fk.types[1], CW_DIGEST);
	assert_int_equal(fk.types[2], CW_MERGED);
	assert_false(cluster_synced(c));
	cluster_free(c);
	assert_int_equal(fk.finalized, 1);
}

static void
test_try_again_queued_and_retried(void **state)
{
	struct cluster *c = start();
	struct cluster_stats st;
	int before = fk.sent;

	fk.try_again = 3;
	assert_int_equal(cluster_send(c, (const uint8_t *)"a", 1), 0);
	assert_int_equal(cluster_send(c, (const uint8_t *)"b", 1), 0);
	assert_int_equal(fk.sent, before);	/* queued, nothing slept */
	run_for(200);
	assert_int_equal(fk.sent, before + 2);
	assert_int_equal(fk.types[before], CW_RECORD);
	cluster_get_stats(c, &st);
	assert_true(st.try_again == 3);
	cluster_free(c);
}

static void
test_lost_corosync_reconnects(void **state)
{
	struct cluster *c = start();

	fk.dispatch_fails = true;
	fk.init_failures = 1;	/* the first reconnect fails too */
	assert_int_equal(write(fk.pipe[1], "x", 1), 1);
	run_for(100);
	assert_false(cluster_connected(c));
	assert_false(cluster_quorate(c));
	assert_int_equal(cluster_leader(c), 0);
	assert_int_equal(downs, 1);
	assert_int_equal(cluster_send(c, (const uint8_t *)"a", 1), -ENOTCONN);
	fk.dispatch_fails = false;
	run_for(2300);		/* two 1 s reconnect attempts */
	assert_true(cluster_connected(c));
	assert_int_equal(ups, 2);
	assert_int_equal(fk.inits, 3);
	cluster_free(c);
}

/* The CPG dispatch goes on while votequorum_getinfo takes 1.5 s: the
 * read happens off the loop (in the loop, the second event would wait
 * for it, and corosync would spin on its queue to us). */
static void
test_slow_corosync_does_not_stop_dispatch(void **state)
{
	struct cluster *c = start();
	int before;

	run_for(50);
	atomic_store(&fk.getinfo_ms, 1500);
	before = atomic_load(&fk.getinfos);
	fk.totem_on_dispatch = true;
	assert_int_equal(write(fk.pipe[1], "xy", 2), 2);
	run_for(300);
	assert_int_equal(fk.dispatched, 2);		/* both, within 300 ms */
	assert_true(atomic_load(&fk.getinfos) > before);	/* and poked */
	atomic_store(&fk.getinfo_ms, 0);
	cluster_free(c);
}

/* Quorum gained counts only once settings read after it are in (the
 * same change may have made quorum meaningless): with votequorum_getinfo
 * taking 400 ms, connecting to a quorate corosync is not quorate at
 * 200 ms, and is by 1.2 s. */
static void
test_quorum_gained_waits_for_settings(void **state)
{
	struct cluster *c;

	atomic_store(&fk.getinfo_ms, 400);
	c = start();
	run_for(200);
	assert_false(cluster_quorate(c));
	run_for(1000);
	assert_true(cluster_quorate(c));
	atomic_store(&fk.getinfo_ms, 0);
	cluster_free(c);
}

/* the reader says how long its read has waited, and a stop that cannot
 * join a stuck thread returns in bounded time, saying so */
static void
test_reader_stall_is_measured_and_stop_is_bounded(void **state)
{
	struct cv_reader *r;
	struct cv_result res;

	assert_int_equal(cv_reader_start(&r), 0);
	usleep(100 * 1000);		/* the first read, at once */
	assert_true(cv_reader_take(r, &res));
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.token_ms, 1000);
	assert_int_equal(res.facts.node_votes, 3);
	atomic_store(&fk.getinfo_ms, 800);
	cv_reader_poke(r, 1);
	usleep(400 * 1000);
	assert_true(cv_reader_busy_ms(r) >= 300);
	assert_false(cv_reader_take(r, &res));	/* nothing new yet */
	usleep(700 * 1000);
	assert_int_equal(cv_reader_busy_ms(r), 0);
	assert_true(cv_reader_take(r, &res));
	atomic_store(&fk.getinfo_ms, 0);
	assert_true(cv_reader_stop(r, 1000));

	assert_int_equal(cv_reader_start(&r), 0);
	usleep(100 * 1000);
	atomic_store(&fk.getinfo_ms, 600);
	cv_reader_poke(r, 1);
	usleep(100 * 1000);
	assert_false(cv_reader_stop(r, 100));	/* left behind, not waited on */
	usleep(700 * 1000);			/* it ends by itself */
	atomic_store(&fk.getinfo_ms, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_and_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_try_again_queued_and_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_corosync_reconnects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hello_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_corosync_does_not_stop_dispatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_stall_is_measured_and_stop_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quorum_gained_waits_for_settings, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
