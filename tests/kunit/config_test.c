// SPDX-License-Identifier: GPL-2.0
/* KUnit: parsing of service specifications (kmod/config.c). */
#include <kunit/test.h>

#include "config.c"

static void parse(struct kunit *test, const char *text,
		  struct aq_vip_config *cfg, int want_err, const char *want_bad)
{
	char *buf = kunit_kzalloc(test, strlen(text) + 1, GFP_KERNEL);
	const char *bad;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	strscpy(buf, text, strlen(text) + 1);
	err = aq_parse_vip(buf, cfg, &bad);
	KUNIT_EXPECT_EQ_MSG(test, err, want_err, "spec %s", text);
	if (want_bad)
		KUNIT_EXPECT_STREQ_MSG(test, bad ? bad : "(null)", want_bad,
				       "spec %s", text);
}

static void config_ipv4_service(struct kunit *test)
{
	struct aq_vip_config *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	static const u8 b1[4] = { 10, 0, 2, 3 };

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	parse(test, "web/tcp/10.0.0.10:80/10.0.2.2:8080,-,10.0.2.3:8081",
	      cfg, 0, NULL);
	KUNIT_EXPECT_STREQ(test, cfg->name, "web");
	KUNIT_EXPECT_EQ(test, cfg->proto, IPPROTO_TCP);
	KUNIT_EXPECT_EQ(test, cfg->vip.family, AF_INET);
	KUNIT_EXPECT_EQ(test, cfg->vip.port, 80);
	KUNIT_EXPECT_EQ(test, cfg->nr_backends, 3U);
	KUNIT_EXPECT_EQ(test, cfg->backends[0].port, 8080);
	KUNIT_EXPECT_EQ(test, cfg->backends[1].family, 0);
	KUNIT_EXPECT_EQ(test, cfg->backends[2].port, 8081);
	KUNIT_EXPECT_MEMEQ(test, cfg->backends[2].addr, b1, 4);
}

static void config_ipv6_service(struct kunit *test)
{
	struct aq_vip_config *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	static const u8 v6[16] = { 0xfd, [7] = 2, [15] = 2 };

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	parse(test, "dns/udp/[fd00::1]:53/[fd00:0:0:2::2]:5353", cfg, 0, NULL);
	KUNIT_EXPECT_EQ(test, cfg->proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, cfg->vip.family, AF_INET6);
	KUNIT_EXPECT_EQ(test, cfg->backends[0].family, AF_INET6);
	KUNIT_EXPECT_EQ(test, cfg->backends[0].port, 5353);
	KUNIT_EXPECT_MEMEQ(test, cfg->backends[0].addr, v6, 16);
}

static void config_rejects_bad_tokens(struct kunit *test)
{
	struct aq_vip_config *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	parse(test, "web/sctp/10.0.0.1:80/10.0.0.2:80", cfg, -EINVAL, "sctp");
	parse(test, "web/tcp/10.0.0.300:80/10.0.0.2:80", cfg, -EINVAL,
	      "10.0.0.300:80");
	parse(test, "web/tcp/10.0.0.1:80/10.0.0.2:70000", cfg, -ERANGE,
	      "10.0.0.2:70000");
	parse(test, "web/tcp/10.0.0.1:80/10.0.0.2:0", cfg, -EINVAL,
	      "10.0.0.2:0");
	parse(test, "web/tcp/10.0.0.1:80/[fd00::2]:80", cfg, -EAFNOSUPPORT,
	      "[fd00::2]:80");
	parse(test, "we b/tcp/10.0.0.1:80/10.0.0.2:80", cfg, -EINVAL, "we b");
	parse(test, "/tcp/10.0.0.1:80/10.0.0.2:80", cfg, -EINVAL, "");
	parse(test, "web/tcp/10.0.0.1:80", cfg, -EINVAL, NULL);
	parse(test, "web/tcp/[fd00::1:80/[fd00::2]:80", cfg, -EINVAL,
	      "[fd00::1:80");
	parse(test, "web/tcp/10.0.0.1:80/10.0.0.2:80,", cfg, -EINVAL, "");
	parse(test, "a234567890123456789012345678901x/tcp/10.0.0.1:1/10.0.0.2:1",
	      cfg, -EINVAL, NULL);
}

static void config_weights_mode_sched(struct kunit *test)
{
	struct aq_vip_config *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	parse(test, "web/tcp/10.0.0.1:80/10.0.0.2:80@3,-,10.0.0.3:80/nat/sed",
	      cfg, 0, NULL);
	KUNIT_EXPECT_EQ(test, cfg->mode, AQ_MODE_NAT);
	KUNIT_EXPECT_EQ(test, cfg->sched, AQ_SCHED_SED);
	KUNIT_EXPECT_EQ(test, cfg->weights[0], 3U);
	KUNIT_EXPECT_EQ(test, cfg->weights[1], 0U);
	KUNIT_EXPECT_EQ(test, cfg->weights[2], 1U);
	KUNIT_EXPECT_EQ(test, cfg->backends[0].port, 80);
	parse(test, "web/tcp/10.0.0.1:80/10.0.0.2:80", cfg, 0, NULL);
	KUNIT_EXPECT_EQ(test, cfg->mode, AQ_MODE_OBSERVE);
	KUNIT_EXPECT_EQ(test, cfg->sched, AQ_SCHED_MAGLEV);
	parse(test, "web/tcp/10.0.0.1:80/10.0.0.2:80@0/ipip", cfg, 0, NULL);
	KUNIT_EXPECT_EQ(test, cfg->mode, AQ_MODE_IPIP);
	KUNIT_EXPECT_EQ(test, cfg->weights[0], 0U);
	parse(test, "web/tcp/10.0.0.1:80/10.0.0.2:80@65536", cfg, -ERANGE,
	      "10.0.0.2:80");
	parse(test, "web/tcp/10.0.0.1:80/10.0.0.2:80@x", cfg, -EINVAL,
	      "10.0.0.2:80");
	parse(test, "web/tcp/10.0.0.1:80/10.0.0.2:80/dsr", cfg, -EINVAL, "dsr");
	parse(test, "web/tcp/10.0.0.1:80/10.0.0.2:80/nat/rr", cfg, -EINVAL,
	      "rr");
	parse(test, "web/tcp/10.0.0.1:80/10.0.0.2:80/nat/sed/x", cfg, -EINVAL,
	      "x");
}

static void config_column_limit(struct kunit *test)
{
	struct aq_vip_config *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	char *spec = kunit_kzalloc(test, 4096, GFP_KERNEL);
	int i, n;

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	KUNIT_ASSERT_NOT_NULL(test, spec);
	n = sprintf(spec, "big/tcp/10.0.0.1:80/");
	for (i = 0; i < AQ_MAX_BACKENDS; i++)
		n += sprintf(spec + n, "%s10.1.0.%d:80", i ? "," : "", i + 1);
	parse(test, spec, cfg, 0, NULL);
	KUNIT_EXPECT_EQ(test, cfg->nr_backends, (unsigned int)AQ_MAX_BACKENDS);
	sprintf(spec + n, ",10.2.0.1:80");
	parse(test, spec, cfg, -E2BIG, "10.2.0.1:80");
}

static struct kunit_case aq_config_cases[] = {
	KUNIT_CASE(config_ipv4_service),
	KUNIT_CASE(config_ipv6_service),
	KUNIT_CASE(config_rejects_bad_tokens),
	KUNIT_CASE(config_weights_mode_sched),
	KUNIT_CASE(config_column_limit),
	{}
};

static struct kunit_suite aq_config_suite = {
	.name = "aquarius_config",
	.test_cases = aq_config_cases,
};

kunit_test_suite(aq_config_suite);
