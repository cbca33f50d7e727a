/**
 * Waiters of the database: a commit waits for a check to hold, tested again on each event that
 * can change its answer (events of its interface indexes, of its route destinations, any rule
 * or link event) and after every resynchronisation; a timer ends the wait at its deadline.
 *
 * @module
 */

import type { WaitKeys } from "./commit.ts";

interface Waiter {
  check: () => boolean;
  done: (ok: boolean) => void;
  fail: (e: Error) => void;
}

/** The pending waits, indexed by the events that wake them. */
export class Waiters {
  readonly #byIndex = new Map<number, Set<Waiter>>();
  readonly #byRoute = new Map<string, Set<Waiter>>();
  readonly #anyLink = new Set<Waiter>();
  readonly #rules = new Set<Waiter>();
  readonly #all = new Set<Waiter>();

  /** Resolves true once `check()` holds (tested when the keys' events come), false at `deadline`. */
  wait(keys: WaitKeys, check: () => boolean, deadline: number): Promise<boolean> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.resolve(check());
    return new Promise<boolean>((resolve, reject) => {
      const sets: Set<Waiter>[] = [this.#all];
      for (const i of keys.indexes ?? []) sets.push(setOf(this.#byIndex, i));
      for (const k of keys.routes ?? []) sets.push(setOf(this.#byRoute, k));
      if (keys.rules) sets.push(this.#rules);
      if (keys.anyLink) sets.push(this.#anyLink);
      const unregister = () => {
        clearTimeout(timer);
        for (const s of sets) s.delete(w);
        for (const i of keys.indexes ?? []) dropEmpty(this.#byIndex, i);
        for (const k of keys.routes ?? []) dropEmpty(this.#byRoute, k);
      };
      const w: Waiter = {
        check,
        done: (ok) => {
          unregister();
          resolve(ok);
        },
        fail: (e) => {
          unregister();
          reject(e);
        },
      };
      const timer = setTimeout(() => w.done(check()), remaining);
      for (const s of sets) s.add(w);
    });
  }

  /** A link or address event of `index` (`link`: a link event, which any-link waits see). */
  index(index: number, link: boolean): void {
    poke(this.#byIndex.get(index));
    if (link) poke(this.#anyLink);
  }

  /** A route event of `"table prefix"`. */
  route(key: string): void {
    poke(this.#byRoute.get(key));
  }

  /** Whether anyone waits for route events (else a route event needs no view). */
  get routeWaits(): boolean {
    return this.#byRoute.size > 0;
  }

  /** A rule event. */
  rule(): void {
    poke(this.#rules);
  }

  /** Everything may have changed (a resynchronisation): every check is tested. */
  all(): void {
    poke(this.#all);
  }

  /** Fails every wait (the database closed). */
  failAll(error: Error): void {
    for (const w of [...this.#all]) w.fail(error);
  }
}

function setOf<K>(m: Map<K, Set<Waiter>>, k: K): Set<Waiter> {
  let s = m.get(k);
  if (!s) m.set(k, s = new Set());
  return s;
}

function dropEmpty<K>(m: Map<K, Set<Waiter>>, k: K): void {
  if (m.get(k)?.size === 0) m.delete(k);
}

function poke(set: Set<Waiter> | undefined): void {
  if (!set || set.size === 0) return;
  for (const w of [...set]) if (w.check()) w.done(true);
}
