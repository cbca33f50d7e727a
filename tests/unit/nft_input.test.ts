/**
 * Bad input to NFTables is a TypeError or RangeError naming the field, thrown before anything
 * is sent: unknown expressions and attributes, bad verdicts, keys of the wrong length, bad
 * families, hooks, priorities and set types.
 */

import assert from "node:assert/strict";
import { NFTables, rules } from "../../netfilter/mod.ts";
import type { NftTransaction } from "../../netfilter/mod.ts";
import { fakeConnection } from "./nf_golden.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const T = TypeError, R = RangeError;
const at = { family: "inet", table: "t", chain: "c" } as const;
const rule = (expr: unknown[]) => (tx: NftTransaction) =>
  void tx.addRule({ ...at, expr: expr as Any });
const ipSet = (tx: NftTransaction) =>
  tx.addSet({ family: "inet", table: "t", name: "s", type: "ipv4_addr", flags: ["interval"] });

const CASES: [string, (tx: NftTransaction) => unknown, typeof TypeError, string][] = [
  ["unknown expression", rule([{ kind: "payloadd" }]), T, "addRule.expr[0].kind"],
  ["expression without kind", rule([{ dreg: 1 }]), T, "addRule.expr[0].kind"],
  ["unknown attribute", rule([{ kind: "cmp", sreg: 1, opp: "eq" }]), T, "addRule.expr[0].opp"],
  ["bad enumeration value", rule([{ kind: "cmp", sreg: 1, op: "equal" }]), T, "addRule.expr[0].op"],
  [
    "register out of range",
    rule([{ kind: "meta", key: "mark", dreg: -1 }]),
    R,
    "addRule.expr[0].dreg",
  ],
  [
    "bad verdict",
    rule([{ kind: "immediate", dreg: 0, data: { verdict: { code: "acept" } } }]),
    T,
    "addRule.expr[0].data.verdict.code",
  ],
  [
    "jump without chain",
    rule([{ kind: "immediate", dreg: 0, data: { verdict: { code: "jump" } } }]),
    T,
    "addRule.expr[0].data.verdict.chain",
  ],
  [
    "accept with a chain",
    rule([{ kind: "immediate", dreg: 0, data: { verdict: { code: "accept", chain: "x" } } }]),
    T,
    "addRule.expr[0].data.verdict.chain",
  ],
  [
    "data of 65 bytes",
    rule([{ kind: "cmp", sreg: 1, op: "eq", data: { value: new Uint8Array(65) } }]),
    T,
    "addRule.expr[0].data.value",
  ],
  [
    "data value and verdict",
    rule([{
      kind: "immediate",
      dreg: 0,
      data: { value: new Uint8Array(1), verdict: { code: "drop" } },
    }]),
    T,
    "addRule.expr[0].data",
  ],
  [
    "raw with another key",
    rule([{ kind: "match", raw: new Uint8Array(4), x: 1 }]),
    T,
    "addRule.expr[0].raw",
  ],
  ["expr not an array", (tx) => tx.addRule({ ...at, expr: {} as Any }), T, "addRule.expr"],
  ["handle on addRule", (tx) => tx.addRule({ ...at, expr: [], handle: 5 }), T, "addRule.handle"],
  ["deleteRule without handle", (tx) => tx.deleteRule({ ...at } as Any), T, "deleteRule.handle"],
  ["bad family", (tx) => tx.addTable({ family: "ipv4" as Any, name: "t" }), T, "addTable.family"],
  [
    "table name too long",
    (tx) => tx.addTable({ family: "ip", name: "x".repeat(256) }),
    T,
    "addTable.name",
  ],
  [
    "unknown table flag",
    (tx) => tx.addTable({ family: "ip", name: "t", flags: ["dormnat" as Any] }),
    T,
    "addTable.flags[0]",
  ],
  [
    "hook of another family",
    (tx) => tx.addChain({ family: "netdev", table: "t", name: "c", hook: "input", device: "lo" }),
    T,
    "addChain.hook",
  ],
  [
    "netdev chain without device",
    (tx) => tx.addChain({ family: "netdev", table: "t", name: "c", hook: "ingress" }),
    T,
    "addChain.device",
  ],
  [
    "priority name",
    (tx) => tx.addChain({ family: "ip", table: "t", name: "c", hook: "input", priority: "fliter" }),
    T,
    "addChain.priority",
  ],
  [
    "policy",
    (tx) =>
      tx.addChain({ family: "ip", table: "t", name: "c", hook: "input", policy: "reject" as Any }),
    T,
    "addChain.policy",
  ],
  [
    "policy on a regular chain",
    (tx) => tx.addChain({ family: "ip", table: "t", name: "c", policy: "drop" }),
    T,
    "addChain.policy",
  ],
  [
    "unknown set type",
    (tx) => tx.addSet({ family: "ip", table: "t", name: "s", type: "ipv4_adr" }),
    T,
    "addSet.type",
  ],
  [
    "unknown set flag",
    (tx) =>
      tx.addSet({ family: "ip", table: "t", name: "s", type: "mark", flags: ["intervals" as Any] }),
    T,
    "addSet.flags[0]",
  ],
  [
    "bad timeout",
    (tx) => tx.addSet({ family: "ip", table: "t", name: "s", type: "mark", timeout: "1 hour" }),
    T,
    "addSet.timeout",
  ],
  [
    "wrong key length",
    (tx) => {
      ipSet(tx);
      tx.addElements({ family: "inet", table: "t", set: "s", elements: [new Uint8Array(3)] });
    },
    T,
    "addElements.elements[0].key",
  ],
  [
    "address of the wrong family",
    (tx) => {
      ipSet(tx);
      tx.addElements({ family: "inet", table: "t", set: "s", elements: ["fd00::1"] });
    },
    T,
    "addElements.elements[0].key",
  ],
  [
    "overlapping intervals",
    (tx) => {
      ipSet(tx);
      tx.addElements({
        family: "inet",
        table: "t",
        set: "s",
        elements: ["10.0.0.0/8", "10.1.0.0/16"],
      });
    },
    R,
    "addElements.elements[1].key",
  ],
  [
    "map element without a value",
    (tx) => {
      tx.addSet({ family: "ip", table: "t", name: "m", type: "ipv4_addr", map: "verdict" });
      tx.addElements({ family: "ip", table: "t", set: "m", elements: ["10.0.0.1"] });
    },
    T,
    "addElements.elements[0].data",
  ],
  [
    "map element with a bad verdict",
    (tx) => {
      tx.addSet({ family: "ip", table: "t", name: "m", type: "ipv4_addr", map: "verdict" });
      tx.addElements({
        family: "ip",
        table: "t",
        set: "m",
        elements: [{ key: "10.0.0.1", data: "accpet" }],
      });
    },
    T,
    "addElements.elements[0].data.code",
  ],
  [
    "port out of range",
    (tx) => {
      tx.addSet({ family: "ip", table: "t", name: "p", type: "inet_service" });
      tx.addElements({ family: "ip", table: "t", set: "p", elements: [70000] });
    },
    R,
    "addElements.elements[0].key",
  ],
  [
    "unknown object type",
    (tx) => tx.addObject({ family: "ip", table: "t", name: "o", type: "meter" } as Any),
    T,
    "addObject.type",
  ],
  [
    "limit unit",
    (tx) =>
      tx.addObject({
        family: "ip",
        table: "t",
        name: "o",
        type: "limit",
        rate: 1,
        per: "sec" as Any,
      }),
    T,
    "addObject.per",
  ],
  [
    "rule helper: ports without proto",
    (tx) => tx.addRule({ ...at, expr: rules.accept({ dport: 22 }) }),
    T,
    "dport",
  ],
  [
    "rule helper: unknown key",
    (tx) => tx.addRule({ ...at, expr: rules.accept({ dst: "10.0.0.1" } as Any) }),
    T,
    "rule.dst",
  ],
  [
    "rule helper: IPv6 in an ip table",
    (tx) => tx.addRule({ ...at, expr: rules.accept({ family: "ip", saddr: "fd00::1" }) }),
    T,
    "an IPv6",
  ],
  [
    "rule helper: bad dnat target",
    (tx) => tx.addRule({ ...at, expr: rules.dnat("10.0.0.1:http") }),
    T,
    "dnat",
  ],
];

Deno.test("nftables: bad input is refused before anything is sent", async (t) => {
  for (const [name, build, error, field] of CASES) {
    await t.step(name, async () => {
      const { nfnl, sent } = fakeConnection();
      const nft = new NFTables({ connection: nfnl });
      await assert.rejects(
        () => nft.transaction((tx) => void build(tx)),
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
