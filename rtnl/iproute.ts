/**
 * IPRoute: rtnetlink as is, with pyroute2's verbs and keyword names.
 *
 * @module
 */

import type { MessageList } from "../netlink/list.ts";
import type { AddrCommand, AddrFilter, AddrSpec } from "./addr.ts";
import type { Addr } from "./addr.ts";
import { addrCommand, flushAddr, getAddr } from "./addr.ts";
import type { BatchOptions } from "./batch.ts";
import { Batch, runBatch } from "./batch.ts";
import { RtnlCore } from "./core.ts";
import type { IPRouteOptions } from "./core.ts";
import type { Link, LinkCommand, LinkFilter, LinkSpec } from "./link.ts";
import { getLinks, linkCommand, linkLookup } from "./link.ts";
import type { Monitor, MonitorOptions } from "./monitor.ts";
import { checkMonitorOptions, monitor } from "./monitor.ts";
import type { FlushAll } from "./filter.ts";
import type { CompatDelete, IndexArg } from "./compat.ts";
import {
  addrArgs,
  commandName,
  indexed,
  isListing,
  listArgs,
  routeArgs,
  ruleArgs,
  tcArgs,
} from "./compat.ts";
import type { BrportSpec } from "./brport.ts";
import { brport } from "./brport.ts";
import type { WithSignal } from "./spec.ts";
import { checkArgs, checkKeys, KeySet } from "../netlink/strict.ts";
import type { Route, RouteCommand, RouteFilter, RouteSpec, RouteSpecInput } from "./route.ts";
import { flushRoutes, getRoutes, iterRoutePages, iterRoutes, routeCommand } from "./route.ts";
import type { Rule, RuleCommand, RuleFilter, RuleSpec, RuleSpecInput } from "./rule.ts";
import { flushRules, getRules, ruleCommand } from "./rule.ts";
import type { Neigh, NeighCommand, NeighFilter, NeighGetSpec, NeighSpec } from "./neigh.ts";
import { getNeighbour, getNeighbours, neighCommand } from "./neigh.ts";
import type { Nexthop, NexthopCommand, NexthopFilter, NexthopSpec } from "./nexthop.ts";
import { getNexthops, nexthopCommand } from "./nexthop.ts";
import type {
  FdbCommand,
  FdbEntry,
  FdbFilter,
  FdbSpec,
  PortVlans,
  VlanCommand,
  VlanFilter,
  VlanSpec,
} from "./bridge.ts";
import { fdbCommand, getFdb, getVlans, vlanFilter } from "./bridge.ts";
import type { Nsid, NsidCommand, NsidFilter, NsidSpec } from "./nsid.ts";
import { getNsids, nsidCommand } from "./nsid.ts";
import type {
  TcCommand,
  TcFilter,
  TcKindOf,
  TcMessage,
  TcObjectOf,
  TcSpec,
  TcSpecFor,
} from "./tc/mod.ts";
import { getClasses, getFilters, getQdiscs, tcCommand } from "./tc/mod.ts";

/**
 * An rtnetlink connection with pyroute2's verbs.
 *
 * ```ts
 * import { IPRoute, netns } from "@denonet/netlink";
 * const ns = `nldoc-iproute-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   using ip = new IPRoute({ netns: ns });
 *   await ip.link("add", { ifname: "tap0", kind: "tuntap", mode: "tap" });
 *   const [dev] = await ip.linkLookup({ ifname: "tap0" });
 *   await ip.link("set", { index: dev, state: "down" });
 *   await ip.addr("add", { index: dev, address: "10.0.0.1", mask: 24 });
 * } finally {
 *   netns.remove(ns);
 * }
 * ```
 */
export class IPRoute extends RtnlCore {
  /** Opens an rtnetlink socket (in `options.netns` when given). */
  constructor(options: IPRouteOptions = {}) {
    checkArgs("IPRoute", 1, arguments.length);
    super(options);
  }

  /**
   * Adds, changes, deletes or gets a link (`get` resolves with the link); `"dump"`/`"show"` list
   * links as {@link IPRoute.getLinks} does. pyroute2 0.1.3's positional index works too:
   * `link("set", index, { state: "up" })`; `"delete"`/`"remove"` mean `"del"`.
   */
  link(cmd: "dump" | "show", filter?: LinkFilter): Promise<Link[]>;
  /** Adds, changes, deletes or gets a link. */
  link(cmd: LinkCommand | CompatDelete, spec: LinkSpec & WithSignal): Promise<Link[]>;
  /** pyroute2 0.1.3's form: the interface positionally, then the rest of the spec. */
  link(
    cmd: LinkCommand | CompatDelete,
    index: IndexArg,
    spec?: LinkSpec & WithSignal,
  ): Promise<Link[]>;
  link(cmd: string, ...args: unknown[]): Promise<Link[]> {
    checkArgs("link", 3, arguments.length);
    if (isListing(cmd)) {
      checkArgs(`link("${cmd}")`, 2, arguments.length);
      return getLinks(this, args[0] as LinkFilter);
    }
    return linkCommand(
      this,
      commandName(cmd) as LinkCommand,
      indexed("link", "index", args) as LinkSpec,
    );
  }

  /**
   * Every link, or those matching the filter (`{ kind: "veth" }`, `{ master: 3 }`, …); given
   * indexes (pyroute2's `get_links(*indexes)`), those links in that order.
   */
  getLinks(filter?: LinkFilter): Promise<MessageList<Link>>;
  /** The links of these indexes (or interface objects), in order. */
  getLinks(...indexes: IndexArg[]): Promise<Link[]>;
  getLinks(...args: unknown[]): Promise<Link[]> {
    const { filter, indexes } = listArgs("getLinks", args, "index");
    if (!indexes) return getLinks(this, filter as LinkFilter);
    return (async () => {
      const out: Link[] = [];
      for (const index of indexes) out.push(...await linkCommand(this, "get", { index }));
      return out;
    })();
  }

  /** Indexes of links matching the filter; `{ ifname }` alone is a kernel get, not a dump. */
  linkLookup(filter: LinkFilter): Promise<number[]> {
    checkArgs("linkLookup", 1, arguments.length);
    return linkLookup(this, filter);
  }

  /**
   * Adds, deletes or replaces an address; `"dump"`/`"show"`/`"get"` list addresses as
   * {@link IPRoute.getAddr} does. pyroute2 0.1.3's positional forms work too:
   * `addr("add", index, { address, mask })`, `addr("add", index, "10.0.0.1", 24)`.
   */
  addr(cmd: "dump" | "show" | "get", filter?: AddrFilter): Promise<Addr[]>;
  /** Adds, deletes or replaces an address. */
  addr(cmd: AddrCommand | CompatDelete, spec: AddrSpec & WithSignal): Promise<void>;
  /** pyroute2 0.1.3's form: the interface positionally, then the spec. */
  addr(
    cmd: AddrCommand | CompatDelete,
    index: IndexArg,
    spec: Omit<AddrSpec, "index"> & WithSignal,
  ): Promise<void>;
  /** pyroute2 0.1.3's form: interface, address and mask positionally. */
  addr(
    cmd: AddrCommand | CompatDelete,
    index: IndexArg,
    address: string,
    mask?: number,
    spec?: Omit<AddrSpec, "index" | "address"> & WithSignal,
  ): Promise<void>;
  addr(cmd: string, ...args: unknown[]): Promise<void | Addr[]> {
    checkArgs("addr", 5, arguments.length);
    if (isListing(cmd, ["get"])) {
      checkArgs(`addr("${cmd}")`, 2, arguments.length);
      return getAddr(this, args[0] as AddrFilter);
    }
    return addrCommand(this, commandName(cmd) as AddrCommand, addrArgs(args) as AddrSpec);
  }

  /** Every address, or those matching the filter (pyroute2's `get_addr(family)`: `getAddr(10)`). */
  getAddr(filter?: AddrFilter): Promise<MessageList<Addr>>;
  /** Addresses of one family (2 or 10), optionally filtered further. */
  getAddr(family: number, filter?: AddrFilter): Promise<MessageList<Addr>>;
  getAddr(...args: unknown[]): Promise<MessageList<Addr>> {
    return getAddr(this, listArgs("getAddr", args, "family").filter as AddrFilter);
  }

  /**
   * Deletes the addresses matching the filter; resolves with how many. An empty filter is
   * refused: `{ all: true }` deletes every address (127.0.0.1 included).
   */
  flushAddr(filter: AddrFilter & FlushAll): Promise<number> {
    checkArgs("flushAddr", 1, arguments.length);
    return flushAddr(this, filter);
  }

  /**
   * Adds, deletes, replaces, changes, appends or gets a route (`get` resolves with the route);
   * `"dump"`/`"show"` list routes as {@link IPRoute.getRoutes} does. pyroute2 0.1.3's
   * `route("add", prefix, mask, spec)` works too.
   */
  route(cmd: "dump" | "show", filter?: RouteFilter): Promise<Route[]>;
  /** Adds, deletes, replaces, changes, appends or gets a route. */
  route(cmd: RouteCommand | CompatDelete, spec: RouteSpecInput & WithSignal): Promise<Route[]>;
  /** pyroute2 0.1.3's form: the prefix and its length positionally. */
  route(
    cmd: RouteCommand | CompatDelete,
    prefix: string,
    mask: number,
    spec?: RouteSpecInput & WithSignal,
  ): Promise<Route[]>;
  route(cmd: string, ...args: unknown[]): Promise<Route[]> {
    checkArgs("route", 4, arguments.length);
    if (isListing(cmd)) {
      checkArgs(`route("${cmd}")`, 2, arguments.length);
      return getRoutes(this, args[0] as RouteFilter);
    }
    return routeCommand(this, commandName(cmd) as RouteCommand, routeArgs(args) as RouteSpec);
  }

  /** Every route, or those matching the filter (family, table and oif filter in the kernel). */
  getRoutes(filter?: RouteFilter): Promise<MessageList<Route>> {
    checkArgs("getRoutes", 1, arguments.length);
    return getRoutes(this, filter);
  }

  /**
   * Default routes (dst_len 0) of both families, or as the filter says (pyroute2's
   * `get_default_routes(family, table)`: `getDefaultRoutes({ table: 254 })`).
   */
  getDefaultRoutes(filter: RouteFilter = {}): Promise<MessageList<Route>> {
    checkArgs("getDefaultRoutes", 1, arguments.length);
    return getRoutes(this, { ...filter, dst_len: 0 } as RouteFilter);
  }

  /** Iterates routes as they arrive, without holding the whole table. */
  iterRoutes(filter?: RouteFilter): AsyncGenerator<Route> {
    checkArgs("iterRoutes", 1, arguments.length);
    return iterRoutes(this, filter);
  }

  /**
   * Iterates routes a datagram at a time: each item is the array of matching routes one
   * received datagram held (one await per page of hundreds of routes, not per route).
   *
   * ```ts ignore
   * for await (const page of ip.iterRoutePages()) for (const r of page) use(r.dst);
   * ```
   */
  iterRoutePages(filter?: RouteFilter): AsyncGenerator<Route[]> {
    checkArgs("iterRoutePages", 1, arguments.length);
    return iterRoutePages(this, filter);
  }

  /**
   * Deletes the routes matching the filter; resolves with how many. An empty filter is refused:
   * `{ all: true }` deletes every route of every table.
   */
  flushRoutes(filter: RouteFilter & FlushAll): Promise<number> {
    checkArgs("flushRoutes", 1, arguments.length);
    return flushRoutes(this, filter);
  }

  /**
   * Adds, deletes or replaces a policy routing rule; `"dump"`/`"show"` list rules as
   * {@link IPRoute.getRules} does. pyroute2's positional `rule("add", table, priority, action)`
   * works too.
   */
  rule(cmd: "dump" | "show", filter?: RuleFilter): Promise<Rule[]>;
  /** Adds, deletes or replaces a policy routing rule. */
  rule(cmd: RuleCommand | CompatDelete, spec: RuleSpecInput & WithSignal): Promise<void>;
  /** pyroute2's positional form: table and priority, then the rest of the spec. */
  rule(
    cmd: RuleCommand | CompatDelete,
    table: number,
    priority?: number,
    spec?: RuleSpecInput & WithSignal,
  ): Promise<void>;
  /** pyroute2's positional form: table, priority and action, then the rest of the spec. */
  rule(
    cmd: RuleCommand | CompatDelete,
    table: number,
    priority: number,
    action: string,
    spec?: RuleSpecInput & WithSignal,
  ): Promise<void>;
  rule(cmd: string, ...args: unknown[]): Promise<void | Rule[]> {
    checkArgs("rule", 5, arguments.length);
    if (isListing(cmd)) {
      checkArgs(`rule("${cmd}")`, 2, arguments.length);
      return getRules(this, args[0] as RuleFilter);
    }
    return ruleCommand(this, commandName(cmd) as RuleCommand, ruleArgs(args) as RuleSpec);
  }

  /**
   * Deletes the rules matching the filter (pyroute2's `flush_rules`); resolves with how many.
   * An empty filter is refused: `{ all: true }` deletes every rule but the kernel's defaults
   * (priority 0, 32766 and 32767 stay, as `ip rule flush` leaves them).
   */
  flushRules(filter: RuleFilter & FlushAll): Promise<number> {
    checkArgs("flushRules", 1, arguments.length);
    return flushRules(this, filter);
  }

  /** Every rule, or those matching the filter (`{ priority: (p) => p > 100 }`). */
  getRules(filter?: RuleFilter): Promise<MessageList<Rule>> {
    checkArgs("getRules", 1, arguments.length);
    return getRules(this, filter);
  }

  /**
   * Adds, deletes, replaces or changes a neighbour entry; `"dump"`/`"show"` list entries as
   * {@link IPRoute.getNeighbours} does; `"get"` asks the kernel for one entry
   * (`neigh("get", { dst, ifindex })`, RTM_GETNEIGH as `ip neigh get`: a list of one, or an
   * ENOENT `NetlinkError`).
   */
  neigh(cmd: "dump" | "show", filter?: NeighFilter): Promise<Neigh[]>;
  /** Asks the kernel for one neighbour entry (RTM_GETNEIGH): a list of one. */
  neigh(cmd: "get", spec: NeighGetSpec & WithSignal): Promise<Neigh[]>;
  /** Adds, deletes, replaces or changes a neighbour entry. */
  neigh(cmd: NeighCommand | CompatDelete, spec: NeighSpec & WithSignal): Promise<void>;
  neigh(cmd: string, spec?: unknown): Promise<void | Neigh[]> {
    checkArgs("neigh", 2, arguments.length);
    if (cmd === "get") return getNeighbour(this, spec as NeighGetSpec);
    if (isListing(cmd)) return getNeighbours(this, spec as NeighFilter);
    return neighCommand(this, commandName(cmd) as NeighCommand, spec as NeighSpec);
  }

  /** Every neighbour entry, or those matching the filter. */
  getNeighbours(filter?: NeighFilter): Promise<MessageList<Neigh>> {
    checkArgs("getNeighbours", 1, arguments.length);
    return getNeighbours(this, filter);
  }

  /** Adds, deletes or replaces a nexthop object. */
  nexthop(cmd: NexthopCommand, spec: NexthopSpec & WithSignal): Promise<void> {
    checkArgs("nexthop", 2, arguments.length);
    return nexthopCommand(this, cmd, spec);
  }

  /** Every nexthop object, or those matching the filter. */
  getNexthops(filter?: NexthopFilter): Promise<Nexthop[]> {
    checkArgs("getNexthops", 1, arguments.length);
    return getNexthops(this, filter);
  }

  /**
   * Adds or deletes a bridge forwarding database entry; `"dump"`/`"show"` list entries as
   * {@link IPRoute.getFdb} does.
   */
  fdb(cmd: "dump" | "show", filter?: FdbFilter): Promise<FdbEntry[]>;
  /** Adds or deletes a bridge forwarding database entry. */
  fdb(cmd: FdbCommand | CompatDelete, spec: FdbSpec & WithSignal): Promise<void>;
  fdb(cmd: string, spec?: unknown): Promise<void | FdbEntry[]> {
    checkArgs("fdb", 2, arguments.length);
    if (isListing(cmd)) return getFdb(this, spec as FdbFilter);
    return fdbCommand(this, commandName(cmd) as FdbCommand, spec as FdbSpec);
  }

  /**
   * Bridge port settings, as pyroute2's `brport`: `brport("set", { index, cost: 200,
   * unicast_flood: false })` (IFLA_BRPORT_* names without the prefix, or with `brport_`), and
   * `"dump"`/`"show"`/`"get"` for the ports' AF_BRIDGE messages (`protinfo` holds the settings).
   */
  brport(cmd: "dump" | "show" | "get", filter?: LinkFilter): Promise<Link[]>;
  /** Sets bridge port settings. */
  brport(cmd: "set", spec: BrportSpec & WithSignal): Promise<Link[]>;
  brport(cmd: string, spec?: unknown): Promise<Link[]> {
    checkArgs("brport", 2, arguments.length);
    return brport(this, cmd, spec);
  }

  /** The bridge forwarding database. */
  getFdb(filter?: FdbFilter): Promise<MessageList<FdbEntry>> {
    checkArgs("getFdb", 1, arguments.length);
    return getFdb(this, filter);
  }

  /** Adds or removes VLANs of a bridge port. */
  vlanFilter(cmd: VlanCommand, spec: VlanSpec & WithSignal): Promise<void> {
    checkArgs("vlanFilter", 2, arguments.length);
    return vlanFilter(this, cmd, spec);
  }

  /** VLANs of bridge ports. */
  getVlans(filter?: VlanFilter): Promise<PortVlans[]> {
    checkArgs("getVlans", 1, arguments.length);
    return getVlans(this, filter);
  }

  /**
   * Traffic control: `tc("add", "htb", { index, handle: "1:" })`, classes (`"add-class"`),
   * filters (`"add-filter"`) and actions; the spec takes the kind's options (typed per kind).
   * A delete may leave the kind empty (`""`). pyroute2's positional form works too:
   * `tc("add", "htb", index, 0x10000, { default: 0x200000 })`, and `"delete"`/`"remove"`.
   */
  tc<C extends TcCommand, K extends TcKindOf<TcObjectOf<C>> | "">(
    cmd: C,
    kind: K,
    spec: TcSpecFor<C, K> & WithSignal,
  ): Promise<void>;
  /** pyroute2's positional form: interface and handle, then the rest of the spec. */
  tc(
    cmd: TcCommand | CompatDelete,
    kind: string,
    index: IndexArg,
    handle?: number | string,
    spec?: TcSpec & WithSignal,
  ): Promise<void>;
  /** pyroute2's positional form without a handle: the interface, then the rest of the spec. */
  tc(
    cmd: TcCommand | CompatDelete,
    kind: string,
    index: IndexArg,
    spec?: TcSpec & WithSignal,
  ): Promise<void>;
  /** pyroute2's `"delete"`/`"remove"` for `"del"`. */
  tc(cmd: CompatDelete, kind: string, spec: TcSpec & WithSignal): Promise<void>;
  tc(cmd: string, kind: string, ...args: unknown[]): Promise<void> {
    checkArgs("tc", 5, arguments.length);
    return tcCommand(this, commandName(cmd) as TcCommand, kind, tcArgs(args) as TcSpec);
  }

  /** Queueing disciplines. */
  getQdiscs(filter?: TcFilter): Promise<MessageList<TcMessage>> {
    checkArgs("getQdiscs", 1, arguments.length);
    return getQdiscs(this, filter);
  }

  /** Traffic classes. */
  getClasses(filter?: TcFilter): Promise<TcMessage[]> {
    checkArgs("getClasses", 1, arguments.length);
    return getClasses(this, filter);
  }

  /** Traffic filters. */
  getFilters(filter?: TcFilter): Promise<TcMessage[]> {
    checkArgs("getFilters", 1, arguments.length);
    return getFilters(this, filter);
  }

  /**
   * Sets (`"set"`, `{ netns, nsid }`) or reads (`"get"`) the id this namespace knows another
   * namespace by; `get` resolves with the answer (`nsid` -1: none assigned).
   */
  nsid(cmd: NsidCommand, spec: NsidSpec & WithSignal): Promise<Nsid[]> {
    checkArgs("nsid", 2, arguments.length);
    return nsidCommand(this, cmd, spec);
  }

  /** Every namespace id assigned here (or, with `target_nsid`, in that namespace). */
  getNsids(filter?: NsidFilter & { signal?: AbortSignal }): Promise<MessageList<Nsid>> {
    checkArgs("getNsids", 1, arguments.length);
    return getNsids(this, filter);
  }

  /**
   * Subscribes to events on the given groups (default: links, addresses, routes, rules,
   * neighbours, nexthops) in this connection's namespace, on a socket of its own, bound and
   * subscribed when this returns: nothing that happens after the call is missed, however late
   * the first `next()`. Iterate it (`for await`), and `close()` it (or `break`, or `signal`).
   */
  monitor(options: MonitorOptions = {}): Monitor {
    checkArgs("monitor", 1, arguments.length);
    checkMonitorOptions(options);
    return monitor({ ...options, netns: this.netns });
  }

  /**
   * Pipelines the requests `fn` queues (`b.route("add", …)`) and waits for every ack; resolves
   * with how many were applied or throws a BatchError listing each failure.
   */
  batch(fn: (b: Batch) => void | Promise<void>, options: BatchOptions = {}): Promise<number> {
    checkArgs("batch", 2, arguments.length);
    if (typeof fn !== "function") {
      throw new TypeError(`fn: expected a function that queues requests, got ${typeof fn}`);
    }
    checkKeys(options, BATCH_OPTIONS);
    return runBatch(this, fn, options);
  }
}

const BATCH_OPTIONS = new KeySet("batch option", ["window", "signal"]);

export { Batch };
