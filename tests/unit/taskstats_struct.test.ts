/**
 * struct taskstats decoding against golden bytes built from the uapi layout of every version
 * (1–16, and a future 17 with unknown trailing bytes), laid out here independently with C's
 * alignment rules and checked against gcc's offsets for the v13 header.
 */

import assert from "node:assert/strict";
import {
  decodeExitStatus,
  decodeTaskstats,
  TASKSTATS_FIELDS,
  TASKSTATS_KNOWN_VERSION,
  taskstatsBigInt,
  taskstatsLayout,
} from "../../taskstats/mod.ts";
import type { TaskstatsFields } from "../../taskstats/mod.ts";
import { DecodeError } from "../../netlink/mod.ts";

// ---------------------------------------------------------------------------------------------
// The uapi header, as declarations. `@8` is `__attribute__((aligned(8)))`.

/** Version 1 (2.6.18): version, padding, the delay fields. */
const V1 = `u16 version; u16 padding[3];
  u64 cpu_count; u64 cpu_delay_total; u64 blkio_count; u64 blkio_delay_total;
  u64 swapin_count; u64 swapin_delay_total; u64 cpu_run_real_total; u64 cpu_run_virtual_total;`;

/** The fields of versions 2 and 3 (basic and extended accounting, then I/O), without aligned(8). */
const V2 = `u16 version; u32 ac_exitcode; u8 ac_flag; u8 ac_nice;
  u64 cpu_count; u64 cpu_delay_total; u64 blkio_count; u64 blkio_delay_total;
  u64 swapin_count; u64 swapin_delay_total; u64 cpu_run_real_total; u64 cpu_run_virtual_total;
  char ac_comm[32]; u8 ac_sched; u8 ac_pad[3]; u32 ac_uid; u32 ac_gid; u32 ac_pid; u32 ac_ppid;
  u32 ac_btime; u64 ac_etime; u64 ac_utime; u64 ac_stime; u64 ac_minflt; u64 ac_majflt;
  u64 coremem; u64 virtmem; u64 hiwater_rss; u64 hiwater_vm;
  u64 read_char; u64 write_char; u64 read_syscalls; u64 write_syscalls;`;
const V3_ADDS = `u64 read_bytes; u64 write_bytes; u64 cancelled_write_bytes;`;

/** Version 4 on: aligned(8) members, then one block per version. */
const ALIGNED: [number, string][] = [
  [
    4,
    `u16 version; u32 ac_exitcode; u8 ac_flag; u8 ac_nice;
  u64 cpu_count@8; u64 cpu_delay_total; u64 blkio_count; u64 blkio_delay_total;
  u64 swapin_count; u64 swapin_delay_total; u64 cpu_run_real_total; u64 cpu_run_virtual_total;
  char ac_comm[32]; u8 ac_sched@8; u8 ac_pad[3]; u32 ac_uid@8; u32 ac_gid; u32 ac_pid; u32 ac_ppid;
  u32 ac_btime; u64 ac_etime@8; u64 ac_utime; u64 ac_stime; u64 ac_minflt; u64 ac_majflt;
  u64 coremem; u64 virtmem; u64 hiwater_rss; u64 hiwater_vm;
  u64 read_char; u64 write_char; u64 read_syscalls; u64 write_syscalls;
  u64 read_bytes; u64 write_bytes; u64 cancelled_write_bytes;`,
  ],
  [5, `u64 nvcsw; u64 nivcsw;`],
  [6, `u64 ac_utimescaled; u64 ac_stimescaled; u64 cpu_scaled_run_real_total;`],
  [7, `u64 freepages_count; u64 freepages_delay_total;`],
  [9, `u64 thrashing_count; u64 thrashing_delay_total;`],
  [10, `u64 ac_btime64;`],
  [11, `u64 compact_count; u64 compact_delay_total;`],
  [12, `u32 ac_tgid; u64 ac_tgetime@8; u64 ac_exe_dev; u64 ac_exe_inode;`],
  [13, `u64 wpcopy_count; u64 wpcopy_delay_total;`],
  [14, `u64 irq_count; u64 irq_delay_total;`],
  [
    16,
    `u64 cpu_delay_max; u64 cpu_delay_min; u64 blkio_delay_max; u64 blkio_delay_min;
  u64 swapin_delay_max; u64 swapin_delay_min; u64 freepages_delay_max; u64 freepages_delay_min;
  u64 thrashing_delay_max; u64 thrashing_delay_min; u64 compact_delay_max; u64 compact_delay_min;
  u64 wpcopy_delay_max; u64 wpcopy_delay_min; u64 irq_delay_max; u64 irq_delay_min;`,
  ],
];

/** Version 15: each delay pair followed by its max and min (moved to the end in 16). */
const V15 = `u16 version; u32 ac_exitcode; u8 ac_flag; u8 ac_nice;
  u64 cpu_count@8; u64 cpu_delay_total; u64 cpu_delay_max; u64 cpu_delay_min;
  u64 blkio_count; u64 blkio_delay_total; u64 blkio_delay_max; u64 blkio_delay_min;
  u64 swapin_count; u64 swapin_delay_total; u64 swapin_delay_max; u64 swapin_delay_min;
  u64 cpu_run_real_total; u64 cpu_run_virtual_total;
  char ac_comm[32]; u8 ac_sched@8; u8 ac_pad[3]; u32 ac_uid@8; u32 ac_gid; u32 ac_pid; u32 ac_ppid;
  u32 ac_btime; u64 ac_etime@8; u64 ac_utime; u64 ac_stime; u64 ac_minflt; u64 ac_majflt;
  u64 coremem; u64 virtmem; u64 hiwater_rss; u64 hiwater_vm;
  u64 read_char; u64 write_char; u64 read_syscalls; u64 write_syscalls;
  u64 read_bytes; u64 write_bytes; u64 cancelled_write_bytes; u64 nvcsw; u64 nivcsw;
  u64 ac_utimescaled; u64 ac_stimescaled; u64 cpu_scaled_run_real_total;
  u64 freepages_count; u64 freepages_delay_total; u64 freepages_delay_max; u64 freepages_delay_min;
  u64 thrashing_count; u64 thrashing_delay_total; u64 thrashing_delay_max; u64 thrashing_delay_min;
  u64 ac_btime64;
  u64 compact_count; u64 compact_delay_total; u64 compact_delay_max; u64 compact_delay_min;
  u32 ac_tgid; u64 ac_tgetime@8; u64 ac_exe_dev; u64 ac_exe_inode;
  u64 wpcopy_count; u64 wpcopy_delay_total; u64 wpcopy_delay_max; u64 wpcopy_delay_min;
  u64 irq_count; u64 irq_delay_total; u64 irq_delay_max; u64 irq_delay_min;`;

/** Offsets gcc gives for /usr/include/linux/taskstats.h (version 13) on x86_64. */
const GCC_V13 =
  "version 0;ac_exitcode 4;ac_flag 8;ac_nice 9;cpu_count 16;cpu_delay_total 24;blkio_count 32;" +
  "blkio_delay_total 40;swapin_count 48;swapin_delay_total 56;cpu_run_real_total 64;" +
  "cpu_run_virtual_total 72;ac_comm 80;ac_sched 112;ac_pad 113;ac_uid 120;ac_gid 124;ac_pid 128;" +
  "ac_ppid 132;ac_btime 136;ac_etime 144;ac_utime 152;ac_stime 160;ac_minflt 168;ac_majflt 176;" +
  "coremem 184;virtmem 192;hiwater_rss 200;hiwater_vm 208;read_char 216;write_char 224;" +
  "read_syscalls 232;write_syscalls 240;read_bytes 248;write_bytes 256;" +
  "cancelled_write_bytes 264;nvcsw 272;nivcsw 280;ac_utimescaled 288;ac_stimescaled 296;" +
  "cpu_scaled_run_real_total 304;freepages_count 312;freepages_delay_total 320;" +
  "thrashing_count 328;thrashing_delay_total 336;ac_btime64 344;compact_count 352;" +
  "compact_delay_total 360;ac_tgid 368;ac_tgetime 376;ac_exe_dev 384;ac_exe_inode 392;" +
  "wpcopy_count 400;wpcopy_delay_total 408;size 416";

interface CField {
  name: string;
  type: "u8" | "u16" | "u32" | "u64" | "char" | "s8";
  count: number;
  offset: number;
  size: number;
}

/** Lays out declarations as a C compiler does for x86_64 (natural alignment, aligned(8)). */
function layoutC(decl: string): { fields: CField[]; size: number } {
  const fields: CField[] = [];
  let off = 0;
  let maxAlign = 1;
  for (const d of decl.split(";").map((s) => s.trim()).filter(Boolean)) {
    const m = /^(u8|u16|u32|u64|char) (\w+)(?:\[(\d+)\])?(@8)?$/.exec(d);
    if (!m) throw new Error(`bad declaration ${d}`);
    const type = m[1] as CField["type"];
    const count = m[3] ? Number(m[3]) : 1;
    const unit = { u8: 1, char: 1, u16: 2, u32: 4, u64: 8 }[type as "u8"];
    const align = m[4] ? 8 : unit;
    maxAlign = Math.max(maxAlign, align);
    off = Math.ceil(off / align) * align;
    fields.push({ name: m[2], type, count, offset: off, size: unit * count });
    off += unit * count;
  }
  return { fields, size: Math.ceil(off / maxAlign) * maxAlign };
}

/** The declarations of `struct taskstats` in `version` (17: 16's, the rest unknown). */
function declFor(version: number): string {
  if (version === 1) return V1;
  if (version === 2) return V2;
  if (version === 3) return V2 + V3_ADDS;
  if (version === 15) return V15;
  return ALIGNED.filter(([v]) => v <= version).map(([, d]) => d).join(" ");
}

/** Golden bytes: every field a distinct value; returns the bytes and the expected decoding. */
function golden(version: number, trailing = 0): {
  bytes: Uint8Array;
  expected: Record<string, unknown>;
} {
  const { fields, size } = layoutC(declFor(version));
  const bytes = new Uint8Array(size + trailing).fill(0xab, size);
  const dv = new DataView(bytes.buffer);
  const expected: Record<string, unknown> = {};
  fields.forEach((f, i) => {
    if (f.name === "version") {
      dv.setUint16(f.offset, version, true);
      expected.version = version;
    } else if (f.name === "padding" || f.name === "ac_pad") {
      bytes.fill(0xee, f.offset, f.offset + f.size); // never decoded
    } else if (f.name === "ac_nice") {
      dv.setUint8(f.offset, 0xec); // task_nice() -20 stored in a __u8
      expected.ac_nice = -20;
    } else if (f.type === "char") {
      const comm = `comm-v${version}`;
      bytes.set(new TextEncoder().encode(comm), f.offset);
      expected[f.name] = comm;
    } else if (f.type === "u64") {
      // High bits set, below 2^53 so the number is exact.
      const v = (i + 1) * 2 ** 40 + i * 0x10001;
      dv.setBigUint64(f.offset, BigInt(v), true);
      expected[f.name] = v;
    } else if (f.type === "u32") {
      const v = (0x01000000 * (i % 200) + i) >>> 0;
      dv.setUint32(f.offset, v, true);
      expected[f.name] = v;
    } else if (f.type === "u16") {
      dv.setUint16(f.offset, 0x100 + i, true);
      expected[f.name] = 0x100 + i;
    } else {
      dv.setUint8(f.offset, i);
      expected[f.name] = i;
    }
  });
  return { bytes, expected };
}

Deno.test("taskstats golden: the C layout here agrees with gcc for the v13 header", () => {
  const { fields, size } = layoutC(declFor(13));
  const got = fields.map((f) => `${f.name} ${f.offset}`).join(";") + `;size ${size}`;
  assert.equal(got, GCC_V13);
});

for (let version = 1; version <= 17; version++) {
  Deno.test(`taskstats golden: version ${version} decodes field by field`, () => {
    const trailing = version > TASKSTATS_KNOWN_VERSION ? 128 : 0;
    const { bytes, expected } = golden(version, trailing);
    const rec = decodeTaskstats(bytes);
    const { extra, ...fields } = rec;
    assert.deepEqual(fields, expected);
    assert.equal(extra.length, trailing);
    assert.ok(extra.every((b) => b === 0xab));
    assert.equal(rec.raw.length, bytes.length);
    assert.ok(!Object.keys(rec).includes("raw"), "raw is not enumerable");
    if (version <= TASKSTATS_KNOWN_VERSION) {
      assert.equal(taskstatsLayout(version).size, bytes.length, "sizeof");
    }
  });
}

Deno.test("taskstats golden: the library's offset table matches the C layouts", () => {
  for (let version = 1; version <= TASKSTATS_KNOWN_VERSION; version++) {
    const c = new Map(layoutC(declFor(version)).fields.map((f) => [f.name, f.offset]));
    for (const [name, , offset] of taskstatsLayout(version).struct.fields) {
      assert.equal(offset, c.get(name), `v${version} ${name}`);
    }
  }
});

Deno.test("taskstats: the field table and the TaskstatsFields type name the same fields", () => {
  type TableNames = (typeof TASKSTATS_FIELDS)[number][0];
  const same: [TableNames] extends [keyof TaskstatsFields]
    ? [keyof TaskstatsFields] extends [TableNames] ? true : false
    : false = true;
  assert.ok(same);
  const names = TASKSTATS_FIELDS.map((f) => f[0]);
  assert.equal(new Set(names).size, names.length, "no duplicates");
  const v16 = layoutC(declFor(16)).fields.map((f) => f.name).filter((n) => n !== "ac_pad");
  assert.deepEqual([...names].sort(), [...v16].sort(), "every v16 header field");
});

Deno.test("taskstats: a struct cut short keeps the fields that fit", () => {
  const { bytes, expected } = golden(16);
  const rec = decodeTaskstats(bytes.subarray(0, 300));
  assert.equal(rec.ac_pid, expected.ac_pid);
  assert.equal(rec.nvcsw, expected.nvcsw, "ends at 280");
  assert.equal(rec.ac_utimescaled, expected.ac_utimescaled, "ends at 296");
  assert.equal(rec.cpu_scaled_run_real_total, undefined);
  assert.equal(rec.irq_delay_min, undefined);
  assert.equal(rec.extra.length, 0);
});

Deno.test("taskstats: malformed structs are DecodeErrors, bad input TypeErrors", () => {
  assert.throws(() => decodeTaskstats(new Uint8Array(1)), DecodeError);
  assert.throws(() => decodeTaskstats(new Uint8Array(16)), DecodeError, "version 0");
  assert.throws(() => decodeTaskstats("x" as unknown as Uint8Array), TypeError);
  assert.throws(() => taskstatsLayout(0), RangeError);
});

Deno.test("taskstats: 64-bit counters exactly as bigint", () => {
  const { bytes } = golden(16);
  const off = taskstatsLayout(16).struct.fields.find((f) => f[0] === "cpu_delay_total")![2]!;
  new DataView(bytes.buffer).setBigUint64(off, 2n ** 60n + 1n, true);
  const rec = decodeTaskstats(bytes);
  assert.equal(rec.cpu_delay_total, 2 ** 60);
  assert.equal(taskstatsBigInt(rec, "cpu_delay_total"), 2n ** 60n + 1n);
  assert.equal(taskstatsBigInt(rec, "ac_pid"), undefined, "not a u64");
  assert.equal(taskstatsBigInt(decodeTaskstats(golden(1).bytes), "ac_utime"), undefined);
});

Deno.test("taskstats: exit status from ac_exitcode", () => {
  assert.deepEqual(decodeExitStatus(7 << 8), { code: 7, coreDumped: false });
  assert.deepEqual(decodeExitStatus(0), { code: 0, coreDumped: false });
  assert.deepEqual(decodeExitStatus(15), { signal: 15, coreDumped: false });
  assert.deepEqual(decodeExitStatus(11 | 0x80), { signal: 11, coreDumped: true });
});

Deno.test("taskstats fuzz: random and mutated structs decode or throw DecodeError", () => {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 5_000; i++) {
    let bytes: Uint8Array;
    if (i % 2) {
      bytes = Uint8Array.from({ length: Math.floor(rand() * 700) }, () => rand() * 256);
    } else {
      const g = golden(1 + Math.floor(rand() * 17)).bytes;
      bytes = g.subarray(0, Math.floor(rand() * (g.length + 1))).slice();
      for (let k = 0; k < 4 && bytes.length; k++) {
        bytes[Math.floor(rand() * bytes.length)] = rand() * 256;
      }
    }
    try {
      const r = decodeTaskstats(bytes);
      assert.equal(typeof r.version, "number");
      assert.ok(r.extra.length <= bytes.length);
    } catch (e) {
      assert.ok(e instanceof DecodeError, String(e));
    }
  }
});
