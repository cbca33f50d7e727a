/**
 * Netfilter under the family fuzzer (tests/fuzz/families.ts): ctnetlink, ipset and nf_tables
 * replies, events and requests mutated, every message through its views and the decoders that
 * turn views into plain data (conntrack tuples and status names, ipset sets and save text,
 * nf_tables expressions, elements and events). Only DecodeError may come out.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fuzzFamily } from "./families.ts";
import type { FamilyTarget } from "./families.ts";
import type { Seed } from "./harness.ts";
import { KERNEL } from "./corpus/index.ts";
import { AttrView } from "../../netlink/view.ts";
import type { MessageView } from "../../netlink/view.ts";
import { NF_SCHEMA_BY_TYPE, NF_SCHEMAS } from "../../netfilter/registry.ts";
import { decodeConntrackEvent } from "../../netfilter/conntrack/conntrack.ts";
import type { ConntrackEntry } from "../../netfilter/mod.ts";
import { mergeSets, saveText } from "../../netfilter/ipset/info.ts";
import type { IpsetMessage } from "../../netfilter/ipset/info.ts";
import { IPSET_MESSAGE } from "../../netfilter/ipset/schema.ts";
import { decodeExpr, encodeExpr, objectOf } from "../../netfilter/nftables/expr.ts";
import { elementInfo } from "../../netfilter/nftables/elements.ts";
import { decodeNftEvent } from "../../netfilter/nftables/nftables.ts";

const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const seeds: Seed[] = Object.entries(KERNEL).filter(([n]) => n.startsWith("nf_"))
  .flatMap(([n, e]) => e.datagrams.map((h, i) => ({ name: `${n}#${i}`, bytes: hex(h) })));

/** Encodes decoded expressions again: only TypeError/RangeError may come out. */
function reencode(v: MessageView): unknown {
  const exprs = v.get("expressions");
  if (!Array.isArray(exprs)) return undefined;
  return exprs.map((x, i) => {
    if (!(x instanceof AttrView)) return undefined;
    const e = decodeExpr(x);
    try {
      return encodeExpr(e, `expr[${i}]`);
    } catch (err) {
      if (err instanceof TypeError || err instanceof RangeError) return undefined;
      throw err;
    }
  });
}

const NETFILTER_TARGET: FamilyTarget = {
  name: "netfilter",
  seeds,
  schemas: NF_SCHEMAS,
  schemaOf: (type) => NF_SCHEMA_BY_TYPE.get(type),
  seedSchema: (_seed, type) => NF_SCHEMA_BY_TYPE.get(type),
  decoders: [
    function conntrack(v: MessageView) {
      const e = v as unknown as ConntrackEntry;
      return [e.orig, e.reply, e.master, e.statusNames, e.labelBits];
    },
    function conntrackEvent(v: MessageView) {
      return decodeConntrackEvent(v.dv, v.u8, v.offset, v.end - v.offset, v.nlmsgType);
    },
    function ipset(v: MessageView) {
      return v.message === IPSET_MESSAGE ? saveText(mergeSets([v as unknown as IpsetMessage])) : 0;
    },
    function nftObjects(v: MessageView) {
      return objectOf(v);
    },
    reencode,
    function nftElements(v: MessageView) {
      const els = v.get("elements");
      return Array.isArray(els)
        ? els.map((e) =>
          e instanceof AttrView ? elementInfo(objectOf(e), "ipv4_addr", "verdict") : e
        )
        : undefined;
    },
    function nftEvent(v: MessageView) {
      return decodeNftEvent(v.dv, v.u8, v.offset, v.end - v.offset, v.nlmsgType);
    },
  ],
};

Deno.test("netfilter fuzz: 1,500 cases (only DecodeError, all return, in bounds)", () => {
  assert.ok(seeds.length > 100, `${seeds.length} seeds`);
  const c = fuzzFamily(NETFILTER_TARGET, 0x18f, 1500);
  assert.equal(c.cases, 1500);
  assert.ok(c.views > 1000, JSON.stringify(c));
});
