/**
 * Oracle: the `ip` tool (examples/ip.ts, run in-process) prints the same bytes as iproute2's
 * `ip` for the same command and namespace: `-j`, `-j -p` and text, for link, addr, route (main,
 * a numbered table, all tables, -6, get), rule, neigh and nexthop show, on a namespace built by
 * iproute2 with a veth pair, a bridge with a port, vxlan, macvlan, a tap, several addresses per
 * interface (IPv4 secondaries and labels, IPv6), routes with metrics in several tables, rules,
 * neighbours and nexthop objects.
 */

import assert from "node:assert/strict";
import { main } from "../../examples/ip.ts";
import { ipCmd, iproute2Lines, isRoot, run, settle, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";
import type { Feature } from "../features.ts";

/** Runs the tool in-process: exit code, stdout, stderr. */
async function tool(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** Runs iproute2's ip: exit code, stdout, stderr. */
async function iproute2(
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

/**
 * Asserts both print the same bytes. The kernel state can move between the two runs (a
 * neighbour's timer, a counter), so a difference is retried twice before it fails.
 */
async function same(args: string[]): Promise<void> {
  let a = await iproute2(args), b = await tool(args);
  for (let i = 0; i < 2 && (a.out !== b.out || a.code !== b.code); i++) {
    await new Promise((r) => setTimeout(r, 50));
    a = await iproute2(args);
    b = await tool(args);
  }
  assert.equal(b.code, a.code, `exit code of ip ${args.join(" ")}: ${b.err}`);
  assert.equal(b.out, a.out, `ip ${args.join(" ")}`);
}

/** Bridge timers and finite lifetimes tick between runs: compare them as numbers only. */
function maskTimers(text: string): string {
  return text.replace(/"(\w*_timer)":\s*[\d.]+/g, '"$1":0');
}

/** What build() needs of the kernel besides veth. */
const BUILD_NEEDS: Feature[] = [
  "link:bridge",
  "link:vxlan",
  "link:macvlan",
  "link:tuntap",
  "nexthop",
];

/** The namespace the outputs are compared on, as iproute2 command lines. */
const BUILD: readonly string[] = [
  "ip link set lo up",
  "ip link add v0 type veth peer name v1",
  "ip link add br0 type bridge",
  "ip link set v1 master br0",
  "ip link add vx0 type vxlan id 42 dstport 4789 local 10.9.0.1",
  "ip link add vx1 type vxlan id 7 group 239.1.1.1 dev v0 dstport 8472 ttl 10 nolearning",
  "ip link add mv0 link v0 type macvlan mode bridge",
  "ip tuntap add dev tap0 mode tap",
  "ip link set v0 up",
  "ip link set v1 up",
  "ip link set br0 up",
  "ip link set mv0 up",
  "ip addr add 10.0.0.1/24 dev v0",
  "ip addr add 10.0.0.2/24 dev v0",
  "ip addr add 10.0.1.1/24 brd + dev v0 label v0:1",
  "ip addr add 10.7.0.1 peer 10.7.0.2/32 dev v0",
  "ip addr add 2001:db8::1/64 dev v0",
  "ip addr add 2001:db8:1::1/64 dev v0 nodad",
  "ip addr add 192.168.5.1/24 dev br0",
  "ip route add 10.1.0.0/16 via 10.0.0.254 metric 100",
  "ip route add 10.2.0.0/16 dev v0 proto static metric 5 mtu 1400",
  "ip route add 10.4.0.0/16 via 10.0.0.250 mtu lock 1300 advmss 1200 rtt 300ms initcwnd 10",
  "ip route add 10.3.0.0/16 via 10.0.0.254 table 100",
  "ip route add default via 10.0.0.254 table 100",
  "ip route add 10.5.0.0/16 via 10.0.0.253 table 200 metric 7",
  "ip route add 10.60.0.0/16 nexthop via 10.0.0.253 dev v0 weight 2 nexthop via 10.0.0.252 dev v0",
  "ip route add blackhole 10.62.0.0/16",
  "ip route add unreachable 10.63.0.0/16 metric 9",
  "ip route add 2001:db8:5::/64 via 2001:db8::2 metric 7",
  "ip -6 route add 2001:db8:77::/64 dev v0 metric 1024 pref high",
  "ip -6 route add 2001:db8:78::/64 via 2001:db8::3 table 100",
  "ip rule add from 10.0.0.0/24 table 100 pref 1000",
  "ip rule add fwmark 0x10/0xff tos 0x10 lookup 100 pref 700",
  "ip rule add iif v0 oif v1 table main pref 600",
  "ip rule add not from 10.1.1.3 goto 1000 pref 802",
  "ip rule add from 10.1.1.1 blackhole pref 800",
  "ip rule add uidrange 100-200 ipproto tcp dport 1000-2000 table 100 pref 901",
  "ip -6 rule add from 2001:db8::/64 table 100 pref 100",
  "ip neigh add 10.0.0.9 lladdr 00:11:22:33:44:99 dev v0",
  "ip neigh add 10.0.0.10 lladdr 00:11:22:33:44:10 dev v0 router",
  "ip neigh add 2001:db8::9 lladdr 00:11:22:33:44:98 dev v0 nud stale",
  "ip neigh add proxy 10.0.0.11 dev v0",
  "ip nexthop add id 1 via 10.0.0.254 dev v0",
  "ip nexthop add id 2 dev v0",
  "ip nexthop add id 3 blackhole",
  "ip nexthop add id 4 group 1/2,3",
  "ip route add 10.70.0.0/16 nhid 1",
];

async function build(ns: string): Promise<void> {
  // No duplicate address detection: addresses are never "tentative" between two runs.
  await run("ip", [
    "netns",
    "exec",
    ns,
    "sh",
    "-c",
    "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad; " +
    "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad",
  ]);
  // Five `ip -batch` processes instead of one `ip` per line.
  await iproute2Lines(ns, BUILD);
  // What the kernel does by itself once links are up (operstates, a bridge's carrier, IPv6
  // local routes) is done before the two tools are compared, one after the other.
  await settle(ns);
}

const SHOW: string[][] = [
  ["link", "show"],
  ["link", "show", "dev", "v0"],
  ["link", "show", "type", "veth"],
  ["link", "show", "master", "br0"],
  ["addr", "show"],
  ["addr", "show", "dev", "v0"],
  ["-4", "addr", "show"],
  ["-6", "addr", "show"],
  ["-br", "addr", "show"],
  ["-br", "link", "show"],
  ["route", "show"],
  ["route", "show", "table", "100"],
  ["route", "show", "table", "200"],
  ["route", "show", "table", "all"],
  ["route", "show", "table", "local"],
  ["-6", "route", "show"],
  ["-6", "route", "show", "table", "all"],
  ["-d", "route", "show"],
  ["route", "show", "dev", "v0"],
  ["route", "show", "proto", "static"],
  ["route", "show", "match", "10.60.1.1"],
  ["route", "get", "10.1.2.3"],
  ["route", "get", "10.0.0.1"],
  ["rule", "show"],
  ["-6", "rule", "show"],
  ["-d", "rule", "show"],
  ["neigh", "show"],
  ["neigh", "show", "dev", "v0"],
  ["neigh", "show", "proxy"],
  ["-6", "neigh", "show"],
  ["nexthop", "show"],
  ["-d", "nexthop", "show"],
];

Deno.test({
  ...(await gate(
    "ip tool: -j, -j -p and text output equal iproute2's, byte for byte",
    ...BUILD_NEEDS,
  )),
  async fn(t) {
    await withNetns(async (ns) => {
      await build(ns);
      for (const args of SHOW) {
        for (const mode of [["-j"], ["-j", "-p"], []]) {
          const full = ["-n", ns, ...mode, ...args];
          await t.step(`ip ${[...mode, ...args].join(" ")}`, () => same(full));
        }
      }
    }, "iptool");
  },
});

Deno.test({
  ...(await gate(
    "ip tool: -d (link details: veth, bridge and port, vxlan, macvlan, tun) equals iproute2",
    ...BUILD_NEEDS,
  )),
  async fn(t) {
    await withNetns(async (ns) => {
      await build(ns);
      for (
        const args of [
          ["-d", "link", "show"],
          ["-d", "addr", "show"],
          ["-d", "link", "show", "dev", "br0"],
          ["-d", "link", "show", "dev", "v1"],
          ["-d", "link", "show", "dev", "vx1"],
          ["-d", "link", "show", "dev", "tap0"],
        ]
      ) {
        for (const mode of [["-j"], ["-j", "-p"]]) {
          await t.step(`ip ${[...mode, ...args].join(" ")}`, async () => {
            const full = ["-n", ns, ...mode, ...args];
            const a = await iproute2(full), b = await tool(full);
            assert.equal(b.code, a.code, b.err);
            assert.equal(maskTimers(b.out), maskTimers(a.out));
          });
        }
      }
    }, "iptool");
  },
});

Deno.test({
  ...(await gate("ip tool: -s statistics have iproute2's keys, order and layout", ...BUILD_NEEDS)),
  async fn(t) {
    await withNetns(async (ns) => {
      await build(ns);
      // Counters move while packets flow (IPv6 router solicitations): compare with digits masked.
      const mask = (s: string) => s.replace(/\d+/g, "N");
      for (
        const args of [["-s", "link", "show"], ["-s", "-s", "link", "show"], ["-s", "addr", "show"]]
      ) {
        for (const mode of [["-j"], ["-j", "-p"]]) {
          await t.step(`ip ${[...mode, ...args].join(" ")}`, async () => {
            const full = ["-n", ns, ...mode, ...args];
            const a = await iproute2(full), b = await tool(full);
            assert.equal(b.code, a.code, b.err);
            assert.equal(mask(b.out), mask(a.out));
          });
        }
      }
    }, "iptool");
  },
});

Deno.test({
  name: "ip tool: an empty namespace prints what iproute2 prints ([ ] and [])",
  ignore: !isRoot,
  async fn() {
    await withNetns(async (ns) => {
      for (const args of [["route", "show"], ["-6", "route", "show"], ["neigh", "show"]]) {
        await same(["-n", ns, "-j", ...args]);
        await same(["-n", ns, "-j", "-p", ...args]);
        await same(["-n", ns, ...args]);
      }
    }, "iptool");
  },
});

Deno.test({
  name: "ip tool: a veth whose peer is in another namespace prints link_index and link_netnsid",
  ignore: !isRoot,
  async fn() {
    await withNetns(async (a) => {
      await withNetns(async (b) => {
        await ipCmd(a, "link", "add", "xv0", "type", "veth", "peer", "name", "xv1", "netns", b);
        for (const ns of [a, b]) {
          for (const args of [["link", "show"], ["-d", "link", "show"], ["addr", "show"]]) {
            await same(["-n", ns, "-j", ...args]);
            await same(["-n", ns, "-j", "-p", ...args]);
          }
        }
      }, "iptoolb");
    }, "iptoola");
  },
});

/** Starts a long-running command; resolves with a function that stops it and returns stdout. */
function start(cmd: string, args: string[]): () => Promise<string> {
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).spawn();
  return async () => {
    child.kill("SIGTERM");
    const r = await child.output();
    return new TextDecoder().decode(r.stdout);
  };
}

Deno.test({
  name: "ip tool: monitor prints the events ip monitor prints (but [NETCONF])",
  ignore: !isRoot,
  async fn() {
    await withNetns(async (ns) => {
      const script = new URL("../../examples/ip.ts", import.meta.url).pathname;
      const args = ["-n", ns, "monitor", "all"];
      const stopIp = start("ip", args);
      const stopTool = start(Deno.execPath(), ["run", "--allow-ffi", script, ...args]);
      await new Promise((r) => setTimeout(r, 1500));
      const ip = (...a: string[]) => ipCmd(ns, ...a);
      await ip("link", "add", "dm1", "type", "veth", "peer", "name", "dm2");
      await ip("addr", "add", "10.44.0.1/24", "dev", "dm1");
      await ip("link", "set", "dm1", "up");
      await ip("route", "add", "10.45.0.0/16", "dev", "dm1");
      await ip("rule", "add", "pref", "4000", "table", "5");
      await ip("rule", "del", "pref", "4000");
      await ip("neigh", "add", "10.44.0.9", "lladdr", "00:11:22:33:44:55", "dev", "dm1");
      await ip("link", "del", "dm1");
      await new Promise((r) => setTimeout(r, 1000));
      const fromIp = (await stopIp()).split("\n").filter((l) => !l.startsWith("[NETCONF]"));
      const fromTool = (await stopTool()).split("\n");
      assert.deepEqual(fromTool, fromIp);
      assert.ok(fromTool.some((l) => l.startsWith("[ROUTE]10.45.0.0/16 dev dm1")));
    }, "iptoolmon");
  },
});
