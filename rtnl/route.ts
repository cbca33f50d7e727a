/**
 * Route verbs: `route("add" | "del" | "replace" | "change" | "append" | "get", spec)`,
 * `getRoutes(filter)`, `flushRoutes(filter)`. Defaults follow iproute2 (`proto boot`, scope
 * `link` for a route without a gateway, table `main`).
 *
 * @module
 */

import { describeValue, formatIp, parseIp, parsePrefix } from "../netlink/addr.ts";
import type { TypedMessage } from "../netlink/view.ts";
import { NLM_F } from "../netlink/constants.ts";
import { checkInt } from "../netlink/encoder.ts";
import { AF, RT_SCOPE, RTM, RTN } from "./constants.ts";
import type { Built, RtnlCore } from "./core.ts";
import { ROUTE_MESSAGE, RTAX } from "./schemas/route.ts";
import { protoId, routeTypeId, scopeId, tableId } from "./names.ts";

/** A route message view. */
export type Route = TypedMessage<typeof ROUTE_MESSAGE>;

/** Route commands. */
export type RouteCommand = "add" | "del" | "replace" | "change" | "append" | "get";

/** One next hop of a multipath route. */
export interface NextHopSpec {
  /** Gateway address. */
  gateway?: string;
  /** Outgoing interface (index or name). */
  oif?: number | string;
  /** Weight (1..256). */
  weight?: number;
  /** RTNH_F_* flags. */
  flags?: number;
}

/** A route spec. */
export interface RouteSpec {
  /** Destination: "10.0.0.0/24", an address (a host route), or "default". */
  dst?: string;
  /** Destination prefix length when `dst` has none. */
  dst_len?: number;
  /** Source prefix (policy routing by source, IPv6). */
  src?: string;
  /** Gateway. */
  gateway?: string;
  /** Outgoing interface (index or name). */
  oif?: number | string;
  /** Incoming interface (for `get`). */
  iif?: number | string;
  /** Preferred source address. */
  prefsrc?: string;
  /** Table by number or name. */
  table?: number | string;
  /** Metric. */
  priority?: number;
  /** Protocol by name or number. */
  proto?: string | number;
  /** Scope by name or number. */
  scope?: string | number;
  /** Route type by name or number. */
  type?: string | number;
  /** 2 or 10 (otherwise taken from the addresses). */
  family?: number;
  /** TOS. */
  tos?: number;
  /** Metrics by RTAX short name ({ mtu: 1400, advmss: 1360 }). */
  metrics?: Record<string, number | string>;
  /** Multipath next hops. */
  multipath?: readonly NextHopSpec[];
  /** A nexthop object id. */
  nh_id?: number;
  /** Firewall mark (for `get` and rules). */
  mark?: number;
  /** RTM_F_* flags of the header. */
  flags?: number;
  /** Lightweight tunnel encapsulation: `{ type: "seg6", mode: "encap", segs: ["2001:db8::1"] }`. */
  encap?: { type: "seg6"; mode?: "inline" | "encap" | "l2encap"; segs: readonly string[] };
}

const KNOWN = new Set([
  "dst",
  "dst_len",
  "src",
  "src_len",
  "gateway",
  "oif",
  "iif",
  "prefsrc",
  "table",
  "priority",
  "proto",
  "scope",
  "type",
  "family",
  "tos",
  "metrics",
  "multipath",
  "nh_id",
  "mark",
  "flags",
  "encap",
]);

const COMMANDS: Record<RouteCommand, [number, number]> = {
  add: [RTM.NEWROUTE, NLM_F.CREATE | NLM_F.EXCL],
  replace: [RTM.NEWROUTE, NLM_F.CREATE | NLM_F.REPLACE],
  change: [RTM.NEWROUTE, NLM_F.REPLACE],
  append: [RTM.NEWROUTE, NLM_F.CREATE | NLM_F.APPEND],
  del: [RTM.DELROUTE, 0],
  get: [RTM.GETROUTE, 0],
};

function family(current: number | undefined, bytes: Uint8Array, field: string): number {
  const f = bytes.length === 4 ? AF.INET : AF.INET6;
  if (current !== undefined && current !== f) {
    throw new TypeError(`${field}: address family differs from the rest of the route`);
  }
  return f;
}

/** Encodes struct rtnexthop entries for RTA_MULTIPATH. */
async function encodeMultipath(
  core: RtnlCore,
  hops: readonly NextHopSpec[],
  fam: { f?: number },
): Promise<Uint8Array> {
  if (!Array.isArray(hops) || hops.length === 0) {
    throw new TypeError("multipath: expected a non-empty array of next hops");
  }
  const parts: Uint8Array[] = [];
  for (const [i, hop] of hops.entries()) {
    const field = `multipath[${i}]`;
    if (typeof hop !== "object" || hop === null) {
      throw new TypeError(`${field}: expected an object`);
    }
    for (const k of Object.keys(hop)) {
      if (!["gateway", "oif", "weight", "flags"].includes(k)) {
        throw new TypeError(`${field}.${k}: unknown next hop attribute`);
      }
    }
    let gw: Uint8Array | undefined;
    if (hop.gateway !== undefined) {
      gw = parseIp(hop.gateway, `${field}.gateway`);
      fam.f = family(fam.f, gw, `${field}.gateway`);
    }
    const weight = hop.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 1 || weight > 256) {
      throw new RangeError(`${field}.weight: ${weight} is out of range 1..256`);
    }
    const ifindex = hop.oif !== undefined ? await core.ifindex(hop.oif, `${field}.oif`) : 0;
    const len = 8 + (gw ? 4 + gw.length : 0);
    const b = new Uint8Array(len);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, len, true);
    dv.setUint8(2, hop.flags ?? 0);
    dv.setUint8(3, weight - 1);
    dv.setInt32(4, ifindex, true);
    if (gw) {
      dv.setUint16(8, 4 + gw.length, true);
      dv.setUint16(10, 5, true); // RTA_GATEWAY
      b.set(gw, 12);
    }
    parts.push(b);
  }
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Encodes a seg6 encapsulation (struct seg6_iptunnel_encap with an SRH). */
function encodeSeg6(encap: NonNullable<RouteSpec["encap"]>): Uint8Array {
  const modes = { inline: 0, encap: 1, l2encap: 2 } as const;
  const mode = modes[encap.mode ?? "encap"];
  if (mode === undefined) {
    throw new TypeError(`encap.mode: unknown seg6 mode ${describeValue(encap.mode)}`);
  }
  if (!Array.isArray(encap.segs) || encap.segs.length === 0) {
    throw new TypeError("encap.segs: expected a non-empty list of IPv6 addresses");
  }
  const segs = encap.segs.map((s, i) => {
    const b = parseIp(s, `encap.segs[${i}]`);
    if (b.length !== 16) throw new TypeError(`encap.segs[${i}]: expected an IPv6 address`);
    return b;
  });
  // seg6_iptunnel_encap { int mode; struct ipv6_sr_hdr srh; } with segments in reverse order.
  const srhLen = 8 + 16 * segs.length;
  const b = new Uint8Array(4 + srhLen);
  const dv = new DataView(b.buffer);
  dv.setInt32(0, mode, true);
  b[4] = 0; // nexthdr
  b[5] = (srhLen >> 3) - 1; // hdrlen in 8-octet units, not counting the first 8
  b[6] = 4; // type: segment routing
  b[7] = segs.length - 1; // segments_left
  b[8] = segs.length - 1; // first_segment
  segs.forEach((s, i) => b.set(s, 12 + 16 * (segs.length - 1 - i)));
  return b;
}

/** Builds a route request. */
export async function buildRoute(
  core: RtnlCore,
  cmd: RouteCommand,
  spec: RouteSpec,
): Promise<Built<typeof ROUTE_MESSAGE>> {
  const c = COMMANDS[cmd];
  if (c === undefined) {
    throw new TypeError(
      `command: unknown route command ${
        describeValue(cmd)
      } (add, del, replace, change, append, get)`,
    );
  }
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new TypeError(`spec: expected an object, got ${describeValue(spec)}`);
  }
  for (const k of Object.keys(spec)) {
    if (!KNOWN.has(k)) throw new TypeError(`${k}: unknown route attribute`);
  }
  const fam: { f?: number } = {};
  if (spec.family !== undefined) {
    if (spec.family !== AF.INET && spec.family !== AF.INET6) {
      throw new RangeError(
        `family: expected 2 (IPv4) or 10 (IPv6), got ${describeValue(spec.family)}`,
      );
    }
    fam.f = spec.family;
  }
  const attrs: Record<string, unknown> = {};
  const header: Record<string, unknown> = {};
  let dstLen = 0;
  if (spec.dst !== undefined && spec.dst !== "default") {
    const d = parsePrefix(spec.dst, "dst");
    fam.f = family(fam.f, d.bytes, "dst");
    dstLen = d.prefixlen;
    if (spec.dst_len !== undefined) {
      dstLen = checkInt(spec.dst_len, "u8", "dst_len");
      if (dstLen > d.bytes.length * 8) {
        throw new RangeError(`dst_len: ${dstLen} is out of range 0..${d.bytes.length * 8}`);
      }
      if (d.hasPrefix && dstLen !== d.prefixlen) {
        throw new TypeError("dst_len: contradicts the prefix in dst");
      }
    }
    if (dstLen > 0) attrs.dst = d.bytes;
  }
  if (spec.src !== undefined) {
    const s = parsePrefix(spec.src, "src");
    fam.f = family(fam.f, s.bytes, "src");
    header.src_len = s.prefixlen;
    attrs.src = s.bytes;
  }
  if (spec.gateway !== undefined) {
    const g = parseIp(spec.gateway, "gateway");
    fam.f = family(fam.f, g, "gateway");
    attrs.gateway = g;
  }
  if (spec.prefsrc !== undefined) {
    const s = parseIp(spec.prefsrc, "prefsrc");
    fam.f = family(fam.f, s, "prefsrc");
    attrs.prefsrc = s;
  }
  if (spec.multipath !== undefined) {
    attrs.multipath = await encodeMultipath(core, spec.multipath, fam);
  }
  if (spec.oif !== undefined) attrs.oif = await core.ifindex(spec.oif, "oif");
  if (spec.iif !== undefined) attrs.iif = await core.ifindex(spec.iif, "iif");
  if (spec.priority !== undefined) attrs.priority = checkInt(spec.priority, "u32", "priority");
  if (spec.nh_id !== undefined) attrs.nh_id = checkInt(spec.nh_id, "u32", "nh_id");
  if (spec.mark !== undefined) attrs.mark = checkInt(spec.mark, "u32", "mark");
  if (spec.metrics !== undefined) {
    if (typeof spec.metrics !== "object" || spec.metrics === null) {
      throw new TypeError("metrics: expected an object");
    }
    for (const k of Object.keys(spec.metrics)) {
      if (!RTAX.byName.has(k)) throw new TypeError(`metrics.${k}: unknown route metric`);
    }
    attrs.metrics = spec.metrics;
  }
  if (spec.encap !== undefined) {
    if (typeof spec.encap !== "object" || spec.encap === null || spec.encap.type !== "seg6") {
      throw new TypeError(`encap.type: only "seg6" encapsulation is supported`);
    }
    attrs.encap_type = 5; // LWTUNNEL_ENCAP_SEG6
    attrs.encap = { srh: encodeSeg6(spec.encap) };
  }
  const table = spec.table !== undefined ? tableId(spec.table) : cmd === "get" ? 0 : 254;
  if (table > 255) {
    header.table = 0;
    attrs.table = table;
  } else header.table = table;
  const type = spec.type !== undefined ? routeTypeId(spec.type) : cmd === "get" ? 0 : RTN.unicast;
  let scope: number;
  if (spec.scope !== undefined) scope = scopeId(spec.scope);
  else if (cmd === "del") scope = RT_SCOPE.nowhere;
  else if (cmd === "get") scope = 0;
  else if (type === RTN.local || type === RTN.nat) scope = RT_SCOPE.host;
  else if (type === RTN.broadcast || type === RTN.multicast || type === RTN.anycast) {
    scope = RT_SCOPE.link;
  } else if (
    type === RTN.unicast && attrs.gateway === undefined && attrs.multipath === undefined &&
    attrs.nh_id === undefined
  ) scope = RT_SCOPE.link;
  else scope = RT_SCOPE.universe;
  const proto = spec.proto !== undefined
    ? protoId(spec.proto)
    : cmd === "del" || cmd === "get"
    ? 0
    : 3;
  Object.assign(header, {
    family: fam.f ?? AF.INET,
    dst_len: dstLen,
    tos: spec.tos !== undefined ? checkInt(spec.tos, "u8", "tos") : 0,
    proto,
    scope,
    type,
    flags: spec.flags ?? 0,
  });
  const built = core.build(ROUTE_MESSAGE, { type: c[0], flags: c[1], header, attrs });
  built.describe = `route ${cmd}`;
  return built;
}

/** Runs a route command; `get` returns the kernel's route for the destination. */
export async function routeCommand(
  core: RtnlCore,
  cmd: RouteCommand,
  spec: RouteSpec,
): Promise<Route[]> {
  return await core.send(await buildRoute(core, cmd, spec));
}

/** Filter of {@link getRoutes}. */
export interface RouteFilter {
  /** 2 or 10. */
  family?: number;
  /** Table by number or name (default: every table). */
  table?: number | string;
  /** Outgoing interface (index or name). */
  oif?: number | string;
  /** Destination ("10.0.0.0/24" or an address), compared with dst/dst_len. */
  dst?: string;
  /** Any other attribute or header field, compared for equality. */
  [key: string]: unknown;
}

/** Decoded next hops of a route's RTA_MULTIPATH. */
export function multipathOf(
  route: Route,
): { gateway?: string; oif: number; weight: number; flags: number }[] {
  const raw = route.multipath;
  if (!raw) return [];
  const out: { gateway?: string; oif: number; weight: number; flags: number }[] = [];
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let p = 0; p + 8 <= raw.length;) {
    const len = dv.getUint16(p, true);
    if (len < 8 || p + len > raw.length) break;
    const hop: { gateway?: string; oif: number; weight: number; flags: number } = {
      flags: raw[p + 2],
      weight: raw[p + 3] + 1,
      oif: dv.getInt32(p + 4, true),
    };
    for (let a = p + 8; a + 4 <= p + len;) {
      const alen = dv.getUint16(a, true);
      if (alen < 4 || a + alen > p + len) break;
      if ((dv.getUint16(a + 2, true) & 0x3fff) === 5) hop.gateway = formatIp(raw, a + 4, alen - 4);
      a += (alen + 3) & ~3;
    }
    out.push(hop);
    p += (len + 3) & ~3;
  }
  return out;
}

async function dumpSpec(core: RtnlCore, filter: RouteFilter) {
  const header: Record<string, unknown> = { family: filter.family ?? 0 };
  const attrs: Record<string, unknown> = {};
  if (filter.table !== undefined) {
    const t = tableId(filter.table);
    if (t < 256) header.table = t;
    attrs.table = t;
  }
  if (filter.oif !== undefined) attrs.oif = await core.ifindex(filter.oif, "oif");
  return { type: RTM.GETROUTE, flags: 0, header, attrs };
}

function routeMatcher(filter: RouteFilter): (r: Route) => boolean {
  const checks: ((r: Route) => boolean)[] = [];
  if (filter.table !== undefined) {
    const t = tableId(filter.table);
    checks.push((r) => r.table === t);
  }
  if (filter.dst !== undefined) {
    const d = filter.dst === "default" ? undefined : parsePrefix(filter.dst, "dst");
    const text = d ? formatIp(d.bytes, 0, d.bytes.length) : undefined;
    const len = d ? d.prefixlen : 0;
    checks.push((r) => r.dst === text && r.dst_len === len);
  }
  for (const [k, v] of Object.entries(filter)) {
    if (v === undefined || ["family", "table", "oif", "dst"].includes(k)) continue;
    checks.push((r) => r.get(k) === v);
  }
  return (r) => checks.every((c) => c(r));
}

/**
 * Dumps routes. Family, table and oif filter in the kernel (strict checking); dst and any other
 * key filter here.
 */
export async function getRoutes(core: RtnlCore, filter: RouteFilter = {}): Promise<Route[]> {
  const spec = await dumpSpec(core, filter);
  const all = await core.dump(ROUTE_MESSAGE, spec, { retryInterrupted: 3 });
  const keys = Object.keys(filter).filter((k) =>
    filter[k] !== undefined && k !== "family" && k !== "oif"
  );
  if (keys.length === 0) return all;
  return all.filter(routeMatcher(filter));
}

/** Iterates routes without holding them all (for very large tables). */
export async function* iterRoutes(core: RtnlCore, filter: RouteFilter = {}): AsyncGenerator<Route> {
  const spec = await dumpSpec(core, filter);
  const match = routeMatcher(filter);
  for await (const r of core.dumpIter(ROUTE_MESSAGE, spec)) if (match(r)) yield r;
}

/** Deletes every route matching the filter; returns how many were deleted. */
export async function flushRoutes(core: RtnlCore, filter: RouteFilter = {}): Promise<number> {
  const routes = await getRoutes(core, filter);
  const reqs = routes.map((r) => {
    const attrs: Record<string, unknown> = {};
    for (const k of ["dst", "src", "gateway", "oif", "priority", "table"] as const) {
      const v = r.get(k);
      if (v !== undefined) attrs[k] = v;
    }
    return core.build(ROUTE_MESSAGE, {
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
    }).bytes;
  });
  const results = await core.engine.pipeline(reqs, {
    schema: ROUTE_MESSAGE,
    describe: "route del",
  });
  let n = 0;
  for (const r of results) {
    if (!(r instanceof Error)) n++;
    else if ((r as { code?: string }).code !== "ESRCH") throw r;
  }
  return n;
}
