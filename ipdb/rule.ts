/**
 * Policy routing rules: `db.rules.add({ priority: 100, src: "10.0.0.0/8", table: 100 })`,
 * `db.rules.find({ table: 100 })`, iteration. Rules cannot be changed in place by the kernel:
 * a change commits as delete then add (each undone on failure).
 *
 * @module
 */

import { checkRuleSpec } from "../rtnl/rule.ts";
import { checkArgs } from "../netlink/strict.ts";
import type { Rule, RuleSpec } from "../rtnl/rule.ts";
import { tableId } from "../rtnl/names.ts";
import { PHASE } from "./commit.ts";
import type { DbContext, Plan, Step } from "./commit.ts";
import { normalizePrefix } from "./route_spec.ts";
import { Tracked, TrackedState } from "./tracked.ts";

const FR_ACT_TO_TBL = 1;
const FIB_RULE_INVERT = 2;
const ALL = 0xffffffff;

/** A rule as a plain spec (keys of IPRoute's rule requests). */
export type RuleFields = Record<string, unknown>;

/** The request spec that recreates a rule as the kernel describes it. */
export function ruleSpecOf(v: Rule): RuleFields {
  const r = v as unknown as {
    get(k: string): unknown;
    headerField(k: string): unknown;
  };
  const family = r.headerField("family") as number;
  const action = r.headerField("action") as number;
  const spec: RuleFields = { family, action };
  const priority = r.get("priority");
  if (priority !== undefined) spec.priority = priority;
  const table = (r.get("table") as number | undefined) ?? (r.headerField("table") as number);
  if (action === FR_ACT_TO_TBL || table) spec.table = table;
  const src = r.get("src");
  if (src !== undefined) spec.src = `${src}/${r.headerField("src_len")}`;
  const dst = r.get("dst");
  if (dst !== undefined) spec.dst = `${dst}/${r.headerField("dst_len")}`;
  const tos = r.headerField("tos") as number;
  if (tos) spec.tos = tos;
  for (const k of ["iifname", "oifname", "goto", "flow", "tun_id", "ip_proto"]) {
    const x = r.get(k);
    if (x !== undefined) spec[k] = x;
  }
  const fwmark = r.get("fwmark");
  if (fwmark !== undefined) {
    spec.fwmark = fwmark;
    const mask = r.get("fwmask");
    if (mask !== undefined && mask !== ALL) spec.fwmask = mask;
  }
  const sp = r.get("suppress_prefixlen");
  if (sp !== undefined && sp !== ALL) spec.suppress_prefixlen = sp;
  const sg = r.get("suppress_ifgroup");
  if (sg !== undefined && sg !== ALL) spec.suppress_ifgroup = sg;
  const uid = r.get("uid_range") as { start: number; end: number } | undefined;
  if (uid && !(uid.start === 0 && uid.end === ALL)) spec.uid_range = uid;
  for (const k of ["sport_range", "dport_range"]) {
    const x = r.get(k) as { start: number; end: number } | undefined;
    if (x) spec[k] = { start: x.start, end: x.end };
  }
  if (r.get("l3mdev")) spec.l3mdev = true;
  const proto = r.get("protocol");
  if (proto) spec.protocol = proto;
  const flags = r.headerField("flags") as number;
  if (flags & FIB_RULE_INVERT) spec.invert = true;
  return spec;
}

function normalizeField(k: string, v: unknown): unknown {
  if (v === undefined) return undefined;
  if (k === "table") return tableId(v);
  if (k === "src" || k === "dst") return normalizePrefix(v, k).prefix;
  return v;
}

const MATCH_KEYS = [
  "family",
  "priority",
  "table",
  "src",
  "dst",
  "iifname",
  "oifname",
  "fwmark",
  "tos",
  "goto",
];

/** Whether a rule message matches every given key of `want` that identifies rules. */
export function ruleMatches(v: Rule, want: RuleFields): boolean {
  const have = ruleSpecOf(v);
  for (const k of MATCH_KEYS) {
    const w = k === "iifname"
      ? want.iifname ?? want.iif
      : k === "oifname"
      ? want.oifname ?? want.oif
      : want[k];
    if (w === undefined) continue;
    if (normalizeField(k, have[k]) !== normalizeField(k, w)) return false;
  }
  return true;
}

/** The pending changes of a rule. */
interface RulePending {
  /** Attribute → new value. */
  changes: Map<string, unknown>;
  /** Delete on commit. */
  remove: boolean;
  /** Create from this spec on commit. */
  create?: RuleFields;
}

/** What rule objects need of the database. */
export interface RuleContext extends DbContext {
  /** The object of the rule with this identity. */
  ruleObject(key: string): IPDBRule;
}

/** The internal state of a rule object: its identity, pending changes and planner. */
class RuleState extends TrackedState<RulePending> {
  declare readonly ctx: RuleContext;
  /** The rule's identity in the store (undefined before creation). */
  key?: string;

  constructor(ctx: RuleContext, key: string | undefined, create?: RuleFields) {
    super(ctx);
    this.key = key;
    if (create) this.pending.create = create;
  }

  view(): Rule | undefined {
    return this.key === undefined ? undefined : this.ctx.store.rules.get(this.key);
  }

  /** The rule as a spec, pending values applied. */
  spec(): RuleFields {
    const p = this.pending;
    if (p.create) return { ...p.create };
    const v = this.view();
    const out = v ? ruleSpecOf(v) : {};
    for (const [k, x] of p.changes) out[k] = x;
    return out;
  }

  get label(): string {
    const s = this.spec();
    return `rule${s.priority !== undefined ? ` ${s.priority}` : ""}`;
  }

  empty(): RulePending {
    return { changes: new Map(), remove: false };
  }

  isEmpty(p: RulePending): boolean {
    return !p.create && !p.remove && p.changes.size === 0;
  }

  merge(cur: RulePending, done: RulePending): void {
    for (const [k, v] of done.changes) if (!cur.changes.has(k)) cur.changes.set(k, v);
    cur.remove ||= done.remove;
    cur.create ??= done.create;
  }

  review(p: RulePending): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (p.create) out.create = { ...p.create };
    if (p.remove) out.remove = true;
    const v = this.view();
    const cur = v ? ruleSpecOf(v) : {};
    const attrs: Record<string, string> = {};
    for (const [k, x] of p.changes) {
      if (normalizeField(k, cur[k]) === normalizeField(k, x)) continue;
      attrs[k] = `${cur[k] ?? "none"} -> ${x}`;
    }
    out.attrs = attrs;
    return out;
  }

  /** The identity of the first rule matching `spec`. */
  #find(spec: RuleFields): string | undefined {
    for (const [k, v] of this.ctx.store.rules) if (ruleMatches(v, spec)) return k;
    return undefined;
  }

  plan(): Plan {
    const p = this.pending;
    const ip = this.ctx.ip;
    const label = this.label;
    const rule = (cmd: "add" | "del", spec: RuleFields) => ip.rule(cmd, spec as RuleSpec);
    const has = (spec: RuleFields) => () => this.#find(spec) !== undefined;
    const lacks = (spec: RuleFields) => () => this.#find(spec) === undefined;
    const keys = () => ({ rules: true });
    const add = (spec: RuleFields, describe: string): Step => ({
      phase: PHASE.routeSet,
      describe,
      run: () => rule("add", spec),
      ours: has(spec),
      undo: () => rule("del", spec),
      undone: lacks(spec),
    });
    const settle = (spec: RuleFields) => (ok: boolean) => {
      if (ok) this.key = this.#find(spec) ?? this.key;
    };
    if (p.create) {
      const spec = p.create;
      return {
        steps: [add(spec, `${label}: rule add`)],
        waitKeys: keys,
        unconfirmed: () => has(spec)() ? [] : ["existence"],
        done: settle(spec),
      };
    }
    const v = this.view();
    if (!v) throw new Error(`${label}: the rule does not exist`);
    const old = ruleSpecOf(v);
    const oldKey = this.key!;
    const oldThere = () => this.ctx.store.rules.has(oldKey);
    const del: Step = {
      phase: p.remove ? PHASE.routeRemove : PHASE.routeSet,
      describe: p.remove ? `${label}: rule del` : `${label}: rule del (to change it)`,
      run: () => rule("del", old),
      ours: () => !oldThere(),
      undo: () => rule("add", old),
      undone: has(old),
    };
    if (p.remove) {
      return { steps: [del], waitKeys: keys, unconfirmed: () => oldThere() ? ["removal"] : [] };
    }
    const next = { ...old, ...Object.fromEntries(p.changes) };
    const same = ruleMatches(v, next);
    return {
      steps: [del, add(next, `${label}: rule add (changed)`)],
      waitKeys: keys,
      unconfirmed: () => {
        if (!has(next)()) return ["existence"];
        return !same && oldThere() ? ["old rule removal"] : [];
      },
      done: settle(next),
    };
  }
}

/** One policy routing rule (values read from the kernel's latest message; writes pending). */
export class IPDBRule extends Tracked {
  readonly #s: RuleState;

  /** @internal */
  constructor(ctx: RuleContext, key: string | undefined, create?: RuleFields) {
    const s = new RuleState(ctx, key, create);
    super(s);
    this.#s = s;
  }

  /** The kernel's latest message of this rule. */
  get message(): Rule | undefined {
    return this.#s.view();
  }

  /** Whether the kernel has this rule. */
  get exists(): boolean {
    return this.#s.view() !== undefined;
  }

  /** The rule as a spec (pending values applied). */
  toJSON(): RuleFields {
    return this.#s.spec();
  }

  /** A value by spec key (priority, table, src, dst, iifname, fwmark, action, …). */
  get(key: string): unknown {
    checkArgs("get", 1, arguments.length);
    return this.toJSON()[key];
  }

  /** Sets a value in the pending transaction. */
  set(key: string, value: unknown): this {
    checkArgs("set", 2, arguments.length);
    if (typeof key !== "string") throw new TypeError(`key: expected a string`);
    if (key === "src" || key === "dst") normalizePrefix(value, key);
    if (key === "table") tableId(value);
    const p = this.#s.pending;
    if (p.create) p.create[key] = value;
    else p.changes.set(key, value);
    this.#s.touch();
    return this;
  }

  /** Priority (preference). */
  get priority(): number | undefined {
    return this.get("priority") as number | undefined;
  }
  set priority(v: number | undefined) {
    this.set("priority", v);
  }

  /** Table looked up. */
  get table(): number | undefined {
    return this.get("table") as number | undefined;
  }
  set table(v: number | string | undefined) {
    this.set("table", v);
  }

  /** Source prefix. */
  get src(): string | undefined {
    return this.get("src") as string | undefined;
  }
  set src(v: string | undefined) {
    this.set("src", v);
  }

  /** Destination prefix. */
  get dst(): string | undefined {
    return this.get("dst") as string | undefined;
  }
  set dst(v: string | undefined) {
    this.set("dst", v);
  }

  /** 2 or 10. */
  get family(): number | undefined {
    return this.get("family") as number | undefined;
  }
}

/** Every policy routing rule of the namespace. */
export class Rules implements Iterable<IPDBRule> {
  readonly #ctx: RuleContext;

  /** @internal */
  constructor(ctx: RuleContext) {
    this.#ctx = ctx;
  }

  /** A new pending rule: `await db.rules.add({ priority: 100, table: 100 }).commit()`. */
  add(spec: RuleFields): IPDBRule {
    checkArgs("add", 1, arguments.length);
    checkRuleSpec(spec);
    if (spec.src !== undefined) normalizePrefix(spec.src, "src");
    if (spec.dst !== undefined) normalizePrefix(spec.dst, "dst");
    if (spec.table !== undefined) tableId(spec.table);
    const r = new IPDBRule(this.#ctx, undefined, { ...spec });
    this.#ctx.touched(r);
    return r;
  }

  /** The rules matching every given key (priority, table, src, dst, iifname, fwmark, …). */
  find(filter: RuleFields = {}): IPDBRule[] {
    checkArgs("find", 1, arguments.length);
    checkRuleSpec(filter);
    for (const [k, v] of Object.entries(filter)) {
      if (v === undefined) {
        throw new TypeError(`${k}: undefined (leave the key out to not filter by it)`);
      }
    }
    const out: IPDBRule[] = [];
    for (const [k, v] of this.#ctx.store.rules) {
      if (ruleMatches(v, filter)) out.push(this.#ctx.ruleObject(k));
    }
    return out.sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
  }

  /** Number of rules (both families). */
  get size(): number {
    return this.#ctx.store.rules.size;
  }

  /** The kernel's rule messages. */
  views(): IterableIterator<Rule> {
    return this.#ctx.store.rules.values();
  }

  /** Rule objects by priority. */
  [Symbol.iterator](): Iterator<IPDBRule> {
    return this.find()[Symbol.iterator]();
  }
}
