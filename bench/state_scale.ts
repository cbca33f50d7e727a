/**
 * The desired-state layer at scale: plan and apply of a 10k-route change in a namespace of 100k
 * routes, against `ip -batch` doing the same 10k route requests in the same run (the kernel's
 * floor). Each run's desired state gives the 10k routes another gateway than they have (10k
 * `route replace` steps); `plan` is
 * timed on the change before it is applied; `apply` includes the confirmation (the databases
 * showing all 10k routes). Also: `snapshot()` of the whole namespace.
 *
 *   deno run -A bench/state_scale.ts [--routes 100000] [--change 10000] [--runs 5]
 *
 * Creates its own namespace and removes it afterwards, even on failure or Ctrl-C. Prints medians, the CPU
 * model and the load average.
 */

import { IPDB } from "../ipdb/mod.ts";
import { IPRoute } from "../rtnl/mod.ts";
import * as netns from "../ffi/netns.ts";
import { apply, plan, snapshot } from "../state/mod.ts";
import type { RouteState, StateDocument } from "../state/mod.ts";
import { arg, cpuModel, ipBatch, loadAverage, median, removedAtExit } from "./util.ts";

const total = Number(arg("routes", "100000"));
const change = Number(arg("change", "10000"));
const runs = Number(arg("runs", "5"));
const ns = `state-scale-${Deno.pid}`;

/** The i-th /24 of 10.128.0.0/9 (room for 32k) or of 172.16.0.0/12 beyond. */
function dst(i: number): string {
  return i < 32768
    ? `10.${128 + (i >> 8)}.${i & 255}.0/24`
    : `172.${16 + ((i - 32768) >> 16)}.${((i - 32768) >> 8) & 255}.${(i - 32768) & 255}/32`;
}

/** Times `ip -batch` doing `lines` in the namespace. */
async function timedIpBatch(lines: string[]): Promise<number> {
  const t0 = performance.now();
  await ipBatch(ns, lines);
  return performance.now() - t0;
}

console.log(`CPU: ${cpuModel()}; load average: ${loadAverage()}`);
console.log(`namespace: ${total} routes; change: ${change} routes; runs: ${runs}`);

const cleanup = removedAtExit([ns]);
netns.create(ns);
try {
  {
    using ip = new IPRoute({ netns: ns });
    await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
    await ip.link("set", { index: "v0", state: "up" });
    await ip.link("set", { index: "v1", state: "up" });
    await ip.addr("add", { index: "v0", address: "10.0.0.1", prefixlen: 24 });
    const oif = (await ip.linkLookup({ ifname: "v0" }))[0];
    for (let base = 0; base < total; base += 20000) {
      await ip.batch((b) => {
        for (let i = base; i < Math.min(total, base + 20000); i++) {
          b.route("add", { dst: dst(i), gateway: "10.0.0.2", oif });
        }
      });
    }
  }
  await using db = await IPDB.open({ netns: ns });
  const dbs = new Map([[ns, db]]);
  const doc = (gw: string): StateDocument => {
    const routes: RouteState[] = [];
    for (let i = 0; i < change; i++) routes.push({ dst: dst(i), gateway: gw, dev: "v0" });
    return { version: 1, namespaces: { [ns]: { routes } } };
  };
  const plans: number[] = [], applies: number[] = [], empties: number[] = [], snaps: number[] = [];
  const ipRuns: number[] = [];
  for (let r = 0; r < runs; r++) {
    const want = doc(r % 2 ? "10.0.0.2" : "10.0.0.3");
    let t0 = performance.now();
    const p = await plan(dbs, want);
    plans.push(performance.now() - t0);
    if (p.steps.length !== change) {
      throw new Error(`expected ${change} steps, got ${p.steps.length}`);
    }
    t0 = performance.now();
    await apply(dbs, want, { timeout: 60_000 });
    applies.push(performance.now() - t0);
    t0 = performance.now();
    if (!(await plan(dbs, want)).empty) throw new Error("not applied");
    empties.push(performance.now() - t0);
    t0 = performance.now();
    const s = await snapshot(dbs);
    snaps.push(performance.now() - t0);
    if (s.namespaces[ns].routes!.length !== total) {
      throw new Error(`snapshot: ${s.namespaces[ns].routes!.length} routes`);
    }
    // The kernel's floor: 10k replaces through iproute2, to a third gateway (so the next run's
    // desired state is again a full change).
    const gw = "10.0.0.4";
    ipRuns.push(
      await timedIpBatch(
        Array.from({ length: change }, (_, i) => `route replace ${dst(i)} via ${gw} dev v0`),
      ),
    );
  }
  const f = (x: number) => `${x.toFixed(0)} ms`;
  console.log(`plan (10k changes, partial):        median ${f(median(plans))}`);
  console.log(`apply (10k replaces, confirmed):    median ${f(median(applies))}`);
  console.log(`plan when nothing is left to do:    median ${f(median(empties))}`);
  console.log(`snapshot (all ${total} routes):     median ${f(median(snaps))}`);
  console.log(`ip -batch (10k route replace):      median ${f(median(ipRuns))}`);
  console.log(
    `ratios: apply/ip -batch ${(median(applies) / median(ipRuns)).toFixed(2)}, ` +
      `plan+apply/ip -batch ${((median(plans) + median(applies)) / median(ipRuns)).toFixed(2)}`,
  );
  console.log(`load average after: ${loadAverage()}`);
} finally {
  cleanup();
}
