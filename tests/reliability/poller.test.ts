/**
 * The shared poll under failure: when poll() fails on every call (here EINVAL: more descriptors
 * watched than the process may have, after its limit was lowered), everybody waiting is rejected
 * with an error saying so, instead of the poll spinning for ever with every request stuck.
 *
 * @module
 */

import assert from "node:assert/strict";
import { isRoot, withNetns } from "../helpers.ts";

const ignore = !isRoot || !(() => {
  try {
    return new Deno.Command("prlimit", { args: ["--version"] }).outputSync().success;
  } catch {
    return false;
  }
})();
const CHILD = new URL("./poll_child.ts", import.meta.url).pathname;

Deno.test({
  name: "poller: a poll() that keeps failing rejects every waiter, it does not spin",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CHILD, ns],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const reader = child.stdout.getReader();
      let text = "";
      while (!text.includes("ready\n")) {
        const r = await reader.read();
        if (r.done) break;
        text += new TextDecoder().decode(r.value);
      }
      assert.ok(text.includes("ready"), text);
      const lim = await new Deno.Command("prlimit", {
        args: ["--pid", String(child.pid), "--nofile=16:16"],
      }).output();
      assert.ok(lim.success, "prlimit failed");
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode("go\n"));
      await w.close();
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        text += new TextDecoder().decode(r.value);
      }
      const status = await child.status;
      const stderr = await new Response(child.stderr).text();
      const line = text.split("\n").find((l) => l.startsWith("{"));
      assert.ok(line, `child printed ${text}, stderr ${stderr}, status ${JSON.stringify(status)}`);
      const out = JSON.parse(line!);
      assert.equal(out.hung, undefined, "the waiters hung");
      assert.deepEqual(out.results.length, 1, JSON.stringify(out));
      assert.match(out.results[0], /rejected: poll\(\) failed \d+ times in a row/);
      assert.equal(status.code, 0);
    }, "rpoll"),
});
