/**
 * pyroute2's route scenarios (its test_route / test_ipr suites) in pyroute2's forms: multipath
 * `hops`, raw `attrs` lists, `oif` as a one-element list, named flags, `route("dump")`,
 * `get_default_routes`, `flush_routes`, 0.1.3's positional `route("add", prefix, mask, …)`.
 */

import assert from "node:assert/strict";
import type { IPRoute } from "../../mod.ts";

import { scenario, veth } from "./scenario.ts";

/** A veth up with 10.0.0.1/24 on it (pyroute2's tests route via such a link): its index. */
async function uplink(ip: IPRoute): Promise<number> {
  const [dev] = await veth(ip, "c0");
  await ip.link("set", { index: dev, state: "up" });
  await ip.link("set", { index: "c0p", state: "up" });
  await ip.addr("add", dev, { address: "10.0.0.1", mask: 24 });
  return dev;
}

await scenario("route add/del with dst and gateway, proto by name and number", [], async (ip) => {
  await uplink(ip);
  await ip.route("add", { dst: "172.20.0.0/24", gateway: "10.0.0.2", proto: "static" });
  await ip.route("del", { dst: "172.20.0.0/24", gateway: "10.0.0.2", proto: 4 });
  assert.equal((await ip.getRoutes({ dst: "172.20.0.0/24" })).length, 0);
  await ip.route("add", { dst: "172.20.0.0/24", gateway: "10.0.0.2", proto: "boot" });
  await ip.route("delete", { dst: "172.20.0.0/24", gateway: "10.0.0.2", proto: 3 });
});

await scenario(
  "oif as an iterable (one element), dst_len, get_routes(dst=address), get_attr('RTA_OIF')",
  [],
  async (ip) => {
    const dev = await uplink(ip);
    const spec = { dst: "172.20.0.0", dst_len: 24, oif: [dev] };
    await ip.route("add", spec);
    // As pyroute2 compares RTA_DST alone: the address finds the /24; a length narrows it.
    const rts = await ip.getRoutes({ family: 2, dst: "172.20.0.0" });
    const exact = await ip.getRoutes({ family: 2, dst: "172.20.0.0/24" });
    const host = await ip.getRoutes({ family: 2, dst: "172.20.0.0", dst_len: 32 });
    const other = await ip.getRoutes({ family: 2, dst: "172.20.0.1" });
    await ip.route("del", spec);
    assert.equal(rts.length, 1);
    assert.equal(rts[0].getAttr("RTA_OIF"), dev);
    assert.equal(rts[0].dst_len, 24);
    assert.equal(exact.length, 1);
    assert.equal(host.length, 0);
    assert.equal(other.length, 0);
  },
);

await scenario("get_routes(dst='127.0.0.1') and get_routes(dst='::1')", [], async (ip) => {
  await ip.link("set", { index: 1, state: "up" });
  assert.ok((await ip.getRoutes({ dst: "127.0.0.1", table: 255 })).length > 0);
  assert.ok((await ip.getRoutes({ dst: "::1", family: 10, table: 255 })).length > 0);
});

await scenario("get_default_routes(table=254)", [], async (ip) => {
  await uplink(ip);
  assert.equal((await ip.getDefaultRoutes({ table: 254 })).length, 0);
  await ip.route("add", { dst: "default", gateway: "10.0.0.2" });
  const rts = await ip.getDefaultRoutes({ table: 254 });
  assert.equal(rts.length, 1);
  assert.equal(rts[0].getAttr("RTA_GATEWAY"), "10.0.0.2");
  assert.equal((await ip.getDefaultRoutes({ family: 10 })).length, 0);
});

await scenario("multipath with raw attrs [['RTA_GATEWAY', gw]] and hops", [], async (ip) => {
  const dev = await uplink(ip);
  await ip.route("add", {
    dst: "172.20.0.0",
    mask: 24,
    multipath: [
      { hops: 20, oif: dev, attrs: [["RTA_GATEWAY", "10.0.0.2"]] },
      { hops: 30, oif: dev, attrs: [["RTA_GATEWAY", "10.0.0.3"]] },
    ],
  });
  const [r] = await ip.getRoutes({ dst: "172.20.0.0/24" });
  const hops = r.multipath ?? [];
  assert.deepEqual(hops.map((h) => [h.gateway, h.weight, h.hops]), [
    ["10.0.0.2", 21, 20],
    ["10.0.0.3", 31, 30],
  ]);
  await ip.route("del", { dst: "172.20.0.0", mask: 24 });
});

await scenario("multipath with gateway keys and hops", [], async (ip) => {
  const dev = await uplink(ip);
  await ip.route("add", {
    dst: "172.20.0.0/24",
    multipath: [{ hops: 20, oif: dev, gateway: "10.0.0.2" }, {
      hops: 30,
      oif: dev,
      gateway: "10.0.0.3",
    }],
  });
  const [r] = await ip.getRoutes({ dst: "172.20.0.0/24" });
  assert.deepEqual((r.multipath ?? []).map((h) => h.weight), [21, 31]);
  await ip.route("del", { dst: "172.20.0.0", mask: 24 });
});

await scenario("multipath with gateways only", [], async (ip) => {
  await uplink(ip);
  await ip.route("add", {
    dst: "172.20.0.0/24",
    multipath: [{ gateway: "10.0.0.2" }, { gateway: "10.0.0.3" }],
  });
  const [r] = await ip.getRoutes({ dst: "172.20.0.0/24" });
  assert.deepEqual((r.multipath ?? []).map((h) => h.gateway), ["10.0.0.2", "10.0.0.3"]);
  await ip.route("del", { dst: "172.20.0.0", mask: 24 });
});

await scenario("onlink as a number (RTNH_F_ONLINK) and as ['onlink']", [], async (ip) => {
  const dev = await uplink(ip);
  await ip.route("add", { dst: "172.20.0.0/24", gateway: "192.168.9.1", oif: dev, flags: 4 });
  await ip.route("add", {
    dst: "172.21.0.0/24",
    gateway: "192.168.9.1",
    oif: dev,
    flags: ["onlink"],
  });
  for (const dst of ["172.20.0.0/24", "172.21.0.0/24"]) {
    const [r] = await ip.getRoutes({ dst });
    assert.equal(r.flags & 4, 4);
  }
  await ip.route("del", { dst: "172.20.0.0/24" });
  await ip.route("del", { dst: "172.21.0.0/24" });
});

await scenario("onlink multipath with string and numeric flags", [], async (ip) => {
  const dev = await uplink(ip);
  await ip.route("add", {
    dst: "172.20.0.0/24",
    multipath: [
      { gateway: "192.168.9.1", oif: dev, flags: ["onlink"] },
      { gateway: "192.168.9.2", oif: dev, flags: 4 },
    ],
  });
  const [r] = await ip.getRoutes({ dst: "172.20.0.0/24" });
  assert.deepEqual((r.multipath ?? []).map((h) => (h.flags ?? 0) & 4), [4, 4]);
  await ip.route("del", { dst: "172.20.0.0", mask: 24 });
});

await scenario(
  "route('dump'/'show', dst=…) lists; route('get', dst) asks the kernel",
  [],
  async (ip) => {
    await uplink(ip);
    await ip.route("add", { dst: "172.20.0.0/24", gateway: "10.0.0.2" });
    assert.equal((await ip.route("dump", { dst: "172.20.0.0/24" })).length, 1);
    assert.equal((await ip.route("show", { table: 254, family: 2 })).length, 2);
    const [r] = await ip.route("get", { dst: "172.20.0.9" });
    assert.equal(r.getAttr("RTA_GATEWAY"), "10.0.0.2");
  },
);

await scenario(
  "raw attrs on a plain route: [['RTA_GATEWAY', gw], ['RTA_PRIORITY', n]]",
  [],
  async (ip) => {
    await uplink(ip);
    await ip.route("add", {
      dst: "172.20.0.0/24",
      attrs: [["RTA_GATEWAY", "10.0.0.2"], ["RTA_PRIORITY", 50]],
    });
    const [r] = await ip.getRoutes({ dst: "172.20.0.0/24" });
    assert.equal(r.getAttr("RTA_GATEWAY"), "10.0.0.2");
    assert.equal(r.getAttr("RTA_PRIORITY"), 50);
    await ip.route("del", { dst: "172.20.0.0/24", attrs: [["RTA_PRIORITY", 50]] });
    assert.equal((await ip.getRoutes({ dst: "172.20.0.0/24" })).length, 0);
  },
);

await scenario("route by kernel-name keys (RTA_DST, RTA_GATEWAY)", [], async (ip) => {
  await uplink(ip);
  await ip.route("add", { RTA_DST: "172.20.0.0", dst_len: 24, RTA_GATEWAY: "10.0.0.2" });
  assert.equal((await ip.getRoutes({ dst: "172.20.0.0/24" })).length, 1);
});

await scenario("0.1.3 positional: route('add', prefix, mask, {gateway, table})", [], async (ip) => {
  await uplink(ip);
  await ip.route("add", "172.20.0.0", 24, { gateway: "10.0.0.2", table: 100 });
  assert.equal((await ip.getRoutes({ table: 100, dst: "172.20.0.0/24" })).length, 1);
  await ip.route("delete", "172.20.0.0", 24, { table: 100 });
  assert.equal((await ip.getRoutes({ table: 100 })).length, 0);
});

await scenario("flush_routes(table=…) and flush_routes with a callable filter", [], async (ip) => {
  await uplink(ip);
  for (let i = 0; i < 5; i++) {
    await ip.route("add", { dst: `172.20.${i}.0/24`, gateway: "10.0.0.2", table: 100 });
  }
  await ip.route("add", { dst: "172.21.0.0/24", gateway: "10.0.0.2", priority: 7 });
  await ip.route("add", { dst: "172.22.0.0/24", gateway: "10.0.0.2", priority: 8 });
  assert.equal(await ip.flushRoutes({ table: 100 }), 5);
  assert.equal((await ip.getRoutes({ table: 100 })).length, 0);
  assert.equal(await ip.flushRoutes({ priority: (p: number) => p === 7 }), 1);
  assert.equal((await ip.getRoutes({ dst: "172.22.0.0/24" })).length, 1);
});

await scenario("route table by number above 255 and get_routes(table=…)", [], async (ip) => {
  await uplink(ip);
  await ip.route("add", { dst: "172.20.0.0/24", gateway: "10.0.0.2", table: 5000 });
  const [r] = await ip.getRoutes({ table: 5000 });
  assert.equal(r.getAttr("RTA_TABLE"), 5000);
});

await scenario("route types by name: unreachable, blackhole, prohibit", [], async (ip) => {
  await ip.route("add", { dst: "172.20.0.0/24", type: "unreachable" });
  await ip.route("add", { dst: "172.21.0.0/24", type: "blackhole" });
  await ip.route("add", { dst: "172.22.0.0/24", type: "prohibit" });
  const types = (await ip.getRoutes({ family: 2, table: 254 })).map((r) => r.type);
  assert.deepEqual(types, [7, 6, 8]);
});

await scenario("IPv6 route add with gateway and metrics", [], async (ip) => {
  const dev = await uplink(ip);
  await ip.addr("add", dev, { address: "2001:db8::1", mask: 64, flags: ["nodad"] });
  await ip.route("add", { dst: "2001:db8:1::/64", gateway: "2001:db8::2", metrics: { mtu: 1300 } });
  const [r] = await ip.getRoutes({ family: 10, dst: "2001:db8:1::/64" });
  assert.equal(r.getNested("RTA_METRICS", "RTAX_MTU"), 1300);
});
