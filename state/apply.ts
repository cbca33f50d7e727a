/**
 * Apply: a plan run as one transaction. Every step is a kernel request; once all are acked,
 * the databases (kept by the kernel's events) must show the desired state, checked by planning
 * again until the plan is empty. A refused step, or a state that does not show in time, undoes
 * what was applied, last first, and throws {@link ApplyError}.
 *
 * With `confirmWithin`, the applied change stays only if `confirm()` is called in time;
 * otherwise it is undone by itself (the safety net of `netplan try` for remote hosts).
 *
 * @module
 */

import { KeySet } from "../netlink/strict.ts";
import type { IPDB } from "../ipdb/db.ts";
import type { StateDocument } from "./document.ts";
import { ApplyError } from "./errors.ts";
import type { PlanStep } from "./kind.ts";
import { checkInput, planChecked } from "./plan.ts";
import type { StatePlan } from "./plan.ts";
import { undoSteps } from "./revert.ts";
import { runSteps } from "./run.ts";

/** Options of {@link apply}. */
export interface ApplyOptions {
  /** Remove what a listed kind's list does not name (see {@link plan}). */
  prune?: boolean;
  /**
   * Keep the change only if `confirm()` is called within this many ms; otherwise undo it (the
   * returned `reverted` resolves true). Absent: the change is kept at once.
   */
  confirmWithin?: number;
  /** How long the kernel's events may take to show the state once every step is acked, in ms
   * (default 5000). */
  timeout?: number;
}

const APPLY_OPTIONS = new KeySet("apply option", ["prune", "confirmWithin", "timeout"]);

/**
 * An applied change. Without `confirmWithin` (or when the plan was empty) it is final:
 * `confirmed` is true and `reverted` resolves false. With it, `confirm()` keeps it (true when
 * in time), `revert()` undoes it at once, and `reverted` resolves true once the undo ran (by
 * the timer or `revert()`), false once confirmed. Undo requests that failed (the kernel refused,
 * or a database was closed meanwhile) are in `revertErrors`.
 */
export interface AppliedState {
  /** The plan that was applied. */
  readonly plan: StatePlan;
  /** Whether the change is kept for good. */
  readonly confirmed: boolean;
  /** Keeps the change; false when it is too late (reverting or reverted). */
  confirm(): boolean;
  /** Undoes the change now (unless confirmed); resolves when done. */
  revert(): Promise<void>;
  /** Resolves true once the change was undone, false once it was confirmed. */
  readonly reverted: Promise<boolean>;
  /** Undo requests that failed while reverting. */
  readonly revertErrors: Error[];
}

function checkMs(v: unknown, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new RangeError(`${field}: expected a non-negative number of ms, got ${String(v)}`);
  }
  return v;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until a fresh plan is empty; returns what is still not shown at the deadline. */
async function confirmShown(
  dbs: ReadonlyMap<string, IPDB>,
  doc: StateDocument,
  prune: boolean,
  deadline: number,
): Promise<string[]> {
  for (let wait = 2;; wait = Math.min(wait * 2, 50)) {
    const again = await planChecked(dbs, doc, prune);
    if (again.empty) return [];
    if (Date.now() >= deadline) return again.steps.map((s) => `[${s.namespace}] ${s.describe}`);
    await sleep(Math.min(wait, Math.max(1, deadline - Date.now())));
  }
}

/**
 * Applies `desired` (checked whole first): plans it, runs the steps, waits until the
 * databases show the state, and returns the {@link AppliedState}. On a refusal or a timeout,
 * undoes what was applied and throws {@link ApplyError} (`cause`: the kernel's NetlinkError,
 * `step`: the refused step).
 */
export async function apply(
  dbs: ReadonlyMap<string, IPDB>,
  desired: StateDocument,
  options: ApplyOptions = {},
): Promise<AppliedState> {
  const { doc, prune } = checkInput(dbs, desired, options, APPLY_OPTIONS);
  const confirmWithin = checkMs(options.confirmWithin, "confirmWithin");
  const timeout = checkMs(options.timeout, "timeout") ?? 5000;
  const plan = await planChecked(dbs, doc, prune);
  const run = await runSteps(dbs, plan.steps);
  const failure = run.failure;
  const applied = [...plan.restore, ...run.applied];
  let unconfirmed: string[] = [];
  if (!failure) unconfirmed = await confirmShown(dbs, doc, prune, Date.now() + timeout);
  if (failure || unconfirmed.length) {
    const report = await undoSteps(dbs, applied);
    if (failure) {
      const s = failure.step;
      throw new ApplyError(`[${s.namespace}] ${s.describe}: ${failure.error.message}`, {
        step: s,
        cause: failure.error,
        ...report,
      });
    }
    throw new ApplyError(
      `the kernel did not show the state within ${timeout} ms: ${unconfirmed.join("; ")}`,
      { unconfirmed, ...report },
    );
  }
  return handle(dbs, plan, applied, confirmWithin);
}

function handle(
  dbs: ReadonlyMap<string, IPDB>,
  plan: StatePlan,
  applied: PlanStep[],
  confirmWithin: number | undefined,
): AppliedState {
  // Nothing applied: nothing to take back, no timer.
  let state: "pending" | "confirmed" | "reverting" | "reverted" =
    confirmWithin === undefined || plan.empty ? "confirmed" : "pending";
  let settle!: (v: boolean) => void;
  const reverted = new Promise<boolean>((r) => (settle = r));
  const revertErrors: Error[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reverting: Promise<void> | undefined;
  const revert = (): Promise<void> => {
    if (state === "confirmed") return Promise.resolve();
    if (reverting) return reverting;
    state = "reverting";
    clearTimeout(timer);
    reverting = (async () => {
      const report = await undoSteps(dbs, applied);
      revertErrors.push(...report.undoErrors);
      state = "reverted";
      settle(true);
    })();
    return reverting;
  };
  if (state === "confirmed") settle(false);
  else timer = setTimeout(() => void revert(), confirmWithin);
  return {
    plan,
    get confirmed() {
      return state === "confirmed";
    },
    confirm() {
      if (state === "confirmed") return true;
      if (state !== "pending") return false;
      clearTimeout(timer);
      state = "confirmed";
      settle(false);
      return true;
    },
    revert,
    reverted,
    revertErrors,
  };
}
