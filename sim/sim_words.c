/*
 * sim_words.c: split an incoming command line into words the way the
 * HMC's restricted bash reads it.
 *
 * Clients quote every name (hmc_shell_quote: '...' with ' as '\''), and
 * fence_lpar sends double quotes and a `lssyscfg ...` substitution for the
 * profile, so those are read as bash reads them. What a restricted shell
 * does not offer here (pipes, lists, redirections, $(...)) is refused, so a
 * hostile name that escaped its quotes shows up as an error, not as a
 * second command.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct split {
	char **argv;
	size_t argc;
	struct hmc_buf word;
	bool have_word;		/* a word is open (even if empty: '') */
	sim_subst_fn subst;
	void *arg;
};

static int
word_add(struct split *sp, const char *s, size_t n)
{
	sp->have_word = true;
	return hmc_buf_append(&sp->word, s, n);
}

static int
word_end(struct split *sp)
{
	char *w;

	if (!sp->have_word)
		return 0;
	if (sp->argc + 1 >= SIM_ARGS_MAX)
		return -E2BIG;
	w = strndup(sp->word.s ? sp->word.s : "", sp->word.len);
	if (w == NULL)
		return -ENOMEM;
	sp->argv[sp->argc++] = w;
	sp->argv[sp->argc] = NULL;
	sp->word.len = 0;
	sp->have_word = false;
	return 0;
}

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* `...`: read up to the closing backtick (\` \\ \$ are escapes), run it,
 * and append its output without trailing newlines; unquoted, the output is
 * split on blanks. Returns the bytes consumed after the opening backtick. */
static int
backtick(struct split *sp, const char *p, bool quoted)
{
	struct hmc_buf cmd = { 0 };
	const char *q = p;
	char *out = NULL;
	size_t n, i;
	int rc;

	if (sp->subst == NULL)
		return -EPERM;
	for (; *q != '\0' && *q != '`'; q++) {
		if (*q == '\\' && (q[1] == '`' || q[1] == '\\' || q[1] == '$'))
			q++;
		if ((rc = hmc_buf_append(&cmd, q, 1)) != 0)
			goto out;
	}
	if (*q != '`') {
		rc = -EINVAL;
		goto out;
	}
	rc = sp->subst(sp->arg, cmd.s ? cmd.s : "", &out);
	if (rc != 0)
		goto out;
	n = strlen(out);
	while (n > 0 && out[n - 1] == '\n')
		n--;
	for (i = 0; i < n && rc == 0; i++) {
		if (!quoted && is_blank(out[i]))
			rc = word_end(sp);
		else
			rc = word_add(sp, &out[i], 1);
	}
	if (quoted)
		sp->have_word = true;
	if (rc == 0)
		rc = (int)(q - p) + 1;
out:
	free(out);
	hmc_buf_free(&cmd);
	return rc;
}

/* "...": returns the bytes consumed after the opening quote. */
static int
dquote(struct split *sp, const char *p)
{
	const char *q = p;
	int rc = 0;

	sp->have_word = true;
	while (*q != '"') {
		if (*q == '\0')
			return -EINVAL;
		if (*q == '\\' && q[1] != '\0' && strchr("$`\"\\\n", q[1])) {
			if (q[1] != '\n')
				rc = word_add(sp, q + 1, 1);
			q += 2;
		} else if (*q == '`') {
			rc = backtick(sp, q + 1, true);
			if (rc < 0)
				return rc;
			q += rc + 1;
			rc = 0;
		} else if (*q == '$' && q[1] == '(') {
			return -EPERM;
		} else {
			rc = word_add(sp, q++, 1);
		}
		if (rc != 0)
			return rc;
	}
	return (int)(q - p) + 1;
}

static int
split_one(struct split *sp, const char *p)
{
	const char *end;
	int rc;

	switch (*p) {
	case '\'':
		end = strchr(p + 1, '\'');
		if (end == NULL)
			return -EINVAL;
		rc = word_add(sp, p + 1, (size_t)(end - p - 1));
		return rc ? rc : (int)(end - p) + 1;
	case '"':
		rc = dquote(sp, p + 1);
		return rc < 0 ? rc : rc + 1;
	case '`':
		rc = backtick(sp, p + 1, false);
		return rc < 0 ? rc : rc + 1;
	case '\\':
		if (p[1] == '\0')
			return 1;
		if (p[1] == '\n')
			return 2;
		rc = word_add(sp, p + 1, 1);
		return rc ? rc : 2;
	case ';': case '|': case '&': case '<': case '>': case '(': case ')':
		return -EPERM;
	case '$':
		if (p[1] == '(')
			return -EPERM;
		/* fall through */
	default:
		rc = word_add(sp, p, 1);
		return rc ? rc : 1;
	}
}

int
sim_words_split(const char *line, sim_subst_fn subst, void *arg, char ***argv)
{
	struct split sp = { .subst = subst, .arg = arg };
	const char *p = line;
	int rc = 0;

	if (strlen(line) > SIM_LINE_MAX)
		return -E2BIG;
	sp.argv = calloc(SIM_ARGS_MAX, sizeof(char *));
	if (sp.argv == NULL)
		return -ENOMEM;
	while (*p != '\0') {
		if (is_blank(*p)) {
			rc = word_end(&sp);
			p++;
		} else if (*p == '#' && !sp.have_word) {
			break;		/* a comment runs to the end */
		} else {
			rc = split_one(&sp, p);
			if (rc > 0) {
				p += rc;
				rc = 0;
			}
		}
		if (rc != 0)
			break;
	}
	if (rc == 0)
		rc = word_end(&sp);
	hmc_buf_free(&sp.word);
	if (rc != 0) {
		sim_words_free(sp.argv);
		return rc;
	}
	*argv = sp.argv;
	return (int)sp.argc;
}

void
sim_words_free(char **argv)
{
	hmc_strv_free(argv);
}
