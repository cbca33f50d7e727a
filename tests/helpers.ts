/**
 * Test helpers: fresh namespaces that are always removed, root detection, iproute2 JSON.
 *
 * @module
 */

import * as netns from "../ffi/netns.ts";

/** Whether the tests run as root (integration tests need it). */
export const isRoot: boolean = Deno.uid?.() === 0;

/** Why integration tests are skipped, or undefined when they run. */
export const skipReason: string | undefined = isRoot
  ? undefined
  : "integration tests need root (CAP_NET_ADMIN)";

let counter = 0;

/** A fresh unique namespace name. */
export function nsName(tag = "t"): string {
  return `nlt-${tag}-${Deno.pid}-${++counter}`;
}

/** Runs `fn` with a fresh named namespace that is removed afterwards, even on failure. */
export async function withNetns<T>(fn: (ns: string) => Promise<T> | T, tag = "t"): Promise<T> {
  const name = nsName(tag);
  netns.create(name);
  try {
    return await fn(name);
  } finally {
    netns.remove(name);
  }
}

/** Runs a command and returns stdout; throws with stderr when it fails. */
export async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

/**
 * Runs iproute2 command lines (`ip …`, `ip -6 …`, `bridge …`, `tc …`) in namespace `ns`, in
 * order: each run of consecutive lines with the same tool and options goes to one
 * `TOOL -n NS OPTIONS -batch -` (a batch line cannot carry options such as `-6`), so a dozen
 * processes do what one per line did; a failed line still throws, with the tool's message and the
 * numbered lines of its batch.
 */
export async function iproute2Lines(ns: string, lines: readonly string[]): Promise<void> {
  const runs: { prefix: string[]; lines: string[] }[] = [];
  for (const line of lines) {
    const words = line.split(" ");
    const cut = words.findIndex((w, i) => i > 0 && !w.startsWith("-"));
    const prefix = words.slice(0, cut);
    const last = runs.at(-1);
    if (last && last.prefix.join(" ") === prefix.join(" ")) {
      last.lines.push(words.slice(cut).join(" "));
    } else runs.push({ prefix, lines: [words.slice(cut).join(" ")] });
  }
  for (const { prefix: [tool, ...opts], lines } of runs) await iproute2Batch(tool, ns, opts, lines);
}

/**
 * Feeds `lines` to one `TOOL -n NS OPTIONS -batch -`; throws with the tool's message and the
 * numbered lines when it fails.
 */
export async function iproute2Batch(
  tool: string,
  ns: string,
  opts: readonly string[],
  lines: readonly string[],
): Promise<void> {
  const child = new Deno.Command(tool, {
    args: ["-n", ns, ...opts, "-batch", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(lines.join("\n") + "\n"));
  await w.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(
      `${tool} ${opts.join(" ")} -batch failed: ${new TextDecoder().decode(out.stderr)}\n` +
        lines.map((l, i) => `${i + 1}: ${l}`).join("\n"),
    );
  }
}

/**
 * Runs `ip -n NS -batch` on `lines` synchronously: the event loop (and an IPDB's) waits
 * meanwhile.
 */
export function ipBatchSync(ns: string, lines: readonly string[]): void {
  const file = Deno.makeTempFileSync({ suffix: ".batch" });
  try {
    Deno.writeTextFileSync(file, lines.join("\n") + "\n");
    const out = new Deno.Command("ip", { args: ["-n", ns, "-batch", file], stderr: "piped" })
      .outputSync();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  } finally {
    Deno.removeSync(file);
  }
}

/** `ip -n NS -j ARGS…` parsed. */
export async function ipJson(ns: string, ...args: string[]): Promise<Record<string, unknown>[]> {
  const text = await run("ip", ["-n", ns, "-j", ...args]);
  return text.trim() ? JSON.parse(text) : [];
}

/** `ip -n NS ARGS…` (throws when ip fails). */
export async function ipCmd(ns: string, ...args: string[]): Promise<string> {
  return await run("ip", ["-n", ns, ...args]);
}

/** Bytes from a hex string. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, "");
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** Hex of bytes. */
export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

type Json = Record<string, unknown>;
const listOf = (v: unknown): Json[] => (Array.isArray(v) ? v : []) as Json[];
const flagsOf = (v: Json): unknown[] => (Array.isArray(v.flags) ? v.flags : []);

/**
 * What the kernel still has to do by itself after links of `ns` changed, or undefined when it is
 * done. The kernel applies a carrier change later, from its linkwatch work (up to a second, more
 * on a busy machine): the operstate, a bridge's carrier (which follows its ports), the routes'
 * "linkdown" flag and an IPv6 link's start (link-local address, DAD) follow it. IPv6 addresses get
 * their local route when DAD ends (from a work queue, even with nodad). Settled means, for every
 * link that is up: the operstate agrees with the carrier (LOWER_UP); and on every link with a
 * carrier: no IPv6 address tentative (unless DAD failed), each with its local route, and no
 * route through it flagged "linkdown".
 */
export async function unsettled(ns: string): Promise<string | undefined> {
  const running = new Set<unknown>();
  for (const l of await ipJson(ns, "link", "show")) {
    const flags = flagsOf(l);
    if (!flags.includes("UP")) continue;
    const carrier = flags.includes("LOWER_UP");
    if (carrier !== (l.operstate === "UP" || l.operstate === "UNKNOWN")) {
      return `${l.ifname}: carrier ${carrier ? "on" : "off"}, operstate ${l.operstate}`;
    }
    if (carrier) running.add(l.ifname);
  }
  const routes6 = await ipJson(ns, "-6", "route", "show", "table", "all");
  const locals = new Set(
    routes6.filter((r) => r.type === "local").map((r) => `${r.dst} ${r.dev}`),
  );
  for (const l of await ipJson(ns, "-6", "addr", "show")) {
    if (!running.has(l.ifname)) continue;
    for (const a of listOf(l.addr_info)) {
      if (a.tentative && !a.dadfailed) return `${l.ifname}: ${a.local} tentative`;
      if (!a.tentative && !locals.has(`${a.local} ${l.ifname}`)) {
        return `${l.ifname}: ${a.local} without its local route`;
      }
    }
  }
  for (const r of [...await ipJson(ns, "-4", "route", "show", "table", "all"), ...routes6]) {
    for (const hop of [r, ...listOf(r.nexthops)]) {
      if (flagsOf(hop).includes("linkdown") && running.has(hop.dev)) {
        return `${r.dst} via ${hop.dev}: linkdown`;
      }
    }
  }
  return undefined;
}

/**
 * Waits until the kernel has done what it does by itself in `ns` ({@link unsettled}); throws
 * saying what is still pending after `ms` (a deadline only, never reached on a sane kernel).
 */
export async function settle(ns: string, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const why = await unsettled(ns);
    if (why === undefined) return;
    if (Date.now() > end) throw new Error(`namespace ${ns} not settled after ${ms} ms: ${why}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A seeded generator of numbers in [0, 1) (mulberry32): the same sequence on every machine. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
