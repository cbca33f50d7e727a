/**
 * The struct value readers: one reader of struct fields ({@link readField}: struct attributes,
 * message headers, and the structs families decode by hand), 64-bit integers without BigInt,
 * and strings. The attribute readers are in view.ts, beside the views that call them.
 *
 * @module
 */

import { formatIp } from "./addr.ts";
import { layout } from "./schema.ts";
import type { FieldCodec, LaidField, StructCodec } from "./schema.ts";

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
// Struct fields.

/** Reads one struct field at `off` (the caller checks that it is within the bytes received). */
export type FieldReader = (dv: DataView, u8: Uint8Array, off: number) => unknown;

// One small function per fixed-size field codec: readField calls them directly (inlined in its
// switch, so decodeStruct walks a struct without an indirect call per field), and fieldReader
// hands them out as they are (a header getter calls one, inlined where it is used).
const fieldU8: FieldReader = (dv, _u8, off) => dv.getUint8(off);
const fieldS8: FieldReader = (dv, _u8, off) => dv.getInt8(off);
const fieldU16: FieldReader = (dv, _u8, off) => dv.getUint16(off, true);
const fieldS16: FieldReader = (dv, _u8, off) => dv.getInt16(off, true);
const fieldBe16: FieldReader = (dv, _u8, off) => dv.getUint16(off, false);
const fieldU32: FieldReader = (dv, _u8, off) => dv.getUint32(off, true);
const fieldS32: FieldReader = (dv, _u8, off) => dv.getInt32(off, true);
const fieldBe32: FieldReader = (dv, _u8, off) => dv.getUint32(off, false);
const fieldU64: FieldReader = (dv, _u8, off) => u64(dv, off, true);
const fieldS64: FieldReader = (dv, _u8, off) => s64(dv, off, true);
const fieldBe64: FieldReader = (dv, _u8, off) => u64(dv, off, false);

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
      return fieldU8(dv, u8, off);
    case "s8":
      return fieldS8(dv, u8, off);
    case "u16":
      return fieldU16(dv, u8, off);
    case "s16":
      return fieldS16(dv, u8, off);
    case "be16":
      return fieldBe16(dv, u8, off);
    case "u32":
      return fieldU32(dv, u8, off);
    case "s32":
      return fieldS32(dv, u8, off);
    case "be32":
      return fieldBe32(dv, u8, off);
    case "u64":
      return fieldU64(dv, u8, off);
    case "s64":
      return fieldS64(dv, u8, off);
    case "be64":
      return fieldBe64(dv, u8, off);
    case "pad":
      return undefined;
  }
  if (codec.startsWith("char[")) return decodeString(u8, off, size);
  if (codec.startsWith("ipaddr[")) return formatIp(u8, off, size);
  return u8.slice(off, off + size);
}

const FIXED: Readonly<Record<string, FieldReader>> = {
  u8: fieldU8,
  s8: fieldS8,
  u16: fieldU16,
  s16: fieldS16,
  be16: fieldBe16,
  u32: fieldU32,
  s32: fieldS32,
  be32: fieldBe32,
  u64: fieldU64,
  s64: fieldS64,
  be64: fieldBe64,
};

/** {@link readField} for one codec: a fixed-size codec's own function, else a bound readField. */
export function fieldReader(codec: FieldCodec, size: number): FieldReader {
  return FIXED[codec] ?? ((dv, u8, off) => readField(dv, u8, codec, off, size));
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
