/**
 * The netfilter part of the fuzz corpus: real ctnetlink replies and events decode cleanly
 * through their schemas and the Conntrack event decoder (the fuzzer mutates these seeds).
 *
 * @module
 */

import assert from "node:assert/strict";
import { KERNEL } from "./corpus/index.ts";
import { messages } from "./harness.ts";
import { decodeConntrackEvent } from "../../netfilter/conntrack/conntrack.ts";
import { NF_SCHEMA_BY_TYPE } from "../../netfilter/registry.ts";
import { messageViewClass } from "../../netlink/view.ts";
import { hex } from "../helpers.ts";
import { mergeSets, saveText } from "../../netfilter/ipset/info.ts";
import type { IpsetMessage } from "../../netfilter/ipset/info.ts";

Deno.test("netfilter corpus: ctnetlink dumps, statistics, expectations and events decode", () => {
  const names = new Set<string>();
  for (const h of KERNEL.nf_conntrack.datagrams) {
    const u8 = hex(h);
    const dv = new DataView(u8.buffer);
    for (const [off, len] of messages(u8)) {
      const schema = NF_SCHEMA_BY_TYPE.get(dv.getUint16(off + 4, true));
      if (!schema) continue;
      JSON.stringify(new (messageViewClass(schema))(dv, u8, off, len));
      names.add(schema.name);
    }
  }
  for (const n of ["conntrack", "conntrack_stats_cpu", "conntrack_stats", "expectation"]) {
    assert.ok(names.has(n), `the corpus lacks ${n} messages`);
  }
  const types = new Set<string>();
  for (const h of KERNEL.nf_events.datagrams) {
    const u8 = hex(h);
    const dv = new DataView(u8.buffer);
    for (const [off, len] of messages(u8)) {
      const ev = decodeConntrackEvent(dv, u8, off, len, dv.getUint16(off + 4, true));
      if (!ev) continue;
      types.add(ev.type);
      if ("entry" in ev) assert.ok(ev.entry.orig?.saddr, JSON.stringify(ev.entry));
    }
  }
  assert.deepEqual([...types].sort(), ["destroy", "expect_destroy", "expect_new", "new", "update"]);
});

Deno.test("netfilter corpus: ipset lists of every type merge into sets and save text", () => {
  const lists: IpsetMessage[] = [];
  for (const h of KERNEL.nf_ipset.datagrams) {
    const u8 = hex(h);
    const dv = new DataView(u8.buffer);
    for (const [off, len] of messages(u8)) {
      const type = dv.getUint16(off + 4, true);
      const schema = NF_SCHEMA_BY_TYPE.get(type);
      if (!schema) continue;
      const v = new (messageViewClass(schema))(dv, u8, off, len);
      JSON.stringify(v);
      if (type === 0x607) lists.push(v as unknown as IpsetMessage);
    }
  }
  const sets = mergeSets(lists);
  const types = new Set(sets.map((s) => s.type));
  for (
    const t of ["hash:ip", "hash:net", "hash:ip,port", "hash:net,iface", "bitmap:port", "list:set"]
  ) {
    assert.ok(types.has(t), `the corpus lacks a ${t} set`);
  }
  assert.match(saveText(sets), /add ipport 10\.0\.0\.1,tcp:80/);
});
