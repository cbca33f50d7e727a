/**
 * Shared by the address/route/rule/neighbour/nexthop/bridge tests: iproute2's request bytes
 * (tests/golden/iproute2 and the extra captures below), a canonical form to compare requests
 * with, a core over a fake transport that records what would be sent, and the table of bad
 * inputs every verb must refuse before sending anything.
 *
 * @module
 */

import { IPRoute } from "../../rtnl/iproute.ts";
import { NetlinkEngine } from "../../netlink/engine.ts";
import type { Transport } from "../../netlink/engine.ts";
import { hex, toHex } from "../helpers.ts";

/**
 * More iproute2 6.1 requests, captured like tests/golden (strace of `ip`/`bridge` in a fresh
 * namespace where lo=1, v1=2, v0=3, br0=4): name → [command, hex of the change request].
 * Bytes 8..15 (seq, pid) vary. `vlan_range` was captured on its own (same method).
 */
export const EXTRA: Readonly<Record<string, readonly [string, string]>> = {
  addr_brd: [
    "ip addr add 10.0.0.1/24 broadcast 10.0.0.255 dev v0",
    "3000000014000506def40c6b000000000218000003000000080002000a000001080004000a0000ff080001000a000001",
  ],
  addr_change: [
    "ip addr change 10.0.0.1/24 dev v0",
    "2800000014000501957c156b000000000218000003000000080002000a000001080001000a000001",
  ],
  addr_change_v6: [
    "ip -6 addr change 2001:db8::1/64 dev v0 nodad",
    "4000000014000501957c156b000000000a400200030000001400020020010db80000000000000000000000011400010020010db8000000000000000000000001",
  ],
  neigh_get: [
    "ip neigh get 10.0.0.5 dev v0",
    "240000001e000100a47c156b0000000002000000030000000000000008000100" + "0a000005",
  ],
  neigh_get_proxy: [
    "ip neigh get proxy 10.0.0.6 dev v0",
    "240000001e000100a47c156b0000000002000000030000000000080008000100" + "0a000006",
  ],
  neigh_get6: [
    "ip -6 neigh get 2001:db8::5 dev v0",
    "300000001e000100a47c156b000000000a00000003000000000000001400010020010db8000000000000000000000005",
  ],
  addr_del_noprefix: [
    "ip addr del 10.0.0.1 dev v0",
    "2000000015000500dff40c6b000000000220000003000000080002000a000001",
  ],
  addr_full: [
    "ip addr add 10.0.0.1/24 brd + label v0:1 scope link dev v0 valid_lft 100 preferred_lft 50",
    "5000000014000506def40c6b00000000021800fd03000000080002000a0000010900030076303a3100000000080001000a000001080004000a0000ff1400060032000000640000000000000000000000",
  ],
  addr_peer: [
    "ip addr add 10.9.0.1 peer 10.9.0.2/32 dev v0",
    "2800000014000506def40c6b000000000220000003000000080002000a090001080001000a090002",
  ],
  addr_v6_flags: [
    "ip -6 addr add 2001:db8::1/64 dev v0 nodad noprefixroute metric 7",
    "5000000014000506dff40c6b000000000a400000030000001400020020010db8000000000000000000000001080009000700000008000800020200001400010020010db8000000000000000000000001",
  ],
  fdb_add_default: [
    "bridge fdb add 00:11:22:33:44:57 dev v0",
    "280000001c000506f3f40c6b000000000700000003000000c00002000a0002000011223344570000",
  ],
  fdb_add_dynamic: [
    "bridge fdb add 00:11:22:33:44:58 dev v0 master dynamic",
    "280000001c000506f3f40c6b000000000700000003000000020004000a0002000011223344580000",
  ],
  fdb_add_master: [
    "bridge fdb add 00:11:22:33:44:55 dev v0 master static vlan 10",
    "300000001c000506f1f40c6b000000000700000003000000420004000a0002000011223344550000060005000a000000",
  ],
  fdb_add_self: [
    "bridge fdb add 00:11:22:33:44:56 dev v0 self permanent",
    "280000001c000506f2f40c6b000000000700000003000000c00002000a0002000011223344560000",
  ],
  fdb_del: [
    "bridge fdb del 00:11:22:33:44:55 dev v0 master",
    "280000001d000500f4f40c6b000000000700000003000000c00004000a0002000011223344550000",
  ],
  neigh_del: [
    "ip neigh del 10.0.0.5 dev v0",
    "240000001d000500edf40c6b00000000020000000300000080000000080001000a000005",
  ],
  neigh_proxy: [
    "ip neigh add proxy 10.0.0.7 dev v0",
    "240000001c000506ecf40c6b00000000020000000300000080000800080001000a000007",
  ],
  neigh_replace: [
    "ip neigh replace 10.0.0.5 lladdr 00:11:22:33:44:55 dev v0 nud stale",
    "300000001c000505eef40c6b00000000020000000300000004000000080001000a0000050a0002000011223344550000",
  ],
  neigh_router6: [
    "ip -6 neigh add 2001:db8::5 lladdr 00:11:22:33:44:66 dev v0 router nud reachable",
    "3c0000001c000506edf40c6b000000000a00000003000000020080001400010020010db80000000000000000000000050a0002000011223344660000",
  ],
  nexthop_blackhole: [
    "ip nexthop add id 3 blackhole",
    "2400000068000506edf40c6b000000000200000000000000080001000300000004000400",
  ],
  nexthop_del: [
    "ip nexthop del id 1",
    "2000000069000500eff40c6b0000000000000000000000000800010001000000",
  ],
  nexthop_dev: [
    "ip nexthop add id 5 dev v0",
    "2800000068000506f0f40c6b00000000020000000000000008000100050000000800050003000000",
  ],
  nexthop_fdb: [
    "ip nexthop add id 20 via 10.0.0.9 fdb",
    "2c00000068000506eef40c6b0000000002000000000000000800010014000000080006000a00000904000b00",
  ],
  nexthop_group_w: [
    "ip nexthop add id 11 group 1,3/2,5 proto static",
    "3400000068000506edf40c6b000000000000040000000000080001000b0000001400020001000000020000000200000004000000",
  ],
  nexthop_resilient: [
    "ip nexthop add id 12 group 1/2 type resilient buckets 8",
    "4800000068000506eef40c6b000000000000000000000000080001000c00000014000200010000000000000002000000000000000c000c8006000100080000000600030001000000",
  ],
  nexthop_v6: [
    "ip nexthop add id 4 via fe80::1 dev v0 onlink",
    "3c00000068000506eff40c6b000000000a00000004000000080001000400000014000600fe8000000000000000000000000000010800050003000000",
  ],
  route_blackhole: [
    "ip route add blackhole 10.5.0.0/16 table 1000 proto static",
    "2c00000018000506e0f40c6b00000000021000000004000600000000080001000a05000008000f00e8030000",
  ],
  route_get: [
    "ip route get 10.0.0.2",
    "240000001a000100e2f40c6b00000000022000000000000000100000080001000a000002",
  ],
  route_get_fibmatch: [
    "ip route get fibmatch 10.0.0.2",
    "240000001a000100e2f40c6b00000000022000000000000000300000080001000a000002",
  ],
  route_local: [
    "ip route add local 10.7.0.1 dev v0 table 200",
    "2c00000018000506e1f40c6b0000000002200000c803fe0200000000080001000a0700010800040003000000",
  ],
  route_lock: [
    "ip route add 10.4.0.0/16 via 10.0.0.2 mtu lock 1400 congctl cubic",
    "4c00000018000506e3f40c6b0000000002100000fe03000100000000080001000a040000080005000a0000022000080008000200780500000900100063756269630000000800010004000000",
  ],
  route_nhid: [
    "ip route add 10.8.0.0/16 nhid 1",
    "2c00000018000506e1f40c6b0000000002100000fe03000100000000080001000a08000008001e0001000000",
  ],
  route_prefsrc: [
    "ip route add 10.6.0.0/16 via 10.0.0.2 src 10.0.0.1 scope global proto 42",
    "3400000018000506e3f40c6b0000000002100000fe2a000100000000080001000a060000080005000a000002080007000a000001",
  ],
  route_seg6: [
    "ip -6 route add 2001:db8:5::/64 encap seg6 mode encap segs 2001:db8::2,2001:db8::3 dev v0",
    "7400000018000506e2f40c6b000000000a400000fe030001000000001400010020010db8000500000000000000000000340016803000010001000000000404010100000020010db800000000000000000000000320010db800000000000000000000000206001500050000000800040003000000",
  ],
  route_unreach6: [
    "ip -6 route add unreachable 2001:db8:9::/48 metric 10",
    "3800000018000506e0f40c6b000000000a300000fe030007000000001400010020010db8000900000000000000000000080006000a000000",
  ],
  rule_blackhole: [
    "ip rule add priority 301 blackhole",
    "2400000020000506e7f40c6b00000000020000000000000600000000080006002d010000",
  ],
  rule_del: [
    "ip rule del priority 100",
    "2400000021000500eaf40c6b000000000200000000000000000000000800060064000000",
  ],
  rule_full: [
    "ip rule add priority 200 from 10.0.0.0/8 to 192.168.0.0/16 iif v0 oif v1 fwmark 0x10/0xff table 5000",
    "5c00000020000506e6f40c6b0000000002100800000000010000000008000600c8000000080002000a00000008000100c0a800000700030076300000070011007631000008000a001000000008001000ff00000008000f0088130000",
  ],
  rule_goto: [
    "ip rule add priority 300 goto 400",
    "2c00000020000506e7f40c6b00000000020000000000000200000000080006002c0100000800040090010000",
  ],
  rule_l3mdev: [
    "ip rule add priority 306 l3mdev",
    "2c00000020000506e9f40c6b0000000002000000000000010000000008000600320100000500130001000000",
  ],
  rule_noaction: [
    "ip rule add priority 308 from 10.1.0.0/16",
    "2c00000020000506ebf40c6b0000000002001000fe000001000000000800060034010000080002000a010000",
  ],
  rule_nop: [
    "ip rule add priority 302 nop",
    "2400000020000506e8f40c6b00000000020000000000000300000000080006002e010000",
  ],
  rule_not: [
    "ip rule add not from 10.0.0.0/8 priority 307 prohibit",
    "2c00000020000506eaf40c6b00000000020008000000000802000000080002000a0000000800060033010000",
  ],
  rule_suppress: [
    "ip rule add priority 303 lookup main suppress_prefixlength 0",
    "2c00000020000506e8f40c6b0000000002000000fe00000100000000080006002f01000008000e0000000000",
  ],
  rule_uid: [
    "ip rule add priority 304 uidrange 1000-2000 ipproto tcp sport 1000-2000 dport 80 table 7",
    "4800000020000506e8f40c6b0000000002000000070000010000000008000600300100000c001400e8030000d0070000050016000600000008001700e803d0070800180050005000",
  ],
  rule_v6: [
    "ip -6 rule add priority 305 from 2001:db8::/32 unreachable",
    "3800000020000506e9f40c6b000000000a002000000000070000000008000600310100001400020020010db8000000000000000000000000",
  ],
  vlan_del: [
    "bridge vlan del vid 10 dev v0",
    "2c00000011000500f5f40c6b00000000070000000300000000000000000000000c001a000800020000000a00",
  ],
  vlan_range: [
    "bridge vlan add vid 20-30 dev v0 untagged master",
    "3c000000130005000000000000000000070000000300000000000000000000001c001a000600000001000000080002000c0014000800020014001e00",
  ],
};

/** The main request of golden capture `name` (tests/golden/iproute2/NAME.json or EXTRA). */
export function golden(name: string): Uint8Array {
  if (EXTRA[name]) return hex(EXTRA[name][1]);
  const url = new URL(`../golden/iproute2/${name}.json`, import.meta.url);
  const d = JSON.parse(Deno.readTextFileSync(url));
  return hex(d.requests[d.main]);
}

/**
 * A canonical text of one request: the netlink header (seq and pid zeroed, REQUEST|ACK set,
 * since the engine adds those), the fixed header, then the attributes sorted by type with
 * NLA_F_NESTED dropped (iproute2 does not set it), nests in `nests` canonicalised recursively.
 */
export function canon(
  b: Uint8Array,
  fixed: number,
  nests: ReadonlySet<number> = new Set(),
): string {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const len = dv.getUint32(0, true);
  const type = dv.getUint16(4, true);
  const flags = dv.getUint16(6, true) | 0x5;
  const head = `len=${len} type=${type} flags=0x${flags.toString(16)} hdr=${
    toHex(b.subarray(16, 16 + fixed))
  }`;
  return `${head} ${attrs(b, 16 + ((fixed + 3) & ~3), len, nests)}`;
}

function attrs(b: Uint8Array, start: number, end: number, nests: ReadonlySet<number>): string {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: [number, string][] = [];
  for (let p = start; p + 4 <= end;) {
    const alen = dv.getUint16(p, true);
    const t = dv.getUint16(p + 2, true) & 0x3fff;
    if (alen < 4 || p + alen > end) throw new Error(`bad attribute at ${p}`);
    const body = nests.has(t)
      ? `{${attrs(b, p + 4, p + alen, new Set([...nests].filter((x) => x !== t)))}}`
      : toHex(b.subarray(p + 4, p + alen));
    out.push([t, `${t}:${body}`]);
    p += (alen + 3) & ~3;
  }
  return out.sort((x, y) => x[0] - y[0]).map((x) => x[1]).join(" ");
}

/** An IPRoute over a transport that records what would be sent and never answers. */
export function fakeIPRoute(): { ip: IPRoute; sent: Uint8Array[] } {
  const sent: Uint8Array[] = [];
  const transport: Transport = {
    portId: 4242,
    lastGroups: 0,
    closed: false,
    send(bytes: Uint8Array) {
      sent.push(bytes.slice());
      return true;
    },
    receive() {
      return null;
    },
    readable() {
      return Promise.reject(new Error("fake transport: no kernel here"));
    },
    close() {},
  };
  const ip = Object.create(IPRoute.prototype) as IPRoute;
  Object.defineProperties(ip, {
    socket: { value: transport },
    engine: { value: new NetlinkEngine(transport) },
    options: { value: {} },
  });
  return { ip, sent };
}

/** One bad input: the call, the error class, and the field its message must start with. */
export interface BadCase {
  /** What the case is. */
  name: string;
  /** Makes the call. */
  call: (ip: IPRoute) => Promise<unknown>;
  /** TypeError or RangeError. */
  error: typeof TypeError | typeof RangeError;
  /** The field named at the start of the message ("dst", "multipath[1].weight"). */
  field: string;
}

// deno-lint-ignore no-explicit-any
type Any = any;
const T = TypeError, R = RangeError;
/** Bad inputs for every verb (interface names given here are well-formed but never looked up). */
export const BAD_CASES: readonly BadCase[] = [
  // addresses
  {
    name: "addr: address does not parse",
    call: (ip) => ip.addr("add", { index: 2, address: "10.0.0.256/24" }),
    error: T,
    field: "address",
  },
  {
    name: "addr: prefix 33",
    call: (ip) => ip.addr("add", { index: 2, address: "10.0.0.1/33" }),
    error: R,
    field: "address",
  },
  {
    name: "addr: prefix 129",
    call: (ip) => ip.addr("add", { index: 2, address: "2001:db8::1/129" }),
    error: R,
    field: "address",
  },
  {
    name: "addr: mask 33",
    call: (ip) => ip.addr("add", { index: 2, address: "10.0.0.1", mask: 33 }),
    error: R,
    field: "mask",
  },
  {
    name: "addr: mask contradicts prefix",
    call: (ip) => ip.addr("add", { index: 2, address: "10.0.0.1/24", mask: 16 }),
    error: T,
    field: "mask",
  },
  {
    name: "addr: peer family mix",
    call: (ip) => ip.addr("add", { index: 2, address: "10.0.0.1", peer: "2001:db8::2" }),
    error: T,
    field: "peer",
  },
  {
    name: "addr: family mix",
    call: (ip) => ip.addr("add", { index: 2, address: "10.0.0.1/24", family: 10 }),
    error: T,
    field: "address",
  },
  {
    name: "addr: broadcast on IPv6",
    call: (ip) => ip.addr("add", { index: 2, address: "2001:db8::1/64", broadcast: true }),
    error: T,
    field: "broadcast",
  },
  {
    name: "addr: label too long",
    call: (ip) => ip.addr("add", { index: 2, address: "10.0.0.1/24", label: "v0:abcdefghijklm" }),
    error: R,
    field: "label",
  },
  {
    name: "addr: unknown scope",
    call: (ip) => ip.addr("add", { index: 2, address: "10.0.0.1/24", scope: "galaxy" }),
    error: T,
    field: "scope",
  },
  {
    name: "addr: unknown flag",
    call: (ip) => ip.addr("add", { index: 2, address: "10.0.0.1/24", flags: ["fast" as Any] }),
    error: T,
    field: "flags[0]",
  },
  {
    name: "addr: preferred > valid",
    call: (ip) => ip.addr("add", { index: 2, address: "10.0.0.1/24", preferred: 100, valid: 50 }),
    error: R,
    field: "preferred",
  },
  {
    name: "addr: missing index",
    call: (ip) => ip.addr("add", { address: "10.0.0.1/24" } as Any),
    error: T,
    field: "index",
  },
  {
    name: "addr: missing address",
    call: (ip) => ip.addr("add", { index: 2 } as Any),
    error: T,
    field: "address",
  },
  {
    name: "addr: ifname of 16 bytes",
    call: (ip) => ip.addr("add", { index: "abcdefghijklmnop", address: "10.0.0.1/24" }),
    error: R,
    field: "index",
  },
  {
    name: "addr: ifname with /",
    call: (ip) => ip.addr("add", { index: "a/b", address: "10.0.0.1/24" }),
    error: T,
    field: "index",
  },
  {
    name: "addr: unknown command",
    call: (ip) => ip.addr("set" as Any, { index: 2, address: "10.0.0.1/24" }),
    error: T,
    field: "command",
  },
  {
    name: "addr: unknown key",
    call: (ip) => ip.addr("add", { index: 2, address: "10.0.0.1/24", colour: 1 } as Any),
    error: T,
    field: "colour",
  },
  // routes
  {
    name: "route: dst does not parse",
    call: (ip) => ip.route("add", { dst: "10.0.0/24", gateway: "10.0.0.1" }),
    error: T,
    field: "dst",
  },
  {
    name: "route: prefix 33",
    call: (ip) => ip.route("add", { dst: "10.0.0.0/33", gateway: "10.0.0.1" }),
    error: R,
    field: "dst",
  },
  {
    name: "route: prefix 129",
    call: (ip) => ip.route("add", { dst: "2001:db8::/129", oif: 2 }),
    error: R,
    field: "dst",
  },
  {
    name: "route: gateway family mix",
    call: (ip) => ip.route("add", { dst: "10.1.0.0/16", gateway: "2001:db8::1" }),
    error: T,
    field: "gateway",
  },
  {
    name: "route: missing dst",
    call: (ip) => ip.route("add", { gateway: "10.0.0.1" }),
    error: T,
    field: "dst",
  },
  {
    name: "route: unicast without a next hop",
    call: (ip) => ip.route("add", { dst: "10.1.0.0/16" }),
    error: T,
    field: "gateway",
  },
  {
    name: "route: unknown table name",
    call: (ip) =>
      ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.1", table: "no-such-table" }),
    error: T,
    field: "table",
  },
  {
    name: "route: table beyond u32",
    call: (ip) => ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.1", table: 2 ** 32 }),
    error: R,
    field: "table",
  },
  {
    name: "route: unknown proto",
    call: (ip) =>
      ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.1", proto: "carrier-pigeon" }),
    error: T,
    field: "proto",
  },
  {
    name: "route: unknown scope",
    call: (ip) => ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.1", scope: "galaxy" }),
    error: T,
    field: "scope",
  },
  {
    name: "route: unknown type",
    call: (ip) => ip.route("add", { dst: "10.1.0.0/16", type: "wormhole" }),
    error: T,
    field: "type",
  },
  {
    name: "route: priority wrong type",
    call: (ip) =>
      ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.1", priority: "high" as Any }),
    error: T,
    field: "priority",
  },
  {
    name: "route: negative priority",
    call: (ip) => ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.1", priority: -1 }),
    error: R,
    field: "priority",
  },
  {
    name: "route: multipath weight 0",
    call: (ip) =>
      ip.route("add", {
        dst: "10.1.0.0/16",
        multipath: [{ gateway: "10.0.0.1" }, { gateway: "10.0.0.2", weight: 0 }],
      }),
    error: R,
    field: "multipath[1].weight",
  },
  {
    name: "route: multipath family mix",
    call: (ip) =>
      ip.route("add", {
        dst: "10.1.0.0/16",
        multipath: [{ gateway: "10.0.0.1" }, { gateway: "2001:db8::2" }],
      }),
    error: T,
    field: "multipath[1].gateway",
  },
  {
    name: "route: multipath empty",
    call: (ip) => ip.route("add", { dst: "10.1.0.0/16", multipath: [] }),
    error: T,
    field: "multipath",
  },
  {
    name: "route: unknown metric",
    call: (ip) =>
      ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.1", metrics: { speed: 9 } }),
    error: T,
    field: "metrics.speed",
  },
  {
    name: "route: metric wrong type",
    call: (ip) =>
      ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.1", metrics: { mtu: "big" } }),
    error: T,
    field: "metrics.mtu",
  },
  {
    name: "route: nh_id with gateway",
    call: (ip) => ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.1", nh_id: 5 }),
    error: T,
    field: "nh_id",
  },
  {
    name: "route: seg6 segment not IPv6",
    call: (ip) =>
      ip.route("add", {
        dst: "2001:db8:5::/64",
        oif: 2,
        encap: { type: "seg6", segs: ["10.0.0.1"] },
      }),
    error: T,
    field: "encap.segs[0]",
  },
  {
    name: "route: oif name with space",
    call: (ip) => ip.route("add", { dst: "10.1.0.0/16", oif: "v 0" }),
    error: T,
    field: "oif",
  },
  {
    name: "route: unknown command",
    call: (ip) => ip.route("insert" as Any, { dst: "10.1.0.0/16", oif: 2 }),
    error: T,
    field: "command",
  },
  // rules
  {
    name: "rule: src does not parse",
    call: (ip) => ip.rule("add", { src: "10.0.0.0/x", table: 100 }),
    error: T,
    field: "src",
  },
  {
    name: "rule: src/dst family mix",
    call: (ip) => ip.rule("add", { src: "10.0.0.0/8", dst: "2001:db8::/32", table: 100 }),
    error: T,
    field: "dst",
  },
  {
    name: "rule: unknown action",
    call: (ip) => ip.rule("add", { priority: 5, action: "teleport" as Any }),
    error: T,
    field: "action",
  },
  {
    name: "rule: table with goto",
    call: (ip) => ip.rule("add", { priority: 5, action: "goto", goto: 10, table: 100 }),
    error: T,
    field: "table",
  },
  {
    name: "rule: goto without target",
    call: (ip) => ip.rule("add", { priority: 5, action: "goto" }),
    error: T,
    field: "goto",
  },
  {
    name: "rule: uid range backwards",
    call: (ip) => ip.rule("add", { priority: 5, uid_range: "2000-1000", table: 7 }),
    error: R,
    field: "uid_range",
  },
  {
    name: "rule: port beyond u16",
    call: (ip) => ip.rule("add", { priority: 5, ip_proto: "tcp", dport: 70000, table: 7 }),
    error: R,
    field: "dport.start",
  },
  {
    name: "rule: unknown ip_proto",
    call: (ip) => ip.rule("add", { priority: 5, ip_proto: "tcpp" as Any, table: 7 }),
    error: T,
    field: "ip_proto",
  },
  {
    name: "rule: iifname too long",
    call: (ip) => ip.rule("add", { priority: 5, iifname: "abcdefghijklmnop", table: 7 }),
    error: R,
    field: "iifname",
  },
  {
    name: "rule: fwmask without fwmark",
    call: (ip) => ip.rule("add", { priority: 5, fwmask: 0xff, table: 7 }),
    error: T,
    field: "fwmask",
  },
  {
    name: "rule: l3mdev not boolean",
    call: (ip) => ip.rule("add", { priority: 5, l3mdev: 1 as Any }),
    error: T,
    field: "l3mdev",
  },
  // neighbours
  {
    name: "neigh: bad MAC",
    call: (ip) => ip.neigh("add", { ifindex: 2, dst: "10.0.0.5", lladdr: "00:11:22:33:44:zz" }),
    error: T,
    field: "lladdr",
  },
  {
    name: "neigh: unknown state",
    call: (ip) =>
      ip.neigh("add", {
        ifindex: 2,
        dst: "10.0.0.5",
        lladdr: "00:11:22:33:44:55",
        state: "sleepy" as Any,
      }),
    error: T,
    field: "state",
  },
  {
    name: "neigh: dst with prefix",
    call: (ip) => ip.neigh("add", { ifindex: 2, dst: "10.0.0.5/24" }),
    error: T,
    field: "dst",
  },
  {
    name: "neigh: missing dst",
    call: (ip) => ip.neigh("add", { ifindex: 2, lladdr: "00:11:22:33:44:55" }),
    error: T,
    field: "dst",
  },
  {
    name: "neigh: missing ifindex",
    call: (ip) => ip.neigh("add", { dst: "10.0.0.5" }),
    error: T,
    field: "ifindex",
  },
  {
    name: "neigh: unknown flag",
    call: (ip) => ip.neigh("add", { ifindex: 2, dst: "10.0.0.5", flags: ["loud" as Any] }),
    error: T,
    field: "flags[0]",
  },
  {
    name: "neigh: family mix",
    call: (ip) => ip.neigh("add", { ifindex: 2, dst: "2001:db8::5", family: 2 }),
    error: T,
    field: "dst",
  },
  // nexthops
  {
    name: "nexthop: group weight 257",
    call: (ip) => ip.nexthop("add", { id: 10, group: [{ id: 1, weight: 257 }] }),
    error: R,
    field: "group[0].weight",
  },
  {
    name: "nexthop: group twice the same id",
    call: (ip) => ip.nexthop("add", { id: 10, group: [1, 1] }),
    error: T,
    field: "group[1].id",
  },
  {
    name: "nexthop: gateway without oif",
    call: (ip) => ip.nexthop("add", { id: 1, gateway: "10.0.0.2" }),
    error: T,
    field: "oif",
  },
  {
    name: "nexthop: blackhole with gateway",
    call: (ip) => ip.nexthop("add", { id: 1, blackhole: true, gateway: "10.0.0.2" }),
    error: T,
    field: "gateway",
  },
  { name: "nexthop: del without id", call: (ip) => ip.nexthop("del", {}), error: T, field: "id" },
  {
    name: "nexthop: unknown group type",
    call: (ip) => ip.nexthop("add", { id: 10, group: [1, 2], group_type: "random" as Any }),
    error: T,
    field: "group_type",
  },
  {
    name: "nexthop: id 0",
    call: (ip) => ip.nexthop("add", { id: 0, oif: 2 }),
    error: R,
    field: "id",
  },
  // bridge
  {
    name: "fdb: bad MAC",
    call: (ip) => ip.fdb("add", { lladdr: "00:11:22:33:44", ifindex: 3 }),
    error: T,
    field: "lladdr",
  },
  {
    name: "fdb: vlan 4095",
    call: (ip) => ip.fdb("add", { lladdr: "00:11:22:33:44:55", ifindex: 3, vlan: 4095 }),
    error: R,
    field: "vlan",
  },
  {
    name: "fdb: unknown state",
    call: (ip) => ip.fdb("add", { lladdr: "00:11:22:33:44:55", ifindex: 3, state: "sticky-ish" }),
    error: T,
    field: "state",
  },
  {
    name: "fdb: missing port",
    call: (ip) => ip.fdb("add", { lladdr: "00:11:22:33:44:55" }),
    error: T,
    field: "ifindex",
  },
  {
    name: "vlan: vid 0",
    call: (ip) => ip.vlanFilter("add", { ifindex: 3, vid: 0 }),
    error: R,
    field: "vid",
  },
  {
    name: "vlan: pvid on a range",
    call: (ip) => ip.vlanFilter("add", { ifindex: 3, vid: "20-30", pvid: true }),
    error: T,
    field: "pvid",
  },
];
