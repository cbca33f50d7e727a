/**
 * Route messages (`RTM_NEWROUTE`…): `struct rtmsg` and `RTA_*` (linux/rtnetlink.h), metrics
 * (`RTAX_*`), multipath next hops and lightweight-tunnel encapsulations.
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, Codec, MessageSchema } from "../../netlink/schema.ts";

/** `struct rtmsg`. */
export const RTMSG = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["dst_len", "u8"],
    ["src_len", "u8"],
    ["tos", "u8"],
    ["table", "u8"],
    ["proto", "u8"],
    ["scope", "u8"],
    ["type", "u8"],
    ["flags", "u32"],
  ],
} as const;

/** `RTAX_*`: route metrics. */
export const RTAX_TABLE = {
  RTAX_LOCK: [1, "u32"],
  RTAX_MTU: [2, "u32"],
  RTAX_WINDOW: [3, "u32"],
  RTAX_RTT: [4, "u32"],
  RTAX_RTTVAR: [5, "u32"],
  RTAX_SSTHRESH: [6, "u32"],
  RTAX_CWND: [7, "u32"],
  RTAX_ADVMSS: [8, "u32"],
  RTAX_REORDERING: [9, "u32"],
  RTAX_HOPLIMIT: [10, "u32"],
  RTAX_INITCWND: [11, "u32"],
  RTAX_FEATURES: [12, "u32"],
  RTAX_RTO_MIN: [13, "u32"],
  RTAX_INITRWND: [14, "u32"],
  RTAX_QUICKACK: [15, "u32"],
  RTAX_CC_ALGO: [16, "string"],
  RTAX_FASTOPEN_NO_COOKIE: [17, "u32"],
} as const;

/** The compiled RTAX table. */
export const RTAX: AttrSchema<"RTAX_", typeof RTAX_TABLE> = attrs("RTAX_", RTAX_TABLE);

/** `struct rta_cacheinfo`. */
export const RTA_CACHEINFO = {
  kind: "struct",
  fields: [
    ["rta_clntref", "u32"],
    ["rta_lastuse", "u32"],
    ["rta_expires", "s32"],
    ["rta_error", "u32"],
    ["rta_used", "u32"],
    ["rta_id", "u32"],
    ["rta_ts", "u32"],
    ["rta_tsage", "u32"],
  ],
} as const;

/** `struct rtvia` as decoded: family and address bytes. */
export const RTVIA = {
  kind: "struct",
  fields: [["family", "u16"], ["addr", "bytes[16]"]],
  size: 2,
} as const;

/** `SEG6_IPTUNNEL_*` of a seg6 encapsulation. */
export const SEG6_IPTUNNEL_TABLE = {
  SEG6_IPTUNNEL_SRH: [1, "binary"],
} as const;

/** The compiled SEG6_IPTUNNEL table. */
export const SEG6_IPTUNNEL: AttrSchema<"SEG6_IPTUNNEL_", typeof SEG6_IPTUNNEL_TABLE> = attrs(
  "SEG6_IPTUNNEL_",
  SEG6_IPTUNNEL_TABLE,
);

/** Encapsulation schemas by `RTA_ENCAP_TYPE` value (LWTUNNEL_ENCAP_*). */
export const ENCAP_BY_TYPE: Readonly<Record<string, Codec>> = {
  5: { kind: "nest", schema: (): typeof SEG6_IPTUNNEL => SEG6_IPTUNNEL },
};

/**
 * `struct rtnexthop`: one next hop of `RTA_MULTIPATH` (its attributes follow it; `len` counts
 * both). `hops` is the weight minus one.
 */
export const RTNEXTHOP = {
  kind: "struct",
  fields: [["len", "u16"], ["flags", "u8"], ["hops", "u8"], ["ifindex", "s32"]],
} as const;

/** `RTA_*`. */
export const RTA_TABLE = {
  RTA_DST: [1, "ipaddr"],
  RTA_SRC: [2, "ipaddr"],
  RTA_IIF: [3, "u32"],
  RTA_OIF: [4, "u32"],
  RTA_GATEWAY: [5, "ipaddr"],
  RTA_PRIORITY: [6, "u32"],
  RTA_PREFSRC: [7, "ipaddr"],
  RTA_METRICS: [8, { kind: "nest", schema: (): typeof RTAX => RTAX }],
  // struct rtnexthop entries: decoded by rtnl/route.ts (they are not attributes).
  RTA_MULTIPATH: [9, "binary"],
  RTA_PROTOINFO: [10, "binary"],
  RTA_FLOW: [11, "u32"],
  RTA_CACHEINFO: [12, RTA_CACHEINFO],
  RTA_SESSION: [13, "binary"],
  RTA_MP_ALGO: [14, "u32"],
  RTA_TABLE: [15, "u32"],
  RTA_MARK: [16, "u32"],
  RTA_MFC_STATS: [17, "binary"],
  RTA_VIA: [18, "binary"],
  RTA_NEWDST: [19, "binary"],
  RTA_PREF: [20, "u8"],
  RTA_ENCAP_TYPE: [21, "u16"],
  RTA_ENCAP: [22, {
    kind: "select",
    by: "encap_type",
    choices: (): typeof ENCAP_BY_TYPE => ENCAP_BY_TYPE,
  }],
  RTA_EXPIRES: [23, "u32"],
  RTA_PAD: [24, "binary"],
  RTA_UID: [25, "u32"],
  RTA_TTL_PROPAGATE: [26, "u8"],
  RTA_IP_PROTO: [27, "u8"],
  RTA_SPORT: [28, "be16"],
  RTA_DPORT: [29, "be16"],
  RTA_NH_ID: [30, "u32"],
  RTA_FLOWLABEL: [31, "be32"],
} as const;

/** The compiled RTA table. */
export const RTA: AttrSchema<"RTA_", typeof RTA_TABLE> = attrs("RTA_", RTA_TABLE);

/** The route message schema. */
export const ROUTE_MESSAGE: MessageSchema<typeof RTMSG, typeof RTA> = message("route", RTMSG, RTA);

/** `RTM_F_*`: flags of `rtmsg.flags`. */
export const RTM_F = {
  notify: 0x100,
  cloned: 0x200,
  equalize: 0x400,
  prefix: 0x800,
  lookup_table: 0x1000,
  fib_match: 0x2000,
  offload: 0x4000,
  trap: 0x8000,
  offload_failed: 0x20000000,
} as const;

/** `LWTUNNEL_ENCAP_*`: lightweight tunnel types (`RTA_ENCAP_TYPE`). */
export const LWTUNNEL_ENCAP = {
  none: 0,
  mpls: 1,
  ip: 2,
  ila: 3,
  ip6: 4,
  seg6: 5,
  bpf: 6,
  seg6_local: 7,
  rpl: 8,
  ioam6: 9,
  xfrm: 10,
} as const;
