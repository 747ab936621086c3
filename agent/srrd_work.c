/*
 * srrd_work.c: worker threads, each owning one persistent HMC session.
 *
 * hmc_conn_run() blocks, one command at a time per connection, so the
 * loop never calls it: a pool per HMC and purpose (the poller's one
 * session, the executor's N sessions) takes jobs from a queue; a finished
 * job's pointer comes back through a pipe the loop polls, and its DONE
 * runs on the loop. A worker touches only its own connection and the job
 * it took; everything else is the loop's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static struct srrd_job *
take(struct srrd_pool *p)
{
	struct srrd_job *j;

	pthread_mutex_lock(&p->mu);
	while (!p->stop && p->head == NULL)
		pthread_cond_wait(&p->cv, &p->mu);
	j = p->stop ? NULL : p->head;
	if (j != NULL) {
		p->head = j->next;
		if (p->head == NULL)
			p->tail = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	return j;
}

static void *
worker(void *arg)
{
	struct worker_arg *a = arg;
	struct srrd_pool *p = a->p;
	int i = a->i;
	struct srrd_job *j;

	free(a);
	while ((j = take(p)) != NULL) {
		j->run(j, p->conn[i]);
		__atomic_store_n(&p->connects[i], hmc_conn_connects(p->conn[i]),
				 __ATOMIC_RELAXED);
		if (write(p->d->work_pipe[1], &j, sizeof(j)) != (ssize_t)sizeof(j))
			abort();	/* the loop's pipe is gone: no way back */
	}
	return NULL;
}

static void
conn_opts(const struct srrd *d, int hmc, struct hmc_conn_opts *o)
{
	const struct srrd_hmc_conf *h = &d->conf.hmc[hmc];

	memset(o, 0, sizeof(*o));
	o->host = h->host;
	o->port = h->port;
	o->user = h->user;
	o->identity = h->identity;
	o->known_hosts = h->known_hosts;
	o->connect_timeout_ms = (int)h->timeout_ms;
	o->command_timeout_ms = (int)(d->conf.command_timeout_ms > 0 ?
				      d->conf.command_timeout_ms : h->timeout_ms);
	o->backoff_min_ms = 500;
	o->backoff_max_ms = 5000;
}

int
srrd_pool_start(struct srrd *d, struct srrd_pool *p, int hmc,
		const char *what, int nthreads)
{
	struct hmc_conn_opts o;
	int i, rc;

	p->d = d;
	p->hmc = hmc;
	p->what = what;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (nthreads > SRRD_MAX_SESSIONS)
		nthreads = SRRD_MAX_SESSIONS;
	conn_opts(d, hmc, &o);
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

/* Stops taking jobs. Threads still inside a command are not waited for:
 * the process is exiting and their commands stay in flight (DESIGN.md:
 * the next leader reconciles them). */
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
