/*
 * fence_hmc.c: fence_srr's conversation with the HMC. Every command line
 * comes from hmc/'s builder and every answer goes through hmc/'s parser:
 * nothing here pastes a name into a command or splits output by hand.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <qb/qblog.h>

#include "fence_srr.h"

static int
open_one(struct fence_hmc *h, const struct fence_cfg *c, const char *host,
	 const char *password)
{
	struct hmc_conn_opts o = {
		.host = host,
		.port = (uint16_t)c->ipport,
		.user = c->username,
		.identity = c->identity_file,
		.password = password,
		/* fence_lpar's meaning: the password is also the key's
		 * passphrase (ssh prompts for either with the same text). */
		.passphrase = c->identity_file != NULL ? password : NULL,
		.known_hosts = c->known_hosts,
		.connect_timeout_ms = (int)c->login_timeout * 1000,
		.command_timeout_ms = (int)c->shell_timeout * 1000,
	};
	int rc = hmc_conn_new(&o, &h->conn[h->n]);

	if (rc < 0)
		return rc;
	h->host[h->n++] = host;
	return 0;
}

int
fence_hmc_open(struct fence_hmc *h, const struct fence_cfg *c,
	       const char *password)
{
	int rc;

	memset(h, 0, sizeof(*h));
	rc = open_one(h, c, c->ip, password);
	if (rc == 0 && c->ip2 != NULL && *c->ip2 != '\0')
		rc = open_one(h, c, c->ip2, password);
	if (rc < 0)
		fence_hmc_close(h);
	return rc;
}

void
fence_hmc_close(struct fence_hmc *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		hmc_conn_free(h->conn[i]);
	memset(h, 0, sizeof(*h));
}

/* First line of the HMC's message, for the operator. */
static void
first_line(const struct hmc_result *res, char *out, size_t outlen)
{
	const char *s = res->out_len > 0 ? res->out : res->err != NULL ? res->err : "";
	size_t n = strcspn(s, "\n");

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* What kind of transport failure (hmc.h's errnos): an operator fixes a
 * refused key or host key differently from a network problem. */
static const char *
transport_failure(int rc)
{
	switch (rc) {
	case -EACCES:
		return "authentication failed";
	case -EBADE:
		return "host key refused";
	case -ETIMEDOUT:
		return "timed out";
	case -ECONNRESET:
		return "dropped the connection";
	default:
		return "unreachable";
	}
}

int
fence_hmc_run(struct fence_hmc *h, const struct hmc_cmd *cmd,
	      struct hmc_result *res, char *err, size_t errlen)
{
	size_t tries;
	int rc = -ENOTCONN;

	memset(res, 0, sizeof(*res));
	for (tries = 0; tries < h->n; tries++) {
		qb_log(LOG_DEBUG, "HMC %s: %s", h->host[h->cur], cmd->line);
		h->n_cmds++;
		rc = hmc_conn_run(h->conn[h->cur], cmd->line, res);
		if (rc == 0)
			break;
		qb_log(LOG_WARNING, "HMC %s %s: %s", h->host[h->cur],
		       transport_failure(rc), hmc_conn_error(h->conn[h->cur]));
		fence_seterr(err, errlen, "HMC %s %s: %s", h->host[h->cur],
		       transport_failure(rc), hmc_conn_error(h->conn[h->cur]));
		hmc_result_free(res);
		h->cur = (h->cur + 1) % h->n;
	}
	if (rc < 0)
		return rc;
	if (res->exit_status != 0) {
		char line[256], shown[2 * FENCE_SHOWN_MAX];

		first_line(res, line, sizeof(line));
		fence_cut(cmd->line, shown, sizeof(shown));
		fence_seterr(err, errlen, "'%s' failed on HMC %s (exit %d, %s): %s",
		       shown, h->host[h->cur], res->exit_status,
		       res->code[0] != '\0' ? res->code : "no HSCL code", line);
		return -EREMOTEIO;
	}
	return 0;
}

static int
list_systems(struct fence_hmc *h, const struct fence_cfg *c,
	     struct fence_view *v, char *err, size_t errlen)
{
	struct hmc_fields f = { fence_sys_fields, ',' };
	struct hmc_table t = { 0 };
	struct hmc_result res;
	struct hmc_cmd cmd;
	int rc;

	rc = hmc_cmd_lssyscfg(&cmd, HMC_RES_SYS, NULL, NULL, &f, false);
	if (rc < 0) {
		fence_seterr(err, errlen, "cannot build the system listing: %s", strerror(-rc));
		return rc;
	}
	rc = fence_hmc_run(h, &cmd, &res, err, errlen);
	if (rc == 0) {
		rc = hmc_parse_fields(res.out, res.out_len, ',', SYS_NCOLS, &t);
		if (rc < 0)
			fence_seterr(err, errlen, "cannot read the HMC's system listing: %s",
			       strerror(-rc));
	}
	hmc_result_free(&res);
	if (rc == 0)
		rc = fence_view_set_systems(v, &t, c->systems, c->n_systems, err, errlen);
	hmc_table_free(&t);
	return rc;
}

/* One system's partitions; a failure is kept in V->list_rc[I], not
 * returned: what a failed listing means depends on the system's state. */
static void
list_lpars(struct fence_hmc *h, struct fence_view *v, size_t i)
{
	struct hmc_fields f = { fence_lpar_fields, ',' };
	struct hmc_result res;
	struct hmc_cmd cmd;
	char err[FENCE_WHY_MAX] = "";
	int rc;

	rc = hmc_cmd_lssyscfg(&cmd, HMC_RES_LPAR, v->sys[i], NULL, &f, false);
	if (rc == 0)
		rc = fence_hmc_run(h, &cmd, &res, err, sizeof(err));
	else
		memset(&res, 0, sizeof(res));
	if (rc == 0) {
		rc = hmc_parse_fields(res.out, res.out_len, ',', LPAR_NCOLS, &v->lpars[i]);
		if (rc < 0)
			snprintf(err, sizeof(err), "unreadable partition listing: %s",
				 strerror(-rc));
	}
	hmc_result_free(&res);
	v->list_rc[i] = rc;
	if (rc < 0)
		qb_log(LOG_NOTICE, "partitions of %s (%s) not read: %s", v->sys[i],
		       v->sys_state[i], err[0] != '\0' ? err : strerror(-rc));
}

int
fence_hmc_view(struct fence_hmc *h, const struct fence_cfg *c, bool lpars,
	       struct fence_view *v, char *err, size_t errlen)
{
	size_t i;
	int rc;

	fence_view_free(v);
	rc = list_systems(h, c, v, err, errlen);
	if (rc < 0 || !lpars)
		return rc;
	for (i = 0; i < v->n; i++)
		list_lpars(h, v, i);
	return 0;
}

int
fence_hmc_shutdown(struct fence_hmc *h, const char *sys, const char *lpar,
		   char *err, size_t errlen)
{
	struct hmc_result res;
	struct hmc_cmd cmd;
	int rc;

	rc = hmc_cmd_lpar_shutdown(&cmd, sys, lpar, true);
	if (rc < 0) {
		fence_seterr(err, errlen, "cannot build the shutdown of '%s' on '%s': %s",
		       lpar, sys, strerror(-rc));
		return rc;
	}
	qb_log(LOG_NOTICE, "shutting down partition %s on %s (--immed)", lpar, sys);
	rc = fence_hmc_run(h, &cmd, &res, err, errlen);
	hmc_result_free(&res);
	return rc;
}

int
fence_hmc_start(struct fence_hmc *h, const char *sys, const char *lpar,
		const char *profile, char *err, size_t errlen)
{
	struct hmc_result res;
	struct hmc_cmd cmd;
	int rc;

	if (profile == NULL || *profile == '\0') {
		fence_seterr(err, errlen, "partition '%s' on '%s' has no current profile to start with",
		       lpar, sys);
		return -EINVAL;
	}
	rc = hmc_cmd_lpar_on(&cmd, sys, lpar, profile);
	if (rc < 0) {
		fence_seterr(err, errlen, "cannot build the start of '%s' on '%s': %s",
		       lpar, sys, strerror(-rc));
		return rc;
	}
	qb_log(LOG_NOTICE, "starting partition %s on %s with profile %s", lpar, sys, profile);
	rc = fence_hmc_run(h, &cmd, &res, err, errlen);
	hmc_result_free(&res);
	return rc;
}
