/**
 * nf_tables object schemas (linux/netfilter/nf_tables.h): tables, chains, rules, sets, set
 * elements, stateful objects and the ruleset generation. Numbers are big-endian.
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, Codec, MessageSchema } from "../../netlink/schema.ts";
import { NFGENMSG } from "../nfnetlink.ts";
import { DATA, EXPR_LIST, EXPR_NEST, EXPR_SCHEMAS } from "./expr_schema.ts";

/** Message types of NFNL_SUBSYS_NFTABLES (`NFT_MSG_*`). */
export const NFT_MSG = {
  NEWTABLE: 0,
  GETTABLE: 1,
  DELTABLE: 2,
  NEWCHAIN: 3,
  GETCHAIN: 4,
  DELCHAIN: 5,
  NEWRULE: 6,
  GETRULE: 7,
  DELRULE: 8,
  NEWSET: 9,
  GETSET: 10,
  DELSET: 11,
  NEWSETELEM: 12,
  GETSETELEM: 13,
  DELSETELEM: 14,
  NEWGEN: 15,
  GETGEN: 16,
  TRACE: 17,
  NEWOBJ: 18,
  GETOBJ: 19,
  DELOBJ: 20,
  GETOBJ_RESET: 21,
  NEWFLOWTABLE: 22,
  GETFLOWTABLE: 23,
  DELFLOWTABLE: 24,
  GETRULE_RESET: 25,
  DESTROYTABLE: 26,
  DESTROYCHAIN: 27,
  DESTROYRULE: 28,
  DESTROYSET: 29,
  DESTROYSETELEM: 30,
  DESTROYOBJ: 31,
  DESTROYFLOWTABLE: 32,
  GETSETELEM_RESET: 33,
} as const;

/** `NFTA_TABLE_*`. */
export const NFTA_TABLE_TABLE = {
  NFTA_TABLE_NAME: [1, "string"],
  NFTA_TABLE_FLAGS: [2, "be32"],
  NFTA_TABLE_USE: [3, "be32"],
  NFTA_TABLE_HANDLE: [4, "be64"],
  NFTA_TABLE_PAD: [5, "binary"],
  NFTA_TABLE_USERDATA: [6, "binary"],
  NFTA_TABLE_OWNER: [7, "be32"],
} as const;
/** The compiled NFTA_TABLE table. */
export const NFTA_TABLE: AttrSchema<"NFTA_TABLE_", typeof NFTA_TABLE_TABLE> = attrs(
  "NFTA_TABLE_",
  NFTA_TABLE_TABLE,
);

/** `NFTA_HOOK_*`: where a base chain hooks in. */
export const NFTA_HOOK_TABLE = {
  NFTA_HOOK_HOOKNUM: [1, "be32"],
  NFTA_HOOK_PRIORITY: [2, "be32"],
  NFTA_HOOK_DEV: [3, "string"],
  NFTA_HOOK_DEVS: [4, { kind: "array", of: "string", type: 1 }],
} as const;
/** The compiled NFTA_HOOK table. */
export const NFTA_HOOK: AttrSchema<"NFTA_HOOK_", typeof NFTA_HOOK_TABLE> = attrs(
  "NFTA_HOOK_",
  NFTA_HOOK_TABLE,
);

/** `NFTA_COUNTER_*` (a chain's counters). */
export const NFTA_COUNTER_TABLE = {
  NFTA_COUNTER_BYTES: [1, "be64"],
  NFTA_COUNTER_PACKETS: [2, "be64"],
  NFTA_COUNTER_PAD: [3, "binary"],
} as const;
/** The compiled NFTA_COUNTER table. */
export const NFTA_COUNTER: AttrSchema<"NFTA_COUNTER_", typeof NFTA_COUNTER_TABLE> = attrs(
  "NFTA_COUNTER_",
  NFTA_COUNTER_TABLE,
);

/** `NFTA_CHAIN_*`. */
export const NFTA_CHAIN_TABLE = {
  NFTA_CHAIN_TABLE: [1, "string"],
  NFTA_CHAIN_HANDLE: [2, "be64"],
  NFTA_CHAIN_NAME: [3, "string"],
  NFTA_CHAIN_HOOK: [4, { kind: "nest", schema: (): typeof NFTA_HOOK => NFTA_HOOK }],
  NFTA_CHAIN_POLICY: [5, "be32"],
  NFTA_CHAIN_USE: [6, "be32"],
  NFTA_CHAIN_TYPE: [7, "string"],
  NFTA_CHAIN_COUNTERS: [8, { kind: "nest", schema: (): typeof NFTA_COUNTER => NFTA_COUNTER }],
  NFTA_CHAIN_PAD: [9, "binary"],
  NFTA_CHAIN_FLAGS: [10, "be32"],
  NFTA_CHAIN_ID: [11, "be32"],
  NFTA_CHAIN_USERDATA: [12, "binary"],
} as const;
/** The compiled NFTA_CHAIN table. */
export const NFTA_CHAIN: AttrSchema<"NFTA_CHAIN_", typeof NFTA_CHAIN_TABLE> = attrs(
  "NFTA_CHAIN_",
  NFTA_CHAIN_TABLE,
);

/** `NFTA_RULE_COMPAT_*`. */
export const NFTA_RULE_COMPAT_TABLE = {
  NFTA_RULE_COMPAT_PROTO: [1, "be32"],
  NFTA_RULE_COMPAT_FLAGS: [2, "be32"],
} as const;
/** The compiled NFTA_RULE_COMPAT table. */
export const NFTA_RULE_COMPAT: AttrSchema<"NFTA_RULE_COMPAT_", typeof NFTA_RULE_COMPAT_TABLE> =
  attrs("NFTA_RULE_COMPAT_", NFTA_RULE_COMPAT_TABLE);

/** `NFTA_RULE_*`. */
export const NFTA_RULE_TABLE = {
  NFTA_RULE_TABLE: [1, "string"],
  NFTA_RULE_CHAIN: [2, "string"],
  NFTA_RULE_HANDLE: [3, "be64"],
  NFTA_RULE_EXPRESSIONS: [4, EXPR_LIST],
  NFTA_RULE_COMPAT: [
    5,
    { kind: "nest", schema: (): typeof NFTA_RULE_COMPAT => NFTA_RULE_COMPAT },
  ],
  NFTA_RULE_POSITION: [6, "be64"],
  NFTA_RULE_USERDATA: [7, "binary"],
  NFTA_RULE_PAD: [8, "binary"],
  NFTA_RULE_ID: [9, "be32"],
  NFTA_RULE_POSITION_ID: [10, "be32"],
  NFTA_RULE_CHAIN_ID: [11, "be32"],
} as const;
/** The compiled NFTA_RULE table. */
export const NFTA_RULE: AttrSchema<"NFTA_RULE_", typeof NFTA_RULE_TABLE> = attrs(
  "NFTA_RULE_",
  NFTA_RULE_TABLE,
);

/** `NFTA_SET_FIELD_*`: one field of a concatenated key. */
export const NFTA_SET_FIELD_TABLE = { NFTA_SET_FIELD_LEN: [1, "be32"] } as const;
/** The compiled NFTA_SET_FIELD table. */
export const NFTA_SET_FIELD: AttrSchema<"NFTA_SET_FIELD_", typeof NFTA_SET_FIELD_TABLE> = attrs(
  "NFTA_SET_FIELD_",
  NFTA_SET_FIELD_TABLE,
);

/** `NFTA_SET_DESC_*`: a set's size and key layout. */
export const NFTA_SET_DESC_TABLE = {
  NFTA_SET_DESC_SIZE: [1, "be32"],
  NFTA_SET_DESC_CONCAT: [2, {
    kind: "array",
    of: { kind: "nest", schema: (): typeof NFTA_SET_FIELD => NFTA_SET_FIELD },
    type: 1,
  }],
} as const;
/** The compiled NFTA_SET_DESC table. */
export const NFTA_SET_DESC: AttrSchema<"NFTA_SET_DESC_", typeof NFTA_SET_DESC_TABLE> = attrs(
  "NFTA_SET_DESC_",
  NFTA_SET_DESC_TABLE,
);

/** `NFTA_SET_*`. */
export const NFTA_SET_TABLE = {
  NFTA_SET_TABLE: [1, "string"],
  NFTA_SET_NAME: [2, "string"],
  NFTA_SET_FLAGS: [3, "be32"],
  NFTA_SET_KEY_TYPE: [4, "be32"],
  NFTA_SET_KEY_LEN: [5, "be32"],
  NFTA_SET_DATA_TYPE: [6, "be32"],
  NFTA_SET_DATA_LEN: [7, "be32"],
  NFTA_SET_POLICY: [8, "be32"],
  NFTA_SET_DESC: [9, { kind: "nest", schema: (): typeof NFTA_SET_DESC => NFTA_SET_DESC }],
  NFTA_SET_ID: [10, "be32"],
  NFTA_SET_TIMEOUT: [11, "be64"],
  NFTA_SET_GC_INTERVAL: [12, "be32"],
  NFTA_SET_USERDATA: [13, "binary"],
  NFTA_SET_PAD: [14, "binary"],
  NFTA_SET_OBJ_TYPE: [15, "be32"],
  NFTA_SET_HANDLE: [16, "be64"],
  NFTA_SET_EXPR: [17, EXPR_NEST],
  NFTA_SET_EXPRESSIONS: [18, EXPR_LIST],
} as const;
/** The compiled NFTA_SET table. */
export const NFTA_SET: AttrSchema<"NFTA_SET_", typeof NFTA_SET_TABLE> = attrs(
  "NFTA_SET_",
  NFTA_SET_TABLE,
);

/** `NFTA_SET_ELEM_*`: one element. */
export const NFTA_SET_ELEM_TABLE = {
  NFTA_SET_ELEM_KEY: [1, DATA],
  NFTA_SET_ELEM_DATA: [2, DATA],
  NFTA_SET_ELEM_FLAGS: [3, "be32"],
  NFTA_SET_ELEM_TIMEOUT: [4, "be64"],
  NFTA_SET_ELEM_EXPIRATION: [5, "be64"],
  NFTA_SET_ELEM_USERDATA: [6, "binary"],
  NFTA_SET_ELEM_EXPR: [7, EXPR_NEST],
  NFTA_SET_ELEM_PAD: [8, "binary"],
  NFTA_SET_ELEM_OBJREF: [9, "string"],
  NFTA_SET_ELEM_KEY_END: [10, DATA],
  NFTA_SET_ELEM_EXPRESSIONS: [11, EXPR_LIST],
} as const;
/** The compiled NFTA_SET_ELEM table. */
export const NFTA_SET_ELEM: AttrSchema<"NFTA_SET_ELEM_", typeof NFTA_SET_ELEM_TABLE> = attrs(
  "NFTA_SET_ELEM_",
  NFTA_SET_ELEM_TABLE,
);

/** `NFTA_SET_ELEM_LIST_*`: elements of one set. */
export const NFTA_SET_ELEM_LIST_TABLE = {
  NFTA_SET_ELEM_LIST_TABLE: [1, "string"],
  NFTA_SET_ELEM_LIST_SET: [2, "string"],
  // Elements are numbered 1, 2, … as nft(8) sends them (the kernel reads any number).
  NFTA_SET_ELEM_LIST_ELEMENTS: [3, {
    kind: "array",
    of: { kind: "nest", schema: (): typeof NFTA_SET_ELEM => NFTA_SET_ELEM },
  }],
  NFTA_SET_ELEM_LIST_SET_ID: [4, "be32"],
} as const;
/** The compiled NFTA_SET_ELEM_LIST table. */
export const NFTA_SET_ELEM_LIST: AttrSchema<
  "NFTA_SET_ELEM_LIST_",
  typeof NFTA_SET_ELEM_LIST_TABLE
> = attrs("NFTA_SET_ELEM_LIST_", NFTA_SET_ELEM_LIST_TABLE);

/** Stateful object types (`NFT_OBJECT_*`). */
export const NFT_OBJECT = {
  counter: 1,
  quota: 2,
  ct_helper: 3,
  limit: 4,
  connlimit: 5,
  tunnel: 6,
  ct_timeout: 7,
  secmark: 8,
  ct_expect: 9,
  synproxy: 10,
} as const;

/** `NFTA_CT_HELPER_*` (a ct helper object). */
export const NFTA_CT_HELPER_TABLE = {
  NFTA_CT_HELPER_NAME: [1, "string"],
  NFTA_CT_HELPER_L3PROTO: [2, "be16"],
  NFTA_CT_HELPER_L4PROTO: [3, "u8"],
} as const;
/** The compiled NFTA_CT_HELPER table. */
export const NFTA_CT_HELPER: AttrSchema<"NFTA_CT_HELPER_", typeof NFTA_CT_HELPER_TABLE> = attrs(
  "NFTA_CT_HELPER_",
  NFTA_CT_HELPER_TABLE,
);

/** `NFTA_SECMARK_*`. */
export const NFTA_SECMARK_TABLE = { NFTA_SECMARK_CTX: [1, "string"] } as const;
/** The compiled NFTA_SECMARK table. */
export const NFTA_SECMARK: AttrSchema<"NFTA_SECMARK_", typeof NFTA_SECMARK_TABLE> = attrs(
  "NFTA_SECMARK_",
  NFTA_SECMARK_TABLE,
);

const OBJ_DATA: Readonly<Record<string, Codec>> = {
  counter: { kind: "nest", schema: () => EXPR_SCHEMAS.counter },
  quota: { kind: "nest", schema: () => EXPR_SCHEMAS.quota },
  limit: { kind: "nest", schema: () => EXPR_SCHEMAS.limit },
  connlimit: { kind: "nest", schema: () => EXPR_SCHEMAS.connlimit },
  synproxy: { kind: "nest", schema: () => EXPR_SCHEMAS.synproxy },
  ct_helper: { kind: "nest", schema: () => NFTA_CT_HELPER },
  secmark: { kind: "nest", schema: () => NFTA_SECMARK },
};

/** `NFTA_OBJ_*`: a stateful object (counter, quota, limit, …); its data selected by its type. */
export const NFTA_OBJ_TABLE = {
  NFTA_OBJ_TABLE: [1, "string"],
  NFTA_OBJ_NAME: [2, "string"],
  NFTA_OBJ_TYPE: [3, { kind: "enum", base: "be32", names: NFT_OBJECT }],
  NFTA_OBJ_DATA: [4, { kind: "select", by: "type", choices: () => OBJ_DATA }],
  NFTA_OBJ_USE: [5, "be32"],
  NFTA_OBJ_HANDLE: [6, "be64"],
  NFTA_OBJ_PAD: [7, "binary"],
  NFTA_OBJ_USERDATA: [8, "binary"],
} as const;
/** The compiled NFTA_OBJ table. */
export const NFTA_OBJ: AttrSchema<"NFTA_OBJ_", typeof NFTA_OBJ_TABLE> = attrs(
  "NFTA_OBJ_",
  NFTA_OBJ_TABLE,
);

/** `NFTA_GEN_*`: the ruleset generation. */
export const NFTA_GEN_TABLE = {
  NFTA_GEN_ID: [1, "be32"],
  NFTA_GEN_PROC_PID: [2, "be32"],
  NFTA_GEN_PROC_NAME: [3, "string"],
} as const;
/** The compiled NFTA_GEN table. */
export const NFTA_GEN: AttrSchema<"NFTA_GEN_", typeof NFTA_GEN_TABLE> = attrs(
  "NFTA_GEN_",
  NFTA_GEN_TABLE,
);

/** A table message. */
export const TABLE_MESSAGE: MessageSchema<typeof NFGENMSG, typeof NFTA_TABLE> = message(
  "nft_table",
  NFGENMSG,
  NFTA_TABLE,
);
/** A chain message. */
export const CHAIN_MESSAGE: MessageSchema<typeof NFGENMSG, typeof NFTA_CHAIN> = message(
  "nft_chain",
  NFGENMSG,
  NFTA_CHAIN,
);
/** A rule message. */
export const RULE_MESSAGE: MessageSchema<typeof NFGENMSG, typeof NFTA_RULE> = message(
  "nft_rule",
  NFGENMSG,
  NFTA_RULE,
);
/** A set message. */
export const SET_MESSAGE: MessageSchema<typeof NFGENMSG, typeof NFTA_SET> = message(
  "nft_set",
  NFGENMSG,
  NFTA_SET,
);
/** A set-elements message. */
export const SETELEM_MESSAGE: MessageSchema<typeof NFGENMSG, typeof NFTA_SET_ELEM_LIST> = message(
  "nft_setelem",
  NFGENMSG,
  NFTA_SET_ELEM_LIST,
);
/** A stateful-object message. */
export const OBJ_MESSAGE: MessageSchema<typeof NFGENMSG, typeof NFTA_OBJ> = message(
  "nft_obj",
  NFGENMSG,
  NFTA_OBJ,
);
/** A generation message. */
export const GEN_MESSAGE: MessageSchema<typeof NFGENMSG, typeof NFTA_GEN> = message(
  "nft_gen",
  NFGENMSG,
  NFTA_GEN,
);

/** Set flags (`NFT_SET_*`). */
export const NFT_SET_F = {
  anonymous: 0x1,
  constant: 0x2,
  interval: 0x4,
  map: 0x8,
  timeout: 0x10,
  eval: 0x20,
  object: 0x40,
  concat: 0x80,
  expr: 0x100,
} as const;

/** Set element flags (`NFT_SET_ELEM_*`). */
export const NFT_SET_ELEM_F = { interval_end: 0x1, catchall: 0x2 } as const;

/** Chain flags (`NFT_CHAIN_*`). */
export const NFT_CHAIN_F = { base: 1, hw_offload: 2, binding: 4 } as const;

/** Table flags (`NFT_TABLE_F_*`). */
export const NFT_TABLE_F = { dormant: 1, owner: 2 } as const;

/** NAT/masquerade/redirect flags (`NF_NAT_RANGE_*`). */
export const NF_NAT_RANGE = {
  map_ips: 1,
  proto_specified: 2,
  proto_random: 4,
  persistent: 8,
  proto_random_fully: 16,
  proto_offset: 32,
  netmap: 64,
} as const;
