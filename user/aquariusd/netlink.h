/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aquariusd's generic netlink: two sockets on the aquarius family (through
 * user/aqctl/nl.c), one for requests (dumps of AQ_CMD_VIP_GET and
 * AQ_CMD_WEIGHTS_SET) and one subscribed to the "events" group, so that
 * events never mix with answers; that one also joins the controller's
 * "notify" group to see the family unregistered. The family goes away with the module: a
 * failed connect is retried with a backoff (aqd_nl_retry_at).
 */
#ifndef AQD_NETLINK_H
#define AQD_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../aqctl/msg.h"
#include "../aqctl/nl.h"

/* Backoff of reconnection attempts. */
#define AQD_NL_BACKOFF_MIN_MS	100
#define AQD_NL_BACKOFF_MAX_MS	5000
/* A request socket answer waits at most this long. */
#define AQD_NL_TIMEOUT_MS	5000

struct aqd_nl {
	bool up;
	struct aqnl req;
	struct aqnl ev;
	struct aqmsg_vip vip;		/* parse buffer (large) */
	unsigned int backoff_ms;	/* next wait after a failure */
	uint64_t retry_at_ns;		/* next connect attempt */
	unsigned long connects;		/* successful connects */
	unsigned long events;
	unsigned long events_lost;	/* receive buffer overruns */
};

/* Called for each VIP of a dump or event (vip->cmd: the message's command). */
typedef void (*aqd_nl_vip_cb)(const struct aqmsg_vip *vip, void *data);

void aqd_nl_init(struct aqd_nl *nl);

/*
 * Open both sockets, resolve the family and its group, join it. 0, or
 * -errno with the reason in err (-ENOENT: the family is not registered,
 * the module is not loaded). On failure the next attempt is scheduled
 * with the backoff from now_ns; on success the backoff is reset.
 */
int aqd_nl_connect(struct aqd_nl *nl, uint64_t now_ns, char *err, size_t len);
void aqd_nl_disconnect(struct aqd_nl *nl, uint64_t now_ns);

/* Dump every VIP. 0 or -errno (reason in err). */
int aqd_nl_dump(struct aqd_nl *nl, aqd_nl_vip_cb cb, void *data, char *err,
		size_t len);

/* Socket of events to poll, -1 when down. */
int aqd_nl_event_fd(const struct aqd_nl *nl);

/*
 * Read the events that are waiting (non-blocking). 0; -ENOBUFS if some
 * were lost (the caller dumps again); -ENOENT if the family was
 * unregistered (controller's notify group); another -errno if the socket
 * failed.
 */
int aqd_nl_read_events(struct aqd_nl *nl, aqd_nl_vip_cb cb, void *data,
		       char *err, size_t len);

/*
 * AQ_CMD_WEIGHTS_SET of VIP `name`: weights[0..n). 0, or -errno with the
 * kernel's reason (extended ACK) in err.
 */
int aqd_nl_set_weights(struct aqd_nl *nl, const char *name,
		       const uint32_t *weights, unsigned int n, char *err,
		       size_t len);

#endif
