/**
 * getNeighbours against `ip -j neigh show nud all` and `ip -j neigh show proxy`, field by field,
 * on the fixture namespace.
 */

import { IPRoute } from "../../rtnl/mod.ts";
import type { Neigh } from "../../rtnl/mod.ts";
import { withNetns } from "../helpers.ts";
import { compareDumps, fixture, FIXTURE_NEEDS, ifnames, toolJson } from "./rtnl_fixture.ts";
import { gate } from "../features.ts";

const NUD: [number, string][] = [
  [0x01, "INCOMPLETE"],
  [0x02, "REACHABLE"],
  [0x04, "STALE"],
  [0x08, "DELAY"],
  [0x10, "PROBE"],
  [0x20, "FAILED"],
  [0x40, "NOARP"],
  [0x80, "PERMANENT"],
];

/** A neighbour in the words of `ip -j neigh show`. */
function asIproute2(n: Neigh, names: Map<number, string>, proxy: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { dst: n.dst, dev: names.get(n.ifindex) };
  if (n.lladdr !== undefined) out.lladdr = n.lladdr;
  if (n.flags & 0x80) out.router = null;
  if (n.flags & 0x10) out.extern_learn = null;
  if (proxy) out.proxy = null;
  else out.state = NUD.filter(([bit]) => n.state & bit).map(([, s]) => s);
  return out;
}

Deno.test({
  ...(await gate(
    "oracle: getNeighbours matches ip -j neigh show field by field (entries and proxies)",
    ...FIXTURE_NEEDS,
  )),
  fn: () =>
    withNetns(async (ns) => {
      await fixture(ns);
      using ip = new IPRoute({ netns: ns });
      const names = await ifnames(ns);
      const key = (e: Record<string, unknown>) => `${e.dev} ${e.dst}`;
      await compareDumps(
        "neigh",
        () => toolJson("ip", ns, "neigh", "show", "nud", "all"),
        async () => (await ip.getNeighbours()).map((n) => asIproute2(n, names, false)),
        key,
        { minimum: 4 },
      );
      await compareDumps(
        "neigh proxy",
        () => toolJson("ip", ns, "neigh", "show", "proxy"),
        async () =>
          (await ip.getNeighbours({ proxy: true })).map((n) => asIproute2(n, names, true)),
        key,
        { minimum: 2 },
      );
    }, "oneigh"),
});
