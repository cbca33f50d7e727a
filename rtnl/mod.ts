/**
 * rtnetlink: the {@link IPRoute} class and the schemas of link, address, route, rule,
 * neighbour, nexthop and traffic-control messages.
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
export { NoSuchInterfaceError, RtnlCore } from "./core.ts";
export type { Built, IPRouteOptions } from "./core.ts";
export type { Link, LinkCommand, LinkFilter, LinkSpec } from "./link.ts";
export type { TuntapLink, TuntapSpec } from "./tuntap.ts";
export type { Addr, AddrCommand, AddrFilter, AddrSpec } from "./addr.ts";
export { IFAPROT } from "./addr.ts";
export type {
  NextHop,
  NextHopSpec,
  Route,
  RouteCommand,
  RouteFilter,
  RouteSpec,
  Seg6Encap,
} from "./route.ts";
export { multipathOf } from "./route.ts";
export type { RangeSpec, Rule, RuleCommand, RuleFilter, RuleSpec } from "./rule.ts";
export { IPPROTO } from "./rule.ts";
export type { Neigh, NeighCommand, NeighFilter, NeighSpec, NudName } from "./neigh.ts";
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
  TcCommand,
  TcFilter,
  TcMessage,
  TcSpec,
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
  TC_H,
  xmitsize,
} from "./tc/mod.ts";
export { Batch, BatchError } from "./batch.ts";
export type { BatchFailure, BatchOptions } from "./batch.ts";
export { decodeEvents, DEFAULT_GROUPS, monitor } from "./monitor.ts";
export type { GroupName, MonitorEvent, MonitorOptions } from "./monitor.ts";
export * from "./constants.ts";
export { IFINFOMSG, IFLA, IFLA_TABLE, LINK_MESSAGE } from "./schemas/link.ts";
export { ADDR_MESSAGE, IFA, IFA_F, IFA_TABLE, IFADDRMSG } from "./schemas/addr.ts";
export { LWTUNNEL_ENCAP, ROUTE_MESSAGE, RTA, RTA_TABLE, RTM_F, RTMSG } from "./schemas/route.ts";
export { FIB_RULE, FIB_RULE_HDR, FR_ACT, FRA, FRA_TABLE, RULE_MESSAGE } from "./schemas/rule.ts";
export { NDA, NDA_TABLE, NDMSG, NEIGH_MESSAGE, NTF, NTF_EXT } from "./schemas/neigh.ts";
export {
  NEXTHOP_GRP_TYPE,
  NEXTHOP_MESSAGE,
  NHA,
  NHA_TABLE,
  NHMSG,
  RTNH_F,
} from "./schemas/nexthop.ts";
export { BRIDGE_VLAN_INFO_F } from "./schemas/bridge.ts";
export { TC_MESSAGE, TCA, TCA_TABLE, TCMSG } from "./schemas/tc.ts";
