/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/math64.h>. */
#ifndef AQ_SHIM_LINUX_MATH64_H
#define AQ_SHIM_LINUX_MATH64_H

#include <linux/types.h>

static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

#endif
