# Flow table quality (tracked share by load), checked at 50% load.
HOST_TESTS += flowtable_load
flowtable_load_SRCS := tests/host/flowtable_load.c kmod/flowtable.c
