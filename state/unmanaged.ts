/**
 * The `unmanaged` list of a namespace: what it holds that the document does not model (a qdisc
 * kind without a module here, a filter with actions, kind data of a link kind not kept, …),
 * as opposed to the kernel's own entries that snapshots leave out on purpose. The kinds report
 * such objects while they read; the list is sorted (kind, device, object) so snapshots diff
 * cleanly. An entry may protect objects of its kind from pruning (the qdisc a filter with
 * actions hangs on: removing it would remove the filter).
 *
 * @module
 */

import { entry, entryKeys, ifname, oneOf, text } from "./check.ts";
import type { KindName, UnmanagedState } from "./document.ts";
import { KINDS } from "./document.ts";

const KEYS = entryKeys(["kind", "dev", "object", "reason"]);

/** What the kinds report while they read one namespace. */
export class UnmanagedSink {
  /** The entries, in the order they were reported. */
  readonly entries: UnmanagedState[] = [];
  readonly #kept = new Set<string>();

  /** Reports `e`; `keep` are keys of entries of `e.kind` that pruning must not remove. */
  add(e: UnmanagedState, ...keep: string[]): void {
    this.entries.push(e);
    for (const k of keep) this.#kept.add(`${e.kind}\0${k}`);
  }

  /** Whether the entry of `kind` with `key` is left alone (an unmanaged object depends on it). */
  kept(kind: KindName, key: string): boolean {
    return this.#kept.has(`${kind}\0${key}`);
  }

  /** The entries of `kinds` (all by default), sorted. */
  list(kinds: readonly KindName[] = KINDS): UnmanagedState[] {
    return sortUnmanaged(this.entries.filter((e) => kinds.includes(e.kind)));
  }
}

/** Sorted by kind (the document's order), device, object; duplicates dropped. */
export function sortUnmanaged(list: UnmanagedState[]): UnmanagedState[] {
  const k = (e: UnmanagedState) =>
    `${String(KINDS.indexOf(e.kind)).padStart(2, "0")}\0${e.dev ?? ""}\0${e.object}`;
  const keyed = new Map(list.map((e) => [k(e), e]));
  return [...keyed.keys()].sort().map((x) => keyed.get(x)!);
}

/** The attribute names a decoded nest holds (an attribute view's, or a plain object's). */
export function attrNames(v: unknown): string[] {
  if (v === undefined || v === null || typeof v !== "object") return [];
  const json = (v as { toJSON?: () => object }).toJSON;
  return Object.keys(typeof json === "function" ? json.call(v) : v).sort();
}

/** Checks a desired document's `unmanaged` entry (it is then ignored). */
export function checkUnmanaged(v: unknown, path: string): UnmanagedState {
  const o = entry(v, path, KEYS);
  const e: UnmanagedState = {
    kind: oneOf(o.kind, `${path}.kind`, KINDS),
    object: text(o.object, `${path}.object`),
    reason: text(o.reason, `${path}.reason`),
  };
  if (o.dev !== undefined) e.dev = ifname(o.dev, `${path}.dev`);
  return e;
}

/** One line for people: `qdisc netem 1: parent root dev v0 (qdisc kind netem is not modelled)`. */
export function describeUnmanaged(e: UnmanagedState): string {
  return `${e.object}${e.dev === undefined ? "" : ` dev ${e.dev}`} (${e.reason})`;
}
