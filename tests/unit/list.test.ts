/**
 * The lazy message list (netlink/list.ts), without a kernel: route messages encoded into
 * datagrams, listed, and read back through every array-like way; no view is made before an
 * element is read.
 */

import assert from "node:assert/strict";
import {
  DumpInterruptedError,
  encodeMessage,
  messageViewClass,
  NetlinkEngine,
  NLM_F,
} from "../../netlink/mod.ts";
import type { Transport } from "../../netlink/mod.ts";
import { RtnlCore } from "../../rtnl/core.ts";
import { emptyList, MessageListBuilder } from "../../netlink/list.ts";
import type { MessageList } from "../../netlink/list.ts";
import { ROUTE_MESSAGE, RTM } from "../../rtnl/schemas/mod.ts";
import type { Route } from "../../rtnl/route.ts";

const RouteView = messageViewClass(ROUTE_MESSAGE);
/** How many views the counting class has made. */
let made = 0;
class Counted extends RouteView {
  constructor(dv: DataView, u8: Uint8Array, offset: number, length: number) {
    super(dv, u8, offset, length);
    made++;
  }
}

function route(i: number): Uint8Array {
  return encodeMessage(ROUTE_MESSAGE, {
    type: RTM.NEWROUTE,
    flags: NLM_F.MULTI,
    header: { family: 2, dst_len: 24, table: 254, type: 1 },
    attrs: { table: 254, dst: `10.${i >> 8}.${i & 255}.0`, oif: 1 + (i % 3) },
  });
}

/** `n` routes in datagrams of `perGram` messages, recorded by a builder. */
function build(n: number, perGram: number): MessageListBuilder {
  const b = new MessageListBuilder();
  for (let first = 0; first < n; first += perGram) {
    const msgs: Uint8Array[] = [];
    for (let i = first; i < Math.min(n, first + perGram); i++) msgs.push(route(i));
    const u8 = new Uint8Array(msgs.reduce((s, m) => s + m.length, 0));
    const dv = new DataView(u8.buffer);
    let off = 0;
    for (const m of msgs) {
      u8.set(m, off);
      b.add(dv, u8, off, m.length);
      off += m.length;
    }
  }
  return b;
}

function list(n = 10, perGram = 4): MessageList<Route> {
  return build(n, perGram).list(
    Counted as unknown as new (
      dv: DataView,
      u8: Uint8Array,
      offset: number,
      length: number,
    ) => Route,
  );
}

const dst = (i: number) => `10.${i >> 8}.${i & 255}.0`;

Deno.test("list: no view is made until an element is read", () => {
  made = 0;
  const l = list(1000, 37);
  assert.equal(l.length, 1000);
  assert.ok(Array.isArray(l));
  assert.equal(made, 0, "listing, length and Array.isArray make no view");
  assert.equal(l[999].dst, dst(999));
  assert.equal(made, 1, "one read, one view");
  let n = 0;
  for (const r of l) n += r.dst ? 1 : 0;
  assert.equal(n, 1000);
  assert.equal(made, 1001, "iteration makes one view per element");
});

Deno.test("list: index access, out of range, at()", () => {
  const l = list(10, 4);
  for (let i = 0; i < l.length; i++) assert.equal(l[i].dst, dst(i));
  assert.equal(l[10], undefined);
  assert.equal(l[-1], undefined);
  assert.equal((l as unknown as Record<string, unknown>)["01"], undefined, "not an index");
  assert.equal((l as unknown as Record<string, unknown>)["1.0"], undefined, "not an index");
  assert.equal(l.at(-1)?.dst, dst(9));
  assert.equal(l.at(0)?.dst, dst(0));
  assert.equal(l.at(10), undefined);
  assert.equal(l.at(-11), undefined);
  assert.ok(5 in l && !(10 in l));
  assert.notEqual(l[0], l[0], "each read is a fresh view");
  // Reads in any order find their datagram.
  for (const i of [7, 0, 9, 3, 4, 8, 1]) assert.equal(l[i].dst, dst(i));
});

Deno.test("list: iteration, spreading, Array.from, keys", () => {
  const l = list(10, 3);
  assert.deepEqual([...l].map((r) => r.dst), Array.from({ length: 10 }, (_, i) => dst(i)));
  assert.deepEqual(Array.from(l, (r) => r.oif), Array.from({ length: 10 }, (_, i) => 1 + i % 3));
  assert.deepEqual([...l.values()].length, 10);
  assert.deepEqual(Object.keys(l), Array.from({ length: 10 }, (_, i) => String(i)));
  assert.deepEqual([...l.entries()].map(([i, r]) => [i, r.dst]), [...l].map((r, i) => [i, r.dst]));
});

Deno.test("list: map, filter, find, findIndex, some, every, forEach, reduce, slice", () => {
  const l = list(10, 4);
  const oifs = l.map((r) => r.oif);
  assert.ok(!("toArray" in oifs), "map gives an ordinary array");
  assert.deepEqual(oifs, [1, 2, 3, 1, 2, 3, 1, 2, 3, 1]);
  const twos = l.filter((r) => r.oif === 2);
  assert.ok(Array.isArray(twos));
  assert.equal(typeof (twos as MessageList<Route>).toArray, "function", "filter is lazy too");
  assert.deepEqual(twos.map((r) => r.dst), [dst(1), dst(4), dst(7)]);
  assert.deepEqual(twos.filter((_, i) => i > 0).map((r) => r.dst), [dst(4), dst(7)]);
  // Only the last datagram's messages: the earlier datagrams hold none of the subset.
  const tail = l.filter((_, i) => i >= 8);
  assert.deepEqual(tail.map((r) => r.dst), [dst(8), dst(9)]);
  assert.equal(tail[1].dst, dst(9));
  assert.equal(l.filter(() => false).length, 0);
  assert.equal(l.find((r) => r.oif === 3)?.dst, dst(2));
  assert.equal(l.find(() => false), undefined);
  assert.equal(l.findIndex((r) => r.dst === dst(6)), 6);
  assert.equal(l.findIndex(() => false), -1);
  assert.ok(l.some((r) => r.dst === dst(9)));
  assert.ok(!l.some(() => false));
  assert.ok(l.every((r) => r.table === 254));
  assert.ok(!l.every((r) => r.oif === 1));
  const seen: number[] = [];
  l.forEach((r, i, all) => {
    assert.equal(all, l);
    seen.push(i);
    assert.equal(r.dst, dst(i));
  });
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(l.reduce((s, r) => s + r.oif!, 0), 19);
  assert.equal(l.reduce((a, r) => (r.oif! > a.oif! ? r : a)).dst, dst(2));
  assert.throws(() => emptyList<Route>().reduce((a) => a), TypeError);
  assert.deepEqual(l.slice(2, 4).map((r) => r.dst), [dst(2), dst(3)]);
  assert.deepEqual(l.slice(-2).map((r) => r.dst), [dst(8), dst(9)]);
  assert.equal(l.slice(5, 2).length, 0);
  assert.deepEqual(l.slice().map((r) => r.dst), l.map((r) => r.dst));
  assert.throws(() => l.map(3 as never), TypeError);
  // What the list does not answer itself goes through the element traps.
  assert.equal(l.concat([]).length, 10);
  assert.equal(l.findLast((r) => r.oif === 1)?.dst, dst(9));
  assert.equal(l.join(",").split(",").length, 10);
});

Deno.test("list: toJSON equals the array form; toArray; deepEqual; inspect", () => {
  const l = list(6, 4);
  const arr = l.toArray();
  assert.equal(arr.length, 6);
  assert.ok(!("toArray" in arr));
  assert.equal(JSON.stringify(l), JSON.stringify(arr));
  assert.deepEqual(l.toJSON(), JSON.parse(JSON.stringify(arr)));
  assert.equal((JSON.parse(JSON.stringify(l)) as { dst: string }[])[5].dst, dst(5));
  assert.deepEqual(l, arr);
  assert.deepEqual(emptyList(), []);
  assert.equal(Object.getPrototypeOf(l), Array.prototype);
  const shown = Deno.inspect(l);
  assert.ok(shown.includes(dst(5)) && !shown.includes("empty"), shown);
});

Deno.test("list: a change turns it into an ordinary array of views", () => {
  const l = list(5, 2);
  l.push(l[0]);
  assert.equal(l.length, 6);
  assert.equal(l[5].dst, dst(0));
  const first = l[1];
  assert.equal(l[1], first, "views are now kept");
  l.sort((a, b) => b.dst!.localeCompare(a.dst!));
  assert.deepEqual(l.map((r) => r.dst), [dst(4), dst(3), dst(2), dst(1), dst(0), dst(0)]);
  assert.equal(l.toArray().length, 6);
  assert.equal(JSON.parse(JSON.stringify(l)).length, 6);
  const m = list(3, 2);
  m[0] = m[2];
  assert.equal(m[0].dst, dst(2));
  const f = Object.freeze(list(2, 2));
  assert.ok(Object.isFrozen(f));
  assert.equal(f[1].dst, dst(1));
});

Deno.test("list: a dump that started again keeps only its last run", async () => {
  // A fake kernel: the first run of the dump is marked interrupted (NLM_F_DUMP_INTR), the
  // second is whole; the list holds the second run only.
  const runs = [[0, 1, 2, 3, 4, 5], [10, 11, 12]];
  let run = 0;
  const queue: ArrayBuffer[] = [];
  const transport: Transport = {
    portId: 77,
    lastGroups: 0,
    closed: false,
    send(bytes: Uint8Array): boolean {
      const seq = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
      const ids = runs[run];
      const msgs = [...ids.map(route), new Uint8Array(20)];
      const u8 = new Uint8Array(msgs.reduce((n, m) => n + m.length, 0));
      const dv = new DataView(u8.buffer);
      let off = 0;
      for (const [k, m] of msgs.entries()) {
        u8.set(m, off);
        if (k === ids.length) dv.setUint32(off, 20, true), dv.setUint16(off + 4, 3, true);
        const flags = NLM_F.MULTI | (run === 0 && k === 1 ? 0x10 : 0);
        dv.setUint16(off + 6, flags, true);
        dv.setUint32(off + 8, seq, true);
        dv.setUint32(off + 12, 77, true);
        off += m.length;
      }
      queue.push(u8.buffer);
      run++;
      return true;
    },
    receive: () => queue.shift() ?? null,
    readable: () => Promise.resolve(),
    close() {},
  };
  const core = Object.create(RtnlCore.prototype) as RtnlCore;
  Object.defineProperty(core, "engine", { value: new NetlinkEngine(transport) });
  const spec = { type: RTM.GETROUTE, flags: 0, header: { family: 2 } };
  const l = await core.dumpList(ROUTE_MESSAGE, spec, { retryInterrupted: 1 });
  assert.equal(run, 2);
  assert.deepEqual(l.map((r) => r.dst), [dst(10), dst(11), dst(12)]);
  run = 0;
  await assert.rejects(() => core.dumpList(ROUTE_MESSAGE, spec), DumpInterruptedError);
});

Deno.test("list: the builder is the engine's result collector", () => {
  const b = build(10, 4);
  assert.equal(b.length, 10);
  b.push(undefined as never);
  assert.equal(b.length, 10, "push keeps nothing: add records");
  assert.equal(b.list(RouteView as never).length, 10);
  // Appending: the messages of two dumps in one list, in order.
  const all = build(3, 2);
  all.append(build(5, 4));
  all.append(new MessageListBuilder());
  const l = all.list(RouteView as never) as MessageList<Route>;
  assert.deepEqual(l.map((r) => r.dst), [0, 1, 2, 0, 1, 2, 3, 4].map(dst));
  assert.equal(l[4].dst, dst(1));
});
