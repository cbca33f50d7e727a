/**
 * The families beside rtnetlink under the fuzzer (tests/fuzz/families.ts): each family's
 * corpus mutated, every message through its views and the family's decoders. The seeds must
 * decode cleanly first.
 *
 * @module
 */

import assert from "node:assert/strict";
import { captureSeeds, fuzzFamily } from "./families.ts";
import type { FamilyTarget } from "./families.ts";
import { messages } from "./harness.ts";
import type { Seed } from "./harness.ts";
import { messageViewClass } from "../../netlink/view.ts";
import { AttrView } from "../../netlink/view.ts";
import type { MessageView } from "../../netlink/view.ts";
import {
  decodeBitset,
  ETHTOOL_CHANNELS_MESSAGE,
  ETHTOOL_FEATURES_MESSAGE,
  ETHTOOL_LINKMODES_MESSAGE,
  ETHTOOL_PAUSE_MESSAGE,
  ETHTOOL_STATS_MESSAGE,
  ETHTOOL_STRSET_MESSAGE,
  ETHTOOL_TSINFO_MESSAGE,
  ethtoolReply,
  ethtoolSchemaOf,
} from "../../ethtool/mod.ts";
import { MPTCP_EVENT_MESSAGE, MPTCP_PM_MESSAGE } from "../../mptcp/schema.ts";
import { mptcpEndpoint, mptcpEvent } from "../../mptcp/mptcp.ts";
import type { MptcpEventMessage, MptcpMessage } from "../../mptcp/mptcp.ts";

const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

/** An MPTCP event as the kernel sends it (MPTCP_EVENT_CREATED of a loopback connection). */
const MPTCP_EVENT_SEED: Seed = {
  name: "mptcp/event_created",
  bytes: hex(
    "580000001c000000000000000000000001010000080001009db5bdba0600020002000000" +
      "0500030000000000050004000000000008000500" + "7f000001" + "080007007f000001" +
      "06000900b0eb0000060009000a0000000600ffff00000000",
  ),
};
new DataView(MPTCP_EVENT_SEED.bytes.buffer).setUint32(0, MPTCP_EVENT_SEED.bytes.length, true);

export const MPTCP_TARGET: FamilyTarget = {
  name: "mptcp",
  seeds: [...captureSeeds("mptcp"), MPTCP_EVENT_SEED],
  schemas: [MPTCP_PM_MESSAGE, MPTCP_EVENT_MESSAGE],
  schemaOf: (type) => (type === 0x1c ? MPTCP_PM_MESSAGE : undefined),
  seedSchema: (seed, type) =>
    seed.includes("event") ? MPTCP_EVENT_MESSAGE : type === 0x1c ? MPTCP_PM_MESSAGE : undefined,
  decoders: [
    function endpoint(v: MessageView) {
      return mptcpEndpoint(v as unknown as MptcpMessage);
    },
    function event(v: MessageView) {
      return mptcpEvent({
        type: "message",
        multicast: true,
        message: v as unknown as MptcpEventMessage,
      });
    },
  ],
};

const ethtoolSchema = (u8: Uint8Array, off: number) => ethtoolSchemaOf(u8[off + 16]);

export const ETHTOOL_TARGET: FamilyTarget = {
  name: "ethtool",
  seeds: captureSeeds("ethtool"),
  schemas: [
    ETHTOOL_STRSET_MESSAGE,
    ETHTOOL_FEATURES_MESSAGE,
    ETHTOOL_LINKMODES_MESSAGE,
    ETHTOOL_STATS_MESSAGE,
    ETHTOOL_CHANNELS_MESSAGE,
    ETHTOOL_TSINFO_MESSAGE,
    ETHTOOL_PAUSE_MESSAGE,
  ],
  schemaOf: (type, u8, off) => (type === 0x15 ? ethtoolSchema(u8, off) : undefined),
  seedSchema: (seed, type, u8, off) =>
    type === 0x15 && seed.includes("reply") ? ethtoolSchema(u8, off) : undefined,
  decoders: [
    function reply(v: MessageView) {
      return ethtoolReply(v);
    },
    function bitsets(v: MessageView) {
      const out: unknown[] = [];
      for (const name of ["hw", "wanted", "active", "nochange", "ours", "peer", "groups"]) {
        const b = v.schema.byName.has(name) ? v.get(name) : undefined;
        if (b instanceof AttrView) out.push(decodeBitset(b, ["a", "b"]));
      }
      return out;
    },
  ],
};

const TARGETS: FamilyTarget[] = [MPTCP_TARGET, ETHTOOL_TARGET];

Deno.test("families fuzz: the seeds decode", () => {
  for (const t of TARGETS) {
    let n = 0;
    for (const s of t.seeds) {
      const u8 = s.bytes.slice();
      const dv = new DataView(u8.buffer);
      for (const [off, len] of messages(u8)) {
        const schema = t.seedSchema(s.name, dv.getUint16(off + 4, true), u8, off);
        if (!schema) continue;
        const C = messageViewClass(schema);
        JSON.stringify(new C(dv, u8, off, len).toJSON());
        n++;
      }
    }
    assert.ok(n > 10, `${t.name}: ${n} messages`);
  }
});

for (const t of TARGETS) {
  Deno.test(`families fuzz: ${t.name}, 2,000 cases (only DecodeError, all return, in bounds)`, () => {
    const c = fuzzFamily(t, 0x19f, 2000);
    assert.equal(c.cases, 2000);
    assert.ok(c.views > 1000 && c.values > 5000, JSON.stringify(c));
  });
}
