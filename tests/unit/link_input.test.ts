/**
 * Bad input to the link verbs: each is a TypeError or RangeError naming the field, thrown before
 * anything is sent and before any interface name is looked up.
 */

import assert from "node:assert/strict";
import { RtnlCore } from "../../rtnl/core.ts";
import { checkIfname } from "../../rtnl/core.ts";
import { getLinks, linkCommand, linkLookup } from "../../rtnl/link.ts";
import type { LinkCommand, LinkSpec } from "../../rtnl/link.ts";

/** A core that counts what it would do; it never sends, and its namespace does not exist. */
function fakeCore() {
  const calls = { lookups: 0, sends: 0 };
  const core = {
    // A tun/tap device would be made in this namespace, which cannot be opened: a check that
    // failed to throw can never create a device in the machine's namespace.
    options: { netns: "/nonexistent/netns/for-unit-tests" },
    netns: "/nonexistent/netns/for-unit-tests",
    build: RtnlCore.prototype.build,
    ifindex(value: unknown, field: string) {
      if (typeof value === "number") {
        return RtnlCore.prototype.ifindex.call(core, value, field);
      }
      checkIfname(value, field);
      calls.lookups++;
      return Promise.resolve(3);
    },
    send() {
      calls.sends++;
      throw new Error("a unit test sent a request");
    },
    dump() {
      calls.sends++;
      throw new Error("a unit test dumped");
    },
  } as unknown as RtnlCore;
  return { core, calls };
}

type Case = [
  what: string,
  cmd: unknown,
  spec: unknown,
  error: typeof TypeError | typeof RangeError,
  field: RegExp,
];

const long = "x".repeat(16);
const cases: Case[] = [
  ["unknown verb", "frob", { index: 1 }, TypeError, /^command: /],
  ["verb of the wrong type", 42, { index: 1 }, TypeError, /^command: /],
  ["spec null", "set", null, TypeError, /^spec: /],
  ["spec an array", "set", [1], TypeError, /^spec: /],
  ["add without kind", "add", { ifname: "d0" }, TypeError, /^kind: required/],
  ["add without ifname", "add", { kind: "dummy" }, TypeError, /^ifname: required/],
  ["add with an index", "add", { index: 3, ifname: "d0", kind: "dummy" }, TypeError, /^index: /],
  ["ifname of 16 bytes", "add", { ifname: long, kind: "dummy" }, RangeError, /^ifname: /],
  ["ifname with /", "add", { ifname: "a/b", kind: "dummy" }, TypeError, /^ifname: /],
  ["ifname with a space", "add", { ifname: "a b", kind: "dummy" }, TypeError, /^ifname: /],
  ["empty ifname", "add", { ifname: "", kind: "dummy" }, TypeError, /^ifname: /],
  ["ifname a number", "add", { ifname: 7, kind: "dummy" }, TypeError, /^ifname: /],
  ["unknown kind", "add", { ifname: "x0", kind: "frobnic" }, TypeError, /^kind: unknown/],
  ["kind a number", "add", { ifname: "x0", kind: 1 }, TypeError, /^kind: /],
  ["kind tun over rtnetlink", "add", { ifname: "t0", kind: "tun" }, TypeError, /^kind: .*tuntap/],
  ["peer on a bridge", "add", { ifname: "b0", kind: "bridge", peer: "b1" }, TypeError, /^peer: /],
  [
    "peer brought up at creation (the kernel answers ENOTCONN)",
    "add",
    { ifname: "v0", kind: "veth", peer: { ifname: "v1", state: "up" } },
    TypeError,
    /^peer\.state: /,
  ],
  [
    "peer with a kind",
    "add",
    {
      ifname: "v0",
      kind: "veth",
      peer: { ifname: "v1", kind: "dummy" },
    },
    TypeError,
    /^peer\.kind: /,
  ],
  [
    "peer name too long",
    "add",
    { ifname: "v0", kind: "veth", peer: long },
    RangeError,
    /^peer\.ifname: /,
  ],
  [
    "peer name with /",
    "add",
    { ifname: "v0", kind: "veth", peer: { ifname: "v/1" } },
    TypeError,
    /^peer\.ifname: /,
  ],
  [
    "peer mtu a string",
    "add",
    {
      ifname: "v0",
      kind: "veth",
      peer: { ifname: "v1", mtu: "9000" },
    },
    TypeError,
    /^peer\.mtu: /,
  ],
  [
    "peer with port settings",
    "add",
    {
      ifname: "v0",
      kind: "veth",
      peer: { ifname: "v1", brport_cost: 1 },
    },
    TypeError,
    /^peer: /,
  ],
  [
    "peer with altnames",
    "add",
    {
      ifname: "v0",
      kind: "veth",
      peer: { ifname: "v1", altnames: ["x"] },
    },
    TypeError,
    /^peer\.altnames: /,
  ],
  [
    "altnames and altname",
    "set",
    { index: 3, altnames: ["a"], altname: "b" },
    TypeError,
    /^altname: /,
  ],
  ["bad MAC", "set", { index: 3, address: "00:11:22:33:44:zz" }, TypeError, /^address: /],
  ["MAC a number", "set", { index: 3, address: 12 }, TypeError, /^address: /],
  ["bad broadcast", "set", { index: 3, broadcast: "ff::ff::" }, TypeError, /^broadcast: /],
  ["mtu a string", "set", { index: 3, mtu: "1500" }, TypeError, /^mtu: /],
  ["mtu negative", "set", { index: 3, mtu: -1 }, RangeError, /^mtu: /],
  ["mtu fractional", "set", { index: 3, mtu: 1.5 }, TypeError, /^mtu: /],
  ["mtu above INT_MAX", "set", { index: 3, mtu: 2 ** 31 }, RangeError, /^mtu: /],
  ["txqlen above u32", "set", { index: 3, txqlen: 2 ** 32 }, RangeError, /^txqlen: /],
  ["group a word", "set", { index: 3, group: "none" }, TypeError, /^group: /],
  ["alias a number", "set", { index: 3, alias: 42 }, TypeError, /alias: /],
  ["unknown attribute", "set", { index: 3, frob: 1 }, TypeError, /^frob: unknown/],
  ["a raw linkinfo", "set", { index: 3, linkinfo: {} }, TypeError, /^linkinfo: /],
  [
    "data key of another kind",
    "add",
    {
      ifname: "b0",
      kind: "bridge",
      vxlan_id: 1,
    },
    TypeError,
    /^vxlan_id: .*vxlan/,
  ],
  ["state sideways", "set", { index: 3, state: "sideways" }, TypeError, /^state: /],
  ["promisc yes", "set", { index: 3, promisc: "yes" }, TypeError, /^promisc: /],
  ["arp 1", "set", { index: 3, arp: 1 }, TypeError, /^arp: /],
  ["flags a string", "set", { index: 3, flags: "up" }, RangeError, /^flags: /],
  ["family inet", "set", { index: 3, family: 2 }, RangeError, /^family: /],
  ["master fractional", "set", { index: 3, master: 1.5 }, RangeError, /^master: /],
  ["master an object", "set", { index: 3, master: {} }, TypeError, /^master: /],
  ["master name too long", "set", { index: 3, master: long }, RangeError, /^master: /],
  ["link name with /", "add", { ifname: "m0", kind: "macvlan", link: "a/b" }, TypeError, /^link: /],
  ["index 0", "set", { index: 0, mtu: 1400 }, RangeError, /^index: /],
  ["index negative", "set", { index: -3 }, RangeError, /^index: /],
  ["set without index", "set", { mtu: 1400 }, TypeError, /^index: required/],
  ["del without index", "del", {}, TypeError, /^index: required/],
  ["del with mtu", "del", { index: 3, mtu: 1400 }, TypeError, /^mtu: not used/],
  ["get without selector", "get", {}, TypeError, /^index: required/],
  ["get with state", "get", { index: 3, state: "up" }, TypeError, /^state: not used/],
  [
    "macvlan mode unknown",
    "add",
    {
      ifname: "m0",
      kind: "macvlan",
      link: 3,
      macvlan_mode: "bridgey",
    },
    TypeError,
    /^macvlan_mode: /,
  ],
  [
    "vlan protocol unknown",
    "add",
    {
      ifname: "v0.1",
      kind: "vlan",
      link: 3,
      vlan_id: 1,
      vlan_protocol: "802.1x",
    },
    TypeError,
    /^vlan_protocol: /,
  ],
  [
    "vlan id above u16",
    "add",
    { ifname: "v0.1", kind: "vlan", link: 3, vlan_id: 70000 },
    RangeError,
    /^vlan_id: /,
  ],
  [
    "vlan flag unknown",
    "add",
    {
      ifname: "v0.1",
      kind: "vlan",
      link: 3,
      vlan_id: 1,
      vlan_flags: { frob: true },
    },
    TypeError,
    /^vlan_flags\.frob: /,
  ],
  [
    "vlan flag not boolean",
    "add",
    {
      ifname: "v0.1",
      kind: "vlan",
      link: 3,
      vlan_id: 1,
      vlan_flags: { reorder_hdr: "no" },
    },
    TypeError,
    /^vlan_flags\.reorder_hdr: /,
  ],
  [
    "vlan qos map not a list",
    "add",
    {
      ifname: "v0.1",
      kind: "vlan",
      link: 3,
      vlan_id: 1,
      vlan_egress_qos: { from: 1, to: 2 },
    },
    TypeError,
    /^vlan_egress_qos: /,
  ],
  [
    "vlan qos map negative",
    "add",
    {
      ifname: "v0.1",
      kind: "vlan",
      link: 3,
      vlan_id: 1,
      vlan_ingress_qos: [{ from: 1, to: -1 }],
    },
    RangeError,
    /^vlan_ingress_qos\[0\]\.to: /,
  ],
  [
    "vxlan group not an address",
    "add",
    {
      ifname: "vx0",
      kind: "vxlan",
      vxlan_id: 1,
      vxlan_group: "10.0.0.999",
    },
    TypeError,
    /^vxlan_group: /,
  ],
  [
    "vxlan id a string",
    "add",
    { ifname: "vx0", kind: "vxlan", vxlan_id: "42" },
    TypeError,
    /^vxlan_id: /,
  ],
  [
    "vxlan port range reversed type",
    "add",
    {
      ifname: "vx0",
      kind: "vxlan",
      vxlan_id: 1,
      vxlan_port_range: { low: "a", high: 2 },
    },
    TypeError,
    /^vxlan_port_range\.low: /,
  ],
  [
    "gre with an IPv6 endpoint",
    "add",
    {
      ifname: "g0",
      kind: "gre",
      gre_local: "2001:db8::1",
    },
    TypeError,
    /^gre_local: .*IPv4/,
  ],
  [
    "ip6tnl with an IPv4 endpoint",
    "add",
    {
      ifname: "t0",
      kind: "ip6tnl",
      iptun_remote: "1.2.3.4",
    },
    TypeError,
    /^iptun_remote: .*IPv6/,
  ],
  [
    "ipip ttl above u8",
    "add",
    { ifname: "t0", kind: "ipip", iptun_ttl: 256 },
    RangeError,
    /^iptun_ttl: /,
  ],
  [
    "bond mode unknown",
    "add",
    { ifname: "b0", kind: "bond", bond_mode: "fastest" },
    TypeError,
    /^bond_mode: /,
  ],
  [
    "bond targets not a list",
    "add",
    {
      ifname: "b0",
      kind: "bond",
      bond_arp_ip_target: "10.0.0.1",
    },
    TypeError,
    /^bond_arp_ip_target: /,
  ],
  [
    "bond target not an address",
    "add",
    {
      ifname: "b0",
      kind: "bond",
      bond_arp_ip_target: ["10.0.0.x"],
    },
    TypeError,
    /^bond_arp_ip_target\[0\]: /,
  ],
  [
    "ipvlan mode unknown",
    "add",
    { ifname: "i0", kind: "ipvlan", link: 3, ipvlan_mode: "l4" },
    TypeError,
    /^ipvlan_mode: /,
  ],
  [
    "vrf table a string",
    "add",
    { ifname: "vrf0", kind: "vrf", vrf_table: "main" },
    TypeError,
    /^vrf_table: /,
  ],
  [
    "port settings on add",
    "add",
    {
      ifname: "v0",
      kind: "veth",
      brport_cost: 5,
    },
    TypeError,
    /^brport_cost: .*existing port/,
  ],
  ["unknown port attribute", "set", { index: 3, brport_frob: 1 }, TypeError, /^brport_frob: /],
  [
    "bridge and bond port keys mixed",
    "set",
    {
      index: 3,
      brport_cost: 5,
      bond_slave_queue_id: 1,
    },
    TypeError,
    /^bond_slave_queue_id: mixes/,
  ],
  [
    "port state unknown",
    "set",
    { index: 3, brport_state: "sleeping" },
    TypeError,
    /^brport_state: /,
  ],
  [
    "protinfo unknown key",
    "set",
    { index: 3, protinfo: { frob: 1 } },
    TypeError,
    /^protinfo\.frob: /,
  ],
  ["protinfo not an object", "set", { index: 3, protinfo: 1 }, TypeError, /^protinfo: /],
  [
    "protinfo on add",
    "add",
    { ifname: "v0", kind: "veth", protinfo: { brport_cost: 1 } },
    TypeError,
    /^protinfo: /,
  ],
  ["altnames empty", "set", { index: 3, altnames: [] }, TypeError, /^altnames: /],
  ["altname with /", "set", { index: 3, altnames: ["a/b"] }, TypeError, /^altnames\[0\]: /],
  [
    "altname too long",
    "set",
    { index: 3, altname: "a".repeat(128) },
    RangeError,
    /^altname\[0\]: /,
  ],
  ["property_add without altname", "property_add", { index: 3 }, TypeError, /^altname: required/],
  ["netns with /", "set", { index: 3, netns: "a/b" }, TypeError, /^netns: /],
  [
    "tuntap mode unknown",
    "add",
    { ifname: "t0", kind: "tuntap", mode: "tup" },
    TypeError,
    /^mode: /,
  ],
  [
    "tuntap owner negative",
    "add",
    { ifname: "t0", kind: "tuntap", mode: "tap", owner: -1 },
    RangeError,
    /^owner: /,
  ],
  [
    "tuntap uid a name",
    "add",
    { ifname: "t0", kind: "tuntap", mode: "tap", uid: "root" },
    TypeError,
    /^uid: /,
  ],
  [
    "tuntap owner and uid",
    "add",
    {
      ifname: "t0",
      kind: "tuntap",
      mode: "tap",
      owner: 1,
      uid: 1,
    },
    TypeError,
    /^uid: /,
  ],
  [
    "tuntap persistent yes",
    "add",
    {
      ifname: "t0",
      kind: "tuntap",
      mode: "tap",
      persistent: "yes",
    },
    TypeError,
    /^persistent: /,
  ],
  [
    "tuntap in another namespace",
    "add",
    {
      ifname: "t0",
      kind: "tuntap",
      mode: "tap",
      netns: "blue",
    },
    TypeError,
    /^netns: /,
  ],
  ["tuntap without ifname", "add", { kind: "tuntap", mode: "tun" }, TypeError, /^ifname: /],
  [
    "tuntap name too long",
    "add",
    { ifname: long, kind: "tuntap", mode: "tun" },
    RangeError,
    /^ifname: /,
  ],
  [
    "tuntap with a bad mtu",
    "add",
    { ifname: "t0", kind: "tuntap", mode: "tap", mtu: "big" },
    TypeError,
    /^mtu: /,
  ],
  [
    "tuntap with an unknown key",
    "add",
    { ifname: "t0", kind: "tuntap", mode: "tap", frob: 1 },
    TypeError,
    /^frob: /,
  ],
];

for (const [what, cmd, spec, error, field] of cases) {
  Deno.test(`link input: ${what}`, async () => {
    const { core, calls } = fakeCore();
    await assert.rejects(
      () => linkCommand(core, cmd as LinkCommand, spec as LinkSpec),
      (e: Error) => {
        assert.equal(e.constructor, error, `${e.constructor.name}: ${e.message}`);
        assert.match(e.message, field);
        return true;
      },
    );
    assert.deepEqual(calls, { lookups: 0, sends: 0 });
  });
}

Deno.test("link input: names are looked up only after every check passed", async () => {
  const { core, calls } = fakeCore();
  await assert.rejects(
    () => linkCommand(core, "set", { index: "v0", master: "br0", mtu: "x" as unknown as number }),
    TypeError,
  );
  await assert.rejects(
    () =>
      linkCommand(core, "add", { ifname: "vx0", kind: "vxlan", vxlan_link: "v0", vxlan_id: -1 }),
    RangeError,
  );
  assert.deepEqual(calls, { lookups: 0, sends: 0 });
});

Deno.test("link input: filters of getLinks and linkLookup", async () => {
  const { core, calls } = fakeCore();
  await assert.rejects(() => getLinks(core, null as unknown as Record<string, unknown>), TypeError);
  await assert.rejects(() => getLinks(core, { family: 3 }), RangeError);
  await assert.rejects(() => linkLookup(core, { ifname: long }), RangeError);
  await assert.rejects(() => linkLookup(core, { altname: "a/b" }), TypeError);
  assert.deepEqual(calls, { lookups: 0, sends: 0 });
});
