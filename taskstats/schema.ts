/**
 * The TASKSTATS generic netlink family's tables (linux/taskstats.h): commands, the request
 * attributes (`TASKSTATS_CMD_ATTR_*`) and the reply attributes (`TASKSTATS_TYPE_*`).
 *
 * @module
 */

import { attrs, genlMessage } from "../netlink/mod.ts";
import type { AttrSchema, GENLMSGHDR, MessageSchema } from "../netlink/mod.ts";

/** The family's name (`TASKSTATS_GENL_NAME`). */
export const TASKSTATS_GENL_NAME = "TASKSTATS";

/** `TASKSTATS_CMD_*`. */
export const TASKSTATS_CMD = {
  /** user → kernel: a request (statistics of a pid or tgid, or a listener registration). */
  GET: 1,
  /** kernel → user: statistics (the answer to GET, and exit records). */
  NEW: 2,
} as const;

/** `TASKSTATS_CMD_ATTR_*`: the attributes of a request. */
export const TASKSTATS_CMD_ATTR_TABLE = {
  TASKSTATS_CMD_ATTR_PID: [1, "u32"],
  TASKSTATS_CMD_ATTR_TGID: [2, "u32"],
  TASKSTATS_CMD_ATTR_REGISTER_CPUMASK: [3, "string"],
  TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK: [4, "string"],
} as const;

/** The compiled TASKSTATS_CMD_ATTR table. */
export const TASKSTATS_CMD_ATTR: AttrSchema<
  "TASKSTATS_CMD_ATTR_",
  typeof TASKSTATS_CMD_ATTR_TABLE
> = attrs("TASKSTATS_CMD_ATTR_", TASKSTATS_CMD_ATTR_TABLE);

/** The attributes inside `TASKSTATS_TYPE_AGGR_PID`/`_AGGR_TGID`: the id and its statistics. */
export const TASKSTATS_AGGR_TABLE = {
  TASKSTATS_TYPE_PID: [1, "u32"],
  TASKSTATS_TYPE_TGID: [2, "u32"],
  // struct taskstats, decoded by its version with decodeTaskstats().
  TASKSTATS_TYPE_STATS: [3, "binary"],
} as const;

/** The compiled aggregate table. */
export const TASKSTATS_AGGR: AttrSchema<"TASKSTATS_TYPE_", typeof TASKSTATS_AGGR_TABLE> = attrs(
  "TASKSTATS_TYPE_",
  TASKSTATS_AGGR_TABLE,
);

/** `TASKSTATS_TYPE_*`: the attributes of a reply or exit record. */
export const TASKSTATS_TYPE_TABLE = {
  TASKSTATS_TYPE_PID: [1, "u32"],
  TASKSTATS_TYPE_TGID: [2, "u32"],
  TASKSTATS_TYPE_STATS: [3, "binary"],
  TASKSTATS_TYPE_AGGR_PID: [4, {
    kind: "nest",
    schema: (): typeof TASKSTATS_AGGR => TASKSTATS_AGGR,
  }],
  TASKSTATS_TYPE_AGGR_TGID: [5, {
    kind: "nest",
    schema: (): typeof TASKSTATS_AGGR => TASKSTATS_AGGR,
  }],
  // Padding the kernel adds on some architectures to align the next struct.
  TASKSTATS_TYPE_NULL: [6, "flag"],
} as const;

/** The compiled TASKSTATS_TYPE table. */
export const TASKSTATS_TYPE: AttrSchema<"TASKSTATS_TYPE_", typeof TASKSTATS_TYPE_TABLE> = attrs(
  "TASKSTATS_TYPE_",
  TASKSTATS_TYPE_TABLE,
);

/** Requests: genlmsghdr + `TASKSTATS_CMD_ATTR_*`. */
export const TASKSTATS_REQUEST: MessageSchema<typeof GENLMSGHDR, typeof TASKSTATS_CMD_ATTR> =
  genlMessage("taskstats request", TASKSTATS_CMD_ATTR);

/** Replies and exit records: genlmsghdr + `TASKSTATS_TYPE_*`. */
export const TASKSTATS_MESSAGE: MessageSchema<typeof GENLMSGHDR, typeof TASKSTATS_TYPE> =
  genlMessage("taskstats", TASKSTATS_TYPE);
