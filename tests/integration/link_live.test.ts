/**
 * Link verbs against the real kernel, each test in fresh namespaces: veth (peer spec, peer in
 * another namespace), every `set` (state, address, rename, mtu, txqlen, alias, altnames, group,
 * promisc, arp, netns moves), bridge with ports (bridge data, port data as slave data and as
 * IFLA_PROTINFO, master/nomaster), vxlan, macvlan, macvtap, ifb, tun/tap through /dev/net/tun.
 * Kinds this kernel lacks (tests/features.ts probes them) are skipped with the reason; their encoders
 * are tested against iproute2's bytes in tests/unit/link_golden.test.ts.
 */

import assert from "node:assert/strict";
import { IPRoute, NetlinkError, netns } from "../../mod.ts";
import type { Link } from "../../mod.ts";
import { ipCmd, ipJson, isRoot, skipReason, withNetns } from "../helpers.ts";
import { gate, lacks, liveTest, named } from "../features.ts";
import type { Feature } from "../features.ts";
import { LINK_CASES } from "../unit/link_cases.ts";

const ignore = !isRoot;

type Json = Record<string, unknown>;

async function ipLink(ns: string, dev: string): Promise<Json> {
  const [l] = await ipJson(ns, "-d", "link", "show", "dev", dev);
  return l;
}

function data(l: Json, key = "info_data"): Json {
  return ((l.linkinfo as Json)?.[key] ?? {}) as Json;
}

async function exists(ip: IPRoute, ifname: string): Promise<boolean> {
  return (await ip.linkLookup({ ifname })).length > 0;
}

Deno.test({
  name: "link: veth add with a peer spec, get, del removes both ends",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const none = await ip.link("add", {
        ifname: "v0",
        kind: "veth",
        mtu: 1400,
        peer: { ifname: "v1", mtu: 1300, address: "02:00:00:00:00:01" },
      });
      assert.deepEqual(none, []);
      const [v0] = await ip.link("get", { ifname: "v0" });
      const [v1] = await ip.link("get", { index: "v1" });
      assert.equal(v0.kind, "veth");
      assert.equal(v0.mtu, 1400);
      assert.equal(v1.mtu, 1300);
      assert.equal(v1.address, "02:00:00:00:00:01");
      assert.equal(v0.link, v1.index);
      assert.equal(v1.link, v0.index);
      assert.deepEqual(await ip.linkLookup({ ifname: "v1" }), [v1.index]);
      assert.deepEqual(await ip.linkLookup({ kind: "veth" }), [v1.index, v0.index].sort());
      assert.deepEqual(await ip.linkLookup({ address: "02:00:00:00:00:01" }), [v1.index]);
      await assert.rejects(
        () => ip.link("add", { ifname: "v0", kind: "veth", peer: "v9" }),
        (e: NetlinkError) => e instanceof NetlinkError && e.code === "EEXIST",
      );
      await ip.link("del", { index: "v0" });
      assert.equal(await exists(ip, "v0"), false);
      assert.equal(await exists(ip, "v1"), false);
      assert.deepEqual(await ip.linkLookup({ ifname: "v0" }), []);
      await assert.rejects(
        () => ip.link("get", { ifname: "v0" }),
        (e: NetlinkError) => e instanceof NetlinkError && e.code === "ENODEV",
      );
    }, "lv"),
});

Deno.test({
  name: "link: set state, address, rename, mtu, txqlen, alias, group, promisc, arp, multicast",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      const [dev] = await ip.linkLookup({ ifname: "v0" });
      await ip.link("set", { index: dev, state: "down" });
      await ip.link("set", { index: dev, address: "00:11:22:33:44:55", ifname: "vpn" });
      await ip.link("set", {
        index: "vpn",
        mtu: 1280,
        txqlen: 77,
        alias: "uplink port",
        group: 5,
        promisc: true,
        arp: false,
        multicast: false,
      });
      await ip.link("set", { index: "v1", state: "up" });
      await ip.link("set", { index: "vpn", state: "up" });
      const [l] = await ip.link("get", { index: dev });
      assert.equal(l.ifname, "vpn");
      assert.equal(l.address, "00:11:22:33:44:55");
      assert.equal(l.mtu, 1280);
      assert.equal(l.txqlen, 77);
      assert.equal(l.ifalias, "uplink port");
      assert.equal(l.group, 5);
      assert.equal(l.state, "up");
      const j = await ipLink(ns, "vpn");
      assert.equal(j.ifname, "vpn");
      assert.equal(j.address, "00:11:22:33:44:55");
      assert.equal(j.mtu, 1280);
      assert.equal(j.txqlen, 77);
      assert.equal(j.ifalias, "uplink port");
      assert.equal(j.group, "5");
      const flags = j.flags as string[];
      for (const f of ["UP", "PROMISC", "NOARP"]) assert.ok(flags.includes(f), f);
      assert.ok(!flags.includes("MULTICAST"));
      // And back.
      await ip.link("set", {
        index: "vpn",
        promisc: false,
        arp: true,
        multicast: true,
        group: "default",
        ifalias: "",
        state: "down",
      });
      const k = await ipLink(ns, "vpn");
      const f2 = k.flags as string[];
      assert.ok(!f2.includes("UP") && !f2.includes("PROMISC") && !f2.includes("NOARP"));
      assert.ok(f2.includes("MULTICAST"));
      assert.equal(k.group, "default");
      assert.equal(k.ifalias, undefined);
      await assert.rejects(
        () => ip.link("set", { index: "vpn", mtu: 10 }),
        (e: NetlinkError) => e instanceof NetlinkError && e.code === "EINVAL",
      );
    }, "lv"),
});

Deno.test({
  name: "link: alternative names added, looked up, used as selectors and removed",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      const [dev] = await ip.linkLookup({ ifname: "v0" });
      await ip.link("set", { index: "v0", altnames: ["uplink-to-the-core-router", "u1"] });
      await ip.link("property_add", { index: dev, altname: "u2" });
      const [l] = await ip.link("get", { index: dev });
      assert.deepEqual(l.altnames, ["uplink-to-the-core-router", "u1", "u2"]);
      assert.deepEqual((await ipLink(ns, "v0")).altnames, [
        "uplink-to-the-core-router",
        "u1",
        "u2",
      ]);
      assert.deepEqual(await ip.linkLookup({ altname: "u1" }), [dev]);
      assert.deepEqual(await ip.linkLookup({ altname: "u1", kind: "veth" }), [dev]);
      const [byAlt] = await ip.link("get", { altname: "uplink-to-the-core-router" });
      assert.equal(byAlt.index, dev);
      await ip.link("del", { index: dev, altnames: ["u1", "u2"] });
      await ip.link("property_del", { index: "v0", altname: "uplink-to-the-core-router" });
      const [after] = await ip.link("get", { index: dev });
      assert.deepEqual(after.altnames, []);
      assert.equal(await exists(ip, "v0"), true, "del with altnames removes names, not the link");
      await assert.rejects(
        () => ip.link("property_del", { index: dev, altname: "u1" }),
        (e: NetlinkError) => e instanceof NetlinkError,
      );
    }, "lv"),
});

Deno.test({
  name: "link: netns moves between namespaces the test made, and a veth peer made in another",
  ignore,
  fn: () =>
    withNetns((a) =>
      withNetns(async (b) => {
        using ipa = new IPRoute({ netns: a });
        using ipb = new IPRoute({ netns: b });
        await ipa.link("add", { ifname: "v0", kind: "veth", peer: { ifname: "w0", netns: b } });
        assert.equal(await exists(ipa, "v0"), true);
        assert.equal(await exists(ipa, "w0"), false);
        assert.equal(await exists(ipb, "w0"), true);
        const [w0] = await ipb.link("get", { ifname: "w0" });
        assert.equal(w0.kind, "veth");
        assert.ok(w0.link_netnsid !== undefined, "a peer in another namespace has a netnsid");

        await ipa.link("add", { ifname: "d0", kind: "veth", peer: "d1" });
        await ipa.link("set", { index: "d0", netns: b });
        assert.equal(await exists(ipa, "d0"), false);
        assert.equal(await exists(ipb, "d0"), true);
        // Moved and renamed in one request, by the namespace's path.
        await ipb.link("set", { index: "d0", netns: `/run/netns/${a}`, ifname: "back0" });
        assert.equal(await exists(ipa, "back0"), true);
        assert.equal(await exists(ipb, "d0"), false);
        assert.deepEqual(netns.list().filter((n) => n === a || n === b).sort(), [a, b].sort());
      }, "lvb"), "lva"),
});

Deno.test({
  ...(await gate(
    "link: bridge with ports: bridge data, master by name, port data, protinfo, nomaster",
    "link:bridge",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await ip.link("add", {
        ifname: "br0",
        kind: "bridge",
        br_stp_state: 0,
        br_forward_delay: 500,
        br_hello_time: 300,
        br_ageing_time: 6000,
        br_priority: 4096,
        br_group_fwd_mask: 0x8,
        br_mcast_snooping: false,
      });
      await ip.link("add", { ifname: "p0", kind: "veth", peer: "p1" });
      await ip.link("add", { ifname: "q0", kind: "veth", peer: "q1" });
      const [br] = await ip.linkLookup({ ifname: "br0" });
      await ip.link("set", { index: "p0", master: "br0", state: "up" });
      await ip.link("set", { index: "q0", master: br });
      await ip.link("set", { index: "br0", state: "up" });
      // Port data as slave data (ip link set … type bridge_slave …), by key prefix or kind.
      await ip.link("set", {
        index: "p0",
        brport_cost: 42,
        brport_priority: 7,
        brport_learning: false,
        brport_mcast_flood: false,
        brport_isolated: true,
      });
      await ip.link("set", { index: "q0", kind: "bridge_slave", brport_guard: true });
      // Port data as IFLA_PROTINFO over AF_BRIDGE (bridge link set …).
      await ip.link("set", { index: "q0", protinfo: { brport_bcast_flood: 0, brport_cost: 9 } });
      // Bridge data without kind: the link's kind is read first.
      await ip.link("set", { index: "br0", br_stp_state: 1, br_max_age: 1500 });

      const j = await ipLink(ns, "br0");
      const bd = data(j);
      assert.equal(bd.stp_state, 1);
      assert.equal(bd.forward_delay, 500);
      assert.equal(bd.hello_time, 300);
      assert.equal(bd.max_age, 1500);
      assert.equal(bd.ageing_time, 6000);
      assert.equal(bd.priority, 4096);
      assert.equal(bd.mcast_snooping, 0);
      const [b] = await ip.link("get", { index: br });
      const d = b.get(["linkinfo", "info_data"]) as { get(k: string): unknown };
      assert.equal(d.get("br_stp_state"), 1);
      assert.equal(d.get("br_group_fwd_mask"), 0x8);
      assert.equal(d.get("br_priority"), 4096);

      const p = data(await ipLink(ns, "p0"), "info_slave_data");
      assert.equal(p.cost, 42);
      assert.equal(p.priority, 7);
      assert.equal(p.learning, false);
      assert.equal(p.mcast_flood, false);
      assert.equal(p.isolated, true);
      const q = data(await ipLink(ns, "q0"), "info_slave_data");
      assert.equal(q.guard, true);
      assert.equal(q.bcast_flood, false);
      assert.equal(q.cost, 9);
      const [p0] = await ip.link("get", { index: "p0" });
      assert.equal(p0.master, br);
      assert.equal(p0.get(["linkinfo", "info_slave_kind"]), "bridge");
      assert.equal(p0.get(["linkinfo", "info_slave_data", "brport_cost"]), 42);
      assert.deepEqual((await ip.getLinks({ master: "br0" })).map((l) => l.ifname).sort(), [
        "p0",
        "q0",
      ]);
      // AF_BRIDGE dump: the ports with IFLA_PROTINFO.
      const ports = await ip.getLinks({ family: 7 });
      const q0 = ports.find((l) => l.ifname === "q0")!;
      assert.equal(q0.family, 7);
      assert.equal(q0.get(["protinfo", "brport_cost"]), 9);
      assert.equal(q0.get(["protinfo", "brport_guard"]), 1);

      await ip.link("set", { index: "p0", master: 0 });
      await ip.link("set", { index: "q0", nomaster: true });
      const [p0b] = await ip.link("get", { index: "p0" });
      assert.equal(p0b.master, undefined);
      assert.equal((await ipLink(ns, "p0")).master, undefined);
      await ip.link("del", { index: "br0" });
      assert.equal(await exists(ip, "br0"), false);
    }, "lv"),
});

Deno.test({
  ...(await gate("link: vxlan add (link by name, IPv4 and IPv6 group), change, del", "link:vxlan")),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      await ip.link("add", {
        ifname: "vx0",
        kind: "vxlan",
        vxlan_id: 42,
        vxlan_link: "v0",
        vxlan_group: "10.0.0.9",
        vxlan_local: "10.0.0.1",
        vxlan_port: 4789,
        vxlan_ttl: 16,
        vxlan_learning: false,
        vxlan_port_range: [1000, 2000],
        vxlan_df: "set",
      });
      await ip.link("add", {
        ifname: "vx6",
        kind: "vxlan",
        vxlan_id: 7,
        vxlan_group: "ff05::100",
        vxlan_link: "v0",
        vxlan_port: 8472,
        vxlan_ttl_inherit: true,
      });
      const d = data(await ipLink(ns, "vx0"));
      assert.equal(d.id, 42);
      assert.equal(d.remote, "10.0.0.9");
      assert.equal(d.local, "10.0.0.1");
      assert.equal(d.link, "v0");
      assert.equal(d.port, 4789);
      assert.equal(d.ttl, 16);
      assert.equal(d.learning, false);
      assert.equal(d.df, "set");
      assert.deepEqual(d.port_range, { low: 1000, high: 2000 });
      const d6 = data(await ipLink(ns, "vx6"));
      assert.equal(d6.group6, "ff05::100");
      assert.equal(d6.port, 8472);
      assert.equal(d6.ttl, undefined, "iproute2 prints ttl inherit in text only");
      const [vx6] = await ip.link("get", { ifname: "vx6" });
      assert.equal(vx6.get(["linkinfo", "info_data", "vxlan_group6"]), "ff05::100");
      assert.equal(vx6.get(["linkinfo", "info_data", "vxlan_ttl_inherit"]), 1);
      const [vx0] = await ip.link("get", { ifname: "vx0" });
      assert.equal(vx0.get(["linkinfo", "info_data", "vxlan_ttl_inherit"]), 0);
      await ip.link("set", { index: "vx0", kind: "vxlan", vxlan_ttl: 32 });
      assert.equal(data(await ipLink(ns, "vx0")).ttl, 32);
      await ip.link("set", { index: "vx0", vxlan_ageing: 120 });
      assert.equal(data(await ipLink(ns, "vx0")).ageing, 120);
      await ip.link("del", { ifname: "vx0" });
      await ip.link("del", { index: "vx6" });
      assert.equal(await exists(ip, "vx0"), false);
    }, "lv"),
});

Deno.test({
  ...(await gate(
    "link: macvlan and macvtap modes, change of mode, ifb",
    "link:macvlan",
    "link:macvtap",
    "link:ifb",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      await ip.link("add", { ifname: "mv0", kind: "macvlan", link: "v0", macvlan_mode: "bridge" });
      await ip.link("add", { ifname: "mv1", kind: "macvlan", link: "v0", macvlan_mode: "private" });
      await ip.link("add", { ifname: "mvt0", kind: "macvtap", link: "v0", macvlan_mode: "vepa" });
      await ip.link("add", {
        ifname: "mvt1",
        kind: "macvtap",
        link: "v1",
        macvlan_mode: "passthru",
        macvlan_flags: { nopromisc: true },
      });
      assert.equal(data(await ipLink(ns, "mv0")).mode, "bridge");
      assert.equal(data(await ipLink(ns, "mv1")).mode, "private");
      assert.equal(data(await ipLink(ns, "mvt0")).mode, "vepa");
      assert.equal(data(await ipLink(ns, "mvt1")).mode, "passthru");
      const [mv0] = await ip.link("get", { ifname: "mv0" });
      assert.equal(mv0.kind, "macvlan");
      assert.equal(mv0.get(["linkinfo", "info_data", "macvlan_mode"]), 4);
      const [mvt1] = await ip.link("get", { ifname: "mvt1" });
      assert.equal(mvt1.get(["linkinfo", "info_data", "macvlan_flags"]), 1);
      await ip.link("set", { index: "mv0", kind: "macvlan", macvlan_mode: "vepa" });
      assert.equal(data(await ipLink(ns, "mv0")).mode, "vepa");
      await ip.link("set", { index: "mv1", macvlan_mode: "bridge" });
      assert.equal(data(await ipLink(ns, "mv1")).mode, "bridge");

      await ip.link("add", { ifname: "ifb0", kind: "ifb", txqlen: 100 });
      const [ifb] = await ip.link("get", { ifname: "ifb0" });
      assert.equal(ifb.kind, "ifb");
      assert.equal(ifb.txqlen, 100);
      await ip.link("set", { index: "ifb0", state: "up" });
      assert.equal((await ip.link("get", { ifname: "ifb0" }))[0].state, "up");
      for (const n of ["mv0", "mv1", "mvt0", "mvt1", "ifb0"]) await ip.link("del", { index: n });
      for (const n of ["mv0", "mv1", "mvt0", "mvt1", "ifb0"]) {
        assert.equal(await exists(ip, n), false);
      }
    }, "lv"),
});

Deno.test({
  ...(await gate(
    "link: tuntap tap and tun through /dev/net/tun, owner, group, flags, more keys, del",
    "link:tuntap",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const [tap] = await ip.link("add", {
        ifname: "tap0",
        kind: "tuntap",
        mode: "tap",
        owner: 1000,
        group: 100,
        vnet_hdr: true,
        multi_queue: true,
      });
      assert.equal(tap.ifname, "tap0");
      assert.equal(tap.kind, "tun");
      const td = data(await ipLink(ns, "tap0"));
      assert.equal(td.type, "tap");
      assert.equal(td.pi, false);
      assert.equal(td.vnet_hdr, true);
      assert.equal(td.multi_queue, true);
      assert.equal(td.persist, true);
      assert.equal(tap.get(["linkinfo", "info_data", "tun_owner"]), 1000);
      assert.equal(tap.get(["linkinfo", "info_data", "tun_group"]), 100);

      const [tun] = await ip.link("add", {
        ifname: "tun0",
        kind: "tuntap",
        mode: "tun",
        pi: true,
        state: "up",
        mtu: 1400,
        ifalias: "a tunnel",
      });
      assert.equal(tun.mtu, 1400);
      assert.equal(tun.state, "up");
      assert.equal(tun.ifalias, "a tunnel");
      const tj = await ipLink(ns, "tun0");
      assert.equal(data(tj).type, "tun");
      assert.equal(data(tj).pi, true);
      assert.equal(tj.link_type, "none");

      // A name that exists: the kernel refuses, nothing is left behind.
      await assert.rejects(
        () => ip.link("add", { ifname: "tap0", kind: "tuntap", mode: "tap" }),
        (e: Error & { code?: string }) => e.code === "EBUSY",
      );
      // A follow-up set the kernel refuses removes the new device.
      await assert.rejects(
        () => ip.link("add", { ifname: "tap9", kind: "tuntap", mode: "tap", mtu: 20 }),
        (e: NetlinkError) => e instanceof NetlinkError && e.code === "EINVAL",
      );
      assert.equal(await exists(ip, "tap9"), false);
      // A pattern: the kernel picks the number.
      const [auto] = await ip.link("add", { ifname: "tp%d", kind: "tuntap", mode: "tap" });
      assert.equal(auto.ifname, "tp0");

      await ip.link("del", { index: "tap0" });
      await ip.link("del", { index: "tun0" });
      await ip.link("del", { index: "tp0" });
      assert.equal(await exists(ip, "tap0"), false);
      assert.equal(await exists(ip, "tun0"), false);
    }, "lv"),
});

Deno.test({
  ...(await gate(
    "link: a tuntap that is not persistent lives as long as its descriptor",
    "link:tuntap",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const [t] = await ip.link("add", {
        ifname: "tmp0",
        kind: "tuntap",
        mode: "tun",
        persistent: false,
      }) as (Link & { fd?: number })[];
      assert.equal(typeof t.fd, "number");
      assert.equal(data(await ipLink(ns, "tmp0")).persist, false);
      netns.closeFd(t.fd!);
      assert.equal(await exists(ip, "tmp0"), false);
    }, "lv"),
});

Deno.test({
  name: "link: set kind data by guessing a kind that does not own the key is refused",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      await assert.rejects(
        () => ip.link("set", { index: "v0", vxlan_ttl: 3 }),
        (e: Error) => e instanceof TypeError && /^vxlan_ttl: /.test(e.message),
      );
    }, "lv"),
});

// Every kind of the golden files (tests/unit/link_cases.ts), made once by us and once by iproute2
// with the command our request matches byte for byte: the kernel must make the same link of
// both. A kind the kernel lacks is skipped with the reason (its bytes are still checked by
// tests/unit/link_golden.test.ts).
/** What changes from one link to the next whoever makes it: random addresses, running timers. */
const VOLATILE = /timer|^(bridge|root)_id$|^designated_/;

function linkinfo(l: Json): Json {
  const info = { ...(l.linkinfo as Json) };
  for (const key of ["info_data", "info_slave_data"]) {
    if (!info[key]) continue;
    info[key] = Object.fromEntries(
      Object.entries(info[key] as Json).filter(([k]) => !VOLATILE.test(k)),
    );
  }
  return info;
}

for (const [name, cmd, spec] of LINK_CASES) {
  if (cmd !== "add") continue;
  const kind = spec.kind as string;
  const needs: Feature[] = kind === "veth" ? [] : [`link:${kind}` as Feature];
  const { command } = JSON.parse(
    Deno.readTextFileSync(new URL(`../golden/iproute2/${name}.json`, import.meta.url)),
  ) as { command: string };
  await liveTest(
    `link: ${name.slice(5)} made by us and by \`${command}\` alike`,
    needs,
    () =>
      withNetns(async (ns) => {
        using ip = new IPRoute({ netns: ns });
        await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
        const ifname = spec.ifname as string;
        await ip.link("add", spec);
        const [mine] = await ip.link("get", { ifname });
        assert.equal(mine.get(["linkinfo", "info_kind"]), kind);
        const ours = linkinfo(await ipLink(ns, ifname));
        await ip.link("del", { ifname });
        await ipCmd(ns, ...command.split(" ").slice(1));
        assert.deepEqual(ours, linkinfo(await ipLink(ns, ifname)));
      }, "lv"),
  );
}

/** A link kind the library knows and this kernel lacks, with the reason, if there is one. */
async function absentKind(): Promise<[string, string] | undefined> {
  for (const [, cmd, spec] of LINK_CASES) {
    const kind = spec.kind as string;
    if (cmd !== "add" || kind === "veth") continue;
    const why = await lacks(`link:${kind}` as Feature);
    if (why) return [kind, why];
  }
  return undefined;
}

const absent = isRoot ? await absentKind() : undefined;
Deno.test({
  name: named(
    "link: a kind this kernel lacks is refused with the kernel's ext-ack text",
    isRoot && !absent ? "this kernel has every link kind the library makes" : skipReason,
  ),
  ignore: !absent,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const [kind] = absent!;
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      const err = await ip.link("add", { ifname: "x0", kind: kind as "ifb", link: "v0" })
        .catch((e) => e);
      assert.ok(err instanceof NetlinkError, String(err));
      assert.equal(err.code, "EOPNOTSUPP");
      assert.equal(err.extack.msg, "Unknown device type");
    }, "lv"),
});

Deno.test({
  ...(await gate(
    "link: requests in a batch (names looked up, kind data, a refusal reported with its spec)",
    "link:bridge",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const n = await ip.batch((b) => {
        b.link("add", { ifname: "b0", kind: "bridge", br_stp_state: 0 });
        b.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
        b.link("add", { ifname: "v2", kind: "veth", peer: "v3" });
      });
      assert.equal(n, 3);
      await ip.batch((b) => {
        b.link("set", { index: "v0", master: "b0", mtu: 1300 });
        b.link("set", { index: "v2", master: "b0", state: "up" });
      });
      const ports = await ip.getLinks({ master: "b0" });
      assert.deepEqual(ports.map((l) => l.ifname).sort(), ["v0", "v2"]);
      await assert.rejects(
        () =>
          ip.batch((b) => {
            b.link("del", { index: "v2" });
            b.link("add", { ifname: "v0", kind: "veth", peer: "v9" });
          }),
        (e: Error & { failures?: { index: number; error: Error }[] }) =>
          e.failures?.length === 1 && e.failures[0].index === 1 &&
          (e.failures[0].error as NetlinkError).code === "EEXIST",
      );
      assert.equal(await exists(ip, "v2"), false);
    }, "lv"),
});
