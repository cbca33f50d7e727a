/**
 * pyroute2's call forms, read into this library's: the positional forms of pyroute2 0.1.3
 * (`ip.link("set", index, spec)`, `ip.addr("add", index, address, mask)`,
 * `ip.rule("add", table, priority, action)`, `ip.tc("add", kind, index, handle, spec)`), its
 * command spellings (`"delete"`, `"remove"`) and its listing verbs (`"dump"`, `"show"`).
 * Everything here only rearranges arguments: the specs are then checked as strictly as ever.
 *
 * @module
 */

import { describeValue } from "../netlink/addr.ts";
import { checkArgs, isPlainObject } from "../netlink/strict.ts";

/** pyroute2's spellings of `"del"`, accepted by every verb that has `"del"`. */
export type CompatDelete = "delete" | "remove";

/** pyroute2's spellings of `del`. */
const DELETE = new Set(["delete", "remove"]);

/** The command, with pyroute2's `"delete"` and `"remove"` read as `"del"`. */
export function commandName(cmd: unknown): unknown {
  return typeof cmd === "string" && DELETE.has(cmd) ? "del" : cmd;
}

/** Whether `cmd` is one of the listing verbs (`"dump"`, `"show"`, and those of `more`). */
export function isListing(cmd: unknown, more: readonly string[] = []): boolean {
  return cmd === "dump" || cmd === "show" || more.includes(cmd as string);
}

/**
 * An interface given positionally: an index, a name, or an interface object — a link message
 * (it has `getAttr`) or an IPDB interface (it has `commit`), so that a spec object with an
 * `index` key is never taken for one.
 */
export type IndexArg =
  | number
  | string
  | { readonly index: number; getAttr(key: never): unknown }
  | { readonly index: number; commit(): unknown };

function isIndexArg(v: unknown): boolean {
  return typeof v === "number" || typeof v === "string" ||
    (typeof v === "object" && v !== null && !isPlainObject(v) && !Array.isArray(v) &&
      typeof (v as { index?: unknown }).index === "number");
}

/** Merges positional values into the spec (a key given twice must agree). */
export function merge(
  method: string,
  given: Record<string, unknown>,
  spec: unknown,
): Record<string, unknown> {
  if (spec === undefined) return given;
  if (!isPlainObject(spec)) {
    throw new TypeError(`${method}: spec: expected an object, got ${describeValue(spec)}`);
  }
  for (const [k, v] of Object.entries(given)) {
    if (Object.hasOwn(spec, k) && spec[k] !== v) {
      throw new TypeError(`${k}: given positionally and in the spec with different values`);
    }
  }
  return { ...given, ...spec };
}

/**
 * The spec of `method(cmd, spec)` or of pyroute2 0.1.3's `method(cmd, index, spec?)`: the index
 * goes under `key`.
 */
export function indexed(method: string, key: string, args: readonly unknown[]): unknown {
  if (args.length === 0) return undefined;
  if (!isIndexArg(args[0])) {
    checkArgs(method, 2, args.length + 1);
    return args[0];
  }
  if (args.length > 2) {
    throw new TypeError(
      `${method}: takes (command, index, spec), got ${args.length + 1} arguments`,
    );
  }
  return merge(method, { [key]: args[0] }, args[1]);
}

/**
 * The spec of pyroute2's `addr(cmd, index, address?, mask?, spec?)` (0.1.3 names them all
 * positionally) or of `addr(cmd, spec)`.
 */
export function addrArgs(args: readonly unknown[]): unknown {
  if (args.length === 0 || !isIndexArg(args[0])) return indexed("addr", "index", args);
  const given: Record<string, unknown> = { index: args[0] };
  let i = 1;
  if (typeof args[i] === "string") given.address = args[i++];
  if (given.address !== undefined && typeof args[i] === "number") given.mask = args[i++];
  if (args.length > i + 1) {
    throw new TypeError(
      `addr: takes (command, index, address?, mask?, spec?), got ${args.length + 1} arguments`,
    );
  }
  return merge("addr", given, args[i]);
}

/** The spec of pyroute2's `rule(cmd, table, priority?, action?, spec?)` or of `rule(cmd, spec)`. */
export function ruleArgs(args: readonly unknown[]): unknown {
  if (args.length === 0 || typeof args[0] !== "number") {
    checkArgs("rule", 2, args.length + 1);
    return args[0];
  }
  const given: Record<string, unknown> = { table: args[0] };
  let i = 1;
  if (typeof args[i] === "number") given.priority = args[i++];
  if (given.priority !== undefined && typeof args[i] === "string") given.action = args[i++];
  if (args.length > i + 1) {
    throw new TypeError(
      `rule: takes (command, table, priority?, action?, spec?), got ${args.length + 1} arguments`,
    );
  }
  return merge("rule", given, args[i]);
}

/**
 * The spec of pyroute2's `tc(cmd, kind, index, handle?, spec?)` or of `tc(cmd, kind, spec)`;
 * `handle` is the number or text it is (`0x10000` or `"1:"`).
 */
export function tcArgs(args: readonly unknown[]): unknown {
  if (args.length === 0 || !isIndexArg(args[0])) {
    checkArgs("tc", 3, args.length + 2);
    return args[0];
  }
  const given: Record<string, unknown> = { index: args[0] };
  let i = 1;
  if (typeof args[i] === "number" || typeof args[i] === "string") given.handle = args[i++];
  if (args.length > i + 1) {
    throw new TypeError(
      `tc: takes (command, kind, index, handle?, spec?), got ${args.length + 2} arguments`,
    );
  }
  return merge("tc", given, args[i]);
}

/**
 * The spec of pyroute2 0.1.3's `route(cmd, prefix, mask, spec?)` or of `route(cmd, spec)`: the
 * prefix becomes `dst` and the mask `dst_len`.
 */
export function routeArgs(args: readonly unknown[]): unknown {
  if (args.length === 0 || typeof args[0] !== "string") {
    checkArgs("route", 2, args.length + 1);
    return args[0];
  }
  const given: Record<string, unknown> = { dst: args[0] };
  let i = 1;
  if (typeof args[i] === "number") given.dst_len = args[i++];
  if (args.length > i + 1) {
    throw new TypeError(
      `route: takes (command, prefix, mask, spec?), got ${args.length + 1} arguments`,
    );
  }
  return merge("route", given, args[i]);
}

/**
 * The filter of pyroute2's `get_links(*indexes)` (`getLinks(1, 2)`), `get_addr(family)`
 * (`getAddr(10)`), or a filter object as it is.
 */
export function listArgs(
  method: string,
  args: readonly unknown[],
  positional: "index" | "family",
): { filter: unknown; indexes?: number[] } {
  if (args.length === 0) return { filter: undefined };
  if (positional === "index" && args.every((a) => isIndexArg(a))) {
    const indexes = args.map((a, i) => {
      const n = typeof a === "object" ? (a as { index: number }).index : a;
      if (typeof n !== "number" || !Number.isInteger(n) || n <= 0) {
        throw new TypeError(
          `${method}: indexes[${i}]: expected an interface index, got ${describeValue(a)}`,
        );
      }
      return n;
    });
    return { filter: undefined, indexes };
  }
  if (positional === "family" && typeof args[0] === "number") {
    if (args.length > 2) throw new TypeError(`${method}: takes (family, filter?)`);
    return { filter: merge(method, { family: args[0] }, args[1]) };
  }
  checkArgs(method, 1, args.length);
  return { filter: args[0] };
}

/** The short names a schema's attributes go by, and their kernel names (`RTA_GATEWAY`). */
interface NamedAttrs {
  readonly byName: ReadonlyMap<string, { readonly name: string }>;
}

/**
 * A spec with pyroute2's attribute forms read into spec keys: a raw `attrs` list
 * (`attrs: [["RTA_GATEWAY", "10.0.0.2"], …]`) and keys given by kernel name (`RTA_DST`), each
 * standing for the spec key of the same attribute. A name that is not an attribute of the
 * message, or whose attribute the spec does not take, is a TypeError; a key given twice with
 * different values too.
 */
export function readAttrForms(
  spec: unknown,
  schema: NamedAttrs,
  known: ReadonlySet<string>,
  field = "",
): unknown {
  if (!isPlainObject(spec)) return spec;
  // The common spec has neither form: one pass over its keys, allocating nothing.
  let forms = false;
  for (const k in spec) {
    if (k === "attrs" || isKernelName(k)) {
      forms = true;
      break;
    }
  }
  if (!forms) return spec;
  const out: Record<string, unknown> = {};
  const put = (key: string, value: unknown, where: string) => {
    if (Object.hasOwn(out, key) && out[key] !== value) {
      throw new TypeError(`${where}: ${key} is given twice with different values`);
    }
    out[key] = value;
  };
  const nameOf = (name: unknown, where: string): string => {
    const def = typeof name === "string" ? schema.byName.get(name) : undefined;
    if (!def || !known.has(def.name)) {
      throw new TypeError(`${where}: unknown attribute ${describeValue(name)}`);
    }
    return def.name;
  };
  for (const [k, v] of Object.entries(spec)) {
    if (k === "attrs" && !known.has("attrs")) {
      if (!Array.isArray(v)) {
        throw new TypeError(
          `${field}attrs: expected a list of [name, value] pairs, got ${describeValue(v)}`,
        );
      }
      for (const [i, pair] of v.entries()) {
        const where = `${field}attrs[${i}]`;
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new TypeError(
            `${where}: expected a [name, value] pair, got ${describeValue(pair)}`,
          );
        }
        put(nameOf(pair[0], where), pair[1], where);
      }
    } else if (isKernelName(k) && !known.has(k)) {
      put(nameOf(k, `${field}${k}`), v, `${field}${k}`);
    } else put(k, v, `${field}${k}`);
  }
  return out;
}

/** Whether `k` looks like a kernel constant's name (`RTA_DST`: capitals and digits, then `_`). */
function isKernelName(k: string): boolean {
  const c0 = k.charCodeAt(0);
  if (!(c0 >= 65 && c0 <= 90)) return false;
  for (let i = 1; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c === 95) return true;
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57))) return false;
  }
  return false;
}
