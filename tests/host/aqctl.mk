# aqctl's generic netlink messages (user/aqctl/msg.c, nl.c): requests
# built from command lines, replies, errors with extended ACKs.
HOST_TESTS += test_aqctl_nl
test_aqctl_nl_SRCS := tests/host/test_aqctl_nl.c user/aqctl/msg.c \
	user/aqctl/nl.c
test_aqctl_nl_LDLIBS := -lmnl
# The builders' headers, which the generic rule does not list.
$(OUT)/test_aqctl_nl: $(wildcard $(TOP)/user/aqctl/*.h)
