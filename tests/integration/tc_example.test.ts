/**
 * examples/tc.ts runs with --allow-ffi only: it shapes a veth in a throwaway namespace, prints
 * the htb tree with its statistics, and leaves no namespace behind.
 */

import assert from "node:assert/strict";
import { netns } from "../../mod.ts";
import { gate } from "../features.ts";

const EXAMPLE = new URL("../../examples/tc.ts", import.meta.url).pathname;

Deno.test({
  ...(await gate(
    "examples/tc.ts: prints the htb tree with statistics and removes its namespace",
    "qdisc:htb",
    "filter:u32",
  )),
  async fn() {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-ffi", EXAMPLE],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // The example names its namespace after its own pid; other runs of it (a parallel suite on
    // the same machine) have theirs, so only this one is looked for.
    const name = `tc-example-${child.pid}`;
    const r = await child.output();
    const out = new TextDecoder().decode(r.stdout);
    assert.equal(r.code, 0, `${out}\n${new TextDecoder().decode(r.stderr)}`);
    assert.match(out, /^qdisc htb 1: root default 1:20 r2q 10$/m);
    assert.match(out, /^ {2}class htb 1:10 prio 0 rate 10Mbit ceil 20Mbit burst 1600b/m);
    assert.match(out, /^ {2}class htb 1:20 prio 1 rate 1Mbit ceil 5Mbit/m);
    assert.match(out, /^filter u32 parent 1: prio 1 protocol ip -> 1:10$/m);
    assert.match(out, /^ {4}match 0a010000\/ffff0000 at 16$/m);
    assert.equal((out.match(/Sent \d+ bytes \d+ pkt/g) ?? []).length, 3);
    assert.ok(!netns.list().includes(name), `${name} is still listed after the example ended`);
  },
});
