/**
 * Isolation, first half: the initial namespace as the suite found it. This file's name sorts
 * first among the test files, so it runs before any other; tests/zzz_isolation_after.test.ts
 * compares at the end. (Read only: nothing here changes the initial namespace.)
 *
 * @module
 */

import assert from "node:assert/strict";
import { snapshot, SNAPSHOT_FILE } from "./reliability/isolation.ts";

Deno.test("isolation (before): snapshot of the initial namespace's links, addresses, routes, rules", async () => {
  const s = await snapshot();
  assert.ok(s.includes('"ifname": "lo"'));
  await Deno.writeTextFile(SNAPSHOT_FILE, s);
});
