/**
 * sock_diag against `ss`, in one run: a namespace holds N TCP sockets (a listener and its
 * connections, both ends), then, interleaved run by run,
 *
 * - `ss -tan` in that namespace, its output to /dev/null, timed around the process (as the
 *   other comparisons time iproute2);
 * - ours, warm, in this process: `diag.inet({ states: "all" })` with the fields `ss -tan`
 *   prints read from every socket (state, queues, addresses, ports), and with nothing read;
 * - ours as ss prints it: examples/ss.ts's text for `-tan`, in this process;
 * - ours as a fresh process (`deno run examples/ss.ts -tan`, startup included).
 *
 *     sudo deno task bench:diag [--sockets=10000] [--runs=11]
 *
 * Prints medians and ratios as Markdown with the CPU model. The namespace is removed at the end,
 * also on failure or SIGINT.
 *
 * @module
 */

import { SockDiag } from "../diag/mod.ts";
import { ss as ssText } from "../examples/ss.ts";
import { median, removedAtExit, shSync, timeProcess } from "./util.ts";

const arg = (name: string, fallback: number) => {
  const a = Deno.args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
const SOCKETS = arg("sockets", 10000);
const RUNS = arg("runs", 11);
const HERE = new URL(".", import.meta.url).pathname;
const ns = `nlbench-diag-${Deno.pid}`;

// Removes the namespace at the end, on failure, and on SIGINT/SIGTERM.
const cleanup = removedAtExit([ns]);

shSync("ip", ["netns", "add", ns]);
let child: Deno.ChildProcess | undefined;
try {
  shSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
  child = new Deno.Command("ip", {
    args: [
      "netns",
      "exec",
      ns,
      "sh",
      "-c",
      `ulimit -n ${SOCKETS + 1000} && exec "$0" run -A --no-lock "$1" "$2"`,
      Deno.execPath(),
      `${HERE}diag_child.ts`,
      String(SOCKETS),
    ],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  while (!line.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the socket child ended early");
    line += value;
  }
  reader.releaseLock();
  const held = Number(/ready (\d+)/.exec(line)?.[1]);

  using diag = new SockDiag({ netns: ns });
  const rows: Record<string, number[]> = {
    "ss -tan > /dev/null (process)": [],
    "ours: inet dump + the fields ss -tan prints": [],
    "ours: inet dump, lazy (nothing read)": [],
    "ours: examples/ss.ts -tan text, in process": [],
    "ours: deno run examples/ss.ts -tan (process)": [],
  };
  let count = 0;
  for (let run = 0; run < RUNS; run++) {
    rows["ss -tan > /dev/null (process)"].push(await timeProcess("ss", ["-N", ns, "-tan"]));
    let t0 = performance.now();
    const list = await diag.inet({ states: "all" });
    let sum = 0;
    for (const s of list) {
      sum += s.state + s.rqueue + s.wqueue + s.sport + s.dport + s.src.length + s.dst.length;
    }
    rows["ours: inet dump + the fields ss -tan prints"].push(performance.now() - t0);
    count = list.length;
    if (sum === 0) throw new Error("nothing read");
    t0 = performance.now();
    const lazy = await diag.inet({ states: "all" });
    rows["ours: inet dump, lazy (nothing read)"].push(performance.now() - t0);
    if (lazy.length !== count) throw new Error("the socket count changed");
    t0 = performance.now();
    const text = await ssText(["-N", ns, "-tan"]);
    rows["ours: examples/ss.ts -tan text, in process"].push(performance.now() - t0);
    if (text.split("\n").length < count) throw new Error("short output");
    if (run < 5) {
      rows["ours: deno run examples/ss.ts -tan (process)"].push(
        await timeProcess(Deno.execPath(), [
          "run",
          "-A",
          "--no-lock",
          `${HERE}../examples/ss.ts`,
          "-N",
          ns,
          "-tan",
        ]),
      );
    }
  }
  const cpu = /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "?";
  const ref = median(rows["ss -tan > /dev/null (process)"]);
  console.log(
    `### sock_diag: ${count} TCP sockets (${held} held), ${RUNS} runs interleaved\n\n` +
      `${cpu}, ${navigator.hardwareConcurrency} CPUs, Deno ${Deno.version.deno}\n`,
  );
  console.log("| what | median ms | × ss -tan | runs |");
  console.log("| --- | --- | --- | --- |");
  for (const [name, xs] of Object.entries(rows)) {
    const m = median(xs);
    console.log(`| ${name} | ${m.toFixed(1)} | ${(m / ref).toFixed(2)} | ${xs.length} |`);
  }
} finally {
  if (child) {
    await child.stdin.close().catch(() => {});
    await child.stdout.cancel().catch(() => {});
    await child.status;
  }
  cleanup();
}
