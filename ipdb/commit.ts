/**
 * Commits: every object with pending changes turns them into ordered steps (each a kernel
 * request with its undo); the steps of all objects of a transaction run in phase order, then
 * the commit waits until the kernel's events show every object's target state. A refused step
 * or a timeout undoes the applied steps in reverse order, waits until the events show the
 * original state again, and throws a {@link CommitError}.
 *
 * @module
 */

import type { IPRoute } from "../rtnl/iproute.ts";
import { CommitError, CommitTimeoutError } from "./errors.ts";
import type { Store } from "./store.ts";

/** The order in which steps of any object run. */
export const PHASE = {
  /** Route and rule removals (before addresses or links go, which would take them along). */
  routeRemove: 1,
  /** Interface creation. */
  create: 2,
  /** Administrative down (before a rename or a MAC change, which need it). */
  down: 3,
  rename: 4,
  /** MTU and every other link attribute, kind data, master. */
  attrs: 5,
  mac: 6,
  up: 7,
  addrRemove: 8,
  addrAdd: 9,
  portRemove: 10,
  portAdd: 11,
  /** Route and rule additions and changes (after the addresses they may need). */
  routeSet: 12,
  /** Interface removal: last, since it cannot be undone. */
  remove: 13,
} as const;

/** One kernel request of a commit, and how to take it back. */
export interface Step {
  /** Its phase (see {@link PHASE}). */
  phase: number;
  /** What it does, for errors: "v0: link set mtu 1400". */
  describe: string;
  /** Applies it (resolves on the kernel's ack, or on its events for creations). */
  run(deadline: number): Promise<void>;
  /** Takes it back; absent when it cannot be taken back. */
  undo?: (deadline: number) => Promise<void>;
}

/** What events a waiter depends on. */
export interface WaitKeys {
  /** Link and address events of these interface indexes. */
  indexes?: Iterable<number>;
  /** Route events of these `"table prefix"` keys. */
  routes?: Iterable<string>;
  /** Any rule event. */
  rules?: boolean;
  /** Any link event (a creation waits for a name whose index it does not know yet). */
  anyLink?: boolean;
}

/** An object that can take part in a commit (an interface, a route, a rule). */
export interface Committable {
  /** A number that orders lock acquisition. */
  readonly serial: number;
  /** A short label for messages ("v0", "route 10.0.0.0/24"). */
  readonly label: string;
  /** Whether it has pending changes. */
  hasChanges(): boolean;
  /** Takes the pending changes into a commit: snapshots the current state and returns steps. */
  plan(): Step[];
  /** Completes the snapshot with what must be asked of the kernel (after plan, before steps). */
  prepare?(): Promise<void>;
  /** The events the confirmation depends on. */
  waitKeys(): WaitKeys;
  /** What is not yet as targeted (empty when the kernel shows the target). */
  unconfirmed(): string[];
  /** Whether the kernel shows the snapshot again (after an undo). */
  restored(): boolean;
  /** Repairs what the kernel dropped by itself during the undone steps (best effort). */
  repair?(deadline: number): Promise<void>;
  /** Ends the commit: drops the committed changes, or puts them back to pending. */
  finish(ok: boolean): void;
  /** Its lock: commits of one object never overlap. */
  lock: Promise<void>;
}

/** What objects need of the database. */
export interface DbContext {
  /** The request connection. */
  readonly ip: IPRoute;
  /** The kernel's state. */
  readonly store: Store;
  /** Default commit timeout in milliseconds. */
  readonly timeout: number;
  /** Whether the database is closed. */
  readonly closed: boolean;
  /**
   * Resolves true once `check()` holds (checked now and after each event matching `keys`),
   * false at the deadline; rejects when the database closes.
   */
  waitFor(keys: WaitKeys, check: () => boolean, deadline: number): Promise<boolean>;
  /** An object got pending changes (joins the open transaction, if any). */
  touched(obj: Committable): void;
  /** An object's pending changes are gone. */
  cleaned(obj: Committable): void;
  /** Next serial number for a new object. */
  serial(): number;
  /**
   * Applies every event already queued on the monitoring socket. The kernel queues a
   * request's events before it sends the ack, so after an ack this brings the state up to it.
   */
  sync(): void;
}

/** Options of a commit. */
export interface CommitOptions {
  /** How long to wait for the kernel's events to confirm, in ms (default: the database's, 5000). */
  timeout?: number;
}

async function acquire(members: Committable[]): Promise<() => void> {
  const sorted = [...members].sort((a, b) => a.serial - b.serial);
  const releases: (() => void)[] = [];
  for (const m of sorted) {
    const prev = m.lock;
    let release!: () => void;
    m.lock = new Promise<void>((r) => (release = r));
    await prev;
    releases.push(release);
  }
  return () => releases.forEach((r) => r());
}

/**
 * Commits `members` together. Resolves once the kernel's events show every target; otherwise
 * undoes what was applied and throws {@link CommitError} / {@link CommitTimeoutError}.
 */
export async function commitAll(
  ctx: DbContext,
  members: Committable[],
  options: CommitOptions = {},
): Promise<void> {
  const timeout = options.timeout ?? ctx.timeout;
  if (typeof timeout !== "number" || !(timeout >= 0)) {
    throw new RangeError(`timeout: expected a non-negative number of ms, got ${timeout}`);
  }
  const release = await acquire(members);
  try {
    const active = members.filter((m) => m.hasChanges());
    if (active.length === 0) return;
    if (ctx.closed) throw new Error("the IPDB is closed");
    const steps: Step[] = [];
    const planned: Committable[] = [];
    try {
      for (const m of active) {
        planned.push(m);
        steps.push(...m.plan());
      }
    } catch (e) {
      for (const m of planned) m.finish(false);
      throw new CommitError(e as Error, { step: "planning" });
    }
    try {
      for (const m of planned) await m.prepare?.();
    } catch (e) {
      for (const m of planned) m.finish(false);
      throw new CommitError(e as Error, { step: "preparing" });
    }
    steps.sort((a, b) => a.phase - b.phase); // stable: each object's own order is kept
    const deadline = Date.now() + timeout;
    const applied: Step[] = [];
    let failure: { error: Error; step?: string } | undefined;
    for (const s of steps) {
      try {
        await s.run(deadline);
        applied.push(s);
      } catch (e) {
        failure = { error: e as Error, step: s.describe };
        break;
      }
    }
    let unconfirmed: string[] = [];
    if (!failure) {
      ctx.sync();
      const results = await Promise.all(
        active.map((m) => ctx.waitFor(m.waitKeys(), () => m.unconfirmed().length === 0, deadline)),
      );
      if (results.every(Boolean)) {
        for (const m of active) m.finish(true);
        return;
      }
      unconfirmed = active.flatMap((m) => m.unconfirmed().map((u) => `${m.label}: ${u}`));
    }
    // Undo in reverse order, then wait for the events of the original state.
    const undone: string[] = [];
    const undoErrors: Error[] = [];
    const undoDeadline = Date.now() + Math.max(timeout, 1000);
    for (const s of applied.reverse()) {
      if (!s.undo) {
        undoErrors.push(new Error(`${s.describe}: cannot be undone`));
        continue;
      }
      try {
        await s.undo(undoDeadline);
        undone.push(s.describe);
      } catch (e) {
        undoErrors.push(e as Error);
      }
    }
    if (!ctx.closed) {
      ctx.sync();
      await Promise.all(
        active.map((m) => ctx.waitFor(m.waitKeys(), () => m.restored(), undoDeadline)),
      ).catch(() => {});
      for (const m of active) {
        try {
          await m.repair?.(undoDeadline);
        } catch (e) {
          undoErrors.push(e as Error);
        }
      }
    }
    for (const m of active) m.finish(false);
    if (failure) {
      throw new CommitError(failure.error, { step: failure.step, undone, undoErrors });
    }
    throw new CommitTimeoutError(timeout, unconfirmed, { undone, undoErrors });
  } finally {
    release();
  }
}

/** Runs `fn` on `obj`, then commits; rolls back and rethrows if either throws. */
export async function runTransaction<T extends { commit(o?: CommitOptions): Promise<unknown> }>(
  obj: T & { rollback(): void },
  fn: (obj: T) => unknown,
  options?: CommitOptions,
): Promise<void> {
  try {
    await fn(obj);
    await obj.commit(options);
  } catch (e) {
    obj.rollback();
    throw e;
  }
}

/** The pending transaction of a route or rule: attribute changes, a creation, or a removal. */
export interface Pending<S> {
  /** Attribute → new value. */
  changes: Map<string, unknown>;
  /** Delete on commit. */
  remove: boolean;
  /** Create from this spec on commit. */
  create?: S;
}

/** An empty pending transaction. */
export function emptyPending<S>(): Pending<S> {
  return { changes: new Map(), remove: false };
}

/** Whether a pending transaction changes anything. */
export function hasPendingChanges<S>(p: Pending<S>): boolean {
  return !!p.create || p.remove || p.changes.size > 0;
}
