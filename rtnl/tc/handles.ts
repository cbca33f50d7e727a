/**
 * tc handles (`"1:10"`, `"1:"`, numbers), named parents (`root`, `ingress`, `clsact`,
 * `egress`) and link-layer protocols (`ip`, `ipv6`, `all`, …), parsed as `tc` parses them.
 *
 * @module
 */

import { describeValue } from "../../netlink/addr.ts";

/** Special handles (`TC_H_*`, linux/pkt_sched.h). */
export const TC_H = {
  UNSPEC: 0,
  ROOT: 0xffffffff,
  INGRESS: 0xfffffff1,
  CLSACT: 0xfffffff1,
  MIN_INGRESS: 0xfff2,
  MIN_EGRESS: 0xfff3,
} as const;

/** `TC_H_MAKE(maj, min)`. */
export function tcHandle(major: number, minor: number): number {
  return (((major & 0xffff) << 16) | (minor & 0xffff)) >>> 0;
}

/** `"maj:min"` text of a handle (hex, as tc prints it: `"1:10"`, `"1:"`, `"root"`). */
export function formatHandle(h: number): string {
  if (h === TC_H.ROOT) return "root";
  if (h === 0) return "none";
  const maj = h >>> 16, min = h & 0xffff;
  return `${maj.toString(16)}:${min ? min.toString(16) : ""}`;
}

function checkU32(v: number, field: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new RangeError(`${field}: handle ${v} is out of range 0..0xffffffff`);
  }
  return v;
}

const HEX = /^[0-9a-fA-F]{1,8}$/;

/**
 * A class id or handle (as `get_tc_classid`): `"1:10"` (hex parts), `"1:"`, `"root"`, `"none"`,
 * a hex string without a colon as the raw 32-bit value, or a number as is.
 */
export function parseClassid(v: unknown, field: string): number {
  if (typeof v === "number") return checkU32(v, field);
  if (typeof v !== "string") {
    throw new TypeError(`${field}: expected a handle such as "1:10", got ${describeValue(v)}`);
  }
  if (v === "root") return TC_H.ROOT;
  if (v === "none") return TC_H.UNSPEC;
  const parts = v.split(":");
  if (parts.length === 1) {
    if (!HEX.test(v)) throw new TypeError(`${field}: invalid handle ${JSON.stringify(v)}`);
    return parseInt(v, 16) >>> 0;
  }
  if (parts.length !== 2) {
    throw new TypeError(`${field}: invalid handle ${JSON.stringify(v)} (expected "major:minor")`);
  }
  const [maj, min] = parts;
  if ((maj !== "" && !HEX.test(maj)) || (min !== "" && !HEX.test(min))) {
    throw new TypeError(`${field}: invalid handle ${JSON.stringify(v)} (hex "major:minor")`);
  }
  const M = maj === "" ? 0 : parseInt(maj, 16), m = min === "" ? 0 : parseInt(min, 16);
  if (M > 0xffff || m > 0xffff) {
    throw new RangeError(`${field}: handle ${JSON.stringify(v)}: parts must be at most ffff`);
  }
  return tcHandle(M, m);
}

/** A qdisc handle (as `get_qdisc_handle`): `"1:"`, `"1"`, `"ffff:"`; a number as is (minor 0). */
export function parseQdiscHandle(v: unknown, field: string): number {
  if (typeof v === "string" && HEX.test(v)) {
    const M = parseInt(v, 16);
    if (M > 0xffff) throw new RangeError(`${field}: qdisc handle ${v} is above ffff`);
    return tcHandle(M, 0);
  }
  const h = parseClassid(v, field);
  if (h === TC_H.ROOT) throw new TypeError(`${field}: "root" is a parent, not a qdisc handle`);
  if (h & 0xffff) {
    throw new RangeError(
      `${field}: a qdisc handle has no minor number (${JSON.stringify(v)}; use "${
        (h >>> 16).toString(16)
      }:")`,
    );
  }
  return h;
}

/** What a parent is named for. */
export type ParentOf = "qdisc" | "class" | "filter";

/**
 * A parent: `"root"`, `"ingress"` and `"clsact"` (qdiscs: `TC_H_INGRESS`; filters: the
 * ingress hook `ffff:fff2`), `"egress"` (filters: `ffff:fff3`), or a class id.
 */
export function parseParent(v: unknown, field: string, of: ParentOf): number {
  if (v === "root") return TC_H.ROOT;
  if (v === "ingress") return of === "filter" ? tcHandle(0xffff, TC_H.MIN_INGRESS) : TC_H.INGRESS;
  if (v === "clsact") {
    if (of === "filter") {
      throw new TypeError(`${field}: a filter of clsact hangs on "ingress" or "egress"`);
    }
    return TC_H.CLSACT;
  }
  if (v === "egress") {
    if (of !== "filter") {
      throw new TypeError(`${field}: "egress" names a filter hook of clsact, not a ${of} parent`);
    }
    return tcHandle(0xffff, TC_H.MIN_EGRESS);
  }
  return parseClassid(v, field);
}

/** Link-layer protocol numbers by the names `tc` accepts (`ETH_P_*`). */
export const ETH_P: Readonly<Record<string, number>> = {
  all: 0x0003,
  ip: 0x0800,
  ipv4: 0x0800,
  ipv6: 0x86dd,
  arp: 0x0806,
  rarp: 0x8035,
  "802.1q": 0x8100,
  vlan: 0x8100,
  "802.1ad": 0x88a8,
  mpls_uc: 0x8847,
  mpls_mc: 0x8848,
  lldp: 0x88cc,
  pppoe_disc: 0x8863,
  pppoe_sess: 0x8864,
  ipx: 0x8137,
  loop: 0x0060,
  "802_3": 0x0001,
  "802_2": 0x0004,
};

/** A protocol name (`"ip"`, `"ipv6"`, `"all"`, `"802.1q"`, …), `"0x0800"`, or a number. */
export function parseProtocol(v: unknown, field: string): number {
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
      throw new RangeError(`${field}: protocol ${v} is out of range 0..0xffff`);
    }
    return v;
  }
  if (typeof v === "string") {
    const n = ETH_P[v.toLowerCase()];
    if (n !== undefined) return n;
    if (/^0x[0-9a-fA-F]{1,4}$/.test(v)) return parseInt(v, 16);
    throw new TypeError(
      `${field}: unknown protocol ${JSON.stringify(v)} (ip, ipv6, all, arp, 802.1q, … or a number)`,
    );
  }
  throw new TypeError(`${field}: expected a protocol such as "ip", got ${describeValue(v)}`);
}

/** The name of a protocol number (`"ip"`), or its hex. */
export function protocolName(n: number): string {
  for (const [k, v] of Object.entries(ETH_P)) {
    if (v === n && k !== "ipv4" && k !== "vlan") return k;
  }
  return `0x${n.toString(16).padStart(4, "0")}`;
}

/** `htons`. */
export function htons(n: number): number {
  return ((n & 0xff) << 8) | ((n >>> 8) & 0xff);
}
