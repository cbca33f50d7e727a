/**
 * Link messages (`RTM_NEWLINK`…): `struct ifinfomsg` and every `IFLA_*` attribute
 * (linux/if_link.h). Kind-specific `IFLA_INFO_DATA` schemas live in ./linkinfo.ts.
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, Codec, MessageSchema } from "../../netlink/schema.ts";
import { BRPORT, LINKINFO_DATA, LINKINFO_SLAVE_DATA } from "./linkinfo.ts";
import { VFINFO_LIST } from "./vf.ts";
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

/**
 * The IPv4 settings of a device (`IFLA_INET_CONF`): `IPV4_DEVCONF_*` (linux/ip.h) in order, one
 * u32 each, named without the prefix (`IPV4_DEVCONF_RP_FILTER` → `rp_filter`).
 */
export const IPV4_DEVCONF = {
  kind: "struct",
  fields: [
    ["forwarding", "u32"],
    ["mc_forwarding", "u32"],
    ["proxy_arp", "u32"],
    ["accept_redirects", "u32"],
    ["secure_redirects", "u32"],
    ["send_redirects", "u32"],
    ["shared_media", "u32"],
    ["rp_filter", "u32"],
    ["accept_source_route", "u32"],
    ["bootp_relay", "u32"],
    ["log_martians", "u32"],
    ["tag", "u32"],
    ["arpfilter", "u32"],
    ["medium_id", "u32"],
    ["noxfrm", "u32"],
    ["nopolicy", "u32"],
    ["force_igmp_version", "u32"],
    ["arp_announce", "u32"],
    ["arp_ignore", "u32"],
    ["promote_secondaries", "u32"],
    ["arp_accept", "u32"],
    ["arp_notify", "u32"],
    ["accept_local", "u32"],
    ["src_vmark", "u32"],
    ["proxy_arp_pvlan", "u32"],
    ["route_localnet", "u32"],
    ["igmpv2_unsolicited_report_interval", "u32"],
    ["igmpv3_unsolicited_report_interval", "u32"],
    ["ignore_routes_with_linkdown", "u32"],
    ["drop_unicast_in_l2_multicast", "u32"],
    ["drop_gratuitous_arp", "u32"],
    ["bc_forwarding", "u32"],
    ["arp_evict_nocarrier", "u32"],
  ],
} as const;

/** `IFLA_INET_*` of IFLA_AF_SPEC/AF_INET: the IPv4 devconf array. */
export const AF_INET_SPEC_TABLE = {
  IFLA_INET_CONF: [1, IPV4_DEVCONF],
} as const;

/** The compiled AF_INET_SPEC table. */
export const AF_INET_SPEC: AttrSchema<"IFLA_INET_", typeof AF_INET_SPEC_TABLE> = attrs(
  "IFLA_INET_",
  AF_INET_SPEC_TABLE,
);

/**
 * The IPv6 settings of a device (`IFLA_INET6_CONF`): `DEVCONF_*` (linux/ipv6.h) in order, one
 * s32 each, named without the prefix (`DEVCONF_ACCEPT_RA` → `accept_ra`).
 */
export const IPV6_DEVCONF = {
  kind: "struct",
  fields: [
    ["forwarding", "s32"],
    ["hoplimit", "s32"],
    ["mtu6", "s32"],
    ["accept_ra", "s32"],
    ["accept_redirects", "s32"],
    ["autoconf", "s32"],
    ["dad_transmits", "s32"],
    ["rtr_solicits", "s32"],
    ["rtr_solicit_interval", "s32"],
    ["rtr_solicit_delay", "s32"],
    ["use_tempaddr", "s32"],
    ["temp_valid_lft", "s32"],
    ["temp_prefered_lft", "s32"],
    ["regen_max_retry", "s32"],
    ["max_desync_factor", "s32"],
    ["max_addresses", "s32"],
    ["force_mld_version", "s32"],
    ["accept_ra_defrtr", "s32"],
    ["accept_ra_pinfo", "s32"],
    ["accept_ra_rtr_pref", "s32"],
    ["rtr_probe_interval", "s32"],
    ["accept_ra_rt_info_max_plen", "s32"],
    ["proxy_ndp", "s32"],
    ["optimistic_dad", "s32"],
    ["accept_source_route", "s32"],
    ["mc_forwarding", "s32"],
    ["disable_ipv6", "s32"],
    ["accept_dad", "s32"],
    ["force_tllao", "s32"],
    ["ndisc_notify", "s32"],
    ["mldv1_unsolicited_report_interval", "s32"],
    ["mldv2_unsolicited_report_interval", "s32"],
    ["suppress_frag_ndisc", "s32"],
    ["accept_ra_from_local", "s32"],
    ["use_optimistic", "s32"],
    ["accept_ra_mtu", "s32"],
    ["stable_secret", "s32"],
    ["use_oif_addrs_only", "s32"],
    ["accept_ra_min_hop_limit", "s32"],
    ["ignore_routes_with_linkdown", "s32"],
    ["drop_unicast_in_l2_multicast", "s32"],
    ["drop_unsolicited_na", "s32"],
    ["keep_addr_on_down", "s32"],
    ["rtr_solicit_max_interval", "s32"],
    ["seg6_enabled", "s32"],
    ["seg6_require_hmac", "s32"],
    ["enhanced_dad", "s32"],
    ["addr_gen_mode", "s32"],
    ["disable_policy", "s32"],
    ["accept_ra_rt_info_min_plen", "s32"],
    ["ndisc_tclass", "s32"],
    ["rpl_seg_enabled", "s32"],
    ["ra_defrtr_metric", "s32"],
    ["ioam6_enabled", "s32"],
    ["ioam6_id", "s32"],
    ["ioam6_id_wide", "s32"],
    ["ndisc_evict_nocarrier", "s32"],
    ["accept_untracked_na", "s32"],
    ["accept_ra_min_lft", "s32"],
    ["force_forwarding", "s32"],
  ],
} as const;

/** IPv6 per-device counters (`IFLA_INET6_STATS`): `IPSTATS_MIB_*` (linux/snmp.h), u64 each. */
export const IPV6_STATS = {
  kind: "struct",
  fields: [
    ["num", "u64"],
    ["inpkts", "u64"],
    ["inoctets", "u64"],
    ["indelivers", "u64"],
    ["outforwdatagrams", "u64"],
    ["outrequests", "u64"],
    ["outoctets", "u64"],
    ["inhdrerrors", "u64"],
    ["intoobigerrors", "u64"],
    ["innoroutes", "u64"],
    ["inaddrerrors", "u64"],
    ["inunknownprotos", "u64"],
    ["intruncatedpkts", "u64"],
    ["indiscards", "u64"],
    ["outdiscards", "u64"],
    ["outnoroutes", "u64"],
    ["reasmtimeout", "u64"],
    ["reasmreqds", "u64"],
    ["reasmoks", "u64"],
    ["reasmfails", "u64"],
    ["fragoks", "u64"],
    ["fragfails", "u64"],
    ["fragcreates", "u64"],
    ["inmcastpkts", "u64"],
    ["outmcastpkts", "u64"],
    ["inbcastpkts", "u64"],
    ["outbcastpkts", "u64"],
    ["inmcastoctets", "u64"],
    ["outmcastoctets", "u64"],
    ["inbcastoctets", "u64"],
    ["outbcastoctets", "u64"],
    ["csumerrors", "u64"],
    ["noectpkts", "u64"],
    ["ect1pkts", "u64"],
    ["ect0pkts", "u64"],
    ["cepkts", "u64"],
    ["reasm_overlaps", "u64"],
    ["outpkts", "u64"],
  ],
} as const;

/** ICMPv6 per-device counters (`IFLA_INET6_ICMP6STATS`): `ICMP6_MIB_*`, u64 each. */
export const ICMP6_STATS = {
  kind: "struct",
  fields: [
    ["num", "u64"],
    ["inmsgs", "u64"],
    ["inerrors", "u64"],
    ["outmsgs", "u64"],
    ["outerrors", "u64"],
    ["csumerrors", "u64"],
    ["ratelimithost", "u64"],
  ],
} as const;

/** `struct ifla_cacheinfo` (IFLA_INET6_CACHEINFO); times in milliseconds, tstamp in 1/100 s. */
export const IFLA_CACHEINFO = {
  kind: "struct",
  fields: [
    ["max_reasm_len", "u32"],
    ["tstamp", "u32"],
    ["reachable_time", "u32"],
    ["retrans_time", "u32"],
  ],
} as const;

/**
 * `IFLA_INET6_*`: IPv6 settings of a device, in IFLA_AF_SPEC/AF_INET6 and in the IFLA_PROTINFO of
 * AF_INET6 link messages. `flags` are `IF_RA_*`/`IF_READY`; `addr_gen_mode` is
 * `IN6_ADDR_GEN_MODE_*` (0 eui64, 1 none, 2 stable_secret, 3 random).
 */
export const AF_INET6_SPEC_TABLE = {
  IFLA_INET6_FLAGS: [1, "u32"],
  IFLA_INET6_CONF: [2, IPV6_DEVCONF],
  IFLA_INET6_STATS: [3, IPV6_STATS],
  IFLA_INET6_MCAST: [4, "binary"],
  IFLA_INET6_CACHEINFO: [5, IFLA_CACHEINFO],
  IFLA_INET6_ICMP6STATS: [6, ICMP6_STATS],
  IFLA_INET6_TOKEN: [7, "ipaddr"],
  IFLA_INET6_ADDR_GEN_MODE: [8, "u8"],
  IFLA_INET6_RA_MTU: [9, "u32"],
} as const;

/** The compiled AF_INET6_SPEC table. */
export const AF_INET6_SPEC: AttrSchema<"IFLA_INET6_", typeof AF_INET6_SPEC_TABLE> = attrs(
  "IFLA_INET6_",
  AF_INET6_SPEC_TABLE,
);

/** IFLA_AF_SPEC of AF_UNSPEC link messages: per address family settings, keyed by family. */
export const AF_SPEC_TABLE = {
  AF_INET: [2, { kind: "nest", schema: (): typeof AF_INET_SPEC => AF_INET_SPEC }],
  AF_BRIDGE: [7, "binary"],
  AF_INET6: [10, { kind: "nest", schema: (): typeof AF_INET6_SPEC => AF_INET6_SPEC }],
  AF_MPLS: [28, "binary"],
} as const;

/** The compiled AF_SPEC table. */
export const AF_SPEC: AttrSchema<"AF_", typeof AF_SPEC_TABLE> = attrs("AF_", AF_SPEC_TABLE);

/**
 * IFLA_AF_SPEC by the message's `family`: per-family nests in AF_UNSPEC (0) messages. AF_BRIDGE
 * messages carry `IFLA_BRIDGE_*` there instead (./bridge.ts decodes those); other families come
 * back as bytes.
 */
export const AF_SPEC_BY_FAMILY: Readonly<Record<string, Codec>> = {
  0: { kind: "nest", schema: (): typeof AF_SPEC => AF_SPEC },
};

/**
 * IFLA_PROTINFO by the message's `family`: bridge port settings in AF_BRIDGE messages
 * (br_fill_ifinfo), IPv6 settings in AF_INET6 ones (inet6_fill_ifinfo).
 */
export const PROTINFO_BY_FAMILY: Readonly<Record<string, Codec>> = {
  7: { kind: "nest", schema: (): typeof BRPORT => BRPORT },
  10: { kind: "nest", schema: (): typeof AF_INET6_SPEC => AF_INET6_SPEC },
};

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

/** `IFLA_PROTO_DOWN_REASON_*`: why a link is held down (driver-defined bits). */
export const PROTO_DOWN_REASON_TABLE = {
  IFLA_PROTO_DOWN_REASON_MASK: [1, "u32"],
  IFLA_PROTO_DOWN_REASON_VALUE: [2, "u32"],
} as const;

/** The compiled PROTO_DOWN_REASON table. */
export const PROTO_DOWN_REASON: AttrSchema<
  "IFLA_PROTO_DOWN_REASON_",
  typeof PROTO_DOWN_REASON_TABLE
> = attrs("IFLA_PROTO_DOWN_REASON_", PROTO_DOWN_REASON_TABLE);

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
  IFLA_PROTINFO: [12, {
    kind: "select",
    by: "family",
    choices: (): typeof PROTINFO_BY_FAMILY => PROTINFO_BY_FAMILY,
  }],
  IFLA_TXQLEN: [13, "u32"],
  IFLA_MAP: [14, LINK_IFMAP],
  IFLA_WEIGHT: [15, "u32"],
  IFLA_OPERSTATE: [16, {
    kind: "enum",
    base: "u8",
    names: {
      UNKNOWN: 0,
      NOTPRESENT: 1,
      DOWN: 2,
      LOWERLAYERDOWN: 3,
      TESTING: 4,
      DORMANT: 5,
      UP: 6,
    },
  }],
  IFLA_LINKMODE: [17, "u8"],
  IFLA_LINKINFO: [18, { kind: "nest", schema: (): typeof LINKINFO => LINKINFO }],
  IFLA_NET_NS_PID: [19, "u32"],
  IFLA_IFALIAS: [20, "string"],
  IFLA_NUM_VF: [21, "u32"],
  IFLA_VFINFO_LIST: [22, VFINFO_LIST],
  IFLA_STATS64: [23, LINK_STATS64],
  IFLA_VF_PORTS: [24, "binary"],
  IFLA_PORT_SELF: [25, "binary"],
  IFLA_AF_SPEC: [26, {
    kind: "select",
    by: "family",
    choices: (): typeof AF_SPEC_BY_FAMILY => AF_SPEC_BY_FAMILY,
  }],
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
  IFLA_PROTO_DOWN_REASON: [55, {
    kind: "nest",
    schema: (): typeof PROTO_DOWN_REASON => PROTO_DOWN_REASON,
  }],
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
  IFLA_HEADROOM: [68, "u16"],
  IFLA_TAILROOM: [69, "u16"],
} as const;

/** The compiled IFLA table. */
export const IFLA: AttrSchema<"IFLA_", typeof IFLA_TABLE> = attrs("IFLA_", IFLA_TABLE);

/** The link message schema. */
export const LINK_MESSAGE: MessageSchema<typeof IFINFOMSG, typeof IFLA> = message(
  "link",
  IFINFOMSG,
  IFLA,
);
