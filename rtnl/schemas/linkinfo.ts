/**
 * Kind-specific link data (`IFLA_INFO_DATA`, `IFLA_INFO_SLAVE_DATA`), selected by the kind
 * string the kernel sends in `IFLA_INFO_KIND` / `IFLA_INFO_SLAVE_KIND` (linux/if_link.h,
 * linux/if_tunnel.h, linux/if_bridge.h; kernel 6.18).
 *
 * Attribute names drop the `IFLA_` prefix: `IFLA_VXLAN_ID` → `vxlan_id`, `IFLA_BR_STP_STATE` →
 * `br_stp_state`, `IFLA_BOND_SLAVE_QUEUE_ID` → `bond_slave_queue_id`. Values decode as the
 * kernel sends them (numbers); {@link LINK_VALUE_NAMES} lists the names a request may use
 * instead (`macvlan_mode: "bridge"`, `bond_mode: "802.3ad"`).
 *
 * @module
 */

import { attrs } from "../../netlink/schema.ts";
import type { AttrSchema, Codec, NestCodec } from "../../netlink/schema.ts";
import { IFINFOMSG } from "./ifinfomsg.ts";
import { IFLA } from "./link.ts";

// ---------------------------------------------------------------------------------------------
// Bridge and bridge port.

/** `struct ifla_bridge_id`: priority (big-endian) and MAC address. */
export const BRIDGE_ID = {
  kind: "struct",
  fields: [["prio", "be16"], ["addr", "bytes[6]"]],
} as const;

/** `struct br_boolopt_multi`. */
export const MULTI_BOOLOPT = {
  kind: "struct",
  fields: [["optval", "u32"], ["optmask", "u32"]],
} as const;

/** `BRIDGE_QUERIER_*`: the multicast querier state of a bridge (IFLA_BR_MCAST_QUERIER_STATE). */
export const BRIDGE_QUERIER_TABLE = {
  BRIDGE_QUERIER_IP_ADDRESS: [1, "ipaddr"],
  BRIDGE_QUERIER_IP_PORT: [2, "u32"],
  BRIDGE_QUERIER_IP_OTHER_TIMER: [3, "u64"],
  BRIDGE_QUERIER_PAD: [4, "binary"],
  BRIDGE_QUERIER_IPV6_ADDRESS: [5, "ipaddr"],
  BRIDGE_QUERIER_IPV6_PORT: [6, "u32"],
  BRIDGE_QUERIER_IPV6_OTHER_TIMER: [7, "u64"],
} as const;

/** The compiled BRIDGE_QUERIER table. */
export const BRIDGE_QUERIER: AttrSchema<"BRIDGE_QUERIER_", typeof BRIDGE_QUERIER_TABLE> = attrs(
  "BRIDGE_QUERIER_",
  BRIDGE_QUERIER_TABLE,
);

/** `IFLA_BR_*`: bridge settings (kind "bridge"). Times are in centiseconds. */
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
  IFLA_BR_MCAST_QUERIER_STATE: [
    47,
    { kind: "nest", schema: (): typeof BRIDGE_QUERIER => BRIDGE_QUERIER },
  ],
  IFLA_BR_FDB_N_LEARNED: [48, "u32"],
  IFLA_BR_FDB_MAX_LEARNED: [49, "u32"],
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
  IFLA_BRPORT_MAB: [40, "u8"],
  IFLA_BRPORT_MCAST_N_GROUPS: [41, "u32"],
  IFLA_BRPORT_MCAST_MAX_GROUPS: [42, "u32"],
  IFLA_BRPORT_NEIGH_VLAN_SUPPRESS: [43, "u8"],
  IFLA_BRPORT_BACKUP_NHID: [44, "u32"],
} as const;

/** The compiled BRPORT table. */
export const BRPORT: AttrSchema<"IFLA_", typeof BRPORT_TABLE> = attrs("IFLA_", BRPORT_TABLE);

// ---------------------------------------------------------------------------------------------
// veth, VLAN, macvlan/macvtap, ipvlan, vrf.

/** `VETH_INFO_*`: the peer is an ifinfomsg followed by IFLA attributes. */
export const VETH_TABLE = {
  VETH_INFO_PEER: [1, { kind: "nest", schema: (): typeof IFLA => IFLA, header: IFINFOMSG }],
} as const;

/** The compiled VETH table. */
export const VETH: AttrSchema<"VETH_INFO_", typeof VETH_TABLE> = attrs("VETH_INFO_", VETH_TABLE);

/** `struct ifla_vlan_flags`: the `VLAN_FLAG_*` bits to set, and which bits to change. */
export const VLAN_FLAGS = { kind: "struct", fields: [["flags", "u32"], ["mask", "u32"]] } as const;

/** `struct ifla_vlan_qos_mapping`: priority `from` maps to `to`. */
export const VLAN_QOS_MAPPING = {
  kind: "struct",
  fields: [["from", "u32"], ["to", "u32"]],
} as const;

/** `IFLA_VLAN_*` (kind "vlan"). The QoS maps are lists of repeated IFLA_VLAN_QOS_MAPPING. */
export const VLAN_TABLE = {
  IFLA_VLAN_ID: [1, "u16"],
  IFLA_VLAN_FLAGS: [2, VLAN_FLAGS],
  IFLA_VLAN_EGRESS_QOS: [3, { kind: "array", of: VLAN_QOS_MAPPING, type: 1 }],
  IFLA_VLAN_INGRESS_QOS: [4, { kind: "array", of: VLAN_QOS_MAPPING, type: 1 }],
  IFLA_VLAN_PROTOCOL: [5, "be16"],
} as const;

/** The compiled VLAN table. */
export const VLAN: AttrSchema<"IFLA_", typeof VLAN_TABLE> = attrs("IFLA_", VLAN_TABLE);

/** `IFLA_MACVLAN_*` (kinds "macvlan" and "macvtap"). */
export const MACVLAN_TABLE = {
  IFLA_MACVLAN_MODE: [1, "u32"],
  IFLA_MACVLAN_FLAGS: [2, "u16"],
  IFLA_MACVLAN_MACADDR_MODE: [3, "u32"],
  IFLA_MACVLAN_MACADDR: [4, "lladdr"],
  IFLA_MACVLAN_MACADDR_DATA: [5, { kind: "array", of: "lladdr", type: 4 }],
  IFLA_MACVLAN_MACADDR_COUNT: [6, "u32"],
  IFLA_MACVLAN_BC_QUEUE_LEN: [7, "u32"],
  IFLA_MACVLAN_BC_QUEUE_LEN_USED: [8, "u32"],
  IFLA_MACVLAN_BC_CUTOFF: [9, "s32"],
} as const;

/** The compiled MACVLAN table. */
export const MACVLAN: AttrSchema<"IFLA_", typeof MACVLAN_TABLE> = attrs("IFLA_", MACVLAN_TABLE);

/** `IFLA_IPVLAN_*` (kinds "ipvlan" and "ipvtap"). */
export const IPVLAN_TABLE = {
  IFLA_IPVLAN_MODE: [1, "u16"],
  IFLA_IPVLAN_FLAGS: [2, "u16"],
} as const;

/** The compiled IPVLAN table. */
export const IPVLAN: AttrSchema<"IFLA_", typeof IPVLAN_TABLE> = attrs("IFLA_", IPVLAN_TABLE);

/** `IFLA_VRF_*` (kind "vrf"). */
export const VRF_TABLE = {
  IFLA_VRF_TABLE: [1, "u32"],
} as const;

/** The compiled VRF table. */
export const VRF: AttrSchema<"IFLA_", typeof VRF_TABLE> = attrs("IFLA_", VRF_TABLE);

/** `IFLA_VRF_PORT_*`: slave data of a VRF port. */
export const VRF_PORT_TABLE = {
  IFLA_VRF_PORT_TABLE: [1, "u32"],
} as const;

/** The compiled VRF_PORT table. */
export const VRF_PORT: AttrSchema<"IFLA_", typeof VRF_PORT_TABLE> = attrs("IFLA_", VRF_PORT_TABLE);

// ---------------------------------------------------------------------------------------------
// VXLAN and GENEVE.

/** `IFLA_VXLAN_*` (kind "vxlan"). */
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
  // The kernel reports a u8 (0 or 1) but takes a flag: link.ts sends `true` as a flag.
  IFLA_VXLAN_TTL_INHERIT: [28, "u8"],
  IFLA_VXLAN_DF: [29, "u8"],
  IFLA_VXLAN_VNIFILTER: [30, "u8"],
  IFLA_VXLAN_LOCALBYPASS: [31, "u8"],
  IFLA_VXLAN_LABEL_POLICY: [32, "u32"],
  // struct vxlanhdr: the header bits the device accepts as reserved.
  IFLA_VXLAN_RESERVED_BITS: [33, "binary"],
  IFLA_VXLAN_MC_ROUTE: [34, "u8"],
} as const;

/** The compiled VXLAN table. */
export const VXLAN: AttrSchema<"IFLA_", typeof VXLAN_TABLE> = attrs("IFLA_", VXLAN_TABLE);

/** `IFLA_GENEVE_*` (kind "geneve"). */
export const GENEVE_TABLE = {
  IFLA_GENEVE_ID: [1, "u32"],
  IFLA_GENEVE_REMOTE: [2, "ipaddr"],
  IFLA_GENEVE_TTL: [3, "u8"],
  IFLA_GENEVE_TOS: [4, "u8"],
  IFLA_GENEVE_PORT: [5, "be16"],
  IFLA_GENEVE_COLLECT_METADATA: [6, "flag"],
  IFLA_GENEVE_REMOTE6: [7, "ipaddr"],
  IFLA_GENEVE_UDP_CSUM: [8, "u8"],
  IFLA_GENEVE_UDP_ZERO_CSUM6_TX: [9, "u8"],
  IFLA_GENEVE_UDP_ZERO_CSUM6_RX: [10, "u8"],
  IFLA_GENEVE_LABEL: [11, "be32"],
  IFLA_GENEVE_TTL_INHERIT: [12, "u8"],
  IFLA_GENEVE_DF: [13, "u8"],
  IFLA_GENEVE_INNER_PROTO_INHERIT: [14, "flag"],
  IFLA_GENEVE_PORT_RANGE: [15, { kind: "struct", fields: [["low", "be16"], ["high", "be16"]] }],
} as const;

/** The compiled GENEVE table. */
export const GENEVE: AttrSchema<"IFLA_", typeof GENEVE_TABLE> = attrs("IFLA_", GENEVE_TABLE);

// ---------------------------------------------------------------------------------------------
// Bonding.

/** `IFLA_BOND_AD_INFO_*`: 802.3ad aggregator state (read only). */
export const BOND_AD_INFO_TABLE = {
  IFLA_BOND_AD_INFO_AGGREGATOR: [1, "u16"],
  IFLA_BOND_AD_INFO_NUM_PORTS: [2, "u16"],
  IFLA_BOND_AD_INFO_ACTOR_KEY: [3, "u16"],
  IFLA_BOND_AD_INFO_PARTNER_KEY: [4, "u16"],
  IFLA_BOND_AD_INFO_PARTNER_MAC: [5, "lladdr"],
} as const;

/** The compiled BOND_AD_INFO table. */
export const BOND_AD_INFO: AttrSchema<"IFLA_", typeof BOND_AD_INFO_TABLE> = attrs(
  "IFLA_",
  BOND_AD_INFO_TABLE,
);

/** `IFLA_BOND_*` (kind "bond"). `bond_active_slave` and `bond_primary` are ifindexes. */
export const BOND_TABLE = {
  IFLA_BOND_MODE: [1, "u8"],
  IFLA_BOND_ACTIVE_SLAVE: [2, "u32"],
  IFLA_BOND_MIIMON: [3, "u32"],
  IFLA_BOND_UPDELAY: [4, "u32"],
  IFLA_BOND_DOWNDELAY: [5, "u32"],
  IFLA_BOND_USE_CARRIER: [6, "u8"],
  IFLA_BOND_ARP_INTERVAL: [7, "u32"],
  IFLA_BOND_ARP_IP_TARGET: [8, { kind: "array", of: "ipaddr" }],
  IFLA_BOND_ARP_VALIDATE: [9, "u32"],
  IFLA_BOND_ARP_ALL_TARGETS: [10, "u32"],
  IFLA_BOND_PRIMARY: [11, "u32"],
  IFLA_BOND_PRIMARY_RESELECT: [12, "u8"],
  IFLA_BOND_FAIL_OVER_MAC: [13, "u8"],
  IFLA_BOND_XMIT_HASH_POLICY: [14, "u8"],
  IFLA_BOND_RESEND_IGMP: [15, "u32"],
  IFLA_BOND_NUM_PEER_NOTIF: [16, "u8"],
  IFLA_BOND_ALL_SLAVES_ACTIVE: [17, "u8"],
  IFLA_BOND_MIN_LINKS: [18, "u32"],
  IFLA_BOND_LP_INTERVAL: [19, "u32"],
  IFLA_BOND_PACKETS_PER_SLAVE: [20, "u32"],
  IFLA_BOND_AD_LACP_RATE: [21, "u8"],
  IFLA_BOND_AD_SELECT: [22, "u8"],
  IFLA_BOND_AD_INFO: [23, { kind: "nest", schema: (): typeof BOND_AD_INFO => BOND_AD_INFO }],
  IFLA_BOND_AD_ACTOR_SYS_PRIO: [24, "u16"],
  IFLA_BOND_AD_USER_PORT_KEY: [25, "u16"],
  IFLA_BOND_AD_ACTOR_SYSTEM: [26, "lladdr"],
  IFLA_BOND_TLB_DYNAMIC_LB: [27, "u8"],
  IFLA_BOND_PEER_NOTIF_DELAY: [28, "u32"],
  IFLA_BOND_AD_LACP_ACTIVE: [29, "u8"],
  IFLA_BOND_MISSED_MAX: [30, "u8"],
  IFLA_BOND_NS_IP6_TARGET: [31, { kind: "array", of: "ipaddr" }],
  IFLA_BOND_COUPLED_CONTROL: [32, "u8"],
  IFLA_BOND_BROADCAST_NEIGH: [33, "u8"],
} as const;

/** The compiled BOND table. */
export const BOND: AttrSchema<"IFLA_", typeof BOND_TABLE> = attrs("IFLA_", BOND_TABLE);

/** `IFLA_BOND_SLAVE_*`: slave data of a bond port. */
export const BOND_SLAVE_TABLE = {
  IFLA_BOND_SLAVE_STATE: [1, "u8"],
  IFLA_BOND_SLAVE_MII_STATUS: [2, "u8"],
  IFLA_BOND_SLAVE_LINK_FAILURE_COUNT: [3, "u32"],
  IFLA_BOND_SLAVE_PERM_HWADDR: [4, "lladdr"],
  IFLA_BOND_SLAVE_QUEUE_ID: [5, "u16"],
  IFLA_BOND_SLAVE_AD_AGGREGATOR_ID: [6, "u16"],
  IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE: [7, "u8"],
  IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE: [8, "u16"],
  IFLA_BOND_SLAVE_PRIO: [9, "s32"],
  IFLA_BOND_SLAVE_ACTOR_PORT_PRIO: [10, "u16"],
  IFLA_BOND_SLAVE_AD_CHURN_ACTOR_STATE: [11, "u8"],
  IFLA_BOND_SLAVE_AD_CHURN_PARTNER_STATE: [12, "u8"],
} as const;

/** The compiled BOND_SLAVE table. */
export const BOND_SLAVE: AttrSchema<"IFLA_", typeof BOND_SLAVE_TABLE> = attrs(
  "IFLA_",
  BOND_SLAVE_TABLE,
);

// ---------------------------------------------------------------------------------------------
// IP tunnels (linux/if_tunnel.h).

/** `IFLA_GRE_*` (kinds "gre", "gretap", "ip6gre", "ip6gretap", "erspan", "ip6erspan"). */
export const GRE_TABLE = {
  IFLA_GRE_LINK: [1, "u32"],
  IFLA_GRE_IFLAGS: [2, "be16"],
  IFLA_GRE_OFLAGS: [3, "be16"],
  IFLA_GRE_IKEY: [4, "be32"],
  IFLA_GRE_OKEY: [5, "be32"],
  IFLA_GRE_LOCAL: [6, "ipaddr"],
  IFLA_GRE_REMOTE: [7, "ipaddr"],
  IFLA_GRE_TTL: [8, "u8"],
  IFLA_GRE_TOS: [9, "u8"],
  IFLA_GRE_PMTUDISC: [10, "u8"],
  IFLA_GRE_ENCAP_LIMIT: [11, "u8"],
  IFLA_GRE_FLOWINFO: [12, "be32"],
  IFLA_GRE_FLAGS: [13, "u32"],
  IFLA_GRE_ENCAP_TYPE: [14, "u16"],
  IFLA_GRE_ENCAP_FLAGS: [15, "u16"],
  IFLA_GRE_ENCAP_SPORT: [16, "be16"],
  IFLA_GRE_ENCAP_DPORT: [17, "be16"],
  IFLA_GRE_COLLECT_METADATA: [18, "flag"],
  IFLA_GRE_IGNORE_DF: [19, "u8"],
  IFLA_GRE_FWMARK: [20, "u32"],
  IFLA_GRE_ERSPAN_INDEX: [21, "u32"],
  IFLA_GRE_ERSPAN_VER: [22, "u8"],
  IFLA_GRE_ERSPAN_DIR: [23, "u8"],
  IFLA_GRE_ERSPAN_HWID: [24, "u16"],
} as const;

/** The compiled GRE table. */
export const GRE: AttrSchema<"IFLA_", typeof GRE_TABLE> = attrs("IFLA_", GRE_TABLE);

/** `IFLA_IPTUN_*` (kinds "ipip" and "ip6tnl"; ip6tnl's `iptun_flags` are `IP6_TNL_F_*`). */
export const IPTUN_TABLE = {
  IFLA_IPTUN_LINK: [1, "u32"],
  IFLA_IPTUN_LOCAL: [2, "ipaddr"],
  IFLA_IPTUN_REMOTE: [3, "ipaddr"],
  IFLA_IPTUN_TTL: [4, "u8"],
  IFLA_IPTUN_TOS: [5, "u8"],
  IFLA_IPTUN_ENCAP_LIMIT: [6, "u8"],
  IFLA_IPTUN_FLOWINFO: [7, "be32"],
  IFLA_IPTUN_FLAGS: [8, "u32"],
  IFLA_IPTUN_PROTO: [9, "u8"],
  IFLA_IPTUN_PMTUDISC: [10, "u8"],
  IFLA_IPTUN_6RD_PREFIX: [11, "ipaddr"],
  IFLA_IPTUN_6RD_RELAY_PREFIX: [12, "ipaddr"],
  IFLA_IPTUN_6RD_PREFIXLEN: [13, "u16"],
  IFLA_IPTUN_6RD_RELAY_PREFIXLEN: [14, "u16"],
  IFLA_IPTUN_ENCAP_TYPE: [15, "u16"],
  IFLA_IPTUN_ENCAP_FLAGS: [16, "u16"],
  IFLA_IPTUN_ENCAP_SPORT: [17, "be16"],
  IFLA_IPTUN_ENCAP_DPORT: [18, "be16"],
  IFLA_IPTUN_COLLECT_METADATA: [19, "flag"],
  IFLA_IPTUN_FWMARK: [20, "u32"],
} as const;

/** The compiled IPTUN table. */
export const IPTUN: AttrSchema<"IFLA_", typeof IPTUN_TABLE> = attrs("IFLA_", IPTUN_TABLE);

/** `IFLA_IPTUN_*` of kind "sit": the same as {@link IPTUN_TABLE} but sit's flags are a u16. */
export const SIT_TABLE = {
  ...IPTUN_TABLE,
  IFLA_IPTUN_FLAGS: [8, "u16"],
} as const;

/** The compiled SIT table. */
export const SIT: AttrSchema<"IFLA_", typeof SIT_TABLE> = attrs("IFLA_", SIT_TABLE);

/** `IFLA_VTI_*` (kinds "vti" and "vti6"). */
export const VTI_TABLE = {
  IFLA_VTI_LINK: [1, "u32"],
  IFLA_VTI_IKEY: [2, "be32"],
  IFLA_VTI_OKEY: [3, "be32"],
  IFLA_VTI_LOCAL: [4, "ipaddr"],
  IFLA_VTI_REMOTE: [5, "ipaddr"],
  IFLA_VTI_FWMARK: [6, "u32"],
} as const;

/** The compiled VTI table. */
export const VTI: AttrSchema<"IFLA_", typeof VTI_TABLE> = attrs("IFLA_", VTI_TABLE);

// ---------------------------------------------------------------------------------------------
// tun/tap (read only: the kernel reports these, devices are made through /dev/net/tun).

/** `IFLA_TUN_*` (kind "tun"). `tun_type` is 1 for tun, 2 for tap. */
export const TUN_TABLE = {
  IFLA_TUN_OWNER: [1, "u32"],
  IFLA_TUN_GROUP: [2, "u32"],
  IFLA_TUN_TYPE: [3, "u8"],
  IFLA_TUN_PI: [4, "u8"],
  IFLA_TUN_VNET_HDR: [5, "u8"],
  IFLA_TUN_PERSIST: [6, "u8"],
  IFLA_TUN_MULTI_QUEUE: [7, "u8"],
  IFLA_TUN_NUM_QUEUES: [8, "u32"],
  IFLA_TUN_NUM_DISABLED_QUEUES: [9, "u32"],
} as const;

/** The compiled TUN table. */
export const TUN: AttrSchema<"IFLA_", typeof TUN_TABLE> = attrs("IFLA_", TUN_TABLE);

// ---------------------------------------------------------------------------------------------
// Selection by kind.

/**
 * Each kind's `IFLA_INFO_DATA` schema, as a type: link specs are typed from it (a key of another
 * kind, or a typo, does not compile). {@link LINKINFO_DATA} is checked against it.
 */
export interface LinkKindSchemas {
  /** Bridge. */
  bridge: typeof BRIDGE;
  /** veth pair. */
  veth: typeof VETH;
  /** 802.1Q VLAN. */
  vlan: typeof VLAN;
  /** MACVLAN. */
  macvlan: typeof MACVLAN;
  /** MACVTAP. */
  macvtap: typeof MACVLAN;
  /** IPVLAN. */
  ipvlan: typeof IPVLAN;
  /** IPVTAP. */
  ipvtap: typeof IPVLAN;
  /** VRF. */
  vrf: typeof VRF;
  /** VXLAN. */
  vxlan: typeof VXLAN;
  /** Geneve. */
  geneve: typeof GENEVE;
  /** Bonding. */
  bond: typeof BOND;
  /** GRE. */
  gre: typeof GRE;
  /** GRE tap. */
  gretap: typeof GRE;
  /** IPv6 GRE. */
  ip6gre: typeof GRE;
  /** IPv6 GRE tap. */
  ip6gretap: typeof GRE;
  /** ERSPAN. */
  erspan: typeof GRE;
  /** IPv6 ERSPAN. */
  ip6erspan: typeof GRE;
  /** IPIP. */
  ipip: typeof IPTUN;
  /** IPv6 tunnel. */
  ip6tnl: typeof IPTUN;
  /** SIT. */
  sit: typeof SIT;
  /** VTI. */
  vti: typeof VTI;
  /** IPv6 VTI. */
  vti6: typeof VTI;
  /** tun/tap (read only: made through /dev/net/tun). */
  tun: typeof TUN;
}

/** IFLA_INFO_DATA codecs by kind. Kinds not listed decode as raw bytes. */
export const LINKINFO_DATA:
  & { readonly [K in keyof LinkKindSchemas]: NestCodec<LinkKindSchemas[K]> }
  & Readonly<Record<string, Codec>> = {
    bridge: { kind: "nest", schema: (): typeof BRIDGE => BRIDGE },
    veth: { kind: "nest", schema: (): typeof VETH => VETH },
    vlan: { kind: "nest", schema: (): typeof VLAN => VLAN },
    macvlan: { kind: "nest", schema: (): typeof MACVLAN => MACVLAN },
    macvtap: { kind: "nest", schema: (): typeof MACVLAN => MACVLAN },
    ipvlan: { kind: "nest", schema: (): typeof IPVLAN => IPVLAN },
    ipvtap: { kind: "nest", schema: (): typeof IPVLAN => IPVLAN },
    vrf: { kind: "nest", schema: (): typeof VRF => VRF },
    vxlan: { kind: "nest", schema: (): typeof VXLAN => VXLAN },
    geneve: { kind: "nest", schema: (): typeof GENEVE => GENEVE },
    bond: { kind: "nest", schema: (): typeof BOND => BOND },
    gre: { kind: "nest", schema: (): typeof GRE => GRE },
    gretap: { kind: "nest", schema: (): typeof GRE => GRE },
    ip6gre: { kind: "nest", schema: (): typeof GRE => GRE },
    ip6gretap: { kind: "nest", schema: (): typeof GRE => GRE },
    erspan: { kind: "nest", schema: (): typeof GRE => GRE },
    ip6erspan: { kind: "nest", schema: (): typeof GRE => GRE },
    ipip: { kind: "nest", schema: (): typeof IPTUN => IPTUN },
    ip6tnl: { kind: "nest", schema: (): typeof IPTUN => IPTUN },
    sit: { kind: "nest", schema: (): typeof SIT => SIT },
    vti: { kind: "nest", schema: (): typeof VTI => VTI },
    vti6: { kind: "nest", schema: (): typeof VTI => VTI },
    tun: { kind: "nest", schema: (): typeof TUN => TUN },
  };

/** IFLA_INFO_SLAVE_DATA codecs by slave kind (the master's kind, as the kernel reports it). */
export const LINKINFO_SLAVE_DATA: Readonly<Record<string, Codec>> = {
  bridge: { kind: "nest", schema: (): typeof BRPORT => BRPORT },
  bond: { kind: "nest", schema: (): typeof BOND_SLAVE => BOND_SLAVE },
  vrf: { kind: "nest", schema: (): typeof VRF_PORT => VRF_PORT },
};

/**
 * Link kinds the kernel knows (`rtnl_link_ops.kind`), with or without a data schema. Requests
 * with any other kind are refused before anything is sent.
 */
export const LINK_KINDS = [
  "amt",
  "bareudp",
  "batadv",
  "bond",
  "bridge",
  "can",
  "dsa",
  "dummy",
  "erspan",
  "geneve",
  "gre",
  "gretap",
  "gtp",
  "hsr",
  "ifb",
  "ip6erspan",
  "ip6gre",
  "ip6gretap",
  "ip6tnl",
  "ipip",
  "ipoib",
  "ipvlan",
  "ipvtap",
  "lowpan",
  "macsec",
  "macvlan",
  "macvtap",
  "netdevsim",
  "netkit",
  "nlmon",
  "ovpn",
  "pfcp",
  "rmnet",
  "sit",
  "team",
  "tun",
  "vcan",
  "veth",
  "virt_wifi",
  "vlan",
  "vrf",
  "vti",
  "vti6",
  "vxcan",
  "vxlan",
  "wireguard",
  "xfrm",
] as const;

/** A link kind the kernel knows. */
export type LinkKind = typeof LINK_KINDS[number];

// ---------------------------------------------------------------------------------------------
// Names a request may write instead of numbers.

/** VLAN protocols (`ETH_P_8021Q`, `ETH_P_8021AD`) as iproute2 writes them. */
export const VLAN_PROTOCOLS = { "802.1Q": 0x8100, "802.1ad": 0x88a8 } as const;

/** `VLAN_FLAG_*` bits, for `vlan_flags: { reorder_hdr: false, … }`. */
export const VLAN_FLAG_BITS = {
  reorder_hdr: 0x1,
  gvrp: 0x2,
  loose_binding: 0x4,
  mvrp: 0x8,
  bridge_binding: 0x10,
} as const;

/** `MACVLAN_MODE_*`. */
export const MACVLAN_MODES = {
  private: 1,
  vepa: 2,
  bridge: 4,
  passthru: 8,
  source: 16,
} as const;

/** `MACVLAN_MACADDR_*` (the operation of `macvlan_macaddr_mode` on the source list). */
export const MACVLAN_MACADDR_MODES = { add: 0, del: 1, flush: 2, set: 3 } as const;

/** `MACVLAN_FLAG_*` bits. */
export const MACVLAN_FLAG_BITS = { nopromisc: 1, nodst: 2 } as const;

/** `IPVLAN_MODE_*`. */
export const IPVLAN_MODES = { l2: 0, l3: 1, l3s: 2 } as const;

/** `IPVLAN_F_*`: ipvlan's port mode ("bridge" is no bit). */
export const IPVLAN_FLAG_NAMES = { bridge: 0, private: 1, vepa: 2 } as const;

/** Bonding modes (`BOND_MODE_*`) by the names of the bonding driver and iproute2. */
export const BOND_MODES = {
  "balance-rr": 0,
  "active-backup": 1,
  "balance-xor": 2,
  broadcast: 3,
  "802.3ad": 4,
  "balance-tlb": 5,
  "balance-alb": 6,
} as const;

/** `BOND_XMIT_POLICY_*`. */
export const BOND_XMIT_HASH_POLICIES = {
  layer2: 0,
  "layer3+4": 1,
  "layer2+3": 2,
  "encap2+3": 3,
  "encap3+4": 4,
  "vlan+srcmac": 5,
} as const;

/** `BOND_ARP_VALIDATE_*`. */
export const BOND_ARP_VALIDATE = {
  none: 0,
  active: 1,
  backup: 2,
  all: 3,
  filter: 4,
  filter_active: 5,
  filter_backup: 6,
} as const;

/** `BOND_ARP_TARGETS_*`. */
export const BOND_ARP_ALL_TARGETS = { any: 0, all: 1 } as const;

/** `BOND_PRI_RESELECT_*`. */
export const BOND_PRIMARY_RESELECT = { always: 0, better: 1, failure: 2 } as const;

/** `BOND_FOM_*`. */
export const BOND_FAIL_OVER_MAC = { none: 0, active: 1, follow: 2 } as const;

/** 802.3ad LACPDU rates. */
export const BOND_AD_LACP_RATES = { slow: 0, fast: 1 } as const;

/** `BOND_AD_*` aggregator selection. */
export const BOND_AD_SELECT = { stable: 0, bandwidth: 1, count: 2, actor_port_prio: 3 } as const;

/** `VXLAN_DF_*` / `GENEVE_DF_*`. */
export const TUNNEL_DF = { unset: 0, set: 1, inherit: 2 } as const;

/** `VXLAN_LABEL_*`. */
export const VXLAN_LABEL_POLICIES = { fixed: 0, inherit: 1 } as const;

/** `TUNNEL_ENCAP_*`. */
export const TUNNEL_ENCAP_TYPES = { none: 0, fou: 1, gue: 2, mpls: 3 } as const;

/** ip6tnl modes as `iptun_proto`: what the tunnel carries. */
export const IP6TNL_PROTOS = { any: 0, ipip6: 4, ip6ip6: 41 } as const;

/** `BR_STATE_*`: bridge port STP states. */
export const BRPORT_STATES = {
  disabled: 0,
  listening: 1,
  learning: 2,
  forwarding: 3,
  blocking: 4,
} as const;

/** `MDB_RTR_TYPE_*`: multicast router modes of bridges and ports. */
export const MCAST_ROUTER_TYPES = { disabled: 0, temp_query: 1, perm: 2, temp: 3 } as const;

/**
 * Per data attribute, the names a request may use instead of its number (decoding keeps the
 * number the kernel sent).
 */
export const LINK_VALUE_NAMES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  vlan_protocol: VLAN_PROTOCOLS,
  br_vlan_protocol: VLAN_PROTOCOLS,
  macvlan_mode: MACVLAN_MODES,
  macvlan_macaddr_mode: MACVLAN_MACADDR_MODES,
  ipvlan_mode: IPVLAN_MODES,
  ipvlan_flags: IPVLAN_FLAG_NAMES,
  bond_mode: BOND_MODES,
  bond_xmit_hash_policy: BOND_XMIT_HASH_POLICIES,
  bond_arp_validate: BOND_ARP_VALIDATE,
  bond_arp_all_targets: BOND_ARP_ALL_TARGETS,
  bond_primary_reselect: BOND_PRIMARY_RESELECT,
  bond_fail_over_mac: BOND_FAIL_OVER_MAC,
  bond_ad_lacp_rate: BOND_AD_LACP_RATES,
  bond_ad_select: BOND_AD_SELECT,
  vxlan_df: TUNNEL_DF,
  vxlan_label_policy: VXLAN_LABEL_POLICIES,
  geneve_df: TUNNEL_DF,
  gre_encap_type: TUNNEL_ENCAP_TYPES,
  iptun_encap_type: TUNNEL_ENCAP_TYPES,
  iptun_proto: IP6TNL_PROTOS,
  brport_state: BRPORT_STATES,
  brport_multicast_router: MCAST_ROUTER_TYPES,
  br_mcast_router: MCAST_ROUTER_TYPES,
};

/** Per data attribute, named bits a request may give as `{ name: boolean }`. */
export const LINK_FLAG_BITS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  vlan_flags: VLAN_FLAG_BITS,
  macvlan_flags: MACVLAN_FLAG_BITS,
};
