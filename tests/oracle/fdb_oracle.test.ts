/** getFdb against `bridge -j fdb show`, field by field, on the fixture namespace. */

import { IPRoute } from "../../rtnl/mod.ts";
import type { FdbEntry } from "../../rtnl/mod.ts";
import { withNetns } from "../helpers.ts";
import { compareDumps, fixture, FIXTURE_NEEDS, ifnames, toolJson } from "./rtnl_fixture.ts";
import { gate } from "../features.ts";

const FLAGS: [number, string][] = [
  [0x02, "self"],
  [0x10, "extern_learn"],
  [0x20, "offload"],
  [0x40, "sticky"],
];

/** An fdb entry in the words of `bridge -j fdb show`. */
function asBridge(e: FdbEntry, names: Map<number, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    mac: e.lladdr,
    ifname: names.get(e.ifindex),
    flags: FLAGS.filter(([bit]) => e.flags & bit).map(([, n]) => n),
    state: e.state & 0x80 ? "permanent" : e.state & 0x40 ? "static" : e.state & 0x04 ? "stale" : "",
  };
  if (e.vlan !== undefined) out.vlan = e.vlan;
  if (e.dst !== undefined) out.dst = e.dst;
  if (e.master !== undefined) out.master = names.get(e.master);
  return out;
}

Deno.test({
  ...(await gate("oracle: getFdb matches bridge -j fdb show field by field", ...FIXTURE_NEEDS)),
  fn: () =>
    withNetns(async (ns) => {
      await fixture(ns);
      using ip = new IPRoute({ netns: ns });
      const names = await ifnames(ns);
      const key = (e: Record<string, unknown>) =>
        `${e.ifname} ${e.mac} ${e.master ?? "self"} ${e.vlan ?? ""}`;
      await compareDumps(
        "fdb",
        () => toolJson("bridge", ns, "fdb", "show"),
        async () => (await ip.getFdb()).map((e) => asBridge(e, names)),
        key,
        { minimum: 15 },
      );
      await compareDumps(
        "fdb br br0",
        () => toolJson("bridge", ns, "fdb", "show", "br", "br0"),
        async () => (await ip.getFdb({ master: "br0" })).map((e) => asBridge(e, names)),
        key,
        { minimum: 5 },
      );
    }, "ofdb"),
});
