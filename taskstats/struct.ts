/**
 * `struct taskstats` (linux/taskstats.h), decoded by its version.
 *
 * The struct only grows at its end, except twice: version 4 added `aligned(8)` to `ac_uid` and
 * `ac_etime` (moving every field from `ac_uid` on by 8 bytes on 64-bit kernels), and version 15
 * inserted `*_delay_max`/`*_delay_min` after each delay pair, which version 16 moved to the end.
 * So a record is decoded with the layout of its own version, and only the fields that version
 * has; bytes past the layout this library knows (a newer kernel's fields) are kept in `extra`.
 *
 * 64-bit counters are JavaScript numbers, as everywhere in this library: exact below 2^53
 * (104 days of nanoseconds, 285 years of microseconds). {@link taskstatsBigInt} reads one exactly
 * from the record's raw bytes.
 *
 * @module
 */

import { DecodeError, decodeStruct, fieldSize } from "../netlink/mod.ts";
import type { FieldCodec, StructCodec, StructField } from "../netlink/mod.ts";

/** The highest struct version whose every field this library decodes. */
export const TASKSTATS_KNOWN_VERSION = 16;

/**
 * Every field of `struct taskstats` up to version 16: name (as in the header), codec, the
 * version that added it, and its byte offset in each layout the kernel has used (null: not in
 * that layout). Columns: `[name, codec, since, v4+ (and v16), v1, v2–3, v15]`. The v2–3 layout
 * is that of 64-bit kernels before the `aligned(8)` fix. Padding (`padding[3]` of v1, `ac_pad`)
 * is left out.
 */
export const TASKSTATS_FIELDS = [
  ["version", "u16", 1, 0, 0, 0, 0],
  ["ac_exitcode", "u32", 2, 4, null, 4, 4],
  ["ac_flag", "u8", 2, 8, null, 8, 8],
  // __u8 in the header holding task_nice() (-20…19): decoded signed.
  ["ac_nice", "s8", 2, 9, null, 9, 9],
  ["cpu_count", "u64", 1, 16, 8, 16, 16],
  ["cpu_delay_total", "u64", 1, 24, 16, 24, 24],
  ["blkio_count", "u64", 1, 32, 24, 32, 48],
  ["blkio_delay_total", "u64", 1, 40, 32, 40, 56],
  ["swapin_count", "u64", 1, 48, 40, 48, 80],
  ["swapin_delay_total", "u64", 1, 56, 48, 56, 88],
  ["cpu_run_real_total", "u64", 1, 64, 56, 64, 112],
  ["cpu_run_virtual_total", "u64", 1, 72, 64, 72, 120],
  ["ac_comm", "char[32]", 2, 80, null, 80, 128],
  ["ac_sched", "u8", 2, 112, null, 112, 160],
  ["ac_uid", "u32", 2, 120, null, 116, 168],
  ["ac_gid", "u32", 2, 124, null, 120, 172],
  ["ac_pid", "u32", 2, 128, null, 124, 176],
  ["ac_ppid", "u32", 2, 132, null, 128, 180],
  ["ac_btime", "u32", 2, 136, null, 132, 184],
  ["ac_etime", "u64", 2, 144, null, 136, 192],
  ["ac_utime", "u64", 2, 152, null, 144, 200],
  ["ac_stime", "u64", 2, 160, null, 152, 208],
  ["ac_minflt", "u64", 2, 168, null, 160, 216],
  ["ac_majflt", "u64", 2, 176, null, 168, 224],
  ["coremem", "u64", 2, 184, null, 176, 232],
  ["virtmem", "u64", 2, 192, null, 184, 240],
  ["hiwater_rss", "u64", 2, 200, null, 192, 248],
  ["hiwater_vm", "u64", 2, 208, null, 200, 256],
  ["read_char", "u64", 2, 216, null, 208, 264],
  ["write_char", "u64", 2, 224, null, 216, 272],
  ["read_syscalls", "u64", 2, 232, null, 224, 280],
  ["write_syscalls", "u64", 2, 240, null, 232, 288],
  ["read_bytes", "u64", 3, 248, null, 240, 296],
  ["write_bytes", "u64", 3, 256, null, 248, 304],
  ["cancelled_write_bytes", "u64", 3, 264, null, 256, 312],
  ["nvcsw", "u64", 5, 272, null, null, 320],
  ["nivcsw", "u64", 5, 280, null, null, 328],
  ["ac_utimescaled", "u64", 6, 288, null, null, 336],
  ["ac_stimescaled", "u64", 6, 296, null, null, 344],
  ["cpu_scaled_run_real_total", "u64", 6, 304, null, null, 352],
  ["freepages_count", "u64", 7, 312, null, null, 360],
  ["freepages_delay_total", "u64", 7, 320, null, null, 368],
  ["thrashing_count", "u64", 9, 328, null, null, 392],
  ["thrashing_delay_total", "u64", 9, 336, null, null, 400],
  ["ac_btime64", "u64", 10, 344, null, null, 424],
  ["compact_count", "u64", 11, 352, null, null, 432],
  ["compact_delay_total", "u64", 11, 360, null, null, 440],
  ["ac_tgid", "u32", 12, 368, null, null, 464],
  ["ac_tgetime", "u64", 12, 376, null, null, 472],
  ["ac_exe_dev", "u64", 12, 384, null, null, 480],
  ["ac_exe_inode", "u64", 12, 392, null, null, 488],
  ["wpcopy_count", "u64", 13, 400, null, null, 496],
  ["wpcopy_delay_total", "u64", 13, 408, null, null, 504],
  ["irq_count", "u64", 14, 416, null, null, 528],
  ["irq_delay_total", "u64", 14, 424, null, null, 536],
  ["cpu_delay_max", "u64", 15, 432, null, null, 32],
  ["cpu_delay_min", "u64", 15, 440, null, null, 40],
  ["blkio_delay_max", "u64", 15, 448, null, null, 64],
  ["blkio_delay_min", "u64", 15, 456, null, null, 72],
  ["swapin_delay_max", "u64", 15, 464, null, null, 96],
  ["swapin_delay_min", "u64", 15, 472, null, null, 104],
  ["freepages_delay_max", "u64", 15, 480, null, null, 376],
  ["freepages_delay_min", "u64", 15, 488, null, null, 384],
  ["thrashing_delay_max", "u64", 15, 496, null, null, 408],
  ["thrashing_delay_min", "u64", 15, 504, null, null, 416],
  ["compact_delay_max", "u64", 15, 512, null, null, 448],
  ["compact_delay_min", "u64", 15, 520, null, null, 456],
  ["wpcopy_delay_max", "u64", 15, 528, null, null, 512],
  ["wpcopy_delay_min", "u64", 15, 536, null, null, 520],
  ["irq_delay_max", "u64", 15, 544, null, null, 544],
  ["irq_delay_min", "u64", 15, 552, null, null, 552],
] as const;

/** `ac_flag` bits (linux/acct.h). */
export const ACCT_FLAG = {
  /** Forked but did not exec. */
  AFORK: 0x01,
  /** Used superuser privileges. */
  ASU: 0x02,
  /** Used compatibility mode (VAX only). */
  ACOMPAT: 0x04,
  /** Dumped core. */
  ACORE: 0x08,
  /** Killed by a signal. */
  AXSIG: 0x10,
  /** The last task of its thread group: the whole process ended (since version 12). */
  AGROUP: 0x20,
} as const;

/**
 * The fields of `struct taskstats` up to version 16, named as in linux/taskstats.h, with their
 * units. Delay fields (`*_count`, `*_delay_*`) other than the CPU ones need delay accounting
 * switched on (`sysctl kernel.task_delayacct=1` or the `delayacct` boot option).
 */
export interface TaskstatsFields {
  /** The struct's version (the running kernel's `TASKSTATS_VERSION`). */
  version: number;
  /**
   * Exit status as a wait status (`code << 8`, or the signal number, `| 0x80` with a core
   * dump); set for thread-group leaders that exited, else 0. See {@link decodeExitStatus}. (v2)
   */
  ac_exitcode: number;
  /** Accounting flags, {@link ACCT_FLAG} bits. (v2) */
  ac_flag: number;
  /** Nice value, -20…19. (v2) */
  ac_nice: number;
  /** Times the task ran on a CPU after waiting for it (`sched_info.pcount`). (v1) */
  cpu_count: number;
  /** Time spent runnable but waiting for a CPU, in nanoseconds. (v1) */
  cpu_delay_total: number;
  /** Synchronous block I/O waits, a count. (v1) */
  blkio_count: number;
  /** Time waiting for synchronous block I/O, in nanoseconds. (v1) */
  blkio_delay_total: number;
  /** Swap-in page fault waits, a count. (v1) */
  swapin_count: number;
  /** Time waiting for swap-in, in nanoseconds. (v1) */
  swapin_delay_total: number;
  /** CPU time (user + system), in nanoseconds. (v1) */
  cpu_run_real_total: number;
  /** CPU time as the scheduler counts it (`sum_exec_runtime`), in nanoseconds. (v1) */
  cpu_run_virtual_total: number;
  /** Command name (at most 15 characters). (v2) */
  ac_comm: string;
  /** Scheduling policy (`SCHED_*`). (v2) */
  ac_sched: number;
  /** User id. (v2) */
  ac_uid: number;
  /** Group id. (v2) */
  ac_gid: number;
  /** Process (task) id. (v2) */
  ac_pid: number;
  /** Parent process id. (v2) */
  ac_ppid: number;
  /** Start time, in seconds since 1970 (32-bit; see `ac_btime64`). (v2) */
  ac_btime: number;
  /** Elapsed time since the start, in microseconds. (v2) */
  ac_etime: number;
  /** User CPU time, in microseconds. (v2) */
  ac_utime: number;
  /** System CPU time, in microseconds. (v2) */
  ac_stime: number;
  /** Minor page faults, a count. (v2) */
  ac_minflt: number;
  /** Major page faults, a count. (v2) */
  ac_majflt: number;
  /** Accumulated RSS × system time, in megabyte-microseconds. (v2) */
  coremem: number;
  /** Accumulated virtual memory × system time, in megabyte-microseconds. (v2) */
  virtmem: number;
  /** Highest RSS, in kilobytes. (v2) */
  hiwater_rss: number;
  /** Highest virtual memory size, in kilobytes. (v2) */
  hiwater_vm: number;
  /** Bytes read through read-like system calls (the kernel rounds down to 1024). (v2) */
  read_char: number;
  /** Bytes written through write-like system calls (rounded down to 1024). (v2) */
  write_char: number;
  /** Read system calls, a count (rounded down to a multiple of 1024 by the kernel). (v2) */
  read_syscalls: number;
  /** Write system calls, a count (rounded down to a multiple of 1024). (v2) */
  write_syscalls: number;
  /** Bytes read from storage (rounded down to 1024). (v3) */
  read_bytes: number;
  /** Bytes written to storage, counted when pages are dirtied (rounded down to 1024). (v3) */
  write_bytes: number;
  /** Dirtied bytes whose write was cancelled by truncation (rounded down to 1024). (v3) */
  cancelled_write_bytes: number;
  /** Voluntary context switches, a count. (v5) */
  nvcsw: number;
  /** Involuntary context switches, a count. (v5) */
  nivcsw: number;
  /** User CPU time scaled by CPU frequency, in microseconds. (v6) */
  ac_utimescaled: number;
  /** System CPU time scaled by CPU frequency, in microseconds. (v6) */
  ac_stimescaled: number;
  /** `cpu_run_real_total` scaled by CPU frequency, in nanoseconds. (v6) */
  cpu_scaled_run_real_total: number;
  /** Memory reclaim waits, a count. (v7) */
  freepages_count: number;
  /** Time waiting for memory reclaim, in nanoseconds. (v7) */
  freepages_delay_total: number;
  /** Thrashing page waits, a count. (v9) */
  thrashing_count: number;
  /** Time waiting on thrashing pages, in nanoseconds. (v9) */
  thrashing_delay_total: number;
  /** Start time, in seconds since 1970 (64-bit). (v10) */
  ac_btime64: number;
  /** Memory compaction waits, a count. (v11) */
  compact_count: number;
  /** Time waiting for memory compaction, in nanoseconds. (v11) */
  compact_delay_total: number;
  /** Thread group id. (v12) */
  ac_tgid: number;
  /** Elapsed time of the thread group, in microseconds. (v12) */
  ac_tgetime: number;
  /** Device of the executable (the kernel's `new_encode_dev` form; 0 for kernel threads). (v12) */
  ac_exe_dev: number;
  /** Inode of the executable (0 for kernel threads). (v12) */
  ac_exe_inode: number;
  /** Write-protect copy waits, a count. (v13) */
  wpcopy_count: number;
  /** Time waiting for write-protect copies, in nanoseconds. (v13) */
  wpcopy_delay_total: number;
  /** IRQ/softirq delays, a count. (v14) */
  irq_count: number;
  /** Time stolen by IRQ/softirq, in nanoseconds. (v14) */
  irq_delay_total: number;
  /** Longest wait for a CPU, in nanoseconds. (v15) */
  cpu_delay_max: number;
  /** Shortest wait for a CPU, in nanoseconds. (v15) */
  cpu_delay_min: number;
  /** Longest block I/O wait, in nanoseconds. (v15) */
  blkio_delay_max: number;
  /** Shortest block I/O wait, in nanoseconds. (v15) */
  blkio_delay_min: number;
  /** Longest swap-in wait, in nanoseconds. (v15) */
  swapin_delay_max: number;
  /** Shortest swap-in wait, in nanoseconds. (v15) */
  swapin_delay_min: number;
  /** Longest memory reclaim wait, in nanoseconds. (v15) */
  freepages_delay_max: number;
  /** Shortest memory reclaim wait, in nanoseconds. (v15) */
  freepages_delay_min: number;
  /** Longest thrashing wait, in nanoseconds. (v15) */
  thrashing_delay_max: number;
  /** Shortest thrashing wait, in nanoseconds. (v15) */
  thrashing_delay_min: number;
  /** Longest compaction wait, in nanoseconds. (v15) */
  compact_delay_max: number;
  /** Shortest compaction wait, in nanoseconds. (v15) */
  compact_delay_min: number;
  /** Longest write-protect copy wait, in nanoseconds. (v15) */
  wpcopy_delay_max: number;
  /** Shortest write-protect copy wait, in nanoseconds. (v15) */
  wpcopy_delay_min: number;
  /** Longest IRQ delay, in nanoseconds. (v15) */
  irq_delay_max: number;
  /** Shortest IRQ delay, in nanoseconds. (v15) */
  irq_delay_min: number;
}

/**
 * A decoded `struct taskstats`: the fields its version has (older versions lack the later
 * ones, which are then absent), `extra` (the bytes past the layout this library knows: fields
 * of a newer kernel, empty otherwise) and `raw` (the whole struct, not enumerable).
 */
export type TaskstatsRecord = Partial<TaskstatsFields> & {
  /** The struct's version. */
  version: number;
  /** Bytes after the known layout of this version (a newer kernel's fields), else empty. */
  extra: Uint8Array;
  /** The struct's bytes as received (a copy); not enumerable. */
  readonly raw: Uint8Array;
};

/** A field name of `struct taskstats`. */
export type TaskstatsField = keyof TaskstatsFields;

const COLUMN = { v4: 3, v1: 4, v2: 5, v15: 6 } as const;

/** The layout of one version: its fields with their offsets, and its size. */
export interface TaskstatsLayout {
  /** The struct codec of the fields this version has. */
  readonly struct: StructCodec;
  /** The size of the known layout in bytes (the kernel's `sizeof(struct taskstats)`). */
  readonly size: number;
}

const layouts = new Map<number, TaskstatsLayout>();

/** The layout `struct taskstats` has in `version` (versions above 16 use 16's, plus extra bytes). */
export function taskstatsLayout(version: number): TaskstatsLayout {
  if (!Number.isInteger(version) || version < 1 || version > 0xffff) {
    throw new RangeError(`version: expected a struct taskstats version 1-65535, got ${version}`);
  }
  // Every version above the last known one has its layout (plus fields unknown here).
  const key = Math.min(version, TASKSTATS_KNOWN_VERSION);
  let hit = layouts.get(key);
  if (hit) return hit;
  const col = key === 1 ? COLUMN.v1 : key <= 3 ? COLUMN.v2 : key === 15 ? COLUMN.v15 : COLUMN.v4;
  const fields: StructField[] = [];
  let end = 0;
  for (const row of TASKSTATS_FIELDS) {
    const offset = row[col];
    if (row[2] > key || offset === null) continue;
    const codec = row[1] as FieldCodec;
    fields.push([row[0], codec, offset]);
    end = Math.max(end, offset + fieldSize(codec));
  }
  fields.sort((a, b) => a[2]! - b[2]!);
  // sizeof rounds up to the struct's alignment (8, from its 64-bit members).
  hit = { struct: { kind: "struct", fields, size: (end + 7) & ~7 }, size: (end + 7) & ~7 };
  layouts.set(key, hit);
  return hit;
}

/**
 * Decodes a `struct taskstats` (the payload of `TASKSTATS_TYPE_STATS`) with the layout of the
 * version it carries. Throws {@link DecodeError} when it is too short to hold its version.
 */
export function decodeTaskstats(bytes: Uint8Array): TaskstatsRecord {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError("bytes: expected the struct taskstats bytes (Uint8Array)");
  }
  if (bytes.byteLength < 2) {
    throw new DecodeError(`struct taskstats of ${bytes.byteLength} bytes: no version`);
  }
  const raw = bytes.slice();
  const dv = new DataView(raw.buffer);
  const version = dv.getUint16(0, true);
  if (version === 0) throw new DecodeError("struct taskstats with version 0");
  const { struct, size } = taskstatsLayout(version);
  const out = decodeStruct(dv, raw, struct, 0, raw.byteLength) as TaskstatsRecord;
  out.extra = raw.subarray(Math.min(size, raw.byteLength));
  Object.defineProperty(out, "raw", { value: raw, enumerable: false });
  return out;
}

/**
 * Reads a 64-bit field of a record exactly, as a bigint (the record's numbers are exact only
 * below 2^53). Undefined when the record's version lacks the field.
 */
export function taskstatsBigInt(
  record: TaskstatsRecord,
  field: TaskstatsField,
): bigint | undefined {
  const f = taskstatsLayout(record.version).struct.fields.find((x) => x[0] === field);
  if (!f || f[1] !== "u64" || f[2]! + 8 > record.raw.byteLength) return undefined;
  return new DataView(record.raw.buffer, record.raw.byteOffset).getBigUint64(f[2]!, true);
}

/** How a task ended, from `ac_exitcode` (a wait status). */
export interface TaskExitStatus {
  /** The exit code (0–255) when it exited normally. */
  code?: number;
  /** The signal that killed it. */
  signal?: number;
  /** Whether it dumped core. */
  coreDumped: boolean;
}

/** Splits a wait status (`ac_exitcode`) into exit code, or signal and core flag. */
export function decodeExitStatus(acExitcode: number): TaskExitStatus {
  const sig = acExitcode & 0x7f;
  if (sig === 0) return { code: (acExitcode >> 8) & 0xff, coreDumped: false };
  return { signal: sig, coreDumped: (acExitcode & 0x80) !== 0 };
}
