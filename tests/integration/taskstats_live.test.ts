/**
 * TaskStats against the running kernel. Taskstats only reads, so these tests need no namespace
 * of their own; they need root (TASKSTATS_CMD_GET is an admin command) and the initial user and
 * pid namespaces (for the exit monitor).
 *
 * Deno lets a program read /proc only with --allow-all, so /proc is read by `cat` here; and
 * since `deno test` may run this module on another thread than the main one, the thread doing
 * the work is not known: per-thread figures are checked for every thread of the process.
 */

import assert from "node:assert/strict";
import process from "node:process";
import { NetlinkError } from "../../netlink/mod.ts";
import { TaskStats, TASKSTATS_KNOWN_VERSION } from "../../taskstats/mod.ts";
import type { TaskExit, TaskStatsEvent, TaskstatsRecord } from "../../taskstats/mod.ts";
import * as netns from "../../ffi/netns.ts";
import { isRoot, run, withNetns } from "../helpers.ts";
import { lacks, named } from "../features.ts";

/** Why every test here is skipped (no root, or a kernel without taskstats), if it is. */
const noTaskstats = await lacks("genl:TASKSTATS");
const ignore = noTaskstats !== undefined;
/** Why the exit monitor cannot be tested here (exits reach the initial network namespace only). */
const noExits = await lacks("genl:TASKSTATS", "taskstats:exits");
const CLK_TCK = 100; // USER_HZ, what /proc/*/stat counts in on every architecture Linux runs

/** utime and stime (in µs) of each thread of this process (`tid` → times) and of the process. */
async function procTimes(): Promise<{
  threads: Map<number, { utime: number; stime: number }>;
  process: { utime: number; stime: number };
}> {
  const text = await run("sh", [
    "-c",
    `cat /proc/${Deno.pid}/stat; cat /proc/${Deno.pid}/task/*/stat 2>/dev/null; true`,
  ]);
  const parse = (line: string) => {
    const f = line.slice(line.lastIndexOf(")") + 2).split(" ");
    return {
      id: Number(line.slice(0, line.indexOf(" "))),
      utime: Number(f[11]) * (1e6 / CLK_TCK),
      stime: Number(f[12]) * (1e6 / CLK_TCK),
    };
  };
  const [first, ...rest] = text.trim().split("\n").map(parse);
  const threads = new Map(rest.map((t) => [t.id, { utime: t.utime, stime: t.stime }]));
  return { threads, process: { utime: first.utime, stime: first.stime } };
}

/** The thread ids of this process. */
async function threadIds(): Promise<number[]> {
  return (await run("ls", [`/proc/${Deno.pid}/task`])).trim().split(/\s+/).map(Number);
}

/** The statistics of every thread of this process (threads that exit meanwhile are left out). */
async function threadStats(ts: TaskStats): Promise<Map<number, TaskstatsRecord>> {
  const out = new Map<number, TaskstatsRecord>();
  for (const tid of await threadIds()) {
    try {
      out.set(tid, await ts.getPidStat(tid));
    } catch (e) {
      if (!(e instanceof NetlinkError && e.code === "ESRCH")) throw e;
    }
  }
  return out;
}

/** Burns `ms` milliseconds of this thread's CPU time (however busy the machine is). */
function busy(ms: number): number {
  const cpu = () => {
    const u = process.threadCpuUsage();
    return u.user + u.system;
  };
  const start = cpu();
  const deadline = performance.now() + 20_000;
  let x = 0;
  while (cpu() - start < ms * 1000 && performance.now() < deadline) {
    for (let i = 0; i < 100_000; i++) x += Math.sqrt(x + i);
  }
  return x;
}

function cpuUs(s: TaskstatsRecord): number {
  return (s.ac_utime ?? 0) + (s.ac_stime ?? 0);
}

/** Per-thread growth of `field` between two snapshots (threads present in both). */
function growth(
  a: Map<number, TaskstatsRecord>,
  b: Map<number, TaskstatsRecord>,
  f: (s: TaskstatsRecord) => number,
): number[] {
  return [...b].filter(([tid]) => a.has(tid)).map(([tid, s]) => f(s) - f(a.get(tid)!));
}

Deno.test(
  { name: named("taskstats: own pid: ids, name, version, times", noTaskstats), ignore },
  async () => {
    using ts = new TaskStats();
    const before = Date.now() / 1000;
    const s = await ts.getPidStat(Deno.pid);
    const after = Date.now() / 1000;
    assert.ok(s.version >= 12, `version ${s.version}`);
    if (s.version <= TASKSTATS_KNOWN_VERSION) assert.equal(s.extra.length, 0);
    assert.equal(s.ac_pid, Deno.pid);
    assert.equal(s.ac_tgid, Deno.pid);
    assert.equal(s.ac_comm, "deno");
    assert.equal(s.ac_uid, Deno.uid());
    assert.equal(s.ac_gid, Deno.gid());
    assert.equal(s.ac_ppid, Deno.ppid);
    // Started at most an hour ago; both start times agree, and start + elapsed is the moment the
    // kernel answered, between the two clock readings around the request (btime is in whole
    // seconds): however long the request took on a busy machine.
    assert.ok(s.ac_btime64! <= after && s.ac_btime64! > before - 3600, `btime ${s.ac_btime64}`);
    assert.equal(s.ac_btime, s.ac_btime64);
    const answered = s.ac_btime64! + s.ac_etime! / 1e6;
    assert.ok(answered >= before - 1.5 && answered <= after + 1.5, "etime matches btime");
    assert.equal(s.ac_exe_inode, Deno.statSync(Deno.execPath()).ino);
    assert.ok(s.nvcsw! + s.nivcsw! > 0);
    assert.ok(s.hiwater_rss! > 1000, "RSS in KB");
  },
);

Deno.test(
  { name: named("taskstats: CPU time grows after busy work", noTaskstats), ignore },
  async () => {
    using ts = new TaskStats();
    const a = await ts.getTgidStat(Deno.pid);
    const ta = await threadStats(ts);
    busy(300);
    const b = await ts.getTgidStat(Deno.pid);
    const tb = await threadStats(ts);
    // 300 ms as getrusage counts it; utime and stime are sampled by ticks, runtime is exact.
    const dUs = cpuUs(b) - cpuUs(a);
    assert.ok(dUs >= 200_000, `process utime+stime grew by ${dUs} µs`);
    const dVirt = b.cpu_run_virtual_total! - a.cpu_run_virtual_total!;
    const dReal = b.cpu_run_real_total! - a.cpu_run_real_total!;
    assert.ok(dVirt >= 200e6, `cpu_run_virtual_total grew by ${dVirt} ns`);
    assert.ok(dReal >= 200e6, `cpu_run_real_total grew by ${dReal} ns`);
    // The thread that did the work shows it on its own.
    const most = Math.max(...growth(ta, tb, cpuUs));
    assert.ok(most >= 200_000, `the busiest thread grew by ${most} µs`);
    const mostVirt = Math.max(...growth(ta, tb, (s) => s.cpu_run_virtual_total!));
    assert.ok(mostVirt >= 200e6, `the busiest thread ran ${mostVirt} ns more`);
  },
);

Deno.test({
  name: named("taskstats: utime and stime agree with /proc/<pid>/stat", noTaskstats),
  ignore,
}, async () => {
  using ts = new TaskStats();
  busy(300);
  // taskstats reports the raw tick-sampled utime/stime; /proc reports them scaled so that their
  // sum is the scheduler's runtime (cputime_adjust). Scaled the same way they agree closely;
  // raw, within the sampling error.
  const check = (label: string, s: TaskstatsRecord, p: { utime: number; stime: number }) => {
    const near = (what: string, a: number, b: number, rel: number) => {
      const tol = 40_000 + rel * Math.max(a, b);
      assert.ok(Math.abs(a - b) <= tol, `${label} ${what}: taskstats ${a} µs, /proc ${b} µs`);
    };
    const raw = s.ac_utime! + s.ac_stime!;
    const runtime = s.cpu_run_virtual_total! / 1000;
    const scale = raw > 0 ? runtime / raw : 0;
    near("utime (scaled)", s.ac_utime! * scale, p.utime, 0.1);
    near("stime (scaled)", s.ac_stime! * scale, p.stime, 0.1);
    near("utime+stime", runtime, p.utime + p.stime, 0.1);
    near("utime (raw)", s.ac_utime!, p.utime, 0.3);
    near("stime (raw)", s.ac_stime!, p.stime, 0.3);
  };
  const threads = await threadStats(ts);
  const g = await ts.getTgidStat(Deno.pid);
  const proc = await procTimes();
  let compared = 0;
  for (const [tid, s] of threads) {
    const p = proc.threads.get(tid);
    if (!p) continue;
    check(`thread ${tid}`, s, p);
    compared++;
  }
  assert.ok(compared > 1, "several threads compared");
  check("process", g, proc.process);
  assert.ok(proc.process.utime >= 250_000, "the busy work shows in /proc too");
});

Deno.test(
  {
    name: named("taskstats: read_bytes/write_bytes after writing and syncing a file", noTaskstats),
    ignore,
  },
  async () => {
    using ts = new TaskStats();
    // A disk-backed directory: tmpfs writes are no storage I/O.
    const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "taskstats-io-" });
    const sum = (
      a: Map<number, TaskstatsRecord>,
      b: Map<number, TaskstatsRecord>,
      f: (s: TaskstatsRecord) => number,
    ) => growth(a, b, f).reduce((x, y) => x + y, 0);
    try {
      const file = `${dir}/data`;
      const size = 4 << 20;
      const a = await threadStats(ts);
      const f = Deno.openSync(file, { write: true, create: true });
      const data = new Uint8Array(size).fill(0x5a);
      for (let off = 0; off < size;) off += f.writeSync(data.subarray(off));
      f.syncSync();
      f.close();
      const b = await threadStats(ts);
      const written = sum(a, b, (s) => s.write_bytes!);
      assert.ok(written >= size, `write_bytes +${written}`);
      assert.ok(sum(a, b, (s) => s.write_char!) >= size - 1024, "write_char");
      // Evict the (now clean) pages so reading goes to the disk: posix_fadvise(DONTNEED) via dd.
      await run("dd", [`if=${file}`, "iflag=nocache", "count=0", "status=none"]);
      const back = Deno.readFileSync(file);
      assert.equal(back.length, size);
      const c = await threadStats(ts);
      const readChar = sum(b, c, (s) => s.read_char!);
      const read = sum(b, c, (s) => s.read_bytes!);
      assert.ok(readChar >= size - 1024, `read_char +${readChar}`);
      assert.ok(read >= size / 2, `read_bytes +${read}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  {
    name: named(
      "taskstats: a thread group's total is at least the sum of its threads",
      noTaskstats,
    ),
    ignore,
  },
  async () => {
    using ts = new TaskStats();
    busy(100);
    const threads = await threadStats(ts);
    assert.ok(threads.size > 1, "deno runs several threads");
    const sum = { real: 0, virt: 0, count: 0 };
    for (const [tid, s] of threads) {
      assert.equal(s.ac_tgid, Deno.pid, `thread ${tid} belongs to this process`);
      sum.real += s.cpu_run_real_total!;
      sum.virt += s.cpu_run_virtual_total!;
      sum.count += s.cpu_count!;
    }
    // Read after the threads: these totals only grow (exited threads' delays stay counted).
    const g = await ts.getTgidStat(Deno.pid);
    assert.ok(g.cpu_run_real_total! >= sum.real, `real ${g.cpu_run_real_total} >= ${sum.real}`);
    assert.ok(
      g.cpu_run_virtual_total! >= sum.virt,
      `virtual ${g.cpu_run_virtual_total} >= ${sum.virt}`,
    );
    assert.ok(g.cpu_count! >= sum.count, `cpu_count ${g.cpu_count} >= ${sum.count}`);
    // The kernel fills only times, switches and delays for a group.
    assert.equal(g.ac_pid, 0);
  },
);

/** Runs a monitor until `want` says it has seen enough (or 10 s pass); returns the exits. */
async function watch(
  ts: TaskStats,
  act: () => Promise<void>,
  want: (seen: TaskExit[]) => boolean,
  cpus?: string,
): Promise<TaskExit[]> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(new Error("timeout")), 10_000);
  const seen: TaskExit[] = [];
  const it = ts.monitor({ cpus, signal: stop.signal });
  // The first next() registers the CPU mask; start the children once it is pending.
  const first = it.next();
  await new Promise((r) => setTimeout(r, 100));
  const acting = act();
  try {
    let r: IteratorResult<TaskStatsEvent> = await first;
    while (!r.done) {
      if (r.value.type === "exit") seen.push(r.value);
      if (want(seen)) break;
      r = await it.next();
    }
  } finally {
    clearTimeout(timer);
    await it.return(undefined);
    await acting;
  }
  return seen;
}

Deno.test(
  {
    name: named("taskstats monitor: children seen with pid, exit code and signal", noExits),
    ignore: noExits !== undefined,
  },
  async () => {
    using ts = new TaskStats();
    const pids: number[] = [];
    const cpus = `0-${navigator.hardwareConcurrency - 1}`;
    const seen = await watch(
      ts,
      async () => {
        const a = new Deno.Command("sh", { args: ["-c", "exit 7"] }).spawn();
        pids.push(a.pid);
        assert.equal((await a.status).code, 7);
        const b = new Deno.Command("sh", { args: ["-c", "kill -TERM $$"] }).spawn();
        pids.push(b.pid);
        assert.equal((await b.status).signal, "SIGTERM");
      },
      (s) => pids.length === 2 && pids.every((p) => s.some((e) => e.pid === p)),
      cpus,
    );
    const a = seen.find((e) => e.pid === pids[0]);
    const b = seen.find((e) => e.pid === pids[1]);
    assert.ok(a && b, `saw ${seen.length} exits, not both children`);
    assert.equal(a.exitCode, 7);
    assert.equal(a.signal, undefined);
    assert.equal(a.stats.ac_comm, "sh");
    assert.equal(a.stats.ac_pid, pids[0]);
    assert.equal(a.stats.ac_ppid, Deno.pid);
    assert.equal(a.groupExit, true);
    assert.equal(b.signal, 15);
    assert.equal(b.exitCode, undefined);
    assert.equal(b.coreDumped, false);
  },
);

Deno.test(
  {
    name: named("taskstats monitor: a multi-threaded child's group totals (tgid)", noExits),
    ignore: noExits !== undefined,
  },
  async () => {
    using ts = new TaskStats();
    let pid = 0;
    const seen = await watch(ts, async () => {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["eval", "let x = 0; for (let i = 0; i < 2e6; i++) x += i; Deno.exit(3);"],
        stdout: "null",
        stderr: "null",
      }).spawn();
      pid = child.pid;
      assert.equal((await child.status).code, 3);
    }, (s) => pid > 0 && s.some((e) => e.tgid === pid) && s.some((e) => e.pid === pid));
    const group = seen.find((e) => e.tgid === pid);
    const leader = seen.find((e) => e.pid === pid);
    assert.ok(group && leader, "the group record and the leader's record");
    assert.equal(leader.exitCode, 3);
    assert.equal(group.tgidStats?.version, group.stats.version);
    const threads = seen.filter((e) => e.stats.ac_tgid === pid);
    assert.ok(threads.length > 1, "every thread of the child exited on a watched CPU");
    // The group's CPU time covers the leader's (plus its other threads').
    assert.ok(group.tgidStats!.cpu_run_real_total! >= leader.stats.cpu_run_real_total!);
  },
);

Deno.test(
  {
    name: named("taskstats monitor: ends when the signal aborts or the object closes", noExits),
    ignore: noExits !== undefined,
  },
  async () => {
    using ts = new TaskStats();
    /** Drains a monitor (other processes exit too); resolves when it ends, fails after 5 s. */
    const drain = async (it: AsyncGenerator<TaskStatsEvent>) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("the monitor did not end")), 5000);
      });
      try {
        await Promise.race([
          (async () => {
            for await (const _ of it) { /* exits of other processes */ }
          })(),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
    };
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    await drain(ts.monitor({ signal: stop.signal }));
    // Closing the object ends a monitor that waits for exits.
    const running = drain(ts.monitor());
    await new Promise((r) => setTimeout(r, 100));
    ts.close();
    await running;
    // An aborted signal ends at once.
    using ts2 = new TaskStats();
    const ended = await ts2.monitor({ signal: AbortSignal.abort() }).next();
    assert.equal(ended.done, true);
  },
);

Deno.test(
  {
    name: named("taskstats: an unknown pid or tgid is ESRCH; bad ids are RangeErrors", noTaskstats),
    ignore,
  },
  async () => {
    using ts = new TaskStats();
    const unused = 0x7ffffffe; // above any pid_max
    for (const get of [ts.getPidStat.bind(ts), ts.getTgidStat.bind(ts)]) {
      await assert.rejects(
        get(unused),
        (e: Error) => e instanceof NetlinkError && e.code === "ESRCH" && e.errno === 3,
      );
    }
    await assert.rejects(ts.getPidStat(0), RangeError);
    await assert.rejects(ts.getPidStat(1.5), /pid: expected a positive process id/);
    await assert.rejects(ts.getTgidStat(-1), /tgid/);
    // The socket still works after the refusals.
    assert.equal((await ts.getPidStat(Deno.pid)).ac_pid, Deno.pid);
  },
);

Deno.test(
  {
    name: "taskstats: a kernel without the family: an error naming it",
    ignore: !isRoot,
  },
  async () => {
    using ts = new TaskStats({ family: "TASKSTATS_NONE" });
    await assert.rejects(
      ts.getPidStat(Deno.pid),
      (e: Error) =>
        e instanceof NetlinkError && e.code === "ENOENT" &&
        /"TASKSTATS_NONE" is not available/.test(e.message),
    );
    if (netns.isInitial() !== false) await assert.rejects(ts.monitor().next(), /TASKSTATS_NONE/);
  },
);

Deno.test({
  name: named(
    "taskstats monitor: in another network namespace the first next() throws, saying why",
    noTaskstats,
  ),
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      // Exit records go to listeners in the initial network namespace only: registered from
      // here, the monitor would wait forever for nothing. Statistics on request still work.
      using ts = netns.withNetns(ns, () => new TaskStats());
      const first = netns.withNetns(ns, () => ts.monitor().next());
      await assert.rejects(first, /not in the initial network namespace.*exit records/);
      assert.equal((await ts.getPidStat(Deno.pid)).ac_pid, Deno.pid);
    }, "ts"),
});

Deno.test({
  name: "netns.isInitial(): true here, false in a namespace of our own",
  ignore: !isRoot,
}, async () => {
  // The test process itself may run in a namespace (then the exit monitor tests are skipped).
  const here = netns.isInitial();
  const own = Deno.readLinkSync("/proc/thread-self/ns/net");
  const init = Deno.readLinkSync("/proc/2/ns/net"); // kthreadd: in the initial namespaces
  assert.equal(here, own === init);
  assert.equal((await lacks("taskstats:exits")) === undefined, here !== false);
  await withNetns((ns) => assert.equal(netns.withNetns(ns, () => netns.isInitial()), false));
});
