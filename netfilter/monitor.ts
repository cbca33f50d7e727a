/**
 * Netfilter event subscriptions: a NETLINK_NETFILTER socket joined to nfnetlink groups when the
 * call that makes it returns, read as an async iterable of decoded events and
 * `{ type: "overrun" }` items (the kernel dropped events: resynchronise from a dump).
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../ffi/socket.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { NetlinkEngine } from "../netlink/engine.ts";
import { NLMSG_HDRLEN } from "../netlink/constants.ts";

/** What a monitor yields besides its events: the kernel dropped events. */
export interface Overrun {
  /** Tells overruns from events. */
  type: "overrun";
}

/** Options of a netfilter monitor. */
export interface NfnlMonitorOptions {
  /** Watch this network namespace (default: the connection's, else the process's). */
  netns?: NetnsTarget;
  /** Receive buffer of the monitor's socket (default 4 MiB). */
  rcvbuf?: number;
  /** Ends the iteration and closes the socket. */
  signal?: AbortSignal;
}

/** The keys {@link NfnlMonitorOptions} accepts. */
export const MONITOR_OPTION_KEYS: readonly string[] = ["netns", "rcvbuf", "signal"];

/** Turns one event message into an event (undefined: not one of ours). */
export type EventDecoder<E> = (
  dv: DataView,
  u8: Uint8Array,
  offset: number,
  length: number,
  type: number,
) => E | undefined;

/**
 * A subscription: its socket is bound and joined to its groups when the constructor returns, so
 * nothing the kernel announces afterwards is missed. Iterate it once; `close()` (or the
 * signal) ends the iteration.
 */
export class NfnlMonitor<E> implements AsyncIterable<E | Overrun>, Disposable {
  /** The monitor's own socket. */
  readonly socket: NetlinkSocket;
  readonly #engine: NetlinkEngine;
  readonly #decode: EventDecoder<E>;
  readonly #signal?: AbortSignal;
  readonly #onAbort = () => this.close();
  #iterating = false;

  /** Opens a socket joined to `groups` (nfnetlink group numbers). */
  constructor(groups: readonly number[], decode: EventDecoder<E>, options: NfnlMonitorOptions) {
    this.socket = new NetlinkSocket(NETLINK.NETFILTER, {
      netns: options.netns,
      groups,
      rcvbuf: options.rcvbuf ?? 4 << 20,
    });
    this.#engine = new NetlinkEngine(this.socket);
    this.#decode = decode;
    this.#signal = options.signal;
    if (this.#signal?.aborted) this.close();
    else this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Yields events until the monitor is closed (or its signal aborts). */
  async *[Symbol.asyncIterator](): AsyncGenerator<E | Overrun> {
    if (this.#iterating) throw new Error("this monitor is already being iterated");
    this.#iterating = true;
    try {
      for await (const item of this.#engine.datagrams()) {
        if (item === "overrun") {
          yield { type: "overrun" };
          continue;
        }
        for (const e of this.#decodeAll(item)) yield e;
      }
    } finally {
      this.close();
    }
  }

  #decodeAll(buf: ArrayBuffer): E[] {
    const dv = new DataView(buf);
    const u8 = new Uint8Array(buf);
    const out: E[] = [];
    for (let off = 0; off + NLMSG_HDRLEN <= buf.byteLength;) {
      const len = dv.getUint32(off, true);
      if (len < NLMSG_HDRLEN || off + len > buf.byteLength) break;
      const e = this.#decode(dv, u8, off, len, dv.getUint16(off + 4, true));
      if (e !== undefined) out.push(e);
      off += (len + 3) & ~3;
    }
    return out;
  }

  /** Whether the monitor is closed. */
  get closed(): boolean {
    return this.socket.closed;
  }

  /** Stops the subscription and closes its socket; an iteration ends. Closing twice is harmless. */
  close(): void {
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.socket.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
