/**
 * Traffic control messages (`RTM_NEWQDISC`, `RTM_NEWTCLASS`, `RTM_NEWTFILTER`): `struct tcmsg`
 * and `TCA_*` (linux/rtnetlink.h, linux/pkt_sched.h, linux/pkt_cls.h).
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";

/** `struct tcmsg`. */
export const TCMSG = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["_pad1", "u8"],
    ["_pad2", "u16"],
    ["index", "s32"],
    ["handle", "u32"],
    ["parent", "u32"],
    ["info", "u32"],
  ],
} as const;

/** `TCA_*` (kind-specific options are decoded by rtnl/tc/). */
export const TCA_TABLE = {
  TCA_KIND: [1, "string"],
  TCA_OPTIONS: [2, "binary"],
  TCA_STATS: [3, "binary"],
  TCA_XSTATS: [4, "binary"],
  TCA_RATE: [5, "binary"],
  TCA_FCNT: [6, "binary"],
  TCA_STATS2: [7, "binary"],
  TCA_STAB: [8, "binary"],
  TCA_PAD: [9, "binary"],
  TCA_DUMP_INVISIBLE: [10, "flag"],
  TCA_CHAIN: [11, "u32"],
  TCA_HW_OFFLOAD: [12, "u8"],
  TCA_INGRESS_BLOCK: [13, "u32"],
  TCA_EGRESS_BLOCK: [14, "u32"],
  TCA_DUMP_FLAGS: [15, "binary"],
  TCA_EXT_WARN_MSG: [16, "string"],
} as const;

/** The compiled TCA table. */
export const TCA: AttrSchema<"TCA_", typeof TCA_TABLE> = attrs("TCA_", TCA_TABLE);

/** The tc message schema. */
export const TC_MESSAGE: MessageSchema<typeof TCMSG, typeof TCA> = message("tc", TCMSG, TCA);
