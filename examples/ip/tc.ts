/**
 * `ip tc qdisc|class|filter show dev X`: traffic-control objects as `tc -j` names them (kind,
 * handle, parent/root, refcnt). Options are printed for no kind yet.
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import type { TcMessage } from "../../mod.ts";
import { ANY, JSON_ONLY } from "./out.ts";
import { type Ctx, kernelError, notImplemented, usage } from "./ctx.ts";

const TC_H_ROOT = 0xffffffff;
const TC_H_INGRESS = 0xfffffff1;

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

function printTc(ctx: Ctx, what: "qdisc" | "class" | "filter", m: TcMessage): void {
  const p = ctx.p;
  const kind = m.get("TCA_KIND") as string | undefined;
  const h = n(m.headerField("handle"));
  const parent = n(m.headerField("parent"));
  p.openObject(null);
  if (what === "filter") {
    p.fp("filter ");
    if (parent !== TC_H_ROOT) p.str(ANY, "parent", "parent %s ", handle(parent));
    const info = n(m.headerField("info"));
    const proto = info & 0xffff;
    const be = ((proto & 0xff) << 8) | (proto >> 8);
    const protos: Record<number, string> = {
      0x0800: "ip",
      0x86dd: "ipv6",
      0x0003: "all",
      0x0806: "arp",
    };
    p.str(ANY, "protocol", "protocol %s ", protos[be] ?? `[${be.toString(16)}]`);
    p.uint(ANY, "pref", "pref %u ", info >>> 16);
    if (kind !== undefined) p.str(ANY, "kind", "%s ", kind);
    const chain = m.get("TCA_CHAIN") as number | undefined;
    if (chain !== undefined) p.uint(ANY, "chain", "chain %u ", chain);
    if (h) {
      p.openObject("options");
      p.str(ANY, "fh", "fh %s ", handle(h));
      p.closeObject();
    }
  } else {
    p.str(ANY, "kind", `${what} %s `, kind ?? "");
    p.str(ANY, "handle", "%s ", handle(h));
    if (parent === TC_H_ROOT) p.bool(ANY, "root", "root ", true);
    else if (parent) p.str(ANY, "parent", "parent %s ", handle(parent));
    if (what === "qdisc" && parent === TC_H_INGRESS) {
      // the ingress qdisc's parent prints as above
    }
    const refcnt = n(m.headerField("info"));
    if (what === "qdisc" && refcnt) p.uint(ANY, "refcnt", "refcnt %u ", refcnt);
    p.openObject("options");
    p.closeObject();
  }
  p.fp("\n");
  p.closeObject();
  void JSON_ONLY;
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
  for (const m of list) {
    if (index !== undefined && m.headerField("index") !== index) continue;
    printTc(ctx, what, m);
  }
  p.end();
}
