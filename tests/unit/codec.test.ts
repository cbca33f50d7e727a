/**
 * Codec unit tests (no kernel): golden-byte round trips against iproute2's own requests,
 * alignment, nests, unknown attributes, structs shorter and longer than the schema, address
 * text forms.
 */

import assert from "node:assert/strict";
import { hex, toHex } from "../helpers.ts";
import {
  attrs,
  DecodeError,
  encodeMessage,
  formatIp,
  MessageView,
  messageViewClass,
  NLA_F_NESTED,
  NLM_F,
  parseIp,
  parseMac,
  parsePrefix,
  writeAttrs,
  Writer,
} from "../../netlink/mod.ts";
import { ADDR_MESSAGE } from "../../rtnl/schemas/addr.ts";
import { LINK_MESSAGE } from "../../rtnl/schemas/link.ts";
import { ROUTE_MESSAGE } from "../../rtnl/schemas/route.ts";
import { RTM } from "../../rtnl/constants.ts";

function golden(name: string): { requests: string[]; main: number } {
  return JSON.parse(
    Deno.readTextFileSync(new URL(`../golden/iproute2/${name}.json`, import.meta.url)),
  );
}

/** Zeroes seq and pid (bytes 8..15) of every message in a datagram. */
function maskSeq(b: Uint8Array): Uint8Array {
  const out = b.slice();
  const dv = new DataView(out.buffer);
  for (let off = 0; off + 16 <= out.length;) {
    const len = dv.getUint32(off, true);
    out.fill(0, off + 8, off + 16);
    if (len < 16) break;
    off += (len + 3) & ~3;
  }
  return out;
}

Deno.test("encoder: ip addr add 10.0.0.1/24 dev v0 byte for byte", () => {
  const g = golden("addr_v4");
  const theirs = maskSeq(hex(g.requests[g.main]));
  const ours = encodeMessage(ADDR_MESSAGE, {
    type: RTM.NEWADDR,
    flags: NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL,
    header: { family: 2, prefixlen: 24, index: 3 },
    attrs: { local: "10.0.0.1", address: "10.0.0.1" },
  });
  assert.equal(toHex(ours), toHex(theirs));
});

Deno.test("decoder: iproute2's RTM_NEWADDR request reads back", () => {
  const g = golden("addr_v4");
  const b = hex(g.requests[g.main]);
  const C = messageViewClass(ADDR_MESSAGE);
  const v = new C(new DataView(b.buffer), b, 0, b.length);
  assert.equal(v.nlmsgType, RTM.NEWADDR);
  assert.equal(v.family, 2);
  assert.equal(v.prefixlen, 24);
  assert.equal(v.index, 3);
  assert.equal(v.local, "10.0.0.1");
  assert.equal(v.get("IFA_ADDRESS"), "10.0.0.1");
  assert.equal(v.get("address"), "10.0.0.1");
  assert.deepEqual(v.toJSON(), {
    family: 2,
    prefixlen: 24,
    flags: 0,
    scope: 0,
    index: 3,
    local: "10.0.0.1",
    address: "10.0.0.1",
  });
});

Deno.test("decoder: iproute2's multipath route request has both next hops", () => {
  const g = golden("route_multipath");
  const b = hex(g.requests[g.main]);
  const C = messageViewClass(ROUTE_MESSAGE);
  const v = new C(new DataView(b.buffer), b, 0, b.length);
  assert.equal(v.dst, "10.2.0.0");
  assert.equal(v.dst_len, 16);
  assert.ok(v.multipath instanceof Uint8Array);
});

Deno.test("encoder: nests carry NLA_F_NESTED and a sibling-selected IFLA_INFO_DATA", () => {
  const msg = encodeMessage(LINK_MESSAGE, {
    type: RTM.NEWLINK,
    flags: 0,
    header: {},
    attrs: {
      ifname: "vx0",
      linkinfo: { info_kind: "vxlan", info_data: { vxlan_id: 42, vxlan_port: 4789 } },
    },
  });
  assert.equal(msg.length % 4, 0);
  const C = messageViewClass(LINK_MESSAGE);
  const v = new C(new DataView(msg.buffer), msg, 0, msg.length);
  assert.equal(v.ifname, "vx0");
  assert.equal(v.get(["linkinfo", "info_kind"]), "vxlan");
  assert.equal(v.get(["linkinfo", "info_data", "vxlan_id"]), 42);
  assert.equal(v.get(["linkinfo", "info_data", "vxlan_port"]), 4789);
  // The linkinfo attribute header: find it and check the flag.
  let found = false;
  for (const [type, off] of v.raw()) {
    if (type === 18) {
      assert.ok(new DataView(msg.buffer).getUint16(off - 2, true) & NLA_F_NESTED);
      found = true;
    }
  }
  assert.ok(found);
});

Deno.test("views: unknown attributes stay readable by number; toJSON names them attr_N", () => {
  const w = new Writer();
  const schema = attrs("T_", { T_A: [1, "u32"] } as const);
  writeAttrs(w, schema, { a: 7, 99: new Uint8Array([1, 2, 3]) });
  const view = new MessageView(
    { name: "t", header: { kind: "struct", fields: [] }, attrs: schema },
    new DataView(prefixHeader(w.finish()).buffer),
    prefixHeader(w.finish()),
    0,
    16 + w.length,
  );
  assert.equal(view.get("a"), 7);
  assert.deepEqual([...(view.get(99) as Uint8Array)], [1, 2, 3]);
  assert.deepEqual(view.toJSON(), { a: 7, attr_99: "01:02:03" });
});

function prefixHeader(payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(16 + payload.length);
  new DataView(b.buffer).setUint32(0, b.length, true);
  b.set(payload, 16);
  return b;
}

Deno.test("views: a header shorter than the schema leaves fields undefined, a longer one is ignored", () => {
  // ifinfomsg is 16 bytes; send 8 of them (family, pad, type, index).
  const short = new Uint8Array(24);
  const dv = new DataView(short.buffer);
  dv.setUint32(0, 24, true);
  dv.setUint8(16, 0);
  dv.setUint16(18, 772, true);
  dv.setInt32(20, 5, true);
  const C = messageViewClass(LINK_MESSAGE);
  const v = new C(dv, short, 0, 24);
  assert.equal(v.index, 5);
  assert.equal(v.flags, undefined);
  assert.equal(v.ifname, undefined);
});

Deno.test("views: a malformed attribute length is a DecodeError, never a wrong value", () => {
  const b = new Uint8Array(16 + 16 + 8);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, b.length, true);
  dv.setUint16(32, 200, true); // claims 200 bytes, 8 are there
  dv.setUint16(34, 3, true);
  const C = messageViewClass(LINK_MESSAGE);
  const v = new C(dv, b, 0, b.length);
  assert.throws(() => v.ifname, DecodeError);
  assert.throws(() => v.toJSON(), DecodeError);
});

Deno.test("views: NLA_F_NET_BYTEORDER integers are read big-endian", () => {
  const schema = attrs("T_", { T_A: [1, "u32"] } as const);
  const b = prefixHeader(new Uint8Array([8, 0, 1, 0x40, 0, 0, 1, 2]));
  const view = new MessageView(
    { name: "t", header: { kind: "struct", fields: [] }, attrs: schema },
    new DataView(b.buffer),
    b,
    0,
    b.length,
  );
  assert.equal(view.get("a"), 258);
});

Deno.test("views: getAll reads NLA_F_NET_BYTEORDER integers as get does (one reader)", () => {
  const schema = attrs("T_", { T_A: [1, "u32"], T_B: [2, "u16"], T_C: [3, "u64"] } as const);
  const b = prefixHeader(
    new Uint8Array([
      ...[8, 0, 1, 0x40, 0, 0, 1, 2],
      ...[8, 0, 2, 0x40, 1, 2, 0, 0],
      ...[12, 0, 3, 0x40, 0, 0, 0, 0, 0, 0, 1, 3],
    ]),
  );
  const view = new MessageView(
    { name: "t", header: { kind: "struct", fields: [] }, attrs: schema },
    new DataView(b.buffer),
    b,
    0,
    b.length,
  );
  for (const [k, want] of [["a", 258], ["b", 258], ["c", 259]] as const) {
    assert.equal(view.get(k), want, k);
    assert.deepEqual(view.getAll(k), [want], k);
  }
});

Deno.test("encoder: bad values are TypeError/RangeError naming the field", () => {
  const enc = (a: Record<string, unknown>) =>
    encodeMessage(LINK_MESSAGE, { type: RTM.NEWLINK, flags: 0, header: {}, attrs: a });
  assert.throws(
    () => enc({ mtu: -1 }),
    (e: Error) => e instanceof RangeError && /mtu/.test(e.message),
  );
  assert.throws(
    () => enc({ mtu: "big" }),
    (e: Error) => e instanceof TypeError && /mtu/.test(e.message),
  );
  assert.throws(
    () => enc({ nosuch: 1 }),
    (e: Error) => e instanceof TypeError && /nosuch/.test(e.message),
  );
  assert.throws(
    () => enc({ address: "zz:11" }),
    (e: Error) => e instanceof TypeError && /address/.test(e.message),
  );
  assert.throws(
    () => enc({ linkinfo: { info_kind: 5 } }),
    (e: Error) => e instanceof TypeError && /linkinfo.info_kind/.test(e.message),
  );
});

Deno.test("addresses: IPv4/IPv6 text forms as inet_ntop/inet_pton", () => {
  const cases: [string, string][] = [
    ["10.0.0.1", "10.0.0.1"],
    ["::", "::"],
    ["::1", "::1"],
    ["2001:db8::1", "2001:db8::1"],
    ["2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["fe80::1:2:3:4", "fe80::1:2:3:4"],
    ["::ffff:1.2.3.4", "::ffff:1.2.3.4"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
  ];
  for (const [input, want] of cases) {
    const b = parseIp(input, "address");
    assert.equal(formatIp(b, 0, b.length), want, input);
  }
  for (
    const bad of ["10.0.0", "10.0.0.256", "1::2::3", "1:2:3:4:5:6:7:8:9", "", "abc", "10.0.0.1.2"]
  ) {
    assert.throws(
      () => parseIp(bad, "gateway"),
      (e: Error) => e instanceof TypeError && /gateway/.test(e.message),
      bad,
    );
  }
  assert.throws(() => parsePrefix("10.0.0.0/33", "dst"), RangeError);
  assert.throws(() => parsePrefix("2001:db8::/129", "dst"), RangeError);
  assert.equal(parsePrefix("10.0.0.0/8", "dst").prefixlen, 8);
  assert.deepEqual([...parseMac("00:11:22:aa:bb:cc", "address")], [
    0,
    0x11,
    0x22,
    0xaa,
    0xbb,
    0xcc,
  ]);
  assert.throws(() => parseMac("00:11:22:aa:bb:ccc", "address"), TypeError);
});
