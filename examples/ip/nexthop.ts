/**
 * `ip nexthop show` (iproute2's print_nexthop).
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import type { Nexthop, NexthopSpec } from "../../mod.ts";
import { ANY, JSON_ONLY } from "./out.ts";
import { type Ctx, kernelError, notImplemented, usage } from "./ctx.ts";
import { protoName, scopeName } from "./names.ts";

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
    const next = () => {
      if (i + 1 >= args.length) throw usage('Command line is not complete. Try option "help"');
      return args[++i];
    };
    if (a === "id") {
      const v = next();
      if (!/^\d+$/.test(v)) throw usage(`Error: argument "${v}" is wrong: "id" value is invalid\n`);
      spec.id = Number(v);
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
    else if (a === "protocol" || a === "proto") spec.protocol = next();
    else if (a === "help") throw usage(NH_USAGE);
    else throw usage(`Error: argument "${a}" is wrong: unknown nexthop option`);
  }
  if (flags.length) spec.flags = flags;
  if (spec.gateway === undefined && spec.group === undefined && ctx.opts.family === 10) {
    spec.family = 10;
  }
  try {
    await ctx.ip.nexthop(cmd, spec);
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw notImplemented(e, "nexthop");
  }
}

/** `ip nexthop flush`: deletes every nexthop object. */
async function nexthopFlush(ctx: Ctx): Promise<void> {
  let list: Nexthop[];
  try {
    list = await ctx.ip.getNexthops();
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw notImplemented(e, "getNexthops");
  }
  // Groups first: a member in use by a group can still be deleted, but keep iproute2's order.
  for (const nh of list) {
    const id = n(nh.get("NHA_ID"));
    if (id === undefined) continue;
    try {
      await ctx.ip.nexthop("del", { id });
    } catch (e) {
      if (e instanceof NetlinkError && e.code === "ENOENT") continue;
      if (e instanceof NetlinkError) throw kernelError(e);
      throw e;
    }
  }
}

/** `ip nexthop show [id N] [dev D]`. */
export async function doNexthop(ctx: Ctx, args: string[]): Promise<void> {
  const [cmd, ...rest] = args;
  if (cmd === "add" || cmd === "replace" || cmd === "del" || cmd === "delete") {
    return await nexthopModify(ctx, cmd === "delete" ? "del" : cmd, rest);
  }
  if (cmd === "flush") return await nexthopFlush(ctx);
  if (cmd !== undefined && !["show", "list", "ls", "lst"].includes(cmd)) {
    if (cmd === "help") throw usage(NH_USAGE);
    throw usage(`Command "${cmd}" is unknown, try "ip nexthop help".`);
  }
  let id: number | undefined;
  let dev: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "id") id = Number(rest[++i]);
    else if (rest[i] === "dev") dev = await ctx.index(rest[++i]);
    else throw usage(`Error: either "id" is duplicate, or "${rest[i]}" is a garbage.`);
  }
  await ctx.loadNames();
  let list: Nexthop[];
  try {
    list = await ctx.ip.getNexthops();
  } catch (e) {
    if (e instanceof NetlinkError) throw kernelError(e);
    throw notImplemented(e, "getNexthops");
  }
  const fam = ctx.opts.family;
  const p = ctx.p;
  p.begin();
  for (const nh of list) {
    if (id !== undefined && nh.get("NHA_ID") !== id) continue;
    if (dev !== undefined && nh.get("NHA_OIF") !== dev) continue;
    if ((fam === 2 || fam === 10) && nh.headerField("family") !== fam) continue;
    printNexthop(ctx, nh);
  }
  p.end();
}
