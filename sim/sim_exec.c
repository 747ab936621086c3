/*
 * sim_exec.c: hmcsim's commands on worker threads.
 *
 * A session's thread makes every libssh call of that session (libssh
 * sessions are not thread-safe); the command of each of its channels runs
 * here, on a thread of its own, so that the channels of one session run at
 * once, as on an HMC, whose OpenSSH runs a process per channel. A finished
 * command is logged, put on its session's hub, and the hub's eventfd wakes
 * the session's event loop, which writes the answer. A session that ends
 * first closes its hub: its running commands are told (a hang fault ends),
 * each finishes, is logged and its answer dropped; the last one out frees
 * the hub. Nothing here waits on the session.
 */
#define SRR_LOG_TAG "hmcsim"

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sim.h"

#define JOB_STACK	(512 * 1024)	/* as a session thread's */

struct sim_hub {
	pthread_mutex_t lock;		/* everything below, jobs' cancel */
	int fd;				/* eventfd: a job is done */
	unsigned int refs;		/* the session, and each running job */
	bool closed;			/* the session is gone */
	struct sim_job *running;
	struct sim_job *done;		/* in the order they ended */
};

static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int jobs_running;

static void
jobs_count(int d)
{
	pthread_mutex_lock(&jobs_lock);
	jobs_running = (unsigned int)((int)jobs_running + d);
	pthread_mutex_unlock(&jobs_lock);
}

unsigned int
sim_jobs_running(void)
{
	unsigned int n;

	pthread_mutex_lock(&jobs_lock);
	n = jobs_running;
	pthread_mutex_unlock(&jobs_lock);
	return n;
}

int
sim_hub_new(struct sim_hub **out)
{
	struct sim_hub *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return -ENOMEM;
	h->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->fd < 0 || pthread_mutex_init(&h->lock, NULL) != 0) {
		if (h->fd >= 0)
			close(h->fd);
		free(h);
		return -EMFILE;
	}
	h->refs = 1;
	*out = h;
	return 0;
}

int
sim_hub_fd(const struct sim_hub *h)
{
	return h->fd;
}

static void
hub_free(struct sim_hub *h)
{
	close(h->fd);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

void
sim_job_free(struct sim_job *j)
{
	if (j == NULL)
		return;
	free(j->line);
	hmc_buf_free(&j->out);
	hmc_buf_free(&j->err);
	free(j);
}

/* Caller holds the hub's lock. */
static void
list_remove(struct sim_job **head, struct sim_job *j)
{
	struct sim_job **pp;

	for (pp = head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			j->next = NULL;
			return;
		}
}

static void
list_append(struct sim_job **head, struct sim_job *j)
{
	struct sim_job **pp;

	for (pp = head; *pp != NULL; pp = &(*pp)->next)
		;
	j->next = NULL;
	*pp = j;
}

/* Is the client still waiting (checked while a hang fault holds)? */
static bool
job_alive(void *arg)
{
	struct sim_job *j = arg;
	bool alive;

	pthread_mutex_lock(&j->hub->lock);
	alive = !j->cancel;
	pthread_mutex_unlock(&j->hub->lock);
	return alive;
}

/* Run the command and log it; the answer stays in J. */
static void
job_run(struct sim_job *j)
{
	struct sim_ctx c = { .m = j->m, .out = &j->out, .err = &j->err,
			     .user = j->user, .alive = job_alive,
			     .alive_arg = j };
	struct sim_log_rec r = { .endpoint = j->endpoint, .user = j->user,
				 .peer = j->peer, .mode = j->mode,
				 .session = j->session, .command = j->line };
	int rc;

	r.start_mono = sim_mono_now();
	r.start_wall_us = sim_wall_us();
	rc = sim_cmd_run(&c, j->line);
	r.end_mono = sim_mono_now();
	r.end_wall_us = sim_wall_us();
	r.fault = c.fault[0] ? c.fault : NULL;
	j->hit = c.hit;
	j->dropped = c.dropped;
	j->status = c.dropped ? -1 : rc;
	r.exit_status = j->status;
	sim_log_write(&r);
}

/* Hand J to its session, or drop it if the session is gone. */
static void
job_done(struct sim_job *j)
{
	struct sim_hub *h = j->hub;
	uint64_t one = 1;
	ssize_t w;
	bool gone, last;

	pthread_mutex_lock(&h->lock);
	list_remove(&h->running, j);
	gone = h->closed;
	if (!gone) {
		list_append(&h->done, j);
		/* EAGAIN only at the counter's limit: readable anyway */
		w = write(h->fd, &one, sizeof(one));
		(void)w;
	}
	last = --h->refs == 0;
	pthread_mutex_unlock(&h->lock);
	if (gone) {
		srr_log(LOG_NOTICE, "%s: session %lu closed before \"%s\" "
			"ended (exit %d): its answer is dropped", j->endpoint,
			j->session, j->line, j->status);
		sim_job_free(j);
	}
	if (last)
		hub_free(h);
}

static void *
job_main(void *arg)
{
	struct sim_job *j = arg;

	job_run(j);
	job_done(j);
	jobs_count(-1);		/* the last touch: the model may go after it */
	return NULL;
}

int
sim_job_start(struct sim_hub *h, struct sim_job *j)
{
	pthread_attr_t a;
	pthread_t t;
	int rc;

	j->hub = h;
	j->cancel = false;
	pthread_mutex_lock(&h->lock);
	list_append(&h->running, j);
	h->refs++;
	pthread_mutex_unlock(&h->lock);
	jobs_count(1);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, JOB_STACK);
	rc = pthread_create(&t, &a, job_main, j);
	pthread_attr_destroy(&a);
	if (rc == 0)
		return 0;
	jobs_count(-1);
	pthread_mutex_lock(&h->lock);
	list_remove(&h->running, j);
	h->refs--;
	pthread_mutex_unlock(&h->lock);
	return -rc;
}

void
sim_job_cancel(struct sim_job *j)
{
	pthread_mutex_lock(&j->hub->lock);
	j->cancel = true;
	pthread_mutex_unlock(&j->hub->lock);
}

struct sim_job *
sim_hub_take(struct sim_hub *h)
{
	struct sim_job *list;
	uint64_t n;
	ssize_t r;

	/* Clear the signal first: a job done after this signals again. */
	r = read(h->fd, &n, sizeof(n));
	(void)r;
	pthread_mutex_lock(&h->lock);
	list = h->done;
	h->done = NULL;
	pthread_mutex_unlock(&h->lock);
	return list;
}

void
sim_hub_close(struct sim_hub *h)
{
	struct sim_job *j, *done;
	bool last;

	pthread_mutex_lock(&h->lock);
	h->closed = true;
	for (j = h->running; j != NULL; j = j->next)
		j->cancel = true;
	done = h->done;
	h->done = NULL;
	last = --h->refs == 0;
	pthread_mutex_unlock(&h->lock);
	while ((j = done) != NULL) {
		done = j->next;
		srr_log(LOG_NOTICE, "%s: session %lu closed before the answer "
			"to \"%s\" (exit %d) went out: dropped", j->endpoint,
			j->session, j->line, j->status);
		sim_job_free(j);
	}
	if (last)
		hub_free(h);
}
