/**
 * Bridge port VLANs: `IFLA_AF_SPEC` of `AF_BRIDGE` link messages holds `IFLA_BRIDGE_*`
 * (linux/if_bridge.h) instead of per-family nests. Bridge fdb entries are neighbour messages
 * (./neigh.ts).
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";
import { IFINFOMSG } from "./ifinfomsg.ts";
import { IFLA_TABLE } from "./link.ts";

/** `struct bridge_vlan_info`. */
export const BRIDGE_VLAN_INFO = {
  kind: "struct",
  fields: [["flags", "u16"], ["vid", "u16"]],
} as const;

/** `IFLA_BRIDGE_*`: the attributes of IFLA_AF_SPEC in AF_BRIDGE link messages. */
export const IFLA_BRIDGE_TABLE = {
  IFLA_BRIDGE_FLAGS: [0, "u16"],
  IFLA_BRIDGE_MODE: [1, "u16"],
  IFLA_BRIDGE_VLAN_INFO: [2, BRIDGE_VLAN_INFO],
  IFLA_BRIDGE_VLAN_TUNNEL_INFO: [3, "binary"],
  IFLA_BRIDGE_MRP: [4, "binary"],
  IFLA_BRIDGE_CFM: [5, "binary"],
  IFLA_BRIDGE_MST: [6, "binary"],
} as const;

/** The compiled IFLA_BRIDGE table. */
export const IFLA_BRIDGE: AttrSchema<"IFLA_BRIDGE_", typeof IFLA_BRIDGE_TABLE> = attrs(
  "IFLA_BRIDGE_",
  IFLA_BRIDGE_TABLE,
);

/** `IFLA_*` of AF_BRIDGE link messages: IFLA_AF_SPEC holds IFLA_BRIDGE_*. */
export const BRIDGE_IFLA_TABLE = {
  ...IFLA_TABLE,
  IFLA_AF_SPEC: [26, { kind: "nest", schema: (): typeof IFLA_BRIDGE => IFLA_BRIDGE }],
} as const;

/** The compiled BRIDGE_IFLA table. */
export const BRIDGE_IFLA: AttrSchema<"IFLA_", typeof BRIDGE_IFLA_TABLE> = attrs(
  "IFLA_",
  BRIDGE_IFLA_TABLE,
);

/** Link messages of family AF_BRIDGE (`bridge vlan`, `RTM_SETLINK`/`RTM_DELLINK` on ports). */
export const BRIDGE_LINK_MESSAGE: MessageSchema<typeof IFINFOMSG, typeof BRIDGE_IFLA> = message(
  "bridge_link",
  IFINFOMSG,
  BRIDGE_IFLA,
);

/** `BRIDGE_VLAN_INFO_*` flags. */
export const BRIDGE_VLAN_INFO_F = {
  master: 0x01,
  pvid: 0x02,
  untagged: 0x04,
  range_begin: 0x08,
  range_end: 0x10,
  brentry: 0x20,
  only_opts: 0x40,
} as const;

/** `BRIDGE_FLAGS_*` of IFLA_BRIDGE_FLAGS: whom a request is for. */
export const BRIDGE_FLAGS = { master: 1, self: 2 } as const;

/** `RTEXT_FILTER_*` bits of IFLA_EXT_MASK. */
export const RTEXT_FILTER = {
  vf: 1,
  brvlan: 2,
  brvlan_compressed: 4,
  skip_stats: 8,
  mrp: 16,
  cfm_config: 32,
  cfm_status: 64,
  mst: 128,
} as const;
