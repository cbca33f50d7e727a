/**
 * What a snapshot cannot model is listed, not dropped: a namespace with a qdisc of a kind the
 * state layer does not handle (pfifo_fast made with a handle), u32 filters with a mirred action
 * (on htb and on a clsact hook), a route with a metric, an inverted rule, a proxy neighbour
 * entry and an onlink nexthop shows them in
 * `unmanaged` with a reason; a plan with prune leaves them (and the qdiscs they hang on) in
 * place and says so; the snapshot with its list applies back as an empty plan; `netstate plan`
 * warns about them on stderr.
 */

import assert from "node:assert/strict";
import { IPDB } from "../../ipdb/db.ts";
import { apply, plan, snapshot } from "../../state/mod.ts";
import type { StateDocument } from "../../state/mod.ts";
import { main } from "../../examples/netstate.ts";
import { ipCmd, run, withNetns } from "../helpers.ts";
import { liveTest } from "../features.ts";

/** Runs `tc -n ns` with the words of `line`. */
const tcIn = (ns: string, line: string) => run("tc", ["-n", ns, ...line.split(" ")]);
const ipIn = (ns: string, line: string) => ipCmd(ns, ...line.split(" "));

/** `netstate plan FILE --prune` on `doc`: its exit code, stdout and stderr. */
async function netstatePlan(doc: StateDocument): Promise<[number, string, string]> {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify(doc));
    const out: string[] = [], err: string[] = [];
    const code = await main(["plan", file, "--prune"], (s) => out.push(s), (s) => err.push(s));
    return [code, out.join("\n"), err.join("\n")];
  } finally {
    await Deno.remove(file);
  }
}

await liveTest(
  "state: objects not modelled are listed in unmanaged and left alone by prune",
  ["qdisc:htb", "qdisc:clsact", "filter:u32", "action:mirred", "nexthop"],
  async () => {
    await withNetns(async (ns) => {
      const ip = (line: string) => ipIn(ns, line);
      const tc = (line: string) => tcIn(ns, line);
      await ip("link add v0 type veth peer name v1");
      await ip("link set v0 up");
      await ip("link set v1 up");
      await ip("addr add 10.0.0.1/24 dev v0");
      await ip("route add 10.1.0.0/16 via 10.0.0.2 mtu 1300");
      await ip("route add 10.2.0.0/16 via 10.0.0.2");
      await ip("rule add not from 10.0.0.0/8 lookup 100 priority 10");
      await ip("rule add from 10.0.0.0/8 lookup 100 priority 11");
      await ip("neigh add proxy 10.0.0.50 dev v0");
      await ip("nexthop add id 5 via 10.9.9.9 dev v0 onlink");
      await tc("qdisc add dev v1 root handle 2: pfifo_fast");
      await tc("qdisc add dev v0 root handle 1: htb");
      await tc("class add dev v0 parent 1: classid 1:10 htb rate 1mbit");
      const match = "u32 match ip dst 10.0.0.0/8";
      await tc(`filter add dev v0 parent 1: prio 2 protocol ip ${match} classid 1:10`);
      await tc(
        `filter add dev v0 parent 1: prio 1 protocol ip ${match} action mirred egress redirect dev v1`,
      );
      await tc("qdisc add dev v1 clsact");
      await tc(
        "filter add dev v1 ingress prio 1 protocol all u32 match u32 0 0 action mirred egress redirect dev v0",
      );
      await using db = await IPDB.open({ netns: ns });
      const dbs = new Map([[ns, db]]);
      const snap = await snapshot(dbs);
      const mine = snap.namespaces[ns];
      const reason = "u32 filters with actions (mirred) are not modelled";
      assert.deepStrictEqual(mine.unmanaged, [
        {
          kind: "routes",
          dev: "v0",
          object: "route 10.1.0.0/16",
          reason: "not modelled: metrics (mtu)",
        },
        { kind: "rules", object: "rule priority 10 table 100", reason: "not modelled: not" },
        {
          kind: "neighbours",
          dev: "v0",
          object: "neigh proxy 10.0.0.50",
          reason: "proxy entries are not modelled",
        },
        { kind: "nexthops", dev: "v0", object: "nexthop id 5", reason: "not modelled: onlink" },
        {
          kind: "tc",
          dev: "v0",
          object: "filter u32 801::800 parent 1: prio 1 protocol ip",
          reason,
        },
        {
          kind: "tc",
          dev: "v1",
          object: "filter u32 800::800 parent ingress prio 1 protocol all",
          reason: "filters on clsact's hooks are not modelled",
        },
        {
          kind: "tc",
          dev: "v1",
          object: "qdisc pfifo_fast 2: parent root",
          reason: "qdisc kind pfifo_fast is not modelled",
        },
      ]);
      // What is modelled is written as before, and only that.
      assert.deepStrictEqual(mine.routes, [{ dst: "10.2.0.0/16", gateway: "10.0.0.2", dev: "v0" }]);
      assert.deepStrictEqual(mine.rules, [{ priority: 11, table: 100, src: "10.0.0.0/8" }]);
      assert.deepStrictEqual(
        mine.tc?.map((e) => `${e.object} ${e.dev} ${e.kind} ${e.handle}`),
        ["qdisc v0 htb 1:", "qdisc v1 clsact ffff:", "class v0 htb 1:10", "filter v0 u32 800::800"],
      );
      // The snapshot, list included, applies back as nothing to do.
      assert.ok((await plan(dbs, snap, { prune: true })).empty);
      // Prune of every route, rule and tc object: the modelled ones go, except the qdiscs
      // what is listed hangs on; the listed ones stay, and the plan says they are left alone.
      const bare: StateDocument = {
        version: 1,
        namespaces: { [ns]: { routes: [], rules: [], neighbours: [], nexthops: [], tc: [] } },
      };
      const p = await plan(dbs, bare, { prune: true });
      assert.deepStrictEqual(p.steps.map((s) => s.describe.split(" {")[0]), [
        "- rule 11: from 10.0.0.0/8 lookup 100",
        "- route 10.2.0.0/16 via 10.0.0.2 dev v0",
        "- tc filter u32 800::800 dev v0 parent 1: prio 2 protocol ip",
        "- tc class htb 1:10 dev v0 parent 1:",
      ]);
      assert.deepStrictEqual(p.unmanaged[ns], mine.unmanaged);
      assert.ok(
        p.review()[ns].includes(
          `= left alone: filter u32 801::800 parent 1: prio 1 protocol ip dev v0 (${reason})`,
        ),
      );
      const [code, out, err] = await netstatePlan(bare);
      assert.equal(code, 0);
      assert.match(err, /warning: 7 objects are not managed \(left alone/);
      assert.match(err, /qdisc pfifo_fast 2: parent root dev v1 \(qdisc kind/);
      assert.doesNotMatch(out, /left alone/);
      await apply(dbs, bare, { prune: true });
      const after = (await snapshot(dbs)).namespaces[ns];
      assert.deepStrictEqual(after.unmanaged, mine.unmanaged);
      assert.deepStrictEqual(after.routes, []);
      assert.deepStrictEqual(after.tc?.map((e) => `${e.object} ${e.dev} ${e.handle}`), [
        "qdisc v0 1:",
        "qdisc v1 ffff:",
      ]);
      assert.match(await tc("filter show dev v0 parent 1:"), /mirred/);
    });
  },
);
