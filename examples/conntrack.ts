/**
 * The connection tracking table, like conntrack(8): list it, or flush the entries of one
 * address.
 *
 * ```sh
 * sudo deno run --allow-ffi examples/conntrack.ts list [--netns NS]      # like conntrack -L
 * sudo deno run --allow-ffi examples/conntrack.ts flush ADDR [--netns NS] # entries from or to ADDR
 * sudo deno run --allow-ffi examples/conntrack.ts demo                   # both, in a new namespace
 * ```
 *
 * `list` and `flush` work on the namespace given (default: this process's); `demo` makes a
 * throwaway namespace, fills it, lists, flushes one address, lists again, and removes it.
 *
 * @module
 */

import { netns } from "../mod.ts";
import { Conntrack } from "../netfilter/mod.ts";
import type { ConntrackEntry, CtTuple } from "../netfilter/mod.ts";

/** One direction as conntrack(8) prints it: `src=… dst=… sport=… dport=…`. */
function tuple(t: CtTuple | undefined): string {
  if (!t) return "";
  const parts = [`src=${t.saddr}`, `dst=${t.daddr}`];
  if (t.sport !== undefined) parts.push(`sport=${t.sport}`, `dport=${t.dport}`);
  if (t.icmp_type !== undefined) {
    parts.push(`type=${t.icmp_type}`, `code=${t.icmp_code}`, `id=${t.icmp_id}`);
  }
  return parts.join(" ");
}

/** One entry as `conntrack -L` prints it. */
export function formatEntry(e: ConntrackEntry): string {
  const proto = e.orig?.proto ?? "?";
  const num = e.tuple_orig?.proto?.num ?? 0;
  const out = [String(proto).padEnd(8), String(num).padEnd(6), String(e.timeout ?? 0)];
  const state = e.protoinfo?.tcp?.state;
  if (state !== undefined) out.push(String(state));
  out.push(tuple(e.orig));
  const status = e.statusNames ?? [];
  if (!status.includes("SEEN_REPLY")) out.push("[UNREPLIED]");
  out.push(tuple(e.reply));
  if (status.includes("ASSURED")) out.push("[ASSURED]");
  out.push(`mark=${e.mark ?? 0}`);
  if (e.zone !== undefined) out.push(`zone=${e.zone}`);
  out.push(`use=${e.use ?? 0}`);
  return out.join(" ");
}

/** Prints the table of `ct`. */
async function list(ct: Conntrack): Promise<void> {
  const entries = await ct.dump();
  for (const e of entries) console.log(formatEntry(e));
  console.error(`conntrack: ${entries.length} flow entries have been shown.`);
}

/** Deletes every entry from or to `addr` (two kernel-side flushes). */
async function flush(ct: Conntrack, addr: string): Promise<void> {
  const before = await ct.count();
  await ct.flush({ tuple_orig: { saddr: addr } });
  await ct.flush({ tuple_orig: { daddr: addr } });
  console.error(`conntrack: ${before - await ct.count()} flow entries have been deleted.`);
}

async function demo(): Promise<void> {
  const ns = `ct-demo-${Deno.pid}`;
  netns.create(ns);
  try {
    using ct = new Conntrack({ netns: ns });
    for (let i = 1; i <= 3; i++) {
      await ct.create({
        tuple_orig: {
          saddr: `10.0.0.${i}`,
          daddr: "10.0.0.100",
          proto: "tcp",
          sport: 40000 + i,
          dport: 443,
        },
        timeout: 120,
        protoinfo: { tcp: { state: "ESTABLISHED" } },
        status: ["SEEN_REPLY", "ASSURED"],
      });
    }
    await ct.create({
      tuple_orig: { saddr: "10.0.0.2", daddr: "10.0.0.53", proto: "udp", sport: 5353, dport: 53 },
      timeout: 30,
      mark: 7,
    });
    await list(ct);
    console.log("# flush 10.0.0.2");
    await flush(ct, "10.0.0.2");
    await list(ct);
  } finally {
    netns.remove(ns);
  }
}

if (import.meta.main) {
  const args = [...Deno.args];
  const at = args.indexOf("--netns");
  const target = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const [cmd = "demo", addr] = args;
  if (cmd === "demo") await demo();
  else if (cmd === "list" || (cmd === "flush" && addr)) {
    using ct = new Conntrack(target ? { netns: target } : {});
    if (cmd === "list") await list(ct);
    else await flush(ct, addr);
  } else {
    console.error("usage: examples/conntrack.ts list|flush ADDR|demo [--netns NS]");
    Deno.exit(2);
  }
}
