/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim for <linux/percpu.h>. As in the kernel, a per-CPU object is a
 * pointer valid for CPU 0 and CPU n's copy lies a fixed distance further
 * (here AQ_SHIM_PCPU_UNIT bytes per CPU, inside a static arena). The
 * "current CPU" is a thread-local variable that tests set with
 * aq_shim_set_cpu(), which also sets the thread's offset of its copies
 * (the kernel's this_cpu_off). As in the kernel, this_cpu_add() is a plain
 * read-modify-write of the current CPU's copy (one add to memory on x86,
 * no locked instruction; aligned 64-bit values, so readers on other
 * threads see no torn values), here after one load of that offset where
 * the kernel adds through %gs: threads that update the same counters
 * concurrently must be on different CPUs.
 */
#ifndef AQ_SHIM_LINUX_PERCPU_H
#define AQ_SHIM_LINUX_PERCPU_H

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#define NR_CPUS			8
#define AQ_SHIM_PCPU_UNIT	(1UL << 20)

__attribute__((weak)) __thread int aq_shim_cpu;
/* aq_shim_cpu * AQ_SHIM_PCPU_UNIT: the kernel's this_cpu_off. */
__attribute__((weak)) __thread unsigned long aq_shim_this_cpu_off;
__attribute__((weak)) char aq_shim_pcpu_arena[NR_CPUS][AQ_SHIM_PCPU_UNIT]
	__attribute__((aligned(64)));
__attribute__((weak)) size_t aq_shim_pcpu_used;
__attribute__((weak)) pthread_mutex_t aq_shim_pcpu_lock =
	PTHREAD_MUTEX_INITIALIZER;

static inline void aq_shim_set_cpu(int cpu)
{
	if (cpu < 0 || cpu >= NR_CPUS)
		abort();
	aq_shim_cpu = cpu;
	aq_shim_this_cpu_off = (unsigned long)cpu * AQ_SHIM_PCPU_UNIT;
}

static inline void *aq_shim_alloc_percpu(size_t size)
{
	void *p = NULL;
	int cpu;

	size = (size + 63) & ~(size_t)63;
	pthread_mutex_lock(&aq_shim_pcpu_lock);
	if (aq_shim_pcpu_used + size <= AQ_SHIM_PCPU_UNIT) {
		p = &aq_shim_pcpu_arena[0][aq_shim_pcpu_used];
		for (cpu = 0; cpu < NR_CPUS; cpu++)
			memset(&aq_shim_pcpu_arena[cpu][aq_shim_pcpu_used], 0,
			       size);
		aq_shim_pcpu_used += size;
	}
	pthread_mutex_unlock(&aq_shim_pcpu_lock);
	return p;
}

/* The arena is a bump allocator: freed space is not reused. */
static inline void free_percpu(void *p)
{
	(void)p;
}

#define alloc_percpu(type)	((type *)aq_shim_alloc_percpu(sizeof(type)))
#define per_cpu_ptr(p, cpu)						\
	((__typeof__(p))((char *)(p) + (size_t)(cpu) * AQ_SHIM_PCPU_UNIT))
#define this_cpu_ptr(p)							\
	((__typeof__(p))((char *)(p) + aq_shim_this_cpu_off))
#define for_each_possible_cpu(cpu)	for ((cpu) = 0; (cpu) < NR_CPUS; (cpu)++)

#define this_cpu_add(pcp, val)	(*this_cpu_ptr(&(pcp)) += (val))
#define this_cpu_inc(pcp)	this_cpu_add(pcp, 1)
#define this_cpu_dec(pcp)	this_cpu_add(pcp, -1)

#endif
