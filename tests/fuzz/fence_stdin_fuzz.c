/*
 * fence_stdin_fuzz.c: libFuzzer target for fence_srr's stdin, the input
 * pacemaker-fenced (or anyone who can run the agent) writes (security).
 *
 * Built by `make -C tests fuzz` (clang only; not part of `make check`):
 *   mkdir corpus; printf 'action=off\nplug=lpar1\nip=h\n' > corpus/a
 *   tests/fence_stdin_fuzz -max_total_time=300 -max_len=70000 corpus
 *
 * Beyond "no crash, no leak": a refusal always says why, and what is
 * accepted always loads into a configuration or is refused with a reason.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "fence/fence_srr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fence_opts o;
	struct fence_cfg c;
	char err[512] = "";
	int rc;

	fence_opts_init(&o);
	rc = fence_opts_parse_stdin(&o, (const char *)data, size, err, sizeof(err));
	if (rc < 0 && err[0] == '\0')
		abort();
	if (rc == 0) {
		rc = fence_cfg_load(&o, &c, err, sizeof(err));
		if (rc < 0 && err[0] == '\0')
			abort();
		fence_cfg_free(&c);
	}
	fence_opts_free(&o);
	return 0;
}
