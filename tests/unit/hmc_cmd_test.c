/*
 * hmc_cmd_test.c: the command builder (api, security). Exact command lines
 * for every builder, refused combinations, hostile names, and proof that
 * bash (restricted, as on the HMC) reads every quoted name back as exactly
 * one word equal to it.
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
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "hmc/hmc.h"
#include "hmc_test_rand.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const hostile[] = {
	"lpar 1", "two  spaces", " lead", "trail ", "it's", "'", "''",
	"\"", "say \"hi\"", "a;reboot", ";", "$(rm -rf /)", "${HOME}", "$HOME",
	"`id`", "a|b", "a&b", "a>b", "<in", "*", "?", "[ab]", "~root", "#hash",
	"!bang", "a\\b", "\\", "'\\''", "'; touch /tmp/pwned; '", "a=b", "-m",
	"--force", "{a,b}", "%s%n", "\xc3\xa9t\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac",
	"\xf0\x9f\x92\xa5 boom", "x\tTAB",
};

/* ------------------------------------------------------------------------ */
/* Names and quoting                                                        */
/* ------------------------------------------------------------------------ */

static void
test_name_check(void **state)
{
	char name[HMC_NAME_MAX + 2];
	size_t i;

	assert_int_equal(hmc_name_check("lpar1"), 0);
	assert_int_equal(hmc_name_check("p814-1"), 0);
	assert_int_equal(hmc_name_check("$(rm -rf /)"), 0);
	assert_int_equal(hmc_name_check("\xc3\xa9t\xc3\xa9"), 0);
	assert_int_equal(hmc_name_check("\xf0\x9f\x92\xa5"), 0);
	assert_int_equal(hmc_name_check(NULL), -EINVAL);
	assert_int_equal(hmc_name_check(""), -EINVAL);
	/* Control characters: C0, DEL, C1 (NEL). A tab reads as a blank on
	 * the HMC and in logs: refused like the others. */
	assert_int_equal(hmc_name_check("a\nb"), -EINVAL);
	assert_int_equal(hmc_name_check("a\r"), -EINVAL);
	assert_int_equal(hmc_name_check("\tx"), -EINVAL);
	assert_int_equal(hmc_name_check("a\x7f"), -EINVAL);
	assert_int_equal(hmc_name_check("a\x1b[2J"), -EINVAL);
	assert_int_equal(hmc_name_check("a\xc2\x85"), -EINVAL);
	/* Invalid UTF-8: stray byte, truncated, overlong, surrogate, too big. */
	assert_int_equal(hmc_name_check("a\xff"), -EINVAL);
	assert_int_equal(hmc_name_check("a\xc3"), -EINVAL);
	assert_int_equal(hmc_name_check("\xe6\x97"), -EINVAL);
	assert_int_equal(hmc_name_check("\xc0\xaf"), -EINVAL);
	assert_int_equal(hmc_name_check("\xe0\x80\xaf"), -EINVAL);
	assert_int_equal(hmc_name_check("\xed\xa0\x80"), -EINVAL);
	assert_int_equal(hmc_name_check("\xf4\x90\x80\x80"), -EINVAL);
	assert_int_equal(hmc_name_check("\x80"), -EINVAL);
	/* 255 bytes pass, 256 do not. */
	memset(name, 'a', sizeof(name));
	name[HMC_NAME_MAX] = '\0';
	assert_int_equal(hmc_name_check(name), 0);
	name[HMC_NAME_MAX] = 'a';
	name[HMC_NAME_MAX + 1] = '\0';
	assert_int_equal(hmc_name_check(name), -ENAMETOOLONG);
	/* Bytes, not characters: 85 three-byte characters are 255 bytes. */
	for (i = 0; i < 85; i++)
		memcpy(name + 3 * i, "\xe6\x97\xa5", 3);
	name[255] = '\0';
	assert_int_equal(hmc_name_check(name), 0);
	/* A sequence cut by the length limit is not read past it. */
	name[254] = '\0';
	assert_int_equal(hmc_name_check(name), -EINVAL);
}

static void
test_shell_quote(void **state)
{
	char out[64];

	assert_int_equal(hmc_shell_quote("abc", out, sizeof(out)), 0);
	assert_string_equal(out, "'abc'");
	assert_int_equal(hmc_shell_quote("", out, sizeof(out)), 0);
	assert_string_equal(out, "''");
	assert_int_equal(hmc_shell_quote("it's", out, sizeof(out)), 0);
	assert_string_equal(out, "'it'\\''s'");
	assert_int_equal(hmc_shell_quote("$(id) `x` \"y\"", out, sizeof(out)), 0);
	assert_string_equal(out, "'$(id) `x` \"y\"'");
	/* Exact room: "'abc'" and its NUL are 6 bytes. */
	assert_int_equal(hmc_shell_quote("abc", out, 6), 0);
	assert_int_equal(hmc_shell_quote("abc", out, 5), -ENOSPC);
	assert_int_equal(hmc_shell_quote("'", out, 7), 0);
	assert_string_equal(out, "''\\'''");
	assert_int_equal(hmc_shell_quote("'", out, 6), -ENOSPC);
	assert_int_equal(hmc_shell_quote("", out, 2), -ENOSPC);
	assert_int_equal(hmc_shell_quote(NULL, out, sizeof(out)), -EINVAL);
}

static void
test_low_level(void **state)
{
	struct hmc_cmd c;
	char *big;

	hmc_cmd_init(&c, "lssyscfg");
	assert_int_equal(hmc_cmd_word(&c, "-r"), 0);
	assert_int_equal(hmc_cmd_word(&c, "sys"), 0);
	assert_int_equal(hmc_cmd_arg(&c, "a b"), 0);
	assert_int_equal(hmc_cmd_name(&c, "-m", "p'1"), 0);
	assert_int_equal(hmc_cmd_name(&c, NULL, "x"), 0);
	assert_string_equal(c.line, "lssyscfg -r sys 'a b' -m 'p'\\''1' 'x'");
	assert_int_equal(c.len, strlen(c.line));
	/* Literals carry no shell syntax; a refused call changes nothing. */
	assert_int_equal(hmc_cmd_word(&c, "a b"), -EINVAL);
	assert_int_equal(hmc_cmd_word(&c, "$x"), -EINVAL);
	assert_int_equal(hmc_cmd_word(&c, ""), -EINVAL);
	assert_int_equal(hmc_cmd_word(&c, NULL), -EINVAL);
	assert_int_equal(hmc_cmd_arg(&c, "a\nb"), -EINVAL);
	assert_int_equal(hmc_cmd_name(&c, "-m", "a\nb"), -EINVAL);
	assert_int_equal(hmc_cmd_name(&c, "bad opt", "a"), -EINVAL);
	assert_string_equal(c.line, "lssyscfg -r sys 'a b' -m 'p'\\''1' 'x'");
	/* Overflow: -E2BIG, and the line is as it was. */
	big = malloc(HMC_CMD_MAX);
	assert_non_null(big);
	memset(big, 'a', HMC_CMD_MAX - 1);
	big[HMC_CMD_MAX - 1] = '\0';
	assert_int_equal(hmc_cmd_arg(&c, big), -E2BIG);
	assert_int_equal(hmc_cmd_word(&c, big), -E2BIG);
	big[HMC_CMD_MAX - 4 - c.len] = '\0';	/* " '...'" fits exactly */
	assert_int_equal(hmc_cmd_arg(&c, big), 0);
	assert_int_equal(c.len, HMC_CMD_MAX - 1);
	assert_int_equal(hmc_cmd_word(&c, "x"), -E2BIG);
	assert_int_equal(c.len, HMC_CMD_MAX - 1);
	free(big);
}

/* ------------------------------------------------------------------------ */
/* Every builder's exact output                                             */
/* ------------------------------------------------------------------------ */

static const char *const f_name_state[] = { "name", "state", NULL };
static const char *const f_inventory[] = { "name", "lpar_id", "lpar_env",
	"state", "simplified_remote_restart_capable", "remote_restart_capable",
	"remote_restart_status", "curr_profile", NULL };

#define EXPECT(call, want) do {				\
	struct hmc_cmd c_;				\
	memset(&c_, 'x', sizeof(c_));			\
	assert_int_equal((call), 0);			\
	assert_string_equal(c_.line, (want));		\
	assert_int_equal(c_.len, strlen(want));		\
} while (0)

/* A refused call leaves an empty line that cannot be sent by mistake. */
#define REFUSE(call, err) do {				\
	struct hmc_cmd c_;				\
	memset(&c_, 'x', sizeof(c_));			\
	assert_int_equal((call), (err));		\
	assert_string_equal(c_.line, "");		\
	assert_int_equal(c_.len, 0);			\
} while (0)

static void
test_lssyscfg(void **state)
{
	const struct hmc_fields fns = { f_name_state, ',' };
	const struct hmc_fields colon = { f_name_state, ':' };
	const struct hmc_fields semi = { f_name_state, ';' };
	const struct hmc_fields inv = { f_inventory, ',' };
	static const char *const two[] = { "lpar1", "my lpar", NULL };
	static const char *const quote[] = { "it's", NULL };
	static const unsigned int ids[] = { 3, 12 };
	const struct hmc_filter fnames = { .lpar_names = two };
	const struct hmc_filter fquote = { .lpar_names = quote };
	const struct hmc_filter fids = { .lpar_ids = ids, .n_ids = 2 };

	EXPECT(hmc_cmd_lssyscfg(&c_, HMC_RES_SYS, NULL, NULL, &fns, false),
	       "lssyscfg -r sys -F name,state");
	EXPECT(hmc_cmd_lssyscfg(&c_, HMC_RES_SYS, "p814-1", NULL, &colon, true),
	       "lssyscfg -r sys -m 'p814-1' -F name:state --header");
	EXPECT(hmc_cmd_lssyscfg(&c_, HMC_RES_SYS, NULL, NULL, &semi, false),
	       "lssyscfg -r sys -F 'name;state'");
	EXPECT(hmc_cmd_lssyscfg(&c_, HMC_RES_LPAR, "p814-1", NULL, &inv, false),
	       "lssyscfg -r lpar -m 'p814-1' -F name,lpar_id,lpar_env,state,"
	       "simplified_remote_restart_capable,remote_restart_capable,"
	       "remote_restart_status,curr_profile");
	EXPECT(hmc_cmd_lssyscfg(&c_, HMC_RES_LPAR, "p 1", &fnames, &fns, false),
	       "lssyscfg -r lpar -m 'p 1' --filter 'lpar_names=lpar1,my lpar' "
	       "-F name,state");
	EXPECT(hmc_cmd_lssyscfg(&c_, HMC_RES_LPAR, "p1", &fquote, NULL, false),
	       "lssyscfg -r lpar -m 'p1' --filter 'lpar_names=it'\\''s'");
	EXPECT(hmc_cmd_lssyscfg(&c_, HMC_RES_LPAR, "p1", &fids, &fns, false),
	       "lssyscfg -r lpar -m 'p1' --filter 'lpar_ids=3,12' -F name,state");
	/* The seed's profile listing: attr=value output, no -F. */
	EXPECT(hmc_cmd_lssyscfg(&c_, HMC_RES_PROF, "s00ka9927558-9117-MMD-658B2AD",
		(&(struct hmc_filter){ .lpar_names = (const char *const[]){
			"temp3-b642c120-00000133", NULL } }), NULL, false),
	       "lssyscfg -r prof -m 's00ka9927558-9117-MMD-658B2AD' "
	       "--filter 'lpar_names=temp3-b642c120-00000133'");
}

static void
test_lssyscfg_refused(void **state)
{
	static const char *const comma[] = { "a,b", NULL };
	static const char *const dq[] = { "a\"b", NULL };
	static const char *const nl[] = { "ok", "a\nb", NULL };
	static const char *const none[] = { NULL };
	static const char *const badf[] = { "name", "st ate", NULL };
	static const char *const nof[] = { NULL };
	static const unsigned int zero[] = { 0 };
	static const unsigned int one[] = { 1 };
	const struct hmc_fields fns = { f_name_state, ',' };

	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_LPAR, NULL, NULL, &fns, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_PROF, NULL, NULL, NULL, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, (enum hmc_res)7, "p", NULL, NULL, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_SYS, NULL,
		&(struct hmc_filter){ .lpar_ids = one, .n_ids = 1 }, NULL, false), -EINVAL);
	/* The filter syntax cannot carry ',' or '"'. */
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_LPAR, "p",
		&(struct hmc_filter){ .lpar_names = comma }, NULL, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_LPAR, "p",
		&(struct hmc_filter){ .lpar_names = dq }, NULL, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_LPAR, "p",
		&(struct hmc_filter){ .lpar_names = nl }, NULL, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_LPAR, "p",
		&(struct hmc_filter){ .lpar_names = none }, NULL, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_LPAR, "p",
		&(struct hmc_filter){ 0 }, NULL, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_LPAR, "p",
		&(struct hmc_filter){ .lpar_names = comma, .lpar_ids = one,
				      .n_ids = 1 }, NULL, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_LPAR, "p",
		&(struct hmc_filter){ .lpar_ids = one, .n_ids = 0 }, NULL, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_LPAR, "p",
		&(struct hmc_filter){ .lpar_ids = zero, .n_ids = 1 }, NULL, false), -EINVAL);
	/* Field lists: names and delimiter checked. */
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_SYS, NULL, NULL,
		&(struct hmc_fields){ badf, ',' }, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_SYS, NULL, NULL,
		&(struct hmc_fields){ nof, ',' }, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_SYS, NULL, NULL,
		&(struct hmc_fields){ NULL, ',' }, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_SYS, NULL, NULL,
		&(struct hmc_fields){ f_name_state, 'x' }, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_SYS, NULL, NULL,
		&(struct hmc_fields){ f_name_state, '"' }, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_SYS, NULL, NULL,
		&(struct hmc_fields){ f_name_state, '_' }, false), -EINVAL);
	REFUSE(hmc_cmd_lssyscfg(&c_, HMC_RES_SYS, "", NULL, &fns, false), -EINVAL);
}

static void
test_lshwres_lslic(void **state)
{
	static const char *const mem[] = { "curr_avail_sys_mem", NULL };
	static const char *const proc[] = { "lpar_name", "curr_proc_units",
					    "curr_procs", NULL };
	static const char *const lic[] = { "activated_spname",
					   "installed_level", "ecnumber", NULL };

	EXPECT(hmc_cmd_lshwres(&c_, HMC_HWRES_MEM, "p814-1", HMC_LEVEL_SYS,
			       &(struct hmc_fields){ mem, ',' }),
	       "lshwres -r mem -m 'p814-1' --level sys -F curr_avail_sys_mem");
	EXPECT(hmc_cmd_lshwres(&c_, HMC_HWRES_PROC, "p814-1", HMC_LEVEL_LPAR,
			       &(struct hmc_fields){ proc, ',' }),
	       "lshwres -r proc -m 'p814-1' --level lpar "
	       "-F lpar_name,curr_proc_units,curr_procs");
	EXPECT(hmc_cmd_lshwres(&c_, HMC_HWRES_MEM, "s", HMC_LEVEL_LPAR, NULL),
	       "lshwres -r mem -m 's' --level lpar");
	REFUSE(hmc_cmd_lshwres(&c_, HMC_HWRES_MEM, NULL, HMC_LEVEL_SYS, NULL), -EINVAL);
	REFUSE(hmc_cmd_lshwres(&c_, (enum hmc_hwres)2, "s", HMC_LEVEL_SYS, NULL), -EINVAL);
	REFUSE(hmc_cmd_lshwres(&c_, HMC_HWRES_MEM, "s", (enum hmc_level)9, NULL), -EINVAL);
	EXPECT(hmc_cmd_lslic(&c_, "p814-1", &(struct hmc_fields){ lic, ',' }),
	       "lslic -m 'p814-1' -F activated_spname,installed_level,ecnumber");
	EXPECT(hmc_cmd_lslic(&c_, "p814-1", NULL), "lslic -m 'p814-1'");
	REFUSE(hmc_cmd_lslic(&c_, "a\nb", NULL), -EINVAL);
}

static void
test_power(void **state)
{
	EXPECT(hmc_cmd_sys_power(&c_, "source-machine", false, true),
	       "chsysstate -m 'source-machine' -r sys -o off --immed");
	EXPECT(hmc_cmd_sys_power(&c_, "source-machine", false, false),
	       "chsysstate -m 'source-machine' -r sys -o off");
	EXPECT(hmc_cmd_sys_power(&c_, "source-machine", true, false),
	       "chsysstate -m 'source-machine' -r sys -o on");
	REFUSE(hmc_cmd_sys_power(&c_, "s", true, true), -EINVAL);
	REFUSE(hmc_cmd_sys_power(&c_, NULL, false, false), -EINVAL);
	EXPECT(hmc_cmd_lpar_on(&c_, "source-machine", "vios1", "default_profile"),
	       "chsysstate -r lpar -m 'source-machine' -n 'vios1' -o on "
	       "-f 'default_profile'");
	EXPECT(hmc_cmd_lpar_shutdown(&c_, "source-server",
				     "temp3-b642c120-00000133", true),
	       "chsysstate -r lpar -m 'source-server' "
	       "-n 'temp3-b642c120-00000133' -o shutdown --immed");
	EXPECT(hmc_cmd_lpar_shutdown(&c_, "s", "my lpar", false),
	       "chsysstate -r lpar -m 's' -n 'my lpar' -o shutdown");
	REFUSE(hmc_cmd_lpar_on(&c_, "s", "l", NULL), -EINVAL);
	REFUSE(hmc_cmd_lpar_on(&c_, "s", "", "p"), -EINVAL);
	REFUSE(hmc_cmd_lpar_shutdown(&c_, "s", "a\rb", true), -EINVAL);
}

static void
test_set_srr_migrlpar(void **state)
{
	EXPECT(hmc_cmd_lpar_set_srr(&c_, "p824-2", "lpar6", true),
	       "chsyscfg -r lpar -m 'p824-2' "
	       "-i 'name=lpar6,simplified_remote_restart_capable=1'");
	EXPECT(hmc_cmd_lpar_set_srr(&c_, "p824-2", "lpar6", false),
	       "chsyscfg -r lpar -m 'p824-2' "
	       "-i 'name=lpar6,simplified_remote_restart_capable=0'");
	/* HMC quoting of the pair first, then shell quoting of the string. */
	EXPECT(hmc_cmd_lpar_set_srr(&c_, "s", "a,b", true),
	       "chsyscfg -r lpar -m 's' "
	       "-i '\"name=a,b\",simplified_remote_restart_capable=1'");
	EXPECT(hmc_cmd_lpar_set_srr(&c_, "s", "it's \"x\"", true),
	       "chsyscfg -r lpar -m 's' "
	       "-i '\"name=it'\\''s \"\"x\"\"\",simplified_remote_restart_capable=1'");
	REFUSE(hmc_cmd_lpar_set_srr(&c_, "s", "a\nb", true), -EINVAL);
	REFUSE(hmc_cmd_lpar_set_srr(&c_, "s", NULL, true), -EINVAL);
	EXPECT(hmc_cmd_migrlpar_validate(&c_, "p814-1", "p720-1", "lpar2"),
	       "migrlpar -o v -m 'p814-1' -t 'p720-1' -p 'lpar2'");
	REFUSE(hmc_cmd_migrlpar_validate(&c_, "p814-1", NULL, "lpar2"), -EINVAL);
}

/* An rrstartlpar request with "not given" defaults; a test may set
 * redundantvios again, which is the point of the default. */
#pragma GCC diagnostic ignored "-Woverride-init"
#define RR(...) (&(struct hmc_rr){ .redundantvios = -1, __VA_ARGS__ })

static void
test_rrstartlpar(void **state)
{
	EXPECT(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_VALIDATE, .src = "p824-1",
					   .dst = "p824-2", .lpar = "lpar1")),
	       "rrstartlpar -o validate -m 'p824-1' -t 'p824-2' -p 'lpar1'");
	EXPECT(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_RESTART, .src = "p824-1",
					   .dst = "p824-2", .lpar = "lpar1")),
	       "rrstartlpar -o restart -m 'p824-1' -t 'p824-2' -p 'lpar1'");
	EXPECT(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_VALIDATE,
		.src = "source-machine", .dst = "dest-machine", .lpar = "rrlpar",
		.redundantvios = 2)),
	       "rrstartlpar -o validate -m 'source-machine' -t 'dest-machine' "
	       "-p 'rrlpar' --redundantvios 2");
	EXPECT(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_RESTART, .src = "s",
		.dst = "d", .lpar_id = 11, .redundantvios = 0,
		.usecurrdata = true, .noconnection = true, .wait_minutes = 5)),
	       "rrstartlpar -o restart -m 's' -t 'd' --id 11 --redundantvios 0 "
	       "--usecurrdata --noconnection -w 5");
	EXPECT(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_CLEANUP, .src = "p814-1",
					   .lpar = "lpar1")),
	       "rrstartlpar -o cleanup -m 'p814-1' -p 'lpar1'");
	EXPECT(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_CLEANUP,
		.src = "source-machine", .lpar = "rrlpar", .retaindev = true,
		.force = true)),
	       "rrstartlpar -o cleanup -m 'source-machine' -p 'rrlpar' "
	       "--retaindev --force");
	EXPECT(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_CANCEL, .src = "s",
					   .dst = "d", .lpar = "l")),
	       "rrstartlpar -o cancel -m 's' -t 'd' -p 'l'");
	EXPECT(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_CANCEL, .src = "s",
					   .lpar_id = 4)),
	       "rrstartlpar -o cancel -m 's' --id 4");
	EXPECT(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_RECOVER, .src = "s",
		.lpar = "l", .force = true, .wait_minutes = 30)),
	       "rrstartlpar -o recover -m 's' -p 'l' -w 30 --force");
}

static void
test_rrstartlpar_refused(void **state)
{
	/* Cleanup names no destination; restart and validate need one. */
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_CLEANUP, .src = "s",
					   .dst = "d", .lpar = "l")), -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_RESTART, .src = "s",
					   .lpar = "l")), -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_VALIDATE, .src = "s",
					   .lpar = "l")), -EINVAL);
	/* Exactly one of name and id. */
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_CLEANUP, .src = "s")),
	       -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_CLEANUP, .src = "s",
					   .lpar = "l", .lpar_id = 3)), -EINVAL);
	/* Options of another operation. */
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_RESTART, .src = "s",
		.dst = "d", .lpar = "l", .retaindev = true)), -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_RESTART, .src = "s",
		.dst = "d", .lpar = "l", .force = true)), -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_CLEANUP, .src = "s",
		.lpar = "l", .noconnection = true)), -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_CLEANUP, .src = "s",
		.lpar = "l", .usecurrdata = true)), -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_CLEANUP, .src = "s",
		.lpar = "l", .redundantvios = 1)), -EINVAL);
	/* A zeroed struct means --redundantvios 0, which cleanup lacks. */
	REFUSE(hmc_cmd_rrstartlpar(&c_, &(struct hmc_rr){ .op = HMC_RR_CLEANUP,
		.src = "s", .lpar = "l" }), -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_RESTART, .src = "s",
		.dst = "d", .lpar = "l", .redundantvios = 3)), -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_RESTART, .src = "s",
		.dst = "d", .lpar = "l", .redundantvios = -2)), -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_RESTART, .src = "s",
		.dst = "d", .lpar = "l", .wait_minutes = -1)), -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_CANCEL, .src = "s",
		.lpar = "l", .retaindev = true)), -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = (enum hmc_rr_op)5, .src = "s",
		.lpar = "l")), -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_RESTART, .src = "s",
		.dst = "d", .lpar = "a\nb")), -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, RR(.op = HMC_RR_RESTART, .src = NULL,
		.dst = "d", .lpar = "l")), -EINVAL);
	REFUSE(hmc_cmd_rrstartlpar(&c_, NULL), -EINVAL);

	assert_string_equal(hmc_rr_op_name(HMC_RR_VALIDATE), "validate");
	assert_string_equal(hmc_rr_op_name(HMC_RR_RESTART), "restart");
	assert_string_equal(hmc_rr_op_name(HMC_RR_CLEANUP), "cleanup");
	assert_string_equal(hmc_rr_op_name(HMC_RR_CANCEL), "cancel");
	assert_string_equal(hmc_rr_op_name(HMC_RR_RECOVER), "recover");
	assert_string_equal(hmc_rr_op_name((enum hmc_rr_op)42), "unknown");
}

static void
test_overflow(void **state)
{
	enum { N = 200 };
	const char *names[N + 1];
	char buf[N][HMC_NAME_MAX + 1];
	struct hmc_cmd c;
	size_t i;

	/* 200 names of 255 bytes: about 51 KB of filter, far over the line. */
	for (i = 0; i < N; i++) {
		memset(buf[i], 'a' + (char)(i % 26), HMC_NAME_MAX);
		buf[i][HMC_NAME_MAX] = '\0';
		names[i] = buf[i];
	}
	names[N] = NULL;
	memset(&c, 'x', sizeof(c));
	assert_int_equal(hmc_cmd_lssyscfg(&c, HMC_RES_LPAR, "s",
		&(struct hmc_filter){ .lpar_names = names }, NULL, false), -E2BIG);
	assert_string_equal(c.line, "");
	/* 30 fit (30 * 256 < 8192 with the rest). */
	names[30] = NULL;
	assert_int_equal(hmc_cmd_lssyscfg(&c, HMC_RES_LPAR, "s",
		&(struct hmc_filter){ .lpar_names = names }, NULL, false), 0);
	assert_true(c.len > 30 * HMC_NAME_MAX && c.len < HMC_CMD_MAX);
}

/* ------------------------------------------------------------------------ */
/* bash reads back what we meant                                            */
/* ------------------------------------------------------------------------ */

/* Every HMC verb becomes a function that prints its name, its argument
 * count and its arguments, NUL-terminated. */
static const char prelude[] =
	"out() { printf '%s\\0' \"$@\"; }\n"
	"for v in lssyscfg lshwres lslic chsysstate chsyscfg migrlpar "
	"rrstartlpar; do eval \"$v() { out $v \\$# \\\"\\$@\\\"; }\"; done\n";

/* Write SCRIPT to a file (an argument could not hold 500 names' worth)
 * and return its path. */
static char *
script_file(const char *script, size_t n)
{
	const char *tmp = getenv("TMPDIR");
	char *path = malloc(4096);
	int fd;

	assert_non_null(path);
	snprintf(path, 4096, "%s/hmc_cmd_test.XXXXXX", tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, script, n), (ssize_t)n);
	close(fd);
	return path;
}

/* Run SCRIPT with restricted bash (the HMC's shell is one) and an empty
 * environment; return its stdout. */
static char *
run_bash(const char *script, size_t slen, size_t *lenp)
{
	int out[2], status;
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap), *path = script_file(script, slen);
	ssize_t n;
	pid_t pid;

	assert_non_null(buf);
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static char envpath[] = "PATH=/usr/bin:/bin";
		static char home[] = "HOME=/nonexistent";
		char *const envp[] = { envpath, home, NULL };

		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execle("/bin/bash", "bash", "--norc", "--noprofile", "-r", path,
		       (char *)NULL, envp);
		_exit(127);
	}
	close(out[1]);
	while ((n = read(out[0], buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	close(out[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(path);
	free(path);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	*lenp = len;
	return buf;
}

/* Read the next NUL-terminated word of the output at *POS. */
static const char *
next_word(const char *buf, size_t len, size_t *pos)
{
	const char *w = buf + *pos;
	const char *nul = memchr(w, '\0', len - *pos);

	assert_non_null(nul);
	*pos += (size_t)(nul - w) + 1;
	return w;
}

struct expect {
	const char *argv[16];
	char filter[HMC_NAME_MAX + 16];
};

/* The argv that each command built for NAME must produce. */
static size_t
build_all(const char *name, struct hmc_buf *script, struct expect *e)
{
	struct hmc_cmd c;
	size_t n = 0;

	assert_int_equal(hmc_cmd_lpar_shutdown(&c, name, name, true), 0);
	assert_int_equal(hmc_buf_printf(script, "%s\n", c.line), 0);
	e[n++] = (struct expect){ { "chsysstate", "-r", "lpar", "-m", name,
				    "-n", name, "-o", "shutdown", "--immed" } };
	assert_int_equal(hmc_cmd_lpar_on(&c, "sys", name, name), 0);
	assert_int_equal(hmc_buf_printf(script, "%s\n", c.line), 0);
	e[n++] = (struct expect){ { "chsysstate", "-r", "lpar", "-m", "sys",
				    "-n", name, "-o", "on", "-f", name } };
	assert_int_equal(hmc_cmd_rrstartlpar(&c, RR(.op = HMC_RR_RESTART,
		.src = name, .dst = name, .lpar = name, .noconnection = true)), 0);
	assert_int_equal(hmc_buf_printf(script, "%s\n", c.line), 0);
	e[n++] = (struct expect){ { "rrstartlpar", "-o", "restart", "-m", name,
				    "-t", name, "-p", name, "--noconnection" } };
	assert_int_equal(hmc_cmd_migrlpar_validate(&c, name, "d", name), 0);
	assert_int_equal(hmc_buf_printf(script, "%s\n", c.line), 0);
	e[n++] = (struct expect){ { "migrlpar", "-o", "v", "-m", name, "-t",
				    "d", "-p", name } };
	assert_int_equal(hmc_cmd_lslic(&c, name, NULL), 0);
	assert_int_equal(hmc_buf_printf(script, "%s\n", c.line), 0);
	e[n++] = (struct expect){ { "lslic", "-m", name } };
	/* A filter can carry any name without ',' or '"'. */
	if (strpbrk(name, ",\"") == NULL) {
		assert_int_equal(hmc_cmd_lssyscfg(&c, HMC_RES_LPAR, name,
			&(struct hmc_filter){ .lpar_names = (const char *const[]){
				name, NULL } }, NULL, true), 0);
		assert_int_equal(hmc_buf_printf(script, "%s\n", c.line), 0);
		e[n] = (struct expect){ { "lssyscfg", "-r", "lpar", "-m", name,
					  "--filter", e[n].filter, "--header" } };
		snprintf(e[n].filter, sizeof(e[n].filter), "lpar_names=%s", name);
		n++;
	}
	return n;
}

/* Check the words bash printed for one command against E. */
static void
check_words(const char *out, size_t len, size_t *pos, const struct expect *e)
{
	size_t argc = 0, i;
	char count[16];

	while (argc < 16 && e->argv[argc] != NULL)
		argc++;
	assert_string_equal(next_word(out, len, pos), e->argv[0]);
	snprintf(count, sizeof(count), "%zu", argc - 1);
	assert_string_equal(next_word(out, len, pos), count);
	for (i = 1; i < argc; i++)
		assert_string_equal(next_word(out, len, pos), e->argv[i]);
}

/* The -i string of chsyscfg, once bash has unquoted it, parses as
 * attr=value input back to the same name. */
static void
check_set_srr(const char *name, const char *out, size_t len, size_t *pos)
{
	const char *w[8];
	struct hmc_table t;
	size_t i;

	for (i = 0; i < 8; i++)
		w[i] = next_word(out, len, pos);
	assert_string_equal(w[0], "chsyscfg");
	assert_string_equal(w[1], "6");
	assert_string_equal(w[5], "s");
	assert_string_equal(w[6], "-i");
	assert_int_equal(hmc_parse_attrs(w[7], strlen(w[7]), &t), 0);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(hmc_row_get(&t.rows[0], "name"), name);
	assert_string_equal(hmc_row_get(&t.rows[0],
			    "simplified_remote_restart_capable"), "1");
	hmc_table_free(&t);
}

/* Returns how many commands bash ran. */
static size_t
bash_round_trip(const char *const *names, size_t n)
{
	struct hmc_buf script = { 0 };
	struct expect *e = calloc(n * 8, sizeof(*e));
	size_t *per = calloc(n, sizeof(*per));
	size_t i, j, k, ne = 0, len, pos = 0;
	struct hmc_cmd c;
	char *out;

	assert_non_null(e);
	assert_non_null(per);
	assert_int_equal(hmc_buf_append(&script, prelude, strlen(prelude)), 0);
	for (i = 0; i < n; i++) {
		per[i] = build_all(names[i], &script, e + ne);
		ne += per[i];
		assert_int_equal(hmc_cmd_lpar_set_srr(&c, "s", names[i], true), 0);
		assert_int_equal(hmc_buf_printf(&script, "%s\n", c.line), 0);
	}
	out = run_bash(script.s, script.len, &len);
	for (i = 0, k = 0; i < n; i++) {
		for (j = 0; j < per[i]; j++)
			check_words(out, len, &pos, &e[k++]);
		check_set_srr(names[i], out, len, &pos);
	}
	assert_int_equal(pos, len);	/* nothing else ran */
	free(out);
	free(per);
	free(e);
	hmc_buf_free(&script);
	return ne + n;
}

static void
test_bash_hostile(void **state)
{
	char longest[HMC_NAME_MAX + 1];
	const char *one[1] = { longest };
	size_t i;

	for (i = 0; i < NELEM(hostile); i++)
		if (strchr(hostile[i], '\t') == NULL)
			assert_int_equal(hmc_name_check(hostile[i]), 0);
	/* The tab is refused by the name check; every other one runs. */
	print_message("bash round trip: %zu hostile names, %zu commands\n",
		      NELEM(hostile) - 1, bash_round_trip(hostile, NELEM(hostile) - 1));
	/* The longest name, made of quotes. */
	memset(longest, '\'', HMC_NAME_MAX);
	longest[HMC_NAME_MAX] = '\0';
	bash_round_trip(one, 1);
}

/* The seed's commands, as its operator typed them, against ours. */

/* First line of fixture NAME.cmd. */
static char *
seed_command(const char *name)
{
	const char *dir = getenv("SRCDIR");
	char path[4096], *line = malloc(4096);
	FILE *f;

	assert_non_null(line);
	snprintf(path, sizeof(path), "%s/fixtures/seed/%s.cmd",
		 dir ? dir : ".", name);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_non_null(fgets(line, 4096, f));
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One command's words as bash passed them, with its options sorted: the
 * HMC does not care about their order. An option and the word after it
 * (unless that is an option too) stay together. */
static char *
normalized(const char *out, size_t len, size_t *pos)
{
	struct hmc_buf b = { 0 };
	const char *verb = next_word(out, len, pos), *args[32];
	char *items[32];
	size_t argc = strtoul(next_word(out, len, pos), NULL, 10), i, n = 0;

	assert_true(argc < 32);
	for (i = 0; i < argc; i++)
		args[i] = next_word(out, len, pos);
	for (i = 0; i < argc; i++) {
		struct hmc_buf item = { 0 };

		assert_int_equal(hmc_buf_printf(&item, "%s", args[i]), 0);
		if (args[i][0] == '-' && i + 1 < argc && args[i + 1][0] != '-')
			assert_int_equal(hmc_buf_printf(&item, " %s", args[++i]), 0);
		items[n++] = item.s;
	}
	qsort(items, n, sizeof(items[0]), cmp_str);
	assert_int_equal(hmc_buf_printf(&b, "%s", verb), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(hmc_buf_printf(&b, " | %s", items[i]), 0);
		free(items[i]);
	}
	return b.s;
}

static void
test_seed_commands(void **state)
{
	static const char *const lic[] = { "activated_spname",
		"installed_level", "ecnumber", NULL };
	static const char *const sys_srr[] = { "name",
		"powervm_lpar_simplified_remote_restart_capable", NULL };
	static const char *const lpar_srr[] = { "name",
		"simplified_remote_restart_capable", NULL };
	static const char *const rs_vios[] = { "primary_rs_vios_name",
		"secondary_rs_vios_name", "curr_rs_vios_name", NULL };
	static const char *const temp3[] = { "temp3-b642c120-00000133", NULL };
	const struct hmc_filter ftemp3 = { .lpar_names = temp3 };
	struct {
		const char *fixture;
		struct hmc_cmd c;
	} t[16];
	struct hmc_buf script = { 0 };
	size_t n = 0, i, len, pos = 0;
	char *out, *seed, *ours;

#define SEED(name, call) do {					\
	t[n].fixture = (name);					\
	assert_int_equal(call, 0);				\
	n++;							\
} while (0)
	SEED("lslic_p814-1", hmc_cmd_lslic(&t[n].c, "p814-1",
		&(struct hmc_fields){ lic, ',' }));
	SEED("lssyscfg_sys_srr_capable", hmc_cmd_lssyscfg(&t[n].c, HMC_RES_SYS,
		NULL, NULL, &(struct hmc_fields){ sys_srr, ',' }, false));
	SEED("lssyscfg_lpar_srr_capable", hmc_cmd_lssyscfg(&t[n].c,
		HMC_RES_LPAR, "p814-1", NULL,
		&(struct hmc_fields){ lpar_srr, ',' }, false));
	SEED("lssyscfg_sys_state", hmc_cmd_lssyscfg(&t[n].c, HMC_RES_SYS, NULL,
		NULL, &(struct hmc_fields){ f_name_state, ',' }, false));
	SEED("lssyscfg_prof_filter", hmc_cmd_lssyscfg(&t[n].c, HMC_RES_PROF,
		"s00ka9927558-9117-MMD-658B2AD", &ftemp3, NULL, false));
	SEED("lssyscfg_lpar_filter_rs_vios", hmc_cmd_lssyscfg(&t[n].c,
		HMC_RES_LPAR, "source-machine", &ftemp3,
		&(struct hmc_fields){ rs_vios, ',' }, false));
	SEED("chsyscfg_srr_hscla9f8", hmc_cmd_lpar_set_srr(&t[n].c, "p824-2",
		"lpar6", true));
	SEED("migrlpar_validate_hsclb909", hmc_cmd_migrlpar_validate(&t[n].c,
		"p814-1", "p720-1", "lpar2"));
	SEED("rrstartlpar_validate", hmc_cmd_rrstartlpar(&t[n].c,
		RR(.op = HMC_RR_VALIDATE, .src = "p824-1", .dst = "p824-2",
		   .lpar = "lpar1")));
	SEED("rrstartlpar_restart", hmc_cmd_rrstartlpar(&t[n].c,
		RR(.op = HMC_RR_RESTART, .src = "p824-1", .dst = "p824-2",
		   .lpar = "lpar1")));
	SEED("rrstartlpar_cleanup", hmc_cmd_rrstartlpar(&t[n].c,
		RR(.op = HMC_RR_CLEANUP, .src = "p814-1", .lpar = "lpar1")));
	SEED("chsysstate_sys_off_immed", hmc_cmd_sys_power(&t[n].c,
		"source-machine", false, true));
	SEED("chsysstate_sys_on", hmc_cmd_sys_power(&t[n].c, "source-machine",
		true, false));
	SEED("chsysstate_lpar_on_profile", hmc_cmd_lpar_on(&t[n].c,
		"source-machine", "vios1", "default_profile"));
	SEED("chsysstate_lpar_shutdown_immed", hmc_cmd_lpar_shutdown(&t[n].c,
		"source-server", "temp3-b642c120-00000133", true));
#undef SEED
	assert_int_equal(hmc_buf_append(&script, prelude, strlen(prelude)), 0);
	for (i = 0; i < n; i++) {
		seed = seed_command(t[i].fixture);
		assert_int_equal(hmc_buf_printf(&script, "%s\n%s\n", seed,
						t[i].c.line), 0);
		free(seed);
	}
	out = run_bash(script.s, script.len, &len);
	for (i = 0; i < n; i++) {
		seed = normalized(out, len, &pos);
		ours = normalized(out, len, &pos);
		if (strcmp(seed, ours) != 0)
			fail_msg("%s: the seed ran \"%s\", we run \"%s\"",
				 t[i].fixture, seed, ours);
		free(seed);
		free(ours);
	}
	assert_int_equal(pos, len);
	print_message("seed commands rebuilt: %zu\n", n);
	free(out);
	hmc_buf_free(&script);
}

static void
test_bash_random(void **state)
{
	enum { N = 500 };
	static char buf[N][200];
	const char *names[N];
	size_t i;
	uint32_t seed = 1013904223;

	for (i = 0; i < N; i++) {
		/* A name is never empty: draw again. */
		do
			test_random_text(&seed, "'\"\\$`;|&<>(){}[]*?!~# =%,-", 40,
					 buf[i], sizeof(buf[i]));
		while (buf[i][0] == '\0');
		assert_int_equal(hmc_name_check(buf[i]), 0);
		names[i] = buf[i];
	}
	print_message("bash round trip: %d random names, %zu commands\n", N,
		      bash_round_trip(names, N));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_check),
		cmocka_unit_test(test_shell_quote),
		cmocka_unit_test(test_low_level),
		cmocka_unit_test(test_lssyscfg),
		cmocka_unit_test(test_lssyscfg_refused),
		cmocka_unit_test(test_lshwres_lslic),
		cmocka_unit_test(test_power),
		cmocka_unit_test(test_set_srr_migrlpar),
		cmocka_unit_test(test_rrstartlpar),
		cmocka_unit_test(test_rrstartlpar_refused),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_bash_hostile),
		cmocka_unit_test(test_bash_random),
		cmocka_unit_test(test_seed_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
