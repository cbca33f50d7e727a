/**
 * Queueing disciplines and classes: each kind's spec options turned into `TCA_OPTIONS` as `tc`
 * builds them (same attributes, same order, same computed values).
 *
 * @module
 */

import type { Codec } from "../../netlink/schema.ts";
import { TC_OPTIONS } from "../schemas/tc.ts";
import {
  CAKE,
  FQ_CODEL,
  HFSC,
  HTB,
  NETEM,
  PRIO,
  TBF,
  TC_FIFO_QOPT,
  TC_HFSC_QOPT,
  TC_NETEM_QOPT,
  TC_PRIO_QOPT,
  TC_SFQ_QOPT_V1,
} from "../schemas/tc_qdisc.ts";
import { parseClassid } from "./handles.ts";
import type { Options, SpecReader } from "./spec.ts";
import {
  calcRtable,
  LINKLAYER,
  parseRate,
  parseSizeAndCell,
  parseTime,
  tcClock,
  time2ktime,
  time2tick,
  xmittime,
} from "./units.ts";
import { describeValue } from "../../netlink/addr.ts";
import { checkKeys, KeySet } from "../../netlink/strict.ts";

// The keys of an HFSC curve: two-piece `{ m1, d, m2 }`, or `{ rate, umax, dmax }`.
const CURVE_KEYS = new KeySet("option", ["m1", "d", "m2"]);
const RATE_CURVE_KEYS = new KeySet("option", ["rate", "umax", "dmax"]);

/** A queueing discipline kind: how its qdisc and (if classful) class options are built. */
export interface QdiscKind {
  /** Builds the qdisc's options (undefined: none sent). */
  readonly qdisc: (r: SpecReader) => Options | undefined;
  /** Builds a class's options, for classful kinds. */
  readonly class?: (r: SpecReader) => Options | undefined;
  /** The fixed parent and handle of ingress and clsact. */
  readonly hook?: true;
}

const U32_MAX = 0xffffffff;
const nest = (schema: () => unknown): Codec => ({ kind: "nest", schema } as Codec);

/** A class number: `"1:20"` → 0x20, `"20"` → 0x20 (hex, as tc), a number as is. */
function parseDefclass(v: unknown, field: string): number {
  if (typeof v === "number") return parseClassid(v, field);
  const h = parseClassid(v, field);
  return typeof v === "string" && v.includes(":") ? h & 0xffff : h;
}

function rateOf(r: SpecReader, key: string, why: string): number {
  const rate = r.need(key, parseRate, why);
  if (rate === 0) throw new RangeError(`${r.field(key)}: must be above zero`);
  return rate;
}

/** `struct tc_ratespec` fields under `prefix`. */
function ratespec(
  prefix: string,
  rate: number,
  cellLog: number,
  linklayer: number,
  overhead: number,
  mpu: number,
): Record<string, number> {
  return {
    [`${prefix}_cell_log`]: cellLog,
    [`${prefix}_linklayer`]: linklayer,
    [`${prefix}_overhead`]: overhead,
    [`${prefix}_cell_align`]: -1,
    [`${prefix}_mpu`]: mpu,
    [prefix]: rate >= 2 ** 32 ? U32_MAX : rate,
  };
}

function htbQdisc(r: SpecReader): Options {
  const init = {
    version: 3,
    rate2quantum: r.uint("r2q") ?? 10,
    defcls: r.get("default", parseDefclass) ?? 0,
    debug: r.uint("debug") ?? 0,
    direct_pkts: 0,
  };
  const value: Record<string, unknown> = { init };
  const qlen = r.uint("direct_qlen");
  if (qlen !== undefined) value.direct_qlen = qlen;
  if (r.bool("offload")) value.offload = true;
  return { codec: TC_OPTIONS.htb, value };
}

function htbClass(r: SpecReader): Options {
  const rate = rateOf(r, "rate", "for an htb class");
  const ceil = r.rate("ceil") || rate;
  const [burst0, cellLog] = r.sizeCell("burst") ?? [0, -1];
  const [cburst0, ccellLog] = r.sizeCell("cburst") ?? [0, -1];
  const mtu = r.uint("mtu") ?? 1600;
  const mpu = r.uint("mpu", 16) ?? 0;
  const overhead = r.uint("overhead", 16) ?? 0;
  const linklayer = r.linklayer("linklayer") ?? LINKLAYER.ethernet;
  const hz = tcClock().hz;
  const buffer = burst0 || (Math.floor(rate / hz) + mtu) % 2 ** 32;
  const cbuffer = cburst0 || (Math.floor(ceil / hz) + mtu) % 2 ** 32;
  const rt = calcRtable(rate >= 2 ** 32 ? U32_MAX : rate, cellLog, mtu, mpu, linklayer);
  const ct = calcRtable(ceil >= 2 ** 32 ? U32_MAX : ceil, ccellLog, mtu, mpu, linklayer);
  const parms = {
    ...ratespec("rate", rate, rt.cellLog, linklayer, overhead, mpu),
    ...ratespec("ceil", ceil, ct.cellLog, linklayer, overhead, mpu),
    buffer: xmittime(rate, buffer, r.field("burst")),
    cbuffer: xmittime(ceil, cbuffer, r.field("cburst")),
    quantum: r.uint("quantum") ?? 0,
    level: 0,
    prio: r.uint("prio") ?? 0,
  };
  const value: Record<string, unknown> = {};
  if (rate >= 2 ** 32) value.rate64 = rate;
  if (ceil >= 2 ** 32) value.ceil64 = ceil;
  value.parms = parms;
  value.rtab = rt.table;
  value.ctab = ct.table;
  if (r.bool("offload")) value.offload = true;
  return { codec: nest(() => HTB), value };
}

function tbfQdisc(r: SpecReader): Options {
  const rate = rateOf(r, "rate", "for tbf");
  const burstKey = r.takeAny("burst", "buffer", "maxburst");
  if (!burstKey) throw new TypeError(`${r.field("burst")}: required for tbf`);
  const [buffer, rcell] = parseSizeAndCell(burstKey[1], r.field(burstKey[0]));
  if (buffer === 0) throw new RangeError(`${r.field(burstKey[0])}: must be above zero`);
  const mtuKey = r.takeAny("mtu", "minburst");
  const [mtu, pcell] = mtuKey ? parseSizeAndCell(mtuKey[1], r.field(mtuKey[0])) : [0, -1];
  const mpu = r.size("mpu") ?? 0;
  const prate = r.rate("peakrate") ?? 0;
  const overhead = r.uint("overhead", 16) ?? 0;
  const linklayer = r.linklayer("linklayer") ?? LINKLAYER.ethernet;
  let limit = r.size("limit") ?? 0;
  const latency = r.time("latency") ?? 0;
  if (r.has("limit") && r.has("latency")) {
    throw new TypeError(`${r.field("latency")}: give either limit or latency, not both`);
  }
  if (limit === 0 && latency === 0) {
    throw new TypeError(`${r.field("latency")}: tbf needs latency or limit`);
  }
  if (prate && !mtu) throw new TypeError(`${r.field("mtu")}: required with peakrate`);
  if (limit === 0) {
    let lim = (rate * latency) / 1e6 + buffer;
    if (prate) {
      const lim2 = (prate * latency) / 1e6 + mtu;
      if (lim2 < lim) lim = lim2;
    }
    limit = Math.trunc(lim) % 2 ** 32;
  }
  const rate32 = rate >= 2 ** 32 ? U32_MAX : rate;
  const prate32 = prate >= 2 ** 32 ? U32_MAX : prate;
  const rt = calcRtable(rate32, rcell, mtu, mpu, linklayer);
  const parms: Record<string, number> = {
    ...ratespec("rate", rate, rt.cellLog, linklayer, overhead, mpu),
    limit,
    buffer: xmittime(rate32, buffer, r.field(burstKey[0])),
    mtu: 0,
  };
  let pt;
  if (prate) {
    pt = calcRtable(prate32, pcell, mtu, mpu, linklayer);
    Object.assign(parms, ratespec("peakrate", prate, pt.cellLog, linklayer, overhead, mpu));
    parms.mtu = xmittime(prate32, mtu, r.field("mtu"));
  }
  const value: Record<string, unknown> = { parms, burst: buffer };
  if (rate >= 2 ** 32) value.rate64 = rate;
  value.rtab = rt.table;
  if (pt) {
    if (prate >= 2 ** 32) value.prate64 = prate;
    value.pburst = mtu;
    value.ptab = pt.table;
  }
  return { codec: nest(() => TBF), value };
}

/** Ticks from a time option, as netem's `get_ticks` (a RangeError when it overflows). */
function ticksOf(r: SpecReader, key: string): number | undefined {
  const t = r.time(key);
  if (t === undefined) return undefined;
  if (t * tcClock().tickInUsec >= 2 ** 32) {
    throw new RangeError(`${r.field(key)}: ${t}us is too large for netem`);
  }
  return time2tick(t);
}

function netemQdisc(r: SpecReader): Options {
  const opt = {
    latency: ticksOf(r, "delay") ?? 0,
    limit: r.size("limit") ?? 1000,
    loss: r.probability("loss") ?? 0,
    gap: r.uint("gap") ?? 0,
    duplicate: r.probability("duplicate") ?? 0,
    jitter: ticksOf(r, "jitter") ?? 0,
  };
  const corr = {
    delay_corr: r.probability("delay_correlation"),
    loss_corr: r.probability("loss_correlation"),
    dup_corr: r.probability("duplicate_correlation"),
  };
  const reorder = r.probability("reorder");
  const reorderCorr = r.probability("reorder_correlation");
  const corrupt = r.probability("corrupt");
  const corruptCorr = r.probability("corrupt_correlation");
  const ecn = r.bool("ecn");
  const rate = r.rate("rate");
  const packetOverhead = r.int("packet_overhead");
  const cellSize = r.uint("cell_size");
  const cellOverhead = r.int("cell_overhead");
  if (reorder) {
    if (opt.latency === 0) {
      throw new TypeError(`${r.field("reorder")}: reordering needs a delay`);
    }
    if (opt.gap === 0) opt.gap = 1;
  } else if (opt.gap > 0) {
    throw new TypeError(`${r.field("gap")}: gap needs a reorder probability`);
  }
  if (reorderCorr !== undefined && reorder === undefined) {
    throw new TypeError(`${r.field("reorder_correlation")}: needs reorder`);
  }
  if (corruptCorr !== undefined && corrupt === undefined) {
    throw new TypeError(`${r.field("corrupt_correlation")}: needs corrupt`);
  }
  if (rate === undefined) {
    for (const k of ["packet_overhead", "cell_size", "cell_overhead"]) {
      if (r.has(k)) throw new TypeError(`${r.field(k)}: needs rate`);
    }
  }
  const value: Record<string, unknown> = { header: opt };
  if (Object.values(corr).some((v) => v !== undefined)) {
    value.corr = {
      delay_corr: corr.delay_corr ?? 0,
      loss_corr: corr.loss_corr ?? 0,
      dup_corr: corr.dup_corr ?? 0,
    };
  }
  if (reorder !== undefined) {
    value.reorder = { probability: reorder, correlation: reorderCorr ?? 0 };
  }
  if (ecn) value.ecn = 1;
  if (corrupt !== undefined) {
    value.corrupt = { probability: corrupt, correlation: corruptCorr ?? 0 };
  }
  if (rate !== undefined) {
    if (rate >= 2 ** 32) value.rate64 = rate;
    value.rate = {
      rate: rate >= 2 ** 32 ? U32_MAX : rate,
      packet_overhead: packetOverhead ?? 0,
      cell_size: cellSize ?? 0,
      cell_overhead: cellOverhead ?? 0,
    };
  }
  return {
    codec: { kind: "nest", schema: () => NETEM, header: TC_NETEM_QOPT } as Codec,
    value,
  };
}

function sfqQdisc(r: SpecReader): Options {
  const value = {
    quantum: r.size("quantum") ?? 0,
    perturb_period: r.int("perturb") ?? 0,
    limit: r.uint("limit") ?? 0,
    divisor: r.uint("divisor") ?? 0,
    flows: r.uint("flows") ?? 0,
    depth: r.uint("depth") ?? 0,
    headdrop: r.bool("headdrop") ? 1 : 0,
  };
  return { codec: TC_SFQ_QOPT_V1, value };
}

function fqCodelQdisc(r: SpecReader): Options {
  const value: Record<string, unknown> = {};
  const set = (k: string, v: number | undefined) => {
    if (v !== undefined) value[k] = v;
  };
  set("limit", r.uint("limit"));
  set("flows", r.uint("flows"));
  set("quantum", r.uint("quantum"));
  set("interval", r.time("interval"));
  set("target", r.time("target"));
  const ecn = r.bool("ecn");
  if (ecn !== undefined) value.ecn = ecn ? 1 : 0;
  set("ce_threshold", r.time("ce_threshold"));
  set("memory_limit", r.size("memory_limit"));
  set("drop_batch_size", r.uint("drop_batch"));
  return { codec: nest(() => FQ_CODEL), value };
}

const CAKE_DIFFSERV = {
  diffserv3: 0,
  diffserv4: 1,
  diffserv8: 2,
  besteffort: 3,
  precedence: 4,
} as const;
const CAKE_FLOW = {
  flowblind: 0,
  srchost: 1,
  dsthost: 2,
  hosts: 3,
  flows: 4,
  "dual-srchost": 5,
  "dual-dsthost": 6,
  "triple-isolate": 7,
} as const;
const CAKE_ATM = { noatm: 0, atm: 1, ptm: 2 } as const;
const CAKE_RTT: Record<string, number> = {
  datacentre: 100,
  lan: 1000,
  metro: 10_000,
  regional: 30_000,
  internet: 100_000,
  oceanic: 300_000,
  satellite: 1_000_000,
  interplanetary: 1_000_000_000,
};

function cakeQdisc(r: SpecReader): Options {
  const value: Record<string, unknown> = {};
  const bw = r.take("bandwidth");
  let autorate: number | undefined;
  if (bw === "unlimited") {
    value.base_rate64 = 0;
    autorate = 0;
  } else if (bw !== undefined) {
    value.base_rate64 = parseRate(bw, r.field("bandwidth"));
    autorate = 0;
  }
  const ds = r.choice("diffserv", CAKE_DIFFSERV);
  if (ds !== undefined) value.diffserv_mode = ds;
  let atm = r.choice("atm", CAKE_ATM);
  const raw = r.bool("raw");
  let overhead = r.int("overhead");
  if (raw) {
    atm = 0;
    overhead = 0;
  }
  if (atm !== undefined) value.atm = atm;
  const fm = r.choice("flow_mode", CAKE_FLOW);
  if (fm !== undefined) value.flow_mode = fm;
  if (overhead !== undefined) value.overhead = overhead;
  if (raw) value.raw = 0;
  const mpu = r.uint("mpu");
  if (mpu) value.mpu = mpu;
  const rtt = r.get(
    "rtt",
    (v, f) => typeof v === "string" && v in CAKE_RTT ? CAKE_RTT[v] : parseTime(v, f),
  );
  let target = r.time("target");
  if (rtt !== undefined) {
    value.rtt = rtt;
    if (target === undefined) target = Math.trunc(rtt / 20) || 1;
  }
  if (target !== undefined) value.target = target;
  const ai = r.bool("autorate_ingress");
  if (ai !== undefined) autorate = ai ? 1 : 0;
  if (autorate !== undefined) value.autorate = autorate;
  const mem = r.size("memlimit");
  if (mem) value.memory = mem;
  const fwmark = r.uint("fwmark");
  if (fwmark !== undefined) value.fwmark = fwmark;
  for (const k of ["nat", "wash", "split_gso"] as const) {
    const b = r.bool(k);
    if (b !== undefined) value[k] = b ? 1 : 0;
  }
  const ingress = r.bool("ingress");
  if (ingress !== undefined) value.ingress = ingress ? 1 : 0;
  const ack = r.get("ack_filter", (v, f) => {
    if (v === true || v === "filter") return 1;
    if (v === "aggressive") return 2;
    if (v === false) return 0;
    throw new TypeError(`${f}: expected true, false or "aggressive", got ${describeValue(v)}`);
  });
  if (ack !== undefined) value.ack_filter = ack;
  return { codec: nest(() => CAKE), value };
}

const DEFAULT_PRIOMAP = [1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];

function prioQdisc(r: SpecReader): Options {
  const bands = r.uint("bands") ?? 3;
  if (bands < 2 || bands > 16) {
    throw new RangeError(`${r.field("bands")}: ${bands} is out of range 2..16`);
  }
  const map = r.get("priomap", (v, f) => {
    if (!Array.isArray(v) || v.length > 16) {
      throw new TypeError(`${f}: expected up to 16 band numbers, got ${describeValue(v)}`);
    }
    return v.map((b, i) => {
      if (!Number.isInteger(b) || b < 0 || b >= bands) {
        throw new RangeError(`${f}[${i}]: band ${b} is out of range 0..${bands - 1}`);
      }
      return b as number;
    });
  });
  const priomap = new Uint8Array(16);
  priomap.set(map ? [...map, ...DEFAULT_PRIOMAP.slice(map.length)] : DEFAULT_PRIOMAP);
  const mq = r.bool("multiqueue");
  // tc sends the struct, then a nested TCA_OPTIONS holding TCA_PRIO_MQ when asked for.
  return {
    codec: { kind: "nest", schema: () => PRIO, header: TC_PRIO_QOPT } as Codec,
    value: {
      header: { bands, priomap },
      "2": mq ? new Uint8Array([4, 0, 1, 0]) : new Uint8Array(0),
    },
  };
}

function fifoQdisc(r: SpecReader): Options | undefined {
  const limit = r.size("limit");
  return limit === undefined ? undefined : { codec: TC_FIFO_QOPT, value: { limit } };
}

function hfscQdisc(r: SpecReader): Options {
  const defcls = r.get("default", parseDefclass) ?? 0;
  if (defcls > 0xffff) throw new RangeError(`${r.field("default")}: above ffff`);
  return { codec: TC_HFSC_QOPT, value: { defcls } };
}

/** One hfsc service curve: a rate, `{ rate, umax?, dmax? }` or `{ m1, d, m2 }`. */
function serviceCurve(v: unknown, f: string): { m1: number; d: number; m2: number } {
  if (typeof v === "string" || typeof v === "number") v = { rate: v };
  if (typeof v !== "object" || v === null) {
    throw new TypeError(`${f}: expected a rate or { rate, umax, dmax } or { m1, d, m2 }`);
  }
  const o = v as Record<string, unknown>;
  const u32 = (n: number, k: string) => {
    if (n > U32_MAX) throw new RangeError(`${f}.${k}: above 4 GB/s`);
    return n;
  };
  if (o.m2 !== undefined || o.m1 !== undefined || o.d !== undefined) {
    checkKeys(o, CURVE_KEYS, f, `${f}.`);
    if (o.m2 === undefined) throw new TypeError(`${f}.m2: required`);
    return {
      m1: o.m1 === undefined ? 0 : u32(parseRate(o.m1, `${f}.m1`), "m1"),
      d: o.d === undefined ? 0 : time2ktime(parseTime(o.d, `${f}.d`)),
      m2: u32(parseRate(o.m2, `${f}.m2`), "m2"),
    };
  }
  checkKeys(o, RATE_CURVE_KEYS, f, `${f}.`);
  if (o.rate === undefined) throw new TypeError(`${f}.rate: required`);
  const rate = u32(parseRate(o.rate, `${f}.rate`), "rate");
  const umax = o.umax === undefined ? 0 : parseSizeAndCell(o.umax, `${f}.umax`)[0];
  const dmax = o.dmax === undefined ? 0 : parseTime(o.dmax, `${f}.dmax`);
  if (umax !== 0 && dmax === 0) throw new TypeError(`${f}.dmax: required with umax`);
  const m1 = dmax ? Math.ceil((umax * 1e6) / dmax) : 0;
  if (dmax !== 0 && m1 > rate) return { m1, d: time2ktime(dmax), m2: rate };
  return { m1: 0, d: time2ktime(Math.max(0, Math.ceil(dmax - (umax * 1e6) / rate))), m2: rate };
}

function hfscClass(r: SpecReader): Options {
  const sc = r.get("sc", serviceCurve);
  const rt = r.get("rt", serviceCurve) ?? sc;
  const ls = r.get("ls", serviceCurve) ?? sc;
  const ul = r.get("ul", serviceCurve);
  if (!rt && !ls && !ul) {
    throw new TypeError(`${r.field("sc")}: an hfsc class needs a curve (sc, rt, ls or ul)`);
  }
  if (ul && !ls) throw new TypeError(`${r.field("ul")}: an upper limit needs a link-share curve`);
  const value: Record<string, unknown> = {};
  if (rt) value.rsc = rt;
  if (ls) value.fsc = ls;
  if (ul) value.usc = ul;
  return { codec: nest(() => HFSC), value };
}

const none = (): undefined => undefined;

/** Every queueing discipline this library can configure, by kind. */
export const QDISC_KINDS: Readonly<Record<string, QdiscKind>> = {
  htb: { qdisc: htbQdisc, class: htbClass },
  tbf: { qdisc: tbfQdisc },
  netem: { qdisc: netemQdisc },
  sfq: { qdisc: sfqQdisc },
  fq_codel: { qdisc: fqCodelQdisc },
  cake: { qdisc: cakeQdisc },
  prio: { qdisc: prioQdisc, class: none },
  hfsc: { qdisc: hfscQdisc, class: hfscClass },
  pfifo: { qdisc: fifoQdisc },
  bfifo: { qdisc: fifoQdisc },
  pfifo_fast: { qdisc: none },
  noqueue: { qdisc: none },
  // Drops every packet (pyroute2 and tc have it; it takes no options).
  blackhole: { qdisc: none },
  mq: { qdisc: none },
  ingress: { qdisc: none, hook: true },
  clsact: { qdisc: none, hook: true },
};
