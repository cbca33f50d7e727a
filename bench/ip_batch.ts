/**
 * The `ip` tool's `-batch` against iproute2's on the same file: N route adds (and one refused
 * line) in a fresh namespace each run, iproute2's `ip -force -batch` timed around its process, the
 * tool's `-force -batch` (pipelined through `ip.batch()`) and plain `-batch` (one answer awaited
 * per line) timed around `main()` in this process. Runs are interleaved; medians and ratios are
 * printed with the CPU model.
 *
 *     sudo deno run -A bench/ip_batch.ts [--routes=5000] [--runs=5]
 *
 * Needs root; it only changes namespaces it creates and removes (also on failure).
 *
 * @module
 */

import { main } from "../examples/ip.ts";
import * as netns from "../ffi/netns.ts";

const arg = (name: string, def: number) =>
  Number(Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? def);
const ROUTES = arg("routes", 5000);
const RUNS = arg("runs", 5);

const lines = ["link add b0 type veth peer name b1", "link set b0 up", "link set b1 up"];
lines.push("addr add 10.0.0.1/24 dev b0");
for (let i = 0; i < ROUTES; i++) {
  lines.push(`route add 10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 via 10.0.0.2`);
}
lines.push("route add 10.0.0.0/24 dev b0 # refused: exists");
const file = Deno.makeTempFileSync({ suffix: ".batch" });
Deno.writeTextFileSync(file, lines.join("\n") + "\n");

const quiet = { out: () => {}, err: () => {} };

async function once(who: string): Promise<number> {
  const ns = `nlt-bench-batch-${Deno.pid}`;
  netns.create(ns);
  try {
    const t0 = performance.now();
    let code: number;
    if (who === "iproute2 -force -batch") {
      code = new Deno.Command("ip", {
        args: ["-n", ns, "-force", "-batch", file],
        stdout: "null",
        stderr: "null",
      }).outputSync().code;
    } else {
      const force = who.includes("-force") ? ["-force"] : [];
      code = await main(["-n", ns, ...force, "-batch", file], quiet);
    }
    const ms = performance.now() - t0;
    if (code !== 1) throw new Error(`${who}: exit ${code}, expected 1 (one refused line)`);
    return ms;
  } finally {
    netns.remove(ns);
  }
}

const WHO = ["iproute2 -force -batch", "tool -force -batch", "tool -batch"];
const times: Record<string, number[]> = Object.fromEntries(WHO.map((w) => [w, []]));
try {
  await once("tool -force -batch"); // warm up the JIT
  for (let r = 0; r < RUNS; r++) for (const w of WHO) times[w].push(await once(w));
} finally {
  Deno.removeSync(file);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const cpu = Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.*)/)?.[1] ?? "?";
const base = median(times[WHO[0]]);
console.log(`${ROUTES} route adds + 1 refused line, ${RUNS} runs, ${cpu}`);
for (const w of WHO) {
  const m = median(times[w]);
  console.log(`${w.padEnd(24)} median ${m.toFixed(1)} ms  ratio ${(m / base).toFixed(2)}`);
}
