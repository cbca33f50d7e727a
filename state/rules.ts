/**
 * Policy rules in the document: `{ priority, family?, table?, action?, src?, dst?, iif?, oif?,
 * fwmark?, fwmask?, tos? }`; every field is part of a rule's identity, so rules are made and
 * removed, never changed. Left out of snapshots: the kernel's default rules (those of
 * `protocol kernel`: local, main and default lookups). Listed as unmanaged instead of written
 * (and so never pruned): rules with `not`, `goto`, `suppress_prefixlength`, uid, port, IP
 * protocol, l3mdev, realm, tunnel id, DSCP or flow label selectors.
 *
 * @module
 */

import type { Rule } from "../rtnl/rule.ts";
import { RTPROT } from "../rtnl/constants.ts";
import { FR_ACT } from "../rtnl/schemas/rule.ts";
import {
  compact,
  entry,
  entryKeys,
  familyOf,
  ifname,
  int,
  namesByNumber,
  network,
  oneOf,
  stableJson,
} from "./check.ts";
import type { RuleState } from "./document.ts";
import type { Kind, NamespaceContext, Request } from "./kind.ts";
import { PHASE } from "./kind.ts";
import { simpleKind } from "./simple.ts";
import type { SimpleKind } from "./simple.ts";

const KEYS = entryKeys([
  "priority",
  "family",
  "table",
  "action",
  "src",
  "dst",
  "iif",
  "oif",
  "fwmark",
  "fwmask",
  "tos",
]);
const ACTIONS = ["to_tbl", "nop", "blackhole", "unreachable", "prohibit"] as const;
/** Rule action names by number (FR_ACT_*). */
const ACTION_NAMES = namesByNumber(FR_ACT);
const RTPROT_KERNEL = RTPROT.kernel;

/** The action of a rule message when the document models it. */
function modelledAction(g: Record<string, unknown>): typeof ACTIONS[number] | undefined {
  const a = ACTION_NAMES[g.action as number];
  return (ACTIONS as readonly string[]).includes(a) ? a as typeof ACTIONS[number] : undefined;
}

function check(v: unknown, path: string): RuleState {
  const o = entry(v, path, KEYS);
  const e: RuleState = compact({
    priority: int(o.priority, `${path}.priority`),
    family: o.family === undefined ? undefined : oneOf(
      o.family,
      `${path}.family`,
      [
        "inet",
        "inet6",
      ] as const,
    ),
    table: o.table === undefined ? undefined : int(o.table, `${path}.table`, 1),
    action: o.action === undefined ? undefined : oneOf(o.action, `${path}.action`, ACTIONS),
    src: o.src === undefined ? undefined : network(o.src, `${path}.src`),
    dst: o.dst === undefined ? undefined : network(o.dst, `${path}.dst`),
    iif: o.iif === undefined ? undefined : ifname(o.iif, `${path}.iif`),
    oif: o.oif === undefined ? undefined : ifname(o.oif, `${path}.oif`),
    fwmark: o.fwmark === undefined ? undefined : int(o.fwmark, `${path}.fwmark`),
    fwmask: o.fwmask === undefined ? undefined : int(o.fwmask, `${path}.fwmask`),
    tos: o.tos === undefined ? undefined : int(o.tos, `${path}.tos`, 0, 255),
  });
  const fam = e.family === "inet6" ? 6 : 4;
  for (const k of ["src", "dst"] as const) {
    if (e[k] !== undefined && familyOf(e[k]!) !== fam) {
      throw new TypeError(
        `${path}.${k}: ${e[k]} is not of the rule's family (family: "inet6" for IPv6)`,
      );
    }
  }
  if ((e.action ?? "to_tbl") === "to_tbl" && e.table === undefined) {
    throw new TypeError(`${path}.table: a lookup rule needs its table`);
  }
  if ((e.action ?? "to_tbl") !== "to_tbl" && e.table !== undefined) {
    throw new TypeError(`${path}.table: only a lookup rule (action to_tbl) has a table`);
  }
  return canonical(e);
}

function canonical(e: RuleState): RuleState {
  if (e.family === "inet") delete e.family;
  if (e.action === "to_tbl") delete e.action;
  if (e.fwmark !== undefined && e.fwmask === 0xffffffff) delete e.fwmask;
  return e;
}

const FIB_RULE_INVERT = 2;
/** Attributes a rule may have that the document does not write, by their schema names. */
const UNMODELLED = [
  "goto",
  "flow",
  "tun_id",
  "suppress_ifgroup",
  "l3mdev",
  "uid_range",
  "ip_proto",
  "sport_range",
  "dport_range",
  "dscp",
  "flowlabel",
] as const;

/** Why a rule not the kernel's cannot be written as a document entry (undefined: it can). */
export function ruleUnmodelled(v: Rule): string | undefined {
  const g = v as unknown as Record<string, unknown>;
  if (g.protocol === RTPROT_KERNEL) return undefined;
  const what: string[] = [];
  if (!modelledAction(g)) what.push(`action ${ACTION_NAMES[g.action as number] ?? g.action}`);
  if ((g.flags as number) & FIB_RULE_INVERT) what.push("not");
  const suppress = g.suppress_prefixlen as number | undefined;
  if (suppress !== undefined && suppress !== 0xffffffff) what.push("suppress_prefixlen");
  for (const k of UNMODELLED) if (g[k] !== undefined) what.push(k);
  return what.length ? `not modelled: ${what.join(", ")}` : undefined;
}

/** A rule message as a document entry (undefined: the kernel's own, or not handled). */
export function ruleEntry(v: Rule): RuleState | undefined {
  const g = v as unknown as Record<string, unknown>;
  if (g.protocol === RTPROT_KERNEL) return undefined;
  const action = modelledAction(g);
  if (!action) return undefined;
  const fam = g.family === 10 ? 6 : 4;
  const pfx = (a: unknown, len: unknown) =>
    len ? `${a ?? (fam === 6 ? "::" : "0.0.0.0")}/${len}` : undefined;
  return canonical(compact({
    priority: (g.priority as number | undefined) ?? 0,
    family: fam === 6 ? "inet6" as const : undefined,
    table: action === "to_tbl" ? g.table as number : undefined,
    action,
    src: pfx(g.src, g.src_len),
    dst: pfx(g.dst, g.dst_len),
    iif: g.iifname as string | undefined,
    oif: g.oifname as string | undefined,
    fwmark: g.fwmark as number | undefined || undefined,
    fwmask: g.fwmask as number | undefined || undefined,
    tos: g.tos as number || undefined,
  }));
}

function read(ns: NamespaceContext): RuleState[] {
  const out: RuleState[] = [];
  for (const v of ns.db.store.rules.values()) {
    const why = ruleUnmodelled(v);
    if (why !== undefined) {
      const g = v as unknown as Record<string, unknown>;
      ns.unmanaged.add({
        kind: "rules",
        object: `rule ${g.family === 10 ? "inet6 " : ""}priority ${g.priority ?? 0}${
          g.table ? ` table ${g.table}` : ""
        }`,
        reason: why,
      });
      continue;
    }
    const e = ruleEntry(v);
    if (e) out.push(e);
  }
  const keyed = out.map((e) => [key(e), e] as const);
  keyed.sort((a, b) => a[1].priority - b[1].priority || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return keyed.map(([, e]) => e);
}

function key(e: RuleState): string {
  return stableJson(e);
}

function spec(e: RuleState, cmd: string): Request {
  const split = (p: string | undefined) => p === undefined ? [] : p.split("/");
  const [src, srcLen] = split(e.src), [dst, dstLen] = split(e.dst);
  return {
    call: "rule",
    cmd,
    spec: compact({
      family: e.family === "inet6" ? 10 : 2,
      priority: e.priority,
      table: e.table,
      action: e.action,
      src,
      src_len: srcLen === undefined ? undefined : Number(srcLen),
      dst,
      dst_len: dstLen === undefined ? undefined : Number(dstLen),
      iifname: e.iif,
      oifname: e.oif,
      fwmark: e.fwmark,
      fwmask: e.fwmask,
      tos: e.tos,
    }),
  };
}

function show(e: RuleState): string {
  const parts = [`${e.priority}:`];
  if (e.family === "inet6") parts.push("inet6");
  parts.push(e.src ? `from ${e.src}` : "from all");
  if (e.dst) parts.push(`to ${e.dst}`);
  if (e.iif) parts.push(`iif ${e.iif}`);
  if (e.oif) parts.push(`oif ${e.oif}`);
  if (e.fwmark !== undefined) {
    parts.push(`fwmark ${e.fwmark}${e.fwmask !== undefined ? `/${e.fwmask}` : ""}`);
  }
  if (e.tos !== undefined) parts.push(`tos ${e.tos}`);
  parts.push(e.action ?? `lookup ${e.table}`);
  return parts.join(" ");
}

const SIMPLE: SimpleKind<RuleState> = {
  name: "rules",
  label: "rule",
  key,
  show,
  add: (e) => spec(e, "add"),
  del: (e) => spec(e, "del"),
  same: () => true,
  phases: { create: PHASE.ruleCreate, delete: PHASE.ruleDelete },
};

/** Rules: see the module documentation. */
export const RULES: Kind<RuleState> = simpleKind(SIMPLE, { check, read });
