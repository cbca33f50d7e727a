/**
 * Conntrack tuples in the short form people write (pyroute2's `NFCTAttrTuple` fields: `saddr`,
 * `daddr`, `proto`, `sport`, `dport`, `icmp_*`), to and from the kernel's nested `CTA_TUPLE_*`
 * attributes; status bits and labels by name.
 *
 * @module
 */

import { describeValue, parseIp } from "../../netlink/addr.ts";
import { checkInt } from "../../netlink/encoder.ts";
import { checkKeys, KeySet, REFUSE_UNDEFINED } from "../../netlink/strict.ts";
import { AttrView } from "../../netlink/view.ts";
import { CTA_FILTER_F, IPS } from "./schema.ts";
import type { StatusName } from "./schema.ts";

/** Layer-4 protocol numbers by name (the ones conntrack tracks). */
export const IPPROTO = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  dccp: 33,
  gre: 47,
  icmpv6: 58,
  sctp: 132,
  udplite: 136,
} as const;

/** A protocol name of {@link IPPROTO}. */
export type ProtoName = keyof typeof IPPROTO;

/** One direction of a connection, in short form. Every field is optional in filters. */
export interface CtTuple {
  /** Source address (IPv4 or IPv6 text). */
  saddr?: string;
  /** Destination address. */
  daddr?: string;
  /** Layer-4 protocol: a name of {@link IPPROTO} or a number. */
  proto?: ProtoName | number;
  /** Source port (TCP, UDP, SCTP, DCCP, UDP-Lite). */
  sport?: number;
  /** Destination port. */
  dport?: number;
  /** ICMP/ICMPv6 identifier. */
  icmp_id?: number;
  /** ICMP/ICMPv6 type. */
  icmp_type?: number;
  /** ICMP/ICMPv6 code. */
  icmp_code?: number;
  /** The zone of this direction (`CTA_TUPLE_ZONE`, for direction-specific zones). */
  zone?: number;
}

const TUPLE_KEYS = new KeySet(
  "tuple field",
  [
    "saddr",
    "daddr",
    "proto",
    "sport",
    "dport",
    "icmp_id",
    "icmp_type",
    "icmp_code",
    "zone",
  ],
  {},
  REFUSE_UNDEFINED,
);

/** A protocol number from a name or number; TypeError naming `field` otherwise. */
export function protoNumber(v: unknown, field: string): number {
  if (typeof v === "string") {
    if (Object.hasOwn(IPPROTO, v)) return IPPROTO[v as ProtoName];
    throw new TypeError(
      `${field}: unknown protocol ${JSON.stringify(v)} (one of ${
        Object.keys(IPPROTO).join(", ")
      }, or a number)`,
    );
  }
  return checkInt(v, "u8", field);
}

/** The name of protocol number `n`, or `n` when it has none here. */
export function protoName(n: number): ProtoName | number {
  for (const [k, v] of Object.entries(IPPROTO)) if (v === n) return k as ProtoName;
  return n;
}

/** A tuple's attributes (`CTA_TUPLE_*` values by short name), its family and filter flags. */
export interface EncodedTuple {
  /** Values for the CTA_TUPLE schema. */
  attrs: Record<string, unknown>;
  /** 2 (IPv4) or 10 (IPv6) when an address says so. */
  family?: number;
  /** The CTA_FILTER_F_* bits of the fields given. */
  flags: number;
}

const HAS_PORTS = new Set<number>([6, 17, 33, 132, 136]);

/**
 * Encodes a tuple given in short form ({@link CtTuple}), or as a view or object in the kernel's
 * nested form (`{ ip: { v4_src }, proto: { num } }`, what a dumped entry's `tuple_orig` holds).
 * `exact` demands what the kernel needs to find one connection (both addresses and the
 * protocol); otherwise any subset filters.
 */
export function encodeTuple(value: unknown, field: string, exact: boolean): EncodedTuple {
  if (value instanceof AttrView) value = value.toJSON();
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${field}: expected a tuple object, got ${describeValue(value)}`);
  }
  const v = value as Record<string, unknown>;
  if (typeof v.ip === "object" || typeof v.proto === "object") return nestedTuple(v, field, exact);
  checkKeys(v, TUPLE_KEYS, field, `${field}.`);
  const out: Record<string, unknown> = {};
  let flags = 0;
  let family: number | undefined;
  const ip: Record<string, unknown> = {};
  for (
    const [key, bit, dir] of [["saddr", CTA_FILTER_F.IP_SRC, "src"], [
      "daddr",
      CTA_FILTER_F.IP_DST,
      "dst",
    ]] as const
  ) {
    if (v[key] === undefined) continue;
    const bytes = parseIp(v[key], `${field}.${key}`);
    const fam = bytes.length === 4 ? 2 : 10;
    if (family !== undefined && family !== fam) {
      throw new TypeError(`${field}: saddr and daddr are of different address families`);
    }
    family = fam;
    ip[`${fam === 2 ? "v4" : "v6"}_${dir}`] = bytes;
    flags |= bit;
  }
  if (Object.keys(ip).length > 0) out.ip = ip;
  const proto: Record<string, unknown> = {};
  if (v.proto !== undefined) {
    proto.num = protoNumber(v.proto, `${field}.proto`);
    flags |= CTA_FILTER_F.PROTO_NUM;
  }
  const num = proto.num as number | undefined;
  if (v.sport !== undefined || v.dport !== undefined) {
    if (num === undefined) throw new TypeError(`${field}: ports need proto`);
    if (!HAS_PORTS.has(num)) {
      throw new TypeError(`${field}: protocol ${String(v.proto)} has no ports`);
    }
    if (v.sport !== undefined) {
      proto.src_port = checkInt(v.sport, "be16", `${field}.sport`);
      flags |= CTA_FILTER_F.PROTO_SRC_PORT;
    }
    if (v.dport !== undefined) {
      proto.dst_port = checkInt(v.dport, "be16", `${field}.dport`);
      flags |= CTA_FILTER_F.PROTO_DST_PORT;
    }
  }
  const icmp = [v.icmp_id, v.icmp_type, v.icmp_code].some((x) => x !== undefined);
  if (icmp) {
    if (num !== 1 && num !== 58) {
      throw new TypeError(`${field}: icmp_* fields need proto icmp or icmpv6`);
    }
    const six = num === 58;
    const pre = six ? "icmpv6" : "icmp";
    if (v.icmp_id !== undefined) {
      proto[`${pre}_id`] = checkInt(v.icmp_id, "be16", `${field}.icmp_id`);
      flags |= six ? CTA_FILTER_F.PROTO_ICMPV6_ID : CTA_FILTER_F.PROTO_ICMP_ID;
    }
    if (v.icmp_type !== undefined) {
      proto[`${pre}_type`] = checkInt(v.icmp_type, "u8", `${field}.icmp_type`);
      flags |= six ? CTA_FILTER_F.PROTO_ICMPV6_TYPE : CTA_FILTER_F.PROTO_ICMP_TYPE;
    }
    if (v.icmp_code !== undefined) {
      proto[`${pre}_code`] = checkInt(v.icmp_code, "u8", `${field}.icmp_code`);
      flags |= six ? CTA_FILTER_F.PROTO_ICMPV6_CODE : CTA_FILTER_F.PROTO_ICMP_CODE;
    }
  }
  if (Object.keys(proto).length > 0) out.proto = proto;
  if (v.zone !== undefined) {
    out.zone = checkInt(v.zone, "be16", `${field}.zone`);
    flags |= CTA_FILTER_F.TUPLE_ZONE;
  }
  if (exact) {
    if (v.saddr === undefined || v.daddr === undefined) {
      throw new TypeError(`${field}: saddr and daddr are needed to name one connection`);
    }
    if (num === undefined) throw new TypeError(`${field}: proto is needed to name one connection`);
    if (HAS_PORTS.has(num) && (v.sport === undefined || v.dport === undefined)) {
      throw new TypeError(`${field}: sport and dport are needed for ${String(v.proto)}`);
    }
    if (
      (num === 1 || num === 58) &&
      (v.icmp_type === undefined || v.icmp_code === undefined || v.icmp_id === undefined)
    ) {
      throw new TypeError(`${field}: icmp_type, icmp_code and icmp_id are needed for ICMP`);
    }
  }
  return { attrs: out, family, flags };
}

/** A tuple in the kernel's nested form, passed through (its family read from the addresses). */
function nestedTuple(v: Record<string, unknown>, field: string, exact: boolean): EncodedTuple {
  const ip = (v.ip ?? {}) as Record<string, unknown>;
  const family = "v6_src" in ip || "v6_dst" in ip
    ? 10
    : "v4_src" in ip || "v4_dst" in ip
    ? 2
    : undefined;
  if (exact && (family === undefined || typeof v.proto !== "object")) {
    throw new TypeError(`${field}: ip and proto are needed to name one connection`);
  }
  return { attrs: v, family, flags: 0 };
}

/** A tuple view (`CTA_TUPLE_*`) in short form. */
export function decodeTuple(view: AttrView | undefined): CtTuple | undefined {
  if (!view) return undefined;
  const out: CtTuple = {};
  const ip = view.get("ip") as AttrView | undefined;
  if (ip) {
    const s = ip.get("v4_src") ?? ip.get("v6_src");
    const d = ip.get("v4_dst") ?? ip.get("v6_dst");
    if (s !== undefined) out.saddr = s as string;
    if (d !== undefined) out.daddr = d as string;
  }
  const p = view.get("proto") as AttrView | undefined;
  if (p) {
    const num = p.get("num") as number | undefined;
    if (num !== undefined) out.proto = protoName(num);
    const sport = p.get("src_port"), dport = p.get("dst_port");
    if (sport !== undefined) out.sport = sport as number;
    if (dport !== undefined) out.dport = dport as number;
    const six = num === 58;
    const id = p.get(six ? "icmpv6_id" : "icmp_id");
    const type = p.get(six ? "icmpv6_type" : "icmp_type");
    const code = p.get(six ? "icmpv6_code" : "icmp_code");
    if (id !== undefined) out.icmp_id = id as number;
    if (type !== undefined) out.icmp_type = type as number;
    if (code !== undefined) out.icmp_code = code as number;
  }
  const zone = view.get("zone");
  if (zone !== undefined) out.zone = zone as number;
  return out;
}

/** Status bits from names (`["ASSURED", "SEEN_REPLY"]`) or a number; TypeError naming `field`. */
export function statusBits(v: unknown, field: string): number {
  if (typeof v === "number") return checkInt(v, "u32", field);
  if (!Array.isArray(v)) {
    throw new TypeError(`${field}: expected status names or a number, got ${describeValue(v)}`);
  }
  let bits = 0;
  v.forEach((name, i) => {
    if (typeof name !== "string" || !Object.hasOwn(IPS, name)) {
      throw new TypeError(
        `${field}[${i}]: unknown status ${describeValue(name)} (one of ${
          Object.keys(IPS).join(", ")
        })`,
      );
    }
    bits |= IPS[name as StatusName];
  });
  return bits >>> 0;
}

/** The names of the status bits set in `n`, lowest bit first. */
export function statusNames(n: number): StatusName[] {
  const out: StatusName[] = [];
  for (const [k, bit] of Object.entries(IPS)) if (n & bit) out.push(k as StatusName);
  return out;
}

/** Label bytes (`CTA_LABELS`, 16 bytes: 128 bits) from bit numbers or bytes. */
export function labelBytes(v: unknown, field: string): Uint8Array {
  if (v instanceof Uint8Array) {
    if (v.length === 0 || v.length % 4 !== 0 || v.length > 16) {
      throw new RangeError(`${field}: expected 4, 8, 12 or 16 bytes, got ${v.length}`);
    }
    return v;
  }
  if (!Array.isArray(v)) {
    throw new TypeError(`${field}: expected label bit numbers or bytes, got ${describeValue(v)}`);
  }
  const out = new Uint8Array(16);
  v.forEach((bit, i) => {
    const b = checkInt(bit, "u8", `${field}[${i}]`);
    if (b > 127) throw new RangeError(`${field}[${i}]: label bits are 0..127, got ${b}`);
    out[b >> 3] |= 1 << (b & 7);
  });
  return out;
}

/** The label bit numbers set in label bytes. */
export function labelBits(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length * 8; i++) if (bytes[i >> 3] & (1 << (i & 7))) out.push(i);
  return out;
}
