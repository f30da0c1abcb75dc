/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aquariusd's log: one line per message, to stderr ("aquariusd: <level>:
 * <message>") or to syslog (LOG_DAEMON, ident "aquariusd"). The target
 * can change at run time (SIGHUP reloads the configuration).
 */
#ifndef AQD_LOG_H
#define AQD_LOG_H

#include <stdbool.h>
#include <syslog.h>

enum aqd_log_target {
	AQD_LOG_STDERR,
	AQD_LOG_SYSLOG,
};

/* Select the target; debug true also logs LOG_DEBUG messages. */
void aqd_log_open(enum aqd_log_target target, bool debug);
void aqd_log_close(void);

/* level is a syslog priority: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG. */
void aqd_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define aqd_err(...)	aqd_log(LOG_ERR, __VA_ARGS__)
#define aqd_warn(...)	aqd_log(LOG_WARNING, __VA_ARGS__)
#define aqd_info(...)	aqd_log(LOG_INFO, __VA_ARGS__)
#define aqd_dbg(...)	aqd_log(LOG_DEBUG, __VA_ARGS__)

#endif
