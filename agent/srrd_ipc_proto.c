/*
 * srrd_ipc_proto.c: what srrd's IPC server and srrctl share of the
 * protocol (srrd_ipc.h): the service name and the errno names.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "agent/srrd_ipc.h"

const char *
srrd_ipc_name(void)
{
	const char *n = getenv(SRRD_IPC_NAME_ENV);

	return (n != NULL && n[0] != '\0') ? n : SRRD_IPC_NAME;
}

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EAGAIN, "EAGAIN" },
	{ EINVAL, "EINVAL" }, { ETIMEDOUT, "ETIMEDOUT" }, { EBUSY, "EBUSY" },
	{ EBADMSG, "EBADMSG" }, { EMSGSIZE, "EMSGSIZE" }, { EPROTO, "EPROTO" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { ENOMEM, "ENOMEM" }, { EIO, "EIO" },
	{ EACCES, "EACCES" }, { ECANCELED, "ECANCELED" }, { ENOTSUP, "ENOTSUP" },
	{ EEXIST, "EEXIST" }, { ENODATA, "ENODATA" }, { E2BIG, "E2BIG" },
};

const char *
srrd_ipc_errno_name(int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return "EIO";
}

int64_t
srrd_ipc_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
