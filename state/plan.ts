/**
 * Plans: the ordered steps that take the kernel from what the databases hold now to a desired
 * document. Only what the document names is managed: a namespace it leaves out, a list a
 * namespace leaves out, a link field an entry leaves out are left as they are. With
 * `prune: true`, every entry of a listed kind that the list does not name is removed (links
 * without a kind, such as `lo`, excepted). What a namespace holds that the document does not
 * model (its snapshot's `unmanaged` list) is never changed, nor what it depends on; the plan
 * lists those of the kinds the document names as left alone.
 *
 * @module
 */

import { checkKeys, KeySet } from "../netlink/strict.ts";
import type { IPDB } from "../ipdb/db.ts";
import type { KindName, LinkState, StateDocument, UnmanagedState } from "./document.ts";
import { KINDS } from "./document.ts";
import type { NamespaceContext, PlanContext, PlanStep } from "./kind.ts";
import { KIND_TABLE } from "./kinds.ts";
import { describeUnmanaged, UnmanagedSink } from "./unmanaged.ts";
import { checkDocument } from "./validate.ts";

/** Options of {@link plan}. */
export interface PlanOptions {
  /** Remove what a listed kind's list does not name (default false: partial). */
  prune?: boolean;
}

const PLAN_OPTIONS = new KeySet("plan option", ["prune"]);

/** The steps from now to a desired state, in the order they run. */
export class StatePlan {
  /** The steps, in order. */
  readonly steps: readonly PlanStep[];

  /**
   * @internal Undo-only steps that run nothing and are undone last: what the kernel changes
   * by itself when steps are undone (a bridge's MAC follows its ports) is put back.
   */
  readonly restore: readonly PlanStep[];

  /**
   * By namespace, what it holds of the kinds the document lists that is not modelled: left
   * alone (as a snapshot's `unmanaged`).
   */
  readonly unmanaged: Readonly<Record<string, readonly UnmanagedState[]>>;

  /** @internal */
  constructor(
    steps: PlanStep[],
    restore: PlanStep[] = [],
    unmanaged: Record<string, UnmanagedState[]> = {},
  ) {
    this.steps = steps;
    this.restore = steps.length ? restore : [];
    this.unmanaged = unmanaged;
  }

  /** Whether the kernel already matches the desired state. */
  get empty(): boolean {
    return this.steps.length === 0;
  }

  /**
   * The steps for people, by namespace: `{ a: ["+ link v0 (veth peer v1)", "~ link v0: mtu
   * 1500 -> 1400"] }`, then what is left alone: `"= left alone: qdisc netem 1: parent root dev
   * v0 (qdisc kind netem is not modelled)"`.
   */
  review(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const s of this.steps) (out[s.namespace] ??= []).push(s.describe);
    for (const [ns, list] of Object.entries(this.unmanaged)) {
      for (const e of list) (out[ns] ??= []).push(`= left alone: ${describeUnmanaged(e)}`);
    }
    return out;
  }

  /** One line per step: `[a] + route 10.1.0.0/16 via 10.0.0.2 dev v0`, then what is left alone. */
  toString(): string {
    return [
      ...this.steps.map((s) => `[${s.namespace}] ${s.describe}`),
      ...Object.entries(this.unmanaged).flatMap(([ns, list]) =>
        list.map((e) => `[${ns}] = left alone: ${describeUnmanaged(e)}`)
      ),
    ].join("\n");
  }
}

/** The context the kinds read a namespace through. */
export function namespaceContext(
  dbs: ReadonlyMap<string, IPDB>,
  name: string,
  path = `namespaces.${JSON.stringify(name)}`,
): NamespaceContext {
  const db = dbs.get(name);
  if (!db) {
    throw new RangeError(
      `${path}: no database for this namespace (have: ${
        [...dbs.keys()].map((k) => JSON.stringify(k)).join(", ") || "none"
      })`,
    );
  }
  if (db.closed) throw new Error(`${path}: the IPDB is closed`);
  const links = db.store.links;
  return {
    name,
    db,
    dbs,
    nameOf: (i) => links.get(i)?.ifname as string | undefined,
    unmanaged: new UnmanagedSink(),
  };
}

/** Checks the map of databases. */
export function checkDatabases(dbs: unknown): ReadonlyMap<string, IPDB> {
  if (!(dbs instanceof Map)) {
    throw new TypeError("dbs: expected a Map of namespace name to IPDB");
  }
  return dbs as ReadonlyMap<string, IPDB>;
}

/**
 * Checks what plan/apply are given, before anything is read: the databases, the option names
 * (`keys`), `prune`, and the whole document.
 */
export function checkInput(
  dbs: unknown,
  desired: StateDocument,
  options: { prune?: unknown },
  keys: KeySet,
): { doc: StateDocument; prune: boolean } {
  checkDatabases(dbs);
  checkKeys(options, keys);
  const prune = options.prune;
  if (prune !== undefined && typeof prune !== "boolean") {
    throw new TypeError(`prune: expected true or false, got ${typeof prune}`);
  }
  return { doc: checkDocument(desired), prune: prune ?? false };
}

/** Plans a checked document (see {@link plan}). */
export async function planChecked(
  dbs: ReadonlyMap<string, IPDB>,
  doc: StateDocument,
  prune: boolean,
): Promise<StatePlan> {
  const contexts = Object.keys(doc.namespaces).map((name) => namespaceContext(dbs, name));
  for (const c of contexts) c.db.sync();
  const pairs = new Set<string>();
  const steps: PlanStep[] = [];
  const ctxs: PlanContext[] = [];
  for (const base of contexts) {
    const links = new Map<string, LinkState>();
    for (const e of await KIND_TABLE.get("links")!.read(base) as LinkState[]) {
      links.set(e.ifname, e);
    }
    const want = doc.namespaces[base.name];
    ctxs.push({ ...base, want, wantAll: doc.namespaces, links, pairs });
  }
  // Links first, across namespaces, those with a kind before those without: a veth's end
  // named without its kind is made by the other end's step.
  const linkWants = ctxs.flatMap((ctx) => (ctx.want.links ?? []).map((w) => ({ ctx, w })));
  linkWants.sort((a, b) => (a.w.kind === undefined ? 1 : 0) - (b.w.kind === undefined ? 1 : 0));
  for (const { ctx, w } of linkWants) {
    steps.push(...KIND_TABLE.get("links")!.steps(ctx, ctx.links.get(w.ifname), w));
  }
  for (const ctx of ctxs) {
    const want = ctx.want;
    for (const k of KINDS) {
      const list = want[k] as unknown[] | undefined;
      if (list === undefined) continue;
      const kind = KIND_TABLE.get(k)!;
      const now = k === "links"
        ? [...ctx.links.values()]
        : !prune && kind.find
        ? kind.find(ctx, list)
        : await kind.read(ctx);
      const nowByKey = new Map(now.map((e) => [kind.key(e), e]));
      const wanted = new Set<string>();
      for (const w of list) {
        const key = kind.key(w);
        wanted.add(key);
        if (k !== "links") steps.push(...kind.steps(ctx, nowByKey.get(key), w));
      }
      if (!prune) continue;
      for (const [key, e] of nowByKey) {
        if (wanted.has(key) || kind.keep?.(e) || ctx.unmanaged.kept(k, key)) continue;
        steps.push(...kind.steps(ctx, e, undefined));
      }
    }
  }
  // Stable: within a phase, the document's order (namespace by namespace) is kept.
  steps.sort((a, b) => a.phase - b.phase);
  const unmanaged: Record<string, UnmanagedState[]> = {};
  for (const ctx of ctxs) {
    const listed = KINDS.filter((k) => ctx.want[k] !== undefined) as KindName[];
    const list = ctx.unmanaged.list(listed);
    if (list.length) unmanaged[ctx.name] = list;
  }
  return new StatePlan(steps, ctxs.flatMap((ctx) => bridgeGuards(ctx, steps)), unmanaged);
}

/**
 * The steps that take the kernel from now (as the databases hold it) to `desired`: a document
 * like {@link snapshot}'s, checked whole first (a TypeError/RangeError naming the path of what
 * is wrong). Empty when the kernel already matches.
 */
export async function plan(
  dbs: ReadonlyMap<string, IPDB>,
  desired: StateDocument,
  options: PlanOptions = {},
): Promise<StatePlan> {
  const { doc, prune } = checkInput(dbs, desired, options, PLAN_OPTIONS);
  return await planChecked(dbs, doc, prune);
}

/**
 * A bridge whose ports change takes the lowest port's MAC (all zeros with no port) unless its
 * own was set: undoing the port changes would not give it back its MAC. For each bridge whose
 * port set the steps of `ctx`'s namespace change, an undo-only step sets the MAC it has now.
 */
function bridgeGuards(ctx: PlanContext, steps: PlanStep[]): PlanStep[] {
  const bridges = new Set<string>();
  for (const s of steps) {
    if (s.namespace !== ctx.name || s.kind !== "links") continue;
    const master = ctx.links.get(s.key)?.master;
    if (master) bridges.add(master);
    for (const r of s.run) if (typeof r.refs?.master === "string") bridges.add(r.refs.master);
  }
  const out: PlanStep[] = [];
  for (const b of bridges) {
    const now = ctx.links.get(b);
    if (now?.kind !== "bridge" || now.address === undefined) continue;
    out.push({
      namespace: ctx.name,
      kind: "links",
      action: "change",
      key: b,
      describe: `= link ${b}: address ${now.address} (its ports change)`,
      phase: 0,
      run: [],
      undo: [{ call: "link", cmd: "set", spec: { address: now.address }, refs: { index: b } }],
    });
  }
  return out;
}
