/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aquariusd's settings: defaults, then the configuration file (key = value
 * lines, '#' comments), then the command line, which wins. SIGHUP builds
 * them again in the same order. Keys (see aquariusd.8):
 *
 *	shm_mode = 0660			octal permission bits of the shm objects
 *	shm_group = NAME|GID		group of the shm objects (default: ours)
 *	rate_limit_ms = 100		at most one weights request applied per VIP
 *					per interval (0..60000)
 *	poll_ms = 20			action areas polled this often (1..10000)
 *	resync_ms = 1000		full netlink dump this often (100..600000)
 *	listen = 127.0.0.1:9470		Prometheus endpoint, ADDR:PORT,
 *					[ADDR6]:PORT or "off"
 *	log = stderr|syslog
 *	debug = yes|no
 *	device = /dev/aquarius
 */
#ifndef AQD_CONFIG_H
#define AQD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"

#define AQD_DEFAULT_CONFIG	"/etc/aquarius/aquariusd.conf"
#define AQD_DEFAULT_LISTEN	"127.0.0.1:9470"
#define AQD_DEFAULT_PORT	9470
#define AQD_CONFIG_ERR_LEN	256
/* Longest line of the configuration file. */
#define AQD_CONFIG_LINE_MAX	1024

struct aqd_config {
	unsigned int shm_mode;		/* permission bits, <= 0777 */
	bool shm_group_set;
	gid_t shm_gid;
	unsigned int rate_limit_ms;
	unsigned int poll_ms;
	unsigned int resync_ms;
	bool listen_enabled;
	char listen_addr[64];		/* numeric address, without brackets */
	uint16_t listen_port;
	enum aqd_log_target log_target;
	bool debug;
	char device[256];
};

void aqd_config_defaults(struct aqd_config *c);

/*
 * Set one key. 0, or -EINVAL with the reason in err ("unknown key 'x'",
 * "rate_limit_ms: '5x' is not a number in 0..60000", ...).
 */
int aqd_config_set(struct aqd_config *c, const char *key, const char *value,
		   char *err, size_t len);

/*
 * Parse configuration text (origin names it in messages: "FILE:LINE: ...").
 * Every line is checked; the first error is returned and c may then be
 * partly changed (callers parse into a copy).
 */
int aqd_config_parse(struct aqd_config *c, const char *text,
		     const char *origin, char *err, size_t len);

/*
 * Read and parse a file. A missing file is -ENOENT (the caller decides if
 * that is an error: the default file may be absent). Files larger than
 * 64 KiB are refused.
 */
int aqd_config_load(struct aqd_config *c, const char *path, char *err,
		    size_t len);

/* Parse "ADDR:PORT", "[ADDR6]:PORT" or "off". 0 or -EINVAL. */
int aqd_config_parse_listen(const char *s, bool *enabled, char *addr,
			    size_t addr_len, uint16_t *port);

#endif
