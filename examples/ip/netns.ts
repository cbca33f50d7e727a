/**
 * `ip netns list|list-id|add|set|delete` on the library's `netns` module and namespace ids
 * (`ip.nsid()`, `ip.getNsids()`): the same /run/netns bind mounts as `ip netns`, and the same
 * `(id: N)` and `nsid N (iproute2 netns name: NAME)` lines.
 *
 * @module
 */

import { NetlinkError, netns } from "../../mod.ts";
import type { Nsid } from "../../mod.ts";
import { ANY } from "./out.ts";
import { type Ctx, ExitError, fail, invarg, kernelError, strerror, usage } from "./ctx.ts";
import { dispatch, type VerbTable } from "./match.ts";

const NETNS_USAGE = `Usage:	ip netns list
	ip netns add NAME
	ip netns set NAME NETNSID
	ip netns delete NAME
	ip netns list-id [target-nsid POSITIVE-INT] [nsid POSITIVE-INT]
NETNSID := auto | POSITIVE-INT`;

function errnoOf(e: unknown): number | undefined {
  return (e as { errno?: number }).errno;
}

function why(e: unknown): string {
  const n = errnoOf(e);
  return n ? strerror(n) : (e as Error).message;
}

/**
 * The id this namespace knows `name` by, or -1 (none, or the namespace is gone). A refusal is
 * printed as iproute2's rtnl_talk prints it (a name whose namespace is being removed: "Peer
 * netns reference is invalid") and the listing goes on.
 */
async function nsidOf(ctx: Ctx, name: string): Promise<number> {
  try {
    const [m] = await ctx.ip.nsid("get", { netns: name });
    return m?.nsid ?? -1;
  } catch (e) {
    if (e instanceof NetlinkError) ctx.warn(kernelError(e).message + "\n");
    return -1;
  }
}

/** `ip netns list`: every named namespace, with its id when one is assigned. */
async function netnsList(ctx: Ctx): Promise<void> {
  const p = ctx.p;
  const names = netns.list();
  const ids = await Promise.all(names.map((n) => nsidOf(ctx, n)));
  p.begin();
  names.forEach((name, i) => {
    p.openObject(null);
    p.str(ANY, "name", "%s", name);
    if (ids[i] >= 0) p.int(ANY, "id", " (id: %d)", ids[i]);
    p.fp("\n");
    p.closeObject();
  });
  p.end();
}

/** print_nsid: one id, with the name of the namespace it stands for when it has one. */
export function printNsid(ctx: Ctx, m: Nsid, deleted: boolean, names: Map<number, string>): void {
  const p = ctx.p;
  p.openObject(null);
  if (deleted) p.bool(ANY, "deleted", "Deleted ", true);
  const nsid = m.nsid ?? -1;
  if (nsid < 0) p.fp("nsid unassigned ");
  else p.int(ANY, "nsid", "nsid %d ", nsid);
  const current = m.current_nsid;
  if (current !== undefined) {
    if (current < 0) p.fp("current-nsid unassigned ");
    else p.int(ANY, "current-nsid", "current-nsid %d ", current);
  }
  const name = names.get(current ?? nsid);
  if (name !== undefined) {
    p.str(ANY, "name", "(iproute2 netns name: %s)", name);
    names.delete(current ?? nsid);
  }
  p.fp("\n");
  p.closeObject();
}

/** A non-negative id argument (get_integer, then the >= 0 check). */
function idArg(v: string, what: string): number {
  const n = /^[+-]?(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v.replace(/^\+/, "")) : NaN;
  if (!Number.isInteger(n) || Math.abs(n) > 0x7fffffff) {
    throw invarg(`"${what}" value is invalid`, v);
  }
  if (n < 0) throw invarg(`"${what}" value should be >= 0`, v);
  return n;
}

/** `ip netns list-id [target-nsid N] [nsid N]`. */
async function netnsListId(ctx: Ctx, args: string[]): Promise<void> {
  let target: number | undefined, nsid: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = args[i + 1];
    if ((a === "target-nsid" || a === "nsid") && v === undefined) {
      throw usage('Command line is not complete. Try option "help"');
    }
    if (a === "target-nsid") {
      if (target !== undefined) {
        throw usage(`Error: duplicate "target-nsid": "${v}" is the second value.`);
      }
      target = idArg(v, "target-nsid");
      i++;
    } else if (a === "nsid") {
      if (nsid !== undefined) throw usage(`Error: duplicate "nsid": "${v}" is the second value.`);
      nsid = idArg(v, "nsid");
      i++;
    } else throw usage(NETNS_USAGE);
  }
  // netns_map_init: which named namespace each id stands for.
  const names = new Map<number, string>();
  for (const name of netns.list()) {
    const id = await nsidOf(ctx, name);
    if (id >= 0 && !names.has(id)) names.set(id, name);
  }
  let list: Nsid[];
  try {
    list = nsid !== undefined
      ? await ctx.ip.nsid("get", { nsid, ...(target !== undefined ? { target_nsid: target } : {}) })
      : await ctx.ip.getNsids(target !== undefined ? { target_nsid: target } : {});
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw e;
  }
  const p = ctx.p;
  p.begin();
  for (const m of list) printNsid(ctx, m, false, names);
  p.end();
}

/** `ip netns set NAME NSID|auto`. */
async function netnsSet(ctx: Ctx, args: string[]): Promise<void> {
  const [name, value] = args;
  if (name === undefined) throw fail("No netns name specified");
  if (value === undefined) throw fail("No nsid specified");
  const nsid = value === "auto" ? "auto" : idArg(value, "netnsid");
  try {
    await ctx.ip.nsid("set", { netns: name, nsid });
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw fail(`Cannot open network namespace "${name}": ${why(e)}`);
  }
}

function netnsAdd(_ctx: Ctx, args: string[]): Promise<void> {
  const name = args[0];
  if (name === undefined) throw fail("No netns name specified");
  try {
    netns.create(name);
  } catch (e) {
    throw new ExitError(`Cannot create namespace file "/run/netns/${name}": ${why(e)}`, 1);
  }
  return Promise.resolve();
}

function netnsDelete(_ctx: Ctx, args: string[]): Promise<void> {
  const name = args[0];
  if (name === undefined) throw fail("No netns name specified");
  try {
    netns.remove(name);
  } catch (e) {
    throw new ExitError(`Cannot remove namespace file "/run/netns/${name}": ${why(e)}`, 1);
  }
  return Promise.resolve();
}

/** `ip netns` verbs in iproute2's order (do_netns). */
export const NETNS_VERBS: VerbTable = {
  object: "netns",
  verbs: [
    ["list", (ctx) => netnsList(ctx)],
    ["show", (ctx) => netnsList(ctx)],
    ["lst", (ctx) => netnsList(ctx)],
    ["list-id", netnsListId],
    ["help", () => Promise.reject(usage(NETNS_USAGE))],
    ["add", netnsAdd],
    ["set", netnsSet],
    ["delete", netnsDelete],
    ["identify", null],
    ["pids", null],
    ["exec", null],
    ["monitor", null],
    ["attach", null],
  ],
  none: (ctx) => netnsList(ctx),
};

/** `ip netns …`. */
export async function doNetns(ctx: Ctx, args: string[]): Promise<void> {
  const name = args[1];
  if (
    name !== undefined && (name === "" || name.length > 255 || name.includes("/") ||
      name === "." || name === "..")
  ) {
    throw usage(`Invalid netns name "${name}"`);
  }
  await dispatch(ctx, args, NETNS_VERBS);
}
