/**
 * pyroute2's `brport`: bridge port settings by their IFLA_BRPORT_* names without the prefix
 * (`brport("set", { index, cost: 200, unicast_flood: false })`), and the ports' AF_BRIDGE
 * messages (`brport("dump", { index })`, settings under `protinfo`).
 *
 * @module
 */

import { describeValue } from "../netlink/addr.ts";
import { isPlainObject, suggestion } from "../netlink/strict.ts";
import { AF } from "./constants.ts";
import type { RtnlCore } from "./core.ts";
import type { Link, LinkFilter } from "./link.ts";
import { getLinks, linkCommand } from "./link.ts";
import { BRPORT } from "./schemas/linkinfo.ts";

/** A `brport("set")` spec: the port and its settings (`cost`, `brport_cost` or `IFLA_BRPORT_COST`). */
export interface BrportSpec {
  /** The port: an index, a name or an interface object. */
  index: number | string | { readonly index: number };
  /** Settings by IFLA_BRPORT_* name (with or without `brport_`). */
  [setting: string]: unknown;
}

/** The brport_* name of a setting given as `cost`, `brport_cost` or `IFLA_BRPORT_COST`. */
function settingName(key: string): string | undefined {
  for (const k of [key, `brport_${key}`]) {
    const def = BRPORT.byName.get(k);
    if (def) return def.name;
  }
  return undefined;
}

/** Runs a `brport` command (see the module documentation). */
export async function brport(core: RtnlCore, cmd: string, spec: unknown): Promise<Link[]> {
  if (cmd === "dump" || cmd === "show" || cmd === "get") {
    if (spec !== undefined && !isPlainObject(spec)) {
      throw new TypeError(`filter: expected an object, got ${describeValue(spec)}`);
    }
    return await getLinks(core, { ...(spec ?? {}), family: AF.BRIDGE } as LinkFilter);
  }
  if (cmd !== "set") {
    throw new TypeError(
      `command: unknown brport command ${describeValue(cmd)} (set, dump, show, get)`,
    );
  }
  if (!isPlainObject(spec)) {
    throw new TypeError(`spec: expected an object, got ${describeValue(spec)}`);
  }
  const { index, signal, ...settings } = spec;
  if (index === undefined) throw new TypeError("index: required (the bridge port)");
  const protinfo: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settings)) {
    const name = settingName(k);
    if (!name) {
      const names = [...BRPORT.byName.keys()].map((n) => n.replace(/^brport_/, ""));
      throw new TypeError(`${k}: unknown bridge port setting${suggestion(k, names)}`);
    }
    protinfo[name] = v;
  }
  return await linkCommand(core, "set", { index, protinfo, signal } as never);
}
