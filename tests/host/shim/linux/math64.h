/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/math64.h>. */
#ifndef AQ_SHIM_LINUX_MATH64_H
#define AQ_SHIM_LINUX_MATH64_H

#include <linux/types.h>

static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

/* As the kernel's on 64-bit machines (CONFIG_ARCH_SUPPORTS_INT128). */
static inline u64 mul_u64_u64_shr(u64 a, u64 mul, unsigned int shift)
{
	return (u64)(((unsigned __int128)a * mul) >> shift);
}

#endif
