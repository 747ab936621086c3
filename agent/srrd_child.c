/*
 * srrd_child.c: child processes (fence agents, alert agents) off the
 * loop. posix_spawn (the process has threads: nothing but exec happens
 * in the child), its own process group so a timeout kills all of it,
 * stdin fed from a pipe, stdout to /dev/null, stderr inherited (the log
 * in the foreground, the journal under systemd). Exits are reaped from
 * SIGCHLD through libqb's signal pipe, never with a blocking waitpid.
 */
#define SRR_LOG_TAG "srrd"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/srrd_int.h"

static qb_loop_signal_handle sigchld_handle;

static struct srrd_child *
unlink_pid(struct srrd *d, pid_t pid)
{
	struct srrd_child **p, *c;

	for (p = &d->children; *p; p = &(*p)->next)
		if ((*p)->pid == pid) {
			c = *p;
			*p = c->next;
			d->nchildren--;
			return c;
		}
	return NULL;
}

static int
sigchld(int sig, void *data)
{
	struct srrd *d = data;
	struct srrd_child *c;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		c = unlink_pid(d, pid);
		if (c == NULL)
			continue;
		if (qb_loop_timer_is_running(d->loop, c->timer))
			qb_loop_timer_del(d->loop, c->timer);
		c->done(d, c, status, c->killed);
	}
	srrd_drain(d);
	return 0;
}

int
srrd_child_init(struct srrd *d)
{
	return qb_loop_signal_add(d->loop, QB_LOOP_HIGH, SIGCHLD, d, sigchld,
				  &sigchld_handle);
}

static void
child_timeout(void *data)
{
	struct srrd_child *c = data;

	srr_log(LOG_WARNING, "%s (pid %d) timed out: killed", c->what, (int)c->pid);
	c->killed = true;
	kill(-c->pid, SIGKILL);
}

static int
spawn(pid_t *pid, char *const argv[], char *const envp[], int in_fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	int rc;

	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGCHLD);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGHUP);
	sigaddset(&def, SIGINT);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	if (in_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	rc = posix_spawn(pid, argv[0], &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -rc;
}

/* INPUT is small (key=value lines): it fits in the pipe, so the write
 * never blocks; a child that exits first only costs us EPIPE. */
int
srrd_child_spawn(struct srrd *d, struct srrd_child *c, char *const argv[],
		 char *const envp[], const char *input, int64_t timeout_ms)
{
	int fds[2] = { -1, -1 }, rc;
	size_t len = input ? strlen(input) : 0;

	if (d->nchildren >= SRRD_MAX_CHILDREN)
		return -EAGAIN;
	if (input != NULL && (len > 16384 || pipe2(fds, O_CLOEXEC) < 0))
		return len > 16384 ? -E2BIG : -errno;
	rc = spawn(&c->pid, argv, envp, fds[0]);
	if (fds[0] >= 0)
		close(fds[0]);
	if (rc == 0 && fds[1] >= 0) {
		fcntl(fds[1], F_SETFL, O_NONBLOCK);
		if (write(fds[1], input, len) != (ssize_t)len)
			srr_log(LOG_WARNING, "%s: stdin not fully written", c->what);
	}
	if (fds[1] >= 0)
		close(fds[1]);
	if (rc < 0) {
		srr_log(LOG_ERR, "%s: cannot run %s: %s", c->what, argv[0],
			strerror(-rc));
		return rc;
	}
	c->next = d->children;
	d->children = c;
	d->nchildren++;
	qb_loop_timer_add(d->loop, QB_LOOP_HIGH,
			  (uint64_t)(timeout_ms > 0 ? timeout_ms : 30000) * 1000000ULL,
			  c, child_timeout, &c->timer);
	return 0;
}

/* On stop: fence and alert agents are killed; a fence that did not
 * report is simply not counted (the next leader fences again). */
void
srrd_child_stop_all(struct srrd *d)
{
	struct srrd_child *c;

	for (c = d->children; c; c = c->next)
		kill(-c->pid, SIGKILL);
}
