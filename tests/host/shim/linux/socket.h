/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/socket.h>: AF_INET, AF_INET6, and the uapi header's
 * __kernel_sa_family_t (that <linux/netlink.h> needs). */
#ifndef AQ_SHIM_LINUX_SOCKET_H
#define AQ_SHIM_LINUX_SOCKET_H
#include <sys/socket.h>
#include_next <linux/socket.h>
#endif
