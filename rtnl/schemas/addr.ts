/**
 * Address messages (`RTM_NEWADDR`…): `struct ifaddrmsg` and `IFA_*` (linux/if_addr.h).
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";

/** `struct ifaddrmsg`. */
export const IFADDRMSG = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["prefixlen", "u8"],
    ["flags", "u8"],
    ["scope", "u8"],
    ["index", "u32"],
  ],
} as const;

/** `struct ifa_cacheinfo`. */
export const IFA_CACHEINFO = {
  kind: "struct",
  fields: [
    ["ifa_preferred", "u32"],
    ["ifa_valid", "u32"],
    ["cstamp", "u32"],
    ["tstamp", "u32"],
  ],
} as const;

/** `IFA_*`. */
export const IFA_TABLE = {
  IFA_ADDRESS: [1, "ipaddr"],
  IFA_LOCAL: [2, "ipaddr"],
  IFA_LABEL: [3, "string"],
  IFA_BROADCAST: [4, "ipaddr"],
  IFA_ANYCAST: [5, "ipaddr"],
  IFA_CACHEINFO: [6, IFA_CACHEINFO],
  IFA_MULTICAST: [7, "ipaddr"],
  IFA_FLAGS: [8, "u32"],
  IFA_RT_PRIORITY: [9, "u32"],
  IFA_TARGET_NETNSID: [10, "s32"],
  IFA_PROTO: [11, "u8"],
} as const;

/** The compiled IFA table. */
export const IFA: AttrSchema<"IFA_", typeof IFA_TABLE> = attrs("IFA_", IFA_TABLE);

/** The address message schema. */
export const ADDR_MESSAGE: MessageSchema<typeof IFADDRMSG, typeof IFA> = message(
  "addr",
  IFADDRMSG,
  IFA,
);

/** `IFA_F_*` address flags. */
export const IFA_F = {
  secondary: 0x01,
  nodad: 0x02,
  optimistic: 0x04,
  dadfailed: 0x08,
  homeaddress: 0x10,
  deprecated: 0x20,
  tentative: 0x40,
  permanent: 0x80,
  managetempaddr: 0x100,
  noprefixroute: 0x200,
  mcautojoin: 0x400,
  stable_privacy: 0x800,
} as const;
