/**
 * Nexthop objects (`RTM_NEWNEXTHOP`…): `struct nhmsg` and `NHA_*` (linux/nexthop.h).
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";

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

/** `NHA_*`. `NHA_GROUP` is an array of struct nexthop_grp, decoded by rtnl/nexthop.ts. */
export const NHA_TABLE = {
  NHA_ID: [1, "u32"],
  NHA_GROUP: [2, "binary"],
  NHA_GROUP_TYPE: [3, "u16"],
  NHA_BLACKHOLE: [4, "flag"],
  NHA_OIF: [5, "u32"],
  NHA_GATEWAY: [6, "ipaddr"],
  NHA_ENCAP_TYPE: [7, "u16"],
  NHA_ENCAP: [8, "binary"],
  NHA_GROUPS: [9, "flag"],
  NHA_MASTER: [10, "u32"],
  NHA_FDB: [11, "flag"],
  NHA_RES_GROUP: [12, "binary"],
  NHA_RES_BUCKET: [13, "binary"],
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
