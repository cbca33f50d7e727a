/**
 * Bad input to the Conntrack class is a TypeError or RangeError naming the field, thrown before
 * anything is sent (checked against a fake connection that records every send).
 */

import assert from "node:assert/strict";
import { Conntrack } from "../../netfilter/mod.ts";
import { fakeConnection } from "./nf_golden.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const T = TypeError, R = RangeError;
const TCP = { saddr: "10.0.0.1", daddr: "10.0.0.2", proto: "tcp", sport: 1, dport: 2 };

const CASES: [string, (ct: Conntrack) => unknown, typeof TypeError, string][] = [
  ["create without timeout", (ct) => ct.create({ tuple_orig: TCP }), T, "create.timeout"],
  ["create without tuple", (ct) => ct.create({ timeout: 5 }), T, "create.tuple_orig"],
  [
    "bad address",
    (ct) => ct.create({ tuple_orig: { ...TCP, saddr: "10.0.0.300" }, timeout: 5 }),
    T,
    "create.tuple_orig.saddr",
  ],
  [
    "mixed families",
    (ct) => ct.create({ tuple_orig: { ...TCP, daddr: "fd00::1" }, timeout: 5 }),
    T,
    "create.tuple_orig",
  ],
  [
    "port out of range",
    (ct) => ct.create({ tuple_orig: { ...TCP, dport: 70000 }, timeout: 5 }),
    R,
    "create.tuple_orig.dport",
  ],
  [
    "ports without proto",
    (ct) => ct.dump({ tuple_orig: { saddr: "10.0.0.1", dport: 80 } }),
    T,
    "dump.tuple_orig",
  ],
  [
    "unknown protocol",
    (ct) => ct.create({ tuple_orig: { ...TCP, proto: "tpc" as Any }, timeout: 5 }),
    T,
    "create.tuple_orig.proto",
  ],
  [
    "ports on icmp",
    (ct) => ct.dump({ tuple_orig: { proto: "icmp", sport: 1 }, family: "ipv4" }),
    T,
    "dump.tuple_orig",
  ],
  [
    "icmp needs type, code, id",
    (ct) =>
      ct.get({ tuple_orig: { saddr: "10.0.0.1", daddr: "10.0.0.2", proto: "icmp", icmp_type: 8 } }),
    T,
    "get.tuple_orig",
  ],
  [
    "missing port",
    (ct) => ct.delete({ tuple_orig: { ...TCP, sport: undefined } as Any }),
    T,
    "delete.tuple_orig.sport",
  ],
  [
    "unknown tuple field",
    (ct) => ct.get({ tuple_orig: { ...TCP, src: "1.2.3.4" } as Any }),
    T,
    "get.tuple_orig.src",
  ],
  [
    "unknown spec key",
    (ct) => ct.create({ tuple_orig: TCP, timeout: 5, marks: 3 } as Any),
    T,
    "create.marks",
  ],
  [
    "unknown status",
    (ct) => ct.update({ tuple_orig: TCP, status: ["ASSURD" as Any] }),
    T,
    "update.status[0]",
  ],
  ["mark out of range", (ct) => ct.update({ tuple_orig: TCP, mark: -1 }), R, "update.mark"],
  ["label bit 128", (ct) => ct.update({ tuple_orig: TCP, labels: [128] }), R, "update.labels[0]"],
  [
    "labels of 5 bytes",
    (ct) => ct.update({ tuple_orig: TCP, labels: new Uint8Array(5) }),
    R,
    "update.labels",
  ],
  ["zone out of range", (ct) => ct.dump({ zone: 65536 }), R, "dump.zone"],
  ["unknown filter key", (ct) => ct.dump({ src: "10.0.0.1" } as Any), T, "dump.src"],
  ["undefined filter value", (ct) => ct.dump({ mark: undefined }), T, "dump.mark"],
  ["flush without a filter", (ct) => ct.flush(undefined as Any), T, "flush"],
  ["flush with an empty filter", (ct) => ct.flush({}), T, "flush"],
  ["flush all with a filter", (ct) => ct.flush({ all: true, mark: 1 } as Any), T, "flush"],
  [
    "tuple filter needs a family",
    (ct) => ct.flush({ tuple_orig: { proto: "tcp", dport: 22 } }),
    T,
    "flush.family",
  ],
  ["family arp", (ct) => ct.dump({ family: "arp" as Any }), T, "dump.family"],
  ["status_mask 0", (ct) => ct.dump({ status: 4, status_mask: 0 }), R, "dump.status_mask"],
  ["mark_mask without mark", (ct) => ct.dump({ mark_mask: 1 }), T, "dump.mark_mask"],
  ["entry verb", (ct) => ct.entry("remove" as Any, { tuple_orig: TCP }), T, "cmd"],
  [
    "expectation without mask",
    (ct) => ct.createExpectation({ master: TCP, tuple: TCP, timeout: 5 } as Any),
    T,
    "createExpectation.mask",
  ],
  [
    "flushExpectations without filter",
    (ct) => ct.flushExpectations({} as Any),
    T,
    "flushExpectations",
  ],
  [
    "unknown monitor event",
    (ct) => ct.monitor({ events: ["created" as Any] }),
    T,
    "monitor.events[0]",
  ],
  ["unknown option", () => new Conntrack({ namespace: "x" } as Any), T, "options.namespace"],
];

Deno.test("conntrack: bad input is refused before anything is sent", async (t) => {
  for (const [name, call, error, field] of CASES) {
    await t.step(name, async () => {
      const { nfnl, sent } = fakeConnection();
      const ct = new Conntrack({ connection: nfnl });
      await assert.rejects(
        async () => await call(ct),
        (e: Error) => {
          assert.ok(e instanceof error, `${e.constructor.name}: ${e.message}`);
          assert.ok(e.message.startsWith(field), `"${e.message}" should start with ${field}`);
          return true;
        },
      );
      assert.equal(sent.length, 0);
    });
  }
});
