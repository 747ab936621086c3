/*
 * srrd_work.c: worker threads, each owning one persistent HMC session.
 *
 * SSH calls block, so the loop never makes them: a pool per HMC and
 * purpose (the poller's one session, which also runs the executor's
 * queries; the executor's N sessions, each running up to 8 commands at
 * once as channels) takes jobs from a queue; a finished
 * job's pointer comes back through a pipe the loop polls, and its DONE
 * runs on the loop. A worker touches only its own connection and the job
 * it took; everything else is the loop's.
 */
#define SRR_LOG_TAG "srrd"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/srrd_int.h"

struct worker_arg {
	struct srrd_pool *p;
	int i;
};

static int
pipe_in(int fd, int revents, void *data)
{
	struct srrd *d = data;
	struct srrd_job *j;
	ssize_t r;

	for (;;) {
		r = read(fd, &j, sizeof(j));
		if (r != (ssize_t)sizeof(j))
			break;
		j->done(d, j);
	}
	srrd_drain(d);
	return 0;
}

int
srrd_work_init(struct srrd *d)
{
	int rc;

	if (pipe2(d->work_pipe, O_CLOEXEC) < 0)
		return -errno;
	/* the read end only: a worker's write of one pointer is atomic and
	 * blocks briefly at worst if the loop is behind */
	if (fcntl(d->work_pipe[0], F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, d->work_pipe[0], POLLIN,
			      d, pipe_in);
	return rc < 0 ? rc : 0;
}

/* The first queued job, or NULL; P->mu held. */
static struct srrd_job *
dequeue(struct srrd_pool *p)
{
	struct srrd_job *j = p->stop ? NULL : p->head;

	if (j != NULL) {
		p->head = j->next;
		if (p->head == NULL)
			p->tail = NULL;
	}
	return j;
}

static struct srrd_job *
take(struct srrd_pool *p)
{
	struct srrd_job *j;

	pthread_mutex_lock(&p->mu);
	p->idle++;
	while (!p->stop && p->head == NULL)
		pthread_cond_wait(&p->cv, &p->mu);
	p->idle--;
	j = dequeue(p);
	pthread_mutex_unlock(&p->mu);
	return j;
}

/* A job if one is queued and no other worker is idle, without waiting:
 * commands spread over the sessions first, then share them as channels
 * (a server that runs one command per session at a time, as hmcsim does,
 * holds the channel's opening until its command ends). */
static struct srrd_job *
try_take(struct srrd_pool *p)
{
	struct srrd_job *j;

	pthread_mutex_lock(&p->mu);
	j = p->idle > 0 ? NULL : dequeue(p);
	pthread_mutex_unlock(&p->mu);
	return j;
}

/* Back at the head of the queue, for the next free channel. */
static void
requeue(struct srrd_pool *p, struct srrd_job *j)
{
	pthread_mutex_lock(&p->mu);
	j->next = p->head;
	p->head = j;
	if (p->tail == NULL)
		p->tail = j;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void
give_back(struct srrd_pool *p, int i, struct srrd_job *j)
{
	__atomic_store_n(&p->connects[i], hmc_conn_connects(p->conn[i]),
			 __ATOMIC_RELAXED);
	if (write(p->d->work_pipe[1], &j, sizeof(j)) != (ssize_t)sizeof(j))
		abort();	/* the loop's pipe is gone: no way back */
}

static void
chan_end(struct srrd_pool *p, int i, struct srrd_job *j, struct hmc_chan *ch)
{
	struct hmc_result r;
	char err[512];
	int rc;

	snprintf(err, sizeof(err), "%s", hmc_chan_error(ch));
	rc = hmc_chan_finish(ch, &r);
	j->result(j, rc, &r, err);
	hmc_result_free(&r);
	give_back(p, i, j);
}

/* Up to p->channels commands at once on this worker's one session; new
 * jobs are taken between polls of the running ones (100 ms at most). */
static void
chan_worker(struct srrd_pool *p, int i)
{
	struct hmc_conn *conn = p->conn[i];
	struct srrd_job *jobs[HMC_CHANNELS_MAX], *j;
	struct hmc_chan *ch[HMC_CHANNELS_MAX];
	static const char *const f_name[] = { "name", NULL };
	struct hmc_fields f = { f_name, ',' };
	struct hmc_result r;
	struct hmc_cmd warm;
	int n = 0, k, rc, cap = p->channels;
	unsigned connects;

	/* connect now, so that the first failover pays no handshake (an
	 * error here is only logged by hmc/; commands connect again) */
	if (hmc_cmd_lssyscfg(&warm, HMC_RES_SYS, NULL, NULL, &f, false) == 0 &&
	    srrd_run(conn, warm.line, &r) == 0)
		__atomic_store_n(&p->connects[i], hmc_conn_connects(conn),
				 __ATOMIC_RELAXED);
	hmc_result_free(&r);
	connects = hmc_conn_connects(conn);
	for (;;) {
		if (hmc_conn_connects(conn) != connects) {
			connects = hmc_conn_connects(conn);
			cap = p->channels;	/* a new session: learn again */
		}
		while (n < cap && (j = n == 0 ? take(p) : try_take(p)) != NULL) {
			rc = hmc_conn_start(conn, j->cmdline, &ch[n]);
			if (rc == -EBUSY && n > 0) {
				/* the server's channel limit: nothing sent */
				if (cap != n)
					srr_log(LOG_INFO, "HMC session %d "
						"takes %d channels: %s", i, n,
						hmc_conn_error(conn));
				cap = n;
				requeue(p, j);
				break;
			}
			if (rc < 0) {
				struct hmc_result none = { .exit_status = -1 };

				j->result(j, rc, &none, hmc_conn_error(conn));
				give_back(p, i, j);
				continue;
			}
			jobs[n++] = j;
		}
		if (n == 0)
			return;	/* stopping */
		hmc_conn_poll(conn, 100);
		for (k = 0; k < n;) {
			if (!hmc_chan_done(ch[k])) {
				k++;
				continue;
			}
			chan_end(p, i, jobs[k], ch[k]);
			jobs[k] = jobs[n - 1];
			ch[k] = ch[n - 1];
			n--;
		}
	}
}

static void *
worker(void *arg)
{
	struct worker_arg *a = arg;
	struct srrd_pool *p = a->p;
	int i = a->i;
	struct srrd_job *j;

	free(a);
	if (p->channels > 0) {
		chan_worker(p, i);
		return NULL;
	}
	while ((j = take(p)) != NULL) {
		j->run(j, p->conn[i]);
		give_back(p, i, j);
	}
	return NULL;
}

/* The poller's session times out a command after the HMC's timeout (a
 * listing); the executor's after command_timeout (rrstartlpar runs long). */
static void
conn_opts(const struct srrd *d, int hmc, bool exec, struct hmc_conn_opts *o)
{
	const struct srrd_hmc_conf *h = &d->conf.hmc[hmc];

	memset(o, 0, sizeof(*o));
	o->host = h->host;
	o->port = h->port;
	o->user = h->user;
	o->identity = h->identity;
	o->known_hosts = h->known_hosts;
	o->connect_timeout_ms = (int)h->timeout_ms;
	o->command_timeout_ms = (int)(exec && d->conf.command_timeout_ms > 0 ?
				      d->conf.command_timeout_ms : h->timeout_ms);
	o->backoff_min_ms = 500;
	o->backoff_max_ms = 5000;
}

int
srrd_pool_start(struct srrd *d, struct srrd_pool *p, int hmc,
		const char *what, int nthreads, int channels)
{
	struct hmc_conn_opts o;
	int i, rc;

	p->d = d;
	p->hmc = hmc;
	p->what = what;
	p->channels = channels > HMC_CHANNELS_MAX ? HMC_CHANNELS_MAX : channels;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (nthreads > SRRD_MAX_SESSIONS)
		nthreads = SRRD_MAX_SESSIONS;
	conn_opts(d, hmc, channels > 0, &o);
	for (i = 0; i < nthreads; i++) {
		struct worker_arg *a = malloc(sizeof(*a));

		if (a == NULL)
			return -ENOMEM;
		rc = hmc_conn_new(&o, &p->conn[i]);
		if (rc < 0) {
			free(a);
			return rc;
		}
		a->p = p;
		a->i = i;
		rc = pthread_create(&p->th[i], NULL, worker, a);
		if (rc != 0) {
			free(a);
			return -rc;
		}
		p->nthreads++;
	}
	return 0;
}

/* Stops taking jobs; srrd_pool_join() then waits for the running ones. */
void
srrd_pool_stop(struct srrd_pool *p)
{
	if (p->nthreads == 0)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* A command cannot be interrupted from another thread (its session and
 * socket are the worker's alone), so a worker inside one is waited for,
 * up to DEADLINE: a listing ends within the HMC's timeout, a restart may
 * run for minutes and is then left in flight, as a kill would leave it
 * (DESIGN.md: the next leader reconciles it). */
int
srrd_pool_join(struct srrd_pool *p, int64_t deadline)
{
	struct timespec ts;
	int64_t left, abs_ms;
	int i, running = 0;

	for (i = 0; i < p->nthreads; i++) {
		if (p->joined[i])
			continue;
		left = deadline - srrd_mono_ms();
		clock_gettime(CLOCK_REALTIME, &ts);
		abs_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
			 (left > 0 ? left : 0);
		ts.tv_sec = abs_ms / 1000;
		ts.tv_nsec = (abs_ms % 1000) * 1000000;
		if (pthread_timedjoin_np(p->th[i], NULL, &ts) != 0) {
			running++;
			continue;
		}
		p->joined[i] = true;
		hmc_conn_free(p->conn[i]);
		p->conn[i] = NULL;
	}
	return running;
}

/* The jobs handed back after the loop's last turn, and those never taken:
 * their DONE sees d->stopping, frees them and feeds nothing. */
void
srrd_work_drain(struct srrd *d)
{
	struct srrd_job *j;
	struct srrd_pool *p;
	int h, k;

	while (d->work_pipe[0] >= 0 &&
	       read(d->work_pipe[0], &j, sizeof(j)) == (ssize_t)sizeof(j))
		j->done(d, j);
	for (h = 0; h < d->conf.nhmc; h++) {
		for (k = 0; k < 2; k++) {
			p = k == 0 ? &d->hmc[h].poll : &d->hmc[h].exec;
			if (p->nthreads == 0)
				continue;
			for (;;) {
				pthread_mutex_lock(&p->mu);
				j = p->head;
				if (j != NULL && (p->head = j->next) == NULL)
					p->tail = NULL;
				pthread_mutex_unlock(&p->mu);
				if (j == NULL)
					break;
				j->done(d, j);
			}
		}
	}
}

void
srrd_pool_submit(struct srrd_pool *p, struct srrd_job *j)
{
	j->next = NULL;
	j->started_ms = srrd_mono_ms();
	pthread_mutex_lock(&p->mu);
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

unsigned
srrd_pool_connects(const struct srrd_pool *p)
{
	unsigned n = 0;
	int i;

	for (i = 0; i < p->nthreads; i++)
		n += __atomic_load_n(&p->connects[i], __ATOMIC_RELAXED);
	return n;
}

int
srrd_run(struct hmc_conn *conn, const char *cmd, struct hmc_result *res)
{
	int rc;

	memset(res, 0, sizeof(*res));
	rc = hmc_conn_run(conn, cmd, res);
	if (rc < 0) {
		hmc_result_free(res);
		memset(res, 0, sizeof(*res));
		res->exit_status = -1;
		res->err = strdup(hmc_conn_error(conn));
		res->err_len = res->err ? strlen(res->err) : 0;
	}
	return rc;
}
