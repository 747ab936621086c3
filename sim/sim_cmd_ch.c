/*
 * sim_cmd_ch.c: commands that change things: chsysstate (system and
 * partition power), chsyscfg (the SRR capability of a partition) and
 * migrlpar -o v (LPM validation, which SRR forbids towards a system
 * without SRR support).
 *
 * A successful change prints nothing; power transitions take the
 * configured (scaled) time and are applied by sim_tick().
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sim.h"

static int
sys_power(struct sim_ctx *c, struct sim_sys *s, const char *op, bool immed)
{
	struct sim_model *m = c->m;

	if (strcmp(op, "off") == 0) {
		if (!sim_sys_up(s) || s->next_state != HMC_SYS_UNKNOWN)
			return sim_err(c, "HSCL0373 The managed system %s is not "
				       "in a valid state to be powered off.", s->name);
		sim_sys_power(m, s, HMC_SYS_POWER_OFF_IN_PROGRESS,
			      HMC_SYS_POWER_OFF,
			      immed ? m->t.sys_off_immed : m->t.sys_off);
	} else if (strcmp(op, "on") == 0 || strcmp(op, "onstandby") == 0) {
		if (s->state != HMC_SYS_POWER_OFF)
			return sim_err(c, "HSCL0374 The managed system %s is not "
				       "in a valid state to be powered on.", s->name);
		sim_sys_power(m, s, HMC_SYS_INITIALIZING,
			      strcmp(op, "on") == 0 ? HMC_SYS_OPERATING :
			      HMC_SYS_STANDBY, m->t.sys_on);
	} else {
		return sim_err(c, "HSCL350B The operation -o %s is not valid "
			       "for a managed system.", op);
	}
	sim_changed(m);
	return 0;
}

static int
lpar_on(struct sim_ctx *c, struct sim_sys *s, struct sim_lpar *l,
	const char *prof)
{
	if (prof == NULL)
		return sim_err(c, "HSCL350B A profile (-f) is required to "
			       "activate a partition.");
	if (!sim_sys_up(s))
		return sim_err(c, "HSCL0375 The managed system %s is not in a "
			       "valid state to activate partitions.", s->name);
	if (strcmp(prof, l->profile) != 0)
		return sim_err(c, "HSCL8014 The profile %s was not found for "
			       "the partition %s.", prof, l->name);
	if (l->state != HMC_LPAR_NOT_ACTIVATED || l->rr != NULL)
		return sim_err(c, "HSCL0DB4 The partition %s is not in a valid "
			       "state to be activated (%s).", l->name,
			       hmc_lpar_state_name(l->state));
	if (sim_sys_avail_mem(s) < l->mem_mb || sim_sys_avail_pu(s) < l->pu)
		return sim_err(c, "HSCL0376 There are not enough resources on "
			       "the managed system %s to activate %s.",
			       s->name, l->name);
	l->state = HMC_LPAR_STARTING;
	l->next_state = HMC_LPAR_RUNNING;
	l->next_at = sim_deadline(c->m, c->m->t.lpar_start);
	/* SRR data is refreshed on activation. */
	if (l->srr && l->rrs == HMC_RRS_INVALID)
		l->rrs = HMC_RRS_REMOTE_RESTARTABLE;
	sim_changed(c->m);
	return 0;
}

static int
lpar_shutdown(struct sim_ctx *c, struct sim_sys *s, struct sim_lpar *l,
	      bool immed)
{
	if (!sim_sys_up(s))
		return sim_err(c, "HSCL0375 The managed system %s is not in a "
			       "valid state for this operation.", s->name);
	if (hmc_lpar_state_power(l->state) != HMC_POWER_ON || l->rr != NULL)
		return sim_err(c, "HSCL0DB5 The partition %s is not in a valid "
			       "state to be shut down (%s).", l->name,
			       hmc_lpar_state_name(l->state));
	l->state = HMC_LPAR_SHUTTING_DOWN;
	l->next_state = HMC_LPAR_NOT_ACTIVATED;
	l->next_at = sim_deadline(c->m, immed ? c->m->t.lpar_shutdown_immed :
				  c->m->t.lpar_shutdown);
	sim_changed(c->m);
	return 0;
}

int
sim_cmd_chsysstate(struct sim_ctx *c, int argc, char **argv)
{
	struct sim_opt o[] = { { "-r", true, NULL }, { "-m", true, NULL },
			       { "-o", true, NULL }, { "-n", true, NULL },
			       { "--id", true, NULL }, { "-f", true, NULL },
			       { "--immed", false, NULL } };
	const size_t n = sizeof(o) / sizeof(o[0]);
	const char *r, *op;
	struct sim_sys *s;
	struct sim_lpar *l;

	if (sim_opts_parse(c, argc, argv, o, n) != 0)
		return 1;
	r = sim_opt(o, n, "-r");
	op = sim_opt(o, n, "-o");
	if (r == NULL || op == NULL)
		return sim_err(c, "HSCL350B The resource type (-r) and the "
			       "operation (-o) are required.");
	if (sim_need_sys(c, sim_opt(o, n, "-m"), &s) != 0)
		return 1;
	if (strcmp(r, "sys") == 0)
		return sys_power(c, s, op, sim_opt(o, n, "--immed") != NULL);
	if (strcmp(r, "lpar") != 0)
		return sim_err(c, "HSCL350B The resource type %s is not valid.", r);
	if (sim_need_lpar(c, s, sim_opt(o, n, "-n"), sim_opt(o, n, "--id"), &l) != 0)
		return 1;
	if (strcmp(op, "on") == 0)
		return lpar_on(c, s, l, sim_opt(o, n, "-f"));
	if (strcmp(op, "shutdown") == 0 || strcmp(op, "osshutdown") == 0)
		return lpar_shutdown(c, s, l, sim_opt(o, n, "--immed") != NULL);
	return sim_err(c, "HSCL350B The operation -o %s is not valid for a "
		       "partition.", op);
}

/* -i "name=X,simplified_remote_restart_capable=1" */
static int
parse_change(struct sim_ctx *c, const char *spec, char *name, size_t namelen,
	     int *srr)
{
	char buf[HMC_CMD_MAX], *p, *next, *eq;

	if (strlen(spec) >= sizeof(buf))
		return sim_err(c, "HSCL350B The -i value is too long.");
	snprintf(buf, sizeof(buf), "%s", spec);
	name[0] = '\0';
	*srr = -1;
	for (p = buf; p != NULL; p = next) {
		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		eq = strchr(p, '=');
		if (eq == NULL)
			return sim_err(c, "HSCL350B The -i value %s is not valid.", p);
		*eq++ = '\0';
		if (strcmp(p, "name") == 0 && strlen(eq) < namelen)
			snprintf(name, namelen, "%s", eq);
		else if (strcmp(p, "simplified_remote_restart_capable") == 0 &&
			 (strcmp(eq, "0") == 0 || strcmp(eq, "1") == 0))
			*srr = eq[0] == '1';
		else
			return sim_err(c, "HSCL350B The attribute %s cannot be "
				       "changed by this simulator.", p);
	}
	if (name[0] == '\0' || *srr < 0)
		return sim_err(c, "HSCL350B -i needs name= and "
			       "simplified_remote_restart_capable=.");
	return 0;
}

int
sim_cmd_chsyscfg(struct sim_ctx *c, int argc, char **argv)
{
	struct sim_opt o[] = { { "-r", true, NULL }, { "-m", true, NULL },
			       { "-i", true, NULL } };
	char name[SIM_NAME_MAX + 1];
	struct sim_sys *s;
	struct sim_lpar *l;
	const char *r, *i;
	int srr;

	if (sim_opts_parse(c, argc, argv, o, 3) != 0)
		return 1;
	r = sim_opt(o, 3, "-r");
	i = sim_opt(o, 3, "-i");
	if (r == NULL || strcmp(r, "lpar") != 0 || i == NULL)
		return sim_err(c, "HSCL350B This simulator changes partitions "
			       "only: chsyscfg -r lpar -m SYS -i \"name=...\".");
	if (sim_need_sys(c, sim_opt(o, 3, "-m"), &s) != 0 ||
	    parse_change(c, i, name, sizeof(name), &srr) != 0 ||
	    sim_need_lpar(c, s, name, NULL, &l) != 0)
		return 1;
	if (srr && !s->srr)
		return sim_err(c, "An error occurred while changing the "
			       "partition named %s.\nHSCLB909 This operation is "
			       "not allowed because managed system %s does not "
			       "support PowerVM Simplified Partition Remote "
			       "Restart.", l->name, s->name);
	if (l->state != HMC_LPAR_NOT_ACTIVATED || !sim_sys_up(s))
		return sim_err(c, "An error occurred while changing the "
			       "partition named %s.\nHSCLA9F8 The remote restart "
			       "capability of the partition can only be changed "
			       "when the partition is shutdown.", l->name);
	if (l->srr != (bool)srr) {
		l->srr = srr;
		/* Invalid until the next activation refreshes SRR data. */
		l->rrs = HMC_RRS_INVALID;
		sim_changed(c->m);
	}
	return 0;
}

int
sim_cmd_migrlpar(struct sim_ctx *c, int argc, char **argv)
{
	struct sim_opt o[] = { { "-o", true, NULL }, { "-m", true, NULL },
			       { "-t", true, NULL }, { "-p", true, NULL },
			       { "--id", true, NULL } };
	struct sim_sys *src, *dst;
	struct sim_lpar *l;
	const char *op;

	if (sim_opts_parse(c, argc, argv, o, 5) != 0)
		return 1;
	op = sim_opt(o, 5, "-o");
	if (op == NULL || strcmp(op, "v") != 0)
		return sim_err(c, "HSCL350B This simulator only validates "
			       "migrations (-o v).");
	if (sim_need_sys(c, sim_opt(o, 5, "-m"), &src) != 0 ||
	    sim_need_sys(c, sim_opt(o, 5, "-t"), &dst) != 0 ||
	    sim_need_lpar(c, src, sim_opt(o, 5, "-p"), sim_opt(o, 5, "--id"), &l) != 0)
		return 1;
	if (l->srr && !dst->srr)
		return sim_err(c, "Errors:\nHSCLB909 This operation is not "
			       "allowed because managed system %s does not "
			       "support PowerVM Simplified Partition Remote "
			       "Restart.", dst->name);
	if (!sim_sys_up(src) || dst->state != HMC_SYS_OPERATING)
		return sim_err(c, "Errors:\nHSCL0377 The managed systems are "
			       "not in a valid state to support partition "
			       "migration operations.");
	return 0;
}
