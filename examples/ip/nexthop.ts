/**
 * `ip nexthop show` (iproute2's print_nexthop).
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import type { Nexthop, NexthopSpec } from "../../mod.ts";
import { ANY, JSON_ONLY } from "./out.ts";
import { type Ctx, invarg, kernelError, nextArg, notImplemented, usage } from "./ctx.ts";
import { getU32, protoId, protoName, scopeName } from "./names.ts";
import { dispatch, matches, type VerbTable } from "./match.ts";

function n(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

/** struct nexthop_grp entries of NHA_GROUP. */
function groupOf(raw: unknown): { id: number; weight: number }[] {
  if (!(raw instanceof Uint8Array)) return [];
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: { id: number; weight: number }[] = [];
  for (let p = 0; p + 8 <= raw.length; p += 8) {
    out.push({ id: dv.getUint32(p, true), weight: raw[p + 4] + 1 });
  }
  return out;
}

/** print_nexthop. */
export function printNexthop(
  ctx: Ctx,
  nh: Nexthop,
  o: { deleted?: boolean; inline?: boolean } = {},
): void {
  const p = ctx.p;
  if (!o.inline) p.openObject(null);
  if (o.deleted) p.bool(ANY, "deleted", "Deleted ", true);
  const id = n(nh.get("NHA_ID")) ?? 0;
  p.uint(ANY, "id", "id %u ", id);
  const grp = Array.isArray(nh.group) ? nh.group : groupOf(nh.get("NHA_GROUP"));
  if (grp.length) {
    p.openArray(JSON_ONLY, "group");
    p.fp("group ");
    grp.forEach((g, i) => {
      p.openObject(null);
      if (i) p.fp("/");
      p.uint(ANY, "id", "%u", g.id);
      if (g.weight > 1) p.uint(ANY, "weight", ",%u", g.weight);
      p.closeObject();
    });
    p.fp(" ");
    p.closeArray(JSON_ONLY, null);
    const type = n(nh.get("NHA_GROUP_TYPE"));
    if (type === 1) p.str(ANY, "type", "type %s ", "resilient");
  }
  const gw = nh.get("NHA_GATEWAY") as string | undefined;
  if (gw !== undefined) {
    if (p.json) p.str(JSON_ONLY, "gateway", "", gw);
    else p.fp(`via ${gw} `);
  }
  const oif = n(nh.get("NHA_OIF"));
  if (oif !== undefined) {
    if (p.json) p.str(JSON_ONLY, "dev", "", ctx.name(oif));
    else p.fp(`dev ${ctx.name(oif)} `);
  }
  const scope = n(nh.headerField("scope")) ?? 0;
  if (scope !== 0 || ctx.opts.details > 0) p.str(ANY, "scope", "scope %s ", scopeName(scope));
  if (nh.get("NHA_BLACKHOLE") !== undefined) p.nul(ANY, "blackhole", "blackhole ", null);
  const proto = n(nh.headerField("protocol")) ?? 0;
  if (proto !== 0 || ctx.opts.details > 0) p.str(ANY, "protocol", "proto %s ", protoName(proto));
  const flags = n(nh.headerField("flags")) ?? 0;
  p.openArray(JSON_ONLY, "flags");
  for (
    const [bit, name] of [
      [1, "dead"],
      [4, "onlink"],
      [2, "pervasive"],
      [8, "offload"],
      [
        64,
        "trap",
      ],
      [16, "linkdown"],
      [32, "unresolved"],
    ] as const
  ) if (flags & bit) p.str(ANY, null, "%s ", name);
  p.closeArray(JSON_ONLY, null);
  if (nh.get("NHA_FDB") !== undefined) p.nul(ANY, "fdb", "fdb", null);
  if (o.inline) return;
  p.fp("\n");
  p.closeObject();
}

const NH_USAGE = `Usage: ip nexthop { list | flush } [ protocol ID ] SELECTOR
       ip nexthop { add | replace } id ID NH [ protocol ID ]
       ip nexthop { get | del } id ID
SELECTOR := [ id ID ] [ dev DEV ] [ vrf NAME ] [ master DEV ]
            [ groups ] [ fdb ]
NH := { blackhole | [ via ADDRESS ] [ dev DEV ] [ onlink ]
        [ encap ENCAPTYPE ENCAPHDR ] |
        group GROUP [ fdb ] [ type TYPE [ TYPE_ARGS ] ] }
GROUP := [ <id[,weight]>/<id[,weight]>/... ]
TYPE := { mpath | resilient }`;

/** `ip nexthop add|replace|del`. */
async function nexthopModify(ctx: Ctx, cmd: "add" | "replace" | "del", args: string[]) {
  const spec: NexthopSpec = {};
  const flags: ("onlink")[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => nextArg(args, i++);
    if (a === "id") {
      const v = next();
      const id = getU32(v);
      if (!id) throw invarg('"id" value is invalid\n', v);
      spec.id = id;
    } else if (a === "via") spec.gateway = next();
    else if (a === "dev") spec.oif = await ctx.index(next());
    else if (a === "blackhole") spec.blackhole = true;
    else if (a === "onlink") flags.push("onlink");
    else if (a === "fdb") spec.fdb = true;
    else if (a === "group") {
      spec.group = next().split("/").map((m) => {
        const [id, w] = m.split(",");
        return w === undefined ? Number(id) : { id: Number(id), weight: Number(w) };
      });
    } else if (a === "type") spec.group_type = next() as NexthopSpec["group_type"];
    else if (matches(a, "protocol")) {
      const v = next();
      const pr = protoId(v);
      if (pr === undefined) throw invarg('"protocol" value is invalid\n', v);
      spec.protocol = pr;
    } else if (a === "help") throw usage(NH_USAGE);
    else throw invarg("", a);
  }
  if (flags.length) spec.flags = flags;
  if (spec.gateway === undefined && spec.group === undefined && ctx.opts.family === 10) {
    spec.family = 10;
  }
  await ctx.change({ obj: "nexthop", cmd, spec });
}

/** The selector of `ip nexthop show|flush` (ipnh_list_flush). */
interface NexthopSelector {
  id?: number;
  dev?: number;
  groups: boolean;
  fdb: boolean;
  proto?: number;
  master?: number;
}

async function parseNexthopSelector(ctx: Ctx, rest: string[]): Promise<NexthopSelector> {
  const f: NexthopSelector = { groups: false, fdb: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const next = () => nextArg(rest, i++);
    if (matches(a, "dev")) {
      const v = next();
      f.dev = await ctx.index(v).catch(() => {
        throw invarg("Device does not exist\n", v);
      });
    } else if (matches(a, "groups")) f.groups = true;
    else if (matches(a, "master")) {
      const v = next();
      f.master = await ctx.index(v).catch(() => {
        throw invarg("Device does not exist\n", v);
      });
    } else if (matches(a, "vrf")) throw invarg("Invalid VRF\n", next());
    else if (a === "id") {
      const v = next();
      f.id = getU32(v);
      if (!f.id) throw invarg('"id" value is invalid\n', v);
      break;
    } else if (matches(a, "protocol")) {
      const v = next();
      f.proto = getU32(v);
      if (f.proto === undefined) throw invarg("invalid protocol value", v);
    } else if (matches(a, "fdb")) f.fdb = true;
    else if (matches(a, "help")) throw usage(NH_USAGE);
    else throw invarg("", a);
  }
  return f;
}

/** The nexthops a selector picks (in the kernel where iproute2 filters there). */
async function selectNexthops(ctx: Ctx, f: NexthopSelector): Promise<Nexthop[]> {
  const fam = ctx.opts.family;
  try {
    const list = await ctx.ip.getNexthops({
      ...(f.id !== undefined ? { id: f.id } : {}),
      ...(f.dev !== undefined ? { oif: f.dev } : {}),
      ...(f.master !== undefined ? { master: f.master } : {}),
      ...(f.groups ? { groups: true } : {}),
      ...(fam === 2 || fam === 10 ? { family: fam } : {}),
    });
    return list.filter((nh) =>
      (!f.fdb || nh.get("NHA_FDB") !== undefined) &&
      (f.proto === undefined || nh.headerField("protocol") === f.proto)
    );
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw notImplemented(e, "getNexthops");
  }
}

async function deleteNexthop(ctx: Ctx, id: number): Promise<boolean> {
  try {
    await ctx.ip.nexthop("del", { id });
    return true;
  } catch (e) {
    if (e instanceof NetlinkError && e.code === "ENOENT") return false;
    if (e instanceof NetlinkError) throw kernelError(e);
    throw e;
  }
}

/** `ip nexthop flush [SELECTOR]`: groups first when flushing everything, as ipnh_flush. */
async function nexthopFlush(ctx: Ctx, rest: string[]): Promise<void> {
  const f = await parseNexthopSelector(ctx, rest);
  if (f.id !== undefined) {
    await deleteNexthop(ctx, f.id);
    return;
  }
  const all = rest.length === 0;
  let flushed = 0;
  const rounds = all ? [{ ...f, groups: true }, f] : [f];
  for (const sel of rounds) {
    for (const nh of await selectNexthops(ctx, sel)) {
      const id = n(nh.get("NHA_ID"));
      if (id && await deleteNexthop(ctx, id)) flushed++;
    }
  }
  ctx.p.fp(flushed ? `Flushed ${flushed} nexthops\n` : "Nothing to flush\n");
}

/** `ip nexthop show [id N] [dev D] [groups] [fdb] [protocol P] [master D]`. */
async function nexthopShow(ctx: Ctx, rest: string[]): Promise<void> {
  const f = await parseNexthopSelector(ctx, rest);
  await ctx.loadNames();
  const list = await selectNexthops(ctx, f);
  const p = ctx.p;
  p.begin();
  for (const nh of list) printNexthop(ctx, nh);
  p.end();
}

/** `ip nexthop` verbs in iproute2's order (do_ipnh). */
export const NEXTHOP_VERBS: VerbTable = {
  object: "nexthop",
  verbs: [
    ["add", (ctx, args) => nexthopModify(ctx, "add", args)],
    ["replace", (ctx, args) => nexthopModify(ctx, "replace", args)],
    ["delete", (ctx, args) => nexthopModify(ctx, "del", args)],
    ["list", nexthopShow],
    ["show", nexthopShow],
    ["lst", nexthopShow],
    ["get", null],
    ["flush", nexthopFlush],
    ["bucket", null],
    ["help", () => Promise.reject(usage(NH_USAGE))],
  ],
  none: nexthopShow,
};

/** `ip nexthop …`. */
export async function doNexthop(ctx: Ctx, args: string[]): Promise<void> {
  await dispatch(ctx, args, NEXTHOP_VERBS);
}
