/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink over libmnl, independent of the aquarius family: a socket
 * with extended ACKs, the family id and one multicast group resolved through
 * the controller (CTRL_CMD_GETFAMILY), requests answered by an ACK, a reply
 * or a dump, and the kernel's errors with their extended ACK.
 *
 * The builders and parsers (aqnl_msg_start, aqnl_parse_*, aqnl_attr_at)
 * work on plain buffers and need no socket: host tests call them on
 * hand-built messages.
 */
#ifndef AQCTL_NL_H
#define AQCTL_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/* Request buffer: every aqctl request is well below 1 KiB. */
#define AQNL_MSG_LEN	4096
/* Receive buffer: larger than any message a dump packs (32 KiB). */
#define AQNL_RECV_LEN	65536
#define AQNL_TEXT_LEN	256

/*
 * The outcome of a request that failed. For an error of the kernel (an
 * NLMSG_ERROR, or the error of a dump's NLMSG_DONE) `kernel` is true and
 * `msg` holds NLMSGERR_ATTR_MSG ("" if none); for a local failure `msg`
 * names the step that failed ("netlink socket", "recvfrom", ...).
 */
struct aqnl_ack {
	int error;			/* 0 or a negative errno */
	bool kernel;
	char msg[AQNL_TEXT_LEN];
	bool has_offs;
	uint32_t offs;			/* bad attribute, offset in the request */
	bool has_miss_type;
	uint32_t miss_type;		/* type of a missing attribute */
	bool has_miss_nest;
	uint32_t miss_nest;		/* offset of the nest it is missing from */
	bool no_family;			/* aqnl_open: family not registered */
};

struct aqnl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;			/* of the last request */
	uint16_t family;		/* generic netlink family id */
	uint32_t version;		/* family version (CTRL_ATTR_VERSION) */
	uint32_t mcgrp;			/* id of the asked multicast group, 0 if none */
	char *buf;			/* AQNL_RECV_LEN bytes */
};

/*
 * Start a generic netlink message in buf (AQNL_MSG_LEN bytes, zeroed
 * here): nlmsghdr of `type` and `flags`, genlmsghdr of `cmd`, `version`.
 * Attributes follow with mnl_attr_put*().
 */
struct nlmsghdr *aqnl_msg_start(void *buf, uint16_t type, uint8_t cmd,
				uint8_t version, uint16_t flags);

/*
 * Parse an NLMSG_ERROR (an ACK when error is 0) or NLMSG_DONE into *ack,
 * with the extended ACK attributes when NLM_F_ACK_TLVS is set (after the
 * echoed request, or right after its header when NLM_F_CAPPED is set).
 * Returns 0, or -EPROTO for another type or a malformed message.
 */
int aqnl_parse_ack(const struct nlmsghdr *nlh, struct aqnl_ack *ack);

/*
 * Parse a controller reply (CTRL_CMD_NEWFAMILY): the family id, version
 * and the id of multicast group `mcgrp` (NULL: none asked; 0 if absent).
 * Returns 0, or -EPROTO if the id is missing or an attribute malformed.
 */
int aqnl_parse_family(const struct nlmsghdr *nlh, const char *mcgrp,
		      uint16_t *id, uint32_t *version, uint32_t *mcgrp_id);

/*
 * The attribute of request `req` that starts at byte offset `offs` from
 * the start of req (an NLMSGERR_ATTR_OFFS or _MISS_NEST), looking into
 * nested attributes (NLA_F_NESTED); attributes start `hdrlen` bytes into
 * the payload (GENL_HDRLEN). *parent (if not NULL) receives the nest that
 * holds it, NULL at the top level. NULL if no attribute starts there.
 */
const struct nlattr *aqnl_attr_at(const struct nlmsghdr *req, size_t hdrlen,
				  uint32_t offs, const struct nlattr **parent);

/*
 * Open a socket (NETLINK_EXT_ACK on) and resolve `family` and, if not
 * NULL, its multicast group `mcgrp`. Returns 0 or a negative errno with
 * *ack filled; ack->no_family if the controller does not know the family
 * (-ENOENT). On failure nothing is left open.
 */
int aqnl_open(struct aqnl *nl, const char *family, const char *mcgrp,
	      struct aqnl_ack *ack);
void aqnl_close(struct aqnl *nl);

/*
 * Send req (sequence number set here) and receive until its ACK or, for a
 * dump, its NLMSG_DONE; cb (may be NULL) gets every other message. If cb
 * fails (MNL_CB_ERROR with errno set) the rest of the answer is still read,
 * so the socket stays usable. Returns 0 or a negative errno, *ack filled.
 */
int aqnl_talk(struct aqnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data,
	      struct aqnl_ack *ack);

/* Join multicast group `group` (NETLINK_ADD_MEMBERSHIP). 0 or -errno. */
int aqnl_join(struct aqnl *nl, uint32_t group);

#endif
