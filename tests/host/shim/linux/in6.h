/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/in6.h>: IPv6 extension header numbers from libc. */
#ifndef AQ_SHIM_LINUX_IN6_H
#define AQ_SHIM_LINUX_IN6_H
#include <netinet/in.h>
#endif
