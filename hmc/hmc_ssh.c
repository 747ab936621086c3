/*
 * hmc_ssh.c: the SSH transport to the HMC (libssh client).
 *
 * One persistent SSH session per struct hmc_conn and one channel per
 * command, as the HMC's own CLI users do: a new TCP connection, key exchange
 * and authentication per command costs far more than a channel.
 *
 * The host key is checked strictly against the one known_hosts file given
 * in the options: an unknown or changed key is refused, never asked about,
 * never written. ~/.ssh/config and the global known_hosts are not read, so
 * nothing but our own configuration decides whom we trust.
 *
 * Commands run on the session in non-blocking mode, driven by poll() on a
 * monotonic deadline, so that a hung HMC command costs at most its timeout.
 * A session that timed out or dropped is thrown away: the next command must
 * never read what was left of the previous one.
 */
#define SRR_LOG_TAG "hmc-ssh"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <qb/qblog.h>

#include "hmc.h"
#include "include/srr_log.h"

#define HMC_SSH_PORT			22
#define HMC_CONNECT_TIMEOUT_MS		10000
#define HMC_COMMAND_TIMEOUT_MS		300000
#define HMC_BACKOFF_MIN_MS		500
#define HMC_BACKOFF_MAX_MS		30000
/* Longest single poll() while a command runs: a safety net in case libssh
 * holds data we did not see it buffer (it only progresses when called). */
#define HMC_POLL_SLICE_MS		100
#define HMC_READ_CHUNK			16384


struct hmc_conn {
	char *host;
	char *user;
	char *identity;
	char *password;
	char *passphrase;
	char *known_hosts;
	unsigned int port;
	int connect_timeout_ms;
	int command_timeout_ms;
	int backoff_min_ms;
	int backoff_max_ms;
	size_t max_output;

	ssh_session session;		/* NULL when not connected */
	int fd;				/* its socket: ours, libssh leaves it open */
	unsigned int connects;		/* successful connections so far */
	int backoff_ms;			/* current delay; 0 after a success */
	int64_t retry_at_ms;		/* monotonic; no attempt before this */
	char connect_error[384];	/* why the last connect failed */
	char error[512];
	struct hmc_chan *chans;		/* commands running (hmc_conn_start) */
	unsigned int nchans;
};

/* A growing byte buffer, capped by the caller. */
struct ssh_out {
	char *s;
	size_t len;
	size_t cap;
};

static pthread_once_t ssh_init_once = PTHREAD_ONCE_INIT;
static int ssh_init_rc;

static void
ssh_init_global(void)
{
	ssh_init_rc = ssh_init();
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
set_error(struct hmc_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
set_error(struct hmc_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	srr_log(LOG_WARNING, "%s", c->error);
}

/* ------------------------------------------------------------------------ */
/* Results                                                                  */
/* ------------------------------------------------------------------------ */

static void
result_init(struct hmc_result *r)
{
	memset(r, 0, sizeof(*r));
	r->exit_status = -1;
}

void
hmc_result_free(struct hmc_result *r)
{
	if (r == NULL)
		return;
	free(r->out);
	free(r->err);
	result_init(r);
}

static int
out_append(struct ssh_out *o, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (o->len + n + 1 > o->cap) {
		cap = o->cap ? o->cap : 4096;
		while (cap < o->len + n + 1)
			cap *= 2;
		p = realloc(o->s, cap);
		if (p == NULL)
			return -ENOMEM;
		o->s = p;
		o->cap = cap;
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = '\0';
	return 0;
}

/* Move the collected output into RES (always NUL-terminated strings). */
static int
result_take(struct hmc_result *res, struct ssh_out *out, struct ssh_out *err)
{
	if (out_append(out, "", 0) < 0 || out_append(err, "", 0) < 0)
		return -ENOMEM;
	res->out = out->s;
	res->out_len = out->len;
	res->err = err->s;
	res->err_len = err->len;
	out->s = err->s = NULL;
	if (hmc_find_code(res->out, res->out_len, res->code) < 0 &&
	    hmc_find_code(res->err, res->err_len, res->code) < 0)
		res->code[0] = '\0';
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Connecting                                                               */
/* ------------------------------------------------------------------------ */

/* Our own TCP connect, so that refused, unreachable and timed out come back
 * as errno values rather than as libssh's message text. */
static int
tcp_connect_one(const struct addrinfo *ai, int64_t deadline, int *fdp)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, n, soerr = 0, rc, one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			rc = -errno;
			goto fail;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do {
			int64_t left = deadline - now_ms();

			if (left <= 0) {
				rc = -ETIMEDOUT;
				goto fail;
			}
			n = poll(&pfd, 1, (int)left);
		} while (n == 0 || (n < 0 && errno == EINTR));
		if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) {
			rc = -errno;
			goto fail;
		}
		if (soerr != 0) {
			rc = -soerr;
			goto fail;
		}
	}
	/* Commands and replies are small: without this, Nagle and delayed
	 * ACKs add tens of milliseconds to every round trip. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
		rc = -errno;
		goto fail;
	}
	/* libssh expects a blocking socket and switches it as it needs. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		rc = -errno;
		goto fail;
	}
	*fdp = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

static int
tcp_connect(struct hmc_conn *c, int64_t deadline, int *fdp)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *list, *ai;
	char port[8];
	int rc;

	snprintf(port, sizeof(port), "%u", c->port);
	rc = getaddrinfo(c->host, port, &hints, &list);
	if (rc != 0) {
		set_error(c, "cannot resolve %s: %s", c->host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	rc = -EHOSTUNREACH;
	for (ai = list; ai != NULL; ai = ai->ai_next) {
		rc = tcp_connect_one(ai, deadline, fdp);
		if (rc == 0 || rc == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(list);
	if (rc == 0)
		return 0;
	set_error(c, "cannot connect to %s:%u: %s", c->host, c->port, strerror(-rc));
	if (rc != -ECONNREFUSED && rc != -ETIMEDOUT)
		rc = -EHOSTUNREACH;
	return rc;
}

/* A libssh failure during connect or authentication: a timeout if the
 * deadline passed, otherwise the server went away or broke the protocol. */
static int
ssh_failure(struct hmc_conn *c, ssh_session s, int64_t deadline, const char *what)
{
	bool late = now_ms() >= deadline;

	set_error(c, "%s with %s:%u failed: %s%s", what, c->host, c->port,
		  ssh_get_error(s), late ? " (timed out)" : "");
	return late ? -ETIMEDOUT : -ECONNRESET;
}

/* libssh's timeout applies to each blocking step of the connect: give
 * each step what is left of the connect deadline. */
static int
session_timeout(ssh_session s, int64_t deadline)
{
	long usec = (long)(deadline - now_ms()) * 1000;
	long sec = 0;

	if (usec < 1000)
		usec = 1000;
	if (ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &sec) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_TIMEOUT_USEC, &usec) < 0)
		return -EINVAL;
	return 0;
}

static int
session_options(struct hmc_conn *c, ssh_session s, int fd, int64_t deadline)
{
	bool no = false;

	if (ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_HOST, c->host) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_PORT, &c->port) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_USER, c->user) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, c->known_hosts) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0 ||
	    session_timeout(s, deadline) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_FD, &fd) < 0) {
		set_error(c, "cannot set SSH options for %s:%u: %s", c->host,
			  c->port, ssh_get_error(s));
		return -EINVAL;
	}
	return 0;
}

static const char *
known_state_text(enum ssh_known_hosts_e st)
{
	switch (st) {
	case SSH_KNOWN_HOSTS_CHANGED:
		return "CHANGED: it differs from the one in";
	case SSH_KNOWN_HOSTS_OTHER:
		return "of another type than the one in";
	case SSH_KNOWN_HOSTS_NOT_FOUND:
		return "unknown: cannot read";
	case SSH_KNOWN_HOSTS_ERROR:
		return "unchecked: error reading";
	default:
		return "unknown: not listed in";
	}
}

/* Strict host key check: only an exact match in our known_hosts passes. */
static int
check_host_key(struct hmc_conn *c, ssh_session s)
{
	enum ssh_known_hosts_e st;
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp = NULL;
	const char *type;

	if (ssh_get_server_publickey(s, &key) < 0 ||
	    ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) < 0 ||
	    (fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen)) == NULL) {
		ssh_key_free(key);
		ssh_clean_pubkey_hash(&hash);
		set_error(c, "no usable host key from %s:%u; refused", c->host, c->port);
		return -EBADE;
	}
	type = ssh_key_type_to_char(ssh_key_type(key));	/* static string */
	ssh_key_free(key);
	ssh_clean_pubkey_hash(&hash);
	st = ssh_session_is_known_server(s);
	if (st == SSH_KNOWN_HOSTS_OK) {
		srr_log(LOG_DEBUG, "host key of %s:%u is %s (known)", c->host, c->port, fp);
		ssh_string_free_char(fp);
		return 0;
	}
	set_error(c, "host key of %s:%u (%s %s) is %s %s; refused, not added",
		  c->host, c->port, type ? type : "?", fp, known_state_text(st), c->known_hosts);
	ssh_string_free_char(fp);
	return -EBADE;
}

static int
auth_key(struct hmc_conn *c, ssh_session s)
{
	ssh_key key = NULL;
	int rc;

	/* A passphrase for a key that has none is ignored by libssh. */
	if (ssh_pki_import_privkey_file(c->identity, c->passphrase, NULL, NULL,
					&key) != SSH_OK) {
		set_error(c, "cannot load identity %s (%s)", c->identity,
			  c->passphrase != NULL ? "wrong passphrase, or not a key" :
			  "encrypted without a passphrase given, or not a key");
		return -EACCES;
	}
	rc = ssh_userauth_publickey(s, NULL, key);
	ssh_key_free(key);
	return rc;
}

/* Key first, then the password if one is configured. */
static int
authenticate(struct hmc_conn *c, ssh_session s, int64_t deadline)
{
	int rc = SSH_AUTH_DENIED;

	if (c->identity != NULL) {
		rc = auth_key(c, s);
		if (rc == -EACCES)
			return rc;
	}
	if (rc == SSH_AUTH_DENIED && c->password != NULL)
		rc = ssh_userauth_password(s, NULL, c->password);
	if (rc == SSH_AUTH_SUCCESS)
		return 0;
	if (rc == SSH_AUTH_ERROR)
		return ssh_failure(c, s, deadline, "authentication");
	set_error(c, "authentication as %s refused by %s:%u (%s)", c->user,
		  c->host, c->port, c->identity ? "key" : "password");
	return -EACCES;
}

static void chans_drop(struct hmc_conn *c);

/* libssh (0.10) leaves a socket handed over with SSH_OPTIONS_FD open at
 * ssh_disconnect() and ssh_free(), but closes it itself once it reads an
 * EOF or an error on it (the server went away), and ssh_get_fd() is -1
 * from then on. Closing it again closed whatever socket another thread
 * had just been given the same number for: a burst of reconnections
 * (every session of a restarted hmcsim) broke the sessions of other
 * workers ("session was closed", "cannot connect: Bad file
 * descriptor"), each of which closed one more on its way out. */
static void
session_drop(struct hmc_conn *c)
{
	bool ours;

	if (c->session == NULL)
		return;
	chans_drop(c);
	ours = c->fd >= 0 && ssh_get_fd(c->session) == c->fd;
	ssh_disconnect(c->session);
	ssh_free(c->session);
	c->session = NULL;
	if (ours)
		close(c->fd);
	c->fd = -1;
}

static int
session_open(struct hmc_conn *c)
{
	int64_t deadline = now_ms() + c->connect_timeout_ms;
	ssh_session s;
	int fd = -1, rc;

	rc = tcp_connect(c, deadline, &fd);
	if (rc < 0)
		return rc;
	s = ssh_new();
	if (s == NULL) {
		close(fd);
		set_error(c, "out of memory");
		return -ENOMEM;
	}
	rc = session_options(c, s, fd, deadline);
	if (rc < 0) {
		close(fd);
		ssh_free(s);
		return rc;
	}
	c->session = s;
	c->fd = fd;
	if (ssh_connect(s) != SSH_OK)
		rc = ssh_failure(c, s, deadline, "SSH handshake");
	if (rc == 0)
		rc = check_host_key(c, s);
	if (rc == 0 && session_timeout(s, deadline) < 0)
		rc = -EINVAL;
	if (rc == 0)
		rc = authenticate(c, s, deadline);
	if (rc < 0)
		session_drop(c);
	return rc;
}

/* Connect unless a backoff is running: a daemon's loop must never sleep
 * here, so during the backoff we answer -EAGAIN at once. */
static int
conn_connect(struct hmc_conn *c)
{
	int64_t now = now_ms();
	int rc;

	if (c->retry_at_ms != 0 && now < c->retry_at_ms) {
		snprintf(c->error, sizeof(c->error),
			 "not reconnecting to %s:%u for %lld ms (backoff); last error: %s",
			 c->host, c->port, (long long)(c->retry_at_ms - now),
			 c->connect_error);
		return -EAGAIN;
	}
	rc = session_open(c);
	if (rc < 0) {
		if (c->backoff_ms == 0)
			c->backoff_ms = c->backoff_min_ms;
		else if (c->backoff_ms < c->backoff_max_ms / 2)
			c->backoff_ms *= 2;
		else
			c->backoff_ms = c->backoff_max_ms;
		c->retry_at_ms = now_ms() + c->backoff_ms;
		snprintf(c->connect_error, sizeof(c->connect_error), "%.*s",
			 (int)sizeof(c->connect_error) - 1, c->error);
		return rc;
	}
	c->backoff_ms = 0;
	c->retry_at_ms = 0;
	c->connects++;
	srr_log(LOG_INFO, "connected to %s:%u as %s (connection %u)", c->host,
		c->port, c->user, c->connects);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Running a command                                                        */
/* ------------------------------------------------------------------------ */

/* The session broke (socket closed, protocol error) rather than the command. */
static bool
session_broken(ssh_session s)
{
	return !ssh_is_connected(s) ||
	       (ssh_get_status(s) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
}

/* Wait for input on the session's socket, at most until DEADLINE. */
static int
wait_input(ssh_session s, int64_t deadline)
{
	struct pollfd pfd = { .fd = ssh_get_fd(s), .events = POLLIN };
	int64_t left = deadline - now_ms();

	if (left <= 0)
		return -ETIMEDOUT;
	if (left > HMC_POLL_SLICE_MS)
		left = HMC_POLL_SLICE_MS;
	if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

/* Nothing to read yet: fail if the session broke, else wait for input. */
static int
wait_more(struct hmc_conn *c, int64_t deadline, const char *when)
{
	if (session_broken(c->session)) {
		set_error(c, "connection to %s:%u lost %s", c->host, c->port, when);
		return -ECONNRESET;
	}
	return wait_input(c->session, deadline);
}

/* Repeat a non-blocking libssh call until it is done. */
#define SSH_RETRY(rc, call, s, deadline, err)				\
	while (((rc) = (call)) == SSH_AGAIN) {				\
		if (((err) = wait_input((s), (deadline))) < 0)		\
			break;						\
	}

static int
channel_start(struct hmc_conn *c, ssh_channel ch, const char *cmd, int64_t deadline)
{
	int rc, err = 0;

	SSH_RETRY(rc, ssh_channel_open_session(ch), c->session, deadline, err);
	/* Nothing was sent yet: tell the caller it may connect and retry. */
	if (err == 0 && rc != SSH_OK && session_broken(c->session)) {
		set_error(c, "session to %s:%u was closed", c->host, c->port);
		return -ENOTCONN;
	}
	if (err == 0 && rc == SSH_OK)
		SSH_RETRY(rc, ssh_channel_request_exec(ch, cmd), c->session, deadline, err);
	if (err < 0) {
		set_error(c, "command on %s:%u did not start within %d ms",
			  c->host, c->port, c->command_timeout_ms);
		return err;
	}
	if (rc == SSH_OK)
		return 0;
	set_error(c, "cannot start a command on %s:%u: %s", c->host, c->port,
		  ssh_get_error(c->session));
	return session_broken(c->session) ? -ECONNRESET : -EPROTO;
}

/* Read what is buffered on one stream: 1 if something came, 0 if nothing
 * (or the stream is finished), -errno on failure. */
static int
read_stream(struct hmc_conn *c, ssh_channel ch, int is_stderr,
	    struct ssh_out *o, size_t *total)
{
	char buf[HMC_READ_CHUNK];
	int n;

	n = ssh_channel_read_nonblocking(ch, buf, sizeof(buf), is_stderr);
	if (n == SSH_EOF)
		return 0;
	if (n < 0) {
		set_error(c, "connection to %s:%u lost during the command: %s",
			  c->host, c->port, ssh_get_error(c->session));
		return -ECONNRESET;
	}
	if ((size_t)n > c->max_output - *total) {
		set_error(c, "output of the command on %s:%u exceeds %zu bytes; cut",
			  c->host, c->port, c->max_output);
		return -EFBIG;
	}
	*total += (size_t)n;
	if (n > 0 && out_append(o, buf, (size_t)n) < 0)
		return -ENOMEM;
	return n > 0;
}

static int
channel_collect(struct hmc_conn *c, ssh_channel ch, struct ssh_out *out,
		struct ssh_out *err, int64_t deadline)
{
	size_t total = 0;
	int r1, r2, rc;

	for (;;) {
		r1 = read_stream(c, ch, 0, out, &total);
		if (r1 < 0)
			return r1;
		r2 = read_stream(c, ch, 1, err, &total);
		if (r2 < 0)
			return r2;
		if (r1 > 0 || r2 > 0)
			continue;
		if (ssh_channel_is_eof(ch))
			return 0;
		rc = wait_more(c, deadline, "during the command");
		if (rc < 0)
			return rc;
	}
}

/* After EOF the exit status may still be on its way: wait for it or for
 * the channel's close, whichever comes first. */
static int
channel_status(struct hmc_conn *c, ssh_channel ch, int64_t deadline, int *status)
{
	int rc;

	for (;;) {
		*status = ssh_channel_get_exit_status(ch);
		if (*status != -1 || ssh_channel_is_closed(ch))
			return 0;
		rc = wait_more(c, deadline, "before the exit status");
		if (rc < 0)
			return rc;
	}
}

static int
run_command(struct hmc_conn *c, const char *cmd, struct hmc_result *res)
{
	int64_t deadline = now_ms() + c->command_timeout_ms;
	struct ssh_out out = { 0 }, err = { 0 };
	ssh_channel ch;
	int rc;

	ssh_set_blocking(c->session, 0);
	ch = ssh_channel_new(c->session);
	if (ch == NULL) {
		set_error(c, "cannot open a channel to %s:%u", c->host, c->port);
		return session_broken(c->session) ? -ECONNRESET : -ENOMEM;
	}
	rc = channel_start(c, ch, cmd, deadline);
	if (rc == 0)
		rc = channel_collect(c, ch, &out, &err, deadline);
	if (rc == 0)
		rc = channel_status(c, ch, deadline, &res->exit_status);
	if (rc == -ETIMEDOUT)
		set_error(c, "command on %s:%u timed out after %d ms", c->host,
			  c->port, c->command_timeout_ms);
	if (rc == 0)
		rc = result_take(res, &out, &err);
	if (ssh_channel_is_open(ch))
		ssh_channel_close(ch);
	ssh_channel_free(ch);
	free(out.s);
	free(err.s);
	return rc;
}

static int
check_cmdline(struct hmc_conn *c, const char *cmd)
{
	size_t len = strnlen(cmd, HMC_CMD_MAX);

	if (len == 0 || len == HMC_CMD_MAX || strpbrk(cmd, "\r\n") != NULL) {
		set_error(c, "refusing an empty, over-long or multi-line command");
		return -EINVAL;
	}
	return 0;
}

int
hmc_conn_run(struct hmc_conn *c, const char *cmdline, struct hmc_result *res)
{
	int rc;

	if (res != NULL)
		result_init(res);
	if (c == NULL || cmdline == NULL || res == NULL)
		return -EINVAL;
	rc = check_cmdline(c, cmdline);
	if (rc < 0)
		return rc;
	if (c->session == NULL) {
		rc = conn_connect(c);
		if (rc < 0)
			return rc;
	}
	rc = run_command(c, cmdline, res);
	if (rc == -ENOTCONN) {
		/* The HMC closed the session while it was idle; the command
		 * was never sent, so one fresh connection is safe. */
		srr_log(LOG_INFO, "session to %s:%u closed while idle; reconnecting",
			c->host, c->port);
		session_drop(c);
		rc = conn_connect(c);
		if (rc == 0)
			rc = run_command(c, cmdline, res);
		if (rc == -ENOTCONN)
			rc = -ECONNRESET;
	}
	if (rc == -ETIMEDOUT || rc == -ECONNRESET || rc == -EPROTO)
		session_drop(c);
	if (rc < 0)
		hmc_result_free(res);
	else if (res->exit_status != 0)
		srr_log(LOG_DEBUG, "command on %s:%u exited %d %s", c->host, c->port,
			res->exit_status, res->code);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                               */
/* ------------------------------------------------------------------------ */

static char *
dup_opt(const char *s, bool *ok)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*ok = false;
	return d;
}

static int
opt_ms(int v, int dflt)
{
	return v > 0 ? v : dflt;
}

static int
check_opts(const struct hmc_conn_opts *o)
{
	if (o == NULL || o->host == NULL || o->host[0] == '\0' ||
	    o->user == NULL || o->user[0] == '\0' ||
	    o->known_hosts == NULL || o->known_hosts[0] == '\0' ||
	    (o->identity == NULL && o->password == NULL))
		return -EINVAL;
	if (o->connect_timeout_ms < 0 || o->command_timeout_ms < 0 ||
	    o->backoff_min_ms < 0 || o->backoff_max_ms < 0)
		return -EINVAL;
	return 0;
}

int
hmc_conn_new(const struct hmc_conn_opts *o, struct hmc_conn **connp)
{
	struct hmc_conn *c;
	bool ok = true;

	if (connp == NULL || check_opts(o) < 0)
		return -EINVAL;
	pthread_once(&ssh_init_once, ssh_init_global);
	if (ssh_init_rc < 0)
		return -EIO;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->fd = -1;
	c->host = dup_opt(o->host, &ok);
	c->user = dup_opt(o->user, &ok);
	c->identity = dup_opt(o->identity, &ok);
	c->password = dup_opt(o->password, &ok);
	c->passphrase = dup_opt(o->passphrase, &ok);
	c->known_hosts = dup_opt(o->known_hosts, &ok);
	if (!ok) {
		hmc_conn_free(c);
		return -ENOMEM;
	}
	c->port = o->port ? o->port : HMC_SSH_PORT;
	c->connect_timeout_ms = opt_ms(o->connect_timeout_ms, HMC_CONNECT_TIMEOUT_MS);
	c->command_timeout_ms = opt_ms(o->command_timeout_ms, HMC_COMMAND_TIMEOUT_MS);
	c->backoff_min_ms = opt_ms(o->backoff_min_ms, HMC_BACKOFF_MIN_MS);
	c->backoff_max_ms = opt_ms(o->backoff_max_ms, HMC_BACKOFF_MAX_MS);
	if (c->backoff_max_ms < c->backoff_min_ms)
		c->backoff_max_ms = c->backoff_min_ms;
	c->max_output = o->max_output ? o->max_output : HMC_OUTPUT_MAX;
	*connp = c;
	return 0;
}

const char *
hmc_conn_error(const struct hmc_conn *c)
{
	return c != NULL ? c->error : "no connection";
}

bool
hmc_conn_connected(const struct hmc_conn *c)
{
	return c != NULL && c->session != NULL && !session_broken(c->session);
}

unsigned int
hmc_conn_connects(const struct hmc_conn *c)
{
	return c != NULL ? c->connects : 0;
}

void
hmc_conn_close(struct hmc_conn *c)
{
	if (c != NULL)
		session_drop(c);
}

void
hmc_conn_free(struct hmc_conn *c)
{
	if (c == NULL)
		return;
	session_drop(c);
	while (c->chans != NULL)
		hmc_chan_finish(c->chans, NULL);
	if (c->password != NULL)
		explicit_bzero(c->password, strlen(c->password));
	if (c->passphrase != NULL)
		explicit_bzero(c->passphrase, strlen(c->passphrase));
	free(c->host);
	free(c->user);
	free(c->identity);
	free(c->password);
	free(c->passphrase);
	free(c->known_hosts);
	free(c);
}

/* ------------------------------------------------------------------------ */
/* Several commands at once on one session (channels)                       */
/* ------------------------------------------------------------------------ */

struct hmc_chan {
	struct hmc_chan *next;
	struct hmc_conn *c;
	ssh_channel ch;			/* NULL once the session dropped it */
	int64_t deadline;
	struct ssh_out out, err;
	size_t total;
	int rc;
	int status;
	bool done;
	char error[512];
};

static void
chan_fail(struct hmc_chan *h, int rc, const char *why)
{
	if (h->done)
		return;
	h->done = true;
	h->rc = rc;
	snprintf(h->error, sizeof(h->error), "%s", why);
}

/* The session goes: every running channel's outcome is unknown. */
static void
chans_drop(struct hmc_conn *c)
{
	struct hmc_chan *h;

	for (h = c->chans; h != NULL; h = h->next) {
		if (h->ch != NULL)
			ssh_channel_free(h->ch);
		h->ch = NULL;
		chan_fail(h, -ECONNRESET, c->error[0] ? c->error :
			  "connection dropped");
	}
}

static int
chan_fail_open(struct hmc_chan *h, int rc)
{
	ssh_channel_free(h->ch);
	h->ch = NULL;
	return rc;
}

/* Opens a channel and sends CMD. A server that refuses one more channel
 * while others run (its MaxSessions) answers -EBUSY: nothing was sent and
 * the session is fine. */
static int
chan_open(struct hmc_conn *c, struct hmc_chan *h, const char *cmd)
{
	int rc, err = 0;

	if (c->session == NULL && (rc = conn_connect(c)) < 0)
		return rc;
	ssh_set_blocking(c->session, 0);
	h->ch = ssh_channel_new(c->session);
	if (h->ch == NULL) {
		set_error(c, "cannot open a channel to %s:%u", c->host, c->port);
		return session_broken(c->session) ? -ECONNRESET : -ENOMEM;
	}
	SSH_RETRY(rc, ssh_channel_open_session(h->ch), c->session, h->deadline, err);
	if (err < 0) {
		set_error(c, "no channel from %s:%u within %d ms", c->host,
			  c->port, c->command_timeout_ms);
		return chan_fail_open(h, err);
	}
	if (rc != SSH_OK && session_broken(c->session)) {
		set_error(c, "session to %s:%u was closed", c->host, c->port);
		return chan_fail_open(h, -ENOTCONN);
	}
	if (rc != SSH_OK) {
		snprintf(c->error, sizeof(c->error), "%s:%u refused channel %u: "
			 "%s", c->host, c->port, c->nchans + 1,
			 ssh_get_error(c->session));
		return chan_fail_open(h, c->nchans > 0 ? -EBUSY : -EPROTO);
	}
	SSH_RETRY(rc, ssh_channel_request_exec(h->ch, cmd), c->session,
		  h->deadline, err);
	if (err < 0 || rc != SSH_OK) {
		set_error(c, "cannot start a command on %s:%u: %s", c->host,
			  c->port, err < 0 ? "timed out" : ssh_get_error(c->session));
		return chan_fail_open(h, err < 0 ? err :
				      session_broken(c->session) ? -ECONNRESET :
				      -EPROTO);
	}
	return 0;
}

int
hmc_conn_start(struct hmc_conn *c, const char *cmdline, struct hmc_chan **out)
{
	struct hmc_chan *h;
	int rc;

	if (c == NULL || cmdline == NULL || out == NULL)
		return -EINVAL;
	if (c->nchans >= HMC_CHANNELS_MAX)
		return -EBUSY;
	if ((rc = check_cmdline(c, cmdline)) < 0)
		return rc;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	h->c = c;
	h->status = -1;
	h->deadline = now_ms() + c->command_timeout_ms;
	rc = chan_open(c, h, cmdline);
	if (rc == -ENOTCONN && c->nchans == 0) {
		/* closed while idle, nothing sent: one fresh connection */
		session_drop(c);
		rc = chan_open(c, h, cmdline);
	}
	if (rc < 0) {
		/* a broken session goes (its other channels end unknown); a
		 * refusal leaves it to the commands it runs */
		if (rc == -ETIMEDOUT || rc == -ECONNRESET || rc == -ENOTCONN ||
		    (rc == -EPROTO && c->nchans == 0))
			session_drop(c);
		free(h);
		return rc == -ENOTCONN ? -ECONNRESET : rc;
	}
	h->next = c->chans;
	c->chans = h;
	c->nchans++;
	*out = h;
	return 0;
}

/* Reads what is there; 1 if the channel moved. */
static int
chan_step(struct hmc_conn *c, struct hmc_chan *h)
{
	int r1, r2, moved = 0;

	do {
		r1 = read_stream(c, h->ch, 0, &h->out, &h->total);
		r2 = r1 < 0 ? 0 : read_stream(c, h->ch, 1, &h->err, &h->total);
		if (r1 < 0 || r2 < 0) {
			chan_fail(h, r1 < 0 ? r1 : r2, c->error);
			return 1;
		}
		moved |= r1 > 0 || r2 > 0;
	} while (r1 > 0 || r2 > 0);
	if (!ssh_channel_is_eof(h->ch))
		return moved;
	h->status = ssh_channel_get_exit_status(h->ch);
	if (h->status != -1 || ssh_channel_is_closed(h->ch)) {
		h->done = true;
		return 1;
	}
	return moved;
}

int
hmc_conn_poll(struct hmc_conn *c, int timeout_ms)
{
	int64_t now = now_ms(), until = now + timeout_ms;
	struct hmc_chan *h;
	int moved = 0;

	if (c == NULL || c->session == NULL)
		return 0;
	for (h = c->chans; h != NULL; h = h->next)
		if (!h->done)
			moved |= chan_step(c, h);
	if (!moved && session_broken(c->session)) {
		set_error(c, "connection to %s:%u lost during the command",
			  c->host, c->port);
		session_drop(c);
		return 0;
	}
	if (!moved)
		wait_input(c->session, until);
	now = now_ms();
	for (h = c->chans; h != NULL; h = h->next)
		if (!h->done && now >= h->deadline) {
			snprintf(c->error, sizeof(c->error), "command on %s:%u "
				 "timed out after %d ms", c->host, c->port,
				 c->command_timeout_ms);
			chan_fail(h, -ETIMEDOUT, c->error);
		}
	return 0;
}

bool
hmc_chan_done(const struct hmc_chan *h)
{
	return h->done;
}

const char *
hmc_chan_error(const struct hmc_chan *h)
{
	return h->error;
}

int
hmc_chan_finish(struct hmc_chan *h, struct hmc_result *res)
{
	struct hmc_conn *c = h->c;
	struct hmc_chan **p;
	int rc = h->done ? h->rc : -ECANCELED;

	if (res != NULL)
		result_init(res);
	if (rc == 0 && res != NULL) {
		rc = result_take(res, &h->out, &h->err);
		res->exit_status = h->status;
	}
	for (p = &c->chans; *p != NULL; p = &(*p)->next)
		if (*p == h) {
			*p = h->next;
			c->nchans--;
			break;
		}
	if (h->ch != NULL) {
		if (ssh_channel_is_open(h->ch))
			ssh_channel_close(h->ch);
		ssh_channel_free(h->ch);
	}
	free(h->out.s);
	free(h->err.s);
	free(h);
	return rc;
}
