/**
 * IPDB measurements for bench/compare.ts, one process each (under `ip netns exec NS`):
 *
 *     deno run --allow-all bench/child_ipdb.ts ipdb-open|ipdb-commit ITERATIONS
 *
 * ipdb-open times `IPDB.open()` (the first iteration in a cold process); ipdb-commit opens once
 * (not timed), then times one-interface commits (v0's MTU toggled between 1400 and 1500).
 * Prints `{ skip }` when mod.ts does not export IPDB yet, else the same JSON as bench/child.ts.
 *
 * @module
 */

import * as lib from "../mod.ts";

interface Iface {
  mtu?: number;
  commit(): Promise<unknown>;
}
interface Db {
  interfaces: Record<string, Iface | undefined>;
  close?: () => unknown;
  [Symbol.asyncDispose]?: () => Promise<void>;
}
interface DbClass {
  open(options?: Record<string, unknown>): Promise<Db>;
}

const [op, iterArg] = Deno.args;
const iterations = Math.max(1, Number(iterArg ?? 1));
const IPDB = (lib as Record<string, unknown>).IPDB as DbClass | undefined;

function hwm(): number {
  const m = /VmHWM:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/self/status"));
  return m ? Number(m[1]) : 0;
}

async function close(db: Db): Promise<void> {
  if (db[Symbol.asyncDispose]) await db[Symbol.asyncDispose]!();
  else await db.close?.();
}

if (!IPDB) {
  console.log(JSON.stringify({ op, skip: "IPDB is not exported from mod.ts yet" }));
} else {
  const seconds: number[] = [];
  let hwmFirst = 0;
  if (op === "ipdb-open") {
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      const db = await IPDB.open();
      seconds.push((performance.now() - t0) / 1000);
      if (i === 0) hwmFirst = hwm();
      await close(db);
    }
  } else if (op === "ipdb-commit") {
    const db = await IPDB.open();
    try {
      for (let i = 0; i < iterations; i++) {
        const v0 = db.interfaces["v0"]!;
        if (!v0) throw new Error("no interface v0");
        v0.mtu = i % 2 === 0 ? 1400 : 1500;
        const t0 = performance.now();
        await v0.commit();
        seconds.push((performance.now() - t0) / 1000);
        if (i === 0) hwmFirst = hwm();
      }
    } finally {
      await close(db);
    }
  } else throw new Error(`unknown op ${op}`);
  console.log(JSON.stringify({ op, count: 1, seconds, hwmFirstKiB: hwmFirst, hwmKiB: hwm() }));
}
