/**
 * Isolation, second half: after every other test file (this name sorts last), the initial
 * namespace must be exactly as tests/aaa_isolation_before.test.ts found it, and no namespace
 * this run created may be left.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ownNamespaces, snapshot, SNAPSHOT_FILE } from "./reliability/isolation.ts";

Deno.test("isolation (after): the suite left the initial namespace unchanged and no namespace behind", async () => {
  let before: string | undefined;
  try {
    before = await Deno.readTextFile(SNAPSHOT_FILE);
  } catch {
    console.log("isolation: no snapshot from aaa_isolation_before.test.ts (a partial run)");
  }
  if (before !== undefined) {
    await Deno.remove(SNAPSHOT_FILE);
    assert.equal(await snapshot(), before, "the test suite changed the initial namespace");
  }
  assert.deepEqual(await ownNamespaces(), [], "namespaces left behind by this run");
});
