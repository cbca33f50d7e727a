/** getNexthops against `ip -j nexthop show`, field by field, on the fixture namespace. */

import { IPRoute } from "../../rtnl/mod.ts";
import type { Nexthop } from "../../rtnl/mod.ts";
import { RT_SCOPE, RTPROT } from "../../rtnl/constants.ts";
import { withNetns } from "../helpers.ts";
import { compareDumps, fixture, FIXTURE_NEEDS, ifnames, nameIn, toolJson } from "./rtnl_fixture.ts";
import { gate } from "../features.ts";

const USER_HZ = 100;

/** A nexthop object in the words of `ip -j nexthop show`. */
function asIproute2(n: Nexthop, names: Map<number, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { id: n.id, flags: n.flags & 0x04 ? ["onlink"] : [] };
  if (n.group) {
    const resilient = n.group_type === 1;
    // iproute2 prints a weight only when it is not 1, and none for resilient groups.
    out.group = n.group.map((m) => m.weight !== 1 && !resilient ? m : { id: m.id });
    if (resilient) {
      out.type = "resilient";
      const r = n.res_group!;
      out.resilient_args = {
        buckets: r.buckets,
        idle_timer: r.idle_timer! / USER_HZ,
        unbalanced_timer: r.unbalanced_timer! / USER_HZ,
        unbalanced_time: r.unbalanced_time! / USER_HZ,
      };
    }
  }
  if (n.gateway !== undefined) out.gateway = n.gateway;
  if (n.oif !== undefined) out.dev = names.get(n.oif);
  if (n.blackhole) out.blackhole = null;
  if (n.fdb) out.fdb = null;
  if (!n.group && !n.blackhole) out.scope = n.scope === 0 ? "global" : nameIn(RT_SCOPE, n.scope);
  if (n.protocol !== 0) out.protocol = nameIn(RTPROT, n.protocol);
  return out;
}

Deno.test({
  ...(await gate(
    "oracle: getNexthops matches ip -j nexthop show field by field",
    ...FIXTURE_NEEDS,
  )),
  fn: () =>
    withNetns(async (ns) => {
      await fixture(ns);
      using ip = new IPRoute({ netns: ns });
      const names = await ifnames(ns);
      await compareDumps(
        "nexthop",
        () => toolJson("ip", ns, "nexthop", "show"),
        async () => (await ip.getNexthops()).map((n) => asIproute2(n, names)),
        (e) => String(e.id),
        { minimum: 7 },
      );
    }, "onh"),
});
