/*
 * ipc_test.c: srrd's real IPC server and metrics over a fake srrd
 * (srrd_fake.c) in a child process, driven by the real srrctl binary and
 * by a raw libqb client (functional, security).
 *
 * Human tables are compared with golden files in fixtures/srrctl/
 * (SRRCTL_UPDATE_GOLDEN=1 rewrites them); srrctl's "now" is fixed with
 * SRRCTL_NOW and the time zone with TZ=UTC. The security tests run srrctl
 * as nobody and need root (skipped otherwise, and the skip is counted).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <qb/qbipcc.h>
#include <qb/qblog.h>
#include <qb/qbloop.h>

#include "agent/srrd_ipc.h"
#include "srrd_fake.h"

#define GROUP	"daemon"	/* the fake's [ipc] group: exists on Debian */

static char dir[] = "/tmp/srr-ipc-XXXXXX";
static char srrctl[1024], golden_dir[1024], logpath[600];
static pid_t server;
static uint16_t http_port;

struct run {
	int rc;
	char out[512 * 1024];
	char err[8 * 1024];
};

/* ------------------------------------------------------------ server */

static void
server_main(void)
{
	qb_loop_t *loop = qb_loop_create();
	struct srrd_ipc *ipc;
	struct srrd_http *http;
	struct srrd *d;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	alarm(300);
	qb_log_init("ipc_test", LOG_DAEMON, LOG_INFO);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
	qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE,
			  "*", LOG_INFO);
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
	d = fake_srrd_new(loop, dir, GROUP);
	if (d == NULL || srrd_ipc_start(d, loop, &ipc) < 0 ||
	    srrd_http_start(d, http_port, &http) < 0)
		_exit(1);
	qb_loop_run(loop);
	_exit(0);
}

/* A free loopback port (a tiny race with other tests is acceptable). */
static uint16_t
free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return 0;
	close(fd);
	return ntohs(sa.sin_port);
}

static bool
server_up(void)
{
	qb_ipcc_connection_t *c;
	int i;

	for (i = 0; i < 100; i++) {
		if ((c = qb_ipcc_connect(srrd_ipc_name(), SRRD_IPC_BUF))) {
			qb_ipcc_disconnect(c);
			return true;
		}
		usleep(50000);
	}
	return false;
}

static void
write_config(void)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/srrha.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return;
	fprintf(f, "[ipc]\ngroup = %s\n", GROUP);
	fclose(f);
	chmod(path, 0644);
	setenv("SRRHA_CONF", path, 1);
}

static int
group_setup(void **state)
{
	const char *top = getenv("TOP_BUILDDIR"), *src = getenv("SRCDIR");
	char name[64];

	if (mkdtemp(dir) == NULL)
		return -1;
	chmod(dir, 0755);
	snprintf(srrctl, sizeof(srrctl), "%s/agent/srrctl", top ? top : "..");
	snprintf(golden_dir, sizeof(golden_dir), "%s/fixtures/srrctl",
		 src ? src : ".");
	snprintf(logpath, sizeof(logpath), "%s/requests.log", dir);
	snprintf(name, sizeof(name), "srrd-test-%d", (int)getpid());
	setenv(SRRD_IPC_NAME_ENV, name, 1);
	setenv("SRRD_FAKE_LOG", logpath, 1);
	setenv("TZ", "UTC", 1);
	snprintf(name, sizeof(name), "%lld", FAKE_NOW_S);
	setenv("SRRCTL_NOW", name, 1);
	unsetenv("NO_COLOR");
	write_config();
	http_port = free_port();
	if ((server = fork()) == 0)
		server_main();
	return server > 0 && server_up() ? 0 : -1;
}

static int
group_teardown(void **state)
{
	char cmd[300];

	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ helpers */

static void
slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* Runs srrctl ARGS (NULL-terminated) as UID/GID (-1: as we are). */
static void
run_as(struct run *r, uid_t uid, gid_t gid, const char *const *args)
{
	char out[600], err[600];
	const char *argv[16] = { srrctl };
	int st, i, fd;
	pid_t pid;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	if ((pid = fork()) == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		dup2(fd, 1);
		fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		dup2(fd, 2);
		fd = open("/dev/null", O_RDONLY);
		dup2(fd, 0);
		if (gid != (gid_t)-1 && (setgroups(0, NULL) < 0 ||
					 setgid(gid) < 0 || setuid(uid) < 0))
			_exit(99);
		execv(srrctl, (char *const *)argv);
		_exit(98);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r->rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

#define RUN(r, ...) do { \
	const char *const a_[] = { __VA_ARGS__, NULL }; \
	run_as((r), (uid_t)-1, (gid_t)-1, a_); \
} while (0)

/* srrctl ARGS exits with RC and prints fixtures/srrctl/NAME, in 80
 * columns. */
#define HUMAN(r, name, want, ...) do { \
	RUN(r, __VA_ARGS__); \
	assert_int_equal((r)->rc, (want)); \
	fits_80((r)->out); \
	golden((name), (r)->out); \
} while (0)

/* Compares TEXT with fixtures/srrctl/NAME, or rewrites it. */
static void
golden(const char *name, const char *text)
{
	static char want[64 * 1024];
	char path[1200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", golden_dir, name);
	if (getenv("SRRCTL_UPDATE_GOLDEN") != NULL) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
		return;
	}
	slurp(path, want, sizeof(want));
	if (strcmp(want, text) != 0)
		fprintf(stderr, "--- %s wanted:\n%s--- got:\n%s", name, want,
			text);
	assert_string_equal(want, text);
}

static void
fits_80(const char *text)
{
	const char *p = text, *nl;

	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (nl - p > 80)
			fprintf(stderr, "too wide: %.*s\n", (int)(nl - p), p);
		/* The manual command lines are exempt: they are cut nowhere. */
		if (strstr(p, "rrstartlpar") == NULL || strstr(p, "rrstartlpar") > nl)
			assert_true(nl - p <= 80);
		if (*nl == '\0')
			break;
	}
}

static struct json_object *
json_out(const struct run *r)
{
	struct json_object *o = json_tokener_parse(r->out);

	if (o == NULL)
		fprintf(stderr, "not JSON (exit %d): %s%s\n", r->rc, r->out,
			r->err);
	assert_non_null(o);
	assert_int_equal(json_object_get_int(
		json_object_object_get(o, "version")), SRRD_IPC_VERSION);
	return o;
}

static const char *
jpath(struct json_object *o, const char *k1, const char *k2,
      const char *k3)
{
	struct json_object *v = o;

	if (k1 && !json_object_object_get_ex(v, k1, &v))
		return NULL;
	if (k2 && !json_object_object_get_ex(v, k2, &v))
		return NULL;
	if (k3 && !json_object_object_get_ex(v, k3, &v))
		return NULL;
	return json_object_get_string(v);
}

/* Sends LEN bytes as they are and returns the reply's error (the reply's
 * JSON in *REPLY). */
static int32_t
raw_request(const void *buf, size_t len, struct json_object **reply)
{
	static char rbuf[SRRD_IPC_BUF];
	qb_ipcc_connection_t *c = qb_ipcc_connect(srrd_ipc_name(),
						  SRRD_IPC_BUF);
	struct qb_ipc_response_header *h = (void *)rbuf;
	ssize_t n;

	assert_non_null(c);
	assert_true(qb_ipcc_send(c, buf, len) >= 0);
	n = qb_ipcc_recv(c, rbuf, sizeof(rbuf), 5000);
	qb_ipcc_disconnect(c);
	assert_true(n > (ssize_t)sizeof(*h));
	assert_int_equal(h->size, n);
	*reply = json_tokener_parse(rbuf + sizeof(*h));
	assert_non_null(*reply);
	return h->error;
}

static int32_t
raw_json(const char *body, struct json_object **reply)
{
	size_t len = sizeof(struct qb_ipc_request_header) + strlen(body) + 1;
	char *buf = calloc(1, len);
	struct qb_ipc_request_header *h = (void *)buf;
	int32_t rc;

	h->id = SRRD_IPC_MSG_REQUEST;
	h->size = (int32_t)len;
	memcpy(buf + sizeof(*h), body, strlen(body) + 1);
	rc = raw_request(buf, len, reply);
	free(buf);
	return rc;
}

static void
log_text(char *buf, size_t len)
{
	slurp(logpath, buf, len);
}

/* -------------------------------------------------------------- reads */

static void
test_status(void **state)
{
	struct run r;
	struct json_object *o;

	HUMAN(&r, "status.txt", 0, "status");

	RUN(&r, "--json", "status");
	assert_int_equal(r.rc, 0);
	o = json_out(&r);
	assert_string_equal(jpath(o, "answered_by", NULL, NULL), "2");
	assert_string_equal(jpath(o, "synced", NULL, NULL), "true");
	assert_string_equal(jpath(o, "data", "cluster", "leader"), "1");
	assert_string_equal(jpath(o, "data", "mode", "paused"), "false");
	assert_string_equal(jpath(o, "data", "protection", "protected"), "4");
	json_object_put(o);
}

static void
test_lpars(void **state)
{
	struct run r;
	struct json_object *o;

	HUMAN(&r, "lpars.txt", 0, "lpars");

	RUN(&r, "lpars", "P950-C", "--json");
	assert_int_equal(r.rc, 0);
	o = json_out(&r);
	assert_int_equal(json_object_array_length(json_object_object_get(
		json_object_object_get(o, "data"), "lpars")), 1);
	json_object_put(o);

	RUN(&r, "lpars", "NOSUCH");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
	assert_non_null(strstr(r.err, "no system NOSUCH"));
}

static void
test_debts(void **state)
{
	struct run r;
	struct json_object *o, *d;

	HUMAN(&r, "debts.txt", SRRCTL_EXIT_PENDING, "debts");

	RUN(&r, "debts", "--older-than", "1h");
	assert_int_equal(r.rc, SRRCTL_EXIT_OLD);
	RUN(&r, "debts", "--older-than", "3h");
	assert_int_equal(r.rc, SRRCTL_EXIT_PENDING);
	RUN(&r, "debts", "--check", "--older-than", "1h");
	assert_int_equal(r.rc, SRRCTL_EXIT_OLD);
	golden("debts_check.txt", r.out);

	RUN(&r, "debts", "--json");
	assert_int_equal(r.rc, SRRCTL_EXIT_PENDING);
	o = json_out(&r);
	d = json_object_array_get_idx(json_object_object_get(
		json_object_object_get(o, "data"), "debts"), 0);
	assert_string_equal(jpath(d, "lpar", NULL, NULL), "db'3");
	assert_string_equal(jpath(d, "cleanup_command", NULL, NULL),
			    "rrstartlpar -o cleanup -m 'P950-B' -p 'db'\\''3'");
	json_object_put(o);
}

/* The words a real shell hands FN when it runs LINE (FN is replaced by a
 * function that prints its arguments). */
static void
shell_words(const char *fn, const char *line, char *out, size_t len)
{
	char cmd[2048];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s() { printf '%%s|' \"$@\"; }; %s", fn,
		 line);
	p = popen(cmd, "r");
	assert_non_null(p);
	out[fread(out, 1, len - 1, p)] = '\0';
	pclose(p);
}

/* The manual command, run by a real shell, hands rrstartlpar exactly the
 * partition's name (the HMC's restricted shell quotes as sh does). */
static void
test_debts_command_quoting(void **state)
{
	struct run r;
	struct json_object *o, *d;
	char out[256];

	RUN(&r, "debts", "--json");
	o = json_out(&r);
	d = json_object_array_get_idx(json_object_object_get(
		json_object_object_get(o, "data"), "debts"), 0);
	shell_words("rrstartlpar", jpath(d, "cleanup_command", NULL, NULL),
		    out, sizeof(out));
	assert_string_equal(out, "-o|cleanup|-m|P950-B|-p|db'3|");
	/* Over SSH: the local shell leaves the HMC's line for the remote. */
	shell_words("ssh", jpath(d, "cleanup_ssh", NULL, NULL), out,
		    sizeof(out));
	assert_string_equal(out, "--|hscroot@10.1.0.5|rrstartlpar -o cleanup "
			    "-m 'P950-B' -p 'db'\\''3'|");
	json_object_put(o);
}

static void
test_history(void **state)
{
	struct run r;
	struct json_object *o;

	HUMAN(&r, "history.txt", 0, "history");
	RUN(&r, "history", "--csv", "--lpar", "db'3");
	assert_int_equal(r.rc, 0);
	golden("history.csv", r.out);
	RUN(&r, "history", "--json", "--since", "90m", "--system", "P950-A");
	assert_int_equal(r.rc, 0);
	o = json_out(&r);
	/* Only app 4 moved in the last 90 minutes: its four rows. */
	assert_int_equal(json_object_array_length(json_object_object_get(
		json_object_object_get(o, "data"), "rows")), 4);
	json_object_put(o);
	RUN(&r, "history", "--since", "yesterday");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	assert_non_null(strstr(r.err, "--since 'yesterday'"));
}

static void
promtool_ok(const char *text)
{
	char path[600], cmd[800];
	FILE *f;

	snprintf(path, sizeof(path), "%s/metrics.prom", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	if (system("command -v promtool >/dev/null") != 0) {
		fprintf(stderr, "promtool missing (Debian package prometheus)\n");
		fail();
	}
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", path);
	assert_int_equal(system(cmd), 0);
}

static void
test_metrics(void **state)
{
	struct run r;

	RUN(&r, "metrics");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "\nsrrha_debts_pending 2\n"));
	assert_non_null(strstr(r.out, "srrha_restarts_total{result=\"ok\"} 5\n"));
	assert_non_null(strstr(r.out, "srrha_gate_refusals_total{part=\"source\"} 2\n"));
	assert_non_null(strstr(r.out, "srrha_hmc_last_poll_age_seconds{hmc=\"hmc2\"} +Inf\n"));
	assert_non_null(strstr(r.out, "srrha_commands_in_flight 1\n"));
	promtool_ok(r.out);
	RUN(&r, "metrics", "--openmetrics");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "# TYPE srrha_restarts counter\n"));
	assert_non_null(strstr(r.out, "\n# EOF\n"));
}

static void
http_get(const char *addr, const char *req, char *buf, size_t len, int *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t n = 0;
	ssize_t k;

	sa.sin_port = htons(http_port);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	buf[0] = '\0';
	*err = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		*err = errno;
		close(fd);
		return;
	}
	assert_true(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	while (n < len - 1 && (k = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = '\0';
	close(fd);
}

static void
test_scrape_endpoint(void **state)
{
	static char buf[256 * 1024];
	char *body;
	int err;

	http_get("127.0.0.1", "GET /metrics HTTP/1.0\r\n\r\n", buf,
		 sizeof(buf), &err);
	assert_int_equal(err, 0);
	assert_memory_equal(buf + 8, " 200 ", 5);
	assert_non_null(strstr(buf, "text/plain; version=0.0.4"));
	body = strstr(buf, "\r\n\r\n");
	assert_non_null(body);
	promtool_ok(body + 4);
	http_get("127.0.0.1", "GET /metrics HTTP/1.0\r\nAccept: "
		 "application/openmetrics-text\r\n\r\n", buf, sizeof(buf), &err);
	assert_non_null(strstr(buf, "application/openmetrics-text"));
	assert_non_null(strstr(buf, "# EOF\n"));
	http_get("127.0.0.1", "GET /secret HTTP/1.0\r\n\r\n", buf,
		 sizeof(buf), &err);
	assert_memory_equal(buf + 8, " 404 ", 5);
	/* Bound to 127.0.0.1 only: another loopback address is refused. */
	http_get("127.0.0.2", "GET /metrics HTTP/1.0\r\n\r\n", buf,
		 sizeof(buf), &err);
	assert_int_equal(err, ECONNREFUSED);
}

/* ------------------------------------------------------------- writes */

static void
test_pause_resume(void **state)
{
	struct run r;
	struct json_object *o;
	char log[4096];

	RUN(&r, "pause", "--reason", "firmware update, change 4711");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "automatic restarts paused\n"
			    "(answered by node 1)\n");
	log_text(log, sizeof(log));
	assert_non_null(strstr(log, "request pause user=root reason=firmware "
			       "update, change 4711\n"));
	RUN(&r, "status", "--json");
	o = json_out(&r);
	assert_string_equal(jpath(o, "data", "mode", "paused"), "true");
	assert_string_equal(jpath(o, "data", "mode", "paused_by"), "root");
	assert_string_equal(jpath(o, "data", "mode", "paused_why"),
			    "firmware update, change 4711");
	json_object_put(o);
	RUN(&r, "status");
	fits_80(r.out);
	assert_non_null(strstr(r.out, "Mode:     automatic restarts PAUSED by "
			       "root since 2027-01-15 07:59:00 (1m00s):\n"
			       "          firmware update, change 4711\n"));
	RUN(&r, "resume", "--json");
	assert_int_equal(r.rc, 0);
	o = json_out(&r);
	assert_string_equal(jpath(o, "data", "text", NULL),
			    "automatic restarts resumed");
	assert_string_equal(jpath(o, "answered_by", NULL, NULL), "1");
	json_object_put(o);
}

static void
test_refusals_name_the_gate(void **state)
{
	struct run r;

	RUN(&r, "confirm", "P950-A", "--reason", "called the site");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
	assert_string_equal(r.err, "srrctl: confirm: refused by the gate: "
			    "source: P950-A is Operating (answered by node 1)\n");
	RUN(&r, "confirm", "NOSUCH", "--reason", "x");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
	assert_non_null(strstr(r.err, "no system NOSUCH in the configuration"));
	RUN(&r, "restart", "db01");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
	assert_non_null(strstr(r.err, "source: P950-A"));
	RUN(&r, "restart", "nolpar");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
	assert_non_null(strstr(r.err, "no partition nolpar"));
	RUN(&r, "abandon", "9.9.9", "--reason", "x");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
	RUN(&r, "abandon", "not-an-id", "--reason", "x");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
	assert_non_null(strstr(r.err, "not an operation id"));
	RUN(&r, "validate", "P950-A/db01");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "P950-A/db01: ok\n(answered by node 1)\n");
	RUN(&r, "replay");
	assert_int_equal(r.rc, SRRCTL_EXIT_REFUSED);
}

/* debts' four exit codes: 1 and 2 above; 0 once every debt is closed
 * (abandoned, with the operator in the history); 3 unreachable. */
static void
test_debts_exit_codes(void **state)
{
	struct run r;

	RUN(&r, "abandon", "7.1.3", "--reason", "cleaned by hand on the HMC");
	assert_int_equal(r.rc, 0);
	RUN(&r, "abandon", "7.1.4", "--reason", "cleaned by hand");
	assert_int_equal(r.rc, 0);
	RUN(&r, "debts", "--older-than", "1m");
	assert_int_equal(r.rc, SRRCTL_EXIT_OK);
	assert_string_equal(r.out, "No cleanup pending.\n");
	RUN(&r, "debts", "--check");
	assert_int_equal(r.rc, SRRCTL_EXIT_OK);
	assert_string_equal(r.out, "SRRHA DEBTS OK - no cleanup pending | "
			    "pending=0;1;;0 oldest=0s;;;0\n");
	RUN(&r, "history", "--lpar", "db'3", "--csv");
	assert_non_null(strstr(r.out, ",abandoned,1,abandoned by root: "
			       "cleaned by hand on the HMC\r\n"));

	setenv(SRRD_IPC_NAME_ENV, "srrd-test-nobody-serves-this", 1);
	RUN(&r, "debts");
	assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
	assert_non_null(strstr(r.err, "srrd is not reachable"));
	RUN(&r, "debts", "--check");
	assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
	assert_memory_equal(r.out, "SRRHA DEBTS UNKNOWN - srrd is not", 33);
	RUN(&r, "debts", "--json");
	assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
	assert_non_null(strstr(r.out, "\"ok\": false"));
	group_teardown(NULL);
	strcpy(dir, "/tmp/srr-ipc-XXXXXX");
	assert_int_equal(group_setup(NULL), 0);
}

/* ------------------------------------------------------------- usage */

static void
test_usage(void **state)
{
	static const char *const cmds[] = { "status", "lpars", "debts",
		"history", "metrics", "validate", "confirm", "pause", "resume",
		"replay", "abandon", "restart" };
	struct run r;
	size_t i;

	RUN(&r, "--help");
	assert_int_equal(r.rc, 0);
	fits_80(r.out);
	assert_memory_equal(r.out, "Usage: srrctl", 13);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		RUN(&r, cmds[i], "--help");
		assert_int_equal(r.rc, 0);
		assert_memory_equal(r.out, "Usage: srrctl [OPTIONS] ", 24);
		fits_80(r.out);
	}
	RUN(&r, "status", "--bogus");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	assert_memory_equal(r.err, "srrctl: unknown option '--bogus'\nUsage:",
			    39);
	RUN(&r, "status", "--reason", "x");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	assert_memory_equal(r.err, "srrctl: status: --reason does not apply\n",
			    40);
	RUN(&r, "pause");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	RUN(&r, "abandon", "--reason", "x");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	RUN(&r, "validate");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	RUN(&r, "debts", "--older-than", "soon");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	RUN(&r, "frobnicate");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
	RUN(&r, "history", "--csv", "--json");
	assert_int_equal(r.rc, SRRCTL_EXIT_USAGE);
}

/* --------------------------------------------------------- malformed */

static void
test_malformed_refused(void **state)
{
	struct qb_ipc_request_header h = { SRRD_IPC_MSG_REQUEST, 0 };
	struct json_object *o;
	char buf[64], *big;
	size_t bigl = SRRD_IPC_REQ_MAX + 4096;

	assert_int_equal(raw_json("{not json", &o), -EBADMSG);
	assert_non_null(strstr(jpath(o, "error", NULL, NULL), "malformed"));
	assert_string_equal(jpath(o, "ok", NULL, NULL), "false");
	json_object_put(o);
	assert_int_equal(raw_json("[1,2]", &o), -EBADMSG);
	json_object_put(o);
	assert_int_equal(raw_json("{\"version\":1}", &o), -EBADMSG);
	json_object_put(o);
	assert_int_equal(raw_json("{\"version\":2,\"command\":\"status\"}",
				  &o), -EPROTO);
	assert_non_null(strstr(jpath(o, "error", NULL, NULL), "version 2"));
	json_object_put(o);
	assert_int_equal(raw_json("{\"version\":1,\"command\":\"rm -rf\"}",
				  &o), -EOPNOTSUPP);
	assert_string_equal(jpath(o, "errno", NULL, NULL), "EOPNOTSUPP");
	json_object_put(o);
	assert_int_equal(raw_json("{\"version\":1,\"command\":\"pause\","
				  "\"args\":{\"reason\":7}}", &o), -EINVAL);
	json_object_put(o);
	assert_int_equal(raw_json("{\"version\":1,\"command\":\"pause\","
				  "\"args\":{\"reason\":\"a\\nb\"}}", &o),
			 -EINVAL);
	json_object_put(o);

	/* The header lies about the size; no NUL; another message id. */
	h.size = 1000;
	memcpy(buf, &h, sizeof(h));
	strcpy(buf + sizeof(h), "{}");
	assert_int_equal(raw_request(buf, sizeof(h) + 3, &o), -EBADMSG);
	json_object_put(o);
	h.size = sizeof(h) + 3;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), "{}x", 3);
	assert_int_equal(raw_request(buf, sizeof(h) + 3, &o), -EBADMSG);
	json_object_put(o);
	h.id = 42;
	memcpy(buf, &h, sizeof(h));
	strcpy(buf + sizeof(h), "{}");
	assert_int_equal(raw_request(buf, sizeof(h) + 3, &o), -EOPNOTSUPP);
	json_object_put(o);

	/* Oversized. */
	big = malloc(bigl);
	memset(big, ' ', bigl);
	((struct qb_ipc_request_header *)big)->id = SRRD_IPC_MSG_REQUEST;
	((struct qb_ipc_request_header *)big)->size = (int32_t)bigl;
	big[bigl - 1] = '\0';
	assert_int_equal(raw_request(big, bigl, &o), -EMSGSIZE);
	json_object_put(o);
	free(big);

	/* A reply larger than the client's buffer (libqb's smallest is about
	 * 12 KiB): refused with its size, and srrctl asks once more with
	 * room for it. */
	{
		static const char q[] = "{\"version\":1,\"command\":\"lpars\","
			"\"args\":{\"system\":\"MANY\"}}";
		qb_ipcc_connection_t *c = qb_ipcc_connect(srrd_ipc_name(), 4096);
		int32_t cap = qb_ipcc_get_buffer_size(c);
		char *rb = malloc((size_t)cap);
		struct qb_ipc_response_header *rh = (void *)rb;
		struct run r;

		h.id = SRRD_IPC_MSG_REQUEST;
		h.size = (int32_t)(sizeof(h) + sizeof(q));
		memcpy(rb, &h, sizeof(h));
		memcpy(rb + sizeof(h), q, sizeof(q));
		assert_true(qb_ipcc_send(c, rb, sizeof(h) + sizeof(q)) >= 0);
		assert_true(qb_ipcc_recv(c, rb, (size_t)cap, 5000) > 0);
		qb_ipcc_disconnect(c);
		assert_int_equal(rh->error, -EMSGSIZE);
		o = json_tokener_parse(rb + sizeof(*rh));
		assert_true(atoi(jpath(o, "size", NULL, NULL)) > cap);
		json_object_put(o);
		free(rb);
		setenv("SRRCTL_IPC_BUF", "4096", 1);
		RUN(&r, "lpars", "MANY", "--json");
		unsetenv("SRRCTL_IPC_BUF");
		assert_int_equal(r.rc, 0);
		o = json_out(&r);
		assert_int_equal(json_object_array_length(json_object_object_get(
			json_object_object_get(o, "data"), "lpars")), 200);
		json_object_put(o);
	}

	/* And the server still answers. */
	assert_int_equal(raw_json("{\"version\":1,\"command\":\"status\"}",
				  &o), 0);
	json_object_put(o);
}

/* ---------------------------------------------------------- security */

static bool
need_root(void)
{
	if (geteuid() == 0)
		return true;
	fprintf(stderr, "not root: cannot run a client as another user\n");
	return false;
}

/* nobody (gid nogroup) is refused at connect: srrctl says who may, and
 * nothing reached srrd. */
static void
test_nobody_refused(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	struct run r;
	char before[4096], after[4096];
	const char *const pause[] = { "pause", "--reason", "x", "--yes", NULL };
	const char *const status[] = { "status", NULL };
	const char *const check[] = { "debts", "--check", NULL };

	if (!need_root())
		skip();
	assert_non_null(pw);
	log_text(before, sizeof(before));
	run_as(&r, pw->pw_uid, pw->pw_gid, pause);
	assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
	assert_string_equal(r.err, "srrctl: pause: permission denied: only "
			    "root or group " GROUP " may use srrd\n");
	run_as(&r, pw->pw_uid, pw->pw_gid, status);
	assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
	run_as(&r, pw->pw_uid, pw->pw_gid, check);
	assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
	assert_string_equal(r.out, "SRRHA DEBTS UNKNOWN - permission denied: "
			    "only root or group " GROUP " may use srrd\n");
	log_text(after, sizeof(after));
	assert_string_equal(before, after);
}

/* The same user with the configured group is let in, and recorded by
 * name. */
static void
test_group_member_allowed(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	struct group *gr = getgrnam(GROUP);
	struct run r;
	char log[4096];
	const char *const status[] = { "status", NULL };
	const char *const pause[] = { "pause", "--reason", "by a member",
				      NULL };

	if (!need_root())
		skip();
	assert_non_null(pw);
	assert_non_null(gr);
	run_as(&r, pw->pw_uid, gr->gr_gid, status);
	assert_int_equal(r.rc, 0);
	run_as(&r, pw->pw_uid, gr->gr_gid, pause);
	assert_int_equal(r.rc, 0);
	log_text(log, sizeof(log));
	assert_non_null(strstr(log, "request pause user=nobody reason=by a "
			       "member\n"));
}

/* ------------------------------------------------- the loop and writes */

/* A write waiting for its answer blocks nobody else; when its client
 * leaves, srrd is told to forget it. */
static void
test_pending_write_cancelled(void **state)
{
	static const char slow[] = "{\"version\":1,\"command\":\"validate\","
		"\"args\":{\"target\":\"slow\"}}";
	size_t len = sizeof(struct qb_ipc_request_header) + sizeof(slow);
	char *buf = calloc(1, len), rbuf[4096], log[8192];
	struct qb_ipc_request_header *h = (void *)buf;
	qb_ipcc_connection_t *c;
	struct run r;

	h->id = SRRD_IPC_MSG_REQUEST;
	h->size = (int32_t)len;
	memcpy(buf + sizeof(*h), slow, sizeof(slow));
	c = qb_ipcc_connect(srrd_ipc_name(), SRRD_IPC_BUF);
	assert_non_null(c);
	assert_true(qb_ipcc_send(c, buf, len) >= 0);
	assert_true(qb_ipcc_recv(c, rbuf, sizeof(rbuf), 200) < 0);
	/* Meanwhile another client is answered. */
	RUN(&r, "status", "--timeout", "2s");
	assert_int_equal(r.rc, 0);
	/* A second request on the same connection is refused (one at a
	 * time), not queued behind the first. */
	assert_true(qb_ipcc_send(c, buf, len) >= 0);
	assert_true(qb_ipcc_recv(c, rbuf, sizeof(rbuf), 2000) > 0);
	assert_non_null(strstr(rbuf + sizeof(struct qb_ipc_response_header),
			       "one request at a time"));
	qb_ipcc_disconnect(c);
	free(buf);
	usleep(300000);
	log_text(log, sizeof(log));
	assert_non_null(strstr(log, "request validate user=root reason=\n"
			       "cancel\n"));
	/* srrctl's own bound: it gives up, says so, exit 3. */
	RUN(&r, "validate", "slow", "--timeout", "2s");
	assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
	assert_non_null(strstr(r.err, "did not answer within 2s"));
}

/* ----------------------------------------------------------- terminal */

/* Runs srrctl ARGS on a pseudo-terminal, typing ANSWER when it asks;
 * returns its exit code, what it wrote in OUT. */
static int
run_tty(const char *answer, char *out, size_t len, const char *const *args)
{
	const char *argv[16] = { srrctl };
	struct pollfd p;
	size_t n = 0;
	ssize_t k;
	int fd, st, i;
	pid_t pid;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	pid = forkpty(&fd, NULL, NULL, NULL);
	assert_true(pid >= 0);
	if (pid == 0) {
		execv(srrctl, (char *const *)argv);
		_exit(98);
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (n < len - 1 && poll(&p, 1, 5000) > 0) {
		if ((k = read(fd, out + n, len - 1 - n)) <= 0)
			break;
		n += (size_t)k;
		out[n] = '\0';
		if (answer != NULL && strstr(out, "[y/N] ")) {
			assert_true(write(fd, answer, strlen(answer)) > 0);
			answer = NULL;
		}
	}
	out[n] = '\0';
	close(fd);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Colour on a terminal only, and never with NO_COLOR. */
static void
test_colour_on_terminal_only(void **state)
{
	static char out[16384];
	const char *const status[] = { "status", NULL };
	struct run r;

	assert_int_equal(run_tty(NULL, out, sizeof(out), status), 0);
	assert_non_null(strstr(out, "\033[31mUNREACHABLE\033[0m"));
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(run_tty(NULL, out, sizeof(out), status), 0);
	unsetenv("NO_COLOR");
	assert_null(strchr(out, '\033'));
	assert_non_null(strstr(out, "UNREACHABLE"));
	RUN(&r, "status");
	assert_null(strchr(r.out, '\033'));
}

/* On a terminal a change asks first: no sends nothing (exit 5), yes sends
 * it; --yes does not ask. */
static void
test_prompt_on_terminal(void **state)
{
	static char out[4096];
	const char *const pause[] = { "pause", "--reason", "asked", NULL };
	const char *const pause_yes[] = { "pause", "--reason", "not asked",
					  "--yes", NULL };
	char before[8192], after[8192];

	log_text(before, sizeof(before));
	assert_int_equal(run_tty("n\n", out, sizeof(out), pause),
			 SRRCTL_EXIT_DECLINED);
	assert_non_null(strstr(out, "Pause automatic restarts on every "
			       "agent.\r\nGo on? [y/N] "));
	assert_non_null(strstr(out, "srrctl: pause: not done"));
	log_text(after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(run_tty("y\n", out, sizeof(out), pause), 0);
	assert_non_null(strstr(out, "automatic restarts paused"));
	assert_int_equal(run_tty(NULL, out, sizeof(out), pause_yes), 0);
	assert_null(strstr(out, "Go on?"));
	log_text(after, sizeof(after));
	assert_non_null(strstr(after, "request pause user=root reason=asked\n"
			       "request pause user=root reason=not asked\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_lpars),
		cmocka_unit_test(test_debts),
		cmocka_unit_test(test_debts_command_quoting),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_scrape_endpoint),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_malformed_refused),
		cmocka_unit_test(test_pause_resume),
		cmocka_unit_test(test_refusals_name_the_gate),
		cmocka_unit_test(test_pending_write_cancelled),
		cmocka_unit_test(test_colour_on_terminal_only),
		cmocka_unit_test(test_prompt_on_terminal),
		cmocka_unit_test(test_debts_exit_codes),
		cmocka_unit_test(test_nobody_refused),
		cmocka_unit_test(test_group_member_allowed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
