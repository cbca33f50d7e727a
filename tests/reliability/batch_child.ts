/**
 * The child of batch_crash.test.ts: queues bad commands in `ip.batch` (a Symbol, a
 * null-prototype object, …) and catches what the batch throws. It must exit 0: a promise
 * rejected before its handler is attached would end it with "Uncaught (in promise)" instead.
 * Prints one JSON line: for each case, the error's name and each failure's error name.
 * Argument: the namespace to open the connection in (nothing is sent to it).
 *
 * @module
 */

import { BatchError, IPRoute } from "../../rtnl/mod.ts";
import type { Batch } from "../../rtnl/mod.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const nullProto = Object.create(null);
const cases: Record<string, (b: Batch) => void> = {
  symbolRoute: (b) => b.route(Symbol("x") as Any, { dst: "10.1.0.0/16" }),
  nullProtoRoute: (b) => b.route(nullProto, { dst: "10.1.0.0/16" }),
  symbolLink: (b) => b.link(Symbol("x") as Any, { ifname: "x0", kind: "veth" }),
  nullProtoAddr: (b) => b.addr(nullProto, { index: 1, address: "10.0.0.1/24" }),
  symbolRule: (b) => b.rule(Symbol("x") as Any, { table: 10 }),
  symbolNeigh: (b) => b.neigh(Symbol("x") as Any, { index: 1, dst: "10.0.0.9" }),
  symbolNexthop: (b) => b.nexthop(Symbol("x") as Any, { id: 1 }),
  symbolFdb: (b) => b.fdb(Symbol("x") as Any, { index: 1, lladdr: "00:11:22:33:44:55" }),
  nullProtoTc: (b) => b.tc(nullProto, Symbol("k") as Any, {}),
  nullProtoSpec: (b) => b.route("add", nullProto),
  symbolSpec: (b) => b.route("add", Symbol("s") as Any),
};
const out: Record<string, unknown> = {};
using ip = new IPRoute({ netns: Deno.args[0] });
for (const [name, queue] of Object.entries(cases)) {
  try {
    await ip.batch(queue);
    out[name] = "resolved";
  } catch (e) {
    out[name] = {
      name: (e as Error).name,
      failures: e instanceof BatchError ? e.failures.map((f) => f.error.name) : [],
      message: (e as Error).message,
    };
  }
}
// Let any stray rejection surface before the process ends.
await new Promise((r) => setTimeout(r, 20));
console.log(JSON.stringify(out));
