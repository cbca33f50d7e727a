/**
 * Classifier options (`TCA_OPTIONS` of a filter), selected by the filter's kind: u32, bpf,
 * matchall, fw and flower (linux/pkt_cls.h).
 *
 * @module
 */

import { attrs } from "../../netlink/schema.ts";
import type { AttrSchema } from "../../netlink/schema.ts";
import { ACTIONS, POLICE } from "./tc_action.ts";

/** `struct tc_u32_mark`. */
export const TC_U32_MARK = {
  kind: "struct",
  fields: [["val", "u32"], ["mask", "u32"], ["success", "u32"]],
} as const;

/** The old-style police nest (`TCA_*_POLICE`). */
export const POLICE_NEST = { kind: "nest", schema: (): typeof POLICE => POLICE } as const;

/**
 * `TCA_U32_*`. `TCA_U32_SEL` is `struct tc_u32_sel` with its keys; its view decodes it to
 * `{ flags, offshift, nkeys, offmask, off, offoff, hoff, hmask, keys: [{ mask, val, off,
 * offmask }] }` (rtnl/tc/u32.ts).
 */
export const U32_TABLE = {
  TCA_U32_CLASSID: [1, "u32"],
  TCA_U32_HASH: [2, "u32"],
  TCA_U32_LINK: [3, "u32"],
  TCA_U32_DIVISOR: [4, "u32"],
  TCA_U32_SEL: [5, "binary"],
  TCA_U32_POLICE: [6, POLICE_NEST],
  TCA_U32_ACT: [7, ACTIONS],
  TCA_U32_INDEV: [8, "string"],
  TCA_U32_PCNT: [9, "binary"],
  TCA_U32_MARK: [10, TC_U32_MARK],
  TCA_U32_FLAGS: [11, "u32"],
  TCA_U32_PAD: [12, "binary"],
} as const;

/** The compiled U32 table. */
export const U32: AttrSchema<"TCA_U32_", typeof U32_TABLE> = attrs("TCA_U32_", U32_TABLE);

/**
 * `TCA_BPF_*`. `TCA_BPF_OPS` is an array of `struct sock_filter`; its view decodes it to
 * `[{ code, jt, jf, k }]`.
 */
export const BPF_TABLE = {
  TCA_BPF_ACT: [1, ACTIONS],
  TCA_BPF_POLICE: [2, POLICE_NEST],
  TCA_BPF_CLASSID: [3, "u32"],
  TCA_BPF_OPS_LEN: [4, "u16"],
  TCA_BPF_OPS: [5, "binary"],
  TCA_BPF_FD: [6, "u32"],
  TCA_BPF_NAME: [7, "string"],
  TCA_BPF_FLAGS: [8, "u32"],
  TCA_BPF_FLAGS_GEN: [9, "u32"],
  TCA_BPF_TAG: [10, "binary"],
  TCA_BPF_ID: [11, "u32"],
} as const;

/** The compiled BPF table. */
export const BPF: AttrSchema<"TCA_BPF_", typeof BPF_TABLE> = attrs("TCA_BPF_", BPF_TABLE);

/** `struct tc_matchall_pcnt`. */
export const TC_MATCHALL_PCNT = { kind: "struct", fields: [["rhit", "u64"]] } as const;

/** `TCA_MATCHALL_*`. */
export const MATCHALL_TABLE = {
  TCA_MATCHALL_CLASSID: [1, "u32"],
  TCA_MATCHALL_ACT: [2, ACTIONS],
  TCA_MATCHALL_FLAGS: [3, "u32"],
  TCA_MATCHALL_PCNT: [4, TC_MATCHALL_PCNT],
  TCA_MATCHALL_PAD: [5, "binary"],
} as const;

/** The compiled MATCHALL table. */
export const MATCHALL: AttrSchema<"TCA_MATCHALL_", typeof MATCHALL_TABLE> = attrs(
  "TCA_MATCHALL_",
  MATCHALL_TABLE,
);

/** `TCA_FW_*`. */
export const FW_TABLE = {
  TCA_FW_CLASSID: [1, "u32"],
  TCA_FW_POLICE: [2, POLICE_NEST],
  TCA_FW_INDEV: [3, "string"],
  TCA_FW_ACT: [4, ACTIONS],
  TCA_FW_MASK: [5, "u32"],
} as const;

/** The compiled FW table. */
export const FW: AttrSchema<"TCA_FW_", typeof FW_TABLE> = attrs("TCA_FW_", FW_TABLE);

/**
 * `TCA_FLOWER_*`. Short names keep the `key_` part (`key_ipv4_dst`, `key_tcp_dst`); the
 * request builder (rtnl/tc/flower.ts) takes tc's own words (`dst_ip`, `dst_port`).
 */
export const FLOWER_TABLE = {
  TCA_FLOWER_CLASSID: [1, "u32"],
  TCA_FLOWER_INDEV: [2, "string"],
  TCA_FLOWER_ACT: [3, ACTIONS],
  TCA_FLOWER_KEY_ETH_DST: [4, "lladdr"],
  TCA_FLOWER_KEY_ETH_DST_MASK: [5, "lladdr"],
  TCA_FLOWER_KEY_ETH_SRC: [6, "lladdr"],
  TCA_FLOWER_KEY_ETH_SRC_MASK: [7, "lladdr"],
  TCA_FLOWER_KEY_ETH_TYPE: [8, "be16"],
  TCA_FLOWER_KEY_IP_PROTO: [9, "u8"],
  TCA_FLOWER_KEY_IPV4_SRC: [10, "ipaddr"],
  TCA_FLOWER_KEY_IPV4_SRC_MASK: [11, "ipaddr"],
  TCA_FLOWER_KEY_IPV4_DST: [12, "ipaddr"],
  TCA_FLOWER_KEY_IPV4_DST_MASK: [13, "ipaddr"],
  TCA_FLOWER_KEY_IPV6_SRC: [14, "ipaddr"],
  TCA_FLOWER_KEY_IPV6_SRC_MASK: [15, "ipaddr"],
  TCA_FLOWER_KEY_IPV6_DST: [16, "ipaddr"],
  TCA_FLOWER_KEY_IPV6_DST_MASK: [17, "ipaddr"],
  TCA_FLOWER_KEY_TCP_SRC: [18, "be16"],
  TCA_FLOWER_KEY_TCP_DST: [19, "be16"],
  TCA_FLOWER_KEY_UDP_SRC: [20, "be16"],
  TCA_FLOWER_KEY_UDP_DST: [21, "be16"],
  TCA_FLOWER_FLAGS: [22, "u32"],
  TCA_FLOWER_KEY_VLAN_ID: [23, "u16"],
  TCA_FLOWER_KEY_VLAN_PRIO: [24, "u8"],
  TCA_FLOWER_KEY_VLAN_ETH_TYPE: [25, "be16"],
  TCA_FLOWER_KEY_ENC_KEY_ID: [26, "be32"],
  TCA_FLOWER_KEY_ENC_IPV4_SRC: [27, "ipaddr"],
  TCA_FLOWER_KEY_ENC_IPV4_SRC_MASK: [28, "ipaddr"],
  TCA_FLOWER_KEY_ENC_IPV4_DST: [29, "ipaddr"],
  TCA_FLOWER_KEY_ENC_IPV4_DST_MASK: [30, "ipaddr"],
  TCA_FLOWER_KEY_ENC_IPV6_SRC: [31, "ipaddr"],
  TCA_FLOWER_KEY_ENC_IPV6_SRC_MASK: [32, "ipaddr"],
  TCA_FLOWER_KEY_ENC_IPV6_DST: [33, "ipaddr"],
  TCA_FLOWER_KEY_ENC_IPV6_DST_MASK: [34, "ipaddr"],
  TCA_FLOWER_KEY_TCP_SRC_MASK: [35, "be16"],
  TCA_FLOWER_KEY_TCP_DST_MASK: [36, "be16"],
  TCA_FLOWER_KEY_UDP_SRC_MASK: [37, "be16"],
  TCA_FLOWER_KEY_UDP_DST_MASK: [38, "be16"],
  TCA_FLOWER_KEY_SCTP_SRC_MASK: [39, "be16"],
  TCA_FLOWER_KEY_SCTP_DST_MASK: [40, "be16"],
  TCA_FLOWER_KEY_SCTP_SRC: [41, "be16"],
  TCA_FLOWER_KEY_SCTP_DST: [42, "be16"],
  TCA_FLOWER_KEY_ENC_UDP_SRC_PORT: [43, "be16"],
  TCA_FLOWER_KEY_ENC_UDP_SRC_PORT_MASK: [44, "be16"],
  TCA_FLOWER_KEY_ENC_UDP_DST_PORT: [45, "be16"],
  TCA_FLOWER_KEY_ENC_UDP_DST_PORT_MASK: [46, "be16"],
  TCA_FLOWER_KEY_FLAGS: [47, "be32"],
  TCA_FLOWER_KEY_FLAGS_MASK: [48, "be32"],
  TCA_FLOWER_KEY_ICMPV4_CODE: [49, "u8"],
  TCA_FLOWER_KEY_ICMPV4_CODE_MASK: [50, "u8"],
  TCA_FLOWER_KEY_ICMPV4_TYPE: [51, "u8"],
  TCA_FLOWER_KEY_ICMPV4_TYPE_MASK: [52, "u8"],
  TCA_FLOWER_KEY_ICMPV6_CODE: [53, "u8"],
  TCA_FLOWER_KEY_ICMPV6_CODE_MASK: [54, "u8"],
  TCA_FLOWER_KEY_ICMPV6_TYPE: [55, "u8"],
  TCA_FLOWER_KEY_ICMPV6_TYPE_MASK: [56, "u8"],
  TCA_FLOWER_KEY_ARP_SIP: [57, "ipaddr"],
  TCA_FLOWER_KEY_ARP_SIP_MASK: [58, "ipaddr"],
  TCA_FLOWER_KEY_ARP_TIP: [59, "ipaddr"],
  TCA_FLOWER_KEY_ARP_TIP_MASK: [60, "ipaddr"],
  TCA_FLOWER_KEY_ARP_OP: [61, "u8"],
  TCA_FLOWER_KEY_ARP_OP_MASK: [62, "u8"],
  TCA_FLOWER_KEY_ARP_SHA: [63, "lladdr"],
  TCA_FLOWER_KEY_ARP_SHA_MASK: [64, "lladdr"],
  TCA_FLOWER_KEY_ARP_THA: [65, "lladdr"],
  TCA_FLOWER_KEY_ARP_THA_MASK: [66, "lladdr"],
  TCA_FLOWER_KEY_MPLS_TTL: [67, "u8"],
  TCA_FLOWER_KEY_MPLS_BOS: [68, "u8"],
  TCA_FLOWER_KEY_MPLS_TC: [69, "u8"],
  TCA_FLOWER_KEY_MPLS_LABEL: [70, "be32"],
  TCA_FLOWER_KEY_TCP_FLAGS: [71, "be16"],
  TCA_FLOWER_KEY_TCP_FLAGS_MASK: [72, "be16"],
  TCA_FLOWER_KEY_IP_TOS: [73, "u8"],
  TCA_FLOWER_KEY_IP_TOS_MASK: [74, "u8"],
  TCA_FLOWER_KEY_IP_TTL: [75, "u8"],
  TCA_FLOWER_KEY_IP_TTL_MASK: [76, "u8"],
  TCA_FLOWER_KEY_CVLAN_ID: [77, "u16"],
  TCA_FLOWER_KEY_CVLAN_PRIO: [78, "u8"],
  TCA_FLOWER_KEY_CVLAN_ETH_TYPE: [79, "be16"],
  TCA_FLOWER_KEY_ENC_IP_TOS: [80, "u8"],
  TCA_FLOWER_KEY_ENC_IP_TOS_MASK: [81, "u8"],
  TCA_FLOWER_KEY_ENC_IP_TTL: [82, "u8"],
  TCA_FLOWER_KEY_ENC_IP_TTL_MASK: [83, "u8"],
  TCA_FLOWER_KEY_ENC_OPTS: [84, "binary"],
  TCA_FLOWER_KEY_ENC_OPTS_MASK: [85, "binary"],
  TCA_FLOWER_IN_HW_COUNT: [86, "u32"],
  TCA_FLOWER_KEY_PORT_SRC_MIN: [87, "be16"],
  TCA_FLOWER_KEY_PORT_SRC_MAX: [88, "be16"],
  TCA_FLOWER_KEY_PORT_DST_MIN: [89, "be16"],
  TCA_FLOWER_KEY_PORT_DST_MAX: [90, "be16"],
  TCA_FLOWER_KEY_CT_STATE: [91, "u16"],
  TCA_FLOWER_KEY_CT_STATE_MASK: [92, "u16"],
  TCA_FLOWER_KEY_CT_ZONE: [93, "u16"],
  TCA_FLOWER_KEY_CT_ZONE_MASK: [94, "u16"],
  TCA_FLOWER_KEY_CT_MARK: [95, "u32"],
  TCA_FLOWER_KEY_CT_MARK_MASK: [96, "u32"],
  TCA_FLOWER_KEY_CT_LABELS: [97, "binary"],
  TCA_FLOWER_KEY_CT_LABELS_MASK: [98, "binary"],
  TCA_FLOWER_KEY_MPLS_OPTS: [99, "binary"],
  TCA_FLOWER_KEY_HASH: [100, "u32"],
  TCA_FLOWER_KEY_HASH_MASK: [101, "u32"],
  TCA_FLOWER_KEY_NUM_OF_VLANS: [102, "u8"],
  TCA_FLOWER_KEY_PPPOE_SID: [103, "be16"],
  TCA_FLOWER_KEY_PPP_PROTO: [104, "be16"],
  TCA_FLOWER_KEY_L2TPV3_SID: [105, "be32"],
} as const;

/** The compiled FLOWER table. */
export const FLOWER: AttrSchema<"TCA_FLOWER_", typeof FLOWER_TABLE> = attrs(
  "TCA_FLOWER_",
  FLOWER_TABLE,
);
