/**
 * The shape of a compat scenario: a live test in a fresh namespace with an IPRoute open in it,
 * written as a pyroute2 user writes it (snake_case → camelCase, keywords → one options object).
 *
 * @module
 */

import { IPRoute } from "../../mod.ts";
import { withNetns } from "../helpers.ts";
import { liveTest } from "../features.ts";
import type { Feature } from "../features.ts";

/** Registers `name` as a live test: `fn` gets an IPRoute in a namespace of its own. */
export function scenario(
  name: string,
  features: readonly Feature[],
  fn: (ip: IPRoute, ns: string) => Promise<void>,
): Promise<void> {
  return liveTest(`compat: ${name}`, features, () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await fn(ip, ns);
    }, "compat"));
}

/** A veth pair `name`/`name`p (pyroute2's tests use dummy links; this kernel has veth): the indexes. */
export async function veth(ip: IPRoute, name: string): Promise<[number, number]> {
  await ip.link("add", { ifname: name, kind: "veth", peer: `${name}p` });
  const [a] = await ip.linkLookup({ ifname: name });
  const [b] = await ip.linkLookup({ ifname: `${name}p` });
  return [a, b];
}
