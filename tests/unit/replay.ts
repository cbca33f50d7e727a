/**
 * Replays a capture of tests/golden/families (what `ip`/`ethtool` sent and what the kernel
 * answered) to the library without a kernel: a transport that, for each request the library
 * sends, finds the captured request of the same type (and generic netlink command), answers
 * with the kernel's captured replies to it (rewritten to the library's sequence number and
 * port), and records both requests for comparison.
 *
 * @module
 */

import { NetlinkEngine } from "../../netlink/engine.ts";
import type { Transport } from "../../netlink/engine.ts";
import { hex, toHex } from "../helpers.ts";

/** One capture of tests/golden/families/<family>.json. */
export interface Capture {
  /** The command as given. */
  command: string;
  /** Setup commands. */
  setup: string[];
  /** Whether the command succeeded. */
  exit_ok: boolean;
  /** What it printed. */
  stdout: string;
  /** Its error output. */
  stderr: string;
  /** Every netlink datagram it sent, hex. */
  requests: string[];
  /** Every datagram it received, hex. */
  replies: string[];
  /** The socket each request was sent on. */
  request_fds: number[];
  /** The socket each datagram was received on. */
  reply_fds: number[];
}

/** Loads tests/golden/families/<family>.json. */
export function captures(family: string): Record<string, Capture> {
  const url = new URL(`../golden/families/${family}.json`, import.meta.url);
  return JSON.parse(Deno.readTextFileSync(url)).captures;
}

const PORT = 4343;

/** The messages of a datagram: [offset, length]. */
export function messagesOf(u8: Uint8Array): [number, number][] {
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const out: [number, number][] = [];
  for (let off = 0; off + 16 <= u8.length;) {
    const len = dv.getUint32(off, true);
    if (len < 16 || off + len > u8.length) break;
    out.push([off, len]);
    off += (len + 3) & ~3;
  }
  return out;
}

/** A request's key: nlmsg_type, and for generic netlink the command byte. */
function keyOf(b: Uint8Array, genl: boolean): string {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return `${dv.getUint16(4, true)}/${genl && b.length > 16 ? b[16] : ""}`;
}

/** A pair: what the library sent and the captured request it was matched with. */
export interface Sent {
  /** The library's request. */
  ours: Uint8Array;
  /** ip's (or ethtool's) request of the same type and command. */
  theirs: Uint8Array;
}

/** A transport answering from a capture. */
export class ReplayTransport implements Transport {
  readonly portId = PORT;
  lastGroups = 0;
  closed = false;
  /** Every request sent, with its captured counterpart. */
  readonly sent: Sent[] = [];
  readonly #queue: ArrayBuffer[] = [];
  readonly #requests: Uint8Array[];
  readonly #used = new Set<number>();
  readonly #replies: Uint8Array[];
  readonly #requestFds: number[];
  readonly #replyFds: number[];
  readonly #genl: boolean;

  /** A transport over `capture` (`genl`: requests are told apart by command too). */
  constructor(capture: Capture, genl: boolean) {
    this.#genl = genl;
    this.#requests = capture.requests.map((h) => hex(h));
    this.#replies = capture.replies.map((h) => hex(h));
    this.#requestFds = capture.request_fds;
    this.#replyFds = capture.reply_fds;
  }

  send(bytes: Uint8Array): boolean {
    const ours = bytes.slice();
    const dv = new DataView(ours.buffer);
    const seq = dv.getUint32(8, true);
    const key = keyOf(ours, this.#genl);
    const i = this.#requests.findIndex((r, i) =>
      !this.#used.has(i) && keyOf(r, this.#genl) === key
    );
    if (i < 0) {
      // A request the tool did not make: the kernel's answer is unknown; say ENOENT.
      this.sent.push({ ours, theirs: new Uint8Array(0) });
      this.#queue.push(ack(seq, -2));
      return true;
    }
    this.#used.add(i);
    const theirs = this.#requests[i];
    this.sent.push({ ours, theirs });
    const tdv = new DataView(theirs.buffer, theirs.byteOffset);
    const theirSeq = tdv.getUint32(8, true);
    for (const [j, r] of this.#replies.entries()) {
      if (this.#replyFds[j] !== this.#requestFds[i]) continue;
      const out = r.slice();
      const odv = new DataView(out.buffer);
      let mine = false;
      for (const [off] of messagesOf(out)) {
        if (odv.getUint32(off + 8, true) !== theirSeq) continue;
        mine = true;
        odv.setUint32(off + 8, seq, true);
        odv.setUint32(off + 12, PORT, true);
      }
      if (mine) this.#queue.push(out.buffer);
    }
    // ip asks no ack for gets; the library always does: the kernel would send one.
    const ackOurs = (dv.getUint16(6, true) & 0x4) !== 0 && (dv.getUint16(6, true) & 0x300) === 0;
    const ackTheirs = (tdv.getUint16(6, true) & 0x4) !== 0;
    if (ackOurs && !ackTheirs) this.#queue.push(ack(seq));
    return true;
  }

  receive(): ArrayBuffer | null {
    this.lastGroups = 0;
    return this.#queue.shift() ?? null;
  }

  readable(): Promise<void> {
    return Promise.reject(new Error("replay: the library waits for more than the capture holds"));
  }

  close(): void {
    this.closed = true;
  }
}

function ack(seq: number, error = 0): ArrayBuffer {
  const b = new ArrayBuffer(36);
  const dv = new DataView(b);
  dv.setUint32(0, 36, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 0x100, true);
  dv.setUint32(8, seq, true);
  dv.setUint32(12, PORT, true);
  dv.setInt32(16, error, true);
  dv.setUint32(20, 16, true);
  dv.setUint32(28, seq, true);
  return b;
}

/** Points an object's `engine` (a GenericNetlink or a family class) at a replay transport. */
export function replayInto(target: { engine: NetlinkEngine }, capture: Capture, genl: boolean) {
  const t = new ReplayTransport(capture, genl);
  Object.defineProperty(target, "engine", { value: new NetlinkEngine(t) });
  return t;
}

/** Zeroes the alignment padding of attributes in `[start, end)`, into nests marked NLA_F_NESTED. */
function zeroPadding(c: Uint8Array, start: number, end: number): void {
  const dv = new DataView(c.buffer, c.byteOffset, c.byteLength);
  for (let p = start; p + 4 <= end;) {
    const len = dv.getUint16(p, true);
    if (len < 4 || p + len > end) return;
    if (dv.getUint16(p + 2, true) & 0x8000) zeroPadding(c, p + 4, p + len);
    const next = Math.min(end, (p + len + 3) & ~3);
    c.fill(0, p + len, next);
    p = next;
  }
}

/**
 * A request with what varies between runs zeroed: sequence number, port, padding (ethtool
 * leaves stale bytes there), and the flags the engine adds (REQUEST, ACK) set, as the canonical
 * form compares them. `fixed` is the size of the family header before the attributes.
 */
export function normalise(b: Uint8Array, fixed = 4): string {
  const c = b.slice();
  const dv = new DataView(c.buffer);
  zeroPadding(c, 16 + ((fixed + 3) & ~3), Math.min(c.length, dv.getUint32(0, true)));
  dv.setUint32(8, 0, true);
  dv.setUint32(12, 0, true);
  dv.setUint16(6, dv.getUint16(6, true) | 0x5, true);
  if (dv.getUint16(6, true) & 0x300) dv.setUint16(6, dv.getUint16(6, true) & ~0x4, true);
  return toHex(c);
}
