/**
 * Decoders under fuzzing (issue 9): 4,000 seeded cases through every decoder, plus the
 * regressions the fuzzer found, each as a fixed input. The long run is `deno task fuzz` (a
 * million cases); the suite's share is sized to take seconds.
 *
 * @module
 */

import assert from "node:assert/strict";
import { counters, fuzz, messages, runCase, SCHEMAS, seeds } from "./harness.ts";
import { IPROUTE2, KERNEL } from "./corpus/index.ts";
import { DecodeError } from "../../netlink/errors.ts";
import { attributeAt, NetlinkEngine, parseExtAck } from "../../netlink/engine.ts";
import type { Transport } from "../../netlink/engine.ts";
import { messageViewClass } from "../../netlink/view.ts";
import type { AttrView } from "../../netlink/view.ts";
import { encodeMessage } from "../../netlink/encoder.ts";
import { SCHEMA_BY_TYPE } from "./harness.ts";
import { NF_SCHEMAS } from "../../netfilter/registry.ts";
import { LINK_MESSAGE } from "../../rtnl/schemas/link.ts";
import { ROUTE_MESSAGE } from "../../rtnl/schemas/route.ts";
import { decodeEvents } from "../../rtnl/monitor.ts";
import { multipathOf } from "../../rtnl/route.ts";
import type { Route } from "../../rtnl/route.ts";
import { RTM } from "../../rtnl/constants.ts";

const HERE = new URL(".", import.meta.url).pathname;

Deno.test("fuzz corpus: real dumps of every message kind, and every iproute2 capture", () => {
  const kinds = new Set<number>();
  for (const s of seeds().filter((s) => s.name.startsWith("kernel/"))) {
    const dv = new DataView(s.bytes.buffer);
    for (const [off] of messages(s.bytes)) kinds.add(dv.getUint16(off + 4, true));
  }
  for (
    const [name, type] of [
      ["link", RTM.NEWLINK],
      ["addr", RTM.NEWADDR],
      ["route", RTM.NEWROUTE],
      ["rule", RTM.NEWRULE],
      ["neigh", RTM.NEWNEIGH],
      ["nexthop", RTM.NEWNEXTHOP],
      ["qdisc", RTM.NEWQDISC],
      ["class", RTM.NEWTCLASS],
      ["filter", RTM.NEWTFILTER],
      ["error", 2],
      ["done", 3],
    ] as const
  ) assert.ok(kinds.has(type), `the corpus lacks ${name} messages`);
  assert.ok(KERNEL.genl_ctrl.datagrams.length > 0, "nlctrl families");
  assert.ok(KERNEL.events.datagrams.length > 10, "events");
  const golden = [...Deno.readDirSync(`${HERE}../golden/iproute2`)]
    .filter((e) => e.name.endsWith(".json")).map((e) => e.name.replace(/\.json$/, "")).sort();
  assert.deepEqual(
    Object.keys(IPROUTE2).sort(),
    golden,
    "corpus/index.ts is stale: run deno run -A tests/fuzz/capture.ts --index",
  );
});

Deno.test("fuzz seeds decode cleanly: every captured message through its schema", () => {
  let n = 0;
  for (const s of seeds()) {
    const u8 = s.bytes.slice();
    const dv = new DataView(u8.buffer);
    for (const [off, len] of messages(u8)) {
      const schema = SCHEMA_BY_TYPE.get(dv.getUint16(off + 4, true));
      if (!schema || s.name.includes("genl")) continue;
      const C = messageViewClass(schema);
      const json = new C(dv, u8, off, len).toJSON();
      assert.ok(Object.keys(json).length > 0, s.name);
      n++;
    }
  }
  assert.ok(n > 150, `${n} messages`);
});

Deno.test("fuzz: 4,000 seeded cases through every decoder (only DecodeError, all return, in bounds)", async () => {
  // Two seeds, so a change to the harness's random stream still covers fresh inputs.
  const a = await fuzz(0x5eed, 2000);
  const b = await fuzz(20260, 2000);
  assert.equal(a.cases + b.cases, 4000);
  // The cases reach the decoders: views, values, both engine outcomes, and malformed input.
  assert.ok(a.views + b.views > 7000, `views ${a.views + b.views}`);
  assert.ok(a.values + b.values > 70000, `values ${a.values + b.values}`);
  assert.ok(a.decodeErrors > 1000 && a.resolved > 1000 && a.rejected > 100, JSON.stringify(a));
});

Deno.test("fuzz cases replay identically from (seed, index)", async () => {
  for (const i of [0, 17, 4242]) {
    const x = counters(), y = counters();
    await runCase(99, i, x);
    await runCase(99, i, y);
    assert.deepEqual(x, y);
  }
});

// ---------------------------------------------------------------------------------------------
// Regressions: what the fuzzer found, as fixed inputs.

function hex(s: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(s.match(/../g)!, (h) => parseInt(h, 16));
}

function attr(type: number, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array((4 + payload.length + 3) & ~3);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 4 + payload.length, true);
  dv.setUint16(2, type, true);
  out.set(payload, 4);
  return out;
}

function cat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function linkMessage(attrs: Uint8Array): Uint8Array<ArrayBuffer> {
  const msg = cat(new Uint8Array(32), attrs);
  const dv = new DataView(msg.buffer);
  dv.setUint32(0, msg.length, true);
  dv.setUint16(4, RTM.NEWLINK, true);
  return msg;
}

function linkView(msg: Uint8Array) {
  return new (messageViewClass(LINK_MESSAGE))(new DataView(msg.buffer), msg, 0, msg.length);
}

const z = (s: string) => new TextEncoder().encode(s + "\0");

Deno.test("regression: a link kind named like an Object.prototype key selects no schema", () => {
  for (const kind of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
    const msg = linkMessage(attr(18, cat(attr(1, z(kind)), attr(2, attr(1, hex("2a000000"))))));
    const info = linkView(msg).get("linkinfo") as AttrView;
    // Present, unknown kind: raw bytes, never undefined (it used to read as absent).
    assert.ok(info.get("info_data") instanceof Uint8Array, kind);
    assert.deepEqual(Object.keys(linkView(msg).toJSON().linkinfo as object), [
      "info_kind",
      "info_data",
    ]);
  }
});

Deno.test("regression: veth peers nested 1600 deep are a DecodeError, not a stack overflow", () => {
  let inner = new Uint8Array(0);
  for (;;) {
    const next = attr(
      18,
      cat(attr(1, z("veth")), attr(2, attr(1, cat(new Uint8Array(16), inner)))),
    );
    if (next.length > 0xffff) break;
    inner = next;
  }
  const view = linkView(linkMessage(inner));
  assert.throws(() => view.toJSON(), DecodeError);
  // Walking down by hand works (no recursion), and a shallow one converts fine.
  let v: unknown = view, depth = 0;
  while (v) v = (v as AttrView).get(["linkinfo", "info_data", "peer"]), depth++;
  assert.ok(depth > 1000);
  let shallow = new Uint8Array(0);
  for (let i = 0; i < 8; i++) {
    shallow = attr(18, cat(attr(1, z("veth")), attr(2, attr(1, cat(new Uint8Array(16), shallow)))));
  }
  assert.equal(typeof linkView(linkMessage(shallow)).toJSON().linkinfo, "object");
});

Deno.test("regression: an ext-ack whose echoed length is huge parses to nothing", () => {
  // NLMSG_ERROR, ACK_TLVS set, the echoed header claims 0xb3231600 bytes.
  const msg = hex(
    "4c000000020005063c5ac3a54242000000000000001623b3abb2eafda2ad00000000000000000000000800ebb0" +
      "03000000080003006d7630001c0012000b0001006d6163766c616e000c0002000800010004000000",
  );
  const u8 = msg.slice(0, 0x4c);
  new DataView(u8.buffer).setUint16(6, 0x200, true);
  assert.deepEqual(parseExtAck(new DataView(u8.buffer), u8, 0, u8.length, 0x200), {});
  assert.deepEqual(parseExtAck(new DataView(u8.buffer), u8, 0, u8.length, 0x300), {});
});

Deno.test("regression: attributeAt on short and lying requests returns, and names nested kinds", () => {
  for (const req of [new Uint8Array(0), new Uint8Array(3), hex("ffffffff0000")]) {
    assert.equal(attributeAt(LINK_MESSAGE, req, 0), undefined);
  }
  // A nest whose length runs past the request.
  const lying = linkMessage(cat(attr(18, attr(1, z("veth")))));
  new DataView(lying.buffer).setUint16(32, 0x4000, true);
  assert.equal(attributeAt(LINK_MESSAGE, lying, 36), undefined);
  // Inside IFLA_INFO_DATA (selected by the kind) the kernel's offset names the vxlan attribute.
  const req = encodeMessage(LINK_MESSAGE, {
    type: RTM.NEWLINK,
    flags: 0,
    header: {},
    attrs: {
      ifname: "vx0",
      linkinfo: { info_kind: "vxlan", info_data: { vxlan_id: 42, vxlan_port: 4789 } },
    },
  });
  const offsets: number[] = [];
  const dv = new DataView(req.buffer);
  // Find IFLA_VXLAN_PORT's header by walking: linkinfo → info_data → attributes.
  for (let p = 32; p + 4 <= req.length;) {
    const len = dv.getUint16(p, true);
    offsets.push(p);
    if ((dv.getUint16(p + 2, true) & 0x3fff) === 18 || (dv.getUint16(p + 2, true) & 0x3fff) === 2) {
      p += 4;
      continue;
    }
    p += (len + 3) & ~3;
  }
  const names = offsets.map((o) => attributeAt(LINK_MESSAGE, req, o));
  assert.ok(names.includes("IFLA_VXLAN_ID"), JSON.stringify(names));
  assert.ok(names.includes("IFLA_VXLAN_PORT"), JSON.stringify(names));
});

Deno.test("regression: NLMSG_ERROR/DONE with an error outside -4095..-1 is a DecodeError", async () => {
  const queue: ArrayBuffer[] = [];
  let seq = 0;
  const t: Transport = {
    portId: 7,
    lastGroups: 0,
    closed: false,
    send(b) {
      seq = new DataView(b.buffer, b.byteOffset).getUint32(8, true);
      return true;
    },
    receive: () => queue.shift() ?? null,
    readable: () => Promise.reject(new Error("no more input")),
    close() {},
  };
  const engine = new NetlinkEngine(t);
  for (const [type, err] of [[3, -0x80000000], [2, 5], [2, -5000], [3, 1]]) {
    const p = type === 3
      ? engine.dumpAll(hex("14000000120001000000000000000000000000"))
      : engine.request(hex("1000000012000000000000000000000000"));
    const b = new ArrayBuffer(36);
    const v = new DataView(b);
    v.setUint32(0, 36, true);
    v.setUint16(4, type, true);
    v.setUint32(8, seq, true);
    v.setUint32(12, 7, true);
    v.setInt32(16, err, true);
    queue.push(b);
    await assert.rejects(p, DecodeError, `type ${type} error ${err}`);
  }
  assert.equal(engine.inFlight, 0);
});

Deno.test("decodeEvents and multipathOf on the captured corpus", () => {
  let events = 0, hops = 0;
  for (const h of KERNEL.events.datagrams) events += decodeEvents(hex(h).buffer).length;
  assert.ok(events > 20);
  for (const name of ["route4", "route6"]) {
    for (const h of KERNEL[name].datagrams) {
      const u8 = hex(h);
      const dv = new DataView(u8.buffer);
      for (const [off, len] of messages(u8)) {
        if (dv.getUint16(off + 4, true) !== RTM.NEWROUTE) continue;
        const r = new (messageViewClass(ROUTE_MESSAGE))(dv, u8, off, len) as unknown as Route;
        for (const hop of multipathOf(r)) {
          assert.ok(hop.weight >= 1 && hop.oif > 0 && hop.gateway);
          hops++;
        }
      }
    }
  }
  assert.ok(hops >= 4, "IPv4 and IPv6 multipath routes in the corpus");
  assert.equal(SCHEMAS.length, 12 + NF_SCHEMAS.length);
});
