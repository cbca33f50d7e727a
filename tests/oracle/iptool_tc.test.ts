/**
 * Oracle: `ip tc …` against tc 6.1 in one namespace with qdiscs, htb classes and u32/bpf
 * filters made by tc: `-s` statistics (qdiscs in text and JSON, classes with htb's extended
 * statistics, filters' actions with their counters), `-d` details, `-j`, selectors (`root`,
 * `ingress`, `handle`, `classid`, `pref`, `chain`, `parent`), and every abbreviation tc
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
  // Filters: u32 keys, hash tables and links, offsets, flags, input device; mirred actions
  // (the actions this kernel has); classic bpf.
  ["tc", "filter add dev v0 parent 1: protocol ip prio 1 u32 match ip dst 10.1.0.0/16 flowid 1:10"],
  [
    "tc",
    "filter add dev v0 parent 1: protocol ip prio 2 u32 match ip src 10.2.0.0/16 " +
    "match ip dport 80 0xffff flowid 1:20 action mirred egress mirror dev v1",
  ],
  ["tc", "filter add dev v0 parent 1: prio 4 handle 2: protocol ip u32 divisor 256"],
  [
    "tc",
    "filter add dev v0 parent 1: protocol ip prio 4 u32 ht 800:: match ip src 10.3.0.0/16 " +
    "hashkey mask 0x000000ff at 12 link 2:",
  ],
  [
    "tc",
    "filter add dev v0 parent 1: protocol ip prio 5 u32 match ip protocol 6 0xff " +
    "offset at 0 mask 0x0f00 shift 6 eat flowid 1:10",
  ],
  [
    "tc",
    "filter add dev v0 parent 1: protocol ip prio 6 u32 skip_hw match ip tos 0x10 0xff classid 1:20",
  ],
  [
    "tc",
    "filter add dev v1 parent ffff: protocol all prio 7 u32 match u32 0 0 flowid :1 " +
    "action mirred ingress redirect dev v0",
  ],
  [
    "tc",
    "filter add dev v1 parent ffff: protocol 802.1Q prio 8 u32 match u16 0x0800 0xffff at -2 " +
    "action mirred egress redirect dev v0 action mirred egress mirror dev v0",
  ],
  [
    "tc",
    "filter add dev v1 parent ffff: protocol ip prio 9 u32 match ip sport 53 0xffff " +
    "match ip dport 53 0xffff indev v1 flowid :2",
  ],
];

/** tc's classic bpf filter: its bytecode is one argument with spaces. */
const BPF = [
  ..."filter add dev v0 parent 1: protocol ip prio 3 bpf".split(" "),
  "bytecode",
  "1,6 0 0 4294967295,",
  ..."flowid 1:10".split(" "),
];

/** An action's age in seconds may tick between tc's dump and ours: both are masked. */
function maskAges(text: string): string {
  return text.replace(/(installed|used) \d+ sec/g, "$1 N sec")
    .replace(/"(installed|last_used)":\d+/g, '"$1":N');
}

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
      const bpf = run("tc", ["-n", ns, ...BPF]);
      assert.equal(bpf.code, 0, bpf.err);
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
        "filter show dev v0",
        "filter show dev v0 parent 1:",
        "filter show dev v0 pref 2",
        "filter show dev v0 pref 4",
        "filter show dev v0 chain 0",
        "filter show dev v0 root",
        "filter show dev v0 parent 1: pref 5 chain 0",
        "filter show dev v1 ingress",
        "filter show dev v1 parent ffff:",
        "filter show dev v1",
        "filter show dev v1 egress",
        "filter dev v1 ingress",
      ];
      for (const list of lists) {
        for (const opts of [[], ["-s"], ["-j"], ["-s", "-j"], ["-d"], ["-s", "-d"]]) {
          const args = [...opts, ...list.split(" ")];
          const x = run("tc", ["-n", ns, ...args]);
          const y = await tool(["-n", ns, ...opts, "tc", ...list.split(" ")]);
          assert.equal(maskAges(y.out), maskAges(x.out), `tc ${args.join(" ")}`);
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
            assert.equal(maskAges(y.out), maskAges(x.out), `tc -s ${args.join(" ")}`);
            assert.equal(y.code, x.code, `tc -s ${args.join(" ")}`);
          }
        }
      }
    }, "iptc"),
});
