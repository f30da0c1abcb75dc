/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/compiler.h>. */
#ifndef AQ_SHIM_LINUX_COMPILER_H
#define AQ_SHIM_LINUX_COMPILER_H

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define __aligned(x)	__attribute__((aligned(x)))
#define __maybe_unused	__attribute__((unused))
#define noinline	__attribute__((__noinline__))
#ifndef __always_inline	/* glibc's <sys/cdefs.h> has the same */
#define __always_inline	inline __attribute__((always_inline))
#endif

#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#endif
