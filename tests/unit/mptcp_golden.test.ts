/**
 * MPTCP without a kernel: every `ip mptcp` request of tests/golden/families/mptcp.json is what
 * the MPTCP class sends for the same command (sequence numbers and ports aside), and the
 * kernel's captured answers decode to what `ip` printed. Bad input is refused before anything
 * is sent.
 *
 * @module
 */

import assert from "node:assert/strict";
import { MPTCP, mptcpEndpoint, mptcpEvent, mptcpFlagNames, mptcpFlags } from "../../mptcp/mod.ts";
import type { MptcpEndpointSpec } from "../../mptcp/mod.ts";
import { MPTCP_EVENT_MESSAGE } from "../../mptcp/schema.ts";
import { messageViewClass } from "../../netlink/view.ts";
import { captures, normalise, replayInto } from "./replay.ts";
import type { ReplayTransport } from "./replay.ts";
import { hex } from "../helpers.ts";

const CAP = captures("mptcp");

/** Runs `fn` on an MPTCP whose requests are answered from capture `name`. */
async function replay<T>(
  name: string,
  fn: (m: MPTCP) => Promise<T>,
): Promise<{ result: T; t: ReplayTransport }> {
  using m = new MPTCP();
  const t = replayInto(m.genl, CAP[name], true);
  const result = await fn(m);
  return { result, t };
}

/** The library's main request (the last that is not nlctrl) equals ip's. */
function sameMain(t: ReplayTransport): void {
  const main = t.sent.filter((s) => s.ours[4] !== 0x10);
  assert.equal(main.length, 1);
  assert.equal(normalise(main[0].ours), normalise(main[0].theirs));
}

const CHANGES: [string, (m: MPTCP) => Promise<unknown>][] = [
  [
    "endpoint_add_v4",
    // v0 is index 3 in the capture
    (m) => m.endpoint("add", { addr: "10.0.0.1", if_idx: 3, id: 5, flags: ["signal", "backup"] }),
  ],
  [
    "endpoint_add_v6_port",
    (m) => m.endpoint("add", { addr: "2001:db8::1", port: 1234, id: 7, flags: ["signal"] }),
  ],
  [
    "endpoint_add_subflow_fullmesh",
    (m) => m.endpoint("add", { addr: "10.0.0.2", id: 9, flags: ["subflow", "fullmesh"] }),
  ],
  ["endpoint_add_noid", (m) => m.endpoint("add", { addr: "10.0.0.3", flags: ["subflow"] })],
  ["endpoint_del", (m) => m.endpoint("del", { id: 5 })],
  ["endpoint_flush", (m) => m.flushEndpoints()],
  ["endpoint_change", (m) => m.endpoint("set", { id: 5, flags: ["backup"] })],
  ["endpoint_change_nobackup", (m) => m.endpoint("set", { id: 5, flags: [] })],
  ["limits_set", (m) => m.limits("set", { rcv_add_addrs: 4, subflows: 3 })],
  ["limits_set_subflows", (m) => m.limits("set", { subflows: 2 })],
];

Deno.test("mptcp golden: requests equal ip mptcp's", async (t) => {
  for (const [name, call] of CHANGES) {
    await t.step(name, async () => {
      const { t } = await replay(name, call);
      sameMain(t);
    });
  }
});

Deno.test("mptcp golden: get, show and limits decode the kernel's answers as ip prints them", async () => {
  const get = await replay("endpoint_get", (m) => m.endpoint("get", { id: 5 }));
  sameMain(get.t);
  const ep = mptcpEndpoint(get.result[0]);
  assert.deepEqual(ep, {
    id: 5,
    addr: "10.0.0.1",
    family: 2,
    flags: ["signal", "backup"],
    if_idx: ep.if_idx,
  });
  assert.equal(typeof ep.if_idx, "number");
  assert.match(CAP.endpoint_get.stdout, /^10\.0\.0\.1 id 5 signal backup dev v0/);

  const show = await replay("endpoint_dump", (m) => m.getEndpoints());
  const dump = show.t.sent.filter((s) => s.ours[4] === 0x1c);
  assert.equal(normalise(dump[0].ours), normalise(dump[0].theirs));
  assert.deepEqual(
    show.result.map((e) =>
      `${e.addr} id ${e.id} ${e.flags.join(" ")}${e.port ? " " + e.port : ""}`
    ),
    [
      "10.0.0.1 id 5 signal backup",
      "2001:db8::1 id 7 signal 1234",
      "10.0.0.2 id 9 subflow fullmesh",
    ],
  );
  assert.equal(CAP.endpoint_dump.stdout.trim().split("\n").length, 3);

  const lim = await replay("limits_get", (m) => m.getLimits());
  sameMain(lim.t);
  const m = /add_addr_accepted (\d+) subflows (\d+)/.exec(CAP.limits_get.stdout)!;
  assert.deepEqual(lim.result, { rcv_add_addrs: Number(m[1]), subflows: Number(m[2]) });
});

Deno.test("mptcp: flags by name and number", () => {
  assert.equal(mptcpFlags(["signal", "subflow", "backup", "fullmesh"]), 15);
  assert.equal(mptcpFlags(5), 5);
  assert.deepEqual(mptcpFlagNames(0x13), ["signal", "subflow", "implicit"]);
});

Deno.test("mptcp: an event message becomes its named item", () => {
  // MPTCP_EVENT_CREATED with a token and a be16 port, as the kernel sends it.
  const b = hex(
    "2c000000" + "1c000000" + "00000000" + "00000000" + "01010000" + "08000100d59bbdba" +
      "06000900ebb00000" + "08000500" + "7f000001",
  );
  new DataView(b.buffer).setUint32(0, b.length, true);
  const C = messageViewClass(MPTCP_EVENT_MESSAGE);
  const ev = mptcpEvent({
    type: "message",
    multicast: true,
    message: new C(new DataView(b.buffer), b, 0, b.length),
  });
  assert.equal(ev.type, "created");
  assert.equal(ev.message?.token, 0xbabd9bd5);
  assert.equal(ev.message?.sport, 60336);
  assert.equal(ev.message?.saddr4, "127.0.0.1");
  assert.deepEqual(mptcpEvent({ type: "overrun" }), { type: "overrun" });
});

Deno.test("mptcp bad input: TypeError/RangeError naming the field, nothing sent", async (t) => {
  const cases: [string, (m: MPTCP) => Promise<unknown>, typeof TypeError, RegExp][] = [
    [
      "unknown key",
      (m) => m.endpoint("add", { addr: "10.0.0.1", dev: "v0" } as MptcpEndpointSpec),
      TypeError,
      /^dev: unknown/,
    ],
    ["bad address", (m) => m.endpoint("add", { addr: "10.0.0.300" }), TypeError, /^addr/],
    ["no address", (m) => m.endpoint("add", { id: 3 }), TypeError, /^addr/],
    ["id 256", (m) => m.endpoint("add", { addr: "10.0.0.1", id: 256 }), RangeError, /^id/],
    [
      "unknown flag",
      (m) => m.endpoint("add", { addr: "10.0.0.1", flags: ["signl" as "signal"] }),
      TypeError,
      /^flags\[0\]/,
    ],
    [
      "port 70000",
      (m) => m.endpoint("add", { addr: "10.0.0.1", port: 70000 }),
      RangeError,
      /^port/,
    ],
    ["if_idx 0", (m) => m.endpoint("add", { addr: "10.0.0.1", if_idx: 0 }), RangeError, /^if_idx/],
    ["del without id", (m) => m.endpoint("del", {}), TypeError, /^id/],
    ["unknown command", (m) => m.endpoint("replace" as "add", {}), TypeError, /^command/],
    [
      "undefined value",
      (m) => m.endpoint("add", { addr: "10.0.0.1", id: undefined }),
      TypeError,
      /^id/,
    ],
    [
      "limits: unknown key",
      (m) => m.limits("set", { add_addr_accepted: 2 } as never),
      TypeError,
      /^add_addr_accepted/,
    ],
    ["limits: negative", (m) => m.limits("set", { subflows: -1 }), RangeError, /^subflows/],
    ["limits: nothing", (m) => m.limits("set", {}), TypeError, /^limits/],
  ];
  for (const [name, call, cls, field] of cases) {
    await t.step(name, async () => {
      using m = new MPTCP();
      const rt = replayInto(m.genl, CAP.endpoint_add_v4, true);
      await assert.rejects(call(m), (e: Error) => e instanceof cls && field.test(e.message));
      assert.equal(rt.sent.filter((s) => s.ours[4] !== 0x10).length, 0);
    });
  }
});
