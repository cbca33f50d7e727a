/**
 * The `ip` tool's objects in iproute2's order and how one command runs and reports its failure
 * (shared by single commands and `-batch`).
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import { type Ctx, ExitError, type Io, kernelError, usage } from "./ctx.ts";
import { type Choice, lookup, notSupported, type VerbTable } from "./match.ts";
import { setNumeric } from "./names.ts";
import { doLink, LINK_VERBS } from "./link.ts";
import { ADDR_VERBS, doAddr } from "./addr.ts";
import { doRoute, ROUTE_VERBS } from "./route.ts";
import { doRule, RULE_VERBS } from "./rule.ts";
import { doNeigh, NEIGH_VERBS } from "./neigh.ts";
import { doNexthop, NEXTHOP_VERBS } from "./nexthop.ts";
import { doMonitor } from "./monitor.ts";
import { doNetns, NETNS_VERBS } from "./netns.ts";
import { doTc } from "./tc.ts";
import { doTaskstats } from "./taskstats.ts";
import { doXfrm } from "./xfrm.ts";
import { doMptcp } from "./mptcp.ts";

/** `ip help`. */
export const USAGE = `Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | link | monitor | mptcp | neighbor | neighbour | netns |
                   nexthop | route | rule | tc | taskstats | xfrm }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | link } |
                    -4 | -6 | -0 |
                    -o[neline] | -br[ief] | -b[atch] [filename] |
                    -n[etns] name }`;

type Handler = (ctx: Ctx, args: string[]) => Promise<void>;

/**
 * Objects in iproute2's lookup order (ip/ip.c): the first one an abbreviation selects wins
 * (`ip n` is neighbor, `ip ne` too, `ip net` netns). Objects this tool lacks keep their place
 * so that abbreviations resolve as in iproute2; `tc` and `taskstats` are this tool's own
 * (`ip tc` is tcpmetrics in iproute2, `ip ta` its tap).
 */
export const OBJECTS: readonly Choice<Handler>[] = [
  ["address", doAddr],
  ["addrlabel", null],
  ["maddress", null],
  ["route", doRoute],
  ["rule", doRule],
  ["neighbor", doNeigh],
  ["neighbour", doNeigh],
  ["ntable", null],
  ["ntbl", null],
  ["link", doLink],
  ["l2tp", null],
  ["fou", null],
  ["ila", null],
  ["macsec", null],
  ["tunnel", null],
  ["tunl", null],
  ["tuntap", null],
  ["tap", null],
  ["token", null],
  ["tc", doTc],
  ["tcpmetrics", null],
  ["tcp_metrics", null],
  ["monitor", doMonitor],
  ["xfrm", doXfrm],
  ["mroute", null],
  ["mrule", null],
  ["netns", doNetns],
  ["netconf", null],
  ["vrf", null],
  ["sr", null],
  ["nexthop", doNexthop],
  ["mptcp", doMptcp],
  ["ioam", null],
  ["help", () => Promise.reject(usage(USAGE))],
  ["stats", null],
  ["taskstats", doTaskstats],
];

/** Each object's verbs in iproute2's order, by the object's word in {@link OBJECTS}. */
export const VERB_TABLES: Readonly<Record<string, VerbTable>> = {
  address: ADDR_VERBS,
  route: ROUTE_VERBS,
  rule: RULE_VERBS,
  neighbor: NEIGH_VERBS,
  neighbour: NEIGH_VERBS,
  link: LINK_VERBS,
  netns: NETNS_VERBS,
  nexthop: NEXTHOP_VERBS,
};

/**
 * The objects whose change verbs `-batch -force` may pipeline. Neighbours are left out: iproute2
 * exits when the kernel refuses one (ending the batch even with -force), so each is awaited.
 */
const PIPELINED: Readonly<Record<string, VerbTable>> = {
  address: ADDR_VERBS,
  route: ROUTE_VERBS,
  rule: RULE_VERBS,
  link: LINK_VERBS,
  nexthop: NEXTHOP_VERBS,
};

const CHANGE_VERBS = new Set(["add", "change", "chg", "replace", "delete", "set", "append"]);

/** Whether OBJECT VERB … is a change `-batch -force` may queue (it reads nothing back). */
export function isChangeCommand(argv: string[]): boolean {
  const [object, verb] = argv;
  const obj = object === undefined ? undefined : lookup(object, OBJECTS);
  const table = obj && PIPELINED[obj[0]];
  if (!table || verb === undefined) return false;
  const hit = lookup(verb, table.verbs);
  return hit !== undefined && hit[1] !== null && CHANGE_VERBS.has(hit[0]);
}

/** Runs OBJECT ARGS… with a context; throws what ends the command. */
export async function runObject(ctx: Ctx, rest: string[]): Promise<void> {
  const [object, ...args] = rest;
  if (object === undefined) throw usage(USAGE);
  const found = lookup(object, OBJECTS);
  if (!found) throw new ExitError(`Object "${object}" is unknown, try "ip help".`, 1);
  if (!found[1]) throw notSupported(`ip ${found[0]}`);
  await found[1](ctx, args);
}

/**
 * How a command's failure is reported: the message on stderr (iproute2's words) and the exit
 * code. `fatal`: iproute2 would `exit()` there, ending a `-batch` run too.
 */
export function report(e: unknown, io: Io): { code: number; fatal: boolean } {
  if (e instanceof ExitError) {
    if (e.message) (e.code === 0 ? io.out : io.err)(e.message + "\n");
    return { code: e.code, fatal: e.fatal || e.code === 0 };
  }
  if (e instanceof NetlinkError) {
    io.err(kernelError(e).message + "\n");
    return { code: 2, fatal: false };
  }
  if (e instanceof TypeError || e instanceof RangeError) {
    io.err(`Error: ${e.message}\n`);
    return { code: 1, fatal: false };
  }
  const code = (e as { code?: string }).code;
  if (code === "EPERM" || code === "EACCES" || (e as Error).name === "PermissionError") {
    io.err(`${(e as Error).message}\n`);
    return { code: 2, fatal: false };
  }
  io.err(`${(e as Error)?.stack ?? e}\n`);
  return { code: 1, fatal: false };
}

/** Runs one command with `ctx`, writing its output; resolves with the exit code. */
export async function runCommand(
  ctx: Ctx,
  rest: string[],
  io: Io,
): Promise<{ code: number; fatal: boolean }> {
  ctx.flush = (text: string) => io.out(text);
  ctx.stderr = (text: string) => io.err(text);
  setNumeric(ctx.opts.numeric ?? false);
  try {
    await runObject(ctx, rest);
    const text = ctx.p.take();
    if (text) io.out(text);
    return { code: 0, fatal: false };
  } catch (e) {
    const text = ctx.p.take();
    if (text && !(ctx.opts.json && e instanceof ExitError && e.code !== 0)) io.out(text);
    return report(e, io);
  }
}
