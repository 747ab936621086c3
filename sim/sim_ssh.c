/*
 * sim_ssh.c: the SSH side of hmcsim (libssh server API, callbacks).
 *
 * One thread per endpoint accepts connections; one thread per session runs
 * that session's libssh event loop and makes every libssh call of it
 * (libssh sessions are not thread-safe). Up to SIM_CHANNELS_MAX channels of
 * a session run at once, as on an HMC (OpenSSH's MaxSessions); one more is
 * refused. Each command runs on a worker thread (sim_exec.c), so a long
 * rrstartlpar holds up neither another session nor another channel; its
 * answer comes back through the session's hub, whose eventfd is in the
 * event loop, and is written from here. Exec requests run one command; a
 * shell request (usually after pty-req) gives the HMC prompt
 * "USER@HOST:~> " and a line discipline good enough for pexpect clients
 * such as fence_lpar (echo, CR/LF, backspace, ^C, ^D); what is typed while
 * a command runs waits for its end. A slow or huge answer goes out a slice
 * at a time, within the client's window, between polls of the session.
 */
#define SRR_LOG_TAG "hmcsim"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

#define EP_MAX		8
#define LOGIN_PEERS_MAX	64
#define INPUT_MAX	(64 * 1024)
#define STREAM_CHUNK	(32 * 1024)	/* one write of a slow or huge output */
#define STREAM_WAIT_MS	50		/* its longest pause between polls */

struct sim_endpoint {
	char addr[64];
	char label[96];
	unsigned int port;
	bool want_up;
	unsigned int key_gen;		/* host key generation it serves */
	ssh_bind bind;
	pthread_t thread;
};

struct sess;

/* A channel's phase; chan_phase() checks every change. */
enum ch_phase {
	CH_FREE,	/* slot unused */
	CH_OPEN,	/* opened, no exec or shell request yet */
	CH_SHELL,	/* a shell waiting for a line */
	CH_RUN,		/* a command runs on a worker (chan NULL: client gone) */
	CH_STREAM,	/* a slow or huge answer goes out a slice at a time */
	CH_NPHASES
};

struct sess_chan {
	struct sess *x;
	unsigned int idx;		/* in x->ch */
	enum ch_phase phase;
	ssh_channel chan;
	struct ssh_channel_callbacks_struct ccb;
	bool pty;
	bool shell;
	bool closed;			/* the client closed it */
	bool in_eof;
	bool last_cr;
	bool overlong;			/* the line being typed lost bytes */
	char *exec_cmd;
	struct hmc_buf in;		/* shell input not yet consumed */
	struct hmc_buf line;		/* the line being typed */
	struct sim_job *job;		/* CH_RUN (the worker's), CH_STREAM */
	uint64_t sent, total;		/* CH_STREAM */
	sim_mono stream_t0;
};

struct sess {
	struct sess *next;
	unsigned long id;
	char peer[64];			/* client address (log, login count) */
	bool counted;			/* in srv.logins */
	struct sim_endpoint *ep;
	ssh_session s;
	ssh_event ev;
	struct sim_hub *hub;		/* its commands' answers come back here */
	struct ssh_server_callbacks_struct scb;
	char user[64];
	sim_mono accepted;		/* the login grace time runs from here */
	unsigned int auth_failures;
	bool authed;
	bool kill;
	struct sess_chan ch[SIM_CHANNELS_MAX];
};

static struct {
	struct sim_model *m;
	struct sim_server_opts o;
	pthread_mutex_t lock;		/* endpoints, sessions, key_gen */
	struct sim_endpoint eps[EP_MAX];
	size_t neps;
	struct sess *sessions;
	unsigned int n_sessions;	/* in the list */
	unsigned int n_unauthed;	/* of which not logged in yet */
	unsigned long next_id;
	unsigned long refused;		/* over a cap */
	unsigned long reaped;		/* over the login grace time */
	unsigned int key_gen;
	bool stop;
	/* Sessions per (endpoint, client address) that logged in and opened
	 * a channel: the SSH handshakes a client made, which tests compare
	 * with a budget. */
	struct {
		size_t ep;
		char peer[64];
		unsigned long n;
	} logins[LOGIN_PEERS_MAX];
	size_t nlogins;
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ------------------------------------------------------------ host key */

static int
hostkey_write_new(const char *path)
{
	char tmp[4096];
	ssh_key key = NULL;
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK)
		return -EIO;
	unlink(tmp);
	rc = ssh_pki_export_privkey_file(key, NULL, NULL, NULL, tmp);
	ssh_key_free(key);
	if (rc != SSH_OK)
		return -EIO;
	if (chmod(tmp, 0600) != 0 || rename(tmp, path) != 0)
		return -errno;
	return 0;
}

int
sim_hostkey_rotate(void)
{
	int rc;

	pthread_mutex_lock(&srv.lock);
	rc = hostkey_write_new(srv.o.host_key);
	if (rc == 0)
		srv.key_gen++;
	srr_log(rc ? LOG_ERR : LOG_NOTICE, "host key rotation %s (generation %u)",
		rc ? "failed" : "done", srv.key_gen);
	pthread_mutex_unlock(&srv.lock);
	return rc;
}

/* ------------------------------------------------------------ auth */

static bool
key_authorized(ssh_key key)
{
	char line[16384], *type, *b64, *save;
	ssh_key k;
	bool ok = false;
	FILE *f;

	f = fopen(srv.o.authorized_keys, "r");
	if (f == NULL)
		return false;
	while (!ok && fgets(line, sizeof(line), f) != NULL) {
		/* strtok_r: sessions authenticate in threads of their own */
		type = strtok_r(line, " \t\r\n", &save);
		b64 = type ? strtok_r(NULL, " \t\r\n", &save) : NULL;
		if (b64 == NULL || type[0] == '#')
			continue;
		if (ssh_pki_import_pubkey_base64(b64, ssh_key_type_from_name(type),
						 &k) != SSH_OK)
			continue;
		ok = ssh_key_cmp(k, key, SSH_KEY_CMP_PUBLIC) == 0;
		ssh_key_free(k);
	}
	fclose(f);
	return ok;
}

static void
sess_authed(struct sess *x, const char *user)
{
	snprintf(x->user, sizeof(x->user), "%s", user);
	pthread_mutex_lock(&srv.lock);
	if (!x->authed)
		srv.n_unauthed--;
	x->authed = true;
	pthread_mutex_unlock(&srv.lock);
}

/* A refused attempt: past max_auth_tries the session is cut (OpenSSH's
 * MaxAuthTries); a wrong password costs a pause, as PAM's delay does on an
 * HMC, so that guessing is slow. Only this session's thread waits. */
static int
auth_denied(struct sess *x, const char *user, const char *what, bool slow)
{
	x->auth_failures++;
	srr_log(LOG_WARNING, "%s: %s of %s refused (%u of %u)", x->ep->label,
		what, user, x->auth_failures, srv.o.max_auth_tries);
	if (slow)
		poll(NULL, 0, (int)srv.o.auth_fail_delay_ms);
	if (x->auth_failures >= srv.o.max_auth_tries) {
		srr_log(LOG_WARNING, "%s: too many authentication failures for "
			"%s: disconnected", x->ep->label, user);
		x->kill = true;
	}
	return SSH_AUTH_DENIED;
}

static int
auth_pubkey(ssh_session s, const char *user, struct ssh_key_struct *key,
	    char sig_state, void *arg)
{
	struct sess *x = arg;

	if (!key_authorized(key))
		return auth_denied(x, user, "public key", false);
	if (sig_state == SSH_PUBLICKEY_STATE_NONE)
		return SSH_AUTH_SUCCESS;	/* the key would do: sign */
	if (sig_state != SSH_PUBLICKEY_STATE_VALID)
		return auth_denied(x, user, "key signature", true);
	sess_authed(x, user);
	return SSH_AUTH_SUCCESS;
}

static int
auth_password(ssh_session s, const char *user, const char *pw, void *arg)
{
	struct sess *x = arg;

	if (srv.o.password == NULL || strcmp(user, srv.o.password_user) != 0 ||
	    strcmp(pw, srv.o.password) != 0)
		return auth_denied(x, user, "password", true);
	sess_authed(x, user);
	return SSH_AUTH_SUCCESS;
}

/* ------------------------------------------------------------ channel */

/* The transitions a channel may make; anything else is a bug. */
static const unsigned int ch_next[CH_NPHASES] = {
	[CH_FREE] = 1u << CH_OPEN,
	[CH_OPEN] = 1u << CH_FREE | 1u << CH_SHELL | 1u << CH_RUN,
	[CH_SHELL] = 1u << CH_FREE | 1u << CH_RUN,
	[CH_RUN] = 1u << CH_FREE | 1u << CH_SHELL | 1u << CH_STREAM,
	[CH_STREAM] = 1u << CH_FREE | 1u << CH_SHELL,
};

static void
chan_phase(struct sess_chan *k, enum ch_phase to)
{
	if (!(ch_next[k->phase] & 1u << to)) {
		srr_log(LOG_CRIT, "session %lu channel %u: phase %d -> %d "
			"refused", k->x->id, k->idx, k->phase, to);
		abort();
	}
	k->phase = to;
}

static int
ch_data(ssh_session s, ssh_channel ch, void *data, uint32_t len,
	int is_stderr, void *arg)
{
	struct sess_chan *k = arg;

	if (!k->shell)
		return (int)len;
	if (k->in.len + len > INPUT_MAX || hmc_buf_append(&k->in, data, len) != 0)
		k->overlong = true;	/* never run what is left of a line */
	return (int)len;
}

/* The client sends no more; it still reads what we write. */
static void
ch_eof(ssh_session s, ssh_channel ch, void *arg)
{
	((struct sess_chan *)arg)->in_eof = true;
}

static void
ch_close(ssh_session s, ssh_channel ch, void *arg)
{
	((struct sess_chan *)arg)->closed = true;
}

static int
ch_pty(ssh_session s, ssh_channel ch, const char *term, int w, int h,
       int pw, int ph, void *arg)
{
	((struct sess_chan *)arg)->pty = true;
	return 0;
}

static int
ch_pty_resize(ssh_session s, ssh_channel ch, int w, int h, int pw, int ph,
	      void *arg)
{
	return 0;
}

static int
ch_shell(ssh_session s, ssh_channel ch, void *arg)
{
	struct sess_chan *k = arg;

	if (k->phase != CH_OPEN || k->shell || k->exec_cmd != NULL)
		return 1;
	k->shell = true;
	return 0;
}

static int
ch_exec(ssh_session s, ssh_channel ch, const char *cmd, void *arg)
{
	struct sess_chan *k = arg;

	if (k->phase != CH_OPEN || k->shell || k->exec_cmd != NULL)
		return 1;
	k->exec_cmd = strdup(cmd);
	return k->exec_cmd ? 0 : 1;
}

static int
ch_env(ssh_session s, ssh_channel ch, const char *n, const char *v, void *arg)
{
	return 0;	/* accepted and ignored, as a restricted shell does */
}

/* The client's address without the port ("?" if unknown). */
static void
peer_name(int fd, char *out, size_t len)
{
	struct sockaddr_storage a;
	socklen_t alen = sizeof(a);
	const void *p = NULL;

	snprintf(out, len, "?");
	if (getpeername(fd, (struct sockaddr *)&a, &alen) != 0)
		return;
	if (a.ss_family == AF_INET)
		p = &((struct sockaddr_in *)&a)->sin_addr;
	else if (a.ss_family == AF_INET6)
		p = &((struct sockaddr_in6 *)&a)->sin6_addr;
	if (p == NULL || inet_ntop(a.ss_family, p, out, (socklen_t)len) == NULL)
		snprintf(out, len, "?");
}

/* Count a logged-in session once, at its first channel: a channel is only
 * opened after authentication, so this is where a handshake was used. */
static void
login_note(struct sess *x)
{
	size_t ep = (size_t)(x->ep - srv.eps), i;

	if (x->counted)
		return;
	x->counted = true;
	peer_name(ssh_get_fd(x->s), x->peer, sizeof(x->peer));
	pthread_mutex_lock(&srv.lock);
	for (i = 0; i < srv.nlogins; i++)
		if (srv.logins[i].ep == ep && strcmp(srv.logins[i].peer, x->peer) == 0)
			break;
	if (i == srv.nlogins && i < LOGIN_PEERS_MAX) {
		srv.logins[i].ep = ep;
		snprintf(srv.logins[i].peer, sizeof(srv.logins[i].peer), "%s", x->peer);
		srv.nlogins++;
	}
	if (i < srv.nlogins)
		srv.logins[i].n++;
	pthread_mutex_unlock(&srv.lock);
}

static void
chan_setup(struct sess_chan *k)
{
	memset(&k->ccb, 0, sizeof(k->ccb));
	k->ccb.userdata = k;
	k->ccb.channel_data_function = ch_data;
	k->ccb.channel_eof_function = ch_eof;
	k->ccb.channel_close_function = ch_close;
	k->ccb.channel_pty_request_function = ch_pty;
	k->ccb.channel_pty_window_change_function = ch_pty_resize;
	k->ccb.channel_shell_request_function = ch_shell;
	k->ccb.channel_exec_request_function = ch_exec;
	k->ccb.channel_env_request_function = ch_env;
	ssh_callbacks_init(&k->ccb);
	ssh_set_channel_callbacks(k->chan, &k->ccb);
	k->pty = k->shell = k->closed = k->last_cr = k->in_eof = false;
	k->overlong = false;
	k->in.len = k->line.len = 0;
	k->job = NULL;
	chan_phase(k, CH_OPEN);
}

/* A free slot, or a refusal as OpenSSH's past MaxSessions (the client
 * gets SSH_MSG_CHANNEL_OPEN_FAILURE, administratively prohibited). */
static ssh_channel
open_session(ssh_session s, void *arg)
{
	struct sess *x = arg;
	struct sess_chan *k = NULL;
	unsigned int i;

	login_note(x);
	for (i = 0; i < SIM_CHANNELS_MAX && k == NULL; i++)
		if (x->ch[i].phase == CH_FREE)
			k = &x->ch[i];
	if (k == NULL) {
		srr_log(LOG_NOTICE, "%s: session %lu: channel refused: %d open "
			"(MaxSessions)", x->ep->label, x->id, SIM_CHANNELS_MAX);
		return NULL;
	}
	k->chan = ssh_channel_new(s);
	if (k->chan == NULL)
		return NULL;
	chan_setup(k);
	return k->chan;
}

/* End the channel (its slot is free once no command of it runs). The
 * client may open its next channel as soon as it sees our EOF, and libssh
 * may read that open while we close this one: so the slot forgets this
 * channel (and its callbacks) first. */
static void
chan_end(struct sess_chan *k, int status)
{
	ssh_channel ch = k->chan;
	bool closed = k->closed;

	if (ch == NULL)
		return;
	ssh_remove_channel_callbacks(ch, &k->ccb);
	k->chan = NULL;
	k->shell = false;
	free(k->exec_cmd);
	k->exec_cmd = NULL;
	if (k->job == NULL)
		chan_phase(k, CH_FREE);
	if (!closed && status >= 0)
		ssh_channel_request_send_exit_status(ch, status);
	ssh_channel_send_eof(ch);
	ssh_channel_close(ch);
	ssh_channel_free(ch);
}

/* Forget the slot's answer; an orphan slot (client gone) is free again. */
static void
chan_drop_job(struct sess_chan *k)
{
	sim_job_free(k->job);
	k->job = NULL;
	if (k->chan == NULL)
		chan_phase(k, CH_FREE);
}

/* ------------------------------------------------------------ output */

/* Write BUF to the channel; on a terminal LF becomes CR LF. -EPIPE if
 * the channel or the session is gone. */
static int
chan_write(struct sess_chan *k, const char *s, size_t n, bool err)
{
	size_t i, start = 0;
	int rc = 0;

	if (k->chan == NULL || k->closed)
		return -EPIPE;
	if (n == 0)
		return 0;
	if (!k->pty) {
		if (err)
			rc = ssh_channel_write_stderr(k->chan, s, (uint32_t)n);
		else
			rc = ssh_channel_write(k->chan, s, (uint32_t)n);
		return rc == SSH_ERROR ? -EPIPE : 0;
	}
	for (i = 0; i < n && rc != SSH_ERROR; i++) {
		if (s[i] != '\n')
			continue;
		if (i > start)
			rc = ssh_channel_write(k->chan, s + start, (uint32_t)(i - start));
		if (rc != SSH_ERROR)
			rc = ssh_channel_write(k->chan, "\r\n", 2);
		start = i + 1;
	}
	if (n > start && rc != SSH_ERROR)
		rc = ssh_channel_write(k->chan, s + start, (uint32_t)(n - start));
	return rc == SSH_ERROR ? -EPIPE : 0;
}

static void
prompt(struct sess_chan *k)
{
	char p[160];
	int n = snprintf(p, sizeof(p), "%s@%s:~> ", k->x->user, srv.o.prompt_host);

	chan_write(k, p, (size_t)n, false);
}

/* Bytes a slow fault lets out by now: one at once, then its rate. */
static uint64_t
stream_budget(const struct sim_fault_hit *h, sim_mono t0, uint64_t total)
{
	uint64_t ms, n;

	if (!h->slow)
		return total;
	ms = (uint64_t)(sim_mono_now().ns - t0.ns) / 1000000;
	n = 1 + ms * h->slow_bps / 1000;
	return n < total ? n : total;
}

/* What may go out now: the rate's budget, the client's window (a write
 * past it would block the session's thread, and every channel of it, on a
 * client that stopped reading; a terminal's CR LF may double the bytes),
 * one chunk. */
static size_t
stream_room(struct sess_chan *k, uint64_t budget)
{
	uint64_t n = budget - k->sent;
	uint32_t win = ssh_channel_window_size(k->chan);

	if (k->pty)
		win /= 2;
	if (n > win)
		n = win;
	return n < STREAM_CHUNK ? (size_t)n : STREAM_CHUNK;
}

/* The command's answer is out: stderr, then the exit status (exec) or the
 * next prompt (shell, which goes on with the input typed meanwhile). */
static void
answer_end(struct sess_chan *k)
{
	struct sim_job *j = k->job;
	int status = j->status;

	chan_write(k, j->err.s, j->err.len, true);
	k->job = NULL;
	sim_job_free(j);
	if (!k->shell) {
		chan_end(k, status);
		return;
	}
	chan_phase(k, CH_SHELL);
	k->line.len = 0;
	k->overlong = false;
	prompt(k);
}

static void
stream_gone(struct sess_chan *k)
{
	srr_log(LOG_NOTICE, "%s: session %lu: client gone after %llu of %llu "
		"bytes", k->x->ep->label, k->x->id, (unsigned long long)k->sent,
		(unsigned long long)k->total);
	chan_drop_job(k);
	chan_end(k, -1);
}

/* Stdout under a slow or huge fault: what the rate and the window allow
 * now; the session's loop comes back within STREAM_WAIT_MS. */
static void
stream_step(struct sess_chan *k)
{
	struct sim_job *j = k->job;
	char buf[STREAM_CHUNK];
	size_t n;

	while (k->sent < k->total) {
		if (k->chan == NULL || k->closed) {
			stream_gone(k);
			return;
		}
		n = stream_room(k, stream_budget(&j->hit, k->stream_t0, k->total));
		if (n == 0)
			return;
		sim_fault_out_read(&j->hit, j->out.s, j->out.len, k->sent, buf, n);
		if (chan_write(k, buf, n, false) < 0) {
			stream_gone(k);
			return;
		}
		k->sent += n;
	}
	answer_end(k);
}

/* ------------------------------------------------------------ commands */

/* Start LINE on a worker: the channel waits in CH_RUN for its answer. A
 * thread that cannot be made is answered as bash answers a failed fork. */
static void
cmd_start(struct sess_chan *k, const char *line, const char *mode)
{
	struct sess *x = k->x;
	struct sim_job *j = calloc(1, sizeof(*j));
	int rc = -ENOMEM;

	if (j != NULL && (j->line = strdup(line)) != NULL) {
		j->m = srv.m;
		j->slot = k->idx;
		j->mode = mode;
		j->endpoint = x->ep->label;
		j->session = x->id;
		snprintf(j->user, sizeof(j->user), "%s", x->user);
		snprintf(j->peer, sizeof(j->peer), "%s", x->peer);
		rc = sim_job_start(x->hub, j);
	}
	if (rc == 0) {
		k->job = j;
		chan_phase(k, CH_RUN);
		return;
	}
	srr_log(LOG_ERR, "%s: session %lu: cannot run \"%s\": %s",
		x->ep->label, x->id, line, strerror(-rc));
	sim_job_free(j);
	chan_write(k, "-rbash: fork: Resource temporarily unavailable\n", 47, true);
	if (!k->shell)
		chan_end(k, 254);
}

/* The answer of J, back from its worker. */
static void
answer(struct sess *x, struct sim_job *j)
{
	struct sess_chan *k = &x->ch[j->slot];

	if (k->phase != CH_RUN || k->job != j) {
		srr_log(LOG_CRIT, "session %lu: an answer for channel %u, which "
			"does not wait for one", x->id, j->slot);
		abort();
	}
	if (j->dropped && k->chan != NULL && !x->kill) {
		srr_log(LOG_NOTICE, "%s: session %lu dropped by a fault (%s)",
			x->ep->label, x->id, j->line);
		x->kill = true;
		shutdown(ssh_get_fd(x->s), SHUT_RDWR);
	}
	if (k->chan == NULL || k->closed || x->kill) {
		if (!j->dropped)
			srr_log(LOG_NOTICE, "%s: session %lu: channel %u closed "
				"before \"%s\" ended: its answer is dropped",
				x->ep->label, x->id, k->idx, j->line);
		chan_drop_job(k);
		chan_end(k, -1);
		return;
	}
	if (j->hit.slow || j->hit.huge) {
		k->sent = 0;
		k->total = sim_fault_out_len(&j->hit, j->out.len);
		k->stream_t0 = sim_mono_now();
		chan_phase(k, CH_STREAM);
		stream_step(k);
		return;
	}
	chan_write(k, j->out.s, j->out.len, false);
	answer_end(k);
}

static void
answers(struct sess *x)
{
	struct sim_job *j, *next;

	for (j = sim_hub_take(x->hub); j != NULL; j = next) {
		next = j->next;
		answer(x, j);
	}
}

/* Returns -1 when the shell ends, 1 when a command started, else 0. */
static int
shell_line(struct sess_chan *k)
{
	char *line;
	size_t n;

	hmc_buf_append(&k->line, "", 0);
	line = k->line.s;
	while (*line == ' ' || *line == '\t')
		line++;
	n = strlen(line);
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	if (k->overlong) {
		chan_write(k, "-rbash: line too long: discarded\n", 33, true);
	} else if (strcmp(line, "exit") == 0 || strcmp(line, "quit") == 0 ||
		   strcmp(line, "logout") == 0) {
		return -1;
	} else if (n > 0) {
		cmd_start(k, line, "shell");
		if (k->phase == CH_RUN)
			return 1;
	}
	k->line.len = 0;
	k->overlong = false;
	prompt(k);
	return 0;
}

/* One typed character: as shell_line. */
static int
shell_char(struct sess_chan *k, char ch)
{
	if (ch == '\n' && k->last_cr) {
		k->last_cr = false;
		return 0;
	}
	k->last_cr = ch == '\r';
	if (ch == '\r' || ch == '\n') {
		if (k->pty)
			chan_write(k, "\n", 1, false);
		return shell_line(k);
	} else if (ch == 0x7f || ch == 0x08) {
		if (k->line.len > 0) {
			k->line.len--;
			if (k->pty)
				chan_write(k, "\b \b", 3, false);
		}
	} else if (ch == 0x03) {
		k->line.len = 0;
		k->overlong = false;
		chan_write(k, "^C\n", 3, false);
		prompt(k);
	} else if (ch == 0x04 && k->line.len == 0) {
		return -1;
	} else if (k->line.len < SIM_LINE_MAX) {
		hmc_buf_append(&k->line, &ch, 1);
		if (k->pty)
			chan_write(k, &ch, 1, false);
	} else {
		k->overlong = true;
	}
	return 0;
}

/* The line discipline, up to a command (the input typed after it waits
 * for its end, as in a shell). Returns as shell_line. */
static int
shell_input(struct sess_chan *k)
{
	size_t i = 0;
	int rc = 0;

	while (rc == 0 && i < k->in.len && !k->x->kill)
		rc = shell_char(k, k->in.s[i++]);
	if (i > 0) {	/* nothing typed yet: in.s may be NULL */
		memmove(k->in.s, k->in.s + i, k->in.len - i);
		k->in.len -= i;
	}
	return k->x->kill ? -1 : rc;
}

static void
shell_step(struct sess_chan *k)
{
	int rc = shell_input(k);

	if (rc < 0 || (rc == 0 && (k->closed || k->in_eof)))
		chan_end(k, 0);
}

static void
chan_step(struct sess_chan *k)
{
	switch (k->phase) {
	case CH_OPEN:
		if (k->closed) {
			chan_end(k, -1);
		} else if (k->exec_cmd != NULL) {
			cmd_start(k, k->exec_cmd, "exec");
		} else if (k->shell) {
			chan_phase(k, CH_SHELL);
			prompt(k);
			shell_step(k);
		}
		break;
	case CH_SHELL:
		shell_step(k);
		break;
	case CH_RUN:
		/* the client left: a hang ends, the answer will be dropped */
		if (k->closed && k->chan != NULL) {
			sim_job_cancel(k->job);
			chan_end(k, -1);
		}
		break;
	case CH_STREAM:
		stream_step(k);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------ sessions */

static bool
sess_streaming(const struct sess *x)
{
	unsigned int i;

	for (i = 0; i < SIM_CHANNELS_MAX; i++)
		if (x->ch[i].phase == CH_STREAM)
			return true;
	return false;
}

/* The hub's eventfd woke the loop: the answers are taken after the poll,
 * outside libssh's callbacks. */
static int
hub_ready(socket_t fd, int revents, void *arg)
{
	return 0;
}

static void
sess_serve(struct sess *x)
{
	unsigned int i;
	int wait;

	while (!x->kill && !srv.stop) {
		wait = sess_streaming(x) ? STREAM_WAIT_MS : 100;
		if (ssh_event_dopoll(x->ev, wait) == SSH_ERROR)
			break;
		if (ssh_get_status(x->s) & (SSH_CLOSED | SSH_CLOSED_ERROR))
			break;
		answers(x);
		for (i = 0; i < SIM_CHANNELS_MAX && !x->kill; i++)
			chan_step(&x->ch[i]);
	}
}

/* The session ends: running commands are left to the hub (they end,
 * are logged, their answers dropped), the rest goes now. */
static void
sess_chans_end(struct sess *x)
{
	struct sess_chan *k;
	unsigned int i;

	for (i = 0; i < SIM_CHANNELS_MAX; i++) {
		k = &x->ch[i];
		if (k->phase == CH_STREAM) {
			stream_gone(k);
			continue;
		}
		if (k->phase == CH_RUN) {
			k->job = NULL;		/* the worker's */
			if (k->chan == NULL)
				chan_phase(k, CH_FREE);
		}
		chan_end(k, -1);
	}
}

static void
sess_unlink(struct sess *x)
{
	struct sess **pp;

	pthread_mutex_lock(&srv.lock);
	for (pp = &srv.sessions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			srv.n_sessions--;
			if (!x->authed)
				srv.n_unauthed--;
			break;
		}
	pthread_mutex_unlock(&srv.lock);
}

/* The event loop: the session, and the hub's eventfd for the answers. */
static int
sess_events(struct sess *x)
{
	x->ev = ssh_event_new();
	if (x->ev == NULL || ssh_event_add_session(x->ev, x->s) != SSH_OK)
		return -ENOMEM;
	if (sim_hub_new(&x->hub) != 0)
		return -EMFILE;
	if (ssh_event_add_fd(x->ev, sim_hub_fd(x->hub), POLLIN, hub_ready,
			     x) != SSH_OK) {
		sim_hub_close(x->hub);
		x->hub = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void
sess_free(struct sess *x)
{
	unsigned int i;

	if (x->hub != NULL) {
		ssh_event_remove_fd(x->ev, sim_hub_fd(x->hub));
		sim_hub_close(x->hub);
	}
	if (x->ev != NULL) {
		ssh_event_remove_session(x->ev, x->s);
		ssh_event_free(x->ev);
	}
	if (!x->kill)
		ssh_disconnect(x->s);
	ssh_free(x->s);
	for (i = 0; i < SIM_CHANNELS_MAX; i++) {
		hmc_buf_free(&x->ch[i].in);
		hmc_buf_free(&x->ch[i].line);
		free(x->ch[i].exec_cmd);
	}
	free(x);
}

static void *
sess_main(void *arg)
{
	struct sess *x = arg;
	int one = 1;

	memset(&x->scb, 0, sizeof(x->scb));
	x->scb.userdata = x;
	x->scb.auth_pubkey_function = auth_pubkey;
	x->scb.auth_password_function = srv.o.password ? auth_password : NULL;
	x->scb.channel_open_request_session_function = open_session;
	ssh_callbacks_init(&x->scb);
	ssh_set_server_callbacks(x->s, &x->scb);
	/* Small answers must not wait for a delayed ACK (Nagle). */
	setsockopt(ssh_get_fd(x->s), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ssh_handle_key_exchange(x->s) != SSH_OK)
		goto out;
	ssh_set_auth_methods(x->s, SSH_AUTH_METHOD_PUBLICKEY |
			     (srv.o.password ? SSH_AUTH_METHOD_PASSWORD : 0));
	if (sess_events(x) != 0)
		goto out;
	sess_serve(x);
	sess_chans_end(x);
out:
	sess_unlink(x);
	sess_free(x);
	return NULL;
}

/* Over a cap, a connection is closed before the SSH banner, as OpenSSH
 * does past MaxStartups: no thread, nothing read. Caller holds the lock. */
static const char *
sess_over_cap(void)
{
	if (srv.n_sessions >= srv.o.max_sessions)
		return "max-sessions";
	if (srv.n_unauthed >= srv.o.max_startups)
		return "max-startups";
	return NULL;
}

static void
sess_start(struct sim_endpoint *ep, ssh_session s)
{
	pthread_attr_t a;
	pthread_t t;
	struct sess *x = calloc(1, sizeof(*x));
	const char *cap;
	unsigned int i;

	if (x == NULL) {
		ssh_free(s);
		return;
	}
	x->s = s;
	x->ep = ep;
	x->accepted = sim_mono_now();
	for (i = 0; i < SIM_CHANNELS_MAX; i++) {
		x->ch[i].x = x;
		x->ch[i].idx = i;
	}
	snprintf(x->user, sizeof(x->user), "-");
	pthread_mutex_lock(&srv.lock);
	cap = sess_over_cap();
	if (cap != NULL) {
		srv.refused++;
		srr_log(LOG_WARNING, "%s: connection refused: %u sessions, %u "
			"not logged in (%s reached)", ep->label, srv.n_sessions,
			srv.n_unauthed, cap);
		pthread_mutex_unlock(&srv.lock);
		ssh_free(s);
		free(x);
		return;
	}
	x->id = ++srv.next_id;
	x->next = srv.sessions;
	srv.sessions = x;
	srv.n_sessions++;
	srv.n_unauthed++;
	pthread_mutex_unlock(&srv.lock);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 512 * 1024);
	if (pthread_create(&t, &a, sess_main, x) != 0) {
		sess_unlink(x);
		ssh_free(s);
		free(x);
	}
	pthread_attr_destroy(&a);
}

/* Cut the sessions of EP not logged in within the grace time, counted from
 * accept: a client that never finishes the handshake is blocked in the key
 * exchange, and shutting its socket down is what wakes that thread. */
static void
sess_reap(struct sim_endpoint *ep)
{
	int64_t grace_ns = (int64_t)(srv.o.login_grace_s * 1e9);
	int64_t now = sim_mono_now().ns;
	struct sess *x;

	pthread_mutex_lock(&srv.lock);
	for (x = srv.sessions; x != NULL; x = x->next)
		if (x->ep == ep && !x->authed && !x->kill &&
		    now - x->accepted.ns > grace_ns) {
			x->kill = true;
			srv.reaped++;
			srr_log(LOG_WARNING, "%s: session %lu not logged in after "
				"%g s: disconnected (login grace time)",
				ep->label, x->id, srv.o.login_grace_s);
			shutdown(ssh_get_fd(x->s), SHUT_RDWR);
		}
	pthread_mutex_unlock(&srv.lock);
}

/* Drop every session of EP (NULL: all), as a failed HMC would. */
static void
sess_kill_all(struct sim_endpoint *ep)
{
	struct sess *x;

	pthread_mutex_lock(&srv.lock);
	for (x = srv.sessions; x != NULL; x = x->next)
		if (ep == NULL || x->ep == ep) {
			x->kill = true;
			shutdown(ssh_get_fd(x->s), SHUT_RDWR);
		}
	pthread_mutex_unlock(&srv.lock);
}

/* ------------------------------------------------------------ endpoints */

static ssh_bind
bind_open(struct sim_endpoint *ep)
{
	char port[16];
	ssh_bind b = ssh_bind_new();
	bool no = false;

	if (b == NULL)
		return NULL;
	snprintf(port, sizeof(port), "%u", ep->port);
	if (ssh_bind_options_set(b, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no) != SSH_OK ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_BINDADDR, ep->addr) != SSH_OK ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_BINDPORT_STR, port) != SSH_OK ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HOSTKEY, srv.o.host_key) != SSH_OK ||
	    ssh_bind_listen(b) != SSH_OK) {
		srr_log(LOG_ERR, "cannot listen on %s: %s", ep->label,
			ssh_get_error(b));
		ssh_bind_free(b);
		return NULL;
	}
	return b;
}

static void
ep_sleep_ms(int ms)
{
	poll(NULL, 0, ms);
}

static void *
ep_main(void *arg)
{
	struct sim_endpoint *ep = arg;
	struct pollfd pfd;
	ssh_session s;
	bool up;
	unsigned int gen;

	while (!srv.stop) {
		pthread_mutex_lock(&srv.lock);
		up = ep->want_up;
		gen = srv.key_gen;
		pthread_mutex_unlock(&srv.lock);
		if (ep->bind != NULL && (!up || gen != ep->key_gen)) {
			ssh_bind_free(ep->bind);
			ep->bind = NULL;
			if (!up)
				sess_kill_all(ep);
		}
		if (up && ep->bind == NULL) {
			ep->key_gen = gen;
			ep->bind = bind_open(ep);
		}
		if (ep->bind == NULL) {
			ep_sleep_ms(100);
			continue;
		}
		sess_reap(ep);
		pfd = (struct pollfd){ .fd = ssh_bind_get_fd(ep->bind), .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0 || !(pfd.revents & POLLIN))
			continue;
		s = ssh_new();
		if (s == NULL)
			continue;
		if (ssh_bind_accept(ep->bind, s) != SSH_OK) {
			ssh_free(s);
			continue;
		}
		sess_start(ep, s);
	}
	if (ep->bind != NULL)
		ssh_bind_free(ep->bind);
	ep->bind = NULL;
	return NULL;
}

int
sim_server_init(struct sim_model *m, const struct sim_server_opts *o)
{
	int rc;

	srv.m = m;
	srv.o = *o;
	if (srv.o.prompt_host == NULL)
		srv.o.prompt_host = "hmcsim";
	if (srv.o.login_grace_s <= 0)
		srv.o.login_grace_s = SIM_LOGIN_GRACE_S;
	if (srv.o.max_startups == 0)
		srv.o.max_startups = SIM_MAX_STARTUPS;
	if (srv.o.max_sessions == 0)
		srv.o.max_sessions = SIM_MAX_SESSIONS;
	if (srv.o.max_auth_tries == 0)
		srv.o.max_auth_tries = SIM_MAX_AUTH_TRIES;
	ssh_init();
	if (access(o->host_key, R_OK) != 0) {
		rc = hostkey_write_new(o->host_key);
		if (rc != 0) {
			srr_log(LOG_ERR, "cannot write host key %s",
				o->host_key);
			return rc;
		}
	}
	return 0;
}

int
sim_endpoint_add(const char *addr, unsigned int port)
{
	struct sim_endpoint *ep;

	pthread_mutex_lock(&srv.lock);
	if (srv.neps >= EP_MAX || strlen(addr) >= sizeof(ep->addr)) {
		pthread_mutex_unlock(&srv.lock);
		return -ENOSPC;
	}
	ep = &srv.eps[srv.neps];
	snprintf(ep->addr, sizeof(ep->addr), "%s", addr);
	snprintf(ep->label, sizeof(ep->label), "%s:%u", addr, port);
	ep->port = port;
	ep->want_up = true;
	ep->key_gen = srv.key_gen;
	/* Bind now so that a bad address fails the start, not later. */
	ep->bind = bind_open(ep);
	if (ep->bind == NULL) {
		pthread_mutex_unlock(&srv.lock);
		return -EADDRINUSE;
	}
	srv.neps++;
	pthread_mutex_unlock(&srv.lock);
	if (pthread_create(&ep->thread, NULL, ep_main, ep) != 0)
		return -EAGAIN;
	return 0;
}

size_t
sim_endpoint_count(void)
{
	return srv.neps;
}

int
sim_endpoint_set_up(size_t idx, bool up)
{
	if (idx >= srv.neps)
		return -ENOENT;
	pthread_mutex_lock(&srv.lock);
	srv.eps[idx].want_up = up;
	pthread_mutex_unlock(&srv.lock);
	srr_log(LOG_NOTICE, "endpoint %zu (%s) %s", idx, srv.eps[idx].label,
		up ? "up" : "down: its sessions are cut");
	return 0;
}

void
sim_server_status(struct hmc_buf *b)
{
	struct sess *x;
	size_t i, n = 0;

	pthread_mutex_lock(&srv.lock);
	for (x = srv.sessions; x != NULL; x = x->next)
		n++;
	for (i = 0; i < srv.neps; i++)
		hmc_buf_printf(b, "endpoint %zu %s %s\n", i, srv.eps[i].label,
			       srv.eps[i].want_up ? "up" : "down");
	hmc_buf_printf(b, "sessions %zu\nnot_logged_in %u\nrefused %lu\n"
		       "reaped %lu\nhostkey_generation %u\n", n, srv.n_unauthed,
		       srv.refused, srv.reaped, srv.key_gen);
	pthread_mutex_unlock(&srv.lock);
}

void
sim_server_logins(struct hmc_buf *b)
{
	size_t i;

	pthread_mutex_lock(&srv.lock);
	for (i = 0; i < srv.nlogins; i++)
		hmc_buf_printf(b, "logins %zu %s %lu\n", srv.logins[i].ep,
			       srv.logins[i].peer, srv.logins[i].n);
	pthread_mutex_unlock(&srv.lock);
}

bool
sim_server_stop(void)
{
	bool idle = false;
	size_t i;
	int waited;

	srv.stop = true;
	sess_kill_all(NULL);
	for (i = 0; i < srv.neps; i++)
		pthread_join(srv.eps[i].thread, NULL);
	/* Sessions notice within one poll (100 ms); a hung command ends with
	 * its session, a restart may run on. */
	for (waited = 0; !idle && waited < 3000; waited += 50) {
		pthread_mutex_lock(&srv.lock);
		idle = srv.sessions == NULL;
		pthread_mutex_unlock(&srv.lock);
		idle = idle && sim_jobs_running() == 0;
		if (!idle)
			ep_sleep_ms(50);
	}
	if (idle)
		ssh_finalize();
	return idle;
}
