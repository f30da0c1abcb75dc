/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Synthetic regions for the host tests of the readers (libaquarius,
 * aquariusd): a region built in memory in the uapi layout of
 * <linux/aquarius.h>, as the kernel lays it out (header page, frames,
 * offered counters, reservoir slots, each part page aligned). The header
 * describes VIP 10.0.0.1:80/tcp "web", snapshots every 200 ms, features
 * "f0".."f12" (d_win signed) and a signed n_flow_on; tests change what
 * they need after synth_init().
 */
#ifndef AQ_TESTS_SYNTH_REGION_H
#define AQ_TESTS_SYNTH_REGION_H

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/aquarius.h>

#define PAGE 4096u

struct synth {
	uint8_t *mem;
	size_t size;
	struct aq_region_header *h;
};

static inline size_t round_page(size_t v)
{
	return (v + PAGE - 1) / PAGE * PAGE;
}

static inline void synth_init(struct synth *s, unsigned int nr_backends,
			      unsigned int nr_slots, unsigned int nr_frames)
{
	size_t frames = PAGE, fsz = sizeof(struct aq_frame);
	size_t offered = round_page(frames + nr_frames * fsz);
	size_t slots = round_page(offered + nr_backends * AQ_NR_FEATURES * 8);
	size_t size = round_page(slots + (size_t)nr_backends *
				 AQ_NR_FEATURES * nr_slots * 8);
	struct aq_region_header *h;
	int i;

	s->mem = aligned_alloc(PAGE, size);
	if (!s->mem)
		abort();
	memset(s->mem, 0, size);
	s->size = size;
	s->h = h = (struct aq_region_header *)s->mem;
	h->magic = AQ_REGION_MAGIC;
	h->version = AQ_LAYOUT_VERSION;
	h->header_size = sizeof(*h);
	h->region_size = (__u32)size;
	h->nr_backends = nr_backends;
	h->nr_slots = nr_slots;
	h->nr_counters = AQ_NR_COUNTERS;
	h->nr_vip_counters = AQ_NR_VIP_COUNTERS;
	h->nr_features = AQ_NR_FEATURES;
	h->nr_frames = nr_frames;
	h->frames_offset = (__u32)frames;
	h->frame_size = (__u32)fsz;
	h->offered_offset = (__u32)offered;
	h->slots_offset = (__u32)slots;
	h->snapshot_interval_ns = 200000000;
	strcpy(h->name, "web");
	h->vip_addr[0] = 10;
	h->vip_addr[3] = 1;
	h->vip_port = 80;
	h->vip_family = AF_INET;
	h->vip_proto = IPPROTO_TCP;
	for (i = 0; i < AQ_NR_FEATURES; i++)
		snprintf(h->features[i].name, sizeof(h->features[i].name), "f%d", i);
	h->features[AQ_F_D_WIN].flags = AQ_FIELD_SIGNED;
	h->counters[AQ_C_N_FLOW_ON].flags = AQ_FIELD_SIGNED;
}

static inline void synth_free(struct synth *s)
{
	free(s->mem);
	s->mem = NULL;
}

#endif /* AQ_TESTS_SYNTH_REGION_H */
