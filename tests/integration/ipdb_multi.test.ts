/**
 * IPDB over several namespaces (MultiIPDB): each database knows its namespace's name.
 * Every test works in namespaces it creates and removes.
 */

import assert from "node:assert/strict";
import { IPDB } from "../../mod.ts";
import { isRoot, withNetns } from "../helpers.ts";

const ignore = !isRoot;

Deno.test({
  name: "ipdb: netnsName names the namespace the database was opened in",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await using byName = await IPDB.open({ netns: ns, routes: false, rules: false });
      assert.equal(byName.netnsName, ns);
      await using byPath = await IPDB.open({
        netns: `/run/netns/${ns}`,
        routes: false,
        rules: false,
      });
      assert.equal(byPath.netnsName, ns);
      await using own = await IPDB.open({ routes: false, rules: false });
      assert.equal(own.netnsName, "");
      await using byPid = await IPDB.open({
        netns: { pid: Deno.pid },
        routes: false,
        rules: false,
      });
      assert.equal(byPid.netnsName, `/proc/${Deno.pid}/ns/net`);
    }, "mdb"),
});
