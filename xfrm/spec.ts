/**
 * Request specs for xfrm: states (SAs), policies, templates, selectors, lifetimes, marks; each
 * checked and turned into the struct fields and attributes of its request, as `ip xfrm` fills
 * them (lifetime limits default to infinite, templates accept any algorithm, the family comes
 * from the addresses). Bad input is a TypeError or RangeError naming the field, thrown before
 * anything is sent.
 *
 * @module
 */

import { describeValue, parseIp, parsePrefix } from "../netlink/addr.ts";
import { checkInt } from "../netlink/encoder.ts";
import { checkKeys, KeySet, REFUSE_UNDEFINED } from "../netlink/strict.ts";
import { encodeAlgo } from "./algorithms.ts";
import type { XfrmAlgo } from "./algorithms.ts";
import {
  flagsToNumber,
  IP_PROTO,
  nameToNumber,
  XFRM_ENCAP_TYPE,
  XFRM_MODE,
  XFRM_POLICY_ACTION,
  XFRM_POLICY_DIR,
  XFRM_POLICY_FLAG,
  XFRM_POLICY_TYPE,
  XFRM_PROTO,
  XFRM_SA_DIR,
  XFRM_SA_XFLAG,
  XFRM_SHARE,
  XFRM_STATE_FLAG,
} from "./names.ts";
import { LIFETIME_CFG_NAMES, XFRM_USER_TMPL } from "./structs.ts";
import { structSize } from "../netlink/schema.ts";
import { Writer, writeStruct } from "../netlink/encoder.ts";

/** A name (as `ip xfrm` spells it) or the number. */
export type Named<T extends string> = T | number;

/** A traffic selector: which packets a policy or SA applies to. */
export interface XfrmSelectorSpec {
  /** Source prefix (`"10.0.0.0/24"`; a bare address is a host). */
  src?: string;
  /** Destination prefix. */
  dst?: string;
  /** 2 (IPv4) or 10 (IPv6): needed only when neither `src` nor `dst` is given (default 2). */
  family?: number;
  /** Upper-layer protocol (`"tcp"`, `"udp"`, `"icmp"`, … or a number). */
  proto?: Named<keyof typeof IP_PROTO>;
  /** Source port (sets the full mask). */
  sport?: number;
  /** Destination port (sets the full mask). */
  dport?: number;
  /** Source port mask (default: full when `sport` is given). */
  sport_mask?: number;
  /** Destination port mask. */
  dport_mask?: number;
  /** ICMP type (stored in `sport`). */
  type?: number;
  /** ICMP code (stored in `dport`). */
  code?: number;
  /** Interface index (0: any). */
  ifindex?: number;
  /** User id. */
  user?: number;
}

/** Lifetime limits: numbers, `Infinity` for none (the default of the byte and packet limits). */
export interface XfrmLifetimeSpec {
  /** Bytes before a soft expire. */
  soft_byte_limit?: number;
  /** Bytes before a hard expire. */
  hard_byte_limit?: number;
  /** Packets before a soft expire. */
  soft_packet_limit?: number;
  /** Packets before a hard expire. */
  hard_packet_limit?: number;
  /** Seconds after adding before a soft expire. */
  soft_add_expires_seconds?: number;
  /** Seconds after adding before a hard expire. */
  hard_add_expires_seconds?: number;
  /** Seconds after first use before a soft expire. */
  soft_use_expires_seconds?: number;
  /** Seconds after first use before a hard expire. */
  hard_use_expires_seconds?: number;
}

/** A mark: `{ value, mask }` (mask default all ones), or a number (full mask). */
export type XfrmMarkSpec = number | { value: number; mask?: number };

/** NAT traversal encapsulation. */
export interface XfrmEncapSpec {
  /** `"espinudp"`, `"espinudp-nonike"`, `"espintcp"` or a number. */
  type: Named<keyof typeof XFRM_ENCAP_TYPE>;
  /** Source port. */
  sport: number;
  /** Destination port. */
  dport: number;
  /** Original address (default: none). */
  oa?: string;
}

/** An SA to add or update (`ip xfrm state add`). */
export interface XfrmStateSpec {
  /** Source address (the SA's tunnel or transport source). */
  src: string;
  /** Destination address. */
  dst: string;
  /** `"esp"`, `"ah"`, `"comp"`, `"route2"`, `"hao"` or a number. */
  proto: Named<keyof typeof XFRM_PROTO>;
  /** Security parameter index (comp: a 16-bit CPI). Required for esp, ah and comp. */
  spi?: number;
  /** `"transport"` (default), `"tunnel"`, `"beet"`, `"ro"`, `"in_trigger"` or a number. */
  mode?: Named<keyof typeof XFRM_MODE>;
  /** Request id linking the SA to policy templates. */
  reqid?: number;
  /** Sequence number (of an ACQUIRE this SA answers). */
  seq?: number;
  /** Replay window in packets (above 32, or with the esn flag: an ESN replay state). */
  replay_window?: number;
  /** Flags: `noecn`, `decap-dscp`, `nopmtudisc`, `wildrecv`, `icmp`, `af-unspec`, `align4`, `esn`. */
  flags?: readonly (keyof typeof XFRM_STATE_FLAG)[] | number;
  /** Extra flags: `dont-encap-dscp`, `oseq-may-wrap`. */
  extra_flags?: readonly (keyof typeof XFRM_SA_XFLAG)[] | number;
  /** The selector (default: any). */
  sel?: XfrmSelectorSpec;
  /** Lifetime limits. */
  lifetime?: XfrmLifetimeSpec;
  /** Authentication (`XFRMA_ALG_AUTH`). */
  auth?: XfrmAlgo;
  /** Authentication with a truncation length (`XFRMA_ALG_AUTH_TRUNC`). */
  auth_trunc?: XfrmAlgo;
  /** Encryption (`XFRMA_ALG_CRYPT`). */
  crypt?: XfrmAlgo;
  /** Authenticated encryption (`XFRMA_ALG_AEAD`). */
  aead?: XfrmAlgo;
  /** Compression (`XFRMA_ALG_COMP`). */
  comp?: XfrmAlgo;
  /** NAT traversal. */
  encap?: XfrmEncapSpec;
  /** Care-of address (route2, hao). */
  coaddr?: string;
  /** Mark the SA matches. */
  mark?: XfrmMarkSpec;
  /** Mark set on packets (`output-mark`, `XFRMA_SET_MARK`). */
  set_mark?: number;
  /** Its mask (`XFRMA_SET_MARK_MASK`). */
  set_mark_mask?: number;
  /** The xfrm interface id. */
  if_id?: number;
  /** TFC padding. */
  tfcpad?: number;
  /** Replay state: sequence numbers to start from (`seq`, `oseq`, and `seq_hi`/`oseq_hi` with ESN). */
  replay?: { seq?: number; oseq?: number; seq_hi?: number; oseq_hi?: number };
  /** Hardware offload: the device's index and the direction. */
  offload?: { ifindex: number; dir: "in" | "out" };
  /** SA direction (`XFRMA_SA_DIR`, kernels from 6.10). */
  sa_dir?: "in" | "out";
}

/** Which SA: for get and delete (`ip xfrm state get|delete src … dst … proto … spi …`). */
export interface XfrmStateIdSpec {
  /** Source address (matched through `XFRMA_SRCADDR`). */
  src?: string;
  /** Destination address. */
  dst: string;
  /** Protocol. */
  proto: Named<keyof typeof XFRM_PROTO>;
  /** SPI. */
  spi: number;
  /** Mark. */
  mark?: XfrmMarkSpec;
}

/** An SPI allocation (`ip xfrm state allocspi`): a larval SA with a free SPI from the range. */
export interface XfrmAllocSpiSpec {
  /** Source address. */
  src: string;
  /** Destination address. */
  dst: string;
  /** Protocol. */
  proto: Named<keyof typeof XFRM_PROTO>;
  /** Mode. */
  mode?: Named<keyof typeof XFRM_MODE>;
  /** Request id. */
  reqid?: number;
  /** Sequence number. */
  seq?: number;
  /** Lowest SPI (default 0x100). */
  min?: number;
  /** Highest SPI (default 0x0fffffff; 0xffff for comp). */
  max?: number;
  /** Mark. */
  mark?: XfrmMarkSpec;
}

/** One template of a policy: the SA it needs (`tmpl src … dst … proto esp reqid 1 mode tunnel`). */
export interface XfrmTemplateSpec {
  /** Source (tunnel mode). */
  src?: string;
  /** Destination (tunnel mode). */
  dst?: string;
  /** Protocol (default esp). */
  proto?: Named<keyof typeof XFRM_PROTO>;
  /** SPI (0: any). */
  spi?: number;
  /** Request id. */
  reqid?: number;
  /** Mode (default transport). */
  mode?: Named<keyof typeof XFRM_MODE>;
  /** Sharing. */
  share?: Named<keyof typeof XFRM_SHARE>;
  /** `true` (`level use`): the SA is optional. */
  optional?: boolean | number;
  /** Allowed authentication algorithms (bitmask; default all). */
  aalgos?: number;
  /** Allowed encryption algorithms (default all). */
  ealgos?: number;
  /** Allowed compression algorithms (default all). */
  calgos?: number;
}

/** A policy to add or update (`ip xfrm policy add`). */
export interface XfrmPolicySpec {
  /** The selector. */
  sel?: XfrmSelectorSpec;
  /** `"in"`, `"out"`, `"fwd"` or a number. */
  dir: Named<keyof typeof XFRM_POLICY_DIR>;
  /** `"allow"` (default) or `"block"`. */
  action?: Named<keyof typeof XFRM_POLICY_ACTION>;
  /** Priority (lower first). */
  priority?: number;
  /** Index (the kernel assigns one when 0). */
  index?: number;
  /** Flags: `localok`, `icmp`. */
  flags?: readonly (keyof typeof XFRM_POLICY_FLAG)[] | number;
  /** Sharing. */
  share?: Named<keyof typeof XFRM_SHARE>;
  /** Lifetime limits. */
  lifetime?: XfrmLifetimeSpec;
  /** Templates: the SAs the traffic goes through, in order. */
  tmpl?: readonly XfrmTemplateSpec[];
  /** `"main"` or `"sub"` (`XFRMA_POLICY_TYPE`). */
  ptype?: Named<keyof typeof XFRM_POLICY_TYPE>;
  /** Mark. */
  mark?: XfrmMarkSpec;
  /** The xfrm interface id. */
  if_id?: number;
}

/** Which policy: by selector and direction, or by index and direction. */
export interface XfrmPolicyIdSpec {
  /** The selector (with `dir`). */
  sel?: XfrmSelectorSpec;
  /** The index (instead of the selector). */
  index?: number;
  /** Direction. */
  dir: Named<keyof typeof XFRM_POLICY_DIR>;
  /** Policy type. */
  ptype?: Named<keyof typeof XFRM_POLICY_TYPE>;
  /** Mark. */
  mark?: XfrmMarkSpec;
  /** Interface id. */
  if_id?: number;
}

/** Fields and attributes of one request. */
export interface XfrmRequest {
  /** The fixed struct's fields (flat names, as in xfrm/structs.ts). */
  header: Record<string, unknown>;
  /** Attributes by short name, in the order `ip xfrm` writes them. */
  attrs: Record<string, unknown>;
}

/** Throws unless `spec` is an object with keys from `known` and no undefined values. */
/** An address in a 16-byte xfrm_address_t, and its family. */
export function xfrmAddress(text: unknown, field: string): { bytes: Uint8Array; family: number } {
  const raw = parseIp(text, field);
  const bytes = new Uint8Array(16);
  bytes.set(raw);
  return { bytes, family: raw.length === 4 ? 2 : 10 };
}

function sameFamily(a: number, b: number, field: string): void {
  if (a !== 0 && b !== 0 && a !== b) {
    throw new TypeError(`${field}: the addresses must be of one family (IPv4 or IPv6)`);
  }
}

// The keys of XFRM's specs (an unknown key is `field.key: unknown key`; `key: undefined` is
// refused: leave the key out instead).
const LIFETIME_KEYS = new KeySet("key", LIFETIME_CFG_NAMES, {}, REFUSE_UNDEFINED);
const MARK_KEYS = new KeySet("key", ["value", "mask"], {}, REFUSE_UNDEFINED);
const ENCAP_KEYS = new KeySet("key", ["type", "sport", "dport", "oa"], {}, REFUSE_UNDEFINED);
const OFFLOAD_KEYS = new KeySet("key", ["ifindex", "dir"], {}, REFUSE_UNDEFINED);
const REPLAY_KEYS = new KeySet("key", ["seq", "oseq", "seq_hi", "oseq_hi"], {}, REFUSE_UNDEFINED);
const STATE_ID_KEYS = new KeySet(
  "key",
  ["src", "dst", "proto", "spi", "mark"],
  {},
  REFUSE_UNDEFINED,
);
const ALLOCSPI_KEYS = new KeySet(
  "key",
  ["src", "dst", "proto", "mode", "reqid", "seq", "min", "max", "mark"],
  {},
  REFUSE_UNDEFINED,
);
const POLICY_ID_KEYS = new KeySet(
  "key",
  ["sel", "index", "dir", "ptype", "mark", "if_id"],
  {},
  REFUSE_UNDEFINED,
);

const SELECTOR_KEYS = new KeySet(
  "key",
  [
    "src",
    "dst",
    "family",
    "proto",
    "sport",
    "dport",
    "sport_mask",
    "dport_mask",
    "type",
    "code",
    "ifindex",
    "user",
  ],
  {},
  REFUSE_UNDEFINED,
);

/** The struct fields of a selector (prefixed `prefix`); its family (0 when it has no address). */
export function selectorFields(
  spec: XfrmSelectorSpec | undefined,
  prefix: string,
  field: string,
): { fields: Record<string, unknown>; family: number } {
  const out: Record<string, unknown> = {};
  if (spec === undefined) return { fields: out, family: 0 };
  checkKeys(spec, SELECTOR_KEYS, field, `${field}.`);
  let family = 0;
  for (const side of ["src", "dst"] as const) {
    const v = spec[side];
    if (v === undefined) continue;
    const p = parsePrefix(v, `${field}.${side}`);
    const bytes = new Uint8Array(16);
    bytes.set(p.bytes);
    sameFamily(family, p.family, field);
    family = p.family;
    out[`${prefix}${side === "src" ? "saddr" : "daddr"}`] = bytes;
    out[`${prefix}prefixlen_${side === "src" ? "s" : "d"}`] = p.prefixlen;
  }
  if (spec.family !== undefined) {
    const f = checkInt(spec.family, "u16", `${field}.family`);
    if (f !== 2 && f !== 10 && f !== 0) {
      throw new RangeError(`${field}.family: expected 2 (IPv4) or 10 (IPv6), got ${f}`);
    }
    sameFamily(family, f, field);
    family = f;
  }
  out[`${prefix}family`] = family || 2;
  if (spec.proto !== undefined) {
    out[`${prefix}proto`] = nameToNumber(IP_PROTO, spec.proto, "u8", `${field}.proto`);
  }
  const port = (v: number | undefined, name: string) =>
    v === undefined ? undefined : checkInt(v, "u16", `${field}.${name}`);
  if (spec.type !== undefined && spec.sport !== undefined) {
    throw new TypeError(`${field}.type: an ICMP type is stored in sport; give one of them`);
  }
  if (spec.code !== undefined && spec.dport !== undefined) {
    throw new TypeError(`${field}.code: an ICMP code is stored in dport; give one of them`);
  }
  const sport = port(spec.sport ?? spec.type, spec.sport !== undefined ? "sport" : "type");
  const dport = port(spec.dport ?? spec.code, spec.dport !== undefined ? "dport" : "code");
  if (spec.type !== undefined && spec.type > 0xff) {
    throw new RangeError(`${field}.type: an ICMP type is 0-255, got ${spec.type}`);
  }
  if (spec.code !== undefined && spec.code > 0xff) {
    throw new RangeError(`${field}.code: an ICMP code is 0-255, got ${spec.code}`);
  }
  if (sport !== undefined) {
    out[`${prefix}sport`] = sport;
    // ip sets the mask for a nonzero port (and always for an ICMP type).
    if (sport !== 0 || spec.type !== undefined) out[`${prefix}sport_mask`] = 0xffff;
  }
  if (dport !== undefined) {
    out[`${prefix}dport`] = dport;
    if (dport !== 0 || spec.code !== undefined) out[`${prefix}dport_mask`] = 0xffff;
  }
  const sm = port(spec.sport_mask, "sport_mask");
  if (sm !== undefined) out[`${prefix}sport_mask`] = sm;
  const dm = port(spec.dport_mask, "dport_mask");
  if (dm !== undefined) out[`${prefix}dport_mask`] = dm;
  if (spec.ifindex !== undefined) {
    out[`${prefix}ifindex`] = checkInt(spec.ifindex, "s32", `${field}.ifindex`);
  }
  if (spec.user !== undefined) out[`${prefix}user`] = checkInt(spec.user, "u32", `${field}.user`);
  return { fields: out, family };
}

const U64_INF = new Uint8Array(8).fill(0xff);

/** A 64-bit lifetime value as its 8 raw bytes (Infinity: all ones, XFRM_INF). */
export function u64Bytes(v: unknown, field: string): Uint8Array {
  if (v === Infinity) return U64_INF;
  if (typeof v === "bigint") {
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`${field}: out of range`);
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, v, true);
    return out;
  }
  const n = checkInt(v, "u64", field);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}

/** The lifetime struct fields (prefixed `prefix`), infinite byte and packet limits by default. */
export function lifetimeFields(
  spec: XfrmLifetimeSpec | undefined,
  prefix: string,
  field: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (
    const k of ["soft_byte_limit", "hard_byte_limit", "soft_packet_limit", "hard_packet_limit"]
  ) {
    out[prefix + k] = U64_INF;
  }
  if (spec === undefined) return out;
  checkKeys(spec, LIFETIME_KEYS, field, `${field}.`);
  for (const [k, v] of Object.entries(spec)) out[prefix + k] = u64Bytes(v, `${field}.${k}`);
  return out;
}

/** An `XFRMA_MARK` value. */
export function markAttr(spec: XfrmMarkSpec, field: string): { v: number; m: number } {
  if (typeof spec === "number") return { v: checkInt(spec, "u32", field), m: 0xffffffff };
  checkKeys(spec, MARK_KEYS, field, `${field}.`);
  return {
    v: checkInt(spec.value, "u32", `${field}.value`),
    m: spec.mask === undefined ? 0xffffffff : checkInt(spec.mask, "u32", `${field}.mask`),
  };
}

const IPSEC = new Set([50, 51, 108]);
const RO = new Set([43, 60]);

const STATE_KEYS = new KeySet(
  "key",
  [
    "src",
    "dst",
    "proto",
    "spi",
    "mode",
    "reqid",
    "seq",
    "replay_window",
    "flags",
    "extra_flags",
    "sel",
    "lifetime",
    "auth",
    "auth_trunc",
    "crypt",
    "aead",
    "comp",
    "encap",
    "coaddr",
    "mark",
    "set_mark",
    "set_mark_mask",
    "if_id",
    "tfcpad",
    "replay",
    "offload",
    "sa_dir",
  ],
  {},
  REFUSE_UNDEFINED,
);

/** The `xfrm_id` fields (prefixed) and family of addresses and protocol. */
function idFields(
  src: unknown,
  dst: unknown,
  proto: unknown,
  spi: unknown,
  prefix: string,
  field: string,
): { fields: Record<string, unknown>; family: number; proto: number; saddr: Uint8Array } {
  const s = src === undefined ? undefined : xfrmAddress(src, `${field}src`);
  const d = xfrmAddress(dst, `${field}dst`);
  if (s) sameFamily(s.family, d.family, `${field}src`);
  const p = nameToNumber(XFRM_PROTO, proto, "u8", `${field}proto`);
  const fields: Record<string, unknown> = { [`${prefix}daddr`]: d.bytes, [`${prefix}proto`]: p };
  if (spi !== undefined) {
    const n = checkInt(spi, "u32", `${field}spi`);
    if (p === 108 && n > 0xffff) throw new RangeError(`${field}spi: a comp CPI is 0-65535`);
    if (RO.has(p) && n !== 0) {
      throw new TypeError(`${field}spi: invalid with proto ${String(proto)}`);
    }
    fields[`${prefix}spi`] = n;
  }
  return { fields, family: d.family, proto: p, saddr: s?.bytes ?? new Uint8Array(16) };
}

/** The NEWSA/UPDSA request of a state spec. */
export function stateRequest(spec: XfrmStateSpec): XfrmRequest {
  checkKeys(spec, STATE_KEYS, "state", "state.");
  const id = idFields(spec.src, spec.dst, spec.proto, spec.spi, "id_", "");
  const header: Record<string, unknown> = {
    ...id.fields,
    saddr: id.saddr,
    family: id.family,
    ...lifetimeFields(spec.lifetime, "lft_", "lifetime"),
  };
  if (IPSEC.has(id.proto) && spec.spi === undefined) {
    throw new TypeError(`spi: required with proto ${String(spec.proto)}`);
  }
  const mode = spec.mode === undefined ? 0 : nameToNumber(XFRM_MODE, spec.mode, "u8", "mode");
  header.mode = mode;
  if (IPSEC.has(id.proto) && !(mode === 0 || mode === 1 || (mode === 4 && id.proto === 50))) {
    throw new TypeError(`mode: ${String(spec.mode)} is invalid with proto ${String(spec.proto)}`);
  }
  if (RO.has(id.proto) && mode !== 2 && mode !== 3) {
    throw new TypeError(`mode: proto ${String(spec.proto)} needs mode ro or in_trigger`);
  }
  if (spec.reqid !== undefined) header.reqid = checkInt(spec.reqid, "u32", "reqid");
  if (spec.seq !== undefined) header.seq = checkInt(spec.seq, "u32", "seq");
  const flags = spec.flags === undefined
    ? 0
    : flagsToNumber(XFRM_STATE_FLAG, spec.flags, "u8", "flags");
  header.flags = flags;
  const window = spec.replay_window === undefined
    ? 0
    : checkInt(spec.replay_window, "u32", "replay_window");
  if (window > 4096) throw new RangeError(`replay_window: at most 4096, got ${window}`);
  if (flags & XFRM_STATE_FLAG.esn && window === 0) {
    throw new TypeError("replay_window: the esn flag needs a replay window");
  }
  const sel = selectorFields(spec.sel, "sel_", "sel");
  if (spec.sel !== undefined) {
    sameFamily(sel.family, 0, "sel");
    Object.assign(header, sel.fields);
  }

  // Algorithms first (ip writes them as it parses them), checked against the protocol.
  const attrs: Record<string, unknown> = {};
  const algos = ["aead", "crypt", "auth", "auth_trunc", "comp"] as const;
  const given = algos.filter((a) => spec[a] !== undefined);
  if (spec.auth !== undefined && spec.auth_trunc !== undefined) {
    throw new TypeError("auth_trunc: give auth or auth_trunc, not both");
  }
  if (
    spec.aead !== undefined && (spec.crypt !== undefined || spec.auth !== undefined ||
      spec.auth_trunc !== undefined)
  ) {
    throw new TypeError("aead: an AEAD algorithm replaces crypt and auth");
  }
  if (id.proto === 50) {
    if (spec.comp) throw new TypeError("comp: invalid with proto esp");
    if (!spec.crypt && !spec.aead) throw new TypeError("crypt: esp needs crypt or aead");
  } else if (id.proto === 51) {
    if (spec.crypt || spec.aead || spec.comp) {
      throw new TypeError(
        `${given.find((a) => a !== "auth" && a !== "auth_trunc")}: ah takes auth only`,
      );
    }
    if (!spec.auth && !spec.auth_trunc) throw new TypeError("auth: ah needs auth or auth_trunc");
  } else if (id.proto === 108) {
    if (given.some((a) => a !== "comp")) throw new TypeError(`${given[0]}: comp takes comp only`);
    if (!spec.comp) throw new TypeError("comp: proto comp needs a compression algorithm");
  } else if (given.length > 0) {
    throw new TypeError(`${given[0]}: no algorithm with proto ${String(spec.proto)}`);
  }
  for (const a of algos) {
    const algo = spec[a];
    if (algo !== undefined) attrs[`alg_${a}`] = encodeAlgo(a, algo, a);
  }
  if (spec.encap !== undefined) {
    checkKeys(spec.encap, ENCAP_KEYS, "encap", "encap.");
    const e = spec.encap;
    const enc: Record<string, unknown> = {
      encap_type: nameToNumber(XFRM_ENCAP_TYPE, e.type, "u16", "encap.type"),
      encap_sport: checkInt(e.sport, "u16", "encap.sport"),
      encap_dport: checkInt(e.dport, "u16", "encap.dport"),
    };
    if (e.oa !== undefined) enc.encap_oa = xfrmAddress(e.oa, "encap.oa").bytes;
    attrs.encap = enc;
  }
  if (spec.coaddr !== undefined) {
    if (!RO.has(id.proto)) throw new TypeError(`coaddr: invalid with proto ${String(spec.proto)}`);
    attrs.coaddr = xfrmAddress(spec.coaddr, "coaddr").bytes;
  } else if (RO.has(id.proto)) throw new TypeError("coaddr: required with route2 and hao");
  if (spec.offload !== undefined) {
    checkKeys(spec.offload, OFFLOAD_KEYS, "offload", "offload.");
    const dir = spec.offload.dir;
    if (dir !== "in" && dir !== "out") {
      throw new TypeError(`offload.dir: expected "in" or "out", got ${describeValue(dir)}`);
    }
    attrs.offload_dev = {
      ifindex: checkInt(spec.offload.ifindex, "s32", "offload.ifindex"),
      flags: dir === "in" ? 2 : 0,
    };
  }
  const r = spec.replay;
  if (r !== undefined) checkKeys(r, REPLAY_KEYS, "replay", "replay.");
  const seq = r?.seq === undefined ? 0 : checkInt(r.seq, "u32", "replay.seq");
  const oseq = r?.oseq === undefined ? 0 : checkInt(r.oseq, "u32", "replay.oseq");
  if (flags & XFRM_STATE_FLAG.esn || window > 32) {
    const esn = new Uint8Array(24);
    const dv = new DataView(esn.buffer);
    dv.setUint32(0, Math.ceil(window / 32), true);
    dv.setUint32(4, oseq, true);
    dv.setUint32(8, seq, true);
    dv.setUint32(
      12,
      r?.oseq_hi === undefined ? 0 : checkInt(r.oseq_hi, "u32", "replay.oseq_hi"),
      true,
    );
    dv.setUint32(
      16,
      r?.seq_hi === undefined ? 0 : checkInt(r.seq_hi, "u32", "replay.seq_hi"),
      true,
    );
    dv.setUint32(20, window, true);
    attrs.replay_esn_val = esn;
  } else {
    if (r?.seq_hi !== undefined || r?.oseq_hi !== undefined) {
      throw new TypeError("replay.seq_hi: only with the esn flag");
    }
    if (seq || oseq) attrs.replay_val = { seq, oseq };
    header.replay_window = window;
  }
  if (spec.extra_flags !== undefined) {
    const x = flagsToNumber(XFRM_SA_XFLAG, spec.extra_flags, "u32", "extra_flags");
    if (x) attrs.sa_extra_flags = x;
  }
  if (spec.mark !== undefined) attrs.mark = markAttr(spec.mark, "mark");
  if (spec.if_id !== undefined) attrs.if_id = checkInt(spec.if_id, "u32", "if_id");
  if (spec.tfcpad !== undefined) {
    const t = checkInt(spec.tfcpad, "u32", "tfcpad");
    if (t) attrs.tfcpad = t;
  }
  if (spec.set_mark !== undefined) attrs.set_mark = checkInt(spec.set_mark, "u32", "set_mark");
  if (spec.set_mark_mask !== undefined) {
    attrs.set_mark_mask = checkInt(spec.set_mark_mask, "u32", "set_mark_mask");
  }
  if (spec.sa_dir !== undefined) {
    attrs.sa_dir = nameToNumber(XFRM_SA_DIR, spec.sa_dir, "u8", "sa_dir");
  }
  return { header, attrs };
}

/** The GETSA/DELSA request of an SA id. */
export function stateIdRequest(spec: XfrmStateIdSpec): XfrmRequest {
  checkKeys(spec, STATE_ID_KEYS, "state", "state.");
  if (spec.spi === undefined) throw new TypeError("spi: required to name a state");
  const id = idFields(spec.src, spec.dst, spec.proto, spec.spi, "", "");
  const header = { daddr: id.fields.daddr, spi: id.fields.spi, proto: id.proto, family: id.family };
  const attrs: Record<string, unknown> = { srcaddr: id.saddr };
  if (spec.mark !== undefined) attrs.mark = markAttr(spec.mark, "mark");
  return { header, attrs };
}

/** The ALLOCSPI request. */
export function allocSpiRequest(spec: XfrmAllocSpiSpec): XfrmRequest {
  checkKeys(spec, ALLOCSPI_KEYS, "allocspi", "allocspi.");
  const id = idFields(spec.src, spec.dst, spec.proto, undefined, "id_", "");
  const header: Record<string, unknown> = {
    ...id.fields,
    saddr: id.saddr,
    family: id.family,
  };
  if (spec.mode !== undefined) header.mode = nameToNumber(XFRM_MODE, spec.mode, "u8", "mode");
  if (spec.reqid !== undefined) header.reqid = checkInt(spec.reqid, "u32", "reqid");
  if (spec.seq !== undefined) header.seq = checkInt(spec.seq, "u32", "seq");
  const min = spec.min === undefined ? 0x100 : checkInt(spec.min, "u32", "min");
  const max = spec.max === undefined
    ? (id.proto === 108 ? 0xffff : 0x0fffffff)
    : checkInt(spec.max, "u32", "max");
  if (min > max) throw new RangeError(`min: ${min} is above max ${max}`);
  if (id.proto === 108 && max > 0xffff) throw new RangeError("max: a comp CPI is 0-65535");
  header.min = min;
  header.max = max;
  const attrs: Record<string, unknown> = {};
  if (spec.mark !== undefined) attrs.mark = markAttr(spec.mark, "mark");
  return { header, attrs };
}

const TMPL_KEYS = new KeySet(
  "key",
  [
    "src",
    "dst",
    "proto",
    "spi",
    "reqid",
    "mode",
    "share",
    "optional",
    "aalgos",
    "ealgos",
    "calgos",
  ],
  {},
  REFUSE_UNDEFINED,
);

/** The `XFRMA_TMPL` payload: every template's struct, one after another. */
export function templatesPayload(tmpls: readonly XfrmTemplateSpec[], field: string): Uint8Array {
  if (!Array.isArray(tmpls)) {
    throw new TypeError(`${field}: expected an array of templates, got ${describeValue(tmpls)}`);
  }
  const size = structSize(XFRM_USER_TMPL);
  const w = new Writer(size * Math.max(1, tmpls.length));
  tmpls.forEach((t, i) => {
    const f = `${field}[${i}]`;
    checkKeys(t, TMPL_KEYS, f, `${f}.`);
    const s = t.src === undefined ? undefined : xfrmAddress(t.src, `${f}.src`);
    const d = t.dst === undefined ? undefined : xfrmAddress(t.dst, `${f}.dst`);
    if (s && d) sameFamily(s.family, d.family, `${f}.src`);
    const proto = nameToNumber(XFRM_PROTO, t.proto ?? "esp", "u8", `${f}.proto`);
    const v: Record<string, unknown> = {
      id_proto: proto,
      family: d?.family ?? s?.family ?? 2,
      aalgos: t.aalgos === undefined ? 0xffffffff : checkInt(t.aalgos, "u32", `${f}.aalgos`),
      ealgos: t.ealgos === undefined ? 0xffffffff : checkInt(t.ealgos, "u32", `${f}.ealgos`),
      calgos: t.calgos === undefined ? 0xffffffff : checkInt(t.calgos, "u32", `${f}.calgos`),
    };
    if (d) v.id_daddr = d.bytes;
    if (s) v.saddr = s.bytes;
    if (t.spi !== undefined) v.id_spi = checkInt(t.spi, "u32", `${f}.spi`);
    if (t.reqid !== undefined) v.reqid = checkInt(t.reqid, "u32", `${f}.reqid`);
    if (t.mode !== undefined) v.mode = nameToNumber(XFRM_MODE, t.mode, "u8", `${f}.mode`);
    if (t.share !== undefined) v.share = nameToNumber(XFRM_SHARE, t.share, "u8", `${f}.share`);
    if (t.optional !== undefined) {
      v.optional = typeof t.optional === "boolean"
        ? (t.optional ? 1 : 0)
        : checkInt(t.optional, "u8", `${f}.optional`);
    }
    const at = w.reserve(size);
    w.u8.fill(0, at, at + size);
    writeStruct(w, at, XFRM_USER_TMPL, v, f);
  });
  return w.finish();
}

const POLICY_KEYS = new KeySet(
  "key",
  [
    "sel",
    "dir",
    "action",
    "priority",
    "index",
    "flags",
    "share",
    "lifetime",
    "tmpl",
    "ptype",
    "mark",
    "if_id",
  ],
  {},
  REFUSE_UNDEFINED,
);

/** The dir of a policy spec. */
function dirOf(v: unknown): number {
  if (v === undefined) throw new TypeError("dir: required (in, out or fwd)");
  return nameToNumber(XFRM_POLICY_DIR, v, "u8", "dir");
}

/** Policy-type, mark and interface-id attributes in ip's order. */
function policyAttrs(
  spec: { ptype?: unknown; mark?: XfrmMarkSpec; if_id?: number },
  tmpl?: Uint8Array,
): Record<string, unknown> {
  const attrs: Record<string, unknown> = {};
  if (spec.ptype !== undefined) {
    attrs.policy_type = { type: nameToNumber(XFRM_POLICY_TYPE, spec.ptype, "u8", "ptype") };
  }
  if (tmpl !== undefined) attrs.tmpl = tmpl;
  if (spec.mark !== undefined) attrs.mark = markAttr(spec.mark, "mark");
  if (spec.if_id !== undefined) attrs.if_id = checkInt(spec.if_id, "u32", "if_id");
  return attrs;
}

/** The NEWPOLICY/UPDPOLICY request of a policy spec. */
export function policyRequest(spec: XfrmPolicySpec): XfrmRequest {
  checkKeys(spec, POLICY_KEYS, "policy", "policy.");
  const sel = selectorFields(spec.sel, "sel_", "sel");
  const header: Record<string, unknown> = {
    ...sel.fields,
    ...lifetimeFields(spec.lifetime, "lft_", "lifetime"),
    dir: dirOf(spec.dir),
  };
  if (sel.fields.sel_family === undefined) header.sel_family = 2;
  if (spec.action !== undefined) {
    header.action = nameToNumber(XFRM_POLICY_ACTION, spec.action, "u8", "action");
  }
  if (spec.priority !== undefined) header.priority = checkInt(spec.priority, "u32", "priority");
  if (spec.index !== undefined) header.index = checkInt(spec.index, "u32", "index");
  if (spec.flags !== undefined) {
    header.flags = flagsToNumber(XFRM_POLICY_FLAG, spec.flags, "u8", "flags");
  }
  if (spec.share !== undefined) header.share = nameToNumber(XFRM_SHARE, spec.share, "u8", "share");
  const tmpl = spec.tmpl === undefined || spec.tmpl.length === 0
    ? (spec.tmpl === undefined ? undefined : templatesPayload(spec.tmpl, "tmpl"))
    : templatesPayload(spec.tmpl, "tmpl");
  if (tmpl !== undefined && tmpl.length === 0) throw new TypeError("tmpl: an empty list");
  return { header, attrs: policyAttrs(spec, tmpl) };
}

/** The GETPOLICY/DELPOLICY request of a policy id. */
export function policyIdRequest(spec: XfrmPolicyIdSpec): XfrmRequest {
  checkKeys(spec, POLICY_ID_KEYS, "policy", "policy.");
  if (spec.sel === undefined && spec.index === undefined) {
    throw new TypeError("sel: name the policy by its selector or its index");
  }
  const sel = selectorFields(spec.sel, "sel_", "sel");
  const header: Record<string, unknown> = { ...sel.fields, dir: dirOf(spec.dir) };
  if (spec.sel === undefined) delete header.sel_family;
  if (spec.index !== undefined) header.index = checkInt(spec.index, "u32", "index");
  return { header, attrs: policyAttrs(spec) };
}
