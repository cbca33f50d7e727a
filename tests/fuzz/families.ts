/**
 * The decoder fuzzer for the families beside rtnetlink (mptcp, ethtool, xfrm, wireguard): the
 * harness's seeded mutators over each family's own corpus (the kernel's answers and the
 * tools' requests captured in tests/golden/families, plus hand-built messages), every message
 * through every view of the family (harness `walkMessage`: every attribute, every way, in
 * bounds), and the family's own decoders (plain-data conversions, struct decoders). Only
 * {@link DecodeError} may come out; every call returns.
 *
 * @module
 */

import { DecodeError } from "../../netlink/errors.ts";
import type { MessageSchema } from "../../netlink/schema.ts";
import { messageViewClass } from "../../netlink/view.ts";
import type { MessageView } from "../../netlink/view.ts";
import { counters, FuzzFailure, makeInput, messages, Rng, walkMessage } from "./harness.ts";
import type { Counters, Seed } from "./harness.ts";

/** A decoder of a family applied to one view (or raw payload bytes). */
export type ViewDecoder = (view: MessageView) => unknown;

/** What to fuzz for one family. */
export interface FamilyTarget {
  /** The family's name (for failure reports). */
  name: string;
  /** Seed inputs. */
  seeds: Seed[];
  /** Its message schemas (each message goes through the schema of its type and a random one). */
  schemas: readonly MessageSchema[];
  /** The schema of a message type, when the family tells them apart by type. */
  schemaOf?: (type: number, u8: Uint8Array, off: number) => MessageSchema | undefined;
  /**
   * The schema a seed's message decodes with (undefined: a message of another family among the
   * captured traffic, such as nlctrl's answers), for the check that the seeds decode cleanly.
   */
  seedSchema: (
    seed: string,
    type: number,
    u8: Uint8Array,
    off: number,
  ) => MessageSchema | undefined;
  /** Decoders run on views (plain-data conversions). */
  decoders?: readonly ViewDecoder[];
  /** Decoders of raw bytes (struct decoders), run on random slices of the input. */
  raw?: readonly ((bytes: Uint8Array) => unknown)[];
}

function guarded(what: string, fn: () => unknown): void {
  try {
    const v = fn();
    JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x));
  } catch (e) {
    if (e instanceof DecodeError) return;
    if (e instanceof FuzzFailure) throw e;
    throw new FuzzFailure(`${what} threw ${(e as Error)?.name}: ${(e as Error)?.message}`, {
      cause: e,
    });
  }
}

/** Runs one case of `target`. */
export function familyCase(target: FamilyTarget, seed: number, index: number, c: Counters): void {
  const rng = Rng.forCase(seed, index);
  const input = makeInput(rng, target.seeds);
  c.cases++;
  try {
    const buf = input.slice().buffer;
    const u8 = new Uint8Array(buf);
    const dv = new DataView(buf);
    for (const [off, len] of messages(u8)) {
      const schemas = new Set<MessageSchema>();
      const own = target.schemaOf?.(dv.getUint16(off + 4, true), u8, off);
      if (own) schemas.add(own);
      schemas.add(rng.pick(target.schemas));
      for (const schema of schemas) {
        const C = messageViewClass(schema);
        let view: MessageView | undefined;
        try {
          view = new C(dv, u8, off, len);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          c.decodeErrors++;
          continue;
        }
        c.views++;
        walkMessage(view, `${target.name}/${schema.name}@${off}`, c);
        for (const d of target.decoders ?? []) {
          guarded(`${target.name} decoder ${d.name}`, () => d(view!));
        }
      }
    }
    for (const r of target.raw ?? []) {
      const a = rng.int(u8.length + 1), b = a + rng.int(Math.min(512, u8.length - a) + 1);
      guarded(`${target.name} raw decoder ${r.name}`, () => r(u8.subarray(a, b)));
    }
  } catch (e) {
    const hex = Array.from(input, (b) => b.toString(16).padStart(2, "0")).join("");
    const f = e instanceof FuzzFailure ? e : new FuzzFailure(String(e), { cause: e });
    f.message = `${target.name} seed ${seed} case ${index}: ${f.message}\ninput: ${hex}`;
    throw f;
  }
}

/** Runs `cases` cases of `target` (stack traces off while running, as the harness does). */
export function fuzzFamily(target: FamilyTarget, seed: number, cases: number): Counters {
  const c = counters();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (let i = 0; i < cases; i++) familyCase(target, seed, i, c);
  } finally {
    Error.stackTraceLimit = limit;
  }
  return c;
}

/** Seeds from captures of tests/golden/families/<family>.json: every reply and request. */
export function captureSeeds(family: string): Seed[] {
  const url = new URL(`../golden/families/${family}.json`, import.meta.url);
  const caps = JSON.parse(Deno.readTextFileSync(url)).captures as Record<
    string,
    { requests: string[]; replies: string[] }
  >;
  const out: Seed[] = [];
  const bytes = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
  for (const [name, cap] of Object.entries(caps)) {
    cap.replies.forEach((h, i) =>
      out.push({ name: `${family}/${name}/reply#${i}`, bytes: bytes(h) })
    );
    cap.requests.forEach((h, i) =>
      out.push({ name: `${family}/${name}/req#${i}`, bytes: bytes(h) })
    );
  }
  return out;
}
