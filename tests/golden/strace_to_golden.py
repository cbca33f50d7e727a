#!/usr/bin/env python3
"""Turn an strace log of one iproute2 command into a golden JSON file.

The log must come from
  strace -f -yy -o LOG -e trace=sendmsg,sendto,recvmsg,recvfrom \
         -e write=all -e read=all -xx -s 65536 <cmd>
so that every netlink send/receive is followed by a hex dump of its buffers.

Usage: strace_to_golden.py META_JSON LOG OUT_JSON
META_JSON holds command/setup/ifindexes/stderr/exit_status/note etc.
"""
import errno
import json
import re
import struct
import sys

SYSCALL_RE = re.compile(
    r"^(?:\[pid\s+\d+\]\s+|\d+\s+)?(sendmsg|sendto|recvmsg|recvfrom)\((\d+)(<[^>]*>)?")
OTHER_RE = re.compile(r"^(?:\[pid\s+\d+\]\s+|\d+\s+)?[a-z_0-9]+\(|^(?:\[pid\s+\d+\]\s+|\d+\s+)?(\+\+\+|---|<\.\.\.)")
DUMP_RE = re.compile(r"^ \| ([0-9a-f]{5})  (.*)$")

RTM_NAMES = {
    2: "NLMSG_ERROR", 3: "NLMSG_DONE",
    16: "RTM_NEWLINK", 17: "RTM_DELLINK", 18: "RTM_GETLINK", 19: "RTM_SETLINK",
    20: "RTM_NEWADDR", 21: "RTM_DELADDR", 22: "RTM_GETADDR",
    24: "RTM_NEWROUTE", 25: "RTM_DELROUTE", 26: "RTM_GETROUTE",
    28: "RTM_NEWNEIGH", 29: "RTM_DELNEIGH", 30: "RTM_GETNEIGH",
    32: "RTM_NEWRULE", 33: "RTM_DELRULE", 34: "RTM_GETRULE",
    36: "RTM_NEWQDISC", 37: "RTM_DELQDISC", 38: "RTM_GETQDISC",
    40: "RTM_NEWTCLASS", 41: "RTM_DELTCLASS", 42: "RTM_GETTCLASS",
    44: "RTM_NEWTFILTER", 45: "RTM_DELTFILTER", 46: "RTM_GETTFILTER",
    48: "RTM_NEWACTION", 49: "RTM_DELACTION", 50: "RTM_GETACTION",
    80: "RTM_NEWNETCONF", 82: "RTM_GETNETCONF",
    84: "RTM_NEWMDB", 85: "RTM_DELMDB", 86: "RTM_GETMDB",
    88: "RTM_NEWNSID", 89: "RTM_DELNSID", 90: "RTM_GETNSID",
    100: "RTM_NEWCHAIN", 101: "RTM_DELCHAIN", 102: "RTM_GETCHAIN",
    104: "RTM_NEWNEXTHOP", 105: "RTM_DELNEXTHOP", 106: "RTM_GETNEXTHOP",
    108: "RTM_NEWLINKPROP", 109: "RTM_DELLINKPROP",
    112: "RTM_NEWVLAN", 113: "RTM_DELVLAN", 114: "RTM_GETVLAN",
}


def parse_log(path):
    """Return list of (syscall, fd_annotation, bytes) for netlink traffic."""
    events = []
    cur = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = SYSCALL_RE.match(line)
            if m:
                if cur is not None:
                    events.append(cur)
                cur = {"syscall": m.group(1), "fd": m.group(3) or "",
                       "line": line, "data": bytearray(), "buffers": 0}
                continue
            d = DUMP_RE.match(line)
            if d and cur is not None:
                hexpart = d.group(2)[:49]
                for tok in hexpart.split():
                    cur["data"].append(int(tok, 16))
                continue
            if line.startswith(" * ") and cur is not None:
                cur["buffers"] += 1
                continue
            if OTHER_RE.match(line):
                if cur is not None:
                    events.append(cur)
                    cur = None
    if cur is not None:
        events.append(cur)
    # keep netlink only (fd annotation from -yy), and non-empty payloads
    out = []
    for e in events:
        if "NETLINK" not in e["fd"] and "AF_NETLINK" not in e["line"]:
            continue
        if not e["data"]:
            continue  # MSG_PEEK|MSG_TRUNC probes etc.
        out.append(e)
    return out


def split_msgs(buf):
    msgs = []
    off = 0
    while off + 16 <= len(buf):
        ln, typ, flags, seq, pid = struct.unpack_from("<IHHII", buf, off)
        if ln < 16 or off + ln > len(buf):
            break
        msgs.append((typ, flags, seq, pid, bytes(buf[off:off + ln])))
        off += (ln + 3) & ~3
    return msgs


# Python's errno.errorcode picks some aliases; use the Linux canonical names.
CANONICAL = {errno.EOPNOTSUPP: "EOPNOTSUPP", errno.EAGAIN: "EAGAIN",
             errno.EDEADLK: "EDEADLK"}


def errname(code):
    if code == 0:
        return None
    return CANONICAL.get(-code) or errno.errorcode.get(-code, str(code))


def describe(msgs, is_main):
    if is_main:
        return "main request"
    typ, flags, seq = msgs[0][0], msgs[0][1], msgs[0][2]
    if typ == 16 and seq == 0:
        return "iplink_have_newlink() probe: empty RTM_NEWLINK, seq 0 (send())"
    if flags & 0x300 == 0x300:
        return "dump request (%s, NLM_F_DUMP) filling iproute2's name cache" % RTM_NAMES.get(typ, typ)
    if typ == 18:
        return "RTM_GETLINK by IFLA_IFNAME: name -> ifindex lookup"
    return RTM_NAMES.get(typ, str(typ))


def parse_error(msg):
    typ, flags, seq, pid, raw = msg
    (err,) = struct.unpack_from("<i", raw, 16)
    extack = None
    # NLM_F_ACK_TLVS = 0x200; NLM_F_CAPPED = 0x100
    if flags & 0x200:
        (olen,) = struct.unpack_from("<I", raw, 20)
        off = 20 + (16 if flags & 0x100 else olen)
        off = (off + 3) & ~3
        while off + 4 <= len(raw):
            alen, atype = struct.unpack_from("<HH", raw, off)
            if alen < 4:
                break
            if atype == 1:  # NLMSGERR_ATTR_MSG
                extack = raw[off + 4:off + alen].split(b"\0")[0].decode(
                    "utf-8", "replace")
            off += (alen + 3) & ~3
    return seq, err, extack


def is_change(typ):
    return typ >= 16 and (typ - 16) % 4 != 2  # NEW/DEL/SET, not GET


def main():
    meta_path, log_path, out_path = sys.argv[1:4]
    with open(meta_path) as f:
        meta = json.load(f)
    events = parse_log(log_path)
    sends = [e for e in events if e["syscall"] in ("sendmsg", "sendto")]
    recvs = [e for e in events if e["syscall"] in ("recvmsg", "recvfrom")]

    requests, syscalls, types, parsed = [], [], [], []
    main_idx = None
    for i, e in enumerate(sends):
        requests.append(bytes(e["data"]).hex())
        syscalls.append(e["syscall"])
        msgs = split_msgs(e["data"])
        total = sum((len(m[4]) + 3) & ~3 for m in msgs)
        if not msgs or not 0 <= total - len(e["data"]) < 4:
            sys.exit("%s: payload %d is not a whole number of netlink "
                     "messages (truncated dump?)" % (out_path, i))
        parsed.append(msgs)
        types.append(",".join(RTM_NAMES.get(m[0], str(m[0])) for m in msgs))
        # seq 0 is iproute2's iplink_have_newlink() probe, never the request
        if is_change(msgs[0][0]) and msgs[0][2] != 0:
            main_idx = i
    descriptions = [describe(m, i == main_idx) for i, m in enumerate(parsed)]

    errors = {}
    for e in recvs:
        for m in split_msgs(e["data"]):
            if m[0] == 2 and len(m[4]) >= 20:
                seq, err, extack = parse_error(m)
                errors[seq] = (err, extack)

    kernel_errno = None
    kernel_extack = None
    kernel_answered = False
    if main_idx is not None:
        mseq = struct.unpack_from("<I", sends[main_idx]["data"], 8)[0]
        if mseq in errors:
            kernel_answered = True
            kernel_errno = errname(errors[mseq][0])
            kernel_extack = errors[mseq][1]

    out = {
        "command": meta["command"],
        "setup": meta["setup"],
        "requests": requests,
        "main": main_idx,
        "kernel_errno": kernel_errno,
        "note": meta.get("note", ""),
        "ifindexes": meta.get("ifindexes", {}),
        "request_syscalls": syscalls,
        "request_types": types,
        "request_descriptions": descriptions,
        "kernel_extack": kernel_extack,
        "kernel_answered": kernel_answered,
        "exit_status": meta.get("exit_status"),
        "stderr": meta.get("stderr", ""),
        "iproute2": meta.get("iproute2"),
        "kernel": meta.get("kernel"),
    }
    if meta.get("setup_failures"):
        out["setup_failures"] = meta["setup_failures"]
    if main_idx is None:
        extra = ("iproute2 sent no change request (RTM_NEW*/DEL*/SET*); "
                 "it rejected the command before sending it.")
        out["note"] = (out["note"] + " " + extra).strip()
    with open(out_path, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
