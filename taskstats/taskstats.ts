/**
 * The TaskStats class: per-task statistics from the kernel's TASKSTATS family, written only with
 * the public generic netlink API ({@link GenericNetlink}).
 *
 * @module
 */

import {
  checkArgs,
  checkKeys,
  DecodeError,
  GenericNetlink,
  KeySet,
  NetlinkError,
  Subscription,
} from "../netlink/mod.ts";
import type { GenlEvent, GenlFamily, TypedMessage } from "../netlink/mod.ts";
import { readTextFile } from "../ffi/files.ts";
import { isInitial } from "../ffi/netns.ts";
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
   * Default: every possible CPU (/sys/devices/system/cpu/possible).
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
 * Every possible CPU, as the kernel lists them (/sys/devices/system/cpu/possible, read through
 * libc so no file permission is needed); the CPUs running this process when that is unreadable.
 */
function possibleCpus(): string {
  const text = readTextFile("/sys/devices/system/cpu/possible")?.trim();
  if (text && /^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text)) return text;
  const n = Math.max(1, navigator.hardwareConcurrency);
  return n === 1 ? "0" : `0-${n - 1}`;
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

const OPTIONS = new KeySet("TaskStats option", ["rcvbuf", "family"]);
const MONITOR_OPTIONS = new KeySet("monitor option", ["cpus", "signal", "rcvbuf"]);
/** Requests carry `TASKSTATS_CMD_ATTR_*`; errors name the command ("TASKSTATS GET: …"). */
const REQUEST = { schema: TASKSTATS_REQUEST, commands: TASKSTATS_CMD };

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
    checkArgs("TaskStats", 1, arguments.length);
    checkKeys(options, OPTIONS);
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
    const replies = await this.genl.command(fam, "GET", { [attr]: id }, {
      ...REQUEST,
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
    checkArgs("getPidStat", 1, arguments.length);
    return this.#get("pid", pid);
  }

  /**
   * The statistics of the thread group `tgid`: its live threads' CPU times, context switches
   * and delays summed (plus the delays of threads that already exited). The kernel fills only
   * those fields for a group; the rest are 0. An unknown tgid is a {@link NetlinkError} with
   * code `ESRCH`.
   */
  getTgidStat(tgid: number): Promise<TaskstatsRecord> {
    checkArgs("getTgidStat", 1, arguments.length);
    return this.#get("tgid", tgid);
  }

  /**
   * Subscribes to every task that exits on the chosen CPUs, with its final statistics (and its
   * thread group's when it ended a group of several threads). Each monitor has its own socket,
   * registered with `TASKSTATS_CMD_ATTR_REGISTER_CPUMASK` before this returns: a task that
   * exits after the call is reported, however late the first `next()`. It ends with `close()`
   * (or `break`, `signal`, or closing this object); then the CPU mask is deregistered. Needs
   * the initial user and pid namespaces (the kernel refuses others with `EINVAL`, thrown by the
   * first `next()`). `{ type: "overrun" }` reports records the kernel dropped because the
   * receive buffer was full.
   */
  monitor(options: TaskStatsMonitorOptions = {}): Subscription<TaskStatsEvent> {
    checkArgs("monitor", 1, arguments.length);
    checkKeys(options, MONITOR_OPTIONS);
    const cpus = options.cpus === undefined ? possibleCpus() : taskstatsCpuList(options.cpus);
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw new TypeError(`signal: expected an AbortSignal, got ${String(options.signal)}`);
    }
    // Checked in the namespace of the caller's thread, where the monitor's socket would be opened.
    if (isInitial() === false) {
      return new Subscription<TaskStatsEvent>(
        { poll: () => null, wait: () => Promise.resolve(), close: () => {} },
        { ready: Promise.reject(new Error(NOT_INITIAL_NETNS)) },
      );
    }
    const genl = new GenericNetlink({ rcvbuf: options.rcvbuf ?? 4 << 20 });
    let registered: GenlFamily | undefined;
    const deregister = () => {
      const fam = registered;
      if (fam === undefined || genl.socket.closed) return;
      registered = undefined;
      try {
        genl.commandNoAck(fam, "GET", { deregister_cpumask: cpus }, REQUEST);
      } catch {
        // The socket is going away; the kernel drops a listener whose socket is gone.
      }
    };
    const listen = (fam: GenlFamily) =>
      genl.monitor({
        family: fam,
        schema: TASKSTATS_MESSAGE,
        signal: options.signal,
        // Sent before monitor() returns: exits from then on are reported.
        setup: () => {
          registered = fam; // deregistering a mask never registered is harmless
          return genl.command(fam, "GET", { register_cpumask: cpus }, REQUEST);
        },
      });
    let events: Subscription<GenlEvent<typeof TASKSTATS_MESSAGE>> | undefined;
    try {
      // The family's answer is queued by the time its request is sent: resolved at once.
      const fam = this.#family ?? genl.resolveNow(this.#familyName);
      if (fam) {
        this.#family = fam;
        events = listen(fam);
      }
    } catch (e) {
      genl.close();
      throw e;
    }
    const family = () => this.family();
    async function* exits(): AsyncGenerator<TaskStatsEvent> {
      // Without an immediate answer (a kernel without the family), family() says why.
      events ??= listen(await family());
      for await (const ev of events) {
        if (ev.type === "overrun") yield { type: "overrun" };
        else if (ev.message.cmd === TASKSTATS_CMD.NEW) {
          const exit = decodeTaskExit(ev.message);
          if (exit) yield exit;
        }
      }
    }
    const active: ActiveMonitor = { stop: () => sub.close() };
    const sub: Subscription<TaskStatsEvent> = new Subscription(exits(), () => {
      this.#monitors.delete(active);
      deregister();
      events?.close();
      genl.close();
    });
    this.#monitors.add(active);
    return sub;
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
