/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for <linux/spinlock.h>: a pthread mutex per lock. */
#ifndef AQ_SHIM_LINUX_SPINLOCK_H
#define AQ_SHIM_LINUX_SPINLOCK_H

#include <pthread.h>
#include <linux/atomic.h>

typedef struct {
	pthread_mutex_t m;
} spinlock_t;

#define spin_lock_init(l)	pthread_mutex_init(&(l)->m, NULL)
#define spin_lock(l)		pthread_mutex_lock(&(l)->m)
#define spin_unlock(l)		pthread_mutex_unlock(&(l)->m)
#define spin_lock_bh(l)		spin_lock(l)
#define spin_unlock_bh(l)	spin_unlock(l)
#define lockdep_assert_held(l)	do { (void)(l); } while (0)

#endif
