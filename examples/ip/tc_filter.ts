/**
 * `ip tc filter show` lines as tc 6.1 prints them (tc_filter.c's print_filter): the filter's
 * head, the options of u32 (f_u32.c: handle, order, hash table and bucket, flowid, link, flags,
 * keys as `match VAL/MASK at OFF`, offsets, hash mask, input device) and bpf (f_bpf.c: handle,
 * flowid, name, flags, classic bytecode, tag), their actions (m_action.c; mirred and gact), and
 * with `-s` the actions' times and statistics and u32's hit counters.
 *
 * @module
 */

import { formatU32Handle } from "../../rtnl/mod.ts";
import type { TcMessage } from "../../mod.ts";
import type { Ctx } from "./ctx.ts";
import { ANY, JSON_ONLY } from "./out.ts";
import type { Printer } from "./out.ts";
import { printStats2 } from "./tc_stats.ts";

type Rec = Record<string, unknown>;

const TC_H_ROOT = 0xffffffff;
const TC_H_CLSACT_INGRESS = 0xfffffff2;
const TC_H_CLSACT_EGRESS = 0xfffffff3;
const TC_U32_TERMINAL = 1, TC_U32_OFFSET = 2, TC_U32_VAROFFSET = 4, TC_U32_EAT = 8;
const CLS_SKIP_HW = 1, CLS_SKIP_SW = 2, CLS_IN_HW = 4, CLS_NOT_IN_HW = 8;
const USER_HZ = 100; // sysconf(_SC_CLK_TCK) on Linux: the unit of struct tcf_t

/** The filter list's selectors: what tc leaves out of each line when it was selected on. */
export interface FilterSelector {
  /** The device given with `dev`. */
  index?: number;
  /** The parent given. */
  parent?: number;
  /** The preference given. */
  pref?: number;
  /** The chain given. */
  chain?: number;
}

/** ll_proto_n2a: iproute2's names of link-layer protocols (lib/ll_proto.c), else "[N]". */
const LL_PROTO: Readonly<Record<number, string>> = {
  0x0001: "802_3",
  0x0002: "ax25",
  0x0003: "all",
  0x0004: "802_2",
  0x0005: "snap",
  0x000c: "can",
  0x0060: "loop",
  0x0200: "pup",
  0x0201: "pupat",
  0x0800: "ip",
  0x0805: "x25",
  0x0806: "arp",
  0x6558: "teb",
  0x8035: "rarp",
  0x809b: "atalk",
  0x80f3: "aarp",
  0x8100: "802.1Q",
  0x8137: "ipx",
  0x86dd: "ipv6",
  0x8847: "mpls_uc",
  0x8848: "mpls_mc",
  0x8863: "ppp_disc",
  0x8864: "ppp_ses",
  0x88a8: "802.1ad",
};

/** print_tc_classid: "root", "none", ":1", "1:", "1:10". */
export function classidText(h: number): string {
  h >>>= 0;
  if (h === TC_H_ROOT) return "root";
  if (h === 0) return "none";
  const maj = h >>> 16, min = h & 0xffff;
  if (maj === 0) return `:${min.toString(16)}`;
  if (min === 0) return `${maj.toString(16)}:`;
  return `${maj.toString(16)}:${min.toString(16)}`;
}

function num(v: unknown): number {
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : 0;
}

/** A field of a decoded value: a view's property (decoded), else its `get`, or a plain key. */
function field(o: unknown, k: string): unknown {
  if (!o || typeof o !== "object") return undefined;
  const v = (o as Rec)[k];
  if (v !== undefined) return v;
  const g = (o as { get?: unknown }).get;
  return typeof g === "function" ? (g as (k: string) => unknown).call(o, k) : undefined;
}

function nl(p: Printer): void {
  p.fp(p.sl);
}

/** action_n2a. */
function controlName(a: number): string {
  const ext = a & 0xf0000000;
  if (ext === 0x20000000) return "goto";
  if (ext === 0x10000000) return "jump";
  switch (a | 0) {
    case -1:
      return "continue";
    case 0:
      return "pass";
    case 2:
      return "drop";
    case 1:
      return "reclassify";
    case 3:
      return "pipe";
    case 4:
      return "stolen";
    case 8:
      return "trap";
  }
  return String(a | 0);
}

/** print_action_control. */
function printControl(p: Printer, prefix: string, a: number, suffix: string): void {
  p.fp(prefix);
  p.openObject("control_action");
  p.str(ANY, "type", "%s", controlName(a));
  const ext = a & 0xf0000000;
  if (ext === 0x20000000) p.uint(ANY, "chain", " chain %u", a & 0x0fffffff);
  if (ext === 0x10000000) p.uint(ANY, "jump", " %u", a & 0x0fffffff);
  p.closeObject();
  p.fp(suffix);
}

/** print_tm (struct tcf_t in USER_HZ ticks). */
function printTm(p: Printer, tm: unknown): void {
  if (!tm) return;
  const t = (k: string) => num(field(tm, k));
  if (t("install")) {
    p.uint(ANY, "installed", " installed %u sec", Math.trunc(t("install") / USER_HZ));
  }
  if (t("lastuse")) p.uint(ANY, "last_used", " used %u sec", Math.trunc(t("lastuse") / USER_HZ));
  if (t("firstuse")) {
    p.uint(ANY, "first_used", " firstused %u sec", Math.trunc(t("firstuse") / USER_HZ));
  }
  if (t("expires")) p.uint(ANY, "expires", " expires %u sec", Math.trunc(t("expires") / USER_HZ));
}

const MIRRED_TEXT: Readonly<Record<number, [text: string, dir: string, act: string]>> = {
  1: ["Egress Redirect", "egress", "redirect"],
  2: ["Egress Mirror", "egress", "mirror"],
  3: ["Ingress Redirect", "ingress", "redirect"],
  4: ["Ingress Mirror", "ingress", "mirror"],
};

/** print_mirred. */
function printMirred(ctx: Ctx, p: Printer, o: unknown): void {
  p.str(ANY, "kind", "%s ", "mirred");
  const parms = field(o, "parms");
  if (!o || !parms) return;
  const eaction = num(field(parms, "eaction"));
  const [text, dir, act] = MIRRED_TEXT[eaction] ?? ["unknown", "unknown", "unknown"];
  p.fp(`(${text}`);
  p.str(JSON_ONLY, "mirred_action", "", act);
  p.str(JSON_ONLY, "direction", "", dir);
  p.str(ANY, "to_dev", " to device %s)", ctx.name(num(field(parms, "ifindex"))));
  printControl(p, " ", num(field(parms, "action")), "");
  nl(p);
  printIndexRefBind(ctx, p, o, parms, "\tindex %u");
}

/** An action's index, reference and bind counts (its own index format), then its times. */
function printIndexRefBind(ctx: Ctx, p: Printer, o: unknown, parms: unknown, fmt: string): void {
  p.uint(ANY, "index", fmt, num(field(parms, "index")));
  p.int(ANY, "ref", " ref %d", num(field(parms, "refcnt")) | 0);
  p.int(ANY, "bind", " bind %d", num(field(parms, "bindcnt")) | 0);
  if (ctx.opts.stats) printTm(p, field(o, "tm"));
  nl(p);
}

const PROB_TYPES = ["none", "netrand", "determ"];

/** print_gact (built with CONFIG_GACT_PROB, as Debian's tc is). */
function printGact(ctx: Ctx, p: Printer, o: unknown): void {
  p.str(ANY, "kind", "%s ", "gact");
  const parms = field(o, "parms");
  if (!o || !parms) return;
  printControl(p, "action ", num(field(parms, "action")), "");
  const prob = field(o, "prob");
  p.openObject("prob");
  nl(p);
  p.str(ANY, "random_type", "\t random type %s", PROB_TYPES[num(field(prob, "ptype"))] ?? "none");
  printControl(p, " ", num(field(prob, "paction")), " ");
  p.int(ANY, "val", "val %d", num(field(prob, "pval")) | 0);
  p.closeObject();
  nl(p);
  printIndexRefBind(ctx, p, o, parms, "\t index %u");
}

/** tc_print_action: a filter's action list (bound actions). */
function printActions(ctx: Ctx, p: Printer, acts: unknown): void {
  if (!Array.isArray(acts)) return;
  p.openArray(JSON_ONLY, "actions");
  acts.forEach((a, i) => {
    p.openObject(null);
    nl(p);
    p.uint(ANY, "order", "\taction order %u: ", i + 1);
    const kind = field(a, "kind");
    const opts = field(a, "options");
    if (kind === "mirred") printMirred(ctx, p, opts);
    else if (kind === "gact") printGact(ctx, p, opts);
    else {
      // tc loads an unknown kind's printer from a plugin: none here.
      p.str(ANY, "kind", "%s ", String(kind));
      nl(p);
    }
    const stats = field(a, "stats");
    if (ctx.opts.stats && stats) {
      p.fp("\tAction statistics:");
      nl(p);
      p.openObject("stats");
      printStats2(p, stats, "\t");
      p.closeObject();
      nl(p);
    }
    const cookie = field(a, "cookie");
    if (cookie instanceof Uint8Array) {
      p.str(
        ANY,
        "cookie",
        "\tcookie %s",
        [...cookie].map((b) => b.toString(16).padStart(2, "0")).join(""),
      );
      nl(p);
    }
    const flags = field(a, "flags") as { value?: number; selector?: number } | undefined;
    if (flags && (num(flags.selector) & 1)) {
      p.bool(ANY, "no_percpu", "\tno_percpu", (num(flags.value) & 1) !== 0);
      nl(p);
    }
    p.closeObject();
  });
  p.closeArray(JSON_ONLY, "");
}

/** print_raw of one u32 key (tc prints keys raw unless `-p`, which this tool lacks). */
function printKey(p: Printer, k: Rec): void {
  p.openObject("match");
  nl(p);
  p.hex(ANY, "value", "  match %08x", num(k.val) >>> 0);
  p.hex(ANY, "mask", "/%08x ", num(k.mask) >>> 0);
  p.str(ANY, "offmask", "at %s", num(k.offmask) ? "nexthdr+" : "");
  p.int(ANY, "off", "%d", num(k.off) | 0);
  p.closeObject();
}

function clsFlags(p: Printer, flags: number): void {
  if (flags & CLS_SKIP_HW) p.bool(ANY, "skip_hw", "skip_hw ", true);
  if (flags & CLS_SKIP_SW) p.bool(ANY, "skip_sw", "skip_sw ", true);
  if (flags & CLS_IN_HW) p.bool(ANY, "in_hw", "in_hw ", true);
  else if (flags & CLS_NOT_IN_HW) p.bool(ANY, "not_in_hw", "not_in_hw ", true);
}

/** u32_print_opt. */
function printU32(ctx: Ctx, p: Printer, o: unknown, handle: number): void {
  if (handle) p.str(ANY, "fh", "fh %s ", formatU32Handle(handle));
  if (handle & 0xfff) p.int(ANY, "order", "order %d ", handle & 0xfff);
  const sel = field(o, "sel") as Rec | undefined;
  const divisor = field(o, "divisor");
  const hash = field(o, "hash");
  if (divisor !== undefined) p.int(ANY, "ht_divisor", "ht divisor %d ", num(divisor) | 0);
  else if (hash !== undefined) {
    p.hex(ANY, "key_ht", "key ht %x ", num(hash) >>> 20);
    p.hex(ANY, "bkt", "bkt %x ", (num(hash) >>> 12) & 0xff);
  } else ctx.warn("divisor and hash missing ");
  const classid = field(o, "classid");
  const terminal = sel !== undefined && (num(sel.flags) & TC_U32_TERMINAL) !== 0;
  if (classid !== undefined) {
    if (terminal) p.fp("*");
    p.str(ANY, "flowid", "flowid %s ", classidText(num(classid)));
  } else if (terminal) p.fp("terminal flowid ");
  const link = field(o, "link");
  if (link !== undefined) p.str(ANY, "link", "link %s ", formatU32Handle(num(link)));
  const flags = field(o, "flags");
  if (flags !== undefined) clsFlags(p, num(flags));
  const pcnt = field(o, "pcnt") as Rec | undefined;
  if (sel && ctx.opts.stats && pcnt) {
    p.uint(ANY, "rule_hit", "(rule hit %u ", num(pcnt.rcnt));
    p.uint(ANY, "success", "success %u)", num(pcnt.rhit));
  }
  const mark = field(o, "mark") as Rec | undefined;
  if (mark) {
    nl(p);
    p.xhex(ANY, "fwmark_value", "  mark 0x%04x ", num(mark.val));
    p.xhex(ANY, "fwmark_mask", "0x%04x ", num(mark.mask));
    p.int(ANY, "fwmark_success", "(success %d)", num(mark.success) | 0);
  }
  if (sel) {
    const keys = (field(sel, "keys") ?? []) as Rec[];
    const kcnts = (pcnt?.kcnts ?? []) as unknown[];
    keys.forEach((k, i) => {
      printKey(p, k);
      if (ctx.opts.stats && pcnt) p.uint(ANY, "success", " (success %u ) ", num(kcnts[i]));
    });
    const sf = num(sel.flags);
    if (sf & (TC_U32_VAROFFSET | TC_U32_OFFSET)) {
      nl(p);
      p.str(ANY, null, "%s", "    offset "); // a bare string in tc's JSON too
      if (sf & TC_U32_VAROFFSET) {
        p.hex(ANY, "offset_mask", "%04x", num(sel.offmask));
        p.int(ANY, "offset_shift", ">>%d ", num(sel.offshift));
        p.int(ANY, "offset_off", "at %d ", num(sel.offoff));
      }
      if (num(sel.off)) p.int(ANY, "plus", "plus %d ", num(sel.off));
    }
    if (sf & TC_U32_EAT) p.str(ANY, null, "%s", " eat ");
    if (num(sel.hmask)) {
      nl(p);
      p.hex(ANY, "hash_mask", "    hash mask %08x ", num(sel.hmask) >>> 0);
      p.int(ANY, "hash_off", "at %d ", num(sel.hoff));
    }
  }
  const indev = field(o, "indev");
  if (typeof indev === "string") {
    nl(p);
    p.str(ANY, "input_dev", "  input dev %s", indev);
    nl(p);
  }
  printActions(ctx, p, field(o, "act"));
}

/** bpf_print_opt (classic bytecode; an eBPF program by its tag). */
function printBpf(ctx: Ctx, p: Printer, o: unknown, handle: number): void {
  if (handle) p.xhex(ANY, "handle", "handle %#llx ", handle);
  const classid = field(o, "classid");
  if (classid !== undefined) p.str(ANY, "flowid", "flowid %s ", classidText(num(classid)));
  const name = field(o, "name");
  if (typeof name === "string") p.str(ANY, "bpf_name", "%s ", name);
  if (num(field(o, "flags")) & 1) p.bool(ANY, "direct-action", "direct-action ", true);
  const gen = field(o, "flags_gen");
  if (gen !== undefined) clsFlags(p, num(gen));
  const ops = field(o, "ops");
  const len = num(field(o, "ops_len"));
  if (Array.isArray(ops) && len) {
    p.openObject("bytecode");
    p.uint(ANY, "length", "bytecode '%u,", len);
    p.openArray(JSON_ONLY, "insns");
    ops.slice(0, len).forEach((ins, i) => {
      p.openObject(null);
      p.uint(ANY, "code", "%u ", num(field(ins, "code")));
      p.uint(ANY, "jt", "%u ", num(field(ins, "jt")));
      p.uint(ANY, "jf", "%u ", num(field(ins, "jf")));
      p.uint(ANY, "k", i === len - 1 ? "%u'" : "%u,", num(field(ins, "k")) >>> 0);
      p.closeObject();
    });
    p.closeArray(JSON_ONLY, "");
    p.closeObject();
  }
  const tag = field(o, "tag");
  if (tag instanceof Uint8Array) {
    p.str(ANY, "tag", "tag %s ", [...tag].map((b) => b.toString(16).padStart(2, "0")).join(""));
  }
  printActions(ctx, p, field(o, "act"));
}

/** print_filter: one filter line (and its option lines) as tc 6.1 prints it. */
export function printFilter(ctx: Ctx, p: Printer, m: TcMessage, sel: FilterSelector): void {
  const kind = m.get("TCA_KIND") as string | undefined;
  const handle = num(m.headerField("handle")) >>> 0;
  const parent = num(m.headerField("parent")) >>> 0;
  const info = num(m.headerField("info")) >>> 0;
  const index = num(m.headerField("index"));
  p.openObject(null);
  p.fp("filter ");
  if (sel.index === undefined || sel.index !== index) p.str(ANY, "dev", "dev %s ", ctx.name(index));
  if (sel.parent === undefined || sel.parent !== parent) {
    if (parent === TC_H_ROOT) p.bool(ANY, "root", "root ", true);
    else if (parent === TC_H_CLSACT_INGRESS) p.bool(ANY, "ingress", "ingress ", true);
    else if (parent === TC_H_CLSACT_EGRESS) p.bool(ANY, "egress", "egress ", true);
    else p.str(ANY, "parent", "parent %s ", classidText(parent));
  }
  if (info) {
    const raw = info & 0xffff;
    const proto = ((raw & 0xff) << 8) | (raw >> 8);
    const pref = info >>> 16;
    if (proto) p.str(ANY, "protocol", "protocol %s ", LL_PROTO[proto] ?? `[${proto}]`);
    if ((sel.pref === undefined || sel.pref !== pref) && pref) {
      p.uint(ANY, "pref", "pref %u ", pref);
    }
  }
  if (kind !== undefined) p.str(ANY, "kind", "%s ", kind);
  const chain = m.get("TCA_CHAIN") as number | undefined;
  if (chain !== undefined && (sel.chain === undefined || sel.chain !== chain)) {
    p.uint(ANY, "chain", "chain %u ", chain);
  }
  const o = m.get("TCA_OPTIONS");
  if (o !== undefined) {
    p.openObject("options");
    if (kind === "u32") printU32(ctx, p, o, handle);
    else if (kind === "bpf") printBpf(ctx, p, o, handle);
    else ctx.warn("cannot parse option parameters\n");
    p.closeObject();
  }
  nl(p);
  const stats2 = m.get("stats2");
  if (ctx.opts.stats && stats2) {
    printStats2(p, stats2, " ");
    nl(p);
  }
  p.closeObject();
}
