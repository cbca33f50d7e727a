/**
 * IPDB over several namespaces (MultiIPDB): lookups by namespace, attach/detach, a veth across
 * two namespaces seen from both ends, namespaces created and removed while it is open, close()
 * leaving nothing open, and bad input. Every test works in namespaces it creates and removes.
 */

import assert from "node:assert/strict";
import { IPDB, IPDBClosedError, IPRoute, MultiIPDB, netns } from "../../mod.ts";
import type { MultiIPDBChange } from "../../mod.ts";
import { ipCmd, isRoot, nsName, withNetns } from "../helpers.ts";

const ignore = !isRoot;

/** Runs `fn` with `n` fresh namespaces, all removed afterwards (those still there). */
async function withNamespaces<T>(n: number, fn: (names: string[]) => Promise<T>): Promise<T> {
  const names = Array.from({ length: n }, () => nsName("multi"));
  try {
    for (const name of names) netns.create(name);
    return await fn(names);
  } finally {
    for (const name of names) if (netns.exists(name)) netns.remove(name);
  }
}

/** The next change satisfying `pred`; throws after `ms` (a deadline, not a timing assertion). */
async function next(
  sub: AsyncIterator<MultiIPDBChange>,
  pred: (c: MultiIPDBChange) => boolean,
  what: string,
  ms = 10000,
): Promise<MultiIPDBChange> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  try {
    for (;;) {
      const r = await Promise.race([sub.next(), late]);
      if (r.done) throw new Error(`the subscription ended before ${what}`);
      if (pred(r.value)) return r.value;
    }
  } finally {
    clearTimeout(timer);
  }
}

const netnsItem = (action: "add" | "remove", name: string) => (c: MultiIPDBChange) =>
  c.kind === "netns" && c.action === action && c.name === name;

/** Open descriptors of this process. */
function openFds(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}

Deno.test({
  name: "ipdb: netnsName names the namespace the database was opened in",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await using byName = await IPDB.open({ netns: ns, routes: false, rules: false });
      assert.equal(byName.netnsName, ns);
      await using byPath = await IPDB.open({
        netns: `/run/netns/${ns}`,
        routes: false,
        rules: false,
      });
      assert.equal(byPath.netnsName, ns);
      await using own = await IPDB.open({ routes: false, rules: false });
      assert.equal(own.netnsName, "");
      await using byPid = await IPDB.open({
        netns: { pid: Deno.pid },
        routes: false,
        rules: false,
      });
      assert.equal(byPid.netnsName, `/proc/${Deno.pid}/ns/net`);
    }, "mdb"),
});

Deno.test({
  name: "multi: open over three namespaces, ns() lookups, namespaceOf, databases(), errors",
  ignore,
  fn: () =>
    withNamespaces(3, async ([a, b, c]) => {
      for (const [i, ns] of [a, b, c].entries()) {
        await ipCmd(ns, "link", "add", `d${i}`, "type", "veth", "peer", "name", `e${i}`);
        await ipCmd(ns, "link", "set", `d${i}`, "up");
        await ipCmd(ns, "link", "set", `e${i}`, "up");
        await ipCmd(ns, "addr", "add", `10.${i}.0.1/24`, "dev", `d${i}`);
      }
      // The IPDB.open overload: an array of names gives a MultiIPDB.
      await using db = await IPDB.open({ netns: [c, a, b], watch: false });
      assert.ok(db instanceof MultiIPDB);
      assert.deepEqual(db.namespaces, [a, b, c].sort());
      for (const [i, ns] of [a, b, c].entries()) {
        const child = db.ns(ns);
        assert.ok(child instanceof IPDB);
        assert.equal(child.netnsName, ns);
        const d = child.interfaces[`d${i}`]!;
        assert.ok(d, `d${i} in ${ns}`);
        assert.equal(child.interfaces[`d${(i + 1) % 3}`], undefined);
        assert.ok(d.ipaddr.has(`10.${i}.0.1/24`));
        assert.equal(db.namespaceOf(d), ns);
        const route = child.routes[`10.${i}.0.0/24`]!;
        assert.ok(route, `10.${i}.0.0/24 in ${ns}`);
        assert.equal(db.namespaceOf(route), ns);
        // A pending object knows its namespace too.
        const pending = child.create({ ifname: "p0", kind: "veth", peer: "p1" });
        assert.equal(db.namespaceOf(pending), ns);
        pending.rollback();
      }
      const dbs = db.databases();
      assert.deepEqual([...dbs.keys()], [a, b, c].sort());
      assert.equal(dbs.get(b), db.ns(b));
      assert.ok(db.has(a));
      assert.ok(!db.has(`${a}x`));
      assert.throws(() => db.ns(`${a}x`), (e: Error) => {
        assert.ok(e instanceof RangeError);
        assert.match(e.message, /^name: no namespace .* in the database \(did you mean/);
        return true;
      });
      assert.throws(() => db.ns(5 as never), TypeError);
      assert.throws(() => db.ns("a/b"), /^TypeError: name:/);
      await db.close();
      await db.close(); // twice is harmless
      assert.ok(db.closed);
      assert.throws(() => db.ns(a), IPDBClosedError);
      assert.deepEqual(db.namespaces, []);
    }),
});

Deno.test({
  name: "multi: attach and detach, told by changes(), each change naming its namespace",
  ignore,
  fn: () =>
    withNamespaces(2, async ([a, b]) => {
      await using db = await MultiIPDB.open({ netns: [a], watch: false });
      using sub = db.changes();
      assert.deepEqual(db.namespaces, [a]);
      const child = await db.attach(b);
      assert.equal(child, db.ns(b));
      assert.equal(await db.attach(b), child, "attaching twice gives the same database");
      assert.deepEqual(db.namespaces, [a, b].sort());
      await next(sub, netnsItem("add", b), `the add of ${b}`);
      // A change in b comes with b's name.
      await ipCmd(b, "link", "add", "x0", "type", "veth", "peer", "name", "x1");
      const c = await next(
        sub,
        (c) => c.kind === "interface" && c.action === "add" && c.ifname === "x0",
        "x0's add",
      );
      assert.equal((c as { netns?: string }).netns, b);
      await db.detach(a);
      await next(sub, netnsItem("remove", a), `the remove of ${a}`);
      assert.deepEqual(db.namespaces, [b]);
      assert.throws(() => db.ns(a), RangeError);
      await assert.rejects(() => db.detach(a), (e: Error) => {
        assert.ok(e instanceof RangeError);
        assert.match(e.message, /^name: no namespace/);
        return true;
      });
      await assert.rejects(() => db.attach(`${a}-missing`), /does not exist/);
      assert.deepEqual(db.namespaces, [b]);
      assert.ok(netns.exists(a), "detach leaves the namespace itself");
    }),
});

Deno.test({
  name: "multi: a veth across two namespaces is one relation both ends see, kept as links move",
  ignore,
  fn: () =>
    withNamespaces(3, async ([a, b, c]) => {
      using ip = new IPRoute({ netns: a });
      await ip.link("add", { ifname: "va", kind: "veth", peer: { ifname: "vb", netns: b } });
      await ip.link("add", { ifname: "la", kind: "veth", peer: "lb" });
      await using db = await MultiIPDB.open({ netns: [a, b, c], watch: false });
      const va = db.ns(a).interfaces.va!;
      const vb = db.ns(b).interfaces.vb!;
      const fromA = await db.peer(va);
      assert.equal(fromA?.netns, b);
      assert.equal(fromA?.interface, vb);
      const fromB = await db.peer(vb);
      assert.equal(fromB?.netns, a);
      assert.equal(fromB?.interface, va);
      // A veth whose ends share a namespace, and a link without one.
      const la = db.ns(a).interfaces.la!;
      const local = await db.peer(la);
      assert.equal(local?.netns, a);
      assert.equal(local?.interface.ifname, "lb");
      assert.equal(await db.peer(db.ns(a).interfaces.lo!), undefined);
      // vb moves to c: both ends see the new relation.
      using ipB = new IPRoute({ netns: b });
      await ipB.link("set", { index: "vb", netns: c });
      const seen = await waitUntil(async () => {
        const p = await db.peer(va);
        return p?.netns === c ? p : undefined;
      }, "va's peer in c");
      assert.equal(seen.interface.ifname, "vb");
      // a's database reads va afresh by itself: its link_netnsid now names c.
      const [cId] = await ip.nsid("get", { netns: c });
      await waitUntil(
        () => Promise.resolve(va.get("link_netnsid") === cId.nsid ? true : undefined),
        "va's link_netnsid naming c",
      );
      const vc = db.ns(c).interfaces.vb!;
      assert.equal((await db.peer(vc))?.interface, va);
      assert.equal(db.namespaceOf(vc), c);
      // A macvlan moved away from the device it sits on: peer() finds that device.
      await ip.link("add", { ifname: "mv0", kind: "macvlan", link: "la", macvlan_mode: "bridge" });
      await ip.link("set", { index: "mv0", netns: b });
      const mv0 = await waitUntil(() => {
        db.ns(b).sync();
        return Promise.resolve(db.ns(b).interfaces.mv0);
      }, "mv0 in b");
      const lower = await db.peer(mv0);
      assert.equal(lower?.netns, a);
      assert.equal(lower?.interface, la);
      // The peer's namespace leaves the database: no peer to show.
      await db.detach(c);
      assert.equal(await db.peer(va), undefined);
      await assert.rejects(() => db.peer({} as never), /^TypeError: iface:/);
    }),
});

/** Calls `fn` until it gives a value; throws after `ms` (a deadline, not a timing assertion). */
async function waitUntil<T>(fn: () => Promise<T | undefined>, what: string, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test({
  name: "multi: a listed namespace removed while open disappears, and comes back when created",
  ignore,
  fn: () =>
    withNamespaces(2, async ([a, b]) => {
      await using db = await MultiIPDB.open({ netns: [a, b], routes: false, rules: false });
      using sub = db.changes();
      netns.remove(b);
      await next(sub, netnsItem("remove", b), `the remove of ${b}`);
      assert.deepEqual(db.namespaces, [a]);
      netns.create(b);
      await next(sub, netnsItem("add", b), `the add of ${b}`);
      assert.deepEqual(db.namespaces, [a, b].sort());
      assert.ok(db.ns(b).interfaces.lo);
      // The same name bound to another namespace at once (both events in one batch): the
      // database follows the new one.
      const before = db.ns(b);
      netns.remove(b);
      netns.create(b);
      await next(sub, netnsItem("remove", b), `the second remove of ${b}`);
      await next(sub, netnsItem("add", b), `the second add of ${b}`);
      assert.notEqual(db.ns(b), before);
      assert.ok(before.closed);
    }),
});

Deno.test({
  name:
    'multi: with netns "all", a namespace created while open appears and one removed disappears',
  ignore,
  fn: async () => {
    const name = nsName("multi-all");
    // routes and rules off: other tests' namespaces may be large, and only ours matters here.
    await using db = await MultiIPDB.open({ netns: "all", routes: false, rules: false });
    using sub = db.changes();
    try {
      netns.create(name);
      await next(sub, netnsItem("add", name), `the add of ${name}`);
      assert.ok(db.ns(name).interfaces.lo);
      netns.remove(name);
      await next(sub, netnsItem("remove", name), `the remove of ${name}`);
      assert.ok(!db.has(name));
    } finally {
      if (netns.exists(name)) netns.remove(name);
    }
  },
});

Deno.test({
  name: "multi: close() leaves no descriptor, timer or pending call",
  ignore,
  fn: () =>
    withNamespaces(2, async ([a, b]) => {
      const before = openFds();
      const db = await MultiIPDB.open({ netns: [a, b] });
      const sub = db.changes();
      const reading = sub.next();
      assert.ok(openFds() > before);
      await db.close();
      assert.deepEqual(await reading, { value: undefined, done: true });
      await db.close();
      assert.equal(openFds(), before);
      await assert.rejects(() => db.attach(a), IPDBClosedError);
      // Closed while opening: nothing stays open either.
      const opening = MultiIPDB.open({ netns: [a, b], watch: false });
      const db2 = await opening;
      await db2[Symbol.asyncDispose]();
      assert.equal(openFds(), before);
    }),
});

Deno.test({
  name: "multi: bad input is a TypeError or RangeError naming the field, before anything opens",
  ignore,
  fn: async () => {
    const before = openFds();
    const bad: [unknown, RegExp][] = [
      [{ netns: "one" }, /^TypeError: netns: expected an array of namespace names or "all"/],
      [{}, /^TypeError: netns: expected an array/],
      [{ netns: ["a", "a"] }, /^RangeError: netns\[1\]: "a" is listed twice/],
      [{ netns: ["a/b"] }, /^TypeError: netns\[0\]:/],
      [{ netns: [7] }, /^TypeError: netns\[0\]:/],
      [{ netns: [], watch: 1 }, /^TypeError: watch: expected true or false/],
      [{ netns: [], routes: "yes" }, /^TypeError: routes:/],
      [{ netns: [], timeout: -1 }, /^RangeError: timeout:/],
      [{ netns: [], rcvbuf: 0 }, /^RangeError: rcvbuf:/],
      [{ netns: [], onError: 1 }, /^TypeError: onError:/],
      [{ netns: [], bogus: 1 }, /^TypeError: bogus: unknown MultiIPDB option/],
      [null, /^TypeError: options:/],
    ];
    for (const [options, re] of bad) {
      await assert.rejects(() => MultiIPDB.open(options as never), (e: Error) => {
        assert.match(`${e.name}: ${e.message}`, re, JSON.stringify(options));
        return true;
      });
    }
    await assert.rejects(
      () => IPDB.open({ netns: ["a", "a"] }),
      /netns\[1\]: "a" is listed twice/,
    );
    assert.equal(openFds(), before);
    await using db = await MultiIPDB.open({ netns: [], watch: false });
    assert.throws(() => db.namespaceOf(1 as never), /^TypeError: obj:/);
    await assert.rejects(() => db.attach(".." as never), /^TypeError: name:/);
    await assert.rejects(() => db.detach(1 as never), /^TypeError: name:/);
    assert.throws(() => db.changes({ limit: 0 }), /^RangeError: limit:/);
  },
});

Deno.test({
  name: "ipdb: changes({ kinds }) gives only those kinds; refresh() checks its index",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await using db = await IPDB.open({ netns: ns });
      using links = db.changes({ kinds: ["interface"] });
      using all = db.changes();
      await ipCmd(ns, "link", "add", "k0", "type", "veth", "peer", "name", "k1");
      await ipCmd(ns, "addr", "add", "10.7.0.1/24", "dev", "k0");
      await ipCmd(ns, "link", "set", "k0", "up");
      // The filtered subscription reads up to a last interface change: no address on the way.
      await ipCmd(ns, "link", "set", "k1", "mtu", "1400");
      const kinds = new Set<string>();
      for await (const c of links) {
        kinds.add(c.kind);
        if (c.kind === "interface" && c.ifname === "k1" && c.message.mtu === 1400) break;
      }
      let addresses = 0;
      for await (const c of all) {
        if (c.kind === "address") addresses++;
        if (c.kind === "interface" && c.ifname === "k1" && c.message.mtu === 1400) break;
      }
      assert.ok(addresses > 0, "the unfiltered subscription saw the address");
      assert.deepEqual([...kinds], ["interface"]);
      assert.throws(() => db.changes({ kinds: ["link" as never] }), /^RangeError: kinds\[0\]/);
      assert.throws(() => db.changes({ kinds: "route" as never }), /^TypeError: kinds:/);
      await assert.rejects(() => db.refresh(0), /^RangeError: index:/);
      await db.refresh(db.interfaces.k0!.index); // reads it again; nothing changes
      assert.equal(db.interfaces.k0!.ifname, "k0");
    }, "kinds"),
});

Deno.test({
  name: "multi: changes({ kinds }) selects; subscriptions of other kinds get each change once",
  ignore,
  fn: () =>
    withNamespaces(2, async ([a, b]) => {
      await using db = await MultiIPDB.open({ netns: [a], watch: false });
      using links = db.changes({ kinds: ["interface"] });
      using spaces = db.changes({ kinds: ["netns"] });
      using all = db.changes(); // widens the namespaces' subscriptions: addresses, routes, rules
      await db.attach(b);
      await ipCmd(b, "link", "add", "k0", "type", "veth", "peer", "name", "k1");
      await ipCmd(b, "addr", "add", "10.6.0.1/24", "dev", "k0");
      await ipCmd(b, "link", "set", "k1", "mtu", "1400");
      const last = (c: MultiIPDBChange) =>
        c.kind === "interface" && c.ifname === "k1" && c.message.mtu === 1400;
      const seen = async (sub: AsyncIterable<MultiIPDBChange>) => {
        const out: string[] = [];
        for await (const c of sub) {
          out.push(
            c.kind === "netns" ? `netns ${c.action}` : `${c.kind} ${"action" in c ? c.action : ""}`,
          );
          if (last(c)) break;
        }
        return out;
      };
      const fromAll = await seen(all);
      const fromLinks = await seen(links);
      assert.ok(fromAll.includes("netns add") && fromAll.includes("address add"), `${fromAll}`);
      assert.ok(fromLinks.every((k) => k.startsWith("interface")), `${fromLinks}`);
      // Each interface change once in the unfiltered subscription, as in the filtered one.
      assert.deepEqual(fromAll.filter((k) => k.startsWith("interface")), fromLinks);
      const first = await next(spaces, () => true, "the add of b");
      assert.deepEqual(first, { kind: "netns", action: "add", name: b });
      assert.throws(() => db.changes({ kinds: ["links" as never] }), /^RangeError: kinds\[0\]/);
    }),
});

Deno.test({
  name: 'multi: "" is the process\'s own namespace (only read here)',
  ignore,
  fn: () =>
    withNamespaces(1, async ([a]) => {
      // Read-only: nothing is changed in the process's own (here: the initial) namespace.
      await using db = await MultiIPDB.open({ netns: ["", a], routes: false, rules: false });
      assert.deepEqual(db.namespaces, ["", a]);
      const own = db.ns("");
      assert.equal(own.netnsName, "");
      const lo = own.interfaces.lo!;
      assert.equal(db.namespaceOf(lo), "");
      assert.equal(await db.peer(lo), undefined);
      await db.detach("");
      assert.deepEqual(db.namespaces, [a]);
      await db.attach("");
      assert.ok(db.has(""));
    }),
});
