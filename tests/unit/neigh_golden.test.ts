/** Neighbour requests against iproute2's bytes. */

import assert from "node:assert/strict";
import { buildNeigh, buildNeighGet } from "../../rtnl/neigh.ts";
import type { NeighCommand, NeighGetSpec, NeighSpec } from "../../rtnl/neigh.ts";
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

const GETS: [string, NeighGetSpec][] = [
  ["neigh_get", { dst: "10.0.0.5", ifindex: 3 }],
  ["neigh_get_proxy", { dst: "10.0.0.6", index: 3, proxy: true }],
  ["neigh_get6", { dst: "2001:db8::5", ifindex: 3 }],
];

for (const [name, spec] of GETS) {
  Deno.test(`golden ${name}: neigh get ${JSON.stringify(spec)} is RTM_GETNEIGH, not a dump`, async () => {
    const { ip, sent } = fakeIPRoute();
    const built = await buildNeighGet(ip, spec);
    assert.equal(canon(built.bytes, 12), canon(golden(name), 12));
    const flags = new DataView(built.bytes.buffer, built.bytes.byteOffset).getUint16(6, true);
    assert.equal(flags & 0x300, 0, "no NLM_F_DUMP");
    assert.equal(sent.length, 0);
  });
}

Deno.test("neigh get: bad input is refused before anything is sent", async (t) => {
  const { ip, sent } = fakeIPRoute();
  const bad: [string, unknown, RegExp][] = [
    ["no dst", { ifindex: 3 }, /dst: required/],
    ["no interface", { dst: "10.0.0.5" }, /ifindex: required/],
    ["a prefix", { dst: "10.0.0.0/24", ifindex: 3 }, /prefix length/],
    ["a dump filter key", { dst: "10.0.0.5", ifindex: 3, lladdr: "00:11:22:33:44:55" }, /lladdr/],
    ["a state", { dst: "10.0.0.5", ifindex: 3, state: "permanent" }, /state/],
  ];
  for (const [what, spec, re] of bad) {
    await t.step(what, async () => {
      await assert.rejects(() => ip.neigh("get", spec as NeighGetSpec), re);
    });
  }
  assert.equal(sent.length, 0);
});
