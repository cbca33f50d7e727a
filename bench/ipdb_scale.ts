/**
 * IPDB at scale, in the namespace of ../shared/bench/setup-netns.sh (100k routes by default; the
 * same steps here when that script is absent): `IPDB.open` against `ip.getRoutes()` on the same
 * namespace in the same run, peak RSS, the latency of one interface commit (an MTU change) with
 * every route loaded, and `db.verify()` after the commits (its time, and that it finds nothing).
 *
 *   deno run -A bench/ipdb_scale.ts [--routes 100000] [--runs 5] [--commits 100] [--ns NAME]
 *
 * Creates its own namespace (removed afterwards, even on failure) unless --ns names an existing
 * one. Targets (issue 5): open ≤ 3× getRoutes, peak RSS ≤ 250 MB, commit ≤ 10 ms median.
 */

import { IPDB } from "../ipdb/mod.ts";
import { IPRoute } from "../rtnl/mod.ts";
import { arg, ipBatch, median, removedAtExit, routesNamespaceLines, sh } from "./util.ts";

const routes = Number(arg("routes", "100000"));
const runs = Number(arg("runs", "5"));
const commits = Number(arg("commits", "100"));
const given = arg("ns", "");
const ns = given || `ipdb-scale-${Deno.pid}`;
const SETUP = new URL("../../shared/bench/setup-netns.sh", import.meta.url).pathname;

function peakRssMB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Peak RSS and commit latency, in a fresh process that only opens the database and commits. */
async function child(): Promise<void> {
  const t0 = performance.now();
  await using db = await IPDB.open({ netns: ns });
  const open = performance.now() - t0;
  const v0 = db.interfaces.v0!;
  const tCommit: number[] = [];
  for (let i = 0; i < commits; i++) {
    const t = performance.now();
    v0.mtu = i % 2 ? 1500 : 1400;
    await v0.commit();
    tCommit.push(performance.now() - t);
  }
  const sorted = [...tCommit].sort((a, b) => a - b);
  const peakRss = peakRssMB(), rss = Deno.memoryUsage().rss / 2 ** 20;
  // Last: a second full dump and a map of every route's key, which peak RSS must not count.
  const tv = performance.now();
  const diffs = await db.verify();
  const verify = performance.now() - tv;
  console.log(JSON.stringify({
    verify,
    differences: diffs.length,
    routes: db.routes.size,
    open,
    peakRss,
    rss,
    commitMedian: median(tCommit),
    commitP90: sorted[Math.floor(commits * 0.9)],
  }));
}

if (Deno.args.includes("--child")) {
  await child();
  Deno.exit(0);
}

/** The namespace setup-netns.sh makes: v0/v1 up, 10.0.0.1/16 on v0, N /32 routes via 10.0.0.2. */
async function setup(): Promise<void> {
  try {
    Deno.statSync(SETUP);
    await sh("bash", [SETUP, ns, String(routes)]);
    return;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  await sh("ip", ["netns", "add", ns]);
  await ipBatch(ns, routesNamespaceLines(routes));
}

const cleanup = removedAtExit(given ? [] : [ns]);
try {
  if (!given) {
    console.log(`setting up ${ns} with ${routes} routes…`);
    await setup(); // inside the try: a failed setup's namespace is removed too
  }
  // Alternate the two measurements so both see the same machine state.
  const tRoutes: number[] = [];
  const tOpen: number[] = [];
  let count = 0;
  let dbRoutes = 0;
  {
    using ip = new IPRoute({ netns: ns });
    await ip.getRoutes(); // warm up the JIT and the kernel's caches
  }
  for (let i = 0; i < runs; i++) {
    {
      using ip = new IPRoute({ netns: ns });
      const t0 = performance.now();
      const r = await ip.getRoutes();
      tRoutes.push(performance.now() - t0);
      count = r.length;
    }
    {
      const t0 = performance.now();
      const db = await IPDB.open({ netns: ns });
      tOpen.push(performance.now() - t0);
      dbRoutes = db.routes.size;
      await db.close();
    }
  }
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--child",
      "--ns",
      ns,
      "--commits",
      String(commits),
    ],
    stdout: "piped",
  }).output();
  const c = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);

  const gr = median(tRoutes), op = median(tOpen);
  const ms = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
  console.log(`namespace ${ns}: ${count} routes dumped, ${dbRoutes} in IPDB`);
  console.log(`ip.getRoutes()        median ${gr.toFixed(1)} ms  (${ms(tRoutes)})`);
  console.log(`IPDB.open()           median ${op.toFixed(1)} ms  (${ms(tOpen)})`);
  console.log(`ratio open/getRoutes  ${(op / gr).toFixed(2)}  (target ≤ 3)`);
  console.log(
    `fresh process: open ${c.open.toFixed(0)} ms (cold), peak RSS ${
      c.peakRss.toFixed(0)
    } MB (target ≤ 250), RSS ${c.rss.toFixed(0)} MB with ${c.routes} routes`,
  );
  console.log(
    `MTU commit            median ${c.commitMedian.toFixed(2)} ms, p90 ${
      c.commitP90.toFixed(2)
    } ms over ${commits} (target ≤ 10)`,
  );
  console.log(
    `db.verify()           ${c.verify.toFixed(0)} ms, ${c.differences} difference(s) (must be 0)`,
  );
} finally {
  cleanup();
}
