# Host tests of the module's per-packet core (kmod/*.c with shim headers).
HOST_TESTS += test_packet
test_packet_SRCS := tests/host/test_packet.c kmod/packet.c

HOST_TESTS += test_flowtable
test_flowtable_SRCS := tests/host/test_flowtable.c kmod/flowtable.c

HOST_TESTS += test_features
test_features_SRCS := tests/host/test_features.c kmod/features.c \
	kmod/flowtable.c
