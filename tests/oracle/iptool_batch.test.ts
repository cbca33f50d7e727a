/**
 * Oracle: `ip -batch FILE` (and `-b`, `-force`) against iproute2's on the same file, each in a
 * namespace of its own: the same exit code, the same error lines ("Command failed FILE:LINE"
 * after each refused command, none after a usage error, which ends the run), the same output,
 * and the same state afterwards (IPv4: IPv6 link-local addresses and routes come and go with
 * DAD timers). With `-force` the tool pipelines the changes through
 * `ip.batch()`; without it every command waits for its answer, as iproute2's does.
 */

import assert from "node:assert/strict";
import { isRoot, withNetns } from "../helpers.ts";
import { main } from "../../examples/ip.ts";

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
function iproute2(args: string[]): Result {
  const r = new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).outputSync();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

/**
 * A file of changes with refusals along the way (an existing address, a missing device). Both
 * ends of a veth pair come up before routes are added: a route added while the carrier is off
 * is flagged linkdown until the kernel's linkwatch catches up, whenever that is.
 */
const MIXED = `# comments, blank lines, continuations and quotes are read as iproute2 reads them
link add v10 address 02:00:00:00:10:01 type veth peer name v11 address 02:00:00:00:10:02

link set v10 up
link set dev v11 \\
   up mtu 1400
addr add 10.5.0.1/24 dev v10
addr add 10.5.0.1/24 dev v10   # already there: refused
route add 10.6.0.0/16 via 10.5.0.2 dev v10
addr add 10.5.0.2/24 dev nosuch
rule add from 10.5.0.0/24 table 100 pref 1000
rule add from 10.5.0.0/24 table 100 pref 1000
neigh add 10.5.0.9 lladdr 00:11:22:33:44:55 dev v10
link set v11 alias "an alias with blanks"
route add 10.7.0.0/16 via 10.5.0.3 metric 5
route add 10.7.0.0/16 via 10.5.0.3 metric 5
addr add 10.5.1.1/24 dev v11 label v11:1
nexthop add id 7 dev v10
route show
route del 10.99.0.0/16
link add v12 address 02:00:00:00:10:03 type bridge
link set v11 master v12
addr add 10.5.2.1/24 dev v12
`;

/** Abbreviations, and a device made and used within one pipelined stretch. */
const ABBREVIATED =
  `l a v20 address 02:00:00:00:20:01 type veth peer name v21 address 02:00:00:00:20:02
l s v20 up
l s v21 up
a a 10.20.0.1/24 dev v20
a a 10.20.1.1/24 dev v21
r a 10.21.0.0/16 via 10.20.0.2
ru a fr 10.20.0.0/16 lookup 7 pref 700
n a 10.20.0.5 lla 00:11:22:33:44:66 dev v20
l a v22 address 02:00:00:00:20:03 type bridge
l s v21 master v22
a d 10.20.1.1/24 dev v21
ru s
r s
`;

/** A usage error in the middle: iproute2 exits there, -force or not. */
const USAGE_ERROR = `link add v30 address 02:00:00:00:30:01 type bridge
addr add 10.30.0.1/24 dev v30
route add 10.31.0.0/16 via
addr add 10.30.0.2/24 dev v30
`;

/** A neighbour refusal: iproute2 exits there (exit 2), -force or not. */
const NEIGH_REFUSED = `link add v40 address 02:00:00:00:40:01 type bridge
neigh add 10.40.0.1 lladdr 00:11:22:33:44:01 dev v40
neigh add 10.40.0.1 lladdr 00:11:22:33:44:01 dev v40
addr add 10.40.0.2/24 dev v40
`;

/**
 * `ip -j` output in a comparable form: entries sorted (a neighbour table's order differs between
 * namespaces), and a link's operstate and NO-CARRIER dropped (the kernel's linkwatch settles
 * them a moment after the change, whoever made it).
 */
function sortJson(text: string): string {
  const v = text.trim() ? JSON.parse(text) : [];
  if (!Array.isArray(v)) return text;
  return v.map((e: Record<string, unknown>) => {
    delete e.operstate;
    if (Array.isArray(e.flags)) e.flags = e.flags.filter((f) => f !== "NO-CARRIER");
    return JSON.stringify(e);
  }).sort().join("\n");
}

const STATE = [
  ["link", "show"],
  ["-4", "addr", "show"],
  ["-4", "route", "show", "table", "all"],
  ["rule", "show"],
  ["-4", "neigh", "show"],
  ["nexthop", "show"],
];

async function compare(text: string, options: string[]): Promise<void> {
  const file = Deno.makeTempFileSync({ suffix: ".batch" });
  try {
    Deno.writeTextFileSync(file, text);
    await withNetns(async (a) => {
      await withNetns(async (b) => {
        iproute2(["-n", a, "link", "set", "lo", "up"]);
        iproute2(["-n", b, "link", "set", "lo", "up"]);
        const x = iproute2(["-n", a, ...options, file]);
        const y = await tool(["-n", b, ...options, file]);
        assert.equal(y.err, x.err, "stderr");
        assert.equal(y.code, x.code, "exit code");
        assert.equal(y.out, x.out, "stdout");
        for (const show of STATE) {
          const sa = iproute2(["-n", a, "-j", ...show]);
          const sb = iproute2(["-n", b, "-j", ...show]);
          assert.equal(sortJson(sb.out), sortJson(sa.out), `state: ip ${show.join(" ")}`);
        }
      }, "batchb");
    }, "batcha");
  } finally {
    Deno.removeSync(file);
  }
}

Deno.test({
  name: "ip tool: -batch runs a file as iproute2's does (errors, -force, exit, state)",
  ignore: !isRoot,
  async fn(t) {
    for (
      const [name, text] of [
        ["mixed", MIXED],
        ["abbreviated", ABBREVIATED],
        ["usage error", USAGE_ERROR],
        ["neighbour refused", NEIGH_REFUSED],
      ] as const
    ) {
      await t.step(`${name}: -batch`, () => compare(text, ["-batch"]));
      await t.step(`${name}: -force -batch`, () => compare(text, ["-force", "-batch"]));
      await t.step(`${name}: -b (an abbreviation) with -fo`, () => compare(text, ["-fo", "-b"]));
    }
  },
});

Deno.test({
  name: "ip tool: -batch of a file that does not exist fails as iproute2's",
  ignore: !isRoot,
  async fn() {
    const args = ["-batch", `/nonexistent/nlt-${Deno.pid}.batch`];
    const x = iproute2(args), y = await tool(args);
    assert.equal(y.err, x.err);
    assert.equal(y.code, x.code);
  },
});

Deno.test("ip tool: -batch without a file name is a usage error, as in iproute2", async () => {
  const y = await tool(["-batch"]);
  assert.equal(y.code, 255);
  assert.match(y.err, /^Usage: ip/);
});
