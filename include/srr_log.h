/*
 * srr_log.h: the one log-tag scheme of the tree. Every line a subsystem
 * logs starts with its tag ("engine: ", "cluster: "), so that one journal
 * of srrd, which holds several, reads by subsystem, as corosync's
 * LOGSYS_DECLARE_SUBSYS does. Each file that logs names its subsystem
 * once, before its includes:
 *
 *	#define SRR_LOG_TAG "engine"
 *
 * and logs with srr_log(LOG_..., fmt, ...). A file that logs without a
 * tag does not compile. fence_srr alone logs untagged: a fence agent's
 * messages follow fencing.py's ("Failed: ..."), which operators and
 * Pacemaker's logs are read against.
 */
#ifndef SRR_LOG_H
#define SRR_LOG_H

#include <qb/qblog.h>

#define srr_log(prio, fmt, ...) \
	qb_log(prio, SRR_LOG_TAG ": " fmt, ##__VA_ARGS__)

#endif /* SRR_LOG_H */
