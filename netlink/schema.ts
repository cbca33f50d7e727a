/**
 * The schema language: one declarative table per message family drives decoding, encoding and
 * the TypeScript types.
 *
 * A table lists the fixed header's fields and every attribute by its kernel name, number and
 * value codec:
 *
 * ```ts
 * const IFLA = attrs("IFLA_", {
 *   IFLA_ADDRESS: [1, "lladdr"],
 *   IFLA_IFNAME: [3, "string"],
 *   IFLA_LINKINFO: [18, nest(() => LINKINFO)],
 * });
 * ```
 *
 * Attributes are named after the uapi constant with the prefix dropped and lower-cased
 * (`IFLA_IFNAME` → `ifname`).
 *
 * @module
 */

/** Scalar value codecs. */
export type ScalarCodec =
  | "u8"
  | "u16"
  | "u32"
  | "u64"
  | "s8"
  | "s16"
  | "s32"
  | "s64"
  | "be16"
  | "be32"
  | "be64"
  | "string"
  | "binary"
  | "ipaddr"
  | "lladdr"
  | "flag"
  | "hex";

/**
 * A fixed-layout C struct codec, written as a literal:
 * `{ kind: "struct", fields: [["family", "u8"], ["_pad", "u8"], ["index", "s32", 4]] }`.
 *
 * A field may itself be a struct (`["rate", TC_RATESPEC]`): its fields are laid out inside the
 * outer one and named after the field that holds it (`rate_cell_log`, `rate_mpu`), and the inner
 * struct's {@link StructCodec.value} field by that name alone (`rate`). Decoded values and specs
 * to encode are flat objects with those names, as pyroute2 names them.
 */
export interface StructCodec<F extends readonly StructField[] = readonly StructField[]> {
  /** The codec kind. */
  readonly kind: "struct";
  /** The fields, in order; offsets are computed from natural sizes unless given. */
  readonly fields: F;
  /** The struct's size in bytes (default: the end of the last field). */
  readonly size?: number;
  /**
   * Inside another struct, the field named by the outer field's name alone (`struct
   * tc_ratespec`'s `rate`: `ceil`, not `ceil_rate`); the others are `<outer>_<inner>`.
   */
  readonly value?: string;
}

/**
 * A struct field: name, codec (a field codec or a nested struct), and optionally its byte
 * offset (else packed after the last).
 */
export type StructField = readonly [name: string, codec: FieldCodec | StructCodec, offset?: number];

/** Codecs allowed inside a struct. */
export type FieldCodec =
  | "u8"
  | "u16"
  | "u32"
  | "u64"
  | "s8"
  | "s16"
  | "s32"
  | "s64"
  | "be16"
  | "be32"
  | "be64"
  | "pad"
  | `char[${number}]`
  | `bytes[${number}]`
  | `ipaddr[${number}]`;

/** A nested attribute set. */
export interface NestCodec<S extends AttrSchema = AttrSchema> {
  /** The codec kind. */
  readonly kind: "nest";
  /** The nested schema (a thunk, so schemas can refer to each other). */
  readonly schema: () => S;
  /** A fixed header before the attributes (VETH_INFO_PEER carries an ifinfomsg). */
  readonly header?: StructCodec;
}

/** An array of values, each an attribute whose type is its index (1, 2, …) or any type. */
export interface ArrayCodec<C extends Codec = Codec> {
  /** The codec kind. */
  readonly kind: "array";
  /** The codec of each element. */
  readonly of: C;
  /**
   * The attribute type of every element, for lists that repeat one type (VLAN QoS mappings);
   * without it, elements are numbered 1, 2, ….
   */
  readonly type?: number;
}

/** A codec chosen by the value of a sibling attribute (`IFLA_INFO_KIND` picks `IFLA_INFO_DATA`). */
export interface SelectCodec {
  /** The codec kind. */
  readonly kind: "select";
  /** Short name of the sibling attribute whose value selects. */
  readonly by: string;
  /** Codec per sibling value; unknown values decode as raw bytes. */
  readonly choices: () => Readonly<Record<string, Codec>>;
}

/** An enumeration: a number on the wire, a name for people. */
export interface EnumCodec {
  /** The codec kind. */
  readonly kind: "enum";
  /** The wire codec (nfnetlink families number their enumerations big-endian). */
  readonly base: "u8" | "u16" | "u32" | "be16" | "be32";
  /** Name → number. */
  readonly names: Readonly<Record<string, number>>;
}

/** Any value codec. */
export type Codec = ScalarCodec | StructCodec | NestCodec | ArrayCodec | SelectCodec | EnumCodec;

/** One attribute of a schema. */
export interface AttrDef {
  /** Kernel constant, e.g. "IFLA_IFNAME". */
  readonly kernelName: string;
  /** Short name, e.g. "ifname". */
  readonly name: string;
  /** Attribute type number. */
  readonly type: number;
  /** Value codec. */
  readonly codec: Codec;
}

/** A table of attributes as written in a schema file: kernel name → [number, codec]. */
export type AttrTable = Readonly<Record<string, readonly [number, Codec]>>;

/** A compiled attribute schema. */
export interface AttrSchema<P extends string = string, T extends AttrTable = AttrTable> {
  /** Kernel name prefix, e.g. "IFLA_". */
  readonly prefix: P;
  /** The table as written. */
  readonly table: T;
  /** Attributes by short name and by kernel name. */
  readonly byName: ReadonlyMap<string, AttrDef>;
  /** Attributes by type number (sparse). */
  readonly byType: readonly (AttrDef | undefined)[];
  /** Highest attribute number + 1. */
  readonly slots: number;
}

/** The short name of a kernel constant: prefix dropped, lower-cased. */
export function shortName(kernelName: string, prefix: string): string {
  return (kernelName.startsWith(prefix) ? kernelName.slice(prefix.length) : kernelName)
    .toLowerCase();
}

/** Compiles an attribute table. */
export function attrs<P extends string, T extends AttrTable>(
  prefix: P,
  table: T,
): AttrSchema<P, T> {
  const byName = new Map<string, AttrDef>();
  const byType: (AttrDef | undefined)[] = [];
  let slots = 0;
  for (const [kernelName, [type, codec]] of Object.entries(table)) {
    const def: AttrDef = { kernelName, name: shortName(kernelName, prefix), type, codec };
    if (byName.has(def.name)) throw new Error(`schema ${prefix}: duplicate name ${def.name}`);
    if (byType[type]) throw new Error(`schema ${prefix}: duplicate number ${type}`);
    byName.set(def.name, def);
    byName.set(kernelName, def);
    byType[type] = def;
    slots = Math.max(slots, type + 1);
  }
  return { prefix, table, byName, byType, slots };
}

/** A nested-attribute codec. */
export function nest<S extends AttrSchema>(schema: () => S, header?: StructCodec): NestCodec<S> {
  return header ? { kind: "nest", schema, header } : { kind: "nest", schema };
}

/** An array codec. */
export function array<C extends Codec>(of: C): ArrayCodec<C> {
  return { kind: "array", of };
}

/** A codec selected by a sibling attribute's value. */
export function select(by: string, choices: () => Readonly<Record<string, Codec>>): SelectCodec {
  return { kind: "select", by, choices };
}

/** An enumeration codec. */
export function enumOf(
  base: EnumCodec["base"],
  names: Readonly<Record<string, number>>,
): EnumCodec {
  return { kind: "enum", base, names };
}

const FIELD_SIZE: Record<string, number> = {
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

/** The byte size of one struct field codec. */
export function fieldSize(codec: FieldCodec): number {
  const fixed = FIELD_SIZE[codec];
  if (fixed !== undefined) return fixed;
  const m = /\[(\d+)\]$/.exec(codec);
  if (m) return Number(m[1]);
  if (codec === "pad") return 1;
  throw new Error(`unknown struct field codec ${codec}`);
}

/** A compiled struct field with its offset. */
export interface LaidField {
  /** Field name. */
  readonly name: string;
  /** Field codec. */
  readonly codec: FieldCodec;
  /** Byte offset in the struct. */
  readonly offset: number;
  /** Byte size. */
  readonly size: number;
}

/** Defines a struct (for code; exported schema tables write the literal form). */
export function struct<F extends readonly StructField[]>(fields: F, size?: number): StructCodec<F> {
  return size === undefined ? { kind: "struct", fields } : { kind: "struct", fields, size };
}

const layouts = new WeakMap<StructCodec, { laid: readonly LaidField[]; size: number }>();

function compile(s: StructCodec): { laid: readonly LaidField[]; size: number } {
  let c = layouts.get(s);
  if (c) return c;
  const laid: LaidField[] = [];
  let off = 0;
  for (const [name, codec, offset] of s.fields) {
    if (offset !== undefined) off = offset;
    if (typeof codec === "object") {
      // A nested struct: its (already flattened) fields, renamed under this field's name.
      const inner = compile(codec);
      for (const f of inner.laid) {
        laid.push({ ...f, name: nestedName(name, f.name, codec.value), offset: off + f.offset });
      }
      off += inner.size;
      continue;
    }
    const sz = fieldSize(codec);
    laid.push({ name, codec, offset: off, size: sz });
    off += sz;
  }
  c = { laid, size: s.size ?? off };
  layouts.set(s, c);
  return c;
}

/** The name of a nested struct's field `inner` inside the field `outer` (hidden stays hidden). */
function nestedName(outer: string, inner: string, value: string | undefined): string {
  if (inner.startsWith("_")) return `_${outer}${inner}`;
  return inner === value ? outer : `${outer}_${inner}`;
}

/**
 * The layout of a struct codec: each field with its offset and size, nested structs flattened
 * (see {@link StructCodec}).
 */
export function layout(s: StructCodec): readonly LaidField[] {
  return compile(s).laid;
}

/** The size of a struct codec in bytes. */
export function structSize(s: StructCodec): number {
  return compile(s).size;
}

/** A message family: the fixed header after nlmsghdr and the attribute schema. */
export interface MessageSchema<
  H extends StructCodec = StructCodec,
  A extends AttrSchema = AttrSchema,
> {
  /** A name for messages, e.g. "link". */
  readonly name: string;
  /** The fixed header (ifinfomsg, rtmsg, …). */
  readonly header: H;
  /** The attributes that follow it. */
  readonly attrs: A;
}

/** Defines a message family. */
export function message<H extends StructCodec, A extends AttrSchema>(
  name: string,
  header: H,
  attrSchema: A,
): MessageSchema<H, A> {
  return { name, header, attrs: attrSchema };
}

// ---------------------------------------------------------------------------------------------
// Types mapped from the tables.

/** Lower-case of a string type. */
export type Lower<S extends string> = Lowercase<S>;
/** The short name of kernel name K under prefix P. */
export type ShortName<K, P extends string> = K extends `${P}${infer R}` ? Lower<R>
  : K extends string ? Lower<K>
  : never;

/** The decoded value of a struct field codec. */
export type FieldValue<C> = C extends "u64" | "s64" | "be64" ? number
  : C extends `char[${number}]` ? string
  : C extends `ipaddr[${number}]` ? string
  : C extends `bytes[${number}]` ? Uint8Array
  : number;

/** The `[name, codec]` entries of a struct's fields, nested structs flattened as layout() does. */
export type FlatFields<F extends readonly StructField[]> = string extends F[number][0]
  // Not a literal table (a struct built in code): any name.
  ? [string, FieldCodec]
  : F[number] extends infer E
    ? E extends readonly [infer N extends string, infer C, ...unknown[]]
      ? C extends StructCodec<infer SF> ? Renamed<N, FlatFields<SF>, ValueField<C>> : [N, C]
    : never
  : never;

/** A struct codec's {@link StructCodec.value} field name (never when it has none). */
export type ValueField<C> = C extends { readonly value: infer V extends string } ? V : never;

/** Entries of a struct nested in field `N`, renamed as layout() renames them. */
export type Renamed<N extends string, E, V extends string> = E extends
  [infer M extends string, infer C]
  ? [M extends `_${string}` ? `_${N}${M}` : M extends V ? N : `${N}_${M}`, C]
  : never;

/** The decoded object of a struct codec. */
export type StructValue<F extends readonly StructField[]> = {
  [E in FlatFields<F> as E[0] extends "pad" | `_${string}` ? never : E[0]]: FieldValue<E[1]>;
};

/** The decoded value of a codec. */
export type CodecValue<C> = C extends "string" | "ipaddr" | "lladdr" | "hex" ? string
  : C extends "flag" ? boolean
  : C extends "binary" ? Uint8Array
  : C extends ScalarCodec ? number
  : C extends EnumCodec ? string | number
  : C extends StructCodec<infer F> ? StructValue<F>
  : C extends NestCodec<infer S> ? AttrValues<S>
  : C extends ArrayCodec<infer E> ? CodecValue<E>[]
  : C extends SelectCodec ? unknown
  : unknown;

/** The decoded attribute values of a schema, keyed by short name. */
export type AttrValues<S> = S extends AttrSchema<infer P, infer T> ? {
    -readonly [K in keyof T as ShortName<K, P>]?: CodecValue<T[K][1]>;
  }
  : never;

/** The decoded header of a message schema. */
export type HeaderValues<M> = M extends MessageSchema<infer H>
  ? H extends StructCodec<infer F> ? StructValue<F> : never
  : never;
