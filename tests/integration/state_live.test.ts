/**
 * The desired-state layer against the kernel, each test in namespaces it makes and removes:
 * round trips (apply(snapshot()) changes nothing; a snapshot applied to a fresh namespace gives
 * the same `ip -j` dumps), a seeded property test of random states with refused steps, the
 * automatic revert, and bad input refused before anything is sent.
 */

import assert from "node:assert/strict";
import { IPDB } from "../../ipdb/db.ts";
import { MultiIPDB } from "../../ipdb/multi.ts";
import { apply, ApplyError, plan, snapshot } from "../../state/mod.ts";
import type { LinkState, NamespaceState, StateDocument } from "../../state/mod.ts";
import { checkDocument } from "../../state/validate.ts";
import { ipCmd, ipJson, run, seeded, settle, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

type Json = Record<string, unknown>;

const assertEquals = (a: unknown, b: unknown, msg?: string) => assert.deepStrictEqual(a, b, msg);

/** The rejection of `fn`, checked to be a `cls` whose message includes `includes`. */
async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  cls?: new (...args: never[]) => E,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    if (cls) assert.ok(e instanceof cls, String(e));
    if (includes) assert.ok((e as Error).message.includes(includes), (e as Error).message);
    return e as E;
  }
  throw new assert.AssertionError({ message: "expected a rejection" });
}

async function openAll(...names: string[]): Promise<Map<string, IPDB>> {
  const dbs = new Map<string, IPDB>();
  for (const n of names) dbs.set(n, await IPDB.open({ netns: n }));
  return dbs;
}

async function closeAll(dbs: Map<string, IPDB>): Promise<void> {
  for (const db of dbs.values()) await db.close();
}

/** A namespace with a bit of everything the kernel here has. */
async function populate(ns: string, bridge: boolean): Promise<void> {
  const ip = (...a: string[]) => ipCmd(ns, ...a);
  await ip("link", "set", "lo", "up");
  await ip("link", "add", "v0", "mtu", "1400", "type", "veth", "peer", "name", "v1");
  await ip("link", "set", "v0", "up");
  await ip("link", "set", "v1", "up");
  if (bridge) {
    await ip("link", "add", "br0", "type", "bridge", "stp_state", "1");
    await ip("link", "set", "v1", "master", "br0");
    await ip("link", "set", "br0", "up");
  }
  await ip("addr", "add", "10.0.0.1/24", "dev", "v0");
  await ip("addr", "add", "10.0.1.1/24", "brd", "10.0.1.255", "dev", "v0", "label", "v0:1");
  await ip("addr", "add", "2001:db8::1/64", "dev", "v0", "nodad");
  await ip("addr", "add", "10.0.2.1/24", "dev", "v0", "noprefixroute");
  await ip("route", "add", "10.1.0.0/16", "via", "10.0.0.2");
  await ip("route", "add", "10.2.0.0/16", "dev", "v0", "metric", "5");
  await ip("route", "add", "blackhole", "10.3.0.0/16", "table", "100");
  await ip("route", "add", "2001:db8:1::/48", "via", "2001:db8::2");
  await ip("rule", "add", "priority", "100", "to", "10.3.0.0/16", "table", "100");
  await ip("rule", "add", "priority", "200", "fwmark", "7", "table", "100");
  await ip("-6", "rule", "add", "priority", "300", "from", "2001:db8::/32", "table", "100");
  await ip(
    "neigh",
    "add",
    "10.0.0.9",
    "lladdr",
    "00:11:22:33:44:55",
    "dev",
    "v0",
    "nud",
    "permanent",
  );
  await ip("nexthop", "add", "id", "7", "via", "10.0.0.3", "dev", "v0");
  await ip("nexthop", "add", "id", "8", "via", "10.0.0.4", "dev", "v0");
  await ip("nexthop", "add", "id", "10", "blackhole");
  await ip("nexthop", "add", "id", "9", "group", "7/8,3");
  await ip("route", "add", "10.4.0.0/16", "nhid", "9");
  await ip("tuntap", "add", "tap0", "mode", "tap");
  await ip("link", "add", "vx0", "type", "vxlan", "id", "42", "dstport", "4789", "dev", "v0");
  await ip("link", "add", "mv0", "link", "v0", "type", "macvlan", "mode", "bridge");
  const hop = (gw: string) => ["nexthop", "via", gw, "dev", "v0"];
  await ip("route", "add", "10.6.0.0/16", ...hop("10.0.0.5"), "weight", "3", ...hop("10.0.0.6"));
  await ip("-6", "route", "add", "2001:db8:5::/48", ...hop("2001:db8::3"), ...hop("2001:db8::2"));
  await ip("-6", "route", "append", "2001:db8:5::/48", "via", "2001:db8::4", "dev", "v0");
  if (bridge) {
    const bridgeCmd = ["-n", ns, "fdb", "add", "02:00:00:00:00:01", "dev", "v1", "master"];
    await run("bridge", [...bridgeCmd, "static"]);
    await run("tc", ["-n", ns, "qdisc", "add", "dev", "br0", "clsact"]);
  }
  const tc = (...a: string[]) => run("tc", ["-n", ns, ...a]);
  await tc("qdisc", "add", "dev", "v0", "root", "handle", "1:", "htb", "default", "10");
  const htb = ["class", "add", "dev", "v0", "parent", "1:", "classid"];
  await tc(...htb, "1:10", "htb", "rate", "10mbit", "ceil", "20mbit");
  await tc(...htb, "1:20", "htb", "rate", "5mbit", "prio", "2");
  await tc("qdisc", "add", "dev", "v0", "parent", "1:10", "handle", "10:", "pfifo", "limit", "50");
  await tc("qdisc", "add", "dev", "v1", "ingress");
  const u32 = ["filter", "add", "dev", "v0", "parent", "1:", "protocol", "ip", "prio", "1", "u32"];
  await tc(...u32, "match", "ip", "dst", "10.0.0.0/8", "flowid", "1:10");
  await tc(
    "qdisc",
    "add",
    "dev",
    "v1",
    "root",
    "handle",
    "5:",
    "tbf",
    "rate",
    "1mbit",
    "burst",
    "32kbit",
    "limit",
    "30000",
  );
}

/** `ip -j` dumps of a namespace with what differs between namespaces taken out (indexes,
 * counters, random link-local addresses, timers). */
async function dumps(ns: string): Promise<Json> {
  await settle(ns);
  const links = (await ipJson(ns, "-d", "link", "show")).map((l) => ({
    ifname: l.ifname,
    mtu: l.mtu,
    address: l.address,
    up: (l.flags as string[]).includes("UP"),
    master: l.master,
    link: l.link,
    kind: (l.linkinfo as Json | undefined)?.info_kind,
    stp: ((l.linkinfo as Json | undefined)?.info_data as Json | undefined)?.stp_state,
  })).sort((a, b) => String(a.ifname).localeCompare(String(b.ifname)));
  const addrs = (await ipJson(ns, "addr", "show")).map((l) => ({
    ifname: l.ifname,
    addrs: (l.addr_info as Json[]).filter((a) => !String(a.local).startsWith("fe80")).map((a) => ({
      family: a.family,
      local: a.local,
      prefixlen: a.prefixlen,
      broadcast: a.broadcast,
      label: a.label,
    })),
  })).sort((a, b) => String(a.ifname).localeCompare(String(b.ifname)));
  const routes = [
    ...await ipJson(ns, "-4", "route", "show", "table", "all"),
    ...await ipJson(ns, "-6", "route", "show", "table", "all"),
  ].filter((r) => !/^fe80::./.test(String(r.dst)))
    .map((r) => JSON.stringify(sixHopsSorted(r))).sort();
  const rules = [
    ...await ipJson(ns, "-4", "rule", "show"),
    ...await ipJson(ns, "-6", "rule", "show"),
  ];
  const sorted = (xs: Json[]) => xs.map((x) => JSON.stringify(x)).sort();
  const neighbours = sorted(await ipJson(ns, "neigh", "show", "nud", "permanent"));
  const nexthops = sorted(await ipJson(ns, "nexthop", "show"));
  const fdb = sorted(
    (JSON.parse(await run("bridge", ["-n", ns, "-j", "fdb", "show"])) as Json[])
      .filter((e) => e.state === "static"),
  );
  // htb's direct_packets_stat is a counter (packets sent before any class took them).
  const tcOf = (x: Json) =>
    JSON.stringify([x.dev, x.kind, x.handle, x.parent, {
      ...x.options as Json,
      direct_packets_stat: undefined,
    }]);
  const qdiscs = await run("tc", ["-n", ns, "-j", "qdisc", "show"]);
  const classes = await run("tc", ["-n", ns, "-j", "class", "show", "dev", "v0"]);
  const filters = await run("tc", ["-n", ns, "filter", "show", "dev", "v0", "parent", "1:"]);
  // tc 6.1 prints htb classes as text even with -j.
  const tc = [
    ...JSON.parse(qdiscs).map(tcOf),
    ...classes.trim().split("\n"),
    ...filters.trim().split("\n"),
  ]
    .sort();
  return { links, addrs, routes, rules, neighbours, nexthops, fdb, tc };
}

/** An IPv6 route's next hops in gateway order (the kernel lists siblings as they were added;
 * their order means nothing). */
function sixHopsSorted(r: Json): Json {
  if (!String(r.dst).includes(":") || !Array.isArray(r.nexthops)) return r;
  const hops = [...r.nexthops as Json[]].sort((a, b) =>
    String(a.gateway).localeCompare(String(b.gateway))
  );
  return { ...r, nexthops: hops };
}

/** The document's namespace renamed. */
function renamed(doc: StateDocument, from: string, to: string): StateDocument {
  return { version: 1, namespaces: { [to]: structuredClone(doc.namespaces[from]) } };
}

Deno.test({
  ...await gate(
    "state: round trip in the same namespace and into a fresh one",
    "link:bridge",
    "link:vxlan",
    "link:macvlan",
    "link:tuntap",
    "nexthop",
  ),
  fn: async () => {
    await withNetns(async (a) => {
      await withNetns(async (b) => {
        await populate(a, true);
        const dbs = await openAll(a, b);
        try {
          const snap = await snapshot(new Map([[a, dbs.get(a)!]]));
          const mine = snap.namespaces[a];
          assertEquals(mine.links!.map((l) => l.ifname), [
            "br0",
            "lo",
            "mv0",
            "tap0",
            "v0",
            "v1",
            "vx0",
          ]);
          const link = (n: string) => mine.links!.find((l) => l.ifname === n)!;
          assertEquals(link("tap0").data, { tun_type: 2 });
          assertEquals(link("vx0").data, { vxlan_id: 42, vxlan_link: "v0", vxlan_port: 4789 });
          assertEquals([link("mv0").parent, link("mv0").data], ["v0", { macvlan_mode: 4 }]);
          assertEquals(link("br0").data, { br_stp_state: 1 });
          assertEquals(mine.addresses!.length, 4);
          assertEquals(mine.addresses!.find((x) => x.address === "2001:db8::1/64")!.flags, [
            "nodad",
          ]);
          assertEquals(mine.addresses!.find((x) => x.address === "10.0.2.1/24")!.flags, [
            "noprefixroute",
          ]);
          assertEquals(mine.routes!.length, 7, JSON.stringify(mine.routes));
          assertEquals(mine.routes!.find((r) => r.dst === "2001:db8:5::/48"), {
            dst: "2001:db8:5::/48",
            multipath: ["2001:db8::2", "2001:db8::3", "2001:db8::4"].map((gateway) => ({
              gateway,
              dev: "v0",
            })),
          });
          assertEquals(mine.routes!.find((r) => r.dst === "10.6.0.0/16"), {
            dst: "10.6.0.0/16",
            multipath: [
              { gateway: "10.0.0.5", dev: "v0", weight: 3 },
              { gateway: "10.0.0.6", dev: "v0" },
            ],
          });
          assertEquals(mine.rules!.map((r) => r.priority), [100, 200, 300]);
          assertEquals(mine.neighbours, [{
            dev: "v0",
            dst: "10.0.0.9",
            lladdr: "00:11:22:33:44:55",
          }]);
          assertEquals(mine.nexthops, [
            { id: 7, gateway: "10.0.0.3", dev: "v0" },
            { id: 8, gateway: "10.0.0.4", dev: "v0" },
            { id: 9, group: [{ id: 7 }, { id: 8, weight: 3 }] },
            { id: 10, blackhole: true },
          ]);
          assertEquals(mine.fdb, [{ dev: "v1", lladdr: "02:00:00:00:00:01", master: "br0" }]);
          const tcq = (dev: string, kind: string, handle: string, parent: string) => ({
            object: "qdisc",
            dev,
            kind,
            handle,
            parent,
          });
          assertEquals(mine.tc, [
            tcq("br0", "clsact", "ffff:", "ingress"),
            { ...tcq("v0", "htb", "1:", "root"), options: { default: 16 } },
            {
              ...tcq("v1", "tbf", "5:", "root"),
              options: { rate: 1_000_000, burst: 4096, limit: 30000 },
            },
            tcq("v1", "ingress", "ffff:", "ingress"),
            {
              ...tcq("v0", "htb", "1:10", "1:"),
              object: "class",
              options: { rate: 10_000_000, ceil: 20_000_000 },
            },
            {
              ...tcq("v0", "htb", "1:20", "1:"),
              object: "class",
              options: { rate: 5_000_000, prio: 2 },
            },
            { ...tcq("v0", "pfifo", "10:", "1:10"), options: { limit: 50 } },
            {
              ...tcq("v0", "u32", "800::800", "1:"),
              object: "filter",
              priority: 1,
              protocol: "ip",
              options: { keys: ["0a000000/ff000000+16"], classid: "1:10" },
            },
          ]);
          // The same namespace: nothing to do, with and without prune.
          assert((await plan(dbs, snap)).empty);
          assert((await plan(dbs, snap, { prune: true })).empty);
          const same = await apply(dbs, snap, { prune: true });
          assert(same.plan.empty && same.confirmed);
          // A fresh namespace: the same dumps, modulo indexes.
          const p = await plan(dbs, renamed(snap, a, b));
          assert(p.steps.length > 10, p.toString());
          await apply(dbs, renamed(snap, a, b));
          assertEquals((await snapshot(new Map([[b, dbs.get(b)!]]))).namespaces[b], mine);
          const [da, db] = [await dumps(a), await dumps(b)];
          assertEquals(db, da);
          assertEquals((da.fdb as string[]).length, 1, "the static fdb entry is compared");
          // The thin methods of IPDB.
          assertEquals((await dbs.get(b)!.snapshot()).namespaces[b], mine);
          assert((await dbs.get(b)!.plan(renamed(snap, a, b), { prune: true })).empty);
          // Pruning every tc object: filters, then qdiscs under classes, classes, root qdiscs.
          const noTc: StateDocument = { version: 1, namespaces: { [b]: { tc: [] } } };
          const gone = await plan(dbs, noTc, { prune: true });
          assertEquals(gone.steps.map((s) => s.describe.split(" ").slice(0, 4).join(" ")), [
            "- tc filter u32",
            "- tc qdisc pfifo",
            "- tc class htb",
            "- tc class htb",
            "- tc qdisc clsact",
            "- tc qdisc htb",
            "- tc qdisc tbf",
            "- tc qdisc ingress",
          ]);
          await apply(dbs, noTc, { prune: true });
          assertEquals((await snapshot(new Map([[b, dbs.get(b)!]]))).namespaces[b].tc, []);
        } finally {
          await closeAll(dbs);
        }
      }, "stb");
    }, "sta");
  },
});

Deno.test({
  name: "state: a veth pair across two namespaces is made once and named from both ends",
  ignore: Deno.uid?.() !== 0,
  fn: async () => {
    await withNetns(async (a) => {
      await withNetns(async (b) => {
        const dbs = await openAll(a, b);
        try {
          const desired: StateDocument = {
            version: 1,
            namespaces: {
              [a]: { links: [{ ifname: "x0", kind: "veth", peer: { ifname: "x1", netns: b } }] },
              [b]: { links: [{ ifname: "x1", state: "up", mtu: 1300 }] },
            },
          };
          const p = await plan(dbs, desired);
          assertEquals(p.steps.map((s) => [s.namespace, s.action]), [[a, "create"], [b, "change"]]);
          await apply(dbs, desired);
          const snap = await snapshot(dbs);
          const x0 = snap.namespaces[a].links!.find((l) => l.ifname === "x0")!;
          const x1 = snap.namespaces[b].links!.find((l) => l.ifname === "x1")!;
          assertEquals(x0.peer, { ifname: "x1", netns: b });
          assertEquals([x1.peer, x1.mtu, x1.state], [{ ifname: "x0", netns: a }, 1300, "up"]);
          assert((await plan(dbs, snap, { prune: true })).empty);
          // Pruning one end removes the pair once.
          const gone = await plan(dbs, { version: 1, namespaces: { [a]: { links: [] } } }, {
            prune: true,
          });
          assertEquals(gone.steps.map((s) => s.describe), ["- link x0 (and its peer)"]);
        } finally {
          await closeAll(dbs);
        }
      }, "stxb");
    }, "stxa");
  },
});

/** A random full state: veth pairs, bridges, addresses, routes that the kernel accepts. */
function randomState(r: () => number): NamespaceState {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const links: LinkState[] = [{ ifname: "lo", state: "up" }];
  const bridges = ["br0", "br1"].filter(() => r() < 0.5);
  for (const b of bridges) links.push({ ifname: b, kind: "bridge", state: pick(["up", "down"]) });
  const pairs = [["p0", "p1"], ["q0", "q1"], ["w0", "w1"]].filter(() => r() < 0.7);
  const up: string[] = [];
  for (const [x, y] of pairs) {
    const [sx, sy] = [pick(["up", "down"] as const), pick(["up", "down"] as const)];
    links.push({ ifname: x, kind: "veth", peer: y, mtu: pick([1280, 1400, 1500]), state: sx });
    links.push({
      ifname: y,
      kind: "veth",
      peer: x,
      mtu: pick([1280, 1500, 9000]),
      state: sy,
      master: bridges.length && r() < 0.5 ? pick(bridges) : null,
    });
    if (sx === "up") up.push(x);
  }
  const addresses = [], routes = [], rules = [];
  for (const [i, dev] of up.entries()) {
    if (r() < 0.8) addresses.push({ dev, address: `10.${10 + i}.0.1/24` });
    if (r() < 0.5) addresses.push({ dev, address: `2001:db8:${i}::1/64` });
  }
  for (let n = 0; n < 1 + r() * 6; n++) {
    const v4 = addresses.filter((a) => !a.address.includes(":"));
    const dst = `10.${100 + n}.${Math.floor(r() * 4)}.0/24`;
    if (v4.length && r() < 0.6) {
      const a = pick(v4);
      routes.push({ dst, gateway: a.address.replace(/\.1\/24$/, ".9"), dev: a.dev });
    } else routes.push({ dst, type: "blackhole", table: pick([100, 200]) });
  }
  for (let n = 0; n < r() * 3; n++) {
    rules.push({ priority: 1000 + n * 10, table: pick([100, 200]), dst: `10.${50 + n}.0.0/16` });
  }
  return { links, addresses, routes, rules } as NamespaceState;
}

/** A snapshot's namespace reduced to what the desired state names (links: their named fields). */
function asDesired(snap: NamespaceState, want: NamespaceState): NamespaceState {
  const byName = new Map(snap.links!.map((l) => [l.ifname, l]));
  return {
    links: want.links!.map((w) => {
      const l = byName.get(w.ifname) as Record<string, unknown> | undefined;
      if (!l) return undefined as unknown as LinkState;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(w)) out[k] = l[k] ?? (k === "master" ? null : undefined);
      return out as unknown as LinkState;
    }).concat(
      snap.links!.filter((l) => !want.links!.some((w) => w.ifname === l.ifname)),
    ),
    addresses: snap.addresses,
    routes: snap.routes,
    rules: snap.rules,
  };
}

function sortedState(s: NamespaceState): NamespaceState {
  const key = (x: unknown) => JSON.stringify(x);
  return {
    links: [...s.links!].sort((a, b) => a.ifname.localeCompare(b.ifname)),
    addresses: [...s.addresses!].map(key).sort().map((x) => JSON.parse(x)),
    routes: [...s.routes!].map(key).sort().map((x) => JSON.parse(x)),
    rules: [...s.rules!].map(key).sort().map((x) => JSON.parse(x)),
  };
}

Deno.test({
  ...await gate(
    "state: random desired states in sequence; refused steps leave the state",
    "link:bridge",
  ),
  fn: async () => {
    await withNetns(async (ns) => {
      await using db = await IPDB.open({ netns: ns });
      const dbs = new Map([[ns, db]]);
      const r = seeded(20_2026);
      for (let i = 0; i < 14; i++) {
        const desired: StateDocument = { version: 1, namespaces: { [ns]: randomState(r) } };
        const want = checkDocument(desired).namespaces[ns];
        const before = (await snapshot(dbs)).namespaces[ns];
        if (r() < 0.3) {
          // A step the kernel refuses: a gateway no address makes reachable.
          const bad = structuredClone(desired);
          bad.namespaces[ns].routes!.push({ dst: "10.250.0.0/16", gateway: "192.0.2.1" });
          const e = await assertRejects(() => apply(dbs, bad, { prune: true }), ApplyError);
          assertEquals(e.code, "ENETUNREACH", e.message);
          assertEquals(e.step?.describe, "+ route 10.250.0.0/16 via 192.0.2.1");
          assertEquals(e.undoErrors, []);
          assertEquals(
            (await snapshot(dbs)).namespaces[ns],
            before,
            `iteration ${i}: ${e.message}`,
          );
        }
        await apply(dbs, desired, { prune: true });
        const after = (await snapshot(dbs)).namespaces[ns];
        assertEquals(
          sortedState(asDesired(after, want)),
          sortedState({ ...want, links: want.links!.concat() }),
          `iteration ${i}`,
        );
        assert((await plan(dbs, desired, { prune: true })).empty, `iteration ${i}`);
      }
      assertEquals(await db.verify(), []);
    }, "stp");
  },
});

Deno.test({
  name: "state: confirmWithin reverts by itself unless confirmed in time",
  ignore: Deno.uid?.() !== 0,
  fn: async () => {
    await withNetns(async (ns) => {
      await ipCmd(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
      await ipCmd(ns, "link", "set", "v0", "up");
      await ipCmd(ns, "addr", "add", "10.0.0.1/24", "dev", "v0");
      await using db = await IPDB.open({ netns: ns });
      const before = await db.snapshot();
      const change = (mtu: number, dst: string): StateDocument => ({
        version: 1,
        namespaces: {
          [ns]: {
            links: [{ ifname: "v0", mtu }, { ifname: "t0", kind: "bridge", state: "up" }],
            routes: [{ dst, gateway: "10.0.0.2", dev: "v0" }],
          },
        },
      });
      // No confirm: back to the state before.
      const t = await db.apply(change(1300, "10.5.0.0/16"), { confirmWithin: 1000 });
      assert(!t.confirmed);
      assertEquals(await t.reverted, true);
      assertEquals(t.confirm(), false);
      assertEquals(t.revertErrors, []);
      assertEquals(await db.snapshot(), before);
      // Confirmed in time: kept.
      const k = await db.apply(change(1280, "10.6.0.0/16"), { confirmWithin: 1000 });
      assertEquals(k.confirm(), true);
      assertEquals(await k.reverted, false);
      assert((await db.plan(change(1280, "10.6.0.0/16"))).empty);
      assertEquals((await ipJson(ns, "route", "show", "10.6.0.0/16")).length, 1);
      // Nothing to change: confirmed at once, no timer.
      const same = await db.apply(change(1280, "10.6.0.0/16"), { confirmWithin: 1000 });
      assert(same.plan.empty && same.confirmed);
      assertEquals(await same.reverted, false);
      // revert() at once.
      const n = await db.apply(change(1200, "10.7.0.0/16"), { confirmWithin: 60_000 });
      assert((await db.plan(change(1200, "10.7.0.0/16"))).empty);
      await n.revert();
      assertEquals(await n.reverted, true);
      assert((await db.plan(change(1280, "10.6.0.0/16"))).empty);
    }, "str");
  },
});

Deno.test({
  name: "state: bad input is refused before anything is sent",
  ignore: Deno.uid?.() !== 0,
  fn: async () => {
    await withNetns(async (ns) => {
      await using db = await IPDB.open({ netns: ns });
      const dbs = new Map([[ns, db]]);
      const before = await snapshot(dbs);
      const doc = (s: unknown) => ({ version: 1, namespaces: { [ns]: s } }) as StateDocument;
      const bad: [unknown, RegExp][] = [
        [
          doc({ links: [{ ifname: "v0", kind: "veth", mtuu: 1400 }] }),
          /links\[0\]\.mtuu: unknown key \(did you mean "mtu"\?\)/,
        ],
        [
          doc({ routes: [{ dst: "10.0.0.0/8" }, { dst: "10.1.0.1/16" }] }),
          /routes\[1\]\.dst: .*host bits/,
        ],
        [doc({ addresses: [{ dev: "lo", address: "10.0.0.300/8" }] }), /addresses\[0\]\.address/],
        [doc({ rules: [{ priority: 5 }] }), /rules\[0\]\.table: a lookup rule needs its table/],
        [doc({ routez: [] }), /routez: unknown key \(did you mean "routes"\?\)/],
        [
          doc({ routes: [{ dst: "10.9.0.0/16" }, { dst: "10.9.0.0/16", dev: "lo" }] }),
          /routes\[1\]: the same route as/,
        ],
        [{ version: 2, namespaces: {} }, /desired\.version: expected 1/],
        [{ version: 1, namespaces: { nope: {} } }, /namespaces\."nope": no database/],
      ];
      for (const [d, re] of bad) {
        const e = await assertRejects(() => apply(dbs, d as StateDocument));
        assert(re.test((e as Error).message), (e as Error).message);
      }
      await assertRejects(() => apply(dbs, doc({}), { prune: 1 } as never), TypeError, "prune");
      await assertRejects(
        () => apply(dbs, doc({}), { confirmWithin: -1 }),
        RangeError,
        "confirmWithin",
      );
      await assertRejects(() => plan(dbs, doc({}), { prnue: true } as never), TypeError, "prnue");
      // A link that does not exist needs its kind: refused while planning.
      await assertRejects(() => plan(dbs, doc({ links: [{ ifname: "zz0" }] })), TypeError, "kind");
      assertEquals(await snapshot(dbs), before);
    }, "stbad");
  },
});

Deno.test({
  name: "state: MultiIPDB's snapshot, plan and apply span its namespaces",
  ignore: Deno.uid?.() !== 0,
  fn: async () => {
    await withNetns(async (a) => {
      await withNetns(async (b) => {
        await using multi = await MultiIPDB.open({ netns: [a, b], watch: false });
        const desired: StateDocument = {
          version: 1,
          namespaces: {
            [a]: {
              links: [{ ifname: "m0", kind: "veth", peer: { ifname: "m1", netns: b } }],
              addresses: [{ dev: "m0", address: "10.7.0.1/24" }],
            },
            [b]: {
              links: [{ ifname: "m1", state: "up" }],
              addresses: [{ dev: "m1", address: "10.7.0.2/24" }],
            },
          },
        };
        assertEquals((await multi.plan(desired)).steps.length, 4);
        const done = await multi.apply(desired, { confirmWithin: 60_000 });
        const snap = await multi.snapshot();
        assertEquals(Object.keys(snap.namespaces), [a, b].sort());
        assertEquals(snap.namespaces[b].addresses, [{ dev: "m1", address: "10.7.0.2/24" }]);
        await done.revert();
        assertEquals(await done.reverted, true);
        assertEquals((await multi.snapshot()).namespaces[a].links!.map((l) => l.ifname), ["lo"]);
      }, "stmb");
    }, "stma");
  },
});

Deno.test({
  name: "state: prune keeps a veth end whose peer the document names",
  ignore: Deno.uid?.() !== 0,
  fn: async () => {
    await withNetns(async (ns) => {
      await ipCmd(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
      await ipCmd(ns, "link", "add", "br9", "type", "bridge");
      await using db = await IPDB.open({ netns: ns });
      const p = await db.plan({ version: 1, namespaces: { [ns]: { links: [{ ifname: "v0" }] } } }, {
        prune: true,
      });
      assertEquals(p.review(), { [ns]: ["- link br9"] });
    }, "stpk");
  },
});

Deno.test({
  name: "state: prune removes secondary addresses before their primary",
  ignore: Deno.uid?.() !== 0,
  fn: async () => {
    await withNetns(async (ns) => {
      await ipCmd(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
      await ipCmd(ns, "addr", "add", "10.0.0.1/24", "dev", "v0");
      await ipCmd(ns, "addr", "add", "10.0.0.2/24", "dev", "v0");
      await ipCmd(ns, "addr", "add", "10.0.0.3/24", "dev", "v0");
      await using db = await IPDB.open({ netns: ns });
      const none: StateDocument = { version: 1, namespaces: { [ns]: { addresses: [] } } };
      const p = await db.plan(none, { prune: true });
      assertEquals(p.review()[ns].at(-1), "- address 10.0.0.1/24 dev v0");
      await db.apply(none, { prune: true });
      assertEquals((await db.snapshot()).namespaces[ns].addresses, []);
    }, "stsec");
  },
});
