/**
 * The contract users rely on, live (issue 13; issue 21 items 5 and 6): callable filters and
 * `match` select what they say, a flush with an undefined filter value deletes nothing, a
 * monitor receives a change made between the call and its first `next()`, and a monitor or a
 * tun/tap device of a connection whose namespace name was removed (or reused) stays in the
 * connection's own namespace.
 */

import assert from "node:assert/strict";
import { GenericNetlink, IPDB, IPRoute, netns, TaskStats } from "../../mod.ts";
import { CTRL_MESSAGE } from "../../netlink/mod.ts";
import type { MonitorEvent } from "../../mod.ts";
import { ipJson, isRoot, nsName, withNetns } from "../helpers.ts";
import { vethPair } from "./veth_fixture.ts";

const ignore = !isRoot;

/** The next event `pick` accepts, or undefined once `ms` passed. */
async function nextMatching<T>(
  it: AsyncIterator<MonitorEvent>,
  pick: (e: MonitorEvent) => T | undefined,
  ms = 3000,
): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      it.next(),
      new Promise<undefined>((ok) =>
        timer = setTimeout(() => ok(undefined), deadline - Date.now())
      ),
    ]);
    clearTimeout(timer);
    if (r === undefined || r.done) return undefined;
    const got = pick(r.value);
    if (got !== undefined) return got;
  }
  return undefined;
}

Deno.test({
  name: "contract: callable filter values and match select what they say",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const { v0 } = await vethPair(ip);
      await ip.addr("add", { index: v0, address: "10.9.0.1/16" });
      const by24 = await ip.getAddr({ family: 2, match: (a) => a.prefixlen === 24 });
      assert.deepEqual(by24.map((a) => a.local).sort(), ["10.0.0.1", "10.0.1.1"]);
      const wide = await ip.getAddr({ index: v0, prefixlen: (p: number) => p < 24 });
      assert.deepEqual(wide.map((a) => a.local), ["10.9.0.1"]);
      const onV0 = await ip.getAddr({ match: { index: v0, family: 2 } });
      assert.deepEqual(onV0.map((a) => a.local).sort(), ["10.0.0.1", "10.9.0.1"]);
      await ip.neigh("add", { ifindex: v0, dst: "10.0.0.5", lladdr: "02:00:00:00:00:05" });
      await ip.neigh("add", { ifindex: v0, dst: "10.0.0.6", lladdr: "02:00:00:00:00:06" });
      const n5 = await ip.getNeighbours({ match: (n) => n.dst === "10.0.0.5" });
      assert.deepEqual(n5.map((n) => n.lladdr), ["02:00:00:00:00:05"]);
      await ip.rule("add", { priority: 50, table: 100 });
      const rules = await ip.getRules({ family: 2, priority: (p: number) => p > 100 });
      assert.ok(rules.length >= 2, "the default rules 32766 and 32767");
      assert.ok(rules.every((r) => (r.priority ?? 0) > 100));
      const links = await ip.getLinks({ state: "up", mtu: (m: number) => m === 1500 });
      assert.deepEqual(links.map((l) => l.ifname).sort(), ["v0", "v1"]);
      const veths = await ip.getLinks({ match: (l) => l.get(["linkinfo", "kind"]) === "veth" });
      assert.equal(veths.length, 2);
      const main = await ip.getRoutes({
        table: "main",
        dst: (d: string) => d?.startsWith("10.9."),
      });
      assert.deepEqual(main.map((r) => r.dst), ["10.9.0.0"]);
    }, "contract"),
});

Deno.test({
  name: "contract: a flush with an undefined or empty filter deletes nothing",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await vethPair(ip);
      const routes = (await ipJson(ns, "-4", "route", "show", "table", "all")).length;
      const addrs = (await ipJson(ns, "addr", "show")).flatMap((l) =>
        l.addr_info as unknown[]
      ).length;
      await assert.rejects(() => ip.flushRoutes({ oif: undefined }), TypeError);
      await assert.rejects(() => ip.flushRoutes({}), TypeError);
      await assert.rejects(() => ip.flushAddr({ index: undefined }), TypeError);
      await assert.rejects(() => ip.flushAddr({ dev: "v0" } as never), TypeError);
      assert.equal((await ipJson(ns, "-4", "route", "show", "table", "all")).length, routes);
      const after = (await ipJson(ns, "addr", "show")).flatMap((l) => l.addr_info as unknown[]);
      assert.equal(after.length, addrs);
      // With a filter, it deletes what the filter selects.
      assert.equal(await ip.flushAddr({ index: "v1", family: 2 }), 1);
    }, "contract"),
});

Deno.test({
  name: "contract: ip.monitor() is subscribed when it returns",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await vethPair(ip);
      using mon = ip.monitor({ groups: ["link"] });
      // The change happens after the call and before anyone reads.
      await ip.link("set", { index: "v0", mtu: 1400 });
      await new Promise((ok) => setTimeout(ok, 20));
      const mtu = await nextMatching(mon, (e) =>
        e.type === "RTM_NEWLINK" && e.message.ifname === "v0" && e.message.mtu === 1400
          ? e.message.mtu
          : undefined);
      assert.equal(mtu, 1400);
      mon.close();
      assert.equal((await mon.next()).done, true);
    }, "contract"),
});

Deno.test({
  name: "contract: a connection keeps its namespace after the name is removed or reused",
  ignore,
  fn: async () => {
    const name = nsName("held");
    netns.create(name);
    let recreated = false;
    try {
      using ip = new IPRoute({ netns: name });
      await ip.link("add", { ifname: "d0", kind: "veth", peer: "d1" });
      netns.remove(name);
      // The name is gone: the monitor is still made in the connection's namespace.
      using mon = ip.monitor({ groups: ["link"] });
      netns.create(name);
      recreated = true;
      {
        using other = new IPRoute({ netns: name });
        await other.link("add", { ifname: "other0", kind: "veth", peer: "other1" });
      }
      await ip.link("add", { ifname: "mine0", kind: "veth", peer: "mine1" });
      const seen: string[] = [];
      await nextMatching(mon, (e) => {
        if (e.type === "RTM_NEWLINK" && e.message.ifname) seen.push(e.message.ifname);
        return seen.includes("mine0") ? true : undefined;
      });
      assert.ok(seen.includes("mine0"), `events seen: ${seen.join(", ")}`);
      assert.ok(!seen.includes("other0"), "an event of the namespace that took the name");
      // A tun/tap device is made in the connection's namespace too.
      await ip.link("add", { kind: "tuntap", mode: "tap", ifname: "tap0" });
      assert.deepEqual(await ip.linkLookup({ ifname: "tap0" }), [
        (await ip.getLinks({ ifname: "tap0" }))[0].index,
      ]);
      assert.equal((await ipJson(name, "link", "show")).some((l) => l.ifname === "tap0"), false);
    } finally {
      if (recreated || netns.exists(name)) netns.remove(name);
    }
  },
});

Deno.test({
  name: "contract: TaskStats.monitor() is registered when it returns; errors name the command",
  ignore,
  fn: async () => {
    using ts = new TaskStats();
    using mon = ts.monitor();
    // A short-lived child exits after the call and before anyone reads.
    const child = new Deno.Command("true", { stdout: "null", stderr: "null" }).spawn();
    await child.status;
    const deadline = Date.now() + 5000;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      const r = await Promise.race([
        mon.next(),
        new Promise<undefined>((ok) => setTimeout(() => ok(undefined), 100)),
      ]);
      if (r === undefined) continue;
      if (r.done) break;
      if (r.value.type === "exit" && r.value.pid === child.pid) seen = true;
    }
    assert.ok(seen, `no exit record of pid ${child.pid}`);
    mon.close();
    await assert.rejects(() => ts.getPidStat(0x7ffffff0), /TASKSTATS GET: /);
  },
});

Deno.test({
  name: "contract: a generic netlink monitor has joined its groups when it returns",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using genl = new GenericNetlink({ netns: ns });
      using mon = genl.monitor({ family: "nlctrl", schema: CTRL_MESSAGE, groups: ["notify"] });
      // Resolving a family is no event; what matters is that the monitor needs no next() to
      // be subscribed: a second monitor on the socket is refused at once.
      assert.throws(() => genl.monitor({ family: "nlctrl", schema: CTRL_MESSAGE }), /already/);
      mon.close();
      assert.equal((await mon.next()).done, true);
    }, "contract"),
});

Deno.test({
  name: "contract: operstate has one form, in IPRoute's views and in IPDB",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await vethPair(ip);
      const [v0] = await ip.getLinks({ ifname: "v0" });
      assert.equal(typeof v0.operstate, "string");
      await using db = await IPDB.open({ netns: ns, routes: false, rules: false });
      assert.equal(db.interfaces.get("v0")!.operstate, v0.operstate);
      assert.equal(
        db.interfaces.get("lo")!.operstate,
        (await ip.getLinks({ ifname: "lo" }))[0].operstate,
      );
    }, "contract"),
});

Deno.test({
  name:
    "contract: IPDB does what its words say (ipaddr.add(a, p), metrics, in, changes, unknown keys)",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await vethPair(ip);
      await ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.2" });
      const errors: string[] = [];
      await using db = await IPDB.open({ netns: ns, onError: (_e, why) => errors.push(why) });
      // Subscribed when changes() returns: a change made before the first next() arrives.
      using changes = db.changes();
      const v0 = db.interfaces.v0!;
      // The second argument is the prefix length, as pyroute2's add_ip(address, mask).
      v0.ipaddr.add("10.5.0.1", 24);
      assert.deepEqual(v0.review().ipaddr, ["+10.5.0.1/24"]);
      await v0.commit();
      const addrs = (await ipJson(ns, "addr", "show", "dev", "v0"))[0].addr_info as {
        local: string;
        prefixlen: number;
      }[];
      assert.ok(addrs.some((a) => a.local === "10.5.0.1" && a.prefixlen === 24));
      assert.equal(v0.ipaddr.has("10.5.0.1", 24), true);
      // A route's metrics are live: writing one is a pending change of the route.
      assert.equal("10.1.0.0/16" in db.routes, true);
      assert.equal("10.9.0.0/16" in db.routes, false);
      const route = db.routes["10.1.0.0/16"]!;
      route.metrics.mtu = 1400;
      await route.commit();
      const [shown] = await ipJson(ns, "route", "show", "10.1.0.0/16");
      assert.deepEqual(shown.metrics, [{ mtu: 1400 }]);
      assert.throws(() => (route.metrics.mtuu = 1), /metrics\.mtuu: unknown route metric .*"mtu"/);
      // Unknown properties are refused, naming the nearest one.
      assert.throws(
        () => ((v0 as unknown as Record<string, unknown>).mtuu = 1400),
        (e: Error) =>
          e instanceof TypeError && /^mtuu: not a property of Interface .*"mtu"/.test(e.message),
      );
      assert.throws(
        () => ((route as unknown as Record<string, unknown>).gatway = "10.0.0.3"),
        /gatway: not a property of IPDBRoute .*"gateway"/,
      );
      assert.equal(db.interfaces.nosuch, undefined);
      // Extra positional arguments are refused, not dropped.
      const loose = v0 as unknown as Record<string, (...a: unknown[]) => unknown>;
      assert.throws(() => loose.set("mtu", 1400, "extra"), /set: takes 2 arguments, got 3/);
      await assert.rejects(
        async () => await (route.commit as (...a: unknown[]) => Promise<unknown>)({}, "x"),
        /takes 1/,
      );
      let sawAddress = false;
      for (;;) {
        const r = await Promise.race([
          changes.next(),
          new Promise<undefined>((ok) => setTimeout(() => ok(undefined), 3000)),
        ]);
        if (r === undefined || r.done) break;
        if (r.value.kind === "address" && r.value.address === "10.5.0.1/24") {
          sawAddress = true;
          break;
        }
      }
      assert.ok(sawAddress, "the address event after changes() was called");
      changes.close();
      assert.equal((await changes.next()).done, true);
      assert.deepEqual(errors, []);
    }, "contract"),
});
