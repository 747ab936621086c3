/*
 * sim_fault.c: faults injected through the control interface.
 *
 * A fault matches a command by its verb ("*" for any) and a system ("*" for
 * any: a command matches a system when one of its words is that system's
 * name, which is how -m/-t name it). It fires COUNT times (0: until
 * removed). Its own lock: faults are looked up before the model is.
 *
 * slow and huge change how the output is written, not what the command
 * does: the session writes it at the fault's rate, and a huge output is
 * generated here a slice at a time (a client must meet 100 MB without
 * hmcsim holding 100 MB).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define FAULTS_MAX 64

struct fault {
	int id;
	char verb[32];
	char sys[SIM_NAME_MAX + 1];
	enum sim_fault_kind kind;
	unsigned int num;		/* latency: ms; slow: bytes/s; huge: bytes */
	char code[HMC_CODE_LEN];
	unsigned int count;		/* 0: forever */
	unsigned int fired;
};

static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fault faults[FAULTS_MAX];
static size_t nfaults;
static int next_id = 1;

static const char *const kind_names[] = {
	[SIM_FAULT_LATENCY] = "latency",
	[SIM_FAULT_HANG] = "hang",
	[SIM_FAULT_FAIL] = "fail",
	[SIM_FAULT_DROP] = "drop",
	[SIM_FAULT_GARBAGE] = "garbage",
	[SIM_FAULT_RR_FAIL] = "rr-fail",
	[SIM_FAULT_SLOW] = "slow",
	[SIM_FAULT_HUGE] = "huge",
};

/* What huge repeats when the command printed nothing. */
static const char huge_filler[] =
	"name=filler,lpar_id=1,state=Running,lpar_env=aixlinux\n";

void
sim_faults_init(void)
{
	sim_fault_clear();
}

int
sim_fault_kind_parse(const char *s, enum sim_fault_kind *k)
{
	size_t i;

	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*k = (enum sim_fault_kind)i;
			return 0;
		}
	return -EINVAL;
}

/* HSCL followed by four hex digits. */
static bool
code_valid(const char *s)
{
	size_t i;

	if (s == NULL || strncmp(s, "HSCL", 4) != 0 || strlen(s) != 8)
		return false;
	for (i = 4; i < 8; i++)
		if (!strchr("0123456789ABCDEF", s[i]))
			return false;
	return true;
}

/* The number a kind takes: latency's milliseconds and huge's bytes are
 * required, slow's bytes per second default to 1; none may be 0 but
 * latency's. */
static int
num_parse(enum sim_fault_kind k, const char *arg, unsigned int *num)
{
	unsigned int max;

	switch (k) {
	case SIM_FAULT_LATENCY:
		return sim_parse_uint(arg, 3600000, num);
	case SIM_FAULT_SLOW:
		max = SIM_SLOW_BPS_MAX;
		if (arg == NULL)
			arg = "1";
		break;
	case SIM_FAULT_HUGE:
		max = SIM_HUGE_MAX;
		break;
	default:
		return 0;
	}
	if (sim_parse_uint(arg, max, num) != 0 || *num == 0)
		return -EINVAL;
	return 0;
}

int
sim_fault_add(const char *verb, const char *sys, enum sim_fault_kind k,
	      const char *arg, unsigned int count)
{
	struct fault f = { .kind = k, .count = count };
	int id;

	if (strlen(verb) >= sizeof(f.verb) || strlen(sys) > SIM_NAME_MAX)
		return -EINVAL;
	if (num_parse(k, arg, &f.num) != 0)
		return -EINVAL;
	if (k == SIM_FAULT_FAIL || k == SIM_FAULT_RR_FAIL) {
		if (!code_valid(arg))
			return -EINVAL;
		memcpy(f.code, arg, HMC_CODE_LEN);
	}
	strcpy(f.verb, verb);
	strcpy(f.sys, sys);
	pthread_mutex_lock(&fault_lock);
	if (nfaults >= FAULTS_MAX) {
		pthread_mutex_unlock(&fault_lock);
		return -ENOSPC;
	}
	f.id = id = next_id++;
	faults[nfaults++] = f;
	pthread_mutex_unlock(&fault_lock);
	return id;
}

static void
fault_remove_at(size_t i)
{
	memmove(&faults[i], &faults[i + 1], (nfaults - i - 1) * sizeof(faults[0]));
	nfaults--;
}

int
sim_fault_del(int id)
{
	size_t i;
	int rc = -ENOENT;

	pthread_mutex_lock(&fault_lock);
	for (i = 0; i < nfaults; i++)
		if (faults[i].id == id) {
			fault_remove_at(i);
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&fault_lock);
	return rc;
}

void
sim_fault_clear(void)
{
	pthread_mutex_lock(&fault_lock);
	nfaults = 0;
	pthread_mutex_unlock(&fault_lock);
}

void
sim_fault_list(struct hmc_buf *b)
{
	size_t i;

	pthread_mutex_lock(&fault_lock);
	for (i = 0; i < nfaults; i++) {
		const struct fault *f = &faults[i];

		hmc_buf_printf(b, "%d %s %s %s", f->id, f->verb, f->sys,
			       kind_names[f->kind]);
		if (f->kind == SIM_FAULT_LATENCY || f->kind == SIM_FAULT_SLOW ||
		    f->kind == SIM_FAULT_HUGE)
			hmc_buf_printf(b, " %u", f->num);
		if (f->code[0])
			hmc_buf_printf(b, " %s", f->code);
		hmc_buf_printf(b, " count=%u fired=%u\n", f->count, f->fired);
	}
	pthread_mutex_unlock(&fault_lock);
}

static bool
fault_matches(const struct fault *f, const char *verb, char *const *argv)
{
	size_t i;

	if (strcmp(f->verb, "*") != 0 && strcmp(f->verb, verb) != 0)
		return false;
	if (strcmp(f->sys, "*") == 0)
		return true;
	for (i = 0; argv != NULL && argv[i] != NULL; i++)
		if (strcmp(argv[i], f->sys) == 0)
			return true;
	return false;
}

static void
fault_apply(const struct fault *f, struct sim_fault_hit *hit)
{
	switch (f->kind) {
	case SIM_FAULT_LATENCY:
		hit->latency = true;
		hit->latency_ms += f->num;
		break;
	case SIM_FAULT_HANG:
		hit->hang = true;
		break;
	case SIM_FAULT_FAIL:
		hit->fail = true;
		memcpy(hit->code, f->code, HMC_CODE_LEN);
		break;
	case SIM_FAULT_DROP:
		hit->drop = true;
		break;
	case SIM_FAULT_GARBAGE:
		hit->garbage = true;
		break;
	case SIM_FAULT_RR_FAIL:
		hit->rr_fail = true;
		memcpy(hit->code, f->code, HMC_CODE_LEN);
		break;
	case SIM_FAULT_SLOW:
		if (!hit->slow || f->num < hit->slow_bps)
			hit->slow_bps = f->num;
		hit->slow = true;
		break;
	case SIM_FAULT_HUGE:
		if (f->num > hit->huge_bytes)
			hit->huge_bytes = f->num;
		hit->huge = true;
		break;
	}
}

void
sim_fault_match(const char *verb, char *const *argv, struct sim_fault_hit *hit)
{
	size_t i = 0;

	memset(hit, 0, sizeof(*hit));
	pthread_mutex_lock(&fault_lock);
	while (i < nfaults) {
		struct fault *f = &faults[i];

		if (!fault_matches(f, verb, argv)) {
			i++;
			continue;
		}
		fault_apply(f, hit);
		f->fired++;
		if (f->count != 0 && f->fired >= f->count)
			fault_remove_at(i);
		else
			i++;
	}
	pthread_mutex_unlock(&fault_lock);
}

bool
sim_fault_hang_active(const char *verb, char *const *argv)
{
	bool active = false;
	size_t i;

	pthread_mutex_lock(&fault_lock);
	for (i = 0; i < nfaults && !active; i++)
		active = faults[i].kind == SIM_FAULT_HANG &&
		    fault_matches(&faults[i], verb, argv);
	pthread_mutex_unlock(&fault_lock);
	return active;
}

uint64_t
sim_fault_out_len(const struct sim_fault_hit *h, size_t out_len)
{
	return h->huge ? h->huge_bytes : out_len;
}

/* Huge: the output (or the filler) over and over, cut at the size, whose
 * last byte is a newline: whole lines but the last, which is cut short. */
void
sim_fault_out_read(const struct sim_fault_hit *h, const char *out,
		   size_t out_len, uint64_t off, char *buf, size_t n)
{
	const char *src = out;
	size_t len = out_len, i = 0, k, m;

	if (n == 0)
		return;
	if (!h->huge) {
		memcpy(buf, out + off, n);
		return;
	}
	if (len == 0) {
		src = huge_filler;
		len = sizeof(huge_filler) - 1;
	}
	while (i < n) {
		k = (size_t)((off + i) % len);
		m = len - k < n - i ? len - k : n - i;
		memcpy(buf + i, src + k, m);
		i += m;
	}
	if (off + n == h->huge_bytes)
		buf[n - 1] = '\n';
}
