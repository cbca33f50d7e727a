/**
 * Oracle: what `getLinks()` decodes against what iproute2 prints (`ip -n NS -j -d link show`)
 * for a namespace holding veth pairs, a bridge with ports, vxlan, macvlan, macvtap, ifb, a tap
 * and a tun, field by field. Every key iproute2 prints for these kinds is compared (an unmapped
 * key fails the test), including link info data and bridge port data.
 */

import assert from "node:assert/strict";
import { IPRoute } from "../../mod.ts";
import type { Link } from "../../mod.ts";
import { ipJson, isRoot, settle, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

type Json = Record<string, unknown>;
type View = { get(k: string): unknown; toJSON(): Json };

const IFF_NAMES: [string, number][] = [
  ["LOOPBACK", 0x8],
  ["BROADCAST", 0x2],
  ["POINTOPOINT", 0x10],
  ["MULTICAST", 0x1000],
  ["NOARP", 0x80],
  ["ALLMULTI", 0x200],
  ["PROMISC", 0x100],
  ["MASTER", 0x400],
  ["SLAVE", 0x800],
  ["DEBUG", 0x4],
  ["DYNAMIC", 0x8000],
  ["AUTOMEDIA", 0x4000],
  ["PORTSEL", 0x2000],
  ["NOTRAILERS", 0x20],
  ["UP", 0x1],
  ["LOWER_UP", 0x10000],
  ["DORMANT", 0x20000],
  ["ECHO", 0x40000],
];

/** iproute2's flag list: NO-CARRIER, the IFF names in its order, M-DOWN for a lower link down. */
function flagNames(l: Link, byIndex: Map<number, Link>): string[] {
  const f = l.flags;
  const out: string[] = [];
  if (f & 0x1 && !(f & 0x40)) out.push("NO-CARRIER");
  for (const [n, bit] of IFF_NAMES) if (f & bit) out.push(n);
  const lower = l.link !== undefined && l.link_netnsid === undefined
    ? byIndex.get(l.link)
    : undefined;
  if (lower && !(lower.flags & 0x1)) out.push("M-DOWN");
  return out;
}

const LINK_TYPES: Record<number, string> = { 1: "ether", 772: "loopback", 65534: "none" };
const ADDR_GEN = ["eui64", "none", "stable_secret", "random"];
const PORT_STATES = ["disabled", "listening", "learning", "forwarding", "blocking"];
const MACVLAN_MODES: Record<number, string> = {
  1: "private",
  2: "vepa",
  4: "bridge",
  8: "passthru",
  16: "source",
};
const DF = ["unset", "set", "inherit"];

function hexMask(n: number): string {
  return n === 0 ? "0" : `0x${n.toString(16)}`;
}

/** iproute2's bridge id: "8000.2:0:0:0:0:1" (priority in hex, address bytes without padding). */
function bridgeId(id: { prio: number; addr: Uint8Array }): string {
  return `${id.prio.toString(16).padStart(4, "0")}.${
    Array.from(id.addr, (b) => b.toString(16)).join(":")
  }`;
}

function idNames(file: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of Deno.readTextFileSync(file).split("\n")) {
    const [name, , id] = line.split(":");
    if (id !== undefined) m.set(Number(id), name);
  }
  return m;
}

/** ip's value for `key` from our decoded data, or a marker that the key is not mapped. */
const UNMAPPED = Symbol("unmapped");

type Mapper = (key: string, d: View, names: Map<number, Link>) => unknown;

const u8bool = (v: unknown) => v === undefined ? undefined : v !== 0;
const timer = (v: unknown) => (v as number) / 100;

const bridgeData: Mapper = (key, d) => {
  const v = d.get(`br_${key}`);
  switch (key) {
    case "bridge_id":
    case "root_id":
      return bridgeId(v as { prio: number; addr: Uint8Array });
    case "group_fwd_mask":
      return hexMask(v as number);
    case "hello_timer":
    case "tcn_timer":
    case "topology_change_timer":
    case "gc_timer":
      return timer(v);
    case "no_linklocal_learn":
      return (d.get("br_multi_boolopt") as { optval: number }).optval & 1;
    case "mcast_vlan_snooping":
      return ((d.get("br_multi_boolopt") as { optval: number }).optval >> 1) & 1;
    case "vlan_protocol":
      return v === 0x8100 ? "802.1Q" : v === 0x88a8 ? "802.1ad" : v;
  }
  return v === undefined ? UNMAPPED : v;
};

const PORT_KEYS: Record<string, string> = {
  hairpin: "mode",
  root_block: "protect",
  fastleave: "fast_leave",
  flood: "unicast_flood",
  proxy_arp: "proxyarp",
  proxy_arp_wifi: "proxyarp_wifi",
  mcast_to_unicast: "mcast_to_ucast",
};
const PORT_BOOLS = new Set([
  "hairpin",
  "guard",
  "root_block",
  "fastleave",
  "learning",
  "flood",
  "proxy_arp",
  "proxy_arp_wifi",
  "mcast_flood",
  "bcast_flood",
  "mcast_to_unicast",
  "neigh_suppress",
  "vlan_tunnel",
  "isolated",
  "locked",
  "mab",
  "neigh_vlan_suppress",
]);

const portData: Mapper = (key, d) => {
  const v = d.get(`brport_${PORT_KEYS[key] ?? key}`);
  if (PORT_BOOLS.has(key)) return u8bool(v);
  switch (key) {
    case "state":
      return PORT_STATES[v as number];
    case "id":
    case "no":
      return `0x${(v as number).toString(16)}`;
    case "bridge_id":
    case "root_id":
      return bridgeId(v as { prio: number; addr: Uint8Array });
    case "hold_timer":
    case "message_age_timer":
    case "forward_delay_timer":
      return timer(v);
    case "group_fwd_mask":
      return hexMask(v as number);
    case "group_fwd_mask_str":
      return `0x${(d.get("brport_group_fwd_mask") as number).toString(16)}`;
  }
  return v === undefined ? UNMAPPED : v;
};

const VXLAN_KEYS: Record<string, string> = {
  remote: "group",
  group: "group",
  remote6: "group6",
  group6: "group6",
};
const VXLAN_BOOLS = new Set([
  "learning",
  "proxy",
  "rsc",
  "l2miss",
  "l3miss",
  "udp_csum",
  "udp_zero_csum6_tx",
  "udp_zero_csum6_rx",
  "remcsum_tx",
  "remcsum_rx",
  "external",
  "vnifilter",
  "localbypass",
]);

const vxlanData: Mapper = (key, d, byIndex) => {
  const v = d.get(`vxlan_${VXLAN_KEYS[key] ?? key}`);
  if (VXLAN_BOOLS.has(key)) return u8bool(v);
  switch (key) {
    case "link":
      return byIndex.get(v as number)?.ifname;
    case "df":
      return DF[v as number];
  }
  return v === undefined ? UNMAPPED : v;
};

const macvlanData: Mapper = (key, d) => {
  switch (key) {
    case "mode":
      return MACVLAN_MODES[d.get("macvlan_mode") as number];
    case "bcqueuelen":
      return d.get("macvlan_bc_queue_len");
    case "usedbcqueuelen":
      return d.get("macvlan_bc_queue_len_used");
    case "nopromisc":
      return ((d.get("macvlan_flags") as number) & 1) !== 0 || undefined;
  }
  return UNMAPPED;
};

const users = idNames("/etc/passwd");
const groups = idNames("/etc/group");
const tunData: Mapper = (key, d) => {
  switch (key) {
    case "type":
      return d.get("tun_type") === 2 ? "tap" : "tun";
    case "pi":
    case "vnet_hdr":
    case "multi_queue":
    case "persist":
      return u8bool(d.get(`tun_${key}`));
    case "user":
      return users.get(d.get("tun_owner") as number) ?? d.get("tun_owner");
    case "group":
      return groups.get(d.get("tun_group") as number) ?? d.get("tun_group");
    case "numqueues":
      return d.get("tun_num_queues");
    case "numdisabled":
      return d.get("tun_num_disabled_queues");
  }
  return UNMAPPED;
};

const DATA: Record<string, Mapper> = {
  bridge: bridgeData,
  vxlan: vxlanData,
  macvlan: macvlanData,
  macvtap: macvlanData,
  tun: tunData,
};

function compareData(
  where: string,
  theirs: Json,
  ours: View | undefined,
  map: Mapper,
  byIndex: Map<number, Link>,
  tolerant: RegExp = /_timer$/,
): void {
  assert.ok(ours, `${where}: we decoded no data`);
  for (const [key, want] of Object.entries(theirs)) {
    const got = map(key, ours, byIndex);
    assert.notEqual(got, UNMAPPED, `${where}.${key}: not mapped (ip printed ${want})`);
    if (tolerant.test(key)) {
      assert.ok(Math.abs((got as number) - (want as number)) <= 2, `${where}.${key}`);
    } else assert.deepEqual(got, want, `${where}.${key}`);
  }
}

const TOP: Record<string, (l: Link, byIndex: Map<number, Link>) => unknown> = {
  ifindex: (l) => l.index,
  ifname: (l) => l.ifname,
  flags: (l, m) => flagNames(l, m),
  mtu: (l) => l.mtu,
  qdisc: (l) => l.qdisc,
  master: (l, m) => m.get(l.master!)?.ifname,
  operstate: (l) => l.operstate,
  linkmode: (l) => (l.linkmode ? "DORMANT" : "DEFAULT"),
  group: (l) => (l.group === 0 ? "default" : String(l.group)),
  txqlen: (l) => l.txqlen,
  link_type: (l) => LINK_TYPES[l.ifi_type],
  address: (l) => l.address,
  broadcast: (l) => l.broadcast,
  promiscuity: (l) => l.promiscuity,
  allmulti: (l) => l.allmulti,
  min_mtu: (l) => l.min_mtu,
  max_mtu: (l) => l.max_mtu,
  num_tx_queues: (l) => l.num_tx_queues,
  num_rx_queues: (l) => l.num_rx_queues,
  gso_max_size: (l) => l.gso_max_size,
  gso_max_segs: (l) => l.gso_max_segs,
  tso_max_size: (l) => l.tso_max_size,
  tso_max_segs: (l) => l.tso_max_segs,
  gro_max_size: (l) => l.gro_max_size,
  inet6_addr_gen_mode: (l) =>
    ADDR_GEN[
      ((l.af_spec as View).get("inet6") as View).get("addr_gen_mode") as number
    ],
  link: (l, m) => m.get(l.link!)?.ifname,
  link_index: (l) => l.link,
  link_netnsid: (l) => l.link_netnsid,
  ifalias: (l) => l.ifalias,
  altnames: (l) => l.altnames,
  proto_down: (l) => u8bool(l.proto_down),
};

Deno.test({
  ...(await gate(
    "oracle: getLinks() against `ip -j -d link show`, field by field",
    "link:bridge",
    "link:vxlan",
    "link:macvlan",
    "link:macvtap",
    "link:ifb",
    "link:tuntap",
  )),
  fn: () =>
    withNetns((other) =>
      withNetns(async (ns) => {
        using ip = new IPRoute({ netns: ns });
        await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1", mtu: 1400 });
        await ip.link("set", {
          index: "v0",
          state: "up",
          alias: "to the other side",
          altnames: ["veth-zero-alternative"],
        });
        await ip.link("add", { ifname: "x0", kind: "veth", peer: { ifname: "x1", netns: other } });
        await ip.link("add", {
          ifname: "br0",
          kind: "bridge",
          br_forward_delay: 400,
          br_group_fwd_mask: 0x8,
          br_mcast_snooping: false,
        });
        await ip.link("add", { ifname: "p0", kind: "veth", peer: "p1" });
        await ip.link("add", { ifname: "q0", kind: "veth", peer: "q1" });
        await ip.link("set", { index: "p0", master: "br0", state: "up" });
        await ip.link("set", { index: "q0", master: "br0" });
        await ip.link("set", { index: "p0", brport_cost: 33, brport_learning: 0, brport_guard: 1 });
        await ip.link("set", { index: "q0", protinfo: { brport_isolated: 1, brport_priority: 3 } });
        await ip.link("set", { index: "br0", state: "up", group: 7 });
        await ip.link("add", {
          ifname: "vx0",
          kind: "vxlan",
          vxlan_id: 42,
          vxlan_link: "v1",
          vxlan_group: "10.0.0.9",
          vxlan_port: 4789,
          vxlan_ttl: 9,
          vxlan_df: "inherit",
        });
        await ip.link("add", {
          ifname: "mv0",
          kind: "macvlan",
          link: "v1",
          macvlan_mode: "bridge",
        });
        await ip.link("add", { ifname: "mvt0", kind: "macvtap", link: "v1", macvlan_mode: "vepa" });
        await ip.link("add", { ifname: "ifb0", kind: "ifb" });
        await ip.link("add", { ifname: "tap0", kind: "tuntap", mode: "tap", owner: 0, group: 0 });
        await ip.link("add", { ifname: "tun0", kind: "tuntap", mode: "tun", vnet_hdr: true });
        await ip.link("set", { index: "tun0", promisc: true, arp: false });

        // Carrier and operating state go on changing by themselves for a while after links come
        // up (the kernel's link watch runs later, later still on a loaded machine): compare once
        // the namespace has settled, with our dump taken between two of iproute2's that agree.
        await settle(ns);
        const still = (json: Json[]) =>
          JSON.stringify(json, (k, v) => (k.endsWith("_timer") ? undefined : v));
        let ours: Link[] = [], theirs: Json[] = [];
        for (let i = 0; i < 20; i++) {
          const before = still(await ipJson(ns, "-d", "link", "show"));
          ours = await ip.getLinks();
          theirs = await ipJson(ns, "-d", "link", "show");
          if (still(theirs) === before) break;
        }
        const byIndex = new Map(ours.map((l) => [l.index, l]));
        assert.deepEqual(
          ours.map((l) => l.ifname),
          theirs.map((l) => l.ifname),
          "the same links in the same order",
        );
        const seenKinds = new Set<string>();
        for (const t of theirs) {
          const l = ours.find((x) => x.index === t.ifindex)!;
          const where = String(t.ifname);
          for (const [key, want] of Object.entries(t)) {
            if (key === "linkinfo") continue;
            const f = TOP[key];
            assert.ok(f, `${where}.${key}: not mapped (ip printed ${JSON.stringify(want)})`);
            assert.deepEqual(f(l, byIndex), want, `${where}.${key}`);
          }
          const li = t.linkinfo as Json | undefined;
          assert.equal(l.kind, li?.info_kind, `${where}.info_kind`);
          if (!li) continue;
          seenKinds.add(String(li.info_kind));
          const linkinfo = l.linkinfo as unknown as View;
          if (li.info_data) {
            const map = DATA[String(li.info_kind)];
            assert.ok(map, `${where}: no mapping for kind ${li.info_kind}`);
            compareData(
              `${where}.info_data`,
              li.info_data as Json,
              linkinfo.get("info_data") as View,
              map,
              byIndex,
            );
          }
          assert.equal(linkinfo.get("info_slave_kind"), li.info_slave_kind, where);
          if (li.info_slave_data) {
            compareData(
              `${where}.info_slave_data`,
              li.info_slave_data as Json,
              linkinfo.get("info_slave_data") as View,
              portData,
              byIndex,
            );
          }
        }
        assert.deepEqual(
          [...seenKinds].sort(),
          ["bridge", "ifb", "macvlan", "macvtap", "tun", "veth", "vxlan"],
        );
        // The values this test set are among those compared.
        const p0 = theirs.find((t) => t.ifname === "p0")!;
        assert.equal(((p0.linkinfo as Json).info_slave_data as Json).cost, 33);
        const l = ours.find((x) => x.ifname === "v0")!;
        assert.deepEqual(l.altnames, ["veth-zero-alternative"]);
      }, "lo"), "lo2"),
});

const RX_KEYS: Record<string, string> = {
  bytes: "rx_bytes",
  packets: "rx_packets",
  errors: "rx_errors",
  dropped: "rx_dropped",
  over_errors: "rx_over_errors",
  multicast: "multicast",
  length_errors: "rx_length_errors",
  crc_errors: "rx_crc_errors",
  frame_errors: "rx_frame_errors",
  fifo_errors: "rx_fifo_errors",
  missed_errors: "rx_missed_errors",
  nohandler: "rx_nohandler",
  otherhost: "rx_otherhost_dropped",
};
const TX_KEYS: Record<string, string> = {
  bytes: "tx_bytes",
  packets: "tx_packets",
  errors: "tx_errors",
  dropped: "tx_dropped",
  carrier_errors: "tx_carrier_errors",
  collisions: "collisions",
  aborted_errors: "tx_aborted_errors",
  fifo_errors: "tx_fifo_errors",
  window_errors: "tx_window_errors",
  heartbeat_errors: "tx_heartbeat_errors",
};

Deno.test({
  name: "oracle: IFLA_STATS64 and carrier counters against `ip -s -s -j link show` after traffic",
  ignore: !isRoot,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      // No IPv6: no router solicitations or MLD reports change the counters while we compare.
      await new Deno.Command("ip", {
        args: ["netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"],
      }).output();
      await new Deno.Command("ip", {
        args: ["netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"],
      }).output();
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      await ip.link("set", { index: "v0", state: "up" });
      await ip.link("set", { index: "v1", state: "up" });
      await ip.addr("add", { index: "v0", address: "10.0.0.1/24" });
      const [v1] = await ip.link("get", { ifname: "v1" });
      await new Deno.Command("ip", {
        args: ["-n", ns, "neigh", "add", "10.0.0.2", "lladdr", v1.address!, "dev", "v0"],
      }).output();
      // Three UDP datagrams out of v0 into v1 (bash's /dev/udp), no ARP thanks to the entry.
      const out = await new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          ns,
          "bash",
          "-c",
          "for i in 1 2 3; do echo hello > /dev/udp/10.0.0.2/9; done",
        ],
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));

      const ours = new Map((await ip.getLinks()).map((l) => [l.ifname, l]));
      const theirs = await ipJson(ns, "-s", "-s", "link", "show");
      for (const t of theirs) {
        const l = ours.get(String(t.ifname))!;
        const s = t.stats64 as { rx: Json; tx: Json };
        const st = l.stats64 as unknown as Record<string, number>;
        for (const [k, v] of Object.entries(s.rx)) {
          assert.ok(RX_KEYS[k], `rx.${k}: not mapped`);
          assert.equal(st[RX_KEYS[k]], v, `${t.ifname} rx.${k}`);
        }
        for (const [k, v] of Object.entries(s.tx)) {
          if (k === "carrier_changes") assert.equal(l.carrier_changes, v, `${t.ifname} ${k}`);
          else {
            assert.ok(TX_KEYS[k], `tx.${k}: not mapped`);
            assert.equal(st[TX_KEYS[k]], v, `${t.ifname} tx.${k}`);
          }
        }
      }
      assert.ok(ours.get("v0")!.stats64!.tx_packets >= 3);
      assert.ok(ours.get("v1")!.stats64!.rx_packets >= 3);
      assert.equal(ours.get("v0")!.carrier_up_count, 1);
    }, "lo"),
});
