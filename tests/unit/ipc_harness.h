/*
 * ipc_harness.h: what the IPC tests share (ipc_harness.c): a fake srrd
 * (srrd_fake.c) serving the real IPC server and scrape endpoint in a child
 * process, srrctl runs, golden files, JSON and raw-client helpers.
 */
#ifndef SRR_IPC_HARNESS_H
#define SRR_IPC_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#define GROUP	"daemon"	/* the fake's [ipc] group: exists on Debian */

struct run {
	int rc;
	char out[512 * 1024];
	char err[8 * 1024];
};

/* The test's directory, srrctl's path, the fake's request log, the scrape
 * endpoint's port. */
extern char dir[];
extern char srrctl[], logpath[];
extern uint16_t http_port;

/* cmocka group setup and teardown: the fake srrd in a child process. */
int group_setup(void **state);
int group_teardown(void **state);

void slurp(const char *path, char *buf, size_t len);
/* Runs srrctl ARGS (NULL-terminated) as UID/GID (-1: as we are). */
void run_as(struct run *r, uid_t uid, gid_t gid, const char *const *args);
#define RUN(r, ...) do { \
	const char *const a_[] = { __VA_ARGS__, NULL }; \
	run_as((r), (uid_t)-1, (gid_t)-1, a_); \
} while (0)

/* srrctl ARGS exits with RC and prints fixtures/srrctl/NAME, in 80
 * columns. */
#define HUMAN(r, name, want, ...) do { \
	RUN(r, __VA_ARGS__); \
	assert_int_equal((r)->rc, (want)); \
	fits_80((r)->out); \
	golden((name), (r)->out); \
} while (0)

/* Compares TEXT with fixtures/srrctl/NAME, or rewrites it
 * (SRRCTL_UPDATE_GOLDEN=1). */
void golden(const char *name, const char *text);
/* Every line of TEXT fits 80 columns (the manual commands excepted). */
void fits_80(const char *text);
struct json_object *json_out(const struct run *r);
const char *jpath(struct json_object *o, const char *k1, const char *k2,
		  const char *k3);
/* A raw libqb client: LEN bytes as they are; the reply's error and JSON. */
int32_t raw_request(const void *buf, size_t len, struct json_object **reply);
int32_t raw_json(const char *body, struct json_object **reply);
/* What reached the fake srrd (requests and cancellations). */
void log_text(char *buf, size_t len);
void promtool_ok(const char *text);
bool need_root(void);

#endif /* SRR_IPC_HARNESS_H */
