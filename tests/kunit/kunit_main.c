// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the module's pure-C core. Each *_test.c includes the
 * .c it tests (so the test module has its own copy of the core and needs
 * no exported symbol); suites of other files use it through the headers.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for aquarius");
