/*
 * hmc_parse.c: the HMC's output formats, read with bounds-checked cursors.
 *
 * Two formats. -F output is one line per object, values joined by the
 * delimiter the caller asked for. attr=value output is one line per object,
 * name=value pairs joined by commas. In both, a value (-F) or a whole pair
 * (attr=value) holding the delimiter is wrapped in double quotes, and a
 * quote inside is doubled. Nested lists are the same rule one level down:
 * hmc_split_list() reads them.
 *
 * Everything here is outside input. A row is built aside and only joins the
 * table once every field of it parsed; any error frees the whole table, so
 * a caller never sees a half-filled row. Lines are split on LF, one CR
 * before the LF is dropped, and blank lines carry no row.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hmc.h"

static const char empty_listing[] = "No results were found.";

/* One line of output: [s, s + n), without its LF or trailing CR. */
struct line {
	const char *s;
	size_t n;
};

/* A growable array of strings, for the fields of one row. */
struct strv {
	char **v;
	size_t n;
	size_t cap;
};

static void
strv_clear(struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/* Take ownership of S (freed on failure). Keeps one slot for a NULL end. */
static int
strv_push(struct strv *sv, char *s)
{
	char **nv;
	size_t ncap;

	if (sv->n + 1 >= sv->cap) {
		ncap = sv->cap ? sv->cap * 2 : 8;
		nv = realloc(sv->v, ncap * sizeof(*nv));
		if (nv == NULL) {
			free(s);
			return -ENOMEM;
		}
		sv->v = nv;
		sv->cap = ncap;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
	return 0;
}

/*
 * Read one field of S (length N) at *POS up to DELIM or the end, undoing
 * HMC quoting. On success *OUT is a new string and *POS is at the delimiter
 * or at N. A quoted field must be closed, and followed by DELIM or the end.
 */
static int
read_field(const char *s, size_t n, size_t *pos, char delim, char **out)
{
	size_t i = *pos, k = 0;
	const char *q;
	char *v;

	if (i < n && s[i] == '"') {
		v = malloc(n - i);	/* the value is shorter than the rest */
		if (v == NULL)
			return -ENOMEM;
		for (i++;;) {
			q = memchr(s + i, '"', n - i);
			if (q == NULL) {
				free(v);
				return -EBADMSG;	/* unterminated quote */
			}
			memcpy(v + k, s + i, (size_t)(q - (s + i)));
			k += (size_t)(q - (s + i));
			i = (size_t)(q - s) + 1;
			if (i < n && s[i] == '"') {
				v[k++] = '"';		/* doubled quote */
				i++;
				continue;
			}
			break;
		}
		if (i < n && s[i] != delim) {
			free(v);
			return -EBADMSG;	/* garbage after the closing quote */
		}
	} else {
		q = memchr(s + i, delim, n - i);
		k = q ? (size_t)(q - (s + i)) : n - i;
		v = malloc(k + 1);
		if (v == NULL)
			return -ENOMEM;
		memcpy(v, s + i, k);
		i += k;
	}
	v[k] = '\0';
	*pos = i;
	*out = v;
	return 0;
}

/* Split S (length N) into fields on DELIM, at most MAX of them (-EBADMSG
 * past that: the caller knows what it asked for). */
static int
split_fields(const char *s, size_t n, char delim, size_t max, struct strv *sv)
{
	size_t pos = 0;
	char *v;
	int rc;

	for (;;) {
		if (sv->n >= max)
			return -EBADMSG;
		rc = read_field(s, n, &pos, delim, &v);
		if (rc < 0)
			return rc;
		rc = strv_push(sv, v);
		if (rc < 0)
			return rc;
		if (pos == n)
			return 0;
		pos++;		/* the delimiter; a field follows, maybe empty */
	}
}

/* Check the whole output once: size and NUL bytes. */
static int
check_output(const char *out, size_t len)
{
	if (out == NULL && len > 0)
		return -EINVAL;
	if (len > HMC_OUTPUT_MAX)
		return -E2BIG;
	if (len > 0 && memchr(out, '\0', len) != NULL)
		return -EBADMSG;
	return 0;
}

/* Next line of OUT at *POS; false at the end. -E2BIG in *RC if too long. */
static bool
next_line(const char *out, size_t len, size_t *pos, struct line *l, int *rc)
{
	const char *nl;
	size_t n;

	*rc = 0;
	if (*pos >= len)
		return false;
	nl = memchr(out + *pos, '\n', len - *pos);
	n = nl ? (size_t)(nl - (out + *pos)) : len - *pos;
	l->s = out + *pos;
	*pos += n + (nl != NULL);
	if (n > 0 && l->s[n - 1] == '\r')
		n--;
	if (n > HMC_LINE_MAX) {
		*rc = -E2BIG;
		return false;
	}
	l->n = n;
	return true;
}

static int
table_add(struct hmc_table *t, size_t *cap, struct strv *names,
	  struct strv *values)
{
	struct hmc_row *nr, *r;
	size_t ncap;

	if (t->nrows == *cap) {
		ncap = *cap ? *cap * 2 : 16;
		nr = realloc(t->rows, ncap * sizeof(*nr));
		if (nr == NULL)
			return -ENOMEM;
		t->rows = nr;
		*cap = ncap;
	}
	r = &t->rows[t->nrows++];
	r->n = values->n;
	r->values = values->v;
	r->names = names ? names->v : NULL;
	/* The row owns the arrays now. */
	memset(values, 0, sizeof(*values));
	if (names)
		memset(names, 0, sizeof(*names));
	return 0;
}

bool
hmc_delim_ok(char delim)
{
	unsigned char c = (unsigned char)delim;

	return c >= 0x20 && c < 0x7f && c != '"' && c != '_' &&
	       !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') &&
	       !(c >= 'A' && c <= 'Z');
}

bool
hmc_attr_name_ok(const char *name)
{
	const char *s;

	if (name == NULL || *name == '\0')
		return false;
	for (s = name; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!(c == '_' || (c >= '0' && c <= '9') ||
		      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return false;
	}
	return true;
}

/* Split each "name=value" of PAIRS in place: the pair string becomes the
 * name, and a new string the value. */
static int
split_pairs(struct strv *pairs, struct strv *values)
{
	size_t i;
	char *eq, *v;
	int rc;

	for (i = 0; i < pairs->n; i++) {
		eq = strchr(pairs->v[i], '=');
		if (eq == NULL)
			return -EBADMSG;
		*eq = '\0';
		if (!hmc_attr_name_ok(pairs->v[i]))
			return -EBADMSG;
		v = strdup(eq + 1);
		if (v == NULL)
			return -ENOMEM;
		rc = strv_push(values, v);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An attribute named twice makes the row ambiguous: refuse it. */
static int
check_unique(char **names, size_t n)
{
	char **sorted;
	size_t i;
	int rc = 0;

	if (n < 2)
		return 0;
	sorted = malloc(n * sizeof(*sorted));
	if (sorted == NULL)
		return -ENOMEM;
	memcpy(sorted, names, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_str);
	for (i = 1; i < n && rc == 0; i++)
		if (strcmp(sorted[i - 1], sorted[i]) == 0)
			rc = -EBADMSG;
	free(sorted);
	return rc;
}

static int
parse_attr_line(const struct line *l, struct strv *names, struct strv *values)
{
	int rc;

	rc = split_fields(l->s, l->n, ',', HMC_PAIRS_MAX, names);
	if (rc == -EBADMSG && names->n >= HMC_PAIRS_MAX)
		return -E2BIG;
	if (rc == 0)
		rc = split_pairs(names, values);
	if (rc == 0)
		rc = check_unique(names->v, names->n);
	return rc;
}

/* What a line of one kind of output is: -F fields (NCOLS of them, joined
 * by DELIM) or, with NCOLS 0, attr=value pairs. */
struct row_kind {
	char delim;
	size_t ncols;
};

static int
read_row(const struct row_kind *k, const struct line *l, struct strv *names,
	 struct strv *values)
{
	int rc;

	if (k->ncols == 0)
		return parse_attr_line(l, names, values);
	rc = split_fields(l->s, l->n, k->delim, k->ncols, values);
	if (rc == 0 && values->n != k->ncols)
		rc = -EBADMSG;	/* truncated row */
	return rc;
}

static int
parse_table(const char *out, size_t len, const struct row_kind *k,
	    struct hmc_table *t)
{
	struct strv names = { 0 }, values = { 0 };
	struct line l;
	size_t pos = 0, cap = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = check_output(out, len);
	if (rc < 0 || hmc_output_is_empty(out, len))
		return rc;
	while (next_line(out, len, &pos, &l, &rc)) {
		if (l.n == 0)
			continue;
		rc = read_row(k, &l, &names, &values);
		if (rc == 0)
			rc = table_add(t, &cap, k->ncols ? NULL : &names, &values);
		strv_clear(&names);
		strv_clear(&values);
		if (rc < 0)
			break;
	}
	if (rc < 0)
		hmc_table_free(t);
	return rc;
}

int
hmc_parse_fields(const char *out, size_t len, char delim, size_t ncols,
		 struct hmc_table *t)
{
	const struct row_kind k = { delim, ncols };

	if (t == NULL)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	if (ncols == 0 || !hmc_delim_ok(delim))
		return -EINVAL;
	return parse_table(out, len, &k, t);
}

int
hmc_parse_attrs(const char *out, size_t len, struct hmc_table *t)
{
	const struct row_kind k = { ',', 0 };

	if (t == NULL)
		return -EINVAL;
	return parse_table(out, len, &k, t);
}

int
hmc_split_list(const char *value, char delim, char ***items)
{
	struct strv sv = { 0 };
	size_t n;
	int rc;

	if (value == NULL || items == NULL || !hmc_delim_ok(delim))
		return -EINVAL;
	*items = NULL;
	n = strlen(value);
	if (n > HMC_LINE_MAX)
		return -E2BIG;
	if (n > 0) {
		rc = split_fields(value, n, delim, n + 1, &sv);
		if (rc < 0) {
			strv_clear(&sv);
			return rc;
		}
	} else {
		sv.v = calloc(1, sizeof(*sv.v));
		if (sv.v == NULL)
			return -ENOMEM;
	}
	*items = sv.v;
	return (int)sv.n;
}

void
hmc_strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

const char *
hmc_row_get(const struct hmc_row *r, const char *name)
{
	size_t i;

	if (r == NULL || r->names == NULL || name == NULL)
		return NULL;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->names[i], name) == 0)
			return r->values[i];
	return NULL;
}

void
hmc_table_free(struct hmc_table *t)
{
	size_t i, j;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j < t->rows[i].n; j++) {
			free(t->rows[i].values[j]);
			if (t->rows[i].names)
				free(t->rows[i].names[j]);
		}
		free(t->rows[i].values);
		free(t->rows[i].names);
	}
	free(t->rows);
	t->rows = NULL;
	t->nrows = 0;
}

bool
hmc_output_is_empty(const char *out, size_t len)
{
	size_t n = sizeof(empty_listing) - 1;

	if (out == NULL)
		return false;
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		len--;
	return len == n && memcmp(out, empty_listing, n) == 0;
}

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') ||
	       (c >= 'a' && c <= 'f');
}

static bool
is_alnum(char c)
{
	return is_hex(c) || (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z');
}

/* Is there a code at S (N bytes left)? "HSCL", four hex digits, and then
 * the end of the word. */
static bool
code_at(const char *s, size_t n)
{
	size_t i;

	if (n < 8 || memcmp(s, "HSCL", 4) != 0)
		return false;
	for (i = 4; i < 8; i++)
		if (!is_hex(s[i]))
			return false;
	return n == 8 || !(is_alnum(s[8]) || s[8] == '_');
}

int
hmc_find_code(const char *out, size_t len, char code[HMC_CODE_LEN])
{
	size_t pos = 0;
	const char *nl;

	if (out == NULL || code == NULL)
		return -EINVAL;
	if (len > HMC_OUTPUT_MAX)
		len = HMC_OUTPUT_MAX;
	while (pos < len) {
		/* Leading blanks are tolerated: the code is still the line's
		 * first word. */
		while (pos < len && (out[pos] == ' ' || out[pos] == '\t'))
			pos++;
		if (code_at(out + pos, len - pos)) {
			memcpy(code, out + pos, 8);
			code[8] = '\0';
			return 0;
		}
		nl = memchr(out + pos, '\n', len - pos);
		if (nl == NULL)
			break;
		pos = (size_t)(nl - out) + 1;
	}
	code[0] = '\0';
	return -ENOENT;
}
