// SPDX-License-Identifier: GPL-2.0
/*
 * aquariusd: keeps one POSIX shm object per VIP of the aquarius module
 * (a copy of the kernel region and an action area for weights, format in
 * aquarius_shm.h), applies the weights controllers write there, and serves
 * Prometheus metrics. One thread, one poll() loop:
 *
 *	netlink events -> VIPs added, changed, removed (vips.c)
 *	every resync_ms -> a full dump (lost events, the module gone)
 *	per VIP, twice per snapshot interval -> a copy (mirror.c)
 *	every poll_ms -> the action areas (action.c), rate-limited
 *	HTTP clients -> GET /metrics (http.c, metrics.c)
 *	signalfd -> SIGTERM/SIGINT: unlink everything and exit;
 *		    SIGHUP: reload the configuration
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "netlink.h"
#include "vips.h"

#define AQD_VERSION		"0.1.0"
#define MAX_OVERRIDES		32
/* Largest /metrics answer. */
#define METRICS_MAX_BYTES	(32u << 20)

struct override {
	const char *key;
	const char *value;
};

struct daemon {
	const char *config_path;
	bool config_explicit;		/* -c given: the file must exist */
	struct override ov[MAX_OVERRIDES];
	unsigned int nr_ov;
	struct aqd_config cfg;
	struct aqd_nl nl;
	struct aqd_vips vips;
	struct aqd_http http;
	struct aqd_health health;
	uint64_t next_resync_ns;
	uint64_t next_poll_ns;
	int sfd;
	bool stop;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: aquariusd [options]\n"
		"  -c FILE        configuration file (default %s, may be absent)\n"
		"  -m MODE        shm_mode: octal mode of the shm objects (0660)\n"
		"  -g GROUP       shm_group: group of the shm objects\n"
		"  -r MS          rate_limit_ms: weights applied per VIP at most once per MS (100)\n"
		"  -p MS          poll_ms: action areas polled every MS (20)\n"
		"  -R MS          resync_ms: full netlink dump every MS (1000)\n"
		"  -l ADDR:PORT   listen: Prometheus endpoint (%s), or off\n"
		"  -L TARGET      log: stderr or syslog\n"
		"  -D PATH        device (/dev/aquarius)\n"
		"  -d             debug messages\n"
		"  -o KEY=VALUE   any configuration key\n"
		"  -t             check the configuration and exit\n"
		"  -V             version\n",
		AQD_DEFAULT_CONFIG, AQD_DEFAULT_LISTEN);
}

/* Defaults, then the file, then the command line. */
static int build_config(const struct daemon *d, struct aqd_config *c)
{
	char err[AQD_CONFIG_ERR_LEN];
	unsigned int i;
	int ret;

	aqd_config_defaults(c);
	ret = aqd_config_load(c, d->config_path, err, sizeof(err));
	if (ret == -ENOENT && !d->config_explicit)
		ret = 0;
	if (ret) {
		aqd_err("%s", err);
		return ret;
	}
	for (i = 0; i < d->nr_ov; i++) {
		ret = aqd_config_set(c, d->ov[i].key, d->ov[i].value, err,
				     sizeof(err));
		if (ret) {
			aqd_err("command line: %s", err);
			return ret;
		}
	}
	return 0;
}

static int add_override(struct daemon *d, const char *key, const char *value)
{
	if (d->nr_ov >= MAX_OVERRIDES) {
		fprintf(stderr, "aquariusd: too many options\n");
		return -1;
	}
	d->ov[d->nr_ov++] = (struct override){ key, value };
	return 0;
}

static int parse_args(struct daemon *d, int argc, char **argv, bool *test)
{
	static const char *const keys[128] = {
		['m'] = "shm_mode", ['g'] = "shm_group", ['r'] = "rate_limit_ms",
		['p'] = "poll_ms", ['R'] = "resync_ms", ['l'] = "listen",
		['L'] = "log", ['D'] = "device",
	};
	char *eq;
	int opt;

	d->config_path = AQD_DEFAULT_CONFIG;
	while ((opt = getopt(argc, argv, "c:m:g:r:p:R:l:L:D:do:tVh")) != -1) {
		switch (opt) {
		case 'c':
			d->config_path = optarg;
			d->config_explicit = true;
			break;
		case 'd':
			if (add_override(d, "debug", "yes"))
				return 2;
			break;
		case 'o':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg) {
				fprintf(stderr, "aquariusd: -o wants KEY=VALUE\n");
				return 2;
			}
			*eq = '\0';
			if (add_override(d, optarg, eq + 1))
				return 2;
			break;
		case 't':
			*test = true;
			break;
		case 'V':
			printf("aquariusd %s\n", AQD_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			if (opt > 0 && opt < 128 && keys[opt]) {
				if (add_override(d, keys[opt], optarg))
					return 2;
				break;
			}
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	return 0;
}

static int start_http(struct daemon *d)
{
	char err[256];
	int ret;

	if (!d->cfg.listen_enabled)
		return 0;
	ret = aqd_http_listen(&d->http, d->cfg.listen_addr, d->cfg.listen_port,
			      err, sizeof(err));
	if (ret)
		aqd_err("%s", err);
	else
		aqd_info("metrics at http://%s%s%s:%u/metrics",
			 strchr(d->cfg.listen_addr, ':') ? "[" : "",
			 d->cfg.listen_addr,
			 strchr(d->cfg.listen_addr, ':') ? "]" : "",
			 d->cfg.listen_port);
	return ret;
}

static void reload(struct daemon *d)
{
	struct aqd_config c;
	bool listen_changed;

	if (build_config(d, &c)) {
		d->health.reload_errors++;
		aqd_err("SIGHUP: configuration not reloaded, old settings kept");
		return;
	}
	listen_changed = c.listen_enabled != d->cfg.listen_enabled ||
			 strcmp(c.listen_addr, d->cfg.listen_addr) ||
			 c.listen_port != d->cfg.listen_port;
	d->cfg = c;
	aqd_log_open(c.log_target, c.debug);
	aqd_vips_reconfigure(&d->vips, &d->cfg);
	if (listen_changed) {
		aqd_http_close(&d->http);
		aqd_http_init(&d->http, METRICS_MAX_BYTES);
		start_http(d);
	}
	d->health.reloads++;
	aqd_info("configuration reloaded");
}

static void on_vip(const struct aqmsg_vip *vip, void *data)
{
	struct daemon *d = data;

	aqd_vips_update(&d->vips, vip, now_ns());
}

static void lost_family(struct daemon *d, uint64_t now, const char *why)
{
	aqd_warn("netlink: %s; VIPs dropped, reconnecting", why);
	aqd_vips_clear(&d->vips, true);
	aqd_nl_disconnect(&d->nl, now);
	d->health.connected = false;
}

static void resync(struct daemon *d, uint64_t now)
{
	char err[512];

	aqd_vips_mark(&d->vips);
	if (aqd_nl_dump(&d->nl, on_vip, d, err, sizeof(err))) {
		lost_family(d, now, err);
		return;
	}
	aqd_vips_sweep(&d->vips);
	d->health.resyncs++;
	d->next_resync_ns = now + (uint64_t)d->cfg.resync_ms * 1000000ULL;
}

static void try_connect(struct daemon *d, uint64_t now)
{
	static int last_err;
	char err[512];
	int ret;

	ret = aqd_nl_connect(&d->nl, now, err, sizeof(err));
	if (ret) {
		/* Once per kind of failure, not every retry. */
		if (ret != last_err)
			aqd_warn("%s (retrying)", err);
		last_err = ret;
		return;
	}
	last_err = 0;
	d->health.connected = true;
	aqd_info("netlink: family %s found", AQ_GENL_NAME);
	resync(d, now);
}

static void read_events(struct daemon *d, uint64_t now)
{
	char err[256];
	int ret;

	ret = aqd_nl_read_events(&d->nl, on_vip, d, err, sizeof(err));
	if (ret == -ENOBUFS) {
		aqd_warn("netlink: events lost, full dump");
		resync(d, now);
	} else if (ret) {
		lost_family(d, now, err);
	}
}

static int render_metrics(struct aqd_buf *body, void *data)
{
	struct daemon *d = data;

	d->health.scrapes++;
	d->health.connects = d->nl.connects;
	d->health.events = d->nl.events;
	d->health.events_lost = d->nl.events_lost;
	if (aqd_metrics_write(body, &d->vips, &d->health)) {
		aqd_err("metrics: output larger than %u bytes or no memory",
			METRICS_MAX_BYTES);
		return -1;
	}
	return 0;
}

static void handle_signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(d);
		} else {
			aqd_info("signal %u: exiting", si.ssi_signo);
			d->stop = true;
		}
	}
}

static int timeout_ms(uint64_t due, uint64_t now)
{
	uint64_t ms;

	if (due <= now)
		return 0;
	ms = (due - now + 999999) / 1000000;
	return ms > 60000 ? 60000 : (int)ms;
}

static void run(struct daemon *d)
{
	struct pollfd pfd[2 + 1 + AQD_HTTP_MAX_CLIENTS];
	unsigned int n, http_first, i;
	uint64_t now, due, t;
	int ev_idx, ret;

	while (!d->stop) {
		now = now_ns();
		if (!d->nl.up && now >= d->nl.retry_at_ns)
			try_connect(d, now);
		if (d->nl.up && now >= d->next_resync_ns)
			resync(d, now);
		aqd_vips_mirror(&d->vips, now);
		if (now >= d->next_poll_ns) {
			if (d->nl.up)
				aqd_vips_actions(&d->vips, &d->nl, now);
			d->next_poll_ns = now + (uint64_t)d->cfg.poll_ms * 1000000ULL;
		}
		aqd_http_expire(&d->http, now);

		due = d->next_poll_ns;
		t = d->nl.up ? d->next_resync_ns : d->nl.retry_at_ns;
		if (t < due)
			due = t;
		t = aqd_vips_next_due(&d->vips);
		if (t < due)
			due = t;
		t = aqd_http_next_due(&d->http);
		if (t < due)
			due = t;

		n = 0;
		pfd[n++] = (struct pollfd){ .fd = d->sfd, .events = POLLIN };
		ev_idx = -1;
		if (d->nl.up) {
			ev_idx = (int)n;
			pfd[n++] = (struct pollfd){ .fd = aqd_nl_event_fd(&d->nl),
						    .events = POLLIN };
		}
		http_first = n;
		n += aqd_http_pollfds(&d->http, &pfd[n]);

		ret = poll(pfd, n, timeout_ms(due, now_ns()));
		if (ret < 0) {
			if (errno != EINTR)
				aqd_err("poll: %s", strerror(errno));
			continue;
		}
		now = now_ns();
		if (pfd[0].revents)
			handle_signals(d);
		if (ev_idx >= 0 && pfd[ev_idx].revents && d->nl.up)
			read_events(d, now);
		for (i = http_first; i < n; i++)
			if (pfd[i].revents) {
				aqd_http_serve(&d->http, &pfd[http_first],
					       n - http_first, now,
					       render_metrics, d);
				break;
			}
	}
}

int main(int argc, char **argv)
{
	static struct daemon d;	/* large (VIP parse buffers): not on the stack */
	struct timespec rt;
	bool test = false;
	sigset_t mask;
	int ret;

	ret = parse_args(&d, argc, argv, &test);
	if (ret)
		return ret;
	if (build_config(&d, &d.cfg))
		return 1;
	if (test) {
		printf("configuration ok\n");
		return 0;
	}
	aqd_log_open(d.cfg.log_target, d.cfg.debug);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d.sfd < 0) {
		aqd_err("signalfd: %s", strerror(errno));
		return 1;
	}

	clock_gettime(CLOCK_REALTIME, &rt);
	d.health.start_time = (double)rt.tv_sec + rt.tv_nsec / 1e9;
	aqd_nl_init(&d.nl);
	aqd_vips_init(&d.vips, &d.cfg);
	aqd_http_init(&d.http, METRICS_MAX_BYTES);
	if (start_http(&d))
		return 1;
	aqd_info("aquariusd %s started (pid %d)", AQD_VERSION, (int)getpid());

	run(&d);

	aqd_vips_clear(&d.vips, true);
	aqd_http_close(&d.http);
	aqd_nl_disconnect(&d.nl, now_ns());
	close(d.sfd);
	aqd_info("stopped");
	aqd_log_close();
	return 0;
}
