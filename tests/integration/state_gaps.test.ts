/**
 * What snapshots used to drop silently: addresses with lifetimes, a prefix route metric or a
 * scope of their own are listed in `unmanaged` (and a plan with prune leaves them); bridge VLAN
 * filtering and the other kind data now kept are snapshotted, compared and applied (a down
 * bridge's too); kind data not kept but set is listed; u32 filters of htb classes are read; an
 * htb tree (classes in classes, a qdisc under a class) is made root down and pruned leaves first.
 */

import assert from "node:assert/strict";
import { IPDB } from "../../ipdb/db.ts";
import { apply, plan, snapshot } from "../../state/mod.ts";
import type { StateDocument } from "../../state/mod.ts";
import { ipCmd, run, withNetns } from "../helpers.ts";
import { liveTest } from "../features.ts";

const ipIn = (ns: string, line: string) => ipCmd(ns, ...line.split(" "));

Deno.test("state: addresses a document cannot hold are listed in unmanaged", async () => {
  await withNetns(async (ns) => {
    const ip = (line: string) => ipIn(ns, line);
    await ip("link add v0 type veth peer name v1");
    await ip("link set v0 up");
    await ip("addr add 10.0.0.1/24 dev v0 valid_lft 100 preferred_lft 50");
    await ip("addr add 2001:db8::1/64 dev v0 valid_lft 300 preferred_lft 200 nodad");
    await ip("addr add 10.0.1.1/24 dev v0 metric 5");
    await ip("addr add 10.0.2.1/24 dev v0 scope link");
    await ip("addr add 10.0.3.1/24 dev v0");
    await ip("addr add 127.0.0.2/8 dev v1");
    await using db = await IPDB.open({ netns: ns });
    const dbs = new Map([[ns, db]]);
    const mine = (await snapshot(dbs)).namespaces[ns];
    assert.deepStrictEqual(mine.addresses, [
      { dev: "v0", address: "10.0.3.1/24" },
      { dev: "v1", address: "127.0.0.2/8" },
    ]);
    const lifetimes = "not modelled: lifetimes (valid_lft/preferred_lft)";
    assert.deepStrictEqual(mine.unmanaged, [
      { kind: "addresses", dev: "v0", object: "address 10.0.0.1/24", reason: lifetimes },
      {
        kind: "addresses",
        dev: "v0",
        object: "address 10.0.1.1/24",
        reason: "not modelled: metric",
      },
      {
        kind: "addresses",
        dev: "v0",
        object: "address 10.0.2.1/24",
        reason: "not modelled: scope",
      },
      { kind: "addresses", dev: "v0", object: "address 2001:db8::1/64", reason: lifetimes },
    ]);
    // Prune removes only what the document can describe; the snapshot applies back unchanged.
    const p = await plan(dbs, { version: 1, namespaces: { [ns]: { addresses: [] } } }, {
      prune: true,
    });
    assert.deepStrictEqual(p.steps.map((s) => s.describe), [
      "- address 10.0.3.1/24 dev v0",
      "- address 127.0.0.2/8 dev v1",
    ]);
    assert.equal(p.unmanaged[ns]?.length, 4);
    const doc: StateDocument = { version: 1, namespaces: { [ns]: mine } };
    assert.ok((await plan(dbs, doc, { prune: true })).empty);
    // 127.0.0.2/8 made by apply gets the host scope `ip` gives it.
    await apply(dbs, { version: 1, namespaces: { [ns]: { addresses: [] } } }, { prune: true });
    await apply(dbs, doc);
    assert.deepStrictEqual((await snapshot(dbs)).namespaces[ns], mine);
  });
});

await liveTest(
  "state: bridge group_fwd_mask and mcast_querier (kind data now kept) round trip, the bridge down",
  ["link:bridge"],
  async () => {
    await withNetns(async (ns) => {
      // Left down: the kernel sends no event for its kind data changes (the plan reads it).
      await ipIn(ns, "link add br0 type bridge group_fwd_mask 8 mcast_querier 1");
      await using db = await IPDB.open({ netns: ns });
      const dbs = new Map([[ns, db]]);
      const br = (await snapshot(dbs)).namespaces[ns].links?.find((l) => l.ifname === "br0");
      assert.deepStrictEqual(br?.data, { br_group_fwd_mask: 8, br_mcast_querier: 1 });
      const want = (ifname: string, data: Record<string, number>): StateDocument => ({
        version: 1,
        namespaces: { [ns]: { links: [{ ifname, kind: "bridge", data }] } },
      });
      const p = await plan(dbs, want("br0", { br_group_fwd_mask: 0, br_mcast_querier: 1 }));
      assert.deepStrictEqual(p.steps.map((s) => s.describe), [
        "~ link br0: data.br_group_fwd_mask 8 -> 0",
      ]);
      await apply(dbs, want("br0", { br_group_fwd_mask: 0, br_mcast_querier: 0 }));
      await apply(dbs, want("br1", { br_group_fwd_mask: 8 }));
      const links = (await snapshot(dbs)).namespaces[ns].links;
      assert.equal(links?.find((l) => l.ifname === "br0")?.data, undefined);
      assert.deepStrictEqual(links?.find((l) => l.ifname === "br1")?.data, {
        br_group_fwd_mask: 8,
      });
    });
  },
);

await liveTest(
  "state: bridge VLAN filtering, its default PVID and protocol round trip",
  ["link:bridge", "bridge:vlan_filtering"],
  async () => {
    await withNetns(async (ns) => {
      await ipIn(
        ns,
        "link add br0 type bridge vlan_filtering 1 vlan_default_pvid 10 vlan_protocol 802.1ad",
      );
      await using db = await IPDB.open({ netns: ns });
      const dbs = new Map([[ns, db]]);
      const br = (await snapshot(dbs)).namespaces[ns].links?.find((l) => l.ifname === "br0");
      assert.deepStrictEqual(br?.data, {
        br_vlan_default_pvid: 10,
        br_vlan_filtering: 1,
        br_vlan_protocol: 0x88a8,
      });
      const want = (ifname: string, data: Record<string, number>): StateDocument => ({
        version: 1,
        namespaces: { [ns]: { links: [{ ifname, kind: "bridge", data }] } },
      });
      const p = await plan(dbs, want("br0", { br_vlan_filtering: 0, br_vlan_default_pvid: 1 }));
      assert.deepStrictEqual(p.steps.map((s) => s.describe), [
        "~ link br0: data.br_vlan_default_pvid 10 -> 1, data.br_vlan_filtering 1 -> 0",
      ]);
      await apply(dbs, want("br0", { br_vlan_filtering: 0, br_vlan_default_pvid: 1 }));
      await apply(dbs, want("br1", { br_vlan_filtering: 1, br_vlan_protocol: 0x88a8 }));
      const links = (await snapshot(dbs)).namespaces[ns].links;
      assert.deepStrictEqual(links?.find((l) => l.ifname === "br0")?.data, {
        br_vlan_protocol: 0x88a8,
      });
      assert.deepStrictEqual(links?.find((l) => l.ifname === "br1")?.data, {
        br_vlan_filtering: 1,
        br_vlan_protocol: 0x88a8,
      });
    });
  },
);

await liveTest(
  "state: u32 filters attached to htb classes are read, made and pruned",
  ["qdisc:htb", "filter:u32"],
  async () => {
    await withNetns(async (a) => {
      await withNetns(async (b) => {
        const tc = (line: string) => run("tc", ["-n", a, ...line.split(" ")]);
        await ipIn(a, "link add v0 type veth peer name v1");
        await ipIn(b, "link add v0 type veth peer name v1");
        await tc("qdisc add dev v0 root handle 1: htb");
        await tc("class add dev v0 parent 1: classid 1:a htb rate 10mbit");
        await tc("class add dev v0 parent 1:a classid 1:10 htb rate 1mbit");
        await tc(
          "filter add dev v0 parent 1: prio 1 protocol ip u32 match ip dst 10.0.0.0/8 classid 1:a",
        );
        await tc(
          "filter add dev v0 parent 1:a prio 2 protocol ip u32 match ip dst 10.1.0.0/16 classid 1:10",
        );
        await using da = await IPDB.open({ netns: a });
        await using db = await IPDB.open({ netns: b });
        const dbs = new Map([[a, da], [b, db]]);
        const mine = (await snapshot(new Map([[a, da]]))).namespaces[a];
        const filters = mine.tc?.filter((e) => e.object === "filter");
        assert.deepStrictEqual(filters?.map((f) => [f.parent, f.priority, f.options]), [
          ["1:", 1, { keys: ["0a000000/ff000000+16"], classid: "1:a" }],
          ["1:a", 2, { keys: ["0a010000/ffff0000+16"], classid: "1:10" }],
        ]);
        assert.equal(mine.unmanaged, undefined);
        // Into a fresh namespace (1:a made before 1:10, which sits in it): tc shows the class's
        // filter there too.
        await apply(dbs, { version: 1, namespaces: { [b]: { tc: mine.tc } } });
        const show = (ns: string) =>
          run("tc", ["-n", ns, "filter", "show", "dev", "v0", "parent", "1:a"]);
        assert.equal(await show(b), await show(a));
        assert.ok((await show(b)).includes("match 0a010000/ffff0000 at 16"));
        // Pruned: both filters go before the classes they classify into, a class before the
        // class it sits in (htb refuses to remove a class with children: EBUSY).
        const p = await plan(dbs, { version: 1, namespaces: { [b]: { tc: [] } } }, {
          prune: true,
        });
        assert.deepStrictEqual(
          p.steps.map((s) => s.describe.split(" ").slice(0, 9).join(" ")),
          [
            "- tc filter u32 800::800 dev v0 parent 1:",
            "- tc filter u32 801::800 dev v0 parent 1:a",
            "- tc class htb 1:10 dev v0 parent 1:a",
            "- tc class htb 1:a dev v0 parent 1:",
            "- tc qdisc htb 1: dev v0 parent root",
          ],
        );
        await apply(dbs, { version: 1, namespaces: { [b]: { tc: [] } } }, { prune: true });
        assert.equal(await show(b), "");
      }, "g2");
    }, "g1");
  },
);

await liveTest(
  "state: kind data not kept but set is listed in unmanaged; defaults are not",
  ["link:bridge", "link:vxlan", "link:macvlan"],
  async () => {
    await withNetns(async (ns) => {
      const ip = (line: string) => ipIn(ns, line);
      await ip("link add v0 type veth peer name v1");
      await ip("link add br0 type bridge");
      await ip("link add br1 type bridge mcast_router 2 mcast_hash_max 512");
      await ip("link add vx0 type vxlan id 5 dstport 4789");
      await ip("link add vx1 type vxlan id 6 dstport 4789 noudpcsum");
      await ip("link add mv0 link v0 type macvlan mode bridge");
      await ip("link add mv1 link v0 type macvlan mode bridge bcqueuelen 100");
      await using db = await IPDB.open({ netns: ns });
      const mine = (await snapshot(new Map([[ns, db]]))).namespaces[ns];
      const reason = (keys: string) => `kind data not kept differs from the default (${keys})`;
      assert.deepStrictEqual(mine.unmanaged, [
        {
          kind: "links",
          dev: "br1",
          object: "link br1 (bridge)",
          reason: reason("br_mcast_hash_max, br_mcast_router"),
        },
        {
          kind: "links",
          dev: "mv1",
          object: "link mv1 (macvlan)",
          reason: reason("macvlan_bc_queue_len"),
        },
        { kind: "links", dev: "vx1", object: "link vx1 (vxlan)", reason: reason("vxlan_udp_csum") },
      ]);
    });
  },
);

await liveTest(
  "state: an htb tree with a qdisc under a class is made root down and removed leaves first",
  ["qdisc:htb"],
  async () => {
    await withNetns(async (a) => {
      await withNetns(async (b) => {
        const tc = (line: string) => run("tc", ["-n", a, ...line.split(" ")]);
        await ipIn(a, "link add v0 type veth peer name v1");
        await ipIn(b, "link add v0 type veth peer name v1");
        await tc("qdisc add dev v0 root handle 1: htb");
        await tc("class add dev v0 parent 1: classid 1:10 htb rate 10mbit");
        await tc("qdisc add dev v0 parent 1:10 handle 2: htb");
        await tc("class add dev v0 parent 2: classid 2:1 htb rate 1mbit");
        await using da = await IPDB.open({ netns: a });
        await using db = await IPDB.open({ netns: b });
        const dbs = new Map([[a, da], [b, db]]);
        const mine = (await snapshot(new Map([[a, da]]))).namespaces[a];
        assert.deepStrictEqual(mine.tc?.map((e) => `${e.object} ${e.handle}`), [
          "qdisc 1:",
          "class 1:10",
          "qdisc 2:",
          "class 2:1",
        ]);
        await apply(dbs, { version: 1, namespaces: { [b]: { tc: mine.tc } } });
        const show = (ns: string) => run("tc", ["-n", ns, "class", "show", "dev", "v0"]);
        assert.equal(await show(b), await show(a));
        await apply(dbs, { version: 1, namespaces: { [b]: { tc: [] } } }, { prune: true });
        assert.equal(await show(b), "");
      }, "h2");
    }, "h1");
  },
);

await liveTest(
  "state: vxlan ageing, proxy, l2miss and l3miss are kept and made",
  ["link:vxlan"],
  async () => {
    await withNetns(async (a) => {
      await withNetns(async (b) => {
        await ipIn(a, "link add vx0 type vxlan id 5 dstport 4789 ageing 120 proxy l2miss l3miss");
        await using da = await IPDB.open({ netns: a });
        await using db = await IPDB.open({ netns: b });
        const vx = (await snapshot(new Map([[a, da]]))).namespaces[a].links?.find((l) =>
          l.ifname === "vx0"
        );
        assert.deepStrictEqual(vx?.data, {
          vxlan_ageing: 120,
          vxlan_id: 5,
          vxlan_l2miss: 1,
          vxlan_l3miss: 1,
          vxlan_port: 4789,
          vxlan_proxy: 1,
        });
        const dbs = new Map([[a, da], [b, db]]);
        await apply(dbs, { version: 1, namespaces: { [b]: { links: [vx!] } } });
        const made = (await snapshot(new Map([[b, db]]))).namespaces[b];
        assert.deepStrictEqual(made.links?.find((l) => l.ifname === "vx0")?.data, vx.data);
        assert.equal(made.unmanaged, undefined);
      }, "x2");
    }, "x1");
  },
);
