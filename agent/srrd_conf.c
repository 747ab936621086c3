/*
 * srrd_conf.c: reading srrha.conf with inih, strictly.
 *
 * inih (Debian's libinih) is driven through a line reader of our own. The
 * reader counts lines, so every error names the line it is on (the library
 * is built without line numbers for the handler); it refuses a line longer
 * than the library's buffer, which would otherwise be read as two lines; and
 * it takes section headers itself, in full, since the library cuts a
 * section name at 49 bytes ([lpar SYSTEM/PARTITION] names are longer) and
 * never reports a section that holds no key.
 *
 * The first error wins; everything after it is still read but not used, and
 * a failed load leaves the caller's configuration empty.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hmc/hmc.h"
#include "agent/srrd_conf_int.h"

#define UNKNOWN_SECTION "unknown section (the sections: cluster, hmc NAME, " \
	"system NAME, lpar SYSTEM/PARTITION, policy, alert NAME, store, ipc)"

/* inih's MAX_NAME is 50: a key of 49 bytes or more may have been cut. */
#define INIH_NAME_MAX	49

void
conf_fail(struct conf_ctx *x, int line, const char *fmt, ...)
{
	va_list ap;

	if (x->err_line != 0 || (x->err[0] != '\0'))
		return;
	x->err_line = line > 0 ? line : -1;
	va_start(ap, fmt);
	vsnprintf(x->err, sizeof(x->err), fmt, ap);
	va_end(ap);
}

void
conf_key_fail(struct conf_ctx *x, const char *key, const char *why)
{
	conf_fail(x, x->line, "[%.200s] %.60s: %s", x->sect, key, why);
}

/* ------------------------------------------------------------ sections */

static const struct {
	const char *word;
	enum conf_kind kind;
	bool named;
} sect_words[] = {
	{ "cluster", CONF_CLUSTER, false },
	{ "policy", CONF_POLICY, false },
	{ "store", CONF_STORE, false },
	{ "ipc", CONF_IPC, false },
	{ "hmc", CONF_HMC, true },
	{ "system", CONF_SYSTEM, true },
	{ "lpar", CONF_LPAR, true },
	{ "alert", CONF_ALERT, true },
};

static int
sect_fail(struct conf_ctx *x, const char *why)
{
	conf_fail(x, x->line, "[%.200s]: %s", x->sect, why);
	x->kind = CONF_NONE;
	return -EINVAL;
}

static int
repeated(struct conf_ctx *x, int first)
{
	char why[64];

	snprintf(why, sizeof(why), "section repeated (first on line %d)", first);
	return sect_fail(x, why);
}

static int
too_many(struct conf_ctx *x, const char *what, int max)
{
	char why[80];

	snprintf(why, sizeof(why), "too many [%s] sections (at most %d)", what,
		 max);
	return sect_fail(x, why);
}

/* A system or partition name: what the HMC builder takes, and no blank at
 * either end (one would be invisible in the file). A system name holds no
 * '/', which ends it in [lpar SYSTEM/PARTITION]. */
static int
name_ok(struct conf_ctx *x, const char *name, const char *what, bool slash)
{
	char why[128];
	size_t n = strlen(name);
	int rc = hmc_name_check(name);

	if (rc == -ENAMETOOLONG) {
		snprintf(why, sizeof(why), "%s name longer than %d bytes", what,
			 HMC_NAME_MAX);
		return sect_fail(x, why);
	}
	if (rc < 0 || (!slash && strchr(name, '/') != NULL) ||
	    name[0] == ' ' || name[0] == '\t' || name[n - 1] == ' ' ||
	    name[n - 1] == '\t') {
		snprintf(why, sizeof(why), "bad %s name (empty, a control "
			 "character, %sor blanks at either end)", what,
			 slash ? "" : "a '/', ");
		return sect_fail(x, why);
	}
	return 0;
}

/* An [hmc] or [alert] name: a label, not taken yet (NAMES, N of them,
 * STRIDE bytes apart, from LINES), and room for one more. */
static int
label_sect(struct conf_ctx *x, const char *name, const char *names,
	   size_t stride, const int *lines, int n, int max, const char *what)
{
	const char *why;
	int i;

	if (conf_label_check(name, SRRD_LABEL_LEN, &why) < 0)
		return sect_fail(x, why);
	for (i = 0; i < n; i++)
		if (strcmp(names + (size_t)i * stride, name) == 0)
			return repeated(x, lines[i]);
	return n == max ? too_many(x, what, max) : 0;
}

static int
sect_hmc(struct conf_ctx *x, const char *name)
{
	struct srrd_conf *c = x->c;

	if (label_sect(x, name, c->hmc[0].name, sizeof(c->hmc[0]),
		       x->hmc_line, c->nhmc, SRR_MAX_HMC, "hmc") < 0)
		return -EINVAL;
	x->idx = c->nhmc++;
	conf_hmc_defaults(&c->hmc[x->idx]);
	strcpy(c->hmc[x->idx].name, name);
	x->hmc_line[x->idx] = x->line;
	return 0;
}

static int
sect_system(struct conf_ctx *x, const char *name)
{
	struct srrd_conf *c = x->c;

	if (name_ok(x, name, "system", false) < 0)
		return -EINVAL;
	if (srrd_conf_sys_index(c, name) >= 0)
		return repeated(x, x->sp[srrd_conf_sys_index(c, name)].line);
	if (c->nsys == SRR_MAX_SYS)
		return too_many(x, "system", SRR_MAX_SYS);
	x->idx = c->nsys++;
	conf_sys_defaults(&c->sys[x->idx]);
	strcpy(c->sys[x->idx].name, name);
	x->sp[x->idx].line = x->line;
	return 0;
}

static int
lpar_grow(struct conf_ctx *x)
{
	struct srrd_conf *c = x->c;
	size_t cap = x->caplpar ? x->caplpar * 2 : 64;
	struct srrd_lpar_conf *l;
	struct conf_lpar_pend *p;

	l = realloc(c->lpar, cap * sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	c->lpar = l;
	p = realloc(x->lp, cap * sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	x->lp = p;
	x->caplpar = cap;
	return 0;
}

static int
sect_lpar(struct conf_ctx *x, char *name)
{
	struct srrd_conf *c = x->c;
	struct srrd_lpar_conf *l;
	char *slash = strchr(name, '/');

	if (slash == NULL)
		return sect_fail(x, "want [lpar SYSTEM/PARTITION]");
	*slash = '\0';
	if (name_ok(x, name, "system", false) < 0 ||
	    name_ok(x, slash + 1, "partition", true) < 0)
		return -EINVAL;
	if (c->nlpar == CONF_MAX_LPARS)
		return too_many(x, "lpar", CONF_MAX_LPARS);
	if (c->nlpar == x->caplpar && lpar_grow(x) < 0)
		return sect_fail(x, "out of memory");
	x->idx = (int)c->nlpar++;
	l = &c->lpar[x->idx];
	memset(l, 0, sizeof(*l));
	memset(&x->lp[x->idx], 0, sizeof(x->lp[0]));
	l->sys = -1;
	l->pin = -1;
	strcpy(l->name, slash + 1);
	strcpy(x->lp[x->idx].sys, name);
	x->lp[x->idx].line = x->line;
	return 0;
}

static int
sect_alert(struct conf_ctx *x, const char *name)
{
	struct srrd_conf *c = x->c;

	if (label_sect(x, name, c->alert[0].name, sizeof(c->alert[0]),
		       x->alert_line, c->nalert, SRRD_MAX_ALERTS, "alert") < 0)
		return -EINVAL;
	x->idx = c->nalert++;
	conf_alert_defaults(&c->alert[x->idx]);
	strcpy(c->alert[x->idx].name, name);
	x->alert_line[x->idx] = x->line;
	return 0;
}

static int
sect_named(struct conf_ctx *x, char *name)
{
	switch (x->kind) {
	case CONF_HMC:
		return sect_hmc(x, name);
	case CONF_SYSTEM:
		return sect_system(x, name);
	case CONF_LPAR:
		return sect_lpar(x, name);
	case CONF_ALERT:
		return sect_alert(x, name);
	default:
		return sect_fail(x, UNKNOWN_SECTION);
	}
}

/* TEXT is what is between [ and ]. */
static void
sect_begin(struct conf_ctx *x, const char *text, size_t len)
{
	char buf[CONF_SECT_LEN];
	char *name;
	size_t i, w;

	memcpy(x->sect, text, len);
	x->sect[len] = '\0';
	memcpy(buf, text, len);
	buf[len] = '\0';
	x->sect_line = x->line;
	x->kind = CONF_NONE;
	x->idx = -1;
	x->seen = 0;
	x->last_key[0] = '\0';
	w = strcspn(buf, " \t");
	name = buf[w] != '\0' ? buf + w + 1 : NULL;
	buf[w] = '\0';
	for (i = 0; i < sizeof(sect_words) / sizeof(sect_words[0]); i++)
		if (strcmp(buf, sect_words[i].word) == 0)
			break;
	if (i == sizeof(sect_words) / sizeof(sect_words[0]) ||
	    sect_words[i].named != (name != NULL)) {
		sect_fail(x, i < sizeof(sect_words) / sizeof(sect_words[0]) ?
			  (name ? "takes no name" : "needs a name") :
			  UNKNOWN_SECTION);
		return;
	}
	x->kind = sect_words[i].kind;
	if (name != NULL) {
		sect_named(x, name);
		return;
	}
	if (x->single_line[x->kind] != 0)
		repeated(x, x->single_line[x->kind]);
	else
		x->single_line[x->kind] = x->line;
}

/* ------------------------------------------------------------ the reader */

/* What inih would take for a section header: '[' after blanks, then the
 * text up to the first ']'. A line without ']' is inih's syntax error. */
static void
reader_section(struct conf_ctx *x, const char *line)
{
	const char *s = line + strspn(line, " \t");
	const char *end;

	if (*s != '[')
		return;
	if (s != line) {
		/* inih would read it as the value of the key above */
		conf_fail(x, x->line, "an indented section header");
		return;
	}
	end = strchr(s + 1, ']');
	if (end != NULL)
		sect_begin(x, s + 1, (size_t)(end - s - 1));
}

static void
reader_line(struct conf_ctx *x, char *buf, size_t n, bool nul)
{
	const char *s;

	x->line++;
	if (x->line == 1 && n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		memmove(buf, buf + 3, n - 2);
	s = buf + strspn(buf, " \t\r\n");
	x->indented = s != buf && *s != '\0' && *s != ';' && *s != '#';
	if (nul)
		conf_fail(x, x->line, "a NUL byte in the line");
	else
		reader_section(x, buf);
}

/* inih calls this once per line. */
static char *
conf_reader(char *buf, int num, void *stream)
{
	struct conf_ctx *x = stream;
	size_t n = 0, room = (size_t)num - 2;
	bool nul = false, longl = false;
	int ch;

	if (room > CONF_LINE_MAX)
		room = CONF_LINE_MAX;
	while ((ch = getc(x->fp)) != EOF && ch != '\n') {
		if (ch == '\0')
			nul = true;
		else if (n < room)
			buf[n++] = (char)ch;
		else
			longl = true;
	}
	if (ch == EOF && ferror(x->fp))
		x->read_errno = errno;
	if (ch == EOF && n == 0 && !nul && !longl)
		return NULL;
	buf[n++] = '\n';
	buf[n] = '\0';
	if (longl) {
		x->line++;
		conf_fail(x, x->line, "line longer than %zu bytes", room);
		strcpy(buf, "\n");
		return buf;
	}
	reader_line(x, buf, n, nul);
	return buf;
}

static int
conf_handler(void *user, const char *section, const char *name,
	     const char *value)
{
	struct conf_ctx *x = user;

	(void)section;	/* cut at 49 bytes by inih: ours is whole */
	if (x->indented && strcmp(name, x->last_key) == 0) {
		if (conf_key_more(x, name, value) != -ENOTSUP)
			return 1;
		conf_fail(x, x->line, "[%.200s] %.60s: an indented line continues "
			  "the key above, and only a list may go on (destinations, "
			  "down_states, ambiguous_states)", x->sect, name);
		return 1;
	}
	if (x->kind == CONF_NONE) {
		if (x->sect_line == 0)
			conf_fail(x, x->line, "%.60s: a key before any section",
				  name);
		return 1;
	}
	if (strlen(name) >= INIH_NAME_MAX) {
		conf_key_fail(x, name, "unknown key (too long)");
		return 1;
	}
	if (conf_key(x, name, value) == 0)
		snprintf(x->last_key, sizeof(x->last_key), "%s", name);
	return 1;
}

/* ------------------------------------------------------------ the API */

static int
conf_read(struct conf_ctx *x)
{
	int rc = ini_parse_stream(conf_reader, x, conf_handler, x);

	if (ferror(x->fp)) {
		rc = x->read_errno != 0 ? -x->read_errno : -EIO;
		x->err_line = 0;
		x->err[0] = '\0';
		conf_fail(x, 0, "cannot read: %s", strerror(-rc));
		return rc;
	}
	if (rc == -2)
		return -ENOMEM;
	if (rc > 0 && (x->err_line == 0 || rc < x->err_line)) {
		x->err_line = 0;
		x->err[0] = '\0';
		conf_fail(x, rc, "syntax error (want [section], key = value, "
			  "or a comment starting with # or ;)");
	}
	if (x->err_line == 0 && x->err[0] == '\0')
		return conf_finish(x);
	return -EINVAL;
}

static void
conf_error(const struct conf_ctx *x, const char *path, char *err,
	   size_t errlen)
{
	if (err == NULL || errlen == 0)
		return;
	if (x->err_line > 0)
		snprintf(err, errlen, "%s:%d: %s", path, x->err_line, x->err);
	else
		snprintf(err, errlen, "%s: %s", path, x->err);
}

int
conf_load_fp(FILE *fp, const char *name, struct srrd_conf *c, char *err,
	     size_t errlen)
{
	struct conf_ctx *x;
	int rc;

	memset(c, 0, sizeof(*c));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (strlen(name) >= sizeof(c->file)) {
		snprintf(err, errlen, "%.200s...: path too long", name);
		return -ENAMETOOLONG;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return -ENOMEM;
	x->c = c;
	x->fp = fp;
	x->idx = -1;
	strcpy(c->file, name);
	conf_defaults(c);
	rc = conf_read(x);
	if (rc < 0 && x->err[0] == '\0')
		conf_fail(x, 0, "%s", strerror(-rc));
	if (rc < 0)
		conf_error(x, name, err, errlen);
	free(x->lp);
	free(x);
	if (rc < 0) {
		srrd_conf_free(c);
		memset(c, 0, sizeof(*c));
	}
	return rc;
}

int
srrd_conf_load(const char *path, struct srrd_conf *c, char *err,
	       size_t errlen)
{
	FILE *fp = fopen(path, "re");
	int rc;

	if (fp == NULL) {
		rc = -errno;
		memset(c, 0, sizeof(*c));
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(-rc));
		return rc;
	}
	rc = conf_load_fp(fp, path, c, err, errlen);
	fclose(fp);
	return rc;
}

void
srrd_conf_free(struct srrd_conf *c)
{
	int s;

	if (c == NULL)
		return;
	for (s = 0; s < c->nsys; s++) {
		free(c->sys[s].fence);
		c->sys[s].fence = NULL;
	}
	free(c->lpar);
	c->lpar = NULL;
	c->nlpar = 0;
}

int
srrd_conf_sys_index(const struct srrd_conf *c, const char *name)
{
	int i;

	for (i = 0; i < c->nsys; i++)
		if (strcmp(c->sys[i].name, name) == 0)
			return i;
	return -1;
}
