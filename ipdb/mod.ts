/**
 * IPDB: a transactional database of the network, kept in sync with the kernel by events.
 *
 * Interfaces, addresses, routes and rules of a namespace as objects. Writes go into each
 * object's pending transaction (reads show the pending value); `review()` shows them,
 * `rollback()` drops them, `commit()` applies them and resolves once the kernel's own events
 * show the result.
 *
 * - **Order.** One request per change, in an order the kernel accepts: route/rule removals,
 *   creations, down, rename, MTU and other attributes, MAC, up, address removals then
 *   additions, port removals then additions, route/rule additions and changes, interface
 *   removals (last: they cannot be undone).
 * - **Confirmation.** After the acks, the commit waits (default 5 s, `{ timeout }`) until the
 *   database, which only events and dumps change, shows every target; otherwise
 *   {@link CommitTimeoutError}.
 * - **Undo.** A refused step or a timeout undoes the applied steps in reverse order and puts
 *   back what the kernel changed by itself meanwhile (addresses it dropped or relabelled, routes
 *   through a link taken down, a bridge's MAC, IPv6 settings reset by a small MTU), then throws
 *   {@link CommitError} carrying the kernel's error. Irreversible kernel side effects remain:
 *   the first up of a device attaches its default qdisc.
 * - **Following the kernel.** A monitoring socket, subscribed before the initial dumps, applies
 *   every change made by anyone; `changes()` reports them. IPv4 routes the kernel removes
 *   without a word (link down, address removed) are checked with a filtered dump. An overrun
 *   (ENOBUFS) reloads everything from fresh dumps; pending changes are kept.
 * - **Scale.** Routes stay as the kernel's messages in an open-addressing index keyed by table
 *   and destination (about 16 bytes per route besides the message); route objects are built
 *   when accessed. A commit touches only its objects' events.
 *
 * @example
 * ```ts
 * import { IPDB, IPRoute, netns } from "@denonet/netlink";
 * const ns = `nldoc-ipdbmod-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   using ip = new IPRoute({ netns: ns });
 *   // A veth stands in for pyroute2's tap0: its peer gives it a carrier, so routes can use it.
 *   await ip.link("add", { ifname: "tap0", kind: "veth", peer: "tap1" });
 *   await ip.link("set", { index: "tap1", state: "up" });
 *   await using db = await IPDB.open({ netns: ns });
 *   const tap0 = db.interfaces.tap0!;
 *   tap0.down();
 *   tap0.address = "00:11:22:33:44:55";
 *   tap0.ifname = "vpn";
 *   tap0.ipaddr.add(["10.0.0.1", 24]);
 *   console.log(tap0.review());
 *   await tap0.commit();
 *   await db.interfaces.vpn!.transaction((i) => {
 *     i.mtu = 1400;
 *     i.up();
 *   });
 *   await db.routes.add({ dst: "10.1.0.0/16", gateway: "10.0.0.2" }).commit();
 * } finally {
 *   netns.remove(ns);
 * }
 * ```
 *
 * @module
 */

export { IPDB, Transaction } from "./db.ts";
export type { ChangesOptions, IPDBChange, IPDBDifference, IPDBOptions, IPDBStats } from "./db.ts";
export { MultiIPDB } from "./multi.ts";
export type {
  InterfacePeer,
  MultiChangesOptions,
  MultiIPDBChange,
  MultiIPDBOptions,
} from "./multi.ts";
export { Tracked } from "./tracked.ts";
export { Interface, Interfaces } from "./interface.ts";
export type {
  InterfaceAttributes,
  InterfaceDeclaredNames,
  InterfaceKindData,
  InterfaceLinkValues,
  InterfaceMap,
  InterfaceWritableNames,
} from "./interface.ts";
export { IPAddrSet, PortSet } from "./addrset.ts";
export type { AddressDetails, AddressInput, AddressOptions } from "./addrset.ts";
export { IPDBRoute, Routes, RouteTable } from "./route.ts";
export type { RouteKey, RouteMap, RouteTableMap, RouteTables } from "./route.ts";
export { IPDBRule, Rules } from "./rule.ts";
export type { RuleFields } from "./rule.ts";
export { CommitError, CommitTimeoutError, IPDBClosedError } from "./errors.ts";
export type { CommitErrorDetails } from "./errors.ts";
export type { CommitOptions } from "./commit.ts";
export { RouteIndex, Store } from "./store.ts";
export type { Applied, RouteId } from "./store.ts";
