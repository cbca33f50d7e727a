/**
 * Link decoder against messages built by hand from the uapi layout (linux/if_link.h,
 * linux/if_tunnel.h, linux/ip.h, linux/ipv6.h), independent of the encoder: kind data of kinds
 * this kernel lacks (bond, vlan, gre, ipip/sit/ip6tnl, ipvlan, vrf), port data, IFLA_STATS64,
 * IFLA_AF_SPEC, IFLA_XDP, IFLA_PROP_LIST, IFLA_PROTINFO of AF_BRIDGE and AF_INET6 messages.
 */

import assert from "node:assert/strict";
import { messageViewClass } from "../../netlink/view.ts";
import type { AttrView } from "../../netlink/view.ts";
// Importing the module installs the `kind`, `altnames` and `state` getters of link views.
import "../../rtnl/link.ts";
import type { Link } from "../../rtnl/link.ts";
import { LINK_MESSAGE } from "../../rtnl/schemas/link.ts";

type Bytes = number[];

const u8 = (n: number): Bytes => [n & 0xff];
const u16 = (n: number): Bytes => [n & 0xff, (n >> 8) & 0xff];
const be16 = (n: number): Bytes => [(n >> 8) & 0xff, n & 0xff];
const u32 = (n: number): Bytes => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const s32 = (n: number): Bytes => u32(n >>> 0);
const be32 = (n: number): Bytes => u32(n).reverse();
const u64 = (n: bigint): Bytes =>
  Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const str = (s: string): Bytes => [...new TextEncoder().encode(s), 0];
const ip4 = (s: string): Bytes => s.split(".").map(Number);
const mac = (s: string): Bytes => s.split(":").map((x) => parseInt(x, 16));

/** One attribute, padded to 4 bytes. */
function nla(type: number, payload: Bytes): Bytes {
  const len = 4 + payload.length;
  const out = [...u16(len), ...u16(type), ...payload];
  while (out.length % 4) out.push(0);
  return out;
}

/** A nest; `flag` sets NLA_F_NESTED (the kernel sets it on some nests and not on others). */
function nest(type: number, children: Bytes[], flag = true): Bytes {
  return nla(type | (flag ? 0x8000 : 0), children.flat());
}

/** An RTM_NEWLINK message with an ifinfomsg and attributes. */
function linkMessage(
  h: { family?: number; type?: number; index: number; flags?: number },
  attrs: Bytes[],
): Link {
  const body = [
    ...u8(h.family ?? 0),
    0,
    ...u16(h.type ?? 1),
    ...s32(h.index),
    ...u32(h.flags ?? 0),
    ...u32(0),
    ...attrs.flat(),
  ];
  const bytes = new Uint8Array([
    ...u32(16 + body.length),
    ...u16(16),
    ...u16(0),
    ...u32(1),
    ...u32(0),
    ...body,
  ]);
  const C = messageViewClass(LINK_MESSAGE);
  return new C(new DataView(bytes.buffer), bytes, 0, bytes.length) as unknown as Link;
}

function view(v: unknown): AttrView {
  assert.ok(v && typeof v === "object" && "get" in v, "expected a nested view");
  return v as AttrView;
}

Deno.test("link decoder: a bond with 802.3ad data, stats, XDP, alternative names", () => {
  const stats = Array.from({ length: 25 }, (_, i) => u64(i === 2 ? 1n << 40n : BigInt(i + 1)))
    .flat();
  const l = linkMessage({ index: 7, flags: 0x1043 }, [
    nla(3, str("bond0")),
    nla(4, u32(1500)),
    nla(1, mac("02:00:00:00:00:07")),
    nla(54, mac("52:54:00:12:34:56")),
    nla(56, str("0000:00:03.0")),
    nla(57, str("pci")),
    nla(35, u32(5)),
    nla(47, u32(3)),
    nla(48, u32(2)),
    nla(16, u8(6)),
    nla(13, u32(1000)),
    nla(68, u16(64)),
    nla(69, u16(0)),
    nla(23, stats),
    nest(43, [nla(2, u8(1)), nla(4, u32(42))]),
    nest(52, [nla(53, str("uplink")), nla(53, str("bond-primary"))]),
    nest(18, [
      nla(1, str("bond")),
      nest(2, [
        nla(1, u8(4)),
        nla(3, u32(100)),
        nest(8, [nla(0, be32(0x0a000001)), nla(1, be32(0x0a000002))]),
        nla(14, u8(1)),
        nest(23, [nla(1, u16(1)), nla(2, u16(2)), nla(5, mac("00:11:22:33:44:55"))]),
        nla(26, mac("02:aa:bb:cc:dd:ee")),
        nla(30, u8(2)),
      ], false),
    ], false),
  ]);
  assert.equal(l.index, 7);
  assert.equal(l.ifname, "bond0");
  assert.equal(l.state, "up");
  assert.equal(l.kind, "bond");
  assert.equal(l.perm_address, "52:54:00:12:34:56");
  assert.equal(l.parent_dev_name, "0000:00:03.0");
  assert.equal(l.parent_dev_bus_name, "pci");
  assert.equal(l.carrier_changes, 5);
  assert.equal(l.carrier_up_count, 3);
  assert.equal(l.carrier_down_count, 2);
  assert.equal(l.get("headroom"), 64);
  assert.equal(l.stats64?.rx_packets, 1);
  assert.equal(l.stats64?.rx_bytes, 2 ** 40);
  assert.equal(l.stats64?.rx_otherhost_dropped, 25);
  assert.equal(l.xdp?.attached, 1);
  assert.equal(l.xdp?.prog_id, 42);
  assert.deepEqual(l.altnames, ["uplink", "bond-primary"]);
  const data = view(l.get(["linkinfo", "info_data"]));
  assert.equal(data.get("bond_mode"), 4);
  assert.equal(data.get("bond_miimon"), 100);
  assert.deepEqual(data.get("bond_arp_ip_target"), ["10.0.0.1", "10.0.0.2"]);
  assert.equal(data.get("bond_xmit_hash_policy"), 1);
  assert.equal(data.get(["bond_ad_info", "bond_ad_info_num_ports"]), 2);
  assert.equal(data.get(["bond_ad_info", "bond_ad_info_partner_mac"]), "00:11:22:33:44:55");
  assert.equal(data.get("bond_ad_actor_system"), "02:aa:bb:cc:dd:ee");
  assert.equal(data.get("bond_missed_max"), 2);
  assert.equal(l.get(["linkinfo", "info_data", "IFLA_BOND_MODE"]), 4);
});

Deno.test("link decoder: bond port data and bridge port data by the master's kind", () => {
  const bondPort = linkMessage({ index: 3 }, [
    nest(18, [
      nla(1, str("veth")),
      nla(4, str("bond")),
      nest(5, [
        nla(1, u8(1)),
        nla(2, u8(0)),
        nla(3, u32(4)),
        nla(4, mac("0a:0b:0c:0d:0e:0f")),
        nla(5, u16(3)),
        nla(9, s32(-5)),
      ]),
    ]),
  ]);
  const sd = view(bondPort.get(["linkinfo", "info_slave_data"]));
  assert.equal(bondPort.get(["linkinfo", "info_slave_kind"]), "bond");
  assert.equal(sd.get("bond_slave_state"), 1);
  assert.equal(sd.get("bond_slave_link_failure_count"), 4);
  assert.equal(sd.get("bond_slave_perm_hwaddr"), "0a:0b:0c:0d:0e:0f");
  assert.equal(sd.get("bond_slave_queue_id"), 3);
  assert.equal(sd.get("bond_slave_prio"), -5);

  const brPort = linkMessage({ index: 4 }, [
    nest(18, [
      nla(1, str("veth")),
      nla(4, str("bridge")),
      nest(5, [
        nla(1, u8(3)),
        nla(3, u32(100)),
        nla(13, [0x80, 0x00, ...mac("02:00:00:00:00:01")]),
        nla(40, u8(1)),
        nla(44, u32(9)),
      ]),
    ]),
  ]);
  const bd = view(brPort.get(["linkinfo", "info_slave_data"]));
  assert.equal(bd.get("brport_state"), 3);
  assert.equal(bd.get("brport_cost"), 100);
  assert.equal(bd.get("brport_mab"), 1);
  assert.equal(bd.get("brport_backup_nhid"), 9);
  const root = bd.get("brport_root_id") as { prio: number; addr: Uint8Array };
  assert.equal(root.prio, 0x8000);
  assert.deepEqual(Array.from(root.addr), [2, 0, 0, 0, 0, 1]);
  assert.deepEqual(bd.toJSON().brport_root_id, { prio: 0x8000, addr: "02:00:00:00:00:01" });
});

Deno.test("link decoder: vlan id, protocol, flags and repeated QoS mappings", () => {
  const l = linkMessage({ index: 5 }, [
    nla(5, u32(3)),
    nest(18, [
      nla(1, str("vlan")),
      nest(2, [
        nla(1, u16(300)),
        nla(5, be16(0x88a8)),
        nla(2, [...u32(0x1), ...u32(0xffffffff)]),
        nest(3, [nla(1, [...u32(1), ...u32(2)]), nla(1, [...u32(5), ...u32(6)])]),
        nest(4, [nla(1, [...u32(3), ...u32(4)])]),
      ]),
    ]),
  ]);
  assert.equal(l.link, 3);
  const d = view(l.get(["linkinfo", "info_data"]));
  assert.equal(d.get("vlan_id"), 300);
  assert.equal(d.get("vlan_protocol"), 0x88a8);
  assert.deepEqual(d.get("vlan_flags"), { flags: 1, mask: 0xffffffff });
  assert.deepEqual(d.get("vlan_egress_qos"), [{ from: 1, to: 2 }, { from: 5, to: 6 }]);
  assert.deepEqual(d.get("vlan_ingress_qos"), [{ from: 3, to: 4 }]);
});

Deno.test("link decoder: tunnels (gre, ipip, sit, ip6tnl), ipvlan and vrf data", () => {
  const gre = linkMessage({ index: 6, type: 778 }, [
    nest(18, [
      nla(1, str("gre")),
      nest(2, [
        nla(1, u32(0)),
        nla(2, be16(0x2000)),
        nla(4, be32(0x01020304)),
        nla(6, ip4("5.6.7.8")),
        nla(7, ip4("1.2.3.4")),
        nla(8, u8(64)),
        nla(10, u8(1)),
        nla(17, be16(5555)),
        nla(18, []),
      ]),
    ]),
  ]);
  const g = view(gre.get(["linkinfo", "info_data"]));
  assert.equal(g.get("gre_iflags"), 0x2000);
  assert.equal(g.get("gre_ikey"), 0x01020304);
  assert.equal(g.get("gre_local"), "5.6.7.8");
  assert.equal(g.get("gre_remote"), "1.2.3.4");
  assert.equal(g.get("gre_ttl"), 64);
  assert.equal(g.get("gre_encap_dport"), 5555);
  assert.equal(g.get("gre_collect_metadata"), true);

  const sit = linkMessage({ index: 8, type: 776 }, [
    nest(18, [
      nla(1, str("sit")),
      nest(2, [nla(2, ip4("5.6.7.8")), nla(8, u16(1)), nla(9, u8(41)), nla(13, u16(16))]),
    ]),
  ]);
  const s = view(sit.get(["linkinfo", "info_data"]));
  assert.equal(s.get("iptun_local"), "5.6.7.8");
  assert.equal(s.get("iptun_flags"), 1);
  assert.equal(s.get("iptun_proto"), 41);
  assert.equal(s.get("iptun_6rd_prefixlen"), 16);

  const v6 = [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1];
  const ip6 = linkMessage({ index: 9, type: 769 }, [
    nest(18, [
      nla(1, str("ip6tnl")),
      nest(2, [nla(3, v6), nla(6, u8(4)), nla(7, be32(0x12345)), nla(8, u32(0x30000))]),
    ]),
  ]);
  const t = view(ip6.get(["linkinfo", "info_data"]));
  assert.equal(t.get("iptun_remote"), "2001:db8::1");
  assert.equal(t.get("iptun_encap_limit"), 4);
  assert.equal(t.get("iptun_flowinfo"), 0x12345);
  assert.equal(t.get("iptun_flags"), 0x30000);

  const ipip = linkMessage({ index: 10, type: 768 }, [
    nest(18, [nla(1, str("ipip")), nest(2, [nla(3, ip4("9.9.9.9")), nla(19, [])])]),
  ]);
  assert.deepEqual(view(ipip.get(["linkinfo", "info_data"])).toJSON(), {
    iptun_remote: "9.9.9.9",
    iptun_collect_metadata: true,
  });

  const ipvlan = linkMessage({ index: 11 }, [
    nest(18, [nla(1, str("ipvlan")), nest(2, [nla(1, u16(2)), nla(2, u16(1))])]),
  ]);
  assert.deepEqual(view(ipvlan.get(["linkinfo", "info_data"])).toJSON(), {
    ipvlan_mode: 2,
    ipvlan_flags: 1,
  });

  const vrf = linkMessage({ index: 12 }, [
    nest(18, [nla(1, str("vrf")), nest(2, [nla(1, u32(10))])]),
  ]);
  assert.equal(vrf.get(["linkinfo", "info_data", "vrf_table"]), 10);
  const vrfPort = linkMessage({ index: 13 }, [
    nest(18, [nla(4, str("vrf")), nest(5, [nla(1, u32(10))])]),
  ]);
  assert.equal(vrfPort.get(["linkinfo", "info_slave_data", "vrf_port_table"]), 10);
});

Deno.test("link decoder: IFLA_AF_SPEC IPv4 devconf and IPv6 settings by name", () => {
  const v4 = Array.from({ length: 33 }, (_, i) => u32(i === 0 ? 1 : i === 7 ? 2 : 0)).flat();
  const v6 = Array.from({ length: 60 }, (_, i) => s32(i === 1 ? 64 : i === 7 ? -1 : 0)).flat();
  const l = linkMessage({ index: 2 }, [
    nest(26, [
      nest(2, [nla(1, v4)]),
      nest(10, [
        nla(1, u32(0x80000000)),
        nla(5, [...u32(65535), ...u32(1234), ...u32(30000), ...u32(1000)]),
        nla(2, v6),
        nla(7, [...Array(15).fill(0), 1]),
        nla(8, u8(1)),
        nla(6, Array.from({ length: 7 }, (_, i) => u64(BigInt(i))).flat()),
      ]),
    ]),
  ]);
  const inet = view(l.get(["af_spec", "inet"]));
  const conf = inet.get("conf") as Record<string, number>;
  assert.equal(conf.forwarding, 1);
  assert.equal(conf.rp_filter, 2);
  assert.equal(conf.arp_evict_nocarrier, 0);
  const inet6 = view(l.get(["af_spec", "inet6"]));
  assert.equal(inet6.get("flags"), 0x80000000);
  const c6 = inet6.get("conf") as Record<string, number>;
  assert.equal(c6.hoplimit, 64);
  assert.equal(c6.rtr_solicits, -1);
  assert.equal(c6.force_forwarding, 0);
  assert.deepEqual(inet6.get("cacheinfo"), {
    max_reasm_len: 65535,
    tstamp: 1234,
    reachable_time: 30000,
    retrans_time: 1000,
  });
  assert.equal(inet6.get("token"), "::1");
  assert.equal(inet6.get("addr_gen_mode"), 1);
  assert.equal((inet6.get("icmp6stats") as Record<string, number>).ratelimithost, 6);
});

Deno.test("link decoder: IFLA_PROTINFO follows the message family", () => {
  const bridge = linkMessage({ family: 7, index: 3 }, [
    nla(3, str("v0")),
    nest(12, [nla(1, u8(3)), nla(8, u8(0)), nla(39, u8(1))]),
  ]);
  assert.deepEqual(view(bridge.protinfo).toJSON(), {
    brport_state: 3,
    brport_learning: 0,
    brport_locked: 1,
  });
  const inet6 = linkMessage({ family: 10, index: 3 }, [
    nest(12, [nla(1, u32(0x80000000)), nla(8, u8(3))]),
  ]);
  assert.deepEqual(view(inet6.protinfo).toJSON(), { flags: 0x80000000, addr_gen_mode: 3 });
  // AF_UNSPEC has no AF_SPEC meaning for other families: bytes, not a wrong decoding.
  const other = linkMessage({ family: 7, index: 3 }, [nest(26, [nla(0, u16(1))])]);
  assert.ok(other.af_spec instanceof Uint8Array);
});

Deno.test("link decoder: toJSON of a link is plain data", () => {
  const l = linkMessage({ index: 4, flags: 0x1003 }, [
    nla(3, str("br0")),
    nest(18, [
      nla(1, str("bridge")),
      nest(2, [
        nla(5, u32(1)),
        nla(11, [0x80, 0x00, ...mac("02:00:00:00:00:04")]),
        nla(20, mac("01:80:c2:00:00:00")),
        nla(48, u32(7)),
        nla(49, u32(100)),
        nest(47, [nla(1, ip4("10.0.0.1")), nla(2, u32(4)), nla(3, u64(99n))]),
      ]),
    ]),
  ]);
  const j = JSON.parse(JSON.stringify(l.toJSON()));
  assert.deepEqual(j.linkinfo.info_data, {
    br_stp_state: 1,
    br_bridge_id: { prio: 0x8000, addr: "02:00:00:00:00:04" },
    br_group_addr: "01:80:c2:00:00:00",
    br_fdb_n_learned: 7,
    br_fdb_max_learned: 100,
    br_mcast_querier_state: { ip_address: "10.0.0.1", ip_port: 4, ip_other_timer: 99 },
  });
  assert.equal(j.index, 4);
  assert.equal(j.ifname, "br0");
});
