/**
 * packet_diag (linux/packet_diag.h): the request (`struct packet_diag_req`) and the reply
 * (`struct packet_diag_msg` and its `PACKET_DIAG_*` attributes), prefixes dropped.
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";
import { SK_MEMINFO } from "./meminfo.ts";

/** `struct packet_diag_req`. */
export const PACKET_DIAG_REQ = {
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

/** A packet request carries no attributes. */
export const PACKET_DIAG_REQ_ATTRS: AttrSchema<"PACKET_DIAG_REQ_", Record<never, never>> = attrs(
  "PACKET_DIAG_REQ_",
  {},
);

/** A `SOCK_DIAG_BY_FAMILY` request for packet sockets. */
export const PACKET_DIAG_REQUEST: MessageSchema<
  typeof PACKET_DIAG_REQ,
  typeof PACKET_DIAG_REQ_ATTRS
> = message("packet_diag request", PACKET_DIAG_REQ, PACKET_DIAG_REQ_ATTRS);

/** `struct packet_diag_msg`: `num` is the bound protocol (an ethertype, host order). */
export const PACKET_DIAG_MSG = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["type", "u8"],
    ["num", "u16"],
    ["ino", "u32"],
    ["cookie", "u64"],
  ],
} as const;

/** `struct packet_diag_info` (`pdi_` dropped). */
export const PACKET_DIAG_INFO = {
  kind: "struct",
  fields: [
    ["index", "u32"],
    ["version", "u32"],
    ["reserve", "u32"],
    ["copy_thresh", "u32"],
    ["tstamp", "u32"],
    ["flags", "u32"],
  ],
} as const;

/** `struct packet_diag_ring` (`pdr_` dropped). */
export const PACKET_DIAG_RING = {
  kind: "struct",
  fields: [
    ["block_size", "u32"],
    ["block_nr", "u32"],
    ["frame_size", "u32"],
    ["frame_nr", "u32"],
    ["retire_tmo", "u32"],
    ["sizeof_priv", "u32"],
    ["features", "u32"],
  ],
} as const;

/**
 * `PACKET_DIAG_*`. `mclist` (an array of `struct packet_diag_mclist`) and `filter` (the
 * attached classic BPF program) are decoded by the socket views.
 */
export const PACKET_DIAG_TABLE = {
  PACKET_DIAG_INFO: [0, PACKET_DIAG_INFO],
  PACKET_DIAG_MCLIST: [1, "binary"],
  PACKET_DIAG_RX_RING: [2, PACKET_DIAG_RING],
  PACKET_DIAG_TX_RING: [3, PACKET_DIAG_RING],
  PACKET_DIAG_FANOUT: [4, "u32"],
  PACKET_DIAG_UID: [5, "u32"],
  PACKET_DIAG_MEMINFO: [6, SK_MEMINFO],
  PACKET_DIAG_FILTER: [7, "binary"],
} as const;

/** The compiled `PACKET_DIAG_*` table. */
export const PACKET_DIAG: AttrSchema<"PACKET_DIAG_", typeof PACKET_DIAG_TABLE> = attrs(
  "PACKET_DIAG_",
  PACKET_DIAG_TABLE,
);

/** A packet socket as the kernel reports it. */
export const PACKET_DIAG_MESSAGE: MessageSchema<typeof PACKET_DIAG_MSG, typeof PACKET_DIAG> =
  message("packet socket", PACKET_DIAG_MSG, PACKET_DIAG);
