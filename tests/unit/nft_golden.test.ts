/**
 * NFTables against nft 1.0.6's own requests (tests/golden/netfilter/nft_*.json): every table,
 * chain, rule, set, element and object message nft sent decodes into objects that encode back
 * to the same bytes; and the transaction builder (with the rule helpers) sends what nft sends
 * for the same commands.
 */

import assert from "node:assert/strict";
import { NFTables, objectOf, rules } from "../../netfilter/mod.ts";
import { NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END } from "../../netfilter/nfnetlink.ts";
import {
  CHAIN_MESSAGE,
  OBJ_MESSAGE,
  RULE_MESSAGE,
  SET_MESSAGE,
  SETELEM_MESSAGE,
  TABLE_MESSAGE,
} from "../../netfilter/nftables/schema.ts";
import { encodeExpr } from "../../netfilter/nftables/expr.ts";
import type { NftRule } from "../../netfilter/mod.ts";
import { encodeMessage } from "../../netlink/encoder.ts";
import type { MessageSchema } from "../../netlink/schema.ts";
import { messageViewClass } from "../../netlink/view.ts";
import { toHex } from "../helpers.ts";
import { answeringConnection, canonNf, messages, nfGolden } from "./nf_golden.ts";

const SCHEMAS: Record<number, MessageSchema> = {
  0: TABLE_MESSAGE,
  2: TABLE_MESSAGE,
  3: CHAIN_MESSAGE,
  6: RULE_MESSAGE,
  9: SET_MESSAGE,
  12: SETELEM_MESSAGE,
  18: OBJ_MESSAGE,
};

/** nft's change messages of a capture (batch contents: nf_tables NEW/DEL messages). */
function changes(name: string): Uint8Array[] {
  return nfGolden(name).flatMap(messages).filter((m) => {
    const type = m[4] | (m[5] << 8);
    return (type >> 8) === 10 && SCHEMAS[type & 255] !== undefined && (m[6] & 0x01) &&
      !(m[7] & 0x03);
  });
}

const OBJREF = toHex(new TextEncoder().encode("objref"));

/** Decodes a message into objects and encodes them again (expressions through encodeExpr). */
function reencode(m: Uint8Array): Uint8Array {
  const type = m[4] | (m[5] << 8);
  const schema = SCHEMAS[type & 255];
  const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
  const View = messageViewClass(schema);
  const v = new View(dv, m, 0, m.byteLength);
  const attrs = objectOf(v);
  if (schema === RULE_MESSAGE) {
    attrs.expressions = (v as unknown as NftRule).expr.map((e, i) => encodeExpr(e, `expr[${i}]`));
  }
  const out = encodeMessage(schema, {
    type,
    flags: dv.getUint16(6, true),
    header: { family: m[16], version: m[17], res_id: (m[18] << 8) | m[19] },
    attrs,
  });
  out.set(m.subarray(8, 16), 8); // seq and port
  return out;
}

Deno.test("nft golden: every message nft sent decodes and encodes back byte for byte", async (t) => {
  const names = [
    "nft_ruleset",
    "nft_add_table",
    "nft_add_base_chain",
    "nft_add_rule",
    "nft_add_set",
    "nft_add_element",
    "nft_add_map",
    "nft_add_counter",
    "nft_add_quota",
    "nft_add_limit",
    "nft_delete_table",
  ];
  let n = 0;
  for (const name of names) {
    await t.step(name, () => {
      for (const m of changes(name)) {
        const again = reencode(m);
        if (toHex(again) !== toHex(m) && toHex(m).includes(OBJREF)) {
          // nft sends the object name of an objref without its NUL (the kernel dumps it
          // with one, as the library writes every string): same objects, one byte apart.
          assert.equal(toHex(reencode(again)), toHex(again));
          continue;
        }
        assert.equal(toHex(again), toHex(m));
        n++;
      }
    });
  }
  assert.ok(n >= 30, `${n} messages`);
});

/** The kernel's answer to a set dump: set s of table t, IPv4 keys. */
function setDump(m: Uint8Array) {
  if ((m[4] | (m[5] << 8)) !== 0xa0a) return undefined;
  const b = encodeMessage(SET_MESSAGE, {
    type: 0xa09,
    flags: 0,
    header: { family: 2 },
    attrs: { table: "t", name: "s", flags: 0, key_type: 7, key_len: 4 },
  });
  return [{ type: 0xa09, payload: b.subarray(16) }];
}

/** The change messages our transaction sends (batch begin/end dropped), canonicalised. */
async function ours(build: Parameters<NFTables["transaction"]>[0]): Promise<string[]> {
  const { nfnl, sent } = answeringConnection(setDump);
  const nft = new NFTables({ connection: nfnl });
  await nft.transaction(build).catch(() => {});
  return sent.flatMap(messages).filter((m) => {
    const type = m[4] | (m[5] << 8);
    return type !== NFNL_MSG_BATCH_BEGIN && type !== NFNL_MSG_BATCH_END &&
      SCHEMAS[type & 255] !== undefined && (type >> 8) === 10;
  }).map((m) => canonNf(m, { sort: false, ackFlags: true }));
}

const theirs = (name: string) => changes(name).map((m) => canonNf(m, { sort: false }));

Deno.test("nft golden: the transaction builder sends what nft sends", async (t) => {
  await t.step("add table inet t", async () => {
    assert.deepEqual(
      await ours((tx) => void tx.addTable({ family: "inet", name: "t" })),
      theirs("nft_add_table"),
    );
  });
  await t.step(
    "add chain inet t input { type filter hook input priority 0; policy drop; }",
    async () => {
      assert.deepEqual(
        await ours((tx) =>
          void tx.addChain({
            family: "inet",
            table: "t",
            name: "input",
            hook: "input",
            priority: 0,
            type: "filter",
            policy: "drop",
          })
        ),
        theirs("nft_add_base_chain"),
      );
    },
  );
  await t.step("add rule ip t c ip saddr 10.0.0.1 tcp dport 22 counter accept", async () => {
    assert.deepEqual(
      await ours((tx) =>
        void tx.addRule({
          family: "ip",
          table: "t",
          chain: "c",
          expr: rules.accept({
            family: "ip",
            saddr: "10.0.0.1",
            proto: "tcp",
            dport: 22,
            counter: true,
          }),
        })
      ),
      theirs("nft_add_rule"),
    );
  });
  await t.step("add map ip t m { type ipv4_addr : verdict; }", async () => {
    assert.deepEqual(
      await ours((tx) =>
        void tx.addSet({ family: "ip", table: "t", name: "m", type: "ipv4_addr", map: "verdict" })
      ),
      theirs("nft_add_map"),
    );
  });
  await t.step("add set ip t s { type ipv4_addr; flags timeout; timeout 1h; }", async () => {
    assert.deepEqual(
      await ours((tx) =>
        void tx.addSet({ family: "ip", table: "t", name: "s", type: "ipv4_addr", timeout: "1h" })
      ),
      theirs("nft_add_set"),
    );
  });
  await t.step(
    "add element ip t s { 10.0.0.1, 10.0.0.2 } (the set's shape read from the kernel)",
    async () => {
      assert.deepEqual(
        await ours((tx) =>
          void tx.addElements({
            family: "ip",
            table: "t",
            set: "s",
            elements: ["10.0.0.1", "10.0.0.2"],
          })
        ),
        // nft also sends the set's id from its cache (NFTA_SET_ELEM_LIST_SET_ID); the kernel
        // finds the set by name.
        theirs("nft_add_element").map((c) => c.replace(" 4:00000001", "")),
      );
    },
  );
  await t.step("add counter, quota, limit", async () => {
    assert.deepEqual(
      await ours((tx) =>
        void tx.addObject({ family: "ip", table: "t", name: "c", type: "counter" })
      ),
      theirs("nft_add_counter"),
    );
    assert.deepEqual(
      await ours((tx) =>
        void tx.addObject({
          family: "ip",
          table: "t",
          name: "q",
          type: "quota",
          bytes: 100 * 1024 * 1024,
          over: true,
        })
      ),
      theirs("nft_add_quota"),
    );
    assert.deepEqual(
      await ours((tx) =>
        void tx.addObject({
          family: "ip",
          table: "t",
          name: "l",
          type: "limit",
          rate: 10,
          per: "second",
        })
      ),
      theirs("nft_add_limit"),
    );
  });
  await t.step("delete table, flush ruleset", async () => {
    assert.deepEqual(
      await ours((tx) => void tx.deleteTable({ family: "ip", name: "t" })),
      theirs("nft_delete_table"),
    );
    const flush = nfGolden("nft_flush_ruleset").flatMap(messages).filter((m) => m[4] === 2)
      .map((m) => canonNf(m, { sort: false }));
    assert.deepEqual(await ours((tx) => void tx.flushRuleset()), flush);
  });
});
