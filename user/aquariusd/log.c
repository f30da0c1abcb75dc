// SPDX-License-Identifier: GPL-2.0
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

/* Single-threaded daemon: plain globals, no lock. */
static enum aqd_log_target log_target = AQD_LOG_STDERR;
static bool log_debug;
static bool syslog_open;

void aqd_log_open(enum aqd_log_target target, bool debug)
{
	if (target == AQD_LOG_SYSLOG && !syslog_open) {
		openlog("aquariusd", LOG_PID, LOG_DAEMON);
		syslog_open = true;
	} else if (target == AQD_LOG_STDERR && syslog_open) {
		closelog();
		syslog_open = false;
	}
	log_target = target;
	log_debug = debug;
}

void aqd_log_close(void)
{
	if (syslog_open)
		closelog();
	syslog_open = false;
	log_target = AQD_LOG_STDERR;
}

static const char *level_name(int level)
{
	switch (level) {
	case LOG_ERR:		return "error";
	case LOG_WARNING:	return "warning";
	case LOG_INFO:		return "info";
	default:		return "debug";
	}
}

void aqd_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level >= LOG_DEBUG && !log_debug)
		return;
	va_start(ap, fmt);
	if (log_target == AQD_LOG_SYSLOG) {
		vsyslog(level, fmt, ap);
	} else {
		fprintf(stderr, "aquariusd: %s: ", level_name(level));
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
