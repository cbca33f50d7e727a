/**
 * Traffic control in the document: `{ object, dev, kind, handle, parent, priority?, protocol?,
 * options? }`. Handled: qdiscs htb (`default`, `r2q`), ingress, clsact, pfifo and bfifo
 * (`limit`), tbf (`rate` in bits per second, `burst` and `limit` in bytes); htb classes
 * (`rate`, `ceil` in bits per second, `prio`; the bursts are the ones the rate gives); u32
 * filters under htb, its classes or ingress (`keys` as "value/mask+offset" in hex, `classid`; with
 * `priority`, `protocol` and a handle such as "800::800"). Left out of snapshots: default
 * qdiscs (handle 0: noqueue, pfifo_fast, mq) and u32's own hash tables. Listed as unmanaged
 * (and the qdisc they hang on kept from pruning): qdiscs of other kinds (their classes and
 * filters go with them, unread), filters of other kinds, u32 filters with actions, police,
 * links, hash tables of their own, variable offsets or other options, filters of clsact's
 * hooks. Made from the root of each device's tree down (a qdisc, its classes, a class in a
 * class, a qdisc under a class, its classes, …), filters last; removed in the
 * reverse order. A changed object is replaced.
 *
 * @module
 */

import {
  formatHandle,
  parseClassid,
  parseParent,
  parseProtocol,
  protocolName,
  TC_H,
  tcHandle,
} from "../rtnl/tc/handles.ts";
import type { TcMessage } from "../rtnl/tc/mod.ts";
import { xmitsize, xmittime } from "../rtnl/tc/units.ts";
import {
  compact,
  entry,
  entryKeys,
  entryKeysOf,
  ifname,
  int,
  list,
  oneOf,
  sameJson,
  stableJson,
  text,
} from "./check.ts";
import type { TcState } from "./document.ts";
import type { Kind, NamespaceContext, PlanContext, Request } from "./kind.ts";
import { PHASE } from "./kind.ts";
import { simpleSteps } from "./simple.ts";
import { attrNames } from "./unmanaged.ts";
import type { SimpleKind } from "./simple.ts";

/** Handled kinds and their options. */
const QDISC_OPTIONS: Record<string, readonly string[]> = {
  htb: ["default", "r2q"],
  ingress: [],
  clsact: [],
  pfifo: ["limit"],
  bfifo: ["limit"],
  tbf: ["rate", "burst", "limit"],
};
const CLASS_OPTIONS: Record<string, readonly string[]> = { htb: ["rate", "ceil", "prio"] };
const FILTER_OPTIONS: Record<string, readonly string[]> = { u32: ["keys", "classid"] };
const TABLES = { qdisc: QDISC_OPTIONS, class: CLASS_OPTIONS, filter: FILTER_OPTIONS };
const OPTION_KEYS = {
  qdisc: entryKeysOf(QDISC_OPTIONS),
  class: entryKeysOf(CLASS_OPTIONS),
  filter: entryKeysOf(FILTER_OPTIONS),
};
const KEYS = entryKeys([
  "object",
  "dev",
  "kind",
  "handle",
  "parent",
  "priority",
  "protocol",
  "options",
]);

/** A u32 filter handle ("800::800": hash table, bucket, node) from its number. */
function u32Handle(h: number): string {
  const hash = (h >>> 12) & 0xff;
  return `${(h >>> 20).toString(16)}:${hash ? hash.toString(16) : ""}:${(h & 0xfff).toString(16)}`;
}

/** The number of a u32 filter handle's text. */
function u32HandleNumber(v: string, path: string): number {
  const m = /^([0-9a-f]{1,3}):([0-9a-f]{0,2}):([0-9a-f]{1,3})$/i.exec(v);
  if (!m) throw new TypeError(`${path}: expected a u32 handle such as "800::800", got ${v}`);
  return ((parseInt(m[1], 16) << 20) | (parseInt(m[2] || "0", 16) << 12) | parseInt(m[3], 16)) >>>
    0;
}

/** A u32 key in the document's form: 8 hex digits of value and mask, the byte offset. */
function u32Key(val: number, mask: number, off: number): string {
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
  return `${hex(val & mask)}/${hex(mask)}+${off}`;
}

function checkU32Key(v: unknown, path: string): string {
  const m = typeof v === "string"
    ? /^(?:0x)?([0-9a-fA-F]{1,8})\/(?:0x)?([0-9a-fA-F]{1,8})\+(\d{1,5})$/.exec(v)
    : null;
  if (!m) throw new TypeError(`${path}: expected "value/mask+offset" (hex), got ${String(v)}`);
  const off = Number(m[3]);
  if (off % 4) throw new RangeError(`${path}: the offset ${off} is not a multiple of 4`);
  return u32Key(parseInt(m[1], 16), parseInt(m[2], 16), off);
}

/** A handle's text as tc prints it ("1:", "1:10", "root", "ingress"). */
function handleText(h: number, what: "qdisc" | "class" | "parent"): string {
  if (what === "parent" && h === TC_H.INGRESS) return "ingress";
  return formatHandle(h);
}

function checkHandle(v: unknown, path: string, what: "qdisc" | "class" | "parent"): string {
  const s = text(v, path);
  const h = what === "parent" ? parseParent(s, path, "qdisc") : parseClassid(s, path);
  return handleText(h, what);
}

function checkFilter(o: Record<string, unknown>, path: string): TcState {
  const kind = oneOf(o.kind, `${path}.kind`, Object.keys(FILTER_OPTIONS));
  const opts = entry(o.options, `${path}.options`, OPTION_KEYS.filter[kind]);
  const handle = text(o.handle, `${path}.handle`);
  const options: Record<string, string | string[]> = {
    keys: list(opts.keys, `${path}.options.keys`, checkU32Key),
  };
  if (opts.classid !== undefined) {
    options.classid = checkHandle(opts.classid, `${path}.options.classid`, "class");
  }
  return {
    object: "filter",
    dev: ifname(o.dev, `${path}.dev`),
    kind,
    handle: u32Handle(u32HandleNumber(handle, `${path}.handle`)),
    parent: checkHandle(o.parent, `${path}.parent`, "parent"),
    priority: int(o.priority, `${path}.priority`, 1, 0xffff),
    protocol: protocolName(parseProtocol(text(o.protocol, `${path}.protocol`), `${path}.protocol`)),
    options,
  };
}

function check(v: unknown, path: string): TcState {
  const o = entry(v, path, KEYS);
  const object = oneOf(o.object, `${path}.object`, ["qdisc", "class", "filter"] as const);
  if (object === "filter") return checkFilter(o, path);
  for (const k of ["priority", "protocol"]) {
    if (o[k] !== undefined) throw new TypeError(`${path}.${k}: only a filter has one`);
  }
  const table = TABLES[object];
  const kind = oneOf(o.kind, `${path}.kind`, Object.keys(table));
  const opts = o.options === undefined
    ? undefined
    : entry(o.options, `${path}.options`, OPTION_KEYS[object][kind]);
  const options: Record<string, number> = {};
  for (const k of Object.keys(opts ?? {}).sort()) {
    options[k] = int(opts![k], `${path}.options.${k}`, 0, Number.MAX_SAFE_INTEGER);
  }
  const e: TcState = compact({
    object,
    dev: ifname(o.dev, `${path}.dev`),
    kind,
    handle: checkHandle(o.handle, `${path}.handle`, object),
    parent: checkHandle(o.parent, `${path}.parent`, "parent"),
    options: Object.keys(options).length ? canonicalOptions(object, kind, options) : undefined,
  });
  if (e.object === "class" && e.options?.rate === undefined) {
    throw new TypeError(`${path}.options.rate: an htb class needs its rate (bits per second)`);
  }
  if (e.kind === "tbf") {
    for (const k of ["rate", "burst", "limit"]) {
      if (!e.options?.[k]) throw new TypeError(`${path}.options.${k}: tbf needs it (above 0)`);
    }
    // The kernel keeps the burst as the time it takes at the rate: what it shows back.
    const o = e.options as Record<string, number>;
    const bytes = o.rate / 8;
    o.burst = xmitsize(bytes, xmittime(bytes, o.burst, `${path}.options.burst`));
  }
  if (!e.options) delete e.options;
  return e;
}

/** Drops options equal to their defaults. */
function canonicalOptions(
  object: string,
  kind: string,
  o: Record<string, number>,
): Record<string, number> | undefined {
  if (kind === "htb" && object === "qdisc") {
    if (o.default === 0) delete o.default;
    if (o.r2q === 10) delete o.r2q;
  }
  if (kind === "htb" && object === "class") {
    if (o.ceil === o.rate) delete o.ceil;
    if (o.prio === 0) delete o.prio;
  }
  return Object.keys(o).length ? o : undefined;
}

type Json = Record<string, unknown>;

/** A qdisc or class message as a document entry (undefined: the kernel's own, or not handled). */
function tcEntry(object: "qdisc" | "class", v: TcMessage, dev: string): TcState | undefined {
  const g = v as unknown as Json;
  const kind = g.kind as string, handle = g.handle as number;
  const table = object === "qdisc" ? QDISC_OPTIONS : CLASS_OPTIONS;
  if (!table[kind] || handle === 0) return undefined;
  const opts = (g.options ?? {}) as Json;
  const o: Record<string, number> = {};
  if (object === "qdisc" && kind === "htb") {
    const init = (opts.init ?? {}) as Json;
    o.default = init.defcls as number;
    o.r2q = init.rate2quantum as number;
  } else if (object === "qdisc" && kind === "tbf") {
    const parms = (opts.parms ?? {}) as Json;
    const bytes = (opts.rate64 as number | undefined) ?? (parms.rate as number);
    o.rate = bytes * 8;
    o.burst = xmitsize(bytes, parms.buffer as number);
    o.limit = parms.limit as number;
  } else if (object === "qdisc" && (kind === "pfifo" || kind === "bfifo")) {
    if (typeof opts.limit === "number") o.limit = opts.limit;
  } else if (object === "class") {
    const parms = (opts.parms ?? {}) as Json;
    const bytes = (k: string) => (opts[`${k}64`] as number | undefined) ?? (parms[k] as number);
    o.rate = bytes("rate") * 8;
    o.ceil = bytes("ceil") * 8;
    o.prio = parms.prio as number;
  }
  // A class at the top of its qdisc shows parent "root"; it is made under the qdisc's handle.
  let parent = g.parent as number;
  if (object === "class" && parent === TC_H.ROOT) parent = (handle & 0xffff0000) >>> 0;
  return compact({
    object,
    dev,
    kind,
    handle: handleText(handle, object),
    parent: handleText(parent, "parent"),
    options: canonicalOptions(object, kind, o),
  });
}

/** Where an unmanaged object hangs: the keys of its qdisc and, under a class, of the class. */
function holders(dev: string, parent: number): string[] {
  if (parent === TC_H.ROOT) return [];
  const qdisc = `qdisc ${dev} ${formatHandle((parent & 0xffff0000) >>> 0)}`;
  const minor = parent & 0xffff;
  if (parent === TC_H.INGRESS || minor === 0 || minor >= TC_H.MIN_INGRESS) return [qdisc];
  return [qdisc, `class ${dev} ${formatHandle(parent)}`];
}

/** The u32 options this layer writes (and `hash`, `flags`: where the kernel put it, its state). */
const U32_OPTIONS = new Set(["sel", "hash", "classid", "flags", "pcnt"]);
/** TCA_CLS_FLAGS_SKIP_HW | TCA_CLS_FLAGS_SKIP_SW: asked for, not written here. */
const SKIP_FLAGS = 3;
/** The bit the kernel sets in the id of a u32 hash table it makes (a priority's root table). */
const U32_ROOT_TABLE = 0x800;

/**
 * A filter message as a document entry, undefined for the kernel's own (a classifier's head,
 * u32's root hash tables), or the reason it is not modelled.
 */
function filterEntry(v: TcMessage, dev: string, hook: boolean): TcState | string | undefined {
  const g = v as unknown as Json;
  const handle = g.handle as number;
  if (!handle) return undefined;
  if (g.kind !== "u32") return `filter kind ${g.kind} is not modelled`;
  const o = (g.options ?? {}) as Json;
  const table = handle >>> 20;
  const sel = o.sel as { flags: number; keys: U32KeyView[] } | undefined;
  if (!sel) {
    if (table & U32_ROOT_TABLE && (handle & 0xfffff) === 0 && o.divisor === 1) return undefined;
    return `u32 hash tables other than the kernel's are not modelled`;
  }
  if (hook) return "filters on clsact's hooks are not modelled";
  if (!(table & U32_ROOT_TABLE) || (handle >>> 12) & 0xff) {
    return "u32 filters in hash tables of their own are not modelled";
  }
  const extra = attrNames(o).filter((k) => !U32_OPTIONS.has(k));
  if (extra.length) {
    const act = o.act as { kind?: string }[] | undefined;
    const what = extra.map((k) =>
      k === "act" && act ? `actions (${act.map((a) => a.kind).join(", ")})` : k
    );
    return `u32 filters with ${what.join(", ")} are not modelled`;
  }
  if ((o.flags as number ?? 0) & SKIP_FLAGS) {
    return "u32 filters with skip_hw/skip_sw are not modelled";
  }
  if (sel.flags & ~1 || sel.keys.some((k) => k.offmask)) {
    return "u32 filters with variable offsets are not modelled";
  }
  const info = g.info as number;
  const options: Record<string, string | string[]> = {
    keys: sel.keys.map((k) => u32Key(k.val, k.mask, k.off)),
  };
  if (o.classid !== undefined) options.classid = handleText(o.classid as number, "class");
  return {
    object: "filter",
    dev,
    kind: "u32",
    handle: u32Handle(handle),
    parent: handleText(g.parent as number, "parent"),
    priority: info >>> 16,
    protocol: protocolName(((info & 0xff) << 8) | ((info >>> 8) & 0xff)),
    options,
  };
}

type U32KeyView = { val: number; mask: number; off: number; offmask: number };

/** A filter's name as tc shows it, for the unmanaged list. */
function filterName(v: TcMessage, parent: string): string {
  const g = v as unknown as Json;
  const info = g.info as number, handle = g.handle as number;
  const h = g.kind === "u32" ? u32Handle(handle) : `0x${handle.toString(16)}`;
  const protocol = protocolName(((info & 0xff) << 8) | ((info >>> 8) & 0xff));
  return `filter ${g.kind} ${h} parent ${parent} prio ${info >>> 16} protocol ${protocol}`;
}

async function read(ns: NamespaceContext): Promise<TcState[]> {
  const out: TcState[] = [];
  const devs = new Set<number>();
  const parents: [number, number, string][] = [];
  for (const v of await ns.db.ip.getQdiscs()) {
    const g = v as unknown as Json;
    const index = g.index as number, handle = g.handle as number, kind = g.kind as string;
    const dev = ns.nameOf(index);
    if (dev === undefined || handle === 0) continue;
    const e = tcEntry("qdisc", v, dev);
    if (!e) {
      const parent = handleText(g.parent as number, "parent");
      ns.unmanaged.add({
        kind: "tc",
        dev,
        object: `qdisc ${kind} ${handleText(handle, "qdisc")} parent ${parent}`,
        reason: `qdisc kind ${kind} is not modelled`,
      }, ...holders(dev, g.parent as number));
      continue;
    }
    out.push(e);
    if (e.kind === "htb") devs.add(index);
    if (e.kind === "htb" || e.kind === "ingress") parents.push([index, handle, dev]);
    if (e.kind === "clsact") {
      parents.push([index, tcHandle(0xffff, TC_H.MIN_INGRESS), dev]);
      parents.push([index, tcHandle(0xffff, TC_H.MIN_EGRESS), dev]);
    }
  }
  for (const index of devs) {
    for (const v of await ns.db.ip.getClasses({ index })) {
      const dev = ns.nameOf(index)!;
      const e = tcEntry("class", v, dev);
      if (!e) continue;
      out.push(e);
      // A class has a filter block of its own (classifying again below it).
      parents.push([index, (v as unknown as Json).handle as number, dev]);
    }
  }
  for (const [index, parent, dev] of parents) {
    const hook = (parent & 0xffff) >= TC_H.MIN_INGRESS;
    for (const v of await ns.db.ip.getFilters({ index, parent })) {
      const e = filterEntry(v, dev, hook);
      if (typeof e === "object") out.push(e);
      else if (e !== undefined) {
        const at = hook
          ? (parent & 0xffff) === TC_H.MIN_INGRESS ? "ingress" : "egress"
          : handleText(parent, "parent");
        ns.unmanaged.add(
          { kind: "tc", dev, object: filterName(v, at), reason: e },
          ...holders(dev, parent),
        );
      }
    }
  }
  for (const e of out) if (e.object !== "filter") LEVELS.set(e, treeLevel(e, out));
  const rank = (e: TcState) => e.object === "filter" ? 100 : LEVELS.get(e)!;
  return out.sort((a, b) => rank(a) - rank(b) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function key(e: TcState): string {
  return e.object === "filter"
    ? `filter ${e.dev} ${e.parent} ${e.priority} ${e.protocol} ${e.handle}`
    : `${e.object} ${e.dev} ${e.handle}`;
}

function spec(e: TcState, cmd: "add" | "del" | "replace"): Request {
  if (e.object === "filter") {
    const s: Record<string, unknown> = {
      parent: e.parent,
      prio: e.priority,
      protocol: e.protocol,
      handle: u32HandleNumber(e.handle, "handle"),
    };
    if (cmd !== "del") {
      const o = e.options ?? {};
      s.keys = (o.keys as string[]).map((k) => k.replace(/^(\w+)\/(\w+)/, "0x$1/0x$2"));
      if (o.classid !== undefined) s.classid = o.classid;
    }
    return { call: "tc", cmd: `${cmd}-filter`, tcKind: e.kind, spec: s, refs: { index: e.dev } };
  }
  const s: Record<string, unknown> = {};
  if (e.object === "qdisc") {
    s.handle = e.handle;
    s.parent = e.kind === "clsact" ? "clsact" : e.parent;
  } else {
    s.classid = e.handle;
    s.parent = e.parent;
  }
  if (cmd !== "del") {
    const o = e.options ?? {};
    for (const [k, v] of Object.entries(o)) {
      s[k] = k === "rate" || k === "ceil" ? `${v}bit` : v;
    }
  }
  return {
    call: "tc",
    cmd: e.object === "qdisc" ? cmd : `${cmd}-class`,
    tcKind: e.kind,
    spec: s,
    refs: { index: e.dev },
  };
}

const simple = (d: number): SimpleKind<TcState> => ({
  name: "tc",
  label: "tc",
  key,
  show: (e) =>
    `${e.object} ${e.kind} ${e.handle} dev ${e.dev} parent ${e.parent}${
      e.object === "filter" ? ` prio ${e.priority} protocol ${e.protocol}` : ""
    }${e.options ? ` ${stableJson(e.options)}` : ""}`,
  add: (e) => spec(e, "add"),
  del: (e) => spec(e, "del"),
  replace: (e) => spec(e, "replace"),
  same: sameJson,
  phases: { create: PHASE.tcCreate + d, delete: PHASE.tcDelete - d },
});
const BY_DEPTH = new Map<number, SimpleKind<TcState>>();

/**
 * How deep a qdisc or class sits in its device's tree (a root or ingress qdisc: 0, its classes
 * 1, a class in a class 2, a qdisc under a class one more, …), from the entries of its namespace
 * (`all`); a parent not among them counts as one level. Filters are made after all of them.
 */
function treeLevel(e: TcState, all: readonly TcState[] | undefined): number {
  let level = 0;
  const seen = new Set<string>();
  for (let at: TcState | undefined = e; at && !seen.has(at.parent);) {
    const parent: string = at.parent;
    if (parent === "root" || parent === "ingress") break;
    seen.add(parent);
    level++;
    // "1:" names a qdisc, "1:10" a class.
    const object: TcState["object"] = parent.endsWith(":") ? "qdisc" : "class";
    at = all?.find((x) => x.object === object && x.dev === e.dev && x.handle === parent);
  }
  return level;
}

/** The tree levels of the entries `read` returned (what sits in another is removed first). */
const LEVELS = new WeakMap<TcState, number>();

/** The phase offset of an entry: filters last; qdiscs and classes by their tree level. */
function order(ctx: PlanContext, now?: TcState, want?: TcState): number {
  const e = (want ?? now)!;
  if (e.object === "filter") return 1;
  const level = want ? treeLevel(want, ctx.want.tc) : LEVELS.get(now!) ?? 0;
  return Math.min(level, 99) / 100;
}

/** Traffic control: see the module documentation. */
export const TC: Kind<TcState> = {
  name: "tc",
  check,
  key,
  read,
  steps: (ctx, now, want) => {
    const d = order(ctx, now, want);
    let k = BY_DEPTH.get(d);
    if (!k) BY_DEPTH.set(d, k = simple(d));
    return simpleSteps(k, ctx, now, want);
  },
};
