/**
 * Bad input to the address, route, rule, neighbour, nexthop and bridge verbs is a TypeError or
 * RangeError naming the field, thrown before anything is sent (checked on a fake transport that
 * records every send).
 */

import assert from "node:assert/strict";
import { BAD_CASES, fakeIPRoute } from "./rtnl_golden.ts";

Deno.test(`bad input: ${BAD_CASES.length} cases refused before sending`, async (t) => {
  assert.ok(BAD_CASES.length >= 40);
  for (const c of BAD_CASES) {
    await t.step(c.name, async () => {
      const { ip, sent } = fakeIPRoute();
      const err = await c.call(ip).then(() => undefined, (e) => e);
      assert.ok(err instanceof c.error, `${c.name}: expected ${c.error.name}, got ${err}`);
      assert.ok(
        (err as Error).message.startsWith(`${c.field}:`),
        `${c.name}: message should name ${c.field}: ${(err as Error).message}`,
      );
      assert.equal(sent.length, 0, `${c.name}: ${sent.length} requests were sent`);
    });
  }
});

Deno.test("bad input: well-formed requests do reach the transport (the fake records sends)", async () => {
  const { ip, sent } = fakeIPRoute();
  await assert.rejects(ip.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.1" }), /no kernel/);
  assert.equal(sent.length, 1);
});
