/**
 * The unmanaged list without a kernel: which link, route and rule messages are listed (and why)
 * instead of written, and how a plan shows what it leaves alone.
 */

import assert from "node:assert/strict";
import type { IPDB } from "../../ipdb/db.ts";
import type { Route } from "../../rtnl/route.ts";
import type { Rule } from "../../rtnl/rule.ts";
import { LINKS } from "../../state/links.ts";
import { routeUnmodelled } from "../../state/routes.ts";
import { ruleUnmodelled } from "../../state/rules.ts";
import { StatePlan } from "../../state/plan.ts";
import type { NamespaceContext } from "../../state/kind.ts";
import { UnmanagedSink } from "../../state/unmanaged.ts";

/** A link as the store holds it: `get` by schema name or path. */
function link(index: number, ifname: string, attrs: Record<string, unknown>) {
  const all: Record<string, unknown> = { index, ifname, flags: 1, mtu: 1500, ...attrs };
  return {
    index,
    ifname,
    get(k: string | string[]) {
      return (Array.isArray(k) ? k : [k]).reduce<unknown>(
        (o, p) => (o as Record<string, unknown> | undefined)?.[p],
        all,
      );
    },
  };
}

Deno.test("state unmanaged: links whose kind data is not kept are listed and kept from pruning", async () => {
  const links = new Map([
    [1, link(1, "lo", {})],
    [2, link(2, "eth0", {})],
    [3, link(3, "vl0", { link: 2, linkinfo: { info_kind: "vlan", info_data: { vlan_id: 5 } } })],
    [4, link(4, "d0", { linkinfo: { info_kind: "dummy" } })],
    [5, link(5, "v0", { link: 9, link_netnsid: 3, linkinfo: { info_kind: "veth" } })],
  ]);
  const db = { store: { links }, ip: { nsid: () => Promise.reject(new Error("none")) } };
  const ctx: NamespaceContext = {
    name: "a",
    db: db as unknown as IPDB,
    dbs: new Map([["a", db as unknown as IPDB]]),
    nameOf: (i) => links.get(i)?.ifname,
    unmanaged: new UnmanagedSink(),
  };
  const read = await LINKS.read(ctx);
  assert.deepStrictEqual(read.map((l) => l.ifname), ["d0", "eth0", "lo", "v0", "vl0"]);
  assert.deepStrictEqual(ctx.unmanaged.list(), [
    {
      kind: "links",
      dev: "v0",
      object: "link v0 (veth)",
      reason: "its veth peer is in a namespace the document does not name",
    },
    {
      kind: "links",
      dev: "vl0",
      object: "link vl0 (vlan)",
      reason: "kind data of vlan is not modelled (vlan_id)",
    },
  ]);
  assert.ok(ctx.unmanaged.kept("links", "vl0"));
  assert.ok(!ctx.unmanaged.kept("links", "d0"));
});

Deno.test("state unmanaged: routes and rules a document cannot describe, and the kernel's own", () => {
  const route = (o: Record<string, unknown>) =>
    routeUnmodelled(
      { family: 2, table: 254, proto: 3, type: 1, flags: 0, ...o } as unknown as Route,
    );
  assert.equal(route({}), undefined);
  assert.equal(route({ proto: 2, metrics: { mtu: 1 } }), undefined); // the kernel's
  assert.equal(route({ table: 255, type: 2 }), undefined); // the local table
  assert.equal(route({ type: 2 }), "route type local is not modelled");
  assert.equal(route({ metrics: { mtu: 1300, advmss: 1 } }), "not modelled: metrics (advmss, mtu)");
  assert.equal(route({ flags: 4, flow: 5 }), "not modelled: onlink, realms");
  assert.equal(route({ family: 10, pref: 1 }), "not modelled: router preference");
  assert.equal(route({ family: 10, cacheinfo: { rta_expires: 100 } }), "not modelled: expiry");
  assert.equal(route({ multipath: [{ flags: 4 }, {}] }), "not modelled: onlink");
  assert.equal(
    route({ src_len: 8, encap_type: 1 }),
    "not modelled: a source prefix, encapsulation",
  );
  const rule = (o: Record<string, unknown>) =>
    ruleUnmodelled({ family: 2, action: 1, flags: 0, protocol: 0, ...o } as unknown as Rule);
  assert.equal(rule({ suppress_prefixlen: 0xffffffff }), undefined);
  assert.equal(rule({ protocol: 2, flags: 2 }), undefined); // the kernel's
  assert.equal(rule({ flags: 2 }), "not modelled: not");
  assert.equal(rule({ action: 2, goto: 13 }), "not modelled: action goto, goto");
  assert.equal(
    rule({ suppress_prefixlen: 0, uid_range: {} }),
    "not modelled: suppress_prefixlen, uid_range",
  );
});

Deno.test("state unmanaged: a plan's review and text say what is left alone", () => {
  const e = { kind: "tc" as const, dev: "v0", object: "qdisc netem 1: parent root", reason: "r" };
  const p = new StatePlan([], [], { a: [e] });
  assert.ok(p.empty);
  assert.deepStrictEqual(p.review(), {
    a: ["= left alone: qdisc netem 1: parent root dev v0 (r)"],
  });
  assert.equal(p.toString(), "[a] = left alone: qdisc netem 1: parent root dev v0 (r)");
  assert.deepStrictEqual(new StatePlan([]).review(), {});
});
