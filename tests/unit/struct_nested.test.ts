/**
 * Structs inside structs (no kernel): a nested struct is laid out inside the outer one and its
 * fields are named after the field holding it, so `struct tc_ratespec` is written once and htb,
 * tbf and police parameters keep the flat names they always had (`rate_cell_log`, `rate`,
 * `ceil`); values round-trip through the encoder and the views, and tc's own requests re-encode
 * byte for byte.
 */

import assert from "node:assert/strict";
import { hex } from "../helpers.ts";
import {
  attrs,
  decodeStruct,
  layout,
  messageViewClass,
  structSize,
  writeAttr,
  Writer,
} from "../../netlink/mod.ts";
import type { AttrView, StructValue } from "../../netlink/mod.ts";
import { TC_POLICE } from "../../rtnl/schemas/tc_action.ts";
import { TC_HTB_OPT, TC_RATESPEC, TC_TBF_QOPT } from "../../rtnl/schemas/tc_qdisc.ts";
import { TC_MESSAGE, TC_QDISC_MESSAGE } from "../../rtnl/schemas/tc.ts";

/** The flat layout the tc tables had before `struct tc_ratespec` was nested: name, codec, offset. */
function ratespecAt(prefix: string, at: number): [string, string, number][] {
  return [
    [`${prefix}_cell_log`, "u8", at],
    [`${prefix}_linklayer`, "u8", at + 1],
    [`${prefix}_overhead`, "u16", at + 2],
    [`${prefix}_cell_align`, "s16", at + 4],
    [`${prefix}_mpu`, "u16", at + 6],
    [prefix, "u32", at + 8],
  ];
}

const u32s = (names: string[], at: number): [string, string, number][] =>
  names.map((n, i) => [n, "u32", at + 4 * i]);

Deno.test("nested structs: tc_ratespec lays out as the flat fields it replaced", () => {
  const flat = (s: Parameters<typeof layout>[0]) =>
    layout(s).map((f) => [f.name, f.codec, f.offset]);
  assert.equal(structSize(TC_RATESPEC), 12);
  assert.deepEqual(flat(TC_HTB_OPT), [
    ...ratespecAt("rate", 0),
    ...ratespecAt("ceil", 12),
    ...u32s(["buffer", "cbuffer", "quantum", "level", "prio"], 24),
  ]);
  assert.equal(structSize(TC_HTB_OPT), 44);
  assert.deepEqual(flat(TC_TBF_QOPT), [
    ...ratespecAt("rate", 0),
    ...ratespecAt("peakrate", 12),
    ...u32s(["limit", "buffer", "mtu"], 24),
  ]);
  assert.equal(structSize(TC_TBF_QOPT), 36);
  assert.deepEqual(flat(TC_POLICE), [
    ["index", "u32", 0],
    ["action", "s32", 4],
    ...u32s(["limit", "burst", "mtu"], 8),
    ...ratespecAt("rate", 20),
    ...ratespecAt("peakrate", 32),
    ["refcnt", "s32", 44],
    ["bindcnt", "s32", 48],
    ["capab", "u32", 52],
  ]);
  // The decoded type has the same flat names (a compile-time check).
  const parms: StructValue<typeof TC_HTB_OPT.fields> = {
    rate_cell_log: 3,
    rate_linklayer: 1,
    rate_overhead: 0,
    rate_cell_align: -1,
    rate_mpu: 0,
    rate: 125000,
    ceil_cell_log: 3,
    ceil_linklayer: 1,
    ceil_overhead: 0,
    ceil_cell_align: -1,
    ceil_mpu: 0,
    ceil: 250000,
    buffer: 1,
    cbuffer: 2,
    quantum: 3,
    level: 0,
    prio: 1,
  };
  assert.equal(Object.keys(parms).length, layout(TC_HTB_OPT).length);
});

Deno.test("nested structs: offsets, hidden fields and nesting in depth round-trip", () => {
  const INNER = {
    kind: "struct",
    fields: [["a", "u8"], ["_pad", "pad"], ["b", "be16"], ["v", "u32"]],
    value: "v",
  } as const;
  const MIDDLE = { kind: "struct", fields: [["in", INNER], ["c", "s16"]], size: 12 } as const;
  const OUTER = {
    kind: "struct",
    fields: [["x", "u8"], ["m", MIDDLE, 4], ["last", INNER], ["y", "u64"]],
  } as const;
  assert.deepEqual(layout(OUTER).map((f) => [f.name, f.offset, f.size]), [
    ["x", 0, 1],
    ["m_in_a", 4, 1],
    ["_m_in_pad", 5, 1],
    ["m_in_b", 6, 2],
    ["m_in", 8, 4],
    ["m_c", 12, 2],
    ["last_a", 16, 1],
    ["_last_pad", 17, 1],
    ["last_b", 18, 2],
    ["last", 20, 4],
    ["y", 24, 8],
  ]);
  assert.equal(structSize(OUTER), 32);
  const value: StructValue<typeof OUTER.fields> = {
    x: 1,
    m_in_a: 2,
    m_in_b: 0x0304,
    m_in: 0x05060708,
    m_c: -9,
    last_a: 10,
    last_b: 11,
    last: 12,
    y: 2 ** 40 + 13,
  };
  const w = new Writer();
  writeAttr(w, 1, OUTER, value, "outer");
  const b = w.finish();
  assert.equal(b.length, 4 + 32);
  assert.deepEqual([...b.subarray(4 + 6, 4 + 8)], [3, 4], "be16 inside two structs");
  assert.deepEqual(decodeStruct(new DataView(b.buffer), b, OUTER, 4, 32), value);
  // Through a view too, and a struct cut short leaves its tail undefined.
  const schema = attrs("T_", { T_S: [1, OUTER] });
  const M = messageViewClass({ name: "t", header: { kind: "struct", fields: [] }, attrs: schema });
  const msg = new Uint8Array(16 + b.length);
  new DataView(msg.buffer).setUint32(0, msg.length, true);
  msg.set(b, 16);
  const v = new M(new DataView(msg.buffer), msg, 0, msg.length) as unknown as
    & AttrView
    & Record<string, unknown>;
  assert.deepEqual(v.s, value);
  assert.deepEqual(
    decodeStruct(new DataView(b.buffer), b, OUTER, 4, 14),
    { x: 1, m_in_a: 2, m_in_b: 0x0304, m_in: 0x05060708, m_c: -9 },
  );
  // Unknown or nested-object keys are refused, naming the field.
  assert.throws(
    () => writeAttr(new Writer(), 1, OUTER, { m: { in: 1 } }, "outer"),
    (e: Error) => e instanceof TypeError && /outer\.m\b/.test(e.message),
  );
  assert.throws(
    () => writeAttr(new Writer(), 1, OUTER, { m_in: 2 ** 32 }, "outer"),
    (e: Error) => e instanceof RangeError && /outer\.m_in\b/.test(e.message),
  );
});

/** The payload of attribute `path` (types, nests followed) in the message at `b`, with its header. */
function attrBytes(b: Uint8Array, start: number, path: number[]): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset);
  let from = start, end = b.length;
  for (const [i, want] of path.entries()) {
    let p = from;
    for (;;) {
      assert.ok(p + 4 <= end, `attribute ${want} not found`);
      const len = dv.getUint16(p, true);
      if ((dv.getUint16(p + 2, true) & 0x3fff) === want) break;
      p += (len + 3) & ~3;
    }
    if (i === path.length - 1) return b.subarray(p, p + dv.getUint16(p, true));
    from = p + 4;
    end = p + dv.getUint16(p, true);
  }
  throw new Error("empty path");
}

Deno.test("nested structs: tc's htb class and tbf qdisc parameters re-encode byte for byte", () => {
  const TCA_OPTIONS = 2, PARMS = 1; // TCA_HTB_PARMS and TCA_TBF_PARMS are both 1
  const cases = [
    ["tc_class_htb", TC_MESSAGE, TC_HTB_OPT],
    ["tc_qdisc_tbf", TC_QDISC_MESSAGE, TC_TBF_QOPT],
  ] as const;
  for (const [name, schema, struct] of cases) {
    const g = JSON.parse(
      Deno.readTextFileSync(new URL(`../golden/iproute2/${name}.json`, import.meta.url)),
    );
    const b = hex(g.requests[g.main]);
    const theirs = attrBytes(b, 16 + 20, [TCA_OPTIONS, PARMS]); // nlmsghdr, struct tcmsg
    const m = new (messageViewClass(schema))(new DataView(b.buffer), b, 0, b.length);
    const parms = (m.get("options") as AttrView).get("parms") as Record<string, number>;
    assert.equal(typeof parms.rate, "number", name);
    assert.equal(typeof parms.rate_cell_log, "number", name);
    const w = new Writer();
    writeAttr(w, PARMS, struct, parms, "parms");
    assert.deepEqual([...w.finish()], [...theirs], name);
  }
});
