/**
 * Actions attached to filters (and standalone, `RTM_NEWACTION`): mirred, gact, police and
 * skbedit, built as `tc` builds them.
 *
 * @module
 */

import { TC_ACTION_OPTIONS } from "./options.ts";
import { describeValue } from "../../netlink/addr.ts";
import type { RtnlCore } from "../core.ts";
import { SpecReader } from "./spec.ts";
import { unwrapIndex } from "../spec.ts";
import { calcRtable, LINKLAYER, parseRate, parseSizeAndCell, xmittime } from "./units.ts";

/** Verdicts (`TC_ACT_*`, linux/pkt_cls.h). */
export const TC_ACT = {
  unspec: -1,
  ok: 0,
  reclassify: 1,
  shot: 2,
  pipe: 3,
  stolen: 4,
  queued: 5,
  repeat: 6,
  redirect: 7,
  trap: 8,
  jump: 0x10000000,
  goto_chain: 0x20000000,
} as const;

/** Control-action names as `tc` spells them. */
const CONTROL: Readonly<Record<string, number>> = {
  continue: TC_ACT.unspec,
  ok: TC_ACT.ok,
  pass: TC_ACT.ok,
  reclassify: TC_ACT.reclassify,
  drop: TC_ACT.shot,
  shot: TC_ACT.shot,
  pipe: TC_ACT.pipe,
  stolen: TC_ACT.stolen,
  trap: TC_ACT.trap,
};

/**
 * A control action: `"pass"`/`"ok"`, `"drop"`/`"shot"`, `"reclassify"`, `"pipe"`,
 * `"continue"`, `"stolen"`, `"trap"`, `{ goto_chain: n }`, `{ jump: n }`, or the number.
 */
export function parseControl(v: unknown, field: string): number {
  if (typeof v === "string" && Object.hasOwn(CONTROL, v)) return CONTROL[v];
  if (typeof v === "number" && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) {
    return v;
  }
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    const [k, n] = Object.entries(o)[0] ?? [];
    if (Object.keys(o).length === 1 && (k === "goto_chain" || k === "jump")) {
      if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > 0x0fffffff) {
        throw new RangeError(`${field}.${k}: ${describeValue(n)} is out of range`);
      }
      return (k === "jump" ? TC_ACT.jump : TC_ACT.goto_chain) | (n as number);
    }
  }
  throw new TypeError(
    `${field}: expected pass, drop, reclassify, pipe, continue, stolen, trap, { goto_chain }` +
      ` or { jump }, got ${describeValue(v)}`,
  );
}

/** An action spec: `{ kind: "mirred" | "gact" | "police" | "skbedit", … }`. */
export interface ActionSpec {
  /** The action kind. */
  kind: string;
  /** The action's index in its table (shared actions). */
  index?: number;
  /** Kind options. */
  [key: string]: unknown;
}

/** Where an action spec may name an interface. */
export type IfindexCore = Pick<RtnlCore, "ifindex">;

/** The `TCA_ACT_*` value of one action, ready for the ACTIONS codec. */
export type ActionValue = { kind: string; options: Record<string, unknown> };

const MIRRED_EACTION: Record<string, number> = {
  "egress/redirect": 1,
  "egress/mirror": 2,
  "ingress/redirect": 3,
  "ingress/mirror": 4,
};

async function mirred(core: IfindexCore, r: SpecReader): Promise<Record<string, unknown>> {
  const direction = r.take("direction") ?? "egress";
  if (direction !== "egress" && direction !== "ingress") {
    throw new TypeError(
      `${r.field("direction")}: expected "egress" or "ingress", got ${describeValue(direction)}`,
    );
  }
  // pyroute2 names the mode `action` and the device `ifindex`.
  const m = r.takeAny("mode", "action");
  const mode = m?.[1];
  if (mode !== "redirect" && mode !== "mirror") {
    throw new TypeError(
      `${r.field(m?.[0] ?? "mode")}: expected "redirect" or "mirror", got ${describeValue(mode)}`,
    );
  }
  const d = r.takeAny("dev", "ifindex");
  if (d === undefined) throw new TypeError(`${r.field("dev")}: required for mirred`);
  const dev = unwrapIndex(d[1]);
  const control = r.get("control", parseControl) ??
    (mode === "redirect" ? TC_ACT.stolen : TC_ACT.pipe);
  const index = r.uint("index") ?? 0;
  r.finish("mirred");
  const ifindex = await core.ifindex(dev as number | string, r.field(d[0]));
  return {
    parms: {
      index,
      capab: 0,
      action: control,
      refcnt: 0,
      bindcnt: 0,
      eaction: MIRRED_EACTION[`${direction}/${mode}`],
      ifindex,
    },
  };
}

const PGACT = { netrand: 1, determ: 2 } as const;

function gact(r: SpecReader): Record<string, unknown> {
  const action = r.need("action", parseControl, "for gact");
  const index = r.uint("index") ?? 0;
  const random = r.take("random");
  r.finish("gact");
  const value: Record<string, unknown> = {
    parms: { index, capab: 0, action, refcnt: 0, bindcnt: 0 },
  };
  if (random !== undefined) {
    const rr = new SpecReader(random, r.field("random"));
    const ptype = rr.choice("type", PGACT);
    if (ptype === undefined) throw new TypeError(`${rr.field("type")}: required`);
    const pval = rr.need("value", (v, f) => {
      if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 10000) {
        throw new RangeError(`${f}: expected 1..10000, got ${describeValue(v)}`);
      }
      return v as number;
    });
    const paction = rr.need("action", parseControl);
    rr.finish("gact random");
    value.prob = { ptype, pval, paction };
  }
  return value;
}

function police(r: SpecReader): Record<string, unknown> {
  const rate = r.rate("rate") ?? 0;
  const burstKey = r.takeAny("burst", "buffer", "maxburst");
  const [buffer, rcell] = burstKey ? parseSizeAndCell(burstKey[1], r.field(burstKey[0])) : [0, -1];
  const mtuKey = r.takeAny("mtu", "minburst");
  const [mtu, pcell] = mtuKey ? parseSizeAndCell(mtuKey[1], r.field(mtuKey[0])) : [0, -1];
  const mpu = r.size("mpu") ?? 0;
  const prate = r.rate("peakrate") ?? 0;
  const avrate = r.get("avrate", (v, f) => {
    const a = parseRate(v, f);
    if (a > 0xffffffff) throw new RangeError(`${f}: above 4 GB/s`);
    return a;
  }) ?? 0;
  const overhead = r.uint("overhead", 16) ?? 0;
  const linklayer = r.linklayer("linklayer") ?? LINKLAYER.ethernet;
  const exceed = r.get("exceed", parseControl) ?? TC_ACT.reclassify;
  const conform = r.get("conform", parseControl);
  const index = r.uint("index") ?? 0;
  const limit = r.uint("limit") ?? 0; // pyroute2 sends it (tc leaves it 0)
  r.finish("police");
  if (!rate && !avrate && !index && !mtu) {
    throw new TypeError(`${r.field("rate")}: police needs rate, avrate or mtu`);
  }
  if (rate && !buffer && !avrate) throw new TypeError(`${r.field("burst")}: required with rate`);
  if (prate && !rate) throw new TypeError(`${r.field("rate")}: required with peakrate`);
  if (prate && !mtu) throw new TypeError(`${r.field("mtu")}: required with peakrate`);
  const tbf: Record<string, number> = {
    index,
    action: exceed,
    limit,
    burst: 0,
    mtu,
    refcnt: 0,
    bindcnt: 0,
    capab: 0,
  };
  const value: Record<string, unknown> = { tbf };
  let rt, pt;
  if (rate) {
    rt = calcRtable(rate, rcell, mtu, mpu, linklayer);
    Object.assign(tbf, {
      rate_cell_log: rt.cellLog,
      rate_linklayer: linklayer,
      rate_overhead: overhead,
      rate_cell_align: -1,
      rate_mpu: mpu,
      rate: rate >= 2 ** 32 ? 0xffffffff : rate,
      burst: xmittime(rate, buffer, r.field("burst")),
    });
  }
  if (prate) {
    pt = calcRtable(prate, pcell, mtu, mpu, linklayer);
    Object.assign(tbf, {
      peakrate_cell_log: pt.cellLog,
      peakrate_linklayer: linklayer,
      peakrate_overhead: overhead,
      peakrate_cell_align: -1,
      peakrate_mpu: mpu,
      peakrate: prate >= 2 ** 32 ? 0xffffffff : prate,
    });
  }
  if (rt) {
    value.rate = rt.table;
    if (rate >= 2 ** 32) value.rate64 = rate;
  }
  if (pt) {
    value.peakrate = pt.table;
    if (prate >= 2 ** 32) value.peakrate64 = prate;
  }
  if (conform) value.result = conform;
  if (avrate) value.avrate = avrate;
  return value;
}

function skbedit(r: SpecReader): Record<string, unknown> {
  const queue = r.uint("queue_mapping", 16);
  const priority = r.get("priority", (v, f) => {
    if (typeof v === "string" && v.includes(":")) {
      const [maj, min] = v.split(":");
      if (!/^[0-9a-fA-F]{0,4}$/.test(maj) || !/^[0-9a-fA-F]{0,4}$/.test(min)) {
        throw new TypeError(`${f}: invalid priority ${JSON.stringify(v)}`);
      }
      return ((parseInt(maj || "0", 16) << 16) | parseInt(min || "0", 16)) >>> 0;
    }
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) {
      throw new TypeError(`${f}: expected a number or "major:minor", got ${describeValue(v)}`);
    }
    return v as number;
  });
  const mark = r.uint("mark");
  const mask = r.uint("mask");
  const ptype = r.choice("ptype", { host: 0, broadcast: 1, multicast: 2, otherhost: 3 });
  const control = r.get("control", parseControl) ?? TC_ACT.pipe;
  const index = r.uint("index") ?? 0;
  r.finish("skbedit");
  if (mask !== undefined && mark === undefined) {
    throw new TypeError(`${r.field("mask")}: needs mark`);
  }
  const value: Record<string, unknown> = {
    parms: { index, capab: 0, action: control, refcnt: 0, bindcnt: 0 },
  };
  if (queue !== undefined) value.queue_mapping = queue;
  if (priority !== undefined) value.priority = priority;
  if (mark !== undefined) value.mark = mark;
  if (mask !== undefined) value.mask = mask;
  if (ptype !== undefined) value.ptype = ptype;
  return value;
}

/**
 * The options of an old-style police nest (`TCA_U32_POLICE`, what `tc … u32 … police …`
 * sends): the police action's options, checked by the same reader.
 */
export function policeOptions(spec: unknown, field: string): Record<string, unknown> {
  const r = new SpecReader(spec, field, new Set(TC_ACTION_OPTIONS.police));
  return police(r);
}

/** The action kinds this library builds. */
export const ACTION_KINDS: readonly string[] = ["mirred", "gact", "police", "skbedit"];

/**
 * Builds one action. A bare verdict string (`"drop"`, `"pass"`, …) is a gact action.
 */
export async function buildAction(
  core: IfindexCore,
  spec: unknown,
  field: string,
): Promise<ActionValue> {
  if (typeof spec === "string" && Object.hasOwn(CONTROL, spec)) {
    spec = { kind: "gact", action: spec };
  }
  const r = new SpecReader(spec, field);
  const kind = r.take("kind");
  if (typeof kind !== "string") {
    throw new TypeError(`${r.field("kind")}: expected an action kind (${ACTION_KINDS.join(", ")})`);
  }
  if (Object.hasOwn(TC_ACTION_OPTIONS, kind)) {
    r.declare(new Set(["kind", ...TC_ACTION_OPTIONS[kind as keyof typeof TC_ACTION_OPTIONS]]));
  }
  switch (kind) {
    case "mirred":
      return { kind, options: await mirred(core, r) };
    case "gact":
      return { kind, options: gact(r) };
    case "police":
      return { kind, options: police(r) };
    case "skbedit":
      return { kind, options: skbedit(r) };
  }
  throw new TypeError(
    `${r.field("kind")}: unknown action kind ${JSON.stringify(kind)} (${ACTION_KINDS.join(", ")})`,
  );
}

/** Builds the action list of a filter from `action` (one, or an array). */
export async function buildActions(
  core: IfindexCore,
  spec: unknown,
  field: string,
): Promise<ActionValue[]> {
  const list = Array.isArray(spec) ? spec : [spec];
  if (list.length === 0) throw new TypeError(`${field}: an empty action list`);
  if (list.length > 32) throw new RangeError(`${field}: at most 32 actions`);
  const out: ActionValue[] = [];
  for (const [i, a] of list.entries()) {
    out.push(await buildAction(core, a, Array.isArray(spec) ? `${field}[${i}]` : field));
  }
  return out;
}
