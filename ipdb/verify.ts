/**
 * The consistency check behind `db.verify()`: the database's state against a fresh dump of the
 * kernel, object by object (by the keys the store uses) and field by field.
 *
 * Compared: links (name, MTU, addresses, flags, master, queue length, alias, group, parent,
 * operational state, kind), addresses (label, flags, scope, broadcast, peer), routes (every
 * route of every table by its identity, then type, protocol, scope, gateway, device, preferred
 * source, metrics, next hops, nexthop object, preference), rules (by identity). Counters and
 * timers the kernel changes without events (statistics, lifetimes, IPv6 per-device settings)
 * are not compared; nor is what a nexthop object expands to in a route. An IPv6 address still
 * in duplicate address detection is no difference when only the kernel has it: the kernel
 * dumps it at once but announces it only when DAD is done.
 *
 * @module
 */

import type { Addr } from "../rtnl/addr.ts";
import type { Link } from "../rtnl/link.ts";
import type { Route } from "../rtnl/route.ts";
import type { Rule } from "../rtnl/rule.ts";
import { addrKey, routeKey, ruleKey } from "./keys.ts";
import { routeSpecOf } from "./route_spec.ts";
import type { RouteIndex, Store } from "./store.ts";

/** One difference between the database and the kernel. */
export interface IPDBDifference {
  /** What differs. */
  kind: "interface" | "address" | "route" | "rule";
  /**
   * Which object: an interface index and name ("3 v0"), an address ("3 10.0.0.1/24"), a route's
   * key ("254 10.0.0.0/24 tos 0 metric 0 | …"), a rule's key.
   */
  key: string;
  /** The field that differs; "exists" when only one side has the object. */
  field: string;
  /** The kernel's value (for "exists": whether the kernel has it). */
  kernel: unknown;
  /** The database's value (for "exists": whether the database has it). */
  db: unknown;
}

/** A fresh dump of the kernel, loaded the way the database loads its state. */
export interface KernelState {
  /** Every link. */
  links: Link[];
  /** Every address. */
  addrs: Addr[];
  /** Every route, in an index of its own. */
  routes: RouteIndex;
  /** Every rule (IPv4 and IPv6). */
  rules: Rule[];
}

const IFA_F_TENTATIVE = 0x40;

const LINK_FIELDS = [
  "ifname",
  "mtu",
  "address",
  "broadcast",
  "flags",
  "master",
  "txqlen",
  "ifalias",
  "group",
  "link",
  "operstate",
] as const;

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function compareFields(
  out: IPDBDifference[],
  kind: IPDBDifference["kind"],
  key: string,
  fields: readonly string[],
  read: (side: "kernel" | "db", field: string) => unknown,
): void {
  for (const f of fields) {
    const k = read("kernel", f), d = read("db", f);
    if (!same(k, d)) out.push({ kind, key, field: f, kernel: k, db: d });
  }
}

function linkValue(v: Link, f: string): unknown {
  if (f === "kind") return v.get(["linkinfo", "info_kind"]);
  if (f === "flags") return v.flags;
  return v.get(f);
}

function addrValue(v: Addr, f: string): unknown {
  if (f === "flags") return v.flags;
  if (f === "scope") return v.scope;
  return (v as unknown as { get(k: string): unknown }).get(f);
}

const ROUTE_FIELDS = ["type", "proto", "scope", "prefsrc", "metrics", "pref", "nh_id"] as const;

function routeValue(v: Route, f: string): unknown {
  if (f === "hops") {
    const s = routeSpecOf(v);
    if (s.nh_id !== undefined) return undefined;
    // IPv6 next hops are a set: an event lists the one that changed first, a dump in order.
    const hops = s.family === 10 && s.multipath
      ? [...s.multipath].sort((a, b) => JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)
      : s.multipath;
    return { gateway: s.gateway, oif: s.oif, multipath: hops };
  }
  if (f === "metrics") return v.metrics?.toJSON();
  return v.get(f as "type");
}

/** Whether two route messages say the same (byte for byte after the netlink header). */
function samePayload(a: Route, b: Route): boolean {
  const n = a.end - a.offset;
  if (b.end - b.offset !== n) return false;
  const x = a.u8, y = b.u8;
  for (let i = 16; i < n; i++) if (x[a.offset + i] !== y[b.offset + i]) return false;
  return true;
}

/** Every difference between `store` and the kernel's state `k`. */
export function compareState(k: KernelState, store: Store): IPDBDifference[] {
  const out: IPDBDifference[] = [];
  // Links.
  const kLinks = new Map<number, Link>();
  for (const v of k.links) if (v.family !== 7) kLinks.set(v.index, v);
  for (const [index, v] of kLinks) {
    const d = store.links.get(index);
    const key = `${index} ${v.ifname}`;
    if (!d) {
      out.push({ kind: "interface", key, field: "exists", kernel: true, db: false });
      continue;
    }
    compareFields(
      out,
      "interface",
      key,
      [...LINK_FIELDS, "kind"],
      (side, f) => linkValue(side === "kernel" ? v : d, f),
    );
    if (store.names.get(v.ifname!) !== index) {
      out.push({
        kind: "interface",
        key,
        field: "name index",
        kernel: index,
        db: store.names.get(v.ifname!),
      });
    }
  }
  for (const [index, d] of store.links) {
    if (!kLinks.has(index)) {
      out.push({
        kind: "interface",
        key: `${index} ${d.ifname}`,
        field: "exists",
        kernel: false,
        db: true,
      });
    }
  }
  // Addresses.
  const kAddrs = new Map<string, Addr>();
  for (const a of k.addrs) kAddrs.set(`${a.index} ${addrKey(a)}`, a);
  const dAddrs = new Map<string, Addr>();
  for (const [index, m] of store.addrs) for (const [ak, a] of m) dAddrs.set(`${index} ${ak}`, a);
  for (const [key, a] of kAddrs) {
    const d = dAddrs.get(key);
    // The kernel dumps a tentative IPv6 address, but announces it only once DAD is done.
    if (!d && ((a.flags ?? 0) & IFA_F_TENTATIVE)) continue;
    if (!d) out.push({ kind: "address", key, field: "exists", kernel: true, db: false });
    else {
      compareFields(out, "address", key, ["label", "flags", "scope", "broadcast", "address"], (
        side,
        f,
      ) => addrValue(side === "kernel" ? a : d, f));
    }
  }
  for (const key of dAddrs.keys()) {
    if (!kAddrs.has(key)) {
      out.push({ kind: "address", key, field: "exists", kernel: false, db: true });
    }
  }
  // Routes.
  const kRoutes = new Map<string, Route>();
  for (const v of k.routes.views()) kRoutes.set(routeKey(v), v);
  const dRoutes = new Map<string, Route>();
  for (const v of store.routes.views()) dRoutes.set(routeKey(v), v);
  for (const [key, v] of kRoutes) {
    const d = dRoutes.get(key);
    if (!d) out.push({ kind: "route", key, field: "exists", kernel: true, db: false });
    else if (!samePayload(v, d)) {
      compareFields(
        out,
        "route",
        key,
        [...ROUTE_FIELDS, "hops"],
        (side, f) => routeValue(side === "kernel" ? v : d, f),
      );
    }
  }
  for (const key of dRoutes.keys()) {
    if (!kRoutes.has(key)) {
      out.push({ kind: "route", key, field: "exists", kernel: false, db: true });
    }
  }
  if (k.routes.size !== store.routes.size) {
    out.push({
      kind: "route",
      key: "*",
      field: "count",
      kernel: k.routes.size,
      db: store.routes.size,
    });
  }
  // Rules.
  const kRules = new Set<string>();
  for (const r of k.rules) {
    const family = (r as unknown as { headerField(k: string): unknown }).headerField("family");
    if (family === 2 || family === 10) kRules.add(ruleKey(r));
  }
  for (const key of kRules) {
    if (!store.rules.has(key)) {
      out.push({ kind: "rule", key, field: "exists", kernel: true, db: false });
    }
  }
  for (const key of store.rules.keys()) {
    if (!kRules.has(key)) out.push({ kind: "rule", key, field: "exists", kernel: false, db: true });
  }
  return out;
}
