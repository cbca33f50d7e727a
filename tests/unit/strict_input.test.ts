/**
 * Nothing a caller writes is ignored (issue 13, issue 21 item 5): unknown keys of options and
 * filters, undefined filter values, empty flushes, extra positional arguments and names that
 * are not own keys of a table are TypeErrors naming the field; callable filter values and
 * `signal` are accepted. The connection's engine is replaced so that nothing can be sent: a
 * check that failed to throw shows up as "would send", never as a change.
 */

import assert from "node:assert/strict";
import { IPRoute, nameOf } from "../../mod.ts";
import { encodeMessage } from "../../netlink/encoder.ts";
import { messageViewClass } from "../../netlink/view.ts";
import { nearest } from "../../netlink/strict.ts";
import { LINK_MESSAGE, TC_MESSAGE } from "../../rtnl/schemas/mod.ts";
import type { Link, TcMessage } from "../../mod.ts";

/** An IPRoute whose engine refuses to send anything. */
function sealed(): IPRoute {
  const ip = new IPRoute();
  const refuse = () => {
    throw new Error("would send");
  };
  const e = ip.engine as unknown as Record<string, unknown>;
  for (const m of ["request", "dumpAll", "dump", "pipeline"]) e[m] = refuse;
  return ip;
}

function throwsMsg(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof TypeError, `${e.name}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

async function refuses(p: () => unknown, re: RegExp, type = TypeError): Promise<void> {
  await assert.rejects(async () => await p(), (e: Error) => {
    assert.ok(e instanceof type, `${e.name}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

Deno.test("strict filters: unknown keys, undefined values, match, signal", async (t) => {
  using ip = sealed();
  await t.step("an unknown key names itself and the nearest valid name", async () => {
    await refuses(() => ip.getRoutes({ tabel: 254 } as never), /^tabel: unknown .*"table"/);
    await refuses(() => ip.getRoutes({ dev: "v0" } as never), /^dev: unknown route filter key/);
    await refuses(() => ip.getAddr({ dev: "v0" } as never), /^dev: unknown address filter key/);
    await refuses(() => ip.getLinks({ ifnmae: "lo" } as never), /^ifnmae: .*"ifname"/);
    await refuses(() => ip.getRules({ prio: 1 } as never), /^prio: unknown rule filter key/);
    await refuses(() => ip.getNeighbours({ dev: 1 } as never), /^dev: unknown/);
    await refuses(() => ip.getNexthops({ gw: "1.2.3.4" } as never), /^gw: unknown/);
    await refuses(() => ip.getFdb({ mac: "00:11:22:33:44:55" } as never), /^mac: unknown/);
    await refuses(() => ip.getVlans({ vid: 1 } as never), /^vid: unknown/);
    await refuses(() => ip.getQdiscs({ dev: "v0" } as never), /^dev: unknown tc filter key/);
    await refuses(() => ip.getClasses({ classid: "1:1" } as never), /^classid: unknown/);
    await refuses(() => ip.getFilters({ pref: 1 } as never), /^pref: unknown/);
    await refuses(() => ip.linkLookup({ name: "lo" } as never), /^name: unknown/);
    throwsMsg(() => ip.iterRoutes({ tbl: 1 } as never), /^tbl: unknown/);
  });
  await t.step("a key whose value is undefined is refused, never 'no filter'", async () => {
    await refuses(() => ip.getRoutes({ oif: undefined }), /^oif: undefined/);
    await refuses(() => ip.getAddr({ index: undefined }), /^index: undefined/);
    await refuses(() => ip.getLinks({ kind: undefined }), /^kind: undefined/);
    await refuses(() => ip.getQdiscs({ index: undefined }), /^index: undefined/);
    await refuses(() => ip.getVlans({ ifindex: undefined }), /^ifindex: undefined/);
    await refuses(() => ip.getRoutes({ match: { table: undefined } }), /^match\.table: undefined/);
  });
  await t.step("match must be a function or an object; signal an AbortSignal", async () => {
    await refuses(() => ip.getAddr({ match: 3 } as never), /^match: expected a function/);
    await refuses(() => ip.getRoutes({ signal: "x" } as never), /^signal: expected an AbortSignal/);
  });
  await t.step("callable values, match and signal are accepted (the dump is reached)", async () => {
    const signal = new AbortController().signal;
    await refuses(() => ip.getRules({ priority: (p: number) => p > 100 }), /would send/, Error);
    await refuses(() => ip.getAddr({ match: (a) => a.prefixlen === 24 }), /would send/, Error);
    await refuses(() => ip.getNeighbours({ match: { dst: "10.0.0.1" } }), /would send/, Error);
    await refuses(() => ip.getRoutes({ table: 254, signal }), /would send/, Error);
    await refuses(() => ip.getLinks({ mtu: (m: number) => m > 0, signal }), /would send/, Error);
  });
});

Deno.test("flushes need a filter or { all: true }", async () => {
  using ip = sealed();
  await refuses(() => ip.flushRoutes({}), /^flushRoutes: an empty filter/);
  await refuses(() => (ip.flushRoutes as (f?: unknown) => Promise<number>)(), /^flushRoutes: /);
  await refuses(() => ip.flushAddr({}), /^flushAddr: an empty filter/);
  await refuses(() => ip.flushAddr({ signal: AbortSignal.timeout(1000) }), /an empty filter/);
  await refuses(() => ip.flushRoutes({ oif: undefined }), /^oif: undefined/);
  await refuses(() => ip.flushAddr({ index: undefined }), /^index: undefined/);
  await refuses(() => ip.flushRoutes({ all: true, table: 100 }), /^all: give either/);
  await refuses(() => ip.flushRoutes({ all: false } as never), /^all: expected true/);
  await refuses(() => ip.flushRoutes({ dev: "v0" } as never), /^dev: unknown/);
  await refuses(() => ip.flushRoutes({ all: true }), /would send/, Error);
  await refuses(() => ip.flushAddr({ index: 1 }), /would send/, Error);
});

Deno.test("options and specs: unknown keys, extra arguments, own-key names", async (t) => {
  await t.step("IPRoute options", () => {
    throwsMsg(() => new IPRoute({ netnss: "x" } as never), /^netnss: .*"netns"/);
    throwsMsg(() => new (IPRoute as new (...a: unknown[]) => IPRoute)({}, 1), /takes 1/);
  });
  using ip = sealed();
  await t.step("monitor and batch options", () => {
    throwsMsg(() => ip.monitor({ grups: ["link"] } as never), /^grups: .*"groups"/);
    throwsMsg(() => ip.monitor({ netns: "x" } as never), /^netns: unknown monitor option/);
    throwsMsg(() => ip.monitor({ groups: ["toString"] as never }), /^groups\[0\]: unknown/);
    throwsMsg(() => ip.monitor({ groups: ["__proto__"] as never }), /^groups\[0\]: unknown/);
    throwsMsg(() => ip.batch(() => {}, { windw: 1 } as never), /^windw: .*"window"/);
  });
  await t.step("extra positional arguments are refused", () => {
    const loose = ip as unknown as Record<string, (...a: unknown[]) => unknown>;
    throwsMsg(() => loose.getLinks({}, 1), /^getLinks: takes 1 argument, got 2/);
    throwsMsg(() => loose.route("add", { dst: "10.0.0.0/8" }, 1), /^route: takes 2/);
    throwsMsg(() => loose.tc("add", "htb", { index: 1 }, 0x10000), /^tc: takes 3/);
    throwsMsg(() => loose.flushRoutes({ all: true }, 1), /^flushRoutes: takes 1/);
  });
  await t.step("names are own keys of their tables", async () => {
    await refuses(
      () => ip.route("add", { dst: "10.0.0.0/8", oif: 1, proto: "toString" }),
      /^proto: unknown protocol "toString"/,
    );
    await refuses(
      () => ip.route("add", { dst: "10.0.0.0/8", oif: 1, table: "constructor" }),
      /^table: unknown table "constructor"/,
    );
    await refuses(
      () => ip.route("add", { dst: "10.0.0.0/8", oif: 1, scope: "hasOwnProperty" }),
      /^scope: unknown scope/,
    );
    await refuses(
      () => ip.neigh("add", { ifindex: 1, dst: "10.0.0.1", state: "valueOf" as never }),
      /^state: unknown neighbour state/,
    );
    await refuses(
      () => ip.link("add", { ifname: "m0", kind: "macvlan", link: 1, macvlan_mode: "toString" }),
      /^macvlan_mode: unknown value "toString"/,
    );
    await refuses(
      () => ip.link("set", { index: 1, operstate: "toString" }),
      /^operstate: unknown value "toString"/,
    );
  });
  await t.step("an unknown spec key names the nearest valid one", async () => {
    await refuses(
      () => ip.route("add", { dst: "10.0.0.0/8", gatway: "10.0.0.1" } as never),
      /^gatway: unknown route attribute \(did you mean "gateway"\?\)/,
    );
    await refuses(
      () => ip.link("set", { index: 1, mtuu: 1400 } as never),
      /^mtuu: unknown link attribute \(did you mean "mtu"\?\)/,
    );
    await refuses(
      () => ip.addr("add", { index: 1, address: "10.0.0.1/24", lable: "x" } as never),
      /^lable: unknown address attribute \(did you mean "label"\?\)/,
    );
  });
  await t.step("signal is a known key of every request", async () => {
    const signal = new AbortController().signal;
    await refuses(() => ip.route("del", { dst: "10.9.0.0/16", signal }), /would send/, Error);
    await refuses(() => ip.link("set", { index: 1, mtu: 1400, signal }), /would send/, Error);
    await refuses(() => ip.rule("del", { priority: 5, signal }), /would send/, Error);
    await refuses(
      () => ip.tc("add", "htb", { index: 1, handle: "1:", signal }),
      /would send/,
      Error,
    );
    await refuses(
      () => ip.route("del", { dst: "10.9.0.0/16", signal: 3 as never }),
      /^signal: expected an AbortSignal/,
    );
  });
});

Deno.test("nameOf: numbers the kernel sent, as names", () => {
  assert.equal(nameOf("proto", 3), "boot");
  assert.equal(nameOf("proto", 186), "bgp");
  assert.equal(nameOf("proto", 250), 250);
  assert.equal(nameOf("scope", 253), "link");
  assert.equal(nameOf("route_type", 1), "unicast");
  assert.equal(nameOf("table", 254), "main");
  assert.equal(nameOf("table", 255), "local");
  assert.equal(nameOf("family", 10), "inet6");
  assert.equal(nameOf("operstate", 6), "UP");
  assert.deepEqual(nameOf("link_flags", 0x1003), ["up", "broadcast", "multicast"]);
  assert.deepEqual(nameOf("nud", 0x82), ["reachable", "permanent"]);
  throwsMsg(() => nameOf("toString" as never, 1), /^kind: unknown name kind/);
});

Deno.test("nearest names", () => {
  assert.equal(nearest("tabel", ["table", "type"]), "table");
  assert.equal(nearest("MTU", ["mtu", "mtu_min"]), "mtu");
  assert.equal(nearest("zzzzzz", ["table", "type"]), undefined);
});

function linkView(): Link {
  const b = encodeMessage(LINK_MESSAGE, {
    type: 16,
    flags: 0,
    header: { index: 3, flags: 1 },
    attrs: { ifname: "v0", mtu: 1500, linkinfo: { info_kind: "veth" } },
  });
  const C = messageViewClass(LINK_MESSAGE);
  return new C(new DataView(b.buffer), b, 0, b.length) as unknown as Link;
}

Deno.test("views: get() answers every name a typed property answers", () => {
  const link = linkView();
  assert.equal(link.state, "up");
  assert.equal(link.get("state"), "up");
  assert.equal(link.get("kind"), "veth");
  assert.equal(link.get(["linkinfo", "kind"]), "veth");
  assert.equal(link.get(["linkinfo", "info_kind"]), "veth");
  assert.deepEqual(link.get("altnames"), []);
  assert.equal(link.get("no_such_name"), undefined);
  const b = encodeMessage(TC_MESSAGE, {
    type: 44,
    flags: 0,
    header: { index: 3, info: (7 << 16) | 0x0008 },
    attrs: { kind: "u32" },
  });
  const f = new (messageViewClass(TC_MESSAGE))(new DataView(b.buffer), b, 0, b.length);
  const tc = f as unknown as TcMessage;
  assert.equal(tc.prio, 7);
  assert.equal(tc.get("prio"), 7);
  assert.equal(tc.get("protocol"), 0x0800);
});

Deno.test("views print what toJSON() returns", () => {
  const text = Deno.inspect(linkView());
  assert.match(text, /ifname: "v0"/);
  assert.match(text, /mtu: 1500/);
  assert.doesNotMatch(text, /DataView|byteLength/);
  const nested = Deno.inspect(linkView().linkinfo);
  assert.match(nested, /info_kind: "veth"/);
});
