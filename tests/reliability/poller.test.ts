/**
 * The shared poll under failure: when poll() fails on every call (here EINVAL: more descriptors
 * watched than the process may have, after its limit was lowered), everybody waiting is rejected
 * with an error saying so, instead of the poll spinning for ever with every request stuck.
 *
 * @module
 */

import assert from "node:assert/strict";
import { isRoot, withNetns } from "../helpers.ts";

const CHILD = new URL("./poll_child.ts", import.meta.url).pathname;

Deno.test({
  name: "poller: a poll() that keeps failing rejects every waiter, it does not spin",
  ignore: !isRoot,
  fn: () =>
    withNetns(async (ns) => {
      // A child process: it lowers its own descriptor limit (see poll_child.ts for how it keeps
      // the runtime's own descriptors working meanwhile).
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CHILD, ns],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      const line = text.split("\n").find((l) => l.startsWith("{"));
      assert.ok(line, `child printed ${text}, stderr ${stderr}, exit code ${out.code}`);
      const res = JSON.parse(line!);
      assert.equal(res.hung, undefined, "the waiters hung");
      assert.deepEqual(
        res.results,
        ["rejected: poll() failed 100 times in a row watching 65 descriptors"],
        JSON.stringify(res),
      );
      assert.equal(out.code, 0, stderr);
    }, "rpoll"),
});
