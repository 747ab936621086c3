/*
 * sim_ctl.c: the control socket: a local unix stream socket (mode 0600),
 * one command per line, each answered by its output and a last line "OK"
 * or "ERR reason". simctl(8) is its client; the commands are in hmcsim(8).
 * Words are split like HMC command lines, so a state with spaces is quoted.
 */
#define SRR_LOG_TAG "hmcsim"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "sim.h"

#define CTL_LINE_MAX 4096

static struct {
	struct sim_model *m;
	int fd;
	pthread_t thread;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
} ctl = { .fd = -1 };

static int
ctl_fault(char **av, int ac, struct hmc_buf *out)
{
	enum sim_fault_kind k;
	unsigned int count = 0;
	const char *arg = NULL;
	int id, i;

	if (ac == 2 && strcmp(av[1], "list") == 0) {
		sim_fault_list(out);
		return 0;
	}
	if (ac == 2 && strcmp(av[1], "clear") == 0) {
		srr_log(LOG_NOTICE, "control: faults cleared");
		sim_fault_clear();
		return 0;
	}
	if (ac == 3 && strcmp(av[1], "del") == 0) {
		unsigned int del;

		/* strictly a number: "del 1x" must not remove fault 1 */
		if (sim_parse_uint(av[2], INT32_MAX, &del) != 0)
			return -EINVAL;
		return sim_fault_del((int)del);
	}
	/* fault add VERB SYS KIND [ARG] [count=N] */
	if (ac < 5 || strcmp(av[1], "add") != 0 ||
	    sim_fault_kind_parse(av[4], &k) != 0)
		return -EINVAL;
	for (i = 5; i < ac; i++) {
		if (strncmp(av[i], "count=", 6) == 0) {
			if (sim_parse_uint(av[i] + 6, 1000000, &count) != 0)
				return -EINVAL;
		} else if (arg == NULL) {
			arg = av[i];
		} else {
			return -EINVAL;
		}
	}
	id = sim_fault_add(av[2], av[3], k, arg, count);
	if (id < 0)
		return id;
	srr_log(LOG_NOTICE, "control: fault %d: %s on %s %s%s%s", id, av[4],
		av[2], av[3], arg ? " " : "", arg ? arg : "");
	hmc_buf_printf(out, "fault %d\n", id);
	return 0;
}

static int
ctl_show(struct sim_model *m, char **av, int ac, struct hmc_buf *out)
{
	struct sim_sys *s = ac >= 2 ? sim_sys_find(m, av[1]) : NULL;
	struct sim_lpar *l;
	char pu[16];

	if (s == NULL)
		return -ENOENT;
	if (ac == 2) {
		sim_fmt_pu(sim_sys_avail_pu(s), pu, sizeof(pu));
		hmc_buf_printf(out, "state=%s\nlpars=%zu\navail_mem=%u\n"
			       "avail_proc_units=%s\nrr_active=%u\n",
			       hmc_sys_state_name(s->state), s->nlpars,
			       sim_sys_avail_mem(s), pu, s->rr_active);
		return 0;
	}
	l = sim_lpar_find(s, av[2]);
	if (l == NULL)
		return -ENOENT;
	hmc_buf_printf(out, "id=%u\nstate=%s\nshown=%s\nrr_status=%s\n"
		       "srr_capable=%d\n", l->id, hmc_lpar_state_name(l->state),
		       hmc_lpar_state_name(sim_lpar_shown(s, l)),
		       hmc_rr_status_name(l->rrs), l->srr);
	return 0;
}

static int
ctl_model(struct sim_model *m, char **av, int ac, struct hmc_buf *out)
{
	struct sim_sys *s;
	enum hmc_sys_state st;
	char *end;
	double d;

	if (strcmp(av[0], "dump") == 0)
		return sim_topo_dump(m, out);
	if (strcmp(av[0], "show") == 0)
		return ctl_show(m, av, ac, out);
	if (strcmp(av[0], "set-state") == 0 && ac == 3) {
		s = sim_sys_find(m, av[1]);
		st = hmc_sys_state_parse(av[2]);
		if (s == NULL || st == HMC_SYS_UNKNOWN)
			return -EINVAL;
		srr_log(LOG_NOTICE, "control: %s set to %s (was %s)", s->name,
			hmc_sys_state_name(st), hmc_sys_state_name(s->state));
		sim_sys_set_state(m, s, st);
		sim_changed(m);
		return 0;
	}
	if (strcmp(av[0], "time-scale") == 0 && ac == 2) {
		d = strtod(av[1], &end);
		if (*end != '\0' || !(d > 0 && d <= 1000))
			return -EINVAL;
		m->time_scale = d;
		return 0;
	}
	if (strcmp(av[0], "rr-dest-shown") == 0 && ac == 2 &&
	    (strcmp(av[1], "during") == 0 || strcmp(av[1], "end") == 0)) {
		m->rr_dest_late = strcmp(av[1], "end") == 0;
		sim_changed(m);
		return 0;
	}
	if (strcmp(av[0], "auto-cleanup") == 0 && ac == 2) {
		m->auto_cleanup = strcmp(av[1], "1") == 0;
		sim_changed(m);
		return 0;
	}
	if (strcmp(av[0], "save") == 0)
		return m->state_path ? sim_topo_save(m, m->state_path) : -ENOENT;
	return -ENOSYS;
}

static int
ctl_dispatch(struct sim_model *m, char **av, int ac, struct hmc_buf *out)
{
	unsigned int idx;
	int rc;

	if (strcmp(av[0], "fault") == 0)
		return ctl_fault(av, ac, out);
	if (strcmp(av[0], "endpoint") == 0 && ac == 3 &&
	    sim_parse_uint(av[1], 100, &idx) == 0 &&
	    (strcmp(av[2], "up") == 0 || strcmp(av[2], "down") == 0))
		return sim_endpoint_set_up(idx, strcmp(av[2], "up") == 0);
	if (strcmp(av[0], "hostkey") == 0 && ac == 2 &&
	    strcmp(av[1], "rotate") == 0)
		return sim_hostkey_rotate();
	if (strcmp(av[0], "log") == 0 && ac <= 2) {
		unsigned int n = 0;

		if (ac == 2 && sim_parse_uint(av[1], 1000000, &n) != 0)
			return -EINVAL;
		return sim_log_tail(out, n);
	}
	if (strcmp(av[0], "status") == 0) {
		sim_server_status(out);
		sim_server_logins(out);
		return 0;
	}
	pthread_mutex_lock(&m->lock);
	sim_tick(m);
	rc = ctl_model(m, av, ac, out);
	pthread_mutex_unlock(&m->lock);
	return rc;
}

void
sim_ctl_exec(struct sim_model *m, const char *line, struct hmc_buf *out)
{
	char **av = NULL;
	int ac, rc;

	ac = sim_words_split(line, NULL, NULL, &av);
	if (ac <= 0) {
		hmc_buf_printf(out, "ERR %s\n", ac == 0 ? "empty command" :
			       "cannot split the command line");
		sim_words_free(av);
		return;
	}
	rc = ctl_dispatch(m, av, ac, out);
	if (rc == 0)
		hmc_buf_printf(out, "OK\n");
	else if (rc == -ENOSYS)
		hmc_buf_printf(out, "ERR unknown command %s\n", av[0]);
	else if (rc == -ENOENT)
		hmc_buf_printf(out, "ERR no such system, partition, fault or endpoint\n");
	else if (rc == -EINVAL)
		hmc_buf_printf(out, "ERR invalid arguments (see hmcsim(8), CONTROL)\n");
	else
		hmc_buf_printf(out, "ERR %s\n", strerror(-rc));
	sim_words_free(av);
}

static void
ctl_serve(int fd)
{
	char buf[CTL_LINE_MAX];
	struct hmc_buf out = { 0 };
	size_t len = 0;
	ssize_t n;
	char *nl;

	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = strchr(buf, '\n')) != NULL) {
			*nl = '\0';
			out.len = 0;
			sim_ctl_exec(ctl.m, buf, &out);
			if (write(fd, out.s, out.len) != (ssize_t)out.len)
				goto out;
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
		if (len == sizeof(buf) - 1)
			break;		/* a line too long: drop the client */
	}
out:
	hmc_buf_free(&out);
	close(fd);
}

static void *
ctl_main(void *arg)
{
	struct timeval tv = { .tv_sec = 5 };
	int fd;

	for (;;) {
		fd = accept(ctl.fd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			break;
		}
		/* One client at a time: a silent one must not block the rest. */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ctl_serve(fd);
	}
	return NULL;
}

int
sim_ctl_start(struct sim_model *m, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	ctl.m = m;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(ctl.path, sizeof(ctl.path), "%s", path);
	ctl.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl.fd < 0)
		return -errno;
	unlink(path);
	if (bind(ctl.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, 0600) != 0 || listen(ctl.fd, 16) != 0) {
		close(ctl.fd);
		ctl.fd = -1;
		return -errno;
	}
	if (pthread_create(&ctl.thread, NULL, ctl_main, NULL) != 0)
		return -EAGAIN;
	return 0;
}

void
sim_ctl_stop(void)
{
	if (ctl.fd >= 0) {
		shutdown(ctl.fd, SHUT_RDWR);
		close(ctl.fd);
		unlink(ctl.path);
		ctl.fd = -1;
	}
}
