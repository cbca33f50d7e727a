/**
 * `struct ifinfomsg`, the fixed header of link messages (its own module: link and linkinfo
 * schemas both need it).
 *
 * @module
 */

/** `struct ifinfomsg`. */
export const IFINFOMSG = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["_pad", "u8"],
    ["ifi_type", "u16"],
    ["index", "s32"],
    ["flags", "u32"],
    ["change", "u32"],
  ],
} as const;
