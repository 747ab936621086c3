/*
 * hmc_cmd.c: HMC command lines, every outside name quoted.
 *
 * The HMC runs commands in a restricted bash. Every name (system,
 * partition, profile) is wrapped in single quotes, where bash expands
 * nothing; a single quote inside becomes '\'' (close, escaped quote,
 * reopen). That is safe for any byte but NUL, yet a newline or another
 * control character in a name is still refused: it would reach the HMC's
 * own parsers and logs, and the interactive form of the session reads
 * commands line by line. Options and keywords come from our own code and
 * are checked against a short character set, so nothing unquoted can carry
 * shell syntax.
 *
 * Each per-command builder either produces a whole command or fails and
 * leaves C empty, so a half-built command cannot be sent.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmc.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Length of the UTF-8 sequence at S (N bytes left), or 0 if invalid:
 * overlong forms, surrogates and code points past U+10FFFF included. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	/* C1 controls (U+0080..U+009F, e.g. NEL) are controls too. */
	if (cp >= 0x80 && cp <= 0x9f)
		return 0;
	return len;
}

int
hmc_name_check(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t n, i, k;

	if (name == NULL || name[0] == '\0')
		return -EINVAL;
	n = strnlen(name, HMC_NAME_MAX + 1);
	if (n > HMC_NAME_MAX)
		return -ENAMETOOLONG;
	for (i = 0; i < n; i += k) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return -EINVAL;
		k = utf8_len(s + i, n - i);
		if (k == 0)
			return -EINVAL;
	}
	return 0;
}

int
hmc_shell_quote(const char *word, char *out, size_t outlen)
{
	size_t k = 0;
	const char *p;

	if (word == NULL || out == NULL)
		return -EINVAL;
	if (outlen < 3)
		return -ENOSPC;
	out[k++] = '\'';
	for (p = word; *p; p++) {
		if (*p == '\'') {
			if (k + 4 >= outlen)
				return -ENOSPC;
			memcpy(out + k, "'\\''", 4);
			k += 4;
		} else {
			if (k + 1 >= outlen)
				return -ENOSPC;
			out[k++] = *p;
		}
	}
	if (k + 2 > outlen)
		return -ENOSPC;
	out[k++] = '\'';
	out[k] = '\0';
	return 0;
}

void
hmc_cmd_init(struct hmc_cmd *c, const char *verb)
{
	size_t n = verb ? strnlen(verb, HMC_CMD_MAX - 1) : 0;

	if (n > 0)
		memcpy(c->line, verb, n);
	c->line[n] = '\0';
	c->len = n;
}

/* Append " " and the N bytes of S, or fail with -E2BIG leaving C as it was. */
static int
cmd_put(struct hmc_cmd *c, const char *s, size_t n)
{
	if (c->len + 1 + n >= HMC_CMD_MAX)
		return -E2BIG;
	c->line[c->len++] = ' ';
	memcpy(c->line + c->len, s, n);
	c->len += n;
	c->line[c->len] = '\0';
	return 0;
}

static bool
word_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || (ch != '\0' && strchr("_.,:=/-", ch));
}

static bool
word_ok(const char *word)
{
	const char *p;

	if (word == NULL || word[0] == '\0')
		return false;
	for (p = word; *p; p++)
		if (!word_char_ok(*p))
			return false;
	return true;
}

int
hmc_cmd_word(struct hmc_cmd *c, const char *word)
{
	if (!word_ok(word))
		return -EINVAL;
	return cmd_put(c, word, strlen(word));
}

int
hmc_cmd_arg(struct hmc_cmd *c, const char *text)
{
	char q[HMC_CMD_MAX];
	const unsigned char *p;
	int rc;

	if (text == NULL)
		return -EINVAL;
	for (p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return -EINVAL;
	rc = hmc_shell_quote(text, q, sizeof(q));
	if (rc == -ENOSPC)
		return -E2BIG;
	if (rc < 0)
		return rc;
	return cmd_put(c, q, strlen(q));
}

int
hmc_cmd_name(struct hmc_cmd *c, const char *opt, const char *name)
{
	size_t len = c->len;
	int rc;

	rc = hmc_name_check(name);
	if (rc == 0 && opt != NULL)
		rc = hmc_cmd_word(c, opt);
	if (rc == 0)
		rc = hmc_cmd_arg(c, name);
	if (rc < 0) {
		c->len = len;
		c->line[len] = '\0';
	}
	return rc;
}

/* A builder's last step: on failure, leave nothing that could be sent. */
static int
cmd_done(struct hmc_cmd *c, int rc)
{
	if (rc < 0) {
		c->line[0] = '\0';
		c->len = 0;
	}
	return rc;
}

/* Append words from a NULL-terminated list, stopping at the first error. */
static int
cmd_words(struct hmc_cmd *c, const char *const *words)
{
	int rc = 0;

	for (; rc == 0 && *words != NULL; words++)
		rc = hmc_cmd_word(c, *words);
	return rc;
}

/* -F a,b,c: names joined by the delimiter; quoted if the delimiter is not
 * a plain word character (';', '|', ' ' ...). */
static int
cmd_fields(struct hmc_cmd *c, const struct hmc_fields *f)
{
	char list[HMC_CMD_MAX];
	size_t k = 0, n, i;
	int rc;

	if (f == NULL)
		return 0;
	if (f->names == NULL || f->names[0] == NULL || !hmc_delim_ok(f->delim))
		return -EINVAL;
	for (i = 0; f->names[i] != NULL; i++) {
		if (!hmc_attr_name_ok(f->names[i]))
			return -EINVAL;
		n = strlen(f->names[i]);
		if (k + n + 2 > sizeof(list))
			return -E2BIG;
		if (i > 0)
			list[k++] = f->delim;
		memcpy(list + k, f->names[i], n);
		k += n;
	}
	list[k] = '\0';
	rc = hmc_cmd_word(c, "-F");
	if (rc == 0)
		rc = word_char_ok(f->delim) ? hmc_cmd_word(c, list)
					    : hmc_cmd_arg(c, list);
	return rc;
}

/* Scratch text (a filter, an -i string) built in a struct hmc_cmd without
 * the word-separating spaces. */
static int
text_add(struct hmc_cmd *t, const char *s)
{
	size_t n = strlen(s);

	if (t->len + n >= HMC_CMD_MAX)
		return -E2BIG;
	memcpy(t->line + t->len, s, n + 1);
	t->len += n;
	return 0;
}

/* "lpar_names=a,b": the HMC's filter syntax has no quoting, so a name with
 * ',' or '"' cannot be carried (use lpar_ids for it). */
static int
filter_names(struct hmc_cmd *t, const char *const *names)
{
	size_t i;
	int rc;

	if (names[0] == NULL)
		return -EINVAL;
	rc = text_add(t, "lpar_names=");
	for (i = 0; rc == 0 && names[i] != NULL; i++) {
		rc = hmc_name_check(names[i]);
		if (rc == 0 && strpbrk(names[i], ",\"") != NULL)
			rc = -EINVAL;
		if (rc == 0 && i > 0)
			rc = text_add(t, ",");
		if (rc == 0)
			rc = text_add(t, names[i]);
	}
	return rc;
}

static int
filter_ids(struct hmc_cmd *t, const unsigned int *ids, size_t n)
{
	char num[16];
	size_t i;
	int rc;

	if (n == 0)
		return -EINVAL;
	rc = text_add(t, "lpar_ids=");
	for (i = 0; rc == 0 && i < n; i++) {
		if (ids[i] == 0)	/* partition ids start at 1 */
			return -EINVAL;
		snprintf(num, sizeof(num), "%s%u", i ? "," : "", ids[i]);
		rc = text_add(t, num);
	}
	return rc;
}

static int
cmd_filter(struct hmc_cmd *c, const struct hmc_filter *f)
{
	struct hmc_cmd t = { .len = 0 };
	int rc;

	if (f == NULL)
		return 0;
	t.line[0] = '\0';
	if ((f->lpar_names != NULL) == (f->lpar_ids != NULL))
		return -EINVAL;		/* exactly one of them */
	rc = f->lpar_names ? filter_names(&t, f->lpar_names)
			   : filter_ids(&t, f->lpar_ids, f->n_ids);
	if (rc == 0)
		rc = hmc_cmd_word(c, "--filter");
	if (rc == 0)
		rc = hmc_cmd_arg(c, t.line);
	return rc;
}

static const char *const res_names[] = {
	[HMC_RES_SYS] = "sys",
	[HMC_RES_LPAR] = "lpar",
	[HMC_RES_PROF] = "prof",
};

int
hmc_cmd_lssyscfg(struct hmc_cmd *c, enum hmc_res res, const char *sys,
		 const struct hmc_filter *filter,
		 const struct hmc_fields *fields, bool header)
{
	int rc = 0;

	hmc_cmd_init(c, "lssyscfg");
	if ((unsigned int)res >= NELEM(res_names))
		return cmd_done(c, -EINVAL);
	/* Partitions and profiles belong to one system; a filter names
	 * partitions. */
	if (res != HMC_RES_SYS && sys == NULL)
		return cmd_done(c, -EINVAL);
	if (res == HMC_RES_SYS && filter != NULL)
		return cmd_done(c, -EINVAL);
	rc = cmd_words(c, (const char *const[]){ "-r", res_names[res], NULL });
	if (rc == 0 && sys != NULL)
		rc = hmc_cmd_name(c, "-m", sys);
	if (rc == 0)
		rc = cmd_filter(c, filter);
	if (rc == 0)
		rc = cmd_fields(c, fields);
	if (rc == 0 && header)
		rc = hmc_cmd_word(c, "--header");
	return cmd_done(c, rc);
}

int
hmc_cmd_lshwres(struct hmc_cmd *c, enum hmc_hwres res, const char *sys,
		enum hmc_level level, const struct hmc_fields *fields)
{
	static const char *const hw[] = { [HMC_HWRES_MEM] = "mem",
					  [HMC_HWRES_PROC] = "proc" };
	static const char *const lv[] = { [HMC_LEVEL_SYS] = "sys",
					  [HMC_LEVEL_LPAR] = "lpar" };
	int rc;

	hmc_cmd_init(c, "lshwres");
	if ((unsigned int)res >= NELEM(hw) || (unsigned int)level >= NELEM(lv))
		return cmd_done(c, -EINVAL);
	rc = cmd_words(c, (const char *const[]){ "-r", hw[res], NULL });
	if (rc == 0)
		rc = hmc_cmd_name(c, "-m", sys);
	if (rc == 0)
		rc = cmd_words(c, (const char *const[]){ "--level", lv[level], NULL });
	if (rc == 0)
		rc = cmd_fields(c, fields);
	return cmd_done(c, rc);
}

int
hmc_cmd_lslic(struct hmc_cmd *c, const char *sys,
	      const struct hmc_fields *fields)
{
	int rc;

	hmc_cmd_init(c, "lslic");
	rc = hmc_cmd_name(c, "-m", sys);
	if (rc == 0)
		rc = cmd_fields(c, fields);
	return cmd_done(c, rc);
}

int
hmc_cmd_sys_power(struct hmc_cmd *c, const char *sys, bool on, bool immed)
{
	int rc;

	hmc_cmd_init(c, "chsysstate");
	if (on && immed)	/* --immed is a way of powering off */
		return cmd_done(c, -EINVAL);
	rc = hmc_cmd_name(c, "-m", sys);
	if (rc == 0)
		rc = cmd_words(c, (const char *const[]){ "-r", "sys", "-o",
						       on ? "on" : "off", NULL });
	if (rc == 0 && immed)
		rc = hmc_cmd_word(c, "--immed");
	return cmd_done(c, rc);
}

/* chsysstate -r lpar -m SYS -n LPAR: the start of both partition commands. */
static int
cmd_lpar_state(struct hmc_cmd *c, const char *sys, const char *lpar)
{
	int rc;

	hmc_cmd_init(c, "chsysstate");
	rc = cmd_words(c, (const char *const[]){ "-r", "lpar", NULL });
	if (rc == 0)
		rc = hmc_cmd_name(c, "-m", sys);
	if (rc == 0)
		rc = hmc_cmd_name(c, "-n", lpar);
	return rc;
}

int
hmc_cmd_lpar_on(struct hmc_cmd *c, const char *sys, const char *lpar,
		const char *profile)
{
	int rc = cmd_lpar_state(c, sys, lpar);

	if (rc == 0)
		rc = cmd_words(c, (const char *const[]){ "-o", "on", NULL });
	if (rc == 0)
		rc = hmc_cmd_name(c, "-f", profile);
	return cmd_done(c, rc);
}

int
hmc_cmd_lpar_shutdown(struct hmc_cmd *c, const char *sys, const char *lpar,
		      bool immed)
{
	int rc = cmd_lpar_state(c, sys, lpar);

	if (rc == 0)
		rc = cmd_words(c, (const char *const[]){ "-o", "shutdown", NULL });
	if (rc == 0 && immed)
		rc = hmc_cmd_word(c, "--immed");
	return cmd_done(c, rc);
}

/* The -i string is attr=value input: written by the formatter, so a name
 * with ',' or '"' is quoted the HMC's way, then the whole string is quoted
 * for the shell. */
static int
cmd_attrs_arg(struct hmc_cmd *c, const char *const *names,
	      const char *const *values, size_t n)
{
	struct hmc_buf b = { 0 };
	int rc;

	rc = hmc_fmt_attrs(&b, names, values, n);
	if (rc == 0) {
		b.s[--b.len] = '\0';	/* the row's newline */
		rc = hmc_cmd_arg(c, b.s);
	}
	hmc_buf_free(&b);
	return rc;
}

int
hmc_cmd_lpar_set_srr(struct hmc_cmd *c, const char *sys, const char *lpar,
		     bool capable)
{
	static const char *const names[] = { "name",
					     "simplified_remote_restart_capable" };
	const char *values[] = { lpar, capable ? "1" : "0" };
	int rc;

	hmc_cmd_init(c, "chsyscfg");
	rc = hmc_name_check(lpar);
	if (rc == 0)
		rc = cmd_words(c, (const char *const[]){ "-r", "lpar", NULL });
	if (rc == 0)
		rc = hmc_cmd_name(c, "-m", sys);
	if (rc == 0)
		rc = hmc_cmd_word(c, "-i");
	if (rc == 0)
		rc = cmd_attrs_arg(c, names, values, NELEM(names));
	return cmd_done(c, rc);
}

int
hmc_cmd_migrlpar_validate(struct hmc_cmd *c, const char *src,
			  const char *dst, const char *lpar)
{
	int rc;

	hmc_cmd_init(c, "migrlpar");
	rc = cmd_words(c, (const char *const[]){ "-o", "v", NULL });
	if (rc == 0)
		rc = hmc_cmd_name(c, "-m", src);
	if (rc == 0)
		rc = hmc_cmd_name(c, "-t", dst);
	if (rc == 0)
		rc = hmc_cmd_name(c, "-p", lpar);
	return cmd_done(c, rc);
}

/* What each rrstartlpar operation takes (hmc-cli.md, IBM's man page).
 * Anything else is refused rather than sent for the HMC to judge: an
 * option the engine did not mean is a bug to catch here. */
enum {
	RR_DST_REQUIRED	= 1 << 0,
	RR_DST_REFUSED	= 1 << 1,
	RR_RETAINDEV	= 1 << 2,
	RR_FORCE	= 1 << 3,
	RR_NOCONNECTION	= 1 << 4,
	RR_USECURRDATA	= 1 << 5,
	RR_REDUNDANTVIOS = 1 << 6,
};

static const struct {
	const char *name;
	unsigned int takes;
} rr_ops[] = {
	[HMC_RR_VALIDATE] = { "validate", RR_DST_REQUIRED | RR_NOCONNECTION |
				RR_USECURRDATA | RR_REDUNDANTVIOS },
	[HMC_RR_RESTART]  = { "restart", RR_DST_REQUIRED | RR_NOCONNECTION |
				RR_USECURRDATA | RR_REDUNDANTVIOS },
	/* The source's own definition: there is no destination. */
	[HMC_RR_CLEANUP]  = { "cleanup", RR_DST_REFUSED | RR_RETAINDEV | RR_FORCE },
	[HMC_RR_CANCEL]   = { "cancel", 0 },
	[HMC_RR_RECOVER]  = { "recover", RR_FORCE },
};

const char *
hmc_rr_op_name(enum hmc_rr_op op)
{
	if ((unsigned int)op >= NELEM(rr_ops))
		return "unknown";
	return rr_ops[op].name;
}

static int
rr_check(const struct hmc_rr *rr)
{
	unsigned int takes;

	if ((unsigned int)rr->op >= NELEM(rr_ops))
		return -EINVAL;
	takes = rr_ops[rr->op].takes;
	if ((takes & RR_DST_REQUIRED) && rr->dst == NULL)
		return -EINVAL;
	if ((takes & RR_DST_REFUSED) && rr->dst != NULL)
		return -EINVAL;
	/* Exactly one way of naming the partition. */
	if ((rr->lpar != NULL) == (rr->lpar_id != 0))
		return -EINVAL;
	if ((rr->retaindev && !(takes & RR_RETAINDEV)) ||
	    (rr->force && !(takes & RR_FORCE)) ||
	    (rr->noconnection && !(takes & RR_NOCONNECTION)) ||
	    (rr->usecurrdata && !(takes & RR_USECURRDATA)))
		return -EINVAL;
	if (rr->redundantvios != -1 &&
	    (!(takes & RR_REDUNDANTVIOS) || rr->redundantvios < 0 ||
	     rr->redundantvios > 2))
		return -EINVAL;
	if (rr->wait_minutes < 0)
		return -EINVAL;
	return 0;
}

/* The options after the partition, in the man page's order. */
static int
rr_options(struct hmc_cmd *c, const struct hmc_rr *rr)
{
	char num[16];
	int rc = 0;

	if (rc == 0 && rr->redundantvios != -1) {
		snprintf(num, sizeof(num), "%d", rr->redundantvios);
		rc = cmd_words(c, (const char *const[]){ "--redundantvios", num, NULL });
	}
	if (rc == 0 && rr->retaindev)
		rc = hmc_cmd_word(c, "--retaindev");
	if (rc == 0 && rr->usecurrdata)
		rc = hmc_cmd_word(c, "--usecurrdata");
	if (rc == 0 && rr->noconnection)
		rc = hmc_cmd_word(c, "--noconnection");
	if (rc == 0 && rr->wait_minutes > 0) {
		snprintf(num, sizeof(num), "%d", rr->wait_minutes);
		rc = cmd_words(c, (const char *const[]){ "-w", num, NULL });
	}
	if (rc == 0 && rr->force)
		rc = hmc_cmd_word(c, "--force");
	return rc;
}

int
hmc_cmd_rrstartlpar(struct hmc_cmd *c, const struct hmc_rr *rr)
{
	char id[16];
	int rc;

	hmc_cmd_init(c, "rrstartlpar");
	rc = rr ? rr_check(rr) : -EINVAL;
	if (rc == 0)
		rc = cmd_words(c, (const char *const[]){ "-o", rr_ops[rr->op].name, NULL });
	if (rc == 0)
		rc = hmc_cmd_name(c, "-m", rr->src);
	if (rc == 0 && rr->dst != NULL)
		rc = hmc_cmd_name(c, "-t", rr->dst);
	if (rc == 0 && rr->lpar != NULL) {
		rc = hmc_cmd_name(c, "-p", rr->lpar);
	} else if (rc == 0) {
		snprintf(id, sizeof(id), "%u", rr->lpar_id);
		rc = cmd_words(c, (const char *const[]){ "--id", id, NULL });
	}
	if (rc == 0)
		rc = rr_options(c, rr);
	return cmd_done(c, rc);
}
