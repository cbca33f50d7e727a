/**
 * IPDB: a transactional database of the network, kept in sync with the kernel by events.
 *
 * Interfaces, addresses, routes and rules of a namespace as objects. Writes go into each
 * object's pending transaction; `review()` shows them, `rollback()` drops them, `commit()`
 * applies them in an order the kernel accepts and resolves once the kernel's own events show
 * the result (undoing everything if the kernel refuses a step). The database follows changes
 * made by anyone else through a monitoring socket, and stays small and fast with a million
 * routes: routes are kept as the kernel's messages in a compact index, and objects are built
 * only when accessed.
 *
 * @example
 * ```ts ignore
 * import { IPDB } from "@denonet/netlink/ipdb";
 * await using db = await IPDB.open({ netns: "blue" });
 * const tap0 = db.interfaces.tap0;
 * tap0.down();
 * tap0.address = "00:11:22:33:44:55";
 * tap0.ifname = "vpn";
 * tap0.ipaddr.add(["10.0.0.1", 24]);
 * console.log(tap0.review());
 * await tap0.commit();
 * await db.interfaces.vpn.transaction((i) => { i.mtu = 1400; });
 * await db.routes.add({ dst: "10.1.0.0/16", gateway: "10.0.0.2" }).commit();
 * ```
 *
 * @module
 */

export { IPDB, Transaction } from "./db.ts";
export type { ChangesOptions, IPDBChange, IPDBOptions, IPDBStats } from "./db.ts";
export { Interface, Interfaces, IPAddrSet, PortSet } from "./interface.ts";
export type { AddressInput, InterfaceMap } from "./interface.ts";
export { IPDBRoute, Routes, RouteTable } from "./route.ts";
export type { RouteKey, RouteMap, RouteTableMap, RouteTables } from "./route.ts";
export { IPDBRule, Rules } from "./rule.ts";
export type { RuleFields } from "./rule.ts";
export { CommitError, CommitTimeoutError, IPDBClosedError } from "./errors.ts";
export type { CommitErrorDetails } from "./errors.ts";
export type { CommitOptions, Committable, Step, WaitKeys } from "./commit.ts";
export { RouteIndex, Store } from "./store.ts";
export type { Applied, RouteId } from "./store.ts";
