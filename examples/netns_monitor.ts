/**
 * `ip monitor` over many network namespaces at once, through one {@link MultiIPDB}: every link,
 * address, route and rule change of every namespace, one line each, prefixed by the namespace;
 * namespaces created and removed under /run/netns join and leave as it runs. Read-only.
 *
 * ```sh
 * deno run --allow-ffi examples/netns_monitor.ts            # every named namespace
 * deno run --allow-ffi examples/netns_monitor.ts blue red   # these (followed when re-created)
 * deno run --allow-ffi examples/netns_monitor.ts --for 10   # stop after 10 seconds
 * ```
 *
 * @module
 */

import { MultiIPDB } from "../mod.ts";
import type { MultiIPDBChange } from "../mod.ts";

/** One line for a change. */
export function describe(c: MultiIPDBChange): string {
  switch (c.kind) {
    case "netns":
      return `${c.action === "add" ? "+" : "-"}netns ${c.name}`;
    case "interface":
      return `[${c.netns}] link ${c.action} ${c.ifname ?? `#${c.index}`}`;
    case "address":
      return `[${c.netns}] addr ${c.action} ${c.address} dev #${c.index}`;
    case "route":
      return `[${c.netns}] route ${c.action} ${c.dst} table ${c.table}`;
    case "rule":
      return `[${c.netns}] rule ${c.action} priority ${c.message.priority ?? 0}`;
    case "resync":
      return `[${c.netns}] resynchronised (the kernel dropped events)`;
    case "overflow":
      return `${"netns" in c ? `[${c.netns}] ` : ""}${c.dropped} changes dropped (slow reader)`;
    case "error":
      return `${"netns" in c ? `[${c.netns}] ` : ""}error: ${c.context}: ${c.error.message}`;
  }
}

/** Runs the monitor with command-line arguments `args`. */
export async function main(args: string[]): Promise<void> {
  const at = args.indexOf("--for");
  const seconds = at >= 0 ? Number(args[at + 1]) : undefined;
  const names = args.filter((_, i) => at < 0 || (i !== at && i !== at + 1));
  if (seconds !== undefined && !(seconds > 0)) throw new RangeError("--for: expected seconds");
  await using db = await MultiIPDB.open({ netns: names.length ? names : "all" });
  console.log(`following ${db.namespaces.length} namespace(s): ${db.namespaces.join(" ")}`);
  const signal = seconds === undefined ? undefined : AbortSignal.timeout(seconds * 1000);
  for await (const c of db.changes({ signal })) console.log(describe(c));
}

if (import.meta.main) await main(Deno.args);
