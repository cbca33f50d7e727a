/**
 * The IPDB class: opens a request connection and a monitoring socket, loads the namespace's
 * links, addresses, routes and rules from dumps, then follows the kernel's events. Objects read
 * from this state; commits change the kernel and wait for its events; `verify()` compares the
 * state with a fresh dump.
 *
 * @module
 */

import { dumpAll } from "./load.ts";
import { NETLINK, NetlinkSocket } from "../ffi/socket.ts";
import { NETNS_RUN_DIR, netnsPath } from "../ffi/netns.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { messageViewClass } from "../netlink/view.ts";
import { align4 } from "../netlink/constants.ts";
import { MessageWalk } from "../netlink/walk.ts";
import { DumpInterruptedError } from "../netlink/errors.ts";
import { describeValue } from "../netlink/addr.ts";
import { IPRoute } from "../rtnl/iproute.ts";
import { checkIfname } from "../rtnl/core.ts";
import { checkLinkKeys } from "../rtnl/link.ts";
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
import { ChangeStream, checkChangesOptions } from "./changes.ts";
import { commitAll } from "./commit.ts";
import type { CommitOptions, WaitKeys } from "./commit.ts";
import { IPDBClosedError } from "./errors.ts";
import { Interface, interfaceMap, Interfaces } from "./interface.ts";
import type { IfaceContext, InterfaceMap } from "./interface.ts";
import { addrKey, routeKey, ruleKey } from "./keys.ts";
import { IPDBRoute, routeMap, Routes } from "./route.ts";
import type { RouteContext, RouteKey, RouteMap } from "./route.ts";
import { IPDBRule, Rules } from "./rule.ts";
import type { RuleContext } from "./rule.ts";
import { routeId, Store } from "./store.ts";
import { stateOf } from "./tracked.ts";
import type { IfaceState } from "./interface_state.ts";
import { checkArgs, checkKeys, KeySet } from "../netlink/strict.ts";
import { Subscription } from "../netlink/subscription.ts";
import { compareState } from "./verify.ts";
import { MultiIPDB } from "./multi.ts";
import type { MultiIPDBOptions } from "./multi.ts";
import type { IPDBDifference, KernelState } from "./verify.ts";
import { snapshot } from "../state/snapshot.ts";
import { plan } from "../state/plan.ts";
import type { PlanOptions, StatePlan } from "../state/plan.ts";
import { apply } from "../state/apply.ts";
import type { AppliedState, ApplyOptions } from "../state/apply.ts";
import type { StateDocument } from "../state/document.ts";

export type { IPDBDifference } from "./verify.ts";

const AF_INET = 2;
const AF_BRIDGE = 7;
const NHA_ID = 1;

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
  /**
   * Told of what goes wrong while following the kernel (a resynchronisation that failed and is
   * retried, a monitoring socket that failed, an event that could not be applied); each is also
   * an `{ kind: "error" }` item of `changes()`. The library writes nothing to the console.
   */
  onError?: (error: Error, context: string) => void;
}

const OPTIONS = new KeySet("IPDB option", [
  "netns",
  "routes",
  "rules",
  "timeout",
  "rcvbuf",
  "onError",
]);

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
  | { kind: "overflow"; dropped: number }
  | { kind: "error"; error: Error; context: string };

/** Options of {@link IPDB.changes}. */
export interface ChangesOptions {
  /**
   * Only changes of these kinds (`resync`, `overflow` and `error` items come anyway). Without
   * `"route"`, route events cost the subscription nothing.
   */
  kinds?: readonly ("interface" | "address" | "route" | "rule")[];
  /** Ends the subscription. */
  signal?: AbortSignal;
  /** Changes buffered for a slow reader before older ones are dropped (default 100000). */
  limit?: number;
}

/** Counters of the database's event processing. */
export interface IPDBStats {
  /** Messages applied from events. */
  events: number;
  /** Times the kernel dropped events (ENOBUFS), found by the event loop or by `sync()`. */
  overruns: number;
  /** Full reloads from fresh dumps. */
  resyncs: number;
  /** Route checks after a link went down or an IPv4 address went away (the kernel removes
   * IPv4 routes then without telling). */
  routeChecks: number;
  /** Errors while following the kernel (each told to `onError` and to `changes()`). */
  errors: number;
}

interface Waiter {
  keys: WaitKeys;
  check: () => boolean;
  done: (ok: boolean) => void;
  fail: (e: Error) => void;
}

/** The objects a transaction can hold. */
type Member = Interface | IPDBRoute | IPDBRule;

type Ctx = IfaceContext & RouteContext & RuleContext;
// Module-private access between IPDB and Transaction (set in their static blocks): nothing of
// it is a member users see.
let joinTransaction: (tx: Transaction, obj: Member) => void;
let contextOf: (db: IPDB) => Ctx;
let endTransaction: (db: IPDB, tx: Transaction) => void;

/**
 * An explicit transaction over several objects (`db.begin()`): every object changed while it is
 * open joins it; `commit()` applies all of them together (creations, then interface changes,
 * addresses, ports, routes and rules, then removals) and undoes everything if any step fails.
 */
export class Transaction {
  readonly #db: IPDB;
  readonly #members = new Set<Member>();
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

  static {
    joinTransaction = (tx, obj) => {
      if (tx.#open) tx.#members.add(obj);
    };
  }

  /** The objects in the transaction. */
  get objects(): (Interface | IPDBRoute | IPDBRule)[] {
    return [...this.#members];
  }

  /** Every member's pending changes, by label. */
  review(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const m of this.#members) if (m.hasChanges()) out[m.label] = m.review();
    return out;
  }

  /** Commits every member together; on failure the kernel is restored and it throws. */
  async commit(options?: CommitOptions): Promise<void> {
    checkArgs("commit", 1, arguments.length);
    this.#close();
    await commitAll(contextOf(this.#db), [...this.#members].map(stateOf), options);
  }

  /** Drops every member's pending changes. */
  rollback(): void {
    this.#close();
    for (const m of this.#members) m.rollback();
  }

  #close(): void {
    this.#open = false;
    endTransaction(this.#db, this);
  }
}

/** Keys of a link spec that would make the link somewhere else than in the database's namespace. */
const ELSEWHERE = ["netns", "net_ns_fd", "net_ns_pid", "target_netnsid"] as const;

/** Whether the link at an index now is plausibly not the one an object stood for. */
function anotherLink(before: Link, now: Link): boolean {
  const kind = (v: Link) => v.get(["linkinfo", "info_kind"]);
  if (kind(before) !== kind(now)) return true;
  return before.ifname !== now.ifname && before.address !== now.address;
}

/**
 * The transactional network database:
 *
 * ```ts
 * import { IPDB, IPRoute, netns } from "@denonet/netlink";
 * const ns = `nldoc-ipdb-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   using ip = new IPRoute({ netns: ns });
 *   await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
 *   await using db = await IPDB.open({ netns: ns });
 *   const v0 = db.interfaces.v0!;
 *   v0.mtu = 1400;
 *   v0.ipaddr.add("10.0.0.1/24");
 *   console.log(v0.review());
 *   await v0.commit();
 *   console.log(await db.verify()); // [] : the database is what the kernel has
 * } finally {
 *   netns.remove(ns);
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

  /** pyroute2's `by_name`: the interfaces, looked up by name (`db.byName.eth0`). */
  get byName(): InterfaceMap {
    return this.interfaces;
  }

  /** pyroute2's `by_index`: the interfaces, looked up by index (`db.byIndex[1]`). */
  get byIndex(): InterfaceMap {
    return this.interfaces;
  }
  /** Policy routing rules. */
  readonly rules: Rules;
  /** Event counters. */
  readonly stats: IPDBStats = { events: 0, overruns: 0, resyncs: 0, routeChecks: 0, errors: 0 };
  readonly #store = new Store();
  readonly #mon: NetlinkSocket;
  readonly #opts: Required<Pick<IPDBOptions, "routes" | "rules" | "timeout">>;
  #closed = false;
  /** The resynchronisation under way: nothing else reads the monitoring socket meanwhile. */
  #resyncing?: Promise<void>;
  /**
   * The events queued while the dumps ran are being applied: they may be older than what the
   * dumps showed, so the changes they announce are checked with the kernel (see #replay).
   */
  #replaying = false;
  #closing?: Promise<void>;
  #loop?: Promise<void>;
  #checks = new Set<number>();
  #checking?: Promise<void>;
  /** Link events applied, by index (tells a refresh whether an event overtook its answer). */
  readonly #linkEvents = new Map<number, number>();
  /** Link refreshes under way. */
  readonly #refreshing = new Map<number, Promise<void>>();
  #serial = 0;
  #tx?: Transaction;
  readonly #ifaces = new Map<number, Interface>();
  readonly #routeObjs = new Map<string, IPDBRoute>();
  readonly #routeObjKeys = new Map<IPDBRoute, string>();
  readonly #ruleObjs = new Map<string, IPDBRule>();
  readonly #streams = new Set<ChangeStream>();
  /** The subscriptions that take routes (route events make views only for them). */
  #routeStreams = 0;
  readonly #byIndex = new Map<number, Set<Waiter>>();
  readonly #byRoute = new Map<string, Set<Waiter>>();
  readonly #anyLink = new Set<Waiter>();
  readonly #ruleWaiters = new Set<Waiter>();
  readonly #all = new Set<Waiter>();
  readonly #ctx: Ctx;
  readonly #onError?: (error: Error, context: string) => void;
  readonly #netnsName: string;

  static {
    contextOf = (db) => db.#ctx;
    endTransaction = (db, tx) => {
      if (db.#tx === tx) db.#tx = undefined;
    };
  }

  private constructor(options: IPDBOptions) {
    if (options.onError !== undefined && typeof options.onError !== "function") {
      throw new TypeError(`onError: expected a function, got ${describeValue(options.onError)}`);
    }
    this.#onError = options.onError;
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
    // Deleting a nexthop object removes its IPv4 routes without a route event.
    if (this.#opts.routes) groups.push("ipv4_route", "ipv6_route", "nexthop");
    if (this.#opts.rules) groups.push("ipv4_rule", "ipv6_rule");
    this.#netnsName = netnsNameOf(options.netns);
    this.ip = new IPRoute(options.netns === undefined ? {} : { netns: options.netns });
    // Subscribe before dumping: nothing that happens during the dumps is missed. The socket is
    // made in the namespace the connection holds (the name is looked up once).
    try {
      this.#mon = new NetlinkSocket(NETLINK.ROUTE, {
        netns: this.ip.netns,
        groups: groupNumbers(groups),
        rcvbuf: options.rcvbuf ?? 8 << 20,
      });
    } catch (e) {
      this.ip.close();
      throw e;
    }
    const live = {} as Pick<IfaceContext, "ip" | "store" | "timeout" | "closed">;
    Object.defineProperties(live, {
      ip: { get: () => this.ip },
      store: { get: () => this.#store },
      timeout: { get: () => this.#opts.timeout },
      closed: { get: () => this.#closed },
    });
    const methods: Omit<Ctx, "ip" | "store" | "timeout" | "closed"> = {
      waitFor: (keys, check, deadline) => this.#waitFor(keys, check, deadline),
      touched: (obj) => this.#touched(obj as Member),
      cleaned: (obj) => this.#cleaned(obj as Member),
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
      refreshLink: (index) => this.#refreshLink(index),
      routeObject: (key) => this.#routeObject(key),
      indexOf: (name) => this.#store.names.get(name),
      ruleObject: (key) => this.#ruleObjs.get(key) ?? new IPDBRule(this.#ctx, key),
    };
    this.#ctx = Object.assign(live, methods);
    this.interfaces = interfaceMap(
      new Interfaces(this.#ctx, (spec) => this.create(spec)),
    );
    this.routes = routeMap(new Routes(this.#ctx));
    this.rules = new Rules(this.#ctx);
  }

  /**
   * Opens one database over several namespaces (an array of names under /run/netns): a
   * {@link MultiIPDB}, as `MultiIPDB.open(options)` does.
   */
  static open(options: MultiIPDBOptions & { netns: readonly string[] }): Promise<MultiIPDB>;
  /**
   * Opens the database: subscribes to the kernel's events, then loads links, addresses, routes
   * and rules (in `options.netns` when given).
   */
  static open(options?: IPDBOptions): Promise<IPDB>;
  static open(options: IPDBOptions | MultiIPDBOptions = {}): Promise<IPDB | MultiIPDB> {
    checkArgs("IPDB.open", 1, arguments.length);
    if (typeof options === "object" && options !== null && Array.isArray(options.netns)) {
      return MultiIPDB.open(options as MultiIPDBOptions);
    }
    return IPDB.#open(options as IPDBOptions);
  }

  static async #open(options: IPDBOptions): Promise<IPDB> {
    checkKeys(options, OPTIONS);
    const db = new IPDB(options);
    try {
      await db.#load();
      if (!db.#replay()) db.#overrun();
    } catch (e) {
      await db.close();
      throw e;
    }
    db.#loop = db.#run();
    return db;
  }

  /**
   * The namespace the database was opened in: its name when it is a name under /run/netns
   * (given as `"blue"` or as `"/run/netns/blue"`), `""` for the process's own namespace (no
   * `netns` option), otherwise the path of the namespace file it was opened through (a path as
   * given, `/proc/PID/ns/net` for `{ pid }`, `/proc/self/fd/N` for `{ fd }`).
   */
  get netnsName(): string {
    return this.#netnsName;
  }

  // ---- desired state (state/: the functions over several namespaces) ----

  /** This namespace's state as a desired-state document, keyed by {@link netnsName}. */
  snapshot(): Promise<StateDocument> {
    checkArgs("snapshot", 0, arguments.length);
    return snapshot(new Map([[this.netnsName, this]]));
  }

  /** The steps from now to `desired` (its namespace: {@link netnsName}); see state/plan.ts. */
  plan(desired: StateDocument, options?: PlanOptions): Promise<StatePlan> {
    checkArgs("plan", 2, arguments.length);
    return plan(new Map([[this.netnsName, this]]), desired, options);
  }

  /** Applies `desired` as one transaction, undone on a refusal; see state/apply.ts. */
  apply(desired: StateDocument, options?: ApplyOptions): Promise<AppliedState> {
    checkArgs("apply", 2, arguments.length);
    return apply(new Map([[this.netnsName, this]]), desired, options);
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

  /** Dumps links, addresses, routes and rules (ipdb/load.ts). */
  #dumpAll(): Promise<KernelState> {
    return dumpAll(this.ip, { routes: this.#opts.routes, rules: this.#opts.rules });
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

  /** Starts a resynchronisation unless one is under way; resolves when it is done. */
  #startResync(): Promise<void> {
    this.#resyncing ??= (async () => {
      try {
        for (let attempt = 0; !this.#closed; attempt++) {
          try {
            await this.#resync();
            return;
          } catch (err) {
            if (this.#closed) return;
            this.#report(err, "resynchronisation failed; retrying");
            await new Promise((r) => setTimeout(r, Math.min(1000, 10 * 2 ** attempt)));
          }
        }
      } finally {
        this.#resyncing = undefined;
      }
    })();
    return this.#resyncing;
  }

  /** The kernel dropped events: count it and reload everything. */
  #overrun(): void {
    this.stats.overruns++;
    this.#startResync();
  }

  /**
   * Drains the monitoring socket, reloads everything from dumps, applies the events queued
   * meanwhile, and tells waiters.
   */
  async #resync(): Promise<void> {
    this.stats.resyncs++;
    const before = new Map<number, Link>();
    for (const index of this.#ifaces.keys()) {
      const v = this.#store.links.get(index);
      if (v) before.set(index, v);
    }
    for (let attempt = 0;; attempt++) {
      this.#drain();
      try {
        await this.#load();
      } catch (e) {
        if (this.#closed) return;
        if (!(e instanceof DumpInterruptedError) || attempt >= 20) throw e;
        continue;
      }
      if (this.#closed) return;
      if (this.#replay()) break;
      this.stats.overruns++;
    }
    // An object stands for the link it was read from: a link gone, or another link at its
    // index (its removal and the successor's arrival were among the lost events), ends it.
    for (const [index, iface] of this.#ifaces) {
      const now = this.#store.links.get(index);
      const old = before.get(index);
      if (!now || (old && anotherLink(old, now))) {
        (stateOf(iface) as IfaceState).detach(old?.ifname);
        this.#ifaces.delete(index);
      }
    }
    this.#emit({ kind: "resync" });
    for (const w of [...this.#all]) if (w.check()) w.done(true);
  }

  /**
   * Applies the events queued on the monitoring socket right after the dumps; false when the
   * kernel dropped some (an overrun: dump again). The events queued while the dumps ran may be
   * older than what they show, and the kernel removes IPv4 routes without an event when a link
   * goes down or loses its last address (or the address they use as source): applied after
   * the dumps, an address added before such a removal brings its prefix route back, and the
   * event of the removal finds the database already as the dump left it (the link down, the
   * address gone) and changes nothing. So while replaying, every link event that leaves a link
   * down or gone and every IPv4 address removal has the routes through that link checked, as
   * the event would have had if it had changed the database.
   */
  #replay(): boolean {
    this.#replaying = true;
    try {
      for (let i = 0; i < 1_000_000; i++) {
        let buf: ArrayBuffer | null;
        try {
          buf = this.#mon.receive();
        } catch (e) {
          if ((e as { code?: string }).code === "ENOBUFS") return false;
          throw e;
        }
        if (buf === null) return true;
        this.#dispatch(buf);
      }
      return true;
    } finally {
      this.#replaying = false;
    }
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
      if (this.#resyncing) {
        await this.#resyncing;
        continue;
      }
      let buf: ArrayBuffer | null;
      try {
        buf = mon.receive();
      } catch (e) {
        if (this.#closed) return;
        if ((e as { code?: string }).code === "ENOBUFS") {
          this.#overrun();
          continue;
        }
        this.#report(e, "the monitoring socket failed; events are no longer followed");
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
   * request's events before its ack, so after any request this shows its effect). When the
   * kernel dropped events (an overrun), starts a resynchronisation; waiters see its result.
   * Does nothing during a resynchronisation: the events queued then apply after the dump.
   */
  sync(): void {
    if (this.#closed || this.#resyncing) return;
    for (;;) {
      let buf: ArrayBuffer | null;
      try {
        buf = this.#mon.receive();
      } catch (e) {
        if (this.#closed) return;
        if ((e as { code?: string }).code === "ENOBUFS") this.#overrun();
        else this.#report(e, "the monitoring socket failed");
        return;
      }
      if (!buf) return;
      this.#dispatch(buf);
    }
  }

  #dispatch(buf: ArrayBuffer): void {
    const dv = new DataView(buf);
    const u8 = new Uint8Array(buf);
    const walk = new MessageWalk(dv);
    while (walk.next()) {
      try {
        this.#apply(walk.type, dv, u8, walk.offset, walk.length);
      } catch (e) {
        // A malformed message must not stop the database.
        this.#report(e, "an event could not be applied");
      }
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
        if (this.#replaying && (type === RTM.DELLINK || !(v.flags & IFF.UP))) {
          this.#scheduleRouteCheck(index);
        }
        if (!action) return;
        this.#linkEvents.set(index, (this.#linkEvents.get(index) ?? 0) + 1);
        if (action === "add" && v.link && v.link_netnsid === undefined) {
          // A new veth's peer was announced before it had its peer (IFLA_LINK 0), and the
          // kernel says nothing when it gets it: ask.
          const peer = s.links.get(v.link);
          if (peer && peer.link !== index && peer.get(["linkinfo", "info_kind"]) === "veth") {
            this.#refreshLink(v.link).catch(() => {});
          }
        }
        if (action === "remove") {
          this.#linkEvents.delete(index);
          const iface = this.#ifaces.get(index);
          if (iface) {
            (stateOf(iface) as IfaceState).detach(old?.ifname);
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
        if (
          v.family === AF_INET &&
          (action === "remove" || (this.#replaying && type === RTM.DELADDR))
        ) {
          this.#scheduleRouteCheck(v.index);
        }
        if (!action) return;
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
        if (!action || (this.#routeStreams === 0 && this.#byRoute.size === 0)) return;
        const v = new (messageViewClass(ROUTE_MESSAGE))(dv, u8, off, len) as Route;
        this.#routeChanged(action, v);
        return;
      }
      case RTM.DELNEXTHOP: {
        if (!this.#opts.routes) return;
        this.stats.events++;
        const id = nexthopId(dv, off, len);
        if (id) this.#dropRoutes(s.routes.usingNexthop(id));
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
   * Asks the kernel for a link's message: some changes come without an event (an alias, group
   * or kind option set while the link is down, a new veth's peer). Applies the answer unless an
   * event for the link came meanwhile (then it asks again: the answer may be older).
   */
  #refreshLink(index: number): Promise<void> {
    let p = this.#refreshing.get(index);
    if (p) return p;
    p = (async () => {
      for (let attempt = 0; attempt < 5 && !this.#closed; attempt++) {
        if (this.#resyncing) await this.#resyncing;
        this.sync();
        const seen = this.#linkEvents.get(index);
        let v: Link | undefined;
        try {
          [v] = await this.ip.link("get", { index });
        } catch (e) {
          if (this.#closed || (e as { code?: string }).code === "ENODEV") return;
          throw e;
        }
        this.sync();
        if (this.#resyncing || this.#linkEvents.get(index) !== seen) continue;
        if (!v || !this.#store.links.has(index)) return;
        this.#store.setLink(v);
        if (this.#streams.size) {
          this.#emit({ kind: "interface", action: "change", index, ifname: v.ifname, message: v });
        }
        this.#poke(this.#byIndex.get(index));
        return;
      }
    })().finally(() => this.#refreshing.delete(index));
    this.#refreshing.set(index, p);
    return p;
  }

  #routeChanged(action: "add" | "change" | "remove", v: Route): void {
    const id = routeId(v);
    if (this.#routeStreams) {
      this.#emit({ kind: "route", action, table: id.table, dst: id.prefix, message: v });
    }
    this.#poke(this.#byRoute.get(`${id.table} ${id.prefix}`));
  }

  /** Removes routes the kernel removed without an event (each only if still as captured). */
  #dropRoutes(views: Route[]): void {
    for (const v of views) {
      if (this.#store.routes.deleteView(v)) this.#routeChanged("remove", v);
    }
  }

  /**
   * The kernel removes IPv4 routes through a link that goes down (or whose address goes away,
   * or whose nexthop objects it flushes) without telling anyone: check the routes through it
   * with a dump filtered by the kernel. Only views captured before the dump are removed, so
   * routes added since by events stay. A route through a nexthop object lives as long as the
   * object does.
   */
  #scheduleRouteCheck(index: number): void {
    if (!this.#opts.routes) return;
    this.#checks.add(index);
    this.#checking ??= this.#runRouteChecks().finally(() => (this.#checking = undefined));
  }

  async #runRouteChecks(): Promise<void> {
    await Promise.resolve();
    const tries = new Map<number, number>();
    while (this.#checks.size > 0 && !this.#closed) {
      if (this.#resyncing) await this.#resyncing;
      const indexes = [...this.#checks];
      this.#checks.clear();
      for (const index of indexes) {
        const captured = this.#store.routes.using(index, AF_INET);
        if (captured.length === 0) continue;
        this.stats.routeChecks++;
        const alive = new Set<string>();
        let nexthops: Set<number> | undefined;
        try {
          if (this.#store.links.has(index)) {
            for (const v of await this.ip.getRoutes({ family: AF_INET, oif: index })) {
              alive.add(routeKey(v));
            }
          }
        } catch {
          if (this.#closed) return;
          // Gone meanwhile (its routes with it), or ask again after what comes next.
          if (this.#store.links.has(index)) {
            const n = (tries.get(index) ?? 0) + 1;
            tries.set(index, n);
            if (n < 3) this.#checks.add(index);
            continue;
          }
        }
        if (captured.some((v) => v.nh_id !== undefined)) {
          try {
            nexthops = new Set((await this.ip.getNexthops()).map((n) => n.id as number));
          } catch {
            if (this.#closed) return; // unknown: routes through nexthop objects stay
          }
        }
        this.#dropRoutes(captured.filter((v) => {
          const nh = v.nh_id;
          if (nh !== undefined) return nexthops !== undefined && !nexthops.has(nh);
          return !alive.has(routeKey(v));
        }));
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
    if (!this.#resyncing && check()) return Promise.resolve(true);
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.resolve(check());
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
    if (!i) this.#ifaces.set(index, i = new Interface(this.#ctx, index));
    return i;
  }

  #routeObject(key: RouteKey): IPDBRoute {
    return (key.id !== undefined ? this.#routeObjs.get(key.id) : undefined) ??
      new IPDBRoute(this.#ctx, { ...key });
  }

  #touched(obj: Member): void {
    if (this.#tx) joinTransaction(this.#tx, obj);
    if (obj instanceof IPDBRoute) {
      const id = obj.key.id;
      if (id !== undefined && !obj.review().create && !this.#routeObjKeys.has(obj)) {
        this.#routeObjs.set(id, obj);
        this.#routeObjKeys.set(obj, id);
      }
    } else if (obj instanceof IPDBRule && obj.message) {
      this.#ruleObjs.set(ruleKey(obj.message), obj);
    }
  }

  #cleaned(obj: Member): void {
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
   * peer: "v1" })`, `{ kind: "bridge", ifname: "br0" }`, any kind IPRoute can add. The
   * interface is made in the database's namespace (a veth's peer may go elsewhere:
   * `peer: { ifname: "v1", netns: "other" }`).
   */
  create(spec: LinkSpec & { ifname: string; reuse?: boolean }): Interface {
    checkArgs("create", 1, arguments.length);
    if (typeof spec !== "object" || spec === null) {
      throw new TypeError(`spec: expected an object, got ${describeValue(spec)}`);
    }
    // pyroute2's `reuse`: an interface of that name is taken as it is; without it, a name in
    // use is refused here rather than by the kernel at commit.
    const { reuse, ...fresh } = spec;
    if (reuse !== undefined && typeof reuse !== "boolean") {
      throw new TypeError(`reuse: expected true or false, got ${describeValue(reuse)}`);
    }
    const existing = typeof spec.ifname === "string" && !/^\d+$/.test(spec.ifname)
      ? this.interfaces.get(spec.ifname)
      : undefined;
    if (existing?.exists) {
      if (reuse) return existing;
      throw new Error(
        `ifname: an interface named ${JSON.stringify(spec.ifname)} exists (reuse: true takes it)`,
      );
    }
    spec = fresh as LinkSpec & { ifname: string };
    if (typeof spec.kind !== "string") {
      throw new TypeError(`kind: expected a link kind, got ${describeValue(spec.kind)}`);
    }
    checkLinkKeys(spec);
    checkIfname(spec.ifname, "ifname");
    for (const k of ELSEWHERE) {
      if ((spec as unknown as Record<string, unknown>)[k] !== undefined) {
        throw new TypeError(
          `${k}: IPDB creates interfaces in its own namespace and follows them there; to put ` +
            `a veth's other end elsewhere, give the peer its namespace ({ ifname: "${spec.ifname}"` +
            `, peer: { ifname, netns } }), or use ip.link("add", …)`,
        );
      }
    }
    const { state, ...rest } = spec;
    const iface = new Interface(this.#ctx, 0, rest as LooseLinkSpec);
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

  /** Runs `fn` in an explicit transaction, then commits it; rolls back and rethrows on failure. */
  async transaction(fn: (tx: Transaction) => unknown, options?: CommitOptions): Promise<void> {
    checkArgs("transaction", 2, arguments.length);
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
  changes(options: ChangesOptions = {}): Subscription<IPDBChange> {
    checkArgs("changes", 1, arguments.length);
    const { limit, kinds } = checkChangesOptions(options);
    const routes = !kinds || kinds.has("route");
    const stream: ChangeStream = new ChangeStream(limit, () => {
      if (this.#streams.delete(stream) && routes) this.#routeStreams--;
    }, kinds);
    if (this.#closed || options.signal?.aborted) stream.end();
    else {
      this.#streams.add(stream);
      if (routes) this.#routeStreams++;
    }
    return new Subscription(stream, { signal: options.signal });
  }

  /**
   * Reads one interface afresh from the kernel and applies it (an `interface` change when it
   * differs): for what the kernel changes without telling this namespace, such as a veth
   * whose other end moved to another namespace (its `link_netnsid`). MultiIPDB does it by
   * itself for the namespaces it holds. Resolves once applied (at once for an unknown index).
   */
  async refresh(index: number): Promise<void> {
    checkArgs("refresh", 1, arguments.length);
    if (!Number.isInteger(index) || index <= 0) {
      throw new RangeError(`index: expected an interface index, got ${describeValue(index)}`);
    }
    if (this.#closed) throw new IPDBClosedError();
    if (!this.#store.links.has(index)) return;
    await this.#refreshLink(index);
  }

  #emit(c: IPDBChange): void {
    for (const s of this.#streams) s.push(c);
  }

  /** Tells `onError` and the change subscriptions (never the console). */
  #report(e: unknown, context: string): void {
    const error = e instanceof Error ? e : new Error(String(e));
    this.stats.errors++;
    try {
      this.#onError?.(error, context);
    } catch {
      // The handler's own failure must not stop the database.
    }
    this.#emit({ kind: "error", error, context });
  }

  /** Resolves once no resynchronisation or route check is under way. */
  async #settled(): Promise<void> {
    while (!this.#closed && (this.#resyncing || this.#checking || this.#refreshing.size)) {
      await this.#resyncing;
      await this.#checking;
      await Promise.all(this.#refreshing.values());
    }
  }

  /**
   * Compares the database with the kernel: dumps links, addresses, routes and rules afresh and
   * returns every difference, field by field (an empty array when the database holds exactly
   * what the kernel has). Events queued meanwhile are applied first, and a difference must
   * persist over three dumps to be reported, so changes made by others while it runs do not
   * show as differences; what remains is a database that is wrong. It costs a full dump and a
   * pass over every route (a debugging and testing aid, not a hot path).
   */
  async verify(): Promise<IPDBDifference[]> {
    let diffs: IPDBDifference[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, 20 * attempt));
      if (this.#closed) throw new IPDBClosedError();
      this.sync();
      await this.#settled();
      const kernel = await this.#dumpAll();
      this.sync();
      await this.#settled();
      diffs = compareState(kernel, this.#store);
      if (diffs.length === 0) break;
    }
    return diffs;
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
      await this.#resyncing;
      await Promise.all(this.#refreshing.values());
    })();
    return this.#closing;
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** What {@link IPDB.netnsName} reports for a `netns` option (checked later by IPRoute). */
function netnsNameOf(target: NetnsTarget | undefined): string {
  if (target === undefined) return "";
  if (typeof target === "string" && !target.startsWith("/")) return target;
  const path = netnsPath(target);
  const dir = `${NETNS_RUN_DIR}/`;
  const rest = path.startsWith(dir) ? path.slice(dir.length) : "";
  return rest !== "" && !rest.includes("/") ? rest : path;
}

/** NHA_ID of a nexthop message (0 when absent). */
function nexthopId(dv: DataView, off: number, len: number): number {
  const end = off + len;
  for (let p = off + 16 + 8; p + 4 <= end;) {
    const alen = dv.getUint16(p, true);
    if (alen < 4 || p + alen > end) break;
    if ((dv.getUint16(p + 2, true) & 0x3fff) === NHA_ID && alen >= 8) {
      return dv.getUint32(p + 4, true);
    }
    p += align4(alen);
  }
  return 0;
}
