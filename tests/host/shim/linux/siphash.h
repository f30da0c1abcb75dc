/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim for <linux/siphash.h>: SipHash-2-4 (Aumasson and Bernstein,
 * "SipHash: a fast short-input PRF", 2012), written from the paper.
 */
#ifndef AQ_SHIM_LINUX_SIPHASH_H
#define AQ_SHIM_LINUX_SIPHASH_H

#include <linux/types.h>

typedef struct {
	u64 key[2];
} siphash_key_t;

#define AQ_SIP_ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

static inline void aq_sip_round(u64 v[4])
{
	v[0] += v[1]; v[1] = AQ_SIP_ROTL(v[1], 13); v[1] ^= v[0];
	v[0] = AQ_SIP_ROTL(v[0], 32);
	v[2] += v[3]; v[3] = AQ_SIP_ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = AQ_SIP_ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = AQ_SIP_ROTL(v[1], 17); v[1] ^= v[2];
	v[2] = AQ_SIP_ROTL(v[2], 32);
}

static inline u64 aq_sip_le64(const u8 *p, size_t n)
{
	u64 w = 0;
	size_t i;

	for (i = 0; i < n; i++)
		w |= (u64)p[i] << (8 * i);
	return w;
}

static inline u64 siphash(const void *data, size_t len,
			  const siphash_key_t *key)
{
	const u8 *p = data;
	u64 v[4], m;
	size_t off;

	v[0] = key->key[0] ^ 0x736f6d6570736575ULL;	/* "somepseu" */
	v[1] = key->key[1] ^ 0x646f72616e646f6dULL;	/* "dorandom" */
	v[2] = key->key[0] ^ 0x6c7967656e657261ULL;	/* "lygenera" */
	v[3] = key->key[1] ^ 0x7465646279746573ULL;	/* "tedbytes" */
	for (off = 0; off + 8 <= len; off += 8) {
		m = aq_sip_le64(p + off, 8);
		v[3] ^= m;
		aq_sip_round(v);
		aq_sip_round(v);
		v[0] ^= m;
	}
	/* Last block: remaining bytes, length mod 256 in the top byte. */
	m = aq_sip_le64(p + off, len - off) | ((u64)(len & 0xff) << 56);
	v[3] ^= m;
	aq_sip_round(v);
	aq_sip_round(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	aq_sip_round(v);
	aq_sip_round(v);
	aq_sip_round(v);
	aq_sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

#endif
