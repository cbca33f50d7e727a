/**
 * rtnetlink: the {@link IPRoute} class and the schemas of link, address, route, rule,
 * neighbour, nexthop and traffic-control messages.
 *
 * @example
 * ```ts ignore
 * import { IPRoute } from "@denonet/netlink/iproute";
 * using ip = new IPRoute();
 * for (const link of await ip.getLinks()) console.log(link.index, link.ifname, link.mtu);
 * ```
 *
 * @module
 */

export { IPRoute } from "./iproute.ts";
export { NoSuchInterfaceError, RtnlCore } from "./core.ts";
export type { Built, IPRouteOptions } from "./core.ts";
export type { Link, LinkCommand, LinkFilter, LinkSpec } from "./link.ts";
export type { Addr, AddrCommand, AddrFilter, AddrSpec } from "./addr.ts";
export type { NextHopSpec, Route, RouteCommand, RouteFilter, RouteSpec } from "./route.ts";
export { multipathOf } from "./route.ts";
export type { Rule, RuleCommand, RuleSpec } from "./rule.ts";
export type { Neigh, NeighCommand, NeighSpec } from "./neigh.ts";
export type { Nexthop, NexthopCommand, NexthopSpec } from "./nexthop.ts";
export type { FdbCommand, FdbEntry, VlanCommand } from "./bridge.ts";
export type { TcCommand, TcMessage } from "./tc/mod.ts";
export { Batch, BatchError } from "./batch.ts";
export type { BatchFailure, BatchOptions } from "./batch.ts";
export { decodeEvents, DEFAULT_GROUPS, monitor } from "./monitor.ts";
export type { GroupName, MonitorEvent, MonitorOptions } from "./monitor.ts";
export * from "./constants.ts";
export { LINK_MESSAGE } from "./schemas/link.ts";
export { ADDR_MESSAGE } from "./schemas/addr.ts";
export { ROUTE_MESSAGE } from "./schemas/route.ts";
export { RULE_MESSAGE } from "./schemas/rule.ts";
export { NEIGH_MESSAGE } from "./schemas/neigh.ts";
export { NEXTHOP_MESSAGE } from "./schemas/nexthop.ts";
export { TC_MESSAGE } from "./schemas/tc.ts";
