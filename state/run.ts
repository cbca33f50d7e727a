/**
 * Runs a plan's requests: interface names resolved to indexes from the database (brought up to
 * the kernel's latest events first, so a link an earlier step made is found), one request at a
 * time, or, for runs of route/address steps of one namespace, pipelined in batches (each
 * failure still told apart by its step).
 *
 * @module
 */

import type { IPDB } from "../ipdb/db.ts";
import { BatchError } from "../rtnl/batch.ts";
import type { Batch } from "../rtnl/batch.ts";
import type { PlanStep, Request } from "./kind.ts";

/** Steps pipelined together at most. */
const BATCH = 4096;

/** The spec of `r` with its interface names replaced by indexes (the database synced first). */
export function resolve(db: IPDB, ns: string, r: Request): Record<string, unknown> {
  const spec = { ...r.spec };
  for (const [k, name] of Object.entries(r.refs ?? {})) {
    if (name === null) {
      spec[k] = 0;
      continue;
    }
    const index = db.store.names.get(name);
    if (index === undefined) {
      throw new Error(
        `${k}: no interface named ${JSON.stringify(name)} in namespace ${JSON.stringify(ns)}`,
      );
    }
    spec[k] = index;
  }
  return spec;
}

type Verb = (cmd: string, spec: unknown) => Promise<unknown>;

/** Sends one request (resolving its interface names first). */
export async function runRequest(db: IPDB, ns: string, r: Request): Promise<void> {
  db.sync();
  const spec = resolve(db, ns, r);
  const ip = db.ip as unknown as Record<string, Verb>;
  if (r.call === "tc") {
    const tc = db.ip.tc as unknown as (c: string, k: string, s: unknown) => Promise<void>;
    await tc.call(db.ip, r.cmd, r.tcKind ?? "", spec);
  } else {
    await ip[r.call].call(db.ip, r.cmd, spec);
    // The kernel announces a change of kind data only for a link that is up: read it again.
    if (r.call === "link" && r.cmd === "set" && spec.kind !== undefined) {
      await db.refresh(spec.index as number);
    }
  }
}

/** The result of running steps: those applied, and the first refusal. */
export interface RunResult {
  /** Steps the kernel applied, in the order they were sent. */
  applied: PlanStep[];
  /** The first refused step and the kernel's error. */
  failure?: { step: PlanStep; error: Error };
}

function batchable(s: PlanStep): boolean {
  return s.run.length === 1 && (s.run[0].call === "route" || s.run[0].call === "addr");
}

/** Runs `steps` in order; stops at the first refusal (a batch's other requests were sent). */
export async function runSteps(
  dbs: ReadonlyMap<string, IPDB>,
  steps: readonly PlanStep[],
): Promise<RunResult> {
  const applied: PlanStep[] = [];
  for (let i = 0; i < steps.length;) {
    const s = steps[i];
    const db = dbs.get(s.namespace)!;
    let j = i + 1;
    if (batchable(s)) {
      while (
        j < steps.length && j - i < BATCH && batchable(steps[j]) &&
        steps[j].namespace === s.namespace && steps[j].phase === s.phase
      ) j++;
    }
    if (j - i > 1) {
      const group = steps.slice(i, j);
      const failed = await runBatch(db, s.namespace, group);
      for (let k = 0; k < group.length; k++) if (!failed.has(k)) applied.push(group[k]);
      if (failed.size) {
        const first = Math.min(...failed.keys());
        return { applied, failure: { step: group[first], error: failed.get(first)! } };
      }
    } else {
      let done = 0;
      try {
        for (const r of s.run) {
          await runRequest(db, s.namespace, r);
          done++;
        }
        applied.push(s);
      } catch (e) {
        // A step of several requests that stopped half way: what it did is undone with it.
        if (done > 0) applied.push(s);
        return { applied, failure: { step: s, error: e as Error } };
      }
    }
    i = j;
  }
  return { applied };
}

/** Sends the one request of each step pipelined; returns the failures by position. */
async function runBatch(db: IPDB, ns: string, group: PlanStep[]): Promise<Map<number, Error>> {
  db.sync();
  const failed = new Map<number, Error>();
  const specs: Record<string, unknown>[] = [];
  const at: number[] = [];
  group.forEach((s, k) => {
    try {
      specs.push(resolve(db, ns, s.run[0]));
      at.push(k);
    } catch (e) {
      failed.set(k, e as Error);
    }
  });
  try {
    await db.ip.batch((b: Batch) => {
      const verbs = b as unknown as Record<string, (cmd: string, spec: unknown) => void>;
      specs.forEach((spec, n) => {
        const r = group[at[n]].run[0];
        verbs[r.call](r.cmd, spec);
      });
    });
  } catch (e) {
    if (!(e instanceof BatchError)) {
      // Not a refusal of single requests (the socket failed): none is counted as applied.
      for (const k of at) failed.set(k, e as Error);
      return failed;
    }
    for (const f of e.failures) failed.set(at[f.index], f.error);
  }
  return failed;
}
