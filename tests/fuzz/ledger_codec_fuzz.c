/*
 * ledger_codec_fuzz.c: libFuzzer target for the ledger codec, what a peer
 * sends as records (a delta) and as a digest in the state sync.
 *
 * Built by `make -C tests fuzz`; `make fuzz-smoke` runs it briefly. The
 * first byte picks records (even) or digest (odd); the rest is the
 * buffer. Beyond "no crash, no leak": a buffer is refused whole or read
 * whole, the same way by srr_records_decode and srr_records_each; what
 * decodes encodes and decodes again to records that compare equal (the
 * merge order's srr_record_cmp) and to digest entries that are equal.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
records(const uint8_t *buf, size_t len)
{
	struct srr_record *r = NULL, *r2 = NULL;
	const struct srr_record **pp;
	uint8_t *out = NULL;
	size_t n = 0, n2 = 0, olen = 0, i;
	int rc = srr_records_decode(buf, len, &r, &n);

	if ((srr_records_each(buf, len, NULL, NULL) == 0) != (rc == 0))
		abort();
	if (rc != 0)
		return;
	pp = calloc(n ? n : 1, sizeof(*pp));
	if (pp == NULL)
		abort();
	for (i = 0; i < n; i++)
		pp[i] = &r[i];
	if (srr_records_encode(pp, n, &out, &olen) != 0 ||
	    srr_records_decode(out, olen, &r2, &n2) != 0 || n2 != n)
		abort();
	for (i = 0; i < n; i++)
		if (srr_record_cmp(&r[i], &r2[i]) != 0)
			abort();
	free(pp);
	free(out);
	free(r);
	free(r2);
}

static void
digest(const uint8_t *buf, size_t len)
{
	struct srr_digest_entry *d = NULL, *d2 = NULL;
	uint8_t *out = NULL;
	size_t n = 0, n2 = 0, olen = 0, i;

	if (srr_digest_decode(buf, len, &d, &n) != 0)
		return;
	if (srr_digest_encode(d, n, &out, &olen) != 0 ||
	    srr_digest_decode(out, olen, &d2, &n2) != 0 || n2 != n)
		abort();
	for (i = 0; i < n; i++)
		if (!srr_op_id_eq(&d[i].id, &d2[i].id) ||
		    d[i].status != d2[i].status ||
		    d[i].attempts != d2[i].attempts ||
		    d[i].cl_attempts != d2[i].cl_attempts ||
		    d[i].updated_ms != d2[i].updated_ms ||
		    d[i].hash != d2[i].hash)
			abort();
	free(out);
	free(d);
	free(d2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		digest(data + 1, size - 1);
	else
		records(data + 1, size - 1);
	return 0;
}
