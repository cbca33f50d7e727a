/**
 * Uevents live, per network namespace: making and deleting a veth pair in a namespace yields
 * `add` and `remove` for both devices there, and nothing in another namespace.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Uevents } from "../../events/mod.ts";
import type { Uevent } from "../../events/mod.ts";
import { ipCmd, isRoot, withNetns } from "../helpers.ts";

Deno.test({
  name: "uevents: a veth pair made and deleted in a namespace, seen there only",
  ignore: !isRoot,
  fn: () =>
    withNetns((ns) =>
      withNetns(async (other) => {
        using events = new Uevents({ netns: ns, signal: AbortSignal.timeout(20_000) });
        using elsewhere = new Uevents({ netns: other });
        await ipCmd(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
        await ipCmd(ns, "link", "del", "v0");
        const want = new Set(["add v0", "add v1", "remove v0", "remove v1"]);
        const got: Uevent[] = [];
        for await (const e of events) {
          if (e.type === "overrun") continue;
          got.push(e);
          if (e.subsystem === "net") want.delete(`${e.action} ${e.env.INTERFACE}`);
          if (want.size === 0) break;
        }
        assert.deepEqual([...want], [], "missing events");
        for (const e of got.filter((x) => x.subsystem === "net")) {
          assert.equal(e.source, "kernel");
          assert.equal(e.devpath, `/devices/virtual/net/${e.env.INTERFACE}`);
          assert.match(e.env.IFINDEX, /^\d+$/);
        }
        const seq = got.map((e) => e.seqnum);
        assert.deepEqual(seq, [...seq].sort((a, b) => a - b));
        // The other namespace's socket heard nothing of it.
        const leaked = [];
        for (let b = elsewhere.socket.receive(); b; b = elsewhere.socket.receive()) leaked.push(b);
        assert.equal(leaked.length, 0);
      }, "ue2"), "ue"),
});
