/*
 * ipc_harness.c: the IPC tests' fake srrd server and helpers
 * (ipc_harness.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <qb/qbipcc.h>
#include <qb/qblog.h>
#include <qb/qbloop.h>

#include "agent/srrd_ipc.h"
#include "srrd_fake.h"
#include "ipc_harness.h"

char dir[] = "/tmp/srr-ipc-XXXXXX";
char srrctl[1024], logpath[600];
uint16_t http_port;
static char golden_dir[1024];
static pid_t server;

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

int
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

int
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

void
slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* Runs srrctl ARGS (NULL-terminated) as UID/GID (-1: as we are). */
void
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

/* Compares TEXT with fixtures/srrctl/NAME, or rewrites it. */
void
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

void
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

struct json_object *
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

const char *
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

int32_t
raw_request(const void *buf, size_t len, struct json_object **reply)
{
	static char rbuf[SRRD_IPC_BUF] __attribute__((aligned(8)));
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

int32_t
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

void
log_text(char *buf, size_t len)
{
	slurp(logpath, buf, len);
}

void
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

bool
need_root(void)
{
	if (geteuid() == 0)
		return true;
	fprintf(stderr, "not root: cannot run a client as another user\n");
	return false;
}
