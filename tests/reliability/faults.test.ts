/**
 * Faults as far as they concern the engine and sockets: the namespace removed underneath open
 * connections (they keep working: their sockets hold it), a missing namespace named in the error,
 * a dump aborted half way (the next one runs, no EBUSY), waits cancelled without leaking the
 * shared poll (sanitizers on).
 *
 * @module
 */

import assert from "node:assert/strict";
import { IPRoute, netns } from "../../mod.ts";
import { ROUTE_MESSAGE } from "../../rtnl/schemas/route.ts";
import { RTM } from "../../rtnl/constants.ts";
import { isRoot, nsName, withNetns } from "../helpers.ts";
import { ipBatch } from "./util.ts";

const ignore = !isRoot;

for (const how of ["netns.remove", "ip netns del"]) {
  Deno.test({
    name: `faults: the namespace removed (${how}) under an open IPRoute and monitor: both go on`,
    ignore,
    fn: async () => {
      const ns = nsName("rgone");
      netns.create(ns);
      let removed = false;
      try {
        using ip = new IPRoute({ netns: ns });
        await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
        const ac = new AbortController();
        const events = ip.monitor({ groups: ["link"], signal: ac.signal });
        const first = events.next();
        const pending = ip.getLinks();
        if (how === "netns.remove") netns.remove(ns);
        else {
          const out = await new Deno.Command("ip", { args: ["netns", "del", ns], stderr: "piped" })
            .output();
          assert.ok(out.success, new TextDecoder().decode(out.stderr));
        }
        removed = true;
        assert.ok(!netns.list().includes(ns));
        assert.equal((await pending).length, 3);
        // Reads, changes and events in the unnamed namespace, still held by the sockets.
        await ip.link("set", { index: "v0", state: "up" });
        await ip.addr("add", { index: "v0", address: "10.0.0.1/24" });
        assert.equal((await ip.getAddr({ index: "v0" }))[0].address, "10.0.0.1");
        const seen: string[] = [];
        for (let r = await first; !r.done; r = await events.next()) {
          seen.push(`${r.value.type} ${r.value.message?.get("ifname")}`);
          if (seen.some((s) => s.includes("v0"))) break;
        }
        await events.return(undefined);
        assert.ok(seen.length > 0);
        // A new connection to the removed name fails clearly, naming it.
        assert.throws(
          () => new IPRoute({ netns: ns }),
          (e: Error) => e.message.includes(ns) && /does not exist/.test(e.message),
        );
      } finally {
        if (!removed) netns.remove(ns);
      }
    },
  });
}

Deno.test({
  name: "faults: a dump aborted half way leaves the socket usable (the next dump is not refused)",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      const lines = ["link add v0 type veth peer name v1", "link set v0 up"];
      for (let i = 0; i < 20000; i++) {
        lines.push(`route add 10.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 dev v0`);
      }
      await ipBatch(ns, lines);
      using ip = new IPRoute({ netns: ns });
      for (const how of ["abort", "break", "timeout"]) {
        const ac = new AbortController();
        const signal = how === "timeout" ? AbortSignal.timeout(1) : ac.signal;
        let n = 0;
        const read = (async () => {
          for await (
            const _ of ip.dumpIter(ROUTE_MESSAGE, {
              type: RTM.GETROUTE,
              flags: 0,
              header: { family: 2 },
            }, { signal })
          ) {
            n++;
            if (how === "timeout" && n % 20 === 0) await new Promise((r) => setTimeout(r, 2));
            if (n === 100 && how === "abort") ac.abort(new Error("enough"));
            if (n === 100 && how === "break") break;
          }
        })();
        if (how === "break") await read;
        else await assert.rejects(read, how === "abort" ? /enough/ : { name: "TimeoutError" });
        // Straight away: a full dump, and requests.
        const routes = await ip.getRoutes({ family: 2, table: 254 });
        assert.equal(routes.length, 20000, how);
        assert.equal((await ip.link("get", { index: 1 }))[0].ifname, "lo");
      }
      assert.equal(ip.engine.inFlight, 0);
    }, "rabort"),
});

Deno.test({
  name: "faults: a monitor waiting for events stops at once when aborted; nothing leaks",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      for (let i = 0; i < 20; i++) {
        const ac = new AbortController();
        const events = ip.monitor({ signal: ac.signal });
        const next = events.next();
        setTimeout(() => ac.abort(), 1);
        assert.equal((await next).done, true);
      }
      assert.equal(ip.engine.inFlight, 0);
    }, "rmonab"),
});
