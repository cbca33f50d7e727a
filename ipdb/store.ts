/**
 * The state IPDB keeps: the kernel's own messages (lazy views), indexed. Links by index and
 * name, addresses by interface and `"a/p"`, routes in a compact index keyed by table and
 * destination (one entry per route, holding the route's view: nothing is decoded or built per
 * route until someone reads it), rules by identity.
 *
 * Only events and dumps change the store: it is what the kernel last said.
 *
 * @module
 */

import { formatIp, parseIp } from "../netlink/addr.ts";
import { messageViewClass } from "../netlink/view.ts";
import { ROUTE_MESSAGE } from "../rtnl/schemas/route.ts";
import type { Addr } from "../rtnl/addr.ts";
import type { Link } from "../rtnl/link.ts";
import type { Route } from "../rtnl/route.ts";
import type { Rule } from "../rtnl/rule.ts";

const AF_INET = 2;
const AF_INET6 = 10;
const NLM_F_REPLACE = 0x100;
const AF_BRIDGE = 7;
const RTM_F_CLONED = 0x200;
const RTA_DST = 1;
const RTA_SRC = 2;
const RTA_OIF = 4;
const RTA_PRIORITY = 6;
const RTA_MULTIPATH = 9;
const RTA_TABLE = 15;

/** The identity of a route message, read straight from its bytes. */
export interface RouteId {
  /** 2 or 10. */
  family: number;
  /** Table id (RTA_TABLE when the header says "compat"). */
  table: number;
  /** "10.1.0.0/16", "0.0.0.0/0", "2001:db8::/64", "::/0". */
  prefix: string;
  /** RTA_PRIORITY (0 when absent). */
  priority: number;
  /** Header tos. */
  tos: number;
  /** Source prefix (IPv6 source routing), "" when none. */
  src: string;
  /** Whether the kernel marked it a cloned (cache) entry. */
  cloned: boolean;
  /** The outgoing device (part of an IPv6 route's identity; 0 for multipath). */
  oif: number;
}

function ipText(u8: Uint8Array, off: number, len: number): string {
  if (len === 4) return u8[off] + "." + u8[off + 1] + "." + u8[off + 2] + "." + u8[off + 3];
  return formatIp(u8, off, len);
}

/** Reads a route message's identity from its header and attributes in one pass. */
export function routeId(v: Route): RouteId {
  const dv = v.dv, u8 = v.u8, h = v.offset + 16;
  const family = u8[h], dstLen = u8[h + 1], srcLen = u8[h + 2], tos = u8[h + 3];
  let table = u8[h + 4];
  const flags = h + 12 <= v.end ? dv.getUint32(h + 8, true) : 0;
  let dstOff = -1, dstBytes = 0, srcOff = -1, srcBytes = 0, priority = 0, oif = 0;
  for (let p = v.start; p + 4 <= v.end;) {
    const len = dv.getUint16(p, true);
    if (len < 4 || p + len > v.end) break;
    const t = dv.getUint16(p + 2, true) & 0x3fff;
    if (t === RTA_DST) {
      dstOff = p + 4;
      dstBytes = len - 4;
    } else if (t === RTA_PRIORITY && len >= 8) priority = dv.getUint32(p + 4, true);
    else if (t === RTA_TABLE && len >= 8) table = dv.getUint32(p + 4, true);
    else if (t === RTA_OIF && len >= 8) oif = dv.getUint32(p + 4, true);
    else if (t === RTA_SRC) {
      srcOff = p + 4;
      srcBytes = len - 4;
    }
    p += (len + 3) & ~3;
  }
  const zero = family === AF_INET ? "0.0.0.0" : "::";
  const prefix = (dstOff >= 0 ? ipText(u8, dstOff, dstBytes) : zero) + "/" + dstLen;
  const src = srcOff >= 0 ? ipText(u8, srcOff, srcBytes) + "/" + srcLen : "";
  return {
    family,
    table,
    prefix,
    priority,
    tos,
    src,
    cloned: (flags & RTM_F_CLONED) !== 0,
    oif,
  };
}

/** Whether a route goes out through `index` (its RTA_OIF or any multipath hop). */
export function routeUsesIndex(v: Route, index: number): boolean {
  const dv = v.dv;
  for (let p = v.start; p + 4 <= v.end;) {
    const len = dv.getUint16(p, true);
    if (len < 4 || p + len > v.end) break;
    const t = dv.getUint16(p + 2, true) & 0x3fff;
    if (t === RTA_OIF && len >= 8 && dv.getUint32(p + 4, true) === index) return true;
    if (t === RTA_MULTIPATH) {
      for (let q = p + 4; q + 8 <= p + len;) {
        const hl = dv.getUint16(q, true);
        if (hl < 8) break;
        if (dv.getInt32(q + 4, true) === index) return true;
        q += (hl + 3) & ~3;
      }
    }
    p += (len + 3) & ~3;
  }
  return false;
}

/** What applying an event did. */
export type Applied = "add" | "change" | "remove" | undefined;

/** A received datagram that route entries point into. */
interface Datagram {
  dv: DataView;
  u8: Uint8Array;
}

/** The fields of a route message that identify it, read in one pass (no allocation). */
class Scan {
  family = 0;
  dstLen = 0;
  srcLen = 0;
  tos = 0;
  table = 0;
  flags = 0;
  dstOff = -1;
  dstBytes = 0;
  srcOff = -1;
  srcBytes = 0;
  priority = 0;
  oif = 0;
  u8!: Uint8Array;

  read(dv: DataView, u8: Uint8Array, off: number): this {
    const end = off + dv.getUint32(off, true);
    const h = off + 16;
    this.u8 = u8;
    this.family = u8[h];
    this.dstLen = u8[h + 1];
    this.srcLen = u8[h + 2];
    this.tos = u8[h + 3];
    this.table = u8[h + 4];
    this.flags = h + 12 <= end ? dv.getUint32(h + 8, true) : 0;
    this.dstOff = -1;
    this.dstBytes = 0;
    this.srcOff = -1;
    this.srcBytes = 0;
    this.priority = 0;
    this.oif = 0;
    for (let p = h + 12; p + 4 <= end;) {
      const len = dv.getUint16(p, true);
      if (len < 4 || p + len > end) break;
      const t = dv.getUint16(p + 2, true) & 0x3fff;
      if (t === RTA_DST) {
        this.dstOff = p + 4;
        this.dstBytes = len - 4;
      } else if (t === RTA_PRIORITY && len >= 8) this.priority = dv.getUint32(p + 4, true);
      else if (t === RTA_TABLE && len >= 8) this.table = dv.getUint32(p + 4, true);
      else if (t === RTA_OIF && len >= 8) this.oif = dv.getUint32(p + 4, true);
      else if (t === RTA_SRC) {
        this.srcOff = p + 4;
        this.srcBytes = len - 4;
      }
      p += (len + 3) & ~3;
    }
    return this;
  }
}

const A = new Scan();
const B = new Scan();

function addrBytes(family: number): number {
  return family === AF_INET ? 4 : 16;
}

/** FNV-1a over family, table, prefix length and the destination bytes (absent = zeros). */
function hashKey(
  family: number,
  table: number,
  dstLen: number,
  u8: Uint8Array | undefined,
  dstOff: number,
  dstBytes: number,
): number {
  let h = 0x811c9dc5;
  h = Math.imul(h ^ family, 0x01000193);
  h = Math.imul(h ^ (table & 0xff), 0x01000193);
  h = Math.imul(h ^ (table >>> 8), 0x01000193);
  h = Math.imul(h ^ dstLen, 0x01000193);
  const n = addrBytes(family);
  for (let i = 0; i < n; i++) {
    const b = u8 && i < dstBytes ? u8[dstOff + i] : 0;
    h = Math.imul(h ^ b, 0x01000193);
  }
  return h >>> 0;
}

function bytesEqual(
  a: Uint8Array,
  ao: number,
  an: number,
  b: Uint8Array,
  bo: number,
  bn: number,
  n: number,
): boolean {
  for (let i = 0; i < n; i++) {
    const x = ao >= 0 && i < an ? a[ao + i] : 0;
    const y = bo >= 0 && i < bn ? b[bo + i] : 0;
    if (x !== y) return false;
  }
  return true;
}

/** Same table and destination. */
function sameKey(a: Scan, b: Scan): boolean {
  return a.family === b.family && a.table === b.table && a.dstLen === b.dstLen &&
    bytesEqual(a.u8, a.dstOff, a.dstBytes, b.u8, b.dstOff, b.dstBytes, addrBytes(a.family));
}

/**
 * Same route: same key, metric, tos and source prefix, and for IPv6 the same device (IPv6 has
 * one route per device for fe80::/64, ff00::/8 and any prefix on several links).
 */
function sameRoute(a: Scan, b: Scan, anyDevice = false): boolean {
  return sameKey(a, b) && a.priority === b.priority && a.tos === b.tos &&
    (anyDevice || a.family !== AF_INET6 || a.oif === b.oif) &&
    a.srcLen === b.srcLen &&
    bytesEqual(a.u8, a.srcOff, a.srcBytes, b.u8, b.srcOff, b.srcBytes, addrBytes(a.family));
}

const RouteView = messageViewClass(ROUTE_MESSAGE);

/**
 * The route index: an open-addressing hash table keyed by table and destination, read straight
 * from the kernel's messages. Per route it holds only where the message lies (its datagram and
 * offset): about 16 bytes besides the message itself. Views are built when routes are read.
 */
export class RouteIndex {
  #dg: (Datagram | undefined)[] = [];
  #off = new Int32Array(1024);
  #free: number[] = [];
  #used = 0;
  #count = 0;
  #slots = new Int32Array(2048); // entry + 1; 0 empty; -1 deleted
  #tombs = 0;
  #tables = new Map<number, number>();
  #last?: Datagram;

  /** Number of routes. */
  get size(): number {
    return this.#count;
  }

  /** Forgets every route. */
  clear(): void {
    this.#dg = [];
    this.#off = new Int32Array(1024);
    this.#free = [];
    this.#used = 0;
    this.#count = 0;
    this.#slots = new Int32Array(2048);
    this.#tombs = 0;
    this.#tables.clear();
    this.#last = undefined;
  }

  /** Table ids that have routes. */
  tableIds(): number[] {
    return [...this.#tables.keys()].sort((a, b) => a - b);
  }

  /** Number of routes in a table. */
  tableSize(table: number): number {
    return this.#tables.get(table) ?? 0;
  }

  #datagram(dv: DataView, u8: Uint8Array): Datagram {
    if (this.#last && this.#last.u8 === u8) return this.#last;
    return (this.#last = { dv, u8 });
  }

  #scanEntry(e: number, into: Scan): Scan {
    const d = this.#dg[e]!;
    return into.read(d.dv, d.u8, this.#off[e]);
  }

  #grow(): void {
    const old = this.#slots;
    const slots = new Int32Array(
      this.#count * 4 > old.length ? old.length * 2 : old.length,
    );
    const mask = slots.length - 1;
    for (let i = 0; i < old.length; i++) {
      const v = old[i];
      if (v <= 0) continue;
      const s = this.#scanEntry(v - 1, B);
      let j = hashKey(s.family, s.table, s.dstLen, s.u8, s.dstOff, s.dstBytes) & mask;
      while (slots[j] !== 0) j = (j + 1) & mask;
      slots[j] = v;
    }
    this.#slots = slots;
    this.#tombs = 0;
  }

  /**
   * Adds the route message at `off` of a datagram, or replaces the route with the same
   * identity; cloned (cache) routes are skipped.
   */
  put(dv: DataView, u8: Uint8Array, off: number): Applied {
    const a = A.read(dv, u8, off);
    if (a.flags & RTM_F_CLONED) return undefined;
    // A replacement names the route it replaced only by its key, not its old device.
    const replace = (dv.getUint16(off + 6, true) & NLM_F_REPLACE) !== 0;
    if ((this.#count + this.#tombs + 1) * 2 > this.#slots.length) this.#grow();
    const slots = this.#slots, mask = slots.length - 1;
    let j = hashKey(a.family, a.table, a.dstLen, a.u8, a.dstOff, a.dstBytes) & mask;
    let firstTomb = -1;
    for (;;) {
      const v = slots[j];
      if (v === 0) break;
      if (v < 0) {
        if (firstTomb < 0) firstTomb = j;
      } else if (sameRoute(a, this.#scanEntry(v - 1, B), replace)) {
        this.#dg[v - 1] = this.#datagram(dv, u8);
        this.#off[v - 1] = off;
        return "change";
      }
      j = (j + 1) & mask;
    }
    const e = this.#free.length ? this.#free.pop()! : this.#used++;
    if (e >= this.#off.length) {
      const off2 = new Int32Array(this.#off.length * 2);
      off2.set(this.#off);
      this.#off = off2;
    }
    this.#dg[e] = this.#datagram(dv, u8);
    this.#off[e] = off;
    if (firstTomb >= 0) {
      j = firstTomb;
      this.#tombs--;
    }
    slots[j] = e + 1;
    this.#count++;
    this.#tables.set(a.table, (this.#tables.get(a.table) ?? 0) + 1);
    return "add";
  }

  /**
   * Removes the route with the identity of the message at `off` (any message describing it);
   * with `exact`, only if the stored message is that very one.
   */
  remove(dv: DataView, u8: Uint8Array, off: number, exact = false): Applied {
    const a = A.read(dv, u8, off);
    if (a.flags & RTM_F_CLONED) return undefined;
    const slots = this.#slots, mask = slots.length - 1;
    let j = hashKey(a.family, a.table, a.dstLen, a.u8, a.dstOff, a.dstBytes) & mask;
    for (;;) {
      const v = slots[j];
      if (v === 0) return undefined;
      if (v > 0 && sameRoute(a, this.#scanEntry(v - 1, B))) {
        const e = v - 1;
        if (exact && (this.#dg[e]!.u8 !== u8 || this.#off[e] !== off)) return undefined;
        slots[j] = -1;
        this.#tombs++;
        this.#dg[e] = undefined;
        this.#free.push(e);
        this.#count--;
        const n = (this.#tables.get(a.table) ?? 1) - 1;
        if (n) this.#tables.set(a.table, n);
        else this.#tables.delete(a.table);
        return "remove";
      }
      j = (j + 1) & mask;
    }
  }

  #view(e: number): Route {
    const d = this.#dg[e]!;
    const off = this.#off[e];
    return new RouteView(d.dv, d.u8, off, d.dv.getUint32(off, true)) as Route;
  }

  /** The routes of `table` to `prefix` ("10.1.0.0/16", "::/0"), lowest metric first. */
  lookup(table: number, prefix: string): Route[] {
    const slash = prefix.lastIndexOf("/");
    const bytes = parseIp(prefix.slice(0, slash), "dst");
    const family = bytes.length === 4 ? AF_INET : 10;
    const dstLen = Number(prefix.slice(slash + 1));
    const slots = this.#slots, mask = slots.length - 1;
    let j = hashKey(family, table, dstLen, bytes, 0, bytes.length) & mask;
    const out: Route[] = [];
    for (;;) {
      const v = slots[j];
      if (v === 0) break;
      if (v > 0) {
        const s = this.#scanEntry(v - 1, B);
        if (
          s.family === family && s.table === table && s.dstLen === dstLen &&
          bytesEqual(s.u8, s.dstOff, s.dstBytes, bytes, 0, bytes.length, bytes.length)
        ) out.push(this.#view(v - 1));
      }
      j = (j + 1) & mask;
    }
    if (out.length > 1) out.sort((x, y) => routeId(x).priority - routeId(y).priority);
    return out;
  }

  /** Every route (or a table's) as a view. */
  *views(table?: number): IterableIterator<Route> {
    for (let e = 0; e < this.#used; e++) {
      if (!this.#dg[e]) continue;
      if (table !== undefined && this.#scanEntry(e, B).table !== table) continue;
      yield this.#view(e);
    }
  }

  /** The destinations ("a/p") of a table's routes. */
  *prefixes(table: number): IterableIterator<string> {
    const seen = new Set<string>();
    for (const v of this.views(table)) {
      const p = routeId(v).prefix;
      if (!seen.has(p)) {
        seen.add(p);
        yield p;
      }
    }
  }

  /** Views of the routes of `family` that go out through `index` (RTA_OIF or a multipath hop). */
  using(index: number, family: number): Route[] {
    const out: Route[] = [];
    for (let e = 0; e < this.#used; e++) {
      const d = this.#dg[e];
      if (!d || d.u8[this.#off[e] + 16] !== family) continue;
      const v = this.#view(e);
      if (routeUsesIndex(v, index)) out.push(v);
    }
    return out;
  }

  /** Removes a route if the stored message is still `v` (not replaced since). */
  deleteView(v: Route): boolean {
    return this.remove(v.dv, v.u8, v.offset, true) === "remove";
  }
}

/** The `"a/p"` key of an address message (its local address for IPv4, else its address). */
export function addrKey(v: Addr): string {
  return `${v.local ?? v.address}/${v.prefixlen}`;
}

/** A stable identity string for a rule message (every field the kernel sent). */
export function ruleKey(v: Rule): string {
  return JSON.stringify(v.toJSON());
}

/** Links, addresses, routes and rules as the kernel last described them. */
export class Store {
  /** index → the link's latest message. */
  readonly links: Map<number, Link> = new Map();
  /** name → index. */
  readonly names: Map<string, number> = new Map();
  /** index → "a/p" → the address's message. */
  readonly addrs: Map<number, Map<string, Addr>> = new Map();
  /** The route index (replaced as a whole by a resynchronisation). */
  routes: RouteIndex = new RouteIndex();
  /** rule identity → the rule's message. */
  readonly rules: Map<string, Rule> = new Map();

  /** Stores a link message; AF_BRIDGE port messages are not link state and are ignored. */
  setLink(v: Link): Applied {
    if (v.family === AF_BRIDGE) return undefined;
    const index = v.index;
    const old = this.links.get(index);
    const name = v.ifname;
    if (old) {
      const oldName = old.ifname;
      if (oldName !== undefined && oldName !== name && this.names.get(oldName) === index) {
        this.names.delete(oldName);
      }
    }
    this.links.set(index, v);
    if (name !== undefined) this.names.set(name, index);
    return old ? "change" : "add";
  }

  /** Forgets a link (and its addresses). */
  deleteLink(v: Link): Applied {
    if (v.family === AF_BRIDGE) return undefined;
    const index = v.index;
    const old = this.links.get(index);
    if (!old) return undefined;
    this.links.delete(index);
    const name = old.ifname;
    if (name !== undefined && this.names.get(name) === index) this.names.delete(name);
    this.addrs.delete(index);
    return "remove";
  }

  /** Stores an address message. */
  setAddr(v: Addr): Applied {
    const index = v.index;
    let m = this.addrs.get(index);
    if (!m) this.addrs.set(index, m = new Map());
    const key = addrKey(v);
    const had = m.has(key);
    m.set(key, v);
    return had ? "change" : "add";
  }

  /** Forgets an address. */
  deleteAddr(v: Addr): Applied {
    const m = this.addrs.get(v.index);
    if (!m?.delete(addrKey(v))) return undefined;
    if (m.size === 0) this.addrs.delete(v.index);
    return "remove";
  }

  /** Stores a route message (cloned cache entries are skipped). */
  setRoute(v: Route): Applied {
    return this.routes.put(v.dv, v.u8, v.offset);
  }

  /** Forgets a route. */
  deleteRoute(v: Route): Applied {
    return this.routes.remove(v.dv, v.u8, v.offset);
  }

  /** Stores a rule message (IPv4 and IPv6 ones; multicast routing rules are not kept). */
  setRule(v: Rule): Applied {
    const family = (v as unknown as { headerField(k: string): unknown }).headerField("family");
    if (family !== AF_INET && family !== AF_INET6) return undefined;
    const key = ruleKey(v);
    const had = this.rules.has(key);
    this.rules.set(key, v);
    return had ? "change" : "add";
  }

  /** Forgets a rule. */
  deleteRule(v: Rule): Applied {
    return this.rules.delete(ruleKey(v)) ? "remove" : undefined;
  }

  /** The index of the link named `name`. */
  indexOf(name: string): number | undefined {
    return this.names.get(name);
  }
}
