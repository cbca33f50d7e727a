/**
 * Route verbs: `route("add" | "del" | "replace" | "change" | "append" | "get", spec)`,
 * `getRoutes(filter)`, `iterRoutes(filter)`, `flushRoutes(filter)`, and the route types. The
 * requests are checked and encoded by route_request.ts.
 *
 * A route's `multipath` property decodes RTA_MULTIPATH into its next hops
 * (`route.multipath?.[0].gateway`); `route.get("multipath")` still gives the raw bytes.
 *
 * @module
 */

import { formatIp } from "../netlink/addr.ts";
import { decodeStruct, decorateView, nestView, plain } from "../netlink/view.ts";
import type { AttrView, TypedMessage } from "../netlink/view.ts";
import { align4 } from "../netlink/constants.ts";
import { structSize } from "../netlink/schema.ts";
import type { StructValue } from "../netlink/schema.ts";
import { NetlinkError } from "../netlink/errors.ts";
import { emptyList } from "../netlink/list.ts";
import type { MessageList } from "../netlink/list.ts";
import { RT_SCOPE, RTM } from "./constants.ts";
import type { RtnlCore } from "./core.ts";
import { ROUTE_MESSAGE, RTA, RTNEXTHOP } from "./schemas/route.ts";
import type { RTM_F } from "./schemas/route.ts";
import type { RTNH_F } from "./schemas/nexthop.ts";
import { protoId, routeTypeId, scopeId, tableId } from "./names.ts";
import { buildMessage, familyOf, indexRef, prefixOf, withoutSignal } from "./spec.ts";
import type { WithSignal } from "./spec.ts";
import { filterKeys, flushFilter, readFilter } from "./filter.ts";
import type { FilterCommon, FilterValue, FlushAll, MessageFilter } from "./filter.ts";
import { buildRoute } from "./route_request.ts";
import type { IndexRef } from "./spec.ts";

/** One decoded next hop of a multipath route (a `struct rtnexthop` and its attributes). */
export interface NextHop {
  /** Outgoing interface index (0 when none). */
  oif: number;
  /** Weight, 1..256 (the wire carries weight − 1). */
  weight: number;
  /** pyroute2's name for what the wire carries: weight − 1. */
  hops: number;
  /** RTNH_F_* flags (dead, onlink, linkdown, …). */
  flags: number;
  /** Gateway address. */
  gateway?: string;
  /** Realm (RTA_FLOW). */
  flow?: number;
  /** Encapsulation type (LWTUNNEL_ENCAP_*). */
  encap_type?: number;
  /** Encapsulation attributes (a seg6 encap has `srh`). */
  encap?: unknown;
}

/** A route message view; `multipath` holds the decoded next hops. */
export type Route = Omit<TypedMessage<typeof ROUTE_MESSAGE>, "multipath"> & {
  /** The next hops of a multipath route, decoded (undefined for a single-path route). */
  readonly multipath?: NextHop[];
};

/** Route commands. */
export type RouteCommand = "add" | "del" | "replace" | "change" | "append" | "get";

/** One next hop of a multipath route. */
export interface NextHopSpec {
  /** Gateway address. */
  gateway?: string;
  /** Outgoing interface (index or name; an interface object works too). */
  oif?: number | string;
  /** Weight (1..256, default 1). */
  weight?: number;
  /** pyroute2's `hops` (`rtnh_hops`): weight − 1, 0..255. */
  hops?: number;
  /** Raw attributes by kernel name, as pyroute2 takes them: `[["RTA_GATEWAY", "10.0.0.2"]]`. */
  attrs?: readonly (readonly [string, unknown])[];
  /** RTNH_F_* flags by name (`["onlink"]`) or number. */
  flags?: number | keyof typeof RTNH_F | readonly (keyof typeof RTNH_F)[];
  /** Lightweight tunnel encapsulation of this hop. */
  encap?: Seg6Encap;
}

/** A seg6 lightweight-tunnel encapsulation. */
export interface Seg6Encap {
  /** Only "seg6". */
  type: "seg6";
  /** Encapsulation mode (default "encap"). */
  mode?: "inline" | "encap" | "l2encap" | "encap.red" | "l2encap.red";
  /** Segments, first hop first. */
  segs: readonly string[];
}

/** A route spec. */
export interface RouteSpec {
  /** Destination: "10.0.0.0/24", an address (a host route), or "default". Required. */
  dst?: string;
  /** Destination prefix length when `dst` has none. */
  dst_len?: number;
  /** Source prefix (policy routing by source, IPv6; for `get`, the source address). */
  src?: string;
  /** Gateway. */
  gateway?: string;
  /** Outgoing interface (index or name). */
  oif?: number | string;
  /** Incoming interface (for `get`). */
  iif?: number | string;
  /** Preferred source address. */
  prefsrc?: string;
  /** Table by number (any u32) or name (main, local, default, /etc/iproute2/rt_tables). */
  table?: number | string;
  /** Metric. */
  priority?: number;
  /** Alias of `priority` (iproute2's name). */
  metric?: number;
  /** Protocol by name or number (default "boot" when adding). */
  proto?: string | number;
  /** Scope by name or number. */
  scope?: string | number;
  /** Route type by name or number (unicast, local, blackhole, unreachable, prohibit, throw, …). */
  type?: string | number;
  /** 2 or 10 (otherwise taken from the addresses; IPv4 when there are none). */
  family?: number;
  /** TOS. */
  tos?: number;
  /** Metrics by RTAX short name: `{ mtu: 1400, advmss: 1360, cc_algo: "cubic", lock: ["mtu"] }`. */
  metrics?: Record<string, number | string | readonly string[]>;
  /** Multipath next hops. */
  multipath?: readonly NextHopSpec[];
  /** A nexthop object id. */
  nh_id?: number;
  /** Firewall mark (for `get`). */
  mark?: number;
  /** User id (for `get`). */
  uid?: number;
  /**
   * Header flags: a number, or names of RTNH_F_* (`["onlink"]`, as pyroute2) and RTM_F_* bits.
   */
  flags?: number | readonly (keyof typeof RTNH_F | keyof typeof RTM_F)[];
  /** pyroute2's name of `dst_len`. */
  mask?: number;
  /** Raw attributes by kernel name, as pyroute2 takes them: `[["RTA_GATEWAY", "10.0.0.2"]]`. */
  attrs?: readonly (readonly [string, unknown])[];
  /** Realm (RTA_FLOW). */
  flow?: number;
  /** IPv6 router preference (RTA_PREF): "low", "medium", "high". */
  pref?: "low" | "medium" | "high" | number;
  /** Expiry in seconds (IPv6, RTA_EXPIRES). */
  expires?: number;
  /** Lightweight tunnel encapsulation: `{ type: "seg6", mode: "encap", segs: ["2001:db8::1"] }`. */
  encap?: Seg6Encap;
  /** For `get`: return the FIB entry that matched (RTM_F_FIB_MATCH), not the resolved route. */
  fibmatch?: boolean;
}

/** Route attributes a spec may also give by kernel name (`RTA_GATEWAY`), as pyroute2 takes them. */
export type RouteKernelKey =
  | "dst"
  | "src"
  | "gateway"
  | "oif"
  | "iif"
  | "prefsrc"
  | "table"
  | "priority"
  | "mark"
  | "flow"
  | "multipath"
  | "metrics";

/**
 * What `ip.route()` takes: a {@link RouteSpec}, with pyroute2's forms beside ours: `oif` as an
 * interface object or a one-element list (`[1]`), attributes by kernel name (`RTA_GATEWAY`),
 * and a raw `attrs` list.
 */
export type RouteSpecInput =
  & Omit<RouteSpec, "oif" | "iif">
  & {
    /** Outgoing interface: index, name, interface object, or a one-element list (`[1]`). */
    oif?: number | string | { readonly index: number } | readonly (number | string)[];
    /** Incoming interface (for `get`): index, name or interface object. */
    iif?: number | string | { readonly index: number };
  }
  & { [K in RouteKernelKey as `RTA_${Uppercase<K>}`]?: RouteSpec[K] };

/**
 * Runs a route command; `get` returns the kernel's route for the destination. `signal` stops
 * waiting for the kernel's answer.
 */
export async function routeCommand(
  core: RtnlCore,
  cmd: RouteCommand,
  spec: RouteSpec & WithSignal,
): Promise<Route[]> {
  const [rest, signal] = withoutSignal(spec);
  return await core.send(await buildRoute(core, cmd, rest), signal) as unknown as Route[];
}

/**
 * Filter of {@link getRoutes}. Family, table, oif, proto and type filter in the kernel, the rest
 * here. Any other attribute or header field compares for equality; a function as a value tests
 * the route's value of that name (`{ priority: (p) => p > 100 }`); `match` tests the whole route.
 */
export type RouteFilter =
  & Omit<
    MessageFilter<typeof ROUTE_MESSAGE>,
    "family" | "table" | "oif" | "proto" | "type" | "dst" | "gateway" | "scope" | "multipath"
  >
  & FilterCommon<Route>
  & {
    /** 2 or 10 (default: both, and any other family the kernel has). In the kernel. */
    family?: FilterValue<number>;
    /** Table by number or name (default: every table). In the kernel. */
    table?: FilterValue<number | string, number>;
    /** Outgoing interface (index or name); multipath routes match on any hop. In the kernel. */
    oif?: FilterValue<number | string, number>;
    /** Protocol by name or number. In the kernel. */
    proto?: FilterValue<string | number, number>;
    /** Route type by name or number. In the kernel. */
    type?: FilterValue<string | number, number>;
    /**
     * Destination: a prefix ("10.0.0.0/24": that exact prefix), an address ("10.0.0.0": any
     * route whose destination address it is, whatever its length, as pyroute2 compares
     * `RTA_DST`; add `dst_len` to pick one), or "default". Here.
     */
    dst?: FilterValue<string>;
    /** Gateway; multipath routes match on any hop. Here. */
    gateway?: FilterValue<string>;
    /** Scope by name or number. Here. */
    scope?: FilterValue<string | number, number>;
  };

/** Decoded next hops of a route's RTA_MULTIPATH (empty for a single-path route). */
export function multipathOf(route: { get(key: "multipath"): unknown }): NextHop[] {
  const raw = route.get("multipath");
  if (!(raw instanceof Uint8Array)) return [];
  return decodeMultipath(raw);
}

function decodeMultipath(raw: Uint8Array): NextHop[] {
  const out: NextHop[] = [];
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const whole = new DataView(raw.buffer);
  const all = new Uint8Array(raw.buffer);
  const size = structSize(RTNEXTHOP);
  for (let p = 0; p + size <= raw.length;) {
    const nh = decodeStruct(dv, raw, RTNEXTHOP, p, size) as StructValue<typeof RTNEXTHOP.fields>;
    const len = nh.len;
    if (len < size || p + len > raw.length) break;
    const hop: NextHop = { oif: nh.ifindex, weight: nh.hops + 1, hops: nh.hops, flags: nh.flags };
    if (len > size) {
      const v = nestView(RTA, whole, all, raw.byteOffset + p + size, raw.byteOffset + p + len);
      const a = v as AttrView & Record<string, unknown>;
      if (a.gateway !== undefined) hop.gateway = a.gateway as string;
      if (a.flow !== undefined) hop.flow = a.flow as number;
      if (a.encap_type !== undefined) {
        hop.encap_type = a.encap_type as number;
        hop.encap = plain(a.encap);
      }
    }
    out.push(hop);
    p += align4(len);
  }
  return out;
}

// Route views decode RTA_MULTIPATH on access (and in toJSON) into next hops.
decorateView(ROUTE_MESSAGE, {
  multipath: (v) => {
    const raw = v.get("multipath");
    return raw instanceof Uint8Array ? decodeMultipath(raw) : undefined;
  },
}, { cache: true, json: true });

interface DumpPlan {
  spec: {
    type: number;
    flags: number;
    header: Record<string, unknown>;
    attrs: Record<string, unknown>;
  };
  oif?: IndexRef;
  match: (r: Route) => boolean;
  filtered: boolean;
  signal?: AbortSignal;
}

const FILTER_KEYS = filterKeys("route filter key", ROUTE_MESSAGE);

function planDump(core: RtnlCore, filter: RouteFilter | undefined): DumpPlan {
  const f = readFilter(filter, FILTER_KEYS);
  const values = f.values;
  const header: Record<string, unknown> = {
    family: values.family !== undefined ? familyOf(values.family, "family", true) : 0,
  };
  const attrs: Record<string, unknown> = {};
  const checks: ((r: Route) => boolean)[] = [];
  let oif: IndexRef | undefined;
  for (const [k, v] of Object.entries(values)) {
    switch (k) {
      case "family": {
        const f = header.family as number;
        if (f !== 0) checks.push((r) => r.family === f);
        break;
      }
      case "table": {
        const t = tableId(v);
        attrs.table = t; // the kernel reads RTA_TABLE (the header's u8 stays 0, as iproute2)
        checks.push((r) => r.table === t);
        break;
      }
      case "oif":
        oif = indexRef(core, v, "oif");
        break;
      case "proto": {
        const p = protoId(v);
        header.proto = p;
        checks.push((r) => r.proto === p);
        break;
      }
      case "type": {
        const t = routeTypeId(v);
        header.type = t;
        checks.push((r) => r.type === t);
        break;
      }
      case "scope": {
        const s = scopeId(v);
        checks.push((r) => r.scope === s);
        break;
      }
      case "dst": {
        if (v === "default") {
          checks.push((r) => r.dst_len === 0);
          break;
        }
        const d = prefixOf(v, "dst", {});
        const text = formatIp(d.bytes, 0, d.bytes.length);
        const len = d.prefixlen;
        // As pyroute2 filters: an address alone compares RTA_DST whatever the prefix length
        // (a script asking for "10.0.0.0" finds 10.0.0.0/24); with a length, the exact prefix.
        if (d.hasPrefix) {
          checks.push((r) => r.dst_len === len && r.dst === text && r.family === d.family);
        } else checks.push((r) => r.dst === text && r.family === d.family);
        break;
      }
      case "gateway":
      case "prefsrc":
      case "src": {
        const a = prefixOf(v, k, {});
        const text = formatIp(a.bytes, 0, a.bytes.length);
        if (k === "gateway") {
          checks.push((r) =>
            r.gateway === text || (r.multipath?.some((h) => h.gateway === text) ?? false)
          );
        } else if (k === "src" && a.hasPrefix) {
          checks.push((r) => r.src === text && r.src_len === a.prefixlen);
        } else checks.push((r) => r.get(k) === text);
        break;
      }
      default:
        checks.push((r) => r.get(k) === v);
    }
  }
  for (const t of f.tests) checks.push(t as unknown as (r: Route) => boolean);
  const match = (r: Route) => {
    for (const c of checks) if (!c(r)) return false;
    return true;
  };
  return {
    spec: { type: RTM.GETROUTE, flags: 0, header, attrs },
    oif,
    match,
    filtered: checks.length > 0 || oif !== undefined,
    signal: f.signal,
  };
}

async function withOif(
  plan: DumpPlan,
): Promise<((r: Route) => boolean) | undefined> {
  if (!plan.oif) return undefined;
  const index = await plan.oif();
  plan.spec.attrs.oif = index;
  return (r) => r.oif === index || (r.multipath?.some((h) => h.oif === index) ?? false);
}

function isMissingTable(e: unknown): boolean {
  return e instanceof NetlinkError && e.code === "ENOENT";
}

/**
 * Dumps routes. Family, table, oif, proto and type filter in the kernel (strict checking:
 * the replies carry NLM_F_DUMP_FILTERED); dst, gateway, scope and any other key filter here,
 * and every kernel filter is checked here again. A table that does not exist has no routes.
 */
export async function getRoutes(
  core: RtnlCore,
  filter?: RouteFilter,
): Promise<MessageList<Route>> {
  const plan = planDump(core, filter);
  const oifMatch = await withOif(plan);
  let all: MessageList<Route>;
  try {
    all = await core.dumpList(ROUTE_MESSAGE, plan.spec, {
      retryInterrupted: 3,
      signal: plan.signal,
    }) as unknown as MessageList<Route>;
  } catch (e) {
    if (plan.spec.attrs.table !== undefined && isMissingTable(e)) return emptyList();
    throw e;
  }
  if (!plan.filtered) return all;
  return all.filter((r) => plan.match(r) && (!oifMatch || oifMatch(r))) as MessageList<Route>;
}

/** Iterates routes without holding them all (for very large tables). */
export function iterRoutes(core: RtnlCore, filter?: RouteFilter): AsyncGenerator<Route> {
  const plan = planDump(core, filter);
  // An interface name must be looked up first; otherwise the engine's own dump iterator is
  // returned, filtering as it decodes (a wrapping generator costs ~0.4 µs a route).
  if (plan.oif) return iterRoutesByName(core, plan);
  const endOnError = (e: Error) => plan.spec.attrs.table !== undefined && isMissingTable(e);
  const keep = plan.filtered ? (r: unknown) => plan.match(r as Route) : undefined;
  return core.dumpIter(
    ROUTE_MESSAGE,
    plan.spec,
    { endOnError, signal: plan.signal },
    keep,
  ) as unknown as AsyncGenerator<
    Route
  >;
}

/**
 * As {@link iterRoutes}, yielding the matching routes of each received datagram as one array:
 * one await per datagram (hundreds of routes) instead of one per route, for hot loops over
 * large tables.
 */
export function iterRoutePages(core: RtnlCore, filter?: RouteFilter): AsyncGenerator<Route[]> {
  const plan = planDump(core, filter);
  if (plan.oif) return iterRoutePagesByName(core, plan);
  const endOnError = (e: Error) => plan.spec.attrs.table !== undefined && isMissingTable(e);
  const keep = plan.filtered ? (r: unknown) => plan.match(r as Route) : undefined;
  return core.dumpPages(
    ROUTE_MESSAGE,
    plan.spec,
    { endOnError, signal: plan.signal },
    keep,
  ) as unknown as AsyncGenerator<Route[]>;
}

async function* iterRoutePagesByName(core: RtnlCore, plan: DumpPlan): AsyncGenerator<Route[]> {
  const oifMatch = await withOif(plan);
  const endOnError = (e: Error) => plan.spec.attrs.table !== undefined && isMissingTable(e);
  const keep = (r: unknown) => plan.match(r as Route) && (!oifMatch || oifMatch(r as Route));
  yield* core.dumpPages(
    ROUTE_MESSAGE,
    plan.spec,
    { endOnError, signal: plan.signal },
    keep,
  ) as unknown as AsyncGenerator<Route[]>;
}

async function* iterRoutesByName(core: RtnlCore, plan: DumpPlan): AsyncGenerator<Route> {
  const oifMatch = await withOif(plan);
  const endOnError = (e: Error) => plan.spec.attrs.table !== undefined && isMissingTable(e);
  const keep = (r: unknown) => plan.match(r as Route) && (!oifMatch || oifMatch(r as Route));
  yield* core.dumpIter(
    ROUTE_MESSAGE,
    plan.spec,
    { endOnError, signal: plan.signal },
    keep,
  ) as unknown as AsyncGenerator<
    Route
  >;
}

/**
 * Deletes every route matching the filter; resolves with how many were deleted. An empty filter
 * is refused: `{ all: true }` deletes every route of every table (the local table included).
 */
export async function flushRoutes(
  core: RtnlCore,
  filter: RouteFilter & FlushAll,
): Promise<number> {
  const { filter: rest } = flushFilter(filter, "flushRoutes");
  const routes = await getRoutes(core, rest);
  const reqs = routes.map((r) => {
    const attrs: Record<string, unknown> = {};
    for (const k of ["dst", "src", "gateway", "oif", "priority", "table", "nh_id"] as const) {
      const v = r.get(k);
      if (v !== undefined) attrs[k] = v;
    }
    return buildMessage(ROUTE_MESSAGE, {
      type: RTM.DELROUTE,
      flags: 0,
      header: {
        family: r.family,
        dst_len: r.dst_len,
        src_len: r.src_len,
        tos: r.tos,
        table: r.headerField("table"),
        proto: 0,
        scope: RT_SCOPE.nowhere,
        type: r.type,
      },
      attrs,
    }, "").bytes;
  });
  const results = await core.engine.pipeline(reqs, {
    schema: ROUTE_MESSAGE,
    describe: "route del",
    signal: (rest as { signal?: AbortSignal }).signal,
  });
  let n = 0;
  for (const r of results) {
    if (!(r instanceof Error)) n++;
    else if ((r as { code?: string }).code !== "ESRCH") throw r;
  }
  return n;
}
