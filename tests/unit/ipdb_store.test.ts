/**
 * IPDB's state without a kernel: the compact route index (identities, replacement, IPv6 routes
 * per device, growth and deletion), address normalisation, the store's link and address maps.
 */

import assert from "node:assert/strict";
import { encodeMessage } from "../../netlink/encoder.ts";
import { messageViewClass } from "../../netlink/view.ts";
import { RTM } from "../../rtnl/constants.ts";
import type { Link } from "../../rtnl/link.ts";
import type { Route } from "../../rtnl/route.ts";
import { LINK_MESSAGE } from "../../rtnl/schemas/link.ts";
import { ROUTE_MESSAGE } from "../../rtnl/schemas/route.ts";
import { routeId, RouteIndex, routeKey, Store } from "../../ipdb/store.ts";
import { RouteScan, sameRoute } from "../../ipdb/keys.ts";
import { parseIp } from "../../netlink/addr.ts";
import { multipathOf } from "../../rtnl/route.ts";
import { normalizeAddress } from "../../ipdb/interface.ts";
import { keyOfSpec, normalizePrefix, routeSpecOf } from "../../ipdb/route.ts";

interface R {
  family?: number;
  dst?: string;
  len: number;
  table?: number;
  priority?: number;
  gateway?: string;
  oif?: number;
  flags?: number;
  nlflags?: number;
  tos?: number;
  type?: number;
  proto?: number;
  scope?: number;
  prefsrc?: string;
  nhId?: number;
  /** Next hops: [oif, gateway?, flags?] */
  hops?: [number, string?, number?][];
  mtu?: number;
}

const CREATE = 0x400, EXCL = 0x200, APPEND = 0x800, REPLACE = 0x100;

function hopBytes(family: number, hops: [number, string?, number?][]): Uint8Array {
  const parts: number[] = [];
  for (const [oif, gw, flags] of hops) {
    const g = gw ? parseIp(gw, "gw") : undefined;
    const len = 8 + (g ? 4 + g.length : 0);
    const b = new Uint8Array(len);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, len, true);
    b[2] = flags ?? 0;
    b[3] = 0;
    dv.setInt32(4, oif, true);
    if (g) {
      dv.setUint16(8, 4 + g.length, true);
      dv.setUint16(10, 5, true);
      b.set(g, 12);
    }
    parts.push(...b);
  }
  void family;
  return Uint8Array.from(parts);
}

function msg(r: R): { dv: DataView; u8: Uint8Array; off: number } {
  const family = r.family ?? 2;
  const attrs: Record<string, unknown> = {};
  if (r.dst) attrs.dst = r.dst;
  if (r.priority !== undefined) attrs.priority = r.priority;
  if (r.gateway) attrs.gateway = r.gateway;
  if (r.oif) attrs.oif = r.oif;
  if (r.prefsrc) attrs.prefsrc = r.prefsrc;
  if (r.nhId) attrs.nh_id = r.nhId;
  if (r.hops) attrs.multipath = hopBytes(family, r.hops);
  if (r.mtu) attrs.metrics = { mtu: r.mtu };
  const table = r.table ?? 254;
  if (table > 255) attrs.table = table;
  const u8 = encodeMessage(ROUTE_MESSAGE, {
    type: RTM.NEWROUTE,
    flags: r.nlflags ?? 0,
    header: {
      family,
      dst_len: r.len,
      table: table > 255 ? 252 : table,
      tos: r.tos ?? 0,
      proto: r.proto ?? 3,
      scope: r.scope ?? 0,
      type: r.type ?? 1,
      flags: r.flags ?? 0,
    },
    attrs,
  });
  return { dv: new DataView(u8.buffer, u8.byteOffset, u8.byteLength), u8, off: 0 };
}

function view(r: R): Route {
  const m = msg(r);
  return new (messageViewClass(ROUTE_MESSAGE))(m.dv, m.u8, 0, m.u8.length) as Route;
}

function put(ix: RouteIndex, r: R, dump = false) {
  const m = msg(r);
  return ix.put(m.dv, m.u8, m.off, dump);
}

function del(ix: RouteIndex, r: R) {
  const m = msg(r);
  return ix.remove(m.dv, m.u8, m.off);
}

Deno.test("ipdb route index: IPv4 groups, replace hits the group's first, lookup order", () => {
  const ix = new RouteIndex();
  const r = { dst: "10.1.0.0", len: 16, gateway: "10.0.0.2", oif: 3 };
  assert.equal(put(ix, { ...r, nlflags: CREATE | EXCL }), "add");
  // A dump or an event for the same route updates it.
  assert.equal(put(ix, r, true), "change");
  assert.equal(ix.size, 1);
  // `ip route replace` replaces the first route of the group.
  assert.equal(put(ix, { ...r, gateway: "10.0.0.3", nlflags: REPLACE }), "change");
  assert.equal(ix.size, 1);
  assert.equal(ix.lookup(254, "10.1.0.0/16")[0].gateway, "10.0.0.3");
  assert.equal(put(ix, { dst: "10.1.0.0", len: 16, gateway: "10.0.0.4", priority: 10 }), "add");
  assert.equal(put(ix, { dst: "10.1.0.0", len: 16, gateway: "10.0.0.9", priority: 5 }), "add");
  assert.deepEqual(ix.lookup(254, "10.1.0.0/16").map((v) => v.gateway), [
    "10.0.0.3",
    "10.0.0.9",
    "10.0.0.4",
  ]);
  // Another table, another prefix length, tos: other routes.
  assert.equal(put(ix, { dst: "10.1.0.0", len: 16, table: 100, oif: 3 }), "add");
  assert.equal(put(ix, { dst: "10.1.0.0", len: 24, oif: 3 }), "add");
  assert.equal(put(ix, { dst: "10.1.0.0", len: 16, tos: 4, oif: 3 }), "add");
  assert.equal(put(ix, { len: 0, gateway: "10.0.0.1" }), "add");
  assert.equal(ix.lookup(254, "0.0.0.0/0").length, 1);
  assert.equal(ix.size, 7);
  assert.deepEqual(ix.tableIds(), [100, 254]);
  assert.equal(ix.tableSize(100), 1);
  assert.equal([...ix.views(100)].length, 1);
  assert.deepEqual([...ix.prefixes(254)].sort(), ["0.0.0.0/0", "10.1.0.0/16", "10.1.0.0/24"]);
  // A table above 255 (RTA_TABLE).
  assert.equal(put(ix, { dst: "10.9.0.0", len: 16, table: 1000, oif: 3 }), "add");
  assert.equal(ix.lookup(1000, "10.9.0.0/16").length, 1);
  // Cloned (cache) routes are skipped.
  assert.equal(put(ix, { dst: "10.9.9.9", len: 32, flags: 0x200 }), undefined);
  // Removal: the kernel's RTM_DELROUTE describes the route completely.
  const gone = { dst: "10.1.0.0", len: 16, gateway: "10.0.0.4", priority: 10 };
  assert.equal(del(ix, { ...gone, gateway: "10.0.0.5" }), undefined);
  assert.equal(del(ix, gone), "remove");
  assert.equal(del(ix, gone), undefined);
  assert.deepEqual(ix.lookup(254, "10.1.0.0/16").map((v) => routeId(v).priority), [0, 0, 5]);
  assert.equal(ix.size, 7);
});

Deno.test("ipdb route index: IPv4 routes differing by device, append, prepend", () => {
  const ix = new RouteIndex();
  // Two addresses of one prefix on two links: two prefix routes (the kernel appends).
  const a = { dst: "10.0.0.0", len: 24, proto: 2, scope: 253, oif: 3, prefsrc: "10.0.0.1" };
  const b = { ...a, oif: 4, prefsrc: "10.0.0.2" };
  assert.equal(put(ix, { ...a, nlflags: CREATE | EXCL }), "add");
  assert.equal(put(ix, { ...b, nlflags: CREATE | APPEND }), "add");
  assert.equal(ix.lookup(254, "10.0.0.0/24").length, 2);
  assert.equal(del(ix, a), "remove");
  assert.deepEqual(ix.lookup(254, "10.0.0.0/24").map((v) => v.oif), [4]);
  // `ip route prepend` puts a route first; `replace` then replaces that one.
  const c = { dst: "10.0.0.0", len: 24, gateway: "10.0.0.5", oif: 4 };
  assert.equal(put(ix, { ...c, nlflags: CREATE }), "add");
  assert.equal(put(ix, { ...c, gateway: "10.0.0.6", nlflags: REPLACE }), "change");
  assert.deepEqual(ix.lookup(254, "10.0.0.0/24").map((v) => v.gateway ?? v.oif), [
    "10.0.0.6",
    4,
  ]);
  // Same next hop, other metrics: another route (another fib_info) for the kernel.
  assert.equal(put(ix, { ...b, mtu: 1400, nlflags: CREATE | APPEND }), "add");
  assert.equal(ix.size, 3);
  // What a nexthop object expands to is not part of the route; its id is.
  assert.equal(put(ix, { dst: "10.8.0.0", len: 16, nhId: 7, gateway: "10.0.0.2", oif: 3 }), "add");
  assert.equal(
    put(ix, { dst: "10.8.0.0", len: 16, nhId: 7, gateway: "10.0.0.9", oif: 4 }),
    "change",
  );
  assert.equal(ix.usingNexthop(7).length, 1);
  assert.equal(del(ix, { dst: "10.8.0.0", len: 16, nhId: 7, oif: 5, type: 6 }), "remove");
  // Next-hop state flags (dead, linkdown) change without events: not part of the identity.
  const m = { dst: "10.7.0.0", len: 16, hops: [[3, "10.0.0.2"], [4, "10.0.0.3"]] } as R;
  assert.equal(put(ix, m), "add");
  assert.equal(del(ix, { ...m, hops: [[3, "10.0.0.2", 0x11], [4, "10.0.0.3"]] }), "remove");
});

Deno.test("ipdb route index: IPv6 routes per device, multipath siblings join and leave", () => {
  const ix = new RouteIndex();
  const v6 = { family: 10, priority: 256 };
  assert.equal(put(ix, { ...v6, dst: "fe80::", len: 64, oif: 2 }), "add");
  assert.equal(put(ix, { ...v6, dst: "fe80::", len: 64, oif: 3 }), "add");
  assert.equal(ix.lookup(254, "fe80::/64").length, 2);
  assert.equal(del(ix, { ...v6, dst: "fe80::", len: 64, oif: 3 }), "remove");
  assert.equal(ix.lookup(254, "fe80::/64")[0].oif, 2);
  // A gateway route, then a sibling appended: the kernel reports the whole multipath route.
  const g = { family: 10, dst: "2001:db8::", len: 64, priority: 1024 };
  assert.equal(put(ix, { ...g, oif: 2, gateway: "fe80::1", nlflags: CREATE | EXCL }), "add");
  assert.equal(
    put(ix, { ...g, hops: [[2, "fe80::1"], [3, "fe80::2"]], nlflags: CREATE | APPEND }),
    "change",
  );
  assert.equal(ix.lookup(254, "2001:db8::/64").length, 1);
  assert.equal(multipathOf(ix.lookup(254, "2001:db8::/64")[0]).length, 2);
  // Deleting one sibling reports that hop alone: the route keeps the other, as a single path.
  assert.equal(del(ix, { ...g, oif: 3, gateway: "fe80::2" }), "change");
  const [left] = ix.lookup(254, "2001:db8::/64");
  assert.equal(left.oif, 2);
  assert.equal(left.gateway, "fe80::1");
  assert.equal(left.multipath, undefined);
  assert.equal(routeKey(left), routeKey(view({ ...g, oif: 2, gateway: "fe80::1" })));
  // A replace replaces the first route of the same kind.
  assert.equal(put(ix, { ...g, oif: 3, gateway: "fe80::7", nlflags: REPLACE }), "change");
  assert.equal(ix.lookup(254, "2001:db8::/64")[0].gateway, "fe80::7");
  assert.equal(ix.size, 2);
  assert.equal(del(ix, { ...g, oif: 3, gateway: "fe80::7" }), "remove");
  assert.equal(put(ix, { family: 10, len: 0, priority: 1024, oif: 2 }), "add");
  assert.equal(ix.lookup(254, "::/0").length, 1);
});

Deno.test("ipdb route keys: the text key is equal exactly when the index's comparison is", () => {
  // Every pair from a set of variations: the store's byte comparison and the text keys agree.
  const base = { dst: "10.1.0.0", len: 16 };
  const variants: R[] = [
    { ...base, oif: 3 },
    { ...base, oif: 4 },
    { ...base, oif: 3, gateway: "10.0.0.2" },
    { ...base, oif: 3, gateway: "10.0.0.3" },
    { ...base, oif: 3, proto: 4 },
    { ...base, oif: 3, scope: 253 },
    { ...base, oif: 3, type: 6 },
    { ...base, oif: 3, prefsrc: "10.0.0.1" },
    { ...base, oif: 3, mtu: 1400 },
    { ...base, oif: 3, flags: 0x10 }, // linkdown: state, not identity
    { ...base, oif: 3, flags: 0x04 }, // onlink: identity
    { ...base, oif: 3, priority: 5 },
    { ...base, oif: 3, tos: 8 },
    { ...base, nhId: 7 },
    { ...base, nhId: 7, oif: 9 },
    { ...base, nhId: 8 },
    { ...base, hops: [[3, "10.0.0.2"], [4, "10.0.0.3"]] },
    { ...base, hops: [[4, "10.0.0.3"], [3, "10.0.0.2"]] },
    { ...base, hops: [[3, "10.0.0.2", 1], [4, "10.0.0.3"]] },
    { family: 10, dst: "2001:db8::", len: 64, oif: 3 },
    { family: 10, dst: "2001:db8::", len: 64, oif: 3, proto: 9 },
    { family: 10, dst: "2001:db8::", len: 64, oif: 3, gateway: "fe80::1" },
    { family: 10, dst: "2001:db8::", len: 64, hops: [[3, "fe80::1"], [4, "fe80::2"]] },
    { family: 10, dst: "2001:db8::", len: 64, hops: [[4, "fe80::2"], [3, "fe80::1"]] },
  ];
  const x = new RouteScan(), y = new RouteScan();
  for (const a of variants) {
    for (const b of variants) {
      const ma = msg(a), mb = msg(b);
      const same = sameRoute(x.read(ma.dv, ma.u8, 0), y.read(mb.dv, mb.u8, 0));
      assert.equal(
        routeKey(view(a)) === routeKey(view(b)),
        same,
        `${JSON.stringify(a)} vs ${JSON.stringify(b)}`,
      );
    }
  }
});

Deno.test("ipdb route index: growth, deletion tombstones and reinsertion keep it exact", () => {
  const ix = new RouteIndex();
  const n = 20000;
  const addr = (i: number) => `20.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  for (let i = 0; i < n; i++) {
    assert.equal(put(ix, { dst: addr(i), len: 32, gateway: "1.1.1.1" }), "add");
  }
  assert.equal(ix.size, n);
  for (let i = 0; i < n; i += 2) {
    assert.equal(del(ix, { dst: addr(i), len: 32, gateway: "1.1.1.1" }), "remove");
  }
  assert.equal(ix.size, n / 2);
  for (let i = 0; i < n; i++) {
    assert.equal(ix.lookup(254, `${addr(i)}/32`).length, i % 2, addr(i));
  }
  for (let i = 0; i < n; i++) {
    assert.equal(put(ix, { dst: addr(i), len: 32, gateway: "1.1.1.1" }), i % 2 ? "change" : "add");
  }
  assert.equal(ix.size, n);
  assert.equal([...ix.views()].length, n);
  // deleteView removes only the message still stored.
  const [v] = ix.lookup(254, "20.0.0.7/32");
  put(ix, { dst: "20.0.0.7", len: 32, gateway: "1.1.1.1" });
  assert.equal(ix.deleteView(v), false);
  assert.equal(ix.deleteView(ix.lookup(254, "20.0.0.7/32")[0]), true);
  assert.equal(ix.size, n - 1);
  ix.clear();
  assert.equal(ix.size, 0);
  assert.deepEqual(ix.tableIds(), []);
});

Deno.test("ipdb route index: reserve, then puts, removes and table counts stay exact", () => {
  const ix = new RouteIndex();
  const n = 5000;
  const addr = (i: number) => `21.0.${(i >> 8) & 255}.${i & 255}`;
  put(ix, { dst: "9.9.9.9", len: 32, table: 7 });
  ix.reserve(n + 1);
  ix.reserve(10); // never shrinks
  // Tables alternate in runs (a dump lists a table's routes together; events interleave).
  const table = (i: number) => (i % 100 < 50 ? 254 : 1000);
  for (let i = 0; i < n; i++) {
    assert.equal(put(ix, { dst: addr(i), len: 32, table: table(i) }, true), "add");
  }
  assert.equal(ix.size, n + 1);
  assert.deepEqual(ix.tableIds(), [7, 254, 1000]);
  assert.equal(ix.tableSize(254) + ix.tableSize(1000), n);
  for (let i = 0; i < n; i++) {
    if (table(i) === 1000) del(ix, { dst: addr(i), len: 32, table: 1000 });
  }
  assert.deepEqual(ix.tableIds(), [7, 254]);
  assert.equal(ix.tableSize(1000), 0);
  assert.equal(del(ix, { dst: "9.9.9.9", len: 32, table: 7 }), "remove");
  assert.deepEqual(ix.tableIds(), [254]);
  // Counting starts afresh for a table that emptied.
  assert.equal(put(ix, { dst: addr(50), len: 32, table: 1000 }), "add");
  assert.equal(ix.tableSize(1000), 1);
  for (let i = 0; i < n; i++) {
    assert.equal(ix.lookup(table(i), `${addr(i)}/32`).length, table(i) === 254 || i === 50 ? 1 : 0);
  }
});

Deno.test("ipdb route index: routes through a device", () => {
  const ix = new RouteIndex();
  put(ix, { dst: "10.1.0.0", len: 16, oif: 3 });
  put(ix, { dst: "10.2.0.0", len: 16, oif: 4 });
  put(ix, { family: 10, dst: "2001:db8::", len: 64, oif: 3 });
  assert.deepEqual(ix.using(3, 2).map((v) => v.dst), ["10.1.0.0"]);
  assert.deepEqual(ix.using(3, 10).map((v) => v.dst), ["2001:db8::"]);
});

Deno.test("ipdb: route specs from messages and keys from specs", () => {
  const m = msg({ dst: "10.1.0.0", len: 16, gateway: "10.0.0.2", oif: 3, priority: 7 });
  const v = new (messageViewClass(ROUTE_MESSAGE))(m.dv, m.u8, 0, m.u8.length) as Route;
  assert.deepEqual(routeSpecOf(v), {
    dst: "10.1.0.0/16",
    table: 254,
    family: 2,
    proto: 3,
    scope: 0,
    type: 1,
    priority: 7,
    gateway: "10.0.0.2",
    oif: 3,
  });
  const ctx = { indexOf: (n: string) => (n === "v0" ? 3 : undefined) };
  assert.deepEqual(keyOfSpec({ dst: "10.1.0.0/16", gateway: "10.0.0.2" }, ctx), {
    family: 2,
    table: 254,
    prefix: "10.1.0.0/16",
    priority: 0,
    tos: 0,
    src: "",
  });
  const k6 = keyOfSpec({ dst: "2001:DB8::/64", oif: "v0", table: "main" }, ctx);
  assert.equal(k6.prefix, "2001:db8::/64");
  assert.equal(k6.priority, 1024);
  assert.equal(keyOfSpec({ dst: "default", gateway: "fe80::1" }, ctx).prefix, "::/0");
  assert.equal(keyOfSpec({ gateway: "10.0.0.1" }, ctx).prefix, "0.0.0.0/0");
  assert.throws(() => keyOfSpec({ dst: "10.0.0.0/33" }, ctx), RangeError);
  assert.throws(() => keyOfSpec({ dst: "10.0.0.0/8", oif: "nope" }, ctx), /oif/);
  assert.deepEqual(normalizePrefix("default"), { prefix: "0.0.0.0/0", family: 2 });
  assert.equal(normalizePrefix("10.0.0.1").prefix, "10.0.0.1/32");
});

Deno.test("ipdb: address inputs normalise to the kernel's text, bad ones name the field", () => {
  assert.equal(normalizeAddress("10.0.0.1/24"), "10.0.0.1/24");
  assert.equal(normalizeAddress(["10.0.0.1", 24]), "10.0.0.1/24");
  assert.equal(normalizeAddress("10.0.0.1"), "10.0.0.1/32");
  assert.equal(normalizeAddress("2001:DB8:0:0::1/64"), "2001:db8::1/64");
  assert.equal(normalizeAddress(["::ffff:10.0.0.1", 128]), "::ffff:10.0.0.1/128");
  assert.throws(() => normalizeAddress("10.0.0.1/33"), RangeError);
  assert.throws(() => normalizeAddress(["10.0.0.1/24", 24]), /ipaddr/);
  assert.throws(() => normalizeAddress(["10.0.0.1", 2.5]), /ipaddr: prefix length/);
  assert.throws(() => normalizeAddress("10.0.0.300/24"), /ipaddr/);
  assert.throws(() => normalizeAddress(42 as unknown as string), TypeError);
});

function linkMsg(type: number, index: number, ifname: string, family = 0): Link {
  const u8 = encodeMessage(LINK_MESSAGE, {
    type,
    flags: 0,
    header: { family, index, flags: 0, change: 0 },
    attrs: { ifname, mtu: 1500 },
  });
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  return new (messageViewClass(LINK_MESSAGE))(dv, u8, 0, u8.length) as Link;
}

Deno.test("ipdb store: links by index and name, renames, bridge port messages ignored", () => {
  const s = new Store();
  assert.equal(s.setLink(linkMsg(RTM.NEWLINK, 3, "v0")), "add");
  assert.equal(s.indexOf("v0"), 3);
  assert.equal(s.setLink(linkMsg(RTM.NEWLINK, 3, "lan0")), "change");
  assert.equal(s.indexOf("v0"), undefined);
  assert.equal(s.indexOf("lan0"), 3);
  // AF_BRIDGE messages (a port leaving its bridge) are not link state.
  assert.equal(s.deleteLink(linkMsg(RTM.DELLINK, 3, "lan0", 7)), undefined);
  assert.equal(s.links.size, 1);
  assert.equal(s.deleteLink(linkMsg(RTM.DELLINK, 3, "lan0")), "remove");
  assert.equal(s.links.size, 0);
  assert.equal(s.names.size, 0);
});
