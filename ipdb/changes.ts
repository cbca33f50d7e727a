/**
 * The source of `db.changes()`: a bounded queue of the changes the database applies, with an
 * `overflow` item when a slow reader made it drop some. `db.changes()` wraps it in a
 * {@link Subscription}: registered when the call returns, ended by `close()`, a signal, or the
 * database closing.
 *
 * @module
 */

import { describeValue } from "../netlink/addr.ts";
import { checkKeys, KeySet } from "../netlink/strict.ts";
import type { SubscriptionSource } from "../netlink/subscription.ts";
import type { IPDBChange } from "./db.ts";

/** The kinds of change `changes({ kinds })` selects from. */
export const CHANGE_KINDS = ["interface", "address", "route", "rule"] as const;

/** What every subscription gets, whatever its `kinds`. */
const ALWAYS: ReadonlySet<string> = new Set(["resync", "overflow", "error"]);

/** Checks a `kinds` option: a TypeError or RangeError naming the field. */
export function checkKinds(
  kinds: unknown,
  allowed: readonly string[] = CHANGE_KINDS,
): ReadonlySet<string> | undefined {
  if (kinds === undefined) return undefined;
  if (!Array.isArray(kinds)) {
    throw new TypeError(`kinds: expected an array of ${allowed.map((k) => `"${k}"`).join(", ")}`);
  }
  kinds.forEach((k, i) => {
    if (!allowed.includes(k)) {
      throw new RangeError(
        `kinds[${i}]: expected one of ${allowed.map((k) => `"${k}"`).join(", ")}, got ${
          JSON.stringify(k)
        }`,
      );
    }
  });
  return new Set(kinds);
}

const CHANGES_OPTIONS = new KeySet("changes option", ["signal", "limit", "kinds"]);

/**
 * Checks `changes()`'s options (keys, `limit`, `signal`, `kinds` among `allowed`): a TypeError
 * or RangeError naming the field. Returns the queue's limit (default 100000) and the kinds.
 */
export function checkChangesOptions(
  options: { signal?: unknown; limit?: unknown; kinds?: unknown },
  allowed: readonly string[] = CHANGE_KINDS,
): { limit: number; kinds: ReadonlySet<string> | undefined } {
  checkKeys(options, CHANGES_OPTIONS);
  const limit = options.limit ?? 100_000;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
    throw new RangeError("limit: expected a positive integer");
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError(`signal: expected an AbortSignal, got ${describeValue(options.signal)}`);
  }
  return { limit, kinds: checkKinds(options.kinds, allowed) };
}

/**
 * A queue of changes, read through a Subscription; `end()` finishes it. `T` is the kind of
 * item (IPDB's, or MultiIPDB's); either has an `overflow` item.
 */
export class ChangeStream<T extends { kind: string } = IPDBChange>
  implements SubscriptionSource<T> {
  #queue: T[] = [];
  #dropped = 0;
  #ended = false;
  #wake?: () => void;
  readonly #limit: number;
  readonly #detach: () => void;
  readonly #kinds?: ReadonlySet<string>;

  /**
   * A queue of at most `limit` changes; `detach` unregisters it from the database. With
   * `kinds`, only changes of those kinds are queued (and `resync`, `overflow`, `error`).
   */
  constructor(limit: number, detach: () => void, kinds?: ReadonlySet<string>) {
    this.#limit = limit;
    this.#detach = detach;
    this.#kinds = kinds;
  }

  /** Whether changes of `kind` are queued. */
  accepts(kind: string): boolean {
    return !this.#kinds || this.#kinds.has(kind) || ALWAYS.has(kind);
  }

  /** Queues a change (dropping the oldest when full). */
  push(c: T): void {
    if (this.#ended || !this.accepts(c.kind)) return;
    if (this.#queue.length >= this.#limit) {
      this.#queue.shift();
      this.#dropped++;
    }
    this.#queue.push(c);
    this.#wake?.();
  }

  /** No more changes: the reader ends after what is queued. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#detach();
    this.#wake?.();
  }

  /** What is queued (an overflow item first when some were dropped); null once ended. */
  poll(): T[] | null {
    const out: T[] = [];
    if (this.#dropped) {
      out.push({ kind: "overflow", dropped: this.#dropped } as unknown as T);
      this.#dropped = 0;
    }
    out.push(...this.#queue);
    this.#queue = [];
    if (out.length === 0 && this.#ended) return null;
    return out;
  }

  /** Resolves at the next change (or end); rejects when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#wake = undefined;
        reject(signal.reason);
      };
      this.#wake = () => {
        this.#wake = undefined;
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Same as {@link end}. */
  close(): void {
    this.end();
  }
}
