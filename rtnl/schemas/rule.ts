/**
 * Rule messages (`RTM_NEWRULE`…): `struct fib_rule_hdr` and `FRA_*` (linux/fib_rules.h).
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";

/** `struct fib_rule_hdr`. */
export const FIB_RULE_HDR = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["dst_len", "u8"],
    ["src_len", "u8"],
    ["tos", "u8"],
    ["table", "u8"],
    ["_res1", "u8"],
    ["_res2", "u8"],
    ["action", "u8"],
    ["flags", "u32"],
  ],
} as const;

/** `struct fib_rule_uid_range`. */
export const FIB_RULE_UID_RANGE = {
  kind: "struct",
  fields: [["start", "u32"], ["end", "u32"]],
} as const;

/** `struct fib_rule_port_range`. */
export const FIB_RULE_PORT_RANGE = {
  kind: "struct",
  fields: [["start", "u16"], ["end", "u16"]],
} as const;

/** `FRA_*`. */
export const FRA_TABLE = {
  FRA_DST: [1, "ipaddr"],
  FRA_SRC: [2, "ipaddr"],
  FRA_IIFNAME: [3, "string"],
  FRA_GOTO: [4, "u32"],
  FRA_PRIORITY: [6, "u32"],
  FRA_FWMARK: [10, "u32"],
  FRA_FLOW: [11, "u32"],
  FRA_TUN_ID: [12, "be64"],
  FRA_SUPPRESS_IFGROUP: [13, "u32"],
  FRA_SUPPRESS_PREFIXLEN: [14, "u32"],
  FRA_TABLE: [15, "u32"],
  FRA_FWMASK: [16, "u32"],
  FRA_OIFNAME: [17, "string"],
  FRA_PAD: [18, "binary"],
  FRA_L3MDEV: [19, "u8"],
  FRA_UID_RANGE: [20, FIB_RULE_UID_RANGE],
  FRA_PROTOCOL: [21, "u8"],
  FRA_IP_PROTO: [22, "u8"],
  FRA_SPORT_RANGE: [23, FIB_RULE_PORT_RANGE],
  FRA_DPORT_RANGE: [24, FIB_RULE_PORT_RANGE],
  FRA_DSCP: [25, "u8"],
  FRA_FLOWLABEL: [26, "be32"],
  FRA_FLOWLABEL_MASK: [27, "be32"],
  FRA_SPORT_MASK: [28, "u16"],
  FRA_DPORT_MASK: [29, "u16"],
  FRA_DSCP_MASK: [30, "u8"],
} as const;

/** The compiled FRA table. */
export const FRA: AttrSchema<"FRA_", typeof FRA_TABLE> = attrs("FRA_", FRA_TABLE);

/** The rule message schema. */
export const RULE_MESSAGE: MessageSchema<typeof FIB_RULE_HDR, typeof FRA> = message(
  "rule",
  FIB_RULE_HDR,
  FRA,
);

/** `FR_ACT_*`: what a rule does when it matches. */
export const FR_ACT = {
  unspec: 0,
  to_tbl: 1,
  goto: 2,
  nop: 3,
  res3: 4,
  res4: 5,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
} as const;

/** `FIB_RULE_*` flags of `fib_rule_hdr.flags`. */
export const FIB_RULE = {
  permanent: 0x01,
  invert: 0x02,
  unresolved: 0x04,
  iif_detached: 0x08,
  oif_detached: 0x10,
  find_saddr: 0x10000,
} as const;
