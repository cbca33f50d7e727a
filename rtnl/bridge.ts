/**
 * Bridge forwarding database (`fdb`) and VLAN filtering (`vlanFilter`).
 *
 * @module
 */

import type { TypedMessage } from "../netlink/view.ts";
import type { MessageSchema } from "../netlink/schema.ts";
import type { Built, RtnlCore } from "./core.ts";

/** An fdb entry view. */
export type FdbEntry = TypedMessage<MessageSchema>;
/** fdb commands. */
export type FdbCommand = "add" | "del" | "replace" | "append";
/** VLAN commands. */
export type VlanCommand = "add" | "del";

/** Builds an fdb request. */
export function buildFdb(
  _core: RtnlCore,
  _cmd: FdbCommand,
  _spec: Record<string, unknown>,
): Promise<Built> {
  return Promise.reject(new Error("fdb: not implemented yet"));
}

/** Runs an fdb command. */
export async function fdbCommand(
  core: RtnlCore,
  cmd: FdbCommand,
  spec: Record<string, unknown>,
): Promise<void> {
  await core.send(await buildFdb(core, cmd, spec));
}

/** Dumps the forwarding database. */
export function getFdb(
  _core: RtnlCore,
  _filter: Record<string, unknown> = {},
): Promise<FdbEntry[]> {
  return Promise.reject(new Error("getFdb: not implemented yet"));
}

/** Adds or removes bridge port VLANs. */
export function vlanFilter(
  _core: RtnlCore,
  _cmd: VlanCommand,
  _spec: Record<string, unknown>,
): Promise<void> {
  return Promise.reject(new Error("vlanFilter: not implemented yet"));
}

/** Dumps bridge port VLANs. */
export function getVlans(
  _core: RtnlCore,
  _filter: Record<string, unknown> = {},
): Promise<unknown[]> {
  return Promise.reject(new Error("getVlans: not implemented yet"));
}
