/*
 * hmc_transport_bench.c: what the persistent SSH session buys.
 *
 * Runs N commands sequentially on one hmc_conn (one session, a channel per
 * command; the connect is counted in its total), then N commands each on a
 * fresh hmc_conn (TCP, key exchange, host key check and authentication
 * every time), against the same server in the same run, and prints both
 * totals, the per-command means and their ratio.
 *
 * usage: hmc_transport_bench HOST PORT USER IDENTITY KNOWN_HOSTS [N]
 * bench/hmc_transport.sh starts a test sshd and runs it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hmc/hmc.h"

#define BENCH_CMD "lssyscfg -r sys -F name,state"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One command; anything but exit 0 with output ends the benchmark. */
static int
run_one(struct hmc_conn *c)
{
	struct hmc_result r;
	int rc = hmc_conn_run(c, BENCH_CMD, &r);

	if (rc == 0 && (r.exit_status != 0 || r.out_len == 0))
		rc = -EBADMSG;
	if (rc < 0)
		fprintf(stderr, "hmc_transport_bench: %s: %s\n", strerror(-rc),
			hmc_conn_error(c));
	hmc_result_free(&r);
	return rc;
}

static int
bench_persistent(const struct hmc_conn_opts *o, int n, double *ms)
{
	struct hmc_conn *c;
	double t0 = now_ms();
	int i, rc;

	rc = hmc_conn_new(o, &c);
	for (i = 0; rc == 0 && i < n; i++)
		rc = run_one(c);
	*ms = now_ms() - t0;
	if (rc == 0 && hmc_conn_connects(c) != 1) {
		fprintf(stderr, "hmc_transport_bench: %u connections, not one\n",
			hmc_conn_connects(c));
		rc = -EPROTO;
	}
	if (rc != -EINVAL)
		hmc_conn_free(c);
	return rc;
}

static int
bench_fresh(const struct hmc_conn_opts *o, int n, double *ms)
{
	struct hmc_conn *c;
	double t0 = now_ms();
	int i, rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		rc = hmc_conn_new(o, &c);
		if (rc < 0)
			break;
		rc = run_one(c);
		hmc_conn_free(c);
	}
	*ms = now_ms() - t0;
	return rc;
}

int
main(int argc, char **argv)
{
	struct hmc_conn_opts o = { 0 };
	double persistent, fresh;
	int n = 100;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: %s HOST PORT USER IDENTITY KNOWN_HOSTS [N]\n", argv[0]);
		return 2;
	}
	o.host = argv[1];
	o.port = (uint16_t)atoi(argv[2]);
	o.user = argv[3];
	o.identity = argv[4];
	o.known_hosts = argv[5];
	if (argc == 7)
		n = atoi(argv[6]);
	if (o.port == 0 || n <= 0 || n > 100000) {
		fprintf(stderr, "%s: bad PORT or N\n", argv[0]);
		return 2;
	}
	if (bench_persistent(&o, n, &persistent) < 0 || bench_fresh(&o, n, &fresh) < 0)
		return 1;
	printf("%d commands, one persistent session: %.1f ms total, %.2f ms/command\n",
	       n, persistent, persistent / n);
	printf("%d commands, a fresh connection each: %.1f ms total, %.2f ms/command\n",
	       n, fresh, fresh / n);
	printf("ratio fresh/persistent: %.2f\n", fresh / persistent);
	return 0;
}
