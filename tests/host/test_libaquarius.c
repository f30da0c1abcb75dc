// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of libaquarius on synthetic regions built in memory after
 * <linux/aquarius.h>: header validation, the snapshot protocol (including
 * a concurrent writer), the bitmap walk, reductions and discovery parsing.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "libaquarius.h"
#include "tap.h"

#include "synth_region.h"

static struct aq_frame *synth_frame(struct synth *s, unsigned int i)
{
	return (struct aq_frame *)(s->mem + s->h->frames_offset +
				   (size_t)i * s->h->frame_size);
}

static __u64 *synth_slots(struct synth *s, unsigned int b, unsigned int f)
{
	return (__u64 *)(s->mem + s->h->slots_offset) +
		((size_t)b * AQ_NR_FEATURES + f) * s->h->nr_slots;
}

static __u64 *synth_offered(struct synth *s, unsigned int b, unsigned int f)
{
	return (__u64 *)(s->mem + s->h->offered_offset) + b * AQ_NR_FEATURES + f;
}

static uint64_t S(uint32_t time_ms, int64_t value)
{
	return ((uint64_t)time_ms << 32) | (uint32_t)value;
}

static bool near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

#define TAP_NEAR(a, b, ...)						\
	do {								\
		double _x = (a), _y = (b);				\
		TAP_CHECK(near(_x, _y), __VA_ARGS__);			\
		if (!near(_x, _y))					\
			printf("#   got %.17g, want %.17g\n", _x, _y);	\
	} while (0)

/* ---- Header validation -------------------------------------------------- */

/* Attach after mutating a fresh region; expect rejection with err/needle. */
#define EXPECT_REJECT(mutation, err, needle, name)			\
	do {								\
		struct synth _s;					\
		struct aq_region *_r;					\
		synth_init(&_s, 64, 16, 4);				\
		{ struct aq_region_header *h = _s.h; (void)h; mutation; } \
		errno = 0;						\
		_r = aq_region_attach(_s.mem, _s.size);			\
		TAP_CHECK(!_r && errno == (err) &&			\
			  strstr(aq_errmsg(), (needle)),		\
			  "attach rejects %s", name);			\
		if (_r || !strstr(aq_errmsg(), (needle)))		\
			printf("#   errno %d msg '%s'\n", errno, aq_errmsg()); \
		aq_region_close(_r);					\
		synth_free(&_s);					\
	} while (0)

static void test_validation(void)
{
	struct synth s;
	struct aq_region *r;

	synth_init(&s, 64, 16, 4);
	r = aq_region_attach(s.mem, s.size);
	TAP_CHECK(r != NULL, "attach accepts a good region (%s)", r ? "" : aq_errmsg());
	TAP_CHECK(r && aq_region_header(r) == s.h, "header accessor");
	aq_region_close(r);
	r = aq_region_attach(s.mem, sizeof(struct aq_region_header) - 1);
	TAP_CHECK(!r && errno == EINVAL, "attach rejects a size below the header");
	r = aq_region_attach(s.mem + 4, s.size - 8);
	TAP_CHECK(!r && errno == EINVAL, "attach rejects a misaligned base");
	synth_free(&s);

	EXPECT_REJECT(h->magic ^= 1, EINVAL, "magic", "bad magic");
	EXPECT_REJECT(h->version = AQ_LAYOUT_VERSION + 1, EPROTO, "version", "other layout version");
	EXPECT_REJECT(h->header_size = 64, EINVAL, "header_size", "bad header_size");
	EXPECT_REJECT(h->region_size += PAGE, EINVAL, "region_size",
		      "region_size above the mapped size");
	EXPECT_REJECT(h->nr_backends = 0, EINVAL, "nr_backends", "nr_backends 0");
	EXPECT_REJECT(h->nr_backends = 65, EINVAL, "nr_backends", "nr_backends 65");
	EXPECT_REJECT(h->nr_slots = 12, EINVAL, "nr_slots", "nr_slots not a power of two");
	EXPECT_REJECT(h->nr_slots = 8192, EINVAL, "nr_slots", "nr_slots above 4096");
	EXPECT_REJECT(h->nr_features = AQ_NR_FEATURES + 1, EINVAL, "nr_features",
		      "nr_features mismatch");
	EXPECT_REJECT(h->nr_counters = 3, EINVAL, "nr_counters", "nr_counters mismatch");
	EXPECT_REJECT(h->nr_frames = 0, EINVAL, "nr_frames", "nr_frames 0");
	EXPECT_REJECT(h->frame_size = 64, EINVAL, "frame_size", "frame_size too small");
	EXPECT_REJECT(h->frames_offset = h->region_size - 8, EINVAL, "beyond",
		      "frames beyond region_size");
	EXPECT_REJECT(h->frames_offset = 0xfffffff8u, EINVAL, "beyond",
		      "frames offset near 4 GiB (no overflow)");
	EXPECT_REJECT(h->slots_offset = h->region_size, EINVAL, "beyond",
		      "slots at region_size");
	EXPECT_REJECT(h->offered_offset += 4, EINVAL, "aligned",
		      "misaligned offered offset");
	EXPECT_REJECT(h->offered_offset = 8, EINVAL, "header", "offered inside the header");
	EXPECT_REJECT(h->slots_offset = h->offered_offset, EINVAL, "overlap",
		      "slots overlapping offered");
	EXPECT_REJECT(memset(h->name, 'x', sizeof(h->name)), EINVAL, "NUL",
		      "name without NUL");

	/* The region needs only as many slot columns as nr_backends says. */
	synth_init(&s, 2, 4096, 4);
	r = aq_region_attach(s.mem, s.size);
	TAP_CHECK(r != NULL, "attach accepts 2 backends x 4096 slots (%s)",
		  r ? "" : aq_errmsg());
	aq_region_close(r);
	synth_free(&s);
}

/* ---- Snapshots ---------------------------------------------------------- */

static void fill_frame(struct aq_frame *f, __u64 n)
{
	int b, c;

	f->time_ns = 1000 * n;
	f->active = 0x21;
	for (c = 0; c < AQ_NR_VIP_COUNTERS; c++)
		f->vip_counters[c] = 100 + c;
	for (b = 0; b < AQ_MAX_BACKENDS; b++)
		for (c = 0; c < AQ_NR_COUNTERS; c++)
			f->counters[b][c] = n * 1000 + b * 10 + c;
	f->seq = n;
}

struct delayed_seq {
	struct aq_frame *f;
	__u64 n;
	unsigned int delay_ms;
};

static void *delayed_seq_thread(void *arg)
{
	struct delayed_seq *d = arg;
	struct timespec ts = { 0, (long)d->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	__atomic_store_n(&d->f->seq, d->n, __ATOMIC_RELEASE);
	return NULL;
}

static void test_snapshot_basic(void)
{
	struct aq_frame out;
	struct synth s;
	struct aq_region *r;
	unsigned int tries = 0;
	int ret, ok, b, c;

	synth_init(&s, 64, 16, 4);
	r = aq_region_attach(s.mem, s.size);
	if (!r)
		abort();

	ret = aq_snapshot_tries(r, &out, 10, &tries);
	TAP_EQ(ret, -ENODATA, "snapshot before any frame: -ENODATA");
	TAP_CHECK(strstr(aq_errmsg(), "no snapshot") != NULL, "... with a message");

	fill_frame(synth_frame(&s, 5 % 4), 5);
	s.h->latest_seq = 5;
	memset(&out, 0xff, sizeof(out));
	ret = aq_snapshot_tries(r, &out, 10, &tries);
	TAP_EQ(ret, 0, "snapshot of frame 5");
	TAP_EQ(tries, 1, "... in one attempt");
	TAP_EQ(out.seq, 5, "... seq 5");
	TAP_EQ(out.time_ns, 5000, "... time");
	TAP_EQ(out.active, 0x21, "... active bitmap");
	ok = 1;
	for (b = 0; b < AQ_MAX_BACKENDS; b++)
		for (c = 0; c < AQ_NR_COUNTERS; c++)
			if (out.counters[b][c] != (__u64)(5000 + b * 10 + c))
				ok = 0;
	for (c = 0; c < AQ_NR_VIP_COUNTERS; c++)
		if (out.vip_counters[c] != (__u64)(100 + c))
			ok = 0;
	TAP_CHECK(ok, "... every counter copied");

	/* latest says 6 but frame 6 % 4 is being written (seq 0). */
	s.h->latest_seq = 6;
	fill_frame(synth_frame(&s, 6 % 4), 6);
	synth_frame(&s, 6 % 4)->seq = 0;
	ret = aq_snapshot_tries(r, &out, 10, &tries);
	TAP_EQ(ret, -EAGAIN, "frame with seq 0: retried, then -EAGAIN");
	TAP_EQ(tries, 10, "... after exactly max_tries attempts");

	/* A stale frame (seq of an older round) is not accepted either. */
	synth_frame(&s, 6 % 4)->seq = 2;
	ret = aq_snapshot_tries(r, &out, 7, &tries);
	TAP_CHECK(ret == -EAGAIN && tries == 7, "frame with a mismatched seq: retried, then -EAGAIN");

	/* The writer finishes while the reader retries: the retry succeeds. */
	{
		struct delayed_seq d = { synth_frame(&s, 6 % 4), 6, 30 };
		pthread_t th;

		synth_frame(&s, 6 % 4)->seq = 0;
		pthread_create(&th, NULL, delayed_seq_thread, &d);
		ret = aq_snapshot_tries(r, &out, 4000000000u, &tries);
		pthread_join(th, NULL);
		TAP_CHECK(ret == 0 && out.seq == 6 && out.counters[1][2] == 6012,
			  "frame completed during retries is read");
		TAP_CHECK(tries > 1, "... after %u attempts (> 1)", tries);
	}

	/* Default tries. */
	ret = aq_snapshot(r, &out);
	TAP_CHECK(ret == 0 && out.seq == 6, "aq_snapshot() default");
	aq_region_close(r);
	synth_free(&s);

	/* Active bits beyond nr_backends are cleared. */
	synth_init(&s, 8, 16, 4);
	r = aq_region_attach(s.mem, s.size);
	fill_frame(synth_frame(&s, 1), 1);
	synth_frame(&s, 1)->active = 0xffff;
	s.h->latest_seq = 1;
	ret = aq_snapshot(r, &out);
	TAP_CHECK(ret == 0 && out.active == 0xff, "active masked to nr_backends");
	aq_region_close(r);
	synth_free(&s);
}

/* Writer thread: the kernel's protocol, each frame filled with its seq. */
struct writer {
	struct synth *s;
	volatile int stop;
	__u64 written;
};

static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	struct aq_region_header *h = w->s->h;
	__u64 n;

	for (n = 1; !__atomic_load_n(&w->stop, __ATOMIC_RELAXED); n++) {
		__u64 *f = (__u64 *)synth_frame(w->s, n % h->nr_frames);
		size_t i;

		__atomic_store_n(&f[0], 0, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);	/* smp_wmb() */
		for (i = 1; i < sizeof(struct aq_frame) / 8; i++)
			__atomic_store_n(&f[i], n, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);	/* smp_wmb() */
		__atomic_store_n(&f[0], n, __ATOMIC_RELAXED);
		__atomic_store_n(&h->latest_seq, n, __ATOMIC_RELEASE);
	}
	w->written = n - 1;
	return NULL;
}

static void test_snapshot_concurrent(void)
{
	static struct aq_frame out;
	struct writer w = { 0 };
	struct synth s;
	struct aq_region *r;
	unsigned long good = 0, busy = 0, torn = 0, backwards = 0, other = 0;
	__u64 last = 0;
	pthread_t th;
	int i;

	synth_init(&s, 64, 16, 2);	/* 2 frames: the writer is always close */
	r = aq_region_attach(s.mem, s.size);
	if (!r)
		abort();
	w.s = &s;
	pthread_create(&th, NULL, writer_thread, &w);
	while (!__atomic_load_n(&s.h->latest_seq, __ATOMIC_ACQUIRE))
		sched_yield();
	for (i = 0; i < 200000; i++) {
		const __u64 *p = (const __u64 *)&out;
		int ret = aq_snapshot_tries(r, &out, 100, NULL);
		size_t k;

		if (ret == -EAGAIN) {
			busy++;
			continue;
		}
		if (ret) {
			other++;
			continue;
		}
		good++;
		for (k = 1; k < sizeof(out) / 8; k++)
			if (p[k] != out.seq) {
				torn++;
				break;
			}
		if (out.seq < last)
			backwards++;
		last = out.seq;
	}
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	printf("# concurrent: %lu consistent, %lu gave up, %llu frames written\n",
	       good, busy, (unsigned long long)w.written);
	TAP_EQ(torn, 0, "concurrent writer: no torn copy (every counter == seq)");
	TAP_EQ(other, 0, "concurrent writer: no unexpected error");
	TAP_EQ(backwards, 0, "concurrent writer: seq never goes backwards");
	TAP_CHECK(good > 1000, "concurrent writer: %lu consistent copies", good);
	aq_region_close(r);
	synth_free(&s);
}

/* ---- Bitmap walk -------------------------------------------------------- */

static void test_bitmap(void)
{
	uint64_t map = (1ULL << 0) | (1ULL << 5) | (1ULL << 31) | (1ULL << 63);
	int got[64], n = 0, i;

	aq_for_each_active(i, map)
		got[n++] = i;
	TAP_CHECK(n == 4 && got[0] == 0 && got[1] == 5 && got[2] == 31 &&
		  got[3] == 63, "walk visits 0, 5, 31, 63");
	n = 0;
	aq_for_each_active(i, 0)
		n++;
	TAP_EQ(n, 0, "walk of an empty map visits nothing");
	n = 0;
	aq_for_each_active(i, ~0ULL)
		n++;
	TAP_EQ(n, 64, "walk of a full map visits 64");
	TAP_EQ(aq_next_active(map, 63), -1, "next after 63 is -1");
	TAP_EQ(aq_next_active(map, 5), 31, "next after 5 is 31");
	TAP_EQ(aq_next_active(map, 64), -1, "next after 64 is -1");
}

/* ---- Reductions --------------------------------------------------------- */

static void test_reduce(void)
{
	uint64_t slots[32];
	struct aq_reduction red;
	const uint64_t now = 100000;
	int i, ret;

	/* 1..10, all age 0, with empty slots in between. */
	memset(slots, 0, sizeof(slots));
	for (i = 0; i < 10; i++)
		slots[3 * i] = S(now, i + 1);
	ret = aq_reduce_slots(slots, 32, false, now, &red);
	TAP_EQ(ret, 0, "reduce 1..10");
	TAP_EQ(red.samples, 10, "... empty slots ignored: 10 samples");
	TAP_NEAR(red.mean, 5.5, "... mean 5.5");
	TAP_NEAR(red.std, sqrt(8.25), "... population std sqrt(8.25)");
	TAP_NEAR(red.p90, 9, "... p90 = 9th of 10 (nearest rank)");
	TAP_NEAR(red.wmean, 5.5, "... weighted mean = mean at equal ages");
	TAP_NEAR(red.wp90, 9, "... weighted p90 = p90 at equal ages");
	TAP_NEAR(red.wsum, 10, "... weights 1 at age 0");

	/* nearest rank: n = 11 -> k = ceil(9.9) = 10; n = 1 -> the value. */
	memset(slots, 0, sizeof(slots));
	for (i = 0; i < 11; i++)
		slots[i] = S(now, 11 - i);
	aq_reduce_slots(slots, 11, false, now, &red);
	TAP_NEAR(red.p90, 10, "p90 of 1..11 is 10");
	TAP_NEAR(red.wp90, 10, "weighted p90 of 1..11 at equal ages is 10");
	memset(slots, 0, sizeof(slots));
	slots[7] = S(5, 42);
	aq_reduce_slots(slots, 16, false, now, &red);
	TAP_CHECK(red.samples == 1 && red.mean == 42 && red.std == 0 &&
		  red.p90 == 42 && red.wp90 == 42 && near(red.wmean, 42),
		  "one sample: mean = p90 = 42, std 0");

	/* Empty reservoir: NaN. */
	memset(slots, 0, sizeof(slots));
	aq_reduce_slots(slots, 32, false, now, &red);
	TAP_CHECK(red.samples == 0 && isnan(red.mean) && isnan(red.std) &&
		  isnan(red.p90) && isnan(red.wmean) && isnan(red.wp90),
		  "empty reservoir: 0 samples, all NaN");

	/* Signed values. */
	memset(slots, 0, sizeof(slots));
	slots[0] = S(now, -5);
	slots[1] = S(now, 3);
	slots[2] = S(now, -1);
	aq_reduce_slots(slots, 4, true, now, &red);
	TAP_NEAR(red.mean, -1, "signed: mean of -5, -1, 3 is -1");
	TAP_NEAR(red.std, sqrt(32.0 / 3), "signed: std sqrt(32/3)");
	TAP_NEAR(red.p90, 3, "signed: p90 3");
	memset(slots, 0, sizeof(slots));
	slots[0] = S(now, -5);
	slots[1] = S(now, -1);
	slots[2] = S(now, -3);
	aq_reduce_slots(slots, 3, true, now, &red);
	TAP_NEAR(red.p90, -1, "signed: p90 of -5, -3, -1 is -1 (signed order)");
	aq_reduce_slots(slots, 3, false, now, &red);
	TAP_NEAR(red.mean, (3.0 * 4294967296.0 - 9) / 3,
		 "same slots unsigned: values read as uint32");

	/* Weights 0.9^age(s): 10@0s, 20@1s, 30@2s -> w 1, .9, .81. */
	memset(slots, 0, sizeof(slots));
	slots[0] = S(now - 2000, 30);
	slots[1] = S(now, 10);
	slots[2] = S(now - 1000, 20);
	aq_reduce_slots(slots, 3, false, now, &red);
	TAP_NEAR(red.wsum, 2.71, "weights 1 + .9 + .81");
	TAP_NEAR(red.wmean, 52.3 / 2.71, "weighted mean (10 + 18 + 24.3) / 2.71");
	TAP_NEAR(red.wp90, 30, "weighted p90 30 (cum 1, 1.9, 2.71 vs 2.439)");
	TAP_NEAR(red.mean, 20, "unweighted mean 20");

	/* Old large value: p90 30 but weighted p90 20. */
	memset(slots, 0, sizeof(slots));
	slots[0] = S(now, 10);
	slots[1] = S(now, 20);
	slots[2] = S(now - 30000, 30);
	aq_reduce_slots(slots, 3, false, now, &red);
	TAP_NEAR(red.p90, 30, "p90 of 10, 20, 30 is 30");
	TAP_NEAR(red.wp90, 20, "weighted p90 is 20 (30 is 30 s old, w 0.0424)");
	TAP_NEAR(red.wmean, (30 + 30 * 0.042391158275216238) / (2 + 0.042391158275216238),
		 "weighted mean with w = 0.9^30");

	/* Fractional seconds: 500 ms -> 0.9^0.5. */
	memset(slots, 0, sizeof(slots));
	slots[0] = S(now - 500, 8);
	aq_reduce_slots(slots, 1, false, now, &red);
	TAP_NEAR(red.wsum, 0.94868329805051377, "age 500 ms weighs 0.9^0.5");

	/* A sample stamped after now counts as age 0, not as 49 days old. */
	memset(slots, 0, sizeof(slots));
	slots[0] = S(now + 300, 8);
	aq_reduce_slots(slots, 1, false, now, &red);
	TAP_NEAR(red.wsum, 1, "sample 300 ms in the future weighs 1");

	/* 32-bit time wrap: now past 2^32 ms, sample 1 s before. */
	memset(slots, 0, sizeof(slots));
	slots[0] = S(1, 8);
	aq_reduce_slots(slots, 1, false, (1ULL << 32) + 1001, &red);
	TAP_NEAR(red.wsum, 0.9, "age across the 2^32 ms wrap");

	ret = aq_reduce_slots(slots, AQ_MAX_SLOTS + 1, false, now, &red);
	TAP_EQ(ret, -EINVAL, "more than AQ_MAX_SLOTS slots rejected");
}

/* The weights: every table age against pow(), and past the tables. */
static void test_decay(void)
{
	double worst = 0, worst_hour = 0;
	uint32_t age, at = 0;

	for (age = 0; age < AQ_DECAY_TABLE_MS; age++) {
		double want = pow(0.9, age / 1000.0);
		double err = fabs(aq_decay(age) - want) / want;

		if (err > worst) {
			worst = err;
			at = age;
		}
		if (age < 3600000 && err > worst_hour)
			worst_hour = err;
	}
	/* pow() itself is off by up to x ln(0.9) 2^-53 from rounding x */
	TAP_CHECK(worst <= 1e-13, "aq_decay within 1e-13 of pow(0.9, age / 1000) below AQ_DECAY_TABLE_MS (worst %.3g at %u ms)",
		  worst, at);
	TAP_CHECK(worst_hour <= 5e-14, "... within 5e-14 below one hour (worst %.3g)",
		  worst_hour);
	TAP_CHECK(aq_decay(0) == 1 && aq_decay(1000) == pow(0.9, 1.0),
		  "aq_decay(0) = 1, aq_decay(1000) = 0.9");
	for (age = AQ_DECAY_TABLE_MS, worst = 0; age < 8000000; age++)
		worst += aq_decay(age) != pow(0.9, age / 1000.0);
	TAP_CHECK(worst == 0 && aq_decay(UINT32_MAX) == 0 &&
		  aq_decay(7072224) > 0 && aq_decay(7072225) == 0,
		  "aq_decay past the tables is pow() (subnormal), then 0 from 7072225 ms");
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The header's definitions, the slow way: values sorted; p90 the k-th;
 * wp90 from integer weights floor(w 2^(52 - e)) summed along the order.
 */
static void reference(const uint64_t *slots, unsigned int n, bool is_signed,
		      uint64_t now, double *p90, double *wp90)
{
	static int64_t key[AQ_MAX_SLOTS];	/* value << 20 | index */
	static double w[AQ_MAX_SLOTS];
	unsigned int i, m = 0, k;
	double wmax = 0;
	uint64_t qsum = 0, cum = 0, q[AQ_MAX_SLOTS];
	int e;

	for (i = 0; i < n; i++) {
		uint32_t age;
		int64_t v;

		if (!slots[i])
			continue;
		v = is_signed ? (int32_t)AQ_SLOT_VALUE(slots[i]) :
				(int64_t)AQ_SLOT_VALUE(slots[i]);
		age = (uint32_t)now - AQ_SLOT_TIME_MS(slots[i]);
		if (age > UINT32_MAX - AQ_FUTURE_MS)
			age = 0;
		w[m] = aq_decay(age);
		wmax = w[m] > wmax ? w[m] : wmax;
		key[m] = v * (1 << 20) + m;
		m++;
	}
	*p90 = *wp90 = NAN;
	if (!m)
		return;
	qsort(key, m, sizeof(key[0]), cmp_i64);
	k = (9 * m + 9) / 10;
	*p90 = (double)(key[k - 1] >> 20);
	frexp(wmax, &e);
	for (i = 0; i < m; i++) {
		q[i] = (uint64_t)ldexp(w[key[i] & 0xfffff], 52 - e);
		qsum += q[i];
	}
	for (i = 0; i < m; i++) {
		cum += q[i];
		if (cum >= qsum - qsum / 10)
			break;
	}
	*wp90 = (double)(key[i] >> 20);
}

/* The selections against the reference, on random reservoirs. */
static void test_reduce_random(void)
{
	static uint64_t slots[AQ_MAX_SLOTS];
	static const unsigned int sizes[] = { 1, 2, 3, 16, 17, 64, 65, 128,
					      129, 1000, 4096 };
	unsigned int round, bad = 0, runs = 0, i;
	const uint64_t now = 5000000;

	for (round = 0; round < 600; round++) {
		unsigned int n = sizes[round % 11], kind = (round / 11) % 6;
		bool is_signed = round & 1;
		struct aq_reduction red;
		double p90, wp90;

		for (i = 0; i < n; i++) {
			uint64_t r = rng();
			uint32_t age = (uint32_t)(r % 120000), v = (uint32_t)(r >> 32);

			if (kind == 1)			/* few values: ties */
				v %= 4;
			else if (kind == 2)		/* all equal */
				v = 7;
			else if (kind == 3)		/* moderate values */
				v %= 1000000;
			if (kind == 4)			/* equal ages */
				age = 1234;
			else if (kind == 5)		/* spread over hours */
				age = (uint32_t)(r % 7000000);
			slots[i] = (r >> 20) % 8 == 0 && n > 1 ? 0 :
				   S((uint32_t)now - age, (int32_t)v);
		}
		if (n == 1)
			slots[0] |= 1ULL << 32;
		reference(slots, n, is_signed, now, &p90, &wp90);
		if (aq_reduce_slots(slots, n, is_signed, now, &red) ||
		    !(red.p90 == p90 || (isnan(red.p90) && isnan(p90))) ||
		    !(red.wp90 == wp90 || (isnan(red.wp90) && isnan(wp90)))) {
			if (!bad++)
				printf("# round %u (n %u kind %u): p90 %.17g/%.17g wp90 %.17g/%.17g\n",
					 round, n, kind, red.p90, p90, red.wp90, wp90);
		}
		runs++;
	}
	TAP_CHECK(!bad, "p90 and wp90 by selection equal the sorted definition (%u of %u random reservoirs differ)",
		  bad, runs);
}

static void test_reduce_region(void)
{
	struct aq_reduction red;
	struct synth s;
	struct aq_region *r;
	__u64 *sl;
	int ret;

	synth_init(&s, 64, 8, 4);
	r = aq_region_attach(s.mem, s.size);
	if (!r)
		abort();
	sl = synth_slots(&s, 3, AQ_F_D_WIN);
	sl[1] = S(1000, -4);
	sl[6] = S(1000, 2);
	*synth_offered(&s, 3, AQ_F_D_WIN) = 42;
	/* Neighbours that must not be read as part of (3, d_win). */
	synth_slots(&s, 3, AQ_F_D_WIN + 1)[0] = S(1000, 1000);
	synth_slots(&s, 3, AQ_F_D_WIN - 1)[7] = S(1000, 1000);
	synth_slots(&s, 4, AQ_F_D_WIN)[0] = S(1000, 1000);

	ret = aq_reduce(r, 3, AQ_F_D_WIN, 1000, &red);
	TAP_EQ(ret, 0, "aq_reduce on the region");
	TAP_EQ(red.samples, 2, "... 2 samples in (3, d_win)");
	TAP_EQ(red.offered, 42, "... offered 42");
	TAP_NEAR(red.mean, -1, "... signed via the field flags: mean -1");
	TAP_NEAR(red.std, 3, "... std 3");
	ret = aq_reduce(r, 4, AQ_F_WIN, 1000, &red);
	TAP_CHECK(ret == 0 && red.samples == 0 && red.offered == 0, "empty (4, win)");
	{
		struct aq_reduction all[AQ_NR_FEATURES];
		unsigned int f, same = 0;

		ret = aq_reduce_backend(r, 3, 1000, all);
		for (f = 0; f < AQ_NR_FEATURES; f++) {
			aq_reduce(r, 3, f, 1000, &red);
			same += red.samples == all[f].samples &&
				red.offered == all[f].offered &&
				!memcmp(&red.mean, &all[f].mean, 6 * sizeof(double));
		}
		TAP_CHECK(ret == 0 && same == AQ_NR_FEATURES,
			  "aq_reduce_backend = aq_reduce of each feature");
		TAP_EQ(aq_reduce_backend(r, 64, 0, all), -EINVAL,
		       "aq_reduce_backend: backend 64 rejected");
	}
	TAP_EQ(aq_reduce(r, 64, 0, 0, &red), -EINVAL, "backend 64 rejected");
	TAP_EQ(aq_reduce(r, 0, AQ_NR_FEATURES, 0, &red), -EINVAL, "feature out of range rejected");
	aq_region_close(r);
	synth_free(&s);
}

static void test_now(void)
{
	struct timespec ts;
	struct synth s;
	struct aq_region *r;
	uint64_t ms;

	synth_init(&s, 1, 1, 1);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s.h->epoch_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec - 5000000000ULL;
	r = aq_region_attach(s.mem, s.size);
	ms = aq_now_ms(r);
	TAP_CHECK(ms >= 5000 && ms < 6000, "now_ms 5 s after the epoch (%llu)",
		  (unsigned long long)ms);
	aq_region_close(r);
	s.h->epoch_ns += 100000000000ULL;
	r = aq_region_attach(s.mem, s.size);
	TAP_EQ(aq_now_ms(r), 0, "now_ms 0 before the epoch");
	aq_region_close(r);
	synth_free(&s);
}

/* ---- Discovery ---------------------------------------------------------- */

static const char good_text[] =
	"vip web tcp 10.0.0.1 80 offset 0 size 4206592\n"
	"backend 0 10.0.1.1 8080 active\n"
	"backend 5 10.0.1.2 8081 inactive\n"
	"\n"
	"vip dns udp 2001:db8::1 53 offset 0x405000 size 8192\n"
	"backend 63 2001:db8::53 5353 active";	/* no final newline */

static void check_good_list(const struct aq_vip_list *l, const char *how)
{
	const struct aq_vip_info *v;
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	TAP_EQ(l->nr, 2, "%s: two vips", how);
	if (l->nr != 2)
		return;
	v = &l->vips[0];
	TAP_CHECK(!strcmp(v->name, "web") && v->proto == IPPROTO_TCP &&
		  v->family == AF_INET && v->addr[0] == 10 && v->addr[3] == 1 &&
		  v->port == 80 && v->offset == 0 && v->size == 4206592,
		  "%s: vip web fields", how);
	TAP_CHECK(v->nr_backends == 2 && v->backends[0].column == 0 &&
		  v->backends[0].active && v->backends[0].port == 8080 &&
		  v->backends[1].column == 5 && !v->backends[1].active &&
		  v->backends[1].addr[3] == 2 && v->backends[1].family == AF_INET,
		  "%s: web backends", how);
	v = aq_vip_list_find(l, "dns");
	TAP_CHECK(v && v->proto == IPPROTO_UDP && v->family == AF_INET6 &&
		  !memcmp(v->addr, v6, 16) && v->port == 53 &&
		  v->offset == 0x405000 && v->size == 8192 && v->nr_backends == 1 &&
		  v->backends[0].column == 63 && v->backends[0].port == 5353 &&
		  v->backends[0].family == AF_INET6,
		  "%s: vip dns (IPv6, hex offset)", how);
	TAP_CHECK(aq_vip_list_find(l, "nope") == NULL, "%s: find unknown -> NULL", how);
}

static void bad_line(const char *text, const char *needle, const char *name)
{
	struct aq_vip_list l;
	int ret = aq_discovery_parse_string(text, &l);

	TAP_CHECK(ret == -EINVAL && l.nr == 0 && l.vips == NULL &&
		  strstr(aq_errmsg(), needle), "discovery rejects %s", name);
	if (ret != -EINVAL || !strstr(aq_errmsg(), needle))
		printf("#   ret %d msg '%s'\n", ret, aq_errmsg());
	aq_vip_list_free(&l);
}

#define VIPL "vip web tcp 10.0.0.1 80 offset 0 size 4096\n"

static void test_discovery(void)
{
	struct aq_vip_list l;
	FILE *f;
	int ret;

	ret = aq_discovery_parse_string(good_text, &l);
	TAP_EQ(ret, 0, "parse good text");
	if (ret)
		printf("#   %s\n", aq_errmsg());
	check_good_list(&l, "string");
	aq_vip_list_free(&l);

	f = fmemopen((void *)good_text, strlen(good_text), "r");
	ret = aq_discovery_parse_file(f, &l);
	fclose(f);
	TAP_EQ(ret, 0, "parse good FILE*");
	check_good_list(&l, "FILE*");
	aq_vip_list_free(&l);

	ret = aq_discovery_parse_string("", &l);
	TAP_CHECK(ret == 0 && l.nr == 0, "empty text: no vips");
	aq_vip_list_free(&l);

	bad_line("backend 0 10.0.0.1 80 active\n", "line 1: backend before", "backend before vip");
	bad_line(VIPL "vip x sctp 10.0.0.2 80 offset 4096 size 4096\n", "line 2: bad protocol",
		 "bad protocol");
	bad_line("vip web tcp 10.0.0.300 80 offset 0 size 4096\n", "bad address", "bad IPv4");
	bad_line("vip web tcp 10.0.0.1 70000 offset 0 size 4096\n", "bad port", "port 70000");
	bad_line("vip web tcp 10.0.0.1 -1 offset 0 size 4096\n", "bad port", "port -1");
	bad_line("vip web tcp 10.0.0.1 80 offset 12x size 4096\n", "bad offset", "offset 12x");
	bad_line("vip web tcp 10.0.0.1 80 offset 0 size 0\n", "bad size", "size 0");
	bad_line("vip web tcp 10.0.0.1 80 offset 0 4096\n", "expected 'vip", "missing size keyword");
	bad_line("vip web tcp 10.0.0.1 80 offset 0 size 4096 extra\n", "expected 'vip",
		 "extra field");
	bad_line("vip abcdefghijklmnopqrstuvwxyz0123456 tcp 10.0.0.1 80 offset 0 size 4096\n",
		 "longer", "name too long");
	bad_line(VIPL VIPL, "line 2: duplicate vip", "duplicate vip");
	bad_line(VIPL "backend 64 10.0.1.1 80 active\n", "line 2: bad backend column",
		 "column 64");
	bad_line(VIPL "backend 1 10.0.1.1 80 active\nbackend 1 10.0.1.2 80 active\n",
		 "line 3: duplicate backend column", "duplicate column");
	bad_line(VIPL "backend 1 10.0.1.1 80 up\n", "active or inactive", "bad state word");
	bad_line(VIPL "backend 1 10.0.1.1 80\n", "expected 'backend", "short backend line");
	bad_line(VIPL "\n\nfoo bar\n", "line 4: unknown keyword 'foo'", "unknown keyword");

	ret = aq_discovery_load("/nonexistent/aquarius", &l);
	TAP_CHECK(ret == -ENOENT && strstr(aq_errmsg(), "/nonexistent/aquarius"),
		  "load of a missing file: -ENOENT naming the path");
}

/* ---- Mapping through a file standing in for /dev/aquarius --------------- */

static void test_map(void)
{
	char dev[] = "/tmp/aq-test-dev-XXXXXX", proc[] = "/tmp/aq-test-proc-XXXXXX";
	static const uint8_t zero[PAGE];
	struct aq_region *r;
	struct synth s;
	struct aq_frame out;
	FILE *f;
	int fd;

	synth_init(&s, 64, 16, 4);
	fill_frame(synth_frame(&s, 1), 1);
	s.h->latest_seq = 1;
	fd = mkstemp(dev);
	if (fd < 0 || write(fd, zero, PAGE) != PAGE)	/* page 0: no region */
		abort();
	if (write(fd, s.mem, s.size) != (ssize_t)s.size)
		abort();
	close(fd);
	fd = mkstemp(proc);
	f = fdopen(fd, "w");
	fprintf(f, "vip other udp 10.0.0.9 53 offset 0 size %zu\n", s.size);
	fprintf(f, "vip web tcp 10.0.0.1 80 offset %u size %zu\n", PAGE, s.size);
	fprintf(f, "backend 0 10.0.1.1 8080 active\n");
	fclose(f);

	r = aq_region_open("web", proc, dev);
	TAP_CHECK(r != NULL, "open web through proc + dev files (%s)", r ? "" : aq_errmsg());
	TAP_CHECK(r && aq_snapshot(r, &out) == 0 && out.seq == 1,
		  "snapshot through the mapping");
	aq_region_close(r);
	r = aq_region_open("other", proc, dev);
	TAP_CHECK(!r && errno == EINVAL, "offset 0 of the file is no region: rejected");
	r = aq_region_open("missing", proc, dev);
	TAP_CHECK(!r && errno == ENOENT && strstr(aq_errmsg(), "missing"),
		  "open of an unlisted vip: ENOENT");
	/* Listing names a VIP whose region says otherwise. */
	f = fopen(proc, "w");
	fprintf(f, "vip api tcp 10.0.0.1 80 offset %u size %zu\n", PAGE, s.size);
	fclose(f);
	r = aq_region_open("api", proc, dev);
	TAP_CHECK(!r && errno == ESTALE && strstr(aq_errmsg(), "'web'"),
		  "region name differs from the listing: ESTALE");
	f = fopen(proc, "w");
	fprintf(f, "vip web tcp 10.0.0.1 80 offset 100 size %zu\n", s.size);
	fclose(f);
	r = aq_region_open("web", proc, dev);
	TAP_CHECK(!r && errno == EINVAL && strstr(aq_errmsg(), "page"),
		  "unaligned offset rejected before mmap");
	unlink(dev);
	unlink(proc);
	synth_free(&s);
}

int main(void)
{
	test_validation();
	test_snapshot_basic();
	test_snapshot_concurrent();
	test_bitmap();
	test_reduce();
	test_decay();
	test_reduce_random();
	test_reduce_region();
	test_now();
	test_discovery();
	test_map();
	return tap_done();
}
