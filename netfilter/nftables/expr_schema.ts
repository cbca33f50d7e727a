/**
 * nf_tables expression schemas (linux/netfilter/nf_tables.h): `NFTA_EXPR_NAME` selects the
 * table of `NFTA_EXPR_DATA`. Registers, lengths and most numbers are big-endian u32; names of
 * enumerations are the kernel constants with the prefix dropped, lower-cased
 * (`NFT_PAYLOAD_NETWORK_HEADER` → `network_header`, `NFT_META_L4PROTO` → `l4proto`).
 *
 * @module
 */

import { attrs } from "../../netlink/schema.ts";
import type { AttrSchema, Codec } from "../../netlink/schema.ts";

/** Verdict codes (`NF_ACCEPT` … and `NFT_CONTINUE` … as unsigned 32-bit numbers). */
export const NFT_VERDICT = {
  drop: 0,
  accept: 1,
  stolen: 2,
  queue: 3,
  repeat: 4,
  stop: 5,
  continue: 0xffffffff,
  break: 0xfffffffe,
  jump: 0xfffffffd,
  goto: 0xfffffffc,
  return: 0xfffffffb,
} as const;

/** `NFTA_VERDICT_*`. */
export const NFTA_VERDICT_TABLE = {
  NFTA_VERDICT_CODE: [1, { kind: "enum", base: "be32", names: NFT_VERDICT }],
  NFTA_VERDICT_CHAIN: [2, "string"],
  NFTA_VERDICT_CHAIN_ID: [3, "be32"],
} as const;
/** The compiled NFTA_VERDICT table. */
export const NFTA_VERDICT: AttrSchema<"NFTA_VERDICT_", typeof NFTA_VERDICT_TABLE> = attrs(
  "NFTA_VERDICT_",
  NFTA_VERDICT_TABLE,
);

/** `NFTA_DATA_*`: a value (bytes) or a verdict. */
export const NFTA_DATA_TABLE = {
  NFTA_DATA_VALUE: [1, "binary"],
  NFTA_DATA_VERDICT: [2, { kind: "nest", schema: (): typeof NFTA_VERDICT => NFTA_VERDICT }],
} as const;
/** The compiled NFTA_DATA table. */
export const NFTA_DATA: AttrSchema<"NFTA_DATA_", typeof NFTA_DATA_TABLE> = attrs(
  "NFTA_DATA_",
  NFTA_DATA_TABLE,
);

/** A nested NFTA_DATA. */
export const DATA = { kind: "nest", schema: (): typeof NFTA_DATA => NFTA_DATA } as const;

const REG = "be32";

/** Expression attribute tables by expression name: `[kernel prefix, table]`. */
export const EXPR_TABLES = {
  immediate: ["NFTA_IMMEDIATE_", {
    NFTA_IMMEDIATE_DREG: [1, REG],
    NFTA_IMMEDIATE_DATA: [2, DATA],
  }],
  payload: ["NFTA_PAYLOAD_", {
    NFTA_PAYLOAD_DREG: [1, REG],
    NFTA_PAYLOAD_BASE: [
      2,
      {
        kind: "enum",
        base: "be32",
        names: {
          ll_header: 0,
          network_header: 1,
          transport_header: 2,
          inner_header: 3,
        },
      },
    ],
    NFTA_PAYLOAD_OFFSET: [3, "be32"],
    NFTA_PAYLOAD_LEN: [4, "be32"],
    NFTA_PAYLOAD_SREG: [5, REG],
    NFTA_PAYLOAD_CSUM_TYPE: [6, {
      kind: "enum",
      base: "be32",
      names: { none: 0, inet: 1, sctp: 2 },
    }],
    NFTA_PAYLOAD_CSUM_OFFSET: [7, "be32"],
    NFTA_PAYLOAD_CSUM_FLAGS: [8, "be32"],
  }],
  cmp: ["NFTA_CMP_", {
    NFTA_CMP_SREG: [1, REG],
    NFTA_CMP_OP: [2, {
      kind: "enum",
      base: "be32",
      names: { eq: 0, neq: 1, lt: 2, lte: 3, gt: 4, gte: 5 },
    }],
    NFTA_CMP_DATA: [3, DATA],
  }],
  bitwise: ["NFTA_BITWISE_", {
    NFTA_BITWISE_SREG: [1, REG],
    NFTA_BITWISE_DREG: [2, REG],
    NFTA_BITWISE_LEN: [3, "be32"],
    NFTA_BITWISE_MASK: [4, DATA],
    NFTA_BITWISE_XOR: [5, DATA],
    NFTA_BITWISE_OP: [6, {
      kind: "enum",
      base: "be32",
      names: { mask_xor: 0, lshift: 1, rshift: 2 },
    }],
    NFTA_BITWISE_DATA: [7, DATA],
  }],
  byteorder: ["NFTA_BYTEORDER_", {
    NFTA_BYTEORDER_SREG: [1, REG],
    NFTA_BYTEORDER_DREG: [2, REG],
    NFTA_BYTEORDER_OP: [3, { kind: "enum", base: "be32", names: { ntoh: 0, hton: 1 } }],
    NFTA_BYTEORDER_LEN: [4, "be32"],
    NFTA_BYTEORDER_SIZE: [5, "be32"],
  }],
  range: ["NFTA_RANGE_", {
    NFTA_RANGE_SREG: [1, REG],
    NFTA_RANGE_OP: [2, { kind: "enum", base: "be32", names: { eq: 0, neq: 1 } }],
    NFTA_RANGE_FROM_DATA: [3, DATA],
    NFTA_RANGE_TO_DATA: [4, DATA],
  }],
  lookup: ["NFTA_LOOKUP_", {
    NFTA_LOOKUP_SET: [1, "string"],
    NFTA_LOOKUP_SREG: [2, REG],
    NFTA_LOOKUP_DREG: [3, REG],
    NFTA_LOOKUP_SET_ID: [4, "be32"],
    NFTA_LOOKUP_FLAGS: [5, "be32"],
  }],
  meta: ["NFTA_META_", {
    NFTA_META_DREG: [1, REG],
    NFTA_META_KEY: [
      2,
      {
        kind: "enum",
        base: "be32",
        names: {
          len: 0,
          protocol: 1,
          priority: 2,
          mark: 3,
          iif: 4,
          oif: 5,
          iifname: 6,
          oifname: 7,
          iftype: 8,
          oiftype: 9,
          skuid: 10,
          skgid: 11,
          nftrace: 12,
          rtclassid: 13,
          secmark: 14,
          nfproto: 15,
          l4proto: 16,
          bri_iifname: 17,
          bri_oifname: 18,
          pkttype: 19,
          cpu: 20,
          iifgroup: 21,
          oifgroup: 22,
          cgroup: 23,
          prandom: 24,
          secpath: 25,
          iifkind: 26,
          oifkind: 27,
          bri_iifpvid: 28,
          bri_iifvproto: 29,
          time_ns: 30,
          time_day: 31,
          time_hour: 32,
          sdif: 33,
          sdifname: 34,
        },
      },
    ],
    NFTA_META_SREG: [3, REG],
  }],
  rt: ["NFTA_RT_", {
    NFTA_RT_DREG: [1, REG],
    NFTA_RT_KEY: [2, {
      kind: "enum",
      base: "be32",
      names: { classid: 0, nexthop4: 1, nexthop6: 2, tcpmss: 3, xfrm: 4 },
    }],
  }],
  ct: ["NFTA_CT_", {
    NFTA_CT_DREG: [1, REG],
    NFTA_CT_KEY: [
      2,
      {
        kind: "enum",
        base: "be32",
        names: {
          state: 0,
          direction: 1,
          status: 2,
          mark: 3,
          secmark: 4,
          expiration: 5,
          helper: 6,
          l3protocol: 7,
          src: 8,
          dst: 9,
          protocol: 10,
          proto_src: 11,
          proto_dst: 12,
          labels: 13,
          pkts: 14,
          bytes: 15,
          avgpkt: 16,
          zone: 17,
          eventmask: 18,
          src_ip: 19,
          dst_ip: 20,
          src_ip6: 21,
          dst_ip6: 22,
          id: 23,
        },
      },
    ],
    NFTA_CT_DIRECTION: [3, "u8"],
    NFTA_CT_SREG: [4, REG],
  }],
  counter: ["NFTA_COUNTER_", {
    NFTA_COUNTER_BYTES: [1, "be64"],
    NFTA_COUNTER_PACKETS: [2, "be64"],
    NFTA_COUNTER_PAD: [3, "binary"],
  }],
  limit: ["NFTA_LIMIT_", {
    NFTA_LIMIT_RATE: [1, "be64"],
    NFTA_LIMIT_UNIT: [2, "be64"],
    NFTA_LIMIT_BURST: [3, "be32"],
    NFTA_LIMIT_TYPE: [4, { kind: "enum", base: "be32", names: { pkts: 0, pkt_bytes: 1 } }],
    NFTA_LIMIT_FLAGS: [5, "be32"],
    NFTA_LIMIT_PAD: [6, "binary"],
  }],
  log: ["NFTA_LOG_", {
    NFTA_LOG_GROUP: [1, "be16"],
    NFTA_LOG_PREFIX: [2, "string"],
    NFTA_LOG_SNAPLEN: [3, "be32"],
    NFTA_LOG_QTHRESHOLD: [4, "be16"],
    NFTA_LOG_LEVEL: [
      5,
      {
        kind: "enum",
        base: "be32",
        names: {
          emerg: 0,
          alert: 1,
          crit: 2,
          err: 3,
          warning: 4,
          notice: 5,
          info: 6,
          debug: 7,
          audit: 8,
        },
      },
    ],
    NFTA_LOG_FLAGS: [6, "be32"],
  }],
  queue: ["NFTA_QUEUE_", {
    NFTA_QUEUE_NUM: [1, "be16"],
    NFTA_QUEUE_TOTAL: [2, "be16"],
    NFTA_QUEUE_FLAGS: [3, "be16"],
    NFTA_QUEUE_SREG_QNUM: [4, REG],
  }],
  quota: ["NFTA_QUOTA_", {
    NFTA_QUOTA_BYTES: [1, "be64"],
    NFTA_QUOTA_FLAGS: [2, "be32"],
    NFTA_QUOTA_PAD: [3, "binary"],
    NFTA_QUOTA_CONSUMED: [4, "be64"],
  }],
  reject: ["NFTA_REJECT_", {
    NFTA_REJECT_TYPE: [1, {
      kind: "enum",
      base: "be32",
      names: { icmp_unreach: 0, tcp_rst: 1, icmpx_unreach: 2 },
    }],
    NFTA_REJECT_ICMP_CODE: [2, "u8"],
  }],
  nat: ["NFTA_NAT_", {
    NFTA_NAT_TYPE: [1, { kind: "enum", base: "be32", names: { snat: 0, dnat: 1 } }],
    NFTA_NAT_FAMILY: [2, "be32"],
    NFTA_NAT_REG_ADDR_MIN: [3, REG],
    NFTA_NAT_REG_ADDR_MAX: [4, REG],
    NFTA_NAT_REG_PROTO_MIN: [5, REG],
    NFTA_NAT_REG_PROTO_MAX: [6, REG],
    NFTA_NAT_FLAGS: [7, "be32"],
  }],
  masq: ["NFTA_MASQ_", {
    NFTA_MASQ_FLAGS: [1, "be32"],
    NFTA_MASQ_REG_PROTO_MIN: [2, REG],
    NFTA_MASQ_REG_PROTO_MAX: [3, REG],
  }],
  redir: ["NFTA_REDIR_", {
    NFTA_REDIR_REG_PROTO_MIN: [1, REG],
    NFTA_REDIR_REG_PROTO_MAX: [2, REG],
    NFTA_REDIR_FLAGS: [3, "be32"],
  }],
  fib: ["NFTA_FIB_", {
    NFTA_FIB_DREG: [1, REG],
    NFTA_FIB_RESULT: [2, {
      kind: "enum",
      base: "be32",
      names: { unspec: 0, oif: 1, oifname: 2, addrtype: 3 },
    }],
    NFTA_FIB_FLAGS: [3, "be32"],
  }],
  exthdr: ["NFTA_EXTHDR_", {
    NFTA_EXTHDR_DREG: [1, REG],
    NFTA_EXTHDR_TYPE: [2, "u8"],
    NFTA_EXTHDR_OFFSET: [3, "be32"],
    NFTA_EXTHDR_LEN: [4, "be32"],
    NFTA_EXTHDR_FLAGS: [5, "be32"],
    NFTA_EXTHDR_OP: [6, {
      kind: "enum",
      base: "be32",
      names: { ipv6: 0, tcpopt: 1, ipv4: 2, sctp: 3, dccp: 4 },
    }],
    NFTA_EXTHDR_SREG: [7, REG],
  }],
  hash: ["NFTA_HASH_", {
    NFTA_HASH_SREG: [1, REG],
    NFTA_HASH_DREG: [2, REG],
    NFTA_HASH_LEN: [3, "be32"],
    NFTA_HASH_MODULUS: [4, "be32"],
    NFTA_HASH_SEED: [5, "be32"],
    NFTA_HASH_OFFSET: [6, "be32"],
    NFTA_HASH_TYPE: [7, { kind: "enum", base: "be32", names: { jenkins: 0, sym: 1 } }],
    NFTA_HASH_SET_NAME: [8, "string"],
    NFTA_HASH_SET_ID: [9, "be32"],
  }],
  numgen: ["NFTA_NG_", {
    NFTA_NG_DREG: [1, REG],
    NFTA_NG_MODULUS: [2, "be32"],
    NFTA_NG_TYPE: [3, { kind: "enum", base: "be32", names: { incremental: 0, random: 1 } }],
    NFTA_NG_OFFSET: [4, "be32"],
    NFTA_NG_SET_NAME: [5, "string"],
    NFTA_NG_SET_ID: [6, "be32"],
  }],
  objref: ["NFTA_OBJREF_", {
    NFTA_OBJREF_IMM_TYPE: [1, "be32"],
    NFTA_OBJREF_IMM_NAME: [2, "string"],
    NFTA_OBJREF_SET_SREG: [3, REG],
    NFTA_OBJREF_SET_NAME: [4, "string"],
    NFTA_OBJREF_SET_ID: [5, "be32"],
  }],
  connlimit: ["NFTA_CONNLIMIT_", {
    NFTA_CONNLIMIT_COUNT: [1, "be32"],
    NFTA_CONNLIMIT_FLAGS: [2, "be32"],
  }],
  socket: ["NFTA_SOCKET_", {
    NFTA_SOCKET_KEY: [1, {
      kind: "enum",
      base: "be32",
      names: { transparent: 0, mark: 1, wildcard: 2, cgroupv2: 3 },
    }],
    NFTA_SOCKET_DREG: [2, REG],
    NFTA_SOCKET_LEVEL: [3, "be32"],
  }],
  tproxy: ["NFTA_TPROXY_", {
    NFTA_TPROXY_FAMILY: [1, "be32"],
    NFTA_TPROXY_REG_ADDR: [2, REG],
    NFTA_TPROXY_REG_PORT: [3, REG],
  }],
  dup: ["NFTA_DUP_", {
    NFTA_DUP_SREG_ADDR: [1, REG],
    NFTA_DUP_SREG_DEV: [2, REG],
  }],
  fwd: ["NFTA_FWD_", {
    NFTA_FWD_SREG_DEV: [1, REG],
    NFTA_FWD_SREG_ADDR: [2, REG],
    NFTA_FWD_NFPROTO: [3, "be32"],
  }],
  osf: ["NFTA_OSF_", {
    NFTA_OSF_DREG: [1, REG],
    NFTA_OSF_TTL: [2, "u8"],
    NFTA_OSF_FLAGS: [3, "be32"],
  }],
  synproxy: ["NFTA_SYNPROXY_", {
    NFTA_SYNPROXY_MSS: [1, "be16"],
    NFTA_SYNPROXY_WSCALE: [2, "u8"],
    NFTA_SYNPROXY_FLAGS: [3, "be32"],
  }],
  xfrm: ["NFTA_XFRM_", {
    NFTA_XFRM_DREG: [1, REG],
    NFTA_XFRM_KEY: [2, "be32"],
    NFTA_XFRM_DIR: [3, "u8"],
    NFTA_XFRM_SPNUM: [4, "be32"],
  }],
  tunnel: ["NFTA_TUNNEL_", {
    NFTA_TUNNEL_KEY: [1, "be32"],
    NFTA_TUNNEL_DREG: [2, REG],
    NFTA_TUNNEL_MODE: [3, "be32"],
  }],
  last: ["NFTA_LAST_", {
    NFTA_LAST_SET: [1, "be32"],
    NFTA_LAST_MSECS: [2, "be64"],
    NFTA_LAST_PAD: [3, "binary"],
  }],
  flow_offload: ["NFTA_FLOW_", { NFTA_FLOW_TABLE_NAME: [1, "string"] }],
  notrack: ["NFTA_NOTRACK_", {}],
} as const;

/** The name of an expression this library knows. */
export type ExprName = keyof typeof EXPR_TABLES;

/** Every expression's compiled attribute table, by expression name. */
export const EXPR_SCHEMAS: Readonly<Record<string, AttrSchema>> = Object.fromEntries(
  Object.entries(EXPR_TABLES).map(([name, [prefix, table]]) => [
    name,
    attrs(prefix, table as unknown as Readonly<Record<string, readonly [number, Codec]>>),
  ]),
);

const DATA_CHOICES: Readonly<Record<string, Codec>> = Object.fromEntries(
  Object.entries(EXPR_SCHEMAS).map((
    [name, schema],
  ) => [name, { kind: "nest", schema: () => schema }]),
);

/** `NFTA_EXPR_*`: an expression: its name and (selected by it) its data. */
export const NFTA_EXPR_TABLE = {
  NFTA_EXPR_NAME: [1, "string"],
  NFTA_EXPR_DATA: [2, { kind: "select", by: "name", choices: () => DATA_CHOICES }],
} as const;
/** The compiled NFTA_EXPR table. */
export const NFTA_EXPR: AttrSchema<"NFTA_EXPR_", typeof NFTA_EXPR_TABLE> = attrs(
  "NFTA_EXPR_",
  NFTA_EXPR_TABLE,
);

/** A list of expressions: NFTA_LIST_ELEM, each an NFTA_EXPR. */
export const EXPR_LIST = {
  kind: "array",
  of: { kind: "nest", schema: (): typeof NFTA_EXPR => NFTA_EXPR },
  type: 1,
} as const;

/** One nested expression (a set's or dynset's NFTA_*_EXPR). */
export const EXPR_NEST = { kind: "nest", schema: (): typeof NFTA_EXPR => NFTA_EXPR } as const;
