/**
 * The bad inputs of tests/unit/route_bad_input.test.ts against a real socket in a fresh
 * namespace: each is refused with a TypeError/RangeError naming the field, nothing reaches the
 * socket, and what `ip -j` / `bridge -j` show is unchanged.
 */

import assert from "node:assert/strict";
import { IPRoute } from "../../rtnl/mod.ts";
import { run, settle, withNetns } from "../helpers.ts";
import { BAD_CASES } from "../unit/rtnl_golden.ts";
import { gate } from "../features.ts";

async function snapshot(ns: string): Promise<string> {
  const parts: string[] = [];
  for (
    const args of [
      ["ip", "-j", "addr", "show"],
      ["ip", "-j", "route", "show", "table", "all"],
      ["ip", "-6", "-j", "route", "show", "table", "all"],
      ["ip", "-j", "rule", "show"],
      ["ip", "-6", "-j", "rule", "show"],
      ["ip", "-j", "neigh", "show", "nud", "permanent"],
      ["ip", "-j", "neigh", "show", "proxy"],
      ["ip", "-j", "nexthop", "show"],
      ["bridge", "-j", "fdb", "show", "br", "br0", "state", "static"],
    ]
  ) {
    const [tool, ...rest] = args;
    parts.push(await run(tool, ["-n", ns, ...rest]));
  }
  return parts.join("\n");
}

Deno.test({
  ...(await gate(
    `bad input (live): ${BAD_CASES.length} cases refused, nothing sent, ip -j unchanged`,
    "link:bridge",
    "nexthop",
  )),
  fn: () =>
    withNetns(async (ns) => {
      // No IPv6 here: link-local addresses and their routes would appear by themselves.
      await run("ip", [
        "netns",
        "exec",
        ns,
        "sysctl",
        "-qw",
        "net.ipv6.conf.all.disable_ipv6=1",
        "net.ipv6.conf.default.disable_ipv6=1",
      ]);
      using ip = new IPRoute({ netns: ns });
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      await ip.link("add", { ifname: "br0", kind: "bridge" });
      await ip.link("set", { index: "v0", master: "br0" });
      for (const n of ["lo", "v0", "v1", "br0"]) await ip.link("set", { index: n, state: "up" });
      await ip.addr("add", { index: "v1", address: "10.0.0.1/24" });
      // What the kernel does by itself (a bridge's carrier follows its ports, the operstate and
      // the routes' "linkdown" flag follow carriers) is done before the snapshot.
      await settle(ns);
      const before = await snapshot(ns);
      let sends = 0;
      const socket = ip.socket;
      const send = socket.send.bind(socket);
      socket.send = (bytes: Uint8Array) => {
        sends++;
        return send(bytes);
      };
      for (const c of BAD_CASES) {
        const err = await c.call(ip).then(() => undefined, (e) => e);
        assert.ok(err instanceof c.error, `${c.name}: expected ${c.error.name}, got ${err}`);
        assert.ok((err as Error).message.startsWith(`${c.field}:`), `${c.name}: ${err}`);
      }
      assert.equal(sends, 0, "nothing was sent");
      assert.equal(await snapshot(ns), before);
    }, "bad"),
});
