/**
 * Concurrency on one IPRoute against the real kernel: hundreds of mixed requests in flight (gets,
 * dumps, adds and deletes, failures) each resolve with their own answer; a dump interleaved with
 * requests; close() with requests pending rejects them clearly and leaks nothing (sanitizers on).
 *
 * @module
 */

import assert from "node:assert/strict";
import { IPRoute, NetlinkError } from "../../mod.ts";
import { ipJson, isRoot, withNetns } from "../helpers.ts";
import { fdCount, ipBatch, scale } from "./util.ts";

const ignore = !isRoot;

async function setup(ns: string, routes: number): Promise<void> {
  const lines = [
    "link add v0 type veth peer name v1",
    "link set lo up",
    "link set v0 up",
    "link set v1 up",
    "addr add 10.0.0.1/24 dev v0",
    "addr add 10.1.0.1/24 dev v1",
  ];
  for (let i = 0; i < routes; i++) {
    lines.push(`route add 10.100.${i >> 8}.${i & 255}/32 via 10.0.0.2 table 100`);
  }
  await ipBatch(ns, lines);
}

Deno.test({
  name:
    "concurrency: 500 mixed requests in flight on one IPRoute each resolve with their own answer",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      const N = scale(500, 5000);
      await setup(ns, 300);
      using ip = new IPRoute({ netns: ns });
      const [v0] = await ip.linkLookup({ ifname: "v0" });
      const [v1] = await ip.linkLookup({ ifname: "v1" });
      const jobs: Promise<string>[] = [];
      const added: string[] = [];
      for (let i = 0; i < N; i++) {
        const k = i % 6;
        if (k === 0) {
          const index = [1, v0, v1][i % 3];
          jobs.push(
            ip.link("get", { index }).then(([l]) => {
              assert.equal(l.index, index);
              return `link ${l.ifname}`;
            }),
          );
        } else if (k === 1) {
          const dst = `10.0.0.${2 + (i % 250)}`;
          jobs.push(
            ip.route("get", { dst }).then(([r]) => {
              assert.equal(r.dst, dst);
              assert.equal(r.dst_len, 32);
              return "route get";
            }),
          );
        } else if (k === 2) {
          jobs.push(
            (i % 4 === 2 ? ip.getRoutes({ table: 100 }) : ip.getLinks()).then((all) => {
              assert.equal(all.length, i % 4 === 2 ? 300 : 3);
              return "dump";
            }),
          );
        } else if (k === 3) {
          const dst = `10.200.${i >> 8}.${i & 255}/32`;
          added.push(dst);
          jobs.push(ip.route("add", { dst, gateway: "10.0.0.2" }).then(() => "add"));
        } else if (k === 4) {
          // Each failure is its own: a route that is not there.
          jobs.push(
            ip.route("del", { dst: `10.250.${i >> 8}.${i & 255}/32`, gateway: "10.0.0.2" }).then(
              () => {
                throw new Error("deleting a missing route succeeded");
              },
              (e) => {
                assert.ok(e instanceof NetlinkError, String(e));
                assert.equal(e.code, "ESRCH");
                return "refused";
              },
            ),
          );
        } else {
          jobs.push(
            ip.getAddr({ family: 2 }).then((a) => {
              assert.deepEqual(a.map((x) => x.address).sort(), [
                "10.0.0.1",
                "10.1.0.1",
                "127.0.0.1",
              ]);
              return "addr dump";
            }),
          );
        }
      }
      const results = await Promise.all(jobs);
      assert.equal(results.length, N);
      assert.equal(ip.engine.inFlight, 0);
      const main = new Set(
        (await ipJson(ns, "route", "show", "root", "10.200.0.0/16")).map((r) =>
          `${r.dst}/32`.replace(/\/32\/32$/, "/32")
        ),
      );
      for (const dst of added) assert.ok(main.has(dst), `${dst} was acked but is missing`);
      // And all deleted at once.
      await Promise.all(added.map((dst) => ip.route("del", { dst, gateway: "10.0.0.2" })));
      assert.equal((await ipJson(ns, "route", "show", "root", "10.200.0.0/16")).length, 0);
      assert.equal(ip.engine.stats.foreign, 0);
      assert.equal(ip.socket.dropped, 0);
    }, "rconc"),
});

Deno.test({
  name: "concurrency: a dump read slowly, interleaved with gets and changes, sees every route",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      const R = scale(5000, 50000);
      await setup(ns, R);
      using ip = new IPRoute({ netns: ns });
      let seen = 0, gets = 0;
      for await (const r of ip.iterRoutes({ table: 100 })) {
        assert.equal(r.table, 100);
        seen++;
        if (seen % 500 === 0) {
          // Requests while the dump is half read: answered in between its datagrams.
          const [l] = await ip.link("get", { index: 1 });
          assert.equal(l.ifname, "lo");
          const [g] = await ip.route("get", { dst: `10.0.0.${2 + seen % 200}` });
          assert.equal(g.dst, `10.0.0.${2 + seen % 200}`);
          await ip.route("add", { dst: `10.201.${seen >> 8}.${seen & 255}/32`, oif: "v0" });
          // A second dump asked for now runs after this one (the kernel runs one at a time).
          assert.equal((await Promise.all([ip.getLinks(), ip.getLinks()]))[1].length, 3);
          gets++;
        }
      }
      assert.equal(seen, R);
      assert.equal(gets, R / 500);
      assert.equal((await ip.getRoutes({ table: 254, oif: "v0" })).length >= gets, true);
      assert.equal(ip.engine.inFlight, 0);
    }, "rdump"),
});

Deno.test({
  name: "concurrency: close() with requests pending rejects each clearly and leaks nothing",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns, 2000);
      const fds = fdCount();
      const ip = new IPRoute({ netns: ns });
      // A dump half read by an iterator…
      const it = ip.iterRoutes({ table: 100 });
      assert.equal((await it.next()).done, false);
      // …and 100 requests sent, none answered yet (close() comes before any await).
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < 100; i++) {
        pending.push(
          i % 3 === 0
            ? ip.getRoutes({ table: 100 })
            : i % 3 === 1
            ? ip.link("get", { index: 1 })
            : ip.route("add", { dst: `10.9.${i}.0/24`, gateway: "10.0.0.2" }),
        );
      }
      ip.close();
      ip.close(); // twice is harmless
      const settled = await Promise.allSettled(pending);
      let rejected = 0;
      for (const r of settled) {
        if (r.status === "rejected") {
          rejected++;
          assert.match(String(r.reason), /closed/, String(r.reason));
        }
      }
      // Nothing had been answered: every request was rejected; nothing hangs.
      assert.equal(rejected, 100);
      await assert.rejects(
        (async () => {
          for await (const _ of it) { /* the rest */ }
        })(),
        /closed/,
      );
      await assert.rejects(ip.link("get", { index: 1 }), /closed/);
      assert.equal(ip.engine.inFlight, 0);
      assert.equal(fdCount(), fds, "the socket's descriptor was closed");
    }, "rclose"),
});
