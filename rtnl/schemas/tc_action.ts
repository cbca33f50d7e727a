/**
 * Traffic-control actions: `TCA_ACT_*` (linux/pkt_cls.h) and the options of mirred, gact,
 * police and skbedit (linux/tc_act/*.h), selected by the action's kind. Also the action
 * message (`struct tcamsg`, `TCA_ROOT_*`) of `RTM_NEWACTION`.
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, Codec, MessageSchema } from "../../netlink/schema.ts";
import { TC_RATESPEC } from "./tc_qdisc.ts";
import { TC_STATS2 } from "./tc_stats.ts";

/** `struct tcf_t`: install, last use, expiry and first use times (jiffies). */
export const TCF_T = {
  kind: "struct",
  fields: [["install", "u64"], ["lastuse", "u64"], ["expires", "u64"], ["firstuse", "u64"]],
} as const;

/** `struct tc_gact` (the `tc_gen` header every action shares). */
export const TC_GEN = {
  kind: "struct",
  fields: [
    ["index", "u32"],
    ["capab", "u32"],
    ["action", "s32"],
    ["refcnt", "s32"],
    ["bindcnt", "s32"],
  ],
} as const;

/** `struct tc_mirred`. */
export const TC_MIRRED = {
  kind: "struct",
  fields: [
    ["index", "u32"],
    ["capab", "u32"],
    ["action", "s32"],
    ["refcnt", "s32"],
    ["bindcnt", "s32"],
    ["eaction", "s32"],
    ["ifindex", "u32"],
  ],
} as const;

/** `TCA_MIRRED_*`. */
export const MIRRED_TABLE = {
  TCA_MIRRED_TM: [1, TCF_T],
  TCA_MIRRED_PARMS: [2, TC_MIRRED],
  TCA_MIRRED_PAD: [3, "binary"],
  TCA_MIRRED_BLOCKID: [4, "u32"],
} as const;

/** The compiled MIRRED table. */
export const MIRRED: AttrSchema<"TCA_MIRRED_", typeof MIRRED_TABLE> = attrs(
  "TCA_MIRRED_",
  MIRRED_TABLE,
);

/** `struct tc_gact_p`: random or deterministic alternative action. */
export const TC_GACT_P = {
  kind: "struct",
  fields: [["ptype", "u16"], ["pval", "u16"], ["paction", "s32"]],
} as const;

/** `TCA_GACT_*`. */
export const GACT_TABLE = {
  TCA_GACT_TM: [1, TCF_T],
  TCA_GACT_PARMS: [2, TC_GEN],
  TCA_GACT_PROB: [3, TC_GACT_P],
  TCA_GACT_PAD: [4, "binary"],
} as const;

/** The compiled GACT table. */
export const GACT: AttrSchema<"TCA_GACT_", typeof GACT_TABLE> = attrs("TCA_GACT_", GACT_TABLE);

/** `struct tc_police`; its two `struct tc_ratespec`s read as `rate_*`/`rate`, `peakrate_*`/`peakrate`. */
export const TC_POLICE = {
  kind: "struct",
  fields: [
    ["index", "u32"],
    ["action", "s32"],
    ["limit", "u32"],
    ["burst", "u32"],
    ["mtu", "u32"],
    ["rate", TC_RATESPEC],
    ["peakrate", TC_RATESPEC],
    ["refcnt", "s32"],
    ["bindcnt", "s32"],
    ["capab", "u32"],
  ],
} as const;

/** `TCA_POLICE_*`. */
export const POLICE_TABLE = {
  TCA_POLICE_TBF: [1, TC_POLICE],
  TCA_POLICE_RATE: [2, "binary"],
  TCA_POLICE_PEAKRATE: [3, "binary"],
  TCA_POLICE_AVRATE: [4, "u32"],
  TCA_POLICE_RESULT: [5, "u32"],
  TCA_POLICE_TM: [6, TCF_T],
  TCA_POLICE_PAD: [7, "binary"],
  TCA_POLICE_RATE64: [8, "u64"],
  TCA_POLICE_PEAKRATE64: [9, "u64"],
  TCA_POLICE_PKTRATE64: [10, "u64"],
  TCA_POLICE_PKTBURST64: [11, "u64"],
} as const;

/** The compiled POLICE table. */
export const POLICE: AttrSchema<"TCA_POLICE_", typeof POLICE_TABLE> = attrs(
  "TCA_POLICE_",
  POLICE_TABLE,
);

/** `TCA_SKBEDIT_*`. */
export const SKBEDIT_TABLE = {
  TCA_SKBEDIT_TM: [1, TCF_T],
  TCA_SKBEDIT_PARMS: [2, TC_GEN],
  TCA_SKBEDIT_PRIORITY: [3, "u32"],
  TCA_SKBEDIT_QUEUE_MAPPING: [4, "u16"],
  TCA_SKBEDIT_MARK: [5, "u32"],
  TCA_SKBEDIT_PAD: [6, "binary"],
  TCA_SKBEDIT_PTYPE: [7, "u16"],
  TCA_SKBEDIT_MASK: [8, "u32"],
  TCA_SKBEDIT_FLAGS: [9, "u64"],
  TCA_SKBEDIT_QUEUE_MAPPING_MAX: [10, "u16"],
} as const;

/** The compiled SKBEDIT table. */
export const SKBEDIT: AttrSchema<"TCA_SKBEDIT_", typeof SKBEDIT_TABLE> = attrs(
  "TCA_SKBEDIT_",
  SKBEDIT_TABLE,
);

/** Action options (`TCA_ACT_OPTIONS`) codecs by action kind. */
export const ACTION_OPTIONS: Readonly<Record<string, Codec>> = {
  mirred: { kind: "nest", schema: (): typeof MIRRED => MIRRED },
  gact: { kind: "nest", schema: (): typeof GACT => GACT },
  police: { kind: "nest", schema: (): typeof POLICE => POLICE },
  skbedit: { kind: "nest", schema: (): typeof SKBEDIT => SKBEDIT },
};

/** `struct nla_bitfield32`. */
export const NLA_BITFIELD32 = {
  kind: "struct",
  fields: [["value", "u32"], ["selector", "u32"]],
} as const;

/** `TCA_ACT_*`: one action (kind, options, index, statistics). */
export const TCA_ACT_TABLE = {
  TCA_ACT_KIND: [1, "string"],
  TCA_ACT_OPTIONS: [2, {
    kind: "select",
    by: "kind",
    choices: (): typeof ACTION_OPTIONS => ACTION_OPTIONS,
  }],
  TCA_ACT_INDEX: [3, "u32"],
  TCA_ACT_STATS: [4, { kind: "nest", schema: (): typeof TC_STATS2 => TC_STATS2 }],
  TCA_ACT_PAD: [5, "binary"],
  TCA_ACT_COOKIE: [6, "binary"],
  TCA_ACT_FLAGS: [7, NLA_BITFIELD32],
  TCA_ACT_HW_STATS: [8, NLA_BITFIELD32],
  TCA_ACT_USED_HW_STATS: [9, NLA_BITFIELD32],
  TCA_ACT_IN_HW_COUNT: [10, "u32"],
} as const;

/** The compiled TCA_ACT table. */
export const TCA_ACT: AttrSchema<"TCA_ACT_", typeof TCA_ACT_TABLE> = attrs(
  "TCA_ACT_",
  TCA_ACT_TABLE,
);

/** A list of actions (`TCA_*_ACT`, `TCA_ROOT_TAB`): nests numbered 1..n in execution order. */
export const ACTIONS = {
  kind: "array",
  of: { kind: "nest", schema: (): typeof TCA_ACT => TCA_ACT },
} as const;

/** `struct tcamsg`. */
export const TCAMSG = {
  kind: "struct",
  fields: [["family", "u8"], ["_pad1", "u8"], ["_pad2", "u16"]],
} as const;

/** `TCA_ROOT_*`: the attributes of an action message. */
export const TCA_ROOT_TABLE = {
  TCA_ROOT_TAB: [1, ACTIONS],
  TCA_ROOT_FLAGS: [2, NLA_BITFIELD32],
  TCA_ROOT_COUNT: [3, "u32"],
  TCA_ROOT_TIME_DELTA: [4, "u32"],
  TCA_ROOT_EXT_WARN_MSG: [5, "string"],
} as const;

/** The compiled TCA_ROOT table. */
export const TCA_ROOT: AttrSchema<"TCA_ROOT_", typeof TCA_ROOT_TABLE> = attrs(
  "TCA_ROOT_",
  TCA_ROOT_TABLE,
);

/** The action message schema (`RTM_NEWACTION`, `RTM_DELACTION`, `RTM_GETACTION`). */
export const ACTION_MESSAGE: MessageSchema<typeof TCAMSG, typeof TCA_ROOT> = message(
  "action",
  TCAMSG,
  TCA_ROOT,
);
