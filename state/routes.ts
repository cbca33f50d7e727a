/**
 * Routes in the document: `{ dst, table?, metric?, tos?, type?, gateway?, dev?, prefsrc?,
 * proto?, scope?, nhid? }`, defaults left out (table main, metric 0 for IPv4 and 1024 for IPv6,
 * type unicast, proto boot, the scope the kernel infers). Identity: table, destination, TOS
 * and metric; an IPv6 route without a gateway also by its device (the kernel keeps it beside
 * the group's gateway route, whose next hops are siblings: several are written `multipath`).
 * Left out of snapshots (the kernel's own): the local table (255), routes of `proto kernel`
 * (prefix routes of addresses, IPv6 link-local and multicast routes), of
 * `proto ra` (router advertisements) and cloned entries. Multipath routes:
 * `multipath: [{ gateway?, dev?, weight? }]`; the IPv6 next hops of one group (table,
 * destination, metric) are one entry, hops sorted (the kernel shows them as one route).
 * Listed as unmanaged instead of written (and so never pruned): routes of other types (local,
 * broadcast, … outside the local table) and routes with metrics (`mtu`, …), a source prefix,
 * `onlink`, encapsulation, realms, `via`, a router preference, an expiry or hop options.
 *
 * @module
 */

import type { Route } from "../rtnl/route.ts";
import {
  compact,
  entry,
  entryKeys,
  familyOf,
  ifname,
  int,
  ip,
  list,
  namesByNumber,
  network,
  oneOf,
  stableJson,
} from "./check.ts";
import { RT_SCOPE, RT_TABLE, RTN, RTPROT } from "../rtnl/constants.ts";
import type { RouteState } from "./document.ts";
import type { Kind, NamespaceContext, Request } from "./kind.ts";
import { PHASE } from "./kind.ts";
import { simpleKind } from "./simple.ts";
import { attrNames } from "./unmanaged.ts";
import type { SimpleKind } from "./simple.ts";

const KEYS = [
  "dst",
  "table",
  "metric",
  "tos",
  "type",
  "gateway",
  "dev",
  "prefsrc",
  "proto",
  "scope",
  "nhid",
  "multipath",
];
const ENTRY_KEYS = entryKeys(KEYS);
const HOP_KEYS = entryKeys(["gateway", "dev", "weight"]);
const TYPES = ["unicast", "blackhole", "unreachable", "prohibit", "throw"] as const;
/** Route type names by number (RTN_*). */
const TYPE_NAMES = namesByNumber(RTN);
const RTPROT_KERNEL = RTPROT.kernel, RTPROT_BOOT = RTPROT.boot, RTPROT_RA = RTPROT.ra;
const RT_TABLE_MAIN = RT_TABLE.main, RT_TABLE_LOCAL = RT_TABLE.local;
const RTM_F_CLONED = 0x200;
const SCOPE_LINK = RT_SCOPE.link;

/** The scope the kernel gives a route when none is asked for. */
function inferredScope(e: RouteState): number {
  return (e.type ?? "unicast") === "unicast" && e.gateway === undefined &&
      e.nhid === undefined && e.multipath === undefined
    ? SCOPE_LINK
    : 0;
}

function check(v: unknown, path: string): RouteState {
  const o = entry(v, path, ENTRY_KEYS);
  const dst = network(o.dst, `${path}.dst`);
  const fam = familyOf(dst);
  const e: RouteState = compact({
    dst,
    table: o.table === undefined ? undefined : int(o.table, `${path}.table`, 1),
    metric: o.metric === undefined ? undefined : int(o.metric, `${path}.metric`),
    tos: o.tos === undefined ? undefined : int(o.tos, `${path}.tos`, 0, 255),
    type: o.type === undefined ? undefined : oneOf(o.type, `${path}.type`, TYPES),
    gateway: o.gateway === undefined ? undefined : ip(o.gateway, `${path}.gateway`),
    dev: o.dev === undefined ? undefined : ifname(o.dev, `${path}.dev`),
    prefsrc: o.prefsrc === undefined ? undefined : ip(o.prefsrc, `${path}.prefsrc`),
    proto: o.proto === undefined ? undefined : int(o.proto, `${path}.proto`, 0, 255),
    scope: o.scope === undefined ? undefined : int(o.scope, `${path}.scope`, 0, 255),
    nhid: o.nhid === undefined ? undefined : int(o.nhid, `${path}.nhid`, 1),
    multipath: o.multipath === undefined
      ? undefined
      : list(o.multipath, `${path}.multipath`, (h, p) => {
        const x = entry(h, p, HOP_KEYS);
        const weight = x.weight === undefined ? undefined : int(x.weight, `${p}.weight`, 1, 256);
        return compact({
          gateway: x.gateway === undefined ? undefined : ip(x.gateway, `${p}.gateway`),
          dev: x.dev === undefined ? undefined : ifname(x.dev, `${p}.dev`),
          weight: weight === 1 ? undefined : weight,
        });
      }),
  });
  if (e.multipath?.length === 0) throw new TypeError(`${path}.multipath: no next hop`);
  if (e.multipath?.length === 1 && e.gateway === undefined && e.dev === undefined) {
    // One next hop is a plain route (the kernel shows it so; a lone hop's weight means nothing).
    const [h] = e.multipath;
    delete e.multipath;
    if (h.gateway !== undefined) e.gateway = h.gateway;
    if (h.dev !== undefined) e.dev = h.dev;
  }
  if (e.multipath !== undefined) {
    // The kernel keeps IPv6 next hops as siblings, in no order of their own.
    if (fam === 6) e.multipath = sortHops(e.multipath);
    if (e.gateway !== undefined || e.dev !== undefined || e.nhid !== undefined) {
      throw new TypeError(`${path}.multipath: the next hops replace gateway, dev and nhid`);
    }
  }
  for (const k of ["gateway", "prefsrc"] as const) {
    if (e[k] !== undefined && familyOf(e[k]!) !== fam && !(k === "gateway" && fam === 4)) {
      throw new TypeError(`${path}.${k}: ${e[k]} is not of the destination's family`);
    }
  }
  if (e.table === RT_TABLE_LOCAL) {
    throw new RangeError(`${path}.table: the local table (255) is the kernel's`);
  }
  if (e.proto === RTPROT_KERNEL || e.proto === RTPROT_RA) {
    throw new RangeError(`${path}.proto: routes of proto ${e.proto} are the kernel's`);
  }
  return canonical(e);
}

/** Drops what equals its default. */
function canonical(e: RouteState): RouteState {
  const fam = familyOf(e.dst);
  if (e.table === RT_TABLE_MAIN) delete e.table;
  if (e.metric === (fam === 6 ? 1024 : 0)) delete e.metric;
  if (e.tos === 0) delete e.tos;
  if (e.type === "unicast") delete e.type;
  if (e.proto === RTPROT_BOOT) delete e.proto;
  if (e.scope !== undefined && e.scope === inferredScope(e)) delete e.scope;
  return e;
}

const RTNH_F_ONLINK = 4;

/** Whether a route message is the kernel's own: local table, kernel/RA protocol, a clone. */
function kernelMade(g: Record<string, unknown>): boolean {
  const table = g.table as number, proto = g.proto as number;
  return table === RT_TABLE_LOCAL || proto === RTPROT_KERNEL || proto === RTPROT_RA ||
    ((g.flags as number) & RTM_F_CLONED) !== 0;
}

/**
 * Why a route the kernel did not make cannot be written as a document entry (undefined: it
 * can, or it is the kernel's own): a type or an attribute this layer does not model.
 */
export function routeUnmodelled(v: Route): string | undefined {
  const g = v as unknown as Record<string, unknown>;
  if (kernelMade(g)) return undefined;
  const type = TYPE_NAMES[g.type as number] ?? `${g.type}`;
  if (!(TYPES as readonly string[]).includes(type)) return `route type ${type} is not modelled`;
  const what: string[] = [];
  const metrics = attrNames(g.metrics);
  if (metrics.length) what.push(`metrics (${metrics.join(", ")})`);
  if (g.src_len) what.push("a source prefix");
  if ((g.flags as number) & RTNH_F_ONLINK) what.push("onlink");
  if (g.encap_type !== undefined) what.push("encapsulation");
  if (g.flow !== undefined) what.push("realms");
  if (g.via !== undefined || g.newdst !== undefined) what.push("via/newdst");
  if (g.pref) what.push("router preference");
  const expires = (g.cacheinfo as { rta_expires?: number } | undefined)?.rta_expires;
  if (expires || g.expires) what.push("expiry");
  if (g.ttl_propagate !== undefined) what.push("ttl-propagate");
  const hops = g.multipath as Record<string, unknown>[] | undefined;
  for (const h of hops ?? []) {
    if ((h.flags as number) & RTNH_F_ONLINK && !what.includes("onlink")) what.push("onlink");
    if ((h.encap_type !== undefined || h.flow !== undefined) && !what.includes("hop options")) {
      what.push("hop options");
    }
  }
  return what.length ? `not modelled: ${what.join(", ")}` : undefined;
}

/** A route's name for the unmanaged list: `route local 10.5.0.0/16 table 100 metric 5`. */
function routeName(v: Route): string {
  const g = v as unknown as Record<string, unknown>;
  const fam = g.family === 10 ? 6 : 4;
  const type = TYPE_NAMES[g.type as number] ?? `${g.type}`;
  const table = g.table as number;
  return `route ${type === "unicast" ? "" : `${type} `}${
    g.dst ?? (fam === 6 ? "::" : "0.0.0.0")
  }/${g.dst_len}${g.src_len ? ` from ${g.src}/${g.src_len}` : ""}${
    table === RT_TABLE_MAIN ? "" : ` table ${table}`
  }${g.priority ? ` metric ${g.priority}` : ""}`;
}

/** A route message as a document entry (undefined: the kernel's own, or not handled). */
export function routeEntry(v: Route, nameOf: (i: number) => string | undefined) {
  const g = v as unknown as Record<string, unknown>;
  if (kernelMade(g)) return undefined;
  const table = g.table as number, proto = g.proto as number;
  // A route through a nexthop object shows what the object expands to as its next hops.
  const hops = g.nh_id === undefined
    ? g.multipath as Record<string, unknown>[] | undefined
    : undefined;
  const type = TYPE_NAMES[g.type as number];
  if (!type || !(TYPES as readonly string[]).includes(type)) return undefined;
  const fam = g.family === 10 ? 6 : 4;
  const oif = g.oif as number | undefined;
  return canonical(compact({
    dst: `${g.dst ?? (fam === 6 ? "::" : "0.0.0.0")}/${g.dst_len}`,
    table,
    metric: (g.priority as number | undefined) ?? 0,
    tos: g.tos as number,
    type,
    gateway: g.gateway as string | undefined,
    dev: oif ? nameOf(oif) : undefined,
    prefsrc: g.prefsrc as string | undefined,
    proto,
    scope: g.scope as number,
    nhid: g.nh_id as number | undefined,
    multipath: hops && orderHops(
      fam,
      hops.map((h) =>
        compact({
          gateway: h.gateway as string | undefined,
          dev: h.oif ? nameOf(h.oif as number) : undefined,
          weight: h.weight === 1 ? undefined : h.weight as number,
        })
      ),
    ),
  }));
}

type Hop = NonNullable<RouteState["multipath"]>[number];

/** IPv6 next hops in a canonical order (by gateway, then device); IPv4's as the route has them. */
function orderHops(fam: 4 | 6, hops: Hop[]): Hop[] {
  return fam === 6 ? sortHops(hops) : hops;
}

function sortHops(hops: Hop[]): Hop[] {
  const k = (h: Hop) => `${h.gateway ?? ""} ${h.dev ?? ""}`;
  return [...hops].sort((a, b) => k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0);
}

function key(e: RouteState): string {
  const fam = familyOf(e.dst);
  const metric = e.metric ?? (fam === 6 ? 1024 : 0);
  const base = `${e.table ?? RT_TABLE_MAIN} ${e.dst} tos ${e.tos ?? 0} metric ${metric}`;
  // IPv6 next hops with gateways in one group are siblings: one route (several hops are written
  // as `multipath`); a route without a gateway is a route of its own beside them.
  if (fam !== 6 || e.nhid !== undefined || e.gateway !== undefined || e.multipath) return base;
  return `${base} dev ${e.dev ?? "-"}`;
}

function read(ns: NamespaceContext): RouteState[] {
  const out: RouteState[] = [];
  for (const v of ns.db.store.routes.views()) {
    const why = routeUnmodelled(v);
    if (why !== undefined) {
      const oif = (v as unknown as Record<string, unknown>).oif as number | undefined;
      const dev = oif ? ns.nameOf(oif) : undefined;
      ns.unmanaged.add(
        compact({ kind: "routes" as const, dev, object: routeName(v), reason: why }),
      );
      continue;
    }
    const e = routeEntry(v, ns.nameOf);
    if (e) out.push(e);
  }
  return sortRoutes(out);
}

/** Sorted by key (the document's order). */
export function sortRoutes(list: RouteState[]): RouteState[] {
  const keyed = list.map((e) => [key(e), e] as const);
  keyed.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  return keyed.map(([, e]) => e);
}

/** The routes with the keys of `want`, by the store's index (no pass over every route). */
function find(ns: NamespaceContext, want: RouteState[]): RouteState[] {
  const out: RouteState[] = [];
  const seen = new Set<string>();
  for (const w of want) {
    const group = `${w.table ?? RT_TABLE_MAIN} ${w.dst}`;
    if (seen.has(group)) continue;
    seen.add(group);
    for (const v of ns.db.store.routes.lookup(w.table ?? RT_TABLE_MAIN, w.dst)) {
      const e = routeUnmodelled(v) === undefined ? routeEntry(v, ns.nameOf) : undefined;
      if (e) out.push(e);
    }
  }
  return out;
}

function spec(e: RouteState, cmd: string): Request {
  const s: Record<string, unknown> = compact({
    dst: e.dst,
    table: e.table ?? RT_TABLE_MAIN,
    priority: e.metric,
    tos: e.tos,
    type: e.type,
    gateway: e.gateway,
    prefsrc: cmd === "del" ? undefined : e.prefsrc,
    proto: e.proto,
    scope: e.scope,
    nh_id: e.nhid,
    // Interface names of next hops are looked up by IPRoute (multipath routes are few).
    multipath: e.multipath?.map((h) =>
      compact({ gateway: h.gateway, oif: h.dev, weight: h.weight ?? 1 })
    ),
  });
  return {
    call: "route",
    cmd,
    spec: s,
    refs: e.dev === undefined ? undefined : { oif: e.dev },
  };
}

function show(e: RouteState): string {
  const parts = [e.type && e.type !== "unicast" ? `${e.type} ${e.dst}` : e.dst];
  if (e.gateway) parts.push(`via ${e.gateway}`);
  if (e.dev) parts.push(`dev ${e.dev}`);
  if (e.nhid !== undefined) parts.push(`nhid ${e.nhid}`);
  for (const h of e.multipath ?? []) {
    parts.push(
      `nexthop${h.gateway ? ` via ${h.gateway}` : ""}${h.dev ? ` dev ${h.dev}` : ""}${
        h.weight ? ` weight ${h.weight}` : ""
      }`,
    );
  }
  if (e.table !== undefined) parts.push(`table ${e.table}`);
  if (e.metric !== undefined) parts.push(`metric ${e.metric}`);
  if (e.tos !== undefined) parts.push(`tos ${e.tos}`);
  if (e.prefsrc) parts.push(`src ${e.prefsrc}`);
  if (e.proto !== undefined) parts.push(`proto ${e.proto}`);
  if (e.scope !== undefined) parts.push(`scope ${e.scope}`);
  return parts.join(" ");
}

/** Whether two routes are the same, field by field (no allocation: plans of many routes). */
function same(a: RouteState, b: RouteState): boolean {
  for (const k of KEYS as (keyof RouteState)[]) {
    if (a[k] !== b[k] && (k !== "multipath" || stableJson(a[k]) !== stableJson(b[k]))) return false;
  }
  return true;
}

const SIMPLE: SimpleKind<RouteState> = {
  name: "routes",
  label: "route",
  key,
  show,
  add: (e) => spec(e, "add"),
  del: (e) => spec(e, "del"),
  replace: (e) => spec(e, "replace"),
  same,
  phases: { create: PHASE.routeCreate, delete: PHASE.routeDelete },
};

/** Routes: see the module documentation. */
export const ROUTES: Kind<RouteState> = simpleKind(SIMPLE, { check, read, find });
