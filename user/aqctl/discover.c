// SPDX-License-Identifier: GPL-2.0
/*
 * Where the regions of `list` and `show` are: asked through netlink
 * (AQ_CMD_VIP_GET) when the family is registered, else read from the
 * discovery file /proc/net/aquarius as before. $AQUARIUS_PROC names a
 * discovery file to use instead of both.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "libaquarius.h"
#include "request.h"

/* True if netlink is to be tried: no file forced, family not known missing. */
static bool use_netlink(const struct aqctl_ctx *ctx)
{
	return !ctx->proc_path;
}

static int list_cb(const struct aqmsg_vip *v, void *data)
{
	struct aq_vip_list *l = data;
	struct aq_vip_info *vips;

	vips = realloc(l->vips, (l->nr + 1) * sizeof(*vips));
	if (!vips) {
		aqctl_err(NULL, "%s", strerror(ENOMEM));
		return AQCTL_EXIT_ERROR;
	}
	l->vips = vips;
	aqmsg_vip_to_info(v, &l->vips[l->nr++]);
	return AQCTL_EXIT_OK;
}

int aqctl_discover_list(struct aqctl_ctx *ctx, struct aq_vip_list *l)
{
	struct aqnl_ack ack;
	int ret;

	memset(l, 0, sizeof(*l));
	if (use_netlink(ctx)) {
		ret = aqctl_nl_get(ctx, NULL, 0, NULL, list_cb, l, true, &ack);
		if (!ret)
			return AQCTL_EXIT_OK;
		aq_vip_list_free(l);
		if (!aqctl_nl_missing(&ack))
			return ret;	/* printed */
	}
	if (aq_discovery_load(ctx->proc_path, l)) {
		aqctl_err(ctx, "%s", aq_errmsg());
		return AQCTL_EXIT_ERROR;
	}
	return AQCTL_EXIT_OK;
}

static int one_cb(const struct aqmsg_vip *v, void *data)
{
	struct aq_vip_info *info = data;

	aqmsg_vip_to_info(v, info);
	return AQCTL_EXIT_OK;
}

struct aq_region *aqctl_region_open(struct aqctl_ctx *ctx, const char *name)
{
	char *argv[] = { "show", (char *)name, NULL };
	struct aq_vip_info *info;
	struct aq_region *r = NULL;
	struct aqnl_ack ack;
	int ret;

	if (use_netlink(ctx)) {
		info = calloc(1, sizeof(*info));
		if (!info) {
			aqctl_err(ctx, "%s", strerror(ENOMEM));
			return NULL;
		}
		ret = aqctl_nl_get(ctx, aqmsg_vip_get, 2, argv, one_cb, info,
				   true, &ack);
		if (!ret && !info->size) {
			aqctl_err(ctx, "vip %s: no region in the reply", name);
			ret = AQCTL_EXIT_ERROR;
		}
		if (!ret) {
			r = aq_region_map(info, ctx->dev_path);
			if (!r)
				aqctl_err(ctx, "%s", aq_errmsg());
		}
		free(info);
		if (!ret || !aqctl_nl_missing(&ack))
			return r;
	}
	r = aq_region_open(name, ctx->proc_path, ctx->dev_path);
	if (!r)
		aqctl_err(ctx, "%s", aq_errmsg());
	return r;
}
