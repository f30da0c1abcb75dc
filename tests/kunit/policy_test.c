// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the netlink attribute policies (kmod/policy.c) accept what the
 * uapi header allows and reject the rest with the documented errno, the
 * way the generic netlink core parses a request (strictly).
 */
#include <kunit/test.h>
#include <linux/skbuff.h>

#include "policy.c"

/* A buffer of attributes, built with the nla_put helpers. */
static struct sk_buff *msg_new(struct kunit *test)
{
	struct sk_buff *skb = alloc_skb(4096, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	return skb;
}

/* Parse @skb's attributes with the family policy. */
static int parse(struct sk_buff *skb)
{
	struct nlattr *tb[AQ_A_MAX + 1];
	struct netlink_ext_ack extack = {};
	int err;

	err = nla_parse(tb, AQ_A_MAX, (struct nlattr *)skb->data, skb->len,
			aq_policy, &extack);
	kfree_skb(skb);
	return err;
}

static const u8 v4[4] = { 10, 0, 0, 1 };

static void put_vip(struct sk_buff *skb)
{
	nla_put_string(skb, AQ_A_VIP_NAME, "web");
	nla_put(skb, AQ_A_VIP_ADDR, 4, v4);
	nla_put_u16(skb, AQ_A_VIP_PORT, 80);
	nla_put_u8(skb, AQ_A_VIP_PROTO, 6);
}

static void policy_accepts_valid(struct kunit *test)
{
	struct sk_buff *skb = msg_new(test);
	struct nlattr *bs, *b;
	static const u32 w[3] = { 1, 0, AQ_MAX_WEIGHT };

	put_vip(skb);
	nla_put_u8(skb, AQ_A_VIP_MODE, AQ_NR_MODES - 1);
	nla_put_u8(skb, AQ_A_VIP_SCHED, AQ_NR_SCHEDS - 1);
	nla_put_u32(skb, AQ_A_VIP_SNAPSHOT_MS, AQ_SNAPSHOT_MS_MAX);
	nla_put(skb, AQ_A_VIP_WEIGHTS, sizeof(w), w);
	bs = nla_nest_start(skb, AQ_A_VIP_BACKENDS);
	b = nla_nest_start(skb, AQ_A_BACKEND);
	nla_put_u8(skb, AQ_BA_COLUMN, AQ_MAX_BACKENDS - 1);
	nla_put(skb, AQ_BA_ADDR, 4, v4);
	nla_put_u16(skb, AQ_BA_PORT, 65535);
	nla_put_u32(skb, AQ_BA_WEIGHT, AQ_MAX_WEIGHT);
	nla_put_u8(skb, AQ_BA_DRAIN, 1);
	nla_nest_end(skb, b);
	nla_nest_end(skb, bs);
	KUNIT_EXPECT_EQ(test, parse(skb), 0);
}

/* One bad attribute on top of a valid VIP: the errno of the policy. */
struct bad_case {
	const char *what;
	int want;
	void (*put)(struct sk_buff *skb);
};

static void put_long_name(struct sk_buff *skb)
{
	nla_put_string(skb, AQ_A_VIP_NAME, "0123456789012345678901234567890X");
}

static void put_port0(struct sk_buff *skb) { nla_put_u16(skb, AQ_A_VIP_PORT, 0); }
static void put_port32(struct sk_buff *skb) { nla_put_u32(skb, AQ_A_VIP_PORT, 80); }
static void put_addr3(struct sk_buff *skb) { nla_put(skb, AQ_A_VIP_ADDR, 3, v4); }
static void put_mode(struct sk_buff *skb) { nla_put_u8(skb, AQ_A_VIP_MODE, AQ_NR_MODES); }
static void put_sched(struct sk_buff *skb) { nla_put_u8(skb, AQ_A_VIP_SCHED, AQ_NR_SCHEDS); }
static void put_snap_lo(struct sk_buff *skb)
{
	nla_put_u32(skb, AQ_A_VIP_SNAPSHOT_MS, AQ_SNAPSHOT_MS_MIN - 1);
}

static void put_snap_hi(struct sk_buff *skb)
{
	nla_put_u32(skb, AQ_A_VIP_SNAPSHOT_MS, AQ_SNAPSHOT_MS_MAX + 1);
}

static void put_id(struct sk_buff *skb) { nla_put_u32(skb, AQ_A_VIP_ID, 1); }
static void put_unknown(struct sk_buff *skb) { nla_put_u32(skb, AQ_A_MAX + 1, 1); }
static void put_weights_long(struct sk_buff *skb)
{
	static const u32 w[AQ_MAX_BACKENDS + 1];

	nla_put(skb, AQ_A_VIP_WEIGHTS, sizeof(w), w);
}

static void put_backend(struct sk_buff *skb, int attr, u32 v)
{
	struct nlattr *b = nla_nest_start(skb, AQ_A_BACKEND);

	if (attr == AQ_BA_WEIGHT)
		nla_put_u32(skb, attr, v);
	else
		nla_put_u8(skb, attr, v);
	nla_nest_end(skb, b);
}

static void put_weight(struct sk_buff *skb)
{
	put_backend(skb, AQ_BA_WEIGHT, AQ_MAX_WEIGHT + 1);
}

static void put_column(struct sk_buff *skb)
{
	put_backend(skb, AQ_BA_COLUMN, AQ_MAX_BACKENDS);
}

static void put_drain(struct sk_buff *skb) { put_backend(skb, AQ_BA_DRAIN, 2); }
static void put_flat_backend(struct sk_buff *skb)
{
	/* Nested content without NLA_F_NESTED. */
	struct nlattr *b = nla_reserve(skb, AQ_A_BACKEND, 8);

	memset(nla_data(b), 0, 8);
}

static const struct bad_case bad_cases[] = {
	{ "name of 32 characters", -EINVAL, put_long_name },
	{ "port 0", -ERANGE, put_port0 },
	{ "port as a u32", -EINVAL, put_port32 },
	{ "address of 3 bytes", -ERANGE, put_addr3 },
	{ "mode past the last", -ERANGE, put_mode },
	{ "scheduler past the last", -ERANGE, put_sched },
	{ "snapshot below the minimum", -ERANGE, put_snap_lo },
	{ "snapshot above the maximum", -ERANGE, put_snap_hi },
	{ "reply-only id in a request", -EINVAL, put_id },
	{ "unknown attribute", -EINVAL, put_unknown },
	{ "65 weights", -ERANGE, put_weights_long },
	{ "backend weight over AQ_MAX_WEIGHT", -ERANGE, put_weight },
	{ "backend column 64", -ERANGE, put_column },
	{ "backend drain 2", -ERANGE, put_drain },
	{ "backend nest without NLA_F_NESTED", -EINVAL, put_flat_backend },
};

static void policy_rejects_bad(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		struct sk_buff *skb = msg_new(test);

		put_vip(skb);
		bad_cases[i].put(skb);
		KUNIT_EXPECT_EQ_MSG(test, parse(skb), bad_cases[i].want, "%s",
				    bad_cases[i].what);
	}
}

static struct kunit_case policy_cases[] = {
	KUNIT_CASE(policy_accepts_valid),
	KUNIT_CASE(policy_rejects_bad),
	{}
};

static struct kunit_suite policy_suite = {
	.name = "aquarius_policy",
	.test_cases = policy_cases,
};

kunit_test_suite(policy_suite);
