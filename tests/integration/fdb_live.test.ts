/**
 * The bridge forwarding database against the real kernel in fresh namespaces: master and self
 * entries, permanent/static/dynamic, getFdb filters (port and bridge in the kernel), delete.
 * Per-port VLANs where the kernel has bridge VLAN filtering, and its refusal where it does not
 * (tests/features.ts tells which); the VLAN encoder is checked against `bridge`'s bytes in
 * tests/unit/fdb_golden.test.ts either way.
 */

import assert from "node:assert/strict";
import { IPRoute } from "../../rtnl/mod.ts";
import type { FdbEntry } from "../../rtnl/mod.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { run, withNetns } from "../helpers.ts";
import { gate, lacks, named } from "../features.ts";

async function bridge(ip: IPRoute): Promise<{ v0: number; v2: number; br0: number }> {
  await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
  await ip.link("add", { ifname: "v2", kind: "veth", peer: "v3" });
  await ip.link("add", { ifname: "br0", kind: "bridge" });
  await ip.link("set", { index: "v0", master: "br0" });
  await ip.link("set", { index: "v2", master: "br0" });
  for (const n of ["v0", "v1", "v2", "v3", "br0"]) await ip.link("set", { index: n, state: "up" });
  const [v0] = await ip.linkLookup({ ifname: "v0" });
  const [v2] = await ip.linkLookup({ ifname: "v2" });
  const [br0] = await ip.linkLookup({ ifname: "br0" });
  return { v0, v2, br0 };
}

async function bridgeFdb(ns: string, ...args: string[]): Promise<Record<string, unknown>[]> {
  const text = await run("bridge", ["-n", ns, "-j", "fdb", "show", ...args]);
  return text.trim() ? JSON.parse(text) : [];
}

Deno.test({
  ...(await gate(
    "fdb: master static/dynamic and self permanent entries, as bridge fdb shows them",
    "link:bridge",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const { v0, v2, br0 } = await bridge(ip);
      await ip.fdb("add", {
        lladdr: "02:00:00:00:00:01",
        ifindex: "v0",
        flags: ["master"],
        state: "static",
      });
      await ip.fdb("add", {
        lladdr: "02:00:00:00:00:02",
        ifindex: "v2",
        flags: ["master"],
        state: "dynamic",
      });
      await ip.fdb("add", { lladdr: "02:00:00:00:00:03", ifindex: "v0", flags: ["self"] });
      await ip.fdb("add", { lladdr: "02:00:00:00:00:04", index: v2 });
      const theirs = await bridgeFdb(ns);
      const by = (mac: string) => theirs.filter((e) => e.mac === mac);
      const s = by("02:00:00:00:00:01");
      assert.equal(s.length, 1);
      assert.equal(s[0].ifname, "v0");
      assert.equal(s[0].master, "br0");
      assert.equal(s[0].state, "static");
      assert.equal(by("02:00:00:00:00:02")[0].ifname, "v2");
      assert.equal(by("02:00:00:00:00:02")[0].state, "", "dynamic: no state word");
      assert.deepEqual(by("02:00:00:00:00:03")[0].flags, ["self"]);
      assert.equal(by("02:00:00:00:00:03")[0].state, "permanent");
      assert.deepEqual(by("02:00:00:00:00:04")[0].flags, ["self"], "self is the default");
      const ours = await ip.getFdb({ lladdr: "02:00:00:00:00:01" });
      assert.equal(ours.length, 1);
      assert.equal(ours[0].ifindex, v0);
      assert.equal(ours[0].master, br0);
      assert.equal(ours[0].state, 0x40, "NUD_NOARP: static");
      assert.equal(ours[0].family, 7);
      assert.equal((await ip.getFdb({ lladdr: "02:00:00:00:00:03" }))[0].flags & 0x02, 0x02);
      await assert.rejects(
        ip.fdb("add", { lladdr: "02:00:00:00:00:01", ifindex: "v0", flags: ["master"] }),
        (e) => e instanceof NetlinkError && e.code === "EEXIST",
      );
      await ip.fdb("replace", {
        lladdr: "02:00:00:00:00:01",
        ifindex: "v2",
        flags: ["master"],
        state: "static",
      });
      assert.equal(
        (await bridgeFdb(ns, "brport", "v2")).filter((e) => e.mac === "02:00:00:00:00:01").length,
        1,
      );
      await ip.fdb("del", { lladdr: "02:00:00:00:00:01", ifindex: "v2", flags: ["master"] });
      await ip.fdb("del", { lladdr: "02:00:00:00:00:03", ifindex: "v0" });
      const after = await bridgeFdb(ns);
      assert.ok(!after.some((e) => e.mac === "02:00:00:00:00:01" || e.mac === "02:00:00:00:00:03"));
      await assert.rejects(
        ip.fdb("del", { lladdr: "02:00:00:00:00:01", ifindex: "v2", flags: ["master"] }),
        (e) => e instanceof NetlinkError && e.code === "ENOENT",
      );
    }, "fdb"),
});

Deno.test({
  ...(await gate(
    "fdb: getFdb filters by port (ifindex) and bridge (master) in the kernel",
    "link:bridge",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const { v0, v2, br0 } = await bridge(ip);
      for (let i = 1; i <= 3; i++) {
        await ip.fdb("add", { lladdr: `02:00:00:00:00:0${i}`, ifindex: v0, flags: ["master"] });
        await ip.fdb("add", { lladdr: `02:00:00:00:01:0${i}`, ifindex: v2, flags: ["master"] });
      }
      const counts: number[] = [];
      const orig = ip.engine.dumpAll.bind(ip.engine);
      ip.engine.dumpAll = (async (b: Uint8Array, o: unknown) => {
        const r = await orig(b, o as never);
        counts.push(r.length);
        return r;
      }) as typeof ip.engine.dumpAll;
      const onV0 = await ip.getFdb({ ifindex: "v0" });
      assert.ok(onV0.length >= 3 && onV0.every((e) => e.ifindex === v0));
      assert.equal(counts.at(-1), onV0.length, "the kernel sent only v0's entries");
      // Entries come and go by themselves (learnt MACs, the multicast addresses of IPv6
      // addresses finishing DAD): what bridge printed before and after the library's dump must
      // be in it, and what it has must have been printed once.
      const names = new Map<number, string>();
      for (const l of await ip.getLinks()) names.set(l.index, l.ifname!);
      const same = async (dump: () => Promise<FdbEntry[]>, ...args: string[]) => {
        const port = args[0] === "brport" ? args[1] : undefined;
        const k = (mac: unknown, dev: unknown) => `${mac} ${dev ?? port}`;
        const t1 = new Set((await bridgeFdb(ns, ...args)).map((e) => k(e.mac, e.ifname)));
        const ours = await dump();
        const t2 = new Set((await bridgeFdb(ns, ...args)).map((e) => k(e.mac, e.ifname)));
        const mine = new Set(ours.map((e) => k(e.lladdr, names.get(e.ifindex))));
        for (const x of t1) if (t2.has(x)) assert.ok(mine.has(x), `${args}: ${x} missing`);
        for (const x of mine) assert.ok(t1.has(x) || t2.has(x), `${args}: ${x} not in bridge's`);
        return ours;
      };
      await same(() => ip.getFdb({ ifindex: "v0" }), "brport", "v0");
      const onBr = await same(() => ip.getFdb({ master: br0 }), "br", "br0");
      assert.equal(counts.at(-1), onBr.length);
      assert.ok(onBr.some((e) => e.ifindex === v2) && onBr.some((e) => e.ifindex === v0));
      const all = await same(() => ip.getFdb());
      assert.ok(all.length > onBr.length, "v1/v3 have their own (self) entries");
    }, "fdb"),
});

// Run only where the kernel lacks VLAN filtering; the next test covers a kernel that has it.
const refusalSkip = (await lacks("link:bridge")) ??
  ((await lacks("bridge:vlan_filtering")) ? undefined : "this kernel has bridge vlan filtering");
Deno.test({
  name: named("vlan: a kernel without bridge VLAN filtering refuses it (EOPNOTSUPP)", refusalSkip),
  ignore: refusalSkip !== undefined,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await bridge(ip);
      await assert.rejects(
        ip.vlanFilter("add", { ifindex: "v0", vid: 10 }),
        (e) => e instanceof NetlinkError && e.code === "EOPNOTSUPP",
      );
      // The AF_BRIDGE link dump still answers: ports with no VLAN information.
      const ports = await ip.getVlans();
      assert.deepEqual(ports.map((p) => p.ifname).sort(), ["br0", "v0", "v2"]);
      assert.ok(ports.every((p) => p.vlans.length === 0));
      assert.deepEqual((await ip.getVlans({ ifindex: "v0" })).map((p) => p.ifname), ["v0"]);
    }, "fdb"),
});

Deno.test({
  ...(await gate(
    "vlan: add/del VLANs on a port and read them back",
    "link:bridge",
    "bridge:vlan_filtering",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await bridge(ip);
      await ip.vlanFilter("add", { ifindex: "v0", vid: 10, pvid: true, untagged: true });
      await ip.vlanFilter("add", { ifindex: "v0", vid: "20-22" });
      const [v0] = await ip.getVlans({ ifindex: "v0" });
      assert.deepEqual(v0.vlans.map((v) => v.vid), [1, 10, 20, 21, 22]);
      await ip.vlanFilter("del", { ifindex: "v0", vid: 10 });
    }, "fdb"),
});
