/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aqctl: shared declarations. Each subcommand lives in its own file and is
 * listed in the table in main.c as {name, handler, usage, help}; a name
 * may have two words ("vip add").
 */
#ifndef AQCTL_H
#define AQCTL_H

#include <stdbool.h>
#include <stdio.h>

/* Exit codes. */
#define AQCTL_EXIT_OK		0
#define AQCTL_EXIT_ERROR	1
#define AQCTL_EXIT_USAGE	2

struct aqnl;

struct aqctl_ctx {
	bool json;		/* -j */
	bool pretty;		/* -p: indent JSON */
	const char *proc_path;	/* discovery file ($AQUARIUS_PROC) */
	const char *dev_path;	/* device ($AQUARIUS_DEV) */
	const char *cmd;	/* name of the running subcommand */
	const char *batch_file;	/* -b: the file, as named in messages */
	unsigned long batch_line; /* -b: line being run (0: not in a batch) */
	struct aqnl *nl;	/* netlink socket, opened at first use */
};

struct aqctl_cmd {
	const char *name;
	/*
	 * argv[0] is the last word of the name ("add" of "vip add"); returns
	 * an AQCTL_EXIT_* code.
	 */
	int (*handler)(struct aqctl_ctx *ctx, int argc, char **argv);
	const char *usage;	/* arguments, after the name */
	const char *help;	/* one line */
};

int aqctl_list(struct aqctl_ctx *ctx, int argc, char **argv);
int aqctl_show(struct aqctl_ctx *ctx, int argc, char **argv);
int aqctl_vip_add(struct aqctl_ctx *ctx, int argc, char **argv);
int aqctl_vip_del(struct aqctl_ctx *ctx, int argc, char **argv);
int aqctl_vip_set(struct aqctl_ctx *ctx, int argc, char **argv);
int aqctl_vip_show(struct aqctl_ctx *ctx, int argc, char **argv);
int aqctl_vip_list(struct aqctl_ctx *ctx, int argc, char **argv);
int aqctl_backend_add(struct aqctl_ctx *ctx, int argc, char **argv);
int aqctl_backend_del(struct aqctl_ctx *ctx, int argc, char **argv);
int aqctl_backend_set(struct aqctl_ctx *ctx, int argc, char **argv);
int aqctl_weights(struct aqctl_ctx *ctx, int argc, char **argv);
int aqctl_monitor(struct aqctl_ctx *ctx, int argc, char **argv);

/* Run one command line (argv[0] is the command's first word). */
int aqctl_run(struct aqctl_ctx *ctx, int argc, char **argv);
/* -b FILE: run the commands of FILE ("-": stdin), stop at the first failure. */
int aqctl_batch(struct aqctl_ctx *ctx, const char *path);

/* "aqctl: [FILE:LINE: ]<cmd>: <message>" on stderr. */
void aqctl_err(const struct aqctl_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Usage line of the running subcommand on stderr; returns AQCTL_EXIT_USAGE. */
int aqctl_usage(const struct aqctl_ctx *ctx);
/* True if argv[1] asks for help ("-h", "--help", "help"): prints usage. */
bool aqctl_want_help(const struct aqctl_ctx *ctx, int argc, char **argv);

struct aqmsg_vip;
struct json;
/* A VIP of a reply or an event: its attributes present, as JSON members. */
void aqctl_vip_json(struct json *j, const char *key, const struct aqmsg_vip *vip);
/* The same on one line of text, without the newline. */
void aqctl_vip_line(FILE *f, const struct aqmsg_vip *vip);

/* "addr:port", IPv6 as "[addr]:port". */
const char *aqctl_endpoint(int family, const unsigned char addr[16],
			   unsigned int port, char *buf, unsigned long len);

#endif
