/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Aquarius: passive per-backend service features, exported for ML.
 *
 * This header is the manual of the interface between the aquarius module
 * and userspace. Everything a reader of the exported memory needs is here.
 *
 * Services and backends
 * ---------------------
 * A service ("VIP") has a name, an address (IPv4 or IPv6), a protocol (TCP
 * or UDP), a port and up to AQ_MAX_BACKENDS backends. Each backend sits in a
 * fixed column 0..AQ_MAX_BACKENDS-1 and has an active bit. A packet belongs
 * to backend i of a VIP when it is addressed to that backend's address and
 * port with the VIP's protocol (the module hooks where destination NAT has
 * already happened, so it sees what IPVS or nftables chose).
 *
 * A VIP in mode nat or ipip is also balanced by the module: a packet to the
 * VIP's address, port and protocol goes to the backend of its flow, chosen
 * for a new flow by the VIP's scheduler among the backends that are
 * active, not draining and of weight > 0 (see enum aq_mode, enum
 * aq_sched). Such packets are observed before routing, keyed by the VIP.
 *
 * Export
 * ------
 * The misc device /dev/aquarius gives each VIP of the opener's network
 * namespace a region at a page-aligned offset, given by AQ_CMD_VIP_GET
 * (AQ_A_VIP_REGION_OFFSET, AQ_A_VIP_REGION_SIZE) and listed in
 * /proc/net/aquarius:
 *
 *	vip <name> <proto> <addr> <port> offset <off> size <size>
 *	backend <column> <addr> <port> active|inactive
 *
 * The region is mapped read-only: mmap(NULL, size, PROT_READ, MAP_SHARED,
 * fd, off). PROT_WRITE, or a later mprotect() to write, fails with EACCES.
 * A region stays valid while mapped, even if its VIP is removed.
 *
 * Region layout (all fields little-endian host order, offsets from the start
 * of the region):
 *
 *	struct aq_region_header     at 0 (one page)
 *	struct aq_frame[nr_frames]  at frames_offset, frame_size bytes apart
 *	__u64 offered[backends][features]           at offered_offset
 *	__u64 slots[backends][features][slots]      at slots_offset
 *
 * Counters and snapshots (multi-buffering)
 * ----------------------------------------
 * The data path counts per CPU. Every snapshot_interval_ns a kernel timer
 * folds the per-CPU counters and the active-backend bitmap into frame
 * n % nr_frames, where n = 1, 2, 3, ... is the snapshot sequence number:
 *
 *	writer:  frame.seq = 0; smp_wmb(); write frame; smp_wmb();
 *	         frame.seq = n; smp_store_release(&hdr->latest_seq, n);
 *
 *	reader:  n  = load_acquire(hdr->latest_seq);     (0: no snapshot yet)
 *	         f  = frame n % nr_frames;
 *	         s1 = load_acquire(f->seq); copy f; smp_rmb(); s2 = f->seq;
 *	         the copy is consistent iff s1 == s2 == n, else start again.
 *
 * Readers never block the writer; a frame is rewritten only after
 * nr_frames - 1 newer snapshots, so a reader must be that slow to retry.
 *
 * Sampled features (reservoirs)
 * -----------------------------
 * Each (backend, feature) pair has a reservoir of `slots` slots (a power of
 * two), filled as in the paper's Algorithm 1: every offered sample replaces
 * a uniformly random slot. offered[b][f] counts the samples offered so far
 * (a rate, when differenced), as of the latest snapshot: the data path
 * counts per CPU and the snapshot timer writes the sums here just before
 * it writes frame n, so after reading frame n they are at least that new.
 * The slots themselves are live. A slot is one 64-bit word, written with one
 * store, so it is never seen half-written:
 *
 *	bits 63..32  time: ms since epoch_ns (CLOCK_MONOTONIC), >= 1
 *	bits 31..0   value, in the feature's unit; signed if AQ_FIELD_SIGNED
 *
 * A slot equal to 0 is empty. The age of a sample in ms is
 * (__u32)(now_ms - time) for samples younger than 49 days. Values that do
 * not fit saturate at the type's limit.
 *
 * Weights
 * -------
 * The header also shows the VIP's mode, scheduler and backend weights, as
 * last set through netlink. The kernel rewrites them as one set:
 *
 *	writer:  weights_seq++ (odd); smp_wmb(); write weights[], draining;
 *	         smp_wmb(); weights_seq++ (even)
 *	reader:  s1 = load_acquire(weights_seq); copy; smp_rmb();
 *	         s2 = weights_seq; consistent iff s1 == s2 and s1 is even.
 *
 * A backend receives new flows iff it is active, its weight is not 0 and
 * it is not draining. Established flows stay where they are.
 */
#ifndef _UAPI_LINUX_AQUARIUS_H
#define _UAPI_LINUX_AQUARIUS_H

#include <linux/types.h>

#define AQ_REGION_MAGIC		0x41515541	/* "AQUA" read as LE bytes */
#define AQ_LAYOUT_VERSION	2
#define AQ_MAX_BACKENDS		64
#define AQ_NAME_LEN		32		/* VIP name, NUL included */
#define AQ_NR_FRAMES		4
#define AQ_DEVICE_PATH		"/dev/aquarius"
#define AQ_PROC_PATH		"/proc/net/aquarius"

/* Per-backend counters, 64-bit, cumulative since the VIP was created. */
enum aq_counter {
	AQ_C_N_PACKET,	/* packets to the backend */
	AQ_C_N_FLOW,	/* flows started (tracked) */
	AQ_C_N_FCT,	/* flows completed: FIN, RST or idle timeout, once each */
	AQ_C_N_FLOW_ON,	/* flows in progress (as a signed 64-bit value) */
	AQ_C_N_CLS,	/* new flows left untracked: no room in the flow table */
	AQ_C_N_OOO,	/* ACKs going backwards (out of order) */
	AQ_C_N_DPK,	/* duplicate ACKs (no new data acknowledged) */
	AQ_C_N_RTR,	/* retransmitted SYNs and data segments */
	AQ_NR_COUNTERS
};

/* Per-VIP counters: packets the module saw but could not attribute. */
enum aq_vip_counter {
	AQ_VC_MALFORMED,	/* truncated or invalid headers */
	AQ_VC_FRAGMENT,		/* IP fragments (not parsed) */
	AQ_VC_OTHER,		/* to a backend address, unknown port/proto */
	AQ_VC_DROPPED,		/* to a balanced VIP, dropped: no backend */
	AQ_NR_VIP_COUNTERS
};

/* Sampled features. Units are fixed here and repeated in the region. */
enum aq_feature {
	AQ_F_BYTE_P,		/* B:  bytes acknowledged by an ACK (server->client) */
	AQ_F_BYTE_F_ON,		/* B:  bytes of an ongoing flow so far */
	AQ_F_BYTE_F,		/* B:  bytes of a flow, when it ends */
	AQ_F_IAT_F,		/* us: time between new flows to the backend */
	AQ_F_IAT_P,		/* us: time between packets to the backend */
	AQ_F_IAT_PPF,		/* us: time between packets of one flow */
	AQ_F_FLOW_DURATION,	/* us: age of an ongoing flow at a data ACK */
	AQ_F_FCT,		/* us: flow completion time, when it ends */
	AQ_F_WIN,		/* B:  client's receive window (scaled) */
	AQ_F_D_WIN,		/* B:  change of that window (signed) */
	AQ_F_LAT_SYNACK,	/* us: SYN to first ACK */
	AQ_F_PT_1ST,		/* us: server time to first reply of a request */
	AQ_F_PT_GEN,		/* us: server time to later replies */
	AQ_NR_FEATURES
};

#define AQ_FIELD_SIGNED		0x1U	/* value is a signed 32-bit integer */
#define AQ_FIELD_TCP_ONLY	0x2U	/* only sampled for TCP services */

/* Name and unit of one counter or feature, as stored in the region. */
struct aq_field_desc {
	char name[16];
	char unit[8];
	__u32 flags;		/* AQ_FIELD_* */
	__u32 reserved;
};

struct aq_backend_desc {
	__u8 addr[16];		/* IPv4 in the first 4 bytes */
	__u16 port;		/* host order */
	__u8 family;		/* AF_INET, AF_INET6, 0 for an unused column */
	__u8 reserved[5];
};

/* The first page of a region. */
struct aq_region_header {
	__u32 magic;			/* AQ_REGION_MAGIC */
	__u32 version;			/* AQ_LAYOUT_VERSION */
	__u32 header_size;		/* sizeof(struct aq_region_header) */
	__u32 region_size;		/* bytes, page multiple */
	__u32 nr_backends;		/* columns: AQ_MAX_BACKENDS */
	__u32 nr_slots;			/* reservoir slots, power of two */
	__u32 nr_counters;		/* AQ_NR_COUNTERS */
	__u32 nr_vip_counters;		/* AQ_NR_VIP_COUNTERS */
	__u32 nr_features;		/* AQ_NR_FEATURES */
	__u32 nr_frames;		/* AQ_NR_FRAMES */
	__u32 frames_offset;
	__u32 frame_size;
	__u32 offered_offset;
	__u32 slots_offset;
	__u64 epoch_ns;			/* CLOCK_MONOTONIC of sample time 0 */
	__u64 snapshot_interval_ns;
	__u64 latest_seq;		/* newest complete frame, see above */
	char name[AQ_NAME_LEN];		/* VIP name, NUL-terminated */
	__u8 vip_addr[16];
	__u16 vip_port;
	__u8 vip_family;		/* AF_INET or AF_INET6 */
	__u8 vip_proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	__u32 reserved;
	struct aq_backend_desc backends[AQ_MAX_BACKENDS];
	struct aq_field_desc counters[AQ_NR_COUNTERS];
	struct aq_field_desc vip_counters[AQ_NR_VIP_COUNTERS];
	struct aq_field_desc features[AQ_NR_FEATURES];
	/* Load balancing state (layout version 2), see "Weights" above. */
	__u8 mode;			/* enum aq_mode */
	__u8 sched;			/* enum aq_sched */
	__u16 reserved2;
	__u32 weights_seq;		/* odd while weights are rewritten */
	__u64 draining;			/* bit i set: backend i drains */
	__u32 weights[AQ_MAX_BACKENDS];	/* configured weight per column */
};

/* One snapshot of the counters. */
struct aq_frame {
	__u64 seq;			/* n, or 0 while being written */
	__u64 time_ns;			/* CLOCK_MONOTONIC of the fold */
	__u64 active;			/* bit i set: backend i is active */
	__u64 vip_counters[AQ_NR_VIP_COUNTERS];
	__u64 counters[AQ_MAX_BACKENDS][AQ_NR_COUNTERS];
};

/* Slot encoding helpers. */
#define AQ_SLOT_TIME_MS(s)	((__u32)((__u64)(s) >> 32))
#define AQ_SLOT_VALUE(s)	((__u32)(s))

/*
 * Generic netlink family AQ_GENL_NAME
 * ===================================
 * Configures VIPs and backends of the caller's network namespace (the
 * family is netnsok; a namespace sees and changes only its own VIPs).
 * Commands marked (admin) need CAP_NET_ADMIN in the initial user
 * namespace (GENL_ADMIN_PERM), else EPERM: the root of a user namespace
 * gets EPERM even in a network namespace it owns. Every command is
 * strictly validated: unknown attributes, attributes a command does not
 * take, and wrong lengths are rejected with EINVAL, a value (or the length
 * of a binary attribute) outside its documented bounds with ERANGE, each
 * with an extended ACK that points at the attribute; a missing required
 * attribute is reported as missing (NLMSGERR_ATTR_MISS_TYPE). A rejected
 * command changes nothing.
 *
 * AQ_CMD_VIP_NEW (admin): create a VIP.
 *	required: AQ_A_VIP_NAME, AQ_A_VIP_ADDR, AQ_A_VIP_PORT, AQ_A_VIP_PROTO
 *	optional: AQ_A_VIP_MODE (AQ_MODE_OBSERVE), AQ_A_VIP_SCHED
 *		  (AQ_SCHED_MAGLEV), AQ_A_VIP_SNAPSHOT_MS (module default),
 *		  AQ_A_VIP_BACKENDS (initial backends, as for BACKEND_NEW)
 *	errors: EEXIST name, or a backend (address, port, protocol) already
 *		in use in the namespace, or the (address, port, protocol) of
 *		another VIP; ENOSPC past AQ_MAX_VIPS VIPs.
 * AQ_CMD_VIP_DEL (admin): remove a VIP. required: AQ_A_VIP_NAME.
 *	Its flows end (counted as completed), its region stays valid while
 *	mapped. errors: ENOENT.
 * AQ_CMD_VIP_GET: one VIP (AQ_A_VIP_NAME) or, as a dump, all of them.
 *	The reply (cmd AQ_CMD_VIP_NEW) carries every VIP attribute, the
 *	region to mmap (AQ_A_VIP_ID, AQ_A_VIP_REGION_OFFSET and _SIZE) and
 *	AQ_A_VIP_BACKENDS with every backend's column, address, port, weight
 *	and drain flag.
 * AQ_CMD_VIP_SET (admin): change a VIP. required: AQ_A_VIP_NAME.
 *	optional: AQ_A_VIP_MODE, AQ_A_VIP_SCHED, AQ_A_VIP_SNAPSHOT_MS.
 *	Established flows keep their backend across a scheduler change and
 *	between nat and ipip; between observe and a balancing mode the flows
 *	are keyed differently, so they end (counted as completed). Address,
 *	port and protocol are fixed: delete and re-add.
 * AQ_CMD_BACKEND_NEW (admin): add a backend. required: AQ_A_VIP_NAME,
 *	AQ_A_BACKEND with AQ_BA_ADDR and AQ_BA_PORT; optional AQ_BA_COLUMN
 *	(default: the first free one), AQ_BA_WEIGHT (default 1), AQ_BA_DRAIN.
 *	The backend's family is the VIP's. errors: EEXIST column or address in
 *	use, ENOSPC all AQ_MAX_BACKENDS columns taken.
 * AQ_CMD_BACKEND_DEL (admin): remove a backend, named by AQ_BA_COLUMN or by
 *	AQ_BA_ADDR and AQ_BA_PORT inside AQ_A_BACKEND. Its flows end at once
 *	(counted as completed) and are no longer forwarded to it.
 *	errors: ENOENT.
 * AQ_CMD_BACKEND_SET (admin): change AQ_BA_WEIGHT and/or AQ_BA_DRAIN of a
 *	backend named as for BACKEND_DEL.
 * AQ_CMD_WEIGHTS_SET (admin): set the weights of all backends at once.
 *	required: AQ_A_VIP_NAME, AQ_A_VIP_WEIGHTS (one __u32 per column from
 *	column 0, at most AQ_MAX_BACKENDS). Every column holding a backend must
 *	be covered; a column without a backend must get 0. New flows see
 *	either the old or the new set, never a mix.
 *
 * Events: every successful write command is announced to the multicast
 * group AQ_GENL_MCGRP_EVENTS with the same command number; the message
 * carries the VIP as a VIP_GET reply does (AQ_CMD_VIP_DEL: name and id only).
 *
 * Weights: 0..AQ_MAX_WEIGHT; 0 drains the backend like AQ_BA_DRAIN.
 * Addresses are raw network-order bytes: 4 for IPv4, 16 for IPv6. Ports
 * are host-order __u16, 1..65535.
 */
#define AQ_GENL_NAME		"aquarius"
#define AQ_GENL_VERSION		1
#define AQ_GENL_MCGRP_EVENTS	"events"
#define AQ_MAX_VIPS		256	/* per network namespace */
#define AQ_MAX_WEIGHT		65535
#define AQ_SNAPSHOT_MS_MIN	10
#define AQ_SNAPSHOT_MS_MAX	60000
/* A VIP's region is mapped at offset id << AQ_REGION_OFFSET_SHIFT. */
#define AQ_REGION_OFFSET_SHIFT	32

enum aq_mode {
	AQ_MODE_OBSERVE,	/* count only; something else forwards */
	AQ_MODE_NAT,		/* rewrite VIP to backend, replies back */
	AQ_MODE_IPIP,		/* IPIP/IP6IP6 to the backend, direct return */
	AQ_NR_MODES
};

enum aq_sched {
	AQ_SCHED_MAGLEV,	/* weighted consistent hashing (default) */
	AQ_SCHED_SED,		/* argmin (n_flow_on + 1) / weight */
	AQ_SCHED_LSQ,		/* argmin n_flow_on */
	AQ_SCHED_RANDOM,	/* weighted random (alias table) */
	AQ_NR_SCHEDS
};

enum aq_cmd {
	AQ_CMD_UNSPEC,
	AQ_CMD_VIP_NEW,
	AQ_CMD_VIP_DEL,
	AQ_CMD_VIP_GET,
	AQ_CMD_VIP_SET,
	AQ_CMD_BACKEND_NEW,
	AQ_CMD_BACKEND_DEL,
	AQ_CMD_BACKEND_SET,
	AQ_CMD_WEIGHTS_SET,
	__AQ_CMD_MAX
};

#define AQ_CMD_MAX	(__AQ_CMD_MAX - 1)

enum aq_attr {
	AQ_A_UNSPEC,
	AQ_A_PAD,
	AQ_A_VIP_NAME,		/* string, 1..AQ_NAME_LEN-1 of [A-Za-z0-9_.-] */
	AQ_A_VIP_ADDR,		/* binary, 4 or 16 bytes */
	AQ_A_VIP_PORT,		/* __u16, 1..65535 */
	AQ_A_VIP_PROTO,		/* __u8, IPPROTO_TCP or IPPROTO_UDP */
	AQ_A_VIP_MODE,		/* __u8, enum aq_mode */
	AQ_A_VIP_SCHED,		/* __u8, enum aq_sched */
	AQ_A_VIP_SNAPSHOT_MS,	/* __u32, AQ_SNAPSHOT_MS_MIN..._MAX */
	AQ_A_VIP_ID,		/* __u32, reply only */
	AQ_A_VIP_REGION_OFFSET,	/* __u64, reply only: mmap offset */
	AQ_A_VIP_REGION_SIZE,	/* __u64, reply only: mmap length */
	AQ_A_VIP_BACKENDS,	/* nest of AQ_A_BACKEND */
	AQ_A_BACKEND,		/* nest, enum aq_backend_attr */
	AQ_A_VIP_WEIGHTS,	/* binary, __u32[1..AQ_MAX_BACKENDS] */
	__AQ_A_MAX
};

#define AQ_A_MAX	(__AQ_A_MAX - 1)

enum aq_backend_attr {
	AQ_BA_UNSPEC,
	AQ_BA_COLUMN,		/* __u8, 0..AQ_MAX_BACKENDS-1 */
	AQ_BA_ADDR,		/* binary, 4 or 16 bytes, the VIP's family */
	AQ_BA_PORT,		/* __u16, 1..65535 */
	AQ_BA_WEIGHT,		/* __u32, 0..AQ_MAX_WEIGHT */
	AQ_BA_DRAIN,		/* __u8, 0 or 1 */
	__AQ_BA_MAX
};

#define AQ_BA_MAX	(__AQ_BA_MAX - 1)

#endif /* _UAPI_LINUX_AQUARIUS_H */
