/**
 * Nexthop objects (`RTM_NEWNEXTHOP`…): `struct nhmsg` and `NHA_*` (linux/nexthop.h).
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";
import { ENCAP_BY_TYPE } from "./route.ts";

/** `struct nhmsg`. */
export const NHMSG = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["scope", "u8"],
    ["protocol", "u8"],
    ["_resvd", "u8"],
    ["flags", "u32"],
  ],
} as const;

/** `NHA_RES_GROUP_*`: parameters of a resilient group. Timers are in clock ticks (USER_HZ). */
export const NHA_RES_GROUP_TABLE = {
  NHA_RES_GROUP_PAD: [0, "binary"],
  NHA_RES_GROUP_BUCKETS: [1, "u16"],
  NHA_RES_GROUP_IDLE_TIMER: [2, "u32"],
  NHA_RES_GROUP_UNBALANCED_TIMER: [3, "u32"],
  NHA_RES_GROUP_UNBALANCED_TIME: [4, "u64"],
} as const;

/** The compiled NHA_RES_GROUP table. */
export const NHA_RES_GROUP: AttrSchema<"NHA_RES_GROUP_", typeof NHA_RES_GROUP_TABLE> = attrs(
  "NHA_RES_GROUP_",
  NHA_RES_GROUP_TABLE,
);

/** `NHA_RES_BUCKET_*`: one bucket of a resilient group (bucket dumps). */
export const NHA_RES_BUCKET_TABLE = {
  NHA_RES_BUCKET_PAD: [0, "binary"],
  NHA_RES_BUCKET_INDEX: [1, "u16"],
  NHA_RES_BUCKET_IDLE_TIME: [2, "u64"],
  NHA_RES_BUCKET_NH_ID: [3, "u32"],
} as const;

/** The compiled NHA_RES_BUCKET table. */
export const NHA_RES_BUCKET: AttrSchema<"NHA_RES_BUCKET_", typeof NHA_RES_BUCKET_TABLE> = attrs(
  "NHA_RES_BUCKET_",
  NHA_RES_BUCKET_TABLE,
);

/**
 * `NHA_*`. `NHA_GROUP` is an array of `struct nexthop_grp { u32 id; u8 weight; u8 resvd1;
 * u16 resvd2; }` (weight − 1 on the wire), decoded by the `group` accessor of rtnl/nexthop.ts.
 */
export const NHA_TABLE = {
  NHA_ID: [1, "u32"],
  NHA_GROUP: [2, "binary"],
  NHA_GROUP_TYPE: [3, "u16"],
  NHA_BLACKHOLE: [4, "flag"],
  NHA_OIF: [5, "u32"],
  NHA_GATEWAY: [6, "ipaddr"],
  NHA_ENCAP_TYPE: [7, "u16"],
  NHA_ENCAP: [8, {
    kind: "select",
    by: "encap_type",
    choices: (): typeof ENCAP_BY_TYPE => ENCAP_BY_TYPE,
  }],
  NHA_GROUPS: [9, "flag"],
  NHA_MASTER: [10, "u32"],
  NHA_FDB: [11, "flag"],
  NHA_RES_GROUP: [12, { kind: "nest", schema: (): typeof NHA_RES_GROUP => NHA_RES_GROUP }],
  NHA_RES_BUCKET: [13, { kind: "nest", schema: (): typeof NHA_RES_BUCKET => NHA_RES_BUCKET }],
  NHA_OP_FLAGS: [14, "u32"],
  NHA_GROUP_STATS: [15, "binary"],
  NHA_HW_STATS_ENABLE: [16, "u32"],
  NHA_HW_STATS_USED: [17, "u32"],
} as const;

/** The compiled NHA table. */
export const NHA: AttrSchema<"NHA_", typeof NHA_TABLE> = attrs("NHA_", NHA_TABLE);

/** The nexthop message schema. */
export const NEXTHOP_MESSAGE: MessageSchema<typeof NHMSG, typeof NHA> = message(
  "nexthop",
  NHMSG,
  NHA,
);

/** `NEXTHOP_GRP_TYPE_*`: how a group spreads traffic. */
export const NEXTHOP_GRP_TYPE = { mpath: 0, resilient: 1 } as const;

/** `RTNH_F_*`: next hop flags (nhmsg flags, rtnexthop flags). */
export const RTNH_F = {
  dead: 0x01,
  pervasive: 0x02,
  onlink: 0x04,
  offload: 0x08,
  linkdown: 0x10,
  unresolved: 0x20,
  trap: 0x40,
} as const;
