/**
 * The tc option table (rtnl/tc/options.ts) is what the builders read: every declared option of
 * every kind is taken (a value it refuses is an error about that value, never "unknown option"),
 * a builder reading an undeclared option would fail every golden test, and a misspelt option is
 * refused with the nearest declared name.
 */

import assert from "node:assert/strict";
import { buildTc } from "../../rtnl/tc/mod.ts";
import type { TcCommand, TcSpec } from "../../rtnl/tc/mod.ts";
import { TC_CLASS_OPTIONS, TC_FILTER_OPTIONS, TC_QDISC_OPTIONS } from "../../rtnl/tc/options.ts";
import type { TcCore } from "../../rtnl/tc/mod.ts";

const core: TcCore = {
  ifindex: () => 3,
};

/** The error building `cmd kind` with `spec` throws (or undefined). */
async function errorOf(cmd: TcCommand, kind: string, spec: TcSpec): Promise<Error | undefined> {
  try {
    await buildTc(core, cmd, kind, spec);
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

const TABLES: [TcCommand, Readonly<Record<string, readonly string[]>>, TcSpec][] = [
  ["add", TC_QDISC_OPTIONS, { index: 1, handle: "1:" }],
  ["add-class", TC_CLASS_OPTIONS, { index: 1, parent: "1:", classid: "1:10", rate: "1mbit" }],
  ["add-filter", TC_FILTER_OPTIONS, { index: 1, parent: "1:", protocol: "ip" }],
];

Deno.test("tc options: every declared option is read by its kind's builder", async () => {
  let n = 0;
  for (const [cmd, table, base] of TABLES) {
    for (const [kind, options] of Object.entries(table)) {
      for (const opt of options) {
        // A value no option takes: the builder reads the option and says what is wrong with it.
        const extra = cmd === "add" && kind === "tbf"
          ? { rate: "1mbit", burst: "10kb", latency: "50ms" }
          : {};
        const spec = { ...base, ...extra, [opt]: Symbol("x") } as TcSpec;
        const e = await errorOf(cmd, kind, spec);
        if (e) {
          assert.doesNotMatch(e.message, /unknown option|not declared/, `${cmd} ${kind} ${opt}`);
          assert.ok(e.message.includes(opt), `${cmd} ${kind} ${opt}: ${e.message}`);
        }
        n++;
      }
    }
  }
  assert.equal(n, 160);
});

Deno.test("tc options: a misspelt option names the nearest one", async () => {
  const e = await errorOf("add", "htb", { index: 1, handle: "1:", defualt: "1:20" });
  assert.ok(e instanceof TypeError);
  assert.match(e.message, /^defualt: unknown option for htb qdiscs \(did you mean "default"\?\)/);
  const c = await errorOf("add-class", "htb", {
    index: 1,
    parent: "1:",
    classid: "1:10",
    rate: "1mbit",
    ciel: "2mbit",
  });
  assert.match(c!.message, /^ciel: unknown option for htb classes \(did you mean "ceil"\?\)/);
});
