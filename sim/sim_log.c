/*
 * sim_log.c: the command log, one JSON object per line (json-c), written
 * when a command ends (or is dropped). Tests read it to prove ordering and
 * overlap: monotonic times in seconds, wall times in microseconds since
 * the epoch.
 */
#include "config.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "sim.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;
static char *log_path;
static unsigned long log_seq;

int64_t
sim_wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

int
sim_log_open(const char *path)
{
	FILE *f = fopen(path, "a");

	if (f == NULL)
		return -errno;
	pthread_mutex_lock(&log_lock);
	if (log_file != NULL)
		fclose(log_file);
	log_file = f;
	free(log_path);
	log_path = strdup(path);
	pthread_mutex_unlock(&log_lock);
	return 0;
}

static json_object *
mono_json(sim_mono t)
{
	return json_object_new_double((double)t.ns / 1e9);
}

void
sim_log_write(const struct sim_log_rec *r)
{
	json_object *o;

	pthread_mutex_lock(&log_lock);
	if (log_file == NULL) {
		pthread_mutex_unlock(&log_lock);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)++log_seq));
	json_object_object_add(o, "endpoint", json_object_new_string(r->endpoint));
	json_object_object_add(o, "user", json_object_new_string(r->user));
	if (r->peer != NULL)
		json_object_object_add(o, "peer", json_object_new_string(r->peer));
	json_object_object_add(o, "mode", json_object_new_string(r->mode));
	json_object_object_add(o, "session", json_object_new_int64((int64_t)r->session));
	json_object_object_add(o, "command", json_object_new_string(r->command));
	json_object_object_add(o, "start_mono", mono_json(r->start_mono));
	json_object_object_add(o, "end_mono", mono_json(r->end_mono));
	json_object_object_add(o, "start_wall_us", json_object_new_int64(r->start_wall_us));
	json_object_object_add(o, "end_wall_us", json_object_new_int64(r->end_wall_us));
	json_object_object_add(o, "exit_status", r->exit_status < 0 ? NULL :
			       json_object_new_int(r->exit_status));
	if (r->fault != NULL)
		json_object_object_add(o, "fault", json_object_new_string(r->fault));
	fprintf(log_file, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(log_file);
	json_object_put(o);
	pthread_mutex_unlock(&log_lock);
}

void
sim_log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
	free(log_path);
	log_path = NULL;
	pthread_mutex_unlock(&log_lock);
}

int
sim_log_tail(struct hmc_buf *b, unsigned int n)
{
	struct hmc_buf all = { 0 };
	char chunk[65536];
	size_t got, start, lines = 0;
	FILE *f = NULL;
	int rc = 0;

	pthread_mutex_lock(&log_lock);
	if (log_path != NULL)
		f = fopen(log_path, "r");
	pthread_mutex_unlock(&log_lock);
	if (f == NULL)
		return -ENOENT;
	while (rc == 0 && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = hmc_buf_append(&all, chunk, got);
	fclose(f);
	/* Walk back over N newlines (the last byte ends the last line). */
	start = all.len;
	while (rc == 0 && start > 0 && (n == 0 || lines <= n)) {
		if (all.s[start - 1] == '\n' && ++lines > n && n != 0)
			break;
		start--;
	}
	if (rc == 0 && all.len > start)
		rc = hmc_buf_append(b, all.s + start, all.len - start);
	hmc_buf_free(&all);
	return rc;
}
