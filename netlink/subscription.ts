/**
 * What monitors return: an async iterator over a source that is already subscribed when the
 * monitor call returns (its socket bound, its groups joined), so nothing that happens between
 * the call and the first `next()` is lost: it waits in the socket. `close()`,
 * `Symbol.dispose`, `break` out of a `for await`, and an aborted signal all end it and release
 * the source.
 *
 * @module
 */

import { nextTurn, starving } from "./fairness.ts";
import { checkKeys, KeySet } from "./strict.ts";

/** Where a {@link Subscription} reads from. */
export interface SubscriptionSource<T> {
  /**
   * Items available now (without waiting), or null once the source has ended. Called again
   * until it returns an empty list; then {@link wait} is awaited.
   */
  poll(): T[] | null;
  /** Resolves when items may be available; rejects when the source closes or `signal` aborts. */
  wait(signal: AbortSignal): Promise<void>;
  /** Releases the source (closes its socket). Called once. */
  close(): void;
}

/** Options of a {@link Subscription} over a {@link SubscriptionSource}. */
export interface SubscriptionOptions {
  /** Ends the subscription. */
  signal?: AbortSignal;
  /**
   * Awaited before the first item; its rejection is thrown by the first `next()` (a
   * registration the kernel refused).
   */
  ready?: Promise<unknown>;
}

const OPTION_KEYS = new KeySet("subscription option", ["signal", "ready"]);

/**
 * A subscribed event stream: an async iterator (one consumer; calls are served in order) with
 * `close()` and `Symbol.dispose`/`Symbol.asyncDispose`.
 */
export class Subscription<T> implements AsyncIterableIterator<T>, Disposable, AsyncDisposable {
  readonly #source: SubscriptionSource<T>;
  readonly #stop = new AbortController();
  readonly #signal?: AbortSignal;
  readonly #onAbort = () => this.close();
  #ready?: Promise<unknown>;
  #queue: T[] = [];
  #closed = false;
  #chain: Promise<unknown> = Promise.resolve();

  /**
   * A subscription over `source` (polled, then awaited), or over an async iterator of events
   * read from an already subscribed socket, with `close` closing that socket.
   */
  constructor(source: SubscriptionSource<T>, options?: SubscriptionOptions);
  /** A subscription over an async iterator; `close` releases its socket. */
  constructor(source: AsyncIterator<T>, close: () => void);
  constructor(
    source: SubscriptionSource<T> | AsyncIterator<T>,
    second?: SubscriptionOptions | (() => void),
  ) {
    this.#source = typeof second === "function"
      ? iteratorSource(source as AsyncIterator<T>, second)
      : source as SubscriptionSource<T>;
    if (typeof second !== "function" && second !== undefined) checkKeys(second, OPTION_KEYS);
    const { signal, ready } = typeof second === "function" ? {} : second ?? {};
    this.#signal = signal;
    if (ready) {
      // Observed now: a refusal is reported by next(), never as an unhandled rejection.
      ready.catch(() => {});
      this.#ready = ready;
    }
    if (signal?.aborted) this.close();
    else signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Whether the subscription has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The next item; `done` once closed, aborted or the source ended. */
  next(): Promise<IteratorResult<T>> {
    const r = this.#chain.then(() => this.#next());
    this.#chain = r.catch(() => {});
    return r;
  }

  async #next(): Promise<IteratorResult<T>> {
    if (this.#ready) {
      const ready = this.#ready;
      this.#ready = undefined;
      try {
        await ready;
      } catch (e) {
        this.close();
        throw e;
      }
    }
    for (;;) {
      if (this.#queue.length > 0) return { value: this.#queue.shift()!, done: false };
      if (this.#closed) return { value: undefined, done: true };
      if (starving()) {
        // A flood of events must not keep the event loop from turning.
        await nextTurn();
        continue;
      }
      let items: T[] | null;
      try {
        items = this.#source.poll();
      } catch (e) {
        if (this.#closed) return { value: undefined, done: true };
        this.close();
        throw e;
      }
      if (items === null) {
        this.close();
        continue;
      }
      if (items.length > 0) {
        this.#queue = items;
        continue;
      }
      try {
        await this.#source.wait(this.#stop.signal);
      } catch (e) {
        if (this.#closed) continue;
        this.close();
        throw e;
      }
    }
  }

  /** Ends the subscription (what `break` in a `for await` calls). */
  return(value?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: value as T, done: true });
  }

  /** Ends the subscription and throws `error`. */
  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.reject(error);
  }

  /** Ends the subscription and releases its socket. Closing twice is harmless. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#stop.abort(new Error("the subscription was closed"));
    this.#source.close();
  }

  /** This object. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/**
 * A source over an async iterator: each poll hands out what the iterator produced; the wait is
 * the iterator's own `next()`.
 */
function iteratorSource<T>(it: AsyncIterator<T>, close: () => void): SubscriptionSource<T> {
  let got: T[] = [];
  let ended = false;
  return {
    poll() {
      if (ended) return null;
      const out = got;
      got = [];
      return out;
    },
    async wait(signal) {
      const aborted = new Promise<never>((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
      aborted.catch(() => {});
      const r = await Promise.race([it.next(), aborted]);
      if (r.done) ended = true;
      else got.push(r.value);
    },
    close() {
      ended = true;
      close();
      it.return?.()?.catch(() => {});
    },
  };
}
