/**
 * Commands of several requests, applied whole or not at all: each request with the one that
 * reverts it; when a request fails (or the caller's signal aborts between two), those already
 * applied are undone in reverse order, and the error is thrown.
 *
 * @module
 */

import type { MessageSchema } from "../netlink/schema.ts";
import type { Built, RtnlCore } from "./core.ts";

/**
 * One request of a command, and the request that reverts it: a command of several requests
 * is applied whole or not at all, so when one fails, those before it are undone.
 */
export interface Step<T> {
  /** The request. */
  request: T;
  /** The request that reverts it, when a later one fails. */
  undo?: T;
}

/** Thrown when a command failed part way and undoing what it had applied failed too. */
export class PartialChangeError extends Error {
  /** The error name. */
  override name = "PartialChangeError";
  /** Why the command failed. */
  override readonly cause: Error;
  /** The undo requests that failed, with their errors. */
  readonly undoFailures: { describe: string; error: Error }[];
  /** The error for a failure (`cause`) whose undo failed too. */
  constructor(cause: Error, undoFailures: { describe: string; error: Error }[]) {
    super(
      `${cause.message}; undoing what was applied failed too: ${
        undoFailures.map((u) => `${u.describe}: ${u.error.message}`).join("; ")
      }`,
    );
    this.cause = cause;
    this.undoFailures = undoFailures;
  }
}

/**
 * Sends requests in order, all or none: the signal is checked between requests (each is sent
 * without it: a request the kernel got is answered, so whether it applied is known); when one
 * fails, those applied are undone in reverse order.
 */
export async function runSteps<M extends MessageSchema>(
  core: RtnlCore,
  steps: readonly Step<Built<M>>[],
  signal?: AbortSignal,
): Promise<unknown[]> {
  const applied: Step<Built<M>>[] = [];
  let out: unknown[] = [];
  try {
    for (const s of steps) {
      signal?.throwIfAborted();
      out = await core.send(s.request);
      applied.push(s);
    }
    return out;
  } catch (e) {
    const failures: { describe: string; error: Error }[] = [];
    for (const s of applied.reverse()) {
      if (!s.undo) continue;
      try {
        await core.send(s.undo);
      } catch (u) {
        failures.push({ describe: s.undo.describe, error: u as Error });
      }
    }
    if (failures.length > 0) throw new PartialChangeError(e as Error, failures);
    throw e;
  }
}
