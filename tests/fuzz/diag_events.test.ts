/**
 * sock_diag and the event decoders under the fuzzer (the families harness of
 * tests/fuzz/families.ts): the kernel's captured answers and events (tests/golden/diag/
 * replies.json) and the requests of the filter goldens, mutated; every message through every
 * socket view (inet, TCP, MPTCP, unix, packet, netlink) with its decoded properties, and the
 * decoders of raw payloads (tcp_info, mptcp_info, socket options, unix names, groups,
 * multicast lists, BPF programs, proc connector datagrams, uevents). Only DecodeError may come
 * out; every call returns.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fuzzFamily } from "./families.ts";
import type { FamilyTarget } from "./families.ts";
import { messages } from "./harness.ts";
import type { Seed } from "./harness.ts";
import { messageViewClass } from "../../netlink/view.ts";
import type { MessageView } from "../../netlink/view.ts";
import type { MessageSchema } from "../../netlink/schema.ts";
import {
  INET_DIAG_MESSAGE,
  INET_DIAG_REQUEST,
  MPTCP_DIAG_MESSAGE,
  NETLINK_DIAG_MESSAGE,
  PACKET_DIAG_MESSAGE,
  TCP_DIAG_MESSAGE,
  UNIX_DIAG_MESSAGE,
} from "../../diag/mod.ts";
import { decodeMptcpInfo, decodeTcpInfo } from "../../diag/tcp_info.ts";
import { decodeBpf, decodeMclist, decodeSockopt, groupsOf, unixName } from "../../diag/views.ts";
import { runFilter } from "../../diag/filter.ts";
import { decodeProcEvents } from "../../events/proc.ts";
import { parseUevent } from "../../events/uevent.ts";

const REPLIES = JSON.parse(
  Deno.readTextFileSync(new URL("../golden/diag/replies.json", import.meta.url)),
) as Record<string, unknown>;
const FILTERS = JSON.parse(
  Deno.readTextFileSync(new URL("../golden/diag/filters.json", import.meta.url)),
) as { captures: { ss: string; request: string }[] };
const bytes = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

function seedsOf(names: string[]): Seed[] {
  const out: Seed[] = [];
  for (const n of names) {
    (REPLIES[n] as string[]).forEach((h, i) =>
      out.push({ name: `diag/${n}#${i}`, bytes: bytes(h) })
    );
  }
  return out;
}

const SCHEMA_OF_SEED: Record<string, MessageSchema> = {
  tcp: TCP_DIAG_MESSAGE,
  tcp6: TCP_DIAG_MESSAGE,
  udp: INET_DIAG_MESSAGE,
  mptcp: MPTCP_DIAG_MESSAGE,
  unix: UNIX_DIAG_MESSAGE,
  packet: PACKET_DIAG_MESSAGE,
  netlink: NETLINK_DIAG_MESSAGE,
};

/** Reads every decoded property a socket view adds. */
function properties(v: MessageView): unknown {
  const o = v as unknown as Record<string, unknown>;
  return [
    o.src,
    o.dst,
    o.info,
    o.sockopt,
    o.name,
    o.icons,
    o.mclist,
    o.filter,
    o.groups,
    v.toJSON(),
  ];
}

const SOCK_DIAG_TARGET: FamilyTarget = {
  name: "sock_diag",
  seeds: [
    ...seedsOf(Object.keys(SCHEMA_OF_SEED)),
    ...FILTERS.captures.map((c) => ({ name: `diag/filter ${c.ss}`, bytes: bytes(c.request) })),
  ],
  schemas: [
    INET_DIAG_MESSAGE,
    TCP_DIAG_MESSAGE,
    MPTCP_DIAG_MESSAGE,
    UNIX_DIAG_MESSAGE,
    PACKET_DIAG_MESSAGE,
    NETLINK_DIAG_MESSAGE,
    INET_DIAG_REQUEST,
  ],
  schemaOf: (type, u8, off) => {
    if (type !== 20 || off + 17 > u8.length) return undefined;
    // The family byte tells the diag handler; TCP's views decode the most.
    const byFamily: Record<number, MessageSchema> = {
      1: UNIX_DIAG_MESSAGE,
      16: NETLINK_DIAG_MESSAGE,
      17: PACKET_DIAG_MESSAGE,
    };
    return byFamily[u8[off + 16]] ?? TCP_DIAG_MESSAGE;
  },
  seedSchema: (seed, type) => {
    if (seed.startsWith("diag/filter")) return INET_DIAG_REQUEST;
    const m = /^diag\/(\w+)#/.exec(seed);
    return type === 20 && m ? SCHEMA_OF_SEED[m[1]] : undefined;
  },
  decoders: [properties],
  raw: [
    decodeTcpInfo,
    decodeMptcpInfo,
    decodeSockopt,
    unixName,
    groupsOf,
    decodeMclist,
    decodeBpf,
    function program(b: Uint8Array) {
      // A mutated program must be refused (TypeError is the runner's own check), never hang.
      try {
        return runFilter(b, { family: 2, src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2 });
      } catch (e) {
        if (e instanceof TypeError || e instanceof RangeError) return undefined;
        throw e;
      }
    },
  ],
};

const EVENTS_TARGET: FamilyTarget = {
  name: "events",
  seeds: seedsOf(["proc", "uevents"]),
  schemas: [INET_DIAG_MESSAGE],
  seedSchema: () => undefined,
  raw: [
    function proc(b: Uint8Array) {
      return decodeProcEvents(b.slice().buffer);
    },
    function uevent(b: Uint8Array) {
      return parseUevent(b.slice().buffer);
    },
  ],
};

Deno.test("diag/events fuzz: the seeds decode", () => {
  let n = 0;
  for (const s of SOCK_DIAG_TARGET.seeds) {
    const u8 = s.bytes.slice();
    const dv = new DataView(u8.buffer);
    for (const [off, len] of messages(u8)) {
      const schema = SOCK_DIAG_TARGET.seedSchema(s.name, dv.getUint16(off + 4, true), u8, off);
      if (!schema) continue;
      const C = messageViewClass(schema);
      JSON.stringify(properties(new C(dv, u8, off, len)));
      n++;
    }
  }
  assert.ok(n > 30, `${n} messages`);
  for (const s of EVENTS_TARGET.seeds) {
    if (s.name.includes("proc")) assert.ok(decodeProcEvents(s.bytes.slice().buffer).length > 0);
    else assert.ok(parseUevent(s.bytes.slice().buffer).seqnum > 0);
  }
});

for (const t of [SOCK_DIAG_TARGET, EVENTS_TARGET]) {
  Deno.test(`diag/events fuzz: ${t.name}, 1,500 cases (only DecodeError, all return, in bounds)`, () => {
    const c = fuzzFamily(t, 0x17d, 1500);
    assert.equal(c.cases, 1500);
    if (t === SOCK_DIAG_TARGET) assert.ok(c.views > 1000, JSON.stringify(c));
  });
}
