/*
 * srrd_fence.c: the fence device of an ambiguous source. A standard fence
 * agent (fence_ipmilan ...) reads key=value lines on stdin: the configured
 * parameters, then action=off. Success is exit 0 within the timeout;
 * anything else (a failure, a hang killed at the timeout, no agent) is a
 * failed fence, and the engine keeps waiting.
 */
#define SRR_LOG_TAG "srrd"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "agent/srrd_int.h"

/* The result answers the engine's latest request (its tag): a fence
 * still running when a new one is asked for powers the system off after
 * that request, so its outcome answers it too. */
static void
post_result(struct srrd *d, int sys, bool ok)
{
	struct srr_event ev = { .type = SRR_EV_FENCE_RESULT };

	ev.u.fence.sys = sys;
	ev.u.fence.success = ok;
	ev.u.fence.tag = d->sys[sys].fence_tag;
	srrd_post(d, &ev);
}

static void
fence_done(struct srrd *d, struct srrd_child *c, int status, bool timed_out)
{
	bool ok = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	const char *name = d->conf.sys[c->sys].name;

	d->sys[c->sys].fence_busy = false;
	srr_log(ok ? LOG_NOTICE : LOG_ERR, "fence of %s: %s", name,
		ok ? "success" : timed_out ? "timed out" : "failed");
	srrd_alert(d, SRRD_AK_FENCING, ok ? "fence_ok" : "fence_failed", NULL,
		   "off", rc, "Operation off of %s by %s: %s", name,
		   d->nodename, ok ? "OK" : timed_out ? "Timed Out" : "Error");
	if (!d->stopping)
		post_result(d, c->sys, ok);
	free(c);
}

static int
fence_input(const struct srrd_fence_conf *f, char *buf, size_t len)
{
	size_t o = 0;
	int i, n;

	for (i = 0; i < f->nparam; i++) {
		n = snprintf(buf + o, len - o, "%s=%s\n", f->key[i], f->val[i]);
		if (n < 0 || (size_t)n >= len - o)
			return -E2BIG;
		o += (size_t)n;
	}
	n = snprintf(buf + o, len - o, "action=off\n");
	return n < 0 || (size_t)n >= len - o ? -E2BIG : 0;
}

int
srrd_fence_run(struct srrd *d, int sys, srr_tag tag)
{
	const struct srrd_sys_conf *sc = &d->conf.sys[sys];
	static char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	char *argv[2], *envp[] = { path_env, NULL };
	struct srrd_child *c;
	char input[SRRD_MAX_FENCE_PARAMS * (SRRD_LABEL_LEN + SRRD_HOST_LEN + 2) + 16];
	int rc;

	d->sys[sys].fence_tag = tag;
	if (d->sys[sys].fence_busy)
		return 0;	/* its result will answer this one too */
	if (!srrd_may_act(d)) {
		srr_log(LOG_WARNING, "fence of %s not run: this agent may not lead "
			"now (cluster gate)", sc->name);
		post_result(d, sys, false);
		return -EPERM;
	}
	if (sc->fence == NULL || fence_input(sc->fence, input, sizeof(input)) < 0) {
		srr_log(LOG_ERR, "fence of %s asked for, but none is configured",
			sc->name);
		post_result(d, sys, false);
		return -ENOENT;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->sys = sys;
	c->done = fence_done;
	snprintf(c->what, sizeof(c->what), "fence of %.64s", sc->name);
	argv[0] = (char *)sc->fence->agent;
	argv[1] = NULL;
	srr_log(LOG_NOTICE, "fencing %s with %s (timeout %lld ms)", sc->name,
		sc->fence->agent, (long long)sc->fence->timeout_ms);
	rc = srrd_child_spawn(d, c, argv, envp, input, sc->fence->timeout_ms);
	if (rc < 0) {
		free(c);
		post_result(d, sys, false);
		return rc;
	}
	d->sys[sys].fence_busy = true;
	return 0;
}
