/**
 * Route requests byte for byte: a seeded corpus of 800 route specs (valid, odd and wrong, every
 * key buildRoute takes) whose encoded bytes, or error class and message, are recorded in
 * tests/golden/route_corpus.json. It guards the route encoder's rewrites: the bytes (attribute
 * order included, which the iproute2 golden tests do not check) and each error stay as they were.
 * Each request is built alone (`buildRoute`) and inside a batch (the batch's shared buffer).
 *
 * After a deliberate change of the encoding, re-record with
 * `ROUTE_CORPUS_RECORD=1 deno test -A tests/unit/route_corpus.test.ts` and review the diff.
 */

import assert from "node:assert/strict";
import { buildRoute } from "../../rtnl/route_request.ts";
import type { RouteCommand, RouteSpec } from "../../rtnl/route.ts";
import { Batch } from "../../rtnl/batch.ts";
import { fakeIPRoute } from "./rtnl_golden.ts";
import { seeded, toHex } from "../helpers.ts";

const FIXTURE = new URL("../golden/route_corpus.json", import.meta.url);
const CASES = 800;

/** A key's chance to be present, its good values (by family) and its rarer bad ones. */
interface Pool {
  p: number;
  v4?: unknown[];
  v6?: unknown[];
  any?: unknown[];
  bad?: unknown[];
}

const POOLS: Record<string, Pool> = {
  dst: {
    p: 0.97,
    v4: ["10.1.2.0/24", "10.9.9.9", "0.0.0.0/0", "10.0.0.0/8", "30.1.2.0/24", "default"],
    v6: ["2001:db8::/64", "2001:db8::1", "fe80::1/128", "::/0", "default"],
    bad: ["10.1.2.3/33", "300.1.1.1", 5, "10.1.2.0/", ""],
  },
  dst_len: { p: 0.06, any: [24, 32, 0, 8], bad: [40, "x", 129] },
  mask: { p: 0.03, any: [24, 16], bad: [99] },
  src: { p: 0.08, v4: ["10.0.0.0/24", "10.0.0.1"], v6: ["2001:db8::/48"], bad: ["bad"] },
  gateway: {
    p: 0.5,
    v4: ["10.0.0.2", "10.0.0.254"],
    v6: ["2001:db8::2", "fe80::1"],
    bad: ["10.0.0.2/32", null, 7],
  },
  prefsrc: { p: 0.08, v4: ["10.0.0.1"], v6: ["2001:db8::1"], bad: ["10.0.0.1/24"] },
  oif: { p: 0.5, any: [3, 7, 1, [3], { index: 4 }], bad: [0, -1, 2.5, 0x80000000, true] },
  iif: { p: 0.04, any: [2], bad: [0, "lo"] },
  priority: { p: 0.15, any: [5, 0xffffffff, 0], bad: [-1, 2 ** 32, "5"] },
  metric: { p: 0.06, any: [5, 9], bad: [1.5] },
  nh_id: { p: 0.04, any: [1, 77], bad: [0] },
  mark: { p: 0.05, any: [7], bad: [-7] },
  uid: { p: 0.04, any: [1000] },
  flow: { p: 0.04, any: [3] },
  expires: { p: 0.04, any: [60] },
  pref: { p: 0.05, any: ["low", "high", "medium", 1], bad: ["bogus", 300] },
  metrics: {
    p: 0.06,
    any: [{ mtu: 1400 }, { mtu: 1400, lock: ["mtu"] }, { advmss: 1360, hoplimit: 3 }],
    bad: [{ bogus: 1 }],
  },
  encap: {
    p: 0.03,
    v6: [{ type: "seg6", mode: "encap", segs: ["2001:db8::2"] }],
    bad: [{ type: "mpls" }],
  },
  table: { p: 0.2, any: [100, 1000, "main", "local", 254, 255, 256], bad: [-1, "nosuch", 2 ** 32] },
  type: {
    p: 0.15,
    any: ["unicast", "blackhole", "local", "unreachable", "broadcast", "prohibit", "multicast", 2],
    bad: [99, "bogus"],
  },
  scope: { p: 0.1, any: ["link", "host", "global", 200, "universe"], bad: ["bogus"] },
  proto: { p: 0.12, any: ["static", 42, "boot", "kernel"], bad: ["bogus", 300] },
  flags: { p: 0.06, any: [["onlink"], 4, "onlink"], bad: [["bogus"], -1] },
  tos: { p: 0.05, any: [0x10, 0], bad: [300] },
  family: { p: 0.08, v4: [2, "inet"], v6: [10, "inet6"], bad: [7] },
  fibmatch: { p: 0.04, any: [true, false], bad: ["x"] },
  multipath: {
    p: 0.06,
    v4: [
      [{ gateway: "10.0.0.2", weight: 2 }, { gateway: "10.0.0.3" }],
      [{ oif: 3 }, { oif: 4, gateway: "10.0.0.9", flags: ["onlink"] }],
    ],
    v6: [[{ gateway: "2001:db8::2" }, { gateway: "2001:db8::3", oif: 5 }]],
    bad: [[], [{ weight: 0 }]],
  },
  RTA_GATEWAY: { p: 0.03, v4: ["10.0.0.5"], v6: ["2001:db8::5"] },
  attrs: {
    p: 0.03,
    any: [[["RTA_PRIORITY", 3]], [["RTA_TABLE", 7], ["RTA_OIF", 2]]],
    bad: [[["NOPE", 1]]],
  },
  bogus: { p: 0.005, bad: [1] },
};

const COMMANDS: RouteCommand[] = ["add", "add", "add", "replace", "change", "append", "del", "get"];

function corpus(): [RouteCommand, RouteSpec][] {
  const r = seeded(0x5eed16);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const out: [RouteCommand, RouteSpec][] = [];
  for (let i = 0; i < CASES; i++) {
    const v6 = r() < 0.3;
    const spec: Record<string, unknown> = {};
    for (const [key, pool] of Object.entries(POOLS)) {
      if (r() >= pool.p) continue;
      const good = [...(pool.any ?? []), ...((v6 ? pool.v6 : pool.v4) ?? [])];
      const bad = pool.bad ?? [];
      // One key in about thirty is wrong (or of the other family, now and then).
      const x = r();
      const from = x < 0.03 || good.length === 0
        ? bad
        : x < 0.05
        ? (v6 ? pool.v4 : pool.v6) ?? good
        : good;
      if (from.length === 0) continue;
      spec[key] = structuredClone(pick(from));
    }
    out.push([pick(COMMANDS), spec as RouteSpec]);
  }
  return out;
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : `thrown ${String(e)}`;
}

/** What buildRoute made of each spec: its bytes, or the error. */
async function alone(cases: [RouteCommand, RouteSpec][]): Promise<string[]> {
  const { ip, sent } = fakeIPRoute();
  const out: string[] = [];
  for (const [cmd, spec] of cases) {
    try {
      out.push(`ok ${toHex((await buildRoute(ip, cmd, structuredClone(spec))).bytes)}`);
    } catch (e) {
      out.push(`err ${describe(e)}`);
    }
  }
  assert.equal(sent.length, 0, "building sends nothing");
  return out;
}

Deno.test("route corpus: every spec encodes to the recorded bytes or fails with the recorded error", async (t) => {
  const cases = corpus();
  const got = await alone(cases);
  if (Deno.env.get("ROUTE_CORPUS_RECORD") === "1") {
    const rows = cases.map(([cmd, spec], i) => ({
      cmd,
      spec: JSON.stringify(spec),
      result: got[i],
    }));
    await Deno.writeTextFile(FIXTURE, JSON.stringify(rows, null, 1) + "\n");
  }
  const want = JSON.parse(await Deno.readTextFile(FIXTURE)) as {
    cmd: string;
    spec: string;
    result: string;
  }[];
  assert.equal(want.length, cases.length);
  await t.step("the corpus is the recorded one", () => {
    for (const [i, [cmd, spec]] of cases.entries()) {
      assert.equal(`${cmd} ${JSON.stringify(spec)}`, `${want[i].cmd} ${want[i].spec}`, `case ${i}`);
    }
  });
  await t.step("alone (buildRoute)", () => {
    for (const [i, [cmd, spec]] of cases.entries()) {
      assert.equal(got[i], want[i].result, `case ${i}: ${cmd} ${JSON.stringify(spec)}`);
    }
  });
  await t.step("in a batch (one shared buffer)", async () => {
    const { ip } = fakeIPRoute();
    const b = new Batch(ip);
    for (const [cmd, spec] of cases) b.route(cmd, structuredClone(spec));
    const oks = want.filter((w) => w.result.startsWith("ok")).length;
    let n = 0;
    for (const [i, [cmd, spec]] of cases.entries()) {
      const s = b.states.get(i);
      let result: string;
      if (s === undefined) result = `ok ${toHex(b.bytes(i))}`;
      else {
        try {
          const built = await (s as Promise<{ bytes: Uint8Array }>);
          if ("error" in (built as object)) throw (built as unknown as { error: unknown }).error;
          result = `ok ${toHex(b.arena.rebase(built.bytes))}`;
        } catch (e) {
          result = `err ${describe(e)}`;
        }
      }
      if (result.startsWith("ok")) n++;
      assert.equal(result, want[i].result, `case ${i}: ${cmd} ${JSON.stringify(spec)}`);
    }
    assert.equal(n, oks);
    // What the engine sends: the requests encoded in place, one view over those adjacent.
    const inPlace = cases.map((_, i) => i).filter((i) => !b.states.has(i));
    const ids = Uint32Array.from(inPlace);
    const whole = b.span(ids, 0, ids.length)!;
    assert.equal(toHex(whole), inPlace.map((i) => toHex(b.bytes(i))).join(""));
    assert.equal(whole.byteLength, inPlace.reduce((n, i) => n + b.sizeOf(i), 0));
    assert.ok(inPlace.every((i) => b.typeOf(i) === b.bytes(i)[4]));
  });
});
