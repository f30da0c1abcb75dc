/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim for <linux/siphash.h>, following what the kernel executes on a
 * 64-bit little-endian machine (x86-64, arm64), so that instruction counts
 * of the host build stand for the module's:
 *
 * - siphash(): SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast
 *   short-input PRF", 2012), written from the paper, loading the message
 *   a 64-bit word at a time as the kernel's aligned variant does.
 * - hsiphash(), hsiphash_3u32(): on 64-bit kernels "HalfSipHash" is
 *   SipHash-1-3 on 64-bit words (one compression round per word, three
 *   finalisation rounds) keyed by two unsigned longs, truncated to 32
 *   bits; hsiphash_3u32(a, b, c) hashes the 12 bytes a, b, c in
 *   little-endian order. (32-bit kernels compute real HalfSipHash-1-3:
 *   other values, the same use.)
 */
#ifndef AQ_SHIM_LINUX_SIPHASH_H
#define AQ_SHIM_LINUX_SIPHASH_H

#include <string.h>
#include <linux/types.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__ || __SIZEOF_LONG__ != 8
#error "the siphash shim assumes a 64-bit little-endian host"
#endif

typedef struct {
	u64 key[2];
} siphash_key_t;

typedef struct {
	unsigned long key[2];
} hsiphash_key_t;

#define AQ_SIP_ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

#define AQ_SIP_ROUND(v0, v1, v2, v3) do {				\
	v0 += v1; v1 = AQ_SIP_ROTL(v1, 13); v1 ^= v0;			\
	v0 = AQ_SIP_ROTL(v0, 32);					\
	v2 += v3; v3 = AQ_SIP_ROTL(v3, 16); v3 ^= v2;			\
	v0 += v3; v3 = AQ_SIP_ROTL(v3, 21); v3 ^= v0;			\
	v2 += v1; v1 = AQ_SIP_ROTL(v1, 17); v1 ^= v2;			\
	v2 = AQ_SIP_ROTL(v2, 32);					\
} while (0)

/* Initial state from the key (the paper's "somepseudorandomlygeneratedbytes"). */
#define AQ_SIP_INIT(k0, k1)						\
	u64 v0 = (u64)(k0) ^ 0x736f6d6570736575ULL;			\
	u64 v1 = (u64)(k1) ^ 0x646f72616e646f6dULL;			\
	u64 v2 = (u64)(k0) ^ 0x6c7967656e657261ULL;			\
	u64 v3 = (u64)(k1) ^ 0x7465646279746573ULL

/* The last block: the 0..7 remaining bytes, length mod 256 on top. */
static inline u64 aq_sip_last(const u8 *p, size_t len)
{
	u64 last = (u64)(len & 0xff) << 56;
	size_t i;

	for (i = 0; i < (len & 7); i++)
		last |= (u64)p[i] << (8 * i);
	return last;
}

static inline u64 siphash(const void *data, size_t len,
			  const siphash_key_t *key)
{
	const u8 *p = data, *end = p + (len & ~(size_t)7);
	AQ_SIP_INIT(key->key[0], key->key[1]);
	u64 m;

	for (; p != end; p += 8) {
		memcpy(&m, p, 8);
		v3 ^= m;
		AQ_SIP_ROUND(v0, v1, v2, v3);
		AQ_SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	m = aq_sip_last(p, len);
	v3 ^= m;
	AQ_SIP_ROUND(v0, v1, v2, v3);
	AQ_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	AQ_SIP_ROUND(v0, v1, v2, v3);
	AQ_SIP_ROUND(v0, v1, v2, v3);
	AQ_SIP_ROUND(v0, v1, v2, v3);
	AQ_SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * Out of line and called with the key's address, as the kernel's exported
 * functions are by a module (gcc would otherwise inline them or pass the
 * key in registers).
 */
#ifdef __clang__	/* (the fuzzer's compiler has no noclone) */
#define AQ_SHIM_EXPORTED	__attribute__((__noinline__, __unused__))
#else
#define AQ_SHIM_EXPORTED	__attribute__((__noinline__, __noclone__, __unused__))
#endif

/* 64-bit hsiphash: SipHash-1-3, truncated. */
static AQ_SHIM_EXPORTED u32 hsiphash(const void *data, size_t len,
				     const hsiphash_key_t *key)
{
	const u8 *p = data, *end = p + (len & ~(size_t)7);
	AQ_SIP_INIT(key->key[0], key->key[1]);
	u64 m;

	for (; p != end; p += 8) {
		memcpy(&m, p, 8);
		v3 ^= m;
		AQ_SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	m = aq_sip_last(p, len);
	v3 ^= m;
	AQ_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	AQ_SIP_ROUND(v0, v1, v2, v3);
	AQ_SIP_ROUND(v0, v1, v2, v3);
	AQ_SIP_ROUND(v0, v1, v2, v3);
	return (u32)(v0 ^ v1 ^ v2 ^ v3);
}

static AQ_SHIM_EXPORTED u32 hsiphash_3u32(u32 a, u32 b, u32 c,
					  const hsiphash_key_t *key)
{
	AQ_SIP_INIT(key->key[0], key->key[1]);
	u64 m = (u64)b << 32 | a;

	v3 ^= m;
	AQ_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= m;
	m = 12ULL << 56 | c;
	v3 ^= m;
	AQ_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	AQ_SIP_ROUND(v0, v1, v2, v3);
	AQ_SIP_ROUND(v0, v1, v2, v3);
	AQ_SIP_ROUND(v0, v1, v2, v3);
	return (u32)(v0 ^ v1 ^ v2 ^ v3);
}

#endif
