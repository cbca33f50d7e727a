/**
 * What the Conntrack class returns: lazy views of ctnetlink messages, with computed properties
 * for people (tuples in short form, status bits and labels by name, the CPU of a statistics
 * record).
 *
 * @module
 */

import { decorateView } from "../../netlink/view.ts";
import type { AttrView, TypedMessage } from "../../netlink/view.ts";
import {
  CT_MESSAGE,
  EXP_MESSAGE,
  EXP_STATS_MESSAGE,
  STATS_CPU_MESSAGE,
  type STATS_MESSAGE,
} from "./schema.ts";
import type { StatusName } from "./schema.ts";
import { decodeTuple, labelBits, statusNames } from "./tuple.ts";
import type { CtTuple } from "./tuple.ts";

/** Computed properties of a conntrack entry. */
export interface ConntrackExtras {
  /** The original direction in short form (`CTA_TUPLE_ORIG`). */
  readonly orig?: CtTuple;
  /** The reply direction in short form (`CTA_TUPLE_REPLY`). */
  readonly reply?: CtTuple;
  /** The master connection of an expected one, in short form (`CTA_TUPLE_MASTER`). */
  readonly master?: CtTuple;
  /** The names of the status bits set (`CTA_STATUS`), e.g. `["SEEN_REPLY", "ASSURED", "CONFIRMED"]`. */
  readonly statusNames?: StatusName[];
  /** The connection label bits set (`CTA_LABELS`). */
  readonly labelBits?: number[];
}

/**
 * A conntrack entry: a lazy view of IPCTNL_MSG_CT_NEW. Kernel attributes by short name
 * (`tuple_orig`, `status`, `timeout`, `mark`, `zone`, `counters_orig.packets`,
 * `protoinfo.tcp.state`, `timestamp.timestamp_start`, …), the nfgenmsg `family`, and {@link ConntrackExtras}.
 */
export type ConntrackEntry = TypedMessage<typeof CT_MESSAGE> & ConntrackExtras;

/** Computed properties of an expectation. */
export interface ExpectationExtras {
  /** The master connection in short form (`CTA_EXPECT_MASTER`). */
  readonly masterTuple?: CtTuple;
  /** The expected connection in short form (`CTA_EXPECT_TUPLE`). */
  readonly expectedTuple?: CtTuple;
  /** The mask in short form (`CTA_EXPECT_MASK`). */
  readonly maskTuple?: CtTuple;
}

/** An expectation: a lazy view of IPCTNL_MSG_EXP_NEW. */
export type ExpectationEntry = TypedMessage<typeof EXP_MESSAGE> & ExpectationExtras;

/** Per-CPU conntrack statistics (`CTA_STATS_*`), with `cpu` (the nfgenmsg res_id). */
export type ConntrackCpuStats = TypedMessage<typeof STATS_CPU_MESSAGE> & { readonly cpu: number };

/** Per-CPU expectation statistics (`CTA_STATS_EXP_*`), with `cpu`. */
export type ExpectationCpuStats = TypedMessage<typeof EXP_STATS_MESSAGE> & {
  readonly cpu: number;
};

/** Global statistics (`CTA_STATS_GLOBAL_*`: entries, max_entries). */
export type ConntrackGlobalStats = TypedMessage<typeof STATS_MESSAGE>;

const tuple = (name: string) => (v: AttrView) => decodeTuple(v.get(name) as AttrView | undefined);

decorateView(CT_MESSAGE, {
  orig: tuple("tuple_orig"),
  reply: tuple("tuple_reply"),
  master: tuple("tuple_master"),
  statusNames: (v) => {
    const s = v.get("status");
    return typeof s === "number" ? statusNames(s) : undefined;
  },
  labelBits: (v) => {
    const l = v.get("labels");
    return l instanceof Uint8Array ? labelBits(l) : undefined;
  },
}, { json: true, first: true });

decorateView(EXP_MESSAGE, {
  masterTuple: tuple("master"),
  expectedTuple: tuple("tuple"),
  maskTuple: tuple("mask"),
});

const cpu = { cpu: (v: AttrView) => v.get("res_id") };
decorateView(STATS_CPU_MESSAGE, cpu);
decorateView(EXP_STATS_MESSAGE, cpu);
