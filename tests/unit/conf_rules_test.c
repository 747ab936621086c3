/*
 * conf_rules_test.c: the configuration reader's rules one by one: value
 * parsers, the identity file's mode and owner, known_hosts, the limits
 * (HMCs, systems, destinations, fence parameters, alerts, names, lines),
 * bytes inih cannot show, and which keys the digest covers (internal,
 * security). Random damage to a good file must be refused with a reason
 * or loaded, never crash; the seed is fresh each run and printed.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/srrd_conf_int.h"
#include "conf_util.h"

#define HMC1 "[hmc hmc1]\nhost = h1\nidentity = @DIR@/id\n" \
	     "known_hosts = @DIR@/known_hosts\n"
#define SYS2 "[system src]\nprotect = yes\ndestinations = dst\n[system dst]\n"

static char err[SRRD_ERR_LEN];

/* Loads TEXT; returns rc, the message in err. */
static int
load(const char *text)
{
	struct srrd_conf c;
	int rc = conf_load_text("rule.conf", text, &c, err, sizeof(err));

	if (rc == 0)
		srrd_conf_free(&c);
	return rc;
}

static void
refused(const char *text, const char *why)
{
	int rc = load(text);

	if (rc == 0 || strstr(err, why) == NULL)
		printf("# rc %d, want '%s' in: %s\n", rc, why, err);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(err, why));
}

static void
test_durations(void **state)
{
	static const struct { const char *s; int64_t ms; } ok[] = {
		{ "0", 0 }, { "500ms", 500 }, { "15s", 15000 }, { "5m", 300000 },
		{ "2h", 7200000 }, { "007s", 7000 },
	};
	static const char *const bad[] = {
		"15", "1.5s", "-1s", "+1s", "1 s", "s", "", "1d", "1S", "0x10s",
		"99999999999999999999h", "9223372036854775807h", "5s5", "ms",
	};
	static const struct { int64_t ms; const char *s; } fmt[] = {
		{ 0, "0" }, { 90000, "90s" }, { 120000, "2m" }, { 1500, "1500ms" },
		{ 3600000, "1h" }, { 5400000, "90m" }, { 2592000000LL, "720h" },
	};
	char buf[32];
	int64_t ms;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(conf_duration_parse(ok[i].s, &ms), 0);
		assert_int_equal(ms, ok[i].ms);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (conf_duration_parse(bad[i], &ms) == 0)
			fail_msg("'%s' read as %lld ms", bad[i], (long long)ms);
	for (i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		conf_duration_format(fmt[i].ms, buf, sizeof(buf));
		assert_string_equal(buf, fmt[i].s);
		assert_int_equal(conf_duration_parse(buf, &ms), 0);
		assert_int_equal(ms, fmt[i].ms);
	}
}

static void
test_numbers(void **state)
{
	static const char *const bad[] = { "", " 1", "1 ", "+1", "-1", "0x1",
					   "1e3", "01.0", "99999999999999999999" };
	char why[128];
	int64_t v;
	bool b;
	size_t i;

	assert_int_equal(conf_int_parse("65535", 0, 65535, &v, why, 128), 0);
	assert_int_equal(conf_int_parse("65536", 0, 65535, &v, why, 128),
			 -ERANGE);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(conf_int_parse(bad[i], -5, 5, &v, why, 128),
				 -EINVAL);
	assert_int_equal(conf_bool_parse("YES", &b, why, 128), 0);
	assert_true(b);
	assert_int_equal(conf_bool_parse("Off", &b, why, 128), 0);
	assert_false(b);
	assert_int_equal(conf_bool_parse("2", &b, why, 128), -EINVAL);
	assert_int_equal(conf_bool_parse("y", &b, why, 128), -EINVAL);
}

static void
test_states(void **state)
{
	char why[128];
	uint32_t m;

	assert_int_equal(conf_states_parse(" power OFF ,Error - Dump In "
					   "Progress", &m, why, 128), 0);
	assert_int_equal(m, 1u << HMC_SYS_POWER_OFF | 1u << HMC_SYS_ERROR_DUMP);
	assert_int_equal(conf_states_parse("Power Off, Unknown", &m, why, 128),
			 -EINVAL);
	assert_int_equal(conf_states_parse("Power Off, power off", &m, why, 128),
			 -EINVAL);
	assert_string_equal(why, "'Power Off' named twice");
	assert_int_equal(conf_states_parse("", &m, why, 128), 0);
	assert_int_equal(m, 0);
	/* a definite-down set never holds an ambiguous or operating state */
	refused(HMC1 SYS2 "[policy]\ndown_states = Power Off In Progress\n",
		"cannot be a definite-down state");
	refused(HMC1 SYS2 "[policy]\ndown_states = Standby\n",
		"cannot be a definite-down state");
	refused(HMC1 SYS2 "[policy]\nambiguous_states = Standby\n",
		"cannot be ambiguous");
}

static void
identity_mode(mode_t mode, bool ok)
{
	char path[128], want[64];

	snprintf(path, sizeof(path), "%s/id", conf_dir);
	assert_int_equal(chmod(path, mode), 0);
	if (ok) {
		if (load(HMC1 SYS2) != 0)
			fail_msg("mode %04o refused: %s", (unsigned)mode, err);
		return;
	}
	snprintf(want, sizeof(want), "@DIR@/id: mode %04o gives group or "
		 "others", (unsigned)mode);
	refused(HMC1 SYS2, want);
	assert_non_null(strstr(err, "rule.conf:3: [hmc hmc1] identity: "));
}

/* As OpenSSH: any permission for group or others refuses the key. */
static void
test_identity_modes(void **state)
{
	static const mode_t ok[] = { 0600, 0400, 0700, 0500, 0200 };
	static const mode_t bad[] = { 0640, 0644, 0604, 0660, 0606, 0620,
				      0602, 0610, 0601, 0777, 0400 | 040 };
	char path[128];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		identity_mode(ok[i], true);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		identity_mode(bad[i], false);
	identity_mode(0600, true);
	snprintf(path, sizeof(path), "%s/id", conf_dir);
	if (geteuid() == 0) {
		/* another user's key is refused even at 0600 */
		assert_int_equal(chown(path, 4242, (gid_t)-1), 0);
		refused(HMC1 SYS2, "owned by uid 4242");
		assert_int_equal(chown(path, 0, (gid_t)-1), 0);
	}
	refused(HMC1 SYS2 "[hmc h2]\nhost = h2\nidentity = @DIR@\n",
		"[hmc h2] identity: @DIR@: not a regular file");
	refused(HMC1 SYS2 "[hmc h2]\nhost = h2\nidentity = @DIR@/nope\n",
		"@DIR@/nope: No such file or directory");
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0200), 0);
		refused(HMC1 SYS2, "@DIR@/id: Permission denied");
		assert_int_equal(chmod(path, 0600), 0);
	}
}

static void
test_known_hosts_modes(void **state)
{
	static const struct { mode_t mode; bool ok; } t[] = {
		{ 0644, true }, { 0600, true }, { 0444, true }, { 0664, false },
		{ 0646, false }, { 0666, false }, { 0622, false },
	};
	char path[128];
	size_t i;

	snprintf(path, sizeof(path), "%s/known_hosts", conf_dir);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(chmod(path, t[i].mode), 0);
		if (t[i].ok)
			assert_int_equal(load(HMC1 SYS2), 0);
		else
			refused(HMC1 SYS2, "lets group or others add host keys");
	}
	assert_int_equal(chmod(path, 0644), 0);
}

/* N sections or keys from one pattern (a test's own literals). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static char *
repeat(const char *fmt, int n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int i;

	for (i = 0; i < n; i++)
		fprintf(m, fmt, i, i, i);
	fclose(m);
	return buf;
}
#pragma GCC diagnostic pop

static void
refused_with(const char *head, const char *body, const char *tail,
	     const char *why)
{
	char *t = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&t, &len);

	fprintf(m, "%s%s%s", head, body, tail);
	fclose(m);
	refused(t, why);
	free(t);
}

static void
test_limits(void **state)
{
	char *s;

	s = repeat("[hmc x%d]\nhost = h%d\nidentity = @DIR@/id\n"
		   "known_hosts = @DIR@/known_hosts\n", SRR_MAX_HMC);
	assert_int_equal(load(s), -EINVAL);	/* no system, but no limit hit */
	assert_null(strstr(err, "too many"));
	refused_with(s, "[hmc x9]\n", SYS2, "too many [hmc] sections");
	free(s);
	s = repeat("[system s%d]\n", SRR_MAX_SYS);
	refused_with(HMC1, s, "[system one-more]\n", "too many [system]");
	free(s);
	s = repeat("[alert a%d]\npath = @DIR@/alert.sh\n",
		   SRRD_MAX_ALERTS);
	refused_with(HMC1 SYS2, s, "[alert a9]\n", "too many [alert]");
	free(s);
	s = repeat("fence_param_p%d = v%d\n", SRRD_MAX_FENCE_PARAMS);
	refused_with(HMC1 SYS2 "[system f]\nfence_agent = @DIR@/alert.sh\n", s,
		     "fence_param_last = 1\n", "too many fence parameters");
	free(s);
	s = repeat("[system d%d]\n", SRR_MAX_DEST + 1);
	refused_with(HMC1 "[system src]\nprotect = yes\ndestinations = d0, d1, "
		     "d2, d3, d4, d5, d6, d7, d8\n", s, "",
		     "'d8' is one too many (at most 8 destinations)");
	free(s);
}

static void
test_names(void **state)
{
	char text[1024], name[300];

	memset(name, 'h', 64);
	name[64] = '\0';
	snprintf(text, sizeof(text), HMC1 SYS2 "[hmc %s]\n", name);
	refused(text, "too long");
	name[63] = '\0';
	snprintf(text, sizeof(text), "[hmc %s]\nhost = h\nidentity = @DIR@/id\n"
		 "known_hosts = @DIR@/known_hosts\n" SYS2, name);
	assert_int_equal(load(text), 0);
	/* a section longer than inih's 49 bytes is read whole */
	memset(name, 'p', 120);
	name[120] = '\0';
	snprintf(text, sizeof(text), HMC1 SYS2 "[lpar src/%s]\npriority = 1\n"
		 "[lpar src/%.48s]\npriority = 2\n", name, name);
	assert_int_equal(load(text), 0);
	/* names the HMC builder refuses: a tab, bad UTF-8 */
	refused(HMC1 SYS2 "[system a\tb]\n", "bad system name");
	refused(HMC1 SYS2 "[lpar src/\xff\xfe]\n", "bad partition name");
	/* a '/' ends the system's name, not the partition's */
	assert_int_equal(load(HMC1 SYS2 "[lpar src/a/b]\n"), 0);
	refused(HMC1 SYS2 "[lpar src/ a]\n", "bad partition name (empty, a "
		"control character, or blanks at either end)");
	refused(HMC1 SYS2 "[hmc bad name]\n", "[hmc bad name]: empty, or");
	/* a key longer than inih keeps whole */
	memset(name, 'k', 60);
	name[60] = '\0';
	snprintf(text, sizeof(text), HMC1 SYS2 "[policy]\n%s = 1\n", name);
	refused(text, "unknown key (too long)");
}

/* Loads HEAD (@DIR@ replaced) and then N bytes of TAIL as they are (a NUL
 * included). */
static int
load_bytes(const char *head, const char *tail, size_t n)
{
	char *h = conf_subst(head, "@DIR@", conf_dir);
	struct srrd_conf c;
	char path[128];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/bytes.conf", conf_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(h, f);
	assert_int_equal(fwrite(tail, 1, n, f), n);
	fclose(f);
	free(h);
	rc = srrd_conf_load(path, &c, err, sizeof(err));
	conf_normalise(err, sizeof(err));
	if (rc == 0)
		srrd_conf_free(&c);
	return rc;
}

/* Bytes inih would cut or drop are refused, not read as something else. */
static void
test_bytes(void **state)
{
	static const char nul[] = "retries = 3\0003\n";
	char text[512];

	assert_int_equal(load_bytes(HMC1 SYS2 "[policy]\n", nul,
				    sizeof(nul) - 1), -EINVAL);
	assert_string_equal(err, "@DIR@/bytes.conf:10: a NUL byte in the line");
	/* "retries = 3 ;" and 186 more: 199 bytes, one too many */
	snprintf(text, sizeof(text), HMC1 SYS2 "[policy]\nretries = 3 ;%*s\n",
		 186, "x");
	refused(text, "rule.conf:10: line longer than 198 bytes");
	snprintf(text, sizeof(text), HMC1 SYS2 "[policy]\nretries = 3 ;%*s\n",
		 185, "x");
	assert_int_equal(load(text), 0);
	/* a value the print could not write back on one line */
	snprintf(text, sizeof(text), HMC1 SYS2 "[alert a]\npath=@DIR@/alert.sh"
		 "\nrecipient=%0*d\n", 187, 0);
	refused(text, "rule.conf:11: [alert a] recipient: too long (\"key = "
		"value\" must fit in 198 bytes)");
	snprintf(text, sizeof(text), HMC1 SYS2 "[alert a]\npath=@DIR@/alert.sh"
		 "\nrecipient=%0*d\n", 186, 0);
	assert_int_equal(load(text), 0);
	/* a byte-order mark is taken, as inih takes it */
	assert_int_equal(load("\xEF\xBB\xBF" HMC1 SYS2), 0);
	/* no newline at the end */
	assert_int_equal(load_bytes(HMC1 SYS2 "[policy]\n", "retries = 3", 11),
			 0);
}

/* One test per strictness rule of srrd_conf.h, beside the golden files. */
static void
test_rules(void **state)
{
	refused(HMC1 SYS2 "[nope]\n", "rule.conf:9: [nope]: unknown section");
	refused(HMC1 SYS2 "[policy]\nnope = 1\n", "[policy] nope: unknown key");
	assert_string_equal(strstr(err, "unknown"), "unknown key");
	refused(HMC1 SYS2 "[hmc h2]\nhots = h2\n",
		"[hmc h2] hots: unknown key (did you mean host?)");
	refused(HMC1 SYS2 "[policy]\ndown_state = Error\n",
		"unknown key (did you mean down_states?)");
	refused(HMC1 "host = h2\n" SYS2, "[hmc hmc1] host: repeated key");
	refused(HMC1 SYS2 HMC1, "[hmc hmc1]: section repeated");
	refused(HMC1 SYS2 "[system src]\n", "[system src]: section repeated");
	refused(HMC1 SYS2 "[alert a]\npath = @DIR@/alert.sh\n[alert a]\n",
		"[alert a]: section repeated");
	refused(HMC1 SYS2 "[cluster]\n[cluster]\n", "[cluster]: section "
		"repeated");
	refused(HMC1 SYS2 "[policy]\nretries = many\n", "not a whole number");
	refused(HMC1 SYS2 "[policy]\npoll_interval = 5\n", "not a duration");
	refused(HMC1 "[system src]\nprotect = yes\ndestinations = elsewhere\n",
		"'elsewhere' names no [system]");
	refused(HMC1 SYS2 "[lpar src/a]\ndestination = elsewhere\n",
		"[lpar src/a] destination: 'elsewhere' names no [system]");
	refused(HMC1 SYS2 "[lpar src/a]\ndestination = src\n",
		"'src' is not among the destinations");
	refused(HMC1 SYS2 "[lpar x/a]\n", "names no [system x]");
	refused(HMC1 SYS2 "[cluster]\ngroup = a b\n", "[cluster] group: 'a b'");
	refused(HMC1 SYS2 "[cluster]\nhello_timeout = 2h\n", "out of range");
	refused(HMC1 SYS2 "[ipc]\nmetrics_port = -1\n", "not a whole number");
	refused(HMC1 SYS2 "[store]\nstate_dir = var\n", "not an absolute path");
	refused(HMC1 SYS2 "[alert a]\npath = @DIR@/notexec\n",
		"not an executable file");
	refused(HMC1 SYS2 "[system src]\n", "section repeated");
	refused(HMC1 SYS2 "[system x]\nfence_timeout = 1m\n",
		"[system x] fence_agent: required");
	refused(HMC1 SYS2 "[system x]\nfence_agent = @DIR@/alert.sh\n"
		"fence_param_IP = 1\n", "lower case");
	refused(HMC1 SYS2 "[system x]\nfence_agent = @DIR@/alert.sh\n"
		"fence_param_ip =\n", "empty");
	refused(HMC1 SYS2 "[system x]\nfence_agent = @DIR@/alert.sh\n"
		"fence_param_ = 1\n", "unknown key");
	refused(HMC1 SYS2 "[policy]\ndestinations = x\n", "unknown key");
	refused(HMC1 SYS2 "[policy]\nretries = 3\n  retries = 4\n",
		"an indented line continues the key above");
}

static void
mutate(void *p, const struct conf_keydef *k)
{
	char *s = p;

	switch (k->type) {
	case T_BOOL:
		*(bool *)p = !*(bool *)p;
		break;
	case T_INT:
	case T_DUR:
	case T_STATES:
		s[0] ^= 2;	/* a bit of the value (bit 0 of a state
				 * mask is Unknown, never printed) */
		break;
	default:
		s[0] = s[0] == 'x' ? 'y' : 'x';
		break;
	}
}

static void
special_mutate(struct srrd_conf *c, const struct conf_keydef *k)
{
	switch (k->type) {
	case T_DESTS:		/* the order counts (ties go to the first) */
		c->sys[0].dest[0] = c->sys[0].dest[1];
		c->sys[0].dest[1] = 1;
		break;
	case T_PIN:
		c->lpar[0].pin = c->lpar[0].pin == 1 ? 2 : 1;
		break;
	default:		/* T_FENCE_PARAM */
		c->sys[0].fence->val[0][0] ^= 1;
		break;
	}
}

/* Every key changes the digest, but the local ones (srrd_conf.h). */
static void
test_digest_keys(void **state)
{
	char text[2048];
	uint8_t a[SRRD_DIGEST_LEN], b[SRRD_DIGEST_LEN];
	struct srrd_conf c, m;
	size_t i;
	int s;

	/* a bit per key marks it given in a section */
	assert_true(conf_nkeys <= 64);
	snprintf(text, sizeof(text), HMC1 "[system a-src]\nprotect = yes\n"
		 "destinations = b-dst, c-dst\nfence_agent = @DIR@/alert.sh\n"
		 "fence_param_ip = 10.0.0.9\n[system b-dst]\n[system c-dst]\n"
		 "[lpar a-src/a1]\ndestination = b-dst\n[alert a]\npath = "
		 "@DIR@/alert.sh\nrecipient = r\n[ipc]\ngroup = root\n");
	assert_int_equal(conf_load_text("keys.conf", text, &c, err,
					sizeof(err)), 0);
	assert_int_equal(srrd_conf_digest(&c, a), 0);
	for (i = 0; i < conf_nkeys; i++) {
		const struct conf_keydef *k = &conf_keys[i];

		m = c;
		/* the partitions are behind a pointer: a copy of their own */
		m.lpar = malloc(c.nlpar * sizeof(c.lpar[0]));
		assert_non_null(m.lpar);
		memcpy(m.lpar, c.lpar, c.nlpar * sizeof(c.lpar[0]));
		for (s = 0; s < c.nsys; s++)	/* and so are fence confs */
			if (c.sys[s].fence != NULL) {
				m.sys[s].fence = malloc(sizeof(*c.sys[s].fence));
				assert_non_null(m.sys[s].fence);
				*m.sys[s].fence = *c.sys[s].fence;
			}
		if (k->type == T_DESTS || k->type == T_PIN ||
		    k->type == T_FENCE_PARAM)
			special_mutate(&m, k);
		else
			mutate((char *)conf_key_base(&m, k, 0) + k->off, k);
		assert_int_equal(srrd_conf_digest(&m, b), 0);
		srrd_conf_free(&m);
		if ((memcmp(a, b, sizeof(a)) == 0) != k->local)
			fail_msg("[%d] %s: digest %s", k->kind, k->name, k->local ?
				 "changed (a local key)" : "unchanged");
	}
	srrd_conf_free(&c);
}

/* Random damage: loaded (and then it prints and reloads the same), or
 * refused with "FILE:LINE: why" or "FILE: why". */
static void
test_damage(void **state)
{
	static const char pool[] = "[]=;#/ ,\t\nabcxyz019sm-_.\\\"'";
	char path[512], *base, *t, *p;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid() << 16;
	struct srrd_conf c;
	int i, j, n, rc, loaded = 0;
	size_t len;

	printf("# damage seed %u (CONF_SEED to replay)\n", seed);
	if (getenv("CONF_SEED") != NULL)
		seed = (unsigned)strtoul(getenv("CONF_SEED"), NULL, 10);
	srandom(seed);
	conf_src_path("fixtures/conf/good/full.conf", path, sizeof(path));
	base = conf_read_text(path);
	assert_non_null(base);
	len = strlen(base);
	for (i = 0; i < 2000; i++) {
		t = strdup(base);
		n = 1 + (int)(random() % 4);
		for (j = 0; j < n; j++)
			t[random() % len] = pool[random() % (sizeof(pool) - 1)];
		rc = conf_load_text("damage.conf", t, &c, err, sizeof(err));
		if (rc == 0) {
			loaded++;
			p = conf_print_text(&c, true);
			assert_non_null(p);
			free(p);
			srrd_conf_free(&c);
		} else {
			if (strncmp(err, "@DIR@/damage.conf:", 18) != 0 ||
			    strlen(err) < 22)
				fail_msg("seed %u: no reason: %s", seed, err);
		}
		free(t);
	}
	printf("# damage: %d of 2000 loaded\n", loaded);
	free(base);
}

static const char *const kind_heads[CONF_KIND_COUNT] = {
	[CONF_CLUSTER] = ".SS [cluster]", [CONF_HMC] = ".SS [hmc NAME]",
	[CONF_SYSTEM] = ".SS [system NAME]",
	[CONF_LPAR] = ".SS [lpar SYSTEM/PARTITION]",
	[CONF_POLICY] = ".SS [policy]", [CONF_ALERT] = ".SS [alert NAME]",
	[CONF_STORE] = ".SS [store]", [CONF_IPC] = ".SS [ipc]",
};

/* The man page's entry for K: ".BR key " or ".BI key" under its section. */
static const char *
man_entry(const char *man, const struct conf_keydef *k)
{
	const char *sec = strstr(man, kind_heads[k->kind]), *end, *p;
	char want[80];

	if (sec == NULL)
		return NULL;
	end = strstr(sec + 4, "\n.SS ");
	if (end == NULL)
		end = strstr(sec, "\n.SH ");
	snprintf(want, sizeof(want), k->type == T_FENCE_PARAM ? "\n.BI %s" :
		 "\n.BR %s ", k->name);
	p = strstr(sec, want);
	return p != NULL && (end == NULL || p < end) ? p + 1 : NULL;
}

/* What the print says for KEY in the section starting at HEAD. */
static bool
printed(const char *print, const char *head, const char *key, char *val,
	size_t len)
{
	const char *sec = strstr(print, head), *p;
	char want[80];

	if (sec == NULL)
		return false;
	snprintf(want, sizeof(want), "\n%s = ", key);
	p = strstr(sec, want);
	if (p == NULL || (strstr(sec + 1, "\n[") != NULL &&
			  p > strstr(sec + 1, "\n[")))
		return false;
	p += strlen(want);
	snprintf(val, len, "%.*s", (int)strcspn(p, "\n"), p);
	return true;
}

/* srrha.conf(5) documents every key in its section, and a default it
 * states as ("...; default " VALUE ) is the one the print shows. */
static void
test_man_page(void **state)
{
	static const char *const print_heads[CONF_KIND_COUNT] = {
		[CONF_CLUSTER] = "[cluster]", [CONF_HMC] = "[hmc h]",
		[CONF_SYSTEM] = "[system s]", [CONF_LPAR] = "[lpar s/p]",
		[CONF_POLICY] = "[policy]", [CONF_ALERT] = "[alert a]",
		[CONF_STORE] = "[store]", [CONF_IPC] = "[ipc]",
	};
	char path[512], val[256], want[256], *man, *print;
	const char *e, *d;
	struct srrd_conf c;
	size_t i;
	int checked = 0;

	conf_src_path("../doc/srrha.conf.5", path, sizeof(path));
	man = conf_read_text(path);
	assert_non_null(man);
	assert_int_equal(conf_load_text("man.conf", "[hmc h]\nhost = h\n"
		"identity = @DIR@/id\nknown_hosts = @DIR@/known_hosts\n"
		"[system s]\nprotect = yes\ndestinations = t\nfence_agent = "
		"@DIR@/alert.sh\n[system t]\n[lpar s/p]\n[alert a]\n"
		"path = @DIR@/alert.sh\n", &c, err, sizeof(err)), 0);
	print = conf_print_text(&c, true);
	for (i = 0; i < conf_nkeys; i++) {
		const struct conf_keydef *k = &conf_keys[i];

		e = man_entry(man, k);
		if (e == NULL)
			fail_msg("srrha.conf(5) has no entry for [%s] %s",
				 print_heads[k->kind], k->name);
		d = strstr(e, "default \" ");
		/* the keys the file above gives have no default to show */
		snprintf(want, sizeof(want), " %s ", k->name);
		if (d == NULL || d > strchr(e, '\n') ||
		    (k->kind != CONF_STORE &&
		     strstr(" host identity known_hosts protect destinations "
			    "fence_agent path ", want) != NULL))
			continue;
		d += strlen("default \" ");
		snprintf(want, sizeof(want), "%.*s", (int)strcspn(d, " \n"), d);
		assert_true(printed(print, print_heads[k->kind], k->name, val,
				    sizeof(val)));
		if (strcmp(val, want) != 0)
			fail_msg("[%s] %s: the man page says %s, srrd %s",
				 print_heads[k->kind], k->name, want, val);
		checked++;
	}
	printf("# %d defaults checked against srrha.conf(5)\n", checked);
	assert_true(checked >= 29);
	free(print);
	free(man);
	srrd_conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_identity_modes),
		cmocka_unit_test(test_known_hosts_modes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_digest_keys),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_man_page),
	};

	return cmocka_run_group_tests(tests, conf_group_setup,
					   conf_group_teardown);
}
