/**
 * The tracked-object base of IPDB's interfaces, routes and rules: pending changes that reads
 * show and `review()` lists, `rollback()`, `remove()`, `commit()` and `transaction(fn)`. Each
 * kind supplies a {@link TrackedState}: its pending changes and a planner that turns them into
 * a {@link Plan} without changing anything; the commit protocol (`commit.ts`) does the rest.
 *
 * The state is internal: {@link stateOf} gives it to the database and the commit protocol, and
 * nothing of it is part of the public API.
 *
 * A new kind of object takes three parts:
 * - its pending type (`create?`, `remove`, and what it changes);
 * - a `TrackedState` subclass: `label`, `empty`, `isEmpty`, `merge` (a failed commit's changes
 *   go back under what was written since), `review`, and `plan()`, which only reads (the store,
 *   `this.pending`) and returns a `Plan`: steps with `run`/`undo` and `ours`/`undone` checks,
 *   `waitKeys`, `unconfirmed` (what the kernel does not show yet, by the store's own keys:
 *   `keys.ts`), optionally `prepare`, `repair`, `done` (follow the object's new identity);
 * - a `Tracked` subclass, the public face: getters that read the store (pending value first)
 *   and setters that validate, write `state.pending` and call `state.touch()`.
 * Commits of several objects (a transaction) go through `commitAll(ctx, states)`.
 *
 * @module
 */

import { checkArgs, suggestion } from "../netlink/strict.ts";
import { commitAll } from "./commit.ts";
import type { CommitOptions, DbContext, Participant, Plan } from "./commit.ts";

/** What every kind's pending changes have: a creation spec, or a removal. */
export interface PendingBase {
  /** Create from this spec on commit. */
  create?: unknown;
  /** Delete on commit. */
  remove: boolean;
}

/**
 * The internal state of a tracked object: its pending changes and how to plan them. A kind
 * subclasses it with `empty`/`isEmpty`/`merge`/`review` over its pending type and `plan()`,
 * which reads the store and the pending changes and builds a {@link Plan} (no side effects).
 */
export abstract class TrackedState<P extends PendingBase = PendingBase> implements Participant {
  /** A number that orders lock acquisition. */
  readonly serial: number;
  /** Commits of one object never overlap. */
  lock: Promise<void> = Promise.resolve();
  /** The database. */
  readonly ctx: DbContext;
  /** The public object this is the state of (set by its constructor). */
  owner!: Tracked;
  /** The pending changes. */
  pending: P;
  /** The changes of the commit under way. */
  committing?: P;
  /** Written to since the last commit or rollback. */
  dirty = false;

  constructor(ctx: DbContext) {
    this.ctx = ctx;
    this.serial = ctx.serial();
    this.pending = this.empty();
  }

  /** A short label for messages. */
  abstract get label(): string;
  /** Fresh, empty pending changes. */
  abstract empty(): P;
  /** Whether pending changes change nothing. */
  abstract isEmpty(p: P): boolean;
  /** Puts `back` (a failed commit's changes) under `into` (what was written since). */
  abstract merge(into: P, back: P): void;
  /** The pending changes for people. */
  abstract review(p: P): Record<string, unknown>;
  /** Plans the pending changes; throws (changing nothing) when they cannot be applied. */
  abstract plan(): Plan;

  /** Whether there are pending changes. */
  hasChanges(): boolean {
    return !this.isEmpty(this.pending);
  }

  /** Records a write: the object has pending changes. */
  touch(): void {
    this.dirty = true;
    this.ctx.touched(this.owner);
  }

  /** Drops the pending changes. */
  rollback(): void {
    this.pending = this.empty();
    this.dirty = false;
    this.ctx.cleaned(this.owner);
  }

  /** Marks for removal (an uncreated object's pending creation is simply dropped). */
  remove(): void {
    if (this.pending.create !== undefined) return this.rollback();
    this.pending.remove = true;
    this.touch();
  }

  /** See {@link Participant.begin}. */
  begin(): void {
    this.committing = this.pending;
    this.pending = this.empty();
  }

  /** See {@link Participant.end}. */
  end(ok: boolean): void {
    const done = this.committing;
    this.committing = undefined;
    if (!ok && done) this.merge(this.pending, done);
    if (!this.hasChanges()) {
      this.dirty = false;
      this.ctx.cleaned(this.owner);
    }
  }
}

let stateGetter: (t: Tracked) => TrackedState;

/**
 * An object IPDB tracks ({@link Interface}, {@link IPDBRoute}, {@link IPDBRule}): writes go into
 * its pending changes until {@link commit} applies them or {@link rollback} drops them.
 */
export abstract class Tracked {
  readonly #state: TrackedState;

  static {
    stateGetter = (t) => t.#state;
  }

  /** @internal */
  constructor(state: TrackedState) {
    this.#state = state;
    state.owner = this;
  }

  /** A short label ("v0", "route 10.1.0.0/16", "rule 100"). */
  get label(): string {
    return this.#state.label;
  }

  /** Whether there are pending changes. */
  hasChanges(): boolean {
    return this.#state.hasChanges();
  }

  /** The pending changes (`{ attrs: { mtu: "1500 -> 1400" } }`, `create`, `remove`, …). */
  review(): Record<string, unknown> {
    return this.#state.review(this.#state.pending);
  }

  /** Drops the pending changes without touching the kernel. */
  rollback(): void {
    this.#state.rollback();
  }

  /** pyroute2's name of {@link Tracked.rollback}: drops the pending changes; returns the object. */
  drop(): this {
    this.#state.rollback();
    return this;
  }

  /** Marks the object for removal on commit (an uncommitted new one is simply dropped). */
  remove(): this {
    this.#state.remove();
    return this;
  }

  /**
   * Applies the pending changes and resolves once the kernel's events show them. On failure,
   * undoes what was applied (what nobody changed since) and throws {@link CommitError} (or
   * {@link CommitTimeoutError}); the changes stay pending.
   */
  async commit(options?: CommitOptions): Promise<this> {
    checkArgs("commit", 1, arguments.length);
    await commitAll(this.#state.ctx, [this.#state], options);
    return this;
  }

  /** Runs `fn` with this object, then commits; rolls back and rethrows on any failure. */
  async transaction(fn: (obj: this) => unknown, options?: CommitOptions): Promise<void> {
    checkArgs("transaction", 2, arguments.length);
    try {
      await fn(this);
      await this.commit(options);
    } catch (e) {
      this.rollback();
      throw e;
    }
  }
}

/** The internal state of a tracked object (for the database and the commit protocol). */
export function stateOf(t: Tracked): TrackedState {
  return stateGetter(t);
}

/** Every property name a tracked object answers (its class's and its bases'). */
function propertyNames(obj: object): string[] {
  const out: string[] = [];
  for (let p = Object.getPrototypeOf(obj); p; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) if (k !== "constructor") out.push(k);
    if (p === Tracked.prototype) break;
  }
  for (const k of Object.keys(obj)) out.push(k);
  return out;
}

// Writing a property a tracked object does not have (`iface.mtuu = 1400`) is a TypeError naming it
// and the nearest property, never a new property nor "object is not extensible". A set finds an
// existing property (an attribute's accessor, a field) before it reaches this end of the chain.
Object.setPrototypeOf(
  Tracked.prototype,
  new Proxy(Object.prototype, {
    set(target, prop, value, receiver) {
      if (typeof prop === "symbol") return Reflect.set(target, prop, value, receiver);
      const what = (receiver as { constructor?: { name?: string } })?.constructor?.name ?? "object";
      throw new TypeError(
        `${prop}: not a property of ${what}${suggestion(prop, propertyNames(receiver as object))}`,
      );
    },
  }),
);
