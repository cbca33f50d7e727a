/**
 * `ip neighbour`: show (iproute2's print_neigh), add, del, replace, change, flush.
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import type { Neigh } from "../../mod.ts";
import { ANY, JSON_ONLY } from "./out.ts";
import { type Ctx, fail, kernelError, notImplemented, usage } from "./ctx.ts";
import { NUD_NAMES, nudId, protoId, protoName } from "./names.ts";
import { parsePrefixArg, prefixMatch } from "./addr.ts";

const NTF_PROXY = 0x08;
const NTF_ROUTER = 0x80;
const NTF_EXT_LEARNED = 0x10;
const NTF_OFFLOADED = 0x20;
const NUD_NOARP = 0x40;

function n(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

/** Options of {@link printNeigh}. */
export interface NeighPrintOptions {
  /** `dev X` was given: the device is not printed. */
  index?: number;
  /** RTM_DELNEIGH (monitor). */
  deleted?: boolean;
  /** RTM_GETNEIGH (monitor: a resolution request). */
  miss?: boolean;
}

/** print_neigh. */
export function printNeigh(ctx: Ctx, m: Neigh, o: NeighPrintOptions = {}): void {
  const p = ctx.p;
  const state = n(m.headerField("state")) ?? 0;
  const flags = n(m.headerField("flags")) ?? 0;
  const ifindex = n(m.headerField("ifindex")) ?? 0;
  p.openObject(null);
  if (o.deleted) p.bool(ANY, "deleted", "Deleted ", true);
  else if (o.miss) p.nul(ANY, "miss", "%s ", "miss");
  const dst = m.get("NDA_DST") as string | undefined;
  if (dst !== undefined) p.str(ANY, "dst", "%s ", dst);
  if (!o.index && ifindex) {
    p.fp("dev ");
    p.str(ANY, "dev", "%s ", ctx.name(ifindex));
  }
  const ll = m.get("NDA_LLADDR") as string | undefined;
  if (ll !== undefined) {
    p.fp("lladdr ");
    p.str(ANY, "lladdr", "%s ", ll);
  }
  if (flags & NTF_ROUTER) p.nul(ANY, "router", "%s ", "router");
  if (flags & NTF_PROXY) p.nul(ANY, "proxy", "%s ", "proxy");
  if (flags & NTF_EXT_LEARNED) p.nul(ANY, "extern_learn", "%s ", "extern_learn");
  if (flags & NTF_OFFLOADED) p.nul(ANY, "offload", "%s ", "offload");
  if (ctx.opts.stats) {
    const ci = m.get("NDA_CACHEINFO") as Record<string, number> | undefined;
    if (ci) {
      const hz = 100;
      if (ci.ndm_refcnt) p.uint(ANY, "refcnt", " ref %u", ci.ndm_refcnt);
      p.uint(ANY, "used", " used %u", Math.floor(ci.ndm_used / hz));
      p.uint(ANY, "confirmed", "/%u", Math.floor(ci.ndm_confirmed / hz));
      p.uint(ANY, "updated", "/%u", Math.floor(ci.ndm_updated / hz));
    }
    const probes = n(m.get("NDA_PROBES"));
    if (probes !== undefined) p.uint(ANY, "probes", "probes %u ", probes);
  }
  if (state) {
    p.openArray(JSON_ONLY, "state");
    let s = state;
    for (const [bit, name] of NUD_NAMES) {
      if (s & bit) {
        s &= ~bit;
        p.str(ANY, null, "%s ", name);
      }
    }
    p.closeArray(JSON_ONLY, null);
  }
  const proto = n(m.get("NDA_PROTOCOL"));
  if (proto !== undefined && (proto !== 0 || ctx.opts.details > 0)) {
    p.str(ANY, "protocol", "proto %s ", protoName(proto));
  }
  p.fp("\n");
  p.closeObject();
}

interface NeighFilter {
  index?: number;
  state: number;
  proxy: boolean;
  to?: { family: number; bytes: number[]; len: number };
  family: number;
}

async function parseNeighFilter(ctx: Ctx, args: string[]): Promise<NeighFilter> {
  const f: NeighFilter = {
    state: 0xff & ~NUD_NOARP,
    proxy: false,
    family: ctx.opts.family === 17 ? 0 : ctx.opts.family,
  };
  let stateGiven = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => {
      if (i + 1 >= args.length) throw usage('Command line is not complete. Try option "help"');
      return args[++i];
    };
    if (a === "dev") f.index = await ctx.index(next());
    else if (a === "proxy") f.proxy = true;
    else if (a === "nud") {
      const v = next();
      if (!stateGiven) f.state = 0;
      stateGiven = true;
      if (v === "all") f.state = ~0;
      else {
        const s = nudId(v);
        if (s === undefined) throw usage(`Error: argument "${v}" is wrong: nud state is bad`);
        f.state |= s === 0 ? 0x100 : s;
      }
    } else if (a === "to") {
      const v = next();
      const pf = parsePrefixArg(v);
      if (!pf) throw fail(`Error: any valid prefix is expected rather than "${v}".`);
      f.to = pf;
    } else if (a === "help") throw usage(NEIGH_USAGE);
    else if (a === "unused" || a === "vrf" || a === "master") {
      if (a !== "unused") next();
    } else {
      const pf = parsePrefixArg(a);
      if (!pf) throw fail(`Error: any valid prefix is expected rather than "${a}".`);
      f.to = pf;
    }
  }
  return f;
}

function neighMatches(m: Neigh, f: NeighFilter): boolean {
  const fam = n(m.headerField("family")) ?? 0;
  const state = n(m.headerField("state")) ?? 0;
  const flags = n(m.headerField("flags")) ?? 0;
  if (f.family && fam !== f.family) return false;
  if (f.index && n(m.headerField("ifindex")) !== f.index) return false;
  if (
    !(f.state & state) && !(flags & NTF_PROXY) && !(flags & NTF_EXT_LEARNED) &&
    (state || !(f.state & 0x100))
  ) return false;
  if (f.to) {
    const dst = m.get("NDA_DST") as string | undefined;
    const b = dst ? parsePrefixArg(dst) : undefined;
    if (!b || b.family !== f.to.family || !prefixMatch(b.bytes, f.to.bytes, f.to.len)) {
      return false;
    }
  }
  return true;
}

/** `ip neigh show`. */
async function neighShow(ctx: Ctx, args: string[]): Promise<void> {
  const f = await parseNeighFilter(ctx, args);
  await ctx.loadNames();
  let list: Neigh[];
  try {
    list = await ctx.ip.getNeighbours({
      ...(f.family ? { family: f.family } : {}),
      ...(f.index ? { ifindex: f.index } : {}),
      ...(f.proxy ? { proxy: true } : {}),
    });
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw notImplemented(e, "getNeighbours");
  }
  const p = ctx.p;
  p.begin();
  for (const m of list) {
    const fam = n(m.headerField("family")) ?? 0;
    if (fam !== 2 && fam !== 10) continue;
    const flags = n(m.headerField("flags")) ?? 0;
    if (f.proxy !== !!(flags & NTF_PROXY)) continue;
    if (!neighMatches(m, f)) continue;
    printNeigh(ctx, m, { index: f.index });
  }
  p.end();
}

const NEIGH_USAGE = `Usage: ip neigh { add | del | change | replace }
		{ ADDR [ lladdr LLADDR ] [ nud STATE ] proxy ADDR }
		[ dev DEV ] [ router ] [ extern_learn ] [ protocol PROTO ]

	ip neigh { show | flush } [ proxy ] [ to PREFIX ] [ dev DEV ] [ nud STATE ]
				  [ vrf NAME ]

STATE := { delay | failed | incomplete | noarp | none |
           permanent | probe | reachable | stale }`;

/** `ip neigh add|del|replace|change`. */
async function neighModify(
  ctx: Ctx,
  cmd: "add" | "del" | "replace" | "change",
  args: string[],
): Promise<void> {
  const spec: Record<string, unknown> = {};
  let dst: string | undefined;
  let dev: string | undefined;
  let state: number | undefined;
  let flags = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => {
      if (i + 1 >= args.length) throw usage('Command line is not complete. Try option "help"');
      return args[++i];
    };
    if (a === "lladdr") spec.lladdr = next();
    else if (a === "nud") {
      const v = next();
      const s = nudId(v);
      if (s === undefined) throw usage(`Error: argument "${v}" is wrong: nud state is bad`);
      state = s;
    } else if (a === "proxy") {
      flags |= NTF_PROXY;
      dst = next();
    } else if (a === "router") flags |= NTF_ROUTER;
    else if (a === "extern_learn") flags |= NTF_EXT_LEARNED;
    else if (a === "dev") dev = next();
    else if (a === "protocol" || a === "proto") {
      const v = next();
      const pr = protoId(v);
      if (pr === undefined) {
        throw usage(`Error: argument "${v}" is wrong: "protocol" value is invalid\n`);
      }
      spec.protocol = pr;
    } else if (a === "help") throw usage(NEIGH_USAGE);
    else {
      let v = a;
      if (v === "to") v = next();
      if (dst !== undefined) {
        throw usage(`Error: either "to" is duplicate, or "${v}" is a garbage.`);
      }
      dst = v;
    }
  }
  if (dev === undefined) throw usage("Device and destination are required arguments.");
  if (dst === undefined) throw usage("Device and destination are required arguments.");
  const pf = parsePrefixArg(dst);
  if (!pf) throw usage(`Error: any valid address is expected rather than "${dst}".`);
  spec.dst = dst;
  spec.ifindex = await ctx.index(dev);
  spec.family = pf.family;
  if (cmd !== "del") spec.state = state ?? 0x80;
  else if (state !== undefined) spec.state = state;
  if (flags) spec.flags = flags;
  try {
    await ctx.ip.neigh(cmd === "change" ? "replace" : cmd, spec);
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw notImplemented(e, "neigh");
  }
}

/** `ip neigh flush`. */
async function neighFlush(ctx: Ctx, args: string[]): Promise<void> {
  if (args.length === 0) throw fail("Flush requires arguments.");
  const f = await parseNeighFilter(ctx, args);
  let list: Neigh[];
  try {
    list = await ctx.ip.getNeighbours(f.family ? { family: f.family } : {});
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw notImplemented(e, "getNeighbours");
  }
  for (const m of list) {
    if (!neighMatches(m, f)) continue;
    const state = n(m.headerField("state")) ?? 0;
    if (state & (0x80 | NUD_NOARP)) continue;
    try {
      await ctx.ip.neigh("del", {
        family: m.family,
        ifindex: m.ifindex,
        dst: m.dst,
      });
    } catch (e) {
      if (e instanceof NetlinkError && e.code === "ENOENT") continue;
      if (e instanceof NetlinkError) throw kernelError(e);
      throw notImplemented(e, "neigh");
    }
  }
}

/** `ip neighbour …`. */
export async function doNeigh(ctx: Ctx, args: string[]): Promise<void> {
  const [cmd, ...rest] = args;
  if (cmd === undefined || ["show", "list", "lst", "ls"].includes(cmd)) {
    return await neighShow(ctx, rest);
  }
  if (cmd === "add" || cmd === "a") return await neighModify(ctx, "add", rest);
  if (cmd === "del" || cmd === "delete" || cmd === "d") return await neighModify(ctx, "del", rest);
  if (cmd === "replace") return await neighModify(ctx, "replace", rest);
  if (cmd === "change" || cmd === "chg") return await neighModify(ctx, "change", rest);
  if (cmd === "flush") return await neighFlush(ctx, rest);
  if (cmd === "help") throw usage(NEIGH_USAGE);
  throw usage(`Command "${cmd}" is unknown, try "ip neigh help".`);
}
