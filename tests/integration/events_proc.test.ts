/**
 * The proc connector live. It runs in the initial network namespace only, where these tests
 * only read (subscribing changes nothing but the kernel's count of listeners): N short
 * children are seen forking, exec'ing and exiting with their exit codes; a listener that does
 * not read while many processes come and go gets an overrun item; a process in another
 * network namespace gets a clear error.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ProcConnectorUnavailableError, ProcEvents } from "../../events/mod.ts";
import type { ExitEvent, ProcEvent } from "../../events/mod.ts";
import { isRoot, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

const CHILD = new URL("./events_child.ts", import.meta.url).pathname;

Deno.test({
  ...await gate("proc events: N children fork, exec and exit with their codes", "proc:events"),
  fn: async () => {
    // Subscribed when constructed: the children run and end before the first next().
    using events = new ProcEvents({ signal: AbortSignal.timeout(20_000) });
    const codes = [0, 1, 2, 3, 7, 42];
    const pids = new Map<number, number>();
    for (const code of codes) {
      const p = new Deno.Command("sh", { args: ["-c", `exit ${code}`] }).spawn();
      pids.set(p.pid, code);
      assert.equal((await p.status).code, code);
    }
    const seen = new Map<number, Set<string>>([...pids.keys()].map((p) => [p, new Set()]));
    const exits = new Map<number, ExitEvent>();
    const done = () =>
      [...seen.values()].every((s) => s.has("fork") && s.has("exec") && s.has("exit"));
    for await (const e of events) {
      if (e.type === "overrun") continue;
      const pid = pidOf(e);
      if (pid === undefined || !seen.has(pid)) continue;
      seen.get(pid)!.add(e.type);
      if (e.type === "fork") assert.equal(e.parent_tgid, Deno.pid);
      if (e.type === "exit" && e.process_pid === e.process_tgid) exits.set(pid, e);
      if (done()) break;
    }
    assert.ok(done(), `missing events: ${JSON.stringify([...seen].map(([p, s]) => [p, [...s]]))}`);
    for (const [pid, code] of pids) {
      assert.equal(exits.get(pid)?.exitCode, code, `pid ${pid}`);
      assert.equal(exits.get(pid)?.signal, undefined);
    }
  },
});

function pidOf(e: ProcEvent): number | undefined {
  if (e.type === "fork") return e.child_tgid;
  if ("process_tgid" in e) return e.process_tgid;
  return undefined;
}

Deno.test({
  ...await gate("proc events: a listener that does not read gets an overrun item", "proc:events"),
  fn: async () => {
    // The smallest receive buffer the kernel allows, and processes coming and going.
    using events = new ProcEvents({ rcvbuf: 1024, signal: AbortSignal.timeout(20_000) });
    const children = Array.from({ length: 40 }, () => new Deno.Command("true").spawn());
    await Promise.all(children.map((c) => c.status));
    let overrun = false, items = 0;
    for await (const e of events) {
      items++;
      if (e.type === "overrun") {
        overrun = true;
        break;
      }
    }
    assert.ok(overrun, `no overrun among ${items} items`);
  },
});

Deno.test({
  name: "proc events: another network namespace gets ProcConnectorUnavailableError",
  ignore: !isRoot,
  fn: () =>
    withNetns(async (ns) => {
      const out = await new Deno.Command("ip", {
        args: ["netns", "exec", ns, Deno.execPath(), "run", "-A", "--no-lock", CHILD],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      const r = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.equal(r.ok, false);
      assert.equal(r.name, new ProcConnectorUnavailableError("").name);
      assert.match(r.message, /initial network namespace/);
    }, "proc"),
});

Deno.test({
  ...await gate(
    "proc events: close ends an iteration and unsubscribes; closing twice is harmless",
    "proc:events",
  ),
  fn: async () => {
    const events = new ProcEvents();
    const it = events[Symbol.asyncIterator]();
    const pending = it.next();
    events.close();
    events.close();
    assert.deepEqual(await pending, { value: undefined, done: true });
    assert.ok(events.socket.closed);
    const aborted = new ProcEvents({ signal: AbortSignal.abort() });
    for await (const _ of aborted) assert.fail("an aborted stream yields nothing");
    assert.ok(aborted.closed);
  },
});

Deno.test({
  ...await gate("proc events: examples/proc_events.ts prints a child's exit code", "proc:events"),
  fn: async () => {
    const example = new URL("../../examples/proc_events.ts", import.meta.url).pathname;
    const p = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-lock", example, "--for", "3"],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    // Children until the example, once subscribed, has printed one of their exits.
    const out = p.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const pids = new Set<number>();
    const seen = () => [...pids].some((pid) => text.includes(`exit     ${pid} code 5`));
    let reading = out.read();
    let ended = false;
    while (!seen() && !ended) {
      const c = new Deno.Command("sh", { args: ["-c", "exit 5"] }).spawn();
      pids.add(c.pid);
      await c.status;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const r = await Promise.race([
        reading,
        new Promise<null>((ok) => timer = setTimeout(ok, 200, null)),
      ]);
      clearTimeout(timer);
      if (r === null) continue; // the example has printed nothing yet: another child
      if (r.done) ended = true;
      else text += r.value;
      reading = out.read();
    }
    assert.ok(seen(), text);
    // Done: ^C ends it (its --for 3 is the bound should the signal not arrive), and it exits 0.
    if (!ended) p.kill("SIGINT");
    await out.cancel();
    await reading.catch(() => {});
    assert.equal((await p.status).code, 0);
  },
});
