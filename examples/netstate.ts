/**
 * netstate: the desired-state layer as a command-line tool.
 *
 * ```
 * netstate show [--netns a,b]                  the namespaces' state as JSON
 * netstate plan FILE [--prune]                 the steps that would apply FILE
 * netstate apply FILE [--prune] [--confirm-within 30s]
 * ```
 *
 * FILE is a JSON document (`-`: standard input) in the format of docs/STATE.md, the same as
 * `show` prints, or a YAML one when its name ends in `.yaml`/`.yml` (the subset of
 * ./yaml_subset.ts: block and flow mappings and sequences, scalars, comments); its namespace names are those under /run/netns (`""` is the namespace the tool
 * runs in). With `--confirm-within`, the change is undone unless ENTER is pressed in time (the
 * safety net of `netplan try` for remote hosts).
 *
 * Exit codes: 0 done; 1 the kernel refused a step (everything applied was undone); 2 bad usage
 * or a bad document (nothing was sent); 3 not confirmed in time (undone).
 *
 * Run: `deno run --allow-ffi --allow-read examples/netstate.ts show --netns blue`
 * (or `deno task netstate show`; `deno compile` works too: every import is static).
 *
 * @module
 */

import { IPDB } from "../mod.ts";
import { apply, ApplyError, plan, snapshot } from "../state/mod.ts";
import type { StateDocument } from "../state/mod.ts";
import { parseYaml } from "./yaml_subset.ts";

const USAGE = `usage:
  netstate show [--netns a,b]
  netstate plan FILE [--prune]
  netstate apply FILE [--prune] [--confirm-within 30s]
FILE: a JSON document (docs/STATE.md), "-" for standard input, or YAML (FILE.yaml, FILE.yml)`;

/** An error of the command line or the document: exit code 2, nothing sent. */
class UsageError extends Error {}

/** "30s", "500ms", "2m", "30" (seconds) → ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!m) throw new UsageError(`--confirm-within: expected a duration such as 30s, got ${text}`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
}

interface Args {
  command: string;
  file?: string;
  netns?: string[];
  prune: boolean;
  confirmWithin?: number;
}

/** Parses the command line (a UsageError naming what is wrong). */
export function parseArgs(argv: string[]): Args {
  const [command, ...rest] = argv;
  if (!command || command === "-h" || command === "--help") throw new UsageError(USAGE);
  if (!["show", "plan", "apply"].includes(command)) {
    throw new UsageError(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
  }
  const args: Args = { command, prune: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a}: needs a value`);
      return v;
    };
    if (a === "--netns" && command === "show") args.netns = value().split(",");
    else if (a === "--prune" && command !== "show") args.prune = true;
    else if (a === "--confirm-within" && command === "apply") {
      args.confirmWithin = parseDuration(value());
    } else if (!a.startsWith("--") && command !== "show" && args.file === undefined) args.file = a;
    else throw new UsageError(`${command}: unexpected argument ${JSON.stringify(a)}\n${USAGE}`);
  }
  if (command !== "show" && args.file === undefined) {
    throw new UsageError(`${command}: needs a FILE\n${USAGE}`);
  }
  if (args.file === "-" && args.confirmWithin !== undefined) {
    throw new UsageError(
      "--confirm-within reads the answer from standard input: FILE must be a path",
    );
  }
  return args;
}

async function readDocument(file: string): Promise<StateDocument> {
  let text: string;
  try {
    text = file === "-"
      ? await new Response(Deno.stdin.readable).text()
      : await Deno.readTextFile(file);
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message}`);
  }
  if (/\.ya?ml$/.test(file)) {
    try {
      return parseYaml(text) as StateDocument;
    } catch (e) {
      throw new UsageError(`${file}: ${(e as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not JSON: ${(e as Error).message}`);
  }
}

async function openAll(names: string[]): Promise<Map<string, IPDB>> {
  const dbs = new Map<string, IPDB>();
  try {
    for (const n of names) dbs.set(n, await IPDB.open(n === "" ? {} : { netns: n }));
  } catch (e) {
    await closeAll(dbs);
    throw e;
  }
  return dbs;
}

async function closeAll(dbs: Map<string, IPDB>): Promise<void> {
  for (const db of dbs.values()) await db.close();
}

/** Resolves true when a line (ENTER) is read from standard input before `signal` aborts. */
async function enterPressed(signal: AbortSignal): Promise<boolean> {
  const reader = Deno.stdin.readable.getReader();
  signal.addEventListener("abort", () => reader.cancel().catch(() => {}), { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || signal.aborted) return false;
      if (value.includes(10)) return true;
    }
  } catch {
    return false;
  } finally {
    reader.releaseLock();
  }
}

/** Runs the tool; resolves with its exit code. */
export async function main(argv: string[], out = console.log, err = console.error) {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    err((e as Error).message);
    return 2;
  }
  const doc = args.file === undefined ? undefined : await readDocument(args.file).catch((e) => e);
  if (doc instanceof Error) {
    err(`netstate: ${doc.message}`);
    return 2;
  }
  const names = doc ? Object.keys((doc as StateDocument).namespaces ?? {}) : args.netns ?? [""];
  let dbs: Map<string, IPDB>;
  try {
    dbs = await openAll(names);
  } catch (e) {
    err(`netstate: ${(e as Error).message}`);
    return 1;
  }
  try {
    if (args.command === "show") {
      out(JSON.stringify(await snapshot(dbs), null, 2));
      return 0;
    }
    if (args.command === "plan") {
      const p = await plan(dbs, doc as StateDocument, { prune: args.prune });
      const steps = p.steps.map((s) => `[${s.namespace}] ${s.describe}\n`).join("");
      out(p.empty ? "no changes" : `${steps}${p.steps.length} steps`);
      // What the document cannot model is left alone: said on stderr, so stdout stays the plan.
      const left = Object.entries(p.review()).flatMap(([ns, lines]) =>
        lines.filter((l) => l.startsWith("= left alone: ")).map((l) => `[${ns}] ${l.slice(14)}`)
      );
      if (left.length) {
        err(
          `netstate: warning: ${left.length} ${
            left.length === 1 ? "object is" : "objects are"
          } not managed (left alone; "unmanaged" in netstate show):\n  ${left.join("\n  ")}`,
        );
      }
      return 0;
    }
    const done = await apply(dbs, doc as StateDocument, {
      prune: args.prune,
      confirmWithin: args.confirmWithin,
    });
    if (done.plan.empty) {
      out("no changes");
      done.confirm();
      return 0;
    }
    out(`${done.plan}\napplied ${done.plan.steps.length} steps`);
    if (args.confirmWithin === undefined) return 0;
    out(`press ENTER within ${args.confirmWithin / 1000} s to keep this state (else it is undone)`);
    const stop = new AbortController();
    const kept = await Promise.race([enterPressed(stop.signal), done.reverted.then(() => false)]);
    stop.abort();
    if (kept && done.confirm()) {
      out("kept");
      return 0;
    }
    await done.reverted;
    for (const e of done.revertErrors) err(`netstate: ${e.message}`);
    out("not confirmed: undone");
    return 3;
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) {
      err(`netstate: ${e.message}`);
      return 2;
    }
    err(`netstate: ${(e as Error).message}`);
    if (e instanceof ApplyError) {
      for (const u of e.undoErrors) err(`netstate: ${u.message}`);
      if (e.undone.length) err(`netstate: undone: ${e.undone.length} steps`);
    }
    return 1;
  } finally {
    await closeAll(dbs);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
