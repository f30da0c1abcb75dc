// SPDX-License-Identifier: GPL-2.0
/*
 * aqctl -b FILE: one command a line, as after "aqctl [OPTIONS]", like
 * `ip -batch`. Words are separated by blanks; a word starting with '#'
 * starts a comment; blank lines are skipped. The first failing line stops
 * the batch, and its exit code is aqctl's. One netlink socket serves all
 * lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aqctl.h"

#define MAX_WORDS	128

/* Split line in place; returns the number of words or -1 if too many. */
static int split(char *line, char **argv)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		p += strspn(p, " \t\r\n\v\f");
		if (!*p || *p == '#')
			break;
		if (argc == MAX_WORDS)
			return -1;
		argv[argc++] = p;
		p += strcspn(p, " \t\r\n\v\f");
		if (*p)
			*p++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

int aqctl_batch(struct aqctl_ctx *ctx, const char *path)
{
	char *line = NULL, *argv[MAX_WORDS + 1];
	bool is_stdin = !strcmp(path, "-");
	int argc, ret = AQCTL_EXIT_OK;
	size_t cap = 0;
	FILE *f;

	f = is_stdin ? stdin : fopen(path, "r");
	if (!f) {
		aqctl_err(NULL, "%s: %s", path, strerror(errno));
		return AQCTL_EXIT_ERROR;
	}
	ctx->batch_file = is_stdin ? "<stdin>" : path;
	ctx->batch_line = 0;
	while (getline(&line, &cap, f) >= 0) {
		ctx->batch_line++;
		ctx->cmd = NULL;
		argc = split(line, argv);
		if (argc < 0) {
			aqctl_err(ctx, "more than %d words", MAX_WORDS);
			ret = AQCTL_EXIT_USAGE;
			break;
		}
		if (!argc)
			continue;
		ret = aqctl_run(ctx, argc, argv);
		if (ret)
			break;
	}
	if (!ret && ferror(f)) {
		ctx->cmd = NULL;
		aqctl_err(ctx, "read: %s", strerror(errno));
		ret = AQCTL_EXIT_ERROR;
	}
	free(line);
	if (!is_stdin)
		fclose(f);
	fflush(stdout);
	ctx->batch_line = 0;
	return ret;
}
