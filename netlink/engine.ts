/**
 * The request engine: sequence numbers, acknowledgements, replies, multipart dumps, errors with
 * extended acks, and unsolicited events, over any {@link Transport} (a netlink socket, or a fake
 * one in tests).
 *
 * Any number of requests may be in flight on one socket; replies are matched by sequence number
 * and port. Whoever waits pumps the socket: a receive is a synchronous call, and only an empty
 * queue makes the caller wait for readability.
 *
 * @module
 */

import {
  NLA_HDRLEN,
  NLM_F,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR,
} from "./constants.ts";
import { DecodeError, DumpInterruptedError, NetlinkError, OverrunError } from "./errors.ts";
import type { ExtAck } from "./errors.ts";
import type { AttrDef, AttrSchema, Codec, MessageSchema } from "./schema.ts";
import { structSize } from "./schema.ts";
import { decodeString } from "./view.ts";

/** What the engine needs of a socket. {@link NetlinkSocket} is one. */
export interface Transport {
  /** The local port id (replies carry it in nlmsg_pid). */
  readonly portId: number;
  /** Multicast groups of the last received datagram (0 = unicast). */
  readonly lastGroups: number;
  /** Whether the transport is closed. */
  readonly closed: boolean;
  /** Sends one datagram; false when it would block. */
  send(bytes: Uint8Array): boolean;
  /** One datagram from the kernel, or null when none is queued. */
  receive(): ArrayBuffer | null;
  /** Resolves when a datagram may be queued. */
  readable(signal?: AbortSignal): Promise<void>;
  /** Closes the transport. */
  close(): void;
}

/** Turns one received message into a value; return undefined to skip it. */
export type Decoder<T> = (
  dv: DataView,
  u8: Uint8Array,
  offset: number,
  length: number,
  type: number,
) => T | undefined;

/** Options of one request. */
export interface RequestOptions<T> {
  /** Decodes reply messages (for gets and dumps). */
  decoder?: Decoder<T>;
  /** The request's message schema: lets errors name the offending attribute. */
  schema?: MessageSchema;
  /** A description for errors, e.g. "RTM_NEWROUTE". */
  describe?: string;
  /** Aborts waiting (the request may still take effect in the kernel). */
  signal?: AbortSignal;
  /**
   * The largest error number the request's protocol answers with (default 4095, the errno
   * range); ipset's own codes (`IPSET_ERR_*`) go past 4096. A larger one is a DecodeError.
   */
  maxErrno?: number;
}

/** One message of {@link NetlinkEngine.requestDatagram}. */
export interface DatagramPart extends RequestOptions<unknown> {
  /** The encoded message (its nlmsg_seq and nlmsg_pid are overwritten). */
  bytes: Uint8Array;
  /** Ask for an acknowledgement (default true). */
  ack?: boolean;
}

/** Options of a dump. */
export interface DumpOptions<T> extends RequestOptions<T> {
  /** How many times to rerun a dump interrupted by a concurrent change (array form only); default 0. */
  retryInterrupted?: number;
  /**
   * Iterator form: an error for which this returns true ends the dump quietly instead of
   * throwing (e.g. ENOENT for a route table that does not exist: it has no routes).
   */
  endOnError?: (error: Error) => boolean;
}

interface Pending {
  seq: number;
  kind: "ack" | "dump";
  request: Uint8Array;
  decoder?: Decoder<unknown>;
  schema?: MessageSchema;
  describe?: string;
  maxErrno?: number;
  results: unknown[];
  done: boolean;
  error?: Error;
  interrupted: boolean;
  discard: boolean;
  /** Whether the request reached the kernel. */
  sent: boolean;
  settle?: () => void;
}

/** Counters of what the engine dropped. */
export interface EngineStats {
  /** Messages for no pending request (foreign sequence number or port). */
  foreign: number;
  /** Malformed datagrams. */
  malformed: number;
  /** Unsolicited messages with nobody listening. */
  unhandled: number;
}

/** The request engine over one transport. */
export class NetlinkEngine {
  /** The transport. */
  readonly transport: Transport;
  /** What was dropped. */
  readonly stats: EngineStats = { foreign: 0, malformed: 0, unhandled: 0 };
  /** Receives unsolicited (multicast) messages: the datagram and each message's offset, length, type. */
  onEvent?: (dv: DataView, u8: Uint8Array, offset: number, length: number, type: number) => void;
  /**
   * Receives unicast messages the kernel sent on its own (nlmsg_pid 0, answering no request),
   * such as taskstats exit records sent to a registered listener. Without it they are counted
   * as foreign.
   */
  onUnicast?: (dv: DataView, u8: Uint8Array, offset: number, length: number, type: number) => void;
  #seq = (Math.random() * 0x7fffffff) >>> 0;
  readonly #pending = new Map<number, Pending>();
  // The kernel runs one dump per socket at a time and refuses another with EBUSY: the dump it is
  // running, and the dumps waiting for it to end (each is sent when the one before ends).
  #dumping?: Pending;
  readonly #dumpQueue: Pending[] = [];

  /** An engine over `transport`. */
  constructor(transport: Transport) {
    this.transport = transport;
  }

  /** Number of requests awaiting their answer. */
  get inFlight(): number {
    return this.#pending.size;
  }

  #nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    if (this.#seq === 0) this.#seq = 1;
    return this.#seq;
  }

  /**
   * Sends a request (its nlmsg_seq and nlmsg_pid are overwritten) and registers it.
   * Returns the pending record; the caller pumps until it is done.
   */
  #start(
    bytes: Uint8Array,
    kind: "ack" | "dump",
    opts: RequestOptions<unknown>,
    ack = true,
  ): Pending {
    if (this.transport.closed) throw new Error("the netlink socket is closed");
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const seq = this.#nextSeq();
    dv.setUint32(8, seq, true);
    dv.setUint32(12, 0, true);
    let flags = dv.getUint16(6, true) | NLM_F.REQUEST;
    if (kind === "ack" && ack) flags |= NLM_F.ACK;
    dv.setUint16(6, flags, true);
    const p: Pending = {
      seq,
      kind,
      request: bytes,
      decoder: opts.decoder,
      schema: opts.schema,
      describe: opts.describe,
      maxErrno: opts.maxErrno,
      results: [],
      done: false,
      interrupted: false,
      discard: false,
      sent: false,
    };
    this.#pending.set(seq, p);
    return p;
  }

  #send(p: Pending, bytes: Uint8Array): Promise<void> | void {
    try {
      if (this.transport.send(bytes)) {
        p.sent = true;
        return;
      }
    } catch (e) {
      this.#unregister(p);
      throw e;
    }
    // The send buffer is full: drain replies, then retry.
    return (async () => {
      try {
        while (!p.done && !this.transport.send(bytes)) await this.#step(p, undefined);
        p.sent = !p.done;
      } catch (e) {
        this.#unregister(p);
        throw e;
      }
    })();
  }

  /** Forgets a request that could not be sent. */
  #unregister(p: Pending): void {
    this.#pending.delete(p.seq);
    if (this.#dumping === p) this.#nextDump();
  }

  /**
   * Sends a dump request now, or queues it while another dump runs on this socket (the kernel
   * would refuse it with EBUSY); the dump in front sends it when it ends.
   */
  #sendDump(p: Pending): Promise<void> | void {
    if (this.#dumping !== undefined) {
      this.#dumpQueue.push(p);
      return;
    }
    this.#dumping = p;
    return this.#send(p, p.request);
  }

  /** The running dump ended: sends the next queued one. */
  #nextDump(): void {
    this.#dumping = undefined;
    for (let q = this.#dumpQueue.shift(); q; q = this.#dumpQueue.shift()) {
      if (q.done) continue;
      this.#dumping = q;
      let error: Error;
      try {
        if (this.transport.send(q.request)) {
          q.sent = true;
          return;
        }
        error = new Error("the netlink send buffer is full: a queued dump could not be sent");
      } catch (e) {
        error = e instanceof Error ? e : new Error(String(e));
      }
      this.#dumping = undefined;
      this.#finish(q, error);
    }
  }

  /**
   * Sends a request that expects an acknowledgement, and resolves with the reply messages it
   * produced (none for most changes; the object for a get).
   */
  async request<T>(bytes: Uint8Array, opts: RequestOptions<T> = {}): Promise<T[]> {
    const p = this.#start(bytes, "ack", opts as RequestOptions<unknown>);
    await this.#send(p, bytes);
    while (!p.done) await this.#step(p, opts.signal);
    if (p.error) throw p.error;
    return p.results as T[];
  }

  /**
   * Sends many requests back to back, packed several to a datagram, and resolves when all are
   * answered: each result is the reply list or the error of its request. At most `window`
   * requests are in flight at once.
   *
   * With `ackEach: false` only the last request of each datagram asks for an acknowledgement:
   * the kernel handles a datagram's requests in order and answers a failed one with its error
   * whatever the flags, so that one ack settles the datagram's other requests (those without
   * an error succeeded). For changes only (requests whose replies are not wanted); it spares
   * the kernel and the receiver one ack message per request.
   */
  async pipeline(
    requests: readonly Uint8Array[],
    opts: RequestOptions<unknown> & { window?: number; ackEach?: boolean } = {},
  ): Promise<(unknown[] | Error)[]> {
    const ackEach = opts.ackEach ?? true;
    const window = Math.max(1, opts.window ?? 256);
    const out: (unknown[] | Error)[] = new Array(requests.length);
    let inFlight = 0;
    let next = 0;
    let last: Pending | undefined;
    while (next < requests.length || inFlight > 0) {
      if (next < requests.length && inFlight < window) {
        const batch: Pending[] = [];
        let total = 0;
        while (
          next < requests.length && inFlight + batch.length < window &&
          (batch.length === 0 || total + requests[next].byteLength <= 65536)
        ) {
          const i = next++;
          const p = this.#start(requests[i], "ack", opts, ackEach);
          p.settle = () => {
            out[i] = p.error ?? p.results;
            inFlight--;
          };
          batch.push(p);
          total += requests[i].byteLength;
        }
        inFlight += batch.length;
        if (!ackEach) {
          // The datagram's last request is acknowledged; its answer settles the others.
          const tail = batch[batch.length - 1];
          const dv = new DataView(tail.request.buffer, tail.request.byteOffset, 16);
          dv.setUint16(6, dv.getUint16(6, true) | NLM_F.ACK, true);
          const own = tail.settle!;
          tail.settle = () => {
            own();
            for (const q of batch) if (!q.done) this.#finish(q);
          };
        }
        const buf = batch.length === 1
          ? batch[0].request
          : concat(batch.map((p) => p.request), total);
        try {
          await this.#send(batch[0], buf);
        } catch (e) {
          for (const p of batch) this.#finish(p, e instanceof Error ? e : new Error(String(e)));
        }
        last = batch[batch.length - 1];
        continue;
      }
      await this.#step(last!, opts.signal);
    }
    return out;
  }

  /**
   * Sends `parts` together in one datagram and resolves with one answer per part: its replies,
   * its error, or (for a part sent without `NLM_F_ACK`, `ack: false`) an empty list when the
   * kernel did not refuse it. For nfnetlink batches (`NFNL_MSG_BATCH_BEGIN` … `END`), which the
   * kernel applies only when they arrive in one datagram. The kernel handles a datagram while
   * the send call runs, so every answer is queued when it returns: once the queue is read out,
   * a part still unanswered gets an error (`ack` parts) or `[]`.
   */
  async requestDatagram(parts: readonly DatagramPart[]): Promise<(unknown[] | Error)[]> {
    const ps = parts.map((m) => this.#start(m.bytes, "ack", m, m.ack ?? true));
    const total = parts.reduce((n, m) => n + m.bytes.byteLength, 0);
    try {
      await this.#send(ps[0], concat(parts.map((m) => m.bytes), total));
    } catch (e) {
      for (const p of ps) this.#unregister(p);
      throw e;
    }
    for (const p of ps) p.sent = true;
    // Read out what is queued: the answers the kernel produced during the send.
    for (let i = 0; i < 1_000_000 && ps.some((p) => !p.done); i++) {
      let buf: ArrayBuffer | null;
      try {
        buf = this.transport.receive();
      } catch (e) {
        if ((e as { code?: string }).code !== "ENOBUFS") throw e;
        this.overrun();
        break;
      }
      if (!buf) break;
      this.dispatch(buf);
    }
    return ps.map((p, i) => {
      if (!p.done) {
        this.#finish(
          p,
          (parts[i].ack ?? true)
            ? new Error(`${parts[i].describe ?? "request"}: the kernel did not answer`)
            : undefined,
        );
      }
      return p.error ?? p.results;
    });
  }

  /**
   * Sends a dump request and yields each decoded message as it arrives. A dump interrupted by a
   * concurrent change throws {@link DumpInterruptedError} at its end (the messages already
   * yielded may be inconsistent).
   */
  dump<T>(bytes: Uint8Array, opts: DumpOptions<T> = {}): AsyncGenerator<T> {
    // A hand-written async iterator with an async generator's protocol: the request is sent on
    // the first next(); messages already received are handed out without the generator's extra
    // awaits per item (a dump of a million routes yields a million times); return() (a `break`)
    // drains the rest of the dump; calls are queued while one is waiting for the kernel.
    let p: Pending | undefined;
    let batch: unknown[] = [];
    let i = 0;
    let finished = false;
    const done = (value?: unknown) => ({ value, done: true }) as IteratorResult<T>;
    const close = () => {
      if (!finished) {
        finished = true;
        if (p && !p.done) this.#abandon(p);
      }
      batch = [];
      i = 0;
    };
    const fill = async (): Promise<IteratorResult<T>> => {
      try {
        if (!p) {
          p = this.#startDump(bytes, opts as RequestOptions<unknown>);
          await this.#sendDump(p);
        }
        for (;;) {
          if (p.results.length > 0) {
            batch = p.results;
            p.results = [];
            i = 1;
            return { value: batch[0] as T, done: false };
          }
          if (p.done) break;
          await this.#step(p, opts.signal);
        }
        finished = true;
        batch = [];
        if (p.error) {
          if (opts.endOnError?.(p.error)) return done();
          throw p.error;
        }
        if (p.interrupted) throw new DumpInterruptedError(p.describe);
        return done();
      } catch (e) {
        close();
        throw e;
      }
    };
    // While a call waits for the kernel, later calls queue and run in order (as an async
    // generator queues its requests); otherwise a call runs at once.
    let running = false;
    type Call = {
      op: 0 | 1 | 2;
      arg: unknown;
      ok: (r: IteratorResult<T>) => void;
      no: (e: unknown) => void;
    };
    const waiting: Call[] = [];
    const release = () => {
      running = false;
      while (waiting.length > 0 && !running) {
        const c = waiting.shift()!;
        run(c.op, c.arg).then(c.ok, c.no);
      }
    };
    const run = (op: 0 | 1 | 2, arg: unknown): Promise<IteratorResult<T>> => {
      if (op === 0) {
        if (i < batch.length) return Promise.resolve({ value: batch[i++] as T, done: false });
        if (finished) return Promise.resolve(done());
        running = true;
        const r = fill();
        r.then(release, release);
        return r;
      }
      close();
      return op === 1 ? Promise.resolve(done(arg)) : Promise.reject(arg);
    };
    const call = (op: 0 | 1 | 2, arg?: unknown): Promise<IteratorResult<T>> =>
      running || waiting.length > 0
        ? new Promise((ok, no) => waiting.push({ op, arg, ok, no }))
        : run(op, arg);
    const it: AsyncGenerator<T> = {
      next: () => call(0),
      return: (value?: unknown) => call(1, value),
      throw: (e?: unknown) => call(2, e),
      [Symbol.asyncIterator]() {
        return it;
      },
      [Symbol.asyncDispose](): Promise<void> {
        return call(1).then(() => {});
      },
    };
    return it;
  }

  /** Sends a dump request and resolves with every decoded message. */
  async dumpAll<T>(bytes: Uint8Array, opts: DumpOptions<T> = {}): Promise<T[]> {
    for (let attempt = 0;; attempt++) {
      const copy = attempt === 0 ? bytes : bytes.slice();
      const p = this.#startDump(copy, opts as RequestOptions<unknown>);
      try {
        await this.#sendDump(p);
        while (!p.done) await this.#step(p, opts.signal);
      } finally {
        if (!p.done) this.#abandon(p);
      }
      if (p.error) throw p.error;
      if (!p.interrupted) return p.results as T[];
      if (attempt >= (opts.retryInterrupted ?? 0)) throw new DumpInterruptedError(p.describe);
    }
  }

  #startDump(bytes: Uint8Array, opts: RequestOptions<unknown>): Pending {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    dv.setUint16(6, dv.getUint16(6, true) | NLM_F.DUMP, true);
    return this.#start(bytes, "dump", opts);
  }

  /** An abandoned dump: what is queued is drained now, the rest when it arrives. */
  #abandon(p: Pending): void {
    p.discard = true;
    p.results = [];
    try {
      for (let i = 0; i < 100000 && !p.done && p.sent; i++) {
        const buf = this.transport.receive();
        if (!buf) break;
        this.dispatch(buf);
      }
    } catch {
      // The socket failed; the request is given up below.
    }
    this.#cancel(p);
  }

  /**
   * Stops waiting for `p`. A dump the kernel is still running stays registered, discarding what
   * it sends, until its end arrives: the next dump is sent only then (else EBUSY).
   */
  #cancel(p: Pending, error?: Error): void {
    if (p.done) return;
    if (this.#dumping === p && p.sent && !this.transport.closed) {
      this.#dumping = this.#rest(p);
      p.done = true;
      if (error) p.error ??= error;
      p.settle?.();
      return;
    }
    const queued = this.#dumpQueue.indexOf(p);
    if (queued >= 0) this.#dumpQueue.splice(queued, 1);
    this.#finish(p, error);
  }

  /** Registers what remains of a running dump nobody waits for: it only discards. */
  #rest(p: Pending): Pending {
    const rest: Pending = {
      ...p,
      done: false,
      error: undefined,
      results: [],
      decoder: undefined,
      discard: true,
      settle: undefined,
    };
    this.#pending.set(p.seq, rest);
    return rest;
  }

  /** Receives one datagram (waiting if none is queued) and dispatches it. */
  async #step(p: Pending, signal: AbortSignal | undefined): Promise<void> {
    if (this.transport.closed) {
      this.#failAll(new Error("the netlink socket was closed while a request was pending"));
      return;
    }
    if (signal?.aborted) {
      // Checked before receiving too: a dump whose datagrams keep coming never waits.
      this.#cancel(p, abortReason(signal));
      return;
    }
    let buf: ArrayBuffer | null;
    try {
      buf = this.transport.receive();
    } catch (e) {
      if ((e as { code?: string }).code === "ENOBUFS") {
        // Replies may have been lost: nobody can tell which, so every pending request fails.
        this.#failAll(new OverrunError());
        this.#drain();
        return;
      }
      throw e;
    }
    if (buf) {
      this.dispatch(buf);
      return;
    }
    try {
      await this.transport.readable(signal);
    } catch (e) {
      if (signal?.aborted) {
        this.#cancel(p, abortReason(signal));
        return;
      }
      this.#failAll(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /**
   * Reads out what is queued after an overrun. Until its queue is empty the kernel marks the
   * socket congested and drops what it sends it without a further ENOBUFS: a request sent now
   * would lose its answer silently and wait forever. What is queued answers requests that were
   * just failed (foreign now), or is the rest of a running dump.
   */
  #drain(): void {
    for (let i = 0; i < 1_000_000; i++) {
      let buf: ArrayBuffer | null;
      try {
        buf = this.transport.receive();
      } catch (e) {
        if ((e as { code?: string }).code === "ENOBUFS") continue;
        return;
      }
      if (!buf) return;
      this.dispatch(buf);
    }
  }

  #failAll(error: Error, keepRunningDump = true): void {
    const all = [...this.#pending.values()];
    const running = this.#dumping;
    this.#pending.clear();
    this.#dumpQueue.length = 0;
    this.#dumping = undefined;
    for (const p of all) {
      p.done = true;
      p.error ??= error;
      p.settle?.();
    }
    // The kernel still runs a dump it started (its end is never lost: it sends only when there
    // is room): wait for that end before the next dump.
    if (keepRunningDump && running?.sent && !this.transport.closed) {
      this.#dumping = this.#rest(running);
    }
  }

  /**
   * Handles an overrun its caller saw on this socket (ENOBUFS from a receive it made itself):
   * pending requests fail with {@link OverrunError}, what is queued is read out, and a dump the
   * kernel still runs keeps the socket until its end.
   */
  overrun(): void {
    this.#failAll(new OverrunError());
    this.#drain();
  }

  /** Rejects every pending request with `error` and forgets them (used by close). */
  failAll(error: Error): void {
    this.#failAll(error, false);
  }

  /** Dispatches every message of one datagram to its request or to {@link onEvent}. */
  dispatch(buf: ArrayBuffer): void {
    const dv = new DataView(buf);
    const u8 = new Uint8Array(buf);
    const groups = this.transport.lastGroups;
    const portId = this.transport.portId;
    const size = buf.byteLength;
    // A dump datagram holds hundreds of messages of one request: look it up once.
    let lastSeq = -1;
    let last: Pending | undefined;
    for (let off = 0; off + NLMSG_HDRLEN <= size;) {
      const len = dv.getUint32(off, true);
      if (len < NLMSG_HDRLEN || off + len > size) {
        this.stats.malformed++;
        const p = this.#pending.get(dv.getUint32(off + 8, true));
        if (p && dv.getUint32(off + 12, true) === this.transport.portId) {
          this.#finish(p, new DecodeError(`message of ${len} bytes in a datagram of ${size}`));
        }
        return;
      }
      const type = dv.getUint16(off + 4, true);
      const seq = dv.getUint32(off + 8, true);
      const pid = dv.getUint32(off + 12, true);
      let p: Pending | undefined;
      if (groups === 0 && pid === portId) {
        if (seq !== lastSeq || last === undefined || last.done) {
          last = this.#pending.get(seq);
          lastSeq = seq;
        }
        p = last;
      }
      if (p) this.#deliver(p, dv, u8, off, len, type);
      else if (groups !== 0 && this.onEvent) this.onEvent(dv, u8, off, len, type);
      else if (groups !== 0) this.stats.unhandled++;
      else if (pid === 0 && this.onUnicast) this.onUnicast(dv, u8, off, len, type);
      else this.stats.foreign++;
      off += (len + 3) & ~3;
    }
  }

  #deliver(p: Pending, dv: DataView, u8: Uint8Array, off: number, len: number, type: number): void {
    const flags = dv.getUint16(off + 6, true);
    if (flags & NLM_F.DUMP_INTR) p.interrupted = true;
    if (type === NLMSG_ERROR || type === NLMSG_DONE) {
      let err = 0;
      if (len >= NLMSG_HDRLEN + 4) err = dv.getInt32(off + NLMSG_HDRLEN, true);
      else if (type === NLMSG_ERROR) {
        return this.#finish(p, new DecodeError("truncated NLMSG_ERROR"));
      }
      if (err === 0) return this.#finish(p);
      if (err > 0 || err < -(p.maxErrno ?? 4095)) {
        // The kernel sends -errno (1..4095, or a protocol's own codes up to maxErrno); anything
        // else is not an error it could mean.
        return this.#finish(
          p,
          new DecodeError(
            `${type === NLMSG_ERROR ? "NLMSG_ERROR" : "NLMSG_DONE"} with error ${err}`,
          ),
        );
      }
      const extack = type === NLMSG_ERROR
        ? parseExtAck(dv, u8, off, len, flags)
        : parseDoneExtAck(dv, u8, off, len, flags);
      if (extack.offset !== undefined && p.schema) {
        extack.attribute = attributeAt(p.schema, p.request, extack.offset) ?? extack.attribute;
      }
      return this.#finish(p, new NetlinkError(-err, extack, p.describe));
    }
    if (p.discard || !p.decoder) return;
    try {
      const v = p.decoder(dv, u8, off, len, type);
      if (v !== undefined) p.results.push(v);
    } catch (e) {
      p.error ??= e instanceof Error ? e : new Error(String(e));
    }
  }

  #finish(p: Pending, error?: Error): void {
    if (p.done) return;
    p.done = true;
    if (error) p.error ??= error;
    this.#pending.delete(p.seq);
    if (this.#dumping === p) this.#nextDump();
    p.settle?.();
  }

  /**
   * Reads unsolicited messages: yields each datagram (or "overrun" when the kernel dropped some)
   * until `signal` aborts or the transport closes.
   */
  async *datagrams(signal?: AbortSignal): AsyncGenerator<ArrayBuffer | "overrun"> {
    while (!this.transport.closed && !signal?.aborted) {
      let buf: ArrayBuffer | null;
      try {
        buf = this.transport.receive();
      } catch (e) {
        if ((e as { code?: string }).code === "ENOBUFS") {
          yield "overrun";
          continue;
        }
        if (this.transport.closed) return;
        throw e;
      }
      if (buf) {
        yield buf;
        continue;
      }
      try {
        await this.transport.readable(signal);
      } catch (e) {
        if (signal?.aborted || this.transport.closed) return;
        throw e;
      }
    }
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

function parseTlvs(dv: DataView, u8: Uint8Array, start: number, end: number): ExtAck {
  const out: ExtAck = {};
  for (let p = start; p + NLA_HDRLEN <= end;) {
    const alen = dv.getUint16(p, true);
    if (alen < NLA_HDRLEN || p + alen > end) break;
    const t = dv.getUint16(p + 2, true) & 0x3fff;
    const plen = alen - NLA_HDRLEN;
    if (t === NLMSGERR_ATTR.MSG) out.msg = decodeString(u8, p + NLA_HDRLEN, plen);
    else if (t === NLMSGERR_ATTR.OFFS && plen >= 4) out.offset = dv.getUint32(p + NLA_HDRLEN, true);
    else if (t === NLMSGERR_ATTR.MISS_TYPE && plen >= 4) {
      out.missingType = dv.getUint32(p + NLA_HDRLEN, true);
    }
    p += (alen + 3) & ~3;
  }
  return out;
}

/** Parses the extended ack of an NLMSG_ERROR message at `off`. */
export function parseExtAck(
  dv: DataView,
  u8: Uint8Array,
  off: number,
  len: number,
  flags: number,
): ExtAck {
  if (!(flags & NLM_F.ACK_TLVS)) return {};
  // error (4) + the original header, and its payload unless the kernel capped it.
  let p = off + NLMSG_HDRLEN + 4;
  if (p + NLMSG_HDRLEN > off + len) return {};
  // The echoed request's length is a u32 from the wire: it must lie within this message.
  const origLen = flags & NLM_F.CAPPED ? NLMSG_HDRLEN : dv.getUint32(p, true);
  if (origLen < NLMSG_HDRLEN || origLen > off + len - p) return {};
  p += origLen + ((4 - (origLen & 3)) & 3);
  return parseTlvs(dv, u8, p, off + len);
}

function parseDoneExtAck(
  dv: DataView,
  u8: Uint8Array,
  off: number,
  len: number,
  flags: number,
): ExtAck {
  if (!(flags & NLM_F.ACK_TLVS)) return {};
  return parseTlvs(dv, u8, off + NLMSG_HDRLEN + 4, off + len);
}

/**
 * Names the attribute that starts at byte `offset` of an encoded request, walking nests (also
 * arrays of nests, nests with a fixed header, and nests selected by a sibling such as
 * `IFLA_INFO_DATA`). Bytes that do not parse leave the deepest attribute found so far.
 */
export function attributeAt(
  schema: MessageSchema,
  request: Uint8Array,
  offset: number,
): string | number | undefined {
  if (request.byteLength < NLMSG_HDRLEN) return undefined;
  const dv = new DataView(request.buffer, request.byteOffset, request.byteLength);
  let start = NLMSG_HDRLEN + ((structSize(schema.header) + 3) & ~3);
  let end = Math.min(dv.getUint32(0, true), request.byteLength);
  // The current level: a schema, or the element codec of an array (elements are numbered).
  let level: { attrs?: AttrSchema; element?: Codec } = { attrs: schema.attrs };
  let found: string | number | undefined;
  for (let depth = 0; depth < 16; depth++) {
    let next = false;
    for (let p = start; p + NLA_HDRLEN <= end;) {
      const alen = dv.getUint16(p, true);
      if (alen < NLA_HDRLEN || p + alen > end) return found;
      const t = dv.getUint16(p + 2, true) & 0x3fff;
      const def: AttrDef | undefined = level.attrs?.byType[t];
      const name: string | number = def?.kernelName ?? (level.element ? `[${t}]` : t);
      if (p === offset) return name;
      if (offset > p && offset < p + alen) {
        found = name;
        const codec = def?.codec ?? level.element;
        const inner = codec ? nestedLevel(codec, dv, level.attrs, start, end) : undefined;
        if (!inner) return found;
        level = inner.level;
        start = p + NLA_HDRLEN + inner.skip;
        end = p + alen;
        next = true;
        break;
      }
      p += (alen + 3) & ~3;
    }
    if (!next) return found;
  }
  return found;
}

/** The level inside an attribute of `codec` whose siblings lie in `[start, end)`. */
function nestedLevel(
  codec: Codec,
  dv: DataView,
  siblings: AttrSchema | undefined,
  start: number,
  end: number,
): { level: { attrs?: AttrSchema; element?: Codec }; skip: number } | undefined {
  if (typeof codec === "string") return undefined;
  switch (codec.kind) {
    case "nest":
      return {
        level: { attrs: codec.schema() },
        skip: codec.header ? (structSize(codec.header) + 3) & ~3 : 0,
      };
    case "array":
      return { level: { element: codec.of }, skip: 0 };
    case "select": {
      const by = siblings?.byName.get(codec.by);
      if (!by) return undefined;
      for (let p = start; p + NLA_HDRLEN <= end;) {
        const alen = dv.getUint16(p, true);
        if (alen < NLA_HDRLEN || p + alen > end) return undefined;
        if ((dv.getUint16(p + 2, true) & 0x3fff) === by.type) {
          const key = by.codec === "string"
            ? decodeString(new Uint8Array(dv.buffer, dv.byteOffset), p + NLA_HDRLEN, alen - 4)
            : alen >= 8
            ? dv.getUint32(p + NLA_HDRLEN, true)
            : alen >= 6
            ? dv.getUint16(p + NLA_HDRLEN, true)
            : undefined;
          const choices = codec.choices();
          const chosen = key !== undefined && Object.hasOwn(choices, key)
            ? choices[key]
            : undefined;
          return chosen === undefined ? undefined : nestedLevel(chosen, dv, siblings, start, end);
        }
        p += (alen + 3) & ~3;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
