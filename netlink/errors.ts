/**
 * The errors of the protocol layer: what the kernel refused, what it sent malformed, and dumps
 * it interrupted.
 *
 * @module
 */

import { errnoName } from "../ffi/errno.ts";
import { strerror } from "../ffi/libc.ts";

/** The kernel's extended acknowledgement of an error (`NLMSGERR_ATTR_*`). */
export interface ExtAck {
  /** The kernel's text, e.g. "Nexthop has invalid gateway". */
  msg?: string;
  /** Byte offset of the offending attribute in the request. */
  offset?: number;
  /** The offending attribute: its name when the request's schema knows it, else its number. */
  attribute?: string | number;
  /** The attribute type the kernel reported missing (NLMSGERR_ATTR_MISS_TYPE). */
  missingType?: number;
}

/** The kernel refused a request: `errno`, its name in `code`, and the ext-ack text if sent. */
export class NetlinkError extends Error {
  /** The error name. */
  override name = "NetlinkError";
  /** Positive errno value, e.g. 17. */
  readonly errno: number;
  /** errno name, e.g. "EEXIST". */
  readonly code: string;
  /** The extended acknowledgement, when the kernel sent one. */
  readonly extack: ExtAck;
  /** A short description of the request that failed, e.g. "RTM_NEWROUTE". */
  readonly request?: string;

  /** Builds the error for a refusal with positive `errno`. */
  constructor(errno: number, extack: ExtAck = {}, request?: string) {
    const code = errnoName(errno);
    let text = `${strerror(errno)} (${code})`;
    if (extack.msg) text += `: ${extack.msg}`;
    if (extack.attribute !== undefined) text += ` [attribute ${extack.attribute}]`;
    if (request) text = `${request}: ${text}`;
    if (errno === 1 || errno === 13) text += "; this needs CAP_NET_ADMIN (run as root)";
    super(text);
    this.errno = errno;
    this.code = code;
    this.extack = extack;
    this.request = request;
  }
}

/** A malformed message from the kernel (or anyone): lengths that do not fit, bad nesting. */
export class DecodeError extends Error {
  /** The error name. */
  override name = "DecodeError";
}

/** A dump was interrupted by a concurrent change (`NLM_F_DUMP_INTR`); its result is not consistent. */
export class DumpInterruptedError extends Error {
  /** The error name. */
  override name = "DumpInterruptedError";
  /** The error for an interrupted `what`. */
  constructor(what = "dump") {
    super(`${what} was interrupted by a concurrent change (NLM_F_DUMP_INTR); retry it`);
  }
}

/**
 * The kernel dropped messages because the receive buffer overflowed (ENOBUFS). On a request
 * socket it means the request's answer was lost: a change may or may not have been applied.
 */
export class OverrunError extends Error {
  /** The error name. */
  override name = "OverrunError";
  /** The overrun error; `detail` says what it means for the request. */
  constructor(detail?: string) {
    super(
      `the kernel dropped netlink messages: receive buffer overrun (ENOBUFS)${
        detail ? `; ${detail}` : ""
      }`,
    );
  }
}
