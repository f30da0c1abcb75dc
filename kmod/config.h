/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AQ_CONFIG_H
#define AQ_CONFIG_H

#include <linux/types.h>
#include <linux/aquarius.h>

/**
 * struct aq_endpoint - an address and port
 * @family: AF_INET or AF_INET6; 0 for an unused backend column
 * @addr: the address, IPv4 in the first 4 bytes, network order
 * @port: the port, host order
 */
struct aq_endpoint {
	u8 family;
	u8 addr[16];
	u16 port;
};

/**
 * struct aq_vip_config - a service as configured by the user
 * @name: unique name in its namespace
 * @proto: IPPROTO_TCP or IPPROTO_UDP
 * @mode: enum aq_mode
 * @sched: enum aq_sched
 * @snapshot_ms: snapshot interval, 0 for the module's default
 * @vip: the service address
 * @nr_backends: columns in use, 0..AQ_MAX_BACKENDS; @backends past it unused
 * @backends: backends by column; a column with family 0 is empty
 * @weights: weight per column, 0..AQ_MAX_WEIGHT
 * @drain: bit i set: column i takes no new flows
 */
struct aq_vip_config {
	char name[AQ_NAME_LEN];
	u8 proto;
	u8 mode;
	u8 sched;
	u32 snapshot_ms;
	struct aq_endpoint vip;
	unsigned int nr_backends;
	struct aq_endpoint backends[AQ_MAX_BACKENDS];
	u32 weights[AQ_MAX_BACKENDS];
	u64 drain;
};

bool aq_valid_name(const char *name);
int aq_parse_endpoint(const char *s, struct aq_endpoint *ep);
int aq_parse_vip(char *spec, struct aq_vip_config *cfg, const char **bad);

extern const char *const aq_mode_names[AQ_NR_MODES];
extern const char *const aq_sched_names[AQ_NR_SCHEDS];

#endif /* AQ_CONFIG_H */
