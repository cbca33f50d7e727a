/**
 * The check of a desired-state document before anything is planned or sent: its shape, every
 * entry of every kind (unknown keys, wrong types, bad addresses: a TypeError or RangeError
 * naming the path), and no two entries of a namespace with one identity. A namespace's
 * `unmanaged` list (a snapshot's) is checked and left out of the result.
 *
 * @module
 */

import { describeValue } from "../netlink/addr.ts";
import { entry, entryKeys, list, record } from "./check.ts";
import type { NamespaceState, StateDocument } from "./document.ts";
import { KINDS } from "./document.ts";
import { KIND_TABLE } from "./kinds.ts";
import { checkUnmanaged } from "./unmanaged.ts";

const DOCUMENT_KEYS = entryKeys(["version", "namespaces"]);
const NAMESPACE_KEYS = entryKeys([...KINDS, "unmanaged"]);

const SINGULAR: Record<string, string> = {
  links: "link",
  addresses: "address",
  routes: "route",
  rules: "rule",
  neighbours: "neighbour",
  nexthops: "nexthop",
  fdb: "fdb entry",
  tc: "tc object",
};

/** Checks `doc` and returns it in canonical form (a copy; the input is not changed). */
export function checkDocument(doc: unknown): StateDocument {
  const o = entry(doc, "desired", DOCUMENT_KEYS);
  if (o.version !== 1) {
    throw new TypeError(`desired.version: expected 1, got ${describeValue(o.version)}`);
  }
  const nss = record(o.namespaces, "desired.namespaces");
  const out: StateDocument = { version: 1, namespaces: {} };
  for (const name of Object.keys(nss).sort()) {
    const path = `namespaces.${JSON.stringify(name)}`;
    const ns = entry(nss[name], path, NAMESPACE_KEYS);
    // A snapshot's list of what it does not model may come back: checked, then ignored.
    if (ns.unmanaged !== undefined) list(ns.unmanaged, `${path}.unmanaged`, checkUnmanaged);
    const state: NamespaceState = {};
    for (const k of KINDS) {
      if (ns[k] === undefined) continue;
      const kind = KIND_TABLE.get(k);
      if (!kind) throw new TypeError(`${path}.${k}: not handled yet`);
      const entries = list(ns[k], `${path}.${k}`, (x, p) => kind.check(x, p));
      const seen = new Map<string, number>();
      entries.forEach((e, i) => {
        const key = kind.key(e);
        const first = seen.get(key);
        if (first !== undefined) {
          throw new TypeError(
            `${path}.${k}[${i}]: the same ${SINGULAR[k]} as ${path}.${k}[${first}] (${key})`,
          );
        }
        seen.set(key, i);
      });
      (state as Record<string, unknown[]>)[k] = entries;
    }
    out.namespaces[name] = state;
  }
  return out;
}
