/**
 * What MultiIPDB takes and gives: its options (checked before anything opens: a TypeError or
 * RangeError naming the field), its change items, and how a member's name maps to its
 * namespace file ("" is the process's own namespace).
 *
 * @module
 */

import { validateName } from "../ffi/netns.ts";
import { describeValue } from "../netlink/addr.ts";
import { checkKeys, KeySet } from "../netlink/strict.ts";
import { CHANGE_KINDS } from "./changes.ts";
import type { IPDBChange } from "./db.ts";
import type { Interface } from "./interface.ts";

/** Options of {@link MultiIPDB.open} (and of `IPDB.open` given an array of namespaces). */
export interface MultiIPDBOptions {
  /**
   * The namespaces, by their names under /run/netns (`ip netns` names; `""` is the namespace the
   * process is in), or `"all"`: every named namespace, now and (with `watch`) later. A namespace
   * literally named "all" is `["all"]`.
   */
  netns: readonly string[] | "all";
  /**
   * Follow /run/netns while open (default true): with `"all"`, every namespace created appears
   * and every one removed disappears; with a list, a listed namespace that is removed
   * disappears and comes back when a namespace of that name is created again. Each is a
   * `{ kind: "netns" }` item of `changes()`. Uses inotify: no polling, only `--allow-ffi`.
   */
  watch?: boolean;
  /** Load and follow routes (default true), in every namespace. */
  routes?: boolean;
  /** Load and follow policy rules (default true), in every namespace. */
  rules?: boolean;
  /** Default commit timeout in ms (default 5000), in every namespace. */
  timeout?: number;
  /** Receive buffer of each namespace's monitoring socket in bytes (default 8 MiB). */
  rcvbuf?: number;
  /**
   * Told of what goes wrong while following the kernel and /run/netns, with the namespace
   * concerned when there is one; each is also an `{ kind: "error" }` item of `changes()`.
   */
  onError?: (error: Error, context: string, netns?: string) => void;
}

/** One item of {@link MultiIPDB.changes}. */
export type MultiIPDBChange =
  /** A change in one namespace (as `IPDB.changes()` gives it), with that namespace's name. */
  | (IPDBChange & { netns: string })
  /** A namespace joined (`add`, its database is open) or left (`remove`, it is closed). */
  | { kind: "netns"; action: "add" | "remove"; name: string }
  /** This subscription dropped `dropped` items (a slow reader). */
  | { kind: "overflow"; dropped: number }
  /** Watching /run/netns failed (a namespace's own errors carry `netns`). */
  | { kind: "error"; error: Error; context: string };

/** Options of {@link MultiIPDB.changes}. */
export interface MultiChangesOptions {
  /** Ends the subscription. */
  signal?: AbortSignal;
  /** Changes buffered for a slow reader before older ones are dropped (default 100000). */
  limit?: number;
  /**
   * Only changes of these kinds (`resync`, `overflow` and `error` items come anyway): a
   * namespace's (`"interface"`, `"address"`, `"route"`, `"rule"`) and `"netns"`.
   */
  kinds?: readonly ("interface" | "address" | "route" | "rule" | "netns")[];
}

/** The other end of an interface's link ({@link MultiIPDB.peer}). */
export interface InterfacePeer {
  /** The namespace it is in. */
  netns: string;
  /** The interface there. */
  interface: Interface;
}

/** The keys of `MultiIPDB.open` options. */
export const OPTIONS: KeySet = new KeySet("MultiIPDB option", [
  "netns",
  "watch",
  "routes",
  "rules",
  "timeout",
  "rcvbuf",
  "onError",
]);
/** What `changes({ kinds })` of a MultiIPDB selects from. */
export const MULTI_KINDS: readonly string[] = [...CHANGE_KINDS, "netns"];
/** A kind of change of one namespace. */
export type ChangeKind = typeof CHANGE_KINDS[number];

/** The namespace file of a member: its name under /run/netns ("": the process's own). */
const OWN = "/proc/self/ns/net";
export function targetOf(name: string): string {
  return name === "" ? OWN : name;
}

/** A member's name: a name under /run/netns, or "" (the process's own namespace). */
export function checkName(name: unknown, field: string): string {
  return name === "" ? name : validateName(name, field);
}

/** Checks {@link MultiIPDBOptions}: a TypeError or RangeError naming the field. */
export function checkOptions(options: MultiIPDBOptions): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`options: expected an object, got ${describeValue(options)}`);
  }
  checkKeys(options, OPTIONS);
  const { netns } = options;
  if (netns !== "all") {
    if (!Array.isArray(netns)) {
      throw new TypeError(
        `netns: expected an array of namespace names or "all", got ${describeValue(netns)}`,
      );
    }
    const seen = new Set<string>();
    netns.forEach((name, i) => {
      checkName(name, `netns[${i}]`);
      if (seen.has(name)) {
        throw new RangeError(`netns[${i}]: ${JSON.stringify(name)} is listed twice`);
      }
      seen.add(name);
    });
  }
  for (const k of ["watch", "routes", "rules"] as const) {
    const v = options[k];
    if (v !== undefined && typeof v !== "boolean") {
      throw new TypeError(`${k}: expected true or false, got ${describeValue(v)}`);
    }
  }
  const { timeout, rcvbuf, onError } = options;
  if (timeout !== undefined && (typeof timeout !== "number" || !(timeout >= 0))) {
    throw new RangeError(`timeout: expected a non-negative number of ms, got ${timeout}`);
  }
  if (rcvbuf !== undefined && (!Number.isInteger(rcvbuf) || rcvbuf <= 0)) {
    throw new RangeError(`rcvbuf: expected a positive number of bytes, got ${rcvbuf}`);
  }
  if (onError !== undefined && typeof onError !== "function") {
    throw new TypeError(`onError: expected a function, got ${describeValue(onError)}`);
  }
}
