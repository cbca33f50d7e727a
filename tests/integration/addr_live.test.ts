/**
 * Addresses against the real kernel, each test in a fresh namespace: IPv4/IPv6, prefix or mask,
 * primary and secondary, local/peer, broadcast explicit or computed, label, scope, flags,
 * lifetimes, metric; replace, delete (with and without prefix), getAddr filters, flushAddr.
 */

import assert from "node:assert/strict";
import { IPRoute } from "../../rtnl/mod.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { ipJson, isRoot, withNetns } from "../helpers.ts";

const ignore = !isRoot;

async function veth(ip: IPRoute): Promise<void> {
  await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
  await ip.link("set", { index: "v0", state: "up" });
  await ip.link("set", { index: "v1", state: "up" });
}

type AddrInfo = Record<string, unknown>;
async function ipAddrs(ns: string, dev: string): Promise<AddrInfo[]> {
  const [l] = await ipJson(ns, "addr", "show", "dev", dev);
  return (l?.addr_info as AddrInfo[]) ?? [];
}

Deno.test({
  name: "addr: IPv4 primary and secondary, label, broadcast computed and explicit, scope",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await veth(ip);
      await ip.addr("add", { index: "v0", address: "10.0.0.1/24", broadcast: true, label: "v0:a" });
      await ip.addr("add", { index: "v0", address: "10.0.0.2", mask: 24 });
      await ip.addr("add", {
        index: "v0",
        address: "10.1.0.1",
        prefixlen: 16,
        broadcast: "10.1.255.254",
        scope: "link",
      });
      const theirs = await ipAddrs(ns, "v0");
      const a = theirs.find((x) => x.local === "10.0.0.1")!;
      assert.equal(a.prefixlen, 24);
      assert.equal(a.broadcast, "10.0.0.255");
      assert.equal(a.label, "v0:a");
      const b = theirs.find((x) => x.local === "10.0.0.2")!;
      assert.equal(b.secondary, true);
      const c = theirs.find((x) => x.local === "10.1.0.1")!;
      assert.equal(c.broadcast, "10.1.255.254");
      assert.equal(c.scope, "link");
      const ours = await ip.getAddr({ index: "v0", family: 2 });
      assert.deepEqual(ours.map((x) => x.local).sort(), ["10.0.0.1", "10.0.0.2", "10.1.0.1"]);
      const sec = ours.find((x) => x.local === "10.0.0.2")!;
      assert.equal(sec.flags & 0x01, 0x01, "IFA_F_SECONDARY");
      assert.equal(ours.find((x) => x.local === "10.0.0.1")!.label, "v0:a");
      // The same address twice: the kernel refuses.
      await assert.rejects(
        ip.addr("add", { index: "v0", address: "10.0.0.1/24" }),
        (e) => e instanceof NetlinkError && e.code === "EEXIST",
      );
    }, "addr"),
});

Deno.test({
  name: "addr: IPv6 with flags, lifetimes and metric; replace changes the lifetimes",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await veth(ip);
      await ip.addr("add", {
        index: "v0",
        address: "2001:db8::1/64",
        flags: ["nodad"],
        preferred: 300,
        valid: 600,
        metric: 77,
      });
      let [a] = (await ipAddrs(ns, "v0")).filter((x) => x.local === "2001:db8::1");
      assert.equal(a.prefixlen, 64);
      assert.ok((a.valid_life_time as number) <= 600 && (a.valid_life_time as number) > 590);
      assert.ok((a.preferred_life_time as number) <= 300);
      assert.equal(a.tentative, undefined, "nodad: not tentative");
      const routes = await ipJson(ns, "-6", "route", "show", "2001:db8::/64");
      assert.equal(routes[0].metric, 77);
      await ip.addr("replace", {
        index: "v0",
        address: "2001:db8::1/64",
        flags: ["nodad"],
        valid: "forever",
        preferred: "forever",
      });
      [a] = (await ipAddrs(ns, "v0")).filter((x) => x.local === "2001:db8::1");
      assert.equal(a.valid_life_time, 4294967295);
      const [ours] = await ip.getAddr({ address: "2001:db8::1/64" });
      assert.equal(ours.cacheinfo?.ifa_valid, 4294967295);
      assert.equal(ours.family, 10);
    }, "addr"),
});

Deno.test({
  name: "addr: local/peer point-to-point addresses",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await veth(ip);
      await ip.addr("add", { index: "v0", address: "10.9.0.1", peer: "10.9.0.2/32" });
      await ip.addr("add", { index: "v0", local: "10.8.0.1", address: "10.8.0.2", mask: 32 });
      const theirs = await ipAddrs(ns, "v0");
      assert.equal(theirs.find((x) => x.local === "10.9.0.1")?.address, "10.9.0.2");
      assert.equal(theirs.find((x) => x.local === "10.8.0.1")?.address, "10.8.0.2");
      const [ours] = await ip.getAddr({ local: "10.9.0.1" });
      assert.equal(ours.address, "10.9.0.2");
      assert.equal(ours.prefixlen, 32);
    }, "addr"),
});

Deno.test({
  name: "addr: delete with a prefix, and without one (IPv4 wildcard, IPv6 looked up)",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await veth(ip);
      await ip.addr("add", { index: "v0", address: "10.0.0.1/24" });
      await ip.addr("add", { index: "v0", address: "10.0.1.1/24" });
      await ip.addr("add", { index: "v0", address: "2001:db8::1/64", flags: ["nodad"] });
      await ip.addr("del", { index: "v0", address: "10.0.0.1/24" });
      await ip.addr("del", { index: "v0", address: "10.0.1.1" });
      await ip.addr("del", { index: "v0", address: "2001:db8::1" });
      const left = (await ipAddrs(ns, "v0")).map((x) => x.local);
      assert.ok(!left.includes("10.0.0.1") && !left.includes("10.0.1.1"), String(left));
      assert.ok(!left.includes("2001:db8::1"), String(left));
      await assert.rejects(
        ip.addr("del", { index: "v0", address: "10.0.0.1/24" }),
        (e) => e instanceof NetlinkError && e.code === "EADDRNOTAVAIL",
      );
    }, "addr"),
});

Deno.test({
  name: "addr: getAddr filters by family and index in the kernel, the rest here; flushAddr",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await veth(ip);
      await ip.addr("add", { index: "v0", address: "10.0.0.1/24", label: "v0:x" });
      await ip.addr("add", { index: "v0", address: "10.0.0.2/24" });
      await ip.addr("add", { index: "v1", address: "10.0.0.3/24" });
      await ip.addr("add", { index: "v1", address: "2001:db8::3/64", flags: ["nodad"] });
      const [v0] = await ip.linkLookup({ ifname: "v0" });
      const byIndex = await ip.getAddr({ index: v0 });
      assert.ok(byIndex.length >= 2 && byIndex.every((a) => a.index === v0));
      assert.equal(byIndex[0].nlmsgFlags & 0x20, 0x20, "NLM_F_DUMP_FILTERED: the kernel filtered");
      assert.ok((await ip.getAddr({ family: 10 })).every((a) => a.family === 10));
      assert.deepEqual((await ip.getAddr({ label: "v0:x" })).map((a) => a.local), ["10.0.0.1"]);
      assert.equal((await ip.getAddr({ scope: "link", family: 10, index: "v1" })).length, 1);
      assert.deepEqual((await ip.getAddr({ address: "10.0.0.3/24" })).map((a) => a.index), [
        (await ip.linkLookup({ ifname: "v1" }))[0],
      ]);
      const n = await ip.flushAddr({ index: "v0", family: 2 });
      assert.ok(n >= 1, "the primary is deleted (its secondary goes with it)");
      assert.equal((await ip.getAddr({ index: "v0", family: 2 })).length, 0);
      assert.equal((await ip.getAddr({ index: "v1", family: 2 })).length, 1, "v1 untouched");
      // IPv4, IPv6 and (once the kernel has made it) the link-local address.
      assert.ok(await ip.flushAddr({ index: "v1" }) >= 2);
      const left = (await ipAddrs(ns, "v1")).filter((a) => a.scope !== "link");
      assert.deepEqual(left, []);
    }, "addr"),
});
