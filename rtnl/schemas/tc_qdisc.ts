/**
 * Queueing-discipline and class options (`TCA_OPTIONS`), selected by the kind: htb, tbf,
 * netem, sfq, fq_codel, cake, prio, pfifo_fast, hfsc, pfifo, bfifo (linux/pkt_sched.h), and
 * the kind-specific extended statistics (`TCA_XSTATS`).
 *
 * A `struct tc_ratespec` inside a struct ({@link TC_RATESPEC}) is read and written as fields named
 * after the field that holds it: `rate_cell_log`, `rate_linklayer`, `rate_overhead`,
 * `rate_cell_align`, `rate_mpu`, and `rate` itself (bytes per second).
 *
 * @module
 */

import { attrs } from "../../netlink/schema.ts";
import type { AttrSchema } from "../../netlink/schema.ts";

/**
 * `struct tc_ratespec`: a rate (bytes per second) and how its rate table was computed. Nested in
 * htb, tbf and police parameters, where its fields are `<field>_cell_log`, … and its `rate` is
 * the field's own name (`rate`, `ceil`, `peakrate`).
 */
export const TC_RATESPEC = {
  kind: "struct",
  fields: [
    ["cell_log", "u8"],
    ["linklayer", "u8"],
    ["overhead", "u16"],
    ["cell_align", "s16"],
    ["mpu", "u16"],
    ["rate", "u32"],
  ],
  value: "rate",
} as const;

/** `struct tc_htb_glob` (`TCA_HTB_INIT`). */
export const TC_HTB_GLOB = {
  kind: "struct",
  fields: [
    ["version", "u32"],
    ["rate2quantum", "u32"],
    ["defcls", "u32"],
    ["debug", "u32"],
    ["direct_pkts", "u32"],
  ],
} as const;

/** `struct tc_htb_opt` (`TCA_HTB_PARMS`). */
export const TC_HTB_OPT = {
  kind: "struct",
  fields: [
    ["rate", TC_RATESPEC],
    ["ceil", TC_RATESPEC],
    ["buffer", "u32"],
    ["cbuffer", "u32"],
    ["quantum", "u32"],
    ["level", "u32"],
    ["prio", "u32"],
  ],
} as const;

/** `TCA_HTB_*`: the qdisc (`init`) and class (`parms`, rate tables, 64-bit rates) options. */
export const HTB_TABLE = {
  TCA_HTB_PARMS: [1, TC_HTB_OPT],
  TCA_HTB_INIT: [2, TC_HTB_GLOB],
  TCA_HTB_CTAB: [3, "binary"],
  TCA_HTB_RTAB: [4, "binary"],
  TCA_HTB_DIRECT_QLEN: [5, "u32"],
  TCA_HTB_RATE64: [6, "u64"],
  TCA_HTB_CEIL64: [7, "u64"],
  TCA_HTB_PAD: [8, "binary"],
  TCA_HTB_OFFLOAD: [9, "flag"],
} as const;

/** The compiled HTB table. */
export const HTB: AttrSchema<"TCA_HTB_", typeof HTB_TABLE> = attrs("TCA_HTB_", HTB_TABLE);

/** `struct tc_htb_xstats`. */
export const TC_HTB_XSTATS = {
  kind: "struct",
  fields: [
    ["lends", "u32"],
    ["borrows", "u32"],
    ["giants", "u32"],
    ["tokens", "s32"],
    ["ctokens", "s32"],
  ],
} as const;

/** `struct tc_tbf_qopt` (`TCA_TBF_PARMS`). */
export const TC_TBF_QOPT = {
  kind: "struct",
  fields: [
    ["rate", TC_RATESPEC],
    ["peakrate", TC_RATESPEC],
    ["limit", "u32"],
    ["buffer", "u32"],
    ["mtu", "u32"],
  ],
} as const;

/** `TCA_TBF_*`. */
export const TBF_TABLE = {
  TCA_TBF_PARMS: [1, TC_TBF_QOPT],
  TCA_TBF_RTAB: [2, "binary"],
  TCA_TBF_PTAB: [3, "binary"],
  TCA_TBF_RATE64: [4, "u64"],
  TCA_TBF_PRATE64: [5, "u64"],
  TCA_TBF_BURST: [6, "u32"],
  TCA_TBF_PBURST: [7, "u32"],
  TCA_TBF_PAD: [8, "binary"],
} as const;

/** The compiled TBF table. */
export const TBF: AttrSchema<"TCA_TBF_", typeof TBF_TABLE> = attrs("TCA_TBF_", TBF_TABLE);

/** `struct tc_netem_qopt`: the fixed part of netem's `TCA_OPTIONS`, before its attributes. */
export const TC_NETEM_QOPT = {
  kind: "struct",
  fields: [
    ["latency", "u32"],
    ["limit", "u32"],
    ["loss", "u32"],
    ["gap", "u32"],
    ["duplicate", "u32"],
    ["jitter", "u32"],
  ],
} as const;

/** `struct tc_netem_corr`. */
export const TC_NETEM_CORR = {
  kind: "struct",
  fields: [["delay_corr", "u32"], ["loss_corr", "u32"], ["dup_corr", "u32"]],
} as const;

/** `struct tc_netem_reorder` and `struct tc_netem_corrupt`. */
export const TC_NETEM_PROB = {
  kind: "struct",
  fields: [["probability", "u32"], ["correlation", "u32"]],
} as const;

/** `struct tc_netem_rate`. */
export const TC_NETEM_RATE = {
  kind: "struct",
  fields: [
    ["rate", "u32"],
    ["packet_overhead", "s32"],
    ["cell_size", "u32"],
    ["cell_overhead", "s32"],
  ],
} as const;

/** `struct tc_netem_slot`. */
export const TC_NETEM_SLOT = {
  kind: "struct",
  fields: [
    ["min_delay", "s64"],
    ["max_delay", "s64"],
    ["max_packets", "s32"],
    ["max_bytes", "s32"],
    ["dist_delay", "s64"],
    ["dist_jitter", "s64"],
  ],
} as const;

/** `struct tc_netem_gimodel`. */
export const TC_NETEM_GIMODEL = {
  kind: "struct",
  fields: [["p13", "u32"], ["p31", "u32"], ["p32", "u32"], ["p14", "u32"], ["p23", "u32"]],
} as const;

/** `struct tc_netem_gemodel`. */
export const TC_NETEM_GEMODEL = {
  kind: "struct",
  fields: [["p", "u32"], ["r", "u32"], ["h", "u32"], ["k1", "u32"]],
} as const;

/** `NETEM_LOSS_*`: the loss models of `TCA_NETEM_LOSS`. */
export const NETEM_LOSS_TABLE = {
  NETEM_LOSS_GI: [1, TC_NETEM_GIMODEL],
  NETEM_LOSS_GE: [2, TC_NETEM_GEMODEL],
} as const;

/** The compiled NETEM_LOSS table. */
export const NETEM_LOSS: AttrSchema<"NETEM_LOSS_", typeof NETEM_LOSS_TABLE> = attrs(
  "NETEM_LOSS_",
  NETEM_LOSS_TABLE,
);

/**
 * `TCA_NETEM_*`: the attributes after `struct tc_netem_qopt`. The view of netem options also
 * has the struct's fields (`latency`, `limit`, `loss`, `gap`, `duplicate`, `jitter`).
 */
export const NETEM_TABLE = {
  TCA_NETEM_CORR: [1, TC_NETEM_CORR],
  TCA_NETEM_DELAY_DIST: [2, "binary"],
  TCA_NETEM_REORDER: [3, TC_NETEM_PROB],
  TCA_NETEM_CORRUPT: [4, TC_NETEM_PROB],
  TCA_NETEM_LOSS: [5, { kind: "nest", schema: (): typeof NETEM_LOSS => NETEM_LOSS }],
  TCA_NETEM_RATE: [6, TC_NETEM_RATE],
  TCA_NETEM_ECN: [7, "u32"],
  TCA_NETEM_RATE64: [8, "u64"],
  TCA_NETEM_PAD: [9, "binary"],
  TCA_NETEM_LATENCY64: [10, "s64"],
  TCA_NETEM_JITTER64: [11, "s64"],
  TCA_NETEM_SLOT: [12, TC_NETEM_SLOT],
  TCA_NETEM_SLOT_DIST: [13, "binary"],
  TCA_NETEM_PRNG_SEED: [14, "u64"],
} as const;

/** The compiled NETEM table. */
export const NETEM: AttrSchema<"TCA_NETEM_", typeof NETEM_TABLE> = attrs(
  "TCA_NETEM_",
  NETEM_TABLE,
);

/** `struct tc_sfq_qopt_v1` (sfq's whole `TCA_OPTIONS`). */
export const TC_SFQ_QOPT_V1 = {
  kind: "struct",
  fields: [
    ["quantum", "u32"],
    ["perturb_period", "s32"],
    ["limit", "u32"],
    ["divisor", "u32"],
    ["flows", "u32"],
    ["depth", "u32"],
    ["headdrop", "u32"],
    ["red_limit", "u32"],
    ["qth_min", "u32"],
    ["qth_max", "u32"],
    ["wlog", "u8"],
    ["plog", "u8"],
    ["scell_log", "u8"],
    ["flags", "u8"],
    ["max_p", "u32"],
    ["prob_drop", "u32"],
    ["forced_drop", "u32"],
    ["prob_mark", "u32"],
    ["forced_mark", "u32"],
    ["prob_mark_head", "u32"],
    ["forced_mark_head", "u32"],
  ],
} as const;

/** `struct tc_sfq_xstats`. */
export const TC_SFQ_XSTATS = { kind: "struct", fields: [["allot", "s32"]] } as const;

/** `TCA_FQ_CODEL_*` (times in microseconds). */
export const FQ_CODEL_TABLE = {
  TCA_FQ_CODEL_TARGET: [1, "u32"],
  TCA_FQ_CODEL_LIMIT: [2, "u32"],
  TCA_FQ_CODEL_INTERVAL: [3, "u32"],
  TCA_FQ_CODEL_ECN: [4, "u32"],
  TCA_FQ_CODEL_FLOWS: [5, "u32"],
  TCA_FQ_CODEL_QUANTUM: [6, "u32"],
  TCA_FQ_CODEL_CE_THRESHOLD: [7, "u32"],
  TCA_FQ_CODEL_DROP_BATCH_SIZE: [8, "u32"],
  TCA_FQ_CODEL_MEMORY_LIMIT: [9, "u32"],
  TCA_FQ_CODEL_CE_THRESHOLD_SELECTOR: [10, "u8"],
  TCA_FQ_CODEL_CE_THRESHOLD_MASK: [11, "u8"],
} as const;

/** The compiled FQ_CODEL table. */
export const FQ_CODEL: AttrSchema<"TCA_FQ_CODEL_", typeof FQ_CODEL_TABLE> = attrs(
  "TCA_FQ_CODEL_",
  FQ_CODEL_TABLE,
);

/** `struct tc_fq_codel_xstats` of a qdisc (`type` 0, then `struct tc_fq_codel_qd_stats`). */
export const TC_FQ_CODEL_XSTATS = {
  kind: "struct",
  fields: [
    ["type", "u32"],
    ["maxpacket", "u32"],
    ["drop_overlimit", "u32"],
    ["ecn_mark", "u32"],
    ["new_flow_count", "u32"],
    ["new_flows_len", "u32"],
    ["old_flows_len", "u32"],
    ["ce_mark", "u32"],
    ["memory_usage", "u32"],
    ["drop_overmemory", "u32"],
  ],
} as const;

/** `TCA_CAKE_*`. */
export const CAKE_TABLE = {
  TCA_CAKE_PAD: [1, "binary"],
  TCA_CAKE_BASE_RATE64: [2, "u64"],
  TCA_CAKE_DIFFSERV_MODE: [3, "u32"],
  TCA_CAKE_ATM: [4, "u32"],
  TCA_CAKE_FLOW_MODE: [5, "u32"],
  TCA_CAKE_OVERHEAD: [6, "s32"],
  TCA_CAKE_RTT: [7, "u32"],
  TCA_CAKE_TARGET: [8, "u32"],
  TCA_CAKE_AUTORATE: [9, "u32"],
  TCA_CAKE_MEMORY: [10, "u32"],
  TCA_CAKE_NAT: [11, "u32"],
  TCA_CAKE_RAW: [12, "u32"],
  TCA_CAKE_WASH: [13, "u32"],
  TCA_CAKE_MPU: [14, "u32"],
  TCA_CAKE_INGRESS: [15, "u32"],
  TCA_CAKE_ACK_FILTER: [16, "u32"],
  TCA_CAKE_SPLIT_GSO: [17, "u32"],
  TCA_CAKE_FWMARK: [18, "u32"],
} as const;

/** The compiled CAKE table. */
export const CAKE: AttrSchema<"TCA_CAKE_", typeof CAKE_TABLE> = attrs("TCA_CAKE_", CAKE_TABLE);

/** `struct tc_prio_qopt` (prio and pfifo_fast): bands and the 16-entry priority map. */
export const TC_PRIO_QOPT = {
  kind: "struct",
  fields: [["bands", "u32"], ["priomap", "bytes[16]"]],
} as const;

/** `TCA_PRIO_*`: the attributes that may follow `struct tc_prio_qopt`. */
export const PRIO_TABLE = {
  TCA_PRIO_MQ: [1, "u8"],
} as const;

/** The compiled PRIO table. */
export const PRIO: AttrSchema<"TCA_PRIO_", typeof PRIO_TABLE> = attrs("TCA_PRIO_", PRIO_TABLE);

/** `struct tc_hfsc_qopt` (the hfsc qdisc's whole `TCA_OPTIONS`). */
export const TC_HFSC_QOPT = { kind: "struct", fields: [["defcls", "u16"]] } as const;

/** `struct tc_service_curve`: slopes in bytes per second, `d` in microseconds. */
export const TC_SERVICE_CURVE = {
  kind: "struct",
  fields: [["m1", "u32"], ["d", "u32"], ["m2", "u32"]],
} as const;

/** `TCA_HFSC_*`: an hfsc class's real-time, link-sharing and upper-limit curves. */
export const HFSC_TABLE = {
  TCA_HFSC_RSC: [1, TC_SERVICE_CURVE],
  TCA_HFSC_FSC: [2, TC_SERVICE_CURVE],
  TCA_HFSC_USC: [3, TC_SERVICE_CURVE],
} as const;

/** The compiled HFSC table. */
export const HFSC: AttrSchema<"TCA_HFSC_", typeof HFSC_TABLE> = attrs("TCA_HFSC_", HFSC_TABLE);

/** `struct tc_fifo_qopt` (pfifo: packets, bfifo: bytes). */
export const TC_FIFO_QOPT = { kind: "struct", fields: [["limit", "u32"]] } as const;

/** An empty attribute set (ingress, clsact, mq options). */
export const EMPTY: AttrSchema<"TCA_", Record<never, never>> = attrs("TCA_", {});
