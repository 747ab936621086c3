/*
 * sim_topo.c: the topology file (INI, read with inih) and the state file,
 * which is the same format written back, so a saved state is a topology.
 *
 *   [hmc]                     global settings (durations, time scale, ...)
 *   [system NAME]             one managed system
 *   [lpar SYSTEM/NAME]        one partition of a system defined above
 *
 * Every value is checked strictly; the first bad line stops the load with
 * its line number and the reason. The format is documented in hmcsim(8).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sim.h"

/* libinih cuts a section name at 49 characters and a line at 199, and
 * says nothing: a longer "[lpar SYSTEM/NAME]" would silently define
 * another partition. So the lines go through topo_reader(), which keeps
 * each section header whole (names up to SIM_NAME_MAX bytes, as an HMC
 * may hold) and hands inih a short stand-in; any other line too long for
 * inih is refused. */
#define TOPO_LINE_MAX		198

struct topo_ctx {
	struct sim_model *m;
	FILE *fp;
	char *line;			/* getline()'s buffer */
	size_t linecap;
	int lineno;
	int bad_line;			/* first line refused by the reader */
	unsigned int header;		/* section headers read so far */
	unsigned int header_seen;	/* the one the handler is in */
	char section[2 * SIM_NAME_MAX + 16];
	struct sim_sys *sys;
	struct sim_lpar *lpar;
	char err[256];
};

static int
parse_bool(const char *v, bool *b)
{
	if (strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0 ||
	    strcasecmp(v, "true") == 0)
		*b = true;
	else if (strcmp(v, "0") == 0 || strcasecmp(v, "no") == 0 ||
		 strcasecmp(v, "false") == 0)
		*b = false;
	else
		return -EINVAL;
	return 0;
}

static int
parse_seconds(const char *v, double *d)
{
	char *end;

	errno = 0;
	*d = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || *d < 0 || *d > 86400)
		return -EINVAL;
	return 0;
}

static const struct {
	const char *key;
	size_t off;
} timing_keys[] = {
	{ "validate_s", offsetof(struct sim_timing, validate) },
	{ "restart_s", offsetof(struct sim_timing, restart) },
	{ "cleanup_s", offsetof(struct sim_timing, cleanup) },
	{ "sys_off_s", offsetof(struct sim_timing, sys_off) },
	{ "sys_off_immed_s", offsetof(struct sim_timing, sys_off_immed) },
	{ "sys_on_s", offsetof(struct sim_timing, sys_on) },
	{ "lpar_start_s", offsetof(struct sim_timing, lpar_start) },
	{ "lpar_shutdown_s", offsetof(struct sim_timing, lpar_shutdown) },
	{ "lpar_shutdown_immed_s", offsetof(struct sim_timing, lpar_shutdown_immed) },
};

/* "during" (the destination copy shows from the start of a restart) or
 * "end" (only once it is done). */
static int
parse_dest_shown(const char *v, bool *late)
{
	if (strcmp(v, "during") != 0 && strcmp(v, "end") != 0)
		return -EINVAL;
	*late = strcmp(v, "end") == 0;
	return 0;
}

static int
hmc_key(struct topo_ctx *x, const char *k, const char *v)
{
	struct sim_model *m = x->m;
	size_t i;

	for (i = 0; i < sizeof(timing_keys) / sizeof(timing_keys[0]); i++)
		if (strcmp(k, timing_keys[i].key) == 0)
			return parse_seconds(v, (double *)((char *)&m->t +
							   timing_keys[i].off));
	if (strcmp(k, "time_scale") == 0) {
		if (parse_seconds(v, &m->time_scale) != 0 || m->time_scale <= 0)
			return -EINVAL;
		return 0;
	}
	if (strcmp(k, "auto_cleanup") == 0)
		return parse_bool(v, &m->auto_cleanup);
	if (strcmp(k, "rr_limit") == 0)
		return sim_parse_uint(v, 1000, &m->rr_limit_default);
	if (strcmp(k, "rr_dest_shown") == 0)
		return parse_dest_shown(v, &m->rr_dest_late);
	if (strcmp(k, "name") == 0) {
		if (hmc_name_check(v) != 0 || strlen(v) >= sizeof(m->hmc_name))
			return -EINVAL;
		snprintf(m->hmc_name, sizeof(m->hmc_name), "%s", v);
		return 0;
	}
	return -ENOENT;
}

static int
copy_word(char *dst, size_t len, const char *v)
{
	if (hmc_name_check(v) != 0 || strlen(v) >= len)
		return -EINVAL;
	snprintf(dst, len, "%s", v);
	return 0;
}

static int
sys_firmware(struct sim_sys *s, const char *v)
{
	char buf[80], *a, *b;

	if (strlen(v) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", v);
	a = strchr(buf, ',');
	b = a ? strchr(a + 1, ',') : NULL;
	if (a == NULL || b == NULL)
		return -EINVAL;
	*a++ = '\0';
	*b++ = '\0';
	if (copy_word(s->fw_spname, sizeof(s->fw_spname), buf) != 0 ||
	    copy_word(s->fw_level, sizeof(s->fw_level), a) != 0 ||
	    copy_word(s->fw_ec, sizeof(s->fw_ec), b) != 0)
		return -EINVAL;
	return 0;
}

/* An IPv4 or IPv6 address, as the HMC lists a service processor's. */
static int
parse_ipaddr(const char *v, char *dst, size_t len)
{
	unsigned char bin[sizeof(struct in6_addr)];

	if (strlen(v) >= len || (inet_pton(AF_INET, v, bin) != 1 &&
				 inet_pton(AF_INET6, v, bin) != 1))
		return -EINVAL;
	snprintf(dst, len, "%s", v);
	return 0;
}

static int
sys_key(struct topo_ctx *x, const char *k, const char *v)
{
	struct sim_sys *s = x->sys;
	enum hmc_sys_state st;

	if (strcmp(k, "type_model") == 0)
		return copy_word(s->type_model, sizeof(s->type_model), v);
	if (strcmp(k, "serial") == 0)
		return copy_word(s->serial, sizeof(s->serial), v);
	if (strcmp(k, "ipaddr") == 0)
		return parse_ipaddr(v, s->ipaddr, sizeof(s->ipaddr));
	if (strcmp(k, "state") == 0) {
		st = hmc_sys_state_parse(v);
		if (st == HMC_SYS_UNKNOWN)
			return -EINVAL;
		s->state = st;
		return 0;
	}
	if (strcmp(k, "srr_capable") == 0)
		return parse_bool(v, &s->srr);
	if (strcmp(k, "firmware") == 0)
		return sys_firmware(s, v);
	if (strcmp(k, "mem_mb") == 0)
		return sim_parse_uint(v, 64u * 1024 * 1024, &s->mem_mb);
	if (strcmp(k, "proc_units") == 0)
		return sim_parse_pu(v, &s->pu);
	if (strcmp(k, "rr_limit") == 0)
		return sim_parse_uint(v, 1000, &s->rr_limit);
	return -ENOENT;
}

static int
lpar_key(struct topo_ctx *x, const char *k, const char *v)
{
	struct sim_lpar *l = x->lpar;
	unsigned int id;

	if (strcmp(k, "id") == 0) {
		if (sim_parse_uint(v, 1000, &id) != 0 || id == 0)
			return -EINVAL;
		if (sim_lpar_find_id(x->sys, id) != NULL &&
		    sim_lpar_find_id(x->sys, id) != l)
			return -EEXIST;
		l->id = id;
		return 0;
	}
	if (strcmp(k, "env") == 0) {
		if (strcmp(v, "vioserver") != 0 && strcmp(v, "aixlinux") != 0)
			return -EINVAL;
		l->vios = strcmp(v, "vioserver") == 0;
		return 0;
	}
	if (strcmp(k, "state") == 0) {
		l->state = hmc_lpar_state_parse(v);
		return l->state == HMC_LPAR_UNKNOWN ? -EINVAL : 0;
	}
	if (strcmp(k, "srr_capable") == 0) {
		if (parse_bool(v, &l->srr) != 0)
			return -EINVAL;
		l->rrs = l->srr ? HMC_RRS_REMOTE_RESTARTABLE : HMC_RRS_INVALID;
		return 0;
	}
	if (strcmp(k, "rr_capable") == 0)
		return parse_bool(v, &l->rr_classic);
	if (strcmp(k, "mem_mb") == 0)
		return sim_parse_uint(v, 16u * 1024 * 1024, &l->mem_mb);
	if (strcmp(k, "proc_units") == 0)
		return sim_parse_pu(v, &l->pu);
	if (strcmp(k, "procs") == 0)
		return sim_parse_uint(v, 256, &l->procs);
	if (strcmp(k, "profile") == 0)
		return copy_word(l->profile, sizeof(l->profile), v);
	if (strcmp(k, "rr_status") == 0) {
		l->rrs = hmc_rr_status_parse(v);
		return l->rrs == HMC_RRS_UNKNOWN ? -EINVAL : 0;
	}
	return -ENOENT;
}

/* A new section: create its object. */
static int
topo_section(struct topo_ctx *x, const char *section)
{
	char buf[sizeof(x->section)], *slash;
	int rc;

	x->sys = NULL;
	x->lpar = NULL;
	if (strcmp(section, "hmc") == 0)
		return 0;
	if (strncmp(section, "system ", 7) == 0) {
		if (strchr(section + 7, '/') != NULL)
			return -EINVAL;
		return sim_sys_add(x->m, section + 7, &x->sys);
	}
	if (strncmp(section, "lpar ", 5) != 0)
		return -ENOENT;
	snprintf(buf, sizeof(buf), "%s", section + 5);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return -EINVAL;
	*slash = '\0';
	x->sys = sim_sys_find(x->m, buf);
	if (x->sys == NULL) {
		snprintf(x->err, sizeof(x->err),
			 "system %.200s is not defined above", buf);
		return -ENOENT;
	}
	rc = sim_lpar_add(x->sys, slash + 1, &x->lpar);
	return rc;
}

/* Can the dump ("key = VALUE") be read back as VALUE? The INI reader takes
 * ';' after a blank for a comment, and "= ;x" is one. */
static bool
value_saveable(const char *v)
{
	const char *p;

	if (v[0] == ';' || v[0] == '#')
		return false;
	for (p = v; (p = strpbrk(p, ";#")) != NULL; p++)
		if (p > v && (p[-1] == ' ' || p[-1] == '\t'))
			return false;
	return true;
}

static int
topo_handler(void *user, const char *section, const char *name,
	     const char *value)
{
	struct topo_ctx *x = user;
	int rc = 0;

	section = x->section;	/* inih's is the reader's stand-in */
	if (x->header != x->header_seen) {
		x->header_seen = x->header;
		rc = topo_section(x, section);
		if (rc != 0) {
			if (x->err[0] == '\0')
				snprintf(x->err, sizeof(x->err),
					 "section [%.200s]: %s", section,
					 rc == -EEXIST ? "defined twice" :
					 rc == -ENOSPC ? "too many" :
					 "not a valid section");
			return 0;
		}
	}
	if (!value_saveable(value)) {
		snprintf(x->err, sizeof(x->err), "[%.60s] %.30s = %.40s: a "
			 "state file could not hold it (';' or '#' first or "
			 "after a blank reads as a comment)", section, name,
			 value);
		return 0;
	}
	if (strcmp(section, "hmc") == 0)
		rc = hmc_key(x, name, value);
	else if (x->lpar != NULL)
		rc = lpar_key(x, name, value);
	else if (x->sys != NULL)
		rc = sys_key(x, name, value);
	if (rc != 0) {
		snprintf(x->err, sizeof(x->err), "[%.100s] %.40s = %.60s: %s", section,
			 name, value, rc == -ENOENT ? "unknown key" :
			 rc == -EEXIST ? "id already taken" : "invalid value");
		return 0;
	}
	return 1;
}

/* inih's line reader: a section header is kept whole in X->section and
 * inih gets "[s]"; a line inih would cut, or one holding a NUL byte, is
 * refused (X->bad_line) and inih gets an empty line. */
static char *
topo_reader(char *buf, int num, void *stream)
{
	struct topo_ctx *x = stream;
	ssize_t n;
	char *p, *end;

	n = getline(&x->line, &x->linecap, x->fp);
	if (n < 0)
		return NULL;
	x->lineno++;
	if (n > 0 && x->line[n - 1] == '\n')
		x->line[--n] = '\0';
	if (strlen(x->line) != (size_t)n) {	/* a NUL byte would cut it */
		if (x->bad_line == 0)
			x->bad_line = x->lineno;
		snprintf(buf, (size_t)num, "\n");
		return buf;
	}
	/* where inih would see a header: after a BOM (line 1) and blanks */
	p = x->line;
	if (x->lineno == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	p += strspn(p, " \t");
	if (*p == '[' && (end = strchr(p, ']')) != NULL) {
		if ((size_t)(end - p - 1) >= sizeof(x->section)) {
			if (x->bad_line == 0)
				x->bad_line = x->lineno;
			snprintf(buf, (size_t)num, "\n");
			return buf;
		}
		snprintf(x->section, sizeof(x->section), "%.*s",
			 (int)(end - p - 1), p + 1);
		x->header++;
		snprintf(buf, (size_t)num, "[s]\n");
		return buf;
	}
	if (n > TOPO_LINE_MAX || n + 2 > num) {
		if (x->bad_line == 0)
			x->bad_line = x->lineno;
		snprintf(buf, (size_t)num, "\n");
		return buf;
	}
	snprintf(buf, (size_t)num, "%s\n", x->line);
	return buf;
}

int
sim_topo_load(struct sim_model *m, const char *path, char *err, size_t errlen)
{
	struct topo_ctx x;
	size_t i;
	int line;

	memset(&x, 0, sizeof(x));
	x.m = m;
	x.fp = fopen(path, "re");
	if (x.fp == NULL) {
		snprintf(err, errlen, "%s: cannot read", path);
		return -ENOENT;
	}
	line = ini_parse_stream(topo_reader, &x, topo_handler, &x);
	fclose(x.fp);
	free(x.line);
	if (x.bad_line != 0 && (line == 0 || x.bad_line < line)) {
		snprintf(err, errlen, "%.200s:%d: a NUL byte, a line longer "
			 "than %d bytes, or a section name longer than %d", path,
			 x.bad_line, TOPO_LINE_MAX, (int)sizeof(x.section) - 1);
		return -EINVAL;
	}
	if (line > 0) {
		snprintf(err, errlen, "%.200s:%d: %s", path, line,
			 x.err[0] ? x.err : "syntax error");
		return -EINVAL;
	}
	for (i = 0; i < m->nsys; i++)
		if (m->sys[i]->rr_limit == 0)
			m->sys[i]->rr_limit = m->rr_limit_default;
	return 0;
}

static int
dump_hmc(struct sim_model *m, struct hmc_buf *b)
{
	size_t i;
	int rc;

	rc = hmc_buf_printf(b, "[hmc]\nname = %s\ntime_scale = %g\n"
			    "auto_cleanup = %d\nrr_limit = %u\nrr_dest_shown = %s\n",
			    m->hmc_name, m->time_scale, m->auto_cleanup,
			    m->rr_limit_default, m->rr_dest_late ? "end" : "during");
	for (i = 0; rc == 0 && i < sizeof(timing_keys) / sizeof(timing_keys[0]); i++)
		rc = hmc_buf_printf(b, "%s = %g\n", timing_keys[i].key,
				    *(double *)((char *)&m->t + timing_keys[i].off));
	return rc;
}

static int
dump_lpar(const struct sim_sys *s, const struct sim_lpar *l, struct hmc_buf *b)
{
	char pu[16];
	enum hmc_lpar_state st = l->next_state ? l->next_state : l->state;

	sim_fmt_pu(l->pu, pu, sizeof(pu));
	return hmc_buf_printf(b, "\n[lpar %s/%s]\nid = %u\nenv = %s\n"
			      "state = %s\nsrr_capable = %d\nrr_capable = %d\n"
			      "mem_mb = %u\nproc_units = %s\nprocs = %u\n"
			      "profile = %s\nrr_status = %s\n", s->name, l->name,
			      l->id, l->vios ? "vioserver" : "aixlinux",
			      hmc_lpar_state_name(st), l->srr, l->rr_classic, l->mem_mb, pu,
			      l->procs, l->profile, hmc_rr_status_name(l->rrs));
}

static int
dump_sys(const struct sim_sys *s, struct hmc_buf *b)
{
	char pu[16];
	enum hmc_sys_state st = s->next_state ? s->next_state : s->state;
	size_t i;
	int rc;

	sim_fmt_pu(s->pu, pu, sizeof(pu));
	rc = hmc_buf_printf(b, "\n[system %s]\ntype_model = %s\nserial = %s\n"
			    "ipaddr = %s\n"
			    "state = %s\nsrr_capable = %d\nfirmware = %s,%s,%s\n"
			    "mem_mb = %u\nproc_units = %s\nrr_limit = %u\n",
			    s->name, s->type_model, s->serial, s->ipaddr,
			    hmc_sys_state_name(st), s->srr, s->fw_spname,
			    s->fw_level, s->fw_ec, s->mem_mb, pu, s->rr_limit);
	for (i = 0; rc == 0 && i < s->nlpars; i++)
		rc = dump_lpar(s, s->lpars[i], b);
	return rc;
}

int
sim_topo_dump(struct sim_model *m, struct hmc_buf *b)
{
	size_t i;
	int rc = dump_hmc(m, b);

	for (i = 0; rc == 0 && i < m->nsys; i++)
		rc = dump_sys(m->sys[i], b);
	return rc;
}

int
sim_topo_save(struct sim_model *m, const char *path)
{
	struct hmc_buf b = { 0 };
	char tmp[4096];
	FILE *f;
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	rc = sim_topo_dump(m, &b);
	if (rc != 0)
		goto out;
	f = fopen(tmp, "w");
	if (f == NULL) {
		rc = -errno;
		goto out;
	}
	if (fwrite(b.s, 1, b.len, f) != b.len || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0) {
		rc = -EIO;
		fclose(f);
		unlink(tmp);
		goto out;
	}
	fclose(f);
	if (rename(tmp, path) != 0)
		rc = -errno;
out:
	hmc_buf_free(&b);
	return rc;
}
