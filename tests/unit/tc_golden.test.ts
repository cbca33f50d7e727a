/**
 * Traffic control against iproute2's own requests (tests/golden/iproute2/tc_*.json, captured
 * from `tc` 6.1 with strace): the encoder byte for byte (seq/pid masked, and NLA_F_NESTED,
 * which tc leaves out), the decoder reading those bytes back. Covers every kind, including
 * those this kernel lacks (netem, sfq, fq_codel, cake, prio, hfsc, matchall, fw, flower, gact,
 * police, skbedit).
 */

import assert from "node:assert/strict";
import { hex, toHex } from "../helpers.ts";
import { NLM_F } from "../../netlink/constants.ts";
import { messageViewClass } from "../../netlink/view.ts";
import type { AttrView } from "../../netlink/view.ts";
import type { MessageSchema } from "../../netlink/schema.ts";
import { buildTc, parsePsched, setTcClock } from "../../rtnl/tc/mod.ts";
import type { TcCommand, TcMessage, TcSpec } from "../../rtnl/tc/mod.ts";
import { TC_MESSAGE, TC_QDISC_MESSAGE } from "../../rtnl/schemas/tc.ts";
import { ACTION_MESSAGE } from "../../rtnl/schemas/tc_action.ts";

// The clock the captures were made with (/proc/net/psched).
setTcClock(parsePsched("000003e8 00000040 000f4240 3b9aca00"));

/** Resolves nothing: golden specs use the capture's ifindexes (v1 = 2, v0 = 3). */
const core = {
  ifindex(v: unknown): number {
    if (typeof v !== "number") throw new Error("golden specs use indexes");
    return v;
  },
};

function golden(name: string): { command: string; requests: string[]; main: number } {
  return JSON.parse(
    Deno.readTextFileSync(new URL(`../golden/iproute2/${name}.json`, import.meta.url)),
  );
}

/**
 * Compares a request with tc's: seq and pid (bytes 8..15) ignored, and NLA_F_NESTED (the high
 * bit of an attribute's type, at offset 3 mod 4), which we set on every nest and tc does not.
 */
function assertSameRequest(ours: Uint8Array, theirs: Uint8Array, what: string): void {
  const o = ours.slice();
  o[6] |= NLM_F.REQUEST | NLM_F.ACK; // the engine adds these when sending
  const bad: number[] = [];
  for (let i = 0; i < Math.max(o.length, theirs.length); i++) {
    if (i >= 8 && i < 16) continue;
    if (o[i] === theirs[i]) continue;
    if (i % 4 === 3 && ((o[i] ?? 0) ^ (theirs[i] ?? 0)) === 0x80) continue;
    bad.push(i);
  }
  if (o.length !== theirs.length || bad.length) {
    assert.fail(
      `${what}: ${o.length} vs ${theirs.length} bytes, first differences at ${
        bad.slice(0, 8).join(", ")
      }\nours ${toHex(o)}\ntc   ${toHex(theirs)}`,
    );
  }
}

/** Each golden capture and the spec that says the same thing. */
const CASES: [name: string, cmd: TcCommand, kind: string, spec: TcSpec][] = [
  ["tc_qdisc_htb", "add", "htb", { index: 3, handle: "1:", default: "20" }],
  ["tc_class_htb", "add-class", "htb", {
    index: 3,
    parent: "1:",
    classid: "1:10",
    rate: "10mbit",
    ceil: "20mbit",
  }],
  ["tc_qdisc_tbf", "add", "tbf", { index: 3, rate: "1mbit", burst: "32kb", latency: "50ms" }],
  ["tc_qdisc_ingress", "add", "ingress", { index: 3 }],
  ["tc_qdisc_clsact", "add", "clsact", { index: 3 }],
  ["tc_qdisc_del", "del", "", { index: 3, parent: "root" }],
  ["tc_qdisc_netem", "add", "netem", {
    index: 3,
    delay: "100ms",
    jitter: "10ms",
    loss: "1%",
    duplicate: "2%",
    reorder: "25%",
    corrupt: "0.1%",
    rate: "1mbit",
  }],
  ["tc_qdisc_sfq", "add", "sfq", { index: 3, perturb: 10 }],
  ["tc_qdisc_fq_codel", "add", "fq_codel", { index: 3 }],
  ["tc_qdisc_cake", "add", "cake", { index: 3, bandwidth: "100mbit" }],
  ["tc_qdisc_prio", "add", "prio", { index: 3, handle: "1:", bands: 3 }],
  ["tc_qdisc_hfsc", "add", "hfsc", { index: 3, handle: "1:", default: "1" }],
  ["tc_class_hfsc", "add-class", "hfsc", {
    index: 3,
    parent: "1:",
    classid: "1:1",
    sc: { rate: "1mbit" },
    ul: "2mbit",
  }],
  ["tc_filter_u32", "add-filter", "u32", {
    index: 3,
    parent: "1:",
    protocol: "ip",
    prio: 1,
    match: [{ dst: "10.1.0.0/16" }],
    flowid: "1:10",
  }],
  // pyroute2's police shortcut on a u32 filter (its test_ingress form): TCA_U32_POLICE.
  ["tc_filter_u32_police", "add-filter", "u32", {
    index: 3,
    parent: 0xffff0000,
    protocol: "ip",
    prio: 50,
    keys: ["0x0/0x0+12"],
    target: 0x1,
    rate: "10kbit",
    burst: 10240,
    limit: 0,
    action: "drop",
  }],
  // The same in tc's words: `police: { … }`.
  ["tc_filter_u32_police", "add-filter", "u32", {
    index: 3,
    parent: "ffff:",
    protocol: "ip",
    prio: 50,
    match: [{ u32: [0, 0], at: 12 }],
    flowid: ":1",
    police: { rate: "10kbit", burst: 10240, exceed: "drop" },
  }],
  ["tc_filter_u32_mirred", "add-filter", "u32", {
    index: 3,
    parent: "ffff:",
    protocol: "ip",
    match: [{ src: "10.2.0.0/16" }],
    action: { kind: "mirred", direction: "egress", mode: "redirect", dev: 2 },
  }],
  ["tc_filter_bpf_classic", "add-filter", "bpf", {
    index: 3,
    parent: "ingress",
    prio: 7,
    bytecode: "1,6 0 0 4294967295,",
    flowid: "1:1",
  }],
  ["tc_filter_matchall", "add-filter", "matchall", { index: 3, parent: "ffff:", action: "drop" }],
  ["tc_filter_matchall_gact", "add-filter", "matchall", {
    index: 3,
    parent: "ffff:",
    prio: 4,
    action: { kind: "gact", action: "pass" },
  }],
  ["tc_filter_matchall_police", "add-filter", "matchall", {
    index: 3,
    parent: "ffff:",
    prio: 5,
    action: { kind: "police", rate: "1mbit", burst: "10k", exceed: "drop", conform: "pipe" },
  }],
  ["tc_filter_matchall_skbedit", "add-filter", "matchall", {
    index: 3,
    parent: "ffff:",
    prio: 6,
    action: { kind: "skbedit", mark: 5 },
  }],
  ["tc_filter_fw", "add-filter", "fw", {
    index: 3,
    parent: "1:",
    protocol: "ip",
    prio: 2,
    handle: 5,
    classid: "1:10",
  }],
  ["tc_filter_flower", "add-filter", "flower", {
    index: 3,
    parent: "ffff:",
    protocol: "ip",
    prio: 3,
    dst_ip: "10.0.0.0/8",
    ip_proto: "tcp",
    dst_port: 80,
    action: "drop",
  }],
  ["tc_action_gact", "add-action", "gact", { action: "pass", index: 1 }],
  ["tc_action_mirred", "add-action", "mirred", {
    direction: "egress",
    mode: "redirect",
    dev: 2,
    index: 1,
  }],
  ["tc_action_police", "add-action", "police", {
    rate: "1mbit",
    burst: "10k",
    exceed: "drop",
    conform: "pipe",
    index: 1,
  }],
  ["tc_action_skbedit", "add-action", "skbedit", { mark: 5, index: 1 }],
];

for (const [name, cmd, kind, spec] of CASES) {
  Deno.test(`tc encoder: ${golden(name).command} byte for byte`, async () => {
    const g = golden(name);
    const built = await buildTc(core, cmd, kind, spec);
    assertSameRequest(built.bytes, hex(g.requests[g.main]), g.command);
  });
}

function view<M extends MessageSchema>(schema: M, name: string) {
  const g = golden(name);
  const b = hex(g.requests[g.main]);
  const C = messageViewClass(schema);
  return new C(new DataView(b.buffer), b, 0, b.length) as unknown as TcMessage;
}

const opts = (m: TcMessage) => m.options as AttrView & Record<string, unknown>;

Deno.test("tc decoder: htb qdisc and class requests", () => {
  const q = view(TC_QDISC_MESSAGE, "tc_qdisc_htb");
  assert.equal(q.kind, "htb");
  assert.equal(q.handle, 0x10000);
  assert.equal(q.parent, 0xffffffff);
  assert.equal(q.index, 3);
  assert.deepEqual(opts(q).init, {
    version: 3,
    rate2quantum: 10,
    defcls: 0x20,
    debug: 0,
    direct_pkts: 0,
  });
  const c = view(TC_MESSAGE, "tc_class_htb");
  assert.equal(c.handle, 0x10010);
  const parms = opts(c).parms as Record<string, number>;
  assert.equal(parms.rate, 1_250_000);
  assert.equal(parms.ceil, 2_500_000);
  assert.equal(parms.rate_cell_log, 3);
  assert.equal(parms.rate_cell_align, -1);
  assert.equal(parms.buffer, 20000);
  assert.equal(parms.cbuffer, 10000);
  assert.equal((opts(c).rtab as Uint8Array).length, 1024);
  assert.equal(new DataView((opts(c).ctab as Uint8Array).slice().buffer).getUint32(0, true), 46);
});

Deno.test("tc decoder: tbf, netem (struct and attributes), sfq, fq_codel, cake, prio, hfsc", () => {
  const tbf = opts(view(TC_QDISC_MESSAGE, "tc_qdisc_tbf"));
  assert.equal((tbf.parms as Record<string, number>).rate, 125000);
  assert.equal((tbf.parms as Record<string, number>).limit, 39018);
  assert.equal((tbf.parms as Record<string, number>).buffer, 4096000);
  assert.equal(tbf.burst, 32768);

  const netem = opts(view(TC_QDISC_MESSAGE, "tc_qdisc_netem"));
  assert.equal(netem.latency, 1562500);
  assert.equal(netem.jitter, 156250);
  assert.equal(netem.limit, 1000);
  assert.equal(netem.loss, 42949673);
  assert.equal(netem.gap, 1);
  assert.deepEqual(netem.reorder, { probability: 0x40000000, correlation: 0 });
  assert.deepEqual(netem.corrupt, { probability: 4294967, correlation: 0 });
  assert.equal((netem.rate as Record<string, number>).rate, 125000);
  const json = netem.toJSON();
  assert.equal(Object.keys(json)[0], "latency");
  assert.equal(json.duplicate, 85899346);

  assert.equal(
    (view(TC_QDISC_MESSAGE, "tc_qdisc_sfq").options as Record<string, number>).perturb_period,
    10,
  );
  assert.deepEqual(opts(view(TC_QDISC_MESSAGE, "tc_qdisc_fq_codel")).toJSON(), {});
  const cake = opts(view(TC_QDISC_MESSAGE, "tc_qdisc_cake"));
  assert.equal(cake.base_rate64, 12_500_000);
  assert.equal(cake.autorate, 0);
  const prio = view(TC_QDISC_MESSAGE, "tc_qdisc_prio").options as Record<string, unknown>;
  assert.equal(prio.bands, 3);
  assert.deepEqual(
    Array.from(prio.priomap as Uint8Array),
    [1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
  );
  assert.deepEqual(view(TC_QDISC_MESSAGE, "tc_qdisc_hfsc").options, { defcls: 1 });
  const hfsc = opts(view(TC_MESSAGE, "tc_class_hfsc"));
  assert.deepEqual(hfsc.rsc, { m1: 0, d: 0, m2: 125000 });
  assert.deepEqual(hfsc.fsc, { m1: 0, d: 0, m2: 125000 });
  assert.deepEqual(hfsc.usc, { m1: 0, d: 0, m2: 250000 });
});

Deno.test("tc decoder: u32 selector, mirred action, bpf program, prio and protocol", () => {
  const u = view(TC_MESSAGE, "tc_filter_u32");
  assert.equal(u.prio, 1);
  assert.equal(u.protocol, 0x0800);
  assert.equal(opts(u).classid, 0x10010);
  assert.deepEqual(opts(u).sel, {
    flags: 1,
    offshift: 0,
    nkeys: 1,
    offmask: 0,
    off: 0,
    offoff: 0,
    hoff: 0,
    hmask: 0,
    keys: [{ mask: 0xffff0000, val: 0x0a010000, off: 16, offmask: 0 }],
  });
  const m = view(TC_MESSAGE, "tc_filter_u32_mirred");
  const [act] = opts(m).act as (AttrView & Record<string, unknown>)[];
  assert.equal(act.kind, "mirred");
  assert.deepEqual((act.options as AttrView & Record<string, unknown>).parms, {
    index: 0,
    capab: 0,
    action: 4,
    refcnt: 0,
    bindcnt: 0,
    eaction: 1,
    ifindex: 2,
  });
  const json = m.toJSON() as { options: { sel: { keys: { off: number }[] } } };
  assert.equal(json.options.sel.keys[0].off, 12);

  const b = view(TC_MESSAGE, "tc_filter_bpf_classic");
  assert.equal(b.parent, 0xfffffff2);
  assert.equal(b.prio, 7);
  assert.equal(b.protocol, 0x0003);
  assert.deepEqual(opts(b).ops, [{ code: 6, jt: 0, jf: 0, k: 0xffffffff }]);
  assert.equal(opts(b).ops_len, 1);
});

Deno.test("tc decoder: matchall with gact, police and skbedit; fw; flower", () => {
  const acts = (name: string) =>
    opts(view(TC_MESSAGE, name)).act as (AttrView & Record<string, unknown>)[];
  const o = (a: AttrView & Record<string, unknown>) => a.options as Record<string, unknown>;
  assert.equal((o(acts("tc_filter_matchall")[0]).parms as Record<string, number>).action, 2);
  assert.equal((o(acts("tc_filter_matchall_gact")[0]).parms as Record<string, number>).action, 0);
  const police = o(acts("tc_filter_matchall_police")[0]);
  assert.equal((police.tbf as Record<string, number>).burst, 1280000);
  assert.equal((police.tbf as Record<string, number>).rate, 125000);
  assert.equal(police.result, 3);
  assert.equal(o(acts("tc_filter_matchall_skbedit")[0]).mark, 5);

  const fw = view(TC_MESSAGE, "tc_filter_fw");
  assert.equal(fw.handle, 5);
  assert.equal(opts(fw).classid, 0x10010);

  const fl = opts(view(TC_MESSAGE, "tc_filter_flower"));
  assert.equal(fl.key_ipv4_dst, "10.0.0.0");
  assert.equal(fl.key_ipv4_dst_mask, "255.0.0.0");
  assert.equal(fl.key_ip_proto, 6);
  assert.equal(fl.key_tcp_dst, 80);
  assert.equal(fl.key_eth_type, 0x0800);
  assert.equal(fl.flags, 0);
});

Deno.test("tc decoder: standalone action messages", () => {
  for (const name of ["tc_action_gact", "tc_action_mirred", "tc_action_police"]) {
    const g = golden(name);
    const b = hex(g.requests[g.main]);
    const C = messageViewClass(ACTION_MESSAGE);
    const m = new C(new DataView(b.buffer), b, 0, b.length);
    const [a] = m.tab as unknown as (AttrView & Record<string, unknown>)[];
    assert.equal(a.kind, name.slice("tc_action_".length));
    const json = m.toJSON() as { tab: { options: Record<string, { index: number }> }[] };
    const parms = json.tab[0].options.parms ?? json.tab[0].options.tbf;
    assert.equal(parms.index, 1);
  }
});

Deno.test("tc decoder: u32 with the old-style police (TCA_U32_POLICE), read as pyroute2 reads it", () => {
  const f = view(TC_MESSAGE, "tc_filter_u32_police");
  assert.equal(f.kind, "u32");
  const tbf = f.getNested("TCA_OPTIONS", "TCA_U32_POLICE", "TCA_POLICE_TBF") as Record<
    string,
    number
  >;
  assert.equal(tbf.rate, 1250); // 10kbit
  assert.equal(tbf.action, 2); // drop (TC_ACT_SHOT)
  assert.equal(f.getNested("TCA_OPTIONS", "TCA_U32_CLASSID"), 1);
});
