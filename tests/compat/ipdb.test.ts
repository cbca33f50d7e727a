/**
 * pyroute2's IPDB scenarios (its 0.5.x test_ipdb suite and 0.1.3's README) in pyroute2's forms:
 * dict access, chained setters (`set_mtu` → `setMtu`), `add_ip`/`del_ip` with masks and
 * netmasks, `drop()`, `by_name`/`by_index`, `review()`, `routes.tables[n]`.
 */

import assert from "node:assert/strict";
import { IPDB, IPRoute } from "../../mod.ts";
import { ipJson, withNetns } from "../helpers.ts";
import { scenario, veth } from "./scenario.ts";

async function addrs(ns: string, name: string): Promise<string[]> {
  const [l] = await ipJson(ns, "addr", "show", "dev", name);
  return ((l?.addr_info ?? []) as { local: string; prefixlen: number }[])
    .map((a) => `${a.local}/${a.prefixlen}`);
}

await scenario(
  "0.1.3 README: down, dict-style address/ifname, ipaddr.add((a, 24)), commit, up",
  [],
  async (ip, ns) => {
    await veth(ip, "tap0");
    await using db = await IPDB.open({ netns: ns });
    const tap0 = db.interfaces.tap0!;
    tap0.down();
    tap0["address"] = "00:11:22:33:44:55";
    tap0["ifname"] = "vpn";
    tap0.ipaddr.add(["10.0.0.1", 24]);
    tap0.ipaddr.add(["10.0.0.2", 24]);
    await tap0.commit();
    await db.interfaces.vpn!.up().commit();
    const [l] = await ip.getLinks({ ifname: "vpn" });
    assert.equal(l.address, "00:11:22:33:44:55");
    assert.deepEqual((await addrs(ns, "vpn")).sort(), ["10.0.0.1/24", "10.0.0.2/24"]);
  },
);

await scenario(
  "chained setters: setMtu().setAddress().addIp(a, mask).commit()",
  [],
  async (ip, ns) => {
    await veth(ip, "c0");
    await using db = await IPDB.open({ netns: ns });
    await db.interfaces.c0!
      .setMtu(1280)
      .setAddress("02:00:00:00:00:07")
      .addIp("172.16.0.1", 24)
      .addIp("172.16.1.1/255.255.255.0")
      .addIp("2001:db8::1", "ffff:ffff:ffff:ffff::")
      .commit();
    const [l] = await ip.getLinks({ ifname: "c0" });
    assert.equal(l.mtu, 1280);
    assert.equal(l.address, "02:00:00:00:00:07");
    const got = await addrs(ns, "c0");
    for (const a of ["172.16.0.1/24", "172.16.1.1/24", "2001:db8::1/64"]) {
      assert.ok(
        got.includes(a),
        a,
      );
    }
    await db.interfaces.c0!.delIp("172.16.0.1", 24).delIp("172.16.1.1", "255.255.255.0").commit();
    assert.ok(!(await addrs(ns, "c0")).includes("172.16.0.1/24"));
  },
);

await scenario("drop() discards pending changes; review() shows them first", [], async (ip, ns) => {
  await veth(ip, "c0");
  await using db = await IPDB.open({ netns: ns });
  const c0 = db.interfaces.c0!;
  const mtu = c0.mtu;
  c0.setMtu(1300).addIp("172.16.0.1/24");
  assert.ok(JSON.stringify(c0.review()).includes("1300"));
  assert.equal(c0.drop(), c0);
  assert.equal(c0.hasChanges(), false);
  assert.equal(c0.mtu, mtu);
});

await scenario("by_name / by_index", [], async (ip, ns) => {
  const [a] = await veth(ip, "c0");
  await using db = await IPDB.open({ netns: ns });
  assert.equal(db.byName["c0"]!.index, a);
  assert.equal(db.byIndex[a]!.ifname, "c0");
  assert.equal(db.byName.c0!, db.byIndex[a]!);
});

await scenario(
  "ipaddr entries as [address, prefixlen] and 'a/p' forms; has()",
  [],
  async (ip, ns) => {
    await veth(ip, "c0");
    await using db = await IPDB.open({ netns: ns });
    await db.interfaces.c0!.addIp("172.16.0.1/24").commit();
    const c0 = db.interfaces.c0!;
    assert.ok(c0.ipaddr.has(["172.16.0.1", 24]));
    assert.ok(c0.ipaddr.has("172.16.0.1/24"));
    assert.ok(c0.ipaddr.has("172.16.0.1/255.255.255.0"));
  },
);

await scenario("add_port / del_port on a bridge, chained", ["link:bridge"], async (ip, ns) => {
  await ip.link("add", { ifname: "br0", kind: "bridge" });
  const [p] = await veth(ip, "c0");
  await using db = await IPDB.open({ netns: ns });
  await db.interfaces.br0!.addPort("c0").commit();
  assert.equal((await ip.getLinks(p))[0].master, db.interfaces.br0!.index);
  await db.interfaces.br0!.delPort(db.interfaces.c0!).commit();
  assert.equal((await ip.getLinks(p))[0].master, undefined);
});

await scenario("routes.tables[100] after a route added in table 100", [], async (ip, ns) => {
  const [dev] = await veth(ip, "c0");
  await ip.link("set", { index: dev, state: "up" });
  await ip.link("set", { index: "c0p", state: "up" });
  await ip.addr("add", dev, { address: "10.0.0.1", mask: 24 });
  await using db = await IPDB.open({ netns: ns });
  await db.routes.add({ dst: "172.20.0.0/24", gateway: "10.0.0.2", table: 100 }).commit();
  assert.ok(db.routes.tables[100]);
  assert.equal((await ip.getRoutes({ table: 100 })).length, 1);
});

await scenario("interfaces as dicts: get('mtu') / set('mtu') / transaction", [], async (ip, ns) => {
  await veth(ip, "c0");
  await using db = await IPDB.open({ netns: ns });
  await db.interfaces.c0!.transaction((i) => {
    i.set("mtu", 1400);
  });
  assert.equal(db.interfaces.c0!.get("mtu"), 1400);
  assert.equal((await ip.getLinks({ ifname: "c0" }))[0].mtu, 1400);
});

await scenario(
  "interfaces.add(kind, ifname) beside create, then commit",
  ["link:bridge"],
  async (ip, ns) => {
    await using db = await IPDB.open({ netns: ns });
    await db.interfaces.add({ kind: "bridge", ifname: "br0" }).commit();
    assert.equal((await ip.linkLookup({ ifname: "br0" })).length, 1);
    assert.equal(db.interfaces.br0!.kind, "bridge");
  },
);

await scenario("create with reuse takes the existing interface; without it, a clear error", [
  "link:bridge",
], async (ip, ns) => {
  await ip.link("add", { ifname: "br0", kind: "bridge" });
  const [index] = await ip.linkLookup({ ifname: "br0" });
  await using db = await IPDB.open({ netns: ns });
  const again = db.create({ kind: "bridge", ifname: "br0", reuse: true });
  assert.equal(again.index, index);
  assert.throws(() => db.create({ kind: "bridge", ifname: "br0" }), /br0.*exists.*reuse/);
});

await scenario(
  "wait_ip: true once the address shows, false after the timeout",
  [],
  async (ip, ns) => {
    const [dev] = await veth(ip, "c0");
    await using db = await IPDB.open({ netns: ns });
    const c0 = db.interfaces.c0!;
    assert.equal(await c0.waitIp("172.16.0.1", { timeout: 50 }), false);
    const seen = c0.waitIp("172.16.0.1/24", { timeout: 5000 });
    await ip.addr("add", dev, { address: "172.16.0.1", mask: 24 });
    assert.equal(await seen, true);
    assert.equal(await c0.waitIp("172.16.0.1"), true);
  },
);

await scenario(
  "add_ip(…, scope=254) / add_ip(…, broadcast=…) on created links; ipaddr[0] details",
  [],
  async (ip, ns) => {
    await using db = await IPDB.open({ netns: ns });
    // pyroute2: with ip.create(ifname=if1, kind='dummy') as i: i.add_ip('…/24', scope=254)
    await db.create({ ifname: "c1", kind: "veth", peer: "c1p" }).transaction((i) => {
      i.addIp("172.16.102.1/24", { scope: 254 });
    });
    await db.create({ ifname: "c2", kind: "veth", peer: "c2p" }).transaction((i) => {
      i.addIp("172.16.103.1", 24, { broadcast: "172.16.103.128" });
    });
    const [a1] = await ip.getAddr({ index: db.interfaces.c1!.index, family: 2 });
    assert.equal(a1.get("scope"), 254);
    assert.equal(a1.getAttr("IFA_BROADCAST"), undefined);
    assert.notEqual(db.interfaces.c1!.ipaddr.get(0)!.flags, undefined);
    assert.equal(db.interfaces.c1!.ipaddr.get(0)!.scope, 254);
    const [a2] = await ip.getAddr({ index: db.interfaces.c2!.index, family: 2 });
    assert.equal(a2.get("scope"), 0);
    assert.equal(a2.getAttr("IFA_BROADCAST"), "172.16.103.128");
    const d2 = db.interfaces.c2!.ipaddr.get(["172.16.103.1", 24])!;
    assert.equal(d2.broadcast, "172.16.103.128");
    assert.equal(d2.scope, 0);
    assert.equal(d2.pending, false);
    // Pending: what the commit will send; an unknown option is refused by name.
    const c1 = db.interfaces.c1!;
    c1.addIp("172.16.104.1/24", { scope: "link", broadcast: true });
    assert.deepEqual(
      { ...c1.ipaddr.get("172.16.104.1/24") },
      {
        address: "172.16.104.1",
        prefixlen: 24,
        family: 2,
        scope: 253,
        broadcast: true,
        pending: true,
      },
    );
    assert.throws(() => c1.addIp("172.16.105.1/24", { brd: "x" } as never), /brd: unknown/);
    assert.throws(() => c1.addIp("2001:db8::1/64", { broadcast: true }), /only IPv4/);
    assert.throws(() => c1.addIp("172.16.102.1/24", { scope: 0 }), /already on c1/);
    await c1.commit();
    const got = await ip.getAddr({ index: c1.index, address: "172.16.104.1" });
    assert.equal(got[0].get("scope"), 253);
    assert.equal(got[0].getAttr("IFA_BROADCAST"), "172.16.104.255");
  },
);

await scenario(
  "brport_* on a bridge port: i.brport_cost = 500, i.brport_unicast_flood = 0; rollback on failure",
  ["link:bridge"],
  async (ip, ns) => {
    await using db = await IPDB.open({ netns: ns });
    // pyroute2's test: create the port and the bridge, add_port, then set brport_* on the port.
    await db.create({ ifname: "ca", kind: "veth", peer: "cap" }).commit();
    await db.create({ ifname: "cb", kind: "bridge" }).commit();
    await db.interfaces.cb!.transaction((i) => {
      i.addPort("ca");
      i.up();
    });
    await db.interfaces.ca!.transaction((i) => {
      i.up();
      i.brport_unicast_flood = 0;
      i.brport_cost = 500;
    });
    const ca = db.interfaces.ca!;
    assert.equal(ca["brport_unicast_flood"], 0);
    assert.equal(ca["brport_cost"], 500);
    assert.equal(ca["master"], db.interfaces.cb!["index"]);
    const [j] = await ipJson(ns, "-d", "link", "show", "ca");
    const info = (j.linkinfo as { info_slave_data: Record<string, unknown> }).info_slave_data;
    assert.equal(info.cost, 500);
    assert.equal(info.flood, false);
    // Taken back when a later step of the commit fails; the kernel's value stays 500.
    ca.brport_cost = 700;
    ca.set("brport_priority", 7);
    ca.ipaddr.add("172.16.0.1/24");
    ca.ipaddr.add("172.16.0.2/24");
    // Someone else adds the second address first: the commit's add of it is refused.
    const [dev] = await ip.linkLookup({ ifname: "ca" });
    await ip.addr("add", { index: dev, address: "172.16.0.2/24" });
    await assert.rejects(() => ca.commit(), /EEXIST|exists/);
    const [k] = await ipJson(ns, "-d", "link", "show", "ca");
    const after = (k.linkinfo as { info_slave_data: Record<string, unknown> }).info_slave_data;
    assert.equal(after.cost, 500);
    assert.equal(after.priority, 32);
    ca.rollback();
    // Settings the kernel only reports, and ports that are not bridge ports, are refused.
    assert.throws(() => ca.set("brport_root_id", 1), /read-only/);
    assert.throws(() => ca.set("brport_cost", -1), RangeError);
    assert.throws(() => {
      db.interfaces.cap!.brport_cost = 5;
    }, /cap is not a bridge port/);
  },
);

await scenario(
  "net_ns_fd = ns on veth ends (test_global_netns): they leave this IPDB, appear in the other",
  [],
  async (_ip, ns) => {
    await withNetns(async (other) => {
      await using db = await IPDB.open({ netns: ns });
      await using nsdb = await IPDB.open({ netns: other });
      // pyroute2: v1 = ip.create(…); v2 = …; v1.net_ns_fd = ns; v2.net_ns_fd = ns; ip.commit()
      const tx = db.begin();
      const v1 = db.create({ ifname: "xca", kind: "veth", peer: "ca" });
      const v2 = db.create({ ifname: "xcb", kind: "veth", peer: "cb" });
      v1.net_ns_fd = other;
      v2.netns = other;
      await tx.commit();
      nsdb.sync(); // the other database's events are queued by now: apply them
      await nsdb.transaction(() => {
        nsdb.interfaces.xca!.ifname = "eth0";
        nsdb.interfaces.xcb!.ifname = "eth1";
      });
      await db.transaction(() => {
        db.interfaces.ca!.up();
        db.interfaces.cb!.up();
      });
      assert.ok(!("xca" in db.interfaces) && !("xcb" in db.interfaces));
      assert.ok("ca" in db.interfaces && "cb" in db.interfaces);
      assert.ok(db.interfaces.ca!.flags & 1);
      assert.ok(nsdb.interfaces.eth0 && nsdb.interfaces.eth1);
      assert.equal(v1.exists, false);
    }, "compat-other");
  },
);

await scenario(
  "net_ns_fd in a transaction whose later step fails: moved back, with its address and state",
  [],
  async (ip, ns) => {
    await withNetns(async (other) => {
      const [dev] = await veth(ip, "c0");
      await ip.link("set", { index: dev, state: "up" });
      await ip.addr("add", { index: dev, address: "172.16.7.1/24" });
      await using db = await IPDB.open({ netns: ns });
      const c0 = db.interfaces.c0!;
      await assert.rejects(
        () =>
          db.transaction(() => {
            c0.netns = other;
            // Refused by the kernel after the move (no route to the gateway).
            db.routes.add({ dst: "10.99.0.0/16", gateway: "192.0.2.1" });
          }),
        /unreachable|ENETUNREACH/i,
      );
      // The object stands for the link again, in this namespace, as it was.
      assert.equal(c0.exists, true);
      assert.equal(c0.ifname, "c0");
      assert.equal(c0.state, "up");
      assert.ok(c0.ipaddr.has("172.16.7.1/24"));
      assert.equal(db.interfaces.c0, c0);
      const [l] = await ip.getLinks({ ifname: "c0" });
      assert.ok(l.flags & 1);
      assert.equal((await ip.getAddr({ index: l.index, address: "172.16.7.1" })).length, 1);
      using there = new IPRoute({ netns: other });
      assert.equal((await there.linkLookup({ ifname: "c0" })).length, 0);
      assert.equal(db.routes.has("10.99.0.0/16"), false);
      // review() shows a pending move; bad input is refused when written.
      c0.net_ns_fd = other;
      assert.equal((c0.review().attrs as Record<string, string>).netns, `none -> ${other}`);
      c0.rollback();
      assert.throws(() => {
        c0.netns = "" as never;
      }, /netns: expected/);
      assert.throws(() => c0.set("net_ns_fd", -1), /netns: expected/);
    }, "compat-other");
  },
);

await scenario(
  "a route added but not committed shows in routes.tables[100] (ipdb_scope 'create'), then commits",
  [],
  async (ip, ns) => {
    const [dev] = await veth(ip, "c0");
    await ip.link("set", { index: dev, state: "up" });
    await ip.link("set", { index: "c0p", state: "up" });
    await ip.addr("add", dev, { address: "10.0.0.1", mask: 24 });
    await using db = await IPDB.open({ netns: ns });
    // pyroute2: ip.routes.add(dst=…, gateway='1.1.1.1', table=100); try: ip.commit() except …
    const r = db.routes.add({ dst: "172.18.0.0/24", gateway: "1.1.1.1", table: 100 });
    await assert.rejects(() => r.commit());
    assert.ok("172.18.0.0/24" in db.routes.tables[100]);
    assert.equal(db.routes.tables[100]["172.18.0.0/24"], r);
    assert.equal(db.routes.tables[100]["172.18.0.0/24"].pending, true);
    assert.equal(r.exists, false);
    assert.ok([...db.routes.tables[100]].includes(r));
    assert.ok([...db.routes].includes(r));
    // with ip.routes.tables[100]['172.18.0.0/24'] as r: r['gateway'] = '10.0.0.2'
    await db.routes.tables[100]["172.18.0.0/24"].transaction((x) => {
      x["gateway"] = "10.0.0.2";
    });
    assert.ok("172.18.0.0/24" in db.routes.tables[100]);
    assert.equal(db.routes.tables[100]["172.18.0.0/24"].pending, false);
    assert.equal((await ip.getRoutes({ table: 100, dst: "172.18.0.0/24" })).length, 1);
    // Main table: visible while pending, gone on rollback.
    const m = db.routes.add({ dst: "172.19.0.0/24", gateway: "10.0.0.2" });
    assert.ok("172.19.0.0/24" in db.routes);
    assert.equal(db.routes["172.19.0.0/24"], m);
    m.rollback();
    assert.ok(!("172.19.0.0/24" in db.routes));
    assert.equal(db.routes.get("172.19.0.0/24"), undefined);
    assert.ok(![...db.routes].includes(m));
  },
);
