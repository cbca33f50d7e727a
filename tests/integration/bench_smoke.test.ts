/**
 * Smoke test of bench/compare.ts: its quick variant (1k routes, ours only, one run) runs, writes
 * its JSON, and leaves none of its namespaces behind. The full comparison is not part of the
 * tests (it takes minutes and needs Debian packages): `deno task bench:compare`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { isRoot } from "../helpers.ts";
import * as netns from "../../ffi/netns.ts";

Deno.test({
  name: "bench: compare.ts --quick runs and removes its namespaces",
  ignore: !isRoot,
  async fn() {
    const prefix = `nlbsmoke-${Deno.pid}`;
    const out = await Deno.makeTempFile({ prefix: "nlbench-smoke-", suffix: ".json" });
    try {
      const script = new URL("../../bench/compare.ts", import.meta.url).pathname;
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", script, "--quick", `--prefix=${prefix}`, `--out=${out}`],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(run.stderr);
      assert.equal(run.code, 0, stderr);
      const result = JSON.parse(Deno.readTextFileSync(out));
      const tools = result.rows.map((r: { tool: string }) => r.tool);
      assert.ok(tools.includes("ours lazy (iterRoutes)"), tools.join(", "));
      assert.ok(tools.includes("ours full (getRoutes + dst/gateway/oif)"), tools.join(", "));
      for (const r of result.rows) assert.ok(r.median > 0, `${r.tool}: ${r.median}`);
    } finally {
      Deno.removeSync(out);
      // Whatever happened, none of its namespaces may remain.
      const left = netns.list().filter((n) => n.startsWith(prefix));
      for (const n of left) netns.remove(n);
      assert.deepEqual(left, []);
    }
  },
});
