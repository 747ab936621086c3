/*
 * cluster_reader.c: votequorum's settings and totem's runtime timing,
 * read by a thread of their own.
 *
 * cmap_get and votequorum_getinfo are synchronous requests with no
 * timeout in the corosync libraries. While corosync is busy (a merge, a
 * sync after a heal: its IPC is rate-limited while totem's queue is
 * full) such a request waits. Made from the loop, it stops the loop
 * from reading CPG events; corosync then retries its queue to us from a
 * high-priority job, a busy loop at real-time priority, and a heal that
 * takes seconds took a minute (four corosyncs spinning on two cores lose
 * their tokens). So the loop never asks: this thread does, with its own
 * handles, every second and when poked, and leaves the newest result
 * for the loop behind a pipe. The loop says how long a read has been
 * waiting (cv_reader_busy_ms) and logs it while it lasts.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <qb/qbutil.h>

#include "cluster/cluster_int.h"

#define READ_EVERY_MS	1000u

struct cv_reader {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int pipe[2];		/* the thread writes a byte per result */
	bool stop, poke;
	uint64_t gen;		/* pokes so far */
	uint32_t nodeid;
	bool have;		/* a result the loop has not taken */
	struct cv_result res;
	uint64_t busy_since;	/* ms: a read under way; 0: idle */
	/* A stop that timed out leaves the thread behind: it frees the
	 * reader itself when its read returns (done, abandoned). */
	bool done, abandoned;
};

static void
reader_free(struct cv_reader *r)
{
	int i;

	for (i = 0; i < 2; i++)
		close(r->pipe[i]);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static uint64_t
now_ms(void)
{
	return qb_util_nano_current_get() / 1000000u;
}

static void
deadline_in(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000u;
	ts->tv_nsec += (long)(ms % 1000u) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* one read, with handles opened on demand and dropped on any error (so
 * a restarted corosync is found again) */
static void
read_once(cmap_handle_t *cmap, bool *cmap_open, votequorum_handle_t *vq,
	  bool *vq_open, uint32_t nodeid, struct cv_result *r)
{
	memset(r, 0, sizeof(*r));
	r->rc = -ENOTCONN;
	if (!*cmap_open && cmap_initialize(cmap) == CS_OK)
		*cmap_open = true;
	if (!*vq_open && votequorum_initialize(vq, NULL) == CS_OK)
		*vq_open = true;
	if (*cmap_open && *vq_open)
		r->rc = cv_read(*cmap, *vq, nodeid, &r->facts, &r->token_ms,
				&r->consensus_ms);
	if (r->rc == 0)
		return;
	if (*cmap_open)
		cmap_finalize(*cmap);
	if (*vq_open)
		votequorum_finalize(*vq);
	*cmap_open = *vq_open = false;
}

static void *
reader_main(void *arg)
{
	struct cv_reader *r = arg;
	cmap_handle_t cmap = 0;
	votequorum_handle_t vq = 0;
	bool cmap_open = false, vq_open = false, abandoned;
	struct cv_result res;
	struct timespec ts;
	uint32_t nodeid;
	uint64_t gen;
	ssize_t n;

	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		nodeid = r->nodeid;
		gen = r->gen;
		r->poke = false;
		r->busy_since = now_ms();
		pthread_mutex_unlock(&r->mu);

		read_once(&cmap, &cmap_open, &vq, &vq_open, nodeid, &res);
		res.gen = gen;

		pthread_mutex_lock(&r->mu);
		r->busy_since = 0;
		r->res = res;
		r->have = true;
		do
			n = write(r->pipe[1], "r", 1);
		while (n < 0 && errno == EINTR);
		/* EAGAIN: a byte is already waiting, the loop reads the newest */
		deadline_in(&ts, READ_EVERY_MS);
		while (!r->stop && !r->poke &&
		       pthread_cond_timedwait(&r->cv, &r->mu, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&r->mu);
	if (cmap_open)
		cmap_finalize(cmap);
	if (vq_open)
		votequorum_finalize(vq);
	pthread_mutex_lock(&r->mu);
	r->done = true;
	abandoned = r->abandoned;
	pthread_mutex_unlock(&r->mu);
	if (abandoned)
		reader_free(r);
	return NULL;
}

int
cv_reader_start(struct cv_reader **out)
{
	struct cv_reader *r;
	pthread_condattr_t ca;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	if (pipe2(r->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(r);
		return -errno;
	}
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&r->thread, NULL, reader_main, r) != 0) {
		reader_free(r);
		return -EAGAIN;
	}
	*out = r;
	return 0;
}

int
cv_reader_fd(const struct cv_reader *r)
{
	return r->pipe[0];
}

uint64_t
cv_reader_poke(struct cv_reader *r, uint32_t nodeid)
{
	uint64_t gen;

	pthread_mutex_lock(&r->mu);
	r->nodeid = nodeid;
	r->poke = true;
	gen = ++r->gen;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return gen;
}

bool
cv_reader_take(struct cv_reader *r, struct cv_result *res)
{
	char buf[64];
	bool have;

	while (read(r->pipe[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&r->mu);
	have = r->have;
	if (have)
		*res = r->res;
	r->have = false;
	pthread_mutex_unlock(&r->mu);
	return have;
}

uint64_t
cv_reader_busy_ms(struct cv_reader *r)
{
	uint64_t since, now = now_ms();

	pthread_mutex_lock(&r->mu);
	since = r->busy_since;
	pthread_mutex_unlock(&r->mu);
	return since != 0 && now > since ? now - since : 0;
}

/* A thread stuck in a request to a hung corosync cannot be joined: it is
 * left behind (with its memory) after a bounded wait, and the caller
 * told so. */
bool
cv_reader_stop(struct cv_reader *r, unsigned wait_ms)
{
	struct timespec ts;

	if (r == NULL)
		return true;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += wait_ms / 1000u;
	ts.tv_nsec += (long)(wait_ms % 1000u) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	if (pthread_timedjoin_np(r->thread, NULL, &ts) != 0) {
		pthread_mutex_lock(&r->mu);
		if (!r->done) {
			/* left behind: it frees the reader when it returns */
			pthread_t t = r->thread;

			r->abandoned = true;
			pthread_mutex_unlock(&r->mu);
			pthread_detach(t);
			return false;
		}
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);	/* it ended just now */
	}
	reader_free(r);
	return true;
}
