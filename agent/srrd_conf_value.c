/*
 * srrd_conf_value.c: one value of srrha.conf into its field, by type, and
 * the checks on the files a value names (the HMC private key, known_hosts,
 * fence and alert agents), made at load so that srrd never starts with a
 * key OpenSSH itself would refuse or an agent it cannot run.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hmc/hmc.h"
#include "agent/srrd_conf_int.h"

static int
int_set(void *p, size_t size, int64_t v)
{
	uint16_t v16 = (uint16_t)v;
	uint32_t v32 = (uint32_t)v;

	if (size == sizeof(v16))
		memcpy(p, &v16, size);
	else if (size == sizeof(v32))
		memcpy(p, &v32, size);
	else
		memcpy(p, &v, sizeof(v));
	return 0;
}

static int
text_set(void *p, size_t size, const char *s, bool empty_ok, char *why,
	 size_t whylen)
{
	size_t i, n = strlen(s);

	if (n >= size) {
		snprintf(why, whylen, "longer than %zu bytes", size - 1);
		return -ENAMETOOLONG;
	}
	if (n == 0 && !empty_ok) {
		snprintf(why, whylen, "empty");
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(why, whylen, "a control character");
			return -EINVAL;
		}
	memcpy(p, s, n + 1);
	return 0;
}

static int
path_set(void *p, size_t size, const char *s, char *why, size_t whylen)
{
	if (s[0] != '/') {
		snprintf(why, whylen, "'%.60s' is not an absolute path", s);
		return -EINVAL;
	}
	return text_set(p, size, s, false, why, whylen);
}

/* As OpenSSH does for a private key: a regular file we can read, owned by
 * us or root, with no permission for group or others. */
static int
identity_check(const char *path, char *why, size_t whylen)
{
	struct stat st;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = -errno;
		snprintf(why, whylen, "%.100s: %s", path, strerror(-rc));
	} else if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(why, whylen, "%.100s: not a regular file", path);
	} else if (st.st_uid != geteuid() && st.st_uid != 0) {
		rc = -EPERM;
		snprintf(why, whylen, "%.100s: owned by uid %u, not by us or "
			 "root", path, (unsigned)st.st_uid);
	} else if (st.st_mode & 077) {
		rc = -EPERM;
		snprintf(why, whylen, "%.100s: mode %04o gives group or others "
			 "access to the private key (chmod 600)", path,
			 (unsigned)(st.st_mode & 07777));
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int
srrd_conf_file_check(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	if (stat(path, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(err, errlen, "%s: owned by uid %u, not by us or root "
			 "(chown root)", path, (unsigned)st.st_uid);
		return -EPERM;
	}
	if (st.st_mode & (S_IRWXO | S_IWGRP)) {
		snprintf(err, errlen, "%s: mode %04o lets %s the HMC and fence "
			 "credentials (chmod 600)", path,
			 (unsigned)(st.st_mode & 07777),
			 st.st_mode & S_IRWXO ? "other users read" :
			 "the group change");
		return -EPERM;
	}
	return 0;
}

/* Anyone who can write known_hosts can make us trust their HMC. */
int
conf_known_hosts_check(const char *path, char *why, size_t whylen)
{
	struct stat st;
	int rc;

	if (stat(path, &st) < 0 || access(path, R_OK) < 0) {
		rc = -errno;
		snprintf(why, whylen, "%.100s: %s", path, strerror(-rc));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%.100s: not a regular file", path);
		return -EINVAL;
	}
	if (st.st_mode & 022) {
		snprintf(why, whylen, "%.100s: mode %04o lets group or others "
			 "add host keys (chmod 644)", path,
			 (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

static int
exec_check(const char *path, char *why, size_t whylen)
{
	struct stat st;
	int rc;

	if (stat(path, &st) < 0) {
		rc = -errno;
		snprintf(why, whylen, "%.100s: %s", path, strerror(-rc));
		return rc;
	}
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0) {
		snprintf(why, whylen, "%.100s: not an executable file", path);
		return -EACCES;
	}
	return 0;
}

static int
group_check(const char *name, char *why, size_t whylen)
{
	struct group gr, *res = NULL;
	char buf[4096];
	const char *lwhy;
	int rc;

	if (name[0] == '\0')
		return 0;
	if (conf_label_check(name, SRRD_LABEL_LEN, &lwhy) < 0) {
		snprintf(why, whylen, "%s", lwhy);
		return -EINVAL;
	}
	rc = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
	if (rc != 0 || res == NULL) {
		snprintf(why, whylen, "no such group '%s'", name);
		return -ENOENT;
	}
	return 0;
}

static int
host_set(void *p, size_t size, const char *s, char *why, size_t whylen)
{
	size_t n = strlen(s);

	if (n == 0 || n >= size || strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:-_%") != n) {
		snprintf(why, whylen, "'%.60s' is not a host name or address",
			 s);
		return -EINVAL;
	}
	memcpy(p, s, n + 1);
	return 0;
}

static int
label_set(void *p, size_t size, const char *s, char *why, size_t whylen)
{
	const char *lwhy;

	if (conf_label_check(s, size, &lwhy) < 0) {
		snprintf(why, whylen, "'%.60s': %s", s, lwhy);
		return -EINVAL;
	}
	memcpy(p, s, strlen(s) + 1);
	return 0;
}

/* A definite-down state is one the HMC classes as down: counting No
 * Connection as down would restart partitions that may still run. */
static int
states_set(struct conf_ctx *x, const struct conf_keydef *k, uint32_t *mask,
	   const char *s, char *why, size_t whylen)
{
	bool down = k->off == offsetof(struct srrd_conf, down_mask);
	uint32_t m;
	int st;

	if (conf_states_parse(s, &m, why, whylen) < 0)
		return -EINVAL;
	for (st = 0; st < HMC_SYS_STATE_COUNT; st++) {
		enum hmc_sys_class cl = hmc_sys_state_class(st);

		if (!(m & 1u << st))
			continue;
		if (cl == HMC_CLASS_OPERATING || (down && cl != HMC_CLASS_DOWN)) {
			snprintf(why, whylen, "'%s' cannot be %s", hmc_sys_state_name(st),
				 down ? "a definite-down state (partitions may "
				 "still run in it)" : "ambiguous (the system "
				 "answers)");
			return -EINVAL;
		}
	}
	if (down && m == 0) {
		snprintf(why, whylen, "at least one state");
		return -EINVAL;
	}
	if (!down)
		x->ambig_given = true;
	*mask = m;
	return 0;
}

static int
dests_set(struct conf_ctx *x, const char *s, char *why, size_t whylen)
{
	struct conf_sys_pend *p = &x->sp[x->idx];

	if (s[0] == '\0') {
		snprintf(why, whylen, "empty");
		return -EINVAL;
	}
	p->dest_line = x->line;
	return text_set(p->dest, sizeof(p->dest), s, false, why, whylen);
}

static int
pin_set(struct conf_ctx *x, const char *s, char *why, size_t whylen)
{
	struct conf_lpar_pend *p = &x->lp[x->idx];

	if (hmc_name_check(s) < 0 || strlen(s) >= sizeof(p->pin)) {
		snprintf(why, whylen, "not a system name");
		return -EINVAL;
	}
	p->pin_line = x->line;
	strcpy(p->pin, s);
	return 0;
}

/* fence_param_KEY = VALUE: one stdin line KEY=VALUE for the fence agent.
 * action is ours (always off). */
static int
fence_param_set(struct conf_ctx *x, const char *key, const char *s,
		char *why, size_t whylen)
{
	struct srrd_fence_conf *f = x->c->sys[x->idx].fence;
	const char *name = key + strlen("fence_param_");
	int i;

	if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") !=
	    strlen(name) || strlen(name) >= SRRD_LABEL_LEN) {
		snprintf(why, whylen, "a fence parameter name is lower case "
			 "letters, digits and '_'");
		return -EINVAL;
	}
	if (strcmp(name, "action") == 0) {
		snprintf(why, whylen, "srrd sets the action (off) itself");
		return -EINVAL;
	}
	for (i = 0; i < f->nparam; i++)
		if (strcmp(f->key[i], name) == 0) {
			snprintf(why, whylen, "repeated key");
			return -EINVAL;
		}
	if (f->nparam == SRRD_MAX_FENCE_PARAMS) {
		snprintf(why, whylen, "too many fence parameters (at most %d)",
			 SRRD_MAX_FENCE_PARAMS);
		return -E2BIG;
	}
	if (text_set(f->val[f->nparam], sizeof(f->val[0]), s, false, why,
		     whylen) < 0)
		return -EINVAL;
	strcpy(f->key[f->nparam++], name);
	return 0;
}

static int
number_set(const struct conf_keydef *k, void *p, const char *s, char *why,
	   size_t whylen)
{
	int64_t v;
	int rc;

	if (k->type == T_DUR)
		rc = conf_dur_parse(s, k->min, k->max, &v, why, whylen);
	else
		rc = conf_int_parse(s, k->min, k->max, &v, why, whylen);
	return rc < 0 ? rc : int_set(p, k->size, v);
}

static int
file_set(struct conf_ctx *x, const struct conf_keydef *k, void *p,
	 const char *s, char *why, size_t whylen)
{
	int rc = path_set(p, k->size, s, why, whylen);

	if (rc < 0)
		return rc;
	if (k->type == T_IDENTITY)
		return identity_check(s, why, whylen);
	if (k->type == T_KNOWN_HOSTS)
		return conf_known_hosts_check(s, why, whylen);
	if (k->type != T_EXEC)
		return 0;
	rc = exec_check(s, why, whylen);
	if (rc == 0 && x->kind == CONF_SYSTEM)
		x->sp[x->idx].agent_line = x->line;
	return rc;
}

int
conf_value_set(struct conf_ctx *x, const struct conf_keydef *k, void *base,
	       const char *value, char *why, size_t whylen)
{
	void *p = (char *)base + k->off;

	switch (k->type) {
	case T_BOOL:
		return conf_bool_parse(value, p, why, whylen);
	case T_INT:
	case T_DUR:
		return number_set(k, p, value, why, whylen);
	case T_LABEL:
	case T_CPG:
		return label_set(p, k->size, value, why, whylen);
	case T_HOST:
		return host_set(p, k->size, value, why, whylen);
	case T_TEXT:
		return text_set(p, k->size, value, true, why, whylen);
	case T_PATH:
	case T_IDENTITY:
	case T_KNOWN_HOSTS:
	case T_EXEC:
		return file_set(x, k, p, value, why, whylen);
	case T_GROUP:
		if (group_check(value, why, whylen) < 0)
			return -EINVAL;
		return text_set(p, k->size, value, true, why, whylen);
	case T_STATES:
		return states_set(x, k, p, value, why, whylen);
	case T_DESTS:
		return dests_set(x, value, why, whylen);
	case T_PIN:
		return pin_set(x, value, why, whylen);
	case T_FENCE_PARAM:
		return fence_param_set(x, x->key_now, value, why, whylen);
	}
	return -EINVAL;
}
