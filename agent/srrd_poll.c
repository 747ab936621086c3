/*
 * srrd_poll.c: the poller. Per HMC one persistent session (its own worker
 * thread), one `lssyscfg -r sys -F name,state` per poll for all systems.
 * In the same job, while a system is Operating and on the slower
 * inventory cadence (or at the first poll that sees it Operating again):
 * its partitions (protected systems) and its free capacity (all). The
 * acting leader polls at the full rate, followers at their slow one, with
 * their sessions kept open so that a new leader starts warm.
 *
 * An HMC that stops answering is logged and alerted once per change.
 */
#define SRR_LOG_TAG "srrd"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/srrd_int.h"

struct poll_inv {
	bool want_inv, want_cap;
	bool inv_ok, cap_ok;
	size_t n;
	struct srr_lpar_obs *lpars;
	uint32_t free_mem, free_proc;
};

struct poll_job {
	struct srrd_job job;
	const struct srrd_conf *conf;
	int rc;				/* the sys poll: 0 or transport/HMC */
	char err[SRR_MSG_LEN];
	enum hmc_sys_state st[SRR_MAX_SYS];
	bool visible[SRR_MAX_SYS];
	struct poll_inv inv[SRR_MAX_SYS];
};

static const char *const sys_fields[] = { "name", "state", NULL };
static const char *const lpar_fields[] = { "name", "lpar_id", "state",
	"simplified_remote_restart_capable", "lpar_env", NULL };
static const char *const mem_lpar_fields[] = { "lpar_name", "curr_mem", NULL };
static const char *const proc_lpar_fields[] = { "lpar_name",
	"curr_proc_units", NULL };
static const char *const mem_sys_fields[] = { "curr_avail_sys_mem", NULL };
static const char *const proc_sys_fields[] = { "curr_avail_sys_proc_units",
	NULL };

/* "1.5" -> 150; strict */
static int
parse_centi(const char *s, uint32_t *out)
{
	unsigned long whole = 0, frac = 0;
	int digits = 0;
	char *end;

	errno = 0;
	whole = strtoul(s, &end, 10);
	if (errno || end == s || whole > 40000000UL || *s == '-' || *s == '+')
		return -EINVAL;
	if (*end == '.') {
		for (end++; *end >= '0' && *end <= '9'; end++, digits++)
			if (digits < 2)
				frac = frac * 10 + (unsigned long)(*end - '0');
		if (digits == 1)
			frac *= 10;
	}
	if (*end != '\0')
		return -EINVAL;
	*out = (uint32_t)(whole * 100 + frac);
	return 0;
}

static int
parse_u32(const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > UINT32_MAX || *s == '-' || *s == '+')
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* Runs CMD and parses its -F output into T (NCOLS columns). */
static int
run_table(struct hmc_conn *conn, const struct hmc_cmd *cmd, size_t ncols,
	  struct hmc_table *t, char *err, size_t errlen)
{
	struct hmc_result r;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = srrd_run(conn, cmd->line, &r);
	if (rc == 0 && r.exit_status != 0)
		rc = -EREMOTEIO;
	if (rc == 0)
		rc = hmc_parse_fields(r.out, r.out_len, ',', ncols, t);
	if (rc == -EREMOTEIO && err != NULL)
		snprintf(err, errlen, "%.60s: exit %d %s%.160s", cmd->line,
			 r.exit_status, r.code, r.err && r.err[0] ? r.err :
			 r.out ? r.out : "");
	else if (rc < 0 && err != NULL)
		snprintf(err, errlen, "%.60s: %s: %.160s", cmd->line,
			 strerror(-rc), r.err ? r.err : "");
	hmc_result_free(&r);
	return rc;
}

static struct hmc_fields
F(const char *const *names)
{
	return (struct hmc_fields){ names, ',' };
}

static void
poll_systems(struct poll_job *p, struct hmc_conn *conn)
{
	struct hmc_fields f = F(sys_fields);
	struct hmc_table t;
	struct hmc_cmd cmd;
	size_t i;
	int s;

	p->rc = hmc_cmd_lssyscfg(&cmd, HMC_RES_SYS, NULL, NULL, &f, false);
	if (p->rc == 0)
		p->rc = run_table(conn, &cmd, 2, &t, p->err, sizeof(p->err));
	if (p->rc < 0)
		return;
	for (i = 0; i < t.nrows; i++) {
		s = srrd_conf_sys_index(p->conf, t.rows[i].values[0]);
		if (s < 0)
			continue;
		p->visible[s] = true;
		p->st[s] = hmc_sys_state_parse(t.rows[i].values[1]);
	}
	hmc_table_free(&t);
}

static struct srr_lpar_obs *
find_obs(struct srr_lpar_obs *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

/* curr_mem or curr_proc_units of every partition of SYS into V */
static int
lpar_sizes(struct hmc_conn *conn, const char *sys, bool mem,
	   struct srr_lpar_obs *v, size_t n)
{
	struct hmc_fields f = F(mem ? mem_lpar_fields : proc_lpar_fields);
	struct srr_lpar_obs *o;
	struct hmc_table t;
	struct hmc_cmd cmd;
	size_t i;
	int rc;

	rc = hmc_cmd_lshwres(&cmd, mem ? HMC_HWRES_MEM : HMC_HWRES_PROC, sys,
			     HMC_LEVEL_LPAR, &f);
	if (rc == 0)
		rc = run_table(conn, &cmd, 2, &t, NULL, 0);
	if (rc < 0)
		return rc;
	for (i = 0; i < t.nrows && rc == 0; i++) {
		o = find_obs(v, n, t.rows[i].values[0]);
		if (o == NULL)
			continue;
		rc = mem ? parse_u32(t.rows[i].values[1], &o->mem_mb) :
			   parse_centi(t.rows[i].values[1], &o->proc_centi);
	}
	hmc_table_free(&t);
	return rc;
}

static int
lpar_row(const struct hmc_row *r, struct srr_lpar_obs *o)
{
	if (strlen(r->values[0]) >= sizeof(o->name) ||
	    parse_u32(r->values[1], &o->id) < 0)
		return -EBADMSG;
	strcpy(o->name, r->values[0]);
	o->state = hmc_lpar_state_parse(r->values[2]);
	o->srr_capable = strcmp(r->values[3], "1") == 0;
	o->vios = strcmp(r->values[4], "vioserver") == 0;
	return 0;
}

static int
inventory(struct hmc_conn *conn, const char *sys, struct poll_inv *pi)
{
	struct hmc_fields f = F(lpar_fields);
	struct hmc_table t;
	struct hmc_cmd cmd;
	size_t i;
	int rc;

	rc = hmc_cmd_lssyscfg(&cmd, HMC_RES_LPAR, sys, NULL, &f, false);
	if (rc == 0)
		rc = run_table(conn, &cmd, 5, &t, NULL, 0);
	if (rc < 0)
		return rc;
	if (t.nrows > SRR_MAX_LPARS ||
	    (pi->lpars = calloc(t.nrows + 1, sizeof(*pi->lpars))) == NULL) {
		hmc_table_free(&t);
		return -E2BIG;
	}
	for (i = 0; i < t.nrows && rc == 0; i++)
		rc = lpar_row(&t.rows[i], &pi->lpars[i]);
	pi->n = t.nrows;
	hmc_table_free(&t);
	if (rc == 0)
		rc = lpar_sizes(conn, sys, true, pi->lpars, pi->n);
	if (rc == 0)
		rc = lpar_sizes(conn, sys, false, pi->lpars, pi->n);
	return rc;
}

static int
one_value(struct hmc_conn *conn, const char *sys, bool mem, uint32_t *v)
{
	struct hmc_fields f = F(mem ? mem_sys_fields : proc_sys_fields);
	struct hmc_table t;
	struct hmc_cmd cmd;
	int rc;

	rc = hmc_cmd_lshwres(&cmd, mem ? HMC_HWRES_MEM : HMC_HWRES_PROC, sys,
			     HMC_LEVEL_SYS, &f);
	if (rc == 0)
		rc = run_table(conn, &cmd, 1, &t, NULL, 0);
	if (rc < 0)
		return rc;
	if (t.nrows != 1)
		rc = -EBADMSG;
	else
		rc = mem ? parse_u32(t.rows[0].values[0], v) :
			   parse_centi(t.rows[0].values[0], v);
	hmc_table_free(&t);
	return rc;
}

static void
poll_run(struct srrd_job *j, struct hmc_conn *conn)
{
	struct poll_job *p = (struct poll_job *)j;
	int s;

	poll_systems(p, conn);
	for (s = 0; p->rc == 0 && s < p->conf->nsys; s++) {
		struct poll_inv *pi = &p->inv[s];
		const char *name = p->conf->sys[s].name;

		if (!p->visible[s] || p->st[s] != HMC_SYS_OPERATING)
			continue;
		if (pi->want_inv) {
			pi->inv_ok = inventory(conn, name, pi) == 0;
			if (!pi->inv_ok) {
				free(pi->lpars);
				pi->lpars = NULL;
				pi->n = 0;
			}
		}
		if (pi->want_cap)
			pi->cap_ok = one_value(conn, name, true, &pi->free_mem) == 0 &&
				     one_value(conn, name, false, &pi->free_proc) == 0;
	}
}

/* ---------------------------------------------------------- on the loop */

/* Logged on every change of its error, alerted once per outage (the
 * first poll that fails, at start too: an unknown host key never
 * answers), and once when it answers again. */
static void
hmc_status(struct srrd *d, int h, const struct poll_job *p)
{
	struct srrd_hmc *m = &d->hmc[h];
	const char *name = d->conf.hmc[h].name;

	if (p->rc == 0) {
		if (!m->reachable)
			srr_log(LOG_NOTICE, "HMC %s answers", name);
		if (m->alerted_down)
			srrd_alert(d, SRRD_AK_NODE, "hmc_back", NULL, NULL, 0,
				   "HMC %s answers again", name);
		m->reachable = m->ever = true;
		m->alerted_down = false;
		m->last_ok_ms = srrd_mono_ms();
		m->last_error[0] = '\0';
		return;
	}
	if (m->reachable || strcmp(m->last_error, p->err) != 0)
		srr_log(LOG_WARNING, "HMC %s: %s", name, p->err);
	if (!m->alerted_down)
		srrd_alert(d, SRRD_AK_NODE, "hmc_unreachable", NULL, NULL, p->rc,
			   "HMC %s unreachable: %s", name, p->err);
	m->alerted_down = true;
	m->reachable = false;
	snprintf(m->last_error, sizeof(m->last_error), "%s", p->err);
}

/* The worst state any HMC that sees S reports (views). */
static void
sys_state(struct srrd *d, int s)
{
	enum hmc_sys_state st = HMC_SYS_UNKNOWN, h_st;
	int h;

	for (h = 0; h < d->conf.nhmc; h++) {
		if (!d->hmc[h].have_poll || !d->hmc[h].visible[s])
			continue;
		h_st = d->hmc[h].st[s];
		if (st == HMC_SYS_UNKNOWN || st == HMC_SYS_OPERATING)
			st = h_st;
	}
	if (st != d->sys[s].state) {
		srr_log(LOG_NOTICE, "system %s: %s -> %s", d->conf.sys[s].name,
			hmc_sys_state_name(d->sys[s].state), hmc_sys_state_name(st));
		d->sys[s].state = st;
		d->sys[s].since_wall = srrd_wall_ms();
	}
}

static bool
inv_same(const struct srrd_sys *y, const struct poll_inv *pi)
{
	return y->inv != NULL && y->ninv == pi->n &&
	       memcmp(y->inv, pi->lpars, pi->n * sizeof(*pi->lpars)) == 0;
}

/* Returns true if the cached inventory changed. */
static bool
feed_inventory(struct srrd *d, int h, int s, struct poll_inv *pi)
{
	struct srr_event ev = { .type = SRR_EV_INVENTORY };
	struct srrd_sys *y = &d->sys[s];

	ev.u.inv.hmc = h;
	ev.u.inv.sys = s;
	ev.u.inv.sys_state = HMC_SYS_OPERATING;
	ev.u.inv.n = pi->n;
	ev.u.inv.lpars = pi->lpars;
	srrd_feed(d, &ev, NULL, NULL);
	d->hmc[h].inv_ms[s] = srrd_mono_ms();
	d->hmc[h].inv_wanted[s] = false;
	bool changed = !inv_same(y, pi);

	if (!changed) {
		free(pi->lpars);
	} else {
		free(y->inv);
		y->inv = pi->lpars;
		y->ninv = pi->n;
		y->inv_hmc = h;
		y->inv_wall = srrd_wall_ms();
		srr_log(LOG_INFO, "inventory of %s: %zu partitions (HMC %s)",
			d->conf.sys[s].name, pi->n, d->conf.hmc[h].name);
	}
	pi->lpars = NULL;
	return changed;
}

static void
feed_capacity(struct srrd *d, int s, const struct poll_inv *pi)
{
	struct srr_event ev = { .type = SRR_EV_CAPACITY };

	ev.u.cap.sys = s;
	ev.u.cap.free_mem_mb = pi->free_mem;
	ev.u.cap.free_proc_centi = pi->free_proc;
	d->sys[s].have_cap = true;
	d->sys[s].free_mem = pi->free_mem;
	d->sys[s].free_proc = pi->free_proc;
	srrd_feed(d, &ev, NULL, NULL);
}

/* An HMC that has not answered for a whole confirmation window (K polls
 * over T) sees no system: the engine then decides on the HMCs that answer
 * (issue 9: one HMC down, the other serves; none: "no HMC sees the
 * source", no action) instead of waiting forever on a stale poll. Until
 * then its stale poll holds every decision, so a blip of an HMC that
 * disagrees never lets the other decide alone. */
static void
hmc_sees_nothing(struct srrd *d, int h)
{
	struct srr_event ev = { .type = SRR_EV_POLL };
	struct srrd_hmc *m = &d->hmc[h];
	int64_t now = srrd_mono_ms();
	int s;

	if (m->fails++ == 0)
		m->fail_since_ms = now;
	if (m->fails < d->conf.confirm_k ||
	    now - m->fail_since_ms < d->conf.confirm_t_ms)
		return;
	if (!m->silent)
		srr_log(LOG_WARNING, "HMC %s silent for %lld ms: it sees no system "
			"until it answers", d->conf.hmc[h].name,
			(long long)(now - m->fail_since_ms));
	m->silent = true;

	ev.u.poll.hmc = h;
	ev.u.poll.nsys = d->conf.nsys;
	for (s = 0; s < d->conf.nsys; s++)
		m->visible[s] = false;
	srrd_feed(d, &ev, NULL, NULL);
	for (s = 0; s < d->conf.nsys; s++)
		sys_state(d, s);
}

static void
poll_done(struct srrd *d, struct srrd_job *j)
{
	struct poll_job *p = (struct poll_job *)j;
	struct srrd_hmc *m = &d->hmc[j->hmc];
	struct srr_event ev = { .type = SRR_EV_POLL };
	bool cache = false;
	int s;

	m->poll_busy = m->poll_late = false;
	hmc_status(d, j->hmc, p);
	if (p->rc < 0 && !d->stopping)
		hmc_sees_nothing(d, j->hmc);
	if (p->rc == 0)
		m->fails = 0, m->silent = false;
	if (p->rc == 0 && !d->stopping) {
		ev.u.poll.hmc = j->hmc;
		ev.u.poll.nsys = d->conf.nsys;
		ev.u.poll.asked.ms = j->started_ms;
		for (s = 0; s < d->conf.nsys; s++) {
			ev.u.poll.state[s] = p->st[s];
			ev.u.poll.visible[s] = p->visible[s];
			if (m->have_poll && p->st[s] != HMC_SYS_OPERATING &&
			    m->st[s] == HMC_SYS_OPERATING)
				m->inv_wanted[s] = true;
			m->st[s] = p->st[s];
			m->visible[s] = p->visible[s];
		}
		m->have_poll = true;
		srrd_feed(d, &ev, NULL, NULL);
		for (s = 0; s < d->conf.nsys; s++) {
			sys_state(d, s);
			if (p->inv[s].inv_ok)
				cache |= feed_inventory(d, j->hmc, s, &p->inv[s]);
			if (p->inv[s].cap_ok)
				feed_capacity(d, s, &p->inv[s]);
		}
		if (cache)	/* one write per poll, whatever changed */
			srrd_inv_cache_save(d);
	}
	for (s = 0; s < SRR_MAX_SYS; s++)
		free(p->inv[s].lpars);
	free(p);
}

static int64_t
interval(const struct srrd *d)
{
	if (srrd_is_leader(d) || d->conf.follower_poll_ms <= 0)
		return d->conf.poll_ms > 0 ? d->conf.poll_ms : 5000;
	return d->conf.follower_poll_ms;
}

static void poll_timer(void *data);

static void
arm(struct srrd *d, int h, int64_t ms)
{
	if (qb_loop_timer_is_running(d->loop, d->hmc[h].timer))
		qb_loop_timer_del(d->loop, d->hmc[h].timer);
	qb_loop_timer_add(d->loop, QB_LOOP_MED, (uint64_t)ms * 1000000ULL,
			  &d->hmc[h], poll_timer, &d->hmc[h].timer);
}

static void
poll_submit(struct srrd *d, int h)
{
	struct srrd_hmc *m = &d->hmc[h];
	int64_t now = srrd_mono_ms(), inv_ms = d->conf.inventory_ms;
	struct poll_job *p;
	int s;

	/* Logged once per late poll: a slow HMC holds one for up to its
	 * timeout, and a line per tick would be a new text every second. */
	if (m->poll_busy) {
		if (!m->poll_late)
			srr_log(LOG_WARNING, "HMC %s: the poll started %lld ms ago "
				"has not answered yet; the next waits for it",
				d->conf.hmc[h].name,
				(long long)(now - m->poll_started_ms));
		m->poll_late = true;
		return;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return;
	p->job.run = poll_run;
	p->job.done = poll_done;
	p->job.hmc = h;
	p->conf = &d->conf;
	if (inv_ms <= 0)
		inv_ms = 60000;
	for (s = 0; s < d->conf.nsys; s++) {
		bool due = m->inv_wanted[s] || m->inv_ms[s] == 0 ||
			   now - m->inv_ms[s] >= inv_ms;

		p->inv[s].want_inv = due && d->conf.sys[s].protect;
		p->inv[s].want_cap = due;
	}
	m->poll_busy = true;
	m->poll_started_ms = now;
	srrd_pool_submit(&m->poll, &p->job);
}

static void
poll_timer(void *data)
{
	struct srrd_hmc *m = data;
	struct srrd *d = m->poll.d;
	int h = m->poll.hmc;

	if (d->stopping)
		return;
	poll_submit(d, h);
	arm(d, h, interval(d));
}

int
srrd_poll_start(struct srrd *d)
{
	int h;

	for (h = 0; h < d->conf.nhmc; h++)
		arm(d, h, 10 + 50 * h);
	return 0;
}

/* The leader changed: the cadence may have. */
void
srrd_poll_reschedule(struct srrd *d)
{
	int h;

	for (h = 0; h < d->conf.nhmc; h++)
		arm(d, h, srrd_is_leader(d) ? 10 : interval(d));
}
