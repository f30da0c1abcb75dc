/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aqctl: shared declarations. Each subcommand lives in its own file and is
 * listed in the table in main.c as {name, handler, usage, help}.
 */
#ifndef AQCTL_H
#define AQCTL_H

#include <stdbool.h>

/* Exit codes. */
#define AQCTL_EXIT_OK		0
#define AQCTL_EXIT_ERROR	1
#define AQCTL_EXIT_USAGE	2

struct aqctl_ctx {
	bool json;		/* -j */
	bool pretty;		/* -p: indent JSON */
	const char *proc_path;	/* discovery file ($AQUARIUS_PROC) */
	const char *dev_path;	/* device ($AQUARIUS_DEV) */
	const char *cmd;	/* name of the running subcommand */
};

struct aqctl_cmd {
	const char *name;
	/* argv[0] is the subcommand name; returns an AQCTL_EXIT_* code. */
	int (*handler)(struct aqctl_ctx *ctx, int argc, char **argv);
	const char *usage;	/* arguments, after the name */
	const char *help;	/* one line */
};

int aqctl_list(struct aqctl_ctx *ctx, int argc, char **argv);
int aqctl_show(struct aqctl_ctx *ctx, int argc, char **argv);

/* "aqctl: <cmd>: <message>" on stderr. */
void aqctl_err(const struct aqctl_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Usage line of the running subcommand on stderr; returns AQCTL_EXIT_USAGE. */
int aqctl_usage(const struct aqctl_ctx *ctx);
/* True if argv[1] asks for help ("-h", "--help", "help"): prints usage. */
bool aqctl_want_help(const struct aqctl_ctx *ctx, int argc, char **argv);

/* "addr:port", IPv6 as "[addr]:port". */
const char *aqctl_endpoint(int family, const unsigned char addr[16],
			   unsigned int port, char *buf, unsigned long len);

#endif
