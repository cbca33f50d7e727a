/**
 * The identities IPDB keys the kernel's objects by. One set of functions serves the store (which
 * event updates or removes which entry), the commit protocol (is the target there?) and
 * `db.verify()` (does the database hold what a fresh dump holds?), so the three cannot disagree.
 *
 * Routes follow the kernel's FIB:
 * - A route belongs to a **group**: family, table, destination prefix, TOS, metric and (IPv6)
 *   source prefix. `ip route add` refuses a second route in a group; `append`, `prepend` and the
 *   kernel itself (an address's prefix route on two links) put several routes in one.
 * - Within its group a route is told apart by its **body**. IPv4 keeps one entry per distinct
 *   route (a `fib_alias` with its `fib_info`): type, protocol, scope, preferred source, metrics
 *   and next hops (device, gateway, realm, encapsulation, onlink) or a nexthop object. IPv6 keeps
 *   one entry per next hop (device and gateway) or nexthop object, and shows next hops with
 *   gateways sharing a group as one multipath route.
 * - Flags the kernel changes without an event (a next hop going dead or link-down, offload
 *   marks) are no part of the identity; neither is what a nexthop object expands to.
 *
 * @module
 */

import { formatHex, formatIp } from "../netlink/addr.ts";
import { align4 } from "../netlink/constants.ts";
import type { Addr } from "../rtnl/addr.ts";
import type { Route } from "../rtnl/route.ts";
import type { Rule } from "../rtnl/rule.ts";

const AF_INET = 2;
const AF_INET6 = 10;
const RTM_F_CLONED = 0x200;
/** RTNH_F_PERVASIVE | RTNH_F_ONLINK: next-hop flags that are configuration, not state. */
const STATIC_NH_FLAGS = 0x06;
const RTA_DST = 1;
const RTA_SRC = 2;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_PRIORITY = 6;
const RTA_PREFSRC = 7;
const RTA_METRICS = 8;
const RTA_MULTIPATH = 9;
const RTA_FLOW = 11;
const RTA_TABLE = 15;
const RTA_VIA = 18;
const RTA_ENCAP_TYPE = 21;
const RTA_ENCAP = 22;
const RTA_NH_ID = 30;

/**
 * The fields of a route message that identify it, read from its bytes in one pass without
 * allocating (offsets into `u8`; -1 when absent). Reused: `read()` overwrites every field.
 */
export class RouteScan {
  /** The message's bytes. */
  u8: Uint8Array = new Uint8Array(0);
  /** nlmsg_flags of the message (NLM_F_REPLACE/APPEND/EXCL tell where an event put it). */
  nlFlags = 0;
  /** rtm_family. */
  family = 0;
  /** rtm_dst_len. */
  dstLen = 0;
  /** rtm_src_len. */
  srcLen = 0;
  /** rtm_tos. */
  tos = 0;
  /** Table (RTA_TABLE, else the header's). */
  table = 0;
  /** rtm_protocol. */
  proto = 0;
  /** rtm_scope. */
  scope = 0;
  /** rtm_type. */
  type = 0;
  /** rtm_flags. */
  flags = 0;
  /** RTA_PRIORITY (0 when absent). */
  priority = 0;
  /** RTA_OIF (0 when absent). */
  oif = 0;
  /** RTA_FLOW (0 when absent). */
  flow = 0;
  /** RTA_ENCAP_TYPE (0 when absent). */
  encapType = 0;
  /** RTA_NH_ID (0 when absent). */
  nhId = 0;
  /** Payload offset and length of RTA_DST. */
  dstOff = -1;
  dstBytes = 0;
  srcOff = -1;
  srcBytes = 0;
  gwOff = -1;
  gwBytes = 0;
  viaOff = -1;
  viaBytes = 0;
  prefsrcOff = -1;
  prefsrcBytes = 0;
  metricsOff = -1;
  metricsBytes = 0;
  mpOff = -1;
  mpBytes = 0;
  encapOff = -1;
  encapBytes = 0;

  /** Reads the route message at `off` of a datagram. */
  read(dv: DataView, u8: Uint8Array, off: number): this {
    const end = off + dv.getUint32(off, true);
    const h = off + 16;
    this.u8 = u8;
    this.nlFlags = dv.getUint16(off + 6, true);
    this.family = u8[h];
    this.dstLen = u8[h + 1];
    this.srcLen = u8[h + 2];
    this.tos = u8[h + 3];
    this.table = u8[h + 4];
    this.proto = u8[h + 5];
    this.scope = u8[h + 6];
    this.type = u8[h + 7];
    this.flags = h + 12 <= end ? dv.getUint32(h + 8, true) : 0;
    this.priority =
      this.oif =
      this.flow =
      this.encapType =
      this.nhId =
        0;
    this.dstOff =
      this.srcOff =
      this.gwOff =
      this.viaOff =
      this.prefsrcOff =
        -1;
    this.metricsOff = this.mpOff = this.encapOff = -1;
    this.dstBytes =
      this.srcBytes =
      this.gwBytes =
      this.viaBytes =
      this.prefsrcBytes =
        0;
    this.metricsBytes = this.mpBytes = this.encapBytes = 0;
    for (let p = h + 12; p + 4 <= end;) {
      const len = dv.getUint16(p, true);
      if (len < 4 || p + len > end) break;
      const n = len - 4, v = p + 4;
      switch (dv.getUint16(p + 2, true) & 0x3fff) {
        case RTA_DST:
          this.dstOff = v, this.dstBytes = n;
          break;
        case RTA_SRC:
          this.srcOff = v, this.srcBytes = n;
          break;
        case RTA_OIF:
          if (n >= 4) this.oif = dv.getUint32(v, true);
          break;
        case RTA_GATEWAY:
          this.gwOff = v, this.gwBytes = n;
          break;
        case RTA_PRIORITY:
          if (n >= 4) this.priority = dv.getUint32(v, true);
          break;
        case RTA_PREFSRC:
          this.prefsrcOff = v, this.prefsrcBytes = n;
          break;
        case RTA_METRICS:
          this.metricsOff = v, this.metricsBytes = n;
          break;
        case RTA_MULTIPATH:
          this.mpOff = v, this.mpBytes = n;
          break;
        case RTA_FLOW:
          if (n >= 4) this.flow = dv.getUint32(v, true);
          break;
        case RTA_TABLE:
          if (n >= 4) this.table = dv.getUint32(v, true);
          break;
        case RTA_VIA:
          this.viaOff = v, this.viaBytes = n;
          break;
        case RTA_ENCAP_TYPE:
          if (n >= 2) this.encapType = dv.getUint16(v, true);
          break;
        case RTA_ENCAP:
          this.encapOff = v, this.encapBytes = n;
          break;
        case RTA_NH_ID:
          if (n >= 4) this.nhId = dv.getUint32(v, true);
          break;
      }
      p += align4(len);
    }
    return this;
  }

  /** Whether the kernel marked it a cloned (cache) entry, which IPDB does not keep. */
  get cloned(): boolean {
    return (this.flags & RTM_F_CLONED) !== 0;
  }

  /** Whether it is an IPv6 route that can share its group with others as one multipath route. */
  get ecmp6(): boolean {
    return this.family === AF_INET6 && this.nhId === 0 && (this.gwOff >= 0 || this.mpOff >= 0);
  }
}

function addrBytes(family: number): number {
  return family === AF_INET ? 4 : 16;
}

/** Bytes equal, absent and missing bytes reading as zeros over `n` bytes. */
function padEqual(
  a: Uint8Array,
  ao: number,
  an: number,
  b: Uint8Array,
  bo: number,
  bn: number,
  n: number,
): boolean {
  for (let i = 0; i < n; i++) {
    const x = ao >= 0 && i < an ? a[ao + i] : 0;
    const y = bo >= 0 && i < bn ? b[bo + i] : 0;
    if (x !== y) return false;
  }
  return true;
}

/** Byte ranges equal (both absent, or same length and bytes). */
function rangeEqual(a: Uint8Array, ao: number, an: number, b: Uint8Array, bo: number, bn: number) {
  if ((ao < 0) !== (bo < 0)) return false;
  if (ao < 0) return true;
  if (an !== bn) return false;
  for (let i = 0; i < an; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

/**
 * FNV-1a over family, table, prefix length and destination bytes: the hash of a route's
 * destination, shared by every route of its groups.
 */
export function destHash(
  family: number,
  table: number,
  dstLen: number,
  u8: Uint8Array | undefined,
  dstOff: number,
  dstBytes: number,
): number {
  let h = 0x811c9dc5;
  h = Math.imul(h ^ family, 0x01000193);
  h = Math.imul(h ^ (table & 0xff), 0x01000193);
  h = Math.imul(h ^ (table >>> 8), 0x01000193);
  h = Math.imul(h ^ dstLen, 0x01000193);
  const n = addrBytes(family);
  for (let i = 0; i < n; i++) {
    const b = u8 && dstOff >= 0 && i < dstBytes ? u8[dstOff + i] : 0;
    h = Math.imul(h ^ b, 0x01000193);
  }
  return h >>> 0;
}

/** Same family, table and destination prefix. */
export function sameDest(a: RouteScan, b: RouteScan): boolean {
  return a.family === b.family && a.table === b.table && a.dstLen === b.dstLen &&
    padEqual(a.u8, a.dstOff, a.dstBytes, b.u8, b.dstOff, b.dstBytes, addrBytes(a.family));
}

/** Same group: destination, TOS, metric and source prefix (where `ip route add` says EEXIST). */
export function sameGroup(a: RouteScan, b: RouteScan): boolean {
  return sameDest(a, b) && a.tos === b.tos && a.priority === b.priority &&
    a.srcLen === b.srcLen &&
    padEqual(a.u8, a.srcOff, a.srcBytes, b.u8, b.srcOff, b.srcBytes, addrBytes(a.family));
}

/** Compares two RTA_MULTIPATH payloads hop by hop in order, ignoring next-hop state flags. */
function hopsEqualInOrder(a: RouteScan, b: RouteScan): boolean {
  if ((a.mpOff < 0) !== (b.mpOff < 0)) return false;
  if (a.mpOff < 0) return true;
  if (a.mpBytes !== b.mpBytes) return false;
  const x = a.u8, y = b.u8;
  let p = a.mpOff, q = b.mpOff;
  const pe = a.mpOff + a.mpBytes;
  while (p + 8 <= pe) {
    const len = x[p] | (x[p + 1] << 8);
    if (len < 8 || p + len > pe) break;
    if ((y[q] | (y[q + 1] << 8)) !== len) return false;
    if ((x[p + 2] & STATIC_NH_FLAGS) !== (y[q + 2] & STATIC_NH_FLAGS)) return false;
    for (let i = 3; i < len; i++) if (x[p + i] !== y[q + i]) return false;
    const step = align4(len);
    p += step;
    q += step;
  }
  return true;
}

/** One IPv6 next hop: device and gateway bytes (offset into the message, -1 when none). */
interface Hop6 {
  oif: number;
  gwOff: number;
  gwBytes: number;
}

/** The next hops of an IPv6 route: its RTA_MULTIPATH hops, or its own device and gateway. */
function hops6(s: RouteScan): Hop6[] {
  if (s.mpOff < 0) return [{ oif: s.oif, gwOff: s.gwOff, gwBytes: s.gwBytes }];
  const out: Hop6[] = [];
  const u8 = s.u8, end = s.mpOff + s.mpBytes;
  for (let p = s.mpOff; p + 8 <= end;) {
    const len = u8[p] | (u8[p + 1] << 8);
    if (len < 8 || p + len > end) break;
    const oif = (u8[p + 4] | (u8[p + 5] << 8) | (u8[p + 6] << 16) | (u8[p + 7] << 24)) >>> 0;
    let gwOff = -1, gwBytes = 0;
    for (let a = p + 8; a + 4 <= p + len;) {
      const al = u8[a] | (u8[a + 1] << 8);
      if (al < 4 || a + al > p + len) break;
      if (((u8[a + 2] | (u8[a + 3] << 8)) & 0x3fff) === RTA_GATEWAY) {
        gwOff = a + 4;
        gwBytes = al - 4;
      }
      a += align4(al);
    }
    out.push({ oif, gwOff, gwBytes });
    p += align4(len);
  }
  return out;
}

function hopEqual(x: Uint8Array, h: Hop6, y: Uint8Array, k: Hop6): boolean {
  return h.oif === k.oif && rangeEqual(x, h.gwOff, h.gwBytes, y, k.gwOff, k.gwBytes);
}

/** The IPv6 next hops of `a` that `b` also has (as indexes into hops6(a)). */
export function sharedHops6(a: RouteScan, b: RouteScan): number[] {
  const ha = hops6(a), hb = hops6(b);
  const out: number[] = [];
  for (let i = 0; i < ha.length; i++) {
    if (hb.some((k) => hopEqual(a.u8, ha[i], b.u8, k))) out.push(i);
  }
  return out;
}

/** Number of next hops of an IPv6 route. */
export function hopCount6(s: RouteScan): number {
  return s.mpOff < 0 ? 1 : hops6(s).length;
}

/**
 * Same route within a group (see the module documentation): the kernel's identity of a route,
 * used to match events, deletions and dumps to the entries of the store.
 */
export function sameBody(a: RouteScan, b: RouteScan): boolean {
  if (a.nhId !== 0 || b.nhId !== 0) {
    if (a.nhId !== b.nhId) return false;
    if (a.family === AF_INET6) return true;
    return a.proto === b.proto && a.scope === b.scope &&
      rangeEqual(a.u8, a.prefsrcOff, a.prefsrcBytes, b.u8, b.prefsrcOff, b.prefsrcBytes) &&
      rangeEqual(a.u8, a.metricsOff, a.metricsBytes, b.u8, b.metricsOff, b.metricsBytes);
  }
  if (a.family === AF_INET6) {
    const ha = hops6(a), hb = hops6(b);
    if (ha.length !== hb.length) return false;
    return ha.every((h) => hb.some((k) => hopEqual(a.u8, h, b.u8, k)));
  }
  return a.type === b.type && a.proto === b.proto && a.scope === b.scope &&
    (a.flags & STATIC_NH_FLAGS) === (b.flags & STATIC_NH_FLAGS) && a.oif === b.oif &&
    a.flow === b.flow && a.encapType === b.encapType &&
    rangeEqual(a.u8, a.gwOff, a.gwBytes, b.u8, b.gwOff, b.gwBytes) &&
    rangeEqual(a.u8, a.viaOff, a.viaBytes, b.u8, b.viaOff, b.viaBytes) &&
    rangeEqual(a.u8, a.prefsrcOff, a.prefsrcBytes, b.u8, b.prefsrcOff, b.prefsrcBytes) &&
    rangeEqual(a.u8, a.metricsOff, a.metricsBytes, b.u8, b.metricsOff, b.metricsBytes) &&
    rangeEqual(a.u8, a.encapOff, a.encapBytes, b.u8, b.encapOff, b.encapBytes) &&
    hopsEqualInOrder(a, b);
}

/** Same route: same group and same body. */
export function sameRoute(a: RouteScan, b: RouteScan): boolean {
  return sameGroup(a, b) && sameBody(a, b);
}

function ipOrHex(u8: Uint8Array, off: number, n: number): string {
  return n === 4 || n === 16 ? formatIp(u8, off, n) : formatHex(u8, off, n);
}

/** The group of a scanned route as text: "254 10.0.0.0/24 tos 0 metric 0". */
export function groupText(s: RouteScan): string {
  const n = addrBytes(s.family);
  const dst = s.dstOff >= 0 && s.dstBytes === n
    ? formatIp(s.u8, s.dstOff, n)
    : s.family === AF_INET
    ? "0.0.0.0"
    : "::";
  let t = `${s.table} ${dst}/${s.dstLen}`;
  if (s.srcLen || s.srcOff >= 0) {
    const src = s.srcOff >= 0 && s.srcBytes === n ? formatIp(s.u8, s.srcOff, n) : "::";
    t += ` from ${src}/${s.srcLen}`;
  }
  return `${t} tos ${s.tos} metric ${s.priority}`;
}

function hopText(u8: Uint8Array, p: number, len: number): string {
  const oif = (u8[p + 4] | (u8[p + 5] << 8) | (u8[p + 6] << 16) | (u8[p + 7] << 24)) >>> 0;
  let t = `dev ${oif} weight ${u8[p + 3] + 1}`;
  const f = u8[p + 2] & STATIC_NH_FLAGS;
  if (f) t += ` flags ${f}`;
  if (len > 8) t += ` ${formatHex(u8, p + 8, len - 8)}`;
  return t;
}

/**
 * The body of a scanned route as text: equal exactly when {@link sameBody} holds for two routes
 * of one group ("type 1 proto 4 scope 0 dev 3 via 10.0.0.2", "nhid 7", …).
 */
export function bodyText(s: RouteScan): string {
  const u8 = s.u8;
  const ps = s.prefsrcOff >= 0 ? ` prefsrc ${ipOrHex(u8, s.prefsrcOff, s.prefsrcBytes)}` : "";
  const mx = s.metricsOff >= 0 ? ` metrics ${formatHex(u8, s.metricsOff, s.metricsBytes)}` : "";
  if (s.nhId !== 0) {
    if (s.family === AF_INET6) return `nhid ${s.nhId}`;
    return `nhid ${s.nhId} proto ${s.proto} scope ${s.scope}${ps}${mx}`;
  }
  if (s.family === AF_INET6) {
    const hops = hops6(s).map((h) =>
      `dev ${h.oif}${h.gwOff >= 0 ? ` via ${ipOrHex(u8, h.gwOff, h.gwBytes)}` : ""}`
    ).sort();
    return hops.length === 1 ? hops[0] : `nexthops [${hops.join(", ")}]`;
  }
  let t = `type ${s.type} proto ${s.proto} scope ${s.scope}`;
  const f = s.flags & STATIC_NH_FLAGS;
  if (f) t += ` flags ${f}`;
  t += ps + mx;
  if (s.oif) t += ` dev ${s.oif}`;
  if (s.gwOff >= 0) t += ` via ${ipOrHex(u8, s.gwOff, s.gwBytes)}`;
  if (s.viaOff >= 0) t += ` rta_via ${formatHex(u8, s.viaOff, s.viaBytes)}`;
  if (s.flow) t += ` realm ${s.flow}`;
  if (s.encapType || s.encapOff >= 0) {
    t += ` encap ${s.encapType}${
      s.encapOff >= 0 ? ` ${formatHex(u8, s.encapOff, s.encapBytes)}` : ""
    }`;
  }
  if (s.mpOff >= 0) {
    const hops: string[] = [];
    const end = s.mpOff + s.mpBytes;
    for (let p = s.mpOff; p + 8 <= end;) {
      const len = u8[p] | (u8[p + 1] << 8);
      if (len < 8 || p + len > end) break;
      hops.push(hopText(u8, p, len));
      p += align4(len);
    }
    t += ` nexthops [${hops.join(", ")}]`;
  }
  return t;
}

const KEY_SCAN = new RouteScan();

/**
 * The identity of a route message as text: its group and body
 * ("254 10.0.0.0/24 tos 0 metric 0 | type 1 proto 2 scope 253 prefsrc 10.0.0.1 dev 3").
 * Two messages have the same key exactly when the store holds them as one route.
 */
export function routeKey(v: Route): string {
  const s = KEY_SCAN.read(v.dv, v.u8, v.offset);
  return `${groupText(s)} | ${bodyText(s)}`;
}

/** The group of a route message as text (see {@link routeKey}). */
export function routeGroupKey(v: Route): string {
  return groupText(KEY_SCAN.read(v.dv, v.u8, v.offset));
}

/** The `"a/p"` key of an address message (its local address for IPv4, else its address). */
export function addrKey(v: Addr): string {
  return `${v.local ?? v.address}/${v.prefixlen}`;
}

/** A stable identity string for a rule message (every field the kernel sent). */
export function ruleKey(v: Rule): string {
  return JSON.stringify(v.toJSON());
}
