/**
 * Bad input: a table of invalid specs across link, addr, route, rule, neigh, tc and netns. Each
 * must be a TypeError or RangeError naming the field, thrown before anything is sent: no change
 * request leaves the socket (every send is watched), and `ip -j` shows the namespace unchanged.
 *
 * @module
 */

import assert from "node:assert/strict";
import { IPRoute, netns } from "../../mod.ts";
import { ipJson, isRoot, run, withNetns } from "../helpers.ts";
import { isChange, watchSends } from "./util.ts";

const ignore = !isRoot;

type Call = (ip: IPRoute) => unknown;

/** [verb, what is wrong, the call, the field its error must name]. */
const ROWS: [string, string, Call, string][] = [
  // link
  [
    "link",
    "name of 16 bytes",
    (ip) => ip.link("add", { ifname: "a".repeat(16), kind: "veth" }),
    "ifname",
  ],
  ["link", "name with /", (ip) => ip.link("add", { ifname: "a/b", kind: "veth" }), "ifname"],
  ["link", "empty name", (ip) => ip.link("add", { ifname: "", kind: "veth" }), "ifname"],
  [
    "link",
    "unknown kind",
    (ip) => ip.link("add", { ifname: "x0", kind: "no-such-kind!" as never }),
    "kind",
  ],
  [
    "link",
    "bad MAC",
    (ip) => ip.link("set", { index: 2, address: "zz:11:22:33:44:55" }),
    "address",
  ],
  [
    "link",
    "MAC of one byte too many digits",
    (ip) => ip.link("set", { index: 2, address: "001:22:33:44:55:66" }),
    "address",
  ],
  [
    "link",
    "unknown state",
    (ip) => ip.link("set", { index: 2, state: "sideways" as "up" }),
    "state",
  ],
  ["link", "negative mtu", (ip) => ip.link("set", { index: 2, mtu: -1 }), "mtu"],
  ["link", "mtu above u32", (ip) => ip.link("set", { index: 2, mtu: 2 ** 32 }), "mtu"],
  [
    "link",
    "mtu as a string",
    (ip) => ip.link("set", { index: 2, mtu: "1500" as unknown as number }),
    "mtu",
  ],
  ["link", "fractional index", (ip) => ip.link("set", { index: 0.5, mtu: 1400 }), "index"],
  [
    "link",
    "null index",
    (ip) => ip.link("set", { index: null as unknown as number, mtu: 1400 }),
    "index",
  ],
  ["link", "unknown verb", (ip) => ip.link("frob" as "set", { index: 2 }), "command"],
  [
    "link",
    "unknown attribute",
    (ip) => ip.link("set", { index: 2, no_such_attr: 1 } as never),
    "no_such_attr",
  ],
  [
    "link",
    "promisc not a boolean",
    (ip) => ip.link("set", { index: 2, promisc: "yes" as unknown as boolean }),
    "promisc",
  ],
  [
    "link",
    "veth peer name with /",
    (ip) => ip.link("add", { ifname: "v9", kind: "veth", peer: { ifname: "p/q" } }),
    "peer.ifname",
  ],
  ["link", "spec null", (ip) => ip.link("set", null as unknown as { index: number }), "spec"],
  // addr
  [
    "addr",
    "octet of 256",
    (ip) => ip.addr("add", { index: 2, address: "10.0.0.256/24" }),
    "address",
  ],
  ["addr", "prefix of 33", (ip) => ip.addr("add", { index: 2, address: "10.0.0.1/33" }), "address"],
  [
    "addr",
    "mask of 129",
    (ip) => ip.addr("add", { index: 2, address: "10.0.0.1", mask: 129 }),
    "mask",
  ],
  [
    "addr",
    "IPv4 address, IPv6 local",
    (ip) => ip.addr("add", { index: 2, address: "10.0.0.1/24", local: "2001:db8::1" }),
    "local",
  ],
  [
    "addr",
    "IPv6 with broadcast",
    (ip) => ip.addr("add", { index: 2, address: "2001:db8::1/64", broadcast: "10.0.0.255" }),
    "broadcast",
  ],
  [
    "addr",
    "label too long",
    (ip) => ip.addr("add", { index: 2, address: "10.0.0.1/24", label: "x".repeat(20) }),
    "label",
  ],
  [
    "addr",
    "address a number",
    (ip) => ip.addr("add", { index: 2, address: 42 as unknown as string }),
    "address",
  ],
  [
    "addr",
    "unknown flag",
    (ip) => ip.addr("add", { index: 2, address: "10.0.0.1/24", flags: ["nosuchflag" as "nodad"] }),
    "flags",
  ],
  [
    "addr",
    "unknown scope",
    (ip) => ip.addr("add", { index: 2, address: "10.0.0.1/24", scope: "galaxy" }),
    "scope",
  ],
  [
    "addr",
    "unknown verb",
    (ip) => ip.addr("bogus" as "add", { index: 2, address: "10.0.0.1/24" }),
    "command",
  ],
  [
    "addr",
    "interface name with /",
    (ip) => ip.addr("add", { index: "a/b", address: "10.0.0.1/24" }),
    "index",
  ],
  // route
  [
    "route",
    "IPv4 dst, IPv6 gateway",
    (ip) => ip.route("add", { dst: "10.0.0.0/24", gateway: "2001:db8::1" }),
    "gateway",
  ],
  ["route", "dst 300.0.0.0", (ip) => ip.route("add", { dst: "300.0.0.0/8", oif: 2 }), "dst"],
  ["route", "dst prefix of 40", (ip) => ip.route("add", { dst: "10.0.0.0/40", oif: 2 }), "dst"],
  [
    "route",
    "unknown table",
    (ip) => ip.route("add", { dst: "10.1.0.0/16", oif: 2, table: "nosuchtable" }),
    "table",
  ],
  [
    "route",
    "unknown type",
    (ip) => ip.route("add", { dst: "10.1.0.0/16", type: "teleport" }),
    "type",
  ],
  [
    "route",
    "unknown proto",
    (ip) => ip.route("add", { dst: "10.1.0.0/16", oif: 2, proto: "carrier-pigeon" }),
    "proto",
  ],
  [
    "route",
    "negative priority",
    (ip) => ip.route("add", { dst: "10.1.0.0/16", oif: 2, priority: -5 }),
    "priority",
  ],
  [
    "route",
    "next hop weight 0",
    (ip) =>
      ip.route("add", { dst: "10.1.0.0/16", multipath: [{ gateway: "10.0.0.2", weight: 0 }] }),
    "multipath[0].weight",
  ],
  [
    "route",
    "unknown metric",
    (ip) => ip.route("add", { dst: "10.1.0.0/16", oif: 2, metrics: { nosuch: 1 } }),
    "metrics.nosuch",
  ],
  [
    "route",
    "oif an object",
    (ip) => ip.route("add", { dst: "10.1.0.0/16", oif: {} as number }),
    "oif",
  ],
  [
    "route",
    "unknown scope",
    (ip) => ip.route("add", { dst: "10.1.0.0/16", oif: 2, scope: "galaxy" }),
    "scope",
  ],
  [
    "route",
    "unknown verb",
    (ip) => ip.route("teleport" as "add", { dst: "10.1.0.0/16" }),
    "command",
  ],
  // rule
  ["rule", "unknown table", (ip) => ip.rule("add", { table: "nosuch", priority: 100 }), "table"],
  ["rule", "src prefix of 33", (ip) => ip.rule("add", { src: "10.0.0.0/33", table: 100 }), "src"],
  [
    "rule",
    "IPv4 src, IPv6 dst",
    (ip) => ip.rule("add", { src: "10.0.0.0/8", dst: "2001:db8::/32", table: 100 }),
    "dst",
  ],
  [
    "rule",
    "unknown action",
    (ip) => ip.rule("add", { action: "explode" as "blackhole", priority: 5 }),
    "action",
  ],
  ["rule", "bad fwmark text", (ip) => ip.rule("add", { fwmark: "0xzz", table: 100 }), "fwmark"],
  [
    "rule",
    "priority above u32",
    (ip) => ip.rule("add", { priority: 2 ** 32, table: 100 }),
    "priority",
  ],
  [
    "rule",
    "iifname too long",
    (ip) => ip.rule("add", { iifname: "x".repeat(16), table: 100 }),
    "iifname",
  ],
  // neigh
  [
    "neigh",
    "bad lladdr",
    (ip) => ip.neigh("add", { ifindex: 2, dst: "10.0.0.5", lladdr: "gg:hh" }),
    "lladdr",
  ],
  [
    "neigh",
    "dst with a prefix",
    (ip) => ip.neigh("add", { ifindex: 2, dst: "10.0.0.5/24", lladdr: "00:11:22:33:44:55" }),
    "dst",
  ],
  [
    "neigh",
    "unknown state",
    (ip) =>
      ip.neigh("add", {
        ifindex: 2,
        dst: "10.0.0.5",
        lladdr: "00:11:22:33:44:55",
        state: "confused" as "permanent",
      }),
    "state",
  ],
  [
    "neigh",
    "vlan 5000",
    (ip) =>
      ip.neigh("add", { ifindex: 2, dst: "10.0.0.5", lladdr: "00:11:22:33:44:55", vlan: 5000 }),
    "vlan",
  ],
  [
    "neigh",
    "no interface",
    (ip) => ip.neigh("add", { dst: "10.0.0.5", lladdr: "00:11:22:33:44:55" }),
    "ifindex",
  ],
  [
    "neigh",
    "dst not an address",
    (ip) => ip.neigh("add", { ifindex: 2, dst: "neighbour", lladdr: "00:11:22:33:44:55" }),
    "dst",
  ],
  // tc
  ["tc", "bad handle", (ip) => ip.tc("add", "htb", { index: 2, handle: "zz:" }), "handle"],
  [
    "tc",
    "unknown qdisc kind",
    (ip) => ip.tc("add", "no-such-qdisc" as "htb", { index: 2, handle: "1:" }),
    "kind",
  ],
  [
    "tc",
    "tbf without burst",
    (ip) => ip.tc("add", "tbf", { index: 2, handle: "1:", rate: "1mbit", latency: "50ms" }),
    "burst",
  ],
  ["tc", "unknown verb", (ip) => ip.tc("frobnicate" as "add", "htb", { index: 2 }), "command"],
  [
    "tc",
    "hfsc default above ffff",
    (ip) => ip.tc("add", "hfsc", { index: 2, handle: "1:", default: 0x10000 }),
    "default",
  ],
  [
    "tc",
    "rate not a rate",
    (ip) =>
      ip.tc("add", "tbf", {
        index: 2,
        handle: "1:",
        rate: "fast",
        burst: "32kbit",
        latency: "50ms",
      }),
    "rate",
  ],
  // netns
  ["netns", "name with /", () => netns.create("a/b"), "name"],
  ["netns", "empty name", () => netns.create(""), "name"],
  ["netns", "name of 300 bytes", () => netns.create("x".repeat(300)), "name"],
  ["netns", "name ..", () => netns.create(".."), "name"],
  ["netns", "name not a string", () => netns.create(7 as unknown as string), "name"],
  ["netns", "remove ../etc", () => netns.remove("../etc"), "name"],
  [
    "netns",
    "IPRoute in a namespace named with /",
    () => new IPRoute({ netns: "bad/name" }),
    "netns",
  ],
  [
    "netns",
    "IPRoute in the namespace of pid -1",
    () => new IPRoute({ netns: { pid: -1 } }),
    "netns.pid",
  ],
];

/** What `ip -j` and `tc -j` show of the namespace (and which namespaces exist). */
const SPEC_NAMES = new Set(["a", "b", "a/b", "", "x".repeat(300), "..", "7", "etc", "bad"]);

async function snapshot(ns: string): Promise<string> {
  const parts = await Promise.all([
    ipJson(ns, "link", "show"),
    ipJson(ns, "addr", "show"),
    ipJson(ns, "route", "show", "table", "all"),
    ipJson(ns, "-6", "route", "show", "table", "all"),
    ipJson(ns, "rule", "show"),
    ipJson(ns, "-6", "rule", "show"),
    ipJson(ns, "neigh", "show"),
    run("tc", ["-n", ns, "-j", "qdisc", "show"]),
    // Only the names the invalid specs above could create: other processes on the machine may
    // add and remove namespaces of their own meanwhile.
    run("ip", ["netns", "list"]).then((out) =>
      out.split("\n").map((l) => l.split(" ")[0]).filter((n) => SPEC_NAMES.has(n))
    ),
  ]);
  return JSON.stringify(
    parts,
    (k, v) => (k === "valid_life_time" || k === "preferred_life_time" ? undefined : v),
  );
}

Deno.test({
  name:
    `bad input: ${ROWS.length} invalid specs are TypeError/RangeError naming the field, nothing sent, nothing changed`,
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      await ip.addr("add", { index: "v0", address: "10.0.0.1/24" });
      const [v0] = await ip.linkLookup({ ifname: "v0" });
      assert.equal(v0 > 1, true);
      const before = await snapshot(ns);
      const sent = watchSends(ip.socket);
      const verbs = new Set<string>();
      const wrong: string[] = [];
      for (const [verb, what, call, field] of ROWS) {
        verbs.add(verb);
        let error: unknown;
        try {
          await call(ip);
        } catch (e) {
          error = e;
        }
        const e = error as Error | undefined;
        if (!(e instanceof TypeError || e instanceof RangeError)) {
          wrong.push(`${verb} (${what}): ${e ? `${e.name}: ${e.message}` : "no error"}`);
        } else if (!e.message.includes(field)) {
          wrong.push(`${verb} (${what}): "${e.message}" does not name ${field}`);
        }
      }
      assert.deepEqual(wrong, []);
      const changes = sent.filter((s) => isChange(s.type));
      assert.deepEqual(changes, [], "a change request was sent");
      assert.equal(await snapshot(ns), before, "the namespace changed");
      assert.ok(ROWS.length >= 40);
      assert.deepEqual([...verbs].sort(), [
        "addr",
        "link",
        "neigh",
        "netns",
        "route",
        "rule",
        "tc",
      ]);
    }, "rbad"),
});
