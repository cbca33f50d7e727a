/**
 * The long fuzz run: `deno task fuzz` (1,000,000 cases), or
 *
 *     deno run --allow-ffi tests/fuzz/run.ts [--cases N] [--seed S] [--start I] [--case I]
 *
 * `--case I` replays the single case I of seed S (what a failure report names). The default
 * seed is fixed, so two runs with the same arguments check the same inputs.
 *
 * @module
 */

import { counters, fuzz, runCase } from "./harness.ts";

function arg(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(Deno.args[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`--${name}: expected an integer`);
  return v;
}

const seed = arg("seed", 0x5eed);
const one = Deno.args.includes("--case") ? arg("case", 0) : undefined;
if (one !== undefined) {
  const c = counters();
  await runCase(seed, one, c);
  console.log(`seed ${seed} case ${one}: ok`, c);
} else {
  const cases = arg("cases", 100000);
  const start = arg("start", 0);
  const t0 = performance.now();
  try {
    const c = await fuzz(seed, cases, start, (done, c) => {
      const s = (performance.now() - t0) / 1000;
      console.log(
        `${done} cases (${Math.round(done / s)}/s): ${c.views} views, ${c.values} values, ` +
          `${c.decodeErrors} decode errors, ${c.resolved} resolved, ${c.rejected} rejected`,
      );
    });
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`fuzz: seed ${seed}, cases ${start}..${start + cases - 1}: all passed in ${s} s`);
    console.log(JSON.stringify(c));
  } catch (e) {
    console.error(String((e as Error).stack ?? e));
    console.error(
      `fuzz: FAILED (replay: deno run --allow-ffi tests/fuzz/run.ts --seed ${seed} --case N)`,
    );
    Deno.exit(1);
  }
}
