/**
 * The decoder fuzzer: a seeded PRNG, a corpus of real kernel datagrams and iproute2 requests,
 * mutators (random bytes, truncation, bit flips, length and type lies, structure-aware attribute
 * surgery) and every decoder of the library as a target:
 *
 * - the request engine's dispatch ({@link NetlinkEngine} over a fake transport): dumps, requests
 *   and streamed dumps, with unsolicited events;
 * - every message schema's view (link, addr, route, rule, neigh, nexthop, tc, nlctrl): every
 *   attribute by short name, kernel name, number and typed property, nested paths, `getAll`,
 *   `has`, `raw`, `toJSON`, header fields;
 * - extended-ack parsing (`parseExtAck`, `attributeAt`), `decodeEvents`, `multipathOf`.
 *
 * What must hold for every input: only {@link DecodeError} escapes a decoder (the engine may
 * also reject with the protocol's own NetlinkError/DumpInterruptedError), every call returns,
 * the engine never waits for input that cannot come and leaves no request pending, and no value
 * is read outside its attribute: byte views and nested views lie within their attribute, a
 * present attribute never reads as absent, and an attribute decodes to the same value when
 * everything around it is replaced.
 *
 * A case is reproducible from `(seed, index)` alone: `deno task fuzz --seed S --case I`.
 *
 * @module
 */

import { NLM_F, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN } from "../../netlink/constants.ts";
import {
  DecodeError,
  DumpInterruptedError,
  NetlinkError,
  OverrunError,
} from "../../netlink/errors.ts";
import { attributeAt, NetlinkEngine, parseExtAck } from "../../netlink/engine.ts";
import type { Transport } from "../../netlink/engine.ts";
import type { AttrDef, MessageSchema } from "../../netlink/schema.ts";
import { structSize } from "../../netlink/schema.ts";
import { AttrView, MessageView, messageViewClass, plain } from "../../netlink/view.ts";
import { CTRL_MESSAGE } from "../../netlink/genl.ts";
import { SCHEMA_BY_TYPE as RTNL_SCHEMA_BY_TYPE } from "../../rtnl/schemas/registry.ts";
import { NF_SCHEMA_BY_TYPE, NF_SCHEMAS } from "../../netfilter/registry.ts";
import { decodeConntrackEvent } from "../../netfilter/conntrack/conntrack.ts";
import { IPSET_MESSAGE } from "../../netfilter/ipset/schema.ts";
import { decodeNftEvent } from "../../netfilter/nftables/nftables.ts";
import type { NftRule } from "../../netfilter/nftables/nftables.ts";
import { RULE_MESSAGE as NFT_RULE_MESSAGE } from "../../netfilter/nftables/schema.ts";
import { encodeExpr } from "../../netfilter/nftables/expr.ts";
import { mergeSets, saveText } from "../../netfilter/ipset/info.ts";
import type { IpsetMessage } from "../../netfilter/ipset/info.ts";
import { LINK_MESSAGE } from "../../rtnl/schemas/link.ts";
import { ADDR_MESSAGE } from "../../rtnl/schemas/addr.ts";
import { ROUTE_MESSAGE } from "../../rtnl/schemas/route.ts";
import { RULE_MESSAGE } from "../../rtnl/schemas/rule.ts";
import { NEIGH_MESSAGE } from "../../rtnl/schemas/neigh.ts";
import { NEXTHOP_MESSAGE } from "../../rtnl/schemas/nexthop.ts";
import { NSID_MESSAGE } from "../../rtnl/schemas/nsid.ts";
import { TC_MESSAGE, TC_QDISC_MESSAGE } from "../../rtnl/schemas/tc.ts";
import { ACTION_MESSAGE } from "../../rtnl/schemas/tc_action.ts";
import { BRIDGE_LINK_MESSAGE } from "../../rtnl/schemas/bridge.ts";
import { decodeGroup } from "../../rtnl/nexthop.ts";
import { decodeSockFilters } from "../../rtnl/tc/views.ts";
import { decodeU32Sel } from "../../rtnl/tc/u32.ts";
// The package entry: every module that adds computed properties to views (link kind, nexthop
// groups, tc selectors, BPF programs…) registers them on import.
import "../../rtnl/mod.ts";
import "../../netfilter/mod.ts";
import { decodeEvents } from "../../rtnl/monitor.ts";
import { multipathOf } from "../../rtnl/route.ts";
import type { Route } from "../../rtnl/route.ts";
import { IPROUTE2, KERNEL } from "./corpus/index.ts";

// ---------------------------------------------------------------------------------------------
// PRNG: sfc32, seeded per case from (seed, index) so any case replays alone.

/** A small, fast, seedable PRNG (sfc32). */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** A generator from four 32-bit words. */
  constructor(a: number, b: number, c: number, d: number) {
    this.#a = a >>> 0;
    this.#b = b >>> 0;
    this.#c = c >>> 0;
    this.#d = d >>> 0 || 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** The generator of case `index` under `seed`. */
  static forCase(seed: number, index: number): Rng {
    return new Rng(seed, index, 0x9e3779b9 ^ seed, 0x85ebca6b ^ (index * 0x27d4eb2f));
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 0x100000000) * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  /** One element of a non-empty array. */
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Corpus.

/** One seed input: a datagram (or request) and where it came from. */
export interface Seed {
  /** e.g. "kernel/link#2" or "iproute2/route_multipath#0". */
  name: string;
  /** Its bytes. */
  bytes: Uint8Array;
}

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
  return out;
}

let seedCache: Seed[] | undefined;

/** Every seed: each captured kernel datagram and each iproute2 request. */
export function seeds(): Seed[] {
  if (seedCache) return seedCache;
  const out: Seed[] = [];
  for (const [name, e] of Object.entries(KERNEL)) {
    e.datagrams.forEach((h, i) => out.push({ name: `kernel/${name}#${i}`, bytes: fromHex(h) }));
  }
  for (const [name, e] of Object.entries(IPROUTE2)) {
    e.requests.forEach((h, i) => out.push({ name: `iproute2/${name}#${i}`, bytes: fromHex(h) }));
  }
  return seedCache = out;
}

/** The schema of a message type: rtnetlink's, else netfilter's (their type numbers differ). */
export const SCHEMA_BY_TYPE = {
  get: (type: number): MessageSchema | undefined =>
    RTNL_SCHEMA_BY_TYPE.get(type) ?? NF_SCHEMA_BY_TYPE.get(type),
};

/** The message schemas every view target decodes with. */
export const SCHEMAS: readonly MessageSchema[] = [
  ...NF_SCHEMAS,
  LINK_MESSAGE,
  ADDR_MESSAGE,
  ROUTE_MESSAGE,
  RULE_MESSAGE,
  NEIGH_MESSAGE,
  NEXTHOP_MESSAGE,
  NSID_MESSAGE,
  TC_MESSAGE,
  TC_QDISC_MESSAGE,
  ACTION_MESSAGE,
  BRIDGE_LINK_MESSAGE,
  CTRL_MESSAGE,
];

// ---------------------------------------------------------------------------------------------
// Message structure: split datagrams, parse attribute trees, serialise them back.

/** Offsets and lengths of the well-framed messages of a datagram (as the engine walks it). */
export function messages(u8: Uint8Array): [offset: number, length: number][] {
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const out: [number, number][] = [];
  for (let off = 0; off + NLMSG_HDRLEN <= u8.length;) {
    const len = dv.getUint32(off, true);
    if (len < NLMSG_HDRLEN || off + len > u8.length) break;
    out.push([off, len]);
    off += (len + 3) & ~3;
  }
  return out;
}

interface Node {
  /** nla_type with its flag bits. */
  type: number;
  /** The payload when not parsed as nested attributes. */
  payload?: Uint8Array;
  /** Nested attributes (when the payload parses as such). */
  children?: Node[];
  /** Bytes before the nested attributes (VETH_INFO_PEER's ifinfomsg). */
  prefix?: Uint8Array;
}

interface Msg {
  /** nlmsghdr. */
  hdr: Uint8Array;
  /** The family header (fixed part) before the attributes. */
  fixed: Uint8Array;
  /** Attributes. */
  attrs: Node[];
}

/** Where the attributes of a message start, relative to its payload. */
function fixedSize(type: number, flags: number, payload: Uint8Array): number {
  if (type === NLMSG_ERROR) {
    // error, the original header, its payload unless capped, then the ext-ack TLVs.
    if (payload.length < 20) return payload.length;
    const origLen = new DataView(payload.buffer, payload.byteOffset + 4, 4).getUint32(0, true);
    const orig = flags & NLM_F.CAPPED ? 16 : (origLen + 3) & ~3;
    return Math.min(payload.length, 4 + Math.max(16, orig));
  }
  if (type === NLMSG_DONE) return Math.min(4, payload.length);
  const schema = SCHEMA_BY_TYPE.get(type);
  const size = schema ? (structSize(schema.header) + 3) & ~3 : 4;
  return Math.min(size, payload.length);
}

function parseAttrs(u8: Uint8Array, depth: number): Node[] | undefined {
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const out: Node[] = [];
  let p = 0;
  while (p + 4 <= u8.length) {
    const len = dv.getUint16(p, true);
    if (len < 4 || p + len > u8.length) return undefined;
    const payload = u8.subarray(p + 4, p + len);
    const node: Node = { type: dv.getUint16(p + 2, true) };
    const nested = depth < 12 && payload.length >= 4 ? parseAttrs(payload, depth + 1) : undefined;
    if (nested && nested.length > 0) node.children = nested;
    else if (depth < 12 && payload.length >= 20) {
      // A nest with a 16-byte header (VETH_INFO_PEER: ifinfomsg then IFLA_*).
      const after = parseAttrs(payload.subarray(16), depth + 1);
      if (after && after.length > 0) {
        node.prefix = payload.slice(0, 16);
        node.children = after;
      } else node.payload = payload.slice();
    } else node.payload = payload.slice();
    out.push(node);
    p += (len + 3) & ~3;
  }
  return p === u8.length || p - u8.length < 4 ? out : undefined;
}

function parseMsg(u8: Uint8Array): Msg | undefined {
  if (u8.length < NLMSG_HDRLEN) return undefined;
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const payload = u8.subarray(NLMSG_HDRLEN);
  // The family header's size, or genetlink's 4 bytes (nlctrl's id 0x10 is RTM_NEWLINK's too).
  for (const fs of [fixedSize(dv.getUint16(4, true), dv.getUint16(6, true), payload), 4]) {
    const attrs = parseAttrs(payload.subarray((fs + 3) & ~3), 0);
    if (attrs) return { hdr: u8.slice(0, NLMSG_HDRLEN), fixed: payload.slice(0, fs), attrs };
  }
  return { hdr: u8.slice(0, NLMSG_HDRLEN), fixed: payload.slice(), attrs: [] };
}

function nodeSize(n: Node): number {
  let body = 0;
  if (n.children) {
    body = (n.prefix?.length ?? 0) + n.children.reduce((a, c) => a + ((nodeSize(c) + 3) & ~3), 0);
  } else body = n.payload!.length;
  return 4 + body;
}

function writeNode(out: Uint8Array, dv: DataView, at: number, n: Node): number {
  const size = nodeSize(n);
  dv.setUint16(at, Math.min(size, 0xffff), true);
  dv.setUint16(at + 2, n.type, true);
  let p = at + 4;
  if (n.children) {
    if (n.prefix) {
      out.set(n.prefix, p);
      p += n.prefix.length;
    }
    for (const c of n.children) p = writeNode(out, dv, p, c);
  } else {
    out.set(n.payload!, p);
    p += n.payload!.length;
  }
  return (p + 3) & ~3;
}

function serialise(m: Msg): Uint8Array {
  const attrsLen = m.attrs.reduce((a, c) => a + ((nodeSize(c) + 3) & ~3), 0);
  const total = NLMSG_HDRLEN + ((m.fixed.length + 3) & ~3) + attrsLen;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(m.hdr, 0);
  dv.setUint32(0, total, true);
  out.set(m.fixed, NLMSG_HDRLEN);
  let p = NLMSG_HDRLEN + ((m.fixed.length + 3) & ~3);
  for (const n of m.attrs) p = writeNode(out, dv, p, n);
  return out;
}

function allNodes(nodes: Node[], out: { node: Node; siblings: Node[] }[] = []) {
  for (const n of nodes) {
    out.push({ node: n, siblings: nodes });
    if (n.children) allNodes(n.children, out);
  }
  return out;
}

/** Positions of every attribute header of a datagram, found by the same heuristic parse. */
function attrHeaderPositions(u8: Uint8Array): number[] {
  const out: number[] = [];
  const walk = (base: number, len: number, depth: number) => {
    const dv = new DataView(u8.buffer, u8.byteOffset + base, len);
    for (let p = 0; p + 4 <= len;) {
      const alen = dv.getUint16(p, true);
      if (alen < 4 || p + alen > len) return;
      out.push(base + p);
      if (depth < 8 && alen >= 8) walk(base + p + 4, alen - 4, depth + 1);
      p += (alen + 3) & ~3;
    }
  };
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  for (const [off, len] of messages(u8)) {
    const fs = fixedSize(
      dv.getUint16(off + 4, true),
      dv.getUint16(off + 6, true),
      u8.subarray(off + 16, off + len),
    );
    const start = off + NLMSG_HDRLEN + ((fs + 3) & ~3);
    if (start < off + len) walk(start, off + len - start, 0);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mutators.

const INTERESTING_STRINGS = [
  "",
  "veth",
  "bridge",
  "vxlan",
  "macvlan",
  "macvtap",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "htb",
  "u32",
  "\u00ff\u00fe",
];
const INTERESTING_U16 = [0, 1, 2, 3, 4, 5, 7, 8, 12, 16, 0x7fff, 0x8000, 0xfffc, 0xffff];
const INTERESTING_U32 = [0, 1, 4, 15, 16, 17, 19, 20, 0x7fffffff, 0x80000000, 0xffffffff];
const KNOWN_TYPES = [1, 2, 3, 4, 16, 17, 20, 21, 24, 25, 28, 29, 32, 33, 36, 40, 44, 104, 0x10];

function structural(rng: Rng, input: Uint8Array, pool: Seed[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const msgs = messages(input);
  if (msgs.length === 0) return input;
  for (const [off, len] of msgs) {
    const m = parseMsg(input.subarray(off, off + len));
    if (!m) continue;
    const nodes = allNodes(m.attrs);
    const rounds = 1 + rng.int(4);
    for (let r = 0; r < rounds && nodes.length > 0; r++) {
      const { node, siblings } = rng.pick(nodes);
      switch (rng.int(11)) {
        case 0: // another type number, maybe with NLA_F_NESTED / NET_BYTEORDER
          node.type = rng.chance(0.5) ? (node.type & 0xc000) | rng.int(64) : rng.u32() & 0xffff;
          break;
        case 1: // payload replaced by random bytes of a random (often wrong) size
          node.children = undefined;
          node.prefix = undefined;
          node.payload = rng.bytes(rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, rng.int(300)]));
          break;
        case 2: // payload truncated
          if (node.payload && node.payload.length > 0) {
            node.payload = node.payload.subarray(0, rng.int(node.payload.length));
          } else if (node.children && node.children.length > 0) {
            node.children.splice(rng.int(node.children.length));
          }
          break;
        case 3: { // a string payload an attacker would choose
          const s = new TextEncoder().encode(rng.pick(INTERESTING_STRINGS));
          node.children = undefined;
          node.prefix = undefined;
          node.payload = rng.chance(0.7) ? Uint8Array.from([...s, 0]) : s;
          break;
        }
        case 4: // duplicated
          siblings.splice(rng.int(siblings.length + 1), 0, structuredClone(node));
          break;
        case 5: // removed
          siblings.splice(siblings.indexOf(node), 1);
          break;
        case 6: { // payload grafted from another seed's attribute
          const other = parseMsg(rng.pick(pool).bytes);
          const donors = other ? allNodes(other.attrs) : [];
          if (donors.length > 0) {
            const d = structuredClone(rng.pick(donors).node);
            if (rng.chance(0.5)) d.type = node.type;
            siblings[siblings.indexOf(node)] = d;
          }
          break;
        }
        case 7: // a nest made of itself, deeper
          if (node.children) node.children.push(structuredClone(node));
          break;
        case 8: // one payload byte changed
          if (node.payload && node.payload.length > 0) {
            node.payload = node.payload.slice();
            node.payload[rng.int(node.payload.length)] = rng.u32() & 0xff;
          }
          break;
        case 9: // the fixed header truncated or changed
          if (rng.chance(0.5)) m.fixed = m.fixed.subarray(0, rng.int(m.fixed.length + 1));
          else if (m.fixed.length > 0) {
            m.fixed = m.fixed.slice();
            m.fixed[rng.int(m.fixed.length)] = rng.u32() & 0xff;
          }
          break;
        case 10: // the message decoded as another kind
          new DataView(m.hdr.buffer).setUint16(4, rng.pick(KNOWN_TYPES), true);
          break;
      }
    }
    parts.push(serialise(m));
  }
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + ((p.length + 3) & ~3), 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += (p.length + 3) & ~3;
  }
  return out;
}

function rawMutation(rng: Rng, input: Uint8Array): Uint8Array {
  let u8 = input.slice();
  const ops = 1 + rng.int(rng.chance(0.8) ? 3 : 16);
  for (let k = 0; k < ops; k++) {
    const dv = new DataView(u8.buffer);
    const n = u8.length;
    switch (rng.int(11)) {
      case 0: // bit flip
        if (n) u8[rng.int(n)] ^= 1 << rng.int(8);
        break;
      case 1: // byte set
        if (n) u8[rng.int(n)] = rng.pick([0, 0xff, 0x7f, 0x80, 1, 4, rng.u32() & 0xff]);
        break;
      case 2: { // an attribute length or type lies
        const pos = attrHeaderPositions(u8);
        if (pos.length === 0) break;
        const at = rng.pick(pos);
        const cur = dv.getUint16(at, true);
        if (rng.chance(0.7)) {
          dv.setUint16(
            at,
            rng.pick([...INTERESTING_U16, cur + 1, cur - 1, cur + 4, cur - 4, rng.u32()]) &
              0xffff,
            true,
          );
        } else {dv.setUint16(
            at + 2,
            (dv.getUint16(at + 2, true) ^ rng.pick([0x8000, 0x4000, 1 << rng.int(14)])) & 0xffff,
            true,
          );}
        break;
      }
      case 3: { // a message length lies
        const ms = messages(u8);
        if (ms.length === 0) break;
        const [off, len] = rng.pick(ms);
        dv.setUint32(
          off,
          rng.pick([...INTERESTING_U32, len + 1, len - 1, len + 4, len - 4, n - off, rng.u32()]) >>>
            0,
          true,
        );
        break;
      }
      case 4: { // message type or flags changed
        const ms = messages(u8);
        if (ms.length === 0) break;
        const [off] = rng.pick(ms);
        if (rng.chance(0.5)) dv.setUint16(off + 4, rng.pick(KNOWN_TYPES), true);
        else {
          dv.setUint16(
            off + 6,
            dv.getUint16(off + 6, true) ^
              rng.pick([NLM_F.DUMP_INTR, NLM_F.ACK_TLVS, NLM_F.CAPPED, NLM_F.MULTI, 0xffff]),
            true,
          );
        }
        break;
      }
      case 5: // truncation
        u8 = u8.slice(0, rng.int(n + 1));
        break;
      case 6: // extension with zeros or random bytes
        u8 = Uint8Array.from([
          ...u8,
          ...(rng.chance(0.5) ? new Uint8Array(rng.int(64)) : rng.bytes(rng.int(64))),
        ]);
        break;
      case 7: { // a chunk deleted
        if (!n) break;
        const a = rng.int(n), b = Math.min(n, a + 1 + rng.int(32));
        u8 = Uint8Array.from([...u8.subarray(0, a), ...u8.subarray(b)]);
        break;
      }
      case 8: { // a chunk inserted
        const a = rng.int(n + 1);
        u8 = Uint8Array.from([
          ...u8.subarray(0, a),
          ...rng.bytes(1 + rng.int(16)),
          ...u8.subarray(a),
        ]);
        break;
      }
      case 9: { // a chunk copied over another place
        if (n < 8) break;
        const from = rng.int(n - 4),
          to = rng.int(n - 4),
          len = 1 + rng.int(Math.min(32, n - Math.max(from, to)));
        u8.copyWithin(to, from, from + len);
        break;
      }
      case 10: { // a u32 set to an interesting value
        if (n < 4) break;
        dv.setUint32(rng.int(n - 3), rng.pick(INTERESTING_U32) >>> 0, true);
        break;
      }
    }
  }
  return u8;
}

/** Marks the sequence number of messages meant for the fuzzed request. */
export const SEQ_MARK = 0xa5c35a3c;
/** The fake transport's port id. */
export const PORT = 0x4242;

/**
 * Builds the input of one case from the seeds: a seed, several concatenated, or random bytes,
 * with seq/port pointed at the fuzzed request (mostly), then mutated.
 */
export function makeInput(rng: Rng, pool: Seed[]): Uint8Array {
  const r = rng.int(100);
  if (r < 3) return rng.bytes(rng.int(rng.chance(0.5) ? 64 : 4096));
  let base: Uint8Array;
  if (r < 15) {
    const k = 2 + rng.int(3);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < k; i++) {
      const s = rng.pick(pool).bytes;
      const ms = messages(s);
      if (ms.length === 0) continue;
      const [off, len] = rng.pick(ms);
      parts.push(s.subarray(off, off + len));
    }
    base = concat(parts);
  } else base = rng.pick(pool).bytes.slice();
  // Point messages at the fuzzed request (or leave some foreign).
  const dv = new DataView(base.buffer, base.byteOffset, base.byteLength);
  for (const [off] of messages(base)) {
    if (rng.chance(0.9)) {
      dv.setUint32(off + 8, SEQ_MARK, true);
      dv.setUint32(off + 12, PORT, true);
    } else dv.setUint32(off + 12, rng.chance(0.5) ? PORT : rng.u32(), true);
  }
  const m = rng.int(10);
  if (m === 0) return base; // unmutated: the seeds must decode too
  if (m <= 4) return structural(rng, base, pool);
  if (m <= 7) return rawMutation(rng, base);
  return rawMutation(rng, structural(rng, base, pool));
}

// ---------------------------------------------------------------------------------------------
// Checks.

/** A broken invariant: the harness reports the case that found it. */
export class FuzzFailure extends Error {
  override name = "FuzzFailure";
}

/** Errors a decoder may throw: only DecodeError. */
function allowedDecodeError(e: unknown): boolean {
  return e instanceof DecodeError;
}

let decodeErrors = 0;

/** Runs `fn`; DecodeError becomes undefined, anything else a FuzzFailure naming `what`. */
function guard<T>(what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (allowedDecodeError(e)) {
      decodeErrors++;
      return undefined;
    }
    if (e instanceof FuzzFailure) throw e;
    throw new FuzzFailure(`${what} threw ${(e as Error)?.name}: ${(e as Error)?.message}`, {
      cause: e,
    });
  }
}

/** Counts of what the checks did (for the report). */
export interface Counters {
  /** Cases run. */
  cases: number;
  /** Messages decoded through views. */
  views: number;
  /** Attribute values read. */
  values: number;
  /** DecodeErrors seen (expected). */
  decodeErrors: number;
  /** Engine requests that resolved. */
  resolved: number;
  /** Engine requests rejected with a protocol error. */
  rejected: number;
}

/** Fresh counters. */
export function counters(): Counters {
  return { cases: 0, views: 0, values: 0, decodeErrors: 0, resolved: 0, rejected: 0 };
}

function fail(msg: string): never {
  throw new FuzzFailure(msg);
}

/** A value of an attribute whose payload is `[off, off+len)` of `buf` must lie within it. */
function checkValue(
  v: unknown,
  buf: ArrayBufferLike,
  off: number,
  len: number,
  where: string,
  depth: number,
  c: Counters,
): void {
  c.values++;
  if (v instanceof Uint8Array) {
    if (v.buffer === buf) {
      if (v.byteOffset < off || v.byteOffset + v.byteLength > off + len) {
        fail(`${where}: bytes [${v.byteOffset}, +${v.byteLength}) outside [${off}, +${len})`);
      }
    } else if (v.byteLength > len) fail(`${where}: ${v.byteLength} bytes from ${len}`);
    return;
  }
  if (v instanceof AttrView) {
    if (v.u8.buffer !== buf) fail(`${where}: a view over another buffer`);
    if (v.start < off || v.end > off + len || v.start > v.end) {
      fail(`${where}: view [${v.start}, ${v.end}) outside [${off}, ${off + len})`);
    }
    if (depth < 10) walkAttrs(v, where, depth + 1, c);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((e, i) => checkValue(e, buf, off, len, `${where}[${i}]`, depth, c));
    return;
  }
  if (typeof v === "number") {
    if (Number.isNaN(v)) fail(`${where}: NaN`);
    return;
  }
  if (v === undefined) fail(`${where}: a present attribute read as undefined`);
  if (typeof v === "object" && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (x instanceof Uint8Array && x.buffer === buf) {
        checkValue(x, buf, off, len, `${where}.${k}`, depth, c);
      }
    }
  }
}

const RESERVED = new Set([
  "get",
  "has",
  "raw",
  "getAll",
  "toJSON",
  "header",
  "headerField",
  "offset",
  "message",
  "dv",
  "u8",
  "start",
  "end",
  "schema",
  "find",
  "attr",
  "constructor",
]);

/** Reads every attribute of a view every way, checking each value's bounds. */
function walkAttrs(v: AttrView, where: string, depth: number, c: Counters): void {
  const buf = v.u8.buffer;
  const raw = guard(`${where}.raw()`, () => [...v.raw()]);
  const first = new Map<number, [number, number]>();
  for (const [t, off, len] of raw ?? []) if (!first.has(t)) first.set(t, [off, len]);
  let defs = v.schema.byType.filter((d): d is AttrDef => d !== undefined);
  // Attributes that do not parse make every lookup throw: a sample of lookups is enough then.
  if (raw === undefined) defs = defs.filter((_, i) => i % 8 === where.length % 8);
  for (const def of defs) {
    const w = `${where}.${def.name}`;
    const byName = guard(`${w} get(name)`, () => v.get(def.name));
    const at = first.get(def.type);
    if (raw !== undefined && at && byName === undefined) {
      // Present but read as absent: tolerated only if reading it failed with DecodeError.
      const again = (() => {
        try {
          v.get(def.name);
          return "ok";
        } catch (e) {
          return e instanceof DecodeError ? "decode" : "other";
        }
      })();
      if (again === "ok") fail(`${w}: present but read as undefined`);
    }
    if (byName !== undefined && at) checkValue(byName, buf, at[0], at[1], w, depth, c);
    guard(`${w} get(kernelName)`, () => v.get(def.kernelName));
    guard(`${w} get(number)`, () => v.get(def.type));
    if (!RESERVED.has(def.name)) {
      guard(`${w} property`, () => (v as unknown as Record<string, unknown>)[def.name]);
    }
    guard(`${w} has()`, () => v.has(def.name));
    if (at) {
      const all = guard(`${w} getAll()`, () => v.getAll(def.name));
      const occurrences = (raw ?? []).filter(([t]) => t === def.type);
      all?.forEach((x, i) => {
        const [, o, l] = occurrences[i] ?? fail(`${w}: getAll returned too many`);
        checkValue(x, buf, o, l, `${w}#${i}`, depth + 1, c);
      });
      const codec = def.codec;
      if (typeof codec !== "string" && codec.kind === "nest") {
        const child = codec.schema().byType.find((d) => d !== undefined);
        if (child) guard(`${w} path`, () => v.get([def.name, child.name]));
      }
    }
  }
  for (const [t, [off, len]] of first) {
    if (v.schema.byType[t]) continue;
    const x = guard(`${where}.attr_${t}`, () => v.get(t));
    if (x !== undefined) checkValue(x, buf, off, len, `${where}.attr_${t}`, depth, c);
  }
  const json = guard(`${where}.toJSON()`, () => v.toJSON());
  if (json !== undefined) guard(`${where} JSON.stringify`, () => JSON.stringify(json));
}

/** Reads a message view every way (header, every attribute, nests), checking each value's bounds. */
export function walkMessage(view: MessageView, where: string, c: Counters): void {
  c.views++;
  const end = view.offset + view.dv.getUint32(view.offset, true);
  if (view.start < view.offset || view.end > end) fail(`${where}: view outside its message`);
  guard(`${where}.header()`, () => view.header());
  for (const name of ["family", "index", "type", "flags", "table", "nlmsgType", "nlmsgSeq"]) {
    guard(`${where}.${name}`, () => (view as unknown as Record<string, unknown>)[name]);
    guard(`${where}.get(${name})`, () => view.get(name));
  }
  walkAttrs(view, where, 0, c);
  if (view.message === ROUTE_MESSAGE) {
    const hops = guard(`${where} multipathOf`, () => multipathOf(view as unknown as Route));
    for (const h of hops ?? []) {
      if (!Number.isInteger(h.oif) || h.weight < 1 || h.weight > 256) {
        fail(`${where}: bad next hop ${JSON.stringify(h)}`);
      }
    }
  }
}

/** Decodes attribute values again from a message holding only that attribute: same result. */
function isolationCheck(
  view: MessageView,
  rng: Rng,
  where: string,
  c: Counters,
): void {
  const raw = (() => {
    try {
      return [...view.raw()];
    } catch {
      return undefined;
    }
  })();
  if (!raw || raw.length === 0) return;
  const u8 = view.u8;
  const hdrEnd = view.start;
  for (let k = 0; k < 3; k++) {
    // The first occurrence of a type: the one get() reads.
    const t = rng.pick(raw)[0];
    const [, off, len] = raw.find(([x]) => x === t)!;
    const def = view.schema.byType[t];
    if (!def) continue;
    const before = jsonOf(() => view.get(t));
    if (before === undefined) continue;
    // The message again: header, the selector sibling (if any), this attribute only.
    const parts = [u8.subarray(view.offset, hdrEnd)];
    const codec = def.codec;
    if (typeof codec !== "string" && codec.kind === "select") {
      const by = view.schema.byName.get(codec.by);
      const sib = by ? raw.find(([st]) => st === by.type) : undefined;
      if (sib && sib[0] !== t) parts.push(u8.subarray(sib[1] - 4, sib[1] + ((sib[2] + 3) & ~3)));
    }
    parts.push(u8.subarray(off - 4, off + len));
    const total = parts.reduce((a, p) => a + ((p.length + 3) & ~3), 0);
    // Surround it with noise so that reading past it would see different bytes.
    const pre = 4 * (1 + rng.int(4));
    const buf = new Uint8Array(pre + total + 64);
    for (let i = 0; i < buf.length; i++) buf[i] = rng.u32() & 0xff;
    let p = pre;
    for (const part of parts) {
      buf.set(part, p);
      p += part.length;
      const pad = ((part.length + 3) & ~3) - part.length;
      buf.fill(0, p, p + pad);
      p += pad;
    }
    new DataView(buf.buffer).setUint32(pre, total, true);
    const C = messageViewClass(view.message);
    const copy = new C(new DataView(buf.buffer), buf, pre, total);
    const after = jsonOf(() => copy.get(t));
    c.values++;
    if (after !== undefined && after !== before) {
      fail(`${where}.${def.name}: depends on bytes outside the attribute: ${before} vs ${after}`);
    }
  }
}

function jsonOf(fn: () => unknown): string | undefined {
  try {
    return JSON.stringify(plain(fn()));
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw new FuzzFailure(`value threw ${(e as Error).name}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Runs every view target on a datagram. */
export function viewTargets(buf: ArrayBuffer, rng: Rng, c: Counters, full = true): void {
  const u8 = new Uint8Array(buf);
  const dv = new DataView(buf);
  const ms = messages(u8);
  for (const [i, [off, len]] of ms.entries()) {
    if (!full && i > 1) break;
    const type = dv.getUint16(off + 4, true);
    const schemas = new Set<MessageSchema>();
    const s = SCHEMA_BY_TYPE.get(type);
    if (s) schemas.add(s);
    schemas.add(rng.pick(SCHEMAS));
    for (const schema of schemas) {
      const C = messageViewClass(schema);
      const view = guard(`new ${schema.name} view`, () => new C(dv, u8, off, len));
      if (!view) continue;
      walkMessage(view, `${schema.name}@${off}`, c);
      isolationCheck(view, rng, `${schema.name}@${off}`, c);
    }
    if (type === NLMSG_ERROR) {
      const flags = rng.chance(0.5) ? dv.getUint16(off + 6, true) : rng.u32() & 0xffff;
      guard("parseExtAck", () => parseExtAck(dv, u8, off, len, flags));
    }
  }
  // Decoders of raw attribute payloads, on any run of the input's bytes.
  if (u8.length > 0) {
    const a = rng.int(u8.length), b = a + rng.int(Math.min(256, u8.length - a) + 1);
    const raw = u8.subarray(a, b);
    for (const m of guard("decodeGroup", () => decodeGroup(raw)) ?? []) {
      if (!(m.weight >= 1 && m.weight <= 256)) fail(`decodeGroup: weight ${m.weight}`);
    }
    guard("decodeSockFilters", () => decodeSockFilters(raw));
    guard("decodeU32Sel", () => decodeU32Sel(raw));
  }
  for (const [off, len] of ms.slice(0, full ? undefined : 2)) {
    const ev = guard(
      "decodeConntrackEvent",
      () => decodeConntrackEvent(dv, u8, off, len, dv.getUint16(off + 4, true)),
    );
    if (ev) {
      const v = "entry" in ev ? ev.entry : ev.expectation;
      walkMessage(v, `conntrack event ${ev.type}`, c);
      if ("entry" in ev) {
        for (const k of ["orig", "reply", "master", "statusNames", "labelBits"] as const) {
          guard(`conntrack event .${k}`, () => ev.entry[k]);
        }
      }
    }
  }
  // nf_tables events, and rules' expressions as typed objects (encoded back: only TypeError).
  for (const [off, len] of ms.slice(0, full ? undefined : 2)) {
    const type = dv.getUint16(off + 4, true);
    const ev = guard("decodeNftEvent", () => decodeNftEvent(dv, u8, off, len, type));
    if (ev) walkMessage(ev.object, `nft event ${ev.type}`, c);
    if ((type & 0xff00) === 0x0a00 && (type & 0xff) === 6) {
      const rule = new (messageViewClass(NFT_RULE_MESSAGE))(dv, u8, off, len) as unknown as NftRule;
      const exprs = guard("nft rule expr", () => rule.expr);
      for (const [i, e] of (exprs ?? []).entries()) {
        try {
          encodeExpr(e, `expr[${i}]`);
        } catch (err) {
          if (!(err instanceof TypeError) && !(err instanceof RangeError)) throw err;
        }
      }
    }
  }
  // ipset list messages merge into sets and print as ipset save text.
  const lists = ms.filter(([off]) => dv.getUint16(off + 4, true) === 0x607).map(([off, len]) =>
    new (messageViewClass(IPSET_MESSAGE))(dv, u8, off, len) as unknown as IpsetMessage
  );
  if (lists.length > 0) {
    const sets = guard("ipset mergeSets", () => mergeSets(lists));
    if (sets) guard("ipset saveText", () => saveText(sets));
  }
  const events = guard("decodeEvents", () => decodeEvents(buf));
  for (const [i, e] of (events ?? []).entries()) {
    if (e.type === "overrun") fail("decodeEvents made an overrun event");
    if (i < 3 || full) walkMessage(e.message as unknown as MessageView, `event ${e.type}`, c);
  }
}

/** attributeAt over a (mutated) request, at random and at every attribute offset. */
export function extAckTarget(req: Uint8Array, rng: Rng, c: Counters): void {
  const schema = rng.pick(SCHEMAS);
  for (let k = 0; k < 4; k++) {
    const offset = rng.chance(0.5)
      ? rng.int(req.length + 8)
      : rng.pick(attrHeaderPositions(req).concat([0]));
    guard("attributeAt", () => attributeAt(schema, req, offset));
    c.values++;
  }
}

// ---------------------------------------------------------------------------------------------
// The engine over a fake transport.

class HangError extends Error {
  override name = "HangError";
}

/** A transport fed from a queue; answers each request once the queue runs dry, then hangs up. */
class FakeTransport implements Transport {
  readonly portId = PORT;
  lastGroups = 0;
  closed = false;
  readonly queue: { buf: ArrayBuffer; groups: number }[] = [];
  readonly sent: { seq: number; dump: boolean; answered: boolean }[] = [];

  send(bytes: Uint8Array): boolean {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Several requests may share a datagram (pipelines): record each.
    for (let off = 0; off + 16 <= bytes.length;) {
      const len = dv.getUint32(off, true);
      this.sent.push({
        seq: dv.getUint32(off + 8, true),
        dump: (dv.getUint16(off + 6, true) & NLM_F.DUMP) === NLM_F.DUMP,
        answered: false,
      });
      if (len < 16) break;
      off += (len + 3) & ~3;
    }
    return true;
  }

  receive(): ArrayBuffer | null {
    const next = this.queue.shift();
    if (next) {
      this.lastGroups = next.groups;
      return next.buf;
    }
    const req = this.sent.find((s) => !s.answered);
    if (!req) return null;
    req.answered = true;
    this.lastGroups = 0;
    // What the kernel would say: DONE (error 0) for a dump, an ack for the rest.
    const b = new ArrayBuffer(req.dump ? 20 : 36);
    const dv = new DataView(b);
    dv.setUint32(0, b.byteLength, true);
    dv.setUint16(4, req.dump ? NLMSG_DONE : NLMSG_ERROR, true);
    dv.setUint16(6, req.dump ? NLM_F.MULTI : NLM_F.CAPPED, true);
    dv.setUint32(8, req.seq, true);
    dv.setUint32(12, PORT, true);
    if (!req.dump) {
      dv.setUint32(20, 16, true);
      dv.setUint32(28, req.seq, true);
    }
    return b;
  }

  readable(): Promise<void> {
    return Promise.reject(new HangError("the engine waited for input after the last answer"));
  }

  close(): void {
    this.closed = true;
  }
}

function replaceMark(u8: Uint8Array, seq: number): void {
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  for (let i = 0; i + 4 <= u8.length; i++) {
    if (dv.getUint32(i, true) === SEQ_MARK) dv.setUint32(i, seq, true);
  }
}

function protocolOutcome(e: unknown): boolean {
  return e instanceof DecodeError || e instanceof NetlinkError ||
    e instanceof DumpInterruptedError || e instanceof OverrunError;
}

/** Feeds `input` to a request (dump, dumpAll, request or pipeline) of a fresh engine. */
export async function engineTarget(input: Uint8Array, rng: Rng, c: Counters): Promise<void> {
  const fake = new FakeTransport();
  const engine = new NetlinkEngine(fake);
  const schema = rng.pick(SCHEMAS);
  const C = messageViewClass(schema);
  const deep = rng.chance(0.3);
  const decoder = (dv: DataView, u8: Uint8Array, off: number, len: number) => {
    const v = new C(dv, u8, off, len);
    if (deep) v.toJSON(); // a DecodeError here must fail the request, nothing else
    return v;
  };
  if (rng.chance(0.5)) {
    engine.onEvent = (dv, u8, off, len, type) => {
      const s = SCHEMA_BY_TYPE.get(type);
      if (s) walkMessage(new (messageViewClass(s))(dv, u8, off, len), "onEvent", c);
    };
  }
  const req = rng.chance(0.5)
    ? rng.pick(seeds().filter((s) => s.name.startsWith("iproute2/"))).bytes.slice()
    : new Uint8Array([20, 0, 0, 0, 18, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  if (req.length < 16) return;
  new DataView(req.buffer).setUint32(0, req.length, true);
  const mode = rng.int(4);
  let settled: Promise<unknown[]>;
  switch (mode) {
    case 0:
      settled = engine.dumpAll(req, { decoder, retryInterrupted: rng.int(2) });
      break;
    case 1:
      settled = engine.request(req, { decoder, schema, describe: "fuzzed request" });
      break;
    case 2:
      settled = (async () => {
        const out: unknown[] = [];
        for await (const v of engine.dump(req, { decoder })) {
          out.push(v);
          if (rng.chance(0.05)) break; // abandoned half way
        }
        return out;
      })();
      break;
    default:
      settled = engine.pipeline([req, req.slice()], { schema }).then((rs) => {
        const err = rs.find((r) => r instanceof Error);
        if (err) throw err;
        return rs.flat();
      });
  }
  const extra = rng.chance(0.2)
    ? engine.request(new Uint8Array([16, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))
    : undefined;
  if (fake.sent.length === 0) fail("the engine sent nothing synchronously");
  const seq = fake.sent[0].seq;
  const data = input.slice();
  replaceMark(data, seq);
  fake.queue.push({ buf: data.buffer, groups: rng.chance(0.1) ? 1 << rng.int(8) : 0 });
  if (rng.chance(0.2)) {
    // The same datagram again: duplicates must not confuse the engine.
    fake.queue.push({ buf: data.slice().buffer, groups: 0 });
  }
  const outcomes = await Promise.allSettled([settled, extra ?? Promise.resolve([])]);
  for (const [i, o] of outcomes.entries()) {
    const what = i === 0 ? "request" : "second request";
    if (o.status === "fulfilled") {
      c.resolved++;
      for (const r of o.value) if (r instanceof MessageView) walkMessage(r, `engine result`, c);
      continue;
    }
    const e = o.reason;
    if (e instanceof FuzzFailure) throw e;
    if (e instanceof HangError) fail(`${what}: ${e.message}`);
    if (!protocolOutcome(e)) {
      throw new FuzzFailure(
        `${what} rejected with ${(e as Error)?.name}: ${(e as Error)?.message}`,
        { cause: e },
      );
    }
    c.rejected++;
  }
  if (engine.inFlight !== 0) fail(`${engine.inFlight} requests left pending`);
}

// ---------------------------------------------------------------------------------------------
// Running cases.

/** Runs case `index` of `seed`; throws FuzzFailure (with the input) when an invariant breaks. */
export async function runCase(seed: number, index: number, c: Counters): Promise<void> {
  const rng = Rng.forCase(seed, index);
  const pool = seeds();
  const input = makeInput(rng, pool);
  c.cases++;
  decodeErrors = 0;
  try {
    viewTargets(input.slice().buffer, rng, c, rng.chance(0.3));
    if (rng.chance(0.3)) extAckTarget(input, rng, c);
    await engineTarget(input, rng, c);
    c.decodeErrors += decodeErrors;
  } catch (e) {
    const hex = Array.from(input, (b) => b.toString(16).padStart(2, "0")).join("");
    const f = e instanceof FuzzFailure ? e : new FuzzFailure(String(e), { cause: e });
    f.message = `seed ${seed} case ${index}: ${f.message}\ninput (${input.length} bytes): ${hex}`;
    throw f;
  }
}

/**
 * Runs `cases` cases from `start`; calls `progress` now and then. Stack traces are off while
 * running (DecodeErrors are thrown by the million); a failing case is replayed with them on.
 */
export async function fuzz(
  seed: number,
  cases: number,
  start = 0,
  progress?: (done: number, c: Counters) => void,
): Promise<Counters> {
  const c = counters();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let i = start;
  try {
    for (; i < start + cases; i++) {
      await runCase(seed, i, c);
      if (progress && (i - start + 1) % 10000 === 0) progress(i - start + 1, c);
    }
  } catch (e) {
    Error.stackTraceLimit = limit;
    await runCase(seed, i, counters()); // again, with stack traces
    throw e;
  } finally {
    Error.stackTraceLimit = limit;
  }
  return c;
}
