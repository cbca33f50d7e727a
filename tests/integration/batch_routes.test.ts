/**
 * `ip.batch()` pipelines 10k route adds over one socket; measured against `ip -batch` with the
 * same 10k lines in the same namespace, in the same run (medians of 5 alternating runs, each
 * into an empty table of its own). Also: failures are reported with their request while the
 * rest are applied, and sequential awaited adds are timed for reference.
 */

import assert from "node:assert/strict";
import { BatchError, IPRoute } from "../../rtnl/mod.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { ipCmd, ipJson, isRoot, withNetns } from "../helpers.ts";

const ignore = !isRoot;
const N = 10_000;
const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function setup(ip: IPRoute): Promise<number> {
  await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
  for (const n of ["lo", "v0", "v1"]) await ip.link("set", { index: n, state: "up" });
  await ip.addr("add", { index: "v0", address: "10.0.0.1/16" });
  return (await ip.linkLookup({ ifname: "v0" }))[0];
}

const dst = (i: number) => `20.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;

Deno.test({
  name: `batch: ${N} route adds pipelined vs ip -batch (same namespace, same run)`,
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const v0 = await setup(ip);
      const ours: number[] = [], theirs: number[] = [], sequential: number[] = [];
      const file = await Deno.makeTempFile({ prefix: "nl-batch-" });
      try {
        for (let run = 0; run < RUNS; run++) {
          const lines = Array.from(
            { length: N },
            (_, i) => `route add ${dst(i)} via 10.0.0.2 dev v0 table ${2000 + run}`,
          );
          await Deno.writeTextFile(file, lines.join("\n") + "\n");
          let t = performance.now();
          await ipCmd(ns, "-batch", file);
          theirs.push(performance.now() - t);

          t = performance.now();
          const n = await ip.batch((b) => {
            for (let i = 0; i < N; i++) {
              b.route("add", { dst: dst(i), gateway: "10.0.0.2", oif: v0, table: 1000 + run });
            }
          });
          ours.push(performance.now() - t);
          assert.equal(n, N);
        }
        // Sequential awaited adds, one request at a time (for reference; not pipelined).
        for (let run = 0; run < 3; run++) {
          const t = performance.now();
          for (let i = 0; i < N; i++) {
            await ip.route("add", { dst: dst(i), gateway: "10.0.0.2", oif: v0, table: 3000 + run });
          }
          sequential.push(performance.now() - t);
        }
      } finally {
        await Deno.remove(file);
      }
      for (let run = 0; run < RUNS; run++) {
        assert.equal((await ip.getRoutes({ table: 1000 + run })).length, N);
        assert.equal((await ip.getRoutes({ table: 2000 + run })).length, N);
      }
      const mo = median(ours), mt = median(theirs), ms = median(sequential);
      console.log(
        `batch ${N} route adds, medians of ${RUNS}: ip.batch ${mo.toFixed(1)} ms, ` +
          `ip -batch ${mt.toFixed(1)} ms, ratio ${(mo / mt).toFixed(2)}; ` +
          `sequential awaited adds ${ms.toFixed(1)} ms (${(ms / mt).toFixed(2)}x ip -batch)\n` +
          `  ip.batch runs ${ours.map((x) => x.toFixed(0)).join(" ")}; ` +
          `ip -batch runs ${theirs.map((x) => x.toFixed(0)).join(" ")}`,
      );
      // The target is parity (measured 0.97-1.19 here); the margin absorbs a shared machine's
      // noise while still catching a return of one ack per request (2x).
      assert.ok(mo <= mt * 1.5, `ip.batch ${mo.toFixed(1)} ms vs ip -batch ${mt.toFixed(1)} ms`);
    }, "batch"),
});

Deno.test({
  name: "batch: every failure is reported with its request; the others are applied",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await setup(ip);
      const err = await ip.batch((b) => {
        b.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.2" });
        b.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.3" }); // EEXIST
        b.route("add", { dst: "10.2.0.0/33", gateway: "10.0.0.2" }); // bad input
        b.rule("add", { priority: 100, src: "10.0.0.0/8", table: 100 });
        b.nexthop("add", { id: 1, gateway: "10.0.0.2", oif: "v0" });
        b.neigh("add", { ifindex: "v0", dst: "10.0.0.5", lladdr: "02:00:00:00:00:05" });
        b.addr("add", { index: "v0", address: "10.0.0.1/16" }); // EEXIST
        b.route("add", { dst: "10.3.0.0/16", gateway: "192.0.2.1" }); // unreachable gateway
      }).catch((e) => e);
      assert.ok(err instanceof BatchError, String(err));
      assert.equal(err.succeeded, 4);
      assert.deepEqual(err.failures.map((f) => f.index), [1, 2, 6, 7]);
      assert.ok(err.failures[0].error instanceof NetlinkError);
      assert.equal((err.failures[0].error as NetlinkError).code, "EEXIST");
      assert.ok(err.failures[1].error instanceof RangeError);
      assert.match(err.failures[1].error.message, /^dst:/);
      assert.equal(err.failures[1].describe, "route add");
      assert.match(err.failures[3].error.message, /Nexthop has invalid gateway/);
      assert.equal((await ipJson(ns, "route", "show", "10.1.0.0/16"))[0].gateway, "10.0.0.2");
      assert.equal((await ipJson(ns, "rule", "show", "priority", "100")).length, 1);
      assert.equal((await ipJson(ns, "nexthop", "show")).length, 1);
    }, "batch"),
});
