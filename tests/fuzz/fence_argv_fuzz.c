/*
 * fence_argv_fuzz.c: libFuzzer target for fence_srr's command line, what
 * stonith_admin, pcs or an operator passes it. The input is the
 * arguments after argv[0], separated by NUL bytes (at most 64).
 *
 * Built by `make -C tests fuzz` (clang; never part of make check):
 *   tests/fence_argv_fuzz -max_total_time=300 tests/fuzz/corpus/fence_argv
 *
 * Beyond "no crash, no leak": a refusal always says why, and what is
 * accepted always loads into a configuration or is refused with a reason.
 * Two parses in one process, as getopt keeps state between them (an
 * earlier version read the freed argv of the parse before: aaaf67c).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fence/fence_srr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static void
parse(char **argv, int argc)
{
	struct fence_opts o;
	struct fence_cfg c;
	char err[512] = "";
	int rc;

	fence_opts_init(&o);
	rc = fence_opts_parse_argv(&o, argc, argv, err, sizeof(err));
	if (rc < 0 && err[0] == '\0')
		abort();
	if (rc == 0) {
		rc = fence_cfg_load(&o, &c, err, sizeof(err));
		if (rc < 0 && err[0] == '\0')
			abort();
		fence_cfg_free(&c);
	}
	fence_opts_free(&o);
}

/* DATA split at its NULs into a fresh argv, parsed, freed. */
static void
split_and_parse(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 2], *p, *end;
	int argc = 0;

	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "fence_srr";
	for (p = buf, end = buf + size; p <= end && argc <= MAX_ARGS;
	     p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	parse(argv, argc);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* twice: nothing of the first parse's argv may be read again */
	split_and_parse(data, size);
	split_and_parse(data, size);
	return 0;
}
