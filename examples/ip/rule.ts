/**
 * `ip rule`: show (iproute2's print_rule), add, del, flush.
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import type { Rule, RuleSpec } from "../../mod.ts";
import { ANY } from "./out.ts";
import {
  badPrefix,
  type Ctx,
  fail,
  invarg,
  kernelError,
  nextArg,
  notImplemented,
  usage,
} from "./ctx.ts";
import { dispatch, matches, notSupported, type VerbTable } from "./match.ts";
import {
  dsfieldId,
  dsfieldName,
  getU32,
  groupName,
  IPPROTO,
  protoId,
  protoName,
  realmName,
  rtnTypeId,
  rtnTypeName,
  tableId,
  tableName,
} from "./names.ts";
import { parsePrefixArg, type Prefix, prefixMatch } from "./prefix.ts";

const FIB_RULE_INVERT = 0x2;
const FIB_RULE_UNRESOLVED = 0x4;
const FIB_RULE_IIF_DETACHED = 0x8;
const FIB_RULE_OIF_DETACHED = 0x10;

function n(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

/** print_rule. */
export function printRule(ctx: Ctx, r: Rule, o: { deleted?: boolean } = {}): void {
  const p = ctx.p;
  const fam = n(r.headerField("family")) ?? 0;
  const hostLen = fam === 2 ? 32 : fam === 10 ? 128 : -1;
  const srcLen = n(r.headerField("src_len")) ?? 0;
  const dstLen = n(r.headerField("dst_len")) ?? 0;
  const flags = n(r.headerField("flags")) ?? 0;
  const action = n(r.headerField("action")) ?? 0;
  const tos = n(r.headerField("tos")) ?? 0;
  p.openObject(null);
  if (o.deleted) p.bool(ANY, "deleted", "Deleted ", true);
  p.uint(ANY, "priority", "%u:\t", n(r.get("FRA_PRIORITY")) ?? 0);
  if (flags & FIB_RULE_INVERT) p.nul(ANY, "not", "not ", null);
  const src = r.get("FRA_SRC") as string | undefined;
  if (src !== undefined) {
    p.fp("from ");
    p.str(ANY, "src", "%s", src);
    if (srcLen !== hostLen) p.uint(ANY, "srclen", "/%u", srcLen);
  } else if (srcLen) {
    p.str(ANY, "src", "from %s", "0");
    p.uint(ANY, "srclen", "/%u", srcLen);
  } else p.str(ANY, "src", "from %s", "all");
  const dst = r.get("FRA_DST") as string | undefined;
  if (dst !== undefined) {
    p.fp(" to ");
    p.str(ANY, "dst", "%s", dst);
    if (dstLen !== hostLen) p.uint(ANY, "dstlen", "/%u", dstLen);
  } else if (dstLen) {
    p.str(ANY, "dst", " to %s", "0");
    p.uint(ANY, "dstlen", "/%u", dstLen);
  }
  if (tos) p.str(ANY, "tos", " tos %s", dsfieldName(tos));
  const mark = n(r.get("FRA_FWMARK"));
  const mask = n(r.get("FRA_FWMASK"));
  if (mark !== undefined || mask !== undefined) {
    p.xhex(ANY, "fwmark", " fwmark %#llx", mark ?? 0);
    if (mask !== undefined && mask !== 0xffffffff) p.xhex(ANY, "fwmask", "/%#llx", mask);
  }
  const iif = r.get("FRA_IIFNAME") as string | undefined;
  if (iif !== undefined) {
    p.fp(" iif ");
    p.str(ANY, "iif", "%s", iif);
    if (flags & FIB_RULE_IIF_DETACHED) p.nul(ANY, "iif_detached", " [detached]", null);
  }
  const oif = r.get("FRA_OIFNAME") as string | undefined;
  if (oif !== undefined) {
    p.fp(" oif ");
    p.str(ANY, "oif", "%s", oif);
    if (flags & FIB_RULE_OIF_DETACHED) p.nul(ANY, "oif_detached", " [detached]", null);
  }
  if (n(r.get("FRA_L3MDEV"))) p.nul(ANY, "l3mdev", " lookup [l3mdev-table]", null);
  const uid = r.get("FRA_UID_RANGE") as { start?: number; end?: number } | undefined;
  if (uid && uid.start !== undefined) {
    p.uint(ANY, "uid_start", " uidrange %u", uid.start);
    p.uint(ANY, "uid_end", "-%u", uid.end ?? 0);
  }
  const ipproto = n(r.get("FRA_IP_PROTO"));
  if (ipproto !== undefined) {
    p.str(ANY, "ipproto", " ipproto %s", IPPROTO[ipproto] ?? String(ipproto));
  }
  for (const dir of ["sport", "dport"] as const) {
    const range = r.get(dir === "sport" ? "FRA_SPORT_RANGE" : "FRA_DPORT_RANGE") as
      | { start?: number; end?: number }
      | undefined;
    if (!range || range.start === undefined) continue;
    if (range.start === range.end) p.uint(ANY, dir, ` ${dir} %u`, range.start);
    else {
      p.uint(ANY, `${dir}_start`, ` ${dir} %u`, range.start);
      p.uint(ANY, `${dir}_end`, "-%u", range.end ?? 0);
    }
  }
  const table = n(r.get("FRA_TABLE")) ?? n(r.headerField("table")) ?? 0;
  if (table) {
    p.str(ANY, "table", " lookup %s", tableName(table));
    const spl = n(r.get("FRA_SUPPRESS_PREFIXLEN"));
    if (spl !== undefined && spl !== 0xffffffff) {
      p.int(ANY, "suppress_prefixlen", " suppress_prefixlength %d", spl | 0);
    }
    const sig = n(r.get("FRA_SUPPRESS_IFGROUP"));
    if (sig !== undefined && sig !== 0xffffffff) {
      p.str(ANY, "suppress_ifgroup", " suppress_ifgroup %s", groupName(sig));
    }
  }
  const flow = n(r.get("FRA_FLOW"));
  if (flow !== undefined) {
    const to = flow & 0xffff, from = flow >>> 16;
    if (from) p.str(ANY, "flow_from", " realms %s/", realmName(from));
    else p.fp(" realms ");
    p.str(ANY, "flow_to", "%s", realmName(to));
  }
  if (action === 10) {
    p.nul(ANY, "masquerade", " masquerade", null);
  } else if (action === 2) {
    const g = n(r.get("FRA_GOTO"));
    if (g !== undefined) p.uint(ANY, "goto", " goto %u", g);
    else p.str(ANY, "goto", " goto %s", "none");
    if (flags & FIB_RULE_UNRESOLVED) p.nul(ANY, "unresolved", " [unresolved]", null);
  } else if (action === 3) p.nul(ANY, "nop", " nop", null);
  else if (action !== 1) p.str(ANY, "action", " %s", rtnTypeName(action));
  const proto = n(r.get("FRA_PROTOCOL"));
  if (proto !== undefined && ((proto && proto !== 2) || ctx.opts.details > 0)) {
    p.str(ANY, "protocol", " proto %s", protoName(proto));
  }
  p.fp("\n");
  p.closeObject();
}

/** The selector of `ip rule show|flush` (iprule_list_flush_or_save's filter). */
interface RuleFilter {
  pref?: number;
  not: boolean;
  tos?: number;
  fwmark: number;
  fwmask: number;
  iif?: string;
  oif?: string;
  l3mdev: boolean;
  uid?: [number, number];
  table: number;
  src?: Prefix;
  dst?: Prefix;
  protocol?: number;
  ipproto: number;
  sport?: [number, number];
  dport?: [number, number];
}

/** sscanf("%u-%u") / ("%hu-%hu"): the range, one number (when `single`), or undefined. */
function rangeArg(v: string, single: boolean, max: number): [number, number] | undefined {
  const m = /^\s*\+?(\d+)(?:-\s*\+?(\d+))?/.exec(v);
  if (!m || (m[2] === undefined && !single)) return undefined;
  const start = Number(m[1]) % (max + 1), end = Number(m[2] ?? m[1]) % (max + 1);
  return [start, end];
}

function protoArg(v: string): number | undefined {
  const byName = Object.entries(IPPROTO).find(([, nm]) => nm === v)?.[0];
  if (byName !== undefined) return Number(byName);
  const n = getU32(v);
  return n !== undefined && n <= 255 ? n : undefined;
}

/** Parses the selector of `ip rule show|flush` as iproute2 does, word by word in its order. */
function parseRuleFilter(ctx: Ctx, args: string[]): RuleFilter {
  const af = ctx.opts.family || 2;
  const f: RuleFilter = { not: false, fwmark: 0, fwmask: 0, l3mdev: false, table: 0, ipproto: 0 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => nextArg(args, i++);
    if (matches(a, "preference") || matches(a, "order") || matches(a, "priority")) {
      const v = next();
      f.pref = getU32(v);
      if (f.pref === undefined) throw invarg("preference value is invalid\n", v);
    } else if (a === "not") f.not = true;
    else if (a === "tos" || a === "dsfield") {
      const v = next();
      f.tos = dsfieldId(v);
      if (f.tos === undefined) throw invarg("TOS value is invalid\n", v);
    } else if (a === "fwmark") {
      const v = next();
      const [m, k] = v.split("/", 2);
      const mark = getU32(m);
      if (mark === undefined) throw invarg("fwmark value is invalid\n", m);
      f.fwmark = mark;
      if (k !== undefined) {
        const mask = getU32(k);
        if (mask === undefined) throw invarg("fwmask value is invalid\n", k);
        f.fwmask = mask;
      }
    } else if (a === "dev" || a === "iif") {
      f.iif = ifnameArg(next(), '"iif"/"dev" not a valid ifname');
    } else if (a === "oif") f.oif = ifnameArg(next(), '"oif" not a valid ifname');
    else if (a === "l3mdev") f.l3mdev = true;
    else if (a === "uidrange") {
      const v = next();
      f.uid = rangeArg(v, false, 0xffffffff);
      if (!f.uid) throw invarg("invalid UID range\n", v);
    } else if (matches(a, "tun_id")) {
      throw notSupported("ip rule show tun_id");
    } else if (matches(a, "lookup") || matches(a, "table")) {
      const v = next();
      const t = tableId(v);
      if (t === undefined) throw invarg("table id value is invalid\n", v);
      f.table = t;
    } else if (matches(a, "from") || matches(a, "src")) {
      const v = next();
      f.src = parsePrefixArg(v);
      if (!f.src || f.src.family !== af) throw badPrefix(af, v);
    } else if (matches(a, "protocol")) {
      const v = next();
      const pr = protoId(v);
      if (pr === undefined && v !== "all") throw invarg('invalid "protocol"\n', v);
      f.protocol = pr;
    } else if (a === "ipproto") {
      const v = next();
      const pr = protoArg(v);
      if (pr === undefined) throw invarg('Invalid "ipproto" value\n', v);
      f.ipproto = pr;
    } else if (a === "sport" || a === "dport") {
      const v = next();
      const r = rangeArg(v, true, 0xffff);
      if (!r) throw invarg(a === "sport" ? "invalid port range\n" : "invalid dport range\n", v);
      f[a] = r;
    } else {
      let v = a;
      if (matches(a, "dst") || matches(a, "to")) v = next();
      f.dst = parsePrefixArg(v);
      if (!f.dst || f.dst.family !== af) throw badPrefix(af, v);
    }
  }
  return f;
}

function ifnameArg(v: string, msg: string): string {
  if (v === "" || v.length >= 16 || /[\s/:]/.test(v) || v === "." || v === "..") {
    throw invarg(msg, v);
  }
  return v;
}

function addrBytes(v: unknown): number[] | undefined {
  return typeof v === "string" ? parsePrefixArg(v)?.bytes : undefined;
}

/** filter_nlmsg of iprule.c. */
function ruleMatches(r: Rule, f: RuleFilter): boolean {
  const fam = n(r.headerField("family")) ?? 0;
  if (f.pref !== undefined && f.pref !== (n(r.get("FRA_PRIORITY")) ?? 0)) return false;
  const flags = n(r.headerField("flags")) ?? 0;
  if (f.not && !(flags & FIB_RULE_INVERT)) return false;
  for (
    const [pf, key, lenKey] of [[f.src, "FRA_SRC", "src_len"], [
      f.dst,
      "FRA_DST",
      "dst_len",
    ]] as const
  ) {
    if (!pf) continue;
    if (pf.family !== fam || pf.len > (n(r.headerField(lenKey)) ?? 0)) return false;
    const have = addrBytes(r.get(key));
    if (pf.len > 0 && (!have || !prefixMatch(have, pf.bytes, pf.len))) return false;
  }
  if (f.tos !== undefined && f.tos !== (n(r.headerField("tos")) ?? 0)) return false;
  if (f.fwmark && f.fwmark !== (n(r.get("FRA_FWMARK")) ?? 0)) return false;
  if (f.fwmask && f.fwmask !== (n(r.get("FRA_FWMASK")) ?? 0)) return false;
  if (f.iif !== undefined && r.get("FRA_IIFNAME") !== f.iif) return false;
  if (f.oif !== undefined && r.get("FRA_OIFNAME") !== f.oif) return false;
  if (f.l3mdev && !n(r.get("FRA_L3MDEV"))) return false;
  if (f.uid) {
    const u = r.get("FRA_UID_RANGE") as { start?: number; end?: number } | undefined;
    if (!u || u.start !== f.uid[0] || u.end !== f.uid[1]) return false;
  }
  if (f.ipproto && f.ipproto !== (n(r.get("FRA_IP_PROTO")) ?? 0)) return false;
  for (const [want, key] of [[f.sport, "FRA_SPORT_RANGE"], [f.dport, "FRA_DPORT_RANGE"]] as const) {
    if (!want || !want[0]) continue;
    const have = r.get(key) as { start?: number; end?: number } | undefined;
    if (!have || have.start !== want[0] || have.end !== want[1]) return false;
  }
  const table = n(r.get("FRA_TABLE")) ?? n(r.headerField("table")) ?? 0;
  if (f.table > 0 && f.table !== table) return false;
  return true;
}

/** Parses SELECTOR ACTION of `ip rule add|del` as iprule_modify does, into a library spec. */
function parseRuleSpec(ctx: Ctx, cmd: "add" | "del", args: string[]): RuleSpec {
  const fam = ctx.opts.family === 17 ? 0 : ctx.opts.family;
  const spec: RuleSpec = {};
  let tableOk = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => nextArg(args, i++);
    if (a === "not") spec.invert = true;
    else if (a === "from" || a === "to") {
      const v = next();
      const pf = v === "all" || v === "default" || v === "any" ? undefined : parsePrefixArg(v);
      if (v === "all" || v === "default" || v === "any") {
        // get_prefix's "any": a zero-length prefix, nothing to send
      } else if (!pf || (fam && pf.family !== fam)) throw badPrefix(fam, v);
      else spec[a === "from" ? "src" : "dst"] = v.includes("/") ? v : `${v}/${pf.len}`;
      if (pf && !spec.family) spec.family = pf.family;
    } else if (matches(a, "preference") || matches(a, "order") || matches(a, "priority")) {
      const v = next();
      const pref = getU32(v);
      if (pref === undefined) throw invarg("preference value is invalid\n", v);
      spec.priority = pref;
    } else if (a === "tos" || matches(a, "dsfield")) {
      const v = next();
      const t = dsfieldId(v);
      if (t === undefined) throw invarg("TOS value is invalid\n", v);
      spec.tos = t;
    } else if (a === "fwmark") {
      const v = next();
      const [m, k] = v.split("/", 2);
      const mark = getU32(m);
      if (mark === undefined) throw invarg("fwmark value is invalid\n", m);
      spec.fwmark = mark;
      if (k !== undefined) {
        const mask = getU32(k);
        if (mask === undefined) throw invarg("fwmask value is invalid\n", k);
        spec.fwmask = mask;
      }
    } else if (matches(a, "realms")) {
      const v = next();
      const [from, to] = v.includes("/") ? v.split("/", 2) : ["0", v];
      const f = getU32(from), t = getU32(to);
      if (f === undefined || t === undefined || f > 0xffff || t > 0xffff) {
        throw invarg("invalid realms\n", v);
      }
      spec.flow = ((f << 16) | t) >>> 0;
    } else if (matches(a, "protocol")) {
      const v = next();
      const pr = protoId(v);
      if (pr === undefined) throw invarg('"protocol" value is invalid\n', v);
      spec.protocol = pr;
    } else if (matches(a, "tun_id")) {
      const v = next();
      const id = getU32(v);
      if (id === undefined) throw invarg('"tun_id" value is invalid\n', v);
      spec.tun_id = id;
    } else if (matches(a, "table") || a === "lookup") {
      const v = next();
      const t = tableId(v);
      if (t === undefined) throw invarg("invalid table ID\n", v);
      spec.table = t;
      tableOk = true;
    } else if (matches(a, "suppress_prefixlength") || a === "sup_pl") {
      const v = next();
      const pl = getU32(v);
      if (pl === undefined || pl > 0x7fffffff) {
        throw invarg("suppress_prefixlength value is invalid\n", v);
      }
      spec.suppress_prefixlen = pl;
    } else if (matches(a, "suppress_ifgroup") || a === "sup_group") {
      const v = next();
      const g = v === "default" ? 0 : getU32(v);
      if (g === undefined) throw invarg('Invalid "suppress_ifgroup" value\n', v);
      spec.suppress_ifgroup = g;
    } else if (a === "dev" || a === "iif") {
      spec.iifname = ifnameArg(next(), '"iif"/"dev" not a valid ifname');
    } else if (a === "oif") spec.oifname = ifnameArg(next(), '"oif" not a valid ifname');
    else if (a === "l3mdev") {
      spec.l3mdev = true;
      tableOk = true;
    } else if (a === "uidrange") {
      const v = next();
      const r = rangeArg(v, false, 0xffffffff);
      if (!r) throw invarg("invalid UID range\n", v);
      spec.uid_range = { start: r[0], end: r[1] };
    } else if (a === "nat" || matches(a, "map-to")) {
      throw notSupported("ip rule nat");
    } else if (a === "ipproto") {
      const v = next();
      const pr = protoArg(v);
      if (pr === undefined) throw invarg('Invalid "ipproto" value\n', v);
      spec.ip_proto = pr;
    } else if (a === "sport" || a === "dport") {
      const v = next();
      const r = rangeArg(v, true, 0xffff);
      if (!r) throw invarg(a === "sport" ? "invalid port range\n" : "invalid dport range\n", v);
      spec[a === "sport" ? "sport_range" : "dport_range"] = { start: r[0], end: r[1] };
    } else {
      let t = a;
      if (t === "type") t = next();
      if (matches(t, "help")) throw usage(RULE_USAGE);
      if (matches(t, "goto")) {
        const v = next();
        const target = getU32(v);
        if (target === undefined) throw invarg("invalid target\n", v);
        spec.goto = target;
        spec.action = "goto";
      } else if (matches(t, "nop")) spec.action = "nop";
      else {
        const type = rtnTypeId(t);
        if (type === undefined) throw invarg("Failed to parse rule type", t);
        spec.action = type;
      }
      tableOk = true;
    }
  }
  if (spec.l3mdev && spec.table) throw fail("table can not be specified for l3mdev rules");
  spec.family ??= fam || 2;
  if (fam) spec.family = fam;
  if (cmd === "add" && !tableOk) spec.table = 254;
  return spec;
}

const RULE_USAGE = `Usage: ip rule { add | del } SELECTOR ACTION
       ip rule { flush | save | restore }
       ip rule [ list [ SELECTOR ]]
SELECTOR := [ not ] [ from PREFIX ] [ to PREFIX ] [ tos TOS ]
            [ fwmark FWMARK[/MASK] ]
            [ iif STRING ] [ oif STRING ] [ pref NUMBER ] [ l3mdev ]
            [ uidrange NUMBER-NUMBER ]
            [ ipproto PROTOCOL ]
            [ sport [ NUMBER | NUMBER-NUMBER ]
            [ dport [ NUMBER | NUMBER-NUMBER ] ]
ACTION := [ table TABLE_ID ]
          [ protocol PROTO ]
          [ nat ADDRESS ]
          [ realms [SRCREALM/]DSTREALM ]
          [ goto NUMBER ]
          SUPPRESSOR
SUPPRESSOR := [ suppress_prefixlength NUMBER ]
              [ suppress_ifgroup DEVGROUP ]
TABLE_ID := [ local | main | default | NUMBER ]`;

async function ruleDump(ctx: Ctx): Promise<Rule[]> {
  const fam = ctx.opts.family === 10 ? 10 : ctx.opts.family === 0 ? 2 : ctx.opts.family;
  try {
    const rules = await ctx.ip.getRules({ family: fam });
    return rules.filter((r) => r.headerField("family") === fam);
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw notImplemented(e, "getRules");
  }
}

/** `ip rule show`. */
async function ruleShow(ctx: Ctx, args: string[]): Promise<void> {
  const f = parseRuleFilter(ctx, args);
  const rules = await ruleDump(ctx);
  const p = ctx.p;
  p.begin();
  for (const r of rules) if (ruleMatches(r, f)) printRule(ctx, r);
  p.end();
}

/** `ip rule add|del`. */
async function ruleModify(ctx: Ctx, cmd: "add" | "del", args: string[]): Promise<void> {
  if (args.length === 0) throw fail(`"ip rule ${cmd}" requires arguments.`);
  await ctx.change({ obj: "rule", cmd, spec: parseRuleSpec(ctx, cmd, args) });
}

/** A delete request for a dumped rule: what the kernel matches it by. */
function deleteSpec(r: Rule): RuleSpec {
  const spec: RuleSpec = { family: r.family, priority: n(r.get("FRA_PRIORITY")) ?? 0 };
  const fam = r.family;
  for (
    const [key, lenKey, to] of [["FRA_SRC", "src_len", "src"], [
      "FRA_DST",
      "dst_len",
      "dst",
    ]] as const
  ) {
    const v = r.get(key) as string | undefined;
    if (v !== undefined) spec[to] = `${v}/${n(r.headerField(lenKey)) ?? (fam === 2 ? 32 : 128)}`;
  }
  const tos = n(r.headerField("tos"));
  if (tos) spec.tos = tos;
  const iif = r.get("FRA_IIFNAME") as string | undefined;
  if (iif !== undefined) spec.iifname = iif;
  const oif = r.get("FRA_OIFNAME") as string | undefined;
  if (oif !== undefined) spec.oifname = oif;
  const mark = n(r.get("FRA_FWMARK"));
  if (mark !== undefined) spec.fwmark = mark;
  const mask = n(r.get("FRA_FWMASK"));
  if (mask !== undefined && mark !== undefined) spec.fwmask = mask;
  return spec;
}

/** `ip rule flush [SELECTOR]`: deletes the matching rules but those of priority 0. */
async function ruleFlush(ctx: Ctx, args: string[]): Promise<void> {
  const f = parseRuleFilter(ctx, args);
  const rules = await ruleDump(ctx);
  for (const r of rules) {
    if (!ruleMatches(r, f) || !(n(r.get("FRA_PRIORITY")) ?? 0)) continue;
    try {
      await ctx.ip.rule("del", deleteSpec(r));
    } catch (e) {
      if (e instanceof NetlinkError) throw kernelError(e);
      throw notImplemented(e, "rule");
    }
  }
}

/** `ip rule` verbs in iproute2's order (do_iprule). */
export const RULE_VERBS: VerbTable = {
  object: "rule",
  verbs: [
    ["list", ruleShow],
    ["lst", ruleShow],
    ["show", ruleShow],
    ["save", null],
    ["restore", null],
    ["add", (ctx, args) => ruleModify(ctx, "add", args)],
    ["delete", (ctx, args) => ruleModify(ctx, "del", args)],
    ["flush", ruleFlush],
    ["help", () => Promise.reject(usage(RULE_USAGE))],
  ],
  none: ruleShow,
};

/** `ip rule …`. */
export async function doRule(ctx: Ctx, args: string[]): Promise<void> {
  await dispatch(ctx, args, RULE_VERBS);
}
