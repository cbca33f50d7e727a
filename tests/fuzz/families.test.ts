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
import {
  WG_MESSAGE,
  wgDeviceOf,
  wgEndpoint,
  wgEndpointText,
  wgSetMessages,
} from "../../wireguard/mod.ts";
import { encodeMessage } from "../../netlink/encoder.ts";
import type { TypedMessage } from "../../netlink/view.ts";
import {
  decodeAlgo,
  decodeXfrmEvents,
  templatesOf,
  XFRM_ACQUIRE_MESSAGE,
  XFRM_EXPIRE_MESSAGE,
  XFRM_POLICY_ID_MESSAGE,
  XFRM_POLICY_MESSAGE,
  XFRM_SA_ID_MESSAGE,
  XFRM_SA_MESSAGE,
  XFRM_SADINFO_MESSAGE,
  XFRM_SPDINFO_MESSAGE,
  xfrmAcquireOf,
  xfrmEvent,
  xfrmPolicyOf,
  xfrmSadInfoOf,
  xfrmSchemaOf,
  xfrmSpdInfoOf,
  xfrmStateOf,
} from "../../xfrm/mod.ts";
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

const xfrmEventSeeds: Seed[] = (JSON.parse(
  Deno.readTextFileSync(new URL("../golden/families/xfrm_events.json", import.meta.url)),
).datagrams as string[]).map((h, i) => ({ name: `xfrm/event#${i}`, bytes: hex(h) }));

/** Every plain-data decoder of xfrm, for a message of whatever type. */
function xfrmDecoders(v: MessageView): unknown[] {
  const out: unknown[] = [];
  const t = v.nlmsgType;
  if (t === 0x10 || t === 0x1a || t === 0x11 || t === 0x18) out.push(xfrmStateOf(v));
  if (t === 0x13 || t === 0x19 || t === 0x14 || t === 0x1b) out.push(xfrmPolicyOf(v));
  if (t === 0x17) out.push(xfrmAcquireOf(v));
  if (t === 0x22) out.push(xfrmSadInfoOf(v));
  if (t === 0x24) out.push(xfrmSpdInfoOf(v));
  out.push(xfrmEvent(v));
  return out;
}

export const XFRM_TARGET: FamilyTarget = {
  name: "xfrm",
  seeds: [...captureSeeds("xfrm"), ...xfrmEventSeeds],
  schemas: [
    XFRM_SA_MESSAGE,
    XFRM_POLICY_MESSAGE,
    XFRM_ACQUIRE_MESSAGE,
    XFRM_POLICY_ID_MESSAGE,
    XFRM_SA_ID_MESSAGE,
    XFRM_EXPIRE_MESSAGE,
    XFRM_SADINFO_MESSAGE,
    XFRM_SPDINFO_MESSAGE,
  ],
  schemaOf: (type) => xfrmSchemaOf(type),
  seedSchema: (seed, type) => (seed.includes("req") ? undefined : xfrmSchemaOf(type)),
  decoders: [
    function decoders(v: MessageView) {
      return xfrmDecoders(v);
    },
    function events(v: MessageView) {
      const u8 = v.u8.slice(v.offset, v.offset + v.dv.getUint32(v.offset, true));
      return decodeXfrmEvents(u8.buffer as ArrayBuffer);
    },
  ],
  raw: [
    function templates(b: Uint8Array) {
      return templatesOf(b.subarray(0, b.length - (b.length % 64)));
    },
    function auth(b: Uint8Array) {
      return decodeAlgo("auth_trunc", b);
    },
    function crypt(b: Uint8Array) {
      return decodeAlgo("crypt", b);
    },
  ],
};

/** WireGuard device messages, as the kernel would send them (this kernel has no WireGuard). */
function wgSeeds(): Seed[] {
  const key = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * n) & 255);
  const reply = encodeMessage(WG_MESSAGE, {
    type: 0x30,
    flags: 2,
    header: { cmd: 0, version: 1 },
    attrs: {
      ifindex: 7,
      ifname: "wg0",
      private_key: key(3),
      public_key: key(5),
      listen_port: 51820,
      fwmark: 1,
      peers: [
        {
          public_key: key(7),
          preshared_key: key(9),
          endpoint: wgEndpoint("[2001:db8::1]:51820", "e"),
          persistent_keepalive_interval: 25,
          last_handshake_time: { tv_sec: 1700000000, tv_nsec: 5 },
          rx_bytes: 1234,
          tx_bytes: 5678,
          allowedips: [
            { family: 2, ipaddr: "10.0.0.0", cidr_mask: 24 },
            { family: 10, ipaddr: "2001:db8::", cidr_mask: 64 },
          ],
          protocol_version: 1,
        },
        { public_key: key(11), endpoint: wgEndpoint("192.0.2.1:1", "e") },
      ],
    },
  });
  const sets = wgSetMessages("wg0", {
    replace_peers: true,
    peers: [{ public_key: key(13), allowedips: ["10.1.0.0/16"], remove: false }],
  }).map((a) => encodeMessage(WG_MESSAGE, { type: 0x30, flags: 0, header: { cmd: 1 }, attrs: a }));
  return [reply, ...sets].map((bytes, i) => ({ name: `wireguard/${i}`, bytes }));
}

export const WIREGUARD_TARGET: FamilyTarget = {
  name: "wireguard",
  seeds: wgSeeds(),
  schemas: [WG_MESSAGE],
  schemaOf: () => WG_MESSAGE,
  seedSchema: () => WG_MESSAGE,
  decoders: [
    function device(v: MessageView) {
      return wgDeviceOf([v as unknown as TypedMessage<typeof WG_MESSAGE>]);
    },
  ],
  raw: [wgEndpointText],
};

const TARGETS: FamilyTarget[] = [MPTCP_TARGET, ETHTOOL_TARGET, XFRM_TARGET, WIREGUARD_TARGET];

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
    assert.ok(n >= 2, `${t.name}: ${n} messages`);
  }
});

for (const t of TARGETS) {
  Deno.test(`families fuzz: ${t.name}, 1,000 cases (only DecodeError, all return, in bounds)`, () => {
    const c = fuzzFamily(t, 0x19f, 1000);
    assert.equal(c.cases, 1000);
    // xfrm keeps most of a message in its fixed struct: fewer attribute values.
    assert.ok(c.views > 1000 && c.values > 1000, JSON.stringify(c));
  });
}
