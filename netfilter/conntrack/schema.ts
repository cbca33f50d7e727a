/**
 * ctnetlink schemas (linux/netfilter/nfnetlink_conntrack.h): conntrack entries, expectations and
 * statistics. Numbers on the wire are big-endian (ctnetlink writes them with `nla_put_be*`).
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, EnumCodec, MessageSchema } from "../../netlink/schema.ts";
import { NFGENMSG } from "../nfnetlink.ts";

/** Message types of NFNL_SUBSYS_CTNETLINK (`IPCTNL_MSG_CT_*`). */
export const IPCTNL_MSG_CT = {
  NEW: 0,
  GET: 1,
  DELETE: 2,
  GET_CTRZERO: 3,
  GET_STATS_CPU: 4,
  GET_STATS: 5,
  GET_DYING: 6,
  GET_UNCONFIRMED: 7,
} as const;

/** Message types of NFNL_SUBSYS_CTNETLINK_EXP (`IPCTNL_MSG_EXP_*`). */
export const IPCTNL_MSG_EXP = {
  NEW: 0,
  GET: 1,
  DELETE: 2,
  GET_STATS_CPU: 3,
} as const;

/** `CTA_IP_*`: the addresses of a tuple. */
export const CTA_IP_TABLE = {
  CTA_IP_V4_SRC: [1, "ipaddr"],
  CTA_IP_V4_DST: [2, "ipaddr"],
  CTA_IP_V6_SRC: [3, "ipaddr"],
  CTA_IP_V6_DST: [4, "ipaddr"],
} as const;
/** The compiled CTA_IP table. */
export const CTA_IP: AttrSchema<"CTA_IP_", typeof CTA_IP_TABLE> = attrs("CTA_IP_", CTA_IP_TABLE);

/** `CTA_PROTO_*`: the layer-4 part of a tuple. */
export const CTA_PROTO_TABLE = {
  CTA_PROTO_NUM: [1, "u8"],
  CTA_PROTO_SRC_PORT: [2, "be16"],
  CTA_PROTO_DST_PORT: [3, "be16"],
  CTA_PROTO_ICMP_ID: [4, "be16"],
  CTA_PROTO_ICMP_TYPE: [5, "u8"],
  CTA_PROTO_ICMP_CODE: [6, "u8"],
  CTA_PROTO_ICMPV6_ID: [7, "be16"],
  CTA_PROTO_ICMPV6_TYPE: [8, "u8"],
  CTA_PROTO_ICMPV6_CODE: [9, "u8"],
} as const;
/** The compiled CTA_PROTO table. */
export const CTA_PROTO: AttrSchema<"CTA_PROTO_", typeof CTA_PROTO_TABLE> = attrs(
  "CTA_PROTO_",
  CTA_PROTO_TABLE,
);

/** `CTA_TUPLE_*`: one direction of a connection. */
export const CTA_TUPLE_TABLE = {
  CTA_TUPLE_IP: [1, { kind: "nest", schema: (): typeof CTA_IP => CTA_IP }],
  CTA_TUPLE_PROTO: [2, { kind: "nest", schema: (): typeof CTA_PROTO => CTA_PROTO }],
  CTA_TUPLE_ZONE: [3, "be16"],
} as const;
/** The compiled CTA_TUPLE table. */
export const CTA_TUPLE: AttrSchema<"CTA_TUPLE_", typeof CTA_TUPLE_TABLE> = attrs(
  "CTA_TUPLE_",
  CTA_TUPLE_TABLE,
);

/** TCP conntrack states (`enum tcp_conntrack`, `TCP_CONNTRACK_` dropped), as `conntrack` prints them. */
export const TCP_CONNTRACK = {
  NONE: 0,
  SYN_SENT: 1,
  SYN_RECV: 2,
  ESTABLISHED: 3,
  FIN_WAIT: 4,
  CLOSE_WAIT: 5,
  LAST_ACK: 6,
  TIME_WAIT: 7,
  CLOSE: 8,
  SYN_SENT2: 9,
} as const;

/** The TCP state codec: a u8 on the wire, a name when read. */
export const TCP_STATE: EnumCodec = { kind: "enum", base: "u8", names: TCP_CONNTRACK };

/** `struct nf_ct_tcp_flags`. */
export const NF_CT_TCP_FLAGS = {
  kind: "struct",
  fields: [["flags", "u8"], ["mask", "u8"]],
} as const;

/** `CTA_PROTOINFO_TCP_*`. */
export const CTA_PROTOINFO_TCP_TABLE = {
  CTA_PROTOINFO_TCP_STATE: [1, TCP_STATE],
  CTA_PROTOINFO_TCP_WSCALE_ORIGINAL: [2, "u8"],
  CTA_PROTOINFO_TCP_WSCALE_REPLY: [3, "u8"],
  CTA_PROTOINFO_TCP_FLAGS_ORIGINAL: [4, NF_CT_TCP_FLAGS],
  CTA_PROTOINFO_TCP_FLAGS_REPLY: [5, NF_CT_TCP_FLAGS],
} as const;
/** The compiled CTA_PROTOINFO_TCP table. */
export const CTA_PROTOINFO_TCP: AttrSchema<
  "CTA_PROTOINFO_TCP_",
  typeof CTA_PROTOINFO_TCP_TABLE
> = attrs("CTA_PROTOINFO_TCP_", CTA_PROTOINFO_TCP_TABLE);

/** `CTA_PROTOINFO_DCCP_*`. */
export const CTA_PROTOINFO_DCCP_TABLE = {
  CTA_PROTOINFO_DCCP_STATE: [1, "u8"],
  CTA_PROTOINFO_DCCP_ROLE: [2, "u8"],
  CTA_PROTOINFO_DCCP_HANDSHAKE_SEQ: [3, "be64"],
  CTA_PROTOINFO_DCCP_PAD: [4, "binary"],
} as const;
/** The compiled CTA_PROTOINFO_DCCP table. */
export const CTA_PROTOINFO_DCCP: AttrSchema<
  "CTA_PROTOINFO_DCCP_",
  typeof CTA_PROTOINFO_DCCP_TABLE
> = attrs("CTA_PROTOINFO_DCCP_", CTA_PROTOINFO_DCCP_TABLE);

/** `CTA_PROTOINFO_SCTP_*`. */
export const CTA_PROTOINFO_SCTP_TABLE = {
  CTA_PROTOINFO_SCTP_STATE: [1, "u8"],
  CTA_PROTOINFO_SCTP_VTAG_ORIGINAL: [2, "be32"],
  CTA_PROTOINFO_SCTP_VTAG_REPLY: [3, "be32"],
} as const;
/** The compiled CTA_PROTOINFO_SCTP table. */
export const CTA_PROTOINFO_SCTP: AttrSchema<
  "CTA_PROTOINFO_SCTP_",
  typeof CTA_PROTOINFO_SCTP_TABLE
> = attrs("CTA_PROTOINFO_SCTP_", CTA_PROTOINFO_SCTP_TABLE);

/** `CTA_PROTOINFO_*`. */
export const CTA_PROTOINFO_TABLE = {
  CTA_PROTOINFO_TCP: [
    1,
    { kind: "nest", schema: (): typeof CTA_PROTOINFO_TCP => CTA_PROTOINFO_TCP },
  ],
  CTA_PROTOINFO_DCCP: [
    2,
    { kind: "nest", schema: (): typeof CTA_PROTOINFO_DCCP => CTA_PROTOINFO_DCCP },
  ],
  CTA_PROTOINFO_SCTP: [
    3,
    { kind: "nest", schema: (): typeof CTA_PROTOINFO_SCTP => CTA_PROTOINFO_SCTP },
  ],
} as const;
/** The compiled CTA_PROTOINFO table. */
export const CTA_PROTOINFO: AttrSchema<"CTA_PROTOINFO_", typeof CTA_PROTOINFO_TABLE> = attrs(
  "CTA_PROTOINFO_",
  CTA_PROTOINFO_TABLE,
);

/** `CTA_COUNTERS_*`: packets and bytes of one direction (needs nf_conntrack_acct). */
export const CTA_COUNTERS_TABLE = {
  CTA_COUNTERS_PACKETS: [1, "be64"],
  CTA_COUNTERS_BYTES: [2, "be64"],
  CTA_COUNTERS32_PACKETS: [3, "be32"],
  CTA_COUNTERS32_BYTES: [4, "be32"],
  CTA_COUNTERS_PAD: [5, "binary"],
} as const;
/** The compiled CTA_COUNTERS table. */
export const CTA_COUNTERS: AttrSchema<"CTA_COUNTERS_", typeof CTA_COUNTERS_TABLE> = attrs(
  "CTA_COUNTERS_",
  CTA_COUNTERS_TABLE,
);

/** `CTA_TIMESTAMP_*`: start and stop in ns since the epoch (needs nf_conntrack_timestamp). */
export const CTA_TIMESTAMP_TABLE = {
  CTA_TIMESTAMP_START: [1, "be64"],
  CTA_TIMESTAMP_STOP: [2, "be64"],
  CTA_TIMESTAMP_PAD: [3, "binary"],
} as const;
/**
 * The compiled CTA_TIMESTAMP table. Only `CTA_` is dropped (`timestamp_start`): a view's own
 * `start` property (where its attributes begin) would hide a `start` attribute.
 */
export const CTA_TIMESTAMP: AttrSchema<"CTA_", typeof CTA_TIMESTAMP_TABLE> = attrs(
  "CTA_",
  CTA_TIMESTAMP_TABLE,
);

/** `CTA_PROTONAT_*`: the port range of a NAT setup. */
export const CTA_PROTONAT_TABLE = {
  CTA_PROTONAT_PORT_MIN: [1, "be16"],
  CTA_PROTONAT_PORT_MAX: [2, "be16"],
} as const;
/** The compiled CTA_PROTONAT table. */
export const CTA_PROTONAT: AttrSchema<"CTA_PROTONAT_", typeof CTA_PROTONAT_TABLE> = attrs(
  "CTA_PROTONAT_",
  CTA_PROTONAT_TABLE,
);

/** `CTA_NAT_*`: a NAT setup (address range and ports). */
export const CTA_NAT_TABLE = {
  CTA_NAT_V4_MINIP: [1, "ipaddr"],
  CTA_NAT_V4_MAXIP: [2, "ipaddr"],
  CTA_NAT_PROTO: [3, { kind: "nest", schema: (): typeof CTA_PROTONAT => CTA_PROTONAT }],
  CTA_NAT_V6_MINIP: [4, "ipaddr"],
  CTA_NAT_V6_MAXIP: [5, "ipaddr"],
} as const;
/** The compiled CTA_NAT table. */
export const CTA_NAT: AttrSchema<"CTA_NAT_", typeof CTA_NAT_TABLE> = attrs(
  "CTA_NAT_",
  CTA_NAT_TABLE,
);

/** `CTA_SEQADJ_*`: TCP sequence adjustment of one direction. */
export const CTA_SEQADJ_TABLE = {
  CTA_SEQADJ_CORRECTION_POS: [1, "be32"],
  CTA_SEQADJ_OFFSET_BEFORE: [2, "be32"],
  CTA_SEQADJ_OFFSET_AFTER: [3, "be32"],
} as const;
/** The compiled CTA_SEQADJ table. */
export const CTA_SEQADJ: AttrSchema<"CTA_SEQADJ_", typeof CTA_SEQADJ_TABLE> = attrs(
  "CTA_SEQADJ_",
  CTA_SEQADJ_TABLE,
);

/** `CTA_HELP_*`: the helper attached to a connection. */
export const CTA_HELP_TABLE = {
  CTA_HELP_NAME: [1, "string"],
  CTA_HELP_INFO: [2, "binary"],
} as const;
/** The compiled CTA_HELP table. */
export const CTA_HELP: AttrSchema<"CTA_HELP_", typeof CTA_HELP_TABLE> = attrs(
  "CTA_HELP_",
  CTA_HELP_TABLE,
);

/** `CTA_SECCTX_*`. */
export const CTA_SECCTX_TABLE = { CTA_SECCTX_NAME: [1, "string"] } as const;
/** The compiled CTA_SECCTX table. */
export const CTA_SECCTX: AttrSchema<"CTA_SECCTX_", typeof CTA_SECCTX_TABLE> = attrs(
  "CTA_SECCTX_",
  CTA_SECCTX_TABLE,
);

/** `CTA_SYNPROXY_*`. */
export const CTA_SYNPROXY_TABLE = {
  CTA_SYNPROXY_ISN: [1, "be32"],
  CTA_SYNPROXY_ITS: [2, "be32"],
  CTA_SYNPROXY_TSOFF: [3, "be32"],
} as const;
/** The compiled CTA_SYNPROXY table. */
export const CTA_SYNPROXY: AttrSchema<"CTA_SYNPROXY_", typeof CTA_SYNPROXY_TABLE> = attrs(
  "CTA_SYNPROXY_",
  CTA_SYNPROXY_TABLE,
);

/** `CTA_FILTER_*`: which tuple fields a kernel-side dump or flush filter compares. */
export const CTA_FILTER_TABLE = {
  CTA_FILTER_ORIG_FLAGS: [1, "u32"],
  CTA_FILTER_REPLY_FLAGS: [2, "u32"],
} as const;
/** The compiled CTA_FILTER table. */
export const CTA_FILTER: AttrSchema<"CTA_FILTER_", typeof CTA_FILTER_TABLE> = attrs(
  "CTA_FILTER_",
  CTA_FILTER_TABLE,
);

/** Bits of CTA_FILTER_ORIG_FLAGS / CTA_FILTER_REPLY_FLAGS (the kernel's `CTA_FILTER_F_*`). */
export const CTA_FILTER_F = {
  IP_SRC: 1 << 0,
  IP_DST: 1 << 1,
  TUPLE_ZONE: 1 << 2,
  PROTO_NUM: 1 << 3,
  PROTO_SRC_PORT: 1 << 4,
  PROTO_DST_PORT: 1 << 5,
  PROTO_ICMP_TYPE: 1 << 6,
  PROTO_ICMP_CODE: 1 << 7,
  PROTO_ICMP_ID: 1 << 8,
  PROTO_ICMPV6_TYPE: 1 << 9,
  PROTO_ICMPV6_CODE: 1 << 10,
  PROTO_ICMPV6_ID: 1 << 11,
} as const;

/** `CTA_*`: a conntrack entry. */
export const CTA_TABLE = {
  CTA_TUPLE_ORIG: [1, { kind: "nest", schema: (): typeof CTA_TUPLE => CTA_TUPLE }],
  CTA_TUPLE_REPLY: [2, { kind: "nest", schema: (): typeof CTA_TUPLE => CTA_TUPLE }],
  CTA_STATUS: [3, "be32"],
  CTA_PROTOINFO: [4, { kind: "nest", schema: (): typeof CTA_PROTOINFO => CTA_PROTOINFO }],
  CTA_HELP: [5, { kind: "nest", schema: (): typeof CTA_HELP => CTA_HELP }],
  CTA_NAT_SRC: [6, { kind: "nest", schema: (): typeof CTA_NAT => CTA_NAT }],
  CTA_TIMEOUT: [7, "be32"],
  CTA_MARK: [8, "be32"],
  CTA_COUNTERS_ORIG: [9, { kind: "nest", schema: (): typeof CTA_COUNTERS => CTA_COUNTERS }],
  CTA_COUNTERS_REPLY: [10, { kind: "nest", schema: (): typeof CTA_COUNTERS => CTA_COUNTERS }],
  CTA_USE: [11, "be32"],
  CTA_ID: [12, "be32"],
  CTA_NAT_DST: [13, { kind: "nest", schema: (): typeof CTA_NAT => CTA_NAT }],
  CTA_TUPLE_MASTER: [14, { kind: "nest", schema: (): typeof CTA_TUPLE => CTA_TUPLE }],
  CTA_SEQ_ADJ_ORIG: [15, { kind: "nest", schema: (): typeof CTA_SEQADJ => CTA_SEQADJ }],
  CTA_SEQ_ADJ_REPLY: [16, { kind: "nest", schema: (): typeof CTA_SEQADJ => CTA_SEQADJ }],
  CTA_SECMARK: [17, "be32"],
  CTA_ZONE: [18, "be16"],
  CTA_SECCTX: [19, { kind: "nest", schema: (): typeof CTA_SECCTX => CTA_SECCTX }],
  CTA_TIMESTAMP: [20, { kind: "nest", schema: (): typeof CTA_TIMESTAMP => CTA_TIMESTAMP }],
  CTA_MARK_MASK: [21, "be32"],
  CTA_LABELS: [22, "binary"],
  CTA_LABELS_MASK: [23, "binary"],
  CTA_SYNPROXY: [24, { kind: "nest", schema: (): typeof CTA_SYNPROXY => CTA_SYNPROXY }],
  CTA_FILTER: [25, { kind: "nest", schema: (): typeof CTA_FILTER => CTA_FILTER }],
  CTA_STATUS_MASK: [26, "be32"],
  CTA_TIMESTAMP_EVENT: [27, "be64"],
} as const;
/** The compiled CTA table. */
export const CTA: AttrSchema<"CTA_", typeof CTA_TABLE> = attrs("CTA_", CTA_TABLE);

/** A conntrack entry message (IPCTNL_MSG_CT_NEW/GET/DELETE). */
export const CT_MESSAGE: MessageSchema<typeof NFGENMSG, typeof CTA> = message(
  "conntrack",
  NFGENMSG,
  CTA,
);

/** `CTA_EXPECT_NAT_*`. */
export const CTA_EXPECT_NAT_TABLE = {
  CTA_EXPECT_NAT_DIR: [1, "be32"],
  CTA_EXPECT_NAT_TUPLE: [2, { kind: "nest", schema: (): typeof CTA_TUPLE => CTA_TUPLE }],
} as const;
/** The compiled CTA_EXPECT_NAT table. */
export const CTA_EXPECT_NAT: AttrSchema<"CTA_EXPECT_NAT_", typeof CTA_EXPECT_NAT_TABLE> = attrs(
  "CTA_EXPECT_NAT_",
  CTA_EXPECT_NAT_TABLE,
);

/** `CTA_EXPECT_*`: an expectation. */
export const CTA_EXPECT_TABLE = {
  CTA_EXPECT_MASTER: [1, { kind: "nest", schema: (): typeof CTA_TUPLE => CTA_TUPLE }],
  CTA_EXPECT_TUPLE: [2, { kind: "nest", schema: (): typeof CTA_TUPLE => CTA_TUPLE }],
  CTA_EXPECT_MASK: [3, { kind: "nest", schema: (): typeof CTA_TUPLE => CTA_TUPLE }],
  CTA_EXPECT_TIMEOUT: [4, "be32"],
  CTA_EXPECT_ID: [5, "be32"],
  CTA_EXPECT_HELP_NAME: [6, "string"],
  CTA_EXPECT_ZONE: [7, "be16"],
  CTA_EXPECT_FLAGS: [8, "be32"],
  CTA_EXPECT_CLASS: [9, "be32"],
  CTA_EXPECT_NAT: [10, { kind: "nest", schema: (): typeof CTA_EXPECT_NAT => CTA_EXPECT_NAT }],
  CTA_EXPECT_FN: [11, "string"],
} as const;
/** The compiled CTA_EXPECT table. */
export const CTA_EXPECT: AttrSchema<"CTA_EXPECT_", typeof CTA_EXPECT_TABLE> = attrs(
  "CTA_EXPECT_",
  CTA_EXPECT_TABLE,
);

/** An expectation message (IPCTNL_MSG_EXP_*). */
export const EXP_MESSAGE: MessageSchema<typeof NFGENMSG, typeof CTA_EXPECT> = message(
  "expectation",
  NFGENMSG,
  CTA_EXPECT,
);

/** `CTA_STATS_*`: per-CPU conntrack statistics (res_id is the CPU). */
export const CTA_STATS_TABLE = {
  CTA_STATS_SEARCHED: [1, "be32"],
  CTA_STATS_FOUND: [2, "be32"],
  CTA_STATS_NEW: [3, "be32"],
  CTA_STATS_INVALID: [4, "be32"],
  CTA_STATS_IGNORE: [5, "be32"],
  CTA_STATS_DELETE: [6, "be32"],
  CTA_STATS_DELETE_LIST: [7, "be32"],
  CTA_STATS_INSERT: [8, "be32"],
  CTA_STATS_INSERT_FAILED: [9, "be32"],
  CTA_STATS_DROP: [10, "be32"],
  CTA_STATS_EARLY_DROP: [11, "be32"],
  CTA_STATS_ERROR: [12, "be32"],
  CTA_STATS_SEARCH_RESTART: [13, "be32"],
  CTA_STATS_CLASH_RESOLVE: [14, "be32"],
  CTA_STATS_CHAIN_TOOLONG: [15, "be32"],
} as const;
/** The compiled CTA_STATS table. */
export const CTA_STATS: AttrSchema<"CTA_STATS_", typeof CTA_STATS_TABLE> = attrs(
  "CTA_STATS_",
  CTA_STATS_TABLE,
);

/** Per-CPU statistics message (IPCTNL_MSG_CT_GET_STATS_CPU). */
export const STATS_CPU_MESSAGE: MessageSchema<typeof NFGENMSG, typeof CTA_STATS> = message(
  "conntrack_stats_cpu",
  NFGENMSG,
  CTA_STATS,
);

/** `CTA_STATS_GLOBAL_*`: the table's size. */
export const CTA_STATS_GLOBAL_TABLE = {
  CTA_STATS_GLOBAL_ENTRIES: [1, "be32"],
  CTA_STATS_GLOBAL_MAX_ENTRIES: [2, "be32"],
} as const;
/** The compiled CTA_STATS_GLOBAL table. */
export const CTA_STATS_GLOBAL: AttrSchema<"CTA_STATS_GLOBAL_", typeof CTA_STATS_GLOBAL_TABLE> =
  attrs("CTA_STATS_GLOBAL_", CTA_STATS_GLOBAL_TABLE);

/** Global statistics message (IPCTNL_MSG_CT_GET_STATS). */
export const STATS_MESSAGE: MessageSchema<typeof NFGENMSG, typeof CTA_STATS_GLOBAL> = message(
  "conntrack_stats",
  NFGENMSG,
  CTA_STATS_GLOBAL,
);

/** `CTA_STATS_EXP_*`: per-CPU expectation statistics. */
export const CTA_STATS_EXP_TABLE = {
  CTA_STATS_EXP_NEW: [1, "be32"],
  CTA_STATS_EXP_CREATE: [2, "be32"],
  CTA_STATS_EXP_DELETE: [3, "be32"],
} as const;
/** The compiled CTA_STATS_EXP table. */
export const CTA_STATS_EXP: AttrSchema<"CTA_STATS_EXP_", typeof CTA_STATS_EXP_TABLE> = attrs(
  "CTA_STATS_EXP_",
  CTA_STATS_EXP_TABLE,
);

/** Per-CPU expectation statistics message (IPCTNL_MSG_EXP_GET_STATS_CPU). */
export const EXP_STATS_MESSAGE: MessageSchema<typeof NFGENMSG, typeof CTA_STATS_EXP> = message(
  "expectation_stats_cpu",
  NFGENMSG,
  CTA_STATS_EXP,
);

/** Connection status bits (`enum ip_conntrack_status`, `IPS_` dropped). */
export const IPS = {
  EXPECTED: 1 << 0,
  SEEN_REPLY: 1 << 1,
  ASSURED: 1 << 2,
  CONFIRMED: 1 << 3,
  SRC_NAT: 1 << 4,
  DST_NAT: 1 << 5,
  SEQ_ADJUST: 1 << 6,
  SRC_NAT_DONE: 1 << 7,
  DST_NAT_DONE: 1 << 8,
  DYING: 1 << 9,
  FIXED_TIMEOUT: 1 << 10,
  TEMPLATE: 1 << 11,
  UNTRACKED: 1 << 12,
  HELPER: 1 << 13,
  OFFLOAD: 1 << 14,
  HW_OFFLOAD: 1 << 15,
} as const;

/** A status bit name of {@link IPS}. */
export type StatusName = keyof typeof IPS;

/** Expectation flags (`NF_CT_EXPECT_*`). */
export const NF_CT_EXPECT = { PERMANENT: 1, INACTIVE: 2, USERSPACE: 4 } as const;
