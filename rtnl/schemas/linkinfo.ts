/**
 * Kind-specific link data (`IFLA_INFO_DATA`, `IFLA_INFO_SLAVE_DATA`), selected by the kind
 * string the kernel sends in `IFLA_INFO_KIND` / `IFLA_INFO_SLAVE_KIND`.
 *
 * @module
 */

import { attrs } from "../../netlink/schema.ts";
import type { AttrSchema, Codec } from "../../netlink/schema.ts";
import { IFINFOMSG } from "./ifinfomsg.ts";
import { IFLA } from "./link.ts";

/** `struct ifla_bridge_id`. */
export const BRIDGE_ID = {
  kind: "struct",
  fields: [["prio", "be16"], ["addr", "bytes[6]"]],
} as const;

/** `struct br_boolopt_multi`. */
export const MULTI_BOOLOPT = {
  kind: "struct",
  fields: [["optval", "u32"], ["optmask", "u32"]],
} as const;

/** `IFLA_BR_*`: bridge settings. */
export const BRIDGE_TABLE = {
  IFLA_BR_FORWARD_DELAY: [1, "u32"],
  IFLA_BR_HELLO_TIME: [2, "u32"],
  IFLA_BR_MAX_AGE: [3, "u32"],
  IFLA_BR_AGEING_TIME: [4, "u32"],
  IFLA_BR_STP_STATE: [5, "u32"],
  IFLA_BR_PRIORITY: [6, "u16"],
  IFLA_BR_VLAN_FILTERING: [7, "u8"],
  IFLA_BR_VLAN_PROTOCOL: [8, "be16"],
  IFLA_BR_GROUP_FWD_MASK: [9, "u16"],
  IFLA_BR_ROOT_ID: [10, BRIDGE_ID],
  IFLA_BR_BRIDGE_ID: [11, BRIDGE_ID],
  IFLA_BR_ROOT_PORT: [12, "u16"],
  IFLA_BR_ROOT_PATH_COST: [13, "u32"],
  IFLA_BR_TOPOLOGY_CHANGE: [14, "u8"],
  IFLA_BR_TOPOLOGY_CHANGE_DETECTED: [15, "u8"],
  IFLA_BR_HELLO_TIMER: [16, "u64"],
  IFLA_BR_TCN_TIMER: [17, "u64"],
  IFLA_BR_TOPOLOGY_CHANGE_TIMER: [18, "u64"],
  IFLA_BR_GC_TIMER: [19, "u64"],
  IFLA_BR_GROUP_ADDR: [20, "lladdr"],
  IFLA_BR_FDB_FLUSH: [21, "flag"],
  IFLA_BR_MCAST_ROUTER: [22, "u8"],
  IFLA_BR_MCAST_SNOOPING: [23, "u8"],
  IFLA_BR_MCAST_QUERY_USE_IFADDR: [24, "u8"],
  IFLA_BR_MCAST_QUERIER: [25, "u8"],
  IFLA_BR_MCAST_HASH_ELASTICITY: [26, "u32"],
  IFLA_BR_MCAST_HASH_MAX: [27, "u32"],
  IFLA_BR_MCAST_LAST_MEMBER_CNT: [28, "u32"],
  IFLA_BR_MCAST_STARTUP_QUERY_CNT: [29, "u32"],
  IFLA_BR_MCAST_LAST_MEMBER_INTVL: [30, "u64"],
  IFLA_BR_MCAST_MEMBERSHIP_INTVL: [31, "u64"],
  IFLA_BR_MCAST_QUERIER_INTVL: [32, "u64"],
  IFLA_BR_MCAST_QUERY_INTVL: [33, "u64"],
  IFLA_BR_MCAST_QUERY_RESPONSE_INTVL: [34, "u64"],
  IFLA_BR_MCAST_STARTUP_QUERY_INTVL: [35, "u64"],
  IFLA_BR_NF_CALL_IPTABLES: [36, "u8"],
  IFLA_BR_NF_CALL_IP6TABLES: [37, "u8"],
  IFLA_BR_NF_CALL_ARPTABLES: [38, "u8"],
  IFLA_BR_VLAN_DEFAULT_PVID: [39, "u16"],
  IFLA_BR_PAD: [40, "binary"],
  IFLA_BR_VLAN_STATS_ENABLED: [41, "u8"],
  IFLA_BR_MCAST_STATS_ENABLED: [42, "u8"],
  IFLA_BR_MCAST_IGMP_VERSION: [43, "u8"],
  IFLA_BR_MCAST_MLD_VERSION: [44, "u8"],
  IFLA_BR_VLAN_STATS_PER_PORT: [45, "u8"],
  IFLA_BR_MULTI_BOOLOPT: [46, MULTI_BOOLOPT],
  IFLA_BR_MCAST_QUERIER_STATE: [47, "binary"],
} as const;

/** The compiled BRIDGE table. */
export const BRIDGE: AttrSchema<"IFLA_", typeof BRIDGE_TABLE> = attrs("IFLA_", BRIDGE_TABLE);

/** `IFLA_BRPORT_*`: bridge port settings (slave data of a bridge port, and IFLA_PROTINFO). */
export const BRPORT_TABLE = {
  IFLA_BRPORT_STATE: [1, "u8"],
  IFLA_BRPORT_PRIORITY: [2, "u16"],
  IFLA_BRPORT_COST: [3, "u32"],
  IFLA_BRPORT_MODE: [4, "u8"],
  IFLA_BRPORT_GUARD: [5, "u8"],
  IFLA_BRPORT_PROTECT: [6, "u8"],
  IFLA_BRPORT_FAST_LEAVE: [7, "u8"],
  IFLA_BRPORT_LEARNING: [8, "u8"],
  IFLA_BRPORT_UNICAST_FLOOD: [9, "u8"],
  IFLA_BRPORT_PROXYARP: [10, "u8"],
  IFLA_BRPORT_LEARNING_SYNC: [11, "u8"],
  IFLA_BRPORT_PROXYARP_WIFI: [12, "u8"],
  IFLA_BRPORT_ROOT_ID: [13, BRIDGE_ID],
  IFLA_BRPORT_BRIDGE_ID: [14, BRIDGE_ID],
  IFLA_BRPORT_DESIGNATED_PORT: [15, "u16"],
  IFLA_BRPORT_DESIGNATED_COST: [16, "u16"],
  IFLA_BRPORT_ID: [17, "u16"],
  IFLA_BRPORT_NO: [18, "u16"],
  IFLA_BRPORT_TOPOLOGY_CHANGE_ACK: [19, "u8"],
  IFLA_BRPORT_CONFIG_PENDING: [20, "u8"],
  IFLA_BRPORT_MESSAGE_AGE_TIMER: [21, "u64"],
  IFLA_BRPORT_FORWARD_DELAY_TIMER: [22, "u64"],
  IFLA_BRPORT_HOLD_TIMER: [23, "u64"],
  IFLA_BRPORT_FLUSH: [24, "flag"],
  IFLA_BRPORT_MULTICAST_ROUTER: [25, "u8"],
  IFLA_BRPORT_PAD: [26, "binary"],
  IFLA_BRPORT_MCAST_FLOOD: [27, "u8"],
  IFLA_BRPORT_MCAST_TO_UCAST: [28, "u8"],
  IFLA_BRPORT_VLAN_TUNNEL: [29, "u8"],
  IFLA_BRPORT_BCAST_FLOOD: [30, "u8"],
  IFLA_BRPORT_GROUP_FWD_MASK: [31, "u16"],
  IFLA_BRPORT_NEIGH_SUPPRESS: [32, "u8"],
  IFLA_BRPORT_ISOLATED: [33, "u8"],
  IFLA_BRPORT_BACKUP_PORT: [34, "u32"],
  IFLA_BRPORT_MRP_RING_OPEN: [35, "u8"],
  IFLA_BRPORT_MRP_IN_OPEN: [36, "u8"],
  IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT: [37, "u32"],
  IFLA_BRPORT_MCAST_EHT_HOSTS_CNT: [38, "u32"],
  IFLA_BRPORT_LOCKED: [39, "u8"],
} as const;

/** The compiled BRPORT table. */
export const BRPORT: AttrSchema<"IFLA_", typeof BRPORT_TABLE> = attrs("IFLA_", BRPORT_TABLE);

/** `VETH_INFO_*`: the peer is an ifinfomsg followed by IFLA attributes. */
export const VETH_TABLE = {
  VETH_INFO_PEER: [1, { kind: "nest", schema: (): typeof IFLA => IFLA, header: IFINFOMSG }],
} as const;

/** The compiled VETH table. */
export const VETH: AttrSchema<"VETH_INFO_", typeof VETH_TABLE> = attrs("VETH_INFO_", VETH_TABLE);

/** `struct ifla_vlan_flags`. */
export const VLAN_FLAGS = { kind: "struct", fields: [["flags", "u32"], ["mask", "u32"]] } as const;

/** `struct ifla_vlan_qos_mapping`. */
export const VLAN_QOS_MAPPING = {
  kind: "struct",
  fields: [["from", "u32"], ["to", "u32"]],
} as const;

/** `IFLA_VLAN_QOS_*`: a list of mappings. */
export const VLAN_QOS_TABLE = {
  IFLA_VLAN_QOS_MAPPING: [1, VLAN_QOS_MAPPING],
} as const;

/** The compiled VLAN_QOS table. */
export const VLAN_QOS: AttrSchema<"IFLA_VLAN_QOS_", typeof VLAN_QOS_TABLE> = attrs(
  "IFLA_VLAN_QOS_",
  VLAN_QOS_TABLE,
);

/** `IFLA_VLAN_*`. */
export const VLAN_TABLE = {
  IFLA_VLAN_ID: [1, "u16"],
  IFLA_VLAN_FLAGS: [2, VLAN_FLAGS],
  IFLA_VLAN_EGRESS_QOS: [3, { kind: "nest", schema: (): typeof VLAN_QOS => VLAN_QOS }],
  IFLA_VLAN_INGRESS_QOS: [4, { kind: "nest", schema: (): typeof VLAN_QOS => VLAN_QOS }],
  IFLA_VLAN_PROTOCOL: [5, "be16"],
} as const;

/** The compiled VLAN table. */
export const VLAN: AttrSchema<"IFLA_", typeof VLAN_TABLE> = attrs("IFLA_", VLAN_TABLE);

/** `IFLA_MACVLAN_*` (macvlan and macvtap). */
export const MACVLAN_TABLE = {
  IFLA_MACVLAN_MODE: [1, "u32"],
  IFLA_MACVLAN_FLAGS: [2, "u16"],
  IFLA_MACVLAN_MACADDR_MODE: [3, "u32"],
  IFLA_MACVLAN_MACADDR: [4, "lladdr"],
  IFLA_MACVLAN_MACADDR_DATA: [5, "binary"],
  IFLA_MACVLAN_MACADDR_COUNT: [6, "u32"],
  IFLA_MACVLAN_BC_QUEUE_LEN: [7, "u32"],
  IFLA_MACVLAN_BC_QUEUE_LEN_USED: [8, "u32"],
  IFLA_MACVLAN_BC_CUTOFF: [9, "s32"],
} as const;

/** The compiled MACVLAN table. */
export const MACVLAN: AttrSchema<"IFLA_", typeof MACVLAN_TABLE> = attrs("IFLA_", MACVLAN_TABLE);

/** `IFLA_VXLAN_*`. */
export const VXLAN_TABLE = {
  IFLA_VXLAN_ID: [1, "u32"],
  IFLA_VXLAN_GROUP: [2, "ipaddr"],
  IFLA_VXLAN_LINK: [3, "u32"],
  IFLA_VXLAN_LOCAL: [4, "ipaddr"],
  IFLA_VXLAN_TTL: [5, "u8"],
  IFLA_VXLAN_TOS: [6, "u8"],
  IFLA_VXLAN_LEARNING: [7, "u8"],
  IFLA_VXLAN_AGEING: [8, "u32"],
  IFLA_VXLAN_LIMIT: [9, "u32"],
  IFLA_VXLAN_PORT_RANGE: [10, { kind: "struct", fields: [["low", "be16"], ["high", "be16"]] }],
  IFLA_VXLAN_PROXY: [11, "u8"],
  IFLA_VXLAN_RSC: [12, "u8"],
  IFLA_VXLAN_L2MISS: [13, "u8"],
  IFLA_VXLAN_L3MISS: [14, "u8"],
  IFLA_VXLAN_PORT: [15, "be16"],
  IFLA_VXLAN_GROUP6: [16, "ipaddr"],
  IFLA_VXLAN_LOCAL6: [17, "ipaddr"],
  IFLA_VXLAN_UDP_CSUM: [18, "u8"],
  IFLA_VXLAN_UDP_ZERO_CSUM6_TX: [19, "u8"],
  IFLA_VXLAN_UDP_ZERO_CSUM6_RX: [20, "u8"],
  IFLA_VXLAN_REMCSUM_TX: [21, "u8"],
  IFLA_VXLAN_REMCSUM_RX: [22, "u8"],
  IFLA_VXLAN_GBP: [23, "flag"],
  IFLA_VXLAN_REMCSUM_NOPARTIAL: [24, "flag"],
  IFLA_VXLAN_COLLECT_METADATA: [25, "u8"],
  IFLA_VXLAN_LABEL: [26, "be32"],
  IFLA_VXLAN_GPE: [27, "flag"],
  IFLA_VXLAN_TTL_INHERIT: [28, "flag"],
  IFLA_VXLAN_DF: [29, "u8"],
  IFLA_VXLAN_VNIFILTER: [30, "u8"],
  IFLA_VXLAN_LOCALBYPASS: [31, "u8"],
  IFLA_VXLAN_LABEL_POLICY: [32, "u32"],
} as const;

/** The compiled VXLAN table. */
export const VXLAN: AttrSchema<"IFLA_", typeof VXLAN_TABLE> = attrs("IFLA_", VXLAN_TABLE);

/** IFLA_INFO_DATA codecs by kind. Kinds not listed decode as raw bytes. */
export const LINKINFO_DATA: Readonly<Record<string, Codec>> = {
  bridge: { kind: "nest", schema: (): typeof BRIDGE => BRIDGE },
  veth: { kind: "nest", schema: (): typeof VETH => VETH },
  vlan: { kind: "nest", schema: (): typeof VLAN => VLAN },
  macvlan: { kind: "nest", schema: (): typeof MACVLAN => MACVLAN },
  macvtap: { kind: "nest", schema: (): typeof MACVLAN => MACVLAN },
  vxlan: { kind: "nest", schema: (): typeof VXLAN => VXLAN },
};

/** IFLA_INFO_SLAVE_DATA codecs by slave kind. */
export const LINKINFO_SLAVE_DATA: Readonly<Record<string, Codec>> = {
  bridge: { kind: "nest", schema: (): typeof BRPORT => BRPORT },
};
