/**
 * Desired state: snapshots of what namespaces hold, plans that take them to a desired state,
 * and applying a plan as one transaction with automatic revert.
 *
 * ```ts
 * import { IPDB, IPRoute, netns } from "@denonet/netlink";
 * import { apply, plan, snapshot } from "@denonet/netlink/state";
 * const ns = `nldoc-state-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   await using db = await IPDB.open({ netns: ns });
 *   const dbs = new Map([[ns, db]]);
 *   const desired = {
 *     version: 1 as const,
 *     namespaces: {
 *       [ns]: {
 *         links: [{ ifname: "v0", kind: "veth", peer: "v1", state: "up" as const }],
 *         addresses: [{ dev: "v0", address: "10.0.0.1/24" }],
 *         routes: [{ dst: "10.1.0.0/16", gateway: "10.0.0.2", dev: "v0" }],
 *       },
 *     },
 *   };
 *   console.log((await plan(dbs, desired)).review());
 *   const done = await apply(dbs, desired, { confirmWithin: 30_000 });
 *   done.confirm(); // otherwise undone after 30 s
 *   console.log((await snapshot(dbs)).namespaces[ns].routes);
 * } finally {
 *   netns.remove(ns);
 * }
 * ```
 *
 * The document's format is in docs/STATE.md.
 *
 * @module
 */

export type {
  AddressState,
  FdbState,
  KindName,
  LinkState,
  NamespaceState,
  NeighbourState,
  NexthopState,
  PeerRef,
  RouteState,
  RuleState,
  StateDocument,
  TcState,
  UnmanagedState,
} from "./document.ts";
export { KINDS } from "./document.ts";
export type { IPDB } from "../ipdb/db.ts";
export type { Call, PlanStep, Request } from "./kind.ts";
export { plan, StatePlan } from "./plan.ts";
export type { PlanOptions } from "./plan.ts";
export { snapshot } from "./snapshot.ts";
export { apply } from "./apply.ts";
export type { AppliedState, ApplyOptions } from "./apply.ts";
export { ApplyError } from "./errors.ts";
export type { UndoReport } from "./errors.ts";
