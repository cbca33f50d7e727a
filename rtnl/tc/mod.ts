/**
 * Traffic control: queueing disciplines, classes, filters and actions.
 *
 * @module
 */

import type { TypedMessage } from "../../netlink/view.ts";
import type { MessageSchema } from "../../netlink/schema.ts";
import type { Built, RtnlCore } from "../core.ts";

/** A tc message view (qdisc, class or filter). */
export type TcMessage = TypedMessage<MessageSchema>;
/** tc commands. */
export type TcCommand =
  | "add"
  | "del"
  | "replace"
  | "change"
  | "add-class"
  | "del-class"
  | "change-class"
  | "replace-class"
  | "add-filter"
  | "del-filter"
  | "replace-filter"
  | "change-filter";

/** Builds a tc request. */
export function buildTc(
  _core: RtnlCore,
  _cmd: TcCommand,
  _kind: string,
  _spec: Record<string, unknown>,
): Promise<Built> {
  return Promise.reject(new Error("tc: not implemented yet"));
}

/** Runs a tc command. */
export async function tcCommand(
  core: RtnlCore,
  cmd: TcCommand,
  kind: string,
  spec: Record<string, unknown>,
): Promise<void> {
  await core.send(await buildTc(core, cmd, kind, spec));
}

/** Dumps qdiscs. */
export function getQdiscs(
  _core: RtnlCore,
  _filter: Record<string, unknown> = {},
): Promise<TcMessage[]> {
  return Promise.reject(new Error("getQdiscs: not implemented yet"));
}

/** Dumps classes. */
export function getClasses(
  _core: RtnlCore,
  _filter: Record<string, unknown> = {},
): Promise<TcMessage[]> {
  return Promise.reject(new Error("getClasses: not implemented yet"));
}

/** Dumps filters. */
export function getFilters(
  _core: RtnlCore,
  _filter: Record<string, unknown> = {},
): Promise<TcMessage[]> {
  return Promise.reject(new Error("getFilters: not implemented yet"));
}
