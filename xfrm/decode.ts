/**
 * xfrm messages as plain data: states (SAs), policies, templates, selectors, acquires, expires,
 * SAD and SPD information. Addresses are text in the family the kernel gives with them;
 * 64-bit limits are numbers, `Infinity` for `XFRM_INF`.
 *
 * @module
 */

import { formatIp } from "../netlink/addr.ts";
import { DecodeError } from "../netlink/errors.ts";
import type { MessageView } from "../netlink/view.ts";
import { layout, structSize } from "../netlink/schema.ts";
import type { StructCodec } from "../netlink/schema.ts";
import { decodeAlgo } from "./algorithms.ts";
import type { XfrmAlgoKind, XfrmAlgoValue } from "./algorithms.ts";
import { XFRM_MSG, XFRMA } from "./schema.ts";
import {
  LIFETIME_CFG_NAMES,
  XFRM_ENCAP_TMPL,
  XFRM_LIFETIME_CFG,
  XFRM_LIFETIME_CUR,
  XFRM_SELECTOR,
  XFRM_USER_ACQUIRE,
  XFRM_USER_TMPL,
  XFRM_USERPOLICY_INFO,
  XFRM_USERSA_INFO,
} from "./structs.ts";

/** A decoded selector. */
export interface XfrmSelector {
  /** Address family (2, 10; 0 on states without a selector). */
  family: number;
  /** Source prefix, `"10.0.0.0/24"`. */
  src: string;
  /** Destination prefix. */
  dst: string;
  /** Upper-layer protocol (0: any). */
  proto: number;
  /** Source port (or ICMP type). */
  sport: number;
  /** Its mask. */
  sport_mask: number;
  /** Destination port (or ICMP code). */
  dport: number;
  /** Its mask. */
  dport_mask: number;
  /** Interface index (0: any). */
  ifindex: number;
  /** User id. */
  user: number;
}

/** Lifetime limits; `Infinity` where there is none. */
export interface XfrmLifetime {
  /** Bytes before a soft expire. */
  soft_byte_limit: number;
  /** Bytes before a hard expire. */
  hard_byte_limit: number;
  /** Packets before a soft expire. */
  soft_packet_limit: number;
  /** Packets before a hard expire. */
  hard_packet_limit: number;
  /** Seconds after adding before a soft expire. */
  soft_add_expires_seconds: number;
  /** Seconds after adding before a hard expire. */
  hard_add_expires_seconds: number;
  /** Seconds after first use before a soft expire. */
  soft_use_expires_seconds: number;
  /** Seconds after first use before a hard expire. */
  hard_use_expires_seconds: number;
}

/** What an SA or policy has used so far. */
export interface XfrmLifetimeCurrent {
  /** Bytes. */
  bytes: number;
  /** Packets. */
  packets: number;
  /** When it was added (seconds since the epoch). */
  add_time: number;
  /** When it was first used (0: never). */
  use_time: number;
}

/** A decoded SA. */
export interface XfrmState {
  /** Source address. */
  src: string;
  /** Destination address. */
  dst: string;
  /** Address family. */
  family: number;
  /** XFRM protocol (50 esp, 51 ah, 108 comp, …). */
  proto: number;
  /** SPI (0 on a larval SA). */
  spi: number;
  /** Request id. */
  reqid: number;
  /** Mode (0 transport, 1 tunnel, 4 beet, …). */
  mode: number;
  /** Replay window (without ESN). */
  replay_window: number;
  /** `XFRM_STATE_*` flags. */
  flags: number;
  /** Sequence number. */
  seq: number;
  /** The selector. */
  sel: XfrmSelector;
  /** Lifetime limits. */
  lifetime: XfrmLifetime;
  /** Usage so far. */
  current: XfrmLifetimeCurrent;
  /** Statistics. */
  stats: { replay_window: number; replay: number; integrity_failed: number };
  /** Authentication. */
  auth?: XfrmAlgoValue;
  /** Truncated authentication. */
  auth_trunc?: XfrmAlgoValue;
  /** Encryption. */
  crypt?: XfrmAlgoValue;
  /** AEAD. */
  aead?: XfrmAlgoValue;
  /** Compression. */
  comp?: XfrmAlgoValue;
  /** NAT traversal. */
  encap?: { type: number; sport: number; dport: number; oa: string };
  /** Care-of address. */
  coaddr?: string;
  /** Mark. */
  mark?: { value: number; mask: number };
  /** Output mark. */
  set_mark?: number;
  /** Its mask. */
  set_mark_mask?: number;
  /** Interface id. */
  if_id?: number;
  /** TFC padding. */
  tfcpad?: number;
  /** Replay state. */
  replay?: { oseq: number; seq: number; bitmap: number };
  /** ESN replay state. */
  replay_esn?: {
    oseq: number;
    seq: number;
    oseq_hi: number;
    seq_hi: number;
    replay_window: number;
    bmp: number[];
  };
  /** `XFRM_SA_XFLAG_*`. */
  extra_flags?: number;
  /** Last use (seconds since the epoch). */
  lastused?: number;
  /** Hardware offload. */
  offload?: { ifindex: number; flags: number };
  /** SA direction (1 in, 2 out). */
  sa_dir?: number;
  /** Security context (`struct xfrm_user_sec_ctx` and the context). */
  sec_ctx?: Uint8Array;
}

/** A decoded policy template. */
export interface XfrmTemplate {
  /** Source (tunnel mode). */
  src: string;
  /** Destination. */
  dst: string;
  /** Family. */
  family: number;
  /** Protocol. */
  proto: number;
  /** SPI. */
  spi: number;
  /** Request id. */
  reqid: number;
  /** Mode. */
  mode: number;
  /** Sharing. */
  share: number;
  /** Optional (`level use`). */
  optional: number;
  /** Allowed authentication algorithms. */
  aalgos: number;
  /** Allowed encryption algorithms. */
  ealgos: number;
  /** Allowed compression algorithms. */
  calgos: number;
}

/** A decoded policy. */
export interface XfrmPolicy {
  /** The selector. */
  sel: XfrmSelector;
  /** Direction (0 in, 1 out, 2 fwd; 3-5: socket policies). */
  dir: number;
  /** Action (0 allow, 1 block). */
  action: number;
  /** Priority. */
  priority: number;
  /** Index. */
  index: number;
  /** `XFRM_POLICY_*` flags. */
  flags: number;
  /** Sharing. */
  share: number;
  /** Lifetime limits. */
  lifetime: XfrmLifetime;
  /** Usage so far. */
  current: XfrmLifetimeCurrent;
  /** Templates. */
  tmpl: XfrmTemplate[];
  /** Policy type (0 main, 1 sub), when the kernel said. */
  ptype?: number;
  /** Mark. */
  mark?: { value: number; mask: number };
  /** Interface id. */
  if_id?: number;
  /** Security context. */
  sec_ctx?: Uint8Array;
  /** Hardware offload. */
  offload?: { ifindex: number; flags: number };
}

/** An ACQUIRE: the kernel asks a key manager for an SA. */
export interface XfrmAcquire {
  /** The SA wanted: destination, SPI, protocol. */
  dst: string;
  /** Source. */
  src: string;
  /** Protocol. */
  proto: number;
  /** The packet's selector. */
  sel: XfrmSelector;
  /** The policy that wants it. */
  policy: XfrmPolicy;
  /** Allowed authentication algorithms. */
  aalgos: number;
  /** Allowed encryption algorithms. */
  ealgos: number;
  /** Allowed compression algorithms. */
  calgos: number;
  /** Sequence number (to answer with). */
  seq: number;
}

/** SAD information (`ip xfrm state count`). */
export interface XfrmSadInfo {
  /** SAs. */
  count: number;
  /** Hash buckets. */
  hash_count?: number;
  /** Maximum hash buckets. */
  hash_max?: number;
}

/** SPD information (`ip xfrm policy count`). */
export interface XfrmSpdInfo {
  /** Policies in. */
  incnt: number;
  /** Out. */
  outcnt: number;
  /** Forward. */
  fwdcnt: number;
  /** Socket policies in. */
  inscnt: number;
  /** Socket policies out. */
  outscnt: number;
  /** Socket policies forward. */
  fwdscnt: number;
  /** Hash buckets. */
  hash_count?: number;
  /** Maximum hash buckets. */
  hash_max?: number;
  /** IPv4 hash thresholds. */
  ipv4_hthresh?: { lbits: number; rbits: number };
  /** IPv6 hash thresholds. */
  ipv6_hthresh?: { lbits: number; rbits: number };
}

/** 16 address bytes at `off` as text in `family` (2: the first 4 bytes). */
function addrAt(u8: Uint8Array, off: number, family: number): string {
  if (family === 10) return formatIp(u8, off, 16);
  if (family === 2) return formatIp(u8, off, 4);
  // No family: IPv4 when the rest is zero, else IPv6 (what else could it be).
  for (let i = off + 4; i < off + 16; i++) if (u8[i] !== 0) return formatIp(u8, off, 16);
  return formatIp(u8, off, 4);
}

/** 16 address bytes as text in `family` (2: the first 4 bytes). */
export function xfrmAddressText(b: Uint8Array | undefined, family: number): string {
  if (!b || b.length < 16) return "";
  return addrAt(b, 0, family);
}

const TWO32 = 4294967296;

/** A 64-bit value at `off`: a number, Infinity when all ones (XFRM_INF). */
function u64At(dv: DataView, off: number): number {
  const lo = dv.getUint32(off, true), hi = dv.getUint32(off + 4, true);
  if (lo === 0xffffffff && hi === 0xffffffff) return Infinity;
  return hi * TWO32 + lo;
}

/** A raw 64-bit value: a number, Infinity when all ones (XFRM_INF). */
export function u64Value(b: unknown): number {
  if (!(b instanceof Uint8Array) || b.length < 8) return 0;
  return u64At(new DataView(b.buffer, b.byteOffset, 8), 0);
}

// Field offsets from the layouts of xfrm/structs.ts (the single source), computed once.
const offsets = new WeakMap<StructCodec, Record<string, number>>();
function off(s: StructCodec): Record<string, number> {
  let o = offsets.get(s);
  if (!o) {
    o = Object.fromEntries(layout(s).map((f) => [f.name, f.offset]));
    offsets.set(s, o);
  }
  return o;
}

const SEL = () => off(XFRM_SELECTOR);
const SA = () => off(XFRM_USERSA_INFO);
const POL = () => off(XFRM_USERPOLICY_INFO);

/** Throws unless `size` bytes from `at` lie within `end`. */
function need(at: number, size: number, end: number, what: string): void {
  if (at + size > end) {
    throw new DecodeError(`${what}: ${Math.max(0, end - at)} bytes, expected ${size}`);
  }
}

/** The selector at `at`, addresses in `family` when the selector has none. */
function selectorAt(dv: DataView, u8: Uint8Array, at: number, family: number): XfrmSelector {
  const o = SEL();
  const own = dv.getUint16(at + o.family, true);
  const f = own || family;
  return {
    family: own,
    src: `${addrAt(u8, at + o.saddr, f)}/${u8[at + o.prefixlen_s]}`,
    dst: `${addrAt(u8, at + o.daddr, f)}/${u8[at + o.prefixlen_d]}`,
    proto: u8[at + o.proto],
    sport: dv.getUint16(at + o.sport, false),
    sport_mask: dv.getUint16(at + o.sport_mask, false),
    dport: dv.getUint16(at + o.dport, false),
    dport_mask: dv.getUint16(at + o.dport_mask, false),
    ifindex: dv.getInt32(at + o.ifindex, true),
    user: dv.getUint32(at + o.user, true),
  };
}

/** A selector from decoded struct fields prefixed `p` (for callers holding a struct object). */
export function selectorOf(h: Record<string, unknown>, p: string, family: number): XfrmSelector {
  const num = (v: unknown) => (typeof v === "number" ? v : 0);
  const f = num(h[`${p}family`]) || family;
  return {
    family: num(h[`${p}family`]),
    src: `${xfrmAddressText(h[`${p}saddr`] as Uint8Array, f)}/${num(h[`${p}prefixlen_s`])}`,
    dst: `${xfrmAddressText(h[`${p}daddr`] as Uint8Array, f)}/${num(h[`${p}prefixlen_d`])}`,
    proto: num(h[`${p}proto`]),
    sport: num(h[`${p}sport`]),
    sport_mask: num(h[`${p}sport_mask`]),
    dport: num(h[`${p}dport`]),
    dport_mask: num(h[`${p}dport_mask`]),
    ifindex: num(h[`${p}ifindex`]),
    user: num(h[`${p}user`]),
  };
}

function lifetimeAt(dv: DataView, at: number): XfrmLifetime {
  const o = off(XFRM_LIFETIME_CFG);
  const out: Record<string, number> = {};
  for (const k of LIFETIME_CFG_NAMES) out[k] = u64At(dv, at + o[k]);
  return out as unknown as XfrmLifetime;
}

function currentAt(dv: DataView, at: number): XfrmLifetimeCurrent {
  const o = off(XFRM_LIFETIME_CUR);
  return {
    bytes: u64At(dv, at + o.bytes),
    packets: u64At(dv, at + o.packets),
    add_time: u64At(dv, at + o.add_time),
    use_time: u64At(dv, at + o.use_time),
  };
}

/** The SA struct (`xfrm_usersa_info`) at `at`. */
function stateAt(dv: DataView, u8: Uint8Array, at: number, end: number): XfrmState {
  need(at, structSize(XFRM_USERSA_INFO), end, "xfrm_usersa_info");
  const o = SA();
  const family = dv.getUint16(at + o.family, true);
  return {
    src: addrAt(u8, at + o.saddr, family),
    dst: addrAt(u8, at + o.id_daddr, family),
    family,
    proto: u8[at + o.id_proto],
    spi: dv.getUint32(at + o.id_spi, false),
    reqid: dv.getUint32(at + o.reqid, true),
    mode: u8[at + o.mode],
    replay_window: u8[at + o.replay_window],
    flags: u8[at + o.flags],
    seq: dv.getUint32(at + o.seq, true),
    sel: selectorAt(dv, u8, at + o.sel_daddr, family),
    lifetime: lifetimeAt(dv, at + o.lft_soft_byte_limit),
    current: currentAt(dv, at + o.curlft_bytes),
    stats: {
      replay_window: dv.getUint32(at + o.stats_replay_window, true),
      replay: dv.getUint32(at + o.stats_replay, true),
      integrity_failed: dv.getUint32(at + o.stats_integrity_failed, true),
    },
  };
}

/** The policy struct (`xfrm_userpolicy_info`) at `at`. */
function policyAt(dv: DataView, u8: Uint8Array, at: number, end: number): XfrmPolicy {
  need(at, structSize(XFRM_USERPOLICY_INFO), end, "xfrm_userpolicy_info");
  const o = POL();
  return {
    sel: selectorAt(dv, u8, at + o.sel_daddr, 0),
    dir: u8[at + o.dir],
    action: u8[at + o.action],
    priority: dv.getUint32(at + o.priority, true),
    index: dv.getUint32(at + o.index, true),
    flags: u8[at + o.flags],
    share: u8[at + o.share],
    lifetime: lifetimeAt(dv, at + o.lft_soft_byte_limit),
    current: currentAt(dv, at + o.curlft_bytes),
    tmpl: [],
  };
}

/** The first occurrence of each attribute of a message: type → [payload offset, length]. */
function attrsOf(m: MessageView): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  for (const [t, o, l] of m.raw()) if (!out.has(t)) out.set(t, [o, l]);
  return out;
}

const A = (name: string) => XFRMA.byName.get(name)!.type;
const T = {
  auth: A("alg_auth"),
  auth_trunc: A("alg_auth_trunc"),
  crypt: A("alg_crypt"),
  aead: A("alg_aead"),
  comp: A("alg_comp"),
  encap: A("encap"),
  tmpl: A("tmpl"),
  sa: A("sa"),
  policy: A("policy"),
  sec_ctx: A("sec_ctx"),
  replay_val: A("replay_val"),
  coaddr: A("coaddr"),
  lastused: A("lastused"),
  policy_type: A("policy_type"),
  mark: A("mark"),
  tfcpad: A("tfcpad"),
  replay_esn_val: A("replay_esn_val"),
  sa_extra_flags: A("sa_extra_flags"),
  offload_dev: A("offload_dev"),
  set_mark: A("set_mark"),
  set_mark_mask: A("set_mark_mask"),
  if_id: A("if_id"),
  sa_dir: A("sa_dir"),
} as const;

/** Reads a u32 attribute (DecodeError when shorter). */
function u32Attr(dv: DataView, a: [number, number] | undefined, what: string): number | undefined {
  if (!a) return undefined;
  need(a[0], 4, a[0] + a[1], what);
  return dv.getUint32(a[0], true);
}

function markAt(dv: DataView, a: [number, number] | undefined) {
  if (!a) return undefined;
  need(a[0], 8, a[0] + a[1], "XFRMA_MARK");
  return { value: dv.getUint32(a[0], true), mask: dv.getUint32(a[0] + 4, true) };
}

function offloadAt(dv: DataView, a: [number, number] | undefined) {
  if (!a) return undefined;
  need(a[0], 5, a[0] + a[1], "XFRMA_OFFLOAD_DEV");
  return { ifindex: dv.getInt32(a[0], true), flags: dv.getUint8(a[0] + 4) };
}

/** The SA attributes of a message (algorithms, encap, marks, replay, …) onto `s`. */
function stateAttrs(m: MessageView, at: Map<number, [number, number]>, s: XfrmState): void {
  const { dv, u8 } = m;
  for (const kind of ["auth", "auth_trunc", "crypt", "aead", "comp"] as XfrmAlgoKind[]) {
    const a = at.get(T[kind]);
    if (a) s[kind] = decodeAlgo(kind, u8.subarray(a[0], a[0] + a[1]));
  }
  const e = at.get(T.encap);
  if (e) {
    need(e[0], structSize(XFRM_ENCAP_TMPL), e[0] + e[1], "XFRMA_ENCAP");
    const o = off(XFRM_ENCAP_TMPL);
    s.encap = {
      type: dv.getUint16(e[0] + o.encap_type, true),
      sport: dv.getUint16(e[0] + o.encap_sport, false),
      dport: dv.getUint16(e[0] + o.encap_dport, false),
      oa: addrAt(u8, e[0] + o.encap_oa, s.family),
    };
  }
  const coa = at.get(T.coaddr);
  if (coa) {
    need(coa[0], 16, coa[0] + coa[1], "XFRMA_COADDR");
    s.coaddr = addrAt(u8, coa[0], s.family);
  }
  const mark = markAt(dv, at.get(T.mark));
  if (mark) s.mark = mark;
  for (const k of ["set_mark", "set_mark_mask", "if_id", "tfcpad"] as const) {
    const v = u32Attr(dv, at.get(T[k]), `XFRMA_${k.toUpperCase()}`);
    if (v !== undefined) s[k] = v;
  }
  const x = u32Attr(dv, at.get(T.sa_extra_flags), "XFRMA_SA_EXTRA_FLAGS");
  if (x !== undefined) s.extra_flags = x;
  const lu = at.get(T.lastused);
  if (lu) {
    need(lu[0], 8, lu[0] + lu[1], "XFRMA_LASTUSED");
    s.lastused = u64At(dv, lu[0]);
  }
  const dir = at.get(T.sa_dir);
  if (dir) {
    need(dir[0], 1, dir[0] + dir[1], "XFRMA_SA_DIR");
    s.sa_dir = u8[dir[0]];
  }
  const r = at.get(T.replay_val);
  if (r) {
    need(r[0], 12, r[0] + r[1], "XFRMA_REPLAY_VAL");
    s.replay = {
      oseq: dv.getUint32(r[0], true),
      seq: dv.getUint32(r[0] + 4, true),
      bitmap: dv.getUint32(r[0] + 8, true),
    };
  }
  const esn = at.get(T.replay_esn_val);
  if (esn) {
    const [p, len] = esn;
    need(p, 24, p + len, "XFRMA_REPLAY_ESN_VAL");
    const words = dv.getUint32(p, true);
    if (words > (len - 24) / 4) {
      throw new DecodeError(`XFRMA_REPLAY_ESN_VAL: ${words} bitmap words in ${len} bytes`);
    }
    s.replay_esn = {
      oseq: dv.getUint32(p + 4, true),
      seq: dv.getUint32(p + 8, true),
      oseq_hi: dv.getUint32(p + 12, true),
      seq_hi: dv.getUint32(p + 16, true),
      replay_window: dv.getUint32(p + 20, true),
      bmp: Array.from({ length: words }, (_, i) => dv.getUint32(p + 24 + i * 4, true)),
    };
  }
  const o = offloadAt(dv, at.get(T.offload_dev));
  if (o) s.offload = o;
  const ctx = at.get(T.sec_ctx);
  if (ctx) s.sec_ctx = u8.slice(ctx[0], ctx[0] + ctx[1]);
}

/**
 * The SA of a NEWSA/UPDSA message (a dump, a get, an allocspi reply, an event), an EXPIRE
 * (the SA that expired) or a DELSA event (the SA in `XFRMA_SA`).
 */
export function xfrmStateOf(m: MessageView): XfrmState {
  const at = attrsOf(m);
  let s: XfrmState;
  if (m.nlmsgType === XFRM_MSG.DELSA) {
    const sa = at.get(T.sa);
    if (!sa) throw new DecodeError("XFRM_MSG_DELSA without XFRMA_SA");
    s = stateAt(m.dv, m.u8, sa[0], sa[0] + sa[1]);
  } else {
    s = stateAt(m.dv, m.u8, m.offset + 16, m.offset + m.dv.getUint32(m.offset, true));
  }
  stateAttrs(m, at, s);
  return s;
}

/** The templates of an `XFRMA_TMPL` payload. */
export function templatesOf(b: Uint8Array): XfrmTemplate[] {
  const size = structSize(XFRM_USER_TMPL);
  if (b.length % size !== 0) {
    throw new DecodeError(`XFRMA_TMPL: ${b.length} bytes is not a whole number of templates`);
  }
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const o = off(XFRM_USER_TMPL);
  const out: XfrmTemplate[] = [];
  for (let at = 0; at < b.length; at += size) {
    const family = dv.getUint16(at + o.family, true);
    out.push({
      src: addrAt(b, at + o.saddr, family),
      dst: addrAt(b, at + o.id_daddr, family),
      family,
      proto: b[at + o.id_proto],
      spi: dv.getUint32(at + o.id_spi, false),
      reqid: dv.getUint32(at + o.reqid, true),
      mode: b[at + o.mode],
      share: b[at + o.share],
      optional: b[at + o.optional],
      aalgos: dv.getUint32(at + o.aalgos, true),
      ealgos: dv.getUint32(at + o.ealgos, true),
      calgos: dv.getUint32(at + o.calgos, true),
    });
  }
  return out;
}

function policyAttrs(m: MessageView, at: Map<number, [number, number]>, pol: XfrmPolicy): void {
  const { dv, u8 } = m;
  const tmpl = at.get(T.tmpl);
  if (tmpl) pol.tmpl = templatesOf(u8.subarray(tmpl[0], tmpl[0] + tmpl[1]));
  const pt = at.get(T.policy_type);
  if (pt) {
    need(pt[0], 1, pt[0] + pt[1], "XFRMA_POLICY_TYPE");
    pol.ptype = u8[pt[0]];
  }
  const mark = markAt(dv, at.get(T.mark));
  if (mark) pol.mark = mark;
  const ifid = u32Attr(dv, at.get(T.if_id), "XFRMA_IF_ID");
  if (ifid !== undefined) pol.if_id = ifid;
  const ctx = at.get(T.sec_ctx);
  if (ctx) pol.sec_ctx = u8.slice(ctx[0], ctx[0] + ctx[1]);
  const o = offloadAt(dv, at.get(T.offload_dev));
  if (o) pol.offload = o;
}

/**
 * The policy of a NEWPOLICY/UPDPOLICY message (dump, get, event), a POLEXPIRE, or a DELPOLICY
 * event (the policy in `XFRMA_POLICY`).
 */
export function xfrmPolicyOf(m: MessageView): XfrmPolicy {
  const at = attrsOf(m);
  let pol: XfrmPolicy;
  if (m.nlmsgType === XFRM_MSG.DELPOLICY) {
    const p = at.get(T.policy);
    if (!p) throw new DecodeError("XFRM_MSG_DELPOLICY without XFRMA_POLICY");
    pol = policyAt(m.dv, m.u8, p[0], p[0] + p[1]);
  } else {
    pol = policyAt(m.dv, m.u8, m.offset + 16, m.offset + m.dv.getUint32(m.offset, true));
  }
  policyAttrs(m, at, pol);
  return pol;
}

/** An ACQUIRE message. */
export function xfrmAcquireOf(m: MessageView): XfrmAcquire {
  const { dv, u8 } = m;
  const base = m.offset + 16;
  const end = m.offset + dv.getUint32(m.offset, true);
  need(base, structSize(XFRM_USER_ACQUIRE), end, "xfrm_user_acquire");
  const o = off(XFRM_USER_ACQUIRE);
  const policy = policyAt(dv, u8, base + o.policy_sel_daddr, end);
  policyAttrs(m, attrsOf(m), policy);
  const sel = selectorAt(dv, u8, base + o.sel_daddr, 0);
  const family = sel.family || policy.sel.family;
  return {
    dst: addrAt(u8, base + o.id_daddr, family),
    src: addrAt(u8, base + o.saddr, family),
    proto: u8[base + o.id_proto],
    sel: family === sel.family ? sel : selectorAt(dv, u8, base + o.sel_daddr, family),
    policy,
    aalgos: dv.getUint32(base + o.aalgos, true),
    ealgos: dv.getUint32(base + o.ealgos, true),
    calgos: dv.getUint32(base + o.calgos, true),
    seq: dv.getUint32(base + o.seq, true),
  };
}

/** Whether an EXPIRE or POLEXPIRE message is a hard expire. */
export function xfrmHard(m: MessageView): boolean {
  const h = m.headerField("hard");
  return typeof h === "number" && h !== 0;
}

/** A NEWSADINFO message. */
export function xfrmSadInfoOf(m: MessageView): XfrmSadInfo {
  const cnt = m.get("cnt");
  const out: XfrmSadInfo = { count: typeof cnt === "number" ? cnt : 0 };
  const h = m.get("hinfo") as Record<string, number> | undefined;
  if (h) {
    out.hash_count = h.sadhcnt ?? 0;
    out.hash_max = h.sadhmcnt ?? 0;
  }
  return out;
}

/** A NEWSPDINFO message. */
export function xfrmSpdInfoOf(m: MessageView): XfrmSpdInfo {
  const i = (m.get("info") ?? {}) as Record<string, number>;
  const out: XfrmSpdInfo = {
    incnt: i.incnt ?? 0,
    outcnt: i.outcnt ?? 0,
    fwdcnt: i.fwdcnt ?? 0,
    inscnt: i.inscnt ?? 0,
    outscnt: i.outscnt ?? 0,
    fwdscnt: i.fwdscnt ?? 0,
  };
  const h = m.get("hinfo") as Record<string, number> | undefined;
  if (h) {
    out.hash_count = h.spdhcnt ?? 0;
    out.hash_max = h.spdhmcnt ?? 0;
  }
  for (const k of ["ipv4_hthresh", "ipv6_hthresh"] as const) {
    const t = m.get(k) as Record<string, number> | undefined;
    if (t) out[k] = { lbits: t.lbits ?? 0, rbits: t.rbits ?? 0 };
  }
  return out;
}
