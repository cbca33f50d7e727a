/**
 * The internal state of a route object: its key, its pending changes, and the planner that
 * turns them into route requests (add, delete, replace, or delete-and-append where a replace
 * would hit another route of the group) with their undos and the confirmation: the route the
 * store holds under the target's group whose values are the requested ones.
 *
 * @module
 */

import type { NextHopSpec, Route, RouteSpec } from "../rtnl/route.ts";
import { PHASE } from "./commit.ts";
import type { DbContext, Plan, Step } from "./commit.ts";
import { routeKey } from "./keys.ts";
import { delSpecOf, inGroup, keyOfRoute, routeSpecOf, RouteTarget } from "./route_spec.ts";
import type { RouteKey } from "./route_spec.ts";
import { TrackedState } from "./tracked.ts";
import type { Tracked } from "./tracked.ts";

const MAIN = 254;

/** What route objects need of the database. */
export interface RouteContext extends DbContext {
  /** The object for a route key (the pending one if it has changes). */
  routeObject(key: RouteKey): unknown;
  /** The index of a named interface. */
  indexOf(name: string): number | undefined;
}

/** The pending changes of a route. */
export interface RoutePending {
  /** Attribute → new value. */
  changes: Map<string, unknown>;
  /** Delete on commit. */
  remove: boolean;
  /** Create from this spec on commit. */
  create?: RouteSpec;
}

function hopText(h: { gateway?: string; oif?: number | string; weight?: number }): string {
  return `${h.gateway ?? ""}@${h.oif ?? 0}*${h.weight ?? 1}`;
}

/** A value for people: hops as "gw@oif*weight", metrics as JSON. */
export function valueText(k: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (k === "multipath") return (v as NextHopSpec[]).map(hopText).join(",");
  if (k === "metrics") return JSON.stringify(v);
  return String(v);
}

/** A changeable value as the kernel's message has it. */
export function routeValue(k: string, v: Route | undefined): unknown {
  if (!v) return undefined;
  if (k === "multipath") return v.multipath ? routeSpecOf(v).multipath : undefined;
  if (k === "metrics") return v.metrics?.toJSON();
  if (k === "priority") return routeSpecOf(v).priority ?? 0;
  return v.get(k);
}

/** Whether a current value is the target (hops in any order; metrics: those given). */
export function sameRouteValue(k: string, now: unknown, target: unknown): boolean {
  if (k === "multipath") {
    const a = ((now ?? []) as NextHopSpec[]).map(hopText).sort().join(",");
    const b = ((target ?? []) as NextHopSpec[]).map(hopText).sort().join(",");
    return a === b;
  }
  if (k === "metrics") {
    const cur = (now ?? {}) as Record<string, unknown>;
    return Object.entries(target as Record<string, unknown>).every(([m, x]) => cur[m] === x);
  }
  return now === target;
}

/**
 * Routes added but not committed, per database: lookups in `db.routes` show them beside the
 * kernel's (as pyroute2's IPDB does) until they are committed or rolled back.
 */
const CREATING = new WeakMap<DbContext, Set<Tracked>>();

/** The route objects of a database whose creation is pending (or under way). */
export function pendingCreations(ctx: DbContext): ReadonlySet<Tracked> {
  return CREATING.get(ctx) ?? new Set();
}

/** The state of one route object (see the module documentation). */
export class RouteState extends TrackedState<RoutePending> {
  declare readonly ctx: RouteContext;
  /** The route's key (`id` set once the kernel has it). */
  key: RouteKey;

  constructor(ctx: RouteContext, key: RouteKey, create?: RouteSpec) {
    super(ctx);
    this.key = key;
    if (create) this.pending.create = create;
  }

  /** Registers a new route's object among the pending creations (once it is built). */
  created(): void {
    let set = CREATING.get(this.ctx);
    if (!set) CREATING.set(this.ctx, set = new Set());
    set.add(this.owner);
  }

  /** Whether the route is one of the pending creations. */
  get creating(): boolean {
    return (this.pending.create ?? this.committing?.create) !== undefined;
  }

  #settled(): void {
    if (!this.creating) CREATING.get(this.ctx)?.delete(this.owner);
  }

  override rollback(): void {
    super.rollback();
    this.#settled();
  }

  override end(ok: boolean): void {
    super.end(ok);
    this.#settled();
  }

  /** The kernel's message of this route, if the store holds it. */
  view(key: RouteKey = this.key): Route | undefined {
    if (key.id === undefined) return undefined;
    return this.ctx.store.routes.find(key.table, key.prefix, key.id);
  }

  /** Whether the store holds the route with key `id` under `key`'s destination. */
  #has(key: RouteKey, id: string): boolean {
    return this.ctx.store.routes.find(key.table, key.prefix, id) !== undefined;
  }

  /** The routes of the key's destination (every group). */
  #dest(key: RouteKey): Route[] {
    return this.ctx.store.routes.lookup(key.table, key.prefix);
  }

  get label(): string {
    const pfx = this.key.prefix;
    const dst = pfx === "0.0.0.0/0" || pfx === "::/0" ? "default" : pfx;
    return `route ${dst}${this.key.table === MAIN ? "" : ` table ${this.key.table}`}`;
  }

  empty(): RoutePending {
    return { changes: new Map(), remove: false };
  }

  isEmpty(p: RoutePending): boolean {
    return !p.create && !p.remove && p.changes.size === 0;
  }

  merge(cur: RoutePending, done: RoutePending): void {
    for (const [k, v] of done.changes) if (!cur.changes.has(k)) cur.changes.set(k, v);
    cur.remove ||= done.remove;
    cur.create ??= done.create;
  }

  review(p: RoutePending): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (p.create) out.create = { ...p.create };
    if (p.remove) out.remove = true;
    const attrs: Record<string, string> = {};
    const v = this.view();
    for (const [k, val] of p.changes) {
      const now = routeValue(k, v);
      if (sameRouteValue(k, now, val)) continue;
      attrs[k] = `${valueText(k, now) ?? "none"} -> ${valueText(k, val)}`;
    }
    out.attrs = attrs;
    return out;
  }

  plan(): Plan {
    const p = this.pending;
    const ctx = this.ctx;
    const ip = ctx.ip;
    const label = this.label;
    const key = this.key;
    const keys = () => ({ routes: [`${key.table} ${key.prefix}`] });
    if (p.create) {
      const spec = p.create;
      const target = new RouteTarget(spec, ctx);
      const found = () => target.find(this.#dest(target.key));
      const before = new Set(this.#dest(target.key).map(routeKey));
      let made: string | undefined; // the key of the route the add made
      const exists = () => made !== undefined && this.#has(target.key, made);
      return {
        steps: [{
          phase: PHASE.routeSet,
          describe: `${label}: route add`,
          run: async () => {
            await ip.route("add", spec);
            ctx.sync();
            // The route asked for; failing that, the one route of the group that is new.
            const v = found();
            const fresh = this.#dest(target.key).filter((r) =>
              target.inGroup(r) && !before.has(routeKey(r))
            );
            made = v ? routeKey(v) : fresh.length === 1 ? routeKey(fresh[0]) : undefined;
          },
          ours: exists,
          undo: async () => {
            const v = this.ctx.store.routes.find(target.key.table, target.key.prefix, made!);
            if (v) await ip.route("del", delSpecOf(v));
          },
          undone: () => !exists(),
        }],
        waitKeys: keys,
        unconfirmed: () => found() ? [] : ["existence"],
        done: (ok) => this.#settle(ok, found()),
      };
    }
    const view = this.view();
    if (!view) {
      throw new Error(
        `${label}: the route does not exist (any more: removed or replaced since it was read)`,
      );
    }
    const old = routeSpecOf(view);
    const oldKey = key;
    const stillOld = () => this.view(oldKey) !== undefined;
    if (p.remove) {
      return {
        steps: [{
          phase: PHASE.routeRemove,
          describe: `${label}: route del`,
          run: async () => void await ip.route("del", delSpecOf(view)),
          ours: () => !stillOld(),
          undo: async () => void await ip.route("append", old),
          undone: () => new RouteTarget(old, ctx).find(this.#dest(oldKey)) !== undefined,
        }],
        waitKeys: keys,
        unconfirmed: () => stillOld() ? ["removal"] : [],
      };
    }
    const next = this.#nextSpec(p, old);
    const target = new RouteTarget(next, ctx);
    const found = () => target.find(this.#dest(target.key));
    const restored = () => new RouteTarget(old, ctx).find(this.#dest(oldKey)) !== undefined;
    const steps: Step[] = [];
    const moved = target.key.priority !== key.priority;
    if (!moved && this.#dest(key).filter((v) => inGroup(key, v)).length === 1) {
      // The only route of its group: a replace changes exactly it.
      steps.push({
        phase: PHASE.routeSet,
        describe: `${label}: route replace`,
        run: async () => void await ip.route("replace", next),
        ours: () => found() !== undefined,
        undo: async () => void await ip.route("replace", old),
        undone: restored,
      });
    } else {
      // Another metric, or other routes in the group (a replace would hit the group's first):
      // delete this one exactly and append the changed one.
      let made: Route | undefined;
      steps.push({
        phase: PHASE.routeSet,
        describe: `${label}: route del (to change it)`,
        run: async () => void await ip.route("del", delSpecOf(view)),
        ours: () => !stillOld(),
        undo: async () => void await ip.route("append", old),
        undone: restored,
      }, {
        phase: PHASE.routeSet,
        describe: moved
          ? `${label}: route add metric ${target.key.priority}`
          : `${label}: route append`,
        run: async () => {
          await ip.route(moved ? "add" : "append", next);
          ctx.sync();
          made = found();
        },
        ours: () => (made = found()) !== undefined,
        undo: async () => void await ip.route("del", delSpecOf(made!)),
        undone: () => found() === undefined,
      });
    }
    return {
      steps,
      waitKeys: () => ({ routes: [`${key.table} ${key.prefix}`] }),
      unconfirmed: () => {
        const v = found();
        if (!v) {
          const first = this.#dest(target.key).find((r) => target.inGroup(r));
          return first ? target.differences(first) : ["existence"];
        }
        return moved && stillOld() ? ["old metric removal"] : [];
      },
      done: (ok) => {
        if (ok) this.#settle(true, found());
      },
    };
  }

  /** The spec after the pending changes. */
  #nextSpec(p: RoutePending, old: RouteSpec): RouteSpec {
    const next: RouteSpec = { ...old };
    for (const [k, v] of p.changes) {
      (next as Record<string, unknown>)[k] = v;
      if (k === "multipath") {
        delete next.gateway;
        delete next.oif;
        delete next.nh_id;
      } else if ((k === "gateway" || k === "oif") && p.changes.get("multipath") === undefined) {
        delete next.multipath;
        delete next.nh_id;
      } else if (k === "metrics") {
        next.metrics = { ...(old.metrics ?? {}), ...(v as Record<string, number>) };
      }
    }
    // A new gateway picks its own device unless one is given (or it is link-local).
    const gw = p.changes.get("gateway") as string | undefined;
    if (gw !== undefined && !p.changes.has("oif") && !gw.toLowerCase().startsWith("fe80:")) {
      delete next.oif;
    }
    return next;
  }

  /** After a commit: the object follows the route it made. */
  #settle(ok: boolean, v: Route | undefined): void {
    if (ok && v) this.key = keyOfRoute(v, routeKey(v));
  }
}
