/**
 * The kinds the state layer handles, in the document's order.
 *
 * @module
 */

import type { KindName } from "./document.ts";
import type { Kind } from "./kind.ts";
import { LINKS } from "./links.ts";
import { ADDRESSES } from "./addresses.ts";
import { ROUTES } from "./routes.ts";
import { RULES } from "./rules.ts";
import { NEIGHBOURS } from "./neighbours.ts";
import { NEXTHOPS } from "./nexthops.ts";
import { FDB } from "./fdb.ts";
import { TC } from "./tc.ts";

/** Every handled kind by its list's name. */
export const KIND_TABLE: ReadonlyMap<KindName, Kind<unknown>> = new Map<KindName, Kind<unknown>>(
  ([LINKS, ADDRESSES, ROUTES, RULES, NEIGHBOURS, NEXTHOPS, FDB, TC] as Kind<unknown>[]).map((
    k,
  ) => [k.name, k]),
);
