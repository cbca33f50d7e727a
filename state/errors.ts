/**
 * The error of an apply that did not go through: the kernel's refusal of a step (or the
 * confirmation that did not come), after what was applied was undone.
 *
 * @module
 */

import type { PlanStep } from "./kind.ts";

/** What undoing found. */
export interface UndoReport {
  /** The steps undone, in the order they were undone. */
  undone: string[];
  /** Undo requests that failed (the kernel may be left between the two states). */
  undoErrors: Error[];
}

/**
 * An apply failed and was undone. `cause` is the kernel's `NetlinkError` (errno name and
 * extended-ack text) when a step was refused; `step` names it; `code` is the errno name.
 */
export class ApplyError extends Error {
  /** The error name. */
  override name = "ApplyError";
  /** The refused step (undefined when the confirmation timed out). */
  readonly step?: PlanStep;
  /** The errno name of the kernel's refusal ("EEXIST", "ENETUNREACH"). */
  readonly code?: string;
  /** What the kernel did not show in time (a confirmation timeout). */
  readonly unconfirmed: string[];
  /** The steps undone. */
  readonly undone: string[];
  /** Undo requests that failed. */
  readonly undoErrors: Error[];

  /** @internal */
  constructor(
    message: string,
    opts: { step?: PlanStep; cause?: Error; unconfirmed?: string[] } & UndoReport,
  ) {
    super(message, opts.cause ? { cause: opts.cause } : undefined);
    this.step = opts.step;
    this.code = (opts.cause as { code?: string } | undefined)?.code;
    this.unconfirmed = opts.unconfirmed ?? [];
    this.undone = opts.undone;
    this.undoErrors = opts.undoErrors;
  }
}
