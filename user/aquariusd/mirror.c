// SPDX-License-Identifier: GPL-2.0
#include "mirror.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/aquarius.h>

#include "libaquarius.h"

/* Tries at reading the weights set while the kernel rewrites it. */
#define WEIGHTS_TRIES	1000

/* n 64-bit words, each with one relaxed load and one relaxed store. */
static void copy_words(uint64_t *dst, const uint64_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		__atomic_store_n(&dst[i], __atomic_load_n(&src[i], __ATOMIC_RELAXED),
				 __ATOMIC_RELAXED);
}

/* Plain bytes of the header that the kernel does not guard by a sequence. */
static void copy_bytes(void *dst, const void *src, size_t off, size_t end)
{
	const volatile unsigned char *s = (const unsigned char *)src + off;
	unsigned char *d = (unsigned char *)dst + off;
	size_t i;

	for (i = 0; i < end - off; i++)
		d[i] = s[i];
}

int aqd_mirror_region_size(const void *src, size_t src_size, size_t *size)
{
	const struct aq_region_header *h = src;

	if (src_size < sizeof(*h))
		return -EINVAL;
	*size = __atomic_load_n(&h->region_size, __ATOMIC_RELAXED);
	if (*size > src_size || *size < sizeof(*h))
		return -EINVAL;
	return 0;
}

struct weights_set {
	uint64_t draining;
	uint32_t weights[AQ_MAX_BACKENDS];
};

static int read_weights(const struct aq_region_header *s, struct weights_set *w,
			uint32_t *seq)
{
	uint32_t s1, s2;
	unsigned int t, i;

	for (t = 0; t < WEIGHTS_TRIES; t++) {
		s1 = __atomic_load_n(&s->weights_seq, __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		w->draining = __atomic_load_n(&s->draining, __ATOMIC_RELAXED);
		for (i = 0; i < AQ_MAX_BACKENDS; i++)
			w->weights[i] = __atomic_load_n(&s->weights[i],
							__ATOMIC_RELAXED);
		/* smp_rmb() */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&s->weights_seq, __ATOMIC_RELAXED);
		if (s1 == s2) {
			*seq = s1;
			return 0;
		}
	}
	return -EAGAIN;
}

static void write_weights(struct aq_region_header *d,
			  const struct weights_set *w, uint32_t seq)
{
	uint32_t cur = __atomic_load_n(&d->weights_seq, __ATOMIC_RELAXED);
	unsigned int i;

	/* Odd while rewritten; then the kernel's (even) sequence. */
	__atomic_store_n(&d->weights_seq, cur | 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);	/* smp_wmb() */
	__atomic_store_n(&d->draining, w->draining, __ATOMIC_RELAXED);
	for (i = 0; i < AQ_MAX_BACKENDS; i++)
		__atomic_store_n(&d->weights[i], w->weights[i], __ATOMIC_RELAXED);
	__atomic_store_n(&d->weights_seq, seq, __ATOMIC_RELEASE);
}

static int copy_header(struct aq_region_header *d,
		       const struct aq_region_header *s, struct aqd_mirror *st)
{
	struct weights_set w;
	uint32_t seq;

	copy_bytes(d, s, 0, offsetof(struct aq_region_header, latest_seq));
	copy_bytes(d, s, offsetof(struct aq_region_header, name),
		   offsetof(struct aq_region_header, weights_seq));
	if (read_weights(s, &w, &seq))
		return -EAGAIN;
	if (!st->primed || seq != st->weights_seq) {
		write_weights(d, &w, seq);
		st->weights_seq = seq;
	}
	return 0;
}

/* Copy frame seq of the ring; false if the kernel overwrote it meanwhile. */
static bool copy_frame(uint8_t *dst, const uint8_t *src,
		       const struct aq_region_header *h, uint64_t seq)
{
	size_t off = h->frames_offset + (size_t)(seq % h->nr_frames) * h->frame_size;
	struct aq_frame *df = (struct aq_frame *)(dst + off);
	const struct aq_frame *sf = (const struct aq_frame *)(src + off);
	struct aq_region_header *dh = (struct aq_region_header *)dst;
	size_t words = (h->frame_size - sizeof(uint64_t)) / sizeof(uint64_t);

	if (__atomic_load_n(&sf->seq, __ATOMIC_ACQUIRE) != seq)
		return false;
	__atomic_store_n(&df->seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);	/* smp_wmb() */
	copy_words((uint64_t *)df + 1, (const uint64_t *)sf + 1, words);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);	/* smp_rmb() */
	if (__atomic_load_n(&sf->seq, __ATOMIC_RELAXED) != seq)
		return false;	/* df->seq stays 0: readers skip it */
	__atomic_store_n(&df->seq, seq, __ATOMIC_RELEASE);
	__atomic_store_n(&dh->latest_seq, seq, __ATOMIC_RELEASE);
	return true;
}

int aqd_mirror_pass(void *dst, size_t dst_size, const void *src,
		    size_t src_size, struct aqd_mirror *st, char *err,
		    size_t len)
{
	const struct aq_region_header *h;
	struct aq_region *r;
	size_t n_offered, n_slots;
	uint64_t latest, from, seq;
	int ret = 0;

	r = aq_region_attach(src, src_size);
	if (!r) {
		ret = -errno;
		snprintf(err, len, "region: %s", aq_errmsg());
		return ret;
	}
	h = aq_region_header(r);
	if (h->region_size > dst_size) {
		snprintf(err, len, "region of %u bytes, copy of %zu",
			 h->region_size, dst_size);
		ret = -EMSGSIZE;
		goto out;
	}
	latest = __atomic_load_n(&h->latest_seq, __ATOMIC_ACQUIRE);
	if (latest < st->tried_seq) {
		snprintf(err, len, "latest_seq went back from %llu to %llu",
			 (unsigned long long)st->tried_seq,
			 (unsigned long long)latest);
		ret = -ESTALE;
		goto out;
	}
	if (copy_header(dst, h, st)) {
		snprintf(err, len, "weights kept changing");
		ret = -EAGAIN;
		goto out;
	}
	n_offered = (size_t)h->nr_backends * h->nr_features;
	n_slots = n_offered * h->nr_slots;
	copy_words((uint64_t *)((uint8_t *)dst + h->offered_offset),
		   (const uint64_t *)((const uint8_t *)src + h->offered_offset),
		   n_offered);
	copy_words((uint64_t *)((uint8_t *)dst + h->slots_offset),
		   (const uint64_t *)((const uint8_t *)src + h->slots_offset),
		   n_slots);

	/* Each sequence number is tried once: copied, or counted missed. */
	from = st->tried_seq + 1;
	if (latest >= h->nr_frames && from < latest - h->nr_frames + 1) {
		st->frames_missed += latest - h->nr_frames + 1 - from;
		from = latest - h->nr_frames + 1;
	}
	for (seq = from; latest && seq <= latest; seq++) {
		if (copy_frame(dst, src, h, seq)) {
			st->latest_seq = seq;
			st->frames_copied++;
		} else {
			st->frames_missed++;
		}
		st->tried_seq = seq;
	}
	st->primed = 1;
	st->passes++;
out:
	aq_region_close(r);
	return ret;
}
