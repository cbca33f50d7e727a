/** getRules against `ip -j rule show` (IPv4 and IPv6), field by field, on the fixture namespace. */

import { IPPROTO, IPRoute } from "../../rtnl/mod.ts";
import type { Rule } from "../../rtnl/mod.ts";
import { RT_TABLE } from "../../rtnl/constants.ts";
import { withNetns } from "../helpers.ts";
import { compareDumps, fixture, FIXTURE_NEEDS, nameIn, toolJson } from "./rtnl_fixture.ts";
import { gate } from "../features.ts";

const ACTIONS: Record<number, string> = { 6: "blackhole", 7: "unreachable", 8: "prohibit" };
const hex = (n: number) => `0x${n.toString(16)}`;

/** A rule in the words of `ip -j rule show`. */
function asIproute2(r: Rule): Record<string, unknown> {
  const full = r.family === 2 ? 32 : 128;
  const out: Record<string, unknown> = { priority: r.priority ?? 0 };
  if (r.flags & 0x02) out.not = null;
  out.src = r.src ?? "all";
  if (r.src !== undefined && r.src_len !== full) out.srclen = r.src_len;
  if (r.dst !== undefined) {
    out.dst = r.dst;
    if (r.dst_len !== full) out.dstlen = r.dst_len;
  }
  if (r.fwmark !== undefined) out.fwmark = hex(r.fwmark);
  if (r.fwmask !== undefined && r.fwmask !== 0xffffffff) out.fwmask = hex(r.fwmask);
  if (r.iifname !== undefined) out.iif = r.iifname;
  if (r.oifname !== undefined) out.oif = r.oifname;
  if (r.uid_range) {
    out.uid_start = r.uid_range.start;
    out.uid_end = r.uid_range.end;
  }
  if (r.ip_proto !== undefined) out.ipproto = nameIn(IPPROTO, r.ip_proto);
  for (const [k, name] of [["sport_range", "sport"], ["dport_range", "dport"]] as const) {
    const range = r[k];
    if (!range) continue;
    if (range.start === range.end) out[name] = range.start;
    else {
      out[`${name}_start`] = range.start;
      out[`${name}_end`] = range.end;
    }
  }
  if (r.action === 1 && r.table) out.table = nameIn(RT_TABLE, r.table);
  if (r.suppress_prefixlen !== undefined && r.suppress_prefixlen !== 0xffffffff) {
    out.suppress_prefixlen = r.suppress_prefixlen;
  }
  if (r.action === 2) out.goto = r.goto;
  if (r.action === 3) out.nop = null;
  if (ACTIONS[r.action]) out.action = ACTIONS[r.action];
  if (r.l3mdev) out.l3mdev = null;
  return out;
}

Deno.test({
  ...(await gate(
    "oracle: getRules matches ip -j rule show field by field (IPv4, IPv6)",
    ...FIXTURE_NEEDS,
  )),
  fn: () =>
    withNetns(async (ns) => {
      await fixture(ns);
      using ip = new IPRoute({ netns: ns });
      for (const [family, flag] of [[2, "-4"], [10, "-6"]] as const) {
        await compareDumps(
          `rule ${flag}`,
          () => toolJson("ip", ns, flag, "rule", "show"),
          async () => (await ip.getRules({ family })).map(asIproute2),
          (e) => `${e.priority} ${e.src}/${e.srclen ?? ""} ${e.table ?? e.action ?? e.goto}`,
          { minimum: family === 2 ? 9 : 4 },
        );
      }
    }, "orule"),
});
