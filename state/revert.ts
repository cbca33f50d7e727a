/**
 * Taking applied steps back: each step's undo requests, steps in reverse order. An undo that
 * fails does not stop the others; what failed is reported.
 *
 * @module
 */

import type { IPDB } from "../ipdb/db.ts";
import type { UndoReport } from "./errors.ts";
import type { PlanStep } from "./kind.ts";
import { runRequest } from "./run.ts";

/** Undoes `applied` (in the order they were applied) from the last to the first. */
export async function undoSteps(
  dbs: ReadonlyMap<string, IPDB>,
  applied: readonly PlanStep[],
): Promise<UndoReport> {
  const undone: string[] = [];
  const undoErrors: Error[] = [];
  for (let i = applied.length - 1; i >= 0; i--) {
    const s = applied[i];
    const db = dbs.get(s.namespace);
    if (!db || db.closed) {
      undoErrors.push(new Error(`[${s.namespace}] ${s.describe}: the IPDB is closed`));
      continue;
    }
    let ok = true;
    for (const r of s.undo) {
      try {
        await runRequest(db, s.namespace, r);
      } catch (e) {
        ok = false;
        const err = e as Error;
        undoErrors.push(
          new Error(`undo of [${s.namespace}] ${s.describe}: ${err.message}`, { cause: err }),
        );
      }
    }
    if (ok) undone.push(`[${s.namespace}] ${s.describe}`);
  }
  return { undone, undoErrors };
}
