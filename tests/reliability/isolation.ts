/**
 * The snapshot of the initial network namespace that brackets the whole test suite:
 * tests/aaa_isolation_before.test.ts writes it before any other test file runs (Deno runs test
 * files in sorted path order: "tests/aaa_…" sorts before every directory of tests/), and
 * tests/zzz_isolation_after.test.ts compares after all of them. Reading only.
 *
 * @module
 */

/** Where this run's snapshot is kept (one test process: one pid). */
export const SNAPSHOT_FILE = `${
  Deno.env.get("TMPDIR") ?? "/tmp"
}/netlink-isolation-${Deno.pid}.json`;

// Values the kernel changes by itself as time passes.
const VOLATILE = new Set(["valid_life_time", "preferred_life_time", "expires", "used", "updated"]);

async function ipJ(args: string[]): Promise<unknown> {
  const out = await new Deno.Command("ip", {
    args: ["-j", ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    throw new Error(`ip -j ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  const text = new TextDecoder().decode(out.stdout).trim();
  return text ? JSON.parse(text) : [];
}

/** `ip -j link/addr/route/rule show` of the initial namespace (IPv4 and IPv6), as one string. */
export async function snapshot(): Promise<string> {
  const views: Record<string, unknown> = {
    link: await ipJ(["link", "show"]),
    addr: await ipJ(["addr", "show"]),
    route4: await ipJ(["route", "show", "table", "all"]),
    route6: await ipJ(["-6", "route", "show", "table", "all"]),
    rule4: await ipJ(["rule", "show"]),
    rule6: await ipJ(["-6", "rule", "show"]),
  };
  return JSON.stringify(views, (k, v) => (VOLATILE.has(k) ? undefined : v), 1);
}

/** Namespaces named by this process's tests (tests/helpers.ts nsName: `nlt-TAG-PID-N`). */
export async function ownNamespaces(): Promise<string[]> {
  const out = await new Deno.Command("ip", { args: ["netns", "list"], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split("\n").map((l) => l.split(" ")[0])
    .filter((n) => n.startsWith("nlt-") && n.includes(`-${Deno.pid}-`));
}
