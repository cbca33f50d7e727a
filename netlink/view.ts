/**
 * Lazy, zero-copy views over received messages.
 *
 * A view is a window on the datagram's `ArrayBuffer`. Nothing is decoded until it is read: the
 * first lookups scan the attributes in place, later ones build an offset table (libmnl's `tb[]`)
 * in one pass; values decode on access, and objects (nests, structs) are cached.
 *
 * @module
 */

import { formatIp } from "./addr.ts";
import { NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK, NLMSG_HDRLEN } from "./constants.ts";
import { DecodeError } from "./errors.ts";
import { layout, structSize } from "./schema.ts";
import type {
  AttrDef,
  AttrSchema,
  Codec,
  FieldCodec,
  LaidField,
  MessageSchema,
  StructCodec,
} from "./schema.ts";

/** A key of {@link AttrView.get}: short name, kernel name, attribute number, or a path of them. */
export type AttrKey = string | number | readonly (string | number)[];

const utf8 = new TextDecoder();

// 64-bit integers are read as two 32-bit halves: hi * 2^32 + lo is rounded once, exactly as
// Number(BigInt) rounds, without allocating a BigInt per value (a link's stats64 has 25).
const TWO32 = 4294967296;

/** An unsigned 64-bit integer at `off` as a Number (rounded as Number(BigInt) does). */
function u64(dv: DataView, off: number, little: boolean): number {
  return little
    ? dv.getUint32(off + 4, true) * TWO32 + dv.getUint32(off, true)
    : dv.getUint32(off, false) * TWO32 + dv.getUint32(off + 4, false);
}

/** A signed 64-bit integer at `off` as a Number (rounded as Number(BigInt) does). */
function s64(dv: DataView, off: number, little: boolean): number {
  return little
    ? dv.getInt32(off + 4, true) * TWO32 + dv.getUint32(off, true)
    : dv.getInt32(off, false) * TWO32 + dv.getUint32(off + 4, false);
}

const HEX2: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => (i < 16 ? "0" : "") + i.toString(16),
);
const HEXC: readonly string[] = HEX2.map((h) => ":" + h);

/** Bytes as lowercase colon-separated hex ("00:11:22"), as formatHex writes them. */
function hexText(u8: Uint8Array, off: number, len: number): string {
  if (len <= 0) return "";
  let s = HEX2[u8[off]];
  for (let i = 1; i < len; i++) s += HEXC[u8[off + i]];
  return s;
}

/** Decodes a NUL-terminated (or not) string of `len` bytes at `off`. */
export function decodeString(u8: Uint8Array, off: number, len: number): string {
  let end = off;
  const stop = off + len;
  let ascii = true;
  while (end < stop && u8[end] !== 0) {
    if (u8[end] > 0x7f) ascii = false;
    end++;
  }
  if (ascii && end - off <= 64) {
    let s = "";
    for (let i = off; i < end; i++) s += String.fromCharCode(u8[i]);
    return s;
  }
  return utf8.decode(u8.subarray(off, end));
}

/** Reads one struct field at `off`; returns undefined when the field is beyond `limit`. */
function readField(
  dv: DataView,
  u8: Uint8Array,
  codec: FieldCodec,
  off: number,
  size: number,
  limit: number,
): unknown {
  if (off + size > limit) return undefined;
  switch (codec) {
    case "u8":
      return dv.getUint8(off);
    case "s8":
      return dv.getInt8(off);
    case "u16":
      return dv.getUint16(off, true);
    case "s16":
      return dv.getInt16(off, true);
    case "be16":
      return dv.getUint16(off, false);
    case "u32":
      return dv.getUint32(off, true);
    case "s32":
      return dv.getInt32(off, true);
    case "be32":
      return dv.getUint32(off, false);
    case "u64":
      return u64(dv, off, true);
    case "s64":
      return s64(dv, off, true);
    case "be64":
      return u64(dv, off, false);
    case "pad":
      return undefined;
  }
  if (codec.startsWith("char[")) return decodeString(u8, off, size);
  if (codec.startsWith("ipaddr[")) return formatIp(u8, off, size);
  return u8.slice(off, off + size);
}

/** A compiled reader of one struct field (bounds are checked by the caller). */
function fieldReader(
  codec: FieldCodec,
  size: number,
): (dv: DataView, u8: Uint8Array, off: number) => unknown {
  switch (codec) {
    case "u8":
      return (dv, _u8, off) => dv.getUint8(off);
    case "u16":
      return (dv, _u8, off) => dv.getUint16(off, true);
    case "u32":
      return (dv, _u8, off) => dv.getUint32(off, true);
    case "s32":
      return (dv, _u8, off) => dv.getInt32(off, true);
    default:
      return (dv, u8, off) => readField(dv, u8, codec, off, size, off + size);
  }
}

const visible = new WeakMap<StructCodec, readonly LaidField[]>();

/** The fields of a struct that decoding shows (not padding, not `_`-named). */
function visibleFields(s: StructCodec): readonly LaidField[] {
  let v = visible.get(s);
  if (!v) {
    v = layout(s).filter((f) => f.codec !== "pad" && !f.name.startsWith("_"));
    visible.set(s, v);
  }
  return v;
}

/** Decodes a struct at `off` with `len` bytes available (shorter structs leave fields undefined). */
export function decodeStruct(
  dv: DataView,
  u8: Uint8Array,
  s: StructCodec,
  off: number,
  len: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const limit = off + len;
  for (const f of visibleFields(s)) {
    const v = readField(dv, u8, f.codec, off + f.offset, f.size, limit);
    if (v !== undefined) out[f.name] = v;
  }
  return out;
}

function need(len: number, size: number, def: AttrDef | undefined, type: number): void {
  if (len < size) {
    throw new DecodeError(`attribute ${def?.kernelName ?? type}: ${len} bytes, expected ${size}`);
  }
}

// IPv4 text is built from per-octet strings, and the last 1024 distinct addresses are kept in a
// direct-mapped cache: a dump repeats its gateways and prefixes, and equal values then share one
// string instead of each building (and keeping) its own.
const DEC: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
const DOT: readonly string[] = DEC.map((d) => d + ".");
const IP4_KEYS = new Int32Array(1024);
const IP4_TEXT: (string | undefined)[] = new Array(1024).fill(undefined);

/** Formats the 4 IPv4 address bytes at `off` as dotted quad (as formatIp does). */
function formatIp4(u8: Uint8Array, off: number): string {
  const a = u8[off], b = u8[off + 1], c = u8[off + 2], d = u8[off + 3];
  const key = (a << 24) | (b << 16) | (c << 8) | d;
  const slot = (key ^ (key >>> 10) ^ (key >>> 20)) & 1023;
  const hit = IP4_TEXT[slot];
  if (hit !== undefined && IP4_KEYS[slot] === key) return hit;
  const text = DOT[a] + DOT[b] + DOT[c] + DEC[d];
  IP4_KEYS[slot] = key;
  IP4_TEXT[slot] = text;
  return text;
}

/**
 * Formats the 16 IPv6 address bytes at `off` as formatIp does (glibc's inet_ntop: the first
 * longest run of two or more zero words as "::", IPv4-mapped/compatible tails dotted), without
 * building an array of words.
 */
function formatIp6(u8: Uint8Array, off: number): string {
  let bestBase = -1, bestLen = 0, curBase = -1, curLen = 0;
  for (let i = 0; i < 8; i++) {
    if ((u8[off + 2 * i] | u8[off + 2 * i + 1]) === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
    } else curBase = -1;
  }
  if (bestLen < 2) bestBase = -1;
  let s = "";
  let colon = true; // s is empty or ends with ":"
  for (let i = 0; i < 8; i++) {
    if (i === bestBase) {
      s += "::";
      colon = true;
      i += bestLen - 1;
      continue;
    }
    if (
      i === 6 && bestBase === 0 &&
      (bestLen === 6 || (bestLen === 5 && u8[off + 10] === 0xff && u8[off + 11] === 0xff))
    ) {
      // IPv4-compatible or IPv4-mapped: the last 32 bits as dotted quad.
      if (!colon) s += ":";
      return s + DOT[u8[off + 12]] + DOT[u8[off + 13]] + DOT[u8[off + 14]] + DEC[u8[off + 15]];
    }
    if (!colon) s += ":";
    s += ((u8[off + 2 * i] << 8) | u8[off + 2 * i + 1]).toString(16);
    colon = false;
  }
  return s;
}

/** An IP address of `len` bytes at `off` as text. */
function ipText(u8: Uint8Array, off: number, len: number): string {
  return len === 4 ? formatIp4(u8, off) : len === 16 ? formatIp6(u8, off) : formatIp(u8, off, len);
}

/**
 * Reads a scalar attribute whose header is at `p` (payload at `p + 4`). Compiled once per
 * attribute definition, so a typed property does no codec dispatch per read.
 */
type Reader = (v: AttrView, p: number) => unknown;

// The compiled reader rides on the definition itself (a WeakMap lookup per read cost more than
// the read); definitions that cannot take a property (frozen) use the map.
const READER = Symbol("reader");
const readers = new WeakMap<AttrDef, Reader | null>();

/** The compiled reader of a scalar (or enum) attribute; null for object-like codecs. */
function readerOf(def: AttrDef): Reader | null {
  const d = def as AttrDef & { [READER]?: Reader | null };
  const own = d[READER];
  if (own !== undefined) return own;
  let r = readers.get(def);
  if (r === undefined) {
    r = compileReader(def, def.codec);
    if (Object.isExtensible(def)) {
      Object.defineProperty(def, READER, { value: r, enumerable: false });
      return r;
    }
    readers.set(def, r);
  }
  return r;
}

function payloadLength(dv: DataView, p: number): number {
  return dv.getUint16(p, true) - NLA_HDRLEN;
}

function netOrder(dv: DataView, p: number): boolean {
  return (dv.getUint16(p + 2, true) & NLA_F_NET_BYTEORDER) !== 0;
}

function compileReader(def: AttrDef, codec: Codec): Reader | null {
  const type = def.type;
  if (typeof codec !== "string") {
    if (codec.kind !== "enum") return null;
    // Like decodeValue: the base is read little-endian, then named (first name of a value wins).
    const base = compileReader(def, codec.base)!;
    const names = new Map<number, string>();
    for (const [name, v] of Object.entries(codec.names)) if (!names.has(v)) names.set(v, name);
    return (v, p) => {
      const n = base(v, p) as number;
      return names.get(n) ?? n;
    };
  }
  switch (codec) {
    case "u8":
      return (v, p) => {
        need(payloadLength(v.dv, p), 1, def, type);
        return v.dv.getUint8(p + NLA_HDRLEN);
      };
    case "s8":
      return (v, p) => {
        need(payloadLength(v.dv, p), 1, def, type);
        return v.dv.getInt8(p + NLA_HDRLEN);
      };
    case "u16":
      return (v, p) => {
        const dv = v.dv;
        need(payloadLength(dv, p), 2, def, type);
        return dv.getUint16(p + NLA_HDRLEN, !netOrder(dv, p));
      };
    case "s16":
      return (v, p) => {
        need(payloadLength(v.dv, p), 2, def, type);
        return v.dv.getInt16(p + NLA_HDRLEN, true);
      };
    case "be16":
      return (v, p) => {
        need(payloadLength(v.dv, p), 2, def, type);
        return v.dv.getUint16(p + NLA_HDRLEN, false);
      };
    case "u32":
      return (v, p) => {
        const dv = v.dv;
        need(payloadLength(dv, p), 4, def, type);
        return dv.getUint32(p + NLA_HDRLEN, !netOrder(dv, p));
      };
    case "s32":
      return (v, p) => {
        need(payloadLength(v.dv, p), 4, def, type);
        return v.dv.getInt32(p + NLA_HDRLEN, true);
      };
    case "be32":
      return (v, p) => {
        need(payloadLength(v.dv, p), 4, def, type);
        return v.dv.getUint32(p + NLA_HDRLEN, false);
      };
    case "u64":
      return (v, p) => {
        const dv = v.dv;
        const len = payloadLength(dv, p);
        if (netOrder(dv, p)) {
          need(len, 8, def, type);
          return u64(dv, p + NLA_HDRLEN, false);
        }
        // Some kernels send 32-bit values for 64-bit attributes (and vice versa): accept both.
        if (len === 4) return dv.getUint32(p + NLA_HDRLEN, true);
        need(len, 8, def, type);
        return u64(dv, p + NLA_HDRLEN, true);
      };
    case "s64":
      return (v, p) => {
        need(payloadLength(v.dv, p), 8, def, type);
        return s64(v.dv, p + NLA_HDRLEN, true);
      };
    case "be64":
      return (v, p) => {
        need(payloadLength(v.dv, p), 8, def, type);
        return u64(v.dv, p + NLA_HDRLEN, false);
      };
    case "string":
      return (v, p) => decodeString(v.u8, p + NLA_HDRLEN, payloadLength(v.dv, p));
    case "binary":
      return (v, p) => v.u8.subarray(p + NLA_HDRLEN, p + NLA_HDRLEN + payloadLength(v.dv, p));
    case "hex":
    case "lladdr":
      return (v, p) => hexText(v.u8, p + NLA_HDRLEN, payloadLength(v.dv, p));
    case "ipaddr":
      return (v, p) => ipText(v.u8, p + NLA_HDRLEN, payloadLength(v.dv, p));
    case "flag":
      return () => true;
  }
  return null;
}

/**
 * Decodes the payload of one attribute (`len` bytes at `off`) with `codec`. `owner` is the view
 * holding the attribute (for sibling-selected codecs).
 */
export function decodeValue(
  owner: AttrView,
  codec: Codec,
  off: number,
  len: number,
  def: AttrDef | undefined,
  type: number,
): unknown {
  const dv = owner.dv;
  if (typeof codec === "string") {
    switch (codec) {
      case "u8":
        need(len, 1, def, type);
        return dv.getUint8(off);
      case "s8":
        need(len, 1, def, type);
        return dv.getInt8(off);
      case "u16":
        need(len, 2, def, type);
        return dv.getUint16(off, true);
      case "s16":
        need(len, 2, def, type);
        return dv.getInt16(off, true);
      case "be16":
        need(len, 2, def, type);
        return dv.getUint16(off, false);
      case "u32":
        need(len, 4, def, type);
        return dv.getUint32(off, true);
      case "s32":
        need(len, 4, def, type);
        return dv.getInt32(off, true);
      case "be32":
        need(len, 4, def, type);
        return dv.getUint32(off, false);
      case "u64":
        // Some kernels send 32-bit values for 64-bit attributes (and vice versa): accept both.
        if (len === 4) return dv.getUint32(off, true);
        need(len, 8, def, type);
        return u64(dv, off, true);
      case "s64":
        need(len, 8, def, type);
        return s64(dv, off, true);
      case "be64":
        need(len, 8, def, type);
        return u64(dv, off, false);
      case "string":
        return decodeString(owner.u8, off, len);
      case "binary":
        return owner.u8.subarray(off, off + len);
      case "hex":
      case "lladdr":
        return hexText(owner.u8, off, len);
      case "ipaddr":
        return ipText(owner.u8, off, len);
      case "flag":
        return true;
    }
  }
  switch (codec.kind) {
    case "enum": {
      const n = decodeValue(owner, codec.base, off, len, def, type) as number;
      for (const [name, v] of Object.entries(codec.names)) if (v === n) return name;
      return n;
    }
    case "struct":
      return decodeStruct(dv, owner.u8, codec, off, len);
    case "nest": {
      const skip = codec.header ? Math.min(len, (structSize(codec.header) + 3) & ~3) : 0;
      return nestView(codec.schema(), owner.dv, owner.u8, off + skip, off + len);
    }
    case "array": {
      const out: unknown[] = [];
      for (let p = off; p + NLA_HDRLEN <= off + len;) {
        const alen = dv.getUint16(p, true);
        if (alen < NLA_HDRLEN || p + alen > off + len) {
          throw new DecodeError(`array element of ${def?.kernelName ?? type}: bad length ${alen}`);
        }
        out.push(decodeValue(owner, codec.of, p + NLA_HDRLEN, alen - NLA_HDRLEN, def, type));
        p += (alen + 3) & ~3;
      }
      return out;
    }
    case "select": {
      const key = owner.get(codec.by);
      const choices = codec.choices();
      // Own keys only: a kind named "constructor" or "__proto__" selects nothing.
      const chosen = (typeof key === "string" || typeof key === "number") &&
          Object.hasOwn(choices, key)
        ? choices[key]
        : undefined;
      if (chosen === undefined) return owner.u8.subarray(off, off + len);
      return decodeValue(owner, chosen, off, len, def, type);
    }
  }
}

const INDEX = Symbol("index");
const CACHE = Symbol("cache");

/** A view's lookup state: lookups so far until the offset table is built; decoded objects. */
interface ViewState {
  [INDEX]: number | number[];
  [CACHE]?: Map<number, unknown>;
}

/** The offset of the first attribute `type` of `v` by a scan in place, or -1. */
function scan(v: AttrView, type: number): number {
  const dv = v.dv, end = v.end;
  for (let p = v.start; p + NLA_HDRLEN <= end;) {
    const len = dv.getUint16(p, true);
    if (len < NLA_HDRLEN || p + len > end) {
      throw new DecodeError(`attribute at ${p}: bad length ${len}`);
    }
    if ((dv.getUint16(p + 2, true) & NLA_TYPE_MASK) === type) return p;
    p += (len + 3) & ~3;
  }
  return -1;
}

/** Records every attribute's offset in one pass (libmnl's tb[]), then finds `type`. */
function buildIndex(v: AttrView, type: number): number {
  // A plain array of small integers: allocating one costs a tenth of an Int32Array.
  const slots = v.schema.slots;
  const index: number[] = new Array(slots);
  for (let i = 0; i < slots; i++) index[i] = 0;
  const dv = v.dv, end = v.end;
  for (let p = v.start; p + NLA_HDRLEN <= end;) {
    const len = dv.getUint16(p, true);
    if (len < NLA_HDRLEN || p + len > end) {
      throw new DecodeError(`attribute at ${p}: bad length ${len}`);
    }
    const t = dv.getUint16(p + 2, true) & NLA_TYPE_MASK;
    if (t < index.length && index[t] === 0) index[t] = p + 1;
    p += (len + 3) & ~3;
  }
  (v as unknown as ViewState)[INDEX] = index;
  return type < index.length ? index[type] - 1 : scan(v, type);
}

/** An attribute definition by name or number (a bare number when the schema lacks it). */
function defOf(v: AttrView, key: string | number): AttrDef | number | undefined {
  if (typeof key === "number") return v.schema.byType[key] ?? key;
  return v.schema.byName.get(key);
}

/** The value of attribute `def` whose (first) header is at `p`; objects are cached. */
function valueAt(v: AttrView, def: AttrDef, type: number, p: number): unknown {
  // Scalars (NLA_F_NET_BYTEORDER honoured by the compiled reader) are decoded on each read.
  const read = readerOf(def);
  if (read !== null) return read(v, p);
  const state = v as unknown as ViewState;
  const hit = state[CACHE]?.get(type);
  if (hit !== undefined) return hit;
  const value = decodeValue(
    v,
    def.codec,
    p + NLA_HDRLEN,
    v.dv.getUint16(p, true) - NLA_HDRLEN,
    def,
    type,
  );
  (state[CACHE] ??= new Map()).set(type, value);
  return value;
}

/** The attributes of `v` as a plain object (see AttrView.toJSON). */
function attrsJson(v: AttrView): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const dv = v.dv, end = v.end, byType = v.schema.byType;
  for (let p = v.start; p + NLA_HDRLEN <= end;) {
    const len = dv.getUint16(p, true);
    if (len < NLA_HDRLEN || p + len > end) {
      throw new DecodeError(`attribute at ${p}: bad length ${len}`);
    }
    const t = dv.getUint16(p + 2, true) & NLA_TYPE_MASK;
    const def = byType[t];
    const key = def ? def.name : `attr_${t}`;
    // The first of repeated attributes wins (as get() returns it); `p` is that first one.
    if (!(key in out)) {
      out[key] = plain(
        def ? valueAt(v, def, t, p) : v.u8.subarray(p + NLA_HDRLEN, p + len),
      );
    }
    p += (len + 3) & ~3;
  }
  return out;
}
/**
 * A lazy view over a run of attributes. Values are read with {@link AttrView.get} or the typed
 * properties of the schema's view class.
 */
export class AttrView<S extends AttrSchema = AttrSchema> {
  // The fields are assigned in the constructor, not declared as class fields, and the lookup
  // state lives under module-private symbols rather than #private fields: a dump builds one view
  // per message, and this halves what constructing one costs.
  /** The datagram's DataView. */
  declare readonly dv: DataView;
  /** The datagram's bytes. */
  declare readonly u8: Uint8Array;
  /** Offset of the first attribute. */
  declare readonly start: number;
  /** Offset just past the last attribute. */
  declare readonly end: number;
  /** The attribute schema. */
  declare readonly schema: S;

  /** A view over attributes in `[start, end)` of the datagram. */
  constructor(schema: S, dv: DataView, u8: Uint8Array, start: number, end: number) {
    // The typed view classes carry their schema on the prototype: one field less per view.
    if ((this as { schema?: unknown }).schema !== schema) this.schema = schema;
    this.dv = dv;
    this.u8 = u8;
    this.start = start;
    this.end = end;
    (this as unknown as ViewState)[INDEX] = 0;
  }

  /** The offset of attribute `type`'s header, or -1. Throws DecodeError on malformed lengths. */
  protected find(type: number): number {
    const index = (this as unknown as ViewState)[INDEX];
    if (typeof index !== "number") return type < index.length ? index[type] - 1 : scan(this, type);
    // The first few lookups scan in place (most views are read a little or not at all); after
    // that one pass records every attribute's offset.
    if (index >= 3 && this.schema.slots > 0) return buildIndex(this, type);
    (this as unknown as ViewState)[INDEX] = index + 1;
    return scan(this, type);
  }

  /** Decodes attribute `type` (or undefined when absent). */
  protected attr(type: number): unknown {
    const p = this.find(type);
    if (p < 0) return undefined;
    const def = this.schema.byType[type];
    if (!def) return this.u8.subarray(p + NLA_HDRLEN, p + this.dv.getUint16(p, true));
    return valueAt(this, def, type, p);
  }

  /**
   * A value by short name (`"mtu"`), kernel name (`"IFLA_MTU"`), number (unknown attributes come
   * back as bytes), or path (`["linkinfo", "info_kind"]`). Undefined when absent.
   */
  get(key: AttrKey): unknown {
    if (Array.isArray(key)) {
      let cur: unknown = undefined;
      for (const [i, k] of key.entries()) {
        if (i === 0) cur = this.get(k);
        else if (cur instanceof AttrView) cur = cur.get(k);
        else cur = decodedStep(cur, k);
        if (cur === undefined) return undefined;
      }
      return cur;
    }
    const def = defOf(this, key as string | number);
    if (def === undefined) return computed(this, key);
    return this.attr(typeof def === "number" ? def : def.type);
  }

  /** Whether the attribute is present. */
  has(key: string | number): boolean {
    const def = defOf(this, key);
    if (def === undefined) return false;
    return this.find(typeof def === "number" ? def : def.type) >= 0;
  }

  /** Every attribute in order, as [type, payload offset, payload length] (repeats included). */
  *raw(): IterableIterator<[type: number, offset: number, length: number]> {
    const dv = this.dv, end = this.end;
    for (let p = this.start; p + NLA_HDRLEN <= end;) {
      const len = dv.getUint16(p, true);
      if (len < NLA_HDRLEN || p + len > end) {
        throw new DecodeError(`attribute at ${p}: bad length ${len}`);
      }
      yield [dv.getUint16(p + 2, true) & NLA_TYPE_MASK, p + NLA_HDRLEN, len - NLA_HDRLEN];
      p += (len + 3) & ~3;
    }
  }

  /** Every value of a repeated attribute (e.g. `IFLA_ALT_IFNAME` in a property list). */
  getAll(key: string | number): unknown[] {
    const def = defOf(this, key);
    if (def === undefined) return [];
    const type = typeof def === "number" ? def : def.type;
    const d = typeof def === "number" ? undefined : def;
    const out: unknown[] = [];
    for (const [t, off, len] of this.raw()) {
      if (t !== type) continue;
      out.push(d ? decodeValue(this, d.codec, off, len, d, t) : this.u8.subarray(off, off + len));
    }
    return out;
  }

  /** pyroute2's `get_attr`: the same as {@link AttrView.get} (`getAttr("IFLA_IFNAME")`). */
  getAttr(key: AttrKey): unknown {
    return this.get(key);
  }

  /** pyroute2's `get_attrs`: the same as {@link AttrView.getAll}. */
  getAttrs(key: string | number): unknown[] {
    return this.getAll(key);
  }

  /**
   * pyroute2's `get_nested`: a value down a path of names, the same as `get([...names])`
   * (`getNested("IFLA_LINKINFO", "IFLA_INFO_KIND")`).
   */
  getNested(...names: (string | number)[]): unknown {
    return this.get(names);
  }

  /** The attributes as a plain object (nests become objects; unknown ones `attr_N`: hex). */
  toJSON(): Record<string, unknown> {
    // Forged nests (a veth peer holding a veth peer…, 1600 deep in 64 KiB) would overflow the
    // stack: deeper than the kernel ever nests is malformed.
    if (jsonDepth >= MAX_JSON_DEPTH) {
      throw new DecodeError(`attributes nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    jsonDepth++;
    try {
      return attrsJson(this);
    } finally {
      jsonDepth--;
    }
  }
}

/**
 * Names of computed properties (decorateView) by view prototype: `get(name)` answers for them as
 * the typed property does (`link.get("state")`, `linkinfo.get("kind")`).
 */
const COMPUTED = Symbol("computed");

/** The value of computed property `key` of `v`, or undefined when it has none of that name. */
/**
 * One step of a path into a value some codec decoded into plain objects and lists (tc options,
 * action lists): a key as it is, or a kernel name read as its short name (`TCA_HTB_PARMS` →
 * `parms`: prefixes dropped, lower-cased); a list item by index, or by pyroute2's
 * `TCA_ACT_PRIO_n` (the n-th action).
 */
function decodedStep(cur: unknown, k: string | number): unknown {
  if (Array.isArray(cur)) {
    if (typeof k === "number") return cur[k];
    const prio = /_PRIO_(\d+)$/.exec(k);
    return prio ? cur[Number(prio[1]) - 1] : undefined;
  }
  if (typeof cur !== "object" || cur === null || cur instanceof Uint8Array) return undefined;
  const obj = cur as Record<string, unknown>;
  if (typeof k === "number" || Object.hasOwn(obj, k)) return obj[k];
  for (let name = k; /^[A-Z0-9]+_/.test(name);) {
    name = name.slice(name.indexOf("_") + 1);
    if (Object.hasOwn(obj, name.toLowerCase())) return obj[name.toLowerCase()];
  }
  return undefined;
}

function computed(v: AttrView, key: unknown): unknown {
  if (typeof key !== "string") return undefined;
  const names = (v as unknown as { [COMPUTED]?: ReadonlySet<string> })[COMPUTED];
  return names?.has(key) ? (v as unknown as Record<string, unknown>)[key] : undefined;
}

// `console.log(view)` and Deno.inspect print what toJSON() returns, not the DataView inside.
Object.defineProperty(AttrView.prototype, Symbol.for("Deno.customInspect"), {
  value(
    this: AttrView,
    inspect: (v: unknown, o?: unknown) => string,
    options?: unknown,
  ): string {
    let json: unknown;
    try {
      json = this.toJSON();
    } catch (e) {
      return `${this.constructor.name} <${e instanceof Error ? e.message : String(e)}>`;
    }
    return inspect(json, options);
  },
  configurable: true,
});

/** How deep toJSON() may recurse through nests (the kernel's policies nest at most 10 deep). */
const MAX_JSON_DEPTH = 64;
let jsonDepth = 0;

/** Converts decoded values to plain JSON-able data. */
export function plain(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return typeof v === "bigint" ? Number(v) : v;
  if (v instanceof AttrView) return v.toJSON();
  if (v instanceof Uint8Array) return hexText(v, 0, v.length);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
    // A decoded struct: its byte fields (bridge ids' addresses) become hex too.
    const out: Record<string, unknown> = {};
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const x = o[k];
      out[k] = typeof x === "object" && x !== null ? plain(x) : x;
    }
    return out;
  }
  return v;
}

/** A view over one whole netlink message: nlmsghdr, the family's fixed header, attributes. */
export class MessageView<M extends MessageSchema = MessageSchema> extends AttrView<M["attrs"]> {
  /** Offset of the nlmsghdr in the datagram. */
  declare readonly offset: number;
  /** The message schema. */
  declare readonly message: M;

  /** A view of the message at `offset` with `length` bytes (nlmsg_len). */
  constructor(message: M, dv: DataView, u8: Uint8Array, offset: number, length: number) {
    const end = offset + length;
    const start = offset + NLMSG_HDRLEN + headerSpan(message.header);
    super(message.attrs, dv, u8, start < end ? start : end, end);
    this.offset = offset;
    if ((this as { message?: unknown }).message !== message) this.message = message;
  }

  /** nlmsg_type, e.g. 16 (RTM_NEWLINK). */
  get nlmsgType(): number {
    return this.dv.getUint16(this.offset + 4, true);
  }

  /** nlmsg_flags. */
  get nlmsgFlags(): number {
    return this.dv.getUint16(this.offset + 6, true);
  }

  /** nlmsg_seq. */
  get nlmsgSeq(): number {
    return this.dv.getUint32(this.offset + 8, true);
  }

  /** nlmsg_pid. */
  get nlmsgPid(): number {
    return this.dv.getUint32(this.offset + 12, true);
  }

  /** A header field by name (`"index"`, `"family"`, …), undefined when the kernel sent fewer bytes. */
  headerField(name: string): unknown {
    const f = headerFieldsOf(this.message.header).get(name);
    if (!f) return undefined;
    const base = this.offset + NLMSG_HDRLEN;
    return readField(this.dv, this.u8, f.codec, base + f.offset, f.size, this.end);
  }

  /** The fixed header as an object. */
  header(): Record<string, unknown> {
    const base = this.offset + NLMSG_HDRLEN;
    return decodeStruct(this.dv, this.u8, this.message.header, base, Math.max(0, this.end - base));
  }

  /** Header fields and attributes by name; attributes win where both have the name and the attribute is present. */
  override get(key: AttrKey): unknown {
    if (typeof key === "string") {
      const def = this.schema.byName.get(key);
      if (def === undefined) return this.headerField(key) ?? computed(this, key);
      const v = this.attr(def.type);
      return v === undefined ? this.headerField(key) : v;
    }
    return super.get(key);
  }

  /** The fixed header's fields and the attributes as one plain object. */
  override toJSON(): Record<string, unknown> {
    const out = this.header();
    const attrs = super.toJSON();
    for (const key in attrs) out[key] = attrs[key];
    return out;
  }
}

const headerFields = new WeakMap<StructCodec, Map<string, LaidField>>();

/** A header struct's fields by name (the first of a repeated name, as a search would find). */
function headerFieldsOf(header: StructCodec): Map<string, LaidField> {
  let m = headerFields.get(header);
  if (!m) {
    m = new Map();
    for (const f of layout(header)) if (!m.has(f.name)) m.set(f.name, f);
    headerFields.set(header, m);
  }
  return m;
}

// The aligned size of the last message header seen: views of one dump share it.
let spanOf: StructCodec | undefined;
let span = 0;

/** The fixed header's size rounded up to the attribute alignment. */
function headerSpan(header: StructCodec): number {
  if (header !== spanOf) {
    span = (structSize(header) + 3) & ~3;
    spanOf = header;
  }
  return span;
}

/** The constructor of a schema's typed view class. */
export type ViewCtor<M extends MessageSchema> = new (
  dv: DataView,
  u8: Uint8Array,
  offset: number,
  length: number,
) => TypedMessage<M>;
const messageClasses = new WeakMap<MessageSchema, ViewCtor<MessageSchema>>();
const nestClasses = new WeakMap<
  AttrSchema,
  new (dv: DataView, u8: Uint8Array, start: number, end: number) => AttrView
>();
const RESERVED = new Set([
  "get",
  "has",
  "raw",
  "getAll",
  "toJSON",
  "header",
  "headerField",
  "offset",
  "message",
  "dv",
  "u8",
  "start",
  "end",
  "schema",
  "find",
  "attr",
  "constructor",
]);

type Finder = { find(type: number): number };

/**
 * The getter of a typed property. The most common codecs get their own function (so each read
 * is inlined where it is used, instead of one shared getter calling many readers); other
 * scalars call their compiled reader; objects go through attr() (cached).
 */
function attrGetter(def: AttrDef): (this: AttrView) => unknown {
  const type = def.type;
  switch (def.codec) {
    case "u32":
      return function (this: AttrView) {
        const p = (this as unknown as Finder).find(type);
        if (p < 0) return undefined;
        const dv = this.dv;
        const len = dv.getUint16(p, true) - NLA_HDRLEN;
        if (len < 4) need(len, 4, def, type);
        return dv.getUint32(
          p + NLA_HDRLEN,
          (dv.getUint16(p + 2, true) & NLA_F_NET_BYTEORDER) === 0,
        );
      };
    case "u8":
      return function (this: AttrView) {
        const p = (this as unknown as Finder).find(type);
        if (p < 0) return undefined;
        const dv = this.dv;
        const len = dv.getUint16(p, true) - NLA_HDRLEN;
        if (len < 1) need(len, 1, def, type);
        return dv.getUint8(p + NLA_HDRLEN);
      };
    case "ipaddr":
      return function (this: AttrView) {
        const p = (this as unknown as Finder).find(type);
        if (p < 0) return undefined;
        return ipText(this.u8, p + NLA_HDRLEN, this.dv.getUint16(p, true) - NLA_HDRLEN);
      };
    case "string":
      return function (this: AttrView) {
        const p = (this as unknown as Finder).find(type);
        if (p < 0) return undefined;
        return decodeString(this.u8, p + NLA_HDRLEN, this.dv.getUint16(p, true) - NLA_HDRLEN);
      };
  }
  const read = readerOf(def);
  if (read === null) {
    return function (this: AttrView) {
      return (this as unknown as { attr(t: number): unknown }).attr(type);
    };
  }
  return function (this: AttrView) {
    const p = (this as unknown as Finder).find(type);
    return p < 0 ? undefined : read(this, p);
  };
}

function defineAttrGetters(proto: object, schema: AttrSchema): void {
  for (const def of schema.byType) {
    if (!def || RESERVED.has(def.name)) continue;
    Object.defineProperty(proto, def.name, { get: attrGetter(def), configurable: true });
  }
}

/** The view class of a message schema: typed getters for header fields and attributes. */
export function messageViewClass<M extends MessageSchema>(message: M): ViewCtor<M> {
  let C = messageClasses.get(message) as ViewCtor<M> | undefined;
  if (C) return C;
  const Cls = class extends MessageView<M> {
    constructor(dv: DataView, u8: Uint8Array, offset: number, length: number) {
      super(message, dv, u8, offset, length);
    }
  };
  const hdrBase = NLMSG_HDRLEN;
  for (const f of layout(message.header)) {
    if (f.codec === "pad" || f.name.startsWith("_") || RESERVED.has(f.name)) continue;
    const attrDef = message.attrs.byName.get(f.name);
    const read = fieldReader(f.codec, f.size);
    const size = f.size;
    Object.defineProperty(Cls.prototype, f.name, {
      get(this: MessageView) {
        if (attrDef) {
          const v = (this as unknown as { attr(t: number): unknown }).attr(attrDef.type);
          if (v !== undefined) return v;
        }
        const off = this.offset + hdrBase + f.offset;
        return off + size > this.end ? undefined : read(this.dv, this.u8, off);
      },
      configurable: true,
    });
  }
  const headerNames = new Set(layout(message.header).map((f) => f.name));
  Object.defineProperty(Cls.prototype, "schema", { value: message.attrs, writable: true });
  Object.defineProperty(Cls.prototype, "message", { value: message, writable: true });
  defineAttrGetters(Cls.prototype, {
    ...message.attrs,
    byType: message.attrs.byType.map((d) => (d && headerNames.has(d.name) ? undefined : d)),
  });
  C = Cls as ViewCtor<M>;
  messageClasses.set(message, C as unknown as ViewCtor<MessageSchema>);
  return C;
}

/** A nested view of `schema` with typed getters. */
export function nestView(
  schema: AttrSchema,
  dv: DataView,
  u8: Uint8Array,
  start: number,
  end: number,
): AttrView {
  let C = nestClasses.get(schema);
  if (!C) {
    C = class extends AttrView {
      constructor(dv: DataView, u8: Uint8Array, start: number, end: number) {
        super(schema, dv, u8, start, end);
      }
    };
    Object.defineProperty(C.prototype, "schema", { value: schema, writable: true });
    defineAttrGetters(C.prototype, schema);
    nestClasses.set(schema, C);
  }
  return new C(dv, u8, start, end);
}

/** A computed property of a view: derived from its attributes (e.g. RTA_MULTIPATH's next hops). */
export type ViewExtra = (view: AttrView) => unknown;

/** Options of {@link decorateView}. */
export interface DecorateOptions {
  /** Compute each property once per view (for values that allocate). */
  cache?: boolean;
  /** Put the properties into `toJSON()`: replacing the raw value of the same name, else added. */
  json?: boolean;
  /** Added properties come first in `toJSON()`. */
  first?: boolean;
}

/**
 * Adds computed properties to the views of a message or nested attribute schema: each a getter,
 * and optionally part of `toJSON()`. Families use it for attributes whose payload is not made
 * of attributes (multipath next hops, nexthop groups, tc selectors).
 */
export function decorateView(
  schema: MessageSchema | AttrSchema,
  extras: Readonly<Record<string, ViewExtra>>,
  options: DecorateOptions = {},
): void {
  const proto: object = "header" in schema
    ? messageViewClass(schema).prototype
    : Object.getPrototypeOf(
      nestView(schema, new DataView(new ArrayBuffer(0)), new Uint8Array(0), 0, 0),
    );
  const entries = Object.entries(extras);
  const own = Object.hasOwn(proto, COMPUTED)
    ? (proto as { [COMPUTED]: Set<string> })[COMPUTED]
    : new Set((proto as { [COMPUTED]?: Set<string> })[COMPUTED]);
  Object.defineProperty(proto, COMPUTED, { value: own, configurable: true });
  for (const [name] of entries) own.add(name);
  for (const [name, fn] of entries) {
    const cache = options.cache ? new WeakMap<object, unknown>() : undefined;
    Object.defineProperty(proto, name, {
      get(this: AttrView) {
        if (!cache) return fn(this);
        if (cache.has(this)) return cache.get(this);
        const v = fn(this);
        cache.set(this, v);
        return v;
      },
      configurable: true,
    });
  }
  if (!options.json) return;
  // The toJSON in force now (an earlier decoration's, or the class's), extended.
  const base = Reflect.get(proto, "toJSON") as (this: AttrView) => Record<string, unknown>;
  Object.defineProperty(proto, "toJSON", {
    value(this: AttrView): Record<string, unknown> {
      const out = base.call(this);
      const added: Record<string, unknown> = {};
      for (const [name] of entries) {
        const v = (this as unknown as Record<string, unknown>)[name];
        if (v === undefined) continue;
        if (name in out) out[name] = plain(v);
        else added[name] = plain(v);
      }
      return options.first ? { ...added, ...out } : { ...out, ...added };
    },
    configurable: true,
    writable: true,
  });
}

import type { ArrayCodec, CodecValue, HeaderValues, NestCodec, ShortName } from "./schema.ts";

/** The value a view's typed property returns: nests are views too, everything else as decoded. */
export type ViewValue<C> = C extends NestCodec<infer S> ? TypedView<S>
  : C extends ArrayCodec<infer E> ? ViewValue<E>[]
  : CodecValue<C>;

/** Typed properties for every attribute of a schema. */
export type ViewValues<S> = S extends AttrSchema<infer P, infer T> ? {
    readonly [K in keyof T as ShortName<K, P>]?: ViewValue<T[K][1]>;
  }
  : never;

/** A nested attribute view with typed properties. */
export type TypedView<S extends AttrSchema> = AttrView<S> & ViewValues<S>;

/** A message view with typed properties for its header fields and attributes. */
export type TypedMessage<M extends MessageSchema> =
  & MessageView<M>
  & Readonly<HeaderValues<M>>
  & Omit<ViewValues<M["attrs"]>, keyof HeaderValues<M>>;
