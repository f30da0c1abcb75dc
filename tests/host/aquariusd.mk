# aquariusd's logic without a kernel (user/aquariusd): configuration,
# rate limit, action area protocol and validation, the region copy on
# synthetic regions (also against a concurrent writer), Prometheus
# formatting and the metrics of a synthetic VIP, HTTP request parsing.
HOST_TESTS += test_aquariusd
test_aquariusd_SRCS := tests/host/test_aquariusd.c user/lib/libaquarius.c \
	user/aquariusd/action.c user/aquariusd/config.c user/aquariusd/http.c \
	user/aquariusd/log.c user/aquariusd/metrics.c user/aquariusd/mirror.c \
	user/aquariusd/prom.c user/aquariusd/ratelimit.c
$(OUT)/test_aquariusd: $(wildcard $(TOP)/user/aquariusd/*.h $(TOP)/user/aqctl/*.h)
