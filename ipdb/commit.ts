/**
 * The commit protocol (internal). Every object with pending changes plans them: ordered steps,
 * each a kernel request with its undo, and the checks that tell when the kernel shows the
 * target. The steps of all objects of a commit run in phase order; then the commit waits until
 * the kernel's events show every target. A refused step or a timeout undoes the applied steps
 * in reverse order (each only if what it set is still there: a value someone else wrote since is
 * theirs), waits until the events show the undo, repairs what the kernel changed by itself, and
 * throws a {@link CommitError}.
 *
 * @module
 */

import { checkKeys, KeySet } from "../netlink/strict.ts";
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
  /** Renames. */
  rename: 4,
  /** MTU and every other link attribute, kind data, master. */
  attrs: 5,
  /** MAC address. */
  mac: 6,
  /** Administrative up. */
  up: 7,
  /** Address removals (secondaries before their primaries). */
  addrRemove: 8,
  /** Address additions. */
  addrAdd: 9,
  /** Ports leaving a bridge or bond. */
  portRemove: 10,
  /** Ports joining a bridge or bond. */
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
  /**
   * Whether the kernel still shows what `run` set. An undo runs only then: a value someone else
   * wrote since is theirs to keep. Absent: the undo always runs.
   */
  ours?(): boolean;
  /** Takes it back; absent when it cannot be taken back. */
  undo?: (deadline: number) => Promise<void>;
  /** Whether the kernel shows the undo (waited for after undoing). Absent: not waited for. */
  undone?(): boolean;
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

/** The plan of one object's pending changes, made without changing anything. */
export interface Plan {
  /** The kernel requests, in the object's own order (sorted by phase across objects). */
  steps: Step[];
  /** Asks the kernel what an undo would need (after planning, before the steps run). */
  prepare?(): Promise<void>;
  /** The events the confirmation depends on (asked after the steps ran). */
  waitKeys(): WaitKeys;
  /** What is not yet as targeted (empty when the kernel shows every target). */
  unconfirmed(): string[];
  /** Puts back what the kernel dropped by itself during the undone steps (best effort). */
  repair?(deadline: number): Promise<void>;
  /** The commit ended (`ok`: every target confirmed). */
  done?(ok: boolean): void;
}

/** One object's part in commits: an interface, a route or a rule. */
export interface Participant {
  /** A number that orders lock acquisition. */
  readonly serial: number;
  /** Its lock: commits of one object never overlap. */
  lock: Promise<void>;
  /** A short label for messages ("v0", "route 10.0.0.0/24"). */
  readonly label: string;
  /** Whether it has pending changes. */
  hasChanges(): boolean;
  /** Plans the pending changes; throws (changing nothing) when they cannot be applied. */
  plan(): Plan;
  /** The commit takes the pending changes: writes from now on are pending for the next one. */
  begin(): void;
  /** The commit ended; on failure the committed changes become pending again (under newer ones). */
  end(ok: boolean): void;
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
   * Resolves true once `check()` holds (checked now and after each event matching `keys`, and
   * after a resynchronisation), false at the deadline; rejects when the database closes.
   */
  waitFor(keys: WaitKeys, check: () => boolean, deadline: number): Promise<boolean>;
  /** An object got pending changes (joins the open transaction, if any). */
  touched(obj: object): void;
  /** An object's pending changes are gone. */
  cleaned(obj: object): void;
  /** Next serial number for a new object. */
  serial(): number;
  /**
   * Applies every event already queued on the monitoring socket (the kernel queues a request's
   * events before it sends the ack, so after an ack this brings the state up to it). An overrun
   * found on the way starts a resynchronisation, which waiters see when it completes.
   */
  sync(): void;
}

/** Options of a commit. */
export interface CommitOptions {
  /** How long to wait for the kernel's events to confirm, in ms (default: the database's, 5000). */
  timeout?: number;
}

const COMMIT_OPTIONS = new KeySet("commit option", ["timeout"]);

async function acquire(members: Participant[]): Promise<() => void> {
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

function mergeKeys(all: WaitKeys[]): WaitKeys {
  const indexes = new Set<number>(), routes = new Set<string>();
  let rules = false, anyLink = false;
  for (const k of all) {
    for (const i of k.indexes ?? []) indexes.add(i);
    for (const r of k.routes ?? []) routes.add(r);
    rules ||= !!k.rules;
    anyLink ||= !!k.anyLink;
  }
  return { indexes, routes, rules, anyLink };
}

/**
 * Commits `members` together. Resolves once the kernel's events show every target; otherwise
 * undoes what was applied and throws {@link CommitError} / {@link CommitTimeoutError}.
 */
export async function commitAll(
  ctx: DbContext,
  members: Participant[],
  options: CommitOptions = {},
): Promise<void> {
  checkKeys(options, COMMIT_OPTIONS);
  const timeout = options.timeout ?? ctx.timeout;
  if (typeof timeout !== "number" || !(timeout >= 0)) {
    throw new RangeError(`timeout: expected a non-negative number of ms, got ${timeout}`);
  }
  const release = await acquire(members);
  try {
    const active = members.filter((m) => m.hasChanges());
    if (active.length === 0) return;
    if (ctx.closed) throw new Error("the IPDB is closed");
    ctx.sync(); // plan against the kernel's latest state
    const plans: Plan[] = [];
    try {
      for (const m of active) plans.push(m.plan());
    } catch (e) {
      // Nothing was taken or sent: the pending changes stay as they are.
      throw new CommitError(e as Error, { step: "planning" });
    }
    for (const m of active) m.begin();
    const end = (ok: boolean) => {
      for (const p of plans) p.done?.(ok);
      for (const m of active) m.end(ok);
    };
    try {
      for (const p of plans) await p.prepare?.();
    } catch (e) {
      end(false);
      throw new CommitError(e as Error, { step: "preparing" });
    }
    // Stable: each object's own order is kept within a phase.
    const steps = plans.flatMap((p) => p.steps).sort((a, b) => a.phase - b.phase);
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
        plans.map((p) => ctx.waitFor(p.waitKeys(), () => p.unconfirmed().length === 0, deadline)),
      );
      if (results.every(Boolean)) {
        end(true);
        return;
      }
      unconfirmed = plans.flatMap((p, i) => p.unconfirmed().map((u) => `${active[i].label}: ${u}`));
    }
    // Undo in reverse order what is still ours, then wait for the events of the undo.
    const undone: Step[] = [];
    const kept: string[] = [];
    const undoErrors: Error[] = [];
    const undoDeadline = Date.now() + Math.max(timeout, 1000);
    for (const s of applied.reverse()) {
      if (!s.undo) {
        undoErrors.push(new Error(`${s.describe}: cannot be undone`));
        continue;
      }
      if (!ctx.closed) ctx.sync();
      if (s.ours && !s.ours()) {
        kept.push(s.describe);
        continue;
      }
      try {
        await s.undo(undoDeadline);
        undone.push(s);
      } catch (e) {
        undoErrors.push(e as Error);
      }
    }
    if (!ctx.closed) {
      ctx.sync();
      const keys = mergeKeys(plans.map((p) => p.waitKeys()));
      await ctx.waitFor(keys, () => undone.every((s) => s.undone?.() ?? true), undoDeadline)
        .catch(() => {});
      for (const p of plans) {
        try {
          await p.repair?.(undoDeadline);
        } catch (e) {
          undoErrors.push(e as Error);
        }
      }
    }
    end(false);
    const details = { undone: undone.map((s) => s.describe), kept, undoErrors };
    if (failure) throw new CommitError(failure.error, { step: failure.step, ...details });
    throw new CommitTimeoutError(timeout, unconfirmed, details);
  } finally {
    release();
  }
}
