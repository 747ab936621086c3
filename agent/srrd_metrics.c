/*
 * srrd_metrics.c: this agent's state as metrics, named as Prometheus's
 * naming guide says (srrha_ prefix, base units: seconds; counters end in
 * _total; a 0/1 gauge for a state).
 *
 * Two renderings of one set of samples: the Prometheus text format 0.0.4
 * (what node_exporter's textfile collector and `promtool check metrics`
 * read: a counter family is declared with its _total name), and OpenMetrics
 * 1.0 (the family is declared without _total, and the text ends in
 * "# EOF"), which the scrape endpoint serves when asked for it.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/srrd_ipc.h"

struct mx {
	FILE *f;
	bool om;
};

/* "# HELP" and "# TYPE" of a family; NAME is the sample name. */
static void
family(struct mx *m, const char *name, const char *type, const char *help)
{
	size_t n = strlen(name);

	if (m->om && strcmp(type, "counter") == 0 && n > 6 &&
	    strcmp(name + n - 6, "_total") == 0)
		n -= 6;
	fprintf(m->f, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)n, name, help,
		(int)n, name, type);
}

/* A label value escaped as the text formats say: \\, \" and \n. */
static void
label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void
sample(struct mx *m, const char *name, const char *label, const char *value,
       double x)
{
	fputs(name, m->f);
	if (label != NULL) {
		fprintf(m->f, "{%s=\"", label);
		label_value(m->f, value);
		fputs("\"}", m->f);
	}
	if (isinf(x))
		fputs(" +Inf\n", m->f);
	else
		fprintf(m->f, " %.17g\n", x);
}

static void
gauge(struct mx *m, const char *name, const char *help, double x)
{
	family(m, name, "gauge", help);
	sample(m, name, NULL, NULL, x);
}

static void
metrics_debts(struct mx *m, const struct srrd *d)
{
	const struct srr_ledger *l = srrd_ledger(d);
	size_t n = l ? srr_ledger_count(l) : 0, i, pending = 0;
	size_t by[SRR_OP_STATUS_COUNT] = { 0 };
	int64_t oldest = 0, now = srrd_ipc_wall_ms();
	const struct srr_record *r;

	for (i = 0; i < n; i++) {
		if ((r = srr_ledger_at(l, i)) == NULL ||
		    (unsigned)r->status >= SRR_OP_STATUS_COUNT ||
		    srr_record_is_mode(r))
			continue;
		by[r->status]++;
		if (r->status != SRR_OP_RESTARTED &&
		    r->status != SRR_OP_CLEANING)
			continue;
		pending++;
		if (now - r->created.ms > oldest)
			oldest = now - r->created.ms;
	}
	gauge(m, "srrha_debts_pending", "Cleanup debts not yet closed.",
	      (double)pending);
	gauge(m, "srrha_debt_oldest_age_seconds", "Age of the oldest open "
	      "cleanup debt (0 when none).", (double)oldest / 1000.0);
	family(m, "srrha_operations", "gauge", "Operations in the ledger by "
	       "status.");
	for (i = 0; i < SRR_OP_STATUS_COUNT; i++)
		sample(m, "srrha_operations", "status",
		       srr_op_status_name((enum srr_op_status)i),
		       (double)by[i]);
}

static void
metrics_counters(struct mx *m, const struct srrd *d)
{
	struct srrd_counters c;
	int i;

	memset(&c, 0, sizeof(c));
	srrd_view_counters(d, &c);
	family(m, "srrha_restarts_total", "counter", "Remote restarts by "
	       "result (unknown: no exit status came back).");
	sample(m, "srrha_restarts_total", "result", "ok", (double)c.restarts_ok);
	sample(m, "srrha_restarts_total", "result", "failed",
	       (double)c.restarts_failed);
	sample(m, "srrha_restarts_total", "result", "unknown",
	       (double)c.restarts_unknown);
	family(m, "srrha_cleanups_total", "counter", "Cleanups by result.");
	sample(m, "srrha_cleanups_total", "result", "ok", (double)c.cleanups_ok);
	sample(m, "srrha_cleanups_total", "result", "failed",
	       (double)c.cleanups_failed);
	family(m, "srrha_validates_total", "counter", "Validations "
	       "(rrstartlpar -o validate) by result.");
	sample(m, "srrha_validates_total", "result", "ok",
	       (double)c.validates_ok);
	sample(m, "srrha_validates_total", "result", "failed",
	       (double)c.validates_failed);
	family(m, "srrha_gate_refusals_total", "counter", "Restarts the gate "
	       "refused, by the part that refused.");
	for (i = 0; i < SRRD_GATE_COUNT; i++)
		sample(m, "srrha_gate_refusals_total", "part",
		       srrd_gate_part_name((enum srrd_gate_part)i),
		       (double)c.refusals[i]);
	family(m, "srrha_alerts_total", "counter", "Alert agent runs.");
	sample(m, "srrha_alerts_total", NULL, NULL, (double)c.alerts_run);
	family(m, "srrha_alert_failures_total", "counter", "Alert agent runs "
	       "that failed or timed out.");
	sample(m, "srrha_alert_failures_total", NULL, NULL,
	       (double)c.alerts_failed);
}

static void
metrics_cluster(struct mx *m, const struct srrd *d)
{
	struct srrd_cluster_view v;

	memset(&v, 0, sizeof(v));
	srrd_view_cluster(d, &v);
	gauge(m, "srrha_quorate", "1 if this agent's partition of the "
	      "cluster is quorate.", v.quorate);
	gauge(m, "srrha_leader", "1 if this agent is the acting leader.",
	      v.acting_leader);
	gauge(m, "srrha_synced", "1 if this epoch's ledger sync is complete.",
	      v.synced);
	gauge(m, "srrha_config_agree", "1 if every member runs this agent's "
	      "configuration digest.", v.config_agree);
	gauge(m, "srrha_paused", "1 if the automatic mode is paused.",
	      v.paused);
	gauge(m, "srrha_members", "Agents in the membership.",
	      (double)v.nmembers);
	gauge(m, "srrha_epoch", "The membership epoch.", (double)v.epoch);
	family(m, "srrha_peer_messages_dropped_total", "counter", "Messages "
	       "from the CPG group dropped, by reason (stale_epoch: from an "
	       "older membership; the others: a broken or hostile peer).");
	sample(m, "srrha_peer_messages_dropped_total", "reason", "malformed",
	       (double)v.dropped.malformed);
	sample(m, "srrha_peer_messages_dropped_total", "reason", "bad_version",
	       (double)v.dropped.bad_version);
	sample(m, "srrha_peer_messages_dropped_total", "reason",
	       "unknown_type", (double)v.dropped.unknown_type);
	sample(m, "srrha_peer_messages_dropped_total", "reason", "stale_epoch",
	       (double)v.dropped.stale_epoch);
	sample(m, "srrha_peer_messages_dropped_total", "reason",
	       "merge_failed", (double)v.dropped.merge_failed);
}

static void
metrics_hmcs(struct mx *m, const struct srrd *d)
{
	struct srrd_hmc_view v[SRR_MAX_HMC];
	size_t n = srrd_view_hmcs(d, v, SRR_MAX_HMC), i;

	if (n > SRR_MAX_HMC)
		n = SRR_MAX_HMC;
	family(m, "srrha_hmc_up", "gauge", "1 if the HMC's last poll got an "
	       "answer.");
	for (i = 0; i < n; i++)
		sample(m, "srrha_hmc_up", "hmc", v[i].name, v[i].reachable);
	family(m, "srrha_hmc_last_poll_age_seconds", "gauge", "Seconds since "
	       "the HMC last answered a poll (+Inf: never).");
	for (i = 0; i < n; i++)
		sample(m, "srrha_hmc_last_poll_age_seconds", "hmc", v[i].name,
		       v[i].poll_age_ms < 0 ? INFINITY :
		       (double)v[i].poll_age_ms / 1000.0);
}

static void
metrics_systems(struct mx *m, const struct srrd *d)
{
	struct srrd_sys_view *v = calloc(SRR_MAX_SYS, sizeof(*v));
	size_t n, i;

	if (v == NULL)
		return;
	n = srrd_view_systems(d, v, SRR_MAX_SYS);
	if (n > SRR_MAX_SYS)
		n = SRR_MAX_SYS;
	family(m, "srrha_system_confirmed_down", "gauge", "1 if the gate's "
	       "source-down part holds for the system.");
	for (i = 0; i < n; i++)
		sample(m, "srrha_system_confirmed_down", "system", v[i].name,
		       v[i].confirmed_down);
	family(m, "srrha_partitions_ready", "gauge", "Protected partitions "
	       "whose last validation passed, by source system.");
	for (i = 0; i < n; i++)
		sample(m, "srrha_partitions_ready", "system", v[i].name,
		       v[i].lpars_ready);
	family(m, "srrha_partitions_not_ready", "gauge", "Protected "
	       "partitions not ready to restart, by source system.");
	for (i = 0; i < n; i++)
		sample(m, "srrha_partitions_not_ready", "system", v[i].name,
		       v[i].lpars_not_ready);
	free(v);
}

static void
metrics_inflight(struct mx *m, const struct srrd *d)
{
	struct srrd_inflight_view *v = NULL;
	size_t n = 0;

	if (srrd_view_inflight(d, &v, &n) < 0)
		n = 0;
	free(v);
	gauge(m, "srrha_commands_in_flight", "HMC commands and queries "
	      "running now.", (double)n);
}

int
srrd_metrics_format(const struct srrd *d, bool openmetrics, char **out,
		    size_t *len)
{
	struct mx m = { .om = openmetrics };
	char *buf = NULL;
	size_t n = 0;

	if ((m.f = open_memstream(&buf, &n)) == NULL)
		return -errno;
	metrics_debts(&m, d);
	metrics_counters(&m, d);
	metrics_cluster(&m, d);
	metrics_hmcs(&m, d);
	metrics_systems(&m, d);
	metrics_inflight(&m, d);
	if (openmetrics)
		fputs("# EOF\n", m.f);
	if (fclose(m.f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*len = n;
	return 0;
}

int
srrd_metrics_text(const struct srrd *d, char **out, size_t *len)
{
	return srrd_metrics_format(d, false, out, len);
}
