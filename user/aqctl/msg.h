/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages of the aquarius generic netlink family (<linux/aquarius.h>):
 * requests built from the words of a command line, with the cheap checks
 * done here (name, address, ranges, mode and scheduler names); VIP replies
 * and events parsed into struct aqmsg_vip; names of the family's enums and
 * attributes; a kernel error described for the user. No I/O: host tests
 * call all of it on hand-built messages.
 */
#ifndef AQCTL_MSG_H
#define AQCTL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/aquarius.h>

#include "nl.h"

struct aq_vip_info;

#define AQMSG_ERR_LEN	160

/* Why a command line was refused (a usage error, exit code 2). */
struct aqmsg_err {
	char msg[AQMSG_ERR_LEN];
};

/*
 * A builder appends the attributes of one command to nlh, which holds the
 * generic netlink header already (aqnl_msg_start()). argv[0] is the
 * subcommand's own word ("add" of "vip add"), its arguments follow:
 *
 *	aqmsg_vip_add	  NAME tcp|udp ADDR PORT [mode M] [sched S] [snapshot MS]
 *	aqmsg_vip_del	  NAME
 *	aqmsg_vip_set	  NAME [mode M] [sched S] [snapshot MS] (at least one)
 *	aqmsg_vip_get	  NAME
 *	aqmsg_backend_add NAME ADDR PORT [column C] [weight W] [drain on|off]
 *	aqmsg_backend_del NAME (ADDR PORT | column C)
 *	aqmsg_backend_set NAME (ADDR PORT | column C) [weight W] [drain on|off]
 *				(at least one of weight, drain)
 *	aqmsg_weights_set NAME W0 [W1 ...]
 *
 * Keywords may come in any order, each once. Returns 0, or -EINVAL with
 * the reason in *err (nlh is then to be dropped).
 */
typedef int (*aqmsg_build_t)(struct nlmsghdr *nlh, int argc, char **argv,
			     struct aqmsg_err *err);

int aqmsg_vip_add(struct nlmsghdr *nlh, int argc, char **argv,
		  struct aqmsg_err *err);
int aqmsg_vip_del(struct nlmsghdr *nlh, int argc, char **argv,
		  struct aqmsg_err *err);
int aqmsg_vip_set(struct nlmsghdr *nlh, int argc, char **argv,
		  struct aqmsg_err *err);
int aqmsg_vip_get(struct nlmsghdr *nlh, int argc, char **argv,
		  struct aqmsg_err *err);
int aqmsg_backend_add(struct nlmsghdr *nlh, int argc, char **argv,
		      struct aqmsg_err *err);
int aqmsg_backend_del(struct nlmsghdr *nlh, int argc, char **argv,
		      struct aqmsg_err *err);
int aqmsg_backend_set(struct nlmsghdr *nlh, int argc, char **argv,
		      struct aqmsg_err *err);
int aqmsg_weights_set(struct nlmsghdr *nlh, int argc, char **argv,
		      struct aqmsg_err *err);

/* A backend of a reply; `present` has bit AQ_BA_x for each attribute seen. */
struct aqmsg_backend {
	uint32_t present;
	uint8_t column;
	int family;			/* AF_INET or AF_INET6, from the length */
	uint8_t addr[16];
	uint16_t port;
	uint32_t weight;
	bool drain;
};

/*
 * A VIP as a VIP_GET reply or an event carries it; `present` has bit
 * AQ_A_x for each attribute seen (an AQ_CMD_VIP_DEL event has only the
 * name and the id).
 */
struct aqmsg_vip {
	uint8_t cmd;			/* generic netlink command of the message */
	uint32_t present;
	char name[AQ_NAME_LEN];
	int family;
	uint8_t addr[16];
	uint16_t port;
	uint8_t proto, mode, sched;
	uint32_t snapshot_ms;
	uint32_t id;
	uint64_t region_offset, region_size;
	unsigned int nr_backends;
	struct aqmsg_backend backends[AQ_MAX_BACKENDS];
};

#define AQMSG_HAS(x, attr)	(((x)->present >> (attr)) & 1U)

/*
 * Parse a message of the family (a VIP_GET reply or an event). Unknown
 * attributes are skipped; a known one of the wrong size, a name without
 * its NUL or longer than AQ_NAME_LEN, an address neither 4 nor 16 bytes,
 * or more than AQ_MAX_BACKENDS backends give -EPROTO with the reason in
 * *err.
 */
int aqmsg_parse_vip(const struct nlmsghdr *nlh, struct aqmsg_vip *vip,
		    struct aqmsg_err *err);

/* The discovery record of libaquarius for a parsed VIP (region, backends). */
void aqmsg_vip_to_info(const struct aqmsg_vip *vip, struct aq_vip_info *info);

/* "observe", "maglev", ...: NULL for a value without a name. */
const char *aqmsg_mode_name(unsigned int mode);
const char *aqmsg_sched_name(unsigned int sched);
/* Event name of a write command ("vip-new", ...), NULL for others. */
const char *aqmsg_event_name(unsigned int cmd);

/*
 * "<strerror>[: <kernel message>][ (attribute <name>)]" for an error of
 * the kernel, naming the attribute of `req` that NLMSGERR_ATTR_OFFS points
 * at and a missing attribute (NLMSGERR_ATTR_MISS_TYPE); "<step>:
 * <strerror>" for a local failure. req may be NULL. Returns buf.
 */
const char *aqmsg_describe_error(const struct aqnl_ack *ack,
				 const struct nlmsghdr *req, char *buf,
				 size_t len);

#endif
