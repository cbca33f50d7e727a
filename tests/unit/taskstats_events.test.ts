/**
 * TASKSTATS messages without a kernel: requests encoded as the kernel expects them, replies and
 * exit records (pid, and pid + tgid) decoded into TaskExit, CPU lists validated.
 */

import assert from "node:assert/strict";
import { encodeMessage, messageViewClass } from "../../netlink/mod.ts";
import {
  decodeTaskExit,
  TASKSTATS_CMD,
  TASKSTATS_MESSAGE,
  TASKSTATS_REQUEST,
  taskstatsCpuList,
  taskstatsLayout,
} from "../../taskstats/mod.ts";
import type { TaskstatsMessage } from "../../taskstats/mod.ts";
import { toHex } from "../helpers.ts";

const FAMILY_ID = 31;

/** A v16 struct taskstats with a few fields set. */
function stats(fields: Record<string, number | string>): Uint8Array {
  const { struct, size } = taskstatsLayout(16);
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, 16, true);
  for (const [name, v] of Object.entries(fields)) {
    const f = struct.fields.find((x) => x[0] === name)!;
    const off = f[2]!;
    if (typeof v === "string") b.set(new TextEncoder().encode(v), off);
    else if (f[1] === "u64") dv.setBigUint64(off, BigInt(v), true);
    else if (f[1] === "u32") dv.setUint32(off, v, true);
    else dv.setUint8(off, v);
  }
  return b;
}

function view(bytes: Uint8Array): TaskstatsMessage {
  const C = messageViewClass(TASKSTATS_MESSAGE);
  return new C(new DataView(bytes.buffer), bytes, 0, bytes.length) as TaskstatsMessage;
}

Deno.test("taskstats requests: GET with a pid, a CPU mask (NUL-terminated string)", () => {
  const get = encodeMessage(TASKSTATS_REQUEST, {
    type: FAMILY_ID,
    flags: 0,
    header: { cmd: TASKSTATS_CMD.GET, version: 1 },
    attrs: { pid: 0x1234 },
  });
  // nlmsghdr (len 28, type 31), genlmsghdr (cmd 1, version 1), TASKSTATS_CMD_ATTR_PID u32.
  assert.equal(toHex(get), "1c0000001f000000000000000000000001010000080001003412" + "0000");
  const reg = encodeMessage(TASKSTATS_REQUEST, {
    type: FAMILY_ID,
    flags: 0,
    header: { cmd: TASKSTATS_CMD.GET, version: 1 },
    attrs: { register_cpumask: "0-1" },
  });
  assert.equal(toHex(reg.subarray(20)), "080003" + "00" + "302d3100");
});

Deno.test("taskstats exit record of a single-threaded process: pid, comm, exit code", () => {
  const bytes = encodeMessage(TASKSTATS_MESSAGE, {
    type: FAMILY_ID,
    flags: 0,
    header: { cmd: TASKSTATS_CMD.NEW, version: 1 },
    attrs: {
      aggr_pid: {
        pid: 4321,
        stats: stats({
          ac_pid: 4321,
          ac_tgid: 4321,
          ac_comm: "sh",
          ac_exitcode: 7 << 8,
          ac_flag: 0x20,
          ac_utime: 1500,
          read_bytes: 4096,
        }),
      },
    },
  });
  const m = view(bytes);
  assert.equal(m.cmd, TASKSTATS_CMD.NEW);
  const e = decodeTaskExit(m)!;
  assert.equal(e.type, "exit");
  assert.equal(e.pid, 4321);
  assert.equal(e.stats.ac_comm, "sh");
  assert.equal(e.stats.ac_utime, 1500);
  assert.equal(e.stats.read_bytes, 4096);
  assert.equal(e.exitCode, 7);
  assert.equal(e.signal, undefined);
  assert.equal(e.groupExit, true);
  assert.equal(e.tgid, undefined);
});

Deno.test("taskstats exit record ending a thread group: pid and tgid statistics", () => {
  const bytes = encodeMessage(TASKSTATS_MESSAGE, {
    type: FAMILY_ID,
    flags: 0,
    header: { cmd: TASKSTATS_CMD.NEW, version: 1 },
    attrs: {
      aggr_pid: {
        pid: 101,
        stats: stats({ ac_pid: 101, ac_tgid: 100, ac_exitcode: 9, ac_comm: "worker" }),
      },
      aggr_tgid: { tgid: 100, stats: stats({ ac_utime: 999, cpu_run_real_total: 5e9 }) },
    },
  });
  const e = decodeTaskExit(view(bytes))!;
  assert.equal(e.pid, 101);
  assert.equal(e.tgid, 100);
  assert.equal(e.tgidStats?.ac_utime, 999);
  assert.equal(e.tgidStats?.cpu_run_real_total, 5e9);
  assert.equal(e.groupExit, true);
  // Not the leader: the kernel's ac_exitcode is only meaningful for leaders.
  assert.equal(e.exitCode, undefined);
  assert.equal(e.signal, undefined);
});

Deno.test("taskstats exit record of a killed leader: signal and core dump", () => {
  const bytes = encodeMessage(TASKSTATS_MESSAGE, {
    type: FAMILY_ID,
    flags: 0,
    header: { cmd: TASKSTATS_CMD.NEW, version: 1 },
    attrs: { aggr_pid: { pid: 7, stats: stats({ ac_pid: 7, ac_tgid: 7, ac_exitcode: 0x8b }) } },
  });
  const e = decodeTaskExit(view(bytes))!;
  assert.equal(e.signal, 11);
  assert.equal(e.coreDumped, true);
  assert.equal(e.exitCode, undefined);
});

Deno.test("taskstats: a message without AGGR_PID is no exit", () => {
  const bytes = encodeMessage(TASKSTATS_MESSAGE, {
    type: FAMILY_ID,
    flags: 0,
    header: { cmd: TASKSTATS_CMD.NEW, version: 1 },
    attrs: { pid: 5 },
  });
  assert.equal(decodeTaskExit(view(bytes)), undefined);
});

Deno.test("taskstats: CPU lists are validated before anything is sent", () => {
  assert.equal(taskstatsCpuList("0-1"), "0-1");
  assert.equal(taskstatsCpuList("0-3,8,10-15:2/4"), "0-3,8,10-15:2/4");
  assert.equal(taskstatsCpuList([0, 2, 3]), "0,2,3");
  assert.throws(() => taskstatsCpuList("all"), /cpus: expected a CPU list/);
  assert.throws(() => taskstatsCpuList(""), TypeError);
  assert.throws(() => taskstatsCpuList([]), TypeError);
  assert.throws(() => taskstatsCpuList([1, -1]), /cpus\[1\]/);
  assert.throws(() => taskstatsCpuList(3 as unknown as string), TypeError);
});
