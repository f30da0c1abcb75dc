/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim for <linux/random.h>: a deterministic, seedable generator
 * (splitmix64) so tests are reproducible. aq_shim_seed_random() resets it.
 */
#ifndef AQ_SHIM_LINUX_RANDOM_H
#define AQ_SHIM_LINUX_RANDOM_H

#include <linux/types.h>

__attribute__((weak)) u64 aq_shim_rand_state = 0x853c49e6748fea9bULL;
/* Number of get_random_u32() / _u64() calls so far. */
__attribute__((weak)) u64 aq_shim_rand_calls;

static inline void aq_shim_seed_random(u64 seed)
{
	__atomic_store_n(&aq_shim_rand_state, seed, __ATOMIC_RELAXED);
}

static inline u64 aq_shim_random_u64(void)
{
	u64 z = __atomic_add_fetch(&aq_shim_rand_state,
				   0x9e3779b97f4a7c15ULL, __ATOMIC_RELAXED);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline u32 get_random_u32(void)
{
	__atomic_fetch_add(&aq_shim_rand_calls, 1, __ATOMIC_RELAXED);
	return (u32)(aq_shim_random_u64() >> 32);
}

static inline u64 get_random_u64(void)
{
	__atomic_fetch_add(&aq_shim_rand_calls, 1, __ATOMIC_RELAXED);
	return aq_shim_random_u64();
}

static inline void get_random_bytes(void *buf, size_t len)
{
	u8 *p = buf;

	while (len) {
		u64 r = aq_shim_random_u64();
		size_t n = len < 8 ? len : 8;
		size_t i;

		for (i = 0; i < n; i++)
			p[i] = (u8)(r >> (8 * i));
		p += n;
		len -= n;
	}
}

#endif
