/**
 * Lazy lists of messages: a dump's datagrams are kept as received, and the list holds only
 * where each message starts in them (a `Uint32Array`, 4 bytes a message, plus one entry per
 * datagram). A view is made when an element is read and dropped when nobody holds it, so
 * holding a million routes costs their bytes and an offset table, not a million objects.
 *
 * A list is an `Array` to every test JavaScript has: `Array.isArray` is true, its prototype is
 * `Array.prototype`, `length`, `list[i]`, spreading, `JSON.stringify`, `node:assert`'s
 * `deepEqual` and every array method work. It is a `Proxy` over an empty array of the same
 * length: iteration, `at`, `map`, `filter`, `find`, `some`, `every`, `forEach`, `slice`,
 * `reduce` and `toJSON` run directly over the offsets; any other method goes through the
 * element traps. The first change (`list[i] = x`, `push`, `sort`, …) turns the list into an
 * ordinary array of views, so it behaves as one from then on.
 *
 * Each read makes a fresh view (`list[0] !== list[0]`): keep the view in a variable to keep one
 * object. Nothing is cached, so a read view is garbage as soon as the caller drops it.
 *
 * @module
 */

import { plain } from "./view.ts";
import type { ResultCollector } from "./engine.ts";

/** The constructor of a message view (a typed view class of netlink/view.ts). */
export type ListViewCtor<T> = new (
  dv: DataView,
  u8: Uint8Array,
  offset: number,
  length: number,
) => T;

/**
 * An array of message views that makes each view when it is read (see the module doc). It is a
 * real `Array` to `Array.isArray`; these two methods are added.
 */
export interface MessageList<T> extends Array<T> {
  /** Every element as a view in an ordinary array (one object per message: for small lists). */
  toArray(): T[];
  /** Every element as a plain object (its view's `toJSON()`); what `JSON.stringify` writes. */
  toJSON(): unknown[];
}

/** Collects message positions while a dump runs (a dump decoder calls {@link add}). */
export class MessageListBuilder implements ResultCollector<never> {
  /** The datagrams, in order. */
  readonly views: DataView[] = [];
  /** Their bytes. */
  readonly bytes: Uint8Array[] = [];
  /** For each message, its offset in its datagram. */
  offsets: Uint32Array = new Uint32Array(64);
  /** For each datagram, the number of messages before it. */
  starts: number[] = [];
  /** Messages recorded. */
  count = 0;
  #last?: DataView;

  /** Records the message at `offset` of the datagram `dv`/`u8` (its length is in its header). */
  add(dv: DataView, u8: Uint8Array, offset: number, _length?: number): void {
    if (dv !== this.#last) {
      this.#last = dv;
      this.views.push(dv);
      this.bytes.push(u8);
      this.starts.push(this.count);
    }
    if (this.count === this.offsets.length) {
      const grown = new Uint32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.count++] = offset;
  }

  /** Adds what `other` recorded after what this one holds (the dumps of several requests). */
  append(other: MessageListBuilder): void {
    for (let d = 0; d < other.views.length; d++) {
      this.views.push(other.views[d]);
      this.bytes.push(other.bytes[d]);
      this.starts.push(this.count + other.starts[d]);
    }
    if (this.count + other.count > this.offsets.length) {
      let size = this.offsets.length;
      while (size < this.count + other.count) size *= 2;
      const grown = new Uint32Array(size);
      grown.set(this.offsets.subarray(0, this.count));
      this.offsets = grown;
    }
    this.offsets.set(other.offsets.subarray(0, other.count), this.count);
    this.count += other.count;
    this.#last = undefined;
  }

  /** How many messages are recorded (the engine's {@link ResultCollector} reads it). */
  get length(): number {
    return this.count;
  }

  /**
   * The engine's {@link ResultCollector} interface: a decoder that records messages with
   * {@link add} returns nothing, so nothing is pushed.
   */
  push(_value: never): void {}

  /** The list of what was recorded, read with `ctor`. */
  list<T>(ctor: ListViewCtor<T>): MessageList<T> {
    const starts = new Uint32Array(this.starts.length + 1);
    starts.set(this.starts);
    starts[this.starts.length] = this.count;
    // The builder's table doubles as it grows: a mostly full one is kept as it is (a copy would
    // briefly need both), a mostly empty one is copied tight.
    const n = this.count, table = this.offsets;
    const offsets = 4 * n >= 3 * table.length ? table.subarray(0, n) : table.slice(0, n);
    return messageList(new Store(ctor, this.views, this.bytes, offsets, starts));
  }
}

/** What a list reads: the datagrams and where its messages lie in them. */
class Store<T> {
  /** The datagram of the last read (sequential reads find it without a search). */
  d = 0;

  constructor(
    readonly ctor: ListViewCtor<T>,
    readonly views: readonly DataView[],
    readonly bytes: readonly Uint8Array[],
    readonly offsets: Uint32Array,
    // starts[d] = index of datagram d's first message; one more entry: the count.
    readonly starts: Uint32Array,
  ) {}

  get length(): number {
    return this.offsets.length;
  }

  /** The datagram holding message `i` (0 <= i < length). */
  datagram(i: number): number {
    const s = this.starts;
    const d = this.d;
    if (i >= s[d] && i < s[d + 1]) return d;
    if (i >= s[d + 1] && i < s[d + 2]) return this.d = d + 1;
    let lo = 0, hi = s.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return this.d = lo;
  }

  /** A fresh view of message `i` in datagram `d`. */
  make(i: number, d: number): T {
    const dv = this.views[d], off = this.offsets[i];
    return new this.ctor(dv, this.bytes[d], off, dv.getUint32(off, true));
  }

  /** The view of message `i` (0 <= i < length). */
  at(i: number): T {
    return this.make(i, this.datagram(i));
  }

  /** The messages whose indexes `keep` lists, in order, over the same datagrams. */
  subset(keep: Uint32Array): Store<T> {
    const offsets = new Uint32Array(keep.length);
    const starts: number[] = [];
    let d = -1;
    for (let k = 0; k < keep.length; k++) {
      const i = keep[k];
      const di = this.datagram(i);
      while (d < di) {
        starts.push(k);
        d++;
      }
      offsets[k] = this.offsets[i];
    }
    // Datagrams after the last kept message hold none of the subset.
    while (d < this.views.length) {
      starts.push(keep.length);
      d++;
    }
    return new Store(this.ctor, this.views, this.bytes, offsets, Uint32Array.from(starts));
  }
}

/** The elements of a store, in order, with a cursor instead of a search per element. */
function* elements<T>(s: Store<T>): Generator<T, undefined, undefined> {
  const n = s.length, starts = s.starts;
  let d = 0;
  for (let i = 0; i < n; i++) {
    while (i >= starts[d + 1]) d++;
    yield s.make(i, d);
  }
  return undefined;
}

/** `i` if `key` is a canonical array index below `n`, else -1. */
function indexOf(key: string | symbol, n: number): number {
  if (typeof key !== "string") return -1;
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return -1;
  const i = +key;
  if (i < n && Number.isInteger(i) && (key.length === 1 || c !== 48) && String(i) === key) {
    return i;
  }
  return -1;
}

type Fn<T, R> = (value: T, index: number, list: T[]) => R;

/** The methods a list answers itself, made once per list on first use. */
function methods<T>(s: Store<T>, self: () => T[]): Record<PropertyKey, unknown> {
  const each = (fn: (v: T, i: number) => boolean | void): void => {
    const n = s.length, starts = s.starts;
    let d = 0;
    for (let i = 0; i < n; i++) {
      while (i >= starts[d + 1]) d++;
      if (fn(s.make(i, d), i) === true) return;
    }
  };
  const callable = (fn: unknown, name: string): void => {
    if (typeof fn !== "function") throw new TypeError(`${name}: ${String(fn)} is not a function`);
  };
  return {
    [Symbol.iterator]: () => elements(s),
    values: () => elements(s),
    at(i: number): T | undefined {
      const n = s.length;
      let k = Math.trunc(Number(i)) || 0;
      if (k < 0) k += n;
      return k >= 0 && k < n ? s.at(k) : undefined;
    },
    forEach(fn: Fn<T, unknown>, that?: unknown): void {
      callable(fn, "forEach");
      const list = self();
      each((v, i) => void fn.call(that, v, i, list));
    },
    map<U>(fn: Fn<T, U>, that?: unknown): U[] {
      callable(fn, "map");
      const list = self();
      const out: U[] = new Array(s.length);
      each((v, i) => void (out[i] = fn.call(that, v, i, list)));
      return out;
    },
    filter(fn: Fn<T, unknown>, that?: unknown): MessageList<T> {
      callable(fn, "filter");
      const list = self();
      const keep = new Uint32Array(s.length);
      let k = 0;
      each((v, i) => {
        if (fn.call(that, v, i, list)) keep[k++] = i;
      });
      return messageList(s.subset(keep.subarray(0, k)));
    },
    find(fn: Fn<T, unknown>, that?: unknown): T | undefined {
      callable(fn, "find");
      const list = self();
      let found: T | undefined;
      each((v, i) => fn.call(that, v, i, list) ? (found = v, true) : false);
      return found;
    },
    findIndex(fn: Fn<T, unknown>, that?: unknown): number {
      callable(fn, "findIndex");
      const list = self();
      let found = -1;
      each((v, i) => fn.call(that, v, i, list) ? (found = i, true) : false);
      return found;
    },
    some(fn: Fn<T, unknown>, that?: unknown): boolean {
      callable(fn, "some");
      const list = self();
      let found = false;
      each((v, i) => fn.call(that, v, i, list) ? (found = true) : false);
      return found;
    },
    every(fn: Fn<T, unknown>, that?: unknown): boolean {
      callable(fn, "every");
      const list = self();
      let all = true;
      each((v, i) => fn.call(that, v, i, list) ? false : (all = false, true));
      return all;
    },
    reduce<U>(fn: (acc: U, v: T, i: number, list: T[]) => U, ...init: [U?]): U {
      callable(fn, "reduce");
      const list = self();
      const n = s.length;
      if (init.length === 0 && n === 0) {
        throw new TypeError("reduce of an empty list with no initial value");
      }
      let acc = (init.length ? init[0] : s.at(0)) as U;
      each((v, i) => {
        if (i > 0 || init.length) acc = fn(acc, v, i, list);
      });
      return acc;
    },
    slice(start?: number, end?: number): MessageList<T> {
      const n = s.length;
      const clamp = (x: number | undefined, dflt: number) => {
        let k = x === undefined ? dflt : Math.trunc(Number(x)) || 0;
        if (k < 0) k = Math.max(0, k + n);
        return Math.min(k, n);
      };
      const a = clamp(start, 0), b = clamp(end, n);
      const keep = new Uint32Array(Math.max(0, b - a));
      for (let i = 0; i < keep.length; i++) keep[i] = a + i;
      return messageList(s.subset(keep));
    },
    toArray(): T[] {
      const out: T[] = new Array(s.length);
      each((v, i) => void (out[i] = v));
      return out;
    },
    toJSON(): unknown[] {
      const out: unknown[] = new Array(s.length);
      each((v, i) => void (out[i] = plain(v)));
      return out;
    },
  };
}

/** A list over `store` (see the module doc). */
function messageList<T>(store: Store<T>): MessageList<T> {
  const n = store.length;
  // The target has the list's length and no elements. Setting `length` would give it a backing
  // store of n holes (8 bytes each); a write far past the end makes its elements a dictionary
  // instead, which the delete leaves empty.
  const target: T[] = [];
  if (n > 0) {
    target[n - 1] = undefined as T;
    delete target[n - 1];
  }
  let own: Record<PropertyKey, unknown> | undefined;
  let real = false;
  // console.log and node:util's inspect show a proxy's target, not what its traps say: the
  // target prints the views instead of n empty slots.
  const show = (inspect: (v: unknown, o: unknown) => string, options: unknown) =>
    inspect(real ? [...target] : [...proxy], options);
  for (const sym of [Symbol.for("Deno.customInspect"), Symbol.for("nodejs.util.inspect.custom")]) {
    Object.defineProperty(target, sym, { value: show, configurable: true, writable: true });
  }
  /** Becomes an ordinary array of views: a change is about to be made. */
  const materialize = () => {
    if (real) return;
    real = true;
    let i = 0;
    for (const v of elements(store)) target[i++] = v;
  };
  const handler: ProxyHandler<T[]> = {
    get(t, key, receiver) {
      if (real) {
        if (key === "toArray") return () => [...t];
        if (key === "toJSON") return () => t.map(plain);
        return Reflect.get(t, key, receiver);
      }
      const i = indexOf(key, n);
      if (i >= 0) return store.at(i);
      if (key === "length") return n;
      own ??= methods(store, () => proxy);
      if (Object.hasOwn(own, key)) return own[key];
      return Reflect.get(t, key, receiver);
    },
    has(t, key) {
      return (!real && indexOf(key, n) >= 0) || Reflect.has(t, key);
    },
    ownKeys(t) {
      if (real) return Reflect.ownKeys(t);
      const keys: (string | symbol)[] = new Array(n);
      for (let i = 0; i < n; i++) keys[i] = String(i);
      // Only "length" (the inspect hooks are configurable and may be left out).
      keys.push("length");
      return keys;
    },
    getOwnPropertyDescriptor(t, key) {
      if (!real) {
        const i = indexOf(key, n);
        if (i >= 0) {
          return { value: store.at(i), writable: true, enumerable: true, configurable: true };
        }
      }
      return Reflect.getOwnPropertyDescriptor(t, key);
    },
    // Any change makes the list an ordinary array first.
    set(t, key, value, receiver) {
      materialize();
      return Reflect.set(t, key, value, receiver);
    },
    defineProperty(t, key, descriptor) {
      materialize();
      return Reflect.defineProperty(t, key, descriptor);
    },
    deleteProperty(t, key) {
      materialize();
      return Reflect.deleteProperty(t, key);
    },
    preventExtensions(t) {
      materialize();
      return Reflect.preventExtensions(t);
    },
    setPrototypeOf(t, proto) {
      materialize();
      return Reflect.setPrototypeOf(t, proto);
    },
  };
  const proxy = new Proxy(target, handler) as MessageList<T>;
  return proxy;
}

/** A list with no elements (what a dump of nothing answers). */
export function emptyList<T>(): MessageList<T> {
  return new MessageListBuilder().list(Object as unknown as ListViewCtor<T>);
}
