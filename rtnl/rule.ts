/**
 * Policy routing rules: `rule("add" | "del" | "replace", spec)`, `getRules(filter)`, IPv4 and
 * IPv6. Requests match iproute2's (`ip rule add from 10.0.0.0/8 table 100 priority 100` sends
 * the same bytes): a table above 255 goes in FRA_TABLE, a rule without an action looks up
 * table main.
 *
 * @module
 */

import { checkKeys, KeySet } from "../netlink/strict.ts";
import type { MessageList } from "../netlink/list.ts";
import { describeValue, formatIp } from "../netlink/addr.ts";
import type { TypedMessage } from "../netlink/view.ts";
import { NLM_F } from "../netlink/constants.ts";
import { AF, RTM } from "./constants.ts";
import type { Built, RtnlCore } from "./core.ts";
import { checkIfname } from "./core.ts";
import { FIB_RULE, FR_ACT, RULE_MESSAGE } from "./schemas/rule.ts";
import { protoId, tableId } from "./names.ts";
import {
  bool,
  buildMessage,
  commandOf,
  familyOf,
  flagsOf,
  named,
  prefixOf,
  rangeOf,
  uint,
  withoutSignal,
} from "./spec.ts";
import type { WithSignal } from "./spec.ts";
import { filterKeys, flushFilter, passes, readFilter } from "./filter.ts";
import type { FlushAll } from "./filter.ts";
import type { FilterCommon, FilterValue, MessageFilter } from "./filter.ts";

/** A rule message view. */
export type Rule = TypedMessage<typeof RULE_MESSAGE>;

/** Rule commands. */
export type RuleCommand = "add" | "del" | "replace";

/** IP protocols by name (for `ip_proto`). */
export const IPPROTO = {
  ip: 0,
  icmp: 1,
  igmp: 2,
  ipip: 4,
  tcp: 6,
  egp: 8,
  pup: 12,
  udp: 17,
  idp: 22,
  tp: 29,
  dccp: 33,
  ipv6: 41,
  rsvp: 46,
  gre: 47,
  esp: 50,
  ah: 51,
  "ipv6-icmp": 58,
  icmpv6: 58,
  mtp: 92,
  beet: 94,
  encap: 98,
  pim: 103,
  comp: 108,
  l2tp: 115,
  sctp: 132,
  udplite: 136,
  mpls: 137,
  ethernet: 143,
  raw: 255,
} as const;

/** A port or id range: `{ start, end }`, `[start, end]`, `"start-end"` or one number. */
export type RangeSpec =
  | { start: number; end: number }
  | readonly [number, number]
  | string
  | number;

/** A rule spec. */
export interface RuleSpec {
  /** 2 (IPv4) or 10 (IPv6); taken from `src`/`dst` when given, else IPv4. */
  family?: number;
  /** Priority (preference); the kernel picks one below the last rule when absent. */
  priority?: number;
  /** The table to look up (number or name); implies action `to_tbl`. */
  table?: number | string;
  /**
   * What the rule does: to_tbl, goto, nop, blackhole, unreachable, prohibit (or a number, or
   * pyroute2's kernel name: `"FR_ACT_PROHIBIT"`).
   */
  action?: keyof typeof FR_ACT | `FR_ACT_${Uppercase<keyof typeof FR_ACT>}` | number;
  /** The rule to go to (action `goto`): its priority. */
  goto?: number;
  /** Source prefix ("10.0.0.0/8"). */
  src?: string;
  /** Source prefix length when `src` has none. */
  src_len?: number;
  /** Destination prefix. */
  dst?: string;
  /** Destination prefix length when `dst` has none. */
  dst_len?: number;
  /** Incoming interface name. */
  iifname?: string;
  /** Alias of `iifname`. */
  iif?: string;
  /** Outgoing interface name. */
  oifname?: string;
  /** Alias of `oifname`. */
  oif?: string;
  /** Firewall mark, or "mark/mask". */
  fwmark?: number | string;
  /** Firewall mark mask. */
  fwmask?: number;
  /** TOS / DSCP byte of the header. */
  tos?: number;
  /** Realm (FRA_FLOW). */
  flow?: number;
  /** Ignore lookups whose prefix is this long or shorter. */
  suppress_prefixlen?: number;
  /** Alias of `suppress_prefixlen` (iproute2's name). */
  suppress_prefixlength?: number;
  /** Ignore lookups whose device is in this group. */
  suppress_ifgroup?: number;
  /** User id range: `{ start, end }`, `[start, end]`, "1000-2000" or one uid. */
  uid_range?: RangeSpec;
  /** Look up the table of the L3 master device (VRF). */
  l3mdev?: boolean;
  /** IP protocol by name ("tcp") or number. */
  ip_proto?: keyof typeof IPPROTO | number;
  /** Source port range. */
  sport_range?: RangeSpec;
  /** Alias of `sport_range`. */
  sport?: RangeSpec;
  /** Destination port range. */
  dport_range?: RangeSpec;
  /** Alias of `dport_range`. */
  dport?: RangeSpec;
  /** Who made the rule (FRA_PROTOCOL), by name or number. */
  protocol?: string | number;
  /** Tunnel id. */
  tun_id?: number;
  /** Match the opposite (`ip rule add not …`). */
  invert?: boolean;
  /** FIB_RULE_* header flags by name or number. */
  flags?: number | keyof typeof FIB_RULE | readonly (keyof typeof FIB_RULE)[];
}

/** Rule attributes a spec may also give by kernel name (`FRA_FWMASK`), as pyroute2 takes them. */
export type RuleKernelKey =
  | "priority"
  | "table"
  | "goto"
  | "src"
  | "dst"
  | "iifname"
  | "oifname"
  | "fwmark"
  | "fwmask"
  | "flow"
  | "suppress_prefixlen"
  | "suppress_ifgroup"
  | "uid_range"
  | "l3mdev"
  | "ip_proto"
  | "sport_range"
  | "dport_range"
  | "protocol"
  | "tun_id";

/**
 * What `ip.rule()` takes: a {@link RuleSpec} with pyroute2's forms beside ours: keys by kernel
 * name (`FRA_FWMASK`), and `null` for a value not given (`src: null`).
 */
export type RuleSpecInput =
  & { [K in keyof RuleSpec]?: RuleSpec[K] | null }
  & { [K in RuleKernelKey as `FRA_${Uppercase<K>}`]?: RuleSpec[K] };

const KNOWN = new Set([
  "family",
  "priority",
  "table",
  "action",
  "goto",
  "src",
  "src_len",
  "dst",
  "dst_len",
  "iifname",
  "iif",
  "oifname",
  "oif",
  "fwmark",
  "fwmask",
  "tos",
  "flow",
  "suppress_prefixlen",
  "suppress_prefixlength",
  "suppress_ifgroup",
  "uid_range",
  "l3mdev",
  "ip_proto",
  "sport_range",
  "sport",
  "dport_range",
  "dport",
  "protocol",
  "tun_id",
  "invert",
  "flags",
]);

/**
 * pyroute2's kernel-name keys (`FRA_FWMASK: 20`), each an explicit alias of the spec key of the
 * same attribute.
 */
const FRA_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  [...KNOWN].flatMap((k) => {
    const def = RULE_MESSAGE.attrs.byName.get(k);
    return def && def.name === k ? [[`FRA_${k.toUpperCase()}`, k]] : [];
  }),
);
const RULE_KEYS = new KeySet("rule attribute", KNOWN);
const RULE_KEYS_WITH_ALIASES = new KeySet("rule attribute", KNOWN, FRA_ALIASES);

/** pyroute2's action names (`"FR_ACT_PROHIBIT"`) beside ours (`"prohibit"`). */
function actionOf(v: unknown): number {
  const name = typeof v === "string" && v.startsWith("FR_ACT_") ? v.slice(7).toLowerCase() : v;
  return named(name, FR_ACT, "action", 255, "rule action");
}

/**
 * The spec with pyroute2's forms read: `FRA_*` keys renamed (given twice with different values
 * is an error) and keys whose value is `null` left out (pyroute2's `src=None`: not given).
 */
function readCompat(spec: unknown): unknown {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return spec;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) {
    if (v === null) continue;
    const name = FRA_ALIASES[k] ?? k;
    if (name !== k && Object.hasOwn(spec, name) && (spec as Record<string, unknown>)[name] !== v) {
      throw new TypeError(`${k}: contradicts ${name}`);
    }
    out[name] = v;
  }
  return out;
}

/** Throws unless `spec` is an object of rule spec keys (naming the first unknown one). */
export function checkRuleSpec(spec: unknown): void {
  checkKeys(readCompat(spec), RULE_KEYS, "spec");
}

const COMMANDS: Record<RuleCommand, readonly [number, number]> = {
  add: [RTM.NEWRULE, NLM_F.CREATE | NLM_F.EXCL],
  replace: [RTM.NEWRULE, NLM_F.CREATE | NLM_F.REPLACE],
  del: [RTM.DELRULE, 0],
};

function alias<T>(spec: Record<string, unknown>, a: string, b: string): [T | undefined, string] {
  if (spec[a] !== undefined && spec[b] !== undefined && spec[a] !== spec[b]) {
    throw new TypeError(`${b}: contradicts ${a}`);
  }
  return spec[a] !== undefined ? [spec[a] as T, a] : [spec[b] as T, b];
}

function prefixLen(
  spec: RuleSpec,
  key: "src" | "dst",
  fam: { f?: number },
  header: Record<string, unknown>,
  attrs: Record<string, unknown>,
): void {
  const lenKey = key === "src" ? "src_len" : "dst_len";
  const v = spec[key];
  if (v === undefined) {
    if (spec[lenKey] !== undefined) throw new TypeError(`${lenKey}: given without ${key}`);
    return;
  }
  const p = prefixOf(v, key, fam);
  let len = p.prefixlen;
  if (spec[lenKey] !== undefined) {
    len = uint(spec[lenKey], "u8", lenKey);
    if (len > p.bytes.length * 8) {
      throw new RangeError(`${lenKey}: ${len} is out of range 0..${p.bytes.length * 8}`);
    }
    if (p.hasPrefix && len !== p.prefixlen) {
      throw new TypeError(`${lenKey}: contradicts the prefix in ${key}`);
    }
  }
  header[lenKey] = len;
  if (len > 0) attrs[key] = p.bytes;
}

/** Builds a rule request. */
export function buildRule(
  core: RtnlCore,
  cmd: RuleCommand,
  spec: RuleSpec,
): Promise<Built<typeof RULE_MESSAGE>> {
  try {
    return Promise.resolve(buildRuleSync(core, cmd, spec));
  } catch (e) {
    return Promise.reject(e);
  }
}

function buildRuleSync(
  _core: RtnlCore,
  cmd: RuleCommand,
  spec: RuleSpec,
): Built<typeof RULE_MESSAGE> {
  const [type, nlflags] = commandOf(cmd, COMMANDS, "rule");
  spec = readCompat(spec) as RuleSpec;
  checkKeys(spec, RULE_KEYS_WITH_ALIASES, "spec");
  const s = spec as Record<string, unknown>;
  const fam: { f?: number } = {};
  if (spec.family !== undefined) fam.f = familyOf(spec.family);
  const header: Record<string, unknown> = {};
  const attrs: Record<string, unknown> = {};
  if (spec.priority !== undefined) attrs.priority = uint(spec.priority, "u32", "priority");
  prefixLen(spec, "src", fam, header, attrs);
  prefixLen(spec, "dst", fam, header, attrs);
  const [iif, iifKey] = alias<string>(s, "iifname", "iif");
  if (iif !== undefined) attrs.iifname = checkIfname(iif, iifKey);
  const [oif, oifKey] = alias<string>(s, "oifname", "oif");
  if (oif !== undefined) attrs.oifname = checkIfname(oif, oifKey);
  if (spec.fwmark !== undefined) {
    if (typeof spec.fwmark === "string") {
      const m = /^(0x[0-9a-fA-F]+|\d+)(?:\/(0x[0-9a-fA-F]+|\d+))?$/.exec(spec.fwmark);
      if (!m) {
        throw new TypeError(
          `fwmark: expected a number or "mark/mask", got ${describeValue(spec.fwmark)}`,
        );
      }
      attrs.fwmark = uint(Number(m[1]), "u32", "fwmark");
      if (m[2] !== undefined) {
        if (spec.fwmask !== undefined) {
          throw new TypeError("fwmask: given twice (fwmark has a mask)");
        }
        attrs.fwmask = uint(Number(m[2]), "u32", "fwmark");
      }
    } else attrs.fwmark = uint(spec.fwmark, "u32", "fwmark");
  }
  if (spec.fwmask !== undefined) {
    if (spec.fwmark === undefined) throw new TypeError("fwmask: given without fwmark");
    attrs.fwmask = uint(spec.fwmask, "u32", "fwmask");
  }
  if (spec.goto !== undefined) attrs.goto = uint(spec.goto, "u32", "goto");
  if (spec.flow !== undefined) attrs.flow = uint(spec.flow, "u32", "flow");
  const [sup, supKey] = alias<number>(s, "suppress_prefixlen", "suppress_prefixlength");
  if (sup !== undefined) {
    attrs.suppress_prefixlen = uint(sup, "u32", supKey);
    if (attrs.suppress_prefixlen as number > 128) {
      throw new RangeError(`${supKey}: ${sup} is out of range 0..128`);
    }
  }
  if (spec.suppress_ifgroup !== undefined) {
    attrs.suppress_ifgroup = uint(spec.suppress_ifgroup, "u32", "suppress_ifgroup");
  }
  if (spec.uid_range !== undefined) attrs.uid_range = rangeOf(spec.uid_range, "u32", "uid_range");
  if (spec.l3mdev !== undefined) {
    if (bool(spec.l3mdev, "l3mdev")) attrs.l3mdev = 1;
  }
  if (spec.ip_proto !== undefined) {
    attrs.ip_proto = named(spec.ip_proto, IPPROTO, "ip_proto", 255, "IP protocol");
  }
  const [sport, sportKey] = alias<RangeSpec>(s, "sport_range", "sport");
  if (sport !== undefined) attrs.sport_range = rangeOf(sport, "u16", sportKey);
  const [dport, dportKey] = alias<RangeSpec>(s, "dport_range", "dport");
  if (dport !== undefined) attrs.dport_range = rangeOf(dport, "u16", dportKey);
  if (spec.protocol !== undefined) attrs.protocol = protoId(spec.protocol, "protocol");
  if (spec.tun_id !== undefined) {
    if (typeof spec.tun_id !== "number" || !Number.isSafeInteger(spec.tun_id) || spec.tun_id < 0) {
      throw new TypeError(
        `tun_id: expected a non-negative integer, got ${describeValue(spec.tun_id)}`,
      );
    }
    attrs.tun_id = spec.tun_id;
  }
  let flags = spec.flags !== undefined ? flagsOf(spec.flags, FIB_RULE, "flags") : 0;
  if (spec.invert !== undefined && bool(spec.invert, "invert")) flags |= FIB_RULE.invert;
  const tos = spec.tos !== undefined ? uint(spec.tos, "u8", "tos") : 0;
  let action = spec.action !== undefined ? actionOf(spec.action) : undefined;
  let table = spec.table !== undefined ? tableId(spec.table) : undefined;
  if (action === FR_ACT.goto && attrs.goto === undefined) {
    throw new TypeError("goto: action goto needs the priority of the rule to go to");
  }
  if (attrs.goto !== undefined) {
    if (action !== undefined && action !== FR_ACT.goto) {
      throw new TypeError("goto: contradicts the action");
    }
    action = FR_ACT.goto;
  }
  if (table !== undefined && action === FR_ACT.goto) {
    throw new TypeError(`table: a goto rule looks up no table`);
  }
  if (type === RTM.NEWRULE) {
    if (action === undefined) action = FR_ACT.to_tbl;
    // iproute2: a rule that looks up nothing in particular looks up main (not with l3mdev).
    if (action === FR_ACT.to_tbl && table === undefined && attrs.l3mdev === undefined) table = 254;
  }
  if (table !== undefined && table > 255) attrs.table = table;
  Object.assign(header, {
    family: fam.f ?? AF.INET,
    tos,
    table: table !== undefined && table <= 255 ? table : 0,
    action: action ?? FR_ACT.unspec,
    flags,
  });
  return buildMessage(RULE_MESSAGE, { type, flags: nlflags, header, attrs }, `rule ${cmd}`);
}

/** Runs a rule command (`signal` stops waiting for the kernel's answer). */
export async function ruleCommand(
  core: RtnlCore,
  cmd: RuleCommand,
  spec: RuleSpec & WithSignal,
): Promise<void> {
  const [rest, signal] = withoutSignal(spec);
  await core.send(await buildRule(core, cmd, rest), signal);
}

/**
 * Filter of {@link getRules}: family in the kernel, the rest here. Any other attribute or header
 * field of a rule compares for equality; a function as a value tests the rule's value of that
 * name (`{ priority: (p) => p > 100 }`); `match` tests the whole message.
 */
export type RuleFilter =
  & Omit<MessageFilter<typeof RULE_MESSAGE>, "family" | "table" | "action" | "src" | "dst">
  & FilterCommon<Rule>
  & {
    /** 2 or 10 (default: both). */
    family?: FilterValue<number>;
    /** Table by number or name. */
    table?: FilterValue<number | string, number>;
    /** Action by name or number. */
    action?: FilterValue<RuleSpec["action"] & (string | number), number>;
    /** Source prefix. */
    src?: FilterValue<string>;
    /** Destination prefix. */
    dst?: FilterValue<string>;
  };

const FILTER_KEYS = filterKeys("rule filter key", RULE_MESSAGE);

/**
 * Deletes the rules a filter selects (pyroute2's `flush_rules`); `{ all: true }` deletes every
 * rule but the kernel's defaults (priorities 0, 32766, 32767, as `ip rule flush`). Resolves with
 * how many were deleted.
 */
export async function flushRules(
  core: RtnlCore,
  filter: RuleFilter & FlushAll,
): Promise<number> {
  const { filter: rest, all } = flushFilter(filter, "flushRules");
  const rules = await getRules(core, rest as RuleFilter);
  let n = 0;
  for (const r of rules) {
    const prio = (r.get("priority") as number | undefined) ?? 0;
    if (all && (prio === 0 || prio === 32766 || prio === 32767)) continue;
    const msg = buildMessage(RULE_MESSAGE, {
      type: RTM.DELRULE,
      flags: 0,
      header: r.header(),
      attrs: ruleAttrs(r),
    }, "rule del");
    try {
      await core.send(msg, (rest as { signal?: AbortSignal }).signal);
      n++;
    } catch (e) {
      // Gone already (another flush, or a duplicate in the dump): not an error of this one.
      if ((e as { code?: string }).code !== "ENOENT") throw e;
    }
  }
  return n;
}

/** The attributes of a dumped rule that select it for deletion. */
function ruleAttrs(r: Rule): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of DELETE_KEYS) {
    const v = r.get(k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

const DELETE_KEYS = [
  "priority",
  "table",
  "src",
  "dst",
  "fwmark",
  "fwmask",
  "iifname",
  "oifname",
  "goto",
  "flow",
  "suppress_prefixlen",
  "suppress_ifgroup",
  "ip_proto",
  "tun_id",
] as const;

/**
 * Dumps rules. The kernel filters only by family (its strict checking refuses any other
 * field of a rule dump), so the rest filter here.
 */
export async function getRules(
  core: RtnlCore,
  filter?: RuleFilter,
): Promise<MessageList<Rule>> {
  const f = readFilter(filter, FILTER_KEYS);
  const family = f.values.family !== undefined ? familyOf(f.values.family, "family", true) : 0;
  const checks: ((r: Rule) => boolean)[] = [];
  for (const [k, v] of Object.entries(f.values)) {
    if (k === "family") continue;
    if (k === "table") {
      const t = tableId(v);
      checks.push((r) => r.table === t);
    } else if (k === "action") {
      const a = actionOf(v);
      checks.push((r) => r.action === a);
    } else if (k === "src" || k === "dst") {
      const p = prefixOf(v, k, {});
      const text = formatIp(p.bytes, 0, p.bytes.length);
      const lenKey = k === "src" ? "src_len" : "dst_len";
      checks.push((r) => r.get(k) === text && (!p.hasPrefix || r.get(lenKey) === p.prefixlen));
    } else checks.push((r) => r.get(k) === v);
  }
  const all = await core.dumpList(
    RULE_MESSAGE,
    { type: RTM.GETRULE, flags: 0, header: { family } },
    {
      retryInterrupted: 3,
      signal: f.signal,
    },
  );
  return all.filter((r) =>
    (family === 0 || r.family === family) && checks.every((c) => c(r)) && passes(f.tests, r)
  ) as MessageList<Rule>;
}
