/**
 * SR-IOV virtual functions of a link (`IFLA_VFINFO_LIST` → `IFLA_VF_INFO` → `IFLA_VF_*`,
 * linux/if_link.h): each VF's MAC, VLAN, rates and switches, as `ip -d link show` prints them.
 *
 * @module
 */

import { attrs } from "../../netlink/schema.ts";
import type { AttrSchema } from "../../netlink/schema.ts";

/** `struct ifla_vf_mac`. */
export const VF_MAC = { kind: "struct", fields: [["vf", "u32"], ["mac", "bytes[32]"]] } as const;
/** `struct ifla_vf_broadcast`. */
export const VF_BROADCAST = { kind: "struct", fields: [["broadcast", "bytes[32]"]] } as const;
/** `struct ifla_vf_vlan`. */
export const VF_VLAN = {
  kind: "struct",
  fields: [["vf", "u32"], ["vlan", "u32"], ["qos", "u32"]],
} as const;
/** `struct ifla_vf_tx_rate`. */
export const VF_TX_RATE = { kind: "struct", fields: [["vf", "u32"], ["rate", "u32"]] } as const;
/** `struct ifla_vf_rate`. */
export const VF_RATE = {
  kind: "struct",
  fields: [["vf", "u32"], ["min_tx_rate", "u32"], ["max_tx_rate", "u32"]],
} as const;
/** `struct ifla_vf_spoofchk`, `ifla_vf_trust`, `ifla_vf_rss_query_en` (setting -1: unknown). */
export const VF_SETTING = { kind: "struct", fields: [["vf", "u32"], ["setting", "s32"]] } as const;
/** `struct ifla_vf_link_state` (0 auto, 1 enable, 2 disable). */
export const VF_LINK_STATE = {
  kind: "struct",
  fields: [["vf", "u32"], ["link_state", "u32"]],
} as const;
/** `struct ifla_vf_guid`. */
export const VF_GUID = { kind: "struct", fields: [["vf", "u32"], ["guid", "u64"]] } as const;

/** `IFLA_VF_STATS_*`. */
export const IFLA_VF_STATS_TABLE = {
  IFLA_VF_STATS_RX_PACKETS: [0, "u64"],
  IFLA_VF_STATS_TX_PACKETS: [1, "u64"],
  IFLA_VF_STATS_RX_BYTES: [2, "u64"],
  IFLA_VF_STATS_TX_BYTES: [3, "u64"],
  IFLA_VF_STATS_BROADCAST: [4, "u64"],
  IFLA_VF_STATS_MULTICAST: [5, "u64"],
  IFLA_VF_STATS_PAD: [6, "binary"],
  IFLA_VF_STATS_RX_DROPPED: [7, "u64"],
  IFLA_VF_STATS_TX_DROPPED: [8, "u64"],
} as const;

/** The compiled IFLA_VF_STATS table. */
export const IFLA_VF_STATS: AttrSchema<"IFLA_VF_STATS_", typeof IFLA_VF_STATS_TABLE> = attrs(
  "IFLA_VF_STATS_",
  IFLA_VF_STATS_TABLE,
);

/** `IFLA_VF_*`: one virtual function. */
export const IFLA_VF_TABLE = {
  IFLA_VF_MAC: [1, VF_MAC],
  IFLA_VF_VLAN: [2, VF_VLAN],
  IFLA_VF_TX_RATE: [3, VF_TX_RATE],
  IFLA_VF_SPOOFCHK: [4, VF_SETTING],
  IFLA_VF_LINK_STATE: [5, VF_LINK_STATE],
  IFLA_VF_RATE: [6, VF_RATE],
  IFLA_VF_RSS_QUERY_EN: [7, VF_SETTING],
  IFLA_VF_STATS: [8, { kind: "nest", schema: (): typeof IFLA_VF_STATS => IFLA_VF_STATS }],
  IFLA_VF_TRUST: [9, VF_SETTING],
  IFLA_VF_IB_NODE_GUID: [10, VF_GUID],
  IFLA_VF_IB_PORT_GUID: [11, VF_GUID],
  IFLA_VF_VLAN_LIST: [12, "binary"],
  IFLA_VF_BROADCAST: [13, VF_BROADCAST],
} as const;

/** The compiled IFLA_VF table. */
export const IFLA_VF: AttrSchema<"IFLA_VF_", typeof IFLA_VF_TABLE> = attrs(
  "IFLA_VF_",
  IFLA_VF_TABLE,
);

/** `IFLA_VFINFO_LIST`: `IFLA_VF_INFO` nests, one per VF. */
export const VFINFO_LIST = {
  kind: "array",
  of: { kind: "nest", schema: (): typeof IFLA_VF => IFLA_VF },
  type: 1,
} as const;
