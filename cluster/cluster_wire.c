/*
 * cluster_wire.c: the cluster message codec. Peer bytes are outside input:
 * every field is read through bounds-checked helpers and the declared
 * length is checked against the received length before any payload use.
 */
#include "config.h"

#include <string.h>

#include "cluster/cluster_int.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)get16(p) << 16) | get16(p + 2);
}

static uint64_t
get64(const uint8_t *p)
{
	return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

void
cw_encode_hdr(uint8_t *buf, const struct cw_hdr *h)
{
	put32(buf, h->magic);
	buf[4] = h->version;
	buf[5] = h->flags;
	put16(buf + 6, h->type);
	put64(buf + 8, h->epoch);
	put32(buf + 16, h->sender);
	put32(buf + 20, h->length);
}

static bool
type_known(uint16_t t)
{
	return t >= CW_HELLO && t <= CW_HEARTBEAT;
}

int
cw_decode(const uint8_t *buf, size_t len, struct cw_hdr *h,
	  const uint8_t **payload)
{
	*payload = NULL;
	if (buf == NULL || len < CW_HDR_LEN)
		return CW_ERR_SHORT;
	h->magic = get32(buf);
	if (h->magic != CW_MAGIC)
		return CW_ERR_MAGIC;
	h->version = buf[4];
	h->flags = buf[5];
	h->type = get16(buf + 6);
	h->epoch = get64(buf + 8);
	h->sender = get32(buf + 16);
	h->length = get32(buf + 20);
	if (h->length > CW_CHUNK_MAX)
		return CW_ERR_SIZE;
	if ((size_t)h->length != len - CW_HDR_LEN)
		return CW_ERR_LENGTH;
	if (h->version != CW_VERSION) {
		/* the caller may still read a frozen HELLO */
		*payload = buf + CW_HDR_LEN;
		return CW_ERR_VERSION;
	}
	if (!type_known(h->type))
		return CW_ERR_TYPE;
	if (h->flags & ~CW_FLAG_MORE)
		return CW_ERR_FLAGS;
	*payload = buf + CW_HDR_LEN;
	return CW_OK;
}

const char *
cw_strerror(int err)
{
	switch (err) {
	case CW_OK: return "ok";
	case CW_ERR_SHORT: return "shorter than a header";
	case CW_ERR_MAGIC: return "bad magic";
	case CW_ERR_VERSION: return "other protocol version";
	case CW_ERR_LENGTH: return "length field disagrees with message size";
	case CW_ERR_SIZE: return "payload length above the cap";
	case CW_ERR_TYPE: return "unknown message type";
	case CW_ERR_FLAGS: return "unknown flags";
	default: return "unknown error";
	}
}

size_t
cw_hello_encode(uint8_t *buf, size_t cap, const struct cw_hello *h)
{
	size_t need = 4u + h->digest_len;

	if (h->digest_len > CLUSTER_DIGEST_MAX || cap < need)
		return 0;
	put16(buf, h->version);
	put16(buf + 2, h->digest_len);
	memcpy(buf + 4, h->digest, h->digest_len);
	return need;
}

int
cw_hello_decode(const uint8_t *p, size_t len, struct cw_hello *h)
{
	if (p == NULL || len < 4)
		return CW_ERR_SHORT;
	h->version = get16(p);
	h->digest_len = get16(p + 2);
	if (h->digest_len == 0 || h->digest_len > CLUSTER_DIGEST_MAX)
		return CW_ERR_SIZE;
	if ((size_t)h->digest_len != len - 4)
		return CW_ERR_LENGTH;
	memcpy(h->digest, p + 4, h->digest_len);
	return CW_OK;
}
