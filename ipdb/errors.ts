/**
 * Errors of IPDB commits.
 *
 * @module
 */

/** Details of a failed commit. */
export interface CommitErrorDetails {
  /** The step that failed, e.g. "v0: link set address 01:00:5e:00:00:01". */
  step?: string;
  /** The steps that had been applied and were undone, in the order they were undone. */
  undone?: string[];
  /**
   * Applied steps left in place because the kernel no longer showed what they set: someone
   * else changed it since, and an undo would overwrite their value.
   */
  kept?: string[];
  /** Errors met while undoing (empty when the kernel is back exactly as before). */
  undoErrors?: Error[];
}

/**
 * A commit failed: the kernel refused a step (`error` is the kernel's NetlinkError) or the input
 * was invalid. The steps already applied were undone; `undoErrors` lists anything that could
 * not be (then the kernel is not exactly as before).
 */
export class CommitError extends Error {
  /** "CommitError". */
  override name = "CommitError";
  /** The error that stopped the commit: the kernel's NetlinkError, usually. */
  readonly error: Error;
  /** The step that failed. */
  readonly step?: string;
  /** The steps undone, in the order they were undone. */
  readonly undone: string[];
  /** Applied steps not undone because someone else changed what they set since. */
  readonly kept: string[];
  /** Errors met while undoing. */
  readonly undoErrors: Error[];

  /** A commit error caused by `error`. */
  constructor(error: Error, details: CommitErrorDetails = {}, message?: string) {
    const undone = details.undone ?? [];
    const kept = details.kept ?? [];
    const undoErrors = details.undoErrors ?? [];
    const keptText = kept.length
      ? `; ${kept.length} left as changed since by someone else (${kept.join("; ")})`
      : "";
    super(
      message ??
        `commit failed${details.step ? ` at "${details.step}"` : ""}: ${error.message}; ${
          undoErrors.length
            ? `undoing failed (${undoErrors.map((e) => e.message).join("; ")})`
            : `${undone.length} applied step${undone.length === 1 ? "" : "s"} undone`
        }${keptText}`,
      { cause: error },
    );
    this.error = error;
    this.step = details.step;
    this.undone = undone;
    this.kept = kept;
    this.undoErrors = undoErrors;
  }
}

/**
 * The kernel acknowledged every step but its events did not show the target state within the
 * timeout. The applied steps were undone, as for any failed commit.
 */
export class CommitTimeoutError extends CommitError {
  /** "CommitTimeoutError". */
  override name = "CommitTimeoutError";
  /** What was still not confirmed. */
  readonly unconfirmed: string[];

  /** A timeout after `ms` milliseconds with `unconfirmed` still differing. */
  constructor(ms: number, unconfirmed: string[], details: CommitErrorDetails = {}) {
    const error = new Error(
      `the kernel's events did not confirm ${unconfirmed.join(", ")} within ${ms} ms`,
    );
    super(error, details);
    this.unconfirmed = unconfirmed;
  }
}

/** The database was closed while the operation was pending. */
export class IPDBClosedError extends Error {
  /** "IPDBClosedError". */
  override name = "IPDBClosedError";
  constructor() {
    super("the IPDB was closed");
  }
}
