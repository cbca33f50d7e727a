/**
 * iproute2's abbreviation rule, shared by every object, verb and keyword of the tool: a word may
 * be shortened to any non-empty prefix, and where prefixes collide the first word in iproute2's
 * own order wins (its `matches()` if-chains: `ip l s` is `link set`, `ip a s` is `address
 * show`, `ip r` is `route`, `ip ru` is `rule`). Some words are compared whole (`strcmp` in
 * iproute2: `chg`, `up`, `dev`…); their entries say so.
 *
 * @module
 */

import { type Ctx, usage } from "./ctx.ts";

/** iproute2's `matches()`: `arg` is a non-empty prefix of `word`. */
export function matches(arg: string, word: string): boolean {
  return arg.length > 0 && arg.length <= word.length && word.startsWith(arg);
}

/**
 * One entry of an ordered word table: the word, what it selects (`null`: iproute2 has it but
 * this tool does not), and `"exact"` when iproute2 compares it whole.
 */
export type Choice<T> =
  | readonly [word: string, value: T | null]
  | readonly [word: string, value: T | null, exact: "exact"];

/** Whether `arg` selects the entry: the whole word, or for prefix entries a prefix of it. */
export function selects<T>(arg: string, entry: Choice<T>): boolean {
  return entry[2] === "exact" ? arg === entry[0] : matches(arg, entry[0]);
}

/** The first entry of `table` that `arg` selects (iproute2's order decides collisions). */
export function lookup<T>(arg: string, table: readonly Choice<T>[]): Choice<T> | undefined {
  return table.find((entry) => selects(arg, entry));
}

/** Every abbreviation `table` accepts, each with the entry it resolves to. */
export function abbreviations<T>(table: readonly Choice<T>[]): [string, Choice<T>][] {
  const seen = new Map<string, Choice<T>>();
  for (const [word, , exact] of table) {
    const args = exact ? [word] : Array.from(word, (_, i) => word.slice(0, i + 1));
    for (const arg of args) {
      const hit = seen.has(arg) ? undefined : lookup(arg, table);
      if (hit) seen.set(arg, hit);
    }
  }
  return [...seen];
}

/** What a verb does: run with the arguments after it. */
export type VerbHandler = (ctx: Ctx, args: string[]) => Promise<void>;

/** An object's verbs in iproute2's order, the verb run without one, and its help name. */
export interface VerbTable {
  /** The object as iproute2 names it in "try \"ip OBJECT help\"". */
  object: string;
  /** The command-line prefix of that message ("ip" or "tc"). */
  tool?: string;
  /** Verbs in iproute2's order. */
  verbs: readonly Choice<VerbHandler>[];
  /** What `ip OBJECT` alone does (list). */
  none: VerbHandler;
}

/** Runs the verb `args[0]` selects, as iproute2's do_ipOBJECT does. */
export async function dispatch(ctx: Ctx, args: string[], table: VerbTable): Promise<void> {
  const [cmd, ...rest] = args;
  if (cmd === undefined) return await table.none(ctx, []);
  const tool = table.tool ?? "ip";
  const hit = lookup(cmd, table.verbs);
  if (!hit) throw usage(`Command "${cmd}" is unknown, try "${tool} ${table.object} help".`);
  const run = hit[1];
  if (!run) throw notSupported(`${tool} ${table.object} ${hit[0]}`);
  await run(ctx, rest);
}

/** A command iproute2 has and this tool does not (exit 255, before anything is sent). */
export function notSupported(what: string): ReturnType<typeof usage> {
  return usage(`"${what}" is not supported by this tool.`);
}
