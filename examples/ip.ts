/**
 * An `ip`-style command-line tool on the library's public API: iproute2's syntax (its
 * abbreviations too: `ip a s`, `ip l s dev v0 up`, `ip r li`), and with `-j` the same JSON
 * iproute2 6.1 prints; `-batch FILE` with `-force`; `ip tc …` as tc prints it, `-s` included.
 *
 * ```sh
 * deno run --allow-ffi examples/ip.ts -j -p addr show dev lo
 * deno run --allow-ffi examples/ip.ts -n blue r s table all
 * deno run --allow-ffi --allow-read examples/ip.ts -force -batch changes.txt
 * deno task compile   # one binary, ./ip-deno (--allow-ffi and --allow-read baked in)
 * ```
 *
 * @module
 */

import { Ctx, ExitError, type Io, type Opts, usage } from "./ip/ctx.ts";
import { type Choice, lookup } from "./ip/match.ts";
import { report, runCommand, USAGE } from "./ip/objects.ts";
import { runBatch } from "./ip/batch.ts";

export type { Io };

const encoder = new TextEncoder();

function writeAll(fd: typeof Deno.stdout, text: string): void {
  const bytes = encoder.encode(text);
  try {
    for (let off = 0; off < bytes.length;) off += fd.writeSync(bytes.subarray(off));
  } catch (e) {
    // `ip … | head`: the reader went away; end quietly, as ip does on SIGPIPE.
    if (e instanceof Deno.errors.BrokenPipe) Deno.exit(141);
    throw e;
  }
}

/** Writes to the process's stdout and stderr. */
export const stdio: Io = {
  out: (t) => writeAll(Deno.stdout, t),
  err: (t) => writeAll(Deno.stderr, t),
};

/** The command line's global options, the object and its arguments, and `-batch`. */
export interface Parsed {
  /** Options every command sees. */
  opts: Opts;
  /** OBJECT and its arguments. */
  rest: string[];
  /** `-batch FILE` (`-` is standard input). */
  batch?: string;
  /** `-force`: a `-batch` run goes on after a failed command. */
  force: boolean;
}

/** What a global option does to the parse: `arg()` takes the word after it. */
type OptionHandler = (p: Parsed, arg: () => string) => void;

const ignore: OptionHandler = () => {};

/**
 * Global options in ip/ip.c's order: each may be abbreviated to any prefix, the first match
 * wins (`-s` is -stats, `-b` -batch, `-br` -brief, `-n` -netns). `"exact"` ones are compared
 * whole. Options this tool accepts but has no use for (-human, -resolve, -timestamp…) do nothing.
 */
export const OPTIONS: readonly Choice<OptionHandler>[] = [
  ["-loops", (_p, arg) => void arg()],
  ["-family", (p, arg) => {
    const f = arg();
    if (f === "help") throw usage(USAGE);
    const fam = FAMILIES[f];
    if (fam === undefined) throw usage(`Error: argument "${f}" is wrong: invalid protocol family`);
    p.opts.family = fam;
  }],
  ["-4", (p) => void (p.opts.family = 2), "exact"],
  ["-6", (p) => void (p.opts.family = 10), "exact"],
  ["-0", (p) => void (p.opts.family = 17), "exact"],
  ["-M", (p) => void (p.opts.family = 28), "exact"],
  ["-B", (p) => void (p.opts.family = 7), "exact"],
  ["-human", ignore],
  ["-human-readable", ignore],
  ["-iec", ignore],
  ["-stats", (p) => void p.opts.stats++],
  ["-statistics", (p) => void p.opts.stats++],
  ["-details", (p) => void p.opts.details++],
  ["-resolve", ignore],
  ["-oneline", (p) => void (p.opts.oneline = true)],
  ["-timestamp", ignore],
  ["-tshort", ignore],
  ["-Version", () => {
    throw new ExitError("ip utility, deno-netlink (iproute2 6.1 compatible output)", 0);
  }],
  ["-force", (p) => void (p.force = true)],
  ["-batch", (p, arg) => void (p.batch = arg())],
  ["-brief", (p) => void (p.opts.brief = true)],
  ["-json", (p) => void (p.opts.json = true)],
  ["-pretty", (p) => void (p.opts.pretty = true)],
  ["-rcvbuf", (_p, arg) => {
    const v = arg();
    if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(v)) throw usage(`Invalid rcvbuf size '${v}'`);
  }],
  ["-color", ignore],
  ["-help", () => {
    throw usage(USAGE);
  }],
  ["-netns", (p, arg) => void (p.opts.netns = arg())],
  ["-Numeric", (p) => void (p.opts.numeric = true)],
  ["-all", ignore],
  ["-echo", ignore, "exact"],
];

/**
 * Parses global options as ip/ip.c does (see {@link OPTIONS}); `--opt` is `-opt` and `--` ends
 * them. A leading `--` is skipped first (`deno task ip -- -j link`, the npm habit).
 */
export function parseOptions(argv: string[]): Parsed {
  const opts: Opts = {
    json: false,
    pretty: false,
    details: 0,
    stats: 0,
    family: 0,
    oneline: false,
    brief: false,
  };
  const parsed: Parsed = { opts, rest: [], force: false };
  let i = argv[0] === "--" ? 1 : 0;
  const arg = (): string => {
    if (i + 1 >= argv.length) throw usage(USAGE);
    return argv[++i];
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-")) break;
    const o = a.startsWith("--") ? a.slice(1) : a;
    // matches_color: -color[=always|auto|never] (its place in the order is -color's).
    const eq = o.indexOf("=");
    const hit = lookup(eq < 0 ? o : o.slice(0, eq), OPTIONS);
    const colorValue = eq < 0 ? "" : o.slice(eq + 1);
    if (eq >= 0 && (hit?.[0] !== "-color" || !["always", "auto", "never"].includes(colorValue))) {
      throw usage(`Option "${o}" is unknown, try "ip -help".`);
    }
    if (!hit?.[1]) throw usage(`Option "${o}" is unknown, try "ip -help".`);
    hit[1](parsed, arg);
  }
  parsed.rest = argv.slice(i);
  return parsed;
}

/** iproute2's read_family names. */
const FAMILIES: Record<string, number> = {
  inet: 2,
  inet6: 10,
  link: 17,
  packet: 17,
  ipx: 4,
  dnet: 12,
  mpls: 28,
  bridge: 7,
};

/** Runs one `ip` command line; resolves with the exit code. */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseOptions(argv);
  } catch (e) {
    return report(e, io).code;
  }
  if (parsed.batch !== undefined) {
    return await runBatch(parsed.batch, parsed.opts, parsed.force, io);
  }
  if (parsed.rest.length === 0) return report(usage(USAGE), io).code;
  const ctx = new Ctx(parsed.opts);
  try {
    return (await runCommand(ctx, parsed.rest, io)).code;
  } finally {
    ctx.close();
  }
}

if (import.meta.main) {
  const code = await main(Deno.args);
  Deno.exit(code);
}
