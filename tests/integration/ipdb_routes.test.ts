/**
 * IPDB routes and rules against the real kernel, checked with `ip -j route` / `ip -j rule`:
 * add, lookup by destination (main table and `tables[100]`), gateway, metric, metrics and
 * multipath changes, removal, a refused route, an interface and its routes in one transaction.
 */

import assert from "node:assert/strict";
import { CommitError, IPDB, IPRoute, NetlinkError } from "../../mod.ts";
import { ipCmd, ipJson, isRoot, withNetns } from "../helpers.ts";

const ignore = !isRoot;

async function setup(ns: string): Promise<void> {
  await ipCmd(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
  await ipCmd(ns, "link", "set", "v0", "up");
  await ipCmd(ns, "link", "set", "v1", "up");
  await ipCmd(ns, "addr", "add", "10.0.0.1/24", "dev", "v0");
  await ipCmd(ns, "addr", "add", "10.0.1.1/24", "dev", "v1");
  await ipCmd(ns, "addr", "add", "2001:db8::1/64", "dev", "v0", "nodad");
}

async function route(ns: string, dst: string, ...extra: string[]) {
  const r = await ipJson(ns, "route", "show", dst, ...extra);
  return r[0] as Record<string, unknown> | undefined;
}

Deno.test({
  name: "ipdb routes: add, look up, change gateway/metrics/multipath/metric, remove",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      await using db = await IPDB.open({ netns: ns });

      const r = await db.routes.add({ dst: "10.1.0.0/16", gateway: "10.0.0.2" }).commit();
      assert.equal((await route(ns, "10.1.0.0/16"))?.gateway, "10.0.0.2");
      assert.equal(db.routes["10.1.0.0/16"].gateway, "10.0.0.2");
      assert.equal(db.routes["10.1.0.0/16"].oif, db.interfaces.v0!.index);
      assert.equal(db.routes.get("10.1.0.0/16")?.dst, "10.1.0.0/16");
      assert.equal(r.exists, true);

      // Gateway.
      const x = db.routes["10.1.0.0/16"];
      x.gateway = "10.0.0.3";
      assert.deepEqual(x.review(), { attrs: { gateway: "10.0.0.2 -> 10.0.0.3" } });
      await x.commit();
      assert.equal((await route(ns, "10.1.0.0/16"))?.gateway, "10.0.0.3");

      // Metrics.
      x.metrics = { mtu: 1400 };
      await x.commit();
      const j = (await ipJson(ns, "-d", "route", "show", "10.1.0.0/16"))[0];
      assert.equal((j.metrics as Record<string, number>[])?.[0]?.mtu ?? (j.mtu as number), 1400);
      assert.equal(db.routes["10.1.0.0/16"].metrics?.mtu, 1400);

      // Multipath.
      x.multipath = [{ gateway: "10.0.0.2", oif: "v0" }, {
        gateway: "10.0.1.2",
        oif: "v1",
        weight: 2,
      }];
      await x.commit();
      const mp = await route(ns, "10.1.0.0/16");
      const hops = (mp?.nexthops as { gateway: string; dev: string; weight: number }[]).map((h) =>
        `${h.gateway}@${h.dev}*${h.weight}`
      );
      assert.deepEqual(hops.sort(), ["10.0.0.2@v0*1", "10.0.1.2@v1*2"]);
      assert.equal(db.routes["10.1.0.0/16"].multipath?.length, 2);

      // Back to a single gateway, then a new metric (add new, delete old).
      x.gateway = "10.0.0.2";
      await x.commit();
      assert.equal((await route(ns, "10.1.0.0/16"))?.gateway, "10.0.0.2");
      x.priority = 50;
      await x.commit();
      const all = await ipJson(ns, "route", "show", "10.1.0.0/16");
      assert.equal(all.length, 1);
      assert.equal(all[0].metric, 50);
      assert.equal(db.routes["10.1.0.0/16"].priority, 50);

      // Remove.
      db.routes["10.1.0.0/16"].remove();
      await db.routes["10.1.0.0/16"].commit();
      assert.equal(await route(ns, "10.1.0.0/16"), undefined);
      assert.equal(db.routes["10.1.0.0/16"], undefined);

      // IPv6 and the default route.
      await db.routes.add({ dst: "2001:db8:1::/64", gateway: "2001:db8::2" }).commit();
      assert.equal(
        (await ipJson(ns, "-6", "route", "show", "2001:db8:1::/64"))[0].gateway,
        "2001:db8::2",
      );
      assert.equal(db.routes["2001:db8:1::/64"].gateway, "2001:db8::2");
      await db.routes.add({ dst: "default", gateway: "10.0.0.254" }).commit();
      assert.equal(db.routes.default.gateway, "10.0.0.254");
      assert.equal((await route(ns, "default"))?.gateway, "10.0.0.254");

      // A route the kernel refuses: nothing changes.
      const before = await ipJson(ns, "route", "show", "table", "all");
      const err = await db.routes.add({ dst: "10.3.0.0/16", gateway: "192.0.2.1" }).commit()
        .catch((e) => e);
      assert.ok(err instanceof CommitError, String(err));
      assert.ok(err.error instanceof NetlinkError);
      assert.deepEqual(await ipJson(ns, "route", "show", "table", "all"), before);

      // The database equals a dump.
      using ip = new IPRoute({ netns: ns });
      assert.equal(db.routes.size, (await ip.getRoutes()).length);
    }, "ipdb"),
});

Deno.test({
  name: "ipdb routes: tables[100], iteration, several metrics for one destination",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      await using db = await IPDB.open({ netns: ns });
      await db.routes.tables[100].add({ dst: "10.2.0.0/16", gateway: "10.0.0.2" }).commit();
      await db.routes.add({ dst: "10.2.0.0/16", gateway: "10.0.0.3", table: 100, priority: 10 })
        .commit();
      const t = await ipJson(ns, "route", "show", "table", "100");
      assert.equal(t.length, 2);
      const t100 = db.routes.tables[100];
      assert.equal(t100.size, 2);
      assert.equal(t100["10.2.0.0/16"].gateway, "10.0.0.2", "lowest metric first");
      assert.equal(t100.get("10.2.0.0/16", 10)?.gateway, "10.0.0.3");
      assert.equal(db.routes["10.2.0.0/16"], undefined, "not in main");
      assert.deepEqual([...t100].map((r) => r.priority).sort(), [0, 10]);
      assert.deepEqual([...t100.keys()], ["10.2.0.0/16"]);
      assert.ok(db.routes.tableIds().includes(100));
      assert.ok(db.routes.tables.local.size > 0);
      assert.equal(db.routes.tables.main["10.0.0.0/24"].scope, 253);
      await t100.get("10.2.0.0/16", 10)!.remove().commit();
      assert.equal((await ipJson(ns, "route", "show", "table", "100")).length, 1);
    }, "ipdb"),
});

Deno.test({
  name: "ipdb routes: an interface, its address and a route through it in one transaction",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await using db = await IPDB.open({ netns: ns });
      await db.transaction(() => {
        const v = db.create({ kind: "veth", ifname: "u0", peer: "u1" });
        v.ipaddr.add("10.6.0.1/24");
        v.up();
        db.routes.add({ dst: "10.60.0.0/16", gateway: "10.6.0.2" });
      });
      assert.equal((await route(ns, "10.60.0.0/16"))?.dev, "u0");
      assert.equal(db.routes["10.60.0.0/16"].oif, db.interfaces.u0!.index);

      // The same with a refused step at the end: everything, the interface included, is undone.
      const links = await ipJson(ns, "link", "show");
      const routes = await ipJson(ns, "route", "show", "table", "all");
      const err = await db.transaction(() => {
        const v = db.create({ kind: "veth", ifname: "u2", peer: "u3" });
        v.ipaddr.add("10.7.0.1/24");
        v.up();
        db.routes.add({ dst: "10.70.0.0/16", gateway: "10.7.0.2" });
        db.routes.add({ dst: "10.71.0.0/16", gateway: "192.0.2.9" }); // unreachable
      }).catch((e) => e);
      assert.ok(err instanceof CommitError, String(err));
      assert.deepEqual(await ipJson(ns, "link", "show"), links);
      assert.deepEqual(await ipJson(ns, "route", "show", "table", "all"), routes);
      assert.equal(db.interfaces.u2!, undefined);
    }, "ipdb"),
});

let rulesWork = false;
if (isRoot) {
  try {
    using ip = new IPRoute();
    await ip.getRules();
    rulesWork = true;
  } catch {
    // rtnl/rule.ts not implemented yet
  }
}

Deno.test({
  name: "ipdb rules: add, find, change, remove, checked with ip -j rule",
  ignore: ignore || !rulesWork,
  fn: () =>
    withNetns(async (ns) => {
      await using db = await IPDB.open({ netns: ns });
      const n = db.rules.size;
      await db.rules.add({ priority: 100, src: "10.0.0.0/8", table: 100 }).commit();
      const shown = (await ipJson(ns, "rule", "show")).find((r) => r.priority === 100);
      assert.equal(shown?.src, "10.0.0.0");
      assert.equal(shown?.srclen, 8);
      assert.equal(shown?.table, "100");
      const [r] = db.rules.find({ priority: 100 });
      assert.ok(r);
      assert.equal(r.table, 100);
      assert.equal(r.src, "10.0.0.0/8");
      assert.equal(db.rules.size, n + 1);

      r.table = 200;
      assert.deepEqual(r.review(), { attrs: { table: "100 -> 200" } });
      await r.commit();
      assert.equal(
        (await ipJson(ns, "rule", "show")).find((x) => x.priority === 100)?.table,
        "200",
      );
      assert.equal(db.rules.find({ priority: 100 })[0].table, 200);

      await db.rules.find({ priority: 100 })[0].remove().commit();
      assert.equal((await ipJson(ns, "rule", "show")).some((x) => x.priority === 100), false);
      assert.equal(db.rules.size, n);
    }, "ipdb"),
});

Deno.test({
  name: "ipdb routes: a new gateway on another link picks that link",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      await using db = await IPDB.open({ netns: ns });
      await db.routes.add({ dst: "10.9.0.0/16", gateway: "10.0.0.2" }).commit();
      const r = db.routes["10.9.0.0/16"];
      assert.equal(r.oif, db.interfaces.v0!.index);
      r.gateway = "10.0.1.2";
      await r.commit();
      const shown = await route(ns, "10.9.0.0/16");
      assert.equal(shown?.gateway, "10.0.1.2");
      assert.equal(shown?.dev, "v1");
      assert.equal(db.routes["10.9.0.0/16"].oif, db.interfaces.v1!.index);
    }, "ipdb"),
});
