# Host tests of the load-balancing schedulers (kmod/scheduler.c).
HOST_TESTS += test_sched
test_sched_SRCS := tests/host/test_sched.c kmod/scheduler.c
