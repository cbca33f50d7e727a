/**
 * The error a failed system call becomes.
 *
 * @module
 */

import { errnoName } from "./errno.ts";
import { strerror } from "./libc.ts";

const EPERM = 1;
const EACCES = 13;

/**
 * The privilege each call needs when it fails with EPERM or EACCES, by call. `open`, `mkdir`
 * and `unlink` have none here: what they need depends on the file (their callers say it).
 */
const NEEDS: Readonly<Record<string, string>> = {
  setns: "CAP_SYS_ADMIN",
  unshare: "CAP_SYS_ADMIN",
  mount: "CAP_SYS_ADMIN",
  umount2: "CAP_SYS_ADMIN",
  bpf: "CAP_BPF (or CAP_SYS_ADMIN)",
  ioctl: "CAP_NET_ADMIN",
  socket: "CAP_NET_ADMIN",
  bind: "CAP_NET_ADMIN",
  setsockopt: "CAP_NET_ADMIN",
  sendmsg: "CAP_NET_ADMIN",
};

/**
 * A failed libc call: `errno`, its name in `code` (`"EPERM"`), and the call that failed. For
 * EPERM and EACCES the message names the privilege the call needs.
 */
export class SyscallError extends Error {
  /** The error name. */
  override name = "SyscallError";
  /** The errno value. */
  readonly errno: number;
  /** The errno name, e.g. `"ENOENT"`. */
  readonly code: string;
  /** The failed call, e.g. `"socket"`. */
  readonly syscall: string;

  /**
   * Builds the error for `syscall` failing with `errno`; `what` adds context to the message,
   * `needs` names the privilege the call lacked (by default the call's usual one).
   */
  constructor(syscall: string, errno: number, what?: string, needs?: string) {
    const code = errnoName(errno);
    let message = `${syscall}${what ? ` ${what}` : ""}: ${strerror(errno)} (${code})`;
    const need = needs ?? (Object.hasOwn(NEEDS, syscall) ? NEEDS[syscall] : undefined);
    if ((errno === EPERM || errno === EACCES) && need) message += `; this needs ${need}`;
    super(message);
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
  }
}
