/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/mm.h>: page size only. */
#ifndef AQ_SHIM_LINUX_MM_H
#define AQ_SHIM_LINUX_MM_H

#define PAGE_SIZE	4096UL
#define PAGE_ALIGN(x)	(((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

#endif
