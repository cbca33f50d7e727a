/**
 * Conntrack against conntrack(8), run in the same namespace (`ip netns exec NS conntrack -L -o
 * xml`): entries made by the library and by `conntrack -I`, and by real TCP traffic between two
 * namespaces, read back field by field; deletes and flushes by filter seen by the tool.
 */

import assert from "node:assert/strict";
import { Conntrack } from "../../netfilter/mod.ts";
import type { ConntrackEntry, CtTuple } from "../../netfilter/mod.ts";
import { withNetns } from "../helpers.ts";
import {
  enableTracking,
  nsRun,
  skipUnless,
  tcpConnect,
  withTwoNamespaces,
} from "../integration/netfilter_fixture.ts";
import { parseConntrackXml } from "./conntrack_xml.ts";
import type { XmlFlow, XmlTuple } from "./conntrack_xml.ts";

const skip = skipUnless("conntrack", "nft");
const name = (s: string) => skip ? `${s} (skipped: ${skip})` : s;

async function toolFlows(ns: string): Promise<XmlFlow[]> {
  return parseConntrackXml(await nsRun(ns, "conntrack", "-L", "-o", "xml,id,ktimestamp"));
}

function sameTuple(ours: CtTuple | undefined, theirs: XmlTuple, what: string) {
  assert.ok(ours, `${what}: missing`);
  assert.equal(ours.saddr, theirs.src, `${what} saddr`);
  assert.equal(ours.daddr, theirs.dst, `${what} daddr`);
  assert.equal(String(ours.proto), theirs.proto, `${what} proto`);
  assert.equal(ours.sport, theirs.sport, `${what} sport`);
  assert.equal(ours.dport, theirs.dport, `${what} dport`);
  // conntrack(8)'s XML leaves ICMP fields out (its text form has them: checked separately).
  if (theirs.type !== undefined) assert.equal(ours.icmp_type, theirs.type, `${what} icmp type`);
}

/** Every entry of ours equals the tool's flow of the same id, field by field. */
function compare(entries: ConntrackEntry[], flows: XmlFlow[]) {
  assert.equal(entries.length, flows.length, "entry count");
  for (const e of entries) {
    const f = flows.find((x) => x.id === e.id);
    assert.ok(f, `conntrack(8) has no flow with id ${e.id}`);
    const what = `${JSON.stringify(e.orig)}`;
    sameTuple(e.orig, f.orig, `${what} orig`);
    sameTuple(e.reply, f.reply, `${what} reply`);
    assert.equal(e.protoinfo?.tcp?.state, f.state, `${what} state`);
    assert.equal(e.mark || undefined, f.mark || undefined, `${what} mark`);
    assert.equal(e.zone, f.zone, `${what} zone`);
    assert.equal(e.use, f.use, `${what} use`);
    assert.equal(
      e.statusNames?.includes("ASSURED"),
      f.flags.includes("assured"),
      `${what} assured`,
    );
    assert.equal(
      !e.statusNames?.includes("SEEN_REPLY"),
      f.flags.includes("unreplied"),
      `${what} unreplied`,
    );
    assert.equal(e.counters_orig?.packets, f.orig.packets, `${what} packets`);
    assert.equal(e.counters_orig?.bytes, f.orig.bytes, `${what} bytes`);
    assert.equal(e.counters_reply?.packets, f.reply.packets, `${what} reply packets`);
    assert.equal(e.counters_reply?.bytes, f.reply.bytes, `${what} reply bytes`);
    assert.equal(e.timestamp?.timestamp_start, f.start === undefined ? undefined : Number(f.start));
    assert.ok(Math.abs((e.timeout ?? 0) - (f.timeout ?? 0)) <= 1, `${what} timeout`);
  }
}

async function accounting(ns: string) {
  await nsRun(
    ns,
    "sysctl",
    "-qw",
    "net.netfilter.nf_conntrack_acct=1",
    "net.netfilter.nf_conntrack_timestamp=1",
  );
}

const TCP = { saddr: "10.0.0.1", daddr: "10.0.0.2", proto: "tcp", sport: 4000, dport: 80 } as const;

Deno.test({
  name: name("conntrack oracle: entries made here and by conntrack -I read the same in both"),
  ignore: skip !== undefined,
  fn: () =>
    withNetns(async (ns) => {
      await accounting(ns);
      using ct = new Conntrack({ netns: ns });
      await ct.create({
        tuple_orig: TCP,
        timeout: 300,
        status: ["ASSURED", "SEEN_REPLY"],
        protoinfo: { tcp: { state: "ESTABLISHED" } },
        mark: 7,
      });
      await ct.create({
        tuple_orig: { saddr: "10.0.0.3", daddr: "10.0.0.4", proto: "udp", sport: 53, dport: 5353 },
        timeout: 100,
        zone: 3,
        mark: 5,
      });
      await ct.create({
        tuple_orig: {
          saddr: "10.0.0.5",
          daddr: "10.0.0.6",
          proto: "icmp",
          icmp_type: 8,
          icmp_code: 0,
          icmp_id: 99,
        },
        tuple_reply: {
          saddr: "10.0.0.6",
          daddr: "10.0.0.5",
          proto: "icmp",
          icmp_type: 0,
          icmp_code: 0,
          icmp_id: 99,
        },
        timeout: 30,
      });
      await ct.create({
        tuple_orig: { saddr: "fd00::1", daddr: "fd00::2", proto: "tcp", sport: 5000, dport: 443 },
        timeout: 200,
        protoinfo: { tcp: { state: "SYN_SENT" } },
      });
      // And entries the tool made, for the library to read.
      await nsRun(
        ns,
        "conntrack",
        "-I",
        "-p",
        "tcp",
        "-s",
        "10.1.0.1",
        "-d",
        "10.1.0.2",
        "--sport",
        "1234",
        "--dport",
        "22",
        "--state",
        "TIME_WAIT",
        "-t",
        "60",
        "-u",
        "ASSURED",
        "--zone",
        "9",
      );
      await nsRun(
        ns,
        "conntrack",
        "-I",
        "-p",
        "udp",
        "-s",
        "fd00::10",
        "-d",
        "fd00::20",
        "--sport",
        "7",
        "--dport",
        "8",
        "-t",
        "40",
      );
      compare(await ct.dump(), await toolFlows(ns));
      assert.match(
        await nsRun(ns, "conntrack", "-L", "-p", "icmp"),
        /src=10\.0\.0\.5 dst=10\.0\.0\.6 type=8 code=0 id=99 .*src=10\.0\.0\.6 dst=10\.0\.0\.5 type=0 code=0 id=99/,
      );
      // Kernel-side filters select what the tool's own filters select.
      assert.deepEqual((await ct.dump({ mark: 7 })).map((e) => e.orig), [TCP]);
      assert.equal((await ct.dump({ zone: 9 }))[0].orig?.saddr, "10.1.0.1");
      assert.equal((await ct.dump({ family: "ipv6" })).length, 2);
      assert.equal((await ct.dump({ status: ["ASSURED"] })).length, 2);
      assert.equal((await ct.dump({ tuple_orig: { proto: "udp" }, family: "ipv4" })).length, 1);
      assert.equal(
        (await ct.dump({ tuple_reply: { saddr: "10.0.0.2" } }))[0].orig?.sport,
        4000,
      );
    }, "ctor"),
});

Deno.test({
  name: name("conntrack oracle: real TCP traffic between two namespaces"),
  ignore: skip !== undefined,
  fn: () =>
    withTwoNamespaces(async (a, b) => {
      await accounting(b);
      await enableTracking(b);
      const conn = await tcpConnect(b, a, 8080);
      try {
        using ct = new Conntrack({ netns: b });
        const entries = await ct.dump({
          tuple_orig: { daddr: "10.9.0.2", proto: "tcp", dport: 8080 },
        });
        assert.equal(entries.length, 1);
        const [e] = entries;
        assert.equal(e.orig?.saddr, "10.9.0.1");
        assert.equal(e.protoinfo?.tcp?.state, "ESTABLISHED");
        assert.ok(e.statusNames?.includes("SEEN_REPLY"));
        assert.ok((e.counters_orig?.packets ?? 0) >= 3, "packets counted");
        compare(entries, (await toolFlows(b)).filter((f) => f.orig.dport === 8080));
      } finally {
        await conn.close();
      }
    }),
});

Deno.test({
  name: name("conntrack oracle: delete and flush by filter, as conntrack -L sees it"),
  ignore: skip !== undefined,
  fn: () =>
    withNetns(async (ns) => {
      using ct = new Conntrack({ netns: ns });
      const make = (saddr: string, sport: number, extra: Record<string, unknown> = {}) =>
        ct.create({
          tuple_orig: { saddr, daddr: "10.0.0.100", proto: "tcp", sport, dport: 80 },
          timeout: 300,
          protoinfo: { tcp: { state: "ESTABLISHED" } },
          ...extra,
        });
      for (let i = 1; i <= 4; i++) await make("10.0.0.1", 1000 + i);
      for (let i = 1; i <= 3; i++) await make("10.0.0.2", 2000 + i, { mark: 42 });
      for (let i = 1; i <= 2; i++) await make("10.0.0.3", 3000 + i, { zone: 5 });
      await make("10.0.0.4", 4000);
      const sources = async () =>
        (await toolFlows(ns)).map((f) => `${f.orig.src}:${f.orig.sport}`).sort();
      assert.equal((await sources()).length, 10);

      await ct.delete({
        tuple_orig: {
          saddr: "10.0.0.4",
          daddr: "10.0.0.100",
          proto: "tcp",
          sport: 4000,
          dport: 80,
        },
      });
      assert.ok(!(await sources()).includes("10.0.0.4:4000"));

      await ct.flush({ tuple_orig: { saddr: "10.0.0.1" } });
      assert.deepEqual(
        (await sources()).filter((s) => s.startsWith("10.0.0.1:")),
        [],
        "flush by source address",
      );
      await ct.flush({ mark: 42 });
      assert.deepEqual(await sources(), ["10.0.0.3:3001", "10.0.0.3:3002"]);
      await make("10.0.0.9", 9000);
      await ct.flush({ zone: 5 });
      assert.deepEqual(await sources(), ["10.0.0.9:9000"]);
      await ct.flush({ all: true });
      assert.deepEqual(await sources(), []);
      assert.equal(await ct.count(), 0);
    }, "ctfl"),
});
