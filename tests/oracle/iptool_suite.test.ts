/**
 * iproute2's own testsuite (testsuite/tests/ip), as tests/iproute2_suite.ts reproduces it: every
 * scenario that passes with iproute2 6.1 on this machine passes with the tool, each run in a
 * namespace of its own.
 */

import assert from "node:assert/strict";
import { isRoot } from "../helpers.ts";
import { iproute2, runScenario, SCENARIOS, tool } from "../iproute2_suite.ts";

Deno.test({
  name: "iproute2 testsuite: what passes with iproute2 passes with the tool",
  ignore: !isRoot,
  async fn(t) {
    for (const s of SCENARIOS) {
      const theirs = await runScenario(s, iproute2);
      await t.step({
        name: theirs.length ? `${s.name} (skipped: iproute2 fails it here: ${theirs[0]})` : s.name,
        ignore: theirs.length > 0,
        fn: async () => assert.deepEqual(await runScenario(s, tool), []),
      });
    }
  },
});
