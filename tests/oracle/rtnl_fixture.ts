/**
 * The namespace the address/route/rule/neighbour/nexthop/fdb oracle tests compare in (veth
 * pairs, a bridge with ports, IPv4/IPv6 addresses, routes in several tables, multipath, nexthop
 * objects and groups, rules, neighbours, proxy entries, fdb entries), built with iproute2 itself,
 * and a comparison that tolerates what changes by itself between two dumps.
 *
 * @module
 */

import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { iproute2Lines, run } from "../helpers.ts";
import type { Feature } from "../features.ts";

/** The fixture, as iproute2 commands (each gets `-n NS` after the tool's name). */
/** What the fixture needs of the kernel besides veth (the tests are skipped without it). */
export const FIXTURE_NEEDS: Feature[] = ["link:bridge", "nexthop"];

export const FIXTURE: readonly string[] = [
  "ip link set lo up",
  "ip link add v0 type veth peer name v1",
  "ip link add v2 type veth peer name v3",
  "ip link add br0 type bridge",
  "ip link set v2 master br0",
  "ip link set v3 master br0",
  "ip link set v0 up",
  "ip link set v1 up",
  "ip link set v2 up",
  "ip link set v3 up",
  "ip link set br0 up",
  "ip addr add 10.0.0.1/24 brd + dev v0",
  "ip addr add 10.0.0.2/24 dev v0",
  "ip addr add 10.9.0.1 peer 10.9.0.2/32 dev v0 label v0:p",
  "ip addr add 10.0.1.1/24 dev v1 valid_lft 1000 preferred_lft 500",
  "ip addr add 192.168.5.1/24 dev br0",
  "ip -6 addr add 2001:db8::1/64 dev v0 nodad",
  "ip -6 addr add 2001:db8:1::1/64 dev v1 nodad metric 5",
  "ip -6 addr add 2001:db8:2::1/64 dev v1 nodad noprefixroute",
  "ip route add 10.1.0.0/16 via 10.0.0.254 metric 10",
  "ip route add 10.2.0.0/16 nexthop via 10.0.0.254 weight 3 nexthop via 10.0.1.254 dev v1 weight 1",
  "ip route add 10.3.0.0/16 via 10.0.0.254 table 100 proto static mtu 1400 advmss 1300",
  "ip route add blackhole 10.4.0.0/16 table 1000",
  "ip route add unreachable 10.5.0.0/16 table 100",
  "ip route add prohibit 10.6.0.0/16",
  "ip route add 10.7.0.0/16 dev v1 scope link src 10.0.1.1",
  "ip route add default via 10.0.0.254 table 200",
  "ip -6 route add 2001:db8:5::/48 via 2001:db8::ff metric 7",
  "ip -6 route add 2001:db8:6::/48 nexthop via 2001:db8::fe dev v0 weight 2 nexthop via 2001:db8:1::fe dev v1 weight 4",
  "ip -6 route add unreachable 2001:db8:7::/48 table 100",
  "ip nexthop add id 1 via 10.0.0.254 dev v0",
  "ip nexthop add id 2 via 10.0.1.254 dev v1 proto static",
  "ip nexthop add id 3 blackhole",
  "ip nexthop add id 4 via 2001:db8::fd dev v0",
  "ip nexthop add id 5 via 10.0.0.9 fdb",
  "ip nexthop add id 10 group 1,2/2,5",
  "ip nexthop add id 11 group 1/2 type resilient buckets 16",
  "ip route add 10.8.0.0/16 nhid 10",
  "ip rule add priority 100 from 10.0.0.0/8 table 100",
  "ip rule add priority 101 to 192.168.0.0/16 iif v0 fwmark 0x10/0xff table 1000",
  "ip rule add priority 102 uidrange 1000-2000 ipproto tcp dport 80 lookup main",
  "ip rule add priority 103 blackhole",
  "ip rule add priority 98 not from 10.1.0.0/16 oif v1 goto 103",
  "ip rule add priority 105 lookup main suppress_prefixlength 0",
  "ip -6 rule add priority 100 from 2001:db8::/32 table 100",
  "ip -6 rule add priority 101 to 2001:db8:9::/48 unreachable",
  "ip neigh add 10.0.0.5 lladdr 02:00:00:00:00:05 dev v0",
  "ip neigh add 10.0.0.6 lladdr 02:00:00:00:00:06 dev v0 nud stale",
  "ip neigh add 10.0.1.7 lladdr 02:00:00:00:00:07 dev v1 nud reachable",
  "ip -6 neigh add 2001:db8::5 lladdr 02:00:00:00:00:55 dev v0 router nud reachable",
  "ip neigh add proxy 10.0.0.7 dev v0",
  "ip -6 neigh add proxy 2001:db8::7 dev v0",
  "bridge fdb add 02:00:00:00:01:01 dev v2 master static",
  "bridge fdb add 02:00:00:00:01:02 dev v2 master",
  "bridge fdb add 02:00:00:00:01:03 dev v0 self permanent",
];

/**
 * Builds the fixture in namespace `ns`: a dozen `TOOL -n NS OPTIONS -batch -` processes instead
 * of one per line (tests/helpers.ts iproute2Lines); a failed line still fails the build.
 */
export async function fixture(ns: string): Promise<void> {
  await iproute2Lines(ns, FIXTURE);
}

/** `TOOL -n NS -j ARGS…` parsed (`ip` or `bridge`). */
export async function toolJson(
  tool: string,
  ns: string,
  ...args: string[]
): Promise<Record<string, unknown>[]> {
  const text = await run(tool, ["-n", ns, "-j", ...args]);
  return text.trim() ? JSON.parse(text) : [];
}

/** Interface names by index, from `ip -j link show`. */
export async function ifnames(ns: string): Promise<Map<number, string>> {
  const links = await toolJson("ip", ns, "link", "show");
  return new Map(links.map((l) => [l.ifindex as number, l.ifname as string]));
}

/**
 * A field that counts down on its own (lifetimes): the library's value must lie between the two
 * iproute2 printed, give or take `slack` (a second's rounding).
 */
export const DRIFT: Record<string, number> = {
  valid_life_time: 1,
  preferred_life_time: 1,
};

/**
 * Compares what iproute2 printed with what the library decoded, field by field: entries that
 * iproute2 printed in two dumps taken before and after the library's must be in the library's
 * with every field iproute2 printed equal to its value in one of the two (`ignore` skips some); entries the library has must
 * have been printed by iproute2 at least once (things the kernel adds or drops by itself between
 * two dumps, like learnt fdb entries or multicast neighbours, can be in one dump only).
 */
export async function compareDumps(
  what: string,
  theirs: () => Promise<Record<string, unknown>[]>,
  ours: () => Promise<Record<string, unknown>[]>,
  key: (e: Record<string, unknown>) => string,
  opts: { ignore?: readonly string[]; minimum?: number } = {},
): Promise<number> {
  const before = await theirs();
  const mine = await ours();
  const after = await theirs();
  const t1 = new Map(before.map((e) => [key(e), e]));
  const t2 = new Map(after.map((e) => [key(e), e]));
  const m = new Map<string, Record<string, unknown>>();
  for (const e of mine) {
    const k = key(e);
    assert.ok(!m.has(k), `${what}: the library gave ${k} twice`);
    m.set(k, e);
  }
  assert.equal(t2.size, after.length, `${what}: iproute2 entries have unique keys`);
  let compared = 0;
  for (const [k, t] of t2) {
    const t0 = t1.get(k);
    if (!t0) continue;
    const o = m.get(k);
    assert.ok(o, `${what}: ${k} printed by iproute2 is missing: ${JSON.stringify(t)}`);
    // The library's dump sits between iproute2's two: a field the kernel changes meanwhile
    // (an address leaving "tentative", a lifetime counting down) must have one of the two values
    // iproute2 printed (a number: within them); a field that held still must be equal.
    for (const f of new Set([...Object.keys(t0), ...Object.keys(t)])) {
      if (opts.ignore?.includes(f)) continue;
      const v0: unknown = t0[f], v: unknown = t[f];
      const slack = DRIFT[f];
      if (
        slack !== undefined && typeof v0 === "number" && typeof v === "number" &&
        typeof o[f] === "number"
      ) {
        const n = o[f] as number;
        assert.ok(
          Math.min(v0, v) - slack <= n && n <= Math.max(v0, v) + slack,
          `${what} ${k}.${f}: library ${n}, iproute2 ${v0} then ${v}`,
        );
      } else if (!isDeepStrictEqual(o[f], v0)) {
        assert.deepEqual(
          o[f],
          v,
          `${what} ${k}.${f}: library ${JSON.stringify(o[f])}, ` +
            `iproute2 ${JSON.stringify(v0)} then ${JSON.stringify(v)}\n  library: ${
              JSON.stringify(o)
            }\n  iproute2: ${JSON.stringify(t0)}\n  then: ${JSON.stringify(t)}`,
        );
      }
    }
    compared++;
  }
  for (const k of m.keys()) {
    assert.ok(t1.has(k) || t2.has(k), `${what}: ${k} from the library was not printed by iproute2`);
  }
  assert.ok(compared >= (opts.minimum ?? 1), `${what}: compared ${compared}`);
  return compared;
}

/** A name from a name → number table, or the number as text. */
export function nameIn(table: Readonly<Record<string, number>>, n: number): string {
  for (const [k, v] of Object.entries(table)) if (v === n) return k;
  return String(n);
}
