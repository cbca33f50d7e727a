/**
 * Neighbour messages (`RTM_NEWNEIGH`…): `struct ndmsg` and `NDA_*` (linux/neighbour.h).
 * Bridge fdb entries are neighbour messages of family AF_BRIDGE.
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";

/** `struct ndmsg`. */
export const NDMSG = {
  kind: "struct",
  fields: [
    ["family", "u8"],
    ["_pad1", "u8"],
    ["_pad2", "u16"],
    ["ifindex", "s32"],
    ["state", "u16"],
    ["flags", "u8"],
    ["ndm_type", "u8"],
  ],
} as const;

/** `struct nda_cacheinfo`. */
export const NDA_CACHEINFO = {
  kind: "struct",
  fields: [
    ["ndm_confirmed", "u32"],
    ["ndm_used", "u32"],
    ["ndm_updated", "u32"],
    ["ndm_refcnt", "u32"],
  ],
} as const;

/** `NDA_*`. */
export const NDA_TABLE = {
  NDA_DST: [1, "ipaddr"],
  NDA_LLADDR: [2, "lladdr"],
  NDA_CACHEINFO: [3, NDA_CACHEINFO],
  NDA_PROBES: [4, "u32"],
  NDA_VLAN: [5, "u16"],
  NDA_PORT: [6, "be16"],
  NDA_VNI: [7, "u32"],
  NDA_IFINDEX: [8, "u32"],
  NDA_MASTER: [9, "u32"],
  NDA_LINK_NETNSID: [10, "s32"],
  NDA_SRC_VNI: [11, "u32"],
  NDA_PROTOCOL: [12, "u8"],
  NDA_NH_ID: [13, "u32"],
  NDA_FDB_EXT_ATTRS: [14, "binary"],
  NDA_FLAGS_EXT: [15, "u32"],
  NDA_NDM_STATE_MASK: [16, "u16"],
  NDA_NDM_FLAGS_MASK: [17, "u8"],
} as const;

/** The compiled NDA table. */
export const NDA: AttrSchema<"NDA_", typeof NDA_TABLE> = attrs("NDA_", NDA_TABLE);

/** The neighbour message schema. */
export const NEIGH_MESSAGE: MessageSchema<typeof NDMSG, typeof NDA> = message("neigh", NDMSG, NDA);

/** `NTF_*`: neighbour / fdb entry flags (`ndm_flags`). */
export const NTF = {
  use: 0x01,
  self: 0x02,
  master: 0x04,
  proxy: 0x08,
  extern_learn: 0x10,
  offloaded: 0x20,
  sticky: 0x40,
  router: 0x80,
} as const;

/** `NTF_EXT_*`: extended flags (`NDA_FLAGS_EXT`). */
export const NTF_EXT = {
  managed: 0x01,
  locked: 0x02,
  ext_validated: 0x04,
} as const;
