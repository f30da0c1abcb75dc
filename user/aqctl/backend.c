// SPDX-License-Identifier: GPL-2.0
/* aqctl backend add|del|set and weights: backends of a VIP through netlink. */
#include "aqctl.h"
#include "request.h"

int aqctl_backend_add(struct aqctl_ctx *ctx, int argc, char **argv)
{
	return aqctl_nl_write(ctx, AQ_CMD_BACKEND_NEW, aqmsg_backend_add, argc,
			      argv);
}

int aqctl_backend_del(struct aqctl_ctx *ctx, int argc, char **argv)
{
	return aqctl_nl_write(ctx, AQ_CMD_BACKEND_DEL, aqmsg_backend_del, argc,
			      argv);
}

int aqctl_backend_set(struct aqctl_ctx *ctx, int argc, char **argv)
{
	return aqctl_nl_write(ctx, AQ_CMD_BACKEND_SET, aqmsg_backend_set, argc,
			      argv);
}

int aqctl_weights(struct aqctl_ctx *ctx, int argc, char **argv)
{
	return aqctl_nl_write(ctx, AQ_CMD_WEIGHTS_SET, aqmsg_weights_set, argc,
			      argv);
}
