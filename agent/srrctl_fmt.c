/*
 * srrctl_fmt.c: tables that fit 80 columns, colour only on a terminal
 * (NO_COLOR honoured, https://no-color.org), times and durations.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/srrctl.h"

const char *const SRRCTL_RED = "\033[31m";
const char *const SRRCTL_GREEN = "\033[32m";
const char *const SRRCTL_YELLOW = "\033[33m";
const char *const SRRCTL_BOLD = "\033[1m";

bool
srrctl_color_on(FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc != NULL && nc[0] != '\0')
		return false;
	if (term != NULL && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fileno(f));
}

void
srrctl_colored(FILE *f, const char *color, const char *s)
{
	if (color != NULL && srrctl_color_on(f))
		fprintf(f, "%s%s\033[0m", color, s);
	else
		fputs(s, f);
}

/* ------------------------------------------------------------- tables */

#define TABLE_MAXCOL	12

struct srrctl_table {
	int ncol;
	const char *head[TABLE_MAXCOL];
	size_t nrow;
	char **cell;			/* nrow * ncol */
	const char **color;
};

/* Display width: UTF-8 continuation bytes take no column. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* The byte length of the first W columns of S. */
static size_t
text_bytes(const char *s, size_t w)
{
	size_t i = 0, cols = 0;

	while (s[i] && cols < w) {
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		cols++;
	}
	return i;
}

struct srrctl_table *
srrctl_table_new(int ncol, const char *const *heads)
{
	struct srrctl_table *t = calloc(1, sizeof(*t));
	int i;

	if (t == NULL || ncol > TABLE_MAXCOL) {
		free(t);
		return NULL;
	}
	t->ncol = ncol;
	for (i = 0; i < ncol; i++)
		t->head[i] = heads[i];
	return t;
}

void
srrctl_table_row(struct srrctl_table *t, const char *const *cells,
		 const char *const *colors)
{
	char **nc;
	const char **ncl;
	size_t base;
	int i;

	if (t == NULL)
		return;
	base = t->nrow * (size_t)t->ncol;
	nc = realloc(t->cell, (base + (size_t)t->ncol) * sizeof(*nc));
	if (nc == NULL)
		return;
	t->cell = nc;
	ncl = realloc(t->color, (base + (size_t)t->ncol) * sizeof(*ncl));
	if (ncl == NULL)
		return;
	t->color = ncl;
	for (i = 0; i < t->ncol; i++) {
		t->cell[base + i] = strdup(cells[i] ? cells[i] : "");
		t->color[base + i] = colors ? colors[i] : NULL;
	}
	t->nrow++;
}

/* Natural widths; then, past SRRCTL_WIDTH, the last column wraps (down to
 * TABLE_WRAP_MIN columns), or goes below its row when even that does not
 * fit (*BLOCK); the widest other column is cut only when the others alone
 * are too wide. */
#define TABLE_WRAP_MIN	24
#define TABLE_BLOCK_IND	4

static void
table_widths(const struct srrctl_table *t, size_t *w, bool *block)
{
	size_t r, x, indent = 0;
	int i, widest, last = t->ncol - 1;

	for (i = 0; i < t->ncol; i++)
		w[i] = text_width(t->head[i]);
	for (r = 0; r < t->nrow; r++)
		for (i = 0; i < t->ncol; i++) {
			x = text_width(t->cell[r * t->ncol + i]);
			if (x > w[i])
				w[i] = x;
		}
	for (i = 0; i < last; i++)
		indent += w[i] + 2;
	*block = false;
	if (indent + w[last] <= SRRCTL_WIDTH)
		return;
	if (indent + TABLE_WRAP_MIN <= SRRCTL_WIDTH) {
		w[last] = SRRCTL_WIDTH - indent;
		return;
	}
	*block = true;
	w[last] = SRRCTL_WIDTH - TABLE_BLOCK_IND;
	while (indent > SRRCTL_WIDTH) {
		for (widest = 0, i = 1; i < last; i++)
			if (w[i] > w[widest])
				widest = i;
		if (w[widest] <= 4)
			break;
		w[widest]--;
		indent--;
	}
}

/* One cell padded to W (cut with '~' when longer); the last cell is not
 * padded. */
static void
table_cell(FILE *f, const char *s, const char *color, size_t w, bool last)
{
	char buf[1024];
	size_t sw = text_width(s), n;

	if (sw > w) {
		n = text_bytes(s, w - 1);
		snprintf(buf, sizeof(buf), "%.*s~", (int)n, s);
		sw = w;
	} else {
		snprintf(buf, sizeof(buf), "%s", s);
	}
	srrctl_colored(f, color, buf);
	if (!last)
		fprintf(f, "%*s", (int)(w - sw + 2), "");
}

/* The last column, word-wrapped at W, continued under itself at INDENT. */
static void
table_wrap(FILE *f, const char *s, const char *color, size_t w, size_t indent)
{
	char line[1024];
	size_t len, cut;

	while (text_width(s) > w) {
		len = text_bytes(s, w);
		for (cut = len; cut > 0 && s[cut] != ' '; cut--)
			;
		if (cut == 0)
			cut = len;
		snprintf(line, sizeof(line), "%.*s", (int)cut, s);
		srrctl_colored(f, color, line);
		fprintf(f, "\n%*s", (int)indent, "");
		s += cut;
		while (*s == ' ')
			s++;
	}
	srrctl_colored(f, color, s);
}

void
srrctl_wrap(FILE *f, const char *text, const char *color, size_t indent)
{
	table_wrap(f, text, color, SRRCTL_WIDTH - indent, indent);
	fputc('\n', f);
}

void
srrctl_table_print(FILE *f, struct srrctl_table *t)
{
	size_t w[TABLE_MAXCOL], r, indent = 0;
	const char *last_cell;
	bool block;
	int i, last;

	if (t == NULL)
		return;
	last = t->ncol - 1;
	table_widths(t, w, &block);
	for (i = 0; i < last; i++)
		indent += w[i] + 2;
	if (block)
		indent = TABLE_BLOCK_IND;
	/* In block mode the last column, below each row, has no heading. */
	for (i = 0; i < (block ? last : t->ncol); i++)
		table_cell(f, t->head[i], srrctl_color_on(f) ? SRRCTL_BOLD :
			   NULL, w[i], i == last || (block && i == last - 1));
	fputc('\n', f);
	for (r = 0; r < t->nrow; r++) {
		last_cell = t->cell[r * t->ncol + last];
		for (i = 0; i < last; i++)
			table_cell(f, t->cell[r * t->ncol + i],
				   t->color[r * t->ncol + i], w[i],
				   (block || last_cell[0] == '\0') &&
				   i == last - 1);
		if (block && last_cell[0] != '\0')
			fprintf(f, "\n%*s", TABLE_BLOCK_IND, "");
		table_wrap(f, last_cell, t->color[r * t->ncol + last],
			   w[last], indent);
		fputc('\n', f);
	}
	for (r = 0; r < t->nrow * (size_t)t->ncol; r++)
		free(t->cell[r]);
	free(t->cell);
	free(t->color);
	free(t);
}

/* -------------------------------------------------------------- times */

/* SRRCTL_NOW (seconds since the epoch) fixes "now" for the golden tests. */
int64_t
srrctl_now_ms(void)
{
	const char *fixed = getenv("SRRCTL_NOW");
	struct timespec ts;

	if (fixed != NULL && fixed[0] != '\0')
		return strtoll(fixed, NULL, 10) * 1000;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
srrctl_age(int64_t ms, char *out, size_t len)
{
	int64_t s = ms / 1000;

	if (ms < 0)
		snprintf(out, len, "-");
	else if (s < 60)
		snprintf(out, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, len, "%lldm%02llds", (long long)(s / 60),
			 (long long)(s % 60));
	else if (s < 86400)
		snprintf(out, len, "%lldh%02lldm", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
	else
		snprintf(out, len, "%lldd%02lldh", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600));
}

void
srrctl_time(int64_t wall_ms, char *out, size_t len)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	if (wall_ms <= 0 || localtime_r(&t, &tm) == NULL) {
		snprintf(out, len, "-");
		return;
	}
	strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}

int
srrctl_parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	char *end;
	long long v;
	size_t i;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0 || v > 100LL * 365 * 86400 * 1000)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			*ms = v * units[i].ms;
			return 0;
		}
	}
	return -EINVAL;
}

int
srrctl_parse_since(const char *s, int64_t now_ms, int64_t *ms)
{
	struct tm tm;
	const char *end;
	int64_t ago;
	char *e;
	long long v;

	if (s[0] == '@') {
		errno = 0;
		v = strtoll(s + 1, &e, 10);
		if (errno != 0 || e == s + 1 || *e != '\0' || v < 0)
			return -EINVAL;
		*ms = v * 1000;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end != NULL && *end != '\0')
		end = strptime(end, end[0] == 'T' ? "T%H:%M" : " %H:%M", &tm);
	if (end != NULL && *end == ':')
		end = strptime(end, ":%S", &tm);
	if (end != NULL && *end == '\0') {
		tm.tm_isdst = -1;
		*ms = (int64_t)mktime(&tm) * 1000;
		return 0;
	}
	if (srrctl_parse_duration(s, &ago) < 0)
		return -EINVAL;
	*ms = now_ms - ago;
	return 0;
}

/* ---------------------------------------------------------------- json */

struct json_object *
jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	return v != NULL && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : "";
}

int64_t
jint(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	return v != NULL ? json_object_get_int64(v) : 0;
}

bool
jbool(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	return v != NULL && json_object_get_boolean(v);
}
