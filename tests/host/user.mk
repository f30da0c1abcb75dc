# Userspace library (user/lib) on synthetic regions built in memory.
HOST_TESTS += test_libaquarius
test_libaquarius_SRCS := tests/host/test_libaquarius.c user/lib/libaquarius.c
