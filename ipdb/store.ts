/**
 * The state IPDB keeps: the kernel's own messages (lazy views), indexed. Links by index and
 * name, addresses by interface and `"a/p"`, routes in a compact index (one entry per route as
 * the kernel keys it, holding the route's message: nothing is decoded or built per route until
 * someone reads it), rules by identity.
 *
 * Only events and dumps change the store: it is what the kernel last said.
 *
 * @module
 */

import { formatIp, parseIp } from "../netlink/addr.ts";
import { align4 } from "../netlink/constants.ts";
import { messageViewClass } from "../netlink/view.ts";
import { ROUTE_MESSAGE } from "../rtnl/schemas/route.ts";
import type { Addr } from "../rtnl/addr.ts";
import type { Link } from "../rtnl/link.ts";
import type { Route } from "../rtnl/route.ts";
import type { Rule } from "../rtnl/rule.ts";
import {
  addrKey,
  destHash,
  hopCount6,
  routeKey,
  RouteScan,
  ruleKey,
  sameBody,
  sameGroup,
  sharedHops6,
} from "./keys.ts";

export { addrKey, routeKey, ruleKey };

const AF_INET = 2;
const AF_INET6 = 10;
const AF_BRIDGE = 7;
const NLM_F_REPLACE = 0x100;
const NLM_F_EXCL = 0x200;
const NLM_F_APPEND = 0x800;
const RTA_OIF = 4;
const RTA_MULTIPATH = 9;

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
  /** RTA_OIF (0 when absent, as for a multipath route). */
  oif: number;
}

const ID_SCAN = new RouteScan();

/** Reads a route message's destination, metric and other header fields in one pass. */
export function routeId(v: Route): RouteId {
  const s = ID_SCAN.read(v.dv, v.u8, v.offset);
  const n = s.family === AF_INET ? 4 : 16;
  const zero = s.family === AF_INET ? "0.0.0.0" : "::";
  const dst = s.dstOff >= 0 && s.dstBytes === n ? formatIp(s.u8, s.dstOff, n) : zero;
  const src = s.srcOff >= 0 && s.srcBytes === n ? `${formatIp(s.u8, s.srcOff, n)}/${s.srcLen}` : "";
  return {
    family: s.family,
    table: s.table,
    prefix: `${dst}/${s.dstLen}`,
    priority: s.priority,
    tos: s.tos,
    src,
    cloned: s.cloned,
    oif: s.oif,
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
        q += align4(hl);
      }
    }
    p += align4(len);
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

const A = new RouteScan();
const B = new RouteScan();
const RouteView = messageViewClass(ROUTE_MESSAGE);

/**
 * An IPv6 route message without some of its next hops: what the kernel holds after deleting
 * those siblings of a multipath route (it reports only the deleted hop). With one hop left it
 * becomes a single-path message (RTA_OIF, RTA_GATEWAY and the hop's flags), as a dump shows it.
 */
function withoutHops(s: RouteScan, dv: DataView, off: number, drop: Set<number>): Datagram {
  const u8 = s.u8;
  const end = off + dv.getUint32(off, true);
  const kept: [number, number][] = [];
  let i = 0;
  const mpEnd = s.mpOff + s.mpBytes;
  for (let p = s.mpOff; p + 8 <= mpEnd; i++) {
    const len = u8[p] | (u8[p + 1] << 8);
    if (len < 8 || p + len > mpEnd) break;
    if (!drop.has(i)) kept.push([p, len]);
    p += align4(len);
  }
  const parts: Uint8Array[] = [u8.subarray(off, off + 28)];
  for (let p = off + 28; p + 4 <= end;) {
    const len = u8[p] | (u8[p + 1] << 8);
    if (len < 4 || p + len > end) break;
    if (((u8[p + 2] | (u8[p + 3] << 8)) & 0x3fff) !== RTA_MULTIPATH) {
      parts.push(u8.subarray(p, p + align4(len)));
    }
    p += align4(len);
  }
  let hopFlags = 0;
  if (kept.length === 1) {
    const [p, len] = kept[0];
    hopFlags = u8[p + 2];
    const oif = new Uint8Array(8);
    new DataView(oif.buffer).setUint16(0, 8, true);
    new DataView(oif.buffer).setUint16(2, RTA_OIF, true);
    oif.set(u8.subarray(p + 4, p + 8), 4);
    parts.push(oif);
    // The hop's attributes (RTA_GATEWAY, …) are route attributes of the same numbers.
    parts.push(u8.subarray(p + 8, p + align4(len)));
  } else {
    let total = 4;
    for (const [, len] of kept) total += align4(len);
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint16(0, total, true);
    new DataView(head.buffer).setUint16(2, RTA_MULTIPATH, true);
    parts.push(head);
    for (const [p, len] of kept) parts.push(u8.subarray(p, p + align4(len)));
  }
  let size = 0;
  for (const x of parts) size += x.length;
  const out = new Uint8Array(size);
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  const odv = new DataView(out.buffer);
  odv.setUint32(0, size, true);
  if (hopFlags) odv.setUint32(24, odv.getUint32(24, true) | hopFlags, true);
  return { dv: odv, u8: out };
}

/** A table's route count (boxed: one map lookup per change of table, not two per route). */
interface TableCount {
  n: number;
}

/**
 * The route index: an open-addressing hash table over the kernel's route messages, keyed by
 * table and destination, each entry one route as the kernel keys it (see `keys.ts`). Per route
 * it holds where the message lies (its datagram and offset), its destination's hash and the
 * route's place among the routes of its group (the kernel replaces the first of a group): 32 to
 * 48 bytes besides the message itself, with the table's slots. Views are built when routes are
 * read.
 *
 * A slot is two Int32s side by side, the entry (+1; 0 empty, -1 deleted) and its destination's
 * hash: a probe compares hashes in the cache line it has already loaded, and reads a message
 * only on a match; growth rehashes from the slots alone.
 */
export class RouteIndex {
  #dg: (Datagram | undefined)[] = [];
  #off = new Int32Array(1024);
  /** Order within a group, as the kernel lists it (dump order, appends after, prepends before). */
  #rank = new Int32Array(1024);
  #up = 0;
  #down = 0;
  /** What #probe found: the entry with the identity asked for (slot, or -1), and a free slot. */
  #pExact = -1;
  #pFree = -1;
  #free: number[] = [];
  #used = 0;
  #count = 0;
  /** Pairs (entry + 1 — 0 empty, -1 deleted —, destination hash); 2048 slots. */
  #slots = new Int32Array(4096);
  #tombs = 0;
  #tables = new Map<number, TableCount>();
  /** The last table counted (a dump lists a table's routes together). */
  #lastTable = -1;
  #lastCount: TableCount = { n: 0 };
  #last?: Datagram;
  /** Scratch: slots of the group being looked at. */
  #group: number[] = [];

  /** Number of routes. */
  get size(): number {
    return this.#count;
  }

  /** Forgets every route. */
  clear(): void {
    this.#dg = [];
    this.#off = new Int32Array(1024);
    this.#rank = new Int32Array(1024);
    this.#up = this.#down = 0;
    this.#free = [];
    this.#used = 0;
    this.#count = 0;
    this.#slots = new Int32Array(4096);
    this.#tombs = 0;
    this.#tables.clear();
    this.#lastTable = -1;
    this.#last = undefined;
  }

  /** Table ids that have routes. */
  tableIds(): number[] {
    return [...this.#tables.keys()].sort((a, b) => a - b);
  }

  /** Number of routes in a table. */
  tableSize(table: number): number {
    return this.#tables.get(table)?.n ?? 0;
  }

  /**
   * Makes room for `n` routes in all (a dump's count, known once it is received), so that
   * putting them does not grow the table step by step.
   */
  reserve(n: number): void {
    if (n > this.#off.length) this.#entries(n);
    let cap = this.#slots.length >> 1;
    while ((n + this.#tombs) * 2 > cap) cap *= 2;
    if (cap > this.#slots.length >> 1) this.#rehash(cap);
  }

  /** The count of `table`'s routes, made when missing. */
  #counter(table: number): TableCount {
    if (table === this.#lastTable) return this.#lastCount;
    let c = this.#tables.get(table);
    if (!c) this.#tables.set(table, c = { n: 0 });
    this.#lastTable = table;
    return (this.#lastCount = c);
  }

  #datagram(dv: DataView, u8: Uint8Array): Datagram {
    if (this.#last && this.#last.u8 === u8) return this.#last;
    return (this.#last = { dv, u8 });
  }

  #scanEntry(e: number, into: RouteScan): RouteScan {
    const d = this.#dg[e]!;
    return into.read(d.dv, d.u8, this.#off[e]);
  }

  #grow(): void {
    const cap = this.#slots.length >> 1;
    this.#rehash(this.#count * 4 > cap ? cap * 2 : cap);
  }

  /** Moves every entry into a table of `cap` slots (a power of two), dropping tombstones. */
  #rehash(cap: number): void {
    const old = this.#slots;
    const slots = new Int32Array(cap * 2);
    const mask = cap - 1;
    for (let i = 0; i < old.length; i += 2) {
      const v = old[i];
      if (v <= 0) continue;
      const h = old[i + 1];
      let j = h & mask;
      while (slots[j << 1] !== 0) j = (j + 1) & mask;
      slots[j << 1] = v;
      slots[(j << 1) + 1] = h;
    }
    this.#slots = slots;
    this.#tombs = 0;
  }

  /** Grows the per-entry arrays to hold at least `n` entries. */
  #entries(n: number): void {
    let size = this.#off.length;
    while (size < n) size *= 2;
    const off2 = new Int32Array(size), rank2 = new Int32Array(size);
    off2.set(this.#off);
    rank2.set(this.#rank);
    this.#off = off2;
    this.#rank = rank2;
  }

  /**
   * Collects the slots of `a`'s group into #group; sets #pExact to the slot of the entry with
   * `a`'s identity (-1 when none) and #pFree to where a new entry goes (the probe sequence's
   * first tombstone, else the empty slot ending it). Returns `a`'s destination hash.
   */
  #probe(a: RouteScan): number {
    const slots = this.#slots, mask = (slots.length >> 1) - 1;
    const h = destHash(a.family, a.table, a.dstLen, a.u8, a.dstOff, a.dstBytes) | 0;
    let j = h & mask;
    let firstTomb = -1, exact = -1;
    const group = this.#group;
    if (group.length) group.length = 0;
    for (;;) {
      const v = slots[j << 1];
      if (v === 0) break;
      if (v < 0) {
        if (firstTomb < 0) firstTomb = j;
      } else if (slots[(j << 1) + 1] === h) {
        const b = this.#scanEntry(v - 1, B);
        if (sameGroup(a, b)) {
          group.push(j);
          if (exact < 0 && sameBody(a, b)) exact = j;
        }
      }
      j = (j + 1) & mask;
    }
    this.#pExact = exact;
    this.#pFree = firstTomb >= 0 ? firstTomb : j;
    return h;
  }

  /** The next rank after (`after`) or before every other, renumbering when the counters run out. */
  #nextRank(after: boolean): number {
    if (this.#up >= 0x7ffffff0 || this.#down <= -0x7ffffff0) this.#renumber();
    return after ? ++this.#up : --this.#down;
  }

  /** Ranks 1..n in the same order (a long-lived index used up its counters). */
  #renumber(): void {
    const live: number[] = [];
    for (let e = 0; e < this.#used; e++) if (this.#dg[e]) live.push(e);
    live.sort((x, y) => this.#rank[x] - this.#rank[y]);
    for (let i = 0; i < live.length; i++) this.#rank[live[i]] = i + 1;
    this.#up = live.length;
    this.#down = 0;
  }

  #set(slot: number, dv: DataView, u8: Uint8Array, off: number): void {
    const e = this.#slots[slot << 1] - 1;
    this.#dg[e] = this.#datagram(dv, u8);
    this.#off[e] = off;
  }

  #insert(
    free: number,
    dv: DataView,
    u8: Uint8Array,
    off: number,
    table: number,
    hash: number,
    rank: number,
  ): void {
    const e = this.#free.length ? this.#free.pop()! : this.#used++;
    if (e >= this.#off.length) this.#entries(e + 1);
    this.#dg[e] = this.#datagram(dv, u8);
    this.#off[e] = off;
    this.#rank[e] = rank;
    const slots = this.#slots, at = free << 1;
    if (slots[at] < 0) this.#tombs--;
    slots[at] = e + 1;
    slots[at + 1] = hash;
    this.#count++;
    this.#counter(table).n++;
  }

  #drop(slot: number, table: number): void {
    const e = this.#slots[slot << 1] - 1;
    this.#slots[slot << 1] = -1;
    this.#tombs++;
    this.#dg[e] = undefined;
    this.#free.push(e);
    this.#count--;
    const c = this.#counter(table);
    if (--c.n <= 0) {
      this.#tables.delete(table);
      this.#lastTable = -1;
    }
  }

  /** The slot of the group's first route in the kernel's order, among those `ok` accepts. */
  #first(ok?: (s: RouteScan) => boolean): number {
    let best = -1, rank = Infinity;
    for (const j of this.#group) {
      const e = this.#slots[j << 1] - 1;
      if (this.#rank[e] >= rank) continue;
      if (ok && !ok(this.#scanEntry(e, B))) continue;
      best = j;
      rank = this.#rank[e];
    }
    return best;
  }

  /**
   * Applies a route message the kernel sent (an event, or with `dump` a dump's entry): adds the
   * route, or updates the entry with its identity. An event with NLM_F_REPLACE replaces the
   * first route of its group (IPv6: the first of the same kind, multipath-capable or not), as
   * the kernel does; an IPv6 next hop appended to a group shows the whole multipath route,
   * which takes the place of the entries it merged. Cloned (cache) routes are skipped.
   */
  put(dv: DataView, u8: Uint8Array, off: number, dump = false): Applied {
    const a = A.read(dv, u8, off);
    if (a.cloned) return undefined;
    if ((this.#count + this.#tombs + 1) * 4 > this.#slots.length) this.#grow();
    const hash = this.#probe(a);
    const exact = this.#pExact, free = this.#pFree;
    const nl = dump ? 0 : a.nlFlags;
    if (nl & NLM_F_REPLACE && this.#group.length) {
      const ecmp = a.ecmp6;
      const first = this.#first(a.family === AF_INET6 ? (s) => s.ecmp6 === ecmp : undefined);
      if (first >= 0) {
        if (exact >= 0 && exact !== first) this.#drop(exact, a.table);
        this.#set(first, dv, u8, off);
        return "change";
      }
    }
    if (exact >= 0) {
      this.#set(exact, dv, u8, off);
      return "change";
    }
    let rank = this.#nextRank(
      a.family !== AF_INET || dump || (nl & (NLM_F_APPEND | NLM_F_EXCL)) !== 0,
    );
    let action: Applied = "add";
    if (a.ecmp6 && this.#group.length) {
      // Next hops that joined a multipath route: the event describes the whole route.
      for (const j of [...this.#group]) {
        const b = this.#scanEntry(this.#slots[j << 1] - 1, B);
        if (!b.ecmp6 || sharedHops6(b, a).length === 0) continue;
        rank = Math.min(rank, this.#rank[this.#slots[j << 1] - 1]);
        this.#drop(j, a.table);
        action = "change";
      }
    }
    this.#insert(free, dv, u8, off, a.table, hash, rank);
    return action;
  }

  /**
   * Removes the route the message at `off` describes (an RTM_DELROUTE names the route it
   * deleted completely); with `exact`, only if the stored message is that very one. An IPv6
   * deletion of some next hops of a multipath route leaves the route with the others.
   */
  remove(dv: DataView, u8: Uint8Array, off: number, exact = false): Applied {
    const a = A.read(dv, u8, off);
    if (a.cloned) return undefined;
    this.#probe(a);
    const found = this.#pExact;
    if (found >= 0) {
      const e = this.#slots[found << 1] - 1;
      if (exact && (this.#dg[e]!.u8 !== u8 || this.#off[e] !== off)) return undefined;
      this.#drop(found, a.table);
      return "remove";
    }
    if (exact || !a.ecmp6) return undefined;
    for (const j of [...this.#group]) {
      const e = this.#slots[j << 1] - 1;
      const b = this.#scanEntry(e, B);
      if (!b.ecmp6) continue;
      const shared = sharedHops6(b, a);
      if (shared.length === 0) continue;
      if (shared.length >= hopCount6(b)) {
        this.#drop(j, a.table);
        return "remove";
      }
      const d = this.#dg[e]!;
      const rest = withoutHops(b, d.dv, this.#off[e], new Set(shared));
      this.#dg[e] = rest;
      this.#off[e] = 0;
      return "change";
    }
    return undefined;
  }

  #view(e: number): Route {
    const d = this.#dg[e]!;
    const off = this.#off[e];
    return new RouteView(d.dv, d.u8, off, d.dv.getUint32(off, true)) as Route;
  }

  /** The routes of `table` to `prefix` ("10.1.0.0/16", "::/0"): lowest metric first, then in
   * the kernel's order. */
  lookup(table: number, prefix: string): Route[] {
    const slash = prefix.lastIndexOf("/");
    const bytes = parseIp(prefix.slice(0, slash), "dst");
    const family = bytes.length === 4 ? AF_INET : AF_INET6;
    const dstLen = Number(prefix.slice(slash + 1));
    const slots = this.#slots, mask = (slots.length >> 1) - 1;
    const h = destHash(family, table, dstLen, bytes, 0, bytes.length) | 0;
    let j = h & mask;
    const found: { e: number; priority: number }[] = [];
    for (;;) {
      const v = slots[j << 1];
      if (v === 0) break;
      if (v > 0 && slots[(j << 1) + 1] === h) {
        const s = this.#scanEntry(v - 1, B);
        if (s.family === family && s.table === table && s.dstLen === dstLen) {
          let same = true;
          for (let i = 0; i < bytes.length && same; i++) {
            same = (s.dstOff >= 0 && i < s.dstBytes ? s.u8[s.dstOff + i] : 0) === bytes[i];
          }
          if (same) found.push({ e: v - 1, priority: s.priority });
        }
      }
      j = (j + 1) & mask;
    }
    if (found.length > 1) {
      found.sort((x, y) => x.priority - y.priority || this.#rank[x.e] - this.#rank[y.e]);
    }
    return found.map((f) => this.#view(f.e));
  }

  /** The route whose identity is `key` (see {@link routeKey}) among those to `prefix`. */
  find(table: number, prefix: string, key: string): Route | undefined {
    for (const v of this.lookup(table, prefix)) if (routeKey(v) === key) return v;
    return undefined;
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

  /** Views of the routes that use the nexthop object `id` (RTA_NH_ID). */
  usingNexthop(id: number): Route[] {
    const out: Route[] = [];
    for (let e = 0; e < this.#used; e++) {
      if (!this.#dg[e]) continue;
      if (this.#scanEntry(e, B).nhId === id) out.push(this.#view(e));
    }
    return out;
  }

  /** Removes a route if the stored message is still `v` (not replaced since). */
  deleteView(v: Route): boolean {
    return this.remove(v.dv, v.u8, v.offset, true) === "remove";
  }
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
