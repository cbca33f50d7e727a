/**
 * The walk over the messages of one datagram: each `struct nlmsghdr` checked (a length of at
 * least 16 bytes that fits the datagram) and the next one found at the aligned end. The engine,
 * the monitors and IPDB all walk their datagrams with it.
 *
 * @module
 */

import { align4, NLMSG_HDRLEN } from "./constants.ts";

/**
 * A cursor over the messages of a datagram: one object per datagram, nothing allocated per
 * message.
 *
 * ```ts ignore
 * const walk = new MessageWalk(dv);
 * while (walk.next()) handle(walk.offset, walk.length, walk.type);
 * if (walk.malformed) report(walk.offset, walk.length);
 * ```
 */
export class MessageWalk {
  /** The datagram. */
  readonly dv: DataView;
  /** Bytes of the datagram that hold messages. */
  readonly size: number;
  /** Offset of the current message's nlmsghdr (after a malformed one: of that header). */
  offset = 0;
  /** The current message's nlmsg_len (after a malformed one: the length it claimed). */
  length = 0;
  /** The current message's nlmsg_type. */
  type = 0;
  /** Whether the walk stopped at a header whose length is too short or overruns the datagram. */
  malformed = false;
  // Where the next message starts.
  /**
   * Where the next message starts. (A public field: V8 reads and writes a `#private` one in
   * this loop at twice the cost.)
   */
  nextOffset = 0;

  /** A walk over the first `size` bytes of `dv` (all of it by default). */
  constructor(dv: DataView, size: number = dv.byteLength) {
    this.dv = dv;
    this.size = size;
  }

  /** Moves to the next message; false at the end of the datagram or at a malformed header. */
  next(): boolean {
    const off = this.nextOffset;
    const size = this.size;
    if (off + NLMSG_HDRLEN > size) return false;
    const dv = this.dv;
    const len = dv.getUint32(off, true);
    this.offset = off;
    this.length = len;
    if (len < NLMSG_HDRLEN || off + len > size) {
      this.malformed = true;
      this.nextOffset = size;
      return false;
    }
    this.type = dv.getUint16(off + 4, true);
    this.nextOffset = off + align4(len);
    return true;
  }
}
