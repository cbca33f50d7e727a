/**
 * The kernel feature probes (tests/features.ts): every probe runs (a probe whose own command line
 * iproute2 refuses throws, so a typo cannot pass for a missing feature), and the table of what
 * this kernel lacks is printed: the skip list of this run.
 */

import { detail, FEATURES, lacks } from "../features.ts";
import { skipReason } from "../helpers.ts";

Deno.test({
  name: "features: every probe runs; what this kernel lacks is listed",
  ignore: skipReason !== undefined,
  async fn() {
    const absent: string[] = [];
    for (const f of FEATURES) {
      const why = await lacks(f);
      if (why) absent.push(`  ${f}: ${why}${detail(f) ? ` (${detail(f)})` : ""}`);
    }
    console.log(`this kernel lacks ${absent.length} of ${FEATURES.length} optional features:`);
    for (const line of absent) console.log(line);
  },
});
