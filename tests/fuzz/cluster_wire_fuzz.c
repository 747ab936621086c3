/*
 * cluster_wire_fuzz.c: libFuzzer target for what a peer sends on the CPG
 * group: the message header (cw_decode) and the HELLO payload
 * (cw_hello_decode), both bounds-checked in cluster_wire.c.
 *
 * Built by `make -C tests fuzz`; `make fuzz-smoke` runs it briefly. The
 * first byte picks a whole message (even) or a HELLO payload alone (odd:
 * the fuzzer need not keep a header's length field in step with it).
 * Beyond "no crash, no read out of bounds": a header that decodes must
 * encode to the same 24 bytes and point its payload inside the input,
 * exactly `length` bytes long; a HELLO that decodes must encode to the
 * same bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
hello_round_trip(const uint8_t *p, size_t n)
{
	struct cw_hello hello;
	uint8_t hb[4 + CLUSTER_DIGEST_MAX];
	size_t m;

	if (cw_hello_decode(p, n, &hello) != CW_OK)
		return;
	if (hello.digest_len > CLUSTER_DIGEST_MAX)
		abort();
	m = cw_hello_encode(hb, sizeof(hb), &hello);
	if (m == 0 || m != n || memcmp(hb, p, m) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_hdr h;
	const uint8_t *p = NULL;
	uint8_t again[CW_HDR_LEN];
	int rc;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		hello_round_trip(data + 1, size - 1);
		return 0;
	}
	data++, size--;
	rc = cw_decode(data, size, &h, &p);
	if (rc != CW_OK && rc != CW_ERR_VERSION)
		return 0;
	if (rc == CW_OK) {
		if (p != data + CW_HDR_LEN || h.length != size - CW_HDR_LEN)
			abort();
		cw_encode_hdr(again, &h);
		if (memcmp(again, data, CW_HDR_LEN) != 0)
			abort();
	}
	/* a HELLO of any version is read (its layout is frozen) */
	if (h.type == CW_HELLO && size >= CW_HDR_LEN)
		hello_round_trip(data + CW_HDR_LEN, size - CW_HDR_LEN);
	return 0;
}
