/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small HTTP/1.0 server for GET /metrics, in the daemon's poll() loop:
 * non-blocking sockets, at most AQD_HTTP_MAX_CLIENTS connections, a
 * request of at most AQD_HTTP_REQ_MAX bytes, each connection closed after
 * one answer or AQD_HTTP_TIMEOUT_MS without progress.
 */
#ifndef AQD_HTTP_H
#define AQD_HTTP_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "prom.h"

#define AQD_HTTP_MAX_CLIENTS	8
#define AQD_HTTP_REQ_MAX	4096
#define AQD_HTTP_TIMEOUT_MS	10000
#define AQD_HTTP_PATH_MAX	256

struct aqd_http_client {
	int fd;				/* -1: free */
	char req[AQD_HTTP_REQ_MAX];
	size_t req_len;
	char *out;			/* answer being sent */
	size_t out_len, out_off;
	uint64_t deadline_ns;
};

/* Renders the body of GET /metrics; nonzero: answer 500. */
typedef int (*aqd_http_render_t)(struct aqd_buf *body, void *data);

struct aqd_http {
	int lfd;			/* -1: not listening */
	struct aqd_http_client c[AQD_HTTP_MAX_CLIENTS];
	struct aqd_buf body;		/* rendering buffer, reused */
	unsigned long requests;
};

/*
 * Parse the head of a request. 0 with the path (query string dropped) for
 * a complete GET; -EAGAIN if the head is not complete yet; -EOPNOTSUPP
 * for another method (405); -EINVAL for anything malformed (400).
 */
int aqd_http_parse_request(const char *req, size_t len, char *path,
			   size_t path_len);

void aqd_http_init(struct aqd_http *h, size_t max_body);
/* Listen on addr:port (numeric IPv4 or IPv6). 0 or -errno, reason in err. */
int aqd_http_listen(struct aqd_http *h, const char *addr, uint16_t port,
		    char *err, size_t len);
/* Close the listener and every connection. */
void aqd_http_close(struct aqd_http *h);

/* Add the sockets to watch to pfd (room for 1 + AQD_HTTP_MAX_CLIENTS). */
unsigned int aqd_http_pollfds(const struct aqd_http *h, struct pollfd *pfd);
/* Serve what poll() reported in pfd[0..n) (other fds are ignored). */
void aqd_http_serve(struct aqd_http *h, const struct pollfd *pfd,
		    unsigned int n, uint64_t now_ns, aqd_http_render_t render,
		    void *data);
/* Earliest connection deadline, UINT64_MAX if none. */
uint64_t aqd_http_next_due(const struct aqd_http *h);
/* Close connections past their deadline. */
void aqd_http_expire(struct aqd_http *h, uint64_t now_ns);

#endif
