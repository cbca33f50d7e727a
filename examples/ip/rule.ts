/**
 * `ip rule`: show (iproute2's print_rule), add, del, flush.
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import type { Rule } from "../../mod.ts";
import { ANY } from "./out.ts";
import { type Ctx, fail, kernelError, notImplemented, usage } from "./ctx.ts";
import {
  dsfieldId,
  dsfieldName,
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
import { parsePrefixArg } from "./addr.ts";

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

interface RuleArgs {
  spec: Record<string, unknown>;
  prio?: number;
  table?: number;
}

/** Parses SELECTOR ACTION into a rule spec (the library's FRA_ short names). */
function parseRuleArgs(ctx: Ctx, args: string[], forShow: boolean): RuleArgs {
  const spec: Record<string, unknown> = {};
  const out: RuleArgs = { spec };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => {
      if (i + 1 >= args.length) throw usage('Command line is not complete. Try option "help"');
      return args[++i];
    };
    if (a === "not") spec.invert = true;
    else if (a === "from" || a === "to") {
      const v = next();
      if (v === "all") continue;
      const pf = parsePrefixArg(v);
      if (!pf) throw fail(`Error: an inet prefix is expected rather than "${v}".`);
      spec[a === "from" ? "src" : "dst"] = v;
    } else if (a === "preference" || a === "pref" || a === "priority" || a === "order") {
      const v = next();
      if (!/^\d+$/.test(v)) {
        throw usage(`Error: argument "${v}" is wrong: preference value is invalid\n`);
      }
      out.prio = Number(v);
      spec.priority = out.prio;
    } else if (a === "tos" || a === "dsfield") {
      const v = next();
      const t = dsfieldId(v);
      if (t === undefined) throw usage(`Error: argument "${v}" is wrong: TOS value is invalid\n`);
      spec.tos = t;
    } else if (a === "fwmark") {
      const v = next();
      const [m, k] = v.split("/");
      spec.fwmark = Number(m);
      if (k !== undefined) spec.fwmask = Number(k);
    } else if (a === "realms") {
      const v = next();
      const [from, to] = v.includes("/") ? v.split("/") : ["0", v];
      spec.flow = (Number(from) << 16) | Number(to);
    } else if (a === "table" || a === "lookup") {
      const v = next();
      const t = tableId(v);
      if (t === undefined) throw usage(`Error: argument "${v}" is wrong: invalid table ID\n`);
      out.table = t;
      spec.table = t;
    } else if (a === "suppress_prefixlength") spec.suppress_prefixlen = Number(next());
    else if (a === "suppress_ifgroup") spec.suppress_ifgroup = Number(next());
    else if (a === "dev" || a === "iif") spec.iifname = next();
    else if (a === "oif") spec.oifname = next();
    else if (a === "uidrange") {
      const [s, e] = next().split("-");
      spec.uid_range = { start: Number(s), end: Number(e ?? s) };
    } else if (a === "ipproto") {
      const v = next();
      const num = Object.entries(IPPROTO).find(([, nm]) => nm === v)?.[0] ?? v;
      spec.ip_proto = Number(num);
    } else if (a === "sport" || a === "dport") {
      const [s, e] = next().split("-");
      spec[a === "sport" ? "sport_range" : "dport_range"] = {
        start: Number(s),
        end: Number(e ?? s),
      };
    } else if (a === "protocol" || a === "proto") {
      const v = next();
      const pr = protoId(v);
      if (pr === undefined) {
        throw usage(`Error: argument "${v}" is wrong: "protocol" value is invalid\n`);
      }
      spec.protocol = pr;
    } else if (a === "goto") {
      spec.goto = Number(next());
      spec.action = "goto";
    } else if (a === "nop") spec.action = "nop";
    else if (a === "help") throw usage(RULE_USAGE);
    else {
      let t = a;
      if (t === "type") t = next();
      const type = rtnTypeId(t);
      if (type === undefined || forShow) {
        throw usage(`Error: argument "${t}" is wrong: Failed to parse rule type`);
      }
      spec.action = t;
    }
  }
  void ctx;
  return out;
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
  const sel = parseRuleArgs(ctx, args, true);
  const rules = await ruleDump(ctx);
  const p = ctx.p;
  p.begin();
  for (const r of rules) {
    if (sel.prio !== undefined && (n(r.get("FRA_PRIORITY")) ?? 0) !== sel.prio) continue;
    if (sel.table !== undefined) {
      const t = n(r.get("FRA_TABLE")) ?? n(r.headerField("table")) ?? 0;
      if (t !== sel.table) continue;
    }
    if (sel.spec.src !== undefined) {
      const want = String(sel.spec.src);
      const [addr, len] = want.split("/");
      if (r.get("FRA_SRC") !== addr) continue;
      if (len !== undefined && r.headerField("src_len") !== Number(len)) continue;
    }
    if (sel.spec.dst !== undefined) {
      const [addr, len] = String(sel.spec.dst).split("/");
      if (r.get("FRA_DST") !== addr) continue;
      if (len !== undefined && r.headerField("dst_len") !== Number(len)) continue;
    }
    if (sel.spec.iifname !== undefined && r.get("FRA_IIFNAME") !== sel.spec.iifname) continue;
    if (sel.spec.oifname !== undefined && r.get("FRA_OIFNAME") !== sel.spec.oifname) continue;
    if (sel.spec.fwmark !== undefined && r.get("FRA_FWMARK") !== sel.spec.fwmark) continue;
    printRule(ctx, r);
  }
  p.end();
}

/** `ip rule add|del`. */
async function ruleModify(ctx: Ctx, cmd: "add" | "del", args: string[]): Promise<void> {
  const { spec } = parseRuleArgs(ctx, args, false);
  const fam = ctx.opts.family === 10 ? 10 : 2;
  const src = spec.src ?? spec.dst;
  spec.family = typeof src === "string" && src.includes(":") ? 10 : fam;
  if (cmd === "add" && spec.table === undefined && spec.action === undefined) spec.table = 254;
  try {
    await ctx.ip.rule(cmd, spec);
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw notImplemented(e, "rule");
  }
}

/** `ip rule flush`: deletes every rule but the default ones' priority 0. */
async function ruleFlush(ctx: Ctx): Promise<void> {
  const rules = await ruleDump(ctx);
  for (const r of rules) {
    const prio = n(r.get("FRA_PRIORITY")) ?? 0;
    if (prio === 0) continue;
    try {
      await ctx.ip.rule("del", { family: r.family, priority: prio });
    } catch (e) {
      if (e instanceof NetlinkError) throw kernelError(e);
      throw notImplemented(e, "rule");
    }
  }
}

/** `ip rule …`. */
export async function doRule(ctx: Ctx, args: string[]): Promise<void> {
  const [cmd, ...rest] = args;
  if (cmd === undefined || ["show", "list", "lst", "ls"].includes(cmd)) {
    return await ruleShow(ctx, rest);
  }
  if (cmd === "add" || cmd === "a") return await ruleModify(ctx, "add", rest);
  if (cmd === "del" || cmd === "delete" || cmd === "d") return await ruleModify(ctx, "del", rest);
  if (cmd === "flush") return await ruleFlush(ctx);
  if (cmd === "help") throw usage(RULE_USAGE);
  throw usage(`Command "${cmd}" is unknown, try "ip rule help".`);
}
