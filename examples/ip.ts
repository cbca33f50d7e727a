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

import { NetlinkError } from "../mod.ts";
import { Ctx, ExitError, usage } from "./ip/ctx.ts";
import type { Opts } from "./ip/ctx.ts";
import { doLink } from "./ip/link.ts";
import { doAddr } from "./ip/addr.ts";
import { doRoute } from "./ip/route.ts";
import { doRule } from "./ip/rule.ts";
import { doNeigh } from "./ip/neigh.ts";
import { doNexthop } from "./ip/nexthop.ts";
import { doMonitor } from "./ip/monitor.ts";
import { doNetns } from "./ip/netns.ts";
import { doTc } from "./ip/tc.ts";
import { doTaskstats } from "./ip/taskstats.ts";

/** Where the tool writes (stdout and stderr by default; tests pass their own). */
export interface Io {
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
}

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

const USAGE = `Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | link | monitor | neighbor | netns | nexthop | route | rule |
                   tc | taskstats }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | link } |
                    -4 | -6 | -0 |
                    -o[neline] | -br[ief] |
                    -n[etns] name }`;

/** iproute2's matches(): `arg` is a prefix of `word`. */
export function matches(arg: string, word: string): boolean {
  return arg.length > 0 && word.startsWith(arg);
}

type Handler = (ctx: Ctx, args: string[]) => Promise<void>;

/** Objects in iproute2's lookup order (the first prefix match wins). */
const OBJECTS: [string, Handler][] = [
  ["address", doAddr],
  ["route", doRoute],
  ["rule", doRule],
  ["neighbor", doNeigh],
  ["neighbour", doNeigh],
  ["link", doLink],
  ["monitor", doMonitor],
  ["netns", doNetns],
  ["nexthop", doNexthop],
  ["tc", doTc],
  ["taskstats", doTaskstats],
];

/** Parses global options; returns them and the remaining arguments. */
export function parseOptions(argv: string[]): { opts: Opts; rest: string[] } {
  const opts: Opts = {
    json: false,
    pretty: false,
    details: 0,
    stats: 0,
    family: 0,
    oneline: false,
    brief: false,
  };
  let i = 0;
  for (; i < argv.length; i++) {
    let a = argv[i];
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-") break;
    if (a.startsWith("--")) a = a.slice(1);
    const o = a.slice(1);
    if (o === "4") opts.family = 2;
    else if (o === "6") opts.family = 10;
    else if (o === "0") opts.family = 17;
    else if (o === "json" || matches(o, "json")) opts.json = true;
    else if (matches(o, "pretty")) opts.pretty = true;
    else if (matches(o, "details")) opts.details++;
    else if (matches(o, "statistics") || matches(o, "stats")) opts.stats++;
    else if (matches(o, "oneline")) opts.oneline = true;
    else if (o === "br" || matches(o, "brief")) opts.brief = true;
    else if (matches(o, "netns")) {
      const ns = argv[++i];
      if (ns === undefined) throw usage("Option requires an argument -- n");
      opts.netns = ns;
    } else if (matches(o, "family")) {
      const f = argv[++i];
      if (f === "inet") opts.family = 2;
      else if (f === "inet6") opts.family = 10;
      else if (f === "link") opts.family = 17;
      else throw usage(`Error: argument "${f}" is wrong: invalid protocol family`);
    } else if (matches(o, "human") || matches(o, "iec") || matches(o, "resolve")) {
      // accepted; numbers are printed as they are
    } else if (matches(o, "color") || matches(o, "timestamp") || matches(o, "force")) {
      // accepted and ignored
    } else if (matches(o, "Version")) {
      throw new ExitError("ip utility, deno-netlink (iproute2 6.1 compatible output)", 0);
    } else if (matches(o, "help")) throw usage(USAGE);
    else throw usage(`Option "${a}" is unknown, try "ip -help".`);
  }
  return { opts, rest: argv.slice(i) };
}

/** Runs one `ip` command line; resolves with the exit code. */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  let ctx: Ctx | undefined;
  try {
    const { opts, rest } = parseOptions(argv);
    const [object, ...args] = rest;
    if (object === undefined) throw usage(USAGE);
    if (object === "help") throw usage(USAGE);
    const found = OBJECTS.find(([name]) => matches(object, name));
    if (!found) throw new ExitError(`Object "${object}" is unknown, try "ip help".`, 1);
    ctx = new Ctx(opts);
    ctx.flush = (text: string) => io.out(text);
    await found[1](ctx, args);
    const text = ctx.p.take();
    if (text) io.out(text);
    return 0;
  } catch (e) {
    if (ctx) {
      const text = ctx.p.take();
      if (text && !(ctx.opts.json && e instanceof ExitError && e.code !== 0)) io.out(text);
    }
    if (e instanceof ExitError) {
      if (e.message) (e.code === 0 ? io.out : io.err)(e.message + "\n");
      return e.code;
    }
    if (e instanceof NetlinkError) {
      const msg = e.extack?.msg;
      io.err(
        msg
          ? `Error: ${msg}${msg.endsWith(".") ? "" : "."}\n`
          : `RTNETLINK answers: ${e.message}\n`,
      );
      return 2;
    }
    if (e instanceof TypeError || e instanceof RangeError) {
      io.err(`Error: ${e.message}\n`);
      return 1;
    }
    const code = (e as { code?: string }).code;
    if (code === "EPERM" || code === "EACCES" || (e as Error).name === "PermissionError") {
      io.err(`${(e as Error).message}\n`);
      return 2;
    }
    io.err(`${(e as Error)?.stack ?? e}\n`);
    return 1;
  } finally {
    ctx?.close();
  }
}

if (import.meta.main) {
  const code = await main(Deno.args);
  Deno.exit(code);
}
