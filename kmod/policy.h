/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AQ_POLICY_H
#define AQ_POLICY_H

#include <net/netlink.h>
#include <linux/aquarius.h>

extern const struct nla_policy aq_policy[AQ_A_MAX + 1];
extern const struct nla_policy aq_backend_policy[AQ_BA_MAX + 1];

#endif /* AQ_POLICY_H */
