/**
 * A subscription: what a monitor call returns once its socket is bound and subscribed. Events
 * the kernel sends after the call returned and before the first `next()` wait in the socket, so
 * nothing between "subscribe" and "read" is lost.
 *
 * @module
 */

/**
 * A live stream of events over its own socket: iterate it (`for await`), and close it (or let
 * `using` close it). Closing ends a running iteration and is harmless twice.
 */
export class Subscription<T> implements AsyncIterable<T>, AsyncIterator<T>, Disposable {
  readonly #source: AsyncIterator<T>;
  readonly #close: () => void;
  #closed = false;

  /** Wraps `source` (events read from the socket) and `close` (closes the socket). */
  constructor(source: AsyncIterator<T>, close: () => void) {
    this.#source = source;
    this.#close = close;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The next event; `done` once closed. */
  async next(): Promise<IteratorResult<T>> {
    if (this.#closed) return { value: undefined, done: true };
    const r = await this.#source.next();
    if (r.done) this.close();
    return r;
  }

  /** Ends the iteration (a `break` out of `for await`) and closes the socket. */
  async return(): Promise<IteratorResult<T>> {
    this.close();
    await this.#source.return?.();
    return { value: undefined, done: true };
  }

  /** The subscription itself: one iteration per subscription. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this;
  }

  /** Closes the socket; a pending `next()` ends. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
