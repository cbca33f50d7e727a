/**
 * The iterator `db.changes()` returns: a bounded queue of the changes the database applies,
 * with an `overflow` item when a slow reader made it drop some.
 *
 * @module
 */

import type { IPDBChange } from "./db.ts";

/** A queue of changes read as an async iterator; `end()` finishes it. */
export class ChangeStream implements AsyncIterableIterator<IPDBChange> {
  queue: IPDBChange[] = [];
  dropped = 0;
  ended = false;
  wake?: (r: IteratorResult<IPDBChange>) => void;
  readonly limit: number;
  readonly detach: () => void;
  readonly #signal?: AbortSignal;
  readonly #onAbort = () => this.end();

  constructor(limit: number, detach: () => void, signal?: AbortSignal) {
    this.limit = limit;
    this.detach = detach;
    this.#signal = signal;
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  push(c: IPDBChange): void {
    if (this.ended) return;
    if (this.wake) {
      const w = this.wake;
      this.wake = undefined;
      w({ value: c, done: false });
      return;
    }
    if (this.queue.length >= this.limit) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(c);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.detach();
    const w = this.wake;
    this.wake = undefined;
    w?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<IPDBChange>> {
    if (this.dropped) {
      const dropped = this.dropped;
      this.dropped = 0;
      return Promise.resolve({ value: { kind: "overflow", dropped }, done: false });
    }
    const c = this.queue.shift();
    if (c) return Promise.resolve({ value: c, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((r) => (this.wake = r));
  }

  return(): Promise<IteratorResult<IPDBChange>> {
    this.end();
    this.queue = [];
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<IPDBChange> {
    return this;
  }
}
