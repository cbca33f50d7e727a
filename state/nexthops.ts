/**
 * Nexthop objects in the document: `{ id, gateway?, dev?, blackhole?, group? }` (a group:
 * `[{ id, weight? }]`, weight 1 left out). Groups are made after their members and removed
 * before them; routes using a nexthop are made after it and removed before it. Listed as
 * unmanaged instead of written (never pruned): nexthops with encapsulation, `fdb`, `onlink`,
 * hardware stats, and resilient groups.
 *
 * @module
 */

import type { Nexthop } from "../rtnl/nexthop.ts";
import { bool, compact, entry, entryKeys, ifname, int, ip, list, sameJson } from "./check.ts";
import type { NexthopState } from "./document.ts";
import type { Kind, NamespaceContext, PlanContext, Request } from "./kind.ts";
import { PHASE } from "./kind.ts";
import { simpleSteps } from "./simple.ts";
import type { SimpleKind } from "./simple.ts";

const KEYS = entryKeys(["id", "gateway", "dev", "blackhole", "group"]);
const MEMBER_KEYS = entryKeys(["id", "weight"]);

function check(v: unknown, path: string): NexthopState {
  const o = entry(v, path, KEYS);
  const e: NexthopState = compact({
    id: int(o.id, `${path}.id`, 1),
    gateway: o.gateway === undefined ? undefined : ip(o.gateway, `${path}.gateway`),
    dev: o.dev === undefined ? undefined : ifname(o.dev, `${path}.dev`),
    blackhole: o.blackhole === undefined ? undefined : bool(o.blackhole, `${path}.blackhole`),
    group: o.group === undefined ? undefined : list(o.group, `${path}.group`, (m, p) => {
      const g = entry(m, p, MEMBER_KEYS);
      const w = g.weight === undefined ? undefined : int(g.weight, `${p}.weight`, 1, 256);
      return compact({ id: int(g.id, `${p}.id`, 1), weight: w === 1 ? undefined : w });
    }),
  });
  if (e.blackhole === false) delete e.blackhole;
  const ways = [e.blackhole, e.group, e.gateway ?? e.dev].filter((x) => x !== undefined);
  if (ways.length !== 1) {
    throw new TypeError(`${path}: expected one of gateway/dev, blackhole or group`);
  }
  return e;
}

/** A nexthop message as a document entry. */
function nexthopEntry(v: Nexthop, nameOf: (i: number) => string | undefined): NexthopState {
  const g = v as unknown as Record<string, unknown>;
  const group = g.group as { id: number; weight?: number }[] | undefined;
  return compact({
    id: g.id as number,
    gateway: g.gateway as string | undefined,
    dev: g.oif ? nameOf(g.oif as number) : undefined,
    blackhole: g.blackhole ? true : undefined,
    group: group?.map((m) => compact({ id: m.id, weight: m.weight === 1 ? undefined : m.weight })),
  });
}

const RTNH_F_ONLINK = 4;

/** Why a nexthop cannot be written as a document entry (undefined: it can). */
function nexthopUnmodelled(v: Nexthop): string | undefined {
  const g = v as unknown as Record<string, unknown>;
  const what: string[] = [];
  if (g.encap_type !== undefined) what.push("encapsulation");
  if (g.fdb) what.push("fdb");
  if (g.group_type) what.push("a resilient group");
  if ((g.flags as number) & RTNH_F_ONLINK) what.push("onlink");
  if (g.hw_stats_enable) what.push("hw_stats");
  return what.length ? `not modelled: ${what.join(", ")}` : undefined;
}

async function read(ns: NamespaceContext): Promise<NexthopState[]> {
  const out: NexthopState[] = [];
  for (const v of await ns.db.ip.getNexthops()) {
    const why = nexthopUnmodelled(v);
    if (why === undefined) out.push(nexthopEntry(v, ns.nameOf));
    else {
      const g = v as unknown as Record<string, unknown>;
      ns.unmanaged.add(compact({
        kind: "nexthops" as const,
        dev: g.oif ? ns.nameOf(g.oif as number) : undefined,
        object: `nexthop id ${g.id}`,
        reason: why,
      }));
    }
  }
  return out.sort((a, b) => a.id - b.id);
}

function spec(e: NexthopState, cmd: string): Request {
  if (cmd === "del") return { call: "nexthop", cmd, spec: { id: e.id } };
  const s: Record<string, unknown> = compact({
    id: e.id,
    gateway: e.gateway,
    blackhole: e.blackhole,
    group: e.group?.map((m) => ({ id: m.id, weight: m.weight ?? 1 })),
  });
  return {
    call: "nexthop",
    cmd,
    spec: s,
    refs: e.dev === undefined ? undefined : { oif: e.dev },
  };
}

const show = (e: NexthopState) =>
  `id ${e.id}${e.gateway ? ` via ${e.gateway}` : ""}${e.dev ? ` dev ${e.dev}` : ""}${
    e.blackhole ? " blackhole" : ""
  }${
    e.group
      ? ` group ${e.group.map((m) => `${m.id}${m.weight ? `,${m.weight}` : ""}`).join("/")}`
      : ""
  }`;

const simple = (group: boolean): SimpleKind<NexthopState> => ({
  name: "nexthops",
  label: "nexthop",
  key: (e) => String(e.id),
  show,
  add: (e) => spec(e, "add"),
  del: (e) => spec(e, "del"),
  replace: (e) => spec(e, "replace"),
  same: sameJson,
  // Groups after their members, and removed before them.
  phases: group
    ? { create: PHASE.nexthopCreate + 1, delete: PHASE.nexthopDelete - 1 }
    : { create: PHASE.nexthopCreate, delete: PHASE.nexthopDelete },
});
const SINGLE = simple(false), GROUP = simple(true);

/** Nexthops: see the module documentation. */
export const NEXTHOPS: Kind<NexthopState> = {
  name: "nexthops",
  check,
  key: (e) => String(e.id),
  read,
  steps: (ctx: PlanContext, now, want) =>
    simpleSteps((want ?? now)!.group ? GROUP : SINGLE, ctx, now, want),
};
