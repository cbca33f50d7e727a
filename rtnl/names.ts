/**
 * Names users write for numbers, both ways: route tables (including /etc/iproute2/rt_tables),
 * protocols, scopes, route types, neighbour states, link flags. Each resolver throws
 * TypeError/RangeError naming the field; {@link nameOf} turns a number the kernel sent back into
 * its name.
 *
 * @module
 */

import { readTextFile } from "../ffi/files.ts";
import { flagNames, lookupName, nameOf as nameIn } from "../netlink/strict.ts";
import { FR_ACT } from "./schemas/rule.ts";
import { AF, IFF, NUD, OPERSTATE, RT_SCOPE, RT_TABLE, RTN, RTPROT } from "./constants.ts";

let userTables: Record<string, number> | undefined;

/** /etc/iproute2/rt_tables (and the distribution's copies), name → id, read once. */
function tablesFile(): Readonly<Record<string, number>> {
  if (userTables) return userTables;
  const found: Record<string, number> = Object.create(null);
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
      if (m && !(m[2] in found)) found[m[2]] = Number(m[1]);
    }
  }
  userTables = { ...found };
  return userTables;
}

/** Every table name: the kernel's (main, local, default) and those of rt_tables. */
function tableNames(): Readonly<Record<string, number>> {
  return { ...tablesFile(), ...RT_TABLE };
}

/** A route table id from a number or a name (main, local, default, or /etc/iproute2/rt_tables). */
export function tableId(value: unknown, field = "table"): number {
  return lookupName(tableNames(), value, field, "table");
}

/** A route protocol from a number or name (static, boot, kernel, …). */
export function protoId(value: unknown, field = "proto"): number {
  return lookupName(RTPROT, value, field, "protocol", { max: 255 });
}

const SCOPES = { ...RT_SCOPE, global: 0 };

/** A route scope from a number or name (universe, link, host, …). */
export function scopeId(value: unknown, field = "scope"): number {
  return lookupName(SCOPES, value, field, "scope", { max: 255 });
}

/** A route type from a number or name (unicast, local, blackhole, …). */
export function routeTypeId(value: unknown, field = "type"): number {
  return lookupName(RTN, value, field, "route type", { max: 255 });
}

/** A neighbour state from a number, a name, or a list of names (permanent, reachable, …). */
export function nudState(value: unknown, field = "state"): number {
  if (Array.isArray(value)) {
    return value.reduce((acc: number, v, i) => acc | nudState(v, `${field}[${i}]`), 0);
  }
  return lookupName(NUD, value, field, "neighbour state", { max: 0xffff });
}

const OPERSTATES: Readonly<Record<string, number>> = Object.fromEntries(
  OPERSTATE.map((name, i) => [name, i]),
);

/** What {@link nameOf} names. */
export type NameKind =
  | "proto"
  | "scope"
  | "route_type"
  | "table"
  | "family"
  | "rule_action"
  | "operstate"
  | "link_flags"
  | "nud";

const NAME_TABLES: Readonly<Record<Exclude<NameKind, "table">, Readonly<Record<string, number>>>> =
  {
    proto: RTPROT,
    scope: RT_SCOPE,
    route_type: RTN,
    family: { unspec: AF.UNSPEC, inet: AF.INET, bridge: AF.BRIDGE, inet6: AF.INET6, mpls: AF.MPLS },
    rule_action: FR_ACT,
    operstate: OPERSTATES,
    link_flags: Object.fromEntries(Object.entries(IFF).map(([k, v]) => [k.toLowerCase(), v])),
    nud: NUD,
  };

/**
 * The name of a number the kernel sent: `nameOf("proto", 3)` is `"boot"`, `nameOf("scope", 253)`
 * `"link"`, `nameOf("route_type", 1)` `"unicast"`, `nameOf("table", 254)` `"main"` (tables of
 * /etc/iproute2/rt_tables too), `nameOf("family", 10)` `"inet6"`. A number without a name comes
 * back as is. Bit sets give a list: `nameOf("link_flags", 0x1003)` is
 * `["up", "broadcast", "multicast"]`, `nameOf("nud", 0x82)` `["reachable", "permanent"]`.
 */
export function nameOf(kind: "link_flags" | "nud", value: number): string[];
/** The name of a number the kernel sent (the number itself when it has none). */
export function nameOf(kind: NameKind, value: number): string | number;
export function nameOf(kind: NameKind, value: number): string | number | string[] {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new TypeError(`value: expected a non-negative integer, got ${String(value)}`);
  }
  if (kind === "table") {
    if (Object.hasOwn(NAMES_OF_TABLES, value)) return NAMES_OF_TABLES[value];
    return nameIn(tableNames(), value);
  }
  if (!Object.hasOwn(NAME_TABLES, kind)) {
    throw new TypeError(
      `kind: unknown name kind ${JSON.stringify(kind)} (one of table, ${
        Object.keys(NAME_TABLES).join(", ")
      })`,
    );
  }
  const table = NAME_TABLES[kind as Exclude<NameKind, "table">];
  if (kind === "link_flags") return flagNames(table, value);
  if (kind === "nud") return value === 0 ? ["none"] : flagNames(table, value);
  return nameIn(table, value);
}

// The kernel's own tables by their usual names (unspec, not rt_tables' "unspec" spelling).
const NAMES_OF_TABLES: Readonly<Record<number, string>> = {
  253: "default",
  254: "main",
  255: "local",
};
