/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aqctl's requests to the aquarius family: the command line checked and
 * built (msg.c) before anything is sent, the socket of the run opened at
 * first use (kept for the lines of a batch), errors printed with the
 * kernel's extended ACK, and the exit code chosen.
 */
#ifndef AQCTL_REQUEST_H
#define AQCTL_REQUEST_H

#include "aqctl.h"
#include "msg.h"
#include "nl.h"

/*
 * Open ctx->nl if not yet open. 0, or a negative errno with *ack filled
 * (-ENOENT with ack->kernel: the family is not registered).
 */
int aqctl_nl_open(struct aqctl_ctx *ctx, struct aqnl_ack *ack);
void aqctl_nl_close(struct aqctl_ctx *ctx);

/* Print a failed request (req may be NULL); returns AQCTL_EXIT_ERROR. */
int aqctl_nl_report(const struct aqctl_ctx *ctx, const struct aqnl_ack *ack,
		    const struct nlmsghdr *req);

/*
 * A write command: build it from argv (a usage error prints the reason
 * and the usage, and returns AQCTL_EXIT_USAGE), send it, wait for the ACK.
 */
int aqctl_nl_write(struct aqctl_ctx *ctx, uint8_t cmd, aqmsg_build_t build,
		   int argc, char **argv);

/* Called for each VIP of a reply; nonzero stops (an AQCTL_EXIT_* code). */
typedef int (*aqctl_vip_cb)(const struct aqmsg_vip *vip, void *data);

/*
 * AQ_CMD_VIP_GET of the VIP named by argv (build = aqmsg_vip_get), or a
 * dump of all VIPs (build NULL, argv unused). Returns an AQCTL_EXIT_*
 * code, errors printed; except, with `fallback`, an unregistered family:
 * then *ack says so (aqctl_nl_missing()) and nothing is printed.
 */
int aqctl_nl_get(struct aqctl_ctx *ctx, aqmsg_build_t build, int argc,
		 char **argv, aqctl_vip_cb cb, void *data, bool fallback,
		 struct aqnl_ack *ack);

/* The request failed because the family is not registered. */
bool aqctl_nl_missing(const struct aqnl_ack *ack);

#endif
