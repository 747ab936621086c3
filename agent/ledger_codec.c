/*
 * ledger_codec.c: the wire encoding of records and digests.
 *
 * Big-endian, versioned, every length checked against what was received
 * before a field is read:
 *   header:  u8 version, u8 kind, u32 count
 *   record:  u16 length of the entry, then u64 epoch, u32 node, u32 seq,
 *            u8 status, u32 lpar_id, u32 priority, u32 attempts,
 *            u32 cl_attempts, u64 att_epoch, i64 created, i64 updated,
 *            then the strings
 *            lpar, src, dst, code, msg as u16 length + bytes (no NUL)
 *   digest:  u64 epoch, u32 node, u32 seq, u8 status, u32 attempts,
 *            u32 cl_attempts, i64 updated, u64 hash
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/ledger.h"

enum { KIND_RECORDS = 1, KIND_DIGEST = 2 };
#define HDR_LEN		6
#define DIGEST_LEN	(8 + 4 + 4 + 1 + 4 + 4 + 8 + 8)
#define REC_FIXED	(8 + 4 + 4 + 1 + 4 + 4 + 4 + 4 + 8 + 8 + 8)
#define REC_MAX		(REC_FIXED + 5 * 2 + 3 * HMC_NAME_MAX + 8 + SRR_MSG_LEN)

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	int err;
};

static void
w_bytes(struct wbuf *w, const void *b, size_t n)
{
	if (w->err)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		uint8_t *np;

		while (cap < w->len + n)
			cap *= 2;
		np = realloc(w->p, cap);
		if (np == NULL) {
			w->err = -ENOMEM;
			return;
		}
		w->p = np;
		w->cap = cap;
	}
	memcpy(w->p + w->len, b, n);
	w->len += n;
}

static void
w_uint(struct wbuf *w, uint64_t v, int n)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	w_bytes(w, b, (size_t)n);
}

static void
w_str(struct wbuf *w, const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max) {
		w->err = -EINVAL;
		return;
	}
	w_uint(w, n, 2);
	w_bytes(w, s, n);
}

static uint64_t
r_uint(struct rbuf *r, int n)
{
	uint64_t v = 0;
	int i;

	if (r->err || r->len - r->off < (size_t)n) {
		r->err = -EBADMSG;
		return 0;
	}
	for (i = 0; i < n; i++)
		v = (v << 8) | r->p[r->off++];
	return v;
}

/* A string of at most MAX bytes into OUT (MAX + 1 bytes); a NUL inside is
 * malformed: it would silently cut a name. */
static void
r_str(struct rbuf *r, char *out, size_t max)
{
	size_t n = (size_t)r_uint(r, 2);

	if (r->err)
		return;
	if (n > max || r->len - r->off < n ||
	    memchr(r->p + r->off, '\0', n) != NULL) {
		r->err = -EBADMSG;
		return;
	}
	memcpy(out, r->p + r->off, n);
	out[n] = '\0';
	r->off += n;
}

static void
w_record(struct wbuf *w, const struct srr_record *rec)
{
	size_t at = w->len;

	w_uint(w, 0, 2);	/* entry length, patched below */
	w_uint(w, rec->id.epoch, 8);
	w_uint(w, rec->id.node, 4);
	w_uint(w, rec->id.seq, 4);
	w_uint(w, (uint64_t)rec->status, 1);
	w_uint(w, rec->lpar_id, 4);
	w_uint(w, rec->priority, 4);
	w_uint(w, rec->attempts, 4);
	w_uint(w, rec->cl_attempts, 4);
	w_uint(w, rec->att_epoch, 8);
	w_uint(w, (uint64_t)rec->created.ms, 8);
	w_uint(w, (uint64_t)rec->updated.ms, 8);
	w_str(w, rec->lpar, HMC_NAME_MAX);
	w_str(w, rec->src, HMC_NAME_MAX);
	w_str(w, rec->dst, HMC_NAME_MAX);
	w_str(w, rec->code, HMC_CODE_LEN - 1);
	w_str(w, rec->msg, SRR_MSG_LEN - 1);
	if (!w->err) {
		size_t n = w->len - at - 2;

		w->p[at] = (uint8_t)(n >> 8);
		w->p[at + 1] = (uint8_t)n;
	}
}

int
srr_records_encode(const struct srr_record *const *recs, size_t n,
		   uint8_t **out, size_t *len)
{
	struct wbuf w = { 0 };
	size_t i;

	if (n > SRR_LEDGER_MAX)
		return -E2BIG;
	w_uint(&w, SRR_CODEC_VERSION, 1);
	w_uint(&w, KIND_RECORDS, 1);
	w_uint(&w, n, 4);
	for (i = 0; i < n; i++)
		w_record(&w, recs[i]);
	if (w.err) {
		free(w.p);
		return w.err;
	}
	*out = w.p;
	*len = w.len;
	return 0;
}

static int
r_header(struct rbuf *r, int kind, size_t *count)
{
	uint64_t v = r_uint(r, 1), k = r_uint(r, 1), n = r_uint(r, 4);

	if (r->err || v != SRR_CODEC_VERSION || k != (uint64_t)kind ||
	    n > SRR_LEDGER_MAX)
		return -EBADMSG;
	*count = (size_t)n;
	return 0;
}

static int
r_record(struct rbuf *r, struct srr_record *rec)
{
	size_t n = (size_t)r_uint(r, 2), end;
	uint64_t st;

	if (r->err || n > REC_MAX || r->len - r->off < n)
		return -EBADMSG;
	end = r->off + n;
	memset(rec, 0, sizeof(*rec));
	rec->id.epoch = r_uint(r, 8);
	rec->id.node = (uint32_t)r_uint(r, 4);
	rec->id.seq = (uint32_t)r_uint(r, 4);
	st = r_uint(r, 1);
	rec->lpar_id = (uint32_t)r_uint(r, 4);
	rec->priority = (uint32_t)r_uint(r, 4);
	rec->attempts = (uint32_t)r_uint(r, 4);
	rec->cl_attempts = (uint32_t)r_uint(r, 4);
	rec->att_epoch = r_uint(r, 8);
	rec->created.ms = (int64_t)r_uint(r, 8);
	rec->updated.ms = (int64_t)r_uint(r, 8);
	r_str(r, rec->lpar, HMC_NAME_MAX);
	r_str(r, rec->src, HMC_NAME_MAX);
	r_str(r, rec->dst, HMC_NAME_MAX);
	r_str(r, rec->code, HMC_CODE_LEN - 1);
	r_str(r, rec->msg, SRR_MSG_LEN - 1);
	/* An operation names its partition and source; a mode or audit
	 * record (ledger.h) names neither, is of a code the engine knows,
	 * and is closed (never a debt, whatever a peer says). */
	if (r->err || r->off != end || st >= SRR_OP_STATUS_COUNT ||
	    (rec->lpar[0] == '\0') != (rec->src[0] == '\0') ||
	    (srr_record_is_mode(rec) && (!srr_mode_code_ok(rec->code) ||
					 st != SRR_OP_CLEANED)))
		return -EBADMSG;
	rec->status = (enum srr_op_status)st;
	return 0;
}

/* Every record in turn through FN (NULL: check only), decoded into one
 * record on the stack: memory does not follow the count a peer wrote. */
int
srr_records_each(const uint8_t *buf, size_t len,
		 int (*fn)(void *arg, const struct srr_record *r), void *arg)
{
	struct rbuf r = { .p = buf, .len = len };
	struct srr_record rec;
	size_t count, i;
	int rc;

	if (buf == NULL || r_header(&r, KIND_RECORDS, &count) < 0)
		return -EBADMSG;
	if (count > (len - r.off) / REC_FIXED)
		return -EBADMSG;
	for (i = 0; i < count; i++) {
		if (r_record(&r, &rec) < 0)
			return -EBADMSG;
		if (fn != NULL && (rc = fn(arg, &rec)) < 0)
			return rc;
	}
	return r.off == len ? (int)0 : -EBADMSG;
}

/* The walk's position: byte offset (low 32 bits) and records seen. */
#define WALK_OFF(c)	((size_t)((c) & 0xffffffffu))
#define WALK_SEEN(c)	((size_t)((c) >> 32))
#define WALK_AT(o, n)	((uint64_t)(n) << 32 | (uint64_t)(o))

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int
srr_records_walk(const uint8_t *buf, size_t len, uint64_t *cursor,
		 unsigned budget_ms,
		 int (*fn)(void *arg, const struct srr_record *r), void *arg)
{
	struct rbuf r = { .p = buf, .len = len };
	struct srr_record rec;
	uint64_t t0 = mono_ms();
	size_t count, seen = WALK_SEEN(*cursor);
	int rc;

	if (buf == NULL || len > UINT32_MAX ||
	    r_header(&r, KIND_RECORDS, &count) < 0 ||
	    count > (len - r.off) / REC_FIXED)
		return -EBADMSG;
	if (WALK_OFF(*cursor) > r.off)
		r.off = WALK_OFF(*cursor);
	for (; seen < count; seen++) {
		/* every record: one may cost a disk sync through FN */
		if (mono_ms() - t0 >= budget_ms) {
			*cursor = WALK_AT(r.off, seen);
			return 1;
		}
		if (r_record(&r, &rec) < 0)
			return -EBADMSG;
		if (fn != NULL && (rc = fn(arg, &rec)) < 0)
			return rc;
	}
	*cursor = WALK_AT(r.off, seen);
	return r.off == len ? 0 : -EBADMSG;
}

struct decode_out {
	struct srr_record *v;
	size_t n;
};

static int
decode_one(void *arg, const struct srr_record *r)
{
	struct decode_out *o = arg;

	o->v[o->n++] = *r;
	return 0;
}

/* Checked whole first, so the array is allocated only for records that
 * are all there (each at least REC_FIXED bytes of the buffer). */
int
srr_records_decode(const uint8_t *buf, size_t len,
		   struct srr_record **recs, size_t *n)
{
	struct decode_out o = { NULL, 0 };
	size_t count;
	int rc;

	if ((rc = srr_records_each(buf, len, NULL, NULL)) < 0)
		return rc;
	count = (size_t)buf[2] << 24 | (size_t)buf[3] << 16 |
		(size_t)buf[4] << 8 | buf[5];
	o.v = calloc(count ? count : 1, sizeof(*o.v));
	if (o.v == NULL)
		return -ENOMEM;
	srr_records_each(buf, len, decode_one, &o);
	*recs = o.v;
	*n = o.n;
	return 0;
}

/* FNV-1a over the encoded record: the digest's stand-in for its bytes. */
uint64_t
srr_record_hash(const struct srr_record *rec)
{
	struct wbuf w = { 0 };
	uint64_t h = 1469598103934665603ull;
	size_t i;

	w_record(&w, rec);
	for (i = 0; i < w.len && !w.err; i++)
		h = (h ^ w.p[i]) * 1099511628211ull;
	free(w.p);
	return h;
}

int
srr_digest_encode(const struct srr_digest_entry *d, size_t n,
		  uint8_t **out, size_t *len)
{
	struct wbuf w = { 0 };
	size_t i;

	w_uint(&w, SRR_CODEC_VERSION, 1);
	w_uint(&w, KIND_DIGEST, 1);
	w_uint(&w, n, 4);
	for (i = 0; i < n; i++) {
		w_uint(&w, d[i].id.epoch, 8);
		w_uint(&w, d[i].id.node, 4);
		w_uint(&w, d[i].id.seq, 4);
		w_uint(&w, d[i].status, 1);
		w_uint(&w, d[i].attempts, 4);
		w_uint(&w, d[i].cl_attempts, 4);
		w_uint(&w, (uint64_t)d[i].updated_ms, 8);
		w_uint(&w, d[i].hash, 8);
	}
	if (w.err) {
		free(w.p);
		return w.err;
	}
	*out = w.p;
	*len = w.len;
	return 0;
}

int
srr_digest_decode(const uint8_t *buf, size_t len,
		  struct srr_digest_entry **d, size_t *n)
{
	struct rbuf r = { .p = buf, .len = len };
	struct srr_digest_entry *v;
	size_t count, i;

	if (buf == NULL || r_header(&r, KIND_DIGEST, &count) < 0 ||
	    len - r.off != count * DIGEST_LEN)
		return -EBADMSG;
	v = calloc(count ? count : 1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		v[i].id.epoch = r_uint(&r, 8);
		v[i].id.node = (uint32_t)r_uint(&r, 4);
		v[i].id.seq = (uint32_t)r_uint(&r, 4);
		v[i].status = (uint8_t)r_uint(&r, 1);
		v[i].attempts = (uint32_t)r_uint(&r, 4);
		v[i].cl_attempts = (uint32_t)r_uint(&r, 4);
		v[i].updated_ms = (int64_t)r_uint(&r, 8);
		v[i].hash = r_uint(&r, 8);
	}
	if (r.err) {
		free(v);
		return -EBADMSG;
	}
	*d = v;
	*n = count;
	return 0;
}
