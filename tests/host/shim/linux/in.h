/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/in.h>: IPPROTO_* from libc. */
#ifndef AQ_SHIM_LINUX_IN_H
#define AQ_SHIM_LINUX_IN_H
#include <netinet/in.h>
#endif
