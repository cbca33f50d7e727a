/**
 * Namespace ids against the real kernel, between namespaces the test creates: an id assigned
 * with `nsid("set")` is read back by `nsid("get")` (by name, by fd, by id), listed by
 * `getNsids()`, seen from the other side through `target_nsid`, carried by a veth peer's
 * `link_netnsid`, and announced to a monitor of the `nsid` group; a second id for the same
 * namespace is the kernel's refusal.
 */

import assert from "node:assert/strict";
import { IPRoute } from "../../rtnl/mod.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import * as netns from "../../ffi/netns.ts";
import { isRoot, withNetns } from "../helpers.ts";

const ignore = !isRoot;

Deno.test({
  name: "nsid: set, get (name, fd, id, target), dump, link_netnsid, refusal, event",
  ignore,
  fn: () =>
    withNetns((a) =>
      withNetns(async (b) => {
        using ip = new IPRoute({ netns: a });
        using events = ip.monitor({ groups: ["nsid"] });
        assert.deepEqual((await ip.nsid("get", { netns: b })).map((m) => m.nsid), [-1]);
        assert.deepEqual(await ip.getNsids(), []);
        await ip.nsid("set", { netns: b, nsid: 42 });
        assert.equal((await ip.nsid("get", { netns: b }))[0].nsid, 42);
        const fd = netns.openFd(b);
        try {
          assert.equal((await ip.nsid("get", { fd }))[0].nsid, 42);
        } finally {
          netns.closeFd(fd);
        }
        assert.deepEqual((await ip.getNsids()).map((m) => m.nsid), [42]);
        await assert.rejects(
          ip.nsid("set", { netns: b, nsid: 43 }),
          (e: unknown) => e instanceof NetlinkError && e.code === "EEXIST",
        );
        // From b's side: b knows a by an id the kernel picks ("auto"), and a can ask about it.
        using ipb = new IPRoute({ netns: b });
        await ipb.nsid("set", { netns: a, nsid: "auto" });
        const [back] = await ipb.nsid("get", { netns: a });
        assert.ok(back.nsid! >= 0);
        // Asked through b (target 42): the id b gives a, and the one a gives a (none).
        const [seen] = await ip.nsid("get", { netns: a, target_nsid: 42 });
        assert.equal(seen.nsid, back.nsid);
        assert.equal(seen.current_nsid, -1);
        const [self] = await ip.nsid("get", { nsid: 42, target_nsid: 42 });
        assert.deepEqual([self.nsid, self.current_nsid], [-1, 42]);
        // A veth whose peer is in b reports b's id.
        await ip.link("add", { ifname: "v0", kind: "veth", peer: { ifname: "v1", netns: b } });
        const [v0] = await ip.getLinks({ ifname: "v0" });
        assert.equal(v0.get("link_netnsid"), 42);
        for await (const ev of events) {
          if (ev.type !== "RTM_NEWNSID") continue;
          assert.equal(ev.message.nsid, 42);
          break;
        }
      }, "nsidb"), "nsida"),
});
