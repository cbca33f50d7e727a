/**
 * The reply window: how much of the socket's receive buffer the engine lets its requests' answers
 * take, so that the kernel never has to drop one.
 *
 * The kernel answers a request while it is being sent and queues the answer on the socket; when
 * the queued bytes (each datagram counted at its buffer's true size, `skb->truesize`) exceed
 * the receive buffer, it drops the answer and reports ENOBUFS once. A request whose answer is
 * lost cannot be told from one still on its way, and a change whose acknowledgement is lost
 * looks failed although it was applied. So the engine sends a request only when the answers it
 * is still waiting for, at their largest, fit in the budget, and queues it otherwise:
 *
 * - An acknowledgement is counted at its largest: the error message, the echoed header (the
 *   whole request when the kernel does not cap it) and an extended ack.
 * - A reply is counted at twice the largest reply seen for that request type on this socket;
 *   the first request of a type that nobody has seen answered runs alone.
 * - A dump is not counted: the kernel sends a dump's next datagram only when the queue holds
 *   less than half the buffer, so a dump takes at most half the buffer and two datagrams; the
 *   budget is what remains: half the buffer less two dump datagrams.
 * - A buffer too small for that (a few KiB) serialises: one request, or one dump, at a time.
 *
 * The sizes model the kernel's allocation (the payload rounded up to a power of two with the
 * shared info, plus the `sk_buff`); measured against `/proc/net/netlink` on Linux 6.x, they
 * are within a few per cent and never below.
 *
 * @module
 */

import { NLMSG_HDRLEN } from "./constants.ts";

// The kernel's per-buffer overhead: SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) and the
// sk_buff itself (SKB_TRUESIZE).
const SHINFO = 320;
const SKB = 320;
/** The largest extended ack the kernel appends to an error (message, offset, policy). */
const EXTACK_MAX = 512;
/** A dump datagram's size: the kernel allocates up to 32 KiB for sockets that read 32 KiB. */
const DUMP_DATAGRAM = 32768 - SHINFO;
/** Below this budget the window serialises requests and dumps. */
const SERIAL_BELOW = 16384;

/** The kernel's true size of a datagram of `bytes` (an upper estimate). */
export function truesize(bytes: number): number {
  const data = ((bytes + 63) & ~63) + SHINFO;
  return (data <= 512 ? 512 : data > 1 << 30 ? data : 1 << (32 - Math.clz32(data - 1))) + SKB;
}

/** The largest acknowledgement of a request of `requestBytes`. */
export function ackSize(requestBytes: number): number {
  return truesize(NLMSG_HDRLEN + 4 + requestBytes + EXTACK_MAX);
}

/** The budget of one socket's answers; see the module doc. */
export class ReplyWindow {
  /** The socket's receive buffer as the kernel counts it (SO_RCVBUF), or Infinity: no bound. */
  readonly rcvbuf: number;
  /** Reply bytes reserved by requests sent and not answered. */
  used = 0;
  readonly #replies = new Map<number, number>();
  #dumpDatagram = DUMP_DATAGRAM;
  #budget: number;

  /** A window over a receive buffer of `rcvbuf` bytes (undefined: unbounded, e.g. a fake socket). */
  constructor(rcvbuf?: number) {
    this.rcvbuf = rcvbuf !== undefined && rcvbuf > 0 ? rcvbuf : Infinity;
    this.#budget = this.#compute();
  }

  #compute(): number {
    return Math.floor(this.rcvbuf / 2) - 2 * truesize(this.#dumpDatagram);
  }

  /** Reply bytes that requests may have outstanding at once. */
  get budget(): number {
    return this.#budget;
  }

  /** Whether the buffer is so small that requests and dumps take turns, one at a time. */
  get serial(): boolean {
    return this.#budget < SERIAL_BELOW;
  }

  /**
   * The share a request of `type` and `bytes` takes while in flight. When no request of its
   * type has been answered yet and `mayBeAlone`, it takes the whole budget: it runs by itself,
   * and its answer teaches the window the size of that type's replies.
   */
  cost(type: number, bytes: number, mayBeAlone: boolean): number {
    const ack = ackSize(bytes);
    const reply = this.#replies.get(type);
    if (reply === undefined) return mayBeAlone && this.rcvbuf !== Infinity ? this.#budget : ack;
    return reply === 0 ? ack : ack + truesize(2 * reply);
  }

  /** Whether a request of `cost` may be sent now (`dumping`: a dump is running). */
  fits(cost: number, dumping: boolean): boolean {
    if (this.rcvbuf === Infinity) return true;
    if (this.serial) return this.used === 0 && !dumping;
    return this.used === 0 || this.used + cost <= this.#budget;
  }

  /** Whether a dump may start now. */
  dumpMayStart(): boolean {
    return !this.serial || this.used === 0;
  }

  /** Records a request of `type` answered without an error, its largest reply datagram `bytes`. */
  learnReply(type: number, bytes: number): void {
    const known = this.#replies.get(type);
    if (known === undefined || bytes > known) this.#replies.set(type, bytes);
  }

  /** Records the size of a dump datagram (a socket's dumps may come in larger ones). */
  learnDump(bytes: number): void {
    if (bytes <= this.#dumpDatagram) return;
    this.#dumpDatagram = bytes;
    this.#budget = this.#compute();
  }
}
