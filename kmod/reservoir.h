/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Aquarius: reservoir sampling without rejection (the paper's Algorithm 1)
 * into the exported region, slot format as in uapi/linux/aquarius.h:
 * every offered sample replaces a uniformly random slot, written with one
 * 64-bit store (time_ms << 32 | value, time_ms >= 1 so a used slot is never
 * 0), and this CPU's (backend, feature) offered counter is incremented
 * (folded into the region at each snapshot, as the counters are).
 */
#ifndef AQ_RESERVOIR_H
#define AQ_RESERVOIR_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/math64.h>
#include <linux/percpu.h>
#include <linux/random.h>

#define AQ_NSEC_PER_USEC	1000U
#define AQ_NSEC_PER_MSEC	1000000U

/**
 * struct aq_rand - random numbers for one packet
 * @x: 0 until the first draw; then the xorshift32 state.
 *
 * The first draw calls get_random_u32(), later draws of the same packet
 * step a xorshift32 generator: at most one get_random_u32() per packet,
 * and none for packets that sample nothing.
 */
struct aq_rand {
	u32 x;
};

static inline u32 aq_rand_next(struct aq_rand *r)
{
	u32 x = r->x;

	if (!x) {
		x = get_random_u32();
		if (!x)
			x = 0x9e3779b9;
	} else {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
	}
	r->x = x;
	return x;
}

/**
 * aq_rand_slot() - the slot index of a packet's samples
 * @r: one get_random_u64() for the packet.
 * @mask: slots per reservoir - 1.
 *
 * A packet offers at most one sample to each feature's reservoir except at
 * flow ends (see aq_flow_end(), which draws with aq_rand_next()), and all
 * of them go to this slot of their reservoirs: every reservoir's slot index
 * is uniform and independent from packet to packet, as Algorithm 1 wants.
 * That the samples of one packet share their index biases no reservoir
 * (each is a uniform sample of its own stream), and makes a sample's
 * address the packet's slot pointer plus the feature's reservoir offset.
 */
static inline u32 aq_rand_slot(u64 r, u32 mask)
{
	return (u32)r & mask;
}

/* Slot time of now_ns: ms since epoch_ns, modulo 2^32, never 0. */
static inline u32 aq_slot_time_ms(u64 now_ns, u64 epoch_ns)
{
	u32 t = (u32)div_u64(now_ns - epoch_ns, AQ_NSEC_PER_MSEC);

	return t ? t : 1;
}

/* Saturating conversions to a slot value. */
static inline u32 aq_sat_u32(u64 v)
{
	return v > U32_MAX ? U32_MAX : (u32)v;
}

static inline u32 aq_sat_s32(s64 v)
{
	if (v > S32_MAX)
		v = S32_MAX;
	else if (v < S32_MIN)
		v = S32_MIN;
	return (u32)(s32)v;
}

/*
 * floor(d / 1000) by multiplication: ceil(2^40 / 1000) exceeds 2^40 / 1000
 * by 224 / 1000, so (d * AQ_US_MUL32) >> 40 exceeds d / 1000 by less than
 * 2^32 * 224 / 2^40 / 1000 < 1 / 1000 for every d < 2^32, too little to
 * reach the next integer; the product stays below 2^63 and the factor
 * below 2^31 (an immediate operand). Likewise ceil(2^73 / 1000) for every
 * d < 2^41, with the high half of a 64 x 64-bit product (608 / 1000 over,
 * times 2^41 / 2^73).
 */
#define AQ_US_MUL32	1099511628ULL
#define AQ_US_MUL	9444732965739290428ULL

/*
 * A time difference in ns (negative: 0) as saturated microseconds: below
 * 2^32 ns (4.3 s) one 64-bit multiply by an immediate, below 2^41 ns (36
 * minutes, no saturation) one 64 x 64-bit multiply; no test of the sign
 * or of the result on either.
 */
static inline u32 aq_ns_to_us(s64 d_ns)
{
	if (likely((u64)d_ns <= U32_MAX))
		return (u32)(((u64)d_ns * AQ_US_MUL32) >> 40);
	if (likely((u64)d_ns < (1ULL << 41)))
		return (u32)mul_u64_u64_shr((u64)d_ns, AQ_US_MUL, 73);
	if (d_ns <= 0)
		return 0;
	return aq_sat_u32(div_u64((u64)d_ns, AQ_NSEC_PER_USEC));
}

static inline u64 aq_slot_make(u32 time_ms, u32 value)
{
	return ((u64)time_ms << 32) | value;
}

/**
 * aq_reservoir_add() - offer one sample to a reservoir
 * @slots: the reservoir's @nr_slots slots.
 * @nr_slots: a power of two.
 * @offered: the reservoir's offered counter, per CPU.
 * @time_ms: from aq_slot_time_ms() (>= 1).
 * @value: the value, already saturated to 32 bits.
 * @rnd: a random number; the slot is rnd & (nr_slots - 1).
 */
static inline void aq_reservoir_add(u64 *slots, u32 nr_slots,
				    u64 __percpu *offered, u32 time_ms,
				    u32 value, u32 rnd)
{
	this_cpu_inc(*offered);
	WRITE_ONCE(slots[rnd & (nr_slots - 1)], aq_slot_make(time_ms, value));
}

#endif /* AQ_RESERVOIR_H */
