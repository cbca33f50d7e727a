/**
 * Policy routing rules: `db.rules.add({ priority: 100, src: "10.0.0.0/8", table: 100 })`,
 * `db.rules.find({ table: 100 })`, iteration. Rules cannot be changed in place by the kernel:
 * a change commits as delete then add (each undone on failure).
 *
 * @module
 */

import { describeValue } from "../netlink/addr.ts";
import type { Rule, RuleSpec } from "../rtnl/rule.ts";
import { tableId } from "../rtnl/names.ts";
import { commitAll, emptyPending, hasPendingChanges, PHASE, runTransaction } from "./commit.ts";
import type { CommitOptions, Committable, DbContext, Pending, Step, WaitKeys } from "./commit.ts";
import { normalizePrefix } from "./route.ts";
import { ruleKey } from "./store.ts";

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

type RulePending = Pending<RuleFields>;

/** What rule objects need of the database. */
export interface RuleContext extends DbContext {
  /** The object of the rule with this identity. */
  ruleObject(key: string): IPDBRule;
}

/** One policy routing rule (values read from the kernel's latest message; writes pending). */
export class IPDBRule implements Committable {
  /** @internal */
  readonly serial: number;
  /** @internal */
  lock: Promise<void> = Promise.resolve();
  readonly #ctx: RuleContext;
  #key?: string;
  #pending: RulePending = emptyPending();
  #committing?: RulePending;
  #target?: RuleFields;
  #snapshot?: RuleFields;

  /** @internal */
  constructor(ctx: RuleContext, key: string | undefined, create?: RuleFields) {
    this.#ctx = ctx;
    this.#key = key;
    this.serial = ctx.serial();
    if (create) this.#pending.create = create;
  }

  #view(): Rule | undefined {
    return this.#key === undefined ? undefined : this.#ctx.store.rules.get(this.#key);
  }

  /** The kernel's latest message of this rule. */
  get message(): Rule | undefined {
    return this.#view();
  }

  /** Whether the kernel has this rule. */
  get exists(): boolean {
    return this.#view() !== undefined;
  }

  /** The rule as a spec (pending values applied). */
  toJSON(): RuleFields {
    const p = this.#pending;
    if (p.create) return { ...p.create };
    const v = this.#view();
    const out = v ? ruleSpecOf(v) : {};
    for (const [k, x] of p.changes) out[k] = x;
    return out;
  }

  /** A value by spec key (priority, table, src, dst, iifname, fwmark, action, …). */
  get(key: string): unknown {
    return this.toJSON()[key];
  }

  /** Sets a value in the pending transaction. */
  set(key: string, value: unknown): this {
    if (typeof key !== "string") throw new TypeError(`key: expected a string`);
    if (key === "src" || key === "dst") normalizePrefix(value, key);
    if (key === "table") tableId(value);
    const p = this.#pending;
    if (p.create) p.create[key] = value;
    else p.changes.set(key, value);
    this.#ctx.touched(this);
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

  /** Marks the rule for removal on commit. */
  remove(): this {
    if (this.#pending.create) {
      this.rollback();
      return this;
    }
    this.#pending.remove = true;
    this.#ctx.touched(this);
    return this;
  }

  /** Whether there are pending changes. */
  hasChanges(): boolean {
    const p = this.#pending;
    return hasPendingChanges(p);
  }

  /** The pending changes: `{ attrs: { table: "100 -> 200" } }`, `create`, `remove`. */
  review(): Record<string, unknown> {
    const p = this.#pending;
    const out: Record<string, unknown> = {};
    if (p.create) out.create = { ...p.create };
    if (p.remove) out.remove = true;
    const v = this.#view();
    const cur = v ? ruleSpecOf(v) : {};
    const attrs: Record<string, string> = {};
    for (const [k, x] of p.changes) {
      if (normalizeField(k, cur[k]) === normalizeField(k, x)) continue;
      attrs[k] = `${cur[k] ?? "none"} -> ${x}`;
    }
    out.attrs = attrs;
    return out;
  }

  /** Drops the pending changes. */
  rollback(): void {
    this.#pending = emptyPending();
    this.#ctx.cleaned(this);
  }

  /** Applies the pending changes; resolves once the kernel's events show them. */
  async commit(options?: CommitOptions): Promise<this> {
    await commitAll(this.#ctx, [this], options);
    return this;
  }

  /** Runs `fn`, then commits; rolls back and rethrows on any failure. */
  transaction(fn: (rule: this) => unknown, options?: CommitOptions): Promise<void> {
    return runTransaction(this, fn, options);
  }

  /** A short label. */
  get label(): string {
    const s = this.toJSON();
    return `rule${s.priority !== undefined ? ` ${s.priority}` : ""}`;
  }

  /** @internal */
  plan(): Step[] {
    const p = this.#pending;
    this.#pending = emptyPending();
    this.#committing = p;
    const ip = this.#ctx.ip;
    const label = this.label;
    const rule = (cmd: "add" | "del", spec: RuleFields) => ip.rule(cmd, spec as RuleSpec);
    if (p.create) {
      const spec = p.create;
      this.#target = spec;
      return [{
        phase: PHASE.routeSet,
        describe: `${label}: rule add`,
        run: () => rule("add", spec),
        undo: () => rule("del", spec),
      }];
    }
    const v = this.#view();
    if (!v) throw new Error(`${label}: the rule does not exist`);
    const old = ruleSpecOf(v);
    this.#snapshot = old;
    if (p.remove) {
      return [{
        phase: PHASE.routeRemove,
        describe: `${label}: rule del`,
        run: () => rule("del", old),
        undo: () => rule("add", old),
      }];
    }
    const next = { ...old, ...Object.fromEntries(p.changes) };
    this.#target = next;
    return [{
      phase: PHASE.routeSet,
      describe: `${label}: rule del (to change it)`,
      run: () => rule("del", old),
      undo: () => rule("add", old),
    }, {
      phase: PHASE.routeSet,
      describe: `${label}: rule add (changed)`,
      run: () => rule("add", next),
      undo: () => rule("del", next),
    }];
  }

  #find(spec: RuleFields): string | undefined {
    for (const [k, v] of this.#ctx.store.rules) if (ruleMatches(v, spec)) return k;
    return undefined;
  }

  /** @internal */
  waitKeys(): WaitKeys {
    return { rules: true };
  }

  /** @internal */
  unconfirmed(): string[] {
    const p = this.#committing;
    if (!p) return [];
    if (p.remove) return this.#view() ? ["removal"] : [];
    if (this.#target && this.#find(this.#target) === undefined) return ["existence"];
    if (p.changes.size && this.#view()) return ["old rule removal"];
    return [];
  }

  /** @internal */
  restored(): boolean {
    const p = this.#committing;
    if (!p) return true;
    if (p.create) return this.#find(p.create) === undefined;
    return this.#snapshot ? this.#find(this.#snapshot) !== undefined : true;
  }

  /** @internal */
  finish(ok: boolean): void {
    const done = this.#committing;
    this.#committing = undefined;
    if (ok && this.#target) this.#key = this.#find(this.#target) ?? this.#key;
    else if (!ok && done) {
      const cur = this.#pending;
      for (const [k, v] of done.changes) if (!cur.changes.has(k)) cur.changes.set(k, v);
      cur.remove ||= done.remove;
      cur.create ??= done.create;
    }
    this.#target = undefined;
    this.#snapshot = undefined;
    if (!this.hasChanges()) this.#ctx.cleaned(this);
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
    if (typeof spec !== "object" || spec === null) {
      throw new TypeError(`spec: expected an object, got ${describeValue(spec)}`);
    }
    if (spec.src !== undefined) normalizePrefix(spec.src, "src");
    if (spec.dst !== undefined) normalizePrefix(spec.dst, "dst");
    if (spec.table !== undefined) tableId(spec.table);
    const r = new IPDBRule(this.#ctx, undefined, { ...spec });
    this.#ctx.touched(r);
    return r;
  }

  /** The rules matching every given key (priority, table, src, dst, iifname, fwmark, …). */
  find(filter: RuleFields = {}): IPDBRule[] {
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

export { ruleKey };
