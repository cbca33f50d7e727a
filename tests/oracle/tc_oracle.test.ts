/**
 * Traffic control compared with iproute2's `tc` on the same namespaces, field by field: an htb
 * tree with classes and u32 filters carrying traffic, a tbf, an ingress qdisc with a u32 filter
 * redirecting through mirred, and clsact with classic and eBPF filters. What the library
 * decodes must be what `tc -j` (or, for htb classes, whose JSON tc 6.1 does not print, `tc -s
 * -d class show`) prints, statistics included.
 */

import assert from "node:assert/strict";
import { IPRoute } from "../../mod.ts";
import { BPF_PROG_TYPE, bpfProgLoad } from "../../ffi/bpf.ts";
import { closeFd } from "../../ffi/netns.ts";
import {
  formatHandle,
  formatU32Handle,
  formatU32Key,
  protocolName,
  tick2time,
  xmitsize,
} from "../../rtnl/tc/mod.ts";
import type { TcMessage, U32Sel } from "../../rtnl/tc/mod.ts";
import type { AttrView } from "../../netlink/view.ts";
import { run, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

type Json = Record<string, unknown>;
type View = AttrView & Record<string, unknown>;

async function tcText(ns: string, ...args: string[]): Promise<string> {
  return await run("tc", ["-n", ns, ...args]);
}

async function tcJson(ns: string, ...args: string[]): Promise<Json[]> {
  const text = await tcText(ns, "-j", ...args);
  return text.trim() ? JSON.parse(text) : [];
}

/** Runs a shell snippet inside a namespace (to send test traffic). */
async function inNs(ns: string, script: string): Promise<void> {
  await run("ip", ["netns", "exec", ns, "bash", "-c", script]);
}

/** No IPv6 chatter (router solicitations, MLD) to move counters while comparing. */
async function quiet(ns: string): Promise<void> {
  await run("ip", [
    "netns",
    "exec",
    ns,
    "sysctl",
    "-qw",
    "net.ipv6.conf.all.disable_ipv6=1",
    "net.ipv6.conf.default.disable_ipv6=1",
  ]);
}

/** tc's print_rate: bytes per second as "10Mbit". */
function tcRate(bytes: number): string {
  let rate = bytes * 8;
  const units = ["", "K", "M", "G", "T"];
  let i = 0;
  for (; i < units.length - 1; i++) {
    if (rate < 1000) break;
    if (rate % 1000 !== 0 && rate < 1000 * 1000) break;
    rate = Math.floor(rate / 1000);
  }
  return `${Math.round(rate)}${units[i]}bit`;
}

/** tc's print_size: "1600b", "15Kb", "2Mb". */
function tcSize(sz: number): string {
  const rint = (x: number) => Math.round(x);
  if (sz >= 1024 * 1024 && Math.abs(1024 * 1024 * rint(sz / (1024 * 1024)) - sz) < 1024) {
    return `${rint(sz / (1024 * 1024))}Mb`;
  }
  if (sz >= 1024 && Math.abs(1024 * rint(sz / 1024) - sz) < 16) return `${rint(sz / 1024)}Kb`;
  return `${sz}b`;
}

const CONTROL: Record<number, string> = {
  [-1]: "continue",
  0: "pass",
  1: "reclassify",
  2: "drop",
  3: "pipe",
  4: "stolen",
  8: "trap",
};

/** Retries a comparison of counters that traffic still in flight could move. */
async function settled(check: () => Promise<void>): Promise<void> {
  for (let i = 0;; i++) {
    try {
      return await check();
    } catch (e) {
      if (i >= 4) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function opts(m: TcMessage): View {
  return m.options as View;
}

/** The counters tc prints for a qdisc, class or action, from TCA_STATS2. */
function counters(stats2: unknown): Json {
  const s = stats2 as { basic?: Json; queue?: Json } | undefined;
  const basic = s?.basic ?? {};
  const queue = s?.queue ?? {};
  return {
    bytes: basic.bytes,
    packets: basic.packets,
    drops: queue.drops,
    overlimits: queue.overlimits,
    requeues: queue.requeues,
    backlog: queue.backlog,
    qlen: queue.qlen,
  };
}

function pick(o: Json, keys: string[]): Json {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

const COUNTERS = ["bytes", "packets", "drops", "overlimits", "requeues", "backlog", "qlen"];

/** One qdisc as tc -j -s prints it. */
function assertQdisc(ours: TcMessage, theirs: Json): void {
  assert.equal(theirs.kind, ours.kind);
  assert.equal(theirs.handle, formatHandle(ours.handle).replace("none", "0:"));
  if (ours.parent === 0xffffffff) assert.equal(theirs.root, true);
  else assert.equal(theirs.parent, formatHandle(ours.parent));
  assert.equal(theirs.refcnt, ours.info === 1 ? undefined : ours.info); // tc omits refcnt 1
  assert.deepEqual(pick(theirs, COUNTERS), counters(ours.stats2));
}

/** Parses `tc -s -d class show`: one object per class, keyed by the words tc prints. */
function parseClasses(text: string): Json[] {
  return text.split(/\n(?=class )/).filter((b) => b.startsWith("class ")).map((block) => {
    const words = block.split(/\s+/).filter(Boolean);
    const o: Json = { kind: words[1], handle: words[2] };
    for (let i = 3; i < words.length; i++) {
      const w = words[i];
      if (w === "root") o.root = true;
      else if (
        ["parent", "leaf", "prio", "quantum", "rate", "ceil", "linklayer", "level"].includes(w)
      ) {
        o[w] = words[++i];
      } else if (w === "burst" || w === "cburst") {
        o[w] = words[++i];
        if (words[i + 1] === "mpu") o[`${w}_mpu`] = words[i += 2];
      } else if (w === "Sent") {
        o.bytes = Number(words[++i]);
        i++;
        o.packets = Number(words[++i]);
      } else if (w === "(dropped") o.drops = Number(words[++i].replace(",", ""));
      else if (w === "overlimits") o.overlimits = Number(words[++i]);
      else if (w === "requeues") o.requeues = Number(words[++i].replace(")", ""));
      else if (w === "backlog") {
        o.backlog = Number(words[++i].replace("b", ""));
        o.qlen = Number(words[++i].replace("p", ""));
      } else if (
        w.endsWith(":") && ["lended:", "borrowed:", "giants:", "tokens:", "ctokens:"].includes(w)
      ) {
        o[w.slice(0, -1)] = Number(words[++i]);
      }
    }
    return o;
  });
}

/** One htb class against tc's text. */
function assertHtbClass(ours: TcMessage, theirs: Json): void {
  const o = opts(ours);
  const p = o.parms as Record<string, number>;
  const rate = (o.rate64 as number | undefined) ?? p.rate;
  const ceil = (o.ceil64 as number | undefined) ?? p.ceil;
  assert.equal(theirs.handle, formatHandle(ours.handle));
  if (ours.parent === 0xffffffff) assert.equal(theirs.root, true);
  else assert.equal(theirs.parent, formatHandle(ours.parent));
  if (theirs.leaf !== undefined) assert.equal(theirs.leaf, formatHandle(ours.info));
  if (theirs.prio !== undefined) assert.equal(Number(theirs.prio), p.prio);
  if (theirs.quantum !== undefined) assert.equal(Number(theirs.quantum), p.quantum);
  assert.equal(theirs.rate, tcRate(rate));
  assert.equal(theirs.ceil, tcRate(ceil));
  assert.equal(theirs.burst, `${tcSize(xmitsize(rate, p.buffer))}/${1 << p.rate_cell_log}`);
  assert.equal(theirs.cburst, `${tcSize(xmitsize(ceil, p.cbuffer))}/${1 << p.ceil_cell_log}`);
  assert.equal(theirs.burst_mpu, tcSize(p.rate_mpu));
  assert.equal(Number(theirs.level), p.level);
  assert.deepEqual(pick(theirs, COUNTERS), counters(ours.stats2));
  const x = ours.xstats as Record<string, number>;
  assert.deepEqual(
    pick(theirs, ["lended", "borrowed", "giants", "tokens", "ctokens"]),
    {
      lended: x.lends,
      borrowed: x.borrows,
      giants: x.giants,
      tokens: x.tokens,
      ctokens: x.ctokens,
    },
  );
}

/** The `match` lines of each filter in `tc filter show`'s text. */
function matchLines(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("filter ")) out.push([]);
    const m = /^\s*match (\S+ at \S+)/.exec(line);
    if (m) out[out.length - 1].push(m[1]);
  }
  return out;
}

/** One filter as tc -j prints it (u32 and bpf options, actions with their statistics). */
function assertFilter(
  ours: TcMessage,
  theirs: Json,
  names: Map<number, string>,
  matches: string[] | undefined,
): void {
  assert.equal(theirs.protocol, protocolName(ours.protocol));
  assert.equal(theirs.pref, ours.prio);
  assert.equal(theirs.kind, ours.kind);
  assert.equal(theirs.chain, ours.chain);
  const t = theirs.options as Json | undefined;
  if (!ours.options || ours.handle === 0) {
    assert.equal(t, undefined);
    return;
  }
  const o = opts(ours);
  if (ours.kind === "u32") {
    assert.equal(t!.fh, formatU32Handle(ours.handle));
    if (o.divisor !== undefined) assert.equal(t!.ht_divisor, o.divisor);
    if (ours.handle & 0xfff) {
      assert.equal(t!.order, ours.handle & 0xfff);
      assert.equal(t!.key_ht, (ours.handle >>> 20).toString(16));
      assert.equal(t!.bkt, ((ours.handle >>> 12) & 0xff).toString(16));
    }
    if (o.classid !== undefined) assert.equal(t!.flowid, formatHandle(o.classid as number));
    assert.equal(t!.not_in_hw, ((o.flags as number) & 8) ? true : undefined);
    const sel = o.sel as U32Sel | undefined;
    if (sel) {
      const last = sel.keys[sel.keys.length - 1];
      assert.deepEqual(t!.match, {
        value: last.val.toString(16),
        mask: last.mask.toString(16),
        offmask: last.offmask ? "nexthdr+" : "",
        off: last.off,
      });
      assert.deepEqual(matches, sel.keys.map(formatU32Key));
    }
  } else if (ours.kind === "bpf") {
    assert.equal(t!.handle, `0x${ours.handle.toString(16)}`);
    if (o.classid !== undefined) assert.equal(t!.flowid, formatHandle(o.classid as number));
    assert.equal(t!["direct-action"], ((o.flags as number) & 1) ? true : undefined);
    assert.equal(t!.not_in_hw, ((o.flags_gen as number) & 8) ? true : undefined);
    if (o.ops) {
      assert.deepEqual(t!.bytecode, { length: o.ops_len, insns: o.ops });
    } else {
      const prog = t!.prog as Json;
      assert.equal(prog.id, o.id);
      assert.equal(prog.name, o.name);
      assert.equal(
        prog.tag,
        Array.from(o.tag as Uint8Array, (b) => b.toString(16).padStart(2, "0")).join(""),
      );
    }
  }
  const acts = (o.act ?? []) as View[];
  const tActs = (t!.actions ?? []) as Json[];
  assert.equal(tActs.length, acts.length);
  acts.forEach((a, i) => {
    const ta = tActs[i];
    assert.equal(ta.order, i + 1);
    assert.equal(ta.kind, a.kind);
    const ao = a.options as View;
    const parms = ao.parms as Record<string, number>;
    if (a.kind === "mirred") {
      assert.equal(ta.mirred_action, parms.eaction % 2 ? "redirect" : "mirror");
      assert.equal(ta.direction, parms.eaction <= 2 ? "egress" : "ingress");
      assert.equal(ta.to_dev, names.get(parms.ifindex));
    }
    assert.deepEqual(ta.control_action, { type: CONTROL[parms.action] });
    assert.equal(ta.index, parms.index);
    assert.equal(ta.ref, parms.refcnt);
    assert.equal(ta.bind, parms.bindcnt);
    const tm = ao.tm as Record<string, number>;
    assert.ok(Math.abs((ta.installed as number) - Math.trunc(tm.install / 100)) <= 1);
    assert.deepEqual(ta.stats, counters(a.stats));
  });
}

async function names(ip: IPRoute): Promise<Map<number, string>> {
  return new Map((await ip.getLinks()).map((l) => [l.index, l.ifname!]));
}

Deno.test({
  ...(await gate(
    "tc oracle: an htb tree with classes and u32 filters, after traffic, as tc shows it",
    "qdisc:htb",
    "filter:u32",
  )),
  fn: () =>
    withNetns((nsA) =>
      withNetns(async (nsB) => {
        await quiet(nsA);
        await quiet(nsB);
        using a = new IPRoute({ netns: nsA });
        using b = new IPRoute({ netns: nsB });
        await a.link("add", { ifname: "v0", kind: "veth", peer: { ifname: "v1", netns: nsB } });
        await a.addr("add", { index: "v0", address: "10.1.0.1", mask: 24 });
        await a.link("set", { index: "v0", state: "up" });
        await b.addr("add", { index: "v1", address: "10.1.0.2", mask: 24 });
        await b.link("set", { index: "v1", state: "up" });
        const [index] = await a.linkLookup({ ifname: "v0" });

        await a.tc("add", "htb", { index, handle: "1:", default: "1:20", r2q: 10 });
        await a.tc("add-class", "htb", { index, parent: "1:", classid: "1:1", rate: "100mbit" });
        await a.tc("add-class", "htb", {
          index,
          parent: "1:1",
          classid: "1:10",
          rate: "10mbit",
          ceil: "20mbit",
        });
        await a.tc("add-class", "htb", {
          index,
          parent: "1:1",
          classid: "1:20",
          rate: "1mbit",
          ceil: "5mbit",
          prio: 3,
          burst: "15k",
          cburst: 3000,
          quantum: 1500,
        });
        await a.tc("add-filter", "u32", {
          index,
          parent: "1:",
          prio: 1,
          protocol: "ip",
          match: [{ dst: "10.1.0.0/24", protocol: "udp", dport: 9 }],
          classid: "1:10",
        });
        await a.tc("add-filter", "u32", {
          index,
          parent: "1:",
          prio: 2,
          protocol: "ip",
          match: [{ src: "10.9.0.0/16" }, { tos: [0x10, 0xfc] }],
          classid: "1:20",
        });
        // Five datagrams through class 1:10; ARP goes to the default class 1:20.
        await inNs(nsA, "for i in 1 2 3 4 5; do echo hello > /dev/udp/10.1.0.2/9; done");

        await settled(async () => {
          const ours = await a.getQdiscs({ index });
          const theirs = await tcJson(nsA, "-s", "-d", "qdisc", "show", "dev", "v0");
          assert.equal(ours.length, theirs.length);
          ours.forEach((q, i) => assertQdisc(q, theirs[i]));
          const htb = opts(ours[0]);
          const init = htb.init as Record<string, number>;
          const t = theirs[0].options as Json;
          assert.equal(t.r2q, init.rate2quantum);
          assert.equal(t.default, `0x${init.defcls.toString(16)}`);
          assert.equal(t.direct_packets_stat, init.direct_pkts);
          assert.equal(t.direct_qlen, htb.direct_qlen);
          assert.equal(t.ver, `${init.version >>> 16}.${init.version & 0xffff}`);
          assert.ok(ours[0].stats2!.basic!.packets >= 5);
        });

        await settled(async () => {
          const ours = await a.getClasses({ index });
          const theirs = parseClasses(await tcText(nsA, "-s", "-d", "class", "show", "dev", "v0"));
          assert.equal(ours.length, 3);
          assert.equal(theirs.length, 3);
          for (const c of ours) {
            const t = theirs.find((x) => x.handle === formatHandle(c.handle));
            assert.ok(t, `class ${formatHandle(c.handle)} in tc's output`);
            assertHtbClass(c, t);
          }
          const c10 = ours.find((c) => c.handle === 0x10010)!;
          assert.equal(c10.stats2!.basic!.packets, 5);
        });

        const ifnames = await names(a);
        const ours = await a.getFilters({ index, parent: "1:" });
        const theirs = await tcJson(nsA, "-s", "filter", "show", "dev", "v0", "parent", "1:");
        const lines = matchLines(await tcText(nsA, "filter", "show", "dev", "v0", "parent", "1:"));
        assert.equal(ours.length, theirs.length);
        assert.equal(ours.length, 6); // per prio: the chain, hash table 800: and the rule
        ours.forEach((f, i) => assertFilter(f, theirs[i], ifnames, lines[i]));
        const json = (l: TcMessage[]) => l.map((f) => f.toJSON());
        assert.deepEqual(json(await a.getFilters({ index })), json(ours)); // the only such block
      })
    ),
});

Deno.test({
  ...(await gate("tc oracle: tbf as tc shows it (rate, burst, latency, counters)", "qdisc:tbf")),
  fn: () =>
    withNetns(async (ns) => {
      await quiet(ns);
      using ip = new IPRoute({ netns: ns });
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      await ip.tc("add", "tbf", { index: "v0", rate: "1mbit", burst: "32kb", latency: "50ms" });
      await ip.tc("add", "tbf", {
        index: "v1",
        rate: "10mbit",
        burst: "10kb",
        limit: 30000,
        peakrate: "12mbit",
        mtu: "2kb",
      });
      for (const dev of ["v0", "v1"]) {
        const [ours] = await ip.getQdiscs({ index: dev });
        const [theirs] = await tcJson(ns, "-s", "qdisc", "show", "dev", dev);
        assertQdisc(ours, theirs);
        const o = opts(ours);
        const p = o.parms as Record<string, number>;
        const t = theirs.options as Json;
        assert.equal(t.rate, p.rate);
        assert.equal(t.burst, xmitsize(p.rate, p.buffer));
        let lat = 1e6 * (p.limit / p.rate) - tick2time(p.buffer);
        if (p.peakrate) {
          // tc 6.1 prints peakrate only as text.
          const text = await tcText(ns, "qdisc", "show", "dev", dev);
          assert.match(text, new RegExp(` peakrate ${tcRate(p.peakrate)} `));
          assert.equal(t.minburst, xmitsize(p.peakrate, p.mtu));
          lat = Math.max(lat, 1e6 * (p.limit / p.peakrate) - tick2time(p.mtu));
        }
        assert.equal(t.lat, Math.trunc(lat));
      }
    }),
});

Deno.test({
  ...(await gate(
    "tc oracle: ingress with a u32 filter redirecting through mirred, after traffic",
    "qdisc:ingress",
    "filter:u32",
    "action:mirred",
  )),
  fn: () =>
    withNetns((nsA) =>
      withNetns(async (nsB) => {
        await quiet(nsA);
        await quiet(nsB);
        using a = new IPRoute({ netns: nsA });
        using b = new IPRoute({ netns: nsB });
        await a.link("add", { ifname: "v0", kind: "veth", peer: { ifname: "v1", netns: nsB } });
        await a.link("add", { ifname: "v2", kind: "veth", peer: "v3" });
        await a.addr("add", { index: "v0", address: "10.2.0.1", mask: 24 });
        for (const dev of ["v0", "v2", "v3"]) await a.link("set", { index: dev, state: "up" });
        await b.addr("add", { index: "v1", address: "10.2.0.2", mask: 24 });
        await b.link("set", { index: "v1", state: "up" });

        await a.tc("add", "ingress", { index: "v0" });
        await a.tc("add-filter", "u32", {
          index: "v0",
          parent: "ffff:",
          protocol: "ip",
          match: [{ src: "10.2.0.0/16" }],
          action: { kind: "mirred", direction: "egress", mode: "redirect", dev: "v2" },
        });
        await inNs(nsB, "for i in 1 2 3 4; do echo hello > /dev/udp/10.2.0.1/9; done");

        const ifnames = await names(a);
        await settled(async () => {
          const ours = await a.getFilters({ index: "v0", parent: "ffff:" });
          const theirs = await tcJson(nsA, "-s", "filter", "show", "dev", "v0", "parent", "ffff:");
          const lines = matchLines(
            await tcText(nsA, "filter", "show", "dev", "v0", "parent", "ffff:"),
          );
          assert.equal(ours.length, 3);
          assert.equal(theirs.length, 3);
          ours.forEach((f, i) => assertFilter(f, theirs[i], ifnames, lines[i]));
          const [act] = opts(ours[2]).act as View[];
          assert.equal(((act.stats as View).basic as Record<string, number>).packets, 4);
        });
        const [q] = await a.getQdiscs({ index: "v0", kind: "ingress" });
        const [tq] = await tcJson(nsA, "-s", "qdisc", "show", "dev", "v0", "ingress");
        assertQdisc(q, tq);
        // Every block of v0 holds just these (action times tick on: compare the rest).
        const json = (l: TcMessage[]) =>
          l.map((f) => [f.handle, f.parent, f.prio, f.protocol, f.kind, opts(f)?.sel]);
        assert.deepEqual(
          json(await a.getFilters({ index: "v0" })),
          json(await a.getFilters({ index: "v0", parent: "ffff:" })),
        );
      })
    ),
});

/** `r0 = 0; exit`: TC_ACT_OK in direct-action mode. */
function passProgram(): Uint8Array<ArrayBuffer> {
  const insns = new Uint8Array(16);
  insns[0] = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K, r0 = 0
  insns[8] = 0x95; // BPF_JMP | BPF_EXIT
  return insns;
}

Deno.test({
  ...(await gate(
    "tc oracle: clsact with a classic bpf filter on ingress and an eBPF one on egress",
    "qdisc:clsact",
    "filter:bpf",
  )),
  fn: () =>
    withNetns(async (ns) => {
      await quiet(ns);
      using ip = new IPRoute({ netns: ns });
      await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
      await ip.tc("add", "clsact", { index: "v0" });
      await ip.tc("add-filter", "bpf", {
        index: "v0",
        parent: "ingress",
        prio: 7,
        bytecode: "1,6 0 0 4294967295,",
        flowid: "1:1",
      });
      const fd = bpfProgLoad(BPF_PROG_TYPE.SCHED_CLS, passProgram(), "GPL", "nlt_pass");
      try {
        await ip.tc("add-filter", "bpf", {
          index: "v0",
          parent: "egress",
          prio: 3,
          fd,
          name: "nlt_pass",
          direct_action: true,
        });
      } finally {
        closeFd(fd);
      }
      const [q] = await ip.getQdiscs({ index: "v0", kind: "clsact" });
      const [tq] = await tcJson(ns, "-s", "qdisc", "show", "dev", "v0", "clsact");
      assertQdisc(q, tq);
      const ifnames = await names(ip);
      for (const hook of ["ingress", "egress"]) {
        const ours = await ip.getFilters({ index: "v0", parent: hook });
        const theirs = await tcJson(ns, "filter", "show", "dev", "v0", hook);
        assert.equal(ours.length, 2);
        assert.equal(theirs.length, 2);
        ours.forEach((f, i) => assertFilter(f, theirs[i], ifnames, undefined));
      }
      const [eb] = await ip.getFilters({ index: "v0", parent: "egress", handle: 1 });
      assert.equal(opts(eb).name, "nlt_pass");
      assert.equal((await ip.getFilters({ index: "v0" })).length, 4);
    }),
});
