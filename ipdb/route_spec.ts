/**
 * Routes as request specs, and requested routes as targets: the spec that recreates or deletes a
 * route the kernel described, the key a new spec will have, and {@link RouteTarget}, which tells
 * whether a route message is what a spec asked for (next hops compared as the kernel normalises
 * them: names resolved to indexes, any device when none was asked for, weights defaulting to 1).
 *
 * @module
 */

import { describeValue, formatIp, parseIp, parsePrefix } from "../netlink/addr.ts";
import { multipathOf } from "../rtnl/route.ts";
import { checkRouteSpec } from "../rtnl/route_request.ts";
import type { NextHopSpec, Route, RouteSpec } from "../rtnl/route.ts";
import { protoId, routeTypeId, tableId } from "../rtnl/names.ts";
import { routeId } from "./store.ts";

const AF_INET = 2;
const AF_INET6 = 10;
const MAIN = 254;
const RTNH_F_ONLINK = 4;
const RTN_UNICAST = 1;
const RTPROT_BOOT = 3;

/**
 * The identity of a route: its group (table, destination, metric, TOS, source prefix, where
 * `ip route add` refuses a second route) and, once the kernel has it, `id`: the full key the
 * store holds it by (`keys.ts`), which tells routes of one group apart.
 */
export interface RouteKey {
  /** 2 or 10. */
  family: number;
  /** Table id. */
  table: number;
  /** Destination as "a/p" ("0.0.0.0/0" or "::/0" for default). */
  prefix: string;
  /** Metric (RTA_PRIORITY). */
  priority: number;
  /** TOS. */
  tos: number;
  /** Source prefix, "" when none. */
  src: string;
  /** The route's key in the store (see {@link routeKey}); absent for a route not created yet. */
  id?: string;
}

/** Normalizes a destination ("default", "10.1.0.0/16", "2001:db8::/64", a bare address). */
export function normalizePrefix(dst: unknown, field = "dst"): { prefix: string; family: number } {
  if (dst === "default" || dst === undefined) return { prefix: "0.0.0.0/0", family: AF_INET };
  const p = parsePrefix(dst, field);
  return { prefix: `${formatIp(p.bytes, 0, p.bytes.length)}/${p.prefixlen}`, family: p.family };
}

function ipText(value: unknown, field: string): string {
  const b = parseIp(value, field);
  return formatIp(b, 0, b.length);
}

/** The request spec that recreates a route as the kernel describes it. */
export function routeSpecOf(v: Route): RouteSpec {
  const id = routeId(v);
  const spec: RouteSpec = {
    dst: id.prefix,
    table: id.table,
    family: id.family,
    proto: v.proto,
    scope: v.scope,
    type: v.type,
  };
  if (id.tos) spec.tos = id.tos;
  if (v.get("priority") !== undefined) spec.priority = id.priority;
  if (id.src) spec.src = id.src;
  if (v.prefsrc !== undefined) spec.prefsrc = v.prefsrc;
  if (v.nh_id !== undefined) {
    // What a nexthop object expands to is the object's, not the route's.
    spec.nh_id = v.nh_id;
  } else {
    if (v.gateway !== undefined) spec.gateway = v.gateway;
    if (v.oif !== undefined) spec.oif = v.oif;
    const flags = v.headerField("flags") as number | undefined;
    if (flags && flags & RTNH_F_ONLINK) spec.flags = RTNH_F_ONLINK;
    if (v.multipath !== undefined) {
      spec.multipath = multipathOf(v).map((h) => {
        const hop: NextHopSpec = { oif: h.oif, weight: h.weight };
        if (h.gateway !== undefined) hop.gateway = h.gateway;
        if (h.flags & RTNH_F_ONLINK) hop.flags = RTNH_F_ONLINK;
        return hop;
      });
    }
  }
  const m = v.metrics;
  if (m) spec.metrics = m.toJSON() as Record<string, number>;
  return spec;
}

/**
 * The request spec that deletes exactly this route: its group, type, protocol and next hops
 * (the kernel deletes the first route of the group that matches what a deletion names).
 */
export function delSpecOf(v: Route): RouteSpec {
  const full = routeSpecOf(v);
  const spec: RouteSpec = {
    dst: full.dst,
    table: full.table,
    family: full.family,
    priority: routeId(v).priority,
    type: full.type,
    proto: full.proto,
  };
  if (full.tos) spec.tos = full.tos;
  if (full.src) spec.src = full.src;
  if (full.family === AF_INET) {
    spec.scope = full.scope;
    if (full.prefsrc !== undefined) spec.prefsrc = full.prefsrc;
  }
  for (const k of ["nh_id", "gateway", "oif", "multipath"] as const) {
    if (full[k] !== undefined) (spec as Record<string, unknown>)[k] = full[k];
  }
  return spec;
}

/** The group a new route spec will have in the kernel. */
export function keyOfSpec(
  spec: RouteSpec,
  ctx: { indexOf(n: string): number | undefined },
): RouteKey {
  checkRouteSpec(spec);
  let family: number;
  let prefix: string;
  if (spec.dst === undefined || spec.dst === "default") {
    const g = spec.gateway ?? spec.multipath?.[0]?.gateway ?? spec.prefsrc;
    family = spec.family ?? (typeof g === "string" && g.includes(":") ? AF_INET6 : AF_INET);
    prefix = family === AF_INET6 ? "::/0" : "0.0.0.0/0";
  } else {
    const d = normalizePrefix(spec.dst);
    family = d.family;
    prefix = d.prefix;
    if (spec.dst_len !== undefined && !String(spec.dst).includes("/")) {
      const p = parsePrefix(spec.dst, "dst");
      prefix = `${formatIp(p.bytes, 0, p.bytes.length)}/${spec.dst_len}`;
    }
  }
  if (typeof spec.oif === "string" && ctx.indexOf(spec.oif) === undefined) {
    throw new TypeError(`oif: no interface named ${JSON.stringify(spec.oif)}`);
  }
  return {
    family,
    table: spec.table !== undefined ? tableId(spec.table) : MAIN,
    prefix,
    priority: spec.priority ?? spec.metric ?? (family === AF_INET6 ? 1024 : 0),
    tos: spec.tos ?? 0,
    src: spec.src !== undefined ? normalizePrefix(spec.src, "src").prefix : "",
  };
}

/** Whether a route message is in the group of `k`. */
export function inGroup(k: RouteKey, v: Route): boolean {
  const id = routeId(v);
  return id.family === k.family && id.table === k.table && id.prefix === k.prefix &&
    id.priority === k.priority && id.tos === k.tos && id.src === k.src;
}

/** The key of a route message: its group and its identity in the store. */
export function keyOfRoute(v: Route, id: string): RouteKey {
  const r = routeId(v);
  return {
    family: r.family,
    table: r.table,
    prefix: r.prefix,
    priority: r.priority,
    tos: r.tos,
    src: r.src,
    id,
  };
}

interface WantHop {
  gateway?: string;
  oif?: number;
  weight: number;
}

function resolveOif(
  value: unknown,
  field: string,
  ctx: { indexOf(n: string): number | undefined },
): number {
  if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  if (typeof value === "string") {
    const i = ctx.indexOf(value);
    if (i === undefined) {
      throw new TypeError(`${field}: no interface named ${JSON.stringify(value)}`);
    }
    return i;
  }
  if (typeof value === "object" && value !== null && "index" in value) {
    return (value as { index: number }).index;
  }
  throw new TypeError(
    `${field}: expected an interface, name or index, got ${describeValue(value)}`,
  );
}

/**
 * What a route spec asks of the kernel, normalised: a route message is the target when it is in
 * the spec's group and has every value the spec gives (what the spec leaves out, the kernel
 * chooses).
 */
export class RouteTarget {
  /** The group. */
  readonly key: RouteKey;
  readonly #type: number;
  readonly #proto?: number;
  readonly #gateway?: string;
  readonly #oif?: number;
  readonly #prefsrc?: string;
  readonly #nhId?: number;
  readonly #hops?: WantHop[];
  readonly #metrics: [string, number][] = [];

  /** Normalises `spec` (names resolved through `ctx`); throws naming the field it cannot. */
  constructor(spec: RouteSpec, ctx: { indexOf(n: string): number | undefined }) {
    this.key = keyOfSpec(spec, ctx);
    this.#type = spec.type !== undefined ? routeTypeId(spec.type) : RTN_UNICAST;
    if (spec.proto !== undefined) this.#proto = protoId(spec.proto);
    else this.#proto = RTPROT_BOOT;
    if (spec.gateway !== undefined) this.#gateway = ipText(spec.gateway, "gateway");
    // Beside next hops, an oif only names the first hop's device (the kernel checks it).
    if (spec.oif !== undefined && spec.multipath === undefined) {
      this.#oif = resolveOif(spec.oif, "oif", ctx);
    }
    if (spec.prefsrc !== undefined) this.#prefsrc = ipText(spec.prefsrc, "prefsrc");
    if (spec.nh_id !== undefined) this.#nhId = spec.nh_id;
    if (spec.multipath !== undefined) {
      this.#hops = spec.multipath.map((h, i) => {
        const hop: WantHop = { weight: h.weight ?? 1 };
        if (h.gateway !== undefined) hop.gateway = ipText(h.gateway, `multipath[${i}].gateway`);
        if (h.oif !== undefined) hop.oif = resolveOif(h.oif, `multipath[${i}].oif`, ctx);
        return hop;
      });
    }
    for (const [k, v] of Object.entries(spec.metrics ?? {})) {
      if (typeof v === "number") this.#metrics.push([k, v]);
    }
  }

  /** Whether `v` is in the group of the target. */
  inGroup(v: Route): boolean {
    return inGroup(this.key, v);
  }

  /** The values of `v` (a route of the group) that differ from the target's (empty: it is). */
  differences(v: Route): string[] {
    const out: string[] = [];
    if (this.#nhId !== undefined) {
      if (v.nh_id !== this.#nhId) out.push("nh_id");
    } else if (v.nh_id !== undefined) out.push("nh_id");
    if (v.type !== this.#type && this.#nhId === undefined) out.push("type");
    if (this.#proto !== undefined && v.proto !== this.#proto) out.push("proto");
    if (this.#gateway !== undefined && v.gateway !== this.#gateway) out.push("gateway");
    if (this.#oif !== undefined && v.oif !== this.#oif) out.push("oif");
    if (this.#prefsrc !== undefined && v.prefsrc !== this.#prefsrc) out.push("prefsrc");
    if (this.#hops && !this.#hopsMatch(v)) out.push("multipath");
    if (!this.#hops && this.#nhId === undefined && v.multipath !== undefined) {
      out.push("multipath");
    }
    if (this.#metrics.length) {
      const m = (v.metrics?.toJSON() ?? {}) as Record<string, unknown>;
      if (this.#metrics.some(([k, x]) => m[k] !== x)) out.push("metrics");
    }
    return out;
  }

  /** Whether the kernel's next hops are the requested ones, each matched once. */
  #hopsMatch(v: Route): boolean {
    const have = multipathOf(v);
    const want = this.#hops!;
    if (have.length !== want.length) return false;
    const used = new Set<number>();
    for (const w of want) {
      const i = have.findIndex((h, j) =>
        !used.has(j) && h.weight === w.weight &&
        (w.gateway === undefined || h.gateway === w.gateway) &&
        (w.oif === undefined || h.oif === w.oif)
      );
      if (i < 0) return false;
      used.add(i);
    }
    return true;
  }

  /** The first route of `routes` (a lookup of the group's destination) that is the target. */
  find(routes: Iterable<Route>): Route | undefined {
    for (const v of routes) if (this.inGroup(v) && this.differences(v).length === 0) return v;
    return undefined;
  }
}
