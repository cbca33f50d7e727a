/** Nexthop requests against iproute2's bytes, and group decoding. */

import assert from "node:assert/strict";
import { buildNexthop, decodeGroup } from "../../rtnl/nexthop.ts";
import type { Nexthop, NexthopCommand, NexthopSpec } from "../../rtnl/nexthop.ts";
import { NEXTHOP_MESSAGE } from "../../rtnl/schemas/nexthop.ts";
import { messageViewClass } from "../../netlink/view.ts";
import { canon, fakeIPRoute, golden } from "./rtnl_golden.ts";

const CASES: [string, NexthopCommand, NexthopSpec][] = [
  ["nexthop_add", "add", { id: 1, gateway: "10.0.0.2", oif: 3 }],
  ["nexthop_group", "add", { id: 10, group: [1, 2] }],
  ["nexthop_group_w", "add", {
    id: 11,
    group: [{ id: 1, weight: 3 }, { id: 2, weight: 5 }],
    protocol: "static",
  }],
  ["nexthop_resilient", "add", {
    id: 12,
    group: [1, 2],
    group_type: "resilient",
    res_group: { buckets: 8 },
  }],
  ["nexthop_blackhole", "add", { id: 3, blackhole: true }],
  ["nexthop_fdb", "add", { id: 20, gateway: "10.0.0.9", fdb: true }],
  ["nexthop_v6", "add", { id: 4, gateway: "fe80::1", oif: 3, flags: ["onlink"] }],
  ["nexthop_dev", "add", { id: 5, oif: 3 }],
  ["nexthop_del", "del", { id: 1 }],
];

// NHA_RES_GROUP is a nest.
const NESTS = new Set([12]);

for (const [name, cmd, spec] of CASES) {
  Deno.test(`golden ${name}: nexthop ${cmd} ${JSON.stringify(spec)}`, async () => {
    const { ip, sent } = fakeIPRoute();
    const built = await buildNexthop(ip, cmd, spec);
    assert.equal(canon(built.bytes, 8, NESTS), canon(golden(name), 8, NESTS));
    assert.equal(sent.length, 0);
  });
}

function view(bytes: Uint8Array): Nexthop {
  const buf = bytes.slice().buffer;
  const C = messageViewClass(NEXTHOP_MESSAGE);
  return new C(new DataView(buf), new Uint8Array(buf), 0, bytes.length) as unknown as Nexthop;
}

Deno.test("nexthop: NHA_GROUP decodes into { id, weight } members", () => {
  const nh = view(golden("nexthop_group_w"));
  const members = [{ id: 1, weight: 3 }, { id: 2, weight: 5 }];
  assert.deepEqual(nh.group, members);
  assert.deepEqual(nh.toJSON().group, members);
  assert.ok(nh.get("group") instanceof Uint8Array);
  assert.equal(nh.protocol, 4);
  assert.deepEqual(decodeGroup(Uint8Array.of(7, 0, 0, 0, 255, 0, 0, 0)), [{ id: 7, weight: 256 }]);
  const res = view(golden("nexthop_resilient"));
  assert.equal(res.group_type, 1);
  assert.equal(res.res_group?.buckets, 8);
  assert.equal(view(golden("nexthop_add")).group, undefined);
});
