/**
 * Oracle: every abbreviation iproute2 6.1 accepts for what the `ip` tool has — global options,
 * objects, each object's verbs and the words of `ip monitor` — is generated from the tool's
 * tables (which keep iproute2's order, so a prefix resolves as iproute2's first `matches()`
 * does) and run by both: iproute2 in one namespace, the tool in its twin. Exit code, stdout and
 * stderr must be equal (help texts: the exit code), and after a change the two namespaces must
 * be in the same state.
 */

import assert from "node:assert/strict";
import { isRoot, withNetns } from "../helpers.ts";
import { main, OPTIONS } from "../../examples/ip.ts";
import { OBJECTS, VERB_TABLES } from "../../examples/ip/objects.ts";
import { MONITOR_ARGS } from "../../examples/ip/monitor.ts";
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

/** Runs iproute2's ip (synchronously: spawning is several times faster than with `output()`). */
function iproute2(args: string[]): Result {
  const r = new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).outputSync();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

/** Runs full-word commands in a namespace through iproute2's batch mode (one process). */
function setupCommands(ns: string, lines: string[], batch: string): void {
  if (lines.length === 0) return;
  Deno.writeTextFileSync(batch, lines.join("\n") + "\n");
  const r = iproute2(["-n", ns, "-force", "-batch", batch]);
  assert.equal(r.err, "", `setup in ${ns}: ${lines.join("; ")}`);
}

const SETUP = [
  "link set lo up",
  "link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02",
  "link set v0 up",
  "addr add 10.0.0.1/24 dev v0",
  "route add 10.1.0.0/16 via 10.0.0.254",
  "rule add from 10.0.0.0/24 table 100 pref 1000",
  "neigh add 10.0.0.9 lladdr 00:11:22:33:44:99 dev v0",
  "nexthop add id 1 dev lo",
];

/** One generated case: the arguments after `-n NS`, what to prepare and undo, what to compare. */
interface Case {
  args: (side: string) => string[];
  pre?: (side: string) => string[];
  post?: (side: string) => string[];
  /** `ip -j` arguments whose output must agree afterwards. */
  state?: string[];
  /** Compare only the exit code (usage texts differ). */
  codeOnly?: boolean;
  /** Compare the output's lines in any order (neighbour tables hash per namespace). */
  anyOrder?: boolean;
}

/** A neighbour address of its own for case `n`. */
const HOST = (n: number) => `10.${100 + (n >> 8)}.0.${n & 255}`;
const MAC = (n: number) => `02:00:00:00:01:${n.toString(16).padStart(2, "0")}`;

/** What to run for an abbreviation `v` of `verb` of `object`. */
function verbCase(object: string, verb: string, v: string, n: number): Case | undefined {
  const a = (...rest: string[]) => () => [object, v, ...rest];
  if (verb === "help") return { args: a(), codeOnly: true };
  switch (`${object} ${verb}`) {
    case "address add":
      return {
        args: a(`10.9.${n}.1/24`, "dev", "v0"),
        post: () => [`address del 10.9.${n}.1/24 dev v0`],
        state: ["-4", "addr", "show", "dev", "v0"],
      };
    case "address change":
    case "address chg":
    case "address replace":
      return {
        args: a("10.0.0.1/24", "dev", "v0", "metric", String(n)),
        state: ["-4", "addr", "show", "dev", "v0"],
      };
    case "address delete":
      return {
        pre: () => [`address add 10.8.${n}.1/24 dev v0`],
        args: a(`10.8.${n}.1/24`, "dev", "v0"),
        state: ["-4", "addr", "show", "dev", "v0"],
      };
    case "address list":
    case "address show":
    case "address lst":
      return { args: a("dev", "v0") };
    case "address flush":
      return {
        pre: () => [`address add 10.7.${n}.1/24 dev v1`],
        args: a("dev", "v1"),
        state: ["-4", "addr", "show", "dev", "v1"],
      };
    case "link add":
      return {
        args: a(`x${n}`, "address", MAC(n), "type", "bridge"),
        post: () => [`link del x${n}`],
        state: ["link", "show", "dev", `x${n}`],
      };
    case "link set":
    case "link change":
      return {
        args: a("dev", "v1", "mtu", String(1300 + n)),
        state: ["link", "show", "dev", "v1"],
      };
    case "link delete":
      return {
        pre: () => [`link add y${n} address ${MAC(n)} type bridge`],
        args: a(`y${n}`),
        state: ["link", "show"],
      };
    case "link show":
    case "link lst":
    case "link list":
      return { args: a("dev", "v1") };
    case "route add":
    case "route replace":
    case "route append":
      return {
        args: a(`10.20.${n}.0/24`, "via", "10.0.0.254"),
        post: () => [`route del 10.20.${n}.0/24`],
        state: ["route", "show"],
      };
    case "route change":
    case "route chg":
      return {
        pre: () => [`route add 10.21.${n}.0/24 via 10.0.0.254`],
        args: a(`10.21.${n}.0/24`, "via", "10.0.0.253"),
        post: () => [`route del 10.21.${n}.0/24`],
        state: ["route", "show"],
      };
    case "route delete":
      return {
        pre: () => [`route add 10.22.${n}.0/24 via 10.0.0.254`],
        args: a(`10.22.${n}.0/24`),
        state: ["route", "show"],
      };
    case "route list":
    case "route show":
    case "route lst":
      return { args: a() };
    case "route get":
      return { args: a("10.1.2.3") };
    case "route flush":
      return {
        pre: () => [`route add 10.23.${n}.0/24 via 10.0.0.254`],
        args: a(`10.23.${n}.0/24`),
        state: ["route", "show"],
      };
    case "rule list":
    case "rule lst":
    case "rule show":
      return { args: a() };
    case "rule add":
      return {
        args: a("from", `10.30.${n}.0/24`, "table", "30", "pref", String(3000 + n)),
        post: () => [`rule del pref ${3000 + n}`],
        state: ["rule", "show"],
      };
    case "rule delete":
      return {
        pre: () => [`rule add from 10.31.${n}.0/24 table 31 pref ${3100 + n}`],
        args: a("pref", String(3100 + n)),
        state: ["rule", "show"],
      };
    case "rule flush":
      return {
        pre: () => [`rule add from 10.32.${n}.0/24 table 32 pref ${3200 + n}`],
        args: a("table", "32"),
        state: ["rule", "show"],
      };
    case "neighbor add":
    case "neighbour add":
      return {
        args: a(HOST(n), "lladdr", MAC(n), "dev", "v0"),
        post: () => [`neigh del ${HOST(n)} dev v0`],
        state: ["-4", "neigh", "show"],
      };
    case "neighbor change":
    case "neighbor chg":
    case "neighbor replace":
    case "neighbour change":
    case "neighbour chg":
    case "neighbour replace":
      return {
        args: a("10.0.0.9", "lladdr", MAC(n), "dev", "v0"),
        state: ["-4", "neigh", "show"],
      };
    case "neighbor delete":
    case "neighbour delete":
      return {
        pre: () => [`neigh add ${HOST(n)} lladdr ${MAC(n)} dev v0`],
        args: a(HOST(n), "dev", "v0"),
        state: ["-4", "neigh", "show"],
      };
    case "neighbor get":
    case "neighbour get":
      return {
        pre: () => [`neigh add ${HOST(n)} lladdr ${MAC(n)} dev v0`],
        args: a(HOST(n), "dev", "v0"),
        post: () => [`neigh del ${HOST(n)} dev v0`],
      };
    case "neighbor show":
    case "neighbor lst":
    case "neighbor list":
    case "neighbour show":
    case "neighbour lst":
    case "neighbour list":
      return { args: a("dev", "v0"), anyOrder: true };
    case "neighbor flush":
    case "neighbour flush":
      return {
        pre: () => [`neigh add ${HOST(n)} lladdr ${MAC(n)} dev v0 nud stale`],
        args: a("to", HOST(n)),
        state: ["-4", "neigh", "show"],
      };
    case "nexthop add":
      return {
        args: a("id", String(100 + n), "dev", "lo"),
        post: () => [`nexthop del id ${100 + n}`],
        state: ["nexthop", "show"],
      };
    case "nexthop replace":
      return {
        args: a("id", "1", "blackhole"),
        state: ["nexthop", "show"],
      };
    case "nexthop delete":
      return {
        pre: () => [`nexthop add id ${150 + n} dev lo`],
        args: a("id", String(150 + n)),
        state: ["nexthop", "show"],
      };
    case "nexthop list":
    case "nexthop show":
    case "nexthop lst":
      return { args: a() };
    case "nexthop flush":
      return {
        pre: () => [`nexthop add id ${180 + n} blackhole`],
        args: a("id", String(180 + n)),
        state: ["nexthop", "show"],
      };
    case "netns list":
    case "netns show":
    case "netns lst":
      // Lists the machine's named namespaces, which other tests create and remove meanwhile.
      return { args: a(), codeOnly: true };
    case "netns list-id":
      return { args: a() };
    case "netns add":
      return {
        args: (side) => ["netns", v, `nlt-abbr-${Deno.pid}-${side}${n}`],
        post: (side) => [`netns del nlt-abbr-${Deno.pid}-${side}${n}`],
      };
    case "netns set":
      return {
        pre: (side) => [`netns add nlt-abbr-${Deno.pid}-${side}${n}`],
        args: (side) => ["netns", v, `nlt-abbr-${Deno.pid}-${side}${n}`, String(n)],
        post: (side) => [`netns del nlt-abbr-${Deno.pid}-${side}${n}`],
        state: ["netns", "list-id"],
      };
    case "netns delete":
      return {
        pre: (side) => [`netns add nlt-abbr-${Deno.pid}-${side}${n}`],
        args: (side) => ["netns", v, `nlt-abbr-${Deno.pid}-${side}${n}`],
      };
  }
  return undefined;
}

/** The saved link message `ip monitor file` reads in these cases (one RTM_NEWLINK). */
function monitorFile(): string {
  const path = Deno.makeTempFileSync({ suffix: ".nl" });
  const name = new TextEncoder().encode("eth9\0");
  const attr = (type: number, payload: Uint8Array) => {
    const b = new Uint8Array((4 + payload.length + 3) & ~3);
    new DataView(b.buffer).setUint16(0, 4 + payload.length, true);
    new DataView(b.buffer).setUint16(2, type, true);
    b.set(payload, 4);
    return b;
  };
  const u32 = (v: number) => new Uint8Array(new Uint32Array([v]).buffer);
  const parts = [
    attr(3, name),
    attr(4, u32(1500)),
    attr(1, Uint8Array.of(2, 0, 0, 0, 0, 9)),
  ];
  const len = 16 + 16 + parts.reduce((s, p) => s + p.length, 0);
  const msg = new Uint8Array(len);
  const dv = new DataView(msg.buffer);
  dv.setUint32(0, len, true);
  dv.setUint16(4, 16, true); // RTM_NEWLINK
  dv.setUint16(18, 1, true); // ARPHRD_ETHER
  dv.setInt32(20, 9, true);
  dv.setUint32(24, 0x1003, true);
  let off = 32;
  for (const p of parts) {
    msg.set(p, off);
    off += p.length;
  }
  Deno.writeFileSync(path, msg);
  return path;
}

/** `ip -j` output with its entries in a fixed order (dump order is per namespace for some). */
function sortJson(text: string): string {
  const v = text.trim() ? JSON.parse(text) : [];
  return Array.isArray(v) ? v.map((e) => JSON.stringify(e)).sort().join("\n") : text;
}

/** Every case: options, objects, verbs, monitor words. */
function cases(file: string): [string, Case][] {
  const out: [string, Case][] = [];
  for (const [arg, [word, run]] of abbreviations(OPTIONS)) {
    if (!run || word === "-batch" || word === "-Version") continue;
    const withArg = word === "-loops" ? ["1"] : word === "-rcvbuf" ? ["65536"] : [];
    if (word === "-family") {
      out.push([`option ${arg}`, { args: () => [arg, "inet", "addr", "show", "dev", "v0"] }]);
    } else if (word === "-netns" || word === "-help" || word === "-color") {
      // -color: accepted, but this tool never colours its output.
      out.push([`option ${arg}`, { args: () => [arg], codeOnly: true }]);
    } else {
      out.push([`option ${arg}`, { args: () => [arg, ...withArg, "link", "show", "dev", "v1"] }]);
    }
  }
  for (const [arg, [word, run]] of abbreviations(OBJECTS)) {
    if (!run || word === "tc" || word === "taskstats") continue;
    if (word === "help") out.push([`object ${arg}`, { args: () => [arg], codeOnly: true }]);
    else if (word === "monitor") {
      out.push([`object ${arg}`, { args: () => [arg, "file", file] }]);
    } else if (word === "netns") {
      out.push([`object ${arg}`, { args: () => [arg, "list-id"] }]);
    } else out.push([`object ${arg}`, { args: () => [arg] }]);
  }
  let n = 0;
  for (const [object, table] of Object.entries(VERB_TABLES)) {
    for (const [v, [verb, run]] of abbreviations(table.verbs)) {
      if (!run) continue;
      const c = verbCase(object, verb, v, ++n);
      if (!c) throw new Error(`no case for ${object} ${verb}`);
      out.push([`${object} ${v}`, c]);
    }
  }
  for (const [arg, [, what]] of abbreviations(MONITOR_ARGS)) {
    if (!what || what === "file") continue;
    if (what === "help") {
      out.push([`monitor ${arg}`, { args: () => ["monitor", arg], codeOnly: true }]);
    } else out.push([`monitor ${arg}`, { args: () => ["monitor", arg, "file", file] }]);
  }
  return out;
}

Deno.test({
  name: "ip tool: every abbreviation iproute2 accepts (options, objects, verbs) does what it does",
  ignore: !isRoot,
  async fn(t) {
    const file = monitorFile();
    const batch = Deno.makeTempFileSync({ suffix: ".batch" });
    try {
      await withNetns(async (a) => {
        await withNetns(async (b) => {
          setupCommands(a, SETUP, batch);
          setupCommands(b, SETUP, batch);
          for (const [name, c] of cases(file)) {
            await t.step(name, async () => {
              setupCommands(a, c.pre?.("a") ?? [], batch);
              setupCommands(b, c.pre?.("b") ?? [], batch);
              const x = iproute2(["-n", a, ...c.args("a")]);
              const y = await tool(["-n", b, ...c.args("b")]);
              // A namespace another process is removing right then answers "Peer netns reference
              // is invalid" to whichever listing meets it.
              const racy = /^Error: Peer netns reference is invalid\.\n/gm;
              const lines = (s: string) =>
                c.anyOrder ? s.split("\n").sort().join("\n") : s.replace(racy, "");
              const same = (s: string) => lines(s.replaceAll(`nlt-abbr-${Deno.pid}-b`, "SIDE"));
              const norm = (s: string) => lines(s.replaceAll(`nlt-abbr-${Deno.pid}-a`, "SIDE"));
              assert.equal(y.code, x.code, `exit code; iproute2 said ${x.err}, tool ${y.err}`);
              if (!c.codeOnly) {
                assert.equal(same(y.err), norm(x.err));
                assert.equal(same(y.out), norm(x.out));
              }
              if (c.state) {
                const sa = iproute2(["-n", a, "-j", ...c.state]);
                const sb = iproute2(["-n", b, "-j", ...c.state]);
                assert.equal(
                  sortJson(same(sb.out)),
                  sortJson(norm(sa.out)),
                  `state: ip ${c.state.join(" ")}`,
                );
              }
              setupCommands(a, c.post?.("a") ?? [], batch);
              setupCommands(b, c.post?.("b") ?? [], batch);
            });
          }
        }, "abbrb");
      }, "abbra");
    } finally {
      Deno.removeSync(file);
      Deno.removeSync(batch);
    }
  },
});
