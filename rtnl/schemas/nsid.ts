/**
 * Namespace id messages (`RTM_NEWNSID`, `RTM_GETNSID`, `RTM_DELNSID`): `struct rtgenmsg` and
 * `NETNSA_*` (linux/net_namespace.h). An nsid is the number one namespace knows another by
 * (what `link-netnsid` and `ip netns list-id` print); -1 is "none assigned".
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";

/** `struct rtgenmsg`, padded to 4 bytes as iproute2 sends it. */
export const RTGENMSG = {
  kind: "struct",
  fields: [["family", "u8"]],
  size: 4,
} as const;

/** `NETNSA_*`. */
export const NETNSA_TABLE = {
  NETNSA_NSID: [1, "s32"],
  NETNSA_PID: [2, "u32"],
  NETNSA_FD: [3, "u32"],
  NETNSA_TARGET_NSID: [4, "s32"],
  NETNSA_CURRENT_NSID: [5, "s32"],
} as const;

/** The compiled NETNSA table. */
export const NETNSA: AttrSchema<"NETNSA_", typeof NETNSA_TABLE> = attrs("NETNSA_", NETNSA_TABLE);

/** The nsid message schema. */
export const NSID_MESSAGE: MessageSchema<typeof RTGENMSG, typeof NETNSA> = message(
  "nsid",
  RTGENMSG,
  NETNSA,
);
