/**
 * MultiIPDB at scale: N namespaces of R routes each (default 100 × 1000), opened as one
 * database, against dumping them all (one IPRoute per namespace: getLinks + getAddr +
 * getRoutes), sequentially and in parallel, in the same run, interleaved run by run. Prints
 * medians, the ratios, the CPU model and the load average.
 *
 *   deno run -A bench/ipdb_multi.ts [--namespaces 100] [--routes 1000] [--runs 5]
 *
 * Creates its namespaces (each: v0/v1 veth up, 10.0.0.1/16 on v0, R /32 routes via 10.0.0.2,
 * added with `ip -batch`) and removes every one of them afterwards, even on failure or Ctrl-C.
 * Target (issue 20): open ≤ 2 × dumping them all.
 */

import { MultiIPDB } from "../ipdb/mod.ts";
import { IPRoute } from "../rtnl/mod.ts";
import * as netns from "../ffi/netns.ts";
import {
  arg,
  cpuModel,
  ipBatch,
  loadAverage,
  median,
  removedAtExit,
  routesNamespaceLines,
} from "./util.ts";

const count = Number(arg("namespaces", "100"));
const routes = Number(arg("routes", "1000"));
const runs = Number(arg("runs", "5"));
const prefix = arg("prefix", `nlb-multi-${Deno.pid}`);
const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
const cleanup = removedAtExit(names);

async function setup(): Promise<void> {
  const lines = routesNamespaceLines(routes);
  for (const n of names) netns.create(n);
  let next = 0;
  const worker = async () => {
    while (next < names.length) await ipBatch(names[next++], lines);
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** One namespace dumped as IPDB loads it (links, addresses, routes), on a fresh connection. */
async function dumpOne(name: string): Promise<number> {
  using ip = new IPRoute({ netns: name });
  const links = await ip.getLinks();
  const addrs = await ip.getAddr();
  const rts = await ip.getRoutes();
  return links.length + addrs.length + rts.length;
}

async function dumpSequential(): Promise<number> {
  let n = 0;
  for (const name of names) n += await dumpOne(name);
  return n;
}

async function dumpParallel(): Promise<number> {
  return (await Promise.all(names.map(dumpOne))).reduce((a, b) => a + b, 0);
}

/** Closing is timed apart (the target is about opening). */
const closeTimes: Record<string, number[]> = { false: [], true: [] };

/** Opens the database; returns the routes it holds and the time the open took. */
async function openMulti(watch: boolean): Promise<[number, number]> {
  const t0 = performance.now();
  const db = await MultiIPDB.open({ netns: names, watch });
  const open = performance.now() - t0;
  let n = 0;
  for (const child of db.databases().values()) n += child.routes.size;
  const t1 = performance.now();
  await db.close();
  closeTimes[String(watch)].push(performance.now() - t1);
  return [n, open];
}

/** Times a dump; returns what it counted and the time. */
async function timed(fn: () => Promise<number>): Promise<[number, number]> {
  const t0 = performance.now();
  const n = await fn();
  return [n, performance.now() - t0];
}

try {
  console.log(`setting up ${count} namespaces of ${routes} routes…`);
  const t0 = performance.now();
  await setup();
  console.log(`setup ${(performance.now() - t0).toFixed(0)} ms; load average ${loadAverage()}`);
  const cases: [string, () => Promise<[number, number]>][] = [
    ["dump, sequential (IPRoute per namespace)", () => timed(dumpSequential)],
    ["dump, parallel (IPRoute per namespace)", () => timed(dumpParallel)],
    ["MultiIPDB.open (watch: false)", () => openMulti(false)],
    ["MultiIPDB.open (watch: true)", () => openMulti(true)],
  ];
  const times = cases.map(() => [] as number[]);
  const counts = cases.map(() => 0);
  for (const [, fn] of cases) await fn(); // warm up the JIT and the kernel's caches
  for (let r = 0; r < runs; r++) {
    for (const [i, [, fn]] of cases.entries()) {
      const [n, ms] = await fn();
      counts[i] = n;
      times[i].push(ms);
    }
  }
  console.log(`CPU: ${cpuModel()}, ${navigator.hardwareConcurrency} cores`);
  console.log(`load average after: ${loadAverage()}`);
  console.log(`${count} namespaces × ${routes} routes, ${runs} runs, medians:`);
  const med = times.map(median);
  const dump = Math.min(med[0], med[1]);
  for (const [i, [what]] of cases.entries()) {
    const ms = times[i].map((x) => x.toFixed(0)).join(", ");
    console.log(
      `  ${what.padEnd(44)} ${med[i].toFixed(0).padStart(6)} ms  (${ms})  [${counts[i]} ${
        i < 2 ? "messages" : "routes"
      }]`,
    );
  }
  for (const w of ["false", "true"]) {
    closeTimes[w] = closeTimes[w].slice(1); // the warm-up's
    console.log(`  MultiIPDB close (watch: ${w}) median ${median(closeTimes[w]).toFixed(0)} ms`);
  }
  for (const i of [2, 3]) {
    console.log(
      `ratio ${cases[i][0]} / fastest dump: ${(med[i] / dump).toFixed(2)} (target ≤ 2); ` +
        `/ sequential dump: ${(med[i] / med[0]).toFixed(2)}`,
    );
  }
} finally {
  cleanup();
  const left = netns.list().filter((n) => n.startsWith(`${prefix}-`));
  if (left.length) console.error(`namespaces left behind: ${left.join(", ")}`);
}
