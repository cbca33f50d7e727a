/**
 * Lazy, zero-copy views over received messages.
 *
 * A view is a window on the datagram's `ArrayBuffer`. Nothing is decoded until it is read: the
 * first lookups scan the attributes in place, later ones build an offset table (libmnl's `tb[]`)
 * in one pass; values decode on access, and objects (nests, structs) are cached.
 *
 * Every value is read by one compiled reader per attribute definition (one function per codec,
 * below): typed properties, `get`, `getAll`, array elements and `toJSON` agree on byte order,
 * sizes and text forms. Struct fields are read by values.ts, addresses formatted by addr.ts.
 *
 * @module
 */

import { formatHex, formatIp } from "./addr.ts";
import {
  align4,
  NLA_F_NET_BYTEORDER,
  NLA_HDRLEN,
  NLA_TYPE_MASK,
  NLMSG_HDRLEN,
} from "./constants.ts";
import { DecodeError } from "./errors.ts";
import { layout, structSize } from "./schema.ts";
import type { AttrDef, AttrSchema, Codec, MessageSchema, StructCodec } from "./schema.ts";
import { decodeString, decodeStruct, readFields, s64, u64 } from "./values.ts";
import type { ReadField } from "./values.ts";

export { decodeString, decodeStruct } from "./values.ts";

// ---------------------------------------------------------------------------------------------
// The attribute readers: one function per codec, reading the attribute whose header is at `p`
// (payload at `p + 4`, `nla_len - 4` bytes). NLA_F_NET_BYTEORDER makes a u16/s16/u32/s32/u64/s64
// payload big-endian (be* codecs always are); a payload shorter than the codec is a DecodeError,
// a longer one is read from its start (the kernel grows structs at the end); 64-bit codecs also
// take 4-byte payloads, which some kernels send. They live in this module, not exported, because
// V8 compiles a call to another module's export (or to an export at all) with a check of the
// target on every read: ~1.5 ns more per typed property read, measured.

/** The payload length of the attribute whose header is at `p`. */
function payloadLength(dv: DataView, p: number): number {
  return dv.getUint16(p, true) - NLA_HDRLEN;
}

/** Whether the integer payload of the attribute at `p` is little-endian (no NET_BYTEORDER). */
function little(dv: DataView, p: number): boolean {
  return (dv.getUint16(p + 2, true) & NLA_F_NET_BYTEORDER) === 0;
}

/** Throws the DecodeError of an attribute shorter than its codec. */
function tooShort(len: number, size: number, def: AttrDef | undefined, type: number): never {
  throw new DecodeError(`attribute ${def?.kernelName ?? type}: ${len} bytes, expected ${size}`);
}

/** A `u8` attribute. */
function readU8(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  const len = dv.getUint16(p, true) - NLA_HDRLEN;
  if (len < 1) tooShort(len, 1, def, type);
  return dv.getUint8(p + NLA_HDRLEN);
}

/** An `s8` attribute. */
function readS8(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  const len = dv.getUint16(p, true) - NLA_HDRLEN;
  if (len < 1) tooShort(len, 1, def, type);
  return dv.getInt8(p + NLA_HDRLEN);
}

/** A `u16` attribute (big-endian when flagged NLA_F_NET_BYTEORDER). */
function readU16(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  const len = dv.getUint16(p, true) - NLA_HDRLEN;
  if (len < 2) tooShort(len, 2, def, type);
  return dv.getUint16(p + NLA_HDRLEN, little(dv, p));
}

/** An `s16` attribute (big-endian when flagged NLA_F_NET_BYTEORDER). */
function readS16(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  const len = dv.getUint16(p, true) - NLA_HDRLEN;
  if (len < 2) tooShort(len, 2, def, type);
  return dv.getInt16(p + NLA_HDRLEN, little(dv, p));
}

/** A `be16` attribute. */
function readBe16(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  const len = dv.getUint16(p, true) - NLA_HDRLEN;
  if (len < 2) tooShort(len, 2, def, type);
  return dv.getUint16(p + NLA_HDRLEN, false);
}

/** A `u32` attribute (big-endian when flagged NLA_F_NET_BYTEORDER). */
function readU32(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  const len = dv.getUint16(p, true) - NLA_HDRLEN;
  if (len < 4) tooShort(len, 4, def, type);
  return dv.getUint32(p + NLA_HDRLEN, little(dv, p));
}

/** An `s32` attribute (big-endian when flagged NLA_F_NET_BYTEORDER). */
function readS32(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  const len = dv.getUint16(p, true) - NLA_HDRLEN;
  if (len < 4) tooShort(len, 4, def, type);
  return dv.getInt32(p + NLA_HDRLEN, little(dv, p));
}

/** A `be32` attribute. */
function readBe32(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  const len = dv.getUint16(p, true) - NLA_HDRLEN;
  if (len < 4) tooShort(len, 4, def, type);
  return dv.getUint32(p + NLA_HDRLEN, false);
}

/** A `u64` attribute (big-endian when flagged; a 4-byte payload is read as a u32). */
function readU64(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  const len = dv.getUint16(p, true) - NLA_HDRLEN;
  if (len === 4) {
    return dv.getUint32(p + NLA_HDRLEN, little(dv, p));
  }
  if (len < 8) tooShort(len, 8, def, type);
  return u64(dv, p + NLA_HDRLEN, little(dv, p));
}

/** An `s64` attribute (big-endian when flagged; a 4-byte payload is read as an s32). */
function readS64(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  const len = dv.getUint16(p, true) - NLA_HDRLEN;
  if (len === 4) {
    return dv.getInt32(p + NLA_HDRLEN, little(dv, p));
  }
  if (len < 8) tooShort(len, 8, def, type);
  return s64(dv, p + NLA_HDRLEN, little(dv, p));
}

/** A `be64` attribute. */
function readBe64(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  const len = dv.getUint16(p, true) - NLA_HDRLEN;
  if (len < 8) tooShort(len, 8, def, type);
  return u64(dv, p + NLA_HDRLEN, false);
}

/** A `string` attribute (up to its first NUL). */
function readString(dv: DataView, u8: Uint8Array, p: number): string {
  return decodeString(u8, p + NLA_HDRLEN, dv.getUint16(p, true) - NLA_HDRLEN);
}

/** A `binary` attribute: a view of its payload (no copy). */
function readBinary(dv: DataView, u8: Uint8Array, p: number): Uint8Array {
  return u8.subarray(p + NLA_HDRLEN, p + dv.getUint16(p, true));
}

/** A `hex`/`lladdr` attribute as colon-separated hex. */
function readHex(dv: DataView, u8: Uint8Array, p: number): string {
  return formatHex(u8, p + NLA_HDRLEN, dv.getUint16(p, true) - NLA_HDRLEN);
}

/** An `ipaddr` attribute as text (other lengths than 4 and 16 as hex). */
function readIp(dv: DataView, u8: Uint8Array, p: number): string {
  return formatIp(u8, p + NLA_HDRLEN, dv.getUint16(p, true) - NLA_HDRLEN);
}

/** A key of {@link AttrView.get}: short name, kernel name, attribute number, or a path of them. */
export type AttrKey = string | number | readonly (string | number)[];

/**
 * Reads the value of the attribute whose header is at `p` in `v`'s datagram. Compiled once per
 * attribute definition (and codec): typed properties, `get`, `getAll` and array elements all
 * read through it.
 */
type Reader = (v: AttrView, p: number) => unknown;

/** Whether a codec decodes to a primitive (decoded on each read; objects are cached). */
function isScalar(codec: Codec): boolean {
  return typeof codec === "string" || codec.kind === "enum";
}

// The compiled reader rides on the definition itself (a WeakMap lookup per read cost more than
// the read); definitions that cannot take a property (frozen) use the map.
const READER = Symbol("reader");
const readers = new WeakMap<AttrDef, Reader>();

/** The compiled reader of an attribute definition. */
function readerOf(def: AttrDef): Reader {
  const d = def as AttrDef & { [READER]?: Reader };
  const own = d[READER];
  if (own !== undefined) return own;
  let r = readers.get(def);
  if (r === undefined) {
    r = compileReader(def.codec, def, def.type);
    if (Object.isExtensible(def)) {
      Object.defineProperty(def, READER, { value: r, enumerable: false });
      return r;
    }
    readers.set(def, r);
  }
  return r;
}

/**
 * The reader of `codec` for attribute `def` (number `type`, for error messages). Each codec has
 * its own closure, so the call inside it is to one known function.
 */
function compileReader(codec: Codec, def: AttrDef | undefined, type: number): Reader {
  if (typeof codec === "string") {
    switch (codec) {
      case "u8":
        return (v, p) => readU8(v.dv, p, def, type);
      case "s8":
        return (v, p) => readS8(v.dv, p, def, type);
      case "u16":
        return (v, p) => readU16(v.dv, p, def, type);
      case "s16":
        return (v, p) => readS16(v.dv, p, def, type);
      case "be16":
        return (v, p) => readBe16(v.dv, p, def, type);
      case "u32":
        return (v, p) => readU32(v.dv, p, def, type);
      case "s32":
        return (v, p) => readS32(v.dv, p, def, type);
      case "be32":
        return (v, p) => readBe32(v.dv, p, def, type);
      case "u64":
        return (v, p) => readU64(v.dv, p, def, type);
      case "s64":
        return (v, p) => readS64(v.dv, p, def, type);
      case "be64":
        return (v, p) => readBe64(v.dv, p, def, type);
      case "string":
        return (v, p) => readString(v.dv, v.u8, p);
      case "binary":
        return (v, p) => readBinary(v.dv, v.u8, p);
      case "hex":
      case "lladdr":
        return (v, p) => readHex(v.dv, v.u8, p);
      case "ipaddr":
        return (v, p) => readIp(v.dv, v.u8, p);
      case "flag":
        return () => true;
    }
    throw new Error(`unknown codec ${codec}`);
  }
  switch (codec.kind) {
    case "enum": {
      // The base is read as its codec reads it, then named (the first name of a value wins).
      const base = compileReader(codec.base, def, type);
      const names = new Map<number, string>();
      for (const [name, n] of Object.entries(codec.names)) if (!names.has(n)) names.set(n, name);
      return (v, p) => {
        const n = base(v, p) as number;
        return names.get(n) ?? n;
      };
    }
    case "struct":
      return (v, p) => decodeStruct(v.dv, v.u8, codec, p + NLA_HDRLEN, payloadLength(v.dv, p));
    case "nest": {
      const skip = codec.header ? align4(structSize(codec.header)) : 0;
      return (v, p) => {
        const len = payloadLength(v.dv, p);
        const start = p + NLA_HDRLEN + Math.min(len, skip);
        return nestView(codec.schema(), v.dv, v.u8, start, p + NLA_HDRLEN + len);
      };
    }
    case "array": {
      const element = compileReader(codec.of, def, type);
      return (v, p) => {
        const dv = v.dv;
        const end = p + dv.getUint16(p, true);
        const out: unknown[] = [];
        for (let q = p + NLA_HDRLEN; q + NLA_HDRLEN <= end;) {
          const alen = dv.getUint16(q, true);
          if (alen < NLA_HDRLEN || q + alen > end) {
            throw new DecodeError(
              `array element of ${def?.kernelName ?? type}: bad length ${alen}`,
            );
          }
          out.push(element(v, q));
          q += align4(alen);
        }
        return out;
      };
    }
    case "select": {
      const chosenReaders = new Map<Codec, Reader>();
      return (v, p) => {
        const key = v.get(codec.by);
        const choices = codec.choices();
        // Own keys only: a kind named "constructor" or "__proto__" selects nothing.
        const chosen = (typeof key === "string" || typeof key === "number") &&
            Object.hasOwn(choices, key)
          ? choices[key]
          : undefined;
        if (chosen === undefined) return readBinary(v.dv, v.u8, p);
        let read = chosenReaders.get(chosen);
        if (read === undefined) {
          read = compileReader(chosen, def, type);
          chosenReaders.set(chosen, read);
        }
        return read(v, p);
      };
    }
  }
}

/**
 * Decodes the payload of one attribute (`len` bytes at `off`; its header is the 4 bytes before)
 * with `codec`, as a view's `get` does. `owner` is the view holding the attribute (for
 * sibling-selected codecs). A RangeError when no attribute header of `len` bytes precedes `off`.
 */
export function decodeValue(
  owner: AttrView,
  codec: Codec,
  off: number,
  len: number,
  def: AttrDef | undefined,
  type: number,
): unknown {
  const p = off - NLA_HDRLEN;
  if (p < 0 || payloadLength(owner.dv, p) !== len) {
    throw new RangeError(`decodeValue: no attribute header of ${len} bytes before offset ${off}`);
  }
  const read = def !== undefined && def.codec === codec
    ? readerOf(def)
    : compileReader(codec, def, type);
  return read(owner, p);
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
    p += align4(len);
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
    p += align4(len);
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
  const read = readerOf(def);
  // Scalars are decoded on each read.
  if (isScalar(def.codec)) return read(v, p);
  const state = v as unknown as ViewState;
  const hit = state[CACHE]?.get(type);
  if (hit !== undefined) return hit;
  const value = read(v, p);
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
    p += align4(len);
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
      p += align4(len);
    }
  }

  /** Every value of a repeated attribute (e.g. `IFLA_ALT_IFNAME` in a property list). */
  getAll(key: string | number): unknown[] {
    const def = defOf(this, key);
    if (def === undefined) return [];
    const type = typeof def === "number" ? def : def.type;
    const read = typeof def === "number" ? undefined : readerOf(def);
    const out: unknown[] = [];
    const dv = this.dv, end = this.end;
    for (let p = this.start; p + NLA_HDRLEN <= end;) {
      const len = dv.getUint16(p, true);
      if (len < NLA_HDRLEN || p + len > end) {
        throw new DecodeError(`attribute at ${p}: bad length ${len}`);
      }
      if ((dv.getUint16(p + 2, true) & NLA_TYPE_MASK) === type) {
        out.push(read ? read(this, p) : readBinary(dv, this.u8, p));
      }
      p += align4(len);
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
  if (v instanceof Uint8Array) return formatHex(v, 0, v.length);
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
    const off = this.offset + NLMSG_HDRLEN + f.offset;
    return off + f.size > this.end ? undefined : f.read(this.dv, this.u8, off);
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

const headerFields = new WeakMap<StructCodec, Map<string, ReadField>>();

/** A header struct's fields by name (the first of a repeated name, as a search would find). */
function headerFieldsOf(header: StructCodec): Map<string, ReadField> {
  let m = headerFields.get(header);
  if (!m) {
    m = new Map();
    for (const f of readFields(header)) if (!m.has(f.name)) m.set(f.name, f);
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
    span = align4(structSize(header));
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
  // Each case calls the same function as the attribute's compiled reader (values.ts).
  switch (def.codec) {
    case "u32":
      return function (this: AttrView) {
        const p = (this as unknown as Finder).find(type);
        return p < 0 ? undefined : readU32(this.dv, p, def, type);
      };
    case "u8":
      return function (this: AttrView) {
        const p = (this as unknown as Finder).find(type);
        return p < 0 ? undefined : readU8(this.dv, p, def, type);
      };
    case "ipaddr":
      return function (this: AttrView) {
        const p = (this as unknown as Finder).find(type);
        return p < 0 ? undefined : readIp(this.dv, this.u8, p);
      };
    case "string":
      return function (this: AttrView) {
        const p = (this as unknown as Finder).find(type);
        return p < 0 ? undefined : readString(this.dv, this.u8, p);
      };
  }
  if (!isScalar(def.codec)) {
    return function (this: AttrView) {
      return (this as unknown as { attr(t: number): unknown }).attr(type);
    };
  }
  const read = readerOf(def);
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
  for (const f of readFields(message.header)) {
    if (f.codec === "pad" || f.name.startsWith("_") || RESERVED.has(f.name)) continue;
    const attrDef = message.attrs.byName.get(f.name);
    const read = f.read;
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
