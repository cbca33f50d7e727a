/**
 * The value readers: one function per codec that reads one attribute's payload, and one
 * compiled reader per struct field. Views' typed properties, `get`, `getAll`, array elements,
 * struct and header decoding all read through these, so they agree on byte order, sizes and
 * text forms.
 *
 * An attribute is given by the offset `p` of its header (`struct nlattr`): the payload is at
 * `p + 4`, its length is `nla_len - 4`, and `NLA_F_NET_BYTEORDER` in `nla_type` says that a
 * `u16`/`s16`/`u32`/`s32`/`u64`/`s64` payload is big-endian (the `be*` codecs always are). A
 * payload shorter than its codec is a {@link DecodeError}; a longer one is read from its start
 * (the kernel grows structs at the end). 64-bit attributes also take 4-byte payloads, which some
 * kernels send.
 *
 * @module
 */

import { formatHex, formatIp } from "./addr.ts";
import { NLA_F_NET_BYTEORDER, NLA_HDRLEN } from "./constants.ts";
import { DecodeError } from "./errors.ts";
import { layout } from "./schema.ts";
import type { AttrDef, FieldCodec, LaidField, StructCodec } from "./schema.ts";

const utf8 = new TextDecoder();

// 64-bit integers are read as two 32-bit halves: hi * 2^32 + lo is rounded once, exactly as
// Number(BigInt) rounds, without allocating a BigInt per value (a link's stats64 has 25).
const TWO32 = 4294967296;

/** An unsigned 64-bit integer at `off` as a Number (rounded as Number(BigInt) does). */
export function u64(dv: DataView, off: number, little: boolean): number {
  return little
    ? dv.getUint32(off + 4, true) * TWO32 + dv.getUint32(off, true)
    : dv.getUint32(off, false) * TWO32 + dv.getUint32(off + 4, false);
}

/** A signed 64-bit integer at `off` as a Number (rounded as Number(BigInt) does). */
export function s64(dv: DataView, off: number, little: boolean): number {
  return little
    ? dv.getInt32(off + 4, true) * TWO32 + dv.getUint32(off, true)
    : dv.getInt32(off, false) * TWO32 + dv.getUint32(off + 4, false);
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

// ---------------------------------------------------------------------------------------------
// Attribute payloads, by the offset of the attribute's header.

/** The payload length of the attribute whose header is at `p`. */
export function payloadLength(dv: DataView, p: number): number {
  return dv.getUint16(p, true) - NLA_HDRLEN;
}

/** Whether the integer payload of the attribute at `p` is little-endian (no NET_BYTEORDER). */
function little(dv: DataView, p: number): boolean {
  return (dv.getUint16(p + 2, true) & NLA_F_NET_BYTEORDER) === 0;
}

/** Throws the DecodeError of an attribute shorter than its codec. */
export function tooShort(len: number, size: number, def: AttrDef | undefined, type: number): never {
  throw new DecodeError(`attribute ${def?.kernelName ?? type}: ${len} bytes, expected ${size}`);
}

/** Checks that the attribute at `p` holds at least `size` payload bytes. */
function need(dv: DataView, p: number, size: number, def: AttrDef | undefined, type: number) {
  const len = dv.getUint16(p, true) - NLA_HDRLEN;
  if (len < size) tooShort(len, size, def, type);
}

/** A `u8` attribute. */
export function readU8(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  need(dv, p, 1, def, type);
  return dv.getUint8(p + NLA_HDRLEN);
}

/** An `s8` attribute. */
export function readS8(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  need(dv, p, 1, def, type);
  return dv.getInt8(p + NLA_HDRLEN);
}

/** A `u16` attribute (big-endian when flagged NLA_F_NET_BYTEORDER). */
export function readU16(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  need(dv, p, 2, def, type);
  return dv.getUint16(p + NLA_HDRLEN, little(dv, p));
}

/** An `s16` attribute (big-endian when flagged NLA_F_NET_BYTEORDER). */
export function readS16(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  need(dv, p, 2, def, type);
  return dv.getInt16(p + NLA_HDRLEN, little(dv, p));
}

/** A `be16` attribute. */
export function readBe16(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  need(dv, p, 2, def, type);
  return dv.getUint16(p + NLA_HDRLEN, false);
}

/** A `u32` attribute (big-endian when flagged NLA_F_NET_BYTEORDER). */
export function readU32(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  need(dv, p, 4, def, type);
  return dv.getUint32(p + NLA_HDRLEN, little(dv, p));
}

/** An `s32` attribute (big-endian when flagged NLA_F_NET_BYTEORDER). */
export function readS32(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  need(dv, p, 4, def, type);
  return dv.getInt32(p + NLA_HDRLEN, little(dv, p));
}

/** A `be32` attribute. */
export function readBe32(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  need(dv, p, 4, def, type);
  return dv.getUint32(p + NLA_HDRLEN, false);
}

/** A `u64` attribute (big-endian when flagged; a 4-byte payload is read as a u32). */
export function readU64(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  const len = dv.getUint16(p, true) - NLA_HDRLEN;
  if (len === 4) return dv.getUint32(p + NLA_HDRLEN, little(dv, p));
  if (len < 8) tooShort(len, 8, def, type);
  return u64(dv, p + NLA_HDRLEN, little(dv, p));
}

/** An `s64` attribute (big-endian when flagged; a 4-byte payload is read as an s32). */
export function readS64(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  const len = dv.getUint16(p, true) - NLA_HDRLEN;
  if (len === 4) return dv.getInt32(p + NLA_HDRLEN, little(dv, p));
  if (len < 8) tooShort(len, 8, def, type);
  return s64(dv, p + NLA_HDRLEN, little(dv, p));
}

/** A `be64` attribute. */
export function readBe64(dv: DataView, p: number, def: AttrDef | undefined, type: number): number {
  need(dv, p, 8, def, type);
  return u64(dv, p + NLA_HDRLEN, false);
}

/** A `string` attribute (up to its first NUL). */
export function readString(dv: DataView, u8: Uint8Array, p: number): string {
  return decodeString(u8, p + NLA_HDRLEN, dv.getUint16(p, true) - NLA_HDRLEN);
}

/** A `binary` attribute: a view of its payload (no copy). */
export function readBinary(dv: DataView, u8: Uint8Array, p: number): Uint8Array {
  return u8.subarray(p + NLA_HDRLEN, p + dv.getUint16(p, true));
}

/** A `hex`/`lladdr` attribute as colon-separated hex. */
export function readHex(dv: DataView, u8: Uint8Array, p: number): string {
  return formatHex(u8, p + NLA_HDRLEN, dv.getUint16(p, true) - NLA_HDRLEN);
}

/** An `ipaddr` attribute as text (other lengths than 4 and 16 as hex). */
export function readIp(dv: DataView, u8: Uint8Array, p: number): string {
  return formatIp(u8, p + NLA_HDRLEN, dv.getUint16(p, true) - NLA_HDRLEN);
}

// ---------------------------------------------------------------------------------------------
// Struct fields.

/** Reads one struct field at `off` (the caller checks that it is within the bytes received). */
export type FieldReader = (dv: DataView, u8: Uint8Array, off: number) => unknown;

/** Reads one struct field of `codec` (`size` bytes) at `off`: the one reader of struct fields. */
export function readField(
  dv: DataView,
  u8: Uint8Array,
  codec: FieldCodec,
  off: number,
  size: number,
): unknown {
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

/**
 * {@link readField} bound to one codec. The common codecs get their own closure with the codec
 * a constant, so a header field's getter compiles to the one read it needs.
 */
export function fieldReader(codec: FieldCodec, size: number): FieldReader {
  switch (codec) {
    case "u8":
      return (dv, u8, off) => readField(dv, u8, "u8", off, 1);
    case "u16":
      return (dv, u8, off) => readField(dv, u8, "u16", off, 2);
    case "u32":
      return (dv, u8, off) => readField(dv, u8, "u32", off, 4);
    case "s32":
      return (dv, u8, off) => readField(dv, u8, "s32", off, 4);
  }
  return (dv, u8, off) => readField(dv, u8, codec, off, size);
}

/** A struct field as decoding shows it: its place and its compiled reader. */
export interface ReadField extends LaidField {
  /** Reads the field at the struct's offset + {@link LaidField.offset}. */
  readonly read: FieldReader;
}

const readable = new WeakMap<StructCodec, readonly ReadField[]>();
const visible = new WeakMap<StructCodec, readonly ReadField[]>();

/** Every field of a struct (padding too), each with its compiled reader. */
export function readFields(s: StructCodec): readonly ReadField[] {
  let r = readable.get(s);
  if (!r) {
    r = layout(s).map((f) => ({ ...f, read: fieldReader(f.codec, f.size) }));
    readable.set(s, r);
  }
  return r;
}

/** The fields of a struct that decoding shows (not padding, not `_`-named). */
export function visibleFields(s: StructCodec): readonly ReadField[] {
  let v = visible.get(s);
  if (!v) {
    v = readFields(s).filter((f) => f.codec !== "pad" && !f.name.startsWith("_"));
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
  const fields = visibleFields(s);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const at = off + f.offset;
    if (at + f.size <= limit) out[f.name] = readField(dv, u8, f.codec, at, f.size);
  }
  return out;
}
