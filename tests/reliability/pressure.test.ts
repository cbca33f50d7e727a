/**
 * The engine under pressure, against the real kernel: any number of concurrent requests succeed
 * (the engine keeps their answers within the receive buffer, so none is dropped), and the event
 * loop keeps turning: a timer fires while tens of thousands of requests are answered, and an
 * abort signal stops a large dump between two of its datagrams. No wall-clock assertions: what
 * is checked is what happened before what.
 *
 * @module
 */

import assert from "node:assert/strict";
import { IPRoute } from "../../mod.ts";
import { ROUTE_MESSAGE } from "../../rtnl/schemas/route.ts";
import { RTM } from "../../rtnl/constants.ts";
import { isRoot, withNetns } from "../helpers.ts";
import { ipBatch, scale } from "./util.ts";

const ignore = !isRoot;

async function setup(ns: string): Promise<void> {
  await ipBatch(ns, [
    "link add v0 type veth peer name v1",
    "link set lo up",
    "link set v0 up",
    "link set v1 up",
    "addr add 10.0.0.1/24 dev v0",
  ]);
}

/** The i-th of many /32 destinations. */
const dst = (i: number) => `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

Deno.test({
  name: "pressure: 20,000 concurrent route adds on one IPRoute all succeed, and all are there",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      const N = scale(20000, 100000);
      using ip = new IPRoute({ netns: ns });
      const settled = await Promise.allSettled(
        Array.from({ length: N }, (_, i) =>
          ip.route("add", { dst: `${dst(i)}/32`, gateway: "10.0.0.2" })),
      );
      const failed = settled.filter((r) =>
        r.status === "rejected"
      ) as PromiseRejectedResult[];
      assert.equal(failed.length, 0, `${failed.length} failed, first: ${failed[0]?.reason}`);
      const routes = await ip.getRoutes({ table: 254 });
      assert.equal(routes.filter((r) => r.gateway === "10.0.0.2").length, N);
      assert.equal(ip.engine.inFlight, 0);
      assert.equal(ip.engine.window.used, 0);
    }, "rpress"),
});

Deno.test({
  name: "pressure: 5,000 concurrent link gets all succeed",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      using ip = new IPRoute({ netns: ns });
      const links = await Promise.all(
        Array.from({ length: 5000 }, (_, i) => ip.link("get", { index: (i % 3) + 1 })),
      );
      assert.deepEqual(
        [...new Set(links.map(([l]) => l.ifname))].sort(),
        ["lo", "v0", "v1"],
      );
    }, "rpress"),
});

Deno.test({
  name: "fairness: a 10 ms timer fires while 50,000 awaited link gets are being answered",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const N = 50000;
      let firedAfter = -1;
      let done = 0;
      const timer = setTimeout(() => firedAfter = done, 10);
      try {
        // Every answer is queued before the request's send returns: without yielding, the
        // event loop would not turn until the loop ends.
        while (done < N && firedAfter < 0) {
          await ip.link("get", { index: 1 });
          done++;
        }
      } finally {
        clearTimeout(timer);
      }
      assert.ok(firedAfter >= 0, `the timer had not fired after all ${N} requests`);
      assert.ok(firedAfter < N);
    }, "rfair"),
});

Deno.test({
  name: "fairness: a 10 ms timer fires while 20,000 concurrent route gets are being answered",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      using ip = new IPRoute({ netns: ns });
      const N = 20000;
      let firedAfter = -1;
      let done = 0;
      const timer = setTimeout(() => firedAfter = done, 10);
      try {
        await Promise.all(
          Array.from({ length: N }, (_, i) =>
            ip.route("get", { dst: `10.0.0.${(i % 250) + 2}` }).then(() => done++)),
        );
      } finally {
        clearTimeout(timer);
      }
      assert.ok(firedAfter >= 0, `the timer had not fired after all ${N} requests`);
      assert.ok(firedAfter < N, "the timer fired only once every request was answered");
    }, "rfair"),
});

Deno.test({
  name:
    "fairness: AbortSignal.timeout stops a dump of 50,000 routes between datagrams; the connection goes on",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      const N = 50000;
      using ip = new IPRoute({ netns: ns });
      await ip.batch((b) => {
        for (let i = 0; i < N; i++) b.route("add", { dst: `${dst(i)}/32`, gateway: "10.0.0.2" });
      });
      const spec = { type: RTM.GETROUTE, flags: 0, header: { family: 2 }, attrs: {} };
      // The whole dump.
      let datagramsBefore = 0;
      const all = await ip.dump(ROUTE_MESSAGE, spec);
      assert.ok(all.length > N);
      // Aborted by a timer: the timer runs between two datagrams, and the dump stops there.
      const received: number[] = [];
      const signal = AbortSignal.timeout(1);
      signal.addEventListener("abort", () => datagramsBefore = received.length);
      await assert.rejects(
        ip.dump(ROUTE_MESSAGE, spec, {
          signal,
          decoder: (_dv, _u8, off) => {
            received.push(off);
            return undefined;
          },
        }),
        { name: "TimeoutError" },
      );
      assert.ok(received.length < all.length, "every route was decoded: the dump ran to its end");
      assert.equal(received.length, datagramsBefore, "a route was decoded after the abort");
      // The iterator form stops the same way.
      const it = ip.dumpIter(ROUTE_MESSAGE, spec, { signal: AbortSignal.timeout(1) });
      let n = 0;
      await assert.rejects(async () => {
        for await (const _ of it) n++;
      }, { name: "TimeoutError" });
      assert.ok(n < all.length);
      // IPRoute's own dumps, the array and the iterator form.
      await assert.rejects(ip.getRoutes({ signal: AbortSignal.timeout(1) }), {
        name: "TimeoutError",
      });
      let m = 0;
      await assert.rejects(async () => {
        for await (const _ of ip.iterRoutes({ signal: AbortSignal.timeout(1) })) m++;
      }, { name: "TimeoutError" });
      assert.ok(m < all.length);
      // The rest of the aborted dumps is read and dropped; the next dump is whole.
      assert.equal((await ip.dump(ROUTE_MESSAGE, spec)).length, all.length);
      assert.equal(ip.engine.inFlight, 0);
    }, "rfair"),
});
