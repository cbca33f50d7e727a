/**
 * examples/ethtool.ts prints what ethtool 6.1 prints for `-k`, `-l` and `-T` (text equal) and
 * `--json -k` (the same JSON), and reports refusals as ethtool does, on a veth pair in a
 * namespace the test makes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { main } from "../../examples/ethtool.ts";
import { ipCmd, run, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

async function ours(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const code = await main(argv, { out: (t) => out += t, err: (t) => err += t });
  return { code, out, err };
}

Deno.test({
  ...await gate(
    "examples/ethtool.ts: -k, -l, -T and --json -k as ethtool prints them",
    "genl:ethtool",
  ),
  fn: () =>
    withNetns(async (ns) => {
      await ipCmd(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
      const tool = (...a: string[]) => run("ip", ["netns", "exec", ns, "ethtool", ...a]);
      for (const args of [["-k", "v0"], ["-l", "v0"], ["-T", "v0"]]) {
        const r = await ours(["-n", ns, ...args]);
        assert.equal(r.code, 0, r.err);
        assert.equal(r.out, await tool(...args), args.join(" "));
      }
      const j = await ours(["-n", ns, "--json", "-k", "v0"]);
      assert.deepEqual(JSON.parse(j.out), JSON.parse(await tool("--json", "-k", "v0")));
      assert.equal((await ours(["-n", ns, "-K", "v0", "tso", "off"])).code, 0);
      assert.equal((await ours(["-n", ns, "-k", "v0"])).out, await tool("-k", "v0"));
      const g = await ours(["-n", ns, "-g", "v0"]);
      assert.equal(g.code, 1);
      assert.equal(g.err, "netlink error: Operation not supported\n");
    }, "ethtool-tool"),
});
