/**
 * The engine's reply window and fairness against a simulated kernel (no kernel needed): a socket
 * that answers each request while it is sent, counts what it queues as the kernel does
 * (`truesize` against the receive buffer), drops answers and reports ENOBUFS once the buffer is
 * full, and stays congested until its queue is read empty.
 *
 * @module
 */

import assert from "node:assert/strict";
import { NetlinkEngine } from "../../netlink/engine.ts";
import type { Transport } from "../../netlink/engine.ts";
import { truesize } from "../../netlink/window.ts";
import { NLM_F, NLMSG_DONE, NLMSG_ERROR } from "../../netlink/constants.ts";
import { datagram, nlmsg } from "./util.ts";

const PORT = 4321;
const GET = 18;
const CHANGE = 16;

/** A kernel that answers at once, with a receive buffer it enforces. */
class Kernel implements Transport {
  readonly portId = PORT;
  lastGroups = 0;
  closed = false;
  /** Sent messages, by type. */
  readonly sent: number[] = [];
  /** Sent messages: whether each was a dump. */
  readonly log: { dump: boolean }[] = [];
  /** Answers dropped for lack of room. */
  dropped = 0;
  /** The most the queue held (true sizes). */
  peak = 0;
  /** Size of a get's reply datagram. */
  replySize = 100;
  readonly #queue: ArrayBuffer[] = [];
  #queued = 0;
  #congested = false;
  #error = false;

  constructor(readonly rcvbuf?: number) {}

  send(bytes: Uint8Array): boolean {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let off = 0; off + 16 <= bytes.length;) {
      const len = dv.getUint32(off, true);
      const type = dv.getUint16(off + 4, true);
      const flags = dv.getUint16(off + 6, true);
      const seq = dv.getUint32(off + 8, true);
      this.sent.push(type);
      this.log.push({ dump: (flags & NLM_F.DUMP) === NLM_F.DUMP });
      if (type === GET) {
        const body = new Uint8Array(this.replySize - 16);
        new DataView(body.buffer).setUint32(0, seq, true);
        this.#put(nlmsg(GET - 2, flags & NLM_F.DUMP ? NLM_F.MULTI : 0, seq, PORT, body));
        if (flags & NLM_F.DUMP) this.#put(nlmsg(NLMSG_DONE, NLM_F.MULTI, seq, PORT, u32(0)));
      }
      if (flags & NLM_F.ACK) this.#put(ack(seq));
      off += (len + 3) & ~3;
    }
    return true;
  }

  #put(bytes: Uint8Array): void {
    // As netlink_attachskb: no room (or congested): dropped, ENOBUFS reported once.
    if (this.rcvbuf !== undefined && (this.#queued > this.rcvbuf || this.#congested)) {
      this.dropped++;
      this.#congested = true;
      this.#error = true;
      return;
    }
    this.#queue.push(bytes.slice().buffer);
    this.#queued += truesize(bytes.byteLength);
    this.peak = Math.max(this.peak, this.#queued);
  }

  receive(): ArrayBuffer | null {
    if (this.#error) {
      this.#error = false;
      throw Object.assign(new Error("ENOBUFS"), { code: "ENOBUFS" });
    }
    const buf = this.#queue.shift();
    if (!buf) return null;
    this.#queued -= truesize(buf.byteLength);
    if (this.#queue.length === 0) this.#congested = false;
    return buf;
  }

  readable(): Promise<void> {
    // Everything is answered while it is sent: waiting here means a lost answer.
    return Promise.reject(new Error("waited for an answer that will never come"));
  }

  close(): void {
    this.closed = true;
  }
}

const u32 = (v: number) => new Uint8Array(new Uint32Array([v]).buffer);
const ack = (seq: number) =>
  nlmsg(NLMSG_ERROR, NLM_F.CAPPED, seq, PORT, datagram(u32(0), nlmsg(GET, 0, seq, 0)));
const req = (type: number) => nlmsg(type, 0, 0, 0, new Uint8Array(16));
/** A get's reply carries its own sequence number: check each answer is its own. */
const decoder = (dv: DataView, _u8: Uint8Array, off: number) => dv.getUint32(off + 16, true);

Deno.test("window: 20,000 concurrent changes all succeed; the queue never exceeds the buffer", async () => {
  const k = new Kernel(256 << 10);
  const e = new NetlinkEngine(k);
  const all = await Promise.allSettled(
    Array.from({ length: 20000 }, () => e.request(req(CHANGE))),
  );
  assert.equal(all.filter((r) => r.status === "rejected").length, 0);
  assert.equal(k.dropped, 0);
  assert.ok(k.peak <= k.rcvbuf!, `peak ${k.peak}`);
  assert.equal(e.window.used, 0);
});

Deno.test("window: the first request of a type runs alone; then as many as the budget holds go out", async () => {
  const k = new Kernel(256 << 10);
  const e = new NetlinkEngine(k);
  const gets = Array.from({ length: 500 }, () => e.request(req(GET), { decoder }));
  // Sent synchronously: the first one only (its reply size is unknown).
  assert.equal(k.sent.length, 1);
  assert.equal(e.window.queued, 499);
  const replies = await Promise.all(gets);
  assert.equal(new Set(replies.map(([seq]) => seq)).size, 500);
  assert.equal(k.dropped, 0);
  assert.ok(k.peak <= k.rcvbuf! / 2, `peak ${k.peak}`);
  // Now known: a second round goes out at once, as far as the budget holds.
  const more = Array.from({ length: 500 }, () => e.request(req(GET), { decoder }));
  const out = 1000 - 500 - e.window.queued;
  assert.ok(out > 10 && out < 500, `${out} sent at once`);
  await Promise.all(more);
});

Deno.test("window: replies far larger than any before overrun; the reads are sent again and all succeed", async () => {
  const k = new Kernel(256 << 10);
  const e = new NetlinkEngine(k);
  await e.request(req(GET), { decoder, idempotent: true }); // learns 100-byte replies
  k.replySize = 12000;
  const gets = Array.from(
    { length: 300 },
    () => e.request(req(GET), { decoder, idempotent: true }),
  );
  const replies = await Promise.all(gets);
  assert.equal(replies.length, 300);
  assert.ok(k.dropped > 0, "nothing was dropped: the test did not overrun");
  // Learnt: the next round fits.
  const dropped = k.dropped;
  await Promise.all(Array.from({ length: 300 }, () => e.request(req(GET), { decoder })));
  assert.equal(k.dropped, dropped);
});

Deno.test("window: a change whose answer was lost fails as of unknown outcome", async () => {
  const k = new Kernel(256 << 10);
  const e = new NetlinkEngine(k);
  await e.request(req(GET), { decoder }); // learns 100-byte replies
  k.replySize = 12000;
  const calls = [
    ...Array.from({ length: 300 }, () => e.request(req(GET), { decoder })),
    ...Array.from({ length: 300 }, () => e.request(req(CHANGE))),
  ];
  const settled = await Promise.allSettled(calls);
  const errors = settled.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
  assert.ok(errors.length > 0);
  for (const r of errors) {
    assert.equal(r.reason.name, "OverrunError");
    assert.match(r.reason.message, /may or may not have taken effect/);
  }
  assert.equal(e.inFlight, 0);
});

Deno.test("window: requests and dumps go out in the order they were made (a dump does not overtake a queued request)", async () => {
  const k = new Kernel(256 << 10);
  const e = new NetlinkEngine(k);
  await e.request(req(CHANGE)); // changes are known now; gets are not
  const sent = k.sent.length;
  const calls = [
    e.request(req(CHANGE)),
    e.request(req(GET), { decoder }), // the first get runs alone: it waits for the change
    e.dumpAll(req(GET), { decoder }),
  ];
  assert.deepEqual(k.sent.slice(sent), [CHANGE]);
  await Promise.all(calls);
  const kinds = k.log.slice(sent + 1).map((m) => m.dump ? "dump" : "get");
  assert.deepEqual(kinds, ["get", "dump"]);
});

Deno.test("window: pipelines respect the budget too (datagrams cut to fit)", async () => {
  const k = new Kernel(64 << 10);
  const e = new NetlinkEngine(k);
  const results = await e.pipeline(Array.from({ length: 5000 }, () => req(CHANGE)), {
    window: 512,
  });
  assert.equal(results.filter((r) => r instanceof Error).length, 0);
  assert.equal(k.dropped, 0);
  assert.ok(k.peak <= k.rcvbuf!, `peak ${k.peak}`);
});

Deno.test("fairness: a 10 ms timer fires while a socket that answers at once serves 50,000 awaited requests", async () => {
  const e = new NetlinkEngine(new Kernel());
  let firedAfter = -1;
  let done = 0;
  const timer = setTimeout(() => firedAfter = done, 10);
  try {
    while (done < 50000 && firedAfter < 0) {
      await e.request(req(CHANGE));
      done++;
    }
  } finally {
    clearTimeout(timer);
  }
  assert.ok(firedAfter >= 0 && firedAfter < 50000, `fired after ${firedAfter}`);
});

Deno.test("fairness: a 10 ms timer fires while 20,000 concurrent requests are answered", async () => {
  const e = new NetlinkEngine(new Kernel(8 << 20));
  let firedAfter = -1;
  let done = 0;
  const timer = setTimeout(() => firedAfter = done, 10);
  try {
    await Promise.all(
      Array.from({ length: 20000 }, () => e.request(req(CHANGE)).then(() => done++)),
    );
  } finally {
    clearTimeout(timer);
  }
  assert.ok(firedAfter >= 0 && firedAfter < 20000, `fired after ${firedAfter}`);
});
