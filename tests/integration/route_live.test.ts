/**
 * Routes against the real kernel, each test in a fresh namespace: gateway/oif/prefsrc/table/
 * priority/proto/scope/type, metrics, multipath with weights, nexthop ids, IPv6, seg6, replace/
 * change/append/del, `get`, kernel-side dump filters (checked with NLM_F_DUMP_FILTERED), user-space
 * filters, iterRoutes, flushRoutes, and the kernel's refusals.
 */

import assert from "node:assert/strict";
import { IPRoute } from "../../rtnl/mod.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import type { Route } from "../../rtnl/mod.ts";
import { ipCmd, ipJson, isRoot, withNetns } from "../helpers.ts";
import { liveTest } from "../features.ts";

import { vethPair } from "./veth_fixture.ts";

const ignore = !isRoot;

const setup = vethPair;

Deno.test({
  name: "route: gateway, oif by name, prefsrc, tables (number, name, > 255), priority, proto",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const { v0 } = await setup(ip);
      await ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.2", prefsrc: "10.0.0.1" });
      await ip.route("add", { dst: "10.2.0.0/16", oif: "v0", table: 100, priority: 7 });
      await ip.route("add", {
        dst: "10.3.0.0/16",
        gateway: "10.0.0.2",
        table: 100000,
        proto: "static",
      });
      await ip.route("add", { dst: "default", gateway: "10.0.0.254", table: "default" });
      const [main] = await ipJson(ns, "-d", "route", "show", "10.1.0.0/16");
      assert.equal(main.gateway, "10.0.0.2");
      assert.equal(main.prefsrc, "10.0.0.1");
      assert.equal(main.protocol, "boot");
      const [t100] = await ipJson(ns, "route", "show", "table", "100");
      assert.equal(t100.dev, "v0");
      assert.equal(t100.metric, 7);
      assert.equal(t100.scope, "link");
      const [big] = await ipJson(ns, "-d", "route", "show", "table", "100000");
      assert.equal(big.protocol, "static");
      assert.equal(
        (await ipJson(ns, "route", "show", "table", "default"))[0].gateway,
        "10.0.0.254",
      );
      const ours = await ip.getRoutes({ table: 100000 });
      assert.equal(ours.length, 1);
      assert.equal(ours[0].table, 100000);
      assert.equal(ours[0].gateway, "10.0.0.2");
      assert.equal(ours[0].oif, v0);
      assert.equal(ours[0].proto, 4);
      assert.equal((await ip.getRoutes({ table: "default" }))[0].dst_len, 0);
    }, "route"),
});

Deno.test({
  name: "route: types (local, blackhole, unreachable, prohibit, throw) and scopes",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await setup(ip);
      await ip.route("add", { dst: "10.7.0.1", type: "local", oif: "v0", table: 200 });
      for (const type of ["blackhole", "unreachable", "prohibit", "throw"]) {
        const n = { blackhole: 1, unreachable: 2, prohibit: 3, throw: 4 }[type]!;
        await ip.route("add", { dst: `10.5${n}.0.0/16`, type, table: 200 });
      }
      await ip.route("add", { dst: "2001:db8:9::/48", type: "unreachable", metric: 10 });
      const theirs = await ipJson(ns, "route", "show", "table", "200");
      const byDst = new Map(theirs.map((r) => [r.dst, r]));
      assert.equal(byDst.get("10.51.0.0/16")?.type, "blackhole");
      assert.equal(byDst.get("10.52.0.0/16")?.type, "unreachable");
      assert.equal(byDst.get("10.53.0.0/16")?.type, "prohibit");
      assert.equal(byDst.get("10.54.0.0/16")?.type, "throw");
      assert.equal(byDst.get("10.7.0.1")?.type, "local");
      assert.equal(byDst.get("10.7.0.1")?.scope, "host");
      const ours = await ip.getRoutes({ table: 200, type: "blackhole" });
      assert.deepEqual(ours.map((r) => r.dst), ["10.51.0.0"]);
      const v6 = await ip.getRoutes({ family: 10, type: "unreachable", dst: "2001:db8:9::/48" });
      assert.equal(v6.length, 1);
      assert.equal(v6[0].priority, 10);
    }, "route"),
});

Deno.test({
  name: "route: metrics, including locked ones and the congestion control algorithm",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await setup(ip);
      await ip.route("add", {
        dst: "10.4.0.0/16",
        gateway: "10.0.0.2",
        metrics: { mtu: 1400, advmss: 1360, lock: ["mtu"], cc_algo: "reno", hoplimit: 9 },
      });
      const [t] = await ipJson(ns, "route", "show", "10.4.0.0/16");
      const [m] = t.metrics as Record<string, unknown>[];
      assert.deepEqual(m, { mtu: 1400, advmss: 1360, hoplimit: 9, congestion: "reno" });
      assert.match(await ipCmd(ns, "route", "show", "10.4.0.0/16"), /mtu lock 1400/);
      const [r] = await ip.getRoutes({ dst: "10.4.0.0/16" });
      assert.equal(r.metrics?.mtu, 1400);
      assert.equal(r.metrics?.advmss, 1360);
      assert.equal(r.metrics?.cc_algo, "reno");
      assert.equal(r.metrics?.lock, 1 << 2);
    }, "route"),
});

Deno.test({
  name: "route: multipath with weights, IPv4 and IPv6, decoded next hops",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const { v0, v1 } = await setup(ip);
      await ip.route("add", {
        dst: "10.2.0.0/16",
        multipath: [
          { gateway: "10.0.0.2", weight: 3 },
          { gateway: "10.0.1.2", oif: "v1", weight: 1 },
        ],
      });
      await ip.addr("add", { index: "v1", address: "2001:db8:1::1/64", flags: ["nodad"] });
      await ip.route("add", {
        dst: "2001:db8:2::/48",
        multipath: [
          { gateway: "2001:db8::2", oif: "v0", weight: 2 },
          { gateway: "2001:db8:1::2", oif: "v1", weight: 5 },
        ],
      });
      const [t] = await ipJson(ns, "route", "show", "10.2.0.0/16");
      const hops = t.nexthops as Record<string, unknown>[];
      assert.deepEqual(hops.map((h) => [h.gateway, h.dev, h.weight]), [
        ["10.0.0.2", "v0", 3],
        ["10.0.1.2", "v1", 1],
      ]);
      const [r] = await ip.getRoutes({ dst: "10.2.0.0/16" });
      assert.deepEqual(r.multipath, [
        { oif: v0, weight: 3, hops: 2, flags: 0, gateway: "10.0.0.2" },
        { oif: v1, weight: 1, hops: 0, flags: 0, gateway: "10.0.1.2" },
      ]);
      const [r6] = await ip.getRoutes({ family: 10, dst: "2001:db8:2::/48" });
      assert.deepEqual(r6.multipath?.map((h) => [h.gateway, h.oif, h.weight]), [
        ["2001:db8::2", v0, 2],
        ["2001:db8:1::2", v1, 5],
      ]);
      // oif and gateway filters look into the next hops.
      assert.equal((await ip.getRoutes({ family: 2, oif: "v1", dst: "10.2.0.0/16" })).length, 1);
      assert.equal((await ip.getRoutes({ gateway: "10.0.1.2" })).length, 1);
    }, "route"),
});

await liveTest("route: IPv6 routes and nexthop ids", ["nexthop"], () =>
  withNetns(async (ns) => {
    using ip = new IPRoute({ netns: ns });
    await setup(ip);
    await ip.route("add", { dst: "2001:db8:1::/48", gateway: "2001:db8::2", oif: "v0" });
    await ip.nexthop("add", { id: 1, gateway: "10.0.0.2", oif: "v0" });
    await ip.route("add", { dst: "10.8.0.0/16", nh_id: 1 });
    const [g] = await ipJson(ns, "-6", "route", "show", "2001:db8:1::/48");
    assert.equal(g.gateway, "2001:db8::2");
    const [n] = await ipJson(ns, "route", "show", "10.8.0.0/16");
    assert.equal(n.nhid, 1);
    assert.equal((await ip.getRoutes({ nh_id: 1 }))[0].dst, "10.8.0.0");
  }, "route"));

// The request's bytes are checked against iproute2's in tests/unit/route_golden.test.ts.
await liveTest("route: seg6 encapsulation", ["encap:seg6"], () =>
  withNetns(async (ns) => {
    using ip = new IPRoute({ netns: ns });
    await setup(ip);
    await ip.route("add", {
      dst: "2001:db8:5::/64",
      oif: "v0",
      encap: { type: "seg6", mode: "encap", segs: ["2001:db8::2", "2001:db8::3"] },
    });
    const [s] = await ipJson(ns, "-6", "route", "show", "2001:db8:5::/64");
    assert.equal(s.encap, "seg6");
    assert.equal(s.mode, "encap");
    assert.deepEqual(s.segs, ["2001:db8::2", "2001:db8::3"]);
    const [ours] = await ip.getRoutes({ family: 10, dst: "2001:db8:5::/64" });
    assert.equal(ours.encap_type, 5);
    assert.ok((ours.get(["encap", "srh"]) as Uint8Array).length === 4 + 8 + 32);
  }, "route"));

Deno.test({
  name: "route: replace, change, append and del",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await setup(ip);
      await ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.2" });
      await assert.rejects(
        ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.3" }),
        (e) => e instanceof NetlinkError && e.code === "EEXIST",
      );
      await ip.route("replace", { dst: "10.1.0.0/16", gateway: "10.0.0.3" });
      assert.equal((await ipJson(ns, "route", "show", "10.1.0.0/16"))[0].gateway, "10.0.0.3");
      await ip.route("change", { dst: "10.1.0.0/16", gateway: "10.0.0.4" });
      assert.equal((await ipJson(ns, "route", "show", "10.1.0.0/16"))[0].gateway, "10.0.0.4");
      await assert.rejects(
        ip.route("change", { dst: "10.9.0.0/16", gateway: "10.0.0.4" }),
        (e) => e instanceof NetlinkError && e.code === "ENOENT",
      );
      await ip.route("append", { dst: "10.1.0.0/16", gateway: "10.0.0.5", priority: 0 });
      assert.equal((await ip.getRoutes({ dst: "10.1.0.0/16" })).length, 2);
      await ip.route("del", { dst: "10.1.0.0/16", gateway: "10.0.0.5" });
      await ip.route("del", { dst: "10.1.0.0/16" });
      assert.deepEqual(await ipJson(ns, "route", "show", "10.1.0.0/16"), []);
      await assert.rejects(
        ip.route("del", { dst: "10.1.0.0/16" }),
        (e) => e instanceof NetlinkError && e.code === "ESRCH",
      );
    }, "route"),
});

Deno.test({
  name: "route: get returns the kernel's route, with the table it was found in",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const { v0 } = await setup(ip);
      await ip.route("add", { dst: "10.2.0.0/16", gateway: "10.0.0.2", table: 1000 });
      await ip.rule("add", { priority: 100, src: "10.0.0.1", table: 1000 });
      const [r] = await ip.route("get", { dst: "10.2.3.4", src: "10.0.0.1" });
      assert.equal(r.dst, "10.2.3.4");
      assert.equal(r.dst_len, 32);
      assert.equal(r.gateway, "10.0.0.2");
      assert.equal(r.oif, v0);
      assert.equal(r.table, 1000, "RTM_F_LOOKUP_TABLE: the table the route came from");
      const [fib] = await ip.route("get", { dst: "10.2.3.4", src: "10.0.0.1", fibmatch: true });
      assert.equal(fib.dst, "10.2.0.0");
      assert.equal(fib.dst_len, 16);
      const [theirs] = await ipJson(ns, "route", "get", "10.0.0.9");
      const [mine] = await ip.route("get", { dst: "10.0.0.9" });
      assert.equal(mine.prefsrc, theirs.prefsrc);
      assert.equal(mine.oif, v0);
      await assert.rejects(
        ip.route("get", { dst: "192.0.2.1" }),
        (e) => e instanceof NetlinkError && e.code === "ENETUNREACH",
      );
    }, "route"),
});

Deno.test({
  name: "route: get works for IPv6 too (which refuses RTM_F_LOOKUP_TABLE) and names the table",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const { v0 } = await setup(ip);
      await ip.addr("add", { index: v0, address: "2001:db8:5::1/64", flags: ["nodad"] });
      await ip.route("add", { dst: "2001:db8:77::/48", gateway: "2001:db8:5::2", table: 300 });
      await ip.rule("add", { family: 10, priority: 100, dst: "2001:db8:77::/48", table: 300 });
      const [r] = await ip.route("get", { dst: "2001:db8:77::9" });
      const [theirs] = await ipJson(ns, "-6", "route", "get", "2001:db8:77::9");
      assert.equal(r.dst, "2001:db8:77::9");
      assert.equal(r.gateway, theirs.gateway);
      assert.equal(r.oif, v0);
      assert.equal(r.table, 300);
      const [fib] = await ip.route("get", { dst: "2001:db8:77::9", fibmatch: true });
      assert.equal(fib.dst, "2001:db8:77::");
      assert.equal(fib.dst_len, 48);
    }, "route6"),
});

/** Counts what the kernel answered to each dump, before any filtering here. */
function spyDumps(ip: IPRoute): number[] {
  const counts: number[] = [];
  const engine = ip.engine;
  const orig = engine.dumpAll.bind(engine);
  engine.dumpAll = (async (bytes: Uint8Array, opts: unknown) => {
    const r = await orig(bytes, opts as never);
    counts.push(r.length);
    return r;
  }) as typeof engine.dumpAll;
  return counts;
}

Deno.test({
  name: "route: getRoutes filters family/table/oif/proto/type in the kernel, dst and others here",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      using lax = new IPRoute({ netns: ns, strict: false });
      const { v0, v1 } = await setup(ip);
      for (let i = 0; i < 5; i++) {
        await ip.route("add", { dst: `10.10.${i}.0/24`, gateway: "10.0.0.2", table: 100 });
        await ip.route("add", {
          dst: `10.11.${i}.0/24`,
          gateway: "10.0.1.2",
          table: 101,
          proto: "static",
        });
      }
      const counts = spyDumps(ip);
      const laxCounts = spyDumps(lax);
      // The kernel sent only what matched (what getRoutes returns is all it received), while
      // a socket without strict checking gets everything and filters here.
      const kernel = async (filter: Record<string, unknown>, pred: (r: Route) => boolean) => {
        const rs = await ip.getRoutes(filter);
        assert.ok(rs.length > 0 && rs.every(pred), JSON.stringify(filter));
        assert.equal(counts.at(-1), rs.length, `${JSON.stringify(filter)}: filtered in the kernel`);
        const loose = await lax.getRoutes(filter);
        assert.equal(loose.length, rs.length, "same answer without strict checking");
        assert.ok(laxCounts.at(-1)! > rs.length, "which the kernel then does not filter");
      };
      await kernel({ table: 100 }, (r) => r.table === 100);
      await kernel({ family: 2, oif: "v1" }, (r) => r.oif === v1);
      await kernel({ proto: "static" }, (r) => r.proto === 4);
      await kernel({ family: 2, type: "local" }, (r) => r.type === 2);
      // The family picks which family's dump runs, with or without strict checking.
      const v6 = await ip.getRoutes({ family: 10 });
      assert.ok(v6.length > 0 && v6.every((r) => r.family === 10));
      assert.equal(counts.at(-1), v6.length);
      assert.equal((await ip.getRoutes({ table: 100 })).length, 5);
      assert.equal((await ip.getRoutes({ table: 101, oif: v0 })).length, 0);
      // A dst filter is an exact prefix match, done here (the kernel refuses rtm_dst_len in
      // a dump under strict checking).
      const d = await ip.getRoutes({ dst: "10.10.3.0/24" });
      assert.deepEqual(d.map((r) => [r.dst, r.table]), [["10.10.3.0", 100]]);
      assert.ok(counts.at(-1)! > 1);
      assert.equal((await ip.getRoutes({ dst: "10.10.3.0/25" })).length, 0);
      assert.equal(
        (await ip.getRoutes({ scope: "host", table: "local", family: 2 })).length,
        (await ipJson(ns, "route", "show", "table", "local", "scope", "host")).length,
      );
      assert.deepEqual(await ip.getRoutes({ table: 4242 }), [], "a table that does not exist");
      const it: Route[] = [];
      for await (const r of ip.iterRoutes({ table: 101 })) it.push(r);
      assert.equal(it.length, 5);
      assert.equal(await ip.flushRoutes({ table: 101 }), 5);
      assert.deepEqual(await ipJson(ns, "route", "show", "table", "101"), []);
      assert.equal((await ipJson(ns, "route", "show", "table", "100")).length, 5);
    }, "route"),
});

Deno.test({
  name: "route: the kernel's refusal carries its ext-ack text",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await setup(ip);
      await ipCmd(ns, "route", "add", "10.6.0.0/16", "via", "10.0.0.2");
      const err = await ip.route("add", { dst: "10.9.0.0/16", gateway: "192.0.2.1" }).catch((e) =>
        e
      );
      assert.ok(err instanceof NetlinkError, String(err));
      assert.equal(err.code, "ENETUNREACH");
      assert.match(err.message, /Nexthop has invalid gateway/);
      assert.equal((await ip.getRoutes({ dst: "10.6.0.0/16" }))[0].gateway, "10.0.0.2");
    }, "route"),
});
