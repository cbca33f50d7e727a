/**
 * Netlink protocol constants (linux/netlink.h).
 *
 * @module
 */

/** Size of `struct nlmsghdr`. */
export const NLMSG_HDRLEN = 16;
/** Size of `struct nlattr`. */
export const NLA_HDRLEN = 4;

/** Control message types. */
export const NLMSG_NOOP = 1;
/** An error or (error 0) an acknowledgement. */
export const NLMSG_ERROR = 2;
/** The end of a multipart dump. */
export const NLMSG_DONE = 3;
/** Data lost. */
export const NLMSG_OVERRUN = 4;

/** `nlmsg_flags` bits (linux/netlink.h). */
export const NLM_F = {
  REQUEST: 0x01,
  MULTI: 0x02,
  ACK: 0x04,
  ECHO: 0x08,
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
  // GET requests
  ROOT: 0x100,
  MATCH: 0x200,
  ATOMIC: 0x400,
  DUMP: 0x300,
  // NEW requests
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  // DELETE requests
  NONREC: 0x100,
  BULK: 0x200,
  // ACK messages
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

/** `NLA_F_NESTED`: set on every encoded nest. */
export const NLA_F_NESTED = 0x8000;
/** `NLA_F_NET_BYTEORDER`: the payload is big-endian. */
export const NLA_F_NET_BYTEORDER = 0x4000;
/** Mask of the attribute type bits. */
export const NLA_TYPE_MASK = 0x3fff;

/** Extended-ack attributes of an error message (`NLMSGERR_ATTR_*`). */
export const NLMSGERR_ATTR = {
  MSG: 1,
  OFFS: 2,
  COOKIE: 3,
  POLICY: 4,
  MISS_TYPE: 5,
  MISS_NEST: 6,
} as const;

/** Rounds up to netlink's 4-byte alignment. */
export function align4(n: number): number {
  return (n + 3) & ~3;
}
