/**
 * Oracle: `ip tc …` against tc 6.1 in one namespace with qdiscs and htb classes made by tc:
 * `-s` statistics (qdiscs in text and JSON, classes with htb's extended statistics), `-d`
 * details, `-j`, selectors (`root`, `ingress`, `handle`, `classid`), and every abbreviation tc
 * accepts for its objects and list verbs, generated from the tool's tables. Nothing sends
 * traffic meanwhile (IPv6 is off in the namespace before the links exist: no duplicate address
 * detection, router solicitations or MLD reports), so the counters hold still.
 */

import assert from "node:assert/strict";
import { isRoot, withNetns } from "../helpers.ts";
import { main } from "../../examples/ip.ts";
import { TC_VERBS } from "../../examples/ip/tc.ts";
import { abbreviations } from "../../examples/ip/match.ts";

interface Result {
  code: number;
  out: string;
  err: string;
}

async function tool(args: string[]): Promise<Result> {
  let out = "", err = "";
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const dec = new TextDecoder();
function run(cmd: string, args: string[]): Result {
  const r = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).outputSync();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

const SETUP = [
  ["sysctl", "-qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1"],
  ["ip", "link add v0 type veth peer name v1"],
  ["ip", "link set v0 up"],
  ["ip", "link set v1 up"],
  ["tc", "qdisc add dev v0 root handle 1: htb default 10"],
  ["tc", "class add dev v0 parent 1: classid 1:10 htb rate 1mbit"],
  ["tc", "class add dev v0 parent 1: classid 1:20 htb rate 2mbit ceil 4mbit prio 3"],
  ["tc", "qdisc add dev v0 parent 1:10 handle 20: pfifo limit 5"],
  ["tc", "qdisc add dev v1 root bfifo limit 30000"],
  ["tc", "qdisc add dev v1 ingress"],
];

Deno.test({
  name: "ip tool: tc listings with -s, -d, -j and selectors print what tc 6.1 prints",
  ignore: !isRoot,
  fn: () =>
    withNetns(async (ns) => {
      for (const [cmd, line] of SETUP) {
        const args = line.split(" ");
        const r = cmd === "sysctl"
          ? run("ip", ["netns", "exec", ns, cmd, ...args])
          : run(cmd, ["-n", ns, ...args]);
        assert.equal(r.code, 0, `${cmd} ${line}: ${r.err}`);
      }
      const lists = [
        "qdisc show",
        "qdisc show dev v0",
        "qdisc show dev v1 ingress",
        "qdisc show root",
        "qdisc show dev v0 handle 20:",
        "class show dev v0",
        "class show dev v0 classid 1:20",
        "class show",
        "qdisc",
      ];
      for (const list of lists) {
        for (const opts of [[], ["-s"], ["-j"], ["-s", "-j"], ["-d"], ["-s", "-d"]]) {
          const args = [...opts, ...list.split(" ")];
          const x = run("tc", ["-n", ns, ...args]);
          const y = await tool(["-n", ns, ...opts, "tc", ...list.split(" ")]);
          assert.equal(y.out, x.out, `tc ${args.join(" ")}`);
          assert.equal(y.code, x.code, `tc ${args.join(" ")}: ${x.err} / ${y.err}`);
        }
      }
      // Every abbreviation of an object and of a list verb.
      for (const [object, table] of Object.entries(TC_VERBS)) {
        // qdisc, class and filter come first in tc.c's order: each of their prefixes is theirs.
        const objects = [...object].map((_, i) => object.slice(0, i + 1));
        for (const [verb, [, handler]] of abbreviations(table.verbs)) {
          if (!handler || verb.startsWith("h")) continue;
          for (const o of objects) {
            const args = [o, verb, "dev", "v0"];
            const x = run("tc", ["-n", ns, "-s", ...args]);
            const y = await tool(["-n", ns, "-s", "tc", ...args]);
            assert.equal(y.out, x.out, `tc -s ${args.join(" ")}`);
            assert.equal(y.code, x.code, `tc -s ${args.join(" ")}`);
          }
        }
      }
    }, "iptc"),
});
