/**
 * ipset schemas (linux/netfilter/ipset/ip_set.h): commands, the command-level attributes, and
 * the data of sets (create attributes) and of elements (add/del/test attributes). Numbers are
 * big-endian on the wire and flagged NLA_F_NET_BYTEORDER (see netorder.ts).
 *
 * @module
 */

import { attrs, message } from "../../netlink/schema.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";
import { NFGENMSG } from "../nfnetlink.ts";

/** The protocol version spoken (`IPSET_PROTOCOL`), and the oldest the kernel may accept. */
export const IPSET_PROTOCOL = 7;
/** `IPSET_PROTOCOL_MIN`. */
export const IPSET_PROTOCOL_MIN = 6;
/** `IPSET_MAXNAMELEN`: set and type names are shorter. */
export const IPSET_MAXNAMELEN = 32;
/** `IPSET_MAX_COMMENT_SIZE`. */
export const IPSET_MAX_COMMENT_SIZE = 255;

/** Commands (`IPSET_CMD_*`): the operation byte of the message type. */
export const IPSET_CMD = {
  PROTOCOL: 1,
  CREATE: 2,
  DESTROY: 3,
  FLUSH: 4,
  RENAME: 5,
  SWAP: 6,
  LIST: 7,
  SAVE: 8,
  ADD: 9,
  DEL: 10,
  TEST: 11,
  HEADER: 12,
  TYPE: 13,
  GET_BYNAME: 14,
  GET_BYINDEX: 15,
} as const;

/** `IPSET_ATTR_IPADDR_*`: an address, nested. */
export const IPSET_IPADDR_TABLE = {
  IPSET_ATTR_IPADDR_IPV4: [1, "ipaddr"],
  IPSET_ATTR_IPADDR_IPV6: [2, "ipaddr"],
} as const;
/** The compiled IPSET_ATTR_IPADDR table. */
export const IPSET_IPADDR: AttrSchema<"IPSET_ATTR_IPADDR_", typeof IPSET_IPADDR_TABLE> = attrs(
  "IPSET_ATTR_IPADDR_",
  IPSET_IPADDR_TABLE,
);

const ADDR = { kind: "nest", schema: (): typeof IPSET_IPADDR => IPSET_IPADDR } as const;

/** Attributes common to set data and element data (`IPSET_ATTR_IP` … `IPSET_ATTR_MARKMASK`). */
const COMMON = {
  IPSET_ATTR_IP: [1, ADDR],
  IPSET_ATTR_IP_TO: [2, ADDR],
  IPSET_ATTR_CIDR: [3, "u8"],
  IPSET_ATTR_PORT: [4, "be16"],
  IPSET_ATTR_PORT_TO: [5, "be16"],
  IPSET_ATTR_TIMEOUT: [6, "be32"],
  IPSET_ATTR_PROTO: [7, "u8"],
  IPSET_ATTR_CADT_FLAGS: [8, "be32"],
  IPSET_ATTR_CADT_LINENO: [9, "be32"],
  IPSET_ATTR_MARK: [10, "be32"],
  IPSET_ATTR_MARKMASK: [11, "be32"],
} as const;

/** `IPSET_ATTR_*` of a set's data (create, and the header of a list). */
export const IPSET_CREATE_TABLE = {
  ...COMMON,
  IPSET_ATTR_INITVAL: [17, "be32"],
  IPSET_ATTR_HASHSIZE: [18, "be32"],
  IPSET_ATTR_MAXELEM: [19, "be32"],
  IPSET_ATTR_NETMASK: [20, "u8"],
  IPSET_ATTR_BUCKETSIZE: [21, "u8"],
  IPSET_ATTR_RESIZE: [22, "u8"],
  IPSET_ATTR_SIZE: [23, "be32"],
  IPSET_ATTR_ELEMENTS: [24, "be32"],
  IPSET_ATTR_REFERENCES: [25, "be32"],
  IPSET_ATTR_MEMSIZE: [26, "be32"],
} as const;
/** The compiled set-data table. */
export const IPSET_CREATE: AttrSchema<"IPSET_ATTR_", typeof IPSET_CREATE_TABLE> = attrs(
  "IPSET_ATTR_",
  IPSET_CREATE_TABLE,
);

/** `IPSET_ATTR_*` of an element (add, del, test, and each entry of a list). */
export const IPSET_ADT_TABLE = {
  ...COMMON,
  IPSET_ATTR_ETHER: [17, "lladdr"],
  IPSET_ATTR_NAME: [18, "string"],
  IPSET_ATTR_NAMEREF: [19, "string"],
  IPSET_ATTR_IP2: [20, ADDR],
  IPSET_ATTR_CIDR2: [21, "u8"],
  IPSET_ATTR_IP2_TO: [22, ADDR],
  IPSET_ATTR_IFACE: [23, "string"],
  IPSET_ATTR_BYTES: [24, "be64"],
  IPSET_ATTR_PACKETS: [25, "be64"],
  IPSET_ATTR_COMMENT: [26, "string"],
  IPSET_ATTR_SKBMARK: [27, "be64"],
  IPSET_ATTR_SKBPRIO: [28, "be32"],
  IPSET_ATTR_SKBQUEUE: [29, "be16"],
  IPSET_ATTR_PAD: [30, "binary"],
} as const;
/** The compiled element-data table. */
export const IPSET_ADT: AttrSchema<"IPSET_ATTR_", typeof IPSET_ADT_TABLE> = attrs(
  "IPSET_ATTR_",
  IPSET_ADT_TABLE,
);

const CMD = {
  IPSET_ATTR_PROTOCOL: [1, "u8"],
  IPSET_ATTR_SETNAME: [2, "string"],
  IPSET_ATTR_TYPENAME: [3, "string"],
  IPSET_ATTR_REVISION: [4, "u8"],
  IPSET_ATTR_FAMILY: [5, "u8"],
  IPSET_ATTR_FLAGS: [6, "be32"],
  IPSET_ATTR_LINENO: [9, "be32"],
  IPSET_ATTR_PROTOCOL_MIN: [10, "u8"],
  IPSET_ATTR_INDEX: [11, "be16"],
} as const;

/** Elements: `IPSET_ATTR_ADT` holds one `IPSET_ATTR_DATA` per element. */
const ELEMENTS = {
  kind: "array",
  of: { kind: "nest", schema: (): typeof IPSET_ADT => IPSET_ADT },
  type: 7,
} as const;

/**
 * Command-level attributes of set commands (create, list, save, header, …): `IPSET_ATTR_DATA`
 * is the set's data, `IPSET_ATTR_ADT` its elements. `IPSET_ATTR_TYPENAME` is also
 * `IPSET_ATTR_SETNAME2` (the second name of rename and swap).
 */
export const IPSET_CMD_TABLE = {
  ...CMD,
  IPSET_ATTR_DATA: [7, { kind: "nest", schema: (): typeof IPSET_CREATE => IPSET_CREATE }],
  IPSET_ATTR_ADT: [8, ELEMENTS],
} as const;
/** The compiled command table of set commands. */
export const IPSET_CMD_ATTRS: AttrSchema<"IPSET_ATTR_", typeof IPSET_CMD_TABLE> = attrs(
  "IPSET_ATTR_",
  IPSET_CMD_TABLE,
);

/** Command-level attributes of element commands (add, del, test): `IPSET_ATTR_DATA` is one element. */
export const IPSET_ELEMENT_CMD_TABLE = {
  ...CMD,
  IPSET_ATTR_DATA: [7, { kind: "nest", schema: (): typeof IPSET_ADT => IPSET_ADT }],
  IPSET_ATTR_ADT: [8, ELEMENTS],
} as const;
/** The compiled command table of element commands. */
export const IPSET_ELEMENT_CMD_ATTRS: AttrSchema<
  "IPSET_ATTR_",
  typeof IPSET_ELEMENT_CMD_TABLE
> = attrs("IPSET_ATTR_", IPSET_ELEMENT_CMD_TABLE);

/** A set command message (and what list and save answer). */
export const IPSET_MESSAGE: MessageSchema<typeof NFGENMSG, typeof IPSET_CMD_ATTRS> = message(
  "ipset",
  NFGENMSG,
  IPSET_CMD_ATTRS,
);

/** An element command message (add, del, test). */
export const IPSET_ELEMENT_MESSAGE: MessageSchema<
  typeof NFGENMSG,
  typeof IPSET_ELEMENT_CMD_ATTRS
> = message("ipset_element", NFGENMSG, IPSET_ELEMENT_CMD_ATTRS);

/** Command flags (`IPSET_FLAG_*` of `IPSET_ATTR_FLAGS`). */
export const IPSET_FLAG = {
  EXIST: 1 << 0,
  LIST_SETNAME: 1 << 1,
  LIST_HEADER: 1 << 2,
  SKIP_COUNTER_UPDATE: 1 << 3,
  SKIP_SUBCOUNTER_UPDATE: 1 << 4,
  MATCH_COUNTERS: 1 << 5,
  RETURN_NOMATCH: 1 << 7,
  MAP_SKBMARK: 1 << 8,
  MAP_SKBPRIO: 1 << 9,
  MAP_SKBQUEUE: 1 << 10,
} as const;

/** Set and element flags (`IPSET_FLAG_*` of `IPSET_ATTR_CADT_FLAGS`). */
export const IPSET_CADT_FLAG = {
  BEFORE: 1 << 0,
  PHYSDEV: 1 << 1,
  NOMATCH: 1 << 2,
  WITH_COUNTERS: 1 << 3,
  WITH_COMMENT: 1 << 4,
  WITH_FORCEADD: 1 << 5,
  WITH_SKBINFO: 1 << 6,
  IFACE_WILDCARD: 1 << 7,
} as const;

/** ipset's own error codes (`IPSET_ERR_*`), above the errno range. */
export const IPSET_ERR: Readonly<Record<number, string>> = {
  4097: "IPSET_ERR_PROTOCOL: kernel and library speak different protocol versions",
  4098: "IPSET_ERR_FIND_TYPE: the kernel has no such set type (or revision)",
  4099: "IPSET_ERR_MAX_SETS: the kernel's limit of sets is reached",
  4100: "IPSET_ERR_BUSY: the set is in use by a kernel component",
  4101: "IPSET_ERR_EXIST_SETNAME2: a set with the new name exists",
  4102: "IPSET_ERR_TYPE_MISMATCH: the sets are of different types",
  4103: "IPSET_ERR_EXIST: the set exists (or the element is already added)",
  4104: "IPSET_ERR_INVALID_CIDR: invalid CIDR",
  4105: "IPSET_ERR_INVALID_NETMASK: invalid netmask",
  4106: "IPSET_ERR_INVALID_FAMILY: invalid family",
  4107: "IPSET_ERR_TIMEOUT: the set was created without timeout support",
  4108: "IPSET_ERR_REFERENCED: the set is referenced (by a rule or list:set)",
  4109: "IPSET_ERR_IPADDR_IPV4: invalid IPv4 address",
  4110: "IPSET_ERR_IPADDR_IPV6: invalid IPv6 address",
  4111: "IPSET_ERR_COUNTER: the set was created without counter support",
  4112: "IPSET_ERR_COMMENT: the set was created without comment support",
  4113: "IPSET_ERR_INVALID_MARKMASK: invalid markmask",
  4114: "IPSET_ERR_SKBINFO: the set was created without skbinfo support",
  4352: "IPSET_ERR_TYPE_SPECIFIC: refused by the set type (element out of range, range too big, …)",
  4353: "IPSET_ERR_TYPE_SPECIFIC: refused by the set type",
  4354: "IPSET_ERR_TYPE_SPECIFIC: refused by the set type",
};
