/**
 * inotify records (struct inotify_event, linux/inotify.h: wd s32, mask u32, cookie u32, len u32,
 * then `len` bytes of NUL-padded name) as the kernel writes them: parsed by field; a record cut
 * short ends the list; random bytes never throw.
 */

import assert from "node:assert/strict";
import { IN, parseInotifyEvents } from "../../ffi/inotify.ts";
import { hex } from "../helpers.ts";

// IN_CREATE "blue" on watch 1, then IN_DELETE "red" on watch 1 (names padded to 16 bytes, as
// the kernel pads them), then IN_Q_OVERFLOW (wd -1, no name).
const CREATE_BLUE = "01000000 00010000 00000000 10000000 626c7565 00000000 00000000 00000000";
const DELETE_RED = "01000000 00020000 00000000 10000000 72656400 00000000 00000000 00000000";
const OVERFLOW = "ffffffff 00400000 00000000 00000000";

Deno.test("inotify: records parse by field, names without their padding", () => {
  const events = parseInotifyEvents(hex(CREATE_BLUE + DELETE_RED + OVERFLOW));
  assert.deepEqual(events, [
    { wd: 1, mask: IN.CREATE, cookie: 0, name: "blue" },
    { wd: 1, mask: IN.DELETE, cookie: 0, name: "red" },
    { wd: -1, mask: IN.Q_OVERFLOW, cookie: 0, name: "" },
  ]);
});

Deno.test("inotify: a record cut short ends the list; random bytes never throw", () => {
  const bytes = hex(CREATE_BLUE + DELETE_RED);
  for (let n = 0; n <= bytes.length; n++) {
    const events = parseInotifyEvents(bytes.subarray(0, n));
    assert.equal(events.length, n < 32 ? 0 : n < 64 ? 1 : 2, `${n} bytes`);
  }
  // An offset view of a larger buffer reads from its own start.
  const padded = new Uint8Array(bytes.length + 7);
  padded.set(bytes, 7);
  assert.equal(parseInotifyEvents(padded.subarray(7))[1].name, "red");
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (let i = 0; i < 2000; i++) {
    const b = Uint8Array.from({ length: rand() }, rand);
    for (const e of parseInotifyEvents(b)) assert.equal(typeof e.name, "string");
  }
});
