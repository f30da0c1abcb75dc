/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/string.h>. */
#ifndef AQ_SHIM_LINUX_STRING_H
#define AQ_SHIM_LINUX_STRING_H
#include <string.h>

static inline size_t strscpy(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size);

	if (n == size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}
#endif
