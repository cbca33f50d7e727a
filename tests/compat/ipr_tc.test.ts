/**
 * pyroute2's tc scenarios (its test_tc suite) in pyroute2's forms: the positional
 * `tc(cmd, kind, index, handle, spec)`, integer handles beside `"1:"`, u32 `keys` strings with
 * `target`, mirred `ifindex`, deletes without a kind, and messages read with `getAttr`.
 */

import assert from "node:assert/strict";
import type { IPRoute } from "../../mod.ts";
import { scenario, veth } from "./scenario.ts";

const TC_H_INGRESS = 0xfffffff1;
const ETH_P_IP = 0x0800;
const AF_INET = 2; // pyroute2's test passes socket.AF_INET as the protocol

async function qdiscs(ip: IPRoute, index: number) {
  return (await ip.getQdiscs({ index })).filter((q) => q.parent !== 0 || q.handle !== 0);
}

await scenario(
  "tc('add', 'ingress', index, 0xffff0000): kind, handle, parent",
  ["qdisc:ingress"],
  async (ip) => {
    const [dev] = await veth(ip, "c0");
    await ip.tc("add", "ingress", dev, 0xffff0000);
    const [q] = (await ip.getQdiscs({ index: dev })).filter((x) =>
      x.getAttr("TCA_KIND") === "ingress"
    );
    assert.equal(q.getAttr("TCA_KIND"), "ingress");
    assert.equal(q.get("handle"), 0xffff0000);
    assert.equal(q.get("parent"), TC_H_INGRESS);
  },
);

await scenario("htb: root '1:', classes by string and int handles, sfq leaves, u32 keys/target", [
  "qdisc:htb",
  "filter:u32",
], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.tc("add", "htb", dev, "1:", { default: "20:0" });
  const qds = await qdiscs(ip, dev);
  assert.equal(qds.length, 1);
  assert.equal(qds[0].getAttr("TCA_KIND"), "htb");
  await ip.tc("add-class", "htb", dev, "1:1", { parent: "1:0", rate: "256kbit", burst: 1024 * 6 });
  await ip.tc("add-class", "htb", dev, 0x10010, {
    parent: 0x10001,
    rate: "192kbit",
    burst: 1024 * 6,
    prio: 1,
  });
  await ip.tc("add-class", "htb", dev, "1:20", {
    parent: "1:1",
    rate: "128kbit",
    burst: 1024 * 6,
    prio: 2,
  });
  assert.equal((await ip.getClasses({ index: dev })).length, 3);
  await ip.tc("add", "pfifo", dev, "10:", { parent: "1:10", limit: 100 });
  await ip.tc("add", "bfifo", dev, 0x200000, { parent: 0x10020, limit: 10000 });
  const kinds = new Set((await qdiscs(ip, dev)).map((x) => x.getAttr("TCA_KIND")));
  assert.deepEqual(kinds, new Set(["htb", "pfifo", "bfifo"]));
  await ip.tc("add-filter", "u32", dev, "0:0", {
    parent: "1:0",
    prio: 10,
    protocol: ETH_P_IP,
    target: "1:10",
    keys: ["0x0006/0x00ff+8", "0x0000/0xffc0+2"],
  });
  await ip.tc("add-filter", "u32", dev, 0, {
    parent: 0x10000,
    prio: 10,
    protocol: ETH_P_IP,
    target: 0x10020,
    keys: ["0x5/0xf+0", "0x10/0xff+33"],
  });
  // two filters and the hash table entries the kernel makes for them
  assert.equal((await ip.getFilters({ index: dev })).length, 4);
});

await scenario("replace-class htb with integer handle and parent", ["qdisc:htb"], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.tc("add", "htb", dev, "1:", { default: "20:0" });
  await ip.tc("add-class", "htb", dev, "1:1", { parent: "1:0", rate: "256kbit" });
  await ip.tc("add-class", "htb", dev, 0x10010, { parent: 0x10001, rate: "192kbit" });
  await ip.tc("replace-class", "htb", {
    index: dev,
    handle: 0x10010,
    parent: 0x10001,
    rate: "102kbit",
  });
  const cls = (await ip.getClasses({ index: dev })).find((c) => c.get("handle") === 0x10010);
  assert.ok(cls);
  const parms = cls.getNested("TCA_OPTIONS", "TCA_HTB_PARMS") as { rate: number };
  assert.equal(parms.rate, 102000 / 8);
});

await scenario("mirred actions with ifindex on a u32 filter, found by TCA_ACT_PRIO_n", [
  "qdisc:htb",
  "filter:u32",
  "action:mirred",
], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.tc("add", "htb", dev, "1:", { default: "20:0" });
  await ip.tc("add-filter", "u32", dev, "0:0", {
    parent: "1:0",
    prio: 10,
    protocol: ETH_P_IP,
    target: "1:10",
    keys: ["0x0006/0x00ff+8"],
    action: [
      { kind: "mirred", direction: "egress", action: "mirror", ifindex: dev },
      { kind: "mirred", direction: "egress", action: "redirect", ifindex: dev },
    ],
  });
  // pyroute2's find_action: the first filter with an action at TCA_ACT_PRIO_n.
  const find = async (prio: number, ...path: string[]) => {
    for (const f of await ip.getFilters({ index: dev })) {
      const v = f.getNested("TCA_OPTIONS", "TCA_U32_ACT", `TCA_ACT_PRIO_${prio}`, ...path);
      if (v !== undefined) return v;
    }
    throw new Error("action not found");
  };
  assert.equal(await find(1, "TCA_ACT_KIND"), "mirred");
  const p1 = await find(1, "TCA_ACT_OPTIONS", "TCA_MIRRED_PARMS") as Record<string, number>;
  assert.equal(p1.eaction, 2);
  assert.equal(p1.ifindex, dev);
  assert.equal(p1.action, 3);
  const p2 = await find(2, "TCA_ACT_OPTIONS", "TCA_MIRRED_PARMS") as Record<string, number>;
  assert.equal(p2.eaction, 1);
  assert.equal(p2.action, 4);
});

await scenario("blackhole qdisc", ["qdisc:htb"], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.tc("add", "blackhole", dev);
  const kinds = (await ip.getQdiscs({ index: dev })).map((x) => x.getAttr("TCA_KIND"));
  assert.ok(kinds.includes("blackhole"));
});

await scenario(
  "tbf with rate, latency and burst, positional handle 0",
  ["qdisc:tbf"],
  async (ip) => {
    const [dev] = await veth(ip, "c0");
    await ip.tc("add", "tbf", dev, 0, { rate: "220kbit", latency: "50ms", burst: 1540 });
    const q = (await ip.getQdiscs({ index: dev })).find((x) => x.getAttr("TCA_KIND") === "tbf");
    assert.ok(q);
    assert.equal(q.getNested("TCA_OPTIONS", "TCA_TBF_PARMS", "rate"), 220000 / 8);
  },
);

await scenario(
  "delete a root qdisc without a kind: tc('del', '', index, 0x10000)",
  ["qdisc:htb"],
  async (ip) => {
    const [dev] = await veth(ip, "c0");
    await ip.tc("add", "htb", dev, 0x10000, { default: 0x200000 });
    await ip.tc("del", "", dev, 0x10000, { parent: "root" });
    assert.equal((await qdiscs(ip, dev)).filter((q) => q.kind === "htb").length, 0);
    await ip.tc("add", "htb", dev, "1:");
    await ip.tc("delete", "htb", { index: dev, handle: "1:", parent: "root" });
    assert.equal((await qdiscs(ip, dev)).filter((q) => q.kind === "htb").length, 0);
  },
);

await scenario("pfifo_fast with handle 0, the priomap in TCA_OPTIONS", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.tc("add", "pfifo_fast", dev, 0);
  const q = (await ip.getQdiscs({ index: dev })).find((x) =>
    x.getAttr("TCA_KIND") === "pfifo_fast"
  );
  assert.ok(q);
  assert.equal((q.getNested("TCA_OPTIONS", "priomap") as number[]).length, 16);
});

await scenario("u32 filter on ingress: action drop, target, keys, prio (get_filters by parent)", [
  "qdisc:ingress",
  "filter:u32",
  "action:gact",
], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.tc("add", "ingress", dev, 0xffff0000);
  await ip.tc("add-filter", "u32", dev, 0, {
    protocol: ETH_P_IP,
    parent: 0xffff0000,
    action: "drop",
    target: 0x1,
    prio: 50,
    keys: ["0x0/0x0+12"],
  });
  const fls = await ip.getFilters({ index: dev, parent: 0xffff0000 });
  assert.ok(fls.length > 0);
  assert.ok(fls.some((f) => f.getNested("TCA_OPTIONS", "TCA_U32_ACT") !== undefined));
});

await scenario(
  "u32 filter with pyroute2's police shortcut: rate, burst, limit, action (test_ingress)",
  ["qdisc:ingress", "filter:u32", "action:police"],
  async (ip) => {
    const [dev] = await veth(ip, "c0");
    await ip.tc("add", "ingress", dev, 0xffff0000);
    await ip.tc("add-filter", "u32", dev, 0, {
      protocol: AF_INET,
      parent: 0xffff0000,
      action: "drop",
      target: 0x1,
      rate: "10kbit",
      burst: 10240,
      limit: 0,
      prio: 50,
      keys: ["0x0/0x0+12"],
    });
    const fls = await ip.getFilters({ index: dev, parent: 0xffff0000 });
    assert.ok(fls.length > 0);
    const prs = fls.find((x) =>
      x.getAttr("TCA_OPTIONS") !== undefined &&
      (x.getNested("TCA_OPTIONS", "TCA_U32_POLICE") !== undefined ||
        x.getNested("TCA_OPTIONS", "TCA_U32_ACT") !== undefined)
    )!;
    // Modern kernels report the police as an action (TCA_U32_ACT), not TCA_U32_POLICE.
    const tbf = (prs.getNested("TCA_OPTIONS", "TCA_U32_POLICE", "TCA_POLICE_TBF") ??
      prs.getNested(
        "TCA_OPTIONS",
        "TCA_U32_ACT",
        "TCA_ACT_PRIO_1",
        "TCA_ACT_OPTIONS",
        "TCA_POLICE_TBF",
      )) as Record<string, number>;
    assert.equal(tbf.rate, 1250);
    assert.equal(tbf.mtu, 2040);
  },
);

await scenario("u32 filter with a gact action dict and its stats", [
  "qdisc:ingress",
  "filter:u32",
  "action:gact",
], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.tc("add", "ingress", dev, 0xffff0000);
  await ip.tc("add-filter", "u32", dev, {
    parent: "ffff:",
    protocol: ETH_P_IP,
    keys: ["0x0/0x0+0"],
    target: 0xffffffff,
    action: { kind: "gact", action: "ok" },
  });
  const f = (await ip.getFilters({ index: dev, parent: 0xffff0000 }))
    .find((x) => x.getNested("TCA_OPTIONS", "TCA_U32_ACT") !== undefined);
  assert.ok(f);
  assert.equal(f.getAttr("TCA_KIND"), "u32");
  assert.equal(f.getNested("TCA_OPTIONS", "TCA_U32_ACT", "TCA_ACT_PRIO_1", "TCA_ACT_KIND"), "gact");
  assert.ok(f.getNested("TCA_OPTIONS", "TCA_U32_ACT", "TCA_ACT_PRIO_1", "TCA_ACT_STATS"));
});
