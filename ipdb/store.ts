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

import { formatIp } from "../netlink/addr.ts";
import type { Addr } from "../rtnl/addr.ts";
import type { Link } from "../rtnl/link.ts";
import type { Route } from "../rtnl/route.ts";
import type { Rule } from "../rtnl/rule.ts";

const AF_INET = 2;
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
  let dstOff = -1, dstBytes = 0, srcOff = -1, srcBytes = 0, priority = 0;
  for (let p = v.start; p + 4 <= v.end;) {
    const len = dv.getUint16(p, true);
    if (len < 4 || p + len > v.end) break;
    const t = dv.getUint16(p + 2, true) & 0x3fff;
    if (t === RTA_DST) {
      dstOff = p + 4;
      dstBytes = len - 4;
    } else if (t === RTA_PRIORITY && len >= 8) priority = dv.getUint32(p + 4, true);
    else if (t === RTA_TABLE && len >= 8) table = dv.getUint32(p + 4, true);
    else if (t === RTA_SRC) {
      srcOff = p + 4;
      srcBytes = len - 4;
    }
    p += (len + 3) & ~3;
  }
  const zero = family === AF_INET ? "0.0.0.0" : "::";
  const prefix = (dstOff >= 0 ? ipText(u8, dstOff, dstBytes) : zero) + "/" + dstLen;
  const src = srcOff >= 0 ? ipText(u8, srcOff, srcBytes) + "/" + srcLen : "";
  return { family, table, prefix, priority, tos, src, cloned: (flags & RTM_F_CLONED) !== 0 };
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

function sameRoute(a: RouteId, b: RouteId): boolean {
  return a.priority === b.priority && a.tos === b.tos && a.src === b.src;
}

/** What applying an event did. */
export type Applied = "add" | "change" | "remove" | undefined;

/**
 * The route index: table → prefix → the route's view (an array only when several routes share
 * a prefix, e.g. with different metrics). Nothing but the view is kept per route.
 */
export class RouteIndex {
  /** table → prefix → view(s). */
  readonly tables: Map<number, Map<string, Route | Route[]>> = new Map();
  #size = 0;

  /** Number of routes. */
  get size(): number {
    return this.#size;
  }

  /** Forgets every route. */
  clear(): void {
    this.tables.clear();
    this.#size = 0;
  }

  /** Adds or replaces a route; returns what happened. */
  set(v: Route, id: RouteId = routeId(v)): Applied {
    let t = this.tables.get(id.table);
    if (!t) this.tables.set(id.table, t = new Map());
    const cur = t.get(id.prefix);
    if (cur === undefined) {
      t.set(id.prefix, v);
      this.#size++;
      return "add";
    }
    if (!Array.isArray(cur)) {
      if (sameRoute(routeId(cur), id)) {
        t.set(id.prefix, v);
        return "change";
      }
      t.set(id.prefix, sortByPriority([cur, v]));
      this.#size++;
      return "add";
    }
    for (let i = 0; i < cur.length; i++) {
      if (sameRoute(routeId(cur[i]), id)) {
        cur[i] = v;
        return "change";
      }
    }
    cur.push(v);
    sortByPriority(cur);
    this.#size++;
    return "add";
  }

  /** Removes the route with this identity; returns the removed view. */
  delete(id: RouteId): Route | undefined {
    const t = this.tables.get(id.table);
    const cur = t?.get(id.prefix);
    if (cur === undefined || !t) return undefined;
    if (!Array.isArray(cur)) {
      if (!sameRoute(routeId(cur), id)) return undefined;
      t.delete(id.prefix);
      if (t.size === 0) this.tables.delete(id.table);
      this.#size--;
      return cur;
    }
    const i = cur.findIndex((r) => sameRoute(routeId(r), id));
    if (i < 0) return undefined;
    const [old] = cur.splice(i, 1);
    if (cur.length === 1) t.set(id.prefix, cur[0]);
    this.#size--;
    return old;
  }

  /** Removes a specific view (if it is still the one stored). */
  deleteView(v: Route): boolean {
    const id = routeId(v);
    const t = this.tables.get(id.table);
    const cur = t?.get(id.prefix);
    if (!t || cur === undefined) return false;
    if (cur === v) {
      t.delete(id.prefix);
      if (t.size === 0) this.tables.delete(id.table);
      this.#size--;
      return true;
    }
    if (Array.isArray(cur)) {
      const i = cur.indexOf(v);
      if (i < 0) return false;
      cur.splice(i, 1);
      if (cur.length === 1) t.set(id.prefix, cur[0]);
      this.#size--;
      return true;
    }
    return false;
  }

  /** The routes of `table` with `prefix`, lowest metric first. */
  lookup(table: number, prefix: string): readonly Route[] {
    const cur = this.tables.get(table)?.get(prefix);
    if (cur === undefined) return [];
    return Array.isArray(cur) ? cur : [cur];
  }

  /** Every route view. */
  *views(table?: number): IterableIterator<Route> {
    const tables = table === undefined
      ? [...this.tables.values()]
      : [this.tables.get(table) ?? new Map()];
    for (const t of tables) {
      for (const cur of t.values()) {
        if (Array.isArray(cur)) yield* cur;
        else yield cur;
      }
    }
  }
}

function sortByPriority(list: Route[]): Route[] {
  if (list.length > 1) list.sort((a, b) => routeId(a).priority - routeId(b).priority);
  return list;
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
  /** The route index. */
  readonly routes: RouteIndex = new RouteIndex();
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
  setRoute(v: Route, id: RouteId = routeId(v)): Applied {
    if (id.cloned) return undefined;
    return this.routes.set(v, id);
  }

  /** Forgets a route. */
  deleteRoute(v: Route, id: RouteId = routeId(v)): Applied {
    if (id.cloned) return undefined;
    return this.routes.delete(id) ? "remove" : undefined;
  }

  /** Stores a rule message. */
  setRule(v: Rule): Applied {
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
