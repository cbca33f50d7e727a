/**
 * `ip tc qdisc|class|filter show dev X`: traffic-control objects as `tc -j` names them (kind,
 * handle, parent/root, refcnt, and the options of htb, pfifo, bfifo, pfifo_fast; htb classes;
 * u32 and bpf filters with their actions: tc_filter.ts).
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import type { TcMessage } from "../../mod.ts";
import { ANY, JSON_ONLY } from "./out.ts";
import { Printer } from "./out.ts";
import { type Ctx, invarg, kernelError, nextArg, notImplemented, usage } from "./ctx.ts";
import { type Choice, dispatch, lookup, matches, notSupported, type VerbTable } from "./match.ts";
import { getU32 } from "./names.ts";
import { printHtbClassOptions, printHtbXstats, printTcStats, sizeText } from "./tc_stats.ts";
import { printFilter } from "./tc_filter.ts";

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

type Opts = Record<string, unknown>;

/** The options of the qdisc kinds this kernel has, as tc prints them. */
function printQdiscOptions(
  p: Printer,
  kind: string,
  o: Opts | undefined,
  details: boolean,
): void {
  if (!o) return;
  if (kind === "htb") {
    const init = (o.init ?? {}) as Record<string, number>;
    p.uint(ANY, "r2q", "r2q %u", init.rate2quantum ?? 0);
    p.xhex(ANY, "default", " default %#llx", init.defcls ?? 0);
    p.uint(ANY, "direct_packets_stat", " direct_packets_stat %u", init.direct_pkts ?? 0);
    if (details) {
      const v = init.version ?? 0;
      p.str(ANY, "ver", " ver %s", `${v >>> 16}.${v & 0xffff}`);
    }
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

/** tc's list selectors: device, parent, handle (qdisc, class) and for filters pref, protocol. */
interface TcSelector {
  index?: number;
  parent?: number;
  handle?: number;
  classid?: number;
  pref?: number;
  protocol?: number;
  chain?: number;
}

const TC_H_INGRESS = 0xfffffff1;
const TC_H_CLSACT_INGRESS = 0xfffffff2; // a filter list's "ingress" (tc_filter.c)

/** get_qdisc_handle / get_tc_classid: "1:", "1:10", "root", "none". */
function tcHandleArg(v: string, what: string): number {
  if (v === "root") return TC_H_ROOT;
  if (v === "none") return 0;
  const m = /^([0-9a-f]*):([0-9a-f]*)$/i.exec(v);
  if (!m || m[1].length > 4 || m[2].length > 4) throw invarg(what, v);
  return ((parseInt(m[1] || "0", 16) << 16) | parseInt(m[2] || "0", 16)) >>> 0;
}

/** Parses `tc qdisc|class|filter show` selectors as tc_qdisc.c, tc_class.c, tc_filter.c. */
async function parseTcSelector(
  ctx: Ctx,
  what: "qdisc" | "class" | "filter",
  args: string[],
): Promise<TcSelector> {
  const f: TcSelector = {};
  let dev: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => nextArg(args, i++);
    if (a === "dev") dev = next();
    else if (a === "root") f.parent = TC_H_ROOT;
    else if (a === "ingress" && what === "filter") f.parent = TC_H_CLSACT_INGRESS;
    else if ((a === "ingress" || a === "clsact") && what === "qdisc") f.parent = TC_H_INGRESS;
    else if (a === "egress" && what === "filter") f.parent = 0xfffffff3;
    else if (what === "qdisc" ? matches(a, "parent") : a === "parent") {
      f.parent = tcHandleArg(next(), "invalid parent ID");
    } else if (what !== "class" && (what === "qdisc" ? matches(a, "handle") : a === "handle")) {
      if (what === "filter") throw notSupported("tc filter show handle");
      f.handle = tcHandleArg(next(), "invalid handle ID");
    } else if (what === "class" && a === "classid") {
      f.classid = tcHandleArg(next(), "invalid class ID");
    } else if (what === "class" && a === "qdisc") {
      f.handle = tcHandleArg(next(), "invalid qdisc ID");
    } else if (what === "filter" && (matches(a, "preference") || matches(a, "priority"))) {
      const v = next();
      const pr = getU32(v);
      if (pr === undefined || pr > 0xffff) throw invarg("invalid preference", v);
      f.pref = pr;
    } else if (what === "filter" && matches(a, "protocol")) {
      throw notSupported("tc filter show protocol");
    } else if (what === "filter" && matches(a, "chain")) {
      const v = next();
      f.chain = getU32(v);
      if (f.chain === undefined) throw invarg("invalid chain index value", v);
    } else if (what === "filter" && matches(a, "block")) throw notSupported("tc filter show block");
    else if (matches(a, "help")) throw usage(TC_USAGE);
    else if (a === "invisible" && what === "qdisc") throw notSupported("tc qdisc show invisible");
    else throw usage(`What is "${a}"? Try "tc ${what} help".`);
  }
  if (dev !== undefined) f.index = await ctx.index(dev);
  return f;
}

function printTc(
  ctx: Ctx,
  p: Printer,
  what: "qdisc" | "class",
  m: TcMessage,
  showDev: boolean,
): void {
  const kind = (m.get("TCA_KIND") as string | undefined) ?? "";
  const h = n(m.headerField("handle"));
  const parent = n(m.headerField("parent"));
  const info = n(m.headerField("info"));
  const dev = ctx.name(n(m.headerField("index")));
  p.openObject(null);
  if (what === "qdisc") {
    p.str(ANY, "kind", "qdisc %s", kind);
    p.str(ANY, "handle", " %s", handle(h));
    if (showDev) p.str(ANY, "dev", " dev %s", dev);
    if (parent === TC_H_ROOT) p.bool(ANY, "root", " root", true);
    else if (parent) p.str(ANY, "parent", " parent %s", handle(parent));
    if (info !== 1) p.uint(ANY, "refcnt", " refcnt %u", info);
    p.fp(" ");
    p.openObject("options");
    if (kind === "ingress") p.fp("---------------- ");
    printQdiscOptions(p, kind, m.get("TCA_OPTIONS") as Opts | undefined, ctx.opts.details > 0);
    p.closeObject();
    p.fp("\n");
    if (ctx.opts.stats) {
      printTcStats(p, m);
      p.fp("\n");
    }
    p.closeObject();
    return;
  } else {
    // tc 6.1 prints class lines as text, with -j too.
    let t = `class ${kind} ${h ? handle(h) : ""} `;
    if (showDev) t += `dev ${dev} `;
    t += parent === TC_H_ROOT ? "root " : `parent ${handle(parent)} `;
    if (info) t += `leaf ${(info >>> 16).toString(16)}: `;
    p.fp(t);
    const opts = m.get("TCA_OPTIONS") as Opts | undefined;
    if (opts && kind === "htb") printHtbClassOptions(p, opts, ctx.opts.details > 0);
    else if (opts) ctx.warn("[cannot parse class parameters]");
    p.fp("\n");
    if (ctx.opts.stats) {
      const xstats = printTcStats(p, m);
      p.fp("\n");
      if (kind === "htb" && xstats) {
        printHtbXstats(p, xstats);
        p.fp("\n");
      }
    }
    p.closeObject();
  }
}

const TC_USAGE = `Usage: ip tc { qdisc | class | filter } [ show ] [ dev STRING ] [ root | ingress |
                                               parent CLASSID | handle QHANDLE ]`;

/** List one kind of tc object: `ip tc qdisc|class|filter [show] [SELECTOR]`. */
function list(what: "qdisc" | "class" | "filter"): (ctx: Ctx, args: string[]) => Promise<void> {
  return async (ctx, args) => {
    const f = await parseTcSelector(ctx, what, args);
    // Classes and filters are dumped per device: without one the kernel has none to give.
    if (what !== "qdisc" && f.index === undefined) return;
    let items: TcMessage[];
    try {
      const filter = f.index !== undefined ? { index: f.index } : {};
      items = what === "qdisc"
        ? await ctx.ip.getQdiscs(filter)
        : what === "class"
        ? await ctx.ip.getClasses(filter)
        // As tc: one dump under the parent given (0: the root qdisc), the kernel resolving it.
        : await ctx.ip.getFilters({ ...filter, parent: f.parent ?? 0 });
    } catch (e) {
      if (e instanceof NetlinkError) throw kernelError(e);
      throw notImplemented(e, `tc ${what}`);
    }
    // tc 6.1 prints classes as text, with -j too (print_class has no JSON).
    const p = what === "class" && ctx.opts.json
      ? new Printer({ oneline: ctx.opts.oneline })
      : ctx.p;
    p.begin();
    await ctx.loadNames();
    for (const m of items) {
      if (f.index !== undefined && m.headerField("index") !== f.index) continue;
      const parent = n(m.headerField("parent")), h = n(m.headerField("handle"));
      if (what !== "filter" && f.parent !== undefined && parent !== f.parent) continue;
      if (what === "qdisc" && f.handle !== undefined && (h >>> 16) !== (f.handle >>> 16)) continue;
      if (what === "class" && f.handle !== undefined && (h >>> 16) !== (f.handle >>> 16)) continue;
      if (what === "class" && f.classid !== undefined && h !== f.classid) continue;
      if (f.pref !== undefined && n(m.headerField("info")) >>> 16 !== f.pref) continue;
      if (f.chain !== undefined && (m.get("TCA_CHAIN") ?? 0) !== f.chain) continue;
      if (what === "filter") printFilter(ctx, p, m, f);
      else printTc(ctx, p, what, m, f.index === undefined);
    }
    p.end();
    if (p !== ctx.p) ctx.p.raw(p.take());
  };
}

const help = () => Promise.reject(usage(TC_USAGE));

/** tc's objects and each one's verbs, in tc.c / tc_qdisc.c / tc_class.c / tc_filter.c order. */
export const TC_VERBS: Readonly<Record<string, VerbTable>> = {
  qdisc: {
    object: "qdisc",
    tool: "tc",
    verbs: [
      ["add", null],
      ["change", null],
      ["replace", null],
      ["link", null],
      ["delete", null],
      ["list", list("qdisc")],
      ["show", list("qdisc")],
      ["lst", list("qdisc")],
      ["help", help],
    ],
    none: list("qdisc"),
  },
  class: {
    object: "class",
    tool: "tc",
    verbs: [
      ["add", null],
      ["change", null],
      ["replace", null],
      ["delete", null],
      ["list", list("class")],
      ["show", list("class")],
      ["lst", list("class")],
      ["help", help],
    ],
    none: list("class"),
  },
  filter: {
    object: "filter",
    tool: "tc",
    verbs: [
      ["add", null],
      ["change", null],
      ["replace", null],
      ["delete", null],
      ["get", null],
      ["list", list("filter")],
      ["show", list("filter")],
      ["lst", list("filter")],
      ["help", help],
    ],
    none: list("filter"),
  },
};

/** tc.c's objects in order. */
const TC_OBJECTS: readonly Choice<string>[] = [
  ["qdisc", "qdisc"],
  ["class", "class"],
  ["filter", "filter"],
  ["chain", null],
  ["actions", null],
  ["monitor", null],
  ["exec", null],
  ["help", "help"],
];

/** `ip tc OBJECT …`: tc's listings under the `ip` tool's options (`-s`, `-d`, `-j`, `-n`). */
export async function doTc(ctx: Ctx, args: string[]): Promise<void> {
  const [object, ...rest] = args;
  if (object === undefined) throw usage(TC_USAGE);
  const hit = lookup(object, TC_OBJECTS);
  if (!hit) throw usage(`Object "${object}" is unknown, try "tc help".`);
  if (hit[1] === null) throw notSupported(`tc ${hit[0]}`);
  if (hit[1] === "help") throw usage(TC_USAGE);
  await dispatch(ctx, rest, TC_VERBS[hit[1]]);
}
