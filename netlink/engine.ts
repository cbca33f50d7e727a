/**
 * The request engine: sequence numbers, acknowledgements, replies, multipart dumps, errors with
 * extended acks, and unsolicited events, over any {@link Transport} (a netlink socket, or a fake
 * one in tests).
 *
 * How it works, for whoever builds on it:
 *
 * - **Requests.** Each request is registered under its sequence number and answered by the
 *   messages that carry it and this socket's port. Sends are synchronous, and the kernel
 *   answers while the request is being sent, so the answer is usually queued before `send`
 *   returns.
 * - **The window.** Any number of requests may be made at once; the engine sends a request only
 *   when the answers it still waits for fit in the socket's receive buffer ({@link ReplyWindow}),
 *   and queues the others in order. So the kernel never drops an answer for lack of room, and
 *   20,000 concurrent requests all succeed. Dumps run one at a time per socket (the kernel
 *   refuses a second with EBUSY); the others wait in their own queue.
 * - **One pump.** Whoever waits does not read the socket itself: one loop per engine (the pump)
 *   receives and dispatches datagrams while anybody waits, and parks on the shared poller when
 *   nothing is queued; it stops when nobody waits, so an idle process holds no pending call.
 *   A request whose answer is already queued is answered without parking at all.
 * - **Fairness.** Before each receive the pump asks whether the event loop has turned in the
 *   last few milliseconds ({@link starving}); if not, it lets it turn first. Timers, I/O and
 *   abort signals run while a million-route dump or 50,000 requests are being answered.
 * - **Aborts.** A request's `signal` stops the waiting at once (between two datagrams at the
 *   latest); an answer still to come is read and discarded, keeping its share of the window,
 *   and a dump's rest holds the socket until its end.
 * - **Overruns.** Should the kernel drop answers anyway (a socket that also receives events, a
 *   reply far larger than any before), the engine reads out everything queued before sending
 *   anything, then: a dump that got data goes on (the kernel never drops dump data); a dump or
 *   a read (`idempotent`) whose answer was lost is sent again; a change whose answer was lost
 *   fails with {@link OverrunError} saying its outcome is unknown.
 *
 * @module
 */

import { align4, NLM_F, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN } from "./constants.ts";
import { DecodeError, DumpInterruptedError, NetlinkError, OverrunError } from "./errors.ts";
import type { MessageSchema } from "./schema.ts";
import { attributeAt, parseDoneExtAck, parseExtAck } from "./extack.ts";
import { nextTurn, starving } from "./fairness.ts";
import { ReplyWindow } from "./window.ts";

export { attributeAt, parseExtAck } from "./extack.ts";

/** What the engine needs of a socket. {@link NetlinkSocket} is one. */
export interface Transport {
  /** The local port id (replies carry it in nlmsg_pid). */
  readonly portId: number;
  /** Multicast groups of the last received datagram (0 = unicast). */
  readonly lastGroups: number;
  /** Whether the transport is closed. */
  readonly closed: boolean;
  /**
   * The receive buffer as the kernel counts it (SO_RCVBUF); the engine keeps the answers it
   * waits for within it. Without it (a fake socket) nothing is held back.
   */
  readonly rcvbuf?: number;
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
  /**
   * Stops waiting: the call rejects with the signal's reason, at once or between two
   * datagrams. A request already sent may still take effect in the kernel.
   */
  signal?: AbortSignal;
  /**
   * The largest error number the request's protocol answers with (default 4095, the errno
   * range); ipset's own codes (`IPSET_ERR_*`) go past 4096. A larger one is a DecodeError.
   */
  maxErrno?: number;
  /**
   * The request only reads (a get): when its answer is lost in an overrun it is sent again
   * instead of failing.
   */
  idempotent?: boolean;
  /**
   * Sent at once, ahead of queued requests and whatever the window holds: for a caller that
   * reads the answer itself right after the call (GenericNetlink's `resolveNow`).
   */
  immediate?: boolean;
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
  /**
   * Array form: makes what the decoded messages are pushed into instead of a new array (made
   * again when the dump starts over after an overrun); {@link NetlinkEngine.dumpAll} resolves
   * with it. Lets a caller keep a dump in a form of its own (netlink/list.ts records where each
   * message lies, with no object per message).
   */
  collect?: () => ResultCollector<T>;
}

/** What a dump's decoded messages go into (see {@link DumpOptions.collect}). */
export interface ResultCollector<T> {
  /** How many messages it holds. */
  readonly length: number;
  /** Adds one decoded message. */
  push(value: T): unknown;
}

/** Options of {@link NetlinkEngine.pipeline}. */
export interface PipelineOptions extends RequestOptions<unknown> {
  /** At most this many of the pipeline's requests in flight (default 256). */
  window?: number;
  /** Whether every request asks for its own acknowledgement (default true). */
  ackEach?: boolean;
  /**
   * Whether each answer keeps its request's reply messages (default true). With false, every
   * request that succeeded is answered with one shared, frozen empty list: for changes, whose
   * replies are not wanted (no list kept per request).
   */
  replies?: boolean;
}

// What a settled pipelined request points at instead of its own bytes and reply list.
const NO_BYTES = new Uint8Array(0);
/** The answer of a pipelined request that succeeded when its replies are not kept. */
const NO_REPLIES: unknown[] = Object.freeze([]) as unknown as unknown[];

/**
 * The requests of {@link NetlinkEngine.pipeline}: an array, or anything that hands out request
 * `i` when asked (a batch's arena makes each view only when it is about to be sent).
 */
export interface RequestList {
  /** How many requests. */
  readonly length: number;
  /** Request `index` (0 ≤ index < length). */
  at(index: number): Uint8Array | undefined;
  /**
   * Optional, with {@link span}: request `index`'s size in bytes and nlmsg_type, without a view
   * of it (a datagram of a batch's requests is then one view, not one per request).
   */
  sizeAt?(index: number): number;
  /** Request `index`'s nlmsg_type (see {@link sizeAt}). */
  typeAt?(index: number): number;
  /** Requests `from` … `to − 1` as one view when they lie one after another, else undefined. */
  span?(from: number, to: number): Uint8Array | undefined;
}

/** Someone waiting: a request's caller, or a whole pipeline. */
interface Waiter {
  done: boolean;
  /** Wakes the waiter on each datagram of results, not only at the end (dump iterators). */
  stream?: boolean;
  results?: unknown[];
  /** Resolves the waiting promise; set while somebody waits. */
  wake?: () => void;
}

function isDone(w: Waiter): boolean {
  return w.done;
}

/** Whether a waiter has what it waits for: its end, or for a stream, results. */
function ready(w: Waiter): boolean {
  return w.done || (w.stream === true && w.results!.length > 0);
}

interface Pending extends Waiter {
  seq: number;
  kind: "ack" | "dump";
  /** The request's nlmsg_type (reply sizes are learnt per type). */
  type: number;
  request: Uint8Array;
  decoder?: Decoder<unknown>;
  schema?: MessageSchema;
  describe?: string;
  maxErrno?: number;
  results: unknown[];
  /** Makes `results` (a dump's own collector), again when the dump starts over. */
  collect?: () => ResultCollector<unknown>;
  error?: Error;
  interrupted: boolean;
  /** Nobody wants the answer any more: it is read and dropped. */
  discard: boolean;
  /** Whether the request reached the kernel. */
  sent: boolean;
  /** Its share of the reply window while sent and unanswered (reckoned when it is sent). */
  cost: number;
  /** Whether it runs alone while the replies of its type are unknown (not in a pipeline). */
  alone: boolean;
  /** When it was queued: a dump is not sent before requests queued earlier. */
  order: number;
  idempotent: boolean;
  /** A message of its answer arrived. */
  answered: boolean;
  /** The largest reply datagram (to learn reply sizes). */
  replyBytes: number;
  stream: boolean;
  pipe?: Pipe;
  /** A pipelined request's place among the pipeline's requests (a datagram's: its first's). */
  index: number;
  /**
   * How many requests it stands for: 1, or a whole datagram of a pipeline whose replies are not
   * kept (its requests have the sequence numbers `first` … `seq`, and no object each).
   */
  count: number;
  /** The first sequence number (`seq` is the last: the one whose answer ends it). */
  first: number;
  /** The errors of a datagram's requests, by place in it. */
  errors: Map<number, Error> | undefined;
  /** A pipelined request's datagram. */
  group?: Group;
  /** Called once it is settled (with itself: one function serves a whole pipeline). */
  settle?: (p: Pending) => void;
  unlisten?: () => void;
}

/** Requests sent in one datagram. */
interface Group {
  members: Pending[];
  bytes: Uint8Array;
  pipe?: Pipe;
  /** Called once the datagram is sent. */
  sent?: () => void;
  /** When it was queued. */
  order?: number;
  /** Members not settled yet (a pipeline's datagram). */
  open?: number;
}

/** What the send queue holds: one request, or several sent in one datagram. */
type Entry = Pending | Group;

/** A pipeline's own bound on its requests in flight. */
interface Pipe {
  inFlight: number;
  window: number;
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

/** The state of the reply window (for diagnostics and tests). */
export interface WindowState {
  /** Reply bytes that requests may have outstanding at once (Infinity: unbounded). */
  budget: number;
  /** Reply bytes reserved by requests in flight. */
  used: number;
  /** Requests sent and not answered (including answers being discarded). */
  sent: number;
  /** Requests waiting to be sent. */
  queued: number;
  /** Requests and dumps take turns (a very small receive buffer). */
  serial: boolean;
}

// What a drain ended on.
const EMPTY = 0; // nothing queued: wait for the kernel
const TURN = 1; // the event loop's turn
const IDLE = 2; // nobody waits

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
  /** Datagrams of pipelined requests in flight (each is in #pending by its last request). */
  readonly #ranges: Pending[] = [];
  readonly #window: ReplyWindow;
  // Requests waiting for room in the window, in order (#head: the first not yet sent).
  #queue: (Entry | undefined)[] = [];
  #head = 0;
  #order = 0;
  // The kernel runs one dump per socket at a time and refuses another with EBUSY: the dump it is
  // running, and the dumps waiting for it to end.
  #dumping?: Pending;
  readonly #dumpQueue: Pending[] = [];
  #waiters = 0;
  #pumping = false;
  #draining = false;
  #recovering = false;
  #park?: AbortController;

  /** An engine over `transport`. */
  constructor(transport: Transport) {
    this.transport = transport;
    this.#window = new ReplyWindow(transport.rcvbuf);
  }

  /** Number of requests whose callers await their answer (sent or queued). */
  get inFlight(): number {
    let n = 0;
    for (const p of this.#pending.values()) if (!p.discard) n++;
    return n;
  }

  /** The reply window: its budget, what is in flight and what is queued. */
  get window(): WindowState {
    let queued = this.#dumpQueue.length;
    for (let i = this.#head; i < this.#queue.length; i++) {
      const e = this.#queue[i]!;
      for (const m of "members" in e ? e.members : [e]) if (!m.done) queued++;
    }
    let sent = 0;
    for (const p of this.#pending.values()) if (p.sent) sent++;
    return {
      budget: this.#window.budget,
      used: this.#window.used,
      sent,
      queued,
      serial: this.#window.serial,
    };
  }

  /** `n` consecutive sequence numbers (none of them 0); returns the first. */
  #nextSeqs(n: number): number {
    if (this.#seq + n > 0xffffffff) this.#seq = 0;
    const first = this.#seq + 1;
    this.#seq += n;
    return first;
  }

  #nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    if (this.#seq === 0) this.#seq = 1;
    return this.#seq;
  }

  /**
   * Registers a request: writes its nlmsg_seq, nlmsg_pid and flags, and listens to its signal.
   * Throws when the transport is closed or the signal already aborted (nothing is sent).
   */
  #start(
    bytes: Uint8Array,
    kind: "ack" | "dump",
    opts: RequestOptions<unknown>,
    ack = true,
    pipelined = false,
    results: unknown[] = [],
    count = 1,
    ackLast = false,
  ): Pending {
    if (this.transport.closed) throw new Error("the netlink socket is closed");
    const signal = opts.signal;
    if (signal?.aborted) throw abortReason(signal);
    if (bytes.byteLength < NLMSG_HDRLEN) throw new RangeError("a request shorter than nlmsghdr");
    // `count` requests one after another: consecutive sequence numbers (the last one's answer
    // ends them), the last acknowledged when `ackLast`.
    const first = count === 1 ? this.#nextSeq() : this.#nextSeqs(count);
    let at = 0;
    for (let k = 0; k < count; k++) {
      if (at + NLMSG_HDRLEN > bytes.byteLength) throw new RangeError("fewer requests than told");
      writeHeader(bytes, at, first + k, kind === "ack" && (ack || (ackLast && k === count - 1)));
      at += align4(
        bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24),
      );
    }
    const seq = first + count - 1;
    const type = bytes[4] | (bytes[5] << 8);
    const p: Pending = {
      seq,
      kind,
      type,
      request: bytes,
      decoder: opts.decoder,
      schema: opts.schema,
      describe: opts.describe,
      maxErrno: opts.maxErrno,
      results,
      collect: undefined,
      done: false,
      interrupted: false,
      discard: false,
      sent: false,
      cost: 0,
      alone: kind === "ack" && !pipelined,
      order: 0,
      idempotent: kind === "dump" || opts.idempotent === true,
      answered: false,
      replyBytes: 0,
      stream: false,
      // Every field present from the start: one object shape for all requests.
      error: undefined,
      pipe: undefined,
      index: 0,
      count,
      first,
      errors: undefined,
      group: undefined,
      settle: undefined,
      wake: undefined,
      unlisten: undefined,
    };
    if (signal) {
      const onAbort = () => this.#cancel(p, abortReason(signal));
      signal.addEventListener("abort", onAbort, { once: true });
      p.unlisten = () => signal.removeEventListener("abort", onAbort);
    }
    this.#pending.set(seq, p);
    if (count > 1) this.#ranges.push(p);
    return p;
  }

  // ---------------------------------------------------------------------------------------
  // Sending: the window and the queues.

  /** Sends a request now when the window has room and nothing is queued before it. */
  #submit(e: Entry): void {
    if (this.#head === this.#queue.length && this.#fits(e) && this.#transmit(e)) return;
    e.order = ++this.#order;
    this.#queue.push(e);
  }

  /**
   * Queues a dump; it is sent when no other dump runs and every request queued before it has
   * gone out (requests after it need not wait for it).
   */
  #submitDump(p: Pending): void {
    p.order = ++this.#order;
    this.#dumpQueue.push(p);
    this.#flush();
  }

  #fits(e: Entry): boolean {
    if (!("members" in e)) {
      // A datagram of requests keeps the cost reckoned when it was made.
      if (e.count === 1) e.cost = this.#window.cost(e.type, e.request.byteLength, e.alone);
      const pipe = e.pipe;
      if (pipe && pipe.inFlight > 0 && pipe.inFlight + e.count > pipe.window) return false;
      return this.#window.fits(e.cost, this.#dumping !== undefined);
    }
    let cost = 0;
    for (const m of e.members) {
      m.cost = this.#window.cost(m.type, m.request.byteLength, m.alone);
      cost += m.cost;
    }
    const pipe = e.pipe;
    if (pipe && pipe.inFlight > 0 && pipe.inFlight + e.members.length > pipe.window) return false;
    return this.#window.fits(cost, this.#dumping !== undefined);
  }

  /**
   * Sends an entry's datagram. False when the socket would block (the entry stays queued);
   * a send that fails settles the entry's requests with the error.
   */
  #transmit(e: Entry): boolean {
    const group = "members" in e ? e : undefined;
    let ok: boolean;
    try {
      ok = this.transport.send(group ? group.bytes : (e as Pending).request);
    } catch (err) {
      if (group) { for (const m of group.members) this.#finish(m, toError(err)); }
      else this.#finish(e as Pending, toError(err));
      return true;
    }
    if (!ok) return false;
    if (!group) {
      const p = e as Pending;
      if (!p.done) {
        p.sent = true;
        this.#window.used += p.cost;
        if (p.pipe) p.pipe.inFlight += p.count;
      }
      return true;
    }
    for (const m of group.members) {
      if (m.done) continue;
      m.sent = true;
      this.#window.used += m.cost;
      if (group.pipe) group.pipe.inFlight++;
    }
    group.sent?.();
    return true;
  }

  /** Sends what the window and the dump rule allow, in order. Nothing while recovering. */
  #flush(): void {
    if (this.#head === this.#queue.length && this.#dumpQueue.length === 0) return;
    if (this.#recovering || this.transport.closed) return;
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const e = queue[this.#head]!;
      if ("members" in e ? e.members.every(isDone) : e.done) {
        queue[this.#head++] = undefined;
        continue;
      }
      if (!this.#fits(e) || !this.#transmit(e)) break;
      queue[this.#head++] = undefined;
    }
    while (this.#dumping === undefined && this.#dumpQueue.length > 0) {
      const q = this.#dumpQueue[0];
      if (q.done) {
        this.#dumpQueue.shift();
        continue;
      }
      if (!this.#window.dumpMayStart()) break;
      const first = this.#queue[this.#head];
      if (first !== undefined && (first.order ?? 0) < q.order) break;
      this.#dumping = q;
      if (!this.#transmit(q)) {
        this.#dumping = undefined;
        break;
      }
      this.#dumpQueue.shift();
      // A dump whose send failed is settled: the next may go.
      if (q.done && this.#dumping === q) this.#dumping = undefined;
    }
    if (this.#head === queue.length) {
      if (this.#head > 0) {
        queue.length = 0;
        this.#head = 0;
      }
    } else if (this.#head > 1024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Waiting: one pump per engine.

  /**
   * Resolves when `w` is done (a streaming dump: when it has results too). Reads what is
   * already queued first, without waiting, unless the event loop is due a turn.
   */
  #settled(w: Waiter): Promise<void> | undefined {
    if (!ready(w) && !this.#draining) this.#drain(w);
    if (ready(w)) return undefined;
    return new Promise<void>((resolve) => {
      w.wake = resolve;
      this.#waiters++;
      this.#kick();
    });
  }

  #wake(w: Waiter): void {
    const wake = w.wake;
    if (!wake) return;
    w.wake = undefined;
    this.#waiters--;
    wake();
    if (this.#waiters === 0) this.#park?.abort();
  }

  /** Makes sure somebody reads: starts the pump, or reads now if it is parked on the poller. */
  #kick(): void {
    if (this.#draining) return;
    if (!this.#pumping) {
      void this.#pump();
      return;
    }
    if (this.#park) {
      const r = this.#drain();
      if (r === IDLE) this.#park?.abort();
    }
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (;;) {
        const r = this.#drain();
        if (r === IDLE) return;
        if (r === TURN) {
          await nextTurn();
          continue;
        }
        const park = new AbortController();
        this.#park = park;
        try {
          await Promise.race([this.transport.readable(park.signal), aborted(park.signal)]);
        } catch (e) {
          if (!park.signal.aborted) this.#failAll(toError(e));
        } finally {
          this.#park = undefined;
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Receives and dispatches while somebody waits (or `until` is not done) and the kernel has
   * something queued; sends what the window allows in between.
   */
  #drain(until?: Waiter): number {
    this.#draining = true;
    try {
      for (;;) {
        this.#flush();
        if (this.#waiters === 0 && (until === undefined || ready(until))) return IDLE;
        if (this.transport.closed) {
          this.#failAll(new Error("the netlink socket was closed while a request was pending"));
          return IDLE;
        }
        if (starving()) return TURN;
        let buf: ArrayBuffer | null;
        try {
          buf = this.transport.receive();
        } catch (e) {
          if ((e as { code?: string }).code === "ENOBUFS") {
            this.#recover();
            continue;
          }
          this.#failAll(toError(e));
          return IDLE;
        }
        if (buf === null) return EMPTY;
        this.dispatch(buf);
      }
    } finally {
      this.#draining = false;
    }
  }

  // ---------------------------------------------------------------------------------------
  // The calls.

  /**
   * Sends a request that expects an acknowledgement, and resolves with the reply messages it
   * produced (none for most changes; the object for a get).
   */
  async request<T>(bytes: Uint8Array, opts: RequestOptions<T> = {}): Promise<T[]> {
    const p = this.#start(bytes, "ack", opts as RequestOptions<unknown>);
    if (opts.immediate) p.cost = this.#window.cost(p.type, bytes.byteLength, false);
    if (!opts.immediate || !this.#transmit(p)) this.#submit(p);
    // One microtask before reading: whoever feeds a fake transport does so after this call.
    await undefined;
    const wait = this.#settled(p);
    if (wait) await wait;
    if (p.error) throw p.error;
    return p.results as T[];
  }

  /**
   * Sends many requests back to back, packed several to a datagram, and resolves when all are
   * answered: each result is the reply list or the error of its request. At most `window` of
   * them are in flight at once, and the engine's reply window bounds them too.
   *
   * With `ackEach: false` only the last request of each datagram asks for an acknowledgement:
   * the kernel handles a datagram's requests in order and answers a failed one with its error
   * whatever the flags, so that one ack settles the datagram's other requests (those without
   * an error succeeded). For changes only (requests whose replies are not wanted); it spares
   * the kernel and the receiver one ack message per request.
   */
  async pipeline(
    requests: RequestList,
    opts: PipelineOptions = {},
  ): Promise<(unknown[] | Error)[]> {
    const ackEach = opts.ackEach ?? true;
    const replies = opts.replies ?? true;
    const window = Math.max(1, opts.window ?? 256);
    const signal = opts.signal;
    signal?.throwIfAborted();
    const n = requests.length;
    const out: (unknown[] | Error)[] = new Array(n);
    const all = { done: n === 0 } as Waiter;
    let left = n;
    const pipe: Pipe = { inFlight: 0, window };
    // Without replies wanted nothing is decoded, and every request shares one empty reply list.
    const each = { ...opts, signal: undefined, decoder: replies ? opts.decoder : undefined };
    const budget = this.#window.budget;
    // Requests become Pending objects only as the window takes them (at most `window` plus one
    // datagram live at once): a batch of 10k holds a few hundred, not 10k, objects, closures and
    // map entries (issue 16's RSS target).
    let live = 0;
    // The datagrams with requests unanswered (for an abort); a set of datagrams, not of requests.
    const open = new Set<Pending[] | Pending>();
    let next = 0;
    let stopped: Error | undefined;
    let filling = false;
    const settle = (i: number, result: unknown[] | Error) => {
      out[i] = result;
      if (--left === 0) {
        all.done = true;
        this.#wake(all);
      }
    };
    // Settles every request not made yet with `error` (an abort, a closed socket).
    const stop = (error: Error) => {
      stopped ??= error;
      while (next < n) settle(next++, stopped);
    };
    // One function settles every request of the pipeline (no closure per request).
    const onSettle = (p: Pending) => {
      live--;
      settle(p.index, p.error ?? (replies ? p.results : NO_REPLIES));
      const group = p.group!;
      // V8 may have allocated this request object in the old generation: a dead one there
      // still keeps what it points to alive through young-generation GCs (measured: 0.6 MB more
      // survivors per 10k requests), so it lets go of its own objects now.
      p.settle = undefined;
      p.request = NO_BYTES;
      p.results = NO_REPLIES;
      p.group = undefined;
      const members = group.members;
      // Only the datagram's last request asks for an ack: its answer settles the others.
      if (!ackEach && p === members[members.length - 1]) {
        for (const q of members) if (!q.done) this.#finish(q);
      }
      // The datagram answered in full: room for the next ones.
      if (--group.open! === 0) {
        open.delete(members);
        if (!filling) fill(true);
      }
    };
    // Without replies kept, a whole datagram is one entry of the engine: its requests' answers
    // are matched by sequence number, their errors kept by place (no object per request).
    const onSettleDatagram = (g: Pending) => {
      live -= g.count;
      for (let k = 0; k < g.count; k++) {
        settle(g.index + k, g.errors?.get(k) ?? g.error ?? NO_REPLIES);
      }
      g.settle = undefined;
      g.request = NO_BYTES;
      g.errors = undefined;
      open.delete(g);
      if (!filling) fill(true);
    };
    const parts: Uint8Array[] = [];
    const fill = (queueOnly: boolean) => {
      if (filling) return;
      filling = true;
      try {
        while (!replies && next < n && stopped === undefined && live < window) {
          // One datagram: up to what the window has room for, 64 KiB, and what the reply
          // window holds.
          const index = next;
          let total = 0;
          let cost = 0;
          parts.length = 0;
          const sized = requests.sizeAt !== undefined && requests.typeAt !== undefined;
          while (next < n && live + (next - index) < window) {
            let size: number, type: number;
            if (sized) {
              size = requests.sizeAt!(next);
              type = requests.typeAt!(next);
            } else {
              const bytes = requests.at(next)!;
              parts.push(bytes);
              size = bytes.byteLength;
              type = bytes[4] | (bytes[5] << 8);
            }
            const c = this.#window.cost(type, size, false);
            if (next > index && (total + size > 65536 || cost + c > budget)) {
              if (!sized) parts.pop();
              break;
            }
            total += size;
            cost += c;
            next++;
          }
          let g: Pending;
          try {
            let bytes = sized ? requests.span?.(index, next) : undefined;
            if (bytes === undefined) {
              if (sized) { for (let k = index; k < next; k++) parts.push(requests.at(k)!); }
              bytes = parts.length === 1 ? parts[0] : concatBytes(parts, total);
            }
            g = this.#start(bytes, "ack", each, ackEach, true, NO_REPLIES, next - index, true);
          } catch (e) {
            next = index;
            stop(toError(e));
            if (!queueOnly) throw e; // called by pipeline itself: it rejects, as it always did
            return;
          }
          g.index = index;
          g.pipe = pipe;
          g.cost = cost;
          g.settle = onSettleDatagram;
          live += g.count;
          open.add(g);
          // From a settle (inside dispatch, maybe during an overrun's recovery) nothing is sent:
          // the datagram is queued and the drain loop's next flush sends it.
          if (queueOnly) {
            g.order = ++this.#order;
            this.#queue.push(g);
          } else this.#submit(g);
        }
        while (replies && next < n && stopped === undefined && live < window) {
          // One datagram: up to what the window has room for, 64 KiB, and what the reply
          // window holds.
          const batch: Pending[] = [];
          const group: Group = { members: batch, bytes: NO_BYTES, pipe, open: 0 };
          let total = 0;
          let cost = 0;
          while (next < n && live < window) {
            const bytes = requests.at(next)!;
            if (batch.length > 0 && total + bytes.byteLength > 65536) break;
            const c = this.#window.cost(bytes[4] | (bytes[5] << 8), bytes.byteLength, false);
            if (batch.length > 0 && cost + c > budget) break;
            let p: Pending;
            try {
              p = this.#start(bytes, "ack", each, ackEach, true);
            } catch (e) {
              for (const q of batch) this.#finish(q, toError(e));
              stop(toError(e));
              if (!queueOnly) throw e; // called by pipeline itself: it rejects, as it always did
              return;
            }
            p.index = next++;
            p.pipe = pipe;
            p.group = group;
            p.settle = onSettle;
            live++;
            group.open!++;
            batch.push(p);
            total += bytes.byteLength;
            cost += c;
          }
          if (!ackEach) {
            // The datagram's last request is acknowledged (NLM_F_ACK is in nlmsg_flags' low
            // byte).
            batch[batch.length - 1].request[6] |= NLM_F.ACK;
          }
          open.add(batch);
          group.bytes = batch.length === 1 ? batch[0].request : concat(batch, total);
          const entry = group;
          // From a settle (inside dispatch, maybe during an overrun's recovery) nothing is sent:
          // the datagram is queued and the drain loop's next flush sends it.
          if (queueOnly) {
            entry.order = ++this.#order;
            this.#queue.push(entry);
          } else this.#submit(entry);
        }
      } finally {
        filling = false;
      }
      if (queueOnly && !this.#draining) this.#flush();
    };
    fill(false);
    let unlisten: (() => void) | undefined;
    if (signal && !all.done) {
      const onAbort = () => {
        const reason = abortReason(signal);
        stop(reason);
        for (const b of [...open]) {
          if (Array.isArray(b)) { for (const m of b) this.#cancel(m, reason); }
          else this.#cancel(b, reason);
        }
      };
      signal.addEventListener("abort", onAbort, { once: true });
      unlisten = () => signal.removeEventListener("abort", onAbort);
    }
    try {
      await undefined;
      await this.#settled(all);
    } finally {
      unlisten?.();
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
    const ps: Pending[] = [];
    try {
      for (const m of parts) ps.push(this.#start(m.bytes, "ack", m, m.ack ?? true, true));
    } catch (e) {
      for (const p of ps) this.#finish(p, toError(e));
      throw e;
    }
    const total = ps.reduce((n, p) => n + p.request.byteLength, 0);
    const sent: Waiter = { done: false };
    this.#submit({
      members: ps,
      bytes: concat(ps, total),
      sent: () => {
        sent.done = true;
        this.#wake(sent);
      },
    });
    if (!sent.done && !ps.every((p) => p.done)) {
      // No room in the window yet: wait until the datagram goes out (or its parts are settled).
      for (const p of ps) {
        const own = p.settle;
        p.settle = (q) => {
          own?.(q);
          if (!sent.done && ps.every((q) => q.done)) {
            sent.done = true;
            this.#wake(sent);
          }
        };
      }
      await this.#settled(sent);
    }
    // Read out what is queued: the answers the kernel produced during the send.
    for (let i = 0; i < 1_000_000 && ps.some((p) => !p.done); i++) {
      let buf: ArrayBuffer | null;
      try {
        buf = this.transport.receive();
      } catch (e) {
        if ((e as { code?: string }).code !== "ENOBUFS") throw e;
        this.#recover();
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
    return this.#iterate<T, T>(bytes, opts, false);
  }

  /**
   * As {@link dump}, yielding the decoded messages of each received datagram together (one
   * await per datagram instead of one per message: for loops over very large tables).
   */
  dumpPages<T>(bytes: Uint8Array, opts: DumpOptions<T> = {}): AsyncGenerator<T[]> {
    return this.#iterate<T, T[]>(bytes, opts, true);
  }

  #iterate<T, Y>(bytes: Uint8Array, opts: DumpOptions<T>, pages: boolean): AsyncGenerator<Y> {
    // A hand-written async iterator with an async generator's protocol: the request is sent on
    // the first next(); messages already received are handed out without the generator's extra
    // awaits per item (a dump of a million routes yields a million times); return() (a `break`)
    // leaves the rest of the dump to be discarded; calls are queued while one is waiting.
    let p: Pending | undefined;
    let batch: unknown[] = [];
    let i = 0;
    let finished = false;
    const done = (value?: unknown) => ({ value, done: true }) as IteratorResult<Y>;
    const close = () => {
      if (!finished) {
        finished = true;
        if (p && !p.done) this.#cancel(p);
      }
      batch = [];
      i = 0;
    };
    const fill = async (): Promise<IteratorResult<Y>> => {
      try {
        if (!p) {
          p = this.#startDump(bytes, opts as RequestOptions<unknown>);
          p.stream = true;
          this.#submitDump(p);
          await undefined;
        }
        for (;;) {
          if (p.results.length > 0) {
            batch = p.results;
            p.results = [];
            if (pages) {
              // The page is the caller's: the engine collects the next one in a fresh array.
              const page = batch;
              batch = [];
              i = 0;
              return { value: page as Y, done: false };
            }
            i = 1;
            return { value: batch[0] as Y, done: false };
          }
          if (p.done) break;
          await this.#settled(p);
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
      ok: (r: IteratorResult<Y>) => void;
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
    const run = (op: 0 | 1 | 2, arg: unknown): Promise<IteratorResult<Y>> => {
      if (op === 0) {
        if (i < batch.length) return Promise.resolve({ value: batch[i++] as Y, done: false });
        if (finished) return Promise.resolve(done());
        running = true;
        const r = fill();
        r.then(release, release);
        return r;
      }
      close();
      return op === 1 ? Promise.resolve(done(arg)) : Promise.reject(arg);
    };
    const call = (op: 0 | 1 | 2, arg?: unknown): Promise<IteratorResult<Y>> =>
      running || waiting.length > 0
        ? new Promise((ok, no) => waiting.push({ op, arg, ok, no }))
        : run(op, arg);
    const it: AsyncGenerator<Y> = {
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

  /**
   * Sends a dump request and resolves with every decoded message (in what `opts.collect` makes,
   * when given).
   */
  dumpAll<T, C extends ResultCollector<T>>(
    bytes: Uint8Array,
    opts: DumpOptions<T> & { collect: () => C },
  ): Promise<C>;
  /** Sends a dump request and resolves with every decoded message. */
  dumpAll<T>(bytes: Uint8Array, opts?: DumpOptions<T>): Promise<T[]>;
  async dumpAll<T>(bytes: Uint8Array, opts: DumpOptions<T> = {}): Promise<T[]> {
    for (let attempt = 0;; attempt++) {
      const copy = attempt === 0 ? bytes : bytes.slice();
      const p = this.#startDump(copy, opts as RequestOptions<unknown>);
      if (opts.collect) {
        p.collect = opts.collect as () => ResultCollector<unknown>;
        p.results = p.collect() as unknown[];
      }
      this.#submitDump(p);
      await undefined;
      const wait = this.#settled(p);
      if (wait) await wait;
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

  // ---------------------------------------------------------------------------------------
  // Settling.

  /**
   * Stops waiting for `p`. A request the kernel has (it was sent) is answered all the same: a
   * stand-in keeps its sequence number, its share of the window and, for a dump, the socket,
   * reading and dropping the answer until its end.
   */
  #cancel(p: Pending, error?: Error): void {
    if (p.done) return;
    if (p.sent && !this.transport.closed) {
      const rest: Pending = {
        ...p,
        done: false,
        error: undefined,
        results: [],
        decoder: undefined,
        discard: true,
        stream: false,
        pipe: undefined,
        settle: undefined,
        wake: undefined,
        unlisten: undefined,
      };
      this.#pending.set(p.seq, rest);
      if (rest.count > 1) this.#ranges.push(rest);
      if (this.#dumping === p) this.#dumping = rest;
      if (p.pipe) p.pipe.inFlight -= p.count;
      p.sent = false; // its share and its pipeline slot now belong to the stand-in
      p.pipe = undefined;
    }
    this.#finish(p, error);
    if (!this.#draining) this.#flush();
  }

  #finish(p: Pending, error?: Error): void {
    if (p.done) return;
    p.done = true;
    if (error) p.error ??= error;
    if (this.#pending.get(p.seq) === p) this.#pending.delete(p.seq);
    if (p.sent) {
      this.#window.used -= p.cost;
      if (p.pipe) p.pipe.inFlight -= p.count;
    }
    if (p.count > 1) this.#ranges.splice(this.#ranges.indexOf(p) >>> 0, 1);
    if (this.#dumping === p) this.#dumping = undefined;
    p.unlisten?.();
    p.unlisten = undefined;
    p.settle?.(p);
    this.#wake(p);
  }

  /**
   * After an overrun: reads out what is queued (until then the kernel drops what it sends this
   * socket without a further error, so nothing is sent meanwhile), then settles what lost its
   * answer. The kernel answers a request while it is sent, so a request still unanswered once
   * the queue is empty lost its answer.
   */
  #recover(): void {
    this.#recovering = true;
    try {
      for (let i = 0; i < 1_000_000; i++) {
        let buf: ArrayBuffer | null;
        try {
          buf = this.transport.receive();
        } catch (e) {
          if ((e as { code?: string }).code === "ENOBUFS") continue;
          break;
        }
        if (!buf) break;
        this.dispatch(buf);
      }
    } finally {
      this.#recovering = false;
    }
    for (const p of [...this.#pending.values()]) {
      if (!p.sent || p.done) continue;
      if (p.kind === "dump" && p.answered) continue; // dump data is never dropped: it goes on
      if (p.discard) this.#finish(p);
      else if (p.idempotent) this.#resend(p);
      else {
        this.#finish(
          p,
          new OverrunError(
            "the answer to this request was lost: it may or may not have taken effect",
          ),
        );
      }
    }
    this.#flush();
  }

  /** Sends a request again whose answer was lost (it only reads). */
  #resend(p: Pending): void {
    const dv = new DataView(p.request.buffer, p.request.byteOffset, NLMSG_HDRLEN);
    if (p.kind === "ack") dv.setUint16(6, dv.getUint16(6, true) | NLM_F.ACK, true);
    p.answered = false;
    p.results = p.collect ? p.collect() as unknown[] : [];
    p.replyBytes = 0;
    let ok: boolean;
    try {
      ok = this.transport.send(p.request);
    } catch (e) {
      return this.#finish(p, toError(e));
    }
    if (!ok) this.#finish(p, new OverrunError("its answer was lost and it could not be resent"));
  }

  #failAll(error: Error, keepRunningDump = true): void {
    const running = this.#dumping;
    const all = [...this.#pending.values()];
    this.#pending.clear();
    this.#dumpQueue.length = 0;
    this.#queue = [];
    this.#head = 0;
    this.#dumping = undefined;
    for (const p of all) this.#finish(p, error);
    this.#window.used = 0;
    // The kernel still runs a dump it started (its end is never lost): wait for that end
    // before the next dump.
    if (keepRunningDump && running?.sent && !this.transport.closed) {
      const rest: Pending = {
        ...running,
        done: false,
        error: undefined,
        results: [],
        decoder: undefined,
        discard: true,
        sent: true,
        cost: 0,
        settle: undefined,
        wake: undefined,
        unlisten: undefined,
      };
      this.#pending.set(rest.seq, rest);
      this.#dumping = rest;
    }
  }

  /**
   * Handles an overrun its caller saw on this socket (ENOBUFS from a receive it made itself):
   * what is queued is read out, then what lost its answer is sent again (reads, dumps) or fails
   * with {@link OverrunError} (changes).
   */
  overrun(): void {
    this.#recover();
  }

  /** Rejects every pending request with `error` and forgets them (used by close). */
  failAll(error: Error): void {
    this.#failAll(error, false);
  }

  // ---------------------------------------------------------------------------------------
  // Receiving.

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
    // The loop is written out here rather than with MessageWalk (walk.ts), which every other
    // datagram reader uses: this is the dump path, and the same walk through MessageWalk (or a
    // shared function) measured 3.5 -> 5.3 µs per 500-route datagram in V8.
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
          last = this.#pending.get(seq) ??
            (this.#ranges.length > 0 ? this.#rangeOf(seq) : undefined);
          lastSeq = seq;
          if (last?.kind === "dump") this.#window.learnDump(size);
        }
        p = last;
      }
      if (p) this.#deliver(p, dv, u8, off, len, type, size);
      else if (groups !== 0 && this.onEvent) this.onEvent(dv, u8, off, len, type);
      else if (groups !== 0) this.stats.unhandled++;
      else if (pid === 0 && this.onUnicast) this.onUnicast(dv, u8, off, len, type);
      else this.stats.foreign++;
      off += align4(len);
    }
  }

  /** The pipelined datagram one of whose requests has sequence number `seq`. */
  #rangeOf(seq: number): Pending | undefined {
    for (const g of this.#ranges) if (seq >= g.first && seq <= g.seq) return g;
    return undefined;
  }

  /**
   * An answer to one request of a pipelined datagram: its error is kept by its place; the
   * answer of the last request (the kernel answers a datagram's requests in order) ends it.
   */
  #deliverPart(p: Pending, dv: DataView, u8: Uint8Array, off: number, len: number, type: number) {
    p.answered = true;
    const seq = dv.getUint32(off + 8, true);
    // An answer is its own request's alone: an error goes to that request, by its place.
    if (type === NLMSG_ERROR) {
      const k = seq - p.first;
      const err = len < NLMSG_HDRLEN + 4 ? NaN : dv.getInt32(off + NLMSG_HDRLEN, true);
      let error: Error | undefined;
      if (Number.isNaN(err)) error = new DecodeError("truncated NLMSG_ERROR");
      else if (err > 0 || err < -(p.maxErrno ?? 4095)) {
        error = new DecodeError(`NLMSG_ERROR with error ${err}`);
      } else if (err !== 0) {
        const extack = parseExtAck(dv, u8, off, len, dv.getUint16(off + 6, true));
        const part = extack.offset !== undefined && p.schema ? partOf(p.request, k) : undefined;
        if (part) {
          extack.attribute = attributeAt(p.schema!, part, extack.offset!) ?? extack.attribute;
        }
        error = new NetlinkError(-err, extack, p.describe);
      }
      if (error) (p.errors ??= new Map()).set(k, error);
    }
    // Replies other than errors are not kept (that is what a datagram of them is for).
    if (seq === p.seq && (type === NLMSG_ERROR || type === NLMSG_DONE)) this.#finish(p);
  }

  #deliver(
    p: Pending,
    dv: DataView,
    u8: Uint8Array,
    off: number,
    len: number,
    type: number,
    size: number,
  ): void {
    if (p.count > 1) return this.#deliverPart(p, dv, u8, off, len, type);
    p.answered = true;
    const flags = dv.getUint16(off + 6, true);
    if (flags & NLM_F.DUMP_INTR) p.interrupted = true;
    if (type === NLMSG_ERROR || type === NLMSG_DONE) {
      let err = 0;
      if (len >= NLMSG_HDRLEN + 4) err = dv.getInt32(off + NLMSG_HDRLEN, true);
      else if (type === NLMSG_ERROR) {
        return this.#finish(p, new DecodeError("truncated NLMSG_ERROR"));
      }
      if (err === 0) {
        if (p.kind === "ack" && p.error === undefined) {
          this.#window.learnReply(p.type, p.replyBytes);
        }
        return this.#finish(p);
      }
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
    if (p.kind === "ack" && size > p.replyBytes) p.replyBytes = size;
    if (p.discard || !p.decoder) return;
    try {
      const v = p.decoder(dv, u8, off, len, type);
      if (v !== undefined) {
        p.results.push(v);
        if (p.stream && p.wake) this.#wake(p);
      }
    } catch (e) {
      p.error ??= toError(e);
    }
  }

  /**
   * Reads unsolicited messages: yields each datagram (or "overrun" when the kernel dropped some)
   * until `signal` aborts or the transport closes. Lets the event loop turn every few
   * milliseconds of a flood.
   */
  async *datagrams(signal?: AbortSignal): AsyncGenerator<ArrayBuffer | "overrun"> {
    while (!this.transport.closed && !signal?.aborted) {
      if (starving()) {
        await nextTurn();
        continue;
      }
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

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}

/**
 * Writes a request's nlmsg_seq, nlmsg_pid (0) and flags (NLM_F_REQUEST, and NLM_F_ACK when
 * `ack`) by byte, in host order (little-endian here): no DataView per request.
 */
function writeHeader(bytes: Uint8Array, at: number, seq: number, ack: boolean): void {
  bytes[at + 8] = seq & 0xff;
  bytes[at + 9] = (seq >>> 8) & 0xff;
  bytes[at + 10] = (seq >>> 16) & 0xff;
  bytes[at + 11] = seq >>> 24;
  bytes[at + 12] =
    bytes[at + 13] =
    bytes[at + 14] =
    bytes[at + 15] =
      0;
  bytes[at + 6] |= NLM_F.REQUEST | (ack ? NLM_F.ACK : 0);
}

/** Request `k` of requests one after another (undefined past their end). */
function partOf(bytes: Uint8Array, k: number): Uint8Array | undefined {
  let at = 0;
  for (let i = 0; at + NLMSG_HDRLEN <= bytes.byteLength; i++) {
    const len = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
    if (len < NLMSG_HDRLEN || at + len > bytes.byteLength) return undefined;
    if (i === k) return bytes.subarray(at, at + len);
    at += align4(len);
  }
  return undefined;
}

/** Requests one after another: a view when they already are (a batch's arena), else a copy. */
function concatBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  const first = parts[0];
  let end = first.byteOffset;
  for (const p of parts) {
    if (p.buffer !== first.buffer || p.byteOffset !== end) {
      end = -1;
      break;
    }
    end += p.byteLength;
  }
  if (end === first.byteOffset + total) {
    return new Uint8Array(first.buffer, first.byteOffset, total);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

function concat(parts: Pending[], total: number): Uint8Array {
  // Requests encoded one after another into one buffer (a batch's arena) are sent as a view.
  const first = parts[0].request;
  let end = first.byteOffset;
  for (const p of parts) {
    if (p.request.buffer !== first.buffer || p.request.byteOffset !== end) {
      end = -1;
      break;
    }
    end += p.request.byteLength;
  }
  if (end === first.byteOffset + total) {
    return new Uint8Array(first.buffer, first.byteOffset, total);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p.request, off);
    off += p.request.byteLength;
  }
  return out;
}
