/**
 * `ip address`: show (iproute2's print_addrinfo inside each link), add, del, replace, flush.
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import type { Addr, AddrSpec, Link } from "../../mod.ts";
import { ANY, JSON_ONLY } from "./out.ts";
import { type Ctx, fail, kernelError, usage } from "./ctx.ts";
import { scopeId, scopeName } from "./names.ts";
import {
  parseLinkFilter,
  printLinkBody,
  printLinkBrief,
  printLinkStats,
  selectLinks,
} from "./link.ts";

const INFINITY = 0xffffffff;

const IFA_FLAGS: [string, number][] = [
  ["secondary", 0x01],
  ["temporary", 0x01],
  ["nodad", 0x02],
  ["optimistic", 0x04],
  ["dadfailed", 0x08],
  ["home", 0x10],
  ["deprecated", 0x20],
  ["tentative", 0x40],
  ["permanent", 0x80],
  ["mngtmpaddr", 0x100],
  ["noprefixroute", 0x200],
  ["autojoin", 0x400],
  ["stable-privacy", 0x800],
];

/** The address flags: IFA_FLAGS when present, else the header's. */
function addrFlags(a: Addr): number {
  const f = a.get("IFA_FLAGS");
  return typeof f === "number" ? f : (a.headerField("flags") as number);
}

/** print_addrinfo (the body of one addr_info element). */
export function printAddr(ctx: Ctx, a: Addr, o: { deleted?: boolean; oneline?: boolean } = {}) {
  const p = ctx.p;
  if (o.deleted) p.bool(ANY, "deleted", "Deleted ", true);
  if (o.oneline) {
    if (p.json) {
      p.int(JSON_ONLY, "index", "", a.index);
      p.str(JSON_ONLY, "dev", "", ctx.name(a.index));
    } else p.fp(`${a.index}: ${ctx.name(a.index)}`);
  }
  const fam = a.family;
  if (fam === 2) p.str(ANY, "family", "    %s ", "inet");
  else if (fam === 10) p.str(ANY, "family", "    %s ", "inet6");
  else p.int(ANY, "family_index", "    family %d ", fam);
  const local = a.local ?? a.address;
  const address = a.address ?? a.local;
  if (local !== undefined) {
    p.str(ANY, "local", "%s", local);
    if (address !== undefined && address !== local) {
      p.fp(" peer ");
      p.str(ANY, "address", "%s", address);
    }
    p.int(ANY, "prefixlen", "/%d ", a.prefixlen);
  }
  const brd = a.get("broadcast") as string | undefined;
  if (brd !== undefined) {
    p.fp("brd ");
    p.str(ANY, "broadcast", "%s ", brd);
  }
  const any = a.get("anycast") as string | undefined;
  if (any !== undefined) {
    p.fp("any ");
    p.str(ANY, "anycast", "%s ", any);
  }
  p.str(ANY, "scope", "scope %s ", scopeName(a.scope));
  let flags = addrFlags(a);
  for (const [name, mask] of IFA_FLAGS) {
    if (mask === 0x80) {
      if (!(flags & mask)) p.bool(ANY, "dynamic", "dynamic ", true);
    } else if (flags & mask) {
      if (mask === 0x01 && fam === 10) p.bool(ANY, "temporary", "temporary ", true);
      else {
        p.fp(`${name} `);
        p.bool(JSON_ONLY, name, "", true);
      }
    }
    flags &= ~mask;
  }
  if (flags) {
    const hex = flags.toString(16).padStart(2, "0");
    if (p.json) p.str(JSON_ONLY, "ifa_flags", "", hex);
    else p.fp(`flags ${hex} `);
  }
  const label = a.get("label") as string | undefined;
  if (label !== undefined) p.str(ANY, "label", "%s", label);
  const ci = a.get("cacheinfo") as { ifa_valid: number; ifa_preferred: number } | undefined;
  if (ci) {
    p.fp(p.sl);
    p.fp("       valid_lft ");
    if (ci.ifa_valid === INFINITY) {
      p.uint(JSON_ONLY, "valid_life_time", "", INFINITY);
      p.fp("forever");
    } else p.uint(ANY, "valid_life_time", "%usec", ci.ifa_valid);
    p.fp(" preferred_lft ");
    if (ci.ifa_preferred === INFINITY) {
      p.uint(JSON_ONLY, "preferred_life_time", "", INFINITY);
      p.fp("forever");
    } else if (addrFlags(a) & 0x20) {
      p.int(ANY, "preferred_life_time", "%dsec", ci.ifa_preferred | 0);
    } else p.uint(ANY, "preferred_life_time", "%usec", ci.ifa_preferred);
  }
  p.fp("\n");
}

interface AddrFilter {
  scope?: number;
  label?: string;
  flags: number;
  flagmask: number;
  to?: { bytes: number[]; len: number; family: number };
}

function parseIpBytes(s: string): { family: number; bytes: number[] } | undefined {
  if (/^\d+(\.\d+){0,3}$/.test(s)) {
    const parts = s.split(".").map(Number);
    while (parts.length < 4) parts.push(0);
    if (parts.some((x) => x > 255)) return undefined;
    return { family: 2, bytes: parts };
  }
  if (s.includes(":")) {
    const [head, tail] = s.split("::");
    const h = head ? head.split(":") : [];
    const t = tail !== undefined ? (tail ? tail.split(":") : []) : [];
    if (tail === undefined && h.length !== 8) return undefined;
    const words = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t].map((x) =>
      parseInt(x || "0", 16)
    );
    if (words.length !== 8 || words.some((w) => Number.isNaN(w) || w > 0xffff)) return undefined;
    return { family: 10, bytes: words.flatMap((w) => [w >> 8, w & 255]) };
  }
  return undefined;
}

/** inet_addr_match: whether the first `len` bits agree. */
export function prefixMatch(a: number[], b: number[], len: number): boolean {
  for (let i = 0; i < len; i++) {
    const byte = i >> 3, bit = 7 - (i & 7);
    if (((a[byte] >> bit) & 1) !== ((b[byte] >> bit) & 1)) return false;
  }
  return true;
}

/** Parses "ADDR[/LEN]" into family, bytes and length. */
export function parsePrefixArg(
  s: string,
): { family: number; bytes: number[]; len: number } | undefined {
  const [addr, len] = s.split("/");
  const ip = parseIpBytes(addr);
  if (!ip) return undefined;
  const max = ip.family === 2 ? 32 : 128;
  const n = len === undefined ? max : Number(len);
  if (!Number.isInteger(n) || n < 0 || n > max) return undefined;
  return { ...ip, len: n };
}

function addrMatches(ctx: Ctx, a: Addr, f: AddrFilter): boolean {
  if (ctx.opts.family && ctx.opts.family !== 17 && a.family !== ctx.opts.family) return false;
  if (f.scope !== undefined && a.scope !== f.scope) return false;
  if ((f.flags ^ addrFlags(a)) & f.flagmask) return false;
  if (f.label !== undefined) {
    const label = (a.get("label") as string | undefined) ?? ctx.name(a.index);
    const re = new RegExp(
      "^" + f.label.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") +
        "$",
    );
    if (!re.test(label)) return false;
  }
  if (f.to) {
    const local = parseIpBytes((a.local ?? a.address) as string);
    if (!local || local.family !== f.to.family) return false;
    if (!prefixMatch(local.bytes, f.to.bytes, f.to.len)) return false;
  }
  return true;
}

/** `ip addr show`. */
async function addrShow(ctx: Ctx, args: string[]): Promise<void> {
  const f: AddrFilter = { flags: 0, flagmask: 0 };
  const linkArgs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => {
      if (i + 1 >= args.length) throw usage('Command line is not complete. Try option "help"');
      return args[++i];
    };
    if (a === "scope") {
      const s = next();
      const id = s === "all" ? undefined : scopeId(s);
      if (s !== "all" && id === undefined) {
        throw usage(`Error: argument "${s}" is wrong: invalid "scope"`);
      }
      f.scope = id;
    } else if (a === "label") f.label = next();
    else if (a === "to") {
      const t = next();
      const pf = parsePrefixArg(t);
      if (!pf) throw fail(`Error: any valid prefix is expected rather than "${t}".`);
      f.to = pf;
    } else if (a === "primary") {
      f.flagmask |= 1;
    } else if (a === "secondary" || a === "temporary") {
      f.flags |= 1;
      f.flagmask |= 1;
    } else if (a === "dynamic") f.flagmask |= 0x80;
    else if (a === "permanent") {
      f.flags |= 0x80;
      f.flagmask |= 0x80;
    } else if (a === "tentative" || a === "deprecated" || a === "dadfailed") {
      const m = a === "tentative" ? 0x40 : a === "deprecated" ? 0x20 : 0x08;
      f.flags |= m;
      f.flagmask |= m;
    } else linkArgs.push(a);
  }
  const lf = await parseLinkFilter(ctx, linkArgs, "address");
  const fam = ctx.opts.family;
  const links = await selectLinks(ctx, lf, fam === 10 ? 10 : 0);
  const showAddrs = fam !== 17;
  let addrs: Addr[] = [];
  if (showAddrs) {
    try {
      addrs = await ctx.ip.getAddr(fam === 2 || fam === 10 ? { family: fam } : {});
    } catch (e) {
      if (e instanceof NetlinkError) throw kernelError(e);
      throw e;
    }
  }
  const byIndex = new Map<number, Addr[]>();
  for (const a of addrs) {
    const list = byIndex.get(a.index);
    if (list) list.push(a);
    else byIndex.set(a.index, [a]);
  }
  const filtering = fam === 2 || fam === 10 || f.scope !== undefined || f.flagmask !== 0 ||
    f.label !== undefined || f.to !== undefined;
  const p = ctx.p;
  p.begin();
  for (const l of links) {
    const mine = byIndex.get(l.index) ?? [];
    const matching = mine.filter((a) => addrMatches(ctx, a, f));
    if (showAddrs && filtering) {
      if (matching.length === 0 && !(mine.length === 0 && (fam === 0 || fam === 17))) continue;
    }
    printLinkWithAddrs(ctx, l, matching, showAddrs);
  }
  p.end();
}

function printLinkWithAddrs(ctx: Ctx, l: Link, addrs: Addr[], showAddrs: boolean): void {
  const p = ctx.p;
  const fam = ctx.opts.family;
  p.openObject(null);
  if (ctx.opts.brief) {
    printLinkBrief(ctx, l, false);
    p.openArray(JSON_ONLY, "addr_info");
    for (const a of addrs) {
      p.openObject(null);
      const local = a.local ?? a.address;
      const address = a.address ?? a.local;
      if (local !== undefined) {
        p.str(ANY, "local", "%s", local);
        if (address !== undefined && address !== local) {
          p.fp(" peer ");
          p.str(ANY, "address", "%s", address);
        }
        p.int(ANY, "prefixlen", "/%d ", a.prefixlen);
      }
      p.closeObject();
    }
    p.closeArray(JSON_ONLY, null);
    p.fp("\n");
    p.closeObject();
    return;
  }
  // -o: iproute2 prints no link line, and each address on a line of its own ("3: v0    inet …").
  const oneline = ctx.opts.oneline;
  if (!oneline) {
    printLinkBody(ctx, l, { doLink: false, showLinkLayer: fam === 0 || fam === 17 });
    p.fp("\n");
  }
  if (showAddrs) {
    p.openArray(JSON_ONLY, "addr_info");
    for (const a of addrs) {
      p.openObject(null);
      printAddr(ctx, a, { oneline });
      p.closeObject();
    }
    p.closeArray(JSON_ONLY, null);
  }
  if (ctx.opts.stats) {
    const withStats = l.get("stats64") || l.get("stats") ? l : ctx.fullLink(l.index) ?? l;
    printLinkStats(p, withStats, ctx.opts.stats);
    p.fp(p.sl);
  }
  p.closeObject();
}

const ADDR_USAGE = `Usage: ip address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ]
                                                      [ CONFFLAG-LIST ]
       ip address del IFADDR dev IFNAME [mngtmpaddr]
       ip address {save|flush} [ dev IFNAME ] [ scope SCOPE-ID ]
                            [ to PREFIX ] [ FLAG-LIST ] [ label LABEL ] [up]
       ip address [ show [ dev IFNAME ] [ scope SCOPE-ID ] [ master DEVICE ]
                         [ type TYPE ] [ to PREFIX ] [ FLAG-LIST ]
                         [ label LABEL ] [up] [ vrf NAME ] ]
IFADDR := PREFIX | ADDR peer PREFIX
          [ broadcast ADDR ] [ anycast ADDR ]
          [ label IFNAME ] [ scope SCOPE-ID ] [ metric METRIC ]
SCOPE-ID := [ host | link | global | NUMBER ]
FLAG-LIST := [ FLAG-LIST ] FLAG
FLAG  := [ permanent | dynamic | secondary | primary |
           [-]tentative | [-]deprecated | [-]dadfailed | temporary |
           CONFFLAG-LIST ]
CONFFLAG-LIST := [ CONFFLAG-LIST ] CONFFLAG
CONFFLAG  := [ home | nodad | mngtmpaddr | noprefixroute | autojoin ]
LIFETIME := [ valid_lft LFT ] [ preferred_lft LFT ]
LFT := forever | SECONDS`;

/** `ip addr add|del|replace|change`. */
async function addrModify(ctx: Ctx, cmd: "add" | "del" | "replace", args: string[]) {
  let local: string | undefined;
  let dev: string | undefined;
  const spec: Partial<AddrSpec> = {};
  const flagNames: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => {
      if (i + 1 >= args.length) throw usage('Command line is not complete. Try option "help"');
      return args[++i];
    };
    if (a === "dev") dev = next();
    else if (a === "peer" || a === "remote") spec.peer = next();
    else if (a === "broadcast" || a === "brd") {
      const b = next();
      spec.broadcast = b === "+" ? true : b;
    } else if (a === "label") spec.label = next();
    else if (a === "scope") {
      const s = next();
      const id = scopeId(s);
      if (id === undefined) throw usage(`Error: argument "${s}" is wrong: invalid scope value.`);
      spec.scope = id;
    } else if (a === "valid_lft" || a === "preferred_lft") {
      const v = next();
      const n = v === "forever" ? INFINITY : Number(v);
      if (!Number.isInteger(n)) throw usage(`Error: argument "${v}" is wrong: ${a} value`);
      if (a === "valid_lft") spec.valid = n;
      else spec.preferred = n;
    } else if (a === "metric" || a === "priority" || a === "preference") {
      spec.metric = Number(next());
    } else if (["nodad", "home", "mngtmpaddr", "noprefixroute", "autojoin"].includes(a)) {
      flagNames.push(
        a === "home"
          ? "homeaddress"
          : a === "mngtmpaddr"
          ? "managetempaddr"
          : a === "autojoin"
          ? "mcautojoin"
          : a,
      );
    } else if (a === "local") local = next();
    else if (a === "help") throw usage(ADDR_USAGE);
    else if (local === undefined) local = a;
    else throw usage(`Error: either "local" is duplicate, or "${a}" is a garbage.`);
  }
  if (dev === undefined) {
    throw fail('Not enough information: "dev" argument is required.');
  }
  if (local === undefined) {
    if (cmd === "del") throw usage("Error: missing address");
    throw usage('Error: missing "local" address');
  }
  const pf = parsePrefixArg(local);
  if (!pf) throw fail(`Error: any valid prefix is expected rather than "${local}".`);
  const index = await ctx.index(dev);
  const full: AddrSpec = { ...spec, index, address: local } as AddrSpec;
  if (flagNames.length) full.flags = flagNames as AddrSpec["flags"];
  if (full.broadcast === true && pf.family !== 2) delete full.broadcast;
  try {
    await ctx.ip.addr(cmd, full);
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw e;
  }
}

/** `ip addr flush dev X`. */
async function addrFlush(ctx: Ctx, args: string[]): Promise<void> {
  if (args.length === 0) {
    throw fail("Flush requires arguments.");
  }
  const lf = await parseLinkFilter(ctx, args, "address");
  const links = await selectLinks(ctx, lf);
  const fam = ctx.opts.family;
  for (const l of links) {
    try {
      await ctx.ip.flushAddr(
        fam === 2 || fam === 10 ? { index: l.index, family: fam } : {
          index: l.index,
        },
      );
    } catch (e) {
      if (e instanceof NetlinkError) throw kernelError(e);
      throw e;
    }
  }
}

/** `ip address …`. */
export async function doAddr(ctx: Ctx, args: string[]): Promise<void> {
  const [cmd, ...rest] = args;
  if (cmd === undefined || cmd === "show" || cmd === "list" || cmd === "lst" || cmd === "ls") {
    return await addrShow(ctx, rest);
  }
  if (cmd === "add" || cmd === "a") return await addrModify(ctx, "add", rest);
  if (cmd === "replace" || cmd === "change" || cmd === "chg") {
    return await addrModify(ctx, "replace", rest);
  }
  if (cmd === "del" || cmd === "delete" || cmd === "d") return await addrModify(ctx, "del", rest);
  if (cmd === "flush" || cmd === "f") return await addrFlush(ctx, rest);
  if (cmd === "help") throw usage(ADDR_USAGE);
  throw usage(`Command "${cmd}" is unknown, try "ip address help".`);
}
