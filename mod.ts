/**
 * The netlink library for Deno: configure Linux networking (links, addresses, routes, rules,
 * neighbours, bridges, traffic control, namespaces) and read per-task statistics by talking
 * netlink to the kernel. Needs only `--allow-ffi`.
 *
 * This entry point holds the user API: the {@link IPRoute}, {@link IPDB}, {@link TaskStats} and
 * {@link GenericNetlink} classes, `netns`, the errors, and the types of requests, views and
 * events. More in the other entry points: `./iproute` (tc and name helpers, batches),
 * `./ipdb`, `./taskstats` (the record layout), `./netns`, and for code that speaks netlink
 * itself `./netlink` (schema language, views, engine) and `./schemas` (rtnetlink tables).
 *
 * @example
 * ```ts
 * import { IPRoute, netns } from "@denonet/netlink";
 * const ns = `nldoc-mod-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   using ip = new IPRoute({ netns: ns });
 *   await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
 *   console.log((await ip.getLinks()).map((l) => l.ifname));
 * } finally {
 *   netns.remove(ns);
 * }
 * ```
 *
 * @module
 */

// rtnetlink
export {
  Batch,
  BatchError,
  ifaddrmsg,
  ifinfmsg,
  IPRoute,
  nameOf,
  NoSuchInterfaceError,
  PartialChangeError,
} from "./rtnl/mod.ts";
export type {
  Addr,
  AddrCommand,
  AddrFilter,
  AddrSpec,
  BatchFailure,
  BatchOptions,
  BridgeVlan,
  FdbCommand,
  FdbEntry,
  FdbFilter,
  FdbSpec,
  FilterCommon,
  FilterValue,
  FlushAll,
  GroupName,
  IPRouteOptions,
  Link,
  LinkCommand,
  LinkFilter,
  LinkSpec,
  MessageFilter,
  Monitor,
  MonitorEvent,
  MonitorOptions,
  NameKind,
  Neigh,
  NeighCommand,
  NeighFilter,
  NeighGetSpec,
  NeighSpec,
  NextHop,
  Nexthop,
  NexthopCommand,
  NexthopFilter,
  NexthopGroupMember,
  NextHopSpec,
  NexthopSpec,
  Nsid,
  NsidCommand,
  NsidFilter,
  NsidSpec,
  NudName,
  PortVlans,
  RangeSpec,
  Route,
  RouteCommand,
  RouteFilter,
  RouteSpec,
  RtnlDumpOptions,
  Rule,
  RuleCommand,
  RuleFilter,
  RuleSpec,
  Seg6Encap,
  TcCommand,
  TcFilter,
  TcKindOf,
  TcMessage,
  TcObjectOf,
  TcSpec,
  TcSpecFor,
  TuntapLink,
  TuntapSpec,
  VlanCommand,
  VlanFilter,
  VlanSpec,
  WithSignal,
} from "./rtnl/mod.ts";

// IPDB
export {
  CommitError,
  CommitTimeoutError,
  Interface,
  Interfaces,
  IPAddrSet,
  IPDB,
  IPDBClosedError,
  IPDBRoute,
  IPDBRule,
  MultiIPDB,
  PortSet,
  Routes,
  RouteTable,
  Rules,
  Tracked,
  Transaction,
} from "./ipdb/mod.ts";
export type {
  AddressInput,
  ChangesOptions,
  CommitErrorDetails,
  CommitOptions,
  InterfaceAttributes,
  InterfaceDeclaredNames,
  InterfaceKindData,
  InterfaceLinkValues,
  InterfaceMap,
  InterfacePeer,
  InterfaceWritableNames,
  IPDBChange,
  IPDBOptions,
  IPDBStats,
  MultiChangesOptions,
  MultiIPDBChange,
  MultiIPDBOptions,
  RouteKey,
  RouteMap,
  RouteTableMap,
  RouteTables,
  RuleFields,
} from "./ipdb/mod.ts";

// TaskStats
export { TaskStats } from "./taskstats/mod.ts";
export type {
  TaskExit,
  TaskStatsEvent,
  TaskStatsMonitorOptions,
  TaskStatsOptions,
  TaskstatsRecord,
} from "./taskstats/mod.ts";

// Sockets (sock_diag) and host events (proc connector, uevents)
export { SockDiag } from "./diag/mod.ts";
export type {
  InetQuery,
  InetSocket,
  InetTuple,
  NetlinkSocketInfo,
  PacketSocket,
  SockDiagOptions,
  SocketList,
  SockFilter,
  TcpInfo,
  TcpSocket,
  UnixSocket,
} from "./diag/mod.ts";
export { ProcConnectorUnavailableError, ProcEvents, Uevents } from "./events/mod.ts";
export type { ProcEvent, ProcEventsOptions, Uevent, UeventsOptions } from "./events/mod.ts";

// Namespaces, generic netlink, errors
export * as netns from "./ffi/netns.ts";
export {
  DecodeError,
  DumpInterruptedError,
  GenericNetlink,
  NetlinkError,
  OverrunError,
  PermissionError,
  SocketClosedError,
  Subscription,
  SyscallError,
} from "./netlink/mod.ts";
export type { ExtAck, GenlFamily } from "./netlink/mod.ts";
