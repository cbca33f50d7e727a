/**
 * The public generic netlink API against the running kernel: families listed and resolved,
 * commands with typed replies and dumps, and the monitor over multicast groups joined by name
 * (the netdev family's "mgmt" group, in a namespace of the test's own).
 */

import assert from "node:assert/strict";
import { attrs, GenericNetlink, genlMessage, NetlinkError } from "../../netlink/mod.ts";
import type { GenlEvent } from "../../netlink/mod.ts";
import { run, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

/** A slice of the netdev family (Documentation/netlink/specs/netdev.yaml): enough for a test. */
const NETDEV_DEV_TABLE = {
  NETDEV_A_DEV_IFINDEX: [1, "u32"],
  NETDEV_A_DEV_XDP_FEATURES: [3, "u64"],
} as const;
const NETDEV_DEV = attrs("NETDEV_A_DEV_", NETDEV_DEV_TABLE);
const NETDEV = genlMessage("netdev", NETDEV_DEV);
const NETDEV_CMD = { DEV_GET: 1, DEV_ADD_NTF: 2, DEV_DEL_NTF: 3, DEV_CHANGE_NTF: 4 } as const;

Deno.test(
  await gate("genl: listFamilies has nlctrl and TASKSTATS; resolve caches", "genl:TASKSTATS"),
  async () => {
    using genl = new GenericNetlink();
    const families = await genl.listFamilies();
    const byName = new Map(families.map((f) => [f.name, f]));
    assert.ok(byName.has("nlctrl"), "nlctrl");
    assert.ok(byName.has("TASKSTATS"), "TASKSTATS");
    assert.equal(byName.get("nlctrl")!.id, 0x10);
    const ts = await genl.resolve("TASKSTATS");
    assert.equal(ts.id, byName.get("TASKSTATS")!.id);
    assert.deepEqual(
      ts.ops.map((o) => o.id).sort(),
      byName.get("TASKSTATS")!.ops.map((o) => o.id).sort(),
    );
    assert.equal(await genl.resolve("TASKSTATS"), ts, "cached");
    await assert.rejects(
      genl.resolve("no_such_family"),
      (e: Error) =>
        e instanceof NetlinkError && e.code === "ENOENT" && /no_such_family/.test(e.message),
    );
    await assert.rejects(genl.resolve(""), TypeError);
  },
);

Deno.test(
  await gate("genl: a dump with typed replies; bad commands refused", "genl:netdev"),
  async () => {
    await withNetns(async (ns) => {
      using genl = new GenericNetlink({ netns: ns });
      const devs = await genl.command("netdev", NETDEV_CMD.DEV_GET, {}, {
        schema: NETDEV,
        dump: true,
      });
      assert.deepEqual(devs.map((d) => d.ifindex), [1], "a fresh namespace has lo only");
      assert.equal(devs[0].cmd, NETDEV_CMD.DEV_GET);
      const [lo] = await genl.command("netdev", NETDEV_CMD.DEV_GET, { ifindex: 1 }, {
        schema: NETDEV,
      });
      assert.equal(lo.ifindex, 1);
      await assert.rejects(
        genl.command("netdev", NETDEV_CMD.DEV_GET, { ifindex: 999 }, { schema: NETDEV }),
        (e: Error) => e instanceof NetlinkError && e.code === "ENODEV",
      );
      await assert.rejects(genl.command("netdev", 300, {}, { schema: NETDEV }), RangeError);
      await assert.rejects(genl.subscribe("netdev", "nope"), /no multicast group "nope".*mgmt/);
    }, "genl");
  },
);

Deno.test(
  await gate("genl monitor: multicast events of a group joined by name", "genl:netdev"),
  async () => {
    await withNetns(async (ns) => {
      using genl = new GenericNetlink({ netns: ns });
      const stop = new AbortController();
      const timer = setTimeout(() => stop.abort(), 10_000);
      const seen: GenlEvent<typeof NETDEV>[] = [];
      const added = new Set<number>();
      try {
        for await (
          const ev of genl.monitor({
            family: "netdev",
            schema: NETDEV,
            groups: ["mgmt"],
            signal: stop.signal,
            // Runs once the socket listens: nothing it causes can be missed.
            setup: () => run("ip", ["-n", ns, "link", "add", "v0", "type", "veth", "peer", "v1"]),
          })
        ) {
          seen.push(ev);
          if (ev.type !== "message") continue;
          assert.equal(ev.multicast, true);
          if (ev.message.cmd === NETDEV_CMD.DEV_ADD_NTF) added.add(ev.message.ifindex!);
          if (added.size === 2) break;
        }
      } finally {
        clearTimeout(timer);
      }
      assert.equal(added.size, 2, `both veth ends announced; saw ${seen.length} events`);
      // Commands still work on the socket afterwards, and a second monitor may start.
      const devs = await genl.command("netdev", NETDEV_CMD.DEV_GET, {}, {
        schema: NETDEV,
        dump: true,
      });
      assert.equal(devs.length, 3);
      const it = genl.monitor({ family: "netdev", schema: NETDEV, signal: AbortSignal.abort() });
      assert.equal((await it.next()).done, true);
    }, "genl");
  },
);

Deno.test(
  await gate("genl monitor: one per socket; ends when the socket closes", "genl:netdev"),
  async () => {
    const genl = new GenericNetlink();
    const it = genl.monitor({ family: "nlctrl", schema: NETDEV, groups: ["notify"] });
    const pending = it.next();
    await new Promise((r) => setTimeout(r, 50));
    assert.throws(
      () => genl.monitor({ family: "nlctrl", schema: NETDEV }),
      /already has a monitor/,
    );
    genl.close();
    assert.equal((await pending).done, true);
    genl.close();
  },
);
