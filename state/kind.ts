/**
 * What every kind of object of the document supplies to snapshots and plans, and the shape of
 * a plan's steps: kernel requests that name interfaces (resolved to indexes when they run,
 * since a link made by an earlier step has no index yet) and the requests that take them back.
 *
 * @module
 */

import type { IPDB } from "../ipdb/db.ts";
import type { KindName, LinkState, NamespaceState } from "./document.ts";
import type { UnmanagedSink } from "./unmanaged.ts";

/** The IPRoute verbs a step uses. */
export type Call = "link" | "addr" | "route" | "rule" | "neigh" | "nexthop" | "fdb" | "tc";

/** One kernel request of a step. */
export interface Request {
  /** The IPRoute verb. */
  call: Call;
  /** Its command ("add", "set", "del", "replace"; tc: "add-class", …). */
  cmd: string;
  /** tc: the kind argument. */
  tcKind?: string;
  /** The spec, without the interface keys of `refs`. */
  spec: Record<string, unknown>;
  /** Spec keys that take an interface, by name (null: none, index 0), resolved when it runs. */
  refs?: Record<string, string | null>;
}

/** One step of a plan. */
export interface PlanStep {
  /** The namespace it changes. */
  namespace: string;
  /** The kind of object. */
  kind: KindName;
  /** What it does to it. */
  action: "create" | "change" | "delete";
  /** The object's identity ("v0", "10.0.0.1/24 dev v0", "254 10.1.0.0/16 tos 0 metric 0"). */
  key: string;
  /** For people: "+ route 10.1.0.0/16 via 10.0.0.2 dev v0", "~ link v0: mtu 1500 -> 1400". */
  describe: string;
  /** A change's fields: `{ mtu: "1500 -> 1400" }`. */
  changes?: Record<string, string>;
  /** The order across steps (lower first; see PHASE in plan.ts). */
  phase: number;
  /** The requests that make it. */
  run: Request[];
  /** The requests that take it back (run in order); empty when undoing `run` needs nothing. */
  undo: Request[];
}

/** A namespace as the planner reads it. */
export interface NamespaceContext {
  /** Its name in the document. */
  name: string;
  /** Its database. */
  db: IPDB;
  /** Every database of the operation (a veth's peer may be in another). */
  dbs: ReadonlyMap<string, IPDB>;
  /** An interface's name by index (undefined: none). */
  nameOf(index: number): string | undefined;
  /** Where `read` reports what the namespace holds that its kind does not model. */
  unmanaged: UnmanagedSink;
}

/** What the planner knows of one namespace while it plans. */
export interface PlanContext extends NamespaceContext {
  /** The desired state of this namespace (checked and canonical). */
  want: NamespaceState;
  /** The whole desired document's namespaces (checked). */
  wantAll: Record<string, NamespaceState>;
  /** The namespace's links now, by name. */
  links: Map<string, LinkState>;
  /** Veth pairs already planned ("ns/name" of either end): each pair is made or removed once. */
  pairs: Set<string>;
}

/** One kind of object: how it is checked, keyed, read and changed. */
export interface Kind<E> {
  /** Its list's name in the document. */
  readonly name: KindName;
  /** Checks a desired entry and returns it in canonical form (TypeError/RangeError naming `path`). */
  check(v: unknown, path: string): E;
  /** Its identity within its namespace. */
  key(e: E): string;
  /** Every entry the namespace has, canonical, sorted by key. */
  read(ns: NamespaceContext): Promise<E[]> | E[];
  /** The entries with the keys of `want` that the namespace has (a fast path; default: read). */
  find?(ns: NamespaceContext, want: E[]): E[];
  /** The steps from `now` to `want` (either may be absent: create, delete). */
  steps(ctx: PlanContext, now: E | undefined, want: E | undefined): PlanStep[];
  /** Whether a present entry is the kernel's and never pruned (`lo`). */
  keep?(e: E): boolean;
}

/** The order of steps across kinds and namespaces: what others depend on is made first and
 * removed last. A link's depth (a macvlan on a veth: 1) is added to its creation phase and
 * taken from its removal phase. */
export const PHASE = {
  ruleDelete: 10,
  routeDelete: 20,
  nexthopDelete: 25,
  neighbourDelete: 30,
  tcDelete: 35,
  addressDelete: 40,
  /** A link replaced (its kind or peer changes) goes before links are made. */
  linkReplace: 45,
  linkCreate: 50,
  linkChange: 60,
  addressCreate: 65,
  nexthopCreate: 70,
  routeCreate: 75,
  ruleCreate: 80,
  neighbourCreate: 85,
  tcCreate: 90,
  linkDelete: 99,
} as const;
