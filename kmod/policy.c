// SPDX-License-Identifier: GPL-2.0
/*
 * Attribute policies of the generic netlink family: types, lengths and
 * bounds of every attribute (uapi/linux/aquarius.h). The per-command rules
 * (which attributes a command takes and needs) are in genl.c. Kept apart
 * so the KUnit suite can check them without the family.
 */
#include <net/netlink.h>

#include "policy.h"

/*
 * Bounds past the s16 min/max of a plain range policy. Not const: before
 * 6.2 the policy's range pointer is not a pointer to const.
 */
static struct netlink_range_validation aq_weight_range = {
	.max = AQ_MAX_WEIGHT,
};

static struct netlink_range_validation aq_snapshot_range = {
	.min = AQ_SNAPSHOT_MS_MIN,
	.max = AQ_SNAPSHOT_MS_MAX,
};

const struct nla_policy aq_backend_policy[AQ_BA_MAX + 1] = {
	[AQ_BA_COLUMN]	= NLA_POLICY_MAX(NLA_U8, AQ_MAX_BACKENDS - 1),
	[AQ_BA_ADDR]	= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[AQ_BA_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[AQ_BA_WEIGHT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &aq_weight_range),
	[AQ_BA_DRAIN]	= NLA_POLICY_MAX(NLA_U8, 1),
};

const struct nla_policy aq_policy[AQ_A_MAX + 1] = {
	[AQ_A_VIP_NAME]		= { .type = NLA_NUL_STRING,
				    .len = AQ_NAME_LEN - 1 },
	[AQ_A_VIP_ADDR]		= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[AQ_A_VIP_PORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[AQ_A_VIP_PROTO]	= { .type = NLA_U8 },
	[AQ_A_VIP_MODE]		= NLA_POLICY_MAX(NLA_U8, AQ_NR_MODES - 1),
	[AQ_A_VIP_SCHED]	= NLA_POLICY_MAX(NLA_U8, AQ_NR_SCHEDS - 1),
	[AQ_A_VIP_SNAPSHOT_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&aq_snapshot_range),
	[AQ_A_VIP_ID]		= { .type = NLA_REJECT },
	[AQ_A_VIP_REGION_OFFSET] = { .type = NLA_REJECT },
	[AQ_A_VIP_REGION_SIZE]	= { .type = NLA_REJECT },
	[AQ_A_VIP_BACKENDS]	= NLA_POLICY_NESTED_ARRAY(aq_backend_policy),
	[AQ_A_BACKEND]		= NLA_POLICY_NESTED(aq_backend_policy),
	[AQ_A_VIP_WEIGHTS]	= NLA_POLICY_RANGE(NLA_BINARY, sizeof(u32),
						   AQ_MAX_BACKENDS * sizeof(u32)),
};

