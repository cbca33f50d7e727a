/** Rule requests against iproute2's bytes, and rule decoding. */

import assert from "node:assert/strict";
import { buildRule } from "../../rtnl/rule.ts";
import type { Rule, RuleCommand, RuleSpec } from "../../rtnl/rule.ts";
import { RULE_MESSAGE } from "../../rtnl/schemas/rule.ts";
import { messageViewClass } from "../../netlink/view.ts";
import { canon, fakeIPRoute, golden } from "./rtnl_golden.ts";

const CASES: [string, RuleCommand, RuleSpec][] = [
  ["rule_add", "add", { src: "10.0.0.0/8", table: 100, priority: 100 }],
  ["rule_full", "add", {
    priority: 200,
    src: "10.0.0.0/8",
    dst: "192.168.0.0/16",
    iif: "v0",
    oif: "v1",
    fwmark: "0x10/0xff",
    table: 5000,
  }],
  ["rule_goto", "add", { priority: 300, goto: 400 }],
  ["rule_blackhole", "add", { priority: 301, action: "blackhole" }],
  ["rule_nop", "add", { priority: 302, action: "nop" }],
  ["rule_suppress", "add", { priority: 303, table: "main", suppress_prefixlength: 0 }],
  ["rule_uid", "add", {
    priority: 304,
    uid_range: "1000-2000",
    ip_proto: "tcp",
    sport: [1000, 2000],
    dport: 80,
    table: 7,
  }],
  ["rule_v6", "add", { priority: 305, src: "2001:db8::/32", action: "unreachable" }],
  ["rule_l3mdev", "add", { priority: 306, l3mdev: true }],
  ["rule_not", "add", { invert: true, src: "10.0.0.0/8", priority: 307, action: "prohibit" }],
  ["rule_noaction", "add", { priority: 308, src: "10.1.0.0/16" }],
  ["rule_del", "del", { priority: 100 }],
];

for (const [name, cmd, spec] of CASES) {
  Deno.test(`golden ${name}: rule ${cmd} ${JSON.stringify(spec)}`, async () => {
    const { ip, sent } = fakeIPRoute();
    const built = await buildRule(ip, cmd, spec);
    assert.equal(canon(built.bytes, 12), canon(golden(name), 12));
    assert.equal(sent.length, 0);
  });
}

function view(bytes: Uint8Array): Rule {
  const buf = bytes.slice().buffer;
  const C = messageViewClass(RULE_MESSAGE);
  return new C(new DataView(buf), new Uint8Array(buf), 0, bytes.length) as unknown as Rule;
}

Deno.test("rule: decoded fields (ranges, names, table above 255)", () => {
  const uid = view(golden("rule_uid"));
  assert.deepEqual(uid.uid_range, { start: 1000, end: 2000 });
  assert.deepEqual(uid.sport_range, { start: 1000, end: 2000 });
  assert.deepEqual(uid.dport_range, { start: 80, end: 80 });
  assert.equal(uid.ip_proto, 6);
  assert.equal(uid.table, 7);
  assert.equal(uid.action, 1);
  const full = view(golden("rule_full"));
  assert.equal(full.table, 5000);
  assert.equal(full.headerField("table"), 0);
  assert.equal(full.iifname, "v0");
  assert.equal(full.oifname, "v1");
  assert.equal(full.fwmark, 0x10);
  assert.equal(full.fwmask, 0xff);
  assert.equal(full.src, "10.0.0.0");
  assert.equal(full.src_len, 8);
  assert.equal(full.dst, "192.168.0.0");
  assert.equal(full.dst_len, 16);
  assert.equal(view(golden("rule_not")).flags, 2);
});

Deno.test("rule: tun_id, protocol, suppress_ifgroup and flow encode", async () => {
  const { ip } = fakeIPRoute();
  const r = view(
    (await buildRule(ip, "add", {
      priority: 9,
      tun_id: 2 ** 40,
      protocol: "static",
      suppress_ifgroup: 3,
      flow: 7,
      family: 10,
    })).bytes,
  );
  assert.equal(r.family, 10);
  assert.equal(r.tun_id, 2 ** 40);
  assert.equal(r.protocol, 4);
  assert.equal(r.suppress_ifgroup, 3);
  assert.equal(r.flow, 7);
  assert.equal(r.table, 254, "a rule without an action looks up main");
});
