/**
 * Ethtool without a kernel: the requests of tests/golden/families/ethtool.json (what `ethtool`
 * 6.1 sent in a namespace with a veth pair) are what the Ethtool class sends for the same
 * command, and the kernel's captured answers decode to what ethtool printed, including its
 * refusals (EOPNOTSUPP for what veth lacks, ENODEV for a missing device). Bad input is refused
 * before anything is sent.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Ethtool, ethtoolFeatureLine, ethtoolHeader } from "../../ethtool/mod.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { captures, normalise, replayInto } from "./replay.ts";
import type { ReplayTransport } from "./replay.ts";

const CAP = captures("ethtool");

async function replay<T>(
  name: string,
  fn: (e: Ethtool) => Promise<T>,
): Promise<{ result?: T; error?: unknown; t: ReplayTransport }> {
  using e = new Ethtool();
  const t = replayInto(e.genl, CAP[name], true);
  try {
    return { result: await fn(e), t };
  } catch (error) {
    return { error, t };
  }
}

/**
 * The library's requests (but nlctrl's, and those ethtool did not make) equal ethtool's of the
 * same command; `count` of them were matched.
 */
function sameRequests(t: ReplayTransport, count: number): void {
  const ours = t.sent.filter((s) => s.ours[4] !== 0x10 && s.theirs.length > 0);
  assert.equal(ours.length, count, "requests sent");
  for (const s of ours) assert.equal(normalise(s.ours), normalise(s.theirs));
}

Deno.test("ethtool golden: get requests and their answers", async (t) => {
  await t.step("channels (ethtool -l)", async () => {
    const r = await replay("channels_get", (e) => e.getChannels("v0"));
    sameRequests(r.t, 1);
    assert.deepEqual(r.result, { rx_max: 2, tx_max: 2, rx_count: 1, tx_count: 1 });
    assert.match(CAP.channels_get.stdout, /Pre-set maximums:\nRX:\t\t2\nTX:\t\t2/);
  });
  await t.step("link info, modes and state (ethtool DEV)", async () => {
    const info = await replay("settings", (e) => e.getLinkInfo("v0"));
    const modes = await replay("settings", (e) => e.getLinkModes("v0"));
    const state = await replay("settings", (e) => e.getLinkState("v0"));
    for (const r of [info, modes, state]) sameRequests(r.t, 1);
    assert.equal(modes.result?.speed, 10000);
    assert.equal(modes.result?.duplex, 1);
    assert.match(CAP.settings.stdout, /Speed: 10000Mb\/s\n\tDuplex: Full/);
    assert.equal(typeof state.result?.link, "boolean");
    assert.match(
      CAP.settings.stdout,
      new RegExp(`Link detected: ${state.result?.link ? "yes" : "no"}`),
    );
    assert.equal(typeof info.result?.port, "number");
  });
  await t.step("timestamping (ethtool -T)", async () => {
    const r = await replay("tsinfo", (e) => e.getTsInfo("v0"));
    sameRequests(r.t, 1);
    for (const cap of r.result!.timestamping) {
      assert.ok(CAP.tsinfo.stdout.includes(`\t${cap}\n`), cap);
    }
    assert.ok(r.result!.timestamping.length >= 2);
    assert.equal(r.result!.phc_index, undefined);
  });
  await t.step("standard statistics, every group (ethtool -S --all-groups)", async () => {
    const r = await replay("stats_groups", (e) => e.getStats("v0"));
    // The stats-std string set, the request, and the names of each group's counters.
    sameRequests(r.t, 6);
    // veth reports every group, with no counters: ethtool --json prints them empty.
    const json = JSON.parse(CAP.stats_groups.stdout)[0];
    delete json.ifname;
    assert.deepEqual(Object.keys(r.result!), Object.keys(json));
    for (const g of Object.values(r.result!)) assert.deepEqual(g, { stats: {} });
  });
  await t.step("standard statistics, one group by name", async () => {
    const r = await replay("stats_groups_mac", (e) => e.getStats("v0", { groups: ["eth-mac"] }));
    sameRequests(r.t, 3);
    assert.deepEqual(r.result, { "eth-mac": { stats: {} } });
  });
});

Deno.test("ethtool golden: changes equal ethtool's requests", async (t) => {
  await t.step("channels (ethtool -L v0 rx 2 tx 2)", async () => {
    const r = await replay(
      "channels_set",
      (e) => e.setChannels("v0", { tx_count: 2, rx_count: 2 }),
    );
    assert.equal(r.error, undefined);
    sameRequests(r.t, 1);
  });
  await t.step("link modes (ethtool -s v0 speed 1000 duplex full autoneg off)", async () => {
    const r = await replay(
      "linkmodes_set",
      (e) => e.setLinkModes("v0", { autoneg: false, duplex: 1, speed: 1000 }),
    );
    sameRequests(r.t, 1);
    assert.ok(r.error instanceof NetlinkError && r.error.code === "EOPNOTSUPP");
  });
  await t.step("link info (ethtool -s v0 port tp mdix on)", async () => {
    const r = await replay(
      "linkinfo_set",
      (e) => e.setLinkInfo("v0", { tp_mdix_ctrl: 2, port: 0 }),
    );
    sameRequests(r.t, 1);
    assert.ok(r.error instanceof NetlinkError && r.error.code === "EOPNOTSUPP");
  });
  await t.step("features by legacy name (ethtool -K v0 tso off)", async () => {
    const r = await replay("features_set_tso_off", (e) => e.setFeatures("v0", { tso: false }));
    assert.equal(r.error, undefined);
    sameRequests(r.t, 2); // the features string set, then the change
    assert.deepEqual(r.result?.notApplied, {});
  });
  await t.step("features by kernel and long names (rx-gro-list on gro off)", async () => {
    const r = await replay(
      "features_set_gro_list",
      (e) => e.setFeatures("v0", { "rx-gro-list": true, "generic-receive-offload": false }),
    );
    sameRequests(r.t, 2);
  });
  await t.step("a fixed feature is reported not applied (ethtool -K v0 rx-lro on)", async () => {
    const r = await replay("features_set_fixed", (e) => e.setFeatures("v0", { "rx-lro": true }));
    sameRequests(r.t, 2);
    assert.deepEqual(r.result?.notApplied, { "rx-lro": true });
    // ethtool: "rx-lro: off [requested on]".
    assert.match(CAP.features_set_fixed.stdout, /rx-lro: off \[requested on\]/);
  });
});

Deno.test("ethtool golden: what veth lacks is the kernel's EOPNOTSUPP", async (t) => {
  const cases: [string, (e: Ethtool) => Promise<unknown>][] = [
    ["rings_get", (e) => e.getRings("v0")],
    ["rings_set", (e) => e.setRings("v0", { rx: 512 })],
    ["coalesce_get", (e) => e.getCoalesce("v0")],
    ["coalesce_set", (e) => e.setCoalesce("v0", { rx_usecs: 10, use_adaptive_rx: true })],
    ["pause_get", (e) => e.getPause("v0")],
    ["pause_set", (e) => e.setPause("v0", { rx: true, tx: false })],
    ["eee_get", (e) => e.getEee("v0")],
    ["eee_set", (e) => e.setEee("v0", { enabled: true, tx_lpi_timer: 100 })],
    ["privflags_get", (e) => e.getPrivFlags("v0")],
  ];
  for (const [name, call] of cases) {
    await t.step(name, async () => {
      const r = await replay(name, call);
      sameRequests(r.t, 1);
      assert.ok(r.error instanceof NetlinkError, String(r.error));
      assert.equal(r.error.code, "EOPNOTSUPP");
      assert.match(r.error.message, /Operation not supported/);
      assert.match(CAP[name].stderr, /Operation not supported/);
    });
  }
  await t.step(
    "a missing device: ENODEV with the kernel's text, naming the attribute",
    async () => {
      const r = await replay("nodev", (e) => e.getChannels("nosuchdev"));
      sameRequests(r.t, 1);
      assert.ok(r.error instanceof NetlinkError);
      assert.equal(r.error.code, "ENODEV");
      assert.equal(r.error.extack.msg, "no device matches name");
      assert.equal(r.error.extack.attribute, "ETHTOOL_A_HEADER_DEV_NAME");
    },
  );
});

Deno.test("ethtool: feature lines as ethtool -k prints them", () => {
  assert.equal(
    ethtoolFeatureLine({
      name: "rx-lro",
      indent: false,
      active: false,
      fixed: true,
      requested: false,
    }),
    "rx-lro: off [fixed]",
  );
  assert.equal(
    ethtoolFeatureLine({ name: "x", indent: true, active: false, fixed: false, requested: true }),
    "\tx: off [requested on]",
  );
  assert.equal(
    ethtoolFeatureLine({ name: "g", indent: false, active: true, fixed: null, requested: null }),
    "g: on",
  );
});

Deno.test("ethtool bad input: TypeError/RangeError naming the field, nothing sent", async (t) => {
  const cases: [string, (e: Ethtool) => Promise<unknown>, RegExp][] = [
    ["device index 0", (e) => e.getChannels(0), /^dev/],
    ["device name too long", (e) => e.getChannels("a-very-long-interface"), /^dev/],
    ["device of the wrong type", (e) => e.getChannels({} as string), /^dev/],
    ["unknown channels key", (e) => e.setChannels("v0", { rx: 2 } as never), /^rx: unknown/],
    ["channel count out of range", (e) => e.setChannels("v0", { rx_count: -1 }), /^rx_count/],
    ["a maximum is not settable", (e) => e.setChannels("v0", { rx_max: 4 } as never), /^rx_max/],
    ["pause switch not boolean", (e) => e.setPause("v0", { rx: 1 as unknown as boolean }), /^rx/],
    ["nothing to change", (e) => e.setCoalesce("v0", {}), /^coalesce/],
    ["undefined value", (e) => e.setRings("v0", { rx: undefined }), /^rx/],
    ["unknown feature", (e) => e.setFeatures("v0", { "tso-please": false }), /^tso-please/],
    ["feature value not boolean", (e) => e.setFeatures("v0", { tso: "off" as never }), /^tso/],
    ["unknown stats group", (e) => e.getStats("v0", { groups: ["eth-foo"] }), /^groups\[0\]/],
    ["unknown string set", (e) => e.getStringSet("colours"), /^set/],
    ["private flag not boolean", (e) => e.setPrivFlags("v0", { x: 1 as never }), /^x/],
  ];
  for (const [name, call, field] of cases) {
    await t.step(name, async () => {
      const r = await replay("features_set_tso_off", call);
      assert.ok(
        (r.error instanceof TypeError || r.error instanceof RangeError) &&
          field.test(r.error.message),
        String(r.error),
      );
      // Reading a string set to check names is allowed; no change request goes out.
      assert.equal(r.t.sent.filter((s) => s.ours[4] !== 0x10 && s.ours[16] !== 1).length, 0);
    });
  }
  assert.deepEqual(ethtoolHeader(3, 1), { dev_index: 3, flags: 1 });
});
