/**
 * Traffic shaping on a veth pair in a throwaway network namespace: an htb qdisc with two
 * classes (10 Mbit/s with bursts to 20 Mbit/s for 10.1.0.0/16, 1 Mbit/s for the rest) and a u32
 * filter that sends 10.1.0.0/16 to the first; then the tree is printed with its statistics, as
 * `tc -s qdisc/class/filter show` would show it, and the namespace removed.
 *
 * ```sh
 * deno run --allow-ffi examples/tc.ts      # as root
 * ```
 *
 * @module
 */

import { IPRoute, netns } from "../mod.ts";
import type { TcMessage } from "../mod.ts";
import { formatHandle, formatU32Key, protocolName, xmitsize } from "../rtnl/mod.ts";
import type { U32Sel } from "../rtnl/mod.ts";

/** A rate in bytes per second as tc prints it ("10Mbit"). */
function rate(bytes: number): string {
  let r = bytes * 8;
  const units = ["", "K", "M", "G", "T"];
  let i = 0;
  for (; i < units.length - 1 && r >= 1000 && (r % 1000 === 0 || r >= 1e6); i++) r /= 1000;
  return `${Math.round(r * 10) / 10}${units[i]}bit`;
}

/** The statistics of a qdisc or class, as tc prints them. */
function stats(m: TcMessage): string {
  const b = m.stats2?.basic, q = m.stats2?.queue;
  return `Sent ${b?.bytes ?? 0} bytes ${b?.packets ?? 0} pkt (dropped ${q?.drops ?? 0}, ` +
    `overlimits ${q?.overlimits ?? 0}) backlog ${q?.backlog ?? 0}b ${q?.qlen ?? 0}p`;
}

type Parms = Record<string, number>;
type Options = Record<string, unknown>;

/** Prints the qdisc, its class tree and the filters, indented. */
function printTree(qdiscs: TcMessage[], classes: TcMessage[], filters: TcMessage[]): void {
  for (const q of qdiscs) {
    const init = (q.options as Options | undefined)?.init as Parms | undefined;
    const extra = init
      ? ` default ${formatHandle(q.handle | init.defcls)} r2q ${init.rate2quantum}`
      : "";
    const where = q.parent === 0xffffffff ? "root" : `parent ${formatHandle(q.parent)}`;
    console.log(`qdisc ${q.kind} ${formatHandle(q.handle)} ${where}${extra}`);
    console.log(`    ${stats(q)}`);
    const children = (parent: number, depth: number) => {
      for (const c of classes.filter((c) => c.parent === parent)) {
        const o = c.options as Options;
        const p = o.parms as Parms;
        const r = (o.rate64 as number | undefined) ?? p.rate;
        const ceil = (o.ceil64 as number | undefined) ?? p.ceil;
        const pad = "  ".repeat(depth);
        console.log(
          `${pad}class ${c.kind} ${formatHandle(c.handle)} prio ${p.prio} rate ${rate(r)} ` +
            `ceil ${rate(ceil)} burst ${xmitsize(r, p.buffer)}b cburst ${
              xmitsize(ceil, p.cbuffer)
            }b`,
        );
        console.log(`${pad}    ${stats(c)}`);
        const x = c.xstats as Parms | undefined;
        if (x) {
          console.log(
            `${pad}    lended ${x.lends} borrowed ${x.borrows} tokens ${x.tokens} ctokens ${x.ctokens}`,
          );
        }
        children(c.handle, depth + 1);
      }
    };
    children(q.handle, 1);
    children(0xffffffff, 1); // htb reports top-level classes under "root"
  }
  for (const f of filters) {
    const o = f.options as Options | undefined;
    const sel = o?.sel as U32Sel | undefined;
    if (!sel) continue; // the chain and hash-table entries
    const to = o?.classid === undefined ? "" : ` -> ${formatHandle(o.classid as number)}`;
    console.log(
      `filter ${f.kind} parent ${formatHandle(f.parent)} prio ${f.prio} ` +
        `protocol ${protocolName(f.protocol)}${to}`,
    );
    for (const k of sel.keys) console.log(`    match ${formatU32Key(k)}`);
  }
}

const ns = `tc-example-${Deno.pid}`;
try {
  netns.create(ns);
} catch (e) {
  const code = (e as { code?: string }).code;
  if (code === "EPERM" || code === "EACCES") {
    console.error("examples/tc.ts creates a network namespace: run it as root");
    Deno.exit(1);
  }
  throw e;
}
try {
  using ip = new IPRoute({ netns: ns });
  await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
  await ip.link("set", { index: "v0", state: "up" });
  await ip.link("set", { index: "v1", state: "up" });
  const [index] = await ip.linkLookup({ ifname: "v0" });

  await ip.tc("add", "htb", { index, handle: "1:", default: "1:20" });
  await ip.tc("add-class", "htb", {
    index,
    parent: "1:",
    classid: "1:10",
    rate: "10mbit",
    ceil: "20mbit",
  });
  await ip.tc("add-class", "htb", {
    index,
    parent: "1:",
    classid: "1:20",
    rate: "1mbit",
    ceil: "5mbit",
    prio: 1,
  });
  await ip.tc("add-filter", "u32", {
    index,
    parent: "1:",
    prio: 1,
    protocol: "ip",
    match: [{ dst: "10.1.0.0/16" }],
    classid: "1:10",
  });

  // The links' own first packets (IPv6 duplicate address detection, multicast listener
  // reports) go out within a second or so: they land in the default class.
  await new Promise((r) => setTimeout(r, 1500));
  printTree(
    await ip.getQdiscs({ index }),
    await ip.getClasses({ index }),
    await ip.getFilters({ index }),
  );
} finally {
  netns.remove(ns);
}
