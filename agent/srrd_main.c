/*
 * srrd_main.c: srrd's options and process life.
 *
 *   srrd [-f] [-c FILE]          run (-f: foreground, logs on stderr)
 *   srrd --config-test [FILE]    check FILE, print the effective config
 *
 * Signals arrive through libqb's signal pipe: SIGTERM/SIGINT stop cleanly
 * (commands in flight stay `restarting` in the ledger for the next leader
 * to reconcile); SIGHUP reloads. Reload is a clean restart in place: the
 * new file is checked first (a bad one is logged and the running
 * configuration kept); a good one makes srrd stop and exec itself, so the
 * new digest goes through the cluster's configuration agreement like any
 * joining member's, and no half-applied configuration ever exists.
 */
#define SRR_LOG_TAG "srrd"

#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "agent/srrd_int.h"

static struct srrd srrd;
static char **saved_argv;
static bool reexec;
static int left_running;	/* HMC commands still running at the stop */

static void
usage(FILE *f)
{
	fprintf(f, "usage: srrd [-f] [-c FILE]\n"
		   "       srrd --config-test [FILE]\n"
		   "  -f, --foreground   stay in the foreground, log on stderr\n"
		   "  -c, --config FILE  configuration (default %s)\n"
		   "  --config-test      check the configuration, print it with "
		   "its defaults\n", SRRD_CONF_DEFAULT);
}

static int
config_test(const char *path)
{
	struct srrd_conf c;
	char err[SRRD_ERR_LEN] = "";
	int rc;

	rc = srrd_conf_file_check(path, err, sizeof(err));
	if (rc == 0)
		rc = srrd_conf_load(path, &c, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "srrd: %s\n", err[0] ? err : strerror(-rc));
		return 1;
	}
	rc = srrd_conf_print(&c, stdout);
	srrd_conf_free(&c);
	return rc < 0 ? 1 : 0;
}

static void
log_setup(bool foreground)
{
	qb_log_init("srrd", LOG_DAEMON, LOG_INFO);
	qb_log_format_set(QB_LOG_STDERR, "%t %b");
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, foreground);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, !foreground);
	qb_log_filter_ctl(foreground ? QB_LOG_STDERR : QB_LOG_SYSLOG,
			  QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_INFO);
}

static int
on_stop(int sig, void *data)
{
	struct srrd *d = data;

	srr_log(LOG_NOTICE, "signal %d: stopping", sig);
	sd_notify(0, "STOPPING=1");
	qb_loop_stop(d->loop);
	return 0;
}

static int
on_reload(int sig, void *data)
{
	struct srrd *d = data;
	struct srrd_conf c;
	char err[SRRD_ERR_LEN] = "";
	uint8_t dg[SRRD_DIGEST_LEN];
	int rc;

	rc = srrd_conf_file_check(d->conf_path, err, sizeof(err));
	if (rc == 0)
		rc = srrd_conf_load(d->conf_path, &c, err, sizeof(err));
	if (rc < 0) {
		srr_log(LOG_ERR, "reload refused, the running configuration is "
			"kept: %s", err[0] ? err : strerror(-rc));
		return 0;
	}
	srrd_conf_digest(&c, dg);
	srr_log(LOG_NOTICE, "reload: configuration %s: restarting in place",
		memcmp(dg, d->digest, sizeof(dg)) ? "changed (new digest)" :
		"checked (same digest)");
	srrd_conf_free(&c);
	sd_notify(0, "RELOADING=1");
	reexec = true;
	qb_loop_stop(d->loop);
	return 0;
}

static int
load(struct srrd *d, const char *path)
{
	char err[SRRD_ERR_LEN] = "";
	struct utsname u;
	int rc;

	if (strlen(path) >= sizeof(d->conf_path)) {
		srr_log(LOG_ERR, "configuration path too long");
		return -ENAMETOOLONG;
	}
	memcpy(d->conf_path, path, strlen(path) + 1);
	rc = srrd_conf_file_check(path, err, sizeof(err));
	if (rc == 0)
		rc = srrd_conf_load(path, &d->conf, err, sizeof(err));
	if (rc < 0) {
		srr_log(LOG_ERR, "%s", err[0] ? err : strerror(-rc));
		return rc;
	}
	rc = srrd_conf_digest(&d->conf, d->digest);
	if (rc < 0)
		return rc;
	if (uname(&u) == 0)
		snprintf(d->nodename, sizeof(d->nodename), "%.63s", u.nodename);
	return 0;
}

static int
run(struct srrd *d)
{
	qb_loop_signal_handle h;
	int rc;

	d->lock_fd = -1;
	d->work_pipe[0] = d->work_pipe[1] = -1;
	d->loop = qb_loop_create();
	if (d->loop == NULL)
		return -ENOMEM;
	qb_loop_signal_add(d->loop, QB_LOOP_HIGH, SIGTERM, d, on_stop, &h);
	qb_loop_signal_add(d->loop, QB_LOOP_HIGH, SIGINT, d, on_stop, &h);
	qb_loop_signal_add(d->loop, QB_LOOP_HIGH, SIGHUP, d, on_reload, &h);
	rc = srrd_start(d);
	if (rc == 0 && (rc = srrd_ipc_start(d, d->loop, &d->ipc)) < 0) {
		srr_log(LOG_WARNING, "IPC server: %s (srrctl will not reach this "
			"agent)", strerror(-rc));
		rc = 0;
	}
	if (rc == 0 && d->conf.metrics_port != 0 &&
	    srrd_http_start(d, d->conf.metrics_port, &d->http) < 0)
		srr_log(LOG_WARNING, "metrics endpoint on port %u not started",
			d->conf.metrics_port);
	if (rc == 0) {
		srr_log(LOG_NOTICE, "srrd %s running (config %s)", PACKAGE_VERSION,
			d->conf_path);
		sd_notifyf(0, "READY=1\nSTATUS=running, %d HMC, %d systems",
			   d->conf.nhmc, d->conf.nsys);
		qb_loop_run(d->loop);
	}
	if (d->http)
		srrd_http_stop(d->http);
	if (d->ipc)
		srrd_ipc_stop(d->ipc);
	left_running = srrd_stop(d);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "config-test", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = SRRD_CONF_DEFAULT;
	bool test = false;
	int c, rc;

	saved_argv = argv;
	while ((c = getopt_long(argc, argv, "fc:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': srrd.foreground = true; break;
		case 'c': path = optarg; break;
		case 't': test = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (test && optind < argc)
		path = argv[optind++];
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (test)
		return config_test(path);
	signal(SIGPIPE, SIG_IGN);
	/* One malloc arena for all threads, set before any exists: a worker
	 * blocks on its SSH session and allocates little, and an arena of its
	 * own cost each about 150 kB of RSS (doc/srrd.md, "Footprint"). */
	mallopt(M_ARENA_MAX, 1);
	log_setup(srrd.foreground);
	if (load(&srrd, path) < 0)
		return 1;
	rc = run(&srrd);
	if (rc < 0) {
		srr_log(LOG_ERR, "not running: %s", strerror(-rc));
		if (left_running > 0) {
			qb_log_fini();
			_exit(1);
		}
		return 1;
	}
	if (reexec) {
		execv("/proc/self/exe", saved_argv);
		srr_log(LOG_ERR, "reload: exec failed: %s", strerror(errno));
		return 1;
	}
	srr_log(LOG_NOTICE, "stopped");
	qb_log_fini();
	/* exit() would run libssh's and OpenSSL's cleanup under the threads
	 * still inside a command (srrd_stop) */
	if (left_running > 0)
		_exit(0);
	return 0;
}
