/**
 * Every IPRoute method takes a `signal` and honours it: an aborted signal rejects with its
 * reason and no change is sent (a name lookup, which only reads, may be).
 *
 * @module
 */

import assert from "node:assert/strict";
import { IPRoute } from "../../mod.ts";
import { isRoot, withNetns } from "../helpers.ts";
import { ipBatch, isChange, watchSends } from "./util.ts";

const ignore = !isRoot;

type Call = (ip: IPRoute, signal: AbortSignal) => Promise<unknown>;

/** Every method, with names to look up where it takes them. */
const CALLS: [string, Call][] = [
  ["link set", (ip, signal) => ip.link("set", { index: "v0", mtu: 1400, signal })],
  ["link add", (ip, signal) => ip.link("add", { ifname: "x0", kind: "veth", signal })],
  [
    "link set (data key, kind looked up)",
    (ip, signal) => ip.link("set", { index: "br0", br_stp_state: 1, signal }),
  ],
  ["link get", (ip, signal) => ip.link("get", { index: "v0", signal })],
  ["getLinks", (ip, signal) => ip.getLinks({ signal })],
  ["linkLookup", (ip, signal) => ip.linkLookup({ ifname: "v0", signal })],
  ["addr add", (ip, signal) => ip.addr("add", { index: "v0", address: "10.3.0.1/24", signal })],
  ["getAddr", (ip, signal) => ip.getAddr({ index: "v0", signal })],
  ["flushAddr", (ip, signal) => ip.flushAddr({ index: "v0", signal })],
  ["route add", (ip, signal) => ip.route("add", { dst: "10.4.0.0/16", oif: "v0", signal })],
  ["route get", (ip, signal) => ip.route("get", { dst: "10.0.0.9", signal })],
  ["getRoutes", (ip, signal) => ip.getRoutes({ oif: "v0", signal })],
  ["iterRoutes", async (ip, signal) => {
    for await (const _ of ip.iterRoutes({ oif: "v0", signal })) { /* nothing */ }
  }],
  ["iterRoutePages", async (ip, signal) => {
    for await (const _ of ip.iterRoutePages({ oif: "v0", signal })) { /* nothing */ }
  }],
  ["flushRoutes", (ip, signal) => ip.flushRoutes({ oif: "v0", signal })],
  ["rule add", (ip, signal) => ip.rule("add", { table: 10, priority: 100, signal })],
  ["getRules", (ip, signal) => ip.getRules({ signal })],
  [
    "neigh add",
    (ip, signal) =>
      ip.neigh("add", { index: "v0", dst: "10.0.0.9", lladdr: "00:11:22:33:44:55", signal }),
  ],
  ["getNeighbours", (ip, signal) => ip.getNeighbours({ index: "v0", signal })],
  [
    "nexthop add",
    (ip, signal) => ip.nexthop("add", { id: 7, gateway: "10.0.0.2", oif: "v0", signal }),
  ],
  ["getNexthops", (ip, signal) => ip.getNexthops({ signal })],
  [
    "fdb add",
    (ip, signal) =>
      ip.fdb("add", { index: "v0", lladdr: "00:11:22:33:44:66", master: "br0", signal }),
  ],
  ["getFdb", (ip, signal) => ip.getFdb({ signal })],
  ["vlanFilter add", (ip, signal) => ip.vlanFilter("add", { index: "v0", vid: 10, signal })],
  ["getVlans", (ip, signal) => ip.getVlans({ signal })],
  ["tc add", (ip, signal) => ip.tc("add", "htb", { index: "v0", handle: "1:", signal })],
  ["getQdiscs", (ip, signal) => ip.getQdiscs({ index: "v0", signal })],
  ["getClasses", (ip, signal) => ip.getClasses({ index: "v0", signal })],
  ["getFilters", (ip, signal) => ip.getFilters({ index: "v0", signal })],
  [
    "batch",
    (ip, signal) => ip.batch((b) => b.route("add", { dst: "10.5.0.0/16", oif: 2 }), { signal }),
  ],
];

Deno.test({
  name: "signal: every IPRoute method rejects with an aborted signal's reason and sends no change",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await ipBatch(ns, [
        "link add v0 type veth peer name v1",
        "link add br0 type bridge",
        "link set v0 up",
        "addr add 10.0.0.1/24 dev v0",
      ]);
      using ip = new IPRoute({ netns: ns });
      const sent = watchSends(ip.socket);
      const reason = new Error("stop");
      const signal = AbortSignal.abort(reason);
      for (const [name, call] of CALLS) {
        const before = sent.length;
        await assert.rejects(call(ip, signal), (e) => e === reason, name);
        const changes = sent.slice(before).filter((m) => isChange(m.type));
        assert.deepEqual(changes, [], `${name} sent a change`);
      }
      assert.equal(ip.engine.inFlight, 0);
      assert.equal((await ip.getLinks()).length, 4);
    }, "rsig"),
});
