/**
 * Policy routing rules against the real kernel, IPv4 and IPv6, in fresh namespaces: every
 * selector and action, compared with `ip -j rule show`; delete; getRules filters.
 */

import assert from "node:assert/strict";
import { IPRoute } from "../../rtnl/mod.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { ipJson, isRoot, withNetns } from "../helpers.ts";

const ignore = !isRoot;

Deno.test({
  name: "rule: selectors and actions, IPv4 and IPv6, as ip rule shows them",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      await ip.rule("add", { priority: 100, src: "10.0.0.0/8", table: 100 });
      await ip.rule("add", {
        priority: 200,
        src: "10.0.0.0/8",
        dst: "192.168.0.0/16",
        iif: "v0",
        oifname: "v1",
        fwmark: 0x10,
        fwmask: 0xff,
        table: 5000,
      });
      await ip.rule("add", { priority: 300, goto: 400 });
      await ip.rule("add", { priority: 301, action: "blackhole" });
      await ip.rule("add", { priority: 302, action: "nop" });
      await ip.rule("add", { priority: 303, table: "main", suppress_prefixlength: 0 });
      await ip.rule("add", {
        priority: 304,
        uid_range: { start: 1000, end: 2000 },
        ip_proto: "tcp",
        sport: "1000-2000",
        dport: 80,
        table: 7,
      });
      await ip.rule("add", { priority: 305, l3mdev: true });
      await ip.rule("add", { priority: 306, invert: true, src: "10.1.0.0/16", action: "prohibit" });
      await ip.rule("add", { priority: 400, action: "unreachable" });
      await ip.rule("add", { priority: 100, src: "2001:db8::/32", table: 600 });
      await ip.rule("add", {
        priority: 101,
        family: 10,
        action: "unreachable",
        protocol: "static",
      });
      const theirs = new Map(
        (await ipJson(ns, "rule", "show")).map((r) => [r.priority as number, r]),
      );
      assert.equal(theirs.get(100)?.src, "10.0.0.0");
      assert.equal(theirs.get(100)?.srclen, 8);
      assert.equal(theirs.get(100)?.table, "100");
      const full = theirs.get(200)!;
      assert.equal(full.dst, "192.168.0.0");
      assert.equal(full.dstlen, 16);
      assert.equal(full.iif, "v0");
      assert.equal(full.oif, "v1");
      assert.equal(full.fwmark, "0x10");
      assert.equal(full.fwmask, "0xff");
      assert.equal(full.table, "5000");
      assert.equal(theirs.get(300)?.goto, 400);
      assert.ok(!("unresolved" in theirs.get(300)!), "rule 400 exists");
      assert.equal(theirs.get(301)?.action, "blackhole");
      assert.ok("nop" in theirs.get(302)!);
      assert.equal(theirs.get(303)?.suppress_prefixlen, 0);
      const uid = theirs.get(304)!;
      assert.equal(uid.uid_start, 1000);
      assert.equal(uid.uid_end, 2000);
      assert.equal(uid.ipproto, "tcp");
      assert.equal(uid.sport_start, 1000);
      assert.equal(uid.sport_end, 2000);
      assert.equal(uid.dport, 80);
      assert.ok("l3mdev" in theirs.get(305)!);
      assert.ok("not" in theirs.get(306)!);
      assert.equal(theirs.get(306)?.action, "prohibit");
      assert.equal(theirs.get(400)?.action, "unreachable");
      const v6 = new Map(
        (await ipJson(ns, "-6", "rule", "show")).map((r) => [r.priority as number, r]),
      );
      assert.equal(v6.get(100)?.src, "2001:db8::");
      assert.equal(v6.get(100)?.table, "600");
      assert.equal(v6.get(101)?.action, "unreachable");
      assert.equal(v6.get(101)?.protocol, "static");

      const ours = await ip.getRules({ family: 2 });
      const byPrio = new Map(ours.map((r) => [r.priority ?? 0, r]));
      assert.equal(byPrio.get(200)?.table, 5000);
      assert.equal(byPrio.get(200)?.iifname, "v0");
      assert.deepEqual(byPrio.get(304)?.uid_range, { start: 1000, end: 2000 });
      assert.equal(byPrio.get(300)?.goto, 400);
      assert.equal(byPrio.get(300)!.flags & 0x4, 0, "not FIB_RULE_UNRESOLVED");
      assert.equal(byPrio.get(305)?.l3mdev, 1);
      assert.equal(byPrio.get(306)!.flags & 0x2, 0x2, "FIB_RULE_INVERT");
      assert.equal(byPrio.get(301)?.action, 6);
      assert.equal((await ip.getRules({ family: 10, priority: 101 }))[0].protocol, 4);
      assert.deepEqual((await ip.getRules({ table: 7 })).map((r) => r.priority), [304]);
      assert.deepEqual(
        (await ip.getRules({ src: "10.0.0.0/8" })).map((r) => r.priority).sort(),
        [100, 200],
      );
      assert.deepEqual((await ip.getRules({ action: "nop" })).map((r) => r.priority), [302]);
    }, "rule"),
});

Deno.test({
  name: "rule: delete by priority or by match, replace, and the kernel's refusals",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await ip.rule("add", { priority: 100, src: "10.0.0.0/8", table: 100 });
      await ip.rule("add", { priority: 110, fwmark: "0x5/0xf", table: 101 });
      await assert.rejects(
        ip.rule("add", { priority: 100, src: "10.0.0.0/8", table: 100 }),
        (e) => e instanceof NetlinkError && e.code === "EEXIST",
      );
      await ip.rule("del", { priority: 100 });
      await ip.rule("del", { fwmark: 5, fwmask: 15, table: 101 });
      const left = (await ipJson(ns, "rule", "show")).map((r) => r.priority);
      assert.deepEqual(left, [0, 32766, 32767]);
      await assert.rejects(
        ip.rule("del", { priority: 100 }),
        (e) => e instanceof NetlinkError && e.code === "ENOENT",
      );
      await assert.rejects(
        ip.rule("add", { priority: 120, goto: 50 }),
        (e) => e instanceof NetlinkError && e.code === "EINVAL",
      );
    }, "rule"),
});
