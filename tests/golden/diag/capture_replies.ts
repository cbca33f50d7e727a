/**
 * Captures what the kernel answers and announces, for the decoders' golden tests and the fuzz
 * corpus: sock_diag dumps (TCP with every extension, UDP, unix, packet, netlink) of the
 * sockets tests/integration/diag_child.ts holds in a throwaway namespace, proc connector
 * events of a child that exits with code 3, and the uevents of a veth pair made and deleted
 * in that namespace.
 *
 *     sudo deno run -A tests/golden/diag/capture_replies.ts   # writes tests/golden/diag/replies.json
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../../../ffi/socket.ts";
import { inetDump, netlinkRequest, packetRequest, unixRequest } from "../../../diag/requests.ts";
import { decodeProcEvents, ProcEvents } from "../../../events/proc.ts";
import { Uevents } from "../../../events/uevent.ts";
import { withSocketChild } from "../../integration/diag_fixture.ts";
import type { SocketChild } from "../../integration/diag_fixture.ts";

const HERE = new URL(".", import.meta.url).pathname;
const hex = (b: ArrayBuffer) =>
  Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");

/** Every datagram of a dump, up to and including NLMSG_DONE. */
async function dump(ns: string, request: Uint8Array): Promise<string[]> {
  using sock = new NetlinkSocket(NETLINK.SOCK_DIAG, { netns: ns });
  const req = request.slice();
  new DataView(req.buffer).setUint32(8, 1, true);
  sock.send(req);
  const out: string[] = [];
  for (;;) {
    const buf = sock.receive();
    if (!buf) {
      await sock.readable();
      continue;
    }
    out.push(hex(buf));
    const dv = new DataView(buf);
    let done = false;
    for (let off = 0; off + 16 <= buf.byteLength;) {
      const t = dv.getUint16(off + 4, true);
      if (t === 3 || t === 2) done = true;
      off += (dv.getUint32(off, true) + 3) & ~3;
    }
    if (done) return out;
  }
}

const result: Record<string, unknown> = {
  note: "kernel datagrams as received (hex); see capture_replies.ts",
  kernel: new TextDecoder().decode(new Deno.Command("uname", { args: ["-r"] }).outputSync().stdout)
    .trim(),
};

let childInfo: SocketChild | undefined;
await withSocketChild(async (ns, child) => {
  childInfo = child;
  const all = { extensions: "all" as const };
  result.tcp = await dump(ns, inetDump({ family: "inet", ...all }).requests[0]);
  result.tcp6 = await dump(ns, inetDump({ family: "inet6", ...all }).requests[0]);
  result.udp = await dump(ns, inetDump({ family: "inet", protocol: "udp", ...all }).requests[0]);
  result.mptcp = await dump(ns, inetDump({ family: "inet", protocol: "mptcp", ...all }).requests[0]);
  result.unix = await dump(ns, unixRequest().bytes);
  result.packet = await dump(ns, packetRequest().bytes);
  result.netlink = await dump(ns, netlinkRequest().bytes);

  // Uevents of a veth pair made and deleted in the namespace.
  {
    using ev = new Uevents({ netns: ns });
    const ip = (...a: string[]) => new Deno.Command("ip", { args: ["-n", ns, ...a] }).outputSync();
    ip("link", "add", "v0", "type", "veth", "peer", "name", "v1");
    ip("link", "del", "v0");
    const out: string[] = [];
    for (let buf = ev.socket.receive(); buf; buf = ev.socket.receive()) out.push(hex(buf));
    result.uevents = out;
  }
}, "cap");
result.child = childInfo;

// Proc events of one short child (initial namespace: reading only).
{
  using ev = new ProcEvents();
  const p = new Deno.Command("sh", { args: ["-c", "exit 3"] }).spawn();
  await p.status;
  await new Promise((r) => setTimeout(r, 50));
  const out: string[] = [];
  // The child's events only (the host's other processes are none of the corpus's business).
  const mine = (e: Record<string, unknown>) =>
    Object.entries(e).some(([k, v]) => k.endsWith("_pid") && v === p.pid);
  for (let buf = ev.socket.receive(); buf; buf = ev.socket.receive()) {
    if (decodeProcEvents(buf).some((e) => mine(e as unknown as Record<string, unknown>))) {
      out.push(hex(buf));
    }
  }
  result.proc = out;
  result.procPid = p.pid;
}

Deno.writeTextFileSync(`${HERE}replies.json`, JSON.stringify(result, null, 2) + "\n");
console.log(`wrote ${HERE}replies.json`);
