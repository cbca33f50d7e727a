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
import type { MonitorEvent, MonitorOptions } from "./monitor.ts";
import { monitor } from "./monitor.ts";
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
import type { TcCommand, TcMessage } from "./tc/mod.ts";
import { getClasses, getFilters, getQdiscs, tcCommand } from "./tc/mod.ts";

/**
 * An rtnetlink connection with pyroute2's verbs.
 *
 * ```ts
 * import { IPRoute, netns } from "@denonet/netlink";
 * netns.create("nldoc-iproute");
 * try {
 *   using ip = new IPRoute({ netns: "nldoc-iproute" });
 *   await ip.link("add", { ifname: "tap0", kind: "tuntap", mode: "tap" });
 *   const [dev] = await ip.linkLookup({ ifname: "tap0" });
 *   await ip.link("set", { index: dev, state: "down" });
 *   await ip.addr("add", { index: dev, address: "10.0.0.1", mask: 24 });
 * } finally {
 *   netns.remove("nldoc-iproute");
 * }
 * ```
 */
export class IPRoute extends RtnlCore {
  /** Opens an rtnetlink socket (in `options.netns` when given). */
  constructor(options: IPRouteOptions = {}) {
    super(options);
  }

  /** Adds, changes, deletes or gets a link. `get` resolves with the link. */
  link(cmd: LinkCommand, spec: LinkSpec): Promise<Link[]> {
    return linkCommand(this, cmd, spec);
  }

  /** Every link, or those matching the filter (`{ kind: "veth" }`, `{ master: 3 }`, …). */
  getLinks(filter?: LinkFilter): Promise<Link[]> {
    return getLinks(this, filter);
  }

  /** Indexes of links matching the filter; `{ ifname }` alone is a kernel get, not a dump. */
  linkLookup(filter: LinkFilter): Promise<number[]> {
    return linkLookup(this, filter);
  }

  /** Adds, deletes or replaces an address. */
  addr(cmd: AddrCommand, spec: AddrSpec): Promise<void> {
    return addrCommand(this, cmd, spec);
  }

  /** Every address, or those matching the filter. */
  getAddr(filter?: AddrFilter): Promise<Addr[]> {
    return getAddr(this, filter);
  }

  /** Deletes the addresses matching the filter; resolves with how many. */
  flushAddr(filter: AddrFilter): Promise<number> {
    return flushAddr(this, filter);
  }

  /** Adds, deletes, replaces, changes, appends or gets a route. `get` resolves with the route. */
  route(cmd: RouteCommand, spec: RouteSpec): Promise<Route[]> {
    return routeCommand(this, cmd, spec);
  }

  /** Every route, or those matching the filter (family, table and oif filter in the kernel). */
  getRoutes(filter?: RouteFilter): Promise<Route[]> {
    return getRoutes(this, filter);
  }

  /** Iterates routes as they arrive, without holding the whole table. */
  iterRoutes(filter?: RouteFilter): AsyncGenerator<Route> {
    return iterRoutes(this, filter);
  }

  /** Deletes the routes matching the filter; resolves with how many. */
  flushRoutes(filter: RouteFilter): Promise<number> {
    return flushRoutes(this, filter);
  }

  /** Adds, deletes or replaces a policy routing rule. */
  rule(cmd: RuleCommand, spec: RuleSpec): Promise<void> {
    return ruleCommand(this, cmd, spec);
  }

  /** Every rule, or those matching the filter. */
  getRules(filter?: RuleFilter): Promise<Rule[]> {
    return getRules(this, filter);
  }

  /** Adds, deletes, replaces or changes a neighbour entry. */
  neigh(cmd: NeighCommand, spec: NeighSpec): Promise<void> {
    return neighCommand(this, cmd, spec);
  }

  /** Every neighbour entry, or those matching the filter. */
  getNeighbours(filter?: NeighFilter): Promise<Neigh[]> {
    return getNeighbours(this, filter);
  }

  /** Adds, deletes or replaces a nexthop object. */
  nexthop(cmd: NexthopCommand, spec: NexthopSpec): Promise<void> {
    return nexthopCommand(this, cmd, spec);
  }

  /** Every nexthop object, or those matching the filter. */
  getNexthops(filter?: NexthopFilter): Promise<Nexthop[]> {
    return getNexthops(this, filter);
  }

  /** Adds or deletes a bridge forwarding database entry. */
  fdb(cmd: FdbCommand, spec: FdbSpec): Promise<void> {
    return fdbCommand(this, cmd, spec);
  }

  /** The bridge forwarding database. */
  getFdb(filter?: FdbFilter): Promise<FdbEntry[]> {
    return getFdb(this, filter);
  }

  /** Adds or removes VLANs of a bridge port. */
  vlanFilter(cmd: VlanCommand, spec: VlanSpec): Promise<void> {
    return vlanFilter(this, cmd, spec);
  }

  /** VLANs of bridge ports. */
  getVlans(filter?: VlanFilter): Promise<PortVlans[]> {
    return getVlans(this, filter);
  }

  /** Traffic control: `tc("add", "htb", { index, handle: "1:" })`, classes and filters. */
  tc(cmd: TcCommand, kind: string, spec: Record<string, unknown>): Promise<void> {
    return tcCommand(this, cmd, kind, spec);
  }

  /** Queueing disciplines. */
  getQdiscs(filter?: Record<string, unknown>): Promise<TcMessage[]> {
    return getQdiscs(this, filter);
  }

  /** Traffic classes. */
  getClasses(filter?: Record<string, unknown>): Promise<TcMessage[]> {
    return getClasses(this, filter);
  }

  /** Traffic filters. */
  getFilters(filter?: Record<string, unknown>): Promise<TcMessage[]> {
    return getFilters(this, filter);
  }

  /**
   * Events on the given groups (default: links, addresses, routes, rules, neighbours,
   * nexthops) in this connection's namespace, on a socket of their own that closes with the
   * iterator.
   */
  monitor(options: MonitorOptions = {}): AsyncGenerator<MonitorEvent> {
    return monitor({ netns: this.options.netns, ...options });
  }

  /**
   * Pipelines the requests `fn` queues (`b.route("add", …)`) and waits for every ack; resolves
   * with how many were applied or throws a BatchError listing each failure.
   */
  batch(fn: (b: Batch) => void | Promise<void>, options?: BatchOptions): Promise<number> {
    return runBatch(this, fn, options);
  }
}

export { Batch };
