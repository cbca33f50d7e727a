/**
 * An `ip`-style command-line tool on the library's public API: iproute2's syntax, and with `-j`
 * the same JSON iproute2 6.1 prints.
 *
 * ```sh
 * deno run --allow-ffi examples/ip.ts -j -p addr show dev lo
 * deno run --allow-ffi examples/ip.ts -n blue route show table all
 * deno task compile   # one binary, ./ip-deno, that needs nothing but --allow-ffi
 * ```
 *
 * @module
 */

import { Ctx, ExitError, type Io, type Opts, usage } from "./ip/ctx.ts";
import { matches } from "./ip/match.ts";
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

/**
 * Parses global options as ip/ip.c does: each option in iproute2's order, abbreviated by any
 * prefix (`-s`, `-stat`, `-j`, `-br`, `-b FILE`), `--opt` as `-opt`, `--` ends them. A leading
 * `--` is skipped first (`deno task ip -- -j link`, the npm habit).
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
    const is = (word: string) => matches(o, word);
    if (is("-loops")) arg();
    else if (is("-family")) {
      const f = arg();
      if (f === "help") throw usage(USAGE);
      const fam = FAMILIES[f];
      if (fam === undefined) {
        throw usage(`Error: argument "${f}" is wrong: invalid protocol family`);
      }
      opts.family = fam;
    } else if (o === "-4") opts.family = 2;
    else if (o === "-6") opts.family = 10;
    else if (o === "-0") opts.family = 17;
    else if (o === "-M") opts.family = 28;
    else if (o === "-B") opts.family = 7;
    else if (is("-human") || is("-human-readable") || is("-iec")) {
      // accepted: numbers are printed as they are
    } else if (is("-stats") || is("-statistics")) opts.stats++;
    else if (is("-details")) opts.details++;
    else if (is("-resolve")) {
      // accepted: addresses are printed as numbers
    } else if (is("-oneline")) opts.oneline = true;
    else if (is("-timestamp") || is("-tshort")) {
      // accepted and ignored
    } else if (is("-Version")) {
      throw new ExitError("ip utility, deno-netlink (iproute2 6.1 compatible output)", 0);
    } else if (is("-force")) parsed.force = true;
    else if (is("-batch")) parsed.batch = arg();
    else if (is("-brief")) opts.brief = true;
    else if (is("-json")) opts.json = true;
    else if (is("-pretty")) opts.pretty = true;
    else if (is("-rcvbuf")) {
      const v = arg();
      if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(v)) {
        throw usage(`Invalid rcvbuf size '${v}'`);
      }
    } else if (isColor(o)) {
      // accepted: output is never coloured
    } else if (is("-help")) throw usage(USAGE);
    else if (is("-netns")) opts.netns = arg();
    else if (is("-Numeric") || is("-all") || o === "-echo") {
      // accepted and ignored
    } else throw usage(`Option "${o}" is unknown, try "ip -help".`);
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

/** matches_color: `-c`, `-color`, `-color=always|auto|never`. */
function isColor(o: string): boolean {
  const eq = o.indexOf("=");
  const [name, value] = eq < 0 ? [o, ""] : [o.slice(0, eq), o.slice(eq + 1)];
  return matches(name, "-color") && ["", "always", "auto", "never"].includes(value);
}

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
