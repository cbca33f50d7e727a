/**
 * IPDB is never silently wrong (issue 15), each in a fresh namespace and each ending with
 * `db.verify()` finding no difference from the kernel:
 * 1. an overrun found by `sync()` (or by a commit) resynchronises, and the commit succeeds;
 * 2. IPv4 routes differing only by device (two addresses of one prefix, `ip route append`,
 *    `prepend`, `replace`) are separate routes, as in the kernel;
 * 3. routes through a deleted (or flushed) nexthop object go, as in the kernel;
 * 4. pending changes of a deleted interface never land on the link that gets its index;
 * 5. multipath routes without a numeric oif commit (hops compared as the kernel normalises);
 * 6. a primary address and its secondary removed in one commit;
 * 7. a veth whose end would be in another namespace fails before anything is sent; with the
 *    peer in the other namespace it commits;
 * 8. the undo after a timeout leaves a value someone else wrote since.
 */

import assert from "node:assert/strict";
import { CommitError, CommitTimeoutError, IPDB } from "../../mod.ts";
import type { IPRoute } from "../../mod.ts";
import { ipBatchSync, ipCmd, ipJson, isRoot, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

const ignore = !isRoot;

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function veths(ns: string, ...pairs: [string, string][]): Promise<void> {
  for (const [a, b] of pairs) {
    await ipCmd(ns, "link", "add", a, "type", "veth", "peer", "name", b);
    await ipCmd(ns, "link", "set", a, "up");
    await ipCmd(ns, "link", "set", b, "up");
  }
}

/** The kernel's routes to `dst` in the main table (`ip -j route show`). */
async function kernelRoutes(ns: string, dst: string): Promise<Record<string, unknown>[]> {
  return (await ipJson(ns, "route", "show", "table", "main")).filter((r) => r.dst === dst);
}

function dbRoutes(db: IPDB, prefix: string): number {
  return db.store.routes.lookup(254, prefix).length;
}

async function kernelRouteCount(ip: IPRoute): Promise<number> {
  return (await ip.getRoutes()).filter((r) => !(r.get("flags") as number & 0x200)).length;
}

Deno.test({
  name: "ipdb exact 1: an overrun found by sync() or by a commit resynchronises; the commit holds",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await veths(ns, ["v0", "v1"]);
      await ipCmd(ns, "addr", "add", "10.0.0.1/24", "dev", "v0");
      await using db = await IPDB.open({ netns: ns, rcvbuf: 16384 });
      const add = (base: number) =>
        Array.from(
          { length: 5000 },
          (_, i) => `route add 10.${base + (i >> 8)}.${i & 255}.0/24 via 10.0.0.2`,
        );
      // Nothing reads the monitoring socket while the flood runs: sync() meets the overrun.
      ipBatchSync(ns, add(100));
      db.sync();
      // (IPv6 link-local routes come and go meanwhile: compare with the kernel's count now.)
      await until(async () => db.routes.size === await kernelRouteCount(db.ip));
      assert.ok(db.stats.overruns >= 1, "the overrun is counted");
      assert.ok(db.stats.resyncs >= 1);

      // The same, met by a commit: the change is confirmed by the resynchronisation.
      const overruns = db.stats.overruns;
      ipBatchSync(ns, add(150));
      const v0 = db.interfaces.v0!;
      v0.mtu = 1400;
      await v0.commit({ timeout: 4000 });
      assert.equal((await ipJson(ns, "link", "show", "dev", "v0"))[0].mtu, 1400);
      assert.ok(db.stats.overruns > overruns);
      assert.deepEqual(await db.verify(), []);
    }, "ipdb"),
});

Deno.test({
  name: "ipdb exact 2: IPv4 routes differing only by device are separate routes",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await veths(ns, ["va", "va1"], ["vb", "vb1"]);
      await using db = await IPDB.open({ netns: ns });
      await ipCmd(ns, "addr", "add", "10.0.0.1/24", "dev", "va");
      await ipCmd(ns, "addr", "add", "10.0.0.2/24", "dev", "vb");
      assert.equal((await kernelRoutes(ns, "10.0.0.0/24")).length, 2);
      await until(() => dbRoutes(db, "10.0.0.0/24") === 2);
      await ipCmd(ns, "addr", "del", "10.0.0.1/24", "dev", "va");
      assert.equal((await kernelRoutes(ns, "10.0.0.0/24")).length, 1);
      await until(() => dbRoutes(db, "10.0.0.0/24") === 1);
      assert.equal(db.routes["10.0.0.0/24"]?.oif, db.interfaces.vb!.index);

      // append, prepend, replace (which replaces the first of the group), delete by device.
      await ipCmd(ns, "route", "append", "10.9.0.0/24", "dev", "va");
      await ipCmd(ns, "route", "append", "10.9.0.0/24", "dev", "vb");
      await ipCmd(ns, "route", "prepend", "10.9.0.0/24", "via", "10.0.0.5", "dev", "vb");
      await ipCmd(ns, "route", "replace", "10.9.0.0/24", "via", "10.0.0.6", "dev", "vb");
      await ipCmd(ns, "route", "del", "10.9.0.0/24", "dev", "va");
      const k = await kernelRoutes(ns, "10.9.0.0/24");
      assert.deepEqual(k.map((r) => r.gateway ?? r.dev), ["10.0.0.6", "vb"]);
      await until(() => dbRoutes(db, "10.9.0.0/24") === 2);
      assert.deepEqual(
        db.store.routes.lookup(254, "10.9.0.0/24").map((v) => v.gateway ?? v.oif),
        ["10.0.0.6", db.interfaces.vb!.index],
      );
      // Objects stand for one route each; removing one removes that one.
      const both = [...db.routes.table(254)].filter((r) => r.dst === "10.9.0.0/24");
      assert.equal(both.length, 2);
      assert.notEqual(both[0].key.id, both[1].key.id);
      await both.find((r) => r.gateway === undefined)!.remove().commit();
      assert.deepEqual((await kernelRoutes(ns, "10.9.0.0/24")).map((r) => r.gateway), [
        "10.0.0.6",
      ]);
      assert.deepEqual(await db.verify(), []);
    }, "ipdb"),
});

Deno.test({
  ...(await gate(
    "ipdb exact 3: routes through a deleted or flushed nexthop object go with it",
    "nexthop",
  )),
  fn: () =>
    withNetns(async (ns) => {
      await veths(ns, ["va", "va1"]);
      await ipCmd(ns, "addr", "add", "10.0.0.1/24", "dev", "va");
      await using db = await IPDB.open({ netns: ns });
      await ipCmd(ns, "nexthop", "add", "id", "7", "via", "10.0.0.2", "dev", "va");
      await ipCmd(ns, "route", "add", "10.8.0.0/16", "nhid", "7");
      await until(() => db.routes["10.8.0.0/16"] !== undefined);
      await ipCmd(ns, "nexthop", "del", "id", "7");
      assert.equal((await kernelRoutes(ns, "10.8.0.0/16")).length, 0);
      await until(() => db.routes["10.8.0.0/16"] === undefined);

      await ipCmd(ns, "nexthop", "add", "id", "8", "via", "10.0.0.2", "dev", "va");
      await ipCmd(ns, "nexthop", "add", "id", "9", "via", "10.0.0.3", "dev", "va");
      await ipCmd(ns, "route", "add", "10.9.0.0/16", "nhid", "8");
      await ipCmd(ns, "route", "add", "10.10.0.0/16", "nhid", "9");
      await until(() => db.routes["10.10.0.0/16"] !== undefined);
      await ipCmd(ns, "nexthop", "flush");
      await until(() => !db.routes["10.9.0.0/16"] && !db.routes["10.10.0.0/16"]);
      assert.deepEqual(await db.verify(), []);
    }, "ipdb"),
});

Deno.test({
  ...(await gate(
    "ipdb exact 4: pending changes of a deleted interface never land on its index's successor",
    "link:bridge",
  )),
  fn: () =>
    withNetns(async (ns) => {
      await ipCmd(ns, "link", "add", "x0", "type", "veth", "peer", "name", "x1");
      await using db = await IPDB.open({ netns: ns });
      const x0 = db.interfaces.x0!;
      const index = x0.index;
      x0.mtu = 1280;
      x0.ifname = "renamed";
      x0.up();
      await ipCmd(ns, "link", "del", "x0");
      await ipCmd(ns, "link", "add", "y0", "index", String(index), "type", "bridge");
      await until(() => db.interfaces[index]?.ifname === "y0");
      assert.notEqual(db.interfaces[index]!, x0);
      assert.equal(x0.exists, false);
      const err = await x0.commit().catch((e) => e);
      assert.ok(err instanceof CommitError, String(err));
      assert.match(err.message, /x0: the interface was removed/);
      assert.deepEqual(err.undone, []);
      const [y0] = await ipJson(ns, "link", "show", "dev", "y0");
      assert.equal(y0.ifindex, index);
      assert.equal(y0.mtu, 1500);
      assert.ok(!(y0.flags as string[]).includes("UP"));
      assert.equal(x0.hasChanges(), true, "the changes stay pending until rolled back");
      x0.rollback();
      assert.deepEqual(await db.verify(), []);
    }, "ipdb"),
});

Deno.test({
  name: "ipdb exact 5: multipath routes with hops without a numeric oif commit",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await veths(ns, ["p0", "p1"]);
      await ipCmd(ns, "addr", "add", "172.16.231.1/24", "dev", "p0");
      await using db = await IPDB.open({ netns: ns });
      const opts = { timeout: 2000 };
      await db.routes.add({
        dst: "172.16.232.0/24",
        multipath: [{ gateway: "172.16.231.2" }, { gateway: "172.16.231.3" }],
      }).commit(opts);
      await db.routes.add({
        dst: "172.16.233.0/24",
        oif: "p0",
        multipath: [{ gateway: "172.16.231.2", oif: "p0" }, { gateway: "172.16.231.3" }],
      } as never).commit(opts).catch(async (e) => {
        // oif beside multipath: the kernel may refuse the combination; hops by name must not.
        assert.ok(e instanceof CommitError, String(e));
        await db.routes.add({
          dst: "172.16.233.0/24",
          multipath: [{ gateway: "172.16.231.2", oif: "p0" }, { gateway: "172.16.231.3" }],
        }).commit(opts);
      });
      const r = db.routes["172.16.232.0/24"]!;
      r.multipath = [{ gateway: "172.16.231.4", oif: "p0" }, { gateway: "172.16.231.5" }];
      await r.commit(opts);
      const [k] = await kernelRoutes(ns, "172.16.232.0/24");
      assert.deepEqual(
        (k.nexthops as { gateway: string }[]).map((h) => h.gateway).sort(),
        ["172.16.231.4", "172.16.231.5"],
      );
      assert.equal((await kernelRoutes(ns, "172.16.233.0/24")).length, 1);
      assert.equal(r.exists, true, "the object follows the route it changed");
      assert.deepEqual(await db.verify(), []);
    }, "ipdb"),
});

Deno.test({
  name: "ipdb exact 6: a primary address and its secondary removed in one commit",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await veths(ns, ["a0", "a1"]);
      await ipCmd(ns, "addr", "add", "10.0.0.1/24", "dev", "a0");
      await ipCmd(ns, "addr", "add", "10.0.0.2/24", "dev", "a0");
      await ipCmd(ns, "addr", "add", "10.1.0.1/24", "dev", "a0");
      await ipCmd(ns, "addr", "add", "10.1.0.2/24", "dev", "a0");
      await using db = await IPDB.open({ netns: ns });
      const a = db.interfaces.a0!;
      a.ipaddr.remove("10.0.0.1/24");
      a.ipaddr.remove("10.0.0.2/24");
      a.ipaddr.remove("10.1.0.2/24"); // secondary named first
      a.ipaddr.remove("10.1.0.1/24");
      await a.commit();
      const [info] = await ipJson(ns, "-4", "addr", "show", "dev", "a0");
      assert.deepEqual(info?.addr_info ?? [], []);
      assert.deepEqual(a.ipaddr.ipv4, []);
      assert.deepEqual(await db.verify(), []);
    }, "ipdb"),
});

Deno.test({
  name: "ipdb exact 7: a veth with an end in another namespace: refused cleanly, or committed",
  ignore,
  fn: () =>
    withNetns((ns) =>
      withNetns(async (other) => {
        await using db = await IPDB.open({ netns: ns });
        assert.throws(
          () => db.create({ kind: "veth", peer: "pa", netns: other, ifname: "xa" } as never),
          (e) => e instanceof TypeError && /^netns: /.test(e.message),
        );
        assert.deepEqual(
          (await ipJson(ns, "link", "show")).map((l) => l.ifname),
          ["lo"],
          "nothing left behind here",
        );
        assert.deepEqual((await ipJson(other, "link", "show")).map((l) => l.ifname), ["lo"]);
        // The peer in the other namespace: the interface here commits.
        const xa = db.create({ kind: "veth", ifname: "xa", peer: { ifname: "pa", netns: other } });
        await xa.commit({ timeout: 2000 });
        assert.equal(db.interfaces.xa!, xa);
        assert.ok(xa.index > 0);
        assert.deepEqual((await ipJson(other, "link", "show", "dev", "pa")).length, 1);
        assert.deepEqual(await db.verify(), []);
      }, "ipdb-b"), "ipdb"),
});

Deno.test({
  name: "ipdb exact 8: the undo after a timeout leaves a value someone else wrote since",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await veths(ns, ["v0", "v1"]);
      await using db = await IPDB.open({ netns: ns });
      // Someone else sets the MTU right after our request is acknowledged.
      const ip = db.ip as unknown as Record<string, unknown>;
      const link = db.ip.link.bind(db.ip);
      ip.link = async (cmd: "set", spec: { mtu?: number }) => {
        const r = await link(cmd, spec as never);
        if (cmd === "set" && spec.mtu === 1400) {
          await ipCmd(ns, "link", "set", "v0", "mtu", "1300");
        }
        return r;
      };
      const v0 = db.interfaces.v0!;
      v0.mtu = 1400;
      v0.ifalias = "ours";
      const err = await v0.commit({ timeout: 300 }).catch((e) => e);
      delete ip.link;
      assert.ok(err instanceof CommitTimeoutError, String(err));
      assert.deepEqual(err.unconfirmed, ["v0: mtu"]);
      assert.deepEqual(err.kept, ["v0: link set mtu 1400"]);
      assert.deepEqual(err.undone, ["v0: link set ifalias ours"]);
      const [l] = await ipJson(ns, "link", "show", "dev", "v0");
      assert.equal(l.mtu, 1300, "their value stays");
      assert.equal(l.ifalias, undefined, "ours is undone");
      v0.rollback();
      assert.deepEqual(await db.verify(), []);
    }, "ipdb"),
});
