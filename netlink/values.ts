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
