/**
 * nf_tables expressions as typed objects: `{ kind: "payload", base: "network_header", offset:
 * 12, len: 4, dreg: 1 }` (`kind` names the expression: some have a `type` attribute), checked and turned into `NFTA_EXPR` values before anything is sent,
 * and decoded back from the kernel's messages into the same objects (attributes in the order
 * the kernel sent them, so they re-encode byte for byte).
 *
 * @module
 */

import { describeValue } from "../../netlink/addr.ts";
import { checkInt } from "../../netlink/encoder.ts";
import { AttrView } from "../../netlink/view.ts";
import type { AttrSchema, Codec, EnumCodec, ShortName } from "../../netlink/schema.ts";
import { checkKeys, isPlainObject, KeySet, suggestion } from "../../netlink/strict.ts";
import { EXPR_SCHEMAS, NFT_VERDICT } from "./expr_schema.ts";
import type { EXPR_TABLES, ExprName } from "./expr_schema.ts";

/** A verdict name of {@link NFT_VERDICT}. */
export type VerdictName = keyof typeof NFT_VERDICT;

/** A verdict: its code, and the chain of a jump or goto. */
export interface NftVerdict {
  /** `accept`, `drop`, `jump`, `goto`, `return`, `continue`, … (or a number). */
  code: VerdictName | number;
  /** The chain to jump to or go to. */
  chain?: string;
  /** The chain by its transaction id. */
  chain_id?: number;
}

/** Data of an expression (`NFTA_DATA`): bytes, or a verdict. */
export interface NftData {
  /** A value, in network byte order as the packet holds it. */
  value?: Uint8Array;
  /** A verdict. */
  verdict?: NftVerdict;
}

/** The value a typed expression takes for one attribute `[number, codec]`. */
export type FieldInput<A> = A extends readonly [number, infer C]
  ? C extends EnumCodec ? string | number
  : C extends "binary" ? Uint8Array
  : C extends "string" ? string
  : C extends { kind: "nest" } ? NftData
  : number
  : never;

/** The attributes of one expression table `[prefix, table]`, by short name. */
export type FieldsOf<E> = E extends readonly [infer P extends string, infer T] ? {
    -readonly [K in keyof T as ShortName<K, P>]?: FieldInput<T[K]>;
  }
  : never;

/** A typed expression: `kind` names it, the other keys are its `NFTA_<EXPR>_*` attributes. */
export type NftExpr = {
  [N in ExprName]: { kind: N } & FieldsOf<(typeof EXPR_TABLES)[N]>;
}[ExprName];

/** An expression the library has no table for (kept as raw bytes, e.g. iptables' `match`). */
export interface NftRawExpr {
  /** The expression's name. */
  kind: string;
  /** Its `NFTA_EXPR_DATA` payload. */
  raw: Uint8Array;
}

function checkData(v: unknown, field: string): Record<string, unknown> {
  if (v instanceof Uint8Array) return { value: v };
  if (!isPlainObject(v)) {
    throw new TypeError(
      `${field}: expected { value: bytes } or { verdict }, got ${describeValue(v)}`,
    );
  }
  const keys = Object.keys(v);
  if (keys.length !== 1 || (keys[0] !== "value" && keys[0] !== "verdict")) {
    throw new TypeError(`${field}: expected exactly one of value or verdict`);
  }
  if (keys[0] === "value") {
    const value = v.value;
    if (!(value instanceof Uint8Array) || value.length === 0 || value.length > 64) {
      throw new TypeError(`${field}.value: expected 1 to 64 bytes, got ${describeValue(value)}`);
    }
    return { value };
  }
  return { verdict: checkVerdict(v.verdict, `${field}.verdict`) };
}

const VERDICT_KEYS = new KeySet("verdict key", ["code", "chain", "chain_id"]);

/** A verdict, checked: a known code, and a chain exactly for jump and goto. */
export function checkVerdict(v: unknown, field: string): Record<string, unknown> {
  const verdict: NftVerdict = typeof v === "string" ? { code: v as VerdictName } : v as NftVerdict;
  if (!isPlainObject(verdict)) {
    throw new TypeError(`${field}: expected a verdict, got ${describeValue(v)}`);
  }
  checkKeys(verdict, VERDICT_KEYS, field, `${field}.`);
  const code = verdict.code;
  let n: number;
  if (typeof code === "string") {
    if (!Object.hasOwn(NFT_VERDICT, code)) {
      throw new TypeError(
        `${field}.code: unknown verdict ${JSON.stringify(code)}${
          suggestion(code, Object.keys(NFT_VERDICT))
        }`,
      );
    }
    n = NFT_VERDICT[code as VerdictName];
  } else n = checkInt(code, "be32", `${field}.code`);
  const jumps = n === NFT_VERDICT.jump || n === NFT_VERDICT.goto;
  if (jumps && verdict.chain === undefined && verdict.chain_id === undefined) {
    throw new TypeError(`${field}.chain: a ${code} needs the chain`);
  }
  if (!jumps && (verdict.chain !== undefined || verdict.chain_id !== undefined)) {
    throw new TypeError(`${field}.chain: only jump and goto name a chain`);
  }
  const out: Record<string, unknown> = { code };
  if (verdict.chain !== undefined) {
    if (typeof verdict.chain !== "string" || verdict.chain === "") {
      throw new TypeError(`${field}.chain: expected a chain name`);
    }
    out.chain = verdict.chain;
  }
  if (verdict.chain_id !== undefined) {
    out.chain_id = checkInt(verdict.chain_id, "be32", `${field}.chain_id`);
  }
  return out;
}

function checkValue(codec: Codec, v: unknown, field: string): unknown {
  if (typeof codec === "string") {
    switch (codec) {
      case "string":
        if (typeof v !== "string") {
          throw new TypeError(`${field}: expected a string, got ${describeValue(v)}`);
        }
        return v;
      case "binary":
        if (!(v instanceof Uint8Array)) {
          throw new TypeError(`${field}: expected bytes, got ${describeValue(v)}`);
        }
        return v;
      default:
        return checkInt(v, codec, field);
    }
  }
  if (codec.kind === "enum") {
    if (typeof v === "string") {
      if (!Object.hasOwn(codec.names, v)) {
        throw new TypeError(
          `${field}: unknown value ${JSON.stringify(v)}${
            suggestion(v, Object.keys(codec.names))
          } (one of ${Object.keys(codec.names).join(", ")})`,
        );
      }
      return v;
    }
    return checkInt(v, codec.base, field);
  }
  if (codec.kind === "nest") return checkData(v, field);
  throw new TypeError(`${field}: unsupported value`);
}

/** Checks a typed expression and gives its `NFTA_EXPR` values (`{ name, data }`). */
export function encodeExpr(e: unknown, field: string): Record<string, unknown> {
  if (!isPlainObject(e)) {
    throw new TypeError(`${field}: expected an expression object, got ${describeValue(e)}`);
  }
  const type = e.kind;
  if (typeof type !== "string") {
    throw new TypeError(`${field}.kind: required (the expression's name)`);
  }
  if ("raw" in e) {
    if (!(e.raw instanceof Uint8Array) || Object.keys(e).length !== 2) {
      throw new TypeError(`${field}.raw: expected bytes and no other key`);
    }
    return { name: type, data: e.raw };
  }
  const schema = EXPR_SCHEMAS[type];
  if (!Object.hasOwn(EXPR_SCHEMAS, type) || !schema) {
    throw new TypeError(
      `${field}.kind: unknown expression ${JSON.stringify(type)}${
        suggestion(type, Object.keys(EXPR_SCHEMAS))
      }`,
    );
  }
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === "kind") continue;
    const def = schema.byName.get(k);
    if (!def || def.kernelName === k) {
      throw new TypeError(
        `${field}.${k}: unknown attribute of ${type}${suggestion(k, names(schema))} (one of ${
          names(schema).join(", ")
        })`,
      );
    }
    if (v === undefined) throw new TypeError(`${field}.${k}: undefined (leave the key out)`);
    data[k] = checkValue(def.codec, v, `${field}.${k}`);
  }
  return { name: type, data };
}

function names(schema: AttrSchema): string[] {
  return schema.byType.filter((d) => d !== undefined).map((d) => d!.name);
}

/**
 * The plain object of a decoded attribute run, in the order the kernel sent the attributes:
 * nests become objects, lists arrays, bytes are copied, enumerations are names. Attributes the
 * schema lacks are kept under their number, as bytes.
 */
export function objectOf(view: AttrView): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [t, off, len] of view.raw()) {
    const def = view.schema.byType[t];
    if (!def) {
      if (!(String(t) in out)) out[String(t)] = view.u8.slice(off, off + len);
      continue;
    }
    if (def.name in out) continue;
    out[def.name] = valueOf(view.get(t));
  }
  return out;
}

function valueOf(v: unknown): unknown {
  if (v instanceof AttrView) return objectOf(v);
  if (v instanceof Uint8Array) return v.slice();
  if (Array.isArray(v)) return v.map(valueOf);
  return v;
}

/** A typed expression from an `NFTA_EXPR` view (raw bytes for an expression without a table). */
export function decodeExpr(view: AttrView): NftExpr | NftRawExpr {
  const name = view.get("name");
  if (typeof name !== "string") return { kind: "", raw: new Uint8Array(0) };
  const data = view.get("data");
  if (data instanceof AttrView) return { kind: name, ...objectOf(data) } as NftExpr;
  return { kind: name, raw: data instanceof Uint8Array ? data.slice() : new Uint8Array(0) };
}
