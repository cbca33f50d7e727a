/**
 * IPSet in a fresh namespace: protocol and revisions, header, test, delete, exist flags,
 * ipset's own error codes, rename, swap, flush, destroy, atomic replace, and many elements in
 * one call.
 */

import assert from "node:assert/strict";
import { IPSet, type IpsetError } from "../../netfilter/mod.ts";
import { isRoot, withNetns } from "../helpers.ts";

Deno.test({
  name: "ipset: protocol, revisions, header, elements, errors, rename, swap, replace, destroy",
  ignore: !isRoot,
  fn: () =>
    withNetns(async (ns) => {
      using ipset = new IPSet({ netns: ns });
      assert.ok((await ipset.protocol()) >= 6);
      const rev = await ipset.getSupportedRevisions("hash:ip");
      assert.ok(rev.revision >= rev.revision_min);
      await ipset.create("a", { type: "hash:ip", timeout: 0 });
      assert.deepEqual(await ipset.header("a"), {
        name: "a",
        type: "hash:ip",
        revision: rev.revision,
        family: 2,
      });
      await ipset.add("a", ["10.0.0.1", { ip: "10.0.0.2", timeout: 30 }]);
      assert.ok(await ipset.test("a", "10.0.0.1"));
      assert.ok(!(await ipset.test("a", "10.0.0.9")));
      await assert.rejects(ipset.add("a", "10.0.0.1"), (e: IpsetError) =>
        e.code === "IPSET_ERR_EXIST");
      await ipset.add("a", "10.0.0.1", { exist: true });
      await ipset.delete("a", "10.0.0.1");
      await assert.rejects(ipset.delete("a", "10.0.0.1"), (e: IpsetError) =>
        e.code === "IPSET_ERR_EXIST");
      await ipset.delete("a", "10.0.0.1", { exist: true });
      await assert.rejects(
        ipset.create("a", { type: "hash:ip" }),
        (e: IpsetError) =>
          e.code === "EEXIST",
      );
      await assert.rejects(ipset.add("a", { ip: "10.0.0.3", comment: "x" }), (e: IpsetError) =>
        e.code === "IPSET_ERR_COMMENT");
      await assert.rejects(ipset.header("nope"), (e: IpsetError) =>
        e.code === "ENOENT");

      await ipset.create("b", { type: "hash:ip" });
      await ipset.add("b", "10.9.9.9");
      await ipset.swap("a", "b");
      assert.deepEqual(
        (await ipset.list("a"))[0].entries.map((e) =>
          e.ip
        ),
        ["10.9.9.9"],
      );
      await ipset.rename("b", "c");
      assert.deepEqual(
        (await ipset.list()).map((s) =>
          s.name
        ).sort(),
        ["a", "c"],
      );
      await ipset.flush("c");
      assert.equal((await ipset.list("c"))[0].entries.length, 0);

      // Many elements: chunks of 1000 per message, all there.
      const many = Array.from({ length: 3000 }, (_, i) => `10.${i >> 8 & 255}.${i & 255}.1`);
      await ipset.add("c", many);
      assert.equal((await ipset.list("c"))[0].elements, 3000);

      // An atomic replacement: a new set is filled and swapped in.
      await ipset.replace("c", ["192.0.2.1", "192.0.2.2"]);
      assert.deepEqual((await ipset.list("c"))[0].entries.map((e) => e.ip).sort(), [
        "192.0.2.1",
        "192.0.2.2",
      ]);
      assert.deepEqual((await ipset.list()).map((s) => s.name).sort(), ["a", "c"]);

      await ipset.destroy("a");
      await ipset.destroy({ all: true });
      assert.deepEqual(await ipset.list(), []);
    }, "ipsl"),
});
