/**
 * The MPTCP path manager's generic netlink tables (linux/mptcp.h, family `mptcp_pm`): commands,
 * the request/reply attributes (`MPTCP_PM_ATTR_*`), an endpoint's address attributes
 * (`MPTCP_PM_ADDR_ATTR_*`), endpoint flags, and the event attributes (`MPTCP_ATTR_*`).
 *
 * @module
 */

import { attrs, genlMessage } from "../netlink/mod.ts";
import type { AttrSchema, GENLMSGHDR, MessageSchema } from "../netlink/mod.ts";

/** The family's name (`MPTCP_PM_NAME`). */
export const MPTCP_PM_NAME = "mptcp_pm";
/** The events multicast group (`MPTCP_PM_EV_GRP_NAME`). */
export const MPTCP_PM_EV_GRP_NAME = "mptcp_pm_events";

/** `MPTCP_PM_CMD_*`. */
export const MPTCP_PM_CMD = {
  ADD_ADDR: 1,
  DEL_ADDR: 2,
  GET_ADDR: 3,
  FLUSH_ADDRS: 4,
  SET_LIMITS: 5,
  GET_LIMITS: 6,
  SET_FLAGS: 7,
  ANNOUNCE: 8,
  REMOVE: 9,
  SUBFLOW_CREATE: 10,
  SUBFLOW_DESTROY: 11,
} as const;

/** `MPTCP_PM_ADDR_FLAG_*`: an endpoint's flags by name (as `ip mptcp endpoint` spells them). */
export const MPTCP_PM_ADDR_FLAG = {
  signal: 1 << 0,
  subflow: 1 << 1,
  backup: 1 << 2,
  fullmesh: 1 << 3,
  implicit: 1 << 4,
} as const;

/** `MPTCP_PM_ADDR_ATTR_*`: one endpoint (address, id, port, flags, interface). */
export const MPTCP_PM_ADDR_ATTR_TABLE = {
  MPTCP_PM_ADDR_ATTR_FAMILY: [1, "u16"],
  MPTCP_PM_ADDR_ATTR_ID: [2, "u8"],
  MPTCP_PM_ADDR_ATTR_ADDR4: [3, "ipaddr"],
  MPTCP_PM_ADDR_ATTR_ADDR6: [4, "ipaddr"],
  MPTCP_PM_ADDR_ATTR_PORT: [5, "u16"],
  MPTCP_PM_ADDR_ATTR_FLAGS: [6, "u32"],
  MPTCP_PM_ADDR_ATTR_IF_IDX: [7, "s32"],
} as const;

/** The compiled MPTCP_PM_ADDR_ATTR table. */
export const MPTCP_PM_ADDR_ATTR: AttrSchema<
  "MPTCP_PM_ADDR_ATTR_",
  typeof MPTCP_PM_ADDR_ATTR_TABLE
> = attrs("MPTCP_PM_ADDR_ATTR_", MPTCP_PM_ADDR_ATTR_TABLE);

/** `MPTCP_PM_ATTR_*`: the attributes of requests and replies. */
export const MPTCP_PM_ATTR_TABLE = {
  MPTCP_PM_ATTR_ADDR: [1, {
    kind: "nest",
    schema: (): typeof MPTCP_PM_ADDR_ATTR => MPTCP_PM_ADDR_ATTR,
  }],
  MPTCP_PM_ATTR_RCV_ADD_ADDRS: [2, "u32"],
  MPTCP_PM_ATTR_SUBFLOWS: [3, "u32"],
  MPTCP_PM_ATTR_TOKEN: [4, "u32"],
  MPTCP_PM_ATTR_LOC_ID: [5, "u8"],
  MPTCP_PM_ATTR_ADDR_REMOTE: [6, {
    kind: "nest",
    schema: (): typeof MPTCP_PM_ADDR_ATTR => MPTCP_PM_ADDR_ATTR,
  }],
} as const;

/** The compiled MPTCP_PM_ATTR table. */
export const MPTCP_PM_ATTR: AttrSchema<"MPTCP_PM_ATTR_", typeof MPTCP_PM_ATTR_TABLE> = attrs(
  "MPTCP_PM_ATTR_",
  MPTCP_PM_ATTR_TABLE,
);

/** Requests and replies: genlmsghdr + `MPTCP_PM_ATTR_*`. */
export const MPTCP_PM_MESSAGE: MessageSchema<typeof GENLMSGHDR, typeof MPTCP_PM_ATTR> = genlMessage(
  "mptcp_pm",
  MPTCP_PM_ATTR,
);

/** `enum mptcp_event_type`: the command of an event message, by name. */
export const MPTCP_EVENT = {
  created: 1,
  established: 2,
  closed: 3,
  announced: 6,
  removed: 7,
  sub_established: 10,
  sub_closed: 11,
  sub_priority: 13,
  listener_created: 15,
  listener_closed: 16,
} as const;

/** `enum mptcp_event_attr`: the attributes of an event. */
export const MPTCP_ATTR_TABLE = {
  MPTCP_ATTR_TOKEN: [1, "u32"],
  MPTCP_ATTR_FAMILY: [2, "u16"],
  MPTCP_ATTR_LOC_ID: [3, "u8"],
  MPTCP_ATTR_REM_ID: [4, "u8"],
  MPTCP_ATTR_SADDR4: [5, "ipaddr"],
  MPTCP_ATTR_SADDR6: [6, "ipaddr"],
  MPTCP_ATTR_DADDR4: [7, "ipaddr"],
  MPTCP_ATTR_DADDR6: [8, "ipaddr"],
  MPTCP_ATTR_SPORT: [9, "be16"],
  MPTCP_ATTR_DPORT: [10, "be16"],
  MPTCP_ATTR_BACKUP: [11, "u8"],
  MPTCP_ATTR_ERROR: [12, "u8"],
  MPTCP_ATTR_FLAGS: [13, "u16"],
  MPTCP_ATTR_TIMEOUT: [14, "u32"],
  MPTCP_ATTR_IF_IDX: [15, "s32"],
  MPTCP_ATTR_RESET_REASON: [16, "u32"],
  MPTCP_ATTR_RESET_FLAGS: [17, "u32"],
  MPTCP_ATTR_SERVER_SIDE: [18, "u8"],
} as const;

/** The compiled MPTCP_ATTR (event) table. */
export const MPTCP_ATTR: AttrSchema<"MPTCP_ATTR_", typeof MPTCP_ATTR_TABLE> = attrs(
  "MPTCP_ATTR_",
  MPTCP_ATTR_TABLE,
);

/** Events: genlmsghdr (cmd = the event type) + `MPTCP_ATTR_*`. */
export const MPTCP_EVENT_MESSAGE: MessageSchema<typeof GENLMSGHDR, typeof MPTCP_ATTR> = genlMessage(
  "mptcp event",
  MPTCP_ATTR,
);
