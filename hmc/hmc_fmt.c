/*
 * hmc_fmt.c: write the HMC's output formats, the exact inverse of
 * hmc_parse.c (hmcsim prints with it; the tests check the round trip).
 *
 * Quoting: a -F value holding the delimiter or a double quote is wrapped in
 * double quotes with inner quotes doubled; an attr=value pair holding a
 * comma or a quote is quoted whole the same way. Values cannot hold CR or
 * LF: the format is line-based and has no escape for them.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmc.h"

/* A buffer never grows past this: far more than any HMC output. */
#define HMC_BUF_MAX	(4 * (size_t)HMC_OUTPUT_MAX)

/* Make room for N more bytes and a NUL. */
static int
buf_reserve(struct hmc_buf *b, size_t n)
{
	size_t need, ncap;
	char *ns;

	if (n > HMC_BUF_MAX || b->len > HMC_BUF_MAX - n)
		return -E2BIG;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	ns = realloc(b->s, ncap);
	if (ns == NULL)
		return -ENOMEM;
	b->s = ns;
	b->cap = ncap;
	return 0;
}

int
hmc_buf_append(struct hmc_buf *b, const char *s, size_t n)
{
	int rc;

	if (b == NULL || (s == NULL && n > 0))
		return -EINVAL;
	rc = buf_reserve(b, n);
	if (rc < 0)
		return rc;
	if (n > 0)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int
hmc_buf_printf(struct hmc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	if (b == NULL || fmt == NULL)
		return -EINVAL;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	rc = buf_reserve(b, (size_t)n);
	if (rc < 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
hmc_buf_free(struct hmc_buf *b)
{
	if (b == NULL)
		return;
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

/* Append S, quoted if it holds SPECIAL or a quote, or if FORCE. */
static int
put_quoted(struct hmc_buf *b, const char *s, char special, bool force)
{
	const char *q;
	int rc;

	if (!force && strchr(s, '"') == NULL && strchr(s, special) == NULL)
		return hmc_buf_append(b, s, strlen(s));
	rc = hmc_buf_append(b, "\"", 1);
	while (rc == 0 && (q = strchr(s, '"')) != NULL) {
		/* Up to and including the quote, then the quote again. */
		rc = hmc_buf_append(b, s, (size_t)(q - s) + 1);
		if (rc == 0)
			rc = hmc_buf_append(b, "\"", 1);
		s = q + 1;
	}
	if (rc == 0)
		rc = hmc_buf_append(b, s, strlen(s));
	if (rc == 0)
		rc = hmc_buf_append(b, "\"", 1);
	return rc;
}

static bool
value_ok(const char *v)
{
	return v != NULL && strpbrk(v, "\r\n") == NULL;
}

/* Every writer appends a whole line or nothing: end the line begun at
 * START, or cut the buffer back to START on error. A line the parser would
 * refuse as too long is refused here too. */
static int
end_line(struct hmc_buf *b, size_t start, int rc)
{
	if (rc == 0 && b->len - start > HMC_LINE_MAX)
		rc = -E2BIG;
	if (rc == 0)
		rc = hmc_buf_append(b, "\n", 1);
	if (rc < 0 && b->s != NULL) {
		b->len = start;
		b->s[start] = '\0';
	}
	return rc;
}

int
hmc_fmt_fields(struct hmc_buf *b, const char *const *values, size_t n,
	       char delim)
{
	size_t i, start;
	int rc = 0;

	if (b == NULL || values == NULL || n == 0 || !hmc_delim_ok(delim))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!value_ok(values[i]))
			return -EINVAL;
	start = b->len;
	for (i = 0; i < n && rc == 0; i++) {
		if (i > 0)
			rc = hmc_buf_append(b, &delim, 1);
		/* A lone empty value would be a blank line, which the parser
		 * skips: quote it. */
		if (rc == 0)
			rc = put_quoted(b, values[i], delim,
					n == 1 && values[i][0] == '\0');
	}
	return end_line(b, start, rc);
}

static int
put_pair(struct hmc_buf *b, const char *name, const char *value)
{
	struct hmc_buf pair = { 0 };
	int rc;

	rc = hmc_buf_printf(&pair, "%s=%s", name, value);
	if (rc == 0)
		rc = put_quoted(b, pair.s, ',', false);
	hmc_buf_free(&pair);
	return rc;
}

/* The parser refuses a row naming an attribute twice. */
static bool
names_distinct(const char *const *names, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(names[i], names[j]) == 0)
				return false;
	return true;
}

int
hmc_fmt_attrs(struct hmc_buf *b, const char *const *names,
	      const char *const *values, size_t n)
{
	size_t i, start;
	int rc = 0;

	if (b == NULL || names == NULL || values == NULL || n == 0)
		return -EINVAL;
	if (n > HMC_PAIRS_MAX)
		return -E2BIG;
	for (i = 0; i < n; i++)
		if (!hmc_attr_name_ok(names[i]) || !value_ok(values[i]))
			return -EINVAL;
	if (!names_distinct(names, n))
		return -EINVAL;
	start = b->len;
	for (i = 0; i < n && rc == 0; i++) {
		if (i > 0)
			rc = hmc_buf_append(b, ",", 1);
		if (rc == 0)
			rc = put_pair(b, names[i], values[i]);
	}
	return end_line(b, start, rc);
}
