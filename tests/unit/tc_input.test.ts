/**
 * Bad tc input is a TypeError or RangeError naming the field, thrown before anything is sent
 * (not even an interface-name lookup).
 */

import assert from "node:assert/strict";
import { tcCommand } from "../../rtnl/tc/mod.ts";
import type { TcCommand, TcSpec } from "../../rtnl/tc/mod.ts";
import type { RtnlCore } from "../../rtnl/core.ts";

/** A connection that fails the test if anything reaches it. */
function tripwire(): RtnlCore & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    ifindex(v: unknown) {
      calls.push(`ifindex ${v}`);
      return 3;
    },
    send() {
      calls.push("send");
      return Promise.resolve([]);
    },
  } as unknown as RtnlCore & { calls: string[] };
}

const CASES: [
  what: string,
  cmd: TcCommand,
  kind: string,
  spec: TcSpec,
  error: typeof TypeError | typeof RangeError,
  field: RegExp,
][] = [
  [
    "u32 police shortcut: burst without rate",
    "add-filter",
    "u32",
    { index: "v0", parent: "ffff:", keys: ["0x0/0x0+12"], burst: 10240 },
    TypeError,
    /^burst: a u32 police needs rate/,
  ],
  [
    "u32 police shortcut: rate without burst",
    "add-filter",
    "u32",
    { index: "v0", parent: "ffff:", keys: ["0x0/0x0+12"], rate: "10kbit" },
    TypeError,
    /^burst: required with rate/,
  ],
  [
    "u32 police shortcut: an action list as the verdict",
    "add-filter",
    "u32",
    { index: "v0", parent: "ffff:", rate: "10kbit", burst: 10240, action: [{ kind: "gact" }] },
    TypeError,
    /^action: with rate, the verdict/,
  ],
  [
    "u32 police: both police and the shortcut",
    "add-filter",
    "u32",
    { index: "v0", parent: "ffff:", rate: "10kbit", police: { rate: "1mbit", burst: 1000 } },
    TypeError,
    /^rate: give it in police/,
  ],
  [
    "u32 police: an unknown police option",
    "add-filter",
    "u32",
    { index: "v0", parent: "ffff:", police: { rate: "1mbit", burst: 1000, brust: 5 } },
    TypeError,
    /^police\.brust: unknown/,
  ],
  [
    'a rate like "fast"',
    "add-class",
    "htb",
    {
      index: "v0",
      parent: "1:",
      classid: "1:10",
      rate: "fast",
    },
    TypeError,
    /^rate: /,
  ],
  [
    "a ceil with a space",
    "add-class",
    "htb",
    {
      index: "v0",
      parent: "1:",
      classid: "1:10",
      rate: "1mbit",
      ceil: "2 mbit",
    },
    TypeError,
    /^ceil: /,
  ],
  ['a handle like "1:2:3"', "add", "htb", { index: "v0", handle: "1:2:3" }, TypeError, /^handle: /],
  [
    'a class id like "1:2:3"',
    "add-class",
    "htb",
    {
      index: "v0",
      parent: "1:",
      classid: "1:2:3",
      rate: "1mbit",
    },
    TypeError,
    /^classid: /,
  ],
  [
    "a qdisc handle with a minor",
    "add",
    "htb",
    { index: "v0", handle: "1:5" },
    RangeError,
    /^handle: /,
  ],
  ["an unknown qdisc kind", "add", "htb2", { index: "v0" }, TypeError, /^kind: unknown qdisc kind/],
  [
    "an unknown filter kind",
    "add-filter",
    "u33",
    { index: "v0", parent: "1:" },
    TypeError,
    /^kind: /,
  ],
  [
    "a class of a classless kind",
    "add-class",
    "tbf",
    {
      index: "v0",
      parent: "1:",
      classid: "1:1",
    },
    TypeError,
    /^kind: tbf has no classes/,
  ],
  [
    "a class without a parent",
    "add-class",
    "htb",
    {
      index: "v0",
      classid: "1:10",
      rate: "10mbit",
    },
    TypeError,
    /^parent: required/,
  ],
  [
    "a class without a class id",
    "add-class",
    "htb",
    {
      index: "v0",
      parent: "1:",
      rate: "10mbit",
    },
    TypeError,
    /^classid: required/,
  ],
  [
    "an htb class without a rate",
    "add-class",
    "htb",
    {
      index: "v0",
      parent: "1:",
      classid: "1:1",
    },
    TypeError,
    /^rate: required/,
  ],
  [
    "u32 IP matches without a protocol",
    "add-filter",
    "u32",
    {
      index: "v0",
      parent: "1:",
      match: [{ dst: "10.0.0.0/8" }],
      classid: "1:1",
    },
    TypeError,
    /^protocol: /,
  ],
  [
    "flower IP keys with protocol all",
    "add-filter",
    "flower",
    {
      index: "v0",
      parent: "ffff:",
      protocol: "all",
      dst_ip: "10.0.0.0/8",
    },
    TypeError,
    /^protocol: /,
  ],
  [
    "flower ports without ip_proto",
    "add-filter",
    "flower",
    {
      index: "v0",
      parent: "ffff:",
      protocol: "ip",
      dst_port: 80,
    },
    TypeError,
    /^dst_port: needs ip_proto/,
  ],
  ["a missing index", "add", "htb", { handle: "1:" }, TypeError, /^index: required/],
  ["index 0", "add", "htb", { index: 0 }, RangeError, /^index: /],
  [
    "an interface name that is too long",
    "add",
    "htb",
    {
      index: "a-very-long-ifname",
    },
    RangeError,
    /^index: /,
  ],
  [
    "a misspelt option",
    "add-class",
    "htb",
    {
      index: "v0",
      parent: "1:",
      classid: "1:1",
      rate: "1mbit",
      ciel: "2mbit",
    },
    TypeError,
    /^ciel: unknown option for htb classes/,
  ],
  [
    "a priority above 16 bits",
    "add-filter",
    "matchall",
    {
      index: "v0",
      parent: "ffff:",
      prio: 70000,
    },
    RangeError,
    /^prio: /,
  ],
  [
    "an unknown protocol",
    "add-filter",
    "u32",
    {
      index: "v0",
      parent: "1:",
      protocol: "ipx6",
    },
    TypeError,
    /^protocol: /,
  ],
  ["a loss above 100%", "add", "netem", { index: "v0", loss: "150%" }, RangeError, /^loss: /],
  [
    "tbf without a burst",
    "add",
    "tbf",
    {
      index: "v0",
      rate: "1mbit",
      latency: "50ms",
    },
    TypeError,
    /^burst: required/,
  ],
  [
    "tbf without latency or limit",
    "add",
    "tbf",
    {
      index: "v0",
      rate: "1mbit",
      burst: "10k",
    },
    TypeError,
    /^latency: /,
  ],
  [
    "mirred without a device",
    "add-filter",
    "u32",
    {
      index: "v0",
      parent: "ffff:",
      protocol: "ip",
      match: [{ src: "10.0.0.0/8" }],
      action: { kind: "mirred", direction: "egress", mode: "redirect" },
    },
    TypeError,
    /^action\.dev: required/,
  ],
  [
    "mirred to a bad name",
    "add-filter",
    "matchall",
    {
      index: "v0",
      parent: "ffff:",
      action: [{ kind: "mirred", mode: "redirect", dev: "a/b" }],
    },
    TypeError,
    /^action\[0\]\.dev: /,
  ],
  [
    "an unknown action kind",
    "add-filter",
    "matchall",
    {
      index: "v0",
      parent: "ffff:",
      action: { kind: "nat" },
    },
    TypeError,
    /^action\.kind: unknown action kind/,
  ],
  [
    "an unknown verdict",
    "add-filter",
    "matchall",
    {
      index: "v0",
      parent: "ffff:",
      action: { kind: "gact", action: "explode" },
    },
    TypeError,
    /^action\.action: /,
  ],
  [
    "a bad u32 address",
    "add-filter",
    "u32",
    {
      index: "v0",
      parent: "1:",
      protocol: "ip",
      match: [{ dst: "10.0.0.300/8" }],
    },
    TypeError,
    /^match\[0\]\.dst: /,
  ],
  [
    "a bpf filter with two programs",
    "add-filter",
    "bpf",
    {
      index: "v0",
      parent: "ingress",
      fd: 5,
      bytecode: "1,6 0 0 0,",
    },
    TypeError,
    /^fd: give exactly one/,
  ],
  [
    "a bpf count that does not match",
    "add-filter",
    "bpf",
    {
      index: "v0",
      parent: "ingress",
      bytecode: "2,6 0 0 0,",
    },
    TypeError,
    /^bytecode: /,
  ],
  [
    "an unknown command",
    "frobnicate" as TcCommand,
    "htb",
    { index: "v0" },
    TypeError,
    /^command: /,
  ],
  [
    "a u32 divisor that is no power of two",
    "add-filter",
    "u32",
    {
      index: "v0",
      parent: "1:",
      protocol: "ip",
      handle: "2:",
      divisor: 100,
    },
    RangeError,
    /^divisor: /,
  ],
  [
    "a prio band out of range",
    "add",
    "prio",
    {
      index: "v0",
      bands: 3,
      priomap: [0, 1, 5],
    },
    RangeError,
    /^priomap\[2\]: /,
  ],
];

for (const [what, cmd, kind, spec, error, field] of CASES) {
  Deno.test(`tc bad input: ${what}`, async () => {
    const core = tripwire();
    await assert.rejects(() => tcCommand(core, cmd, kind, spec), (e: unknown) => {
      assert.ok(e instanceof error, `${what}: got ${e}`);
      assert.match((e as Error).message, field);
      return true;
    });
    assert.deepEqual(core.calls, [], "nothing may be sent or looked up");
  });
}

Deno.test("tc good input reaches the connection: names are looked up, then the request sent", async () => {
  const core = tripwire();
  await tcCommand(core, "add-filter", "u32", {
    index: "v0",
    parent: "ffff:",
    protocol: "ip",
    match: [{ src: "10.2.0.0/16" }],
    action: { kind: "mirred", direction: "egress", mode: "redirect", dev: "v1" },
  });
  assert.deepEqual(core.calls, ["ifindex v1", "ifindex v0", "send"]);
});
