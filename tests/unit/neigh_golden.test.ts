/** Neighbour requests against iproute2's bytes. */

import assert from "node:assert/strict";
import { buildNeigh } from "../../rtnl/neigh.ts";
import type { NeighCommand, NeighSpec } from "../../rtnl/neigh.ts";
import { canon, fakeIPRoute, golden } from "./rtnl_golden.ts";

const CASES: [string, NeighCommand, NeighSpec][] = [
  ["neigh_add", "add", {
    ifindex: 3,
    dst: "10.0.0.5",
    lladdr: "00:11:22:33:44:55",
    state: "permanent",
  }],
  ["neigh_proxy", "add", { index: 3, dst: "10.0.0.7", proxy: true }],
  ["neigh_del", "del", { ifindex: 3, dst: "10.0.0.5" }],
  ["neigh_replace", "replace", {
    ifindex: 3,
    dst: "10.0.0.5",
    lladdr: "00-11-22-33-44-55",
    state: "stale",
  }],
  ["neigh_router6", "add", {
    ifindex: 3,
    dst: "2001:db8::5",
    lladdr: "00:11:22:33:44:66",
    flags: ["router"],
    state: ["reachable"],
  }],
];

for (const [name, cmd, spec] of CASES) {
  Deno.test(`golden ${name}: neigh ${cmd} ${JSON.stringify(spec)}`, async () => {
    const { ip, sent } = fakeIPRoute();
    const built = await buildNeigh(ip, cmd, spec);
    assert.equal(canon(built.bytes, 12), canon(golden(name), 12));
    assert.equal(sent.length, 0);
  });
}
