/**
 * The families of issue 19 against their reference tools, in one run and one namespace made
 * for it (removed at the end, also on failure): an xfrm policy dump (`--policies` policies,
 * default 1000) against `ip xfrm policy`, an SA dump of larval SAs against `ip xfrm state`,
 * ethtool features of a veth against `ethtool -k`, MPTCP endpoints against
 * `ip mptcp endpoint show`.
 *
 *     sudo deno run -A bench/families_compare.ts [--runs=9] [--policies=1000]
 *
 * Ours: the call timed in this process (after five untimed calls), decoding everything into
 * plain objects. The tools: a fresh process each run, output to a pipe; `ip -V` / `ethtool
 * --version` give the process start-up cost to read the difference against. Medians.
 *
 * @module
 */

import { netns } from "../mod.ts";
import { XFRM } from "../xfrm/mod.ts";
import { Ethtool } from "../ethtool/mod.ts";
import { MPTCP } from "../mptcp/mod.ts";

const arg = (name: string, d: number) => {
  const a = Deno.args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split("=")[1]) : d;
};
const RUNS = arg("runs", 9);
const POLICIES = arg("policies", 1000);

async function run(args: string[]): Promise<void> {
  const r = await new Deno.Command(args[0], {
    args: args.slice(1),
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!r.success) throw new Error(`${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn: () => Promise<unknown>, warm = 5): Promise<number> {
  // Warm-up calls first: the JIT settles before anything is timed.
  for (let i = 0; i < warm; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

const ns = `bench-fam-${Deno.pid}`;
netns.create(ns);
try {
  const ipn = (...a: string[]) => ["ip", "-n", ns, ...a];
  await run(ipn("link", "add", "v0", "type", "veth", "peer", "name", "v1"));
  await run(ipn("addr", "add", "10.0.0.1/24", "dev", "v0"));
  let batch = "";
  for (let i = 0; i < POLICIES; i++) {
    batch += `xfrm policy add src 10.${i >> 8}.${i & 255}.0/24 dst 10.200.0.0/16 dir out ` +
      `priority ${i} tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid ${i} mode tunnel\n`;
  }
  for (let i = 0; i < 200; i++) {
    batch += `xfrm state allocspi src 192.0.2.1 dst 198.51.${i >> 8}.${i & 255} proto esp\n`;
  }
  await Deno.writeTextFile(`/tmp/${ns}.batch`, batch);
  await run(ipn("-batch", `/tmp/${ns}.batch`));
  for (let i = 1; i <= 8; i++) {
    await run(ipn("mptcp", "endpoint", "add", `10.0.0.${i}`, "id", String(i), "subflow"));
  }

  using x = new XFRM({ netns: ns });
  using et = new Ethtool({ netns: ns });
  using mp = new MPTCP({ netns: ns });
  const rows: [string, number, number, number][] = [];
  const ipStart = await time(() => run(["ip", "-V"]), 1);
  const etStart = await time(() => run(["ethtool", "--version"]), 1);
  const exec = ["ip", "netns", "exec", ns];
  rows.push([
    `xfrm policy dump, ${POLICIES} policies`,
    await time(() => x.getPolicies()),
    await time(() => run(ipn("xfrm", "policy")), 1),
    ipStart,
  ]);
  rows.push([
    "xfrm state dump, 200 SAs",
    await time(() => x.getStates()),
    await time(() => run(ipn("xfrm", "state")), 1),
    ipStart,
  ]);
  rows.push([
    "ethtool features of a veth",
    await time(() => et.getFeatures("v0")),
    await time(() => run([...exec, "ethtool", "-k", "v0"]), 1),
    etStart,
  ]);
  rows.push([
    "MPTCP endpoints, 8",
    await time(() => mp.getEndpoints()),
    await time(() => run(ipn("mptcp", "endpoint", "show")), 1),
    ipStart,
  ]);
  const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1];
  console.log(
    `CPU: ${cpu}, ${navigator.hardwareConcurrency} vCPUs; medians of ${RUNS} runs (ms)\n`,
  );
  console.log(
    "| work | ours (in process) | tool (process) | tool start-up | ratio to tool − start-up |",
  );
  console.log("| --- | --- | --- | --- | --- |");
  for (const [name, ours, tool, start] of rows) {
    const net = Math.max(0.01, tool - start);
    console.log(
      `| ${name} | ${ours.toFixed(2)} | ${tool.toFixed(2)} | ${start.toFixed(2)} | ${
        (ours / net).toFixed(2)
      } |`,
    );
  }
} finally {
  netns.remove(ns);
  await Deno.remove(`/tmp/${ns}.batch`).catch(() => {});
}
