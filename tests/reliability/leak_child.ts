/**
 * The measured side of leaks.test.ts, run in a child process with `--expose-gc`:
 *
 *     deno run --v8-flags=--expose-gc -A leak_child.ts KIND CYCLES [NETNS]   (-A: /proc/self)
 *
 * KIND is `iproute` (open, one request, close), `iproute-dump` (open, a dump, close), `genl`
 * (open, resolve nlctrl, close), `taskstats` (open, the stats of this process, close) or
 * `iproute-noclose` (a deliberate leak, to prove the checks work). Prints
 * one JSON line: descriptors and memory after a warm-up and at the end, with garbage collected.
 * Reads only; a named namespace must exist.
 *
 * @module
 */

import { GenericNetlink, IPRoute, TaskStats } from "../../mod.ts";

const [kind, cyclesArg, ns] = Deno.args;
const cycles = Number(cyclesArg);
const gc = (globalThis as unknown as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");

function fds(): number {
  let n = 0;
  for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
  return n;
}

interface Mark {
  fds: number;
  heap: number;
  external: number;
  rss: number;
}

async function settle(): Promise<Mark> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    gc!();
  }
  const m = Deno.memoryUsage();
  return { fds: fds(), heap: m.heapUsed, external: m.external, rss: m.rss };
}

async function once(): Promise<void> {
  const netns = ns && ns !== "-" ? ns : undefined;
  switch (kind) {
    case "iproute": {
      using ip = new IPRoute({ netns });
      const [lo] = await ip.link("get", { index: 1 });
      if (lo.ifname !== "lo") throw new Error("wrong answer");
      return;
    }
    case "iproute-dump": {
      using ip = new IPRoute({ netns });
      if ((await ip.getLinks()).length < 1) throw new Error("no links");
      return;
    }
    case "genl": {
      using g = new GenericNetlink({ netns });
      const f = await g.resolve("nlctrl");
      if (f.id !== 0x10) throw new Error("wrong answer");
      return;
    }
    case "taskstats": {
      using ts = new TaskStats();
      const s = await ts.getPidStat(Deno.pid);
      if (s.ac_pid !== Deno.pid) throw new Error("wrong answer");
      return;
    }
    case "iproute-noclose": {
      // A deliberate leak: proves the parent's checks notice one.
      const ip = new IPRoute({ netns });
      await ip.link("get", { index: 1 });
      return;
    }
    default:
      throw new Error(`unknown kind ${kind}`);
  }
}

// Warm-up: code compiled, caches and the shared poller's eventfd in place.
const warm = Math.min(200, Math.max(20, cycles / 10));
for (let i = 0; i < warm; i++) await once();
const before = await settle();
const marks: Mark[] = [];
for (let i = 1; i <= cycles; i++) {
  await once();
  if (i % Math.max(1, Math.floor(cycles / 4)) === 0) marks.push(await settle());
}
const after = await settle();
const open = [...Deno.readDirSync("/proc/self/fd")].map((e) => {
  try {
    return Deno.readLinkSync(`/proc/self/fd/${e.name}`);
  } catch {
    return "?";
  }
});
console.log(JSON.stringify({ kind, cycles, ns: ns ?? "-", before, marks, after, open }));
