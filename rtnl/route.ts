/**
 * Route verbs: `route("add" | "del" | "replace" | "change" | "append" | "get", spec)`,
 * `getRoutes(filter)`, `iterRoutes(filter)`, `flushRoutes(filter)`. Defaults follow iproute2
 * (`proto boot`, scope `link` for a route without a gateway, table `main`; `get` asks for the
 * table the route was found in, RTM_F_LOOKUP_TABLE).
 *
 * A route's `multipath` property decodes RTA_MULTIPATH into its next hops
 * (`route.multipath?.[0].gateway`); `route.get("multipath")` still gives the raw bytes.
 *
 * @module
 */

import { describeValue, formatIp, parseIp } from "../netlink/addr.ts";
import { decodeStruct, decorateView, nestView, plain } from "../netlink/view.ts";
import type { AttrView, TypedMessage } from "../netlink/view.ts";
import { align4, NLM_F, NLMSG_HDRLEN } from "../netlink/constants.ts";
import { Arena, writeAttr, writeAttrs, Writer, writeStruct } from "../netlink/encoder.ts";
import { structSize } from "../netlink/schema.ts";
import type { StructValue } from "../netlink/schema.ts";
import { NetlinkError } from "../netlink/errors.ts";
import { emptyList } from "../netlink/list.ts";
import type { MessageList } from "../netlink/list.ts";
import { AF, RT_SCOPE, RTM, RTN, RTPROT } from "./constants.ts";
import type { Built, RtnlCore } from "./core.ts";
import { ROUTE_MESSAGE, RTA, RTAX, RTM_F, RTNEXTHOP } from "./schemas/route.ts";
import { RTNH_F } from "./schemas/nexthop.ts";
import { readAttrForms } from "./compat.ts";
import { checkKeys, KeySet } from "../netlink/strict.ts";
import { protoId, routeTypeId, scopeId, tableId } from "./names.ts";
import {
  bool,
  buildMessage,
  commandOf,
  familyOf,
  flagsOf,
  indexNow,
  indexRef,
  PREFIX_GIVEN,
  prefixOf,
  uint,
  withoutSignal,
  writePrefix,
} from "./spec.ts";
import type { WithSignal } from "./spec.ts";
import { filterKeys, flushFilter, readFilter } from "./filter.ts";
import type { FilterCommon, FilterValue, FlushAll, MessageFilter } from "./filter.ts";
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
    const bytes = out instanceof Arena ? out.bytes(to, out.length) : out.finish();
    return { bytes, schema: ROUTE_MESSAGE, describe: DESCRIBE[cmd] };
  })();
}

/** A value not computed yet (an interface looked up after those before it). */
const LATER: unique symbol = Symbol("later");

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
