/**
 * The IPDB class: opens a request connection and a monitoring socket, loads the namespace's
 * links, addresses, routes and rules from dumps, then follows the kernel's events. Objects read
 * from this state; commits change the kernel and wait for its events.
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../ffi/socket.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { messageViewClass } from "../netlink/view.ts";
import { DumpInterruptedError } from "../netlink/errors.ts";
import { describeValue } from "../netlink/addr.ts";
import { IPRoute } from "../rtnl/iproute.ts";
import { checkIfname } from "../rtnl/core.ts";
import { IFF, RTM } from "../rtnl/constants.ts";
import { groupNumbers } from "../rtnl/monitor.ts";
import type { GroupName } from "../rtnl/monitor.ts";
import type { Addr } from "../rtnl/addr.ts";
import type { Link, LinkSpec, LooseLinkSpec } from "../rtnl/link.ts";
import type { Route } from "../rtnl/route.ts";
import type { Rule } from "../rtnl/rule.ts";
import { LINK_MESSAGE } from "../rtnl/schemas/link.ts";
import { ADDR_MESSAGE } from "../rtnl/schemas/addr.ts";
import { ROUTE_MESSAGE } from "../rtnl/schemas/route.ts";
import { RULE_MESSAGE } from "../rtnl/schemas/rule.ts";
import { commitAll } from "./commit.ts";
import type { CommitOptions, Committable, WaitKeys } from "./commit.ts";
import { IPDBClosedError } from "./errors.ts";
import { Interface, interfaceMap, Interfaces } from "./interface.ts";
import type { IfaceContext, InterfaceMap } from "./interface.ts";
import { IPDBRoute, keyString, routeMap, Routes } from "./route.ts";
import type { RouteContext, RouteKey, RouteMap } from "./route.ts";
import { IPDBRule, Rules } from "./rule.ts";
import type { RuleContext } from "./rule.ts";
import { addrKey, routeId, RouteIndex, ruleKey, Store } from "./store.ts";

const AF_INET = 2;
const AF_BRIDGE = 7;

/** Options of {@link IPDB.open}. */
export interface IPDBOptions {
  /** The network namespace: a name under /run/netns, a path, or `{ pid }`. */
  netns?: NetnsTarget;
  /** Load and follow routes (default true). */
  routes?: boolean;
  /** Load and follow policy rules (default true). */
  rules?: boolean;
  /** Default commit timeout in ms (default 5000). */
  timeout?: number;
  /** Receive buffer of the monitoring socket in bytes (default 8 MiB). */
  rcvbuf?: number;
}

/** One change the database saw in the kernel's events. */
export type IPDBChange =
  | {
    kind: "interface";
    action: "add" | "change" | "remove";
    index: number;
    ifname?: string;
    message: Link;
  }
  | {
    kind: "address";
    action: "add" | "change" | "remove";
    index: number;
    address: string;
    message: Addr;
  }
  | {
    kind: "route";
    action: "add" | "change" | "remove";
    table: number;
    dst: string;
    message: Route;
  }
  | { kind: "rule"; action: "add" | "change" | "remove"; message: Rule }
  | { kind: "resync" }
  | { kind: "overflow"; dropped: number };

/** Options of {@link IPDB.changes}. */
export interface ChangesOptions {
  /** Ends the iterator. */
  signal?: AbortSignal;
  /** Changes buffered for a slow reader before older ones are dropped (default 100000). */
  limit?: number;
}

/** Counters of the database's event processing. */
export interface IPDBStats {
  /** Messages applied from events. */
  events: number;
  /** Times the kernel dropped events (ENOBUFS). */
  overruns: number;
  /** Full reloads from fresh dumps. */
  resyncs: number;
  /** Route checks after a link went down or an IPv4 address went away (the kernel removes
   * IPv4 routes then without telling). */
  routeChecks: number;
}

interface Waiter {
  keys: WaitKeys;
  check: () => boolean;
  done: (ok: boolean) => void;
  fail: (e: Error) => void;
}

class ChangeStream implements AsyncIterableIterator<IPDBChange> {
  queue: IPDBChange[] = [];
  dropped = 0;
  ended = false;
  wake?: (r: IteratorResult<IPDBChange>) => void;
  readonly limit: number;
  readonly detach: () => void;
  readonly #signal?: AbortSignal;
  readonly #onAbort = () => this.end();

  constructor(limit: number, detach: () => void, signal?: AbortSignal) {
    this.limit = limit;
    this.detach = detach;
    this.#signal = signal;
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  push(c: IPDBChange): void {
    if (this.ended) return;
    if (this.wake) {
      const w = this.wake;
      this.wake = undefined;
      w({ value: c, done: false });
      return;
    }
    if (this.queue.length >= this.limit) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(c);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.detach();
    const w = this.wake;
    this.wake = undefined;
    w?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<IPDBChange>> {
    if (this.dropped) {
      const dropped = this.dropped;
      this.dropped = 0;
      return Promise.resolve({ value: { kind: "overflow", dropped }, done: false });
    }
    const c = this.queue.shift();
    if (c) return Promise.resolve({ value: c, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((r) => (this.wake = r));
  }

  return(): Promise<IteratorResult<IPDBChange>> {
    this.end();
    this.queue = [];
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<IPDBChange> {
    return this;
  }
}

/**
 * An explicit transaction over several objects (`db.begin()`): every object changed while it is
 * open joins it; `commit()` applies all of them together (creations, then interface changes,
 * addresses, ports, routes and rules, then removals) and undoes everything if any step fails.
 */
export class Transaction {
  readonly #db: IPDB;
  readonly #members = new Set<Committable>();
  #open = true;

  /** @internal */
  constructor(db: IPDB) {
    this.#db = db;
  }

  /** Whether the transaction is still open. */
  get open(): boolean {
    return this.#open;
  }

  /** Adds an object (objects changed while the transaction is open join it by themselves). */
  add(obj: Interface | IPDBRoute | IPDBRule): this {
    this.#members.add(obj);
    return this;
  }

  /** @internal */
  join(obj: Committable): void {
    if (this.#open) this.#members.add(obj);
  }

  /** The objects in the transaction. */
  get objects(): (Interface | IPDBRoute | IPDBRule)[] {
    return [...this.#members] as (Interface | IPDBRoute | IPDBRule)[];
  }

  /** Every member's pending changes, by label. */
  review(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const m of this.#members) {
      if (!m.hasChanges()) continue;
      out[m.label] = (m as unknown as { review(): Record<string, unknown> }).review();
    }
    return out;
  }

  /** Commits every member together; on failure the kernel is restored and it throws. */
  async commit(options?: CommitOptions): Promise<void> {
    this.#close();
    await commitAll(this.#db[CTX], [...this.#members], options);
  }

  /** Drops every member's pending changes. */
  rollback(): void {
    this.#close();
    for (const m of this.#members) (m as unknown as { rollback(): void }).rollback();
  }

  #close(): void {
    this.#open = false;
    this.#db[END_TX](this);
  }
}

const CTX: unique symbol = Symbol("ipdb.context");
const END_TX: unique symbol = Symbol("ipdb.endTransaction");

/**
 * The transactional network database:
 *
 * ```ts
 * import { IPDB, IPRoute, netns } from "@denonet/netlink";
 * netns.create("nldoc-ipdb");
 * try {
 *   using ip = new IPRoute({ netns: "nldoc-ipdb" });
 *   await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
 *   await using db = await IPDB.open({ netns: "nldoc-ipdb" });
 *   const v0 = db.interfaces.v0;
 *   v0.mtu = 1400;
 *   v0.ipaddr.add("10.0.0.1/24");
 *   console.log(v0.review());
 *   await v0.commit();
 * } finally {
 *   netns.remove("nldoc-ipdb");
 * }
 * ```
 */
export class IPDB implements AsyncDisposable {
  /** The request connection (usable for anything IPDB does not cover). */
  readonly ip: IPRoute;
  /** Interfaces by name and index. */
  readonly interfaces: InterfaceMap;
  /** Routes: `routes["10.1.0.0/16"]`, `routes.tables[100]`, `routes.add(spec)`. */
  readonly routes: RouteMap;
  /** Policy routing rules. */
  readonly rules: Rules;
  /** Event counters. */
  readonly stats: IPDBStats = { events: 0, overruns: 0, resyncs: 0, routeChecks: 0 };
  readonly #store = new Store();
  readonly #mon: NetlinkSocket;
  readonly #opts: Required<Pick<IPDBOptions, "routes" | "rules" | "timeout">>;
  #closed = false;
  #resyncing = false;
  #closing?: Promise<void>;
  #loop?: Promise<void>;
  #checks = new Set<number>();
  #checking?: Promise<void>;
  #serial = 0;
  #tx?: Transaction;
  readonly #ifaces = new Map<number, Interface>();
  readonly #routeObjs = new Map<string, IPDBRoute>();
  readonly #routeObjKeys = new Map<IPDBRoute, string>();
  readonly #ruleObjs = new Map<string, IPDBRule>();
  readonly #streams = new Set<ChangeStream>();
  readonly #byIndex = new Map<number, Set<Waiter>>();
  readonly #byRoute = new Map<string, Set<Waiter>>();
  readonly #anyLink = new Set<Waiter>();
  readonly #ruleWaiters = new Set<Waiter>();
  readonly #all = new Set<Waiter>();
  /** @internal */
  readonly [CTX]: IfaceContext & RouteContext & RuleContext;

  private constructor(options: IPDBOptions) {
    const timeout = options.timeout ?? 5000;
    if (typeof timeout !== "number" || !(timeout >= 0)) {
      throw new RangeError(`timeout: expected a non-negative number of ms, got ${timeout}`);
    }
    this.#opts = {
      routes: options.routes ?? true,
      rules: options.rules ?? true,
      timeout,
    };
    const groups: GroupName[] = ["link", "ipv4_ifaddr", "ipv6_ifaddr"];
    if (this.#opts.routes) groups.push("ipv4_route", "ipv6_route");
    if (this.#opts.rules) groups.push("ipv4_rule", "ipv6_rule");
    // Subscribe before dumping: nothing that happens during the dumps is missed.
    this.#mon = new NetlinkSocket(NETLINK.ROUTE, {
      netns: options.netns,
      groups: groupNumbers(groups),
      rcvbuf: options.rcvbuf ?? 8 << 20,
    });
    try {
      this.ip = new IPRoute({ netns: options.netns });
    } catch (e) {
      this.#mon.close();
      throw e;
    }
    const live = {} as Pick<IfaceContext, "ip" | "store" | "timeout" | "closed">;
    Object.defineProperties(live, {
      ip: { get: () => this.ip },
      store: { get: () => this.#store },
      timeout: { get: () => this.#opts.timeout },
      closed: { get: () => this.#closed },
    });
    type Ctx = IfaceContext & RouteContext & RuleContext;
    const methods: Omit<Ctx, "ip" | "store" | "timeout" | "closed"> = {
      waitFor: (keys, check, deadline) => this.#waitFor(keys, check, deadline),
      touched: (obj) => this.#touched(obj),
      cleaned: (obj) => this.#cleaned(obj),
      serial: () => ++this.#serial,
      sync: () => this.sync(),
      ifaceByIndex: (index) => this.#iface(index),
      ifaceByName: (name) => {
        const index = this.#store.names.get(name);
        return index === undefined ? undefined : this.#iface(index);
      },
      adopt: (iface) => {
        this.#ifaces.set(iface.index, iface);
      },
      routeObject: (key) => this.#routeObject(key),
      indexOf: (name) => this.#store.names.get(name),
      ruleObject: (key) => {
        let r = this.#ruleObjs.get(key);
        if (!r) r = new IPDBRule(this[CTX], key);
        return r;
      },
    };
    this[CTX] = Object.assign(live, methods);
    this.interfaces = interfaceMap(new Interfaces(this[CTX]));
    this.routes = routeMap(new Routes(this[CTX]));
    this.rules = new Rules(this[CTX]);
  }

  /**
   * Opens the database: subscribes to the kernel's events, then loads links, addresses, routes
   * and rules (in `options.netns` when given).
   */
  static async open(options: IPDBOptions = {}): Promise<IPDB> {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`options: expected an object, got ${describeValue(options)}`);
    }
    const db = new IPDB(options);
    try {
      await db.#load();
    } catch (e) {
      await db.close();
      throw e;
    }
    db.#loop = db.#run();
    return db;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The state as loaded and followed (the kernel's messages, indexed). */
  get store(): Store {
    return this.#store;
  }

  // ---- loading ----

  /**
   * Dumps links, addresses, routes and rules into a fresh state. Routes go straight from the
   * received datagrams into the index: no view or object is made per route.
   */
  async #dumpAll(): Promise<
    { links: Link[]; addrs: Addr[]; routes: RouteIndex; rules: Rule[] }
  > {
    const ip = this.ip;
    const retry = { retryInterrupted: 5 };
    const links = await ip.dump(LINK_MESSAGE, {
      type: RTM.GETLINK,
      flags: 0,
      header: {},
      attrs: { ext_mask: 1 },
    }, retry) as Link[];
    const addrs = await ip.dump(ADDR_MESSAGE, {
      type: RTM.GETADDR,
      flags: 0,
      header: { family: 0 },
    }, retry) as Addr[];
    let routes = new RouteIndex();
    if (this.#opts.routes) {
      for (let attempt = 0;; attempt++) {
        const index = new RouteIndex();
        try {
          await ip.dump(ROUTE_MESSAGE, {
            type: RTM.GETROUTE,
            flags: 0,
            header: { family: 0 },
          }, {
            decoder: (dv, u8, off, _len, type) => {
              if (type === RTM.NEWROUTE) index.put(dv, u8, off);
              return undefined;
            },
          });
          routes = index;
          break;
        } catch (e) {
          if (!(e instanceof DumpInterruptedError) || attempt >= 5) throw e;
        }
      }
    }
    const rules = this.#opts.rules
      ? await ip.dump(RULE_MESSAGE, {
        type: RTM.GETRULE,
        flags: 0,
        header: { family: 0 },
      }, retry) as unknown as Rule[]
      : [];
    return { links, addrs, routes, rules };
  }

  async #load(): Promise<void> {
    const d = await this.#dumpAll();
    const s = this.#store;
    s.links.clear();
    s.names.clear();
    s.addrs.clear();
    s.rules.clear();
    s.routes = d.routes;
    for (const v of d.links) s.setLink(v);
    for (const v of d.addrs) s.setAddr(v);
    for (const v of d.rules) s.setRule(v);
  }

  /** Drains the monitoring socket, reloads everything from dumps, and tells waiters. */
  async #resync(): Promise<void> {
    this.stats.resyncs++;
    this.#resyncing = true;
    try {
      for (let attempt = 0;; attempt++) {
        this.#drain();
        try {
          await this.#load();
          break;
        } catch (e) {
          if (this.#closed) return;
          if (!(e instanceof DumpInterruptedError) || attempt >= 20) throw e;
        }
      }
    } finally {
      this.#resyncing = false;
    }
    for (const [index, iface] of this.#ifaces) {
      if (!this.#store.links.has(index)) {
        iface.detach();
        this.#ifaces.delete(index);
      }
    }
    this.#emit({ kind: "resync" });
    for (const w of [...this.#all]) if (w.check()) w.done(true);
  }

  #drain(): void {
    for (let i = 0; i < 1_000_000; i++) {
      try {
        if (this.#mon.receive() === null) return;
      } catch (e) {
        if ((e as { code?: string }).code !== "ENOBUFS") throw e;
      }
    }
  }

  // ---- events ----

  async #run(): Promise<void> {
    const mon = this.#mon;
    let n = 0;
    while (!this.#closed) {
      let buf: ArrayBuffer | null;
      try {
        buf = mon.receive();
      } catch (e) {
        if (this.#closed) return;
        if ((e as { code?: string }).code === "ENOBUFS") {
          this.stats.overruns++;
          try {
            await this.#resync();
          } catch (err) {
            if (this.#closed) return;
            console.error("IPDB: resynchronisation failed; retrying:", err);
          }
          continue;
        }
        console.error("IPDB: the monitoring socket failed; events are no longer followed:", e);
        return;
      }
      if (buf) {
        this.#dispatch(buf);
        if (++n < 64) continue;
      }
      n = 0;
      try {
        await mon.readable();
      } catch {
        if (this.#closed) return;
      }
    }
  }

  /**
   * Applies every event already queued on the monitoring socket, now (the kernel queues a
   * request's events before its ack, so after any request this shows its effect). Does nothing
   * during a resynchronisation: the events queued then apply after the fresh dump.
   */
  sync(): void {
    if (this.#closed || this.#resyncing) return;
    for (;;) {
      let buf: ArrayBuffer | null;
      try {
        buf = this.#mon.receive();
      } catch {
        return; // an overrun: the loop resynchronises
      }
      if (!buf) return;
      this.#dispatch(buf);
    }
  }

  #dispatch(buf: ArrayBuffer): void {
    const dv = new DataView(buf);
    const u8 = new Uint8Array(buf);
    for (let off = 0; off + 16 <= buf.byteLength;) {
      const len = dv.getUint32(off, true);
      if (len < 16 || off + len > buf.byteLength) break;
      const type = dv.getUint16(off + 4, true);
      try {
        this.#apply(type, dv, u8, off, len);
      } catch (e) {
        // A malformed message must not stop the database.
        console.error("IPDB: could not apply an event:", e);
      }
      off += (len + 3) & ~3;
    }
  }

  #apply(type: number, dv: DataView, u8: Uint8Array, off: number, len: number): void {
    const s = this.#store;
    const streams = this.#streams.size > 0;
    switch (type) {
      case RTM.NEWLINK:
      case RTM.DELLINK: {
        const v = new (messageViewClass(LINK_MESSAGE))(dv, u8, off, len) as Link;
        if (v.family === AF_BRIDGE) return;
        this.stats.events++;
        const index = v.index;
        const old = s.links.get(index);
        const action = type === RTM.NEWLINK ? s.setLink(v) : s.deleteLink(v);
        if (!action) return;
        if (action === "remove") {
          const iface = this.#ifaces.get(index);
          if (iface && iface.index === index) {
            iface.detach();
            this.#ifaces.delete(index);
          }
          this.#scheduleRouteCheck(index);
        } else if (old && (old.flags & IFF.UP) && !(v.flags & IFF.UP)) {
          this.#scheduleRouteCheck(index);
        }
        if (streams) {
          this.#emit({ kind: "interface", action, index, ifname: v.ifname, message: v });
        }
        this.#poke(this.#byIndex.get(index));
        this.#poke(this.#anyLink);
        return;
      }
      case RTM.NEWADDR:
      case RTM.DELADDR: {
        const v = new (messageViewClass(ADDR_MESSAGE))(dv, u8, off, len) as Addr;
        this.stats.events++;
        const action = type === RTM.NEWADDR ? s.setAddr(v) : s.deleteAddr(v);
        if (!action) return;
        if (action === "remove" && v.family === AF_INET) this.#scheduleRouteCheck(v.index);
        if (streams) {
          this.#emit({ kind: "address", action, index: v.index, address: addrKey(v), message: v });
        }
        this.#poke(this.#byIndex.get(v.index));
        return;
      }
      case RTM.NEWROUTE:
      case RTM.DELROUTE: {
        if (!this.#opts.routes) return;
        this.stats.events++;
        // Straight into the index; a view is made only for listeners and waiters.
        const action = type === RTM.NEWROUTE
          ? s.routes.put(dv, u8, off)
          : s.routes.remove(dv, u8, off);
        if (!action || (!streams && this.#byRoute.size === 0)) return;
        const v = new (messageViewClass(ROUTE_MESSAGE))(dv, u8, off, len) as Route;
        const id = routeId(v);
        if (streams) {
          this.#emit({ kind: "route", action, table: id.table, dst: id.prefix, message: v });
        }
        this.#poke(this.#byRoute.get(`${id.table} ${id.prefix}`));
        return;
      }
      case RTM.NEWRULE:
      case RTM.DELRULE: {
        if (!this.#opts.rules) return;
        const v = new (messageViewClass(RULE_MESSAGE))(dv, u8, off, len) as unknown as Rule;
        this.stats.events++;
        const action = type === RTM.NEWRULE ? s.setRule(v) : s.deleteRule(v);
        if (!action) return;
        if (streams) this.#emit({ kind: "rule", action, message: v });
        this.#poke(this.#ruleWaiters);
        return;
      }
    }
  }

  /**
   * The kernel removes IPv4 routes through a link that goes down (or whose address goes away)
   * without telling anyone: check the routes through it with a dump filtered by the kernel.
   * Only views captured before the dump are removed, so routes added since by events stay.
   */
  #scheduleRouteCheck(index: number): void {
    if (!this.#opts.routes) return;
    this.#checks.add(index);
    this.#checking ??= this.#runRouteChecks().finally(() => (this.#checking = undefined));
  }

  async #runRouteChecks(): Promise<void> {
    await Promise.resolve();
    while (this.#checks.size > 0 && !this.#closed) {
      const indexes = [...this.#checks];
      this.#checks.clear();
      for (const index of indexes) {
        const captured = this.#store.routes.using(index, AF_INET);
        if (captured.length === 0) continue;
        this.stats.routeChecks++;
        const alive = new Set<string>();
        if (this.#store.links.has(index)) {
          try {
            for (const v of await this.ip.getRoutes({ family: AF_INET, oif: index })) {
              const id = routeId(v);
              alive.add(`${id.table} ${id.prefix} ${id.priority} ${id.tos}`);
            }
          } catch {
            if (this.#closed) return;
            if (this.#store.links.has(index)) continue;
          }
        }
        for (const v of captured) {
          const id = routeId(v);
          if (alive.has(`${id.table} ${id.prefix} ${id.priority} ${id.tos}`)) continue;
          if (!this.#store.routes.deleteView(v)) continue;
          if (this.#streams.size) {
            this.#emit({
              kind: "route",
              action: "remove",
              table: id.table,
              dst: id.prefix,
              message: v,
            });
          }
          this.#poke(this.#byRoute.get(`${id.table} ${id.prefix}`));
        }
      }
    }
  }

  // ---- waiting ----

  #poke(set: Set<Waiter> | undefined): void {
    if (!set || set.size === 0) return;
    for (const w of [...set]) if (w.check()) w.done(true);
  }

  #waitFor(keys: WaitKeys, check: () => boolean, deadline: number): Promise<boolean> {
    if (this.#closed) return Promise.reject(new IPDBClosedError());
    if (check()) return Promise.resolve(true);
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      const sets: Set<Waiter>[] = [this.#all];
      for (const i of keys.indexes ?? []) {
        let s = this.#byIndex.get(i);
        if (!s) this.#byIndex.set(i, s = new Set());
        sets.push(s);
      }
      for (const k of keys.routes ?? []) {
        let s = this.#byRoute.get(k);
        if (!s) this.#byRoute.set(k, s = new Set());
        sets.push(s);
      }
      if (keys.rules) sets.push(this.#ruleWaiters);
      if (keys.anyLink) sets.push(this.#anyLink);
      const unregister = () => {
        clearTimeout(timer);
        for (const s of sets) s.delete(w);
        for (const i of keys.indexes ?? []) {
          if (this.#byIndex.get(i)?.size === 0) this.#byIndex.delete(i);
        }
        for (const k of keys.routes ?? []) {
          if (this.#byRoute.get(k)?.size === 0) this.#byRoute.delete(k);
        }
      };
      const w: Waiter = {
        keys,
        check,
        done: (ok) => {
          unregister();
          resolve(ok);
        },
        fail: (e) => {
          unregister();
          reject(e);
        },
      };
      const timer = setTimeout(() => w.done(check()), remaining);
      for (const s of sets) s.add(w);
    });
  }

  // ---- objects ----

  #iface(index: number): Interface | undefined {
    if (!Number.isInteger(index) || !this.#store.links.has(index)) return undefined;
    let i = this.#ifaces.get(index);
    if (!i) this.#ifaces.set(index, i = new Interface(this[CTX], index));
    return i;
  }

  #routeObject(key: RouteKey): IPDBRoute {
    const k = keyString(key);
    return this.#routeObjs.get(k) ??
      new IPDBRoute(this[CTX], {
        family: key.family,
        table: key.table,
        prefix: key.prefix,
        priority: key.priority,
        tos: key.tos,
        src: key.src,
        oif: key.family === 10 ? key.oif : undefined,
      });
  }

  #touched(obj: Committable): void {
    this.#tx?.join(obj);
    if (obj instanceof IPDBRoute && !obj.review().create && !this.#routeObjKeys.has(obj)) {
      const k = keyString(obj.key);
      this.#routeObjs.set(k, obj);
      this.#routeObjKeys.set(obj, k);
    } else if (obj instanceof IPDBRule && obj.message) {
      this.#ruleObjs.set(ruleKey(obj.message), obj);
    }
  }

  #cleaned(obj: Committable): void {
    if (obj instanceof IPDBRoute) {
      const k = this.#routeObjKeys.get(obj);
      if (k !== undefined) {
        this.#routeObjKeys.delete(obj);
        if (this.#routeObjs.get(k) === obj) this.#routeObjs.delete(k);
      }
    } else if (obj instanceof IPDBRule) {
      for (const [k, r] of this.#ruleObjs) if (r === obj) this.#ruleObjs.delete(k);
    }
  }

  /**
   * A new interface, pending until committed: `db.create({ kind: "veth", ifname: "v0",
   * peer: "v1" })`, `{ kind: "bridge", ifname: "br0" }`, any kind IPRoute can add.
   */
  create(spec: LinkSpec & { ifname: string }): Interface {
    if (typeof spec !== "object" || spec === null) {
      throw new TypeError(`spec: expected an object, got ${describeValue(spec)}`);
    }
    if (typeof spec.kind !== "string") {
      throw new TypeError(`kind: expected a link kind, got ${describeValue(spec.kind)}`);
    }
    checkIfname(spec.ifname, "ifname");
    const { state, ...rest } = spec;
    const iface = new Interface(this[CTX], 0, rest as LooseLinkSpec);
    if (state !== undefined) iface.set("state", state);
    this.#touched(iface);
    return iface;
  }

  /** Opens an explicit transaction: every object changed from now on joins it. */
  begin(): Transaction {
    if (this.#tx?.open) throw new Error("begin: a transaction is already open");
    this.#tx = new Transaction(this);
    return this.#tx;
  }

  /** @internal */
  [END_TX](tx: Transaction): void {
    if (this.#tx === tx) this.#tx = undefined;
  }

  /** Runs `fn` in an explicit transaction, then commits it; rolls back and rethrows on failure. */
  async transaction(fn: (tx: Transaction) => unknown, options?: CommitOptions): Promise<void> {
    const tx = this.begin();
    try {
      await fn(tx);
      await tx.commit(options);
    } catch (e) {
      tx.rollback();
      throw e;
    }
  }

  /** Every change the kernel reports from now on, until the database closes or the loop breaks. */
  changes(options: ChangesOptions = {}): AsyncIterableIterator<IPDBChange> {
    const limit = options.limit ?? 100_000;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError("limit: expected a positive integer");
    }
    const stream: ChangeStream = new ChangeStream(
      limit,
      () => this.#streams.delete(stream),
      options.signal,
    );
    if (this.#closed || options.signal?.aborted) stream.end();
    else this.#streams.add(stream);
    return stream;
  }

  #emit(c: IPDBChange): void {
    for (const s of this.#streams) s.push(c);
  }

  /**
   * Stops following the kernel, closes both sockets, ends `changes()` iterators and fails pending
   * waits. Leaves no timers or pending calls. Closing twice is harmless.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    const error = new IPDBClosedError();
    for (const w of [...this.#all]) w.fail(error);
    for (const s of [...this.#streams]) s.end();
    this.#mon.close();
    this.ip.close();
    this.#closing = (async () => {
      await this.#loop;
      await this.#checking;
    })();
    return this.#closing;
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
