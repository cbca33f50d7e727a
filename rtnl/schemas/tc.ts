/**
 * Traffic control messages (`RTM_NEWQDISC`, `RTM_NEWTCLASS`, `RTM_NEWTFILTER`): `struct tcmsg`
 * and `TCA_*` (linux/rtnetlink.h, linux/pkt_sched.h, linux/pkt_cls.h).
 *
 * `TCA_OPTIONS` and `TCA_XSTATS` are selected by `TCA_KIND`: the per-kind tables live in
 * `tc_qdisc.ts` (queueing disciplines and classes), `tc_filter.ts` (classifiers) and
 * `tc_action.ts` (actions); statistics in `tc_stats.ts`.
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, Codec, MessageSchema } from "../../netlink/schema.ts";
import { NLA_BITFIELD32 } from "./tc_action.ts";
import { BPF, FLOWER, FW, MATCHALL, U32 } from "./tc_filter.ts";
import {
  CAKE,
  EMPTY,
  FQ_CODEL,
  HFSC,
  HTB,
  NETEM,
  TBF,
  TC_FIFO_QOPT,
  TC_FQ_CODEL_XSTATS,
  TC_HFSC_QOPT,
  TC_HTB_XSTATS,
  TC_NETEM_QOPT,
  TC_PRIO_QOPT,
  TC_SFQ_QOPT_V1,
  TC_SFQ_XSTATS,
} from "./tc_qdisc.ts";
import { TC_ESTIMATOR, TC_STATS, TC_STATS2 } from "./tc_stats.ts";

/** `struct tcmsg`. */
export const TCMSG = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["_pad1", "u8"],
    ["_pad2", "u16"],
    ["index", "s32"],
    ["handle", "u32"],
    ["parent", "u32"],
    ["info", "u32"],
  ],
} as const;

/**
 * `TCA_OPTIONS` codecs by kind, for classes and filters (and qdiscs, but for hfsc: see
 * {@link QDISC_OPTIONS}).
 */
export const TC_OPTIONS: Readonly<Record<string, Codec>> = {
  // queueing disciplines and their classes
  htb: { kind: "nest", schema: (): typeof HTB => HTB },
  tbf: { kind: "nest", schema: (): typeof TBF => TBF },
  netem: { kind: "nest", schema: (): typeof NETEM => NETEM, header: TC_NETEM_QOPT },
  sfq: TC_SFQ_QOPT_V1,
  fq_codel: { kind: "nest", schema: (): typeof FQ_CODEL => FQ_CODEL },
  cake: { kind: "nest", schema: (): typeof CAKE => CAKE },
  prio: TC_PRIO_QOPT,
  pfifo_fast: TC_PRIO_QOPT,
  hfsc: { kind: "nest", schema: (): typeof HFSC => HFSC },
  pfifo: TC_FIFO_QOPT,
  bfifo: TC_FIFO_QOPT,
  pfifo_head_drop: TC_FIFO_QOPT,
  ingress: { kind: "nest", schema: (): typeof EMPTY => EMPTY },
  clsact: { kind: "nest", schema: (): typeof EMPTY => EMPTY },
  mq: { kind: "nest", schema: (): typeof EMPTY => EMPTY },
  // classifiers
  u32: { kind: "nest", schema: (): typeof U32 => U32 },
  bpf: { kind: "nest", schema: (): typeof BPF => BPF },
  matchall: { kind: "nest", schema: (): typeof MATCHALL => MATCHALL },
  fw: { kind: "nest", schema: (): typeof FW => FW },
  flower: { kind: "nest", schema: (): typeof FLOWER => FLOWER },
};

/** `TCA_OPTIONS` codecs of qdiscs: as {@link TC_OPTIONS}, but hfsc's is `struct tc_hfsc_qopt`. */
export const QDISC_OPTIONS: Readonly<Record<string, Codec>> = {
  ...TC_OPTIONS,
  hfsc: TC_HFSC_QOPT,
};

/** `TCA_XSTATS` codecs by kind. */
export const TC_XSTATS: Readonly<Record<string, Codec>> = {
  htb: TC_HTB_XSTATS,
  sfq: TC_SFQ_XSTATS,
  fq_codel: TC_FQ_CODEL_XSTATS,
};

/** `TCA_*` of qdiscs, classes and filters. */
export const TCA_TABLE = {
  TCA_KIND: [1, "string"],
  TCA_OPTIONS: [2, { kind: "select", by: "kind", choices: (): typeof TC_OPTIONS => TC_OPTIONS }],
  TCA_STATS: [3, TC_STATS],
  TCA_XSTATS: [4, { kind: "select", by: "kind", choices: (): typeof TC_XSTATS => TC_XSTATS }],
  TCA_RATE: [5, TC_ESTIMATOR],
  TCA_FCNT: [6, "u32"],
  TCA_STATS2: [7, { kind: "nest", schema: (): typeof TC_STATS2 => TC_STATS2 }],
  TCA_STAB: [8, "binary"],
  TCA_PAD: [9, "binary"],
  TCA_DUMP_INVISIBLE: [10, "flag"],
  TCA_CHAIN: [11, "u32"],
  TCA_HW_OFFLOAD: [12, "u8"],
  TCA_INGRESS_BLOCK: [13, "u32"],
  TCA_EGRESS_BLOCK: [14, "u32"],
  TCA_DUMP_FLAGS: [15, NLA_BITFIELD32],
  TCA_EXT_WARN_MSG: [16, "string"],
} as const;

/** The compiled TCA table. */
export const TCA: AttrSchema<"TCA_", typeof TCA_TABLE> = attrs("TCA_", TCA_TABLE);

/** `TCA_*` as {@link TCA_TABLE}, with options chosen from {@link QDISC_OPTIONS}. */
export const TCA_QDISC_TABLE = {
  ...TCA_TABLE,
  TCA_OPTIONS: [2, {
    kind: "select",
    by: "kind",
    choices: (): typeof QDISC_OPTIONS => QDISC_OPTIONS,
  }],
} as const;

/** The compiled TCA_QDISC table. */
export const TCA_QDISC: AttrSchema<"TCA_", typeof TCA_QDISC_TABLE> = attrs(
  "TCA_",
  TCA_QDISC_TABLE,
);

/** The tc message schema (classes, filters, and any tc message of unknown kind). */
export const TC_MESSAGE: MessageSchema<typeof TCMSG, typeof TCA> = message("tc", TCMSG, TCA);

/** The qdisc message schema (differs from {@link TC_MESSAGE} only in hfsc's options). */
export const TC_QDISC_MESSAGE: MessageSchema<typeof TCMSG, typeof TCA_QDISC> = message(
  "qdisc",
  TCMSG,
  TCA_QDISC,
);
