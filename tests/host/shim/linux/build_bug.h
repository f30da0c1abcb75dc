/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/build_bug.h>. */
#ifndef AQ_SHIM_LINUX_BUILD_BUG_H
#define AQ_SHIM_LINUX_BUILD_BUG_H

#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), "BUILD_BUG_ON: " #cond)

#endif
