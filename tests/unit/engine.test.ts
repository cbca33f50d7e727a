/**
 * The request engine against a fake socket (no kernel): interleaved replies, multipart dumps,
 * errors with extended acks, interrupted dumps, foreign messages, close while pending.
 */

import assert from "node:assert/strict";
import {
  DecodeError,
  DumpInterruptedError,
  NetlinkEngine,
  NetlinkError,
  NLM_F,
  NLMSG_DONE,
  NLMSG_ERROR,
} from "../../netlink/mod.ts";
import type { Transport } from "../../netlink/mod.ts";

const PORT = 4242;

/** A transport whose kernel is a function from each sent message to reply datagrams. */
class FakeTransport implements Transport {
  readonly portId = PORT;
  lastGroups = 0;
  closed = false;
  sent: Uint8Array[] = [];
  queue: { buf: ArrayBuffer; groups: number }[] = [];
  waiters: (() => void)[] = [];
  constructor(readonly kernel: (msg: Uint8Array, t: FakeTransport) => void) {}
  send(bytes: Uint8Array): boolean {
    // Split a packed datagram into its messages, as the kernel does.
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let off = 0; off < bytes.length;) {
      const len = dv.getUint32(off, true);
      const m = bytes.slice(off, off + len);
      this.sent.push(m);
      this.kernel(m, this);
      off += (len + 3) & ~3;
    }
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
    if (this.closed) return Promise.reject(new Error("closed"));
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  close(): void {
    this.closed = true;
  }
}

function msg(
  type: number,
  flags: number,
  seq: number,
  pid: number,
  payload: Uint8Array = new Uint8Array(),
): Uint8Array {
  const len = 16 + payload.length;
  const b = new Uint8Array((len + 3) & ~3);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, len, true);
  dv.setUint16(4, type, true);
  dv.setUint16(6, flags, true);
  dv.setUint32(8, seq, true);
  dv.setUint32(12, pid, true);
  b.set(payload, 16);
  return b;
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

function seqOf(m: Uint8Array): number {
  return new DataView(m.buffer, m.byteOffset).getUint32(8, true);
}

function ack(req: Uint8Array, errno = 0, extack?: { msg?: string; offset?: number }): Uint8Array {
  const tlvs: Uint8Array[] = [];
  if (extack?.msg) {
    const s = new TextEncoder().encode(extack.msg + "\0");
    const a = new Uint8Array((4 + s.length + 3) & ~3);
    new DataView(a.buffer).setUint16(0, 4 + s.length, true);
    new DataView(a.buffer).setUint16(2, 1, true);
    a.set(s, 4);
    tlvs.push(a);
  }
  if (extack?.offset !== undefined) {
    const a = new Uint8Array(8);
    new DataView(a.buffer).setUint16(0, 8, true);
    new DataView(a.buffer).setUint16(2, 2, true);
    new DataView(a.buffer).setUint32(4, extack.offset, true);
    tlvs.push(a);
  }
  const err = new Uint8Array(4);
  new DataView(err.buffer).setInt32(0, -errno, true);
  const flags = NLM_F.CAPPED | (tlvs.length ? NLM_F.ACK_TLVS : 0);
  return msg(NLMSG_ERROR, flags, seqOf(req), PORT, cat(err, req.slice(0, 16), ...tlvs));
}

const noDecoder = { decoder: (_dv: DataView, u8: Uint8Array, off: number) => u8[off + 16] };

Deno.test("engine: requests in flight are matched by sequence number, replies interleaved", async () => {
  const held: Uint8Array[] = [];
  const t = new FakeTransport((m) => held.push(m));
  const e = new NetlinkEngine(t);
  const a = e.request(msg(100, 0, 0, 0, new Uint8Array([1, 0, 0, 0])), noDecoder);
  const b = e.request(msg(100, 0, 0, 0, new Uint8Array([2, 0, 0, 0])), noDecoder);
  await Promise.resolve();
  // Answer b first, each with a reply then an ack, all in one datagram.
  const [ma, mb] = held;
  t.push(
    cat(
      msg(101, 0, seqOf(mb), PORT, new Uint8Array([22, 0, 0, 0])),
      ack(mb),
      msg(101, 0, seqOf(ma), PORT, new Uint8Array([11, 0, 0, 0])),
      ack(ma),
    ),
  );
  assert.deepEqual(await a, [11]);
  assert.deepEqual(await b, [22]);
  assert.equal(e.inFlight, 0);
});

Deno.test("engine: an error carries errno, code and the extended ack", async () => {
  const t = new FakeTransport((m, t) =>
    t.push(ack(m, 17, { msg: "Nexthop has invalid gateway", offset: 16 }))
  );
  const e = new NetlinkEngine(t);
  await assert.rejects(
    e.request(msg(24, 0, 0, 0, new Uint8Array(12)), { describe: "route add" }),
    (err: unknown) => {
      assert.ok(err instanceof NetlinkError);
      assert.equal(err.errno, 17);
      assert.equal(err.code, "EEXIST");
      assert.equal(err.extack.msg, "Nexthop has invalid gateway");
      assert.equal(err.extack.offset, 16);
      assert.match(err.message, /route add: .*EEXIST.*Nexthop has invalid gateway/);
      return true;
    },
  );
});

Deno.test("engine: multipart dumps over several datagrams end at NLMSG_DONE", async () => {
  const t = new FakeTransport((m, t) => {
    const s = seqOf(m);
    t.push(
      cat(
        msg(16, NLM_F.MULTI, s, PORT, new Uint8Array([1, 0, 0, 0])),
        msg(16, NLM_F.MULTI, s, PORT, new Uint8Array([2, 0, 0, 0])),
      ),
    );
    t.push(msg(16, NLM_F.MULTI, s, PORT, new Uint8Array([3, 0, 0, 0])));
    t.push(msg(NLMSG_DONE, NLM_F.MULTI, s, PORT, new Uint8Array(4)));
  });
  const e = new NetlinkEngine(t);
  assert.deepEqual(await e.dumpAll(msg(18, 0, 0, 0), noDecoder), [1, 2, 3]);
  const seen: number[] = [];
  for await (const v of e.dump(msg(18, 0, 0, 0), noDecoder)) seen.push(v as number);
  assert.deepEqual(seen, [1, 2, 3]);
});

Deno.test("engine: a dump error in NLMSG_DONE rejects with NetlinkError", async () => {
  const t = new FakeTransport((m, t) => {
    const err = new Uint8Array(4);
    new DataView(err.buffer).setInt32(0, -95, true);
    t.push(msg(NLMSG_DONE, NLM_F.MULTI, seqOf(m), PORT, err));
  });
  const e = new NetlinkEngine(t);
  await assert.rejects(
    e.dumpAll(msg(18, 0, 0, 0), noDecoder),
    (err: unknown) => err instanceof NetlinkError && err.code === "EOPNOTSUPP",
  );
});

Deno.test("engine: NLM_F_DUMP_INTR is an error unless retried, and retries are fresh dumps", async () => {
  let calls = 0;
  const t = new FakeTransport((m, t) => {
    calls++;
    const s = seqOf(m);
    const intr = calls === 1 ? NLM_F.DUMP_INTR : 0;
    t.push(msg(16, NLM_F.MULTI | intr, s, PORT, new Uint8Array([calls, 0, 0, 0])));
    t.push(msg(NLMSG_DONE, NLM_F.MULTI | intr, s, PORT, new Uint8Array(4)));
  });
  const e = new NetlinkEngine(t);
  await assert.rejects(e.dumpAll(msg(18, 0, 0, 0), noDecoder), DumpInterruptedError);
  calls = 0;
  assert.deepEqual(await e.dumpAll(msg(18, 0, 0, 0), { ...noDecoder, retryInterrupted: 2 }), [2]);
  assert.equal(calls, 2);
});

Deno.test("engine: messages with a foreign sequence number or port are dropped and counted", async () => {
  const t = new FakeTransport((m, t) => {
    t.push(msg(101, 0, seqOf(m) + 1000, PORT, new Uint8Array([9, 0, 0, 0]))); // foreign seq
    t.push(msg(101, 0, seqOf(m), PORT + 1, new Uint8Array([8, 0, 0, 0]))); // foreign port
    t.push(cat(msg(101, 0, seqOf(m), PORT, new Uint8Array([1, 0, 0, 0])), ack(m)));
  });
  const e = new NetlinkEngine(t);
  assert.deepEqual(await e.request(msg(100, 0, 0, 0), noDecoder), [1]);
  assert.equal(e.stats.foreign, 2);
});

Deno.test("engine: failAll (close) rejects pending requests with a clear error", async () => {
  const t = new FakeTransport(() => {});
  const e = new NetlinkEngine(t);
  const p = e.request(msg(100, 0, 0, 0));
  await Promise.resolve();
  e.failAll(new Error("IPRoute was closed while the request was pending"));
  t.close();
  t.waiters.splice(0).forEach((w) => w());
  await assert.rejects(p, /closed while the request was pending/);
});

Deno.test("engine: pipeline packs requests into datagrams and reports each result", async () => {
  const t = new FakeTransport((m, t) => t.push(ack(m, m[16] === 0xee ? 22 : 0)));
  const e = new NetlinkEngine(t);
  const reqs = Array.from(
    { length: 1000 },
    (_, i) => msg(24, 0, 0, 0, new Uint8Array([i === 500 ? 0xee : 1, 0, 0, 0])),
  );
  const results = await e.pipeline(reqs, { window: 64 });
  assert.equal(results.length, 1000);
  assert.equal(results.filter((r) => r instanceof Error).length, 1);
  assert.ok(results[500] instanceof NetlinkError);
  assert.equal(t.sent.length, 1000);
});

Deno.test("engine: a pipeline makes its requests only as the window takes them", async (t) => {
  // A kernel that answers a failure always and an acknowledgement only when asked for one.
  const kernel = (m: Uint8Array, tr: FakeTransport) => {
    const flags = new DataView(m.buffer, m.byteOffset).getUint16(6, true);
    if (m[16] === 0xee) tr.push(ack(m, 17));
    else if (flags & NLM_F.ACK) tr.push(ack(m));
  };
  /** 2000 requests made on demand; the one at index 700 is refused. */
  const list = () => {
    const made = { count: 0 };
    return {
      made,
      length: 2000,
      at(i: number) {
        made.count++;
        return msg(24, 0, 0, 0, new Uint8Array([i === 700 ? 0xee : 1, 0, 0, 0]));
      },
    };
  };

  await t.step("a request list, one ack per datagram, replies not kept", async () => {
    const tr = new FakeTransport(kernel);
    const e = new NetlinkEngine(tr);
    const reqs = list();
    const sends: number[] = [];
    const send = tr.send.bind(tr);
    tr.send = (b) => {
      sends.push(e.inFlight);
      return send(b);
    };
    const answer = e.pipeline(reqs, { window: 64, ackEach: false, replies: false });
    assert.equal(reqs.made.count, 64); // one window's worth, not 2000
    assert.ok(e.inFlight <= 64);
    const results = await answer;
    assert.equal(results.length, 2000);
    assert.equal(reqs.made.count, 2000);
    assert.ok(sends.every((n) => n <= 64), `in flight when sending: ${Math.max(...sends)}`);
    assert.equal(tr.sent.length, 2000);
    assert.ok(results[700] instanceof NetlinkError);
    assert.equal((results[700] as NetlinkError).errno, 17);
    const ok = results.filter((r): r is unknown[] => !(r instanceof Error));
    assert.equal(ok.length, 1999);
    // Every success is the one shared, frozen empty list.
    assert.ok(ok.every((r) => r === ok[0]) && Object.isFrozen(ok[0]) && ok[0].length === 0);
    assert.equal(e.inFlight, 0);
  });

  await t.step("an abort settles the requests in flight and those never made", async () => {
    const tr = new FakeTransport(() => {}); // never answers
    const e = new NetlinkEngine(tr);
    const reqs = list();
    const ac = new AbortController();
    const answer = e.pipeline(reqs, { window: 64, ackEach: false, signal: ac.signal });
    assert.equal(reqs.made.count, 64);
    ac.abort(new Error("stop"));
    const results = await answer;
    assert.equal(results.length, 2000);
    assert.ok(results.every((r) => r instanceof Error && r.message === "stop"));
    assert.equal(reqs.made.count, 64);
    assert.equal(e.inFlight, 0);
  });

  await t.step(
    "replies not kept: a datagram is one entry, its requests matched by sequence number",
    async () => {
      // Requests 63, 64 and 127 are refused: the last of the first datagram (its answer is the
      // error, with the extended ack's message), the first of the second, the last of the second.
      const refused = new Set([63, 64, 127]);
      const tr = new FakeTransport((m, tr) => {
        const flags = new DataView(m.buffer, m.byteOffset).getUint16(6, true);
        if (m[17] === 1) tr.push(ack(m, 17, { msg: `no ${m[16]}` }));
        else if (flags & NLM_F.ACK) tr.push(ack(m));
      });
      const e = new NetlinkEngine(tr);
      const reqs = Array.from(
        { length: 200 },
        (_, i) => msg(24, 0, 0, 0, new Uint8Array([i & 0xff, refused.has(i) ? 1 : 0, 0, 0])),
      );
      const results = await e.pipeline(reqs, { window: 64, ackEach: false, replies: false });
      // Consecutive sequence numbers; only each datagram's last request asks for an ack.
      const seqs = tr.sent.map(seqOf);
      assert.ok(seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1));
      const acked = tr.sent.map((m, i) => (m[6] & NLM_F.ACK) !== 0 ? i : -1).filter((i) => i >= 0);
      assert.deepEqual(acked, [63, 127, 191, 199]);
      for (const [i, r] of results.entries()) {
        if (refused.has(i)) {
          assert.ok(r instanceof NetlinkError, `request ${i}`);
          assert.equal(r.errno, 17);
          assert.match(r.message, new RegExp(`no ${i}`));
        } else assert.ok(!(r instanceof Error), `request ${i}: ${r}`);
      }
      assert.equal(e.inFlight, 0);
      assert.equal(e.stats.foreign, 0);
    },
  );

  await t.step(
    "replies not kept: an abort settles the datagrams in flight; late answers are dropped quietly",
    async () => {
      const held: Uint8Array[] = [];
      const tr = new FakeTransport((m) => held.push(m)); // answers only when told
      const e = new NetlinkEngine(tr);
      const reqs = list();
      const ac = new AbortController();
      const answer = e.pipeline(reqs, {
        window: 64,
        ackEach: false,
        replies: false,
        signal: ac.signal,
      });
      assert.equal(reqs.made.count, 64);
      ac.abort(new Error("stop"));
      const results = await answer;
      assert.equal(results.length, 2000);
      assert.ok(results.every((r) => r instanceof Error && r.message === "stop"));
      // The kernel answers the datagram it had after all: a refusal in the middle, then the ack.
      tr.push(cat(ack(held[10], 17), ack(held[63])));
      const next = e.request(msg(100, 0, 0, 0), {});
      tr.push(ack(held[held.length - 1]));
      assert.deepEqual(await next, []);
      assert.equal(e.stats.foreign, 0);
      assert.equal(e.inFlight, 0);
    },
  );

  await t.step("replies not kept: a malformed answer fails its own request only", async () => {
    const tr = new FakeTransport((m, tr) => {
      const flags = new DataView(m.buffer, m.byteOffset).getUint16(6, true);
      // Request 5 gets an NLMSG_ERROR cut short (no error code); the others are acknowledged
      // only when they ask.
      if (m[16] === 5) tr.push(msg(2, 0, seqOf(m), PORT));
      else if (flags & NLM_F.ACK) tr.push(ack(m));
    });
    const e = new NetlinkEngine(tr);
    const reqs = Array.from(
      { length: 10 },
      (_, i) => msg(24, 0, 0, 0, new Uint8Array([i, 0, 0, 0])),
    );
    const results = await e.pipeline(reqs, { window: 64, ackEach: false, replies: false });
    assert.ok(results[5] instanceof DecodeError, String(results[5]));
    assert.ok(results.every((r, i) => i === 5 || !(r instanceof Error)));
  });

  await t.step("replies not kept: a closed socket settles a datagram in flight", async () => {
    const tr = new FakeTransport(() => {});
    const e = new NetlinkEngine(tr);
    const answer = e.pipeline(list(), { window: 64, ackEach: false, replies: false });
    await Promise.resolve();
    e.failAll(new Error("closed under it"));
    tr.close();
    tr.waiters.splice(0).forEach((w) => w());
    const results = await answer;
    assert.ok(
      results.slice(0, 64).every((r) => r instanceof Error && /closed under it/.test(r.message)),
    );
    assert.equal(e.inFlight, 0);
  });

  await t.step("a closed socket rejects the pipeline before anything is sent", async () => {
    const tr = new FakeTransport(kernel);
    const e = new NetlinkEngine(tr);
    tr.closed = true;
    await assert.rejects(e.pipeline(list(), { window: 64 }), /closed/);
    assert.equal(tr.sent.length, 0);
  });
});
