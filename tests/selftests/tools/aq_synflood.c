// SPDX-License-Identifier: GPL-2.0
/*
 * aq_synflood: TCP SYNs with distinct 4-tuples, as fast as one CPU can
 * hand them to a device (AF_PACKET, PACKET_QDISC_BYPASS, sendmmsg), for
 * tests/selftests/syn_flood.sh. The frames are built here, Ethernet up:
 * no route lookup, neighbour or socket layer of the sending namespace.
 *
 *   aq_synflood --dev DEV --smac MAC --dmac MAC --dst ADDR --dport PORT
 *               [--start K] [--step P] [--count N] [--seconds S]
 *               [--batch B] [--cpu C]
 *   aq_synflood --raw --dst ADDR --dport PORT [...]
 *
 * --raw sends the same SYNs, from the IP header on, through a raw IP
 * socket (IPPROTO_RAW: the header as built): locally generated packets of
 * the namespace it runs in, routed there (output path and POST_ROUTING),
 * instead of frames arriving from a link.
 *
 * Flow number i (i = K, K + P, K + 2P, ...; N of them, 0 = until SIGINT or
 * SIGTERM or --seconds) has source 100.64.0.0/10 + (i mod 2^22) and
 * source port 1024 + (i / 2^22) mod 64512: every i below 2^22 * 64512
 * is a 4-tuple of its own, and none is a martian source (no multicast,
 * loopback, 0/8 or class E address). P processes with the same P and
 * K = 0..P-1 send disjoint sets of flows. The sequence number is a hash
 * of i; no options, window 64240 (hping3 -S sends the same 40 bytes).
 *
 * On exit: one line "aq_synflood: sent N frames (flows K..L step P) in
 * S s, R/s, E send errors" on stdout; status 0, 1 on a setup error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_LEN	(14 + 20 + 20)
#define MAX_BATCH	256
#define SRC_NET		0x64400000u	/* 100.64.0.0/10 */
#define SRC_BITS	22
#define SPORT_BASE	1024u
#define SPORT_SPAN	64512u

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "aq_synflood: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: aq_synflood (--dev DEV --smac MAC --dmac MAC | "
		"--raw) --dst ADDR --dport PORT [--start K] [--step P] "
		"[--count N] [--seconds S] [--batch B] [--cpu C]\n");
	exit(2);
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || !*s || *s == '-')
		usage();
	return v;
}

/* The one's complement sum of len bytes (len even), not folded. */
static uint32_t sum16(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* Frame of flow i: only the source address, port, sequence number and the
 * two checksums change. */
static void build(uint8_t *f, const uint8_t *tmpl, uint64_t i, uint32_t daddr)
{
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint32_t saddr = SRC_NET | (uint32_t)(i & ((1u << SRC_BITS) - 1));
	uint16_t sport = SPORT_BASE + (uint16_t)((i >> SRC_BITS) % SPORT_SPAN);
	uint32_t seq = (uint32_t)(i * 2654435761u) ^ 0x5a5a1234u, sum;
	uint8_t pseudo[12];

	memcpy(f, tmpl, FRAME_LEN);
	put16(ip + 4, (uint16_t)i);		/* id */
	put32(ip + 12, saddr);
	put16(ip + 10, 0);
	put16(ip + 10, fold(sum16(ip, 20, 0)));
	put16(tcp, sport);
	put32(tcp + 4, seq);
	put32(pseudo, saddr);
	put32(pseudo + 4, daddr);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	put16(pseudo + 10, 20);
	put16(tcp + 16, 0);
	sum = sum16(pseudo, sizeof(pseudo), 0);
	put16(tcp + 16, fold(sum16(tcp, 20, sum)));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'i' },
		{ "smac", required_argument, NULL, 's' },
		{ "dmac", required_argument, NULL, 'd' },
		{ "dst", required_argument, NULL, 'a' },
		{ "dport", required_argument, NULL, 'p' },
		{ "start", required_argument, NULL, 'k' },
		{ "step", required_argument, NULL, 'P' },
		{ "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "batch", required_argument, NULL, 'b' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "raw", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	static uint8_t frames[MAX_BATCH][FRAME_LEN];
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	const char *dev = NULL;
	uint8_t smac[6], dmac[6], tmpl[FRAME_LEN] = { 0 };
	int have_smac = 0, have_dmac = 0, cpu = -1, fd, one = 1, o, raw = 0;
	size_t skip;
	uint64_t start = 0, step = 1, count = 0, sent = 0, i, errors = 0;
	unsigned int batch = 64, dport = 0, b;
	double seconds = 0, t0, t1;
	struct in_addr dst = { 0 };
	struct sockaddr_ll sll = { 0 };
	struct sockaddr_in sin = { 0 };
	struct sigaction sa = { 0 };

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'i': dev = optarg; break;
		case 's': have_smac = !parse_mac(optarg, smac); if (!have_smac) usage(); break;
		case 'd': have_dmac = !parse_mac(optarg, dmac); if (!have_dmac) usage(); break;
		case 'a': if (inet_pton(AF_INET, optarg, &dst) != 1) usage(); break;
		case 'p': dport = (unsigned int)num(optarg); break;
		case 'k': start = num(optarg); break;
		case 'P': step = num(optarg); break;
		case 'n': count = num(optarg); break;
		case 't': seconds = (double)num(optarg); break;
		case 'b': batch = (unsigned int)num(optarg); break;
		case 'c': cpu = (int)num(optarg); break;
		case 'r': raw = 1; break;
		default: usage();
		}
	}
	if (raw) {
		dev = "-";
		have_smac = have_dmac = 1;
		memset(smac, 0, sizeof(smac));
		memset(dmac, 0, sizeof(dmac));
	}
	if (optind != argc || !dev || !have_smac || !have_dmac || !dst.s_addr ||
	    !dport || dport > 65535 || !step || !batch || batch > MAX_BATCH)
		usage();

	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity");
	}
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (raw) {
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
		if (fd < 0)
			die("socket(AF_INET, SOCK_RAW)");
		sin.sin_family = AF_INET;
		sin.sin_addr = dst;
	} else {
		fd = socket(AF_PACKET, SOCK_RAW, 0);	/* send only */
		if (fd < 0)
			die("socket(AF_PACKET)");
		if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
			       sizeof(one)))
			die("PACKET_QDISC_BYPASS");
		/* Bound with protocol 0: the socket receives nothing. Each
		 * frame names its device and protocol. */
		sll.sll_family = AF_PACKET;
		sll.sll_ifindex = (int)if_nametoindex(dev);
		if (!sll.sll_ifindex)
			die(dev);
		if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
			die("bind");
		sll.sll_protocol = htons(ETH_P_IP);
		sll.sll_halen = 6;
		memcpy(sll.sll_addr, dmac, 6);
	}
	skip = raw ? 14 : 0;

	/* Ethernet, IPv4 (DF, TTL 64), TCP SYN to dst:dport. */
	memcpy(tmpl, dmac, 6);
	memcpy(tmpl + 6, smac, 6);
	put16(tmpl + 12, ETH_P_IP);
	tmpl[14] = 0x45;
	put16(tmpl + 16, 40);
	put16(tmpl + 20, 0x4000);
	tmpl[22] = 64;
	tmpl[23] = IPPROTO_TCP;
	memcpy(tmpl + 30, &dst.s_addr, 4);
	put16(tmpl + 36, (uint16_t)dport);
	tmpl[46] = 5 << 4;			/* data offset */
	tmpl[47] = 0x02;			/* SYN */
	put16(tmpl + 48, 64240);

	for (b = 0; b < batch; b++) {
		iov[b].iov_base = frames[b] + skip;
		iov[b].iov_len = FRAME_LEN - skip;
		msgs[b].msg_hdr.msg_iov = &iov[b];
		msgs[b].msg_hdr.msg_iovlen = 1;
		if (raw) {
			msgs[b].msg_hdr.msg_name = &sin;
			msgs[b].msg_hdr.msg_namelen = sizeof(sin);
		} else {
			msgs[b].msg_hdr.msg_name = &sll;
			msgs[b].msg_hdr.msg_namelen = sizeof(sll);
		}
	}

	t0 = now_s();
	i = start;
	while (!stop && (!count || sent < count)) {
		unsigned int n = batch, done = 0;
		int r;

		if (count && count - sent < n)
			n = (unsigned int)(count - sent);
		for (b = 0; b < n; b++)
			build(frames[b], tmpl, i + b * step, ntohl(dst.s_addr));
		while (done < n && !stop) {
			r = sendmmsg(fd, msgs + done, n - done, 0);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno != ENOBUFS && errno != EAGAIN)
					die("sendmmsg");
				errors++;
				sched_yield();
				continue;
			}
			done += (unsigned int)r;
		}
		sent += done;
		i += (uint64_t)done * step;
		if (seconds > 0 && now_s() - t0 >= seconds)
			break;
	}
	t1 = now_s() - t0;
	printf("aq_synflood: sent %llu frames (flows %llu..%llu step %llu) in %.1f s, "
	       "%.0f/s, %llu send errors\n", (unsigned long long)sent,
	       (unsigned long long)start,
	       (unsigned long long)(sent ? start + (sent - 1) * step : start),
	       (unsigned long long)step, t1, t1 > 0 ? sent / t1 : 0.0,
	       (unsigned long long)errors);
	close(fd);
	return 0;
}
