/*
 * engine_replay_read.c: reading the script: bounded lines, words
 * (KEY=VALUE, bare, "quoted"), and strict values (numbers, booleans,
 * names, the HMC's state words). Whatever is not understood is an error
 * with the line number.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine_replay.h"

void
fail(const struct line *l, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "engine_replay: %s:%d: ", rp.file, l->no);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* One line into l->buf, at most MAX_LINE bytes; control characters other
 * than tab (a NUL, a CR) are refused. */
static int
read_raw(FILE *f, struct line *l)
{
	size_t n = 0;
	int c;

	l->no++;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (n == MAX_LINE)
			fail(l, "line longer than %d bytes", MAX_LINE);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			fail(l, "control character 0x%02x", (unsigned)c);
		l->buf[n++] = (char)c;
	}
	if (ferror(f))
		return -EIO;
	l->buf[n] = '\0';
	return c == EOF && n == 0 ? 0 : 1;
}

static bool
space(char c)
{
	return c == ' ' || c == '\t';
}

/* A "quoted" value in place: \" and \\ only. Returns past the quote. */
static char *
unquote(const struct line *l, char *p)
{
	char *w = p;

	for (p++; *p != '"'; p++) {
		if (*p == '\0')
			fail(l, "unterminated quote");
		if (*p == '\\') {
			p++;
			if (*p != '"' && *p != '\\')
				fail(l, "bad escape in quotes (only \\\" and \\\\)");
		}
		*w++ = *p;
	}
	*w = '\0';
	if (p[1] != '\0' && !space(p[1]))
		fail(l, "text right after a closing quote");
	return p + 1;
}

static char *
bare(const struct line *l, char *p, bool key)
{
	while (*p != '\0' && !space(*p) && !(key && *p == '=')) {
		if (*p == '"')
			fail(l, "a quote inside a word");
		p++;
	}
	return p;
}

/* Splits l->buf into words; `#` at the start of a word ends the line. */
static void
split(struct line *l)
{
	char *p = l->buf;
	struct tok *t;

	l->ntok = 0;
	for (;;) {
		while (space(*p))
			p++;
		if (*p == '\0' || *p == '#')
			return;
		if (l->ntok == MAX_TOK)
			fail(l, "more than %d words", MAX_TOK);
		t = &l->tok[l->ntok++];
		memset(t, 0, sizeof(*t));
		t->key = p;
		p = bare(l, p, true);
		if (p == t->key)
			fail(l, "a word starts with '='");
		if (*p != '=') {
			if (*p != '\0')
				*p++ = '\0';
			continue;
		}
		*p++ = '\0';
		t->has_val = true;
		t->val = p;
		if (*p == '"') {
			p = unquote(l, p);
		} else {
			p = bare(l, p, false);
		}
		if (*p != '\0')
			*p++ = '\0';
	}
}

int
read_line(FILE *f, struct line *l)
{
	int rc = read_raw(f, l);

	if (rc > 0)
		split(l);
	return rc;
}

/* The bare word at position I (the verb's argument). */
const char *
word(struct line *l, int i, const char *usage)
{
	if (i >= l->ntok || l->tok[i].has_val || l->tok[i].used)
		fail(l, "usage: %s", usage);
	l->tok[i].used = true;
	return l->tok[i].key;
}

/* KEY=VALUE among words FROM..TO-1; given twice is an error. */
const char *
opt_in(struct line *l, int from, int to, const char *key)
{
	const char *v = NULL;
	int i;

	for (i = from; i < to; i++) {
		struct tok *t = &l->tok[i];

		if (!t->has_val || strcmp(t->key, key) != 0)
			continue;
		if (v != NULL)
			fail(l, "%s= given twice", key);
		t->used = true;
		v = t->val;
	}
	return v;
}

const char *
opt(struct line *l, const char *key)
{
	return opt_in(l, 1, l->ntok, key);
}

const char *
need(struct line *l, const char *key)
{
	const char *v = opt(l, key);

	if (v == NULL)
		fail(l, "%s: %s= missing", l->tok[0].key, key);
	return v;
}

bool
flag(struct line *l, const char *w)
{
	bool found = false;
	int i;

	for (i = 1; i < l->ntok; i++) {
		struct tok *t = &l->tok[i];

		if (t->has_val || t->used || strcmp(t->key, w) != 0)
			continue;
		if (found)
			fail(l, "'%s' given twice", w);
		t->used = true;
		found = true;
	}
	return found;
}

void
tok_all_used(const struct line *l)
{
	int i;

	for (i = 1; i < l->ntok; i++)
		if (!l->tok[i].used)
			fail(l, "%s: '%s%s' not understood here", l->tok[0].key,
			     l->tok[i].key, l->tok[i].has_val ? "=" : "");
}

/* Decimal, whole string, in [MIN, MAX] (corosync's safe_atoq). */
int64_t
val_int(const struct line *l, const char *key, const char *s, int64_t min,
	int64_t max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max ||
	    space(*s) || *s == '+')
		fail(l, "%s: '%s' is not a number in [%lld, %lld]", key, s,
		     (long long)min, (long long)max);
	return v;
}

int64_t
need_int(struct line *l, const char *key, int64_t min, int64_t max)
{
	return val_int(l, key, need(l, key), min, max);
}

int64_t
opt_int(struct line *l, const char *key, int64_t min, int64_t max, int64_t def)
{
	const char *v = opt(l, key);

	return v ? val_int(l, key, v, min, max) : def;
}

bool
val_bool(const struct line *l, const char *key, const char *s)
{
	if (strcmp(s, "1") == 0 || strcmp(s, "yes") == 0)
		return true;
	if (strcmp(s, "0") == 0 || strcmp(s, "no") == 0)
		return false;
	fail(l, "%s: '%s' is not 0, 1, yes or no", key, s);
}

bool
opt_bool(struct line *l, const char *key, bool def)
{
	const char *v = opt(l, key);

	return v ? val_bool(l, key, v) : def;
}

/* Processor units with at most two decimals ("4", "0.5", "0.25") in
 * hundredths. */
uint32_t
val_units(const struct line *l, const char *key, const char *s)
{
	const char *dot = strchr(s, '.');
	char whole[16], frac[3] = "00";
	size_t wl = dot ? (size_t)(dot - s) : strlen(s);
	int64_t w, f;

	if (wl == 0 || wl >= sizeof(whole) || (dot && (strlen(dot + 1) == 0 ||
						       strlen(dot + 1) > 2)))
		fail(l, "%s: '%s' is not processor units (like 0.5)", key, s);
	memcpy(whole, s, wl);
	whole[wl] = '\0';
	if (dot)
		memcpy(frac, dot + 1, strlen(dot + 1));
	w = val_int(l, key, whole, 0, 1000000);
	f = val_int(l, key, frac, 0, 99);
	return (uint32_t)(w * 100 + f);
}

void
units_str(uint32_t centi, char *out, size_t len)
{
	snprintf(out, len, "%u.%02u", centi / 100, centi % 100);
}

/* members=1,2,3: the count for the engine, the list for the echo. */
int
node_list(struct line *l, const char *key, char *out, size_t len)
{
	char buf[128], *p, *save;
	const char *v = need(l, key);
	size_t n = 0;
	int count = 0;

	if (strlen(v) >= sizeof(buf))
		fail(l, "%s: list too long", key);
	snprintf(buf, sizeof(buf), "%s", v);
	out[0] = '\0';
	for (p = strtok_r(buf, ",", &save); p != NULL;
	     p = strtok_r(NULL, ",", &save)) {
		int64_t id = val_int(l, key, p, 1, UINT32_MAX);

		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%lld",
				      count ? "," : "", (long long)id);
		count++;
	}
	if (count == 0 || n >= len)
		fail(l, "%s: a list of node ids expected (1,2,3)", key);
	return count;
}

/* Script names stay plain words, so that the transcript needs no quotes
 * for them, and must pass the engine's own check. */
void
name_check(const struct line *l, const char *name)
{
	const char *p;

	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		      *p == '.'))
			fail(l, "name '%s': only letters, digits, _ - .", name);
	if (hmc_name_check(name) < 0)
		fail(l, "name '%s' refused by hmc_name_check", name);
}

int
sys_find(const char *name)
{
	int s;

	for (s = 0; s < rp.conf.nsys; s++)
		if (strcmp(rp.conf.sys[s].name, name) == 0)
			return s;
	return -1;
}

int
sys_need(const struct line *l, const char *name)
{
	int s = sys_find(name);

	if (s < 0)
		fail(l, "no system named '%s'", name);
	return s;
}

/* The parsers of hmc/ give Unknown for any word they do not know: here a
 * word that is not a state is a mistake in the script. */
enum hmc_sys_state
val_sys_state(const struct line *l, const char *s)
{
	enum hmc_sys_state st = hmc_sys_state_parse(s);

	if (st == HMC_SYS_UNKNOWN && strcasecmp(s, "Unknown") != 0)
		fail(l, "'%s' is not a system state", s);
	return st;
}

enum hmc_lpar_state
val_lpar_state(const struct line *l, const char *s)
{
	enum hmc_lpar_state st = hmc_lpar_state_parse(s);

	if (st == HMC_LPAR_UNKNOWN && strcasecmp(s, "Unknown") != 0)
		fail(l, "'%s' is not a partition state", s);
	return st;
}

enum hmc_rr_status
val_rrs(const struct line *l, const char *s)
{
	enum hmc_rr_status st = hmc_rr_status_parse(s);

	if (st == HMC_RRS_UNKNOWN && strcasecmp(s, "Unknown") != 0)
		fail(l, "'%s' is not a remote restart status", s);
	return st;
}

/* Names, not strerror() texts: those differ between C libraries. */
const char *
errno_name(int e)
{
	switch (e) {
	case EINVAL:
		return "EINVAL";
	case ENOMEM:
		return "ENOMEM";
	case EBUSY:
		return "EBUSY";
	case ENOENT:
		return "ENOENT";
	case ENAMETOOLONG:
		return "ENAMETOOLONG";
	default: {
		static char num[16];

		snprintf(num, sizeof(num), "E%d", e);
		return num;
	}
	}
}
