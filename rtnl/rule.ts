/**
 * Policy routing rules: `rule(cmd, spec)`, `getRules(filter)`.
 *
 * @module
 */

import type { TypedMessage } from "../netlink/view.ts";
import type { MessageSchema } from "../netlink/schema.ts";
import type { Built, RtnlCore } from "./core.ts";

/** A rule message view. */
export type Rule = TypedMessage<MessageSchema>;
/** Rule commands. */
export type RuleCommand = "add" | "del" | "replace";
/** A rule spec. */
export type RuleSpec = Record<string, unknown>;

/** Builds a rule request. */
export function buildRule(_core: RtnlCore, _cmd: RuleCommand, _spec: RuleSpec): Promise<Built> {
  return Promise.reject(new Error("rule: not implemented yet"));
}

/** Runs a rule command. */
export async function ruleCommand(core: RtnlCore, cmd: RuleCommand, spec: RuleSpec): Promise<void> {
  await core.send(await buildRule(core, cmd, spec));
}

/** Dumps rules. */
export function getRules(_core: RtnlCore, _filter: Record<string, unknown> = {}): Promise<Rule[]> {
  return Promise.reject(new Error("getRules: not implemented yet"));
}
