/**
 * Snapshots: what the databases' namespaces hold, as a desired-state document that `apply()`
 * takes back: every kind, stable order, names instead of indexes, the kernel's own entries
 * left out (see each kind's module), and what exists but is not modelled listed in each
 * namespace's `unmanaged` (see unmanaged.ts).
 *
 * @module
 */

import type { IPDB } from "../ipdb/db.ts";
import type { NamespaceState, StateDocument } from "./document.ts";
import { KINDS } from "./document.ts";
import { KIND_TABLE } from "./kinds.ts";
import { checkDatabases, namespaceContext } from "./plan.ts";

/** The namespace's state as a document's namespace entry. */
export async function snapshotNamespace(
  dbs: ReadonlyMap<string, IPDB>,
  name: string,
): Promise<NamespaceState> {
  const ctx = namespaceContext(dbs, name);
  ctx.db.sync();
  const out: Record<string, unknown[]> = {};
  for (const k of KINDS) {
    const kind = KIND_TABLE.get(k);
    if (kind) out[k] = await kind.read(ctx);
  }
  const unmanaged = ctx.unmanaged.list();
  if (unmanaged.length) out.unmanaged = unmanaged;
  return out as NamespaceState;
}

/**
 * Every namespace of `dbs` as one document (`{ version: 1, namespaces: { name: … } }`),
 * namespaces in name order.
 */
export async function snapshot(dbs: ReadonlyMap<string, IPDB>): Promise<StateDocument> {
  checkDatabases(dbs);
  const doc: StateDocument = { version: 1, namespaces: {} };
  for (const name of [...dbs.keys()].sort()) {
    doc.namespaces[name] = await snapshotNamespace(dbs, name);
  }
  return doc;
}
