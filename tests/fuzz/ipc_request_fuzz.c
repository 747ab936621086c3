/*
 * ipc_request_fuzz.c: libFuzzer target for what a local client sends srrd
 * over its IPC socket (srrctl, or anyone allowed in: root and the [ipc]
 * group). The input is the message as it comes off the ring: libqb's
 * request header, then the body. The first byte chooses how the header is
 * made:
 *   even  the rest is the body, behind a well-formed header (id and size
 *         right, a NUL added), so the JSON and the arguments get fuzzed;
 *   odd   the rest is the whole message, header included.
 * A request that decodes is answered as srrd would: a read from the fake
 * srrd's ledger (tests/unit/srrd_fake.c, real SQLite), a write parsed into
 * an srrd_request (never sent: a write acts only through the leader).
 *
 * Built by `make -C tests fuzz` (clang; never part of make check):
 *   tests/ipc_request_fuzz -max_total_time=300 CORPUS
 *
 * Beyond "no crash, no leak": a refusal always says why, with a negative
 * errno.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <qb/qbipc_common.h>

#include "agent/srrd.h"
#include "agent/srrd_ipc.h"
#include "tests/unit/srrd_fake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct srrd *d;

static void
setup(void)
{
	char dir[] = "/tmp/ipc_request_fuzz.XXXXXX";

	if (mkdtemp(dir) == NULL)
		abort();
	d = fake_srrd_new(NULL, dir, "daemon");
	if (d == NULL)
		abort();
}

static void
answer(const char *command, struct json_object *o)
{
	struct json_object *args = NULL, *out = NULL;
	struct srrd_request req;
	char err[256] = "";
	int rc;

	json_object_object_get_ex(o, "args", &args);
	if (srrd_ipc_is_write(command))
		rc = srrd_ipc_parse_request(d, command, args, &req, err,
					    sizeof(err));
	else
		rc = srrd_ipc_read_answer(d, command, args, &out, err,
					  sizeof(err));
	if (rc < 0 && err[0] == '\0')
		abort();		/* refused without a reason */
	if (rc > 0)
		abort();
	json_object_put(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qb_ipc_request_header h;
	struct json_object *o;
	const char *command;
	char err[256] = "";
	uint8_t *msg;
	size_t n;
	int rc = 0;

	if (size == 0)
		return 0;
	if (d == NULL)
		setup();
	if ((data[0] & 1) == 0) {
		n = sizeof(h) + size;	/* body, then a NUL */
		msg = malloc(n);
		if (msg == NULL)
			abort();
		h.id = SRRD_IPC_MSG_REQUEST;
		h.size = (int32_t)n;
		memcpy(msg, &h, sizeof(h));
		memcpy(msg + sizeof(h), data + 1, size - 1);
		msg[n - 1] = '\0';
	} else {
		n = size - 1;
		msg = malloc(n ? n : 1);
		if (msg == NULL)
			abort();
		memcpy(msg, data + 1, n);
	}
	o = srrd_ipc_request_decode(msg, n, &command, &rc, err, sizeof(err));
	if (o == NULL && (rc >= 0 || err[0] == '\0'))
		abort();		/* refused without a reason */
	if (o != NULL)
		answer(command, o);
	json_object_put(o);
	free(msg);
	return 0;
}
