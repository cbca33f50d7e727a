/**
 * `ip address`: show (iproute2's print_addrinfo inside each link), add, del, replace, flush.
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import type { Addr, AddrSpec, Link } from "../../mod.ts";
import { ANY, JSON_ONLY } from "./out.ts";
import { badPrefix, type Ctx, duparg2, fail, invarg, kernelError, nextArg, usage } from "./ctx.ts";
import { dispatch, matches, type VerbTable } from "./match.ts";
import { parseIpBytes, parsePrefixArg, prefixMatch } from "./prefix.ts";
import { getU32, scopeId, scopeName } from "./names.ts";
import {
  parseShowFilter,
  printLinkBody,
  printLinkBrief,
  printLinkStats,
  selectLinks,
  type ShowFilter,
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
    const metric = a.get("rt_priority") as number | undefined;
    if (metric !== undefined) p.uint(ANY, "metric", "metric %u ", metric);
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

function addrMatches(ctx: Ctx, a: Addr, f: ShowFilter): boolean {
  if (f.family && f.family !== 17 && a.family !== f.family) return false;
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
  const f = await parseShowFilter(ctx, args, ADDR_USAGE);
  const fam = f.family;
  const links = await selectLinks(ctx, f, fam === 10 ? 10 : 0);
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
  const p = ctx.p;
  p.begin();
  for (const l of links) {
    const mine = byIndex.get(l.index) ?? [];
    const matching = mine.filter((a) => addrMatches(ctx, a, f));
    // ipaddr_filter: a link stays when an address matches, or it has none and no family is asked.
    if (showAddrs && matching.length === 0 && !(mine.length === 0 && fam === 0)) continue;
    printLinkWithAddrs(ctx, l, matching, fam);
  }
  p.end();
}

function printLinkWithAddrs(ctx: Ctx, l: Link, addrs: Addr[], fam: number): void {
  const p = ctx.p;
  const showAddrs = fam !== 17;
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

/** Address flags `ip address add` takes (the writable ones of iproute2's ifa_flag_data). */
const CONF_FLAGS: Record<string, { lib: string; v6only: boolean } | null> = {
  secondary: null,
  temporary: null,
  nodad: { lib: "nodad", v6only: true },
  optimistic: { lib: "optimistic", v6only: true },
  dadfailed: null,
  home: { lib: "homeaddress", v6only: true },
  deprecated: null,
  tentative: null,
  permanent: null,
  mngtmpaddr: { lib: "managetempaddr", v6only: true },
  noprefixroute: { lib: "noprefixroute", v6only: false },
  autojoin: { lib: "mcautojoin", v6only: false },
  "stable-privacy": null,
};

/** set_lifetime: "forever" or a u32 of seconds. */
function lifetime(v: string): number | undefined {
  return v === "forever" ? INFINITY : getU32(v);
}

/** `ip addr add|del|replace|change`, parsed as iproute2's ipaddr_modify. */
async function addrModify(
  ctx: Ctx,
  cmd: "add" | "del" | "replace" | "change",
  args: string[],
): Promise<void> {
  let family = ctx.opts.family === 17 ? 0 : ctx.opts.family;
  let local: string | undefined;
  let dev: string | undefined;
  const spec: Partial<AddrSpec> = {};
  const flagNames: string[] = [];
  let valid: number | undefined, preferred: number | undefined;
  const warn: string[] = [];
  const addrOf = (v: string, prefix: boolean) => {
    const pf = parsePrefixArg(v);
    if (!pf || (!prefix && v.includes("/")) || (family && pf.family !== family)) {
      throw prefix ? badPrefix(family, v) : badPrefix(family, v, "address");
    }
    if (!family) family = pf.family;
    return pf;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => nextArg(args, i++);
    if (a === "peer" || a === "remote") {
      const v = next();
      if (spec.peer !== undefined) {
        throw usage(`Error: duplicate "peer": "${v}" is the second value.`);
      }
      addrOf(v, true);
      spec.peer = v;
    } else if (matches(a, "broadcast") || a === "brd") {
      const v = next();
      if (spec.broadcast !== undefined) {
        throw usage(`Error: duplicate "broadcast": "${v}" is the second value.`);
      }
      if (v === "+") spec.broadcast = true;
      else if (v === "-") spec.broadcast = false;
      else {
        addrOf(v, false);
        spec.broadcast = v;
      }
    } else if (a === "anycast") {
      const v = next();
      if (spec.anycast !== undefined) {
        throw usage(`Error: duplicate "anycast": "${v}" is the second value.`);
      }
      addrOf(v, false);
      spec.anycast = v;
    } else if (a === "scope") {
      const v = next();
      const id = scopeId(v);
      if (id === undefined) throw invarg("invalid scope value.", v);
      spec.scope = id;
    } else if (a === "dev") dev = next();
    else if (a === "label") spec.label = next();
    else if (matches(a, "metric") || matches(a, "priority") || matches(a, "preference")) {
      const v = next();
      const m = getU32(v);
      if (m === undefined) throw invarg('"metric" value is invalid\n', v);
      spec.metric = m;
    } else if (matches(a, "valid_lft")) {
      const v = nextArg(args, i);
      if (valid !== undefined) {
        throw usage(`Error: duplicate "valid_lft": "${a}" is the second value.`);
      }
      i++;
      valid = lifetime(v);
      if (valid === undefined) throw invarg("valid_lft value", v);
    } else if (matches(a, "preferred_lft")) {
      const v = nextArg(args, i);
      if (preferred !== undefined) {
        throw usage(`Error: duplicate "preferred_lft": "${a}" is the second value.`);
      }
      i++;
      preferred = lifetime(v);
      if (preferred === undefined) throw invarg("preferred_lft value", v);
    } else if (a in CONF_FLAGS) {
      const flag = CONF_FLAGS[a];
      if (!flag) warn.push(`Warning: ${a} option is not mutable from userspace\n`);
      else if (flag.v6only && family !== 10) {
        warn.push(`Warning: ${a} option can be set only for IPv6 addresses\n`);
      } else flagNames.push(flag.lib);
    } else {
      let v = a;
      if (a === "local") v = next();
      if (matches(v, "help")) throw usage(ADDR_USAGE);
      if (local !== undefined) throw duparg2("local", v);
      addrOf(v, true);
      local = v;
    }
  }
  for (const w of warn) ctx.warn(w);
  if (dev === undefined) throw fail('Not enough information: "dev" argument is required.');
  if (spec.broadcast === true || spec.broadcast === false) {
    if (cmd === "del") delete spec.broadcast;
    else if (family !== 2) throw fail("Broadcast can be set only for IPv4 addresses");
    else if (spec.broadcast === false) delete spec.broadcast;
  }
  const lcl = local !== undefined ? parsePrefixArg(local) : undefined;
  if (
    spec.peer === undefined && lcl && cmd === "del" && lcl.family === 2 && !local!.includes("/")
  ) {
    ctx.warn(
      "Warning: Executing wildcard deletion to stay compatible with old scripts.\n" +
        `         Explicitly specify the prefix length (${local}/32) to avoid this warning.\n` +
        "         This special behaviour is likely to disappear in further releases,\n" +
        "         fix your scripts!\n",
    );
  }
  // default_scope: a loopback address is host-scoped unless a scope is given.
  if (spec.scope === undefined && cmd !== "del" && lcl?.family === 2 && lcl.bytes[0] === 127) {
    spec.scope = 254;
  }
  const index = await ctx.index(dev);
  if (valid !== undefined || preferred !== undefined) {
    valid ??= INFINITY;
    preferred ??= INFINITY;
    if (!valid) throw fail("valid_lft is zero");
    if (valid < preferred) throw fail("preferred_lft is greater than valid_lft");
    spec.valid = valid === INFINITY ? "forever" : valid;
    spec.preferred = preferred === INFINITY ? "forever" : preferred;
  }
  if (local === undefined && spec.peer === undefined) {
    throw usage(cmd === "del" ? "Error: missing address" : 'Error: missing "local" address');
  }
  const full = { ...spec, index } as AddrSpec;
  if (local !== undefined) {
    if (spec.peer !== undefined) full.local = local;
    else full.address = local;
  } else full.address = spec.peer!;
  if (flagNames.length) full.flags = flagNames as AddrSpec["flags"];
  await ctx.change({ obj: "addr", cmd, spec: full });
}

/** `ip addr flush SELECTOR`. */
async function addrFlush(ctx: Ctx, args: string[]): Promise<void> {
  if (args.length === 0) throw fail("Flush requires arguments.");
  if (ctx.opts.family === 17) throw fail("Cannot flush link addresses.");
  const f = await parseShowFilter(ctx, args, ADDR_USAGE);
  const links = await selectLinks(ctx, f);
  let addrs: Addr[];
  try {
    addrs = await ctx.ip.getAddr(f.family === 2 || f.family === 10 ? { family: f.family } : {});
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw e;
  }
  const chosen = new Set(links.map((l) => l.index));
  for (const a of addrs) {
    if (!chosen.has(a.index) || !addrMatches(ctx, a, f)) continue;
    try {
      await ctx.ip.addr("del", {
        index: a.index,
        address: `${a.address ?? a.local}/${a.prefixlen}`,
        ...(a.local !== undefined && a.address !== undefined && a.local !== a.address
          ? { local: a.local }
          : {}),
      });
    } catch (e) {
      // A secondary goes with its primary: already gone is done.
      if (e instanceof NetlinkError && e.code === "EADDRNOTAVAIL") continue;
      if (e instanceof NetlinkError) throw kernelError(e);
      throw e;
    }
  }
}

/** `ip address` verbs in iproute2's order (do_ipaddr). */
export const ADDR_VERBS: VerbTable = {
  object: "address",
  verbs: [
    ["add", (ctx, args) => addrModify(ctx, "add", args)],
    ["change", (ctx, args) => addrModify(ctx, "change", args)],
    ["chg", (ctx, args) => addrModify(ctx, "change", args), "exact"],
    ["replace", (ctx, args) => addrModify(ctx, "replace", args)],
    ["delete", (ctx, args) => addrModify(ctx, "del", args)],
    ["list", addrShow],
    ["show", addrShow],
    ["lst", addrShow],
    ["flush", addrFlush],
    ["save", null],
    ["showdump", null],
    ["restore", null],
    ["help", () => Promise.reject(usage(ADDR_USAGE))],
  ],
  none: addrShow,
};

/** `ip address …`. */
export async function doAddr(ctx: Ctx, args: string[]): Promise<void> {
  await dispatch(ctx, args, ADDR_VERBS);
}
