/**
 * IPDB against the real kernel: the seed's walkthrough step by step, one commit of rename + MAC
 * + addresses + MTU, commits the kernel refuses half-way (the kernel must end exactly as
 * before), creation and removal, bridge ports, transactions. Each test works in a fresh
 * namespace and checks the result with `ip -j`.
 */

import assert from "node:assert/strict";
import { CommitError, IPDB, NetlinkError } from "../../mod.ts";
import { ipCmd, ipJson, isRoot, run, settle, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

const ignore = !isRoot;

async function veth(ns: string, a = "tap0", b = "tap1"): Promise<void> {
  await ipCmd(ns, "link", "add", a, "type", "veth", "peer", "name", b);
}

async function link(ns: string, name: string): Promise<Record<string, unknown>> {
  const [l] = await ipJson(ns, "link", "show", "dev", name);
  return l;
}

async function addrs(ns: string, name: string): Promise<string[]> {
  const [l] = await ipJson(ns, "addr", "show", "dev", name);
  return ((l?.addr_info ?? []) as { local: string; prefixlen: number }[]).map((a) =>
    `${a.local}/${a.prefixlen}`
  );
}

/** The exact text of `ip -j link show` and `ip -j addr show`. */
async function snapshot(ns: string): Promise<string> {
  return (await run("ip", ["-n", ns, "-j", "link", "show"])) +
    (await run("ip", ["-n", ns, "-j", "addr", "show"]));
}

Deno.test({
  name: "ipdb: the seed walkthrough, step by step, checked with ip -j",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await veth(ns);
      await using db = await IPDB.open({ netns: ns });

      // By name, by index, iterable.
      const tap0 = db.interfaces.tap0!;
      assert.ok(tap0);
      const index = tap0.index;
      assert.equal((await link(ns, "tap0")).ifindex, index);
      assert.equal(db.interfaces[index]!, tap0);
      assert.equal(db.interfaces["tap0"]!, tap0);
      assert.deepEqual(db.interfaces.keys().sort(), ["lo", "tap0", "tap1"]);
      assert.equal([...db.interfaces].length, 3);
      assert.equal(tap0.kind, "veth");
      assert.equal(tap0.peer, "tap1");
      assert.equal(tap0.mtu, 1500);
      const mac = (await link(ns, "tap0")).address as string;
      assert.equal(tap0.address, mac);

      // Writes are pending; reads show them; review in the seed's format.
      tap0.down();
      tap0.address = "00:11:22:33:44:55";
      tap0.ifname = "vpn";
      tap0.ipaddr.add(["10.0.0.1", 24]);
      tap0.ipaddr.add("10.0.0.2/24");
      assert.equal(tap0.ifname, "vpn");
      assert.equal(tap0.address, "00:11:22:33:44:55");
      assert.ok(tap0.ipaddr.has("10.0.0.1/24"));
      assert.deepEqual(tap0.review(), {
        attrs: { address: `${mac} -> 00:11:22:33:44:55`, ifname: "tap0 -> vpn" },
        ipaddr: ["+10.0.0.1/24", "+10.0.0.2/24"],
      });
      assert.equal((await link(ns, "tap0")).address, mac, "nothing reaches the kernel yet");

      // Rollback drops it without touching the kernel.
      tap0.rollback();
      assert.equal(tap0.ifname, "tap0");
      assert.deepEqual(tap0.review(), { attrs: {} });
      assert.equal((await link(ns, "tap0")).address, mac);
      assert.deepEqual(await addrs(ns, "tap0"), []);

      // The same again, committed.
      tap0.down();
      tap0.address = "00:11:22:33:44:55";
      tap0.ifname = "vpn";
      tap0.ipaddr.add(["10.0.0.1", 24]);
      tap0.ipaddr.add("10.0.0.2/24");
      await tap0.commit();
      const vpn = await link(ns, "vpn");
      assert.equal(vpn.ifindex, index);
      assert.equal(vpn.address, "00:11:22:33:44:55");
      assert.deepEqual(await addrs(ns, "vpn"), ["10.0.0.1/24", "10.0.0.2/24"]);
      assert.equal(db.interfaces.vpn!, tap0, "the same object under its new name");
      assert.equal(db.interfaces.tap0!, undefined);
      assert.deepEqual(tap0.review(), { attrs: {} });
      assert.deepEqual([...tap0.ipaddr], ["10.0.0.1/24", "10.0.0.2/24"]);
      assert.deepEqual(tap0.ipaddr.ipv4, ["10.0.0.1/24", "10.0.0.2/24"]);
      assert.deepEqual(tap0.ipaddr.ipv6, []);

      // The dict form.
      db.interfaces["vpn"]["txqlen"] = 500;
      await db.interfaces["vpn"]!.commit();
      assert.equal((await link(ns, "vpn")).txqlen, 500);

      // The context manager: commits when fn returns…
      await db.interfaces.vpn!.transaction((i) => {
        i.mtu = 1400;
      });
      assert.equal((await link(ns, "vpn")).mtu, 1400);
      // …and rolls back (kernel untouched) and rethrows when it throws.
      await assert.rejects(
        db.interfaces.vpn!.transaction((i) => {
          i.mtu = 1300;
          throw new Error("changed my mind");
        }),
        /changed my mind/,
      );
      assert.equal((await link(ns, "vpn")).mtu, 1400);
      assert.equal(db.interfaces.vpn!.mtu, 1400);
      assert.deepEqual(db.interfaces.vpn!.review(), { attrs: {} });

      // Rename then up.
      db.interfaces.vpn!.up();
      await db.interfaces.vpn!.commit();
      assert.ok(((await link(ns, "vpn")).flags as string[]).includes("UP"));
      assert.equal(db.interfaces.vpn!.state, "up");

      // Address removal.
      assert.equal(db.interfaces.vpn!.ipaddr.remove("10.0.0.2/24"), true);
      assert.equal(db.interfaces.vpn!.ipaddr.remove("10.9.9.9/24"), false);
      assert.deepEqual(db.interfaces.vpn!.review().ipaddr, ["-10.0.0.2/24"]);
      await db.interfaces.vpn!.commit();
      assert.deepEqual(await addrs(ns, "vpn"), ["10.0.0.1/24"]);
    }, "ipdb"),
});

Deno.test({
  name: "ipdb: rename + MAC + addresses + MTU in one commit",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await veth(ns);
      await ipCmd(ns, "link", "set", "tap0", "up");
      await using db = await IPDB.open({ netns: ns });
      const i = db.interfaces.tap0!;
      i.down();
      i.ifname = "wan0";
      i.address = "02:00:00:00:00:01";
      i.mtu = 9000;
      i.ipaddr.add("192.0.2.1/24").add(["2001:db8::1", 64]);
      i.up();
      await i.commit();
      const l = await link(ns, "wan0");
      assert.equal(l.address, "02:00:00:00:00:01");
      assert.equal(l.mtu, 9000);
      assert.ok((l.flags as string[]).includes("UP"));
      const a = await addrs(ns, "wan0");
      assert.ok(a.includes("192.0.2.1/24"));
      assert.ok(a.includes("2001:db8::1/64"));
      assert.equal(i.ifname, "wan0");
      assert.equal(i.mtu, 9000);
      assert.ok(i.ipaddr.ipv6.includes("2001:db8::1/64"));
    }, "ipdb"),
});

Deno.test({
  ...(await gate(
    "ipdb: a commit refused half-way leaves ip -j link/addr show identical to before",
    "link:bridge",
  )),
  fn: () =>
    withNetns(async (ns) => {
      await veth(ns);
      await ipCmd(ns, "addr", "add", "10.0.0.1/24", "dev", "tap0");
      await ipCmd(ns, "addr", "add", "10.0.0.2/24", "dev", "tap0");
      await using db = await IPDB.open({ netns: ns });
      const i = db.interfaces.tap0!;

      // 1. Rename and MTU are applied, then the kernel refuses a multicast MAC.
      let before = await snapshot(ns);
      i.ifname = "vpn";
      i.mtu = 1400;
      i.ipaddr.add("10.1.0.1/24");
      i.ipaddr.remove("10.0.0.2/24");
      i.address = "01:00:5e:00:00:01";
      let err = await i.commit().catch((e) => e);
      assert.ok(err instanceof CommitError, String(err));
      assert.ok(err.error instanceof NetlinkError);
      assert.equal((err.error as NetlinkError).code, "EADDRNOTAVAIL");
      assert.match(err.step ?? "", /address 01:00:5e:00:00:01/);
      assert.deepEqual(err.undone.length, 2, `undone: ${err.undone}`);
      assert.deepEqual(err.undoErrors, []);
      assert.equal(await snapshot(ns), before);
      // The changes stay pending, the state is the kernel's.
      assert.equal(i.ifname, "vpn");
      assert.equal(i.message?.ifname, "tap0");
      assert.equal(i.message?.mtu, 1500);
      i.rollback();

      // 2. Rename, MTU, MAC, an IPv4 address and an address removal are applied, then the
      //    kernel refuses an IPv6 address (IPv6 is off below an MTU of 1280).
      before = await snapshot(ns);
      i.ifname = "vpn";
      i.mtu = 1200;
      i.address = "02:00:00:00:00:02";
      i.ipaddr.remove("10.0.0.2/24");
      i.ipaddr.add("10.1.0.1/24");
      i.ipaddr.add("2001:db8::1/64");
      err = await i.commit().catch((e) => e);
      assert.ok(err instanceof CommitError, String(err));
      assert.ok(err.error instanceof NetlinkError, String(err.error));
      assert.equal(err.undone.length, 5, `undone: ${err.undone}`);
      assert.deepEqual(err.undoErrors, []);
      assert.equal(await snapshot(ns), before);
      i.rollback();

      // 3. A bridge: everything applied, then the last step (loopback as a port) is refused.
      //    (Up once before: the first up attaches the default qdisc, which nothing undoes.)
      await ipCmd(ns, "link", "add", "br0", "type", "bridge");
      await ipCmd(ns, "link", "set", "br0", "up");
      await ipCmd(ns, "link", "set", "br0", "down");
      db.sync();
      await waitFor(() => db.interfaces.br0! !== undefined);
      before = await snapshot(ns);
      const br = db.interfaces.br0!;
      br.mtu = 1400;
      br.up();
      br.ipaddr.add("10.2.0.1/24");
      br.addPort("tap1");
      br.addPort("lo");
      err = await br.commit().catch((e) => e);
      assert.ok(err instanceof CommitError, String(err));
      assert.match(err.step ?? "", /port add lo/);
      assert.deepEqual(err.undoErrors, []);
      assert.equal(await snapshot(ns), before);
    }, "ipdb"),
});

Deno.test({
  ...(await gate("ipdb: create (veth, bridge with ports and addresses), remove", "link:bridge")),
  fn: () =>
    withNetns(async (ns) => {
      await using db = await IPDB.open({ netns: ns });
      const v0 = db.create({ kind: "veth", ifname: "v0", peer: "v1" });
      v0.mtu = 1400;
      v0.ipaddr.add("10.3.0.1/24");
      v0.up();
      assert.deepEqual(v0.review(), {
        create: { kind: "veth", ifname: "v0", peer: "v1" },
        attrs: { mtu: "1400", state: "down -> up" },
        ipaddr: ["+10.3.0.1/24"],
      });
      assert.equal(db.interfaces.v0!, undefined, "pending until committed");
      await v0.commit();
      assert.ok(v0.index > 0);
      assert.equal(db.interfaces.v0!, v0);
      const l = await link(ns, "v0");
      assert.equal(l.mtu, 1400);
      assert.ok((l.flags as string[]).includes("UP"));
      assert.deepEqual(await addrs(ns, "v0"), ["10.3.0.1/24"]);
      assert.ok(db.interfaces.v1!);

      await db.transaction(() => {
        const br = db.create({ kind: "bridge", ifname: "br0" });
        br.addPort("v1");
        br.ipaddr.add("10.4.0.1/24");
        br.up();
      });
      assert.equal((await link(ns, "v1")).master, "br0");
      assert.deepEqual([...db.interfaces.br0!.ports], ["v1"]);
      assert.ok(db.interfaces.br0!.ports.has("v1"));
      assert.equal(db.interfaces.v1!.master, db.interfaces.br0!.index);

      db.interfaces.br0!.delPort("v1");
      assert.deepEqual(db.interfaces.br0!.review().ports, ["-v1"]);
      await db.interfaces.br0!.commit();
      assert.equal((await link(ns, "v1")).master, undefined);
      assert.equal(db.interfaces.br0!.ports.size, 0);

      // A failed creation leaves nothing behind.
      const bad = db.create({ kind: "veth", ifname: "v2", peer: "v3" });
      bad.ipaddr.add("10.5.0.1/24");
      bad.addPort;
      bad.mtu = 1400;
      bad.set("txqlen", 100);
      const bridge = db.interfaces.br0!;
      bridge.addPort("lo");
      const tx = db.begin();
      tx.add(bad).add(bridge);
      const err = await tx.commit().catch((e) => e);
      assert.ok(err instanceof CommitError, String(err));
      assert.equal((await ipJson(ns, "link", "show")).some((x) => x.ifname === "v2"), false);
      bridge.rollback();

      await db.interfaces.br0!.remove().commit();
      await v0.remove().commit();
      assert.deepEqual(
        (await ipJson(ns, "link", "show")).map((x) => x.ifname),
        ["lo"],
      );
      assert.deepEqual(db.interfaces.keys(), ["lo"]);
      assert.equal(v0.exists, false);
    }, "ipdb"),
});

Deno.test({
  name: "ipdb: bad input is a TypeError/RangeError naming the field, before anything is sent",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await veth(ns);
      await using db = await IPDB.open({ netns: ns });
      const i = db.interfaces.tap0!;
      assert.throws(() => (i.mtu = -1), RangeError);
      assert.throws(() => (i.ifname = "a/b"), /ifname/);
      assert.throws(() => (i.ifname = "x".repeat(16)), RangeError);
      assert.throws(() => (i.address = "zz"), /address/);
      assert.throws(() => i.ipaddr.add("10.0.0.1/33"), /ipaddr/);
      assert.throws(() => i.ipaddr.add(["10.0.0.1", 1.5]), /ipaddr/);
      assert.throws(() => i.set("operstate", 1), /operstate: read-only/);
      assert.throws(() => i.set("bogus", 1), /bogus: unknown link attribute/);
      assert.throws(() => i.addPort("tap1"), /only bridges and bonds have ports/);
      assert.throws(() => ((i as unknown as Record<string, unknown>).nonsense = 1), TypeError);
      assert.deepEqual(i.review(), { attrs: {} });
    }, "ipdb"),
});

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 2));
  }
}

Deno.test({
  ...(await gate(
    "ipdb: a tap (tun/tap ioctl) and a port whose master is created in the same transaction",
    "link:tuntap",
    "link:bridge",
  )),
  fn: () =>
    withNetns(async (ns) => {
      await using db = await IPDB.open({ netns: ns });
      await db.transaction(() => {
        // The port first: its master does not exist yet when it is created.
        const tap = db.create({ kind: "tuntap", mode: "tap", ifname: "tap0" });
        const br = db.create({ kind: "bridge", ifname: "br0" });
        tap.master = br;
        tap.up();
        br.up();
      });
      const l = await link(ns, "tap0");
      assert.equal(l.master, "br0");
      assert.equal(db.interfaces.tap0!.kind, "tun");
      assert.equal(db.interfaces.tap0!.master, db.interfaces.br0!.index);
      assert.deepEqual([...db.interfaces.br0!.ports], ["tap0"]);
      await db.transaction(() => {
        db.interfaces.tap0!.remove();
        db.interfaces.br0!.remove();
      });
      assert.deepEqual(db.interfaces.keys(), ["lo"]);
    }, "ipdb"),
});

/**
 * Every route of `ip -j FAMILY route show table all`, one per line, in a canonical order: routes
 * put back are put back, but the kernel lists routes of the same prefix (the ff00::/8 multicast
 * routes of two links) in the order they were added, which a link going down and up changes.
 */
async function routes(ns: string, family: string): Promise<string> {
  const text = await run("ip", ["-n", ns, "-j", family, "route", "show", "table", "all"]);
  const list = (text.trim() ? JSON.parse(text) : []) as unknown[];
  return list.map((r) => JSON.stringify(r)).sort().join("\n");
}

Deno.test({
  name: "ipdb: a refused commit after a down puts back what the kernel dropped (routes, IPv6)",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await veth(ns);
      // No link-local address: it would come back tentative (DAD), which is the kernel's doing.
      await ipCmd(ns, "link", "set", "tap0", "addrgenmode", "none");
      await ipCmd(ns, "link", "set", "tap1", "addrgenmode", "none");
      await ipCmd(ns, "link", "set", "tap0", "up");
      await ipCmd(ns, "link", "set", "tap1", "up");
      await ipCmd(ns, "addr", "add", "10.0.0.1/24", "dev", "tap0");
      await ipCmd(ns, "addr", "add", "10.0.0.2/24", "dev", "tap0");
      await ipCmd(ns, "addr", "add", "2001:db8::1/64", "dev", "tap0", "nodad");
      await ipCmd(ns, "route", "add", "10.5.0.0/16", "via", "10.0.0.254");
      await ipCmd(ns, "route", "add", "10.6.0.0/16", "via", "10.0.0.254", "table", "100");
      await ipCmd(ns, "route", "add", "2001:db8:5::/64", "via", "2001:db8::fe");
      const state = async () =>
        (await snapshot(ns)) + "\n" +
        (await routes(ns, "-4")) + "\n" +
        (await routes(ns, "-6"));
      // What the kernel does by itself after a link comes up (carrier, operstate, the routes'
      // "linkdown" flag, an IPv6 address's local route) lands later, on a busy machine much
      // later: states are compared once settled.
      await settle(ns);
      const before = await state();
      await using db = await IPDB.open({ netns: ns });
      const i = db.interfaces.tap0!;
      i.down();
      i.ifname = "vpn";
      i.ipaddr.remove("10.0.0.1/24"); // the primary: its secondary goes with it
      i.address = "01:00:5e:00:00:01"; // refused, after down and rename
      const err = await i.commit().catch((e) => e);
      assert.ok(err instanceof CommitError, String(err));
      assert.deepEqual(err.undoErrors, []);
      await settle(ns);
      assert.equal(await state(), before);
      assert.ok(db.routes["10.5.0.0/16"]);
      assert.ok(db.routes.tables[100]["10.6.0.0/16"]);
      i.rollback();

      // An MTU below 1280 (the kernel drops IPv6 from the link), the primary IPv4 address
      // removed (its secondary and the routes through it go too), then a refused IPv6 address.
      i.mtu = 1200;
      i.ipaddr.remove("10.0.0.1/24");
      i.ipaddr.add("2001:db8:9::1/64");
      const err2 = await i.commit().catch((e) => e);
      assert.ok(err2 instanceof CommitError, String(err2));
      assert.deepEqual(err2.undoErrors, []);
      assert.equal(err2.undone.length, 2, `undone: ${err2.undone}`);
      await settle(ns);
      assert.equal(await state(), before);
      i.rollback();
      assert.deepEqual([...i.ipaddr].sort(), (await addrs(ns, "tap0")).sort());
      assert.deepEqual(await db.verify(), []);
    }, "ipdb"),
});
