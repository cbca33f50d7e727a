/**
 * TaskStats, pyroute2's example and a small `top` of the dead.
 *
 * 1. The statistics of this very process (`ts.get_pid_stat(os.getpid())` in pyroute2's example).
 * 2. An exit monitor: every process that ends on this machine while it runs is printed with its
 *    exit code, CPU and I/O figures; a few short children are started so there is something to
 *    see. Then the dead are ranked by CPU time.
 *
 * ```sh
 * sudo deno run --allow-ffi --allow-run examples/taskstats.ts [seconds]
 * ```
 *
 * Needs root (TASKSTATS is an admin family) in the initial namespaces.
 *
 * @module
 */

import { NetlinkError, TaskStats } from "../mod.ts";
import type { TaskExit } from "../mod.ts";

const seconds = Number(Deno.args[0] ?? 3);
if (!(seconds > 0)) {
  console.error("usage: examples/taskstats.ts [seconds]");
  Deno.exit(2);
}

using ts = new TaskStats();

// --- 1. pyroute2's example: statistics of this process ---------------------------------------------

let me;
try {
  me = await ts.getPidStat(Deno.pid);
} catch (e) {
  if (e instanceof NetlinkError) {
    console.error(`taskstats: ${e.message}`);
    Deno.exit(1);
  }
  throw e;
}
console.log(`struct taskstats version ${me.version} of pid ${me.ac_pid} (${me.ac_comm}):`);
console.log(
  `  user ${ms(me.ac_utime! * 1e3)} system ${ms(me.ac_stime! * 1e3)} ` +
    `on CPU ${ms(me.cpu_run_real_total!)} waiting for a CPU ${ms(me.cpu_delay_total!)}`,
);
console.log(
  `  rss high-water ${me.hiwater_rss} KB, read ${bytes(me.read_char!)}, ` +
    `written ${bytes(me.write_char!)}, ${me.nvcsw} voluntary context switches`,
);
const group = await ts.getTgidStat(Deno.pid);
console.log(`  the whole process (every thread): user ${ms(group.ac_utime! * 1e3)}`);

// --- 2. A top of the dead -------------------------------------------------------------------

const children: [string, string[]][] = [
  ["sh", ["-c", "exit 3"]],
  ["sleep", ["0.2"]],
  ["dd", ["if=/dev/zero", "of=/dev/null", "bs=1M", "count=300", "status=none"]],
  ["sh", [
    "-c",
    'f=$(mktemp -p /var/tmp); dd if=/dev/zero of="$f" bs=1M count=8 conv=fsync status=none; rm -f "$f"',
  ]],
  ["sh", ["-c", "kill -KILL $$"]],
  ["sh", ["-c", "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done"]],
];

const stop = new AbortController();
const ours = new Set<number>();

/** A process that ended: one line of the table. */
interface Dead {
  pid: number;
  ppid?: number;
  comm: string;
  how: string;
  threads: number;
  cpuNs: number;
  waitNs: number;
  rssKb: number;
  read: number;
  written: number;
  disk: number;
}
const dead: Dead[] = [];
/** Threads of processes still running: the kernel reports each thread as it exits. */
const partial = new Map<number, Dead & { leader?: TaskExit }>();

function record(e: TaskExit): Dead | undefined {
  const s = e.stats;
  const tgid = s.ac_tgid || e.pid;
  const d = partial.get(tgid) ??
    {
      pid: tgid,
      comm: "",
      how: "?",
      threads: 0,
      cpuNs: 0,
      waitNs: 0,
      rssKb: 0,
      read: 0,
      written: 0,
      disk: 0,
    };
  d.threads++;
  d.read += s.read_char ?? 0;
  d.written += s.write_char ?? 0;
  d.disk += s.write_bytes ?? 0;
  d.rssKb = Math.max(d.rssKb, s.hiwater_rss ?? 0);
  if (e.pid === tgid) {
    // The leader carries the process's name, parent and exit status.
    d.comm = s.ac_comm ?? "";
    d.ppid = s.ac_ppid;
    d.how = e.signal !== undefined ? `sig ${e.signal}` : String(e.exitCode ?? "?");
  }
  if (!e.groupExit) {
    partial.set(tgid, d);
    return undefined;
  }
  partial.delete(tgid);
  // A group of several threads comes with its totals; a lone thread is its own total.
  const total = e.tgidStats ?? s;
  d.cpuNs = total.cpu_run_real_total ?? 0;
  d.waitNs = total.cpu_delay_total ?? 0;
  if (!d.comm) d.comm = s.ac_comm ?? "";
  return d;
}

console.log(`\nprocesses ending in the next ${seconds} s (* = started here):`);
console.log(
  `${pad("PID", 7)} ${pad("PPID", 7)} ${"COMM".padEnd(16)} ${pad("EXIT", 6)} ${pad("THR", 3)} ` +
    `${pad("CPU", 9)} ${pad("CPU WAIT", 9)} ${pad("RSS", 8)} ${pad("READ", 8)} ${
      pad("WRITE", 8)
    } ` +
    `${pad("DISK W", 8)}`,
);

const watching = (async () => {
  for await (const e of ts.monitor({ signal: stop.signal })) {
    if (e.type === "overrun") {
      console.log("  … the kernel dropped exit records (receive buffer full)");
      continue;
    }
    const d = record(e);
    if (!d) continue;
    dead.push(d);
    console.log(
      `${pad(String(d.pid), 7)} ${pad(String(d.ppid ?? "?"), 7)} ` +
        `${d.comm.padEnd(15)}${ours.has(d.pid) ? "*" : " "} ${pad(d.how, 6)} ` +
        `${pad(String(d.threads), 3)} ${pad(ms(d.cpuNs), 9)} ${pad(ms(d.waitNs), 9)} ` +
        `${pad(`${d.rssKb}K`, 8)} ${pad(bytes(d.read), 8)} ${pad(bytes(d.written), 8)} ` +
        `${pad(bytes(d.disk), 8)}`,
    );
  }
})();

// Start the children once the monitor listens (its first records need a moment).
await new Promise((r) => setTimeout(r, 200));
for (const [cmd, args] of children) {
  const child = new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).spawn();
  ours.add(child.pid);
  await child.status;
}
await new Promise((r) => setTimeout(r, seconds * 1000));
stop.abort();
await watching;

console.log(`\n${dead.length} processes ended; the hungriest:`);
for (const d of dead.sort((a, b) => b.cpuNs - a.cpuNs).slice(0, 5)) {
  console.log(`  ${pad(ms(d.cpuNs), 9)}  ${d.pid} ${d.comm}`);
}

function ms(ns: number): string {
  return ns >= 1e9 ? `${(ns / 1e9).toFixed(2)}s` : `${(ns / 1e6).toFixed(1)}ms`;
}

function bytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)}M`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)}K`;
  return `${n}B`;
}

function pad(s: string, n: number): string {
  return s.padStart(n);
}
