/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmark-only replacement for tests/host/shim/linux/siphash.h, used by
 * build/bench/bench-wordsip only: the same SipHash-2-4 (Aumasson and
 * Bernstein, 2012, written from the paper), but loading the message a
 * 64-bit word at a time as the kernel's implementation does on x86, where
 * the test shim assembles each word byte by byte. The difference between
 * the two builds is what the test shim adds to the instruction counts.
 * Little-endian hosts only.
 */
#ifndef AQ_SHIM_LINUX_SIPHASH_H
#define AQ_SHIM_LINUX_SIPHASH_H

#include <string.h>
#include <linux/types.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "bench/shim/linux/siphash.h assumes a little-endian host"
#endif

typedef struct {
	u64 key[2];
} siphash_key_t;

#define AQ_SIPW_ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

#define AQ_SIPW_ROUND(v0, v1, v2, v3) do {				\
	v0 += v1; v1 = AQ_SIPW_ROTL(v1, 13); v1 ^= v0;			\
	v0 = AQ_SIPW_ROTL(v0, 32);					\
	v2 += v3; v3 = AQ_SIPW_ROTL(v3, 16); v3 ^= v2;			\
	v0 += v3; v3 = AQ_SIPW_ROTL(v3, 21); v3 ^= v0;			\
	v2 += v1; v1 = AQ_SIPW_ROTL(v1, 17); v1 ^= v2;			\
	v2 = AQ_SIPW_ROTL(v2, 32);					\
} while (0)

static inline u64 siphash(const void *data, size_t len,
			  const siphash_key_t *key)
{
	const u8 *p = data, *end = p + (len & ~(size_t)7);
	u64 v0 = key->key[0] ^ 0x736f6d6570736575ULL;
	u64 v1 = key->key[1] ^ 0x646f72616e646f6dULL;
	u64 v2 = key->key[0] ^ 0x6c7967656e657261ULL;
	u64 v3 = key->key[1] ^ 0x7465646279746573ULL;
	u64 m, last = (u64)(len & 0xff) << 56;
	unsigned int i;

	for (; p != end; p += 8) {
		memcpy(&m, p, 8);
		v3 ^= m;
		AQ_SIPW_ROUND(v0, v1, v2, v3);
		AQ_SIPW_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (i = 0; i < (len & 7); i++)
		last |= (u64)p[i] << (8 * i);
	v3 ^= last;
	AQ_SIPW_ROUND(v0, v1, v2, v3);
	AQ_SIPW_ROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	AQ_SIPW_ROUND(v0, v1, v2, v3);
	AQ_SIPW_ROUND(v0, v1, v2, v3);
	AQ_SIPW_ROUND(v0, v1, v2, v3);
	AQ_SIPW_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif
