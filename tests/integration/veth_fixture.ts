/**
 * The veth pair most live rtnl tests start from: v0/v1 and lo up, 10.0.0.1/24 on v0,
 * 10.0.1.1/24 on v1, 2001:db8::1/64 on v0 (nodad).
 *
 * @module
 */

import type { IPRoute } from "../../mod.ts";

/** Builds the pair in `ip`'s namespace and returns the two indexes. */
export async function vethPair(ip: IPRoute): Promise<{ v0: number; v1: number }> {
  await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
  for (const n of ["lo", "v0", "v1"]) await ip.link("set", { index: n, state: "up" });
  await ip.addr("add", { index: "v0", address: "10.0.0.1/24" });
  await ip.addr("add", { index: "v1", address: "10.0.1.1/24" });
  await ip.addr("add", { index: "v0", address: "2001:db8::1/64", flags: ["nodad"] });
  const [v0] = await ip.linkLookup({ ifname: "v0" });
  const [v1] = await ip.linkLookup({ ifname: "v1" });
  return { v0, v1 };
}
