/**
 * Oracle: commands the kernel or the parser refuses end as iproute2's do: the same message on
 * stderr ("RTNETLINK answers: File exists", "Error: <ext-ack text>.", "Cannot find device …")
 * and the same exit code (2 for the kernel, 1 for a missing device, 255 for usage). Also: the
 * tool's changes equal iproute2's (the same commands applied by each to its own namespace leave
 * the same state).
 */

import assert from "node:assert/strict";
import { ipCmd, isRoot, settle, withNetns } from "../helpers.ts";
import { main } from "../../examples/ip.ts";
import { gate } from "../features.ts";

/** Runs the tool in-process: exit code, stdout, stderr. */
async function tool(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** Runs iproute2's ip: exit code, stdout, stderr. */
async function iproute2(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

async function setup(ns: string): Promise<void> {
  await ipCmd(ns, "link", "set", "lo", "up");
  await ipCmd(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
  await ipCmd(ns, "link", "set", "v0", "up");
  await ipCmd(ns, "addr", "add", "10.0.0.1/24", "dev", "v0");
  await ipCmd(ns, "route", "add", "10.1.0.0/16", "via", "10.0.0.254", "metric", "100");
  await ipCmd(ns, "rule", "add", "from", "10.0.0.0/24", "table", "100", "pref", "1000");
  await ipCmd(ns, "neigh", "add", "10.0.0.9", "lladdr", "00:11:22:33:44:99", "dev", "v0");
}

const REFUSED: string[][] = [
  ["link", "add", "v0", "type", "veth", "peer", "name", "v9"],
  ["link", "del", "nosuch"],
  ["link", "show", "dev", "nosuch"],
  ["link", "set", "dev", "nosuch", "up"],
  ["link", "set", "dev", "v0", "mtu", "99999999"],
  ["link", "add"],
  ["link", "foo"],
  ["addr", "add", "10.0.0.1/24", "dev", "v0"],
  ["addr", "del", "10.9.9.9/24", "dev", "v0"],
  ["addr", "add", "10.0.0.1/24", "dev", "nosuch"],
  ["addr", "show", "dev", "nosuch"],
  ["addr", "flush"],
  ["route", "add", "10.1.0.0/16", "via", "10.0.0.254", "metric", "100"],
  ["route", "add", "10.50.0.0/16", "via", "99.9.9.9"],
  ["route", "del", "10.77.0.0/16"],
  ["route", "get", "300.1.1.1"],
  ["route", "get", "10.255.255.1", "oif", "nosuch"],
  ["route", "show", "table", "nosuch"],
  ["rule", "add", "from", "10.0.0.0/24", "table", "100", "pref", "1000"],
  ["rule", "del", "pref", "4242"],
  ["neigh", "add", "10.0.0.9", "lladdr", "00:11:22:33:44:99", "dev", "v0"],
  ["foo"],
];

Deno.test({
  name: "ip tool: refused commands print iproute2's message and exit with its code",
  ignore: !isRoot,
  async fn(t) {
    await withNetns(async (ns) => {
      await setup(ns);
      for (const args of REFUSED) {
        await t.step(`ip ${args.join(" ")}`, async () => {
          const full = ["-n", ns, ...args];
          const a = await iproute2(full), b = await tool(full);
          assert.equal(b.err, a.err);
          assert.equal(b.code, a.code);
          assert.equal(b.out, a.out);
        });
      }
    }, "iperr");
  },
});

Deno.test({
  name: "ip tool: a namespace that does not exist is refused as iproute2 refuses it",
  ignore: !isRoot,
  async fn() {
    const args = ["-n", `nlt-none-${Deno.pid}`, "link", "show"];
    const a = await iproute2(args), b = await tool(args);
    assert.equal(b.err, a.err);
    assert.equal(b.code, a.code);
  },
});

const CHANGES: string[][] = [
  [
    "link",
    "add",
    "v0",
    "address",
    "02:00:00:00:00:01",
    "type",
    "veth",
    "peer",
    "name",
    "v1",
    "address",
    "02:00:00:00:00:02",
  ],
  ["link", "add", "br0", "address", "02:00:00:00:00:03", "type", "bridge"],
  ["link", "set", "v1", "master", "br0"],
  ["link", "set", "v0", "up"],
  ["link", "set", "dev", "v1", "up"],
  ["link", "set", "br0", "up", "mtu", "1400"],
  [
    "link",
    "add",
    "vx0",
    "address",
    "02:00:00:00:00:04",
    "type",
    "vxlan",
    "id",
    "42",
    "dstport",
    "4789",
  ],
  [
    "link",
    "add",
    "mv0",
    "link",
    "v0",
    "address",
    "02:00:00:00:00:05",
    "type",
    "macvlan",
    "mode",
    "bridge",
  ],
  ["link", "set", "mv0", "name", "mvx", "alias", "hello", "txqueuelen", "500"],
  ["addr", "add", "10.0.0.1/24", "dev", "v0"],
  ["addr", "add", "10.0.0.2/24", "dev", "v0"],
  ["addr", "add", "10.0.1.1/24", "brd", "+", "dev", "v0", "label", "v0:1"],
  ["addr", "add", "2001:db8::1/64", "dev", "v0", "nodad"],
  ["addr", "add", "10.7.0.1", "peer", "10.7.0.2/32", "dev", "v0"],
  ["addr", "del", "10.0.0.2/24", "dev", "v0"],
  ["route", "add", "10.1.0.0/16", "via", "10.0.0.254", "metric", "100"],
  ["route", "add", "10.2.0.0/16", "dev", "v0", "proto", "static", "metric", "5", "mtu", "1400"],
  ["route", "add", "10.3.0.0/16", "via", "10.0.0.254", "table", "100"],
  ["route", "add", "default", "via", "10.0.0.254", "table", "100"],
  ["route", "add", "2001:db8:5::/64", "via", "2001:db8::2", "metric", "7"],
  [
    "route",
    "add",
    "10.60.0.0/16",
    "nexthop",
    "via",
    "10.0.0.253",
    "dev",
    "v0",
    "weight",
    "2",
    "nexthop",
    "via",
    "10.0.0.252",
    "dev",
    "v0",
  ],
  ["route", "add", "blackhole", "10.62.0.0/16"],
  ["route", "replace", "10.1.0.0/16", "via", "10.0.0.253", "metric", "100"],
  ["route", "del", "10.3.0.0/16", "table", "100"],
  ["rule", "add", "from", "10.0.0.0/24", "table", "100", "pref", "1000"],
  ["rule", "add", "fwmark", "5", "table", "100"],
  ["rule", "add", "iif", "v0", "table", "main", "pref", "600"],
  ["rule", "add", "from", "10.1.1.1", "blackhole", "pref", "800"],
  ["rule", "del", "pref", "600"],
  ["neigh", "add", "10.0.0.9", "lladdr", "00:11:22:33:44:99", "dev", "v0"],
  ["neigh", "add", "2001:db8::9", "lladdr", "00:11:22:33:44:98", "dev", "v0", "nud", "stale"],
  ["neigh", "replace", "10.0.0.9", "lladdr", "00:11:22:33:44:77", "dev", "v0"],
  ["nexthop", "add", "id", "1", "via", "10.0.0.254", "dev", "v0"],
  ["nexthop", "add", "id", "2", "dev", "v0"],
  ["nexthop", "add", "id", "3", "group", "1/2,3"],
  ["link", "add", "dm0", "type", "veth", "peer", "name", "dm1"],
  ["link", "del", "dm0"],
];

Deno.test({
  ...(await gate(
    "ip tool: add/set/del/replace leave the state iproute2's same commands leave",
    "link:bridge",
    "link:vxlan",
    "link:macvlan",
    "nexthop",
  )),
  async fn() {
    await withNetns(async (a) => {
      await withNetns(async (b) => {
        for (const args of CHANGES) {
          const r1 = await iproute2(["-n", a, ...args]);
          assert.equal(r1.code, 0, `ip ${args.join(" ")}: ${r1.err}`);
          const r2 = await tool(["-n", b, ...args]);
          assert.equal(r2.code, 0, `tool ${args.join(" ")}: ${r2.err}`);
        }
        // What the kernel does by itself after links change (a bridge's carrier follows its
        // ports, operstates follow carriers, IPv6 DAD) lands later, on a busy machine much later.
        await settle(a);
        await settle(b);
        const mask = (s: string) => s.replace(/"(\w*_timer)":\s*[\d.]+/g, '"$1":0');
        for (
          const show of [
            ["-d", "link", "show"],
            ["addr", "show"],
            ["route", "show", "table", "all"],
            ["rule", "show"],
            ["neigh", "show"],
            ["nexthop", "show"],
          ]
        ) {
          const x = await iproute2(["-n", a, "-j", ...show]);
          const y = await iproute2(["-n", b, "-j", ...show]);
          assert.equal(mask(y.out), mask(x.out), `ip -j ${show.join(" ")}`);
        }
      }, "ipchgb");
    }, "ipchga");
  },
});
