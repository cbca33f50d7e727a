/**
 * The value core (no kernel): one reader per codec (a typed property, `get`, `getAll`, an array
 * element and `decodeValue` give the same value for every codec, with and without
 * NLA_F_NET_BYTEORDER, and the same DecodeError for a short payload), the one address formatter
 * (RFC 5952 text, as glibc's inet_ntop writes it), and the one message walker.
 */

import assert from "node:assert/strict";
import {
  array,
  attrs,
  DecodeError,
  decodeStruct,
  decodeValue,
  formatHex,
  formatIp,
  messageViewClass,
  NLA_F_NET_BYTEORDER,
  parseIp,
} from "../../netlink/mod.ts";
import type { AttrView, Codec, ScalarCodec } from "../../netlink/mod.ts";
import { MessageWalk } from "../../netlink/walk.ts";

/** One attribute: header (length, type | flags) and payload, padded to 4 bytes. */
function attr(type: number, payload: ArrayLike<number>, flags = 0): number[] {
  const len = 4 + payload.length;
  const out = [len & 0xff, len >> 8, type & 0xff, (type | flags) >> 8, ...Array.from(payload)];
  while (out.length % 4) out.push(0);
  return out;
}

/** A message (nlmsghdr and no fixed header) holding `body`. */
function message(body: number[]): Uint8Array {
  const b = new Uint8Array(16 + body.length);
  new DataView(b.buffer).setUint32(0, b.length, true);
  b.set(body, 16);
  return b;
}

/** The value of attribute `v` (number 1, its copy in array 2) through every path. */
function everyPath(codec: Codec, payload: ArrayLike<number>, flags = 0): unknown[] {
  const schema = attrs("T_", { T_V: [1, codec], T_LIST: [2, array(codec)] });
  const M = messageViewClass({ name: "t", header: { kind: "struct", fields: [] }, attrs: schema });
  const bytes = message([...attr(1, payload, flags), ...attr(2, attr(1, payload, flags))]);
  const v = new M(new DataView(bytes.buffer), bytes, 0, bytes.length) as unknown as
    & AttrView
    & Record<string, unknown>;
  const fresh = new M(new DataView(bytes.buffer), bytes, 0, bytes.length) as unknown as AttrView;
  const def = schema.byName.get("v")!;
  return [
    v.v,
    fresh.get("v"),
    v.get("T_V"),
    v.getAll("v")[0],
    (v.list as unknown[])[0],
    decodeValue(v, codec, 20, payload.length, def, 1),
  ];
}

/** Asserts that every path gives `want`. */
function same(codec: Codec, payload: ArrayLike<number>, want: unknown, flags = 0): void {
  const got = everyPath(codec, payload, flags);
  for (const [i, g] of got.entries()) {
    assert.deepEqual(g, want, `${JSON.stringify(codec)} path ${i}, flags ${flags}`);
  }
}

/** Asserts that every path throws a DecodeError (a payload too short for the codec). */
function allThrow(codec: Codec, payload: ArrayLike<number>, flags = 0): void {
  const schema = attrs("T_", { T_V: [1, codec], T_LIST: [2, array(codec)] });
  const M = messageViewClass({ name: "t", header: { kind: "struct", fields: [] }, attrs: schema });
  const bytes = message([...attr(1, payload, flags), ...attr(2, attr(1, payload, flags))]);
  const view = () =>
    new M(new DataView(bytes.buffer), bytes, 0, bytes.length) as unknown as
      & AttrView
      & Record<string, unknown>;
  const def = schema.byName.get("v")!;
  const paths: [string, () => unknown][] = [
    ["property", () => view().v],
    ["get", () => view().get("v")],
    ["getAll", () => view().getAll("v")],
    ["array", () => view().list],
    ["toJSON", () => view().toJSON()],
    ["decodeValue", () => decodeValue(view(), codec, 20, payload.length, def, 1)],
  ];
  for (const [name, fn] of paths) {
    assert.throws(fn, DecodeError, `${JSON.stringify(codec)} ${name}`);
  }
}

const INTS: [ScalarCodec, number, (dv: DataView, little: boolean) => number][] = [
  ["u8", 1, (dv) => dv.getUint8(0)],
  ["s8", 1, (dv) => dv.getInt8(0)],
  ["u16", 2, (dv, le) => dv.getUint16(0, le)],
  ["s16", 2, (dv, le) => dv.getInt16(0, le)],
  ["be16", 2, (dv) => dv.getUint16(0, false)],
  ["u32", 4, (dv, le) => dv.getUint32(0, le)],
  ["s32", 4, (dv, le) => dv.getInt32(0, le)],
  ["be32", 4, (dv) => dv.getUint32(0, false)],
  ["u64", 8, (dv, le) => Number(dv.getBigUint64(0, le))],
  ["s64", 8, (dv, le) => Number(dv.getBigInt64(0, le))],
  ["be64", 8, (dv) => Number(dv.getBigUint64(0, false))],
];

Deno.test("one reader: every integer size, with and without NLA_F_NET_BYTEORDER", async (t) => {
  for (const [codec, size, expect] of INTS) {
    await t.step(codec, () => {
      // Bytes that differ in every position, with the top bit set (signed values negative).
      const payloads = [
        Uint8Array.from({ length: size }, (_, i) => 0x81 + 0x11 * i),
        Uint8Array.from({ length: size }, (_, i) => i + 1),
      ];
      for (const payload of payloads) {
        const dv = new DataView(payload.buffer);
        // Little-endian unless flagged; big-endian codecs are big-endian either way.
        same(codec, payload, expect(dv, true), 0);
        same(codec, payload, expect(dv, false), NLA_F_NET_BYTEORDER);
      }
      if (size > 1) allThrow(codec, new Uint8Array(size - 1));
    });
  }
  await t.step("64-bit attributes also take 4-byte payloads", () => {
    same("u64", [1, 2, 0, 0], 0x0201);
    same("u64", [0, 0, 2, 1], 0x0201, NLA_F_NET_BYTEORDER);
    same("s64", [0xff, 0xff, 0xff, 0xff], -1);
    allThrow("be64", [1, 2, 3, 4]);
  });
  await t.step("a longer payload is read from its start", () => {
    same("u32", [1, 0, 0, 0, 9, 9, 9, 9], 1);
    same("u16", [0, 7, 9, 9], 7, NLA_F_NET_BYTEORDER);
  });
  await t.step("an empty payload is a DecodeError for every integer", () => {
    for (const [codec] of INTS) allThrow(codec, []);
  });
});

Deno.test("one reader: strings, bytes, addresses, flags, enums", () => {
  const text = [...new TextEncoder().encode("vx0"), 0, 0xff];
  same("string", text, "vx0");
  same("string", [...new TextEncoder().encode("déjà")], "déjà");
  same("string", [], "");
  same("binary", [1, 2, 3], new Uint8Array([1, 2, 3]));
  same("lladdr", [0, 0x11, 0x22, 0xaa, 0xbb, 0xcc], "00:11:22:aa:bb:cc");
  same("hex", [0xde, 0xad], "de:ad");
  same("ipaddr", [10, 0, 0, 1], "10.0.0.1");
  same("ipaddr", parseIp("2001:db8::1", "t"), "2001:db8::1");
  same("ipaddr", [1, 2, 3], "01:02:03");
  same("flag", [], true);
  const e = { kind: "enum", base: "u16", names: { a: 1, b: 2, also_b: 2 } } as const;
  same(e, [2, 0], "b");
  same(e, [0, 2], "b", NLA_F_NET_BYTEORDER);
  same(e, [9, 0], 9);
  allThrow(e, [1]);
});

Deno.test("formatter: IPv6 text is RFC 5952 (as inet_ntop), IPv4 a dotted quad", () => {
  const cases: [string, string][] = [
    // Leading zeros dropped, lower case.
    ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:00aa:0bbb:0001:0:0:1", "2001:db8:aa:bbb:1::1"],
    // The longest zero run is compressed; on a tie the first; one zero word is not.
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"],
    ["0:0:1:0:0:0:0:0", "0:0:1::"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["fe80:0:0:0:0:0:0:1", "fe80::1"],
    // IPv4-mapped and IPv4-compatible tails are dotted.
    ["0:0:0:0:0:ffff:c000:0280", "::ffff:192.0.2.128"],
    ["::ffff:1.2.3.4", "::ffff:1.2.3.4"],
    ["0:0:0:0:0:0:c000:0280", "::192.0.2.128"],
    // Not mapped: ffff elsewhere, or a non-zero word before it.
    ["0:0:0:0:ffff:0:c000:280", "::ffff:0:c000:280"],
    ["1:0:0:0:0:ffff:c000:280", "1::ffff:c000:280"],
  ];
  for (const [input, want] of cases) {
    const b = parseIp(input, "address");
    assert.equal(formatIp(b, 0, 16), want, input);
    // At an offset inside a larger buffer too.
    const wide = new Uint8Array(20);
    wide.set(b, 3);
    assert.equal(formatIp(wide, 3, 16), want, `${input} at 3`);
    // The text parses back to the same bytes.
    assert.deepEqual(parseIp(want, "address"), b, want);
  }
  for (const ip of ["0.0.0.0", "255.255.255.255", "10.1.2.3", "192.168.0.1"]) {
    const b = parseIp(ip, "address");
    assert.equal(formatIp(b, 0, 4), ip);
    assert.equal(formatIp(b, 0, 4), ip, "again (cached)");
  }
  // Two addresses that share a cache slot still format as themselves.
  const seen = new Map<string, string>();
  for (let i = 0; i < 5000; i++) {
    const b = new Uint8Array([10, i >> 8, i & 255, (i * 7) & 255]);
    const text = formatIp(b, 0, 4);
    assert.equal(text, [...b].join("."));
    seen.set(text, text);
  }
  assert.equal(formatHex(new Uint8Array([0, 10, 255]), 0, 3), "00:0a:ff");
  assert.equal(formatHex(new Uint8Array(0), 0, 0), "");
  assert.equal(formatIp(new Uint8Array([1, 2]), 0, 2), "01:02");
});

Deno.test("walker: every message in order, then stops at the end or at a malformed header", () => {
  const msg = (len: number, type: number) => {
    const b = new Uint8Array((len + 3) & ~3);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, len, true);
    dv.setUint16(4, type, true);
    return [...b];
  };
  const walkAll = (bytes: number[]) => {
    const w = new MessageWalk(new DataView(Uint8Array.from(bytes).buffer));
    const seen: [number, number, number][] = [];
    while (w.next()) seen.push([w.offset, w.length, w.type]);
    return { seen, malformed: w.malformed, offset: w.offset, length: w.length };
  };
  // 17 bytes is padded to 20: the next message starts aligned.
  assert.deepEqual(walkAll([...msg(16, 24), ...msg(17, 25), ...msg(20, 26)]), {
    seen: [[0, 16, 24], [16, 17, 25], [36, 20, 26]],
    malformed: false,
    offset: 36,
    length: 20,
  });
  // Fewer than 16 bytes left: the end, not an error.
  assert.equal(walkAll([...msg(16, 24), 1, 2, 3, 4]).malformed, false);
  // A length below 16, or past the datagram: malformed, at that header.
  const short = walkAll([...msg(16, 24), ...msg(8, 25), ...msg(16, 26)]);
  assert.deepEqual(short.seen, [[0, 16, 24]]);
  assert.deepEqual([short.malformed, short.offset, short.length], [true, 16, 8]);
  const long = walkAll([...msg(16, 24), ...msg(16, 25)].map((b, i) => (i === 16 ? 64 : b)));
  assert.deepEqual([long.seen.length, long.malformed, long.offset, long.length], [1, true, 16, 64]);
  // Only the first `size` bytes.
  const bytes = Uint8Array.from([...msg(16, 24), ...msg(16, 25)]);
  const w = new MessageWalk(new DataView(bytes.buffer), 16);
  assert.equal(w.next(), true);
  assert.equal(w.next(), false);
  assert.equal(w.malformed, false);
});

Deno.test("one reader: header getters, headerField, header() and decodeStruct agree", () => {
  const header = {
    kind: "struct",
    fields: [
      ["a", "u8"],
      ["b", "s8"],
      ["c", "u16"],
      ["d", "s16"],
      ["e", "be16"],
      ["f", "u32"],
      ["g", "s32"],
      ["h", "be32"],
      ["i", "u64"],
      ["j", "s64"],
      ["k", "be64"],
      ["l", "char[4]"],
      ["m", "ipaddr[4]"],
      ["n", "bytes[2]"],
    ],
  } as const;
  const body = Uint8Array.from({ length: 54 }, (_, i) => 0x80 + i * 2);
  body.set([0x76, 0x30, 0, 0x41], 44); // l: "v0", NUL
  const bytes = message([...body]);
  const M = messageViewClass({ name: "t", header, attrs: attrs("T_", {}) });
  const v = new M(new DataView(bytes.buffer), bytes, 0, bytes.length) as unknown as
    & InstanceType<typeof M>
    & Record<string, unknown>;
  const whole = v.header();
  const direct = decodeStruct(new DataView(bytes.buffer), bytes, header, 16, 54);
  assert.equal(Object.keys(whole).length, 14);
  for (const [name] of header.fields) {
    assert.deepEqual(v[name], whole[name], name);
    assert.deepEqual(v.headerField(name), whole[name], name);
    assert.deepEqual(direct[name], whole[name], name);
  }
  assert.equal(whole.a, 0x80);
  assert.equal(whole.e, (body[6] << 8) | body[7]);
  assert.equal(whole.m, [...body.subarray(48, 52)].join("."));
  assert.equal(whole.l, "v0");
  // A header cut short leaves the fields beyond it undefined, on every path.
  const short = new M(new DataView(bytes.buffer), bytes, 0, 16 + 8);
  const cut = short as unknown as Record<string, unknown>;
  assert.equal(cut.e, whole.e);
  assert.equal(short.headerField("e"), whole.e);
  for (const name of ["f", "l", "n"]) {
    assert.equal(cut[name], undefined, name);
    assert.equal(short.headerField(name), undefined, name);
    assert.equal(short.header()[name], undefined, name);
  }
});
