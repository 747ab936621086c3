/*
 * store_merge_bench.c: what the store's batches buy a merge.
 *
 * Into a fresh SQLite store (WAL, synchronous=FULL, as srrd's), N new
 * records merged two ways in the same run: one transaction per record
 * (srr_ledger_put, the way every merged record was written before the
 * batches, and still the way one record is) against a peer's buffer
 * merged as the cluster layer does (srr_ledger_merge_step, steps of about
 * 20 ms, up to 256 records a transaction). Prints both totals, the
 * transactions' fsyncs being most of the first, and their ratio.
 *
 * usage: store_merge_bench [N...]	(default 2000 10000)
 * The stores go in $TMPDIR (default /var/tmp, a disk, not a tmpfs) and
 * are removed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/ledger.h"
#include "agent/store.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
rm_store(const char *dir)
{
	static const char *const files[] = {
		"ledger.db", "ledger.db-wal", "ledger.db-shm",
	};
	char path[4200];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
}

/* A fresh store and ledger in DIR. */
static int
open_fresh(const char *dir, struct srr_store **s, struct srr_ledger **l)
{
	char path[4200], err[512];
	int rc;

	rm_store(dir);
	snprintf(path, sizeof(path), "%s/ledger.db", dir);
	rc = srr_store_open(path, s, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "store_merge_bench: %s\n", err);
		return rc;
	}
	rc = srr_ledger_new(*s, l);
	if (rc < 0)
		srr_store_close(*s);
	return rc;
}

static void
close_all(struct srr_store *s, struct srr_ledger *l)
{
	srr_ledger_free(l);
	srr_store_close(s);
}

/* N debts of one source, as a restart wave leaves them. */
static struct srr_record *
records(size_t n)
{
	struct srr_record *r = calloc(n, sizeof(*r));
	size_t i;

	for (i = 0; r != NULL && i < n; i++) {
		r[i].id = (struct srr_op_id){ 7, 1, (uint32_t)i + 1 };
		r[i].status = SRR_OP_RESTARTED;
		snprintf(r[i].lpar, sizeof(r[i].lpar), "lpar-%05zu", i);
		snprintf(r[i].src, sizeof(r[i].src), "src1");
		snprintf(r[i].dst, sizeof(r[i].dst), "dst1");
		r[i].attempts = 1;
		r[i].updated.ms = 1000 + (int64_t)i;
	}
	return r;
}

static int
bench(const char *dir, size_t n)
{
	struct srr_record *r = records(n);
	const struct srr_record **p = calloc(n, sizeof(*p));
	struct srr_store *s;
	struct srr_ledger *l;
	uint8_t *buf = NULL;
	size_t len, i, steps = 0;
	uint64_t cursor = 0;
	double t0, one, batched;
	int rc = -ENOMEM;

	if (r == NULL || p == NULL)
		goto out;
	for (i = 0; i < n; i++)
		p[i] = &r[i];
	if ((rc = srr_records_encode(p, n, &buf, &len)) < 0)
		goto out;

	if ((rc = open_fresh(dir, &s, &l)) < 0)
		goto out;
	t0 = now_ms();
	for (i = 0; i < n && rc == 0; i++)
		rc = srr_ledger_put(l, &r[i], "replicated", NULL);
	one = now_ms() - t0;
	if (rc == 0 && srr_ledger_count(l) != n)
		rc = -EIO;
	close_all(s, l);
	if (rc < 0)
		goto out;

	if ((rc = open_fresh(dir, &s, &l)) < 0)
		goto out;
	t0 = now_ms();
	do {
		steps++;
		rc = srr_ledger_merge_step(l, buf, len, &cursor);
	} while (rc > 0);
	batched = now_ms() - t0;
	if (rc == 0 && srr_ledger_count(l) != n)
		rc = -EIO;
	close_all(s, l);
	if (rc < 0)
		goto out;

	printf("%zu records: a transaction each %.0f ms (%.3f ms a record); "
	       "merged in batches %.0f ms (%zu steps); ratio batched/each "
	       "%.3f\n", n, one, one / (double)n, batched, steps,
	       batched / one);
out:
	if (rc < 0)
		fprintf(stderr, "store_merge_bench: %zu records: %s\n", n,
			strerror(-rc));
	free(buf);
	free(p);
	free(r);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096];
	int i, rc = 0;

	snprintf(dir, sizeof(dir), "%s/srrha-store-bench-XXXXXX",
		 tmp != NULL && tmp[0] ? tmp : "/var/tmp");
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "store_merge_bench: %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	if (argc < 2) {
		rc |= bench(dir, 2000);
		rc |= bench(dir, 10000);
	}
	for (i = 1; i < argc; i++)
		rc |= bench(dir, strtoul(argv[i], NULL, 10));
	rm_store(dir);
	rmdir(dir);
	return rc < 0 ? 1 : 0;
}
