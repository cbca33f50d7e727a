/**
 * Traffic-control statistics: `TCA_STATS2` (`TCA_STATS_*`, linux/gen_stats.h) with its basic,
 * queue and rate-estimator structs, and the legacy `TCA_STATS` (`struct tc_stats`).
 *
 * @module
 */

import { attrs } from "../../netlink/schema.ts";
import type { AttrSchema } from "../../netlink/schema.ts";

/** `struct gnet_stats_basic`: bytes and packets sent. */
export const GNET_STATS_BASIC = {
  kind: "struct",
  fields: [["bytes", "u64"], ["packets", "u32"]],
} as const;

/** `struct gnet_stats_rate_est`: the rate estimator (bytes and packets per second). */
export const GNET_STATS_RATE_EST = {
  kind: "struct",
  fields: [["bps", "u32"], ["pps", "u32"]],
} as const;

/** `struct gnet_stats_rate_est64`. */
export const GNET_STATS_RATE_EST64 = {
  kind: "struct",
  fields: [["bps", "u64"], ["pps", "u64"]],
} as const;

/** `struct gnet_stats_queue`: queue length, backlog and drop counters. */
export const GNET_STATS_QUEUE = {
  kind: "struct",
  fields: [
    ["qlen", "u32"],
    ["backlog", "u32"],
    ["drops", "u32"],
    ["requeues", "u32"],
    ["overlimits", "u32"],
  ],
} as const;

/** `TCA_STATS_*`: the nested statistics of `TCA_STATS2` and `TCA_ACT_STATS`. */
export const TC_STATS2_TABLE = {
  TCA_STATS_BASIC: [1, GNET_STATS_BASIC],
  TCA_STATS_RATE_EST: [2, GNET_STATS_RATE_EST],
  TCA_STATS_QUEUE: [3, GNET_STATS_QUEUE],
  TCA_STATS_APP: [4, "binary"],
  TCA_STATS_RATE_EST64: [5, GNET_STATS_RATE_EST64],
  TCA_STATS_PAD: [6, "binary"],
  TCA_STATS_BASIC_HW: [7, GNET_STATS_BASIC],
  TCA_STATS_PKT64: [8, "u64"],
} as const;

/** The compiled TC_STATS2 table. */
export const TC_STATS2: AttrSchema<"TCA_STATS_", typeof TC_STATS2_TABLE> = attrs(
  "TCA_STATS_",
  TC_STATS2_TABLE,
);

/** `struct tc_stats`: the legacy `TCA_STATS` summary. */
export const TC_STATS = {
  kind: "struct",
  fields: [
    ["bytes", "u64"],
    ["packets", "u32"],
    ["drops", "u32"],
    ["overlimits", "u32"],
    ["bps", "u32"],
    ["pps", "u32"],
    ["qlen", "u32"],
    ["backlog", "u32"],
  ],
} as const;

/** `struct tc_estimator` (`TCA_RATE`). */
export const TC_ESTIMATOR = {
  kind: "struct",
  fields: [["interval", "s8"], ["ewma_log", "u8"]],
} as const;
