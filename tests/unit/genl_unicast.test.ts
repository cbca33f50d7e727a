/**
 * The engine's handling of what the kernel sends on its own, without a kernel: unicast records
 * (nlmsg_pid 0, as taskstats exit records) go to onUnicast, even while a request is pending
 * and in the same datagram as its reply; without the hook, and for anything else that matches
 * no request, they are counted as foreign.
 */

import assert from "node:assert/strict";
import { NetlinkEngine, NLMSG_ERROR } from "../../netlink/mod.ts";
import type { Transport } from "../../netlink/mod.ts";

const PORT = 777;

class Fake implements Transport {
  readonly portId = PORT;
  lastGroups = 0;
  closed = false;
  queue: { buf: ArrayBuffer; groups: number }[] = [];
  waiters: (() => void)[] = [];
  onSend?: (seq: number) => void;
  send(bytes: Uint8Array): boolean {
    this.onSend?.(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true));
    return true;
  }
  push(buf: Uint8Array, groups = 0): void {
    this.queue.push({ buf: buf.slice().buffer, groups });
    this.waiters.splice(0).forEach((w) => w());
  }
  receive(): ArrayBuffer | null {
    const item = this.queue.shift();
    if (!item) return null;
    this.lastGroups = item.groups;
    return item.buf;
  }
  readable(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  close(): void {
    this.closed = true;
  }
}

function msg(type: number, seq: number, pid: number, payload = new Uint8Array()): Uint8Array {
  const len = 16 + payload.length;
  const b = new Uint8Array((len + 3) & ~3);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, len, true);
  dv.setUint16(4, type, true);
  dv.setUint32(8, seq, true);
  dv.setUint32(12, pid, true);
  b.set(payload, 16);
  return b;
}

function ack(seq: number): Uint8Array {
  const p = new Uint8Array(4 + 16);
  return msg(NLMSG_ERROR, seq, PORT, p);
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

Deno.test("genl engine: kernel unicast records go to onUnicast, replies to their request", async () => {
  const t = new Fake();
  const e = new NetlinkEngine(t);
  const seen: [number, number][] = [];
  e.onUnicast = (dv, _u8, off, _len, type) => seen.push([type, dv.getUint32(off + 8, true)]);
  // The kernel queues an exit record (seq = its per-CPU counter) before the ack.
  t.onSend = (seq) => t.push(cat(msg(31, 5, 0), ack(seq)));
  const req = msg(31, 0, 0);
  const replies = await e.request(req);
  assert.deepEqual(replies, []);
  assert.deepEqual(seen, [[31, 5]]);
  t.push(msg(31, 6, 0));
  e.dispatch(t.receive()!);
  assert.deepEqual(seen, [[31, 5], [31, 6]]);
  assert.equal(e.stats.foreign, 0);
});

Deno.test("genl engine: without the hook, or addressed to our port, unicast stays foreign", () => {
  const t = new Fake();
  const e = new NetlinkEngine(t);
  t.push(msg(31, 5, 0));
  e.dispatch(t.receive()!);
  assert.equal(e.stats.foreign, 1);
  let called = 0;
  e.onUnicast = () => called++;
  // A stale reply to this port (no pending request) is not a kernel-initiated record.
  t.push(msg(31, 99, PORT));
  e.dispatch(t.receive()!);
  assert.equal(called, 0);
  assert.equal(e.stats.foreign, 2);
  // Multicast still goes to onEvent (or counts as unhandled), never to onUnicast.
  t.push(msg(31, 0, 0), 4);
  e.dispatch(t.receive()!);
  assert.equal(called, 0);
  assert.equal(e.stats.unhandled, 1);
});
