// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE	/* memmem, accept4 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

int aqd_http_parse_request(const char *req, size_t len, char *path,
			   size_t path_len)
{
	const char *end, *sp1, *sp2, *q;
	size_t n;

	end = memmem(req, len, "\r\n\r\n", 4);
	if (!end)
		end = memmem(req, len, "\n\n", 2);
	if (!end)
		return -EAGAIN;
	if (memchr(req, '\0', (size_t)(end - req)))
		return -EINVAL;
	sp1 = memchr(req, ' ', (size_t)(end - req));
	if (!sp1 || sp1 == req)
		return -EINVAL;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1 || sp1[1] != '/')
		return -EINVAL;
	if ((size_t)(end - sp2) < 9 || memcmp(sp2 + 1, "HTTP/1.", 7))
		return -EINVAL;
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	n = (size_t)((q ? q : sp2) - (sp1 + 1));
	if (n >= path_len)
		return -EINVAL;
	memcpy(path, sp1 + 1, n);
	path[n] = '\0';
	if ((size_t)(sp1 - req) != 3 || memcmp(req, "GET", 3))
		return -EOPNOTSUPP;
	return 0;
}

void aqd_http_init(struct aqd_http *h, size_t max_body)
{
	unsigned int i;

	memset(h, 0, sizeof(*h));
	h->lfd = -1;
	for (i = 0; i < AQD_HTTP_MAX_CLIENTS; i++)
		h->c[i].fd = -1;
	aqd_buf_init(&h->body, max_body);
}

int aqd_http_listen(struct aqd_http *h, const char *addr, uint16_t port,
		    char *err, size_t len)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd, one = 1, ret;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		sl = sizeof(*s6);
	} else {
		snprintf(err, len, "listen: bad address '%s'", addr);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, len, "listen socket: %s", strerror(errno));
		return ret;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 16) < 0) {
		ret = -errno;
		snprintf(err, len, "listen on %s port %u: %s", addr, port,
			 strerror(errno));
		close(fd);
		return ret;
	}
	h->lfd = fd;
	return 0;
}

static void drop(struct aqd_http_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
	c->req_len = c->out_len = c->out_off = 0;
}

void aqd_http_close(struct aqd_http *h)
{
	unsigned int i;

	for (i = 0; i < AQD_HTTP_MAX_CLIENTS; i++)
		drop(&h->c[i]);
	if (h->lfd >= 0)
		close(h->lfd);
	h->lfd = -1;
	aqd_buf_free(&h->body);
}

unsigned int aqd_http_pollfds(const struct aqd_http *h, struct pollfd *pfd)
{
	unsigned int i, n = 0;

	if (h->lfd < 0)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = h->lfd, .events = POLLIN };
	for (i = 0; i < AQD_HTTP_MAX_CLIENTS; i++)
		if (h->c[i].fd >= 0)
			pfd[n++] = (struct pollfd){
				.fd = h->c[i].fd,
				.events = h->c[i].out ? POLLOUT : POLLIN,
			};
	return n;
}

static void answer(struct aqd_http_client *c, const char *status,
		   const char *type, const char *body, size_t body_len)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		     status, type, body_len);
	c->out = malloc((size_t)n + body_len);
	if (!c->out) {
		drop(c);
		return;
	}
	memcpy(c->out, head, (size_t)n);
	memcpy(c->out + n, body, body_len);
	c->out_len = (size_t)n + body_len;
	c->out_off = 0;
}

static void answer_text(struct aqd_http_client *c, const char *status,
			const char *text)
{
	answer(c, status, "text/plain; charset=utf-8", text, strlen(text));
}

static void handle_request(struct aqd_http *h, struct aqd_http_client *c,
			   aqd_http_render_t render, void *data)
{
	char path[AQD_HTTP_PATH_MAX];
	int ret;

	ret = aqd_http_parse_request(c->req, c->req_len, path, sizeof(path));
	if (ret == -EAGAIN) {
		if (c->req_len >= sizeof(c->req))
			answer_text(c, "431 Request Header Fields Too Large",
				    "request too large\n");
		return;
	}
	h->requests++;
	if (ret == -EOPNOTSUPP)
		answer_text(c, "405 Method Not Allowed", "only GET\n");
	else if (ret)
		answer_text(c, "400 Bad Request", "bad request\n");
	else if (!strcmp(path, "/metrics")) {
		if (render(&h->body, data))
			answer_text(c, "500 Internal Server Error",
				    "metrics did not fit in the output limit\n");
		else
			answer(c, "200 OK", CONTENT_TYPE, h->body.p ? h->body.p : "",
			       h->body.len);
	} else if (!strcmp(path, "/")) {
		answer_text(c, "200 OK", "aquariusd: metrics at /metrics\n");
	} else {
		answer_text(c, "404 Not Found", "not found; try /metrics\n");
	}
}

static void accept_all(struct aqd_http *h, uint64_t now_ns)
{
	unsigned int i;
	int fd;

	for (;;) {
		fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				aqd_warn("http accept: %s", strerror(errno));
			return;
		}
		for (i = 0; i < AQD_HTTP_MAX_CLIENTS; i++)
			if (h->c[i].fd < 0)
				break;
		if (i == AQD_HTTP_MAX_CLIENTS) {
			/* Full: the newest waits no answer. */
			close(fd);
			continue;
		}
		h->c[i].fd = fd;
		h->c[i].req_len = 0;
		h->c[i].deadline_ns = now_ns + AQD_HTTP_TIMEOUT_MS * 1000000ULL;
	}
}

static void serve_client(struct aqd_http *h, struct aqd_http_client *c,
			 short revents, uint64_t now_ns,
			 aqd_http_render_t render, void *data)
{
	ssize_t n;

	if (c->out) {
		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			return;
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				drop(c);
			return;
		}
		c->out_off += (size_t)n;
		c->deadline_ns = now_ns + AQD_HTTP_TIMEOUT_MS * 1000000ULL;
		if (c->out_off == c->out_len)
			drop(c);
		return;
	}
	if (!(revents & (POLLIN | POLLERR | POLLHUP)))
		return;
	n = recv(c->fd, c->req + c->req_len, sizeof(c->req) - c->req_len, 0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			drop(c);
		return;
	}
	c->req_len += (size_t)n;
	c->deadline_ns = now_ns + AQD_HTTP_TIMEOUT_MS * 1000000ULL;
	handle_request(h, c, render, data);
}

void aqd_http_serve(struct aqd_http *h, const struct pollfd *pfd,
		    unsigned int n, uint64_t now_ns, aqd_http_render_t render,
		    void *data)
{
	unsigned int i, k;

	for (k = 0; k < n; k++) {
		if (!pfd[k].revents)
			continue;
		if (pfd[k].fd == h->lfd) {
			accept_all(h, now_ns);
			continue;
		}
		for (i = 0; i < AQD_HTTP_MAX_CLIENTS; i++)
			if (h->c[i].fd >= 0 && h->c[i].fd == pfd[k].fd) {
				serve_client(h, &h->c[i], pfd[k].revents,
					     now_ns, render, data);
				break;
			}
	}
}

uint64_t aqd_http_next_due(const struct aqd_http *h)
{
	uint64_t due = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < AQD_HTTP_MAX_CLIENTS; i++)
		if (h->c[i].fd >= 0 && h->c[i].deadline_ns < due)
			due = h->c[i].deadline_ns;
	return due;
}

void aqd_http_expire(struct aqd_http *h, uint64_t now_ns)
{
	unsigned int i;

	for (i = 0; i < AQD_HTTP_MAX_CLIENTS; i++)
		if (h->c[i].fd >= 0 && h->c[i].deadline_ns <= now_ns)
			drop(&h->c[i]);
}
