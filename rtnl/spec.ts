/**
 * Checks shared by the request builders of addresses, routes, rules, neighbours, nexthops and
 * the bridge: every check throws a TypeError or RangeError naming the field, and runs before
 * anything is sent (interface names are checked at once and looked up last).
 *
 * @module
 */

import { describeValue, parsePrefix } from "../netlink/addr.ts";
import type { Prefix } from "../netlink/addr.ts";
import { checkInt, encodeMessage, Writer } from "../netlink/encoder.ts";
import { NLA_HDRLEN } from "../netlink/constants.ts";
import { isPlainObject, lookupName } from "../netlink/strict.ts";
import type { MessageSpec } from "../netlink/encoder.ts";
import type { MessageSchema } from "../netlink/schema.ts";
import type { Built, RtnlCore } from "./core.ts";
import { checkIfname } from "./core.ts";

const shared = new Writer(1024);

/**
 * Encodes one request, described for errors, into a fresh exactly-sized buffer (through one
 * reused writer).
 */
export function buildMessage<M extends MessageSchema>(
  schema: M,
  spec: MessageSpec,
  describe: string,
): Built<M> {
  return { bytes: encodeMessage(schema, spec, shared), schema, describe };
}

// IPv4 addresses parsed by fastIp4 are views of one slab (a fresh ArrayBuffer costs far more
// than a view): they are only read, while the request is encoded.
let slab = new Uint8Array(4096);
let slabAt = 0;

/** "a.b.c.d" or "a.b.c.d/n" without regular expressions; null for anything else. */
function fastIp4(s: string): Prefix | null {
  if (slabAt + 4 > slab.length) {
    slab = new Uint8Array(4096);
    slabAt = 0;
  }
  const r = ip4Into(s, slab, slabAt);
  if (r < 0) return null;
  const bytes = slab.subarray(slabAt, slabAt + 4);
  slabAt += 4;
  return { bytes, family: 2, prefixlen: r & 0xff, hasPrefix: (r & PREFIX_GIVEN) !== 0 };
}

/** In what {@link ip4Into} and {@link writePrefix} return: the address had a "/n". */
export const PREFIX_GIVEN = 0x100;

/**
 * Parses "a.b.c.d" or "a.b.c.d/n" into `out[at, at + 4)` without regular expressions or
 * allocation. Returns the prefix length (32 without one) | {@link PREFIX_GIVEN} when given, or
 * -1 for anything else (the bytes may then hold a part of it).
 */
function ip4Into(s: string, out: Uint8Array, at: number): number {
  let part = 0, value = 0, digits = 0, i = 0;
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + c - 48;
      if (++digits > 3 || value > 255) return -1;
    } else if (c === 46 && digits > 0 && part < 3) {
      out[at + part++] = value;
      value = digits = 0;
    } else break;
  }
  if (part !== 3 || digits === 0) return -1;
  out[at + 3] = value;
  if (i === n) return 32;
  if (s.charCodeAt(i) !== 47 || n - i < 2 || n - i > 3) return -1;
  let len = 0;
  for (i++; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    len = len * 10 + c - 48;
  }
  if (len > 32) return -1;
  return len | PREFIX_GIVEN;
}

/** What every request spec of IPRoute may also hold. */
export interface WithSignal {
  /** Stops waiting for the kernel's answer (the change may still be applied). */
  signal?: AbortSignal;
}

/**
 * Takes `signal` out of a request spec (checking it is an AbortSignal); the rest is checked by
 * the request's builder. Anything but a plain object is returned as is for the builder to refuse.
 */
export function withoutSignal<S>(spec: S): [S, AbortSignal | undefined] {
  // A spec's undefined values mean "not given" (filters refuse them: see filter.ts).
  if (!isPlainObject(spec) || !Object.hasOwn(spec, "signal")) return [spec, undefined];
  const { signal, ...rest } = spec as Record<string, unknown>;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`signal: expected an AbortSignal, got ${describeValue(signal)}`);
  }
  return [rest as S, signal];
}

/** The request type and netlink flags of a command; throws naming `command` when unknown. */
export function commandOf<C extends string>(
  cmd: unknown,
  table: Readonly<Record<C, readonly [number, number]>>,
  what: string,
): readonly [number, number] {
  const c = typeof cmd === "string" && Object.hasOwn(table, cmd) ? table[cmd as C] : undefined;
  if (c === undefined) {
    throw new TypeError(
      `command: unknown ${what} command ${describeValue(cmd)} (${Object.keys(table).join(", ")})`,
    );
  }
  return c;
}

/** A deferred interface index: checked now, looked up (for a name) when called. */
export type IndexRef = () => number | Promise<number>;

/**
 * pyroute2 takes an interface object wherever an index is expected (`master: iface`): a link
 * message or an IPDB interface stands for its `index`; a one-element list (`oif: [1]`) for its
 * element. Anything else is returned as is.
 */
export function unwrapIndex(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 1 ? unwrapIndex(value[0]) : value;
  if (typeof value === "object" && value !== null && !(value instanceof Uint8Array)) {
    const index = (value as { index?: unknown }).index;
    if (typeof index === "number") return index;
  }
  return value;
}

/** Checks an interface index or name now; the returned function resolves it later. */
export function indexRef(core: RtnlCore, value: unknown, field: string): IndexRef {
  const r = indexNow(core, value, field);
  return typeof r === "number" ? () => r : r;
}

/**
 * As {@link indexRef}, with an index given as a number returned as it is (nothing to call or
 * allocate: the route encoder's common case).
 */
export function indexNow(core: RtnlCore, value: unknown, field: string): number | IndexRef {
  value = unwrapIndex(value);
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value <= 0 || value > 0x7fffffff) {
      throw new RangeError(`${field}: interface index must be a positive integer, got ${value}`);
    }
    return value;
  }
  if (typeof value === "string") {
    checkIfname(value, field);
    return () => core.ifindex(value, field);
  }
  throw new TypeError(
    `${field}: expected an interface index or name, got ${describeValue(value)}`,
  );
}

/** An unsigned integer of a codec's range (u8, u16, u32). */
export function uint(value: unknown, codec: "u8" | "u16" | "u32", field: string): number {
  return checkInt(value, codec, field);
}

/** `true` or `false`; throws naming the field otherwise. */
export function bool(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`${field}: expected true or false, got ${describeValue(value)}`);
  }
  return value;
}

/** A name of `table` or a number up to `max`. */
export function named(
  value: unknown,
  table: Readonly<Record<string, number>>,
  field: string,
  max: number,
  what: string,
): number {
  return lookupName(table, value, field, what, { max });
}

/** Flags from a number, a name, or a list of names of `table`. */
export function flagsOf(
  value: unknown,
  table: Readonly<Record<string, number>>,
  field: string,
  max = 0xffffffff,
): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new RangeError(`${field}: ${value} is out of range 0..${max}`);
    }
    return value;
  }
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list)) {
    throw new TypeError(
      `${field}: expected a number or a list of flag names, got ${describeValue(value)}`,
    );
  }
  let out = 0;
  for (const [i, f] of list.entries()) {
    out |= lookupName(table, f, `${field}[${i}]`, "flag", { numbers: false });
  }
  return out >>> 0;
}

/** A range `{ start, end }` from `{ start, end }`, `[start, end]`, `"start-end"` or one number. */
export function rangeOf(
  value: unknown,
  codec: "u16" | "u32",
  field: string,
): { start: number; end: number } {
  let start: unknown, end: unknown;
  if (typeof value === "number") start = end = value;
  else if (typeof value === "string") {
    const m = /^(\d+)(?:-(\d+))?$/.exec(value);
    if (!m) throw new TypeError(`${field}: expected "start-end", got ${JSON.stringify(value)}`);
    start = Number(m[1]);
    end = m[2] === undefined ? start : Number(m[2]);
  } else if (Array.isArray(value) && value.length === 2) [start, end] = value;
  else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    ({ start, end } = value as { start?: unknown; end?: unknown });
  } else {
    throw new TypeError(
      `${field}: expected { start, end }, [start, end], "start-end" or a number, got ${
        describeValue(value)
      }`,
    );
  }
  const s = checkInt(start, codec, `${field}.start`);
  const e = checkInt(end, codec, `${field}.end`);
  if (s > e) throw new RangeError(`${field}: start ${s} is after end ${e}`);
  return { start: s, end: e };
}

/** An address with optional prefix, checked against the family seen so far (`fam.f`). */
export function prefixOf(value: unknown, field: string, fam: { f?: number }): Prefix {
  const p = (typeof value === "string" ? fastIp4(value) : null) ?? parsePrefix(value, field);
  sameFamily(p.family, field, fam);
  return p;
}

/** Checks `family` against the family seen so far (`fam.f`), which it becomes. */
function sameFamily(family: number, field: string, fam: { f?: number }): void {
  if (fam.f !== undefined && fam.f !== family) {
    throw new TypeError(
      `${field}: ${family === 2 ? "IPv4" : "IPv6"} address in an ${
        fam.f === 2 ? "IPv4" : "IPv6"
      } request`,
    );
  }
  fam.f = family;
}

/**
 * Writes attribute `type` holding the address `value`, checked as {@link prefixOf} checks it;
 * a dotted IPv4 string is parsed straight into the writer (no object or array per address).
 * Returns its prefix length | {@link PREFIX_GIVEN} when it had one | its size in bytes << 9.
 */
export function writePrefix(
  w: Writer,
  type: number,
  value: unknown,
  field: string,
  fam: { f?: number },
): number {
  if (typeof value === "string") {
    const at = w.reserve(NLA_HDRLEN + 4);
    const r = ip4Into(value, w.u8, at + NLA_HDRLEN);
    if (r >= 0) {
      sameFamily(2, field, fam);
      w.dv.setUint16(at, NLA_HDRLEN + 4, true);
      w.dv.setUint16(at + 2, type, true);
      return r | (4 << 9);
    }
    w.length = at;
  }
  const p = prefixOf(value, field, fam);
  w.attrBytes(type, p.bytes);
  return p.prefixlen | (p.hasPrefix ? PREFIX_GIVEN : 0) | (p.bytes.length << 9);
}

/** A family given as 2/10 (or "inet"/"inet6"); throws naming the field otherwise. */
export function familyOf(value: unknown, field = "family", allowUnspec = false): number {
  if (value === "inet" || value === 2) return 2;
  if (value === "inet6" || value === 10) return 10;
  if (allowUnspec && (value === 0 || value === "unspec")) return 0;
  throw new RangeError(
    `${field}: expected 2 (IPv4) or 10 (IPv6)${allowUnspec ? " or 0" : ""}, got ${
      describeValue(value)
    }`,
  );
}

/** Resolves every deferred index of a record (in order), after all checks passed. */
export async function resolveAll(
  refs: Record<string, IndexRef | undefined>,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [k, ref] of Object.entries(refs)) if (ref) out[k] = await ref();
  return out;
}
