/**
 * `ip route`: show (iproute2's print_route), get, add, del, replace, change, append, flush.
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import { multipathOf } from "../../rtnl/mod.ts";
import type { Nexthop, Route, RouteSpec } from "../../mod.ts";
import { printNexthop } from "./nexthop.ts";
import { ANY, JSON_ONLY } from "./out.ts";
import type { Printer } from "./out.ts";
import { badPrefix, type Ctx, duparg2, fail, invarg, kernelError, nextArg, usage } from "./ctx.ts";
import { dispatch, matches, notSupported, type VerbTable } from "./match.ts";
import {
  dsfieldId,
  dsfieldName,
  getU32,
  protoId,
  protoName,
  realmId,
  realmName,
  rtnTypeId,
  rtnTypeName,
  scopeId,
  scopeName,
  tableId,
  tableName,
} from "./names.ts";
import { parsePrefixArg, prefixMatch } from "./prefix.ts";

const RTM_F_CLONED = 0x200;

const MX_NAMES: Record<number, string> = {
  2: "mtu",
  3: "window",
  4: "rtt",
  5: "rttvar",
  6: "ssthresh",
  7: "cwnd",
  8: "advmss",
  9: "reordering",
  10: "hoplimit",
  11: "initcwnd",
  12: "features",
  13: "rto_min",
  14: "initrwnd",
  15: "quickack",
  16: "congctl",
  17: "fastopen_no_cookie",
};

/** The route's table: RTA_TABLE when present, else the header's. */
function routeTable(r: Route): number {
  const t = r.get("RTA_TABLE");
  return typeof t === "number" ? t : (r.headerField("table") as number);
}

function hostLen(family: number): number {
  return family === 2 ? 32 : family === 10 ? 128 : family === 28 ? 20 : 0;
}

/** The route filter of `ip route show|flush`. */
export interface RouteFilter {
  family: number;
  table: number;
  cloned: boolean;
  protocol?: number;
  scope?: number;
  types?: Set<number>;
  tos?: number;
  oif?: number;
  iif?: number;
  mark?: number;
  metric?: number;
  rdst?: { bytes: number[]; len: number; family: number } | "default";
  mdst?: { bytes: number[]; len: number; family: number } | "default";
  via?: { bytes: number[]; len: number; family: number };
  prefsrc?: { bytes: number[]; len: number; family: number };
}

function ipBytes(s: string | undefined): number[] {
  if (!s) return [];
  const p = parsePrefixArg(s);
  return p ? p.bytes : [];
}

/** filter_nlmsg. */
export function routeMatches(r: Route, f: RouteFilter): boolean {
  const family = r.family;
  if (f.family && family !== f.family) return false;
  if (f.cloned === !(r.flags & RTM_F_CLONED)) return false;
  const table = routeTable(r);
  if (f.table > 0 && f.table !== table) return false;
  if (f.protocol !== undefined && r.proto !== f.protocol) return false;
  if (f.scope !== undefined && r.scope !== f.scope) return false;
  if (f.types && !f.types.has(r.type)) return false;
  if (f.tos !== undefined && r.tos !== f.tos) return false;
  const dstLen = r.dst_len;
  const dst = f.rdst || f.mdst ? ipBytes(r.get("dst") as string | undefined) : [];
  if (f.rdst) {
    const rd = f.rdst === "default" ? { bytes: [], len: 0, family: 0 } : f.rdst;
    if (rd.family && rd.family !== family) return false;
    if (rd.len > dstLen) return false;
    if (!prefixMatch(dst.length ? dst : new Array(16).fill(0), rd.bytes, rd.len)) return false;
  }
  if (f.mdst) {
    const md = f.mdst === "default" ? { bytes: [], len: 0, family: 0 } : f.mdst;
    if (md.family && md.family !== family) return false;
    if (md.len < dstLen) return false;
    if (
      !prefixMatch(
        md.bytes.length ? md.bytes : new Array(16).fill(0),
        dst.length ? dst : new Array(16).fill(0),
        dstLen,
      )
    ) {
      return false;
    }
  }
  if (f.via) {
    const gw = ipBytes(r.get("gateway") as string | undefined);
    if (f.via.family !== family || !gw.length || !prefixMatch(gw, f.via.bytes, f.via.len)) {
      return false;
    }
  }
  if (f.prefsrc) {
    const ps = ipBytes(r.get("prefsrc") as string | undefined);
    if (f.prefsrc.family !== family || !ps.length) return false;
    if (!prefixMatch(ps, f.prefsrc.bytes, f.prefsrc.len)) return false;
  }
  if (f.iif !== undefined && ((r.get("iif") as number | undefined) ?? 0) !== f.iif) return false;
  if (f.oif !== undefined && ((r.get("oif") as number | undefined) ?? 0) !== f.oif) return false;
  if (f.mark !== undefined && ((r.get("mark") as number | undefined) ?? 0) !== f.mark) {
    return false;
  }
  if (f.metric !== undefined && ((r.get("priority") as number | undefined) ?? 0) !== f.metric) {
    return false;
  }
  return true;
}

/** print_rt_flags. */
function printRtFlags(p: Printer, flags: number): void {
  p.openArray(JSON_ONLY, "flags");
  const names: [number, string][] = [
    [1, "dead"],
    [4, "onlink"],
    [2, "pervasive"],
    [8, "offload"],
    [64, "trap"],
    [0x100, "notify"],
    [16, "linkdown"],
    [32, "unresolved"],
    [0x2000, "rt_offload"],
    [0x4000, "rt_trap"],
    [0x8000, "rt_offload_failed"],
  ];
  for (const [bit, name] of names) if (flags & bit) p.str(ANY, null, "%s ", name);
  p.closeArray(JSON_ONLY, null);
}

const CACHE_FLAGS: [number, string][] = [
  [0x80000000, "local"],
  [0x40000000, "reject"],
  [0x20000000, "mc"],
  [0x10000000, "brd"],
  [0x08000000, "dst-nat"],
  [0x00800000, "src-nat"],
  [0x00400000, "masq"],
  [0x00020000, "dst-direct"],
  [0x04000000, "src-direct"],
  [0x00040000, "redirected"],
  [0x01000000, "redirect"],
  [0x00200000, "fastroute"],
  [0x00010000, "notify"],
  [0x00080000, "proxy"],
];

function printCacheFlags(p: Printer, flags: number): void {
  flags = (flags & ~0xffff) >>> 0;
  if (p.json) {
    p.openArray(JSON_ONLY, "cache");
  } else {
    p.fp(`${p.sl}    cache `);
    if (flags === 0) return;
    p.fp("<");
  }
  for (const [bit, name] of CACHE_FLAGS) {
    if (!(flags & bit)) continue;
    flags = (flags & ~bit) >>> 0;
    if (p.json) p.str(JSON_ONLY, null, "", name);
    else p.fp(`${name}${flags ? "," : "> "}`);
  }
  if (flags) p.hex(ANY, "flags", "%x>", flags);
  if (p.json) p.closeArray(JSON_ONLY, null);
}

function printCacheinfo(p: Printer, ci: Record<string, number>, stats: number): void {
  const hz = 100;
  if (ci.rta_expires) p.int(ANY, "expires", "expires %dsec ", Math.trunc(ci.rta_expires / hz));
  if (ci.rta_error) p.uint(ANY, "error", "error %u ", ci.rta_error);
  if (stats) {
    if (ci.rta_clntref) p.uint(ANY, "users", "users %u ", ci.rta_clntref);
    if (ci.rta_used) p.uint(ANY, "used", "used %u ", ci.rta_used);
    if (ci.rta_lastuse) p.uint(ANY, "age", "age %usec ", Math.trunc(ci.rta_lastuse / hz));
  }
  if (ci.rta_id) {
    p.xhex(ANY, "ipid", `ipid 0x${ci.rta_id.toString(16).padStart(4, "0")} `, ci.rta_id);
  }
  if (ci.rta_ts || ci.rta_tsage) {
    p.xhex(ANY, "ts", "ts %#llx", ci.rta_ts);
    p.uint(ANY, "tsage", "tsage %usec ", ci.rta_tsage);
  }
}

function printMetrics(
  p: Printer,
  metrics: { raw(): Iterable<[number, number, number]>; u8: Uint8Array },
) {
  const vals = new Map<number, Uint8Array>();
  for (const [t, off, len] of metrics.raw()) vals.set(t, metrics.u8.subarray(off, off + len));
  const u32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  const lock = vals.has(1) ? u32(vals.get(1)!) : 0;
  p.openArray(JSON_ONLY, "metrics");
  p.openObject(null);
  for (let i = 2; i <= 17; i++) {
    const b = vals.get(i);
    if (!b && !(lock & (1 << i))) continue;
    let val = b && i !== 16 && b.length >= 4 ? u32(b) : 0;
    if (i === 10 && (val | 0) === -1) continue;
    if (!p.json) {
      p.fp(MX_NAMES[i] ? `${MX_NAMES[i]} ` : `metric ${i} `);
      if (lock & (1 << i)) p.fp("lock ");
    }
    switch (i) {
      case 12:
        if (val & 1) {
          p.nul(ANY, "ecn", "ecn ", null);
          val &= ~1;
        }
        if (val) p.xhex(ANY, "features", "%#llx ", val);
        break;
      case 4:
      case 5:
      case 13:
        if (i === 4) val = Math.floor(val / 8);
        else if (i === 5) val = Math.floor(val / 4);
        if (p.json) p.uint(JSON_ONLY, MX_NAMES[i], "", val);
        else p.fp(val >= 1000 ? `${val / 1e3}s ` : `${val}ms `);
        break;
      case 16: {
        let s = "";
        if (b) {
          const end = b.indexOf(0);
          s = new TextDecoder().decode(end >= 0 ? b.subarray(0, end) : b);
        }
        p.str(ANY, "congestion", "%s ", s);
        break;
      }
      default:
        p.uint(ANY, MX_NAMES[i] ?? `metric_${i}`, "%u ", val);
    }
  }
  p.closeObject();
  p.closeArray(JSON_ONLY, null);
}

function printFlow(p: Printer, flow: number): void {
  const to = flow & 0xffff, from = flow >>> 16;
  if (p.json) {
    p.openObject("flow");
    if (from) p.str(JSON_ONLY, "from", "", realmName(from));
    p.str(JSON_ONLY, "to", "", realmName(to));
    p.closeObject();
  } else {
    p.fp(`realm${from ? "s" : ""} `);
    if (from) p.fp(`${realmName(from)}/`);
    p.fp(`${realmName(to)} `);
  }
}

/** Options of {@link printRoute}. */
export interface RoutePrintOptions {
  /** The table filter (0: every table, which prints each route's table). */
  table: number;
  /** Types selected by `type` (their routes do not print the type). */
  types?: Set<number>;
  /** RTM_DELROUTE (monitor). */
  deleted?: boolean;
  /** The show filter: fields it pins to one value are not printed (as iproute2's masks). */
  filter?: RouteFilter;
  /** Nexthop objects by id, printed as `nh_info` with -d. */
  nexthops?: Map<number, Nexthop>;
}

/** print_route. */
export function printRoute(ctx: Ctx, r: Route, o: RoutePrintOptions): void {
  const p = ctx.p;
  const details = ctx.opts.details > 0;
  const family = r.family;
  const hl = hostLen(family);
  const f = o.filter;
  p.openObject(null);
  if (o.deleted) p.bool(ANY, "deleted", "Deleted ", true);
  if ((r.type !== 1 || details) && (!o.types || o.types.has(r.type))) {
    p.str(ANY, "type", "%s ", rtnTypeName(r.type));
  }
  const dst = r.get("dst") as string | undefined;
  let d: string;
  if (dst !== undefined) d = r.dst_len !== hl ? `${dst}/${r.dst_len}` : dst;
  else if (r.dst_len) d = `0/${r.dst_len} `;
  else d = "default";
  p.str(ANY, "dst", "%s ", d);
  const src = r.get("src") as string | undefined;
  if (src !== undefined) {
    p.str(ANY, "from", "from %s ", r.src_len !== hl ? `${src}/${r.src_len}` : src);
  } else if (r.src_len) p.str(ANY, "src", "from %s ", `0/${r.src_len}`);
  const nhid = r.get("nh_id") as number | undefined;
  if (nhid !== undefined) p.uint(ANY, "nhid", "nhid %u ", nhid);
  if (r.tos && f?.tos === undefined) p.str(ANY, "tos", "tos %s ", dsfieldName(r.tos));
  const gw = r.get("gateway") as string | undefined;
  if (gw !== undefined && f?.via?.len !== hl) {
    if (p.json) p.str(JSON_ONLY, "gateway", "", gw);
    else p.fp(`via ${gw} `);
  }
  const oif = r.get("oif") as number | undefined;
  if (oif !== undefined && f?.oif === undefined) {
    if (p.json) p.str(JSON_ONLY, "dev", "", ctx.name(oif));
    else p.fp(`dev ${ctx.name(oif)} `);
  }
  const table = routeTable(r);
  if (table && (table !== 254 || details) && !o.table) {
    p.str(ANY, "table", "table %s ", tableName(table));
  }
  if (!(r.flags & RTM_F_CLONED)) {
    if ((r.proto !== 3 || details) && f?.protocol === undefined) {
      p.str(ANY, "protocol", "proto %s ", protoName(r.proto));
    }
    if ((r.scope !== 0 || details) && f?.scope === undefined) {
      p.str(ANY, "scope", "scope %s ", scopeName(r.scope));
    }
  }
  const prefsrc = r.get("prefsrc") as string | undefined;
  if (prefsrc !== undefined && f?.prefsrc?.len !== hl) {
    if (p.json) p.str(JSON_ONLY, "prefsrc", "", prefsrc);
    else p.fp(`src ${prefsrc} `);
  }
  const prio = r.get("priority") as number | undefined;
  if (prio !== undefined && f?.metric === undefined) p.uint(ANY, "metric", "metric %u ", prio);
  printRtFlags(p, r.flags);
  const mark = r.get("mark") as number | undefined;
  if (mark) {
    if (p.json) p.uint(JSON_ONLY, "mark", "", mark);
    else if (mark >= 16) p.fp(`mark 0x${mark.toString(16)} `);
    else p.fp(`mark ${mark} `);
  }
  const flow = r.get("flow") as number | undefined;
  if (flow !== undefined) printFlow(p, flow);
  const uid = r.get("uid") as number | undefined;
  if (uid !== undefined) p.uint(ANY, "uid", "uid %u ", uid);
  const ci = r.get("cacheinfo") as Record<string, number> | undefined;
  if (family === 2) {
    if (r.flags & RTM_F_CLONED) printCacheFlags(p, r.flags);
    if (ci) printCacheinfo(p, ci, ctx.opts.stats);
  } else if (family === 10) {
    if (ci) printCacheinfo(p, ci, ctx.opts.stats);
  }
  const metrics = r.get("metrics");
  if (metrics && typeof metrics === "object" && "raw" in metrics) {
    printMetrics(p, metrics as unknown as Parameters<typeof printMetrics>[1]);
  }
  const iif = r.get("iif") as number | undefined;
  if (iif !== undefined && f?.iif === undefined) {
    if (p.json) p.str(JSON_ONLY, "iif", "", ctx.name(iif));
    else p.fp(`iif ${ctx.name(iif)} `);
  }
  const pref = r.get("pref") as number | undefined;
  if (pref !== undefined) {
    const names: Record<number, string> = { 3: "low", 0: "medium", 1: "high" };
    if (names[pref]) p.str(ANY, "pref", "pref %s", names[pref]);
    else p.uint(ANY, "pref", "%u", pref);
  }
  const ttlp = r.get("ttl_propagate") as number | undefined;
  if (ttlp !== undefined) {
    if (p.json) p.bool(JSON_ONLY, "ttl-propogate", "", !!ttlp);
    else p.fp(`ttl-propogate ${ttlp ? "enabled" : "disabled"}`);
  }
  if (nhid !== undefined && details && o.nexthops) {
    const nh = o.nexthops.get(nhid);
    if (nh) {
      p.fp(`${p.sl}\tnh_info `);
      p.openObject("nh_info");
      printNexthop(ctx, nh, { inline: true });
      p.closeObject();
    }
  }
  if (r.get("multipath") !== undefined) {
    p.openArray(JSON_ONLY, "nexthops");
    for (const hop of multipathOf(r)) {
      p.openObject(null);
      p.fp(`${p.sl}\tnexthop `);
      if (hop.gateway !== undefined) {
        if (p.json) p.str(JSON_ONLY, "gateway", "", hop.gateway);
        else p.fp(`via ${hop.gateway} `);
      }
      p.str(ANY, "dev", "dev %s ", ctx.name(hop.oif));
      p.int(ANY, "weight", "weight %d ", hop.weight);
      printRtFlags(p, hop.flags);
      p.closeObject();
    }
    p.closeArray(JSON_ONLY, null);
  }
  p.fp("\n");
  p.closeObject();
}

/** get_prefix in `family` (0: any), or its exit(1). */
function parseAddrArg(s: string, family: number) {
  const pf = parsePrefixArg(s);
  if (!pf || (family && family !== 17 && pf.family !== family)) throw badPrefix(family, s);
  return pf;
}

/** Parses the selectors of `ip route show|flush`. */
async function parseRouteFilter(ctx: Ctx, args: string[]): Promise<RouteFilter> {
  const f: RouteFilter = {
    family: ctx.opts.family === 17 ? 0 : ctx.opts.family,
    table: 254,
    cloned: false,
  };
  for (let i = 0; i < args.length; i++) {
    let a = args[i];
    const next = () => nextArg(args, i++);
    if (matches(a, "table")) {
      const t = next();
      const id = tableId(t);
      if (id !== undefined) f.table = id;
      else if (t === "all") f.table = 0;
      else if (t === "cache") f.cloned = true;
      else if (t === "help") throw usage(ROUTE_USAGE);
      else throw invarg("table id value is invalid\n", t);
    } else if (matches(a, "vrf")) throw invarg("Invalid VRF\n", next());
    else if (matches(a, "cached") || matches(a, "cloned")) f.cloned = true;
    else if (a === "tos" || matches(a, "dsfield")) {
      const t = next();
      const v = dsfieldId(t);
      if (v === undefined) throw invarg("TOS value is invalid\n", t);
      f.tos = v;
    } else if (matches(a, "protocol")) {
      const t = next();
      const v = protoId(t);
      if (v === undefined && t !== "all") throw invarg('invalid "protocol"\n', t);
      f.protocol = v;
    } else if (matches(a, "scope")) {
      const t = next();
      const v = scopeId(t);
      if (v === undefined && t !== "all") throw invarg('invalid "scope"\n', t);
      f.scope = v;
    } else if (matches(a, "type")) {
      const t = next();
      const v = rtnTypeId(t);
      if (v === undefined) throw invarg("node type value is invalid\n", t);
      (f.types ??= new Set()).add(v);
    } else if (a === "dev" || a === "oif") f.oif = await ctx.index(next());
    else if (a === "iif") f.iif = await ctx.index(next());
    else if (a === "mark") {
      const t = next();
      f.mark = getU32(t);
      if (f.mark === undefined) throw invarg("invalid mark value", t);
    } else if (matches(a, "metric") || matches(a, "priority") || a === "preference") {
      const t = next();
      f.metric = getU32(t);
      if (f.metric === undefined) throw invarg('"metric" value is invalid\n', t);
    } else if (a === "via") {
      let t = next();
      let fam = f.family;
      if (t === "inet" || t === "inet6") {
        fam = t === "inet" ? 2 : 10;
        t = next();
      }
      f.via = parseAddrArg(t, fam);
    } else if (a === "src") f.prefsrc = parseAddrArg(next(), f.family);
    else if (matches(a, "realms")) throw notSupported("ip route show realms");
    else if (matches(a, "from")) throw notSupported("ip route show from");
    else {
      if (matches(a, "to")) a = next();
      let kind = "exact";
      if (matches(a, "root")) kind = "root";
      else if (matches(a, "match")) kind = "match";
      if (kind !== "exact" || matches(a, "exact")) a = next();
      const pf = a === "default" || a === "all" || a === "any"
        ? "default"
        : parseAddrArg(a, f.family);
      if (pf !== "default" && !f.family) f.family = pf.family;
      if (kind === "root") f.rdst = pf;
      else if (kind === "match") f.mdst = pf;
      else {
        f.mdst = pf;
        f.rdst = pf;
      }
    }
  }
  if (!f.family && f.table) f.family = 2;
  return f;
}

/** `ip route show`. */
async function routeShow(ctx: Ctx, args: string[]): Promise<void> {
  const f = await parseRouteFilter(ctx, args);
  await ctx.loadNames();
  let routes: Route[];
  try {
    routes = await ctx.ip.getRoutes({
      ...(f.family ? { family: f.family } : {}),
      ...(f.table ? { table: f.table } : {}),
    });
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw e;
  }
  let nexthops: Map<number, Nexthop> | undefined;
  if (ctx.opts.details && routes.some((r) => r.get("nh_id") !== undefined)) {
    nexthops = new Map();
    for (const nh of await ctx.ip.getNexthops()) {
      const id = nh.get("NHA_ID");
      if (typeof id === "number") nexthops.set(id, nh);
    }
  }
  const p = ctx.p;
  p.begin();
  let n = 0;
  for (const r of routes) {
    if (!routeMatches(r, f)) continue;
    printRoute(ctx, r, { table: f.table, types: f.types, filter: f, nexthops });
    // Large tables: write as we go rather than holding all the text.
    if (++n % 4096 === 0) ctx.emit();
  }
  p.end();
}

/** `ip route flush`. */
async function routeFlush(ctx: Ctx, args: string[]): Promise<void> {
  if (args.length === 0) throw usage('"ip route flush" requires arguments.');
  const f = await parseRouteFilter(ctx, args);
  const routes = (await ctx.ip.getRoutes({
    ...(f.family ? { family: f.family } : {}),
    ...(f.table ? { table: f.table } : {}),
  })).filter((r) => routeMatches(r, f));
  for (const r of routes) {
    const spec: RouteSpec = {
      family: r.family,
      table: routeTable(r),
      type: r.type,
      tos: r.tos,
      scope: 255,
    };
    const dst = r.get("dst") as string | undefined;
    spec.dst = dst !== undefined ? `${dst}/${r.dst_len}` : (r.family === 10 ? "::/0" : "0.0.0.0/0");
    const oif = r.get("oif") as number | undefined;
    if (oif !== undefined) spec.oif = oif;
    const gw = r.get("gateway") as string | undefined;
    if (gw !== undefined) spec.gateway = gw;
    const prio = r.get("priority") as number | undefined;
    if (prio !== undefined) spec.priority = prio;
    try {
      await ctx.ip.route("del", spec);
    } catch (e) {
      if (e instanceof NetlinkError && e.code === "ESRCH") continue;
      if (e instanceof NetlinkError) throw kernelError(e);
      throw e;
    }
  }
}

/** `ip route get ADDR [from ADDR] [iif DEV] [oif DEV] [mark N] [tos T]`. */
async function routeGet(ctx: Ctx, args: string[]): Promise<void> {
  const spec: RouteSpec = {};
  let dst: string | undefined;
  let family = ctx.opts.family === 17 ? 0 : ctx.opts.family;
  let idev: string | undefined, odev: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => nextArg(args, i++);
    if (a === "tos" || matches(a, "dsfield")) {
      const v = next();
      const t = dsfieldId(v);
      if (t === undefined) throw invarg("TOS value is invalid\n", v);
      spec.tos = t;
    } else if (matches(a, "from")) {
      const v = next();
      if (matches(v, "help")) throw usage(ROUTE_USAGE);
      const pf = parseAddrArg(v, family);
      if (!family) family = pf.family;
      spec.src = v;
    } else if (matches(a, "iif")) idev = next();
    else if (matches(a, "mark")) {
      const v = next();
      const m = getU32(v);
      if (m === undefined) throw invarg("invalid mark value", v);
      spec.mark = m;
    } else if (matches(a, "oif") || a === "dev") odev = next();
    else if (matches(a, "notify") || matches(a, "connected")) {
      throw notSupported(`ip route get ${a}`);
    } else if (matches(a, "vrf")) throw invarg("Invalid VRF\n", next());
    else if (matches(a, "uid")) {
      const v = next();
      const u = getU32(v);
      if (u === undefined) throw invarg("invalid UID\n", v);
      spec.uid = u;
    } else if (matches(a, "fibmatch")) spec.fibmatch = true;
    else if (a === "as" || matches(a, "sport") || matches(a, "dport") || matches(a, "ipproto")) {
      throw notSupported(`ip route get ${a}`);
    } else {
      let v = a;
      if (a === "to") v = next();
      if (matches(v, "help")) throw usage(ROUTE_USAGE);
      const pf = parseAddrArg(v, family);
      if (!family) family = pf.family;
      dst = v;
    }
  }
  if (dst === undefined) throw fail("need at least a destination address");
  if (idev !== undefined) spec.iif = await ctx.index(idev);
  if (odev !== undefined) spec.oif = await ctx.index(odev);
  spec.dst = dst;
  await ctx.loadNames();
  let replies: Route[];
  try {
    replies = await ctx.ip.route("get", spec);
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw e;
  }
  const p = ctx.p;
  p.begin();
  for (const r of replies) printRoute(ctx, r, { table: 0 });
  p.end();
}

const ROUTE_USAGE = `Usage: ip route { list | flush } SELECTOR
       ip route get ADDRESS
                            [ from ADDRESS iif STRING ]
                            [ oif STRING ] [ tos TOS ]
                            [ mark NUMBER ]
       ip route { add | del | change | append | replace } ROUTE
SELECTOR := [ root PREFIX ] [ match PREFIX ] [ exact PREFIX ]
            [ table TABLE_ID ] [ proto RTPROTO ]
            [ type TYPE ] [ scope SCOPE ]
ROUTE := NODE_SPEC [ INFO_SPEC ]
NODE_SPEC := [ TYPE ] PREFIX [ tos TOS ]
             [ table TABLE_ID ] [ proto RTPROTO ]
             [ scope SCOPE ] [ metric METRIC ]
INFO_SPEC := { NH | nhid ID } OPTIONS FLAGS [ nexthop NH ]...
NH := [ via ADDRESS ] [ dev STRING ] [ weight NUMBER ] NHFLAGS
OPTIONS := FLAGS [ mtu NUMBER ] [ advmss NUMBER ]
           [ rtt TIME ] [ rttvar TIME ] [ reordering NUMBER ]
           [ window NUMBER ] [ cwnd NUMBER ] [ initcwnd NUMBER ]
           [ ssthresh NUMBER ] [ src ADDRESS ]
           [ rto_min TIME ] [ hoplimit NUMBER ] [ initrwnd NUMBER ]
           [ quickack BOOL ] [ congctl NAME ] [ pref PREF ]
TYPE := { unicast | local | broadcast | multicast | throw |
          unreachable | prohibit | blackhole | nat }
TABLE_ID := [ local | main | default | all | NUMBER ]
SCOPE := [ host | link | global | NUMBER ]
NHFLAGS := [ onlink | pervasive ]
RTPROTO := [ kernel | boot | static | NUMBER ]
PREF := [ low | medium | high ]
TIME := NUMBER[s|ms]
BOOL := [1|0]`;

/** get_time_rtt: milliseconds and whether no unit was given (then the value is sent as is). */
function timeArg(v: string, what: string): { ms: number; raw: boolean } {
  const m = /^\s*\+?(\d+(?:\.\d*)?|0x[0-9a-f]+)(s|sec|secs|ms|msec|msecs)?$/i.exec(v);
  if (!m) throw invarg(`"${what}" value is invalid\n`, v);
  const n = m[1].startsWith("0x") ? parseInt(m[1], 16) : Number(m[1]);
  const unit = m[2]?.toLowerCase();
  if (unit === undefined) return { ms: Math.trunc(n), raw: true };
  return { ms: Math.trunc(unit.startsWith("s") ? n * 1000 : n), raw: false };
}

/** Metric keywords of `ip route add` in iproute2's order: word, whole-word?, RTAX name. */
const METRICS: readonly [string, boolean, string][] = [
  ["mtu", true, "mtu"],
  ["hoplimit", true, "hoplimit"],
  ["advmss", true, "advmss"],
  ["reordering", false, "reordering"],
  ["rtt", true, "rtt"],
  ["rto_min", true, "rto_min"],
  ["window", false, "window"],
  ["cwnd", false, "cwnd"],
  ["initcwnd", false, "initcwnd"],
  ["initrwnd", false, "initrwnd"],
  ["features", false, "features"],
  ["quickack", false, "quickack"],
  ["congctl", false, "cc_algo"],
  ["rttvar", false, "rttvar"],
  ["ssthresh", false, "ssthresh"],
];

/** RTAX numbers of the metrics that can be locked. */
const RTAX: Record<string, number> = {
  mtu: 2,
  window: 3,
  rtt: 4,
  rttvar: 5,
  ssthresh: 6,
  cwnd: 7,
  advmss: 8,
  reordering: 9,
  hoplimit: 10,
  initcwnd: 11,
  rto_min: 13,
  initrwnd: 14,
  cc_algo: 16,
};

/** The metric keyword `a` selects, in iproute2's order among the route keywords around it. */
function metricWord(a: string): [string, string] | undefined {
  for (const [word, exact, lib] of METRICS) {
    if (exact ? a === word : matches(a, word)) return [word, lib];
  }
  return undefined;
}

/** get_rt_realms_or_raw: "[FROM/]TO" realm names or numbers, or one raw u32. */
function realmsArg(v: string): number | undefined {
  const one = (x: string) => (x === "" ? 0 : realmId(x));
  if (!v.includes("/")) {
    const raw = getU32(v);
    if (raw !== undefined) return raw;
    const to = one(v);
    return to !== undefined && to <= 0xffff ? to : undefined;
  }
  const [from, to] = v.split("/", 2);
  const f = one(from), t = one(to);
  if (f === undefined || t === undefined || f > 0xffff || t > 0xffff) return undefined;
  return ((f << 16) | t) >>> 0;
}

/** `ip route add|del|replace|change|append|prepend|test ROUTE`, parsed as iproute_modify. */
async function routeModify(
  ctx: Ctx,
  cmd: "add" | "del" | "replace" | "change" | "append",
  args: string[],
): Promise<void> {
  const spec: RouteSpec = {};
  let family = ctx.opts.family === 17 ? 0 : ctx.opts.family;
  const metrics: Record<string, number | string> = {};
  let lock = 0;
  let flags = 0;
  let gwOk = false;
  let dstOk = false;
  let dev: string | undefined;
  let hopArgs: string[] | undefined;
  const addrOf = (v: string, fam: number) => {
    const pf = parsePrefixArg(v);
    if (!pf || v.includes("/") || (fam && pf.family !== fam)) throw badPrefix(fam, v, "address");
    if (!family) family = pf.family;
    return pf;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => nextArg(args, i++);
    const mx = metricWord(a);
    if (a === "src") spec.prefsrc = (addrOf(next(), family), args[i]);
    else if (a === "as") throw notSupported("ip route add as");
    else if (a === "via") {
      if (gwOk) throw invarg("use nexthop syntax to specify multiple via\n", a);
      gwOk = true;
      let v = next();
      let fam = family;
      if (v === "inet" || v === "inet6") {
        fam = v === "inet" ? 2 : 10;
        v = next();
      }
      addrOf(v, fam);
      spec.gateway = v;
    } else if (a === "from") {
      const v = next();
      const pf = parsePrefixArg(v);
      if (!pf || (family && pf.family !== family)) throw badPrefix(family, v);
      if (!family) family = pf.family;
      spec.src = v.includes("/") ? v : `${v}/${pf.len}`;
    } else if (a === "tos" || matches(a, "dsfield")) {
      const v = next();
      const t = dsfieldId(v);
      if (t === undefined) throw invarg('"tos" value is invalid\n', v);
      spec.tos = t;
    } else if (a === "expires") {
      const v = next();
      const e = getU32(v);
      if (e === undefined) throw invarg('"expires" value is invalid\n', v);
      spec.expires = e;
    } else if (matches(a, "metric") || matches(a, "priority") || a === "preference") {
      const v = next();
      const m = getU32(v);
      if (m === undefined) throw invarg('"metric" value is invalid\n', v);
      spec.priority = m;
    } else if (a === "scope") {
      const v = next();
      const sc = scopeId(v);
      if (sc === undefined) throw invarg('invalid "scope" value\n', v);
      spec.scope = sc;
    } else if (mx) {
      const [word, lib] = mx;
      let v = next();
      if (v === "lock" && word !== "rto_min" && word !== "features" && word !== "quickack") {
        lock |= 1 << RTAX[lib];
        v = next();
      }
      if (word === "rto_min") lock |= 1 << RTAX[lib];
      if (word === "rtt" || word === "rttvar" || word === "rto_min") {
        const t = timeArg(v, word);
        metrics[lib] = t.raw || word === "rto_min" ? t.ms : t.ms * (word === "rtt" ? 8 : 4);
      } else if (word === "congctl") metrics[lib] = v;
      else if (word === "features") {
        if (v !== "ecn") throw invarg('"features" value not valid\n', v);
        metrics[lib] = 1;
      } else {
        const n = getU32(v);
        const name = word === "advmss" ? "mss" : word;
        if (n === undefined || (word === "hoplimit" && n > 255)) {
          throw invarg(`"${name}" value is invalid\n`, v);
        }
        if (word === "quickack" && n > 1) throw invarg('"quickack" value should be 0 or 1\n', v);
        metrics[lib] = n;
      }
    } else if (matches(a, "realms")) {
      const v = next();
      const r = realmsArg(v);
      if (r === undefined) throw invarg('"realm" value is invalid\n', v);
      spec.flow = r;
    } else if (a === "onlink") flags |= 4;
    else if (a === "nexthop") {
      hopArgs = args.slice(i);
      break;
    } else if (a === "nhid") {
      const v = next();
      const id = getU32(v);
      if (id === undefined) throw invarg('"id" value is invalid\n', v);
      spec.nh_id = id;
    } else if (matches(a, "protocol")) {
      const v = next();
      const pr = protoId(v);
      if (pr === undefined) throw invarg('"protocol" value is invalid\n', v);
      spec.proto = pr;
    } else if (matches(a, "table")) {
      const v = next();
      const t = tableId(v);
      if (t === undefined) throw invarg('"table" value is invalid\n', v);
      spec.table = t;
    } else if (matches(a, "vrf")) throw invarg("Invalid VRF\n", next());
    else if (a === "dev" || a === "oif") dev = next();
    else if (matches(a, "pref")) {
      const v = next();
      const prefs: Record<string, number> = { low: 3, medium: 0, high: 1 };
      const pr = prefs[v] ?? getU32(v);
      if (pr === undefined || pr > 255) throw invarg('"pref" value is invalid\n', v);
      spec.pref = pr;
    } else if (a === "encap" || a === "ttl-propagate") throw notSupported(`ip route add ${a}`);
    else if (matches(a, "fastopen_no_cookie")) {
      const v = next();
      const n = getU32(v);
      if (n === undefined) throw invarg('"fastopen_no_cookie" value is invalid\n', v);
      if (n > 1) throw invarg('"fastopen_no_cookie" value should be 0 or 1\n', v);
      metrics.fastopen_no_cookie = n;
    } else {
      let d = a;
      if (d === "to") d = next();
      const type = /^[0-9]/.test(d) ? undefined : rtnTypeId(d);
      if (type !== undefined) {
        d = next();
        spec.type = type;
      }
      if (matches(d, "help")) throw usage(ROUTE_USAGE);
      if (dstOk) throw duparg2("to", d);
      if (d === "default" || d === "all" || d === "any") {
        spec.dst = "default";
      } else {
        const pf = parsePrefixArg(d);
        if (!pf || (family && pf.family !== family)) throw badPrefix(family, d);
        if (!family) family = pf.family;
        spec.dst = d;
      }
      dstOk = true;
    }
  }
  if (!dstOk) throw usage(ROUTE_USAGE);
  if (dev !== undefined) spec.oif = await ctx.index(dev);
  if (hopArgs) spec.multipath = await parseNexthops(ctx, hopArgs, family);
  if (spec.dst === "default") spec.dst = family === 10 ? "::/0" : "0.0.0.0/0";
  if (family) spec.family = family;
  if (lock) metrics.lock = lock;
  if (Object.keys(metrics).length) spec.metrics = metrics;
  if (flags) spec.flags = flags;
  await ctx.change({ obj: "route", cmd, spec });
}

/** parse_nexthops: `nexthop [via A] [dev D] [weight W] [onlink] …` to the end of the line. */
async function parseNexthops(
  ctx: Ctx,
  args: string[],
  family: number,
): Promise<NonNullable<RouteSpec["multipath"]>[number][]> {
  const hops: NonNullable<RouteSpec["multipath"]>[number][] = [];
  let i = 0;
  while (i < args.length) {
    if (args[i] !== "nexthop") {
      throw fail(`Error: "nexthop" or end of line is expected instead of "${args[i]}"`);
    }
    if (++i >= args.length) throw fail('Error: unexpected end of line after "nexthop"');
    const hop: NonNullable<RouteSpec["multipath"]>[number] = {};
    let flags = 0;
    for (; i < args.length && args[i] !== "nexthop"; i++) {
      const b = args[i];
      const next = () => nextArg(args, i++);
      if (b === "via") {
        let v = next();
        let fam = family;
        if (v === "inet" || v === "inet6") {
          fam = v === "inet" ? 2 : 10;
          v = next();
        }
        const pf = parsePrefixArg(v);
        if (!pf || v.includes("/") || (fam && pf.family !== fam)) {
          throw badPrefix(fam, v, "address");
        }
        hop.gateway = v;
      } else if (b === "dev") {
        const d = next();
        hop.oif = await ctx.index(d);
      } else if (b === "weight") {
        const v = next();
        const w = getU32(v);
        if (w === undefined || w < 1 || w > 256) throw invarg('"weight" is invalid\n', v);
        hop.weight = w;
      } else if (b === "onlink") flags |= 4;
      else if (matches(b, "realms")) {
        const v = next();
        const r = realmsArg(v);
        if (r === undefined) throw invarg('"realm" value is invalid\n', v);
        (hop as Record<string, unknown>).flow = r;
      } else throw fail(`Error: "nexthop" or end of line is expected instead of "${b}"`);
    }
    if (flags) hop.flags = flags;
    hops.push(hop);
  }
  return hops;
}

/** `ip route` verbs in iproute2's order (do_iproute). */
export const ROUTE_VERBS: VerbTable = {
  object: "route",
  verbs: [
    ["add", (ctx, args) => routeModify(ctx, "add", args)],
    ["change", (ctx, args) => routeModify(ctx, "change", args)],
    ["chg", (ctx, args) => routeModify(ctx, "change", args), "exact"],
    ["replace", (ctx, args) => routeModify(ctx, "replace", args)],
    ["prepend", null],
    ["append", (ctx, args) => routeModify(ctx, "append", args)],
    ["test", null],
    ["delete", (ctx, args) => routeModify(ctx, "del", args)],
    ["list", routeShow],
    ["show", routeShow],
    ["lst", routeShow],
    ["get", routeGet],
    ["flush", routeFlush],
    ["save", null],
    ["restore", null],
    ["showdump", null],
    ["help", () => Promise.reject(usage(ROUTE_USAGE))],
  ],
  none: routeShow,
};

/** `ip route …`. */
export async function doRoute(ctx: Ctx, args: string[]): Promise<void> {
  await dispatch(ctx, args, ROUTE_VERBS);
}
