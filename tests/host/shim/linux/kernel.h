/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/kernel.h>: limits, min/max, ARRAY_SIZE. */
#ifndef AQ_SHIM_LINUX_KERNEL_H
#define AQ_SHIM_LINUX_KERNEL_H

#include_next <linux/kernel.h>	/* glibc sys/sysinfo.h needs it */
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/build_bug.h>

#define U8_MAX		((u8)~0U)
#define U16_MAX		((u16)~0U)
#define U32_MAX		((u32)~0U)
#define S32_MAX		((s32)(U32_MAX >> 1))
#define S32_MIN		((s32)(-S32_MAX - 1))
#define U64_MAX		((u64)~0ULL)
#define S64_MAX		((s64)(U64_MAX >> 1))
#define S64_MIN		((s64)(-S64_MAX - 1))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define min_t(t, a, b)	({ t _a = (a), _b = (b); _a < _b ? _a : _b; })
#define max_t(t, a, b)	({ t _a = (a), _b = (b); _a > _b ? _a : _b; })
#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#define clamp_t(t, v, lo, hi)	min_t(t, max_t(t, v, lo), hi)

#endif
