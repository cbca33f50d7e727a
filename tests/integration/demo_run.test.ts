/**
 * `deno task demo` (examples/demo.ts): runs the three walkthroughs with --allow-ffi only, exits
 * 0, and leaves no namespace behind; without root it says so and exits non-zero.
 */

import assert from "node:assert/strict";
import { netns } from "../../mod.ts";
import { isRoot } from "../helpers.ts";
import { gate } from "../features.ts";

const DEMO = new URL("../../examples/demo.ts", import.meta.url).pathname;

async function runDemo(
  prefix: string[] = [],
): Promise<{ code: number; out: string; err: string; pid: number }> {
  const cmd = [...prefix, Deno.execPath(), "run", "--allow-ffi", DEMO];
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const r = await child.output();
  const dec = new TextDecoder();
  return {
    // unshare execs the demo in place, so this is the pid the demo names its namespace by.
    pid: child.pid,
    code: r.code,
    out: dec.decode(r.stdout),
    err: dec.decode(r.stderr),
  };
}

Deno.test({
  ...(await gate(
    "demo: runs the iproute, ipdb and taskstats walkthroughs and exits 0",
    "genl:TASKSTATS",
  )),
  async fn() {
    const r = await runDemo();
    assert.equal(r.code, 0, `demo failed:\n${r.out}\n${r.err}`);
    for (
      const marker of [
        "== 1. iproute",
        'ip.link("set", { index: dev, address: "00:11:22:33:44:55", ifname: "vpn" })',
        "vpn (index",
        "addresses [10.0.0.1/24, 10.0.0.2/24]",
        "== 2. ipdb",
        "tap0.review()",
        '"ifname": "tap0 -> vpn"',
        '"+10.0.0.1/24"',
        "tap0.rollback()",
        "await tap0.commit()",
        "transaction(",
        "committed: mtu 1400, up",
        "refused and rolled back",
        "== 3. taskstats",
      ]
    ) assert.ok(r.out.includes(marker), `missing ${JSON.stringify(marker)} in:\n${r.out}`);
    assert.match(r.out, /pid \d+ \(deno\), uid 0\n\s+cpu: \d+ runs/);
    const ns = /namespace: (\S+)/.exec(r.out)?.[1];
    assert.ok(ns, "the demo names its namespace");
    assert.ok(r.out.includes(`namespace ${ns} removed`));
    // Only its own name: a parallel run elsewhere on the machine may have a demo-<pid> of its own.
    assert.ok(!netns.list().includes(ns!), `${ns} left behind`);
  },
});

Deno.test({
  name: "demo: without root it says so and exits non-zero (run in a user namespace)",
  ignore: !isRoot,
  async fn() {
    const unshare = await new Deno.Command("sh", { args: ["-c", "command -v unshare"] }).output();
    if (!unshare.success) return;
    const r = await runDemo(["unshare", "--user"]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /needs root/);
    // Only its own name: a parallel run elsewhere on the machine may have a demo-<pid> of its own.
    assert.ok(!netns.list().includes(`demo-${r.pid}`), `demo-${r.pid} left behind`);
  },
});
