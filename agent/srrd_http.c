/*
 * srrd_http.c: the optional metrics scrape endpoint ([ipc] metrics_port),
 * libmicrohttpd on srrd's loop, bound to 127.0.0.1 only.
 *
 * microhttpd runs without a thread of its own: its epoll descriptor is
 * polled by the loop and MHD_run() does the work that is ready, so the
 * metrics are read on the loop like every other view (srrd's state is not
 * shared with another thread). A 1 s timer lets microhttpd expire idle
 * connections. GET /metrics only; the OpenMetrics text when the scraper
 * asks for it (Accept: application/openmetrics-text), else the Prometheus
 * text format.
 *
 * libmicrohttpd is loaded (dlopen) only when the endpoint is configured:
 * linked, it brings GnuTLS and seven libraries more into every srrd, their
 * constructors run, and they cost about 2.4 MB of RSS in an agent whose
 * endpoint is off, the default (doc/srrd.md, "Footprint").
 */
#define SRR_LOG_TAG "ipc"

#include "config.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <qb/qbloop.h>

#include "agent/srrd_ipc.h"

#define HTTP_CONN_MAX		8
#define HTTP_CONN_TIMEOUT_S	5
#define HTTP_TICK_MS		1000
#define HTTP_MHD_SONAME		"libmicrohttpd.so.12"

/* The part of libmicrohttpd srrd calls, typed by its header. */
#define MHD_FN(f)	__typeof__(MHD_##f) *f
static struct {
	void *lib;
	MHD_FN(start_daemon);
	MHD_FN(stop_daemon);
	MHD_FN(run);
	MHD_FN(get_daemon_info);
	MHD_FN(lookup_connection_value);
	MHD_FN(create_response_from_buffer);
	MHD_FN(add_response_header);
	MHD_FN(queue_response);
	MHD_FN(destroy_response);
} mhdlib;
#undef MHD_FN

struct srrd_http {
	struct srrd *d;
	qb_loop_t *loop;
	struct MHD_Daemon *mhd;
	int fd;
	qb_loop_timer_handle timer;
};

#define MHD_SYM(f) \
	(mhdlib.f = (__typeof__(mhdlib.f))dlsym(mhdlib.lib, "MHD_" #f))

/* Loads libmicrohttpd once, for the life of the process. */
static int
mhd_load(void)
{
	if (mhdlib.lib != NULL)
		return 0;
	mhdlib.lib = dlopen(HTTP_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (mhdlib.lib == NULL) {
		srr_log(LOG_ERR, "metrics endpoint: %s", dlerror());
		return -ENOENT;
	}
	if (!MHD_SYM(start_daemon) || !MHD_SYM(stop_daemon) || !MHD_SYM(run) ||
	    !MHD_SYM(get_daemon_info) || !MHD_SYM(lookup_connection_value) ||
	    !MHD_SYM(create_response_from_buffer) ||
	    !MHD_SYM(add_response_header) || !MHD_SYM(queue_response) ||
	    !MHD_SYM(destroy_response)) {
		srr_log(LOG_ERR, "metrics endpoint: %s: %s", HTTP_MHD_SONAME,
			dlerror());
		dlclose(mhdlib.lib);
		mhdlib.lib = NULL;
		return -ENOENT;
	}
	return 0;
}
#undef MHD_SYM

static bool
wants_openmetrics(struct MHD_Connection *conn)
{
	const char *acc = mhdlib.lookup_connection_value(conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_ACCEPT);

	return acc != NULL && strstr(acc, "application/openmetrics-text");
}

static enum MHD_Result
http_reply(struct MHD_Connection *conn, unsigned code, const char *type,
	   char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = mhdlib.create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	mhdlib.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = mhdlib.queue_response(conn, code, r);
	mhdlib.destroy_response(r);
	return ret;
}

static enum MHD_Result
http_request(void *cls, struct MHD_Connection *conn, const char *url,
	     const char *method, const char *version, const char *upload,
	     size_t *upload_len, void **con_cls)
{
	struct srrd_http *h = cls;
	bool om = wants_openmetrics(conn);
	char *text = NULL;
	size_t len = 0;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return http_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "text/plain", strdup("GET /metrics\n"), 13);
	if (strcmp(url, "/metrics") != 0)
		return http_reply(conn, MHD_HTTP_NOT_FOUND, "text/plain",
				  strdup("GET /metrics\n"), 13);
	if (srrd_metrics_format(h->d, om, &text, &len) < 0)
		return http_reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "text/plain", strdup("no metrics\n"), 11);
	return http_reply(conn, MHD_HTTP_OK, om ?
		"application/openmetrics-text; version=1.0.0; charset=utf-8" :
		"text/plain; version=0.0.4; charset=utf-8", text, len);
}

static void http_tick(void *data);

static void
http_run(struct srrd_http *h)
{
	if (mhdlib.run(h->mhd) != MHD_YES)
		srr_log(LOG_WARNING, "metrics endpoint: MHD_run failed");
}

static int32_t
http_ready(int32_t fd, int32_t revents, void *data)
{
	http_run(data);
	return 0;
}

static void
http_tick(void *data)
{
	struct srrd_http *h = data;

	http_run(h);
	qb_loop_timer_add(h->loop, QB_LOOP_LOW, HTTP_TICK_MS * 1000000ULL, h,
			  http_tick, &h->timer);
}

static struct MHD_Daemon *
http_daemon(struct srrd_http *h, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return mhdlib.start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, port,
		NULL, NULL, http_request, h,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONN_TIMEOUT_S,
		MHD_OPTION_END);
}

int
srrd_http_start(struct srrd *d, uint16_t port, struct srrd_http **out)
{
	const union MHD_DaemonInfo *info;
	struct srrd_http *h;
	qb_loop_t *loop = srrd_ipc_loop();
	int rc;

	if (port == 0 || loop == NULL)
		return -EINVAL;
	if ((rc = mhd_load()) < 0)
		return rc;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -ENOMEM;
	h->d = d;
	h->loop = loop;
	if ((h->mhd = http_daemon(h, port)) == NULL) {
		srr_log(LOG_ERR, "metrics endpoint: cannot listen on "
			"127.0.0.1:%u", (unsigned)port);
		free(h);
		return -EADDRINUSE;
	}
	info = mhdlib.get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	h->fd = info ? info->epoll_fd : -1;
	rc = h->fd < 0 ? -EIO : qb_loop_poll_add(loop, QB_LOOP_LOW, h->fd,
						  POLLIN, h, http_ready);
	if (rc < 0) {
		mhdlib.stop_daemon(h->mhd);
		free(h);
		return rc;
	}
	qb_loop_timer_add(loop, QB_LOOP_LOW, HTTP_TICK_MS * 1000000ULL, h,
			  http_tick, &h->timer);
	srr_log(LOG_INFO, "metrics endpoint on http://127.0.0.1:%u/metrics",
		(unsigned)port);
	*out = h;
	return 0;
}

void
srrd_http_stop(struct srrd_http *h)
{
	if (h == NULL)
		return;
	qb_loop_timer_del(h->loop, h->timer);
	qb_loop_poll_del(h->loop, h->fd);
	mhdlib.stop_daemon(h->mhd);
	free(h);
}
