/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim for <linux/spinlock.h>: the fast path of the kernel's queued
 * spin lock (one compare-and-swap to lock, one release store to unlock),
 * so that benchmarks count about what the kernel executes. The _bh
 * variants add what local_bh_disable() / local_bh_enable() do without
 * lockdep: a per-thread preempt count changed around the lock, and the
 * check for pending soft interrupts (never any here). Contended waiters
 * yield the CPU, as the host tests run more threads than CPUs.
 */
#ifndef AQ_SHIM_LINUX_SPINLOCK_H
#define AQ_SHIM_LINUX_SPINLOCK_H

#include <sched.h>
#include <linux/atomic.h>

typedef struct {
	int locked;	/* 0 free, 1 held */
} spinlock_t;

/* The softirq part of the preempt count and the pending softirqs. */
__attribute__((weak)) __thread unsigned int aq_shim_preempt_count;
__attribute__((weak)) __thread unsigned int aq_shim_softirq_pending;

#define AQ_SHIM_SOFTIRQ_LOCK_OFFSET	0x200

static inline void spin_lock_init(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELAXED);
}

static inline void spin_lock(spinlock_t *l)
{
	int unlocked = 0;

	while (!__atomic_compare_exchange_n(&l->locked, &unlocked, 1, false,
					    __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			sched_yield();
		unlocked = 0;
	}
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline void spin_lock_bh(spinlock_t *l)
{
	aq_shim_preempt_count += AQ_SHIM_SOFTIRQ_LOCK_OFFSET;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	spin_lock(l);
}

static inline void spin_unlock_bh(spinlock_t *l)
{
	spin_unlock(l);
	aq_shim_preempt_count -= AQ_SHIM_SOFTIRQ_LOCK_OFFSET - 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (__builtin_expect(aq_shim_softirq_pending != 0, 0))
		aq_shim_softirq_pending = 0;	/* do_softirq() */
	aq_shim_preempt_count--;
}

#define lockdep_assert_held(l)	do { (void)(l); } while (0)

#endif
