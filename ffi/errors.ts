/**
 * The error a failed system call becomes.
 *
 * @module
 */

import { errnoName } from "./errno.ts";
import { strerror } from "./libc.ts";

const EPERM = 1;
const EACCES = 13;

/** A failed libc call: `errno`, its name in `code` (`"EPERM"`), and the call that failed. */
export class SyscallError extends Error {
  /** The error name. */
  override name = "SyscallError";
  /** The errno value. */
  readonly errno: number;
  /** The errno name, e.g. `"ENOENT"`. */
  readonly code: string;
  /** The failed call, e.g. `"socket"`. */
  readonly syscall: string;

  /** Builds the error for `syscall` failing with `errno`; `what` adds context to the message. */
  constructor(syscall: string, errno: number, what?: string) {
    const code = errnoName(errno);
    let message = `${syscall}${what ? ` ${what}` : ""}: ${strerror(errno)} (${code})`;
    if (errno === EPERM || errno === EACCES) {
      message += "; this needs CAP_NET_ADMIN (run as root)";
    }
    super(message);
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
  }
}
