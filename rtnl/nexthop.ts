/**
 * Nexthop objects: `nexthop(cmd, spec)`, `getNexthops(filter)`.
 *
 * @module
 */

import type { TypedMessage } from "../netlink/view.ts";
import type { MessageSchema } from "../netlink/schema.ts";
import type { Built, RtnlCore } from "./core.ts";

/** A nexthop message view. */
export type Nexthop = TypedMessage<MessageSchema>;
/** Nexthop commands. */
export type NexthopCommand = "add" | "del" | "replace";
/** A nexthop spec. */
export type NexthopSpec = Record<string, unknown>;

/** Builds a nexthop request. */
export function buildNexthop(
  _core: RtnlCore,
  _cmd: NexthopCommand,
  _spec: NexthopSpec,
): Promise<Built> {
  return Promise.reject(new Error("nexthop: not implemented yet"));
}

/** Runs a nexthop command. */
export async function nexthopCommand(
  core: RtnlCore,
  cmd: NexthopCommand,
  spec: NexthopSpec,
): Promise<void> {
  await core.send(await buildNexthop(core, cmd, spec));
}

/** Dumps nexthops. */
export function getNexthops(
  _core: RtnlCore,
  _filter: Record<string, unknown> = {},
): Promise<Nexthop[]> {
  return Promise.reject(new Error("getNexthops: not implemented yet"));
}
