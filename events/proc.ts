/**
 * The proc connector (`NETLINK_CONNECTOR`, `CN_IDX_PROC`, linux/cn_proc.h): the kernel's
 * announcements of process life — fork, exec, uid/gid/sid changes, ptrace, comm, coredump,
 * exit — to every listener. The kernel runs it in the initial network namespace only (and
 * reports pids of the initial pid namespace).
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../ffi/socket.ts";
import { SyscallError } from "../ffi/errors.ts";
import { NLMSG_DONE, NLMSG_HDRLEN } from "../netlink/constants.ts";
import { MessageWalk } from "../netlink/walk.ts";
import { DecodeError, NetlinkError } from "../netlink/errors.ts";
import { decodeString } from "../netlink/view.ts";
import { checkOptions } from "../diag/options.ts";
import { KeySet } from "../netlink/strict.ts";
import { EventStream } from "./stream.ts";
import type { Overrun } from "./stream.ts";

const OPTION_KEYS = new KeySet("ProcEvents option", ["rcvbuf", "signal"]);

/** `CN_IDX_PROC`/`CN_VAL_PROC`: the proc connector's id, and its multicast group. */
export const CN_IDX_PROC = 1;
/** `CN_VAL_PROC`. */
export const CN_VAL_PROC = 1;

/** `PROC_CN_MCAST_*`: subscribe and unsubscribe. */
export const PROC_CN_MCAST = { listen: 1, ignore: 2 } as const;

/** `PROC_EVENT_*` (the `what` of `struct proc_event`), names without the prefix. */
export const PROC_EVENT = {
  none: 0x0,
  fork: 0x1,
  exec: 0x2,
  uid: 0x4,
  gid: 0x40,
  sid: 0x80,
  ptrace: 0x100,
  comm: 0x200,
  coredump: 0x40000000,
  exit: 0x80000000,
} as const;

/** What every proc event carries. */
export interface ProcEventBase {
  /** The CPU that reported it. */
  cpu: number;
  /** Nanoseconds since boot (CLOCK_MONOTONIC). */
  timestamp_ns: number;
}

/** A process forked (`PROC_EVENT_FORK`): a new thread when `child_pid !== child_tgid`. */
export interface ForkEvent extends ProcEventBase {
  /** The event kind. */
  type: "fork";
  /** The forking thread. */
  parent_pid: number;
  /** Its process. */
  parent_tgid: number;
  /** The new thread. */
  child_pid: number;
  /** Its process. */
  child_tgid: number;
}

/** A process ran `execve` (`PROC_EVENT_EXEC`). */
export interface ExecEvent extends ProcEventBase {
  /** The event kind. */
  type: "exec";
  /** The thread. */
  process_pid: number;
  /** Its process. */
  process_tgid: number;
}

/** Real and effective user (`PROC_EVENT_UID`) or group (`PROC_EVENT_GID`) ids changed. */
export interface IdEvent extends ProcEventBase {
  /** The event kind. */
  type: "uid" | "gid";
  /** The thread. */
  process_pid: number;
  /** Its process. */
  process_tgid: number;
  /** The real uid (or gid). */
  ruid: number;
  /** The effective uid (or gid). */
  euid: number;
}

/** A process started a session (`PROC_EVENT_SID`). */
export interface SidEvent extends ProcEventBase {
  /** The event kind. */
  type: "sid";
  /** The thread. */
  process_pid: number;
  /** Its process. */
  process_tgid: number;
}

/** A process was attached (tracer set) or detached (tracer 0) by ptrace (`PROC_EVENT_PTRACE`). */
export interface PtraceEvent extends ProcEventBase {
  /** The event kind. */
  type: "ptrace";
  /** The traced thread. */
  process_pid: number;
  /** Its process. */
  process_tgid: number;
  /** The tracer (0 on detach). */
  tracer_pid: number;
  /** The tracer's process. */
  tracer_tgid: number;
}

/** A thread's name changed (`PROC_EVENT_COMM`). */
export interface CommEvent extends ProcEventBase {
  /** The event kind. */
  type: "comm";
  /** The thread. */
  process_pid: number;
  /** Its process. */
  process_tgid: number;
  /** The new name (up to 15 bytes). */
  comm: string;
}

/** A process is dumping core (`PROC_EVENT_COREDUMP`). */
export interface CoredumpEvent extends ProcEventBase {
  /** The event kind. */
  type: "coredump";
  /** The thread. */
  process_pid: number;
  /** Its process. */
  process_tgid: number;
  /** Its parent thread (kernel 5.0+; 0 before). */
  parent_pid: number;
  /** Its parent process. */
  parent_tgid: number;
}

/** A thread exited (`PROC_EVENT_EXIT`). */
export interface ExitEvent extends ProcEventBase {
  /** The event kind. */
  type: "exit";
  /** The thread. */
  process_pid: number;
  /** Its process. */
  process_tgid: number;
  /** The wait status (`exitCode << 8`, or the signal, `| 0x80` when core was dumped). */
  exit_code: number;
  /** The signal sent to the parent (SIGCHLD, 17, for a process; -1 for a thread). */
  exit_signal: number;
  /** The parent thread (kernel 5.0+; 0 before). */
  parent_pid: number;
  /** The parent process. */
  parent_tgid: number;
  /** The exit code (0–255) when it exited normally. */
  exitCode?: number;
  /** The signal that killed it. */
  signal?: number;
  /** Whether it dumped core. */
  coreDumped: boolean;
}

/** An event of a kind this table does not know (a newer kernel's). */
export interface UnknownProcEvent extends ProcEventBase {
  /** The event kind. */
  type: "unknown";
  /** `what` as sent. */
  what: number;
  /** The event data. */
  data: Uint8Array;
}

/** A process event. */
export type ProcEvent =
  | ForkEvent
  | ExecEvent
  | IdEvent
  | SidEvent
  | PtraceEvent
  | CommEvent
  | CoredumpEvent
  | ExitEvent
  | UnknownProcEvent;

/** The kernel's answer to a subscription (`PROC_EVENT_NONE`): `err` 0 or an errno. */
export interface ProcAck {
  /** The event kind. */
  type: "ack";
  /** 0, or the errno (EPERM without CAP_NET_ADMIN). */
  err: number;
  /** `cn_msg.ack` (the request's ack + 1). */
  ack: number;
}

const CN_MSG_LEN = 20;
const EVENT_HEAD = 16;

/**
 * Decodes every proc connector message of a datagram: process events, and subscription acks.
 * Messages of other connector ids are skipped; a malformed one is a DecodeError.
 */
export function decodeProcEvents(datagram: ArrayBuffer): (ProcEvent | ProcAck)[] {
  const dv = new DataView(datagram);
  const u8 = new Uint8Array(datagram);
  const out: (ProcEvent | ProcAck)[] = [];
  const walk = new MessageWalk(dv);
  while (walk.next()) {
    const off = walk.offset, len = walk.length;
    const end = off + len;
    const cn = off + NLMSG_HDRLEN;
    if (
      cn + CN_MSG_LEN <= end && dv.getUint32(cn, true) === CN_IDX_PROC &&
      dv.getUint32(cn + 4, true) === CN_VAL_PROC
    ) {
      const dataLen = dv.getUint16(cn + 16, true);
      const ev = cn + CN_MSG_LEN;
      if (ev + dataLen > end || dataLen < EVENT_HEAD + 4) {
        throw new DecodeError(`proc connector: event of ${dataLen} bytes in ${len}`);
      }
      out.push(decodeEvent(dv, u8, ev, dataLen, dv.getUint32(cn + 12, true)));
    }
  }
  if (walk.malformed) {
    throw new DecodeError(`proc connector: message of ${walk.length} bytes at ${walk.offset}`);
  }
  return out;
}

function decodeEvent(
  dv: DataView,
  u8: Uint8Array,
  at: number,
  size: number,
  ack: number,
): ProcEvent | ProcAck {
  const what = dv.getUint32(at, true);
  const base = {
    cpu: dv.getUint32(at + 4, true),
    timestamp_ns: dv.getUint32(at + 12, true) * 4294967296 + dv.getUint32(at + 8, true),
  };
  const d = at + EVENT_HEAD;
  const room = size - EVENT_HEAD;
  const need = (n: number) => {
    if (room < n) throw new DecodeError(`proc event ${what}: ${room} bytes, expected ${n}`);
  };
  const i32 = (k: number) => dv.getInt32(d + 4 * k, true);
  // Fields added in later kernels (parents of coredump and exit) read as 0 when absent.
  const opt = (k: number) => (room >= 4 * k + 4 ? dv.getInt32(d + 4 * k, true) : 0);
  switch (what) {
    case PROC_EVENT.none:
      return { type: "ack", err: i32(0), ack };
    case PROC_EVENT.fork:
      need(16);
      return {
        type: "fork",
        ...base,
        parent_pid: i32(0),
        parent_tgid: i32(1),
        child_pid: i32(2),
        child_tgid: i32(3),
      };
    case PROC_EVENT.exec:
      need(8);
      return { type: "exec", ...base, process_pid: i32(0), process_tgid: i32(1) };
    case PROC_EVENT.uid:
    case PROC_EVENT.gid:
      need(16);
      return {
        type: what === PROC_EVENT.uid ? "uid" : "gid",
        ...base,
        process_pid: i32(0),
        process_tgid: i32(1),
        ruid: dv.getUint32(d + 8, true),
        euid: dv.getUint32(d + 12, true),
      };
    case PROC_EVENT.sid:
      need(8);
      return { type: "sid", ...base, process_pid: i32(0), process_tgid: i32(1) };
    case PROC_EVENT.ptrace:
      need(16);
      return {
        type: "ptrace",
        ...base,
        process_pid: i32(0),
        process_tgid: i32(1),
        tracer_pid: i32(2),
        tracer_tgid: i32(3),
      };
    case PROC_EVENT.comm:
      need(24);
      return {
        type: "comm",
        ...base,
        process_pid: i32(0),
        process_tgid: i32(1),
        comm: decodeString(u8, d + 8, 16),
      };
    case PROC_EVENT.coredump:
      need(8);
      return {
        type: "coredump",
        ...base,
        process_pid: i32(0),
        process_tgid: i32(1),
        parent_pid: opt(2),
        parent_tgid: opt(3),
      };
    case PROC_EVENT.exit: {
      need(16);
      const status = dv.getUint32(d + 8, true);
      const sig = status & 0x7f;
      const e: ExitEvent = {
        type: "exit",
        ...base,
        process_pid: i32(0),
        process_tgid: i32(1),
        exit_code: status,
        exit_signal: i32(3),
        parent_pid: opt(4),
        parent_tgid: opt(5),
        coreDumped: (status & 0x80) !== 0,
      };
      if (sig === 0) e.exitCode = (status >> 8) & 0xff;
      else e.signal = sig;
      return e;
    }
    default:
      return { type: "unknown", ...base, what, data: u8.slice(d, d + room) };
  }
}

/** Options of {@link ProcEvents}. */
export interface ProcEventsOptions {
  /** Receive buffer in bytes (default 4 MiB; a busy host forks fast). */
  rcvbuf?: number;
  /** Ends the stream (unsubscribing). */
  signal?: AbortSignal;
}

/** Thrown when the proc connector cannot be reached from this network namespace. */
export class ProcConnectorUnavailableError extends Error {
  /** The error name. */
  override name = "ProcConnectorUnavailableError";
}

/**
 * Process events from the proc connector (pyroute2's `ProcEventSocket`, vishvananda/netlink's
 * `ProcEvent`): subscribed when constructed (`PROC_CN_MCAST_LISTEN`), unsubscribed when closed
 * (`PROC_CN_MCAST_IGNORE`). Needs CAP_NET_ADMIN, and a process in the initial network
 * namespace: the kernel serves the connector there only, so elsewhere the constructor throws
 * {@link ProcConnectorUnavailableError}. Subscribing changes nothing but the kernel's count of
 * listeners.
 *
 * ```ts
 * import { ProcEvents } from "@denonet/netlink/events";
 * import * as netns from "@denonet/netlink/netns";
 *
 * if (netns.isInitial()) { // elsewhere the constructor throws ProcConnectorUnavailableError
 *   using events = new ProcEvents({ signal: AbortSignal.timeout(1000) });
 *   for await (const e of events) {
 *     if (e.type === "exit") console.log(e.process_pid, e.exitCode ?? `signal ${e.signal}`);
 *   }
 * }
 * ```
 */
export class ProcEvents extends EventStream<ProcEvent> {
  readonly #ack: number;
  #ackErr?: number;

  /** Subscribes (the object returned is already receiving events). */
  constructor(options: ProcEventsOptions = {}) {
    const o = checkOptions(options, OPTION_KEYS);
    if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
      throw new TypeError("signal: expected an AbortSignal");
    }
    const socket = new NetlinkSocket(NETLINK.CONNECTOR, {
      groups: [CN_IDX_PROC],
      rcvbuf: o.rcvbuf ?? 4 << 20,
    });
    super(socket, o.signal);
    // The kernel acks with `ack + 1`: a random base tells our ack from other listeners'.
    this.#ack = ((Math.random() * 0x3fffffff) | 0) + 1;
    try {
      this.#control(PROC_CN_MCAST.listen);
    } catch (e) {
      socket.close();
      if (e instanceof SyscallError && e.code === "ECONNREFUSED") {
        throw new ProcConnectorUnavailableError(
          "the proc connector works only in the initial network namespace: this process runs " +
            "in another one (the kernel serves NETLINK_CONNECTOR in the initial namespace only)",
          { cause: e },
        );
      }
      throw e;
    }
    // The kernel answers within the send: its ack (and any event since) is queued already.
    this.#drainQueued();
    if (this.#ackErr) {
      const err = this.#ackErr;
      socket.close();
      throw new NetlinkError(err, { msg: "PROC_CN_MCAST_LISTEN refused" }, "proc connector listen");
    }
  }

  /** Sends a `PROC_CN_MCAST_*` request to the proc connector. */
  #control(op: number): void {
    const len = NLMSG_HDRLEN + CN_MSG_LEN + 4;
    const b = new Uint8Array(len);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, len, true);
    dv.setUint16(4, NLMSG_DONE, true);
    dv.setUint32(12, this.socket.portId, true);
    dv.setUint32(16, CN_IDX_PROC, true);
    dv.setUint32(20, CN_VAL_PROC, true);
    dv.setUint32(28, this.#ack, true);
    dv.setUint16(32, 4, true);
    dv.setUint32(36, op, true);
    if (!this.socket.send(b)) throw new Error("proc connector: the send buffer is full");
  }

  #drainQueued(): void {
    for (let i = 0; i < 64; i++) {
      let buf: ArrayBuffer | null;
      try {
        buf = this.socket.receive();
      } catch (e) {
        if ((e as { code?: string }).code === "ENOBUFS") continue;
        throw e;
      }
      if (!buf) return;
      this.pending.push(...this.decode(buf));
    }
  }

  /** Decodes a datagram; our own subscription's ack is noted, other acks are skipped. */
  protected decode(datagram: ArrayBuffer): ProcEvent[] {
    const out: ProcEvent[] = [];
    for (const e of decodeProcEvents(datagram)) {
      if (e.type !== "ack") out.push(e);
      else if (e.ack === this.#ack + 1 && e.err !== 0) this.#ackErr = e.err;
    }
    return out;
  }

  /** Unsubscribes (best effort: a closed socket unsubscribes too). */
  protected override unsubscribe(): void {
    try {
      this.#control(PROC_CN_MCAST.ignore);
    } catch {
      // The socket is going away; the kernel forgets a closed socket's subscription.
    }
  }
}

/** What iterating {@link ProcEvents} yields. */
export type ProcEventItem = ProcEvent | Overrun;
