/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit: a VIP's statistics over a vmalloc'ed region, with an optional
 * flow table, shared by the suites of features_test.c and stats_test.c.
 * Set .init = aq_kunit_fx_init and .exit = aq_kunit_fx_exit in the suite,
 * then call aq_kunit_setup() in the case.
 */
#ifndef AQ_KUNIT_H
#define AQ_KUNIT_H

#include <kunit/test.h>

#include "aq_features.h"

#define AQ_KT_EPOCH	1000000000ULL			/* 1 s */
#define AQ_KT_US(x)	(AQ_KT_EPOCH + (u64)(x) * 1000)	/* x us later */
#define AQ_KT_TMO	(100ULL * 1000000000ULL)	/* idle: 100 s */

struct aq_kunit_fx {
	struct aq_stats *s;
	void *region;
	size_t size;
	struct aq_flowtable *ft;
	bool inited;
};

/* entries 0: no flow table. Fails the case on any error. */
struct aq_kunit_fx *aq_kunit_setup(struct kunit *test, unsigned int slots,
				   unsigned int entries, unsigned int ways,
				   u8 proto);
int aq_kunit_fx_init(struct kunit *test);
void aq_kunit_fx_exit(struct kunit *test);

#endif /* AQ_KUNIT_H */
