/**
 * The u32 classifier: selectors built from match lists as `tc … u32 match …` packs them
 * (tc/f_u32.c: 32-bit keys at 4-byte aligned offsets, 8- and 16-bit matches folded into
 * them), hash tables, links and divisors, and the decoder of `struct tc_u32_sel`.
 *
 * @module
 */

import { describeValue, formatIp, parsePrefix } from "../../netlink/addr.ts";
import { DecodeError } from "../../netlink/errors.ts";
import { ETH_P } from "./handles.ts";

/** `TC_U32_*` selector flags. */
export const TC_U32 = { TERMINAL: 1, OFFSET: 2, VAROFFSET: 4, EAT: 8 } as const;

/** One 32-bit key of a selector (mask and value in host order). */
export interface U32Key {
  /** Mask (host order: 0xffff0000 matches the first two bytes at `off`). */
  mask: number;
  /** Value, already masked. */
  val: number;
  /** Byte offset (a multiple of 4). */
  off: number;
  /** 0, or -1 for "relative to the next header". */
  offmask: number;
}

/** `struct tc_u32_sel` without its keys. */
export interface U32SelHeader {
  /** `TC_U32_*` flags. */
  flags: number;
  /** Shift of the variable offset. */
  offshift: number;
  /** Mask of the variable offset (host order). */
  offmask: number;
  /** Constant offset to the next header. */
  off: number;
  /** Where the variable offset is read. */
  offoff: number;
  /** Where the hash key is read. */
  hoff: number;
  /** Hash key mask (host order). */
  hmask: number;
}

/** A decoded selector. */
export interface U32Sel extends U32SelHeader {
  /** Number of keys. */
  nkeys: number;
  /** The keys. */
  keys: U32Key[];
}

/** A field value: a number (full mask) or `[value, mask]`. */
export type U32Value = number | readonly [value: number, mask: number];

/**
 * One entry of a u32 `match` list. IP fields: `src`/`dst` (`"10.0.0.0/8"`, IPv4 or IPv6),
 * `tos`/`dsfield`, `precedence`, `ihl`, `protocol` (`"tcp"`, 6, …), `sport`, `dport`,
 * `icmp_type`, `icmp_code`, `flowlabel`/`priority` (IPv6). IPv4 or IPv6 offsets follow the
 * address, `family`, or the filter's protocol. Raw: `{ u32 | u16 | u8: value or [value, mask],
 * at: offset, nexthdr?: true }`.
 */
export interface U32Match {
  /** Source prefix. */
  src?: string;
  /** Destination prefix. */
  dst?: string;
  /** IPv4 TOS / DS field. */
  tos?: U32Value;
  /** Same as tos. */
  dsfield?: U32Value;
  /** IPv4 precedence byte (as tc: the TOS byte). */
  precedence?: U32Value;
  /** IPv4 header length field (with the version nibble). */
  ihl?: U32Value;
  /** IP protocol: a number or name. */
  protocol?: U32Value | string;
  /** Source port (assumes no IP options). */
  sport?: U32Value;
  /** Destination port. */
  dport?: U32Value;
  /** ICMP type. */
  icmp_type?: U32Value;
  /** ICMP code. */
  icmp_code?: U32Value;
  /** IPv6 flow label. */
  flowlabel?: U32Value;
  /** IPv6 traffic class. */
  priority?: U32Value;
  /** Which header layout: "ip" (IPv4) or "ip6". */
  family?: "ip" | "ip6";
  /** Raw 32-bit match at `at`. */
  u32?: U32Value;
  /** Raw 16-bit match at `at`. */
  u16?: U32Value;
  /** Raw 8-bit match at `at`. */
  u8?: U32Value;
  /** Offset of a raw match. */
  at?: number;
  /** A raw match's offset is relative to the next header (`nexthdr+`). */
  nexthdr?: boolean;
}

const IP_PROTOCOLS: Readonly<Record<string, number>> = {
  icmp: 1,
  igmp: 2,
  ipip: 4,
  tcp: 6,
  udp: 17,
  ipv6: 41,
  gre: 47,
  esp: 50,
  ah: 51,
  icmpv6: 58,
  "ipv6-icmp": 58,
  sctp: 132,
  udplite: 136,
};

/** An IP protocol name or number. */
export function parseIpProto(v: unknown, field: string): number {
  if (typeof v === "string" && Object.hasOwn(IP_PROTOCOLS, v)) return IP_PROTOCOLS[v];
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 255) return v;
  throw new TypeError(
    `${field}: expected an IP protocol (tcp, udp, icmp, … or 0..255), got ${describeValue(v)}`,
  );
}

/** A selector being built. */
export class U32Selector implements U32SelHeader {
  flags = 0;
  offshift = 0;
  offmask = 0;
  off = 0;
  offoff = 0;
  hoff = 0;
  hmask = 0;
  /** The keys so far. */
  readonly keys: U32Key[] = [];

  /** `pack_key`: adds a 32-bit key or merges it into one at the same offset. */
  packKey(val: number, mask: number, off: number, offmask: number, field: string): void {
    val = (val & mask) >>> 0;
    mask >>>= 0;
    for (const k of this.keys) {
      if (k.off === off && k.offmask === offmask) {
        if (((val ^ k.val) & mask & k.mask) !== 0) {
          throw new TypeError(`${field}: contradicts an earlier match at offset ${off}`);
        }
        k.val = (k.val | val) >>> 0;
        k.mask = (k.mask | mask) >>> 0;
        return;
      }
    }
    if (this.keys.length >= 128) throw new RangeError(`${field}: more than 128 keys`);
    if (off % 4) throw new RangeError(`${field}: offset ${off} is not a multiple of 4`);
    this.keys.push({ mask, val, off, offmask });
  }

  /** `pack_key16`. */
  packKey16(val: number, mask: number, off: number, offmask: number, field: string): void {
    if (val > 0xffff || mask > 0xffff) throw new RangeError(`${field}: above 0xffff`);
    if ((off & 3) === 0) {
      val <<= 16;
      mask <<= 16;
    }
    this.packKey(val >>> 0, mask >>> 0, off & ~3, offmask, field);
  }

  /** `pack_key8`. */
  packKey8(val: number, mask: number, off: number, offmask: number, field: string): void {
    if (val > 0xff || mask > 0xff) throw new RangeError(`${field}: above 0xff`);
    const shift = (3 - (off & 3)) * 8;
    this.packKey((val << shift) >>> 0, (mask << shift) >>> 0, off & ~3, offmask, field);
  }

  /** The selector's bytes: `struct tc_u32_sel` and its keys (network-order fields). */
  bytes(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(16 + 16 * this.keys.length);
    const dv = new DataView(out.buffer);
    dv.setUint8(0, this.flags);
    dv.setUint8(1, this.offshift);
    dv.setUint8(2, this.keys.length);
    dv.setUint16(4, this.offmask, false);
    dv.setUint16(6, this.off, true);
    dv.setInt16(8, this.offoff, true);
    dv.setInt16(10, this.hoff, true);
    dv.setUint32(12, this.hmask, false);
    this.keys.forEach((k, i) => {
      const p = 16 + i * 16;
      dv.setUint32(p, k.mask, false);
      dv.setUint32(p + 4, k.val, false);
      dv.setInt32(p + 8, k.off, true);
      dv.setInt32(p + 12, k.offmask, true);
    });
    return out;
  }
}

function valueMask(v: unknown, full: number, field: string): [number, number] {
  if (typeof v === "number") v = [v, full];
  if (
    !Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x) && x >= 0)
  ) {
    throw new TypeError(`${field}: expected a number or [value, mask], got ${describeValue(v)}`);
  }
  const [val, mask] = v as number[];
  if (val > full || mask > full) {
    throw new RangeError(`${field}: ${val}/${mask} does not fit ${full.toString(16)}`);
  }
  return [val, mask];
}

function addrKeys(sel: U32Selector, text: unknown, off4: number, off6: number, field: string) {
  const p = parsePrefix(text, field);
  const dv = new DataView(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
  if (p.family === 2) {
    const mask = p.prefixlen ? (0xffffffff << (32 - p.prefixlen)) >>> 0 : 0;
    sel.packKey(dv.getUint32(0, false), mask, off4, 0, field);
    return;
  }
  for (let i = 0; i < p.prefixlen; i += 32) {
    const bits = Math.min(32, p.prefixlen - i);
    const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    sel.packKey(dv.getUint32(i / 8, false), mask, off6 + i / 8, 0, field);
  }
}

type FieldDef = [size: 8 | 16 | 32, off4: number | null, off6: number | null, shift6?: number];

const FIELDS: Readonly<Record<string, FieldDef>> = {
  tos: [8, 1, null],
  dsfield: [8, 1, null],
  precedence: [8, 1, null],
  ihl: [8, 0, null],
  protocol: [8, 9, 6],
  sport: [16, 20, 40],
  dport: [16, 22, 42],
  icmp_type: [8, 20, 40],
  icmp_code: [8, 21, 41],
  flowlabel: [32, null, 0],
  priority: [32, null, 0, 20],
};

/** Adds one match entry's keys. `protocol` is the filter's (ETH_P_*), for the default family. */
export function addMatch(sel: U32Selector, m: unknown, protocol: number, field: string): void {
  if (typeof m !== "object" || m === null || Array.isArray(m)) {
    throw new TypeError(`${field}: expected a match object, got ${describeValue(m)}`);
  }
  const e = m as Record<string, unknown>;
  const raw = ["u32", "u16", "u8"].filter((k) => e[k] !== undefined);
  if (raw.length > 0) {
    if (raw.length > 1) throw new TypeError(`${field}: one of u32, u16 or u8 per match`);
    for (const k of Object.keys(e)) {
      if (!["u32", "u16", "u8", "at", "nexthdr"].includes(k)) {
        throw new TypeError(`${field}.${k}: a raw match takes only u32/u16/u8, at and nexthdr`);
      }
    }
    const at = e.at ?? 0;
    if (!Number.isInteger(at) || (at as number) < 0 || (at as number) > 0xffff) {
      throw new RangeError(`${field}.at: expected an offset 0..65535, got ${describeValue(at)}`);
    }
    const offmask = e.nexthdr === true ? -1 : 0;
    const k = raw[0];
    const f = `${field}.${k}`;
    if (k === "u32") {
      const [v, mk] = valueMask(e.u32, 0xffffffff, f);
      sel.packKey(v, mk, at as number, offmask, f);
    } else if (k === "u16") {
      const [v, mk] = valueMask(e.u16, 0xffff, f);
      sel.packKey16(v, mk, at as number, offmask, f);
    } else {
      const [v, mk] = valueMask(e.u8, 0xff, f);
      sel.packKey8(v, mk, at as number, offmask, f);
    }
    return;
  }
  let fam = e.family;
  if (fam !== undefined && fam !== "ip" && fam !== "ip6") {
    throw new TypeError(`${field}.family: expected "ip" or "ip6", got ${describeValue(fam)}`);
  }
  fam ??= typeof e.src === "string" && e.src.includes(":") ||
      typeof e.dst === "string" && e.dst.includes(":") || protocol === ETH_P.ipv6
    ? "ip6"
    : "ip";
  const v6 = fam === "ip6";
  let any = false;
  for (const [k, v] of Object.entries(e)) {
    if (v === undefined || k === "family") continue;
    any = true;
    const f = `${field}.${k}`;
    if (k === "src" || k === "dst") {
      addrKeys(sel, v, k === "src" ? 12 : 16, k === "src" ? 8 : 24, f);
      continue;
    }
    const def = FIELDS[k];
    if (!def) throw new TypeError(`${f}: unknown match field`);
    const [size, off4, off6, shift] = def;
    const off = v6 ? off6 : off4;
    if (off === null) throw new TypeError(`${f}: not a field of ${v6 ? "IPv6" : "IPv4"}`);
    const full = size === 8 ? 0xff : size === 16 ? 0xffff : (k === "priority" ? 0xff : 0xfffff);
    const [val, mask] = k === "protocol" && typeof v === "string"
      ? [parseIpProto(v, f), 0xff]
      : valueMask(v, full, f);
    if (size === 8) sel.packKey8(val, mask, off, 0, f);
    else if (size === 16) sel.packKey16(val, mask, off, 0, f);
    else {
      const s = shift ?? 0;
      sel.packKey((val << s) >>> 0, (mask << s) >>> 0, off, 0, f);
    }
  }
  if (!any) throw new TypeError(`${field}: an empty match`);
}

/**
 * A u32 handle (as `get_u32_handle`): `"800:"` (hash table), `"800:0:1"` (table, bucket,
 * node), `"0x80000800"`, or a number.
 */
export function parseU32Handle(v: unknown, field: string): number {
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new RangeError(`${field}: ${v} is out of range 0..0xffffffff`);
    }
    return v;
  }
  if (typeof v !== "string") {
    throw new TypeError(`${field}: expected a u32 handle such as "800:", got ${describeValue(v)}`);
  }
  if (/^0x[0-9a-fA-F]{1,8}$/.test(v)) return parseInt(v, 16) >>> 0;
  const parts = v.split(":");
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => /^[0-9a-fA-F]*$/.test(p))) {
    throw new TypeError(`${field}: invalid u32 handle ${JSON.stringify(v)} ("ht:bucket:node")`);
  }
  const [ht, h, n] = [0, 1, 2].map((i) => parts[i] ? parseInt(parts[i], 16) : 0);
  if (ht >= 0x1000) throw new RangeError(`${field}: hash table id ${ht.toString(16)} > fff`);
  if (h >= 0x100) throw new RangeError(`${field}: bucket ${h.toString(16)} > ff`);
  if (n >= 0x1000) throw new RangeError(`${field}: node ${n.toString(16)} > fff`);
  return ((ht << 20) | (h << 12) | n) >>> 0;
}

/** `"ht:bucket:node"` text of a u32 handle, as tc prints it (`"800:"`, `"800::800"`). */
export function formatU32Handle(h: number): string {
  const ht = (h >>> 20).toString(16), b = (h >>> 12) & 0xff, n = h & 0xfff;
  if (!n && !b) return `${ht}:`;
  return `${ht}:${b ? b.toString(16) : ""}:${n ? n.toString(16) : ""}`;
}

/** Decodes `struct tc_u32_sel` and its keys. */
export function decodeU32Sel(b: Uint8Array): U32Sel {
  if (b.length < 16) throw new DecodeError(`TCA_U32_SEL: ${b.length} bytes, expected 16 or more`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const nkeys = dv.getUint8(2);
  if (b.length < 16 + 16 * nkeys) {
    throw new DecodeError(`TCA_U32_SEL: ${b.length} bytes for ${nkeys} keys`);
  }
  const keys: U32Key[] = [];
  for (let i = 0; i < nkeys; i++) {
    const p = 16 + 16 * i;
    keys.push({
      mask: dv.getUint32(p, false),
      val: dv.getUint32(p + 4, false),
      off: dv.getInt32(p + 8, true),
      offmask: dv.getInt32(p + 12, true),
    });
  }
  return {
    flags: dv.getUint8(0),
    offshift: dv.getUint8(1),
    nkeys,
    offmask: dv.getUint16(4, false),
    off: dv.getUint16(6, true),
    offoff: dv.getInt16(8, true),
    hoff: dv.getInt16(10, true),
    hmask: dv.getUint32(12, false),
    keys,
  };
}

/** A key as text, as `tc` prints it: `"0a010000/ffff0000 at 16"`. */
export function formatU32Key(k: U32Key): string {
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  return `${hex(k.val)}/${hex(k.mask)} at ${k.offmask ? "nexthdr+" : ""}${k.off}`;
}

/** The IPv4 address in a key's value (for display). */
export function keyAddress(k: U32Key): string {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, k.val, false);
  return formatIp(b, 0, 4);
}
