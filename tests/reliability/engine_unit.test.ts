/**
 * The request engine against a scripted fake socket (no kernel): one dump at a time per socket,
 * interrupted dumps reported or retried (never merged), timeouts and aborts that leave nothing
 * behind, foreign messages dropped and counted, close with requests pending.
 *
 * @module
 */

import assert from "node:assert/strict";
import { NetlinkEngine } from "../../netlink/engine.ts";
import type { Transport } from "../../netlink/engine.ts";
import { DumpInterruptedError, type NetlinkError } from "../../netlink/errors.ts";
import { NLM_F, NLMSG_DONE, NLMSG_ERROR } from "../../netlink/constants.ts";
import { datagram, nlmsg } from "./util.ts";

const PORT = 777;

/** A socket whose datagrams the test pushes; records what the engine sends. */
class Script implements Transport {
  readonly portId = PORT;
  lastGroups = 0;
  closed = false;
  readonly sent: { seq: number; type: number; dump: boolean; congested: boolean }[] = [];
  /** As the kernel: after an overrun, the socket drops what is sent to it until its queue is read out. */
  congested = false;
  #error?: string;
  readonly #queue: { buf: ArrayBuffer; groups: number }[] = [];
  // Everybody waiting (as the shared poller, a datagram wakes them all).
  #waiters: { wake: () => void; fail: (e: Error) => void }[] = [];

  send(bytes: Uint8Array): boolean {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let off = 0; off + 16 <= bytes.length;) {
      this.sent.push({
        seq: dv.getUint32(off + 8, true),
        type: dv.getUint16(off + 4, true),
        dump: (dv.getUint16(off + 6, true) & NLM_F.DUMP) === NLM_F.DUMP,
        congested: this.congested,
      });
      off += (dv.getUint32(off, true) + 3) & ~3;
    }
    return true;
  }

  receive(): ArrayBuffer | null {
    if (this.#error) {
      const code = this.#error;
      this.#error = undefined;
      throw Object.assign(new Error(code), { code });
    }
    const next = this.#queue.shift();
    if (this.#queue.length === 0) this.congested = false;
    if (!next) return null;
    this.lastGroups = next.groups;
    return next.buf;
  }

  readable(signal?: AbortSignal): Promise<void> {
    if (this.#queue.length > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = {
        wake: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        fail: (e: Error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      };
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(w);
    });
  }

  /** Queues a datagram (groups ≠ 0: a multicast one). */
  push(bytes: Uint8Array, groups = 0): void {
    this.#queue.push({ buf: bytes.slice().buffer, groups });
    const all = this.#waiters;
    this.#waiters = [];
    for (const w of all) w.wake();
  }

  /** The next receive fails with ENOBUFS (the kernel dropped messages). */
  overrun(): void {
    this.#error = "ENOBUFS";
    this.congested = true;
    const all = this.#waiters;
    this.#waiters = [];
    for (const w of all) w.wake();
  }

  close(): void {
    this.closed = true;
    const all = this.#waiters;
    this.#waiters = [];
    for (const w of all) w.fail(new Error("closed"));
  }

  /** The seq of the n-th message sent. */
  seq(n: number): number {
    return this.sent[n].seq;
  }
}

const u32 = (v: number) => new Uint8Array(new Uint32Array([v]).buffer);
/** A reply message carrying one u32 (its identity) after a 16-byte family header. */
const item = (seq: number, id: number, flags: number = NLM_F.MULTI) =>
  nlmsg(16, flags, seq, PORT, datagram(new Uint8Array(16), u32(id)));
const done = (seq: number, flags: number = NLM_F.MULTI) =>
  nlmsg(NLMSG_DONE, flags, seq, PORT, u32(0));
const ack = (seq: number, err = 0) =>
  nlmsg(NLMSG_ERROR, NLM_F.CAPPED, seq, PORT, datagram(u32(err >>> 0), nlmsg(18, 0, seq, 0)));
const decoder = (dv: DataView, _u8: Uint8Array, off: number) => dv.getUint32(off + 32, true);
const req = () => nlmsg(18, 0, 0, 0, new Uint8Array(16));

Deno.test("engine: concurrent dumps run one at a time (the kernel would refuse with EBUSY), each with its own answer", async () => {
  const t = new Script();
  const e = new NetlinkEngine(t);
  const a = e.dumpAll(req(), { decoder });
  const b = e.dumpAll(req(), { decoder });
  const get = e.request(req(), { decoder });
  const c = e.dumpAll(req(), { decoder });
  // Only the first dump and the get went out.
  assert.deepEqual(t.sent.map((s) => s.dump), [true, false]);
  t.push(datagram(item(t.seq(0), 1), item(t.seq(1), 99, 0), ack(t.seq(1))));
  t.push(datagram(item(t.seq(0), 2), done(t.seq(0))));
  assert.deepEqual(await get, [99]);
  assert.deepEqual(await a, [1, 2]);
  // The first ended: the second went out, not the third.
  assert.deepEqual(t.sent.map((s) => s.dump), [true, false, true]);
  t.push(datagram(item(t.seq(2), 3), done(t.seq(2))));
  assert.deepEqual(await b, [3]);
  assert.equal(t.sent.length, 4);
  t.push(datagram(done(t.seq(3))));
  assert.deepEqual(await c, []);
  assert.equal(e.inFlight, 0);
  assert.deepEqual(e.stats, { foreign: 0, malformed: 0, unhandled: 0 });
});

Deno.test("engine: an aborted or abandoned dump holds the socket until its end arrives, discarding the rest", async () => {
  const t = new Script();
  const e = new NetlinkEngine(t);
  const ac = new AbortController();
  const a = e.dumpAll(req(), { decoder, signal: ac.signal });
  const b = e.dumpAll(req(), { decoder });
  t.push(item(t.seq(0), 1));
  await new Promise((r) => setTimeout(r, 0));
  ac.abort(new Error("caller gave up"));
  await assert.rejects(a, /caller gave up/);
  // The kernel still runs the first dump: the second waits for its end.
  assert.equal(t.sent.length, 1);
  t.push(datagram(item(t.seq(0), 2), done(t.seq(0))));
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(t.sent.length, 2);
  t.push(datagram(item(t.seq(1), 3), done(t.seq(1))));
  assert.deepEqual(await b, [3]);
  // An iterator left half way: the same.
  const it = e.dump(req(), { decoder });
  const first = it.next();
  t.push(datagram(item(t.seq(2), 10)));
  assert.equal((await first).value, 10);
  await it.return(undefined);
  const after = e.dumpAll(req(), { decoder });
  assert.equal(t.sent.length, 3);
  t.push(datagram(item(t.seq(2), 11), done(t.seq(2))));
  await new Promise((r) => setTimeout(r, 0));
  t.push(datagram(item(t.seq(3), 12), done(t.seq(3))));
  assert.deepEqual(await after, [12]);
  assert.equal(e.inFlight, 0);
  assert.equal(e.stats.foreign, 0, "the rest of the abandoned dumps was theirs, not foreign");
});

Deno.test("engine: NLM_F_DUMP_INTR is reported, or retried as asked, never merged", async () => {
  const t = new Script();
  const e = new NetlinkEngine(t);
  // Reported: the default.
  const a = e.dumpAll(req(), { decoder });
  t.push(datagram(item(t.seq(0), 1), item(t.seq(0), 2, NLM_F.MULTI | NLM_F.DUMP_INTR)));
  t.push(done(t.seq(0), NLM_F.MULTI | NLM_F.DUMP_INTR));
  await assert.rejects(a, DumpInterruptedError);
  // Retried: the result is the clean attempt alone.
  const b = e.dumpAll(req(), { decoder, retryInterrupted: 2 });
  t.push(datagram(item(t.seq(1), 1), item(t.seq(1), 2)));
  t.push(done(t.seq(1), NLM_F.MULTI | NLM_F.DUMP_INTR));
  await new Promise((r) => setTimeout(r, 0));
  t.push(datagram(item(t.seq(2), 1), done(t.seq(2), NLM_F.MULTI | NLM_F.DUMP_INTR)));
  await new Promise((r) => setTimeout(r, 0));
  t.push(datagram(item(t.seq(3), 7), item(t.seq(3), 8), done(t.seq(3))));
  assert.deepEqual(await b, [7, 8]);
  // Retries used up: reported.
  const c = e.dumpAll(req(), { decoder, retryInterrupted: 1 });
  t.push(datagram(item(t.seq(4), 1), done(t.seq(4), NLM_F.MULTI | NLM_F.DUMP_INTR)));
  await new Promise((r) => setTimeout(r, 0));
  t.push(datagram(item(t.seq(5), 1), done(t.seq(5), NLM_F.MULTI | NLM_F.DUMP_INTR)));
  await assert.rejects(c, DumpInterruptedError);
  // The iterator: yields what came, then throws at the end.
  const seen: number[] = [];
  const it = (async () => {
    for await (const v of e.dump(req(), { decoder })) seen.push(v);
  })();
  t.push(datagram(item(t.seq(6), 5, NLM_F.MULTI | NLM_F.DUMP_INTR), done(t.seq(6))));
  await assert.rejects(it, DumpInterruptedError);
  assert.deepEqual(seen, [5]);
  assert.equal(e.inFlight, 0);
});

Deno.test("engine: a request timing out (AbortSignal.timeout) rejects, leaves nothing pending; its late answer is read and dropped", async () => {
  const t = new Script();
  const e = new NetlinkEngine(t);
  await assert.rejects(e.request(req(), { signal: AbortSignal.timeout(20) }), {
    name: "TimeoutError",
  });
  assert.equal(e.inFlight, 0);
  // The kernel has the request: its answer is still expected (and keeps its share of the window).
  assert.equal(e.window.sent, 1);
  t.push(ack(t.seq(0)));
  const next = e.request(req());
  t.push(ack(t.seq(1)));
  assert.deepEqual(await next, []);
  assert.equal(e.stats.foreign, 0);
  assert.equal(e.window.sent, 0);
});

Deno.test("engine: foreign sequence numbers, foreign ports and multicast messages never answer a request", async () => {
  const t = new Script();
  const e = new NetlinkEngine(t);
  const events: number[] = [];
  const get = e.request(req(), { decoder });
  const seq = t.seq(0);
  t.push(datagram(item(seq + 1, 666, 0), ack(seq + 1))); // another seq
  t.push(datagram(nlmsg(16, 0, seq, PORT + 1, datagram(new Uint8Array(16), u32(666))))); // port
  t.push(datagram(item(seq, 666, 0), ack(seq, -1)), 1); // multicast copy
  t.push(datagram(item(seq, 42, 0), ack(seq)));
  assert.deepEqual(await get, [42]);
  assert.deepEqual(e.stats, { foreign: 3, malformed: 0, unhandled: 2 });
  e.onEvent = (_dv, _u8, _off, _len, type) => events.push(type);
  t.push(item(seq, 1, 0), 4);
  const other = e.request(req(), { decoder });
  t.push(ack(t.seq(1), -17));
  await assert.rejects(other, (err: NetlinkError) => err.code === "EEXIST");
  assert.deepEqual(events, [16]);
});

Deno.test("engine: failAll (close) rejects every pending request and queued dump with a clear error", async () => {
  const t = new Script();
  const e = new NetlinkEngine(t);
  const pending = [
    e.request(req()),
    e.dumpAll(req(), { decoder }),
    e.dumpAll(req(), { decoder }),
    (async () => {
      for await (const _ of e.dump(req(), { decoder })) { /* nothing comes */ }
    })(),
  ];
  await new Promise((r) => setTimeout(r, 0));
  e.failAll(new Error("IPRoute was closed while the request was pending"));
  t.close();
  for (const r of await Promise.allSettled(pending)) {
    assert.equal(r.status, "rejected");
    assert.match(
      String((r as PromiseRejectedResult).reason),
      /closed while the request was pending/,
    );
  }
  assert.equal(e.inFlight, 0);
  await assert.rejects(e.request(req()), /closed/);
});

Deno.test("engine: after an overrun, what is queued is read out before anything is sent; lost reads and dumps are sent again, a dump with data goes on, a lost change fails as of unknown outcome", async () => {
  const t = new Script();
  const e = new NetlinkEngine(t);
  const change = e.request(req(), { decoder }); // seq 0
  const read = e.request(req(), { decoder, idempotent: true }); // seq 1
  const dump = e.dumpAll(req(), { decoder }); // seq 2
  const answered = e.request(req(), { decoder }); // seq 3
  // What made it before the overrun: the dump's first datagram and one answer.
  t.push(datagram(item(t.seq(2), 1)));
  t.push(datagram(item(t.seq(3), 7, 0), ack(t.seq(3))));
  t.overrun();
  assert.deepEqual(await answered, [7]);
  await assert.rejects(
    change,
    (err: Error) =>
      err.name === "OverrunError" && /may or may not have taken effect/.test(err.message),
  );
  // The read went out again, once the queue was read empty (the kernel drops what it sends a
  // congested socket), under its own sequence number.
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(t.sent.length, 5);
  assert.deepEqual(t.sent[4], { seq: t.seq(1), type: 18, dump: false, congested: false });
  t.push(datagram(item(t.seq(1), 3, 0), ack(t.seq(1))));
  assert.deepEqual(await read, [3]);
  // The dump goes on: the kernel never drops dump data.
  t.push(datagram(item(t.seq(2), 2), done(t.seq(2))));
  assert.deepEqual(await dump, [1, 2]);
  // A dump whose first answer was lost is sent again.
  const lost = e.dumpAll(req(), { decoder }); // seq 4
  await new Promise((r) => setTimeout(r, 0));
  t.overrun();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(t.sent.length, 7);
  assert.equal(t.sent[6].seq, t.sent[5].seq);
  assert.equal(t.sent[6].dump, true);
  t.push(datagram(item(t.sent[6].seq, 5), done(t.sent[6].seq)));
  assert.deepEqual(await lost, [5]);
  assert.equal(e.inFlight, 0);
  assert.equal(e.stats.foreign, 0);
});
