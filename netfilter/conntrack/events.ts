/**
 * Conntrack events: the groups a monitor joins, and ctnetlink event messages turned into
 * `{ type: "new" | "update" | "destroy", entry }` (and expectation events).
 *
 * @module
 */

import { NLM_F } from "../../netlink/constants.ts";
import { messageViewClass } from "../../netlink/view.ts";
import { NFNL_SUBSYS, NFNLGRP, nfnlMsg, nfnlSubsys } from "../nfnetlink.ts";
import type { NfnlMonitorOptions } from "../monitor.ts";
import { CT_MESSAGE, EXP_MESSAGE, IPCTNL_MSG_CT, IPCTNL_MSG_EXP } from "./schema.ts";
import type { ConntrackEntry, ExpectationEntry } from "./views.ts";

/** An event group of {@link Conntrack.monitor}. */
export type ConntrackEventName =
  | "new"
  | "update"
  | "destroy"
  | "expect_new"
  | "expect_destroy";

/** One conntrack event: a connection created, updated or destroyed, or an expectation. */
export type ConntrackEvent =
  | { type: "new" | "update" | "destroy"; entry: ConntrackEntry }
  | { type: "expect_new" | "expect_destroy"; expectation: ExpectationEntry };

/** Options of {@link Conntrack.monitor}. */
export interface ConntrackMonitorOptions extends NfnlMonitorOptions {
  /** The events to receive (default: new, update, destroy). */
  events?: readonly ConntrackEventName[];
}

/** The nfnetlink group of each event name. */
export const GROUPS: Record<ConntrackEventName, number> = {
  new: NFNLGRP.conntrack_new,
  update: NFNLGRP.conntrack_update,
  destroy: NFNLGRP.conntrack_destroy,
  expect_new: NFNLGRP.conntrack_exp_new,
  expect_destroy: NFNLGRP.conntrack_exp_destroy,
};

/**
 * Turns one ctnetlink event message into a {@link ConntrackEvent}: IPCTNL_MSG_CT_NEW flagged
 * NLM_F_CREATE is a new connection, without it an update; IPCTNL_MSG_CT_DELETE a destroyed
 * one; expectation messages likewise. Other messages: undefined.
 */
export function decodeConntrackEvent(
  dv: DataView,
  u8: Uint8Array,
  off: number,
  len: number,
  type: number,
): ConntrackEvent | undefined {
  const sub = nfnlSubsys(type), msg = nfnlMsg(type);
  if (sub === NFNL_SUBSYS.CTNETLINK) {
    if (msg !== IPCTNL_MSG_CT.NEW && msg !== IPCTNL_MSG_CT.DELETE) return undefined;
    const entry = new (messageViewClass(CT_MESSAGE))(dv, u8, off, len) as ConntrackEntry;
    if (msg === IPCTNL_MSG_CT.DELETE) return { type: "destroy", entry };
    const created = (dv.getUint16(off + 6, true) & NLM_F.CREATE) !== 0;
    return { type: created ? "new" : "update", entry };
  }
  if (sub === NFNL_SUBSYS.CTNETLINK_EXP) {
    if (msg !== IPCTNL_MSG_EXP.NEW && msg !== IPCTNL_MSG_EXP.DELETE) return undefined;
    const expectation = new (messageViewClass(EXP_MESSAGE))(dv, u8, off, len) as ExpectationEntry;
    return { type: msg === IPCTNL_MSG_EXP.NEW ? "expect_new" : "expect_destroy", expectation };
  }
  return undefined;
}
