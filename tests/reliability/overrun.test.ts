/**
 * Overrun: a monitoring socket with a tiny receive buffer under a flood of route changes yields
 * `{ type: "overrun" }` (the kernel dropped events) and keeps working: later events arrive. A
 * request socket never overruns: with the smallest receive buffer, thousands of concurrent
 * requests are sent one at a time and all answered.
 *
 * @module
 */

import assert from "node:assert/strict";
import { IPRoute } from "../../mod.ts";
import { isRoot, withNetns } from "../helpers.ts";
import { ipBatch, scale } from "./util.ts";

const ignore = !isRoot;

async function setup(ns: string): Promise<void> {
  await ipBatch(ns, [
    "link add v0 type veth peer name v1",
    "link set v0 up",
    "link set v1 up",
    "addr add 10.0.0.1/24 dev v0",
  ]);
}

Deno.test({
  name:
    "overrun: a monitor with a tiny rcvbuf under 50,000 route changes yields overrun and goes on",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      const N = scale(25000, 250000); // adds, then as many deletes
      using ip = new IPRoute({ netns: ns });
      const ac = new AbortController();
      const timeout = AbortSignal.timeout(120_000);
      const events = ip.monitor({
        groups: ["ipv4_route"],
        rcvbuf: 1,
        signal: AbortSignal.any([ac.signal, timeout]),
      });
      const first = events.next(); // opens the socket; nobody reads while the flood runs
      const lines: string[] = [];
      for (let i = 0; i < N; i++) {
        lines.push(`route add 10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 via 10.0.0.2`);
      }
      for (let i = 0; i < N; i++) {
        lines.push(`route del 10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 via 10.0.0.2`);
      }
      await ipBatch(ns, lines);
      let overruns = 0, routes = 0, marker = false;
      let markerAdded: Promise<unknown> | undefined;
      for (let r = await first; !r.done; r = await events.next()) {
        if (r.value.type === "overrun") {
          overruns++;
          // After the overrun (and once the few events still queued are read: the kernel drops
          // events silently while the queue stays full), the monitor delivers what happens next.
          markerAdded ??= new Promise((ok) => setTimeout(ok, 300)).then(() =>
            ip.route("add", { dst: "10.250.0.0/24", gateway: "10.0.0.2" })
          );
          continue;
        }
        routes++;
        if (r.value.type === "RTM_NEWROUTE" && r.value.message.get("dst") === "10.250.0.0") {
          marker = true;
          break;
        }
      }
      await markerAdded;
      await events.return(undefined);
      assert.ok(!timeout.aborted, "the monitor stopped delivering events");
      assert.ok(overruns >= 1, `no overrun reported (${routes} events)`);
      assert.ok(routes < 2 * N, `all ${routes} events arrived: nothing overran`);
      assert.ok(marker, "the event after the overrun arrived");
    }, "rovr"),
});

Deno.test({
  name:
    "overrun: a request socket with the smallest receive buffer loses no answer: 2,000 concurrent route gets all succeed",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      await ipBatch(
        ns,
        Array.from({ length: 3000 }, (_, i) => `route add 10.7.${i >> 8}.${i & 255}/32 dev v0`),
      );
      // Without the engine's window, the kernel would drop most of these answers.
      using ip = new IPRoute({ netns: ns, rcvbuf: 1 });
      assert.equal(ip.engine.window.serial, true);
      const gets = Array.from(
        { length: 2000 },
        (_, i) => ip.route("get", { dst: `10.7.${i >> 8}.${i & 255}` }),
      );
      const routes = await Promise.all(gets);
      assert.deepEqual(routes.map(([r]) => r.dst), gets.map((_, i) => `10.7.${i >> 8}.${i & 255}`));
      assert.equal(ip.engine.inFlight, 0);
      // Dumps and requests take turns.
      const [links, [r]] = await Promise.all([ip.getLinks(), ip.route("get", { dst: "10.7.0.1" })]);
      assert.equal(links.length, 3);
      assert.equal(r.dst, "10.7.0.1");
    }, "rovr2"),
});
