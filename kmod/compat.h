/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place for differences between the kernels we support (6.1 to
 * 6.12). Probe for features, not version numbers, where a probe exists.
 */
#ifndef AQ_COMPAT_H
#define AQ_COMPAT_H

#include <linux/version.h>

#endif /* AQ_COMPAT_H */
