/*
 * fence_main.c: fence_srr's entry point: read the parameters (stdin or
 * command line), answer the actions that need no HMC, and hand the others
 * to fence_run().
 *
 * Results go to stdout ("Status: ON", list rows, metadata) and messages
 * to stderr and syslog through qb_log, where pacemaker-fenced collects
 * them. Exit codes are the fence-agent API's.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <qb/qblog.h>

#include "fence_srr.h"

#define PASSWORD_MAX	1024

static void
log_setup(void)
{
	qb_log_init("fence_srr", LOG_DAEMON, LOG_INFO);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_TRUE);
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
	qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE,
			  "*", LOG_WARNING);
	qb_log_format_set(QB_LOG_STDERR, "%N %p: %b");
}

static void
log_configure(const struct fence_cfg *c)
{
	int32_t t;

	if (c->quiet)
		qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_FALSE);
	else if (c->verbose)
		qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD,
				  QB_LOG_FILTER_FILE, "*", LOG_DEBUG);
	if (c->debug_file == NULL)
		return;
	t = qb_log_file_open(c->debug_file);
	if (t < 0) {
		qb_log(LOG_WARNING, "Unable to create file %s", c->debug_file);
		return;
	}
	qb_log_filter_ctl(t, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_DEBUG);
	qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
}

/* password_script: its first output line is the password. */
static int
run_password_script(const char *script, char *out, size_t outlen)
{
	FILE *p = popen(script, "r");
	int st;

	if (p == NULL)
		return -errno;
	if (fgets(out, (int)outlen, p) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	st = pclose(p);
	if (st != 0) {
		explicit_bzero(out, outlen);
		return -EIO;
	}
	return 0;
}

static int
input(struct fence_opts *o, int argc, char *argv[])
{
	char err[512] = "";
	int rc;

	if (argc > 1)
		rc = fence_opts_parse_argv(o, argc, argv, err, sizeof(err));
	else
		rc = fence_opts_read_stdin(o, stdin, err, sizeof(err));
	if (rc < 0)
		qb_log(LOG_ERR, "%s", err[0] != '\0' ? err : strerror(-rc));
	return rc;
}

/* The actions that reach the HMC. */
static int
act(const struct fence_cfg *c)
{
	char password[PASSWORD_MAX] = "";
	const char *pw = c->password;
	struct fence_hmc h;
	int rc;

	if ((c->action == FA_OFF || c->action == FA_REBOOT) && c->delay > 0) {
		qb_log(LOG_INFO, "Delay %u second(s) before logging in to the fence device",
		       c->delay);
		sleep(c->delay);
	}
	if (pw == NULL && c->password_script != NULL) {
		if (run_password_script(c->password_script, password, sizeof(password)) < 0) {
			qb_log(LOG_ERR, "Failed: password_script did not succeed");
			return FENCE_EXIT_FAIL;
		}
		pw = password;
	}
	rc = fence_hmc_open(&h, c, pw);
	explicit_bzero(password, sizeof(password));
	if (rc < 0) {
		qb_log(LOG_ERR, "Failed: cannot set up the HMC connection: %s", strerror(-rc));
		return FENCE_EXIT_FAIL;
	}
	rc = fence_run(c, &h, stdout);
	fence_hmc_close(&h);
	return rc;
}

static int
dispatch(const struct fence_opts *o)
{
	struct fence_cfg c;
	char err[512] = "";
	int rc;

	if (o->val[P_HELP] != NULL && strcmp(o->val[P_HELP], "1") == 0) {
		fence_print_usage(stdout);
		return FENCE_EXIT_OK;
	}
	if (o->val[P_VERSION] != NULL && strcmp(o->val[P_VERSION], "1") == 0) {
		printf("%s\n", PACKAGE_VERSION);
		return FENCE_EXIT_OK;
	}
	rc = fence_cfg_load(o, &c, err, sizeof(err));
	if (rc == 0)
		log_configure(&c);
	if (rc == 0 && c.action == FA_METADATA)
		fence_print_metadata(stdout);
	else if (rc == 0 && c.action == FA_MANPAGE)
		fence_print_manpage(stdout);
	else if (rc == 0)
		rc = fence_cfg_check_files(&c, err, sizeof(err));
	if (rc < 0) {
		qb_log(LOG_ERR, "%s", err);
		fence_cfg_free(&c);
		return FENCE_EXIT_FAIL;
	}
	if (c.action == FA_VALIDATE_ALL)
		fence_cfg_warn_systems(&c);
	if (c.action == FA_METADATA || c.action == FA_MANPAGE ||
	    c.action == FA_VALIDATE_ALL)
		rc = FENCE_EXIT_OK;
	else
		rc = act(&c);
	fence_cfg_free(&c);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct fence_opts o;
	int rc;

	log_setup();
	fence_opts_init(&o);
	rc = input(&o, argc, argv);
	if (rc == 0) {
		if (o.nodename != NULL)
			qb_log(LOG_DEBUG, "called for node %s", o.nodename);
		rc = dispatch(&o);
	} else {
		rc = FENCE_EXIT_FAIL;
	}
	fence_opts_free(&o);
	fflush(stdout);
	qb_log_fini();
	return rc;
}
