/**
 * Neighbours against the real kernel in fresh namespaces: ARP and NDP entries with states and
 * flags, replace/change/delete, proxy entries, getNeighbours filters (ifindex, master and proxy
 * in the kernel).
 */

import assert from "node:assert/strict";
import { IPRoute } from "../../rtnl/mod.ts";
import type { Neigh } from "../../rtnl/mod.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { ipJson, isRoot, withNetns } from "../helpers.ts";

import { vethPair } from "./veth_fixture.ts";
import { gate } from "../features.ts";

const ignore = !isRoot;

const setup = vethPair;

Deno.test({
  name: "neigh: ARP and NDP entries with states and flags; replace, change, delete",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const { v0 } = await setup(ip);
      await ip.neigh("add", { ifindex: "v0", dst: "10.0.0.5", lladdr: "00:11:22:33:44:55" });
      await ip.neigh("add", {
        index: v0,
        dst: "10.0.0.6",
        lladdr: "00:11:22:33:44:56",
        state: "reachable",
      });
      await ip.neigh("add", {
        ifindex: "v0",
        dst: "2001:db8::5",
        lladdr: "00:11:22:33:44:66",
        state: "stale",
        flags: ["router"],
      });
      let theirs = await ipJson(ns, "neigh", "show", "dev", "v0", "nud", "all");
      const by = (d: string) => theirs.find((n) => n.dst === d)!;
      assert.deepEqual(by("10.0.0.5").state, ["PERMANENT"]);
      assert.equal(by("10.0.0.5").lladdr, "00:11:22:33:44:55");
      assert.deepEqual(by("10.0.0.6").state, ["REACHABLE"]);
      assert.deepEqual(by("2001:db8::5").state, ["STALE"]);
      assert.ok("router" in by("2001:db8::5"));
      await assert.rejects(
        ip.neigh("add", { ifindex: "v0", dst: "10.0.0.5", lladdr: "00:11:22:33:44:57" }),
        (e) => e instanceof NetlinkError && e.code === "EEXIST",
      );
      await ip.neigh("replace", { ifindex: "v0", dst: "10.0.0.5", lladdr: "00:11:22:33:44:57" });
      await ip.neigh("change", {
        ifindex: "v0",
        dst: "10.0.0.6",
        lladdr: "00:11:22:33:44:58",
        state: "permanent",
      });
      theirs = await ipJson(ns, "neigh", "show", "dev", "v0", "nud", "all");
      assert.equal(by("10.0.0.5").lladdr, "00:11:22:33:44:57");
      assert.deepEqual(by("10.0.0.6").state, ["PERMANENT"]);
      await ip.neigh("del", { ifindex: "v0", dst: "10.0.0.5" });
      await assert.rejects(
        ip.neigh("del", { ifindex: "v0", dst: "10.0.0.5" }),
        (e) => e instanceof NetlinkError && e.code === "ENOENT",
      );
      theirs = await ipJson(ns, "neigh", "show", "dev", "v0", "nud", "all");
      assert.equal(theirs.find((n) => n.dst === "10.0.0.5"), undefined);
      const ours = await ip.getNeighbours({ ifindex: "v0", dst: "2001:db8::5" });
      assert.equal(ours.length, 1);
      assert.equal(ours[0].lladdr, "00:11:22:33:44:66");
      assert.equal(ours[0].state, 0x04);
      assert.equal(ours[0].flags & 0x80, 0x80);
      assert.equal(ours[0].family, 10);
    }, "neigh"),
});

Deno.test({
  name: "neigh: proxy entries are added, dumped (NTF_PROXY) and deleted",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const { v0 } = await setup(ip);
      await ip.neigh("add", { ifindex: "v0", dst: "10.0.0.7", proxy: true });
      await ip.neigh("add", { ifindex: "v0", dst: "2001:db8::7", flags: ["proxy"] });
      const theirs = await ipJson(ns, "neigh", "show", "proxy");
      assert.deepEqual(theirs.map((n) => n.dst).sort(), ["10.0.0.7", "2001:db8::7"]);
      const ours = await ip.getNeighbours({ proxy: true });
      assert.deepEqual(ours.map((n) => [n.dst, n.ifindex]).sort(), [
        ["10.0.0.7", v0],
        ["2001:db8::7", v0],
      ]);
      assert.ok((await ip.getNeighbours()).every((n) => (n.flags & 0x08) === 0));
      await ip.neigh("del", { ifindex: "v0", dst: "10.0.0.7", proxy: true });
      assert.deepEqual((await ip.getNeighbours({ proxy: true, family: 2 })).length, 0);
    }, "neigh"),
});

Deno.test({
  ...(await gate(
    "neigh: getNeighbours filters ifindex and master in the kernel, state/dst/lladdr here",
    "link:bridge",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const { v0, v1 } = await setup(ip);
      for (let i = 1; i <= 4; i++) {
        await ip.neigh("add", {
          ifindex: v0,
          dst: `10.0.0.${10 + i}`,
          lladdr: `02:00:00:00:00:0${i}`,
        });
        await ip.neigh("add", {
          ifindex: v1,
          dst: `10.0.1.${10 + i}`,
          lladdr: `02:00:00:00:01:0${i}`,
          state: "stale",
        });
      }
      const counts: number[] = [];
      const orig = ip.engine.dumpAll.bind(ip.engine);
      ip.engine.dumpAll = (async (b: Uint8Array, o: unknown) => {
        const r = await orig(b, o as never);
        counts.push(r.length);
        return r;
      }) as typeof ip.engine.dumpAll;
      const onV1 = await ip.getNeighbours({ ifindex: "v1", family: 2 });
      assert.equal(onV1.length, 4);
      assert.ok(onV1.every((n: Neigh) => n.ifindex === v1));
      assert.equal(counts.at(-1), 4, "the kernel sent only v1's entries");
      assert.equal((await ip.getNeighbours({ state: "stale" })).length, 4);
      assert.equal((await ip.getNeighbours({ state: ["stale", "permanent"] })).length, 8);
      assert.deepEqual(
        (await ip.getNeighbours({ lladdr: "02:00:00:00:00:03" })).map((n) => n.dst),
        ["10.0.0.13"],
      );
      assert.deepEqual((await ip.getNeighbours({ dst: "10.0.1.12" })).map((n) => n.ifindex), [v1]);
      // master: the entries of a bridge's ports.
      await ip.link("add", { ifname: "br0", kind: "bridge" });
      await ip.link("set", { index: "v1", master: "br0" });
      await ip.link("set", { index: "br0", state: "up" });
      await ip.addr("add", { index: "br0", address: "10.0.2.1/24" });
      await ip.neigh("add", { ifindex: "br0", dst: "10.0.2.9", lladdr: "02:00:00:00:02:09" });
      const onBr = await ip.getNeighbours({ master: "br0", family: 2 });
      assert.ok(onBr.every((n) => n.ifindex === v1), "entries of br0's ports");
      const theirs = await ipJson(ns, "-4", "neigh", "show", "master", "br0", "nud", "all");
      assert.equal(onBr.length, theirs.length);
      assert.ok(onBr.length > 0);
    }, "neigh"),
});
