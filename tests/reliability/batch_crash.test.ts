/**
 * A bad command in `ip.batch` (a Symbol, a null-prototype object) rejects the caller's promise
 * with a BatchError naming the failure; it never ends the process with "Uncaught (in promise)".
 * Run in a child process, whose exit code tells.
 *
 * @module
 */

import assert from "node:assert/strict";
import { isRoot, withNetns } from "../helpers.ts";

const CHILD = new URL("./batch_child.ts", import.meta.url).pathname;

Deno.test({
  name: "batch: bad commands reject the caller's promise, the process lives on (exit code 0)",
  ignore: !isRoot,
  fn: () =>
    withNetns(async (ns) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CHILD, ns],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, `the child died: ${stderr}`);
      assert.doesNotMatch(stderr, /Uncaught/);
      const r = JSON.parse(new TextDecoder().decode(out.stdout)) as Record<
        string,
        { name: string; failures: string[]; message: string }
      >;
      assert.equal(Object.keys(r).length, 11);
      for (const [k, v] of Object.entries(r)) {
        assert.equal(v.name, "BatchError", `${k}: ${JSON.stringify(v)}`);
        assert.deepEqual(v.failures, ["TypeError"], `${k}: ${JSON.stringify(v)}`);
      }
      assert.match(r.symbolRoute.message, /route symbol Symbol\(x\)/);
      assert.match(r.nullProtoRoute.message, /route an object/);
    }, "rbatch"),
});
