/**
 * Link messages (`RTM_NEWLINK`…): `struct ifinfomsg` and every `IFLA_*` attribute
 * (linux/if_link.h). Kind-specific `IFLA_INFO_DATA` schemas live in ./linkinfo.ts.
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";
import { BRPORT, LINKINFO_DATA, LINKINFO_SLAVE_DATA } from "./linkinfo.ts";
import { IFINFOMSG } from "./ifinfomsg.ts";

export { IFINFOMSG };

/** `struct rtnl_link_stats64` (IFLA_STATS64). */
export const LINK_STATS64 = {
  kind: "struct",
  fields: [
    ["rx_packets", "u64"],
    ["tx_packets", "u64"],
    ["rx_bytes", "u64"],
    ["tx_bytes", "u64"],
    ["rx_errors", "u64"],
    ["tx_errors", "u64"],
    ["rx_dropped", "u64"],
    ["tx_dropped", "u64"],
    ["multicast", "u64"],
    ["collisions", "u64"],
    ["rx_length_errors", "u64"],
    ["rx_over_errors", "u64"],
    ["rx_crc_errors", "u64"],
    ["rx_frame_errors", "u64"],
    ["rx_fifo_errors", "u64"],
    ["rx_missed_errors", "u64"],
    ["tx_aborted_errors", "u64"],
    ["tx_carrier_errors", "u64"],
    ["tx_fifo_errors", "u64"],
    ["tx_heartbeat_errors", "u64"],
    ["tx_window_errors", "u64"],
    ["rx_compressed", "u64"],
    ["tx_compressed", "u64"],
    ["rx_nohandler", "u64"],
    ["rx_otherhost_dropped", "u64"],
  ],
} as const;

/** `struct rtnl_link_stats` (IFLA_STATS, 32-bit counters). */
export const LINK_STATS = {
  kind: "struct",
  fields: [
    ["rx_packets", "u32"],
    ["tx_packets", "u32"],
    ["rx_bytes", "u32"],
    ["tx_bytes", "u32"],
    ["rx_errors", "u32"],
    ["tx_errors", "u32"],
    ["rx_dropped", "u32"],
    ["tx_dropped", "u32"],
    ["multicast", "u32"],
    ["collisions", "u32"],
    ["rx_length_errors", "u32"],
    ["rx_over_errors", "u32"],
    ["rx_crc_errors", "u32"],
    ["rx_frame_errors", "u32"],
    ["rx_fifo_errors", "u32"],
    ["rx_missed_errors", "u32"],
    ["tx_aborted_errors", "u32"],
    ["tx_carrier_errors", "u32"],
    ["tx_fifo_errors", "u32"],
    ["tx_heartbeat_errors", "u32"],
    ["tx_window_errors", "u32"],
    ["rx_compressed", "u32"],
    ["tx_compressed", "u32"],
    ["rx_nohandler", "u32"],
  ],
} as const;

/** `struct rtnl_link_ifmap` (IFLA_MAP). */
export const LINK_IFMAP = {
  kind: "struct",
  fields: [
    ["mem_start", "u64"],
    ["mem_end", "u64"],
    ["base_addr", "u64"],
    ["irq", "u16"],
    ["dma", "u8"],
    ["port", "u8"],
  ],
  size: 32,
} as const;

/** `IFLA_INFO_*`: the kind and its data, selected by `info_kind` / `info_slave_kind`. */
export const LINKINFO_TABLE = {
  IFLA_INFO_KIND: [1, "string"],
  IFLA_INFO_DATA: [2, {
    kind: "select",
    by: "info_kind",
    choices: (): typeof LINKINFO_DATA => LINKINFO_DATA,
  }],
  IFLA_INFO_XSTATS: [3, "binary"],
  IFLA_INFO_SLAVE_KIND: [4, "string"],
  IFLA_INFO_SLAVE_DATA: [5, {
    kind: "select",
    by: "info_slave_kind",
    choices: (): typeof LINKINFO_SLAVE_DATA => LINKINFO_SLAVE_DATA,
  }],
} as const;

/** The compiled LINKINFO table. */
export const LINKINFO: AttrSchema<"IFLA_", typeof LINKINFO_TABLE> = attrs("IFLA_", LINKINFO_TABLE);

/** `IFLA_INET_*` of IFLA_AF_SPEC/AF_INET: the IPv4 devconf array. */
export const AF_INET_SPEC_TABLE = {
  IFLA_INET_CONF: [1, "binary"],
} as const;

/** The compiled AF_INET_SPEC table. */
export const AF_INET_SPEC: AttrSchema<"IFLA_INET_", typeof AF_INET_SPEC_TABLE> = attrs(
  "IFLA_INET_",
  AF_INET_SPEC_TABLE,
);

/** `IFLA_INET6_*` of IFLA_AF_SPEC/AF_INET6. */
export const AF_INET6_SPEC_TABLE = {
  IFLA_INET6_FLAGS: [1, "u32"],
  IFLA_INET6_CONF: [2, "binary"],
  IFLA_INET6_STATS: [3, "binary"],
  IFLA_INET6_MCAST: [4, "binary"],
  IFLA_INET6_CACHEINFO: [
    5,
    {
      kind: "struct",
      fields: [["max_reasm_len", "u32"], ["tstamp", "u32"], ["reachable_time", "u32"], [
        "retrans_time",
        "u32",
      ]],
    },
  ],
  IFLA_INET6_ICMP6STATS: [6, "binary"],
  IFLA_INET6_TOKEN: [7, "ipaddr"],
  IFLA_INET6_ADDR_GEN_MODE: [8, "u8"],
  IFLA_INET6_RA_MTU: [9, "u32"],
} as const;

/** The compiled AF_INET6_SPEC table. */
export const AF_INET6_SPEC: AttrSchema<"IFLA_INET6_", typeof AF_INET6_SPEC_TABLE> = attrs(
  "IFLA_INET6_",
  AF_INET6_SPEC_TABLE,
);

/** IFLA_AF_SPEC: per address family settings, keyed by family number. */
export const AF_SPEC_TABLE = {
  AF_INET: [2, { kind: "nest", schema: (): typeof AF_INET_SPEC => AF_INET_SPEC }],
  AF_BRIDGE: [7, "binary"],
  AF_INET6: [10, { kind: "nest", schema: (): typeof AF_INET6_SPEC => AF_INET6_SPEC }],
} as const;

/** The compiled AF_SPEC table. */
export const AF_SPEC: AttrSchema<"AF_", typeof AF_SPEC_TABLE> = attrs("AF_", AF_SPEC_TABLE);

/** `IFLA_XDP_*`. */
export const XDP_TABLE = {
  IFLA_XDP_FD: [1, "s32"],
  IFLA_XDP_ATTACHED: [2, "u8"],
  IFLA_XDP_FLAGS: [3, "u32"],
  IFLA_XDP_PROG_ID: [4, "u32"],
  IFLA_XDP_DRV_PROG_ID: [5, "u32"],
  IFLA_XDP_SKB_PROG_ID: [6, "u32"],
  IFLA_XDP_HW_PROG_ID: [7, "u32"],
  IFLA_XDP_EXPECTED_FD: [8, "s32"],
} as const;

/** The compiled XDP table. */
export const XDP: AttrSchema<"IFLA_XDP_", typeof XDP_TABLE> = attrs("IFLA_XDP_", XDP_TABLE);

/** IFLA_PROP_LIST: alternative names (repeated IFLA_ALT_IFNAME). */
export const PROP_LIST_TABLE = {
  IFLA_ALT_IFNAME: [53, "string"],
} as const;

/** The compiled PROP_LIST table. */
export const PROP_LIST: AttrSchema<"IFLA_", typeof PROP_LIST_TABLE> = attrs(
  "IFLA_",
  PROP_LIST_TABLE,
);

/** `IFLA_*`: the attributes of a link message. */
export const IFLA_TABLE = {
  IFLA_ADDRESS: [1, "lladdr"],
  IFLA_BROADCAST: [2, "lladdr"],
  IFLA_IFNAME: [3, "string"],
  IFLA_MTU: [4, "u32"],
  IFLA_LINK: [5, "u32"],
  IFLA_QDISC: [6, "string"],
  IFLA_STATS: [7, LINK_STATS],
  IFLA_COST: [8, "binary"],
  IFLA_PRIORITY: [9, "binary"],
  IFLA_MASTER: [10, "u32"],
  IFLA_WIRELESS: [11, "binary"],
  // For bridge ports, the kernel sends IFLA_PROTINFO nested with IFLA_BRPORT_* (br_fill_ifinfo).
  IFLA_PROTINFO: [12, { kind: "nest", schema: (): typeof BRPORT => BRPORT }],
  IFLA_TXQLEN: [13, "u32"],
  IFLA_MAP: [14, LINK_IFMAP],
  IFLA_WEIGHT: [15, "u32"],
  IFLA_OPERSTATE: [16, "u8"],
  IFLA_LINKMODE: [17, "u8"],
  IFLA_LINKINFO: [18, { kind: "nest", schema: (): typeof LINKINFO => LINKINFO }],
  IFLA_NET_NS_PID: [19, "u32"],
  IFLA_IFALIAS: [20, "string"],
  IFLA_NUM_VF: [21, "u32"],
  IFLA_VFINFO_LIST: [22, "binary"],
  IFLA_STATS64: [23, LINK_STATS64],
  IFLA_VF_PORTS: [24, "binary"],
  IFLA_PORT_SELF: [25, "binary"],
  IFLA_AF_SPEC: [26, { kind: "nest", schema: (): typeof AF_SPEC => AF_SPEC }],
  IFLA_GROUP: [27, "u32"],
  IFLA_NET_NS_FD: [28, "u32"],
  IFLA_EXT_MASK: [29, "u32"],
  IFLA_PROMISCUITY: [30, "u32"],
  IFLA_NUM_TX_QUEUES: [31, "u32"],
  IFLA_NUM_RX_QUEUES: [32, "u32"],
  IFLA_CARRIER: [33, "u8"],
  IFLA_PHYS_PORT_ID: [34, "hex"],
  IFLA_CARRIER_CHANGES: [35, "u32"],
  IFLA_PHYS_SWITCH_ID: [36, "hex"],
  IFLA_LINK_NETNSID: [37, "s32"],
  IFLA_PHYS_PORT_NAME: [38, "string"],
  IFLA_PROTO_DOWN: [39, "u8"],
  IFLA_GSO_MAX_SEGS: [40, "u32"],
  IFLA_GSO_MAX_SIZE: [41, "u32"],
  IFLA_PAD: [42, "binary"],
  IFLA_XDP: [43, { kind: "nest", schema: (): typeof XDP => XDP }],
  IFLA_EVENT: [44, "u32"],
  IFLA_NEW_NETNSID: [45, "s32"],
  IFLA_TARGET_NETNSID: [46, "s32"],
  IFLA_CARRIER_UP_COUNT: [47, "u32"],
  IFLA_CARRIER_DOWN_COUNT: [48, "u32"],
  IFLA_NEW_IFINDEX: [49, "s32"],
  IFLA_MIN_MTU: [50, "u32"],
  IFLA_MAX_MTU: [51, "u32"],
  IFLA_PROP_LIST: [52, { kind: "nest", schema: (): typeof PROP_LIST => PROP_LIST }],
  IFLA_ALT_IFNAME: [53, "string"],
  IFLA_PERM_ADDRESS: [54, "lladdr"],
  IFLA_PROTO_DOWN_REASON: [55, "binary"],
  IFLA_PARENT_DEV_NAME: [56, "string"],
  IFLA_PARENT_DEV_BUS_NAME: [57, "string"],
  IFLA_GRO_MAX_SIZE: [58, "u32"],
  IFLA_TSO_MAX_SIZE: [59, "u32"],
  IFLA_TSO_MAX_SEGS: [60, "u32"],
  IFLA_ALLMULTI: [61, "u32"],
  IFLA_DEVLINK_PORT: [62, "binary"],
  IFLA_GSO_IPV4_MAX_SIZE: [63, "u32"],
  IFLA_GRO_IPV4_MAX_SIZE: [64, "u32"],
  IFLA_DPLL_PIN: [65, "binary"],
  IFLA_MAX_PACING_OFFLOAD_HORIZON: [66, "u32"],
  IFLA_NETNS_IMMUTABLE: [67, "u8"],
} as const;

/** The compiled IFLA table. */
export const IFLA: AttrSchema<"IFLA_", typeof IFLA_TABLE> = attrs("IFLA_", IFLA_TABLE);

/** The link message schema. */
export const LINK_MESSAGE: MessageSchema<typeof IFINFOMSG, typeof IFLA> = message(
  "link",
  IFINFOMSG,
  IFLA,
);
