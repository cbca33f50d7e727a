/**
 * rtnetlink: the {@link IPRoute} class, its request and view types, batches, monitors, the
 * name helpers and the traffic-control helpers. The schema tables and kernel constants are in
 * `@denonet/netlink/schemas`.
 *
 * @example
 * ```ts
 * import { IPRoute } from "@denonet/netlink/iproute";
 * using ip = new IPRoute();
 * for (const link of await ip.getLinks()) console.log(link.index, link.ifname, link.mtu);
 * ```
 *
 * @module
 */

export { IPRoute } from "./iproute.ts";
export { ifaddrmsg, ifinfmsg } from "./flags.ts";
export type { FlagNames } from "./flags.ts";
export type { CompatDelete, IndexArg } from "./compat.ts";
export type { BrportSpec } from "./brport.ts";
export { NoSuchInterfaceError, RtnlCore } from "./core.ts";
export type { Built, IPRouteOptions, RtnlDumpOptions } from "./core.ts";
export type { WithSignal } from "./spec.ts";
export type { FilterCommon, FilterValue, FlushAll, MessageFilter } from "./filter.ts";
export type { Link, LinkCommand, LinkFilter, LinkSpec } from "./link.ts";
export type { TuntapLink, TuntapSpec } from "./tuntap.ts";
export type {
  AttrSpec,
  DataKind,
  IndexKey,
  InterfaceRef,
  Intersect,
  LinkAttrSpec,
  LinkKernelSpec,
  LinkKindData,
  LinkKindSpec,
  LinkSpecCommon,
  PortSpec,
  SpecValue,
  TuntapKeys,
  VethPeerSpec,
} from "./link_spec.ts";
export type { Addr, AddrCommand, AddrFilter, AddrSpec } from "./addr.ts";
export { IFAPROT } from "./addr.ts";
export type {
  NextHop,
  NextHopSpec,
  Route,
  RouteCommand,
  RouteFilter,
  RouteKernelKey,
  RouteSpec,
  RouteSpecInput,
  Seg6Encap,
} from "./route.ts";
export { multipathOf } from "./route.ts";
export type {
  RangeSpec,
  Rule,
  RuleCommand,
  RuleFilter,
  RuleKernelKey,
  RuleSpec,
  RuleSpecInput,
} from "./rule.ts";
export type { Nsid, NsidCommand, NsidFilter, NsidSpec } from "./nsid.ts";
export { IPPROTO } from "./rule.ts";
export type {
  Neigh,
  NeighCommand,
  NeighFilter,
  NeighGetSpec,
  NeighSpec,
  NudName,
} from "./neigh.ts";
export type {
  Nexthop,
  NexthopCommand,
  NexthopFilter,
  NexthopGroupMember,
  NexthopSpec,
} from "./nexthop.ts";
export type {
  BridgeVlan,
  FdbCommand,
  FdbEntry,
  FdbFilter,
  FdbSpec,
  PortVlans,
  VlanCommand,
  VlanFilter,
  VlanSpec,
} from "./bridge.ts";
export { FDB_STATE } from "./bridge.ts";
export type {
  ActionSpec,
  TcActionKind,
  TcClassKind,
  TcCommand,
  TcCommonSpec,
  TcFilter,
  TcFilterKind,
  TcKindOf,
  TcMessage,
  TcObject,
  TcObjectOf,
  TcOptions,
  TcOptionTable,
  TcQdiscKind,
  TcSpec,
  TcSpecFor,
  TcValue,
  U32Key,
  U32Match,
  U32Sel,
  U32SelHeader,
  U32Value,
} from "./tc/mod.ts";
export {
  formatHandle,
  formatU32Handle,
  formatU32Key,
  parseClassid,
  parseProtocol,
  parseRate,
  parseSize,
  parseTime,
  protocolName,
  TC_ACT,
  TC_ACTION_OPTIONS,
  TC_CLASS_OPTIONS,
  TC_COMMON_KEYS,
  TC_FILTER_OPTIONS,
  TC_H,
  TC_QDISC_OPTIONS,
  xmitsize,
} from "./tc/mod.ts";
export { Batch, BatchError } from "./batch.ts";
export { PartialChangeError } from "./steps.ts";
export type { BatchFailure, BatchOptions } from "./batch.ts";
export { decodeEvents, DEFAULT_GROUPS, monitor } from "./monitor.ts";
export type {
  GroupName,
  Monitor,
  MonitorEvent,
  MonitorOptions,
  MonitorSocketOptions,
} from "./monitor.ts";
export { nameOf, protoId, routeTypeId, scopeId, tableId } from "./names.ts";
export type { NameKind } from "./names.ts";
export { Subscription } from "../netlink/subscription.ts";
