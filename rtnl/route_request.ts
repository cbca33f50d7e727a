/**
 * Route requests: a route spec checked (pyroute2's forms read first) and encoded, alone
 * ({@link buildRoute}) or straight into a batch's buffer ({@link appendRoute}). Defaults follow
 * iproute2 (`proto boot`, scope `link` for a route without a gateway, table `main`; `get` asks
 * for the table the route was found in, RTM_F_LOOKUP_TABLE).
 *
 * @module
 */

import { describeValue, parseIp } from "../netlink/addr.ts";
import { NLM_F, NLMSG_HDRLEN } from "../netlink/constants.ts";
import { Arena, writeAttr, writeAttrs, Writer, writeStruct } from "../netlink/encoder.ts";
import { structSize } from "../netlink/schema.ts";
import { AF, RT_SCOPE, RTM, RTN, RTPROT } from "./constants.ts";
import type { Built, RtnlCore } from "./core.ts";
import { ROUTE_MESSAGE, RTA, RTAX, RTM_F, RTNEXTHOP } from "./schemas/route.ts";
import { RTNH_F } from "./schemas/nexthop.ts";
import { readAttrForms } from "./compat.ts";
import { checkKeys, KeySet } from "../netlink/strict.ts";
import { protoId, routeTypeId, scopeId, tableId } from "./names.ts";
import {
  bool,
  commandOf,
  familyOf,
  flagsOf,
  indexNow,
  indexRef,
  PREFIX_GIVEN,
  prefixOf,
  uint,
  writePrefix,
} from "./spec.ts";
import type { IndexRef } from "./spec.ts";
import type { NextHopSpec, RouteCommand, RouteSpec, Seg6Encap } from "./route.ts";

/** Flag names a route's header takes: RTNH_F_* (onlink…) and RTM_F_* (notify, …). */
const ROUTE_FLAGS: Readonly<Record<string, number>> = { ...RTNH_F, ...RTM_F };

/**
 * pyroute2's forms of a route spec, read: a raw `attrs` list and RTA_* keys (the spec keys of
 * the same attributes), and keys whose value is `null` left out (pyroute2's `gateway=None`).
 */
function readRouteCompat(spec: RouteSpec): RouteSpec {
  const s = readAttrForms(spec, RTA, KNOWN) as Record<string, unknown>;
  if (s === null || typeof s !== "object" || Array.isArray(s)) return s as RouteSpec;
  let nulls = false;
  for (const k in s) if (s[k] === null) nulls = true;
  if (!nulls) return s as RouteSpec;
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== null)) as RouteSpec;
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
  "metric",
  "proto",
  "scope",
  "type",
  "family",
  "tos",
  "metrics",
  "multipath",
  "nh_id",
  "mark",
  "uid",
  "flags",
  "flow",
  "pref",
  "expires",
  "encap",
  "fibmatch",
]);

/** Throws unless `spec` is an object of route spec keys (naming the first unknown one). */
export function checkRouteSpec(spec: unknown): void {
  checkKeys(readRouteCompat(spec as RouteSpec), ROUTE_KEYS, "spec");
}

/** KNOWN and pyroute2's `mask` (an alias of `dst_len`). */
const ROUTE_KEYS = new KeySet("route attribute", KNOWN, { mask: "dst_len" });

const COMMANDS: Record<RouteCommand, readonly [number, number]> = {
  add: [RTM.NEWROUTE, NLM_F.CREATE | NLM_F.EXCL],
  replace: [RTM.NEWROUTE, NLM_F.CREATE | NLM_F.REPLACE],
  change: [RTM.NEWROUTE, NLM_F.REPLACE],
  append: [RTM.NEWROUTE, NLM_F.CREATE | NLM_F.APPEND],
  del: [RTM.DELROUTE, 0],
  get: [RTM.GETROUTE, 0],
};

const DESCRIBE: Readonly<Record<RouteCommand, string>> = {
  add: "route add",
  replace: "route replace",
  change: "route change",
  append: "route append",
  del: "route del",
  get: "route get",
};

const SEG6_MODES = { inline: 0, encap: 1, l2encap: 2, "encap.red": 3, "l2encap.red": 4 } as const;
const PREF = { medium: 0, high: 1, low: 3 } as const;

const SEG6_KEYS = new KeySet("encap attribute", ["type", "mode", "segs"]);

/**
 * Encodes a seg6 encapsulation spec into RTA_ENCAP/NHA_ENCAP attributes: `{ srh }`, a
 * `struct seg6_iptunnel_encap` with its segment routing header. Throws naming `field`.
 */
export function encodeSeg6(encap: unknown, field: string): Record<string, unknown> {
  if (typeof encap !== "object" || encap === null || Array.isArray(encap)) {
    throw new TypeError(`${field}: expected { type: "seg6", mode, segs }`);
  }
  const e = encap as Partial<Seg6Encap>;
  checkKeys(e, SEG6_KEYS, field, `${field}.`);
  if (e.type !== "seg6") {
    throw new TypeError(`${field}.type: only "seg6" encapsulation is supported`);
  }
  const mode = Object.hasOwn(SEG6_MODES, e.mode ?? "encap")
    ? SEG6_MODES[(e.mode ?? "encap") as keyof typeof SEG6_MODES]
    : undefined;
  if (mode === undefined) {
    throw new TypeError(
      `${field}.mode: unknown seg6 mode ${describeValue(e.mode)} (${
        Object.keys(SEG6_MODES).join(", ")
      })`,
    );
  }
  if (!Array.isArray(e.segs) || e.segs.length === 0) {
    throw new TypeError(`${field}.segs: expected a non-empty list of IPv6 addresses`);
  }
  if (e.segs.length > 127) throw new RangeError(`${field}.segs: more than 127 segments`);
  const segs = e.segs.map((s, i) => {
    const b = parseIp(s, `${field}.segs[${i}]`);
    if (b.length !== 16) throw new TypeError(`${field}.segs[${i}]: expected an IPv6 address`);
    return b;
  });
  // seg6_iptunnel_encap { int mode; struct ipv6_sr_hdr srh; }: segments in reverse order.
  const srhLen = 8 + 16 * segs.length;
  const b = new Uint8Array(4 + srhLen);
  new DataView(b.buffer).setInt32(0, mode, true);
  b[4] = 0; // nexthdr
  b[5] = (srhLen >> 3) - 1; // hdrlen in 8-octet units, not counting the first 8
  b[6] = 4; // type: segment routing
  b[7] = segs.length - 1; // segments_left
  b[8] = segs.length - 1; // first_segment
  segs.forEach((s, i) => b.set(s, 12 + 16 * (segs.length - 1 - i)));
  return { srh: b };
}

interface HopPlan {
  flags: number;
  weight: number;
  oif?: IndexRef;
  attrs: Record<string, unknown>;
}

/** The keys of a next hop (`hops` is pyroute2's weight − 1). */
const HOP_KEYS: ReadonlySet<string> = new Set([
  "gateway",
  "oif",
  "weight",
  "hops",
  "flags",
  "encap",
]);
const HOP_KEY_SET = new KeySet("next hop attribute", HOP_KEYS);

function planMultipath(
  core: RtnlCore,
  hops: unknown,
  fam: { f?: number },
): HopPlan[] {
  if (!Array.isArray(hops) || hops.length === 0) {
    throw new TypeError("multipath: expected a non-empty array of next hops");
  }
  return hops.map((hop, i) => {
    const field = `multipath[${i}]`;
    if (typeof hop !== "object" || hop === null || Array.isArray(hop)) {
      throw new TypeError(`${field}: expected an object, got ${describeValue(hop)}`);
    }
    hop = readAttrForms(hop, RTA, HOP_KEYS, `${field}.`);
    checkKeys(hop, HOP_KEY_SET, field, `${field}.`);
    const h = hop as NextHopSpec;
    if (h.hops !== undefined) {
      if (h.weight !== undefined && h.weight !== h.hops + 1) {
        throw new TypeError(`${field}.hops: contradicts weight (hops is weight − 1)`);
      }
      h.weight = uint(h.hops, "u8", `${field}.hops`) + 1;
    }
    const attrs: Record<string, unknown> = {};
    if (h.gateway !== undefined) {
      const g = prefixOf(h.gateway, `${field}.gateway`, fam);
      if (g.hasPrefix) throw new TypeError(`${field}.gateway: a gateway has no prefix length`);
      attrs.gateway = g.bytes;
    }
    if (h.encap !== undefined) {
      attrs.encap = encodeSeg6(h.encap, `${field}.encap`);
      attrs.encap_type = 5;
    }
    const weight = h.weight ?? 1;
    if (typeof weight !== "number" || !Number.isInteger(weight)) {
      throw new TypeError(`${field}.weight: expected an integer, got ${describeValue(weight)}`);
    }
    if (weight < 1 || weight > 256) {
      throw new RangeError(`${field}.weight: ${weight} is out of range 1..256`);
    }
    const oif = h.oif !== undefined ? indexRef(core, h.oif, `${field}.oif`) : undefined;
    if (h.gateway === undefined && oif === undefined) {
      throw new TypeError(`${field}: a next hop needs a gateway or an oif`);
    }
    const flags = h.flags !== undefined ? flagsOf(h.flags, RTNH_F, `${field}.flags`, 0xff) : 0;
    return { flags, weight, oif, attrs };
  });
}

/** Encodes `struct rtnexthop` entries (each followed by its attributes) for RTA_MULTIPATH. */
async function encodeMultipath(plan: HopPlan[]): Promise<Uint8Array> {
  const w = new Writer(64);
  for (const [i, hop] of plan.entries()) {
    const at = w.reserve(structSize(RTNEXTHOP));
    const ifindex = hop.oif ? await hop.oif() : 0;
    const head = { len: 0, flags: hop.flags, hops: hop.weight - 1, ifindex };
    writeStruct(w, at, RTNEXTHOP, head, `multipath[${i}]`);
    writeAttrs(w, RTA, hop.attrs, "multipath");
    head.len = w.length - at;
    writeStruct(w, at, RTNEXTHOP, head, `multipath[${i}]`);
  }
  return w.finish();
}

function checkMetrics(metrics: unknown): Record<string, unknown> {
  if (typeof metrics !== "object" || metrics === null || Array.isArray(metrics)) {
    throw new TypeError(`metrics: expected an object, got ${describeValue(metrics)}`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metrics)) {
    const name = k === "congctl" ? "cc_algo" : k;
    const def = RTAX.byName.get(name);
    if (!def) throw new TypeError(`metrics.${k}: unknown route metric`);
    if (v === undefined) continue;
    if (def.name === "cc_algo") {
      if (typeof v !== "string" || v === "") {
        throw new TypeError(`metrics.${k}: expected a congestion control name`);
      }
      out.cc_algo = v;
    } else if (def.name === "lock" && typeof v !== "number") {
      // Locked metrics by name: { lock: ["mtu"] } sets bit RTAX_MTU.
      if (!Array.isArray(v)) {
        throw new TypeError(`metrics.lock: expected metric names or a bit mask`);
      }
      let mask = 0;
      for (const [i, n] of v.entries()) {
        const d = typeof n === "string" ? RTAX.byName.get(n) : undefined;
        if (!d || d.name === "lock") {
          throw new TypeError(`metrics.lock[${i}]: unknown route metric ${describeValue(n)}`);
        }
        mask |= 1 << d.type;
      }
      out.lock = mask >>> 0;
    } else out[def.name] = uint(v, "u32", `metrics.${k}`);
  }
  return out;
}

/**
 * Builds a route request in a buffer of its own (a batch appends to its arena with
 * {@link appendRoute}). Every check runs before interface names are looked up.
 */
export function buildRoute(
  core: RtnlCore,
  cmd: RouteCommand,
  spec: RouteSpec,
): Built<typeof ROUTE_MESSAGE> | Promise<Built<typeof ROUTE_MESSAGE>> {
  solo.length = 0;
  const r = appendRoute(core, cmd, spec, solo);
  if (typeof r !== "number") return r;
  return { bytes: solo.finish(), schema: ROUTE_MESSAGE, describe: DESCRIBE[cmd] };
}

// The writer a request built alone is encoded in (then copied out, exactly sized).
const solo = new Writer(1024);

// RTA_* types (and the codecs of the nests), looked up once.
const A = (name: string) => RTA.byName.get(name)!;
const RTA_METRICS = A("metrics"), RTA_ENCAP = A("encap");
const [RTA_DST, RTA_SRC, RTA_IIF, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC] = [
  "dst",
  "src",
  "iif",
  "oif",
  "gateway",
  "priority",
  "prefsrc",
].map((n) => A(n).type);
const [RTA_MULTIPATH, RTA_FLOW, RTA_TABLE, RTA_MARK, RTA_PREF, RTA_ENCAP_TYPE] = [
  "multipath",
  "flow",
  "table",
  "mark",
  "pref",
  "encap_type",
].map((n) => A(n).type);
const [RTA_EXPIRES, RTA_UID, RTA_NH_ID] = ["expires", "uid", "nh_id"].map((n) => A(n).type);
const HDR = NLMSG_HDRLEN;
const RTMSG_SIZE = structSize(ROUTE_MESSAGE.header);
// RTA_ENCAP's codec is chosen by its sibling RTA_ENCAP_TYPE.
const SEG6_SIBLINGS = { encap_type: 5 };

/**
 * Encodes a route request after what `w` holds, written as it is checked: no object per
 * attribute or field (a batch of 10k routes allocated ~2 KB a route before). Returns where it
 * starts (it ends at `w.length`); or, when interface names must be looked up or next hops
 * resolved, a promise of the request, appended to `w` once they are (in a batch, after the
 * requests queued meanwhile). On an error `w` is left as it was. The attributes go in this
 * order: dst, src, gateway, prefsrc, priority, nh_id, mark, uid, flow, expires, pref, metrics,
 * encap, encap_type, table, multipath, oif, iif.
 */
export function appendRoute(
  core: RtnlCore,
  cmd: RouteCommand,
  spec: RouteSpec,
  w: Writer,
): number | Promise<Built<typeof ROUTE_MESSAGE>> {
  const [msgType, nlflags] = commandOf(cmd, COMMANDS, "route");
  spec = readRouteCompat(spec);
  checkKeys(spec, ROUTE_KEYS, "spec");
  if (spec.mask !== undefined) {
    if (spec.dst_len !== undefined && spec.dst_len !== spec.mask) {
      throw new TypeError("mask: contradicts dst_len");
    }
    const { mask, ...rest } = spec;
    spec = { ...rest, dst_len: mask };
  }
  const start = w.length;
  try {
    return writeRoute(core, cmd, spec, w, start, msgType, nlflags);
  } catch (e) {
    w.length = start;
    throw e;
  }
}

function writeRoute(
  core: RtnlCore,
  cmd: RouteCommand,
  spec: RouteSpec,
  w: Writer,
  start: number,
  msgType: number,
  nlflags: number,
): number | Promise<Built<typeof ROUTE_MESSAGE>> {
  const fam: { f?: number } = {};
  if (spec.family !== undefined) fam.f = familyOf(spec.family);
  if (spec.dst === undefined) {
    throw new TypeError(`dst: required (a prefix, an address, or "default")`);
  }
  // nlmsghdr and rtmsg first (zeroed; their fields are known at the end), then each attribute
  // as soon as it is checked.
  const at = w.reserve(HDR + RTMSG_SIZE);
  w.u8.fill(0, at, at + HDR + RTMSG_SIZE);
  let dstLen = 0, srcLen = 0;
  if (spec.dst !== "default") {
    const before = w.length;
    const d = writePrefix(w, RTA_DST, spec.dst, "dst", fam);
    dstLen = d & 0xff;
    if (spec.dst_len !== undefined) {
      const bits = (d >> 9) * 8;
      dstLen = uint(spec.dst_len, "u8", "dst_len");
      if (dstLen > bits) throw new RangeError(`dst_len: ${dstLen} is out of range 0..${bits}`);
      if (d & PREFIX_GIVEN && dstLen !== (d & 0xff)) {
        throw new TypeError("dst_len: contradicts the prefix in dst");
      }
    }
    // A zero-length dst is left out (but for a get).
    if (dstLen === 0 && cmd !== "get") w.length = before;
  } else if (spec.dst_len !== undefined && spec.dst_len !== 0) {
    throw new RangeError(`dst_len: the default route has prefix length 0`);
  }
  if (spec.src !== undefined) {
    const s = prefixOf(spec.src, "src", fam);
    if (cmd === "get" && s.hasPrefix) {
      throw new TypeError("src: get takes a source address, no prefix");
    }
    srcLen = s.prefixlen;
    w.attrBytes(RTA_SRC, s.bytes);
  }
  const gateway = spec.gateway !== undefined;
  if (gateway && writePrefix(w, RTA_GATEWAY, spec.gateway, "gateway", fam) & PREFIX_GIVEN) {
    throw new TypeError("gateway: a gateway has no prefix length");
  }
  if (spec.prefsrc !== undefined) {
    const s = prefixOf(spec.prefsrc, "prefsrc", fam);
    if (s.hasPrefix) throw new TypeError("prefsrc: a source address has no prefix length");
    w.attrBytes(RTA_PREFSRC, s.bytes);
  }
  const plan = spec.multipath !== undefined ? planMultipath(core, spec.multipath, fam) : undefined;
  if (plan && gateway) {
    throw new TypeError("gateway: give either gateway or multipath, not both");
  }
  // Interfaces are checked now; a name is looked up last. An index is used as it is.
  const oif = spec.oif !== undefined ? indexNow(core, spec.oif, "oif") : undefined;
  const iif = spec.iif !== undefined ? indexNow(core, spec.iif, "iif") : undefined;
  if (spec.priority !== undefined && spec.metric !== undefined && spec.priority !== spec.metric) {
    throw new TypeError("metric: contradicts priority");
  }
  const priority = spec.priority ?? spec.metric;
  if (priority !== undefined) {
    const field = spec.priority !== undefined ? "priority" : "metric";
    w.attrU32(RTA_PRIORITY, uint(priority, "u32", field));
  }
  const nhId = spec.nh_id !== undefined;
  if (nhId) {
    const id = uint(spec.nh_id, "u32", "nh_id");
    if (id === 0) throw new RangeError("nh_id: 0 is not a nexthop id");
    if (plan || gateway || spec.oif !== undefined) {
      throw new TypeError("nh_id: a nexthop id excludes gateway, oif and multipath");
    }
    w.attrU32(RTA_NH_ID, id);
  }
  if (spec.mark !== undefined) w.attrU32(RTA_MARK, uint(spec.mark, "u32", "mark"));
  if (spec.uid !== undefined) w.attrU32(RTA_UID, uint(spec.uid, "u32", "uid"));
  if (spec.flow !== undefined) w.attrU32(RTA_FLOW, uint(spec.flow, "u32", "flow"));
  if (spec.expires !== undefined) w.attrU32(RTA_EXPIRES, uint(spec.expires, "u32", "expires"));
  if (spec.pref !== undefined) {
    const p = typeof spec.pref === "string" && Object.hasOwn(PREF, spec.pref)
      ? PREF[spec.pref as keyof typeof PREF]
      : typeof spec.pref === "number"
      ? uint(spec.pref, "u8", "pref")
      : undefined;
    if (p === undefined) {
      throw new TypeError(
        `pref: expected "low", "medium" or "high", got ${describeValue(spec.pref)}`,
      );
    }
    w.attrU8(RTA_PREF, p);
  }
  if (spec.metrics !== undefined) {
    writeAttr(w, RTA_METRICS.type, RTA_METRICS.codec, checkMetrics(spec.metrics), "metrics");
  }
  const encap = spec.encap !== undefined;
  if (encap) {
    const e = encodeSeg6(spec.encap, "encap");
    writeAttr(w, RTA_ENCAP.type, RTA_ENCAP.codec, e, "encap", SEG6_SIBLINGS);
    w.attrU16(RTA_ENCAP_TYPE, 5); // LWTUNNEL_ENCAP_SEG6
  }
  const table = spec.table !== undefined ? tableId(spec.table) : cmd === "get" ? 0 : 254;
  // Past 255 the id is in RTA_TABLE and rtm_table is RT_TABLE_UNSPEC.
  if (table > 255) w.attrU32(RTA_TABLE, table);
  // A deletion without a type matches a route of any type (RTN_UNSPEC), as in iproute2.
  const type = spec.type !== undefined
    ? routeTypeId(spec.type)
    : cmd === "get" || cmd === "del"
    ? RTN.unspec
    : RTN.unicast;
  // Default scopes as iproute2 picks them (IPv6 routes are always universe).
  const scope = spec.scope !== undefined
    ? scopeId(spec.scope)
    : fam.f === AF.INET6
    ? RT_SCOPE.universe
    : cmd === "del"
    ? RT_SCOPE.nowhere
    : cmd === "get"
    ? 0
    : type === RTN.local || type === RTN.nat
    ? RT_SCOPE.host
    : type === RTN.broadcast || type === RTN.multicast || type === RTN.anycast
    ? RT_SCOPE.link
    : type === RTN.unicast && !gateway && !plan && !nhId
    ? RT_SCOPE.link
    : RT_SCOPE.universe;
  const proto = spec.proto !== undefined
    ? protoId(spec.proto)
    : cmd === "del" || cmd === "get"
    ? 0
    : RTPROT.boot;
  // Numbers, or names of RTNH_F_* (pyroute2's `flags: ["onlink"]`) and RTM_F_* bits.
  let flags = spec.flags !== undefined ? flagsOf(spec.flags, ROUTE_FLAGS, "flags") : 0;
  if (cmd === "get") {
    // IPv6 accepts only RTM_F_FIB_MATCH on a get ("Invalid flags for get route request"); its
    // replies name the real table anyway.
    if (fam.f !== AF.INET6) flags |= RTM_F.lookup_table;
    if (spec.fibmatch !== undefined && bool(spec.fibmatch, "fibmatch")) flags |= RTM_F.fib_match;
  } else if (spec.fibmatch !== undefined) {
    throw new TypeError("fibmatch: only for get");
  }
  const tos = spec.tos !== undefined ? uint(spec.tos, "u8", "tos") : 0;
  if (
    msgType === RTM.NEWROUTE && type === RTN.unicast && !gateway && !plan && !nhId &&
    oif === undefined && !encap
  ) {
    throw new TypeError("gateway: a unicast route needs a gateway, an oif, multipath or nh_id");
  }
  const u8 = w.u8;
  w.dv.setUint16(at + 4, msgType, true);
  w.dv.setUint16(at + 6, nlflags, true);
  const h = at + HDR;
  u8[h] = fam.f ?? AF.INET;
  u8[h + 1] = dstLen;
  u8[h + 2] = srcLen;
  u8[h + 3] = tos;
  u8[h + 4] = table > 255 ? 0 : table;
  u8[h + 5] = proto;
  u8[h + 6] = scope;
  u8[h + 7] = type;
  w.dv.setUint32(h + 8, flags, true);
  // Checks done: what remains is next hops and interface names, looked up now, in order
  // (next hops, oif, iif), each after the one before.
  let o: number | Promise<number> | undefined | typeof LATER = LATER;
  let i: number | Promise<number> | undefined | typeof LATER = LATER;
  if (plan === undefined) {
    o = typeof oif === "function" ? oif() : oif;
    if (!(o instanceof Promise)) {
      i = typeof iif === "function" ? iif() : iif;
      if (!(i instanceof Promise)) {
        if (o !== undefined) w.attrU32(RTA_OIF, o);
        if (i !== undefined) w.attrU32(RTA_IIF, i);
        w.dv.setUint32(at, w.length - at, true);
        return start;
      }
    }
  }
  // The part written so far waits in a copy; the whole request is appended once it is known
  // (to a batch's buffer after the requests queued meanwhile, or to a buffer of its own).
  const head = w.u8.slice(at, w.length);
  w.length = start;
  const out = w === solo ? new Writer(head.length + 64) : w;
  return (async () => {
    const multipath = plan ? await encodeMultipath(plan) : undefined;
    const oi = o !== LATER ? await o : typeof oif === "function" ? await oif() : oif;
    const ii = i !== LATER ? await i : typeof iif === "function" ? await iif() : iif;
    const to = out.reserve(head.length);
    out.u8.set(head, to);
    if (multipath) out.attrBytes(RTA_MULTIPATH, multipath);
    if (oi !== undefined) out.attrU32(RTA_OIF, oi);
    if (ii !== undefined) out.attrU32(RTA_IIF, ii);
    out.dv.setUint32(to, out.length - to, true);
    // A batch's requests are views of its arena; a request alone gets its own exact copy.
    const bytes = out instanceof Arena ? out.bytes(to, out.length) : out.u8.slice(to, out.length);
    return { bytes, schema: ROUTE_MESSAGE, describe: DESCRIBE[cmd] };
  })();
}

/** A value not computed yet (an interface looked up after those before it). */
const LATER: unique symbol = Symbol("later");
