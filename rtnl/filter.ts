/**
 * Reading the filter of a dump (`getLinks`, `getAddr`, `getRoutes`, …), strictly:
 *
 * - only the keys the method knows (attribute and header names of the message, the method's own
 *   keys, `match` and `signal`); an unknown key is a TypeError naming it and the nearest name;
 * - a key whose value is `undefined` is a TypeError (never "no filter");
 * - a function as a value is a test of the message's value of that name, as pyroute2 has them
 *   (`getRules({ priority: (p) => p > 100 })`);
 * - `match`: a function of the message (`getAddr({ match: (a) => a.prefixlen === 24 })`), or an
 *   object of more keys (`{ match: { label: "v0:1" } }`);
 * - `signal`: an AbortSignal that stops the dump.
 *
 * @module
 */

import { describeValue } from "../netlink/addr.ts";
import { layout } from "../netlink/schema.ts";
import type { AttrValues, HeaderValues, MessageSchema } from "../netlink/schema.ts";
import type { AttrView } from "../netlink/view.ts";
import { isPlainObject, KeySet, suggestion } from "../netlink/strict.ts";

/** What every filter may also hold. */
export interface FilterCommon<V> {
  /** A test of the whole message, or an object of more keys to compare. */
  match?: ((message: V) => boolean) | Record<string, unknown>;
  /** Stops the dump. */
  signal?: AbortSignal;
}

/**
 * A filter value `T`: the value to compare, or a test of the message's value `V` of that name
 * (called with undefined when the message lacks it).
 */
export type FilterValue<T, V = T> = T | ((value: V) => boolean);

/** Filter keys for every header field and attribute of a message schema, by short name. */
export type MessageFilter<M extends MessageSchema> = {
  [K in keyof (HeaderValues<M> & AttrValues<M["attrs"]>)]?: FilterValue<
    NonNullable<(HeaderValues<M> & AttrValues<M["attrs"]>)[K]>
  >;
};

/** What a flush also takes: `{ all: true }` to delete everything (an empty filter is refused). */
export interface FlushAll {
  /** Delete every object (instead of those a filter selects). */
  all?: true;
}

/** A filter read by {@link readFilter}. */
export interface ReadFilter {
  /** Plain values by key (those of a `match` object included), in the order given. */
  readonly values: Record<string, unknown>;
  /** Tests: functions given as values, and a `match` function. */
  readonly tests: readonly ((message: AttrView) => boolean)[];
  /** The signal, when one was given. */
  readonly signal?: AbortSignal;
  /** Whether the filter holds anything besides the signal. */
  readonly empty: boolean;
}

/** The names a filter of messages of `schema` may use: attributes (short and kernel names) and header fields. */
export function filterKeys(
  what: string,
  schema: MessageSchema,
  own: Iterable<string> = [],
  aliases: Readonly<Record<string, string>> = {},
): KeySet {
  const names = new Set<string>(own);
  for (const k of schema.attrs.byName.keys()) names.add(k);
  for (const f of layout(schema.header)) {
    if (f.codec !== "pad" && !f.name.startsWith("_")) names.add(f.name);
  }
  names.add("match");
  names.add("signal");
  return new KeySet(what, names, aliases);
}

/**
 * Checks a filter against `keys` and splits it into plain values, tests and the signal. Throws
 * before anything is sent.
 */
export function readFilter(filter: unknown, keys: KeySet, field = "filter"): ReadFilter {
  if (filter === undefined) return { values: {}, tests: [], empty: true };
  if (!isPlainObject(filter)) {
    throw new TypeError(`${field}: expected an object, got ${describeValue(filter)}`);
  }
  const values: Record<string, unknown> = {};
  const tests: ((m: AttrView) => boolean)[] = [];
  let signal: AbortSignal | undefined;
  const take = (obj: Record<string, unknown>, path: string, nested: boolean) => {
    for (const [k, v] of Object.entries(obj)) {
      if (!keys.has(k) || (nested && (k === "match" || k === "signal"))) {
        throw new TypeError(`${path}${k}: unknown ${keys.what}${suggestion(k, keys)}`);
      }
      if (v === undefined) {
        throw new TypeError(
          `${path}${k}: undefined (leave the key out to not filter by it)`,
        );
      }
      if (k === "signal" && !nested) {
        if (!(v instanceof AbortSignal)) {
          throw new TypeError(`signal: expected an AbortSignal, got ${describeValue(v)}`);
        }
        signal = v;
      } else if (k === "match" && !nested) {
        if (typeof v === "function") tests.push((m) => Boolean(v(m)));
        else if (isPlainObject(v)) take(v, "match.", true);
        else {
          throw new TypeError(
            `match: expected a function of the message or an object, got ${describeValue(v)}`,
          );
        }
      } else if (typeof v === "function") {
        tests.push((m) => Boolean(v(m.get(k))));
      } else {
        if (Object.hasOwn(values, k) && values[k] !== v) {
          throw new TypeError(`${path}${k}: given twice with different values`);
        }
        values[k] = v;
      }
    }
  };
  take(filter, "", false);
  return { values, tests, signal, empty: Object.keys(values).length === 0 && tests.length === 0 };
}

/** Whether a message passes every test. */
export function passes(tests: readonly ((m: AttrView) => boolean)[], m: AttrView): boolean {
  for (const t of tests) if (!t(m)) return false;
  return true;
}

/**
 * A flush deletes what its filter selects: a filter with nothing in it is refused unless it is
 * `{ all: true }` (deleting everything is never what a missing or mistyped filter meant).
 */
export function flushFilter(
  filter: unknown,
  method: string,
): { filter: Record<string, unknown>; all: boolean } {
  if (!isPlainObject(filter)) {
    throw new TypeError(
      `${method}: expected a filter object (or { all: true } to delete everything), got ${
        describeValue(filter)
      }`,
    );
  }
  const { all, ...rest } = filter;
  if (all !== undefined && all !== true) {
    throw new TypeError(`all: expected true, got ${describeValue(all)}`);
  }
  const given = Object.keys(rest).filter((k) => k !== "signal");
  if (all === true && given.length > 0) {
    throw new TypeError(
      `all: give either { all: true } or a filter (${given.join(", ")}), not both`,
    );
  }
  if (all === undefined && given.length === 0) {
    throw new TypeError(
      `${method}: an empty filter would delete everything; pass { all: true } to mean that`,
    );
  }
  return { filter: rest, all: all === true };
}
