/**
 * `ip.monitor()` in a fresh namespace: link, address, route, rule, neighbour and nexthop events
 * arrive as typed views; the iterator ends when the signal aborts (its socket closes with it);
 * a receiver that falls behind sees `{ type: "overrun" }`.
 */

import assert from "node:assert/strict";
import { IPRoute } from "../../rtnl/mod.ts";
import type { MonitorEvent, Route } from "../../rtnl/mod.ts";
import { isRoot, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

const ignore = !isRoot;

/** Collects events until `until` holds or `ms` pass; then aborts the monitor. */
function collect(
  it: AsyncGenerator<MonitorEvent>,
  ac: AbortController,
  until: (events: MonitorEvent[]) => boolean,
  ms = 5000,
): Promise<MonitorEvent[]> {
  const events: MonitorEvent[] = [];
  const timer = setTimeout(() => ac.abort(new Error("timeout")), ms);
  return (async () => {
    try {
      for await (const e of it) {
        events.push(e);
        if (until(events)) break;
      }
    } finally {
      clearTimeout(timer);
      ac.abort();
    }
    return events;
  })();
}

function find(
  events: MonitorEvent[],
  type: string,
  pred: (m: MonitorEvent["message"] & object) => boolean,
) {
  return events.find((e) => e.type === type && e.message && pred(e.message));
}

Deno.test({
  ...(await gate(
    "monitor: link, address, route, rule, neighbour and nexthop events in a namespace",
    "nexthop",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const ac = new AbortController();
      const it = ip.monitor({ signal: ac.signal });
      const want = [
        (ev: MonitorEvent[]) => find(ev, "RTM_NEWLINK", (m) => m.get("ifname") === "v0"),
        (ev: MonitorEvent[]) => find(ev, "RTM_NEWADDR", (m) => m.get("local") === "10.0.0.1"),
        (ev: MonitorEvent[]) => find(ev, "RTM_NEWROUTE", (m) => m.get("dst") === "10.2.0.0"),
        (ev: MonitorEvent[]) => find(ev, "RTM_DELROUTE", (m) => m.get("dst") === "10.1.0.0"),
        (ev: MonitorEvent[]) => find(ev, "RTM_NEWRULE", (m) => m.get("priority") === 100),
        (ev: MonitorEvent[]) => find(ev, "RTM_NEWNEIGH", (m) => m.get("dst") === "10.0.0.5"),
        (ev: MonitorEvent[]) => find(ev, "RTM_NEWNEXTHOP", (m) => m.get("id") === 7),
        (ev: MonitorEvent[]) => find(ev, "RTM_DELADDR", (m) => m.get("local") === "10.0.0.9"),
      ];
      const got = collect(it, ac, (ev) => want.every((w) => w(ev)));
      // The monitor's socket is open once the iterator has started: make the changes now.
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      await ip.link("set", { index: "v0", state: "up" });
      await ip.link("set", { index: "v1", state: "up" });
      await ip.addr("add", { index: "v0", address: "10.0.0.1/24" });
      await ip.addr("add", { index: "v0", address: "10.0.0.9/24" });
      await ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.2" });
      await ip.route("add", {
        dst: "10.2.0.0/16",
        multipath: [{ gateway: "10.0.0.2", weight: 2 }, { gateway: "10.0.0.3" }],
      });
      await ip.route("del", { dst: "10.1.0.0/16" });
      await ip.rule("add", { priority: 100, src: "10.0.0.0/8", table: 100 });
      await ip.neigh("add", { ifindex: "v0", dst: "10.0.0.5", lladdr: "02:00:00:00:00:05" });
      await ip.nexthop("add", { id: 7, gateway: "10.0.0.2", oif: "v0" });
      await ip.addr("del", { index: "v0", address: "10.0.0.9/24" });
      const events = await got;
      for (const [i, w] of want.entries()) assert.ok(w(events), `event ${i} seen`);
      // Events are the same typed views as dumps: the multipath accessor works on them.
      const mp = find(events, "RTM_NEWROUTE", (m) => m.get("dst") === "10.2.0.0")!;
      assert.deepEqual(
        (mp.message as unknown as Route).multipath?.map((h) => [h.gateway, h.weight]),
        [["10.0.0.2", 2], ["10.0.0.3", 1]],
      );
      // After the abort the iterator is finished.
      assert.deepEqual(await it.next(), { value: undefined, done: true });
    }, "mon"),
});

Deno.test({
  name: "monitor: only the groups asked for; a slow receiver sees an overrun",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      await ip.link("set", { index: "v0", state: "up" });
      await ip.addr("add", { index: "v0", address: "10.0.0.1/16" });
      const ac = new AbortController();
      const it = ip.monitor({ groups: ["ipv4_route"], signal: ac.signal, rcvbuf: 4096 });
      const first = it.next(); // opens the socket, then waits
      await ip.addr("add", { index: "v0", address: "10.0.0.2/16" }); // not in the group
      await ip.batch((b) => {
        for (let i = 0; i < 3000; i++) {
          b.route("add", { dst: `20.0.${i >> 8}.${i & 255}/32`, gateway: "10.0.0.2" });
        }
      });
      const timer = setTimeout(() => ac.abort(), 5000);
      const events: MonitorEvent[] = [(await first).value as MonitorEvent];
      if (events[0].type !== "overrun") {
        for await (const e of it) {
          events.push(e);
          if (e.type === "overrun") break;
        }
      }
      clearTimeout(timer);
      ac.abort();
      assert.ok(events.some((e) => e.type === "overrun"), "ENOBUFS reported as an overrun");
      assert.ok(events.every((e) => e.type === "RTM_NEWROUTE" || e.type === "overrun"));
      assert.ok(!events.some((e) => e.type === "RTM_NEWADDR"));
    }, "mon"),
});
