/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/err.h>. */
#ifndef AQ_SHIM_LINUX_ERR_H
#define AQ_SHIM_LINUX_ERR_H

#include <linux/types.h>
#include <linux/compiler.h>

#define MAX_ERRNO	4095
/* unlikely() as in the kernel's, which the callers' code layout follows. */
#define IS_ERR_VALUE(x)	unlikely((unsigned long)(x) >= (unsigned long)-MAX_ERRNO)

static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE(ptr); }

#endif
