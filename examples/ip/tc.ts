/**
 * `ip tc qdisc|class|filter show dev X`: traffic-control objects as `tc -j` names them (kind,
 * handle, parent/root, refcnt, and the options of htb, pfifo, bfifo, pfifo_fast; classes and
 * filters without their options).
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import type { TcMessage } from "../../mod.ts";
import { ANY, JSON_ONLY } from "./out.ts";
import type { Printer } from "./out.ts";
import { type Ctx, kernelError, notImplemented, usage } from "./ctx.ts";

const TC_H_ROOT = 0xffffffff;

/** tc's handle text: "1:", "1:10", "ffff:fff1". */
function handle(h: number): string {
  const maj = h >>> 16, min = h & 0xffff;
  if (h === TC_H_ROOT) return "root";
  if (min === 0) return `${maj.toString(16)}:`;
  return `${maj.toString(16)}:${min.toString(16)}`;
}

function n(v: unknown): number {
  return typeof v === "number" ? v >>> 0 : 0;
}

/** sprint_size: "10000b", "32Kb", "1Mb". */
function sizeText(sz: number): string {
  if (sz >= 1024 * 1024 && sz % (1024 * 1024) === 0) return `${sz / (1024 * 1024)}Mb`;
  if (sz >= 1024 && sz % 1024 === 0) return `${sz / 1024}Kb`;
  return `${sz}b`;
}

type Opts = Record<string, unknown>;

/** The options of the qdisc kinds this kernel has, as tc prints them. */
function printQdiscOptions(p: Printer, kind: string, o: Opts | undefined): void {
  if (!o) return;
  if (kind === "htb") {
    const init = (o.init ?? {}) as Record<string, number>;
    p.uint(ANY, "r2q", "r2q %u", init.rate2quantum ?? 0);
    p.xhex(ANY, "default", " default %#llx", init.defcls ?? 0);
    p.uint(ANY, "direct_packets_stat", " direct_packets_stat %u", init.direct_pkts ?? 0);
    if (typeof o.direct_qlen === "number") {
      p.uint(ANY, "direct_qlen", " direct_qlen %u", o.direct_qlen);
    }
  } else if (kind === "pfifo") {
    p.uint(ANY, "limit", "limit %up", Number(o.limit ?? 0));
  } else if (kind === "bfifo") {
    const limit = Number(o.limit ?? 0);
    if (p.json) p.uint(JSON_ONLY, "limit", "", limit);
    else p.fp(`limit ${sizeText(limit)}`);
  } else if (kind === "pfifo_fast" || kind === "prio") {
    p.uint(ANY, "bands", "bands %u ", Number(o.bands ?? 0));
    const map = typeof o.priomap === "string"
      ? o.priomap.split(":").map((h) => parseInt(h, 16))
      : o.priomap instanceof Uint8Array
      ? [...o.priomap]
      : [];
    p.openArray(ANY, p.json ? "priomap" : "priomap");
    for (const v of map) p.uint(ANY, null, " %d", v);
    p.closeArray(ANY, "");
    p.bool(JSON_ONLY, "multiqueue", "", false);
  }
}

function printTc(
  ctx: Ctx,
  what: "qdisc" | "class" | "filter",
  m: TcMessage,
  showDev: boolean,
): void {
  const p = ctx.p;
  const kind = (m.get("TCA_KIND") as string | undefined) ?? "";
  const h = n(m.headerField("handle"));
  const parent = n(m.headerField("parent"));
  const info = n(m.headerField("info"));
  const dev = ctx.name(n(m.headerField("index")));
  p.openObject(null);
  if (what === "filter") {
    p.fp("filter ");
    if (showDev) p.str(ANY, "dev", "dev %s ", dev);
    if (parent !== TC_H_ROOT) p.str(ANY, "parent", "parent %s ", handle(parent));
    const proto = info & 0xffff;
    const be = ((proto & 0xff) << 8) | (proto >> 8);
    const protos: Record<number, string> = {
      0x0800: "ip",
      0x86dd: "ipv6",
      0x0003: "all",
      0x0806: "arp",
      0x8100: "802.1Q",
    };
    p.str(ANY, "protocol", "protocol %s ", protos[be] ?? `[${be.toString(16)}]`);
    p.uint(ANY, "pref", "pref %u ", info >>> 16);
    p.str(ANY, "kind", "%s ", kind);
    const chain = m.get("TCA_CHAIN") as number | undefined;
    if (chain !== undefined) p.uint(ANY, "chain", "chain %u ", chain);
    if (h) {
      p.openObject("options");
      p.str(ANY, "fh", "fh %s ", handle(h));
      p.closeObject();
    }
  } else {
    p.str(ANY, "kind", `${what} %s`, kind);
    p.str(ANY, "handle", " %s", handle(h));
    if (showDev) p.str(ANY, "dev", " dev %s", dev);
    if (parent === TC_H_ROOT) p.bool(ANY, "root", " root", true);
    else if (parent) p.str(ANY, "parent", " parent %s", handle(parent));
    if (what === "qdisc" && info !== 1) p.uint(ANY, "refcnt", " refcnt %u", info);
    p.fp(" ");
    p.openObject("options");
    if (what === "qdisc") {
      if (kind === "ingress") p.fp("---------------- ");
      printQdiscOptions(p, kind, m.get("TCA_OPTIONS") as Opts | undefined);
    }
    p.closeObject();
  }
  p.fp("\n");
  p.closeObject();
}

/** `ip tc …`. */
export async function doTc(ctx: Ctx, args: string[]): Promise<void> {
  const [what, cmd, ...rest] = args;
  if (what !== "qdisc" && what !== "class" && what !== "filter") {
    throw usage("Usage: ip tc { qdisc | class | filter } show dev DEV");
  }
  if (cmd !== undefined && !["show", "list", "ls"].includes(cmd)) {
    throw usage(`Command "${cmd}" is unknown, try "ip tc ${what} help".`);
  }
  let index: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "dev") index = await ctx.index(rest[++i] ?? "");
    else throw usage(`What is "${rest[i]}"?`);
  }
  if (index === undefined && what !== "qdisc") {
    throw usage(`Cannot list ${what}es without "dev" (${what} show dev DEV)`);
  }
  let list: TcMessage[];
  try {
    const filter = index !== undefined ? { index } : {};
    list = what === "qdisc"
      ? await ctx.ip.getQdiscs(filter)
      : what === "class"
      ? await ctx.ip.getClasses(filter)
      : await ctx.ip.getFilters(filter);
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw notImplemented(e, `tc ${what}`);
  }
  const p = ctx.p;
  p.begin();
  await ctx.loadNames();
  for (const m of list) {
    if (index !== undefined && m.headerField("index") !== index) continue;
    printTc(ctx, what, m, index === undefined);
  }
  p.end();
}
