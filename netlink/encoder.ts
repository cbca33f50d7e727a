/**
 * The encoder: a request spec (header fields and attribute values by short name) becomes one
 * buffer holding the whole message, lengths and alignment computed, nests flagged NLA_F_NESTED.
 *
 * @module
 */

import { lookupName } from "./strict.ts";
import { describeValue, parseIp, parseMac } from "./addr.ts";
import { align4, NLA_F_NESTED, NLA_HDRLEN, NLMSG_HDRLEN } from "./constants.ts";
import { layout, structSize } from "./schema.ts";
import type { AttrSchema, Codec, FieldCodec, MessageSchema, StructCodec } from "./schema.ts";

const utf8 = new TextEncoder();

/** A growable little-endian byte writer. One request is written into one buffer. */
export class Writer {
  /** The bytes written so far live in `u8[0, length)`. */
  u8: Uint8Array;
  /** A DataView on {@link u8}. */
  dv: DataView;
  /** Bytes written. */
  length = 0;

  /** A writer with `capacity` bytes to start. */
  constructor(capacity = 256) {
    this.u8 = new Uint8Array(capacity);
    this.dv = new DataView(this.u8.buffer);
  }

  /** Makes room for `n` more bytes; returns the offset to write at and advances by `n` (aligned to 4). */
  reserve(n: number): number {
    const at = this.length;
    const next = at + align4(n);
    if (next > this.u8.length) {
      let cap = this.u8.length * 2;
      while (cap < next) cap *= 2;
      const grown = new Uint8Array(cap);
      grown.set(this.u8.subarray(0, at));
      this.u8 = grown;
      this.dv = new DataView(grown.buffer);
    }
    this.length = next;
    // Padding must be zero even when the buffer is reused.
    if (next > at + n) this.u8.fill(0, at + n, next);
    return at;
  }

  /** Starts a nested attribute; returns its offset for {@link endNest}. */
  beginNest(type: number): number {
    const at = this.reserve(NLA_HDRLEN);
    this.dv.setUint16(at + 2, type | NLA_F_NESTED, true);
    return at;
  }

  /** Ends a nested attribute begun at `at` (a RangeError past nla_len's 65535 bytes). */
  endNest(at: number): void {
    const len = this.length - at;
    if (len > 0xffff) {
      throw new RangeError(
        `a nested attribute of ${len} bytes: netlink attributes hold at most 65535`,
      );
    }
    this.dv.setUint16(at, len, true);
  }

  /** Writes one attribute with a raw payload. */
  attrBytes(type: number, payload: Uint8Array): void {
    if (payload.length > 0xffff - NLA_HDRLEN) {
      throw new RangeError(
        `an attribute of ${payload.length} bytes: netlink attributes hold at most 65531`,
      );
    }
    const at = this.reserve(NLA_HDRLEN + payload.length);
    this.dv.setUint16(at, NLA_HDRLEN + payload.length, true);
    this.dv.setUint16(at + 2, type, true);
    this.u8.set(payload, at + NLA_HDRLEN);
  }

  /** Writes one attribute holding a u8 (`v` already checked). */
  attrU8(type: number, v: number): void {
    const at = this.reserve(NLA_HDRLEN + 1);
    this.dv.setUint16(at, NLA_HDRLEN + 1, true);
    this.dv.setUint16(at + 2, type, true);
    this.u8[at + NLA_HDRLEN] = v;
  }

  /** Writes one attribute holding a u16 in host order (`v` already checked). */
  attrU16(type: number, v: number): void {
    const at = this.reserve(NLA_HDRLEN + 2);
    this.dv.setUint16(at, NLA_HDRLEN + 2, true);
    this.dv.setUint16(at + 2, type, true);
    this.dv.setUint16(at + NLA_HDRLEN, v, true);
  }

  /** Writes one attribute holding a u32 in host order (`v` already checked). */
  attrU32(type: number, v: number): void {
    const at = this.reserve(NLA_HDRLEN + 4);
    this.dv.setUint16(at, NLA_HDRLEN + 4, true);
    this.dv.setUint16(at + 2, type, true);
    this.dv.setUint32(at + NLA_HDRLEN, v, true);
  }

  /** The written bytes as a fresh, exactly sized array. */
  finish(): Uint8Array<ArrayBuffer> {
    return this.u8.slice(0, this.length);
  }
}

/**
 * One growing buffer a batch of requests is encoded into, one after another (no buffer per
 * request). A request's bytes are a view of it ({@link Arena.bytes}); views taken before the
 * arena grew still hold their bytes (the old buffer is only released when they are), and
 * {@link Arena.bytes} after the last request gives views of the final buffer, adjacent requests
 * adjacent in memory, so a datagram of several is sent without copying them together.
 */
export class Arena extends Writer {
  // The buffers outgrown, whose views {@link rebase} moves to the current one (weakly held: an
  // outgrown buffer nobody views any more is freed at once, not kept until the batch ends).
  #old = new WeakSet<ArrayBufferLike>();
  /** An arena starting with `capacity` bytes. */
  constructor(capacity = 64 * 1024) {
    super(capacity);
  }
  /** Makes room as {@link Writer.reserve} does, remembering the buffer it outgrew. */
  override reserve(n: number): number {
    const before = this.u8.buffer;
    const at = super.reserve(n);
    if (this.u8.buffer !== before) this.#old.add(before);
    return at;
  }
  /** The bytes of `[start, end)` as a view of the current buffer. */
  bytes(start: number, end: number): Uint8Array<ArrayBuffer> {
    return (this.u8 as Uint8Array<ArrayBuffer>).subarray(start, end);
  }
  /** Whether `view` was taken from this arena (its current or an outgrown buffer). */
  owns(view: Uint8Array): boolean {
    return view.buffer === this.u8.buffer || this.#old.has(view.buffer);
  }
  /** A view taken from this arena, moved to its current buffer (other arrays as they are). */
  rebase(view: Uint8Array): Uint8Array {
    if (view.buffer === this.u8.buffer || !this.#old.has(view.buffer)) return view;
    return this.bytes(view.byteOffset, view.byteOffset + view.byteLength);
  }
}

const RANGES: Record<string, [number, number]> = {
  u8: [0, 0xff],
  s8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  s16: [-0x8000, 0x7fff],
  be16: [0, 0xffff],
  u32: [0, 0xffffffff],
  s32: [-0x80000000, 0x7fffffff],
  be32: [0, 0xffffffff],
  u64: [0, Number.MAX_SAFE_INTEGER],
  s64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  be64: [0, Number.MAX_SAFE_INTEGER],
};

/** Checks an integer for a codec's range; throws TypeError/RangeError naming `field`. */
export function checkInt(v: unknown, codec: string, field: string): number {
  if (typeof v === "bigint") v = Number(v);
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(`${field}: expected an integer, got ${describeValue(v)}`);
  }
  const range = RANGES[codec];
  const lo = range[0], hi = range[1];
  if (v < lo || v > hi) throw new RangeError(`${field}: ${v} is out of range ${lo}..${hi}`);
  return v;
}

function writeInt(dv: DataView, at: number, codec: string, v: number): void {
  switch (codec) {
    case "u8":
      return dv.setUint8(at, v);
    case "s8":
      return dv.setInt8(at, v);
    case "u16":
      return dv.setUint16(at, v, true);
    case "s16":
      return dv.setInt16(at, v, true);
    case "be16":
      return dv.setUint16(at, v, false);
    case "u32":
      return dv.setUint32(at, v, true);
    case "s32":
      return dv.setInt32(at, v, true);
    case "be32":
      return dv.setUint32(at, v, false);
    case "u64":
      return dv.setBigUint64(at, BigInt(v), true);
    case "s64":
      return dv.setBigInt64(at, BigInt(v), true);
    case "be64":
      return dv.setBigUint64(at, BigInt(v), false);
  }
}

/** Integer sizes by codec. */
const INT_SIZE: Record<string, number> = {
  u8: 1,
  s8: 1,
  u16: 2,
  s16: 2,
  be16: 2,
  u32: 4,
  s32: 4,
  be32: 4,
  u64: 8,
  s64: 8,
  be64: 8,
};

/** A struct's writer, compiled once: its field names, and each field's place, codec and range. */
interface StructWriter {
  readonly known: ReadonlySet<string>;
  readonly fields: readonly {
    name: string;
    codec: FieldCodec;
    offset: number;
    size: number;
    /** An integer field's range, or undefined for the other codecs. */
    lo?: number;
    hi?: number;
  }[];
}

const structWriters = new WeakMap<StructCodec, StructWriter>();

function structWriter(s: StructCodec): StructWriter {
  let c = structWriters.get(s);
  if (c) return c;
  const laid = layout(s).filter((f) => f.codec !== "pad");
  c = {
    known: new Set(layout(s).map((f) => f.name)),
    fields: laid.map((f) => {
      const r = RANGES[f.codec];
      return {
        name: f.name,
        codec: f.codec,
        offset: f.offset,
        size: f.size,
        lo: r?.[0],
        hi: r?.[1],
      };
    }),
  };
  structWriters.set(s, c);
  return c;
}

/** Writes a struct's fields from `value` at `at` (fields absent from `value` stay zero). */
export function writeStruct(
  w: Writer,
  at: number,
  s: StructCodec,
  value: Record<string, unknown>,
  field: string,
): void {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(`${field}: expected an object, got ${describeValue(value)}`);
  }
  const { known, fields } = structWriter(s);
  for (const k in value) {
    if (!known.has(k) && Object.hasOwn(value, k) && value[k] !== undefined) {
      throw new TypeError(`${field}.${k}: unknown field`);
    }
  }
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const v = value[f.name];
    if (v === undefined) continue;
    // The common case inline: a number in range. The field's name is built on the error path only.
    if (
      f.lo !== undefined && typeof v === "number" && v >= f.lo && v <= f.hi! && Number.isInteger(v)
    ) {
      writeInt(w.dv, at + f.offset, f.codec, v);
      continue;
    }
    writeField(w, at + f.offset, f.codec, f.size, v, `${field}.${f.name}`);
  }
}

function writeField(
  w: Writer,
  at: number,
  codec: FieldCodec,
  size: number,
  v: unknown,
  field: string,
): void {
  if (codec in RANGES) return writeInt(w.dv, at, codec, checkInt(v, codec, field));
  if (codec.startsWith("char[")) {
    if (typeof v !== "string") {
      throw new TypeError(`${field}: expected a string, got ${describeValue(v)}`);
    }
    const b = utf8.encode(v);
    if (b.length >= size) throw new RangeError(`${field}: longer than ${size - 1} bytes`);
    w.u8.set(b, at);
    return;
  }
  if (codec.startsWith("ipaddr[")) {
    const b = parseIp(v, field);
    if (b.length > size) throw new TypeError(`${field}: address does not fit ${size} bytes`);
    w.u8.set(b, at);
    return;
  }
  if (!(v instanceof Uint8Array)) {
    throw new TypeError(`${field}: expected bytes (Uint8Array), got ${describeValue(v)}`);
  }
  if (v.length > size) throw new RangeError(`${field}: more than ${size} bytes`);
  w.u8.set(v, at);
}

/**
 * Writes one attribute of `codec` with `value`. `siblings` are the other values of the same
 * nest (a sibling-selected codec looks up its selector there, then in `context`).
 */
export function writeAttr(
  w: Writer,
  type: number,
  codec: Codec,
  value: unknown,
  field: string,
  siblings?: Record<string, unknown>,
  context?: Record<string, unknown>,
): void {
  if (typeof codec === "string") {
    if (codec in RANGES) {
      const n = checkInt(value, codec, field);
      const size = INT_SIZE[codec];
      const at = w.reserve(NLA_HDRLEN + size);
      w.dv.setUint16(at, NLA_HDRLEN + size, true);
      w.dv.setUint16(at + 2, type, true);
      writeInt(w.dv, at + NLA_HDRLEN, codec, n);
      return;
    }
    switch (codec) {
      case "string": {
        if (typeof value !== "string") {
          throw new TypeError(`${field}: expected a string, got ${describeValue(value)}`);
        }
        const b = utf8.encode(value);
        const at = w.reserve(NLA_HDRLEN + b.length + 1);
        w.dv.setUint16(at, NLA_HDRLEN + b.length + 1, true);
        w.dv.setUint16(at + 2, type, true);
        w.u8.set(b, at + NLA_HDRLEN);
        w.u8[at + NLA_HDRLEN + b.length] = 0;
        return;
      }
      case "binary":
        if (!(value instanceof Uint8Array)) {
          throw new TypeError(`${field}: expected bytes (Uint8Array), got ${describeValue(value)}`);
        }
        return w.attrBytes(type, value);
      case "hex":
      case "lladdr":
        return w.attrBytes(type, value instanceof Uint8Array ? value : parseMac(value, field));
      case "ipaddr":
        return w.attrBytes(type, value instanceof Uint8Array ? value : parseIp(value, field));
      case "flag":
        if (value === false) return;
        if (value !== true) {
          throw new TypeError(`${field}: expected true or false, got ${describeValue(value)}`);
        }
        return w.attrBytes(type, new Uint8Array(0));
    }
    throw new TypeError(`${field}: unknown codec ${codec}`);
  }
  switch (codec.kind) {
    case "enum": {
      // Names are own keys only ("toString" is an unknown value, never a function).
      const n = typeof value === "string"
        ? lookupName(codec.names, value, field, "value", { numbers: false })
        : value;
      return writeAttr(w, type, codec.base, n, field);
    }
    case "struct": {
      const at = w.reserve(NLA_HDRLEN + structSize(codec));
      w.dv.setUint16(at, NLA_HDRLEN + structSize(codec), true);
      w.dv.setUint16(at + 2, type, true);
      w.u8.fill(0, at + NLA_HDRLEN, at + NLA_HDRLEN + structSize(codec));
      writeStruct(w, at + NLA_HDRLEN, codec, value as Record<string, unknown>, field);
      return;
    }
    case "nest": {
      const at = w.beginNest(type);
      if (codec.header) {
        // The header's fields may be given under "header"; the rest are attributes.
        const { header, ...rest } = (value ?? {}) as Record<string, unknown>;
        const hsize = structSize(codec.header);
        const h = w.reserve(hsize);
        w.u8.fill(0, h, h + hsize);
        if (header !== undefined) {
          writeStruct(w, h, codec.header, header as Record<string, unknown>, `${field}.header`);
        }
        writeAttrs(w, codec.schema(), rest, field);
        w.endNest(at);
        return;
      }
      writeAttrs(w, codec.schema(), value as Record<string, unknown>, field);
      w.endNest(at);
      return;
    }
    case "array": {
      if (!Array.isArray(value)) {
        throw new TypeError(`${field}: expected an array, got ${describeValue(value)}`);
      }
      const at = w.beginNest(type);
      value.forEach((v, i) => writeAttr(w, codec.type ?? i + 1, codec.of, v, `${field}[${i}]`));
      w.endNest(at);
      return;
    }
    case "select": {
      const key = siblings !== undefined && Object.hasOwn(siblings, codec.by)
        ? siblings[codec.by]
        : context?.[codec.by];
      // Own keys only: a kind named "constructor" or "toString" has no schema.
      const choices = codec.choices();
      const chosen =
        (typeof key === "string" || typeof key === "number") && Object.hasOwn(choices, key)
          ? choices[key]
          : undefined;
      if (chosen === undefined) {
        if (value instanceof Uint8Array) return w.attrBytes(type, value);
        throw new TypeError(`${field}: no schema for ${codec.by} ${describeValue(key)}`);
      }
      return writeAttr(w, type, chosen, value, field);
    }
  }
}

/**
 * Writes attributes from `values` (keys: short or kernel names, or numbers with Uint8Array
 * payloads) in the table's order of keys given. Unknown keys are a TypeError naming the field.
 * `context` supplies selector values that are not attributes themselves (a message's header
 * fields: `IFLA_AF_SPEC` is chosen by `family`).
 */
export function writeAttrs(
  w: Writer,
  schema: AttrSchema,
  values: Record<string, unknown>,
  field = "",
  context?: Record<string, unknown>,
): void {
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    throw new TypeError(
      `${field || "attributes"}: expected an object, got ${describeValue(values)}`,
    );
  }
  const keys = Object.keys(values);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const value = values[key];
    if (value === undefined) continue;
    const def = schema.byName.get(key);
    if (def !== undefined) {
      // The attribute's path ("linkinfo.data.id") is built on the error path only.
      writeAttr(w, def.type, def.codec, value, field ? `${field}.${key}` : key, values, context);
      continue;
    }
    const name = field ? `${field}.${key}` : key;
    if (isIndex(key)) {
      if (!(value instanceof Uint8Array)) {
        throw new TypeError(`${name}: a raw attribute takes bytes (Uint8Array)`);
      }
      w.attrBytes(Number(key), value);
      continue;
    }
    throw new TypeError(`${name}: unknown attribute for ${schema.prefix}*`);
  }
}

/** Whether a key is a decimal number (a raw attribute type). */
function isIndex(key: string): boolean {
  if (key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** A whole message to encode. */
export interface MessageSpec {
  /** nlmsg_type. */
  type: number;
  /** nlmsg_flags. */
  flags: number;
  /** Fixed-header fields by name. */
  header?: Record<string, unknown>;
  /** Attributes by short name. */
  attrs?: Record<string, unknown>;
  /** Appends raw attributes after the schema's (for builders that write their own nests). */
  extra?: (w: Writer) => void;
}

/** Encodes one message (sequence number and port left 0: the engine sets them). */
export function encodeMessage(
  schema: MessageSchema,
  spec: MessageSpec,
  w = new Writer(),
): Uint8Array<ArrayBuffer> {
  w.length = 0;
  appendMessage(schema, spec, w);
  return w.finish();
}

/**
 * Encodes one message after what `w` holds (an {@link Arena} collecting a batch) and returns the
 * offset it starts at; it ends at `w.length`. On an error, `w` is left as it was.
 */
export function appendMessage(schema: MessageSchema, spec: MessageSpec, w: Writer): number {
  const start = w.length;
  try {
    const at = w.reserve(NLMSG_HDRLEN + structSize(schema.header));
    w.u8.fill(0, at, w.length);
    w.dv.setUint16(at + 4, spec.type, true);
    w.dv.setUint16(at + 6, spec.flags, true);
    if (spec.header) writeStruct(w, at + NLMSG_HDRLEN, schema.header, spec.header, "header");
    if (spec.attrs) writeAttrs(w, schema.attrs, spec.attrs, "", spec.header);
    spec.extra?.(w);
    w.dv.setUint32(at, w.length - at, true);
  } catch (e) {
    w.length = start;
    throw e;
  }
  return start;
}
