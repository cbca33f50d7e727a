/**
 * pyroute2's rule, neighbour and fdb scenarios (test_rule, test_neigh, test_fdb, test_ipr) in
 * pyroute2's forms: positional `rule("add", table, priority, action)`, `"FR_ACT_PROHIBIT"`,
 * `FRA_*` keys, `flush_rules`, `neigh("get" | "dump")`, `fdb("dump")`.
 */

import assert from "node:assert/strict";
import { scenario, veth } from "./scenario.ts";
import type { IPRoute, Rule } from "../../mod.ts";

const AF_INET = 2;
const inRange = (x: number) => 100 < x && x < 500;

async function count(ip: IPRoute, pick: (r: Rule) => boolean): Promise<number> {
  return (await ip.getRules()).filter(pick).length;
}

await scenario(
  "flush_rules(family, priority=lambda) after table/prohibit/src/dst rules",
  [],
  async (ip) => {
    const init = (await ip.getRules({ family: AF_INET })).length;
    assert.equal((await ip.getRules({ priority: inRange })).length, 0);
    await ip.rule("add", { table: 10, priority: 110 });
    await ip.rule("add", { table: 15, priority: 150, action: "FR_ACT_PROHIBIT" });
    await ip.rule("add", { table: 20, priority: 200, src: "172.16.0.1" });
    await ip.rule("add", { table: 25, priority: 250, dst: "172.16.0.2" });
    assert.equal((await ip.getRules({ priority: inRange })).length, 4);
    assert.equal((await ip.getRules({ src: "172.16.0.1" })).length, 1);
    assert.equal((await ip.getRules({ dst: "172.16.0.2" })).length, 1);
    assert.equal(await ip.flushRules({ family: AF_INET, priority: inRange }), 4);
    assert.equal((await ip.getRules({ priority: inRange })).length, 0);
    assert.equal((await ip.getRules({ src: "172.16.0.1" })).length, 0);
    assert.equal((await ip.getRules({ family: AF_INET })).length, init);
  },
);

await scenario(
  "deprecated positional rule('add', 10, 110), rule('add', 15, 150, 'FR_ACT_PROHIBIT')",
  [],
  async (ip) => {
    const init = (await ip.getRules({ family: AF_INET })).length;
    await ip.rule("add", 10, 110);
    await ip.rule("add", 15, 150, "FR_ACT_PROHIBIT");
    assert.equal((await ip.getRules({ priority: inRange })).length, 2);
    const [p] = await ip.getRules({ priority: 150 });
    assert.equal(p.action, 8);
    await ip.flushRules({ family: AF_INET, priority: inRange });
    assert.equal((await ip.getRules({ family: AF_INET })).length, init);
  },
);

await scenario(
  "rule add/delete positional, get_attr('FRA_PRIORITY'), get_attr('FRA_TABLE')",
  [],
  async (ip) => {
    const pick = (x: Rule) => x.getAttr("FRA_PRIORITY") === 32000 && x.getAttr("FRA_TABLE") === 10;
    await ip.rule("add", 10, 32000);
    assert.equal(await count(ip, pick), 1);
    await ip.rule("delete", 10, 32000);
    assert.equal(await count(ip, pick), 0);
  },
);

await scenario("rule with fwmark, positional table and priority", [], async (ip) => {
  const pick = (x: Rule) => x.getAttr("FRA_PRIORITY") === 32006 && x.getAttr("FRA_FWMARK") === 10;
  await ip.rule("add", 15, 32006, { fwmark: 10 });
  assert.equal(await count(ip, pick), 1);
  await ip.rule("delete", 15, 32006, { fwmark: 10 });
  assert.equal(await count(ip, pick), 0);
});

await scenario("rule with fwmark and fwmask, and with a raw FRA_FWMASK key", [], async (ip) => {
  const pick = (x: Rule) => x.getAttr("FRA_FWMARK") === 10 && x.getAttr("FRA_FWMASK") === 20;
  await ip.rule("add", 15, 32006, { fwmark: 10, fwmask: 20 });
  assert.equal(await count(ip, pick), 1);
  await ip.rule("delete", 15, 32006, { fwmark: 10, fwmask: 20 });
  assert.equal(await count(ip, pick), 0);
  await ip.rule("add", 15, 32006, { fwmark: 10, FRA_FWMASK: 20 });
  assert.equal(await count(ip, pick), 1);
  await ip.rule("delete", 15, 32006, { fwmark: 10, FRA_FWMASK: 20 });
  assert.equal(await count(ip, pick), 0);
});

await scenario("rule with a table above 255 (FRA_TABLE)", [], async (ip) => {
  await ip.rule("add", 1024, 32000);
  assert.equal(await count(ip, (x) => x.getAttr("FRA_TABLE") === 1024), 1);
  await ip.rule("delete", 1024, 32000);
  assert.equal(await count(ip, (x) => x.getAttr("FRA_TABLE") === 1024), 0);
});

await scenario("rule src/dst with src_len/dst_len, header fields by name", [], async (ip) => {
  const spec = { src: "10.0.0.0", src_len: 24, dst: "10.1.0.0", dst_len: 24 };
  const pick = (x: Rule) =>
    x.getAttr("FRA_PRIORITY") === 32005 && x.getAttr("FRA_TABLE") === 17 &&
    x.getAttr("FRA_SRC") === "10.0.0.0" && x.getAttr("FRA_DST") === "10.1.0.0" &&
    x.get("src_len") === 24 && x.get("dst_len") === 24;
  await ip.rule("add", 17, 32005, spec);
  assert.equal(await count(ip, pick), 1);
  await ip.rule("delete", 17, 32005, spec);
  assert.equal(await count(ip, pick), 0);
});

await scenario(
  "rule action as 'prohibit', 'FR_ACT_BLACKHOLE', 'unreachable'; src: null",
  [],
  async (ip) => {
    await ip.rule("add", { priority: 301, action: "prohibit", src: null as unknown as string });
    await ip.rule("add", { priority: 302, action: "FR_ACT_BLACKHOLE" });
    await ip.rule("add", { priority: 303, action: "FR_ACT_UNREACHABLE" });
    const actions = (await ip.getRules({ priority: (p: number) => p > 300 && p < 304 }))
      .map((r) => r.action);
    assert.deepEqual(actions, [8, 6, 7]);
    assert.equal((await ip.getRules({ action: "FR_ACT_PROHIBIT" })).length, 1);
  },
);

await scenario("rule('dump') and rule('show') with keyword filters, IPv6 rule", [], async (ip) => {
  await ip.rule("add", { table: 10, priority: 110, family: 10, src: "2001:db8::/32" });
  assert.equal((await ip.rule("dump", { family: 10, priority: 110 })).length, 1);
  assert.equal((await ip.rule("show", { match: { table: 10 } })).length, 1);
});

await scenario("flush_rules({all: true}) leaves the kernel's defaults", [], async (ip) => {
  const init = (await ip.getRules()).length;
  await ip.rule("add", 10, 110);
  await ip.rule("add", 11, 111, { family: 10 });
  assert.equal(await ip.flushRules({ all: true }), 2);
  assert.equal((await ip.getRules()).length, init);
});

await scenario("neigh add, get_neighbours filters (ifindex, dst, match)", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.neigh("add", {
    dst: "172.16.45.1",
    lladdr: "00:11:22:33:44:55",
    ifindex: dev,
    state: "permanent",
  });
  await ip.neigh("add", {
    dst: "172.16.45.2",
    lladdr: "00:11:22:33:44:66",
    ifindex: dev,
    state: "permanent",
  });
  assert.equal((await ip.getNeighbours({ ifindex: dev })).length, 2);
  assert.equal((await ip.getNeighbours({ dst: "172.16.45.1" })).length, 1);
  assert.equal(
    (await ip.getNeighbours({
      match: (x) => x.ifindex === dev && x.getAttr("NDA_DST") === "172.16.45.2",
    }))
      .length,
    1,
  );
});

await scenario("neigh('get', dst, ifindex) and neigh('dump', ifindex)", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.neigh("add", {
    dst: "172.16.45.1",
    lladdr: "00:11:22:33:44:55",
    ifindex: dev,
    state: 0x80,
  });
  // pyroute2 sends RTM_GETNEIGH (not a dump): the kernel's answer is a list of one.
  const res = await ip.neigh("get", { dst: "172.16.45.1", ifindex: dev });
  assert.equal(res.length, 1);
  assert.equal(res[0].getAttr("NDA_LLADDR"), "00:11:22:33:44:55");
  assert.equal(res[0].get("state"), 0x80);
  assert.equal((await ip.neigh("dump", { ifindex: dev })).length, 1);
  await ip.neigh("delete", { dst: "172.16.45.1", ifindex: dev });
  assert.equal((await ip.neigh("dump", { ifindex: dev, family: 2 })).length, 0);
  // No entry: the kernel's error, as pyroute2 raises NetlinkError.
  await assert.rejects(
    () => ip.neigh("get", { dst: "172.16.45.1", ifindex: dev }),
    (e: { code?: string; errno?: number }) => e.code === "ENOENT" && e.errno === 2,
  );
});

await scenario("neigh('get', dst, ifindex, proxy) of a proxy entry", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.neigh("add", { dst: "172.16.45.9", ifindex: dev, proxy: true });
  const [res] = await ip.neigh("get", { dst: "172.16.45.9", ifindex: dev, proxy: true });
  assert.equal(res.getAttr("NDA_DST"), "172.16.45.9");
  assert.ok((res.get("flags") as number) & 0x08);
});

await scenario("fdb add on a bridge, fdb('dump', ifindex, lladdr)", ["link:bridge"], async (ip) => {
  await ip.link("add", { ifname: "br0", kind: "bridge" });
  const [bx] = await ip.linkLookup({ ifname: "br0" });
  await ip.fdb("add", { lladdr: "00:11:22:33:44:55", ifindex: bx });
  const r = await ip.fdb("dump", { ifindex: bx, lladdr: "00:11:22:33:44:55" });
  assert.equal(r.length, 1);
  assert.equal(r[0].getAttr("NDA_LLADDR"), "00:11:22:33:44:55");
  await ip.fdb("del", { lladdr: "00:11:22:33:44:55", ifindex: bx });
  assert.equal((await ip.fdb("show", { ifindex: bx, lladdr: "00:11:22:33:44:55" })).length, 0);
});

await scenario("fdb on vxlan with dst, fdb('dump')", ["link:vxlan"], async (ip) => {
  await ip.link("add", { ifname: "vx0", kind: "vxlan", vxlan_id: 500, vxlan_port: 4789 });
  const [vx] = await ip.linkLookup({ ifname: "vx0" });
  await ip.fdb("append", { lladdr: "00:00:00:00:00:00", ifindex: vx, dst: "10.2.3.4" });
  const r = await ip.fdb("dump", { ifindex: vx, lladdr: "00:00:00:00:00:00" });
  assert.equal(r.length, 1);
  assert.equal(r[0].getAttr("NDA_DST"), "10.2.3.4");
});
