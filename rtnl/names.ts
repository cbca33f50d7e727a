/**
 * Names users write for numbers: route tables (including /etc/iproute2/rt_tables), protocols,
 * scopes, route types, neighbour states. Each resolver throws TypeError/RangeError naming the
 * field.
 *
 * @module
 */

import { describeValue } from "../netlink/addr.ts";
import { readTextFile } from "../ffi/files.ts";
import { NUD, RT_SCOPE, RT_TABLE, RTN, RTPROT } from "./constants.ts";

let userTables: Map<string, number> | undefined;

function tablesFile(): Map<string, number> {
  if (userTables) return userTables;
  userTables = new Map();
  for (
    const path of [
      "/etc/iproute2/rt_tables",
      "/usr/share/iproute2/rt_tables",
      "/usr/lib/iproute2/rt_tables",
    ]
  ) {
    const text = readTextFile(path);
    if (text === null) continue;
    for (const line of text.split("\n")) {
      const m = /^\s*(\d+)\s+(\S+)/.exec(line);
      if (m) userTables.set(m[2], Number(m[1]));
    }
  }
  return userTables;
}

function byName(
  table: Readonly<Record<string, number>>,
  value: unknown,
  field: string,
  max: number,
  what: string,
): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new RangeError(`${field}: ${value} is out of range 0..${max}`);
    }
    return value;
  }
  if (typeof value === "string") {
    if (/^\d+$/.test(value)) return byName(table, Number(value), field, max, what);
    const n = table[value];
    if (n !== undefined) return n;
    throw new TypeError(
      `${field}: unknown ${what} ${JSON.stringify(value)} (one of ${
        Object.keys(table).join(", ")
      }, or a number)`,
    );
  }
  throw new TypeError(`${field}: expected a ${what} name or number, got ${describeValue(value)}`);
}

/** A route table id from a number or a name (main, local, default, or /etc/iproute2/rt_tables). */
export function tableId(value: unknown, field = "table"): number {
  if (typeof value === "string" && !/^\d+$/.test(value)) {
    const n = (RT_TABLE as Record<string, number>)[value] ?? tablesFile().get(value);
    if (n === undefined) throw new TypeError(`${field}: unknown table ${JSON.stringify(value)}`);
    return n;
  }
  return byName(RT_TABLE, value, field, 0xffffffff, "table");
}

/** A route protocol from a number or name (static, boot, kernel, …). */
export function protoId(value: unknown, field = "proto"): number {
  return byName(RTPROT, value, field, 255, "protocol");
}

/** A route scope from a number or name (universe, link, host, …). */
export function scopeId(value: unknown, field = "scope"): number {
  return byName({ ...RT_SCOPE, global: 0 }, value, field, 255, "scope");
}

/** A route type from a number or name (unicast, local, blackhole, …). */
export function routeTypeId(value: unknown, field = "type"): number {
  return byName(RTN, value, field, 255, "route type");
}

/** A neighbour state from a number, a name, or a list of names (permanent, reachable, …). */
export function nudState(value: unknown, field = "state"): number {
  if (Array.isArray(value)) return value.reduce((acc: number, v) => acc | nudState(v, field), 0);
  return byName(NUD, value, field, 0xffff, "neighbour state");
}

/** The name of a number in a table, or the number itself. */
export function nameOf(table: Readonly<Record<string, number>>, n: number): string | number {
  for (const [k, v] of Object.entries(table)) if (v === n) return k;
  return n;
}
