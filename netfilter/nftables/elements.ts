/**
 * Set elements: values written as nft writes them (`"10.0.0.1"`, `"10.0.0.0/8"`, `80`,
 * `"1000-2000"`, `"eth0"`) turned into key bytes of the set's type, intervals into the
 * start/end element pairs nf_tables stores (as nft(8) sends them), and elements read back.
 *
 * @module
 */

import { describeValue, formatHex, formatIp, parseIp, parseMac } from "../../netlink/addr.ts";
import { checkInt, writeAttr } from "../../netlink/encoder.ts";
import { checkKeys, isPlainObject, KeySet } from "../../netlink/strict.ts";
import { checkVerdict } from "./expr.ts";
import type { NftVerdict } from "./expr.ts";
import { msOf } from "./names.ts";
import type { Writer } from "../../netlink/encoder.ts";
import { NFT_SET_ELEM_F } from "./schema.ts";

/** What an element's encoding needs to know of its set. */
export interface SetShape {
  /** nft type name of the key (`ipv4_addr`, …), when known. */
  keyType?: string;
  /** Key length in bytes. */
  keyLen: number;
  /** Interval set. */
  interval: boolean;
  /** Map: data type name, `"verdict"`, or undefined for a plain set. */
  dataType?: string;
  /** Data length of a value map. */
  dataLen?: number;
}

/** A key or map value: text or number as nft writes it, or the raw bytes. */
export type ElementValue = string | number | Uint8Array;

/** One element: a key (or an interval), and for maps its data; options. */
export interface NftElementSpec {
  /** The key: a value, a prefix (`"10.0.0.0/8"`) or a range (`"10.0.0.1-10.0.0.9"`, `"80-90"`). */
  key: ElementValue;
  /** The value of a map: a verdict (`"accept"`, `{ code: "jump", chain }`) or data. */
  data?: ElementValue | NftVerdict;
  /** Timeout: milliseconds or nft's text (`"1h"`). */
  timeout?: number | string;
  /** Comment (nft's element userdata). */
  comment?: string;
}

/** An element as given: a key alone, or a spec. */
export type ElementInput = ElementValue | NftElementSpec;

/** Dotted-quad IPv4 text into 4 bytes, or null (a fast path: sets take many thousands). */
function quad(text: string): Uint8Array | null {
  const out = new Uint8Array(4);
  let part = 0, n = 0, digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part === 3) return null;
      out[part++] = n;
      n = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      n = n * 10 + c - 48;
      digits++;
      if (n > 255) return null;
    } else return null;
  }
  if (part !== 3 || digits === 0) return null;
  out[3] = n;
  return out;
}

/** The bytes of one value of nft type `type` (length `len`); TypeError naming `field`. */
export function valueBytes(
  v: ElementValue,
  type: string | undefined,
  len: number,
  field: string,
): Uint8Array {
  let b: Uint8Array;
  if (v instanceof Uint8Array) b = v;
  else {
    switch (type) {
      case "ipv4_addr":
        b = (typeof v === "string" ? quad(v) : null) ?? parseIp(v, field);
        break;
      case "ipv6_addr":
        b = parseIp(v, field);
        break;
      case "ether_addr":
        b = parseMac(v, field);
        break;
      case "inet_service":
        b = new Uint8Array(2);
        new DataView(b.buffer).setUint16(0, checkInt(v, "be16", field), false);
        break;
      case "inet_proto":
        b = new Uint8Array([checkInt(v, "u8", field)]);
        break;
      case "mark":
        b = new Uint8Array(4);
        new DataView(b.buffer).setUint32(0, checkInt(v, "u32", field), true);
        break;
      case "ifname": {
        if (typeof v !== "string" || v === "" || new TextEncoder().encode(v).length >= 16) {
          throw new TypeError(`${field}: expected an interface name, got ${describeValue(v)}`);
        }
        b = new Uint8Array(16);
        b.set(new TextEncoder().encode(v));
        break;
      }
      default:
        throw new TypeError(
          `${field}: give the value as bytes (the set's type is not known: ${String(type)})`,
        );
    }
  }
  if (b.length !== len) {
    throw new TypeError(`${field}: a key of ${b.length} bytes for a set of ${len}-byte keys`);
  }
  return b;
}

/** Big-endian increment (the first value past an interval's end); null past the last value. */
function next(b: Uint8Array): Uint8Array | null {
  const out = b.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] < 255) {
      out[i]++;
      return out;
    }
    out[i] = 0;
  }
  return null;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** The first and last key of a value, a prefix or a range. */
function interval(v: ElementValue, shape: SetShape, field: string): [Uint8Array, Uint8Array] {
  if (typeof v === "string") {
    const slash = v.indexOf("/");
    if (slash > 0 && (shape.keyType === "ipv4_addr" || shape.keyType === "ipv6_addr")) {
      const base = valueBytes(v.slice(0, slash), shape.keyType, shape.keyLen, field);
      const plen = Number(v.slice(slash + 1));
      if (!Number.isInteger(plen) || plen < 0 || plen > shape.keyLen * 8) {
        throw new RangeError(`${field}: bad prefix length in ${JSON.stringify(v)}`);
      }
      const first = base.slice(), last = base.slice();
      for (let bit = plen; bit < shape.keyLen * 8; bit++) {
        first[bit >> 3] &= ~(0x80 >> (bit & 7));
        last[bit >> 3] |= 0x80 >> (bit & 7);
      }
      return [first, last];
    }
    const dash = v.indexOf("-", 1);
    if (dash > 0) {
      const conv = (s: string) =>
        shape.keyType === "inet_service" || shape.keyType === "mark" ||
          shape.keyType === "inet_proto"
          ? Number(s)
          : s;
      const a = valueBytes(conv(v.slice(0, dash)), shape.keyType, shape.keyLen, field);
      const b = valueBytes(conv(v.slice(dash + 1)), shape.keyType, shape.keyLen, field);
      if (compare(a, b) > 0) throw new RangeError(`${field}: a range that ends before it starts`);
      return [a, b];
    }
  }
  const b = valueBytes(v, shape.keyType, shape.keyLen, field);
  return [b, b];
}

function dataOf(v: unknown, shape: SetShape, field: string): Record<string, unknown> {
  if (shape.dataType === "verdict") return { verdict: checkVerdict(v, field) };
  if (v instanceof Uint8Array || typeof v === "string" || typeof v === "number") {
    return { value: valueBytes(v, shape.dataType, shape.dataLen ?? 0, field) };
  }
  throw new TypeError(`${field}: expected a map value, got ${describeValue(v)}`);
}

const SPEC_KEYS = new KeySet("element key", ["key", "data", "timeout", "comment"]);

/**
 * Refuses an unknown key of an element given as an object (`field` names the element). The
 * keys are the same for every set, so this needs no shape: a transaction checks them when the
 * element is queued, before the set's shape is read from the kernel.
 */
export function checkElementKeys(element: unknown, field: string): void {
  if (!isPlainObject(element)) return;
  checkKeys(element, SPEC_KEYS, field, `${field}.`);
}

/** The comment of an element as nft stores it (userdata TLV 0: a NUL-terminated string). */
function commentData(comment: string, field: string): Uint8Array {
  const text = new TextEncoder().encode(comment);
  if (text.length > 127) throw new RangeError(`${field}: longer than 127 bytes`);
  const out = new Uint8Array(2 + text.length + 1);
  out[0] = 0;
  out[1] = text.length + 1;
  out.set(text, 2);
  return out;
}

/**
 * The `NFTA_SET_ELEM_*` values of elements of a set of `shape`: each key (or interval, as a
 * start element and an interval-end element after its last key, preceded by an end element at
 * zero as nft sends them), map data, timeout and comment.
 */
export function encodeElements(
  elements: readonly ElementInput[],
  shape: SetShape,
  field: string,
  forDelete = false,
): Record<string, unknown>[] {
  if (!Array.isArray(elements)) {
    throw new TypeError(`${field}: expected an array of elements, got ${describeValue(elements)}`);
  }
  if (!shape.interval && shape.dataType === undefined) {
    // Keys alone (the common large set): no spec objects.
    const fast: Record<string, unknown>[] = [];
    const v4 = shape.keyType === "ipv4_addr";
    for (let i = 0; i < elements.length; i++) {
      const e = elements[i];
      if (typeof e !== "string" && typeof e !== "number" && !(e instanceof Uint8Array)) break;
      // The field's name is built only for an error.
      const b = v4 && typeof e === "string" ? quad(e) : null;
      fast.push({
        key: { value: b ?? valueBytes(e, shape.keyType, shape.keyLen, `${field}[${i}].key`) },
      });
    }
    if (fast.length === elements.length) return fast;
  }
  const specs = elements.map((e, i) => {
    const f = `${field}[${i}]`;
    checkElementKeys(e, f);
    const spec = (isPlainObject(e) ? e : { key: e }) as unknown as NftElementSpec;
    if (spec.key === undefined) throw new TypeError(`${f}.key: required`);
    if (shape.dataType !== undefined && spec.data === undefined && !forDelete) {
      throw new TypeError(`${f}.data: a map element needs its value`);
    }
    if (shape.dataType === undefined && spec.data !== undefined) {
      throw new TypeError(`${f}.data: the set is not a map`);
    }
    const out: Record<string, unknown> = {};
    if (spec.data !== undefined) out.data = dataOf(spec.data, shape, `${f}.data`);
    if (spec.timeout !== undefined) out.timeout = msOf(spec.timeout, `${f}.timeout`);
    if (spec.comment !== undefined) {
      if (typeof spec.comment !== "string") throw new TypeError(`${f}.comment: expected a string`);
      out.userdata = commentData(spec.comment, `${f}.comment`);
    }
    const [first, last] = shape.interval
      ? interval(spec.key, shape, `${f}.key`)
      : [valueBytes(spec.key, shape.keyType, shape.keyLen, `${f}.key`), undefined];
    return { first, last, out, f };
  });
  if (!shape.interval) {
    return specs.map((s) => ({ key: { value: s.first }, ...s.out }));
  }
  specs.sort((a, b) => compare(a.first, b.first));
  for (let i = 1; i < specs.length; i++) {
    if (compare(specs[i].first, specs[i - 1].last!) <= 0) {
      throw new RangeError(`${specs[i].f}.key: overlaps ${specs[i - 1].f}.key`);
    }
  }
  const out: Record<string, unknown>[] = [];
  const zero = new Uint8Array(shape.keyLen);
  if (specs.length && compare(specs[0].first, zero) !== 0) {
    out.push({ key: { value: zero }, flags: NFT_SET_ELEM_F.interval_end });
  }
  specs.forEach((s, i) => {
    out.push({ key: { value: s.first }, ...s.out });
    const end = next(s.last!);
    const following = specs[i + 1]?.first;
    if (end && !(following && compare(following, end) === 0)) {
      out.push({ key: { value: end }, flags: NFT_SET_ELEM_F.interval_end });
    }
  });
  return out;
}

/** One element as read back. */
export interface NftElementInfo {
  /** The key as text of the set's type (bytes as hex when unknown). */
  key: string | number;
  /** The key's bytes. */
  keyBytes: Uint8Array;
  /** An interval end marker. */
  intervalEnd?: boolean;
  /** Map value: a verdict, or data as text of the map's type. */
  data?: string | number | NftVerdict;
  /** Timeout (ms). */
  timeout?: number;
  /** Time left (ms). */
  expiration?: number;
  /** Comment. */
  comment?: string;
}

/** A value of nft type `type` as text. */
export function valueText(b: Uint8Array, type: string | undefined): string | number {
  switch (type) {
    case "ipv4_addr":
    case "ipv6_addr":
      return formatIp(b, 0, b.length);
    case "inet_service":
      return b.length === 2 ? (b[0] << 8) | b[1] : hex(b);
    case "inet_proto":
      return b[0];
    case "mark":
      return b.length === 4 ? new DataView(b.buffer, b.byteOffset).getUint32(0, true) : hex(b);
    case "ifname":
      return new TextDecoder().decode(b).replace(/\0+$/, "");
    case "ether_addr":
      return formatHex(b, 0, b.length);
  }
  return hex(b);
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** An element object (decoded NFTA_SET_ELEM) in readable form. */
export function elementInfo(
  e: Record<string, unknown>,
  keyType: string | undefined,
  dataType: string | undefined,
): NftElementInfo {
  const keyBytes = ((e.key as { value?: Uint8Array } | undefined)?.value) ?? new Uint8Array(0);
  const out: NftElementInfo = { key: valueText(keyBytes, keyType), keyBytes };
  if (((e.flags as number | undefined) ?? 0) & NFT_SET_ELEM_F.interval_end) out.intervalEnd = true;
  const d = e.data as { value?: Uint8Array; verdict?: NftVerdict } | undefined;
  if (d?.verdict) out.data = d.verdict;
  else if (d?.value) out.data = valueText(d.value, dataType);
  if (typeof e.timeout === "number") out.timeout = e.timeout;
  if (typeof e.expiration === "number") out.expiration = e.expiration;
  const u = e.userdata;
  if (u instanceof Uint8Array && u.length > 2 && u[0] === 0) {
    out.comment = new TextDecoder().decode(u.subarray(2, 2 + u[1])).replace(/\0+$/, "");
  }
  return out;
}

const VERDICTS: Readonly<Record<string, number>> = {
  drop: 0,
  accept: 1,
  stolen: 2,
  queue: 3,
  repeat: 4,
  stop: 5,
  continue: 0xffffffff,
  break: 0xfffffffe,
  jump: 0xfffffffd,
  goto: 0xfffffffc,
  return: 0xfffffffb,
};

/**
 * Writes `NFTA_SET_ELEM_LIST_ELEMENTS` with elements from {@link encodeElements} straight into
 * `w` (what the schema encoder would write, without its per-attribute lookups: a set of 10k
 * elements is one hot loop). Elements are numbered 1, 2, … as nft sends them.
 */
export function writeElements(w: Writer, elements: readonly Record<string, unknown>[]): void {
  const list = w.beginNest(3);
  elements.forEach((e, i) => {
    const elem = w.beginNest(i + 1);
    for (const k in e) {
      const v = e[k];
      switch (k) {
        case "key":
          writeData(w, 1, v as Record<string, unknown>);
          break;
        case "data":
          writeData(w, 2, v as Record<string, unknown>);
          break;
        case "flags":
          writeAttr(w, 3, "be32", v, "flags");
          break;
        case "timeout":
          writeAttr(w, 4, "be64", v, "timeout");
          break;
        case "userdata":
          w.attrBytes(6, v as Uint8Array);
          break;
      }
    }
    w.endNest(elem);
  });
  w.endNest(list);
}

/** An NFTA_DATA nest of attribute `type`: a value, or a verdict. */
function writeData(w: Writer, type: number, d: Record<string, unknown>): void {
  const at = w.beginNest(type);
  if (d.value instanceof Uint8Array) w.attrBytes(1, d.value);
  else {
    const v = d.verdict as Record<string, unknown>;
    const vn = w.beginNest(2);
    const code = typeof v.code === "string" ? VERDICTS[v.code] : v.code as number;
    // NFTA_VERDICT_CODE, NFTA_VERDICT_CHAIN, NFTA_VERDICT_CHAIN_ID
    writeAttr(w, 1, "be32", code >>> 0, "verdict.code");
    if (typeof v.chain === "string") writeAttr(w, 2, "string", v.chain, "verdict.chain");
    if (typeof v.chain_id === "number") writeAttr(w, 3, "be32", v.chain_id, "verdict.chain_id");
    w.endNest(vn);
  }
  w.endNest(at);
}
