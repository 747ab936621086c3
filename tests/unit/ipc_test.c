/*
 * ipc_test.c: srrd's real IPC server, metrics and scrape endpoint over a
 * fake srrd (ipc_harness.c, srrd_fake.c), through a raw libqb client and
 * srrctl: malformed, oversized and unknown requests, credentials, a write
 * pending while others are answered, promtool (functional, security). The
 * security tests run clients as nobody and need root (skipped otherwise,
 * and the skip is counted).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <qb/qbipcc.h>

#include "agent/srrd_ipc.h"
#include "srrd_fake.h"
#include "ipc_harness.h"

static void
http_get(const char *addr, const char *req, char *buf, size_t len, int *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t n = 0;
	ssize_t k;

	sa.sin_port = htons(http_port);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	buf[0] = '\0';
	*err = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		*err = errno;
		close(fd);
		return;
	}
	assert_true(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	while (n < len - 1 && (k = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = '\0';
	close(fd);
}

static void
test_scrape_endpoint(void **state)
{
	static char buf[256 * 1024];
	char *body;
	int err;

	http_get("127.0.0.1", "GET /metrics HTTP/1.0\r\n\r\n", buf,
		 sizeof(buf), &err);
	assert_int_equal(err, 0);
	assert_memory_equal(buf + 8, " 200 ", 5);
	assert_non_null(strstr(buf, "text/plain; version=0.0.4"));
	body = strstr(buf, "\r\n\r\n");
	assert_non_null(body);
	promtool_ok(body + 4);
	http_get("127.0.0.1", "GET /metrics HTTP/1.0\r\nAccept: "
		 "application/openmetrics-text\r\n\r\n", buf, sizeof(buf), &err);
	assert_non_null(strstr(buf, "application/openmetrics-text"));
	assert_non_null(strstr(buf, "# EOF\n"));
	http_get("127.0.0.1", "GET /secret HTTP/1.0\r\n\r\n", buf,
		 sizeof(buf), &err);
	assert_memory_equal(buf + 8, " 404 ", 5);
	/* Bound to 127.0.0.1 only: another loopback address is refused. */
	http_get("127.0.0.2", "GET /metrics HTTP/1.0\r\n\r\n", buf,
		 sizeof(buf), &err);
	assert_int_equal(err, ECONNREFUSED);
}

static void
test_metrics(void **state)
{
	struct run r;

	RUN(&r, "metrics");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "\nsrrha_debts_pending 2\n"));
	assert_non_null(strstr(r.out, "srrha_restarts_total{result=\"ok\"} 5\n"));
	assert_non_null(strstr(r.out, "srrha_gate_refusals_total{part=\"source\"} 2\n"));
	assert_non_null(strstr(r.out, "srrha_hmc_last_poll_age_seconds{hmc=\"hmc2\"} +Inf\n"));
	assert_non_null(strstr(r.out, "srrha_commands_in_flight 1\n"));
	promtool_ok(r.out);
	RUN(&r, "metrics", "--openmetrics");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "# TYPE srrha_restarts counter\n"));
	assert_non_null(strstr(r.out, "\n# EOF\n"));
}

static void
test_malformed_refused(void **state)
{
	struct qb_ipc_request_header h = { SRRD_IPC_MSG_REQUEST, 0 };
	struct json_object *o;
	char buf[64], *big;
	size_t bigl = SRRD_IPC_REQ_MAX + 4096;

	assert_int_equal(raw_json("{not json", &o), -EBADMSG);
	assert_non_null(strstr(jpath(o, "error", NULL, NULL), "malformed"));
	assert_string_equal(jpath(o, "ok", NULL, NULL), "false");
	json_object_put(o);
	assert_int_equal(raw_json("[1,2]", &o), -EBADMSG);
	json_object_put(o);
	assert_int_equal(raw_json("{\"version\":1}", &o), -EBADMSG);
	json_object_put(o);
	assert_int_equal(raw_json("{\"version\":2,\"command\":\"status\"}",
				  &o), -EPROTO);
	assert_non_null(strstr(jpath(o, "error", NULL, NULL), "version 2"));
	json_object_put(o);
	assert_int_equal(raw_json("{\"version\":1,\"command\":\"rm -rf\"}",
				  &o), -EOPNOTSUPP);
	assert_string_equal(jpath(o, "errno", NULL, NULL), "EOPNOTSUPP");
	json_object_put(o);
	assert_int_equal(raw_json("{\"version\":1,\"command\":\"pause\","
				  "\"args\":{\"reason\":7}}", &o), -EINVAL);
	json_object_put(o);
	assert_int_equal(raw_json("{\"version\":1,\"command\":\"pause\","
				  "\"args\":{\"reason\":\"a\\nb\"}}", &o),
			 -EINVAL);
	json_object_put(o);

	assert_int_equal(raw_json("{\"version\":1,\"command\":\"lpars\","
				  "\"args\":{\"system\":[1]}}", &o), -EINVAL);
	json_object_put(o);
	assert_int_equal(raw_json("{\"version\":1,\"command\":\"history\","
				  "\"args\":{\"since_ms\":\"x\"}}", &o), -EINVAL);
	json_object_put(o);
	assert_int_equal(raw_json("{\"version\":1,\"command\":\"metrics\","
				  "\"args\":{\"format\":\"xml\"}}", &o), -EINVAL);
	json_object_put(o);

	/* The header lies about the size; no NUL; another message id. */
	h.size = 1000;
	memcpy(buf, &h, sizeof(h));
	strcpy(buf + sizeof(h), "{}");
	assert_int_equal(raw_request(buf, sizeof(h) + 3, &o), -EBADMSG);
	json_object_put(o);
	h.size = sizeof(h) + 3;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), "{}x", 3);
	assert_int_equal(raw_request(buf, sizeof(h) + 3, &o), -EBADMSG);
	json_object_put(o);
	h.id = 42;
	memcpy(buf, &h, sizeof(h));
	strcpy(buf + sizeof(h), "{}");
	assert_int_equal(raw_request(buf, sizeof(h) + 3, &o), -EOPNOTSUPP);
	json_object_put(o);

	/* Oversized. */
	big = malloc(bigl);
	memset(big, ' ', bigl);
	((struct qb_ipc_request_header *)big)->id = SRRD_IPC_MSG_REQUEST;
	((struct qb_ipc_request_header *)big)->size = (int32_t)bigl;
	big[bigl - 1] = '\0';
	assert_int_equal(raw_request(big, bigl, &o), -EMSGSIZE);
	json_object_put(o);
	free(big);

	/* A reply larger than the client's buffer (libqb's smallest is about
	 * 12 KiB): refused with its size, and srrctl asks once more with
	 * room for it. */
	{
		static const char q[] = "{\"version\":1,\"command\":\"lpars\","
			"\"args\":{\"system\":\"MANY\"}}";
		qb_ipcc_connection_t *c = qb_ipcc_connect(srrd_ipc_name(), 4096);
		int32_t cap = qb_ipcc_get_buffer_size(c);
		char *rb = malloc((size_t)cap);
		struct qb_ipc_response_header *rh = (void *)rb;
		struct run r;

		h.id = SRRD_IPC_MSG_REQUEST;
		h.size = (int32_t)(sizeof(h) + sizeof(q));
		memcpy(rb, &h, sizeof(h));
		memcpy(rb + sizeof(h), q, sizeof(q));
		assert_true(qb_ipcc_send(c, rb, sizeof(h) + sizeof(q)) >= 0);
		assert_true(qb_ipcc_recv(c, rb, (size_t)cap, 5000) > 0);
		qb_ipcc_disconnect(c);
		assert_int_equal(rh->error, -EMSGSIZE);
		o = json_tokener_parse(rb + sizeof(*rh));
		assert_true(atoi(jpath(o, "size", NULL, NULL)) > cap);
		json_object_put(o);
		free(rb);
		setenv("SRRCTL_IPC_BUF", "4096", 1);
		RUN(&r, "lpars", "MANY", "--json");
		unsetenv("SRRCTL_IPC_BUF");
		assert_int_equal(r.rc, 0);
		o = json_out(&r);
		assert_int_equal(json_object_array_length(json_object_object_get(
			json_object_object_get(o, "data"), "lpars")), 200);
		json_object_put(o);
	}

	/* And the server still answers. */
	assert_int_equal(raw_json("{\"version\":1,\"command\":\"status\"}",
				  &o), 0);
	json_object_put(o);
}

static void
test_nobody_refused(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	struct run r;
	char before[4096], after[4096];
	const char *const pause[] = { "pause", "--reason", "x", "--yes", NULL };
	const char *const status[] = { "status", NULL };
	const char *const check[] = { "debts", "--check", NULL };

	if (!need_root())
		skip();
	assert_non_null(pw);
	log_text(before, sizeof(before));
	run_as(&r, pw->pw_uid, pw->pw_gid, pause);
	assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
	assert_string_equal(r.err, "srrctl: pause: permission denied: only "
			    "root or group " GROUP " may use srrd\n");
	run_as(&r, pw->pw_uid, pw->pw_gid, status);
	assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
	run_as(&r, pw->pw_uid, pw->pw_gid, check);
	assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
	assert_string_equal(r.out, "SRRHA DEBTS UNKNOWN - permission denied: "
			    "only root or group " GROUP " may use srrd\n");
	/* Without the configuration at hand, srrctl still says who may. */
	{
		const char *const noconf[] = { "-c", "/nonexistent", "status",
					       NULL };

		run_as(&r, pw->pw_uid, pw->pw_gid, noconf);
		assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
		assert_string_equal(r.err, "srrctl: status: permission denied: "
				    "only root or the group named in [ipc] "
				    "group of /nonexistent may use srrd\n");
	}
	log_text(after, sizeof(after));
	assert_string_equal(before, after);
}

static void
test_group_member_allowed(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	struct group *gr = getgrnam(GROUP);
	struct run r;
	char log[4096];
	const char *const status[] = { "status", NULL };
	const char *const pause[] = { "pause", "--reason", "by a member",
				      NULL };

	if (!need_root())
		skip();
	assert_non_null(pw);
	assert_non_null(gr);
	run_as(&r, pw->pw_uid, gr->gr_gid, status);
	assert_int_equal(r.rc, 0);
	run_as(&r, pw->pw_uid, gr->gr_gid, pause);
	assert_int_equal(r.rc, 0);
	log_text(log, sizeof(log));
	assert_non_null(strstr(log, "request pause user=nobody reason=by a "
			       "member\n"));
}

static void
test_pending_write_cancelled(void **state)
{
	static const char slow[] = "{\"version\":1,\"command\":\"validate\","
		"\"args\":{\"target\":\"slow\"}}";
	size_t len = sizeof(struct qb_ipc_request_header) + sizeof(slow);
	char *buf = calloc(1, len), rbuf[4096], log[8192];
	struct qb_ipc_request_header *h = (void *)buf;
	qb_ipcc_connection_t *c;
	struct run r;

	h->id = SRRD_IPC_MSG_REQUEST;
	h->size = (int32_t)len;
	memcpy(buf + sizeof(*h), slow, sizeof(slow));
	c = qb_ipcc_connect(srrd_ipc_name(), SRRD_IPC_BUF);
	assert_non_null(c);
	assert_true(qb_ipcc_send(c, buf, len) >= 0);
	assert_true(qb_ipcc_recv(c, rbuf, sizeof(rbuf), 200) < 0);
	/* Meanwhile another client is answered. */
	RUN(&r, "status", "--timeout", "2s");
	assert_int_equal(r.rc, 0);
	/* A second request on the same connection is refused (one at a
	 * time), not queued behind the first. */
	assert_true(qb_ipcc_send(c, buf, len) >= 0);
	assert_true(qb_ipcc_recv(c, rbuf, sizeof(rbuf), 2000) > 0);
	assert_non_null(strstr(rbuf + sizeof(struct qb_ipc_response_header),
			       "one request at a time"));
	qb_ipcc_disconnect(c);
	free(buf);
	usleep(300000);
	log_text(log, sizeof(log));
	assert_non_null(strstr(log, "request validate user=root reason=\n"
			       "cancel\n"));
	/* srrctl's own bound: it gives up, says so, exit 3. */
	RUN(&r, "validate", "slow", "--timeout", "2s");
	assert_int_equal(r.rc, SRRCTL_EXIT_UNREACHABLE);
	assert_non_null(strstr(r.err, "did not answer within 2s"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_scrape_endpoint),
		cmocka_unit_test(test_malformed_refused),
		cmocka_unit_test(test_pending_write_cancelled),
		cmocka_unit_test(test_nobody_refused),
		cmocka_unit_test(test_group_member_allowed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
