/**
 * IPDB after a resynchronisation: the events queued between the drain and the dumps are older
 * than what the dumps show, and the kernel removes some routes without an event (the routes
 * through a link that goes down, through a link whose last address goes, with a deleted
 * address as their source). Applied after the dumps, such an event must not bring back a route
 * the kernel no longer has: the database checks the routes it names with the kernel.
 */

import assert from "node:assert/strict";
import { IPDB } from "../../mod.ts";
import { RTM } from "../../rtnl/constants.ts";
import { ipBatchSync, ipCmd, isRoot, withNetns } from "../helpers.ts";

const ignore = !isRoot;

/**
 * Opens an IPDB on `ns`, makes it overrun, and runs `lines` after its resynchronisation drained
 * the monitoring socket and before it dumps: their events are queued behind the dumps.
 */
async function resyncAround(ns: string, lines: string[]): Promise<IPDB> {
  const db = await IPDB.open({ netns: ns, rcvbuf: 16384 });
  const ip = db.ip;
  const dump = ip.dump.bind(ip);
  let armed = true;
  ip.dump = ((schema, spec, opts) => {
    if (armed && spec.type === RTM.GETLINK) {
      armed = false;
      ipBatchSync(ns, lines);
    }
    return dump(schema, spec, opts);
  }) as typeof ip.dump;
  // Nothing reads the monitoring socket while the flood runs: sync() meets the overrun.
  ipBatchSync(
    ns,
    Array.from({ length: 3000 }, (_, i) => `route add 10.200.${i >> 8}.${i & 255}/32 dev f0`),
  );
  db.sync();
  assert.ok(db.stats.overruns >= 1, "the flood overran the monitoring socket");
  return db;
}

/** The database's IPv4 routes through the link `dev` (as `table dst` strings). */
function routesVia(db: IPDB, dev: number): string[] {
  return db.store.routes.using(dev, 2).map((r) => `${r.table} ${r.dst ?? ""}/${r.dst_len}`);
}

/** Makes a veth pair `name`/`name`p per name, both up; resolves with the `name` ends' indexes. */
async function veths(ns: string, ...names: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const name of names) {
    await ipCmd(ns, "link", "add", name, "type", "veth", "peer", "name", `${name}p`);
    await ipCmd(ns, "link", "set", name, "up");
    await ipCmd(ns, "link", "set", `${name}p`, "up");
    const [link] = JSON.parse(await ipCmd(ns, "-j", "link", "show", "dev", name));
    out.push(link.ifindex);
  }
  return out;
}

Deno.test({
  name:
    "ipdb replay: events queued during a resynchronisation bring back no silently removed route",
  ignore,
  fn: async (t) => {
    await t.step("an address added, then its link set down", () =>
      withNetns(async (ns) => {
        const [, d0] = await veths(ns, "f0", "d0");
        await using db = await resyncAround(ns, [
          "addr add 10.1.0.1/24 dev d0",
          "link set d0 down",
        ]);
        assert.deepEqual(await db.verify(), []);
        // The local route stays while the address does; the prefix and broadcast routes go.
        assert.deepEqual(routesVia(db, d0), ["255 10.1.0.1/32"]);
      }, "ipdb"));

    await t.step(
      "a route added, then the link's last address deleted",
      () =>
        withNetns(async (ns) => {
          const [, d0] = await veths(ns, "f0", "d0");
          await ipCmd(ns, "addr", "add", "10.2.0.1/24", "dev", "d0");
          await using db = await resyncAround(ns, [
            "route add 10.9.0.0/16 dev d0",
            "addr del 10.2.0.1/24 dev d0",
          ]);
          assert.deepEqual(await db.verify(), []);
          assert.deepEqual(routesVia(db, d0), []);
        }, "ipdb"),
    );

    await t.step(
      "a route with an address as its source, then the address deleted",
      () =>
        withNetns(async (ns) => {
          const [, d0] = await veths(ns, "f0", "d0");
          await ipCmd(ns, "addr", "add", "10.3.0.1/24", "dev", "d0");
          await ipCmd(ns, "addr", "add", "10.4.0.1/24", "dev", "d0");
          await using db = await resyncAround(ns, [
            "route add 10.8.0.0/16 dev d0 src 10.4.0.1",
            "addr del 10.4.0.1/24 dev d0",
          ]);
          assert.deepEqual(await db.verify(), []);
          assert.ok(!routesVia(db, d0).includes("254 10.8.0.0/16"));
        }, "ipdb"),
    );
  },
});
