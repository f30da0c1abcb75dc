/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/slab.h>: cache-line aligned libc allocations. */
#ifndef AQ_SHIM_LINUX_SLAB_H
#define AQ_SHIM_LINUX_SLAB_H

#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

typedef unsigned int gfp_t;
#define GFP_KERNEL	0u
#define GFP_ATOMIC	1u
#define __GFP_ZERO	2u

static inline void *aq_shim_zalloc(size_t size)
{
	size_t sz = (size + 63) & ~(size_t)63;
	void *p = aligned_alloc(64, sz ? sz : 64);

	if (p)
		memset(p, 0, sz ? sz : 64);
	return p;
}

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return aq_shim_zalloc(size);
}

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return aq_shim_zalloc(size);
}

static inline void *kvcalloc(size_t n, size_t size, gfp_t gfp)
{
	(void)gfp;
	if (size && n > (size_t)-1 / size)
		return NULL;
	return aq_shim_zalloc(n * size);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

static inline void kvfree(const void *p)
{
	free((void *)p);
}

#endif
