/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/stddef.h>: offsetof() and NULL from the C library. */
#ifndef AQ_SHIM_LINUX_STDDEF_H
#define AQ_SHIM_LINUX_STDDEF_H

#include <stddef.h>

#endif
