/**
 * `ip nexthop show` (iproute2's print_nexthop).
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import type { Nexthop } from "../../mod.ts";
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
export function printNexthop(ctx: Ctx, nh: Nexthop, o: { deleted?: boolean } = {}): void {
  const p = ctx.p;
  p.openObject(null);
  if (o.deleted) p.bool(ANY, "deleted", "Deleted ", true);
  const id = n(nh.get("NHA_ID")) ?? 0;
  p.uint(ANY, "id", "id %u ", id);
  const grp = groupOf(nh.get("NHA_GROUP"));
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
  p.fp("\n");
  p.closeObject();
}

/** `ip nexthop show [id N] [dev D]`. */
export async function doNexthop(ctx: Ctx, args: string[]): Promise<void> {
  const [cmd, ...rest] = args;
  if (cmd !== undefined && !["show", "list", "ls", "lst"].includes(cmd)) {
    if (cmd === "help") throw usage("Usage: ip nexthop { list | flush } [ id ID ] [ dev DEV ]");
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
