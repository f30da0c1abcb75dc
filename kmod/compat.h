/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place for differences between the kernels we support (6.1 to
 * 6.12). Probe for features, not version numbers, where a probe exists.
 */
#ifndef AQ_COMPAT_H
#define AQ_COMPAT_H

#include <linux/mm.h>
#include <linux/timer.h>

/*
 * The AQ_HAVE_* macros come from probes of the kernel's headers in Kbuild.
 *
 * vm_flags became read-only with helpers in 6.3; before, the field is
 * written directly.
 */
#ifdef AQ_HAVE_VM_FLAGS_CLEAR
#define aq_vm_flags_clear(vma, flags) vm_flags_clear(vma, flags)
#else
#define aq_vm_flags_clear(vma, flags) ((vma)->vm_flags &= ~(flags))
#endif

/*
 * timer_shutdown_sync() (6.2) also prevents re-arming; 6.1 only has
 * del_timer_sync(), enough where the owner stops re-arming first.
 */
#ifdef AQ_HAVE_TIMER_SHUTDOWN
#define aq_timer_shutdown_sync(t) timer_shutdown_sync(t)
#else
#define aq_timer_shutdown_sync(t) del_timer_sync(t)
#endif

#endif /* AQ_COMPAT_H */
