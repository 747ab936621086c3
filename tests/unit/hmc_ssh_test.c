/*
 * hmc_ssh_test.c: the SSH transport against a real OpenSSH server on
 * loopback (functional, security).
 *
 * The group setup generates keys and a test-only sshd_config with
 * tests/fixtures/ssh/sshd-setup.sh and runs /usr/sbin/sshd on a free port of
 * 127.0.0.1; its ForceCommand, hmc-standin.sh, stands in for the HMC's
 * commands. sshd dies with this program (PR_SET_PDEATHSIG) even if a test
 * crashes; the group teardown stops it and removes the directory. The
 * last test puts hmcsim (sim/) in sshd's place, for what srrd relies on in
 * the simulator: several channels of one session at once.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "hmc/hmc.h"

#define SSHD "/usr/sbin/sshd"

static struct {
	char dir[64];
	char setup[4096];
	uint16_t port;
	pid_t pid;
} E;

/* A file in the test directory (a few live at once, in rotation). */
static const char *
P(const char *name)
{
	static char paths[8][128];
	static unsigned int next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", E.dir, name);
	return p;
}

/* SRR_TEST_TIME_FACTOR (tests/valgrind-test.sh sets 5): the bounds of the
 * tests that time channels, for a client slowed down by valgrind. */
static int64_t
time_factor(void)
{
	const char *s = getenv("SRR_TEST_TIME_FACTOR");
	long f = s != NULL ? strtol(s, NULL, 10) : 1;

	return f >= 1 && f <= 20 ? f : 1;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int
run_setup(const char *extra)
{
	char port[8];
	pid_t pid;
	int st;

	snprintf(port, sizeof(port), "%u", E.port);
	pid = fork();
	if (pid == 0) {
		execl("/bin/bash", "bash", E.setup, E.dir, port, extra, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static uint16_t
free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port = 0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static bool
port_open(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(E.port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static char *
slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
sshd_start(void)
{
	int i, fd;

	E.pid = fork();
	if (E.pid == 0) {
		/* Never outlive the test, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setpgid(0, 0);
		fd = open(P("sshd.log"), O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* sshd re-executes itself: argv[0] must be absolute. */
		execl(SSHD, SSHD, "-D", "-e", "-f", P("sshd_config"), (char *)NULL);
		_exit(127);
	}
	if (E.pid < 0)
		return -1;
	for (i = 0; i < 250; i++) {
		if (port_open())
			return 0;
		if (waitpid(E.pid, NULL, WNOHANG) == E.pid)
			break;
		sleep_ms(20);
	}
	fprintf(stderr, "# sshd did not start: %s\n", slurp(P("sshd.log")));
	return -1;
}

static void
sshd_stop(void)
{
	int i;

	if (E.pid <= 0)
		return;
	kill(E.pid, SIGTERM);
	for (i = 0; i < 100 && waitpid(E.pid, NULL, WNOHANG) == 0; i++)
		sleep_ms(20);
	if (i == 100) {
		kill(E.pid, SIGKILL);
		waitpid(E.pid, NULL, 0);
	}
	E.pid = 0;
}

static void
kill_adopted(void)
{
	char path[64], buf[512], *p;
	struct dirent *d;
	DIR *dir = opendir("/proc");
	FILE *f;
	int ppid;

	while (dir != NULL && (d = readdir(dir)) != NULL) {
		snprintf(path, sizeof(path), "/proc/%.20s/stat", d->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p != NULL && sscanf(p, ") %*c %d", &ppid) == 1 && ppid == getpid())
			kill(atoi(d->d_name), SIGKILL);
	}
	if (dir != NULL)
		closedir(dir);
}

/* Reap every process we adopted: sessions end by themselves once their
 * client closed; whatever is left after a second is killed. */
static void
reap_all(void)
{
	pid_t pid;
	int i;

	for (i = 0; i < 150; i++) {
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (pid < 0)
			return;		/* no child left */
		if (i >= 50)
			kill_adopted();
		sleep_ms(20);
	}
	fprintf(stderr, "# some adopted processes did not die\n");
}

static int
group_setup(void **state)
{
	const char *srcdir = getenv("SRCDIR");

	(void)state;
	/* sshd's session processes outlive the listener we stop: adopt them,
	 * so that the teardown can reap them rather than leave zombies. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* Debian's sshd refuses to start as root without this directory. */
	if (geteuid() == 0)
		mkdir("/run/sshd", 0755);
	snprintf(E.setup, sizeof(E.setup), "%s/fixtures/ssh/sshd-setup.sh",
		 srcdir ? srcdir : ".");
	snprintf(E.dir, sizeof(E.dir), "/tmp/srrha-ssh-XXXXXX");
	if (mkdtemp(E.dir) == NULL)
		return -1;
	E.port = free_port();
	if (E.port == 0 || run_setup(NULL) < 0)
		return -1;
	return sshd_start();
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	sshd_stop();
	reap_all();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", E.dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct hmc_conn_opts
opts(void)
{
	struct passwd *pw = getpwuid(geteuid());
	struct hmc_conn_opts o = {
		.host = "127.0.0.1",
		.port = E.port,
		.known_hosts = P("known_hosts"),
		.identity = P("client_key"),
		.connect_timeout_ms = 5000,
		.command_timeout_ms = 10000,
	};

	o.user = pw != NULL ? pw->pw_name : "root";
	return o;
}

static struct hmc_conn *
conn_with(const struct hmc_conn_opts *o)
{
	struct hmc_conn *c = NULL;

	assert_int_equal(hmc_conn_new(o, &c), 0);
	assert_non_null(c);
	return c;
}

/* Run CMD, expect 0, and check its exit status. */
static void
run_ok(struct hmc_conn *c, const char *cmd, int status, struct hmc_result *r)
{
	int rc = hmc_conn_run(c, cmd, r);

	if (rc != 0)
		fprintf(stderr, "# %s: %d %s\n", cmd, rc, hmc_conn_error(c));
	assert_int_equal(rc, 0);
	assert_int_equal(r->exit_status, status);
	assert_non_null(r->out);
	assert_non_null(r->err);
}

/* ssh-keygen's own SHA256 fingerprint of the server's current host key. */
static void
host_fingerprint(char *fp, size_t len)
{
	char cmd[256], line[512], word[128];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ssh-keygen -lf '%s'", P("host_key.pub"));
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	pclose(f);
	assert_int_equal(sscanf(line, "%*d %127s", word), 1);
	assert_true(strncmp(word, "SHA256:", 7) == 0);
	snprintf(fp, len, "%s", word);
}

static void
test_command_output(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c = conn_with(&o);
	struct hmc_result r;

	assert_false(hmc_conn_connected(c));
	run_ok(c, "lssyscfg -r sys -F name,state", 0, &r);
	assert_string_equal(r.out, "Server-8286-42A-SN21ABCDE,Operating\n"
			    "Server-9009-22A-SN7812345,Power Off\n");
	assert_int_equal(r.out_len, strlen(r.out));
	assert_int_equal(r.err_len, 0);
	assert_string_equal(r.code, "");
	assert_true(hmc_conn_connected(c));
	assert_int_equal(hmc_conn_connects(c), 1);
	hmc_result_free(&r);
	assert_null(r.out);
	hmc_conn_free(c);
}

static void
test_exit_status_and_code(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c = conn_with(&o);
	struct hmc_result r;

	run_ok(c, "chsysstate -m sys1 -r sys -o on", 1, &r);
	assert_string_equal(r.code, "HSCLA9CE");
	assert_non_null(strstr(r.err, "not in a valid state"));
	assert_int_equal(r.out_len, 0);
	hmc_result_free(&r);
	/* stdout's code wins over stderr's */
	run_ok(c, "both", 1, &r);
	assert_string_equal(r.code, "HSCL1234");
	hmc_result_free(&r);
	run_ok(c, "exit 3", 3, &r);
	assert_string_equal(r.code, "");
	hmc_result_free(&r);
	run_ok(c, "nosuchcommand", 127, &r);
	hmc_result_free(&r);
	/* a failing command is not a transport failure: same session */
	assert_int_equal(hmc_conn_connects(c), 1);
	hmc_conn_free(c);
}

static void
test_unknown_host_key(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c;
	struct hmc_result r;
	const char *kh = P("other_known_hosts");
	char fp[128], hostport[32], before[8192];
	int fds = count_fds();
	FILE *f;

	host_fingerprint(fp, sizeof(fp));
	/* A known_hosts that knows this key, but for another port only. */
	f = fopen(kh, "w");
	assert_non_null(f);
	fprintf(f, "[127.0.0.1]:1 %s", slurp(P("host_key.pub")));
	fclose(f);
	snprintf(before, sizeof(before), "%s", slurp(kh));
	o.known_hosts = kh;
	c = conn_with(&o);
	assert_int_equal(hmc_conn_run(c, "echo hi", &r), -EBADE);
	fprintf(stderr, "# %s\n", hmc_conn_error(c));
	assert_null(r.out);
	snprintf(hostport, sizeof(hostport), "127.0.0.1:%u", E.port);
	assert_non_null(strstr(hmc_conn_error(c), hostport));
	assert_non_null(strstr(hmc_conn_error(c), fp));
	assert_string_equal(slurp(kh), before);
	assert_false(hmc_conn_connected(c));
	assert_int_equal(hmc_conn_connects(c), 0);
	hmc_conn_free(c);

	/* No known_hosts at all: refused, and none is created. */
	o.known_hosts = P("missing_known_hosts");
	c = conn_with(&o);
	assert_int_equal(hmc_conn_run(c, "echo hi", &r), -EBADE);
	assert_non_null(strstr(hmc_conn_error(c), fp));
	assert_int_equal(access(o.known_hosts, F_OK), -1);
	hmc_conn_free(c);
	assert_int_equal(count_fds(), fds);	/* refused sockets closed */
}

static void
test_command_timeout(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c;
	struct hmc_result r;
	int64_t t0, el;
	int fds = count_fds();

	o.command_timeout_ms = 1000;
	c = conn_with(&o);
	t0 = now_ms();
	assert_int_equal(hmc_conn_run(c, "sleep 20", &r), -ETIMEDOUT);
	el = now_ms() - t0;
	assert_true(el >= 900 && el < 5000);
	assert_null(r.out);
	assert_non_null(strstr(hmc_conn_error(c), "timed out"));
	/* The half-read session is gone; the next command gets a clean one. */
	assert_false(hmc_conn_connected(c));
	run_ok(c, "echo after", 0, &r);
	assert_string_equal(r.out, "after\n");
	assert_int_equal(hmc_conn_connects(c), 2);
	hmc_result_free(&r);
	hmc_conn_free(c);
	assert_int_equal(count_fds(), fds);
}

static void
test_dropped_connection(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c = conn_with(&o);
	struct hmc_result r;

	run_ok(c, "echo before", 0, &r);
	hmc_result_free(&r);
	assert_int_equal(hmc_conn_run(c, "drop", &r), -ECONNRESET);
	assert_null(r.out);
	assert_false(hmc_conn_connected(c));
	assert_int_equal(hmc_conn_connects(c), 1);
	run_ok(c, "echo again", 0, &r);
	assert_string_equal(r.out, "again\n");
	assert_int_equal(hmc_conn_connects(c), 2);
	hmc_result_free(&r);
	hmc_conn_free(c);
}

/* The server closes the session between two commands (an HMC's idle
 * timeout): the next command was never sent, so it runs on a new one. */
static void
test_idle_drop(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c = conn_with(&o);
	struct hmc_result r;

	run_ok(c, "idledrop", 0, &r);
	hmc_result_free(&r);
	sleep_ms(800);
	run_ok(c, "echo next", 0, &r);
	assert_string_equal(r.out, "next\n");
	assert_int_equal(hmc_conn_connects(c), 2);
	hmc_result_free(&r);
	hmc_conn_free(c);
}

static void
test_session_reused(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c = conn_with(&o);
	struct hmc_result r;
	char cmd[32], want[32];
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(cmd, sizeof(cmd), "echo %d", i);
		snprintf(want, sizeof(want), "%d\n", i);
		run_ok(c, cmd, 0, &r);
		assert_string_equal(r.out, want);
		hmc_result_free(&r);
	}
	assert_int_equal(hmc_conn_connects(c), 1);
	hmc_conn_free(c);
}

/* Run the channels of C until each is done or LIMIT_MS passes. */
static void
chans_wait(struct hmc_conn *c, struct hmc_chan **ch, int n, int64_t limit_ms)
{
	int64_t end = now_ms() + limit_ms;
	int i, done;

	do {
		hmc_conn_poll(c, 100);
		for (i = done = 0; i < n; i++)
			done += hmc_chan_done(ch[i]);
	} while (done < n && now_ms() < end);
	assert_int_equal(done, n);
}

/* HMC_CHANNELS_MAX commands at once on one session: they overlap (8
 * sleeps of 1 s take far less than 8 s), each gets its own output, no
 * second handshake, and one more is refused while they run. */
static void
test_channels_parallel(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c = conn_with(&o);
	struct hmc_chan *ch[HMC_CHANNELS_MAX], *extra;
	struct hmc_result r;
	char cmd[32], want[32];
	int64_t t0;
	int i;

	t0 = now_ms();
	for (i = 0; i < HMC_CHANNELS_MAX; i++)
		assert_int_equal(hmc_conn_start(c, "sleep 1", &ch[i]), 0);
	assert_int_equal(hmc_conn_start(c, "echo x", &extra), -EBUSY);
	chans_wait(c, ch, HMC_CHANNELS_MAX, 10000 * time_factor());
	assert_true(now_ms() - t0 < 4000 * time_factor());
	for (i = 0; i < HMC_CHANNELS_MAX; i++) {
		assert_int_equal(hmc_chan_finish(ch[i], &r), 0);
		assert_int_equal(r.exit_status, 0);
		hmc_result_free(&r);
	}
	for (i = 0; i < HMC_CHANNELS_MAX; i++) {
		snprintf(cmd, sizeof(cmd), "echo %d", i);
		assert_int_equal(hmc_conn_start(c, cmd, &ch[i]), 0);
	}
	chans_wait(c, ch, HMC_CHANNELS_MAX, 10000);
	for (i = 0; i < HMC_CHANNELS_MAX; i++) {
		snprintf(want, sizeof(want), "%d\n", i);
		assert_int_equal(hmc_chan_finish(ch[i], &r), 0);
		assert_string_equal(r.out, want);
		hmc_result_free(&r);
	}
	assert_int_equal(hmc_conn_connects(c), 1);
	hmc_conn_free(c);
}

/* A dropped session ends every channel on it as unknown (-ECONNRESET);
 * a command past its timeout ends alone with -ETIMEDOUT. */
static void
test_channels_drop_and_timeout(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c;
	struct hmc_chan *ch[3];
	struct hmc_result r;
	int64_t t0;
	int i;

	o.command_timeout_ms = 1000 * time_factor();	/* < sleep 20 */
	c = conn_with(&o);
	assert_int_equal(hmc_conn_start(c, "sleep 20", &ch[0]), 0);
	assert_int_equal(hmc_conn_start(c, "sleep 20", &ch[1]), 0);
	assert_int_equal(hmc_conn_start(c, "drop", &ch[2]), 0);
	chans_wait(c, ch, 3, 5000 * time_factor());
	for (i = 0; i < 3; i++)
		assert_int_equal(hmc_chan_finish(ch[i], &r), -ECONNRESET);
	assert_false(hmc_conn_connected(c));
	t0 = now_ms();
	assert_int_equal(hmc_conn_start(c, "sleep 20", &ch[0]), 0);
	assert_int_equal(hmc_conn_start(c, "echo ok", &ch[1]), 0);
	chans_wait(c, ch, 2, 5000 * time_factor());
	assert_true(now_ms() - t0 >= 900 * time_factor());
	assert_int_equal(hmc_chan_finish(ch[0], &r), -ETIMEDOUT);
	assert_int_equal(hmc_chan_finish(ch[1], &r), 0);
	assert_string_equal(r.out, "ok\n");
	hmc_result_free(&r);
	assert_int_equal(hmc_conn_connects(c), 2);
	hmc_conn_free(c);
}

/* libssh closes the socket itself once it reads the server's EOF; the
 * session dropped after that must not close that number again: by then
 * another thread may have it (here, the files opened in between). */
static void
test_drop_closes_nothing_else(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c = conn_with(&o);
	struct hmc_chan *ch;
	int fd[32], i;

	assert_int_equal(hmc_conn_start(c, "drop", &ch), 0);
	chans_wait(c, &ch, 1, 5000 * time_factor());
	for (i = 0; i < 32; i++)	/* the lowest free numbers */
		assert_true((fd[i] = open("/dev/null", O_RDONLY)) >= 0);
	assert_int_equal(hmc_chan_finish(ch, NULL), -ECONNRESET);
	hmc_conn_close(c);
	for (i = 0; i < 32; i++) {
		assert_int_not_equal(fcntl(fd[i], F_GETFD), -1);
		close(fd[i]);
	}
	hmc_conn_free(c);
}

static void
test_backoff(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c;
	struct hmc_result r;
	int64_t t0;

	o.backoff_min_ms = 300;
	o.backoff_max_ms = 600;
	c = conn_with(&o);
	sshd_stop();
	assert_int_equal(hmc_conn_run(c, "echo hi", &r), -ECONNREFUSED);
	assert_non_null(strstr(hmc_conn_error(c), "127.0.0.1"));
	t0 = now_ms();
	assert_int_equal(hmc_conn_run(c, "echo hi", &r), -EAGAIN);
	assert_true(now_ms() - t0 < 100);	/* answered, not slept */
	assert_non_null(strstr(hmc_conn_error(c), "backoff"));
	sleep_ms(350);
	/* Backoff over: one more attempt, refused; now the wait doubles. */
	assert_int_equal(hmc_conn_run(c, "echo hi", &r), -ECONNREFUSED);
	assert_int_equal(sshd_start(), 0);
	sleep_ms(350);
	assert_int_equal(hmc_conn_run(c, "echo hi", &r), -EAGAIN);
	sleep_ms(300);
	run_ok(c, "echo back", 0, &r);
	assert_string_equal(r.out, "back\n");
	assert_int_equal(hmc_conn_connects(c), 1);
	hmc_result_free(&r);
	hmc_conn_free(c);
}

static void
test_auth_refused(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c;
	struct hmc_result r;
	int fds = count_fds();

	o.identity = P("wrong_key");
	c = conn_with(&o);
	assert_int_equal(hmc_conn_run(c, "echo hi", &r), -EACCES);
	fprintf(stderr, "# %s\n", hmc_conn_error(c));
	assert_non_null(strstr(hmc_conn_error(c), "refused"));
	assert_int_equal(hmc_conn_connects(c), 0);
	hmc_conn_free(c);

	o.identity = P("no_such_key");
	c = conn_with(&o);
	assert_int_equal(hmc_conn_run(c, "echo hi", &r), -EACCES);
	assert_non_null(strstr(hmc_conn_error(c), "no_such_key"));
	hmc_conn_free(c);
	assert_int_equal(count_fds(), fds);
}

/* An encrypted identity opens with its passphrase (fence_lpar's password=),
 * and without it or with a wrong one fails saying so. */
static void
test_encrypted_identity(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c;
	struct hmc_result r;
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && ssh-keygen -q -p -P '' -N 'pass phrase' -f '%s'",
		 P("client_key"), P("enc_key"), P("enc_key"));
	assert_int_equal(system(cmd), 0);
	o.identity = P("enc_key");
	o.passphrase = "pass phrase";
	c = conn_with(&o);
	run_ok(c, "echo hi", 0, &r);
	hmc_result_free(&r);
	hmc_conn_free(c);

	o.passphrase = NULL;
	c = conn_with(&o);
	assert_int_equal(hmc_conn_run(c, "echo hi", &r), -EACCES);
	assert_non_null(strstr(hmc_conn_error(c), "passphrase"));
	hmc_conn_free(c);

	o.passphrase = "wrong";
	c = conn_with(&o);
	assert_int_equal(hmc_conn_run(c, "echo hi", &r), -EACCES);
	assert_non_null(strstr(hmc_conn_error(c), "wrong passphrase"));
	hmc_conn_free(c);
}

static void
test_output_cap(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c;
	struct hmc_result r;

	o.max_output = 65536;
	c = conn_with(&o);
	assert_int_equal(hmc_conn_run(c, "big 1000000", &r), -EFBIG);
	assert_null(r.out);
	assert_int_equal(hmc_conn_run(c, "big 70000 err", &r), -EFBIG);
	/* exactly the cap is fine, and the session survived the cut */
	run_ok(c, "big 65536", 0, &r);
	assert_int_equal(r.out_len, 65536);
	assert_int_equal(strlen(r.out), 65536);
	hmc_result_free(&r);
	assert_int_equal(hmc_conn_connects(c), 1);
	hmc_conn_free(c);
}

/* A server that accepts TCP but never speaks SSH. */
static void
test_handshake_timeout(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c;
	struct hmc_result r;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int64_t t0, el;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	o.port = ntohs(sa.sin_port);
	o.connect_timeout_ms = 500;
	c = conn_with(&o);
	t0 = now_ms();
	assert_int_equal(hmc_conn_run(c, "echo hi", &r), -ETIMEDOUT);
	el = now_ms() - t0;
	assert_true(el >= 400 && el < 3000);
	fprintf(stderr, "# %s\n", hmc_conn_error(c));
	hmc_conn_free(c);
	close(fd);
}

static void
test_bad_arguments(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c = NULL;
	struct hmc_result r;

	o.known_hosts = NULL;
	assert_int_equal(hmc_conn_new(&o, &c), -EINVAL);
	assert_null(c);
	o = opts();
	o.identity = NULL;
	assert_int_equal(hmc_conn_new(&o, &c), -EINVAL);
	o = opts();
	c = conn_with(&o);
	/* a second command smuggled after a newline never reaches the HMC */
	assert_int_equal(hmc_conn_run(c, "echo a\nchsysstate -o off", &r), -EINVAL);
	assert_int_equal(hmc_conn_run(c, "", &r), -EINVAL);
	assert_int_equal(hmc_conn_connects(c), 0);
	hmc_conn_free(c);
}

/* Last: replaces the server's host key. */
static void
test_changed_host_key(void **state)
{
	struct hmc_conn_opts o = opts();
	struct hmc_conn *c = conn_with(&o);
	struct hmc_result r;
	char fp[128], before[8192];

	run_ok(c, "echo old", 0, &r);
	hmc_result_free(&r);
	hmc_conn_close(c);
	sshd_stop();
	assert_int_equal(run_setup("rekey"), 0);
	assert_int_equal(sshd_start(), 0);
	host_fingerprint(fp, sizeof(fp));
	snprintf(before, sizeof(before), "%s", slurp(P("known_hosts")));
	assert_int_equal(hmc_conn_run(c, "echo hi", &r), -EBADE);
	assert_non_null(strstr(hmc_conn_error(c), fp));
	assert_non_null(strstr(hmc_conn_error(c), "CHANGED"));
	assert_string_equal(slurp(P("known_hosts")), before);
	hmc_conn_free(c);

	/* With the new key listed, the same server is accepted again. */
	assert_int_equal(rename(P("known_hosts.new"), P("known_hosts")), 0);
	c = conn_with(&o);
	run_ok(c, "echo new", 0, &r);
	hmc_result_free(&r);
	hmc_conn_free(c);
}

/* ------------------------------------------------------------ hmcsim */

/* hmcsim (sim/) in sshd's place: the same port and host key, so that
 * known_hosts holds; stopped as sshd is (E.pid), even after a failure.
 * A source with one partition; validation takes 10 s x 0.1. */
static int
hmcsim_start(void)
{
	const char *top = getenv("TOP_BUILDDIR");
	char bin[4096], listen[32];
	FILE *f;
	int i, fd;

	snprintf(bin, sizeof(bin), "%s/sim/hmcsim", top ? top : "..");
	if (access(bin, X_OK) != 0)
		return -1;
	f = fopen(P("sim.ini"), "w");
	if (f == NULL)
		return -1;
	fprintf(f, "[system src]\nstate = Operating\nsrr_capable = 1\n\n"
		"[lpar src/a]\nid = 1\nstate = Running\nsrr_capable = 1\n\n"
		"[system dst]\nstate = Operating\nsrr_capable = 1\n");
	fclose(f);
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", E.port);
	E.pid = fork();
	if (E.pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(P("hmcsim.log"), O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(bin, bin, "--topology", P("sim.ini"), "--listen", listen,
		      "--host-key", P("host_key"), "--authorized-keys",
		      P("authorized_keys"), "--time-scale", "0.1", (char *)NULL);
		_exit(127);
	}
	for (i = 0; E.pid > 0 && i < 250; i++) {
		if (port_open())
			return 0;
		if (waitpid(E.pid, NULL, WNOHANG) == E.pid)
			break;
		sleep_ms(20);
	}
	fprintf(stderr, "# hmcsim did not start: %s\n", slurp(P("hmcsim.log")));
	E.pid = 0;
	return -1;
}

/* hmcsim runs the channels of one session at once, as an HMC does:
 * HMC_CHANNELS_MAX validations of 1 s on one connection end in about
 * 1 s, not one after another (8 s), each with its answer. */
static void
test_hmcsim_channels(void **state)
{
	const char *cmd = "rrstartlpar -o validate -m src -p a -t dst";
	struct hmc_conn_opts o = opts();
	struct hmc_chan *ch[HMC_CHANNELS_MAX];
	struct hmc_conn *c;
	struct hmc_result r;
	int64_t t0, took;
	int i;

	sshd_stop();
	if (hmcsim_start() < 0) {
		assert_int_equal(sshd_start(), 0);
		skip();
	}
	c = conn_with(&o);
	run_ok(c, "lssyscfg -r sys -F name", 0, &r);
	assert_string_equal(r.out, "src\ndst\n");
	hmc_result_free(&r);
	t0 = now_ms();
	for (i = 0; i < HMC_CHANNELS_MAX; i++)
		assert_int_equal(hmc_conn_start(c, cmd, &ch[i]), 0);
	chans_wait(c, ch, HMC_CHANNELS_MAX, 15000 * time_factor());
	took = now_ms() - t0;
	fprintf(stderr, "# hmcsim: %d validations of 1 s on one session in "
		"%lld ms\n", HMC_CHANNELS_MAX, (long long)took);
	for (i = 0; i < HMC_CHANNELS_MAX; i++) {
		assert_int_equal(hmc_chan_finish(ch[i], &r), 0);
		assert_int_equal(r.exit_status, 0);
		hmc_result_free(&r);
	}
	assert_true(took >= 900);
	assert_true(took < 3000 * time_factor());
	assert_int_equal(hmc_conn_connects(c), 1);
	hmc_conn_free(c);
	sshd_stop();
	assert_int_equal(sshd_start(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_command_output),
		cmocka_unit_test(test_exit_status_and_code),
		cmocka_unit_test(test_unknown_host_key),
		cmocka_unit_test(test_auth_refused),
		cmocka_unit_test(test_encrypted_identity),
		cmocka_unit_test(test_command_timeout),
		cmocka_unit_test(test_dropped_connection),
		cmocka_unit_test(test_idle_drop),
		cmocka_unit_test(test_session_reused),
		cmocka_unit_test(test_channels_parallel),
		cmocka_unit_test(test_channels_drop_and_timeout),
		cmocka_unit_test(test_drop_closes_nothing_else),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_handshake_timeout),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_changed_host_key),
		cmocka_unit_test(test_hmcsim_channels),
	};

	if (access(SSHD, X_OK) != 0) {
		printf("1..0 # SKIP %s not installed\n", SSHD);
		return 0;	/* TAP: counted as skipped */
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
