/*
 * sim_cmd.c: the command dispatcher: words, faults, the verb table, and
 * the option parsing and error helpers every handler shares.
 *
 * Like the HMC: results and HSCL errors on stdout, exit 1 on error;
 * shell-level errors (unknown command, syntax the restricted shell refuses)
 * on stderr as bash prints them.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

#define SUBST_DEPTH_MAX 2

typedef int (*sim_handler)(struct sim_ctx *c, int argc, char **argv);

static const struct {
	const char *verb;
	sim_handler fn;
} verbs[] = {
	{ "lssyscfg", sim_cmd_lssyscfg },
	{ "lshwres", sim_cmd_lshwres },
	{ "lslic", sim_cmd_lslic },
	{ "lscomgmt", sim_cmd_lscomgmt },
	{ "chsysstate", sim_cmd_chsysstate },
	{ "chsyscfg", sim_cmd_chsyscfg },
	{ "migrlpar", sim_cmd_migrlpar },
	{ "rrstartlpar", sim_cmd_rrstartlpar },
};

int
sim_err(struct sim_ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n >= 0) {
		hmc_buf_append(c->out, s, (size_t)n);
		hmc_buf_append(c->out, "\n", 1);
		free(s);
	}
	return 1;
}

int
sim_opts_parse(struct sim_ctx *c, int argc, char **argv, struct sim_opt *opts,
	       size_t nopts)
{
	int i;
	size_t j;

	for (j = 0; j < nopts; j++)
		opts[j].val = NULL;
	for (i = 1; i < argc; i++) {
		for (j = 0; j < nopts; j++)
			if (strcmp(argv[i], opts[j].name) == 0)
				break;
		if (j == nopts)
			return sim_err(c, "HSCL350B The parameter %s is not "
				       "valid for the %s command.", argv[i], argv[0]);
		if (!opts[j].has_arg) {
			opts[j].val = "";
			continue;
		}
		if (i + 1 >= argc)
			return sim_err(c, "HSCL350B The parameter %s requires "
				       "a value.", argv[i]);
		opts[j].val = argv[++i];
	}
	return 0;
}

const char *
sim_opt(const struct sim_opt *opts, size_t nopts, const char *name)
{
	size_t j;

	for (j = 0; j < nopts; j++)
		if (strcmp(opts[j].name, name) == 0)
			return opts[j].val;
	return NULL;
}

int
sim_need_sys(struct sim_ctx *c, const char *name, struct sim_sys **s)
{
	if (name == NULL)
		return sim_err(c, "HSCL350B The managed system (-m) is required.");
	*s = sim_sys_find(c->m, name);
	if (*s == NULL)
		return sim_err(c, "HSCL8018 The managed system %s was not found.",
			       name);
	return 0;
}

int
sim_need_lpar(struct sim_ctx *c, struct sim_sys *s, const char *name,
	      const char *id, struct sim_lpar **l)
{
	unsigned int n;

	*l = NULL;
	if (name != NULL)
		*l = sim_lpar_find(s, name);
	else if (id != NULL && sim_parse_uint(id, 100000, &n) == 0)
		*l = sim_lpar_find_id(s, n);
	else if (id != NULL)
		return sim_err(c, "HSCL350B The partition ID %s is not valid.", id);
	else
		return sim_err(c, "HSCL350B The partition (-p, -n or --id) "
			       "is required.");
	if (*l == NULL)
		return sim_err(c, "HSCL8012 The partition %s was not found on "
			       "the managed system %s.", name ? name : id, s->name);
	return 0;
}

/* `...` inside a command line: run it as its own command. */
static int
subst_run(void *arg, const char *cmd, char **out)
{
	struct sim_ctx *parent = arg, c = *parent;
	struct hmc_buf o = { 0 }, e = { 0 };

	if (parent->depth >= SUBST_DEPTH_MAX)
		return -ELOOP;
	c.out = &o;
	c.err = &e;
	c.depth = parent->depth + 1;
	sim_cmd_run(&c, cmd);
	hmc_buf_append(parent->err, e.s ? e.s : "", e.len);
	hmc_buf_free(&e);
	if (hmc_buf_append(&o, "", 0) != 0) {
		hmc_buf_free(&o);
		return -ENOMEM;
	}
	*out = o.s;
	return 0;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Apply the faults that change how the command answers. Returns -1 to go
 * on with the command, or the exit status to answer with. slow and huge
 * stay in c->hit for the writer of the output (sim_ssh.c). */
static int
apply_faults(struct sim_ctx *c, char **argv)
{
	struct sim_fault_hit *h = &c->hit;

	sim_fault_match(argv[0], argv, h);
	snprintf(c->fault, sizeof(c->fault), "%s%s%s%s%s%s%s%s",
		 h->latency ? "latency " : "", h->hang ? "hang " : "",
		 h->fail ? "fail " : "", h->drop ? "drop " : "",
		 h->garbage ? "garbage " : "", h->rr_fail ? "rr-fail " : "",
		 h->slow ? "slow " : "", h->huge ? "huge " : "");
	if (h->latency)
		sleep_ms(h->latency_ms);
	if (h->hang) {
		while (sim_fault_hang_active(argv[0], argv) &&
		       (c->alive == NULL || c->alive(c->alive_arg)))
			sleep_ms(50);
		c->dropped = true;	/* a hung command never answers */
		return 255;
	}
	if (h->drop) {
		c->dropped = true;
		return 255;
	}
	if (h->fail)
		return sim_err(c, "%s The operation failed (injected fault).",
			       h->code);
	if (h->garbage) {
		hmc_buf_printf(c->out, "\x01\x02name=\"unterminated,\xff\xfe"
			       "state=,,\"\"\"\n%s\n", "#~GARBAGE~#");
		return 0;
	}
	return -1;
}

static int
dispatch(struct sim_ctx *c, int argc, char **argv)
{
	size_t i;
	int rc;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(argv[0], verbs[i].verb) != 0)
			continue;
		rc = apply_faults(c, argv);
		if (rc >= 0)
			return rc;
		pthread_mutex_lock(&c->m->lock);
		sim_tick(c->m);
		rc = verbs[i].fn(c, argc, argv);
		pthread_mutex_unlock(&c->m->lock);
		return rc;
	}
	hmc_buf_printf(c->err, "-rbash: %s: command not found\n", argv[0]);
	return 127;
}

int
sim_cmd_run(struct sim_ctx *c, const char *line)
{
	char **argv = NULL;
	int argc, rc;

	c->fault[0] = '\0';
	argc = sim_words_split(line, subst_run, c, &argv);
	if (argc == -EPERM) {
		hmc_buf_printf(c->err, "-rbash: restricted: this shell "
			       "accepts one command, without ; | & < > $( )\n");
		return 1;
	}
	if (argc == -EINVAL) {
		hmc_buf_printf(c->err, "-rbash: unexpected EOF while looking "
			       "for matching quote\n");
		return 2;
	}
	if (argc < 0) {
		hmc_buf_printf(c->err, "-rbash: cannot read the command line: %s\n",
			       strerror(-argc));
		return 2;
	}
	rc = argc == 0 ? 0 : dispatch(c, argc, argv);
	sim_words_free(argv);
	return rc;
}
