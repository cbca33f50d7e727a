/**
 * Classifiers: u32, bpf, matchall, fw and flower, each spec turned into `TCA_OPTIONS` as `tc`
 * builds them.
 *
 * @module
 */

import { describeValue, formatIp, parseMac, parsePrefix } from "../../netlink/addr.ts";
import type { Codec } from "../../netlink/schema.ts";
import { checkIfname } from "../core.ts";
import { BPF, FLOWER, FW, MATCHALL, U32 } from "../schemas/tc_filter.ts";
import { buildActions, policeOptions } from "./actions.ts";
import type { IfindexCore } from "./actions.ts";
import { ETH_P, parseClassid, parseProtocol } from "./handles.ts";
import type { Options, SpecReader } from "./spec.ts";
import { addMatch, parseIpProto, parseU32Handle, TC_U32, U32Selector } from "./u32.ts";
import { parseUint } from "./units.ts";
import { openPinnedBpf } from "../../ffi/bpf.ts";

/** What a filter builder knows besides its own options. */
export interface FilterContext {
  /** The interface-name resolver (actions name devices). */
  readonly core: IfindexCore;
  /** The filter's protocol (`ETH_P_*`, host order), 0 when not given. */
  readonly protocol: number;
  /** Whether the caller named a protocol. */
  readonly protocolGiven: boolean;
  /** The tcmsg handle; builders set it from their `handle` option. */
  handle: number;
  /** Descriptors to close once the request is answered (pinned programs). */
  readonly fds: number[];
  /** A validation pass: open nothing. */
  readonly dry: boolean;
}

/** A classifier kind. */
export interface FilterKind {
  /** Builds the options (and sets `ctx.handle`). */
  readonly build: (r: SpecReader, ctx: FilterContext) => Promise<Options | undefined>;
}

const nest = (schema: () => unknown): Codec => ({ kind: "nest", schema } as Codec);

/** `TCA_CLS_FLAGS_*`. */
export const TCA_CLS_FLAGS = { SKIP_HW: 1, SKIP_SW: 2, IN_HW: 4, NOT_IN_HW: 8 } as const;

function clsFlags(r: SpecReader): number {
  const hw = r.bool("skip_hw"), sw = r.bool("skip_sw");
  if (hw && sw) throw new TypeError(`${r.field("skip_sw")}: skip_hw and skip_sw together`);
  return (hw ? TCA_CLS_FLAGS.SKIP_HW : 0) | (sw ? TCA_CLS_FLAGS.SKIP_SW : 0);
}

function classidOf(r: SpecReader): number | undefined {
  const c = r.takeAny("classid", "flowid", "target");
  return c ? parseClassid(c[1], r.field(c[0])) : undefined;
}

function genericHandle(r: SpecReader, ctx: FilterContext): void {
  const h = r.uint("handle");
  if (h !== undefined) ctx.handle = h;
}

async function actionsOf(
  r: SpecReader,
  ctx: FilterContext,
  keys: readonly string[] = ["action", "actions"],
): Promise<unknown[] | undefined> {
  const a = r.takeAny(...keys);
  return a ? await buildActions(ctx.core, a[1], r.field(a[0])) : undefined;
}

function hashTable(v: unknown, f: string): number {
  const h = parseU32Handle(v, f);
  if (h & 0xfff) throw new TypeError(`${f}: names a filter, not a hash table (node must be 0)`);
  return h;
}

/**
 * pyroute2's u32 key `"0x0006/0x00ff+8"`: the 32-bit big-endian word at byte offset 8, masked
 * with 0x00ff, equals 6. As pyroute2 sends it, the offset need not be a multiple of 4 (the
 * kernel reads 4 bytes at any offset); keys at one offset merge as `tc`'s do.
 */
function addKey(sel: U32Selector, k: unknown, f: string): void {
  const m = typeof k === "string"
    ? /^(0x[0-9a-fA-F]+|\d+)\/(0x[0-9a-fA-F]+|\d+)\+(\d+)$/.exec(k)
    : null;
  if (!m) throw new TypeError(`${f}: expected "value/mask+offset", got ${describeValue(k)}`);
  const [val, mask, off] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (val > 0xffffffff || mask > 0xffffffff || off > 0xffff) {
    throw new RangeError(`${f}: value and mask are 32-bit, the offset at most 65535`);
  }
  const same = sel.keys.find((x) => x.off === off && x.offmask === 0);
  if (same) {
    if (((val ^ same.val) & mask & same.mask) !== 0) {
      throw new TypeError(`${f}: contradicts an earlier key at offset ${off}`);
    }
    same.val = (same.val | (val & mask)) >>> 0;
    same.mask = (same.mask | mask) >>> 0;
  } else {
    if (sel.keys.length >= 128) throw new RangeError(`${f}: more than 128 keys`);
    sel.keys.push({ val: (val & mask) >>> 0, mask: mask >>> 0, off, offmask: 0 });
  }
}

/**
 * A u32 filter's old-style police (TCA_U32_POLICE, as `tc … u32 … police rate R burst B`
 * sends): `police: { rate, burst, … }` (the police action's options), or pyroute2's shortcut,
 * `rate`/`burst` (and `mtu`, `limit`) beside the filter's keys, where `action` is then the
 * verdict for packets above the rate (pyroute2's default: reclassify).
 */
function u32Police(
  r: SpecReader,
): [police: Record<string, unknown> | undefined, verdict: boolean] {
  const nested = r.take("police");
  const short: Record<string, unknown> = {};
  for (const k of ["rate", "burst", "mtu", "limit"]) {
    const v = r.take(k);
    if (v !== undefined) short[k] = v;
  }
  const given = Object.keys(short);
  if (nested !== undefined) {
    if (given.length) {
      throw new TypeError(`${r.field(given[0])}: give it in police, not beside it`);
    }
    return [policeOptions(nested, r.field("police")), false];
  }
  if (!given.length) return [undefined, false];
  if (short.rate === undefined) {
    throw new TypeError(`${r.field(given[0])}: a u32 police needs rate (pyroute2's shortcut)`);
  }
  const verdict = r.take("action");
  if (verdict !== undefined) {
    if (typeof verdict !== "string") {
      throw new TypeError(
        `${r.field("action")}: with rate, the verdict above it ("drop", "pass", …), got ${
          describeValue(verdict)
        }`,
      );
    }
    short.exceed = verdict;
  }
  return [policeOptions(short, r.path), verdict !== undefined];
}

async function u32(r: SpecReader, ctx: FilterContext): Promise<Options> {
  let handle = r.get("handle", parseU32Handle) ?? 0;
  const classid = classidOf(r);
  const divisor = r.get("divisor", (v, f) => {
    const d = parseUint(v, f);
    if (d === 0 || d > 256 || (d & (d - 1))) {
      throw new RangeError(`${f}: ${d} is not a power of two from 1 to 256`);
    }
    return d;
  });
  const link = r.get("link", hashTable);
  const ht = r.get("ht", (v, f) => {
    const h = parseU32Handle(v, f);
    if (h & 0xfff) throw new TypeError(`${f}: names a filter, not a hash table`);
    return h;
  });
  const order = r.uint("order", 12);
  const indev = r.get("indev", checkIfname);
  const match = r.take("match");
  const keys = r.take("keys");
  const hashkey = r.take("hashkey");
  const offset = r.take("offset");
  const [police, verdict] = u32Police(r);
  // With pyroute2's rate shortcut, `action` was the police verdict: only `actions` remains.
  const actions = await actionsOf(r, ctx, verdict ? ["actions"] : ["action", "actions"]);
  const flags = clsFlags(r);

  const sel = new U32Selector();
  let selOk = false;
  if (match !== undefined) {
    const list = Array.isArray(match) ? match : [match];
    const ipFields = list.some((m) =>
      typeof m === "object" && m !== null && !("u32" in m || "u16" in m || "u8" in m)
    );
    if (ipFields && ctx.protocol !== ETH_P.ip && ctx.protocol !== ETH_P.ipv6) {
      throw new TypeError(
        `protocol: u32 IP matches need protocol "ip" or "ipv6"${
          ctx.protocolGiven ? "" : " (none given)"
        }`,
      );
    }
    list.forEach((m, i) =>
      addMatch(
        sel,
        m,
        ctx.protocol,
        Array.isArray(match) ? `${r.field("match")}[${i}]` : r.field("match"),
      )
    );
    selOk = true;
  }
  if (keys !== undefined) {
    // pyroute2's "VAL/MASK+OFF" (or "VAL/MASK+OFF%NEXTHDR"…: only the plain form) per 32-bit key.
    const f = r.field("keys");
    if (!Array.isArray(keys)) {
      throw new TypeError(`${f}: expected a list of "value/mask+offset" strings`);
    }
    keys.forEach((k, i) => addKey(sel, k, `${f}[${i}]`));
    selOk = true;
  }
  if (hashkey !== undefined) {
    const f = r.field("hashkey");
    if (typeof hashkey !== "object" || hashkey === null) {
      throw new TypeError(`${f}: expected { mask, at }, got ${describeValue(hashkey)}`);
    }
    const { mask, at, ...rest } = hashkey as Record<string, unknown>;
    if (Object.keys(rest).length) throw new TypeError(`${f}.${Object.keys(rest)[0]}: unknown`);
    sel.hmask = parseUint(mask, `${f}.mask`);
    const off = at === undefined ? 0 : parseUint(at, `${f}.at`, 15);
    if (off % 4) throw new RangeError(`${f}.at: ${off} is not a multiple of 4`);
    sel.hoff = off;
    selOk = true;
  }
  if (offset !== undefined) {
    const f = r.field("offset");
    if (typeof offset !== "object" || offset === null) {
      throw new TypeError(`${f}: expected { plus, at, mask, shift, eat }`);
    }
    const { plus, at, mask, shift, eat, ...rest } = offset as Record<string, unknown>;
    if (Object.keys(rest).length) throw new TypeError(`${f}.${Object.keys(rest)[0]}: unknown`);
    if (plus !== undefined) {
      sel.off = parseUint(plus, `${f}.plus`, 16);
      sel.flags |= TC_U32.OFFSET;
    }
    if (at !== undefined) {
      const a = parseUint(at, `${f}.at`, 15);
      if (a % 2) throw new RangeError(`${f}.at: must be even`);
      sel.offoff = a;
      sel.flags |= TC_U32.VAROFFSET;
    }
    if (mask !== undefined) {
      sel.offmask = parseUint(mask, `${f}.mask`, 16);
      sel.flags |= TC_U32.VAROFFSET;
    }
    if (shift !== undefined) {
      sel.offshift = parseUint(shift, `${f}.shift`, 8);
      sel.flags |= TC_U32.VAROFFSET;
    }
    if (eat === true) sel.flags |= TC_U32.EAT;
    selOk = true;
  }
  if (classid !== undefined || actions !== undefined || police !== undefined) {
    sel.flags |= TC_U32.TERMINAL;
    if (!selOk && divisor === undefined) selOk = true; // an empty selector matches everything
  }
  if (order !== undefined) {
    if ((handle & 0xfff) && order !== (handle & 0xfff)) {
      throw new TypeError(`${r.field("order")}: contradicts handle`);
    }
    handle = (handle | order) >>> 0;
  }
  ctx.handle = handle;

  const value: Record<string, unknown> = {};
  if (classid !== undefined) value.classid = classid;
  if (divisor !== undefined) value.divisor = divisor;
  if (link !== undefined) value.link = link;
  if (indev !== undefined) value.indev = indev;
  if (police) value.police = police;
  if (actions) value.act = actions;
  if (ht) value.hash = ht;
  if (selOk) value.sel = sel.bytes();
  if (flags) value.flags = flags;
  return { codec: nest(() => U32), value };
}

/** A classic BPF program: tc's `"n,code jt jf k,…"` text or a list of instructions. */
function parseBytecode(v: unknown, f: string): Uint8Array<ArrayBuffer> {
  let insns: number[][];
  if (typeof v === "string") {
    const parts = v.split(",").map((s) => s.trim()).filter((s) => s !== "");
    const n = Number(parts.shift());
    if (!Number.isInteger(n) || n !== parts.length) {
      throw new TypeError(
        `${f}: the count does not match the instructions in ${JSON.stringify(v)}`,
      );
    }
    insns = parts.map((p) => p.split(/\s+/).map(Number));
  } else if (Array.isArray(v)) {
    insns = v.map((i) =>
      Array.isArray(i) ? i : typeof i === "object" && i !== null ? [i.code, i.jt, i.jf, i.k] : [NaN]
    );
  } else {
    throw new TypeError(`${f}: expected tc's "n,code jt jf k,…" or a list of instructions`);
  }
  if (insns.length === 0 || insns.length > 4096) {
    throw new RangeError(`${f}: ${insns.length} instructions (1 to 4096)`);
  }
  const out = new Uint8Array(insns.length * 8);
  const dv = new DataView(out.buffer);
  insns.forEach((ins, i) => {
    const [code, jt, jf, k] = ins;
    const ok = ins.length === 4 && [code, jt, jf, k].every(Number.isInteger) &&
      code >= 0 && code <= 0xffff && jt >= 0 && jt <= 0xff && jf >= 0 && jf <= 0xff &&
      k >= 0 && k <= 0xffffffff;
    if (!ok) {
      throw new TypeError(`${f}[${i}]: expected [code, jt, jf, k], got ${describeValue(ins)}`);
    }
    dv.setUint16(i * 8, code, true);
    dv.setUint8(i * 8 + 2, jt);
    dv.setUint8(i * 8 + 3, jf);
    dv.setUint32(i * 8 + 4, k, true);
  });
  return out;
}

/** `TCA_BPF_FLAG_ACT_DIRECT`. */
export const TCA_BPF_FLAG_ACT_DIRECT = 1;

async function bpf(r: SpecReader, ctx: FilterContext): Promise<Options> {
  genericHandle(r, ctx);
  const classid = classidOf(r);
  const actions = await actionsOf(r, ctx);
  const fd = r.uint("fd");
  const pinned = r.get("pinned", (v, f) => {
    if (typeof v !== "string" || v === "") {
      throw new TypeError(`${f}: expected a path under a bpf file system`);
    }
    return v;
  });
  const bytecode = r.get("bytecode", parseBytecode);
  let name = r.get("name", (v, f) => {
    if (typeof v !== "string" || v.length > 255) throw new TypeError(`${f}: expected a name`);
    return v;
  });
  const da = r.takeAny("direct_action", "da");
  const direct = da ? da[1] === true : false;
  if (da && typeof da[1] !== "boolean") {
    throw new TypeError(`${r.field(da[0])}: expected a boolean`);
  }
  const flagsGen = clsFlags(r);
  const given = [fd, pinned, bytecode].filter((x) => x !== undefined).length;
  if (given !== 1) {
    throw new TypeError(`${r.field("fd")}: give exactly one of fd, pinned or bytecode`);
  }
  if (bytecode && name !== undefined) {
    throw new TypeError(`${r.field("name")}: a classic program has no name`);
  }
  const value: Record<string, unknown> = {};
  if (classid !== undefined) value.classid = classid;
  if (actions) value.act = actions;
  if (bytecode) {
    value.ops_len = bytecode.length / 8;
    value.ops = bytecode;
  } else {
    let progFd = fd!;
    if (pinned !== undefined) {
      progFd = ctx.dry ? 0 : openPinnedBpf(pinned, r.field("pinned"));
      if (!ctx.dry) ctx.fds.push(progFd);
      name ??= `${pinned.slice(pinned.lastIndexOf("/") + 1)}:[*fsobj]`;
    }
    value.fd = progFd;
    if (name !== undefined) value.name = name;
  }
  if (flagsGen) value.flags_gen = flagsGen;
  if (direct) value.flags = TCA_BPF_FLAG_ACT_DIRECT;
  return { codec: nest(() => BPF), value };
}

async function matchall(r: SpecReader, ctx: FilterContext): Promise<Options> {
  genericHandle(r, ctx);
  const classid = classidOf(r);
  const actions = await actionsOf(r, ctx);
  const flags = clsFlags(r);
  const value: Record<string, unknown> = {};
  if (classid !== undefined) value.classid = classid;
  if (actions) value.act = actions;
  if (flags) value.flags = flags;
  return { codec: nest(() => MATCHALL), value };
}

/** fw's handle: the mark, optionally `"mark/mask"`. */
function parseFwHandle(v: unknown, f: string): [mark: number, mask: number | undefined] {
  if (typeof v === "string" && v.includes("/")) {
    const [m, k] = v.split("/", 2);
    return [parseUint(m, f), parseUint(k, f)];
  }
  return [parseUint(v, f), undefined];
}

/** A filter's handle in its kind's form (u32: `"800::800"`; fw: the mark; others: a number). */
export function parseFilterHandle(kind: string, v: unknown, f: string): number {
  if (kind === "u32") return parseU32Handle(v, f);
  if (kind === "fw") return parseFwHandle(v, f)[0];
  return parseUint(v, f);
}

async function fw(r: SpecReader, ctx: FilterContext): Promise<Options> {
  const h = r.take("handle");
  let mask = r.uint("mask");
  if (h !== undefined) {
    const [mark, m] = parseFwHandle(h, r.field("handle"));
    ctx.handle = mark;
    if (m !== undefined) {
      if (mask !== undefined) throw new TypeError(`${r.field("mask")}: mask given twice`);
      mask = m;
    }
  }
  const classid = classidOf(r);
  const indev = r.get("indev", checkIfname);
  const actions = await actionsOf(r, ctx);
  const value: Record<string, unknown> = {};
  if (mask !== undefined) value.mask = mask;
  if (classid !== undefined) value.classid = classid;
  if (indev !== undefined) value.indev = indev;
  if (actions) value.act = actions;
  return { codec: nest(() => FW), value };
}

function valueMask(v: unknown, f: string, full: number): [number, number | undefined] {
  if (typeof v === "string" && /^(0x[0-9a-fA-F]+|\d+)(\/(0x[0-9a-fA-F]+|\d+))?$/.test(v)) {
    const [a, b] = v.split("/");
    return [parseUint(a, f), b === undefined ? undefined : parseUint(b, f)];
  }
  if (Array.isArray(v) && v.length === 2) return [parseUint(v[0], f), parseUint(v[1], f)];
  const n = parseUint(v, f);
  if (n > full) throw new RangeError(`${f}: ${n} is above ${full}`);
  return [n, undefined];
}

function macWithMask(v: unknown, f: string): [Uint8Array, Uint8Array] {
  if (typeof v !== "string") throw new TypeError(`${f}: expected a MAC address`);
  const [a, m] = v.split("/", 2);
  const addr = parseMac(a, f);
  let mask: Uint8Array = new Uint8Array(6).fill(0xff);
  if (m !== undefined) {
    if (/^\d+$/.test(m)) {
      const bits = Number(m);
      if (bits > 48) throw new RangeError(`${f}: mask length ${bits} above 48`);
      mask = new Uint8Array(6);
      for (let i = 0; i < bits; i++) mask[i >> 3] |= 0x80 >> (i & 7);
    } else mask = parseMac(m, f);
  }
  return [addr, mask];
}

const PORT_ATTR: Record<number, string> = { 6: "tcp", 17: "udp", 132: "sctp" };

async function flower(r: SpecReader, ctx: FilterContext): Promise<Options> {
  genericHandle(r, ctx);
  const value: Record<string, unknown> = {};
  const eth = ctx.protocol;
  const isIp = eth === ETH_P.ip || eth === ETH_P.ipv6;
  const needIp = (k: string) => {
    if (!isIp) {
      throw new TypeError(
        `protocol: flower's ${r.field(k)} needs protocol "ip" or "ipv6"${
          ctx.protocolGiven ? "" : " (none given)"
        }`,
      );
    }
  };
  let ipProto: number | undefined;
  if (r.has("ip_proto")) ipProto = parseIpProto(r.spec.ip_proto, r.field("ip_proto"));
  let flags = 0;
  let actions: unknown[] | undefined;
  for (const key of Object.keys(r.spec)) {
    if (r.spec[key] === undefined) continue;
    const f = r.field(key);
    switch (key) {
      case "handle":
        continue;
      case "classid":
      case "flowid":
      case "target":
        if (value.classid !== undefined) {
          throw new TypeError(`${f}: give one of classid, flowid or target`);
        }
        value.classid = parseClassid(r.take(key), f);
        break;
      case "indev":
        value.indev = checkIfname(r.take(key), f);
        break;
      case "skip_hw":
      case "skip_sw":
        if (r.take(key) === true) flags |= key === "skip_hw" ? 1 : 2;
        else if (typeof r.spec[key] !== "boolean") throw new TypeError(`${f}: expected a boolean`);
        if (flags === 3) throw new TypeError(`${f}: skip_hw and skip_sw together`);
        break;
      case "dst_mac":
      case "src_mac": {
        const [a, m] = macWithMask(r.take(key), f);
        const k = key === "dst_mac" ? "eth_dst" : "eth_src";
        value[`key_${k}`] = a;
        value[`key_${k}_mask`] = m;
        break;
      }
      case "vlan_id":
      case "vlan_prio":
      case "vlan_ethtype": {
        if (eth !== ETH_P["802.1q"] && eth !== ETH_P["802.1ad"]) {
          throw new TypeError(`protocol: flower's ${f} needs protocol "802.1q" or "802.1ad"`);
        }
        const v = r.take(key);
        if (key === "vlan_id") value.key_vlan_id = parseUint(v, f, 12);
        else if (key === "vlan_prio") value.key_vlan_prio = parseUint(v, f, 3);
        else value.key_vlan_eth_type = parseProtocol(v, f);
        break;
      }
      case "ip_proto":
        needIp(key);
        r.take(key);
        value.key_ip_proto = ipProto;
        break;
      case "dst_ip":
      case "src_ip": {
        needIp(key);
        const p = parsePrefix(r.take(key), f);
        const v6 = p.family === 10;
        if (v6 !== (eth === ETH_P.ipv6)) {
          throw new TypeError(`protocol: ${f} is ${v6 ? "IPv6" : "IPv4"} but protocol is not`);
        }
        const mask = new Uint8Array(p.bytes.length);
        for (let i = 0; i < p.prefixlen; i++) mask[i >> 3] |= 0x80 >> (i & 7);
        const k = `key_ipv${v6 ? 6 : 4}_${key === "dst_ip" ? "dst" : "src"}`;
        value[k] = formatIp(p.bytes, 0, p.bytes.length);
        value[`${k}_mask`] = formatIp(mask, 0, mask.length);
        break;
      }
      case "dst_port":
      case "src_port": {
        const proto = ipProto === undefined ? undefined : PORT_ATTR[ipProto];
        if (!proto) throw new TypeError(`${f}: needs ip_proto tcp, udp or sctp`);
        const v = r.take(key);
        const dir = key === "dst_port" ? "dst" : "src";
        let range: number[] | undefined;
        if (typeof v === "string" && v.includes("-")) {
          range = v.split("-", 2).map((x) => parseUint(x, f, 16));
        } else if (typeof v === "object" && v !== null && !Array.isArray(v)) {
          const o = v as Record<string, unknown>;
          range = [parseUint(o.min, `${f}.min`, 16), parseUint(o.max, `${f}.max`, 16)];
        }
        if (range) {
          if (range[0] >= range[1]) throw new RangeError(`${f}: the range must rise`);
          value[`key_port_${dir}_min`] = range[0];
          value[`key_port_${dir}_max`] = range[1];
        } else {
          const [port, mask] = valueMask(v, f, 0xffff);
          if (port > 0xffff || (mask ?? 0) > 0xffff) throw new RangeError(`${f}: above 65535`);
          value[`key_${proto}_${dir}`] = port;
          if (mask !== undefined) value[`key_${proto}_${dir}_mask`] = mask;
        }
        break;
      }
      case "ip_tos":
      case "ip_ttl": {
        needIp(key);
        const [v, m] = valueMask(r.take(key), f, 0xff);
        if (v > 0xff || (m ?? 0) > 0xff) throw new RangeError(`${f}: above 255`);
        value[`key_${key}`] = v;
        value[`key_${key}_mask`] = m ?? 0xff;
        break;
      }
      case "tcp_flags": {
        if (ipProto !== 6) throw new TypeError(`${f}: needs ip_proto tcp`);
        const [v, m] = valueMask(r.take(key), f, 0xfff);
        value.key_tcp_flags = v;
        value.key_tcp_flags_mask = m ?? 0xfff;
        break;
      }
      case "icmp_type":
      case "icmp_code": {
        const ver = ipProto === 1 ? 4 : ipProto === 58 ? 6 : 0;
        if (!ver) throw new TypeError(`${f}: needs ip_proto icmp or icmpv6`);
        const [v, m] = valueMask(r.take(key), f, 0xff);
        const what = key === "icmp_type" ? "type" : "code";
        value[`key_icmpv${ver}_${what}`] = v;
        value[`key_icmpv${ver}_${what}_mask`] = m ?? 0xff;
        break;
      }
      case "action":
      case "actions":
        actions = await actionsOf(r, ctx);
        break;
      default:
        // left for finish() to report
        break;
    }
  }
  if (actions) value.act = actions;
  value.flags = flags;
  if (eth !== ETH_P.all && eth !== 0) value.key_eth_type = eth;
  return { codec: nest(() => FLOWER), value };
}

/** Every classifier this library builds, by kind. */
export const FILTER_KINDS: Readonly<Record<string, FilterKind>> = {
  u32: { build: u32 },
  bpf: { build: bpf },
  matchall: { build: matchall },
  fw: { build: fw },
  flower: { build: flower },
};
