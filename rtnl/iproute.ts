/**
 * IPRoute: rtnetlink as is, with pyroute2's verbs and keyword names.
 *
 * @module
 */

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
import type { WithSignal } from "./spec.ts";
import { checkArgs, checkKeys, KeySet } from "../netlink/strict.ts";
import type { Route, RouteCommand, RouteFilter, RouteSpec } from "./route.ts";
import { flushRoutes, getRoutes, iterRoutes, routeCommand } from "./route.ts";
import type { Rule, RuleCommand, RuleFilter, RuleSpec } from "./rule.ts";
import { getRules, ruleCommand } from "./rule.ts";
import type { Neigh, NeighCommand, NeighFilter, NeighSpec } from "./neigh.ts";
import { getNeighbours, neighCommand } from "./neigh.ts";
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

  /** Adds, changes, deletes or gets a link. `get` resolves with the link. */
  link(cmd: LinkCommand, spec: LinkSpec & WithSignal): Promise<Link[]> {
    checkArgs("link", 2, arguments.length);
    return linkCommand(this, cmd, spec);
  }

  /** Every link, or those matching the filter (`{ kind: "veth" }`, `{ master: 3 }`, …). */
  getLinks(filter?: LinkFilter): Promise<Link[]> {
    checkArgs("getLinks", 1, arguments.length);
    return getLinks(this, filter);
  }

  /** Indexes of links matching the filter; `{ ifname }` alone is a kernel get, not a dump. */
  linkLookup(filter: LinkFilter): Promise<number[]> {
    checkArgs("linkLookup", 1, arguments.length);
    return linkLookup(this, filter);
  }

  /** Adds, deletes or replaces an address. */
  addr(cmd: AddrCommand, spec: AddrSpec & WithSignal): Promise<void> {
    checkArgs("addr", 2, arguments.length);
    return addrCommand(this, cmd, spec);
  }

  /** Every address, or those matching the filter. */
  getAddr(filter?: AddrFilter): Promise<Addr[]> {
    checkArgs("getAddr", 1, arguments.length);
    return getAddr(this, filter);
  }

  /**
   * Deletes the addresses matching the filter; resolves with how many. An empty filter is
   * refused: `{ all: true }` deletes every address (127.0.0.1 included).
   */
  flushAddr(filter: AddrFilter & FlushAll): Promise<number> {
    checkArgs("flushAddr", 1, arguments.length);
    return flushAddr(this, filter);
  }

  /** Adds, deletes, replaces, changes, appends or gets a route. `get` resolves with the route. */
  route(cmd: RouteCommand, spec: RouteSpec & WithSignal): Promise<Route[]> {
    checkArgs("route", 2, arguments.length);
    return routeCommand(this, cmd, spec);
  }

  /** Every route, or those matching the filter (family, table and oif filter in the kernel). */
  getRoutes(filter?: RouteFilter): Promise<Route[]> {
    checkArgs("getRoutes", 1, arguments.length);
    return getRoutes(this, filter);
  }

  /** Iterates routes as they arrive, without holding the whole table. */
  iterRoutes(filter?: RouteFilter): AsyncGenerator<Route> {
    checkArgs("iterRoutes", 1, arguments.length);
    return iterRoutes(this, filter);
  }

  /**
   * Deletes the routes matching the filter; resolves with how many. An empty filter is refused:
   * `{ all: true }` deletes every route of every table.
   */
  flushRoutes(filter: RouteFilter & FlushAll): Promise<number> {
    checkArgs("flushRoutes", 1, arguments.length);
    return flushRoutes(this, filter);
  }

  /** Adds, deletes or replaces a policy routing rule. */
  rule(cmd: RuleCommand, spec: RuleSpec & WithSignal): Promise<void> {
    checkArgs("rule", 2, arguments.length);
    return ruleCommand(this, cmd, spec);
  }

  /** Every rule, or those matching the filter (`{ priority: (p) => p > 100 }`). */
  getRules(filter?: RuleFilter): Promise<Rule[]> {
    checkArgs("getRules", 1, arguments.length);
    return getRules(this, filter);
  }

  /** Adds, deletes, replaces or changes a neighbour entry. */
  neigh(cmd: NeighCommand, spec: NeighSpec & WithSignal): Promise<void> {
    checkArgs("neigh", 2, arguments.length);
    return neighCommand(this, cmd, spec);
  }

  /** Every neighbour entry, or those matching the filter. */
  getNeighbours(filter?: NeighFilter): Promise<Neigh[]> {
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

  /** Adds or deletes a bridge forwarding database entry. */
  fdb(cmd: FdbCommand, spec: FdbSpec & WithSignal): Promise<void> {
    checkArgs("fdb", 2, arguments.length);
    return fdbCommand(this, cmd, spec);
  }

  /** The bridge forwarding database. */
  getFdb(filter?: FdbFilter): Promise<FdbEntry[]> {
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
   * A delete may leave the kind empty (`""`).
   */
  tc<C extends TcCommand, K extends TcKindOf<TcObjectOf<C>> | "">(
    cmd: C,
    kind: K,
    spec: TcSpecFor<C, K> & WithSignal,
  ): Promise<void> {
    checkArgs("tc", 3, arguments.length);
    return tcCommand(this, cmd, kind, spec as TcSpec);
  }

  /** Queueing disciplines. */
  getQdiscs(filter?: TcFilter): Promise<TcMessage[]> {
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
  getNsids(filter?: NsidFilter & { signal?: AbortSignal }): Promise<Nsid[]> {
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
