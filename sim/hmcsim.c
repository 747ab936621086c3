/*
 * hmcsim.c: the HMC simulator's main: options, topology or saved state,
 * endpoints, control socket, command log; then wait for SIGTERM/SIGINT.
 *
 *   hmcsim --topology FILE --listen ADDR:PORT[,ADDR:PORT...]
 *          --host-key FILE --authorized-keys FILE [--password USER:PASS]
 *          [--state FILE] [--control SOCKET] [--log FILE]
 *          [--time-scale X] [--auto-cleanup] [--prompt-host NAME]
 *          [--login-grace-time SECS] [--max-startups N] [--max-sessions N]
 *          [--max-auth-tries N] [--auth-fail-delay MS]
 */
#define SRR_LOG_TAG "hmcsim"

#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

struct opts {
	const char *topology, *state, *listen, *host_key, *authorized_keys;
	const char *password, *control, *log, *prompt_host;
	double time_scale;
	bool auto_cleanup;
	double login_grace_s;
	unsigned int max_startups, max_sessions, max_auth_tries;
	unsigned int auth_fail_delay_ms;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: hmcsim --topology FILE --listen ADDR:PORT[,ADDR:PORT...]\n"
		"              --host-key FILE --authorized-keys FILE\n"
		"              [--password USER:PASS] [--state FILE] [--control SOCKET]\n"
		"              [--log FILE] [--time-scale X] [--auto-cleanup]\n"
		"              [--prompt-host NAME] [--login-grace-time SECS]\n"
		"              [--max-startups N] [--max-sessions N]\n"
		"              [--max-auth-tries N] [--auth-fail-delay MS]\n"
		"See hmcsim(8).\n");
}

/* A number in (0, MAX]: --time-scale, --login-grace-time. */
static int
parse_seconds(const char *v, double max, double *out)
{
	char *end;

	*out = strtod(v, &end);
	if (end == v || *end != '\0' || !(*out > 0 && *out <= max)) {
		srr_log(LOG_ERR, "bad value %s (0 < x <= %g)", v, max);
		return -EINVAL;
	}
	return 0;
}

/* The connection limits: counts from 1, the delay from 0 (ms). */
static int
parse_limit(int ch, const char *v, struct opts *o)
{
	unsigned int *dst = ch == 'S' ? &o->max_startups : ch == 'M' ?
	    &o->max_sessions : ch == 'R' ? &o->max_auth_tries :
	    &o->auth_fail_delay_ms;

	if (sim_parse_uint(v, ch == 'D' ? 60000 : 100000, dst) != 0 ||
	    (ch != 'D' && *dst == 0)) {
		srr_log(LOG_ERR, "bad value %s for a connection limit", v);
		return -EINVAL;
	}
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "topology", required_argument, NULL, 't' },
		{ "state", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "host-key", required_argument, NULL, 'k' },
		{ "authorized-keys", required_argument, NULL, 'a' },
		{ "password", required_argument, NULL, 'p' },
		{ "control", required_argument, NULL, 'c' },
		{ "log", required_argument, NULL, 'L' },
		{ "time-scale", required_argument, NULL, 'T' },
		{ "auto-cleanup", no_argument, NULL, 'A' },
		{ "prompt-host", required_argument, NULL, 'P' },
		{ "login-grace-time", required_argument, NULL, 'G' },
		{ "max-startups", required_argument, NULL, 'S' },
		{ "max-sessions", required_argument, NULL, 'M' },
		{ "max-auth-tries", required_argument, NULL, 'R' },
		{ "auth-fail-delay", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 't': o->topology = optarg; break;
		case 's': o->state = optarg; break;
		case 'l': o->listen = optarg; break;
		case 'k': o->host_key = optarg; break;
		case 'a': o->authorized_keys = optarg; break;
		case 'p': o->password = optarg; break;
		case 'c': o->control = optarg; break;
		case 'L': o->log = optarg; break;
		case 'P': o->prompt_host = optarg; break;
		case 'A': o->auto_cleanup = true; break;
		case 'G':
			if (parse_seconds(optarg, 3600, &o->login_grace_s) != 0)
				return -EINVAL;
			break;
		case 'S': case 'M': case 'R': case 'D':
			if (parse_limit(ch, optarg, o) != 0)
				return -EINVAL;
			break;
		case 'T':
			if (parse_seconds(optarg, 1000, &o->time_scale) != 0)
				return -EINVAL;
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind != argc || (o->topology == NULL && o->state == NULL) ||
	    o->listen == NULL || o->host_key == NULL || o->authorized_keys == NULL) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* The saved state wins over the topology when it exists. */
static int
load_model(struct sim_model *m, const struct opts *o)
{
	const char *path = o->topology;
	char err[512];

	if (o->state != NULL && access(o->state, R_OK) == 0)
		path = o->state;
	if (path == NULL) {
		srr_log(LOG_ERR, "no topology, and no state in %s", o->state);
		return -ENOENT;
	}
	if (sim_topo_load(m, path, err, sizeof(err)) != 0) {
		srr_log(LOG_ERR, "%s", err);
		return -EINVAL;
	}
	if (o->time_scale > 0)
		m->time_scale = o->time_scale;
	if (o->auto_cleanup)
		m->auto_cleanup = true;
	if (o->state != NULL) {
		m->state_path = strdup(o->state);
		if (m->state_path == NULL || sim_topo_save(m, o->state) != 0) {
			srr_log(LOG_ERR, "cannot write state %s", o->state);
			return -EIO;
		}
	}
	return 0;
}

static int
listen_all(const char *spec)
{
	char buf[1024], *item, *save = NULL, *colon;
	unsigned int port;

	if (strlen(spec) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", spec);
	for (item = strtok_r(buf, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save)) {
		colon = strrchr(item, ':');
		if (colon == NULL)
			return -EINVAL;
		*colon = '\0';
		if (sim_parse_uint(colon + 1, 65535, &port) != 0 || port == 0) {
			srr_log(LOG_ERR, "bad port in --listen: %s", colon + 1);
			return -EINVAL;
		}
		if (sim_endpoint_add(item, port) != 0)
			return -EADDRINUSE;
	}
	return sim_endpoint_count() > 0 ? 0 : -EINVAL;
}

static int
server_start(struct sim_model *m, const struct opts *o)
{
	struct sim_server_opts so = { .host_key = o->host_key,
		.authorized_keys = o->authorized_keys,
		.prompt_host = o->prompt_host,
		.login_grace_s = o->login_grace_s,
		.max_startups = o->max_startups,
		.max_sessions = o->max_sessions,
		.max_auth_tries = o->max_auth_tries,
		.auth_fail_delay_ms = o->auth_fail_delay_ms };
	static char user[64];
	const char *colon;

	if (o->password != NULL) {
		colon = strchr(o->password, ':');
		if (colon == NULL || colon == o->password ||
		    (size_t)(colon - o->password) >= sizeof(user)) {
			srr_log(LOG_ERR, "--password takes USER:PASSWORD");
			return -EINVAL;
		}
		snprintf(user, sizeof(user), "%.*s", (int)(colon - o->password),
			 o->password);
		so.password_user = user;
		so.password = colon + 1;
	}
	if (sim_server_init(m, &so) != 0)
		return -EIO;
	return listen_all(o->listen);
}

int
main(int argc, char **argv)
{
	struct opts o = { .auth_fail_delay_ms = SIM_AUTH_FAIL_DELAY_MS };
	struct sim_model m;
	sigset_t set;
	int sig = 0;
	bool idle;

	qb_log_init("hmcsim", LOG_DAEMON, LOG_INFO);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
	qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE,
			  "*", LOG_INFO);
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
	/* Sessions log from their own threads. */
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_THREADED, QB_TRUE);
	qb_log_thread_start();
	atexit(qb_log_fini);	/* flush the log thread on every exit path */
	if (parse_args(argc, argv, &o) != 0)
		return 2;
	/* Signals are taken by sigwait below; threads inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sim_faults_init();
	if (sim_model_init(&m) != 0 || load_model(&m, &o) != 0)
		return 1;
	if (o.log != NULL && sim_log_open(o.log) != 0) {
		srr_log(LOG_ERR, "cannot open log %s", o.log);
		return 1;
	}
	if (o.control != NULL && sim_ctl_start(&m, o.control) != 0) {
		srr_log(LOG_ERR, "cannot open control socket %s", o.control);
		return 1;
	}
	if (server_start(&m, &o) != 0)
		return 1;
	srr_log(LOG_INFO, "%zu systems, serving %s", m.nsys, o.listen);
	sigwait(&set, &sig);
	srr_log(LOG_INFO, "signal %d, stopping", sig);
	sim_ctl_stop();
	idle = sim_server_stop();
	pthread_mutex_lock(&m.lock);
	if (m.state_path != NULL)
		sim_topo_save(&m, m.state_path);
	pthread_mutex_unlock(&m.lock);
	sim_log_close();
	/* A command still running keeps using the model, which lives in this
	 * frame: returning would run exit()'s handlers under it. */
	if (!idle) {
		srr_log(LOG_WARNING, "stopping with commands still running");
		qb_log_fini();	/* as atexit would */
		_exit(0);
	}
	sim_model_free(&m);
	return 0;
}
