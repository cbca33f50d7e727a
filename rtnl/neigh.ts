/**
 * Neighbours (ARP/NDP): `neigh(cmd, spec)`, `getNeighbours(filter)`.
 *
 * @module
 */

import type { TypedMessage } from "../netlink/view.ts";
import type { MessageSchema } from "../netlink/schema.ts";
import type { Built, RtnlCore } from "./core.ts";

/** A neigh message view. */
export type Neigh = TypedMessage<MessageSchema>;
/** Neigh commands. */
export type NeighCommand = "add" | "del" | "replace";
/** A neigh spec. */
export type NeighSpec = Record<string, unknown>;

/** Builds a neigh request. */
export function buildNeigh(_core: RtnlCore, _cmd: NeighCommand, _spec: NeighSpec): Promise<Built> {
  return Promise.reject(new Error("neigh: not implemented yet"));
}

/** Runs a neigh command. */
export async function neighCommand(
  core: RtnlCore,
  cmd: NeighCommand,
  spec: NeighSpec,
): Promise<void> {
  await core.send(await buildNeigh(core, cmd, spec));
}

/** Dumps neighs. */
export function getNeighbours(
  _core: RtnlCore,
  _filter: Record<string, unknown> = {},
): Promise<Neigh[]> {
  return Promise.reject(new Error("getNeighbours: not implemented yet"));
}
