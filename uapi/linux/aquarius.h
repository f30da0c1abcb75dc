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
 * Export
 * ------
 * The misc device /dev/aquarius gives each VIP of the opener's network
 * namespace a region at a page-aligned offset, listed (until the netlink
 * family exists) in /proc/net/aquarius:
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
 * (a rate, when differenced). A slot is one 64-bit word, written with one
 * store, so it is never seen half-written:
 *
 *	bits 63..32  time: ms since epoch_ns (CLOCK_MONOTONIC), >= 1
 *	bits 31..0   value, in the feature's unit; signed if AQ_FIELD_SIGNED
 *
 * A slot equal to 0 is empty. The age of a sample in ms is
 * (__u32)(now_ms - time) for samples younger than 49 days. Values that do
 * not fit saturate at the type's limit.
 */
#ifndef _UAPI_LINUX_AQUARIUS_H
#define _UAPI_LINUX_AQUARIUS_H

#include <linux/types.h>

#define AQ_REGION_MAGIC		0x41515541	/* "AQUA" read as LE bytes */
#define AQ_LAYOUT_VERSION	1
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
	AQ_VC_RESERVED,
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

#endif /* _UAPI_LINUX_AQUARIUS_H */
