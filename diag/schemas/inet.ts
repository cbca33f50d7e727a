/**
 * inet_diag (linux/inet_diag.h): the dump/get request (`struct inet_diag_req_v2` and its
 * `INET_DIAG_REQ_*` attributes) and the reply (`struct inet_diag_msg` and the `INET_DIAG_*`
 * extensions). Header fields drop the `idiag_`/`sdiag_` prefixes, attributes `INET_DIAG_`.
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";
import { SK_MEMINFO } from "./meminfo.ts";

/** `struct inet_diag_req_v2`; `cookie` is the two words of `idiag_cookie` as 8 bytes. */
export const INET_DIAG_REQ_V2 = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["protocol", "u8"],
    ["ext", "u8"],
    ["raw_protocol", "u8"],
    ["states", "u32"],
    ["sport", "be16"],
    ["dport", "be16"],
    ["src", "bytes[16]"],
    ["dst", "bytes[16]"],
    ["if", "u32"],
    ["cookie", "bytes[8]"],
  ],
} as const;

/** `INET_DIAG_REQ_*`: the attributes of a request. */
export const INET_DIAG_REQ_TABLE = {
  INET_DIAG_REQ_BYTECODE: [1, "binary"],
  INET_DIAG_REQ_SK_BPF_STORAGES: [2, "binary"],
  INET_DIAG_REQ_PROTOCOL: [3, "u32"],
} as const;

/** The compiled `INET_DIAG_REQ_*` table. */
export const INET_DIAG_REQ: AttrSchema<"INET_DIAG_REQ_", typeof INET_DIAG_REQ_TABLE> = attrs(
  "INET_DIAG_REQ_",
  INET_DIAG_REQ_TABLE,
);

/** A `SOCK_DIAG_BY_FAMILY`/`SOCK_DESTROY` request for inet sockets. */
export const INET_DIAG_REQUEST: MessageSchema<typeof INET_DIAG_REQ_V2, typeof INET_DIAG_REQ> =
  message("inet_diag request", INET_DIAG_REQ_V2, INET_DIAG_REQ);

/**
 * `struct inet_diag_msg`. The addresses are 16 bytes whatever the family (an IPv4 address in
 * the first 4): socket views read them as text by family (`src`, `dst`).
 */
export const INET_DIAG_MSG = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["state", "u8"],
    ["timer", "u8"],
    ["retrans", "u8"],
    ["sport", "be16"],
    ["dport", "be16"],
    ["src", "bytes[16]"],
    ["dst", "bytes[16]"],
    ["if", "u32"],
    ["cookie", "u64"],
    ["expires", "u32"],
    ["rqueue", "u32"],
    ["wqueue", "u32"],
    ["uid", "u32"],
    ["inode", "u32"],
  ],
} as const;

/** `struct inet_diag_meminfo` (`INET_DIAG_MEMINFO`). */
export const INET_DIAG_MEMINFO = {
  kind: "struct",
  fields: [["rmem", "u32"], ["wmem", "u32"], ["fmem", "u32"], ["tmem", "u32"]],
} as const;

/** `struct tcpvegas_info` (`INET_DIAG_VEGASINFO`). */
export const TCPVEGAS_INFO = {
  kind: "struct",
  fields: [["enabled", "u32"], ["rttcnt", "u32"], ["rtt", "u32"], ["minrtt", "u32"]],
} as const;

/** `struct tcp_dctcp_info` (`INET_DIAG_DCTCPINFO`). */
export const TCP_DCTCP_INFO = {
  kind: "struct",
  fields: [
    ["enabled", "u16"],
    ["ce_state", "u16"],
    ["alpha", "u32"],
    ["ab_ecn", "u32"],
    ["ab_tot", "u32"],
  ],
} as const;

/** `struct tcp_bbr_info` (`INET_DIAG_BBRINFO`): the bandwidth is `bw_hi * 2^32 + bw_lo` bytes/s. */
export const TCP_BBR_INFO = {
  kind: "struct",
  fields: [
    ["bw_lo", "u32"],
    ["bw_hi", "u32"],
    ["min_rtt", "u32"],
    ["pacing_gain", "u32"],
    ["cwnd_gain", "u32"],
  ],
} as const;

/** `TLS_INFO_*` (linux/tls.h): a kTLS socket's ULP info. */
export const TLS_INFO_TABLE = {
  TLS_INFO_VERSION: [1, "u16"],
  TLS_INFO_CIPHER: [2, "u16"],
  TLS_INFO_TXCONF: [3, "u16"],
  TLS_INFO_RXCONF: [4, "u16"],
  TLS_INFO_ZC_RO_TX: [5, "flag"],
  TLS_INFO_RX_NO_PAD: [6, "flag"],
} as const;

/** The compiled `TLS_INFO_*` table. */
export const TLS_INFO: AttrSchema<"TLS_INFO_", typeof TLS_INFO_TABLE> = attrs(
  "TLS_INFO_",
  TLS_INFO_TABLE,
);

/** `MPTCP_SUBFLOW_ATTR_*` (linux/mptcp.h): an MPTCP subflow's ULP info. */
export const MPTCP_SUBFLOW_ATTR_TABLE = {
  MPTCP_SUBFLOW_ATTR_TOKEN_REM: [1, "u32"],
  MPTCP_SUBFLOW_ATTR_TOKEN_LOC: [2, "u32"],
  MPTCP_SUBFLOW_ATTR_RELWRITE_SEQ: [3, "u32"],
  MPTCP_SUBFLOW_ATTR_MAP_SEQ: [4, "u64"],
  MPTCP_SUBFLOW_ATTR_MAP_SFSEQ: [5, "u32"],
  MPTCP_SUBFLOW_ATTR_SSN_OFFSET: [6, "u32"],
  MPTCP_SUBFLOW_ATTR_MAP_DATALEN: [7, "u16"],
  MPTCP_SUBFLOW_ATTR_FLAGS: [8, "u32"],
  MPTCP_SUBFLOW_ATTR_ID_REM: [9, "u8"],
  MPTCP_SUBFLOW_ATTR_ID_LOC: [10, "u8"],
  MPTCP_SUBFLOW_ATTR_PAD: [11, "binary"],
} as const;

/** The compiled `MPTCP_SUBFLOW_ATTR_*` table. */
export const MPTCP_SUBFLOW_ATTR: AttrSchema<
  "MPTCP_SUBFLOW_ATTR_",
  typeof MPTCP_SUBFLOW_ATTR_TABLE
> = attrs("MPTCP_SUBFLOW_ATTR_", MPTCP_SUBFLOW_ATTR_TABLE);

/** `INET_ULP_INFO_*`: the upper layer protocol of a socket (kTLS, an MPTCP subflow). */
export const INET_ULP_INFO_TABLE = {
  INET_ULP_INFO_NAME: [1, "string"],
  INET_ULP_INFO_TLS: [2, { kind: "nest", schema: (): typeof TLS_INFO => TLS_INFO }],
  INET_ULP_INFO_MPTCP: [
    3,
    { kind: "nest", schema: (): typeof MPTCP_SUBFLOW_ATTR => MPTCP_SUBFLOW_ATTR },
  ],
} as const;

/** The compiled `INET_ULP_INFO_*` table. */
export const INET_ULP_INFO: AttrSchema<"INET_ULP_INFO_", typeof INET_ULP_INFO_TABLE> = attrs(
  "INET_ULP_INFO_",
  INET_ULP_INFO_TABLE,
);

/**
 * `INET_DIAG_*`: the extensions of a reply. `info` (`struct tcp_info` for TCP, `struct
 * mptcp_info` for MPTCP) and `sockopt` are decoded by the socket views; `locals`/`peers`
 * (SCTP address lists), `md5sig` and `sk_bpf_storages` stay bytes.
 */
export const INET_DIAG_TABLE = {
  INET_DIAG_MEMINFO: [1, INET_DIAG_MEMINFO],
  INET_DIAG_INFO: [2, "binary"],
  INET_DIAG_VEGASINFO: [3, TCPVEGAS_INFO],
  INET_DIAG_CONG: [4, "string"],
  INET_DIAG_TOS: [5, "u8"],
  INET_DIAG_TCLASS: [6, "u8"],
  INET_DIAG_SKMEMINFO: [7, SK_MEMINFO],
  INET_DIAG_SHUTDOWN: [8, "u8"],
  INET_DIAG_DCTCPINFO: [9, TCP_DCTCP_INFO],
  INET_DIAG_PROTOCOL: [10, "u8"],
  INET_DIAG_SKV6ONLY: [11, "u8"],
  INET_DIAG_LOCALS: [12, "binary"],
  INET_DIAG_PEERS: [13, "binary"],
  INET_DIAG_PAD: [14, "binary"],
  INET_DIAG_MARK: [15, "u32"],
  INET_DIAG_BBRINFO: [16, TCP_BBR_INFO],
  INET_DIAG_CLASS_ID: [17, "u32"],
  INET_DIAG_MD5SIG: [18, "binary"],
  INET_DIAG_ULP_INFO: [19, { kind: "nest", schema: (): typeof INET_ULP_INFO => INET_ULP_INFO }],
  INET_DIAG_SK_BPF_STORAGES: [20, "binary"],
  INET_DIAG_CGROUP_ID: [21, "u64"],
  INET_DIAG_SOCKOPT: [22, "binary"],
} as const;

/** The compiled `INET_DIAG_*` table. */
export const INET_DIAG: AttrSchema<"INET_DIAG_", typeof INET_DIAG_TABLE> = attrs(
  "INET_DIAG_",
  INET_DIAG_TABLE,
);

/** An inet socket as the kernel reports it (`INET_DIAG_INFO` left as bytes). */
export const INET_DIAG_MESSAGE: MessageSchema<typeof INET_DIAG_MSG, typeof INET_DIAG> = message(
  "inet socket",
  INET_DIAG_MSG,
  INET_DIAG,
);

/** A TCP socket: `INET_DIAG_INFO` is a `struct tcp_info`. */
export const TCP_DIAG_MESSAGE: MessageSchema<typeof INET_DIAG_MSG, typeof INET_DIAG> = message(
  "tcp socket",
  INET_DIAG_MSG,
  INET_DIAG,
);

/** An MPTCP socket: `INET_DIAG_INFO` is a `struct mptcp_info`. */
export const MPTCP_DIAG_MESSAGE: MessageSchema<typeof INET_DIAG_MSG, typeof INET_DIAG> = message(
  "mptcp socket",
  INET_DIAG_MSG,
  INET_DIAG,
);
