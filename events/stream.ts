/**
 * An event stream over one netlink socket that is bound and subscribed when the object is
 * made, so nothing that happens between the call and the first `next()` is lost. It is an
 * AsyncIterable of decoded events, yields `{ type: "overrun" }` when the kernel dropped events
 * because the receive buffer was full, and ends on `close()` (or the `signal` aborting).
 *
 * @module
 */

import type { NetlinkSocket } from "../ffi/socket.ts";
import { NetlinkEngine } from "../netlink/engine.ts";

/** The kernel dropped events: the receive buffer was full (resynchronise from a dump). */
export interface Overrun {
  /** Tells overruns from events. */
  type: "overrun";
}

/** A subscription: iterate it for events; close it (or abort its signal) to end it. */
export abstract class EventStream<T> implements AsyncIterable<T | Overrun>, Disposable {
  /** The subscribed socket. */
  readonly socket: NetlinkSocket;
  #closed = false;
  #iterating = false;
  readonly #stop = new AbortController();
  readonly #signal?: AbortSignal;
  readonly #onAbort = () => this.close();
  /** Events decoded while subscribing (before anyone iterated), handed out first. */
  protected readonly pending: T[] = [];

  /**
   * A stream over `socket` (bound and subscribed), ended by `signal` too. A signal aborted
   * already ends the stream at its first `next()` (the subclass has subscribed by then).
   */
  constructor(socket: NetlinkSocket, signal?: AbortSignal) {
    this.socket = socket;
    this.#signal = signal;
    if (!signal?.aborted) signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Turns one received datagram into events (an error here ends the iteration). */
  protected abstract decode(datagram: ArrayBuffer): T[];

  /** Called once when the stream closes, before its socket closes (to unsubscribe). */
  protected unsubscribe(): void {}

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Events as they come, until the stream closes. One iteration at a time. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T | Overrun> {
    if (this.#iterating) throw new Error("this event stream is already being iterated");
    this.#iterating = true;
    if (this.#signal?.aborted) this.close();
    try {
      // A generator runs to its first yield inside next(): without this turn, a close() right
      // after next() would still get an event queued while subscribing.
      await Promise.resolve();
      while (this.pending.length > 0) yield this.pending.shift()!;
      if (this.#closed) return;
      const engine = new NetlinkEngine(this.socket);
      for await (const item of engine.datagrams(this.#stop.signal)) {
        if (item === "overrun") {
          yield { type: "overrun" };
          continue;
        }
        for (const e of this.decode(item)) yield e;
      }
    } finally {
      this.#iterating = false;
    }
  }

  /** Unsubscribes and closes the socket; an iteration in progress ends. Twice is harmless. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.pending.length = 0;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    try {
      if (!this.socket.closed) this.unsubscribe();
    } finally {
      this.#stop.abort();
      this.socket.close();
    }
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
