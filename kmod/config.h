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
 * @vip: the service address
 * @nr_backends: columns in use, 0..AQ_MAX_BACKENDS; @backends past it unused
 * @backends: backends by column; a column with family 0 is empty
 */
struct aq_vip_config {
	char name[AQ_NAME_LEN];
	u8 proto;
	struct aq_endpoint vip;
	unsigned int nr_backends;
	struct aq_endpoint backends[AQ_MAX_BACKENDS];
};

int aq_parse_endpoint(const char *s, struct aq_endpoint *ep);
int aq_parse_vip(char *spec, struct aq_vip_config *cfg, const char **bad);

#endif /* AQ_CONFIG_H */
