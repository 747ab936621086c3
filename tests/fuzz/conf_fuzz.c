/*
 * conf_fuzz.c: libFuzzer target for srrd's configuration reader, the one
 * file an operator (or a careless edit) feeds srrd (security).
 *
 * Built by `make -C tests fuzz` (clang only; not part of `make check`).
 * It makes /tmp/srrconf-fuzz with the files the golden files name (keys
 * 0600, known_hosts, agents executable). A corpus from the golden files:
 *   mkdir corpus; for f in $(find $SRCDIR/fixtures/conf -name '*.conf'); do
 *     sed 's|@DIR@|/tmp/srrconf-fuzz|g' "$f" > corpus/$(basename "$f"); done
 *   tests/conf_fuzz -max_total_time=300 -max_len=8192 corpus
 *
 * Beyond "no crash, no leak": a refusal always names the file and says
 * why, and an accepted file prints a configuration that reads back and
 * prints the same (the canonical print is a fixed point).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/srrd_conf_int.h"

#define FUZZ_DIR "/tmp/srrconf-fuzz"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
make_file(const char *name, mode_t mode)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), FUZZ_DIR "/%s", name);
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	fputs("#!/bin/sh\n", f);
	fclose(f);
	if (chmod(path, mode) != 0)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct { const char *name; mode_t mode; } files[] = {
		{ "id", 0600 }, { "id2", 0400 }, { "id_rsa", 0600 },
		{ "known_hosts", 0644 }, { "known_hosts2", 0600 },
		{ "alert.sh", 0755 }, { "alert2.sh", 0700 },
	};
	size_t i;

	mkdir(FUZZ_DIR, 0700);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		make_file(files[i].name, files[i].mode);
	return 0;
}

static char *
print(const struct srrd_conf *c, size_t *len)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);

	if (m == NULL || conf_print(c, m, true) != 0)
		abort();
	fclose(m);
	return buf;
}

/* The print reads back, and prints the same. */
static void
fixed_point(const struct srrd_conf *c)
{
	struct srrd_conf back;
	char err[SRRD_ERR_LEN];
	size_t l1, l2;
	char *p1 = print(c, &l1), *p2;
	FILE *f = fmemopen(p1, l1, "r");

	if (f == NULL || conf_load_fp(f, "print", &back, err, sizeof(err)) != 0)
		abort();
	fclose(f);
	p2 = print(&back, &l2);
	if (l1 != l2 || memcmp(p1, p2, l1) != 0)
		abort();
	free(p1);
	free(p2);
	srrd_conf_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srrd_conf c;
	char err[SRRD_ERR_LEN] = "";
	uint8_t d[SRRD_DIGEST_LEN];
	FILE *f;
	int rc;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (f == NULL)
		return 0;
	rc = conf_load_fp(f, "fuzz.conf", &c, err, sizeof(err));
	fclose(f);
	if (rc < 0) {
		if (strncmp(err, "fuzz.conf", 9) != 0 || strlen(err) < 12)
			abort();
		return 0;
	}
	if (srrd_conf_digest(&c, d) != 0)
		abort();
	fixed_point(&c);
	srrd_conf_free(&c);
	return 0;
}
