/**
 * Bridge fdb and VLAN requests against `bridge`'s bytes. Bridge VLAN filtering is missing from
 * this kernel (EOPNOTSUPP), so the VLAN encoder and decoder are checked here, byte for byte.
 */

import assert from "node:assert/strict";
import { buildFdb, buildVlan } from "../../rtnl/bridge.ts";
import type { FdbCommand, FdbSpec, VlanCommand, VlanSpec } from "../../rtnl/bridge.ts";
import { BRIDGE_LINK_MESSAGE } from "../../rtnl/schemas/bridge.ts";
import { messageViewClass } from "../../netlink/view.ts";
import { canon, fakeIPRoute, golden } from "./rtnl_golden.ts";

const FDB: [string, FdbCommand, FdbSpec][] = [
  ["fdb_add_default", "add", { lladdr: "00:11:22:33:44:57", ifindex: 3 }],
  ["fdb_add_self", "add", {
    lladdr: "00:11:22:33:44:56",
    ifindex: 3,
    flags: ["self"],
    state: "permanent",
  }],
  ["fdb_add_dynamic", "add", {
    lladdr: "00:11:22:33:44:58",
    ifindex: 3,
    flags: ["master"],
    state: "dynamic",
  }],
  ["fdb_add_master", "add", {
    lladdr: "00:11:22:33:44:55",
    index: 3,
    flags: "master",
    state: "static",
    vlan: 10,
  }],
  ["fdb_del", "del", { lladdr: "00:11:22:33:44:55", ifindex: 3, flags: ["master"] }],
];

for (const [name, cmd, spec] of FDB) {
  Deno.test(`golden ${name}: fdb ${cmd} ${JSON.stringify(spec)}`, async () => {
    const { ip, sent } = fakeIPRoute();
    const built = await buildFdb(ip, cmd, spec);
    assert.equal(canon(built.bytes, 12), canon(golden(name), 12));
    assert.equal(sent.length, 0);
  });
}

const VLAN: [string, VlanCommand, VlanSpec][] = [
  ["bridge_vlan_add", "add", { ifindex: 3, vid: 10 }],
  ["vlan_del", "del", { ifindex: 3, vid: 10 }],
  ["vlan_range", "add", { ifindex: 3, vid: "20-30", untagged: true, master: true }],
];

// IFLA_AF_SPEC is a nest.
const NESTS = new Set([26]);

for (const [name, cmd, spec] of VLAN) {
  Deno.test(`golden ${name}: vlanFilter ${cmd} ${JSON.stringify(spec)}`, async () => {
    const { ip, sent } = fakeIPRoute();
    const built = await buildVlan(ip, cmd, spec);
    assert.equal(canon(built.bytes, 16, NESTS), canon(golden(name), 16, NESTS));
    assert.equal(sent.length, 0);
  });
}

Deno.test("vlan: IFLA_AF_SPEC of AF_BRIDGE decodes IFLA_BRIDGE_VLAN_INFO entries", () => {
  const bytes = golden("vlan_range");
  const buf = bytes.slice().buffer;
  const C = messageViewClass(BRIDGE_LINK_MESSAGE);
  const l = new C(new DataView(buf), new Uint8Array(buf), 0, bytes.length);
  assert.equal(l.family, 7);
  assert.equal(l.af_spec?.flags, 1);
  assert.deepEqual(l.af_spec?.getAll("vlan_info"), [
    { flags: 0x0c, vid: 20 },
    { flags: 0x14, vid: 30 },
  ]);
});

Deno.test("vlan: pvid and self flags", async () => {
  const { ip } = fakeIPRoute();
  const built = await buildVlan(ip, "add", { ifindex: 4, vid: 7, pvid: true, self: true });
  const buf = built.bytes.slice().buffer;
  const C = messageViewClass(BRIDGE_LINK_MESSAGE);
  const l = new C(new DataView(buf), new Uint8Array(buf), 0, built.bytes.length);
  assert.equal(l.af_spec?.flags, 2);
  assert.deepEqual(l.af_spec?.vlan_info, { flags: 2, vid: 7 });
});
