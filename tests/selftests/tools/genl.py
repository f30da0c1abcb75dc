#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A raw generic netlink client for the aquarius family, for the selftests.

Unlike aqctl it sends whatever it is told, so tests can send bad input and
check the kernel's answer: the errno and the extended ACK (message, offset
of the bad attribute, missing attribute type).

    from genl import Aquarius, A, BA
    nl = Aquarius()
    err, ext, msgs = nl.request(CMD["VIP_GET"], dump=True)
"""
import errno
import os
import socket
import struct

NETLINK_GENERIC = 16
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_DUMP = 1, 2, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_MISS_TYPE = 1, 2, 5
SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NETLINK_EXT_ACK = 270, 1, 11
NETLINK_CAP_ACK = 10
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 1, 2, 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2
NLA_F_NESTED = 0x8000

# uapi/linux/aquarius.h
CMD = {n: i for i, n in enumerate(
    ["UNSPEC", "VIP_NEW", "VIP_DEL", "VIP_GET", "VIP_SET", "BACKEND_NEW",
     "BACKEND_DEL", "BACKEND_SET", "WEIGHTS_SET"])}
A = {n: i for i, n in enumerate(
    ["UNSPEC", "PAD", "VIP_NAME", "VIP_ADDR", "VIP_PORT", "VIP_PROTO",
     "VIP_MODE", "VIP_SCHED", "VIP_SNAPSHOT_MS", "VIP_ID",
     "VIP_REGION_OFFSET", "VIP_REGION_SIZE", "VIP_BACKENDS", "BACKEND",
     "VIP_WEIGHTS"])}
BA = {n: i for i, n in enumerate(
    ["UNSPEC", "COLUMN", "ADDR", "PORT", "WEIGHT", "DRAIN"])}
MODES = ["observe", "nat", "ipip"]
SCHEDS = ["maglev", "sed", "lsq", "random"]


def nla(atype, payload):
    """One attribute: header, payload, padding to 4 bytes."""
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def u8(t, v): return nla(t, struct.pack("=B", v))
def u16(t, v): return nla(t, struct.pack("=H", v))
def u32(t, v): return nla(t, struct.pack("=I", v))
def string(t, s): return nla(t, s.encode() + b"\0")
def nest(t, *attrs): return nla(t | NLA_F_NESTED, b"".join(attrs))


def addr(t, text):
    fam = socket.AF_INET6 if ":" in text else socket.AF_INET
    return nla(t, socket.inet_pton(fam, text))


def parse_attrs(buf):
    """{type: payload} of a flat attribute stream (last one wins), plus the
    list of (type, payload) in order."""
    out, seq, off = {}, [], 0
    while off + 4 <= len(buf):
        ln, t = struct.unpack_from("=HH", buf, off)
        if ln < 4:
            break
        t &= 0x3fff
        out[t] = buf[off + 4:off + ln]
        seq.append((t, buf[off + 4:off + ln]))
        off += (ln + 3) & ~3
    return out, seq


def addr_text(raw):
    fam = socket.AF_INET6 if len(raw) == 16 else socket.AF_INET
    return socket.inet_ntop(fam, raw)


def decode_vip(payload):
    """A VIP_GET reply as a dict."""
    a, _ = parse_attrs(payload)
    vip = {"name": a[A["VIP_NAME"]].rstrip(b"\0").decode(),
           "id": struct.unpack("=I", a[A["VIP_ID"]])[0]}
    if A["VIP_ADDR"] not in a:
        return vip
    vip.update(
        addr=addr_text(a[A["VIP_ADDR"]]),
        port=struct.unpack("=H", a[A["VIP_PORT"]])[0],
        proto=a[A["VIP_PROTO"]][0],
        mode=MODES[a[A["VIP_MODE"]][0]],
        sched=SCHEDS[a[A["VIP_SCHED"]][0]],
        snapshot_ms=struct.unpack("=I", a[A["VIP_SNAPSHOT_MS"]])[0],
        offset=struct.unpack("=Q", a[A["VIP_REGION_OFFSET"]])[0],
        size=struct.unpack("=Q", a[A["VIP_REGION_SIZE"]])[0],
        backends=[])
    _, seq = parse_attrs(a.get(A["VIP_BACKENDS"], b""))
    for _t, b in seq:
        ba, _ = parse_attrs(b)
        vip["backends"].append({
            "column": ba[BA["COLUMN"]][0],
            "addr": addr_text(ba[BA["ADDR"]]),
            "port": struct.unpack("=H", ba[BA["PORT"]])[0],
            "weight": struct.unpack("=I", ba[BA["WEIGHT"]])[0],
            "drain": bool(ba[BA["DRAIN"]][0]) if BA["DRAIN"] in ba else False})
    return vip


class NetlinkError(Exception):
    pass


class Aquarius:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.bind((0, 0))
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.seq = 1000
        self.family, self.groups = self._resolve()

    def _resolve(self):
        err, _, msgs = self._request(
            GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
            string(CTRL_ATTR_FAMILY_NAME, "aquarius"), 0)
        if err:
            raise NetlinkError("family aquarius: %s" % os.strerror(err))
        a, _ = parse_attrs(msgs[0])
        fid = struct.unpack("=H", a[CTRL_ATTR_FAMILY_ID])[0]
        groups = {}
        _, seq = parse_attrs(a.get(CTRL_ATTR_MCAST_GROUPS, b""))
        for _t, g in seq:
            ga, _ = parse_attrs(g)
            groups[ga[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()] = \
                struct.unpack("=I", ga[CTRL_ATTR_MCAST_GRP_ID])[0]
        return fid, groups

    def _request(self, family, cmd, attrs, flags, version=1):
        self.seq += 1
        payload = struct.pack("=BBH", cmd, version, 0) + attrs
        msg = struct.pack("=IHHII", 16 + len(payload), family,
                          NLM_F_REQUEST | NLM_F_ACK | flags, self.seq, 0)
        self.sock.send(msg + payload)
        replies = []
        while True:
            data = self.sock.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                ln, typ, fl, seq, _pid = struct.unpack_from("=IHHII", data,
                                                            off)
                body = data[off + 16:off + ln]
                off += (ln + 3) & ~3
                if seq != self.seq:
                    continue
                if typ == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", body, 0)[0]
                    ext = {}
                    if fl & NLM_F_ACK_TLVS:
                        skip = 4 + (16 if fl & NLM_F_CAPPED else
                                    struct.unpack_from("=I", body, 4)[0])
                        ea, _ = parse_attrs(body[(skip + 3) & ~3:])
                        if NLMSGERR_ATTR_MSG in ea:
                            ext["msg"] = ea[NLMSGERR_ATTR_MSG].rstrip(
                                b"\0").decode()
                        if NLMSGERR_ATTR_OFFS in ea:
                            ext["offset"] = struct.unpack(
                                "=I", ea[NLMSGERR_ATTR_OFFS])[0]
                        if NLMSGERR_ATTR_MISS_TYPE in ea:
                            ext["missing"] = struct.unpack(
                                "=I", ea[NLMSGERR_ATTR_MISS_TYPE])[0]
                    return err, ext, replies
                if typ == NLMSG_DONE:
                    # A dump ends here (its status in the payload).
                    err = -struct.unpack_from("=i", body, 0)[0] \
                        if len(body) >= 4 else 0
                    return err, {}, replies
                replies.append(body[4:])

    def request(self, cmd, *attrs, dump=False, version=1):
        """Send one command; return (errno or 0, extack dict, payloads)."""
        return self._request(self.family, cmd, b"".join(attrs),
                             NLM_F_DUMP if dump else 0, version)

    def vips(self):
        err, ext, msgs = self.request(CMD["VIP_GET"], dump=True)
        if err:
            raise NetlinkError("dump: %s %s" % (os.strerror(err), ext))
        return [decode_vip(m) for m in msgs]

    def subscribe(self, group="events"):
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        s.bind((0, 0))
        s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, self.groups[group])
        return s


def read_events(sock, timeout=1.0):
    """Events waiting on a subscribed socket: list of (cmd, vip dict)."""
    sock.settimeout(timeout)
    out = []
    while True:
        try:
            data = sock.recv(1 << 20)
        except socket.timeout:
            return out
        off = 0
        while off + 16 <= len(data):
            ln, _typ = struct.unpack_from("=IH", data, off)
            body = data[off + 16:off + ln]
            off += (ln + 3) & ~3
            out.append((body[0], decode_vip(body[4:])))
        sock.settimeout(0.2)


ERRNO = errno.errorcode
