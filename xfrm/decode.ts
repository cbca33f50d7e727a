/**
 * xfrm messages as plain data: states (SAs), policies, templates, selectors, acquires, expires,
 * SAD and SPD information. Addresses are text in the family the kernel gives with them;
 * 64-bit limits are numbers, `Infinity` for `XFRM_INF`.
 *
 * @module
 */

import { formatIp } from "../netlink/addr.ts";
import { DecodeError } from "../netlink/errors.ts";
import { decodeStruct } from "../netlink/view.ts";
import type { MessageView } from "../netlink/view.ts";
import type { StructCodec } from "../netlink/schema.ts";
import { decodeAlgo } from "./algorithms.ts";
import type { XfrmAlgoValue } from "./algorithms.ts";
import { XFRM_MSG } from "./schema.ts";
import { LIFETIME_CFG_NAMES, XFRM_USER_TMPL } from "./structs.ts";

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

/** 16 address bytes as text in `family` (2: the first 4 bytes). */
export function xfrmAddressText(b: Uint8Array | undefined, family: number): string {
  if (!b || b.length < 16) return "";
  if (family === 10) return formatIp(b, 0, 16);
  if (family === 2) return formatIp(b, 0, 4);
  // No family: IPv4 when the rest is zero, else IPv6 (what else could it be).
  return b.subarray(4).every((x) => x === 0) ? formatIp(b, 0, 4) : formatIp(b, 0, 16);
}

const TWO32 = 4294967296;

/** A raw 64-bit value: a number, Infinity when all ones (XFRM_INF). */
export function u64Value(b: unknown): number {
  if (!(b instanceof Uint8Array) || b.length < 8) return 0;
  if (b.every((x) => x === 0xff)) return Infinity;
  const dv = new DataView(b.buffer, b.byteOffset, 8);
  return dv.getUint32(4, true) * TWO32 + dv.getUint32(0, true);
}

const num = (v: unknown) => (typeof v === "number" ? v : 0);

/** A selector from struct fields prefixed `p`, addresses in `family` when the selector has none. */
export function selectorOf(h: Record<string, unknown>, p: string, family: number): XfrmSelector {
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

function lifetimeOf(h: Record<string, unknown>, p: string): XfrmLifetime {
  const out: Record<string, number> = {};
  for (const k of LIFETIME_CFG_NAMES) out[k] = u64Value(h[p + k]);
  return out as unknown as XfrmLifetime;
}

function currentOf(h: Record<string, unknown>, p: string): XfrmLifetimeCurrent {
  return {
    bytes: num(h[`${p}bytes`]),
    packets: num(h[`${p}packets`]),
    add_time: num(h[`${p}add_time`]),
    use_time: num(h[`${p}use_time`]),
  };
}

function struct(s: StructCodec, b: Uint8Array): Record<string, unknown> {
  return decodeStruct(new DataView(b.buffer, b.byteOffset, b.byteLength), b, s, 0, b.length);
}

/** State fields from a `xfrm_usersa_info` struct (flat names). */
function stateOfStruct(h: Record<string, unknown>): XfrmState {
  const family = num(h.family);
  return {
    src: xfrmAddressText(h.saddr as Uint8Array, family),
    dst: xfrmAddressText(h.id_daddr as Uint8Array, family),
    family,
    proto: num(h.id_proto),
    spi: num(h.id_spi),
    reqid: num(h.reqid),
    mode: num(h.mode),
    replay_window: num(h.replay_window),
    flags: num(h.flags),
    seq: num(h.seq),
    sel: selectorOf(h, "sel_", family),
    lifetime: lifetimeOf(h, "lft_"),
    current: currentOf(h, "curlft_"),
    stats: {
      replay_window: num(h.stats_replay_window),
      replay: num(h.stats_replay),
      integrity_failed: num(h.stats_integrity_failed),
    },
  };
}

function markOf(v: unknown): { value: number; mask: number } | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const m = v as Record<string, unknown>;
  return { value: num(m.v), mask: num(m.m) };
}

/** The SA attributes of a message (algorithms, encap, marks, replay, …) onto `s`. */
function stateAttrs(m: MessageView, s: XfrmState): void {
  const bin = (name: string) => m.get(name) as Uint8Array | undefined;
  for (const kind of ["auth", "auth_trunc", "crypt", "aead", "comp"] as const) {
    const b = bin(`alg_${kind}`);
    if (b) s[kind] = decodeAlgo(kind, b);
  }
  const encap = m.get("encap") as Record<string, unknown> | undefined;
  if (encap) {
    s.encap = {
      type: num(encap.encap_type),
      sport: num(encap.encap_sport),
      dport: num(encap.encap_dport),
      oa: xfrmAddressText(encap.encap_oa as Uint8Array, s.family),
    };
  }
  const coa = bin("coaddr");
  if (coa) {
    if (coa.length < 16) throw new DecodeError(`XFRMA_COADDR: ${coa.length} bytes, expected 16`);
    s.coaddr = xfrmAddressText(coa, s.family);
  }
  const mark = markOf(m.get("mark"));
  if (mark) s.mark = mark;
  for (const k of ["set_mark", "set_mark_mask", "if_id", "tfcpad", "lastused", "sa_dir"] as const) {
    const v = m.get(k);
    if (typeof v === "number") s[k] = v;
  }
  const x = m.get("sa_extra_flags");
  if (typeof x === "number") s.extra_flags = x;
  const replay = m.get("replay_val") as Record<string, unknown> | undefined;
  if (replay) {
    s.replay = { oseq: num(replay.oseq), seq: num(replay.seq), bitmap: num(replay.bitmap) };
  }
  const esn = bin("replay_esn_val");
  if (esn) {
    if (esn.length < 24) throw new DecodeError(`XFRMA_REPLAY_ESN_VAL: ${esn.length} bytes`);
    const dv = new DataView(esn.buffer, esn.byteOffset, esn.byteLength);
    const words = dv.getUint32(0, true);
    if (24 + words * 4 > esn.length) {
      throw new DecodeError(`XFRMA_REPLAY_ESN_VAL: ${words} bitmap words in ${esn.length} bytes`);
    }
    s.replay_esn = {
      oseq: dv.getUint32(4, true),
      seq: dv.getUint32(8, true),
      oseq_hi: dv.getUint32(12, true),
      seq_hi: dv.getUint32(16, true),
      replay_window: dv.getUint32(20, true),
      bmp: Array.from({ length: words }, (_, i) => dv.getUint32(24 + i * 4, true)),
    };
  }
  const off = m.get("offload_dev") as Record<string, unknown> | undefined;
  if (off) s.offload = { ifindex: num(off.ifindex), flags: num(off.flags) };
  const ctx = bin("sec_ctx");
  if (ctx) s.sec_ctx = ctx.slice();
}

/**
 * The SA of a NEWSA/UPDSA message (a dump, a get, an allocspi reply, an event), an EXPIRE
 * (the SA that expired) or a DELSA event (the SA in `XFRMA_SA`).
 */
export function xfrmStateOf(m: MessageView): XfrmState {
  const type = m.nlmsgType;
  let h: Record<string, unknown>;
  if (type === XFRM_MSG.DELSA) {
    const sa = m.get("sa") as Record<string, unknown> | undefined;
    if (!sa) throw new DecodeError("XFRM_MSG_DELSA without XFRMA_SA");
    h = sa;
  } else h = m.header();
  const s = stateOfStruct(h);
  stateAttrs(m, s);
  return s;
}

/** The templates of an `XFRMA_TMPL` payload. */
export function templatesOf(b: Uint8Array): XfrmTemplate[] {
  if (b.length % 64 !== 0) {
    throw new DecodeError(`XFRMA_TMPL: ${b.length} bytes is not a whole number of templates`);
  }
  const out: XfrmTemplate[] = [];
  for (let off = 0; off < b.length; off += 64) {
    const t = struct(XFRM_USER_TMPL, b.subarray(off, off + 64));
    const family = num(t.family);
    out.push({
      src: xfrmAddressText(t.saddr as Uint8Array, family),
      dst: xfrmAddressText(t.id_daddr as Uint8Array, family),
      family,
      proto: num(t.id_proto),
      spi: num(t.id_spi),
      reqid: num(t.reqid),
      mode: num(t.mode),
      share: num(t.share),
      optional: num(t.optional),
      aalgos: num(t.aalgos),
      ealgos: num(t.ealgos),
      calgos: num(t.calgos),
    });
  }
  return out;
}

function policyOfStruct(h: Record<string, unknown>, p = ""): XfrmPolicy {
  return {
    sel: selectorOf(h, `${p}sel_`, 0),
    dir: num(h[`${p}dir`]),
    action: num(h[`${p}action`]),
    priority: num(h[`${p}priority`]),
    index: num(h[`${p}index`]),
    flags: num(h[`${p}flags`]),
    share: num(h[`${p}share`]),
    lifetime: lifetimeOf(h, `${p}lft_`),
    current: currentOf(h, `${p}curlft_`),
    tmpl: [],
  };
}

function policyAttrs(m: MessageView, pol: XfrmPolicy): void {
  const tmpl = m.get("tmpl") as Uint8Array | undefined;
  if (tmpl) pol.tmpl = templatesOf(tmpl);
  const pt = m.get("policy_type") as Record<string, unknown> | undefined;
  if (pt) pol.ptype = num(pt.type);
  const mark = markOf(m.get("mark"));
  if (mark) pol.mark = mark;
  const ifid = m.get("if_id");
  if (typeof ifid === "number") pol.if_id = ifid;
  const ctx = m.get("sec_ctx") as Uint8Array | undefined;
  if (ctx) pol.sec_ctx = ctx.slice();
  const off = m.get("offload_dev") as Record<string, unknown> | undefined;
  if (off) pol.offload = { ifindex: num(off.ifindex), flags: num(off.flags) };
}

/**
 * The policy of a NEWPOLICY/UPDPOLICY message (dump, get, event), a POLEXPIRE, or a DELPOLICY
 * event (the policy in `XFRMA_POLICY`).
 */
export function xfrmPolicyOf(m: MessageView): XfrmPolicy {
  let h: Record<string, unknown>;
  if (m.nlmsgType === XFRM_MSG.DELPOLICY) {
    const p = m.get("policy") as Record<string, unknown> | undefined;
    if (!p) throw new DecodeError("XFRM_MSG_DELPOLICY without XFRMA_POLICY");
    h = p;
  } else h = m.header();
  const pol = policyOfStruct(h);
  policyAttrs(m, pol);
  return pol;
}

/** An ACQUIRE message. */
export function xfrmAcquireOf(m: MessageView): XfrmAcquire {
  const h = m.header();
  const policy = policyOfStruct(h, "policy_");
  policyAttrs(m, policy);
  const family = num(h.sel_family) || policy.sel.family;
  return {
    dst: xfrmAddressText(h.id_daddr as Uint8Array, family),
    src: xfrmAddressText(h.saddr as Uint8Array, family),
    proto: num(h.id_proto),
    sel: selectorOf(h, "sel_", family),
    policy,
    aalgos: num(h.aalgos),
    ealgos: num(h.ealgos),
    calgos: num(h.calgos),
    seq: num(h.seq),
  };
}

/** Whether an EXPIRE or POLEXPIRE message is a hard expire. */
export function xfrmHard(m: MessageView): boolean {
  return num(m.headerField("hard")) !== 0;
}

/** A NEWSADINFO message. */
export function xfrmSadInfoOf(m: MessageView): XfrmSadInfo {
  const out: XfrmSadInfo = { count: num(m.get("cnt")) };
  const h = m.get("hinfo") as Record<string, unknown> | undefined;
  if (h) {
    out.hash_count = num(h.sadhcnt);
    out.hash_max = num(h.sadhmcnt);
  }
  return out;
}

/** A NEWSPDINFO message. */
export function xfrmSpdInfoOf(m: MessageView): XfrmSpdInfo {
  const i = (m.get("info") ?? {}) as Record<string, unknown>;
  const out: XfrmSpdInfo = {
    incnt: num(i.incnt),
    outcnt: num(i.outcnt),
    fwdcnt: num(i.fwdcnt),
    inscnt: num(i.inscnt),
    outscnt: num(i.outscnt),
    fwdscnt: num(i.fwdscnt),
  };
  const h = m.get("hinfo") as Record<string, unknown> | undefined;
  if (h) {
    out.hash_count = num(h.spdhcnt);
    out.hash_max = num(h.spdhmcnt);
  }
  for (const k of ["ipv4_hthresh", "ipv6_hthresh"] as const) {
    const t = m.get(k) as Record<string, unknown> | undefined;
    if (t) out[k] = { lbits: num(t.lbits), rbits: num(t.rbits) };
  }
  return out;
}
