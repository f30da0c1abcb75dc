// SPDX-License-Identifier: GPL-2.0
/*
 * Flow table quality: the share of new flows that find room at a given
 * load (concurrent flows / entries), for the set-associative table and the
 * paper's one-slot table (ways = 1, index = hash % M). Flows are distinct
 * random 5-tuples; the hash key is random, as in the kernel.
 *
 *   flowtable_load                         TAP: >= 99% tracked at 50% load
 *   flowtable_load --table [ENTRIES [RUNS]] prints a Markdown table
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/random.h>
#include <linux/socket.h>

#include "tap.h"
#include "flowtable.h"

static void end_none(struct aq_flow *f, u64 now_ns, unsigned int reason,
		     void *ctx)
{
}

static int fn_keep(struct aq_flow *f, bool is_new, void *arg)
{
	if (is_new)
		f->state = AQ_FS_CONN;
	return AQ_FV_KEEP;
}

/* Share of @flows distinct flows tracked in a fresh table. */
static double tracked(unsigned int entries, unsigned int ways,
		      unsigned int flows)
{
	struct aq_flowtable *ft;
	unsigned int i, ok = 0;
	static int dummy_owner;

	ft = aq_flowtable_create(entries, ways, 3600ULL * 1000000000ULL,
				 end_none);
	if (IS_ERR(ft)) {
		fprintf(stderr, "aq_flowtable_create failed\n");
		exit(2);
	}
	for (i = 0; i < flows; i++) {
		struct aq_flow_key k;
		u8 s[16] = { 0 }, d[16] = { 10, 1, 0, 1 };
		u32 r = get_random_u32();

		/* Distinct: i in the address, random in the port bits. */
		s[0] = 10;
		s[1] = (u8)(i >> 16);
		s[2] = (u8)(i >> 8);
		s[3] = (u8)i;
		aq_flow_key_init(&k, AF_INET, IPPROTO_TCP, s, d,
				 (u16)(1024 + (r & 0x7fff)), 80);
		if (!aq_flowtable_update(ft, &k, &dummy_owner, 1, true,
					 fn_keep, NULL))
			ok++;
	}
	aq_flowtable_destroy(ft);
	return (double)ok / flows;
}

static double mean_tracked(unsigned int entries, unsigned int ways,
			   unsigned int load_pct, unsigned int runs)
{
	double sum = 0;
	unsigned int r;

	for (r = 0; r < runs; r++)
		sum += tracked(entries, ways,
			       (unsigned int)((u64)entries * load_pct / 100));
	return sum / runs;
}

int main(int argc, char **argv)
{
	static const unsigned int loads[] = { 25, 50, 75, 90, 100 };
	unsigned int entries = 65536, runs = 5, i;

	if (argc < 2 || strcmp(argv[1], "--table")) {
		double t8 = mean_tracked(65536, AQ_FT_DEFAULT_WAYS, 50, 3);
		double t1 = mean_tracked(65536, 1, 50, 3);

		printf("# 50%% load: %.4f tracked (%u-way), %.4f (one-slot)\n",
		       t8, AQ_FT_DEFAULT_WAYS, t1);
		TAP_CHECK(t8 >= 0.99, "set-associative table tracks >= 99%% at 50%% load");
		TAP_CHECK(t8 > t1, "set-associative beats the one-slot table");
		return tap_done();
	}
	if (argc > 2)
		entries = strtoul(argv[2], NULL, 0);
	if (argc > 3)
		runs = strtoul(argv[3], NULL, 0);
	printf("| load | %u entries, %u-way | one-slot (paper) |\n", entries,
	       AQ_FT_DEFAULT_WAYS);
	printf("|---|---|---|\n");
	for (i = 0; i < ARRAY_SIZE(loads); i++)
		printf("| %u%% | %.2f%% | %.2f%% |\n", loads[i],
		       100 * mean_tracked(entries, AQ_FT_DEFAULT_WAYS, loads[i],
					  runs),
		       100 * mean_tracked(entries, 1, loads[i], runs));
	return 0;
}
