#!/usr/bin/env python3
"""Capture the netlink requests of conntrack, ipset and nft into tests/golden/netfilter/.

Each capture runs in a fresh network namespace (nfgold<pid>-<n>) that is always removed:
its setup commands first, then the command under
  strace -f -e trace=sendmsg,sendto -e write=all -xx -s 65536
Every datagram sent on a netlink socket is kept as hex, in order.

Usage (root): tests/golden/nf_capture.py [name-filter-regex]
The captures are listed in nf_captures.json: name -> {"setup": [...], "command": "..."}.
Commands must start with conntrack, ipset or nft; they run as `ip netns exec NS <command>`.
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "netfilter")
SYSCALL_RE = re.compile(r"^(?:\[pid\s+\d+\]\s+|\d+\s+)?(sendmsg|sendto)\((\d+)")
OTHER_RE = re.compile(r"^(?:\[pid\s+\d+\]\s+|\d+\s+)?([a-z_0-9]+\(|\+\+\+|---|<\.\.\.)")
DUMP_RE = re.compile(r"^ \| ([0-9a-f]{5})  (.*)$")
TOOLS = ("conntrack", "ipset", "nft")


def run_ns(ns, cmd, log=None):
    if cmd.split()[0] not in TOOLS:
        raise SystemExit("refusing to run %r" % cmd)
    args = ["ip", "netns", "exec", ns]
    if log:
        args += ["strace", "-f", "-o", log, "-e", "trace=sendmsg,sendto",
                 "-e", "write=all", "-xx", "-s", "65536"]
    args += ["sh", "-c", cmd] if "<" in cmd or "|" in cmd else cmd.split()
    return subprocess.run(args, capture_output=True, text=True)


def parse(log):
    sends, cur = [], None
    for line in open(log, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if SYSCALL_RE.match(line):
            if cur is not None:
                sends.append(cur)
            cur = {"line": line, "data": bytearray()}
            continue
        d = DUMP_RE.match(line)
        if d and cur is not None:
            for tok in d.group(2)[:49].split():
                cur["data"].append(int(tok, 16))
            continue
        if OTHER_RE.match(line) and cur is not None:
            sends.append(cur)
            cur = None
    if cur is not None:
        sends.append(cur)
    return [s["data"].hex() for s in sends
            if "AF_NETLINK" in s["line"] or "nl_pid" in s["line"] or s["data"]]


def main():
    if os.geteuid() != 0:
        raise SystemExit("must run as root")
    flt = re.compile(sys.argv[1]) if len(sys.argv) > 1 else None
    captures = json.load(open(os.path.join(HERE, "nf_captures.json")))
    os.makedirs(OUT, exist_ok=True)
    for n, (name, c) in enumerate(sorted(captures.items())):
        if flt and not flt.search(name):
            continue
        ns = "nfgold%d-%d" % (os.getpid(), n)
        log = "/tmp/%s.strace" % ns
        subprocess.run(["ip", "netns", "add", ns], check=True)
        try:
            for s in c.get("setup", []):
                r = run_ns(ns, s)
                if r.returncode != 0:
                    print("%s: setup failed: %s: %s" % (name, s, r.stderr.strip()))
            r = run_ns(ns, c["command"], log)
            out = {"command": c["command"], "setup": c.get("setup", []),
                   "exit_status": r.returncode, "stderr": r.stderr.strip(),
                   "requests": parse(log)}
            with open(os.path.join(OUT, name + ".json"), "w") as f:
                json.dump(out, f, indent=2)
                f.write("\n")
            print("%s: %d datagrams, exit %d" % (name, len(out["requests"]), r.returncode))
        finally:
            subprocess.run(["ip", "netns", "del", ns])
            if os.path.exists(log):
                os.unlink(log)


main()
