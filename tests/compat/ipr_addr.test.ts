/**
 * pyroute2's address scenarios (its test_addr / test_ipr suites) in pyroute2's forms, among them
 * 0.1.3's positional ones: `ip.addr("add", dev, address="10.0.0.1", mask=24)` →
 * `ip.addr("add", dev, { address: "10.0.0.1", mask: 24 })`.
 */

import assert from "node:assert/strict";
import { ifaddrmsg, NetlinkError } from "../../mod.ts";
import { scenario, veth } from "./scenario.ts";

await scenario("0.1.3 README: link set state, addr add dev {address, mask}", [], async (ip) => {
  await veth(ip, "c0");
  const [dev] = await ip.linkLookup({ ifname: "c0" });
  await ip.link("set", dev, { state: "down" });
  await ip.link("set", dev, { address: "00:11:22:33:44:55", ifname: "vpn" });
  await ip.addr("add", dev, { address: "10.0.0.1", mask: 24 });
  await ip.addr("add", dev, { address: "10.0.0.2", mask: 24 });
  await ip.link("set", dev, { state: "up" });
  const [l] = await ip.getLinks(dev);
  assert.equal(l.ifname, "vpn");
  assert.equal(l.address, "00:11:22:33:44:55");
  const addrs = (await ip.getAddr({ index: dev })).map((a) => a.getAttr("IFA_ADDRESS"));
  assert.deepEqual(addrs, ["10.0.0.1", "10.0.0.2"]);
});

await scenario("0.1.3 fully positional: addr('add', dev, '10.0.0.1', 24)", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.addr("add", dev, "10.0.0.1", 24);
  await ip.addr("delete", dev, "10.0.0.1", 24);
  assert.equal((await ip.getAddr({ index: dev, family: 2 })).length, 0);
});

await scenario("addr add twice on one index, get_addr filtered by index", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.addr("add", dev, { address: "172.16.0.1", mask: 24 });
  await ip.addr("add", dev, { address: "172.16.0.2", mask: 24 });
  const r = (await ip.getAddr()).filter((x) => x.index === dev);
  assert.equal(r.length, 2);
});

await scenario("addr replace twice", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.addr("replace", dev, { address: "172.16.0.1", mask: 24 });
  await ip.addr("replace", dev, { address: "172.16.0.1", mask: 24 });
  assert.equal((await ip.getAddr({ index: dev, family: 2 })).length, 1);
});

await scenario(
  "addr add with local and address (peer), IFA_LOCAL / IFA_ADDRESS",
  [],
  async (ip) => {
    const [dev] = await veth(ip, "c0");
    await ip.addr("add", dev, { address: "172.16.0.1", local: "172.16.0.2", mask: 24 });
    const [a] = await ip.getAddr({ index: dev });
    assert.equal(a.getAttr("IFA_ADDRESS"), "172.16.0.1");
    assert.equal(a.getAttr("IFA_LOCAL"), "172.16.0.2");
  },
);

await scenario("addr add with broadcast given, and broadcast=True computed", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.addr("add", dev, { address: "172.16.0.1", mask: 24, broadcast: "172.16.0.250" });
  await ip.addr("add", dev, { address: "172.16.1.1", mask: 24, broadcast: true });
  const brd = (await ip.getAddr({ index: dev })).map((a) => a.getAttr("IFA_BROADCAST"));
  assert.deepEqual(brd, ["172.16.0.250", "172.16.1.255"]);
});

await scenario("flush_addr(index=…)", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  for (const a of ["172.16.0.1", "172.16.0.2", "172.16.1.1", "172.16.1.2"]) {
    await ip.addr("add", dev, { address: a, mask: 24 });
  }
  assert.equal((await ip.getAddr({ index: dev, family: 2 })).length, 4);
  await ip.flushAddr({ index: dev });
  assert.equal((await ip.getAddr({ index: dev, family: 2 })).length, 0);
});

await scenario("get_addr filters: address, broadcast, match=lambda", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.addr("add", { index: dev, address: "172.16.0.1", mask: 24, broadcast: "172.16.0.255" });
  await ip.addr("add", { index: dev, address: "172.16.0.2", mask: 24, broadcast: "172.16.0.255" });
  assert.equal((await ip.getAddr({ index: dev })).length, 2);
  assert.equal((await ip.getAddr({ address: "172.16.0.1" })).length, 1);
  assert.equal((await ip.getAddr({ broadcast: "172.16.0.255" })).length, 2);
  assert.equal(
    (await ip.getAddr({ match: (x) => x.index === dev && x.getAttr("IFA_LOCAL") === "172.16.0.2" }))
      .length,
    1,
  );
});

await scenario("addr('dump'), addr('show'), addr('get') with keyword filters", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.addr("add", dev, { address: "172.16.0.1", mask: 24 });
  assert.equal((await ip.addr("dump", { index: dev, family: 2 })).length, 1);
  assert.equal((await ip.addr("show", { address: "172.16.0.1" })).length, 1);
  assert.equal((await ip.addr("get", { match: { prefixlen: 24, index: dev } })).length, 1);
});

await scenario("mass IPv6: get_addr(family) positional, delete by index", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  for (let i = 1; i <= 16; i++) {
    await ip.addr("add", dev, {
      address: `2001:db8::${i.toString(16)}`,
      mask: 64,
      flags: ["nodad"],
    });
  }
  const addrs = await ip.getAddr(10, { index: dev, scope: "universe" });
  assert.equal(addrs.length, 16);
  for (let i = 1; i <= 16; i++) {
    await ip.addr("delete", dev, { address: `2001:db8::${i.toString(16)}`, mask: 64 });
  }
  assert.equal((await ip.getAddr(10, { index: dev, scope: "universe" })).length, 0);
});

await scenario("address flags: flags2names / names2flags (ifaddrmsg)", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.addr("add", dev, { address: "2001:db8::1", mask: 64, flags: ["nodad"] });
  const [a] = await ip.getAddr({ index: dev, address: "2001:db8::1" });
  const flags = (a.getAttr("IFA_FLAGS") as number | undefined) ?? a.flags;
  assert.ok(ifaddrmsg.flags2names(flags).includes("IFA_F_NODAD"));
  assert.ok(ifaddrmsg.flags2names(flags).includes("IFA_F_PERMANENT"));
  assert.equal(ifaddrmsg.names2flags(["IFA_F_NODAD", "IFA_F_PERMANENT"]), 0x82);
});

await scenario("addr add with a label", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.addr("add", dev, { address: "172.16.0.1", mask: 24, label: "c0:1" });
  assert.equal((await ip.getAddr({ label: "c0:1" })).length, 1);
});

await scenario("addr given as 'address/mask' and index as an interface object", [], async (ip) => {
  await veth(ip, "c0");
  const [iface] = await ip.link("get", { ifname: "c0" });
  await ip.addr("add", iface, { address: "172.16.0.1/24" });
  const [a] = await ip.getAddr({ index: iface.index });
  assert.equal(a.prefixlen, 24);
});

await scenario("fail: no such device → NetlinkError code ENODEV, errno 19", [], async (ip) => {
  const last = Math.max(...(await ip.getLinks()).map((l) => l.index)) + 10;
  await assert.rejects(
    () => ip.addr("add", { index: last, address: "172.16.0.1", mask: 24 }),
    (e: unknown) => e instanceof NetlinkError && e.code === "ENODEV" && e.errno === 19,
  );
});

await scenario("fail: add an existing address → code EEXIST, errno 17", [], async (ip) => {
  const [dev] = await veth(ip, "c0");
  await ip.addr("add", dev, { address: "172.16.0.1", mask: 24 });
  await assert.rejects(
    () => ip.addr("add", dev, { address: "172.16.0.1", mask: 24 }),
    (e: unknown) => e instanceof NetlinkError && e.code === "EEXIST" && e.errno === 17,
  );
});

await scenario(
  "get_addr(family) positional (0.1.3), and get_addr(family, index=…)",
  [],
  async (ip) => {
    const [dev] = await veth(ip, "c0");
    await ip.addr("add", dev, { address: "172.16.0.1", mask: 24 });
    await ip.addr("add", dev, { address: "2001:db8::1", mask: 64, flags: ["nodad"] });
    // pyroute2: ip.get_addr(socket.AF_INET6) / ip.get_addr(family=2, index=dev)
    const v6 = await ip.getAddr(10);
    assert.ok(v6.every((a) => a.family === 10));
    assert.ok(v6.some((a) => a.getAttr("IFA_ADDRESS") === "2001:db8::1"));
    const v4 = await ip.getAddr(2, { index: dev });
    assert.deepEqual(v4.map((a) => a.getAttr("IFA_LOCAL")), ["172.16.0.1"]);
    await assert.rejects(() => ip.getAddr(2, { idnex: dev } as never), /idnex: unknown/);
  },
);
