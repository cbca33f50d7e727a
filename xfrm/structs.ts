/**
 * The fixed-layout structs of linux/xfrm.h, laid out as on x86_64 (and every 64-bit Linux
 * ABI): offsets and sizes as the C compiler places them, padding included (the 64-bit
 * lifetime counters align `xfrm_usersa_info` to 8 bytes, so it is 224 bytes, not 220). Nested
 * structs are struct fields, read and written under their field's name (`sel_daddr`, `id_spi`,
 * `lft_soft_byte_limit`).
 *
 * Addresses (`xfrm_address_t`) are the 16 raw bytes (an IPv4 address in the first 4), read
 * with the family beside them. 64-bit lifetime values are raw 8-byte fields, so that
 * `XFRM_INF` (all ones, beyond a JavaScript number's exact range) survives encoding.
 *
 * @module
 */

import type { StructCodec, StructField } from "../netlink/schema.ts";

/** `struct xfrm_selector` (56 bytes) fields, at offset 0. */
export const SELECTOR_FIELDS: readonly StructField[] = [
  ["daddr", "bytes[16]", 0],
  ["saddr", "bytes[16]", 16],
  ["dport", "be16", 32],
  ["dport_mask", "be16", 34],
  ["sport", "be16", 36],
  ["sport_mask", "be16", 38],
  ["family", "u16", 40],
  ["prefixlen_d", "u8", 42],
  ["prefixlen_s", "u8", 43],
  ["proto", "u8", 44],
  ["ifindex", "s32", 48],
  ["user", "u32", 52],
];

/** `struct xfrm_id` (24 bytes) fields. */
export const ID_FIELDS: readonly StructField[] = [
  ["daddr", "bytes[16]", 0],
  ["spi", "be32", 16],
  ["proto", "u8", 20],
];

/** `struct xfrm_lifetime_cfg` (64 bytes): eight 64-bit values, raw. */
export const LIFETIME_CFG_FIELDS: readonly StructField[] = [
  ["soft_byte_limit", "bytes[8]", 0],
  ["hard_byte_limit", "bytes[8]", 8],
  ["soft_packet_limit", "bytes[8]", 16],
  ["hard_packet_limit", "bytes[8]", 24],
  ["soft_add_expires_seconds", "bytes[8]", 32],
  ["hard_add_expires_seconds", "bytes[8]", 40],
  ["soft_use_expires_seconds", "bytes[8]", 48],
  ["hard_use_expires_seconds", "bytes[8]", 56],
];

/** The names of the lifetime configuration values, in struct order. */
export const LIFETIME_CFG_NAMES: readonly string[] = LIFETIME_CFG_FIELDS.map((f) => f[0]);

/** `struct xfrm_lifetime_cur` (32 bytes). */
export const LIFETIME_CUR_FIELDS: readonly StructField[] = [
  ["bytes", "u64", 0],
  ["packets", "u64", 8],
  ["add_time", "u64", 16],
  ["use_time", "u64", 24],
];

/** `struct xfrm_stats` (12 bytes). */
export const STATS_FIELDS: readonly StructField[] = [
  ["replay_window", "u32", 0],
  ["replay", "u32", 4],
  ["integrity_failed", "u32", 8],
];

/** `struct xfrm_selector` (56 bytes). */
export const XFRM_SELECTOR: StructCodec = { kind: "struct", fields: SELECTOR_FIELDS, size: 56 };

/** `struct xfrm_id` (24 bytes). */
export const XFRM_ID: StructCodec = { kind: "struct", fields: ID_FIELDS, size: 24 };

/** `struct xfrm_lifetime_cfg` (64 bytes). */
export const XFRM_LIFETIME_CFG: StructCodec = {
  kind: "struct",
  fields: LIFETIME_CFG_FIELDS,
  size: 64,
};

/** `struct xfrm_lifetime_cur` (32 bytes). */
export const XFRM_LIFETIME_CUR: StructCodec = {
  kind: "struct",
  fields: LIFETIME_CUR_FIELDS,
  size: 32,
};

/** `struct xfrm_stats` (12 bytes). */
export const XFRM_STATS: StructCodec = { kind: "struct", fields: STATS_FIELDS, size: 12 };

/** `struct xfrm_usersa_info` (224 bytes): an SA. */
export const XFRM_USERSA_INFO: StructCodec = {
  kind: "struct",
  fields: [
    ["sel", XFRM_SELECTOR, 0],
    ["id", XFRM_ID, 56],
    ["saddr", "bytes[16]", 80],
    ["lft", XFRM_LIFETIME_CFG, 96],
    ["curlft", XFRM_LIFETIME_CUR, 160],
    ["stats", XFRM_STATS, 192],
    ["seq", "u32", 204],
    ["reqid", "u32", 208],
    ["family", "u16", 212],
    ["mode", "u8", 214],
    ["replay_window", "u8", 215],
    ["flags", "u8", 216],
  ],
  size: 224,
};

/** `struct xfrm_usersa_id` (24 bytes): an SA's identity (get, delete). */
export const XFRM_USERSA_ID: StructCodec = {
  kind: "struct",
  fields: [["daddr", "bytes[16]", 0], ["spi", "be32", 16], ["family", "u16", 20], [
    "proto",
    "u8",
    22,
  ]],
  size: 24,
};

/** `struct xfrm_userspi_info` (232 bytes): an SA template and the SPI range to allocate in. */
export const XFRM_USERSPI_INFO: StructCodec = {
  kind: "struct",
  fields: [...XFRM_USERSA_INFO.fields, ["min", "u32", 224], ["max", "u32", 228]],
  size: 232,
};

/** `struct xfrm_userpolicy_info` (168 bytes): a policy. */
export const XFRM_USERPOLICY_INFO: StructCodec = {
  kind: "struct",
  fields: [
    ["sel", XFRM_SELECTOR, 0],
    ["lft", XFRM_LIFETIME_CFG, 56],
    ["curlft", XFRM_LIFETIME_CUR, 120],
    ["priority", "u32", 152],
    ["index", "u32", 156],
    ["dir", "u8", 160],
    ["action", "u8", 161],
    ["flags", "u8", 162],
    ["share", "u8", 163],
  ],
  size: 168,
};

/** `struct xfrm_userpolicy_id` (64 bytes): a policy's identity (get, delete). */
export const XFRM_USERPOLICY_ID: StructCodec = {
  kind: "struct",
  fields: [["sel", XFRM_SELECTOR, 0], ["index", "u32", 56], ["dir", "u8", 60]],
  size: 64,
};

/** `struct xfrm_user_acquire` (280 bytes): the kernel asks for an SA. */
export const XFRM_USER_ACQUIRE: StructCodec = {
  kind: "struct",
  fields: [
    ["id", XFRM_ID, 0],
    ["saddr", "bytes[16]", 24],
    ["sel", XFRM_SELECTOR, 40],
    ["policy", XFRM_USERPOLICY_INFO, 96],
    ["aalgos", "u32", 264],
    ["ealgos", "u32", 268],
    ["calgos", "u32", 272],
    ["seq", "u32", 276],
  ],
  size: 280,
};

/** `struct xfrm_user_expire` (232 bytes): an SA's lifetime ran out (soft or hard). */
export const XFRM_USER_EXPIRE: StructCodec = {
  kind: "struct",
  fields: [...XFRM_USERSA_INFO.fields, ["hard", "u8", 224]],
  size: 232,
};

/** `struct xfrm_user_polexpire` (176 bytes): a policy's lifetime ran out. */
export const XFRM_USER_POLEXPIRE: StructCodec = {
  kind: "struct",
  fields: [...XFRM_USERPOLICY_INFO.fields, ["hard", "u8", 168]],
  size: 176,
};

/** `struct xfrm_usersa_flush` (1 byte): which protocol's SAs to flush. */
export const XFRM_USERSA_FLUSH: StructCodec = {
  kind: "struct",
  fields: [["proto", "u8", 0]],
  size: 1,
};

/** `struct xfrm_aevent_id` (48 bytes). */
export const XFRM_AEVENT_ID: StructCodec = {
  kind: "struct",
  fields: [
    ["sa_id", XFRM_USERSA_ID, 0],
    ["saddr", "bytes[16]", 24],
    ["flags", "u32", 40],
    ["reqid", "u32", 44],
  ],
  size: 48,
};

/** `struct xfrm_user_report` (60 bytes). */
export const XFRM_USER_REPORT: StructCodec = {
  kind: "struct",
  fields: [["proto", "u8", 0], ["sel", XFRM_SELECTOR, 4]],
  size: 60,
};

/** `struct xfrm_user_mapping` (64 bytes): a NAT mapping changed. */
export const XFRM_USER_MAPPING: StructCodec = {
  kind: "struct",
  fields: [
    ["id", XFRM_USERSA_ID, 0],
    ["reqid", "u32", 24],
    ["old_saddr", "bytes[16]", 28],
    ["new_saddr", "bytes[16]", 44],
    ["old_sport", "be16", 60],
    ["new_sport", "be16", 62],
  ],
  size: 64,
};

/** A `__u32 flags` header (GETSADINFO, GETSPDINFO and their replies). */
export const XFRM_FLAGS_HEADER: StructCodec = {
  kind: "struct",
  fields: [["flags", "u32", 0]],
  size: 4,
};

/** `struct xfrm_userpolicy_default` (3 bytes). */
export const XFRM_USERPOLICY_DEFAULT: StructCodec = {
  kind: "struct",
  fields: [["in", "u8", 0], ["fwd", "u8", 1], ["out", "u8", 2]],
  size: 3,
};

/** No fixed header (FLUSHPOLICY). */
export const XFRM_NO_HEADER: StructCodec = { kind: "struct", fields: [], size: 0 };

/** `struct xfrm_user_tmpl` (64 bytes): one template of a policy (`XFRMA_TMPL` holds several). */
export const XFRM_USER_TMPL: StructCodec = {
  kind: "struct",
  fields: [
    ["id", XFRM_ID, 0],
    ["family", "u16", 24],
    ["saddr", "bytes[16]", 28],
    ["reqid", "u32", 44],
    ["mode", "u8", 48],
    ["share", "u8", 49],
    ["optional", "u8", 50],
    ["aalgos", "u32", 52],
    ["ealgos", "u32", 56],
    ["calgos", "u32", 60],
  ],
  size: 64,
};

/** `struct xfrm_encap_tmpl` (24 bytes): NAT traversal. */
export const XFRM_ENCAP_TMPL: StructCodec = {
  kind: "struct",
  fields: [
    ["encap_type", "u16", 0],
    ["encap_sport", "be16", 2],
    ["encap_dport", "be16", 4],
    ["encap_oa", "bytes[16]", 8],
  ],
  size: 24,
};

/** `struct xfrm_mark` (8 bytes). */
export const XFRM_MARK: StructCodec = {
  kind: "struct",
  fields: [["v", "u32", 0], ["m", "u32", 4]],
  size: 8,
};

/** `struct xfrm_userpolicy_type` (6 bytes). */
export const XFRM_USERPOLICY_TYPE: StructCodec = {
  kind: "struct",
  fields: [["type", "u8", 0], ["reserved1", "u16", 2], ["reserved2", "u8", 4]],
  size: 6,
};

/** `struct xfrm_replay_state` (12 bytes). */
export const XFRM_REPLAY_STATE: StructCodec = {
  kind: "struct",
  fields: [["oseq", "u32", 0], ["seq", "u32", 4], ["bitmap", "u32", 8]],
  size: 12,
};

/** `struct xfrm_replay_state_esn` (24 bytes, then `bmp_len` u32 words). */
export const XFRM_REPLAY_STATE_ESN: StructCodec = {
  kind: "struct",
  fields: [
    ["bmp_len", "u32", 0],
    ["oseq", "u32", 4],
    ["seq", "u32", 8],
    ["oseq_hi", "u32", 12],
    ["seq_hi", "u32", 16],
    ["replay_window", "u32", 20],
  ],
  size: 24,
};

/** `struct xfrm_user_offload` (8 bytes). */
export const XFRM_USER_OFFLOAD: StructCodec = {
  kind: "struct",
  fields: [["ifindex", "s32", 0], ["flags", "u8", 4]],
  size: 8,
};

/** `struct xfrm_address_filter` (36 bytes): filters a state dump. */
export const XFRM_ADDRESS_FILTER: StructCodec = {
  kind: "struct",
  fields: [
    ["saddr", "bytes[16]", 0],
    ["daddr", "bytes[16]", 16],
    ["family", "u16", 32],
    ["splen", "u8", 34],
    ["dplen", "u8", 35],
  ],
  size: 36,
};

/** `struct xfrmu_sadhinfo`. */
export const XFRMU_SADHINFO: StructCodec = {
  kind: "struct",
  fields: [["sadhcnt", "u32", 0], ["sadhmcnt", "u32", 4]],
  size: 8,
};

/** `struct xfrmu_spdinfo`. */
export const XFRMU_SPDINFO: StructCodec = {
  kind: "struct",
  fields: [
    ["incnt", "u32", 0],
    ["outcnt", "u32", 4],
    ["fwdcnt", "u32", 8],
    ["inscnt", "u32", 12],
    ["outscnt", "u32", 16],
    ["fwdscnt", "u32", 20],
  ],
  size: 24,
};

/** `struct xfrmu_spdhinfo`. */
export const XFRMU_SPDHINFO: StructCodec = {
  kind: "struct",
  fields: [["spdhcnt", "u32", 0], ["spdhmcnt", "u32", 4]],
  size: 8,
};

/** `struct xfrmu_spdhthresh`. */
export const XFRMU_SPDHTHRESH: StructCodec = {
  kind: "struct",
  fields: [["lbits", "u8", 0], ["rbits", "u8", 1]],
  size: 2,
};
