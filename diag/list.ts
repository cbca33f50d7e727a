/**
 * A lazy list of sockets: the dump's datagrams are kept as received, and the list holds only
 * where each message lies in them. A view object is made when an element is read and dropped
 * when nobody holds it, so a dump of 100k sockets costs its datagrams plus 12 bytes a socket.
 *
 * @module
 */

import { plain } from "../netlink/view.ts";

/** The constructor of a socket view (a typed message view class). */
export type SocketViewCtor<T> = new (
  dv: DataView,
  u8: Uint8Array,
  offset: number,
  length: number,
) => T;

/** Collects message positions while a dump runs (the engine's decoder calls {@link add}). */
export class SocketListBuilder {
  /** The datagrams, in order. */
  readonly views: DataView[] = [];
  /** Their bytes. */
  readonly bytes: Uint8Array[] = [];
  /** For each message: datagram number, offset, length. */
  index: Int32Array = new Int32Array(3 * 64);
  /** Messages recorded. */
  count = 0;
  #last?: DataView;

  /** Records the message at `offset` (`length` bytes) of the datagram `dv`/`u8`. */
  add(dv: DataView, u8: Uint8Array, offset: number, length: number): void {
    if (dv !== this.#last) {
      this.#last = dv;
      this.views.push(dv);
      this.bytes.push(u8);
    }
    let index = this.index;
    const at = 3 * this.count;
    if (at + 3 > index.length) {
      index = new Int32Array(index.length * 2);
      index.set(this.index);
      this.index = index;
    }
    index[at] = this.views.length - 1;
    index[at + 1] = offset;
    index[at + 2] = length;
    this.count++;
  }
}

/**
 * Sockets from a dump, read on demand: `length`, `at(i)`, iteration, `filter`, `map`, `find`,
 * `toArray()`, `toJSON()`. Each read of an element makes a fresh view over the kept bytes
 * (cheap: a view decodes nothing until a field is read).
 */
export class SocketList<T> implements Iterable<T> {
  readonly #ctor: SocketViewCtor<T>;
  readonly #views: readonly DataView[];
  readonly #bytes: readonly Uint8Array[];
  readonly #index: Int32Array;
  /** How many sockets the list holds. */
  readonly length: number;

  /**
   * A list over the messages `index` places in the datagrams (three numbers each: datagram,
   * offset, length), read with `ctor`.
   */
  constructor(
    ctor: SocketViewCtor<T>,
    views: readonly DataView[],
    bytes: readonly Uint8Array[],
    index: Int32Array,
  ) {
    this.#ctor = ctor;
    this.#views = views;
    this.#bytes = bytes;
    this.#index = index;
    this.length = Math.floor(index.length / 3);
  }

  /** The list of what `builder` recorded, read with `ctor`. */
  static from<T>(ctor: SocketViewCtor<T>, builder: SocketListBuilder): SocketList<T> {
    const index = builder.index.subarray(0, 3 * builder.count);
    return new SocketList(ctor, builder.views, builder.bytes, index);
  }

  #view(i: number): T {
    const x = this.#index, k = 3 * i;
    const d = x[k];
    return new this.#ctor(this.#views[d], this.#bytes[d], x[k + 1], x[k + 2]);
  }

  /** The socket at `i` (negative counts from the end), or undefined. */
  at(i: number): T | undefined {
    const n = this.length;
    const k = Math.trunc(i) < 0 ? Math.trunc(i) + n : Math.trunc(i);
    return k >= 0 && k < n ? this.#view(k) : undefined;
  }

  /** Every socket in order. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.length; i++) yield this.#view(i);
  }

  /** The sockets `keep` accepts, as a list over the same bytes. */
  filter(keep: (socket: T, index: number) => boolean): SocketList<T> {
    const out = new Int32Array(this.#index.length);
    let n = 0;
    for (let i = 0; i < this.length; i++) {
      if (!keep(this.#view(i), i)) continue;
      out.set(this.#index.subarray(3 * i, 3 * i + 3), n);
      n += 3;
    }
    return new SocketList(this.#ctor, this.#views, this.#bytes, out.subarray(0, n));
  }

  /** The first socket `match` accepts. */
  find(match: (socket: T, index: number) => boolean): T | undefined {
    for (let i = 0; i < this.length; i++) {
      const s = this.#view(i);
      if (match(s, i)) return s;
    }
    return undefined;
  }

  /** Whether `match` accepts any socket. */
  some(match: (socket: T, index: number) => boolean): boolean {
    return this.find(match) !== undefined;
  }

  /** `fn` of every socket, as an array. */
  map<U>(fn: (socket: T, index: number) => U): U[] {
    const out: U[] = new Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = fn(this.#view(i), i);
    return out;
  }

  /** Calls `fn` for every socket. */
  forEach(fn: (socket: T, index: number) => void): void {
    for (let i = 0; i < this.length; i++) fn(this.#view(i), i);
  }

  /** Every socket as a view in an array (one object per socket: for small lists). */
  toArray(): T[] {
    return this.map((s) => s);
  }

  /** Every socket as a plain object (its view's `toJSON()`). */
  toJSON(): unknown[] {
    return this.map((s) => plain(s));
  }
}
