/** getAddr against `ip -j addr show`, field by field, on the fixture namespace. */

import { IPRoute } from "../../rtnl/mod.ts";
import type { Addr } from "../../rtnl/mod.ts";
import { RT_SCOPE } from "../../rtnl/constants.ts";
import { withNetns } from "../helpers.ts";
import { compareDumps, fixture, FIXTURE_NEEDS, ifnames, nameIn, toolJson } from "./rtnl_fixture.ts";
import { gate } from "../features.ts";

const FLAGS4: [number, string][] = [[0x01, "secondary"]];
const FLAGS6: [number, string][] = [[0x01, "temporary"]];
const FLAGS: [number, string][] = [
  [0x02, "nodad"],
  [0x04, "optimistic"],
  [0x08, "dadfailed"],
  [0x10, "home"],
  [0x20, "deprecated"],
  [0x40, "tentative"],
  [0x100, "mngtmpaddr"],
  [0x200, "noprefixroute"],
  [0x400, "autojoin"],
  [0x800, "stable-privacy"],
];

/** An address in the words of `ip -j addr show`. */
function asIproute2(a: Addr, names: Map<number, string>): Record<string, unknown> {
  const flags = a.get("flags") as number;
  const out: Record<string, unknown> = {
    dev: names.get(a.index),
    family: a.family === 2 ? "inet" : "inet6",
    local: a.local ?? a.address,
    prefixlen: a.prefixlen,
    scope: a.scope === 0 ? "global" : nameIn(RT_SCOPE, a.scope),
    valid_life_time: a.cacheinfo?.ifa_valid,
    preferred_life_time: a.cacheinfo?.ifa_preferred,
  };
  if (a.local !== undefined && a.address !== undefined && a.address !== a.local) {
    out.address = a.address;
  }
  if (a.broadcast !== undefined) out.broadcast = a.broadcast;
  if (a.label !== undefined) out.label = a.label;
  if (a.rt_priority !== undefined) out.metric = a.rt_priority;
  if (!(flags & 0x80)) out.dynamic = true;
  for (const [bit, name] of [...(a.family === 2 ? FLAGS4 : FLAGS6), ...FLAGS]) {
    if (flags & bit) out[name] = true;
  }
  return out;
}

Deno.test({
  ...(await gate("oracle: getAddr matches ip -j addr show field by field", ...FIXTURE_NEEDS)),
  fn: () =>
    withNetns(async (ns) => {
      await fixture(ns);
      using ip = new IPRoute({ netns: ns });
      const names = await ifnames(ns);
      const key = (e: Record<string, unknown>) => `${e.dev} ${e.family} ${e.local}/${e.prefixlen}`;
      await compareDumps(
        "addr",
        async () =>
          (await toolJson("ip", ns, "addr", "show")).flatMap((l) =>
            (l.addr_info as Record<string, unknown>[]).map((a) => ({ dev: l.ifname, ...a }))
          ),
        async () => (await ip.getAddr()).map((a) => asIproute2(a, names)),
        key,
        { minimum: 14 },
      );
    }, "oaddr"),
});
