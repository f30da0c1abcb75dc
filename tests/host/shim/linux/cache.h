/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/cache.h>. */
#ifndef AQ_SHIM_LINUX_CACHE_H
#define AQ_SHIM_LINUX_CACHE_H

#define L1_CACHE_BYTES	64
#define SMP_CACHE_BYTES	64
#define ____cacheline_aligned_in_smp	__attribute__((aligned(SMP_CACHE_BYTES)))

#endif
