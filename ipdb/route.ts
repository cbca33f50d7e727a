/**
 * Routes: `db.routes["10.1.0.0/16"]` (main table), `db.routes.tables[100]`, `db.routes.add(spec)`.
 * The database keeps only the kernel's route messages in a compact index; route objects are
 * built when accessed and read the current message each time (planning: `route_state.ts`).
 * A route added but not committed shows in lookups and iteration too (its `pending` is true),
 * as in pyroute2's IPDB, until it is committed or rolled back.
 *
 * @module
 */

import { checkArgs, suggestion } from "../netlink/strict.ts";
import { describeValue, formatIp, parseIp } from "../netlink/addr.ts";
import { multipathOf } from "../rtnl/route.ts";
import type { NextHopSpec, Route, RouteSpec } from "../rtnl/route.ts";
import { protoId, routeTypeId, scopeId, tableId } from "../rtnl/names.ts";
import { RTAX } from "../rtnl/schemas/route.ts";
import { routeKey } from "./keys.ts";
import { keyOfRoute, keyOfSpec, normalizePrefix, routeSpecOf } from "./route_spec.ts";
import type { RouteKey } from "./route_spec.ts";
import { pendingCreations, RouteState } from "./route_state.ts";
import type { RouteContext } from "./route_state.ts";
import { Tracked } from "./tracked.ts";

export { keyOfSpec, normalizePrefix, routeSpecOf } from "./route_spec.ts";
export type { RouteKey } from "./route_spec.ts";
export type { RouteContext } from "./route_state.ts";

const AF_INET6 = 10;
const MAIN = 254;

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

/**
 * One route. Reads come from the kernel's latest message of this very route (its group: table,
 * destination, metric, TOS, source; and its identity in the group); writes (`gateway`, `oif`,
 * `metrics`, `multipath`, `priority`, …) are pending until {@link commit}. When the kernel
 * removes or replaces the route, the object reads as absent and a commit of its changes fails.
 */
export class IPDBRoute extends Tracked {
  readonly #s: RouteState;

  /** @internal */
  constructor(ctx: RouteContext, key: RouteKey, create?: RouteSpec) {
    const s = new RouteState(ctx, key, create);
    super(s);
    this.#s = s;
    if (create) s.created();
  }

  /** Whether the route was added and is not committed yet (pyroute2's `ipdb_scope` "create"). */
  get pending(): boolean {
    return this.#s.creating;
  }

  #view(): Route | undefined {
    return this.#s.view();
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
    return this.#s.key;
  }

  /** A value by short name (pending first): gateway, oif, metrics, multipath, proto, … */
  get(name: string): unknown {
    checkArgs("get", 1, arguments.length);
    const p = this.#s.pending;
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
        return this.#s.key.table;
      case "priority":
        return this.#s.key.priority;
      case "dst":
        return this.dst;
    }
    return v.get(name);
  }

  /** Sets a value in the pending transaction (validated now). */
  set(name: string, value: unknown): this {
    checkArgs("set", 2, arguments.length);
    if (!CHANGEABLE.has(name)) {
      throw new TypeError(
        `${name}: not a changeable route attribute (${[...CHANGEABLE].join(", ")})`,
      );
    }
    let v = value;
    const family = this.#s.key.family;
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
        const i = this.#s.ctx.indexOf(value);
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
          const idx = this.#s.ctx.indexOf(hop.oif);
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
    const p = this.#s.pending;
    if (p.create) {
      (p.create as Record<string, unknown>)[name] = v;
    } else p.changes.set(name, v);
    if (name === "multipath") {
      p.changes.delete("gateway");
      p.changes.delete("oif");
      if (p.create) delete p.create.gateway;
    } else if (name === "gateway" && !p.create) p.changes.delete("multipath");
    this.#s.touch();
    return this;
  }

  /** Table id. */
  get table(): number {
    return this.#s.key.table;
  }

  /** Destination: "10.1.0.0/16", or "default". */
  get dst(): string {
    const pfx = this.#s.key.prefix;
    return pfx === "0.0.0.0/0" || pfx === "::/0" ? "default" : pfx;
  }

  /** 2 (IPv4) or 10 (IPv6). */
  get family(): number {
    return this.#s.key.family;
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
    return (this.get("priority") as number | undefined) ?? this.#s.key.priority;
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
  get metrics(): Record<string, unknown> {
    // Live: `route.metrics.mtu = 1400` is a pending change of the route, as pyroute2's.
    const now = (this.get("metrics") ?? {}) as Record<string, unknown>;
    const target = { ...now };
    return new Proxy(target, {
      set: (t, k, v) => {
        const name = String(k);
        if (!RTAX.byName.has(name) && name !== "congctl") {
          throw new TypeError(
            `metrics.${name}: unknown route metric${suggestion(name, RTAX.byName.keys())}`,
          );
        }
        this.set("metrics", { ...t, [name]: v });
        t[name] = v;
        return true;
      },
      deleteProperty: (_t, k) => {
        throw new TypeError(
          `metrics.${String(k)}: a metric is changed, not removed (set it to another value)`,
        );
      },
    });
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

  /** The route as a plain object (the request spec that would recreate it). */
  toJSON(): Record<string, unknown> {
    const p = this.#s.pending;
    if (p.create) return { ...p.create };
    const v = this.#view();
    const base: Record<string, unknown> = v ? { ...routeSpecOf(v) } : { dst: this.#s.key.prefix };
    for (const [k, val] of p.changes) base[k] = val;
    base.dst = this.dst;
    return base;
  }
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
      const k = keyOfRoute(v, routeKey(v));
      if (priority !== undefined && k.priority !== priority) continue;
      return this.#ctx.routeObject(k) as IPDBRoute;
    }
    for (const r of this.#pending()) {
      const k = r.key;
      if (k.prefix === n.prefix && (priority === undefined || k.priority === priority)) return r;
    }
    return undefined;
  }

  /** This table's routes added but not committed. */
  *#pending(): IterableIterator<IPDBRoute> {
    for (const r of pendingCreations(this.#ctx)) {
      if (r instanceof IPDBRoute && r.key.table === this.id && r.pending) yield r;
    }
  }

  /** Whether the table has a route to `dst`. */
  has(dst: string): boolean {
    return this.get(dst) !== undefined;
  }

  /** A new route in this table (pending until committed). */
  add(spec: RouteSpec): IPDBRoute {
    checkArgs("add", 1, arguments.length);
    return addRoute(this.#ctx, { ...spec, table: spec.table ?? this.id });
  }

  /** Number of the kernel's routes in the table (pending additions not counted). */
  get size(): number {
    return this.#ctx.store.routes.tableSize(this.id);
  }

  /** The kernel's messages (lazy views) of the table's routes, without building objects. */
  views(): IterableIterator<Route> {
    return this.#ctx.store.routes.views(this.id);
  }

  /** Destinations of the table's routes, then of its pending additions. */
  *keys(): IterableIterator<string> {
    yield* this.#ctx.store.routes.prefixes(this.id);
    for (const r of this.#pending()) yield r.key.prefix;
  }

  /** Route objects, built as iterated; then the routes added but not committed. */
  *[Symbol.iterator](): Iterator<IPDBRoute> {
    for (const v of this.views()) {
      yield this.#ctx.routeObject(keyOfRoute(v, routeKey(v))) as IPDBRoute;
    }
    yield* this.#pending();
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
    // `"10.1.0.0/16" in db.routes`: whether there is such a route (members answer as members).
    has(t, prop) {
      if (typeof prop === "symbol" || prop in t) return prop in t;
      return lookup(prop) !== undefined;
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
    checkArgs("add", 1, arguments.length);
    return addRoute(this.#ctx, spec);
  }

  /** Number of the kernel's routes in every table (pending additions not counted). */
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

  /** Route objects of every table, built as iterated; then the routes added but not committed. */
  *[Symbol.iterator](): Iterator<IPDBRoute> {
    for (const v of this.views()) {
      yield this.#ctx.routeObject(keyOfRoute(v, routeKey(v))) as IPDBRoute;
    }
    for (const r of pendingCreations(this.#ctx)) {
      if (r instanceof IPDBRoute && r.pending) yield r;
    }
  }
}

/** {@link Routes} with main-table destinations as properties: `db.routes["10.1.0.0/16"]`. */
export type RouteMap = Routes & { readonly [dst: string]: IPDBRoute };

/** Wraps {@link Routes} so destinations work as properties. */
export function routeMap(routes: Routes): RouteMap {
  return withIndex(routes, (k) => routes.get(k)) as RouteMap;
}
