// SPDX-License-Identifier: GPL-2.0
/*
 * aqctl: configure the aquarius module through its generic netlink family
 * and inspect the features it collects.
 *
 *	aqctl [-j] [-p] [-b FILE] [-h] COMMAND [ARGS]
 *
 * Exit codes: 0 success, 1 refused by the kernel or the system, 2 usage.
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
#include "request.h"

static const struct aqctl_cmd commands[] = {
	{ "vip add", aqctl_vip_add,
	  "NAME tcp|udp ADDR PORT [mode observe|nat|ipip] [sched maglev|sed|lsq|random] [snapshot MS]",
	  "create a VIP (defaults: mode observe, sched maglev)" },
	{ "vip del", aqctl_vip_del, "NAME", "remove a VIP" },
	{ "vip set", aqctl_vip_set, "NAME [mode M] [sched S] [snapshot MS]",
	  "change the mode, scheduler or snapshot interval of a VIP" },
	{ "vip show", aqctl_vip_show, "NAME",
	  "configuration of a VIP: region and backends with weight and drain" },
	{ "vip list", aqctl_vip_list, "", "configuration of every VIP, one line each" },
	{ "backend add", aqctl_backend_add,
	  "NAME ADDR PORT [column C] [weight W] [drain on|off]",
	  "add a backend (defaults: first free column, weight 1, drain off)" },
	{ "backend del", aqctl_backend_del, "NAME (ADDR PORT | column C)",
	  "remove a backend" },
	{ "backend set", aqctl_backend_set,
	  "NAME (ADDR PORT | column C) [weight W] [drain on|off]",
	  "change the weight or drain flag of a backend" },
	{ "weights", aqctl_weights, "NAME W0 [W1 ...]",
	  "set the weights of all columns at once, from column 0" },
	{ "monitor", aqctl_monitor, "",
	  "print configuration events until SIGINT or SIGTERM" },
	{ "list", aqctl_list, "", "list the VIPs and their regions" },
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

/* The command named by argv[0] (and argv[1] for a two-word name). */
static const struct aqctl_cmd *match_command(int argc, char **argv,
					     int *words)
{
	size_t i, n;

	for (i = 0; i < NR_COMMANDS; i++) {
		const char *name = commands[i].name, *sp = strchr(name, ' ');

		if (!sp) {
			if (!strcmp(name, argv[0])) {
				*words = 1;
				return &commands[i];
			}
			continue;
		}
		n = (size_t)(sp - name);
		if (argc >= 2 && strlen(argv[0]) == n && !strncmp(name, argv[0], n) &&
		    !strcmp(sp + 1, argv[1])) {
			*words = 2;
			return &commands[i];
		}
	}
	return NULL;
}

/* True if some command names start with the word `group` ("vip"). */
static bool is_group(const char *group)
{
	size_t i, n = strlen(group);

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strncmp(commands[i].name, group, n) &&
		    commands[i].name[n] == ' ')
			return true;
	return false;
}

static void print_usage_of(FILE *f, const struct aqctl_cmd *c)
{
	fprintf(f, "Usage: %s [-j] [-p] %s%s%s\n", prog, c->name,
		*c->usage ? " " : "", c->usage);
}

static void where(const struct aqctl_ctx *ctx)
{
	if (ctx && ctx->batch_line)
		fprintf(stderr, "%s:%lu: ", ctx->batch_file, ctx->batch_line);
}

void aqctl_err(const struct aqctl_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);		/* keep the order of what the user sees */
	fprintf(stderr, "%s: ", prog);
	where(ctx);
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

	fflush(stdout);
	if (ctx->batch_line) {
		fprintf(stderr, "%s: ", prog);
		where(ctx);
		fprintf(stderr, "usage: %s%s%s\n", c->name, *c->usage ? " " : "",
			c->usage);
	} else {
		print_usage_of(stderr, c);
	}
	return AQCTL_EXIT_USAGE;
}

bool aqctl_want_help(const struct aqctl_ctx *ctx, int argc, char **argv)
{
	const struct aqctl_cmd *c = find_command(ctx->cmd);

	if (argc < 2 || (strcmp(argv[1], "-h") && strcmp(argv[1], "--help") &&
			 strcmp(argv[1], "help")))
		return false;
	print_usage_of(stdout, c);
	printf("  %s\n", c->help);
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
		"  -j, --json        JSON output\n"
		"  -p, --pretty      indent JSON output\n"
		"  -b, --batch FILE  run the commands of FILE, one a line ('-': stdin),\n"
		"                    up to the first that fails\n"
		"  -h, --help        this help; COMMAND -h for a command's help\n"
		"\n"
		"Commands:\n", prog);
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %s%s%s\n        %s\n", commands[i].name,
			*commands[i].usage ? " " : "", commands[i].usage,
			commands[i].help);
	fprintf(f,
		"\n"
		"ADDR: an IPv4 or IPv6 address, without brackets. NAME: 1 to %d of\n"
		"A-Z a-z 0-9 _ . -. PORT 1..65535, W 0..%d, MS %d..%d, C 0..%d.\n"
		"Environment: AQUARIUS_PROC (a discovery file for list and show,\n"
		"instead of netlink or %s), AQUARIUS_DEV (default %s).\n"
		"Exit status: 0 success, 1 refused by the kernel or the system,\n"
		"2 usage error.\n",
		AQ_NAME_LEN - 1, AQ_MAX_WEIGHT, AQ_SNAPSHOT_MS_MIN,
		AQ_SNAPSHOT_MS_MAX, AQ_MAX_BACKENDS - 1, AQ_PROC_PATH,
		AQ_DEVICE_PATH);
}

int aqctl_run(struct aqctl_ctx *ctx, int argc, char **argv)
{
	const struct aqctl_cmd *cmd;
	int words;

	ctx->cmd = NULL;
	cmd = match_command(argc, argv, &words);
	if (!cmd) {
		if (is_group(argv[0]))
			aqctl_err(ctx, "unknown command '%s%s%s' (try '%s -h')",
				  argv[0], argc > 1 ? " " : "",
				  argc > 1 ? argv[1] : "", prog);
		else
			aqctl_err(ctx, "unknown command '%s' (try '%s -h')",
				  argv[0], prog);
		return AQCTL_EXIT_USAGE;
	}
	ctx->cmd = cmd->name;
	words--;
	return cmd->handler(ctx, argc - words, argv + words);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "batch", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct aqctl_ctx ctx = { 0 };
	const char *batch = NULL;
	int c, ret;

	ctx.proc_path = getenv("AQUARIUS_PROC");
	ctx.dev_path = getenv("AQUARIUS_DEV");
	/* '+': options end at the command, which parses its own. */
	while ((c = getopt_long(argc, argv, "+jpb:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ctx.json = true;
			break;
		case 'p':
			ctx.pretty = true;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'h':
			usage(stdout);
			return AQCTL_EXIT_OK;
		default:
			usage(stderr);
			return AQCTL_EXIT_USAGE;
		}
	}
	if (batch) {
		if (optind < argc) {
			aqctl_err(NULL, "-b takes no command: '%s'", argv[optind]);
			return AQCTL_EXIT_USAGE;
		}
		ret = aqctl_batch(&ctx, batch);
		aqctl_nl_close(&ctx);
		return ret;
	}
	if (optind >= argc) {
		usage(stderr);
		return AQCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		usage(stdout);
		return AQCTL_EXIT_OK;
	}
	ret = aqctl_run(&ctx, argc - optind, argv + optind);
	aqctl_nl_close(&ctx);
	return ret;
}
