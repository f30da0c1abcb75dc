// SPDX-License-Identifier: GPL-2.0
/*
 * aqctl: inspect the features the aquarius module collects.
 *
 *	aqctl [-j [-p]] [-h] COMMAND [ARGS]
 *
 * Exit codes: 0 success, 1 error, 2 usage error.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "aqctl.h"
#include "libaquarius.h"

static const struct aqctl_cmd commands[] = {
	{ "list", aqctl_list, "", "list the VIPs of this network namespace" },
	{ "show", aqctl_show, "VIP",
	  "per active backend: counters and the 5 reductions of each feature" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char *prog = "aqctl";

static const struct aqctl_cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

void aqctl_err(const struct aqctl_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	if (ctx && ctx->cmd)
		fprintf(stderr, "%s: ", ctx->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int aqctl_usage(const struct aqctl_ctx *ctx)
{
	const struct aqctl_cmd *c = find_command(ctx->cmd);

	fprintf(stderr, "Usage: %s [-j [-p]] %s%s%s\n", prog, c->name,
		*c->usage ? " " : "", c->usage);
	return AQCTL_EXIT_USAGE;
}

bool aqctl_want_help(const struct aqctl_ctx *ctx, int argc, char **argv)
{
	const struct aqctl_cmd *c = find_command(ctx->cmd);

	if (argc < 2 || (strcmp(argv[1], "-h") && strcmp(argv[1], "--help") &&
			 strcmp(argv[1], "help")))
		return false;
	printf("Usage: %s [-j [-p]] %s%s%s\n  %s\n", prog, c->name,
	       *c->usage ? " " : "", c->usage, c->help);
	return true;
}

const char *aqctl_endpoint(int family, const unsigned char addr[16],
			   unsigned int port, char *buf, unsigned long len)
{
	char a[INET6_ADDRSTRLEN];

	aq_addr_str(family, addr, a, sizeof(a));
	snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
	return buf;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: %s [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Options:\n"
		"  -j, --json     JSON output\n"
		"  -p, --pretty   indent JSON output\n"
		"  -h, --help     this help; COMMAND -h for a command's help\n"
		"\n"
		"Commands:\n", prog);
	for (i = 0; i < NR_COMMANDS; i++) {
		char head[64];

		snprintf(head, sizeof(head), "%s %s", commands[i].name,
			 commands[i].usage);
		fprintf(f, "  %-14s %s\n", head, commands[i].help);
	}
	fprintf(f,
		"\n"
		"Environment: AQUARIUS_PROC (default %s), AQUARIUS_DEV (default %s).\n"
		"Exit status: 0 success, 1 error, 2 usage error.\n",
		AQ_PROC_PATH, AQ_DEVICE_PATH);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct aqctl_ctx ctx = { 0 };
	const struct aqctl_cmd *cmd;
	int c;

	ctx.proc_path = getenv("AQUARIUS_PROC");
	ctx.dev_path = getenv("AQUARIUS_DEV");
	/* '+': options end at the command, which parses its own. */
	while ((c = getopt_long(argc, argv, "+jph", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ctx.json = true;
			break;
		case 'p':
			ctx.pretty = true;
			break;
		case 'h':
			usage(stdout);
			return AQCTL_EXIT_OK;
		default:
			usage(stderr);
			return AQCTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return AQCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		usage(stdout);
		return AQCTL_EXIT_OK;
	}
	cmd = find_command(argv[optind]);
	if (!cmd) {
		aqctl_err(NULL, "unknown command '%s' (try '%s -h')",
			  argv[optind], prog);
		return AQCTL_EXIT_USAGE;
	}
	ctx.cmd = cmd->name;
	return cmd->handler(&ctx, argc - optind, argv + optind);
}
