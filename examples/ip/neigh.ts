/**
 * `ip neighbour`: show (iproute2's print_neigh), get (the kernel's RTM_GETNEIGH of one entry),
 * add, del, replace, change, flush.
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import type { Neigh } from "../../mod.ts";
import { ANY, JSON_ONLY, Printer } from "./out.ts";
import {
  badPrefix,
  type Ctx,
  duparg2,
  fail,
  invarg,
  kernelError,
  nextArg,
  notImplemented,
  usage,
} from "./ctx.ts";
import { dispatch, matches, notSupported, type VerbTable } from "./match.ts";
import { NUD_NAMES, nudId, protoId, protoName } from "./names.ts";
import { parsePrefixArg, prefixMatch } from "./prefix.ts";

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
export function printNeigh(
  ctx: Ctx,
  m: Neigh,
  o: NeighPrintOptions = {},
  p: Printer = ctx.p,
): void {
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
  master?: number;
  protocol?: number;
}

async function parseNeighFilter(ctx: Ctx, args: string[], flush = false): Promise<NeighFilter> {
  const f: NeighFilter = {
    state: flush ? ~(0x80 | NUD_NOARP) : 0xff & ~NUD_NOARP,
    proxy: false,
    family: ctx.opts.family === 17 ? 0 : ctx.opts.family,
  };
  let stateGiven = false;
  let dev: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => nextArg(args, i++);
    if (a === "dev") {
      const v = next();
      if (dev !== undefined) throw usage(`Error: duplicate "dev": "${v}" is the second value.`);
      dev = v;
    } else if (a === "master") {
      const v = next();
      f.master = await ctx.index(v).catch(() => {
        throw invarg("Device does not exist\n", v);
      });
    } else if (a === "vrf") throw invarg("Not a valid VRF name\n", next());
    else if (a === "nomaster") f.master = -1;
    else if (a === "unused") throw notSupported("ip neigh show unused");
    else if (a === "nud") {
      const v = next();
      if (!stateGiven) f.state = 0;
      stateGiven = true;
      let st = nudId(v);
      if (st === undefined) {
        if (v !== "all") throw invarg("nud state is bad", v);
        st = flush ? ~NUD_NOARP : ~0;
      }
      f.state |= st === 0 ? 0x100 : st;
    } else if (a === "proxy") f.proxy = true;
    else if (matches(a, "protocol")) {
      const v = next();
      const pr = protoId(v);
      if (pr === undefined && v !== "all") throw invarg('invalid "protocol"\n', v);
      f.protocol = pr || undefined;
    } else {
      let v = a;
      if (a === "to") v = next();
      if (matches(v, "help")) throw usage(NEIGH_USAGE);
      const pf = parsePrefixArg(v);
      if (!pf || (f.family && pf.family !== f.family)) throw badPrefix(f.family, v);
      f.to = pf;
      if (!f.family) f.family = pf.family;
    }
  }
  if (dev !== undefined) f.index = await ctx.index(dev);
  return f;
}

function neighMatches(ctx: Ctx, m: Neigh, f: NeighFilter): boolean {
  const fam = n(m.headerField("family")) ?? 0;
  if (f.master !== undefined) {
    const master = ctx.fullLink(n(m.headerField("ifindex")) ?? 0)?.master ?? 0;
    if (f.master === -1 ? master !== 0 : master !== f.master) return false;
  }
  if (f.protocol !== undefined && (n(m.get("NDA_PROTOCOL")) ?? 0) !== f.protocol) return false;
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
    if (!neighMatches(ctx, m, f)) continue;
    printNeigh(ctx, m, { index: f.index });
  }
  p.end();
}

/** A neighbour address argument: one address (no prefix length) of `family` (0: any). */
function neighAddress(family: number, v: string): string {
  const pf = parsePrefixArg(v);
  if (!pf || v.includes("/") || (family && pf.family !== family)) {
    throw badPrefix(family, v, "address");
  }
  return v;
}

/** `ip neigh get [proxy] ADDR dev DEV`, parsed as iproute2's ipneigh_get. */
async function neighGet(ctx: Ctx, args: string[]): Promise<void> {
  const family = ctx.opts.family === 17 ? 0 : ctx.opts.family;
  let dst: string | undefined;
  let dev: string | undefined;
  let proxy = false;
  const addrOf = (v: string) => neighAddress(family, v);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => nextArg(args, i++);
    if (a === "dev") dev = next();
    else if (matches(a, "proxy")) {
      const v = next();
      if (matches(v, "help")) throw usage(NEIGH_USAGE);
      if (dst !== undefined) throw usage(`Error: duplicate "address": "${v}" is the second value.`);
      dst = addrOf(v);
      proxy = true;
    } else {
      const v = a === "to" ? next() : a;
      if (matches(v, "help")) throw usage(NEIGH_USAGE);
      if (dst !== undefined) throw duparg2("to", v);
      dst = addrOf(v);
    }
  }
  // iproute2 returns -1 here (exit 1), and "proxy" stands in for the device.
  if ((dev === undefined && !proxy) || dst === undefined) {
    throw fail("Device and address are required arguments.");
  }
  const index = dev !== undefined ? await ctx.index(dev) : undefined;
  let got: Neigh[];
  try {
    got = await ctx.ip.neigh("get", {
      dst,
      ...(index !== undefined ? { ifindex: index } : {}),
      ...(proxy ? { proxy: true } : {}),
    });
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw notImplemented(e, "neigh get");
  }
  await ctx.loadNames();
  // ipneigh_get prints without opening JSON output: text, with -j too.
  const p = new Printer({ oneline: ctx.opts.oneline });
  for (const m of got) printNeigh(ctx, m, {}, p);
  ctx.p.raw(p.take());
}

const NEIGH_USAGE = `Usage: ip neigh { add | del | change | replace }
		{ ADDR [ lladdr LLADDR ] [ nud STATE ] proxy ADDR }
		[ dev DEV ] [ router ] [ extern_learn ] [ protocol PROTO ]

	ip neigh { show | flush } [ proxy ] [ to PREFIX ] [ dev DEV ] [ nud STATE ]
				  [ vrf NAME ]

STATE := { delay | failed | incomplete | noarp | none |
           permanent | probe | reachable | stale }`;

/** `ip neigh add|del|replace|change`, parsed as iproute2's ipneigh_modify. */
async function neighModify(
  ctx: Ctx,
  cmd: "add" | "del" | "replace" | "change",
  args: string[],
): Promise<void> {
  const spec: Record<string, unknown> = {};
  let dst: string | undefined;
  let dev: string | undefined;
  let devOk = false;
  let state: number | undefined;
  let flags = 0;
  const family = ctx.opts.family === 17 ? 0 : ctx.opts.family;
  const addrOf = (v: string) => neighAddress(family, v);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => nextArg(args, i++);
    if (matches(a, "lladdr")) {
      const v = next();
      if (spec.lladdr !== undefined) {
        throw usage(`Error: duplicate "lladdr": "${v}" is the second value.`);
      }
      spec.lladdr = v;
    } else if (a === "nud") {
      const v = next();
      const st = nudId(v);
      if (st === undefined) throw invarg("nud state is bad", v);
      state = st;
    } else if (matches(a, "proxy")) {
      const v = next();
      if (matches(v, "help")) throw usage(NEIGH_USAGE);
      if (dst !== undefined) {
        throw usage(`Error: duplicate "address": "${v}" is the second value.`);
      }
      dst = addrOf(v);
      devOk = true;
      flags |= NTF_PROXY;
    } else if (a === "router") flags |= NTF_ROUTER;
    else if (a === "use" || a === "managed") throw notSupported(`ip neigh ${cmd} ${a}`);
    else if (matches(a, "extern_learn")) flags |= NTF_EXT_LEARNED;
    else if (a === "dev") {
      dev = next();
      devOk = true;
    } else if (matches(a, "protocol")) {
      const v = next();
      const pr = protoId(v);
      if (pr === undefined) throw invarg('"protocol" value is invalid\n', v);
      spec.protocol = pr;
    } else {
      let v = a;
      if (v === "to") v = next();
      if (matches(v, "help")) v = next();
      if (dst !== undefined) throw duparg2("to", v);
      dst = addrOf(v);
    }
  }
  if (!devOk || dst === undefined) throw usage("Device and destination are required arguments.");
  const pf = parsePrefixArg(dst)!;
  spec.dst = dst;
  if (spec.lladdr === "null") delete spec.lladdr;
  if (dev !== undefined) spec.ifindex = await ctx.index(dev);
  spec.family = pf.family;
  if (cmd !== "del") spec.state = state ?? 0x80;
  else if (state !== undefined) spec.state = state;
  if (flags) spec.flags = flags;
  // iproute2 exits on a refused neighbour request (exit 2), ending a batch too.
  await ctx.change({ obj: "neigh", cmd: cmd === "change" ? "replace" : cmd, spec }, true);
}

/** `ip neigh flush`. */
async function neighFlush(ctx: Ctx, args: string[]): Promise<void> {
  if (args.length === 0) throw fail("Flush requires arguments.");
  const f = await parseNeighFilter(ctx, args, true);
  await ctx.loadNames();
  let list: Neigh[];
  try {
    list = await ctx.ip.getNeighbours(f.family ? { family: f.family } : {});
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw notImplemented(e, "getNeighbours");
  }
  for (const m of list) {
    if (!neighMatches(ctx, m, f)) continue;
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

/** `ip neighbour` verbs in iproute2's order (do_ipneigh). */
export const NEIGH_VERBS: VerbTable = {
  object: "neigh",
  verbs: [
    ["add", (ctx, args) => neighModify(ctx, "add", args)],
    ["change", (ctx, args) => neighModify(ctx, "change", args)],
    ["chg", (ctx, args) => neighModify(ctx, "change", args), "exact"],
    ["replace", (ctx, args) => neighModify(ctx, "replace", args)],
    ["delete", (ctx, args) => neighModify(ctx, "del", args)],
    ["get", neighGet],
    ["show", neighShow],
    ["lst", neighShow],
    ["list", neighShow],
    ["flush", neighFlush],
    ["help", () => Promise.reject(usage(NEIGH_USAGE))],
  ],
  none: neighShow,
};

/** `ip neighbour …`. */
export async function doNeigh(ctx: Ctx, args: string[]): Promise<void> {
  await dispatch(ctx, args, NEIGH_VERBS);
}
