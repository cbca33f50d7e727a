/**
 * IPDB following the kernel: changes made by anyone else show (from the kernel's events) and through
 * `changes()`, a change made externally during a pending transaction, two transactions
 * committed concurrently, an overrun forced with a tiny receive buffer and a flood of route
 * changes (the database then equals a fresh dump, pending transactions survive), IPv4 routes the
 * kernel drops silently, and 200 open/close cycles without descriptor or memory growth.
 */

import assert from "node:assert/strict";
import { IPDB, IPRoute } from "../../mod.ts";
import type { IPDBChange } from "../../mod.ts";
import { ipCmd, ipJson, isRoot, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

const ignore = !isRoot;

/** Waits for `cond`; the deadline only keeps a broken build from hanging (no timing is asserted). */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function setup(ns: string): Promise<void> {
  await ipCmd(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
  await ipCmd(ns, "link", "add", "w0", "type", "veth", "peer", "name", "w1");
}

Deno.test({
  ...(await gate(
    "ipdb: an external change shows (from the kernel's events), and in changes()",
    "link:bridge",
  )),
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      await using db = await IPDB.open({ netns: ns });
      const seen: IPDBChange[] = [];
      const ac = new AbortController();
      const reader = (async () => {
        for await (const c of db.changes({ signal: ac.signal })) seen.push(c);
      })();

      await ipCmd(ns, "link", "set", "v0", "mtu", "1300");
      await until(() => db.interfaces.v0!.mtu === 1300);

      await ipCmd(ns, "link", "set", "v0", "name", "lan0");
      await until(() => db.interfaces.lan0! !== undefined);
      assert.equal(db.interfaces.v0!, undefined);

      await ipCmd(ns, "addr", "add", "10.7.0.1/24", "dev", "lan0");
      await until(() => db.interfaces.lan0!.ipaddr.has("10.7.0.1/24"));

      await ipCmd(ns, "link", "set", "lan0", "up");
      await ipCmd(ns, "route", "add", "10.8.0.0/16", "via", "10.7.0.2");
      await until(() => db.routes["10.8.0.0/16"] !== undefined);
      assert.equal(db.routes["10.8.0.0/16"].gateway, "10.7.0.2");

      await ipCmd(ns, "link", "add", "x0", "type", "bridge");
      await until(() => db.interfaces.x0! !== undefined);
      await ipCmd(ns, "link", "del", "x0");
      await until(() => db.interfaces.x0! === undefined);

      await until(() => seen.some((c) => c.kind === "interface" && c.action === "remove"));
      ac.abort();
      await reader;
      const kinds = new Set(seen.map((c) => `${c.kind}:${"action" in c ? c.action : ""}`));
      for (
        const k of [
          "interface:change",
          "interface:add",
          "interface:remove",
          "address:add",
          "route:add",
        ]
      ) {
        assert.ok(kinds.has(k), `changes() reported ${k}: ${[...kinds]}`);
      }
      const mtu = seen.find((c) => c.kind === "interface" && c.message.mtu === 1300);
      assert.ok(mtu);
    }, "ipdb"),
});

Deno.test({
  name: "ipdb: a change made externally during a pending transaction",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      await using db = await IPDB.open({ netns: ns });
      const v0 = db.interfaces.v0!;
      v0.mtu = 1400;
      v0.ipaddr.add("10.0.0.1/24");
      // Someone else changes other attributes, and the same one.
      await ipCmd(ns, "link", "set", "v0", "txqlen", "500", "alias", "uplink");
      await ipCmd(ns, "link", "set", "v0", "mtu", "1300");
      await ipCmd(ns, "addr", "add", "10.0.0.9/24", "dev", "v0");
      await until(() => v0.txqlen === 500 && v0.message?.mtu === 1300 && v0.ipaddr.size === 2);
      assert.equal(v0.alias, "uplink", "external changes show");
      assert.equal(v0.mtu, 1400, "the pending value still wins");
      assert.deepEqual(v0.review(), { attrs: { mtu: "1300 -> 1400" }, ipaddr: ["+10.0.0.1/24"] });
      await v0.commit();
      const [l] = await ipJson(ns, "link", "show", "dev", "v0");
      assert.equal(l.mtu, 1400);
      assert.equal(l.txqlen, 500);
      assert.equal(l.ifalias, "uplink");
      const [a] = await ipJson(ns, "addr", "show", "dev", "v0");
      assert.deepEqual(
        (a.addr_info as { local: string }[]).map((x) => x.local).sort(),
        ["10.0.0.1", "10.0.0.9"],
      );

      // The pending object's interface is renamed externally: the commit still applies to it.
      v0.mtu = 1450;
      await ipCmd(ns, "link", "set", "v0", "name", "eth9");
      await until(() => db.interfaces.eth9! === v0);
      await v0.commit();
      assert.equal((await ipJson(ns, "link", "show", "dev", "eth9"))[0].mtu, 1450);

      // …or deleted: the commit fails with the kernel's error, nothing else changes.
      v0.mtu = 1500;
      await ipCmd(ns, "link", "del", "eth9");
      await until(() => !v0.exists);
      await assert.rejects(v0.commit(), /eth9: the interface was removed/);
    }, "ipdb"),
});

Deno.test({
  name: "ipdb: two transactions on different interfaces committed concurrently",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      await using db = await IPDB.open({ netns: ns });
      const a = db.interfaces.v0!, b = db.interfaces.w0!;
      a.mtu = 1400;
      a.ifname = "a0";
      a.ipaddr.add("10.1.0.1/24");
      a.up();
      b.mtu = 1300;
      b.ifname = "b0";
      b.ipaddr.add("10.2.0.1/24");
      b.up();
      await Promise.all([a.commit(), b.commit()]);
      // And transaction(fn) forms, concurrently, on the same two.
      await Promise.all([
        a.transaction((i) => {
          i.txqlen = 100;
        }),
        b.transaction((i) => {
          i.txqlen = 200;
        }),
      ]);
      const links = await ipJson(ns, "link", "show");
      const la = links.find((l) => l.ifname === "a0")!, lb = links.find((l) => l.ifname === "b0")!;
      assert.equal(la.mtu, 1400);
      assert.equal(lb.mtu, 1300);
      assert.equal(la.txqlen, 100);
      assert.equal(lb.txqlen, 200);
      assert.ok((la.flags as string[]).includes("UP"));
      assert.ok((lb.flags as string[]).includes("UP"));
      assert.ok(db.interfaces.a0!.ipaddr.has("10.1.0.1/24"));
      assert.ok(db.interfaces.b0!.ipaddr.has("10.2.0.1/24"));

      // Two commits of the same interface at once are serialised.
      a.mtu = 1280;
      const first = a.commit();
      a.mtu = 1290;
      await Promise.all([first, a.commit()]);
      assert.equal((await ipJson(ns, "link", "show", "dev", "a0"))[0].mtu, 1290);

      // An explicit transaction over both.
      const tx = db.begin();
      a.mtu = 1500;
      b.mtu = 1500;
      assert.deepEqual(Object.keys(tx.review()).sort(), ["a0", "b0"]);
      await tx.commit();
      assert.equal(a.mtu, 1500);
      assert.equal(b.mtu, 1500);
    }, "ipdb"),
});

function routeKeys(routes: Iterable<{ toJSON(): Record<string, unknown> }>): string[] {
  const out: string[] = [];
  for (const r of routes) {
    const j = r.toJSON();
    out.push(
      `${j.table} ${j.dst}/${j.dst_len} ${j.priority ?? 0} ${j.gateway ?? ""} ${j.oif ?? ""}`,
    );
  }
  return out.sort();
}

Deno.test({
  name:
    "ipdb: an overrun (tiny receive buffer, route flood) resynchronises; pending changes survive",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      await ipCmd(ns, "link", "set", "v0", "up");
      await ipCmd(ns, "addr", "add", "10.0.0.1/16", "dev", "v0");
      await using db = await IPDB.open({ netns: ns, rcvbuf: 4096 });
      db.interfaces.w0!.mtu = 1400;
      db.interfaces.w0!.ipaddr.add("10.9.0.1/24");
      const pending = db.interfaces.w0!.review();
      const overruns = db.stats.overruns;

      // A flood: 3000 routes added, 1000 of them deleted again, in one ip -batch.
      const lines: string[] = [];
      for (let i = 0; i < 3000; i++) {
        lines.push(`route add 20.${(i >> 8) & 255}.${i & 255}.0/24 via 10.0.0.2`);
      }
      for (let i = 0; i < 1000; i++) lines.push(`route del 20.${(i >> 8) & 255}.${i & 255}.0/24`);
      const file = await Deno.makeTempFile();
      try {
        await Deno.writeTextFile(file, lines.join("\n") + "\n");
        // Synchronously: this thread reads nothing meanwhile, so the 4 KiB receive buffer
        // overruns whatever the machine's speed (a reader that kept up would make no overrun).
        const flood = new Deno.Command("ip", { args: ["-n", ns, "-batch", file] }).outputSync();
        assert.ok(flood.success, new TextDecoder().decode(flood.stderr));
      } finally {
        await Deno.remove(file);
      }
      await until(() => db.stats.overruns > overruns && db.routes.size >= 2000, 10000).catch(
        (e) => {
          throw new Error(`${e.message}: ${JSON.stringify(db.stats)}, ${db.routes.size} routes`);
        },
      );

      using ip = new IPRoute({ netns: ns });
      const fresh = await ip.getRoutes();
      await until(() => db.routes.size === fresh.length, 5000);
      // The database equals a fresh dump, route by route.
      const mine = [...db.routes.views()].map((v) => ({ toJSON: () => v.toJSON() }));
      assert.deepEqual(routeKeys(mine), routeKeys(fresh));
      assert.ok(db.stats.resyncs >= 1);
      // Links and addresses equal a fresh dump too.
      assert.deepEqual(
        db.interfaces.keys().sort(),
        (await ipJson(ns, "link", "show")).map((l) => l.ifname).sort(),
      );
      assert.deepEqual(db.interfaces.v0!.ipaddr.toJSON().filter((a) => !a.startsWith("fe80")), [
        "10.0.0.1/16",
      ]);
      // The pending transaction is still there, and commits.
      assert.deepEqual(db.interfaces.w0!.review(), pending);
      await db.interfaces.w0!.commit();
      assert.equal((await ipJson(ns, "link", "show", "dev", "w0"))[0].mtu, 1400);
    }, "ipdb"),
});

Deno.test({
  name: "ipdb: IPv4 routes the kernel drops silently (link down) leave the database too",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      await ipCmd(ns, "link", "set", "v0", "up");
      await ipCmd(ns, "link", "set", "v1", "up");
      await ipCmd(ns, "addr", "add", "10.0.0.1/24", "dev", "v0");
      await ipCmd(ns, "route", "add", "10.5.0.0/16", "via", "10.0.0.2");
      await using db = await IPDB.open({ netns: ns });
      assert.ok(db.routes["10.5.0.0/16"]);
      assert.ok(db.routes["10.0.0.0/24"]);
      db.interfaces.v0!.down();
      await db.interfaces.v0!.commit();
      await until(() => db.routes["10.5.0.0/16"] === undefined);
      assert.equal(db.routes["10.0.0.0/24"], undefined);
      using ip = new IPRoute({ netns: ns });
      assert.equal(db.routes.size, (await ip.getRoutes()).length);
    }, "ipdb"),
});

function fdCount(): number {
  let n = 0;
  for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
  return n;
}

Deno.test({
  name: "ipdb: 200 open/close cycles leave no descriptors, timers or memory behind",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      for (let i = 0; i < 10; i++) await (await IPDB.open({ netns: ns })).close();
      const fds = fdCount();
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const heap = Deno.memoryUsage().heapUsed;
      const rss = Deno.memoryUsage().rss;
      for (let i = 0; i < 200; i++) {
        await using db = await IPDB.open({ netns: ns });
        db.interfaces.v0!.mtu = 1400 + (i % 2);
        if (i % 20 === 0) await db.interfaces.v0!.commit();
        const it = db.changes();
        if (i % 2) await it.return!();
      }
      gc?.();
      assert.equal(fdCount(), fds, "descriptors");
      const heapGrowth = (Deno.memoryUsage().heapUsed - heap) / 2 ** 20;
      const rssGrowth = (Deno.memoryUsage().rss - rss) / 2 ** 20;
      assert.ok(heapGrowth < 16, `heap grew by ${heapGrowth.toFixed(1)} MB`);
      assert.ok(rssGrowth < 64, `RSS grew by ${rssGrowth.toFixed(1)} MB`);
    }, "ipdb"),
});

Deno.test({
  name: "ipdb: close() during a commit and a changes() wait ends both, leaving nothing pending",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      const db = await IPDB.open({ netns: ns });
      const it = db.changes();
      const next = it.next();
      db.interfaces.v0!.mtu = 1400;
      const commit = db.interfaces.v0!.commit().then(() => "done", (e) => e);
      await db.close();
      assert.deepEqual(await next, { value: undefined, done: true });
      const r = await commit;
      assert.ok(r === "done" || r instanceof Error, String(r));
      await db.close(); // twice is harmless
      assert.equal(db.closed, true);
      await assert.rejects(IPDB.open({ netns: "no-such-namespace-ipdb" }));
    }, "ipdb"),
});
