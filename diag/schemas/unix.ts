/**
 * unix_diag (linux/unix_diag.h): the request (`struct unix_diag_req`) and the reply (`struct
 * unix_diag_msg` and its `UNIX_DIAG_*` attributes), prefixes `udiag_`/`UNIX_DIAG_` dropped.
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";
import { SK_MEMINFO } from "./meminfo.ts";

/** `struct unix_diag_req`; `cookie` is the two words of `udiag_cookie` as 8 bytes. */
export const UNIX_DIAG_REQ = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["protocol", "u8"],
    ["_pad", "u16"],
    ["states", "u32"],
    ["ino", "u32"],
    ["show", "u32"],
    ["cookie", "bytes[8]"],
  ],
} as const;

/** A unix request carries no attributes. */
export const UNIX_DIAG_REQ_ATTRS: AttrSchema<"UNIX_DIAG_REQ_", Record<never, never>> = attrs(
  "UNIX_DIAG_REQ_",
  {},
);

/** A `SOCK_DIAG_BY_FAMILY` request for unix sockets. */
export const UNIX_DIAG_REQUEST: MessageSchema<typeof UNIX_DIAG_REQ, typeof UNIX_DIAG_REQ_ATTRS> =
  message("unix_diag request", UNIX_DIAG_REQ, UNIX_DIAG_REQ_ATTRS);

/** `struct unix_diag_msg`. */
export const UNIX_DIAG_MSG = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["type", "u8"],
    ["state", "u8"],
    ["_pad", "u8"],
    ["ino", "u32"],
    ["cookie", "u64"],
  ],
} as const;

/** `struct unix_diag_vfs`: the inode and device of the socket file a bound socket made. */
export const UNIX_DIAG_VFS = {
  kind: "struct",
  fields: [["vfs_ino", "u32"], ["vfs_dev", "u32"]],
} as const;

/**
 * `struct unix_diag_rqlen`: for a listener the pending connections and the backlog, else the
 * bytes queued to read and to write.
 */
export const UNIX_DIAG_RQLEN = {
  kind: "struct",
  fields: [["rqueue", "u32"], ["wqueue", "u32"]],
} as const;

/**
 * `UNIX_DIAG_*`. `name` (the bound path; an abstract name starts with NUL and reads as `@…`)
 * and `icons` (the inodes of pending connections) are decoded by the socket views.
 */
export const UNIX_DIAG_TABLE = {
  UNIX_DIAG_NAME: [0, "binary"],
  UNIX_DIAG_VFS: [1, UNIX_DIAG_VFS],
  UNIX_DIAG_PEER: [2, "u32"],
  UNIX_DIAG_ICONS: [3, "binary"],
  UNIX_DIAG_RQLEN: [4, UNIX_DIAG_RQLEN],
  UNIX_DIAG_MEMINFO: [5, SK_MEMINFO],
  UNIX_DIAG_SHUTDOWN: [6, "u8"],
  UNIX_DIAG_UID: [7, "u32"],
} as const;

/** The compiled `UNIX_DIAG_*` table. */
export const UNIX_DIAG: AttrSchema<"UNIX_DIAG_", typeof UNIX_DIAG_TABLE> = attrs(
  "UNIX_DIAG_",
  UNIX_DIAG_TABLE,
);

/** A unix socket as the kernel reports it. */
export const UNIX_DIAG_MESSAGE: MessageSchema<typeof UNIX_DIAG_MSG, typeof UNIX_DIAG> = message(
  "unix socket",
  UNIX_DIAG_MSG,
  UNIX_DIAG,
);
