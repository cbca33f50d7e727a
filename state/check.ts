/**
 * Checks of a desired-state document's values, each naming the path of what is wrong
 * (`namespaces.a.routes[2].gateway: invalid IP address "10.0.0"`), and the canonical text of
 * addresses, so a desired value and the kernel's compare as strings.
 *
 * @module
 */

import { describeValue, formatIp, parseIp, parseMac, parsePrefix } from "../netlink/addr.ts";
import {
  checkKeys,
  isPlainObject,
  KeySet,
  REFUSE_UNDEFINED,
  suggestion,
} from "../netlink/strict.ts";

/**
 * The keys of a document's entry: an unknown key is `path.key: unknown key` (with the nearest
 * name), `key: undefined` is refused (leave the key out instead).
 */
export function entryKeys(names: Iterable<string>): KeySet {
  return new KeySet("key", names, {}, REFUSE_UNDEFINED);
}

/** {@link entryKeys} of each table's names (kind → option names). */
export function entryKeysOf(
  table: Readonly<Record<string, Iterable<string>>>,
): Record<string, KeySet> {
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [k, entryKeys(v)]));
}

/** Checks that `v` is a plain object whose keys are among `keys`; returns it. */
export function entry(v: unknown, path: string, keys: KeySet): Record<string, unknown> {
  return checkKeys(v, keys, path, `${path}.`);
}

/** Checks that `v` is a plain object (any keys: names of the document's own), none undefined. */
export function record(v: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(v)) {
    throw new TypeError(`${path}: expected an object, got ${describeValue(v)}`);
  }
  for (const k of Object.keys(v)) {
    if (v[k] === undefined) {
      throw new TypeError(`${path}.${k}: undefined (leave the key out instead)`);
    }
  }
  return v;
}

/** A string. */
export function text(v: unknown, path: string): string {
  if (typeof v !== "string" || v === "") {
    throw new TypeError(`${path}: expected a non-empty string, got ${describeValue(v)}`);
  }
  return v;
}

/** An integer in `min..max`. */
export function int(v: unknown, path: string, min = 0, max = 0xffffffff): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(`${path}: expected an integer, got ${describeValue(v)}`);
  }
  if (v < min || v > max) throw new RangeError(`${path}: ${v} is out of range ${min}..${max}`);
  return v;
}

/** A boolean. */
export function bool(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") {
    throw new TypeError(`${path}: expected true or false, got ${describeValue(v)}`);
  }
  return v;
}

/** One of `choices`. */
export function oneOf<T extends string>(v: unknown, path: string, choices: readonly T[]): T {
  if (typeof v !== "string" || !choices.includes(v as T)) {
    throw new TypeError(
      `${path}: expected one of ${choices.map((c) => JSON.stringify(c)).join(", ")}, got ${
        describeValue(v)
      }${typeof v === "string" ? suggestion(v, choices) : ""}`,
    );
  }
  return v as T;
}

/** An interface name (1 to 15 bytes, no "/", no white space). */
export function ifname(v: unknown, path: string): string {
  if (typeof v !== "string" || v === "" || new TextEncoder().encode(v).length > 15) {
    throw new TypeError(
      `${path}: expected an interface name of 1 to 15 bytes, got ${describeValue(v)}`,
    );
  }
  if (/[\s/:]/.test(v) || v === "." || v === "..") {
    throw new TypeError(`${path}: invalid interface name ${JSON.stringify(v)}`);
  }
  return v;
}

/** An IP address in its canonical text. */
export function ip(v: unknown, path: string): string {
  const b = parseIp(v, path);
  return formatIp(b, 0, b.length);
}

/** The family (4 or 6) of a canonical address or prefix. */
export function familyOf(addr: string): 4 | 6 {
  return addr.includes(":") ? 6 : 4;
}

/** An address with its prefix length ("10.0.0.1/24"), canonical; a bare address gets /32, /128. */
export function ipWithPrefix(v: unknown, path: string): string {
  const p = parsePrefix(v, path);
  return `${formatIp(p.bytes, 0, p.bytes.length)}/${p.prefixlen}`;
}

/** A network prefix ("10.1.0.0/16"), canonical; host bits set are refused. */
export function network(v: unknown, path: string): string {
  const p = parsePrefix(v, path);
  for (let bit = p.prefixlen; bit < p.bytes.length * 8; bit++) {
    if (p.bytes[bit >> 3] & (0x80 >> (bit & 7))) {
      throw new TypeError(`${path}: ${JSON.stringify(v)} has host bits set beyond /${p.prefixlen}`);
    }
  }
  return `${formatIp(p.bytes, 0, p.bytes.length)}/${p.prefixlen}`;
}

/** A MAC address, lower case with colons. */
export function mac(v: unknown, path: string): string {
  const b = parseMac(v, path);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");
}

/** A list (each item checked by `item` with its path). */
export function list<T>(v: unknown, path: string, item: (x: unknown, path: string) => T): T[] {
  if (!Array.isArray(v)) throw new TypeError(`${path}: expected an array, got ${describeValue(v)}`);
  return v.map((x, i) => item(x, `${path}[${i}]`));
}

/** Copies the keys of `o` whose values are not undefined (the document's canonical form). */
export function compact<T extends object>(o: T): T {
  const out = {} as Record<string, unknown>;
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
}

/** A stable comparison of JSON values (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

/** JSON with object keys sorted. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${
      Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) =>
        `${JSON.stringify(k)}:${stableJson(o[k])}`
      ).join(",")
    }}`;
  }
  return JSON.stringify(v);
}

/** A schema table's names by number (`{ blackhole: 6 }` → `{ 6: "blackhole" }`). */
export function namesByNumber(table: Readonly<Record<string, number>>): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [k, n] of Object.entries(table)) out[n] ??= k;
  return out;
}
