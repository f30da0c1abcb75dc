/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finding the regions for `list` and `show`: through netlink when the
 * aquarius family is registered, else through /proc/net/aquarius.
 */
#ifndef AQCTL_DISCOVER_H
#define AQCTL_DISCOVER_H

#include "aqctl.h"
#include "libaquarius.h"

/* All VIPs: an AQCTL_EXIT_* code; errors printed; free *l when 0. */
int aqctl_discover_list(struct aqctl_ctx *ctx, struct aq_vip_list *l);
/* Map the region of VIP `name`; NULL with the error printed. */
struct aq_region *aqctl_region_open(struct aqctl_ctx *ctx, const char *name);

#endif
