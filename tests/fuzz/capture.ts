/**
 * Captures the fuzz corpus: real kernel dumps of every rtnetlink message kind (link, addr,
 * route, rule, neigh, nexthop, tc), nlctrl families, error acks with extended acks, and events,
 * from a fresh namespace that holds one of each. Run as root:
 *
 *     deno run --allow-ffi --allow-run --allow-read --allow-write --allow-sys tests/fuzz/capture.ts
 *
 * Writes tests/fuzz/corpus/<name>.json (`{ description, datagrams: [hex…] }`) and regenerates
 * tests/fuzz/corpus/index.ts, which imports every corpus file and every iproute2 request capture
 * of tests/golden/iproute2/ (so the fuzzer needs no read permission). Nothing runs in the initial
 * namespace; the namespace is removed even on failure.
 *
 * @module
 */

import * as netns from "../../ffi/netns.ts";
import { NETLINK, NetlinkSocket } from "../../ffi/socket.ts";
import { encodeMessage } from "../../netlink/encoder.ts";
import { NLM_F, NLMSG_DONE, NLMSG_ERROR } from "../../netlink/constants.ts";
import type { MessageSchema } from "../../netlink/schema.ts";
import { CTRL_CMD, CTRL_MESSAGE, GENL_ID_CTRL } from "../../netlink/genl.ts";
import { RTM, RTNLGRP } from "../../rtnl/constants.ts";
import { LINK_MESSAGE } from "../../rtnl/schemas/link.ts";
import { ADDR_MESSAGE } from "../../rtnl/schemas/addr.ts";
import { ROUTE_MESSAGE } from "../../rtnl/schemas/route.ts";
import { RULE_MESSAGE } from "../../rtnl/schemas/rule.ts";
import { NEIGH_MESSAGE } from "../../rtnl/schemas/neigh.ts";
import { NEXTHOP_MESSAGE } from "../../rtnl/schemas/nexthop.ts";
import { TC_MESSAGE } from "../../rtnl/schemas/tc.ts";

const HERE = new URL(".", import.meta.url).pathname;
const OUT = `${HERE}corpus/`;
const GOLDEN = `${HERE}../golden/iproute2/`;
const NS = `nlt-fuzzcap-${Deno.pid}`;

const SETUP = [
  "ip link set lo up",
  "ip link add v0 type veth peer name v1",
  "ip link set v0 up",
  "ip link set v0 alias fuzz-alias",
  "ip link property add dev v0 altname veth-zero-altname",
  "ip link add br0 type bridge stp_state 0 forward_delay 400",
  "ip link set v1 master br0",
  "ip link set v1 up",
  "ip link set br0 up",
  "ip link add vx0 type vxlan id 42 dstport 4789 dev v0 ttl 8",
  "ip link add mv0 link v0 type macvlan mode bridge",
  "ip link add mvt0 link v0 type macvtap mode vepa",
  "ip link add ifb0 type ifb",
  "ip addr add 10.0.0.1/24 dev v0 label v0:one",
  "ip addr add 10.0.0.9/24 dev v0",
  "ip addr add 10.0.1.1/24 dev v0 valid_lft 1000 preferred_lft 500",
  "ip addr add 2001:db8::1/64 dev v0 nodad",
  "ip addr add 2001:db8:ff::1/64 dev v0 nodad valid_lft 1000 preferred_lft 500",
  "ip addr add 10.0.2.1 peer 10.0.2.2/32 dev mv0",
  "ip route add 10.1.0.0/16 via 10.0.0.2 proto static metric 50",
  "ip route add 10.2.0.0/16 nexthop via 10.0.0.2 weight 2 nexthop via 10.0.0.3 weight 1",
  "ip route add 10.3.0.0/16 via 10.0.0.2 table 100 mtu 1400 advmss 1360",
  "ip route add 10.3.1.0/24 via 10.0.0.2 table 70000",
  "ip route add blackhole 10.9.0.0/16",
  "ip route add unreachable 10.10.0.0/16",
  "ip -6 route add 2001:db8:1::/64 via 2001:db8::2",
  "ip -6 route add 2001:db8:2::/64 nexthop via 2001:db8::2 nexthop via 2001:db8::3",
  "ip -6 route add 2001:db8:5::/64 encap seg6 mode encap segs 2001:db8::9,2001:db8::a dev v0",
  "ip rule add from 10.0.0.0/24 table 100 pref 1000",
  "ip rule add fwmark 0x10/0xff table 100 pref 1001",
  "ip rule add iif v0 oif v1 table 70000 pref 1002",
  "ip rule add to 10.8.0.0/16 ipproto tcp dport 80-90 prohibit pref 1003",
  "ip -6 rule add from 2001:db8::/64 table 100 pref 1000",
  "ip neigh add 10.0.0.5 lladdr 00:11:22:33:44:55 dev v0 nud permanent",
  "ip neigh add 10.0.0.6 lladdr 00:11:22:33:44:56 dev v0 nud stale",
  "ip -6 neigh add 2001:db8::5 lladdr 00:11:22:33:44:57 dev v0 nud permanent",
  "ip neigh add proxy 10.0.0.7 dev v0",
  "bridge fdb add 00:aa:bb:cc:dd:ee dev v1 master static",
  "ip nexthop add id 1 via 10.0.0.2 dev v0",
  "ip nexthop add id 2 via 10.0.0.3 dev v0",
  "ip nexthop add id 3 blackhole",
  "ip nexthop add id 10 group 1,2/2",
  "ip route add 10.5.0.0/16 nhid 10",
  "tc qdisc add dev v0 root handle 1: htb default 10",
  "tc class add dev v0 parent 1: classid 1:10 htb rate 1mbit ceil 2mbit",
  "tc class add dev v0 parent 1: classid 1:20 htb rate 2mbit",
  "tc qdisc add dev v0 parent 1:10 handle 10: tbf rate 1mbit burst 32kbit latency 400ms",
  "tc qdisc add dev v0 parent 1:20 handle 20: pfifo limit 100",
  "tc qdisc add dev v0 ingress",
  "tc qdisc add dev mv0 clsact",
  "tc qdisc add dev ifb0 root bfifo limit 10000",
  "tc filter add dev v0 parent 1: protocol ip prio 1 u32 match ip dst 10.0.0.0/24 flowid 1:10",
  "tc filter add dev v0 parent ffff: protocol all prio 2 u32 match u32 0 0 " +
  "action mirred egress redirect dev ifb0",
  "tc filter add dev mv0 ingress prio 3 bpf bytecode 1,6\\ 0\\ 0\\ 0 classid 1:1",
];

async function sh(line: string): Promise<void> {
  // `ip …` / `tc …` / `bridge …` always get -n NS: nothing runs in the initial namespace.
  const words = line.match(/(?:[^\s\\]|\\.)+/g)!.map((w) => w.replace(/\\(.)/g, "$1"));
  const [tool, ...args] = words;
  if (!["ip", "tc", "bridge"].includes(tool)) throw new Error(`refusing ${line}`);
  const out = await new Deno.Command(tool, { args: ["-n", NS, ...args], stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`${line}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

/** Bytes as lowercase hex. */
export function hexOf(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Sends one request and collects every datagram of its answer until DONE or ERROR. */
export async function exchange(
  sock: NetlinkSocket,
  req: Uint8Array,
  seq: number,
): Promise<string[]> {
  const dv = new DataView(req.buffer, req.byteOffset, req.byteLength);
  dv.setUint32(8, seq, true);
  dv.setUint16(6, dv.getUint16(6, true) | NLM_F.REQUEST, true);
  if (!sock.send(req)) throw new Error("send would block");
  const out: string[] = [];
  for (;;) {
    const buf = sock.receive();
    if (!buf) {
      await sock.readable();
      continue;
    }
    out.push(hexOf(new Uint8Array(buf)));
    const v = new DataView(buf);
    let end = false;
    for (let off = 0; off + 16 <= buf.byteLength;) {
      const len = v.getUint32(off, true);
      const type = v.getUint16(off + 4, true);
      if (v.getUint32(off + 8, true) === seq && (type === NLMSG_DONE || type === NLMSG_ERROR)) {
        end = true;
      }
      if (len < 16) break;
      off += (len + 3) & ~3;
    }
    if (end) return out;
  }
}

function dumpReq(schema: MessageSchema, type: number, header = {}, attrs = {}): Uint8Array {
  return encodeMessage(schema, { type, flags: NLM_F.DUMP, header, attrs });
}

async function main(): Promise<void> {
  if (Deno.uid() !== 0) throw new Error("capture.ts needs root");
  netns.create(NS);
  const corpus: Record<string, { description: string; datagrams: string[] }> = {};
  try {
    for (const line of SETUP) await sh(line);
    using rt = new NetlinkSocket(NETLINK.ROUTE, { netns: NS, rcvbuf: 1 << 20 });
    let seq = 1000;
    const dumps: [string, string, Uint8Array][] = [
      ["link", "RTM_GETLINK dump", dumpReq(LINK_MESSAGE, RTM.GETLINK, {}, { ext_mask: 1 })],
      [
        "link_bridge",
        "RTM_GETLINK dump of AF_BRIDGE (bridge port info)",
        dumpReq(LINK_MESSAGE, RTM.GETLINK, { family: 7 }, { ext_mask: 2 }),
      ],
      ["addr", "RTM_GETADDR dump", dumpReq(ADDR_MESSAGE, RTM.GETADDR)],
      ["route4", "RTM_GETROUTE dump, IPv4", dumpReq(ROUTE_MESSAGE, RTM.GETROUTE, { family: 2 })],
      ["route6", "RTM_GETROUTE dump, IPv6", dumpReq(ROUTE_MESSAGE, RTM.GETROUTE, { family: 10 })],
      ["rule", "RTM_GETRULE dump", dumpReq(RULE_MESSAGE, RTM.GETRULE)],
      ["neigh", "RTM_GETNEIGH dump", dumpReq(NEIGH_MESSAGE, RTM.GETNEIGH)],
      [
        "neigh_proxy",
        "RTM_GETNEIGH dump of proxy entries",
        dumpReq(NEIGH_MESSAGE, RTM.GETNEIGH, { flags: 0x08 }),
      ],
      [
        "fdb",
        "RTM_GETNEIGH dump of AF_BRIDGE (fdb)",
        dumpReq(NEIGH_MESSAGE, RTM.GETNEIGH, { family: 7 }),
      ],
      ["nexthop", "RTM_GETNEXTHOP dump", dumpReq(NEXTHOP_MESSAGE, RTM.GETNEXTHOP)],
      ["qdisc", "RTM_GETQDISC dump", dumpReq(TC_MESSAGE, RTM.GETQDISC)],
    ];
    const links = (await exchange(rt, dumpReq(LINK_MESSAGE, RTM.GETLINK), 999)).join("");
    const index = (name: string): number => {
      // ifindex of `name` from the hex of a link dump: find the IFLA_IFNAME attribute.
      const nameHex = hexOf(new TextEncoder().encode(name + "\0"));
      const at = links.indexOf(nameHex);
      if (at < 0) throw new Error(`no link ${name}`);
      // Walk back to the ifinfomsg of this message: the closest preceding message start.
      const bytes = Uint8Array.from(links.match(/../g)!, (h) => parseInt(h, 16));
      const dv = new DataView(bytes.buffer);
      for (let off = 0; off + 16 <= bytes.length;) {
        const len = dv.getUint32(off, true);
        if (off * 2 < at && at < (off + len) * 2) return dv.getInt32(off + 20, true);
        off += (len + 3) & ~3;
      }
      throw new Error(`no link ${name}`);
    };
    dumps.push([
      "tclass",
      "RTM_GETTCLASS dump of v0",
      dumpReq(TC_MESSAGE, RTM.GETTCLASS, { index: index("v0") }),
    ]);
    for (const [dev, parent] of [["v0", 0x10000], ["v0", 0xffff0000], ["mv0", 0xfffffff2]]) {
      dumps.push([
        `tfilter_${dev}_${(parent as number).toString(16)}`,
        `RTM_GETTFILTER dump of ${dev} parent ${(parent as number).toString(16)}`,
        dumpReq(TC_MESSAGE, RTM.GETTFILTER, { index: index(dev as string), parent }),
      ]);
    }
    for (const [name, description, req] of dumps) {
      corpus[name] = { description, datagrams: await exchange(rt, req, ++seq) };
    }
    // Error acks with extended acks (and the request echoed back, NETLINK_CAP_ACK aside).
    const errors: [string, Uint8Array][] = [
      [
        "nexthop with a gateway but no device",
        encodeMessage(NEXTHOP_MESSAGE, {
          type: RTM.NEWNEXTHOP,
          flags: NLM_F.CREATE | NLM_F.EXCL | NLM_F.ACK,
          header: { family: 2 },
          attrs: { id: 77, gateway: "10.0.0.2" },
        }),
      ],
      [
        "route through an unreachable gateway",
        encodeMessage(ROUTE_MESSAGE, {
          type: RTM.NEWROUTE,
          flags: NLM_F.CREATE | NLM_F.EXCL | NLM_F.ACK,
          header: { family: 2, dst_len: 16, table: 254, proto: 3, scope: 0, type: 1 },
          attrs: { dst: "10.99.0.0", gateway: "192.168.77.1" },
        }),
      ],
      [
        "link of an unknown kind",
        encodeMessage(LINK_MESSAGE, {
          type: RTM.NEWLINK,
          flags: NLM_F.CREATE | NLM_F.EXCL | NLM_F.ACK,
          header: {},
          attrs: { ifname: "d0", linkinfo: { info_kind: "dummy" } },
        }),
      ],
      [
        "dump with a bad header under strict checking",
        encodeMessage(ADDR_MESSAGE, {
          type: RTM.GETADDR,
          flags: NLM_F.DUMP,
          header: { prefixlen: 8 },
        }),
      ],
    ];
    corpus.errors = { description: "NLMSG_ERROR replies with extended acks", datagrams: [] };
    for (const [, req] of errors) corpus.errors.datagrams.push(...await exchange(rt, req, ++seq));
    // Generic netlink: every family of nlctrl.
    using gn = new NetlinkSocket(NETLINK.GENERIC, { netns: NS });
    corpus.genl_ctrl = {
      description: "nlctrl CTRL_CMD_GETFAMILY dump",
      datagrams: await exchange(
        gn,
        encodeMessage(CTRL_MESSAGE, {
          type: GENL_ID_CTRL,
          flags: NLM_F.DUMP,
          header: { cmd: CTRL_CMD.GETFAMILY, version: 2 },
        }),
        ++seq,
      ),
    };
    // Events: what a monitor receives while things change.
    const groups = [
      "link",
      "ipv4_ifaddr",
      "ipv6_ifaddr",
      "ipv4_route",
      "ipv6_route",
      "ipv4_rule",
      "neigh",
      "nexthop",
      "tc",
    ].map((g) => (RTNLGRP as Record<string, number>)[g]);
    using mon = new NetlinkSocket(NETLINK.ROUTE, { netns: NS, groups, rcvbuf: 1 << 20 });
    for (
      const line of [
        "ip link add ev0 type veth peer name ev1",
        "ip link set ev0 up",
        "ip link set ev1 up",
        "ip addr add 10.7.0.1/24 dev ev0",
        "ip route add 10.7.1.0/24 via 10.7.0.2",
        "ip rule add from 10.7.0.0/24 table 7 pref 7",
        "ip neigh add 10.7.0.5 lladdr 00:11:22:33:44:58 dev ev0",
        "ip nexthop add id 7 via 10.7.0.2 dev ev0",
        "tc qdisc add dev ev0 root pfifo",
        "ip link del ev0",
      ]
    ) await sh(line);
    corpus.events = { description: "multicast events of link, addr, route, …", datagrams: [] };
    for (let buf = mon.receive(); buf; buf = mon.receive()) {
      corpus.events.datagrams.push(hexOf(new Uint8Array(buf)));
    }
  } finally {
    netns.remove(NS);
  }
  await Deno.mkdir(OUT, { recursive: true });
  for (const [name, entry] of Object.entries(corpus)) {
    if (entry.datagrams.length === 0) throw new Error(`corpus ${name} is empty`);
    await Deno.writeTextFile(`${OUT}${name}.json`, JSON.stringify(entry, null, 1) + "\n");
  }
  await writeIndex();
  console.log(
    Object.entries(corpus).map(([k, v]) => `${k}: ${v.datagrams.length}`).join("\n"),
  );
}

/** Regenerates corpus/index.ts: static imports of every corpus and golden file. */
export async function writeIndex(): Promise<void> {
  const own = [...Deno.readDirSync(OUT)].map((e) => e.name).filter((n) => n.endsWith(".json"))
    .sort();
  const golden = [...Deno.readDirSync(GOLDEN)].map((e) => e.name)
    .filter((n) => n.endsWith(".json")).sort();
  const lines = [
    "// Generated by tests/fuzz/capture.ts: every corpus file and every iproute2 capture.",
    "// deno-fmt-ignore-file",
    "",
  ];
  own.forEach((n, i) => lines.push(`import c${i} from "./${n}" with { type: "json" };`));
  golden.forEach((n, i) =>
    lines.push(`import g${i} from "../../golden/iproute2/${n}" with { type: "json" };`)
  );
  lines.push(
    "",
    "/** Captured kernel datagrams by corpus name. */",
    "export const KERNEL: Record<string, { description: string; datagrams: string[] }> = {",
    ...own.map((n, i) => `  ${JSON.stringify(n.replace(/\.json$/, ""))}: c${i},`),
    "};",
    "",
    "/** iproute2 request captures by name. */",
    "export const IPROUTE2: Record<string, { requests: string[] }> = {",
    ...golden.map((n, i) => `  ${JSON.stringify(n.replace(/\.json$/, ""))}: g${i},`),
    "};",
    "",
  );
  await Deno.writeTextFile(`${OUT}index.ts`, lines.join("\n"));
}

if (import.meta.main) {
  if (Deno.args[0] === "--index") await writeIndex();
  else await main();
}
