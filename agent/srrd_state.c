/*
 * srrd_state.c: what srrd keeps on this host: the lock that makes it the
 * only srrd here, the store (the ledger), and the inventory cache.
 *
 * The inventory cache (STATE_DIR/inventory.json) holds, per system, the
 * last inventory taken while it was Operating, so that an agent started
 * after a source died still knows what ran there (doc/engine.md: the
 * inventory is per agent). Written whole to a temporary file, synced and
 * renamed, so a crash leaves the old or the new one.
 */
#define SRR_LOG_TAG "srrd"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "agent/srrd_int.h"

#define CACHE_VERSION	1

int
srrd_lock(struct srrd *d)
{
	char path[PATH_MAX + 16];
	int fd, n;

	if (mkdir(d->conf.state_dir, 0750) < 0 && errno != EEXIST) {
		srr_log(LOG_ERR, "state directory %s: %s", d->conf.state_dir,
			strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/srrd.lock", d->conf.state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		srr_log(LOG_ERR, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		char pid[32] = "";

		n = (int)pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		srr_log(LOG_ERR, "another srrd (pid %s) holds %s: exactly one srrd "
			"runs per host", pid[0] ? pid : "?", path);
		close(fd);
		return -EBUSY;
	}
	n = snprintf(path, sizeof(path), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, path, (size_t)n, 0) != n)
		srr_log(LOG_WARNING, "cannot write our pid in the lock file");
	d->lock_fd = fd;
	return 0;
}

/* A store that cannot be opened stops srrd: never an empty ledger. */
int
srrd_open_store(struct srrd *d)
{
	char err[512] = "";
	int rc;

	rc = srr_store_open(d->conf.store_path, &d->store, err, sizeof(err));
	if (rc < 0) {
		srr_log(LOG_ERR, "store %s: %s: not starting (the ledger is never "
			"replaced by an empty one)", d->conf.store_path,
			err[0] ? err : strerror(-rc));
		return rc;
	}
	rc = srr_ledger_new(d->store, &d->ledger);
	if (rc < 0) {
		srr_log(LOG_ERR, "store %s: loading the ledger: %s: not starting",
			d->conf.store_path, srr_store_error(d->store));
		return rc;
	}
	srr_log(LOG_INFO, "store %s: %zu records", d->conf.store_path,
		srr_ledger_count(d->ledger));
	return 0;
}

static void
cache_path(const struct srrd *d, char *out, size_t len, const char *suffix)
{
	snprintf(out, len, "%s/inventory.json%s", d->conf.state_dir, suffix);
}

static json_object *
lpar_json(const struct srr_lpar_obs *l)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(l->name));
	json_object_object_add(o, "id", json_object_new_int64(l->id));
	json_object_object_add(o, "state",
			       json_object_new_string(hmc_lpar_state_name(l->state)));
	json_object_object_add(o, "srr", json_object_new_boolean(l->srr_capable));
	json_object_object_add(o, "vios", json_object_new_boolean(l->vios));
	json_object_object_add(o, "mem_mb", json_object_new_int64(l->mem_mb));
	json_object_object_add(o, "proc_centi",
			       json_object_new_int64(l->proc_centi));
	return o;
}

/* One system's entry, "NAME":{...}, as json-c writes it. The file is
 * written one system at a time: the whole estate as one json-c tree took
 * 2.6 MB of heap at 2000 partitions, freed after each write but kept in
 * srrd's RSS by fragmentation (doc/srrd.md, "Footprint"). */
static int
cache_write_sys(FILE *f, const struct srrd *d, int s, bool first)
{
	const struct srrd_sys *y = &d->sys[s];
	json_object *name = json_object_new_string(d->conf.sys[s].name);
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	size_t i;
	int rc;

	for (i = 0; i < y->ninv; i++)
		json_object_array_add(a, lpar_json(&y->inv[i]));
	json_object_object_add(o, "hmc", json_object_new_int(y->inv_hmc));
	json_object_object_add(o, "taken_ms",
			       json_object_new_int64(y->inv_wall));
	json_object_object_add(o, "lpars", a);
	rc = fprintf(f, "%s%s:%s", first ? "" : ",",
		     json_object_to_json_string_ext(name, JSON_C_TO_STRING_PLAIN),
		     json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(name);
	json_object_put(o);
	return rc < 0 ? -EIO : 0;
}

int
srrd_inv_cache_save(struct srrd *d)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 32];
	bool first = true;
	FILE *f = NULL;
	int s, fd, rc = 0;

	cache_path(d, path, sizeof(path), "");
	cache_path(d, tmp, sizeof(tmp), ".tmp");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
		goto fail;
	fprintf(f, "{\"version\":%d,\"systems\":{", CACHE_VERSION);
	for (s = 0; s < d->conf.nsys; s++) {
		if (d->sys[s].inv == NULL)
			continue;
		if (cache_write_sys(f, d, s, first) < 0)
			break;
		first = false;
	}
	fputs("}}", f);
	if (fflush(f) != 0 || ferror(f) || fsync(fd) < 0 || rename(tmp, path) < 0)
		goto fail;
	fclose(f);
	return 0;
fail:
	rc = errno ? -errno : -EIO;
	srr_log(LOG_ERR, "inventory cache %s: %s", path, strerror(-rc));
	if (f != NULL)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	return rc;
}

static bool
get_int(json_object *o, const char *k, int64_t min, int64_t max, int64_t *v)
{
	json_object *x;

	if (!json_object_object_get_ex(o, k, &x) ||
	    !json_object_is_type(x, json_type_int))
		return false;
	*v = json_object_get_int64(x);
	return *v >= min && *v <= max;
}

static int
lpar_from_json(json_object *o, struct srr_lpar_obs *l)
{
	json_object *x;
	const char *s;
	int64_t v;

	memset(l, 0, sizeof(*l));
	if (!json_object_object_get_ex(o, "name", &x) ||
	    (s = json_object_get_string(x)) == NULL ||
	    strlen(s) >= sizeof(l->name) || hmc_name_check(s) < 0)
		return -EBADMSG;
	strcpy(l->name, s);
	if (!get_int(o, "id", 0, UINT32_MAX, &v))
		return -EBADMSG;
	l->id = (uint32_t)v;
	if (!json_object_object_get_ex(o, "state", &x) ||
	    (s = json_object_get_string(x)) == NULL)
		return -EBADMSG;
	l->state = hmc_lpar_state_parse(s);
	if (json_object_object_get_ex(o, "srr", &x))
		l->srr_capable = json_object_get_boolean(x);
	if (json_object_object_get_ex(o, "vios", &x))
		l->vios = json_object_get_boolean(x);
	if (!get_int(o, "mem_mb", 0, UINT32_MAX, &v))
		return -EBADMSG;
	l->mem_mb = (uint32_t)v;
	if (!get_int(o, "proc_centi", 0, UINT32_MAX, &v))
		return -EBADMSG;
	l->proc_centi = (uint32_t)v;
	return 0;
}

static int
load_sys(struct srrd *d, int s, json_object *o)
{
	struct srr_event ev = { .type = SRR_EV_INVENTORY };
	struct srrd_sys *y = &d->sys[s];
	json_object *a;
	int64_t hmc = 0, taken = 0;
	size_t i, n;

	if (!json_object_object_get_ex(o, "lpars", &a) ||
	    !json_object_is_type(a, json_type_array) ||
	    !get_int(o, "hmc", 0, SRR_MAX_HMC - 1, &hmc))
		return -EBADMSG;
	get_int(o, "taken_ms", 0, INT64_MAX, &taken);
	n = json_object_array_length(a);
	if (n > SRR_MAX_LPARS)
		return -EBADMSG;
	free(y->inv);
	y->inv = calloc(n + 1, sizeof(*y->inv));
	if (y->inv == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (lpar_from_json(json_object_array_get_idx(a, i), &y->inv[i]) < 0)
			return -EBADMSG;
	y->ninv = n;
	y->inv_wall = taken;
	y->inv_hmc = hmc < d->conf.nhmc ? (int)hmc : 0;
	ev.u.inv.hmc = y->inv_hmc;
	ev.u.inv.sys = s;
	ev.u.inv.sys_state = HMC_SYS_OPERATING;
	ev.u.inv.n = n;
	ev.u.inv.lpars = y->inv;
	/* fed at once: the engine copies the partitions */
	return srrd_feed(d, &ev, NULL, NULL);
}

/* A damaged cache is our own file: logged loudly and ignored (only a dead
 * source's partitions depend on it, and the store is untouched). */
int
srrd_inv_cache_load(struct srrd *d)
{
	char path[PATH_MAX + 32];
	json_object *root, *sys, *o;
	int s, n = 0;
	int64_t v;

	cache_path(d, path, sizeof(path), "");
	if (access(path, F_OK) < 0)
		return 0;
	root = json_object_from_file(path);
	if (root == NULL || !get_int(root, "version", CACHE_VERSION,
				     CACHE_VERSION, &v) ||
	    !json_object_object_get_ex(root, "systems", &sys)) {
		srr_log(LOG_ERR, "inventory cache %s unreadable: ignored (%s)",
			path, json_util_get_last_err() ? json_util_get_last_err() :
			"bad content");
		json_object_put(root);
		return 0;
	}
	for (s = 0; s < d->conf.nsys; s++) {
		if (!json_object_object_get_ex(sys, d->conf.sys[s].name, &o))
			continue;
		if (load_sys(d, s, o) < 0) {
			srr_log(LOG_ERR, "inventory cache %s: system %s unreadable: "
				"ignored", path, d->conf.sys[s].name);
			free(d->sys[s].inv);
			d->sys[s].inv = NULL;
			d->sys[s].ninv = 0;
			continue;
		}
		n++;
	}
	json_object_put(root);
	malloc_trim(0);		/* the parsed file's pages, as after a poll */
	srr_log(LOG_INFO, "inventory cache: %d systems fed to the engine", n);
	return 0;
}
