/**
 * Bad input to the IPSet class is a TypeError or RangeError naming the field, thrown before
 * anything but the protocol and type queries is sent.
 */

import assert from "node:assert/strict";
import { IPSet } from "../../netfilter/mod.ts";
import { answeringConnection } from "./nf_golden.ts";
import { IPSET_CMD } from "../../netfilter/ipset/schema.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const T = TypeError, R = RangeError;

const CASES: [string, (s: IPSet) => unknown, typeof TypeError, string][] = [
  ["unknown type", (s) => s.create("x", { type: "hash:ipp" }), T, "create.type"],
  ["no type", (s) => s.create("x", {} as Any), T, "create.type"],
  ["long name", (s) => s.create("x".repeat(32), { type: "hash:ip" }), R, "name"],
  [
    "bad family",
    (s) => s.create("x", { type: "hash:ip", family: "ipv4" as Any }),
    T,
    "create.family",
  ],
  [
    "family on a bitmap:port",
    (s) => s.create("x", { type: "bitmap:port", range: "1-2", family: "inet" }),
    T,
    "create.family",
  ],
  ["bitmap without range", (s) => s.create("x", { type: "bitmap:port" }), T, "create.range"],
  ["bad range", (s) => s.create("x", { type: "bitmap:port", range: "1..2" }), T, "create.range"],
  ["range on a hash", (s) => s.create("x", { type: "hash:ip", range: "1-2" }), T, "create.range"],
  ["netmask 33", (s) => s.create("x", { type: "hash:ip", netmask: 33 }), R, "create.netmask"],
  [
    "counters not boolean",
    (s) => s.create("x", { type: "hash:ip", counters: 1 as Any }),
    T,
    "create.counters",
  ],
  [
    "unknown create key",
    (s) => s.create("x", { type: "hash:ip", timout: 5 } as Any),
    T,
    "create.timout",
  ],
  ["element text of another type", (s) => s.add("ipport", "10.0.0.1"), T, "entry"],
  ["bad address", (s) => s.add("ip", "10.0.0.256"), T, "entry.ip"],
  ["IPv6 in an inet set", (s) => s.add("ip", "2001:db8::1"), T, "entry.ip"],
  ["prefix 33", (s) => s.add("net", { ip: "10.0.0.0", cidr: 33 }), R, "entry.cidr"],
  ["port out of range", (s) => s.add("ipport", { ip: "10.0.0.1", port: 70000 }), R, "entry.port"],
  ["unknown protocol", (s) => s.add("ipport", "10.0.0.1,tpc:80"), T, "entry.proto"],
  ["missing part", (s) => s.add("ipport", { ip: "10.0.0.1" }), T, "entry.port"],
  ["part of another type", (s) => s.add("ip", { ip: "10.0.0.1", iface: "eth0" }), T, "entry.iface"],
  [
    "iface too long",
    (s) => s.add("netif", { ip: "10.0.0.0", cidr: 8, iface: "x".repeat(16) }),
    R,
    "entry.iface",
  ],
  [
    "comment too long",
    (s) => s.add("ip", { ip: "10.0.0.1", comment: "c".repeat(256) }),
    T,
    "entry.comment",
  ],
  [
    "nomatch not boolean",
    (s) => s.add("net", { ip: "10.0.0.0", nomatch: "yes" as Any }),
    T,
    "entry.nomatch",
  ],
  ["before and after", (s) => s.add("list", { name: "a", before: "b", after: "c" }), T, "entry"],
  [
    "unknown element key",
    (s) => s.add("ip", { ip: "10.0.0.1", adress: "x" } as Any),
    T,
    "entry.adress",
  ],
  ["element in a list", (s) => s.add("ip", ["10.0.0.1", 5 as Any]), T, "entries[1]"],
  ["destroy without a name", (s) => s.destroy({} as Any), T, "destroy"],
  ["flush all false", (s) => s.flush({ all: false } as Any), T, "flush"],
  ["unknown add option", (s) => s.add("ip", "10.0.0.1", { exists: true } as Any), T, "add.exists"],
];

const TYPES: Record<string, string> = {
  ip: "hash:ip",
  net: "hash:net",
  ipport: "hash:ip,port",
  netif: "hash:net,iface",
  list: "list:set",
};

Deno.test("ipset: bad input is refused before any change is sent", async (t) => {
  for (const [name, call, error, field] of CASES) {
    await t.step(name, async () => {
      const { nfnl, sent } = answeringConnection((m) => {
        if (m[4] === IPSET_CMD.HEADER) {
          const setname = new TextDecoder().decode(m.subarray(32, 32 + 16)).split("\0")[0];
          const type = TYPES[setname] ?? "hash:ip";
          const tn = new TextEncoder().encode(type + "\0");
          const len = 4 + tn.length;
          const p = new Uint8Array(4 + 8 + ((len + 3) & ~3) + 8);
          const dv = new DataView(p.buffer);
          p[0] = 2;
          dv.setUint16(4, 5, true);
          dv.setUint16(6, 1, true);
          p[8] = 7;
          dv.setUint16(12, len, true);
          dv.setUint16(14, 3, true);
          p.set(tn, 16);
          const at = 12 + ((len + 3) & ~3);
          dv.setUint16(at, 5, true);
          dv.setUint16(at + 2, 5, true);
          p[at + 4] = 2;
          return [{ type: m[4] | (m[5] << 8), payload: p }];
        }
        return undefined;
      });
      const s = new IPSet({ connection: nfnl });
      await assert.rejects(
        async () => await call(s),
        (e: Error) => {
          assert.ok(e instanceof error, `${e.constructor.name}: ${e.message}`);
          assert.ok(e.message.startsWith(field), `"${e.message}" should start with ${field}`);
          return true;
        },
      );
      const changes = sent.filter((b) =>
        ![IPSET_CMD.PROTOCOL, IPSET_CMD.TYPE, IPSET_CMD.HEADER].includes(b[4] as 1)
      );
      assert.deepEqual(changes, []);
    });
  }
});
