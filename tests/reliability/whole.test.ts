/**
 * Whole-or-nothing verbs: a link command that takes several requests (alternative names with
 * other changes, a list of names) is applied whole or not at all. When one request fails, or the
 * caller's signal aborts between two, what was applied is undone; bridge port settings given
 * with other changes travel in the link's own request.
 *
 * @module
 */

import assert from "node:assert/strict";
import { IPRoute, NetlinkError } from "../../mod.ts";
import { ipJson, isRoot, withNetns } from "../helpers.ts";
import { ipBatch, isChange, watchSends } from "./util.ts";

const ignore = !isRoot;

async function link(ns: string, name: string): Promise<Record<string, unknown> | undefined> {
  return (await ipJson(ns, "link", "show")).find((l) => l.ifname === name);
}

async function setup(ns: string): Promise<void> {
  await ipBatch(ns, [
    "link add v0 type veth peer name v1",
    "link add br0 type bridge",
    "link add q0 type veth peer name q1",
    "link set q0 master br0",
  ]);
}

const eexist = (e: unknown) => e instanceof NetlinkError && e.code === "EEXIST";

Deno.test({
  name: "whole: link set with mtu and a taken altname fails EEXIST and leaves the mtu as it was",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      using ip = new IPRoute({ netns: ns });
      await assert.rejects(ip.link("set", { index: "v0", mtu: 1400, altnames: ["v1"] }), eexist);
      assert.equal((await link(ns, "v0"))?.mtu, 1500);
      // The second of two names taken: the first is not kept either.
      await assert.rejects(
        ip.link("set", { index: "v0", mtu: 1400, altnames: ["a-free", "v1"] }),
        eexist,
      );
      const v0 = await link(ns, "v0");
      assert.equal(v0?.mtu, 1500);
      assert.equal(v0?.altnames, undefined);
      // The link's own change refused after the names went in: the names go again.
      await assert.rejects(
        ip.link("set", { index: "v0", altnames: ["n1", "n2"], address: "01:00:5e:00:00:01" }),
        NetlinkError,
      );
      assert.equal((await link(ns, "v0"))?.altnames, undefined);
      // All of it applies when nothing is refused.
      await ip.link("set", { index: "v0", mtu: 1400, altnames: ["n1", "n2"] });
      const after = await link(ns, "v0");
      assert.equal(after?.mtu, 1400);
      assert.deepEqual(after?.altnames, ["n1", "n2"]);
    }, "rwhole"),
});

Deno.test({
  name: "whole: link add of a veth pair with a taken altname leaves no pair behind",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      using ip = new IPRoute({ netns: ns });
      await assert.rejects(
        ip.link("add", { ifname: "w0", kind: "veth", peer: "w1", altnames: ["w-ok", "v1"] }),
        eexist,
      );
      assert.equal(await link(ns, "w0"), undefined);
      assert.equal(await link(ns, "w1"), undefined);
      await ip.link("add", { ifname: "w0", kind: "veth", peer: "w1", altnames: ["w-ok"] });
      assert.deepEqual((await link(ns, "w0"))?.altnames, ["w-ok"]);
      // Names for a link made in another namespace cannot be added from here.
      await assert.rejects(
        ip.link("add", { ifname: "x0", kind: "veth", netns: ns, altnames: ["x-alt"] }),
        TypeError,
      );
    }, "rwhole"),
});

Deno.test({
  name: "whole: property_add and property_del of several names are all or none",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      using ip = new IPRoute({ netns: ns });
      await assert.rejects(
        ip.link("property_add", { index: "v0", altnames: ["p1", "p2", "v1"] }),
        eexist,
      );
      assert.equal((await link(ns, "v0"))?.altnames, undefined);
      await ip.link("property_add", { index: "v0", altnames: ["p1", "p2"] });
      await assert.rejects(
        ip.link("property_del", { index: "v0", altnames: ["p1", "no-such-name"] }),
        NetlinkError,
      );
      assert.deepEqual(((await link(ns, "v0"))?.altnames as string[]).sort(), ["p1", "p2"]);
    }, "rwhole"),
});

Deno.test({
  name: "whole: protinfo with other changes is one request: applied together or refused together",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      using ip = new IPRoute({ netns: ns });
      const sent = watchSends(ip.socket);
      // q0 is a bridge port: mtu and port cost in one request.
      await ip.link("set", { index: "q0", mtu: 1400, protinfo: { brport_cost: 7 } });
      assert.equal(sent.filter((m) => isChange(m.type)).length, 1);
      assert.equal((await link(ns, "q0"))?.mtu, 1400);
      const [port] = (await ipJson(ns, "-d", "link", "show", "dev", "q0")) as {
        linkinfo?: { info_slave_data?: { cost?: number } };
      }[];
      assert.equal(port.linkinfo?.info_slave_data?.cost, 7);
      // v0 is no port: the port settings are refused, and the mtu with them.
      await assert.rejects(
        ip.link("set", { index: "v0", mtu: 1400, protinfo: { brport_cost: 7 } }),
        NetlinkError,
      );
      assert.equal((await link(ns, "v0"))?.mtu, 1500);
    }, "rwhole"),
});

Deno.test({
  name: "whole: a signal aborted between two requests undoes the first",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      using ip = new IPRoute({ netns: ns });
      const ac = new AbortController();
      const send = ip.socket.send.bind(ip.socket);
      ip.socket.send = (bytes: Uint8Array) => {
        const ok = send(bytes);
        ac.abort(new Error("enough")); // once the first request is out
        return ok;
      };
      await assert.rejects(
        ip.link("set", { index: "v0", mtu: 1400, altnames: ["s1"], signal: ac.signal }),
        /enough/,
      );
      ip.socket.send = send;
      const v0 = await link(ns, "v0");
      assert.equal(v0?.altnames, undefined);
      assert.equal(v0?.mtu, 1500);
    }, "rwhole"),
});
