/**
 * Conntrack in fresh namespaces: get, update (mark, labels, timeout), statistics, expectations
 * on a helper's connection, and events: a real TCP connection's lifecycle (new, updates,
 * destroy), a monitor subscribed before its first read, and overruns.
 */

import assert from "node:assert/strict";
import { Conntrack } from "../../netfilter/mod.ts";
import type { ConntrackEntry, ConntrackEvent, NfnlMonitor, Overrun } from "../../netfilter/mod.ts";
import type { NetlinkError } from "../../netlink/errors.ts";
import { isRoot, withNetns } from "../helpers.ts";
import {
  enableTracking,
  nsRun,
  probe,
  skipUnless,
  tcpConnect,
  withTwoNamespaces,
} from "./netfilter_fixture.ts";

const ignore = !isRoot;
const TCP = { saddr: "10.0.0.1", daddr: "10.0.0.2", proto: "tcp", sport: 4000, dport: 80 } as const;

/** Reads events until `until` holds (or 5 s pass), then closes the monitor. */
async function collect(
  m: NfnlMonitor<ConntrackEvent>,
  until: (events: (ConntrackEvent | Overrun)[]) => boolean,
): Promise<(ConntrackEvent | Overrun)[]> {
  const events: (ConntrackEvent | Overrun)[] = [];
  const timer = setTimeout(() => m.close(), 5000);
  try {
    for await (const e of m) {
      events.push(e);
      if (until(events)) break;
    }
  } finally {
    clearTimeout(timer);
    m.close();
  }
  return events;
}

Deno.test({
  name: "conntrack: get, update, labels, statistics",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      // Labels are stored only once a rule uses them (the kernel counts label users).
      await nsRun(
        ns,
        "nft",
        "add table ip l; add chain ip l c { type filter hook input priority 0; }; add rule ip l c ct label set 3",
      );
      using ct = new Conntrack({ netns: ns });
      await ct.create({
        tuple_orig: TCP,
        timeout: 100,
        protoinfo: { tcp: { state: "ESTABLISHED" } },
      });
      const e = await ct.get({ tuple_orig: TCP });
      assert.deepEqual(e.orig, TCP);
      assert.deepEqual(e.reply, {
        saddr: "10.0.0.2",
        daddr: "10.0.0.1",
        proto: "tcp",
        sport: 80,
        dport: 4000,
      });
      assert.equal(e.family, 2);
      assert.deepEqual(e.statusNames, ["CONFIRMED"]);
      await ct.update({
        tuple_orig: TCP,
        mark: 0x10,
        timeout: 500,
        status: ["ASSURED"],
        labels: [3, 64],
      });
      await ct.update({ tuple_orig: TCP, mark: 0x01, mark_mask: 0x0f });
      const u = await ct.get({ tuple_orig: e.tuple_orig! }); // a dumped tuple names it too
      assert.equal(u.mark, 0x11);
      assert.ok((u.timeout ?? 0) > 400);
      assert.deepEqual(u.statusNames, ["ASSURED", "CONFIRMED"]);
      assert.deepEqual(u.labelBits, [3, 64]);
      assert.equal(await ct.count(), 1);
      assert.ok((await ct.conntrackMaxSize()) > 0);
      const cpus = await ct.stat();
      assert.ok(cpus.length >= 1);
      assert.deepEqual(cpus.map((c) => c.cpu), cpus.map((_, i) => i));
      assert.equal(cpus.reduce((n, c) => n + (c.insert ?? 0), 0) >= 0, true);
      await assert.rejects(
        ct.get({ tuple_orig: { ...TCP, sport: 4001 } }),
        (err: NetlinkError) => err.code === "ENOENT",
      );
      await assert.rejects(ct.create({ tuple_orig: TCP, timeout: 5 }), (err: NetlinkError) =>
        err.code === "EEXIST");
      // pyroute2's verb form.
      await ct.entry("del", { tuple_orig: TCP });
      assert.equal(await ct.count(), 0);
      const iter = [];
      for await (const x of ct.dumpIter()) {
        iter.push(x);
      }
      assert.equal(iter.length, 0);
    }, "ctlive"),
});

const master = {
  saddr: "10.0.0.1",
  daddr: "10.0.0.2",
  proto: "tcp",
  sport: 1234,
  dport: 21,
} as const;
const withFtp = (ct: Conntrack) =>
  ct.create({
    tuple_orig: master,
    timeout: 300,
    help: { name: "ftp" },
    protoinfo: { tcp: { state: "ESTABLISHED" } },
  });
const hasFtp = await probe(async (ns) => {
  using ct = new Conntrack({ netns: ns });
  await withFtp(ct);
});

Deno.test({
  name: `conntrack: expectations of a helper's connection${
    isRoot && !hasFtp ? " (skipped: kernel lacks the ftp conntrack helper)" : ""
  }`,
  ignore: !hasFtp,
  fn: () =>
    withNetns(async (ns) => {
      using ct = new Conntrack({ netns: ns });
      await withFtp(ct);
      assert.equal((await ct.get({ tuple_orig: master })).help?.name, "ftp");
      const tuple = {
        saddr: "10.0.0.1",
        daddr: "10.0.0.2",
        proto: "tcp",
        sport: 0,
        dport: 2121,
      } as const;
      await ct.createExpectation({
        master,
        tuple,
        mask: {
          saddr: "255.255.255.255",
          daddr: "255.255.255.255",
          proto: "tcp",
          sport: 0,
          dport: 0xffff,
        },
        timeout: 200,
      });
      const [x] = await ct.expectations();
      assert.deepEqual(x.masterTuple, master);
      assert.deepEqual(x.expectedTuple, tuple);
      assert.equal(x.help_name, "ftp");
      assert.ok((x.timeout ?? 0) > 100);
      assert.equal((await ct.expectations({ master })).length, 1);
      assert.equal((await ct.getExpectation({ tuple })).id, x.id);
      const text = await nsRun(ns, "conntrack", "-L", "expect");
      assert.match(text, /proto=6 src=10\.0\.0\.1 dst=10\.0\.0\.2 sport=0 dport=2121/);
      assert.ok((await ct.statExpectations()).reduce((n, s) => n + (s.create ?? 0), 0) >= 1);
      await ct.deleteExpectation({ tuple });
      assert.equal((await ct.expectations()).length, 0);
      await ct.createExpectation({
        master,
        tuple,
        mask: {
          saddr: "255.255.255.255",
          daddr: "255.255.255.255",
          proto: "tcp",
          sport: 0,
          dport: 0xffff,
        },
        timeout: 200,
      });
      await ct.flushExpectations({ help_name: "ftp" });
      assert.equal((await ct.expectations()).length, 0);
    }, "ctexp"),
});

const trafficSkip = skipUnless("nft");
Deno.test({
  name: `conntrack: events follow a TCP connection's lifecycle${
    trafficSkip ? ` (skipped: ${trafficSkip})` : ""
  }`,
  ignore: trafficSkip !== undefined,
  fn: () =>
    withTwoNamespaces(async (a, b) => {
      await enableTracking(b);
      using ct = new Conntrack({ netns: b });
      const mon = ct.monitor(); // subscribed now: nothing below is missed
      const conn = await tcpConnect(b, a, 8081);
      await conn.close();
      await ct.flush({ tuple_orig: { proto: "tcp", dport: 8081 }, family: "ipv4" });
      const events = await collect(mon, (ev) => ev.some((e) => e.type === "destroy"));
      const ours = events.filter((e): e is ConntrackEvent & { entry: ConntrackEntry } =>
        "entry" in e && e.entry.orig?.dport === 8081
      );
      const types = ours.map((e) => e.type);
      assert.equal(types[0], "new");
      assert.equal(types.at(-1), "destroy");
      const states = ours.map((e) => e.entry.protoinfo?.tcp?.state).filter(Boolean);
      assert.ok(states.includes("ESTABLISHED"), `states seen: ${states}`);
      assert.ok(types.includes("update"));
      assert.equal(ours[0].entry.orig?.saddr, "10.9.0.1");
    }),
});

Deno.test({
  name: "conntrack: a monitor is subscribed when monitor() returns; overruns are reported",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ct = new Conntrack({ netns: ns });
      const mon = ct.monitor({ events: ["new", "destroy"] });
      await ct.create({ tuple_orig: TCP, timeout: 50 }); // before the first read
      const [first] = await collect(mon, () => true);
      assert.equal(first.type, "new");
      assert.deepEqual("entry" in first ? first.entry.orig : undefined, TCP);
      assert.ok(mon.closed);

      // A tiny receive buffer and many events: the kernel drops some and says so.
      const small = ct.monitor({ events: ["new"], rcvbuf: 1024 });
      const batch = [];
      for (let i = 0; i < 120; i++) {
        batch.push(ct.create({ tuple_orig: { ...TCP, sport: 10000 + i }, timeout: 50 }));
      }
      await Promise.all(batch);
      const events = await collect(small, (ev) => ev.some((e) => e.type === "overrun"));
      assert.ok(events.some((e) => e.type === "overrun"));
      await ct.flush({ all: true });
    }, "ctmon"),
});
