/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/socket.h>: AF_INET, AF_INET6. */
#ifndef AQ_SHIM_LINUX_SOCKET_H
#define AQ_SHIM_LINUX_SOCKET_H
#include <sys/socket.h>
#endif
