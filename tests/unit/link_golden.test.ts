/**
 * Link encoder against the requests iproute2 6.1 sent (tests/golden/iproute2/link_*.json), for
 * kinds this kernel has and kinds it lacks. iproute2 leaves NLA_F_NESTED off and orders some
 * attributes differently: both sides are brought to a canonical form (nested flag masked,
 * attributes of a nest sorted by type, lists kept in order, strings compared as text since
 * iproute2 leaves the NUL off IFLA_INFO_KIND) walked with the link schema, and the message
 * type, flags and ifinfomsg are compared as bytes.
 */

import assert from "node:assert/strict";
import { hex, toHex } from "../helpers.ts";
import { NLA_TYPE_MASK } from "../../netlink/constants.ts";
import { decodeString } from "../../netlink/view.ts";
import type { AttrSchema, Codec } from "../../netlink/schema.ts";
import { RtnlCore } from "../../rtnl/core.ts";
import { checkIfname } from "../../rtnl/core.ts";
import { buildLink } from "../../rtnl/link.ts";
import type { LinkCommand, LinkSpec } from "../../rtnl/link.ts";
import { IFLA } from "../../rtnl/schemas/link.ts";
import { LINK_CASES } from "./link_cases.ts";

interface Golden {
  command: string;
  requests: string[];
  main: number | null;
  ifindexes: Record<string, number>;
}

function golden(name: string): Golden {
  return JSON.parse(
    Deno.readTextFileSync(new URL(`../golden/iproute2/${name}.json`, import.meta.url)),
  );
}

/** A core that encodes but never sends; names resolve from the golden file's ifindexes. */
export function fakeCore(names: Record<string, number> = {}): RtnlCore {
  return {
    options: {},
    build: RtnlCore.prototype.build,
    ifindex(value: unknown, field: string) {
      if (typeof value === "number") return value;
      const name = checkIfname(value, field);
      const i = names[name];
      if (i === undefined) throw new Error(`${field}: ${name} not in the golden namespace`);
      return Promise.resolve(i);
    },
    send() {
      throw new Error("a unit test sent a request");
    },
  } as unknown as RtnlCore;
}

function attrList(u8: Uint8Array, start: number, end: number): [number, number, number][] {
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const out: [number, number, number][] = [];
  for (let p = start; p + 4 <= end;) {
    const len = dv.getUint16(p, true);
    assert.ok(len >= 4 && p + len <= end, `bad attribute length ${len} at ${p}`);
    out.push([dv.getUint16(p + 2, true) & NLA_TYPE_MASK, p + 4, len - 4]);
    p += (len + 3) & ~3;
  }
  return out;
}

/** Canonical text of the attributes in [start, end) under `schema`. */
function canon(
  u8: Uint8Array,
  start: number,
  end: number,
  schema: AttrSchema,
  family: number,
): string {
  const list = attrList(u8, start, end);
  const sibling = (name: string) => {
    const def = schema.byName.get(name);
    const hit = def && list.find(([t]) => t === def.type);
    return hit ? decodeString(u8, hit[1], hit[2]) : undefined;
  };
  const parts = list.map(([type, off, len]) => {
    let codec: Codec | undefined = schema.byType[type]?.codec;
    if (codec && typeof codec !== "string" && codec.kind === "select") {
      const key = codec.by === "family" ? family : sibling(codec.by);
      codec = key === undefined ? undefined : codec.choices()[key];
    }
    return `${type}${value(u8, off, len, codec, family)}`;
  });
  return `{${parts.sort().join(",")}}`;
}

function value(
  u8: Uint8Array,
  off: number,
  len: number,
  codec: Codec | undefined,
  family: number,
): string {
  if (codec && typeof codec !== "string" && codec.kind === "nest") {
    const skip = codec.header ? 16 : 0;
    const head = skip ? toHex(u8.subarray(off, off + skip)) : "";
    return `${head}${canon(u8, off + skip, off + len, codec.schema(), family)}`;
  }
  if (codec && typeof codec !== "string" && codec.kind === "array") {
    return `[${
      attrList(u8, off, off + len).map(([t, o, l]) => `${t}=${toHex(u8.subarray(o, o + l))}`)
        .join(",")
    }]`;
  }
  // iproute2 sends IFLA_INFO_KIND without its NUL; the kernel reads both alike.
  if (codec === "string") return `=${JSON.stringify(decodeString(u8, off, len))}`;
  return `=${toHex(u8.subarray(off, off + len))}`;
}

/** nlmsg type, flags (REQUEST|ACK added as the engine does), ifinfomsg, canonical attributes. */
function describe(bytes: Uint8Array, addRequestAck: boolean) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = dv.getUint32(0, true);
  assert.equal(len, bytes.length);
  return {
    type: dv.getUint16(4, true),
    flags: dv.getUint16(6, true) | (addRequestAck ? 0x5 : 0),
    ifinfomsg: toHex(bytes.subarray(16, 32)),
    attrs: canon(bytes, 32, len, IFLA, bytes[16]),
  };
}

async function check(name: string, cmd: LinkCommand, spec: LinkSpec): Promise<void> {
  const g = golden(name);
  assert.notEqual(g.main, null);
  const theirs = hex(g.requests[g.main!]);
  const built = await buildLink(fakeCore(g.ifindexes), cmd, spec);
  built.cleanup?.();
  assert.deepEqual(describe(built.bytes, true), describe(theirs, false), g.command);
}

for (const [name, cmd, spec] of LINK_CASES) {
  Deno.test(`link encoder: ${name} matches iproute2`, () => check(name, cmd, spec));
}

Deno.test("link encoder: bond port data without kind is sent as iproute2's bond_slave", () =>
  check("link_bond_slave_data", "set", { index: 3, bond_slave_queue_id: 3 }));

Deno.test("link encoder: every nest carries NLA_F_NESTED", async () => {
  const built = await buildLink(fakeCore({ v0: 3 }), "add", {
    ifname: "v0.300",
    kind: "vlan",
    link: "v0",
    vlan_id: 300,
    vlan_egress_qos: [{ from: 1, to: 2 }, { from: 5, to: 6 }],
  });
  const b = built.bytes;
  const dv = new DataView(b.buffer);
  // IFLA_LINKINFO, IFLA_INFO_DATA and IFLA_VLAN_EGRESS_QOS are nests; the two QoS entries
  // both have type IFLA_VLAN_QOS_MAPPING (1).
  const types: number[] = [];
  for (let p = 32; p + 4 <= b.length;) {
    const len = dv.getUint16(p, true);
    types.push(dv.getUint16(p + 2, true));
    p += len >= 4 && [0x8012, 0x8002, 0x8003].includes(dv.getUint16(p + 2, true))
      ? 4
      : (len + 3) & ~3;
  }
  assert.deepEqual(types.filter((t) => t & 0x8000), [0x8012, 0x8002, 0x8003]);
  assert.deepEqual(types.slice(-2), [1, 1]);
});

Deno.test("link encoder: the comparison sees a changed value or a missing attribute", async () => {
  const g = golden("link_vlan");
  const theirs = describe(hex(g.requests[g.main!]), false);
  const core = fakeCore(g.ifindexes);
  const other = await buildLink(core, "add", {
    ifname: "v0.100",
    kind: "vlan",
    link: "v0",
    vlan_id: 101,
  });
  assert.notDeepEqual(describe(other.bytes, true), theirs);
  const fewer = await buildLink(core, "add", { ifname: "v0.100", kind: "vlan", vlan_id: 100 });
  assert.notDeepEqual(describe(fewer.bytes, true), theirs);
});
