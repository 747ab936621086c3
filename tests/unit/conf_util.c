/*
 * conf_util.c: the configuration tests' scratch directory and fixture
 * helpers (see conf_util.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/srrd_conf_int.h"
#include "conf_util.h"

char conf_dir[64];

static const struct {
	const char *name;
	mode_t mode;
	const char *text;
} scratch[] = {
	{ "id", 0600, "-----BEGIN OPENSSH PRIVATE KEY-----\n" },
	{ "id_open", 0644, "-----BEGIN OPENSSH PRIVATE KEY-----\n" },
	{ "id_rsa", 0600, "-----BEGIN OPENSSH PRIVATE KEY-----\n" },
	{ "id2", 0400, "-----BEGIN OPENSSH PRIVATE KEY-----\n" },
	{ "known_hosts", 0644, "" },
	{ "known_hosts2", 0600, "" },
	{ "kh_open", 0666, "" },
	{ "alert.sh", 0755, "#!/bin/sh\nexit 0\n" },
	{ "alert2.sh", 0700, "#!/bin/sh\nexit 0\n" },
	{ "notexec", 0644, "#!/bin/sh\nexit 0\n" },
};

static int
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -errno;
	fputs(text, f);
	if (fclose(f) != 0)
		return -EIO;
	/* chmod after the write: the umask must not decide the mode */
	return chmod(path, mode) < 0 ? -errno : 0;
}

int
conf_dir_make(void)
{
	char path[128];
	size_t i;
	int rc;

	strcpy(conf_dir, "/tmp/srrconf.XXXXXX");
	if (mkdtemp(conf_dir) == NULL)
		return -errno;
	for (i = 0; i < sizeof(scratch) / sizeof(scratch[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", conf_dir, scratch[i].name);
		rc = write_file(path, scratch[i].text, scratch[i].mode);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void
conf_dir_remove(void)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(conf_dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", conf_dir, e->d_name);
		if (unlink(path) < 0)
			rmdir(path);
	}
	closedir(d);
	rmdir(conf_dir);
}

int
conf_group_setup(void **state)
{
	return conf_dir_make();
}

int
conf_group_teardown(void **state)
{
	conf_dir_remove();
	return 0;
}

void
conf_src_path(const char *rel, char *out, size_t len)
{
	const char *src = getenv("SRCDIR");

	snprintf(out, len, "%s/%s", src != NULL ? src : ".", rel);
}

char *
conf_read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];
	FILE *m;

	if (f == NULL)
		return NULL;
	m = open_memstream(&buf, &len);
	while (m != NULL && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	if (m != NULL)
		fclose(m);
	return buf;
}

char *
conf_subst(const char *text, const char *from, const char *to)
{
	size_t nf = strlen(from), len = 0;
	char *buf = NULL;
	const char *p;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		return NULL;
	while ((p = strstr(text, from)) != NULL) {
		fwrite(text, 1, (size_t)(p - text), m);
		fputs(to, m);
		text = p + nf;
	}
	fputs(text, m);
	fclose(m);
	return buf;
}

void
conf_normalise(char *s, size_t size)
{
	char *a = conf_subst(s, conf_dir, "@DIR@");
	char *b = a != NULL ? conf_subst(a, SRR_SYSCONFDIR "/",
					 "@SYSCONFDIR@/") : NULL;

	if (b != NULL)
		snprintf(s, size, "%s", b);
	free(a);
	free(b);
}

int
conf_load_text(const char *name, const char *text, struct srrd_conf *c,
	       char *err, size_t errlen)
{
	char path[256];
	char *t = conf_subst(text, "@DIR@", conf_dir);
	int rc;

	snprintf(path, sizeof(path), "%s/%s", conf_dir, name);
	rc = t != NULL ? write_file(path, t, 0600) : -ENOMEM;
	free(t);
	if (rc < 0) {
		snprintf(err, errlen, "cannot write %s", path);
		return rc;
	}
	rc = srrd_conf_load(path, c, err, errlen);
	conf_normalise(err, errlen);
	return rc;
}

char *
conf_print_text(const struct srrd_conf *c, bool local)
{
	char *buf = NULL, *out;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		return NULL;
	conf_print(c, m, local);
	fclose(m);
	out = conf_subst(buf, conf_dir, "@DIR@");
	free(buf);
	return out;
}

static void
show_lines(const char *tag, const char *s, int line)
{
	int n = 1;

	for (; *s != '\0' && n < line; s++)
		n += *s == '\n';
	printf("# %s line %d: %.*s\n", tag, line, (int)strcspn(s, "\n"), s);
}

bool
conf_golden_same(const char *what, const char *got, const char *want)
{
	int line = 1;
	size_t i;

	if (got != NULL && want != NULL && strcmp(got, want) == 0)
		return true;
	printf("# %s: not as expected\n", what);
	if (got == NULL || want == NULL)
		return false;
	for (i = 0; got[i] != '\0' && got[i] == want[i]; i++)
		line += got[i] == '\n';
	show_lines("got ", got, line);
	show_lines("want", want, line);
	return false;
}

bool
conf_equal(const struct srrd_conf *a, const struct srrd_conf *b)
{
	struct srrd_conf x = *a, y = *b;
	const struct srrd_fence_conf *fa, *fb;
	size_t i;
	int s;

	if (a->nlpar != b->nlpar || (a->nlpar > 0 &&
	    memcmp(a->lpar, b->lpar, a->nlpar * sizeof(a->lpar[0])) != 0))
		return false;
	for (s = 0; s < SRR_MAX_SYS; s++) {
		fa = a->sys[s].fence;
		fb = b->sys[s].fence;
		if ((fa == NULL) != (fb == NULL) ||
		    (fa != NULL && memcmp(fa, fb, sizeof(*fa)) != 0)) {
			printf("# the fence confs of system %d differ\n", s);
			return false;
		}
		x.sys[s].fence = y.sys[s].fence = NULL;
	}
	memset(x.file, 0, sizeof(x.file));
	memset(y.file, 0, sizeof(y.file));
	x.lpar = y.lpar = NULL;
	for (i = 0; i < sizeof(x); i++)
		if (((const char *)&x)[i] != ((const char *)&y)[i]) {
			printf("# configurations differ at byte %zu of %zu\n",
			       i, sizeof(x));
			return false;
		}
	return true;
}
