/**
 * The ethtool generic netlink family's tables (linux/ethtool_netlink.h): message ids, the
 * request header, bitsets, string sets, and the attributes of each message kind (link info,
 * link modes, link state, debug, wake-on-lan, features, private flags, rings, channels,
 * coalescing, pause, EEE, timestamping, statistics).
 *
 * @module
 */

import { attrs, genlMessage } from "../netlink/mod.ts";
import type { AttrSchema, GENLMSGHDR, MessageSchema } from "../netlink/mod.ts";

/** The family's name (`ETHTOOL_GENL_NAME`). */
export const ETHTOOL_GENL_NAME = "ethtool";
/** The notification multicast group (`ETHTOOL_MCGRP_MONITOR_NAME`). */
export const ETHTOOL_MCGRP_MONITOR_NAME = "monitor";

/** `ETHTOOL_MSG_*` sent to the kernel (the genlmsghdr command). */
export const ETHTOOL_MSG = {
  STRSET_GET: 1,
  LINKINFO_GET: 2,
  LINKINFO_SET: 3,
  LINKMODES_GET: 4,
  LINKMODES_SET: 5,
  LINKSTATE_GET: 6,
  DEBUG_GET: 7,
  DEBUG_SET: 8,
  WOL_GET: 9,
  WOL_SET: 10,
  FEATURES_GET: 11,
  FEATURES_SET: 12,
  PRIVFLAGS_GET: 13,
  PRIVFLAGS_SET: 14,
  RINGS_GET: 15,
  RINGS_SET: 16,
  CHANNELS_GET: 17,
  CHANNELS_SET: 18,
  COALESCE_GET: 19,
  COALESCE_SET: 20,
  PAUSE_GET: 21,
  PAUSE_SET: 22,
  EEE_GET: 23,
  EEE_SET: 24,
  TSINFO_GET: 25,
  STATS_GET: 32,
} as const;

/** `ETHTOOL_MSG_*` the kernel sends (replies and notifications), by command number. */
export const ETHTOOL_MSG_KERNEL = {
  STRSET_GET_REPLY: 1,
  LINKINFO_GET_REPLY: 2,
  LINKINFO_NTF: 3,
  LINKMODES_GET_REPLY: 4,
  LINKMODES_NTF: 5,
  LINKSTATE_GET_REPLY: 6,
  DEBUG_GET_REPLY: 7,
  DEBUG_NTF: 8,
  WOL_GET_REPLY: 9,
  WOL_NTF: 10,
  FEATURES_GET_REPLY: 11,
  FEATURES_SET_REPLY: 12,
  FEATURES_NTF: 13,
  PRIVFLAGS_GET_REPLY: 14,
  PRIVFLAGS_NTF: 15,
  RINGS_GET_REPLY: 16,
  RINGS_NTF: 17,
  CHANNELS_GET_REPLY: 18,
  CHANNELS_NTF: 19,
  COALESCE_GET_REPLY: 20,
  COALESCE_NTF: 21,
  PAUSE_GET_REPLY: 22,
  PAUSE_NTF: 23,
  EEE_GET_REPLY: 24,
  EEE_NTF: 25,
  TSINFO_GET_REPLY: 26,
  CABLE_TEST_NTF: 27,
  CABLE_TEST_TDR_NTF: 28,
  TUNNEL_INFO_GET_REPLY: 29,
  FEC_GET_REPLY: 30,
  FEC_NTF: 31,
  MODULE_EEPROM_GET_REPLY: 32,
  STATS_GET_REPLY: 33,
  PHC_VCLOCKS_GET_REPLY: 34,
  MODULE_GET_REPLY: 35,
  MODULE_NTF: 36,
} as const;

/** `ETHTOOL_FLAG_*` of the request header. */
export const ETHTOOL_FLAG = { COMPACT_BITSETS: 1, OMIT_REPLY: 2, STATS: 4 } as const;

/** `ETH_SS_*`: string set ids. */
export const ETH_SS = {
  TEST: 0,
  STATS: 1,
  PRIV_FLAGS: 2,
  NTUPLE_FILTERS: 3,
  FEATURES: 4,
  RSS_HASH_FUNCS: 5,
  TUNABLES: 6,
  PHY_STATS: 7,
  PHY_TUNABLES: 8,
  LINK_MODES: 9,
  MSG_CLASSES: 10,
  WOL_MODES: 11,
  SOF_TIMESTAMPING: 12,
  TS_TX_TYPES: 13,
  TS_RX_FILTERS: 14,
  UDP_TUNNEL_TYPES: 15,
  STATS_STD: 16,
  STATS_ETH_PHY: 17,
  STATS_ETH_MAC: 18,
  STATS_ETH_CTRL: 19,
  STATS_RMON: 20,
} as const;

/** `ETHTOOL_STATS_*`: statistics groups, named as in the `stats-std` string set. */
export const ETHTOOL_STATS_GROUP = {
  "eth-phy": 0,
  "eth-mac": 1,
  "eth-ctrl": 2,
  "rmon": 3,
} as const;

/** `ETHTOOL_A_HEADER_*`. */
export const ETHTOOL_A_HEADER_TABLE = {
  ETHTOOL_A_HEADER_DEV_INDEX: [1, "u32"],
  ETHTOOL_A_HEADER_DEV_NAME: [2, "string"],
  ETHTOOL_A_HEADER_FLAGS: [3, "u32"],
  ETHTOOL_A_HEADER_PHY_INDEX: [4, "u32"],
} as const;
/** The compiled ETHTOOL_A_HEADER table. */
export const ETHTOOL_A_HEADER: AttrSchema<"ETHTOOL_A_HEADER_", typeof ETHTOOL_A_HEADER_TABLE> =
  attrs("ETHTOOL_A_HEADER_", ETHTOOL_A_HEADER_TABLE);

const header = { kind: "nest", schema: (): typeof ETHTOOL_A_HEADER => ETHTOOL_A_HEADER } as const;

/** `ETHTOOL_A_BITSET_BIT_*`: one bit of a verbose bitset. */
export const ETHTOOL_A_BITSET_BIT_TABLE = {
  ETHTOOL_A_BITSET_BIT_INDEX: [1, "u32"],
  ETHTOOL_A_BITSET_BIT_NAME: [2, "string"],
  ETHTOOL_A_BITSET_BIT_VALUE: [3, "flag"],
} as const;
/** The compiled ETHTOOL_A_BITSET_BIT table. */
export const ETHTOOL_A_BITSET_BIT: AttrSchema<
  "ETHTOOL_A_BITSET_BIT_",
  typeof ETHTOOL_A_BITSET_BIT_TABLE
> = attrs("ETHTOOL_A_BITSET_BIT_", ETHTOOL_A_BITSET_BIT_TABLE);

/** `ETHTOOL_A_BITSET_*`: a bitset, verbose (`bits`) or compact (`value`/`mask` words). */
export const ETHTOOL_A_BITSET_TABLE = {
  ETHTOOL_A_BITSET_NOMASK: [1, "flag"],
  ETHTOOL_A_BITSET_SIZE: [2, "u32"],
  // A nest of ETHTOOL_A_BITSET_BITS_BIT (1) nests, one per bit.
  ETHTOOL_A_BITSET_BITS: [3, {
    kind: "array",
    type: 1,
    of: { kind: "nest", schema: (): typeof ETHTOOL_A_BITSET_BIT => ETHTOOL_A_BITSET_BIT },
  }],
  ETHTOOL_A_BITSET_VALUE: [4, "binary"],
  ETHTOOL_A_BITSET_MASK: [5, "binary"],
} as const;
/** The compiled ETHTOOL_A_BITSET table. */
export const ETHTOOL_A_BITSET: AttrSchema<"ETHTOOL_A_BITSET_", typeof ETHTOOL_A_BITSET_TABLE> =
  attrs("ETHTOOL_A_BITSET_", ETHTOOL_A_BITSET_TABLE);

const bitset = { kind: "nest", schema: (): typeof ETHTOOL_A_BITSET => ETHTOOL_A_BITSET } as const;

/** `ETHTOOL_A_STRING_*`: one string of a set. */
export const ETHTOOL_A_STRING_TABLE = {
  ETHTOOL_A_STRING_INDEX: [1, "u32"],
  ETHTOOL_A_STRING_VALUE: [2, "string"],
} as const;
/** The compiled ETHTOOL_A_STRING table. */
export const ETHTOOL_A_STRING: AttrSchema<"ETHTOOL_A_STRING_", typeof ETHTOOL_A_STRING_TABLE> =
  attrs("ETHTOOL_A_STRING_", ETHTOOL_A_STRING_TABLE);

/** `ETHTOOL_A_STRINGSET_*`: one string set. */
export const ETHTOOL_A_STRINGSET_TABLE = {
  ETHTOOL_A_STRINGSET_ID: [1, "u32"],
  ETHTOOL_A_STRINGSET_COUNT: [2, "u32"],
  // A nest of ETHTOOL_A_STRINGS_STRING (1) nests, one per string.
  ETHTOOL_A_STRINGSET_STRINGS: [3, {
    kind: "array",
    type: 1,
    of: { kind: "nest", schema: (): typeof ETHTOOL_A_STRING => ETHTOOL_A_STRING },
  }],
} as const;
/** The compiled ETHTOOL_A_STRINGSET table. */
export const ETHTOOL_A_STRINGSET: AttrSchema<
  "ETHTOOL_A_STRINGSET_",
  typeof ETHTOOL_A_STRINGSET_TABLE
> = attrs("ETHTOOL_A_STRINGSET_", ETHTOOL_A_STRINGSET_TABLE);

/** `ETHTOOL_A_STRSET_*`. */
export const ETHTOOL_A_STRSET_TABLE = {
  ETHTOOL_A_STRSET_HEADER: [1, header],
  // A nest of ETHTOOL_A_STRINGSETS_STRINGSET (1) nests, one per set.
  ETHTOOL_A_STRSET_STRINGSETS: [2, {
    kind: "array",
    type: 1,
    of: { kind: "nest", schema: (): typeof ETHTOOL_A_STRINGSET => ETHTOOL_A_STRINGSET },
  }],
  ETHTOOL_A_STRSET_COUNTS_ONLY: [3, "flag"],
} as const;
/** The compiled ETHTOOL_A_STRSET table. */
export const ETHTOOL_A_STRSET: AttrSchema<"ETHTOOL_A_STRSET_", typeof ETHTOOL_A_STRSET_TABLE> =
  attrs("ETHTOOL_A_STRSET_", ETHTOOL_A_STRSET_TABLE);

/** `ETHTOOL_A_LINKINFO_*`. */
export const ETHTOOL_A_LINKINFO_TABLE = {
  ETHTOOL_A_LINKINFO_HEADER: [1, header],
  ETHTOOL_A_LINKINFO_PORT: [2, "u8"],
  ETHTOOL_A_LINKINFO_PHYADDR: [3, "u8"],
  ETHTOOL_A_LINKINFO_TP_MDIX: [4, "u8"],
  ETHTOOL_A_LINKINFO_TP_MDIX_CTRL: [5, "u8"],
  ETHTOOL_A_LINKINFO_TRANSCEIVER: [6, "u8"],
} as const;
/** The compiled ETHTOOL_A_LINKINFO table. */
export const ETHTOOL_A_LINKINFO: AttrSchema<
  "ETHTOOL_A_LINKINFO_",
  typeof ETHTOOL_A_LINKINFO_TABLE
> = attrs("ETHTOOL_A_LINKINFO_", ETHTOOL_A_LINKINFO_TABLE);

/** `ETHTOOL_A_LINKMODES_*`. */
export const ETHTOOL_A_LINKMODES_TABLE = {
  ETHTOOL_A_LINKMODES_HEADER: [1, header],
  ETHTOOL_A_LINKMODES_AUTONEG: [2, "u8"],
  ETHTOOL_A_LINKMODES_OURS: [3, bitset],
  ETHTOOL_A_LINKMODES_PEER: [4, bitset],
  ETHTOOL_A_LINKMODES_SPEED: [5, "u32"],
  ETHTOOL_A_LINKMODES_DUPLEX: [6, "u8"],
  ETHTOOL_A_LINKMODES_MASTER_SLAVE_CFG: [7, "u8"],
  ETHTOOL_A_LINKMODES_MASTER_SLAVE_STATE: [8, "u8"],
  ETHTOOL_A_LINKMODES_LANES: [9, "u32"],
  ETHTOOL_A_LINKMODES_RATE_MATCHING: [10, "u8"],
} as const;
/** The compiled ETHTOOL_A_LINKMODES table. */
export const ETHTOOL_A_LINKMODES: AttrSchema<
  "ETHTOOL_A_LINKMODES_",
  typeof ETHTOOL_A_LINKMODES_TABLE
> = attrs("ETHTOOL_A_LINKMODES_", ETHTOOL_A_LINKMODES_TABLE);

/** `ETHTOOL_A_LINKSTATE_*`. */
export const ETHTOOL_A_LINKSTATE_TABLE = {
  ETHTOOL_A_LINKSTATE_HEADER: [1, header],
  ETHTOOL_A_LINKSTATE_LINK: [2, "u8"],
  ETHTOOL_A_LINKSTATE_SQI: [3, "u32"],
  ETHTOOL_A_LINKSTATE_SQI_MAX: [4, "u32"],
  ETHTOOL_A_LINKSTATE_EXT_STATE: [5, "u8"],
  ETHTOOL_A_LINKSTATE_EXT_SUBSTATE: [6, "u8"],
  ETHTOOL_A_LINKSTATE_EXT_DOWN_CNT: [7, "u32"],
} as const;
/** The compiled ETHTOOL_A_LINKSTATE table. */
export const ETHTOOL_A_LINKSTATE: AttrSchema<
  "ETHTOOL_A_LINKSTATE_",
  typeof ETHTOOL_A_LINKSTATE_TABLE
> = attrs("ETHTOOL_A_LINKSTATE_", ETHTOOL_A_LINKSTATE_TABLE);

/** `ETHTOOL_A_DEBUG_*`. */
export const ETHTOOL_A_DEBUG_TABLE = {
  ETHTOOL_A_DEBUG_HEADER: [1, header],
  ETHTOOL_A_DEBUG_MSGMASK: [2, bitset],
} as const;
/** The compiled ETHTOOL_A_DEBUG table. */
export const ETHTOOL_A_DEBUG: AttrSchema<"ETHTOOL_A_DEBUG_", typeof ETHTOOL_A_DEBUG_TABLE> = attrs(
  "ETHTOOL_A_DEBUG_",
  ETHTOOL_A_DEBUG_TABLE,
);

/** `ETHTOOL_A_WOL_*`. */
export const ETHTOOL_A_WOL_TABLE = {
  ETHTOOL_A_WOL_HEADER: [1, header],
  ETHTOOL_A_WOL_MODES: [2, bitset],
  ETHTOOL_A_WOL_SOPASS: [3, "binary"],
} as const;
/** The compiled ETHTOOL_A_WOL table. */
export const ETHTOOL_A_WOL: AttrSchema<"ETHTOOL_A_WOL_", typeof ETHTOOL_A_WOL_TABLE> = attrs(
  "ETHTOOL_A_WOL_",
  ETHTOOL_A_WOL_TABLE,
);

/** `ETHTOOL_A_FEATURES_*`. */
export const ETHTOOL_A_FEATURES_TABLE = {
  ETHTOOL_A_FEATURES_HEADER: [1, header],
  ETHTOOL_A_FEATURES_HW: [2, bitset],
  ETHTOOL_A_FEATURES_WANTED: [3, bitset],
  ETHTOOL_A_FEATURES_ACTIVE: [4, bitset],
  ETHTOOL_A_FEATURES_NOCHANGE: [5, bitset],
} as const;
/** The compiled ETHTOOL_A_FEATURES table. */
export const ETHTOOL_A_FEATURES: AttrSchema<
  "ETHTOOL_A_FEATURES_",
  typeof ETHTOOL_A_FEATURES_TABLE
> = attrs("ETHTOOL_A_FEATURES_", ETHTOOL_A_FEATURES_TABLE);

/** `ETHTOOL_A_PRIVFLAGS_*`. */
export const ETHTOOL_A_PRIVFLAGS_TABLE = {
  ETHTOOL_A_PRIVFLAGS_HEADER: [1, header],
  ETHTOOL_A_PRIVFLAGS_FLAGS: [2, bitset],
} as const;
/** The compiled ETHTOOL_A_PRIVFLAGS table. */
export const ETHTOOL_A_PRIVFLAGS: AttrSchema<
  "ETHTOOL_A_PRIVFLAGS_",
  typeof ETHTOOL_A_PRIVFLAGS_TABLE
> = attrs("ETHTOOL_A_PRIVFLAGS_", ETHTOOL_A_PRIVFLAGS_TABLE);

/** `ETHTOOL_A_RINGS_*`. */
export const ETHTOOL_A_RINGS_TABLE = {
  ETHTOOL_A_RINGS_HEADER: [1, header],
  ETHTOOL_A_RINGS_RX_MAX: [2, "u32"],
  ETHTOOL_A_RINGS_RX_MINI_MAX: [3, "u32"],
  ETHTOOL_A_RINGS_RX_JUMBO_MAX: [4, "u32"],
  ETHTOOL_A_RINGS_TX_MAX: [5, "u32"],
  ETHTOOL_A_RINGS_RX: [6, "u32"],
  ETHTOOL_A_RINGS_RX_MINI: [7, "u32"],
  ETHTOOL_A_RINGS_RX_JUMBO: [8, "u32"],
  ETHTOOL_A_RINGS_TX: [9, "u32"],
  ETHTOOL_A_RINGS_RX_BUF_LEN: [10, "u32"],
  ETHTOOL_A_RINGS_TCP_DATA_SPLIT: [11, "u8"],
  ETHTOOL_A_RINGS_CQE_SIZE: [12, "u32"],
  ETHTOOL_A_RINGS_TX_PUSH: [13, "u8"],
  ETHTOOL_A_RINGS_RX_PUSH: [14, "u8"],
  ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN: [15, "u32"],
  ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN_MAX: [16, "u32"],
  ETHTOOL_A_RINGS_HDS_THRESH: [17, "u32"],
  ETHTOOL_A_RINGS_HDS_THRESH_MAX: [18, "u32"],
} as const;
/** The compiled ETHTOOL_A_RINGS table. */
export const ETHTOOL_A_RINGS: AttrSchema<"ETHTOOL_A_RINGS_", typeof ETHTOOL_A_RINGS_TABLE> = attrs(
  "ETHTOOL_A_RINGS_",
  ETHTOOL_A_RINGS_TABLE,
);

/** `ETHTOOL_A_CHANNELS_*`. */
export const ETHTOOL_A_CHANNELS_TABLE = {
  ETHTOOL_A_CHANNELS_HEADER: [1, header],
  ETHTOOL_A_CHANNELS_RX_MAX: [2, "u32"],
  ETHTOOL_A_CHANNELS_TX_MAX: [3, "u32"],
  ETHTOOL_A_CHANNELS_OTHER_MAX: [4, "u32"],
  ETHTOOL_A_CHANNELS_COMBINED_MAX: [5, "u32"],
  ETHTOOL_A_CHANNELS_RX_COUNT: [6, "u32"],
  ETHTOOL_A_CHANNELS_TX_COUNT: [7, "u32"],
  ETHTOOL_A_CHANNELS_OTHER_COUNT: [8, "u32"],
  ETHTOOL_A_CHANNELS_COMBINED_COUNT: [9, "u32"],
} as const;
/** The compiled ETHTOOL_A_CHANNELS table. */
export const ETHTOOL_A_CHANNELS: AttrSchema<
  "ETHTOOL_A_CHANNELS_",
  typeof ETHTOOL_A_CHANNELS_TABLE
> = attrs("ETHTOOL_A_CHANNELS_", ETHTOOL_A_CHANNELS_TABLE);

/** `ETHTOOL_A_COALESCE_*`. */
export const ETHTOOL_A_COALESCE_TABLE = {
  ETHTOOL_A_COALESCE_HEADER: [1, header],
  ETHTOOL_A_COALESCE_RX_USECS: [2, "u32"],
  ETHTOOL_A_COALESCE_RX_MAX_FRAMES: [3, "u32"],
  ETHTOOL_A_COALESCE_RX_USECS_IRQ: [4, "u32"],
  ETHTOOL_A_COALESCE_RX_MAX_FRAMES_IRQ: [5, "u32"],
  ETHTOOL_A_COALESCE_TX_USECS: [6, "u32"],
  ETHTOOL_A_COALESCE_TX_MAX_FRAMES: [7, "u32"],
  ETHTOOL_A_COALESCE_TX_USECS_IRQ: [8, "u32"],
  ETHTOOL_A_COALESCE_TX_MAX_FRAMES_IRQ: [9, "u32"],
  ETHTOOL_A_COALESCE_STATS_BLOCK_USECS: [10, "u32"],
  ETHTOOL_A_COALESCE_USE_ADAPTIVE_RX: [11, "u8"],
  ETHTOOL_A_COALESCE_USE_ADAPTIVE_TX: [12, "u8"],
  ETHTOOL_A_COALESCE_PKT_RATE_LOW: [13, "u32"],
  ETHTOOL_A_COALESCE_RX_USECS_LOW: [14, "u32"],
  ETHTOOL_A_COALESCE_RX_MAX_FRAMES_LOW: [15, "u32"],
  ETHTOOL_A_COALESCE_TX_USECS_LOW: [16, "u32"],
  ETHTOOL_A_COALESCE_TX_MAX_FRAMES_LOW: [17, "u32"],
  ETHTOOL_A_COALESCE_PKT_RATE_HIGH: [18, "u32"],
  ETHTOOL_A_COALESCE_RX_USECS_HIGH: [19, "u32"],
  ETHTOOL_A_COALESCE_RX_MAX_FRAMES_HIGH: [20, "u32"],
  ETHTOOL_A_COALESCE_TX_USECS_HIGH: [21, "u32"],
  ETHTOOL_A_COALESCE_TX_MAX_FRAMES_HIGH: [22, "u32"],
  ETHTOOL_A_COALESCE_RATE_SAMPLE_INTERVAL: [23, "u32"],
  ETHTOOL_A_COALESCE_USE_CQE_MODE_TX: [24, "u8"],
  ETHTOOL_A_COALESCE_USE_CQE_MODE_RX: [25, "u8"],
  ETHTOOL_A_COALESCE_TX_AGGR_MAX_BYTES: [26, "u32"],
  ETHTOOL_A_COALESCE_TX_AGGR_MAX_FRAMES: [27, "u32"],
  ETHTOOL_A_COALESCE_TX_AGGR_TIME_USECS: [28, "u32"],
} as const;
/** The compiled ETHTOOL_A_COALESCE table. */
export const ETHTOOL_A_COALESCE: AttrSchema<
  "ETHTOOL_A_COALESCE_",
  typeof ETHTOOL_A_COALESCE_TABLE
> = attrs("ETHTOOL_A_COALESCE_", ETHTOOL_A_COALESCE_TABLE);

/** `ETHTOOL_A_PAUSE_STAT_*`. */
export const ETHTOOL_A_PAUSE_STAT_TABLE = {
  ETHTOOL_A_PAUSE_STAT_PAD: [1, "binary"],
  ETHTOOL_A_PAUSE_STAT_TX_FRAMES: [2, "u64"],
  ETHTOOL_A_PAUSE_STAT_RX_FRAMES: [3, "u64"],
} as const;
/** The compiled ETHTOOL_A_PAUSE_STAT table. */
export const ETHTOOL_A_PAUSE_STAT: AttrSchema<
  "ETHTOOL_A_PAUSE_STAT_",
  typeof ETHTOOL_A_PAUSE_STAT_TABLE
> = attrs("ETHTOOL_A_PAUSE_STAT_", ETHTOOL_A_PAUSE_STAT_TABLE);

/** `ETHTOOL_A_PAUSE_*`. */
export const ETHTOOL_A_PAUSE_TABLE = {
  ETHTOOL_A_PAUSE_HEADER: [1, header],
  ETHTOOL_A_PAUSE_AUTONEG: [2, "u8"],
  ETHTOOL_A_PAUSE_RX: [3, "u8"],
  ETHTOOL_A_PAUSE_TX: [4, "u8"],
  ETHTOOL_A_PAUSE_STATS: [5, {
    kind: "nest",
    schema: (): typeof ETHTOOL_A_PAUSE_STAT => ETHTOOL_A_PAUSE_STAT,
  }],
  ETHTOOL_A_PAUSE_STATS_SRC: [6, "u32"],
} as const;
/** The compiled ETHTOOL_A_PAUSE table. */
export const ETHTOOL_A_PAUSE: AttrSchema<"ETHTOOL_A_PAUSE_", typeof ETHTOOL_A_PAUSE_TABLE> = attrs(
  "ETHTOOL_A_PAUSE_",
  ETHTOOL_A_PAUSE_TABLE,
);

/** `ETHTOOL_A_EEE_*`. */
export const ETHTOOL_A_EEE_TABLE = {
  ETHTOOL_A_EEE_HEADER: [1, header],
  ETHTOOL_A_EEE_MODES_OURS: [2, bitset],
  ETHTOOL_A_EEE_MODES_PEER: [3, bitset],
  ETHTOOL_A_EEE_ACTIVE: [4, "u8"],
  ETHTOOL_A_EEE_ENABLED: [5, "u8"],
  ETHTOOL_A_EEE_TX_LPI_ENABLED: [6, "u8"],
  ETHTOOL_A_EEE_TX_LPI_TIMER: [7, "u32"],
} as const;
/** The compiled ETHTOOL_A_EEE table. */
export const ETHTOOL_A_EEE: AttrSchema<"ETHTOOL_A_EEE_", typeof ETHTOOL_A_EEE_TABLE> = attrs(
  "ETHTOOL_A_EEE_",
  ETHTOOL_A_EEE_TABLE,
);

/** `ETHTOOL_A_TSINFO_*`. */
export const ETHTOOL_A_TSINFO_TABLE = {
  ETHTOOL_A_TSINFO_HEADER: [1, header],
  ETHTOOL_A_TSINFO_TIMESTAMPING: [2, bitset],
  ETHTOOL_A_TSINFO_TX_TYPES: [3, bitset],
  ETHTOOL_A_TSINFO_RX_FILTERS: [4, bitset],
  ETHTOOL_A_TSINFO_PHC_INDEX: [5, "u32"],
} as const;
/** The compiled ETHTOOL_A_TSINFO table. */
export const ETHTOOL_A_TSINFO: AttrSchema<"ETHTOOL_A_TSINFO_", typeof ETHTOOL_A_TSINFO_TABLE> =
  attrs("ETHTOOL_A_TSINFO_", ETHTOOL_A_TSINFO_TABLE);

/** `ETHTOOL_A_STATS_GRP_*`: one statistics group (each `stat` nest holds one u64, typed by its index). */
export const ETHTOOL_A_STATS_GRP_TABLE = {
  ETHTOOL_A_STATS_GRP_PAD: [1, "binary"],
  ETHTOOL_A_STATS_GRP_ID: [2, "u32"],
  ETHTOOL_A_STATS_GRP_SS_ID: [3, "u32"],
  ETHTOOL_A_STATS_GRP_STAT: [4, "binary"],
  ETHTOOL_A_STATS_GRP_HIST_RX: [5, "binary"],
  ETHTOOL_A_STATS_GRP_HIST_TX: [6, "binary"],
  ETHTOOL_A_STATS_GRP_HIST_BKT_LOW: [7, "u32"],
  ETHTOOL_A_STATS_GRP_HIST_BKT_HI: [8, "u32"],
  ETHTOOL_A_STATS_GRP_HIST_VAL: [9, "u64"],
} as const;
/** The compiled ETHTOOL_A_STATS_GRP table. */
export const ETHTOOL_A_STATS_GRP: AttrSchema<
  "ETHTOOL_A_STATS_GRP_",
  typeof ETHTOOL_A_STATS_GRP_TABLE
> = attrs("ETHTOOL_A_STATS_GRP_", ETHTOOL_A_STATS_GRP_TABLE);

/** `ETHTOOL_A_STATS_*`. */
export const ETHTOOL_A_STATS_TABLE = {
  ETHTOOL_A_STATS_PAD: [1, "binary"],
  ETHTOOL_A_STATS_HEADER: [2, header],
  ETHTOOL_A_STATS_GROUPS: [3, bitset],
  ETHTOOL_A_STATS_GRP: [4, {
    kind: "nest",
    schema: (): typeof ETHTOOL_A_STATS_GRP => ETHTOOL_A_STATS_GRP,
  }],
  ETHTOOL_A_STATS_SRC: [5, "u32"],
} as const;
/** The compiled ETHTOOL_A_STATS table. */
export const ETHTOOL_A_STATS: AttrSchema<"ETHTOOL_A_STATS_", typeof ETHTOOL_A_STATS_TABLE> = attrs(
  "ETHTOOL_A_STATS_",
  ETHTOOL_A_STATS_TABLE,
);

/** String set requests and replies. */
export const ETHTOOL_STRSET_MESSAGE: MessageSchema<typeof GENLMSGHDR, typeof ETHTOOL_A_STRSET> =
  genlMessage("ethtool strset", ETHTOOL_A_STRSET);
/** Link info. */
export const ETHTOOL_LINKINFO_MESSAGE: MessageSchema<
  typeof GENLMSGHDR,
  typeof ETHTOOL_A_LINKINFO
> = genlMessage("ethtool linkinfo", ETHTOOL_A_LINKINFO);
/** Link modes. */
export const ETHTOOL_LINKMODES_MESSAGE: MessageSchema<
  typeof GENLMSGHDR,
  typeof ETHTOOL_A_LINKMODES
> = genlMessage("ethtool linkmodes", ETHTOOL_A_LINKMODES);
/** Link state. */
export const ETHTOOL_LINKSTATE_MESSAGE: MessageSchema<
  typeof GENLMSGHDR,
  typeof ETHTOOL_A_LINKSTATE
> = genlMessage("ethtool linkstate", ETHTOOL_A_LINKSTATE);
/** Debug (message mask). */
export const ETHTOOL_DEBUG_MESSAGE: MessageSchema<typeof GENLMSGHDR, typeof ETHTOOL_A_DEBUG> =
  genlMessage("ethtool debug", ETHTOOL_A_DEBUG);
/** Wake-on-LAN. */
export const ETHTOOL_WOL_MESSAGE: MessageSchema<typeof GENLMSGHDR, typeof ETHTOOL_A_WOL> =
  genlMessage("ethtool wol", ETHTOOL_A_WOL);
/** Features. */
export const ETHTOOL_FEATURES_MESSAGE: MessageSchema<
  typeof GENLMSGHDR,
  typeof ETHTOOL_A_FEATURES
> = genlMessage("ethtool features", ETHTOOL_A_FEATURES);
/** Private flags. */
export const ETHTOOL_PRIVFLAGS_MESSAGE: MessageSchema<
  typeof GENLMSGHDR,
  typeof ETHTOOL_A_PRIVFLAGS
> = genlMessage("ethtool privflags", ETHTOOL_A_PRIVFLAGS);
/** Rings. */
export const ETHTOOL_RINGS_MESSAGE: MessageSchema<typeof GENLMSGHDR, typeof ETHTOOL_A_RINGS> =
  genlMessage("ethtool rings", ETHTOOL_A_RINGS);
/** Channels. */
export const ETHTOOL_CHANNELS_MESSAGE: MessageSchema<
  typeof GENLMSGHDR,
  typeof ETHTOOL_A_CHANNELS
> = genlMessage("ethtool channels", ETHTOOL_A_CHANNELS);
/** Interrupt coalescing. */
export const ETHTOOL_COALESCE_MESSAGE: MessageSchema<
  typeof GENLMSGHDR,
  typeof ETHTOOL_A_COALESCE
> = genlMessage("ethtool coalesce", ETHTOOL_A_COALESCE);
/** Pause frames. */
export const ETHTOOL_PAUSE_MESSAGE: MessageSchema<typeof GENLMSGHDR, typeof ETHTOOL_A_PAUSE> =
  genlMessage("ethtool pause", ETHTOOL_A_PAUSE);
/** Energy-efficient Ethernet. */
export const ETHTOOL_EEE_MESSAGE: MessageSchema<typeof GENLMSGHDR, typeof ETHTOOL_A_EEE> =
  genlMessage("ethtool eee", ETHTOOL_A_EEE);
/** Timestamping capabilities. */
export const ETHTOOL_TSINFO_MESSAGE: MessageSchema<typeof GENLMSGHDR, typeof ETHTOOL_A_TSINFO> =
  genlMessage("ethtool tsinfo", ETHTOOL_A_TSINFO);
/** Standard statistics. */
export const ETHTOOL_STATS_MESSAGE: MessageSchema<typeof GENLMSGHDR, typeof ETHTOOL_A_STATS> =
  genlMessage("ethtool stats", ETHTOOL_A_STATS);

/** The message schema of a command the kernel sends (a reply or a notification), by number. */
export function ethtoolSchemaOf(cmd: number): MessageSchema | undefined {
  return SCHEMA_BY_CMD[cmd];
}

const K = ETHTOOL_MSG_KERNEL;
const SCHEMA_BY_CMD: Record<number, MessageSchema> = {
  [K.STRSET_GET_REPLY]: ETHTOOL_STRSET_MESSAGE,
  [K.LINKINFO_GET_REPLY]: ETHTOOL_LINKINFO_MESSAGE,
  [K.LINKINFO_NTF]: ETHTOOL_LINKINFO_MESSAGE,
  [K.LINKMODES_GET_REPLY]: ETHTOOL_LINKMODES_MESSAGE,
  [K.LINKMODES_NTF]: ETHTOOL_LINKMODES_MESSAGE,
  [K.LINKSTATE_GET_REPLY]: ETHTOOL_LINKSTATE_MESSAGE,
  [K.DEBUG_GET_REPLY]: ETHTOOL_DEBUG_MESSAGE,
  [K.DEBUG_NTF]: ETHTOOL_DEBUG_MESSAGE,
  [K.WOL_GET_REPLY]: ETHTOOL_WOL_MESSAGE,
  [K.WOL_NTF]: ETHTOOL_WOL_MESSAGE,
  [K.FEATURES_GET_REPLY]: ETHTOOL_FEATURES_MESSAGE,
  [K.FEATURES_SET_REPLY]: ETHTOOL_FEATURES_MESSAGE,
  [K.FEATURES_NTF]: ETHTOOL_FEATURES_MESSAGE,
  [K.PRIVFLAGS_GET_REPLY]: ETHTOOL_PRIVFLAGS_MESSAGE,
  [K.PRIVFLAGS_NTF]: ETHTOOL_PRIVFLAGS_MESSAGE,
  [K.RINGS_GET_REPLY]: ETHTOOL_RINGS_MESSAGE,
  [K.RINGS_NTF]: ETHTOOL_RINGS_MESSAGE,
  [K.CHANNELS_GET_REPLY]: ETHTOOL_CHANNELS_MESSAGE,
  [K.CHANNELS_NTF]: ETHTOOL_CHANNELS_MESSAGE,
  [K.COALESCE_GET_REPLY]: ETHTOOL_COALESCE_MESSAGE,
  [K.COALESCE_NTF]: ETHTOOL_COALESCE_MESSAGE,
  [K.PAUSE_GET_REPLY]: ETHTOOL_PAUSE_MESSAGE,
  [K.PAUSE_NTF]: ETHTOOL_PAUSE_MESSAGE,
  [K.EEE_GET_REPLY]: ETHTOOL_EEE_MESSAGE,
  [K.EEE_NTF]: ETHTOOL_EEE_MESSAGE,
  [K.TSINFO_GET_REPLY]: ETHTOOL_TSINFO_MESSAGE,
  [K.STATS_GET_REPLY]: ETHTOOL_STATS_MESSAGE,
};
