/**
 * Routes: `db.routes["10.1.0.0/16"]` (main table), `db.routes.tables[100]`, `db.routes.add(spec)`.
 * The database keeps only the kernel's route messages in a compact index; route objects are
 * built when accessed and read the current message each time.
 *
 * @module
 */

import { describeValue, formatIp, parseIp, parsePrefix } from "../netlink/addr.ts";
import { multipathOf } from "../rtnl/route.ts";
import type { NextHopSpec, Route, RouteSpec } from "../rtnl/route.ts";
import { protoId, routeTypeId, scopeId, tableId } from "../rtnl/names.ts";
import { commitAll, emptyPending, hasPendingChanges, PHASE, runTransaction } from "./commit.ts";
import type { CommitOptions, Committable, DbContext, Pending, Step, WaitKeys } from "./commit.ts";
import { routeId } from "./store.ts";

const AF_INET6 = 10;
const MAIN = 254;
const RTNH_F_ONLINK = 4;

/** The identity of a route: table, destination prefix, metric, tos, source prefix. */
export interface RouteKey {
  /** 2 or 10. */
  family: number;
  /** Table id. */
  table: number;
  /** Destination as "a/p" ("0.0.0.0/0" or "::/0" for default). */
  prefix: string;
  /** Metric (RTA_PRIORITY). */
  priority: number;
  /** TOS. */
  tos: number;
  /** Source prefix, "" when none. */
  src: string;
  /** IPv6: the outgoing device, part of the identity (0: any, or multipath). */
  oif?: number;
}

/** What route objects need of the database. */
export interface RouteContext extends DbContext {
  /** The object for a route key (the pending one if it has changes). */
  routeObject(key: RouteKey): IPDBRoute;
  /** The index of a named interface. */
  indexOf(name: string): number | undefined;
}

/** The key string of a route identity. */
export function keyString(k: RouteKey): string {
  return `${k.table} ${k.prefix} ${k.priority} ${k.tos} ${k.src} ${
    k.family === AF_INET6 ? k.oif ?? 0 : 0
  }`;
}

/** Normalizes a destination ("default", "10.1.0.0/16", "2001:db8::/64", a bare address). */
export function normalizePrefix(dst: unknown, field = "dst"): { prefix: string; family: number } {
  if (dst === "default" || dst === undefined) return { prefix: "0.0.0.0/0", family: 2 };
  const p = parsePrefix(dst, field);
  return { prefix: `${formatIp(p.bytes, 0, p.bytes.length)}/${p.prefixlen}`, family: p.family };
}

function sameKey(a: RouteKey, v: Route): boolean {
  const id = routeId(v);
  return id.priority === a.priority && id.tos === a.tos && id.src === a.src &&
    (a.family !== AF_INET6 || !a.oif || a.oif === id.oif);
}

/** The request spec that recreates a route as the kernel describes it. */
export function routeSpecOf(v: Route): RouteSpec {
  const id = routeId(v);
  const spec: RouteSpec = {
    dst: id.prefix,
    table: id.table,
    family: id.family,
    proto: v.proto,
    scope: v.scope,
    type: v.type,
  };
  if (id.tos) spec.tos = id.tos;
  if (v.get("priority") !== undefined) spec.priority = id.priority;
  if (id.src) spec.src = id.src;
  if (v.gateway !== undefined) spec.gateway = v.gateway;
  if (v.oif !== undefined) spec.oif = v.oif;
  if (v.prefsrc !== undefined) spec.prefsrc = v.prefsrc;
  if (v.nh_id !== undefined) spec.nh_id = v.nh_id;
  const flags = v.headerField("flags") as number | undefined;
  if (flags && flags & RTNH_F_ONLINK) spec.flags = RTNH_F_ONLINK;
  if (v.multipath !== undefined) {
    spec.multipath = multipathOf(v).map((h) => {
      const hop: NextHopSpec = { oif: h.oif, weight: h.weight };
      if (h.gateway !== undefined) hop.gateway = h.gateway;
      if (h.flags & RTNH_F_ONLINK) hop.flags = RTNH_F_ONLINK;
      return hop;
    });
  }
  const m = v.metrics;
  if (m) spec.metrics = m.toJSON() as Record<string, number>;
  return spec;
}

const CHANGEABLE = new Set([
  "gateway",
  "oif",
  "prefsrc",
  "metrics",
  "multipath",
  "priority",
  "proto",
  "scope",
  "type",
]);

type RoutePending = Pending<RouteSpec>;

function hopText(h: { gateway?: string; oif?: number | string; weight?: number }): string {
  return `${h.gateway ?? ""}@${h.oif ?? 0}*${h.weight ?? 1}`;
}

/**
 * One route. Reads come from the kernel's latest message for its key (table, destination,
 * metric); writes (`gateway`, `oif`, `metrics`, `multipath`, `priority`, …) are pending until
 * {@link commit}.
 */
export class IPDBRoute implements Committable {
  /** @internal */
  readonly serial: number;
  /** @internal */
  lock: Promise<void> = Promise.resolve();
  readonly #ctx: RouteContext;
  #key: RouteKey;
  #pending: RoutePending = emptyPending();
  #committing?: RoutePending;
  #snapshot?: Route;
  #target?: RouteKey;

  /** @internal */
  constructor(ctx: RouteContext, key: RouteKey, create?: RouteSpec) {
    this.#ctx = ctx;
    this.#key = key;
    this.serial = ctx.serial();
    if (create) this.#pending.create = create;
  }

  #view(key: RouteKey = this.#key): Route | undefined {
    for (const v of this.#ctx.store.routes.lookup(key.table, key.prefix)) {
      if (sameKey(key, v)) return v;
    }
    return undefined;
  }

  /** The kernel's latest message for this route (a lazy view), if it exists. */
  get message(): Route | undefined {
    return this.#view();
  }

  /** Whether the kernel has this route. */
  get exists(): boolean {
    return this.#view() !== undefined;
  }

  /** Its identity. */
  get key(): Readonly<RouteKey> {
    return this.#key;
  }

  /** A value by short name (pending first): gateway, oif, metrics, multipath, proto, … */
  get(name: string): unknown {
    const p = this.#pending;
    if (p.changes.has(name)) return p.changes.get(name);
    if (p.create) return (p.create as Record<string, unknown>)[name];
    const v = this.#view();
    if (!v) return undefined;
    switch (name) {
      case "multipath":
        return v.multipath ? multipathOf(v) : undefined;
      case "metrics":
        return v.metrics?.toJSON();
      case "table":
        return this.#key.table;
      case "priority":
        return this.#key.priority;
      case "dst":
        return this.dst;
    }
    return v.get(name);
  }

  /** Sets a value in the pending transaction (validated now). */
  set(name: string, value: unknown): this {
    if (!CHANGEABLE.has(name)) {
      throw new TypeError(
        `${name}: not a changeable route attribute (${[...CHANGEABLE].join(", ")})`,
      );
    }
    let v = value;
    const family = this.#key.family;
    if (name === "gateway" || name === "prefsrc") {
      if (value !== undefined) {
        const b = parseIp(value, name);
        if ((b.length === 16) !== (family === AF_INET6)) {
          throw new TypeError(`${name}: address family differs from the route's`);
        }
        v = formatIp(b, 0, b.length);
      }
    } else if (name === "oif") {
      if (typeof value === "string") {
        const i = this.#ctx.indexOf(value);
        if (i === undefined) {
          throw new TypeError(`oif: no interface named ${JSON.stringify(value)}`);
        }
        v = i;
      } else if (typeof value === "object" && value !== null && "index" in value) {
        v = (value as { index: number }).index;
      } else if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
        throw new TypeError(
          `oif: expected an interface, name or index, got ${describeValue(value)}`,
        );
      }
    } else if (name === "priority") {
      if (
        typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffffffff
      ) {
        throw new RangeError(
          `priority: expected an integer 0..4294967295, got ${describeValue(value)}`,
        );
      }
    } else if (name === "metrics") {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new TypeError(`metrics: expected an object such as { mtu: 1400 }`);
      }
    } else if (name === "multipath") {
      if (!Array.isArray(value) || value.length === 0) {
        throw new TypeError("multipath: expected a non-empty array of next hops");
      }
      v = value.map((h, i) => {
        const hop: NextHopSpec = { ...h };
        if (hop.gateway !== undefined) {
          const b = parseIp(hop.gateway, `multipath[${i}].gateway`);
          hop.gateway = formatIp(b, 0, b.length);
        }
        if (typeof hop.oif === "string") {
          const idx = this.#ctx.indexOf(hop.oif);
          if (idx === undefined) {
            throw new TypeError(`multipath[${i}].oif: no interface ${hop.oif}`);
          }
          hop.oif = idx;
        }
        return hop;
      });
    } else if (name === "proto") v = protoId(value);
    else if (name === "scope") v = scopeId(value);
    else if (name === "type") v = routeTypeId(value);
    const p = this.#pending;
    if (p.create) {
      (p.create as Record<string, unknown>)[name] = v;
    } else p.changes.set(name, v);
    if (name === "multipath") {
      p.changes.delete("gateway");
      p.changes.delete("oif");
      if (p.create) delete p.create.gateway;
    } else if (name === "gateway" && !p.create) p.changes.delete("multipath");
    this.#ctx.touched(this);
    return this;
  }

  /** Table id. */
  get table(): number {
    return this.#key.table;
  }

  /** Destination: "10.1.0.0/16", or "default". */
  get dst(): string {
    const pfx = this.#key.prefix;
    return pfx === "0.0.0.0/0" || pfx === "::/0" ? "default" : pfx;
  }

  /** 2 (IPv4) or 10 (IPv6). */
  get family(): number {
    return this.#key.family;
  }

  /** Gateway. */
  get gateway(): string | undefined {
    return this.get("gateway") as string | undefined;
  }
  set gateway(v: string | undefined) {
    this.set("gateway", v);
  }

  /** Outgoing interface index. */
  get oif(): number | undefined {
    return this.get("oif") as number | undefined;
  }
  set oif(v: number | string | undefined) {
    this.set("oif", v);
  }

  /** Metric. */
  get priority(): number {
    return (this.get("priority") as number | undefined) ?? this.#key.priority;
  }
  set priority(v: number) {
    this.set("priority", v);
  }

  /** Preferred source address. */
  get prefsrc(): string | undefined {
    return this.get("prefsrc") as string | undefined;
  }
  set prefsrc(v: string | undefined) {
    this.set("prefsrc", v);
  }

  /** Metrics by RTAX short name ({ mtu: 1400 }). */
  get metrics(): Record<string, unknown> | undefined {
    return this.get("metrics") as Record<string, unknown> | undefined;
  }
  set metrics(v: Record<string, unknown> | undefined) {
    this.set("metrics", v);
  }

  /** Multipath next hops. */
  get multipath(): NextHopSpec[] | undefined {
    return this.get("multipath") as NextHopSpec[] | undefined;
  }
  set multipath(v: NextHopSpec[] | undefined) {
    this.set("multipath", v);
  }

  /** Protocol number. */
  get proto(): number | undefined {
    return this.get("proto") as number | undefined;
  }
  set proto(v: number | string | undefined) {
    this.set("proto", v);
  }

  /** Scope number. */
  get scope(): number | undefined {
    return this.get("scope") as number | undefined;
  }
  set scope(v: number | string | undefined) {
    this.set("scope", v);
  }

  /** Route type number. */
  get type(): number | undefined {
    return this.get("type") as number | undefined;
  }
  set type(v: number | string | undefined) {
    this.set("type", v);
  }

  /** Marks the route for removal on commit (an uncommitted new route is simply dropped). */
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

  /** The pending changes: `{ attrs: { gateway: "10.0.0.2 -> 10.0.0.3" } }`, `create`, `remove`. */
  review(): Record<string, unknown> {
    const p = this.#pending;
    const out: Record<string, unknown> = {};
    if (p.create) out.create = { ...p.create };
    if (p.remove) out.remove = true;
    const attrs: Record<string, string> = {};
    const v = this.#view();
    for (const [k, val] of p.changes) {
      const now = this.#current(k, v);
      if (this.#equal(k, now, val)) continue;
      attrs[k] = `${this.#text(k, now) ?? "none"} -> ${this.#text(k, val)}`;
    }
    out.attrs = attrs;
    return out;
  }

  #text(k: string, v: unknown): string | undefined {
    if (v === undefined) return undefined;
    if (k === "multipath") return (v as NextHopSpec[]).map(hopText).join(",");
    if (k === "metrics") return JSON.stringify(v);
    return String(v);
  }

  #current(k: string, v: Route | undefined): unknown {
    if (!v) return undefined;
    if (k === "multipath") return v.multipath ? multipathOf(v) : undefined;
    if (k === "metrics") return v.metrics?.toJSON();
    if (k === "priority") return routeId(v).priority;
    return v.get(k);
  }

  #equal(k: string, now: unknown, target: unknown): boolean {
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

  /** Drops the pending changes. */
  rollback(): void {
    this.#pending = emptyPending();
    this.#ctx.cleaned(this);
  }

  /**
   * Applies the pending changes (add, replace, or delete) and resolves once the kernel's events
   * show them; undoes and throws {@link CommitError} on failure.
   */
  async commit(options?: CommitOptions): Promise<this> {
    await commitAll(this.#ctx, [this], options);
    return this;
  }

  /** Runs `fn`, then commits; rolls back and rethrows on any failure. */
  transaction(fn: (route: this) => unknown, options?: CommitOptions): Promise<void> {
    return runTransaction(this, fn, options);
  }

  /** The route as a plain object (the request spec that would recreate it). */
  toJSON(): Record<string, unknown> {
    const p = this.#pending;
    if (p.create) return { ...p.create };
    const v = this.#view();
    const base: Record<string, unknown> = v ? { ...routeSpecOf(v) } : { dst: this.#key.prefix };
    for (const [k, val] of p.changes) base[k] = val;
    base.dst = this.dst;
    return base;
  }

  /** A short label. */
  get label(): string {
    return `route ${this.dst}${this.#key.table === MAIN ? "" : ` table ${this.#key.table}`}`;
  }

  // ---- Committable ----

  /** @internal */
  plan(): Step[] {
    const p = this.#pending;
    this.#pending = emptyPending();
    this.#committing = p;
    const ctx = this.#ctx;
    const view = this.#view();
    this.#snapshot = view;
    this.#target = this.#key;
    const steps: Step[] = [];
    const label = this.label;
    if (p.create) {
      const spec = p.create;
      const key = this.#key;
      steps.push({
        phase: PHASE.routeSet,
        describe: `${label}: route add`,
        run: async () => void await ctx.ip.route("add", spec),
        undo: async () => void await ctx.ip.route("del", delSpec(key)),
      });
      return steps;
    }
    if (!view) throw new Error(`${label}: the route does not exist`);
    const old = routeSpecOf(view);
    if (p.remove) {
      steps.push({
        phase: PHASE.routeRemove,
        describe: `${label}: route del`,
        run: async () => void await ctx.ip.route("del", delSpec(this.#key)),
        undo: async () => void await ctx.ip.route("add", old),
      });
      return steps;
    }
    const next: RouteSpec = { ...old };
    for (const [k, v] of p.changes) {
      (next as Record<string, unknown>)[k] = v;
      if (k === "multipath") {
        delete next.gateway;
        delete next.oif;
      } else if ((k === "gateway" || k === "oif") && p.changes.get("multipath") === undefined) {
        delete next.multipath;
      } else if (k === "metrics") {
        next.metrics = { ...(old.metrics ?? {}), ...(v as Record<string, number>) };
      }
    }
    // A new gateway picks its own device unless one is given (or it is link-local).
    const gw = p.changes.get("gateway") as string | undefined;
    if (gw !== undefined && !p.changes.has("oif") && !gw.toLowerCase().startsWith("fe80:")) {
      delete next.oif;
    }
    const newPriority = p.changes.get("priority") as number | undefined;
    if (newPriority !== undefined && newPriority !== this.#key.priority) {
      const target = { ...this.#key, priority: newPriority };
      this.#target = target;
      steps.push({
        phase: PHASE.routeSet,
        describe: `${label}: route add metric ${newPriority}`,
        run: async () => void await ctx.ip.route("add", next),
        undo: async () => void await ctx.ip.route("del", delSpec(target)),
      });
      steps.push({
        phase: PHASE.routeSet,
        describe: `${label}: route del metric ${this.#key.priority}`,
        run: async () => void await ctx.ip.route("del", delSpec(this.#key)),
        undo: async () => void await ctx.ip.route("add", old),
      });
      return steps;
    }
    steps.push({
      phase: PHASE.routeSet,
      describe: `${label}: route replace`,
      run: async () => void await ctx.ip.route("replace", next),
      undo: async () => void await ctx.ip.route("replace", old),
    });
    return steps;
  }

  /** @internal */
  waitKeys(): WaitKeys {
    return { routes: [`${this.#key.table} ${this.#key.prefix}`] };
  }

  /** @internal */
  unconfirmed(): string[] {
    const p = this.#committing;
    if (!p) return [];
    if (p.remove) return this.#view() ? ["removal"] : [];
    const target = this.#target ?? this.#key;
    const v = this.#view(target);
    if (!v) return ["existence"];
    if (target !== this.#key && this.#view(this.#key)) return ["old metric removal"];
    const out: string[] = [];
    const want = p.create ?? Object.fromEntries(p.changes);
    for (const [k, val] of Object.entries(want)) {
      if (!["gateway", "prefsrc", "metrics", "multipath"].includes(k) || val === undefined) {
        continue;
      }
      let t = val;
      if ((k === "gateway" || k === "prefsrc") && typeof val === "string") {
        const b = parseIp(val, k);
        t = formatIp(b, 0, b.length);
      }
      if (!this.#equal(k, this.#current(k, v), t)) out.push(k);
    }
    return out;
  }

  /** @internal */
  restored(): boolean {
    const p = this.#committing;
    if (!p) return true;
    if (p.create) return this.#view() === undefined;
    const snap = this.#snapshot;
    if (!snap) return true;
    const v = this.#view();
    if (!v) return false;
    const a = routeSpecOf(v), b = routeSpecOf(snap);
    return a.gateway === b.gateway && a.oif === b.oif;
  }

  /** @internal */
  finish(ok: boolean): void {
    const done = this.#committing;
    this.#committing = undefined;
    this.#snapshot = undefined;
    if (ok) {
      if (this.#target) this.#key = this.#target;
      const v = this.#view();
      if (v && this.#key.family === AF_INET6) this.#key = { ...this.#key, oif: routeId(v).oif };
    } else if (done) {
      const cur = this.#pending;
      for (const [k, v] of done.changes) if (!cur.changes.has(k)) cur.changes.set(k, v);
      cur.remove ||= done.remove;
      cur.create ??= done.create;
    }
    this.#target = undefined;
    if (!this.hasChanges()) this.#ctx.cleaned(this);
  }
}

function delSpec(k: RouteKey): RouteSpec {
  const spec: RouteSpec = { dst: k.prefix, table: k.table, family: k.family };
  if (k.priority || k.family === AF_INET6) spec.priority = k.priority;
  if (k.tos) spec.tos = k.tos;
  if (k.src) spec.src = k.src;
  if (k.family === AF_INET6 && k.oif) spec.oif = k.oif;
  return spec;
}

/** The key a new route spec will have in the kernel. */
export function keyOfSpec(
  spec: RouteSpec,
  ctx: { indexOf(n: string): number | undefined },
): RouteKey {
  if (typeof spec !== "object" || spec === null) {
    throw new TypeError(`spec: expected an object, got ${describeValue(spec)}`);
  }
  let family: number;
  let prefix: string;
  if (spec.dst === undefined || spec.dst === "default") {
    const g = spec.gateway ?? spec.multipath?.[0]?.gateway ?? spec.prefsrc;
    family = spec.family ?? (typeof g === "string" && g.includes(":") ? AF_INET6 : 2);
    prefix = family === AF_INET6 ? "::/0" : "0.0.0.0/0";
  } else {
    const d = normalizePrefix(spec.dst);
    family = d.family;
    prefix = d.prefix;
    if (spec.dst_len !== undefined && !String(spec.dst).includes("/")) {
      const p = parsePrefix(spec.dst, "dst");
      prefix = `${formatIp(p.bytes, 0, p.bytes.length)}/${spec.dst_len}`;
    }
  }
  if (typeof spec.oif === "string" && ctx.indexOf(spec.oif) === undefined) {
    throw new TypeError(`oif: no interface named ${JSON.stringify(spec.oif)}`);
  }
  return {
    family,
    table: spec.table !== undefined ? tableId(spec.table) : MAIN,
    prefix,
    priority: spec.priority ?? (family === AF_INET6 ? 1024 : 0),
    tos: spec.tos ?? 0,
    src: spec.src !== undefined ? normalizePrefix(spec.src, "src").prefix : "",
    oif: family === AF_INET6
      ? (typeof spec.oif === "string" ? ctx.indexOf(spec.oif) : spec.oif) ?? 0
      : undefined,
  };
}

/** The routes of one table: `table["10.1.0.0/16"]`, iteration, `add(spec)`. */
export class RouteTable implements Iterable<IPDBRoute> {
  readonly #ctx: RouteContext;
  /** Table id. */
  readonly id: number;

  /** @internal */
  constructor(ctx: RouteContext, id: number) {
    this.#ctx = ctx;
    this.id = id;
  }

  /** The route to `dst` ("10.1.0.0/16", "default", "::/0"), lowest metric first. */
  get(dst: string, priority?: number): IPDBRoute | undefined {
    let n: { prefix: string };
    try {
      n = normalizePrefix(dst);
    } catch {
      return undefined;
    }
    for (const v of this.#ctx.store.routes.lookup(this.id, n.prefix)) {
      const id = routeId(v);
      if (priority !== undefined && id.priority !== priority) continue;
      return this.#ctx.routeObject({ ...id, table: this.id });
    }
    return undefined;
  }

  /** Whether the table has a route to `dst`. */
  has(dst: string): boolean {
    return this.get(dst) !== undefined;
  }

  /** A new route in this table (pending until committed). */
  add(spec: RouteSpec): IPDBRoute {
    return addRoute(this.#ctx, { ...spec, table: spec.table ?? this.id });
  }

  /** Number of routes in the table. */
  get size(): number {
    return this.#ctx.store.routes.tableSize(this.id);
  }

  /** The kernel's messages (lazy views) of the table's routes, without building objects. */
  views(): IterableIterator<Route> {
    return this.#ctx.store.routes.views(this.id);
  }

  /** Destinations of the table's routes. */
  keys(): IterableIterator<string> {
    return this.#ctx.store.routes.prefixes(this.id);
  }

  /** Route objects, built as iterated. */
  *[Symbol.iterator](): Iterator<IPDBRoute> {
    for (const v of this.views()) yield this.#ctx.routeObject({ ...routeId(v) });
  }
}

function addRoute(ctx: RouteContext, spec: RouteSpec): IPDBRoute {
  const key = keyOfSpec(spec, ctx);
  const r = new IPDBRoute(ctx, key, { ...spec });
  ctx.touched(r);
  return r;
}

function withIndex<T extends object>(target: T, lookup: (key: string) => unknown): T {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === "symbol" || prop in t) {
        const v = Reflect.get(t, prop, t);
        if (typeof v !== "function") return v;
        let b = bound.get(prop);
        if (!b) bound.set(prop, b = (v as (...a: unknown[]) => unknown).bind(t));
        return b;
      }
      return lookup(prop);
    },
    set(_t, prop) {
      throw new TypeError(`${String(prop)}: use add(spec) to add a route`);
    },
  });
}

/** A route table with destinations as properties. */
export type RouteTableMap = RouteTable & { readonly [dst: string]: IPDBRoute };

/** Route tables by id or name: `tables[100]`, `tables.main`, `tables.local`. */
export type RouteTables = { readonly [table: string | number]: RouteTableMap };

/**
 * Every route of the namespace. `routes["10.1.0.0/16"]` is a main-table route, `tables[100]` a
 * table; `add(spec)` makes a pending route; iteration builds objects as it goes.
 */
export class Routes implements Iterable<IPDBRoute> {
  readonly #ctx: RouteContext;
  readonly #tables = new Map<number, RouteTableMap>();
  /** Tables by id or name. */
  readonly tables: RouteTables;

  /** @internal */
  constructor(ctx: RouteContext) {
    this.#ctx = ctx;
    this.tables = new Proxy({}, {
      get: (_t, prop) => {
        if (typeof prop === "symbol") return undefined;
        let id: number;
        try {
          id = tableId(prop);
        } catch {
          return undefined;
        }
        return this.table(id);
      },
      ownKeys: () => this.#ctx.store.routes.tableIds().map(String),
      getOwnPropertyDescriptor: (_t, prop) =>
        typeof prop === "string" && this.#ctx.store.routes.tableSize(Number(prop)) > 0
          ? { enumerable: true, configurable: true, value: this.table(Number(prop)) }
          : undefined,
    }) as RouteTables;
  }

  /** The table with this id or name. */
  table(id: number | string): RouteTableMap {
    const n = tableId(id);
    let t = this.#tables.get(n);
    if (!t) {
      const table = new RouteTable(this.#ctx, n);
      t = withIndex(table, (k) => table.get(k)) as RouteTableMap;
      this.#tables.set(n, t);
    }
    return t;
  }

  /** The route to `dst` in `table` (default main). */
  get(dst: string, table: number | string = MAIN): IPDBRoute | undefined {
    return this.table(table).get(dst);
  }

  /** Whether there is a route to `dst` in the main table. */
  has(dst: string): boolean {
    return this.get(dst) !== undefined;
  }

  /** A new pending route: `await db.routes.add({ dst, gateway }).commit()`. */
  add(spec: RouteSpec): IPDBRoute {
    return addRoute(this.#ctx, spec);
  }

  /** Number of routes in every table. */
  get size(): number {
    return this.#ctx.store.routes.size;
  }

  /** Table ids that have routes. */
  tableIds(): number[] {
    return this.#ctx.store.routes.tableIds();
  }

  /** The kernel's messages (lazy views) of every route, without building objects. */
  views(table?: number): IterableIterator<Route> {
    return this.#ctx.store.routes.views(table);
  }

  /** Route objects of every table, built as iterated. */
  *[Symbol.iterator](): Iterator<IPDBRoute> {
    for (const v of this.views()) yield this.#ctx.routeObject({ ...routeId(v) });
  }
}

/** {@link Routes} with main-table destinations as properties: `db.routes["10.1.0.0/16"]`. */
export type RouteMap = Routes & { readonly [dst: string]: IPDBRoute };

/** Wraps {@link Routes} so destinations work as properties. */
export function routeMap(routes: Routes): RouteMap {
  return withIndex(routes, (k) => routes.get(k)) as RouteMap;
}
