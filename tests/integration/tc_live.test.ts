/**
 * Traffic control against the real kernel, each test in fresh namespaces on veth: qdisc, class
 * and filter round trips (add, change, replace, delete), u32 hash tables, bpf filters from a
 * descriptor, a pinned path and classic bytecode, standalone actions, rate-estimator
 * statistics, tc events, and kernel errors. A test needing a kind the kernel lacks (probed by
 * tests/features.ts) is skipped with the reason; the codecs are tested against `tc`'s bytes in
 * tests/unit/tc_golden.test.ts and tc_vectors.test.ts either way.
 */

import assert from "node:assert/strict";
import { IPRoute, NetlinkError } from "../../mod.ts";
import type { MonitorEvent } from "../../mod.ts";
import { BPF_PROG_TYPE, bpfObjPin, bpfProgLoad } from "../../ffi/bpf.ts";
import { closeFd } from "../../ffi/netns.ts";
import { getActions } from "../../rtnl/tc/mod.ts";
import type { TcMessage, U32Sel } from "../../rtnl/tc/mod.ts";
import type { AttrView } from "../../netlink/view.ts";
import { run, withNetns } from "../helpers.ts";
import { gate, liveTest } from "../features.ts";
import type { Feature } from "../features.ts";

type View = AttrView & Record<string, unknown>;
const opts = (m: TcMessage) => m.options as View;

/** A namespace with veth v0/v1, both up. */
async function withVeth(fn: (ip: IPRoute, ns: string) => Promise<void>): Promise<void> {
  await withNetns(async (ns) => {
    using ip = new IPRoute({ netns: ns });
    await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
    await ip.link("set", { index: "v0", state: "up" });
    await ip.link("set", { index: "v1", state: "up" });
    await fn(ip, ns);
  }, "tc");
}

const isCode = (code: string) => (e: unknown) => e instanceof NetlinkError && e.code === code;

Deno.test({
  ...(await gate(
    "tc live: qdisc add, change, duplicate add, replace, del",
    "qdisc:htb",
    "qdisc:tbf",
  )),
  fn: () =>
    withVeth(async (ip) => {
      await ip.tc("add", "htb", { index: "v0", handle: "1:", default: "1:20" });
      let [q] = await ip.getQdiscs({ index: "v0" });
      assert.equal(q.kind, "htb");
      assert.equal(q.handle, 0x10000);
      assert.equal(q.parent, 0xffffffff);
      assert.equal((opts(q).init as Record<string, number>).defcls, 0x20);
      // htb cannot change its qdisc options: the kernel's extended ack says so.
      await assert.rejects(
        () => ip.tc("change", "htb", { index: "v0", handle: "1:", default: "1:30" }),
        (e) =>
          e instanceof NetlinkError && e.code === "EINVAL" &&
          /Change operation not supported/.test(e.extack.msg ?? ""),
      );
      await assert.rejects(
        () => ip.tc("add", "htb", { index: "v0", handle: "1:" }),
        isCode("EEXIST"),
      );
      await ip.tc("replace", "tbf", {
        index: "v0",
        rate: "1mbit",
        burst: "32kb",
        latency: "50ms",
      });
      [q] = await ip.getQdiscs({ index: "v0", parent: "root" });
      assert.equal(q.kind, "tbf");
      assert.equal((opts(q).parms as Record<string, number>).rate, 125000);
      await ip.tc("change", "tbf", {
        index: "v0",
        handle: q.handle,
        rate: "2mbit",
        burst: "32kb",
        latency: "50ms",
      });
      [q] = await ip.getQdiscs({ index: "v0", kind: "tbf" });
      assert.equal((opts(q).parms as Record<string, number>).rate, 250000);
      await ip.tc("del", "", { index: "v0", parent: "root" });
      assert.deepEqual(await ip.getQdiscs({ index: "v0", kind: "tbf" }), []);
      await assert.rejects(
        () => ip.tc("del", "", { index: "v0", parent: "root" }),
        (e) => e instanceof NetlinkError,
      );
      // pfifo and bfifo with limits, pfifo_fast.
      await ip.tc("add", "bfifo", { index: "v1", handle: "5:", limit: "64kb" });
      [q] = await ip.getQdiscs({ index: "v1", handle: "5:" });
      assert.deepEqual(q.options, { limit: 65536 });
      await ip.tc("change", "bfifo", { index: "v1", handle: "5:", limit: 1000 });
      [q] = await ip.getQdiscs({ index: "v1", handle: "5:" });
      assert.deepEqual(q.options, { limit: 1000 });
      await ip.tc("replace", "pfifo", { index: "v1", limit: 50 });
      [q] = await ip.getQdiscs({ index: "v1", parent: "root" });
      assert.equal(q.kind, "pfifo");
      assert.deepEqual(q.options, { limit: 50 });
      await ip.tc("replace", "pfifo_fast", { index: "v1" });
      [q] = await ip.getQdiscs({ index: "v1", parent: "root" });
      assert.equal(q.kind, "pfifo_fast");
      assert.equal((q.options as Record<string, number>).bands, 3);
    }),
});

Deno.test({
  ...(await gate(
    "tc live: ingress and clsact add and delete by kind and by parent",
    "qdisc:ingress",
    "qdisc:clsact",
  )),
  fn: () =>
    withVeth(async (ip) => {
      await ip.tc("add", "ingress", { index: "v0" });
      await ip.tc("add", "clsact", { index: "v1" });
      const [ing] = await ip.getQdiscs({ index: "v0", kind: "ingress" });
      assert.equal(ing.handle, 0xffff0000);
      assert.equal(ing.parent, 0xfffffff1);
      assert.deepEqual(opts(ing).toJSON(), {});
      const [cls] = await ip.getQdiscs({ index: "v1", parent: "clsact" });
      assert.equal(cls.kind, "clsact");
      await ip.tc("del", "ingress", { index: "v0" });
      await ip.tc("del", "", { index: "v1", parent: "ingress" });
      assert.deepEqual(await ip.getQdiscs({ index: "v0", kind: "ingress" }), []);
      assert.deepEqual(await ip.getQdiscs({ index: "v1", kind: "clsact" }), []);
    }),
});

Deno.test({
  ...(await gate(
    "tc live: htb classes add, change, replace, del; all interfaces' classes",
    "qdisc:htb",
  )),
  fn: () =>
    withVeth(async (ip) => {
      await ip.tc("add", "htb", { index: "v0", handle: "1:", default: "1:20" });
      await ip.tc("add-class", "htb", {
        index: "v0",
        parent: "1:",
        classid: "1:1",
        rate: "100mbit",
      });
      await ip.tc("add-class", "htb", {
        index: "v0",
        parent: "1:1",
        classid: "1:10",
        rate: "10mbit",
        ceil: "20mbit",
        prio: 2,
      });
      const get = async (h: string) => {
        const [c] = await ip.getClasses({ index: "v0", handle: h });
        return c && (opts(c).parms as Record<string, number>);
      };
      assert.equal((await get("1:10")).rate, 1_250_000);
      assert.equal((await get("1:10")).ceil, 2_500_000);
      assert.equal((await get("1:10")).prio, 2);
      await ip.tc("change-class", "htb", {
        index: "v0",
        parent: "1:1",
        classid: "1:10",
        rate: "2mbit",
      });
      assert.equal((await get("1:10")).rate, 250_000);
      assert.equal((await get("1:10")).ceil, 250_000);
      await ip.tc("replace-class", "htb", {
        index: "v0",
        parent: "1:1",
        classid: "1:10",
        rate: "3mbit",
        ceil: "4mbit",
      });
      assert.equal((await get("1:10")).ceil, 500_000);
      await ip.tc("replace-class", "htb", {
        index: "v0",
        parent: "1:1",
        classid: "1:30",
        rate: "1mbit",
      });
      assert.equal((await get("1:30")).rate, 125_000);
      const [c30] = await ip.getClasses({ index: "v0", handle: "1:30" });
      assert.equal(c30.parent, 0x10001);
      assert.equal((c30.xstats as Record<string, number>).tokens > 0, true);
      await assert.rejects(
        () =>
          ip.tc("add-class", "htb", { index: "v0", parent: "1:1", classid: "1:30", rate: "1mbit" }),
        isCode("EEXIST"),
      );
      await ip.tc("del-class", "", { index: "v0", classid: "1:30" });
      assert.equal(await get("1:30"), undefined);
      assert.deepEqual(
        (await ip.getClasses({ index: "v0", parent: "1:1" })).map((c) => c.handle),
        [0x10010],
      );
      const all = await ip.getClasses();
      assert.deepEqual(all.map((c) => c.handle).sort(), [0x10001, 0x10010]);
      // A class 64-bit rates: 40gbit does not fit the 32-bit field.
      await ip.tc("add-class", "htb", {
        index: "v0",
        parent: "1:",
        classid: "1:2",
        rate: "40gbit",
      });
      const [c2] = await ip.getClasses({ index: "v0", handle: "1:2" });
      assert.equal(opts(c2).rate64, 5_000_000_000);
      assert.equal((opts(c2).parms as Record<string, number>).rate, 0xffffffff);
    }),
});

Deno.test({
  ...(await gate(
    "tc live: u32 filters add, change, replace, delete by handle and by priority",
    "qdisc:htb",
    "filter:u32",
  )),
  fn: () =>
    withVeth(async (ip) => {
      await ip.tc("add", "htb", { index: "v0", handle: "1:" });
      const base = { index: "v0", parent: "1:", protocol: "ip" } as const;
      await ip.tc("add-filter", "u32", {
        ...base,
        prio: 1,
        handle: "800::10",
        match: [{ dst: "10.1.0.0/16" }],
        classid: "1:10",
      });
      const rule = async () => {
        const got = await ip.getFilters({ index: "v0", parent: "1:", handle: "800::10" });
        return got.length ? opts(got[0]) : undefined;
      };
      assert.equal((await rule())!.classid, 0x10010);
      await ip.tc("change-filter", "u32", {
        ...base,
        prio: 1,
        handle: "800::10",
        match: [{ dst: "10.1.0.0/16" }],
        classid: "1:20",
      });
      assert.equal((await rule())!.classid, 0x10020);
      // u32 keeps a rule's selector on replace; the class and actions change.
      await ip.tc("replace-filter", "u32", {
        ...base,
        prio: 1,
        handle: "800::10",
        match: [{ dst: "10.1.0.0/16" }],
        classid: "1:30",
      });
      assert.equal((await rule())!.classid, 0x10030);
      await ip.tc("replace-filter", "u32", {
        ...base,
        prio: 1,
        handle: "800::11",
        match: [{ dst: "10.3.0.0/16" }, { dport: 53 }],
        classid: "1:30",
      });
      const [created] = await ip.getFilters({ index: "v0", parent: "1:", handle: "800::11" });
      const sel = opts(created).sel as U32Sel;
      assert.equal(sel.keys.length, 2);
      assert.equal(sel.keys[0].val, 0x0a030000);
      await ip.tc("add-filter", "u32", {
        ...base,
        prio: 2,
        match: [{ src: "10.2.0.0/16" }],
        classid: "1:20",
      });
      assert.equal((await ip.getFilters({ index: "v0", prio: 2 })).length, 3);
      await ip.tc("del-filter", "u32", { ...base, prio: 1, handle: "800::10" });
      assert.equal(await rule(), undefined);
      await ip.tc("del-filter", "", { index: "v0", parent: "1:", prio: 2 });
      assert.deepEqual(await ip.getFilters({ index: "v0", prio: 2 }), []);
      await assert.rejects(
        () => ip.tc("del-filter", "u32", { ...base, prio: 7, handle: "800::1" }),
        (e) => e instanceof NetlinkError,
      );
    }),
});

Deno.test({
  ...(await gate(
    "tc live: u32 hash tables, divisors, links and hash keys",
    "qdisc:htb",
    "filter:u32",
  )),
  fn: () =>
    withVeth(async (ip) => {
      await ip.tc("add", "htb", { index: "v0", handle: "1:" });
      const base = { index: "v0", parent: "1:", protocol: "ip", prio: 5 } as const;
      await ip.tc("add-filter", "u32", { ...base, handle: "2:", divisor: 256 });
      await ip.tc("add-filter", "u32", {
        ...base,
        ht: "2:7:",
        match: [{ dst: "10.0.0.7/32" }],
        flowid: "1:7",
      });
      await ip.tc("add-filter", "u32", {
        ...base,
        ht: "800::",
        match: [{ dst: "10.0.0.0/24" }],
        hashkey: { mask: 0xff, at: 16 },
        link: "2:",
      });
      const fs = await ip.getFilters({ index: "v0", parent: "1:" });
      const table = fs.find((f) => f.handle === 0x00200000)!;
      assert.equal(opts(table).divisor, 256);
      const bucket = fs.find((f) => (f.handle & 0xfff00000) === 0x00200000 && (f.handle & 0xfff))!;
      assert.equal((bucket.handle >>> 12) & 0xff, 7);
      assert.equal(opts(bucket).classid, 0x10007);
      const linker = fs.find((f) => f.handle === 0x80000800)!;
      assert.equal(opts(linker).link, 0x00200000);
      const sel = opts(linker).sel as U32Sel;
      assert.equal(sel.hmask, 0xff);
      assert.equal(sel.hoff, 16);
    }),
});

/** `r0 = 0; exit`. */
function passProgram(): Uint8Array<ArrayBuffer> {
  const insns = new Uint8Array(16);
  insns[0] = 0xb7;
  insns[8] = 0x95;
  return insns;
}

Deno.test({
  ...(await gate(
    "tc live: bpf filters from a descriptor, a pinned path and classic bytecode",
    "qdisc:ingress",
    "qdisc:clsact",
    "filter:bpf",
  )),
  fn: () =>
    withVeth(async (ip) => {
      await ip.tc("add", "clsact", { index: "v0" });
      const fd = bpfProgLoad(BPF_PROG_TYPE.SCHED_CLS, passProgram(), "GPL", "nlt_fd");
      const dir = Deno.makeTempDirSync({ prefix: "nlt-bpffs-" });
      let mounted = false;
      try {
        await ip.tc("add-filter", "bpf", {
          index: "v0",
          parent: "ingress",
          prio: 1,
          fd,
          name: "by_fd",
          da: true,
        });
        try {
          await run("mount", ["-t", "bpf", "bpf", dir]);
          mounted = true;
        } catch {
          console.log("  (no bpf file system could be mounted: the pinned case is skipped)");
        }
        if (mounted) {
          bpfObjPin(fd, `${dir}/prog`);
          await ip.tc("add-filter", "bpf", {
            index: "v0",
            parent: "egress",
            prio: 2,
            pinned: `${dir}/prog`,
            direct_action: true,
          });
          const [eg] = await ip.getFilters({ index: "v0", parent: "egress", handle: 1 });
          assert.equal(opts(eg).name, "prog:[*fsobj]");
          assert.equal(opts(eg).flags, 1);
          await assert.rejects(
            () =>
              ip.tc("add-filter", "bpf", { index: "v0", parent: "egress", pinned: `${dir}/none` }),
            (e) => e instanceof TypeError && /^pinned: nothing is pinned/.test(e.message),
          );
        }
      } finally {
        closeFd(fd);
        if (mounted) await run("umount", [dir]);
        Deno.removeSync(dir, { recursive: true });
      }
      const [ing] = await ip.getFilters({ index: "v0", parent: "ingress", handle: 1 });
      assert.equal(opts(ing).name, "by_fd");
      assert.equal(opts(ing).flags, 1);
      assert.equal(typeof opts(ing).id, "number");
      assert.equal((opts(ing).tag as Uint8Array).length, 8);
      await ip.tc("add-filter", "bpf", {
        index: "v0",
        parent: "ingress",
        prio: 3,
        bytecode: [[6, 0, 0, 0xffffffff]],
        classid: "1:1",
      });
      const [cb] = await ip.getFilters({ index: "v0", parent: "ingress", prio: 3, handle: 1 });
      assert.deepEqual(opts(cb).ops, [{ code: 6, jt: 0, jf: 0, k: 0xffffffff }]);
      await ip.tc("del-filter", "bpf", { index: "v0", parent: "ingress", prio: 3, handle: 1 });
      assert.deepEqual(await ip.getFilters({ index: "v0", parent: "ingress", prio: 3 }), []);
    }),
});

Deno.test({
  ...(await gate("tc live: standalone mirred actions add, list, delete", "action:mirred")),
  fn: () =>
    withVeth(async (ip) => {
      await ip.tc("add-action", "mirred", {
        direction: "egress",
        mode: "mirror",
        dev: "v1",
        index: 9,
      });
      const find = async () => {
        for (const m of await getActions(ip, "mirred")) {
          for (const a of m.tab ?? []) {
            const parms = (a.options as View).parms as Record<string, number>;
            if (parms.index === 9) return parms;
          }
        }
      };
      const p = await find();
      assert.ok(p);
      assert.equal(p.eaction, 2);
      assert.equal(p.action, 3);
      assert.deepEqual(await ip.linkLookup({ ifname: "v1" }), [p.ifindex]);
      await ip.tc("del-action", "mirred", { index: 9 });
      assert.equal(await find(), undefined);
    }),
});

Deno.test({
  ...(await gate(
    "tc live: statistics with a rate estimator (basic, queue, rate_est)",
    "qdisc:htb",
  )),
  fn: () =>
    withVeth(async (ip) => {
      await ip.tc("add", "htb", {
        index: "v0",
        handle: "1:",
        estimator: { interval: "250ms", time_const: "1s" },
      });
      const [q] = await ip.getQdiscs({ index: "v0" });
      const s = q.stats2!;
      assert.deepEqual(Object.keys(s.basic!), ["bytes", "packets"]);
      assert.deepEqual(Object.keys(s.queue!), [
        "qlen",
        "backlog",
        "drops",
        "requeues",
        "overlimits",
      ]);
      assert.deepEqual(s.rate_est, { bps: 0, pps: 0 });
      assert.equal(q.stats!.bps, 0);
      const json = q.toJSON() as { stats2: { rate_est: unknown } };
      assert.deepEqual(json.stats2.rate_est, { bps: 0, pps: 0 });
    }),
});

Deno.test({
  ...(await gate("tc live: events on the tc group", "qdisc:ingress", "filter:u32")),
  fn: () =>
    withVeth(async (ip) => {
      const ac = new AbortController();
      const events: MonitorEvent[] = [];
      const it = ip.monitor({ groups: ["tc"], signal: ac.signal });
      const reader = (async () => {
        for await (const e of it) {
          events.push(e);
          if (events.some((x) => x.type === "RTM_NEWTFILTER")) ac.abort();
        }
      })().catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
      await ip.tc("add", "ingress", { index: "v0" });
      await ip.tc("add-filter", "u32", {
        index: "v0",
        parent: "ffff:",
        protocol: "ip",
        prio: 4,
        match: [{ src: "10.0.0.0/8" }],
        classid: "1:1",
      });
      const timer = setTimeout(() => ac.abort(), 3000);
      await reader;
      clearTimeout(timer);
      const q = events.find((e) => e.type === "RTM_NEWQDISC")?.message as TcMessage;
      assert.equal(q.kind, "ingress");
      const f = events.find((e) => e.type === "RTM_NEWTFILTER")?.message as TcMessage;
      assert.equal(f.kind, "u32");
      assert.equal(f.prio, 4);
      assert.equal(f.protocol, 0x0800);
    }),
});

/** Kinds some kernels lack (this one did when they were written): each test needs them all. */
const OPTIONAL: [name: string, needs: Feature[], body: (ip: IPRoute) => Promise<void>][] = [
  ["netem", ["qdisc:netem"], async (ip) => {
    await ip.tc("add", "netem", {
      index: "v0",
      delay: "100ms",
      jitter: "10ms",
      loss: "1%",
      rate: "1mbit",
    });
    const [q] = await ip.getQdiscs({ index: "v0", kind: "netem" });
    assert.equal(opts(q).latency, 1562500);
    assert.equal((opts(q).rate as Record<string, number>).rate, 125000);
  }],
  [
    "sfq, fq_codel, cake, prio",
    ["qdisc:sfq", "qdisc:fq_codel", "qdisc:cake", "qdisc:prio"],
    async (ip) => {
      await ip.tc("add", "sfq", { index: "v0", perturb: 10 });
      await ip.tc("replace", "fq_codel", { index: "v0", target: "5ms" });
      await ip.tc("replace", "cake", { index: "v0", bandwidth: "100mbit" });
      await ip.tc("replace", "prio", { index: "v0", bands: 4 });
      const [q] = await ip.getQdiscs({ index: "v0", parent: "root" });
      assert.equal((q.options as Record<string, number>).bands, 4);
    },
  ],
  ["hfsc with classes", ["qdisc:hfsc"], async (ip) => {
    await ip.tc("add", "hfsc", { index: "v0", handle: "1:", default: "1" });
    await ip.tc("add-class", "hfsc", { index: "v0", parent: "1:", classid: "1:1", sc: "1mbit" });
    const [c] = await ip.getClasses({ index: "v0", handle: "1:1" });
    assert.equal((opts(c).fsc as Record<string, number>).m2, 125000);
  }],
  ["matchall, fw and flower with gact, police and skbedit", [
    "qdisc:ingress",
    "filter:matchall",
    "filter:fw",
    "filter:flower",
    "action:gact",
    "action:police",
    "action:skbedit",
  ], async (ip) => {
    await ip.tc("add", "ingress", { index: "v0" });
    await ip.tc("add-filter", "matchall", {
      index: "v0",
      parent: "ffff:",
      action: [{ kind: "police", rate: "1mbit", burst: "10k" }, { kind: "skbedit", mark: 5 }],
    });
    await ip.tc("add-filter", "flower", {
      index: "v0",
      parent: "ffff:",
      protocol: "ip",
      dst_ip: "10.0.0.0/8",
      ip_proto: "tcp",
      dst_port: 80,
      action: "drop",
    });
    await ip.tc("add-filter", "fw", {
      index: "v0",
      parent: "ffff:",
      protocol: "ip",
      handle: 5,
      classid: "1:1",
    });
    assert.equal((await ip.getFilters({ index: "v0", kind: "flower" })).length >= 1, true);
  }],
];

for (const [name, needs, body] of OPTIONAL) {
  await liveTest(`tc live: ${name}`, needs, () => withVeth((ip) => body(ip)));
}
