/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/errno.h>: the uapi one (glibc's errno.h uses it). */
#ifndef AQ_SHIM_LINUX_ERRNO_H
#define AQ_SHIM_LINUX_ERRNO_H
#include_next <linux/errno.h>
#endif
