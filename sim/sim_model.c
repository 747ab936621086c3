/*
 * sim_model.c: the modelled estate: systems, partitions, and the timed
 * transitions between their states.
 *
 * A partition's state is the truth (what it really does); what the HMC
 * shows can differ: while its system is lost (No Connection, Initializing,
 * Error, ...) the HMC shows Not Available even if the partition still runs.
 * That difference is the ambiguity srrha must never act on alone.
 *
 * Transitions that take time (system power, partition start and shutdown)
 * are recorded with a monotonic deadline and applied lazily by sim_tick(),
 * which every command and control request calls first: no timer thread.
 */
#define SRR_LOG_TAG "hmcsim"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

sim_mono
sim_mono_now(void)
{
	struct timespec ts;
	sim_mono t;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t.ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return t;
}

int
sim_model_init(struct sim_model *m)
{
	pthread_condattr_t ca;

	memset(m, 0, sizeof(*m));
	if (pthread_mutex_init(&m->lock, NULL) != 0)
		return -ENOMEM;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&m->cond, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		pthread_mutex_destroy(&m->lock);
		return -ENOMEM;
	}
	pthread_condattr_destroy(&ca);
	/* The seed's restart took about 150 s; the rest are guesses, all
	 * configurable in the topology's [hmc] section. */
	m->t = (struct sim_timing){
		.validate = 10, .restart = 150, .cleanup = 20,
		.sys_off = 60, .sys_off_immed = 10, .sys_on = 120,
		.lpar_start = 30, .lpar_shutdown = 60, .lpar_shutdown_immed = 2,
	};
	m->time_scale = 1.0;
	m->rr_limit_default = 32;
	snprintf(m->hmc_name, sizeof(m->hmc_name), "hmcsim");
	return 0;
}

void
sim_model_free(struct sim_model *m)
{
	size_t i, j;

	for (i = 0; i < m->nsys; i++) {
		for (j = 0; j < m->sys[i]->nlpars; j++)
			free(m->sys[i]->lpars[j]);
		free(m->sys[i]->lpars);
		free(m->sys[i]);
	}
	free(m->sys);
	free(m->state_path);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	memset(m, 0, sizeof(*m));
}

struct sim_sys *
sim_sys_find(struct sim_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nsys; i++)
		if (strcmp(m->sys[i]->name, name) == 0)
			return m->sys[i];
	return NULL;
}

struct sim_lpar *
sim_lpar_find(struct sim_sys *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nlpars; i++)
		if (strcmp(s->lpars[i]->name, name) == 0)
			return s->lpars[i];
	return NULL;
}

struct sim_lpar *
sim_lpar_find_id(struct sim_sys *s, unsigned int id)
{
	size_t i;

	for (i = 0; i < s->nlpars; i++)
		if (s->lpars[i]->id == id)
			return s->lpars[i];
	return NULL;
}

int
sim_sys_add(struct sim_model *m, const char *name, struct sim_sys **out)
{
	struct sim_sys *s, **v;

	if (hmc_name_check(name) != 0 || strlen(name) > SIM_NAME_MAX)
		return -EINVAL;
	if (sim_sys_find(m, name) != NULL)
		return -EEXIST;
	if (m->nsys >= SIM_SYS_MAX)
		return -ENOSPC;
	v = realloc(m->sys, (m->nsys + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	m->sys = v;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->type_model, sizeof(s->type_model), "8286-41A");
	snprintf(s->serial, sizeof(s->serial), "21%05zu", m->nsys + 1);
	/* One address per system, whatever the serials look like. */
	snprintf(s->ipaddr, sizeof(s->ipaddr), "10.99.%zu.%zu", m->nsys / 250,
		 m->nsys % 250 + 1);
	snprintf(s->fw_spname, sizeof(s->fw_spname), "FW830.00");
	snprintf(s->fw_level, sizeof(s->fw_level), "48");
	snprintf(s->fw_ec, sizeof(s->fw_ec), "01SV830");
	s->state = HMC_SYS_OPERATING;
	s->srr = true;
	s->mem_mb = 262144;
	s->pu = 800;
	s->rr_limit = m->rr_limit_default;
	m->sys[m->nsys++] = s;
	*out = s;
	return 0;
}

int
sim_lpar_add(struct sim_sys *s, const char *name, struct sim_lpar **out)
{
	struct sim_lpar *l, **v;

	if (hmc_name_check(name) != 0 || strlen(name) > SIM_NAME_MAX)
		return -EINVAL;
	if (sim_lpar_find(s, name) != NULL)
		return -EEXIST;
	if (s->nlpars >= SIM_LPARS_MAX)
		return -ENOSPC;
	if (s->nlpars == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;

		v = realloc(s->lpars, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		s->lpars = v;
		s->cap = cap;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->id = 1;	/* one past the highest id: linear, unlike a free-id search */
	for (size_t i = 0; i < s->nlpars; i++)
		if (s->lpars[i]->id >= l->id)
			l->id = s->lpars[i]->id + 1;
	l->state = HMC_LPAR_NOT_ACTIVATED;
	l->mem_mb = 4096;
	l->pu = 50;
	l->procs = 1;
	snprintf(l->profile, sizeof(l->profile), "default_profile");
	l->rrs = HMC_RRS_INVALID;
	s->lpars[s->nlpars++] = l;
	*out = l;
	return 0;
}

void
sim_lpar_remove(struct sim_sys *s, struct sim_lpar *l)
{
	size_t i;

	for (i = 0; i < s->nlpars; i++) {
		if (s->lpars[i] != l)
			continue;
		memmove(&s->lpars[i], &s->lpars[i + 1],
			(s->nlpars - i - 1) * sizeof(s->lpars[0]));
		s->nlpars--;
		free(l);
		return;
	}
}

/* A partition holds its memory and processors while it may execute. */
static bool
lpar_holds_resources(const struct sim_lpar *l)
{
	return hmc_lpar_state_power(l->state) != HMC_POWER_OFF ||
	    l->rrs == HMC_RRS_DEST_RESTARTING || l->rrs == HMC_RRS_DEST_RESTARTED;
}

bool
sim_lpar_listed(const struct sim_model *m, const struct sim_lpar *l)
{
	return !(m->rr_dest_late && l->rr != NULL &&
		 (l->rrs == HMC_RRS_DEST_RESTARTING ||
		  l->rrs == HMC_RRS_DEST_RESTARTED));
}

unsigned int
sim_sys_avail_mem(const struct sim_sys *s)
{
	unsigned long used = 0;
	size_t i;

	for (i = 0; i < s->nlpars; i++)
		if (lpar_holds_resources(s->lpars[i]))
			used += s->lpars[i]->mem_mb;
	return used >= s->mem_mb ? 0 : (unsigned int)(s->mem_mb - used);
}

unsigned int
sim_sys_avail_pu(const struct sim_sys *s)
{
	unsigned long used = 0;
	size_t i;

	for (i = 0; i < s->nlpars; i++)
		if (lpar_holds_resources(s->lpars[i]))
			used += s->lpars[i]->pu;
	return used >= s->pu ? 0 : (unsigned int)(s->pu - used);
}

bool
sim_sys_up(const struct sim_sys *s)
{
	return hmc_sys_state_cleanup_ok(s->state);
}

enum hmc_lpar_state
sim_lpar_shown(const struct sim_sys *s, const struct sim_lpar *l)
{
	switch (s->state) {
	case HMC_SYS_OPERATING:
	case HMC_SYS_STANDBY:
	case HMC_SYS_POWER_OFF:
	case HMC_SYS_POWER_OFF_IN_PROGRESS:
		return l->state;
	default:
		return HMC_LPAR_NOT_AVAILABLE;
	}
}

sim_mono
sim_deadline(const struct sim_model *m, double seconds)
{
	sim_mono t = sim_mono_now();
	double ns = seconds * m->time_scale * 1e9;

	if (ns < 0)
		ns = 0;
	t.ns += (int64_t)ns;
	return t;
}

/* Every partition of S stops (power lost or system crashed). */
static void
sys_lpars_stop(struct sim_sys *s)
{
	size_t i;

	for (i = 0; i < s->nlpars; i++) {
		s->lpars[i]->state = HMC_LPAR_NOT_ACTIVATED;
		s->lpars[i]->next_state = HMC_LPAR_UNKNOWN;
	}
}

/* HMC auto-cleanup: a source back up forgets what was restarted away. */
static void
sys_auto_cleanup(struct sim_model *m, struct sim_sys *s)
{
	size_t i = 0;

	if (!m->auto_cleanup || !sim_sys_up(s))
		return;
	while (i < s->nlpars) {
		if (s->lpars[i]->rrs == HMC_RRS_REMOTE_RESTARTED &&
		    s->lpars[i]->rr == NULL)
			sim_lpar_remove(s, s->lpars[i]);
		else
			i++;
	}
}

static void
sys_reached(struct sim_model *m, struct sim_sys *s, enum hmc_sys_state st)
{
	enum hmc_sys_class cl = hmc_sys_state_class(st);

	s->state = st;
	/* Down states kill the partitions; ambiguous ones (No Connection,
	 * Initializing, Incomplete, Recovery) leave them as they were. */
	if (cl == HMC_CLASS_DOWN)
		sys_lpars_stop(s);
	sys_auto_cleanup(m, s);
}

void
sim_sys_set_state(struct sim_model *m, struct sim_sys *s,
		  enum hmc_sys_state st)
{
	s->next_state = HMC_SYS_UNKNOWN;
	s->final_state = HMC_SYS_UNKNOWN;
	sys_reached(m, s, st);
}

void
sim_sys_power(struct sim_model *m, struct sim_sys *s, enum hmc_sys_state mid,
	      enum hmc_sys_state st, double seconds)
{
	size_t i;

	s->state = mid;
	s->next_state = st;
	s->next_at = sim_deadline(m, seconds);
	s->final_state = HMC_SYS_UNKNOWN;
	if (mid == HMC_SYS_POWER_OFF_IN_PROGRESS)
		for (i = 0; i < s->nlpars; i++)
			if (hmc_lpar_state_power(s->lpars[i]->state) == HMC_POWER_ON)
				s->lpars[i]->state = HMC_LPAR_SHUTTING_DOWN;
}

void
sim_tick(struct sim_model *m)
{
	sim_mono now = sim_mono_now();
	bool changed = false;
	size_t i, j;

	for (i = 0; i < m->nsys; i++) {
		struct sim_sys *s = m->sys[i];

		if (s->next_state != HMC_SYS_UNKNOWN && s->next_at.ns <= now.ns) {
			enum hmc_sys_state st = s->next_state;

			s->next_state = HMC_SYS_UNKNOWN;
			sys_reached(m, s, st);
			changed = true;
		}
		for (j = 0; j < s->nlpars; j++) {
			struct sim_lpar *l = s->lpars[j];

			if (l->next_state == HMC_LPAR_UNKNOWN ||
			    l->next_at.ns > now.ns)
				continue;
			l->state = l->next_state;
			l->next_state = HMC_LPAR_UNKNOWN;
			changed = true;
		}
	}
	if (changed)
		sim_changed(m);
}

void
sim_changed(struct sim_model *m)
{
	m->generation++;
	pthread_cond_broadcast(&m->cond);
	if (m->state_path != NULL && sim_topo_save(m, m->state_path) != 0)
		srr_log(LOG_ERR, "cannot save state to %s", m->state_path);
}

bool
sim_wait(struct sim_model *m, sim_mono deadline)
{
	struct timespec ts;

	if (sim_mono_now().ns >= deadline.ns)
		return true;
	ts.tv_sec = deadline.ns / 1000000000;
	ts.tv_nsec = deadline.ns % 1000000000;
	pthread_cond_timedwait(&m->cond, &m->lock, &ts);
	return sim_mono_now().ns >= deadline.ns;
}

int
sim_parse_uint(const char *s, unsigned int max, unsigned int *v)
{
	unsigned long n;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || n > max)
		return -ERANGE;
	*v = (unsigned int)n;
	return 0;
}

/* Processor units: "8", "0.5", "0.05" -> hundredths. Strict. */
int
sim_parse_pu(const char *s, unsigned int *pu)
{
	unsigned int whole = 0, frac = 0, digits = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (unsigned int)(*p - '0');
		if (whole > 100000)
			return -ERANGE;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (++digits > 2)
				return -EINVAL;
			frac = frac * 10 + (unsigned int)(*p - '0');
		}
		if (digits == 1)
			frac *= 10;
	}
	if (*p != '\0')
		return -EINVAL;
	*pu = whole * 100 + frac;
	return 0;
}

void
sim_fmt_pu(unsigned int pu, char *out, size_t len)
{
	if (pu % 10 == 0)
		snprintf(out, len, "%u.%u", pu / 100, (pu % 100) / 10);
	else
		snprintf(out, len, "%u.%02u", pu / 100, pu % 100);
}
