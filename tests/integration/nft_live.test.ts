/**
 * NFTables in a fresh namespace: rules inserted, replaced and deleted by handle, elements added
 * to and deleted from a set made earlier (its shape read from the kernel), flushes, the
 * generation, and events (subscribed when monitor() returns).
 */

import assert from "node:assert/strict";
import { NFTables, rules } from "../../netfilter/mod.ts";
import type { NftEvent, Overrun } from "../../netfilter/mod.ts";
import { isRoot, withNetns } from "../helpers.ts";

const fw = { family: "inet", table: "fw" } as const;

Deno.test({
  name: "nftables: rules by handle, elements of an existing set, flushes, generation, events",
  ignore: !isRoot,
  fn: () =>
    withNetns(async (ns) => {
      using nft = new NFTables({ netns: ns });
      const events = nft.monitor(); // subscribed now
      const g0 = (await nft.getGen()).id;
      await nft.transaction((tx) => {
        tx.addTable({ family: "inet", name: "fw" });
        tx.addChain({ ...fw, name: "in", hook: "input", priority: 0 });
        tx.addSet({ ...fw, name: "ports", type: "inet_service", flags: ["interval"] });
        tx.addSet({ ...fw, name: "hosts", type: "ipv4_addr", timeout: "10m" });
        tx.addRule({ ...fw, chain: "in", expr: rules.accept({ proto: "tcp", dport: 22 }) });
      });
      assert.equal((await nft.getGen()).id, g0 + 1);
      const [first] = await nft.getRules({ ...fw, chain: "in" });
      await nft.transaction((tx) => {
        tx.insertRule({ ...fw, chain: "in", expr: rules.drop({ iifname: "eth9" }) });
        tx.addRule({
          ...fw,
          chain: "in",
          expr: rules.accept({ proto: "udp", dport: 53 }),
          position: first.handle!,
        });
        tx.addElements({ ...fw, set: "ports", elements: ["1000-2000", 8080] });
        tx.addElements({
          ...fw,
          set: "hosts",
          elements: [{ key: "10.0.0.1", timeout: 60000, comment: "one" }, "10.0.0.2"],
        });
      });
      const order = (await nft.getRules({ ...fw, chain: "in" })).map((r) =>
        r.expr.filter((e) => e.kind === "cmp").length
      );
      assert.deepEqual(order, [2 - 1, 2, 2]);
      const ports = await nft.getElements({ ...fw, set: "ports" });
      assert.deepEqual(ports.filter((e) => !e.intervalEnd).map((e) => e.key).sort(), [1000, 8080]);
      const hosts = await nft.getElements({ ...fw, set: "hosts" });
      const one = hosts.find((e) => e.key === "10.0.0.1")!;
      assert.equal(one.comment, "one");
      assert.equal(one.timeout, 60000);
      assert.ok((one.expiration ?? 0) > 0 && (one.expiration ?? 0) <= 60000);
      // Replace the first rule, delete another by handle, delete an element.
      await nft.transaction((tx) => {
        tx.replaceRule({
          ...fw,
          chain: "in",
          handle: first.handle!,
          expr: rules.accept({ proto: "tcp", dport: 2222 }),
        });
        tx.deleteElements({ ...fw, set: "hosts", elements: ["10.0.0.2"] });
      });
      const after = await nft.getRules({ ...fw, chain: "in" });
      const replaced = after.find((r) => r.handle === first.handle)!;
      assert.deepEqual(
        (replaced.expr.at(-2) as { data?: { value?: Uint8Array } }).data?.value,
        new Uint8Array([8, 0xae]),
      );
      await nft.transaction((tx) =>
        void tx.deleteRule({ ...fw, chain: "in", handle: after[0].handle! })
      );
      assert.equal((await nft.getRules(fw)).length, 2);
      assert.deepEqual((await nft.getElements({ ...fw, set: "hosts" })).map((e) => e.key), [
        "10.0.0.1",
      ]);
      await nft.transaction((tx) => {
        tx.flushSet({ ...fw, set: "hosts" });
        tx.flushChain({ ...fw, chain: "in" });
      });
      assert.equal((await nft.getRules(fw)).length, 0);
      assert.equal((await nft.getElements({ ...fw, set: "hosts" })).length, 0);
      // More elements than one 64 KiB attribute holds: several messages, one transaction.
      const many = Array.from({ length: 5000 }, (_, i) => `10.${i >> 8}.${i & 255}.1`);
      await nft.transaction((tx) => void tx.addElements({ ...fw, set: "hosts", elements: many }));
      assert.equal((await nft.getElements({ ...fw, set: "hosts" })).length, 5000);
      await nft.flushRuleset();
      assert.deepEqual(await nft.getTables(), []);

      const seen: (NftEvent | Overrun)[] = [];
      const timer = setTimeout(() => events.close(), 5000);
      for await (const e of events) {
        seen.push(e);
        if (e.type === "NFT_MSG_DELTABLE") break;
      }
      clearTimeout(timer);
      events.close();
      const types = new Set(seen.map((e) => e.type));
      for (
        const t of [
          "NFT_MSG_NEWTABLE",
          "NFT_MSG_NEWCHAIN",
          "NFT_MSG_NEWRULE",
          "NFT_MSG_NEWSET",
          "NFT_MSG_NEWSETELEM",
          "NFT_MSG_NEWGEN",
          "NFT_MSG_DELRULE",
          "NFT_MSG_DELTABLE",
        ]
      ) {
        assert.ok(types.has(t), `no ${t} among ${[...types]}`);
      }
      const rule = seen.find((e): e is NftEvent => e.type === "NFT_MSG_NEWRULE")!;
      assert.equal(rule.object.get("table"), "fw");
    }, "nftl"),
});
