/**
 * ip.batch beyond routes: links, addresses, fdb entries and a tc tree pipelined in one batch,
 * checked with iproute2; a bad spec in the middle is reported with its index while the rest apply.
 */

import assert from "node:assert/strict";
import { BatchError, IPRoute } from "../../mod.ts";
import { ipJson, run, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

Deno.test({
  ...(await gate(
    "batch: links, addresses, fdb and tc in one pipelined batch, as iproute2 sees them",
    "link:bridge",
    "qdisc:htb",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await ip.link("add", { ifname: "br0", kind: "bridge" });
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      await ip.link("set", { index: "v0", master: "br0" });
      const [v0] = await ip.linkLookup({ ifname: "v0" });
      const applied = await ip.batch((b) => {
        b.link("set", { index: v0, state: "up" });
        b.addr("add", { index: "br0", address: "10.7.0.1/24" });
        b.fdb("add", {
          lladdr: "02:00:00:00:00:09",
          ifindex: v0,
          flags: ["master"],
          state: "static",
        });
        b.tc("add", "htb", { index: v0, handle: "1:", default: "1:10" });
        b.tc("add-class", "htb", { index: v0, parent: "1:", classid: "1:10", rate: "10mbit" });
      });
      assert.equal(applied, 5);
      const [addr] = await ipJson(ns, "addr", "show", "dev", "br0");
      assert.ok((addr.addr_info as { local: string }[]).some((a) => a.local === "10.7.0.1"));
      const fdb = JSON.parse(await run("bridge", ["-n", ns, "-j", "fdb", "show", "br", "br0"]));
      assert.ok(fdb.some((e: { mac: string; ifname: string }) =>
        e.mac === "02:00:00:00:00:09" && e.ifname === "v0"
      ));
      const classes = await run("tc", ["-n", ns, "class", "show", "dev", "v0"]);
      assert.match(classes, /class htb 1:10 root .*rate 10Mbit/);

      // A refused request and a bad spec are reported with their index; the others apply.
      const err = await ip.batch((b) => {
        b.addr("add", { index: "br0", address: "10.7.1.1/24" });
        b.tc("add", "htb", { index: v0, handle: "1:" }); // exists
        b.fdb("add", { lladdr: "not-a-mac", ifindex: v0 });
        b.addr("add", { index: "br0", address: "10.7.2.1/24" });
      }).catch((e) =>
        e
      );
      assert.ok(err instanceof BatchError, String(err));
      assert.deepEqual(err.failures.map((f) => f.index), [1, 2]);
      assert.equal(err.succeeded, 2);
      assert.ok(err.failures[1].error instanceof TypeError);
      const [after] = await ipJson(ns, "addr", "show", "dev", "br0");
      const locals = (after.addr_info as { local: string }[]).map((a) => a.local);
      assert.ok(locals.includes("10.7.1.1") && locals.includes("10.7.2.1"));
    }, "batchk"),
});
