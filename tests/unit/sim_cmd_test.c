/*
 * sim_cmd_test.c: hmcsim's model and command handlers without SSH
 * (functional): the seed topology, the seed's outputs byte for byte, HMC
 * quoting, errors, the remote restart life cycle, faults, persistence.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim/sim.h"

/* sim_ssh.c is not linked: the control commands that reach it. */
int sim_endpoint_set_up(size_t idx, bool up) { return idx == 0 ? 0 : -ENOENT; }
int sim_hostkey_rotate(void) { return 0; }
void sim_server_status(struct hmc_buf *b) { hmc_buf_printf(b, "sessions 0\n"); }
void sim_server_logins(struct hmc_buf *b) { (void)b; }

struct fx {
	struct sim_model m;
	struct hmc_buf out, err;
	struct sim_ctx c;
};

static const char *
srcdir(void)
{
	const char *s = getenv("SRCDIR");

	return s ? s : ".";
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char path[1024], err[512];

	assert_non_null(f);
	assert_int_equal(sim_model_init(&f->m), 0);
	snprintf(path, sizeof(path), "%s/../sim/topologies/seed.ini", srcdir());
	if (sim_topo_load(&f->m, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	f->m.time_scale = 0.0001;	/* a 150 s restart takes 15 ms */
	f->c = (struct sim_ctx){ .m = &f->m, .out = &f->out, .err = &f->err,
				 .user = "hscroot" };
	sim_faults_init();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	hmc_buf_free(&f->out);
	hmc_buf_free(&f->err);
	sim_model_free(&f->m);
	free(f);
	return 0;
}

/* Run LINE; return its exit status, output in f->out (NUL-terminated). */
static int
run(struct fx *f, const char *line)
{
	int rc;

	f->out.len = f->err.len = 0;
	rc = sim_cmd_run(&f->c, line);
	hmc_buf_append(&f->out, "", 0);
	hmc_buf_append(&f->err, "", 0);
	return rc;
}

static char *
fixture(const char *name)
{
	char path[1024], *buf = calloc(1, 65536);
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/fixtures/seed/%s", srcdir(), name);
	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	n = fread(buf, 1, 65535, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
assert_like_fixture(struct fx *f, const char *line, const char *name, int rc)
{
	char *want = fixture(name);

	assert_int_equal(run(f, line), rc);
	assert_string_equal(f->out.s, want);
	free(want);
}

static void
test_seed_listings_byte_for_byte(void **state)
{
	struct fx *f = *state;

	assert_like_fixture(f, "lssyscfg -r sys -F name,powervm_lpar_simplified_remote_restart_capable",
			    "lssyscfg_sys_srr_capable.out", 0);
	assert_like_fixture(f, "lssyscfg -r lpar -m p814-1 -F name,simplified_remote_restart_capable",
			    "lssyscfg_lpar_srr_capable.out", 0);
	assert_like_fixture(f, "lslic -m p814-1 -F activated_spname,installed_level,ecnumber",
			    "lslic_p814-1.out", 0);
	assert_like_fixture(f, "lslic -m 'p814-2' -F activated_spname,installed_level,ecnumber",
			    "lslic_p814-2.out", 0);
}

static void
test_seed_srr_enable_and_lpm(void **state)
{
	struct fx *f = *state;
	static const char *const loop[] = { "lpar2", "lpar3", "lpar4", "lpar5" };
	char line[256];
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "chsyscfg -r lpar -m p814-1 -i "
			 "\"name=%s,simplified_remote_restart_capable=1\"", loop[i]);
		assert_int_equal(run(f, line), 0);
		assert_string_equal(f->out.s, "");
	}
	assert_like_fixture(f, "chsyscfg -r lpar -m p814-1 -i \"name=lpar6,simplified_remote_restart_capable=1\"",
			    "chsyscfg_srr_hscla9f8.out", 1);
	assert_like_fixture(f, "migrlpar -o v -m p814-1 -t p720-1 -p lpar2",
			    "migrlpar_validate_hsclb909.out", 1);
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-1 -F name,simplified_remote_restart_capable,lpar_env"), 0);
	assert_non_null(strstr(f->out.s, "lpar5,1,aixlinux\nlpar6,0,aixlinux\n"));
}

static void
test_quoting_round_trips_through_parser(void **state)
{
	struct fx *f = *state;
	struct sim_sys *s = sim_sys_find(&f->m, "p814-2");
	struct sim_lpar *l;
	struct hmc_table t = { 0 };

	assert_int_equal(sim_lpar_add(s, "db,\"prod\" 1", &l), 0);
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-2 -F name,lpar_id --filter lpar_ids=11"), 0);
	assert_string_equal(f->out.s, "\"db,\"\"prod\"\" 1\",11\n");
	assert_int_equal(hmc_parse_fields(f->out.s, f->out.len, ',', 2, &t), 0);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(t.rows[0].values[0], "db,\"prod\" 1");
	hmc_table_free(&t);
	/* attr=value: the pair holding a comma is quoted whole. */
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-2 --filter lpar_ids=11"), 0);
	assert_int_equal(hmc_parse_attrs(f->out.s, f->out.len, &t), 0);
	assert_string_equal(hmc_row_get(&t.rows[0], "name"), "db,\"prod\" 1");
	assert_string_equal(hmc_row_get(&t.rows[0], "state"), "Not Activated");
	hmc_table_free(&t);
}

static void
test_delimiters_header_filters(void **state)
{
	struct fx *f = *state;

	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-1 -F name:state --header --filter \"lpar_names=lpar1,lpar2\""), 0);
	assert_string_equal(f->out.s, "name:state\nlpar1:Running\nlpar2:Not Activated\n");
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-1 -F name --filter lpar_names=nosuch"), 0);
	assert_string_equal(f->out.s, "No results were found.\n");
	assert_int_equal(run(f, "lshwres -r mem -m p814-1 --level sys -F curr_avail_sys_mem"), 0);
	/* 256 GB less the running vios1, vios2 (4 GB), lpar1, 6, 7 (8 GB) */
	assert_string_equal(f->out.s, "229376\n");
	assert_int_equal(run(f, "lshwres -r proc -m p814-1 --level lpar -F lpar_name,curr_proc_units,curr_procs --filter lpar_names=lpar1"), 0);
	assert_string_equal(f->out.s, "lpar1,0.5,2\n");
}

static void
test_errors_never_crash(void **state)
{
	struct fx *f = *state;

	assert_int_equal(run(f, "frobnicate -x"), 127);
	assert_non_null(strstr(f->err.s, "command not found"));
	assert_int_equal(run(f, "lssyscfg -r sys -Q"), 1);
	assert_memory_equal(f->out.s, "HSCL350B", 8);
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-1 -F name,bogus_attr"), 1);
	assert_int_equal(run(f, "lssyscfg -r lpar -m nosuch"), 1);
	/* The HMC's code and text (public client notes), not an invented one. */
	assert_string_equal(f->out.s, "HSCL8018 The managed system nosuch was not found.\n");
	assert_int_equal(run(f, "chsysstate -r lpar -m p814-1 -n 'x;reboot' -o on -f p"), 1);
	assert_memory_equal(f->out.s, "HSCL8012", 8);
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-1; reboot"), 1);
	assert_int_equal(run(f, "lssyscfg -r lpar -m"), 1);
	assert_int_equal(run(f, "rrstartlpar -o restart -m p814-1 -p lpar1"), 1);
	assert_int_equal(run(f, "rrstartlpar -o dance -m p814-1 -p lpar1"), 1);
	assert_int_equal(run(f, "lssyscfg -r sys --filter \"names=p814-1,p814-2\" -F name"), 0);
	assert_string_equal(f->out.s, "p814-1\np814-2\n");
}

static void
test_unavailable_while_down(void **state)
{
	struct fx *f = *state;
	struct sim_sys *s = sim_sys_find(&f->m, "p814-1");

	sim_sys_set_state(&f->m, s, HMC_SYS_POWER_OFF);
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-1 -F name,state,simplified_remote_restart_capable,remote_restart_status --filter lpar_names=lpar1"), 0);
	assert_string_equal(f->out.s, "lpar1,Not Activated,unavailable,Remote Restartable\n");
	/* No Connection: the partitions may well run; the HMC cannot tell. */
	sim_sys_set_state(&f->m, sim_sys_find(&f->m, "p814-2"), HMC_SYS_NO_CONNECTION);
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-2 -F name,state --filter lpar_names=web1"), 0);
	assert_string_equal(f->out.s, "web1,Not Available\n");
	assert_int_equal(sim_lpar_find(sim_sys_find(&f->m, "p814-2"), "web1")->state,
			 HMC_LPAR_RUNNING);
}

static void
test_remote_restart_life_cycle(void **state)
{
	struct fx *f = *state;
	struct sim_sys *src = sim_sys_find(&f->m, "p814-1");
	struct sim_sys *dst = sim_sys_find(&f->m, "p814-2");
	unsigned int mem = sim_sys_avail_mem(dst);
	struct sim_lpar *blocker;

	assert_int_equal(run(f, "rrstartlpar -o validate -m p814-1 -t p814-2 -p lpar1"), 0);
	assert_like_fixture(f, "rrstartlpar -o restart -m p814-1 -t p814-2 -p lpar1",
			    "rrstartlpar_restart_hscla9ce.out", 1);
	assert_int_equal(run(f, "chsysstate -m p814-1 -r sys -o off --immed"), 0);
	assert_int_equal(src->state, HMC_SYS_POWER_OFF_IN_PROGRESS);
	usleep(5000);
	assert_int_equal(run(f, "lssyscfg -r sys -m p814-1 -F state"), 0);
	assert_string_equal(f->out.s, "Power Off\n");
	/* id 3 taken on p814-2: warned, the next free id used. */
	assert_int_equal(sim_lpar_add(dst, "blocker", &blocker), 0);
	blocker->id = 3;
	assert_like_fixture(f, "rrstartlpar -o restart -m p814-1 -t p814-2 -p lpar1 -d 5 -v",
			    "rrstartlpar_restart_hscla32f.out", 0);
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-2 -F name,lpar_id,state,remote_restart_status --filter lpar_names=lpar1"), 0);
	assert_string_equal(f->out.s, "lpar1,11,Running,Remote Restartable\n");
	assert_int_equal(sim_sys_avail_mem(dst), mem - 8192);
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-1 -F remote_restart_status --filter lpar_names=lpar1"), 0);
	assert_string_equal(f->out.s, "Remote Restarted\n");
	/* Never twice; cleanup only once the source answers again. */
	assert_int_equal(run(f, "rrstartlpar -o restart -m p814-1 -t p814-2 -p lpar1"), 1);
	assert_int_equal(run(f, "rrstartlpar -o cleanup -m p814-1 -p lpar1"), 1);
	assert_memory_equal(f->out.s, "HSCLA9CE", 8);
	sim_sys_set_state(&f->m, src, HMC_SYS_STANDBY);
	assert_int_equal(run(f, "rrstartlpar -o cleanup -m p814-1 -p lpar1 --retaindev"), 0);
	assert_null(sim_lpar_find(src, "lpar1"));
	assert_int_equal(run(f, "rrstartlpar -o cleanup -m p814-1 -p lpar1"), 1);
	assert_memory_equal(f->out.s, "HSCL8012", 8);
	assert_int_equal(src->rr_active + dst->rr_active, 0);
}

static void
test_restart_refusals(void **state)
{
	struct fx *f = *state;
	struct sim_sys *src = sim_sys_find(&f->m, "p814-1");
	struct sim_sys *dst = sim_sys_find(&f->m, "p814-2");

	sim_sys_set_state(&f->m, src, HMC_SYS_ERROR);
	assert_int_equal(run(f, "rrstartlpar -o restart -m p814-1 -t p720-1 -p lpar1"), 1);
	assert_memory_equal(f->out.s, "HSCLB909", 8);
	assert_int_equal(run(f, "rrstartlpar -o restart -m p814-1 -t p814-2 -p lpar2"), 1);
	assert_memory_equal(f->out.s, "HSCLA9D1", 8);	/* not SRR-capable */
	dst->mem_mb = 16384;
	assert_int_equal(run(f, "rrstartlpar -o restart -m p814-1 -t p814-2 -p lpar1"), 1);
	assert_memory_equal(f->out.s, "HSCLA9D2", 8);	/* no room */
	dst->mem_mb = 262144;
	src->rr_limit = 0;
	assert_int_equal(run(f, "rrstartlpar -o restart -m p814-1 -t p814-2 -p lpar1"), 1);
	assert_memory_equal(f->out.s, "HSCLA9D4", 8);	/* concurrency limit */
	src->rr_limit = 32;
	sim_sys_set_state(&f->m, src, HMC_SYS_NO_CONNECTION);
	assert_int_equal(run(f, "rrstartlpar -o restart -m p814-1 -t p814-2 -p lpar1"), 1);
	assert_memory_equal(f->out.s, "HSCLA9CE", 8);
	assert_int_equal(run(f, "rrstartlpar -o restart -m p814-1 -t p814-2 -p lpar1 --noconnection"), 0);
}

struct lose {
	struct fx *f;
	unsigned int after_ms;
};

/* Crash the destination while a restart waits (the lock is free then). */
static void *
lose_destination(void *arg)
{
	struct lose *x = arg;
	struct sim_model *m = &x->f->m;

	usleep(x->after_ms * 1000);
	pthread_mutex_lock(&m->lock);
	sim_sys_set_state(m, sim_sys_find(m, "p814-2"), HMC_SYS_ERROR);
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

static int
restart_losing_destination(struct fx *f, unsigned int after_ms)
{
	struct lose x = { f, after_ms };
	pthread_t t;
	int rc;

	sim_sys_set_state(&f->m, sim_sys_find(&f->m, "p814-2"), HMC_SYS_OPERATING);
	assert_int_equal(pthread_create(&t, NULL, lose_destination, &x), 0);
	rc = run(f, "rrstartlpar -o restart -m p814-1 -t p814-2 -p lpar1");
	pthread_join(t, NULL);
	return rc;
}

static void
test_destination_lost(void **state)
{
	struct fx *f = *state;
	struct sim_sys *src = sim_sys_find(&f->m, "p814-1");
	struct sim_sys *dst = sim_sys_find(&f->m, "p814-2");

	f->m.time_scale = 0.01;	/* restart 1.5 s, no return at 0.75 s */
	sim_sys_set_state(&f->m, src, HMC_SYS_POWER_OFF);
	/* Before the point of no return: undone, the source needs recover. */
	assert_int_equal(restart_losing_destination(f, 250), 1);
	assert_memory_equal(f->out.s, "HSCLA9D8", 8);
	assert_null(sim_lpar_find(dst, "lpar1"));
	assert_int_equal(sim_lpar_find(src, "lpar1")->rrs, HMC_RRS_SOURCE_RESTARTING);
	assert_int_equal(run(f, "rrstartlpar -o recover -m p814-1 -p lpar1"), 0);
	/* After it: the source definition is stale, the partition stopped. */
	assert_int_equal(restart_losing_destination(f, 1100), 1);
	assert_memory_equal(f->out.s, "HSCLA9D8", 8);
	assert_int_equal(sim_lpar_find(src, "lpar1")->rrs, HMC_RRS_REMOTE_RESTARTED);
	assert_int_equal(sim_lpar_find(dst, "lpar1")->state, HMC_LPAR_NOT_ACTIVATED);
	assert_int_equal(src->rr_active + dst->rr_active, 0);
}

static void
test_faults(void **state)
{
	struct fx *f = *state;
	struct hmc_buf out = { 0 };
	char line[64];
	int id;

	sim_ctl_exec(&f->m, "fault add lssyscfg p814-2 fail HSCL1234 count=1", &out);
	assert_non_null(strstr(out.s, "OK\n"));
	assert_int_equal(run(f, "lssyscfg -r sys -F name"), 0);	/* not p814-2 */
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-2 -F name"), 1);
	assert_memory_equal(f->out.s, "HSCL1234", 8);
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-2 -F name"), 0);
	out.len = 0;
	sim_ctl_exec(&f->m, "fault add * * garbage", &out);
	assert_int_equal(run(f, "lslic -m p814-1 -F ecnumber"), 0);
	assert_string_not_equal(f->out.s, "01SV830\n");
	out.len = 0;
	sim_ctl_exec(&f->m, "fault clear", &out);
	sim_ctl_exec(&f->m, "fault add rrstartlpar * rr-fail HSCLA9E0", &out);
	sim_ctl_exec(&f->m, "set-state p814-1 'Error - Dump in progress'", &out);
	assert_int_equal(run(f, "rrstartlpar -o restart -m p814-1 -t p814-2 -p lpar1"), 1);
	assert_memory_equal(f->out.s, "HSCLA9E0", 8);
	assert_null(sim_lpar_find(sim_sys_find(&f->m, "p814-2"), "lpar1"));
	sim_fault_clear();
	assert_int_equal(run(f, "rrstartlpar -o restart -m p814-1 -t p814-2 -p lpar1"), 1);
	assert_int_equal(run(f, "rrstartlpar -o recover -m p814-1 -p lpar1"), 0);
	assert_int_equal(run(f, "rrstartlpar -o restart -m p814-1 -t p814-2 -p lpar1"), 0);
	out.len = 0;
	sim_ctl_exec(&f->m, "fault add lssyscfg * bogus", &out);
	assert_non_null(strstr(out.s, "ERR"));
	/* fault del takes a number, strictly: "1x" is not fault 1. */
	sim_fault_clear();
	out.len = 0;
	sim_ctl_exec(&f->m, "fault add lssyscfg p814-2 fail HSCL1234", &out);
	assert_int_equal(sscanf(out.s, "fault %d", &id), 1);
	snprintf(line, sizeof(line), "fault del %dx", id);
	out.len = 0;
	sim_ctl_exec(&f->m, line, &out);
	assert_non_null(strstr(out.s, "ERR"));
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-2 -F name"), 1);
	snprintf(line, sizeof(line), "fault del %d", id);
	out.len = 0;
	sim_ctl_exec(&f->m, line, &out);
	assert_non_null(strstr(out.s, "OK\n"));
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-2 -F name"), 0);
	hmc_buf_free(&out);
}

/* Add a fault; its answer ("fault N" and OK, or ERR) in OUT. */
static bool
fault_add(struct fx *f, const char *spec, struct hmc_buf *out)
{
	char line[128];

	snprintf(line, sizeof(line), "fault add %s", spec);
	out->len = 0;
	sim_ctl_exec(&f->m, line, out);
	hmc_buf_append(out, "", 0);
	return strstr(out->s, "OK\n") != NULL;
}

/* slow and huge parse their numbers strictly; the slowest rate and the
 * largest size win; slow leaves the output as it is. */
static void
test_fault_slow_huge_args(void **state)
{
	struct fx *f = *state;
	struct hmc_buf out = { 0 };
	char *want;

	assert_int_equal(run(f, "lssyscfg -r sys"), 0);
	want = strdup(f->out.s);
	assert_true(fault_add(f, "lssyscfg * slow", &out));
	assert_false(fault_add(f, "lssyscfg * slow 0", &out));
	assert_false(fault_add(f, "lssyscfg * slow 1x", &out));
	assert_false(fault_add(f, "lssyscfg * slow 100000001", &out));
	assert_false(fault_add(f, "lssyscfg * huge", &out));
	assert_false(fault_add(f, "lssyscfg * huge 0", &out));
	assert_false(fault_add(f, "lssyscfg * huge 4000000001", &out));
	assert_true(fault_add(f, "lssyscfg * slow 5", &out));
	out.len = 0;
	sim_ctl_exec(&f->m, "fault list", &out);
	hmc_buf_append(&out, "", 0);
	assert_non_null(strstr(out.s, " lssyscfg * slow 1 count=0"));
	assert_non_null(strstr(out.s, " lssyscfg * slow 5 count=0"));
	assert_int_equal(run(f, "lssyscfg -r sys"), 0);
	assert_string_equal(f->out.s, want);
	assert_true(f->c.hit.slow);
	assert_int_equal(f->c.hit.slow_bps, 1);
	assert_false(f->c.hit.huge);
	assert_int_equal(sim_fault_out_len(&f->c.hit, f->out.len), f->out.len);
	assert_non_null(strstr(f->c.fault, "slow"));
	assert_true(fault_add(f, "* p814-1 huge 3000", &out));
	assert_true(fault_add(f, "* p814-1 huge 2000000", &out));
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-1 -F name"), 0);
	assert_true(f->c.hit.huge);
	assert_int_equal(f->c.hit.huge_bytes, 2000000);
	free(want);
	hmc_buf_free(&out);
}

/* Read the huge output of HIT over OUT in odd slices; check that it is
 * exactly its size, ends in a newline and that every line but the cut
 * last one is a line of OUT (or the filler). Returns the line count. */
static size_t
huge_lines(const struct sim_fault_hit *hit, const char *out, size_t out_len,
	   const char *filler_key)
{
	uint64_t len = sim_fault_out_len(hit, out_len), off;
	char *all = malloc(len + 1), *line, *nl;
	size_t n, lines = 0;

	assert_non_null(all);
	for (off = 0; off < len; off += n) {
		n = len - off < 4093 ? (size_t)(len - off) : 4093;
		sim_fault_out_read(hit, out, out_len, off, all + off, n);
	}
	all[len] = '\0';
	assert_int_equal(all[len - 1], '\n');
	for (line = all; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		lines++;
		if (nl + 1 == all + len)
			break;	/* the last, cut short */
		if (out_len > 0) {
			char pat[256];

			snprintf(pat, sizeof(pat), "%s\n", line);
			assert_non_null(strstr(out, pat));
		} else {
			assert_non_null(strstr(line, filler_key));
		}
	}
	free(all);
	return lines;
}

static void
test_fault_huge_output(void **state)
{
	struct fx *f = *state;
	struct hmc_buf out = { 0 };
	struct sim_fault_hit empty = { .huge = true, .huge_bytes = 1000 };
	size_t real_lines = 0, i;

	assert_true(fault_add(f, "lssyscfg * huge 1000000", &out));
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-1 -F name,state"), 0);
	for (i = 0; i < f->out.len; i++)
		real_lines += f->out.s[i] == '\n';
	assert_true(real_lines > 0);
	assert_true(huge_lines(&f->c.hit, f->out.s, f->out.len, NULL) >
		    1000000 / f->out.len * real_lines);
	/* a command that printed nothing repeats a partition line */
	assert_true(huge_lines(&empty, "", 0, "lpar_id=") > 10);
	hmc_buf_free(&out);
}

static void
test_auto_cleanup_and_persistence(void **state)
{
	struct fx *f = *state;
	struct sim_model m2;
	struct hmc_buf a = { 0 }, b = { 0 };
	char path[] = "/tmp/sim_cmd_test.XXXXXX", err[256];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	f->m.auto_cleanup = true;
	sim_sys_set_state(&f->m, sim_sys_find(&f->m, "p814-1"), HMC_SYS_POWER_OFF);
	assert_int_equal(run(f, "rrstartlpar -o restart -m p814-1 -t p814-2 -p lpar1"), 0);
	assert_int_equal(run(f, "chsysstate -m p814-1 -r sys -o on"), 0);
	usleep(20000);
	assert_int_equal(run(f, "lssyscfg -r lpar -m p814-1 -F name --filter lpar_names=lpar1"), 0);
	assert_string_equal(f->out.s, "No results were found.\n");
	assert_int_equal(sim_topo_save(&f->m, path), 0);
	assert_int_equal(sim_model_init(&m2), 0);
	assert_int_equal(sim_topo_load(&m2, path, err, sizeof(err)), 0);
	assert_int_equal(sim_topo_dump(&f->m, &a), 0);
	assert_int_equal(sim_topo_dump(&m2, &b), 0);
	assert_string_equal(a.s, b.s);
	unlink(path);
	hmc_buf_free(&a);
	hmc_buf_free(&b);
	sim_model_free(&m2);
}

/* Every system of every sample topology has an address of its own. */
static void
test_sample_topologies_distinct_addresses(void **state)
{
	static const char *const topos[] = { "seed.ini", "seed-p7.ini", "estate4.ini" };
	struct fx *f = *state;
	char path[1024], err[512], *line, *next;
	size_t i, j, n;
	char seen[SIM_SYS_MAX][64];

	for (i = 0; i < sizeof(topos) / sizeof(topos[0]); i++) {
		sim_model_free(&f->m);
		assert_int_equal(sim_model_init(&f->m), 0);
		snprintf(path, sizeof(path), "%s/../sim/topologies/%s", srcdir(), topos[i]);
		if (sim_topo_load(&f->m, path, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_int_equal(run(f, "lssyscfg -r sys -F ipaddr"), 0);
		for (n = 0, line = f->out.s; *line != '\0'; line = next, n++) {
			next = strchr(line, '\n');
			assert_non_null(next);
			*next++ = '\0';
			for (j = 0; j < n; j++)
				if (strcmp(seen[j], line) == 0)
					fail_msg("%s: two systems at %s", topos[i], line);
			snprintf(seen[n], sizeof(seen[n]), "%s", line);
		}
		assert_int_equal(n, f->m.nsys);
	}
}

/* fence_lpar runs "lscomgmt -m SYS" before every on and reads
 * ",curr_master_mtms=...," from it; a system this HMC alone manages has
 * no co-management setting to list. */
static void
test_lscomgmt(void **state)
{
	struct fx *f = *state;

	assert_int_equal(run(f, "lscomgmt -m p814-1"), 0);
	assert_string_equal(f->out.s, "No results were found.\n");
	assert_int_equal(run(f, "lscomgmt -m nosuch"), 1);
	assert_string_equal(f->out.s, "HSCL8018 The managed system nosuch was not found.\n");
	assert_int_equal(run(f, "lscomgmt"), 1);
	assert_memory_equal(f->out.s, "HSCL350B", 8);
}

static void
test_bad_topology_says_where(void **state)
{
	struct sim_model m;
	char path[] = "/tmp/sim_topo_test.XXXXXX", err[512];
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");

	fputs("[system a]\nmem_mb = 12x\n", fp);
	fclose(fp);
	assert_int_equal(sim_model_init(&m), 0);
	assert_int_equal(sim_topo_load(&m, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: [system a] mem_mb = 12x: invalid value"));
	sim_model_free(&m);
	fp = fopen(path, "w");
	fputs("[lpar nosys/x]\nid = 1\n", fp);
	fclose(fp);
	assert_int_equal(sim_model_init(&m), 0);
	assert_int_equal(sim_topo_load(&m, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "system nosys is not defined above"));
	sim_model_free(&m);
	/* A section name the INI reader would cut (49 characters) is kept
	 * whole: "dbprod01-primary", not another partition "dbprod0". */
	fp = fopen(path, "w");
	fputs("[system Server-9080-MHE-SN1234567-production]\nmem_mb = 1024\n"
	      "[lpar Server-9080-MHE-SN1234567-production/dbprod01-primary]\n"
	      "id = 1\n", fp);
	fclose(fp);
	assert_int_equal(sim_model_init(&m), 0);
	assert_int_equal(sim_topo_load(&m, path, err, sizeof(err)), 0);
	assert_int_equal(m.nsys, 1);
	assert_non_null(sim_lpar_find(m.sys[0], "dbprod01-primary"));
	sim_model_free(&m);
	/* A key line inih would cut at 199 bytes: refused, with its line. */
	fp = fopen(path, "w");
	fprintf(fp, "[system a]\ntype_model = %0250d\n", 0);
	fclose(fp);
	assert_int_equal(sim_model_init(&m), 0);
	assert_int_equal(sim_topo_load(&m, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: a NUL byte, a line longer than 198 bytes"));
	sim_model_free(&m);
	/* A NUL byte in a line: refused, not read up to it. */
	fp = fopen(path, "w");
	fputs("[system a]\ntype_model = 9119", fp);
	fputc('\0', fp);
	fputs("-MME\n", fp);
	fclose(fp);
	assert_int_equal(sim_model_init(&m), 0);
	assert_int_equal(sim_topo_load(&m, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: a NUL byte"));
	sim_model_free(&m);
	/* An indented header is a header (inih's reading): its keys are not
	 * given to the section above. */
	fp = fopen(path, "w");
	fputs("[system a]\nmem_mb = 1024\n  [system b]\nmem_mb = 2048\n", fp);
	fclose(fp);
	assert_int_equal(sim_model_init(&m), 0);
	assert_int_equal(sim_topo_load(&m, path, err, sizeof(err)), 0);
	assert_int_equal(m.nsys, 2);
	sim_model_free(&m);
	/* Found by sim_topo_fuzz: "=;x" reads as ";x", but the state file
	 * would write "= ;x", which reads back as a comment (an empty
	 * value): refused where it is read, with the reason. */
	fp = fopen(path, "w");
	fputs("[system a]\ntype_model =;9119-MME\n", fp);
	fclose(fp);
	assert_int_equal(sim_model_init(&m), 0);
	assert_int_equal(sim_topo_load(&m, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: [system a] type_model = ;9119-MME: "
			       "a state file could not hold it"));
	sim_model_free(&m);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seed_listings_byte_for_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sample_topologies_distinct_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lscomgmt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_srr_enable_and_lpm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quoting_round_trips_through_parser, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delimiters_header_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_never_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unavailable_while_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_restart_life_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_slow_huge_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_huge_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destination_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_cleanup_and_persistence, setup, teardown),
		cmocka_unit_test(test_bad_topology_says_where),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
