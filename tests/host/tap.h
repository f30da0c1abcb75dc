/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP producer for the host tests. Each test binary prints
 * "ok N - name" / "not ok N - name" lines and a plan, and exits non-zero
 * if any check failed. tests/host/run.sh sums the lines.
 */
#ifndef AQ_TEST_TAP_H
#define AQ_TEST_TAP_H

#include <stdio.h>
#include <stdlib.h>

static int tap_count, tap_failed;

#define TAP_CHECK(cond, ...)						\
	do {								\
		tap_count++;						\
		if (cond) {						\
			printf("ok %d - ", tap_count);			\
		} else {						\
			tap_failed++;					\
			printf("not ok %d - ", tap_count);		\
		}							\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		if (!(cond))						\
			printf("#   failed: %s (%s:%d)\n", #cond,	\
			       __FILE__, __LINE__);			\
	} while (0)

/* Equality of two integers, printing both on failure. */
#define TAP_EQ(a, b, ...)						\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		TAP_CHECK(_a == _b, __VA_ARGS__);			\
		if (_a != _b)						\
			printf("#   got %lld, want %lld\n", _a, _b);	\
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
