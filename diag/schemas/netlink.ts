/**
 * netlink_diag (linux/netlink_diag.h): the request (`struct netlink_diag_req`) and the reply
 * (`struct netlink_diag_msg` and its `NETLINK_DIAG_*` attributes), prefixes dropped.
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";
import { SK_MEMINFO } from "./meminfo.ts";

/** `struct netlink_diag_req` (`protocol` 255 is every protocol). */
export const NETLINK_DIAG_REQ = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["protocol", "u8"],
    ["_pad", "u16"],
    ["ino", "u32"],
    ["show", "u32"],
    ["cookie", "bytes[8]"],
  ],
} as const;

/** A netlink request carries no attributes. */
export const NETLINK_DIAG_REQ_ATTRS: AttrSchema<"NETLINK_DIAG_REQ_", Record<never, never>> = attrs(
  "NETLINK_DIAG_REQ_",
  {},
);

/** A `SOCK_DIAG_BY_FAMILY` request for netlink sockets. */
export const NETLINK_DIAG_REQUEST: MessageSchema<
  typeof NETLINK_DIAG_REQ,
  typeof NETLINK_DIAG_REQ_ATTRS
> = message("netlink_diag request", NETLINK_DIAG_REQ, NETLINK_DIAG_REQ_ATTRS);

/** `struct netlink_diag_msg`. */
export const NETLINK_DIAG_MSG = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["type", "u8"],
    ["protocol", "u8"],
    ["state", "u8"],
    ["portid", "u32"],
    ["dst_portid", "u32"],
    ["dst_group", "u32"],
    ["ino", "u32"],
    ["cookie", "u64"],
  ],
} as const;

/** `struct netlink_diag_ring` (`ndr_` dropped). */
export const NETLINK_DIAG_RING = {
  kind: "struct",
  fields: [["block_size", "u32"], ["block_nr", "u32"], ["frame_size", "u32"], [
    "frame_nr",
    "u32",
  ]],
} as const;

/** `NETLINK_DIAG_*`. `groups` (a bitmap of the joined groups) is decoded by the socket views. */
export const NETLINK_DIAG_TABLE = {
  NETLINK_DIAG_MEMINFO: [0, SK_MEMINFO],
  NETLINK_DIAG_GROUPS: [1, "binary"],
  NETLINK_DIAG_RX_RING: [2, NETLINK_DIAG_RING],
  NETLINK_DIAG_TX_RING: [3, NETLINK_DIAG_RING],
  NETLINK_DIAG_FLAGS: [4, "u32"],
} as const;

/** The compiled `NETLINK_DIAG_*` table. */
export const NETLINK_DIAG: AttrSchema<"NETLINK_DIAG_", typeof NETLINK_DIAG_TABLE> = attrs(
  "NETLINK_DIAG_",
  NETLINK_DIAG_TABLE,
);

/** A netlink socket as the kernel reports it. */
export const NETLINK_DIAG_MESSAGE: MessageSchema<typeof NETLINK_DIAG_MSG, typeof NETLINK_DIAG> =
  message("netlink socket", NETLINK_DIAG_MSG, NETLINK_DIAG);
