/**
 * `struct ifinfomsg`, the fixed header of link messages (its own module: link and linkinfo
 * schemas both need it).
 *
 * @module
 */

import { struct } from "../../netlink/schema.ts";

/** `struct ifinfomsg`. */
export const IFINFOMSG = struct(
  [
    ["family", "u8"],
    ["_pad", "u8"],
    ["ifi_type", "u16"],
    ["index", "s32"],
    ["flags", "u32"],
    ["change", "u32"],
  ] as const,
);
