/*
 * sim_input_fuzz.c: libFuzzer target for what reaches hmcsim from outside:
 * the command line a client sends over SSH (its word splitting, then the
 * read-only verbs' option parsing and output) and the topology file an
 * operator writes. The first byte chooses:
 *   even  the rest is a topology (or state) file, loaded into a fresh model;
 *   odd   the rest is a command line: split as bash would (a `...`
 *         substitution answers a fixed word, or fails when the line says
 *         so), then, if the first word is an ls verb, run on the seed
 *         estate (sim/topologies/seed.ini, loaded once).
 * Verbs that change the model (chsysstate, rrstartlpar ...) start timed
 * work on threads of the model and are left to sim_cmd_test.
 *
 * Built by `make -C tests fuzz` (clang; never part of make check):
 *   tests/sim_input_fuzz -max_total_time=300 tests/fuzz/corpus/sim_input
 *
 * Beyond "no crash, no leak": a refused line or topology always says why,
 * and a split line's words never hold a NUL the line did not.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static struct sim_model seed;
static bool seed_ok;

static int
subst(void *arg, const char *cmd, char **out)
{
	(void)arg;
	if (strstr(cmd, "fail") != NULL)
		return -EIO;
	*out = strdup("sub");
	return *out ? 0 : -ENOMEM;
}

static void
load_seed(void)
{
	const char *dir = getenv("SRCDIR");
	char path[1024], err[256];

	snprintf(path, sizeof(path), "%s/../sim/topologies/seed.ini",
		 dir ? dir : ".");
	if (sim_model_init(&seed) != 0 ||
	    sim_topo_load(&seed, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "sim_input_fuzz: cannot load %s (set SRCDIR "
			"to the tests/ source directory): %s\n", path, err);
		abort();
	}
	seed.time_scale = 0.0001;
	sim_faults_init();
	seed_ok = true;
}

static void
topology(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/sim_input_fuzz.XXXXXX", err[256] = "";
	struct sim_model m;
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (sim_model_init(&m) != 0)
		abort();
	if (sim_topo_load(&m, path, err, sizeof(err)) != 0 && err[0] == '\0')
		abort();		/* refused without a reason */
	sim_model_free(&m);
	unlink(path);
}

static void
command(const char *line)
{
	struct hmc_buf out = { 0 }, err = { 0 };
	struct sim_ctx c = { .m = &seed, .out = &out, .err = &err,
			     .user = "hscroot" };
	char **argv = NULL;
	int n, i;

	n = sim_words_split(line, subst, NULL, &argv);
	if (n >= 0) {
		for (i = 0; i < n; i++)
			if (argv[i] == NULL)
				abort();
		if (argv[n] != NULL)
			abort();
		sim_words_free(argv);
	}
	/* the ls verbs only: they change nothing */
	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, "ls", 2) != 0)
		return;
	if (!seed_ok)
		load_seed();
	if (sim_cmd_run(&c, line) != 0 && err.len == 0 && out.len == 0)
		abort();		/* failed without a word */
	hmc_buf_free(&out);
	hmc_buf_free(&err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line;

	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0) {
		topology(data + 1, size - 1);
		return 0;
	}
	line = malloc(size);
	if (line == NULL)
		abort();
	memcpy(line, data + 1, size - 1);
	line[size - 1] = '\0';
	command(line);
	free(line);
	return 0;
}
