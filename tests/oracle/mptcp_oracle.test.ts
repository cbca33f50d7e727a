/**
 * MPTCP against `ip mptcp` in a namespace the test makes: endpoints the library adds are what
 * `ip -j mptcp endpoint show` lists, endpoints `ip` adds read back the same, limits equal
 * `ip mptcp limits`, refusals carry the kernel's text, and the monitor sees the events of a
 * real MPTCP connection (made with python3's socket module, when python3 is there).
 *
 * @module
 */

import assert from "node:assert/strict";
import { MPTCP, mptcpFlagNames } from "../../mptcp/mod.ts";
import type { MptcpEndpoint, MptcpEvent } from "../../mptcp/mod.ts";
import { NetlinkError } from "../../netlink/mod.ts";
import { ipCmd, ipJson, run, withNetns } from "../helpers.ts";
import { gate, lacks, named } from "../features.ts";

const why = await lacks("genl:mptcp_pm");
const available = why === undefined;

async function setup(ns: string): Promise<void> {
  for (
    const cmd of [
      "link add v0 type veth peer name v1",
      "link set lo up",
      "link set v0 up",
      "link set v1 up",
      "addr add 10.0.0.1/24 dev v0",
      "addr add 2001:db8::1/64 dev v0 nodad",
    ]
  ) await ipCmd(ns, ...cmd.split(" "));
}

/** An endpoint in the words of `ip -j mptcp endpoint show`. */
function asIproute2(e: MptcpEndpoint, names: Map<number, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { address: e.addr, id: e.id };
  if (e.port) out.port = e.port;
  for (const f of e.flags) out[f] = true;
  if (e.if_idx) out.dev = names.get(e.if_idx);
  return out;
}

async function linkNames(ns: string): Promise<Map<number, string>> {
  const links = await ipJson(ns, "link", "show");
  return new Map(links.map((l) => [l.ifindex as number, l.ifname as string]));
}

Deno.test({
  ...await gate("oracle: MPTCP endpoints and limits equal ip mptcp's", "genl:mptcp_pm"),
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      using m = new MPTCP({ netns: ns });
      await m.endpoint("add", {
        addr: "10.0.0.1",
        id: 5,
        flags: ["signal", "backup"],
        if_idx: "v0",
      });
      await m.endpoint("add", { addr: "2001:db8::1", port: 1234, id: 7, flags: ["signal"] });
      await m.endpoint("add", { addr: "10.0.0.2", id: 9, flags: ["subflow", "fullmesh"] });
      // ip adds one; the library reads it back.
      await ipCmd(ns, "mptcp", "endpoint", "add", "10.0.0.3", "dev", "v1", "id", "11", "subflow");
      const names = await linkNames(ns);
      const ours = (await m.getEndpoints()).map((e) => asIproute2(e, names));
      assert.deepEqual(ours, await ipJson(ns, "mptcp", "endpoint", "show"));
      assert.equal(ours.length, 4);

      // get by id, as `ip mptcp endpoint show id 11` prints it.
      const [one] = await m.endpoint("get", { id: 11 });
      assert.equal(one.addr?.addr4, "10.0.0.3");
      assert.deepEqual(mptcpFlagNames(one.addr?.flags ?? 0), ["subflow"]);
      assert.match(
        await ipCmd(ns, "mptcp", "endpoint", "show", "id", "11"),
        /^10\.0\.0\.3 id 11 subflow dev v1/,
      );

      // Change flags, delete one, and see ip agree.
      await m.endpoint("set", { id: 11, flags: ["backup"] });
      await m.endpoint("del", { id: 9 });
      const after = (await m.getEndpoints()).map((e) => asIproute2(e, names));
      assert.deepEqual(after, await ipJson(ns, "mptcp", "endpoint", "show"));
      assert.equal(after.find((e) => e.id === 11)?.backup, true);
      assert.equal(after.some((e) => e.id === 9), false);

      // Kernel refusals: a NetlinkError with the kernel's own text.
      await assert.rejects(
        m.endpoint("add", { addr: "10.0.0.1", id: 5, flags: ["signal"] }),
        (e: NetlinkError) => e instanceof NetlinkError && /duplicate/.test(e.message),
      );
      await assert.rejects(
        m.endpoint("get", { id: 44 }),
        (e: NetlinkError) => e instanceof NetlinkError && /address not found/.test(e.message),
      );

      // Limits, against `ip mptcp limits` (text: ip 6.1 prints no JSON for them).
      await m.limits("set", { subflows: 3, rcv_add_addrs: 4 });
      const lim = await m.getLimits();
      assert.deepEqual(lim, { rcv_add_addrs: 4, subflows: 3 });
      assert.equal(
        (await ipCmd(ns, "mptcp", "limits")).trim(),
        `add_addr_accepted ${lim.rcv_add_addrs} subflows ${lim.subflows}`,
      );
      await ipCmd(ns, "mptcp", "limits", "set", "subflows", "1", "add_addr_accepted", "2");
      assert.deepEqual(await m.getLimits(), { rcv_add_addrs: 2, subflows: 1 });

      await m.flushEndpoints();
      assert.deepEqual(await ipJson(ns, "mptcp", "endpoint", "show"), []);
      assert.deepEqual(await m.getEndpoints(), []);
    }, "mptcp"),
});

async function hasPython(): Promise<boolean> {
  try {
    await run("python3", ["-c", "import socket; socket.socket(2, 1, 262).close()"]);
    return true;
  } catch {
    return false;
  }
}

const python = available && await hasPython();

Deno.test({
  name: named(
    "MPTCP monitor: a connection's created, established and closed events",
    why ?? (python ? undefined : "no python3 with MPTCP sockets"),
  ),
  ignore: !python,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      using m = new MPTCP({ netns: ns });
      using events = await m.monitor();
      // Subscribed already: the connection is made before the first next().
      await run("ip", [
        "netns",
        "exec",
        ns,
        "python3",
        "-c",
        "import socket\n" +
        "s = socket.socket(2, 1, 262); s.bind(('127.0.0.1', 0)); s.listen()\n" +
        "c = socket.socket(2, 1, 262); c.connect(s.getsockname()); a, _ = s.accept()\n" +
        "c.send(b'x'); a.recv(1); c.close(); a.close(); s.close()\n",
      ]);
      const seen: MptcpEvent[] = [];
      for await (const ev of events) {
        seen.push(ev);
        if (seen.filter((e) => e.type === "closed").length === 2) break;
      }
      const types = seen.map((e) => e.type);
      for (const t of ["created", "established", "closed"]) {
        assert.equal(types.filter((x) => x === t).length, 2, `${t} in ${types}`);
      }
      const created = seen.find((e) => e.type === "created")!.message!;
      assert.equal(created.saddr4, "127.0.0.1");
      assert.ok(created.token !== undefined && created.sport !== undefined);
      assert.ok(events.closed);
    }, "mptcpev"),
});
