/**
 * The TaskStats class: per-task statistics from the kernel's TASKSTATS family, written only with
 * the public generic netlink API ({@link GenericNetlink}).
 *
 * @module
 */

import { DecodeError, GenericNetlink, NetlinkError } from "../netlink/mod.ts";
import { isInitial } from "../ffi/netns.ts";
import type { GenlFamily, TypedMessage } from "../netlink/mod.ts";
import {
  TASKSTATS_CMD,
  TASKSTATS_GENL_NAME,
  TASKSTATS_MESSAGE,
  TASKSTATS_REQUEST,
} from "./schema.ts";
import { ACCT_FLAG, decodeExitStatus, decodeTaskstats } from "./struct.ts";
import type { TaskstatsRecord } from "./struct.ts";

/** Why {@link TaskStats.monitor} refuses to run outside the initial network namespace. */
const NOT_INITIAL_NETNS = "TaskStats.monitor: this thread is not in the initial network " +
  "namespace, and the kernel sends taskstats exit records only to listeners in the initial one " +
  "(this monitor would receive nothing); getPidStat and getTgidStat work in any namespace";

/** Options of {@link TaskStats}. */
export interface TaskStatsOptions {
  /** Receive buffer of the request socket, in bytes. */
  rcvbuf?: number;
  /** The family name (default `"TASKSTATS"`). */
  family?: string;
}

/** Options of {@link TaskStats.monitor}. */
export interface TaskStatsMonitorOptions {
  /**
   * The CPUs whose exiting tasks are reported: a kernel CPU list (`"0-3,8"`) or CPU numbers.
   * Default: every possible CPU (found by asking the kernel which masks it accepts).
   */
  cpus?: string | readonly number[];
  /** Ends the iteration; the CPU mask is deregistered. */
  signal?: AbortSignal;
  /** Receive buffer of the monitor's socket, in bytes (default 4 MiB). */
  rcvbuf?: number;
}

/**
 * A task that exited: its final statistics, and those of its thread group when it was the last
 * thread of a group of several.
 */
export interface TaskExit {
  /** Tells exits from overruns. */
  type: "exit";
  /** The task (thread) id (`TASKSTATS_TYPE_PID`). */
  pid: number;
  /** The task's final statistics. */
  stats: TaskstatsRecord;
  /** The thread group id, when this exit ended a group of several threads (`TASKSTATS_TYPE_TGID`). */
  tgid?: number;
  /** The thread group's totals (with `tgid`). */
  tgidStats?: TaskstatsRecord;
  /** The task was the last of its thread group: the process ended (`AGROUP` in `ac_flag`). */
  groupExit: boolean;
  /** The exit code (0–255), when a thread-group leader exited normally. */
  exitCode?: number;
  /** The signal that killed it, when a thread-group leader was killed. */
  signal?: number;
  /** Whether it dumped core. */
  coreDumped: boolean;
}

/** What {@link TaskStats.monitor} yields: an exit, or an overrun (the kernel dropped records). */
export type TaskStatsEvent = TaskExit | { type: "overrun" };

function checkId(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0 || v > 0x7fffffff) {
    throw new RangeError(`${field}: expected a positive process id, got ${String(v)}`);
  }
  return v;
}

/** A CPU list as the kernel's `cpulist_parse` takes it; TypeError naming `cpus` when not one. */
export function taskstatsCpuList(cpus: string | readonly number[]): string {
  if (Array.isArray(cpus)) {
    if (cpus.length === 0) throw new TypeError("cpus: expected at least one CPU");
    for (const [i, c] of cpus.entries()) {
      if (!Number.isInteger(c) || c < 0 || c > 0xfffff) {
        throw new RangeError(`cpus[${i}]: expected a CPU number, got ${String(c)}`);
      }
    }
    return cpus.join(",");
  }
  if (
    typeof cpus !== "string" || !/^\d+(-\d+(:\d+\/\d+)?)?(,\d+(-\d+(:\d+\/\d+)?)?)*$/.test(cpus)
  ) {
    throw new TypeError(
      `cpus: expected a CPU list such as "0-3,8" or an array of CPU numbers, got ${
        JSON.stringify(cpus)
      }`,
    );
  }
  return cpus;
}

/**
 * Every possible CPU, as `"0-N"`: the widest such mask the kernel accepts. Deregistering
 * validates the mask (it must be a subset of the possible CPUs) and changes nothing for a
 * socket that registered nothing, so it probes without side effects. (Reading
 * /sys/devices/system/cpu/possible would need Deno's --allow-all.)
 */
async function possibleCpus(genl: GenericNetlink, fam: GenlFamily): Promise<string> {
  const accepts = async (last: number) => {
    try {
      await genl.command(fam, TASKSTATS_CMD.GET, { deregister_cpumask: `0-${last}` }, {
        schema: TASKSTATS_REQUEST,
      });
      return true;
    } catch (e) {
      // EINVAL: not a subset of the possible CPUs; ERANGE: beyond the kernel's CPU mask size.
      if (e instanceof NetlinkError && (e.code === "EINVAL" || e.code === "ERANGE")) return false;
      throw e;
    }
  };
  // CPUs 0…n-1 exist when n run this process; the kernel allows at most 8192 (NR_CPUS).
  let lo = Math.max(1, navigator.hardwareConcurrency) - 1;
  let hi = 8191;
  if (!(await accepts(lo))) return `0-${lo}`; // refused anyway: registering reports why
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (await accepts(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? "0" : `0-${lo}`;
}

/** A TASKSTATS reply or exit record, as a typed view. */
export type TaskstatsMessage = TypedMessage<typeof TASKSTATS_MESSAGE>;

function statsOf(
  m: TaskstatsMessage,
  which: "aggr_pid" | "aggr_tgid",
): { id?: number; stats: TaskstatsRecord } | undefined {
  const aggr = m[which];
  if (!aggr) return undefined;
  const bytes = aggr.stats;
  if (!bytes) {
    throw new DecodeError(`TASKSTATS_TYPE_${which.toUpperCase()} without TASKSTATS_TYPE_STATS`);
  }
  return { id: which === "aggr_pid" ? aggr.pid : aggr.tgid, stats: decodeTaskstats(bytes) };
}

/** Turns one exit record (TASKSTATS_CMD_NEW with the pid's and maybe the tgid's statistics) into a {@link TaskExit}. */
export function decodeTaskExit(m: TaskstatsMessage): TaskExit | undefined {
  const p = statsOf(m, "aggr_pid");
  if (!p) return undefined;
  const g = statsOf(m, "aggr_tgid");
  const s = p.stats;
  const pid = p.id ?? s.ac_pid ?? 0;
  const out: TaskExit = {
    type: "exit",
    pid,
    stats: s,
    groupExit: ((s.ac_flag ?? 0) & ACCT_FLAG.AGROUP) !== 0 || g !== undefined,
    coreDumped: false,
  };
  if (g) {
    out.tgid = g.id;
    out.tgidStats = g.stats;
  }
  // The kernel fills ac_exitcode for thread-group leaders only.
  const leader = s.ac_tgid === undefined || s.ac_tgid === 0 || s.ac_tgid === pid;
  if (leader && s.ac_exitcode !== undefined) {
    const st = decodeExitStatus(s.ac_exitcode);
    if (st.code !== undefined) out.exitCode = st.code;
    if (st.signal !== undefined) out.signal = st.signal;
    out.coreDumped = st.coreDumped;
  }
  return out;
}

interface ActiveMonitor {
  stop(): void;
}

/**
 * Per-task statistics (`struct taskstats`) from the kernel: of a task, of a whole thread
 * group, and of every task as it exits.
 *
 * ```ts
 * import { TaskStats } from "@denonet/netlink/taskstats";
 * using ts = new TaskStats();
 * const s = await ts.getPidStat(Deno.pid);
 * console.log(s.ac_comm, s.ac_utime, s.cpu_run_real_total);
 * ```
 */
export class TaskStats implements Disposable {
  /** The generic netlink socket requests go through. */
  readonly genl: GenericNetlink;
  readonly #familyName: string;
  #family?: GenlFamily;
  readonly #monitors = new Set<ActiveMonitor>();

  /** Opens a generic netlink socket (the family is resolved on first use). */
  constructor(options: TaskStatsOptions = {}) {
    const name = options.family ?? TASKSTATS_GENL_NAME;
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`family: expected a family name, got ${String(name)}`);
    }
    this.#familyName = name;
    this.genl = new GenericNetlink(options.rcvbuf === undefined ? {} : { rcvbuf: options.rcvbuf });
  }

  /**
   * The resolved family (id, version, operations). A kernel without it is a {@link NetlinkError}
   * (`ENOENT`) naming the family.
   */
  async family(): Promise<GenlFamily> {
    if (this.#family) return this.#family;
    try {
      this.#family = await this.genl.resolve(this.#familyName);
    } catch (e) {
      if (e instanceof NetlinkError && e.code === "ENOENT") {
        throw new NetlinkError(e.errno, {
          ...e.extack,
          msg: `the generic netlink family "${this.#familyName}" is not available in this ` +
            "kernel (built without CONFIG_TASKSTATS?)",
        }, `resolve family ${this.#familyName}`);
      }
      throw e;
    }
    return this.#family;
  }

  async #get(attr: "pid" | "tgid", id: number): Promise<TaskstatsRecord> {
    checkId(id, attr);
    const fam = await this.family();
    const replies = await this.genl.command(fam, TASKSTATS_CMD.GET, { [attr]: id }, {
      schema: TASKSTATS_REQUEST,
      reply: TASKSTATS_MESSAGE,
    });
    const which = attr === "pid" ? "aggr_pid" : "aggr_tgid";
    for (const m of replies) {
      const s = statsOf(m, which);
      if (s) return s.stats;
    }
    throw new DecodeError(`TASKSTATS reply for ${attr} ${id} without TASKSTATS_TYPE_${which}`);
  }

  /**
   * The statistics of one task (thread) `pid`. An unknown pid is a {@link NetlinkError} with
   * code `ESRCH`.
   */
  getPidStat(pid: number): Promise<TaskstatsRecord> {
    return this.#get("pid", pid);
  }

  /**
   * The statistics of the thread group `tgid`: its live threads' CPU times, context switches
   * and delays summed (plus the delays of threads that already exited). The kernel fills only
   * those fields for a group; the rest are 0. An unknown tgid is a {@link NetlinkError} with
   * code `ESRCH`.
   */
  getTgidStat(tgid: number): Promise<TaskstatsRecord> {
    return this.#get("tgid", tgid);
  }

  /**
   * Yields every task that exits on the chosen CPUs, with its final statistics (and its thread
   * group's when it ended a group of several threads), until `signal` aborts or this object
   * closes; then the CPU mask is deregistered. Each monitor has its own socket, registered
   * with `TASKSTATS_CMD_ATTR_REGISTER_CPUMASK`; the kernel sends the records to it directly.
   * `{ type: "overrun" }` reports records the kernel dropped because the receive buffer was
   * full.
   *
   * Needs the initial namespaces. The kernel refuses a listener in another user or pid namespace
   * (`EINVAL`), and sends exit records only to listeners in the initial network namespace: in
   * any other it accepts the registration and sends nothing. So in a network namespace other than
   * the initial one (as told by `isInitial()` of `@denonet/netlink/netns`), the first `next()`
   * throws an `Error` saying so, before anything is sent.
   */
  async *monitor(options: TaskStatsMonitorOptions = {}): AsyncGenerator<TaskStatsEvent> {
    // Before any await: the check runs in the namespace of the caller's thread, where the
    // monitor's socket would be opened.
    if (isInitial() === false) throw new Error(NOT_INITIAL_NETNS);
    let cpus = options.cpus === undefined ? "" : taskstatsCpuList(options.cpus);
    if (options.signal?.aborted) return;
    const fam = await this.family();
    const genl = new GenericNetlink({ rcvbuf: options.rcvbuf ?? 4 << 20 });
    const stopper = new AbortController();
    let registered = false;
    const deregister = () => {
      if (!registered || genl.socket.closed) return;
      registered = false;
      try {
        genl.commandNoAck(fam, TASKSTATS_CMD.GET, { deregister_cpumask: cpus }, {
          schema: TASKSTATS_REQUEST,
        });
      } catch {
        // The socket is going away; the kernel drops a listener whose socket is gone.
      }
    };
    const active: ActiveMonitor = {
      stop() {
        deregister();
        stopper.abort(new Error("the TaskStats object was closed"));
        genl.close();
      },
    };
    const onAbort = () => stopper.abort(options.signal?.reason);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    this.#monitors.add(active);
    try {
      const events = genl.monitor({
        family: fam,
        schema: TASKSTATS_MESSAGE,
        signal: stopper.signal,
        setup: async () => {
          cpus ||= await possibleCpus(genl, fam);
          // Deregistering a mask that was never registered is harmless: mark it first.
          registered = true;
          await genl.command(fam, TASKSTATS_CMD.GET, { register_cpumask: cpus }, {
            schema: TASKSTATS_REQUEST,
            signal: stopper.signal,
          });
        },
      });
      try {
        for await (const ev of events) {
          if (ev.type === "overrun") {
            yield { type: "overrun" };
            continue;
          }
          if (ev.message.cmd !== TASKSTATS_CMD.NEW) continue;
          const exit = decodeTaskExit(ev.message);
          if (exit) yield exit;
        }
      } catch (e) {
        // Stopped (signal or close) while registering: the iteration just ends.
        if (!stopper.signal.aborted) throw e;
      }
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      this.#monitors.delete(active);
      deregister();
      genl.close();
    }
  }

  /** Closes the socket and every monitor of this object (deregistering their CPU masks). */
  close(): void {
    for (const m of [...this.#monitors]) m.stop();
    this.#monitors.clear();
    this.genl.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
