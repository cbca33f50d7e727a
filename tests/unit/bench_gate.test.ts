/**
 * `deno task bench:compare --gate`: which rows of the Targets table fail the run. Speed is
 * checked there (against the reference tools, in the same run), not by the tests.
 */

import assert from "node:assert/strict";
import { gateFailures } from "../../bench/compare.ts";
import type { Target } from "../../bench/compare.ts";

const t = (what: string, value: number, limit: number, extra: Partial<Target> = {}): Target => ({
  what,
  value,
  limit,
  unit: "×",
  ...extra,
});

Deno.test("bench gate: met targets pass; a missed one is named with its value and limit", () => {
  assert.deepEqual(gateFailures([t("a", 0.9, 1), t("b", 2, 2)]), []);
  assert.deepEqual(gateFailures([t("a", 0.9, 1), t("10k adds / ip -batch", 1.2, 1)]), [
    "10k adds / ip -batch: 1.20 × > 1 ×",
  ]);
  assert.equal(gateFailures([t("nan", NaN, 1)]).length, 1, "a value that is not a number fails");
});

Deno.test("bench gate: context rows and stretch goals are not gated; nothing measured fails", () => {
  const info = t("context", 9, NaN, { info: true });
  const stretch = t("stretch", 1.7, 1.5, { stretch: true });
  assert.deepEqual(gateFailures([info, stretch, t("a", 1, 2)]), []);
  assert.match(gateFailures([info, stretch])[0], /no target was measured/);
  assert.match(gateFailures([])[0], /no target was measured/);
});
