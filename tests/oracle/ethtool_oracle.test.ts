/**
 * Ethtool against `ethtool` 6.1 on a veth pair in a namespace the test makes: features equal
 * `ethtool --json -k` row by row (legacy names included) before and after changes made by
 * either side, channels equal `ethtool -l`, link modes and state equal `ethtool DEV`, statistics
 * groups equal `ethtool --json -S --all-groups`, timestamping equals `ethtool -T`, what veth
 * lacks is EOPNOTSUPP as ethtool reports it, and the monitor sees changes `ethtool` makes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Ethtool, ethtoolFeatureRows } from "../../ethtool/mod.ts";
import type { EthtoolEvent, EthtoolFeatures } from "../../ethtool/mod.ts";
import { NetlinkError } from "../../netlink/mod.ts";
import { ipCmd, run, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

async function setup(ns: string): Promise<void> {
  for (const cmd of ["link add v0 type veth peer name v1", "link set v0 up"]) {
    await ipCmd(ns, ...cmd.split(" "));
  }
}

/** `ethtool ARGS…` in namespace `ns`. */
function ethtool(ns: string, ...args: string[]): Promise<string> {
  return run("ip", ["netns", "exec", ns, "ethtool", ...args]);
}

/** Our features in the form `ethtool --json -k` prints. */
function asJson(f: EthtoolFeatures): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of ethtoolFeatureRows(f)) {
    out[r.name] = { active: r.active, fixed: r.fixed, requested: r.requested };
  }
  return out;
}

async function toolFeatures(ns: string): Promise<Record<string, unknown>> {
  const [json] = JSON.parse(await ethtool(ns, "--json", "-k", "v0"));
  delete json.ifname;
  return json;
}

Deno.test({
  ...await gate(
    "oracle: ethtool features, channels, link, stats and timestamping equal ethtool's",
    "genl:ethtool",
  ),
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      using et = new Ethtool({ netns: ns });

      // Features, row by row in ethtool's order.
      assert.deepEqual(asJson(await et.getFeatures("v0")), await toolFeatures(ns));
      const names = await et.getStringSet("features");
      assert.ok(names.includes("tx-tcp-segmentation") && names.includes("rx-gro"));
      // Changes by the library, seen by ethtool; by ethtool, seen by the library.
      const r = await et.setFeatures("v0", { tso: false, "rx-gro-list": true });
      assert.deepEqual(r.notApplied, {});
      const after = await toolFeatures(ns);
      assert.equal((after["tcp-segmentation-offload"] as { active: boolean }).active, false);
      assert.equal((after["rx-gro-list"] as { active: boolean }).active, true);
      assert.deepEqual(asJson(await et.getFeatures("v0")), after);
      await ethtool(ns, "-K", "v0", "gro", "off", "tso", "on");
      const f = await et.getFeatures("v0");
      assert.equal(f["rx-gro"].active, false);
      assert.equal(f["tx-tcp-segmentation"].active, true);
      assert.deepEqual(asJson(f), await toolFeatures(ns));
      // A fixed feature stays off, and the result says so.
      assert.deepEqual((await et.setFeatures("v0", { lro: true })).notApplied, { "rx-lro": true });

      // Channels against ethtool -l, both ways.
      const ch = await et.getChannels(ns === "" ? 0 : "v0");
      const text = await ethtool(ns, "-l", "v0");
      const [max, cur] = text.split("Current hardware settings:");
      const num = (block: string, key: string) => {
        const v = new RegExp(`^${key}:\\s+(\\S+)`, "m").exec(block)![1];
        return v === "n/a" ? undefined : Number(v);
      };
      assert.equal(ch.rx_max, num(max, "RX"));
      assert.equal(ch.tx_max, num(max, "TX"));
      assert.equal(ch.rx_count, num(cur, "RX"));
      assert.equal(ch.combined_count, num(cur, "Combined"));
      await et.setChannels("v0", { rx_count: 2, tx_count: 2 });
      assert.equal(num((await ethtool(ns, "-l", "v0")).split("Current")[1], "RX"), 2);
      await ethtool(ns, "-L", "v0", "rx", "1");
      assert.equal((await et.getChannels("v0")).rx_count, 1);
      // By index too.
      const index = Number((await ipCmd(ns, "-o", "link", "show", "v0")).split(":")[0]);
      assert.deepEqual(await et.getChannels(index), await et.getChannels("v0"));

      // Link modes, info and state against `ethtool v0`.
      const settings = await ethtool(ns, "v0");
      const modes = await et.getLinkModes("v0");
      assert.match(settings, new RegExp(`Speed: ${modes.speed}Mb/s`));
      assert.match(settings, new RegExp(`Duplex: ${modes.duplex === 1 ? "Full" : "Half"}`));
      assert.match(settings, new RegExp(`Auto-negotiation: ${modes.autoneg ? "on" : "off"}`));
      const info = await et.getLinkInfo("v0");
      assert.match(settings, new RegExp(`PHYAD: ${info.phyaddr}`));
      const state = await et.getLinkState("v0");
      assert.match(settings, new RegExp(`Link detected: ${state.link ? "yes" : "no"}`));
      await ipCmd(ns, "link", "set", "v1", "up");
      assert.equal((await et.getLinkState("v0")).link, true);

      // Standard statistics groups against ethtool --json -S --all-groups.
      const [stats] = JSON.parse(await ethtool(ns, "--json", "-S", "v0", "--all-groups"));
      delete stats.ifname;
      const ours = await et.getStats("v0");
      assert.deepEqual(
        Object.fromEntries(Object.entries(ours).map(([k, g]) => [k, g.stats])),
        stats,
      );

      // Timestamping against ethtool -T.
      const ts = await et.getTsInfo("v0");
      const tsText = await ethtool(ns, "-T", "v0");
      const caps = /Capabilities:\n((?:\t.*\n)*)/.exec(tsText)![1].trim().split(/\s+/);
      assert.deepEqual(ts.timestamping, caps);

      // What veth does not do: the kernel's EOPNOTSUPP, as ethtool reports it.
      for (
        const [call, args] of [
          [() => et.getRings("v0"), ["-g", "v0"]],
          [() => et.getCoalesce("v0"), ["-c", "v0"]],
          [() => et.getPause("v0"), ["-a", "v0"]],
          [() => et.getEee("v0"), ["--show-eee", "v0"]],
          [() => et.getPrivFlags("v0"), ["--show-priv-flags", "v0"]],
          [() => et.setRings("v0", { rx: 256 }), ["-G", "v0", "rx", "256"]],
          [
            () => et.setLinkModes("v0", { speed: 1000, duplex: 1, autoneg: false }),
            ["-s", "v0", "speed", "1000", "duplex", "full", "autoneg", "off"],
          ],
        ] as const
      ) {
        await assert.rejects(call(), (e: NetlinkError) => {
          assert.ok(e instanceof NetlinkError);
          assert.equal(e.code, "EOPNOTSUPP");
          assert.match(e.message, /Operation not supported/);
          return true;
        });
        await assert.rejects(ethtool(ns, ...args), /Operation not supported/);
      }
      await assert.rejects(
        et.getChannels("nosuchdev"),
        (e: NetlinkError) => e.code === "ENODEV" && e.extack.msg === "no device matches name",
      );
    }, "ethtool"),
});

Deno.test({
  ...await gate("Ethtool monitor: changes ethtool makes arrive as notifications", "genl:ethtool"),
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      using et = new Ethtool({ netns: ns });
      using events = await et.monitor();
      // Subscribed already: these happen before the first next().
      await ethtool(ns, "-K", "v0", "tso", "off");
      await ethtool(ns, "-L", "v0", "rx", "2");
      const seen: EthtoolEvent[] = [];
      for await (const ev of events) {
        seen.push(ev);
        if (ev.type === "channels_ntf") break;
      }
      const feat = seen.find((e) => e.type === "features_ntf");
      assert.ok(feat, JSON.stringify(seen.map((e) => e.type)));
      assert.equal(feat.dev?.name, "v0");
      const ch = seen.find((e) => e.type === "channels_ntf")!;
      assert.equal(ch.message?.get("rx_count"), 2);
      assert.ok(events.closed);
    }, "ethmon"),
});
