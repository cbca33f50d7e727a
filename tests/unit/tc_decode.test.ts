/**
 * tc decoders on damaged input: every golden tc request, truncated and with bytes flipped,
 * read back through the views (typed properties, the u32 selector, the BPF program, netem's
 * struct, toJSON): only DecodeError may come out, and every call returns.
 */

import assert from "node:assert/strict";
import { hex } from "../helpers.ts";
import { DecodeError } from "../../netlink/errors.ts";
import { messageViewClass } from "../../netlink/view.ts";
import type { AttrView } from "../../netlink/view.ts";
import type { MessageSchema } from "../../netlink/schema.ts";
import { TC_MESSAGE, TC_QDISC_MESSAGE } from "../../rtnl/schemas/tc.ts";
import { ACTION_MESSAGE } from "../../rtnl/schemas/tc_action.ts";
import { decodeSockFilters, decodeU32Sel } from "../../rtnl/tc/mod.ts";
import "../../rtnl/tc/mod.ts";

const DIR = new URL("../golden/iproute2/", import.meta.url);

function requests(): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  for (const e of Deno.readDirSync(DIR)) {
    if (!e.name.startsWith("tc_")) continue;
    const g = JSON.parse(Deno.readTextFileSync(new URL(e.name, DIR)));
    out.push([e.name, hex(g.requests[g.main])]);
  }
  return out.sort(([a], [b]) => a.localeCompare(b));
}

/** Reads everything a user could read from a view. */
function readAll(v: unknown, depth = 0): void {
  if (depth > 8 || typeof v !== "object" || v === null) return;
  if (Array.isArray(v)) return v.forEach((x) => readAll(x, depth + 1));
  const view = v as AttrView & Record<string, unknown>;
  if (typeof view.toJSON === "function") JSON.stringify(view.toJSON());
  if (typeof view.raw === "function") {
    for (const [t] of view.raw()) readAll(view.get(t), depth + 1);
    for (const k of ["sel", "ops", "latency", "jitter", "prio", "protocol"]) readAll(view[k]);
  }
}

function decode(schema: MessageSchema, b: Uint8Array): void {
  const C = messageViewClass(schema);
  const v = new C(new DataView(b.buffer, b.byteOffset, b.byteLength), b, 0, b.length);
  readAll(v);
}

/** A small deterministic generator (xorshift32). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

Deno.test("tc decode: every golden request reads back whole", () => {
  for (const [name, b] of requests()) {
    const schema = name.startsWith("tc_action")
      ? ACTION_MESSAGE
      : name.startsWith("tc_qdisc")
      ? TC_QDISC_MESSAGE
      : TC_MESSAGE;
    decode(schema, b);
  }
});

Deno.test("tc decode: truncated and mutated requests give DecodeError or values, never another error", () => {
  const rand = rng(0x7c4);
  let decodeErrors = 0, cases = 0;
  for (const [name, orig] of requests()) {
    for (let i = 0; i < 300; i++) {
      const b = orig.slice(0, 16 + Math.floor(rand() * (orig.length - 15)));
      // The message length stays consistent with the buffer, as a datagram would carry it.
      new DataView(b.buffer).setUint32(0, b.length, true);
      const flips = Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) {
        const at = 20 + Math.floor(rand() * Math.max(1, b.length - 20));
        if (at < b.length) b[at] = Math.floor(rand() * 256);
      }
      for (const schema of [TC_MESSAGE, TC_QDISC_MESSAGE, ACTION_MESSAGE]) {
        cases++;
        try {
          decode(schema, b);
        } catch (e) {
          if (!(e instanceof DecodeError)) {
            throw new Error(`${name} case ${i}: ${e}`, { cause: e });
          }
          decodeErrors++;
        }
      }
    }
  }
  assert.ok(cases > 10000);
  assert.ok(decodeErrors > 0);
});

Deno.test("tc decode: short selectors and programs are DecodeErrors", () => {
  assert.throws(() => decodeU32Sel(new Uint8Array(15)), DecodeError);
  const sel = new Uint8Array(16);
  sel[2] = 2; // two keys promised, none present
  assert.throws(() => decodeU32Sel(sel), DecodeError);
  assert.throws(() => decodeSockFilters(new Uint8Array(12)), DecodeError);
  assert.deepEqual(decodeSockFilters(new Uint8Array(0)), []);
});
