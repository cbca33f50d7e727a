/**
 * Nexthop objects against the real kernel in fresh namespaces: single next hops (IPv4, IPv6
 * onlink, device only), blackholes, fdb next hops, groups with weights, resilient groups,
 * replace, routes using them, getNexthops filters (family, oif, groups in the kernel; id is a get),
 * delete.
 */

import assert from "node:assert/strict";
import { IPRoute } from "../../rtnl/mod.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { ipJson, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

async function setup(ip: IPRoute): Promise<{ v0: number; v1: number }> {
  await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
  for (const n of ["lo", "v0", "v1"]) await ip.link("set", { index: n, state: "up" });
  await ip.addr("add", { index: "v0", address: "10.0.0.1/24" });
  await ip.addr("add", { index: "v1", address: "10.0.1.1/24" });
  const [v0] = await ip.linkLookup({ ifname: "v0" });
  const [v1] = await ip.linkLookup({ ifname: "v1" });
  return { v0, v1 };
}

Deno.test({
  ...(await gate(
    "nexthop: single, IPv6 onlink, device, blackhole, fdb, groups, resilient groups",
    "nexthop",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const { v0, v1 } = await setup(ip);
      await ip.nexthop("add", { id: 1, gateway: "10.0.0.2", oif: "v0" });
      await ip.nexthop("add", { id: 2, gateway: "10.0.1.2", oif: v1, protocol: "static" });
      await ip.nexthop("add", { id: 3, blackhole: true });
      await ip.nexthop("add", { id: 4, gateway: "fe80::1", oif: "v0", flags: ["onlink"] });
      await ip.nexthop("add", { id: 5, oif: "v1" });
      await ip.nexthop("add", { id: 20, gateway: "10.0.0.9", fdb: true });
      await ip.nexthop("add", { id: 10, group: [{ id: 1, weight: 3 }, { id: 2, weight: 5 }] });
      await ip.nexthop("add", {
        id: 11,
        group: [1, 2],
        group_type: "resilient",
        res_group: { buckets: 16, idle_timer: 500 },
      });
      const theirs = new Map((await ipJson(ns, "nexthop", "show")).map((n) => [n.id, n]));
      assert.equal(theirs.get(1)?.gateway, "10.0.0.2");
      assert.equal(theirs.get(1)?.dev, "v0");
      assert.equal(theirs.get(2)?.protocol, "static");
      assert.ok("blackhole" in theirs.get(3)!);
      assert.equal(theirs.get(4)?.gateway, "fe80::1");
      assert.deepEqual(theirs.get(4)?.flags, ["onlink"]);
      assert.equal(theirs.get(5)?.dev, "v1");
      assert.ok("fdb" in theirs.get(20)!);
      assert.deepEqual(theirs.get(10)?.group, [{ id: 1, weight: 3 }, { id: 2, weight: 5 }]);
      assert.equal(theirs.get(11)?.type, "resilient");
      const ours = new Map((await ip.getNexthops()).map((n) => [n.id, n]));
      assert.equal(ours.size, 8);
      assert.equal(ours.get(1)?.oif, v0);
      assert.equal(ours.get(1)?.family, 2);
      assert.equal(ours.get(2)?.protocol, 4);
      assert.equal(ours.get(3)?.blackhole, true);
      assert.equal(ours.get(4)?.family, 10);
      assert.equal(ours.get(4)!.flags & 0x04, 0x04);
      assert.equal(ours.get(20)?.fdb, true);
      assert.deepEqual(ours.get(10)?.group, [{ id: 1, weight: 3 }, { id: 2, weight: 5 }]);
      assert.equal(ours.get(11)?.group_type, 1);
      assert.equal(ours.get(11)?.res_group?.buckets, 16);
      assert.equal(ours.get(11)?.res_group?.idle_timer, 500);
    }, "nexthop"),
});

Deno.test({
  ...(await gate(
    "nexthop: routes through objects and groups; replace changes them in place; delete",
    "nexthop",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const { v1 } = await setup(ip);
      await ip.nexthop("add", { id: 1, gateway: "10.0.0.2", oif: "v0" });
      await ip.nexthop("add", { id: 2, gateway: "10.0.1.2", oif: "v1" });
      await ip.nexthop("add", { id: 10, group: [1, 2] });
      await ip.route("add", { dst: "10.8.0.0/16", nh_id: 10 });
      await ip.route("add", { dst: "10.9.0.0/16", nh_id: 1 });
      const [r] = await ipJson(ns, "route", "show", "10.8.0.0/16");
      assert.equal(r.nhid, 10);
      await ip.nexthop("replace", { id: 1, gateway: "10.0.1.3", oif: "v1" });
      const [got] = await ip.route("get", { dst: "10.9.1.1" });
      assert.equal(got.gateway, "10.0.1.3");
      assert.equal(got.oif, v1);
      await ip.nexthop("replace", { id: 10, group: [{ id: 2, weight: 7 }] });
      assert.deepEqual((await ip.getNexthops({ id: 10 }))[0].group, [{ id: 2, weight: 7 }]);
      await assert.rejects(
        ip.nexthop("add", { id: 1, gateway: "10.0.0.2", oif: "v0" }),
        (e) => e instanceof NetlinkError && e.code === "EEXIST",
      );
      await ip.nexthop("del", { id: 10 });
      assert.deepEqual(await ipJson(ns, "route", "show", "10.8.0.0/16"), [], "route went with it");
      await assert.rejects(
        ip.nexthop("del", { id: 10 }),
        (e) => e instanceof NetlinkError && e.code === "ENOENT",
      );
      // The kernel picks an id when none is given.
      await ip.nexthop("add", { gateway: "10.0.0.7", oif: "v0" });
      assert.ok((await ip.getNexthops({ gateway: "10.0.0.7" }))[0].id! > 0);
    }, "nexthop"),
});

Deno.test({
  ...(await gate(
    "nexthop: getNexthops filters family/oif/groups in the kernel, fdb here; id is a get",
    "nexthop",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const { v0 } = await setup(ip);
      await ip.nexthop("add", { id: 1, gateway: "10.0.0.2", oif: "v0" });
      await ip.nexthop("add", { id: 2, gateway: "10.0.1.2", oif: "v1" });
      await ip.nexthop("add", { id: 3, gateway: "10.0.0.3", oif: "v0" });
      await ip.nexthop("add", { id: 10, group: [1, 2] });
      await ip.nexthop("add", { id: 20, gateway: "10.0.0.9", fdb: true });
      const counts: number[] = [];
      const orig = ip.engine.dumpAll.bind(ip.engine);
      ip.engine.dumpAll = (async (b: Uint8Array, o: unknown) => {
        const r = await orig(b, o as never);
        counts.push(r.length);
        return r;
      }) as typeof ip.engine.dumpAll;
      const onV0 = await ip.getNexthops({ oif: "v0" });
      assert.deepEqual(onV0.map((n) => n.id), [1, 3]);
      assert.ok(onV0.every((n) => n.oif === v0));
      assert.equal(counts.at(-1), 2, "the kernel sent only v0's");
      assert.deepEqual((await ip.getNexthops({ groups: true })).map((n) => n.id), [10]);
      assert.equal(counts.at(-1), 1);
      // NHA_FDB is parsed but not applied by the kernel's dump: filtered here.
      assert.deepEqual((await ip.getNexthops({ fdb: true })).map((n) => n.id), [20]);
      assert.equal(counts.at(-1), 5);
      assert.deepEqual((await ip.getNexthops({ family: 2, fdb: false })).map((n) => n.id), [
        1,
        2,
        3,
      ]);
      assert.equal(counts.at(-1), 4, "the family filters in the kernel (groups have none)");
      assert.deepEqual((await ip.getNexthops({ id: 3 })).map((n) => n.gateway), ["10.0.0.3"]);
      assert.deepEqual(await ip.getNexthops({ id: 99 }), []);
      assert.deepEqual((await ip.getNexthops({ protocol: "unspec", family: 2 })).length, 4);
    }, "nexthop"),
});
