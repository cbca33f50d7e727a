/**
 * IPSet requests byte for byte against what `ipset` 7.17 sent for the same commands
 * (tests/golden/netfilter/ipset_*.json): the protocol and type queries first, then the command,
 * numbers flagged NLA_F_NET_BYTEORDER as the kernel demands.
 */

import assert from "node:assert/strict";
import { IPSet } from "../../netfilter/mod.ts";
import { IPSET_CMD, IPSET_MESSAGE } from "../../netfilter/ipset/schema.ts";
import { encodeMessage } from "../../netlink/encoder.ts";
import { messageViewClass } from "../../netlink/view.ts";
import { answeringConnection, messages, nfGolden } from "./nf_golden.ts";
import { toHex } from "../helpers.ts";

/** Revisions this kernel answered (read from the golden create requests). */
const REVISION: Record<string, number> = {
  "hash:ip": 6,
  "hash:net": 7,
  "hash:ip,port": 7,
  "hash:net,iface": 8,
  "bitmap:port": 3,
  "list:set": 3,
};

function reply(attrs: Record<string, unknown>): { type: number; payload: Uint8Array } {
  const b = encodeMessage(IPSET_MESSAGE, {
    type: 0,
    flags: 0,
    header: { family: 2 },
    attrs: { protocol: 7, ...attrs },
  });
  return { type: 0, payload: b.subarray(16) };
}

/** An IPSet over a fake kernel; `types` are the sets it has (for HEADER queries). */
function ipsetOver(types: Record<string, string>) {
  const View = messageViewClass(IPSET_MESSAGE);
  return answeringConnection((m) => {
    const cmd = m[4];
    const v = new View(new DataView(m.buffer, m.byteOffset), m, 0, m.byteLength);
    if (cmd === IPSET_CMD.PROTOCOL) return [reply({ protocol_min: 6 })];
    if (cmd === IPSET_CMD.TYPE) return [reply({ revision: REVISION[v.typename ?? ""] ?? 0 })];
    if (cmd === IPSET_CMD.HEADER) {
      const type = types[v.setname ?? ""];
      return [reply({ typename: type.replace("6", ""), family: type.endsWith("6") ? 10 : 2 })];
    }
    return undefined;
  });
}

/** Attributes of `b` in [start, end) with inner type `drop` removed from nest `nest`. */
function without(
  b: Uint8Array,
  start: number,
  end: number,
  nest: number,
  drop: number,
): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const parts: Uint8Array[] = [];
  for (let p = start; p + 4 <= end;) {
    const len = dv.getUint16(p, true);
    const type = dv.getUint16(p + 2, true);
    const padded = (len + 3) & ~3;
    if ((type & 0x3fff) === nest && nest !== drop) {
      const inner = without(b, p + 4, p + len, drop, drop);
      const a = new Uint8Array(4 + inner.length);
      new DataView(a.buffer).setUint16(0, a.length, true);
      new DataView(a.buffer).setUint16(2, type, true);
      a.set(inner, 4);
      parts.push(a);
    } else if (!(nest === drop && (type & 0x3fff) === drop)) {
      const a = new Uint8Array(padded);
      a.set(b.subarray(p, p + len));
      parts.push(a);
    }
    p += padded;
  }
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

/**
 * Every message of a datagram as hex, seq and port zeroed, ACK flagged (the engine asks for
 * acks); `dropLineno` removes the IPSET_ATTR_CADT_LINENO 0 ipset(8) adds to each element (its
 * restore line number).
 */
function canon(datagrams: Uint8Array[], dropLineno: boolean): string[] {
  return datagrams.flatMap(messages).map((m) => {
    let b = m.slice();
    if (dropLineno) {
      const attrs = without(b, 20, b.length, 7, 9);
      const n = new Uint8Array(20 + attrs.length);
      n.set(b.subarray(0, 20));
      n.set(attrs, 20);
      new DataView(n.buffer).setUint32(0, n.length, true);
      b = n;
    }
    const dv = new DataView(b.buffer);
    dv.setUint32(8, 0, true);
    dv.setUint32(12, 0, true);
    dv.setUint16(6, dv.getUint16(6, true) | 5, true);
    return toHex(b);
  });
}

async function ours(types: Record<string, string>, call: (s: IPSet) => Promise<unknown>) {
  const { nfnl, sent } = ipsetOver(types);
  await call(new IPSet({ connection: nfnl }));
  return canon(sent, false);
}

const theirs = (name: string) => canon(nfGolden(name), true);

Deno.test("ipset requests match ipset(8)'s", async (t) => {
  const cases: [string, Record<string, string>, (s: IPSet) => Promise<unknown>][] = [
    ["ipset_create_hash_ip", {}, (s) =>
      s.create("s", {
        type: "hash:ip",
        timeout: 100,
        counters: true,
        comment: true,
        hashsize: 64,
        maxelem: 1000,
      })],
    ["ipset_create_hash_net6", {}, (s) => s.create("s", { type: "hash:net", family: "inet6" })],
    ["ipset_create_hash_ip_port", {}, (s) => s.create("s", { type: "hash:ip,port" })],
    [
      "ipset_create_hash_net_iface",
      {},
      (s) => s.create("s", { type: "hash:net,iface", skbinfo: true }),
    ],
    [
      "ipset_create_bitmap_port",
      {},
      (s) => s.create("s", { type: "bitmap:port", range: "1000-2000", timeout: 50 }),
    ],
    ["ipset_create_list_set", {}, (s) => s.create("s", { type: "list:set", size: 8 })],
    [
      "ipset_add_ip",
      { s: "hash:ip" },
      (s) => s.add("s", { ip: "10.0.0.1", timeout: 50, bytes: 100, packets: 5, comment: "hello" }),
    ],
    ["ipset_add_ip_port", { s: "hash:ip,port" }, (s) => s.add("s", "10.0.0.1,tcp:80")],
    [
      "ipset_add_net_iface",
      { s: "hash:net,iface" },
      (s) => s.add("s", { ip: "10.0.0.0", cidr: 24, nomatch: true, iface: "eth0" }),
    ],
    ["ipset_add_net6", { s: "hash:net6" }, (s) => s.add("s", "2001:db8::/32")],
    ["ipset_add_port", { s: "bitmap:port" }, (s) => s.add("s", "1500")],
    ["ipset_add_list", { s: "list:set" }, (s) => s.add("s", "a")],
    ["ipset_del", { s: "hash:ip" }, (s) => s.delete("s", "10.0.0.1")],
    ["ipset_test", { s: "hash:ip" }, (s) => s.test("s", "10.0.0.1")],
    ["ipset_list", {}, (s) => s.list("s")],
    ["ipset_save", {}, (s) => s.save()],
    ["ipset_flush", {}, (s) => s.flush("s")],
    ["ipset_rename", {}, (s) => s.rename("s", "t")],
    ["ipset_swap", {}, (s) => s.swap("s", "t")],
    ["ipset_destroy", {}, (s) => s.destroy("s")],
    ["ipset_version", {}, (s) => s.protocol()],
  ];
  for (const [name, types, call] of cases) {
    await t.step(name, async () => {
      assert.deepEqual(await ours(types, call), theirs(name));
    });
  }
});
