/*
 * sim_cmd_ls.c: the listing commands: lssyscfg (sys, lpar, prof), lshwres
 * (mem, proc at sys and lpar level), lslic and lscomgmt.
 *
 * Every listing goes through emit(): -F picks attributes (the delimiter is
 * whatever separates the names), --header prints the names first, no -F
 * prints attr=value rows, and an empty listing prints "No results were
 * found.". The quoting is hmc/'s formatter, the inverse of the parser the
 * agents use, so both sides agree. While a system is not Operating or
 * Standby, its capability attributes read "unavailable", as on an HMC.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define FIELDS_MAX 64
/* The longest value is a name (system, partition, profile's partition):
 * 128 bytes cut a longer partition name in every listing, so a client
 * could not name it back (found by srrd_hostile_names.sh). */
#define VALUE_MAX (SIM_NAME_MAX + 1)

struct row {
	const struct sim_sys *s;
	const struct sim_lpar *l;
};

typedef void (*getter)(int k, const struct row *r, char *v, size_t n);

struct table {
	const char *const *names;
	const bool *cap;		/* unavailable while the system is down */
	size_t n;
	getter get;
};

/* ---------------------------------------------------------------- sys */

enum { S_NAME, S_TYPE, S_SERIAL, S_IP, S_STATE, S_DETAIL, S_MAXLPARS,
       S_SVC, S_LPM, S_RR, S_SRR, S_N };
static const char *const sys_names[S_N] = { "name", "type_model",
	"serial_num", "ipaddr", "state", "detailed_state", "max_lpars",
	"service_lpar_id", "active_lpar_mobility_capable",
	"powervm_lpar_remote_restart_capable",
	"powervm_lpar_simplified_remote_restart_capable" };
static const bool sys_cap[S_N] = { [S_MAXLPARS] = 1, [S_LPM] = 1,
	[S_RR] = 1, [S_SRR] = 1 };

static void
sys_get(int k, const struct row *r, char *v, size_t n)
{
	const struct sim_sys *s = r->s;

	switch (k) {
	case S_NAME: snprintf(v, n, "%s", s->name); break;
	case S_TYPE: snprintf(v, n, "%s", s->type_model); break;
	case S_SERIAL: snprintf(v, n, "%s", s->serial); break;
	case S_IP: snprintf(v, n, "%s", s->ipaddr); break;
	case S_STATE: snprintf(v, n, "%s", hmc_sys_state_name(s->state)); break;
	case S_DETAIL: snprintf(v, n, "None"); break;
	case S_MAXLPARS: snprintf(v, n, "%u", SIM_LPARS_MAX); break;
	case S_SVC: snprintf(v, n, "none"); break;
	case S_LPM: snprintf(v, n, "1"); break;
	case S_RR: snprintf(v, n, "%d", s->srr); break;
	case S_SRR: snprintf(v, n, "%d", s->srr); break;
	}
}

static const struct table sys_table = { sys_names, sys_cap, S_N, sys_get };

/* ---------------------------------------------------------------- lpar */

enum { L_NAME, L_ID, L_ENV, L_STATE, L_RESCFG, L_OS, L_SERIAL, L_DEFPROF,
       L_CURPROF, L_BOOT, L_KEYLOCK, L_AUTOSTART, L_RMC, L_PRIO, L_COMPAT,
       L_SUSPEND, L_RRCAP, L_SRRCAP, L_RRSTATUS, L_SYNC, L_N };
static const char *const lpar_names[L_N] = { "name", "lpar_id", "lpar_env",
	"state", "resource_config", "os_version", "logical_serial_num",
	"default_profile", "curr_profile", "boot_mode", "lpar_keylock",
	"auto_start", "rmc_state", "lpar_avail_priority",
	"curr_lpar_proc_compat_mode", "suspend_capable",
	"remote_restart_capable", "simplified_remote_restart_capable",
	"remote_restart_status", "sync_curr_profile" };
static const bool lpar_cap[L_N] = { [L_OS] = 1, [L_DEFPROF] = 1,
	[L_CURPROF] = 1, [L_RMC] = 1, [L_COMPAT] = 1, [L_SUSPEND] = 1,
	[L_RRCAP] = 1, [L_SRRCAP] = 1 };

static void
lpar_get(int k, const struct row *r, char *v, size_t n)
{
	const struct sim_lpar *l = r->l;
	bool on = hmc_lpar_state_power(l->state) == HMC_POWER_ON;

	switch (k) {
	case L_NAME: snprintf(v, n, "%s", l->name); break;
	case L_ID: snprintf(v, n, "%u", l->id); break;
	case L_ENV: snprintf(v, n, "%s", l->vios ? "vioserver" : "aixlinux"); break;
	case L_STATE: snprintf(v, n, "%s", hmc_lpar_state_name(sim_lpar_shown(r->s, l))); break;
	case L_RESCFG: snprintf(v, n, "1"); break;
	case L_OS: snprintf(v, n, "%s", l->vios ? "VIOS 2.2.3.4" : "AIX 7.1 7100-03-05-1524"); break;
	case L_SERIAL: snprintf(v, n, "%.7s%X", r->s->serial, l->id); break;
	case L_DEFPROF: case L_CURPROF: snprintf(v, n, "%s", l->profile); break;
	case L_BOOT: snprintf(v, n, "norm"); break;
	case L_KEYLOCK: snprintf(v, n, "norm"); break;
	case L_AUTOSTART: snprintf(v, n, "%d", l->vios); break;
	case L_RMC: snprintf(v, n, "%s", on ? "active" : "inactive"); break;
	case L_PRIO: snprintf(v, n, "%u", l->vios ? 191u : 127u); break;
	case L_COMPAT: snprintf(v, n, "POWER8"); break;
	case L_SUSPEND: snprintf(v, n, "0"); break;
	case L_RRCAP: snprintf(v, n, "%d", l->rr_classic); break;
	case L_SRRCAP: snprintf(v, n, "%d", l->srr); break;
	case L_RRSTATUS: snprintf(v, n, "%s", hmc_rr_status_name(l->rrs)); break;
	case L_SYNC: snprintf(v, n, "0"); break;
	}
}

static const struct table lpar_table = { lpar_names, lpar_cap, L_N, lpar_get };

/* ---------------------------------------------------------------- prof */

enum { P_NAME, P_LPAR, P_ID, P_ENV, P_ALL, P_MINMEM, P_MEM, P_MAXMEM,
       P_MODE, P_MINPU, P_PU, P_MAXPU, P_MINPROCS, P_PROCS, P_MAXPROCS,
       P_SHARING, P_BOOT, P_N };
static const char *const prof_names[P_N] = { "name", "lpar_name", "lpar_id",
	"lpar_env", "all_resources", "min_mem", "desired_mem", "max_mem",
	"proc_mode", "min_proc_units", "desired_proc_units", "max_proc_units",
	"min_procs", "desired_procs", "max_procs", "sharing_mode", "boot_mode" };
static const bool prof_cap[P_N] = { [P_MINMEM] = 1, [P_MEM] = 1,
	[P_MAXMEM] = 1, [P_MINPU] = 1, [P_PU] = 1, [P_MAXPU] = 1,
	[P_MINPROCS] = 1, [P_PROCS] = 1, [P_MAXPROCS] = 1 };

static void
prof_get(int k, const struct row *r, char *v, size_t n)
{
	const struct sim_lpar *l = r->l;

	switch (k) {
	case P_NAME: snprintf(v, n, "%s", l->profile); break;
	case P_LPAR: snprintf(v, n, "%s", l->name); break;
	case P_ID: snprintf(v, n, "%u", l->id); break;
	case P_ENV: snprintf(v, n, "%s", l->vios ? "vioserver" : "aixlinux"); break;
	case P_ALL: snprintf(v, n, "0"); break;
	case P_MINMEM: snprintf(v, n, "%u", l->mem_mb / 2 ? l->mem_mb / 2 : 256); break;
	case P_MEM: snprintf(v, n, "%u", l->mem_mb); break;
	case P_MAXMEM: snprintf(v, n, "%u", l->mem_mb * 2); break;
	case P_MODE: snprintf(v, n, "shared"); break;
	case P_MINPU: snprintf(v, n, "0.05"); break;
	case P_PU: sim_fmt_pu(l->pu, v, n); break;
	case P_MAXPU: sim_fmt_pu(l->pu * 2, v, n); break;
	case P_MINPROCS: snprintf(v, n, "1"); break;
	case P_PROCS: snprintf(v, n, "%u", l->procs); break;
	case P_MAXPROCS: snprintf(v, n, "%u", l->procs * 2); break;
	case P_SHARING: snprintf(v, n, "uncap"); break;
	case P_BOOT: snprintf(v, n, "norm"); break;
	}
}

static const struct table prof_table = { prof_names, prof_cap, P_N, prof_get };

/* ---------------------------------------------------------------- lshwres */

enum { MS_CONF, MS_AVAIL, MS_PEND, MS_INST, MS_DECONF, MS_FW, MS_REGION, MS_N };
static const char *const mem_sys_names[MS_N] = { "configurable_sys_mem",
	"curr_avail_sys_mem", "pend_avail_sys_mem", "installed_sys_mem",
	"deconfig_sys_mem", "sys_firmware_mem", "mem_region_size" };
static const bool all_cap[FIELDS_MAX] = { [0 ... FIELDS_MAX - 1] = 1 };

static void
mem_sys_get(int k, const struct row *r, char *v, size_t n)
{
	unsigned int x = 0;

	switch (k) {
	case MS_CONF: case MS_INST: x = r->s->mem_mb; break;
	case MS_AVAIL: case MS_PEND: x = sim_sys_avail_mem(r->s); break;
	case MS_REGION: x = 256; break;
	}
	snprintf(v, n, "%u", x);
}

static const struct table mem_sys_table = { mem_sys_names, all_cap, MS_N, mem_sys_get };

enum { ML_NAME, ML_ID, ML_MIN, ML_CURR, ML_MAX, ML_PEND, ML_RUN, ML_N };
static const char *const mem_lpar_names[ML_N] = { "lpar_name", "lpar_id",
	"curr_min_mem", "curr_mem", "curr_max_mem", "pend_mem", "run_mem" };
static const bool mem_lpar_cap[ML_N] = { [ML_MIN] = 1, [ML_CURR] = 1,
	[ML_MAX] = 1, [ML_PEND] = 1, [ML_RUN] = 1 };

static void
mem_lpar_get(int k, const struct row *r, char *v, size_t n)
{
	const struct sim_lpar *l = r->l;
	bool on = hmc_lpar_state_power(l->state) != HMC_POWER_OFF;
	unsigned int x = on ? l->mem_mb : 0;

	switch (k) {
	case ML_NAME: snprintf(v, n, "%s", l->name); return;
	case ML_ID: x = l->id; break;
	case ML_MIN: x = on ? x / 2 : 0; break;
	case ML_MAX: x = x * 2; break;
	}
	snprintf(v, n, "%u", x);
}

static const struct table mem_lpar_table = { mem_lpar_names, mem_lpar_cap, ML_N, mem_lpar_get };

enum { PS_CONF, PS_AVAIL, PS_PEND, PS_INST, PS_DECONF, PS_MINPU, PS_N };
static const char *const proc_sys_names[PS_N] = {
	"configurable_sys_proc_units", "curr_avail_sys_proc_units",
	"pend_avail_sys_proc_units", "installed_sys_proc_units",
	"deconfig_sys_proc_units", "min_proc_units_per_virtual_proc" };

static void
proc_sys_get(int k, const struct row *r, char *v, size_t n)
{
	unsigned int x = 0;

	switch (k) {
	case PS_CONF: case PS_INST: x = r->s->pu; break;
	case PS_AVAIL: case PS_PEND: x = sim_sys_avail_pu(r->s); break;
	case PS_MINPU: x = 5; break;
	}
	sim_fmt_pu(x, v, n);
}

static const struct table proc_sys_table = { proc_sys_names, all_cap, PS_N, proc_sys_get };

enum { PL_NAME, PL_ID, PL_POOL, PL_MODE, PL_PU, PL_PROCS, PL_SHARING,
       PL_RUNPU, PL_RUNPROCS, PL_N };
static const char *const proc_lpar_names[PL_N] = { "lpar_name", "lpar_id",
	"curr_shared_proc_pool_id", "curr_proc_mode", "curr_proc_units",
	"curr_procs", "curr_sharing_mode", "run_proc_units", "run_procs" };
static const bool proc_lpar_cap[PL_N] = { [PL_PU] = 1, [PL_PROCS] = 1,
	[PL_RUNPU] = 1, [PL_RUNPROCS] = 1 };

static void
proc_lpar_get(int k, const struct row *r, char *v, size_t n)
{
	const struct sim_lpar *l = r->l;
	bool on = hmc_lpar_state_power(l->state) != HMC_POWER_OFF;

	switch (k) {
	case PL_NAME: snprintf(v, n, "%s", l->name); break;
	case PL_ID: snprintf(v, n, "%u", l->id); break;
	case PL_POOL: snprintf(v, n, "0"); break;
	case PL_MODE: snprintf(v, n, "shared"); break;
	case PL_PU: case PL_RUNPU: sim_fmt_pu(on ? l->pu : 0, v, n); break;
	case PL_PROCS: case PL_RUNPROCS: snprintf(v, n, "%u", on ? l->procs : 0); break;
	case PL_SHARING: snprintf(v, n, "uncap"); break;
	}
}

static const struct table proc_lpar_table = { proc_lpar_names, proc_lpar_cap, PL_N, proc_lpar_get };

/* ---------------------------------------------------------------- lslic */

enum { C_TYPE, C_EC, C_ACT, C_INST, C_ACC, C_ACTSP, C_INSTSP, C_N };
static const char *const lic_names[C_N] = { "lic_type", "ecnumber",
	"activated_level", "installed_level", "accepted_level",
	"activated_spname", "installed_spname" };
static const bool lic_cap[C_N] = { 0 };

static void
lic_get(int k, const struct row *r, char *v, size_t n)
{
	const struct sim_sys *s = r->s;

	switch (k) {
	case C_TYPE: snprintf(v, n, "Managed System"); break;
	case C_EC: snprintf(v, n, "%s", s->fw_ec); break;
	case C_ACT: case C_INST: case C_ACC: snprintf(v, n, "%s", s->fw_level); break;
	case C_ACTSP: case C_INSTSP: snprintf(v, n, "%s", s->fw_spname); break;
	}
}

static const struct table lic_table = { lic_names, lic_cap, C_N, lic_get };

/* ---------------------------------------------------------------- output */

/* -F: the delimiter is the first character that cannot be in a name. */
static int
parse_fields(struct sim_ctx *c, const struct table *t, const char *spec,
	     int *idx, size_t *nidx, char *delim)
{
	const char *p = spec, *e;
	size_t i, len;

	*delim = ',';
	for (e = spec; *e; e++)
		if (!((*e >= 'a' && *e <= 'z') || (*e >= '0' && *e <= '9') || *e == '_')) {
			*delim = *e;
			break;
		}
	*nidx = 0;
	for (;;) {
		e = strchr(p, *delim);
		len = e ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < t->n; i++)
			if (strlen(t->names[i]) == len && strncmp(t->names[i], p, len) == 0)
				break;
		if (i == t->n || *nidx >= FIELDS_MAX)
			return sim_err(c, "HSCL350B The attribute %.*s is not "
				       "valid for this command.", (int)len, p);
		idx[(*nidx)++] = (int)i;
		if (e == NULL)
			return 0;
		p = e + 1;
	}
}

static int
emit(struct sim_ctx *c, const struct table *t, const struct row *rows,
     size_t nrows, const char *spec, bool header)
{
	char vals[FIELDS_MAX][VALUE_MAX];
	const char *v[FIELDS_MAX], *names[FIELDS_MAX];
	int idx[FIELDS_MAX];
	size_t nidx, i, j;
	char delim;

	if (spec != NULL && parse_fields(c, t, spec, idx, &nidx, &delim) != 0)
		return 1;
	if (spec == NULL)
		for (nidx = 0; nidx < t->n; nidx++)
			idx[nidx] = (int)nidx;
	if (nrows == 0) {
		hmc_buf_printf(c->out, "No results were found.\n");
		return 0;
	}
	for (j = 0; j < nidx; j++)
		names[j] = t->names[idx[j]];
	if (spec != NULL && header)
		hmc_fmt_fields(c->out, names, nidx, delim);
	for (i = 0; i < nrows; i++) {
		for (j = 0; j < nidx; j++) {
			if (t->cap[idx[j]] && !sim_sys_up(rows[i].s))
				snprintf(vals[j], VALUE_MAX, "unavailable");
			else
				t->get(idx[j], &rows[i], vals[j], VALUE_MAX);
			v[j] = vals[j];
		}
		if (spec != NULL)
			hmc_fmt_fields(c->out, v, nidx, delim);
		else
			hmc_fmt_attrs(c->out, names, v, nidx);
	}
	return 0;
}

/* --filter "lpar_names=a,b" | "lpar_ids=1,2" | "names=..." (sys). */
struct filter {
	char attr[32];
	char *vals[SIM_LPARS_MAX];
	size_t n;
	char buf[HMC_CMD_MAX];
};

static int
parse_filter(struct sim_ctx *c, const char *spec, struct filter *f)
{
	char *p, *eq;
	size_t len = strlen(spec);

	if (len >= sizeof(f->buf))
		return sim_err(c, "HSCL350B The filter is too long.");
	memcpy(f->buf, spec, len + 1);
	p = f->buf;
	if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
		p[len - 1] = '\0';
		p++;
	}
	eq = strchr(p, '=');
	if (eq == NULL || (size_t)(eq - p) >= sizeof(f->attr))
		return sim_err(c, "HSCL350B The filter %s is not valid.", spec);
	memcpy(f->attr, p, (size_t)(eq - p));
	f->attr[eq - p] = '\0';
	f->n = 0;
	for (p = eq + 1; p != NULL && f->n < SIM_LPARS_MAX;) {
		f->vals[f->n++] = p;
		p = strchr(p, ',');
		if (p != NULL)
			*p++ = '\0';
	}
	return 0;
}

static bool
filter_has(const struct filter *f, const char *v)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->vals[i], v) == 0)
			return true;
	return false;
}

/* Does partition L pass filter F (NULL: no filter)? -1: bad filter. */
static int
lpar_passes(const struct filter *f, const struct sim_lpar *l, bool prof)
{
	char id[16];

	if (f == NULL)
		return 1;
	if (strcmp(f->attr, "lpar_names") == 0)
		return filter_has(f, l->name);
	if (strcmp(f->attr, "lpar_ids") == 0) {
		snprintf(id, sizeof(id), "%u", l->id);
		return filter_has(f, id);
	}
	if (prof && strcmp(f->attr, "profile_names") == 0)
		return filter_has(f, l->profile);
	return -1;
}

static int
list_lpars(struct sim_ctx *c, const struct table *t, struct sim_sys *s,
	   const char *filter, const char *spec, bool header, bool prof)
{
	struct filter *f = NULL;
	struct row *rows;
	size_t i, n = 0;
	int rc = 1, pass;

	rows = calloc(s->nlpars + 1, sizeof(*rows));
	if (rows == NULL)
		return sim_err(c, "HSCL0002 Out of memory.");
	if (filter != NULL) {
		f = malloc(sizeof(*f));
		if (f == NULL || parse_filter(c, filter, f) != 0)
			goto out;
	}
	for (i = 0; i < s->nlpars; i++) {
		pass = lpar_passes(f, s->lpars[i], prof);
		if (pass < 0) {
			sim_err(c, "HSCL350B The filter %s is not valid.", f->attr);
			goto out;
		}
		if (pass && sim_lpar_listed(c->m, s->lpars[i]))
			rows[n++] = (struct row){ s, s->lpars[i] };
	}
	rc = emit(c, t, rows, n, spec, header);
out:
	free(f);
	free(rows);
	return rc;
}

static int
list_systems(struct sim_ctx *c, const char *sys, const char *filter,
	     const char *spec, bool header)
{
	struct row rows[SIM_SYS_MAX];
	struct filter *f = NULL;
	struct sim_sys *s;
	size_t i, n = 0;
	int rc = 1;

	if (sys != NULL) {
		if (sim_need_sys(c, sys, &s) != 0)
			return 1;
		rows[n++] = (struct row){ s, NULL };
		return emit(c, &sys_table, rows, n, spec, header);
	}
	if (filter != NULL) {
		f = malloc(sizeof(*f));
		if (f == NULL || parse_filter(c, filter, f) != 0)
			goto out;
		if (strcmp(f->attr, "names") != 0) {
			sim_err(c, "HSCL350B The filter %s is not valid.", f->attr);
			goto out;
		}
	}
	for (i = 0; i < c->m->nsys; i++)
		if (f == NULL || filter_has(f, c->m->sys[i]->name))
			rows[n++] = (struct row){ c->m->sys[i], NULL };
	rc = emit(c, &sys_table, rows, n, spec, header);
out:
	free(f);
	return rc;
}

static struct sim_opt ls_opts[] = {
	{ "-r", true, NULL }, { "-m", true, NULL }, { "-F", true, NULL },
	{ "--filter", true, NULL }, { "--header", false, NULL },
	{ "--level", true, NULL }, { "--rsubtype", true, NULL },
};
#define NLS (sizeof(ls_opts) / sizeof(ls_opts[0]))

int
sim_cmd_lssyscfg(struct sim_ctx *c, int argc, char **argv)
{
	struct sim_opt o[NLS];
	const char *r, *m;
	struct sim_sys *s;

	memcpy(o, ls_opts, sizeof(o));
	if (sim_opts_parse(c, argc, argv, o, NLS - 2) != 0)
		return 1;
	r = sim_opt(o, NLS, "-r");
	m = sim_opt(o, NLS, "-m");
	if (r == NULL)
		return sim_err(c, "HSCL350B The resource type (-r) is required.");
	if (strcmp(r, "sys") == 0)
		return list_systems(c, m, sim_opt(o, NLS, "--filter"),
				    sim_opt(o, NLS, "-F"), sim_opt(o, NLS, "--header"));
	if (strcmp(r, "lpar") != 0 && strcmp(r, "prof") != 0)
		return sim_err(c, "HSCL350B The resource type %s is not valid.", r);
	if (sim_need_sys(c, m, &s) != 0)
		return 1;
	return list_lpars(c, strcmp(r, "lpar") == 0 ? &lpar_table : &prof_table,
			  s, sim_opt(o, NLS, "--filter"), sim_opt(o, NLS, "-F"),
			  sim_opt(o, NLS, "--header") != NULL, strcmp(r, "prof") == 0);
}

int
sim_cmd_lshwres(struct sim_ctx *c, int argc, char **argv)
{
	struct sim_opt o[NLS];
	const char *r, *level;
	const struct table *t;
	struct sim_sys *s;
	struct row row;
	bool mem;

	memcpy(o, ls_opts, sizeof(o));
	if (sim_opts_parse(c, argc, argv, o, NLS) != 0)
		return 1;
	r = sim_opt(o, NLS, "-r");
	level = sim_opt(o, NLS, "--level");
	if (r == NULL || (strcmp(r, "mem") != 0 && strcmp(r, "proc") != 0))
		return sim_err(c, "HSCL350B The resource type -r %s is not "
			       "supported.", r ? r : "(none)");
	if (level == NULL || (strcmp(level, "sys") != 0 && strcmp(level, "lpar") != 0))
		return sim_err(c, "HSCL350B The level (--level sys|lpar) is required.");
	if (sim_need_sys(c, sim_opt(o, NLS, "-m"), &s) != 0)
		return 1;
	mem = strcmp(r, "mem") == 0;
	if (strcmp(level, "lpar") == 0) {
		t = mem ? &mem_lpar_table : &proc_lpar_table;
		return list_lpars(c, t, s, sim_opt(o, NLS, "--filter"),
				  sim_opt(o, NLS, "-F"),
				  sim_opt(o, NLS, "--header") != NULL, false);
	}
	row = (struct row){ s, NULL };
	return emit(c, mem ? &mem_sys_table : &proc_sys_table, &row, 1,
		    sim_opt(o, NLS, "-F"), sim_opt(o, NLS, "--header") != NULL);
}

int
sim_cmd_lslic(struct sim_ctx *c, int argc, char **argv)
{
	struct sim_opt o[] = { { "-m", true, NULL }, { "-t", true, NULL },
			       { "-F", true, NULL }, { "--header", false, NULL } };
	struct sim_sys *s;
	struct row row;

	if (sim_opts_parse(c, argc, argv, o, 4) != 0)
		return 1;
	if (sim_need_sys(c, sim_opt(o, 4, "-m"), &s) != 0)
		return 1;
	row = (struct row){ s, NULL };
	return emit(c, &lic_table, &row, 1, sim_opt(o, 4, "-F"),
		    sim_opt(o, 4, "--header") != NULL);
}

/* lscomgmt -m SYS: co-management (an HMC and NovaLink sharing a system).
 * fence_lpar runs it before every on and, when it reads a non-empty
 * ",curr_master_mtms=...,", activates without a profile. hmcsim's systems
 * are managed by this HMC alone: there is no setting to list (inferred;
 * the HMC's exact answer for such a system is not verified). */
int
sim_cmd_lscomgmt(struct sim_ctx *c, int argc, char **argv)
{
	struct sim_opt o[] = { { "-m", true, NULL }, { "-F", true, NULL },
			       { "--header", false, NULL } };
	struct sim_sys *s;

	if (sim_opts_parse(c, argc, argv, o, 3) != 0 ||
	    sim_need_sys(c, sim_opt(o, 3, "-m"), &s) != 0)
		return 1;
	hmc_buf_printf(c->out, "No results were found.\n");
	return 0;
}
