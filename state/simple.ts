/**
 * Steps of a kind whose objects are made and removed by one request each: create (add, undone
 * by a delete), delete (undone by an add) and change (a replace request when the kind has one,
 * else a delete and an add as two steps, each in its kind's phase).
 *
 * @module
 */

import type { KindName } from "./document.ts";
import type { Kind, PlanContext, PlanStep, Request } from "./kind.ts";

/** What a kind of one-request objects tells {@link simpleSteps}. */
export interface SimpleKind<E> {
  /** Its list's name. */
  name: KindName;
  /** Its name in step descriptions ("route"). */
  label: string;
  /** Its identity. */
  key(e: E): string;
  /** A short text of an entry ("10.1.0.0/16 via 10.0.0.2 dev v0"). */
  show(e: E): string;
  /** The request that makes it. */
  add(e: E): Request;
  /** The request that removes it. */
  del(e: E): Request;
  /** The request that turns the object with its key into `e` (absent: delete, then add). */
  replace?(e: E): Request;
  /** Whether two entries with one key are the same. */
  same(now: E, want: E): boolean;
  /** Phases of creation and deletion. */
  phases: { create: number; delete: number };
}

/** The steps from `now` to `want` of a one-request kind. */
export function simpleSteps<E>(
  k: SimpleKind<E>,
  ctx: PlanContext,
  now: E | undefined,
  want: E | undefined,
): PlanStep[] {
  const step = (
    action: PlanStep["action"],
    e: E,
    phase: number,
    run: Request,
    undo: Request,
    describe: string,
  ): PlanStep => ({
    namespace: ctx.name,
    kind: k.name,
    action,
    key: k.key(e),
    describe,
    phase,
    run: [run],
    undo: [undo],
  });
  if (!now && !want) return [];
  if (!now) {
    return [
      step(
        "create",
        want!,
        k.phases.create,
        k.add(want!),
        k.del(want!),
        `+ ${k.label} ${k.show(want!)}`,
      ),
    ];
  }
  if (!want) {
    return [
      step("delete", now, k.phases.delete, k.del(now), k.add(now), `- ${k.label} ${k.show(now)}`),
    ];
  }
  if (k.same(now, want)) return [];
  if (k.replace) {
    const s = step(
      "change",
      want,
      k.phases.create,
      k.replace(want),
      k.replace(now),
      `~ ${k.label} ${k.show(now)} -> ${k.show(want)}`,
    );
    s.changes = { [k.key(want)]: `${k.show(now)} -> ${k.show(want)}` };
    return [s];
  }
  return [
    step("delete", now, k.phases.delete, k.del(now), k.add(now), `- ${k.label} ${k.show(now)}`),
    step("create", want, k.phases.create, k.add(want), k.del(want), `+ ${k.label} ${k.show(want)}`),
  ];
}

/** The kind of one-request objects `k`, with what checks and reads its entries. */
export function simpleKind<E>(
  k: SimpleKind<E>,
  parts: Pick<Kind<E>, "check" | "read" | "find">,
): Kind<E> {
  return {
    name: k.name,
    key: k.key,
    ...parts,
    steps: (ctx, now, want) => simpleSteps(k, ctx, now, want),
  };
}
