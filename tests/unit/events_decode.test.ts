/**
 * Event decoders without a kernel: proc connector datagrams (captured: the fork, exec and exit
 * of a child that exited with code 3; built: every other kind, acks, malformed ones) and
 * uevents (captured kernel events of a veth pair; a udev re-broadcast; malformed ones).
 *
 * @module
 */

import assert from "node:assert/strict";
import { decodeProcEvents, PROC_EVENT } from "../../events/proc.ts";
import type { ExitEvent, ProcEvent } from "../../events/proc.ts";
import { parseUevent } from "../../events/uevent.ts";
import { DecodeError } from "../../netlink/errors.ts";
import { hex } from "../helpers.ts";

const REPLIES = JSON.parse(
  Deno.readTextFileSync(new URL("../golden/diag/replies.json", import.meta.url)),
) as { proc: string[]; procPid: number; uevents: string[] };

/** A proc connector datagram carrying one event: `what`, then the event data words. */
function procDatagram(what: number, words: number[], extra: Uint8Array = new Uint8Array()) {
  const data = 16 + 4 * words.length + extra.length;
  const len = 16 + 20 + data;
  const b = new Uint8Array(len);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, len, true);
  dv.setUint16(4, 3, true);
  dv.setUint32(16, 1, true); // CN_IDX_PROC
  dv.setUint32(20, 1, true); // CN_VAL_PROC
  dv.setUint32(28, 9, true); // ack
  dv.setUint16(32, data, true);
  dv.setUint32(36, what >>> 0, true);
  dv.setUint32(40, 1, true); // cpu
  dv.setUint32(44, 1000, true); // timestamp, low word
  dv.setUint32(48, 2, true); // high word
  words.forEach((w, i) => dv.setInt32(52 + 4 * i, w, true));
  b.set(extra, 52 + 4 * words.length);
  return b.buffer;
}

Deno.test("proc events: a child's fork, exec and exit, as captured", () => {
  const events = REPLIES.proc.flatMap((h) =>
    decodeProcEvents(hex(h).buffer as ArrayBuffer)
  ) as ProcEvent[];
  const pid = REPLIES.procPid;
  const fork = events.find((e) => e.type === "fork" && e.child_pid === pid);
  const exec = events.find((e) => e.type === "exec" && e.process_pid === pid);
  const exit = events.find((e) => e.type === "exit" && e.process_pid === pid) as ExitEvent;
  assert.ok(fork && exec && exit, JSON.stringify(events));
  assert.equal(exit.exitCode, 3);
  assert.equal(exit.signal, undefined);
  assert.equal(exit.exit_code, 3 << 8);
  assert.equal(exit.exit_signal, 17);
  assert.equal(exit.coreDumped, false);
  assert.ok(exit.timestamp_ns > 0);
});

Deno.test("proc events: every kind, acks, unknown kinds", () => {
  const one = (what: number, words: number[], extra?: Uint8Array) => {
    const [e] = decodeProcEvents(procDatagram(what, words, extra));
    return e;
  };
  assert.deepEqual(one(PROC_EVENT.fork, [10, 10, 11, 11]), {
    type: "fork",
    cpu: 1,
    timestamp_ns: 2 * 2 ** 32 + 1000,
    parent_pid: 10,
    parent_tgid: 10,
    child_pid: 11,
    child_tgid: 11,
  });
  assert.equal((one(PROC_EVENT.exec, [5, 5]) as { process_tgid: number }).process_tgid, 5);
  const uid = one(PROC_EVENT.uid, [5, 5, 1000, 0]) as { type: string; ruid: number; euid: number };
  assert.deepEqual([uid.type, uid.ruid, uid.euid], ["uid", 1000, 0]);
  assert.equal(one(PROC_EVENT.gid, [5, 5, 10, 20]).type, "gid");
  assert.equal(one(PROC_EVENT.sid, [5, 5]).type, "sid");
  const ptrace = one(PROC_EVENT.ptrace, [5, 5, 0, 0]) as { tracer_pid: number };
  assert.equal(ptrace.tracer_pid, 0);
  const name = new Uint8Array(16);
  name.set(new TextEncoder().encode("worker"));
  assert.equal((one(PROC_EVENT.comm, [5, 6], name) as { comm: string }).comm, "worker");
  const core = one(PROC_EVENT.coredump, [5, 5]) as { parent_pid: number };
  assert.equal(core.parent_pid, 0); // before 5.0 there was no parent
  const killed = one(PROC_EVENT.exit, [5, 5, 9 | 0x80, 17, 1, 1]) as ExitEvent;
  assert.deepEqual([killed.signal, killed.exitCode, killed.coreDumped], [9, undefined, true]);
  const thread = one(PROC_EVENT.exit, [6, 5, 0, -1]) as ExitEvent;
  assert.deepEqual([thread.exitCode, thread.exit_signal, thread.parent_pid], [0, -1, 0]);
  assert.deepEqual(one(PROC_EVENT.none, [1]), { type: "ack", err: 1, ack: 9 });
  const unknown = one(0x400, [1, 2]) as { type: string; what: number; data: Uint8Array };
  assert.equal(unknown.type, "unknown");
  assert.equal(unknown.what, 0x400);
  assert.equal(unknown.data.length, 8);
  // Other connector ids are not ours: skipped.
  const other = new Uint8Array(procDatagram(PROC_EVENT.exec, [1, 1]));
  new DataView(other.buffer).setUint32(16, 7, true);
  assert.deepEqual(decodeProcEvents(other.buffer), []);
});

Deno.test("proc events: malformed datagrams are DecodeErrors", () => {
  const short = new Uint8Array(procDatagram(PROC_EVENT.fork, [1, 1, 2]));
  assert.throws(() => decodeProcEvents(short.buffer), DecodeError);
  const lying = new Uint8Array(procDatagram(PROC_EVENT.exec, [1, 1]));
  new DataView(lying.buffer).setUint16(32, 200, true);
  assert.throws(() => decodeProcEvents(lying.buffer), DecodeError);
  const cut = new Uint8Array(procDatagram(PROC_EVENT.exec, [1, 1])).slice(0, 30);
  assert.throws(() => decodeProcEvents(cut.buffer), DecodeError);
  assert.deepEqual(decodeProcEvents(new ArrayBuffer(0)), []);
});

Deno.test("uevents: a veth pair's kernel events, as captured", () => {
  const events = REPLIES.uevents.map((h) => parseUevent(hex(h).buffer as ArrayBuffer));
  for (const dev of ["v0", "v1"]) {
    for (const action of ["add", "remove"]) {
      const e = events.find((x) =>
        x.subsystem === "net" && x.action === action && x.env.INTERFACE === dev
      );
      assert.ok(e, `${action} ${dev}`);
      assert.equal(e.source, "kernel");
      assert.equal(e.devpath, `/devices/virtual/net/${dev}`);
      assert.ok(e.seqnum > 0);
      assert.match(e.env.IFINDEX, /^\d+$/);
    }
  }
  const seq = events.map((e) => e.seqnum);
  assert.deepEqual(seq, [...seq].sort((a, b) => a - b));
});

Deno.test("uevents: udev's re-broadcast and malformed datagrams", () => {
  const props = new TextEncoder().encode(
    "ACTION=add\0DEVPATH=/devices/virtual/net/v0\0SUBSYSTEM=net\0SEQNUM=42\0ID_NET_NAME=v0\0",
  );
  const b = new Uint8Array(40 + props.length);
  const dv = new DataView(b.buffer);
  b.set(new TextEncoder().encode("libudev\0"));
  dv.setUint32(8, 0xfeedcafe, false);
  dv.setUint32(12, 40, true);
  dv.setUint32(16, 40, true);
  dv.setUint32(20, props.length, true);
  b.set(props, 40);
  const e = parseUevent(b.buffer);
  assert.deepEqual(
    [e.source, e.action, e.devpath, e.subsystem, e.seqnum, e.env.ID_NET_NAME],
    ["udev", "add", "/devices/virtual/net/v0", "net", 42, "v0"],
  );
  dv.setUint32(20, props.length + 1, true);
  assert.throws(() => parseUevent(b.buffer), DecodeError);
  dv.setUint32(8, 1, false);
  assert.throws(() => parseUevent(b.buffer), DecodeError);
  assert.throws(() => parseUevent(new TextEncoder().encode("no header\0A=b").buffer), DecodeError);
  const bare = parseUevent(new TextEncoder().encode("change@/devices/x").buffer);
  assert.deepEqual([bare.action, bare.devpath, bare.seqnum], ["change", "/devices/x", 0]);
  // Keys a prototype has are plain keys here.
  const proto = parseUevent(new TextEncoder().encode("add@/x\0__proto__=1\0constructor=2").buffer);
  assert.equal(proto.env["__proto__"], "1");
  assert.equal(proto.env.constructor, "2");
});
