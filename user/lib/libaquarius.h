/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libaquarius: read the per-VIP feature regions exported by the aquarius
 * kernel module (see <linux/aquarius.h>, which is the contract).
 *
 * Errors: functions returning int return 0 on success and a negative errno
 * on failure; functions returning a pointer return NULL and set errno. In
 * both cases a human-readable message is available from aq_errmsg() (per
 * thread, valid until the next failing call in that thread).
 *
 * Nothing here allocates per read: aq_snapshot() copies into the caller's
 * frame, aq_reduce() works on the stack (32 bytes per slot of AQ_MAX_SLOTS,
 * 128 KiB).
 */
#ifndef LIBAQUARIUS_H
#define LIBAQUARIUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/aquarius.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest reservoir the library accepts (slots per (backend, feature)). */
#define AQ_MAX_SLOTS		4096
/* Attempts aq_snapshot() makes before giving up with -EAGAIN. */
#define AQ_SNAPSHOT_TRIES	1000

/* Last error message of the calling thread ("" if none yet). */
const char *aq_errmsg(void);

/* ---- Discovery (/proc/net/aquarius) ------------------------------------ */

struct aq_backend_info {
	unsigned int column;		/* 0..AQ_MAX_BACKENDS-1 */
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];		/* IPv4 in the first 4 bytes */
	uint16_t port;			/* host order */
	bool active;
};

struct aq_vip_info {
	char name[AQ_NAME_LEN];
	int proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint16_t port;			/* host order */
	uint64_t offset;		/* mmap offset in /dev/aquarius */
	uint64_t size;			/* mmap length */
	unsigned int nr_backends;	/* entries used in backends[] */
	struct aq_backend_info backends[AQ_MAX_BACKENDS]; /* in file order */
};

struct aq_vip_list {
	size_t nr;
	struct aq_vip_info *vips;
};

/*
 * Parse discovery text (format in <linux/aquarius.h>). Blank lines are
 * ignored; a "backend" line belongs to the preceding "vip" line. Any
 * malformed line fails the whole parse with -EINVAL and a message naming
 * the line. On success *list must be freed with aq_vip_list_free().
 */
int aq_discovery_parse_file(FILE *f, struct aq_vip_list *list);
int aq_discovery_parse_string(const char *text, struct aq_vip_list *list);
/* Read and parse a file; path NULL means AQ_PROC_PATH. */
int aq_discovery_load(const char *path, struct aq_vip_list *list);
void aq_vip_list_free(struct aq_vip_list *list);
const struct aq_vip_info *aq_vip_list_find(const struct aq_vip_list *list,
					   const char *name);

/* ---- Regions ----------------------------------------------------------- */

struct aq_region;	/* opaque */

/*
 * Validate and use an already mapped region of `size` bytes (8-byte aligned;
 * the caller keeps it mapped until aq_region_close()). Rejects (EINVAL, or
 * EPROTO for a layout version mismatch) a bad magic, version, header_size,
 * region_size larger than `size`, counts out of bounds (nr_backends
 * 1..AQ_MAX_BACKENDS, nr_slots a power of two 1..AQ_MAX_SLOTS, nr_counters,
 * nr_vip_counters and nr_features equal to this header's values, nr_frames
 * >= 1, frame_size >= sizeof(struct aq_frame)), misaligned offsets, areas
 * outside region_size or overlapping the header or each other, and a name
 * without a NUL.
 */
struct aq_region *aq_region_attach(const void *base, size_t size);
/* Map one listed VIP from dev_path (NULL: AQ_DEVICE_PATH), read-only. */
struct aq_region *aq_region_map(const struct aq_vip_info *vip,
				const char *dev_path);
/*
 * Find `name` in the discovery file proc_path (NULL: AQ_PROC_PATH) and map
 * it from dev_path (NULL: AQ_DEVICE_PATH). ENOENT if not listed.
 */
struct aq_region *aq_region_open(const char *name, const char *proc_path,
				 const char *dev_path);
/* Unmap (if mapped by the library) and free. NULL is accepted. */
void aq_region_close(struct aq_region *r);

/*
 * The validated header (live shared memory; its descriptive fields are
 * static for the life of the region, latest_seq is not: use aq_snapshot()).
 */
const struct aq_region_header *aq_region_header(const struct aq_region *r);

/* CLOCK_MONOTONIC now, in ms since the region's epoch_ns (0 if before). */
uint64_t aq_now_ms(const struct aq_region *r);

/* ---- Counter snapshots ------------------------------------------------- */

/*
 * Copy the newest complete frame into *out with the protocol of
 * <linux/aquarius.h>: acquire-load latest_seq (0: -ENODATA, "no snapshot
 * yet"), acquire-load the frame's seq, copy the frame with 64-bit loads,
 * read barrier, reload seq; accept iff both equal latest_seq, otherwise
 * start again, at most max_tries times (0: AQ_SNAPSHOT_TRIES), then
 * -EAGAIN. Bits of out->active at or above nr_backends are cleared.
 * If tries is not NULL it receives the number of attempts made.
 */
int aq_snapshot_tries(const struct aq_region *r, struct aq_frame *out,
		      unsigned int max_tries, unsigned int *tries);
static inline int aq_snapshot(const struct aq_region *r, struct aq_frame *out)
{
	return aq_snapshot_tries(r, out, 0, NULL);
}

/* Next set bit of `active` strictly after `prev` (-1 to start), or -1. */
static inline int aq_next_active(uint64_t active, int prev)
{
	unsigned int from = (unsigned int)(prev + 1);

	if (prev < -1 || from >= 64)
		return -1;
	active &= ~0ULL << from;
	return active ? __builtin_ctzll(active) : -1;
}

/* for (each set bit i of active, ascending) */
#define aq_for_each_active(i, active)				\
	for ((i) = aq_next_active((active), -1); (i) >= 0;	\
	     (i) = aq_next_active((active), (i)))

/* ---- Reservoir reductions ---------------------------------------------- */

/*
 * The paper's five scalars over the non-empty slots of one reservoir.
 * With n non-empty samples v_1..v_n (a slot equal to 0 is empty and
 * ignored; values are int32 if the feature has AQ_FIELD_SIGNED, else
 * uint32), sorted ascending as v_(1) <= ... <= v_(n):
 *
 *   mean      = sum(v) / n
 *   std       = sqrt(sum((v - mean)^2) / n)         (population, ddof 0)
 *   p90       = v_(k), k = ceil(0.9 * n)            (nearest rank)
 *   age_i     = ms from the sample's time to now_ms (see below), in s
 *   w_i       = 0.9 ^ age_i                         (age in seconds, real)
 *   wmean     = sum(w * v) / sum(w)
 *   wp90      = smallest v_(j) with sum_{i<=j} w_(i) >= 0.9 * sum(w)
 *               (cumulative weight along the value-sorted order)
 *
 * Age: a slot's time is 32-bit ms since epoch_ns; age_ms =
 * (uint32_t)(now_ms - time). A sample stamped up to AQ_FUTURE_MS after
 * now_ms (now read before the sample was stored) gets age 0.
 * With n == 0 all five are NaN; if every weight underflows to 0, wmean and
 * wp90 are NaN. wp90 equals p90 when all ages are equal.
 *
 * How they are computed (the Python package, aquarius.reduce, computes the
 * same, bit for bit except wsum and wmean, which numpy adds in another
 * order: within 1e-12 relative; the tests in tests/python compare them):
 *
 * - mean and std from exact integer sums: mean = S1 / n and std =
 *   sqrt(N / n^2) with S1 = sum(v), S2 = sum(v^2) and N = n S2 - S1^2 held
 *   in 128-bit integers; each of S1 and N is rounded once to double, so
 *   both are within a few ulp of the exact values (no cancellation).
 * - w_i = aq_decay(age_ms): for age_ms < AQ_DECAY_TABLE_MS (108 min) the
 *   product T2[age >> 16] * T1[(age >> 8) & 255] * T0[age & 255] (in that
 *   order) of tables whose entries are pow(0.9, a / 1000.0) for the part a
 *   of the age each byte stands for; older, pow(0.9, age_ms / 1000.0)
 *   itself (subnormal; 0 from 7072225 ms on, as pow() gives, without
 *   calling it). The product is within 1e-13 (relative) of
 *   pow(0.9, age_ms / 1000.0) for every age below AQ_DECAY_TABLE_MS, and
 *   within 5e-14 below one hour (checked for every age by tests/host):
 *   the size of the error pow(0.9, x) itself has against 0.9^x from
 *   rounding x = age_ms / 1000 (up to x ln(1/0.9) 2^-53).
 * - wsum = sum(w) and sum(w v) are accumulated in slot order, one term
 *   after the other; wmean = sum(w v) / wsum.
 * - p90: by selection (O(n) expected), no sort.
 * - wp90 uses each sample's weight relative to the largest one, as an
 *   integer: q_i = floor(w_i 2^(52 - e)), where 2^(e-1) <= max(w) < 2^e
 *   (an exact scaling by a power of two). wp90 is the smallest value x with
 *   sum{q_i : v_i <= x} >= ceil(0.9 * sum(q)), in exact integer arithmetic,
 *   so the order of equal values and of the additions cannot change it. It
 *   is the definition above with the weights scaled (which leaves the
 *   quantile unchanged) and truncated to multiples of at most 2^-51 of the
 *   largest: the cumulative weights differ from the real ones by less
 *   than n 2^-51 of the total (5.7e-14 at 128 slots, 1.8e-12 at
 *   AQ_MAX_SLOTS), the order of the 1e-12 slack the floating-point
 *   comparison of earlier versions had.
 *
 * Cost (docs/PERFORMANCE.md, "Reader side"): all 13 features of one
 * backend at 128 slots in about 10 us; no allocation, 32 bytes of stack
 * per slot of AQ_MAX_SLOTS (128 KiB).
 */
#define AQ_FUTURE_MS		60000u
/* Ages (ms) from which aq_decay() calls pow() rather than its tables. */
#define AQ_DECAY_TABLE_MS	(99u << 16)

/* The weight 0.9^(age_ms / 1000) of a sample, as the reductions use it. */
double aq_decay(uint32_t age_ms);

struct aq_reduction {
	uint32_t samples;	/* non-empty slots */
	uint64_t offered;	/* offered[b][f]: samples offered so far,
				 * as of the latest snapshot */
	double mean, std, p90;
	double wmean, wp90;
	double wsum;		/* sum of weights */
};

/* Reduce an array of n slot words (n <= AQ_MAX_SLOTS); offered is left 0. */
int aq_reduce_slots(const uint64_t *slots, unsigned int n, bool is_signed,
		    uint64_t now_ms, struct aq_reduction *out);
/*
 * Reduce the live reservoir of (backend, feature): every slot is read with
 * one 64-bit load (the set is not a snapshot: slots may change meanwhile).
 */
int aq_reduce(const struct aq_region *r, unsigned int backend,
	      unsigned int feature, uint64_t now_ms, struct aq_reduction *out);
/*
 * aq_reduce() of every feature of one backend: out[f] for feature f, the
 * same results as AQ_NR_FEATURES calls, with the checks made once.
 */
int aq_reduce_backend(const struct aq_region *r, unsigned int backend,
		      uint64_t now_ms, struct aq_reduction out[AQ_NR_FEATURES]);

/* ---- Small helpers ----------------------------------------------------- */

/* "tcp", "udp" or "proto-N" (a per-thread buffer, valid until the next call). */
const char *aq_proto_name(int proto);
/* Address text; returns buf, "?" for an unknown family. */
const char *aq_addr_str(int family, const uint8_t addr[16], char *buf,
			size_t len);
/* A fixed-size field name/unit from the region, as a C string in buf. */
const char *aq_field_str(const char *field, size_t field_len, char *buf,
			 size_t len);

#ifdef __cplusplus
}
#endif

#endif /* LIBAQUARIUS_H */
