// SPDX-License-Identifier: GPL-2.0
/*
 * Reader-side timing of libaquarius (issue 6): on a region file (from
 * tests/python/gen_region --full, or aquariusd's shm copy) or, given as
 * vip:NAME, a live region mapped from /dev/aquarius (bench/vm/reader.sh),
 * the time of one counter snapshot
 * (aq_snapshot) and of the reductions of every feature of one backend
 * (aq_reduce for each feature, and aq_reduce_backend once), each the
 * median over many iterations.
 *
 *   reader FILE|vip:NAME [ITERATIONS [BACKEND [NOW_MS]]]
 *
 * Prints "snapshot_ns <median>", "reduce_backend_ns <median>" and
 * "reduce_backend_call_ns <median>" (and the
 * 10th/90th percentiles) so that user/python/bench_reader.py can put them
 * beside the Python package's figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libaquarius.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *t, unsigned int n)
{
	qsort(t, n, sizeof(*t), cmp_u64);
	printf("%s %llu p10 %llu p90 %llu\n", what, (unsigned long long)t[n / 2],
	       (unsigned long long)t[n / 10], (unsigned long long)t[n * 9 / 10]);
}

int main(int argc, char **argv)
{
	unsigned int iters = argc > 2 ? (unsigned int)atoi(argv[2]) : 2000;
	unsigned int backend = argc > 3 ? (unsigned int)atoi(argv[3]) : 0;
	uint64_t now_ms, *t, t0;
	struct aq_reduction red, reds[AQ_NR_FEATURES];
	struct aq_frame fr;
	struct aq_region *r;
	volatile double sink = 0;
	struct stat st;
	unsigned int i, f;
	void *mem;
	int fd;

	if (argc < 2 || iters < 10) {
		fprintf(stderr, "usage: reader FILE|vip:NAME [ITERATIONS>=10 [BACKEND [NOW_MS]]]\n");
		return 2;
	}
	if (!strncmp(argv[1], "vip:", 4)) {
		mem = NULL;
		st.st_size = 0;
		r = aq_region_open(argv[1] + 4, NULL, NULL);
	} else {
		fd = open(argv[1], O_RDONLY);
		if (fd < 0 || fstat(fd, &st)) {
			perror(argv[1]);
			return 1;
		}
		mem = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (mem == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		r = aq_region_attach(mem, (size_t)st.st_size);
	}
	if (!r) {
		fprintf(stderr, "reader: %s: %s\n", argv[1], aq_errmsg());
		return 1;
	}
	now_ms = argc > 4 ? strtoull(argv[4], NULL, 0) : aq_now_ms(r);
	t = calloc(iters, sizeof(*t));
	if (!t)
		return 1;

	for (i = 0; i < iters; i++) {
		t0 = now_ns();
		if (aq_snapshot(r, &fr)) {
			fprintf(stderr, "reader: %s\n", aq_errmsg());
			return 1;
		}
		t[i] = now_ns() - t0;
		sink += (double)fr.counters[backend][0];
	}
	report("snapshot_ns", t, iters);

	for (i = 0; i < iters; i++) {
		t0 = now_ns();
		for (f = 0; f < AQ_NR_FEATURES; f++) {
			if (aq_reduce(r, backend, f, now_ms, &red)) {
				fprintf(stderr, "reader: %s\n", aq_errmsg());
				return 1;
			}
			sink += red.wmean;
		}
		t[i] = now_ns() - t0;
	}
	report("reduce_backend_ns", t, iters);

	for (i = 0; i < iters; i++) {
		t0 = now_ns();
		if (aq_reduce_backend(r, backend, now_ms, reds)) {
			fprintf(stderr, "reader: %s\n", aq_errmsg());
			return 1;
		}
		t[i] = now_ns() - t0;
		sink += reds[AQ_NR_FEATURES - 1].wmean;
	}
	report("reduce_backend_call_ns", t, iters);
	printf("slots %u features %d backend %u iterations %u\n",
	       aq_region_header(r)->nr_slots, AQ_NR_FEATURES, backend, iters);
	free(t);
	aq_region_close(r);
	if (mem)
		munmap(mem, (size_t)st.st_size);
	return sink == 12345.678;	/* keep the results alive */
}
