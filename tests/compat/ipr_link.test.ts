/**
 * pyroute2's link scenarios (its test_link / test_ipr suites), written as a pyroute2 user ports
 * them: `ip.link("set", index=x, state="up")` → `ip.link("set", { index: x, state: "up" })`.
 */

import assert from "node:assert/strict";
import { ifinfmsg, IPRoute, NetlinkError } from "../../mod.ts";
import { withNetns } from "../helpers.ts";
import { scenario, veth } from "./scenario.ts";

const IFF_UP = 1, IFF_NOARP = 0x80;

await scenario("link set state up/down, get_links(ifname=…)", [], async (ip) => {
  const [index] = await veth(ip, "c0");
  await ip.link("set", { index, state: "up" });
  assert.ok((await ip.getLinks({ ifname: "c0" }))[0].flags & IFF_UP);
  await ip.link("set", { index, state: "down" });
  assert.ok(!((await ip.getLinks({ ifname: "c0" }))[0].flags & IFF_UP));
});

await scenario("link('dump', ifname='lo'), msg.get_attr('IFLA_IFNAME')", [], async (ip) => {
  const links = await ip.link("dump", { ifname: "lo" });
  assert.equal(links.length, 1);
  assert.equal(links[0].getAttr("IFLA_IFNAME"), "lo");
});

await scenario("link('show') and link('dump') with no filter list every link", [], async (ip) => {
  await veth(ip, "c0");
  assert.equal((await ip.link("show")).length, 3);
  assert.equal((await ip.link("dump")).length, 3);
});

await scenario("link set with a raw IFLA_IFNAME key renames", [], async (ip) => {
  const [index] = await veth(ip, "c0");
  await ip.link("set", { index, state: "down" });
  await ip.link("set", { index, IFLA_IFNAME: "c0new" });
  assert.deepEqual(await ip.linkLookup({ ifname: "c0new" }), [index]);
  await ip.link("set", { index, ifname: "c0" });
  assert.deepEqual(await ip.linkLookup({ ifname: "c0" }), [index]);
});

await scenario("link set arp / noarp flags", [], async (ip) => {
  const [index] = await veth(ip, "c0");
  const noarp = async () => ((await ip.getLinks(index))[0].flags & IFF_NOARP) !== 0;
  await ip.link("set", { index, arp: false });
  assert.ok(await noarp());
  await ip.link("set", { index, arp: true });
  assert.ok(!await noarp());
  await ip.link("set", { index, noarp: true });
  assert.ok(await noarp());
  await ip.link("set", { index, noarp: false });
  assert.ok(!await noarp());
});

await scenario("symbolic flags ['IFF_UP'] / ['!IFF_UP'], flags2names", [], async (ip) => {
  const [index] = await veth(ip, "c0");
  await ip.link("set", { index, flags: ["IFF_UP"] });
  const [iface] = await ip.getLinks(index);
  assert.ok(iface.flags & IFF_UP);
  assert.ok(ifinfmsg.flags2names(iface.flags).includes("IFF_UP"));
  await ip.link("set", { index, flags: ["!IFF_UP"] });
  assert.ok(!((await ip.getLinks(index))[0].flags & IFF_UP));
});

await scenario("flags and change as numbers, and names in change", [], async (ip) => {
  const [index] = await veth(ip, "c0");
  await ip.link("set", { index, flags: IFF_UP | IFF_NOARP, change: IFF_UP | IFF_NOARP });
  assert.equal((await ip.getLinks(index))[0].flags & (IFF_UP | IFF_NOARP), IFF_UP | IFF_NOARP);
  await ip.link("set", { index, flags: 0, change: ["IFF_NOARP"] });
  const f = (await ip.getLinks(index))[0].flags;
  assert.equal(f & IFF_NOARP, 0);
  assert.ok(f & IFF_UP);
  assert.equal(ifinfmsg.names2flags(["IFF_UP", "IFF_NOARP"]), IFF_UP | IFF_NOARP);
  assert.deepEqual(ifinfmsg.names2flags(["IFF_UP", "!IFF_NOARP"]), {
    flags: IFF_UP,
    change: IFF_UP | IFF_NOARP,
  });
});

await scenario("link del; link_lookup(ifname) and link_lookup(index) are empty", [], async (ip) => {
  const [index] = await veth(ip, "c0");
  await ip.link("del", { index });
  assert.equal((await ip.linkLookup({ ifname: "c0" })).length, 0);
  assert.equal((await ip.linkLookup({ index })).length, 0);
});

await scenario("0.1.3 positional: link('set', index, {state})", [], async (ip) => {
  const [dev] = await ip.linkLookup({ ifname: "lo" });
  await ip.link("set", dev, { state: "up" });
  assert.equal((await ip.getLinks(dev))[0].state, "up");
  await ip.link("set", dev, { state: "down" });
  assert.equal((await ip.getLinks(dev))[0].state, "down");
});

await scenario("0.1.3 positional: link('get', index) and link('delete', index)", [], async (ip) => {
  const [a] = await veth(ip, "c0");
  const [got] = await ip.link("get", a);
  assert.equal(got.ifname, "c0");
  await ip.link("delete", a);
  assert.deepEqual(await ip.linkLookup({ ifname: "c0" }), []);
});

await scenario("get_links(*indexes)", [], async (ip) => {
  const [a, b] = await veth(ip, "c0");
  const got = await ip.getLinks(a, b);
  assert.deepEqual(got.map((l) => l.ifname), ["c0", "c0p"]);
  assert.equal((await ip.getLinks(1))[0].ifname, "lo");
});

await scenario("get_links(match=callable), callable filter values", [], async (ip) => {
  await veth(ip, "c0");
  assert.ok((await ip.getLinks({ match: () => true })).length > 0);
  const vs = await ip.getLinks({ ifname: (n: string) => n.startsWith("c0") });
  assert.equal(vs.length, 2);
  assert.equal((await ip.getLinks({ match: { kind: "veth", ifname: "c0p" } })).length, 1);
});

await scenario("create veth simple: peer by name", [], async (ip) => {
  await ip.link("add", { kind: "veth", ifname: "c0", peer: "c1" });
  assert.ok((await ip.linkLookup({ ifname: "c0" })).length > 0);
  assert.ok((await ip.linkLookup({ ifname: "c1" })).length > 0);
});

await scenario("create veth attrs: peer {ifname, net_ns_fd}", [], async (ip) => {
  await withNetns(async (other) => {
    await ip.link("add", { kind: "veth", ifname: "c0", peer: { ifname: "c1", net_ns_fd: other } });
    assert.equal((await ip.linkLookup({ ifname: "c1" })).length, 0);
    using ip2 = new IPRoute({ netns: other });
    assert.equal((await ip2.linkLookup({ ifname: "c1" })).length, 1);
  }, "compat2");
});

await scenario("link set net_ns_fd moves a link", [], async (ip) => {
  await withNetns(async (other) => {
    const [index] = await veth(ip, "c0");
    await ip.link("set", { index, net_ns_fd: other });
    assert.deepEqual(await ip.linkLookup({ ifname: "c0" }), []);
    using ip2 = new IPRoute({ netns: other });
    assert.equal((await ip2.linkLookup({ ifname: "c0" })).length, 1);
  }, "compat2");
});

await scenario("master given as an interface object", ["link:bridge"], async (ip) => {
  await ip.link("add", { ifname: "br0", kind: "bridge" });
  const [br] = await ip.link("get", { ifname: "br0" });
  const [port] = await veth(ip, "c0");
  await ip.link("set", { index: port, master: br });
  assert.equal((await ip.getLinks(port))[0].master, br.index);
  await ip.link("set", { index: port, master: 0 });
  assert.equal((await ip.getLinks(port))[0].master, undefined);
});

await scenario("index given as an interface object", [], async (ip) => {
  await veth(ip, "c0");
  const [iface] = await ip.link("get", { ifname: "c0" });
  await ip.link("set", { index: iface, mtu: 1280 });
  assert.equal((await ip.getLinks(iface))[0].mtu, 1280);
});

await scenario("vxlan with vxlan_link as an interface object", ["link:vxlan"], async (ip) => {
  const [a] = await veth(ip, "c0");
  const [iface] = await ip.getLinks(a);
  await ip.link("add", {
    ifname: "vx0",
    kind: "vxlan",
    vxlan_link: iface,
    vxlan_id: 101,
    vxlan_group: "239.1.1.1",
    vxlan_ttl: 16,
  });
  const [vx] = await ip.link("get", { ifname: "vx0" });
  assert.equal(vx.getNested("IFLA_LINKINFO", "IFLA_INFO_DATA", "IFLA_VXLAN_LINK"), a);
  assert.equal(vx.getNested("IFLA_LINKINFO", "IFLA_INFO_DATA", "IFLA_VXLAN_ID"), 101);
});

await scenario("macvlan with link as an interface object", ["link:macvlan"], async (ip) => {
  const [a] = await veth(ip, "c0");
  const [iface] = await ip.getLinks(a);
  await ip.link("add", { ifname: "mv0", kind: "macvlan", link: iface, macvlan_mode: "private" });
  const [mv] = await ip.link("get", { ifname: "mv0" });
  assert.equal(mv.getAttr("IFLA_LINK"), a);
  assert.equal(mv.getNested("IFLA_LINKINFO", "IFLA_INFO_KIND"), "macvlan");
});

await scenario("create bridge, link_lookup finds it", ["link:bridge"], async (ip) => {
  await ip.link("add", { ifname: "br0", kind: "bridge" });
  assert.equal((await ip.linkLookup({ ifname: "br0" })).length, 1);
});

await scenario("create dummy (pyroute2's default test link)", ["link:dummy"], async (ip) => {
  await ip.link("add", { ifname: "d0", kind: "dummy" });
  assert.equal((await ip.linkLookup({ ifname: "d0" })).length, 1);
});

await scenario("create bond", ["link:bond"], async (ip) => {
  await ip.link("add", { ifname: "bo0", kind: "bond" });
  assert.equal((await ip.linkLookup({ ifname: "bo0" })).length, 1);
});

await scenario("create ipvlan with ipvlan_mode", ["link:ipvlan"], async (ip) => {
  const [a] = await veth(ip, "c0");
  await ip.link("add", { ifname: "ipv0", kind: "ipvlan", link: a, ipvlan_mode: 1 });
  assert.equal((await ip.linkLookup({ ifname: "ipv0" })).length, 1);
});

await scenario(
  "altname property_add, link('get', altname), link_lookup(altname)",
  [],
  async (ip) => {
    const [index] = await veth(ip, "c0");
    await ip.link("property_add", { index, altname: "c0-alt-name" });
    assert.equal((await ip.link("get", { altname: "c0-alt-name" })).length, 1);
    assert.deepEqual(await ip.linkLookup({ altname: "c0-alt-name" }), [index]);
    await ip.link("property_del", { index, altname: ["c0-alt-name"] });
    await assert.rejects(() => ip.link("get", { altname: "c0-alt-name" }), NetlinkError);
    assert.equal((await ip.link("dump", { altname: "c0-alt-name" })).length, 0);
  },
);

await scenario("brport set / dump (IFLA_PROTINFO)", ["link:bridge"], async (ip) => {
  await ip.link("add", { ifname: "br0", kind: "bridge", state: "up" });
  const [port] = await veth(ip, "c0");
  const [br] = await ip.linkLookup({ ifname: "br0" });
  await ip.link("set", { index: port, master: br });
  await ip.brport("set", { index: port, unicast_flood: 0, cost: 200, proxyarp: 1 });
  const [p] = await ip.brport("dump", { index: port });
  const protinfo = p.getAttr("IFLA_PROTINFO") as { getAttr(n: string): unknown };
  assert.equal(protinfo.getAttr("IFLA_BRPORT_COST"), 200);
  assert.equal(protinfo.getAttr("IFLA_BRPORT_PROXYARP"), 1);
  assert.equal(protinfo.getAttr("IFLA_BRPORT_UNICAST_FLOOD"), 0);
});

await scenario("message header fields through get and []-style access", [], async (ip) => {
  const [lo] = await ip.link("get", { index: 1 });
  assert.equal(lo.get("index"), 1);
  assert.equal(lo.index, 1);
  assert.equal(lo.get("ifname"), "lo");
  assert.deepEqual(lo.getAttrs("IFLA_IFNAME"), ["lo"]);
});
